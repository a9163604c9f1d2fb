//! `/v3/stacks/delivery_tokens`: list, create, fetch, update, delete, preview tokens.

use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;

use crate::contentstack::lenient;
use crate::domain::tokens::{self, TokenRequest, TokenView};
use crate::error::{ApiError, ApiResult};
use crate::routes::envelope::{self, Envelope, Listing};
use crate::routes::extract::{ApiPath, JsonBody, StackAuth};
use crate::routes::query::Query;
use crate::routes::settings_views::{CountQuery, TokenJson};
use crate::state::AppState;

/// `{"notice"?, "token": {...}}`
fn answer(view: TokenView) -> Envelope<TokenJson> {
    Envelope::new("token", TokenJson::from(view))
}

/// `POST /v3/stacks/delivery_tokens?create_with_preview_token=true`
#[derive(Debug, Default, Deserialize)]
pub struct CreateQuery {
    #[serde(default, deserialize_with = "lenient::query_flag")]
    create_with_preview_token: bool,
}

/// `{"token": {...}}`, the body of a delivery or management token's create and
/// update; the whole fetched object sent back (as the JS SDK's update does) is fine too.
#[derive(Debug, Deserialize)]
pub struct TokenBody<F> {
    token: Option<F>,
}

impl<F> TokenBody<F> {
    /// The token's fields; a body without them is a 422.
    pub fn fields(self) -> ApiResult<F> {
        self.token.ok_or_else(|| {
            ApiError::invalid("Please provide the token details.", "token", "is required.")
        })
    }
}

/// A delivery token's `{"name", "description"?, "scope": [...]}`.
#[derive(Debug, Deserialize)]
pub struct TokenFields {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    scope: Option<Vec<ScopeItem>>,
}

#[derive(Debug, Deserialize)]
struct ScopeItem {
    #[serde(default)]
    module: String,
    /// Names, or environment objects (matched by `name`, else `uid`).
    #[serde(default, deserialize_with = "lenient::names_or_uids")]
    environments: Vec<String>,
    #[serde(default)]
    branches: Option<Vec<String>>,
    #[serde(default)]
    branch_aliases: Option<Vec<String>>,
}

impl From<TokenFields> for TokenRequest {
    fn from(fields: TokenFields) -> Self {
        let mut request = TokenRequest {
            name: fields.name,
            description: fields.description,
            ..TokenRequest::default()
        };
        if fields.scope.is_some() {
            // A scope sent is a whole scope: its branch part is required.
            request.branches = Some(Vec::new());
            request.branch_aliases = Some(Vec::new());
        }
        for item in fields.scope.unwrap_or_default() {
            match item.module.as_str() {
                "environment" => request.environments = Some(item.environments),
                "branch" => request.branches = item.branches.or(Some(Vec::new())),
                "branch_alias" => request.branch_aliases = item.branch_aliases.or(Some(Vec::new())),
                _ => {}
            }
        }
        request
    }
}

/// `GET /v3/stacks/delivery_tokens`
pub async fn list_tokens(
    State(state): State<AppState>,
    StackAuth(stack): StackAuth,
    Query(query): Query<CountQuery>,
) -> ApiResult<Listing<TokenJson>> {
    let views = tokens::list(&state, &stack).await?;
    let count = views.len() as u64;
    let tokens = views.into_iter().map(TokenJson::from).collect();
    Ok(Listing::new("tokens", tokens).with_count(query.include_count.then_some(count)))
}

/// `POST /v3/stacks/delivery_tokens`
pub async fn create_token(
    State(state): State<AppState>,
    StackAuth(stack): StackAuth,
    Query(query): Query<CreateQuery>,
    JsonBody(body): JsonBody<TokenBody<TokenFields>>,
) -> ApiResult<(StatusCode, Envelope<TokenJson>)> {
    let view = tokens::create(
        &state,
        &stack,
        body.fields()?.into(),
        query.create_with_preview_token,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        answer(view).with_notice("Delivery Token created successfully."),
    ))
}

/// `GET /v3/stacks/delivery_tokens/{uid}`
pub async fn get_token(
    State(state): State<AppState>,
    StackAuth(stack): StackAuth,
    ApiPath(uid): ApiPath<String>,
) -> ApiResult<Envelope<TokenJson>> {
    Ok(answer(tokens::get(&state, &stack, &uid).await?))
}

/// `PUT /v3/stacks/delivery_tokens/{uid}`
pub async fn update_token(
    State(state): State<AppState>,
    StackAuth(stack): StackAuth,
    ApiPath(uid): ApiPath<String>,
    JsonBody(body): JsonBody<TokenBody<TokenFields>>,
) -> ApiResult<Envelope<TokenJson>> {
    let view = tokens::update(&state, &stack, &uid, body.fields()?.into()).await?;
    Ok(answer(view).with_notice("Delivery Token updated successfully."))
}

/// `DELETE /v3/stacks/delivery_tokens/{uid}`
pub async fn delete_token(
    State(state): State<AppState>,
    StackAuth(stack): StackAuth,
    ApiPath(uid): ApiPath<String>,
) -> ApiResult<Envelope<()>> {
    tokens::delete(&state, &stack, &uid).await?;
    Ok(envelope::notice("Delivery Token deleted successfully."))
}

/// `POST /v3/stacks/delivery_tokens/{uid}/preview_token`
pub async fn create_preview_token(
    State(state): State<AppState>,
    StackAuth(stack): StackAuth,
    ApiPath(uid): ApiPath<String>,
) -> ApiResult<(StatusCode, Envelope<TokenJson>)> {
    let view = tokens::set_preview(&state, &stack, &uid, true).await?;
    Ok((
        StatusCode::CREATED,
        answer(view).with_notice("Preview token created successfully."),
    ))
}

/// `DELETE /v3/stacks/delivery_tokens/{uid}/preview_token`
pub async fn delete_preview_token(
    State(state): State<AppState>,
    StackAuth(stack): StackAuth,
    ApiPath(uid): ApiPath<String>,
) -> ApiResult<Envelope<()>> {
    tokens::set_preview(&state, &stack, &uid, false).await?;
    Ok(envelope::notice("Preview token deleted successfully."))
}
