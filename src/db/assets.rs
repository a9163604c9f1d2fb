//! Queries on live assets and folders (`assets`), their stored files and versions.

use std::sync::LazyLock;

use sqlx::types::Json;

use super::exec::from_rows;
use super::{DbResult, Exec, json_column, on};

/// The columns of `assets`, in table order (shared by `trashed_assets`). The one list
/// of them: [`bind_asset_columns`] binds a row in this order.
pub const ASSET_COLUMNS: &str = "uid, stack_api_key, is_dir, parent_uid, title, name, description, filename, \
     content_type, file_size, tags, version, version_uid, width, height, created_at, created_by, updated_at, updated_by, \
     permanent_slug";

/// Binds every column of [`ASSET_COLUMNS`], in its order (a macro: the query is of
/// either backend).
macro_rules! bind_asset_columns {
    ($query:expr, $row:expr) => {
        $query
            .bind(&$row.uid)
            .bind(&$row.stack_api_key)
            .bind($row.is_dir)
            .bind(&$row.parent_uid)
            .bind(&$row.title)
            .bind(&$row.name)
            .bind(&$row.description)
            .bind(&$row.filename)
            .bind(&$row.content_type)
            .bind($row.file_size)
            .bind(&$row.tags)
            .bind($row.version)
            .bind(&$row.version_uid)
            .bind($row.width)
            .bind($row.height)
            .bind(&$row.created_at)
            .bind(&$row.created_by)
            .bind(&$row.updated_at)
            .bind(&$row.updated_by)
            .bind(&$row.permanent_slug)
    };
}

/// A live asset or folder.
#[derive(Debug, Clone, PartialEq)]
pub struct AssetRow {
    pub uid: String,
    pub stack_api_key: String,
    pub is_dir: bool,
    pub parent_uid: Option<String>,
    pub title: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub filename: Option<String>,
    pub content_type: String,
    pub file_size: Option<i64>,
    /// Stored as a JSON array of strings.
    pub tags: Json<Vec<String>>,
    pub version: i64,
    pub version_uid: Option<String>,
    pub width: Option<f64>,
    pub height: Option<f64>,
    pub created_at: String,
    pub created_by: String,
    pub updated_at: String,
    pub updated_by: String,
    /// The slug of its permanent URL, once one was set.
    pub permanent_slug: Option<String>,
}

impl AssetRow {
    /// A new row of stack `api_key`, version 1, created and updated by `user` at `now`;
    /// the caller fills in what makes it a file or a folder.
    pub fn new(uid: String, api_key: &str, is_dir: bool, user: &str, now: &str) -> AssetRow {
        AssetRow {
            uid,
            stack_api_key: api_key.to_owned(),
            is_dir,
            parent_uid: None,
            title: None,
            name: None,
            description: None,
            filename: None,
            content_type: String::new(),
            file_size: None,
            tags: Json(Vec::new()),
            version: 1,
            version_uid: None,
            width: None,
            height: None,
            created_at: now.to_owned(),
            created_by: user.to_owned(),
            updated_at: now.to_owned(),
            updated_by: user.to_owned(),
            permanent_slug: None,
        }
    }

    /// The tags as a list.
    pub fn tag_list(&self) -> Vec<String> {
        self.tags.0.clone()
    }

    /// Stores a list of tags.
    pub fn set_tags(&mut self, tags: &[String]) {
        self.tags = Json(tags.to_vec());
    }
}

from_rows!(AssetRow, |row| {
    let uid: String = row.try_get("uid")?;
    let stack_api_key: String = row.try_get("stack_api_key")?;
    let tags = json_column(row, "assets", &format!("{stack_api_key}/{uid}"), "tags")?;
    Ok(AssetRow {
        is_dir: row.try_get("is_dir")?,
        parent_uid: row.try_get("parent_uid")?,
        title: row.try_get("title")?,
        name: row.try_get("name")?,
        description: row.try_get("description")?,
        filename: row.try_get("filename")?,
        content_type: row.try_get("content_type")?,
        file_size: row.try_get("file_size")?,
        tags,
        version: row.try_get("version")?,
        version_uid: row.try_get("version_uid")?,
        width: row.try_get("width")?,
        height: row.try_get("height")?,
        created_at: row.try_get("created_at")?,
        created_by: row.try_get("created_by")?,
        updated_at: row.try_get("updated_at")?,
        updated_by: row.try_get("updated_by")?,
        permanent_slug: row.try_get("permanent_slug")?,
        uid,
        stack_api_key,
    })
});

/// One stored file (an upload or a replace).
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct AssetFileRow {
    pub version_uid: String,
    pub asset_uid: String,
    pub stack_api_key: String,
    pub storage_key: String,
    pub filename: String,
    pub content_type: String,
    pub file_size: i64,
    pub sha256: String,
    pub width: Option<f64>,
    pub height: Option<f64>,
    pub created_at: String,
}

/// One entry of an asset's version history.
#[derive(Debug, Clone, PartialEq)]
pub struct VersionRow {
    pub version: i64,
    pub version_uid: String,
    pub title: Option<String>,
    pub description: Option<String>,
    /// Stored as a JSON array of strings.
    pub tags: Json<Vec<String>>,
    pub parent_uid: Option<String>,
    pub version_name: Option<String>,
    pub updated_at: String,
    pub updated_by: String,
}

impl VersionRow {
    /// The tags as JSON text (`["a","b"]`).
    pub fn tags_text(&self) -> String {
        serde_json::Value::from(self.tags.0.clone()).to_string()
    }
}

from_rows!(VersionRow, |row| {
    let version_uid: String = row.try_get("version_uid")?;
    let tags = json_column(row, "asset_versions", &version_uid, "tags")?;
    Ok(VersionRow {
        version: row.try_get("version")?,
        title: row.try_get("title")?,
        description: row.try_get("description")?,
        tags,
        parent_uid: row.try_get("parent_uid")?,
        version_name: row.try_get("version_name")?,
        updated_at: row.try_get("updated_at")?,
        updated_by: row.try_get("updated_by")?,
        version_uid,
    })
});

/// A live asset or folder of a stack.
pub async fn get(db: impl Into<Exec<'_>>, api_key: &str, uid: &str) -> DbResult<Option<AssetRow>> {
    Ok(on!(db, |c, q| sqlx::query_as::<_, AssetRow>(q.sql(
        "select * from assets where stack_api_key = ? and uid = ?"
    ))
    .bind(api_key)
    .bind(uid)
    .fetch_optional(c)
    .await)?)
}

/// Inserts a new live asset or folder.
pub async fn insert(db: impl Into<Exec<'_>>, row: &AssetRow) -> DbResult<()> {
    static INSERT: LazyLock<String> = LazyLock::new(|| insert_sql("assets", ASSET_COLUMNS));
    on!(db, |c, q| bind_asset_columns!(
        sqlx::query(q.sql(INSERT.as_str())),
        row
    )
    .execute(c)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(())
}

/// Writes a live row back (its uid and stack stay what they are).
pub async fn save(db: impl Into<Exec<'_>>, row: &AssetRow) -> DbResult<()> {
    static UPDATE: LazyLock<String> = LazyLock::new(|| {
        let marks = vec!["?"; ASSET_COLUMNS.split(',').count()].join(", ");
        format!(
            "update assets set ({ASSET_COLUMNS}) = ({marks}) where uid = ? and stack_api_key = ?"
        )
    });
    on!(db, |c, q| bind_asset_columns!(
        sqlx::query(q.sql(UPDATE.as_str())),
        row
    )
    .bind(&row.uid)
    .bind(&row.stack_api_key)
    .execute(c)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(())
}

/// The columns of `asset_files`; [`bind_file_columns`] binds a row in this order.
const FILE_COLUMNS: &str = "version_uid, asset_uid, stack_api_key, storage_key, filename, content_type, \
     file_size, sha256, width, height, created_at";

/// Binds every column of [`FILE_COLUMNS`], in its order.
macro_rules! bind_file_columns {
    ($query:expr, $file:expr) => {
        $query
            .bind(&$file.version_uid)
            .bind(&$file.asset_uid)
            .bind(&$file.stack_api_key)
            .bind(&$file.storage_key)
            .bind(&$file.filename)
            .bind(&$file.content_type)
            .bind($file.file_size)
            .bind(&$file.sha256)
            .bind($file.width)
            .bind($file.height)
            .bind(&$file.created_at)
    };
}

/// The columns of `asset_versions`; [`bind_version_columns`] binds a row's current
/// state in this order.
const VERSION_COLUMNS: &str = "asset_uid, version, stack_api_key, version_uid, title, description, tags, \
     parent_uid, updated_at, updated_by";

/// Binds a row's current state as [`VERSION_COLUMNS`], in its order.
macro_rules! bind_version_columns {
    ($query:expr, $row:expr, $version_uid:expr) => {
        $query
            .bind(&$row.uid)
            .bind($row.version)
            .bind(&$row.stack_api_key)
            .bind($version_uid)
            .bind(&$row.title)
            .bind(&$row.description)
            .bind(&$row.tags)
            .bind(&$row.parent_uid)
            .bind(&$row.updated_at)
            .bind(&$row.updated_by)
    };
}

/// `insert into {table} ({columns}) values (?, ...)`.
fn insert_sql(table: &str, columns: &str) -> String {
    let marks = vec!["?"; columns.split(',').count()].join(", ");
    format!("insert into {table} ({columns}) values ({marks})")
}

/// Records a stored file.
pub async fn insert_file(db: impl Into<Exec<'_>>, file: &AssetFileRow) -> DbResult<()> {
    static INSERT: LazyLock<String> = LazyLock::new(|| insert_sql("asset_files", FILE_COLUMNS));
    on!(db, |c, q| bind_file_columns!(
        sqlx::query(q.sql(INSERT.as_str())),
        file
    )
    .execute(c)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(())
}

/// Appends the row's current state to its version history.
pub async fn record_version(db: impl Into<Exec<'_>>, row: &AssetRow) -> DbResult<()> {
    static INSERT: LazyLock<String> =
        LazyLock::new(|| insert_sql("asset_versions", VERSION_COLUMNS));
    let Some(version_uid) = &row.version_uid else {
        return Ok(()); // folders keep no file history
    };
    on!(db, |c, q| bind_version_columns!(
        sqlx::query(q.sql(INSERT.as_str())),
        row,
        version_uid
    )
    .execute(c)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(())
}

/// Records a new asset with its file and first version (the file's), and reads its stack's
/// `created_at`. On SQLite this is ONE statement list: each statement sent on its own is
/// a round trip to the connection's thread, and uploads are the busiest writes
/// (PostgreSQL takes one statement per request). The caller compares `created_at` with
/// the stack it started from and rolls back when the stack was replaced meanwhile.
pub async fn insert_new(
    db: impl Into<Exec<'_>>,
    file: &AssetFileRow,
    row: &AssetRow,
) -> DbResult<Option<String>> {
    static INSERTS: LazyLock<String> = LazyLock::new(|| {
        format!(
            "select created_at from stacks where api_key = ?; {}; {}; {}",
            insert_sql("asset_files", FILE_COLUMNS),
            insert_sql("assets", ASSET_COLUMNS),
            insert_sql("asset_versions", VERSION_COLUMNS),
        )
    });
    let mut db: Exec<'_> = db.into();
    if let Exec::Lite(c) = db.re() {
        let query = sqlx::query(sqlx::AssertSqlSafe(INSERTS.as_str())).bind(&row.stack_api_key);
        let query = bind_file_columns!(query, file);
        let query = bind_asset_columns!(query, row);
        let rows = bind_version_columns!(query, row, &file.version_uid)
            .fetch_all(c)
            .await?;
        return Ok(match rows.first() {
            Some(stack) => Some(sqlx::Row::try_get(stack, 0)?),
            None => None,
        });
    }
    let created_at = super::stacks::created_at(db.re(), &row.stack_api_key).await?;
    if created_at.is_none() {
        // The stack is gone: the inserts would fail their foreign keys, and a failed
        // statement ends a PostgreSQL transaction, so the caller could not look again.
        return Ok(None);
    }
    insert_file(db.re(), file).await?;
    insert(db.re(), row).await?;
    record_version(db.re(), row).await?;
    Ok(created_at)
}

/// An asset's version history, newest first.
pub async fn versions(
    db: impl Into<Exec<'_>>,
    api_key: &str,
    asset_uid: &str,
    skip: i64,
    limit: i64,
) -> DbResult<Vec<VersionRow>> {
    Ok(on!(db, |c, q| {
        sqlx::query_as::<_, VersionRow>(q.sql(
        "select version, version_uid, title, description, tags, parent_uid, version_name, updated_at, updated_by \
         from asset_versions where stack_api_key = ? and asset_uid = ? order by version desc limit ? offset ?"
    ))
    .bind(api_key)
    .bind(asset_uid)
    .bind(limit)
    .bind(skip)
    .fetch_all(c)
    .await
    })?)
}

/// How many versions an asset has.
pub async fn count_versions(
    db: impl Into<Exec<'_>>,
    api_key: &str,
    asset_uid: &str,
) -> DbResult<i64> {
    Ok(on!(db, |c, q| sqlx::query_scalar(q.sql(
        "select count(*) from asset_versions where stack_api_key = ? and asset_uid = ?"
    ))
    .bind(api_key)
    .bind(asset_uid)
    .fetch_one(c)
    .await)?)
}

/// One version of an asset.
pub async fn version(
    db: impl Into<Exec<'_>>,
    api_key: &str,
    asset_uid: &str,
    version: i64,
) -> DbResult<Option<VersionRow>> {
    Ok(on!(db, |c, q| {
        sqlx::query_as::<_, VersionRow>(q.sql(
        "select version, version_uid, title, description, tags, parent_uid, version_name, updated_at, updated_by \
         from asset_versions where stack_api_key = ? and asset_uid = ? and version = ?"
    ))
    .bind(api_key)
    .bind(asset_uid)
    .bind(version)
    .fetch_optional(c)
    .await
    })?)
}

/// A stored file by its version uid.
pub async fn file(db: impl Into<Exec<'_>>, version_uid: &str) -> DbResult<Option<AssetFileRow>> {
    Ok(on!(db, |c, q| sqlx::query_as::<_, AssetFileRow>(
        q.sql("select * from asset_files where version_uid = ?")
    )
    .bind(version_uid)
    .fetch_optional(c)
    .await)?)
}

/// The stored file behind a file URL, if the asset is live (trashed assets' URLs 404).
pub async fn live_file(
    db: impl Into<Exec<'_>>,
    api_key: &str,
    asset_uid: &str,
    version_uid: &str,
) -> DbResult<Option<AssetFileRow>> {
    Ok(on!(db, |c, q| {
        sqlx::query_as::<_, AssetFileRow>(q.sql(
        "select f.* from asset_files f join assets a on a.stack_api_key = f.stack_api_key and a.uid = f.asset_uid \
         where f.version_uid = ? and f.asset_uid = ? and f.stack_api_key = ?"
    ))
    .bind(version_uid)
    .bind(asset_uid)
    .bind(api_key)
    .fetch_optional(c)
    .await
    })?)
}

/// A folder and its ancestors as `(uid, name)`, root first, the folder itself last.
/// (The recursive steps here use `cross join` to fix the join order: SQLite's planner
/// may otherwise scan the stack's whole table once per level.)
/// Empty when the folder is not live.
pub async fn folder_chain(
    db: impl Into<Exec<'_>>,
    api_key: &str,
    folder_uid: &str,
) -> DbResult<Vec<(String, String)>> {
    let rows: Vec<(String, Option<String>, i64)> = on!(db, |c, q| {
        sqlx::query_as(q.sql(
        "with recursive chain(uid, name, parent_uid, depth) as ( \
             select uid, name, parent_uid, cast(0 as bigint) from assets where uid = ? and stack_api_key = ? and is_dir = true \
             union all \
             select a.uid, a.name, a.parent_uid, c.depth + 1 from chain c cross join assets a \
             where a.stack_api_key = ? and a.uid = c.parent_uid and a.is_dir = true and c.depth < 64 \
         ) select uid, name, depth from chain order by depth desc"
    ))
    .bind(folder_uid)
    .bind(api_key)
    .bind(api_key)
    .fetch_all(c)
    .await
    })?;
    Ok(rows
        .into_iter()
        .map(|(uid, name, _)| (uid, name.unwrap_or_default()))
        .collect())
}

/// How many folder levels lie below `folder_uid` (0 when it has no subfolders).
pub async fn subtree_folder_height(
    db: impl Into<Exec<'_>>,
    api_key: &str,
    folder_uid: &str,
) -> DbResult<i64> {
    let height: Option<i64> = on!(db, |c, q| {
        sqlx::query_scalar(q.sql(
        "with recursive sub(uid, depth) as ( \
             select uid, cast(0 as bigint) from assets where uid = ? and stack_api_key = ? \
             union all \
             select a.uid, s.depth + 1 from sub s cross join assets a \
             where a.parent_uid = s.uid and a.stack_api_key = ? and a.is_dir = true and s.depth < 64 \
         ) select max(depth) from sub"
    ))
    .bind(folder_uid)
    .bind(api_key)
    .bind(api_key)
    .fetch_one(c)
    .await
    })?;
    Ok(height.unwrap_or(0))
}

/// How many live folders a stack has.
pub async fn count_folders(db: impl Into<Exec<'_>>, api_key: &str) -> DbResult<i64> {
    Ok(on!(db, |c, q| sqlx::query_scalar(q.sql(
        "select count(*) from assets where stack_api_key = ? and is_dir = true"
    ))
    .bind(api_key)
    .fetch_one(c)
    .await)?)
}

/// Every storage key a stack's file rows point to (live or trashed).
pub async fn storage_keys_of_stack(
    db: impl Into<Exec<'_>>,
    api_key: &str,
) -> DbResult<Vec<String>> {
    Ok(on!(db, |c, q| sqlx::query_scalar(q.sql(
        "select storage_key from asset_files where stack_api_key = ?"
    ))
    .bind(api_key)
    .fetch_all(c)
    .await)?)
}

/// Names (or, with `None`, unnames) a version; false when there is no such version.
pub async fn set_version_name(
    db: impl Into<Exec<'_>>,
    api_key: &str,
    asset_uid: &str,
    version: i64,
    name: Option<&str>,
) -> DbResult<bool> {
    let changed = on!(db, |c, q| {
        sqlx::query(q.sql(
        "update asset_versions set version_name = ? where stack_api_key = ? and asset_uid = ? and version = ?"
    ))
    .bind(name)
    .bind(api_key)
    .bind(asset_uid)
    .bind(version)
    .execute(c)
    .await
    .map(|done| done.rows_affected())
    })?;
    Ok(changed > 0)
}

/// A live file asset with the stored file of its latest version.
pub async fn latest_file(
    db: impl Into<Exec<'_>>,
    api_key: &str,
    uid: &str,
) -> DbResult<Option<(AssetRow, AssetFileRow)>> {
    let mut db: Exec<'_> = db.into();
    let Some(asset) = get(db.re(), api_key, uid).await?.filter(|a| !a.is_dir) else {
        return Ok(None);
    };
    let Some(version_uid) = asset.version_uid.as_deref() else {
        return Ok(None);
    };
    Ok(file(db, version_uid).await?.map(|f| (asset, f)))
}

/// Whether a stack holds any asset or folder, live or in the trash (a look at one
/// index entry, not a count of millions).
pub async fn holds_any(db: impl Into<Exec<'_>>, api_key: &str) -> DbResult<bool> {
    Ok(on!(db, |c, q| sqlx::query_scalar(q.sql(
        "select exists (select 1 from assets where stack_api_key = ?1) \
         or exists (select 1 from trashed_assets where stack_api_key = ?1)"
    ))
    .bind(api_key)
    .fetch_one(c)
    .await)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row_sql(tags: &str) -> String {
        format!(
            "select 'a1' as uid, 'k1' as stack_api_key, 0 as is_dir, null as parent_uid, 't' as title, \
             null as name, null as description, 'f.png' as filename, 'image/png' as content_type, \
             3 as file_size, '{tags}' as tags, 1 as version, 'v1' as version_uid, null as width, \
             null as height, 'c' as created_at, 'u' as created_by, 'c' as updated_at, \
             'u' as updated_by, null as permanent_slug"
        )
    }

    #[tokio::test]
    async fn tags_that_do_not_decode_are_an_error_naming_the_row() {
        let pool = sqlx::SqlitePool::connect("sqlite::memory:").await.unwrap();
        let good = sqlx::query_as::<_, AssetRow>(sqlx::AssertSqlSafe(row_sql(r#"["a","b"]"#)))
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(good.tag_list(), vec!["a", "b"]);
        let error = sqlx::query_as::<_, AssetRow>(sqlx::AssertSqlSafe(row_sql("a,b")))
            .fetch_one(&pool)
            .await
            .unwrap_err();
        assert!(
            error.to_string().contains("tags of assets row k1/a1"),
            "{error}"
        );
    }
}
