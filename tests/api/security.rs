//! What keeps the mock a sandbox: served files never run as pages of its origin, other
//! web sites (and DNS-rebinding pages) cannot reach `/_mock` or the UI, and the rough
//! edges an attacker probes answer in the documented shape.

use std::io::Write;

use reqwest::header::{HOST, ORIGIN};
use serde_json::json;

use crate::helpers::*;

const PAGE: &[u8] = b"<!doctype html><script>fetch('/_mock/stacks')</script>";
const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52, 0, 0, 0,
    3, 0, 0, 0, 2, 8, 2, 0, 0, 0,
];

/// Uploads `bytes` as `filename`, declared as `content_type`; returns the asset.
async fn upload_as(
    server: &TestServer,
    filename: &str,
    content_type: &str,
    bytes: &[u8],
) -> serde_json::Value {
    let part = reqwest::multipart::Part::bytes(bytes.to_vec())
        .file_name(filename.to_owned())
        .mime_str(content_type)
        .unwrap();
    let form = reqwest::multipart::Form::new().part("asset[upload]", part);
    let (status, body) = send(server.post("/v3/assets").multipart(form)).await;
    assert_eq!(status, 201, "{body}");
    body["asset"].clone()
}

#[tokio::test]
async fn served_files_are_sandboxed_and_markup_is_a_download() {
    let server = TestServer::start().await;
    let page = upload_as(&server, "photo.png", "text/html", PAGE).await;
    assert_eq!(page["content_type"], "text/html");
    let answer = server
        .client
        .get(page["url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let csp = answer.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("sandbox") && csp.contains("default-src 'none'"),
        "{csp}"
    );
    assert_eq!(answer.headers()["content-disposition"], "attachment");
    assert_eq!(answer.headers()["x-content-type-options"], "nosniff");

    // Every file is sandboxed, but only active types are downloads.
    let image = upload_as(&server, "dot.png", "image/png", PNG).await;
    let answer = server
        .client
        .get(image["url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert!(
        answer.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("sandbox")
    );
    assert!(answer.headers().get("content-disposition").is_none());
    for (name, declared) in [
        ("icon.svg", "image/svg+xml"),
        ("feed.xml", "application/xml"),
        ("page.xhtml", "application/xhtml+xml"),
    ] {
        let asset = upload_as(
            &server,
            name,
            declared,
            b"<svg xmlns='http://www.w3.org/2000/svg'/>",
        )
        .await;
        let answer = server
            .client
            .get(asset["url"].as_str().unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(
            answer.headers()["content-disposition"],
            "attachment",
            "{name}"
        );
    }

    // A file declared as HTML that is not markup is stored as what it is.
    let png = upload_as(&server, "photo.png", "text/html", PNG).await;
    assert_eq!(png["content_type"], "image/png");
    let answer = server
        .client
        .get(png["url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(answer.headers()["content-type"], "image/png");
    let blob = upload_as(&server, "blob.html", "text/html", b"\x00\x01binary").await;
    assert_eq!(blob["content_type"], "application/octet-stream");

    // --inline-active-files: inline, still sandboxed.
    let inline = TestServer::start_with(&["--inline-active-files"]).await;
    let page = upload_as(&inline, "page.html", "text/html", PAGE).await;
    let answer = inline
        .client
        .get(page["url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert!(answer.headers().get("content-disposition").is_none());
    assert!(
        answer.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("sandbox")
    );
}

#[tokio::test]
async fn a_foreign_host_reaches_neither_the_mock_api_nor_the_ui() {
    let server = TestServer::start().await;
    // A DNS-rebinding page: its requests carry the attacker's own name.
    for path in ["/_mock/stacks", "/ui/", "/ui/app.js", "/"] {
        let (status, body) = send(
            server
                .client
                .get(server.url(path))
                .header(HOST, "rebind.attacker.example.com:8484"),
        )
        .await;
        assert_error(status, &body, 403, 403);
        assert!(body["errors"]["host"].is_array(), "{body}");
    }
    let (status, body) = send(
        server
            .client
            .post(server.url("/_mock/reset"))
            .header(HOST, "rebind.attacker.example.com"),
    )
    .await;
    assert_error(status, &body, 403, 403);
    // The API itself, the file host and health answer any name.
    let (status, _) = send(server.get("/v3/assets").header(HOST, "cma.example.com")).await;
    assert_eq!(status, 200);
    let (status, _) = send(
        server
            .client
            .get(server.url("/_mock/health"))
            .header(HOST, "probe.example.com"),
    )
    .await;
    assert_eq!(status, 200);
    // Names no web site can have: loopback, addresses, compose services, .internal.
    for host in [
        "localhost:1234",
        "127.0.0.1",
        "[::1]:80",
        "172.17.0.1:32768",
        "contentstack-mock:8484",
        "host.docker.internal:49153",
        "mock.test",
    ] {
        let (status, body) = send(
            server
                .client
                .get(server.url("/_mock/stacks"))
                .header(HOST, host),
        )
        .await;
        assert_eq!(status, 200, "{host}: {body}");
    }

    let flagged = TestServer::start_with(&[
        "--allowed-hosts",
        "mock.example.com,.corp.example.org",
        "--public-url",
        "https://assets.example.net",
    ])
    .await;
    for host in [
        "mock.example.com:8484",
        "a.corp.example.org",
        "assets.example.net",
    ] {
        let (status, body) = send(flagged.client.get(flagged.url("/ui/")).header(HOST, host)).await;
        assert_eq!(status, 200, "{host}: {body}");
    }
    let (status, _) = send(
        flagged
            .client
            .get(flagged.url("/ui/"))
            .header(HOST, "evil.example.com"),
    )
    .await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn other_origins_cannot_read_or_change_the_mock_api() {
    let server = TestServer::start().await;
    let (key, _) = create_stack(&server, "kept").await;
    let evil = "http://evil.example.com";
    // No CORS on /_mock: a preflight is refused, an answer carries no allow-origin.
    let preflight = server
        .client
        .request(reqwest::Method::OPTIONS, server.url("/_mock/stacks"))
        .header(ORIGIN, evil)
        .header("access-control-request-method", "POST")
        .send()
        .await
        .unwrap();
    assert_eq!(preflight.status(), 403);
    assert!(
        preflight
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
    let list = server
        .client
        .get(server.url("/_mock/stacks"))
        .send()
        .await
        .unwrap();
    assert!(list.headers().get("access-control-allow-origin").is_none());
    // A simple cross-site POST (a form, or fetch with no-cors) is refused, and so is `null`.
    for origin in [evil, "null", "http://localhost:3000"] {
        let (status, body) = send(
            server
                .client
                .post(server.url("/_mock/reset"))
                .header(ORIGIN, origin),
        )
        .await;
        assert_error(status, &body, 403, 403);
        assert!(body["errors"]["origin"].is_array(), "{body}");
    }
    let (status, _) = send(
        server
            .client
            .delete(server.url(&format!("/_mock/stacks/{key}")))
            .header(ORIGIN, evil),
    )
    .await;
    assert_eq!(status, 403);
    let (_, stacks) = send(control(&server, reqwest::Method::GET, "/_mock/stacks")).await;
    assert_eq!(stacks["count"], 2, "nothing was reset: {stacks}");
    // The mock's own pages (same origin) may.
    let own = server.base.clone();
    let (status, body) = send(
        server
            .client
            .post(server.url("/_mock/stacks"))
            .header(ORIGIN, own)
            .json(&json!({"name": "from the UI"})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    // The /v3 API keeps answering every origin, as browser apps need.
    let answer = server
        .get("/v3/assets")
        .header(ORIGIN, evil)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.headers()["access-control-allow-origin"], "*");
}

#[tokio::test]
async fn duplicate_environment_names_are_a_422() {
    let server = TestServer::start().await;
    let (status, body) = send(
        control(&server, reqwest::Method::POST, "/_mock/stacks")
            .json(&json!({"environments": ["e", "e"]})),
    )
    .await;
    assert_error(status, &body, 422, 120);
    assert_eq!(body["errors"]["environments"], json!(["is not unique."]));
    let (_, stacks) = send(control(&server, reqwest::Method::GET, "/_mock/stacks")).await;
    assert_eq!(stacks["count"], 1);
}

#[tokio::test]
async fn delivery_faults_hit_delivery_and_sync_requests_only() {
    let server = TestServer::start().await;
    let asset = server.upload("dot.png", PNG, &[]).await;
    let uid = asset["uid"].as_str().unwrap();
    let (status, _) = send(
        server
            .post(&format!("/v3/assets/{uid}/publish"))
            .json(&json!({"asset": {"environments": ["development"], "locales": ["en-us"]}})),
    )
    .await;
    assert_eq!(status, 201);
    let (_, token) = send(server.post("/v3/stacks/delivery_tokens").json(
        &json!({"token": {"name": "site",
        "scope": [{"module": "environment", "environments": ["development"]},
                  {"module": "branch", "branches": ["main"]}]}}),
    ))
    .await;
    let token = token["token"]["token"].as_str().unwrap().to_owned();
    let delivery = |path: &str| {
        server
            .client
            .get(server.url(path))
            .header("api_key", API_KEY)
            .header("access_token", &token)
    };
    let faults = format!("/_mock/stacks/{API_KEY}/faults");
    // A management fault leaves delivery alone.
    let (status, _) =
        send(control(&server, reqwest::Method::POST, &faults).json(&json!({"status": 500}))).await;
    assert_eq!(status, 201);
    let (status, _) = send(delivery(&format!(
        "/v3/assets/{uid}?environment=development"
    )))
    .await;
    assert_eq!(status, 200);
    send(control(&server, reqwest::Method::DELETE, &faults)).await;
    // A delivery fault: the next two delivery or sync requests, not the management API.
    let (status, body) = send(
        control(&server, reqwest::Method::POST, &faults)
            .json(&json!({"status": 503, "count": 2, "scope": "delivery"})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["fault"]["scope"], "delivery");
    let (status, _) = send(server.get("/v3/assets")).await;
    assert_eq!(status, 200);
    // A request that fails anyway (no environment) does not use one up.
    let (status, _) = send(delivery(&format!("/v3/assets/{uid}"))).await;
    assert_eq!(status, 422);
    let (status, body) = send(delivery(&format!(
        "/v3/assets/{uid}?environment=development"
    )))
    .await;
    assert_error(status, &body, 503, 503);
    let (status, _) = send(delivery(
        "/v3/stacks/sync?init=true&environment=development",
    ))
    .await;
    assert_eq!(status, 503);
    let (status, _) = send(delivery(
        "/v3/stacks/sync?init=true&environment=development",
    ))
    .await;
    assert_eq!(status, 200);
    let (status, body) = send(
        control(&server, reqwest::Method::POST, &faults)
            .json(&json!({"status": 503, "scope": "everything"})),
    )
    .await;
    assert_eq!(status, 422, "{body}");
}

#[tokio::test]
async fn a_request_followed_by_a_half_close_is_answered() {
    let server = TestServer::start().await;
    let mut stream = raw_connect(&server);
    stream
        .write_all(b"GET /_mock/health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .unwrap();
    stream.shutdown(std::net::Shutdown::Write).unwrap();
    let answer = read_answer(&mut stream).expect("an answer after the half-close");
    assert_eq!(answer.status, 200);
    assert_eq!(answer.json()["status"], "ok");
}

#[tokio::test]
async fn every_ui_error_has_the_error_shape() {
    let server = TestServer::start().await;
    for path in ["/ui/%FF", "/ui/nope.js", "/ui/a/b"] {
        let answer = server.client.get(server.url(path)).send().await.unwrap();
        assert_eq!(answer.status(), 404, "{path}");
        assert!(
            answer.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/json"),
            "{path}"
        );
        let (status, body) = json_of(answer).await;
        assert_error(status, &body, 404, 404);
    }
    let (status, body) = send(server.client.delete(server.url("/ui/app.js"))).await;
    assert_error(status, &body, 405, 405);
}

#[tokio::test]
async fn an_oversized_request_head_answers_as_the_docs_say() {
    let api_docs =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/api.md")).unwrap();
    assert!(
        api_docs.contains("`431` for a request head (its target and headers together) over 64 KiB"),
        "docs/api.md states the limit"
    );
    let server = TestServer::start().await;
    let mut stream = raw_connect(&server);
    let target = format!("/v3/assets?q={}", "a".repeat(140 * 1024));
    let request = format!("GET {target} HTTP/1.1\r\nHost: localhost\r\n\r\n");
    // The server may answer (and close) before it has read everything.
    let _ = stream.write_all(request.as_bytes());
    let answer = read_answer(&mut stream).expect("an answer");
    assert_eq!(answer.status, 431);
}
