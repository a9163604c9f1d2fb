//! The trash: deleted items are listed, restorable for 14 days on the stack's clock,
//! and purged for good after that (rows and files).

use serde_json::{Value, json};

use crate::helpers::*;

fn uid(value: &Value) -> String {
    value["uid"].as_str().unwrap().to_owned()
}

async fn restore(server: &TestServer, uid: &str, body: Value) -> (reqwest::StatusCode, Value) {
    send(
        control(
            server,
            reqwest::Method::POST,
            &format!("/_mock/stacks/{API_KEY}/trash/{uid}/restore"),
        )
        .json(&body),
    )
    .await
}

#[tokio::test]
async fn deleted_asset_is_listed_in_the_trash_with_its_dates() {
    let server = TestServer::start().await;
    let folder = server.create_folder("F", None).await;
    let asset = server
        .upload(
            "a.txt",
            b"a",
            &[
                ("asset[parent_uid]", folder["uid"].as_str().unwrap()),
                ("asset[title]", "A"),
            ],
        )
        .await;
    send(server.delete(&format!("/v3/assets/{}", uid(&asset)))).await;
    let trash = trash_of(&server, API_KEY).await;
    assert_eq!(trash["count"], 1);
    let item = &trash["items"][0];
    assert_eq!(item["uid"], asset["uid"]);
    assert_eq!(item["type"], "asset");
    assert_eq!(item["title"], "A");
    assert_eq!(item["filename"], "a.txt");
    assert_eq!(item["parent_uid"], folder["uid"]);
    assert_eq!(item["deleted_by"], asset["created_by"]);
    assert_eq!(item["restorable"], true);
    let deleted_at = chrono_parse(item["deleted_at"].as_str().unwrap());
    let purge_at = chrono_parse(item["purge_at"].as_str().unwrap());
    assert_eq!((purge_at - deleted_at).num_days(), 14);
}

pub fn chrono_parse(text: &str) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&chrono::Utc)
}

#[tokio::test]
async fn restorable_at_13_days_23_hours_but_not_at_14_days() {
    let server = TestServer::start().await;
    let early = server.upload("early.txt", b"e", &[]).await;
    let late = server.upload("late.txt", b"l", &[]).await;
    for asset in [&early, &late] {
        send(server.delete(&format!("/v3/assets/{}", uid(asset)))).await;
    }
    advance(&server, API_KEY, json!({"days": 13, "hours": 23})).await;
    let (status, body) = restore(&server, &uid(&early), json!({})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["notice"], "Asset restored successfully.");
    assert_eq!(body["asset"]["uid"], early["uid"]);
    assert_eq!(body["asset"]["_version"], 2);

    let moved = advance(&server, API_KEY, json!({"hours": 1})).await;
    assert_eq!(
        moved["purged"],
        json!([{"uid": late["uid"], "type": "asset"}])
    );
    let (status, body) = restore(&server, &uid(&late), json!({})).await;
    assert_error(status, &body, 404, 404);
    assert_eq!(server.list_uids("").await, [uid(&early)]);
}

#[tokio::test]
async fn restore_puts_the_asset_back_unchanged_but_for_version_and_update_stamp() {
    let server = TestServer::start().await;
    let folder = server.create_folder("Home", None).await;
    let asset = server
        .upload(
            "a.png",
            &crate::assets::tiny_png(),
            &[
                ("asset[parent_uid]", folder["uid"].as_str().unwrap()),
                ("asset[tags]", "x"),
            ],
        )
        .await;
    send(server.delete(&format!("/v3/assets/{}", uid(&asset)))).await;
    advance(&server, API_KEY, json!({"days": 2})).await;
    let (status, body) = restore(&server, &uid(&asset), json!({})).await;
    assert_eq!(status, 200, "{body}");
    let restored = &body["asset"];
    assert_eq!(restored["parent_uid"], folder["uid"]);
    assert_eq!(restored["_version"], 2);
    assert_eq!(restored["url"], asset["url"]);
    assert_eq!(restored["tags"], json!(["x"]));
    assert_eq!(restored["publish_details"], json!([]));
    assert_eq!(restored["created_at"], asset["created_at"]);
    let updated = chrono_parse(restored["updated_at"].as_str().unwrap());
    assert!(
        (updated - chrono_parse(asset["created_at"].as_str().unwrap())).num_hours() >= 47,
        "updated_at is on the stack clock"
    );
    assert_eq!(
        server.list_uids(&format!("folder={}", uid(&folder))).await,
        [uid(&asset)]
    );
    let file = server
        .client
        .get(
            asset["url"]
                .as_str()
                .unwrap()
                .replace("localhost", "127.0.0.1"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(file.status(), 200);
    let (_, versions) = send(server.get(&format!("/v3/assets/{}/versions", uid(&asset)))).await;
    assert_eq!(versions["versions"][0]["_version"], 2);
    assert_eq!(trash_of(&server, API_KEY).await["count"], 0);
}

#[tokio::test]
async fn fourteen_day_purge_removes_rows_and_files() {
    let server = TestServer::start().await;
    let keep = server.upload("keep.txt", b"keep", &[]).await;
    let gone = server.upload("gone.txt", b"gone", &[]).await;
    let form = reqwest::multipart::Form::new().part(
        "asset[upload]",
        reqwest::multipart::Part::bytes(b"gone v2".to_vec()).file_name("gone2.txt"),
    );
    send(
        server
            .put(&format!("/v3/assets/{}", uid(&gone)))
            .multipart(form),
    )
    .await;
    assert_eq!(server.stored_file_count(), 3);
    send(server.delete(&format!("/v3/assets/{}", uid(&gone)))).await;
    assert_eq!(
        server.stored_file_count(),
        3,
        "trashed files stay until the purge"
    );
    let moved = advance(&server, API_KEY, json!({"days": 14})).await;
    assert_eq!(moved["purged"].as_array().unwrap().len(), 1);
    assert_eq!(
        server.stored_file_count(),
        1,
        "both versions' files are gone"
    );
    assert_eq!(trash_of(&server, API_KEY).await["count"], 0);
    assert_eq!(server.list_uids("").await, [uid(&keep)]);
    assert_consistent(&check_consistency(&server.data_dir).await);
}

#[tokio::test]
async fn folder_restore_brings_its_contents_back() {
    let server = TestServer::start().await;
    let outer = server.create_folder("Outer", None).await;
    let inner = server.create_folder("Inner", Some(&uid(&outer))).await;
    let a = server
        .upload("a.txt", b"a", &[("asset[parent_uid]", &uid(&outer))])
        .await;
    let b = server
        .upload("b.txt", b"b", &[("asset[parent_uid]", &uid(&inner))])
        .await;
    let loner = server
        .upload("loner.txt", b"l", &[("asset[parent_uid]", &uid(&outer))])
        .await;
    // Deleted on its own first: stays a separate item.
    send(server.delete(&format!("/v3/assets/{}", uid(&loner)))).await;
    send(server.delete(&format!("/v3/assets/folders/{}", uid(&outer)))).await;
    let trash = trash_of(&server, API_KEY).await;
    assert_eq!(trash["count"], 2);
    let folder_item = trash["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["type"] == "folder")
        .unwrap()
        .clone();
    assert_eq!(folder_item["name"], "Outer");
    assert_eq!(folder_item["items"], 3, "Inner, a and b");

    let (status, body) = restore(&server, &uid(&outer), json!({})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["notice"], "Folder restored successfully.");
    assert_eq!(body["asset"]["is_dir"], true);
    assert_eq!(body["asset"]["_version"], 2);
    assert_eq!(
        server.list_uids(&format!("folder={}", uid(&outer))).await,
        [uid(&a)]
    );
    assert_eq!(
        server.list_uids(&format!("folder={}", uid(&inner))).await,
        [uid(&b)]
    );
    let trash = trash_of(&server, API_KEY).await;
    assert_eq!(trash["count"], 1);
    assert_eq!(trash["items"][0]["uid"], loner["uid"]);
    // Its folder is live again, so the loner can come back too.
    let (status, _) = restore(&server, &uid(&loner), json!({})).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn folder_restore_without_assets_leaves_them_restorable_one_by_one() {
    let server = TestServer::start().await;
    let folder = server.create_folder("F", None).await;
    let a = server
        .upload("a.txt", b"a", &[("asset[parent_uid]", &uid(&folder))])
        .await;
    send(server.delete(&format!("/v3/assets/folders/{}", uid(&folder)))).await;
    let (status, body) = restore(&server, &uid(&folder), json!({"with_assets": false})).await;
    assert_eq!(status, 200, "{body}");
    assert!(
        server
            .list_uids(&format!("folder={}", uid(&folder)))
            .await
            .is_empty()
    );
    let trash = trash_of(&server, API_KEY).await;
    assert_eq!(trash["count"], 1);
    assert_eq!(trash["items"][0]["uid"], a["uid"]);
    assert_eq!(trash["items"][0]["type"], "asset");
    let (status, _) = restore(&server, &uid(&a), json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(
        server.list_uids(&format!("folder={}", uid(&folder))).await,
        [uid(&a)]
    );
}

#[tokio::test]
async fn an_asset_whose_folder_is_in_the_trash_answers_409() {
    let server = TestServer::start().await;
    let folder = server.create_folder("F", None).await;
    let a = server
        .upload("a.txt", b"a", &[("asset[parent_uid]", &uid(&folder))])
        .await;
    send(server.delete(&format!("/v3/assets/{}", uid(&a)))).await;
    send(server.delete(&format!("/v3/assets/folders/{}", uid(&folder)))).await;
    let (status, body) = restore(&server, &uid(&a), json!({})).await;
    assert_error(status, &body, 409, 124);
    assert!(
        body["error_message"]
            .as_str()
            .unwrap()
            .contains("Restore the folder first")
    );
    assert_eq!(
        trash_of(&server, API_KEY).await["count"],
        2,
        "nothing moved"
    );
}

#[tokio::test]
async fn an_asset_whose_folder_was_purged_is_restored_to_the_root() {
    let server = TestServer::start().await;
    let folder = server.create_folder("F", None).await;
    let a = server
        .upload("a.txt", b"a", &[("asset[parent_uid]", &uid(&folder))])
        .await;
    send(server.delete(&format!("/v3/assets/folders/{}", uid(&folder)))).await;
    advance(&server, API_KEY, json!({"days": 10})).await;
    // Pull the asset out of the folder item by restoring the folder alone, then purge it.
    restore(&server, &uid(&folder), json!({"with_assets": false})).await;
    send(server.delete(&format!("/v3/assets/folders/{}", uid(&folder)))).await;
    let (status, _) = send(control(
        &server,
        reqwest::Method::DELETE,
        &format!("/_mock/stacks/{API_KEY}/trash/{}", uid(&folder)),
    ))
    .await;
    assert_eq!(status, 200);
    let (status, body) = restore(&server, &uid(&a), json!({})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["asset"]["parent_uid"], Value::Null);
    assert_eq!(server.list_uids("folder=cs_root").await, [uid(&a)]);
}

#[tokio::test]
async fn trash_can_be_filtered_paged_emptied_and_items_deleted_for_good() {
    let server = TestServer::start().await;
    let folder = server.create_folder("F", None).await;
    let mut assets = Vec::new();
    for i in 0..3 {
        let a = server.upload(&format!("{i}.txt"), b"x", &[]).await;
        send(server.delete(&format!("/v3/assets/{}", uid(&a)))).await;
        assets.push(a);
    }
    send(server.delete(&format!("/v3/assets/folders/{}", uid(&folder)))).await;
    let (_, only_folders) = send(control(
        &server,
        reqwest::Method::GET,
        &format!("/_mock/stacks/{API_KEY}/trash?type=folder"),
    ))
    .await;
    assert_eq!(only_folders["count"], 1);
    let (_, page) = send(control(
        &server,
        reqwest::Method::GET,
        &format!("/_mock/stacks/{API_KEY}/trash?skip=1&limit=2"),
    ))
    .await;
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    assert_eq!(page["count"], 4);
    let (status, body) = send(control(
        &server,
        reqwest::Method::DELETE,
        &format!("/_mock/stacks/{API_KEY}/trash/{}", uid(&assets[0])),
    ))
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["purged"],
        json!([{"uid": assets[0]["uid"], "type": "asset"}])
    );
    assert_eq!(server.stored_file_count(), 2);
    let (status, body) = send(control(
        &server,
        reqwest::Method::DELETE,
        &format!("/_mock/stacks/{API_KEY}/trash"),
    ))
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["purged"].as_array().unwrap().len(), 3);
    assert_eq!(server.stored_file_count(), 0);
    assert_consistent(&check_consistency(&server.data_dir).await);
    let (status, body) = send(control(
        &server,
        reqwest::Method::DELETE,
        &format!("/_mock/stacks/{API_KEY}/trash/{}", uid(&assets[1])),
    ))
    .await;
    assert_error(status, &body, 404, 404);
}

#[tokio::test]
async fn the_background_task_purges_on_its_own() {
    let server =
        TestServer::start_with(&["--trash-retention", "1s", "--purge-interval", "200ms"]).await;
    let a = server.upload("a.txt", b"a", &[]).await;
    send(server.delete(&format!("/v3/assets/{}", uid(&a)))).await;
    assert_eq!(trash_of(&server, API_KEY).await["count"], 1);
    let mut purged = false;
    for _ in 0..50 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        if trash_of(&server, API_KEY).await["count"] == 0 {
            purged = true;
            break;
        }
    }
    assert!(purged, "the purge task never ran");
    assert_eq!(server.stored_file_count(), 0);
}

#[tokio::test]
async fn a_folder_is_not_restored_deeper_than_five_levels() {
    let server = TestServer::start().await;
    let home = server.create_folder("Home", None).await;
    let top = server.create_folder("Top", Some(&uid(&home))).await;
    server.create_folder("Child", Some(&uid(&top))).await;
    send(server.delete(&format!("/v3/assets/folders/{}", uid(&top)))).await;
    // While Top is in the trash, its old home moves to level 4: Top would be level 5
    // and Child level 6.
    let a = server.create_folder("A", None).await;
    let b = server.create_folder("B", Some(&uid(&a))).await;
    let c = server.create_folder("C", Some(&uid(&b))).await;
    let (status, body) = send(
        server
            .put(&format!("/v3/assets/folders/{}", uid(&home)))
            .json(&json!({"asset": {"parent_uid": uid(&c)}})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = restore(&server, &uid(&top), json!({})).await;
    assert_error(status, &body, 422, 122);
    assert_eq!(
        trash_of(&server, API_KEY).await["count"],
        1,
        "nothing was restored"
    );
    // Back at level 1, the restore fits.
    send(
        server
            .put(&format!("/v3/assets/folders/{}", uid(&home)))
            .json(&json!({"asset": {"parent_uid": null}})),
    )
    .await;
    let (status, body) = restore(&server, &uid(&top), json!({})).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn trash_lists_newest_first_or_oldest_first_by_delete_or_purge_time() {
    let server = TestServer::start().await;
    let mut uids = Vec::new();
    for i in 0..3 {
        let a = server.upload(&format!("{i}.txt"), b"x", &[]).await;
        send(server.delete(&format!("/v3/assets/{}", uid(&a)))).await;
        advance(&server, API_KEY, json!({"minutes": 1})).await;
        uids.push(uid(&a));
    }
    let order = |query: &'static str| {
        let server = &server;
        async move {
            let (status, body) = send(control(
                server,
                reqwest::Method::GET,
                &format!("/_mock/stacks/{API_KEY}/trash{query}"),
            ))
            .await;
            assert_eq!(status, 200, "{body}");
            body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(uid)
                .collect::<Vec<_>>()
        }
    };
    let oldest: Vec<String> = uids.clone();
    let newest: Vec<String> = uids.iter().rev().cloned().collect();
    assert_eq!(order("").await, newest);
    assert_eq!(order("?desc=deleted_at").await, newest);
    assert_eq!(order("?desc=purge_at").await, newest);
    assert_eq!(order("?asc=deleted_at").await, oldest);
    assert_eq!(order("?asc=purge_at&limit=2").await, oldest[..2]);
    let (status, body) = send(control(
        &server,
        reqwest::Method::GET,
        &format!("/_mock/stacks/{API_KEY}/trash?asc=title"),
    ))
    .await;
    assert_error(status, &body, 422, 120);
    assert_eq!(body["errors"]["asc"][0], "is not valid.");
}

/// `pragma <name>` of the database in `data_dir`, read as a client would see it now.
async fn pragma(data_dir: &std::path::Path, name: &str) -> i64 {
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(data_dir.join("mock.db"))
        .read_only(true);
    let db = sqlx::SqlitePool::connect_with(options).await.unwrap();
    let value = sqlx::query_scalar(sqlx::AssertSqlSafe(format!("pragma {name}")))
        .fetch_one(&db)
        .await
        .unwrap();
    db.close().await;
    value
}

#[tokio::test]
async fn a_purge_gives_the_space_of_its_rows_back() {
    static DESCRIPTION: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| "d".repeat(8 * 1024));
    let server = TestServer::start_on_sqlite().await;
    let fields = [("asset[description]", DESCRIPTION.as_str())];
    let uids = upload_concurrently_with(&server, 200, 8, &fields).await;
    let full = pragma(&server.data_dir, "page_count").await;
    for chunk in uids.chunks(100) {
        let assets: Vec<Value> = chunk.iter().map(|uid| json!({"uid": uid})).collect();
        let (status, body) = send(
            server
                .post("/v3/bulk/delete")
                .json(&json!({"assets": assets})),
        )
        .await;
        assert_eq!(status, 200, "{body}");
    }
    let moved = advance(&server, API_KEY, json!({"days": 15})).await;
    assert_eq!(moved["purged"].as_array().unwrap().len(), 200);
    let after = pragma(&server.data_dir, "page_count").await;
    let free = pragma(&server.data_dir, "freelist_count").await;
    // 200 rows of 8 KiB, with their versions: at least 3 MiB on 4 KiB pages.
    assert!(
        after + 600 < full,
        "the database kept its size: {full} pages before, {after} after"
    );
    assert!(free < 50, "{free} free pages kept of {after}");
    assert_eq!(
        pragma(&server.data_dir, "auto_vacuum").await,
        2,
        "incremental"
    );
}
