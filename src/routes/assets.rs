//! `/v3/assets`: upload, list and query, fetch, update, replace, delete, versions.

use axum::Json;
use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::db::listing::{Scope, Sort, SortColumn};
use crate::db::stacks::StackRow;
use crate::domain::asset_extras;
use crate::domain::assets::{
    self, ListRequest, RTE_LIMIT, UpdateRequest, UploadRequest, page_limit,
};
use crate::domain::publishing;
use crate::domain::trash::{self, Door};
use crate::error::{ApiError, ApiResult, codes};
use crate::routes::delivery;
use crate::routes::extract::{ApiPath, Caller, StackAuth};
use crate::routes::origin::PublicBase;
use crate::routes::query::Params;
use crate::routes::upload::{AssetForm, SniffedBody};
use crate::routes::views::{self, render_options};
use crate::state::AppState;

/// The `environment` parameter of a management request, when given.
fn environment_param(params: &Params) -> Option<&str> {
    params
        .get("environment")
        .map(str::trim)
        .filter(|e| !e.is_empty())
}

/// Rendering options, with the scan statuses of `uids` when the request asks for them.
async fn options_with_scan(
    state: &AppState,
    base: PublicBase,
    stack: &StackRow,
    params: &Params,
    uids: &[String],
) -> ApiResult<views::RenderOptions> {
    let mut options = render_options(base, params);
    if params.flag("include_asset_scan_status") {
        options.scan_statuses = Some(asset_extras::scan_statuses(state, stack, uids).await?);
    }
    Ok(options)
}

fn invalid_query(message: impl Into<String>, field: &str) -> ApiError {
    ApiError::unprocessable(codes::INVALID_QUERY, message, field, "is not valid.")
}

/// The sort order from `asc` / `desc` (newest first without either).
fn sort_from(params: &Params) -> ApiResult<Sort> {
    let (field, key, ascending) = match (params.get("asc"), params.get("desc")) {
        (Some(field), _) => (field, "asc", true),
        (None, Some(field)) => (field, "desc", false),
        (None, None) => return Ok(Sort::default()),
    };
    let column = SortColumn::from_field(field)
        .ok_or_else(|| invalid_query(format!("Sorting on '{field}' is not supported."), key))?;
    Ok(Sort { column, ascending })
}

/// The `query` parameter's text, when it says anything.
pub fn query_text(params: &Params) -> Option<String> {
    params
        .get("query")
        .map(str::trim)
        .filter(|q| !q.is_empty())
        .map(str::to_owned)
}

/// A listing request from the query parameters.
fn list_request(params: &Params, family: Option<&'static str>) -> ApiResult<ListRequest> {
    let scope = match params
        .get("folder")
        .map(str::trim)
        .filter(|f| !f.is_empty())
    {
        None => Scope::Everywhere,
        Some("cs_root") => Scope::Root,
        Some(uid) => Scope::Folder(uid.to_owned()),
    };
    Ok(ListRequest {
        scope,
        include_folders: params.flag("include_folders"),
        family,
        query: query_text(params),
        sort: sort_from(params)?,
        skip: params.count("skip").unwrap_or(0),
        limit: page_limit(params.count("limit")),
        count_only: params.flag("count"),
        include_count: params.flag("include_count"),
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
    RawQuery(query): RawQuery,
) -> ApiResult<Response> {
    let family = match uri.path().trim_end_matches('/').rsplit('/').next() {
        Some("images") => Some("image/"),
        Some("videos") => Some("video/"),
        _ => None,
    };
    let params = Params::from_query(query.as_deref());
    let stack = match caller {
        Caller::Management(stack) => stack,
        Caller::Delivery(_) if family.is_some() => {
            return Err(ApiError::NotFound {
                message: format!("The delivery API has no {}.", uri.path()),
            });
        }
        Caller::Delivery(auth) => {
            return delivery::list_assets(&state, base, &auth, query.as_deref()).await;
        }
    };
    let mut request = list_request(&params, family)?;
    let count_only = request.count_only;
    // `environment=`: only what is published there, in the version published there.
    let published_versions = match environment_param(&params) {
        Some(name) => {
            let versions = asset_extras::published_versions(&state, &stack, name).await?;
            request.only_uids = Some(versions.keys().cloned().collect());
            Some(versions)
        }
        None => None,
    };
    let mut listed = assets::list(&state, &stack, request).await?;
    if count_only {
        return Ok(Json(json!({ "assets": listed.count.unwrap_or(0) })).into_response());
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
    let options = options_with_scan(&state, base, &stack, &params, &uids).await?;
    let published = publishing::records_of(&state, &stack, &uids).await?;
    let assets: Vec<views::AssetView> = listed
        .rows
        .iter()
        .map(|row| {
            let records = published.get(&row.uid).map_or(&[][..], Vec::as_slice);
            views::view(row, &options, None, records)
        })
        .collect();
    Ok(Json(AssetList {
        assets,
        count: listed.count,
    })
    .into_response())
}

/// A page of `GET /v3/assets`.
#[derive(serde::Serialize)]
struct AssetList<'a> {
    assets: Vec<views::AssetView<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    count: Option<i64>,
}

/// `GET /v3/assets/rt`: the images the rich text editor offers, as a bare JSON array
/// of `{image, thumb, title}`.
pub async fn list_rte_assets(
    State(state): State<AppState>,
    base: PublicBase,
    StackAuth(stack): StackAuth,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Value>> {
    let params = Params::from_query(query.as_deref());
    let mut request = list_request(&params, Some("image/"))?;
    request.limit = RTE_LIMIT;
    request.count_only = false;
    request.include_count = false;
    let listed = assets::list(&state, &stack, request).await?;
    let options = render_options(base, &params);
    let images: Vec<Value> = listed
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
            json!({ "image": url, "thumb": url, "title": filename })
        })
        .collect();
    Ok(Json(Value::Array(images)))
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
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let params = Params::from_query(query.as_deref());
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
    let asset = views::render(&row, &render_options(base, &params), None);
    Ok((
        StatusCode::CREATED,
        Json(json!({ "notice": "Asset created successfully.", "asset": asset })),
    ))
}

/// `GET /v3/assets/{uid}`; with a delivery token, the delivery API's fetch.
pub async fn get_asset(
    State(state): State<AppState>,
    base: PublicBase,
    caller: Caller,
    ApiPath(uid): ApiPath<String>,
    RawQuery(query): RawQuery,
) -> ApiResult<Response> {
    let params = Params::from_query(query.as_deref());
    let stack = match caller {
        Caller::Management(stack) => stack,
        Caller::Delivery(auth) => {
            return delivery::get_asset(&state, base, &auth, &uid, query.as_deref()).await;
        }
    };
    let mut version = match params.get("version") {
        None => None,
        Some(text) => Some(text.trim().parse::<i64>().map_err(|_| {
            ApiError::invalid("The version is not valid.", "version", "is not valid.")
        })?),
    };
    // `environment=`: the version published there; not published there is not found.
    if let Some(name) = environment_param(&params) {
        let versions = asset_extras::published_versions(&state, &stack, name).await?;
        let published = *versions.get(&uid).ok_or(ApiError::AssetNotFound)?;
        version = version.or(Some(published));
    }
    let shown = assets::get(&state, &stack, &uid, version, params.flag("include_path")).await?;
    let options =
        options_with_scan(&state, base, &stack, &params, std::slice::from_ref(&uid)).await?;
    let asset = views::render_published(&shown.row, &options, shown.path, &shown.published);
    Ok(Json(json!({ "asset": asset })).into_response())
}

/// `PUT /v3/assets/{uid}`: update details (JSON or multipart) and/or replace the file.
pub async fn update_asset(
    State(state): State<AppState>,
    base: PublicBase,
    StackAuth(stack): StackAuth,
    ApiPath(uid): ApiPath<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Json<Value>> {
    let params = Params::from_query(query.as_deref());
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
    let asset = views::render_published(&row, &render_options(base, &params), None, records);
    Ok(Json(
        json!({ "notice": "Asset updated successfully.", "asset": asset }),
    ))
}

/// `DELETE /v3/assets/{uid}`: moves the asset (or folder) to the trash.
pub async fn delete_asset(
    State(state): State<AppState>,
    StackAuth(stack): StackAuth,
    ApiPath(uid): ApiPath<String>,
) -> ApiResult<Json<Value>> {
    trash::delete_one(&state, &stack, &uid, Door::Asset).await?;
    Ok(Json(json!({ "notice": "Asset deleted successfully." })))
}

/// `GET /v3/assets/{uid}/versions`
pub async fn list_versions(
    State(state): State<AppState>,
    StackAuth(stack): StackAuth,
    ApiPath(uid): ApiPath<String>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Value>> {
    let params = Params::from_query(query.as_deref());
    let (versions, count) = assets::versions(
        &state,
        &stack,
        &uid,
        params.count("skip").unwrap_or(0),
        page_limit(params.count("limit")),
        params.flag("include_count"),
    )
    .await?;
    let mut body =
        json!({ "versions": versions.iter().map(views::render_version).collect::<Vec<_>>() });
    if let Some(count) = count {
        body["count"] = count.into();
    }
    Ok(Json(body))
}
