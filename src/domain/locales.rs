//! Locales (languages): the master locale, which has no fallback, and the others, each
//! falling back along a chain that ends at the master.

use crate::contentstack::ids;
use crate::contentstack::time::format_ts;
use crate::db::locales::LocaleRow;
use crate::db::stacks::StackRow;
use crate::db::{self, Conn};
use crate::error::{ApiError, ApiResult, codes, field_error};
use crate::state::AppState;

/// Contentstack's code for "this language is already in the stack".
pub const LOCALE_EXISTS: u32 = 247;

/// `POST /v3/locales`, `PUT /v3/locales/{code}`: `None` leaves it as it is.
#[derive(Debug, Clone, Default)]
pub struct LocaleRequest {
    pub code: Option<String>,
    pub name: Option<String>,
    /// `Some(None)`: no fallback (only the master has none).
    pub fallback_locale: Option<Option<String>>,
}

/// The 422 for a locale that does not exist.
pub fn not_found(code: &str, field: &str) -> ApiError {
    ApiError::Unprocessable {
        code: codes::NOT_FOUND,
        message: format!("The locale '{code}' was not found."),
        errors: field_error(field, "is not valid."),
    }
}

/// Shortest and longest language code, and longest language name (Contentstack's
/// limits of languages).
pub const MIN_CODE_CHARS: usize = 2;
pub const MAX_CODE_CHARS: usize = 16;
pub const MAX_LOCALE_NAME_CHARS: usize = 50;

/// Checks a language code as Contentstack does: 2 to 16 letters, digits and hyphens,
/// not starting or ending with a hyphen, never two hyphens in a row.
pub fn check_code(code: &str) -> ApiResult<()> {
    if code.is_empty() {
        return Err(ApiError::invalid(
            "Please enter a language code.",
            "code",
            "is required.",
        ));
    }
    let valid = (MIN_CODE_CHARS..=MAX_CODE_CHARS).contains(&code.len())
        && code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !code.starts_with('-')
        && !code.ends_with('-')
        && !code.contains("--");
    if !valid {
        return Err(ApiError::invalid(
            format!(
                "The language code '{code}' is not valid: use {MIN_CODE_CHARS} to {MAX_CODE_CHARS} \
                 letters, digits and single hyphens, not at either end."
            ),
            "code",
            "is not valid.",
        ));
    }
    Ok(())
}

/// Checks a language name: at most 50 characters.
fn check_name(name: Option<&str>) -> ApiResult<()> {
    match name {
        Some(name) if name.chars().count() > MAX_LOCALE_NAME_CHARS => Err(ApiError::invalid(
            format!("A language name has at most {MAX_LOCALE_NAME_CHARS} characters."),
            "name",
            format!("is longer than {MAX_LOCALE_NAME_CHARS} characters."),
        )),
        _ => Ok(()),
    }
}

/// Every locale of the stack, oldest first (the master first).
pub async fn list(state: &AppState, stack: &StackRow) -> ApiResult<Vec<LocaleRow>> {
    Ok(db::locales::list(state.db.reader(), &stack.api_key).await?)
}

/// The locale with this code.
pub async fn get(state: &AppState, stack: &StackRow, code: &str) -> ApiResult<LocaleRow> {
    db::locales::by_code(state.db.reader(), &stack.api_key, code)
        .await?
        .ok_or_else(|| not_found(code, "code"))
}

/// The master locale's code (the one without a fallback).
pub async fn master(conn: &mut Conn, api_key: &str) -> ApiResult<String> {
    db::locales::list(conn, api_key)
        .await?
        .into_iter()
        .find(|l| l.fallback_locale.is_none())
        .map(|l| l.code)
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("stack {api_key} has no master locale")))
}

/// The stack's master locale's code.
pub async fn master_of(state: &AppState, stack: &StackRow) -> ApiResult<String> {
    let mut conn = state.db.read_conn().await?;
    master(&mut conn, &stack.api_key).await
}

/// `code` followed by its fallbacks, up to the master locale.
pub async fn fallback_chain(conn: &mut Conn, api_key: &str, code: &str) -> ApiResult<Vec<String>> {
    let all = db::locales::list(conn, api_key).await?;
    let mut chain = vec![code.to_owned()];
    let mut at = code.to_owned();
    while let Some(next) = all
        .iter()
        .find(|l| l.code == at)
        .and_then(|l| l.fallback_locale.clone())
    {
        if chain.contains(&next) {
            break;
        }
        chain.push(next.clone());
        at = next;
    }
    Ok(chain)
}

/// Checks that `fallback` exists and would not close a loop back to `code`.
async fn check_fallback(
    conn: &mut Conn,
    api_key: &str,
    code: &str,
    fallback: &str,
) -> ApiResult<()> {
    if db::locales::by_code(&mut *conn, api_key, fallback)
        .await?
        .is_none()
    {
        return Err(not_found(fallback, "fallback_locale"));
    }
    if fallback_chain(conn, api_key, fallback)
        .await?
        .iter()
        .any(|c| c == code)
    {
        return Err(ApiError::invalid(
            format!(
                "The locale '{code}' cannot fall back to '{fallback}': that would make a loop."
            ),
            "fallback_locale",
            "is not valid.",
        ));
    }
    Ok(())
}

/// Adds a locale; it falls back to the master unless told otherwise.
pub async fn create(
    state: &AppState,
    stack: &StackRow,
    request: LocaleRequest,
) -> ApiResult<LocaleRow> {
    let code = request.code.unwrap_or_default();
    check_code(&code)?;
    check_name(request.name.as_deref())?;
    let now = format_ts(stack.clock().now());
    let mut tx = state.db.begin_write().await?;
    if db::locales::by_code(&mut *tx, &stack.api_key, &code)
        .await?
        .is_some()
    {
        return Err(ApiError::Unprocessable {
            code: LOCALE_EXISTS,
            message: format!("The language '{code}' is already added to the stack."),
            errors: field_error("code", "is already added."),
        });
    }
    let fallback = match request.fallback_locale.flatten() {
        Some(fallback) => {
            check_fallback(&mut tx, &stack.api_key, &code, &fallback).await?;
            fallback
        }
        None => master(&mut tx, &stack.api_key).await?,
    };
    let row = LocaleRow {
        uid: ids::asset_uid(),
        stack_api_key: stack.api_key.clone(),
        name: request.name.unwrap_or_else(|| code.clone()),
        code,
        fallback_locale: Some(fallback),
        version: 1,
        created_at: now.clone(),
        created_by: stack.user_uid.clone(),
        updated_at: now,
        updated_by: stack.user_uid.clone(),
    };
    db::locales::insert(&mut tx, &row).await?;
    db::commit(tx).await?;
    Ok(row)
}

/// Renames a locale and/or changes its fallback (a code never changes).
pub async fn update(
    state: &AppState,
    stack: &StackRow,
    code: &str,
    request: LocaleRequest,
) -> ApiResult<LocaleRow> {
    check_name(request.name.as_deref())?;
    let now = format_ts(stack.clock().now());
    let mut tx = state.db.begin_write().await?;
    let mut row = db::locales::by_code(&mut *tx, &stack.api_key, code)
        .await?
        .ok_or_else(|| not_found(code, "code"))?;
    if let Some(name) = request.name {
        row.name = name;
    }
    match (request.fallback_locale, row.fallback_locale.is_some()) {
        (Some(Some(fallback)), true) => {
            check_fallback(&mut tx, &stack.api_key, code, &fallback).await?;
            row.fallback_locale = Some(fallback);
        }
        (Some(Some(_)), false) => {
            return Err(ApiError::invalid(
                "The master locale has no fallback language.",
                "fallback_locale",
                "is not valid.",
            ));
        }
        // The master keeps no fallback; the others keep theirs.
        (Some(None), _) | (None, _) => {}
    }
    row.version += 1;
    row.updated_at = now;
    row.updated_by = stack.user_uid.clone();
    db::locales::save(&mut tx, &row).await?;
    db::commit(tx).await?;
    Ok(row)
}

/// Removes a locale (never the master one); what was published in it is no longer.
pub async fn delete(state: &AppState, stack: &StackRow, code: &str) -> ApiResult<()> {
    let mut tx = state.db.begin_write().await?;
    let row = db::locales::by_code(&mut *tx, &stack.api_key, code)
        .await?
        .ok_or_else(|| not_found(code, "code"))?;
    if row.fallback_locale.is_none() {
        return Err(ApiError::invalid(
            format!("'{code}' is the master locale of the stack; it cannot be deleted."),
            "code",
            "is the master locale.",
        ));
    }
    db::locales::delete(&mut tx, &row).await?;
    db::commit(tx).await?;
    Ok(())
}
