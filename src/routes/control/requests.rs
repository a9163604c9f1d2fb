//! `/_mock/stacks/{api_key}/requests`: the stack's request journal, newest first, and
//! clearing it.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;

use crate::contentstack::lenient::{self, Sent};
use crate::domain::journal::{Entry, Filter};
use crate::domain::stacks::find;
use crate::error::{ApiError, ApiResult};
use crate::routes::envelope::Listing;
use crate::routes::extract::ApiPath;
use crate::routes::query::Query;
use crate::state::AppState;

/// `?method=&path_prefix=&status=`
#[derive(Debug, Default, Deserialize)]
pub struct RequestsQuery {
    #[serde(default)]
    method: Option<String>,
    #[serde(default)]
    path_prefix: Option<String>,
    #[serde(default, deserialize_with = "lenient::query_number")]
    status: Option<Sent<u16>>,
}

/// `GET /_mock/stacks/{api_key}/requests` with optional `method`, `path_prefix`, `status`.
pub async fn list_requests(
    State(state): State<AppState>,
    ApiPath(api_key): ApiPath<String>,
    Query(query): Query<RequestsQuery>,
) -> ApiResult<Listing<Arc<Entry>>> {
    find(&state, &api_key)?;
    let status = match query.status {
        None => None,
        Some(Sent::Valid(status)) => Some(status),
        Some(Sent::Invalid) => {
            return Err(ApiError::invalid(
                "'status' must be an HTTP status code.",
                "status",
                "is not valid.",
            ));
        }
    };
    let filter = Filter {
        method: query.method.filter(|m| !m.is_empty()),
        path_prefix: query.path_prefix.filter(|p| !p.is_empty()),
        status,
    };
    Ok(Listing::new(
        "requests",
        state.journal.list(&api_key, &filter),
    ))
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
