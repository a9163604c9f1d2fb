//! Correctness under stress and misuse: reset during uploads, one doorway into the
//! trash, faults only for real calls, exact clocks, tombstones, HTTP details, one
//! server per data dir, logs and shutdown.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::helpers::*;

fn mock(server: &TestServer, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
    control(server, method, path)
}

#[tokio::test]
async fn reset_and_stack_delete_succeed_while_uploads_stream() {
    let server = TestServer::start().await;
    let (key, token) = create_stack(&server, "busy").await;
    // Slow uploads to both stacks, body still arriving when the reset comes.
    let mut streams = Vec::new();
    for (api_key, credential) in [(API_KEY, TOKEN), (key.as_str(), token.as_str())] {
        for _ in 0..3 {
            let mut stream = raw_connect(&server);
            let head = format!(
                "POST /v3/assets HTTP/1.1\r\nHost: t\r\napi_key: {api_key}\r\nauthorization: {credential}\r\n\
                 Content-Type: multipart/form-data; boundary=XYZ\r\nContent-Length: 2000000\r\n\r\n\
                 --XYZ\r\nContent-Disposition: form-data; name=\"asset[upload]\"; filename=\"s.bin\"\r\n\r\n"
            );
            stream.write_all(head.as_bytes()).unwrap();
            stream.write_all(&[1u8; 500_000]).unwrap();
            streams.push(stream);
        }
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (status, body) = send(mock(
        &server,
        reqwest::Method::DELETE,
        &format!("/_mock/stacks/{key}"),
    ))
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = send(mock(&server, reqwest::Method::POST, "/_mock/reset")).await;
    assert_eq!(status, 200, "{body}");
    // The uploads finish sending and fail cleanly: their stack is gone or new.
    for mut stream in streams {
        let rest = vec![1u8; 1_500_000 - 2 - 9];
        let _ = stream.write_all(&rest);
        let _ = stream.write_all(b"\r\n--XYZ--\r\n");
        if let Ok(answer) = read_answer(&mut stream) {
            assert!(
                answer.status >= 400,
                "an upload across a reset landed: {}",
                answer.status
            );
            assert!(answer.json()["error_code"].is_u64());
        }
    }
    let (status, body) = send(mock(&server, reqwest::Method::GET, "/_mock/stacks")).await;
    assert_eq!(status, 200);
    assert_eq!(body["count"], 1, "{body}");
    assert_eq!(body["stacks"][0]["api_key"], API_KEY);
    assert!(server.list_uids("").await.is_empty());
    let report = check_consistency(&server.data_dir).await;
    assert_consistent(&report);
    assert_eq!(report.files_on_disk, 0, "{report:?}");
}

#[tokio::test]
async fn a_single_delete_near_the_year_9999_is_clamped_like_a_bulk_one() {
    let server = TestServer::start().await;
    let (status, body) = send(
        mock(
            &server,
            reqwest::Method::PUT,
            &format!("/_mock/stacks/{API_KEY}/clock"),
        )
        .json(&json!({"now": "9999-12-25T00:00:00Z"})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let one = server.upload("one.txt", b"1", &[]).await;
    let two = server.upload("two.txt", b"2", &[]).await;
    send(server.delete(&format!("/v3/assets/{}", one["uid"].as_str().unwrap()))).await;
    send(
        server
            .post("/v3/bulk/delete")
            .json(&json!({"assets": [{"uid": two["uid"]}]})),
    )
    .await;
    let trash = trash_of(&server, API_KEY).await;
    assert_eq!(trash["count"], 2, "nothing was purged at once: {trash}");
    for item in trash["items"].as_array().unwrap() {
        assert_eq!(item["purge_at"], "9999-12-31T23:59:59.999Z", "{item}");
        assert_eq!(item["restorable"], true);
    }
}

#[tokio::test]
async fn faults_are_used_only_by_authenticated_api_calls() {
    let server = TestServer::start().await;
    let asset = server.upload("f.txt", b"file", &[]).await;
    let (status, _) = send(
        mock(
            &server,
            reqwest::Method::POST,
            &format!("/_mock/stacks/{API_KEY}/faults"),
        )
        .json(&json!({"status": 503, "count": 1})),
    )
    .await;
    assert_eq!(status, 201);
    // A wrong token and a public file download pass the fault by.
    let (status, body) =
        send(server.request_as(reqwest::Method::GET, "/v3/assets", API_KEY, "wrong")).await;
    assert_error(status, &body, 401, 105);
    let file = server
        .client
        .get(asset["url"].as_str().unwrap())
        .header("api_key", API_KEY);
    assert_eq!(file.send().await.unwrap().status(), 200);
    // The first real call takes it.
    let (status, body) = send(server.get("/v3/assets")).await;
    assert_error(status, &body, 503, 503);
    let (status, _) = send(server.get("/v3/assets")).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn clock_advance_reports_its_offset_exactly() {
    let server = TestServer::start().await;
    let out = advance(&server, API_KEY, json!({"days": 13, "hours": 23})).await;
    assert_eq!(out["offset_seconds"], json!(1_206_000.0), "{out}");
    let (_, clock) = send(mock(
        &server,
        reqwest::Method::GET,
        &format!("/_mock/stacks/{API_KEY}/clock"),
    ))
    .await;
    assert_eq!(clock["offset_seconds"], json!(1_206_000.0), "{clock}");
}

#[tokio::test]
async fn a_restore_after_the_purge_says_when_the_item_was_purged() {
    let server = TestServer::start().await;
    let asset = server.upload("gone.txt", b"g", &[]).await;
    let uid = asset["uid"].as_str().unwrap();
    send(server.delete(&format!("/v3/assets/{uid}"))).await;
    let out = advance(&server, API_KEY, json!({"days": 15})).await;
    assert_eq!(out["purged"][0]["uid"], uid);
    let (status, body) = send(mock(
        &server,
        reqwest::Method::POST,
        &format!("/_mock/stacks/{API_KEY}/trash/{uid}/restore"),
    ))
    .await;
    assert_error(status, &body, 404, 404);
    let message = body["error_message"].as_str().unwrap();
    assert!(message.contains("was purged at"), "{message}");
    assert!(
        message.contains(&out["now"].as_str().unwrap()[..10]),
        "{message}"
    );
    // Something never deleted is told apart.
    let (_, body) = send(mock(
        &server,
        reqwest::Method::POST,
        &format!("/_mock/stacks/{API_KEY}/trash/blt0123456789abcdef/restore"),
    ))
    .await;
    assert!(
        body["error_message"]
            .as_str()
            .unwrap()
            .contains("never deleted"),
        "{body}"
    );
}

#[tokio::test]
async fn collection_routes_accept_a_trailing_slash() {
    let server = TestServer::start().await;
    server.upload("s.txt", b"s", &[]).await;
    let (status, body) = send(server.get("/v3/assets/?include_count=true")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["count"], 1);
    for path in ["/v3/assets/images/", "/v3/assets/videos/"] {
        let (status, _) = send(server.get(path)).await;
        assert_eq!(status, 200, "{path}");
    }
    let (status, _) = send(
        server
            .post("/v3/assets/folders/")
            .json(&json!({"asset": {"name": "F"}})),
    )
    .await;
    assert_eq!(status, 201);
    let (status, _) = send(mock(&server, reqwest::Method::GET, "/_mock/stacks/")).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn files_answer_weak_if_none_match_and_forbid_sniffing() {
    let server = TestServer::start().await;
    let asset = server.upload("w.txt", b"weak", &[]).await;
    let url = asset["url"].as_str().unwrap();
    let response = server.client.get(url).send().await.unwrap();
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    let etag = response.headers()["etag"].to_str().unwrap().to_owned();
    for tag in [
        etag.clone(),
        format!("W/{etag}"),
        format!("\"other\", W/{etag}"),
    ] {
        let response = server
            .client
            .get(url)
            .header("if-none-match", &tag)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 304, "{tag}");
    }
    let response = server
        .client
        .get(url)
        .header("if-none-match", "W/\"other\"")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn unreadable_paths_and_broken_bodies_answer_in_the_error_shape() {
    let server = TestServer::start().await;
    let mut stream = raw_connect(&server);
    stream
        .write_all(
            format!(
                "GET /v3/assets/%FF%FE HTTP/1.1\r\nHost: t\r\napi_key: {API_KEY}\r\nauthorization: {TOKEN}\r\n\r\n"
            )
            .as_bytes(),
        )
        .unwrap();
    let answer = read_answer(&mut stream).unwrap();
    assert_eq!(answer.status, 400);
    assert_eq!(answer.json()["error_code"], 100, "{:?}", answer.json());
    // A chunked body that breaks off with a bad chunk size.
    let mut stream = raw_connect(&server);
    stream
        .write_all(
            format!(
                "POST /v3/assets/folders HTTP/1.1\r\nHost: t\r\napi_key: {API_KEY}\r\nauthorization: {TOKEN}\r\n\
                 Transfer-Encoding: chunked\r\n\r\n5\r\n{{\"ass\r\nZZ\r\n"
            )
            .as_bytes(),
        )
        .unwrap();
    let answer = read_answer(&mut stream).unwrap();
    assert_eq!(answer.status, 400);
    assert_eq!(answer.json()["error_code"], 100, "{:?}", answer.json());
    assert!(server.list_uids("include_folders=true").await.is_empty());
}

#[tokio::test]
async fn a_second_server_on_the_same_data_dir_exits_naming_it() {
    let server = TestServer::start().await;
    let output = Command::new(env!("CARGO_BIN_EXE_contentstack-mock"))
        .args(["--listen", "127.0.0.1:0", "--data-dir"])
        .arg(&server.data_dir)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&server.data_dir.display().to_string()),
        "{stderr}"
    );
    assert!(stderr.contains("in use"), "{stderr}");
    // The first one is undisturbed.
    let (status, _) = send(server.client.get(server.url("/_mock/health"))).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn each_request_logs_one_plain_line_with_route_status_and_request_id() {
    let (server, log) = TestServer::start_logged(&[]).await;
    let response = server.get("/v3/assets?limit=1").send().await.unwrap();
    let request_id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(response.status(), 200);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let text = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<&str> = text.lines().filter(|l| l.contains(&request_id)).collect();
    assert_eq!(lines.len(), 1, "{text}");
    let line = lines[0];
    for needle in ["GET", "route=\"/v3/assets\"", "status=200", "latency_ms="] {
        assert!(line.contains(needle), "{needle} missing in {line}");
    }
    assert!(
        !text.contains('\u{1b}'),
        "colour codes in a log file: {text}"
    );
}

#[test]
fn sigterm_stops_the_server_even_when_stderr_is_a_closed_pipe() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_contentstack-mock"))
        .args(["--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let address = loop {
        let line = lines.next().unwrap().unwrap();
        if let Some(rest) = line.split("listening on http://").nth(1) {
            break rest.trim().to_owned();
        }
    };
    // Nobody reads the log any more, as after `... 2>&1 | head -3`.
    drop(child.stderr.take());
    for _ in 0..3 {
        let mut stream = std::net::TcpStream::connect(&address).unwrap();
        stream
            .write_all(b"GET /_mock/health HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
            .unwrap();
        let mut out = String::new();
        let _ = std::io::Read::read_to_string(&mut stream, &mut out);
        assert!(out.starts_with("HTTP/1.1 200"), "{out}");
    }
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "{status}");
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "SIGTERM was ignored"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[tokio::test]
async fn json_logs_have_one_answered_object_per_request() {
    let (server, log) = TestServer::start_logged(&["--log-format", "json"]).await;
    send(server.get("/v3/assets")).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let text = std::fs::read_to_string(&log).unwrap();
    let answered: Vec<Value> = text
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v["message"] == "answered")
        .collect();
    assert_eq!(answered.len(), 1, "{text}");
    assert_eq!(answered[0]["status"], 200);
}
