//! The mock-only API under `/_mock`: stacks, reset, snapshots, trash, per-stack clocks,
//! fault injection, the request journal and rate limits (contract sections 4 and 7). Not
//! part of Contentstack.

pub mod clock;
pub mod export;
pub mod faults;
pub mod purged;
pub mod rate_limits;
pub mod requests;
pub mod scan;
pub mod snapshots;
pub mod stacks;
pub mod trash;

use axum::Router;
use axum::extract::{Request, State};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::Response;
use axum::routing::{delete, get, post};

use crate::error::ApiError;
use crate::routes::extract::header;
use crate::state::AppState;

/// The `/_mock` routes (health is outside: it never needs the admin token).
pub fn routes(state: &AppState) -> Router<AppState> {
    Router::new()
        .route(
            "/_mock/stacks",
            get(stacks::list_stacks).post(stacks::create_stack),
        )
        .route("/_mock/stacks/{api_key}", delete(stacks::delete_stack))
        .route("/_mock/reset", post(stacks::reset))
        .route("/_mock/stacks/{api_key}/reset", post(stacks::reset_stack))
        .route(
            "/_mock/stacks/{api_key}/snapshots",
            get(snapshots::list_snapshots).post(snapshots::create_snapshot),
        )
        .route(
            "/_mock/stacks/{api_key}/snapshots/{name}",
            delete(snapshots::delete_snapshot),
        )
        .route(
            "/_mock/stacks/{api_key}/snapshots/{name}/restore",
            post(snapshots::restore_snapshot),
        )
        .route(
            "/_mock/stacks/{api_key}/trash",
            get(trash::list_trash).delete(trash::empty_trash),
        )
        .route(
            "/_mock/stacks/{api_key}/trash/purge",
            post(trash::purge_due),
        )
        .route(
            "/_mock/stacks/{api_key}/trash/{uid}",
            delete(trash::delete_trash_item),
        )
        .route(
            "/_mock/stacks/{api_key}/trash/{uid}/restore",
            post(trash::restore),
        )
        .route(
            "/_mock/stacks/{api_key}/clock",
            get(clock::get_clock)
                .put(clock::set_clock)
                .delete(clock::reset_clock),
        )
        .route(
            "/_mock/stacks/{api_key}/clock/advance",
            post(clock::advance_clock),
        )
        .route(
            "/_mock/stacks/{api_key}/clock/freeze",
            post(clock::freeze_clock),
        )
        .route(
            "/_mock/stacks/{api_key}/clock/resume",
            post(clock::resume_clock),
        )
        .route(
            "/_mock/stacks/{api_key}/faults",
            get(faults::list_faults)
                .post(faults::add_fault)
                .delete(faults::clear_faults),
        )
        .route("/_mock/stacks/{api_key}/export", get(export::export_stack))
        .route(
            "/_mock/stacks/{api_key}/requests",
            get(requests::list_requests).delete(requests::clear_requests),
        )
        .route(
            "/_mock/stacks/{api_key}/rate_limits",
            get(rate_limits::get_rate_limits).put(rate_limits::set_rate_limits),
        )
        .route(
            "/_mock/stacks/{api_key}/assets/{uid}/scan_status",
            axum::routing::put(scan::set_scan_status),
        )
        .layer(from_fn_with_state(state.clone(), require_admin))
}

/// Requires `Authorization: Bearer <admin token>` when `--admin-token` is set.
pub async fn require_admin(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    if let Some(expected) = &state.settings.admin_token {
        let given = header(request.headers(), "authorization")
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim);
        if given != Some(expected.as_str()) {
            return Err(ApiError::AdminTokenRequired);
        }
    }
    Ok(next.run(request).await)
}
