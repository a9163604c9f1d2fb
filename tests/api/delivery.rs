//! The Content Delivery API and the Sync API through HTTP: delivery tokens scoped to
//! environments, only what is published there in the version published there, locale
//! fallback, and sync pages and deltas.

use serde_json::{Value, json};

use crate::helpers::*;

/// A delivery token for `environment`, made through the management API.
async fn delivery_token(server: &TestServer, environment: &str) -> String {
    let body = json!({"token": {"name": environment, "scope": [{"module": "environment", "environments": [environment], "acl": {"read": true}}, {"module": "branch", "branches": ["main"], "acl": {"read": true}}]}});
    let (status, created) = send(server.post("/v3/stacks/delivery_tokens").json(&body)).await;
    assert_eq!(status, 201, "{created}");
    created["token"]["token"].as_str().unwrap().to_owned()
}

fn cda(server: &TestServer, path: &str, token: &str) -> reqwest::RequestBuilder {
    server
        .client
        .get(server.url(path))
        .header("api_key", API_KEY)
        .header("access_token", token)
}

async fn publish(server: &TestServer, uid: &str, environments: &[&str], locales: &[&str]) {
    let body = json!({"asset": {"environments": environments, "locales": locales}});
    let (status, answer) = send(
        server
            .post(&format!("/v3/assets/{uid}/publish"))
            .json(&body),
    )
    .await;
    assert_eq!(status, 201, "{answer}");
}

#[tokio::test]
async fn delivery_requests_are_checked_for_stack_token_and_environment() {
    let server = TestServer::start().await;
    let token = delivery_token(&server, "development").await;
    let bad_key = server
        .client
        .get(server.url("/v3/assets?environment=development"))
        .header("api_key", "blt00000000000000ff")
        .header("access_token", &token);
    let (status, body) = send(bad_key).await;
    assert_error(status, &body, 412, 109);
    assert_eq!(
        body["error_message"],
        "We can't retrieve the stack. Please recheck the entered api_key."
    );
    let (status, body) = send(cda(
        &server,
        "/v3/assets?environment=development",
        "csnotatoken",
    ))
    .await;
    assert_error(status, &body, 401, 105);
    assert_eq!(
        body["error_message"],
        "You're not allowed in here unless you're logged in!"
    );
    assert_eq!(body["errors"]["access_token"][0], "is not valid.");
    let (status, body) = send(cda(&server, "/v3/assets", &token)).await;
    assert_error(status, &body, 422, 141);
    assert_eq!(body["errors"]["environment"][0], "is required.");
    send(
        server
            .post("/v3/environments")
            .json(&json!({"environment": {"name": "production"}})),
    )
    .await;
    for environment in ["production", "nowhere"] {
        let (status, body) = send(cda(
            &server,
            &format!("/v3/assets?environment={environment}"),
            &token,
        ))
        .await;
        assert_error(status, &body, 401, 105);
    }
    let response = cda(&server, "/v3/assets/?environment=development", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "a trailing slash is fine");
    assert_eq!(
        response.headers()["content-type"],
        "application/json; charset=utf-8"
    );
    assert_eq!(response.headers()["access-control-allow-origin"], "*");
    assert!(response.headers().contains_key("x-request-id"));
}

#[tokio::test]
async fn only_what_is_published_in_the_environment_is_delivered_in_its_version() {
    let server = TestServer::start().await;
    send(
        server
            .post("/v3/environments")
            .json(&json!({"environment": {"name": "production"}})),
    )
    .await;
    let dev = delivery_token(&server, "development").await;
    let prod = delivery_token(&server, "production").await;
    let asset = server.upload("site.txt", b"one", &[]).await;
    let uid = asset["uid"].as_str().unwrap();
    let unpublished = server.upload("draft.txt", b"draft", &[]).await;
    publish(&server, uid, &["development"], &["en-us"]).await;
    let (status, body) = send(cda(
        &server,
        &format!("/v3/assets/{uid}?environment=production"),
        &prod,
    ))
    .await;
    assert_error(status, &body, 404, 145);
    let (_, list) = send(cda(
        &server,
        "/v3/assets?environment=production&include_count=true",
        &prod,
    ))
    .await;
    assert_eq!(list["count"], 0);
    let (_, list) = send(cda(
        &server,
        "/v3/assets?environment=development&include_count=true",
        &dev,
    ))
    .await;
    assert_eq!(list["count"], 1, "{list}");
    let (status, body) = send(cda(
        &server,
        &format!(
            "/v3/assets/{}?environment=development",
            unpublished["uid"].as_str().unwrap()
        ),
        &dev,
    ))
    .await;
    assert_error(status, &body, 404, 145);
    let (_, fetched) = send(cda(
        &server,
        &format!("/v3/assets/{uid}?environment=development"),
        &dev,
    ))
    .await;
    let delivered = &fetched["asset"];
    let keys: Vec<&String> = delivered.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "uid",
            "created_at",
            "content_type",
            "created_by",
            "tags",
            "filename",
            "url",
            "_version",
            "title",
            "is_dir",
            "updated_at",
            "ACL",
            "updated_by",
            "file_size",
            "publish_details"
        ]
    );
    let detail_keys: Vec<&String> = delivered["publish_details"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(detail_keys, ["environment", "locale", "time", "user"]);
    // A replace changes nothing on the site until it is published again.
    send(
        server
            .put(&format!("/v3/assets/{uid}"))
            .multipart(upload_form("site-v2.txt", b"two", &[])),
    )
    .await;
    let (_, fetched) = send(cda(
        &server,
        &format!("/v3/assets/{uid}?environment=development"),
        &dev,
    ))
    .await;
    assert_eq!(fetched["asset"]["_version"], 1);
    assert_eq!(fetched["asset"]["filename"], "site.txt");
    let bytes = server
        .client
        .get(fetched["asset"]["url"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(bytes, "one", "the published version's URL serves its bytes");
    let (status, _) = send(cda(
        &server,
        &format!("/v3/assets/{uid}?environment=development&version=2"),
        &dev,
    ))
    .await;
    assert_eq!(status, 404);
    publish(&server, uid, &["development"], &["en-us"]).await;
    let (_, fetched) = send(cda(
        &server,
        &format!("/v3/assets/{uid}?environment=development"),
        &dev,
    ))
    .await;
    assert_eq!(fetched["asset"]["_version"], 2);
    assert_eq!(fetched["asset"]["filename"], "site-v2.txt");
    // Deleting takes it off at once; a restore does not bring it back.
    send(server.delete(&format!("/v3/assets/{uid}"))).await;
    let (status, _) = send(cda(
        &server,
        &format!("/v3/assets/{uid}?environment=development"),
        &dev,
    ))
    .await;
    assert_eq!(status, 404);
    send(control(
        &server,
        reqwest::Method::POST,
        &format!("/_mock/stacks/{API_KEY}/trash/{uid}/restore"),
    ))
    .await;
    let (status, _) = send(cda(
        &server,
        &format!("/v3/assets/{uid}?environment=development"),
        &dev,
    ))
    .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn locales_fall_back_along_their_chain_when_asked() {
    let server = TestServer::start().await;
    send(
        server
            .post("/v3/locales")
            .json(&json!({"locale": {"code": "fr-fr", "fallback_locale": "en-us"}})),
    )
    .await;
    let token = delivery_token(&server, "development").await;
    let both = server.upload("both.txt", b"b", &[]).await;
    let english = server.upload("english.txt", b"e", &[]).await;
    publish(
        &server,
        both["uid"].as_str().unwrap(),
        &["development"],
        &["en-us", "fr-fr"],
    )
    .await;
    publish(
        &server,
        english["uid"].as_str().unwrap(),
        &["development"],
        &["en-us"],
    )
    .await;
    let english_uid = english["uid"].as_str().unwrap();
    let (status, _) = send(cda(
        &server,
        &format!("/v3/assets/{english_uid}?environment=development&locale=fr-fr"),
        &token,
    ))
    .await;
    assert_eq!(status, 404);
    let (status, body) = send(cda(
        &server,
        &format!(
            "/v3/assets/{english_uid}?environment=development&locale=fr-fr&include_fallback=true"
        ),
        &token,
    ))
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["asset"]["publish_details"]["locale"], "en-us");
    let (_, list) = send(cda(&server, "/v3/assets?environment=development", &token)).await;
    assert_eq!(
        list["assets"].as_array().unwrap().len(),
        3,
        "one item per published locale: {list}"
    );
    let (_, list) = send(cda(
        &server,
        "/v3/assets?environment=development&locale=fr-fr&include_fallback=true&include_count=true",
        &token,
    ))
    .await;
    assert_eq!(list["count"], 2);
    let locales: Vec<&str> = list["assets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["publish_details"]["locale"].as_str().unwrap())
        .collect();
    assert!(
        locales.contains(&"fr-fr") && locales.contains(&"en-us"),
        "{locales:?}"
    );
}

#[tokio::test]
async fn sync_pages_the_published_state_then_hands_out_deltas() {
    let server = TestServer::start().await;
    let token = delivery_token(&server, "development").await;
    let mut uids = Vec::new();
    for i in 0..250 {
        let asset = server.upload(&format!("s{i}.txt"), b"s", &[]).await;
        uids.push(asset["uid"].as_str().unwrap().to_owned());
    }
    for chunk in uids.chunks(100) {
        let assets: Vec<Value> = chunk.iter().map(|uid| json!({"uid": uid})).collect();
        let (status, body) = send(server.post("/v3/bulk/publish").json(
            &json!({"assets": assets, "locales": ["en-us"], "environments": ["development"]}),
        ))
        .await;
        assert_eq!(status, 200, "{body}");
    }
    let mut url = "/v3/stacks/sync?environment=development&init=true".to_owned();
    let mut sizes = Vec::new();
    let mut synced = Vec::new();
    let sync_token = loop {
        let (status, page) = send(cda(&server, &url, &token)).await;
        assert_eq!(status, 200, "{page}");
        assert_eq!(page["total_count"], 250);
        sizes.push(page["items"].as_array().unwrap().len());
        for item in page["items"].as_array().unwrap() {
            synced.push(item["data"]["uid"].as_str().unwrap().to_owned());
        }
        let item = &page["items"][0];
        assert_eq!(item["type"], "asset_published");
        assert_eq!(item["content_type_uid"], "sys_assets");
        assert!(item["data"].get("ACL").is_none());
        assert!(item["data"]["publish_details"]["locale"].is_string());
        match (page.get("pagination_token"), page.get("sync_token")) {
            (Some(next), None) => {
                url = format!(
                    "/v3/stacks/sync?environment=development&pagination_token={}",
                    next.as_str().unwrap()
                )
            }
            (None, Some(done)) => break done.as_str().unwrap().to_owned(),
            other => panic!("a page must carry exactly one token: {other:?}"),
        }
    };
    assert_eq!(sizes, [100, 100, 50]);
    // Every asset once: the pages neither overlap nor skip one.
    synced.sort();
    let mut published = uids.clone();
    published.sort();
    assert_eq!(synced, published);
    let delta = |token_value: &str| {
        format!("/v3/stacks/sync?environment=development&sync_token={token_value}")
    };
    let (_, same) = send(cda(&server, &delta(&sync_token), &token)).await;
    assert_eq!(same, json!({"items": [], "sync_token": sync_token}));
    let (status, _) = send(
        server
            .post(&format!("/v3/assets/{}/unpublish", uids[0]))
            .json(&json!({"asset": {"environments": ["development"], "locales": ["en-us"]}})),
    )
    .await;
    assert_eq!(status, 201);
    let (_, changes) = send(cda(&server, &delta(&sync_token), &token)).await;
    let items = changes["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{changes}");
    assert_eq!(items[0]["type"], "asset_unpublished");
    assert_eq!(items[0]["data"], json!({"uid": uids[0], "locale": "en-us"}));
    let (status, body) = send(cda(&server, &delta("not-a-token"), &token)).await;
    assert_error(status, &body, 422, 141);
    assert!(body["errors"]["sync_token"].is_array());
}

#[tokio::test]
async fn sync_tokens_outlive_a_restart_and_start_from_leaves_out_earlier_publishes() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = TestServer::start_in(dir.path(), &[]);
    let token = delivery_token(&server, "development").await;
    let early = server.upload("early.txt", b"e", &[]).await;
    let early_uid = early["uid"].as_str().unwrap().to_owned();
    publish(&server, &early_uid, &["development"], &["en-us"]).await;
    let init = "/v3/stacks/sync?environment=development&init=true";
    let (status, first) = send(cda(&server, init, &token)).await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["items"].as_array().unwrap().len(), 1, "{first}");
    let sync_token = first["sync_token"].as_str().unwrap().to_owned();
    assert!(server.terminate().success());

    let server = TestServer::start_in(dir.path(), &[]);
    // A day later on the stack's clock, a second asset is published.
    let moved = advance(&server, API_KEY, json!({"days": 1})).await;
    let since = moved["now"].as_str().unwrap().to_owned();
    let late = server.upload("late.txt", b"l", &[]).await;
    let late_uid = late["uid"].as_str().unwrap().to_owned();
    publish(&server, &late_uid, &["development"], &["en-us"]).await;

    let delta = format!("/v3/stacks/sync?environment=development&sync_token={sync_token}");
    let (status, changes) = send(cda(&server, &delta, &token)).await;
    assert_eq!(
        status, 200,
        "the token from before the restart still reads: {changes}"
    );
    let uids: Vec<&str> = changes["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["data"]["uid"].as_str().unwrap())
        .collect();
    assert_eq!(uids, [late_uid.as_str()], "{changes}");

    let from = format!("{init}&start_from={since}");
    let (status, recent) = send(cda(&server, &from, &token)).await;
    assert_eq!(status, 200, "{recent}");
    let uids: Vec<&str> = recent["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["data"]["uid"].as_str().unwrap())
        .collect();
    assert_eq!(
        uids,
        [late_uid.as_str()],
        "only what was published since: {recent}"
    );
    let (_, everything) = send(cda(&server, init, &token)).await;
    assert_eq!(
        everything["items"].as_array().unwrap().len(),
        2,
        "{everything}"
    );
}

#[tokio::test]
async fn a_management_token_reads_sync_for_an_environment_and_keeps_management_shapes() {
    let server = TestServer::start().await;
    let asset = server.upload("both.txt", b"b", &[]).await;
    let uid = asset["uid"].as_str().unwrap();
    publish(&server, uid, &["development"], &["en-us"]).await;
    let (status, page) =
        send(server.get("/v3/stacks/sync?environment=development&init=true")).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["items"][0]["data"]["uid"], uid);
    assert!(page["sync_token"].is_string(), "{page}");
    let (status, body) = send(server.get("/v3/stacks/sync?environment=nowhere&init=true")).await;
    assert!(status.is_client_error(), "{status} {body}");
    // On the asset paths it stays the management API: `publish_details` is a list.
    let (status, list) = send(server.get("/v3/assets?environment=development")).await;
    assert_eq!(status, 200, "{list}");
    assert!(list["assets"][0]["publish_details"].is_array(), "{list}");
    assert!(list["assets"][0].get("ACL").is_some(), "{list}");
}

#[tokio::test]
async fn browsers_get_their_preflight_answered() {
    let server = TestServer::start().await;
    let response = server
        .client
        .request(reqwest::Method::OPTIONS, server.url("/v3/assets"))
        .header("origin", "http://localhost:3000")
        .header("access-control-request-method", "GET")
        .header(
            "access-control-request-headers",
            "api_key,access_token,content-type",
        )
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    assert_eq!(response.headers()["access-control-allow-origin"], "*");
}

#[tokio::test]
async fn delivery_pages_follow_creation_whatever_the_publish_order() {
    let server = TestServer::start().await;
    let token = delivery_token(&server, "development").await;
    let mut uids = Vec::new();
    for i in 0..7 {
        let asset = server.upload(&format!("d{i}.txt"), b"d", &[]).await;
        uids.push(asset["uid"].as_str().unwrap().to_owned());
    }
    // Published newest first, one left out: the order served is still by creation.
    for uid in uids[1..].iter().rev() {
        publish(&server, uid, &["development"], &["en-us"]).await;
    }
    let served = |query: &'static str| {
        let server = &server;
        let token = &token;
        async move {
            let mut seen = Vec::new();
            for skip in [0, 2, 4] {
                let path = format!(
                    "/v3/assets?environment=development&limit=2&skip={skip}&include_count=true{query}"
                );
                let (status, page) = send(cda(server, &path, token)).await;
                assert_eq!(status, 200, "{page}");
                assert_eq!(page["count"], 6, "{page}");
                for asset in page["assets"].as_array().unwrap() {
                    seen.push(asset["uid"].as_str().unwrap().to_owned());
                }
            }
            seen
        }
    };
    let newest_first: Vec<String> = uids[1..].iter().rev().cloned().collect();
    assert_eq!(served("").await, newest_first);
    let mut oldest_first = newest_first.clone();
    oldest_first.reverse();
    assert_eq!(served("&asc=created_at").await, oldest_first);
    // With a query the copies are filtered first, in the same order.
    let query = "&query=%7B%22file_size%22%3A%7B%22%24gt%22%3A0%7D%7D";
    assert_eq!(served(query).await, newest_first);
}
