//! The mock-only API under `/_mock`: stacks, reset, trash, per-stack clocks and fault
//! injection (contract section 4). Not part of Contentstack.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;
use chrono::{TimeDelta, Utc};
use serde_json::{Map, Value, json};

use crate::clock::{StackClock, format_ts, latest, parse_ts};
use crate::db::stacks::{self as stack_db, StackRow};
use crate::db::trash as trash_db;
use crate::error::{ApiError, ApiResult, codes};
use crate::faults::Fault;
use crate::params::{Params, parse_bool};
use crate::purge::{self, Purged, Which};
use crate::routes::assets::render_options;
use crate::stacks::{DEFAULT_API_KEY, DEFAULT_MANAGEMENT_TOKEN, NewStack};
use crate::state::AppState;
use crate::trash;
use crate::upload::parse_json;
use crate::views;

/// Requires `Authorization: Bearer <admin token>` when `--admin-token` is set.
pub async fn require_admin(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    if let Some(expected) = &state.settings.admin_token {
        let given = request
            .headers()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim);
        if given != Some(expected.as_str()) {
            return Err(ApiError::AdminTokenRequired);
        }
    }
    Ok(next.run(request).await)
}

fn clock_json(clock: &StackClock) -> Value {
    json!({
        "now": format_ts(clock.now()),
        "offset_seconds": clock_offset(clock).num_milliseconds() as f64 / 1000.0,
        "frozen": clock.frozen_at.is_some(),
    })
}

/// How far the stack's clock is ahead of real time.
fn clock_offset(clock: &StackClock) -> TimeDelta {
    clock.now() - Utc::now()
}

fn stack_json(stack: &StackRow) -> Value {
    json!({
        "api_key": stack.api_key,
        "management_token": stack.management_token,
        "name": stack.name,
        "user_uid": stack.user_uid,
        "created_at": stack.created_at,
        "clock": clock_json(&stack.clock()),
    })
}

fn stack_not_found(api_key: &str) -> ApiError {
    ApiError::NotFound {
        message: format!("The stack {api_key} was not found."),
    }
}

fn find_stack(state: &AppState, api_key: &str) -> ApiResult<Arc<StackRow>> {
    state
        .stacks
        .get(api_key)
        .ok_or_else(|| stack_not_found(api_key))
}

/// An optional JSON object body (empty means `{}`).
fn object_body(body: &[u8]) -> ApiResult<Map<String, Value>> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match parse_json(body)? {
        Value::Object(map) => Ok(map),
        _ => Err(ApiError::malformed(
            "The request body must be a JSON object.",
        )),
    }
}

fn invalid(message: impl Into<String>, field: &str) -> ApiError {
    ApiError::unprocessable(codes::INVALID_FIELD, message, field, "is not valid.")
}

/// `GET /_mock/stacks`
pub async fn list_stacks(State(state): State<AppState>) -> Json<Value> {
    let stacks: Vec<Value> = state.stacks.all().iter().map(|s| stack_json(s)).collect();
    Json(json!({ "count": stacks.len(), "stacks": stacks }))
}

/// `POST /_mock/stacks`
pub async fn create_stack(
    State(state): State<AppState>,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let body = object_body(&body)?;
    let text = |key: &str| -> ApiResult<Option<String>> {
        match body.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if !s.trim().is_empty() => Ok(Some(s.trim().to_owned())),
            Some(_) => Err(invalid(format!("'{key}' must be a non-empty string."), key)),
        }
    };
    let new = NewStack {
        name: text("name")?,
        api_key: text("api_key")?,
        management_token: text("management_token")?,
    };
    // The api key names a folder on disk: keep it to safe characters.
    if let Some(key) = &new.api_key
        && (key.len() > 64
            || !key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'))
    {
        return Err(invalid(
            "'api_key' may only contain letters, digits, '_' and '-' (at most 64).",
            "api_key",
        ));
    }
    let _changes = state.stacks.changes.lock().await;
    let taken = |field: &str| ApiError::Conflict {
        code: codes::INVALID_FIELD,
        message: format!("A stack with this {field} already exists."),
        errors: crate::error::field_error(field, "is already taken."),
    };
    // The default stack's credentials stay reserved, so that it can always be re-created.
    if new.api_key.as_deref() == Some(DEFAULT_API_KEY)
        || new
            .api_key
            .as_ref()
            .is_some_and(|key| state.stacks.get(key).is_some())
    {
        return Err(taken("api_key"));
    }
    let stacks = state.stacks.all();
    if new.management_token.as_deref() == Some(DEFAULT_MANAGEMENT_TOKEN)
        || new
            .management_token
            .as_ref()
            .is_some_and(|token| stacks.iter().any(|s| &s.management_token == token))
    {
        return Err(taken("management_token"));
    }
    let stack = state.stacks.create(&state.db, new).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "stack": stack_json(&stack) })),
    ))
}

/// `DELETE /_mock/stacks/{api_key}`
pub async fn delete_stack(
    State(state): State<AppState>,
    Path(api_key): Path<String>,
) -> ApiResult<Json<Value>> {
    let _changes = state.stacks.changes.lock().await;
    let _purges = state.purge_lock.lock().await;
    if !stack_db::delete(&state.db.write, &api_key).await? {
        return Err(stack_not_found(&api_key));
    }
    state.stacks.forget(&api_key);
    state.faults.clear(&api_key);
    state
        .storage
        .remove_stack(&api_key)
        .await
        .map_err(|e| anyhow::Error::new(e).context("removing a stack's files"))?;
    Ok(Json(
        json!({ "notice": format!("Stack {api_key} deleted.") }),
    ))
}

/// `POST /_mock/reset`
pub async fn reset(State(state): State<AppState>) -> ApiResult<Json<Value>> {
    let _changes = state.stacks.changes.lock().await;
    let _purges = state.purge_lock.lock().await;
    let api_keys: Vec<String> = state
        .stacks
        .all()
        .iter()
        .map(|s| s.api_key.clone())
        .collect();
    stack_db::delete_all(&state.db.write).await?;
    state.stacks.clear();
    for api_key in &api_keys {
        state.faults.clear(api_key);
        state
            .storage
            .remove_stack(api_key)
            .await
            .map_err(|e| anyhow::Error::new(e).context("removing a stack's files"))?;
    }
    let stack = state.stacks.ensure_default(&state.db).await?;
    Ok(Json(
        json!({ "notice": "Everything was reset.", "stack": stack_json(&stack) }),
    ))
}

fn trash_item_json(item: &trash_db::TrashItemRow, now: &str) -> Value {
    let mut out = Map::new();
    out.insert("uid".into(), item.uid.clone().into());
    out.insert("type".into(), item.item_type.clone().into());
    if item.item_type == "folder" {
        out.insert("name".into(), item.name.clone().into());
    } else {
        out.insert("title".into(), item.title.clone().into());
        out.insert("filename".into(), item.filename.clone().into());
    }
    out.insert("parent_uid".into(), item.parent_uid.clone().into());
    out.insert("deleted_at".into(), item.deleted_at.clone().into());
    out.insert("deleted_by".into(), item.deleted_by.clone().into());
    out.insert("purge_at".into(), item.purge_at.clone().into());
    out.insert("restorable".into(), (now < item.purge_at.as_str()).into());
    if item.item_type == "folder" {
        out.insert("items".into(), item.inside.into());
    }
    Value::Object(out)
}

/// `GET /_mock/stacks/{api_key}/trash`
pub async fn list_trash(
    State(state): State<AppState>,
    Path(api_key): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Value>> {
    let stack = find_stack(&state, &api_key)?;
    let params = Params::from_query(query.as_deref());
    let item_type = match params.get("type") {
        None | Some("") => None,
        Some(t @ ("asset" | "folder")) => Some(t),
        Some(_) => return Err(invalid("'type' must be 'asset' or 'folder'.", "type")),
    };
    let skip = i64::try_from(params.count("skip").unwrap_or(0)).unwrap_or(i64::MAX);
    let limit = match params.count("limit") {
        None | Some(0) => 100,
        Some(n) => n.min(1000) as i64,
    };
    let (items, count) =
        trash_db::list_items(&state.db.read, &api_key, item_type, skip, limit).await?;
    let now = format_ts(stack.clock().now());
    let items: Vec<Value> = items
        .iter()
        .map(|item| trash_item_json(item, &now))
        .collect();
    Ok(Json(json!({ "items": items, "count": count })))
}

/// `POST /_mock/stacks/{api_key}/trash/{uid}/restore`
pub async fn restore(
    State(state): State<AppState>,
    Path((api_key, uid)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let stack = find_stack(&state, &api_key)?;
    let body = object_body(&body)?;
    let with_assets = match body.get("with_assets") {
        None | Some(Value::Null) => true,
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => parse_bool(s)
            .ok_or_else(|| invalid("'with_assets' must be true or false.", "with_assets"))?,
        Some(_) => {
            return Err(invalid(
                "'with_assets' must be true or false.",
                "with_assets",
            ));
        }
    };
    let outcome = trash::restore_item(&state, &stack, &uid, with_assets).await?;
    let notice = if outcome.is_folder {
        "Folder restored successfully."
    } else {
        "Asset restored successfully."
    };
    let asset = views::render(
        &outcome.row,
        &render_options(&state, &Params::default()),
        None,
    );
    Ok(Json(json!({ "notice": notice, "asset": asset })))
}

fn purged_json(purged: Vec<Purged>) -> Json<Value> {
    Json(json!({ "purged": purged }))
}

/// `DELETE /_mock/stacks/{api_key}/trash/{uid}`
pub async fn delete_trash_item(
    State(state): State<AppState>,
    Path((api_key, uid)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    find_stack(&state, &api_key)?;
    let purged = purge::purge_uids(&state, &api_key, std::slice::from_ref(&uid)).await?;
    if purged.is_empty() {
        return Err(ApiError::NotFound {
            message: format!("{uid} is not in the trash."),
        });
    }
    Ok(purged_json(purged))
}

/// `DELETE /_mock/stacks/{api_key}/trash`
pub async fn empty_trash(
    State(state): State<AppState>,
    Path(api_key): Path<String>,
) -> ApiResult<Json<Value>> {
    find_stack(&state, &api_key)?;
    Ok(purged_json(
        purge::purge_stack(&state, &api_key, Which::All).await?,
    ))
}

/// `POST /_mock/stacks/{api_key}/trash/purge`
pub async fn purge_due(
    State(state): State<AppState>,
    Path(api_key): Path<String>,
) -> ApiResult<Json<Value>> {
    find_stack(&state, &api_key)?;
    Ok(purged_json(
        purge::purge_stack(&state, &api_key, Which::Due).await?,
    ))
}

/// `GET /_mock/stacks/{api_key}/clock`
pub async fn get_clock(
    State(state): State<AppState>,
    Path(api_key): Path<String>,
) -> ApiResult<Json<Value>> {
    let stack = find_stack(&state, &api_key)?;
    Ok(Json(clock_json(&stack.clock())))
}

/// Applies a clock change to a stack (database first, then the cache).
async fn change_clock(
    state: &AppState,
    api_key: &str,
    change: impl FnOnce(StackClock) -> ApiResult<StackClock>,
) -> ApiResult<StackClock> {
    let _changes = state.stacks.changes.lock().await;
    let stack = find_stack(state, api_key)?;
    let clock = change(stack.clock())?;
    let mut row = (*stack).clone();
    row.set_clock(clock);
    stack_db::save_clock(&state.db.write, &row).await?;
    state.stacks.put(row);
    Ok(clock)
}

/// Moves a clock to `target` (frozen clocks stay frozen there).
fn moved_to(clock: StackClock, target: chrono::DateTime<Utc>) -> StackClock {
    match clock.frozen_at {
        Some(_) => StackClock {
            frozen_at: Some(target),
            ..clock
        },
        None => StackClock {
            offset_ms: (target - Utc::now()).num_milliseconds(),
            frozen_at: None,
        },
    }
}

/// After a clock moved forward: purge what fell due and answer with it.
async fn settle(state: &AppState, api_key: &str, clock: StackClock) -> ApiResult<Json<Value>> {
    let purged = purge::purge_stack(state, api_key, Which::Due).await?;
    let mut body = clock_json(&clock);
    body["purged"] = serde_json::to_value(purged).expect("purged items serialise");
    Ok(Json(body))
}

/// `POST /_mock/stacks/{api_key}/clock/advance`
pub async fn advance_clock(
    State(state): State<AppState>,
    Path(api_key): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let body = object_body(&body)?;
    let mut millis = 0f64;
    let mut given = false;
    for (key, unit) in [
        ("seconds", 1e3),
        ("minutes", 60e3),
        ("hours", 3_600e3),
        ("days", 86_400e3),
    ] {
        if let Some(value) = body.get(key) {
            let n = value
                .as_f64()
                .filter(|n| n.is_finite() && *n >= 0.0)
                .ok_or_else(|| {
                    invalid(format!("'{key}' must be a number of zero or more."), key)
                })?;
            millis += n * unit;
            given = true;
        }
    }
    if !given {
        return Err(invalid(
            "Give one of 'seconds', 'minutes', 'hours' or 'days'.",
            "seconds",
        ));
    }
    if millis > 1e15 {
        return Err(invalid("That is too far into the future.", "days"));
    }
    let delta = TimeDelta::milliseconds(millis.round() as i64);
    let clock = change_clock(&state, &api_key, |clock| {
        let target = clock
            .now()
            .checked_add_signed(delta)
            .filter(|t| *t <= latest());
        let target =
            target.ok_or_else(|| invalid("The clock cannot go past the year 9999.", "days"))?;
        Ok(moved_to(clock, target))
    })
    .await?;
    settle(&state, &api_key, clock).await
}

/// `PUT /_mock/stacks/{api_key}/clock`: set the time (forward only).
pub async fn set_clock(
    State(state): State<AppState>,
    Path(api_key): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let body = object_body(&body)?;
    let target = body
        .get("now")
        .and_then(Value::as_str)
        .and_then(parse_ts)
        .ok_or_else(|| invalid("'now' must be an RFC 3339 timestamp.", "now"))?;
    let clock = change_clock(&state, &api_key, |clock| {
        if target > latest() {
            return Err(invalid("The clock cannot go past the year 9999.", "now"));
        }
        if target < clock.now() {
            return Err(ApiError::unprocessable(
                codes::INVALID_FIELD,
                "The clock only moves forward; use DELETE on the clock to go back to real time.",
                "now",
                "is in the past of the stack's clock.",
            ));
        }
        Ok(moved_to(clock, target))
    })
    .await?;
    settle(&state, &api_key, clock).await
}

/// `POST /_mock/stacks/{api_key}/clock/freeze`
pub async fn freeze_clock(
    State(state): State<AppState>,
    Path(api_key): Path<String>,
) -> ApiResult<Json<Value>> {
    let clock = change_clock(&state, &api_key, |clock| {
        Ok(StackClock {
            frozen_at: Some(clock.now()),
            ..clock
        })
    })
    .await?;
    Ok(Json(clock_json(&clock)))
}

/// `POST /_mock/stacks/{api_key}/clock/resume`
pub async fn resume_clock(
    State(state): State<AppState>,
    Path(api_key): Path<String>,
) -> ApiResult<Json<Value>> {
    let clock = change_clock(&state, &api_key, |clock| {
        Ok(StackClock {
            offset_ms: clock_offset(&clock).num_milliseconds(),
            frozen_at: None,
        })
    })
    .await?;
    Ok(Json(clock_json(&clock)))
}

/// `DELETE /_mock/stacks/{api_key}/clock`: back to real time.
pub async fn reset_clock(
    State(state): State<AppState>,
    Path(api_key): Path<String>,
) -> ApiResult<Json<Value>> {
    let clock = change_clock(&state, &api_key, |_| Ok(StackClock::default())).await?;
    Ok(Json(clock_json(&clock)))
}

/// `POST /_mock/stacks/{api_key}/faults`
pub async fn add_fault(
    State(state): State<AppState>,
    Path(api_key): Path<String>,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<Value>)> {
    find_stack(&state, &api_key)?;
    let fault: Fault = serde_json::from_value(Value::Object(object_body(&body)?))
        .map_err(|e| invalid(format!("The fault is not valid: {e}."), "status"))?;
    if !(400..=599).contains(&fault.status) || fault.count == 0 {
        return Err(invalid(
            "'status' must be 400-599 and 'count' at least 1.",
            "status",
        ));
    }
    state.faults.add(&api_key, fault.clone());
    Ok((StatusCode::CREATED, Json(json!({ "fault": fault }))))
}

/// `GET /_mock/stacks/{api_key}/faults`
pub async fn list_faults(
    State(state): State<AppState>,
    Path(api_key): Path<String>,
) -> ApiResult<Json<Value>> {
    find_stack(&state, &api_key)?;
    Ok(Json(json!({ "faults": state.faults.list(&api_key) })))
}

/// `DELETE /_mock/stacks/{api_key}/faults`
pub async fn clear_faults(
    State(state): State<AppState>,
    Path(api_key): Path<String>,
) -> ApiResult<Json<Value>> {
    find_stack(&state, &api_key)?;
    state.faults.clear(&api_key);
    Ok(Json(json!({ "faults": [] })))
}
