//! The trash: the one doorway every delete goes through (a single asset, a folder, a
//! bulk delete), and restoring. Items stay restorable until `deleted_at + retention` on
//! their stack's clock; the purge removes them after that.

use chrono::{DateTime, TimeDelta, Utc};

use crate::contentstack::page::{self, Page};
use crate::contentstack::time::{format_ts, latest};
use crate::db::assets::AssetRow;
use crate::db::stacks::StackRow;
use crate::db::trash::{ItemType, ParentState, TrashEntry, TrashItemRow};
use crate::db::{self, Tx};
use crate::domain::folders::{self, FolderRule};
use crate::domain::{publishing, purge};
use crate::error::{ApiError, ApiResult, codes, field_error};
use crate::state::AppState;

/// Which door a delete comes through: it decides what may be deleted and what a
/// missing uid means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Door {
    /// `DELETE /v3/assets/{uid}`: a file or, like the real service, a folder; a missing
    /// uid fails the request.
    Asset,
    /// `DELETE /v3/assets/folders/{uid}`: only a folder; a missing uid fails the request.
    Folder,
    /// `POST /v3/bulk/delete`: anything; missing uids are reported, not failed.
    Bulk,
}

/// What went into the trash.
#[derive(Debug, Default)]
pub struct Trashed {
    pub moved: Vec<(String, ItemType)>,
    /// Uids that named no live item (bulk only; the other doors fail instead).
    pub missing: Vec<String>,
    /// When, on the stack's clock.
    pub deleted_at: String,
}

/// When an item deleted at `deleted_at` is purged: `deleted_at + retention`, at the
/// latest the last time a stack clock may show.
pub fn purge_time(state: &AppState, deleted_at: DateTime<Utc>) -> DateTime<Utc> {
    let retention = TimeDelta::from_std(state.settings.trash_retention).unwrap_or(TimeDelta::MAX);
    deleted_at
        .checked_add_signed(retention)
        .map_or_else(latest, |at| at.min(latest()))
}

/// Moves live items (a folder with everything inside it) into the trash, on the
/// caller's transaction. Every delete of the service goes through here.
pub async fn move_in(
    state: &AppState,
    tx: &mut Tx,
    stack: &StackRow,
    uids: &[String],
    door: Door,
) -> ApiResult<Trashed> {
    let now = stack.clock().now();
    let deleted_at = format_ts(now);
    let purge_at = format_ts(purge_time(state, now));
    let mut trashed = Trashed {
        deleted_at: deleted_at.clone(),
        ..Trashed::default()
    };
    for uid in uids {
        let row = db::assets::get(&mut **tx, &stack.api_key, uid).await?;
        let item_type = match (row, door) {
            (Some(row), _) if row.is_dir => ItemType::Folder,
            (Some(_), Door::Asset | Door::Bulk) => ItemType::Asset,
            (None, Door::Bulk) => {
                trashed.missing.push(uid.clone());
                continue;
            }
            (None, Door::Asset) | (Some(_), Door::Folder) => return Err(ApiError::AssetNotFound),
            (None, Door::Folder) => return Err(ApiError::FolderNotFound { field: "uid" }),
        };
        let entry = TrashEntry {
            api_key: &stack.api_key,
            uid,
            item_type,
            deleted_at: &deleted_at,
            deleted_by: &stack.user_uid,
            purge_at: &purge_at,
        };
        // Out of every environment too, in the same transaction.
        let unpublished = db::trash::move_to_trash(&mut *tx, &entry).await?;
        publishing::record_deleted(tx, stack, unpublished, &deleted_at).await?;
        trashed.moved.push((uid.clone(), item_type));
    }
    Ok(trashed)
}

/// Moves one asset or folder to the trash, in a transaction of its own.
pub async fn delete_one(
    state: &AppState,
    stack: &StackRow,
    uid: &str,
    door: Door,
) -> ApiResult<()> {
    // Committed together with the deletes queued beside it.
    let (job_state, stack, uids) = (state.clone(), stack.clone(), vec![uid.to_owned()]);
    state
        .db
        .grouped()
        .write(
            move |tx| {
                Box::pin(async move {
                    move_in(&job_state, tx, &stack, &uids, door).await?;
                    Ok(())
                })
            },
            || {},
        )
        .await
}

/// What a restore brought back.
#[derive(Debug)]
pub struct RestoreOutcome {
    pub row: AssetRow,
    pub is_folder: bool,
}

/// Restores trash item `uid` (contract section 3): back where it was (the root when its
/// folder was purged), `_version` + 1, unpublished; a folder with the contents deleted
/// with it, or alone.
pub async fn restore(
    state: &AppState,
    stack: &StackRow,
    uid: &str,
    with_assets: bool,
) -> ApiResult<RestoreOutcome> {
    let now = format_ts(stack.clock().now());
    let mut tx = state.db.begin_write().await?;
    let Some(item) = db::trash::get_item(&mut tx, &stack.api_key, uid).await? else {
        drop(tx);
        return Err(not_in_trash(state, stack, uid).await);
    };
    if item.purge_at.as_str() <= now.as_str() {
        // Past its retention: it is gone for good, whether or not a purge ran yet.
        drop(tx);
        purge::purge_uids(state, &stack.api_key, std::slice::from_ref(&item.uid)).await?;
        return Err(not_in_trash(state, stack, uid).await);
    }
    let root_parent =
        match db::trash::parent_state(&mut tx, &stack.api_key, item.parent_uid.as_deref()).await? {
            ParentState::Live => item.parent_uid.clone(),
            ParentState::Gone => None,
            ParentState::Trashed => return Err(folder_in_trash()),
        };
    let is_folder = item.item_type == ItemType::Folder.as_str();
    let folders_only = is_folder && !with_assets;
    db::trash::restore_rows(
        &mut tx,
        &stack.api_key,
        uid,
        folders_only,
        root_parent.as_deref(),
        &now,
        &stack.user_uid,
    )
    .await?;
    if is_folder {
        // The folder rules hold for restored folders too (the tree may have changed).
        folders::placement(&mut tx, &stack.api_key, Some(uid), root_parent.as_deref())
            .await?
            .map_err(FolderRule::on_restore)?;
        if !folders::count_allows(&mut tx, &stack.api_key, 0).await? {
            return Err(FolderRule::TooMany.on_restore());
        }
    }
    if folders_only {
        db::trash::split_remaining(&mut tx, &stack.api_key, uid).await?;
    } else {
        db::trash::delete_item_row(&mut tx, &stack.api_key, uid).await?;
    }
    let row = db::assets::get(&mut *tx, &stack.api_key, uid)
        .await?
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("restored item {uid} is not live")))?;
    db::commit(tx).await?;
    Ok(RestoreOutcome { row, is_folder })
}

fn folder_in_trash() -> ApiError {
    ApiError::Conflict {
        code: codes::RESTORE_CONFLICT,
        message: "The folder this item was in is in the trash. Restore the folder first.".into(),
        errors: field_error("parent_uid", "is in the trash."),
    }
}

/// Why `uid` cannot be restored: purged (and when), or never in the trash.
async fn not_in_trash(state: &AppState, stack: &StackRow, uid: &str) -> ApiError {
    match db::trash::purged_at(state.db.reader(), &stack.api_key, uid).await {
        Ok(Some(at)) => ApiError::NotFound {
            message: format!(
                "The item {uid} was purged at {at} (its time in the trash ran out, or it was deleted for good); it can no longer be restored."
            ),
        },
        Ok(None) => ApiError::NotFound {
            message: format!(
                "The item {uid} is not in the trash: it was never deleted, or was restored."
            ),
        },
        Err(e) => e.into(),
    }
}

/// A page of the stack's trash (`/_mock/stacks/{api_key}/trash`), newest first unless
/// `oldest_first`, optionally of one type (`asset` or `folder`), with the count of
/// every item of that type.
pub async fn list_items(
    state: &AppState,
    stack: &StackRow,
    item_type: Option<&str>,
    oldest_first: bool,
    page: Page,
) -> ApiResult<(Vec<TrashItemRow>, i64)> {
    let skip = i64::try_from(page.skip()).unwrap_or(i64::MAX);
    let limit = i64::try_from(page.limit(page::TRASH)).unwrap_or(i64::MAX);
    Ok(db::trash::list_items(
        state.db.reader(),
        &stack.api_key,
        item_type,
        oldest_first,
        skip,
        limit,
    )
    .await?)
}
