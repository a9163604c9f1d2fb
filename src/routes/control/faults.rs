//! `/_mock/stacks/{api_key}/faults`: arm, list and clear injected failures.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::domain::faults::Fault;
use crate::domain::stacks::find;
use crate::error::{ApiError, ApiResult};
use crate::routes::extract::{ApiPath, JsonBody};
use crate::state::AppState;

/// `POST /_mock/stacks/{api_key}/faults`
pub async fn add_fault(
    State(state): State<AppState>,
    ApiPath(api_key): ApiPath<String>,
    JsonBody(fault): JsonBody<Fault>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    find(&state, &api_key)?;
    if !(400..=599).contains(&fault.status) || fault.count == 0 {
        return Err(ApiError::invalid(
            "'status' must be 400-599 and 'count' at least 1.",
            "status",
            "is not valid.",
        ));
    }
    state.faults.add(&api_key, fault.clone());
    Ok((StatusCode::CREATED, Json(json!({ "fault": fault }))))
}

/// `GET /_mock/stacks/{api_key}/faults`
pub async fn list_faults(
    State(state): State<AppState>,
    ApiPath(api_key): ApiPath<String>,
) -> ApiResult<Json<Value>> {
    find(&state, &api_key)?;
    Ok(Json(json!({ "faults": state.faults.list(&api_key) })))
}

/// `DELETE /_mock/stacks/{api_key}/faults`
pub async fn clear_faults(
    State(state): State<AppState>,
    ApiPath(api_key): ApiPath<String>,
) -> ApiResult<Json<Value>> {
    find(&state, &api_key)?;
    state.faults.clear(&api_key);
    Ok(Json(json!({ "faults": [] })))
}
