//! `/v3/assets`: upload, list and query, fetch, update, replace, delete, versions, with
//! the JSON shapes Contentstack's clients read.

use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::helpers::*;

/// A PNG header that says 3 x 2 pixels (enough for dimension sniffing).
pub fn tiny_png() -> Vec<u8> {
    let mut png = vec![0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13];
    png.extend_from_slice(b"IHDR");
    png.extend_from_slice(&3u32.to_be_bytes());
    png.extend_from_slice(&2u32.to_be_bytes());
    png.extend_from_slice(&[8, 6, 0, 0, 0, 0, 0, 0, 0]);
    png
}

fn is_contentstack_uid(uid: &str) -> bool {
    uid.len() == 19
        && uid.starts_with("blt")
        && uid[3..]
            .chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
}

fn is_millis_timestamp(text: &str) -> bool {
    // 2026-01-02T03:04:05.678Z
    text.len() == 24 && text.ends_with('Z') && &text[19..20] == "." && chrono_like(text)
}

fn chrono_like(text: &str) -> bool {
    text.as_bytes()[4] == b'-' && text.as_bytes()[10] == b'T'
}

#[tokio::test]
async fn upload_returns_201_and_the_asset_exactly_as_contentstack_shapes_it() {
    let server = TestServer::start().await;
    let (status, body) = send(server.post("/v3/assets").multipart(upload_form(
        "my photo #1.txt",
        b"hello world",
        &[
            ("asset[title]", "Greeting"),
            ("asset[description]", "A file"),
            ("asset[tags]", "one, two"),
        ],
    )))
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["notice"], "Asset created successfully.");
    let asset = &body["asset"];
    let keys: Vec<&str> = asset
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "uid",
            "created_at",
            "updated_at",
            "created_by",
            "updated_by",
            "content_type",
            "file_size",
            "tags",
            "filename",
            "url",
            "ACL",
            "is_dir",
            "parent_uid",
            "_version",
            "title",
            "description",
            "publish_details"
        ]
    );
    let uid = asset["uid"].as_str().unwrap();
    assert!(is_contentstack_uid(uid), "{uid}");
    assert!(
        is_millis_timestamp(asset["created_at"].as_str().unwrap()),
        "{asset}"
    );
    assert_eq!(asset["created_at"], asset["updated_at"]);
    assert_eq!(asset["content_type"], "text/plain");
    assert_eq!(asset["file_size"], json!("11"), "file_size is a string");
    assert_eq!(asset["tags"], json!(["one", "two"]));
    assert_eq!(asset["filename"], "my_photo__1.txt");
    assert_eq!(asset["title"], "Greeting");
    assert_eq!(asset["description"], "A file");
    assert_eq!(asset["ACL"], json!({}));
    assert_eq!(asset["is_dir"], false);
    assert_eq!(asset["parent_uid"], Value::Null);
    assert_eq!(asset["_version"], 1);
    assert_eq!(asset["publish_details"], json!([]));
    let url = asset["url"].as_str().unwrap();
    // The url names the address the request reached (reqwest sends the Host it used).
    let prefix = format!("{}/v3/assets/{API_KEY}/{uid}/", server.base);
    let version_uid = url
        .strip_prefix(&prefix)
        .unwrap()
        .strip_suffix("/my_photo__1.txt")
        .unwrap();
    assert_eq!(version_uid.len(), 24);
    assert!(version_uid.chars().all(|c| c.is_ascii_hexdigit()));
}

#[tokio::test]
async fn title_defaults_to_the_filename_and_description_is_absent_until_set() {
    let server = TestServer::start().await;
    let asset = server.upload("report.pdf", b"%PDF-1.4", &[]).await;
    assert_eq!(asset["title"], "report.pdf");
    assert_eq!(asset["content_type"], "application/pdf");
    assert_eq!(asset["tags"], json!([]));
    assert!(asset.get("description").is_none());
}

#[tokio::test]
async fn upload_without_a_file_is_rejected_and_stores_nothing() {
    let server = TestServer::start().await;
    let form = Form::new().text("asset[title]", "no file");
    let (status, body) = send(server.post("/v3/assets").multipart(form)).await;
    assert_error(status, &body, 422, 120);
    let (status, body) = send(server.post("/v3/assets")).await;
    assert_error(status, &body, 422, 120);
    let (status, body) = send(
        server
            .post("/v3/assets")
            .header("content-type", "application/json")
            .body("{}"),
    )
    .await;
    assert_error(status, &body, 400, 100);
    assert_eq!(server.stored_file_count(), 0);
    assert_eq!(server.list_uids("").await.len(), 0);
}

#[tokio::test]
async fn upload_into_a_missing_folder_is_rejected_and_removes_the_file() {
    let server = TestServer::start().await;
    let form = upload_form(
        "a.txt",
        b"data",
        &[("asset[parent_uid]", "blt0123456789abcdef")],
    );
    let (status, body) = send(server.post("/v3/assets").multipart(form)).await;
    assert_error(status, &body, 422, 145);
    assert_eq!(body["errors"]["parent_uid"][0], "is not valid.");
    assert_eq!(server.stored_file_count(), 0);
    assert_eq!(server.temp_file_count(), 0);
}

#[tokio::test]
async fn images_get_dimensions_on_request_and_are_listed_under_images() {
    let server = TestServer::start().await;
    let image = server.upload("pixel.png", &tiny_png(), &[]).await;
    server.upload("clip.mp4", b"\0\0\0\x18ftypmp42", &[]).await;
    server.upload("notes.txt", b"text", &[]).await;
    assert_eq!(image["content_type"], "image/png");
    assert!(image.get("dimension").is_none());
    let uid = image["uid"].as_str().unwrap();
    let (_, body) = send(server.get(&format!("/v3/assets/{uid}?include_dimension=true"))).await;
    // Integers, as Contentstack sends them (not 2.0 / 3.0).
    assert_eq!(body["asset"]["dimension"], json!({"height": 2, "width": 3}));
    assert!(body["asset"]["dimension"]["width"].is_u64(), "{body}");
    let (_, images) = send(server.get("/v3/assets/images")).await;
    let names: Vec<&str> = images["assets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["filename"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["pixel.png"]);
    let (_, videos) = send(server.get("/v3/assets/videos")).await;
    assert_eq!(videos["assets"][0]["filename"], "clip.mp4");
    assert_eq!(videos["assets"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn list_pages_with_skip_and_limit_and_counts() {
    let server = TestServer::start().await;
    for i in 0..5 {
        server
            .upload(&format!("f{i}.txt"), format!("file {i}").as_bytes(), &[])
            .await;
    }
    let all = server.list_uids("asc=created_at").await;
    assert_eq!(all.len(), 5);
    assert_eq!(
        server.list_uids("asc=created_at&skip=1&limit=2").await,
        all[1..3].to_vec()
    );
    assert_eq!(
        server.list_uids("asc=created_at&skip=4&limit=10").await,
        all[4..].to_vec()
    );
    // The CLI sends skip=1e+100 with count=true; a huge skip is an empty page, not an error.
    assert!(server.list_uids("skip=1e%2B100").await.is_empty());
    let (status, body) = send(
        server
            .get("/v3/assets?limit=1&skip=1e%2B100&asc=created_at&include_count=false&count=true"),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body, json!({"assets": 5}));
    let (_, body) = send(server.get("/v3/assets?include_count=True&limit=2")).await;
    assert_eq!(body["count"], 5);
    assert_eq!(body["assets"].as_array().unwrap().len(), 2);
    let mut desc = server.list_uids("desc=created_at").await;
    desc.reverse();
    assert_eq!(desc, all);
}

#[tokio::test]
async fn limit_defaults_to_and_is_clamped_at_100() {
    let server = TestServer::start().await;
    let uploads = (0..105).map(|i| {
        let server = &server;
        async move { server.upload(&format!("{i}.txt"), b"x", &[]).await }
    });
    futures_join_all(uploads).await;
    assert_eq!(server.list_uids("").await.len(), 100);
    assert_eq!(server.list_uids("limit=500").await.len(), 100);
    assert_eq!(server.list_uids("skip=100").await.len(), 5);
}

async fn futures_join_all<F: std::future::Future>(
    futures: impl IntoIterator<Item = F>,
) -> Vec<F::Output> {
    let mut out = Vec::new();
    for future in futures {
        out.push(future.await);
    }
    out
}

#[tokio::test]
async fn query_filters_select_by_field_and_operator() {
    let server = TestServer::start().await;
    let a = server
        .upload(
            "a.txt",
            b"1",
            &[("asset[title]", "Alpha"), ("asset[tags]", "red,big")],
        )
        .await;
    let b = server
        .upload(
            "b.txt",
            b"22",
            &[("asset[title]", "Beta"), ("asset[tags]", "blue")],
        )
        .await;
    let c = server
        .upload("c.png", &tiny_png(), &[("asset[title]", "Gamma")])
        .await;
    let uid = |v: &Value| v["uid"].as_str().unwrap().to_owned();
    let q = |query: Value| format!("asc=created_at&query={}", urlencode(&query.to_string()));

    assert_eq!(
        server.list_uids(&q(json!({"title": "Beta"}))).await,
        [uid(&b)]
    );
    assert_eq!(
        server.list_uids(&q(json!({"tags": "red"}))).await,
        [uid(&a)]
    );
    assert_eq!(
        server
            .list_uids(&q(json!({"tags": {"$in": ["blue", "red"]}})))
            .await,
        [uid(&a), uid(&b)]
    );
    assert_eq!(
        server
            .list_uids(&q(json!({"title": {"$nin": ["Alpha", "Beta"]}})))
            .await,
        [uid(&c)]
    );
    assert_eq!(
        server
            .list_uids(&q(json!({"title": {"$ne": "Alpha"}})))
            .await,
        [uid(&b), uid(&c)]
    );
    assert_eq!(
        server
            .list_uids(&q(json!({"title": {"$regex": "^g", "$options": "i"}})))
            .await,
        [uid(&c)]
    );
    assert_eq!(
        server
            .list_uids(&q(json!({"file_size": {"$gte": 2, "$lt": 10}})))
            .await,
        [uid(&b)]
    );
    assert_eq!(
        server
            .list_uids(&q(json!({"description": {"$exists": false}})))
            .await
            .len(),
        3
    );
    assert_eq!(
        server
            .list_uids(&q(
                json!({"$or": [{"title": "Alpha"}, {"content_type": "image/png"}]})
            ))
            .await,
        [uid(&a), uid(&c)]
    );
    assert_eq!(
        server
            .list_uids(&q(json!({"$and": [{"tags": "red"}, {"title": "Beta"}]})))
            .await,
        Vec::<String>::new()
    );
}

#[tokio::test]
async fn unsupported_or_malformed_queries_are_422_with_a_clear_message() {
    let server = TestServer::start().await;
    for (query, needle) in [
        ("{not json", "not valid JSON"),
        (r#"{"$and": [{}, {}]}"#, "must not be empty"),
        (r#"{"colour": "red"}"#, "'colour'"),
        (r#"{"title": {"$near": 1}}"#, "$near"),
    ] {
        let (status, body) =
            send(server.get(&format!("/v3/assets?query={}", urlencode(query)))).await;
        assert_error(status, &body, 422, 121);
        assert!(
            body["error_message"].as_str().unwrap().contains(needle),
            "{body}"
        );
        assert_eq!(body["errors"]["query"][0], "is not valid.");
    }
    let (status, body) = send(server.get("/v3/assets?asc=colour")).await;
    assert_error(status, &body, 422, 121);
}

pub fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[tokio::test]
async fn relative_urls_drop_the_host() {
    let server = TestServer::start().await;
    let asset = server.upload("a.txt", b"x", &[]).await;
    let uid = asset["uid"].as_str().unwrap();
    let (_, body) = send(server.get(&format!("/v3/assets/{uid}?relative_urls=true"))).await;
    let url = body["asset"]["url"].as_str().unwrap();
    assert!(
        url.starts_with(&format!("/v3/assets/{API_KEY}/{uid}/")),
        "{url}"
    );
}

#[tokio::test]
async fn missing_asset_is_422_with_code_145() {
    let server = TestServer::start().await;
    for request in [
        server.get("/v3/assets/blt0123456789abcdef"),
        server
            .put("/v3/assets/blt0123456789abcdef")
            .json(&json!({"asset": {"title": "x"}})),
        server.delete("/v3/assets/blt0123456789abcdef"),
        server.get("/v3/assets/blt0123456789abcdef/versions"),
    ] {
        let (status, body) = send(request).await;
        assert_error(status, &body, 422, 145);
        assert_eq!(body["error_message"], "Asset was not found.");
        assert_eq!(body["errors"], json!({"uid": ["is not valid."]}));
    }
}

#[tokio::test]
async fn update_ignores_read_only_fields_sent_back_by_the_js_sdk() {
    let server = TestServer::start().await;
    let asset = server.upload("a.txt", b"x", &[]).await;
    let uid = asset["uid"].as_str().unwrap();
    // The JS SDK PUTs the whole fetched object back.
    let mut whole = asset.clone();
    whole["title"] = json!("Renamed");
    whole["tags"] = json!(["t1", "t2"]);
    whole["url"] = json!("http://elsewhere/x");
    whole["filename"] = json!("evil.exe");
    whole["_version"] = json!(99);
    whole["file_size"] = json!("1");
    let (status, body) = send(
        server
            .put(&format!("/v3/assets/{uid}"))
            .json(&json!({"asset": whole})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["notice"], "Asset updated successfully.");
    let updated = &body["asset"];
    assert_eq!(updated["title"], "Renamed");
    assert_eq!(updated["tags"], json!(["t1", "t2"]));
    assert_eq!(updated["_version"], 2);
    assert_eq!(updated["filename"], "a.txt");
    assert_eq!(
        updated["url"], asset["url"],
        "a details update keeps the file URL"
    );
    assert_eq!(updated["file_size"], "1");
    assert_eq!(updated["created_at"], asset["created_at"]);
}

#[tokio::test]
async fn update_reads_json_whatever_the_content_type_says() {
    let server = TestServer::start().await;
    let asset = server.upload("a.txt", b"x", &[]).await;
    let uid = asset["uid"].as_str().unwrap();
    // The Python SDK sends a JSON string with `Content-Type: multipart/form-data`.
    let (status, body) = send(
        server
            .put(&format!("/v3/assets/{uid}"))
            .header("content-type", "multipart/form-data")
            .body(r#"{"asset": {"title": "From Python", "description": "d"}}"#),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["asset"]["title"], "From Python");
    assert_eq!(body["asset"]["description"], "d");
}

#[tokio::test]
async fn malformed_json_is_400_and_changes_nothing() {
    let server = TestServer::start().await;
    let asset = server.upload("a.txt", b"x", &[]).await;
    let uid = asset["uid"].as_str().unwrap();
    let (status, body) = send(
        server
            .put(&format!("/v3/assets/{uid}"))
            .header("content-type", "application/json")
            .body("{\"asset\": {\"title\": "),
    )
    .await;
    assert_error(status, &body, 400, 100);
    let (_, now) = send(server.get(&format!("/v3/assets/{uid}"))).await;
    assert_eq!(now["asset"], asset);
}

#[tokio::test]
async fn multipart_update_moves_an_asset_into_a_folder() {
    let server = TestServer::start().await;
    let folder = server.create_folder("Docs", None).await;
    let folder_uid = folder["uid"].as_str().unwrap();
    let asset = server.upload("a.txt", b"x", &[]).await;
    let uid = asset["uid"].as_str().unwrap();
    let form = Form::new()
        .text("asset[parent_uid]", folder_uid.to_owned())
        .text("asset[title]", "Moved");
    let (status, body) = send(server.put(&format!("/v3/assets/{uid}")).multipart(form)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["asset"]["parent_uid"], folder_uid);
    assert_eq!(
        server.list_uids(&format!("folder={folder_uid}")).await,
        [uid]
    );
    assert!(server.list_uids("folder=cs_root").await.is_empty());
}

#[tokio::test]
async fn replace_stores_a_new_file_with_a_new_url_and_keeps_the_old_version() {
    let server = TestServer::start().await;
    let asset = server
        .upload("v1.txt", b"first", &[("asset[title]", "Doc")])
        .await;
    let uid = asset["uid"].as_str().unwrap();
    let form = Form::new().part(
        "asset[upload]",
        Part::bytes(b"second version".to_vec()).file_name("v2.txt"),
    );
    let (status, body) = send(server.put(&format!("/v3/assets/{uid}")).multipart(form)).await;
    assert_eq!(status, 200, "{body}");
    let replaced = &body["asset"];
    assert_eq!(replaced["_version"], 2);
    assert_eq!(replaced["filename"], "v2.txt");
    assert_eq!(replaced["file_size"], "14");
    assert_eq!(replaced["title"], "Doc", "replace keeps the title");
    assert_ne!(replaced["url"], asset["url"]);
    let fetch = |url: &Value| {
        server
            .client
            .get(url.as_str().unwrap().replace("localhost", "127.0.0.1"))
            .send()
    };
    assert_eq!(
        fetch(&replaced["url"]).await.unwrap().text().await.unwrap(),
        "second version"
    );
    assert_eq!(
        fetch(&asset["url"]).await.unwrap().text().await.unwrap(),
        "first"
    );
    let (_, old) = send(server.get(&format!("/v3/assets/{uid}?version=1"))).await;
    assert_eq!(old["asset"]["_version"], 1);
    assert_eq!(old["asset"]["url"], asset["url"]);
    assert_eq!(server.stored_file_count(), 2);
}

#[tokio::test]
async fn replace_accepts_the_python_sdk_form() {
    let server = TestServer::start().await;
    let asset = server.upload("a.txt", b"old", &[]).await;
    let uid = asset["uid"].as_str().unwrap();
    // Part named `asset`, no part content type, and a Content-Type header without boundary.
    let boundary = "pyboundary123";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"asset\"; filename=\"new.png\"\r\n\r\n"
    );
    let mut bytes = body.into_bytes();
    bytes.extend_from_slice(&tiny_png());
    bytes.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let (status, body) = send(
        server
            .put(&format!("/v3/assets/{uid}"))
            .header("content-type", "multipart/form-data")
            .body(bytes),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["asset"]["filename"], "new.png");
    assert_eq!(body["asset"]["content_type"], "image/png");
    assert_eq!(body["asset"]["_version"], 2);
}

#[tokio::test]
async fn versions_are_listed_newest_first_with_count() {
    let server = TestServer::start().await;
    let asset = server.upload("a.txt", b"x", &[]).await;
    let uid = asset["uid"].as_str().unwrap();
    for title in ["two", "three"] {
        let (status, _) = send(
            server
                .put(&format!("/v3/assets/{uid}"))
                .json(&json!({"asset": {"title": title}})),
        )
        .await;
        assert_eq!(status, 200);
    }
    let (status, body) =
        send(server.get(&format!("/v3/assets/{uid}/versions?include_count=true"))).await;
    assert_eq!(status, 200, "{body}");
    let versions: Vec<i64> = body["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["_version"].as_i64().unwrap())
        .collect();
    assert_eq!(versions, [3, 2, 1]);
    assert_eq!(body["count"], 3);
    assert_eq!(body["versions"][0]["updated_by"], asset["created_by"]);
    assert!(body["versions"][0]["updated_at"].is_string());
}

#[tokio::test]
async fn delete_hides_the_asset_everywhere() {
    let server = TestServer::start().await;
    let keep = server.upload("keep.txt", b"keep", &[]).await;
    let gone = server.upload("gone.txt", b"gone", &[]).await;
    let uid = gone["uid"].as_str().unwrap();
    let (status, body) = send(server.delete(&format!("/v3/assets/{uid}"))).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, json!({"notice": "Asset deleted successfully."}));
    assert_eq!(server.list_uids("").await, [keep["uid"].as_str().unwrap()]);
    let (_, count) = send(server.get("/v3/assets?count=true")).await;
    assert_eq!(count, json!({"assets": 1}));
    let (status, body) = send(server.get(&format!("/v3/assets/{uid}"))).await;
    assert_error(status, &body, 422, 145);
    let (status, body) = send(server.delete(&format!("/v3/assets/{uid}"))).await;
    assert_error(status, &body, 422, 145);
    let file = server
        .client
        .get(
            gone["url"]
                .as_str()
                .unwrap()
                .replace("localhost", "127.0.0.1"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(file.status(), 404);
}

#[tokio::test]
async fn get_and_delete_accept_a_json_content_type_with_no_body() {
    let server = TestServer::start().await;
    let asset = server.upload("a.txt", b"x", &[]).await;
    let uid = asset["uid"].as_str().unwrap();
    let (status, _) = send(
        server
            .get(&format!("/v3/assets/{uid}"))
            .header("content-type", "application/json"),
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = send(
        server
            .delete(&format!("/v3/assets/{uid}"))
            .header("content-type", "application/json"),
    )
    .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn every_v3_response_carries_the_stack_clock() {
    let server = TestServer::start().await;
    let response = server.get("/v3/assets").send().await.unwrap();
    let now = response.headers()["x-mock-now"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(is_millis_timestamp(&now), "{now}");
}

#[tokio::test]
async fn update_asset_revision_makes_an_old_version_the_latest() {
    let server = TestServer::start().await;
    let asset = server
        .upload("v1.txt", b"first", &[("asset[title]", "One")])
        .await;
    let uid = asset["uid"].as_str().unwrap();
    let form = Form::new().part(
        "asset[upload]",
        Part::bytes(b"second".to_vec()).file_name("v2.txt"),
    );
    send(server.put(&format!("/v3/assets/{uid}")).multipart(form)).await;
    let (status, body) = send(
        server
            .put(&format!("/v3/assets/{uid}"))
            .json(&json!({"asset": {"title": "Back"}, "version": 1})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let latest = &body["asset"];
    assert_eq!(latest["_version"], 3);
    assert_eq!(latest["title"], "Back");
    assert_eq!(latest["filename"], "v1.txt");
    assert_eq!(latest["url"], asset["url"]);
    let (status, body) = send(
        server
            .put(&format!("/v3/assets/{uid}"))
            .json(&json!({"asset": {}, "version": 9})),
    )
    .await;
    assert_error(status, &body, 422, 120);
}

#[tokio::test]
async fn rte_assets_list_images_as_a_bare_array() {
    let server = TestServer::start().await;
    let image = server.upload("pic.png", &tiny_png(), &[]).await;
    server.upload("doc.txt", b"text", &[]).await;
    let (status, body) = send(server.get("/v3/assets/rt")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!([{"image": image["url"], "thumb": image["url"], "title": "pic.png"}])
    );
}

#[tokio::test]
async fn a_revision_update_keeps_the_asset_in_its_current_folder_and_bad_regexes_are_422() {
    let server = TestServer::start().await;
    let folder = server.create_folder("F", None).await;
    let folder_uid = folder["uid"].as_str().unwrap();
    let asset = server
        .upload("a.txt", b"a", &[("asset[parent_uid]", folder_uid)])
        .await;
    let uid = asset["uid"].as_str().unwrap();
    send(
        server
            .put(&format!("/v3/assets/{uid}"))
            .json(&json!({"asset": {"parent_uid": null}})),
    )
    .await;
    send(server.delete(&format!("/v3/assets/folders/{folder_uid}"))).await;
    let (status, body) = send(
        server
            .put(&format!("/v3/assets/{uid}"))
            .json(&json!({"asset": {}, "version": 1})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["asset"]["parent_uid"],
        Value::Null,
        "not moved back into the trashed folder"
    );
    let (status, body) = send(server.get(&format!(
        "/v3/assets?query={}",
        urlencode(r#"{"title": {"$regex": "("}}"#)
    )))
    .await;
    assert_error(status, &body, 422, 121);
    // A named group is a valid pattern of the filter's check, which PostgreSQL's
    // regular expressions refuse: found on SQLite, a 422 there, never a 500.
    let (status, body) = send(server.get(&format!(
        "/v3/assets?query={}",
        urlencode(r#"{"title": {"$regex": "(?P<name>a)"}}"#)
    )))
    .await;
    match TestDatabase::from_env() {
        None => assert_eq!(status, 200, "{body}"),
        Some(_) => assert_error(status, &body, 422, 121),
    }
}

#[tokio::test]
async fn tag_queries_follow_every_change_of_an_asset() {
    let server = TestServer::start().await;
    let a = server
        .upload("a.txt", b"1", &[("asset[tags]", "red,blue")])
        .await;
    let b = server
        .upload("b.txt", b"2", &[("asset[tags]", "blue")])
        .await;
    let (a, b) = (
        a["uid"].as_str().unwrap().to_owned(),
        b["uid"].as_str().unwrap().to_owned(),
    );
    let tagged = |tag: &str| {
        format!(
            "asc=created_at&query={}",
            urlencode(&json!({"tags": tag}).to_string())
        )
    };
    let count_of = |tag: &str| {
        let path = format!(
            "/v3/assets?include_count=true&limit=1&query={}",
            urlencode(&json!({"tags": {"$in": [tag]}}).to_string())
        );
        let request = server.get(&path);
        async move {
            let (status, body) = send(request).await;
            assert_eq!(status, 200, "{body}");
            body["count"].as_i64().unwrap()
        }
    };
    assert_eq!(server.list_uids(&tagged("red")).await, [a.as_str()]);
    assert_eq!(
        server.list_uids(&tagged("blue")).await,
        [a.as_str(), b.as_str()]
    );
    assert_eq!(count_of("blue").await, 2);
    assert_eq!(
        server
            .list_uids(&format!(
                "asc=created_at&query={}",
                urlencode(&json!({"tags": {"$nin": ["red"]}}).to_string())
            ))
            .await,
        [b.as_str()]
    );
    assert_eq!(
        server
            .list_uids(&format!(
                "asc=created_at&query={}",
                urlencode(&json!({"tags": {"$regex": "^re"}}).to_string())
            ))
            .await,
        [a.as_str()]
    );

    // An update replaces the tags.
    let (status, body) = send(
        server
            .put(&format!("/v3/assets/{a}"))
            .json(&json!({"asset": {"tags": ["green"]}})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(server.list_uids(&tagged("red")).await.is_empty());
    assert_eq!(server.list_uids(&tagged("green")).await, [a.as_str()]);
    assert_eq!(count_of("blue").await, 1);

    // In the trash it is no match; restored, it is one again.
    let (status, body) = send(server.delete(&format!("/v3/assets/{a}"))).await;
    assert_eq!(status, 200, "{body}");
    assert!(server.list_uids(&tagged("green")).await.is_empty());
    let (status, body) = send(
        control(
            &server,
            reqwest::Method::POST,
            &format!("/_mock/stacks/{API_KEY}/trash/{a}/restore"),
        )
        .json(&json!({})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(server.list_uids(&tagged("green")).await, [a.as_str()]);

    // A reset leaves no tag behind.
    let (status, body) = send(control(
        &server,
        reqwest::Method::POST,
        &format!("/_mock/stacks/{API_KEY}/reset"),
    ))
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(server.list_uids(&tagged("blue")).await.is_empty());
    assert_eq!(count_of("green").await, 0);
}

#[tokio::test]
async fn a_common_tag_and_a_rare_one_page_and_count_alike() {
    // More assets with the common tag than a listing starts from by tag (2,000): its
    // pages come from the walk in date order, the rare tag's from the tag index.
    const COMMON: usize = 2_050;
    let server = TestServer::start().await;
    let common = upload_concurrently_with(&server, COMMON, 16, &[("asset[tags]", "common")]).await;
    let rare = upload_concurrently_with(&server, 3, 1, &[("asset[tags]", "common,rare")]).await;
    let page = |query: Value, extra: &str| {
        let path = format!(
            "/v3/assets?include_count=true&asc=created_at&{extra}&query={}",
            urlencode(&query.to_string())
        );
        let request = server.get(&path);
        async move {
            let (status, body) = send(request).await;
            assert_eq!(status, 200, "{body}");
            let uids: Vec<String> = body["assets"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a["uid"].as_str().unwrap().to_owned())
                .collect();
            (uids, body["count"].as_u64().unwrap() as usize)
        }
    };
    let (first, count) = page(json!({"tags": "common"}), "limit=5").await;
    assert_eq!(count, COMMON + 3);
    let (everything, _) = page(json!({}), "limit=5").await;
    assert_eq!(
        first, everything,
        "the first page is the first five uploaded"
    );
    let (last, _) = page(
        json!({"tags": "common"}),
        &format!("limit=5&skip={}", COMMON),
    )
    .await;
    assert_eq!(last, rare, "the last page holds the three uploaded last");
    let (only, count) = page(json!({"tags": {"$in": ["rare", "nowhere"]}}), "limit=100").await;
    assert_eq!((only, count), (rare.clone(), 3));
    let (both, count) = page(
        json!({"$and": [{"tags": "common"}, {"tags": "rare"}]}),
        "limit=2",
    )
    .await;
    assert_eq!((both, count), (rare[..2].to_vec(), 3));
    let (none, count) = page(json!({"tags": "nowhere"}), "limit=100").await;
    assert_eq!((none.len(), count), (0, 0));
    assert!(common.iter().all(|uid| !rare.contains(uid)));
}

#[tokio::test]
async fn title_regexes_follow_every_change_of_an_asset() {
    let server = TestServer::start().await;
    let mut uids = Vec::new();
    for title in [
        "Aurora borealis over the fjord",
        "Aurora australis",
        "Borealis \"quoted\"",
    ] {
        let asset = server
            .upload("a.txt", b"1", &[("asset[title]", title)])
            .await;
        uids.push(asset["uid"].as_str().unwrap().to_owned());
    }
    let (north, south, quoted) = (uids[0].as_str(), uids[1].as_str(), uids[2].as_str());
    let matching = |regex: Value| {
        let query = json!({"title": regex}).to_string();
        let path = format!("asc=created_at&query={}", urlencode(&query));
        let server = &server;
        async move { server.list_uids(&path).await }
    };
    assert_eq!(matching(json!({"$regex": "borealis"})).await, [north]);
    assert_eq!(
        matching(json!({"$regex": "^Aurora .*fjord$"})).await,
        [north]
    );
    assert_eq!(matching(json!({"$regex": "Aur(ora)+ a"})).await, [south]);
    assert_eq!(
        matching(json!({"$regex": "aurora", "$options": "i"})).await,
        [north, south]
    );
    assert_eq!(
        matching(json!({"$regex": "BOREALIS", "$options": "i"})).await,
        [north, quoted]
    );
    assert_eq!(matching(json!({"$regex": "\"quoted\""})).await, [quoted]);
    assert!(matching(json!({"$regex": "nowhere"})).await.is_empty());

    // A new title is found by its text, the old one no more.
    let (status, body) = send(
        server
            .put(&format!("/v3/assets/{south}"))
            .json(&json!({"asset": {"title": "Midnight sun"}})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(matching(json!({"$regex": "australis"})).await.is_empty());
    assert_eq!(matching(json!({"$regex": "night sun"})).await, [south]);

    // Trashed, no match; restored, a match again.
    let (status, body) = send(server.delete(&format!("/v3/assets/{north}"))).await;
    assert_eq!(status, 200, "{body}");
    assert!(matching(json!({"$regex": "borealis"})).await.is_empty());
    let (status, body) = send(
        control(
            &server,
            reqwest::Method::POST,
            &format!("/_mock/stacks/{API_KEY}/trash/{north}/restore"),
        )
        .json(&json!({})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(matching(json!({"$regex": "borealis"})).await, [north]);
}

/// Every count a listing without a query serves (read off the stack's counters) next to
/// the same count walked over the assets (a query that matches everything).
async fn counts_served_and_walked(server: &TestServer, folders: &[&str]) -> Vec<(i64, i64)> {
    let everything = urlencode(&json!({"uid": {"$exists": true}}).to_string());
    let mut scopes = vec![String::new(), "&folder=cs_root".to_owned()];
    scopes.extend(folders.iter().map(|uid| format!("&folder={uid}")));
    let mut counts = Vec::new();
    for scope in &scopes {
        for with_folders in ["", "&include_folders=true"] {
            let path = format!("/v3/assets?include_count=true&limit=1{scope}{with_folders}");
            let (status, served) = send(server.get(&path)).await;
            assert_eq!(status, 200, "{served}");
            let (status, walked) = send(server.get(&format!("{path}&query={everything}"))).await;
            assert_eq!(status, 200, "{walked}");
            counts.push((
                served["count"].as_i64().unwrap(),
                walked["count"].as_i64().unwrap(),
            ));
        }
    }
    counts
}

#[tokio::test]
async fn counts_without_a_query_follow_every_change_of_the_tree() {
    let server = TestServer::start().await;
    let outer = server.create_folder("outer", None).await;
    let outer = outer["uid"].as_str().unwrap().to_owned();
    let inner = server.create_folder("inner", Some(&outer)).await;
    let inner = inner["uid"].as_str().unwrap().to_owned();
    let folders = [outer.as_str(), inner.as_str()];
    let mut uids = Vec::new();
    for (i, parent) in ["", &outer, &inner, &inner, ""].iter().enumerate() {
        let fields: Vec<(&str, &str)> = if parent.is_empty() {
            Vec::new()
        } else {
            vec![("asset[parent_uid]", parent)]
        };
        let asset = server.upload(&format!("{i}.txt"), b"1", &fields).await;
        uids.push(asset["uid"].as_str().unwrap().to_owned());
    }
    let expect = |counts: Vec<(i64, i64)>, served: &[i64]| {
        let walked: Vec<i64> = counts.iter().map(|(_, walked)| *walked).collect();
        let got: Vec<i64> = counts.iter().map(|(served, _)| *served).collect();
        assert_eq!(got, walked, "the counters and the walk disagree");
        assert_eq!(got, served);
    };
    // (everywhere, with folders), root, outer, inner.
    expect(
        counts_served_and_walked(&server, &folders).await,
        &[5, 7, 2, 3, 1, 2, 2, 2],
    );

    // A move between folders.
    let (status, body) = send(
        server
            .put(&format!("/v3/assets/{}", uids[0]))
            .json(&json!({"asset": {"parent_uid": inner}})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    expect(
        counts_served_and_walked(&server, &folders).await,
        &[5, 7, 1, 2, 1, 2, 3, 3],
    );

    // The outer folder to the trash with all it holds, then back without its assets.
    let (status, body) = send(server.delete(&format!("/v3/assets/folders/{outer}"))).await;
    assert_eq!(status, 200, "{body}");
    // (The folders are not there to list.)
    expect(counts_served_and_walked(&server, &[]).await, &[1, 1, 1, 1]);
    let restore = |uid: &str, with_assets: bool| {
        control(
            &server,
            reqwest::Method::POST,
            &format!("/_mock/stacks/{API_KEY}/trash/{uid}/restore"),
        )
        .json(&json!({ "with_assets": with_assets }))
    };
    let (status, body) = send(restore(&outer, false)).await;
    assert_eq!(status, 200, "{body}");
    expect(
        counts_served_and_walked(&server, &folders).await,
        &[1, 3, 1, 2, 0, 1, 0, 0],
    );

    // A bulk delete, a purge of everything in the trash, then a reset.
    let (status, body) = send(
        server
            .post("/v3/bulk/delete")
            .json(&json!({"assets": [{"uid": uids[4]}]})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = send(control(
        &server,
        reqwest::Method::DELETE,
        &format!("/_mock/stacks/{API_KEY}/trash"),
    ))
    .await;
    assert_eq!(status, 200, "{body}");
    expect(
        counts_served_and_walked(&server, &folders).await,
        &[0, 2, 0, 1, 0, 1, 0, 0],
    );
    let (status, body) = send(control(
        &server,
        reqwest::Method::POST,
        &format!("/_mock/stacks/{API_KEY}/reset"),
    ))
    .await;
    assert_eq!(status, 200, "{body}");
    expect(counts_served_and_walked(&server, &[]).await, &[0; 4]);
}
