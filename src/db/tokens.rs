//! Queries on `delivery_tokens`.

use sqlx::{SqliteConnection, SqliteExecutor};

use super::DbResult;

/// A delivery token as stored.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct DeliveryTokenRow {
    pub uid: String,
    pub stack_api_key: String,
    pub name: String,
    pub description: String,
    pub token: String,
    pub preview_token: Option<String>,
    /// JSON array of environment uids.
    pub environments: String,
    /// JSON array of branch names.
    pub branches: String,
    pub created_at: String,
    pub created_by: String,
    pub updated_at: String,
    pub updated_by: String,
}

impl DeliveryTokenRow {
    /// The uids of the environments in its scope.
    pub fn environment_uids(&self) -> Vec<String> {
        serde_json::from_str(&self.environments).unwrap_or_default()
    }
}

/// Every delivery token of a stack, oldest first.
pub async fn list(db: impl SqliteExecutor<'_>, api_key: &str) -> DbResult<Vec<DeliveryTokenRow>> {
    sqlx::query_as("select * from delivery_tokens where stack_api_key = ? order by created_at, uid")
        .bind(api_key)
        .fetch_all(db)
        .await
        .map_err(Into::into)
}

/// A delivery token of a stack by its uid.
pub async fn get(
    db: impl SqliteExecutor<'_>,
    api_key: &str,
    uid: &str,
) -> DbResult<Option<DeliveryTokenRow>> {
    sqlx::query_as("select * from delivery_tokens where stack_api_key = ? and uid = ?")
        .bind(api_key)
        .bind(uid)
        .fetch_optional(db)
        .await
        .map_err(Into::into)
}

/// Inserts a token, or writes back every field of an existing one.
pub async fn upsert(conn: &mut SqliteConnection, row: &DeliveryTokenRow) -> DbResult<()> {
    sqlx::query(
        "insert or replace into delivery_tokens (uid, stack_api_key, name, description, token, preview_token, \
         environments, branches, created_at, created_by, updated_at, updated_by) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&row.uid)
    .bind(&row.stack_api_key)
    .bind(&row.name)
    .bind(&row.description)
    .bind(&row.token)
    .bind(&row.preview_token)
    .bind(&row.environments)
    .bind(&row.branches)
    .bind(&row.created_at)
    .bind(&row.created_by)
    .bind(&row.updated_at)
    .bind(&row.updated_by)
    .execute(conn)
    .await?;
    Ok(())
}

/// Deletes a token.
pub async fn delete(conn: &mut SqliteConnection, api_key: &str, uid: &str) -> DbResult<()> {
    sqlx::query("delete from delivery_tokens where stack_api_key = ? and uid = ?")
        .bind(api_key)
        .bind(uid)
        .execute(conn)
        .await?;
    Ok(())
}

/// The token of a stack with this value (a delivery request's `access_token`).
pub async fn by_value(
    db: impl SqliteExecutor<'_>,
    api_key: &str,
    token: &str,
) -> DbResult<Option<DeliveryTokenRow>> {
    sqlx::query_as("select * from delivery_tokens where stack_api_key = ? and token = ?")
        .bind(api_key)
        .bind(token)
        .fetch_optional(db)
        .await
        .map_err(Into::into)
}
