//! Queries on `management_tokens`.

use super::stack_rows::{self, Table};
use super::{DbResult, Exec, on};
use serde::{Deserialize, Serialize};
use sqlx::types::Json;

/// In the order they were made, also within one millisecond.
const TABLE: Table = Table {
    name: "management_tokens",
    order: "created_at, rowid",
};

/// One item of a token's scope, as sent, stored and shown.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ScopeItem {
    #[serde(default)]
    pub module: String,
    #[serde(default)]
    pub acl: Acl,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branches: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branch_aliases: Option<Vec<String>>,
}

/// What a scope item allows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Acl {
    #[serde(default)]
    pub read: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub write: bool,
}

/// A management token made through the API, as stored.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ManagementTokenRow {
    pub uid: String,
    pub stack_api_key: String,
    pub name: String,
    pub description: String,
    pub token: String,
    pub scope: Json<Vec<ScopeItem>>,
    pub expires_on: Option<String>,
    pub is_email_notification_enabled: bool,
    pub created_at: String,
    pub created_by: String,
    pub updated_at: String,
    pub updated_by: String,
}

/// Every management token of every stack (the registry's cache is loaded from these).
pub async fn all(db: impl Into<Exec<'_>>) -> DbResult<Vec<ManagementTokenRow>> {
    stack_rows::all(db, TABLE).await
}

/// Every management token of a stack, oldest first.
pub async fn list(db: impl Into<Exec<'_>>, api_key: &str) -> DbResult<Vec<ManagementTokenRow>> {
    stack_rows::list(db, TABLE, api_key).await
}

/// A management token of a stack by its uid.
pub async fn get(
    db: impl Into<Exec<'_>>,
    api_key: &str,
    uid: &str,
) -> DbResult<Option<ManagementTokenRow>> {
    stack_rows::find(db, TABLE, "uid", api_key, uid).await
}

/// Inserts a token, or writes back every field of an existing one.
pub async fn upsert(conn: impl Into<Exec<'_>>, row: &ManagementTokenRow) -> DbResult<()> {
    // An upsert that keeps the row (and so its place in the order they were made).
    on!(conn, |c, q| {
        sqlx::query(q.sql(
        "insert into management_tokens (uid, stack_api_key, name, description, token, scope, \
         expires_on, is_email_notification_enabled, created_at, created_by, updated_at, updated_by) \
         values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
         on conflict (uid) do update set name = excluded.name, description = excluded.description, \
         scope = excluded.scope, expires_on = excluded.expires_on, \
         is_email_notification_enabled = excluded.is_email_notification_enabled, \
         updated_at = excluded.updated_at, updated_by = excluded.updated_by"
    ))
    .bind(&row.uid)
    .bind(&row.stack_api_key)
    .bind(&row.name)
    .bind(&row.description)
    .bind(&row.token)
    .bind(Json(&row.scope.0))
    .bind(&row.expires_on)
    .bind(row.is_email_notification_enabled)
    .bind(&row.created_at)
    .bind(&row.created_by)
    .bind(&row.updated_at)
    .bind(&row.updated_by)
    .execute(c)
    .await
    .map(|done| done.rows_affected())
    })?;
    Ok(())
}

/// Deletes a token of a stack.
pub async fn delete(conn: impl Into<Exec<'_>>, api_key: &str, uid: &str) -> DbResult<()> {
    stack_rows::delete(conn, TABLE, api_key, uid).await
}
