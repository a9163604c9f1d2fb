//! Delivery tokens: read-only credentials of the Content Delivery API, each scoped to
//! some environments (given by name, kept by uid).

use crate::contentstack::ids;
use crate::contentstack::time::format_ts;
use crate::db::environments::EnvironmentRow;
use crate::db::stacks::StackRow;
use crate::db::tokens::DeliveryTokenRow;
use crate::db::{self, Conn, Json};
use crate::domain::environments;
use crate::domain::limits::{MAX_NAME_BYTES, check_len};
use crate::error::{ApiError, ApiResult, codes, field_error};
use crate::state::AppState;

/// `POST`/`PUT /v3/stacks/delivery_tokens`: `None` leaves it as it is.
#[derive(Debug, Clone, Default)]
pub struct TokenRequest {
    pub name: Option<String>,
    pub description: Option<String>,
    /// Environment names (or uids).
    pub environments: Option<Vec<String>>,
    pub branches: Option<Vec<String>>,
    pub branch_aliases: Option<Vec<String>>,
}

/// A token with the environments of its scope.
#[derive(Debug, Clone)]
pub struct TokenView {
    pub row: DeliveryTokenRow,
    pub environments: Vec<EnvironmentRow>,
}

fn not_found(uid: &str) -> ApiError {
    ApiError::Unprocessable {
        code: codes::NOT_FOUND,
        message: format!("The delivery token '{uid}' was not found."),
        errors: field_error("token_uid", "is not valid."),
    }
}

/// A delivery token's scope must name a branch or an alias of the stack, as on
/// Contentstack (`scope.branch_or_alias`).
fn check_branch_scope(request: &TokenRequest) -> ApiResult<()> {
    crate::domain::branches::check_scope(
        request.branches.iter().flatten(),
        request.branch_aliases.iter().flatten(),
        "Delivery Token",
    )
}

/// The environments named in a scope, as rows; unknown names are a 422.
async fn scope(conn: &mut Conn, api_key: &str, names: &[String]) -> ApiResult<Vec<EnvironmentRow>> {
    let mut found: Vec<EnvironmentRow> = Vec::new();
    for name in names {
        let environment = environments::find_on(conn, api_key, name)
            .await?
            .ok_or_else(|| ApiError::Unprocessable {
                code: codes::NOT_FOUND,
                message: format!("The environment '{name}' in the token's scope was not found."),
                errors: field_error("scope.environments", "is not valid."),
            })?;
        if !found.iter().any(|e| e.uid == environment.uid) {
            found.push(environment);
        }
    }
    Ok(found)
}

/// The uids of a scope's environments.
fn uids(environments: &[EnvironmentRow]) -> Vec<String> {
    environments.iter().map(|e| e.uid.clone()).collect()
}

/// The token's scope as rows (environments deleted meanwhile are gone from it).
async fn view(conn: &mut Conn, row: DeliveryTokenRow) -> ApiResult<TokenView> {
    let all = db::environments::list(conn, &row.stack_api_key).await?;
    let environments = all
        .into_iter()
        .filter(|e| row.environments.contains(&e.uid))
        .collect();
    Ok(TokenView { row, environments })
}

/// Every token of the stack, with its scope.
pub async fn list(state: &AppState, stack: &StackRow) -> ApiResult<Vec<TokenView>> {
    let mut conn = state.db.read_conn().await?;
    let mut views = Vec::new();
    for row in db::tokens::list(&mut *conn, &stack.api_key).await? {
        views.push(view(&mut conn, row).await?);
    }
    Ok(views)
}

/// One token of the stack.
pub async fn get(state: &AppState, stack: &StackRow, uid: &str) -> ApiResult<TokenView> {
    let mut conn = state.db.read_conn().await?;
    let row = db::tokens::get(&mut *conn, &stack.api_key, uid)
        .await?
        .ok_or_else(|| not_found(uid))?;
    view(&mut conn, row).await
}

/// Creates a token (and its preview token, when asked).
pub async fn create(
    state: &AppState,
    stack: &StackRow,
    request: TokenRequest,
    with_preview: bool,
) -> ApiResult<TokenView> {
    check_branch_scope(&request)?;
    let name = request
        .name
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| {
            ApiError::invalid("Please enter a name for the token.", "name", "is required.")
        })?;
    check_len("name", Some(&name), MAX_NAME_BYTES)?;
    let names = request.environments.unwrap_or_default();
    if names.is_empty() {
        return Err(ApiError::invalid(
            "A delivery token needs at least one environment in its scope.",
            "scope.environments",
            "is required.",
        ));
    }
    let now = format_ts(stack.clock().now());
    let mut tx = state.db.begin_write().await?;
    let environments = scope(&mut tx, &stack.api_key, &names).await?;
    let row = DeliveryTokenRow {
        uid: ids::asset_uid(),
        stack_api_key: stack.api_key.clone(),
        name,
        description: request.description.unwrap_or_default(),
        token: ids::delivery_token(),
        preview_token: with_preview.then(ids::delivery_token),
        environments: Json(uids(&environments)),
        branches: Json(request.branches.unwrap_or_default()),
        created_at: now.clone(),
        created_by: stack.user_uid.clone(),
        updated_at: now,
        updated_by: stack.user_uid.clone(),
    };
    db::tokens::upsert(&mut tx, &row).await?;
    db::commit(tx).await?;
    Ok(TokenView { row, environments })
}

/// Changes a token's name, description or scope (its value stays).
pub async fn update(
    state: &AppState,
    stack: &StackRow,
    uid: &str,
    request: TokenRequest,
) -> ApiResult<TokenView> {
    check_len("name", request.name.as_deref(), MAX_NAME_BYTES)?;
    if request.branches.is_some() || request.branch_aliases.is_some() {
        check_branch_scope(&request)?;
    }
    let now = format_ts(stack.clock().now());
    let mut tx = state.db.begin_write().await?;
    let mut row = db::tokens::get(&mut *tx, &stack.api_key, uid)
        .await?
        .ok_or_else(|| not_found(uid))?;
    if let Some(name) = request.name.filter(|n| !n.trim().is_empty()) {
        row.name = name;
    }
    if let Some(description) = request.description {
        row.description = description;
    }
    if let Some(names) = request.environments {
        let environments = scope(&mut tx, &stack.api_key, &names).await?;
        row.environments = Json(uids(&environments));
    }
    if let Some(branches) = request.branches {
        row.branches = Json(branches);
    }
    row.updated_at = now;
    row.updated_by = stack.user_uid.clone();
    db::tokens::upsert(&mut tx, &row).await?;
    let view = view(&mut tx, row).await?;
    db::commit(tx).await?;
    Ok(view)
}

/// Deletes a token.
pub async fn delete(state: &AppState, stack: &StackRow, uid: &str) -> ApiResult<()> {
    let mut tx = state.db.begin_write().await?;
    db::tokens::get(&mut *tx, &stack.api_key, uid)
        .await?
        .ok_or_else(|| not_found(uid))?;
    db::tokens::delete(&mut tx, &stack.api_key, uid).await?;
    db::commit(tx).await?;
    Ok(())
}

/// Gives a token a preview token (a new one each time), or takes it away.
pub async fn set_preview(
    state: &AppState,
    stack: &StackRow,
    uid: &str,
    on: bool,
) -> ApiResult<TokenView> {
    let mut tx = state.db.begin_write().await?;
    let mut row = db::tokens::get(&mut *tx, &stack.api_key, uid)
        .await?
        .ok_or_else(|| not_found(uid))?;
    if !on && row.preview_token.is_none() {
        return Err(ApiError::Unprocessable {
            code: codes::NOT_FOUND,
            message: format!("The delivery token '{uid}' has no preview token."),
            errors: field_error("preview_token", "is not valid."),
        });
    }
    row.preview_token = on.then(ids::delivery_token);
    row.updated_at = format_ts(stack.clock().now());
    db::tokens::upsert(&mut tx, &row).await?;
    let view = view(&mut tx, row).await?;
    db::commit(tx).await?;
    Ok(view)
}
