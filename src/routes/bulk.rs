//! `POST /v3/bulk/delete` (at most 100 items, all or nothing) and
//! `GET /v3/bulk/jobs/{job_id}`.

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};

use crate::contentstack::lenient;
use crate::db::bulk::{BulkJobRow, FailedItem, StoredBody};
use crate::domain::bulk::{self, BulkDeleteRequest, JobSummary};
use crate::error::ApiResult;
use crate::routes::envelope::Envelope;
use crate::routes::extract::{ApiPath, JsonBody, StackAuth};
use crate::state::AppState;

/// The notice Contentstack answers a bulk delete with.
pub const BULK_DELETE_NOTICE: &str =
    "Your bulk delete request is in progress. Please check bulk task queue for more details.";

/// `{"assets": [{"uid"}], "entries": [...]}`
#[derive(Debug, Deserialize)]
pub struct BulkDeleteBody {
    #[serde(default)]
    assets: Option<Vec<ItemRef>>,
    #[serde(default)]
    entries: Option<Vec<IgnoredAny>>,
}

/// One item of a bulk body; only its uid matters here.
#[derive(Debug, Deserialize)]
struct ItemRef {
    #[serde(default, deserialize_with = "lenient::text")]
    uid: Option<String>,
}

impl BulkDeleteBody {
    fn into_request(self) -> BulkDeleteRequest {
        let assets = self
            .assets
            .unwrap_or_default()
            .into_iter()
            .map(|item| {
                item.uid
                    .as_deref()
                    .map(str::trim)
                    .filter(|uid| !uid.is_empty())
                    .map(str::to_owned)
            })
            .collect();
        BulkDeleteRequest {
            assets,
            entries: self.entries.map_or(0, |e| e.len()),
        }
    }
}

/// `POST /v3/bulk/delete`
pub async fn bulk_delete(
    State(state): State<AppState>,
    StackAuth(stack): StackAuth,
    JsonBody(body): JsonBody<BulkDeleteBody>,
) -> ApiResult<Envelope<String>> {
    let job = bulk::delete(&state, &stack, body.into_request()).await?;
    Ok(Envelope::new("job_id", job.row.uid).with_notice(BULK_DELETE_NOTICE))
}

/// A job as `GET /v3/bulk/jobs/{job_id}` shows it.
#[derive(Serialize)]
struct JobView<'a> {
    uid: &'a str,
    api_key: &'a str,
    action: &'a str,
    status: &'a str,
    created_at: &'a str,
    created_by: &'a str,
    updated_at: &'a str,
    updated_by: &'a str,
    summary: SummaryView,
    body: &'a StoredBody,
    failed_items: &'a [FailedItem],
}

/// A finished job's `summary`.
#[derive(Serialize)]
struct SummaryView {
    state: &'static str,
    total: usize,
    total_processed: usize,
    success: usize,
    unsuccess: usize,
    approvals: u32,
    skip: u32,
}

impl<'a> JobView<'a> {
    fn new(row: &'a BulkJobRow, summary: &'a JobSummary) -> Self {
        JobView {
            uid: &row.uid,
            api_key: &row.stack_api_key,
            action: &row.action,
            status: &row.status,
            created_at: &row.created_at,
            created_by: &row.created_by,
            updated_at: &row.created_at,
            updated_by: &row.created_by,
            summary: SummaryView {
                state: "completed",
                total: summary.total,
                total_processed: summary.total,
                success: summary.success,
                unsuccess: summary.unsuccess,
                approvals: 0,
                skip: 0,
            },
            body: &row.body.0,
            failed_items: &summary.failed_items,
        }
    }
}

/// `GET /v3/bulk/jobs/{job_id}`
pub async fn get_job(
    State(state): State<AppState>,
    StackAuth(stack): StackAuth,
    ApiPath(job_id): ApiPath<String>,
) -> ApiResult<Response> {
    let bulk::Job { row, summary } = bulk::job(&state, &stack, &job_id).await?;
    Ok(Json(JobView::new(&row, &summary)).into_response())
}
