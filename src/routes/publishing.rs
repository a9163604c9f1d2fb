//! Publishing over HTTP: publish and unpublish one asset or many, bulk job details, the
//! publish queue; and the asset calls around it (references, version names).

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::de::IgnoredAny;
use serde::{Deserialize, Deserializer};
use serde_json::{Value, json};

use crate::domain::assets;
use crate::domain::bulk::{self, BulkAsset, BulkPublishRequest, JobItem};
use crate::domain::publishing::{self, Action, PublishRequest, Targets};
use crate::error::{ApiError, ApiResult};
use crate::routes::extract::{ApiPath, JsonBody, StackAuth};
use crate::routes::query::Params;
use crate::routes::settings_views::queue_json;
use crate::state::AppState;

/// A list of names: strings, or objects with a `name` (or `uid`).
fn names<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let items = Option::<Vec<Value>>::deserialize(d)?.unwrap_or_default();
    Ok(items
        .iter()
        .filter_map(|item| match item {
            Value::String(s) => Some(s.trim().to_owned()),
            Value::Object(o) => o
                .get("name")
                .or_else(|| o.get("code"))
                .or_else(|| o.get("uid"))
                .and_then(Value::as_str)
                .map(str::to_owned),
            _ => None,
        })
        .collect())
}

/// A version number, as a number or a numeric string.
fn version<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    let invalid = || serde::de::Error::custom("the version is not a whole number");
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        Value::Number(n) => n.as_i64().map(Some).ok_or_else(invalid),
        Value::String(s) => s.trim().parse().map(Some).map_err(|_| invalid()),
        _ => Err(invalid()),
    }
}

/// `{"asset": {"environments", "locales"}, "version"?, "scheduled_at"?, "locale"?}`
#[derive(Debug, Deserialize)]
pub struct PublishBody {
    #[serde(default)]
    asset: Option<PublishTargets>,
    #[serde(default, deserialize_with = "version")]
    version: Option<i64>,
    #[serde(default)]
    scheduled_at: Option<String>,
    /// The JS SDK also sends the locale at the top.
    #[serde(default)]
    locale: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct PublishTargets {
    #[serde(default, deserialize_with = "names")]
    environments: Vec<String>,
    #[serde(default, deserialize_with = "names")]
    locales: Vec<String>,
}

impl PublishBody {
    fn into_request(self) -> PublishRequest {
        let targets = self.asset.unwrap_or_default();
        let mut locales = targets.locales;
        if locales.is_empty()
            && let Some(locale) = self.locale
        {
            locales.push(locale);
        }
        PublishRequest {
            targets: Targets {
                environments: targets.environments,
                locales,
                scheduled_at: self.scheduled_at,
            },
            version: self.version,
        }
    }
}

async fn publish(
    state: AppState,
    stack: &crate::db::stacks::StackRow,
    uid: &str,
    action: Action,
    body: PublishBody,
) -> ApiResult<(StatusCode, Json<Value>)> {
    publishing::publish_one(&state, stack, uid, action, body.into_request()).await?;
    let notice = match action {
        Action::Publish => "Asset sent for publishing.",
        Action::Unpublish => "Asset sent for unpublishing.",
    };
    Ok((StatusCode::CREATED, Json(json!({ "notice": notice }))))
}

/// `POST /v3/assets/{uid}/publish`
pub async fn publish_asset(
    State(state): State<AppState>,
    StackAuth(stack): StackAuth,
    ApiPath(uid): ApiPath<String>,
    JsonBody(body): JsonBody<PublishBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    publish(state, &stack, &uid, Action::Publish, body).await
}

/// `POST /v3/assets/{uid}/unpublish`
pub async fn unpublish_asset(
    State(state): State<AppState>,
    StackAuth(stack): StackAuth,
    ApiPath(uid): ApiPath<String>,
    JsonBody(body): JsonBody<PublishBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    publish(state, &stack, &uid, Action::Unpublish, body).await
}

/// `{"assets": [{"uid", "version"?}], "entries"?, "locales", "environments", "scheduled_at"?}`
#[derive(Debug, Deserialize)]
pub struct BulkPublishBody {
    #[serde(default)]
    assets: Option<Vec<BulkAssetRef>>,
    #[serde(default)]
    entries: Option<Vec<IgnoredAny>>,
    #[serde(default, deserialize_with = "names")]
    locales: Vec<String>,
    #[serde(default, deserialize_with = "names")]
    environments: Vec<String>,
    #[serde(default)]
    scheduled_at: Option<String>,
}

#[derive(Debug, Deserialize)]
struct BulkAssetRef {
    #[serde(default)]
    uid: Option<Value>,
    #[serde(default, deserialize_with = "version")]
    version: Option<i64>,
}

impl BulkPublishBody {
    fn into_request(self) -> BulkPublishRequest {
        BulkPublishRequest {
            assets: self
                .assets
                .unwrap_or_default()
                .into_iter()
                .map(|a| BulkAsset {
                    uid: a
                        .uid
                        .as_ref()
                        .and_then(Value::as_str)
                        .map(str::trim)
                        .filter(|u| !u.is_empty())
                        .map(str::to_owned),
                    version: a.version,
                })
                .collect(),
            entries: self.entries.map_or(0, |e| e.len()),
            targets: Targets {
                environments: self.environments,
                locales: self.locales,
                scheduled_at: self.scheduled_at,
            },
        }
    }
}

async fn bulk_publish(
    state: AppState,
    stack: &crate::db::stacks::StackRow,
    action: Action,
    body: BulkPublishBody,
) -> ApiResult<Json<Value>> {
    let job = bulk::publish(&state, stack, action, body.into_request()).await?;
    Ok(Json(json!({
        "notice": format!(
            "Your bulk {} request is in progress. Please check publish queue for more details.",
            action.as_str()
        ),
        "job_id": job.row.uid,
    })))
}

/// `POST /v3/bulk/publish`
pub async fn bulk_publish_assets(
    State(state): State<AppState>,
    StackAuth(stack): StackAuth,
    JsonBody(body): JsonBody<BulkPublishBody>,
) -> ApiResult<Json<Value>> {
    bulk_publish(state, &stack, Action::Publish, body).await
}

/// `POST /v3/bulk/unpublish`
pub async fn bulk_unpublish_assets(
    State(state): State<AppState>,
    StackAuth(stack): StackAuth,
    JsonBody(body): JsonBody<BulkPublishBody>,
) -> ApiResult<Json<Value>> {
    bulk_publish(state, &stack, Action::Unpublish, body).await
}

fn job_item_json(item: &JobItem) -> Value {
    let mut details = json!({ "status": item.status });
    if let Some(reason) = &item.failure_reason {
        details["failure_reason"] = reason.clone().into();
    }
    json!({
        "uid": item.uid,
        "locale": "",
        "version": item.version,
        "title": item.title,
        "type": "asset",
        "publish_details": details,
        "publish_locale": item.publish_locale,
        "environment": item.environment,
        "action": item.action,
        "published_at": item.published_at,
        "scheduled_at": item.scheduled_at,
        "user": item.user,
        "depth": 0,
    })
}

/// `GET /v3/bulk/jobs/{job_id}/items`
pub async fn get_job_items(
    State(state): State<AppState>,
    StackAuth(stack): StackAuth,
    ApiPath(job_id): ApiPath<String>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Value>> {
    let params = Params::from_query(query.as_deref());
    let job = bulk::job(&state, &stack, &job_id).await?;
    let mut items: Vec<JobItem> = job.row.items().to_vec();
    if let Some(status) = params.get("status").filter(|s| !s.is_empty()) {
        items.retain(|item| item.status == status);
    }
    if params.get("type").is_some_and(|t| t == "entry") {
        items.clear();
    }
    let total = items.len();
    let skip = params.count("skip").unwrap_or(0);
    let limit = assets::page_limit(params.count("limit"));
    let page: Vec<Value> = items
        .iter()
        .skip(usize::try_from(skip).unwrap_or(usize::MAX))
        .take(limit as usize)
        .map(job_item_json)
        .collect();
    let mut body = json!({ "items": page, "skip": skip, "limit": limit });
    if params.flag("include_count") || skip == 0 {
        body["total_count"] = total.into();
    }
    Ok(Json(body))
}

/// `GET /v3/publish-queue`
pub async fn list_queue(
    State(state): State<AppState>,
    StackAuth(stack): StackAuth,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Value>> {
    let params = Params::from_query(query.as_deref());
    let (items, count) = publishing::queue(
        &state,
        &stack,
        params.count("skip").unwrap_or(0),
        assets::page_limit(params.count("limit")),
    )
    .await?;
    let mut body = json!({ "queue": items.iter().map(queue_json).collect::<Vec<_>>() });
    if params.flag("count") || params.flag("include_count") {
        body["count"] = count.into();
    }
    Ok(Json(body))
}

/// `GET /v3/publish-queue/{uid}`
pub async fn get_queue_item(
    State(state): State<AppState>,
    StackAuth(stack): StackAuth,
    ApiPath(uid): ApiPath<String>,
) -> ApiResult<Json<Value>> {
    let item = publishing::queue_item(&state, &stack, &uid).await?;
    Ok(Json(json!({ "entry": queue_json(&item) })))
}

/// `GET /v3/publish-queue/{uid}/unschedule` (Contentstack's method for it really is GET)
pub async fn unschedule(
    State(state): State<AppState>,
    StackAuth(stack): StackAuth,
    ApiPath(uid): ApiPath<String>,
) -> ApiResult<Json<Value>> {
    publishing::unschedule(&state, &stack, &uid).await?;
    Ok(Json(json!({ "notice": "Asset unscheduled successfully." })))
}

/// `GET /v3/assets/{uid}/references`: no entries are emulated, so none refer to it.
pub async fn get_references(
    State(state): State<AppState>,
    StackAuth(stack): StackAuth,
    ApiPath(uid): ApiPath<String>,
) -> ApiResult<Json<Value>> {
    assets::require(&state, &stack, &uid).await?;
    Ok(Json(json!({ "references": [] })))
}

/// `{"upload": {"_version_name"}}` (the docs) or `{"asset": {"_version_name"}}`.
#[derive(Debug, Deserialize)]
pub struct VersionNameBody {
    #[serde(default)]
    upload: Option<VersionName>,
    #[serde(default)]
    asset: Option<VersionName>,
}

#[derive(Debug, Deserialize)]
struct VersionName {
    #[serde(default, rename = "_version_name")]
    name: Option<String>,
}

/// `POST /v3/assets/{uid}/versions/{n}/name`
pub async fn name_version(
    State(state): State<AppState>,
    StackAuth(stack): StackAuth,
    ApiPath((uid, version)): ApiPath<(String, i64)>,
    JsonBody(body): JsonBody<VersionNameBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let name = body
        .upload
        .or(body.asset)
        .and_then(|v| v.name)
        .ok_or_else(|| {
            ApiError::invalid(
                "Please enter a version name.",
                "_version_name",
                "is required.",
            )
        })?;
    assets::name_version(&state, &stack, &uid, version, Some(name)).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "notice": "Version name assigned successfully." })),
    ))
}

/// `DELETE /v3/assets/{uid}/versions/{n}/name`: 204, as Contentstack answers.
pub async fn unname_version(
    State(state): State<AppState>,
    StackAuth(stack): StackAuth,
    ApiPath((uid, version)): ApiPath<(String, i64)>,
) -> ApiResult<Response> {
    assets::name_version(&state, &stack, &uid, version, None).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
