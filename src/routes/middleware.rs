//! What wraps every `/v3` request of a known stack (armed faults, rate limits, the
//! journal, the `x-mock-now` header), and the JSON answers for unknown routes and
//! methods.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;

use crate::contentstack::time::format_ts;
use crate::db::stacks::StackRow;
use crate::domain::faults::Scope;
use crate::domain::journal::{self, Entry};
use crate::domain::rate_limits::Bucket;
use crate::error::{ApiError, ErrorBody};
use crate::routes::error::error_response;
use crate::routes::extract::{
    EnvironmentQuery, authenticated_stack, header, is_delivery, stack_of,
};
use crate::routes::query::Query;
use crate::state::AppState;

static X_MOCK_NOW: HeaderName = HeaderName::from_static("x-mock-now");
static X_RATELIMIT_LIMIT: HeaderName = HeaderName::from_static("x-ratelimit-limit");
static X_RATELIMIT_REMAINING: HeaderName = HeaderName::from_static("x-ratelimit-remaining");

/// For every `/v3` API request of a known stack: add `x-mock-now` (the stack clock's
/// time) to the response; when its credential opens the stack, answer with an armed
/// fault, if any (a request that would fail anyway never uses one up); count it against
/// the stack's rate limits when they are on; and keep it in the stack's journal.
pub async fn stack_middleware(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let Ok(stack) = stack_of(request.headers(), &state) else {
        return next.run(request).await;
    };
    let fault = armed_fault(
        &state,
        &stack,
        request.headers(),
        request.method(),
        request.uri(),
    )
    .await;
    let bucket = if is_delivery(request.headers()) {
        Bucket::Delivery
    } else {
        Bucket::of_management(request.method().as_str(), request.uri().path())
    };
    let arrived = stack.clock().now();
    let (request, journaled) = Journaled::start(&state, request, arrived);
    // The body of a faulted or limited request is read by `drain` before the answer.
    let mut response = match fault {
        Some(status) => fault_response(status),
        None => limited(&state, &stack.api_key, bucket, arrived, request, next).await,
    };
    // Read after the handler ran, so a clock change made meanwhile shows.
    let now = state
        .stacks
        .get(&stack.api_key)
        .map_or_else(|| stack.clock().now(), |s| s.clock().now());
    if let Ok(value) = HeaderValue::from_str(&format_ts(now)) {
        response.headers_mut().insert(X_MOCK_NOW.clone(), value);
    }
    if let Some(journaled) = journaled {
        journaled.finish(&state, &stack.api_key, &response);
    }
    response
}

/// For the file URLs (`/v3/assets/{api_key}/...`) of a known stack: its rate limits
/// (the delivery bucket, which counts images too) and its journal.
pub async fn file_middleware(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let api_key = request
        .uri()
        .path()
        .strip_prefix("/v3/assets/")
        .and_then(|rest| rest.split('/').next())
        .unwrap_or_default()
        .to_owned();
    let Some(stack) = state.stacks.get(&api_key) else {
        return next.run(request).await;
    };
    let arrived = stack.clock().now();
    let (request, journaled) = Journaled::start(&state, request, arrived);
    let response = limited(&state, &api_key, Bucket::Delivery, arrived, request, next).await;
    if let Some(journaled) = journaled {
        journaled.finish(&state, &api_key, &response);
    }
    response
}

/// Runs the request when the stack's rate limits allow it (429 otherwise), with the
/// `X-RateLimit-*` headers when they are on.
async fn limited(
    state: &AppState,
    api_key: &str,
    bucket: Bucket,
    now: chrono::DateTime<chrono::Utc>,
    request: Request,
    next: Next,
) -> Response {
    let Some(decision) = state.rate_limits.count(api_key, bucket, now) else {
        return next.run(request).await;
    };
    let mut response = if decision.allowed {
        next.run(request).await
    } else {
        let mut response = error_response(
            StatusCode::TOO_MANY_REQUESTS,
            &ErrorBody::new("Too many requests.", 429),
        );
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        response
    };
    let headers = response.headers_mut();
    headers.insert(X_RATELIMIT_LIMIT.clone(), HeaderValue::from(decision.limit));
    headers.insert(
        X_RATELIMIT_REMAINING.clone(),
        HeaderValue::from(decision.remaining),
    );
    response
}

/// A request on its way to the journal: what was known when it arrived, and the start
/// of its body as the handler reads it.
struct Journaled {
    method: String,
    path: String,
    query: Option<String>,
    headers: BTreeMap<String, String>,
    body: Arc<Mutex<CapturedBody>>,
    at: String,
    started: Instant,
}

/// The first bytes of a body, and how many went through in all.
#[derive(Default)]
struct CapturedBody {
    kept: Vec<u8>,
    seen: usize,
}

impl Journaled {
    /// Notes the request, and passes its body on through a copy of its first bytes;
    /// nothing when the journal is off.
    fn start(
        state: &AppState,
        request: Request,
        arrived: chrono::DateTime<chrono::Utc>,
    ) -> (Request, Option<Journaled>) {
        if !state.journal.enabled() {
            return (request, None);
        }
        let (parts, body) = request.into_parts();
        let captured = Arc::new(Mutex::new(CapturedBody::default()));
        let sink = captured.clone();
        let copying = body.into_data_stream().map(move |chunk| {
            if let Ok(bytes) = &chunk {
                let mut body = sink.lock().unwrap_or_else(PoisonError::into_inner);
                body.seen += bytes.len();
                let room = journal::MAX_BODY_BYTES.saturating_sub(body.kept.len());
                body.kept.extend_from_slice(&bytes[..room.min(bytes.len())]);
            }
            chunk
        });
        let journaled = Journaled {
            method: parts.method.to_string(),
            path: parts.uri.path().to_owned(),
            query: parts.uri.query().map(str::to_owned),
            headers: parts
                .headers
                .iter()
                .map(|(name, value)| {
                    let name = name.as_str();
                    (
                        name.to_owned(),
                        journal::shown_header_value(name, value.as_bytes()),
                    )
                })
                .collect(),
            body: captured,
            at: journal::at(arrived),
            started: Instant::now(),
        };
        let request = Request::from_parts(parts, Body::from_stream(copying));
        (request, Some(journaled))
    }

    /// Keeps the request with its answer's status.
    fn finish(self, state: &AppState, api_key: &str, response: &Response) {
        let (body, body_truncated) = {
            let captured = self.body.lock().unwrap_or_else(PoisonError::into_inner);
            journal::shown_body(&captured.kept, captured.seen)
        };
        state.journal.record(
            api_key,
            Entry {
                method: self.method,
                path: self.path,
                query: self.query,
                status: response.status().as_u16(),
                duration_ms: self.started.elapsed().as_secs_f64() * 1000.0,
                headers: self.headers,
                body,
                body_truncated,
                at: self.at,
            },
        );
    }
}

/// The status of an armed fault this request uses up, if any: management requests
/// whose token opens the stack take management faults, delivery requests whose token
/// opens the stack and environment take delivery faults.
async fn armed_fault(
    state: &AppState,
    stack: &StackRow,
    headers: &HeaderMap,
    method: &Method,
    uri: &Uri,
) -> Option<u16> {
    let scope = if is_delivery(headers) {
        if !state.faults.armed(&stack.api_key, Scope::Delivery) {
            return None;
        }
        let token = header(headers, "access_token").unwrap_or_default();
        let query = Query::<EnvironmentQuery>::parse(uri.query()).ok()?;
        let stack = state.stacks.get(&stack.api_key);
        crate::domain::delivery::authenticate(state, stack, token, query.environment.as_deref())
            .await
            .ok()?;
        Scope::Delivery
    } else {
        authenticated_stack(headers, state).ok()?;
        Scope::Management
    };
    state
        .faults
        .take(&stack.api_key, scope, method.as_str(), uri.path())
}

/// The answer of an injected fault (429 adds `retry-after: 1`).
fn fault_response(status: u16) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let message = if status == StatusCode::TOO_MANY_REQUESTS {
        "Too many requests. Please try again later."
    } else {
        "Injected failure (contentstack-mock fault injection)."
    };
    let mut response = error_response(status, &ErrorBody::new(message, u32::from(status.as_u16())));
    if status == StatusCode::TOO_MANY_REQUESTS {
        response
            .headers_mut()
            .insert("retry-after", HeaderValue::from_static("1"));
    }
    response
}

/// A known path with a method it does not take.
pub async fn method_not_allowed(request: Request) -> Response {
    ApiError::MethodNotAllowed {
        message: format!(
            "The method {} is not allowed on {}.",
            request.method(),
            request.uri().path()
        ),
    }
    .into_response()
}

/// No such route.
pub async fn unknown_route(request: Request) -> ApiError {
    ApiError::NotFound {
        message: format!(
            "The requested URL {} {} was not found.",
            request.method(),
            request.uri().path()
        ),
    }
}
