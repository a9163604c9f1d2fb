//! `POST /_mock/stacks/{api_key}/reset`: one stack emptied while others go on, its
//! credentials, delivery tokens and creation-time environments kept, its clock real again.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::*;

/// A stack made through `/_mock/stacks`, with requests on its credentials.
#[derive(Clone)]
pub struct Stack {
    pub api_key: String,
    pub token: String,
}

impl Stack {
    pub async fn create(server: &TestServer, body: Value) -> Stack {
        let (status, created) =
            send(control(server, Method::POST, "/_mock/stacks").json(&body)).await;
        assert_eq!(status, 201, "{created}");
        Stack {
            api_key: created["stack"]["api_key"].as_str().unwrap().to_owned(),
            token: created["stack"]["management_token"]
                .as_str()
                .unwrap()
                .to_owned(),
        }
    }

    pub fn call(&self, server: &TestServer, method: Method, path: &str) -> reqwest::RequestBuilder {
        server.request_as(method, path, &self.api_key, &self.token)
    }

    pub fn mock(&self, server: &TestServer, method: Method, path: &str) -> reqwest::RequestBuilder {
        control(
            server,
            method,
            &format!("/_mock/stacks/{}{path}", self.api_key),
        )
    }

    pub async fn upload(&self, server: &TestServer, filename: &str, bytes: &[u8]) -> Value {
        let (status, body) = send(
            self.call(server, Method::POST, "/v3/assets")
                .multipart(upload_form(filename, bytes, &[])),
        )
        .await;
        assert_eq!(status, 201, "{body}");
        body["asset"].clone()
    }

    /// Every asset uid (files and folders), sorted.
    pub async fn uids(&self, server: &TestServer) -> Vec<String> {
        let (status, body) = send(self.call(
            server,
            Method::GET,
            "/v3/assets?include_folders=true&limit=100",
        ))
        .await;
        assert_eq!(status, 200, "{body}");
        let mut uids: Vec<String> = body["assets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["uid"].as_str().unwrap().to_owned())
            .collect();
        uids.sort();
        uids
    }

    /// The environments as (uid, name), in listing order.
    pub async fn environments(&self, server: &TestServer) -> Vec<(String, String)> {
        let (status, body) = send(self.call(server, Method::GET, "/v3/environments")).await;
        assert_eq!(status, 200, "{body}");
        body["environments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["uid"].as_str().unwrap().to_owned(),
                    e["name"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    }

    pub async fn clock(&self, server: &TestServer) -> Value {
        let (status, body) = send(self.mock(server, Method::GET, "/clock")).await;
        assert_eq!(status, 200, "{body}");
        body
    }

    /// A delivery token scoped to `environment`.
    pub async fn delivery_token(&self, server: &TestServer, environment: &str) -> String {
        let body = json!({"token": {"name": environment, "scope": [{"module": "environment", "environments": [environment], "acl": {"read": true}}, {"module": "branch", "branches": ["main"], "acl": {"read": true}}]}});
        let (status, created) = send(
            self.call(server, Method::POST, "/v3/stacks/delivery_tokens")
                .json(&body),
        )
        .await;
        assert_eq!(status, 201, "{created}");
        created["token"]["token"].as_str().unwrap().to_owned()
    }

    /// `GET /v3/assets?environment=...` through the delivery API.
    pub async fn delivered(&self, server: &TestServer, token: &str, environment: &str) -> Value {
        let (status, body) = send(
            server
                .client
                .get(server.url(&format!("/v3/assets?environment={environment}")))
                .header("api_key", &self.api_key)
                .header("access_token", token),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        body
    }

    pub async fn publish(&self, server: &TestServer, uid: &str, environment: &str) {
        let body = json!({"asset": {"environments": [environment], "locales": ["en-us"]}});
        let (status, answer) = send(
            self.call(server, Method::POST, &format!("/v3/assets/{uid}/publish"))
                .json(&body),
        )
        .await;
        assert_eq!(status, 201, "{answer}");
    }
}

/// Uploads `n` files to `stack` one after another, checking after each that nothing
/// it uploaded before has gone; returns the uids.
pub fn upload_under_watch(
    server: &TestServer,
    stack: &Stack,
    prefix: &str,
    n: usize,
) -> tokio::task::JoinHandle<Vec<String>> {
    let (client, base, stack, prefix) = (
        server.client.clone(),
        server.base.clone(),
        stack.clone(),
        prefix.to_owned(),
    );
    tokio::spawn(async move {
        let mut uids: Vec<String> = Vec::new();
        for i in 0..n {
            let response = client
                .post(format!("{base}/v3/assets"))
                .header("api_key", &stack.api_key)
                .header("authorization", &stack.token)
                .multipart(upload_form(
                    &format!("{prefix}-{i}.txt"),
                    format!("{prefix}/{i}").as_bytes(),
                    &[],
                ))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 201);
            let body: Value = response.json().await.unwrap();
            uids.push(body["asset"]["uid"].as_str().unwrap().to_owned());
            let listed: Value = client
                .get(format!("{base}/v3/assets?limit=100"))
                .header("api_key", &stack.api_key)
                .header("authorization", &stack.token)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let seen: Vec<&str> = listed["assets"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a["uid"].as_str().unwrap())
                .collect();
            for uid in &uids {
                assert!(seen.contains(&uid.as_str()), "{uid} went missing");
            }
        }
        uids
    })
}

#[tokio::test]
async fn reset_empties_one_stack_while_another_works_on() {
    let server = TestServer::start().await;
    let a = Stack::create(&server, json!({"name": "a"})).await;
    let b = Stack::create(&server, json!({"name": "b"})).await;
    let environments = a.environments(&server).await;
    assert_eq!(environments.len(), 1);
    let token = a.delivery_token(&server, "development").await;

    // Stack A gets content of every kind, an extra environment and a moved clock.
    let first = a.upload(&server, "one.txt", b"one").await;
    let second = a.upload(&server, "two.txt", b"two").await;
    let first_uid = first["uid"].as_str().unwrap();
    a.publish(&server, first_uid, "development").await;
    let (status, _) = send(a.call(
        &server,
        Method::DELETE,
        &format!("/v3/assets/{}", second["uid"].as_str().unwrap()),
    ))
    .await;
    assert_eq!(status, 200);
    let (status, body) = send(
        a.call(&server, Method::POST, "/v3/environments")
            .json(&json!({"environment": {"name": "staging", "urls": []}})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = send(
        a.call(&server, Method::PUT, "/v3/environments/development")
            .json(
                &json!({"environment": {"urls": [{"locale": "en-us", "url": "https://changed"}]}}),
            ),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    advance(&server, &a.api_key, json!({"days": 2})).await;
    let (status, _) = send(a.mock(&server, Method::POST, "/clock/freeze")).await;
    assert_eq!(status, 200);
    let delivered = a.delivered(&server, &token, "development").await;
    assert_eq!(delivered["assets"].as_array().unwrap().len(), 1);

    // B works on while A is reset, twice.
    b.upload(&server, "before.txt", b"before").await;
    let load = upload_under_watch(&server, &b, "b", 20);
    for _ in 0..2 {
        let (status, body) = send(a.mock(&server, Method::POST, "/reset")).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["stack"]["api_key"], a.api_key.as_str());
        assert_eq!(body["stack"]["management_token"], a.token.as_str());
        assert_eq!(
            body["stack"]["clock"]["offset_seconds"].as_f64(),
            Some(0.0),
            "{body}"
        );
        assert_eq!(body["stack"]["clock"]["frozen"], false, "{body}");
    }
    let uploaded = load.await.unwrap();
    assert_eq!(b.uids(&server).await.len(), uploaded.len() + 1);

    // A is empty, with its creation-time environment (same uid, same urls) back.
    assert!(a.uids(&server).await.is_empty());
    assert_eq!(trash_of(&server, &a.api_key).await["count"], 0);
    assert_eq!(a.environments(&server).await, environments);
    let (_, development) = send(a.call(&server, Method::GET, "/v3/environments/development")).await;
    assert_eq!(
        development["environment"]["urls"],
        json!([{"locale": "en-us", "url": "http://localhost:3000"}])
    );
    let clock = a.clock(&server).await;
    assert_eq!(clock["offset_seconds"].as_f64(), Some(0.0), "{clock}");
    assert_eq!(clock["frozen"], false, "{clock}");
    let now = crate::trash::chrono_parse(clock["now"].as_str().unwrap());
    assert!(
        (now - chrono::Utc::now()).num_seconds().abs() < 5,
        "{clock}"
    );

    // Its delivery token still opens it, and sees nothing published.
    let delivered = a.delivered(&server, &token, "development").await;
    assert_eq!(delivered["assets"], json!([]), "{delivered}");
    // The management token works, and the stack takes new content.
    a.upload(&server, "after.txt", b"after").await;
    assert_eq!(a.uids(&server).await.len(), 1);

    let report = check_consistency(&server.data_dir).await;
    assert_consistent(&report);
    assert_eq!(report.file_rows, uploaded.len() + 2);
}

#[tokio::test]
async fn reset_of_an_unknown_stack_is_a_404() {
    let server = TestServer::start().await;
    let (status, body) = send(control(
        &server,
        Method::POST,
        "/_mock/stacks/bltnothere/reset",
    ))
    .await;
    assert_error(status, &body, 404, 404);
}

#[tokio::test]
async fn reset_puts_back_the_environments_and_locale_a_stack_was_created_with() {
    let server = TestServer::start().await;
    let a = Stack::create(
        &server,
        json!({"environments": ["staging", "production"], "master_locale": "fr-fr"}),
    )
    .await;
    let environments = a.environments(&server).await;
    let token = a.delivery_token(&server, "production").await;
    let (status, _) = send(a.call(&server, Method::DELETE, "/v3/environments/staging")).await;
    assert_eq!(status, 200);
    let (status, body) = send(
        a.call(&server, Method::POST, "/v3/locales")
            .json(&json!({"locale": {"code": "de-de", "fallback_locale": "fr-fr"}})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = send(a.mock(&server, Method::POST, "/reset")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(a.environments(&server).await, environments);
    let (_, locales) = send(a.call(&server, Method::GET, "/v3/locales")).await;
    let codes: Vec<&str> = locales["locales"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["fr-fr"], "{locales}");
    a.delivered(&server, &token, "production").await;
}

#[tokio::test]
async fn a_seeded_stack_resets_to_the_environments_and_locales_of_its_seed() {
    let export = tempfile::tempdir().unwrap();
    crate::seed::export_in(export.path());
    let root = export.path().to_str().unwrap();
    let server = TestServer::start_with(&["--seed-root", root]).await;
    let a = Stack::create(&server, json!({"name": "seeded", "seed": root})).await;
    // Two assets in two folders.
    assert_eq!(a.uids(&server).await.len(), 4);
    let token = a.delivery_token(&server, "production").await;
    let (status, body) = send(a.mock(&server, Method::POST, "/reset")).await;
    assert_eq!(status, 200, "{body}");
    assert!(a.uids(&server).await.is_empty());
    assert_eq!(
        a.environments(&server).await,
        [("blte000000000000001".to_owned(), "production".to_owned())]
    );
    let (_, locales) = send(a.call(&server, Method::GET, "/v3/locales")).await;
    assert_eq!(
        locales["locales"][0]["uid"], "bltl000000000000001",
        "{locales}"
    );
    assert_eq!(locales["locales"].as_array().unwrap().len(), 1, "{locales}");
    a.delivered(&server, &token, "production").await;
    assert_consistent(&check_consistency(&server.data_dir).await);
}
