//! The HTTP surface: parse requests, call the domain, render answers. The route table
//! and the middleware stack live here.

pub mod assets;
pub mod branches;
pub mod bulk;
pub mod control;
pub mod delivery;
pub mod drain;
pub mod empty_stack;
pub mod envelope;
pub mod environments;
pub mod error;
pub mod extract;
pub mod files;
pub mod folders;
pub mod guard;
pub mod health;
pub mod host;
pub mod locales;
pub mod management_tokens;
pub mod middleware;
pub mod origin;
pub mod publishing;
pub mod query;
pub mod settings_views;
pub mod stack;
pub mod tokens;
pub mod ui;
pub mod upload;
pub mod views;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{MatchedPath, Request};
use axum::http::HeaderName;
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tower::Layer;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{Any, CorsLayer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;
use tracing::Span;

use crate::error::ApiError;
use crate::state::AppState;

static X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// What an unread body may hold beyond the upload limit and still be drained (the
/// multipart form around the file, text parts).
const DRAIN_SLACK_BYTES: u64 = 16 * 1024 * 1024;
/// Longest time spent reading an unread body after the answer.
const MAX_DRAIN_TIME: Duration = Duration::from_secs(60);

/// How long graceful shutdown waits for requests in flight.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// The `/v3` API routes (Contentstack's management API).
fn contentstack_routes(state: &AppState) -> Router<AppState> {
    Router::new()
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
        .route(
            "/v3/assets/{uid}/versions/{version}/name",
            post(publishing::name_version).delete(publishing::unname_version),
        )
        .route(
            "/v3/assets/{uid}/references",
            get(publishing::get_references),
        )
        .route("/v3/assets/{uid}/publish", post(publishing::publish_asset))
        .route(
            "/v3/assets/{uid}/unpublish",
            post(publishing::unpublish_asset),
        )
        .route("/v3/bulk/delete", post(bulk::bulk_delete))
        .route("/v3/bulk/publish", post(publishing::bulk_publish_assets))
        .route(
            "/v3/bulk/unpublish",
            post(publishing::bulk_unpublish_assets),
        )
        .route("/v3/bulk/jobs/{job_id}", get(bulk::get_job))
        .route(
            "/v3/bulk/jobs/{job_id}/items",
            get(publishing::get_job_items),
        )
        .route("/v3/stacks/sync", get(delivery::sync))
        .route("/v3/publish-queue", get(publishing::list_queue))
        .route("/v3/publish-queue/{uid}", get(publishing::get_queue_item))
        .route(
            "/v3/publish-queue/{uid}/unschedule",
            get(publishing::unschedule),
        )
        .merge(settings_routes())
        .merge(stack_routes())
        .merge(empty_stack_routes())
        .layer(from_fn_with_state(
            state.clone(),
            middleware::stack_middleware,
        ))
}

/// Environments, locales and delivery tokens.
fn settings_routes() -> Router<AppState> {
    Router::new()
        .route(
            "/v3/environments",
            get(environments::list_environments).post(environments::create_environment),
        )
        .route(
            "/v3/environments/{name}",
            get(environments::get_environment)
                .put(environments::update_environment)
                .delete(environments::delete_environment),
        )
        .route(
            "/v3/locales",
            get(locales::list_locales).post(locales::create_locale),
        )
        .route(
            "/v3/locales/{code}",
            get(locales::get_locale)
                .put(locales::update_locale)
                .delete(locales::delete_locale),
        )
        .route(
            "/v3/stacks/delivery_tokens",
            get(tokens::list_tokens).post(tokens::create_token),
        )
        .route(
            "/v3/stacks/delivery_tokens/{uid}",
            get(tokens::get_token)
                .put(tokens::update_token)
                .delete(tokens::delete_token),
        )
        .route(
            "/v3/stacks/delivery_tokens/{uid}/preview_token",
            post(tokens::create_preview_token).delete(tokens::delete_preview_token),
        )
}

/// The stack itself, its settings, branches and management tokens.
fn stack_routes() -> Router<AppState> {
    Router::new()
        .route("/v3/stacks", get(stack::get_stack).put(stack::update_stack))
        .route(
            "/v3/stacks/settings",
            get(stack::get_settings).post(stack::update_settings),
        )
        .route(
            "/v3/stacks/branches",
            get(branches::list_branches).post(branches::refuse_branch_change),
        )
        .route(
            "/v3/stacks/branches/{uid}",
            get(branches::get_branch).delete(branches::refuse_branch_change),
        )
        .route("/v3/stacks/branch_aliases", get(branches::list_aliases))
        .route(
            "/v3/stacks/branch_aliases/{uid}",
            get(branches::get_alias)
                .put(branches::refuse_branch_change)
                .delete(branches::refuse_branch_change),
        )
        .route(
            "/v3/stacks/management_tokens",
            get(management_tokens::list_tokens).post(management_tokens::create_token),
        )
        .route(
            "/v3/stacks/management_tokens/{uid}",
            get(management_tokens::get_token)
                .put(management_tokens::update_token)
                .delete(management_tokens::delete_token),
        )
}

/// What the mock does not emulate, answered as an empty stack answers.
fn empty_stack_routes() -> Router<AppState> {
    let mut router = Router::new();
    for family in empty_stack::FAMILIES
        .iter()
        .filter(|f| !f.path.contains('/'))
    {
        router = router
            .route(
                &format!("/v3/{}", family.path),
                get(empty_stack::read).post(empty_stack::write),
            )
            .route(
                &format!("/v3/{}/{{*rest}}", family.path),
                get(empty_stack::read)
                    .post(empty_stack::write)
                    .put(empty_stack::write)
                    .delete(empty_stack::write),
            );
    }
    router
}

/// The public file host behind every asset `url`: no credentials, no faults; rate
/// limits and the journal as the stack's other requests.
fn file_routes(state: &AppState) -> Router<AppState> {
    // The first segment is the api key here; it shares its place with `{uid}`.
    // Permanent URLs: `{uid}` is the api key here too, then the asset uid and the slug.
    Router::new()
        .route(
            "/v3/assets/{uid}/{asset_uid}/{version_uid}/{filename}",
            get(files::download_file),
        )
        .route(
            "/v3/assets/{uid}/{asset_uid}",
            get(files::download_permanent),
        )
        .route(
            "/v3/assets/{uid}/{asset_uid}/{version_uid}",
            get(files::download_permanent),
        )
        .layer(from_fn_with_state(
            state.clone(),
            middleware::file_middleware,
        ))
}

/// The whole HTTP application: the router, with the trailing slash of API paths trimmed
/// before routing (`GET /v3/assets/` is `GET /v3/assets`, as the legacy delivery SDK
/// sends it). The UI keeps its `/ui/`, which its relative links need.
pub type App = tower::util::MapRequest<Router, fn(Request) -> Request>;

/// Builds the whole HTTP application.
pub fn app(state: AppState) -> App {
    tower::util::MapRequestLayer::new(trim_api_slash as fn(Request) -> Request).layer(router(state))
}

/// The full application router.
pub fn router(state: AppState) -> Router {
    let drain_limits = drain::DrainLimits {
        max_bytes: state
            .settings
            .max_upload_bytes
            .saturating_add(DRAIN_SLACK_BYTES),
        body_timeout: state.settings.body_timeout,
        max_drain_time: MAX_DRAIN_TIME,
    };
    let host_policy = Arc::new(guard::HostPolicy::new(&state.settings.allowed_hosts));
    Router::new()
        .merge(contentstack_routes(&state))
        .merge(file_routes(&state))
        .merge(control::routes(&state))
        .merge(ui::routes())
        .route("/_mock/health", get(health::health))
        .fallback(middleware::unknown_route)
        .method_not_allowed_fallback(middleware::method_not_allowed)
        .with_state(state)
        .layer(CatchPanicLayer::custom(|_| {
            ApiError::Internal(anyhow::anyhow!("a request handler panicked")).into_response()
        }))
        .layer(from_fn_with_state(drain_limits, drain::drain_unread_body))
        // Browser apps on another port read the delivery API (and the rest of `/v3`)
        // directly; `guard` takes these headers off `/_mock` and the UI again.
        .layer(
            CorsLayer::new()
                .allow_origin(Any)
                .allow_methods(Any)
                .allow_headers(Any)
                .expose_headers([
                    X_REQUEST_ID.clone(),
                    HeaderName::from_static("x-mock-now"),
                    HeaderName::from_static("fastly-io-info"),
                    HeaderName::from_static("fastly-io-warning"),
                    HeaderName::from_static("fastly-io-error"),
                ]),
        )
        .layer(from_fn_with_state(host_policy, guard::guard))
        .layer(PropagateRequestIdLayer::new(X_REQUEST_ID.clone()))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(request_span)
                .on_request(())
                .on_response(log_answer),
        )
        .layer(SetRequestIdLayer::new(
            X_REQUEST_ID.clone(),
            MakeRequestUuid,
        ))
}

/// The span every log line of a request carries: method, path, matched route, request id.
fn request_span(request: &Request) -> Span {
    let request_id = request
        .headers()
        .get(&X_REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-");
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("-", MatchedPath::as_str);
    tracing::info_span!("request", method = %request.method(), path = %request.uri().path(), route, request_id)
}

/// One line per request, at `info`: its status and how long it took (healthy health
/// probes at `debug`).
fn log_answer(response: &Response, latency: Duration, _: &Span) {
    if response.extensions().get::<health::QuietAnswer>().is_some() {
        tracing::debug!(
            status = response.status().as_u16(),
            latency_ms = latency.as_secs_f64() * 1000.0,
            "answered"
        );
        return;
    }
    tracing::info!(
        status = response.status().as_u16(),
        latency_ms = latency.as_secs_f64() * 1000.0,
        "answered"
    );
}

/// `/v3/assets/` -> `/v3/assets`, and the same under `/_mock`.
fn trim_api_slash(mut request: Request) -> Request {
    let path = request.uri().path();
    let is_api = path.starts_with("/v3/") || path.starts_with("/_mock/");
    if is_api && path.len() > 1 && path.ends_with('/') {
        let trimmed = path.trim_end_matches('/');
        let target = match request.uri().query() {
            Some(query) => format!("{trimmed}?{query}"),
            None => trimmed.to_owned(),
        };
        if let Ok(uri) = target.parse() {
            *request.uri_mut() = uri;
        }
    }
    request
}
