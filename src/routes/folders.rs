//! `/v3/assets/folders`: create, fetch, rename or move, delete.

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use serde::{Deserialize, Deserializer};
use serde_json::{Value, json};

use crate::domain::folders::{self, CreateFolderRequest, UpdateFolderRequest};
use crate::domain::trash::{self, Door};
use crate::error::{ApiError, ApiResult, codes};
use crate::routes::extract::{ApiPath, JsonBody, StackAuth};
use crate::routes::origin::PublicBase;
use crate::routes::query::Params;
use crate::routes::views::{self, render_options};
use crate::state::AppState;

/// `{"asset": {"name"?, "parent_uid"?}}`
#[derive(Debug, Deserialize)]
pub struct FolderBody {
    asset: Option<FolderFields>,
}

#[derive(Debug, Deserialize)]
struct FolderFields {
    #[serde(default, deserialize_with = "name")]
    name: Option<Name>,
    #[serde(default, deserialize_with = "parent")]
    parent_uid: Option<Parent>,
}

/// Where a folder goes, as sent.
#[derive(Debug)]
enum Parent {
    Root,
    Folder(String),
    Invalid,
}

/// A folder name as sent: usable, or not.
#[derive(Debug)]
enum Name {
    Valid(String),
    Invalid,
}

/// A name: a non-empty string (trimmed); null or absent is no name.
fn name<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Name>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Null => None,
        Value::String(name) if !name.trim().is_empty() => Some(Name::Valid(name.trim().to_owned())),
        _ => Some(Name::Invalid),
    })
}

/// A parent: a folder uid, or null / empty / `cs_root` for the root.
fn parent<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Parent>, D::Error> {
    Ok(Some(match Value::deserialize(d)? {
        Value::Null => Parent::Root,
        Value::String(uid) if uid.trim().is_empty() || uid == "cs_root" => Parent::Root,
        Value::String(uid) => Parent::Folder(uid.trim().to_owned()),
        _ => Parent::Invalid,
    }))
}

impl FolderBody {
    /// The name (when given) and parent (`None` when absent) of the body.
    fn fields(self) -> ApiResult<(Option<String>, Option<Option<String>>)> {
        let fields = self.asset.ok_or_else(|| {
            ApiError::invalid(
                "Please provide the folder details.",
                "asset",
                "is required.",
            )
        })?;
        let name = match fields.name {
            None => None,
            Some(Name::Valid(name)) => Some(name),
            Some(Name::Invalid) => {
                return Err(ApiError::invalid(
                    "The folder name is not valid.",
                    "name",
                    "is not valid.",
                ));
            }
        };
        let parent = match fields.parent_uid {
            None => None,
            Some(Parent::Root) => Some(None),
            Some(Parent::Folder(uid)) => Some(Some(uid)),
            Some(Parent::Invalid) => {
                return Err(ApiError::unprocessable(
                    codes::FOLDER_RULE,
                    "The parent folder is not valid.",
                    "parent_uid",
                    "is not valid.",
                ));
            }
        };
        Ok((name, parent))
    }
}

/// `POST /v3/assets/folders`
pub async fn create_folder(
    State(state): State<AppState>,
    base: PublicBase,
    StackAuth(stack): StackAuth,
    RawQuery(query): RawQuery,
    JsonBody(body): JsonBody<FolderBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let params = Params::from_query(query.as_deref());
    let (name, parent) = body.fields()?;
    let request = CreateFolderRequest {
        name,
        parent_uid: parent.flatten(),
    };
    let row = folders::create(&state, &stack, request).await?;
    let folder = views::render(&row, &render_options(base, &params), None);
    Ok((
        StatusCode::CREATED,
        Json(json!({ "notice": "Folder created successfully.", "asset": folder })),
    ))
}

/// `GET /v3/assets/folders/{uid}`
pub async fn get_folder(
    State(state): State<AppState>,
    base: PublicBase,
    StackAuth(stack): StackAuth,
    ApiPath(uid): ApiPath<String>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Value>> {
    let params = Params::from_query(query.as_deref());
    let (row, path) = folders::get(&state, &stack, &uid, params.flag("include_path")).await?;
    Ok(Json(
        json!({ "asset": views::render(&row, &render_options(base, &params), path) }),
    ))
}

/// `PUT /v3/assets/folders/{uid}`: rename and/or move.
pub async fn update_folder(
    State(state): State<AppState>,
    base: PublicBase,
    StackAuth(stack): StackAuth,
    ApiPath(uid): ApiPath<String>,
    RawQuery(query): RawQuery,
    JsonBody(body): JsonBody<FolderBody>,
) -> ApiResult<Json<Value>> {
    let params = Params::from_query(query.as_deref());
    let (name, parent_uid) = body.fields()?;
    let row = folders::update(
        &state,
        &stack,
        &uid,
        UpdateFolderRequest { name, parent_uid },
    )
    .await?;
    let folder = views::render(&row, &render_options(base, &params), None);
    Ok(Json(
        json!({ "notice": "Folder updated successfully.", "asset": folder }),
    ))
}

/// `DELETE /v3/assets/folders/{uid}`: the folder and everything in it go to the trash.
pub async fn delete_folder(
    State(state): State<AppState>,
    StackAuth(stack): StackAuth,
    ApiPath(uid): ApiPath<String>,
) -> ApiResult<Json<Value>> {
    trash::delete_one(&state, &stack, &uid, Door::Folder).await?;
    Ok(Json(json!({ "notice": "Folder deleted successfully." })))
}
