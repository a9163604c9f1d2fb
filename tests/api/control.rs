//! The `/_mock` API: stacks, reset, the admin token and fault injection.

use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn stacks_are_created_listed_and_deleted_with_their_files() {
    let server = TestServer::start().await;
    let (status, body) = send(
        control(&server, reqwest::Method::POST, "/_mock/stacks").json(&json!({
            "name": "Mine", "api_key": "blt1111111111111111", "management_token": "cs-mine"
        })),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["stack"]["name"], "Mine");
    let (status, body) = send(
        control(&server, reqwest::Method::POST, "/_mock/stacks")
            .json(&json!({"api_key": "blt1111111111111111"})),
    )
    .await;
    assert_eq!(status, 409, "{body}");
    let (generated_key, generated_token) = create_stack(&server, "Generated").await;
    assert!(generated_key.starts_with("blt") && generated_key.len() == 19);
    assert!(generated_token.starts_with("cs"));

    let (_, list) = send(control(&server, reqwest::Method::GET, "/_mock/stacks")).await;
    let keys: Vec<&str> = list["stacks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["api_key"].as_str().unwrap())
        .collect();
    assert_eq!(
        keys,
        [API_KEY, "blt1111111111111111", generated_key.as_str()]
    );

    let (status, _) = send(
        server
            .request_as(
                reqwest::Method::POST,
                "/v3/assets",
                "blt1111111111111111",
                "cs-mine",
            )
            .multipart(upload_form("m.txt", b"mine", &[])),
    )
    .await;
    assert_eq!(status, 201);
    server.upload("default.txt", b"default", &[]).await;
    assert_eq!(server.stored_file_count(), 2);
    let (status, _) = send(control(
        &server,
        reqwest::Method::DELETE,
        "/_mock/stacks/blt1111111111111111",
    ))
    .await;
    assert_eq!(status, 200);
    assert_eq!(server.stored_file_count(), 1, "the stack's files are gone");
    let (status, body) = send(server.request_as(
        reqwest::Method::GET,
        "/v3/assets",
        "blt1111111111111111",
        "cs-mine",
    ))
    .await;
    assert_error(status, &body, 412, 109);
    let (status, body) = send(control(
        &server,
        reqwest::Method::DELETE,
        "/_mock/stacks/blt1111111111111111",
    ))
    .await;
    assert_error(status, &body, 404, 404);
    assert_consistent(&check_consistency(&server.data_dir).await);
}

#[tokio::test]
async fn reset_brings_back_a_fresh_default_stack() {
    let server = TestServer::start().await;
    create_stack(&server, "Extra").await;
    server.upload("a.txt", b"a", &[]).await;
    advance(&server, API_KEY, json!({"days": 3})).await;
    let (status, body) = send(control(&server, reqwest::Method::POST, "/_mock/reset")).await;
    assert_eq!(status, 200, "{body}");
    let (_, list) = send(control(&server, reqwest::Method::GET, "/_mock/stacks")).await;
    assert_eq!(list["count"], 1);
    assert_eq!(list["stacks"][0]["api_key"], API_KEY);
    assert_eq!(list["stacks"][0]["management_token"], TOKEN);
    assert!(
        list["stacks"][0]["clock"]["offset_seconds"]
            .as_f64()
            .unwrap()
            .abs()
            < 5.0
    );
    assert!(server.list_uids("").await.is_empty());
    assert_eq!(server.stored_file_count(), 0);
}

#[tokio::test]
async fn admin_token_guards_every_mock_call_but_health() {
    let server = TestServer::start_with(&["--admin-token", "s3cret"]).await;
    let (status, body) = send(control(&server, reqwest::Method::GET, "/_mock/stacks")).await;
    assert_error(status, &body, 401, 105);
    let (status, body) =
        send(control(&server, reqwest::Method::POST, "/_mock/reset").bearer_auth("wrong")).await;
    assert_error(status, &body, 401, 105);
    let (status, _) =
        send(control(&server, reqwest::Method::GET, "/_mock/stacks").bearer_auth("s3cret")).await;
    assert_eq!(status, 200);
    let (status, _) = send(control(&server, reqwest::Method::GET, "/_mock/health")).await;
    assert_eq!(status, 200);
    // The /v3 API is unaffected.
    let (status, _) = send(server.get("/v3/assets")).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn faults_fail_the_next_matching_requests_then_clear() {
    let server = TestServer::start().await;
    let faults = format!("/_mock/stacks/{API_KEY}/faults");
    let (status, body) = send(
        control(&server, reqwest::Method::POST, &faults)
            .json(&json!({"status": 429, "count": 2, "path": "/v3/assets", "method": "GET"})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    for _ in 0..2 {
        let response = server.get("/v3/assets").send().await.unwrap();
        assert_eq!(response.status(), 429);
        assert_eq!(response.headers()["retry-after"], "1");
        let (status, body) = json_of(response).await;
        assert_error(status, &body, 429, 429);
    }
    let (status, _) = send(server.get("/v3/assets")).await;
    assert_eq!(status, 200, "the fault is used up");
    send(
        control(&server, reqwest::Method::POST, &faults).json(&json!({"status": 503, "count": 5})),
    )
    .await;
    let (status, _) = send(server.post("/v3/bulk/delete").json(&json!({}))).await;
    assert_eq!(status, 503);
    let (_, listed) = send(control(&server, reqwest::Method::GET, &faults)).await;
    assert_eq!(listed["faults"][0]["count"], 4);
    send(control(&server, reqwest::Method::DELETE, &faults)).await;
    let (status, _) = send(server.get("/v3/assets")).await;
    assert_eq!(status, 200);
    let (status, body) =
        send(control(&server, reqwest::Method::POST, &faults).json(&json!({"status": 200}))).await;
    assert_error(status, &body, 422, 120);
}

#[tokio::test]
async fn stack_keys_are_checked_and_the_default_credentials_stay_reserved() {
    let server = TestServer::start().await;
    for key in ["..", "a/b", "with space", &"x".repeat(65)] {
        let (status, body) = send(
            control(&server, reqwest::Method::POST, "/_mock/stacks").json(&json!({"api_key": key})),
        )
        .await;
        assert_error(status, &body, 422, 120);
    }
    let (status, _) = send(
        control(&server, reqwest::Method::POST, "/_mock/stacks")
            .json(&json!({"management_token": TOKEN})),
    )
    .await;
    assert_eq!(status, 409);
    // Even with the default stack gone, its credentials are not handed to another.
    send(control(
        &server,
        reqwest::Method::DELETE,
        &format!("/_mock/stacks/{API_KEY}"),
    ))
    .await;
    let (status, _) = send(
        control(&server, reqwest::Method::POST, "/_mock/stacks").json(&json!({"api_key": API_KEY})),
    )
    .await;
    assert_eq!(status, 409);
    assert!(server.data_dir.is_dir(), "the data dir is intact");
    if TestDatabase::from_env().is_none() {
        assert!(
            server.data_dir.join("mock.db").exists(),
            "the database is intact"
        );
    }
}

#[tokio::test]
async fn every_stack_says_who_its_user_is_and_how_long_its_trash_keeps_items() {
    let server = TestServer::start_with(&["--trash-retention", "3d"]).await;
    let (status, body) = send(
        control(&server, reqwest::Method::POST, "/_mock/stacks")
            .json(&json!({"name": "People", "user_name": "Ada Lovelace"})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["stack"]["user_name"], "Ada Lovelace");
    assert_eq!(body["stack"]["trash_retention_seconds"], 3 * 86400);
    let (_, list) = send(control(&server, reqwest::Method::GET, "/_mock/stacks")).await;
    let stacks = list["stacks"].as_array().unwrap();
    assert_eq!(stacks[0]["user_name"], "Local Developer");
    assert!(
        stacks
            .iter()
            .all(|s| s["trash_retention_seconds"] == 3 * 86400),
        "{list}"
    );
}
