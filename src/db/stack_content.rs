//! A stack's content as a whole: emptying it (per-stack reset), putting back the
//! environments and locales it was created with, and copying every content row out and
//! back in (snapshots), table by table, without naming their columns.

use serde::{Deserialize, Serialize};
use sqlx::{Column, Row, SqliteConnection, TypeInfo, ValueRef};

use super::DbResult;

/// The tables that hold a stack's content, parents before children. Credentials
/// (`stacks`, `management_tokens`, `delivery_tokens`) and the file journal are not
/// content: a reset or a restore keeps them.
pub const CONTENT_TABLES: &[&str] = &[
    "environments",
    "locales",
    "assets",
    "asset_files",
    "asset_versions",
    "trash",
    "trashed_assets",
    "publish_records",
    "publish_queue",
    "bulk_jobs",
    "sync_events",
    "purged_items",
    "asset_scan_status",
];

/// The rows of one table of one stack, as plain values (null, integer, real or text).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TableRows {
    pub table: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<serde_json::Value>>,
}

/// What a stored table dump may not be.
#[derive(Debug, thiserror::Error)]
pub enum DumpError {
    #[error("the table {0:?} is not stack content")]
    UnknownTable(String),
    #[error("the column name {0:?} is not valid")]
    BadColumn(String),
    #[error("a row of {0} does not have one value per column")]
    BadRow(String),
    #[error("a value of {0} is neither null, a number nor text")]
    BadValue(String),
    #[error(transparent)]
    Db(#[from] super::DbError),
}

impl From<sqlx::Error> for DumpError {
    fn from(e: sqlx::Error) -> Self {
        DumpError::Db(e.into())
    }
}

const ENVIRONMENT_COLUMNS: &str =
    "uid, stack_api_key, name, urls, version, created_at, created_by, updated_at, updated_by";
const LOCALE_COLUMNS: &str = "uid, stack_api_key, code, name, fallback_locale, version, created_at, created_by, updated_at, updated_by";

/// Records the stack's current environments and locales as the ones a reset puts back
/// (at creation, and after a seed replaced the defaults).
pub async fn remember_creation_defaults(
    conn: &mut SqliteConnection,
    api_key: &str,
) -> DbResult<()> {
    for table in ["stack_creation_environments", "stack_creation_locales"] {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "delete from {table} where stack_api_key = ?"
        )))
        .bind(api_key)
        .execute(&mut *conn)
        .await?;
    }
    copy_settings(
        conn,
        api_key,
        ("environments", "stack_creation_environments"),
        ("locales", "stack_creation_locales"),
    )
    .await
}

/// Copies a stack's environments and locales from one pair of tables into another, in
/// their order.
async fn copy_settings(
    conn: &mut SqliteConnection,
    api_key: &str,
    environments: (&str, &str),
    locales: (&str, &str),
) -> DbResult<()> {
    for (columns, (from, to)) in [
        (ENVIRONMENT_COLUMNS, environments),
        (LOCALE_COLUMNS, locales),
    ] {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "insert into {to} ({columns}) select {columns} from {from} where stack_api_key = ? order by rowid"
        )))
        .bind(api_key)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// The storage keys of every stored file of a stack (live, older versions and trashed).
pub async fn storage_keys(conn: &mut SqliteConnection, api_key: &str) -> DbResult<Vec<String>> {
    sqlx::query_scalar("select storage_key from asset_files where stack_api_key = ?")
        .bind(api_key)
        .fetch_all(conn)
        .await
        .map_err(Into::into)
}

/// Journals stored files whose rows this transaction removes, to be unlinked after the
/// commit (finished at the next start after a crash).
pub async fn journal_deletions(
    conn: &mut SqliteConnection,
    api_key: &str,
    keys: &[String],
) -> DbResult<()> {
    for key in keys {
        sqlx::query(
            "insert or ignore into pending_file_deletions (storage_key, stack_api_key) values (?, ?)",
        )
        .bind(key)
        .bind(api_key)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Deletes every content row of a stack, environments and locales included.
pub async fn clear(conn: &mut SqliteConnection, api_key: &str) -> DbResult<()> {
    for table in CONTENT_TABLES.iter().rev() {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "delete from {table} where stack_api_key = ?"
        )))
        .bind(api_key)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Puts back the environments and locales the stack was created with (same uids).
pub async fn insert_creation_defaults(conn: &mut SqliteConnection, api_key: &str) -> DbResult<()> {
    copy_settings(
        conn,
        api_key,
        ("stack_creation_environments", "environments"),
        ("stack_creation_locales", "locales"),
    )
    .await
}

/// Drops from every delivery token's scope the environments the stack no longer has.
pub async fn drop_missing_environments_from_tokens(
    conn: &mut SqliteConnection,
    api_key: &str,
) -> DbResult<()> {
    sqlx::query(
        "update delivery_tokens set environments = ( \
           select coalesce(json_group_array(j.value), '[]') from json_each(delivery_tokens.environments) j \
           where j.value in (select uid from environments e where e.stack_api_key = delivery_tokens.stack_api_key)) \
         where stack_api_key = ?",
    )
    .bind(api_key)
    .execute(conn)
    .await?;
    Ok(())
}

/// Sets a stack's clock back to real time.
pub async fn reset_clock(conn: &mut SqliteConnection, api_key: &str) -> DbResult<()> {
    sqlx::query("update stacks set clock_offset_ms = 0, clock_frozen_at = null where api_key = ?")
        .bind(api_key)
        .execute(conn)
        .await?;
    Ok(())
}

/// Writes back what a restore puts back on the stack itself: its details and clock.
pub async fn save_restored_stack(
    conn: &mut SqliteConnection,
    stack: &super::stacks::StackRow,
) -> DbResult<()> {
    sqlx::query(
        "update stacks set name = ?, description = ?, settings = ?, updated_at = ?, \
         clock_offset_ms = ?, clock_frozen_at = ? where api_key = ?",
    )
    .bind(&stack.name)
    .bind(&stack.description)
    .bind(&stack.settings)
    .bind(&stack.updated_at)
    .bind(stack.clock_offset_ms)
    .bind(&stack.clock_frozen_at)
    .bind(&stack.api_key)
    .execute(conn)
    .await?;
    Ok(())
}

/// Reads every content row of a stack (call inside one transaction for a consistent
/// copy), in insertion order.
pub async fn read_all(
    conn: &mut SqliteConnection,
    api_key: &str,
) -> Result<Vec<TableRows>, DumpError> {
    let mut tables = Vec::with_capacity(CONTENT_TABLES.len());
    for table in CONTENT_TABLES {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "select * from {table} where stack_api_key = ? order by rowid"
        )))
        .bind(api_key)
        .fetch_all(&mut *conn)
        .await?;
        let columns: Vec<String> = match rows.first() {
            Some(row) => row.columns().iter().map(|c| c.name().to_owned()).collect(),
            None => Vec::new(),
        };
        let mut values = Vec::with_capacity(rows.len());
        for row in &rows {
            let mut out = Vec::with_capacity(columns.len());
            for i in 0..columns.len() {
                out.push(cell(row, i, table)?);
            }
            values.push(out);
        }
        tables.push(TableRows {
            table: (*table).to_owned(),
            columns,
            rows: values,
        });
    }
    Ok(tables)
}

/// [`read_all`] in one read transaction of its own: a consistent copy while writes go on.
pub async fn read_consistent(
    db: super::Reader<'_>,
    api_key: &str,
) -> Result<Vec<TableRows>, DumpError> {
    let mut conn = db.acquire().await?;
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    let tables = read_all(&mut tx, api_key).await?;
    tx.commit().await?;
    Ok(tables)
}

fn cell(
    row: &sqlx::sqlite::SqliteRow,
    i: usize,
    table: &str,
) -> Result<serde_json::Value, DumpError> {
    let raw = row.try_get_raw(i)?;
    if raw.is_null() {
        return Ok(serde_json::Value::Null);
    }
    let kind = raw.type_info().name().to_owned();
    Ok(match kind.as_str() {
        "INTEGER" => serde_json::Value::from(row.try_get::<i64, _>(i)?),
        "REAL" => serde_json::Value::from(row.try_get::<f64, _>(i)?),
        "TEXT" => serde_json::Value::from(row.try_get::<String, _>(i)?),
        _ => return Err(DumpError::BadValue(table.to_owned())),
    })
}

/// Inserts rows read by [`read_all`] into the stack `api_key` (whatever stack they were
/// read from). Tables and column names are checked, never trusted.
pub async fn insert_all(
    conn: &mut SqliteConnection,
    api_key: &str,
    tables: &[TableRows],
) -> Result<(), DumpError> {
    let mut ordered: Vec<&TableRows> = tables.iter().collect();
    for dump in &ordered {
        if !CONTENT_TABLES.contains(&dump.table.as_str()) {
            return Err(DumpError::UnknownTable(dump.table.clone()));
        }
        if let Some(bad) = dump.columns.iter().find(|c| {
            !c.starts_with(|ch: char| ch.is_ascii_lowercase())
                || !c
                    .chars()
                    .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_')
        }) {
            return Err(DumpError::BadColumn(bad.clone()));
        }
    }
    ordered.sort_by_key(|dump| {
        CONTENT_TABLES
            .iter()
            .position(|t| *t == dump.table)
            .unwrap_or(usize::MAX)
    });
    for dump in ordered {
        if dump.rows.is_empty() {
            continue;
        }
        let stack_column = dump.columns.iter().position(|c| c == "stack_api_key");
        let sql = format!(
            "insert into {} ({}) values ({})",
            dump.table,
            dump.columns.join(", "),
            vec!["?"; dump.columns.len()].join(", ")
        );
        for row in &dump.rows {
            if row.len() != dump.columns.len() {
                return Err(DumpError::BadRow(dump.table.clone()));
            }
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
            for (i, value) in row.iter().enumerate() {
                query = match value {
                    _ if Some(i) == stack_column => query.bind(api_key.to_owned()),
                    serde_json::Value::Null => query.bind(None::<String>),
                    serde_json::Value::String(text) => query.bind(text.clone()),
                    serde_json::Value::Number(n) => match n.as_i64() {
                        Some(int) => query.bind(int),
                        None => query.bind(
                            n.as_f64()
                                .ok_or_else(|| DumpError::BadValue(dump.table.clone()))?,
                        ),
                    },
                    _ => return Err(DumpError::BadValue(dump.table.clone())),
                };
            }
            query.execute(&mut *conn).await?;
        }
    }
    Ok(())
}
