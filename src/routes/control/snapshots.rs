//! `/_mock/stacks/{api_key}/snapshots`: save a stack under a name, list, restore, delete.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use crate::contentstack::lenient;
use crate::domain::snapshots::{self, SnapshotInfo};
use crate::error::{ApiError, ApiResult};
use crate::routes::control::stacks::StackView;
use crate::routes::envelope::{Envelope, Listing};
use crate::routes::extract::{ApiPath, OptionalJson};
use crate::state::AppState;

/// `POST .../snapshots` `{"name"}`
#[derive(Debug, Default, Deserialize)]
pub struct CreateSnapshotBody {
    #[serde(default, deserialize_with = "lenient::text")]
    name: Option<String>,
}

/// `{"stack": {...}, "snapshot": {...}}`
#[derive(Debug, Serialize)]
pub struct RestoredView {
    stack: StackView,
    snapshot: SnapshotInfo,
}

/// `POST /_mock/stacks/{api_key}/snapshots`
pub async fn create_snapshot(
    State(state): State<AppState>,
    ApiPath(api_key): ApiPath<String>,
    OptionalJson(body): OptionalJson<CreateSnapshotBody>,
) -> ApiResult<(StatusCode, Envelope<SnapshotInfo>)> {
    let Some(name) = body.name else {
        return Err(ApiError::invalid(
            "'name' is required: a string of 1 to 64 letters, digits, '.', '_' or '-'.",
            "name",
            "is required.",
        ));
    };
    let snapshot = snapshots::create(&state, &api_key, &name).await?;
    Ok((StatusCode::CREATED, Envelope::new("snapshot", snapshot)))
}

/// `GET /_mock/stacks/{api_key}/snapshots`
pub async fn list_snapshots(
    State(state): State<AppState>,
    ApiPath(api_key): ApiPath<String>,
) -> ApiResult<Listing<SnapshotInfo>> {
    let snapshots = snapshots::list(&state, &api_key).await?;
    Ok(Listing::new("snapshots", snapshots))
}

/// `POST /_mock/stacks/{api_key}/snapshots/{name}/restore`
pub async fn restore_snapshot(
    State(state): State<AppState>,
    ApiPath((api_key, name)): ApiPath<(String, String)>,
) -> ApiResult<Json<RestoredView>> {
    let (stack, snapshot) = snapshots::restore(&state, &api_key, &name).await?;
    Ok(Json(RestoredView {
        stack: StackView::of(&stack, state.settings.trash_retention),
        snapshot,
    }))
}

/// `DELETE /_mock/stacks/{api_key}/snapshots/{name}`
pub async fn delete_snapshot(
    State(state): State<AppState>,
    ApiPath((api_key, name)): ApiPath<(String, String)>,
) -> ApiResult<StatusCode> {
    snapshots::delete(&state, &api_key, &name).await?;
    Ok(StatusCode::NO_CONTENT)
}
