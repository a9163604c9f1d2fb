//! `/v3/stacks/delivery_tokens`: list, create, fetch, update, delete, preview tokens.

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::domain::tokens::{self, TokenRequest};
use crate::error::{ApiError, ApiResult};
use crate::routes::extract::{ApiPath, JsonBody, StackAuth};
use crate::routes::query::Params;
use crate::routes::settings_views::token_json;
use crate::state::AppState;

/// `{"token": {"name", "description"?, "scope": [...]}}`; the whole fetched object
/// sent back (as the JS SDK's update does) is fine too.
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
}

#[derive(Debug, Deserialize)]
struct ScopeItem {
    #[serde(default)]
    module: String,
    /// Names, or environment objects (matched by `name`, else `uid`).
    #[serde(default)]
    environments: Vec<Value>,
    #[serde(default)]
    branches: Option<Vec<String>>,
    #[serde(default)]
    branch_aliases: Option<Vec<String>>,
}

impl TokenBody {
    fn into_request(self) -> ApiResult<TokenRequest> {
        let fields = self.token.ok_or_else(|| {
            ApiError::invalid("Please provide the token details.", "token", "is required.")
        })?;
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
                "environment" => {
                    let names = item
                        .environments
                        .iter()
                        .filter_map(|e| match e {
                            Value::String(name) => Some(name.clone()),
                            Value::Object(env) => env
                                .get("name")
                                .or_else(|| env.get("uid"))
                                .and_then(Value::as_str)
                                .map(str::to_owned),
                            _ => None,
                        })
                        .collect();
                    request.environments = Some(names);
                }
                "branch" => request.branches = item.branches.or(Some(Vec::new())),
                "branch_alias" => request.branch_aliases = item.branch_aliases.or(Some(Vec::new())),
                _ => {}
            }
        }
        Ok(request)
    }
}

/// `GET /v3/stacks/delivery_tokens`
pub async fn list_tokens(
    State(state): State<AppState>,
    StackAuth(stack): StackAuth,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Value>> {
    let params = Params::from_query(query.as_deref());
    let views = tokens::list(&state, &stack).await?;
    let tokens: Vec<Value> = views.iter().map(token_json).collect();
    let mut body = json!({ "tokens": tokens });
    if params.flag("include_count") {
        body["count"] = views.len().into();
    }
    Ok(Json(body))
}

/// `POST /v3/stacks/delivery_tokens`
pub async fn create_token(
    State(state): State<AppState>,
    StackAuth(stack): StackAuth,
    RawQuery(query): RawQuery,
    JsonBody(body): JsonBody<TokenBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let params = Params::from_query(query.as_deref());
    let view = tokens::create(
        &state,
        &stack,
        body.into_request()?,
        params.flag("create_with_preview_token"),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(
            json!({ "notice": "Delivery Token created successfully.", "token": token_json(&view) }),
        ),
    ))
}

/// `GET /v3/stacks/delivery_tokens/{uid}`
pub async fn get_token(
    State(state): State<AppState>,
    StackAuth(stack): StackAuth,
    ApiPath(uid): ApiPath<String>,
) -> ApiResult<Json<Value>> {
    let view = tokens::get(&state, &stack, &uid).await?;
    Ok(Json(json!({ "token": token_json(&view) })))
}

/// `PUT /v3/stacks/delivery_tokens/{uid}`
pub async fn update_token(
    State(state): State<AppState>,
    StackAuth(stack): StackAuth,
    ApiPath(uid): ApiPath<String>,
    JsonBody(body): JsonBody<TokenBody>,
) -> ApiResult<Json<Value>> {
    let view = tokens::update(&state, &stack, &uid, body.into_request()?).await?;
    Ok(Json(
        json!({ "notice": "Delivery Token updated successfully.", "token": token_json(&view) }),
    ))
}

/// `DELETE /v3/stacks/delivery_tokens/{uid}`
pub async fn delete_token(
    State(state): State<AppState>,
    StackAuth(stack): StackAuth,
    ApiPath(uid): ApiPath<String>,
) -> ApiResult<Json<Value>> {
    tokens::delete(&state, &stack, &uid).await?;
    Ok(Json(
        json!({ "notice": "Delivery Token deleted successfully." }),
    ))
}

/// `POST /v3/stacks/delivery_tokens/{uid}/preview_token`
pub async fn create_preview_token(
    State(state): State<AppState>,
    StackAuth(stack): StackAuth,
    ApiPath(uid): ApiPath<String>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let view = tokens::set_preview(&state, &stack, &uid, true).await?;
    Ok((
        StatusCode::CREATED,
        Json(
            json!({ "notice": "Preview token created successfully.", "token": token_json(&view) }),
        ),
    ))
}

/// `DELETE /v3/stacks/delivery_tokens/{uid}/preview_token`
pub async fn delete_preview_token(
    State(state): State<AppState>,
    StackAuth(stack): StackAuth,
    ApiPath(uid): ApiPath<String>,
) -> ApiResult<Json<Value>> {
    tokens::set_preview(&state, &stack, &uid, false).await?;
    Ok(Json(
        json!({ "notice": "Preview token deleted successfully." }),
    ))
}
