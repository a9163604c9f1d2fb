//! A stack's content as a whole: emptying it (per-stack reset), putting back the
//! environments and locales it was created with, and copying every content row out and
//! back in (snapshots), table by table, without naming their columns.

use serde::{Deserialize, Serialize};
use sqlx::types::Json;
use sqlx::{Column, Decode, Row, Type, TypeInfo, ValueRef};

use super::{DbResult, Dialect, Exec, on};

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

/// The rows of one table of one stack, as plain values (null, integer, real or text),
/// as SQLite holds them: on PostgreSQL a boolean is 0 or 1 and a `jsonb` value is its
/// JSON text, so that a copy is the same whichever backend wrote it.
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

/// The column PostgreSQL keeps insertion order in (SQLite's `rowid`).
const SEQ: &str = "seq";
/// The tables whose `seq` is content of their own (SQLite's too), not only an order.
const TABLES_WITH_OWN_SEQ: &[&str] = &["sync_events"];

/// `order by` insertion order.
fn insertion_order(q: Dialect) -> &'static str {
    if q.is_pg() { SEQ } else { "rowid" }
}

/// Records the stack's current environments and locales as the ones a reset puts back
/// (at creation, and after a seed replaced the defaults).
pub async fn remember_creation_defaults(db: impl Into<Exec<'_>>, api_key: &str) -> DbResult<()> {
    let mut db: Exec<'_> = db.into();
    for table in ["stack_creation_environments", "stack_creation_locales"] {
        on!(db.re(), |c, q| sqlx::query(q.owned(format!(
            "delete from {table} where stack_api_key = ?"
        )))
        .bind(api_key)
        .execute(c)
        .await
        .map(|done| done.rows_affected()))?;
    }
    copy_settings(
        db,
        api_key,
        ("environments", "stack_creation_environments"),
        ("locales", "stack_creation_locales"),
    )
    .await
}

/// Copies a stack's environments and locales from one pair of tables into another, in
/// their order.
async fn copy_settings(
    db: impl Into<Exec<'_>>,
    api_key: &str,
    environments: (&str, &str),
    locales: (&str, &str),
) -> DbResult<()> {
    let mut db: Exec<'_> = db.into();
    for (columns, (from, to)) in [
        (ENVIRONMENT_COLUMNS, environments),
        (LOCALE_COLUMNS, locales),
    ] {
        on!(db.re(), |c, q| {
            sqlx::query(q.owned(format!(
            "insert into {to} ({columns}) select {columns} from {from} where stack_api_key = ? order by {}",
            insertion_order(q)
        )))
        .bind(api_key)
        .execute(c)
        .await
        .map(|done| done.rows_affected())
        })?;
    }
    Ok(())
}

/// The storage keys of every stored file of a stack (live, older versions and trashed).
pub async fn storage_keys(db: impl Into<Exec<'_>>, api_key: &str) -> DbResult<Vec<String>> {
    Ok(on!(db, |c, q| sqlx::query_scalar(q.sql(
        "select storage_key from asset_files where stack_api_key = ?"
    ))
    .bind(api_key)
    .fetch_all(c)
    .await)?)
}

/// Journals stored files whose rows this transaction removes, to be unlinked after the
/// commit (finished at the next start after a crash).
pub async fn journal_deletions(
    db: impl Into<Exec<'_>>,
    api_key: &str,
    keys: &[String],
) -> DbResult<()> {
    let mut db: Exec<'_> = db.into();
    for key in keys {
        on!(db.re(), |c, q| {
            sqlx::query(if q.is_pg() {
            q.sql(
                "insert into pending_file_deletions (storage_key, stack_api_key) values (?, ?) \
                 on conflict do nothing",
            )
        } else {
            "insert or ignore into pending_file_deletions (storage_key, stack_api_key) values (?, ?)"
        })
        .bind(key)
        .bind(api_key)
        .execute(c)
        .await
        .map(|done| done.rows_affected())
        })?;
    }
    Ok(())
}

/// Deletes every content row of a stack, environments and locales included.
pub async fn clear(db: impl Into<Exec<'_>>, api_key: &str) -> DbResult<()> {
    let mut db: Exec<'_> = db.into();
    for table in CONTENT_TABLES.iter().rev() {
        on!(db.re(), |c, q| sqlx::query(q.owned(format!(
            "delete from {table} where stack_api_key = ?"
        )))
        .bind(api_key)
        .execute(c)
        .await
        .map(|done| done.rows_affected()))?;
    }
    Ok(())
}

/// Puts back the environments and locales the stack was created with (same uids).
pub async fn insert_creation_defaults(db: impl Into<Exec<'_>>, api_key: &str) -> DbResult<()> {
    copy_settings(
        db,
        api_key,
        ("stack_creation_environments", "environments"),
        ("stack_creation_locales", "locales"),
    )
    .await
}

/// Drops from every delivery token's scope the environments the stack no longer has.
pub async fn drop_missing_environments_from_tokens(
    db: impl Into<Exec<'_>>,
    api_key: &str,
) -> DbResult<()> {
    on!(db, |c, q| {
        sqlx::query(if q.is_pg() {
        // `environments` is jsonb: its elements as text, kept in their order.
        q.sql(
            "update delivery_tokens set environments = ( \
               select coalesce(jsonb_agg(j.value order by j.n), '[]'::jsonb) \
               from jsonb_array_elements_text(delivery_tokens.environments) with ordinality as j(value, n) \
               where j.value in (select uid from environments e where e.stack_api_key = delivery_tokens.stack_api_key)) \
             where stack_api_key = ?",
        )
    } else {
        "update delivery_tokens set environments = ( \
           select coalesce(json_group_array(j.value), '[]') from json_each(delivery_tokens.environments) j \
           where j.value in (select uid from environments e where e.stack_api_key = delivery_tokens.stack_api_key)) \
         where stack_api_key = ?"
    })
    .bind(api_key)
    .execute(c)
    .await
    .map(|done| done.rows_affected())
    })?;
    Ok(())
}

/// Sets a stack's clock back to real time.
pub async fn reset_clock(db: impl Into<Exec<'_>>, api_key: &str) -> DbResult<()> {
    on!(db, |c, q| sqlx::query(q.sql(
        "update stacks set clock_offset_ms = 0, clock_frozen_at = null where api_key = ?"
    ))
    .bind(api_key)
    .execute(c)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(())
}

/// Writes back what a restore puts back on the stack itself: its details and clock.
pub async fn save_restored_stack(
    db: impl Into<Exec<'_>>,
    stack: &super::stacks::StackRow,
) -> DbResult<()> {
    on!(db, |c, q| sqlx::query(q.sql(
        "update stacks set name = ?, description = ?, settings = ?, updated_at = ?, \
         clock_offset_ms = ?, clock_frozen_at = ? where api_key = ?"
    ))
    .bind(&stack.name)
    .bind(&stack.description)
    .bind(&stack.settings)
    .bind(&stack.updated_at)
    .bind(stack.clock_offset_ms)
    .bind(&stack.clock_frozen_at)
    .bind(&stack.api_key)
    .execute(c)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(())
}

/// The columns of a PostgreSQL table in their order, each with its type
/// (`format_type`: `boolean`, `bigint`, `jsonb`, `text`...).
async fn pg_columns(
    db: impl Into<Exec<'_>>,
    table: &str,
) -> Result<Vec<(String, String)>, DumpError> {
    Ok(on!(db, |c, q| sqlx::query_as::<_, (String, String)>(
        q.sql(
            "select a.attname::text, format_type(a.atttypid, null) from pg_attribute a \
         where a.attrelid = cast(? as text)::regclass and a.attnum > 0 and not a.attisdropped \
         order by a.attnum"
        )
    )
    .bind(table)
    .fetch_all(c)
    .await)?)
}

/// Whether a column of a PostgreSQL table is stack content (not only its `seq`).
fn is_content_column(table: &str, column: &str) -> bool {
    column != SEQ || TABLES_WITH_OWN_SEQ.contains(&table)
}

/// Reads every content row of a stack (call inside one transaction for a consistent
/// copy), in insertion order.
pub async fn read_all(db: impl Into<Exec<'_>>, api_key: &str) -> Result<Vec<TableRows>, DumpError> {
    let mut db: Exec<'_> = db.into();
    let mut tables = Vec::with_capacity(CONTENT_TABLES.len());
    for table in CONTENT_TABLES {
        let sql = if db.dialect().is_pg() {
            // The columns SQLite has, in their order: not the `seq` PostgreSQL keeps
            // the order in.
            let columns = pg_columns(db.re(), table).await?;
            let has_seq = columns.iter().any(|(name, _)| name == SEQ);
            let names: Vec<String> = columns
                .into_iter()
                .map(|(name, _)| name)
                .filter(|name| is_content_column(table, name))
                .collect();
            format!(
                "select {} from {table} where stack_api_key = ?{}",
                names.join(", "),
                if has_seq { " order by seq" } else { "" }
            )
        } else {
            format!("select * from {table} where stack_api_key = ? order by rowid")
        };
        let (columns, rows) = on!(db.re(), |c, q| {
            let rows = sqlx::query(q.owned(sql)).bind(api_key).fetch_all(c).await?;
            values_of(&rows, |row, i| cell(row, i, table))
        })?;
        tables.push(TableRows {
            table: (*table).to_owned(),
            columns,
            rows,
        });
    }
    Ok(tables)
}

/// [`read_all`] in one read transaction of its own: a consistent copy while writes go on.
pub async fn read_consistent(
    db: super::Reader<'_>,
    api_key: &str,
) -> Result<Vec<TableRows>, DumpError> {
    super::read_consistently(db, async |db| read_all(db, api_key).await).await
}

/// The column names (none without rows) and the plain values of `rows`, each read by
/// `cell`.
#[allow(clippy::type_complexity)]
fn values_of<R: Row>(
    rows: &[R],
    cell: impl Fn(&R, usize) -> Result<serde_json::Value, DumpError>,
) -> Result<(Vec<String>, Vec<Vec<serde_json::Value>>), DumpError> {
    let columns: Vec<String> = match rows.first() {
        Some(row) => row.columns().iter().map(|c| c.name().to_owned()).collect(),
        None => Vec::new(),
    };
    let mut values = Vec::with_capacity(rows.len());
    for row in rows {
        let mut out = Vec::with_capacity(columns.len());
        for i in 0..columns.len() {
            out.push(cell(row, i)?);
        }
        values.push(out);
    }
    Ok((columns, values))
}

/// One value as SQLite holds it. SQLite names the storage class of the value (INTEGER,
/// REAL, TEXT); PostgreSQL the column's type: a boolean is 0 or 1, a JSON value its
/// text.
fn cell<R>(row: &R, i: usize, table: &str) -> Result<serde_json::Value, DumpError>
where
    R: Row,
    usize: sqlx::ColumnIndex<R>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> i32: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> i16: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> f64: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> f32: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> bool: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> Json<serde_json::Value>: Decode<'r, R::Database> + Type<R::Database>,
{
    let raw = row.try_get_raw(i)?;
    if raw.is_null() {
        return Ok(serde_json::Value::Null);
    }
    let kind = raw.type_info().name().to_owned();
    Ok(match kind.as_str() {
        // SQLite
        "INTEGER" => serde_json::Value::from(row.try_get::<i64, _>(i)?),
        "REAL" => serde_json::Value::from(row.try_get::<f64, _>(i)?),
        "TEXT" => serde_json::Value::from(row.try_get::<String, _>(i)?),
        // PostgreSQL
        "INT8" => serde_json::Value::from(row.try_get::<i64, _>(i)?),
        "INT4" => serde_json::Value::from(row.try_get::<i32, _>(i)?),
        "INT2" => serde_json::Value::from(row.try_get::<i16, _>(i)?),
        "FLOAT8" => serde_json::Value::from(row.try_get::<f64, _>(i)?),
        "FLOAT4" => serde_json::Value::from(f64::from(row.try_get::<f32, _>(i)?)),
        "BOOL" => serde_json::Value::from(i64::from(row.try_get::<bool, _>(i)?)),
        "VARCHAR" | "BPCHAR" | "NAME" => serde_json::Value::from(row.try_get::<String, _>(i)?),
        "JSONB" | "JSON" => {
            let Json(value) = row.try_get::<Json<serde_json::Value>, _>(i)?;
            serde_json::Value::from(value.to_string())
        }
        _ => return Err(DumpError::BadValue(table.to_owned())),
    })
}

/// Inserts rows read by [`read_all`] into the stack `api_key` (whatever stack they were
/// read from). Tables and column names are checked, never trusted.
pub async fn insert_all(
    db: impl Into<Exec<'_>>,
    api_key: &str,
    tables: &[TableRows],
) -> Result<(), DumpError> {
    let mut db: Exec<'_> = db.into();
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
        if dump.rows.iter().any(|row| row.len() != dump.columns.len()) {
            return Err(DumpError::BadRow(dump.table.clone()));
        }
        if db.dialect().is_pg() {
            insert_table_pg(db.re(), api_key, dump).await?;
        } else {
            insert_table_lite(db.re(), api_key, dump).await?;
        }
    }
    Ok(())
}

/// A value to bind, as SQLite stores it.
enum Plain<'a> {
    Null,
    Text(&'a str),
    Integer(i64),
    Real(f64),
}

/// Inserts the rows of one table, a statement per row, each value bound as it is.
async fn insert_table_lite(
    db: impl Into<Exec<'_>>,
    api_key: &str,
    dump: &TableRows,
) -> Result<(), DumpError> {
    let mut db: Exec<'_> = db.into();
    let stack_column = dump.columns.iter().position(|c| c == "stack_api_key");
    let sql = format!(
        "insert into {} ({}) values ({})",
        dump.table,
        dump.columns.join(", "),
        vec!["?"; dump.columns.len()].join(", ")
    );
    for row in &dump.rows {
        let mut plain = Vec::with_capacity(row.len());
        for (i, value) in row.iter().enumerate() {
            plain.push(match value {
                _ if Some(i) == stack_column => Plain::Text(api_key),
                serde_json::Value::Null => Plain::Null,
                serde_json::Value::String(text) => Plain::Text(text),
                serde_json::Value::Number(n) => match n.as_i64() {
                    Some(int) => Plain::Integer(int),
                    None => Plain::Real(
                        n.as_f64()
                            .ok_or_else(|| DumpError::BadValue(dump.table.clone()))?,
                    ),
                },
                _ => return Err(DumpError::BadValue(dump.table.clone())),
            });
        }
        on!(db.re(), |c, q| {
            let mut query = sqlx::query(q.owned(sql.clone()));
            for value in &plain {
                query = match *value {
                    Plain::Null => query.bind(None::<String>),
                    Plain::Text(text) => query.bind(text.to_owned()),
                    Plain::Integer(int) => query.bind(int),
                    Plain::Real(real) => query.bind(real),
                };
            }
            query.execute(c).await.map(|done| done.rows_affected())
        })?;
    }
    Ok(())
}

/// Rows per statement of [`insert_table_pg`].
const PG_ROWS_PER_INSERT: usize = 500;

/// Inserts the rows of one table on PostgreSQL: the rows as one JSON array of objects,
/// each value turned into the column's type (`jsonb_populate_recordset`), in their
/// order. A 0 or 1 of a boolean column is false or true, the text of a `jsonb` column
/// its JSON value. A table's own `seq` (`sync_events`) is written as it was, and its
/// sequence moved past it, as SQLite's `autoincrement` does.
async fn insert_table_pg(
    db: impl Into<Exec<'_>>,
    api_key: &str,
    dump: &TableRows,
) -> Result<(), DumpError> {
    let mut db: Exec<'_> = db.into();
    let types: std::collections::HashMap<String, String> = pg_columns(db.re(), &dump.table)
        .await?
        .into_iter()
        .collect();
    let kinds: Vec<Option<&str>> = dump
        .columns
        .iter()
        .map(|column| types.get(column).map(String::as_str))
        .collect();
    let writes_seq = dump.columns.iter().any(|c| c == SEQ);
    let columns = dump.columns.join(", ");
    let sql = format!(
        "insert into {table} ({columns}){overriding} \
         select {columns} from jsonb_populate_recordset(null::{table}, ?) with ordinality as r \
         order by r.ordinality",
        table = dump.table,
        overriding = if writes_seq {
            " overriding system value"
        } else {
            ""
        },
    );
    for chunk in dump.rows.chunks(PG_ROWS_PER_INSERT) {
        let mut objects = Vec::with_capacity(chunk.len());
        for row in chunk {
            let mut object = serde_json::Map::with_capacity(row.len());
            for ((column, value), kind) in dump.columns.iter().zip(row).zip(&kinds) {
                let value = if column == "stack_api_key" {
                    serde_json::Value::from(api_key)
                } else {
                    pg_value(value, *kind).ok_or_else(|| DumpError::BadValue(dump.table.clone()))?
                };
                object.insert(column.clone(), value);
            }
            objects.push(serde_json::Value::Object(object));
        }
        let rows = Json(serde_json::Value::Array(objects));
        on!(db.re(), |c, q| sqlx::query(q.owned(sql.clone()))
            .bind(&rows)
            .execute(c)
            .await
            .map(|done| done.rows_affected()))?;
    }
    if writes_seq {
        on!(db.re(), |c, q| sqlx::query(q.owned(format!(
            "select setval(s, greatest(nextval(s), coalesce((select max(seq) from {table}), 0))) \
             from (select pg_get_serial_sequence(cast(? as text), 'seq') as s) q \
             where s is not null",
            table = dump.table
        )))
        .bind(&dump.table)
        .execute(c)
        .await
        .map(|done| done.rows_affected()))?;
    }
    Ok(())
}

/// A stored value as PostgreSQL's column of type `kind` takes it from JSON; `None` when
/// it cannot be (not a plain value, or no JSON in a `jsonb` column).
fn pg_value(value: &serde_json::Value, kind: Option<&str>) -> Option<serde_json::Value> {
    use serde_json::Value;
    match (value, kind) {
        (Value::Null, _) => Some(Value::Null),
        (Value::Number(n), Some("boolean")) => Some(Value::Bool(n.as_f64()? != 0.0)),
        (Value::String(text), Some("jsonb" | "json")) => serde_json::from_str(text).ok(),
        (Value::String(_) | Value::Number(_), _) => Some(value.clone()),
        _ => None,
    }
}
