//! Moving items into the trash: the rows leave `assets` for `trashed_assets` and a
//! `trash` row records who deleted what, when, and when it will be purged.
//!
//! Where the dialects differ in more than placeholders (PostgreSQL's booleans, `insert
//! ... on conflict`, one statement for the move where SQLite sends a list), a statement
//! has a PostgreSQL twin, picked with `q.is_pg()`.

use std::sync::LazyLock;

use sqlx::QueryBuilder;

use super::assets::ASSET_COLUMNS;
use super::publishing::PublishRecordRow;
use super::{DbResult, Exec, on};

/// SQLite's statement or its PostgreSQL twin, for the dialect `$q`.
macro_rules! either {
    ($q:expr, $lite:expr, $pg:expr) => {
        if $q.is_pg() { $pg } else { $lite }
    };
}

/// What kind of item a trash row holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemType {
    Asset,
    Folder,
}

impl ItemType {
    pub fn as_str(self) -> &'static str {
        match self {
            ItemType::Asset => "asset",
            ItemType::Folder => "folder",
        }
    }
}

/// A new trash item.
#[derive(Debug, Clone)]
pub struct TrashEntry<'a> {
    pub api_key: &'a str,
    /// The uid of the asset or folder (also the trash item's uid).
    pub uid: &'a str,
    pub item_type: ItemType,
    pub deleted_at: &'a str,
    pub deleted_by: &'a str,
    pub purge_at: &'a str,
}

/// The item `?1` of stack `?2` and, for a folder, everything below it.
/// (`cross join` keeps SQLite walking from each found uid to its children through
/// `assets_by_parent`; left free, its planner may scan the whole stack instead.)
const SUBTREE: &str = "with recursive sub(uid) as ( \
     select uid from assets where uid = ?1 and stack_api_key = ?2 \
     union all \
     select a.uid from sub s cross join assets a on a.parent_uid = s.uid where a.stack_api_key = ?2 \
 ) ";

/// Moving one item into the trash, as one statement list (one round trip to the
/// writer's thread instead of four): the trash row, its rows copied to
/// `trashed_assets` and deleted from `assets`, and its publish records deleted and
/// returned. Parameters: ?1 uid, ?2 api key, ?3 item type, ?4 deleted at, ?5 deleted
/// by, ?6 purge at.
static MOVE_TO_TRASH: LazyLock<String> = LazyLock::new(|| {
    format!(
        "insert into trash (uid, stack_api_key, item_type, deleted_at, deleted_by, purge_at) \
         values (?1, ?2, ?3, ?4, ?5, ?6); \
         {SUBTREE} insert into trashed_assets (trash_uid, {ASSET_COLUMNS}) \
         select ?1, {ASSET_COLUMNS} from assets where stack_api_key = ?2 and uid in (select uid from sub); \
         {SUBTREE} delete from assets where stack_api_key = ?2 and uid in (select uid from sub); \
         delete from publish_records where stack_api_key = ?2 and asset_uid in \
         (select uid from trashed_assets where stack_api_key = ?2 and trash_uid = ?1) returning *"
    )
});

/// [`MOVE_TO_TRASH`] on PostgreSQL, which prepares one statement at a time: one
/// statement whose data-modifying `with` parts all see the rows as they were before it
/// (so the publish records are those of `sub`, the rows it moves). A plain `join`:
/// PostgreSQL has no `cross join ... on`.
static PG_MOVE_TO_TRASH: LazyLock<String> = LazyLock::new(|| {
    format!(
        "with recursive sub(uid) as ( \
             select uid from assets where uid = $1 and stack_api_key = $2 \
             union all \
             select a.uid from sub s join assets a on a.parent_uid = s.uid where a.stack_api_key = $2 \
         ), \
         item as (insert into trash (uid, stack_api_key, item_type, deleted_at, deleted_by, purge_at) \
             values ($1, $2, $3, $4, $5, $6)), \
         moved as (insert into trashed_assets (trash_uid, {ASSET_COLUMNS}) \
             select $1, {ASSET_COLUMNS} from assets where stack_api_key = $2 and uid in (select uid from sub)), \
         gone as (delete from assets where stack_api_key = $2 and uid in (select uid from sub)) \
         delete from publish_records where stack_api_key = $2 and asset_uid in (select uid from sub) \
         returning *"
    )
});

/// Moves a live asset, or a live folder with everything inside it, into the trash as
/// one item, and takes it out of every environment: returns the publish records it
/// had. Runs on the caller's transaction.
pub async fn move_to_trash(
    db: impl Into<Exec<'_>>,
    entry: &TrashEntry<'_>,
) -> DbResult<Vec<PublishRecordRow>> {
    Ok(on!(db, |c, q| sqlx::query_as::<_, PublishRecordRow>(
        either!(q, MOVE_TO_TRASH.as_str(), PG_MOVE_TO_TRASH.as_str())
    )
    .bind(entry.uid)
    .bind(entry.api_key)
    .bind(entry.item_type.as_str())
    .bind(entry.deleted_at)
    .bind(entry.deleted_by)
    .bind(entry.purge_at)
    .fetch_all(c)
    .await)?)
}

/// A trash item as listed by `/_mock/stacks/{api_key}/trash`.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct TrashItemRow {
    pub uid: String,
    pub item_type: String,
    pub deleted_at: String,
    pub deleted_by: String,
    pub purge_at: String,
    pub title: Option<String>,
    pub name: Option<String>,
    pub filename: Option<String>,
    pub parent_uid: Option<String>,
    /// Rows held by the item besides its root (a folder's contents).
    pub inside: i64,
}

const ITEM_SELECT: &str = "select t.uid, t.item_type, t.deleted_at, t.deleted_by, t.purge_at, \
     r.title, r.name, r.filename, r.parent_uid, \
     (select count(*) - 1 from trashed_assets c where c.stack_api_key = t.stack_api_key and c.trash_uid = t.uid) \
     as inside from trash t join trashed_assets r on r.stack_api_key = t.stack_api_key and r.uid = t.uid";

/// A page of a stack's trash, newest first, optionally of one type.
pub async fn list_items(
    db: impl Into<Exec<'_>>,
    api_key: &str,
    item_type: Option<&str>,
    oldest_first: bool,
    skip: i64,
    limit: i64,
) -> DbResult<(Vec<TrashItemRow>, i64)> {
    static NEWEST_FIRST: LazyLock<String> = LazyLock::new(|| {
        format!(
            "{ITEM_SELECT} where t.stack_api_key = ?1 and (?2 is null or t.item_type = ?2) \
             order by t.deleted_at desc, t.uid desc limit ?3 offset ?4"
        )
    });
    static OLDEST_FIRST: LazyLock<String> = LazyLock::new(|| {
        format!(
            "{ITEM_SELECT} where t.stack_api_key = ?1 and (?2 is null or t.item_type = ?2) \
             order by t.deleted_at asc, t.uid asc limit ?3 offset ?4"
        )
    });
    static PG_NEWEST_FIRST: LazyLock<String> = LazyLock::new(|| {
        format!(
            "{ITEM_SELECT} where t.stack_api_key = $1 and (cast($2 as text) is null or t.item_type = $2) \
             order by t.deleted_at desc, t.uid desc limit $3 offset $4"
        )
    });
    static PG_OLDEST_FIRST: LazyLock<String> = LazyLock::new(|| {
        format!(
            "{ITEM_SELECT} where t.stack_api_key = $1 and (cast($2 as text) is null or t.item_type = $2) \
             order by t.deleted_at asc, t.uid asc limit $3 offset $4"
        )
    });
    let mut db: Exec<'_> = db.into();
    let items = on!(db.re(), |c, q| {
        let page = match (q.is_pg(), oldest_first) {
            (false, true) => OLDEST_FIRST.as_str(),
            (false, false) => NEWEST_FIRST.as_str(),
            (true, true) => PG_OLDEST_FIRST.as_str(),
            (true, false) => PG_NEWEST_FIRST.as_str(),
        };
        sqlx::query_as::<_, TrashItemRow>(page)
            .bind(api_key)
            .bind(item_type)
            .bind(limit)
            .bind(skip)
            .fetch_all(c)
            .await
    })?;
    let count = on!(db.re(), |c, q| {
        sqlx::query_scalar::<_, i64>(either!(
        q,
        "select count(*) from trash where stack_api_key = ?1 and (?2 is null or item_type = ?2)",
        "select count(*) from trash where stack_api_key = $1 and (cast($2 as text) is null or item_type = $2)"
    ))
    .bind(api_key)
    .bind(item_type)
    .fetch_one(c)
    .await
    })?;
    Ok((items, count))
}

/// One trash item of a stack.
pub async fn get_item(
    db: impl Into<Exec<'_>>,
    api_key: &str,
    uid: &str,
) -> DbResult<Option<TrashItemRow>> {
    static ONE: LazyLock<String> =
        LazyLock::new(|| format!("{ITEM_SELECT} where t.stack_api_key = ? and t.uid = ?"));
    Ok(on!(db, |c, q| sqlx::query_as::<_, TrashItemRow>(
        q.sql(ONE.as_str())
    )
    .bind(api_key)
    .bind(uid)
    .fetch_optional(c)
    .await)?)
}

/// Where a trashed row's parent folder is now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParentState {
    /// At the root, or in a live folder.
    Live,
    /// In the trash (as part of another item).
    Trashed,
    /// Purged: the row goes back to the root.
    Gone,
}

/// Where the folder `parent_uid` of stack `api_key` is.
pub async fn parent_state(
    db: impl Into<Exec<'_>>,
    api_key: &str,
    parent_uid: Option<&str>,
) -> DbResult<ParentState> {
    let Some(parent) = parent_uid else {
        return Ok(ParentState::Live);
    };
    let mut db: Exec<'_> = db.into();
    // Only whether a row is found matters: nothing is decoded (`select 1` is an int4 on
    // PostgreSQL).
    let live = on!(db.re(), |c, q| sqlx::query(q.sql(either!(
        q,
        "select 1 from assets where uid = ? and stack_api_key = ? and is_dir = 1",
        "select 1 from assets where uid = ? and stack_api_key = ? and is_dir"
    )))
    .bind(parent)
    .bind(api_key)
    .fetch_optional(c)
    .await
    .map(|row| row.is_some()))?;
    if live {
        return Ok(ParentState::Live);
    }
    let trashed = on!(db.re(), |c, q| sqlx::query(
        q.sql("select 1 from trashed_assets where uid = ? and stack_api_key = ?")
    )
    .bind(parent)
    .bind(api_key)
    .fetch_optional(c)
    .await
    .map(|row| row.is_some()))?;
    Ok(if trashed {
        ParentState::Trashed
    } else {
        ParentState::Gone
    })
}

/// The version entries of a restore's file assets: ?1 trash item, ?2 folders only,
/// ?3 api key. Files are picked out in `trashed_assets`: asked of `assets`,
/// `is_dir = 0` made SQLite walk every live file of the stack through its
/// (stack, is_dir) indexes.
pub(super) const RESTORED_VERSIONS: &str = "insert into asset_versions (asset_uid, version, stack_api_key, version_uid, title, \
     description, tags, parent_uid, updated_at, updated_by) \
     select uid, version, stack_api_key, version_uid, title, description, tags, parent_uid, updated_at, updated_by \
     from assets where stack_api_key = ?3 and ?2 = 0 and uid in \
     (select uid from trashed_assets where stack_api_key = ?3 and trash_uid = ?1 and is_dir = 0)";
/// [`RESTORED_VERSIONS`] on PostgreSQL: `is_dir` and the folders-only flag are booleans.
const PG_RESTORED_VERSIONS: &str = "insert into asset_versions (asset_uid, version, stack_api_key, version_uid, title, \
     description, tags, parent_uid, updated_at, updated_by) \
     select uid, version, stack_api_key, version_uid, title, description, tags, parent_uid, updated_at, updated_by \
     from assets where stack_api_key = $3 and not $2 and uid in \
     (select uid from trashed_assets where stack_api_key = $3 and trash_uid = $1 and not is_dir)";

/// Moves the rows of trash item `trash_uid` back into `assets` (all of them, or only
/// its folders); the caller then drops or splits the item. `_version` goes up by
/// one, `updated_at`/`updated_by` become the restore's, and file assets get a version
/// entry. `root_parent` is where the item's root goes.
pub async fn restore_rows(
    db: impl Into<Exec<'_>>,
    api_key: &str,
    trash_uid: &str,
    folders_only: bool,
    root_parent: Option<&str>,
    now: &str,
    user: &str,
) -> DbResult<()> {
    static COPY_BACK: LazyLock<String> = LazyLock::new(|| {
        format!(
            "insert into assets ({ASSET_COLUMNS}) select {ASSET_COLUMNS} from trashed_assets \
             where stack_api_key = ?3 and trash_uid = ?1 and (?2 = 0 or is_dir = 1)"
        )
    });
    static PG_COPY_BACK: LazyLock<String> = LazyLock::new(|| {
        format!(
            "insert into assets ({ASSET_COLUMNS}) select {ASSET_COLUMNS} from trashed_assets \
             where stack_api_key = $3 and trash_uid = $1 and (not $2 or is_dir)"
        )
    });
    let mut db: Exec<'_> = db.into();
    on!(db.re(), |c, q| sqlx::query(either!(
        q,
        COPY_BACK.as_str(),
        PG_COPY_BACK.as_str()
    ))
    .bind(trash_uid)
    .bind(folders_only)
    .bind(api_key)
    .execute(c)
    .await
    .map(|done| done.rows_affected()))?;
    // The rows are back as they were; now one version more, stamped by the restore.
    on!(db.re(), |c, q| {
        sqlx::query(either!(
        q,
        "update assets set version = version + 1, updated_at = ?3, updated_by = ?4 \
         where stack_api_key = ?5 and uid in \
         (select uid from trashed_assets where stack_api_key = ?5 and trash_uid = ?1 and (?2 = 0 or is_dir = 1))",
        "update assets set version = version + 1, updated_at = $3, updated_by = $4 \
         where stack_api_key = $5 and uid in \
         (select uid from trashed_assets where stack_api_key = $5 and trash_uid = $1 and (not $2 or is_dir))"
    ))
    .bind(trash_uid)
    .bind(folders_only)
    .bind(now)
    .bind(user)
    .bind(api_key)
    .execute(c)
    .await
    .map(|done| done.rows_affected())
    })?;
    on!(db.re(), |c, q| sqlx::query(q.sql(
        "update assets set parent_uid = ?2 where stack_api_key = ?3 and uid = ?1"
    ))
    .bind(trash_uid)
    .bind(root_parent)
    .bind(api_key)
    .execute(c)
    .await
    .map(|done| done.rows_affected()))?;
    on!(db.re(), |c, q| sqlx::query(either!(
        q,
        RESTORED_VERSIONS,
        PG_RESTORED_VERSIONS
    ))
    .bind(trash_uid)
    .bind(folders_only)
    .bind(api_key)
    .execute(c)
    .await
    .map(|done| done.rows_affected()))?;
    on!(db.re(), |c, q| {
        sqlx::query(either!(
        q,
        "delete from trashed_assets where stack_api_key = ?3 and trash_uid = ?1 and (?2 = 0 or is_dir = 1)",
        "delete from trashed_assets where stack_api_key = $3 and trash_uid = $1 and (not $2 or is_dir)"
    ))
    .bind(trash_uid)
    .bind(folders_only)
    .bind(api_key)
    .execute(c)
    .await
    .map(|done| done.rows_affected())
    })?;
    Ok(())
}

/// Splits the rows left in item `trash_uid` (a folder restored without its assets)
/// into one trash item each, with the folder item's dates, then drops the old item.
pub async fn split_remaining(
    db: impl Into<Exec<'_>>,
    api_key: &str,
    trash_uid: &str,
) -> DbResult<()> {
    let mut db: Exec<'_> = db.into();
    on!(db.re(), |c, q| {
        sqlx::query(q.sql("insert into trash (uid, stack_api_key, item_type, deleted_at, deleted_by, purge_at) \
         select a.uid, t.stack_api_key, 'asset', t.deleted_at, t.deleted_by, t.purge_at \
         from trashed_assets a join trash t on t.stack_api_key = a.stack_api_key and t.uid = a.trash_uid \
         where a.stack_api_key = ?1 and a.trash_uid = ?2"))
    .bind(api_key)
    .bind(trash_uid)
    .execute(c)
    .await
    .map(|done| done.rows_affected())
    })?;
    on!(db.re(), |c, q| sqlx::query(q.sql(
        "update trashed_assets set trash_uid = uid where stack_api_key = ? and trash_uid = ?"
    ))
    .bind(api_key)
    .bind(trash_uid)
    .execute(c)
    .await
    .map(|done| done.rows_affected()))?;
    delete_item_row(db.re(), api_key, trash_uid).await
}

/// Drops the trash row itself (its rows were all moved out).
pub async fn delete_item_row(
    db: impl Into<Exec<'_>>,
    api_key: &str,
    trash_uid: &str,
) -> DbResult<()> {
    on!(db, |c, q| sqlx::query(q.sql(
        "delete from trash where stack_api_key = ? and uid = ?"
    ))
    .bind(api_key)
    .bind(trash_uid)
    .execute(c)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(())
}

/// Up to `limit` trash items of a stack due for purging at `now` (all when `now` is None).
pub async fn due_items(
    db: impl Into<Exec<'_>>,
    api_key: &str,
    now: Option<&str>,
    limit: i64,
) -> DbResult<Vec<(String, String)>> {
    // Two statements rather than `(? is null or purge_at <= ?)`, so that both walk the
    // (stack_api_key, purge_at, uid) index instead of sorting the whole trash.
    let sql = match now {
        Some(_) => {
            "select uid, item_type from trash where stack_api_key = ? and purge_at <= ? \
             order by purge_at, uid limit ?"
        }
        None => {
            "select uid, item_type from trash where stack_api_key = ? and ? is null \
             order by purge_at, uid limit ?"
        }
    };
    const PG_ALL: &str = "select uid, item_type from trash where stack_api_key = ? \
         and cast(? as text) is null order by purge_at, uid limit ?";
    Ok(on!(db, |c, q| sqlx::query_as::<_, (String, String)>(
        q.sql(if q.is_pg() && now.is_none() {
            PG_ALL
        } else {
            sql
        })
    )
    .bind(api_key)
    .bind(now)
    .bind(limit)
    .fetch_all(c)
    .await)?)
}

/// The rows (a trashed folder's contents included) of the batch's trash items.
pub(super) const PURGE_ASSETS_OF_BATCH: &str = "insert or ignore into temp.purge_assets (uid) \
     select a.uid from temp.purge_batch b \
     cross join trashed_assets a on a.stack_api_key = ?1 and a.trash_uid = b.uid";
/// The stored files of those rows, every version's.
pub(super) const PURGED_FILES: &str = "select f.storage_key from temp.purge_assets p \
     cross join asset_files f on f.stack_api_key = ?1 and f.asset_uid = p.uid";
/// A tombstone per purged row, so that a late restore can say it was purged.
pub(super) const PURGE_TOMBSTONES: &str = "insert or replace into purged_items \
     (stack_api_key, uid, item_type, purged_at) \
     select a.stack_api_key, a.uid, case a.is_dir when 1 then 'folder' else 'asset' end, ?2 \
     from temp.purge_batch b \
     cross join trashed_assets a on a.stack_api_key = ?1 and a.trash_uid = b.uid";

/// The purge's statements on PostgreSQL: its temporary schema is `pg_temp`, a join is
/// a plain `join` (no `cross join ... on`), `insert or ignore` / `insert or replace`
/// become `on conflict`, and `is_dir` is a boolean.
const PG_PURGE_ASSETS_OF_BATCH: &str = "insert into pg_temp.purge_assets (uid) \
     select a.uid from pg_temp.purge_batch b \
     join trashed_assets a on a.stack_api_key = $1 and a.trash_uid = b.uid \
     on conflict do nothing";
const PG_PURGED_FILES: &str = "select f.storage_key from pg_temp.purge_assets p \
     join asset_files f on f.stack_api_key = $1 and f.asset_uid = p.uid";
const PG_PURGE_TOMBSTONES: &str = "insert into purged_items \
     (stack_api_key, uid, item_type, purged_at) \
     select a.stack_api_key, a.uid, case when a.is_dir then 'folder' else 'asset' end, $2 \
     from pg_temp.purge_batch b \
     join trashed_assets a on a.stack_api_key = $1 and a.trash_uid = b.uid \
     on conflict (stack_api_key, uid) do update \
     set item_type = excluded.item_type, purged_at = excluded.purged_at";

/// The purge's temporary tables.
const PURGE_TABLES: [&str; 2] = ["purge_batch", "purge_assets"];

/// Empties the purge's temporary tables.
async fn empty_purge_tables(db: &mut Exec<'_>) -> DbResult<()> {
    for table in PURGE_TABLES {
        on!(db.re(), |c, q| sqlx::query(if q.is_pg() {
            sqlx::AssertSqlSafe(format!("delete from pg_temp.{table}"))
        } else {
            sqlx::AssertSqlSafe(format!("delete from temp.{table}"))
        })
        .execute(c)
        .await
        .map(|done| done.rows_affected()))?;
    }
    Ok(())
}

/// Deletes trash items for good: their rows, versions and file records, journalling
/// the stored files in `pending_file_deletions` (removed from disk after the commit).
/// Returns the storage keys to remove.
pub async fn purge_items(
    db: impl Into<Exec<'_>>,
    api_key: &str,
    uids: &[String],
    purged_at: &str,
) -> DbResult<Vec<String>> {
    if uids.is_empty() {
        return Ok(Vec::new());
    }
    let mut db: Exec<'_> = db.into();
    // The batch's trash items and then their rows' uids go in temp tables, so that each
    // statement starts from them (`cross join` keeps them the outer loop) and reaches
    // every other row by index, whatever the size of the stack. They live on the writer
    // connection and are emptied every time (on PostgreSQL too: a pooled connection
    // keeps its temporary tables).
    for table in PURGE_TABLES {
        on!(db.re(), |c, _q| sqlx::query(sqlx::AssertSqlSafe(format!(
            "create temp table if not exists {table} (uid text primary key)"
        )))
        .execute(c)
        .await
        .map(|done| done.rows_affected()))?;
    }
    empty_purge_tables(&mut db).await?;
    on!(db.re(), |c, q| {
        let mut insert = QueryBuilder::new(either!(
            q,
            "insert into temp.purge_batch (uid) ",
            "insert into pg_temp.purge_batch (uid) "
        ));
        insert.push_values(uids, |mut row, uid| {
            row.push_bind(uid.clone());
        });
        insert
            .build()
            .execute(c)
            .await
            .map(|done| done.rows_affected())
    })?;

    // Every statement names the stack: uids are unique per stack only.
    on!(db.re(), |c, q| sqlx::query(either!(
        q,
        PURGE_ASSETS_OF_BATCH,
        PG_PURGE_ASSETS_OF_BATCH
    ))
    .bind(api_key)
    .execute(c)
    .await
    .map(|done| done.rows_affected()))?;
    let keys = on!(db.re(), |c, q| sqlx::query_scalar::<_, String>(either!(
        q,
        PURGED_FILES,
        PG_PURGED_FILES
    ))
    .bind(api_key)
    .fetch_all(c)
    .await)?;
    on!(db.re(), |c, q| sqlx::query(either!(
        q,
        "insert or ignore into pending_file_deletions (storage_key, stack_api_key) \
         select f.storage_key, ?1 from temp.purge_assets p \
         cross join asset_files f on f.stack_api_key = ?1 and f.asset_uid = p.uid",
        "insert into pending_file_deletions (storage_key, stack_api_key) \
         select f.storage_key, $1 from pg_temp.purge_assets p \
         join asset_files f on f.stack_api_key = $1 and f.asset_uid = p.uid \
         on conflict do nothing"
    ))
    .bind(api_key)
    .execute(c)
    .await
    .map(|done| done.rows_affected()))?;
    on!(db.re(), |c, q| sqlx::query(either!(
        q,
        PURGE_TOMBSTONES,
        PG_PURGE_TOMBSTONES
    ))
    .bind(api_key)
    .bind(purged_at)
    .execute(c)
    .await
    .map(|done| done.rows_affected()))?;
    const DELETES: [&str; 5] = [
        // A purged asset keeps no scan status.
        "delete from asset_scan_status where stack_api_key = ?1 \
         and asset_uid in (select uid from temp.purge_assets)",
        "delete from asset_files where stack_api_key = ?1 \
         and asset_uid in (select uid from temp.purge_assets)",
        "delete from asset_versions where stack_api_key = ?1 \
         and asset_uid in (select uid from temp.purge_assets)",
        "delete from trashed_assets where stack_api_key = ?1 \
         and trash_uid in (select uid from temp.purge_batch)",
        "delete from trash where stack_api_key = ?1 and uid in (select uid from temp.purge_batch)",
    ];
    const PG_DELETES: [&str; 5] = [
        "delete from asset_scan_status where stack_api_key = $1 \
         and asset_uid in (select uid from pg_temp.purge_assets)",
        "delete from asset_files where stack_api_key = $1 \
         and asset_uid in (select uid from pg_temp.purge_assets)",
        "delete from asset_versions where stack_api_key = $1 \
         and asset_uid in (select uid from pg_temp.purge_assets)",
        "delete from trashed_assets where stack_api_key = $1 \
         and trash_uid in (select uid from pg_temp.purge_batch)",
        "delete from trash where stack_api_key = $1 and uid in (select uid from pg_temp.purge_batch)",
    ];
    for (lite, pg) in DELETES.into_iter().zip(PG_DELETES) {
        on!(db.re(), |c, q| sqlx::query(either!(q, lite, pg))
            .bind(api_key)
            .execute(c)
            .await
            .map(|done| done.rows_affected()))?;
    }
    empty_purge_tables(&mut db).await?;
    Ok(keys)
}

/// Stored files whose rows are gone but which may still be on disk.
pub async fn pending_deletions(
    db: impl Into<Exec<'_>>,
    limit: i64,
) -> DbResult<Vec<(String, String)>> {
    Ok(on!(db, |c, q| sqlx::query_as::<_, (String, String)>(
        q.sql("select storage_key, stack_api_key from pending_file_deletions limit ?")
    )
    .bind(limit)
    .fetch_all(c)
    .await)?)
}

/// Forgets pending deletions once the files are gone.
pub async fn forget_deletions(db: impl Into<Exec<'_>>, keys: &[String]) -> DbResult<()> {
    let mut db: Exec<'_> = db.into();
    for chunk in keys.chunks(500) {
        on!(db.re(), |c, _q| {
            let mut sql =
                QueryBuilder::new("delete from pending_file_deletions where storage_key in (");
            let mut list = sql.separated(", ");
            for key in chunk {
                list.push_bind(key.clone());
            }
            sql.push(")");
            sql.build()
                .execute(c)
                .await
                .map(|done| done.rows_affected())
        })?;
    }
    Ok(())
}

/// When an item of the stack was purged, if the purge removed it.
pub async fn purged_at(
    db: impl Into<Exec<'_>>,
    api_key: &str,
    uid: &str,
) -> DbResult<Option<String>> {
    Ok(on!(db, |c, q| sqlx::query_scalar::<_, String>(q.sql(
        "select purged_at from purged_items where stack_api_key = ? and uid = ?"
    ))
    .bind(api_key)
    .bind(uid)
    .fetch_optional(c)
    .await)?)
}
