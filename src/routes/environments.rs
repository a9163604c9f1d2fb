//! `/v3/environments`: list, create, fetch, update (and rename), delete, by name.

use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;

use crate::db::environments::EnvironmentRow;
use crate::domain::environments::{self, EnvironmentRequest, EnvironmentUrl};
use crate::error::{ApiError, ApiResult};
use crate::routes::envelope::{self, Envelope, Listing};
use crate::routes::extract::{ApiPath, JsonBody, StackAuth};
use crate::routes::query::{ListQuery, Query};
use crate::routes::settings_views::{EnvironmentView, page_of};
use crate::state::AppState;

/// `{"notice"?, "environment": {...}}`
fn answer(row: EnvironmentRow) -> Envelope<EnvironmentView> {
    Envelope::new("environment", EnvironmentView::from(row))
}

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
    Query(query): Query<ListQuery>,
) -> ApiResult<Listing<EnvironmentView>> {
    let rows = environments::list(&state, &stack).await?;
    let items = rows.into_iter().map(EnvironmentView::from).collect();
    page_of(items, &query, "environments")
}

/// `POST /v3/environments`
pub async fn create_environment(
    State(state): State<AppState>,
    StackAuth(stack): StackAuth,
    JsonBody(body): JsonBody<EnvironmentBody>,
) -> ApiResult<(StatusCode, Envelope<EnvironmentView>)> {
    let row = environments::create(&state, &stack, body.into_request()?).await?;
    Ok((
        StatusCode::CREATED,
        answer(row).with_notice("Environment created successfully."),
    ))
}

/// `GET /v3/environments/{name}`
pub async fn get_environment(
    State(state): State<AppState>,
    StackAuth(stack): StackAuth,
    ApiPath(name): ApiPath<String>,
) -> ApiResult<Envelope<EnvironmentView>> {
    Ok(answer(environments::get(&state, &stack, &name).await?))
}

/// `PUT /v3/environments/{name}`: a rename goes through the old name's path.
pub async fn update_environment(
    State(state): State<AppState>,
    StackAuth(stack): StackAuth,
    ApiPath(name): ApiPath<String>,
    JsonBody(body): JsonBody<EnvironmentBody>,
) -> ApiResult<Envelope<EnvironmentView>> {
    let row = environments::update(&state, &stack, &name, body.into_request()?).await?;
    Ok(answer(row).with_notice("Environment updated successfully."))
}

/// `DELETE /v3/environments/{name}`
pub async fn delete_environment(
    State(state): State<AppState>,
    StackAuth(stack): StackAuth,
    ApiPath(name): ApiPath<String>,
) -> ApiResult<Envelope<()>> {
    environments::delete(&state, &stack, &name).await?;
    Ok(envelope::notice("Environment deleted successfully."))
}
