//! Queries on `delivery_tokens`.

use super::stack_rows::{self, Table};
use super::{DbResult, Exec, on};
use sqlx::types::Json;

const TABLE: Table = Table {
    name: "delivery_tokens",
    order: "created_at, uid",
};

/// A delivery token as stored.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct DeliveryTokenRow {
    pub uid: String,
    pub stack_api_key: String,
    pub name: String,
    pub description: String,
    pub token: String,
    pub preview_token: Option<String>,
    /// The uids of the environments in its scope.
    pub environments: Json<Vec<String>>,
    /// The branch names in its scope.
    pub branches: Json<Vec<String>>,
    pub created_at: String,
    pub created_by: String,
    pub updated_at: String,
    pub updated_by: String,
}

impl DeliveryTokenRow {
    /// The uids of the environments in its scope.
    pub fn environment_uids(&self) -> &[String] {
        &self.environments
    }
}

/// Every delivery token of a stack, oldest first.
pub async fn list(db: impl Into<Exec<'_>>, api_key: &str) -> DbResult<Vec<DeliveryTokenRow>> {
    stack_rows::list(db, TABLE, api_key).await
}

/// A delivery token of a stack by its uid.
pub async fn get(
    db: impl Into<Exec<'_>>,
    api_key: &str,
    uid: &str,
) -> DbResult<Option<DeliveryTokenRow>> {
    stack_rows::find(db, TABLE, "uid", api_key, uid).await
}

/// Inserts a token, or writes back every field of an existing one. (Its values are
/// random: another token holding the same value is an error, not replaced.)
pub async fn upsert(conn: impl Into<Exec<'_>>, row: &DeliveryTokenRow) -> DbResult<()> {
    on!(conn, |c, q| {
        sqlx::query(q.sql("insert into delivery_tokens (uid, stack_api_key, name, description, token, preview_token, \
         environments, branches, created_at, created_by, updated_at, updated_by) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
         on conflict (uid) do update set stack_api_key = excluded.stack_api_key, name = excluded.name, \
         description = excluded.description, token = excluded.token, preview_token = excluded.preview_token, \
         environments = excluded.environments, branches = excluded.branches, created_at = excluded.created_at, \
         created_by = excluded.created_by, updated_at = excluded.updated_at, updated_by = excluded.updated_by"))
    .bind(&row.uid)
    .bind(&row.stack_api_key)
    .bind(&row.name)
    .bind(&row.description)
    .bind(&row.token)
    .bind(&row.preview_token)
    .bind(Json(&row.environments.0))
    .bind(Json(&row.branches.0))
    .bind(&row.created_at)
    .bind(&row.created_by)
    .bind(&row.updated_at)
    .bind(&row.updated_by)
    .execute(c).await.map(|done| done.rows_affected())
    })?;
    Ok(())
}

/// Deletes a token.
pub async fn delete(conn: impl Into<Exec<'_>>, api_key: &str, uid: &str) -> DbResult<()> {
    stack_rows::delete(conn, TABLE, api_key, uid).await
}

/// The token of a stack with this value (a delivery request's `access_token`).
pub async fn by_value(
    db: impl Into<Exec<'_>>,
    api_key: &str,
    token: &str,
) -> DbResult<Option<DeliveryTokenRow>> {
    stack_rows::find(db, TABLE, "token", api_key, token).await
}
