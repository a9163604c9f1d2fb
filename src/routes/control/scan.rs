//! `PUT /_mock/stacks/{api_key}/assets/{uid}/scan_status`: what the malware scan says
//! of an asset, so that a test can see `quarantined` (or `pending`, `clean`) in
//! `_asset_scan_status`.

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::domain::{asset_extras, stacks};
use crate::error::{ApiError, ApiResult};
use crate::routes::extract::{ApiPath, JsonBody};
use crate::state::AppState;

/// `{"status": "pending" | "clean" | "quarantined" | "not_scanned"}`
#[derive(Debug, Deserialize)]
pub struct ScanBody {
    status: Option<String>,
}

/// `{"uid", "_asset_scan_status"}`
#[derive(Serialize)]
struct ScanAnswer {
    uid: String,
    #[serde(rename = "_asset_scan_status")]
    status: String,
}

/// `PUT /_mock/stacks/{api_key}/assets/{uid}/scan_status`
pub async fn set_scan_status(
    State(state): State<AppState>,
    ApiPath((api_key, uid)): ApiPath<(String, String)>,
    JsonBody(body): JsonBody<ScanBody>,
) -> ApiResult<Response> {
    let stack = stacks::find(&state, &api_key)?;
    let status = body.status.ok_or_else(|| {
        ApiError::invalid("Please give the scan status.", "status", "is required.")
    })?;
    asset_extras::set_scan_status(&state, &stack, &uid, &status).await?;
    Ok(Json(ScanAnswer { uid, status }).into_response())
}
