//! `/_mock/stacks/{api_key}/faults`: arm, list and clear injected failures.

use axum::extract::State;
use axum::http::StatusCode;

use crate::domain::faults::Fault;
use crate::domain::stacks::find;
use crate::error::{ApiError, ApiResult};
use crate::routes::envelope::{Envelope, Listing};
use crate::routes::extract::{ApiPath, JsonBody};
use crate::state::AppState;

/// `POST /_mock/stacks/{api_key}/faults`
pub async fn add_fault(
    State(state): State<AppState>,
    ApiPath(api_key): ApiPath<String>,
    JsonBody(fault): JsonBody<Fault>,
) -> ApiResult<(StatusCode, Envelope<Fault>)> {
    find(&state, &api_key)?;
    if !(400..=599).contains(&fault.status) || fault.count == 0 {
        return Err(ApiError::invalid(
            "'status' must be 400-599 and 'count' at least 1.",
            "status",
            "is not valid.",
        ));
    }
    state.faults.add(&api_key, fault.clone());
    Ok((StatusCode::CREATED, Envelope::new("fault", fault)))
}

/// `GET /_mock/stacks/{api_key}/faults`
pub async fn list_faults(
    State(state): State<AppState>,
    ApiPath(api_key): ApiPath<String>,
) -> ApiResult<Listing<Fault>> {
    find(&state, &api_key)?;
    Ok(Listing::new("faults", state.faults.list(&api_key)))
}

/// `DELETE /_mock/stacks/{api_key}/faults`
pub async fn clear_faults(
    State(state): State<AppState>,
    ApiPath(api_key): ApiPath<String>,
) -> ApiResult<Listing<Fault>> {
    find(&state, &api_key)?;
    state.faults.clear(&api_key);
    Ok(Listing::new("faults", Vec::new()))
}
