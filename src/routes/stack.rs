//! `/v3/stacks`: the stack itself (fetch, rename, describe) and its settings.

use axum::extract::State;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::contentstack::lenient;
use crate::db::stacks::StackRow;
use crate::domain::locales;
use crate::domain::stack_details::{self, DetailsRequest, Section, StackSettings};
use crate::error::{ApiError, ApiResult};
use crate::routes::envelope::Envelope;
use crate::routes::extract::{JsonBody, OptionalJson, StackAuth};
use crate::routes::query::Query;
use crate::state::AppState;

/// The organisation every stack of the mock belongs to.
pub const ORG_UID: &str = "blt0000000000000a01";

/// The stack as `GET /v3/stacks` shows it.
#[derive(Serialize)]
pub struct StackView {
    created_at: String,
    updated_at: String,
    uid: String,
    name: String,
    description: String,
    org_uid: &'static str,
    api_key: String,
    master_locale: String,
    is_asset_download_public: bool,
    owner_uid: String,
    user_uids: [String; 1],
    settings: SettingsSummary,
    #[serde(skip_serializing_if = "Option::is_none")]
    collaborators: Option<[Collaborator; 1]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stack_variables: Option<Section>,
    #[serde(skip_serializing_if = "Option::is_none")]
    discrete_variables: Option<Section>,
}

/// What `GET /v3/stacks` may add to the stack.
#[derive(Debug, Default, Deserialize)]
pub struct StackQuery {
    #[serde(default, deserialize_with = "lenient::query_flag")]
    include_collaborators: bool,
    #[serde(default, deserialize_with = "lenient::query_flag")]
    include_stack_variables: bool,
    #[serde(default, deserialize_with = "lenient::query_flag")]
    include_discrete_variables: bool,
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
struct Collaborator {
    uid: String,
    username: String,
    first_name: String,
    last_name: String,
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
pub fn stack_view(
    stack: &StackRow,
    master_locale: String,
    query: &StackQuery,
) -> ApiResult<StackView> {
    let StackSettings {
        stack_variables,
        discrete_variables,
        ..
    } = stack_details::settings(stack)?;
    let (first_name, last_name) = stack
        .user_name
        .split_once(' ')
        .unwrap_or((stack.user_name.as_str(), ""));
    Ok(StackView {
        created_at: stack.created_at.clone(),
        updated_at: stack
            .updated_at
            .clone()
            .unwrap_or_else(|| stack.created_at.clone()),
        uid: stack_uid(&stack.api_key),
        name: stack.name.clone(),
        description: stack.description.clone(),
        org_uid: ORG_UID,
        api_key: stack.api_key.clone(),
        master_locale,
        is_asset_download_public: true,
        owner_uid: stack.user_uid.clone(),
        user_uids: [stack.user_uid.clone()],
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
        collaborators: query.include_collaborators.then(|| {
            [Collaborator {
                uid: stack.user_uid.clone(),
                username: stack.user_name.clone(),
                first_name: first_name.to_owned(),
                last_name: last_name.to_owned(),
                is_owner: true,
            }]
        }),
        stack_variables: query.include_stack_variables.then_some(stack_variables),
        discrete_variables: query
            .include_discrete_variables
            .then_some(discrete_variables),
    })
}

/// `GET /v3/stacks`
pub async fn get_stack(
    State(state): State<AppState>,
    StackAuth(stack): StackAuth,
    Query(query): Query<StackQuery>,
) -> ApiResult<Envelope<StackView>> {
    let master = locales::master_of(&state, &stack).await?;
    Ok(Envelope::new("stack", stack_view(&stack, master, &query)?))
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
) -> ApiResult<Envelope<StackView>> {
    let fields = body.stack.ok_or_else(|| {
        ApiError::invalid("Please provide the stack details.", "stack", "is required.")
    })?;
    let request = DetailsRequest {
        name: fields.name,
        description: fields.description,
    };
    let row = stack_details::update(&state, &stack, request).await?;
    let master = locales::master_of(&state, &row).await?;
    let view = stack_view(&row, master, &StackQuery::default())?;
    Ok(Envelope::new("stack", view).with_notice("Stack updated successfully."))
}

/// `GET /v3/stacks/settings`: `{"stack_settings": {...}}`.
pub async fn get_settings(StackAuth(stack): StackAuth) -> ApiResult<Envelope<StackSettings>> {
    Ok(Envelope::new(
        "stack_settings",
        stack_details::settings(&stack)?,
    ))
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
) -> ApiResult<Envelope<StackSettings>> {
    let sections = body.stack_settings.ok_or_else(|| {
        ApiError::invalid(
            "Please provide the stack settings.",
            "stack_settings",
            "is required.",
        )
    })?;
    let row = stack_details::update_settings(&state, &stack, sections).await?;
    Ok(
        Envelope::new("stack_settings", stack_details::settings(&row)?)
            .with_notice("Stack settings updated successfully."),
    )
}
