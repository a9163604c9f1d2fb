//! `POST /v3/bulk/delete`: at most 100 items, all or nothing, failed items reported
//! on the job.

use serde_json::{Value, json};

use crate::helpers::*;

async fn upload_many(server: &TestServer, n: usize) -> Vec<String> {
    let mut uids = Vec::new();
    for i in 0..n {
        let asset = server
            .upload(&format!("bulk{i}.txt"), format!("{i}").as_bytes(), &[])
            .await;
        uids.push(asset["uid"].as_str().unwrap().to_owned());
    }
    uids
}

fn body_for(uids: &[String]) -> Value {
    json!({ "assets": uids.iter().map(|uid| json!({"uid": uid})).collect::<Vec<_>>() })
}

#[tokio::test]
async fn one_hundred_in_one_request_go_to_the_trash_and_101_change_nothing() {
    let server = TestServer::start_with(&["--ephemeral"]).await;
    let uids = upload_many(&server, 101).await;

    let (status, body) = send(server.post("/v3/bulk/delete").json(&body_for(&uids))).await;
    assert_error(status, &body, 422, 123);
    let message = body["error_message"].as_str().unwrap();
    assert!(
        message.contains("100") && message.contains("101"),
        "{message}"
    );
    assert!(body["errors"]["assets"].is_array());
    let (_, count) = send(server.get("/v3/assets?count=true")).await;
    assert_eq!(count["assets"], 101, "nothing was deleted");
    assert_eq!(trash_of(&server, API_KEY).await["count"], 0);

    let (status, body) = send(server.post("/v3/bulk/delete").json(&body_for(&uids[..100]))).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["notice"],
        "Your bulk delete request is in progress. Please check bulk task queue for more details."
    );
    let job_id = body["job_id"].as_str().unwrap();
    let (_, count) = send(server.get("/v3/assets?count=true")).await;
    assert_eq!(count["assets"], 1);
    assert_eq!(server.list_uids("").await, [uids[100].clone()]);
    assert_eq!(trash_of(&server, API_KEY).await["count"], 100);

    let (status, job) = send(server.get(&format!("/v3/bulk/jobs/{job_id}"))).await;
    assert_eq!(status, 200, "{job}");
    assert_eq!(job["status"], "complete");
    assert_eq!(job["summary"]["total"], 100);
    assert_eq!(job["summary"]["success"], 100);
    assert_eq!(job["summary"]["unsuccess"], 0);
    assert_eq!(job["failed_items"], json!([]));
}

#[tokio::test]
async fn unknown_and_repeated_uids_are_reported_on_the_job_not_failed() {
    let server = TestServer::start_with(&["--ephemeral"]).await;
    let uids = upload_many(&server, 2).await;
    let gone = uids[1].clone();
    let (status, _) = send(server.delete(&format!("/v3/assets/{gone}"))).await;
    assert_eq!(status, 200);
    let request = json!({"assets": [{"uid": uids[0]}, {"uid": uids[0]}, {"uid": "blt0123456789abcdef"}, {"uid": gone}]});
    let (status, body) = send(server.post("/v3/bulk/delete").json(&request)).await;
    assert_eq!(status, 200, "{body}");
    let (_, job) = send(server.get(&format!(
        "/v3/bulk/jobs/{}",
        body["job_id"].as_str().unwrap()
    )))
    .await;
    assert_eq!(job["summary"]["total"], 3, "duplicates count once: {job}");
    assert_eq!(job["summary"]["success"], 1);
    assert_eq!(job["summary"]["unsuccess"], 2);
    let failed: Vec<&str> = job["failed_items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["uid"].as_str().unwrap())
        .collect();
    assert_eq!(failed, ["blt0123456789abcdef", gone.as_str()]);
    assert_eq!(job["failed_items"][0]["error_code"], 145);
    assert!(server.list_uids("").await.is_empty());
}

#[tokio::test]
async fn empty_entries_only_and_malformed_requests_are_rejected_clearly() {
    let server = TestServer::start_with(&["--ephemeral"]).await;
    let uid = upload_many(&server, 1).await.remove(0);
    for (request, status, code, field) in [
        (json!({}), 422, 120, "assets"),
        (json!({"assets": []}), 422, 120, "assets"),
        (
            json!({"entries": [{"uid": "e1", "content_type": "page", "locale": "en-us"}]}),
            422,
            120,
            "entries",
        ),
        (
            json!({"assets": [{"uid": uid}], "entries": [{"uid": "e1"}]}),
            422,
            120,
            "entries",
        ),
        (json!({"assets": [{"id": uid}]}), 422, 120, "assets"),
        (json!({"assets": "all"}), 422, 120, "assets"),
    ] {
        let (got, body) = send(server.post("/v3/bulk/delete").json(&request)).await;
        assert_error(got, &body, status, code);
        assert!(body["errors"][field].is_array(), "{request} -> {body}");
    }
    let (got, body) = send(server.post("/v3/bulk/delete").body("{\"assets\": [")).await;
    assert_error(got, &body, 400, 100);
    // 101 counting entries and assets together is over the cap too.
    let mut entries = Vec::new();
    for i in 0..100 {
        entries.push(json!({"uid": format!("e{i}")}));
    }
    let (got, body) = send(
        server
            .post("/v3/bulk/delete")
            .json(&json!({"assets": [{"uid": uid}], "entries": entries})),
    )
    .await;
    assert_error(got, &body, 422, 123);
    assert_eq!(server.list_uids("").await, [uid]);
}

#[tokio::test]
async fn bulk_delete_works_without_a_content_type_as_the_python_sdk_sends_it() {
    let server = TestServer::start_with(&["--ephemeral"]).await;
    let uid = upload_many(&server, 1).await.remove(0);
    let (status, body) = send(
        server
            .post("/v3/bulk/delete")
            .body(body_for(std::slice::from_ref(&uid)).to_string()),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(server.list_uids("").await.is_empty());
}

#[tokio::test]
async fn unknown_job_is_422() {
    let server = TestServer::start_with(&["--ephemeral"]).await;
    let (status, body) =
        send(server.get("/v3/bulk/jobs/00000000-0000-0000-0000-000000000000")).await;
    assert_error(status, &body, 422, 141);
}
