//! HTTPS beside HTTP (`--tls-listen`): the self-signed certificate kept in the data dir,
//! a given certificate and key, bad files refused at start, the limits of the plain
//! listener applied to the TLS one, and `healthcheck --tls`. The client side is rustls
//! with only the certificate the banner names as trusted.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use bytes::Bytes;
use hyper_util::rt::TokioIo;
use reqwest::StatusCode;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use serde_json::Value;
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

use crate::helpers::{
    API_KEY, BannerTls, TOKEN, TestServer, assert_refused, raw_connect, refused, send,
};

/// The flags of a server with an HTTPS listener on a free port.
const HTTPS: [&str; 2] = ["--tls-listen", "127.0.0.1:0"];

fn with_https<'a>(more: &[&'a str]) -> Vec<&'a str> {
    HTTPS.iter().copied().chain(more.iter().copied()).collect()
}

fn banner_tls(server: &TestServer) -> &BannerTls {
    server.tls.as_ref().expect("the banner has an https line")
}

/// A client configuration that trusts exactly the certificates in `pem`.
fn trusting(pem: &[u8]) -> Arc<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(pem) {
        roots
            .add(cert.expect("a PEM certificate"))
            .expect("a usable root");
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Arc::new(config)
}

/// A TLS connection to `address` that verifies the certificate for `name`.
async fn connect(
    address: &str,
    name: &str,
    config: Arc<rustls::ClientConfig>,
) -> std::io::Result<TlsStream<TcpStream>> {
    let tcp = TcpStream::connect(address).await?;
    let name = ServerName::try_from(name.to_owned()).expect("a server name");
    tokio_rustls::TlsConnector::from(config)
        .connect(name, tcp)
        .await
}

/// Sends one request on `stream`; returns the status and the body.
async fn exchange(
    stream: TlsStream<TcpStream>,
    request: hyper::Request<Body>,
) -> (StatusCode, Bytes) {
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .expect("an HTTP/1.1 connection");
    tokio::spawn(connection);
    let response = sender.send_request(request).await.expect("an answer");
    let status = StatusCode::from_u16(response.status().as_u16()).unwrap();
    let body = axum::body::to_bytes(Body::new(response.into_body()), usize::MAX)
        .await
        .expect("the whole body");
    (status, body)
}

/// A request with the default stack's credentials.
fn request(method: &str, path: &str, host: &str) -> hyper::http::request::Builder {
    hyper::Request::builder()
        .method(method)
        .uri(path)
        .header("host", host)
        .header("api_key", API_KEY)
        .header("authorization", TOKEN)
}

/// GET `path` over HTTPS, trusting the banner's certificate and checking it for `name`.
async fn https_get(server: &TestServer, name: &str, path: &str) -> (StatusCode, Value) {
    let tls = banner_tls(server);
    let pem = std::fs::read(&tls.cert_path).expect("the banner's certificate exists");
    let stream = connect(&tls.address, name, trusting(&pem))
        .await
        .unwrap_or_else(|e| panic!("TLS to {} as {name}: {e}", tls.address));
    let get = request("GET", path, name).body(Body::empty()).unwrap();
    let (status, body) = exchange(stream, get).await;
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

/// A certificate authority and a certificate it signed for `names`:
/// (chain PEM: leaf then CA, leaf key PEM, CA PEM).
fn signed_pair(names: &[&str]) -> (String, String, String) {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![rcgen::KeyUsagePurpose::KeyCertSign];
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "test CA");
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let issuer = rcgen::Issuer::new(ca_params, ca_key);
    let leaf_key = rcgen::KeyPair::generate().unwrap();
    let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    let leaf = rcgen::CertificateParams::new(names)
        .unwrap()
        .signed_by(&leaf_key, &issuer)
        .unwrap();
    (
        format!("{}{}", leaf.pem(), ca.pem()),
        leaf_key.serialize_pem(),
        ca.pem(),
    )
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[tokio::test]
async fn a_self_signed_certificate_is_made_for_loopback_and_the_san_names_and_named_in_the_banner()
{
    let server = TestServer::start_with(&with_https(&["--tls-san", "cma.mock, 192.0.2.10"])).await;
    let tls = banner_tls(&server);
    assert_eq!(
        tls.lines[0],
        format!("  https:             https://{}", tls.address)
    );
    let expected = server.data_dir.join("tls").join("cert.pem");
    assert_eq!(
        tls.lines[1],
        format!("  tls certificate:   {}", expected.display())
    );
    assert_eq!(tls.cert_path, expected);
    assert!(tls.lines[2].starts_with("  data dir:"), "{:?}", tls.lines);
    assert_ne!(tls.port(), server.port());
    assert!(tls.port() > 0);

    // Each name verifies against the printed certificate (rustls checks the names).
    for name in ["localhost", "127.0.0.1", "::1", "cma.mock", "192.0.2.10"] {
        let (status, body) = https_get(&server, name, "/_mock/health").await;
        assert_eq!(status, 200, "as {name}: {body}");
        assert_eq!(body["status"], "ok");
    }
    // A name that is not in it does not.
    let pem = std::fs::read(&tls.cert_path).unwrap();
    let other = connect(&tls.address, "other.mock", trusting(&pem)).await;
    let error = other
        .expect_err("a name outside the certificate verified")
        .to_string();
    assert!(
        error.contains("not valid for name \"other.mock\""),
        "{error}"
    );

    // HTTP/1.1 is what is negotiated, even for a client that offers h2 first.
    let stream = connect(&tls.address, "localhost", trusting(&pem))
        .await
        .unwrap();
    assert_eq!(stream.get_ref().1.alpn_protocol(), Some(&b"http/1.1"[..]));

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let key = server.data_dir.join("tls").join("key.pem");
        let mode = std::fs::metadata(&key).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "key.pem mode {mode:o}");
    }
}

#[tokio::test]
async fn the_certificate_is_kept_across_restarts_and_renewed_when_a_name_is_missing() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("data");
    let cert = dir.join("tls").join("cert.pem");

    let mut first = TestServer::start_in(&dir, &with_https(&["--tls-san", "a.mock"]));
    let original = std::fs::read(&cert).unwrap();
    let key = std::fs::read(dir.join("tls").join("key.pem")).unwrap();
    assert!(first.terminate().success());

    let mut second = TestServer::start_in(&dir, &with_https(&["--tls-san", "a.mock"]));
    assert_eq!(
        std::fs::read(&cert).unwrap(),
        original,
        "the certificate changed"
    );
    assert_eq!(std::fs::read(dir.join("tls").join("key.pem")).unwrap(), key);
    // What it serves is the kept certificate: a client trusting the first one connects.
    let address = banner_tls(&second).address.clone();
    let stream = connect(&address, "a.mock", trusting(&original)).await;
    assert!(stream.is_ok(), "{:?}", stream.err());
    assert!(second.terminate().success());

    // A name the kept one lacks: a new certificate with the old names and the new one.
    let third = TestServer::start_in(&dir, &with_https(&["--tls-san", "a.mock,b.mock"]));
    let renewed = std::fs::read(&cert).unwrap();
    assert_ne!(renewed, original, "the certificate was not renewed");
    for name in ["a.mock", "b.mock", "localhost"] {
        let (status, _) = https_get(&third, name, "/_mock/health").await;
        assert_eq!(status, 200, "as {name}");
    }
    let stale = connect(&banner_tls(&third).address, "a.mock", trusting(&original)).await;
    assert!(stale.is_err(), "the old certificate is still served");
}

#[tokio::test]
async fn an_unusable_kept_certificate_is_replaced() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("data");
    std::fs::create_dir_all(dir.join("tls")).unwrap();
    // As a crash between writing the two files could leave them: a key of another pair.
    let (other_chain, _, _) = signed_pair(&["localhost"]);
    std::fs::write(dir.join("tls").join("cert.pem"), &other_chain).unwrap();
    std::fs::write(dir.join("tls").join("key.pem"), "not a key").unwrap();
    let server = TestServer::start_in(&dir, &HTTPS);
    let (status, _) = https_get(&server, "localhost", "/_mock/health").await;
    assert_eq!(status, 200);
    assert_ne!(
        std::fs::read_to_string(dir.join("tls").join("cert.pem")).unwrap(),
        other_chain
    );
}

#[tokio::test]
async fn http_and_https_serve_the_same_stacks_and_files() {
    let server = TestServer::start_with(&HTTPS).await;
    let tls = banner_tls(&server).clone();
    let pem = std::fs::read(&tls.cert_path).unwrap();

    // Upload over HTTPS (multipart, as the SDKs send it).
    let boundary = "csmock-tls-test-boundary";
    let content = "bytes sent over TLS\n";
    let form = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"asset[title]\"\r\n\r\nOver TLS\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"asset[upload]\"; filename=\"tls.txt\"\r\n\
         Content-Type: text/plain\r\n\r\n{content}\r\n--{boundary}--\r\n"
    );
    let upload = request("POST", "/v3/assets", "localhost")
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(Body::from(form))
        .unwrap();
    let stream = connect(&tls.address, "localhost", trusting(&pem))
        .await
        .unwrap();
    let (status, body) = exchange(stream, upload).await;
    assert_eq!(status, 201, "{}", String::from_utf8_lossy(&body));
    let asset: Value = serde_json::from_slice(&body).unwrap();
    let uid = asset["asset"]["uid"].as_str().unwrap().to_owned();
    // The url names what the request reached: https, and its Host (no port in it here).
    let url = asset["asset"]["url"].as_str().unwrap().to_owned();
    let https_base = "https://localhost/v3/assets/";
    assert!(url.starts_with(https_base), "{url}");

    // Read over HTTP: the same asset, and the same bytes.
    let (status, body) = send(server.get(&format!("/v3/assets/{uid}"))).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["asset"]["title"], "Over TLS");
    let path = url.strip_prefix("https://localhost").unwrap();
    let file = server.client.get(server.url(path)).send().await.unwrap();
    assert_eq!(file.status(), 200);
    assert_eq!(file.text().await.unwrap(), content);

    // And the other way round: a folder made over HTTP is listed over HTTPS.
    let folder = server.create_folder("made over http", None).await;
    let (status, body) = https_get(
        &server,
        "localhost",
        &format!("/v3/assets/folders/{}", folder["uid"].as_str().unwrap()),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["asset"]["name"], "made over http");
    let (status, body) = https_get(&server, "localhost", "/v3/assets?include_folders=true").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["assets"].as_array().unwrap().len(), 2, "{body}");
}

#[tokio::test]
async fn an_ephemeral_server_keeps_its_certificate_in_its_temporary_data_dir() {
    let mut server = TestServer::start_with(&with_https(&["--ephemeral"])).await;
    let cert = banner_tls(&server).cert_path.clone();
    assert!(cert.starts_with(std::env::temp_dir()), "{}", cert.display());
    assert!(!cert.starts_with(&server.data_dir), "{}", cert.display());
    assert!(cert.is_file());
    let (status, _) = https_get(&server, "127.0.0.1", "/_mock/health").await;
    assert_eq!(status, 200);
    assert!(server.terminate().success());
    assert!(
        !cert.exists(),
        "the ephemeral certificate outlived the server"
    );
}

#[tokio::test]
async fn a_given_certificate_and_key_are_served_and_named_in_the_banner() {
    let files = tempfile::tempdir().unwrap();
    let (chain, key, ca) = signed_pair(&["given.mock"]);
    let cert_path = write(files.path(), "given-cert.pem", &chain);
    let key_path = write(files.path(), "given-key.pem", &key);
    let server = TestServer::start_with(&with_https(&[
        "--tls-cert",
        cert_path.to_str().unwrap(),
        "--tls-key",
        key_path.to_str().unwrap(),
    ]))
    .await;
    let tls = banner_tls(&server);
    assert_eq!(tls.cert_path, cert_path);
    assert_eq!(
        tls.lines[1],
        format!("  tls certificate:   {}", cert_path.display())
    );
    // A client trusting only the CA reaches it as given.mock.
    let stream = connect(&tls.address, "given.mock", trusting(ca.as_bytes()))
        .await
        .expect("the given certificate is served");
    let get = request("GET", "/v3/assets", "given.mock")
        .body(Body::empty())
        .unwrap();
    let (status, _) = exchange(stream, get).await;
    assert_eq!(status, 200);
    // Nothing was generated.
    assert!(!server.data_dir.join("tls").exists());
}

#[tokio::test]
async fn the_certificate_and_key_can_come_from_the_environment() {
    let files = tempfile::tempdir().unwrap();
    let (chain, key, ca) = signed_pair(&["env.mock"]);
    let cert_path = write(files.path(), "cert.pem", &chain);
    let key_path = write(files.path(), "key.pem", &key);
    let data = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_contentstack-mock"))
        .args(["--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data.path())
        .env("CSMOCK_TLS_LISTEN", "127.0.0.1:0")
        .env("CSMOCK_TLS_CERT", &cert_path)
        .env("CSMOCK_TLS_KEY", &key_path)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut banner = String::new();
    let mut stdout = child.stdout.take().unwrap();
    let mut byte = [0u8; 1];
    while !banner.contains("data dir:") && stdout.read(&mut byte).unwrap_or(0) == 1 {
        banner.push(byte[0] as char);
    }
    let address = banner
        .lines()
        .find_map(|l| l.strip_prefix("  https:             https://"))
        .map(str::to_owned);
    let served = match &address {
        Some(address) => connect(address, "env.mock", trusting(ca.as_bytes()))
            .await
            .is_ok(),
        None => false,
    };
    let _ = child.kill();
    let _ = child.wait();
    assert!(address.is_some(), "no https line: {banner:?}");
    assert!(banner.contains(&format!("  tls certificate:   {}", cert_path.display())));
    assert!(served, "the certificate from CSMOCK_TLS_CERT is not served");
}

#[tokio::test]
async fn bad_certificate_files_are_refused_at_start_naming_the_file() {
    let files = tempfile::tempdir().unwrap();
    let dir = files.path();
    let (chain, key, _) = signed_pair(&["localhost"]);
    let (_, other_key, _) = signed_pair(&["localhost"]);
    let cert = write(dir, "cert.pem", &chain);
    let key = write(dir, "key.pem", &key);
    let other_key = write(dir, "other-key.pem", &other_key);
    let garbage = write(dir, "garbage.pem", "this is not a certificate\n");
    let broken = write(
        dir,
        "broken.pem",
        "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n",
    );
    let missing = dir.join("missing.pem");
    let path = |p: &PathBuf| p.to_str().unwrap().to_owned();

    let cases: Vec<(Vec<String>, Vec<String>)> = vec![
        (
            vec![path(&missing), path(&key)],
            vec![path(&missing), "could not read the TLS certificate".into()],
        ),
        (
            vec![path(&cert), path(&missing)],
            vec![path(&missing), "could not read the TLS key".into()],
        ),
        (
            vec![path(&garbage), path(&key)],
            vec![path(&garbage), "holds no PEM certificate".into()],
        ),
        (
            vec![path(&broken), path(&key)],
            vec![path(&broken), "not a valid X.509 certificate".into()],
        ),
        (
            vec![path(&cert), path(&garbage)],
            vec![path(&garbage), "holds no PEM private key".into()],
        ),
        // The files swapped: the "key" holds a certificate.
        (
            vec![path(&key), path(&cert)],
            vec![path(&key), "holds no PEM certificate".into()],
        ),
        (
            vec![path(&cert), path(&other_key)],
            vec![
                path(&other_key),
                path(&cert),
                "does not match the certificate".into(),
            ],
        ),
    ];
    for (files, needles) in cases {
        let args = with_https(&["--tls-cert", &files[0], "--tls-key", &files[1]]);
        let output = refused(&args, &[]);
        let needles: Vec<&str> = needles.iter().map(String::as_str).collect();
        assert_refused(&output, &needles);
    }
}

#[tokio::test]
async fn half_a_pair_and_tls_flags_without_a_listener_are_refused_at_start() {
    let files = tempfile::tempdir().unwrap();
    let (chain, key, _) = signed_pair(&["localhost"]);
    let cert = write(files.path(), "cert.pem", &chain);
    let key = write(files.path(), "key.pem", &key);
    let cert = cert.to_str().unwrap();
    let key = key.to_str().unwrap();

    let output = refused(&with_https(&["--tls-cert", cert]), &[]);
    assert_refused(&output, &["--tls-cert is set but --tls-key is not"]);
    let output = refused(&HTTPS, &[("CSMOCK_TLS_KEY", key)]);
    assert_refused(&output, &["--tls-key is set but --tls-cert is not"]);
    let output = refused(&["--tls-cert", cert, "--tls-key", key], &[]);
    assert_refused(&output, &["--tls-listen"]);
    let output = refused(&[], &[("CSMOCK_TLS_SAN", "cma.mock")]);
    assert_refused(&output, &["--tls-san", "--tls-listen"]);
    let output = refused(&with_https(&["--tls-san", "cma.mock,not a name"]), &[]);
    assert_refused(&output, &["--tls-san", "\"not a name\""]);
}

#[tokio::test]
async fn a_silent_client_is_dropped_after_the_header_timeout_even_mid_handshake() {
    let server = TestServer::start_with(&with_https(&["--header-timeout", "1s"])).await;
    let tls = banner_tls(&server).clone();
    let pem = std::fs::read(&tls.cert_path).unwrap();

    // No ClientHello at all.
    let started = Instant::now();
    let mut silent = std::net::TcpStream::connect(&tls.address).unwrap();
    silent
        .set_read_timeout(Some(Duration::from_secs(8)))
        .unwrap();
    let mut buf = [0u8; 16];
    let read = silent.read(&mut buf);
    let waited = started.elapsed();
    assert!(
        matches!(read, Ok(0) | Err(_)),
        "a silent socket got {read:?}"
    );
    assert!(
        read.as_ref()
            .err()
            .is_none_or(|e| e.kind() != std::io::ErrorKind::WouldBlock),
        "still open after {waited:?}"
    );
    assert!(
        waited >= Duration::from_millis(900),
        "closed after {waited:?}"
    );
    assert!(waited < Duration::from_secs(4), "closed after {waited:?}");

    // A finished handshake and then no request: the same deadline, from the accept.
    let started = Instant::now();
    let mut stream = connect(&tls.address, "localhost", trusting(&pem))
        .await
        .unwrap();
    let read = tokio::time::timeout(Duration::from_secs(8), stream.read(&mut buf)).await;
    let waited = started.elapsed();
    assert!(
        matches!(read, Ok(Ok(0) | Err(_))),
        "a silent TLS client got {read:?} after {waited:?}"
    );
    assert!(
        waited >= Duration::from_millis(900),
        "closed after {waited:?}"
    );
    assert!(waited < Duration::from_secs(4), "closed after {waited:?}");

    // Meanwhile the listener serves.
    let (status, _) = https_get(&server, "localhost", "/_mock/health").await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn the_connection_cap_counts_both_listeners_and_answers_503_over_tls() {
    let server = TestServer::start_with(&with_https(&["--max-connections", "2"])).await;
    let tls = banner_tls(&server).clone();
    let pem = std::fs::read(&tls.cert_path).unwrap();
    let _held: Vec<_> = (0..2).map(|_| raw_connect(&server)).collect();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut extra = connect(&tls.address, "localhost", trusting(&pem))
        .await
        .expect("the handshake is done even when busy");
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), extra.read_to_end(&mut answer)).await;
    let answer = String::from_utf8_lossy(&answer);
    assert!(
        answer.starts_with("HTTP/1.1 503"),
        "over the cap on the HTTPS listener: {answer:?}"
    );
    assert!(answer.contains("at most 2"), "{answer}");
}

/// Runs `contentstack-mock healthcheck` with `args` and `env`, and no other `CSMOCK_`
/// variable.
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

#[tokio::test]
async fn healthcheck_tls_probes_the_https_listener() {
    let server = TestServer::start_with(&HTTPS).await;
    let tls = banner_tls(&server);
    let output = healthcheck(&["--tls", "--tls-listen", &tls.address], &[]);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains(&format!("healthy: https://{}/_mock/health", tls.address)),
        "{stdout}"
    );

    // As a container runs it: everything from the environment, a wildcard address
    // probed on loopback.
    let wildcard = format!("0.0.0.0:{}", tls.port());
    let output = healthcheck(
        &[],
        &[
            ("CSMOCK_HEALTHCHECK_TLS", "true"),
            ("CSMOCK_TLS_LISTEN", &wildcard),
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));

    // It really speaks TLS: against the plain HTTP port the handshake fails.
    let plain = format!("127.0.0.1:{}", server.port());
    let output = healthcheck(&["--tls", "--tls-listen", &plain], &[]);
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    assert!(String::from_utf8_lossy(&output.stderr).contains("TLS handshake"));
}

#[tokio::test]
async fn healthcheck_tls_exits_1_against_a_closed_port_or_without_an_address() {
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().to_string()
    };
    let output = healthcheck(&["--tls", "--tls-listen", &closed], &[]);
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    assert!(String::from_utf8_lossy(&output.stderr).contains("unhealthy"));

    let output = healthcheck(&["--tls"], &[]);
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--tls-listen"));
}
