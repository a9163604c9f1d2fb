//! A data dir written before uids were unique per stack (migration 0004) keeps every
//! row, and its stacks then work as any other.

use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn a_data_dir_from_before_uids_per_stack_keeps_everything() {
    let dir = tempfile::tempdir().unwrap();
    // The schema of the first three migrations, applied as the binary applied them.
    let earlier = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.as_str() < "0004" {
            std::fs::copy(&path, earlier.path().join(&name)).unwrap();
        }
    }
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(dir.path().join("mock.db"))
        .create_if_missing(true)
        .foreign_keys(true);
    let db = sqlx::SqlitePool::connect_with(options).await.unwrap();
    sqlx::migrate::Migrator::new(earlier.path())
        .await
        .unwrap()
        .run(&db)
        .await
        .unwrap();
    let now = "2025-01-01T00:00:00.000Z";
    let statements = [
        format!(
            "insert into stacks (api_key, name, management_token, user_uid, created_at) values ('{API_KEY}', 'Local', '{TOKEN}', 'bltuser', '{now}')"
        ),
        format!(
            "insert into environments (uid, stack_api_key, name, created_at, created_by, updated_at, updated_by) values ('blteenv', '{API_KEY}', 'development', '{now}', 'u', '{now}', 'u')"
        ),
        format!(
            "insert into locales (uid, stack_api_key, code, name, created_at, created_by, updated_at, updated_by) values ('bltlen', '{API_KEY}', 'en-us', 'English', '{now}', 'u', '{now}', 'u')"
        ),
        format!(
            "insert into asset_files (version_uid, asset_uid, stack_api_key, storage_key, filename, content_type, file_size, sha256, created_at) values ('v1', 'bltlive', '{API_KEY}', 'k1', 'a.txt', 'text/plain', 1, 'x', '{now}')"
        ),
        format!(
            "insert into assets (uid, stack_api_key, is_dir, title, filename, content_type, file_size, version, version_uid, created_at, created_by, updated_at, updated_by) values ('bltlive', '{API_KEY}', 0, 'Live', 'a.txt', 'text/plain', 1, 1, 'v1', '{now}', 'u', '{now}', 'u')"
        ),
        format!(
            "insert into asset_versions (asset_uid, version, stack_api_key, version_uid, updated_at, updated_by) values ('bltlive', 1, '{API_KEY}', 'v1', '{now}', 'u')"
        ),
        format!(
            "insert into publish_records (asset_uid, stack_api_key, environment_uid, locale, version, version_uid, published_at, published_by) values ('bltlive', '{API_KEY}', 'blteenv', 'en-us', 1, 'v1', '{now}', 'u')"
        ),
        format!(
            "insert into trash (uid, stack_api_key, item_type, deleted_at, deleted_by, purge_at) values ('bltgone', '{API_KEY}', 'asset', '{now}', 'u', '2999-01-01T00:00:00.000Z')"
        ),
        format!(
            "insert into trashed_assets (uid, trash_uid, stack_api_key, is_dir, title, filename, content_type, version, created_at, created_by, updated_at, updated_by) values ('bltgone', 'bltgone', '{API_KEY}', 0, 'Gone', 'b.txt', 'text/plain', 1, '{now}', 'u', '{now}', 'u')"
        ),
    ];
    for statement in statements {
        sqlx::query(sqlx::AssertSqlSafe(statement))
            .execute(&db)
            .await
            .unwrap();
    }
    db.close().await;

    let server = TestServer::start_in(dir.path(), &["--database-url", &sqlite_url(dir.path())]);
    let (status, live) = send(server.get("/v3/assets/bltlive?include_publish_details=true")).await;
    assert_eq!(status, 200, "{live}");
    assert_eq!(
        live["asset"]["publish_details"][0]["environment"],
        "blteenv"
    );
    let (_, trash) = send(control(
        &server,
        reqwest::Method::GET,
        &format!("/_mock/stacks/{API_KEY}/trash"),
    ))
    .await;
    assert_eq!(trash["items"][0]["uid"], "bltgone", "{trash}");
    // The foreign keys survived the copy: deleting the environment unpublishes.
    let (status, _) = send(server.delete("/v3/environments/development")).await;
    assert_eq!(status, 200);
    let (_, live) = send(server.get("/v3/assets/bltlive?include_publish_details=true")).await;
    assert_eq!(live["asset"]["publish_details"], json!([]));
    // And removing the stack takes its trash with it.
    let (status, _) = send(control(&server, reqwest::Method::POST, "/_mock/reset")).await;
    assert_eq!(status, 200);
    let report = check_consistency(&server.data_dir).await;
    assert_eq!(report.file_rows, 0, "{report:?}");
}
