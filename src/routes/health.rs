//! `GET /_mock/health`: 200 when the database answers, 503 otherwise.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::state::AppState;

/// The service version reported by health.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// `GET /_mock/health`
pub async fn health(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    if state.db.is_healthy().await {
        (
            StatusCode::OK,
            Json(json!({ "status": "ok", "version": VERSION })),
        )
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(
                json!({ "status": "unavailable", "version": VERSION, "error_message": "The database does not answer.", "error_code": 503, "errors": {} }),
            ),
        )
    }
}
