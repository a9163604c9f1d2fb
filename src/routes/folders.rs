//! `/v3/assets/folders`: create, fetch, rename or move, delete.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::auth::StackAuth;
use crate::clock::format_ts;
use crate::db::assets::{self as asset_db, AssetRow};
use crate::error::{ApiError, ApiResult, codes};
use crate::params::Params;
use crate::routes::assets::{check_parent, render_options};
use crate::state::AppState;
use crate::upload::parse_json;
use crate::views::{self, FOLDER_CONTENT_TYPE, PathItem};
use crate::{ids, trash};

/// Deepest folder nesting Contentstack allows (a root folder is level 1).
pub const MAX_DEPTH: usize = 5;
/// Most folders one stack may have.
pub const MAX_FOLDERS: i64 = 300;

/// The ancestors of an item in `parent`, root first, as `include_path` shows them.
pub async fn path_of(
    db: impl sqlx::SqliteExecutor<'_>,
    api_key: &str,
    parent: Option<&str>,
) -> ApiResult<Vec<PathItem>> {
    let Some(parent) = parent else {
        return Ok(Vec::new());
    };
    let chain = asset_db::folder_chain(db, api_key, parent).await?;
    Ok(chain
        .into_iter()
        .map(|(uid, name)| PathItem { uid, name })
        .collect())
}

fn folder_rule(message: impl Into<String>, field: &str) -> ApiError {
    ApiError::unprocessable(codes::FOLDER_RULE, message, field, "is not valid.")
}

/// The `name` and `parent_uid` of a folder body; `parent_uid` is `None` when absent.
fn folder_fields(body: &[u8]) -> ApiResult<(Option<String>, Option<Option<String>>)> {
    let body = parse_json(body)?;
    let asset = body
        .get("asset")
        .and_then(Value::as_object)
        .ok_or_else(|| {
            ApiError::unprocessable(
                codes::INVALID_FIELD,
                "Please provide the folder details.",
                "asset",
                "is required.",
            )
        })?;
    let name = match asset.get("name") {
        None | Some(Value::Null) => None,
        Some(Value::String(name)) if !name.trim().is_empty() => Some(name.trim().to_owned()),
        Some(_) => {
            return Err(ApiError::unprocessable(
                codes::INVALID_FIELD,
                "The folder name is not valid.",
                "name",
                "is not valid.",
            ));
        }
    };
    let parent = match asset.get("parent_uid") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(Value::String(uid)) if uid.trim().is_empty() || uid == "cs_root" => Some(None),
        Some(Value::String(uid)) => Some(Some(uid.trim().to_owned())),
        Some(_) => return Err(folder_rule("The parent folder is not valid.", "parent_uid")),
    };
    Ok((name, parent))
}

/// `POST /v3/assets/folders`
pub async fn create_folder(
    State(state): State<AppState>,
    StackAuth(stack): StackAuth,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let params = Params::from_query(query.as_deref());
    let (name, parent) = folder_fields(&body)?;
    let name = name.ok_or_else(|| {
        ApiError::unprocessable(
            codes::INVALID_FIELD,
            "Please enter a name for the folder.",
            "name",
            "is required.",
        )
    })?;
    let parent = parent.flatten();
    let now = format_ts(stack.clock().now());

    let mut tx = state.db.write.begin().await?;
    if let Some(parent_uid) = parent.as_deref() {
        check_parent(&mut *tx, &stack.api_key, Some(parent_uid)).await?;
        let depth = asset_db::folder_chain(&mut *tx, &stack.api_key, parent_uid)
            .await?
            .len();
        if depth + 1 > MAX_DEPTH {
            return Err(folder_rule(
                format!("The maximum level of folder nesting is {MAX_DEPTH}."),
                "parent_uid",
            ));
        }
    }
    if asset_db::count_folders(&mut *tx, &stack.api_key).await? >= MAX_FOLDERS {
        return Err(folder_rule(
            format!("A maximum of {MAX_FOLDERS} folders can be created."),
            "name",
        ));
    }
    let row = AssetRow {
        uid: ids::asset_uid(),
        stack_api_key: stack.api_key.clone(),
        is_dir: true,
        parent_uid: parent,
        title: None,
        name: Some(name),
        description: None,
        filename: None,
        content_type: FOLDER_CONTENT_TYPE.to_owned(),
        file_size: None,
        tags: "[]".to_owned(),
        version: 1,
        version_uid: None,
        width: None,
        height: None,
        created_at: now.clone(),
        created_by: stack.user_uid.clone(),
        updated_at: now,
        updated_by: stack.user_uid.clone(),
    };
    asset_db::insert(&mut tx, &row).await?;
    tx.commit().await?;
    let folder = views::render(&row, &render_options(&state, &params), None);
    Ok((
        StatusCode::CREATED,
        Json(json!({ "notice": "Folder created successfully.", "asset": folder })),
    ))
}

async fn live_folder(
    db: impl sqlx::SqliteExecutor<'_>,
    api_key: &str,
    uid: &str,
) -> ApiResult<AssetRow> {
    asset_db::get(db, api_key, uid)
        .await?
        .filter(|row| row.is_dir)
        .ok_or(ApiError::FolderNotFound { field: "uid" })
}

/// `GET /v3/assets/folders/{uid}`
pub async fn get_folder(
    State(state): State<AppState>,
    StackAuth(stack): StackAuth,
    Path(uid): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Value>> {
    let params = Params::from_query(query.as_deref());
    let row = live_folder(&state.db.read, &stack.api_key, &uid).await?;
    let path = if params.flag("include_path") {
        Some(path_of(&state.db.read, &stack.api_key, row.parent_uid.as_deref()).await?)
    } else {
        None
    };
    Ok(Json(
        json!({ "asset": views::render(&row, &render_options(&state, &params), path) }),
    ))
}

/// `PUT /v3/assets/folders/{uid}`: rename and/or move.
pub async fn update_folder(
    State(state): State<AppState>,
    StackAuth(stack): StackAuth,
    Path(uid): Path<String>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let params = Params::from_query(query.as_deref());
    let (name, parent) = folder_fields(&body)?;
    let now = format_ts(stack.clock().now());

    let mut tx = state.db.write.begin().await?;
    let mut row = live_folder(&mut *tx, &stack.api_key, &uid).await?;
    if let Some(new_parent) = parent {
        if let Some(parent_uid) = new_parent.as_deref() {
            if parent_uid == uid {
                return Err(folder_rule(
                    "A folder cannot be moved into itself.",
                    "parent_uid",
                ));
            }
            check_parent(&mut *tx, &stack.api_key, Some(parent_uid)).await?;
            let chain = asset_db::folder_chain(&mut *tx, &stack.api_key, parent_uid).await?;
            if chain.iter().any(|(ancestor, _)| ancestor == &uid) {
                return Err(folder_rule(
                    "A folder cannot be moved into one of its own subfolders.",
                    "parent_uid",
                ));
            }
            let height =
                asset_db::subtree_folder_height(&mut *tx, &stack.api_key, &uid).await? as usize;
            if chain.len() + 1 + height > MAX_DEPTH {
                return Err(folder_rule(
                    format!("The maximum level of folder nesting is {MAX_DEPTH}."),
                    "parent_uid",
                ));
            }
        }
        row.parent_uid = new_parent;
    }
    if let Some(name) = name {
        row.name = Some(name);
    }
    row.version += 1;
    row.updated_at = now;
    row.updated_by = stack.user_uid.clone();
    asset_db::save(&mut tx, &row).await?;
    tx.commit().await?;
    let folder = views::render(&row, &render_options(&state, &params), None);
    Ok(Json(
        json!({ "notice": "Folder updated successfully.", "asset": folder }),
    ))
}

/// `DELETE /v3/assets/folders/{uid}`: the folder and everything in it go to the trash.
pub async fn delete_folder(
    State(state): State<AppState>,
    StackAuth(stack): StackAuth,
    Path(uid): Path<String>,
) -> ApiResult<Json<Value>> {
    trash::trash_item(&state, &stack, &uid, trash::Expect::Folder).await?;
    Ok(Json(json!({ "notice": "Folder deleted successfully." })))
}
