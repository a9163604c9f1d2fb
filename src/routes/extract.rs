//! Extractors with Contentstack-shaped rejections: the stack and its credential
//! ([`StackAuth`]), and JSON bodies read whatever their `Content-Type` says, with a
//! size cap ([`JsonBody`], [`OptionalJson`]).

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use futures_util::StreamExt;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::db::stacks::StackRow;
use crate::domain::branches;
use crate::domain::grants::Grant;
use crate::error::ApiError;
use crate::routes::drain::BodyTimeout;
use crate::routes::query::Query;
use crate::state::AppState;

/// Largest JSON body accepted on any route (uploads stream their files instead).
pub const MAX_JSON_BYTES: usize = 1024 * 1024;

/// The authenticated stack of a `/v3` request: `api_key` names it, and the credential
/// (`authorization`, raw or `Bearer`, or `authtoken`) must be its management token.
#[derive(Debug, Clone)]
pub struct StackAuth(pub Arc<StackRow>);

/// A header's trimmed, non-empty text.
pub fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
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

/// The stack a request names, when its credential opens that stack.
pub fn authenticated_stack(
    headers: &HeaderMap,
    state: &AppState,
) -> Result<Arc<StackRow>, ApiError> {
    credential_of(headers, state).map(|(stack, _)| stack)
}

/// The stack a request names and the grant of its credential: `None` for the stack's
/// own token (it may do everything), the scope of a management token made through the
/// API otherwise (valid until it expires on the stack's clock).
pub fn credential_of(
    headers: &HeaderMap,
    state: &AppState,
) -> Result<(Arc<StackRow>, Option<Arc<Grant>>), ApiError> {
    let stack = stack_of(headers, state)?;
    let credential = header(headers, "authorization")
        .map(|value| value.strip_prefix("Bearer ").unwrap_or(value).trim())
        .or_else(|| header(headers, "authtoken"))
        .ok_or(ApiError::NotAuthenticated)?;
    if credential == stack.management_token {
        return Ok((stack, None));
    }
    // A token only ever opens its own stack.
    match state.stacks.grant_of(credential) {
        Some(grant) if grant.api_key == stack.api_key && !grant.expired(stack.clock().now()) => {
            Ok((stack, Some(grant)))
        }
        _ => Err(ApiError::NotAuthenticated),
    }
}

/// Checks the whole management request: its credential, the branch it names, and the
/// scope of a management token made through the API.
fn authorize(parts: &Parts, state: &AppState) -> Result<Arc<StackRow>, ApiError> {
    let (stack, grant) = credential_of(&parts.headers, state)?;
    let branch = branches::check_requested(header(&parts.headers, "branch"))?;
    if let Some(grant) = grant {
        grant.allows(parts.method.as_str(), parts.uri.path(), branch)?;
    }
    Ok(stack)
}

impl FromRequestParts<AppState> for StackAuth {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        authorize(parts, state).map(StackAuth)
    }
}

/// Who is calling a path that both the management and the delivery API serve: a
/// request with `access_token` (and no management credential) is a delivery request.
#[derive(Debug, Clone)]
pub enum Caller {
    Management(Arc<StackRow>),
    Delivery(crate::domain::delivery::DeliveryAuth),
}

/// True when the request carries a delivery token and no management credential.
pub fn is_delivery(headers: &HeaderMap) -> bool {
    header(headers, "access_token").is_some()
        && header(headers, "authorization").is_none()
        && header(headers, "authtoken").is_none()
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if !is_delivery(&parts.headers) {
            return authorize(parts, state).map(Caller::Management);
        }
        let stack = header(&parts.headers, "api_key").and_then(|key| state.stacks.get(key));
        let token = header(&parts.headers, "access_token").unwrap_or_default();
        let query = Query::<EnvironmentQuery>::parse(parts.uri.query()).unwrap_or_default();
        let auth = crate::domain::delivery::authenticate(
            state,
            stack,
            token,
            query.environment.as_deref(),
        )
        .await?;
        branches::check_requested(header(&parts.headers, "branch"))?;
        Ok(Caller::Delivery(auth))
    }
}

/// `?environment=`: the environment a delivery request reads, as sent.
#[derive(Debug, Default, Deserialize)]
pub struct EnvironmentQuery {
    #[serde(default)]
    pub environment: Option<String>,
}

/// Path parameters, with a Contentstack-shaped 400 when they cannot be read (a
/// segment that is not valid UTF-8, say).
#[derive(Debug)]
pub struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(ApiPath(value)),
            Err(rejection) => Err(ApiError::malformed(format!(
                "The request path {} is not valid: {}",
                parts.uri.path(),
                rejection.body_text()
            ))),
        }
    }
}

/// A JSON body, parsed into `T`.
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

/// A JSON body that may be absent: no body (or only white space) reads as `T::default()`.
#[derive(Debug)]
pub struct OptionalJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, _: &S) -> Result<Self, ApiError> {
        let bytes = read_limited(request.into_body(), MAX_JSON_BYTES).await?;
        parse_json(&bytes).map(JsonBody)
    }
}

impl<S: Send + Sync, T: DeserializeOwned + Default> FromRequest<S> for OptionalJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, _: &S) -> Result<Self, ApiError> {
        let bytes = read_limited(request.into_body(), MAX_JSON_BYTES).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(OptionalJson(T::default()));
        }
        parse_json(&bytes).map(OptionalJson)
    }
}

/// Reads a whole body, failing past `limit` bytes.
pub async fn read_limited(body: Body, limit: usize) -> Result<Vec<u8>, ApiError> {
    let mut stream = body.into_data_stream();
    let mut buffer = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(body_error)?;
        if buffer.len() + chunk.len() > limit {
            return Err(ApiError::BodyTooLarge { limit });
        }
        buffer.extend_from_slice(&chunk);
    }
    Ok(buffer)
}

/// The error for a body that could not be read: cut off, or stalled too long.
pub fn body_error(error: axum::Error) -> ApiError {
    timeout_in(&error).unwrap_or_else(|| {
        ApiError::malformed(format!("The request body could not be read: {error}"))
    })
}

/// The body timeout behind `error`, if a stalled body is what broke the request.
pub fn timeout_in(error: &(dyn std::error::Error + 'static)) -> Option<ApiError> {
    let mut source = Some(error);
    while let Some(cause) = source {
        if let Some(timeout) = cause.downcast_ref::<BodyTimeout>() {
            return Some(ApiError::BodyTimeout {
                seconds: timeout.0.as_secs(),
            });
        }
        source = cause.source();
    }
    None
}

/// Parses a JSON body: bad JSON is a 400, a value of the wrong type a 422 naming it.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let parsed: Result<T, _> = serde_path_to_error::deserialize(&mut deserializer);
    let value = parsed.map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if inner.is_data() {
            let field = if path == "." { "body".to_owned() } else { path };
            ApiError::invalid(
                format!("The field '{field}' is not valid: {inner}."),
                &field,
                "is not valid.",
            )
        } else {
            ApiError::malformed(format!("The request body is not valid JSON: {inner}."))
        }
    })?;
    deserializer
        .end()
        .map_err(|e| ApiError::malformed(format!("The request body is not valid JSON: {e}.")))?;
    Ok(value)
}
