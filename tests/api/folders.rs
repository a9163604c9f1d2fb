//! `/v3/assets/folders`: create, fetch (with path), rename, move, delete, and the
//! nesting rules.

use serde_json::{Value, json};

use crate::helpers::*;

#[tokio::test]
async fn create_returns_201_and_the_folder_as_contentstack_shapes_it() {
    let server = TestServer::start().await;
    let (status, body) = send(
        server
            .post("/v3/assets/folders")
            .json(&json!({"asset": {"name": "My Folder", "parent_uid": null}})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["notice"], "Folder created successfully.");
    let folder = &body["asset"];
    let keys: Vec<&str> = folder
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
            "tags",
            "name",
            "ACL",
            "is_dir",
            "parent_uid",
            "_version"
        ]
    );
    assert_eq!(folder["name"], "My Folder");
    assert_eq!(folder["is_dir"], true);
    assert_eq!(folder["content_type"], "application/vnd.contenstack.folder");
    assert_eq!(folder["_version"], 1);
    assert!(
        folder.get("url").is_none()
            && folder.get("file_size").is_none()
            && folder.get("title").is_none()
    );
}

#[tokio::test]
async fn folder_listing_honours_folder_and_include_folders() {
    let server = TestServer::start().await;
    let docs = server.create_folder("Docs", None).await;
    let docs_uid = docs["uid"].as_str().unwrap();
    let sub = server.create_folder("Sub", Some(docs_uid)).await;
    let root_file = server.upload("root.txt", b"r", &[]).await;
    let inner = server
        .upload("inner.txt", b"i", &[("asset[parent_uid]", docs_uid)])
        .await;
    let uid = |v: &serde_json::Value| v["uid"].as_str().unwrap().to_owned();

    // No folder: every file, no folders.
    let mut all = server.list_uids("").await;
    all.sort();
    let mut want = vec![uid(&root_file), uid(&inner)];
    want.sort();
    assert_eq!(all, want);
    assert_eq!(server.list_uids("folder=cs_root").await, [uid(&root_file)]);
    assert_eq!(
        server.list_uids(&format!("folder={docs_uid}")).await,
        [uid(&inner)]
    );
    let mut with_folders = server
        .list_uids(&format!("folder={docs_uid}&include_folders=true"))
        .await;
    with_folders.sort();
    let mut want = vec![uid(&inner), uid(&sub)];
    want.sort();
    assert_eq!(with_folders, want);
    // The folder never lists itself (the CLI recursed forever on a mock that did).
    let root_items = server
        .list_uids("folder=cs_root&include_folders=true")
        .await;
    assert!(root_items.contains(&docs_uid.to_owned()) && !root_items.contains(&uid(&sub)));
    // Folders by query, as the CLI export and "get folder by name" do.
    let by_name = server
        .list_uids(&format!(
            "query={}",
            crate::assets::urlencode(r#"{"is_dir": true, "name": "Sub"}"#)
        ))
        .await;
    assert_eq!(by_name, [uid(&sub)]);
    let (_, count) = send(server.get(&format!(
        "/v3/assets?count=true&query={}",
        crate::assets::urlencode(r#"{"is_dir":true}"#)
    )))
    .await;
    assert_eq!(count, json!({"assets": 2}));
    let (status, body) = send(server.get("/v3/assets?folder=blt0123456789abcdef")).await;
    assert_error(status, &body, 422, 145);
}

#[tokio::test]
async fn get_with_include_path_lists_the_ancestors() {
    let server = TestServer::start().await;
    let a = server.create_folder("A", None).await;
    let b = server.create_folder("B", a["uid"].as_str()).await;
    let c = server.create_folder("C", b["uid"].as_str()).await;
    let (status, body) = send(server.get(&format!(
        "/v3/assets/folders/{}?include_path=true",
        c["uid"].as_str().unwrap()
    )))
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["asset"]["path"],
        json!([{"uid": a["uid"], "name": "A"}, {"uid": b["uid"], "name": "B"}])
    );
    let (_, plain) = send(server.get(&format!(
        "/v3/assets/folders/{}",
        c["uid"].as_str().unwrap()
    )))
    .await;
    assert!(plain["asset"].get("path").is_none());
}

#[tokio::test]
async fn rename_and_move_return_200_and_bump_the_version() {
    let server = TestServer::start().await;
    let a = server.create_folder("A", None).await;
    let b = server.create_folder("B", None).await;
    let b_uid = b["uid"].as_str().unwrap();
    let (status, body) = send(
        server
            .put(&format!("/v3/assets/folders/{b_uid}"))
            .json(&json!({"asset": {"name": "B2", "parent_uid": a["uid"]}})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["notice"], "Folder updated successfully.");
    assert_eq!(body["asset"]["name"], "B2");
    assert_eq!(body["asset"]["parent_uid"], a["uid"]);
    assert_eq!(body["asset"]["_version"], 2);
    // Back to the root.
    let (_, body) = send(
        server
            .put(&format!("/v3/assets/folders/{b_uid}"))
            .json(&json!({"asset": {"parent_uid": null}})),
    )
    .await;
    assert_eq!(body["asset"]["parent_uid"], serde_json::Value::Null);
    assert_eq!(body["asset"]["name"], "B2");
}

#[tokio::test]
async fn nesting_deeper_than_five_levels_is_refused() {
    let server = TestServer::start().await;
    let mut parent: Option<String> = None;
    for level in 1..=5 {
        let folder = server
            .create_folder(&format!("L{level}"), parent.as_deref())
            .await;
        parent = folder["uid"].as_str().map(str::to_owned);
    }
    let (status, body) = send(
        server
            .post("/v3/assets/folders")
            .json(&json!({"asset": {"name": "L6", "parent_uid": parent}})),
    )
    .await;
    assert_error(status, &body, 422, 122);
    assert!(body["error_message"].as_str().unwrap().contains('5'));
    // Moving a two-level subtree under level 4 would make level 6.
    let top = server.create_folder("T", None).await;
    server.create_folder("T-child", top["uid"].as_str()).await;
    let (_, l1) =
        send(server.get("/v3/assets?query=%7B%22name%22%3A%22L4%22%7D&include_folders=true")).await;
    let l4 = l1["assets"][0]["uid"].as_str().unwrap().to_owned();
    let (status, body) = send(
        server
            .put(&format!(
                "/v3/assets/folders/{}",
                top["uid"].as_str().unwrap()
            ))
            .json(&json!({"asset": {"parent_uid": l4}})),
    )
    .await;
    assert_error(status, &body, 422, 122);
    let (_, count) =
        send(server.get("/v3/assets?count=true&query=%7B%22is_dir%22%3Atrue%7D")).await;
    assert_eq!(count["assets"], 7, "nothing was created or moved");
}

#[tokio::test]
async fn a_folder_cannot_move_into_itself_or_its_subtree() {
    let server = TestServer::start().await;
    let a = server.create_folder("A", None).await;
    let a_uid = a["uid"].as_str().unwrap();
    let child = server.create_folder("Child", Some(a_uid)).await;
    for target in [a_uid, child["uid"].as_str().unwrap()] {
        let (status, body) = send(
            server
                .put(&format!("/v3/assets/folders/{a_uid}"))
                .json(&json!({"asset": {"parent_uid": target}})),
        )
        .await;
        assert_error(status, &body, 422, 122);
    }
    let (_, body) = send(server.get(&format!("/v3/assets/folders/{a_uid}"))).await;
    assert_eq!(body["asset"]["parent_uid"], serde_json::Value::Null);
    assert_eq!(body["asset"]["_version"], 1);
}

#[tokio::test]
async fn bad_folder_bodies_get_clear_errors() {
    let server = TestServer::start().await;
    // The Python SDK's dict form arrives form-encoded.
    let (status, body) = send(
        server
            .post("/v3/assets/folders")
            .header("content-type", "application/json")
            .body("asset=name"),
    )
    .await;
    assert_error(status, &body, 400, 100);
    let (status, body) = send(
        server
            .post("/v3/assets/folders")
            .json(&json!({"asset": {"name": ""}})),
    )
    .await;
    assert_error(status, &body, 422, 120);
    let (status, body) = send(
        server
            .post("/v3/assets/folders")
            .json(&json!({"folder": {}})),
    )
    .await;
    assert_error(status, &body, 422, 120);
    let (status, body) = send(
        server
            .post("/v3/assets/folders")
            .json(&json!({"asset": {"name": "x", "parent_uid": "blt0123456789abcdef"}})),
    )
    .await;
    assert_error(status, &body, 422, 145);
    let (status, body) = send(server.get("/v3/assets/folders/blt0123456789abcdef")).await;
    assert_error(status, &body, 422, 145);
    let (_, count) = send(server.get("/v3/assets?count=true&include_folders=true")).await;
    assert_eq!(count["assets"], 0);
}

#[tokio::test]
async fn deleting_a_folder_hides_it_and_everything_inside() {
    let server = TestServer::start().await;
    let outer = server.create_folder("Outer", None).await;
    let outer_uid = outer["uid"].as_str().unwrap();
    let inner = server.create_folder("Inner", Some(outer_uid)).await;
    let deep = server
        .upload(
            "deep.txt",
            b"d",
            &[("asset[parent_uid]", inner["uid"].as_str().unwrap())],
        )
        .await;
    let kept = server.upload("kept.txt", b"k", &[]).await;
    let (status, body) = send(server.delete(&format!("/v3/assets/folders/{outer_uid}"))).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["notice"], "Folder deleted successfully.");
    assert_eq!(
        server.list_uids("include_folders=true").await,
        [kept["uid"].as_str().unwrap()]
    );
    let (status, _) =
        send(server.get(&format!("/v3/assets/{}", deep["uid"].as_str().unwrap()))).await;
    assert_eq!(status, 422);
    let file = server
        .client
        .get(
            deep["url"]
                .as_str()
                .unwrap()
                .replace("localhost", "127.0.0.1"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(file.status(), 404);
    // An asset uid is not a folder.
    let (status, body) = send(server.delete(&format!(
        "/v3/assets/folders/{}",
        kept["uid"].as_str().unwrap()
    )))
    .await;
    assert_error(status, &body, 422, 145);
}

#[tokio::test]
async fn a_stack_holds_at_most_ten_thousand_folders() {
    // 9,999 folders seeded from an export (fast), then the API makes the 10,000th and
    // refuses the next one.
    let export = tempfile::tempdir().unwrap();
    let folders: Vec<Value> = (0..9_999)
        .map(|i| json!({"uid": format!("blt{i:016x}"), "name": format!("F{i}"), "parent_uid": null, "is_dir": true}))
        .collect();
    let assets_dir = export.path().join("assets");
    std::fs::create_dir_all(&assets_dir).unwrap();
    std::fs::write(
        assets_dir.join("folders.json"),
        Value::from(folders).to_string(),
    )
    .unwrap();
    std::fs::write(assets_dir.join("assets.json"), b"{}").unwrap();
    let server = TestServer::start_with(&["--seed", export.path().to_str().unwrap()]).await;
    let (_, count) =
        send(server.get("/v3/assets?count=true&query=%7B%22is_dir%22%3Atrue%7D")).await;
    assert_eq!(count["assets"], 9_999, "{count}");
    let last = server.create_folder("the 10,000th", None).await;
    assert_eq!(last["name"], "the 10,000th");
    let (status, body) = send(
        server
            .post("/v3/assets/folders")
            .json(&json!({"asset": {"name": "one too many"}})),
    )
    .await;
    assert_error(status, &body, 422, 122);
    assert!(
        body["error_message"].as_str().unwrap().contains("10000"),
        "{body}"
    );
}
