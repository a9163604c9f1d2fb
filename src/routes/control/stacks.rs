//! `/_mock/stacks` and `/_mock/reset`: isolated stacks for tests.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Deserializer};
use serde_json::{Value, json};

use crate::db::stacks::StackRow;
use crate::domain::rate_limits::Settings;
use crate::domain::registry::NewStack;
use crate::domain::stacks;
use crate::error::{ApiError, ApiResult};
use crate::routes::control::clock::clock_json;
use crate::routes::control::rate_limits::RateLimitsBody;
use crate::routes::extract::{ApiPath, OptionalJson};
use crate::state::AppState;

/// A stack with its credentials and clock, and how long its trash keeps an item.
pub fn stack_json(stack: &StackRow, retention: std::time::Duration) -> Value {
    json!({
        "api_key": stack.api_key,
        "management_token": stack.management_token,
        "name": stack.name,
        "user_uid": stack.user_uid,
        "user_name": stack.user_name,
        "created_at": stack.created_at,
        "clock": clock_json(&stack.clock()),
        "trash_retention_seconds": retention.as_secs(),
    })
}

/// `POST /_mock/stacks` `{"name"?, "api_key"?, "management_token"?}`
#[derive(Debug, Default, Deserialize)]
pub struct CreateStackBody {
    #[serde(default, deserialize_with = "text")]
    name: Option<Text>,
    #[serde(default, deserialize_with = "text")]
    api_key: Option<Text>,
    #[serde(default, deserialize_with = "text")]
    management_token: Option<Text>,
    /// The environments the stack starts with (default: `development`).
    #[serde(default)]
    environments: Option<Vec<String>>,
    /// Its master locale (default: `en-us`).
    #[serde(default, deserialize_with = "text")]
    master_locale: Option<Text>,
    /// The display name of the stack's user (default: `Local Developer`).
    #[serde(default, deserialize_with = "text")]
    user_name: Option<Text>,
    /// A `csdx cm:stacks:export` folder on the server's disk to load into the new stack.
    #[serde(default, deserialize_with = "text")]
    seed: Option<Text>,
    /// Rate limits from the start: `true` for the plan defaults, or their settings.
    #[serde(default)]
    rate_limits: Option<RateLimitsChoice>,
}

/// `"rate_limits"` at creation: on or off, or settings.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum RateLimitsChoice {
    On(bool),
    Settings(RateLimitsBody),
}

/// A text field as sent.
#[derive(Debug)]
enum Text {
    Given(String),
    Invalid,
}

/// A non-empty string (trimmed); null or absent is not given.
fn text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Text>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Null => None,
        Value::String(s) if !s.trim().is_empty() => Some(Text::Given(s.trim().to_owned())),
        _ => Some(Text::Invalid),
    })
}

fn given(value: Option<Text>, key: &str) -> ApiResult<Option<String>> {
    match value {
        None => Ok(None),
        Some(Text::Given(text)) => Ok(Some(text)),
        Some(Text::Invalid) => Err(ApiError::invalid(
            format!("'{key}' must be a non-empty string."),
            key,
            "is not valid.",
        )),
    }
}

/// `GET /_mock/stacks`
pub async fn list_stacks(State(state): State<AppState>) -> Json<Value> {
    let stacks: Vec<Value> = state
        .stacks
        .all()
        .iter()
        .map(|s| stack_json(s, state.settings.trash_retention))
        .collect();
    Json(json!({ "count": stacks.len(), "stacks": stacks }))
}

/// `POST /_mock/stacks`
pub async fn create_stack(
    State(state): State<AppState>,
    OptionalJson(body): OptionalJson<CreateStackBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let new = NewStack {
        name: given(body.name, "name")?,
        api_key: given(body.api_key, "api_key")?,
        management_token: given(body.management_token, "management_token")?,
        environments: body.environments,
        master_locale: given(body.master_locale, "master_locale")?,
        user_name: given(body.user_name, "user_name")?,
    };
    let seed = given(body.seed, "seed")?;
    let rate_limits = match &body.rate_limits {
        None | Some(RateLimitsChoice::On(false)) => None,
        Some(RateLimitsChoice::On(true)) => Some(Settings::plan_defaults()),
        Some(RateLimitsChoice::Settings(body)) => Some(body.settings()?),
    };
    let stack = match seed {
        Some(dir) => stacks::create_seeded(&state, new, &dir).await?,
        None => stacks::create(&state, new).await?,
    };
    if let Some(settings) = rate_limits {
        state.rate_limits.set(&stack.api_key, settings);
    }
    Ok((
        StatusCode::CREATED,
        Json(json!({ "stack": stack_json(&stack, state.settings.trash_retention) })),
    ))
}

/// `DELETE /_mock/stacks/{api_key}`
pub async fn delete_stack(
    State(state): State<AppState>,
    ApiPath(api_key): ApiPath<String>,
) -> ApiResult<Json<Value>> {
    stacks::delete(&state, &api_key).await?;
    Ok(Json(
        json!({ "notice": format!("Stack {api_key} deleted.") }),
    ))
}

/// `POST /_mock/stacks/{api_key}/reset`
pub async fn reset_stack(
    State(state): State<AppState>,
    ApiPath(api_key): ApiPath<String>,
) -> ApiResult<Json<Value>> {
    let stack = stacks::reset_one(&state, &api_key).await?;
    Ok(Json(
        json!({ "stack": stack_json(&stack, state.settings.trash_retention) }),
    ))
}

/// `POST /_mock/reset`
pub async fn reset(State(state): State<AppState>) -> ApiResult<Json<Value>> {
    let stack = stacks::reset(&state).await?;
    Ok(Json(
        json!({ "notice": "Everything was reset.", "stack": stack_json(&stack, state.settings.trash_retention) }),
    ))
}
