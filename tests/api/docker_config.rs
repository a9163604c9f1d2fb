//! The container files agree with the binary: every `CSMOCK_` variable named in
//! `docker/Dockerfile`, `docker/Dockerfile.runtime`, `docker/compose.yaml`, the README and
//! docs/ is one the binary reads, both Dockerfiles end in the same image, the compose file shows
//! each setting with its default, and the healthcheck, port and data dir line up. No
//! Docker engine is needed: the files are read as text (tests/docker builds and runs the
//! image).

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Stdio};

use contentstack_mock::server::config::parse_duration;

/// The port the image listens on and publishes.
const PORT: u16 = 8484;

/// Read by the project's own test tooling (tests/run.sh, .ci/run, the client suites and
/// the benchmark), not by the binary; the README and docs/ may name them.
const TOOLING_VARS: &[&str] = &[
    "CSMOCK_REQUIRE_COMPAT",
    "CSMOCK_BIN",
    "CSMOCK_BENCH_ASSETS",
    "CSMOCK_SCALE_ASSETS",
    "CSMOCK_SCALE_TRASHED",
    "CSMOCK_TEST_S3_ENDPOINT",
    "CSMOCK_TEST_S3_BUCKET",
    "CSMOCK_TEST_DATABASE",
];

fn read(path: &str) -> String {
    let full = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("cannot read {}: {e}", full.display()))
}

/// The binary with no `CSMOCK_` variable inherited from the developer's shell.
fn binary() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_contentstack-mock"));
    for (key, _) in std::env::vars() {
        if key.starts_with("CSMOCK_") {
            command.env_remove(key);
        }
    }
    command
}

/// Every variable the binary reads, from the `[env: NAME=]` markers clap prints in its
/// help, with the `[default: ...]` that follows the marker on the same line, if any.
fn accepted_vars() -> BTreeMap<String, Option<String>> {
    let mut vars = BTreeMap::new();
    for args in [
        &["--help"][..],
        &["serve", "--help"],
        &["healthcheck", "--help"],
    ] {
        let output = binary().args(args).output().expect("the binary runs");
        assert!(output.status.success(), "{args:?} failed");
        let help = String::from_utf8(output.stdout).expect("help is UTF-8");
        for line in help.lines() {
            let Some((_, after)) = line.split_once("[env: ") else {
                continue;
            };
            let name: String = after
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            let default = after
                .split_once("[default: ")
                .and_then(|(_, rest)| rest.split_once(']'))
                .map(|(value, _)| value.to_owned());
            vars.entry(name).or_insert(default);
        }
    }
    // Guards against a change in clap's help format silently emptying the list.
    for expected in [
        "CSMOCK_LISTEN",
        "CSMOCK_DATA_DIR",
        "CSMOCK_HEALTHCHECK_TIMEOUT",
    ] {
        assert!(
            vars.contains_key(expected),
            "{expected} not found in --help: {vars:?}"
        );
    }
    vars
}

/// Every `CSMOCK_[A-Z0-9_]+` in `text`, comments included: a misspelt name in an
/// example is as misleading as one in a setting.
fn named_vars(text: &str) -> BTreeSet<String> {
    text.match_indices("CSMOCK_")
        .filter_map(|(at, prefix)| {
            let rest: String = text[at + prefix.len()..]
                .chars()
                .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_')
                .collect();
            (!rest.is_empty()).then(|| format!("{prefix}{rest}"))
        })
        .collect()
}

fn unquote(value: &str) -> &str {
    let value = value.trim();
    value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .or_else(|| value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
        .unwrap_or(value)
}

/// The image built on the host's binary; docker/Dockerfile builds the same from source.
const RUNTIME_DOCKERFILE: &str = "docker/Dockerfile.runtime";
const SOURCE_DOCKERFILE: &str = "docker/Dockerfile";

/// The final stage's instructions of the runtime Dockerfile.
fn dockerfile_final_stage() -> Vec<(String, String)> {
    final_stage_of(RUNTIME_DOCKERFILE)
}

/// A Dockerfile's final stage as (INSTRUCTION, arguments), with `\` continuations
/// joined and comment lines dropped, as Docker reads them.
fn final_stage_of(path: &str) -> Vec<(String, String)> {
    let mut instructions = Vec::new();
    let mut current = String::new();
    for line in read(path).lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        match line.strip_suffix('\\') {
            Some(head) => {
                current.push_str(head);
                current.push(' ');
            }
            None => {
                current.push_str(line);
                let (word, args) = current
                    .split_once(char::is_whitespace)
                    .unwrap_or((&current, ""));
                instructions.push((word.to_ascii_uppercase(), args.trim().to_owned()));
                current.clear();
            }
        }
    }
    let last_from = instructions
        .iter()
        .rposition(|(word, _)| word == "FROM")
        .expect("the Dockerfile has a FROM");
    instructions.split_off(last_from + 1)
}

/// The arguments of the final stage's only `instruction`.
fn dockerfile_one(instructions: &[(String, String)], instruction: &str) -> String {
    let found: Vec<&String> = instructions
        .iter()
        .filter(|(word, _)| word == instruction)
        .map(|(_, args)| args)
        .collect();
    assert_eq!(
        found.len(),
        1,
        "want exactly one {instruction} in the final stage"
    );
    found[0].clone()
}

/// The final stage's `ENV` settings (the `KEY=value` form).
fn dockerfile_env(instructions: &[(String, String)]) -> BTreeMap<String, String> {
    let mut env = BTreeMap::new();
    for (_, args) in instructions.iter().filter(|(word, _)| word == "ENV") {
        for pair in args.split_whitespace() {
            let (key, value) = pair.split_once('=').expect("ENV uses KEY=value");
            env.insert(key.to_owned(), unquote(value).to_owned());
        }
    }
    env
}

/// The lines of the compose file that are not comments, trimmed.
fn compose_lines() -> Vec<String> {
    read("docker/compose.yaml")
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(str::to_owned)
        .collect()
}

/// The `CSMOCK_*: value` settings in effect in the compose file.
fn compose_env() -> BTreeMap<String, String> {
    compose_lines()
        .iter()
        .filter(|line| line.starts_with("CSMOCK_"))
        .map(|line| {
            let (key, value) = line.split_once(':').expect("KEY: value");
            (key.to_owned(), unquote(value).to_owned())
        })
        .collect()
}

/// The value of the first `key:` in the compose file.
fn compose_value(key: &str) -> String {
    let prefix = format!("{key}:");
    let line = compose_lines()
        .into_iter()
        .find(|line| line.starts_with(&prefix))
        .unwrap_or_else(|| panic!("no {key} in docker/compose.yaml"));
    line[prefix.len()..].trim().to_owned()
}

/// The `- item` entries of the first `key:` list in the compose file.
fn compose_list(key: &str) -> Vec<String> {
    let heading = format!("{key}:");
    compose_lines()
        .into_iter()
        .skip_while(|line| *line != heading)
        .skip(1)
        .map_while(|line| line.strip_prefix("- ").map(|item| unquote(item).to_owned()))
        .collect()
}

#[test]
fn every_csmock_variable_in_the_container_files_and_the_readme_is_one_the_binary_reads() {
    let accepted: BTreeSet<String> = accepted_vars().into_keys().collect();
    for (file, also_allowed) in [
        ("docker/compose.yaml", &[][..]),
        (SOURCE_DOCKERFILE, &[][..]),
        (RUNTIME_DOCKERFILE, &[][..]),
        ("README.md", TOOLING_VARS),
        ("docs/configuration.md", TOOLING_VARS),
        ("docs/docker.md", TOOLING_VARS),
        ("docs/seed.md", TOOLING_VARS),
        ("docs/development.md", TOOLING_VARS),
    ] {
        let unknown: Vec<String> = named_vars(&read(file))
            .into_iter()
            .filter(|name| !accepted.contains(name) && !also_allowed.contains(&name.as_str()))
            .collect();
        assert!(
            unknown.is_empty(),
            "{file} names {unknown:?}, which the binary does not read; it reads {accepted:?}"
        );
    }
}

#[test]
fn the_compose_file_shows_every_setting_with_the_images_default() {
    let accepted = accepted_vars();
    let named = named_vars(&read("docker/compose.yaml"));
    let missing: Vec<&String> = accepted
        .keys()
        .filter(|name| !named.contains(*name))
        .collect();
    assert!(
        missing.is_empty(),
        "docker/compose.yaml does not show {missing:?}"
    );

    // The image's default is the Dockerfile's ENV where it sets one, else the binary's.
    let image_env = dockerfile_env(&dockerfile_final_stage());
    for (name, value) in compose_env() {
        let default = image_env
            .get(&name)
            .cloned()
            .or_else(|| accepted[&name].clone());
        if let Some(default) = default {
            assert_eq!(
                value, default,
                "{name} in docker/compose.yaml is not the default"
            );
        }
    }
}

#[test]
fn the_compose_environment_starts_the_real_binary() {
    // Every value in the file must parse (durations, the boolean, the log format), so the
    // binary runs with exactly that environment; only the address and the data dir are
    // replaced by flags, which win over the environment, to run it here.
    let env = compose_env();
    let data_dir = tempfile::tempdir().expect("temp dir");
    let mut server = binary()
        .envs(&env)
        .args(["--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data_dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    let mut banner = Vec::new();
    let mut lines = BufReader::new(server.stdout.take().expect("stdout is piped")).lines();
    while banner.len() < 4 {
        match lines.next() {
            Some(Ok(line)) => banner.push(line),
            _ => break,
        }
    }
    let address = banner
        .first()
        .and_then(|line| line.split("listening on http://").nth(1))
        .map(str::to_owned);
    let probe = address.as_ref().map(|address| {
        binary()
            .envs(&env)
            .args(["healthcheck", "--listen", address])
            .output()
            .expect("the healthcheck runs")
    });
    let _ = server.kill();
    let _ = server.wait();

    assert!(
        address.is_some(),
        "no banner with the compose environment: {banner:?}"
    );
    let probe = probe.expect("probed");
    assert!(
        probe.status.success(),
        "healthcheck failed: {}",
        String::from_utf8_lossy(&probe.stderr)
    );
    // Without CSMOCK_PUBLIC_URL (the default), URLs follow each request.
    let public_url = env
        .get("CSMOCK_PUBLIC_URL")
        .map_or("from each request's Host", String::as_str);
    assert!(
        banner
            .iter()
            .any(|line| line.contains(&format!("public url:        {public_url}"))),
        "the banner does not say {public_url:?}: {banner:?}"
    );
}

#[test]
fn the_healthchecks_run_the_binarys_healthcheck_subcommand_within_dockers_timeout() {
    let stage = dockerfile_final_stage();
    let entrypoint: Vec<String> =
        serde_json::from_str(&dockerfile_one(&stage, "ENTRYPOINT")).expect("exec-form ENTRYPOINT");
    assert_eq!(entrypoint, ["contentstack-mock"]);

    let healthcheck = dockerfile_one(&stage, "HEALTHCHECK");
    let (options, command) = healthcheck
        .split_once(" CMD ")
        .expect("HEALTHCHECK ... CMD [...]");
    let command: Vec<String> =
        serde_json::from_str(command).expect("exec-form CMD: no shell needed");
    assert_eq!(command, ["contentstack-mock", "healthcheck"]);
    let option = |name: &str| {
        options
            .split_whitespace()
            .find_map(|o| o.strip_prefix(&format!("--{name}=")))
            .map(|v| parse_duration(v).expect("a duration"))
            .unwrap_or_else(|| panic!("HEALTHCHECK has no --{name}"))
    };
    // Only flags every engine accepts: Docker before 25 and buildah reject
    // --start-interval. Probe each second instead, so the container turns healthy about a
    // second after it starts.
    assert!(
        !options.contains("--start-interval"),
        "HEALTHCHECK --start-interval breaks older engines"
    );
    assert!(option("interval").as_millis() <= 1000);
    // The probe must give up (and say why) before Docker kills it.
    let probe_timeout = parse_duration(
        accepted_vars()["CSMOCK_HEALTHCHECK_TIMEOUT"]
            .as_deref()
            .expect("a default timeout"),
    )
    .unwrap();
    assert!(
        option("timeout") > probe_timeout,
        "Docker's --timeout must exceed the probe's"
    );

    let test: Vec<String> =
        serde_json::from_str(&compose_value("test")).expect("compose healthcheck test as a list");
    assert_eq!(test, ["CMD", "contentstack-mock", "healthcheck"]);
    let compose_probe_timeout =
        parse_duration(&compose_env()["CSMOCK_HEALTHCHECK_TIMEOUT"]).expect("a duration");
    assert!(parse_duration(&compose_value("timeout")).unwrap() > compose_probe_timeout);
    assert!(
        parse_duration(&compose_value("interval"))
            .unwrap()
            .as_millis()
            <= 1000
    );
    assert!(
        !compose_lines()
            .iter()
            .any(|line| line.starts_with("start_interval")),
        "start_interval breaks older compose versions"
    );
}

#[test]
fn the_port_and_the_data_dir_agree_between_the_dockerfile_and_compose() {
    let stage = dockerfile_final_stage();
    let image_env = dockerfile_env(&stage);
    let compose = compose_env();

    let image_listen: SocketAddr = image_env["CSMOCK_LISTEN"].parse().expect("an address");
    // A loopback address inside the container would be unreachable through the port.
    assert!(
        image_listen.ip().is_unspecified(),
        "the image must listen on 0.0.0.0"
    );
    assert_eq!(image_listen.port(), PORT);
    assert_eq!(dockerfile_one(&stage, "EXPOSE"), PORT.to_string());
    let compose_listen: SocketAddr = compose["CSMOCK_LISTEN"].parse().expect("an address");
    assert_eq!(compose_listen, image_listen);
    // The host side may be moved with CONTENTSTACK_MOCK_PORT; by default it is the same.
    assert_eq!(
        compose_list("ports"),
        [format!("${{CONTENTSTACK_MOCK_PORT:-{PORT}}}:{PORT}")]
    );

    let data_dir = &image_env["CSMOCK_DATA_DIR"];
    let volume: Vec<String> =
        serde_json::from_str(&dockerfile_one(&stage, "VOLUME")).expect("VOLUME [\"...\"]");
    assert_eq!(volume, [data_dir.as_str()]);
    assert_eq!(&compose["CSMOCK_DATA_DIR"], data_dir);
    let mounts = compose_list("volumes");
    assert!(
        mounts
            .iter()
            .any(|m| m.split(':').nth(1) == Some(data_dir.as_str())),
        "no volume mounted on {data_dir}: {mounts:?}"
    );

    let user = dockerfile_one(&stage, "USER");
    let uid = user.split(':').next().unwrap_or_default();
    assert!(
        uid != "0" && uid != "root",
        "the image must not run as root: {user}"
    );
}

#[test]
fn both_dockerfiles_end_in_the_same_image() {
    // Everything but where the files come from: the source build stages them in its own
    // build stage, the runtime build takes them from a folder staged on the host.
    let settings = |path: &str| -> Vec<(String, String)> {
        final_stage_of(path)
            .into_iter()
            .filter(|(word, _)| word != "COPY" && word != "ARG")
            .collect()
    };
    assert_eq!(settings(SOURCE_DOCKERFILE), settings(RUNTIME_DOCKERFILE));
    let stage = final_stage_of(SOURCE_DOCKERFILE);
    assert_eq!(
        stage
            .first()
            .map(|(word, args)| (word.as_str(), args.as_str())),
        Some(("COPY", "--from=build /staged/rootfs/ /")),
        "the source build's final stage starts from nothing but the staged files"
    );
}

#[test]
fn base_images_are_fully_qualified() {
    // Short names (`rust:...`) resolve differently per engine (podman asks which registry).
    for (line_number, line) in read(SOURCE_DOCKERFILE).lines().enumerate() {
        let Some(image) = line.trim().strip_prefix("ARG ").and_then(|arg| {
            arg.split_once('=')
                .filter(|(name, _)| name.ends_with("_IMAGE"))
                .map(|(_, image)| image.to_owned())
        }) else {
            continue;
        };
        let registry = image.split('/').next().unwrap_or_default();
        assert!(
            image.matches('/').count() >= 2 && registry.contains('.'),
            "line {}: {image} is not a fully qualified image name",
            line_number + 1
        );
    }
    let froms: Vec<String> = read(RUNTIME_DOCKERFILE)
        .lines()
        .filter_map(|line| line.trim().strip_prefix("FROM ").map(str::to_owned))
        .collect();
    assert_eq!(froms, ["scratch"], "the runtime image is built on nothing");
}
