//! `GET /_mock/health`: 200 when the database answers, 503 otherwise.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::error::{ErrorBody, codes};
use crate::state::AppState;

/// The service version reported by health.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

#[derive(Serialize)]
struct Health {
    status: &'static str,
    version: &'static str,
    /// Set when unhealthy, in the usual error shape.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    error: Option<ErrorBody>,
}

/// Marks an answer not worth a log line at `info`: a container engine probes health every
/// second, and those lines would bury the ones that matter.
#[derive(Debug, Clone, Copy)]
pub struct QuietAnswer;

/// `GET /_mock/health`
pub async fn health(State(state): State<AppState>) -> Response {
    if state.db.is_healthy().await {
        let body = Health {
            status: "ok",
            version: VERSION,
            error: None,
        };
        let mut answer = (StatusCode::OK, Json(body)).into_response();
        answer.extensions_mut().insert(QuietAnswer);
        answer
    } else {
        let body = Health {
            status: "unavailable",
            version: VERSION,
            error: Some(ErrorBody::new(
                "The database does not answer.",
                codes::UNAVAILABLE,
            )),
        };
        (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response()
    }
}
