//! Queries on `bulk_jobs`.

use sqlx::{SqliteConnection, SqliteExecutor};

use super::DbResult;

/// A finished bulk job.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct BulkJobRow {
    pub uid: String,
    pub stack_api_key: String,
    pub action: String,
    pub status: String,
    /// JSON object.
    pub summary: String,
    pub created_at: String,
    pub created_by: String,
    /// JSON object: what the job was asked (locales, environments, ...).
    pub body: String,
    /// JSON array: what happened to each item.
    pub items: String,
}

/// Records a job.
pub async fn insert(conn: &mut SqliteConnection, job: &BulkJobRow) -> DbResult<()> {
    sqlx::query(
        "insert into bulk_jobs (uid, stack_api_key, action, status, summary, created_at, created_by, body, items) \
         values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&job.uid)
    .bind(&job.stack_api_key)
    .bind(&job.action)
    .bind(&job.status)
    .bind(&job.summary)
    .bind(&job.created_at)
    .bind(&job.created_by)
    .bind(&job.body)
    .bind(&job.items)
    .execute(conn)
    .await?;
    Ok(())
}

/// A job of a stack.
pub async fn get(
    db: impl SqliteExecutor<'_>,
    api_key: &str,
    uid: &str,
) -> DbResult<Option<BulkJobRow>> {
    sqlx::query_as::<_, BulkJobRow>("select * from bulk_jobs where uid = ? and stack_api_key = ?")
        .bind(uid)
        .bind(api_key)
        .fetch_optional(db)
        .await
        .map_err(Into::into)
}
