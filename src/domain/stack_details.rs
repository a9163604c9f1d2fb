//! The stack as the management API shows and changes it (`/v3/stacks`): its name and
//! description, and its settings (stack variables, discrete variables, live preview,
//! rich text editor), each kept as the client sent it, within a size bound.

use std::sync::Arc;

use anyhow::Context;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::contentstack::time::format_ts;
use crate::db;
use crate::db::stacks::StackRow;
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

/// One section of the settings: an object of the client's own keys.
pub type Section = Map<String, Value>;

/// The stack's settings, every section present (an empty object when never set), in
/// the order of [`SETTINGS_SECTIONS`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StackSettings {
    #[serde(default)]
    pub stack_variables: Section,
    #[serde(default)]
    pub discrete_variables: Section,
    #[serde(default)]
    pub live_preview: Section,
    #[serde(default)]
    pub rte: Section,
}

impl StackSettings {
    /// The section with this name, if it is one.
    fn section_mut(&mut self, name: &str) -> Option<&mut Section> {
        match name {
            "stack_variables" => Some(&mut self.stack_variables),
            "discrete_variables" => Some(&mut self.discrete_variables),
            "live_preview" => Some(&mut self.live_preview),
            "rte" => Some(&mut self.rte),
            _ => None,
        }
    }
}

/// The stack's settings as stored; stored settings that do not read are an error that
/// names the stack.
pub fn settings(stack: &StackRow) -> ApiResult<StackSettings> {
    serde_json::from_str(&stack.settings)
        .with_context(|| format!("the settings of stack {} do not read", stack.api_key))
        .map_err(ApiError::Internal)
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
    db::stacks::save_details(&mut tx, &row).await?;
    db::commit(tx).await?;
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
    let mut given: Vec<(String, Section)> = Vec::new();
    for (section, value) in sections {
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
        let Value::Object(value) = value else {
            return Err(ApiError::invalid(
                format!("'{section}' must be an object."),
                &format!("stack_settings.{section}"),
                "is not valid.",
            ));
        };
        given.push((section, value));
    }
    save(state, &stack.api_key, |row| {
        let mut merged = settings(row)?;
        for (name, value) in given {
            if let Some(section) = merged.section_mut(&name) {
                *section = value;
            }
        }
        let text = serde_json::to_string(&merged)
            .context("the stack settings do not serialise")
            .map_err(ApiError::Internal)?;
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
