//! Queries on live assets and folders (`assets`), their stored files and versions.

use sqlx::{QueryBuilder, Sqlite, SqliteConnection, SqlitePool};

/// The columns of `assets`, in table order (shared by `trashed_assets`).
pub const ASSET_COLUMNS: &str = "uid, stack_api_key, is_dir, parent_uid, title, name, description, filename, \
     content_type, file_size, tags, version, version_uid, width, height, created_at, created_by, updated_at, updated_by";

/// A live asset or folder.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
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
    /// JSON array of strings.
    pub tags: String,
    pub version: i64,
    pub version_uid: Option<String>,
    pub width: Option<f64>,
    pub height: Option<f64>,
    pub created_at: String,
    pub created_by: String,
    pub updated_at: String,
    pub updated_by: String,
}

impl AssetRow {
    /// The tags as a list.
    pub fn tag_list(&self) -> Vec<String> {
        serde_json::from_str(&self.tags).unwrap_or_default()
    }

    /// Stores a list of tags.
    pub fn set_tags(&mut self, tags: &[String]) {
        self.tags = serde_json::to_string(tags).expect("strings serialise");
    }
}

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
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct VersionRow {
    pub version: i64,
    pub version_uid: String,
    pub title: Option<String>,
    pub description: Option<String>,
    pub tags: String,
    pub parent_uid: Option<String>,
    pub version_name: Option<String>,
    pub updated_at: String,
    pub updated_by: String,
}

/// A live asset or folder of a stack.
pub async fn get(
    db: impl sqlx::SqliteExecutor<'_>,
    api_key: &str,
    uid: &str,
) -> sqlx::Result<Option<AssetRow>> {
    sqlx::query_as::<_, AssetRow>("select * from assets where uid = ? and stack_api_key = ?")
        .bind(uid)
        .bind(api_key)
        .fetch_optional(db)
        .await
}

/// Inserts a new live asset or folder.
pub async fn insert(conn: &mut SqliteConnection, row: &AssetRow) -> sqlx::Result<()> {
    sqlx::query(
        "insert into assets (uid, stack_api_key, is_dir, parent_uid, title, name, description, filename, \
         content_type, file_size, tags, version, version_uid, width, height, created_at, created_by, updated_at, updated_by) \
         values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&row.uid)
    .bind(&row.stack_api_key)
    .bind(row.is_dir)
    .bind(&row.parent_uid)
    .bind(&row.title)
    .bind(&row.name)
    .bind(&row.description)
    .bind(&row.filename)
    .bind(&row.content_type)
    .bind(row.file_size)
    .bind(&row.tags)
    .bind(row.version)
    .bind(&row.version_uid)
    .bind(row.width)
    .bind(row.height)
    .bind(&row.created_at)
    .bind(&row.created_by)
    .bind(&row.updated_at)
    .bind(&row.updated_by)
    .execute(conn)
    .await?;
    Ok(())
}

/// Writes back every mutable column of a live row.
pub async fn save(conn: &mut SqliteConnection, row: &AssetRow) -> sqlx::Result<()> {
    sqlx::query(
        "update assets set parent_uid = ?, title = ?, name = ?, description = ?, filename = ?, content_type = ?, \
         file_size = ?, tags = ?, version = ?, version_uid = ?, width = ?, height = ?, updated_at = ?, updated_by = ? \
         where uid = ? and stack_api_key = ?",
    )
    .bind(&row.parent_uid)
    .bind(&row.title)
    .bind(&row.name)
    .bind(&row.description)
    .bind(&row.filename)
    .bind(&row.content_type)
    .bind(row.file_size)
    .bind(&row.tags)
    .bind(row.version)
    .bind(&row.version_uid)
    .bind(row.width)
    .bind(row.height)
    .bind(&row.updated_at)
    .bind(&row.updated_by)
    .bind(&row.uid)
    .bind(&row.stack_api_key)
    .execute(conn)
    .await?;
    Ok(())
}

/// Records a stored file.
pub async fn insert_file(conn: &mut SqliteConnection, file: &AssetFileRow) -> sqlx::Result<()> {
    sqlx::query(
        "insert into asset_files (version_uid, asset_uid, stack_api_key, storage_key, filename, content_type, \
         file_size, sha256, width, height, created_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&file.version_uid)
    .bind(&file.asset_uid)
    .bind(&file.stack_api_key)
    .bind(&file.storage_key)
    .bind(&file.filename)
    .bind(&file.content_type)
    .bind(file.file_size)
    .bind(&file.sha256)
    .bind(file.width)
    .bind(file.height)
    .bind(&file.created_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Appends the row's current state to its version history.
pub async fn record_version(conn: &mut SqliteConnection, row: &AssetRow) -> sqlx::Result<()> {
    let Some(version_uid) = &row.version_uid else {
        return Ok(()); // folders keep no file history
    };
    sqlx::query(
        "insert into asset_versions (asset_uid, version, stack_api_key, version_uid, title, description, tags, \
         parent_uid, updated_at, updated_by) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&row.uid)
    .bind(row.version)
    .bind(&row.stack_api_key)
    .bind(version_uid)
    .bind(&row.title)
    .bind(&row.description)
    .bind(&row.tags)
    .bind(&row.parent_uid)
    .bind(&row.updated_at)
    .bind(&row.updated_by)
    .execute(conn)
    .await?;
    Ok(())
}

/// An asset's version history, newest first.
pub async fn versions(
    db: &SqlitePool,
    asset_uid: &str,
    skip: i64,
    limit: i64,
) -> sqlx::Result<Vec<VersionRow>> {
    sqlx::query_as::<_, VersionRow>(
        "select version, version_uid, title, description, tags, parent_uid, version_name, updated_at, updated_by \
         from asset_versions where asset_uid = ? order by version desc limit ? offset ?",
    )
    .bind(asset_uid)
    .bind(limit)
    .bind(skip)
    .fetch_all(db)
    .await
}

/// How many versions an asset has.
pub async fn count_versions(db: &SqlitePool, asset_uid: &str) -> sqlx::Result<i64> {
    sqlx::query_scalar("select count(*) from asset_versions where asset_uid = ?")
        .bind(asset_uid)
        .fetch_one(db)
        .await
}

/// One version of an asset.
pub async fn version(
    db: impl sqlx::SqliteExecutor<'_>,
    asset_uid: &str,
    version: i64,
) -> sqlx::Result<Option<VersionRow>> {
    sqlx::query_as::<_, VersionRow>(
        "select version, version_uid, title, description, tags, parent_uid, version_name, updated_at, updated_by \
         from asset_versions where asset_uid = ? and version = ?",
    )
    .bind(asset_uid)
    .bind(version)
    .fetch_optional(db)
    .await
}

/// A stored file by its version uid.
pub async fn file(
    db: impl sqlx::SqliteExecutor<'_>,
    version_uid: &str,
) -> sqlx::Result<Option<AssetFileRow>> {
    sqlx::query_as::<_, AssetFileRow>("select * from asset_files where version_uid = ?")
        .bind(version_uid)
        .fetch_optional(db)
        .await
}

/// The stored file behind a file URL, if the asset is live (trashed assets' URLs 404).
pub async fn live_file(
    db: &SqlitePool,
    api_key: &str,
    asset_uid: &str,
    version_uid: &str,
) -> sqlx::Result<Option<AssetFileRow>> {
    sqlx::query_as::<_, AssetFileRow>(
        "select f.* from asset_files f join assets a on a.uid = f.asset_uid \
         where f.version_uid = ? and f.asset_uid = ? and f.stack_api_key = ? and a.stack_api_key = ?",
    )
    .bind(version_uid)
    .bind(asset_uid)
    .bind(api_key)
    .bind(api_key)
    .fetch_optional(db)
    .await
}

/// A folder and its ancestors as `(uid, name)`, root first, the folder itself last.
/// (The recursive steps here use `cross join` to fix the join order: SQLite's planner
/// may otherwise scan the stack's whole table once per level.)
/// Empty when the folder is not live.
pub async fn folder_chain(
    db: impl sqlx::SqliteExecutor<'_>,
    api_key: &str,
    folder_uid: &str,
) -> sqlx::Result<Vec<(String, String)>> {
    let rows: Vec<(String, Option<String>, i64)> = sqlx::query_as(
        "with recursive chain(uid, name, parent_uid, depth) as ( \
             select uid, name, parent_uid, 0 from assets where uid = ? and stack_api_key = ? and is_dir = 1 \
             union all \
             select a.uid, a.name, a.parent_uid, c.depth + 1 from chain c cross join assets a on a.uid = c.parent_uid \
             where a.stack_api_key = ? and a.is_dir = 1 and c.depth < 64 \
         ) select uid, name, depth from chain order by depth desc",
    )
    .bind(folder_uid)
    .bind(api_key)
    .bind(api_key)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(uid, name, _)| (uid, name.unwrap_or_default()))
        .collect())
}

/// How many folder levels lie below `folder_uid` (0 when it has no subfolders).
pub async fn subtree_folder_height(
    db: impl sqlx::SqliteExecutor<'_>,
    api_key: &str,
    folder_uid: &str,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "with recursive sub(uid, depth) as ( \
             select uid, 0 from assets where uid = ? and stack_api_key = ? \
             union all \
             select a.uid, s.depth + 1 from sub s cross join assets a on a.parent_uid = s.uid \
             where a.stack_api_key = ? and a.is_dir = 1 and s.depth < 64 \
         ) select max(depth) from sub",
    )
    .bind(folder_uid)
    .bind(api_key)
    .bind(api_key)
    .fetch_one(db)
    .await
    .map(|height: Option<i64>| height.unwrap_or(0))
}

/// How many live folders a stack has.
pub async fn count_folders(db: impl sqlx::SqliteExecutor<'_>, api_key: &str) -> sqlx::Result<i64> {
    sqlx::query_scalar("select count(*) from assets where stack_api_key = ? and is_dir = 1")
        .bind(api_key)
        .fetch_one(db)
        .await
}

/// Where listed items come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Every item of the stack.
    Everywhere,
    /// Items directly at the root.
    Root,
    /// Items directly inside a folder.
    Folder(String),
}

/// Sort order of a listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sort {
    pub column: &'static str,
    pub ascending: bool,
}

/// Maps a field name from `asc` / `desc` to its column.
pub fn sort_column(field: &str) -> Option<&'static str> {
    Some(match field {
        "created_at" => "created_at",
        "updated_at" => "updated_at",
        "title" => "title",
        "name" => "name",
        "filename" => "filename",
        "file_size" => "file_size",
        "content_type" => "content_type",
        "uid" => "uid",
        "_version" => "version",
        _ => return None,
    })
}

/// A listing request, already validated.
#[derive(Debug, Clone)]
pub struct Listing {
    pub api_key: String,
    pub scope: Scope,
    /// Include folders (`is_dir` rows) unless the query itself decides.
    pub include_folders: bool,
    /// Restrict to a MIME family (`image/`, `video/`).
    pub content_type_prefix: Option<&'static str>,
    pub query: serde_json::Map<String, serde_json::Value>,
    pub sort: Sort,
    pub skip: u64,
    pub limit: u64,
}

impl Listing {
    fn push_where(
        &self,
        sql: &mut QueryBuilder<Sqlite>,
    ) -> Result<(), crate::query_filter::QueryError> {
        sql.push(" where stack_api_key = ")
            .push_bind(self.api_key.clone());
        match &self.scope {
            Scope::Everywhere => {}
            Scope::Root => {
                sql.push(" and parent_uid is null");
            }
            Scope::Folder(uid) => {
                sql.push(" and parent_uid = ").push_bind(uid.clone());
            }
        }
        if !self.include_folders && !crate::query_filter::mentions(&self.query, "is_dir") {
            sql.push(" and is_dir = 0");
        }
        if let Some(prefix) = self.content_type_prefix {
            sql.push(" and is_dir = 0 and content_type like ")
                .push_bind(format!("{prefix}%"));
        }
        crate::query_filter::push_query(sql, &self.query)
    }

    /// Builds the page query.
    pub fn page_sql(&self) -> Result<QueryBuilder<Sqlite>, crate::query_filter::QueryError> {
        let mut sql = QueryBuilder::new("select * from assets");
        self.push_where(&mut sql)?;
        let direction = if self.sort.ascending { "asc" } else { "desc" };
        // uid breaks ties so that pages never overlap or skip an item.
        sql.push(format_args!(
            " order by {} {direction}, uid {direction}",
            self.sort.column
        ));
        let skip = i64::try_from(self.skip).unwrap_or(i64::MAX);
        let limit = i64::try_from(self.limit).unwrap_or(i64::MAX);
        sql.push(" limit ")
            .push_bind(limit)
            .push(" offset ")
            .push_bind(skip);
        Ok(sql)
    }

    /// Builds the count query.
    pub fn count_sql(&self) -> Result<QueryBuilder<Sqlite>, crate::query_filter::QueryError> {
        let mut sql = QueryBuilder::new("select count(*) from assets");
        self.push_where(&mut sql)?;
        Ok(sql)
    }
}
