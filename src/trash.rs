//! Deleting: live items move to the trash, restorable until `deleted_at + retention`
//! on their stack's clock.

use chrono::{DateTime, TimeDelta, Utc};

use crate::clock::format_ts;
use crate::db::assets as asset_db;
use crate::db::stacks::StackRow;
use crate::db::trash::{self as trash_db, ItemType, ParentState, TrashEntry};
use crate::error::{ApiError, ApiResult, codes, field_error};
use crate::routes::folders::{MAX_DEPTH, MAX_FOLDERS};
use crate::state::AppState;

/// Which kind of item a delete call expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// `DELETE /v3/assets/{uid}` takes files and, like the real service, folders.
    Any,
    /// `DELETE /v3/assets/folders/{uid}` takes only folders.
    Folder,
}

/// When an item deleted at `deleted_at` is purged.
pub fn purge_time(state: &AppState, deleted_at: DateTime<Utc>) -> DateTime<Utc> {
    let retention = TimeDelta::from_std(state.settings.trash_retention).unwrap_or(TimeDelta::MAX);
    deleted_at
        .checked_add_signed(retention)
        .map_or_else(crate::clock::latest, |at| at.min(crate::clock::latest()))
}

/// Moves one live asset or folder (with its contents) to the trash, in one transaction.
pub async fn trash_item(
    state: &AppState,
    stack: &StackRow,
    uid: &str,
    expect: Expect,
) -> ApiResult<ItemType> {
    let now = stack.clock().now();
    let retention = TimeDelta::from_std(state.settings.trash_retention).unwrap_or(TimeDelta::MAX);
    let deleted_at = format_ts(now);
    let purge_at = format_ts(
        now.checked_add_signed(retention)
            .unwrap_or(chrono::DateTime::<chrono::Utc>::MAX_UTC),
    );

    let mut tx = state.db.write.begin().await?;
    let row = asset_db::get(&mut *tx, &stack.api_key, uid).await?;
    let item_type = match (row, expect) {
        (Some(row), _) if row.is_dir => ItemType::Folder,
        (Some(_), Expect::Any) => ItemType::Asset,
        (None, Expect::Any) | (Some(_), Expect::Folder) => return Err(ApiError::asset_not_found()),
        (None, Expect::Folder) => return Err(ApiError::FolderNotFound { field: "uid" }),
    };
    let entry = TrashEntry {
        api_key: &stack.api_key,
        uid,
        item_type,
        deleted_at: &deleted_at,
        deleted_by: &stack.user_uid,
        purge_at: &purge_at,
    };
    trash_db::move_to_trash(&mut tx, &entry).await?;
    tx.commit().await?;
    Ok(item_type)
}

/// Restores trash item `uid` (contract section 3). Returns the restored root row.
pub async fn restore_item(
    state: &AppState,
    stack: &StackRow,
    uid: &str,
    with_assets: bool,
) -> ApiResult<RestoreOutcome> {
    let now = stack.clock().now();
    let now_text = format_ts(now);
    let mut tx = state.db.write.begin().await?;
    let item = trash_db::get_item(&mut tx, &stack.api_key, uid)
        .await?
        .ok_or_else(not_in_trash)?;
    if item.purge_at.as_str() <= now_text.as_str() {
        // Past its retention: it is gone for good, whether or not a purge ran yet.
        drop(tx);
        crate::purge::purge_uids(state, &stack.api_key, std::slice::from_ref(&item.uid)).await?;
        return Err(not_in_trash());
    }
    let root_parent =
        match trash_db::parent_state(&mut tx, &stack.api_key, item.parent_uid.as_deref()).await? {
            ParentState::Live => item.parent_uid.clone(),
            ParentState::Gone => None,
            ParentState::Trashed => {
                return Err(ApiError::Conflict {
                    code: codes::RESTORE_CONFLICT,
                    message:
                        "The folder this item was in is in the trash. Restore the folder first."
                            .into(),
                    errors: field_error("parent_uid", "is in the trash."),
                });
            }
        };
    let is_folder = item.item_type == ItemType::Folder.as_str();
    let folders_only = is_folder && !with_assets;
    trash_db::restore_rows(
        &mut tx,
        uid,
        folders_only,
        root_parent.as_deref(),
        &now_text,
        &stack.user_uid,
    )
    .await?;
    if is_folder {
        // The folder rules hold for restored folders too (the tree may have changed).
        let depth = match root_parent.as_deref() {
            Some(parent) => asset_db::folder_chain(&mut *tx, &stack.api_key, parent)
                .await?
                .len(),
            None => 0,
        };
        let height = asset_db::subtree_folder_height(&mut *tx, &stack.api_key, uid).await? as usize;
        if depth + 1 + height > MAX_DEPTH {
            return Err(folder_rule(format!(
                "Restoring this folder would nest folders deeper than {MAX_DEPTH} levels."
            )));
        }
        if asset_db::count_folders(&mut *tx, &stack.api_key).await? > MAX_FOLDERS {
            return Err(folder_rule(format!(
                "Restoring this folder would make more than {MAX_FOLDERS} folders."
            )));
        }
    }
    if folders_only {
        trash_db::split_remaining(&mut tx, uid).await?;
    } else {
        trash_db::delete_item_row(&mut tx, uid).await?;
    }
    let row = asset_db::get(&mut *tx, &stack.api_key, uid)
        .await?
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("restored item {uid} is not live")))?;
    tx.commit().await?;
    Ok(RestoreOutcome { row, is_folder })
}

/// What a restore brought back.
#[derive(Debug)]
pub struct RestoreOutcome {
    pub row: crate::db::assets::AssetRow,
    pub is_folder: bool,
}

fn folder_rule(message: String) -> ApiError {
    ApiError::unprocessable(
        codes::FOLDER_RULE,
        message,
        "uid",
        "cannot be restored here.",
    )
}

fn not_in_trash() -> ApiError {
    ApiError::NotFound {
        message:
            "The item is not in the trash (it was never deleted, was restored, or was purged)."
                .into(),
    }
}
