//! Per-stack virtual clocks: advance, set, freeze, resume, reset; every timestamp a
//! stack writes comes from its clock; one stack's clock never moves another's.

use serde_json::json;

use crate::helpers::*;
use crate::trash::chrono_parse;

fn clock_path(api_key: &str) -> String {
    format!("/_mock/stacks/{api_key}/clock")
}

#[tokio::test]
async fn advancing_one_stack_leaves_another_stacks_trash_alone() {
    let server = TestServer::start().await;
    let (b_key, b_token) = create_stack(&server, "B").await;
    let a_asset = server.upload("a.txt", b"a", &[]).await;
    let (_, b_upload) = send(
        server
            .request_as(reqwest::Method::POST, "/v3/assets", &b_key, &b_token)
            .multipart(upload_form("b.txt", b"b", &[])),
    )
    .await;
    for (key, token, uid) in [
        (API_KEY, TOKEN, &a_asset["uid"]),
        (b_key.as_str(), b_token.as_str(), &b_upload["asset"]["uid"]),
    ] {
        let (status, _) = send(server.request_as(
            reqwest::Method::DELETE,
            &format!("/v3/assets/{}", uid.as_str().unwrap()),
            key,
            token,
        ))
        .await;
        assert_eq!(status, 200);
    }
    let moved = advance(&server, API_KEY, json!({"days": 15})).await;
    assert_eq!(moved["purged"].as_array().unwrap().len(), 1);
    assert_eq!(trash_of(&server, API_KEY).await["count"], 0);
    assert_eq!(
        trash_of(&server, &b_key).await["count"],
        1,
        "stack B's trash is untouched"
    );
    let (_, b_clock) = send(control(&server, reqwest::Method::GET, &clock_path(&b_key))).await;
    assert!(
        b_clock["offset_seconds"].as_f64().unwrap().abs() < 5.0,
        "{b_clock}"
    );
}

#[tokio::test]
async fn timestamps_and_the_x_mock_now_header_follow_the_stack_clock() {
    let server = TestServer::start().await;
    let moved = advance(&server, API_KEY, json!({"days": 30})).await;
    let now = chrono_parse(moved["now"].as_str().unwrap());
    assert!((now - chrono::Utc::now()).num_days() >= 29);
    let asset = server.upload("future.txt", b"f", &[]).await;
    let created = chrono_parse(asset["created_at"].as_str().unwrap());
    assert!(
        (created - now).num_seconds().abs() < 60,
        "{created} vs {now}"
    );
    let response = server.get("/v3/assets").send().await.unwrap();
    let header = chrono_parse(response.headers()["x-mock-now"].to_str().unwrap());
    assert!((header - now).num_seconds().abs() < 60);
}

#[tokio::test]
async fn freeze_holds_time_resume_continues_and_reset_returns_to_real_time() {
    let server = TestServer::start().await;
    let (status, frozen) = send(control(
        &server,
        reqwest::Method::POST,
        &format!("{}/freeze", clock_path(API_KEY)),
    ))
    .await;
    assert_eq!(status, 200, "{frozen}");
    assert_eq!(frozen["frozen"], true);
    tokio::time::sleep(std::time::Duration::from_millis(30)).await;
    let (_, later) = send(control(&server, reqwest::Method::GET, &clock_path(API_KEY))).await;
    assert_eq!(later["now"], frozen["now"]);
    let a = server.upload("a.txt", b"a", &[]).await;
    let b = server.upload("b.txt", b"b", &[]).await;
    assert_eq!(a["created_at"], frozen["now"]);
    assert_eq!(b["created_at"], frozen["now"]);
    // Advancing a frozen clock moves it by exactly that much.
    let moved = advance(&server, API_KEY, json!({"minutes": 90})).await;
    let delta = chrono_parse(moved["now"].as_str().unwrap())
        - chrono_parse(frozen["now"].as_str().unwrap());
    assert_eq!(delta.num_minutes(), 90);
    assert_eq!(moved["frozen"], true);
    let (_, resumed) = send(control(
        &server,
        reqwest::Method::POST,
        &format!("{}/resume", clock_path(API_KEY)),
    ))
    .await;
    assert_eq!(resumed["frozen"], false);
    assert!(
        (resumed["offset_seconds"].as_f64().unwrap() - 5400.0).abs() < 60.0,
        "{resumed}"
    );
    let (_, real) = send(control(
        &server,
        reqwest::Method::DELETE,
        &clock_path(API_KEY),
    ))
    .await;
    assert_eq!(real["frozen"], false);
    assert!(
        real["offset_seconds"].as_f64().unwrap().abs() < 5.0,
        "{real}"
    );
}

#[tokio::test]
async fn set_moves_forward_only_and_runs_due_purges() {
    let server = TestServer::start().await;
    let a = server.upload("a.txt", b"a", &[]).await;
    send(server.delete(&format!("/v3/assets/{}", a["uid"].as_str().unwrap()))).await;
    let target = (chrono::Utc::now() + chrono::TimeDelta::days(20)).to_rfc3339();
    let (status, body) = send(
        control(&server, reqwest::Method::PUT, &clock_path(API_KEY)).json(&json!({"now": target})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["purged"].as_array().unwrap().len(), 1);
    let past = chrono::Utc::now().to_rfc3339();
    let (status, body) = send(
        control(&server, reqwest::Method::PUT, &clock_path(API_KEY)).json(&json!({"now": past})),
    )
    .await;
    assert_error(status, &body, 422, 120);
    let (status, body) = send(
        control(&server, reqwest::Method::PUT, &clock_path(API_KEY))
            .json(&json!({"now": "tomorrow"})),
    )
    .await;
    assert_error(status, &body, 422, 120);
}

#[tokio::test]
async fn bad_advance_requests_are_rejected() {
    let server = TestServer::start().await;
    for body in [json!({}), json!({"days": -1}), json!({"days": "two"})] {
        let (status, out) = send(
            control(
                &server,
                reqwest::Method::POST,
                &format!("{}/advance", clock_path(API_KEY)),
            )
            .json(&body),
        )
        .await;
        assert_error(status, &out, 422, 120);
    }
    let (status, out) = send(
        control(
            &server,
            reqwest::Method::POST,
            "/_mock/stacks/bltnosuchstack0000/clock/advance",
        )
        .json(&json!({"days": 1})),
    )
    .await;
    assert_error(status, &out, 404, 404);
}

#[tokio::test]
async fn the_clock_stops_at_the_year_9999() {
    let server = TestServer::start().await;
    let (status, body) = send(
        control(
            &server,
            reqwest::Method::POST,
            &format!("{}/advance", clock_path(API_KEY)),
        )
        .json(&json!({"days": 3_000_000})),
    )
    .await;
    assert_error(status, &body, 422, 120);
    let (status, body) = send(
        control(&server, reqwest::Method::PUT, &clock_path(API_KEY))
            .json(&json!({"now": "+10000-01-01T00:00:00Z"})),
    )
    .await;
    assert_error(status, &body, 422, 120);
    let (status, body) = send(
        control(&server, reqwest::Method::PUT, &clock_path(API_KEY))
            .json(&json!({"now": "9999-12-31T00:00:00Z"})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let asset = server.upload("late.txt", b"x", &[]).await;
    assert!(
        asset["created_at"]
            .as_str()
            .unwrap()
            .starts_with("9999-12-31T")
    );
}

/// A purge longer than the list a purge keeps in memory (4,096 items) lists every item
/// once, through the clock, and the trash is empty afterwards.
#[tokio::test]
async fn a_long_purge_lists_every_item_once() {
    let server = TestServer::start().await;
    let uids = upload_concurrently(&server, 4_500, 8).await;
    for chunk in uids.chunks(100) {
        let body =
            json!({"assets": chunk.iter().map(|uid| json!({"uid": uid})).collect::<Vec<_>>()});
        let (status, out) = send(server.post("/v3/bulk/delete").json(&body)).await;
        assert_eq!(status, 200, "{out}");
    }
    let moved = advance(&server, API_KEY, json!({"days": 15})).await;
    let purged = moved["purged"].as_array().unwrap();
    let listed: std::collections::HashSet<&str> = purged
        .iter()
        .map(|item| {
            assert_eq!(item["type"], "asset", "{item}");
            item["uid"].as_str().unwrap()
        })
        .collect();
    assert_eq!(purged.len(), uids.len(), "every item once");
    assert_eq!(listed, uids.iter().map(String::as_str).collect());
    assert_eq!(trash_of(&server, API_KEY).await["count"], 0);
    assert_eq!(server.temp_file_count(), 0, "nothing is left in tmp");
}
