//! `/_mock/stacks/{api_key}/snapshots`: a stack saved while it is written to, put back
//! exactly (trash and purge times included), and never another stack's business.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::stack_reset::{Stack, upload_under_watch};

async fn snapshot(server: &TestServer, stack: &Stack, name: &str) -> Value {
    let (status, body) = send(
        stack
            .mock(server, Method::POST, "/snapshots")
            .json(&json!({ "name": name })),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    body["snapshot"].clone()
}

async fn restore(server: &TestServer, stack: &Stack, name: &str) -> Value {
    let (status, body) =
        send(stack.mock(server, Method::POST, &format!("/snapshots/{name}/restore"))).await;
    assert_eq!(status, 200, "{body}");
    body
}

/// The Sync API's first page for `development`.
async fn sync_init(server: &TestServer, stack: &Stack, token: &str) -> Value {
    let (status, body) = send(
        server
            .client
            .get(server.url("/v3/stacks/sync?environment=development&init=true"))
            .header("api_key", &stack.api_key)
            .header("access_token", token),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body
}

/// Every file asset's bytes, as served, by title.
async fn contents(server: &TestServer, stack: &Stack) -> Vec<(String, Vec<u8>)> {
    let (status, body) = send(stack.call(server, Method::GET, "/v3/assets?limit=100")).await;
    assert_eq!(status, 200, "{body}");
    let mut out = Vec::new();
    for asset in body["assets"].as_array().unwrap() {
        let url = asset["url"]
            .as_str()
            .unwrap()
            .replace("localhost", "127.0.0.1");
        let response = server.client.get(url).send().await.unwrap();
        assert_eq!(response.status(), 200, "{asset}");
        out.push((
            asset["filename"].as_str().unwrap().to_owned(),
            response.bytes().await.unwrap().to_vec(),
        ));
    }
    out.sort();
    out
}

#[tokio::test]
async fn a_snapshot_taken_during_parallel_uploads_restores_every_row_with_its_file() {
    let server = TestServer::start().await;
    let a = Stack::create(&server, json!({"name": "a"})).await;
    for i in 0..3 {
        a.upload(
            &server,
            &format!("first-{i}.txt"),
            format!("first/{i}").as_bytes(),
        )
        .await;
    }
    let uploads: Vec<_> = (0..8)
        .map(|t| upload_under_watch(&server, &a, &format!("t{t}"), 5))
        .collect();
    // Taken once the parallel uploads are under way (some of them done).
    while a.uids(&server).await.len() < 3 + 8 {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let taken = snapshot(&server, &a, "during").await;
    let mut uploaded = 0;
    for task in uploads {
        uploaded += task.await.unwrap().len();
    }
    assert_eq!(a.uids(&server).await.len(), 3 + uploaded);

    let restored = restore(&server, &a, "during").await;
    assert_eq!(restored["snapshot"]["name"], "during");
    assert_eq!(restored["stack"]["api_key"], a.api_key.as_str());
    let files = contents(&server, &a).await;
    assert_eq!(files.len() as u64, taken["assets"].as_u64().unwrap());
    assert!(files.len() >= 3 + 8, "{taken}");
    for (filename, bytes) in &files {
        let expected = filename.trim_end_matches(".txt").replacen('-', "/", 1);
        assert_eq!(String::from_utf8_lossy(bytes), expected);
    }
    let bytes: usize = files.iter().map(|(_, b)| b.len()).sum();
    assert_eq!(taken["bytes"].as_u64().unwrap(), bytes as u64);
    assert_consistent(&check_consistency(&server.data_dir).await);
}

#[tokio::test]
async fn a_restore_after_a_purge_brings_the_items_back_with_their_purge_times() {
    let server = TestServer::start().await;
    let a = Stack::create(&server, json!({"name": "a"})).await;
    let kept = a.upload(&server, "kept.txt", b"kept").await;
    let kept_uid = kept["uid"].as_str().unwrap().to_owned();
    a.publish(&server, &kept_uid, "development").await;
    let (status, body) = send(
        a.call(&server, Method::PUT, &format!("/v3/assets/{kept_uid}"))
            .multipart(upload_form("kept.txt", b"kept, version 2", &[])),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let gone = a.upload(&server, "gone.txt", b"gone").await;
    let gone_uid = gone["uid"].as_str().unwrap().to_owned();
    let (status, _) =
        send(a.call(&server, Method::DELETE, &format!("/v3/assets/{gone_uid}"))).await;
    assert_eq!(status, 200);
    let trash_before = trash_of(&server, &a.api_key).await;
    assert_eq!(trash_before["count"], 1);
    let (_, versions_before) = send(a.call(
        &server,
        Method::GET,
        &format!("/v3/assets/{kept_uid}/versions"),
    ))
    .await;
    let (_, details_before) = send(a.call(
        &server,
        Method::GET,
        &format!("/v3/assets/{kept_uid}?include_publish_details=true"),
    ))
    .await;
    let token = a.delivery_token(&server, "development").await;
    let sync_before = sync_init(&server, &a, &token).await;
    assert_eq!(
        sync_before["items"].as_array().unwrap().len(),
        1,
        "{sync_before}"
    );
    snapshot(&server, &a, "before-purge").await;

    // Unpublished after the snapshot: the restore publishes it again, in the sync history too.
    let (status, body) = send(
        a.call(
            &server,
            Method::POST,
            &format!("/v3/assets/{kept_uid}/unpublish"),
        )
        .json(&json!({"asset": {"environments": ["development"], "locales": ["en-us"]}})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_ne!(sync_init(&server, &a, &token).await, sync_before);
    let advanced = advance(&server, &a.api_key, json!({"days": 15})).await;
    assert_eq!(
        advanced["purged"][0]["uid"],
        gone_uid.as_str(),
        "{advanced}"
    );
    assert_eq!(trash_of(&server, &a.api_key).await["count"], 0);

    let restored = restore(&server, &a, "before-purge").await;
    assert_eq!(
        restored["stack"]["clock"]["offset_seconds"].as_f64(),
        Some(0.0),
        "{restored}"
    );
    let trash_after = trash_of(&server, &a.api_key).await;
    assert_eq!(trash_after["items"], trash_before["items"]);
    let (_, versions_after) = send(a.call(
        &server,
        Method::GET,
        &format!("/v3/assets/{kept_uid}/versions"),
    ))
    .await;
    assert_eq!(versions_after, versions_before);
    let (_, details_after) = send(a.call(
        &server,
        Method::GET,
        &format!("/v3/assets/{kept_uid}?include_publish_details=true"),
    ))
    .await;
    assert_eq!(details_after, details_before);
    assert_eq!(sync_init(&server, &a, &token).await, sync_before);

    // The purged item is back for real: it restores, with its file.
    let (status, body) =
        send(a.mock(&server, Method::POST, &format!("/trash/{gone_uid}/restore"))).await;
    assert_eq!(status, 200, "{body}");
    let files = contents(&server, &a).await;
    assert_eq!(
        files,
        [
            ("gone.txt".to_owned(), b"gone".to_vec()),
            ("kept.txt".to_owned(), b"kept, version 2".to_vec())
        ]
    );
    assert_consistent(&check_consistency(&server.data_dir).await);
}

#[tokio::test]
async fn restoring_one_stack_never_touches_another() {
    let server = TestServer::start().await;
    let a = Stack::create(&server, json!({"name": "a"})).await;
    let b = Stack::create(&server, json!({"name": "b"})).await;
    a.upload(&server, "a.txt", b"a").await;
    b.upload(&server, "b.txt", b"b").await;
    snapshot(&server, &a, "start").await;
    snapshot(&server, &b, "start").await;
    for i in 0..3 {
        a.upload(&server, &format!("a-{i}.txt"), b"later").await;
    }
    let load = upload_under_watch(&server, &b, "b", 15);
    for _ in 0..3 {
        restore(&server, &a, "start").await;
        assert_eq!(a.uids(&server).await.len(), 1);
    }
    let uploaded = load.await.unwrap();
    assert_eq!(b.uids(&server).await.len(), uploaded.len() + 1);
    assert_consistent(&check_consistency(&server.data_dir).await);
}

#[tokio::test]
async fn snapshot_names_are_checked_listed_deleted_and_go_with_their_stack() {
    let server = TestServer::start().await;
    let a = Stack::create(&server, json!({"name": "a"})).await;
    for bad in [
        json!(""),
        json!(".."),
        json!("a/b"),
        json!("x".repeat(65)),
        json!(7),
        Value::Null,
    ] {
        let (status, body) = send(
            a.mock(&server, Method::POST, "/snapshots")
                .json(&json!({ "name": bad })),
        )
        .await;
        assert_error(status, &body, 422, 120);
        assert!(body["errors"]["name"].is_array(), "{body}");
    }
    snapshot(&server, &a, "one.v1_x-y").await;
    let (status, body) = send(
        a.mock(&server, Method::POST, "/snapshots")
            .json(&json!({"name": "one.v1_x-y"})),
    )
    .await;
    assert_error(status, &body, 409, 120);
    snapshot(&server, &a, "two").await;
    let (status, list) = send(a.mock(&server, Method::GET, "/snapshots")).await;
    assert_eq!(status, 200);
    let names: Vec<&str> = list["snapshots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["one.v1_x-y", "two"], "{list}");
    let (status, body) = send(a.mock(&server, Method::POST, "/snapshots/nope/restore")).await;
    assert_error(status, &body, 404, 404);
    let (status, _) = send(a.mock(&server, Method::DELETE, "/snapshots/two")).await;
    assert_eq!(status, 204);
    let (status, body) = send(a.mock(&server, Method::DELETE, "/snapshots/two")).await;
    assert_error(status, &body, 404, 404);
    let (status, body) = send(control(
        &server,
        Method::GET,
        "/_mock/stacks/bltnothere/snapshots",
    ))
    .await;
    assert_error(status, &body, 404, 404);

    // The bound.
    for i in 0..19 {
        snapshot(&server, &a, &format!("s{i}")).await;
    }
    let (status, body) = send(
        a.mock(&server, Method::POST, "/snapshots")
            .json(&json!({"name": "too-many"})),
    )
    .await;
    assert_error(status, &body, 422, 120);

    // A deleted stack takes its snapshots along.
    let folder = server.data_dir.join("snapshots").join(&a.api_key);
    assert!(folder.exists());
    let (status, _) = send(control(
        &server,
        Method::DELETE,
        &format!("/_mock/stacks/{}", a.api_key),
    ))
    .await;
    assert_eq!(status, 200);
    assert!(!folder.exists());

    // And the global reset takes every stack's.
    let default = Stack {
        api_key: API_KEY.to_owned(),
        token: TOKEN.to_owned(),
    };
    snapshot(&server, &default, "kept-until-reset").await;
    let folder = server.data_dir.join("snapshots").join(API_KEY);
    assert!(folder.exists());
    let (status, _) = send(control(&server, Method::POST, "/_mock/reset")).await;
    assert_eq!(status, 200);
    assert!(!folder.exists());
    let (_, list) = send(default.mock(&server, Method::GET, "/snapshots")).await;
    assert_eq!(list["snapshots"], json!([]));
}

#[tokio::test]
async fn snapshots_of_a_stack_that_is_gone_are_swept_at_start() {
    let data = tempfile::tempdir().unwrap();
    let mut server = TestServer::start_in(data.path(), &[]);
    let default = Stack {
        api_key: API_KEY.to_owned(),
        token: TOKEN.to_owned(),
    };
    snapshot(&server, &default, "kept").await;
    server.terminate();
    // As a crash between a stack's deletion and its snapshots' removal leaves them.
    let stray = data.path().join("snapshots").join("bltgone");
    std::fs::create_dir_all(stray.join("old")).unwrap();
    let server = TestServer::start_in(data.path(), &[]);
    let (_, list) = send(default.mock(&server, Method::GET, "/snapshots")).await;
    assert_eq!(list["snapshots"][0]["name"], "kept", "{list}");
    // The sweep runs in the background right after start.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while stray.exists() {
        assert!(std::time::Instant::now() < deadline, "never swept");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}
