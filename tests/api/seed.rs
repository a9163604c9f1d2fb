//! Seeding: `--seed DIR` loads a `csdx cm:stacks:export` folder into the default stack at
//! start (uids kept), and a malformed or partial export is refused with its file named,
//! leaving nothing behind. `POST /_mock/stacks` takes the same export.

use std::path::Path;
use std::process::Command;

use serde_json::json;
use sha2::{Digest, Sha256};

use crate::helpers::*;

const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52, 0, 0, 0,
    3, 0, 0, 0, 2, 8, 2, 0, 0, 0,
];

fn write(path: &Path, bytes: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

/// An export as the CLI writes it: 2 nested folders, 2 assets (one published), an
/// environment and the master locale.
fn export_in(dir: &Path) {
    let folders = json!([
        {"uid": "bltf000000000000001", "name": "Images", "parent_uid": null, "is_dir": true, "created_at": "2025-01-01T00:00:00.000Z"},
        {"uid": "bltf000000000000002", "name": "Icons", "parent_uid": "bltf000000000000001", "is_dir": true},
    ]);
    let assets = json!({
        "blta000000000000001": {"stackHeaders": {"api_key": "bltsource"}, "uid": "blta000000000000001", "filename": "dot.png",
            "title": "Dot", "description": "A dot", "tags": ["image"], "parent_uid": "bltf000000000000002",
            "content_type": "image/png", "file_size": "29", "_version": 2,
            "publish_details": [{"environment": "blte000000000000001", "locale": "en-us", "time": "2025-02-01T00:00:00.000Z", "user": "csuser", "version": 2}]},
        "blta000000000000002": {"uid": "blta000000000000002", "filename": "notes.txt", "title": "Notes", "tags": [], "parent_uid": null},
    });
    write(
        &dir.join("assets/folders.json"),
        folders.to_string().as_bytes(),
    );
    write(
        &dir.join("assets/chunk-1-assets.json"),
        assets.to_string().as_bytes(),
    );
    write(
        &dir.join("assets/assets.json"),
        br#"{"1": "chunk-1-assets.json"}"#,
    );
    write(&dir.join("assets/files/blta000000000000001/dot.png"), PNG);
    write(
        &dir.join("assets/files/blta000000000000002/notes.txt"),
        b"some notes",
    );
    write(
        &dir.join("environments/environments.json"),
        json!({"blte000000000000001": {"uid": "blte000000000000001", "name": "production", "urls": []}}).to_string().as_bytes(),
    );
    write(
        &dir.join("locales/master-locale.json"),
        json!({"bltl000000000000001": {"uid": "bltl000000000000001", "code": "en-us", "name": "English", "fallback_locale": null}}).to_string().as_bytes(),
    );
    write(&dir.join("locales/locales.json"), b"{}");
}

fn sha(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

#[tokio::test]
async fn a_seeded_default_stack_holds_the_export_with_its_uids() {
    let export = tempfile::tempdir().unwrap();
    export_in(export.path());
    let seed = export.path().to_str().unwrap();
    let server = TestServer::start_with(&["--seed", seed]).await;
    let (_, body) = send(
        server
            .get("/v3/assets?include_folders=true&include_count=true&include_publish_details=true"),
    )
    .await;
    assert_eq!(body["count"], 4, "{body}");
    let by_uid = |uid: &str| {
        body["assets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["uid"] == uid)
            .cloned()
            .unwrap()
    };
    assert_eq!(
        by_uid("bltf000000000000002")["parent_uid"],
        "bltf000000000000001"
    );
    let dot = by_uid("blta000000000000001");
    assert_eq!(dot["title"], "Dot");
    assert_eq!(dot["description"], "A dot");
    assert_eq!(dot["tags"], json!(["image"]));
    assert_eq!(dot["parent_uid"], "bltf000000000000002");
    assert_eq!(dot["_version"], 2);
    assert_eq!(dot["file_size"], "29");
    assert_eq!(
        dot["publish_details"][0]["environment"],
        "blte000000000000001"
    );
    let bytes = server
        .client
        .get(dot["url"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(sha(&bytes), sha(PNG));
    let (_, env) = send(server.get("/v3/environments/production")).await;
    assert_eq!(env["environment"]["uid"], "blte000000000000001");
    // A restart on the same data does not load it twice.
    let dir = server.data_dir.clone();
    drop(server);
    let again = TestServer::start_in(&dir, &["--seed", seed]);
    assert_eq!(again.list_uids("include_folders=true").await.len(), 4);
}

/// Starts the binary on a fresh data dir with `--seed`, expecting it to refuse.
fn refused(seed: &Path) -> (String, tempfile::TempDir) {
    let data = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_contentstack-mock"))
        .args(["--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data.path())
        .arg("--seed")
        .arg(seed)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    (String::from_utf8_lossy(&output.stderr).into_owned(), data)
}

#[tokio::test]
async fn a_partial_or_malformed_export_is_refused_naming_the_file_and_leaves_nothing() {
    let missing = tempfile::tempdir().unwrap();
    export_in(missing.path());
    std::fs::remove_file(
        missing
            .path()
            .join("assets/files/blta000000000000002/notes.txt"),
    )
    .unwrap();
    let (stderr, data) = refused(missing.path());
    assert!(
        stderr.contains("notes.txt") && stderr.contains("missing"),
        "{stderr}"
    );
    // Nothing half-loaded: the same data dir starts empty without the seed.
    let server = TestServer::start_in(data.path(), &[]);
    assert!(server.list_uids("include_folders=true").await.is_empty());
    assert_eq!(server.stored_file_count(), 0);
    drop(server);

    let broken = tempfile::tempdir().unwrap();
    export_in(broken.path());
    write(
        &broken.path().join("assets/chunk-1-assets.json"),
        b"{\"blta\": ",
    );
    let (stderr, _) = refused(broken.path());
    assert!(
        stderr.contains("chunk-1-assets.json") && stderr.contains("JSON"),
        "{stderr}"
    );

    let orphan = tempfile::tempdir().unwrap();
    export_in(orphan.path());
    write(&orphan.path().join("assets/folders.json"), b"[]");
    let (stderr, _) = refused(orphan.path());
    assert!(
        stderr.contains("bltf000000000000002") && stderr.contains("not in"),
        "{stderr}"
    );

    let (stderr, _) = refused(Path::new("/nonexistent/export"));
    assert!(stderr.contains("/nonexistent/export"), "{stderr}");
}

#[tokio::test]
async fn a_control_api_stack_can_start_from_an_export() {
    let server = TestServer::start().await;
    let export = tempfile::tempdir().unwrap();
    export_in(export.path());
    let (status, body) = send(
        control(&server, reqwest::Method::POST, "/_mock/stacks")
            .json(&json!({"name": "seeded", "seed": export.path().to_str().unwrap()})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let key = body["stack"]["api_key"].as_str().unwrap();
    let token = body["stack"]["management_token"].as_str().unwrap();
    let (_, list) = send(server.request_as(
        reqwest::Method::GET,
        "/v3/assets?include_count=true",
        key,
        token,
    ))
    .await;
    assert_eq!(list["count"], 2, "{list}");
    std::fs::remove_dir_all(export.path().join("assets/files")).unwrap();
    let (status, body) = send(
        control(&server, reqwest::Method::POST, "/_mock/stacks")
            .json(&json!({"name": "broken", "seed": export.path().to_str().unwrap()})),
    )
    .await;
    assert_error(status, &body, 422, 120);
    let (_, stacks) = send(control(&server, reqwest::Method::GET, "/_mock/stacks")).await;
    assert_eq!(stacks["count"], 2, "the broken one left no stack: {stacks}");
}

#[tokio::test]
async fn an_export_of_a_stack_with_branches_is_read_from_its_main_branch() {
    // `csdx cm:stacks:export` of a stack with branches writes `branches.json` and the
    // content of each branch under its name.
    let export = tempfile::tempdir().unwrap();
    export_in(&export.path().join("main"));
    write(
        &export.path().join("branches.json"),
        json!([{"uid": "main", "source": ""}])
            .to_string()
            .as_bytes(),
    );
    let server = TestServer::start_with(&["--seed", export.path().to_str().unwrap()]).await;
    let (_, body) = send(server.get("/v3/assets?include_folders=true&include_count=true")).await;
    assert_eq!(body["count"], 4, "{body}");
    let other = TestServer::start().await;
    let (status, body) = send(
        control(&other, reqwest::Method::POST, "/_mock/stacks").json(
            &json!({"name": "from a branch export", "seed": export.path().to_str().unwrap()}),
        ),
    )
    .await;
    assert_eq!(status, 201, "{body}");
}
