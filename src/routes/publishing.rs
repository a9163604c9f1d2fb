//! Publishing over HTTP: publish and unpublish one asset or many, bulk job details, the
//! publish queue; and the asset calls around it (references, version names).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};

use crate::contentstack::lenient;
use crate::contentstack::page::{self, Page};
use crate::db::publishing::QueueRow;
use crate::domain::assets;
use crate::domain::bulk::{self, BulkAsset, BulkPublishRequest, JobItem};
use crate::domain::publishing::{self, Action, PublishRequest, Targets};
use crate::error::{ApiError, ApiResult};
use crate::routes::envelope::{self, Envelope, Listing};
use crate::routes::extract::{ApiPath, JsonBody, StackAuth};
use crate::routes::query::Query;
use crate::state::AppState;

/// `{"asset": {"environments", "locales"}, "version"?, "scheduled_at"?, "locale"?}`
#[derive(Debug, Deserialize)]
pub struct PublishBody {
    #[serde(default)]
    asset: Option<PublishTargets>,
    #[serde(default, deserialize_with = "lenient::version")]
    version: Option<i64>,
    #[serde(default)]
    scheduled_at: Option<String>,
    /// The JS SDK also sends the locale at the top.
    #[serde(default)]
    locale: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct PublishTargets {
    #[serde(default, deserialize_with = "lenient::names")]
    environments: Vec<String>,
    #[serde(default, deserialize_with = "lenient::names")]
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
) -> ApiResult<(StatusCode, Envelope<()>)> {
    publishing::publish_one(&state, stack, uid, action, body.into_request()).await?;
    let notice = match action {
        Action::Publish => "Asset sent for publishing.",
        Action::Unpublish => "Asset sent for unpublishing.",
    };
    Ok((StatusCode::CREATED, envelope::notice(notice)))
}

/// `POST /v3/assets/{uid}/publish`
pub async fn publish_asset(
    State(state): State<AppState>,
    StackAuth(stack): StackAuth,
    ApiPath(uid): ApiPath<String>,
    JsonBody(body): JsonBody<PublishBody>,
) -> ApiResult<(StatusCode, Envelope<()>)> {
    publish(state, &stack, &uid, Action::Publish, body).await
}

/// `POST /v3/assets/{uid}/unpublish`
pub async fn unpublish_asset(
    State(state): State<AppState>,
    StackAuth(stack): StackAuth,
    ApiPath(uid): ApiPath<String>,
    JsonBody(body): JsonBody<PublishBody>,
) -> ApiResult<(StatusCode, Envelope<()>)> {
    publish(state, &stack, &uid, Action::Unpublish, body).await
}

/// `{"assets": [{"uid", "version"?}], "entries"?, "locales", "environments", "scheduled_at"?}`
#[derive(Debug, Deserialize)]
pub struct BulkPublishBody {
    #[serde(default)]
    assets: Option<Vec<BulkAssetRef>>,
    #[serde(default)]
    entries: Option<Vec<IgnoredAny>>,
    #[serde(default, deserialize_with = "lenient::names")]
    locales: Vec<String>,
    #[serde(default, deserialize_with = "lenient::names")]
    environments: Vec<String>,
    #[serde(default)]
    scheduled_at: Option<String>,
}

#[derive(Debug, Deserialize)]
struct BulkAssetRef {
    /// A uid that is not a string is as if absent.
    #[serde(default, deserialize_with = "lenient::text")]
    uid: Option<String>,
    #[serde(default, deserialize_with = "lenient::version")]
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
                        .as_deref()
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
) -> ApiResult<Envelope<String>> {
    let job = bulk::publish(&state, stack, action, body.into_request()).await?;
    Ok(Envelope::new("job_id", job.row.uid).with_notice(format!(
        "Your bulk {} request is in progress. Please check publish queue for more details.",
        action.as_str()
    )))
}

/// `POST /v3/bulk/publish`
pub async fn bulk_publish_assets(
    State(state): State<AppState>,
    StackAuth(stack): StackAuth,
    JsonBody(body): JsonBody<BulkPublishBody>,
) -> ApiResult<Envelope<String>> {
    bulk_publish(state, &stack, Action::Publish, body).await
}

/// `POST /v3/bulk/unpublish`
pub async fn bulk_unpublish_assets(
    State(state): State<AppState>,
    StackAuth(stack): StackAuth,
    JsonBody(body): JsonBody<BulkPublishBody>,
) -> ApiResult<Envelope<String>> {
    bulk_publish(state, &stack, Action::Unpublish, body).await
}

/// One item of a publish job, as `GET /v3/bulk/jobs/{id}/items` shows it.
#[derive(Serialize)]
pub struct JobItemView {
    uid: String,
    locale: &'static str,
    version: Option<i64>,
    title: String,
    #[serde(rename = "type")]
    kind: &'static str,
    publish_details: JobItemDetails,
    publish_locale: String,
    environment: String,
    action: String,
    published_at: Option<String>,
    scheduled_at: String,
    user: String,
    depth: u32,
}

#[derive(Serialize)]
struct JobItemDetails {
    status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    failure_reason: Option<String>,
}

impl From<JobItem> for JobItemView {
    fn from(item: JobItem) -> Self {
        JobItemView {
            uid: item.uid,
            locale: "",
            version: item.version,
            title: item.title,
            kind: "asset",
            publish_details: JobItemDetails {
                status: item.status,
                failure_reason: item.failure_reason,
            },
            publish_locale: item.publish_locale,
            environment: item.environment,
            action: item.action,
            published_at: item.published_at,
            scheduled_at: item.scheduled_at,
            user: item.user,
            depth: 0,
        }
    }
}

/// A page of a job's items; `total_count` on the first page or when asked for.
#[derive(Serialize)]
pub struct JobItemsView {
    items: Vec<JobItemView>,
    skip: u64,
    limit: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    total_count: Option<usize>,
}

/// `?status=&type=&skip=&limit=&include_count=` of a job's items (`status` and `type`
/// as sent).
#[derive(Debug, Default, Deserialize)]
pub struct JobItemsQuery {
    #[serde(default)]
    status: Option<String>,
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(flatten)]
    page: Page,
}

/// `GET /v3/bulk/jobs/{job_id}/items`
pub async fn get_job_items(
    State(state): State<AppState>,
    StackAuth(stack): StackAuth,
    ApiPath(job_id): ApiPath<String>,
    Query(query): Query<JobItemsQuery>,
) -> ApiResult<Json<JobItemsView>> {
    let job = bulk::job(&state, &stack, &job_id).await?;
    let mut items: Vec<JobItem> = job.row.items().to_vec();
    if let Some(status) = query.status.as_deref().filter(|s| !s.is_empty()) {
        items.retain(|item| item.status == status);
    }
    if query.kind.as_deref() == Some("entry") {
        items.clear();
    }
    let total = items.len();
    let skip = query.page.skip();
    Ok(Json(JobItemsView {
        items: query
            .page
            .of(items, page::MANAGEMENT)
            .into_iter()
            .map(JobItemView::from)
            .collect(),
        skip,
        limit: query.page.limit(page::MANAGEMENT),
        total_count: (query.page.include_count || skip == 0).then_some(total),
    }))
}

/// A publish queue item, as the management API shows it.
#[derive(Serialize)]
pub struct QueueView {
    uid: String,
    stack: String,
    #[serde(rename = "type")]
    kind: &'static str,
    action: String,
    entry: QueueEntry,
    environment: Vec<String>,
    locale: Vec<String>,
    publish_details: QueueDetails,
    published_at: Option<String>,
    user: String,
    approval: bool,
    approved: bool,
    rejected: bool,
    created_at: String,
    updated_at: String,
    created_by: String,
    updated_by: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    scheduled_at: Option<String>,
    #[serde(rename = "bulkJobId", skip_serializing_if = "Option::is_none")]
    bulk_job_id: Option<String>,
}

/// The asset a queue item names (Contentstack calls it the entry).
#[derive(Serialize)]
struct QueueEntry {
    uid: String,
    title: String,
    version: Option<i64>,
}

#[derive(Serialize)]
struct QueueDetails {
    status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
}

impl From<QueueRow> for QueueView {
    fn from(row: QueueRow) -> Self {
        QueueView {
            uid: row.uid,
            stack: row.stack_api_key,
            kind: "asset",
            action: row.action,
            entry: QueueEntry {
                uid: row.asset_uid,
                title: row.title,
                version: row.version,
            },
            environment: row.environments.0,
            locale: row.locales.0,
            publish_details: QueueDetails {
                status: row.status,
                message: row.message,
            },
            published_at: row.published_at,
            user: row.created_by.clone(),
            approval: false,
            approved: true,
            rejected: false,
            created_at: row.created_at,
            updated_at: row.updated_at,
            updated_by: row.created_by.clone(),
            created_by: row.created_by,
            scheduled_at: row.scheduled_at,
            bulk_job_id: row.bulk_job_uid,
        }
    }
}

/// `?skip=&limit=&include_count=` (or `count=true`) of the publish queue.
#[derive(Debug, Default, Deserialize)]
pub struct QueueQuery {
    #[serde(flatten)]
    page: Page,
    #[serde(default, deserialize_with = "lenient::query_flag")]
    count: bool,
}

/// `GET /v3/publish-queue`
pub async fn list_queue(
    State(state): State<AppState>,
    StackAuth(stack): StackAuth,
    Query(query): Query<QueueQuery>,
) -> ApiResult<Listing<QueueView>> {
    let (items, count) = publishing::queue(
        &state,
        &stack,
        query.page.skip(),
        query.page.limit(page::MANAGEMENT),
    )
    .await?;
    let count =
        (query.count || query.page.include_count).then(|| u64::try_from(count).unwrap_or(0));
    let views = items.into_iter().map(QueueView::from).collect();
    Ok(Listing::new("queue", views).with_count(count))
}

/// `GET /v3/publish-queue/{uid}`
pub async fn get_queue_item(
    State(state): State<AppState>,
    StackAuth(stack): StackAuth,
    ApiPath(uid): ApiPath<String>,
) -> ApiResult<Envelope<QueueView>> {
    let item = publishing::queue_item(&state, &stack, &uid).await?;
    Ok(Envelope::new("entry", QueueView::from(item)))
}

/// `GET /v3/publish-queue/{uid}/unschedule` (Contentstack's method for it really is GET)
pub async fn unschedule(
    State(state): State<AppState>,
    StackAuth(stack): StackAuth,
    ApiPath(uid): ApiPath<String>,
) -> ApiResult<Envelope<()>> {
    publishing::unschedule(&state, &stack, &uid).await?;
    Ok(envelope::notice("Asset unscheduled successfully."))
}

/// An entry that refers to an asset: none, as no entries are emulated.
#[derive(Serialize)]
pub enum Reference {}

/// `GET /v3/assets/{uid}/references`: no entries are emulated, so none refer to it.
pub async fn get_references(
    State(state): State<AppState>,
    StackAuth(stack): StackAuth,
    ApiPath(uid): ApiPath<String>,
) -> ApiResult<Listing<Reference>> {
    assets::require(&state, &stack, &uid).await?;
    Ok(Listing::new("references", Vec::new()))
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
) -> ApiResult<(StatusCode, Envelope<()>)> {
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
        envelope::notice("Version name assigned successfully."),
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
