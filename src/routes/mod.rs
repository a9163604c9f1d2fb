//! The HTTP surface: route table, middleware, and the JSON 404 for unknown paths.

pub mod assets;
pub mod files;
pub mod folders;
pub mod health;

use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
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
        .route("/v3/assets/images", get(assets::list_images))
        .route("/v3/assets/videos", get(assets::list_videos))
        .route(
            "/v3/assets/folders",
            axum::routing::post(folders::create_folder),
        )
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
        .route(
            "/v3/assets/{uid}/{asset_uid}/{version_uid}/{filename}",
            get(files::download_file),
        )
        .layer(middleware::from_fn_with_state(
            state.clone(),
            stamp_stack_clock,
        ));

    Router::new()
        .merge(v3)
        .route("/_mock/health", get(health::health))
        .fallback(unknown_route)
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

/// Adds `x-mock-now` (the stack clock's time) to every `/v3` response of a known stack.
async fn stamp_stack_clock(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let stack = crate::auth::stack_of(request.headers(), &state).ok();
    let mut response = next.run(request).await;
    if let Some(stack) = stack {
        // Read after the handler ran, so a clock change made by it shows.
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
