//! Folders: create, rename, move, and the rules every way of placing a folder obeys
//! (nesting depth, not into itself or its own subtree, the count per stack), written
//! once here and used by create, move and restore alike.

use serde::Serialize;

use crate::contentstack::ids;
use crate::contentstack::time::format_ts;
use crate::db::assets::AssetRow;
use crate::db::stacks::StackRow;
use crate::db::{self, Conn};
use crate::domain::limits;
use crate::error::{ApiError, ApiResult, codes};
use crate::state::AppState;

/// Deepest folder nesting Contentstack allows (a root folder is level 1).
pub const MAX_DEPTH: usize = 5;
/// Most folders one stack may have (Contentstack's current limit per stack).
pub const MAX_FOLDERS: i64 = 10_000;

/// The content type Contentstack gives folders (its own spelling).
pub const FOLDER_CONTENT_TYPE: &str = "application/vnd.contenstack.folder";

/// One ancestor in a `path` list (`include_path=true`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PathItem {
    pub uid: String,
    pub name: String,
}

/// `POST /v3/assets/folders`
#[derive(Debug, Clone, Default)]
pub struct CreateFolderRequest {
    pub name: Option<String>,
    pub parent_uid: Option<String>,
}

/// `PUT /v3/assets/folders/{uid}`: what to change; `None` leaves it as it is.
#[derive(Debug, Clone, Default)]
pub struct UpdateFolderRequest {
    pub name: Option<String>,
    /// `Some(None)` moves the folder to the root.
    pub parent_uid: Option<Option<String>>,
}

/// A broken folder rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FolderRule {
    TooDeep,
    TooMany,
    IntoItself,
    IntoOwnSubtree,
}

impl FolderRule {
    /// The error for a create or a move.
    pub fn on_change(self) -> ApiError {
        let (message, field) = match self {
            FolderRule::TooDeep => (
                format!("The maximum level of folder nesting is {MAX_DEPTH}."),
                "parent_uid",
            ),
            FolderRule::TooMany => (
                format!("A maximum of {MAX_FOLDERS} folders can be created."),
                "name",
            ),
            FolderRule::IntoItself => {
                ("A folder cannot be moved into itself.".into(), "parent_uid")
            }
            FolderRule::IntoOwnSubtree => (
                "A folder cannot be moved into one of its own subfolders.".into(),
                "parent_uid",
            ),
        };
        ApiError::unprocessable(codes::FOLDER_RULE, message, field, "is not valid.")
    }

    /// The error for a restore from the trash.
    pub fn on_restore(self) -> ApiError {
        let message = match self {
            FolderRule::TooMany => {
                format!("Restoring this folder would make more than {MAX_FOLDERS} folders.")
            }
            _ => {
                format!("Restoring this folder would nest folders deeper than {MAX_DEPTH} levels.")
            }
        };
        ApiError::unprocessable(
            codes::FOLDER_RULE,
            message,
            "uid",
            "cannot be restored here.",
        )
    }
}

/// Checks that `parent` (when set) is a live folder of the stack.
pub async fn check_parent(conn: &mut Conn, api_key: &str, parent: Option<&str>) -> ApiResult<()> {
    match parent {
        Some(uid) if !is_live_folder(&mut *conn, api_key, uid).await? => {
            Err(ApiError::FolderNotFound {
                field: "parent_uid",
            })
        }
        _ => Ok(()),
    }
}

async fn is_live_folder(conn: &mut Conn, api_key: &str, uid: &str) -> ApiResult<bool> {
    Ok(db::assets::get(conn, api_key, uid)
        .await?
        .is_some_and(|row| row.is_dir))
}

/// Whether `folder` (a new folder when `None`, else a live one with its subtree) may
/// sit in `parent`: not in itself, not in its own subtree, not deeper than the limit.
pub async fn placement(
    conn: &mut Conn,
    api_key: &str,
    folder: Option<&str>,
    parent: Option<&str>,
) -> ApiResult<Result<(), FolderRule>> {
    if folder.is_some() && folder == parent {
        return Ok(Err(FolderRule::IntoItself));
    }
    let chain = match parent {
        Some(parent) => db::assets::folder_chain(&mut *conn, api_key, parent).await?,
        None => Vec::new(),
    };
    if let Some(folder) = folder
        && chain.iter().any(|(ancestor, _)| ancestor == folder)
    {
        return Ok(Err(FolderRule::IntoOwnSubtree));
    }
    let height = match folder {
        Some(folder) => {
            db::assets::subtree_folder_height(&mut *conn, api_key, folder).await? as usize
        }
        None => 0,
    };
    Ok(if chain.len() + 1 + height > MAX_DEPTH {
        Err(FolderRule::TooDeep)
    } else {
        Ok(())
    })
}

/// Whether the stack holds no more than `MAX_FOLDERS` folders once `adding` more are in.
pub async fn count_allows(conn: &mut Conn, api_key: &str, adding: i64) -> ApiResult<bool> {
    Ok(db::assets::count_folders(conn, api_key).await? + adding <= MAX_FOLDERS)
}

/// The ancestors of an item in `parent`, root first, as `include_path` shows them.
pub async fn path_of(
    db: &mut Conn,
    api_key: &str,
    parent: Option<&str>,
) -> ApiResult<Vec<PathItem>> {
    let Some(parent) = parent else {
        return Ok(Vec::new());
    };
    let chain = db::assets::folder_chain(db, api_key, parent).await?;
    Ok(chain
        .into_iter()
        .map(|(uid, name)| PathItem { uid, name })
        .collect())
}

/// A live folder of the stack, with its path when asked for.
pub async fn get(
    state: &AppState,
    stack: &StackRow,
    uid: &str,
    include_path: bool,
) -> ApiResult<(AssetRow, Option<Vec<PathItem>>)> {
    let mut conn = state.db.read_conn().await?;
    let row = db::assets::get(&mut *conn, &stack.api_key, uid)
        .await?
        .filter(|row| row.is_dir)
        .ok_or(ApiError::FolderNotFound { field: "uid" })?;
    let path = if include_path {
        Some(path_of(&mut conn, &stack.api_key, row.parent_uid.as_deref()).await?)
    } else {
        None
    };
    Ok((row, path))
}

/// Creates a folder.
pub async fn create(
    state: &AppState,
    stack: &StackRow,
    request: CreateFolderRequest,
) -> ApiResult<AssetRow> {
    let name = request.name.ok_or_else(|| {
        ApiError::invalid(
            "Please enter a name for the folder.",
            "name",
            "is required.",
        )
    })?;
    limits::check_len("name", Some(&name), limits::MAX_NAME_BYTES)?;
    let now = format_ts(stack.clock().now());
    let mut tx = state.db.begin_write().await?;
    let parent = request.parent_uid.as_deref();
    if parent.is_some() {
        check_parent(&mut tx, &stack.api_key, parent).await?;
        placement(&mut tx, &stack.api_key, None, parent)
            .await?
            .map_err(FolderRule::on_change)?;
    }
    if !count_allows(&mut tx, &stack.api_key, 1).await? {
        return Err(FolderRule::TooMany.on_change());
    }
    let mut row = AssetRow::new(
        ids::asset_uid(),
        &stack.api_key,
        true,
        &stack.user_uid,
        &now,
    );
    row.parent_uid = request.parent_uid;
    row.name = Some(name);
    row.content_type = FOLDER_CONTENT_TYPE.to_owned();
    db::assets::insert(&mut tx, &row).await?;
    db::commit(tx).await?;
    Ok(row)
}

/// Renames and/or moves a folder.
pub async fn update(
    state: &AppState,
    stack: &StackRow,
    uid: &str,
    request: UpdateFolderRequest,
) -> ApiResult<AssetRow> {
    limits::check_len("name", request.name.as_deref(), limits::MAX_NAME_BYTES)?;
    let now = format_ts(stack.clock().now());
    let mut tx = state.db.begin_write().await?;
    let mut row = db::assets::get(&mut *tx, &stack.api_key, uid)
        .await?
        .filter(|row| row.is_dir)
        .ok_or(ApiError::FolderNotFound { field: "uid" })?;
    if let Some(new_parent) = request.parent_uid {
        if let Some(parent) = new_parent.as_deref() {
            if parent == uid {
                return Err(FolderRule::IntoItself.on_change());
            }
            check_parent(&mut tx, &stack.api_key, Some(parent)).await?;
            placement(&mut tx, &stack.api_key, Some(uid), Some(parent))
                .await?
                .map_err(FolderRule::on_change)?;
        }
        row.parent_uid = new_parent;
    }
    if let Some(name) = request.name {
        row.name = Some(name);
    }
    row.version += 1;
    row.updated_at = now;
    row.updated_by = stack.user_uid.clone();
    db::assets::save(&mut tx, &row).await?;
    db::commit(tx).await?;
    Ok(row)
}
