//! Queries on `bulk_jobs`, and the shapes of what a job stores.

use serde::{Deserialize, Serialize};
use sqlx::types::Json;
use sqlx::{Decode, FromRow, Row, Type};

use super::json_column;
use super::{DbResult, Exec, on};

/// One item a job could not process.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FailedItem {
    pub uid: String,
    #[serde(rename = "type")]
    pub item_type: String,
    pub error_message: String,
    pub error_code: u32,
}

/// What a job did, as stored with it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct JobSummary {
    pub total: usize,
    pub success: usize,
    pub unsuccess: usize,
    pub failed_items: Vec<FailedItem>,
}

/// What a publish job was asked, as `GET /v3/bulk/jobs/{id}` shows it in `body`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct JobBody {
    pub branch: String,
    pub locales: Vec<String>,
    /// Environment uids.
    pub environments: Vec<String>,
    pub published_at: Option<String>,
    pub scheduled_at: String,
}

/// `{}`: the body of a job that was asked nothing more than its items (a delete).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoBody {}

/// A job's stored `body`: a publish job's request, or `{}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum StoredBody {
    Publish(JobBody),
    Empty(NoBody),
}

/// One (asset, environment, locale) of a publish job, for `GET /v3/bulk/jobs/{id}/items`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobItem {
    pub uid: String,
    pub version: Option<i64>,
    pub title: String,
    pub environment: String,
    pub publish_locale: String,
    pub action: String,
    pub status: String,
    pub failure_reason: Option<String>,
    pub published_at: Option<String>,
    pub scheduled_at: String,
    pub user: String,
}

/// A finished bulk job.
#[derive(Debug, Clone, PartialEq)]
pub struct BulkJobRow {
    pub uid: String,
    pub stack_api_key: String,
    pub action: String,
    pub status: String,
    pub summary: Json<JobSummary>,
    pub created_at: String,
    pub created_by: String,
    /// What the job was asked (locales, environments, ...).
    pub body: Json<StoredBody>,
    /// What happened to each item.
    pub items: Json<Vec<JobItem>>,
}

impl BulkJobRow {
    /// A finished job (`status` `complete`) that was asked nothing and did nothing yet:
    /// the setters below fill in its summary, body and items.
    pub fn complete(
        uid: String,
        stack_api_key: String,
        action: &str,
        created_at: String,
        created_by: String,
    ) -> BulkJobRow {
        BulkJobRow {
            uid,
            stack_api_key,
            action: action.to_owned(),
            status: "complete".to_owned(),
            summary: Json(JobSummary::default()),
            created_at,
            created_by,
            body: Json(StoredBody::Empty(NoBody {})),
            items: Json(Vec::new()),
        }
    }

    /// Stores what the job did.
    pub fn set_summary(&mut self, summary: JobSummary) {
        self.summary = Json(summary);
    }

    /// Stores what a publish job was asked.
    pub fn set_body(&mut self, body: JobBody) {
        self.body = Json(StoredBody::Publish(body));
    }

    /// Stores what happened to each item.
    pub fn set_items(&mut self, items: Vec<JobItem>) {
        self.items = Json(items);
    }

    /// What happened to each item.
    pub fn items(&self) -> &[JobItem] {
        &self.items.0
    }
}

impl<'r, R> FromRow<'r, R> for BulkJobRow
where
    R: Row,
    String: Decode<'r, R::Database> + Type<R::Database>,
    Json<JobSummary>: Decode<'r, R::Database> + Type<R::Database>,
    Json<StoredBody>: Decode<'r, R::Database> + Type<R::Database>,
    Json<Vec<JobItem>>: Decode<'r, R::Database> + Type<R::Database>,
    for<'c> &'c str: sqlx::ColumnIndex<R>,
{
    fn from_row(row: &'r R) -> sqlx::Result<Self> {
        let uid: String = row.try_get("uid")?;
        Ok(BulkJobRow {
            summary: json_column(row, "bulk_jobs", &uid, "summary")?,
            body: json_column(row, "bulk_jobs", &uid, "body")?,
            items: json_column(row, "bulk_jobs", &uid, "items")?,
            stack_api_key: row.try_get("stack_api_key")?,
            action: row.try_get("action")?,
            status: row.try_get("status")?,
            created_at: row.try_get("created_at")?,
            created_by: row.try_get("created_by")?,
            uid,
        })
    }
}

/// Records a job.
pub async fn insert(db: impl Into<Exec<'_>>, job: &BulkJobRow) -> DbResult<()> {
    on!(db, |c, q| {
        sqlx::query(q.sql(
        "insert into bulk_jobs (uid, stack_api_key, action, status, summary, created_at, created_by, body, items) \
         values (?, ?, ?, ?, ?, ?, ?, ?, ?)"
    ))
    .bind(&job.uid)
    .bind(&job.stack_api_key)
    .bind(&job.action)
    .bind(&job.status)
    .bind(&job.summary)
    .bind(&job.created_at)
    .bind(&job.created_by)
    .bind(&job.body)
    .bind(&job.items)
    .execute(c)
    .await
    .map(|done| done.rows_affected())
    })?;
    Ok(())
}

/// A job of a stack.
pub async fn get(
    db: impl Into<Exec<'_>>,
    api_key: &str,
    uid: &str,
) -> DbResult<Option<BulkJobRow>> {
    Ok(on!(db, |c, q| sqlx::query_as::<_, BulkJobRow>(q.sql(
        "select * from bulk_jobs where uid = ? and stack_api_key = ?"
    ))
    .bind(uid)
    .bind(api_key)
    .fetch_optional(c)
    .await)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_body_is_a_publish_request_or_empty_and_nothing_else() {
        let empty: StoredBody = serde_json::from_str("{}").unwrap();
        assert_eq!(empty, StoredBody::Empty(NoBody {}));
        assert_eq!(serde_json::to_string(&empty).unwrap(), "{}");
        let text = r#"{"branch":"main","locales":["en-us"],"environments":["e1"],"published_at":null,"scheduled_at":"2026-01-01T00:00:00.000Z"}"#;
        let publish: StoredBody = serde_json::from_str(text).unwrap();
        assert!(matches!(publish, StoredBody::Publish(_)));
        assert_eq!(serde_json::to_string(&publish).unwrap(), text);
        assert!(serde_json::from_str::<StoredBody>(r#"{"branch":1}"#).is_err());
    }
}
