//! What wraps every `/v3` request of a known stack (armed faults, the `x-mock-now`
//! header), and the JSON answers for unknown routes and methods.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::clock::format_ts;
use crate::db::stacks::StackRow;
use crate::error::{ApiError, ErrorBody};
use crate::faults::Scope;
use crate::routes::error::error_response;
use crate::routes::extract::{authenticated_stack, header, is_delivery, stack_of};
use crate::state::AppState;

static X_MOCK_NOW: HeaderName = HeaderName::from_static("x-mock-now");

/// For every `/v3` API request of a known stack: add `x-mock-now` (the stack clock's
/// time) to the response, and when its credential opens the stack, answer with an
/// armed fault, if any (a request that would fail anyway never uses one up).
pub async fn stack_middleware(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let stack = stack_of(request.headers(), &state).ok();
    let fault = match stack.as_ref() {
        Some(stack) => {
            armed_fault(
                &state,
                stack,
                request.headers(),
                request.method(),
                request.uri(),
            )
            .await
        }
        None => None,
    };
    // The body of a faulted request is read by `drain` before the answer goes out.
    let mut response = match fault {
        Some(status) => fault_response(status),
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
        let params = crate::params::Params::from_query(uri.query());
        let environment = params.get("environment");
        let stack = state.stacks.get(&stack.api_key);
        crate::domain::delivery::authenticate(state, stack, token, environment)
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
