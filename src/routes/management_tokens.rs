//! `/v3/stacks/management_tokens`: list, create, fetch, update, delete. The token's
//! value is shown once, in the answer that creates it.

use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use crate::contentstack::lenient;
use crate::contentstack::page::{MANAGEMENT, Page};
use crate::db::management_tokens::ManagementTokenRow;
use crate::domain::grants::ScopeItem;
use crate::domain::management_tokens::{self, TokenRequest};
use crate::error::ApiResult;
use crate::routes::envelope::{self, Envelope, Listing};
use crate::routes::extract::{ApiPath, JsonBody, StackAuth};
use crate::routes::query::Query;
use crate::routes::tokens::TokenBody;
use crate::state::AppState;

/// A management token as the API shows it.
#[derive(Serialize)]
pub struct TokenView {
    name: String,
    description: String,
    scope: Vec<ScopeItem>,
    expires_on: Option<String>,
    is_email_notification_enabled: bool,
    uid: String,
    created_by: String,
    updated_by: String,
    created_at: String,
    updated_at: String,
    /// The value: only when the token is made.
    #[serde(skip_serializing_if = "Option::is_none")]
    token: Option<String>,
}

fn view(row: ManagementTokenRow, with_value: bool) -> TokenView {
    TokenView {
        name: row.name,
        description: row.description,
        scope: row.scope.0,
        expires_on: row.expires_on,
        is_email_notification_enabled: row.is_email_notification_enabled,
        uid: row.uid,
        created_by: row.created_by,
        updated_by: row.updated_by,
        created_at: row.created_at,
        updated_at: row.updated_at,
        token: with_value.then_some(row.token),
    }
}

/// `{"notice"?, "token": ...}`
fn answer(row: ManagementTokenRow, with_value: bool) -> Envelope<TokenView> {
    Envelope::new("token", view(row, with_value))
}

/// A management token's `{"name", "description"?, "scope", "expires_on"?,
/// "is_email_notification_enabled"?}`.
#[derive(Debug, Deserialize)]
pub struct TokenFields {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    scope: Option<Vec<ScopeItem>>,
    #[serde(default, deserialize_with = "lenient::nullable")]
    expires_on: Option<Option<String>>,
    #[serde(default)]
    is_email_notification_enabled: Option<bool>,
}

impl From<TokenFields> for TokenRequest {
    fn from(fields: TokenFields) -> Self {
        TokenRequest {
            name: fields.name,
            description: fields.description,
            scope: fields.scope,
            expires_on: fields.expires_on,
            is_email_notification_enabled: fields.is_email_notification_enabled,
        }
    }
}

/// `GET /v3/stacks/management_tokens`
pub async fn list_tokens(
    State(state): State<AppState>,
    StackAuth(stack): StackAuth,
    Query(page): Query<Page>,
) -> ApiResult<Listing<TokenView>> {
    let rows = management_tokens::list(&state, &stack).await?;
    let count = rows.len() as u64;
    let tokens = page
        .of(rows, MANAGEMENT)
        .into_iter()
        .map(|row| view(row, false))
        .collect();
    Ok(Listing::new("tokens", tokens).with_count(page.include_count.then_some(count)))
}

/// `POST /v3/stacks/management_tokens`
pub async fn create_token(
    State(state): State<AppState>,
    StackAuth(stack): StackAuth,
    JsonBody(body): JsonBody<TokenBody<TokenFields>>,
) -> ApiResult<(StatusCode, Envelope<TokenView>)> {
    let row = management_tokens::create(&state, &stack, body.fields()?.into()).await?;
    Ok((
        StatusCode::CREATED,
        answer(row, true).with_notice("Management Token created successfully."),
    ))
}

/// `GET /v3/stacks/management_tokens/{uid}`
pub async fn get_token(
    State(state): State<AppState>,
    StackAuth(stack): StackAuth,
    ApiPath(uid): ApiPath<String>,
) -> ApiResult<Envelope<TokenView>> {
    let row = management_tokens::get(&state, &stack, &uid).await?;
    Ok(answer(row, false))
}

/// `PUT /v3/stacks/management_tokens/{uid}`
pub async fn update_token(
    State(state): State<AppState>,
    StackAuth(stack): StackAuth,
    ApiPath(uid): ApiPath<String>,
    JsonBody(body): JsonBody<TokenBody<TokenFields>>,
) -> ApiResult<Envelope<TokenView>> {
    let row = management_tokens::update(&state, &stack, &uid, body.fields()?.into()).await?;
    Ok(answer(row, false).with_notice("Management Token updated successfully."))
}

/// `DELETE /v3/stacks/management_tokens/{uid}`
pub async fn delete_token(
    State(state): State<AppState>,
    StackAuth(stack): StackAuth,
    ApiPath(uid): ApiPath<String>,
) -> ApiResult<Envelope<()>> {
    management_tokens::delete(&state, &stack, &uid).await?;
    Ok(envelope::notice("Management Token deleted successfully."))
}
