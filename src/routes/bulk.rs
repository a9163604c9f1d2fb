//! `POST /v3/bulk/delete` (at most 100 items, all or nothing) and
//! `GET /v3/bulk/jobs/{job_id}`.

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::{Value, json};

use crate::domain::bulk::{self, BulkDeleteRequest};
use crate::error::ApiResult;
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
    #[serde(default)]
    uid: Option<Value>,
}

impl BulkDeleteBody {
    fn into_request(self) -> BulkDeleteRequest {
        let assets = self
            .assets
            .unwrap_or_default()
            .into_iter()
            .map(|item| {
                item.uid
                    .as_ref()
                    .and_then(Value::as_str)
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
) -> ApiResult<Json<Value>> {
    let job = bulk::delete(&state, &stack, body.into_request()).await?;
    Ok(Json(
        json!({ "notice": BULK_DELETE_NOTICE, "job_id": job.row.uid }),
    ))
}

/// `GET /v3/bulk/jobs/{job_id}`
pub async fn get_job(
    State(state): State<AppState>,
    StackAuth(stack): StackAuth,
    ApiPath(job_id): ApiPath<String>,
) -> ApiResult<Json<Value>> {
    let bulk::Job { row, summary } = bulk::job(&state, &stack, &job_id).await?;
    Ok(Json(json!({
        "uid": row.uid,
        "api_key": row.stack_api_key,
        "action": row.action,
        "status": row.status,
        "created_at": row.created_at,
        "created_by": row.created_by,
        "updated_at": row.created_at,
        "updated_by": row.created_by,
        "summary": {
            "state": "completed",
            "total": summary.total,
            "total_processed": summary.total,
            "success": summary.success,
            "unsuccess": summary.unsuccess,
            "approvals": 0,
            "skip": 0,
        },
        "body": serde_json::from_str::<Value>(&row.body).unwrap_or_else(|_| json!({})),
        "failed_items": summary.failed_items,
    })))
}
