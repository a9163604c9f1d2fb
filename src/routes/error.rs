//! Errors as HTTP responses: the status each [`ApiError`] answers with, and its
//! Contentstack-shaped body (built by `error::ErrorBody`, the one place that shapes it).

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::error::{ApiError, ErrorBody};

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        // Logged here, once, with the full cause chain; the client gets a generic text.
        match &self {
            ApiError::Database(e) => tracing::error!(error = ?e, "database error"),
            ApiError::Internal(e) => tracing::error!(error = format!("{e:#}"), "internal error"),
            _ => {}
        }
        let status =
            StatusCode::from_u16(self.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        error_response(status, &self.body())
    }
}

/// A response with this status and error body.
pub fn error_response(status: StatusCode, body: &ErrorBody) -> Response {
    (status, Json(body)).into_response()
}
