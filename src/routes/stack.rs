//! `/v3/stacks`: the stack itself (fetch, rename, describe) and its settings.

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::db::stacks::StackRow;
use crate::domain::stack_details::{self, DetailsRequest};
use crate::error::{ApiError, ApiResult};
use crate::routes::extract::{JsonBody, OptionalJson, StackAuth};
use crate::routes::query::Params;
use crate::state::AppState;

/// The organisation every stack of the mock belongs to.
pub const ORG_UID: &str = "blt0000000000000a01";

/// The stack as `GET /v3/stacks` shows it.
#[derive(Serialize)]
pub struct StackView<'a> {
    created_at: &'a str,
    updated_at: &'a str,
    uid: String,
    name: &'a str,
    description: &'a str,
    org_uid: &'static str,
    api_key: &'a str,
    master_locale: String,
    is_asset_download_public: bool,
    owner_uid: &'a str,
    user_uids: [&'a str; 1],
    settings: SettingsSummary,
    #[serde(skip_serializing_if = "Option::is_none")]
    collaborators: Option<[Collaborator<'a>; 1]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stack_variables: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    discrete_variables: Option<Value>,
}

/// The fixed part of a stack's `settings` (what the plan of a real stack turns on).
#[derive(Serialize)]
struct SettingsSummary {
    version: &'static str,
    rte_version: u8,
    #[serde(rename = "blockAuthQueryParams")]
    block_auth_query_params: bool,
    #[serde(rename = "allowedCDNTokens")]
    allowed_cdn_tokens: [&'static str; 1],
    branches: bool,
    #[serde(rename = "localesOptimization")]
    locales_optimization: bool,
    webhook_enabled: bool,
    language_fallback: bool,
}

/// The stack's user, with `include_collaborators=true`.
#[derive(Serialize)]
struct Collaborator<'a> {
    uid: &'a str,
    username: &'a str,
    first_name: &'a str,
    last_name: &'a str,
    is_owner: bool,
}

/// A stack's uid: stable, `blt` + 16 hex, and not its api key.
fn stack_uid(api_key: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(api_key.as_bytes());
    let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!("blt{hex}")
}

/// Renders a stack.
pub fn stack_view<'a>(
    stack: &'a StackRow,
    master_locale: String,
    params: &Params,
) -> StackView<'a> {
    let settings = stack_details::settings(stack);
    let (first_name, last_name) = stack
        .user_name
        .split_once(' ')
        .unwrap_or((stack.user_name.as_str(), ""));
    StackView {
        created_at: &stack.created_at,
        updated_at: stack.updated_at.as_deref().unwrap_or(&stack.created_at),
        uid: stack_uid(&stack.api_key),
        name: &stack.name,
        description: &stack.description,
        org_uid: ORG_UID,
        api_key: &stack.api_key,
        master_locale,
        is_asset_download_public: true,
        owner_uid: &stack.user_uid,
        user_uids: [&stack.user_uid],
        settings: SettingsSummary {
            version: "2019-04-30",
            rte_version: 3,
            block_auth_query_params: true,
            allowed_cdn_tokens: ["access_token"],
            branches: true,
            locales_optimization: false,
            webhook_enabled: true,
            language_fallback: false,
        },
        collaborators: params.flag("include_collaborators").then(|| {
            [Collaborator {
                uid: &stack.user_uid,
                username: &stack.user_name,
                first_name,
                last_name,
                is_owner: true,
            }]
        }),
        stack_variables: params
            .flag("include_stack_variables")
            .then(|| settings["stack_variables"].clone()),
        discrete_variables: params
            .flag("include_discrete_variables")
            .then(|| settings["discrete_variables"].clone()),
    }
}

/// `{"stack": ...}`
#[derive(Serialize)]
pub struct StackAnswer<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    notice: Option<&'static str>,
    stack: StackView<'a>,
}

async fn master_locale(state: &AppState, stack: &StackRow) -> ApiResult<String> {
    let mut conn = state
        .db
        .reader()
        .acquire()
        .await
        .map_err(crate::db::DbError::from)?;
    crate::domain::locales::master(&mut conn, &stack.api_key).await
}

/// `GET /v3/stacks`
pub async fn get_stack(
    State(state): State<AppState>,
    StackAuth(stack): StackAuth,
    RawQuery(query): RawQuery,
) -> ApiResult<Response> {
    let params = Params::from_query(query.as_deref());
    let master = master_locale(&state, &stack).await?;
    let answer = StackAnswer {
        notice: None,
        stack: stack_view(&stack, master, &params),
    };
    Ok(Json(answer).into_response())
}

/// `{"stack": {"name"?, "description"?}}`; the whole fetched object (as the JS SDK's
/// update sends it) is fine too.
#[derive(Debug, Deserialize)]
pub struct StackBody {
    stack: Option<StackFields>,
}

#[derive(Debug, Deserialize)]
struct StackFields {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    description: Option<String>,
}

/// `PUT /v3/stacks`
pub async fn update_stack(
    State(state): State<AppState>,
    StackAuth(stack): StackAuth,
    JsonBody(body): JsonBody<StackBody>,
) -> ApiResult<Response> {
    let fields = body.stack.ok_or_else(|| {
        ApiError::invalid("Please provide the stack details.", "stack", "is required.")
    })?;
    let request = DetailsRequest {
        name: fields.name,
        description: fields.description,
    };
    let row = stack_details::update(&state, &stack, request).await?;
    let master = master_locale(&state, &row).await?;
    let answer = StackAnswer {
        notice: Some("Stack updated successfully."),
        stack: stack_view(&row, master, &Params::default()),
    };
    Ok(Json(answer).into_response())
}

/// `{"notice"?, "stack_settings": {...}}`
#[derive(Serialize)]
struct SettingsAnswer {
    #[serde(skip_serializing_if = "Option::is_none")]
    notice: Option<&'static str>,
    stack_settings: Map<String, Value>,
}

/// `GET /v3/stacks/settings`
pub async fn get_settings(StackAuth(stack): StackAuth) -> Response {
    let answer = SettingsAnswer {
        notice: None,
        stack_settings: stack_details::settings(&stack),
    };
    Json(answer).into_response()
}

/// `{"stack_settings": {"stack_variables"?, "discrete_variables"?, "live_preview"?, "rte"?}}`
#[derive(Debug, Default, Deserialize)]
pub struct SettingsBody {
    #[serde(default)]
    stack_settings: Option<Map<String, Value>>,
}

/// `POST /v3/stacks/settings`: sets the sections given (the SDK's reset sends them empty).
pub async fn update_settings(
    State(state): State<AppState>,
    StackAuth(stack): StackAuth,
    OptionalJson(body): OptionalJson<SettingsBody>,
) -> ApiResult<Response> {
    let sections = body.stack_settings.ok_or_else(|| {
        ApiError::invalid(
            "Please provide the stack settings.",
            "stack_settings",
            "is required.",
        )
    })?;
    let row = stack_details::update_settings(&state, &stack, sections).await?;
    let answer = SettingsAnswer {
        notice: Some("Stack settings updated successfully."),
        stack_settings: stack_details::settings(&row),
    };
    Ok(Json(answer).into_response())
}
