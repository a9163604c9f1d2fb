//! The query plans of the hot queries: each is answered through an index, and a page
//! in an index's order is read in that order rather than sorted. A schema or query
//! change that loses an index fails here instead of at a million assets.

use sqlx::{QueryBuilder, Sqlite};

use super::delivery::{DeliveryListing, Locales};
use super::listing::{Listing, Scope, Sort, SortColumn, Start};
use super::{Db, LitePool, Location, Writer};
use crate::contentstack::filter::{Filter, parse};

/// SQLite's plan for `sql`, one step per line (the values bound do not change it).
async fn plan_of(db: &Db, sql: &str) -> String {
    let steps: Vec<(i64, i64, i64, String)> =
        sqlx::query_as(sqlx::AssertSqlSafe(format!("explain query plan {sql}")))
            .fetch_all(writer(db))
            .await
            .unwrap_or_else(|e| panic!("{e}: {sql}"));
    steps
        .into_iter()
        .map(|(_, _, _, detail)| detail)
        .collect::<Vec<_>>()
        .join("\n")
}

/// The writer's pool: the plans are SQLite's.
fn writer(db: &Db) -> &LitePool {
    match db.writer() {
        Writer::Lite(pool) => pool,
        Writer::Pg(_) => unreachable!("the plans are read on SQLite"),
    }
}

async fn plan(db: &Db, sql: QueryBuilder<Sqlite>) -> String {
    plan_of(db, sql.sql().as_str()).await
}

fn listing(filter: Filter, sort: Sort) -> Listing {
    Listing {
        api_key: "k".into(),
        scope: Scope::Everywhere,
        include_folders: false,
        content_type_prefix: None,
        filter,
        sort,
        skip: 0,
        limit: 100,
    }
}

/// Asserts that the plan has every step of `wanted` and sorts nothing.
fn assert_indexed(plan: &str, wanted: &[&str]) {
    for step in wanted {
        assert!(plan.contains(step), "no {step:?} in the plan:\n{plan}");
    }
    assert!(
        !plan.contains("SCAN assets") && !plan.contains("SCAN publish_records"),
        "a table is read whole:\n{plan}"
    );
}

/// Asserts that a delivery page is picked from an index without sorting, and only the
/// page's own rows (after `SCAN page`) are sorted.
fn assert_page_from_index(plan: &str, wanted: &[&str]) {
    assert_indexed(plan, wanted);
    let (picking, joining) = plan
        .split_once("SCAN page")
        .unwrap_or_else(|| panic!("no page picked first:\n{plan}"));
    assert!(
        !picking.contains("TEMP B-TREE"),
        "the page is sorted:\n{plan}"
    );
    assert!(
        !picking.contains("SEARCH a "),
        "rows joined before the page:\n{plan}"
    );
    assert!(joining.contains("SEARCH f USING"), "{plan}");
}

#[tokio::test]
async fn hot_queries_are_answered_through_indexes() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(&Location::Sqlite(dir.path().join("mock.db")), false)
        .await
        .unwrap();

    // The first page, newest first: read in the index's order, nothing sorted.
    let newest = listing(Filter::default(), Sort::default());
    let page = plan(&db, super::listing::page_sql(&newest, None)).await;
    assert_indexed(&page, &["USING INDEX assets_by_created"]);
    assert!(!page.contains("TEMP B-TREE"), "{page}");
    let updated = Sort {
        column: SortColumn::UpdatedAt,
        ascending: true,
    };
    let page = plan(
        &db,
        super::listing::page_sql(&listing(Filter::default(), updated), None),
    )
    .await;
    assert_indexed(&page, &["USING INDEX assets_by_updated"]);
    assert!(!page.contains("TEMP B-TREE"), "{page}");

    // A folder's items.
    let mut folder = listing(Filter::default(), Sort::default());
    folder.scope = Scope::Folder("f".into());
    let page = plan(&db, super::listing::page_sql(&folder, None)).await;
    assert_indexed(&page, &["USING INDEX assets_by_parent"]);
    assert!(!page.contains("TEMP B-TREE"), "{page}");

    // A tag: the assets that carry it are found by tag, then fetched by key.
    let tagged = listing(
        parse(r#"{"tags": {"$in": ["a", "b"]}}"#).unwrap(),
        Sort::default(),
    );
    let from_tags = Start::Tags(vec!["a".into(), "b".into()]);
    let page = plan(&db, super::listing::page_sql(&tagged, Some(&from_tags))).await;
    assert_indexed(
        &page,
        &[
            "SEARCH asset_tags USING PRIMARY KEY (stack_api_key=? AND tag=?)",
            "SEARCH assets USING INDEX sqlite_autoindex_assets_1 (stack_api_key=? AND uid=?)",
        ],
    );
    let count = plan(&db, tagged.select("count(*)", Some(&from_tags))).await;
    assert_indexed(&count, &["SEARCH asset_tags USING PRIMARY KEY"]);
    // Without the tags first, the tag test is a lookup in their list, not a JSON walk.
    let walk = plan(&db, super::listing::page_sql(&tagged, None)).await;
    assert_indexed(
        &walk,
        &["LIST SUBQUERY", "SEARCH asset_tags USING PRIMARY KEY"],
    );
    assert!(!walk.contains("json_each"), "{walk}");

    // A `$regex` on titles with a piece of text every match holds: the titles holding
    // it are found through the trigram index, then fetched by row.
    let titled = listing(
        parse(r#"{"title": {"$regex": "^Aurora borealis"}}"#).unwrap(),
        Sort::default(),
    );
    let from_titles = Start::Titles(vec!["Aurora borealis".into()]);
    let page = plan(&db, super::listing::page_sql(&titled, Some(&from_titles))).await;
    assert_indexed(
        &page,
        &[
            "SCAN asset_titles VIRTUAL TABLE INDEX",
            "SEARCH assets USING INTEGER PRIMARY KEY (rowid=?)",
        ],
    );

    // One asset by uid.
    let one = plan_of(
        &db,
        "select * from assets where stack_api_key = ? and uid = ?",
    )
    .await;
    assert_indexed(
        &one,
        &["sqlite_autoindex_assets_1 (stack_api_key=? AND uid=?)"],
    );

    // The delivery list, in one locale with a fallback: the page picked from the
    // records' index in the order served (the better copy looked up by key, not every
    // copy ranked), and only its rows joined; nothing sorted but the page itself.
    let mut delivery = DeliveryListing {
        api_key: "k".into(),
        environment_uid: "e".into(),
        locales: Locales::FirstOf(vec!["fr-fr".into(), "en-us".into()]),
        asset_uid: None,
        published_since: None,
        filter: Filter::default(),
        sort: Sort::default(),
        skip: 0,
        limit: 100,
    };
    let page = plan(&db, delivery.page_sql()).await;
    assert_page_from_index(
        &page,
        &[
            "SEARCH r USING COVERING INDEX publish_records_by_created",
            "SEARCH better USING COVERING INDEX sqlite_autoindex_publish_records_1",
            "SEARCH r USING INTEGER PRIMARY KEY",
            "SEARCH a USING INDEX sqlite_autoindex_assets_1",
        ],
    );
    // In one locale (`locale = ?`), the same.
    delivery.locales = Locales::FirstOf(vec!["en-us".into()]);
    let one_locale = plan(&db, delivery.page_sql()).await;
    assert_page_from_index(
        &one_locale,
        &["SEARCH r USING COVERING INDEX publish_records_by_created"],
    );
    // Its count reads the records alone.
    let count = plan(&db, delivery.count_sql()).await;
    assert!(
        count.contains("SEARCH r USING COVERING INDEX") && !count.contains("SEARCH a "),
        "{count}"
    );

    // A sync page: every locale, newest publish first, since `start_from`.
    delivery.locales = Locales::Every;
    delivery.published_since = Some("2026-01-01T00:00:00.000Z".into());
    delivery.sort = Sort {
        column: SortColumn::PublishedAt,
        ascending: false,
    };
    delivery.skip = 5_000;
    let sync = plan(&db, delivery.page_sql()).await;
    assert_page_from_index(
        &sync,
        &[
            "SEARCH r USING COVERING INDEX publish_records_by_published (stack_api_key=? AND environment_uid=? AND published_at>?)",
        ],
    );

    // With a query, the copies are joined, filtered and sorted, still by index.
    delivery.filter = parse(r#"{"title": "a"}"#).unwrap();
    let filtered = plan(&db, delivery.page_sql()).await;
    assert_indexed(&filtered, &["SEARCH r USING", "SEARCH a USING"]);

    // A restore's version entries: the restored rows by key.
    let restored = plan_of(&db, super::trash::RESTORED_VERSIONS).await;
    assert!(
        restored.contains("sqlite_autoindex_assets_1 (stack_api_key=? AND uid=?)"),
        "{restored}"
    );

    // A count without a query: the stack's counters.
    let mut counted = listing(Filter::default(), Sort::default());
    let everywhere = plan(&db, counted.counters_sql().unwrap()).await;
    assert!(
        everywhere.contains("SEARCH asset_counts USING PRIMARY KEY"),
        "{everywhere}"
    );
    // One folder with its subfolders: its two counters by key.
    counted.include_folders = true;
    counted.scope = Scope::Folder("f".into());
    let folder = plan(&db, counted.counters_sql().unwrap()).await;
    assert!(
        folder.contains("(stack_api_key=? AND is_dir=? AND parent_uid=?)"),
        "{folder}"
    );
    counted.filter = parse(r#"{"title": "a"}"#).unwrap();
    assert!(counted.counters_sql::<Sqlite>().is_none());

    // The purge's next batch, in the index's order.
    let due = plan_of(
        &db,
        "select uid, item_type from trash where stack_api_key = ? and purge_at <= ? \
         order by purge_at, uid limit 200",
    )
    .await;
    assert!(due.contains("USING INDEX trash_by_purge"), "{due}");
    assert!(!due.contains("TEMP B-TREE"), "{due}");

    // A purge batch reaches its rows and files by index from the batch's items: a
    // batch costs the same in a trash of 100 items and of a million.
    for table in ["purge_batch", "purge_assets"] {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "create temp table {table} (uid text primary key)"
        )))
        .execute(writer(&db))
        .await
        .unwrap();
    }
    let rows = plan_of(&db, super::trash::PURGE_ASSETS_OF_BATCH).await;
    assert!(rows.contains("SCAN b"), "{rows}");
    assert!(
        rows.contains("SEARCH a USING INDEX trashed_assets_by_item"),
        "{rows}"
    );
    let files = plan_of(&db, super::trash::PURGED_FILES).await;
    assert!(files.contains("SCAN p"), "{files}");
    assert!(
        files.contains("SEARCH f USING INDEX asset_files_by_asset"),
        "{files}"
    );
    let tombstones = plan_of(&db, super::trash::PURGE_TOMBSTONES).await;
    assert!(
        tombstones.contains("SEARCH a USING INDEX trashed_assets_by_item"),
        "{tombstones}"
    );
    db.close().await;
}
