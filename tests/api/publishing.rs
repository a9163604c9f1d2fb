//! Publishing through HTTP: environments, locales, delivery tokens, publish and
//! unpublish (single, bulk, scheduled on the virtual clock), the queue, and what the
//! trash does to published assets. Also version names, permanent URLs and references.

use serde_json::{Value, json};

use crate::helpers::*;

async fn publish(server: &TestServer, uid: &str, body: Value) -> (reqwest::StatusCode, Value) {
    send(
        server
            .post(&format!("/v3/assets/{uid}/publish"))
            .json(&body),
    )
    .await
}

async fn details(server: &TestServer, uid: &str) -> Value {
    let (status, body) =
        send(server.get(&format!("/v3/assets/{uid}?include_publish_details=true"))).await;
    assert_eq!(status, 200, "{body}");
    body["asset"]["publish_details"].clone()
}

async fn environment_uid(server: &TestServer, name: &str) -> String {
    let (status, body) = send(server.get(&format!("/v3/environments/{name}"))).await;
    assert_eq!(status, 200, "{body}");
    body["environment"]["uid"].as_str().unwrap().to_owned()
}

/// The default stack's clock.
async fn stack_now(server: &TestServer) -> chrono::DateTime<chrono::Utc> {
    let (_, clock) = send(control(
        server,
        reqwest::Method::GET,
        &format!("/_mock/stacks/{API_KEY}/clock"),
    ))
    .await;
    crate::trash::chrono_parse(clock["now"].as_str().unwrap())
}

fn to(envs: &[&str], locales: &[&str]) -> Value {
    json!({"asset": {"environments": envs, "locales": locales}})
}

#[tokio::test]
async fn every_stack_starts_with_development_and_the_master_locale_en_us() {
    let server = TestServer::start().await;
    let (_, envs) = send(server.get("/v3/environments?include_count=true")).await;
    assert_eq!(envs["count"], 1, "{envs}");
    assert_eq!(envs["environments"][0]["name"], "development");
    assert_eq!(
        envs["environments"][0]["urls"],
        json!([{"locale": "en-us", "url": "http://localhost:3000"}])
    );
    let query = crate::assets::urlencode(r#"{"fallback_locale":null}"#);
    let (_, locales) = send(server.get(&format!("/v3/locales?query={query}"))).await;
    assert_eq!(locales["locales"].as_array().unwrap().len(), 1, "{locales}");
    assert_eq!(locales["locales"][0]["code"], "en-us");
    assert_eq!(locales["locales"][0]["name"], "English - United States");
    assert!(locales["locales"][0]["fallback_locale"].is_null());
    // A control-API stack may choose its own.
    let (status, body) = send(
        control(&server, reqwest::Method::POST, "/_mock/stacks")
            .json(&json!({"environments": ["staging", "production"], "master_locale": "fr-fr"})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let key = body["stack"]["api_key"].as_str().unwrap();
    let token = body["stack"]["management_token"].as_str().unwrap();
    let (_, envs) =
        send(server.request_as(reqwest::Method::GET, "/v3/environments", key, token)).await;
    let names: Vec<&str> = envs["environments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["staging", "production"]);
    let (_, locales) =
        send(server.request_as(reqwest::Method::GET, "/v3/locales", key, token)).await;
    assert_eq!(locales["locales"][0]["code"], "fr-fr");
}

#[tokio::test]
async fn environments_keep_their_name_rules_and_renames_check_for_taken_names() {
    let server = TestServer::start().await;
    let create = |name: &str| json!({"environment": {"name": name, "urls": [{"locale": "en-us", "url": "https://x"}]}});
    let (status, body) = send(server.post("/v3/environments").json(&create("staging"))).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["notice"], "Environment created successfully.");
    assert_eq!(body["environment"]["_version"], 1);
    for bad in ["Staging", "my env", "a#b", "x/y", "", &"n".repeat(256)] {
        let (status, body) = send(server.post("/v3/environments").json(&create(bad))).await;
        assert_error(status, &body, 422, 120);
        assert!(body["errors"]["name"].is_array(), "{bad}: {body}");
    }
    let (status, body) = send(server.post("/v3/environments").json(&create("staging"))).await;
    assert_error(status, &body, 422, 120);
    assert_eq!(body["errors"]["name"][0], "is not unique.");
    // Renaming to a taken name changes nothing.
    let (status, body) = send(
        server
            .put("/v3/environments/staging")
            .json(&json!({"environment": {"name": "development"}})),
    )
    .await;
    assert_error(status, &body, 422, 120);
    let (status, _) = send(server.get("/v3/environments/staging")).await;
    assert_eq!(status, 200);
    // A rename goes through the old name's path.
    let (status, body) = send(
        server
            .put("/v3/environments/staging")
            .json(&json!({"environment": {"name": "qa"}})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["environment"]["_version"], 2);
    let (status, body) = send(server.get("/v3/environments/staging")).await;
    assert_error(status, &body, 422, 141);
    assert_eq!(body["errors"]["name"][0], "is not valid.");
    let (status, body) = send(server.delete("/v3/environments/qa")).await;
    assert_eq!(status, 200);
    assert_eq!(body["notice"], "Environment deleted successfully.");
}

#[tokio::test]
async fn locales_fall_back_along_chains_and_the_master_stays() {
    let server = TestServer::start().await;
    let (status, body) = send(
        server
            .post("/v3/locales")
            .json(&json!({"locale": {"code": "fr-fr", "name": "French"}})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["notice"], "Language added successfully.");
    assert_eq!(body["locale"]["fallback_locale"], "en-us");
    let (status, body) = send(
        server
            .post("/v3/locales")
            .json(&json!({"locale": {"code": "fr-ca", "fallback_locale": "fr-fr"}})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = send(
        server
            .post("/v3/locales")
            .json(&json!({"locale": {"code": "fr-fr"}})),
    )
    .await;
    assert_error(status, &body, 422, 247);
    // No loops.
    let (status, body) = send(
        server
            .put("/v3/locales/fr-fr")
            .json(&json!({"locale": {"fallback_locale": "fr-ca"}})),
    )
    .await;
    assert_error(status, &body, 422, 120);
    let (status, body) = send(server.delete("/v3/locales/en-us")).await;
    assert_error(status, &body, 422, 120);
    let (status, body) = send(server.get("/v3/locales/xx-xx")).await;
    assert_error(status, &body, 422, 141);
    assert!(body["errors"]["code"].is_array());
    // Deleting fr-fr hands fr-ca its fallback.
    let (status, body) = send(server.delete("/v3/locales/fr-fr")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["notice"], "Language removed successfully.");
    let (_, body) = send(server.get("/v3/locales/fr-ca")).await;
    assert_eq!(body["locale"]["fallback_locale"], "en-us");
}

#[tokio::test]
async fn publish_records_each_pair_with_its_version_and_bad_targets_change_nothing() {
    let server = TestServer::start().await;
    send(
        server
            .post("/v3/locales")
            .json(&json!({"locale": {"code": "fr-fr"}})),
    )
    .await;
    let asset = server.upload("p.txt", b"v1", &[]).await;
    let uid = asset["uid"].as_str().unwrap();
    for (body, code, field) in [
        (to(&["nowhere"], &["en-us"]), 141, "environments"),
        (to(&["development"], &["xx-xx"]), 141, "locales"),
        (to(&[], &["en-us"]), 120, "environments"),
    ] {
        let (status, answer) = publish(&server, uid, body).await;
        assert_error(status, &answer, 422, code);
        assert!(answer["errors"][field].is_array(), "{answer}");
    }
    let many: Vec<String> = (0..11).map(|i| format!("e{i}")).collect();
    let many: Vec<&str> = many.iter().map(String::as_str).collect();
    let (status, answer) = publish(&server, uid, to(&many, &["en-us"])).await;
    assert_error(status, &answer, 422, 123);
    assert_eq!(details(&server, uid).await, json!([]), "nothing published");

    let (status, answer) = publish(&server, uid, to(&["development"], &["en-us", "fr-fr"])).await;
    assert_eq!(status, 201, "{answer}");
    assert_eq!(answer["notice"], "Asset sent for publishing.");
    let env = environment_uid(&server, "development").await;
    let records = details(&server, uid).await;
    assert_eq!(records.as_array().unwrap().len(), 2, "{records}");
    for record in records.as_array().unwrap() {
        assert_eq!(record["environment"], env.as_str());
        assert_eq!(record["version"], 1);
        let keys: Vec<&String> = record.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["environment", "locale", "time", "user", "version"]);
    }
    // Replace, then publish only fr-fr: each pair keeps its own version.
    send(
        server
            .put(&format!("/v3/assets/{uid}"))
            .multipart(upload_form("p.txt", b"v2", &[])),
    )
    .await;
    publish(&server, uid, to(&["development"], &["fr-fr"])).await;
    let records = details(&server, uid).await;
    let version_of = |locale: &str| {
        records
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["locale"] == locale)
            .unwrap()["version"]
            .clone()
    };
    assert_eq!(version_of("en-us"), 1);
    assert_eq!(version_of("fr-fr"), 2);
    // Unpublish one pair.
    let (status, answer) = send(
        server
            .post(&format!("/v3/assets/{uid}/unpublish"))
            .json(&to(&["development"], &["en-us"])),
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(answer["notice"], "Asset sent for unpublishing.");
    assert_eq!(details(&server, uid).await.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn publishing_the_same_version_again_is_skipped_in_the_queue() {
    let server = TestServer::start().await;
    let asset = server.upload("q.txt", b"q", &[]).await;
    let uid = asset["uid"].as_str().unwrap();
    publish(&server, uid, to(&["development"], &["en-us"])).await;
    publish(&server, uid, to(&["development"], &["en-us"])).await;
    let (status, body) = send(server.get("/v3/publish-queue")).await;
    assert_eq!(status, 200, "{body}");
    let queue = body["queue"].as_array().unwrap();
    assert_eq!(queue.len(), 2);
    assert_eq!(queue[0]["publish_details"]["status"], "skipped", "{body}");
    assert_eq!(queue[1]["publish_details"]["status"], "success");
    assert_eq!(queue[0]["entry"]["uid"], uid);
    assert_eq!(queue[0]["type"], "asset");
}

#[tokio::test]
async fn a_scheduled_publish_happens_when_the_stack_clock_passes_it() {
    let server = TestServer::start().await;
    let asset = server.upload("s.txt", b"s", &[]).await;
    let uid = asset["uid"].as_str().unwrap();
    let now = stack_now(&server).await;
    let at = |days: i64| {
        (now + chrono::TimeDelta::days(days)).to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
    };
    let mut body = to(&["development"], &["en-us"]);
    body["scheduled_at"] = at(3).into();
    let (status, answer) = publish(&server, uid, body.clone()).await;
    assert_eq!(status, 201, "{answer}");
    assert_eq!(details(&server, uid).await, json!([]));
    advance(&server, API_KEY, json!({"days": 2})).await;
    assert_eq!(details(&server, uid).await, json!([]), "not yet");
    let out = advance(&server, API_KEY, json!({"days": 1, "minutes": 1})).await;
    assert_eq!(out["published"].as_array().unwrap().len(), 1, "{out}");
    assert_eq!(details(&server, uid).await.as_array().unwrap().len(), 1);
    // More than 12 months ahead is refused; a time in the past applies at once.
    body["scheduled_at"] = at(400).into();
    let (status, answer) = publish(&server, uid, body.clone()).await;
    assert_error(status, &answer, 422, 120);
    assert!(answer["errors"]["scheduled_at"].is_array());
    body["scheduled_at"] = "2019-02-08T18:30:00.000Z".into();
    let mut unpublish = body.clone();
    unpublish["scheduled_at"] = "2019-02-08T18:30:00.000Z".into();
    let (status, _) = send(
        server
            .post(&format!("/v3/assets/{uid}/unpublish"))
            .json(&unpublish),
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(details(&server, uid).await, json!([]), "applied at once");
}

#[tokio::test]
async fn an_unscheduled_publish_never_happens() {
    let server = TestServer::start().await;
    let asset = server.upload("u.txt", b"u", &[]).await;
    let uid = asset["uid"].as_str().unwrap();
    let mut body = to(&["development"], &["en-us"]);
    body["scheduled_at"] = "9000-01-01T00:00:00.000Z".into();
    let (status, answer) = publish(&server, uid, body.clone()).await;
    assert_error(status, &answer, 422, 120);
    let (_, clock) = send(control(
        &server,
        reqwest::Method::GET,
        &format!("/_mock/stacks/{API_KEY}/clock"),
    ))
    .await;
    let soon =
        crate::trash::chrono_parse(clock["now"].as_str().unwrap()) + chrono::TimeDelta::hours(1);
    body["scheduled_at"] = soon.to_rfc3339().into();
    publish(&server, uid, body).await;
    let (_, queue) = send(server.get("/v3/publish-queue")).await;
    let item = queue["queue"][0]["uid"].as_str().unwrap().to_owned();
    let (status, answer) = send(server.get(&format!("/v3/publish-queue/{item}/unschedule"))).await;
    assert_eq!(status, 200, "{answer}");
    assert!(
        answer["notice"]
            .as_str()
            .unwrap()
            .ends_with("unscheduled successfully.")
    );
    advance(&server, API_KEY, json!({"hours": 2})).await;
    assert_eq!(details(&server, uid).await, json!([]));
    let (_, fetched) = send(server.get(&format!("/v3/publish-queue/{item}"))).await;
    assert_eq!(fetched["entry"]["publish_details"]["status"], "cancelled");
}

#[tokio::test]
async fn deleting_unpublishes_restoring_comes_back_unpublished_and_trashed_assets_cannot_be_published()
 {
    let server = TestServer::start().await;
    let folder = server.create_folder("F", None).await;
    let inside = server
        .upload(
            "in.txt",
            b"i",
            &[("asset[parent_uid]", folder["uid"].as_str().unwrap())],
        )
        .await;
    let alone = server.upload("alone.txt", b"a", &[]).await;
    for asset in [&inside, &alone] {
        publish(
            &server,
            asset["uid"].as_str().unwrap(),
            to(&["development"], &["en-us"]),
        )
        .await;
    }
    send(server.delete(&format!(
        "/v3/assets/folders/{}",
        folder["uid"].as_str().unwrap()
    )))
    .await;
    send(
        server
            .post("/v3/bulk/delete")
            .json(&json!({"assets": [{"uid": alone["uid"]}]})),
    )
    .await;
    let (status, answer) = publish(
        &server,
        alone["uid"].as_str().unwrap(),
        to(&["development"], &["en-us"]),
    )
    .await;
    assert_error(status, &answer, 422, 145);
    for uid in [
        folder["uid"].as_str().unwrap(),
        alone["uid"].as_str().unwrap(),
    ] {
        let (status, body) = send(control(
            &server,
            reqwest::Method::POST,
            &format!("/_mock/stacks/{API_KEY}/trash/{uid}/restore"),
        ))
        .await;
        assert_eq!(status, 200, "{body}");
    }
    for asset in [&inside, &alone] {
        assert_eq!(
            details(&server, asset["uid"].as_str().unwrap()).await,
            json!([])
        );
    }
}

#[tokio::test]
async fn deleting_an_environment_unpublishes_everything_from_it() {
    let server = TestServer::start().await;
    send(
        server
            .post("/v3/environments")
            .json(&json!({"environment": {"name": "production"}})),
    )
    .await;
    let asset = server.upload("e.txt", b"e", &[]).await;
    let uid = asset["uid"].as_str().unwrap();
    publish(&server, uid, to(&["development", "production"], &["en-us"])).await;
    assert_eq!(details(&server, uid).await.as_array().unwrap().len(), 2);
    send(server.delete("/v3/environments/production")).await;
    let records = details(&server, uid).await;
    assert_eq!(records.as_array().unwrap().len(), 1, "{records}");
}

#[tokio::test]
async fn bulk_publish_records_a_job_with_its_body_and_items_and_caps_change_nothing() {
    let server = TestServer::start().await;
    let a = server.upload("a.txt", b"a", &[]).await;
    let b = server.upload("b.txt", b"b", &[]).await;
    let body = json!({"assets": [{"uid": a["uid"]}, {"uid": b["uid"]}], "locales": ["en-us"], "environments": ["development"]});
    let (status, answer) = send(server.post("/v3/bulk/publish").json(&body)).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        answer["notice"],
        "Your bulk publish request is in progress. Please check publish queue for more details."
    );
    let job = answer["job_id"].as_str().unwrap();
    let env = environment_uid(&server, "development").await;
    let (_, status_body) = send(server.get(&format!("/v3/bulk/jobs/{job}"))).await;
    assert_eq!(status_body["action"], "publish");
    assert_eq!(status_body["status"], "complete");
    assert_eq!(status_body["body"]["environments"], json!([env]));
    assert_eq!(status_body["body"]["locales"], json!(["en-us"]));
    assert_eq!(status_body["summary"]["success"], 2);
    let (_, items) =
        send(server.get(&format!("/v3/bulk/jobs/{job}/items?include_count=true"))).await;
    assert_eq!(items["total_count"], 2, "{items}");
    assert_eq!(items["items"][0]["type"], "asset");
    assert_eq!(items["items"][0]["publish_details"]["status"], "success");
    assert_eq!(
        details(&server, a["uid"].as_str().unwrap())
            .await
            .as_array()
            .unwrap()
            .len(),
        1
    );

    let c = server.upload("c.txt", b"c", &[]).await;
    let over: Vec<Value> = (0..101)
        .map(|_| json!({"uid": c["uid"]}))
        .chain([json!({"uid": "x"})])
        .collect();
    for (body, code) in [
        (
            json!({"assets": over, "locales": ["en-us"], "environments": ["development"]}),
            123,
        ),
        (
            json!({"assets": [{"uid": c["uid"]}], "locales": ["en-us"], "environments": ["nowhere"]}),
            141,
        ),
        (
            json!({"assets": [{"uid": c["uid"]}], "entries": [{"uid": "e"}], "locales": ["en-us"], "environments": ["development"]}),
            120,
        ),
    ] {
        let (status, answer) = send(server.post("/v3/bulk/publish").json(&body)).await;
        assert_error(status, &answer, 422, code);
    }
    assert_eq!(
        details(&server, c["uid"].as_str().unwrap()).await,
        json!([])
    );
    let (status, answer) = send(server.post("/v3/bulk/unpublish").json(&json!({"assets": [{"uid": a["uid"], "version": 1}], "locales": ["en-us"], "environments": ["development"]}))).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        details(&server, a["uid"].as_str().unwrap()).await,
        json!([])
    );
}

#[tokio::test]
async fn delivery_tokens_name_environments_and_answer_with_them_expanded() {
    let server = TestServer::start().await;
    let body = json!({"token": {"name": "site", "description": "d", "scope": [{"module": "environment", "environments": ["development"], "acl": {"read": true}}, {"module": "branch", "branches": ["main"], "acl": {"read": true}}]}});
    let (status, created) = send(server.post("/v3/stacks/delivery_tokens").json(&body)).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["notice"], "Delivery Token created successfully.");
    let token = &created["token"];
    let value = token["token"].as_str().unwrap();
    assert!(
        value.len() == 26
            && value.starts_with("cs")
            && value[2..].chars().all(|c| c.is_ascii_hexdigit()),
        "{value}"
    );
    assert_eq!(token["scope"][0]["environments"][0]["name"], "development");
    let uid = token["uid"].as_str().unwrap();
    // The whole fetched object sent back is accepted; the value stays.
    let mut whole = token.clone();
    whole["name"] = "renamed".into();
    let (status, updated) = send(
        server
            .put(&format!("/v3/stacks/delivery_tokens/{uid}"))
            .json(&json!({"token": whole})),
    )
    .await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["token"]["name"], "renamed");
    assert_eq!(updated["token"]["token"], value);
    let bad = json!({"token": {"name": "x", "scope": [{"module": "environment", "environments": ["nowhere"]}, {"module": "branch", "branches": ["main"]}]}});
    let (status, answer) = send(server.post("/v3/stacks/delivery_tokens").json(&bad)).await;
    assert_error(status, &answer, 422, 141);
    let (status, answer) = send(server.delete(&format!("/v3/stacks/delivery_tokens/{uid}"))).await;
    assert_eq!(status, 200);
    assert_eq!(answer["notice"], "Delivery Token deleted successfully.");
    let (_, list) = send(server.get("/v3/stacks/delivery_tokens")).await;
    assert_eq!(list["tokens"], json!([]));
}

#[tokio::test]
async fn a_preview_token_is_added_renewed_and_taken_away() {
    let server = TestServer::start().await;
    let body = json!({"token": {"name": "preview", "scope": [{"module": "environment", "environments": ["development"]}, {"module": "branch", "branches": ["main"]}]}});
    let (status, created) = send(server.post("/v3/stacks/delivery_tokens").json(&body)).await;
    assert_eq!(status, 201, "{created}");
    let uid = created["token"]["uid"].as_str().unwrap().to_owned();
    assert!(
        created["token"]
            .get("preview_token")
            .is_none_or(Value::is_null),
        "{created}"
    );
    let path = format!("/v3/stacks/delivery_tokens/{uid}/preview_token");
    let (status, first) = send(server.post(&path)).await;
    assert_eq!(status, 201, "{first}");
    assert_eq!(first["notice"], "Preview token created successfully.");
    let preview = first["token"]["preview_token"].as_str().unwrap().to_owned();
    assert!(
        preview.starts_with("cs") && preview.len() == 26,
        "{preview}"
    );
    assert_ne!(preview, first["token"]["token"].as_str().unwrap());
    let (_, again) = send(server.post(&path)).await;
    assert_ne!(
        again["token"]["preview_token"],
        preview.as_str(),
        "a new one each time"
    );
    let (status, deleted) = send(server.delete(&path)).await;
    assert_eq!(status, 200, "{deleted}");
    assert_eq!(deleted["notice"], "Preview token deleted successfully.");
    let (_, fetched) = send(server.get(&format!("/v3/stacks/delivery_tokens/{uid}"))).await;
    assert!(
        fetched["token"]
            .get("preview_token")
            .is_none_or(Value::is_null),
        "{fetched}"
    );
    let (status, answer) =
        send(server.post("/v3/stacks/delivery_tokens/nosuchtoken/preview_token")).await;
    assert!(status.is_client_error(), "{status} {answer}");
    assert!(answer["error_code"].is_u64(), "{answer}");
}

#[tokio::test]
async fn a_scheduled_publish_happens_on_its_own_when_real_time_reaches_it() {
    let server = TestServer::start().await;
    let asset = server.upload("soon.txt", b"s", &[]).await;
    let uid = asset["uid"].as_str().unwrap();
    let now = stack_now(&server).await;
    let soon = now + chrono::TimeDelta::milliseconds(1500);
    let mut body = to(&["development"], &["en-us"]);
    body["scheduled_at"] = soon
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
        .into();
    let (status, answer) = publish(&server, uid, body).await;
    assert_eq!(status, 201, "{answer}");
    assert_eq!(
        details(&server, uid).await,
        json!([]),
        "not before its time"
    );
    // Nobody moves the clock: the background task applies it (it looks every second).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let published = details(&server, uid).await;
        if published
            .as_array()
            .is_some_and(|records| records.len() == 1)
        {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "still unpublished: {published}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn versions_can_be_named_and_permanent_urls_set_once() {
    let server = TestServer::start().await;
    let asset = server.upload("n.txt", b"one", &[]).await;
    let uid = asset["uid"].as_str().unwrap();
    let (status, body) = send(
        server
            .post(&format!("/v3/assets/{uid}/versions/1/name"))
            .json(&json!({"upload": {"_version_name": "First"}})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["notice"], "Version name assigned successfully.");
    let (_, versions) = send(server.get(&format!("/v3/assets/{uid}/versions"))).await;
    assert_eq!(
        versions["versions"][0]["_version_name"]["title"], "First",
        "{versions}"
    );
    let (status, body) = send(
        server
            .post(&format!("/v3/assets/{uid}/versions/9/name"))
            .json(&json!({"upload": {"_version_name": "x"}})),
    )
    .await;
    assert_error(status, &body, 422, 120);
    let (status, _) = send(server.delete(&format!("/v3/assets/{uid}/versions/1/name"))).await;
    assert_eq!(status, 204);
    let (_, versions) = send(server.get(&format!("/v3/assets/{uid}/versions"))).await;
    assert!(versions["versions"][0].get("_version_name").is_none());

    let (status, body) = send(server.put(&format!("/v3/assets/{uid}")).json(
        &json!({"asset": {"permanent_url": "https://images.example/v3/assets/k/u/my-slug.txt"}}),
    ))
    .await;
    assert_eq!(status, 200, "{body}");
    let permanent = body["asset"]["permanent_url"].as_str().unwrap().to_owned();
    assert!(
        permanent.ends_with(&format!("/v3/assets/{API_KEY}/{uid}/my-slug.txt")),
        "{permanent}"
    );
    let (status, body) = send(
        server
            .put(&format!("/v3/assets/{uid}"))
            .json(&json!({"asset": {"permanent_url": "other"}})),
    )
    .await;
    assert_error(status, &body, 422, 120);
    // It serves the latest version, as does the uid without a slug.
    send(
        server
            .put(&format!("/v3/assets/{uid}"))
            .multipart(upload_form("n.txt", b"two", &[])),
    )
    .await;
    for url in [
        permanent.clone(),
        server.url(&format!("/v3/assets/{API_KEY}/{uid}")),
    ] {
        let response = server.client.get(&url).send().await.unwrap();
        assert_eq!(response.status(), 200, "{url}");
        assert_eq!(response.text().await.unwrap(), "two");
    }
    let response = server
        .client
        .get(server.url(&format!("/v3/assets/{API_KEY}/{uid}/wrong")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    let (status, body) = send(server.get(&format!("/v3/assets/{uid}/references"))).await;
    assert_eq!(status, 200);
    assert_eq!(body, json!({"references": []}));
}
