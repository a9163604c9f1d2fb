//! The HTTP surface: route table, middleware, and the JSON 404 for unknown paths.

pub mod assets;
pub mod bulk;
pub mod control;
pub mod files;
pub mod folders;
pub mod health;
pub mod ui;

use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use futures_util::StreamExt;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use crate::clock::format_ts;
use crate::error::ApiError;
use crate::state::AppState;

static X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
static X_MOCK_NOW: HeaderName = HeaderName::from_static("x-mock-now");

/// The full application router.
pub fn router(state: AppState) -> Router {
    let v3 = Router::new()
        .route(
            "/v3/assets",
            get(assets::list_assets).post(assets::upload_asset),
        )
        .route("/v3/assets/images", get(assets::list_assets))
        .route("/v3/assets/videos", get(assets::list_assets))
        .route("/v3/assets/rt", get(assets::list_rte_assets))
        .route("/v3/assets/folders", post(folders::create_folder))
        .route(
            "/v3/assets/folders/{uid}",
            get(folders::get_folder)
                .put(folders::update_folder)
                .delete(folders::delete_folder),
        )
        .route(
            "/v3/assets/{uid}",
            get(assets::get_asset)
                .put(assets::update_asset)
                .delete(assets::delete_asset),
        )
        .route("/v3/assets/{uid}/versions", get(assets::list_versions))
        // The first segment is the api key here; it shares its place with `{uid}`.
        .route(
            "/v3/assets/{uid}/{asset_uid}/{version_uid}/{filename}",
            get(files::download_file),
        )
        .route("/v3/bulk/delete", post(bulk::bulk_delete))
        .route("/v3/bulk/jobs/{job_id}", get(bulk::get_job))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            stack_middleware,
        ));

    let control = Router::new()
        .route(
            "/_mock/stacks",
            get(control::list_stacks).post(control::create_stack),
        )
        .route("/_mock/stacks/{api_key}", delete(control::delete_stack))
        .route("/_mock/reset", post(control::reset))
        .route(
            "/_mock/stacks/{api_key}/trash",
            get(control::list_trash).delete(control::empty_trash),
        )
        .route(
            "/_mock/stacks/{api_key}/trash/purge",
            post(control::purge_due),
        )
        .route(
            "/_mock/stacks/{api_key}/trash/{uid}",
            delete(control::delete_trash_item),
        )
        .route(
            "/_mock/stacks/{api_key}/trash/{uid}/restore",
            post(control::restore),
        )
        .route(
            "/_mock/stacks/{api_key}/clock",
            get(control::get_clock)
                .put(control::set_clock)
                .delete(control::reset_clock),
        )
        .route(
            "/_mock/stacks/{api_key}/clock/advance",
            post(control::advance_clock),
        )
        .route(
            "/_mock/stacks/{api_key}/clock/freeze",
            post(control::freeze_clock),
        )
        .route(
            "/_mock/stacks/{api_key}/clock/resume",
            post(control::resume_clock),
        )
        .route(
            "/_mock/stacks/{api_key}/faults",
            get(control::list_faults)
                .post(control::add_fault)
                .delete(control::clear_faults),
        )
        .layer(middleware::from_fn_with_state(
            state.clone(),
            control::require_admin,
        ));

    Router::new()
        .merge(v3)
        .merge(control)
        .merge(ui::routes())
        .route("/_mock/health", get(health::health))
        .fallback(unknown_route)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state)
        .layer(CatchPanicLayer::custom(|_| {
            ApiError::Internal(anyhow::anyhow!("a request handler panicked")).into_response()
        }))
        .layer(PropagateRequestIdLayer::new(X_REQUEST_ID.clone()))
        .layer(TraceLayer::new_for_http().make_span_with(|request: &Request| {
            let request_id = request.headers().get(&X_REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("-");
            tracing::info_span!("request", method = %request.method(), uri = %request.uri().path(), request_id)
        }))
        .layer(SetRequestIdLayer::new(X_REQUEST_ID.clone(), MakeRequestUuid))
}

/// For every `/v3` request of a known stack: answer with an armed fault, if any, and
/// add `x-mock-now` (the stack clock's time) to the response.
async fn stack_middleware(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let stack = crate::auth::stack_of(request.headers(), &state).ok();
    let fault = stack.as_ref().and_then(|stack| {
        state
            .faults
            .take(&stack.api_key, request.method(), request.uri().path())
    });
    let mut response = match fault {
        Some(fault) => {
            // Read the body first: a client still sending an upload would otherwise see
            // its connection reset instead of the injected status.
            let mut body = request.into_body().into_data_stream();
            while let Some(Ok(_)) = body.next().await {}
            fault
        }
        None => next.run(request).await,
    };
    if let Some(stack) = stack {
        // Read after the handler ran, so a clock change made meanwhile shows.
        let now = state
            .stacks
            .get(&stack.api_key)
            .map(|s| s.clock().now())
            .unwrap_or_else(|| stack.clock().now());
        if let Ok(value) = HeaderValue::from_str(&format_ts(now)) {
            response.headers_mut().insert(X_MOCK_NOW.clone(), value);
        }
    }
    response
}

async fn method_not_allowed(request: Request) -> Response {
    let message = format!(
        "The method {} is not allowed on {}.",
        request.method(),
        request.uri().path()
    );
    let body = serde_json::json!({ "error_message": message, "error_code": 405, "errors": {} });
    (axum::http::StatusCode::METHOD_NOT_ALLOWED, axum::Json(body)).into_response()
}

async fn unknown_route(request: Request) -> ApiError {
    ApiError::NotFound {
        message: format!(
            "The requested URL {} {} was not found.",
            request.method(),
            request.uri().path()
        ),
    }
}

/// How long graceful shutdown waits for requests in flight.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);
