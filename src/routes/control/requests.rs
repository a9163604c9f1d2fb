//! `/_mock/stacks/{api_key}/requests`: the stack's request journal, newest first, and
//! clearing it.

use std::sync::Arc;

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use serde::Serialize;

use crate::domain::journal::{Entry, Filter};
use crate::domain::stacks::find;
use crate::error::{ApiError, ApiResult};
use crate::routes::extract::ApiPath;
use crate::routes::query::Params;
use crate::state::AppState;

/// The answer of a listing.
#[derive(Debug, Serialize)]
pub struct RequestsView {
    requests: Vec<Arc<Entry>>,
}

/// `GET /_mock/stacks/{api_key}/requests` with optional `method`, `path_prefix`, `status`.
pub async fn list_requests(
    State(state): State<AppState>,
    ApiPath(api_key): ApiPath<String>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<RequestsView>> {
    find(&state, &api_key)?;
    let params = Params::from_query(query.as_deref());
    let status = match params.get("status") {
        None | Some("") => None,
        Some(text) => Some(text.parse::<u16>().map_err(|_| {
            ApiError::invalid(
                "'status' must be an HTTP status code.",
                "status",
                "is not valid.",
            )
        })?),
    };
    let filter = Filter {
        method: params
            .get("method")
            .filter(|m| !m.is_empty())
            .map(str::to_owned),
        path_prefix: params
            .get("path_prefix")
            .filter(|p| !p.is_empty())
            .map(str::to_owned),
        status,
    };
    Ok(Json(RequestsView {
        requests: state.journal.list(&api_key, &filter),
    }))
}

/// `DELETE /_mock/stacks/{api_key}/requests`
pub async fn clear_requests(
    State(state): State<AppState>,
    ApiPath(api_key): ApiPath<String>,
) -> ApiResult<StatusCode> {
    find(&state, &api_key)?;
    state.journal.clear(&api_key);
    Ok(StatusCode::NO_CONTENT)
}
