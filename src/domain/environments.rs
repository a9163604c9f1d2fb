//! Environments: where assets are published to. Addressed by name (unique in a stack)
//! in paths, publish bodies, token scopes and delivery requests; by uid elsewhere.

use crate::contentstack::ids;
use crate::contentstack::time::format_ts;
use crate::db::environments::EnvironmentRow;
pub use crate::db::environments::EnvironmentUrl;
use crate::db::stacks::StackRow;
use crate::db::{self, Conn, Json};
use crate::domain::limits::MAX_NAME_BYTES;
use crate::error::{ApiError, ApiResult, codes, field_error};
use crate::state::AppState;

/// Characters an environment name may not hold (besides white space and capitals).
const FORBIDDEN: &str = "#%^+\\/?*:|\"'<>`{}=,";

/// `POST /v3/environments`, `PUT /v3/environments/{name}`: `None` leaves it as it is.
#[derive(Debug, Clone, Default)]
pub struct EnvironmentRequest {
    pub name: Option<String>,
    pub urls: Option<Vec<EnvironmentUrl>>,
}

/// Checks an environment name against Contentstack's rules.
pub fn check_name(name: &str) -> ApiResult<()> {
    let invalid = |why: &str| {
        ApiError::invalid(
            format!("The environment name '{name}' is not valid: {why}."),
            "name",
            "is not valid.",
        )
    };
    if name.is_empty() {
        return Err(ApiError::invalid(
            "Please enter a name for the environment.",
            "name",
            "is required.",
        ));
    }
    if name.len() > MAX_NAME_BYTES {
        return Err(invalid(&format!(
            "it is longer than {MAX_NAME_BYTES} characters"
        )));
    }
    if name.chars().any(char::is_uppercase) {
        return Err(invalid("capital letters are not allowed"));
    }
    if name.chars().any(char::is_whitespace) {
        return Err(invalid("spaces are not allowed"));
    }
    if let Some(c) = name.chars().find(|c| FORBIDDEN.contains(*c)) {
        return Err(invalid(&format!("the character '{c}' is not allowed")));
    }
    Ok(())
}

/// The 422 for an environment that does not exist.
pub fn not_found(name: &str) -> ApiError {
    ApiError::Unprocessable {
        code: codes::NOT_FOUND,
        message: format!("The environment '{name}' was not found."),
        errors: field_error("name", "is not valid."),
    }
}

fn taken(name: &str) -> ApiError {
    ApiError::Unprocessable {
        code: codes::INVALID_FIELD,
        message: format!("An environment named '{name}' already exists."),
        errors: field_error("name", "is not unique."),
    }
}

/// Every environment of the stack, oldest first.
pub async fn list(state: &AppState, stack: &StackRow) -> ApiResult<Vec<EnvironmentRow>> {
    Ok(db::environments::list(state.db.reader(), &stack.api_key).await?)
}

/// The environment with this name.
pub async fn get(state: &AppState, stack: &StackRow, name: &str) -> ApiResult<EnvironmentRow> {
    db::environments::by_name(state.db.reader(), &stack.api_key, name)
        .await?
        .ok_or_else(|| not_found(name))
}

/// The environment with this name or uid, on a transaction (publishing, token scopes).
pub async fn find_on(
    conn: &mut Conn,
    api_key: &str,
    name_or_uid: &str,
) -> ApiResult<Option<EnvironmentRow>> {
    let all = db::environments::list(conn, api_key).await?;
    Ok(all
        .into_iter()
        .find(|e| e.name == name_or_uid || e.uid == name_or_uid))
}

/// Creates an environment.
pub async fn create(
    state: &AppState,
    stack: &StackRow,
    request: EnvironmentRequest,
) -> ApiResult<EnvironmentRow> {
    let name = request.name.unwrap_or_default();
    check_name(&name)?;
    let now = format_ts(stack.clock().now());
    let mut tx = state.db.begin_write().await?;
    if db::environments::by_name(&mut *tx, &stack.api_key, &name)
        .await?
        .is_some()
    {
        return Err(taken(&name));
    }
    let row = EnvironmentRow {
        uid: ids::asset_uid(),
        stack_api_key: stack.api_key.clone(),
        name,
        urls: Json(request.urls.unwrap_or_default()),
        version: 1,
        created_at: now.clone(),
        created_by: stack.user_uid.clone(),
        updated_at: now,
        updated_by: stack.user_uid.clone(),
    };
    db::environments::insert(&mut tx, &row).await?;
    db::commit(tx).await?;
    Ok(row)
}

/// Renames an environment and/or changes its urls.
pub async fn update(
    state: &AppState,
    stack: &StackRow,
    name: &str,
    request: EnvironmentRequest,
) -> ApiResult<EnvironmentRow> {
    let now = format_ts(stack.clock().now());
    let mut tx = state.db.begin_write().await?;
    let mut row = db::environments::by_name(&mut *tx, &stack.api_key, name)
        .await?
        .ok_or_else(|| not_found(name))?;
    if let Some(new_name) = request.name.filter(|n| n != name) {
        check_name(&new_name)?;
        if db::environments::by_name(&mut *tx, &stack.api_key, &new_name)
            .await?
            .is_some()
        {
            return Err(taken(&new_name));
        }
        row.name = new_name;
    }
    if let Some(urls) = request.urls {
        row.urls = Json(urls);
    }
    row.version += 1;
    row.updated_at = now;
    row.updated_by = stack.user_uid.clone();
    db::environments::save(&mut tx, &row).await?;
    db::commit(tx).await?;
    Ok(row)
}

/// Deletes an environment: what was published in it is no longer, and delivery tokens
/// lose it from their scope.
pub async fn delete(state: &AppState, stack: &StackRow, name: &str) -> ApiResult<()> {
    let mut tx = state.db.begin_write().await?;
    let row = db::environments::by_name(&mut *tx, &stack.api_key, name)
        .await?
        .ok_or_else(|| not_found(name))?;
    for mut token in db::tokens::list(&mut *tx, &stack.api_key).await? {
        if token.environments.contains(&row.uid) {
            token.environments.retain(|uid| uid != &row.uid);
            db::tokens::upsert(&mut tx, &token).await?;
        }
    }
    db::environments::delete(&mut tx, &row.stack_api_key, &row.uid).await?;
    db::commit(tx).await?;
    Ok(())
}
