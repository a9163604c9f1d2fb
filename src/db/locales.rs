//! Queries on `locales`.

use super::stack_rows::{self, Table};
use super::{DbResult, Exec, on};

const TABLE: Table = Table {
    name: "locales",
    order: "created_at, rowid",
};

/// A locale as stored. The master locale has no fallback.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct LocaleRow {
    pub uid: String,
    pub stack_api_key: String,
    pub code: String,
    pub name: String,
    pub fallback_locale: Option<String>,
    pub version: i64,
    pub created_at: String,
    pub created_by: String,
    pub updated_at: String,
    pub updated_by: String,
}

/// Every locale of a stack, oldest first.
pub async fn list(db: impl Into<Exec<'_>>, api_key: &str) -> DbResult<Vec<LocaleRow>> {
    stack_rows::list(db, TABLE, api_key).await
}

/// The locale of a stack with this code.
pub async fn by_code(
    db: impl Into<Exec<'_>>,
    api_key: &str,
    code: &str,
) -> DbResult<Option<LocaleRow>> {
    stack_rows::find(db, TABLE, "code", api_key, code).await
}

/// Inserts a locale.
pub async fn insert(conn: impl Into<Exec<'_>>, row: &LocaleRow) -> DbResult<()> {
    on!(conn, |c, q| {
        sqlx::query(q.sql("insert into locales (uid, stack_api_key, code, name, fallback_locale, version, created_at, created_by, updated_at, updated_by) \
         values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"))
    .bind(&row.uid)
    .bind(&row.stack_api_key)
    .bind(&row.code)
    .bind(&row.name)
    .bind(&row.fallback_locale)
    .bind(row.version)
    .bind(&row.created_at)
    .bind(&row.created_by)
    .bind(&row.updated_at)
    .bind(&row.updated_by)
    .execute(c).await.map(|done| done.rows_affected())
    })?;
    Ok(())
}

/// Writes back a locale's name, fallback and version stamp.
pub async fn save(conn: impl Into<Exec<'_>>, row: &LocaleRow) -> DbResult<()> {
    on!(conn, |c, q| {
        sqlx::query(q.sql("update locales set name = ?, fallback_locale = ?, version = ?, updated_at = ?, updated_by = ? \
         where stack_api_key = ? and uid = ?"))
    .bind(&row.name)
    .bind(&row.fallback_locale)
    .bind(row.version)
    .bind(&row.updated_at)
    .bind(&row.updated_by)
    .bind(&row.stack_api_key)
    .bind(&row.uid)
    .execute(c).await.map(|done| done.rows_affected())
    })?;
    Ok(())
}

/// Deletes a locale: locales falling back to it fall back to its own fallback, and
/// whatever was published in it is no longer.
pub async fn delete(conn: impl Into<Exec<'_>>, row: &LocaleRow) -> DbResult<()> {
    let mut conn: Exec<'_> = conn.into();
    on!(conn.re(), |c, q| sqlx::query(q.sql(
        "update locales set fallback_locale = ? where stack_api_key = ? and fallback_locale = ?"
    ))
    .bind(&row.fallback_locale)
    .bind(&row.stack_api_key)
    .bind(&row.code)
    .execute(c)
    .await
    .map(|done| done.rows_affected()))?;
    on!(conn.re(), |c, q| sqlx::query(q.sql(
        "delete from publish_records where stack_api_key = ? and locale = ?"
    ))
    .bind(&row.stack_api_key)
    .bind(&row.code)
    .execute(c)
    .await
    .map(|done| done.rows_affected()))?;
    stack_rows::delete(conn, TABLE, &row.stack_api_key, &row.uid).await
}
