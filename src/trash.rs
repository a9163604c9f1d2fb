//! Deleting: live items move to the trash, restorable until `deleted_at + retention`
//! on their stack's clock.

use chrono::TimeDelta;

use crate::clock::format_ts;
use crate::db::assets as asset_db;
use crate::db::stacks::StackRow;
use crate::db::trash::{self as trash_db, ItemType, TrashEntry};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Which kind of item a delete call expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// `DELETE /v3/assets/{uid}` takes files and, like the real service, folders.
    Any,
    /// `DELETE /v3/assets/folders/{uid}` takes only folders.
    Folder,
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
