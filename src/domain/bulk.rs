//! Bulk delete (at most 100 items, all or nothing, through the trash's one doorway) and
//! the jobs it leaves for `GET /v3/bulk/jobs/{job_id}`.

use serde::{Deserialize, Serialize};

use crate::db;
use crate::db::bulk::{self as bulk_db, BulkJobRow};
use crate::db::stacks::StackRow;
use crate::domain::trash::{self, Door};
use crate::error::{ApiError, ApiResult, codes, field_error};
use crate::ids;
use crate::state::AppState;

/// Most items (assets plus entries) one bulk request may name.
pub const MAX_BULK_ITEMS: usize = 100;

/// `POST /v3/bulk/delete`, as read from its body.
#[derive(Debug, Clone, Default)]
pub struct BulkDeleteRequest {
    /// The asset uids, in the order given (duplicates possible; `None` where an item
    /// has no uid).
    pub assets: Vec<Option<String>>,
    /// How many entries the request names (entries are not emulated).
    pub entries: usize,
}

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

/// A bulk job with its summary.
#[derive(Debug, Clone)]
pub struct Job {
    pub row: BulkJobRow,
    pub summary: JobSummary,
}

/// Checks the caps of a bulk delete and returns its asset uids, duplicates dropped
/// (the first kept).
fn checked_uids(request: BulkDeleteRequest) -> ApiResult<Vec<String>> {
    let total = request.assets.len() + request.entries;
    if total > MAX_BULK_ITEMS {
        return Err(ApiError::Unprocessable {
            code: codes::BULK_LIMIT,
            message: format!(
                "A bulk delete request can delete at most {MAX_BULK_ITEMS} items at a time; this request has {total}. Nothing was deleted."
            ),
            errors: field_error(
                "assets",
                format!("can have at most {MAX_BULK_ITEMS} items."),
            ),
        });
    }
    if request.entries > 0 {
        return Err(ApiError::invalid(
            "Entries are not emulated by contentstack-mock; only assets can be bulk deleted. Nothing was deleted.",
            "entries",
            "are not supported.",
        ));
    }
    if request.assets.is_empty() {
        return Err(ApiError::invalid(
            "Please provide the assets to delete.",
            "assets",
            "is required.",
        ));
    }
    let mut uids: Vec<String> = Vec::with_capacity(request.assets.len());
    for uid in request.assets {
        let uid = uid.ok_or_else(|| {
            ApiError::invalid("Every asset needs a 'uid'.", "assets", "need a uid each.")
        })?;
        if !uids.contains(&uid) {
            uids.push(uid);
        }
    }
    Ok(uids)
}

/// Moves every named asset or folder to the trash in one transaction and records the job.
pub async fn delete(
    state: &AppState,
    stack: &StackRow,
    request: BulkDeleteRequest,
) -> ApiResult<Job> {
    let uids = checked_uids(request)?;
    let mut tx = state.db.begin_write().await?;
    let mut trashed = trash::move_in(state, &mut tx, stack, &uids, Door::Bulk).await?;
    let summary = JobSummary {
        total: uids.len(),
        success: trashed.moved.len(),
        unsuccess: trashed.missing.len(),
        failed_items: std::mem::take(&mut trashed.missing)
            .into_iter()
            .map(|uid| FailedItem {
                uid,
                item_type: "asset".into(),
                error_message: ApiError::AssetNotFound.to_string(),
                error_code: codes::ASSET_NOT_FOUND,
            })
            .collect(),
    };
    let row = BulkJobRow {
        uid: ids::job_id(),
        stack_api_key: stack.api_key.clone(),
        action: "delete".into(),
        status: "complete".into(),
        summary: serde_json::to_string(&summary).expect("a summary serialises"),
        created_at: trashed.deleted_at,
        created_by: stack.user_uid.clone(),
    };
    bulk_db::insert(&mut tx, &row).await?;
    db::commit(tx).await?;
    Ok(Job { row, summary })
}

/// A job of the stack.
pub async fn job(state: &AppState, stack: &StackRow, job_id: &str) -> ApiResult<Job> {
    let row = bulk_db::get(state.db.reader(), &stack.api_key, job_id)
        .await?
        .ok_or_else(|| {
            ApiError::unprocessable(
                codes::NOT_FOUND,
                "The requested object doesn't exist.",
                "job_id",
                "is not valid.",
            )
        })?;
    let summary = serde_json::from_str(&row.summary).unwrap_or_default();
    Ok(Job { row, summary })
}
