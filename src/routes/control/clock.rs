//! `/_mock/stacks/{api_key}/clock`: read, advance, set, freeze, resume, reset.

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use chrono::TimeDelta;
use serde::{Deserialize, Serialize};

use crate::contentstack::lenient::{self, Sent};
use crate::contentstack::time::{StackClock, format_ts, parse_ts};
use crate::db::publishing::QueueRow;
use crate::domain::clock::{self, ClockChange, ClockOutcome};
use crate::domain::stacks::find;
use crate::error::{ApiError, ApiResult};
use crate::routes::control::purged::with_purged;
use crate::routes::extract::{ApiPath, OptionalJson};
use crate::state::AppState;

/// Longest advance accepted, in milliseconds (beyond it lies no representable time).
const MAX_ADVANCE_MS: f64 = 1e15;

/// A clock as `{"now", "offset_seconds", "frozen"}`.
#[derive(Debug, Clone, Serialize)]
pub struct ClockView {
    now: String,
    offset_seconds: f64,
    frozen: bool,
}

impl From<&StackClock> for ClockView {
    fn from(clock: &StackClock) -> Self {
        ClockView {
            now: format_ts(clock.now()),
            offset_seconds: clock::offset(clock).num_milliseconds() as f64 / 1000.0,
            frozen: clock.frozen_at.is_some(),
        }
    }
}

/// A scheduled publish applied while the clock moved.
#[derive(Debug, Serialize)]
pub struct AppliedView {
    uid: String,
    asset_uid: String,
    action: String,
    status: String,
}

impl From<QueueRow> for AppliedView {
    fn from(row: QueueRow) -> Self {
        AppliedView {
            uid: row.uid,
            asset_uid: row.asset_uid,
            action: row.action,
            status: row.status,
        }
    }
}

/// The clock after a change, with what a move forward applied; the items it purged
/// follow it (see `outcome_response`).
#[derive(Debug, Serialize)]
pub struct ClockOutcomeView {
    #[serde(flatten)]
    clock: ClockView,
    #[serde(skip_serializing_if = "Option::is_none")]
    published: Option<Vec<AppliedView>>,
}

/// `{"now", "offset_seconds", "frozen", "published"?, "purged"?}`: the purged items
/// last, streamed.
fn outcome_response(outcome: ClockOutcome) -> ApiResult<Response> {
    let view = ClockOutcomeView {
        clock: ClockView::from(&outcome.clock),
        published: outcome
            .published
            .map(|rows| rows.into_iter().map(AppliedView::from).collect()),
    };
    Ok(match outcome.purged {
        Some(purged) => {
            let head = serde_json::to_vec(&view).map_err(|e| ApiError::Internal(e.into()))?;
            with_purged(head, purged)
        }
        None => Json(view).into_response(),
    })
}

fn invalid(message: impl Into<String>, field: &str) -> ApiError {
    ApiError::invalid(message, field, "is not valid.")
}

/// `GET /_mock/stacks/{api_key}/clock`
pub async fn get_clock(
    State(state): State<AppState>,
    ApiPath(api_key): ApiPath<String>,
) -> ApiResult<Json<ClockView>> {
    let stack = find(&state, &api_key)?;
    Ok(Json(ClockView::from(&stack.clock())))
}

/// `{"seconds"|"minutes"|"hours"|"days": n}` (several add up).
#[derive(Debug, Default, Deserialize)]
pub struct AdvanceBody {
    #[serde(default, deserialize_with = "lenient::number")]
    seconds: Option<Sent<f64>>,
    #[serde(default, deserialize_with = "lenient::number")]
    minutes: Option<Sent<f64>>,
    #[serde(default, deserialize_with = "lenient::number")]
    hours: Option<Sent<f64>>,
    #[serde(default, deserialize_with = "lenient::number")]
    days: Option<Sent<f64>>,
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
            let n = match value {
                Sent::Valid(n) => Some(*n),
                Sent::Invalid => None,
            }
            .filter(|n| n.is_finite() && *n >= 0.0)
            .ok_or_else(|| invalid(format!("'{key}' must be a number of zero or more."), key))?;
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
) -> ApiResult<Response> {
    let change = ClockChange::Advance(body.delta()?);
    outcome_response(clock::change(&state, &api_key, change).await?)
}

/// `{"now": "<RFC 3339>"}`
#[derive(Debug, Default, Deserialize)]
pub struct SetBody {
    #[serde(default, deserialize_with = "lenient::text")]
    now: Option<String>,
}

/// `PUT /_mock/stacks/{api_key}/clock`: set the time (forward only).
pub async fn set_clock(
    State(state): State<AppState>,
    ApiPath(api_key): ApiPath<String>,
    OptionalJson(body): OptionalJson<SetBody>,
) -> ApiResult<Response> {
    let target = body
        .now
        .as_deref()
        .and_then(parse_ts)
        .ok_or_else(|| invalid("'now' must be an RFC 3339 timestamp.", "now"))?;
    let change = ClockChange::Set(target);
    outcome_response(clock::change(&state, &api_key, change).await?)
}

/// `POST /_mock/stacks/{api_key}/clock/freeze`
pub async fn freeze_clock(
    State(state): State<AppState>,
    ApiPath(api_key): ApiPath<String>,
) -> ApiResult<Response> {
    outcome_response(clock::change(&state, &api_key, ClockChange::Freeze).await?)
}

/// `POST /_mock/stacks/{api_key}/clock/resume`
pub async fn resume_clock(
    State(state): State<AppState>,
    ApiPath(api_key): ApiPath<String>,
) -> ApiResult<Response> {
    outcome_response(clock::change(&state, &api_key, ClockChange::Resume).await?)
}

/// `DELETE /_mock/stacks/{api_key}/clock`: back to real time.
pub async fn reset_clock(
    State(state): State<AppState>,
    ApiPath(api_key): ApiPath<String>,
) -> ApiResult<Response> {
    outcome_response(clock::change(&state, &api_key, ClockChange::Reset).await?)
}
