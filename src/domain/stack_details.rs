//! The stack as the management API shows and changes it (`/v3/stacks`): its name and
//! description, and its settings (stack variables, discrete variables, live preview,
//! rich text editor), each kept as the client sent it, within a size bound.

use std::sync::Arc;

use serde_json::{Map, Value};

use crate::contentstack::time::format_ts;
use crate::db::stacks::{self as stack_db, StackRow};
use crate::domain::limits::{MAX_DESCRIPTION_BYTES, MAX_NAME_BYTES, check_len};
use crate::domain::stacks::find;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// The sections of `stack_settings` a client may set.
pub const SETTINGS_SECTIONS: [&str; 4] = [
    "stack_variables",
    "discrete_variables",
    "live_preview",
    "rte",
];

/// Largest stored settings object, as JSON text.
pub const MAX_SETTINGS_BYTES: usize = 64 * 1024;

/// `PUT /v3/stacks`: `None` leaves it as it is.
#[derive(Debug, Clone, Default)]
pub struct DetailsRequest {
    pub name: Option<String>,
    pub description: Option<String>,
}

/// The stack's settings, every section present (an empty object when never set).
pub fn settings(stack: &StackRow) -> Map<String, Value> {
    let stored: Map<String, Value> = serde_json::from_str(&stack.settings).unwrap_or_default();
    SETTINGS_SECTIONS
        .iter()
        .map(|section| {
            let value = stored
                .get(*section)
                .cloned()
                .unwrap_or_else(|| Value::Object(Map::new()));
            ((*section).to_owned(), value)
        })
        .collect()
}

/// Writes a changed stack row (database first, then the registry), under the stack lock.
async fn save(
    state: &AppState,
    api_key: &str,
    change: impl FnOnce(&mut StackRow) -> ApiResult<()>,
) -> ApiResult<Arc<StackRow>> {
    let _changes = state.db.stack_changes.lock().await;
    let stack = find(state, api_key)?;
    let mut row = (*stack).clone();
    change(&mut row)?;
    row.updated_at = Some(format_ts(stack.clock().now()));
    let mut tx = state.db.begin_write().await?;
    stack_db::save_details(&mut tx, &row).await?;
    crate::db::commit(tx).await?;
    Ok(state.stacks.put(row))
}

/// Renames the stack and/or changes its description.
pub async fn update(
    state: &AppState,
    stack: &StackRow,
    request: DetailsRequest,
) -> ApiResult<Arc<StackRow>> {
    if let Some(name) = &request.name
        && name.trim().is_empty()
    {
        return Err(ApiError::invalid(
            "Please enter a name for the stack.",
            "name",
            "is required.",
        ));
    }
    check_len("name", request.name.as_deref(), MAX_NAME_BYTES)?;
    check_len(
        "description",
        request.description.as_deref(),
        MAX_DESCRIPTION_BYTES,
    )?;
    save(state, &stack.api_key, |row| {
        if let Some(name) = request.name {
            row.name = name.trim().to_owned();
        }
        if let Some(description) = request.description {
            row.description = description;
        }
        Ok(())
    })
    .await
}

/// Sets the sections given (each replaces the stored one; a reset sends them empty).
/// Every section must be a JSON object, and unknown sections are refused.
pub async fn update_settings(
    state: &AppState,
    stack: &StackRow,
    sections: Map<String, Value>,
) -> ApiResult<Arc<StackRow>> {
    for (section, value) in &sections {
        if !SETTINGS_SECTIONS.contains(&section.as_str()) {
            return Err(ApiError::invalid(
                format!(
                    "'{section}' is not a stack setting; use {}.",
                    SETTINGS_SECTIONS.join(", ")
                ),
                &format!("stack_settings.{section}"),
                "is not valid.",
            ));
        }
        if !value.is_object() {
            return Err(ApiError::invalid(
                format!("'{section}' must be an object."),
                &format!("stack_settings.{section}"),
                "is not valid.",
            ));
        }
    }
    save(state, &stack.api_key, |row| {
        let mut merged = settings(row);
        merged.extend(sections);
        let text = Value::Object(merged).to_string();
        if text.len() > MAX_SETTINGS_BYTES {
            return Err(crate::domain::limits::too_long(
                "stack_settings",
                MAX_SETTINGS_BYTES,
            ));
        }
        row.settings = text;
        Ok(())
    })
    .await
}
