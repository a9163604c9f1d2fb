//! Queries on `environments`.

use super::stack_rows::{self, Table};
use super::{DbResult, Exec, on};
use serde::{Deserialize, Serialize};
use sqlx::types::Json;

const TABLE: Table = Table {
    name: "environments",
    order: "created_at, rowid",
};

/// One url of an environment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvironmentUrl {
    #[serde(default)]
    pub locale: String,
    #[serde(default)]
    pub url: String,
}

/// An environment as stored.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct EnvironmentRow {
    pub uid: String,
    pub stack_api_key: String,
    pub name: String,
    pub urls: Json<Vec<EnvironmentUrl>>,
    pub version: i64,
    pub created_at: String,
    pub created_by: String,
    pub updated_at: String,
    pub updated_by: String,
}

/// Every environment of a stack, oldest first.
pub async fn list(db: impl Into<Exec<'_>>, api_key: &str) -> DbResult<Vec<EnvironmentRow>> {
    stack_rows::list(db, TABLE, api_key).await
}

/// The environment of a stack with this name.
pub async fn by_name(
    db: impl Into<Exec<'_>>,
    api_key: &str,
    name: &str,
) -> DbResult<Option<EnvironmentRow>> {
    stack_rows::find(db, TABLE, "name", api_key, name).await
}

/// Inserts an environment.
pub async fn insert(conn: impl Into<Exec<'_>>, row: &EnvironmentRow) -> DbResult<()> {
    on!(conn, |c, q| {
        sqlx::query(q.sql("insert into environments (uid, stack_api_key, name, urls, version, created_at, created_by, updated_at, updated_by) \
         values (?, ?, ?, ?, ?, ?, ?, ?, ?)"))
    .bind(&row.uid)
    .bind(&row.stack_api_key)
    .bind(&row.name)
    .bind(Json(&row.urls.0))
    .bind(row.version)
    .bind(&row.created_at)
    .bind(&row.created_by)
    .bind(&row.updated_at)
    .bind(&row.updated_by)
    .execute(c).await.map(|done| done.rows_affected())
    })?;
    Ok(())
}

/// Writes back an environment's name, urls and version stamp.
pub async fn save(conn: impl Into<Exec<'_>>, row: &EnvironmentRow) -> DbResult<()> {
    on!(conn, |c, q| sqlx::query(q.sql(
        "update environments set name = ?, urls = ?, version = ?, updated_at = ?, updated_by = ? \
         where stack_api_key = ? and uid = ?"
    ))
    .bind(&row.name)
    .bind(Json(&row.urls.0))
    .bind(row.version)
    .bind(&row.updated_at)
    .bind(&row.updated_by)
    .bind(&row.stack_api_key)
    .bind(&row.uid)
    .execute(c)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(())
}

/// Deletes an environment (its publish records go with it).
pub async fn delete(conn: impl Into<Exec<'_>>, api_key: &str, uid: &str) -> DbResult<()> {
    stack_rows::delete(conn, TABLE, api_key, uid).await
}
