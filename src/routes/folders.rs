//! `/v3/assets/folders`: create, fetch, rename or move, delete.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::contentstack::lenient::{self, Sent};
use crate::domain::folders::{self, CreateFolderRequest, UpdateFolderRequest};
use crate::domain::trash::{self, Door};
use crate::error::{ApiError, ApiResult, codes};
use crate::routes::envelope::{self, Envelope};
use crate::routes::extract::{ApiPath, JsonBody, StackAuth};
use crate::routes::origin::PublicBase;
use crate::routes::query::Query;
use crate::routes::views::{self, RenderQuery};
use crate::state::AppState;

/// `{"asset": {"name"?, "parent_uid"?}}`
#[derive(Debug, Deserialize)]
pub struct FolderBody {
    asset: Option<FolderFields>,
}

#[derive(Debug, Deserialize)]
struct FolderFields {
    /// A non-empty string (trimmed); null or absent is no name.
    #[serde(default, deserialize_with = "lenient::non_empty_text")]
    name: Option<Sent<String>>,
    /// A folder uid, or null / empty / `cs_root` for the root.
    #[serde(default, deserialize_with = "lenient::parent")]
    parent_uid: Option<Sent<Option<String>>>,
}

/// The query of a folder call.
#[derive(Debug, Default, Deserialize)]
pub struct FolderQuery {
    #[serde(flatten)]
    render: RenderQuery,
    #[serde(default, deserialize_with = "lenient::query_flag")]
    include_path: bool,
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
            Some(Sent::Valid(name)) => Some(name),
            Some(Sent::Invalid) => {
                return Err(ApiError::invalid(
                    "The folder name is not valid.",
                    "name",
                    "is not valid.",
                ));
            }
        };
        let parent = match fields.parent_uid {
            None => None,
            Some(Sent::Valid(parent)) => Some(parent),
            Some(Sent::Invalid) => {
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
    Query(query): Query<FolderQuery>,
    JsonBody(body): JsonBody<FolderBody>,
) -> ApiResult<Response> {
    let (name, parent) = body.fields()?;
    let request = CreateFolderRequest {
        name,
        parent_uid: parent.flatten(),
    };
    let row = folders::create(&state, &stack, request).await?;
    let folder = views::render(&row, &query.render.options(base), None);
    Ok((
        StatusCode::CREATED,
        Envelope::new("asset", folder).with_notice("Folder created successfully."),
    )
        .into_response())
}

/// `GET /v3/assets/folders/{uid}`
pub async fn get_folder(
    State(state): State<AppState>,
    base: PublicBase,
    StackAuth(stack): StackAuth,
    ApiPath(uid): ApiPath<String>,
    Query(query): Query<FolderQuery>,
) -> ApiResult<Response> {
    let (row, path) = folders::get(&state, &stack, &uid, query.include_path).await?;
    let folder = views::render(&row, &query.render.options(base), path);
    Ok(Envelope::new("asset", folder).into_response())
}

/// `PUT /v3/assets/folders/{uid}`: rename and/or move.
pub async fn update_folder(
    State(state): State<AppState>,
    base: PublicBase,
    StackAuth(stack): StackAuth,
    ApiPath(uid): ApiPath<String>,
    Query(query): Query<FolderQuery>,
    JsonBody(body): JsonBody<FolderBody>,
) -> ApiResult<Response> {
    let (name, parent_uid) = body.fields()?;
    let row = folders::update(
        &state,
        &stack,
        &uid,
        UpdateFolderRequest { name, parent_uid },
    )
    .await?;
    let folder = views::render(&row, &query.render.options(base), None);
    Ok(Envelope::new("asset", folder)
        .with_notice("Folder updated successfully.")
        .into_response())
}

/// `DELETE /v3/assets/folders/{uid}`: the folder and everything in it go to the trash.
pub async fn delete_folder(
    State(state): State<AppState>,
    StackAuth(stack): StackAuth,
    ApiPath(uid): ApiPath<String>,
) -> ApiResult<Envelope<()>> {
    trash::delete_one(&state, &stack, &uid, Door::Folder).await?;
    Ok(envelope::notice("Folder deleted successfully."))
}
