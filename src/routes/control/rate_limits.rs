//! `/_mock/stacks/{api_key}/rate_limits`: turn a stack's rate limits on or off and set
//! its requests per second.

use axum::extract::State;
use serde::Deserialize;

use crate::domain::rate_limits::{MAX_PER_SECOND, Settings};
use crate::domain::stacks::find;
use crate::error::{ApiError, ApiResult};
use crate::routes::envelope::Envelope;
use crate::routes::extract::{ApiPath, JsonBody};
use crate::state::AppState;

/// `PUT .../rate_limits` `{"enabled", "read"?, "write"?, "bulk"?, "delivery"?}`, and the
/// object form of `"rate_limits"` in `POST /_mock/stacks`. A number left out is the
/// plan default.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimitsBody {
    #[serde(default = "enabled_by_default")]
    enabled: bool,
    read: Option<u32>,
    write: Option<u32>,
    bulk: Option<u32>,
    delivery: Option<u32>,
}

fn enabled_by_default() -> bool {
    true
}

impl RateLimitsBody {
    /// The settings it asks for, each number checked.
    pub fn settings(&self) -> ApiResult<Settings> {
        let defaults = Settings::default();
        let number = |given: Option<u32>, default: u32, field: &'static str| match given {
            None => Ok(default),
            Some(n) if (1..=MAX_PER_SECOND).contains(&n) => Ok(n),
            Some(_) => Err(ApiError::invalid(
                format!(
                    "'{field}' must be a number of requests per second from 1 to {MAX_PER_SECOND}."
                ),
                field,
                "is not valid.",
            )),
        };
        Ok(Settings {
            enabled: self.enabled,
            read: number(self.read, defaults.read, "read")?,
            write: number(self.write, defaults.write, "write")?,
            bulk: number(self.bulk, defaults.bulk, "bulk")?,
            delivery: number(self.delivery, defaults.delivery, "delivery")?,
        })
    }
}

/// `GET /_mock/stacks/{api_key}/rate_limits`
pub async fn get_rate_limits(
    State(state): State<AppState>,
    ApiPath(api_key): ApiPath<String>,
) -> ApiResult<Envelope<Settings>> {
    find(&state, &api_key)?;
    Ok(Envelope::new(
        "rate_limits",
        state.rate_limits.settings(&api_key),
    ))
}

/// `PUT /_mock/stacks/{api_key}/rate_limits`
pub async fn set_rate_limits(
    State(state): State<AppState>,
    ApiPath(api_key): ApiPath<String>,
    JsonBody(body): JsonBody<RateLimitsBody>,
) -> ApiResult<Envelope<Settings>> {
    find(&state, &api_key)?;
    let settings = body.settings()?;
    state.rate_limits.set(&api_key, settings);
    Ok(Envelope::new("rate_limits", settings))
}
