//! Seeding: `--seed DIR` loads a `csdx cm:stacks:export` folder into the default stack at
//! start (uids kept), and a malformed or partial export is refused with its file named,
//! leaving nothing behind. `POST /_mock/stacks` takes the same export.

use std::path::Path;
use std::process::Command;

use serde_json::json;
use sha2::{Digest, Sha256};

use crate::helpers::*;

const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52, 0, 0, 0,
    3, 0, 0, 0, 2, 8, 2, 0, 0, 0,
];

fn write(path: &Path, bytes: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

/// An export as the CLI writes it: 2 nested folders, 2 assets (one published), an
/// environment and the master locale.
pub fn export_in(dir: &Path) {
    let folders = json!([
        {"uid": "bltf000000000000001", "name": "Images", "parent_uid": null, "is_dir": true, "created_at": "2025-01-01T00:00:00.000Z"},
        {"uid": "bltf000000000000002", "name": "Icons", "parent_uid": "bltf000000000000001", "is_dir": true},
    ]);
    let assets = json!({
        "blta000000000000001": {"stackHeaders": {"api_key": "bltsource"}, "uid": "blta000000000000001", "filename": "dot.png",
            "title": "Dot", "description": "A dot", "tags": ["image"], "parent_uid": "bltf000000000000002",
            "content_type": "image/png", "file_size": "29", "_version": 2,
            "publish_details": [{"environment": "blte000000000000001", "locale": "en-us", "time": "2025-02-01T00:00:00.000Z", "user": "csuser", "version": 2}]},
        "blta000000000000002": {"uid": "blta000000000000002", "filename": "notes.txt", "title": "Notes", "tags": [], "parent_uid": null},
    });
    write(
        &dir.join("assets/folders.json"),
        folders.to_string().as_bytes(),
    );
    write(
        &dir.join("assets/chunk-1-assets.json"),
        assets.to_string().as_bytes(),
    );
    write(
        &dir.join("assets/assets.json"),
        br#"{"1": "chunk-1-assets.json"}"#,
    );
    write(&dir.join("assets/files/blta000000000000001/dot.png"), PNG);
    write(
        &dir.join("assets/files/blta000000000000002/notes.txt"),
        b"some notes",
    );
    write(
        &dir.join("environments/environments.json"),
        json!({"blte000000000000001": {"uid": "blte000000000000001", "name": "production", "urls": []}}).to_string().as_bytes(),
    );
    write(
        &dir.join("locales/master-locale.json"),
        json!({"bltl000000000000001": {"uid": "bltl000000000000001", "code": "en-us", "name": "English", "fallback_locale": null}}).to_string().as_bytes(),
    );
    write(&dir.join("locales/locales.json"), b"{}");
}

fn sha(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

#[tokio::test]
async fn a_seeded_default_stack_holds_the_export_with_its_uids() {
    let export = tempfile::tempdir().unwrap();
    export_in(export.path());
    let seed = export.path().to_str().unwrap();
    let server = TestServer::start_with(&["--seed", seed]).await;
    let (_, body) = send(
        server
            .get("/v3/assets?include_folders=true&include_count=true&include_publish_details=true"),
    )
    .await;
    assert_eq!(body["count"], 4, "{body}");
    let by_uid = |uid: &str| {
        body["assets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["uid"] == uid)
            .cloned()
            .unwrap()
    };
    assert_eq!(
        by_uid("bltf000000000000002")["parent_uid"],
        "bltf000000000000001"
    );
    let dot = by_uid("blta000000000000001");
    assert_eq!(dot["title"], "Dot");
    assert_eq!(dot["description"], "A dot");
    assert_eq!(dot["tags"], json!(["image"]));
    assert_eq!(dot["parent_uid"], "bltf000000000000002");
    assert_eq!(dot["_version"], 2);
    assert_eq!(dot["file_size"], "29");
    assert_eq!(
        dot["publish_details"][0]["environment"],
        "blte000000000000001"
    );
    let bytes = server
        .client
        .get(dot["url"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(sha(&bytes), sha(PNG));
    let (_, env) = send(server.get("/v3/environments/production")).await;
    assert_eq!(env["environment"]["uid"], "blte000000000000001");
    // A restart on the same data does not load it twice.
    let again = server.restart_with(&["--seed", seed]);
    assert_eq!(again.list_uids("include_folders=true").await.len(), 4);
}

/// Starts the binary on a fresh data dir with `--seed`, expecting it to refuse.
fn refused(seed: &Path) -> (String, tempfile::TempDir) {
    let data = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_contentstack-mock"))
        .args(["--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data.path())
        .arg("--seed")
        .arg(seed)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    (String::from_utf8_lossy(&output.stderr).into_owned(), data)
}

#[tokio::test]
async fn a_partial_or_malformed_export_is_refused_naming_the_file_and_leaves_nothing() {
    let missing = tempfile::tempdir().unwrap();
    export_in(missing.path());
    std::fs::remove_file(
        missing
            .path()
            .join("assets/files/blta000000000000002/notes.txt"),
    )
    .unwrap();
    let (stderr, data) = refused(missing.path());
    assert!(
        stderr.contains("notes.txt") && stderr.contains("missing"),
        "{stderr}"
    );
    // Nothing half-loaded: the same data dir starts empty without the seed.
    let server = TestServer::start_in(data.path(), &[]);
    assert!(server.list_uids("include_folders=true").await.is_empty());
    assert_eq!(server.stored_file_count(), 0);
    drop(server);

    let broken = tempfile::tempdir().unwrap();
    export_in(broken.path());
    write(
        &broken.path().join("assets/chunk-1-assets.json"),
        b"{\"blta\": ",
    );
    let (stderr, _) = refused(broken.path());
    assert!(
        stderr.contains("chunk-1-assets.json") && stderr.contains("JSON"),
        "{stderr}"
    );

    let orphan = tempfile::tempdir().unwrap();
    export_in(orphan.path());
    write(&orphan.path().join("assets/folders.json"), b"[]");
    let (stderr, _) = refused(orphan.path());
    assert!(
        stderr.contains("bltf000000000000002") && stderr.contains("not in"),
        "{stderr}"
    );

    let (stderr, _) = refused(Path::new("/nonexistent/export"));
    assert!(stderr.contains("/nonexistent/export"), "{stderr}");
}

#[tokio::test]
async fn a_control_api_stack_can_start_from_an_export() {
    let export = tempfile::tempdir().unwrap();
    export_in(export.path());
    let server = TestServer::start_with(&["--seed-root", export.path().to_str().unwrap()]).await;
    let (status, body) = send(
        control(&server, reqwest::Method::POST, "/_mock/stacks")
            .json(&json!({"name": "seeded", "seed": export.path().to_str().unwrap()})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let key = body["stack"]["api_key"].as_str().unwrap();
    let token = body["stack"]["management_token"].as_str().unwrap();
    let (_, list) = send(server.request_as(
        reqwest::Method::GET,
        "/v3/assets?include_count=true",
        key,
        token,
    ))
    .await;
    assert_eq!(list["count"], 2, "{list}");
    std::fs::remove_dir_all(export.path().join("assets/files")).unwrap();
    let (status, body) = send(
        control(&server, reqwest::Method::POST, "/_mock/stacks")
            .json(&json!({"name": "broken", "seed": export.path().to_str().unwrap()})),
    )
    .await;
    assert_error(status, &body, 422, 120);
    let (_, stacks) = send(control(&server, reqwest::Method::GET, "/_mock/stacks")).await;
    assert_eq!(stacks["count"], 2, "the broken one left no stack: {stacks}");
}

#[tokio::test]
async fn an_export_of_a_stack_with_branches_is_read_from_its_main_branch() {
    // `csdx cm:stacks:export` of a stack with branches writes `branches.json` and the
    // content of each branch under its name.
    let export = tempfile::tempdir().unwrap();
    export_in(&export.path().join("main"));
    write(
        &export.path().join("branches.json"),
        json!([{"uid": "main", "source": ""}])
            .to_string()
            .as_bytes(),
    );
    let server = TestServer::start_with(&["--seed", export.path().to_str().unwrap()]).await;
    let (_, body) = send(server.get("/v3/assets?include_folders=true&include_count=true")).await;
    assert_eq!(body["count"], 4, "{body}");
    let other = TestServer::start_with(&["--seed-root", export.path().to_str().unwrap()]).await;
    let (status, body) = send(
        control(&other, reqwest::Method::POST, "/_mock/stacks").json(
            &json!({"name": "from a branch export", "seed": export.path().to_str().unwrap()}),
        ),
    )
    .await;
    assert_eq!(status, 201, "{body}");
}

/// A file outside every export whose bytes must never be served.
const SECRET: &[u8] = b"TOPSECRET-outside-the-export";

/// Builds a valid export in `dir` and then breaks it as `kind` says, pointing a link
/// (or a hard link) at `secret`, a file outside the export, or at a folder holding it.
fn escaping_export(dir: &Path, secret: &Path, kind: &str) {
    use std::os::unix::fs::symlink;
    export_in(dir);
    let outside = secret.parent().unwrap();
    let file = dir.join("assets/files/blta000000000000002/notes.txt");
    let replace_with_link = |path: &Path, target: &Path| {
        if path.is_dir() {
            std::fs::remove_dir_all(path).unwrap();
        } else {
            std::fs::remove_file(path).unwrap();
        }
        symlink(target, path).unwrap();
    };
    match kind {
        "absolute file link" => replace_with_link(&file, secret),
        "relative file link" => {
            std::fs::remove_file(&file).unwrap();
            let up = "../".repeat(dir.components().count() + 3);
            symlink(format!("{up}{}", secret.display()), &file).unwrap();
        }
        "linked asset folder" => {
            let folder = outside.join("blta000000000000002");
            std::fs::create_dir_all(&folder).unwrap();
            std::fs::copy(secret, folder.join("notes.txt")).unwrap();
            replace_with_link(&dir.join("assets/files/blta000000000000002"), &folder);
        }
        "linked files folder" => {
            let files = outside.join("files");
            std::fs::create_dir_all(files.join("blta000000000000001")).unwrap();
            std::fs::create_dir_all(files.join("blta000000000000002")).unwrap();
            std::fs::write(files.join("blta000000000000001/dot.png"), PNG).unwrap();
            std::fs::copy(secret, files.join("blta000000000000002/notes.txt")).unwrap();
            replace_with_link(&dir.join("assets/files"), &files);
        }
        "linked assets folder" => {
            let assets = outside.join("assets");
            std::fs::rename(dir.join("assets"), &assets).unwrap();
            std::fs::copy(secret, assets.join("files/blta000000000000002/notes.txt")).unwrap();
            symlink(&assets, dir.join("assets")).unwrap();
        }
        "linked chunk" => {
            let chunk = outside.join("chunk.json");
            std::fs::rename(dir.join("assets/chunk-1-assets.json"), &chunk).unwrap();
            symlink(&chunk, dir.join("assets/chunk-1-assets.json")).unwrap();
        }
        "linked index" => {
            let index = outside.join("assets.json");
            std::fs::rename(dir.join("assets/assets.json"), &index).unwrap();
            symlink(&index, dir.join("assets/assets.json")).unwrap();
        }
        "linked environments file" => {
            let environments = outside.join("environments.json");
            std::fs::rename(dir.join("environments/environments.json"), &environments).unwrap();
            symlink(&environments, dir.join("environments/environments.json")).unwrap();
        }
        "linked locales folder" => {
            let locales = outside.join("locales");
            std::fs::rename(dir.join("locales"), &locales).unwrap();
            symlink(&locales, dir.join("locales")).unwrap();
        }
        "hard link" => {
            std::fs::remove_file(&file).unwrap();
            std::fs::hard_link(secret, &file).unwrap();
        }
        _ => unreachable!("{kind}"),
    }
}

const ESCAPES: &[&str] = &[
    "absolute file link",
    "relative file link",
    "linked asset folder",
    "linked files folder",
    "linked assets folder",
    "linked chunk",
    "linked index",
    "linked environments file",
    "linked locales folder",
    "hard link",
];

#[tokio::test]
async fn seed_never_reads_through_a_link_out_of_the_export() {
    for kind in ESCAPES {
        let temp = tempfile::tempdir().unwrap();
        let outside = temp.path().join("outside");
        std::fs::create_dir_all(&outside).unwrap();
        let secret = outside.join("secret.txt");
        std::fs::write(&secret, SECRET).unwrap();
        let export = temp.path().join("export");
        escaping_export(&export, &secret, kind);
        let (stderr, data) = refused(&export);
        let why = if *kind == "hard link" {
            "hard link"
        } else {
            "symbolic link"
        };
        assert!(stderr.contains(why), "{kind}: {stderr}");
        assert!(!stderr.contains("TOPSECRET"), "{kind}: {stderr}");
        // Nothing was stored from it.
        let server = TestServer::start_in(data.path(), &[]);
        assert!(
            server.list_uids("include_folders=true").await.is_empty(),
            "{kind}"
        );
        assert_eq!(server.stored_file_count(), 0, "{kind}");
    }
}

#[tokio::test]
async fn the_api_seeds_only_from_folders_under_the_seed_root() {
    let temp = tempfile::tempdir().unwrap();
    let root = temp.path().join("exports");
    export_in(&root.join("good"));
    let outside = temp.path().join("elsewhere");
    export_in(&outside);
    std::os::unix::fs::symlink(&outside, root.join("link-out")).unwrap();
    let secret = temp.path().join("secret.txt");
    std::fs::write(&secret, SECRET).unwrap();
    escaping_export(&root.join("escaping"), &secret, "absolute file link");

    // Without --seed-root the API loads nothing.
    let server = TestServer::start().await;
    let (status, body) = send(
        control(&server, reqwest::Method::POST, "/_mock/stacks")
            .json(&json!({"seed": outside.to_str().unwrap()})),
    )
    .await;
    assert_error(status, &body, 422, 120);
    assert!(body["errors"]["seed"].is_array(), "{body}");
    assert!(
        body["error_message"]
            .as_str()
            .unwrap()
            .contains("--seed-root"),
        "{body}"
    );
    drop(server);

    let server = TestServer::start_with(&["--seed-root", root.to_str().unwrap()]).await;
    let seeded = |seed: String| {
        send(control(&server, reqwest::Method::POST, "/_mock/stacks").json(&json!({"seed": seed})))
    };
    let (status, body) = seeded("good".to_owned()).await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = seeded(root.join("good").to_str().unwrap().to_owned()).await;
    assert_eq!(status, 201, "an absolute path inside the root: {body}");

    // Outside the root, existing or not, the answer is the same and names nothing.
    let mut answers = Vec::new();
    for seed in [
        outside.to_str().unwrap().to_owned(),
        "/nonexistent/export".to_owned(),
        "../elsewhere".to_owned(),
        "good/../../elsewhere".to_owned(),
        "/etc".to_owned(),
    ] {
        let (status, body) = seeded(seed.clone()).await;
        assert_error(status, &body, 422, 120);
        answers.push(body["error_message"].as_str().unwrap().to_owned());
    }
    answers.dedup();
    assert_eq!(answers.len(), 1, "{answers:?}");
    assert!(
        !answers[0].contains("elsewhere") && !answers[0].contains("etc"),
        "{answers:?}"
    );
    // A link inside the root that leads out of it, and a link inside an export.
    for seed in ["link-out", "escaping"] {
        let (status, body) = seeded(seed.to_owned()).await;
        assert_error(status, &body, 422, 120);
        let message = body["error_message"].as_str().unwrap();
        assert!(message.contains("symbolic link"), "{seed}: {message}");
        assert!(!message.contains("TOPSECRET"), "{message}");
    }
    let (_, stacks) = send(control(&server, reqwest::Method::GET, "/_mock/stacks")).await;
    assert_eq!(
        stacks["count"], 3,
        "only the good seeds made stacks: {stacks}"
    );
}

#[tokio::test]
async fn one_export_seeds_any_number_of_stacks() {
    let temp = tempfile::tempdir().unwrap();
    export_in(&temp.path().join("export"));
    let export = temp.path().join("export");
    let server = TestServer::start_with(&[
        "--seed",
        export.to_str().unwrap(),
        "--seed-root",
        temp.path().to_str().unwrap(),
    ])
    .await;
    let mut stacks = vec![(API_KEY.to_owned(), TOKEN.to_owned())];
    for n in 0..4 {
        let (status, body) = send(
            control(&server, reqwest::Method::POST, "/_mock/stacks")
                .json(&json!({"name": format!("copy {n}"), "seed": "export"})),
        )
        .await;
        assert_eq!(status, 201, "{body}");
        stacks.push((
            body["stack"]["api_key"].as_str().unwrap().to_owned(),
            body["stack"]["management_token"]
                .as_str()
                .unwrap()
                .to_owned(),
        ));
    }
    let get = |(key, token): &(String, String), path: &str| {
        send(server.request_as(reqwest::Method::GET, path, key, token))
    };
    let mut urls = Vec::new();
    for stack in &stacks {
        let (status, dot) = get(
            stack,
            "/v3/assets/blta000000000000001?include_publish_details=true",
        )
        .await;
        assert_eq!(status, 200, "{dot}");
        assert_eq!(dot["asset"]["parent_uid"], "bltf000000000000002");
        assert_eq!(
            dot["asset"]["publish_details"][0]["environment"],
            "blte000000000000001"
        );
        urls.push(dot["asset"]["url"].as_str().unwrap().to_owned());
        let (_, env) = get(stack, "/v3/environments/production").await;
        assert_eq!(env["environment"]["uid"], "blte000000000000001");
    }
    urls.sort();
    urls.dedup();
    assert_eq!(urls.len(), 5, "each stack serves its own copy");

    // Each copy lives on its own: deleting, versioning and purging one leaves the rest.
    let (key, token) = &stacks[1];
    let (status, _) = send(server.request_as(
        reqwest::Method::DELETE,
        "/v3/assets/folders/bltf000000000000001",
        key,
        token,
    ))
    .await;
    assert_eq!(status, 200);
    let (_, purged) = send(control(
        &server,
        reqwest::Method::DELETE,
        &format!("/_mock/stacks/{key}/trash"),
    ))
    .await;
    assert_eq!(purged["purged"].as_array().unwrap().len(), 1, "{purged}");
    for (n, stack) in stacks.iter().enumerate() {
        let (status, _) = get(stack, "/v3/assets/blta000000000000001").await;
        assert_eq!(status, if n == 1 { 422 } else { 200 }, "stack {n}");
        let (_, versions) = get(stack, "/v3/assets/blta000000000000002/versions").await;
        assert_eq!(
            versions["versions"].as_array().unwrap().len(),
            1,
            "{versions}"
        );
        let (_, delivered) = get(stack, "/v3/assets?include_count=true&include_folders=true").await;
        assert_eq!(delivered["count"], if n == 1 { 1 } else { 4 }, "stack {n}");
    }
    let bytes = server
        .client
        .get(&urls[0])
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(sha(&bytes), sha(PNG));
}

#[tokio::test]
async fn uids_listed_twice_and_chunks_without_an_index_are_refused_by_file() {
    let twice = tempfile::tempdir().unwrap();
    export_in(twice.path());
    // The same key twice in one chunk (a JSON map would keep the last one silently).
    let chunk = std::fs::read_to_string(twice.path().join("assets/chunk-1-assets.json")).unwrap();
    let record =
        r#""blta000000000000002": {"uid": "blta000000000000002", "filename": "notes.txt"}"#;
    write(
        &twice.path().join("assets/chunk-1-assets.json"),
        chunk.replacen('{', &format!("{{{record}, "), 1).as_bytes(),
    );
    let (stderr, _) = refused(twice.path());
    assert!(
        stderr.contains("chunk-1-assets.json")
            && stderr.contains("blta000000000000002")
            && stderr.contains("twice"),
        "{stderr}"
    );

    let across = tempfile::tempdir().unwrap();
    export_in(across.path());
    write(
        &across.path().join("assets/chunk-2-assets.json"),
        format!("{{{record}}}").as_bytes(),
    );
    write(
        &across.path().join("assets/assets.json"),
        br#"{"1": "chunk-1-assets.json", "2": "chunk-2-assets.json"}"#,
    );
    let (stderr, _) = refused(across.path());
    assert!(
        stderr.contains("chunk-2-assets.json") && stderr.contains("chunk-1-assets.json"),
        "{stderr}"
    );

    let unindexed = tempfile::tempdir().unwrap();
    export_in(unindexed.path());
    std::fs::remove_file(unindexed.path().join("assets/assets.json")).unwrap();
    let (stderr, _) = refused(unindexed.path());
    assert!(
        stderr.contains("chunk-1-assets.json")
            && stderr.contains("assets.json")
            && stderr.contains("missing"),
        "{stderr}"
    );

    let environments = tempfile::tempdir().unwrap();
    export_in(environments.path());
    write(
        &environments.path().join("environments/environments.json"),
        json!({
            "blte000000000000001": {"uid": "blte000000000000001", "name": "production"},
            "blte000000000000002": {"uid": "blte000000000000002", "name": "production"},
        })
        .to_string()
        .as_bytes(),
    );
    let (stderr, _) = refused(environments.path());
    assert!(
        stderr.contains("environments.json")
            && stderr.contains("production")
            && stderr.contains("twice"),
        "{stderr}"
    );
}

#[tokio::test]
async fn a_200_mb_seed_is_refused_without_reading_it() {
    let temp = tempfile::tempdir().unwrap();
    let export = temp.path().join("export");
    export_in(&export);
    // 200 MB of chunk (sparse: the test writes nothing, a reader would read it all).
    let big = std::fs::File::create(export.join("assets/chunk-1-assets.json")).unwrap();
    big.set_len(200 * 1000 * 1000).unwrap();
    drop(big);
    // And an export whose chunks are each small enough but too large together (75 MiB).
    let many = temp.path().join("many");
    export_in(&many);
    let mut index = serde_json::Map::new();
    for n in 1..=6 {
        let name = format!("chunk-{n}-assets.json");
        if n > 1 {
            let chunk = std::fs::File::create(many.join("assets").join(&name)).unwrap();
            chunk.set_len(15 * 1024 * 1024).unwrap();
        }
        index.insert(n.to_string(), json!(name));
    }
    write(
        &many.join("assets/assets.json"),
        serde_json::Value::Object(index).to_string().as_bytes(),
    );

    let server = TestServer::start_with(&["--seed-root", temp.path().to_str().unwrap()]).await;
    let before = peak_rss_kib(server.pid());
    for seed in ["export", "many", "export", "many"] {
        let (status, body) = send(
            control(&server, reqwest::Method::POST, "/_mock/stacks").json(&json!({"seed": seed})),
        )
        .await;
        assert_error(status, &body, 422, 120);
        let message = body["error_message"].as_str().unwrap();
        assert!(message.contains("bytes"), "{message}");
    }
    let grown = peak_rss_kib(server.pid()).saturating_sub(before);
    assert!(grown < 64 * 1024, "the server grew by {grown} KiB");
    let (_, stacks) = send(control(&server, reqwest::Method::GET, "/_mock/stacks")).await;
    assert_eq!(stacks["count"], 1, "{stacks}");
}
