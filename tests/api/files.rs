//! The file URLs: exact bytes, content type, length, ETag, Range; 404 once deleted.

use crate::helpers::*;

fn local(url: &serde_json::Value) -> String {
    url.as_str().unwrap().replace("localhost", "127.0.0.1")
}

#[tokio::test]
async fn file_url_serves_the_stored_bytes_without_credentials() {
    let server = TestServer::start().await;
    let bytes: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
    let asset = server.upload("data.bin", &bytes, &[]).await;
    let response = server
        .client
        .get(local(&asset["url"]))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "application/octet-stream"
    );
    assert_eq!(response.headers()["content-length"], "70000");
    assert_eq!(response.headers()["accept-ranges"], "bytes");
    let etag = response.headers()["etag"].to_str().unwrap().to_owned();
    assert!(etag.starts_with('"') && etag.len() == 66, "{etag}");
    assert_eq!(response.bytes().await.unwrap().as_ref(), bytes.as_slice());

    let cached = server
        .client
        .get(local(&asset["url"]))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(cached.status(), 304);
}

#[tokio::test]
async fn range_requests_return_the_requested_slice() {
    let server = TestServer::start().await;
    let asset = server.upload("abc.txt", b"0123456789", &[]).await;
    let url = local(&asset["url"]);
    let part = server
        .client
        .get(&url)
        .header("range", "bytes=2-5")
        .send()
        .await
        .unwrap();
    assert_eq!(part.status(), 206);
    assert_eq!(part.headers()["content-range"], "bytes 2-5/10");
    assert_eq!(part.headers()["content-length"], "4");
    assert_eq!(part.text().await.unwrap(), "2345");
    let tail = server
        .client
        .get(&url)
        .header("range", "bytes=-3")
        .send()
        .await
        .unwrap();
    assert_eq!(tail.text().await.unwrap(), "789");
    let outside = server
        .client
        .get(&url)
        .header("range", "bytes=50-")
        .send()
        .await
        .unwrap();
    assert_eq!(outside.status(), 416);
    assert_eq!(outside.headers()["content-range"], "bytes */10");
}

#[tokio::test]
async fn head_gives_headers_without_a_body() {
    let server = TestServer::start().await;
    let asset = server.upload("abc.txt", b"0123456789", &[]).await;
    let response = server
        .client
        .head(local(&asset["url"]))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-length"], "10");
    assert!(response.bytes().await.unwrap().is_empty());
}

#[tokio::test]
async fn wrong_filename_version_or_stack_is_404() {
    let server = TestServer::start().await;
    let asset = server.upload("abc.txt", b"x", &[]).await;
    let url = local(&asset["url"]);
    for bad in [
        url.replace("abc.txt", "other.txt"),
        url.replace(API_KEY, "blt9999999999999999"),
        {
            let mut parts: Vec<&str> = url.rsplitn(3, '/').collect();
            parts[1] = "000000000000000000000000";
            parts.reverse();
            parts.join("/")
        },
    ] {
        let (status, body) = send(server.client.get(&bad)).await;
        assert_error(status, &body, 404, 145);
    }
}
