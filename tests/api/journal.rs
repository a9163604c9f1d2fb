//! The request journal (`/_mock/stacks/{api_key}/requests`) and per-stack rate limits
//! (`/_mock/stacks/{api_key}/rate_limits`), against the real binary.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::*;

async fn requests_of(server: &TestServer, api_key: &str, query: &str) -> Vec<Value> {
    let (status, body) = send(control(
        server,
        Method::GET,
        &format!("/_mock/stacks/{api_key}/requests{query}"),
    ))
    .await;
    assert_eq!(status, 200, "{body}");
    body["requests"].as_array().unwrap().clone()
}

#[tokio::test]
async fn the_journal_keeps_each_stacks_requests_newest_first_with_secrets_masked() {
    let server = TestServer::start().await;
    let (other_key, other_token) = create_stack(&server, "other").await;
    let asset = server
        .upload("notes.txt", b"hello journal", &[("asset[title]", "Notes")])
        .await;
    let uid = asset["uid"].as_str().unwrap();
    let (status, _) = send(server.get(&format!("/v3/assets/{uid}?include_path=true"))).await;
    assert_eq!(status, 200);
    let (status, _) = send(server.get("/v3/assets/bltnothere")).await;
    assert_eq!(status, 422);
    send(server.client.get(asset["url"].as_str().unwrap())).await;
    let (status, _) =
        send(server.request_as(Method::GET, "/v3/assets", &other_key, &other_token)).await;
    assert_eq!(status, 200);

    let entries = requests_of(&server, API_KEY, "").await;
    let shown: Vec<(String, String, u64)> = entries
        .iter()
        .map(|e| {
            (
                e["method"].as_str().unwrap().to_owned(),
                e["path"].as_str().unwrap().to_owned(),
                e["status"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(shown.len(), 4, "{entries:#?}");
    assert_eq!(
        shown[0].1,
        asset["url"]
            .as_str()
            .unwrap()
            .split_once("/v3")
            .map(|(_, p)| format!("/v3{p}"))
            .unwrap()
    );
    assert_eq!(
        shown[1..],
        [
            ("GET".into(), "/v3/assets/bltnothere".into(), 422),
            ("GET".into(), format!("/v3/assets/{uid}"), 200),
            ("POST".into(), "/v3/assets".into(), 201),
        ]
    );
    let get = &entries[2];
    assert_eq!(get["query"], "include_path=true");
    assert_eq!(get["headers"]["authorization"], "***");
    assert_eq!(get["headers"]["api_key"], API_KEY);
    assert!(get["duration_ms"].as_f64().unwrap() >= 0.0);
    assert!(get["at"].as_str().unwrap().ends_with('Z'), "{get}");
    let upload = &entries[3];
    let body = upload["body"].as_str().unwrap();
    assert!(
        body.contains("hello journal") && body.contains("Notes"),
        "{body}"
    );
    assert_eq!(upload["body_truncated"], false);

    // Filters.
    let posts = requests_of(&server, API_KEY, "?method=post").await;
    assert_eq!(posts.len(), 1);
    let failed = requests_of(&server, API_KEY, "?status=422").await;
    assert_eq!(failed.len(), 1);
    let under = requests_of(&server, API_KEY, &format!("?path_prefix=/v3/assets/{uid}")).await;
    assert_eq!(under.len(), 1);
    let (status, body) = send(control(
        &server,
        Method::GET,
        &format!("/_mock/stacks/{API_KEY}/requests?status=abc"),
    ))
    .await;
    assert_error(status, &body, 422, 120);

    // The other stack sees only its own request; /_mock calls are not journaled.
    let others = requests_of(&server, &other_key, "").await;
    assert_eq!(others.len(), 1, "{others:#?}");
    assert_eq!(others[0]["headers"]["authorization"], "***");

    // Clearing empties one stack's journal.
    let (status, _) = send(control(
        &server,
        Method::DELETE,
        &format!("/_mock/stacks/{API_KEY}/requests"),
    ))
    .await;
    assert_eq!(status, 204);
    assert!(requests_of(&server, API_KEY, "").await.is_empty());
    assert_eq!(requests_of(&server, &other_key, "").await.len(), 1);
    let (status, body) = send(control(
        &server,
        Method::GET,
        "/_mock/stacks/bltnosuch/requests",
    ))
    .await;
    assert_eq!(status, 404, "{body}");
}

#[tokio::test]
async fn the_journal_stays_within_its_bounds_under_ten_thousand_requests() {
    let server =
        TestServer::start_with(&["--journal-entries", "50", "--journal-bytes", "65536"]).await;
    let big = vec![b'x'; 40 * 1024];
    let asset = server.upload("big.bin", &big, &[]).await;
    let uid = asset["uid"].as_str().unwrap().to_owned();
    let before = peak_rss_kib(server.pid());
    let client = &server;
    let mut tasks = Vec::new();
    for worker in 0..10 {
        let uid = uid.clone();
        tasks.push(async move {
            for n in 0..1000 {
                let path = format!("/v3/assets/{uid}?worker={worker}&n={n}");
                let (status, _) = send(
                    client
                        .put(&path)
                        .json(&json!({"asset": {"description": "y".repeat(2000)}})),
                )
                .await;
                assert_eq!(status, 200);
            }
        });
    }
    futures_util::future::join_all(tasks).await;
    let entries = requests_of(&server, API_KEY, "").await;
    assert!(entries.len() <= 50, "{}", entries.len());
    assert!(!entries.is_empty());
    let bytes: usize = entries.iter().map(|e| e.to_string().len()).sum();
    assert!(bytes < 2 * 65536, "{bytes} bytes of entries");
    let grown = peak_rss_kib(server.pid()).saturating_sub(before);
    assert!(grown < 16 * 1024, "the server grew by {grown} KiB");
    // A body over the cap is kept cut, and says so.
    let big_upload = requests_of(&server, API_KEY, "?method=POST").await;
    assert!(
        big_upload.is_empty(),
        "the upload went out of the journal long ago"
    );
    send(
        server
            .post("/v3/assets")
            .multipart(upload_form("again.bin", &big, &[])),
    )
    .await;
    let again = requests_of(&server, API_KEY, "?method=POST").await;
    assert_eq!(again[0]["body_truncated"], true);
    assert_eq!(again[0]["body"].as_str().unwrap().len(), 16 * 1024);
}

#[tokio::test]
async fn the_journal_can_be_turned_off() {
    let server = TestServer::start_with(&["--journal-entries", "0"]).await;
    send(server.get("/v3/assets")).await;
    assert!(requests_of(&server, API_KEY, "").await.is_empty());
}

async fn set_limits(
    server: &TestServer,
    api_key: &str,
    body: Value,
) -> (reqwest::StatusCode, Value) {
    send(
        control(
            server,
            Method::PUT,
            &format!("/_mock/stacks/{api_key}/rate_limits"),
        )
        .json(&body),
    )
    .await
}

#[tokio::test]
async fn rate_limits_are_off_until_a_stack_turns_them_on() {
    let server = TestServer::start().await;
    let response = server.get("/v3/assets").send().await.unwrap();
    assert!(response.headers().get("x-ratelimit-limit").is_none());
    let (status, body) = send(control(
        &server,
        Method::GET,
        &format!("/_mock/stacks/{API_KEY}/rate_limits"),
    ))
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        body["rate_limits"],
        json!({"enabled": false, "read": 10, "write": 10, "bulk": 1, "delivery": 80})
    );
    let (status, body) = set_limits(&server, API_KEY, json!({"read": 0})).await;
    assert_error(status, &body, 422, 120);
    let (status, body) = set_limits(&server, API_KEY, json!({"reads": 3})).await;
    assert_error(status, &body, 422, 120);
    assert!(body["errors"]["reads"].is_array(), "{body}");
    // At creation: the plan defaults.
    let (status, body) = send(
        control(&server, Method::POST, "/_mock/stacks")
            .json(&json!({"name": "limited", "rate_limits": true})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let key = body["stack"]["api_key"].as_str().unwrap();
    let token = body["stack"]["management_token"].as_str().unwrap();
    let response = server
        .request_as(Method::GET, "/v3/assets", key, token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-ratelimit-limit"], "10");
    assert_eq!(response.headers()["x-ratelimit-remaining"], "9");
    // The default stack is still unlimited.
    let response = server.get("/v3/assets").send().await.unwrap();
    assert!(response.headers().get("x-ratelimit-limit").is_none());
}

#[tokio::test]
async fn over_the_limit_answers_429_until_the_stack_clock_moves_on() {
    let server = TestServer::start().await;
    let asset = server.upload("a.txt", b"a", &[]).await;
    let uid = asset["uid"].as_str().unwrap();
    let url = asset["url"].as_str().unwrap().to_owned();
    let clock = format!("/_mock/stacks/{API_KEY}/clock");
    send(control(&server, Method::POST, &format!("{clock}/freeze"))).await;
    let (status, body) = set_limits(
        &server,
        API_KEY,
        json!({"enabled": true, "read": 3, "write": 2, "bulk": 1, "delivery": 2}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["rate_limits"]["read"], 3);
    for remaining in [2, 1, 0] {
        let response = server
            .get(&format!("/v3/assets/{uid}"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(
            response.headers()["x-ratelimit-remaining"],
            remaining.to_string().as_str()
        );
    }
    let response = server
        .get(&format!("/v3/assets/{uid}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 429);
    assert_eq!(response.headers()["x-ratelimit-limit"], "3");
    assert_eq!(response.headers()["x-ratelimit-remaining"], "0");
    assert_eq!(response.headers()["retry-after"], "1");
    let (status, body) = json_of(response).await;
    assert_eq!(status, 429);
    assert_eq!(
        body,
        json!({"error_message": "Too many requests.", "error_code": 429, "errors": {}})
    );
    // Writes count apart, and bulk requests apart from them.
    let (status, _) = send(
        server
            .put(&format!("/v3/assets/{uid}"))
            .json(&json!({"asset": {"title": "t"}})),
    )
    .await;
    assert_eq!(status, 200);
    let bulk = json!({"assets": [{"uid": "bltnothere"}]});
    let (status, _) = send(server.post("/v3/bulk/delete").json(&bulk)).await;
    assert_ne!(status, 429);
    let (status, _) = send(server.post("/v3/bulk/delete").json(&bulk)).await;
    assert_eq!(status, 429);
    // File URLs count in the delivery bucket.
    for expected in [200, 200, 429] {
        let response = server.client.get(&url).send().await.unwrap();
        assert_eq!(response.status(), expected);
        assert_eq!(response.headers()["x-ratelimit-limit"], "2");
    }
    // A frozen clock keeps the window; moving it on opens the next one.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let (status, _) = send(server.get(&format!("/v3/assets/{uid}"))).await;
    assert_eq!(status, 429);
    advance(&server, API_KEY, json!({"seconds": 1})).await;
    let (status, _) = send(server.get(&format!("/v3/assets/{uid}"))).await;
    assert_eq!(status, 200);
    // The journal saw the 429s too.
    let limited = requests_of(&server, API_KEY, "?status=429").await;
    assert_eq!(limited.len(), 4, "{limited:#?}");
    // Off again: no headers.
    set_limits(&server, API_KEY, json!({"enabled": false})).await;
    let response = server.get("/v3/assets").send().await.unwrap();
    assert!(response.headers().get("x-ratelimit-limit").is_none());
}
