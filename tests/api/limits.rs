//! Bounded resources: early answers read the body, stalled bodies and silent sockets
//! time out, the connection cap answers 503, query cost and field sizes have limits.

use std::io::Write;
use std::time::{Duration, Instant};

use reqwest::multipart::{Form, Part};
use serde_json::json;

use crate::assets::urlencode;
use crate::helpers::*;

/// An upload head with a body of `length` bytes to follow.
fn upload_head(api_key: &str, length: usize) -> String {
    format!(
        "POST /v3/assets HTTP/1.1\r\nHost: test\r\napi_key: {api_key}\r\nauthorization: {TOKEN}\r\n\
         Content-Type: multipart/form-data; boundary=XYZ\r\nContent-Length: {length}\r\n\r\n"
    )
}

#[tokio::test]
async fn early_answers_wait_for_the_body_and_keep_the_connection() {
    let server = TestServer::start().await;
    let length = 4 * 1024 * 1024;
    let mut stream = raw_connect(&server);
    stream
        .write_all(upload_head("blt00000000000000ff", length).as_bytes())
        .unwrap();
    // The client keeps sending for a while after the server knows the answer.
    for _ in 0..(length / 65536) {
        stream.write_all(&[b'x'; 65536]).unwrap();
    }
    let answer = read_answer(&mut stream).unwrap();
    assert_eq!(answer.status, 412, "{:?}", answer.json());
    assert_eq!(answer.json()["error_code"], 109);
    // Same connection, next request: it was kept.
    stream
        .write_all(b"GET /_mock/health HTTP/1.1\r\nHost: test\r\n\r\n")
        .unwrap();
    assert_eq!(read_answer(&mut stream).unwrap().status, 200);

    // A 404 and a 405 with a body wait for it too.
    for head in [
        "POST /v3/nowhere HTTP/1.1\r\nHost: t\r\nContent-Length: 300000\r\n\r\n",
        "PATCH /v3/assets HTTP/1.1\r\nHost: t\r\nContent-Length: 300000\r\n\r\n",
    ] {
        let mut stream = raw_connect(&server);
        stream.write_all(head.as_bytes()).unwrap();
        stream.write_all(&vec![b'y'; 300_000]).unwrap();
        let answer = read_answer(&mut stream).unwrap();
        assert!(
            matches!(answer.status, 404 | 405),
            "{head}: {}",
            answer.status
        );
        assert!(answer.json()["error_code"].is_u64());
    }
    assert!(server.list_uids("").await.is_empty());
}

#[tokio::test]
async fn a_body_that_stalls_fails_with_408_and_leaves_nothing() {
    let server = TestServer::start_with(&["--body-timeout", "1s"]).await;
    let mut stream = raw_connect(&server);
    stream
        .write_all(upload_head(API_KEY, 100_000).as_bytes())
        .unwrap();
    stream
        .write_all(
            b"--XYZ\r\nContent-Disposition: form-data; name=\"asset[upload]\"; filename=\"slow.bin\"\r\n\r\nabc",
        )
        .unwrap();
    let started = Instant::now();
    let answer = read_answer(&mut stream).unwrap();
    assert_eq!(answer.status, 408, "{:?}", answer.json());
    assert_eq!(answer.json()["error_code"], 125);
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(server.stored_file_count(), 0);
    assert_eq!(server.temp_file_count(), 0);
    assert!(server.list_uids("").await.is_empty());
}

#[tokio::test]
async fn silent_sockets_are_closed_after_the_header_timeout_and_health_answers_meanwhile() {
    let server = TestServer::start_with(&["--header-timeout", "1s"]).await;
    let silent: Vec<_> = (0..300).map(|_| raw_connect(&server)).collect();
    let started = Instant::now();
    let (status, _) = send(server.client.get(server.url("/_mock/health"))).await;
    assert_eq!(status, 200);
    for mut socket in silent {
        socket
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let mut buf = [0u8; 16];
        let read = std::io::Read::read(&mut socket, &mut buf);
        assert!(
            matches!(read, Ok(0) | Err(_)),
            "a silent socket got {read:?}"
        );
    }
    let waited = started.elapsed();
    assert!(waited < Duration::from_secs(4), "closed after {waited:?}");
}

#[tokio::test]
async fn connections_over_the_cap_get_a_503_in_the_error_shape() {
    let server = TestServer::start_with(&["--max-connections", "3"]).await;
    let _held: Vec<_> = (0..3).map(|_| raw_connect(&server)).collect();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut extra = raw_connect(&server);
    let answer = read_answer(&mut extra).unwrap();
    assert_eq!(answer.status, 503);
    assert_eq!(answer.json()["error_code"], 503);
    assert!(
        answer.json()["error_message"]
            .as_str()
            .unwrap()
            .contains("at most 3")
    );
}

#[tokio::test]
async fn queries_over_the_limits_are_422_naming_the_limit() {
    let server = TestServer::start().await;
    let or_terms: Vec<_> = (0..999)
        .map(|i| json!({"title": format!("t{i}")}))
        .collect();
    let cases = [
        (json!({"$or": or_terms}), "at most 100"),
        (
            json!({"title": {"$regex": "(?:\\w{40}z|\\w{41}q)", "$options": "i"}}),
            "too complex",
        ),
        (json!({"title": {"$regex": "a".repeat(600)}}), "at most 512"),
    ];
    for (query, needle) in cases {
        let text = urlencode(&query.to_string());
        let (status, body) = send(server.get(&format!("/v3/assets?query={text}"))).await;
        assert_error(status, &body, 422, 121);
        let message = body["error_message"].as_str().unwrap();
        assert!(message.contains(needle), "{message}");
    }
    let mut nested = json!({"title": "x"});
    for _ in 0..12 {
        nested = json!({"$and": [nested]});
    }
    let (status, body) = send(server.get(&format!(
        "/v3/assets?query={}",
        urlencode(&nested.to_string())
    )))
    .await;
    assert_error(status, &body, 422, 121);
}

/// Assets with long descriptions, for slow regular expressions.
/// `n` assets with a 16 KiB description each (the longest allowed).
async fn long_descriptions(server: &TestServer, n: usize) {
    let description: String = "lorem ipsum dolor sit amet ".repeat(600);
    for i in 0..n {
        server
            .upload(
                &format!("d{i}.txt"),
                b"x",
                &[("asset[description]", &description)],
            )
            .await;
    }
}

#[tokio::test]
async fn a_query_past_its_time_budget_is_stopped_and_health_stays_up() {
    let server = TestServer::start_with(&["--query-timeout", "20ms"]).await;
    // Twelve `$regex` terms over these take several times 100 ms on either backend
    // (PostgreSQL's regular expressions scan them about four times faster than SQLite's
    // calls into Rust's: 40 assets took 75 ms there).
    long_descriptions(&server, 160).await;
    let terms: Vec<_> = (0..12)
        .map(|i| json!({"description": {"$regex": format!("\\w{{8}}z{i}"), "$options": "i"}}))
        .collect();
    let url = format!(
        "/v3/assets?include_count=true&query={}",
        urlencode(&json!({"$or": terms}).to_string())
    );
    let mut running = Vec::new();
    for _ in 0..8 {
        let request = server.get(&url);
        running.push(tokio::spawn(send(request)));
    }
    // Health has its own connection: it answers while the readers are busy.
    let (status, _) = send(server.client.get(server.url("/_mock/health"))).await;
    assert_eq!(status, 200);
    for task in running {
        let (status, body) = task.await.unwrap();
        assert_error(status, &body, 422, 121);
        let message = body["error_message"].as_str().unwrap();
        assert!(message.contains("longer than 20 ms"), "{message}");
    }
    // The readers are free again: an ordinary listing answers.
    assert_eq!(server.list_uids("limit=1").await.len(), 1);
}

#[tokio::test]
async fn a_crowd_of_slow_queries_answers_within_its_budget_and_health_stays_fast() {
    // Each of these queries needs far more than 100 ms; 32 of them at once would wait
    // for each other's readers for seconds if the wait did not count against the budget.
    let server = TestServer::start_with(&["--query-timeout", "100ms"]).await;
    // Twelve `$regex` terms over these take several times 100 ms on either backend
    // (PostgreSQL's regular expressions scan them about four times faster than SQLite's
    // calls into Rust's: 40 assets took 75 ms there).
    long_descriptions(&server, 160).await;
    let terms: Vec<_> = (0..12)
        .map(|i| json!({"description": {"$regex": format!("\\w{{8}}z{i}"), "$options": "i"}}))
        .collect();
    let url = format!(
        "/v3/assets?include_count=true&query={}",
        urlencode(&json!({"$or": terms}).to_string())
    );
    let mut running = Vec::new();
    for _ in 0..32 {
        let request = server.get(&url);
        running.push(tokio::spawn(async move {
            let started = std::time::Instant::now();
            let answer = send(request).await;
            (answer, started.elapsed())
        }));
    }
    let mut health = Vec::new();
    for _ in 0..5 {
        let started = std::time::Instant::now();
        let (status, _) = send(server.client.get(server.url("/_mock/health"))).await;
        assert_eq!(status, 200);
        health.push(started.elapsed());
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let mut slowest = std::time::Duration::ZERO;
    for task in running {
        let ((status, body), took) = task.await.unwrap();
        assert_error(status, &body, 422, 121);
        slowest = slowest.max(took);
    }
    // Generous bounds (a busy machine stretches both); waiting in line takes seconds.
    assert!(
        slowest.as_millis() < 700,
        "the slowest answer took {slowest:?}"
    );
    let worst = health.iter().max().unwrap();
    assert!(worst.as_millis() < 500, "health took {worst:?}");
}

#[tokio::test]
async fn an_8_mib_tags_part_is_422_and_memory_stays_small() {
    let server = TestServer::start().await;
    let tags = "t,".repeat(4 * 1024 * 1024);
    let form = Form::new().text("asset[tags]", tags).part(
        "asset[upload]",
        Part::bytes(b"x".to_vec()).file_name("a.txt"),
    );
    let (status, body) = send(server.post("/v3/assets").multipart(form)).await;
    assert_error(status, &body, 422, 120);
    assert!(body["errors"]["asset[tags]"].is_array(), "{body}");
    assert!(server.list_uids("").await.is_empty());
    assert_eq!(server.stored_file_count(), 0);
    let peak = peak_rss_kib(server.pid());
    assert!(peak < 64 * 1024, "peak RSS {peak} KiB");
}

#[tokio::test]
async fn long_text_fields_are_422_naming_the_field_and_the_limit() {
    let server = TestServer::start().await;
    let asset = server.upload("a.txt", b"x", &[]).await;
    let uid = asset["uid"].as_str().unwrap();
    let cases = [
        (
            json!({"asset": {"title": "t".repeat(1025)}}),
            "title",
            "1024",
        ),
        (
            json!({"asset": {"description": "d".repeat(20_000)}}),
            "description",
            "16384",
        ),
        (json!({"asset": {"tags": vec!["x"; 101]}}), "tags", "100"),
        (json!({"asset": {"tags": ["y".repeat(300)]}}), "tags", "256"),
    ];
    for (body, field, limit) in cases {
        let (status, answer) = send(server.put(&format!("/v3/assets/{uid}")).json(&body)).await;
        assert_error(status, &answer, 422, 120);
        assert!(answer["errors"][field].is_array(), "{answer}");
        assert!(
            answer["error_message"].as_str().unwrap().contains(limit),
            "{answer}"
        );
    }
    let (_, now) = send(server.get(&format!("/v3/assets/{uid}"))).await;
    assert_eq!(now["asset"], asset, "nothing changed");
    let (status, answer) = send(
        server
            .post("/v3/assets/folders")
            .json(&json!({"asset": {"name": "n".repeat(256)}})),
    )
    .await;
    assert_error(status, &answer, 422, 120);
    assert!(answer["errors"]["name"].is_array());
}

#[tokio::test]
async fn a_json_body_over_the_cap_is_413_in_the_error_shape() {
    let server = TestServer::start().await;
    let big = json!({"asset": {"name": "x".repeat(2 * 1024 * 1024)}});
    let (status, body) = send(server.post("/v3/assets/folders").json(&big)).await;
    assert_error(status, &body, 413, 102);
    assert!(server.list_uids("include_folders=true").await.is_empty());
}

#[tokio::test]
async fn long_filenames_are_cut_to_255_bytes_keeping_the_extension() {
    let server = TestServer::start().await;
    let name = format!("{}.jpeg", "n".repeat(400));
    let asset = server.upload(&name, b"x", &[]).await;
    let stored = asset["filename"].as_str().unwrap();
    assert_eq!(stored.len(), 255, "{stored}");
    assert!(stored.ends_with("n.jpeg"), "{stored}");
    let (status, _) = send(server.client.get(asset["url"].as_str().unwrap())).await;
    assert_eq!(status, 200);
}
