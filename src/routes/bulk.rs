//! `POST /v3/bulk/delete` (at most 100 items, all or nothing) and
//! `GET /v3/bulk/jobs/{job_id}`.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use serde_json::{Value, json};

use crate::auth::StackAuth;
use crate::clock::format_ts;
use crate::db::assets as asset_db;
use crate::db::bulk::{self as bulk_db, BulkJobRow};
use crate::db::trash::{self as trash_db, ItemType, TrashEntry};
use crate::error::{ApiError, ApiResult, codes, field_error};
use crate::state::AppState;
use crate::upload::parse_json;
use crate::{ids, trash};

/// Most items (assets plus entries) one bulk request may name.
pub const MAX_BULK_ITEMS: usize = 100;

/// The notice Contentstack answers a bulk delete with.
pub const BULK_DELETE_NOTICE: &str =
    "Your bulk delete request is in progress. Please check bulk task queue for more details.";

fn invalid(message: &str, field: &str, detail: &str) -> ApiError {
    ApiError::unprocessable(codes::INVALID_FIELD, message, field, detail)
}

/// The asset uids of a bulk delete body, validated, duplicates dropped (first kept).
fn asset_uids(body: &Value) -> ApiResult<Vec<String>> {
    let object = body.as_object().ok_or_else(|| {
        invalid(
            "The request body must be a JSON object.",
            "body",
            "is not valid.",
        )
    })?;
    let list = |key: &str| -> ApiResult<Vec<Value>> {
        match object.get(key) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(items)) => Ok(items.clone()),
            Some(_) => Err(invalid(
                &format!("'{key}' must be an array."),
                key,
                "is not valid.",
            )),
        }
    };
    let assets = list("assets")?;
    let entries = list("entries")?;
    let total = assets.len() + entries.len();
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
    if !entries.is_empty() {
        return Err(invalid(
            "Entries are not emulated by contentstack-mock; only assets can be bulk deleted. Nothing was deleted.",
            "entries",
            "are not supported.",
        ));
    }
    if assets.is_empty() {
        return Err(invalid(
            "Please provide the assets to delete.",
            "assets",
            "is required.",
        ));
    }
    let mut uids: Vec<String> = Vec::with_capacity(assets.len());
    for item in &assets {
        let uid = item
            .get("uid")
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|uid| !uid.is_empty())
            .ok_or_else(|| invalid("Every asset needs a 'uid'.", "assets", "need a uid each."))?;
        if !uids.iter().any(|seen| seen == uid) {
            uids.push(uid.to_owned());
        }
    }
    Ok(uids)
}

/// `POST /v3/bulk/delete`
pub async fn bulk_delete(
    State(state): State<AppState>,
    StackAuth(stack): StackAuth,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let uids = asset_uids(&parse_json(&body)?)?;
    let now = stack.clock().now();
    let deleted_at = format_ts(now);
    let purge_at = format_ts(trash::purge_time(&state, now));

    let mut tx = state.db.write.begin().await?;
    let mut failed = Vec::new();
    let mut succeeded = 0;
    for uid in &uids {
        let Some(row) = asset_db::get(&mut *tx, &stack.api_key, uid).await? else {
            failed.push(json!({
                "uid": uid,
                "type": "asset",
                "error_message": "Asset was not found.",
                "error_code": 145,
            }));
            continue;
        };
        let entry = TrashEntry {
            api_key: &stack.api_key,
            uid,
            item_type: if row.is_dir {
                ItemType::Folder
            } else {
                ItemType::Asset
            },
            deleted_at: &deleted_at,
            deleted_by: &stack.user_uid,
            purge_at: &purge_at,
        };
        trash_db::move_to_trash(&mut tx, &entry).await?;
        succeeded += 1;
    }
    let job = BulkJobRow {
        uid: ids::job_id(),
        stack_api_key: stack.api_key.clone(),
        action: "delete".into(),
        status: "complete".into(),
        summary: json!({
            "total": uids.len(),
            "success": succeeded,
            "unsuccess": failed.len(),
            "failed_items": failed,
        })
        .to_string(),
        created_at: deleted_at.clone(),
        created_by: stack.user_uid.clone(),
    };
    bulk_db::insert(&mut tx, &job).await?;
    tx.commit().await?;
    Ok(Json(
        json!({ "notice": BULK_DELETE_NOTICE, "job_id": job.uid }),
    ))
}

/// `GET /v3/bulk/jobs/{job_id}`
pub async fn get_job(
    State(state): State<AppState>,
    StackAuth(stack): StackAuth,
    Path(job_id): Path<String>,
) -> ApiResult<Json<Value>> {
    let job = bulk_db::get(&state.db.read, &stack.api_key, &job_id)
        .await?
        .ok_or_else(|| {
            ApiError::unprocessable(
                141,
                "The requested object doesn't exist.",
                "job_id",
                "is not valid.",
            )
        })?;
    let summary: Value = serde_json::from_str(&job.summary).unwrap_or_else(|_| json!({}));
    let total = summary["total"].clone();
    Ok(Json(json!({
        "uid": job.uid,
        "api_key": job.stack_api_key,
        "action": job.action,
        "status": job.status,
        "created_at": job.created_at,
        "created_by": job.created_by,
        "updated_at": job.created_at,
        "updated_by": job.created_by,
        "summary": {
            "state": "completed",
            "total": total,
            "total_processed": total,
            "success": summary["success"],
            "unsuccess": summary["unsuccess"],
        },
        "failed_items": summary["failed_items"],
    })))
}
