//! `/_mock/stacks/{api_key}/snapshots`: save a stack under a name, list, restore, delete.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::domain::snapshots::{self, SnapshotInfo};
use crate::error::{ApiError, ApiResult};
use crate::routes::control::stacks::stack_json;
use crate::routes::extract::{ApiPath, OptionalJson};
use crate::state::AppState;

/// `POST .../snapshots` `{"name"}`
#[derive(Debug, Default, Deserialize)]
pub struct CreateSnapshotBody {
    #[serde(default)]
    name: Option<Value>,
}

/// `{"snapshot": {...}}`
#[derive(Debug, Serialize)]
pub struct SnapshotView {
    snapshot: SnapshotInfo,
}

/// `{"snapshots": [...]}`
#[derive(Debug, Serialize)]
pub struct SnapshotList {
    snapshots: Vec<SnapshotInfo>,
}

/// `{"stack": {...}, "snapshot": {...}}`
#[derive(Debug, Serialize)]
pub struct RestoredView {
    stack: Value,
    snapshot: SnapshotInfo,
}

/// `POST /_mock/stacks/{api_key}/snapshots`
pub async fn create_snapshot(
    State(state): State<AppState>,
    ApiPath(api_key): ApiPath<String>,
    OptionalJson(body): OptionalJson<CreateSnapshotBody>,
) -> ApiResult<(StatusCode, Json<SnapshotView>)> {
    let Some(Value::String(name)) = body.name else {
        return Err(ApiError::invalid(
            "'name' is required: a string of 1 to 64 letters, digits, '.', '_' or '-'.",
            "name",
            "is required.",
        ));
    };
    let snapshot = snapshots::create(&state, &api_key, &name).await?;
    Ok((StatusCode::CREATED, Json(SnapshotView { snapshot })))
}

/// `GET /_mock/stacks/{api_key}/snapshots`
pub async fn list_snapshots(
    State(state): State<AppState>,
    ApiPath(api_key): ApiPath<String>,
) -> ApiResult<Json<SnapshotList>> {
    let snapshots = snapshots::list(&state, &api_key).await?;
    Ok(Json(SnapshotList { snapshots }))
}

/// `POST /_mock/stacks/{api_key}/snapshots/{name}/restore`
pub async fn restore_snapshot(
    State(state): State<AppState>,
    ApiPath((api_key, name)): ApiPath<(String, String)>,
) -> ApiResult<Json<RestoredView>> {
    let (stack, snapshot) = snapshots::restore(&state, &api_key, &name).await?;
    Ok(Json(RestoredView {
        stack: stack_json(&stack, state.settings.trash_retention),
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
