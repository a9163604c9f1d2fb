//! Moving items into the trash: the rows leave `assets` for `trashed_assets` and a
//! `trash` row records who deleted what, when, and when it will be purged.

use std::sync::LazyLock;

use sqlx::SqliteConnection;

use super::assets::ASSET_COLUMNS;

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
const SUBTREE: &str = "with recursive sub(uid) as ( \
     select uid from assets where uid = ?1 and stack_api_key = ?2 \
     union all \
     select a.uid from assets a join sub s on a.parent_uid = s.uid where a.stack_api_key = ?2 \
 ) ";

static COPY_SUBTREE: LazyLock<String> = LazyLock::new(|| {
    format!(
        "{SUBTREE} insert into trashed_assets (trash_uid, {ASSET_COLUMNS}) \
         select ?3, {ASSET_COLUMNS} from assets where uid in (select uid from sub)"
    )
});

static DELETE_SUBTREE: LazyLock<String> =
    LazyLock::new(|| format!("{SUBTREE} delete from assets where uid in (select uid from sub)"));

/// Moves a live asset, or a live folder with everything inside it, into the trash as
/// one item. Returns how many rows moved (0 when the uid names no live item). Runs on
/// the caller's transaction.
pub async fn move_to_trash(
    conn: &mut SqliteConnection,
    entry: &TrashEntry<'_>,
) -> sqlx::Result<u64> {
    sqlx::query(
        "insert into trash (uid, stack_api_key, item_type, deleted_at, deleted_by, purge_at) values (?, ?, ?, ?, ?, ?)",
    )
    .bind(entry.uid)
    .bind(entry.api_key)
    .bind(entry.item_type.as_str())
    .bind(entry.deleted_at)
    .bind(entry.deleted_by)
    .bind(entry.purge_at)
    .execute(&mut *conn)
    .await?;

    let moved = sqlx::query(sqlx::AssertSqlSafe(COPY_SUBTREE.as_str()))
        .bind(entry.uid)
        .bind(entry.api_key)
        .bind(entry.uid)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    sqlx::query(sqlx::AssertSqlSafe(DELETE_SUBTREE.as_str()))
        .bind(entry.uid)
        .bind(entry.api_key)
        .execute(&mut *conn)
        .await?;
    Ok(moved)
}
