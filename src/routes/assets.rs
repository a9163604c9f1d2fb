//! `/v3/assets`: upload, list and query, fetch, update, replace, delete, versions.

use axum::Json;
use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::contentstack::lenient;
use crate::contentstack::page::{self, Page};
use crate::db::listing::{Scope, Sort, SortColumn};
use crate::db::stacks::StackRow;
use crate::domain::asset_extras;
use crate::domain::assets::{self, ListRequest, RTE, UpdateRequest, UploadRequest};
use crate::domain::publishing;
use crate::domain::trash::{self, Door};
use crate::error::{ApiError, ApiResult};
use crate::routes::delivery;
use crate::routes::envelope::{self, Envelope, Listing};
use crate::routes::extract::{ApiPath, Caller, StackAuth};
use crate::routes::origin::PublicBase;
use crate::routes::query::{ListQuery, Order, Query};
use crate::routes::upload::{AssetForm, SniffedBody};
use crate::routes::views::{self, AssetView, RenderQuery, VersionView};
use crate::state::AppState;

/// The query of `GET /v3/assets` (and its image, video and rich-text variants).
#[derive(Debug, Default, Deserialize)]
pub struct AssetListQuery {
    #[serde(flatten)]
    list: ListQuery,
    #[serde(flatten)]
    render: RenderQuery,
    /// A folder uid, or `cs_root` for the root.
    #[serde(default, deserialize_with = "lenient::query_text")]
    folder: Option<String>,
    #[serde(default, deserialize_with = "lenient::query_flag")]
    include_folders: bool,
    /// Answer only the count.
    #[serde(default, deserialize_with = "lenient::query_flag")]
    count: bool,
    #[serde(default, deserialize_with = "lenient::query_flag")]
    include_asset_scan_status: bool,
    /// Only what is published in this environment, as published there.
    #[serde(default, deserialize_with = "lenient::query_text")]
    environment: Option<String>,
}

/// The query of `GET /v3/assets/{uid}`.
#[derive(Debug, Default, Deserialize)]
pub struct AssetQuery {
    #[serde(flatten)]
    render: RenderQuery,
    /// A version number, as sent (an unreadable one is a 422).
    #[serde(default)]
    version: Option<String>,
    #[serde(default, deserialize_with = "lenient::query_flag")]
    include_path: bool,
    #[serde(default, deserialize_with = "lenient::query_flag")]
    include_asset_scan_status: bool,
    #[serde(default, deserialize_with = "lenient::query_text")]
    environment: Option<String>,
}

/// Rendering options, with the scan statuses of `uids` when the request asks for them.
async fn options_with_scan(
    state: &AppState,
    base: PublicBase,
    stack: &StackRow,
    render: &RenderQuery,
    include_scan_status: bool,
    uids: &[String],
) -> ApiResult<views::RenderOptions> {
    let mut options = render.options(base);
    if include_scan_status {
        options.scan_statuses = Some(asset_extras::scan_statuses(state, stack, uids).await?);
    }
    Ok(options)
}

/// The sort order from `asc` / `desc` (newest first without either).
fn sort_from(order: &Order) -> ApiResult<Sort> {
    let Some(order) = order.requested() else {
        return Ok(Sort::default());
    };
    let field = order.field;
    let column = SortColumn::from_field(field).ok_or_else(|| {
        ApiError::invalid_query(format!("Sorting on '{field}' is not supported."), order.key)
    })?;
    Ok(Sort {
        column,
        ascending: order.ascending,
    })
}

/// A listing request from the query parameters.
fn list_request(query: &AssetListQuery, family: Option<&'static str>) -> ApiResult<ListRequest> {
    let scope = match query.folder.as_deref() {
        None => Scope::Everywhere,
        Some("cs_root") => Scope::Root,
        Some(uid) => Scope::Folder(uid.to_owned()),
    };
    Ok(ListRequest {
        scope,
        include_folders: query.include_folders,
        family,
        query: query.list.query.clone(),
        sort: sort_from(&query.list.order)?,
        page: query.list.page,
        caps: page::MANAGEMENT,
        count_only: query.count,
        only_uids: None,
    })
}

/// `GET /v3/assets`, and `GET /v3/assets/images` / `videos` for one MIME family; with a
/// delivery token, the delivery API's list.
pub async fn list_assets(
    State(state): State<AppState>,
    base: PublicBase,
    caller: Caller,
    uri: Uri,
) -> ApiResult<Response> {
    let family = match uri.path().trim_end_matches('/').rsplit('/').next() {
        Some("images") => Some("image/"),
        Some("videos") => Some("video/"),
        _ => None,
    };
    let stack = match caller {
        Caller::Management(stack) => stack,
        Caller::Delivery(_) if family.is_some() => {
            return Err(ApiError::NotFound {
                message: format!("The delivery API has no {}.", uri.path()),
            });
        }
        Caller::Delivery(auth) => {
            return delivery::list_assets(&state, base, &auth, uri.query()).await;
        }
    };
    let query: AssetListQuery = Query::parse(uri.query())?;
    let mut request = list_request(&query, family)?;
    let count_only = request.count_only;
    // `environment=`: only what is published there, in the version published there.
    let published_versions = match query.environment.as_deref() {
        Some(name) => {
            let versions = asset_extras::published_versions(&state, &stack, name).await?;
            request.only_uids = Some(versions.keys().cloned().collect());
            Some(versions)
        }
        None => None,
    };
    let mut listed = assets::list(&state, &stack, request).await?;
    if count_only {
        return Ok(Envelope::new("assets", listed.count.unwrap_or(0)).into_response());
    }
    if let Some(versions) = &published_versions {
        for row in &mut listed.rows {
            match versions.get(&row.uid) {
                Some(&version) if version != row.version => {
                    *row = assets::get(&state, &stack, &row.uid, Some(version), false)
                        .await?
                        .row;
                }
                _ => {}
            }
        }
    }
    let uids: Vec<String> = listed.rows.iter().map(|row| row.uid.clone()).collect();
    let options = options_with_scan(
        &state,
        base,
        &stack,
        &query.render,
        query.include_asset_scan_status,
        &uids,
    )
    .await?;
    let published = publishing::records_of(&state, &stack, &uids).await?;
    let assets: Vec<AssetView> = listed
        .rows
        .iter()
        .map(|row| {
            let records = published.get(&row.uid).map_or(&[][..], Vec::as_slice);
            views::view(row, &options, None, records)
        })
        .collect();
    let count = listed.count.map(|count| u64::try_from(count).unwrap_or(0));
    Ok(Listing::new("assets", assets)
        .with_count(count)
        .into_response())
}

/// One image of `GET /v3/assets/rt`.
#[derive(Serialize)]
struct RteImage<'a> {
    image: String,
    thumb: String,
    title: &'a str,
}

/// `GET /v3/assets/rt`: the images the rich text editor offers, as a bare JSON array
/// of `{image, thumb, title}`.
pub async fn list_rte_assets(
    State(state): State<AppState>,
    base: PublicBase,
    StackAuth(stack): StackAuth,
    Query(query): Query<AssetListQuery>,
) -> ApiResult<Response> {
    let mut request = list_request(&query, Some("image/"))?;
    // 1,000 images, whatever `limit` says; never a count.
    request.page = Page {
        limit: None,
        include_count: false,
        ..request.page
    };
    request.caps = RTE;
    request.count_only = false;
    let listed = assets::list(&state, &stack, request).await?;
    let options = query.render.options(base);
    let images: Vec<RteImage> = listed
        .rows
        .iter()
        .map(|row| {
            let filename = row.filename.as_deref().unwrap_or_default();
            let version_uid = row.version_uid.as_deref().unwrap_or_default();
            let url = views::file_url(
                &options,
                &row.stack_api_key,
                &row.uid,
                version_uid,
                filename,
            );
            RteImage {
                image: url.clone(),
                thumb: url,
                title: filename,
            }
        })
        .collect();
    Ok(Json(images).into_response())
}

/// Reads an upload or update body: JSON, or a multipart form streamed to storage.
async fn read_form(
    state: &AppState,
    api_key: &str,
    headers: &HeaderMap,
    sniffed: SniffedBody,
) -> ApiResult<AssetForm> {
    if sniffed.looks_like_json() {
        return sniffed.into_json_form().await;
    }
    sniffed
        .into_asset_form(
            headers,
            &state.storage,
            api_key,
            state.settings.max_upload_bytes,
        )
        .await
}

/// `POST /v3/assets`
pub async fn upload_asset(
    State(state): State<AppState>,
    base: PublicBase,
    StackAuth(stack): StackAuth,
    Query(render): Query<RenderQuery>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Response> {
    let sniffed = SniffedBody::read(body).await?;
    let form = if sniffed.is_empty() {
        AssetForm::default()
    } else {
        sniffed
            .into_asset_form(
                &headers,
                &state.storage,
                &stack.api_key,
                state.settings.max_upload_bytes,
            )
            .await?
    };
    let file = form.file.ok_or_else(|| {
        ApiError::invalid("Please upload a file.", "asset[upload]", "is required.")
    })?;
    let request = UploadRequest {
        file,
        details: form.details,
    };
    let row = assets::create(&state, &stack, request).await?;
    let asset = views::render(&row, &render.options(base), None);
    Ok((
        StatusCode::CREATED,
        Envelope::new("asset", asset).with_notice("Asset created successfully."),
    )
        .into_response())
}

/// `GET /v3/assets/{uid}`; with a delivery token, the delivery API's fetch.
pub async fn get_asset(
    State(state): State<AppState>,
    base: PublicBase,
    caller: Caller,
    ApiPath(uid): ApiPath<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    let stack = match caller {
        Caller::Management(stack) => stack,
        Caller::Delivery(auth) => {
            return delivery::get_asset(&state, base, &auth, &uid, raw.as_deref()).await;
        }
    };
    let query: AssetQuery = Query::parse(raw.as_deref())?;
    let mut version = match &query.version {
        None => None,
        Some(text) => Some(text.trim().parse::<i64>().map_err(|_| {
            ApiError::invalid("The version is not valid.", "version", "is not valid.")
        })?),
    };
    // `environment=`: the version published there; not published there is not found.
    if let Some(name) = query.environment.as_deref() {
        let versions = asset_extras::published_versions(&state, &stack, name).await?;
        let published = *versions.get(&uid).ok_or(ApiError::AssetNotFound)?;
        version = version.or(Some(published));
    }
    let shown = assets::get(&state, &stack, &uid, version, query.include_path).await?;
    let options = options_with_scan(
        &state,
        base,
        &stack,
        &query.render,
        query.include_asset_scan_status,
        std::slice::from_ref(&uid),
    )
    .await?;
    let asset = views::view(&shown.row, &options, shown.path, &shown.published);
    Ok(Envelope::new("asset", asset).into_response())
}

/// `PUT /v3/assets/{uid}`: update details (JSON or multipart) and/or replace the file.
pub async fn update_asset(
    State(state): State<AppState>,
    base: PublicBase,
    StackAuth(stack): StackAuth,
    ApiPath(uid): ApiPath<String>,
    Query(render): Query<RenderQuery>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Response> {
    let sniffed = SniffedBody::read(body).await?;
    if sniffed.is_empty() {
        return Err(ApiError::invalid(
            "Please provide the asset details.",
            "asset",
            "is required.",
        ));
    }
    let form = read_form(&state, &stack.api_key, &headers, sniffed).await?;
    let request = UpdateRequest {
        details: form.details,
        revert_to: form.revert_to,
        permanent_url: form.permanent_url,
        file: form.file,
    };
    let row = assets::update(&state, &stack, &uid, request).await?;
    let published = publishing::records_of(&state, &stack, std::slice::from_ref(&row.uid)).await?;
    let records = published.get(&row.uid).map_or(&[][..], Vec::as_slice);
    let asset = views::view(&row, &render.options(base), None, records);
    Ok(Envelope::new("asset", asset)
        .with_notice("Asset updated successfully.")
        .into_response())
}

/// `DELETE /v3/assets/{uid}`: moves the asset (or folder) to the trash.
pub async fn delete_asset(
    State(state): State<AppState>,
    StackAuth(stack): StackAuth,
    ApiPath(uid): ApiPath<String>,
) -> ApiResult<Envelope<()>> {
    trash::delete_one(&state, &stack, &uid, Door::Asset).await?;
    Ok(envelope::notice("Asset deleted successfully."))
}

/// `GET /v3/assets/{uid}/versions`
pub async fn list_versions(
    State(state): State<AppState>,
    StackAuth(stack): StackAuth,
    ApiPath(uid): ApiPath<String>,
    Query(page): Query<Page>,
) -> ApiResult<Response> {
    let (versions, count) = assets::versions(&state, &stack, &uid, page).await?;
    let views: Vec<VersionView> = versions.iter().map(VersionView::from).collect();
    let count = count.map(|count| u64::try_from(count).unwrap_or(0));
    Ok(Listing::new("versions", views)
        .with_count(count)
        .into_response())
}
