//! `/_mock/stacks` and `/_mock/reset`: isolated stacks for tests.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use crate::contentstack::lenient::{self, Sent};
use crate::db::stacks::StackRow;
use crate::domain::rate_limits::Settings;
use crate::domain::registry::NewStack;
use crate::domain::stacks;
use crate::error::{ApiError, ApiResult};
use crate::routes::control::clock::ClockView;
use crate::routes::control::rate_limits::RateLimitsBody;
use crate::routes::envelope::{self, Envelope};
use crate::routes::extract::{ApiPath, OptionalJson};
use crate::state::AppState;

/// A stack with its credentials and clock, and how long its trash keeps an item.
#[derive(Debug, Serialize)]
pub struct StackView {
    api_key: String,
    management_token: String,
    name: String,
    user_uid: String,
    user_name: String,
    created_at: String,
    clock: ClockView,
    trash_retention_seconds: u64,
}

impl StackView {
    /// The view of `stack`, whose trash keeps an item for `retention`.
    pub fn of(stack: &StackRow, retention: std::time::Duration) -> Self {
        StackView {
            api_key: stack.api_key.clone(),
            management_token: stack.management_token.clone(),
            name: stack.name.clone(),
            user_uid: stack.user_uid.clone(),
            user_name: stack.user_name.clone(),
            created_at: stack.created_at.clone(),
            clock: ClockView::from(&stack.clock()),
            trash_retention_seconds: retention.as_secs(),
        }
    }
}

/// `{"count": n, "stacks": [...]}` (the count first).
#[derive(Debug, Serialize)]
pub struct StackList {
    count: usize,
    stacks: Vec<StackView>,
}

/// `POST /_mock/stacks` `{"name"?, "api_key"?, "management_token"?}`
#[derive(Debug, Default, Deserialize)]
pub struct CreateStackBody {
    #[serde(default, deserialize_with = "lenient::non_empty_text")]
    name: Option<Sent<String>>,
    #[serde(default, deserialize_with = "lenient::non_empty_text")]
    api_key: Option<Sent<String>>,
    #[serde(default, deserialize_with = "lenient::non_empty_text")]
    management_token: Option<Sent<String>>,
    /// The environments the stack starts with (default: `development`).
    #[serde(default)]
    environments: Option<Vec<String>>,
    /// Its master locale (default: `en-us`).
    #[serde(default, deserialize_with = "lenient::non_empty_text")]
    master_locale: Option<Sent<String>>,
    /// The display name of the stack's user (default: `Local Developer`).
    #[serde(default, deserialize_with = "lenient::non_empty_text")]
    user_name: Option<Sent<String>>,
    /// A `csdx cm:stacks:export` folder on the server's disk to load into the new stack.
    #[serde(default, deserialize_with = "lenient::non_empty_text")]
    seed: Option<Sent<String>>,
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

fn given(value: Option<Sent<String>>, key: &str) -> ApiResult<Option<String>> {
    match value {
        None => Ok(None),
        Some(Sent::Valid(text)) => Ok(Some(text)),
        Some(Sent::Invalid) => Err(ApiError::invalid(
            format!("'{key}' must be a non-empty string."),
            key,
            "is not valid.",
        )),
    }
}

/// `GET /_mock/stacks`
pub async fn list_stacks(State(state): State<AppState>) -> Json<StackList> {
    let stacks: Vec<StackView> = state
        .stacks
        .all()
        .iter()
        .map(|s| StackView::of(s, state.settings.trash_retention))
        .collect();
    Json(StackList {
        count: stacks.len(),
        stacks,
    })
}

/// `POST /_mock/stacks`
pub async fn create_stack(
    State(state): State<AppState>,
    OptionalJson(body): OptionalJson<CreateStackBody>,
) -> ApiResult<(StatusCode, Envelope<StackView>)> {
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
        Envelope::new(
            "stack",
            StackView::of(&stack, state.settings.trash_retention),
        ),
    ))
}

/// `DELETE /_mock/stacks/{api_key}`
pub async fn delete_stack(
    State(state): State<AppState>,
    ApiPath(api_key): ApiPath<String>,
) -> ApiResult<Envelope<()>> {
    stacks::delete(&state, &api_key).await?;
    Ok(envelope::notice(format!("Stack {api_key} deleted.")))
}

/// `POST /_mock/stacks/{api_key}/reset`
pub async fn reset_stack(
    State(state): State<AppState>,
    ApiPath(api_key): ApiPath<String>,
) -> ApiResult<Envelope<StackView>> {
    let stack = stacks::reset_one(&state, &api_key).await?;
    Ok(Envelope::new(
        "stack",
        StackView::of(&stack, state.settings.trash_retention),
    ))
}

/// `POST /_mock/reset`
pub async fn reset(State(state): State<AppState>) -> ApiResult<Envelope<StackView>> {
    let stack = stacks::reset(&state).await?;
    Ok(Envelope::new(
        "stack",
        StackView::of(&stack, state.settings.trash_retention),
    )
    .with_notice("Everything was reset."))
}
