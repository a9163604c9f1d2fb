//! The stack around the assets through HTTP: the stack object and its settings, the
//! `main` branch, management tokens (scope, expiry), what answers as an empty stack,
//! and the asset extras (`_branch`, `_metadata`, `_asset_scan_status`, `environment=`).

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::*;

fn branch_scope() -> Value {
    json!({"module": "branch", "branches": ["main"], "acl": {"read": true}})
}

#[tokio::test]
async fn the_stack_is_fetched_renamed_and_described() {
    let server = TestServer::start().await;
    let (status, body) = send(server.get("/v3/stacks")).await;
    assert_eq!(status, 200, "{body}");
    let stack = &body["stack"];
    assert_eq!(stack["api_key"], API_KEY);
    assert_eq!(stack["name"], "Local");
    assert_eq!(stack["master_locale"], "en-us");
    assert!(stack["org_uid"].as_str().unwrap().starts_with("blt"));
    assert!(stack["uid"].as_str().unwrap().starts_with("blt"));
    assert_ne!(stack["uid"], API_KEY);
    assert!(stack["settings"].is_object());
    assert!(stack.get("collaborators").is_none());

    let (_, with) = send(server.get("/v3/stacks?include_collaborators=true")).await;
    assert_eq!(
        with["stack"]["collaborators"][0]["username"],
        "Local Developer"
    );

    // The JS SDK sends the whole fetched object back.
    let mut whole = stack.clone();
    whole["name"] = json!("Renamed");
    whole["description"] = json!("A test stack");
    let (status, updated) = send(server.put("/v3/stacks").json(&json!({"stack": whole}))).await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["notice"], "Stack updated successfully.");
    assert_eq!(updated["stack"]["name"], "Renamed");
    assert_eq!(updated["stack"]["description"], "A test stack");
    assert_eq!(
        updated["stack"]["api_key"], API_KEY,
        "the api key never changes"
    );
    let (_, fetched) = send(server.get("/v3/stacks")).await;
    assert_eq!(fetched["stack"]["name"], "Renamed");
    let (_, listed) = send(control(&server, Method::GET, "/_mock/stacks")).await;
    assert_eq!(listed["stacks"][0]["name"], "Renamed");

    let (status, body) = send(
        server
            .put("/v3/stacks")
            .json(&json!({"stack": {"name": "  "}})),
    )
    .await;
    assert_error(status, &body, 422, 120);
    assert!(body["errors"]["name"].is_array());
    let (status, body) = send(
        server
            .put("/v3/stacks")
            .json(&json!({"stack": {"name": "x".repeat(256)}})),
    )
    .await;
    assert_error(status, &body, 422, 120);
    let (_, fetched) = send(server.get("/v3/stacks")).await;
    assert_eq!(fetched["stack"]["name"], "Renamed", "nothing changed");

    let (status, body) =
        send(server.request_as(Method::GET, "/v3/stacks", "bltnosuchstack", TOKEN)).await;
    assert_error(status, &body, 412, 109);
}

#[tokio::test]
async fn stack_settings_are_read_set_and_reset() {
    let server = TestServer::start().await;
    let (status, body) = send(server.get("/v3/stacks/settings")).await;
    assert_eq!(status, 200, "{body}");
    for section in [
        "stack_variables",
        "discrete_variables",
        "live_preview",
        "rte",
    ] {
        assert_eq!(body["stack_settings"][section], json!({}), "{section}");
    }
    let set = json!({"stack_settings": {"stack_variables": {"enforce_unique_urls": true}, "rte": {"cs_only_breakline": true}}});
    let (status, body) = send(server.post("/v3/stacks/settings").json(&set)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["notice"], "Stack settings updated successfully.");
    assert_eq!(
        body["stack_settings"]["stack_variables"]["enforce_unique_urls"],
        true
    );
    let (_, read) = send(server.get("/v3/stacks/settings")).await;
    assert_eq!(read["stack_settings"]["rte"]["cs_only_breakline"], true);
    // The JS SDK's resetSettings.
    let reset = json!({"stack_settings": {"discrete_variables": {}, "stack_variables": {}}});
    let (_, body) = send(server.post("/v3/stacks/settings").json(&reset)).await;
    assert_eq!(body["stack_settings"]["stack_variables"], json!({}));
    assert_eq!(
        body["stack_settings"]["rte"]["cs_only_breakline"], true,
        "untouched"
    );

    for bad in [
        json!({"stack_settings": {"nonsense": {}}}),
        json!({"stack_settings": {"rte": "text"}}),
        json!({"stack_settings": {"rte": {"big": "x".repeat(70_000)}}}),
        json!({}),
    ] {
        let (status, body) = send(server.post("/v3/stacks/settings").json(&bad)).await;
        assert_error(status, &body, 422, 120);
    }
    let (_, read) = send(server.get("/v3/stacks/settings")).await;
    assert_eq!(
        read["stack_settings"]["rte"],
        json!({"cs_only_breakline": true})
    );
}

#[tokio::test]
async fn the_main_branch_exists_and_no_other() {
    let server = TestServer::start().await;
    let (status, body) = send(server.get("/v3/stacks/branches?include_count=true")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["count"], 1);
    assert_eq!(body["branches"][0]["uid"], "main");
    assert_eq!(body["branches"][0]["source"], "");
    let (status, body) = send(server.get("/v3/stacks/branches/main")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["branch"]["uid"], "main");
    let (status, body) = send(server.get("/v3/stacks/branches/develop")).await;
    assert_error(status, &body, 422, 141);
    let (status, body) = send(
        server
            .post("/v3/stacks/branches")
            .json(&json!({"branch": {"uid": "develop", "source": "main"}})),
    )
    .await;
    assert_error(status, &body, 403, 126);
    let (_, body) = send(server.get("/v3/stacks/branch_aliases")).await;
    assert_eq!(body["branch_aliases"], json!([]));

    // The `branch` header: main (or none) is fine, another is refused, and
    // include_branch adds `_branch`.
    let asset = server.upload("a.txt", b"a", &[]).await;
    let uid = asset["uid"].as_str().unwrap();
    let (status, body) = send(
        server
            .get(&format!("/v3/assets/{uid}?include_branch=true"))
            .header("branch", "main"),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["asset"]["_branch"], "main");
    let (_, body) = send(server.get(&format!("/v3/assets/{uid}"))).await;
    assert!(body["asset"].get("_branch").is_none());
    let (_, body) = send(server.get("/v3/assets?include_branch=true&include_folders=true")).await;
    assert_eq!(body["assets"][0]["_branch"], "main");
    let (status, body) = send(server.get("/v3/assets").header("branch", "develop")).await;
    assert_error(status, &body, 422, 141);
    assert!(body["errors"]["branch"].is_array(), "{body}");
}

async fn create_management_token(
    server: &TestServer,
    scope: Value,
    expires_on: Option<&str>,
) -> Value {
    let mut token = json!({"name": "ci", "description": "for CI", "scope": scope});
    if let Some(at) = expires_on {
        token["expires_on"] = json!(at);
    }
    let (status, body) = send(
        server
            .post("/v3/stacks/management_tokens")
            .json(&json!({"token": token})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["notice"], "Management Token created successfully.");
    body["token"].clone()
}

#[tokio::test]
async fn management_tokens_are_made_listed_changed_and_deleted() {
    let server = TestServer::start().await;
    let scope = json!([{"module": "asset", "acl": {"read": true, "write": true}}, branch_scope()]);
    let made = create_management_token(&server, scope.clone(), Some("2999-12-31")).await;
    let uid = made["uid"].as_str().unwrap();
    let value = made["token"].as_str().unwrap();
    assert!(value.starts_with("cs") && value.len() == 34, "{value}");
    assert_eq!(made["scope"], scope);
    assert_eq!(made["expires_on"], "2999-12-31");

    let (status, list) = send(server.get("/v3/stacks/management_tokens?include_count=true")).await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["count"], 1);
    assert_eq!(list["tokens"][0]["uid"], uid);
    assert!(
        list["tokens"][0].get("token").is_none(),
        "the value is shown once"
    );
    let (_, one) = send(server.get(&format!("/v3/stacks/management_tokens/{uid}"))).await;
    assert_eq!(one["token"]["name"], "ci");

    let mut whole = one["token"].clone();
    whole["name"] = json!("renamed");
    let (status, updated) = send(
        server
            .put(&format!("/v3/stacks/management_tokens/{uid}"))
            .json(&json!({"token": whole})),
    )
    .await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["notice"], "Management Token updated successfully.");
    assert_eq!(updated["token"]["name"], "renamed");

    // It opens its stack, and only its stack.
    let (status, _) = send(server.request_as(Method::GET, "/v3/assets", API_KEY, value)).await;
    assert_eq!(status, 200);
    let (other_key, _) = create_stack(&server, "other").await;
    let (status, body) =
        send(server.request_as(Method::GET, "/v3/assets", &other_key, value)).await;
    assert_error(status, &body, 401, 105);

    let (status, body) = send(server.delete(&format!("/v3/stacks/management_tokens/{uid}"))).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["notice"], "Management Token deleted successfully.");
    let (status, body) = send(server.request_as(Method::GET, "/v3/assets", API_KEY, value)).await;
    assert_error(status, &body, 401, 105);
    let (status, body) = send(server.get(&format!("/v3/stacks/management_tokens/{uid}"))).await;
    assert_error(status, &body, 422, 141);
    let (status, body) = send(server.delete(&format!("/v3/stacks/management_tokens/{uid}"))).await;
    assert_error(status, &body, 422, 141);
}

#[tokio::test]
async fn management_token_scopes_and_expiry_are_honoured() {
    let server = TestServer::start().await;
    let read_only = create_management_token(
        &server,
        json!([{"module": "asset", "acl": {"read": true}}, branch_scope()]),
        None,
    )
    .await;
    let reader = read_only["token"].as_str().unwrap();
    let (status, _) = send(server.request_as(Method::GET, "/v3/assets", API_KEY, reader)).await;
    assert_eq!(status, 200);
    let form = upload_form("a.txt", b"a", &[]);
    let (status, body) = send(
        server
            .request_as(Method::POST, "/v3/assets", API_KEY, reader)
            .multipart(form),
    )
    .await;
    assert_error(status, &body, 403, 161);
    assert!(body["errors"]["scope.asset"].is_array(), "{body}");
    assert_eq!(server.list_uids("").await.len(), 0, "nothing was uploaded");

    let no_assets = create_management_token(
        &server,
        json!([{"module": "content_type", "acl": {"read": true, "write": true}}, branch_scope()]),
        None,
    )
    .await;
    let other = no_assets["token"].as_str().unwrap();
    let (status, body) = send(server.request_as(Method::GET, "/v3/assets", API_KEY, other)).await;
    assert_error(status, &body, 403, 161);
    let (status, _) =
        send(server.request_as(Method::GET, "/v3/environments", API_KEY, other)).await;
    assert_eq!(
        status, 200,
        "outside the asset calls, the token opens the stack"
    );

    // Expiry on the stack's clock.
    let expiring = create_management_token(
        &server,
        json!([{"module": "asset", "acl": {"read": true, "write": true}}, branch_scope()]),
        Some("2999-01-01T00:00:00Z"),
    )
    .await;
    let value = expiring["token"].as_str().unwrap();
    let (status, _) = send(server.request_as(Method::GET, "/v3/assets", API_KEY, value)).await;
    assert_eq!(status, 200);
    let (status, body) = send(
        control(
            &server,
            Method::PUT,
            &format!("/_mock/stacks/{API_KEY}/clock"),
        )
        .json(&json!({"now": "2999-01-02T00:00:00Z"})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = send(server.request_as(Method::GET, "/v3/assets", API_KEY, value)).await;
    assert_error(status, &body, 401, 105);
    let (status, _) = send(server.request_as(Method::GET, "/v3/assets", API_KEY, reader)).await;
    assert_eq!(status, 200, "a token without expiry still works");
}

#[tokio::test]
async fn management_tokens_need_a_name_a_branch_and_a_future_expiry() {
    let server = TestServer::start().await;
    let asset = json!({"module": "asset", "acl": {"read": true}});
    for (token, field) in [
        (json!({"scope": [asset, branch_scope()]}), "name"),
        (
            json!({"name": "x", "scope": [{"module": "content_type", "acl": {"read": true, "write": false}}]}),
            "scope.branch_or_alias",
        ),
        (
            json!({"name": "x", "scope": [asset, {"module": "branch", "branches": ["develop"], "acl": {"read": true}}]}),
            "scope.branches",
        ),
        (
            json!({"name": "x", "scope": [asset, branch_scope()], "expires_on": "2001-01-01"}),
            "expires_on",
        ),
        (
            json!({"name": "x", "scope": [asset, branch_scope()], "expires_on": "tomorrow"}),
            "expires_on",
        ),
    ] {
        let (status, body) = send(
            server
                .post("/v3/stacks/management_tokens")
                .json(&json!({"token": token})),
        )
        .await;
        assert_eq!(status, 422, "{body}");
        assert!(body["errors"][field].is_array(), "{field}: {body}");
    }
    let (_, list) = send(server.get("/v3/stacks/management_tokens")).await;
    assert_eq!(list["tokens"], json!([]), "nothing was made");
}

#[tokio::test]
async fn an_eleventh_management_token_retires_the_oldest() {
    let server = TestServer::start().await;
    let scope = json!([{"module": "asset", "acl": {"read": true}}, branch_scope()]);
    let mut values = Vec::new();
    for _ in 0..11 {
        let made = create_management_token(&server, scope.clone(), None).await;
        values.push(made["token"].as_str().unwrap().to_owned());
    }
    let (_, list) = send(server.get("/v3/stacks/management_tokens?include_count=true")).await;
    assert_eq!(list["count"], 10);
    let (status, _) = send(server.request_as(Method::GET, "/v3/assets", API_KEY, &values[0])).await;
    assert_eq!(status, 401, "the oldest stopped working");
    let (status, _) =
        send(server.request_as(Method::GET, "/v3/assets", API_KEY, &values[10])).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn management_tokens_survive_a_restart_and_go_with_their_stack() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_in(dir.path(), &[]);
    let (key, token) = create_stack(&server, "tokens").await;
    let body = json!({"token": {"name": "t", "scope": [{"module": "asset", "acl": {"read": true}}, branch_scope()]}});
    let (status, made) = send(
        server
            .request_as(Method::POST, "/v3/stacks/management_tokens", &key, &token)
            .json(&body),
    )
    .await;
    assert_eq!(status, 201, "{made}");
    let value = made["token"]["token"].as_str().unwrap().to_owned();
    drop(server);
    let server = TestServer::start_in(dir.path(), &[]);
    let (status, _) = send(server.request_as(Method::GET, "/v3/assets", &key, &value)).await;
    assert_eq!(status, 200, "the token works after a restart");
    let (status, _) = send(control(
        &server,
        Method::DELETE,
        &format!("/_mock/stacks/{key}"),
    ))
    .await;
    assert_eq!(status, 200);
    let (status, _) = send(server.request_as(Method::GET, "/v3/assets", API_KEY, &value)).await;
    assert_eq!(status, 401, "a deleted stack's tokens open nothing");
}

#[tokio::test]
async fn what_is_not_emulated_answers_as_an_empty_stack() {
    let server = TestServer::start().await;
    for (path, key) in [
        ("/v3/content_types?include_count=true", "content_types"),
        ("/v3/global_fields?include_count=true", "global_fields"),
        ("/v3/roles?include_count=true", "roles"),
        ("/v3/workflows?include_count=true", "workflows"),
        (
            "/v3/workflows/publishing_rules?include_count=true",
            "publishing_rules",
        ),
        ("/v3/extensions?include_count=true", "extensions"),
        ("/v3/webhooks?include_count=true", "webhooks"),
        ("/v3/taxonomies?include_count=true", "taxonomies"),
        ("/v3/labels?include_count=true", "labels"),
        ("/v3/releases?include_count=true", "releases"),
    ] {
        let (status, body) = send(server.get(path)).await;
        assert_eq!(status, 200, "{path}: {body}");
        assert_eq!(body, json!({key: [], "count": 0}), "{path}");
    }
    let (_, body) = send(server.get("/v3/content_types?count=true")).await;
    assert_eq!(body, json!({"content_types": 0}));
    let (status, body) = send(server.get("/v3/content_types/page")).await;
    assert_error(status, &body, 422, 118);
    assert_eq!(
        body["error_message"],
        "The Content Type 'page' was not found. Please try again."
    );
    let (status, body) = send(server.get("/v3/content_types/page/entries?locale=en-us")).await;
    assert_error(status, &body, 422, 118);
    for path in [
        "/v3/roles/blt1",
        "/v3/webhooks/blt1",
        "/v3/taxonomies/colors",
        "/v3/labels/blt1",
    ] {
        let (status, body) = send(server.get(path)).await;
        assert_error(status, &body, 404, 141);
        assert_eq!(body["errors"]["uid"], json!(["is not valid."]), "{path}");
    }
    let (status, body) = send(
        server
            .post("/v3/content_types")
            .json(&json!({"content_type": {"title": "Page", "uid": "page"}})),
    )
    .await;
    assert_error(status, &body, 422, 120);
    let (_, body) = send(server.get("/v3/content_types")).await;
    assert_eq!(body, json!({"content_types": []}), "nothing was stored");
    let (status, body) = send(server.request_as(Method::GET, "/v3/roles", API_KEY, "wrong")).await;
    assert_error(status, &body, 401, 105);
}

#[tokio::test]
async fn delivery_tokens_need_a_branch_or_alias_in_their_scope() {
    let server = TestServer::start().await;
    let environment =
        json!({"module": "environment", "environments": ["development"], "acl": {"read": true}});
    for scope in [
        json!([environment]),
        json!([{"module": "environment", "environments": [], "acl": {"read": true}}]),
    ] {
        let body = json!({"token": {"name": "site", "scope": scope}});
        let (status, answer) = send(server.post("/v3/stacks/delivery_tokens").json(&body)).await;
        assert_eq!(status, 422, "{answer}");
        assert!(
            answer["errors"]["scope.branch_or_alias"].is_array(),
            "{answer}"
        );
    }
    let body = json!({"token": {"name": "site", "scope": [environment, {"module": "branch", "branches": ["develop"], "acl": {"read": true}}]}});
    let (status, answer) = send(server.post("/v3/stacks/delivery_tokens").json(&body)).await;
    assert_error(status, &answer, 422, 141);
    let (_, list) = send(server.get("/v3/stacks/delivery_tokens")).await;
    assert_eq!(list["tokens"], json!([]), "nothing was made");

    let body = json!({"token": {"name": "site", "scope": [environment, branch_scope()]}});
    let (status, made) = send(server.post("/v3/stacks/delivery_tokens").json(&body)).await;
    assert_eq!(status, 201, "{made}");
    let uid = made["token"]["uid"].as_str().unwrap();
    assert_eq!(made["token"]["scope"][1]["branches"], json!(["main"]));
    // Deleting a preview token that is not there is an error; one that is, is not.
    let path = format!("/v3/stacks/delivery_tokens/{uid}/preview_token");
    let (status, body) = send(server.delete(&path)).await;
    assert_error(status, &body, 422, 141);
    assert!(body["errors"]["preview_token"].is_array());
    let (status, _) = send(server.post(&path)).await;
    assert_eq!(status, 201);
    let (status, body) = send(server.delete(&path)).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn locale_codes_follow_contentstacks_rules() {
    let server = TestServer::start().await;
    for code in [
        "invalid-code-format",
        "x",
        "-fr",
        "fr-",
        "fr--ca",
        "fr_ca",
        "fr ca",
    ] {
        let (status, body) = send(
            server
                .post("/v3/locales")
                .json(&json!({"locale": {"code": code, "name": "Bad"}})),
        )
        .await;
        assert_error(status, &body, 422, 120);
        assert!(body["errors"]["code"].is_array(), "{code}: {body}");
    }
    let (status, body) = send(
        server
            .post("/v3/locales")
            .json(&json!({"locale": {"code": "fr", "name": "x".repeat(51)}})),
    )
    .await;
    assert_error(status, &body, 422, 120);
    for code in ["fr", "zh-hant-tw", "es-419", "cy-az-az"] {
        let (status, body) = send(
            server
                .post("/v3/locales")
                .json(&json!({"locale": {"code": code, "name": code}})),
        )
        .await;
        assert_eq!(status, 201, "{code}: {body}");
    }
}

#[tokio::test]
async fn scan_status_and_metadata_are_shown_when_asked() {
    let server = TestServer::start().await;
    let asset = server.upload("a.txt", b"a", &[]).await;
    let uid = asset["uid"].as_str().unwrap();
    let (_, body) = send(server.get(&format!(
        "/v3/assets/{uid}?include_asset_scan_status=true&include_metadata=true"
    )))
    .await;
    assert_eq!(body["asset"]["_asset_scan_status"], "not_scanned");
    assert_eq!(body["asset"]["_metadata"], json!({"extensions": {}}));
    let (_, plain) = send(server.get(&format!("/v3/assets/{uid}"))).await;
    assert!(plain["asset"].get("_asset_scan_status").is_none());
    assert!(plain["asset"].get("_metadata").is_none());

    let path = format!("/_mock/stacks/{API_KEY}/assets/{uid}/scan_status");
    let (status, body) =
        send(control(&server, Method::PUT, &path).json(&json!({"status": "quarantined"}))).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["_asset_scan_status"], "quarantined");
    let (_, body) = send(server.get("/v3/assets?include_asset_scan_status=true")).await;
    assert_eq!(body["assets"][0]["_asset_scan_status"], "quarantined");

    let (status, body) =
        send(control(&server, Method::PUT, &path).json(&json!({"status": "infected"}))).await;
    assert_error(status, &body, 422, 120);
    let missing = format!("/_mock/stacks/{API_KEY}/assets/blt0123456789abcdef/scan_status");
    let (status, body) =
        send(control(&server, Method::PUT, &missing).json(&json!({"status": "clean"}))).await;
    assert_error(status, &body, 422, 145);
    let (status, body) = send(
        control(
            &server,
            Method::PUT,
            "/_mock/stacks/nosuch/assets/x/scan_status",
        )
        .json(&json!({"status": "clean"})),
    )
    .await;
    assert_error(status, &body, 404, 404);
    let (status, _) =
        send(control(&server, Method::PUT, &path).json(&json!({"status": "not_scanned"}))).await;
    assert_eq!(status, 200);
    let (_, body) =
        send(server.get(&format!("/v3/assets/{uid}?include_asset_scan_status=true"))).await;
    assert_eq!(body["asset"]["_asset_scan_status"], "not_scanned");
}

#[tokio::test]
async fn the_management_api_reads_an_environment_as_published_there() {
    let server = TestServer::start().await;
    let published = server.upload("p.txt", b"first", &[]).await;
    let uid = published["uid"].as_str().unwrap();
    let draft = server.upload("d.txt", b"draft", &[]).await;
    let body = json!({"asset": {"environments": ["development"], "locales": ["en-us"]}});
    let (status, _) = send(
        server
            .post(&format!("/v3/assets/{uid}/publish"))
            .json(&body),
    )
    .await;
    assert_eq!(status, 201);
    // A new version that is not published.
    let form = upload_form("p.txt", b"second version", &[]);
    let (status, _) = send(server.put(&format!("/v3/assets/{uid}")).multipart(form)).await;
    assert_eq!(status, 200);

    let (_, all) = send(server.get("/v3/assets?include_count=true")).await;
    assert_eq!(all["count"], 2);
    let (status, listed) =
        send(server.get("/v3/assets?environment=development&include_count=true")).await;
    assert_eq!(status, 200, "{listed}");
    assert_eq!(listed["count"], 1);
    assert_eq!(listed["assets"][0]["uid"], uid);
    assert_eq!(
        listed["assets"][0]["_version"], 1,
        "the version published there"
    );
    let (_, one) = send(server.get(&format!("/v3/assets/{uid}?environment=development"))).await;
    assert_eq!(one["asset"]["_version"], 1);
    let (_, latest) = send(server.get(&format!("/v3/assets/{uid}"))).await;
    assert_eq!(latest["asset"]["_version"], 2);
    let draft_uid = draft["uid"].as_str().unwrap();
    let (status, body) =
        send(server.get(&format!("/v3/assets/{draft_uid}?environment=development"))).await;
    assert_error(status, &body, 422, 145);
    let (status, body) = send(server.get("/v3/assets?environment=nowhere")).await;
    assert_error(status, &body, 422, 141);
}
