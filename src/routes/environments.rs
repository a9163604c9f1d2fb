//! `/v3/environments`: list, create, fetch, update (and rename), delete, by name.

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::domain::environments::{self, EnvironmentRequest, EnvironmentUrl};
use crate::error::{ApiError, ApiResult};
use crate::routes::extract::{ApiPath, JsonBody, StackAuth};
use crate::routes::query::Params;
use crate::routes::settings_views::{environment_json, page_of};
use crate::state::AppState;

/// `{"environment": {"name"?, "urls"?}}`; anything else sent back is ignored.
#[derive(Debug, Deserialize)]
pub struct EnvironmentBody {
    environment: Option<EnvironmentFields>,
}

#[derive(Debug, Deserialize)]
struct EnvironmentFields {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    urls: Option<Vec<EnvironmentUrl>>,
}

impl EnvironmentBody {
    fn into_request(self) -> ApiResult<EnvironmentRequest> {
        let fields = self.environment.ok_or_else(|| {
            ApiError::invalid(
                "Please provide the environment details.",
                "environment",
                "is required.",
            )
        })?;
        Ok(EnvironmentRequest {
            name: fields.name.map(|n| n.trim().to_owned()),
            urls: fields.urls,
        })
    }
}

/// `GET /v3/environments`
pub async fn list_environments(
    State(state): State<AppState>,
    StackAuth(stack): StackAuth,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Value>> {
    let params = Params::from_query(query.as_deref());
    let items = environments::list(&state, &stack).await?;
    let items = items.iter().map(environment_json).collect();
    Ok(Json(page_of(items, &params, "environments")?))
}

/// `POST /v3/environments`
pub async fn create_environment(
    State(state): State<AppState>,
    StackAuth(stack): StackAuth,
    JsonBody(body): JsonBody<EnvironmentBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let row = environments::create(&state, &stack, body.into_request()?).await?;
    Ok((
        StatusCode::CREATED,
        Json(
            json!({ "notice": "Environment created successfully.", "environment": environment_json(&row) }),
        ),
    ))
}

/// `GET /v3/environments/{name}`
pub async fn get_environment(
    State(state): State<AppState>,
    StackAuth(stack): StackAuth,
    ApiPath(name): ApiPath<String>,
) -> ApiResult<Json<Value>> {
    let row = environments::get(&state, &stack, &name).await?;
    Ok(Json(json!({ "environment": environment_json(&row) })))
}

/// `PUT /v3/environments/{name}`: a rename goes through the old name's path.
pub async fn update_environment(
    State(state): State<AppState>,
    StackAuth(stack): StackAuth,
    ApiPath(name): ApiPath<String>,
    JsonBody(body): JsonBody<EnvironmentBody>,
) -> ApiResult<Json<Value>> {
    let row = environments::update(&state, &stack, &name, body.into_request()?).await?;
    Ok(Json(
        json!({ "notice": "Environment updated successfully.", "environment": environment_json(&row) }),
    ))
}

/// `DELETE /v3/environments/{name}`
pub async fn delete_environment(
    State(state): State<AppState>,
    StackAuth(stack): StackAuth,
    ApiPath(name): ApiPath<String>,
) -> ApiResult<Json<Value>> {
    environments::delete(&state, &stack, &name).await?;
    Ok(Json(
        json!({ "notice": "Environment deleted successfully." }),
    ))
}
