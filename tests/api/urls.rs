//! Asset URLs follow the request when `--public-url` is not given: the `Host` a client
//! used (a mapped container port, a compose service name), a proxy's `Forwarded` or
//! `X-Forwarded-*` headers, the HTTPS listener's scheme; a hostile host never reaches a
//! URL; `--public-url` wins when given. Every path that hands out URLs is checked.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

/// Uploads a file and returns its uid.
async fn uploaded(server: &TestServer) -> String {
    let asset = server.upload("photo.txt", b"pixels", &[]).await;
    asset["uid"].as_str().unwrap().to_owned()
}

/// The `url` of an asset as `GET /v3/assets/{uid}` answers it with extra headers.
async fn url_with(server: &TestServer, uid: &str, headers: &[(&str, &str)]) -> String {
    let mut request = server.get(&format!("/v3/assets/{uid}"));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let (status, body) = send(request).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["asset"]["url"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn the_host_the_client_used_is_the_base_of_the_url() {
    let server = TestServer::start().await;
    let uid = uploaded(&server).await;
    let url = url_with(&server, &uid, &[("host", "contentstack-mock:8484")]).await;
    assert!(
        url.starts_with(&format!(
            "http://contentstack-mock:8484/v3/assets/{API_KEY}/{uid}/"
        )),
        "{url}"
    );
    // A mapped port, as `docker run -p 18484:8484` gives the client on the host.
    let url = url_with(&server, &uid, &[("host", "localhost:18484")]).await;
    assert!(
        url.starts_with("http://localhost:18484/v3/assets/"),
        "{url}"
    );
    // And the url works where the client is: here, through the real port.
    let path = url.strip_prefix("http://localhost:18484").unwrap();
    let file = server.client.get(server.url(path)).send().await.unwrap();
    assert_eq!(file.status(), 200);
    assert_eq!(file.bytes().await.unwrap().as_ref(), b"pixels");
}

#[tokio::test]
async fn a_proxy_names_the_scheme_and_host_through_forwarded_headers() {
    let server = TestServer::start().await;
    let uid = uploaded(&server).await;
    let url = url_with(
        &server,
        &uid,
        &[
            ("x-forwarded-proto", "https"),
            ("x-forwarded-host", "cms.example.test, proxy.internal"),
        ],
    )
    .await;
    assert!(
        url.starts_with("https://cms.example.test/v3/assets/"),
        "{url}"
    );
    // RFC 7239 wins over the X- headers; quoted values are unquoted.
    let url = url_with(
        &server,
        &uid,
        &[
            (
                "forwarded",
                "for=192.0.2.60;proto=https;host=\"edge.example.test:8443\"",
            ),
            ("x-forwarded-host", "ignored.example.test"),
        ],
    )
    .await;
    assert!(
        url.starts_with("https://edge.example.test:8443/v3/assets/"),
        "{url}"
    );
    // A proto other than http or https is ignored.
    let url = url_with(&server, &uid, &[("x-forwarded-proto", "gopher")]).await;
    assert!(url.starts_with(&server.base), "{url}");
}

#[tokio::test]
async fn a_hostile_host_never_reaches_a_url() {
    let server = TestServer::start().await;
    let uid = uploaded(&server).await;
    let long = format!("{}.test", "a".repeat(260));
    for hostile in [
        "evil.test/path?x=",
        "user@evil.test",
        "evil.test:99999",
        "two words",
        long.as_str(),
    ] {
        for header in ["host", "x-forwarded-host"] {
            let url = url_with(&server, &uid, &[(header, hostile)]).await;
            // The listen address instead (or the real Host, for the proxy header).
            assert!(
                url.starts_with(&format!("{}/v3/assets/", server.base)),
                "{header}: {hostile:?} gave {url}"
            );
        }
    }
}

#[tokio::test]
async fn public_url_wins_when_given() {
    let server = TestServer::start_with(&["--public-url", "https://assets.example.test/"]).await;
    let uid = uploaded(&server).await;
    let url = url_with(
        &server,
        &uid,
        &[
            ("host", "contentstack-mock:8484"),
            ("x-forwarded-host", "proxy.test"),
        ],
    )
    .await;
    assert!(
        url.starts_with("https://assets.example.test/v3/assets/"),
        "{url}"
    );
}

#[tokio::test]
async fn every_answer_that_hands_out_urls_follows_the_request() {
    let server = TestServer::start().await;
    let host = "mock.example.test:9999";
    let base = format!("http://{host}/v3/assets/{API_KEY}/");

    // Upload, update and list.
    let form = upload_form("a.txt", b"one", &[]);
    let (status, created) = send(
        server
            .post("/v3/assets")
            .header("host", host)
            .multipart(form),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let uid = created["asset"]["uid"].as_str().unwrap().to_owned();
    assert!(
        created["asset"]["url"].as_str().unwrap().starts_with(&base),
        "{created}"
    );
    let (_, updated) = send(
        server
            .put(&format!("/v3/assets/{uid}"))
            .header("host", host)
            .json(&json!({"asset": {"title": "renamed"}})),
    )
    .await;
    assert!(
        updated["asset"]["url"].as_str().unwrap().starts_with(&base),
        "{updated}"
    );
    let (_, listed) = send(server.get("/v3/assets").header("host", host)).await;
    assert!(
        listed["assets"][0]["url"]
            .as_str()
            .unwrap()
            .starts_with(&base),
        "{listed}"
    );
    let (_, rte) = send(server.get("/v3/assets/rt").header("host", host)).await;
    assert_eq!(rte, json!([]), "no images to offer");

    // The delivery API and sync, for a published asset.
    publish_to_development(&server, &uid).await;
    let token = delivery_token(&server).await;
    let delivered = delivery(&server, &format!("/v3/assets/{uid}"), &token, host).await;
    assert!(
        delivered["asset"]["url"]
            .as_str()
            .unwrap()
            .starts_with(&base),
        "{delivered}"
    );
    let synced = delivery(&server, "/v3/stacks/sync?init=true", &token, host).await;
    assert!(
        synced["items"][0]["data"]["url"]
            .as_str()
            .unwrap()
            .starts_with(&base),
        "{synced}"
    );

    // A restore from the trash through /_mock.
    let (status, _) = send(server.delete(&format!("/v3/assets/{uid}"))).await;
    assert_eq!(status, StatusCode::OK);
    let (status, restored) = send(
        control(
            &server,
            reqwest::Method::POST,
            &format!("/_mock/stacks/{API_KEY}/trash/{uid}/restore"),
        )
        .header("host", host),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{restored}");
    assert!(
        restored["asset"]["url"]
            .as_str()
            .unwrap()
            .starts_with(&base),
        "{restored}"
    );
}

async fn publish_to_development(server: &TestServer, uid: &str) {
    let body = json!({"asset": {"environments": ["development"], "locales": ["en-us"]}});
    let (status, answer) = send(
        server
            .post(&format!("/v3/assets/{uid}/publish"))
            .json(&body),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
}

async fn delivery_token(server: &TestServer) -> String {
    let body = json!({"token": {"name": "site", "scope": [
        {"module": "environment", "environments": ["development"], "acl": {"read": true}},
        {"module": "branch", "branches": ["main"], "acl": {"read": true}}
    ]}});
    let (status, created) = send(server.post("/v3/stacks/delivery_tokens").json(&body)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    created["token"]["token"].as_str().unwrap().to_owned()
}

async fn delivery(server: &TestServer, path: &str, token: &str, host: &str) -> Value {
    let separator = if path.contains('?') { '&' } else { '?' };
    let (status, body) = send(
        server
            .client
            .get(server.url(&format!("{path}{separator}environment=development")))
            .header("api_key", API_KEY)
            .header("access_token", token)
            .header("host", host),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}
