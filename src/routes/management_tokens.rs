//! `/v3/stacks/management_tokens`: list, create, fetch, update, delete. The token's
//! value is shown once, in the answer that creates it.

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use crate::db::management_tokens::ManagementTokenRow;
use crate::domain::grants::ScopeItem;
use crate::domain::management_tokens::{self, TokenRequest, scope_of};
use crate::error::{ApiError, ApiResult};
use crate::routes::extract::{ApiPath, JsonBody, StackAuth};
use crate::routes::query::Params;
use crate::state::AppState;

/// A management token as the API shows it.
#[derive(Serialize)]
pub struct TokenView<'a> {
    name: &'a str,
    description: &'a str,
    scope: Value,
    expires_on: Option<&'a str>,
    is_email_notification_enabled: bool,
    uid: &'a str,
    created_by: &'a str,
    updated_by: &'a str,
    created_at: &'a str,
    updated_at: &'a str,
    /// The value: only when the token is made.
    #[serde(skip_serializing_if = "Option::is_none")]
    token: Option<&'a str>,
}

fn view(row: &ManagementTokenRow, with_value: bool) -> TokenView<'_> {
    TokenView {
        name: &row.name,
        description: &row.description,
        scope: scope_of(row),
        expires_on: row.expires_on.as_deref(),
        is_email_notification_enabled: row.is_email_notification_enabled,
        uid: &row.uid,
        created_by: &row.created_by,
        updated_by: &row.updated_by,
        created_at: &row.created_at,
        updated_at: &row.updated_at,
        token: with_value.then_some(row.token.as_str()),
    }
}

/// `{"notice"?, "token": ...}`
#[derive(Serialize)]
struct TokenAnswer<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    notice: Option<&'static str>,
    token: TokenView<'a>,
}

/// `{"tokens": [...], "count"?}`
#[derive(Serialize)]
struct TokenList<'a> {
    tokens: Vec<TokenView<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    count: Option<usize>,
}

/// `{"token": {"name", "description"?, "scope", "expires_on"?, "is_email_notification_enabled"?}}`;
/// the whole fetched object sent back (as the JS SDK's update does) is fine too.
#[derive(Debug, Deserialize)]
pub struct TokenBody {
    token: Option<TokenFields>,
}

#[derive(Debug, Deserialize)]
struct TokenFields {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    scope: Option<Vec<ScopeItem>>,
    #[serde(default, deserialize_with = "present")]
    expires_on: Option<Option<String>>,
    #[serde(default)]
    is_email_notification_enabled: Option<bool>,
}

/// A field that may be null: absent is `None`, null is `Some(None)`.
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Ok(Some(Option::<String>::deserialize(d)?))
}

impl TokenBody {
    fn into_request(self) -> ApiResult<TokenRequest> {
        let fields = self.token.ok_or_else(|| {
            ApiError::invalid("Please provide the token details.", "token", "is required.")
        })?;
        Ok(TokenRequest {
            name: fields.name,
            description: fields.description,
            scope: fields.scope,
            expires_on: fields.expires_on,
            is_email_notification_enabled: fields.is_email_notification_enabled,
        })
    }
}

/// `GET /v3/stacks/management_tokens`
pub async fn list_tokens(
    State(state): State<AppState>,
    StackAuth(stack): StackAuth,
    RawQuery(query): RawQuery,
) -> ApiResult<Response> {
    let params = Params::from_query(query.as_deref());
    let rows = management_tokens::list(&state, &stack).await?;
    let skip = usize::try_from(params.count("skip").unwrap_or(0)).unwrap_or(usize::MAX);
    let limit = match params.count("limit") {
        None | Some(0) => 100,
        Some(n) => usize::try_from(n).unwrap_or(usize::MAX).min(100),
    };
    let list = TokenList {
        tokens: rows
            .iter()
            .skip(skip)
            .take(limit)
            .map(|r| view(r, false))
            .collect(),
        count: params.flag("include_count").then_some(rows.len()),
    };
    Ok(Json(list).into_response())
}

/// `POST /v3/stacks/management_tokens`
pub async fn create_token(
    State(state): State<AppState>,
    StackAuth(stack): StackAuth,
    JsonBody(body): JsonBody<TokenBody>,
) -> ApiResult<Response> {
    let row = management_tokens::create(&state, &stack, body.into_request()?).await?;
    let answer = TokenAnswer {
        notice: Some("Management Token created successfully."),
        token: view(&row, true),
    };
    Ok((StatusCode::CREATED, Json(answer)).into_response())
}

/// `GET /v3/stacks/management_tokens/{uid}`
pub async fn get_token(
    State(state): State<AppState>,
    StackAuth(stack): StackAuth,
    ApiPath(uid): ApiPath<String>,
) -> ApiResult<Response> {
    let row = management_tokens::get(&state, &stack, &uid).await?;
    let answer = TokenAnswer {
        notice: None,
        token: view(&row, false),
    };
    Ok(Json(answer).into_response())
}

/// `PUT /v3/stacks/management_tokens/{uid}`
pub async fn update_token(
    State(state): State<AppState>,
    StackAuth(stack): StackAuth,
    ApiPath(uid): ApiPath<String>,
    JsonBody(body): JsonBody<TokenBody>,
) -> ApiResult<Response> {
    let row = management_tokens::update(&state, &stack, &uid, body.into_request()?).await?;
    let answer = TokenAnswer {
        notice: Some("Management Token updated successfully."),
        token: view(&row, false),
    };
    Ok(Json(answer).into_response())
}

/// `{"notice"}`
#[derive(Serialize)]
struct Notice {
    notice: &'static str,
}

/// `DELETE /v3/stacks/management_tokens/{uid}`
pub async fn delete_token(
    State(state): State<AppState>,
    StackAuth(stack): StackAuth,
    ApiPath(uid): ApiPath<String>,
) -> ApiResult<Response> {
    management_tokens::delete(&state, &stack, &uid).await?;
    Ok(Json(Notice {
        notice: "Management Token deleted successfully.",
    })
    .into_response())
}
