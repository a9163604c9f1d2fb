//! Management tokens made through the API (`/v3/stacks/management_tokens`): each one
//! opens its own stack only, within its scope (the `asset` module's read and write are
//! honoured on the asset calls), on the branches it names, until it expires on the
//! stack's clock. The stack's own token (from `/_mock/stacks`) is not one of these and
//! opens everything.

use crate::contentstack::ids;
use crate::contentstack::time::format_ts;
use crate::db;
use crate::db::Json;
use crate::db::management_tokens::ManagementTokenRow;
use crate::db::stacks::StackRow;
use crate::domain::branches;
use crate::domain::grants::{Grant, ScopeItem, parse_expiry};
use crate::domain::limits::{MAX_DESCRIPTION_BYTES, MAX_NAME_BYTES, check_len};
use crate::error::{ApiError, ApiResult, codes, field_error};
use crate::state::AppState;

/// Valid management tokens a stack may have: making one more expires the oldest, as
/// on Contentstack.
pub const MAX_TOKENS_PER_STACK: usize = 10;
/// Most scope items in one token.
const MAX_SCOPE_ITEMS: usize = 50;

/// `POST`/`PUT /v3/stacks/management_tokens`: `None` leaves it as it is.
#[derive(Debug, Clone, Default)]
pub struct TokenRequest {
    pub name: Option<String>,
    pub description: Option<String>,
    pub scope: Option<Vec<ScopeItem>>,
    /// `Some(None)`: never expires.
    pub expires_on: Option<Option<String>>,
    pub is_email_notification_enabled: Option<bool>,
}

fn not_found(uid: &str) -> ApiError {
    ApiError::Unprocessable {
        code: codes::NOT_FOUND,
        message: format!("The management token '{uid}' was not found."),
        errors: field_error("token_uid", "is not valid."),
    }
}

/// Checks a scope: a `branch` (or `branch_alias`) item naming branches of the stack is
/// required, as on Contentstack.
fn check_scope(scope: &[ScopeItem]) -> ApiResult<()> {
    if scope.len() > MAX_SCOPE_ITEMS {
        return Err(ApiError::invalid(
            format!("A token's scope has at most {MAX_SCOPE_ITEMS} items."),
            "scope",
            "is too long.",
        ));
    }
    branches::check_scope(
        scope
            .iter()
            .filter(|i| i.module == "branch")
            .flat_map(|i| i.branches.iter().flatten()),
        scope
            .iter()
            .filter(|i| i.module == "branch_alias")
            .flat_map(|i| i.branch_aliases.iter().flatten()),
        "Management Token",
    )
}

/// Checks an expiry: readable and in the future of the stack's clock.
fn check_expiry(stack: &StackRow, expires_on: Option<&str>) -> ApiResult<()> {
    let Some(text) = expires_on else {
        return Ok(());
    };
    let at = parse_expiry(text).ok_or_else(|| {
        ApiError::invalid(
            format!("'{text}' is not a date: use ISO 8601 (2030-12-31 or 2030-12-31T00:00:00Z)."),
            "expires_on",
            "is not valid.",
        )
    })?;
    if at <= stack.clock().now() {
        return Err(ApiError::invalid(
            "The expiry date must be in the future.",
            "expires_on",
            "is not valid.",
        ));
    }
    Ok(())
}

/// Every token of the stack, oldest first.
pub async fn list(state: &AppState, stack: &StackRow) -> ApiResult<Vec<ManagementTokenRow>> {
    Ok(db::management_tokens::list(state.db.reader(), &stack.api_key).await?)
}

/// One token of the stack.
pub async fn get(state: &AppState, stack: &StackRow, uid: &str) -> ApiResult<ManagementTokenRow> {
    db::management_tokens::get(state.db.reader(), &stack.api_key, uid)
        .await?
        .ok_or_else(|| not_found(uid))
}

/// Makes a token; when the stack already has its maximum of valid ones, the oldest
/// stops working (it is deleted).
pub async fn create(
    state: &AppState,
    stack: &StackRow,
    request: TokenRequest,
) -> ApiResult<ManagementTokenRow> {
    let name = request
        .name
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| {
            ApiError::invalid("Please enter a name for the token.", "name", "is required.")
        })?;
    check_len("name", Some(&name), MAX_NAME_BYTES)?;
    check_len(
        "description",
        request.description.as_deref(),
        MAX_DESCRIPTION_BYTES,
    )?;
    let scope = request.scope.unwrap_or_default();
    check_scope(&scope)?;
    let expires_on = request.expires_on.flatten();
    check_expiry(stack, expires_on.as_deref())?;
    let now = stack.clock().now();
    let row = ManagementTokenRow {
        uid: ids::asset_uid(),
        stack_api_key: stack.api_key.clone(),
        name,
        description: request.description.unwrap_or_default(),
        token: ids::management_token(),
        scope: Json(scope),
        expires_on,
        is_email_notification_enabled: request.is_email_notification_enabled.unwrap_or(false),
        created_at: format_ts(now),
        created_by: stack.user_uid.clone(),
        updated_at: format_ts(now),
        updated_by: stack.user_uid.clone(),
    };
    let mut tx = state.db.begin_write().await?;
    let valid: Vec<ManagementTokenRow> = db::management_tokens::list(&mut *tx, &stack.api_key)
        .await?
        .into_iter()
        .filter(|t| !Grant::of(t).expired(now))
        .collect();
    let retired: Vec<&ManagementTokenRow> = valid
        .iter()
        .take((valid.len() + 1).saturating_sub(MAX_TOKENS_PER_STACK))
        .collect();
    for old in &retired {
        db::management_tokens::delete(&mut tx, &stack.api_key, &old.uid).await?;
    }
    db::management_tokens::upsert(&mut tx, &row).await?;
    db::commit(tx).await?;
    for old in retired {
        state.stacks.revoke(&old.token);
    }
    state.stacks.grant(&row);
    Ok(row)
}

/// Changes a token's name, description, scope or expiry (its value stays).
pub async fn update(
    state: &AppState,
    stack: &StackRow,
    uid: &str,
    request: TokenRequest,
) -> ApiResult<ManagementTokenRow> {
    check_len("name", request.name.as_deref(), MAX_NAME_BYTES)?;
    check_len(
        "description",
        request.description.as_deref(),
        MAX_DESCRIPTION_BYTES,
    )?;
    if let Some(scope) = &request.scope {
        check_scope(scope)?;
    }
    if let Some(expires_on) = &request.expires_on {
        check_expiry(stack, expires_on.as_deref())?;
    }
    let mut tx = state.db.begin_write().await?;
    let mut row = db::management_tokens::get(&mut *tx, &stack.api_key, uid)
        .await?
        .ok_or_else(|| not_found(uid))?;
    if let Some(name) = request.name.filter(|n| !n.trim().is_empty()) {
        row.name = name;
    }
    if let Some(description) = request.description {
        row.description = description;
    }
    if let Some(scope) = request.scope {
        row.scope = Json(scope);
    }
    if let Some(expires_on) = request.expires_on {
        row.expires_on = expires_on;
    }
    if let Some(notify) = request.is_email_notification_enabled {
        row.is_email_notification_enabled = notify;
    }
    row.updated_at = format_ts(stack.clock().now());
    row.updated_by = stack.user_uid.clone();
    db::management_tokens::upsert(&mut tx, &row).await?;
    db::commit(tx).await?;
    state.stacks.grant(&row);
    Ok(row)
}

/// Deletes a token: it stops working at once.
pub async fn delete(state: &AppState, stack: &StackRow, uid: &str) -> ApiResult<()> {
    let mut tx = state.db.begin_write().await?;
    let row = db::management_tokens::get(&mut *tx, &stack.api_key, uid)
        .await?
        .ok_or_else(|| not_found(uid))?;
    db::management_tokens::delete(&mut tx, &stack.api_key, uid).await?;
    db::commit(tx).await?;
    state.stacks.revoke(&row.token);
    Ok(())
}
