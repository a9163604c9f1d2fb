//! `/_mock/stacks/{api_key}/clock`: read, advance, set, freeze, resume, reset.

use axum::Json;
use axum::extract::State;
use chrono::TimeDelta;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::contentstack::time::{StackClock, format_ts, parse_ts};
use crate::domain::clock::{self, ClockChange, ClockOutcome};
use crate::domain::stacks::find;
use crate::error::{ApiError, ApiResult};
use crate::routes::extract::{ApiPath, OptionalJson};
use crate::state::AppState;

/// Longest advance accepted, in milliseconds (beyond it lies no representable time).
const MAX_ADVANCE_MS: f64 = 1e15;

/// A clock as `{"now", "offset_seconds", "frozen"}`.
pub fn clock_json(clock: &StackClock) -> Value {
    json!({
        "now": format_ts(clock.now()),
        "offset_seconds": clock::offset(clock).num_milliseconds() as f64 / 1000.0,
        "frozen": clock.frozen_at.is_some(),
    })
}

fn outcome_json(outcome: ClockOutcome) -> Json<Value> {
    let mut body = clock_json(&outcome.clock);
    if let Some(published) = outcome.published {
        body["published"] = published
            .iter()
            .map(|item| {
                json!({
                    "uid": item.uid,
                    "asset_uid": item.asset_uid,
                    "action": item.action,
                    "status": item.status,
                })
            })
            .collect();
    }
    if let Some(purged) = outcome.purged {
        body["purged"] = serde_json::to_value(purged).expect("purged items serialise");
    }
    Json(body)
}

fn invalid(message: impl Into<String>, field: &str) -> ApiError {
    ApiError::invalid(message, field, "is not valid.")
}

/// `GET /_mock/stacks/{api_key}/clock`
pub async fn get_clock(
    State(state): State<AppState>,
    ApiPath(api_key): ApiPath<String>,
) -> ApiResult<Json<Value>> {
    let stack = find(&state, &api_key)?;
    Ok(Json(clock_json(&stack.clock())))
}

/// `{"seconds"|"minutes"|"hours"|"days": n}` (several add up).
#[derive(Debug, Default, Deserialize)]
pub struct AdvanceBody {
    seconds: Option<Value>,
    minutes: Option<Value>,
    hours: Option<Value>,
    days: Option<Value>,
}

impl AdvanceBody {
    /// The total advance.
    fn delta(&self) -> ApiResult<TimeDelta> {
        let mut millis = 0f64;
        let mut given = false;
        for (key, value, unit) in [
            ("seconds", &self.seconds, 1e3),
            ("minutes", &self.minutes, 60e3),
            ("hours", &self.hours, 3_600e3),
            ("days", &self.days, 86_400e3),
        ] {
            let Some(value) = value else { continue };
            let n = value
                .as_f64()
                .filter(|n| n.is_finite() && *n >= 0.0)
                .ok_or_else(|| {
                    invalid(format!("'{key}' must be a number of zero or more."), key)
                })?;
            millis += n * unit;
            given = true;
        }
        if !given {
            return Err(invalid(
                "Give one of 'seconds', 'minutes', 'hours' or 'days'.",
                "seconds",
            ));
        }
        if millis > MAX_ADVANCE_MS {
            return Err(invalid("That is too far into the future.", "days"));
        }
        Ok(TimeDelta::milliseconds(millis.round() as i64))
    }
}

/// `POST /_mock/stacks/{api_key}/clock/advance`
pub async fn advance_clock(
    State(state): State<AppState>,
    ApiPath(api_key): ApiPath<String>,
    OptionalJson(body): OptionalJson<AdvanceBody>,
) -> ApiResult<Json<Value>> {
    let change = ClockChange::Advance(body.delta()?);
    Ok(outcome_json(clock::change(&state, &api_key, change).await?))
}

/// `{"now": "<RFC 3339>"}`
#[derive(Debug, Default, Deserialize)]
pub struct SetBody {
    now: Option<Value>,
}

/// `PUT /_mock/stacks/{api_key}/clock`: set the time (forward only).
pub async fn set_clock(
    State(state): State<AppState>,
    ApiPath(api_key): ApiPath<String>,
    OptionalJson(body): OptionalJson<SetBody>,
) -> ApiResult<Json<Value>> {
    let target = body
        .now
        .as_ref()
        .and_then(Value::as_str)
        .and_then(parse_ts)
        .ok_or_else(|| invalid("'now' must be an RFC 3339 timestamp.", "now"))?;
    let change = ClockChange::Set(target);
    Ok(outcome_json(clock::change(&state, &api_key, change).await?))
}

/// `POST /_mock/stacks/{api_key}/clock/freeze`
pub async fn freeze_clock(
    State(state): State<AppState>,
    ApiPath(api_key): ApiPath<String>,
) -> ApiResult<Json<Value>> {
    Ok(outcome_json(
        clock::change(&state, &api_key, ClockChange::Freeze).await?,
    ))
}

/// `POST /_mock/stacks/{api_key}/clock/resume`
pub async fn resume_clock(
    State(state): State<AppState>,
    ApiPath(api_key): ApiPath<String>,
) -> ApiResult<Json<Value>> {
    Ok(outcome_json(
        clock::change(&state, &api_key, ClockChange::Resume).await?,
    ))
}

/// `DELETE /_mock/stacks/{api_key}/clock`: back to real time.
pub async fn reset_clock(
    State(state): State<AppState>,
    ApiPath(api_key): ApiPath<String>,
) -> ApiResult<Json<Value>> {
    Ok(outcome_json(
        clock::change(&state, &api_key, ClockChange::Reset).await?,
    ))
}
