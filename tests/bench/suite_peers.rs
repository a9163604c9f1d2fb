//! The typical test's nearest equivalent on Azurite and on moto's S3, for the suite
//! benchmark: each peer started on a free port, the sequence timed like the mock's.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use md5::{Digest, Md5};
use reqwest::{Method, StatusCode};
use sha2::Sha256;

use crate::{Row, timed};

/// Azurite's well-known development account, as Azure documents it for the emulator.
const AZ_ACCOUNT: &str = "devstoreaccount1";
const AZ_KEY: &str =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
const AZ_VERSION: &str = "2021-08-06";
/// moto does not check signatures, but refuses a request without one.
const S3_AUTH: &str = "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260101/us-east-1/s3/aws4_request, \
     SignedHeaders=host;x-amz-date, Signature=0000000000000000000000000000000000000000000000000000000000000000";
const FILE: usize = 10 * 1024;

/// A peer's process, stopped when dropped.
struct Peer {
    child: Child,
    base: String,
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Where `../shared/perf/setup.sh` installs the peers.
fn perf_home() -> PathBuf {
    std::env::var_os("PERF_HOME").map_or_else(
        || {
            let home = std::env::var_os("HOME").unwrap_or_default();
            Path::new(&home).join(".cache/contentstack-mock-perf")
        },
        PathBuf::from,
    )
}

fn program(knob: &str, installed: &str) -> Option<PathBuf> {
    let path = std::env::var_os(knob).map_or_else(|| perf_home().join(installed), PathBuf::from);
    path.exists().then_some(path)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .expect("a free port")
}

/// Starts `program` with `args` (`{port}` replaced) and waits until it answers `probe`.
async fn start(
    program: &Path,
    args: &[&str],
    probe: impl Fn(&str) -> reqwest::RequestBuilder,
) -> Result<Peer, String> {
    let port = free_port().to_string();
    let child = Command::new(program)
        .args(args.iter().map(|arg| arg.replace("{port}", &port)))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("{}: {e}", program.display()))?;
    let peer = Peer {
        child,
        base: format!("http://127.0.0.1:{port}"),
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if probe(&peer.base).send().await.is_ok() {
            return Ok(peer);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(format!("{} did not answer in 30 s", program.display()))
}

async fn expect(request: reqwest::RequestBuilder, wanted: StatusCode) -> Result<String, String> {
    let response = request.send().await.map_err(|e| e.to_string())?;
    let status = response.status();
    let body = response.text().await.map_err(|e| e.to_string())?;
    match status == wanted {
        true => Ok(body),
        false => Err(format!("{status} (wanted {wanted}): {body}")),
    }
}

fn hmac_sha256(key: &[u8], message: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key");
    mac.update(message);
    mac.finalize().into_bytes().to_vec()
}

/// An account SAS for the development account (blob service, every resource type).
fn azurite_sas() -> String {
    let (permissions, services, types) = ("rwdlac", "b", "sco");
    let (start, expiry, protocol) = ("2020-01-01T00:00:00Z", "2099-12-31T00:00:00Z", "http");
    let to_sign = [
        AZ_ACCOUNT,
        permissions,
        services,
        types,
        start,
        expiry,
        "",
        protocol,
        AZ_VERSION,
        "",
        "",
    ]
    .join("\n");
    let key = STANDARD.decode(AZ_KEY).expect("the account key is base64");
    let signature = STANDARD.encode(hmac_sha256(&key, to_sign.as_bytes()));
    let query: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("sv", AZ_VERSION)
        .append_pair("ss", services)
        .append_pair("srt", types)
        .append_pair("sp", permissions)
        .append_pair("st", start)
        .append_pair("se", expiry)
        .append_pair("spr", protocol)
        .append_pair("sig", &signature)
        .finish();
    query
}

/// A container, 10 blobs put, listed, 5 snapshotted, the 10 deleted, the container deleted.
async fn azurite_test(
    client: &reqwest::Client,
    base: &str,
    sas: &str,
    run: usize,
) -> Result<(), String> {
    let url = |path: &str, query: &str| {
        let join = if query.is_empty() { "" } else { "&" };
        format!("{base}/{AZ_ACCOUNT}/{path}?{query}{join}{sas}")
    };
    let call = |method: Method, url: String| {
        client
            .request(method, url)
            .header("x-ms-version", AZ_VERSION)
    };
    let container = format!("suite{run}");
    expect(
        call(Method::PUT, url(&container, "restype=container")),
        StatusCode::CREATED,
    )
    .await?;
    for n in 0..10 {
        expect(
            call(Method::PUT, url(&format!("{container}/file-{n}.txt"), ""))
                .header("x-ms-blob-type", "BlockBlob")
                .body(vec![b'a' + n as u8; FILE]),
            StatusCode::CREATED,
        )
        .await?;
    }
    let listing = expect(
        call(Method::GET, url(&container, "restype=container&comp=list")),
        StatusCode::OK,
    )
    .await?;
    if listing.matches("<Blob>").count() != 10 {
        return Err(format!("listed other than 10 blobs: {listing}"));
    }
    for n in 0..5 {
        expect(
            call(
                Method::PUT,
                url(&format!("{container}/file-{n}.txt"), "comp=snapshot"),
            ),
            StatusCode::CREATED,
        )
        .await?;
    }
    for n in 0..10 {
        expect(
            call(
                Method::DELETE,
                url(&format!("{container}/file-{n}.txt"), ""),
            )
            .header("x-ms-delete-snapshots", "include"),
            StatusCode::ACCEPTED,
        )
        .await?;
    }
    expect(
        call(Method::DELETE, url(&container, "restype=container")),
        StatusCode::ACCEPTED,
    )
    .await
    .map(drop)
}

/// A bucket, 10 objects put, listed, 5 copied, the 10 deleted in one DeleteObjects, the
/// copies deleted and the bucket deleted.
async fn moto_test(client: &reqwest::Client, base: &str, run: usize) -> Result<(), String> {
    let call = |method: Method, path: String| {
        client
            .request(method, format!("{base}/{path}"))
            .header("authorization", S3_AUTH)
    };
    let bucket = format!("suite{run}");
    expect(call(Method::PUT, bucket.clone()), StatusCode::OK).await?;
    for n in 0..10 {
        expect(
            call(Method::PUT, format!("{bucket}/file-{n}.txt")).body(vec![b'a' + n as u8; FILE]),
            StatusCode::OK,
        )
        .await?;
    }
    let listing = expect(
        call(Method::GET, format!("{bucket}?list-type=2")),
        StatusCode::OK,
    )
    .await?;
    if listing.matches("<Contents>").count() != 10 {
        return Err(format!("listed other than 10 objects: {listing}"));
    }
    for n in 0..5 {
        expect(
            call(Method::PUT, format!("{bucket}/published/file-{n}.txt"))
                .header("x-amz-copy-source", format!("/{bucket}/file-{n}.txt")),
            StatusCode::OK,
        )
        .await?;
    }
    let keys: String = (0..10)
        .map(|n| format!("<Object><Key>file-{n}.txt</Key></Object>"))
        .collect();
    let body = format!("<Delete>{keys}</Delete>");
    let md5 = STANDARD.encode(Md5::digest(body.as_bytes()));
    expect(
        call(Method::POST, format!("{bucket}?delete"))
            .header("content-md5", md5)
            .body(body),
        StatusCode::OK,
    )
    .await?;
    for n in 0..5 {
        expect(
            call(Method::DELETE, format!("{bucket}/published/file-{n}.txt")),
            StatusCode::NO_CONTENT,
        )
        .await?;
    }
    expect(call(Method::DELETE, bucket), StatusCode::NO_CONTENT)
        .await
        .map(drop)
}

/// The typical test's equivalents on the peers that are installed.
pub async fn typical_tests(runs: usize) -> Result<Vec<Row>, String> {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(1)
        .build()
        .map_err(|e| e.to_string())?;
    let mut rows = Vec::new();
    match program("SUITE_BENCH_AZURITE", "node_modules/.bin/azurite-blob") {
        None => println!("azurite: not installed (../shared/perf/setup.sh), left out"),
        Some(azurite) => {
            let args = [
                "--inMemoryPersistence",
                "--blobHost",
                "127.0.0.1",
                "--blobPort",
                "{port}",
                "--silent",
                "--loose",
                "--skipApiVersionCheck",
                "--disableTelemetry",
            ];
            let sas = azurite_sas();
            let probe = |base: &str| {
                client
                    .get(format!("{base}/{AZ_ACCOUNT}?comp=list&{sas}"))
                    .header("x-ms-version", AZ_VERSION)
            };
            let peer = start(&azurite, &args, probe).await?;
            let (client, base, sas) = (&client, peer.base.as_str(), sas.as_str());
            rows.push(
                timed(
                    "typical test on Azurite, in memory (nearest)",
                    runs,
                    |run| azurite_test(client, base, sas, run),
                )
                .await?,
            );
        }
    }
    match program("SUITE_BENCH_MOTO", ".venv/bin/moto_server") {
        None => println!("moto: not installed (../shared/perf/setup.sh), left out"),
        Some(moto) => {
            let args = ["-H", "127.0.0.1", "-p", "{port}"];
            let probe = |base: &str| {
                client
                    .get(format!("{base}/"))
                    .header("authorization", S3_AUTH)
            };
            let peer = start(&moto, &args, probe).await?;
            let (client, base) = (&client, peer.base.as_str());
            rows.push(
                timed(
                    "typical test on moto S3, in memory (nearest)",
                    runs,
                    |run| moto_test(client, base, run),
                )
                .await?,
            );
        }
    }
    Ok(rows)
}
