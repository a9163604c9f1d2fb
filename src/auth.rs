//! Resolving a `/v3` request's stack (`api_key`) and checking its credential
//! (`authorization`, raw or `Bearer`, or `authtoken`).

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::request::Parts;

use crate::db::stacks::StackRow;
use crate::error::ApiError;
use crate::state::AppState;

/// The authenticated stack of a request.
#[derive(Debug, Clone)]
pub struct StackAuth(pub Arc<StackRow>);

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

/// The stack named by the `api_key` header, without checking credentials.
pub fn stack_of(headers: &HeaderMap, state: &AppState) -> Result<Arc<StackRow>, ApiError> {
    let api_key = header(headers, "api_key").ok_or(ApiError::InvalidApiKey)?;
    state.stacks.get(api_key).ok_or(ApiError::InvalidApiKey)
}

impl FromRequestParts<AppState> for StackAuth {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let stack = stack_of(&parts.headers, state)?;
        let credential = header(&parts.headers, "authorization")
            .map(|value| value.strip_prefix("Bearer ").unwrap_or(value).trim())
            .or_else(|| header(&parts.headers, "authtoken"));
        // A token only ever opens its own stack.
        match credential {
            Some(token) if token == stack.management_token => Ok(StackAuth(stack)),
            _ => Err(ApiError::NotAuthenticated),
        }
    }
}
