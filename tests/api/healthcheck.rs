//! The `healthcheck` subcommand, as a container's HEALTHCHECK runs it: exit 0 against a
//! healthy server, 1 otherwise, and always within its timeout.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use crate::helpers::TestServer;

/// Runs `contentstack-mock healthcheck` with `args` and `env`, and no other `CSMOCK_`
/// variable (the developer's shell may set some).
fn healthcheck(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_contentstack-mock"));
    for (key, _) in std::env::vars() {
        if key.starts_with("CSMOCK_") {
            command.env_remove(key);
        }
    }
    command
        .arg("healthcheck")
        .args(args)
        .envs(env.iter().copied())
        .output()
        .expect("the healthcheck runs")
}

fn describe(output: &Output) -> String {
    format!(
        "exit {:?}, stdout {:?}, stderr {:?}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// A port on which nothing listens.
fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().unwrap().port()
}

#[tokio::test]
async fn a_healthy_server_exits_0() {
    let server = TestServer::start().await;
    let output = healthcheck(&["--listen", &format!("127.0.0.1:{}", server.port())], &[]);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    assert!(String::from_utf8_lossy(&output.stdout).contains("healthy"));
}

#[tokio::test]
async fn a_wildcard_listen_address_in_the_environment_is_probed_on_loopback() {
    // As in the image: CSMOCK_LISTEN=0.0.0.0:8484 is where the server listens, and the
    // probe, run with the same environment, must reach it over 127.0.0.1.
    let server = TestServer::start().await;
    let listen = format!("0.0.0.0:{}", server.port());
    let output = healthcheck(&[], &[("CSMOCK_LISTEN", &listen)]);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
}

#[tokio::test]
async fn a_closed_port_exits_1() {
    let listen = format!("127.0.0.1:{}", closed_port());
    let output = healthcheck(&["--listen", &listen], &[]);
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    assert!(String::from_utf8_lossy(&output.stderr).contains("unhealthy"));
}

#[tokio::test]
async fn a_server_answering_503_exits_1() {
    // What the service answers while its database does not: reachable is not healthy.
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let listen = listener.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        if let Ok((mut stream, _)) = listener.accept() {
            let mut request = [0u8; 1024];
            let _ = stream.read(&mut request);
            let _ = stream.write_all(
                b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
            );
        }
    });
    let output = healthcheck(&["--listen", &listen], &[]);
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    assert!(String::from_utf8_lossy(&output.stderr).contains("503"));
}

/// Probes a listener that never answers; returns the output and how long it took.
fn probe_silent_listener(args: &[&str], env: &[(&str, &str)]) -> (Output, Duration) {
    // Never accepted: the kernel still completes the handshake for connections waiting
    // in the backlog, so the probe connects, sends its request and waits for an answer
    // that never comes, as with a hung server.
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let listen = listener.local_addr().unwrap().to_string();
    let mut args = args.to_vec();
    args.extend(["--listen", &listen]);
    let started = Instant::now();
    let output = healthcheck(&args, env);
    let took = started.elapsed();
    drop(listener);
    (output, took)
}

#[tokio::test]
async fn a_server_that_never_answers_is_given_up_on_within_the_timeout() {
    let (output, took) = probe_silent_listener(&["--timeout", "500ms"], &[]);
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    assert!(String::from_utf8_lossy(&output.stderr).contains("within"));
    // It waited for the answer (not refused at once), and gave up well before Docker's
    // own 3 s HEALTHCHECK timeout would kill it.
    assert!(
        took >= Duration::from_millis(450),
        "gave up after only {took:?}"
    );
    assert!(took < Duration::from_secs(3), "took {took:?}");
}

#[tokio::test]
async fn the_timeout_is_read_from_the_environment() {
    let (output, took) = probe_silent_listener(&[], &[("CSMOCK_HEALTHCHECK_TIMEOUT", "300ms")]);
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    // Well under the 2 s default: the variable was used.
    assert!(took < Duration::from_millis(1500), "took {took:?}");
}
