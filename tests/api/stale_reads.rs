//! No stale read: 16 clients write and then read the same assets, and every read after
//! a write's 2xx shows that write or a later one, through the metadata, a query, and
//! the file URL of a replaced file. `CSMOCK_STALE_PAIRS` sets how many write-then-read
//! pairs run (100,000 by default).

use std::sync::Arc;

use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};

use crate::helpers::{TestServer, send};

const CLIENTS: usize = 16;
const ASSETS: usize = 8;

fn pairs() -> usize {
    std::env::var("CSMOCK_STALE_PAIRS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(100_000)
}

fn version_of(asset: &serde_json::Value) -> i64 {
    asset["_version"].as_i64().expect("an asset has a _version")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_read_after_a_write_never_sees_an_older_state() {
    let server = Arc::new(TestServer::start().await);
    let mut uids = Vec::new();
    for i in 0..ASSETS {
        let asset = server.upload(&format!("a{i}.txt"), b"first", &[]).await;
        uids.push(asset["uid"].as_str().unwrap().to_owned());
    }
    let uids = Arc::new(uids);
    let per_client = pairs().div_ceil(CLIENTS);
    let mut clients = Vec::new();
    for client in 0..CLIENTS {
        let (server, uids) = (server.clone(), uids.clone());
        clients.push(tokio::spawn(async move {
            for n in 0..per_client {
                let uid = &uids[(client + n) % ASSETS];
                let path = format!("/v3/assets/{uid}");
                let mark = format!("c{client}-n{n}");
                // Most pairs change the details; every tenth replaces the file.
                let replace = n % 10 == 9;
                let request = if replace {
                    let part = Part::bytes(mark.clone().into_bytes())
                        .file_name(format!("{mark}.txt"))
                        .mime_str("text/plain")
                        .unwrap();
                    server
                        .put(&path)
                        .multipart(Form::new().part("asset[upload]", part))
                } else {
                    server
                        .put(&path)
                        .json(&serde_json::json!({"asset": {"title": mark}}))
                };
                let (status, body) = send(request).await;
                assert_eq!(status, StatusCode::OK, "{mark}: the write failed: {body}");
                let written = version_of(&body["asset"]);

                let (status, read) = send(server.get(&path)).await;
                assert_eq!(status, StatusCode::OK, "{mark}: {read}");
                let seen = version_of(&read["asset"]);
                assert!(
                    seen >= written,
                    "{mark}: wrote version {written} of {uid}, then read version {seen}"
                );
                if seen == written && !replace {
                    assert_eq!(read["asset"]["title"], mark.as_str(), "{mark}: {read}");
                }
                if replace {
                    let url = body["asset"]["url"].as_str().unwrap().to_owned();
                    let bytes = server.client.get(&url).send().await.unwrap();
                    assert_eq!(bytes.status(), StatusCode::OK, "{mark}: {url}");
                    assert_eq!(
                        bytes.bytes().await.unwrap(),
                        mark.as_bytes(),
                        "{mark}: {url}"
                    );
                }
                if n % 8 == 0 {
                    let query = serde_json::json!({"uid": uid}).to_string();
                    let (status, listed) =
                        send(server.get("/v3/assets").query(&[("query", query.as_str())])).await;
                    assert_eq!(status, StatusCode::OK, "{mark}: {listed}");
                    let seen = version_of(&listed["assets"][0]);
                    assert!(
                        seen >= written,
                        "{mark}: wrote version {written} of {uid}, then listed version {seen}"
                    );
                }
            }
        }));
    }
    for client in clients {
        client.await.expect("a client panicked");
    }
}
