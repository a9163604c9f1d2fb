//! Queries on `management_tokens`.

use sqlx::{SqliteConnection, SqliteExecutor};

use super::DbResult;

/// A management token made through the API, as stored.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ManagementTokenRow {
    pub uid: String,
    pub stack_api_key: String,
    pub name: String,
    pub description: String,
    pub token: String,
    /// JSON array of scope items, as given.
    pub scope: String,
    pub expires_on: Option<String>,
    pub is_email_notification_enabled: bool,
    pub created_at: String,
    pub created_by: String,
    pub updated_at: String,
    pub updated_by: String,
}

/// Every management token of every stack (the registry's cache is loaded from these).
pub async fn all(db: impl SqliteExecutor<'_>) -> DbResult<Vec<ManagementTokenRow>> {
    sqlx::query_as("select * from management_tokens order by created_at, rowid")
        .fetch_all(db)
        .await
        .map_err(Into::into)
}

/// Every management token of a stack, oldest first (in the order they were made, also
/// within one millisecond).
pub async fn list(db: impl SqliteExecutor<'_>, api_key: &str) -> DbResult<Vec<ManagementTokenRow>> {
    sqlx::query_as(
        "select * from management_tokens where stack_api_key = ? order by created_at, rowid",
    )
    .bind(api_key)
    .fetch_all(db)
    .await
    .map_err(Into::into)
}

/// A management token of a stack by its uid.
pub async fn get(
    db: impl SqliteExecutor<'_>,
    api_key: &str,
    uid: &str,
) -> DbResult<Option<ManagementTokenRow>> {
    sqlx::query_as("select * from management_tokens where stack_api_key = ? and uid = ?")
        .bind(api_key)
        .bind(uid)
        .fetch_optional(db)
        .await
        .map_err(Into::into)
}

/// Inserts a token, or writes back every field of an existing one.
pub async fn upsert(conn: &mut SqliteConnection, row: &ManagementTokenRow) -> DbResult<()> {
    sqlx::query(
        // An upsert that keeps the row (and so its place in the order they were made).
        "insert into management_tokens (uid, stack_api_key, name, description, token, scope, \
         expires_on, is_email_notification_enabled, created_at, created_by, updated_at, updated_by) \
         values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
         on conflict (uid) do update set name = excluded.name, description = excluded.description, \
         scope = excluded.scope, expires_on = excluded.expires_on, \
         is_email_notification_enabled = excluded.is_email_notification_enabled, \
         updated_at = excluded.updated_at, updated_by = excluded.updated_by",
    )
    .bind(&row.uid)
    .bind(&row.stack_api_key)
    .bind(&row.name)
    .bind(&row.description)
    .bind(&row.token)
    .bind(&row.scope)
    .bind(&row.expires_on)
    .bind(row.is_email_notification_enabled)
    .bind(&row.created_at)
    .bind(&row.created_by)
    .bind(&row.updated_at)
    .bind(&row.updated_by)
    .execute(conn)
    .await?;
    Ok(())
}

/// Deletes a token of a stack.
pub async fn delete(conn: &mut SqliteConnection, api_key: &str, uid: &str) -> DbResult<()> {
    sqlx::query("delete from management_tokens where stack_api_key = ? and uid = ?")
        .bind(api_key)
        .bind(uid)
        .execute(conn)
        .await?;
    Ok(())
}
