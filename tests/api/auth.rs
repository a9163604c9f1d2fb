//! Stack selection and credentials: 412 for a bad api_key, 401 for a bad token, and a
//! token of one stack never opening another.

use crate::helpers::*;

#[tokio::test]
async fn missing_or_unknown_api_key_is_412_with_code_109() {
    let server = TestServer::start().await;
    let (status, body) = send(
        server
            .client
            .get(server.url("/v3/assets"))
            .header("authorization", TOKEN),
    )
    .await;
    assert_error(status, &body, 412, 109);
    assert_eq!(body["errors"]["api_key"][0], "is not valid.");
    let (status, body) = send(server.request_as(
        reqwest::Method::GET,
        "/v3/assets",
        "bltdoesnotexist00",
        TOKEN,
    ))
    .await;
    assert_error(status, &body, 412, 109);
}

#[tokio::test]
async fn missing_or_wrong_token_is_401_with_code_105() {
    let server = TestServer::start().await;
    let (status, body) = send(
        server
            .client
            .get(server.url("/v3/assets"))
            .header("api_key", API_KEY),
    )
    .await;
    assert_error(status, &body, 401, 105);
    let (status, body) =
        send(server.request_as(reqwest::Method::GET, "/v3/assets", API_KEY, "cs-wrong")).await;
    assert_error(status, &body, 401, 105);
}

#[tokio::test]
async fn token_is_accepted_raw_as_bearer_and_as_authtoken() {
    let server = TestServer::start().await;
    let raw = server
        .client
        .get(server.url("/v3/assets"))
        .header("api_key", API_KEY)
        .header("authorization", TOKEN);
    let bearer = server
        .client
        .get(server.url("/v3/assets"))
        .header("api_key", API_KEY)
        .header("authorization", format!("Bearer {TOKEN}"));
    let authtoken = server
        .client
        .get(server.url("/v3/assets"))
        .header("api_key", API_KEY)
        .header("authtoken", TOKEN);
    for request in [raw, bearer, authtoken] {
        let (status, body) = send(request).await;
        assert_eq!(status, 200, "{body}");
        assert!(body["assets"].is_array());
    }
}

#[tokio::test]
async fn a_token_of_one_stack_never_opens_another() {
    let server = TestServer::start().await;
    let (status, other) = send(
        server
            .client
            .post(server.url("/_mock/stacks"))
            .json(&serde_json::json!({"name": "B"})),
    )
    .await;
    assert_eq!(status, 201, "{other}");
    let other_key = other["stack"]["api_key"].as_str().unwrap().to_owned();
    let other_token = other["stack"]["management_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let asset = server.upload("a.txt", b"stack A data", &[]).await;
    let uid = asset["uid"].as_str().unwrap();

    // B's token with A's api_key, and A's token with B's api_key: both 401, no data.
    let (status, body) = send(server.request_as(
        reqwest::Method::GET,
        &format!("/v3/assets/{uid}"),
        API_KEY,
        &other_token,
    ))
    .await;
    assert_error(status, &body, 401, 105);
    let (status, body) =
        send(server.request_as(reqwest::Method::GET, "/v3/assets", &other_key, TOKEN)).await;
    assert_error(status, &body, 401, 105);
    // With its own token, B sees none of A's assets.
    let (status, body) = send(server.request_as(
        reqwest::Method::GET,
        &format!("/v3/assets/{uid}"),
        &other_key,
        &other_token,
    ))
    .await;
    assert_error(status, &body, 422, 145);
    let (status, body) = send(server.request_as(
        reqwest::Method::GET,
        "/v3/assets?include_count=true",
        &other_key,
        &other_token,
    ))
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["count"], 0);
}

#[tokio::test]
async fn unknown_routes_answer_in_the_error_shape() {
    let server = TestServer::start().await;
    let (status, body) = send(server.get("/v3/nothing-here")).await;
    assert_error(status, &body, 404, 404);
    let (status, body) = send(
        server
            // Entries are not emulated: their content type is not found, as on an
            // empty stack.
            .post("/v3/content_types/blog/entries")
            .json(&serde_json::json!({})),
    )
    .await;
    assert_error(status, &body, 422, 118);
    let (status, body) = send(server.request(reqwest::Method::PATCH, "/v3/assets")).await;
    assert_error(status, &body, 405, 405);
}

#[tokio::test]
async fn health_answers_ok_with_the_version_and_every_response_has_a_request_id() {
    let server = TestServer::start().await;
    let response = server
        .client
        .get(server.url("/_mock/health"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers().contains_key("x-request-id"));
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
}
