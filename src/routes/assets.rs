//! `/v3/assets`: upload, list and query, fetch, update, replace, delete, versions.

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use serde_json::{Value, json};

use crate::auth::StackAuth;
use crate::clock::format_ts;
use crate::db::assets::{
    self as asset_db, AssetFileRow, AssetRow, Listing, Scope, Sort, VersionRow,
};
use crate::db::stacks::StackRow;
use crate::error::{ApiError, ApiResult, codes};
use crate::params::Params;
use crate::query_filter;
use crate::state::AppState;
use crate::upload::{AssetForm, PendingFile, SniffedBody, asset_form_from_json};
use crate::views::{self, RenderOptions};
use crate::{ids, trash};

/// Page size when `limit` is absent, and the largest page served.
pub const PAGE_LIMIT: u64 = 100;

/// Rendering options from the request's query parameters.
pub fn render_options(state: &AppState, params: &Params) -> RenderOptions {
    RenderOptions {
        public_url: state.settings.public_url.clone(),
        relative_urls: params.flag("relative_urls"),
        include_dimension: params.flag("include_dimension"),
    }
}

/// `GET /v3/assets`, and `GET /v3/assets/images` / `videos` for one MIME family.
pub async fn list_assets(
    State(state): State<AppState>,
    StackAuth(stack): StackAuth,
    uri: Uri,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Value>> {
    let family = match uri.path().trim_end_matches('/').rsplit('/').next() {
        Some("images") => Some("image/"),
        Some("videos") => Some("video/"),
        _ => None,
    };
    list(
        &state,
        &stack.api_key,
        &Params::from_query(query.as_deref()),
        family,
    )
    .await
}

/// `GET /v3/assets/rt`: the images the rich text editor offers, as a bare JSON array
/// of `{image, thumb, title}`.
pub async fn list_rte_assets(
    State(state): State<AppState>,
    StackAuth(stack): StackAuth,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Value>> {
    let params = Params::from_query(query.as_deref());
    let mut listing = listing_from(&stack.api_key, &params, Some("image/"))?;
    listing.limit = RTE_LIMIT;
    let rows: Vec<AssetRow> = listing
        .page_sql()
        .map_err(|e| invalid_query(e.0, "query"))?
        .build_query_as()
        .fetch_all(&state.db.read)
        .await?;
    let options = render_options(&state, &params);
    let images: Vec<Value> = rows
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

/// Most images `GET /v3/assets/rt` lists.
const RTE_LIMIT: u64 = 1000;

fn invalid_query(message: impl Into<String>, field: &str) -> ApiError {
    ApiError::unprocessable(codes::INVALID_QUERY, message, field, "is not valid.")
}

fn listing_from(
    api_key: &str,
    params: &Params,
    content_type_prefix: Option<&'static str>,
) -> ApiResult<Listing> {
    let query = match params.get("query").map(str::trim).filter(|q| !q.is_empty()) {
        Some(text) => query_filter::parse(text).map_err(|e| invalid_query(e.0, "query"))?,
        None => Default::default(),
    };
    let scope = match params
        .get("folder")
        .map(str::trim)
        .filter(|f| !f.is_empty())
    {
        None => Scope::Everywhere,
        Some("cs_root") => Scope::Root,
        Some(uid) => Scope::Folder(uid.to_owned()),
    };
    let sort = match (params.get("asc"), params.get("desc")) {
        (Some(field), _) => Sort {
            column: asset_db::sort_column(field).ok_or_else(|| {
                invalid_query(format!("Sorting on '{field}' is not supported."), "asc")
            })?,
            ascending: true,
        },
        (None, Some(field)) => Sort {
            column: asset_db::sort_column(field).ok_or_else(|| {
                invalid_query(format!("Sorting on '{field}' is not supported."), "desc")
            })?,
            ascending: false,
        },
        (None, None) => Sort {
            column: "created_at",
            ascending: false,
        },
    };
    let limit = match params.count("limit") {
        Some(0) | None => PAGE_LIMIT,
        Some(n) => n.min(PAGE_LIMIT),
    };
    Ok(Listing {
        api_key: api_key.to_owned(),
        scope,
        include_folders: params.flag("include_folders"),
        content_type_prefix,
        query,
        sort,
        skip: params.count("skip").unwrap_or(0),
        limit,
    })
}

async fn list(
    state: &AppState,
    api_key: &str,
    params: &Params,
    prefix: Option<&'static str>,
) -> ApiResult<Json<Value>> {
    let listing = listing_from(api_key, params, prefix)?;
    if let Scope::Folder(uid) = &listing.scope
        && !is_live_folder(&state.db.read, api_key, uid).await?
    {
        return Err(ApiError::FolderNotFound { field: "folder" });
    }
    let query_error = |e: query_filter::QueryError| invalid_query(e.0, "query");
    if params.flag("count") {
        let count: i64 = listing
            .count_sql()
            .map_err(query_error)?
            .build_query_scalar()
            .fetch_one(&state.db.read)
            .await?;
        return Ok(Json(json!({ "assets": count })));
    }
    let rows: Vec<AssetRow> = listing
        .page_sql()
        .map_err(query_error)?
        .build_query_as()
        .fetch_all(&state.db.read)
        .await?;
    let options = render_options(state, params);
    let assets: Vec<Value> = rows
        .iter()
        .map(|row| views::render(row, &options, None))
        .collect();
    let mut body = json!({ "assets": assets });
    if params.flag("include_count") {
        let count: i64 = listing
            .count_sql()
            .map_err(query_error)?
            .build_query_scalar()
            .fetch_one(&state.db.read)
            .await?;
        body["count"] = count.into();
    }
    Ok(Json(body))
}

async fn is_live_folder(
    db: impl sqlx::SqliteExecutor<'_>,
    api_key: &str,
    uid: &str,
) -> ApiResult<bool> {
    Ok(asset_db::get(db, api_key, uid)
        .await?
        .is_some_and(|row| row.is_dir))
}

/// Checks that `parent` (when set) is a live folder of the stack.
pub async fn check_parent(
    db: impl sqlx::SqliteExecutor<'_>,
    api_key: &str,
    parent: Option<&str>,
) -> ApiResult<()> {
    match parent {
        Some(uid) if !is_live_folder(db, api_key, uid).await? => Err(ApiError::FolderNotFound {
            field: "parent_uid",
        }),
        _ => Ok(()),
    }
}

/// `POST /v3/assets`
pub async fn upload_asset(
    State(state): State<AppState>,
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
        ApiError::unprocessable(
            codes::INVALID_FIELD,
            "Please upload a file.",
            "asset[upload]",
            "is required.",
        )
    })?;
    let parent_uid = form.parent_uid.flatten();
    let now = format_ts(stack.clock().now());
    let uid = ids::asset_uid();
    let version_uid = ids::version_uid();
    let dimension = file.dimension();
    let file_row = AssetFileRow {
        version_uid: version_uid.clone(),
        asset_uid: uid.clone(),
        stack_api_key: stack.api_key.clone(),
        storage_key: file.stored.storage_key.clone(),
        filename: file.filename.clone(),
        content_type: file.content_type.clone(),
        file_size: file.stored.size as i64,
        sha256: file.stored.sha256.clone(),
        width: dimension.map(|d| d.0),
        height: dimension.map(|d| d.1),
        created_at: now.clone(),
    };
    let mut row = AssetRow {
        uid,
        stack_api_key: stack.api_key.clone(),
        is_dir: false,
        parent_uid,
        title: Some(
            form.title
                .filter(|t| !t.trim().is_empty())
                .unwrap_or_else(|| file.filename.clone()),
        ),
        name: None,
        description: form.description,
        filename: Some(file.filename.clone()),
        content_type: file.content_type.clone(),
        file_size: Some(file.stored.size as i64),
        tags: String::new(),
        version: 1,
        version_uid: Some(version_uid),
        width: file_row.width,
        height: file_row.height,
        created_at: now.clone(),
        created_by: stack.user_uid.clone(),
        updated_at: now,
        updated_by: stack.user_uid.clone(),
    };
    row.set_tags(&form.tags.unwrap_or_default());

    let mut tx = state.db.write.begin().await?;
    check_stack_unchanged(&mut tx, &stack).await?;
    check_parent(&mut *tx, &stack.api_key, row.parent_uid.as_deref()).await?;
    asset_db::insert_file(&mut tx, &file_row).await?;
    asset_db::insert(&mut tx, &row).await?;
    asset_db::record_version(&mut tx, &row).await?;
    commit_keeping(tx, Some(file)).await?;

    let asset = views::render(&row, &render_options(&state, &params), None);
    Ok((
        StatusCode::CREATED,
        Json(json!({ "notice": "Asset created successfully.", "asset": asset })),
    ))
}

/// Commits `tx` and then keeps `file`, in a task of its own: if the request is dropped
/// (the client gave up, or shutdown), the commit still completes and the file it
/// points to is not removed.
async fn commit_keeping(
    tx: sqlx::Transaction<'static, sqlx::Sqlite>,
    file: Option<PendingFile>,
) -> ApiResult<()> {
    let outcome = tokio::spawn(async move {
        tx.commit().await?;
        if let Some(file) = file {
            file.keep();
        }
        Ok::<_, sqlx::Error>(())
    })
    .await;
    match outcome {
        Ok(result) => Ok(result?),
        Err(join) => Err(ApiError::Internal(
            anyhow::Error::new(join).context("committing an upload"),
        )),
    }
}

/// Fails when the stack was deleted (or reset and re-created) since the request
/// started: a file written for the old stack must not be recorded in the new one.
async fn check_stack_unchanged(tx: &mut sqlx::SqliteConnection, stack: &StackRow) -> ApiResult<()> {
    let created_at: Option<String> =
        sqlx::query_scalar("select created_at from stacks where api_key = ?")
            .bind(&stack.api_key)
            .fetch_optional(tx)
            .await?;
    if created_at.as_deref() == Some(stack.created_at.as_str()) {
        Ok(())
    } else {
        Err(ApiError::InvalidApiKey)
    }
}

/// `GET /v3/assets/{uid}`
pub async fn get_asset(
    State(state): State<AppState>,
    StackAuth(stack): StackAuth,
    Path(uid): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Value>> {
    let params = Params::from_query(query.as_deref());
    let mut row = asset_db::get(&state.db.read, &stack.api_key, &uid)
        .await?
        .ok_or_else(ApiError::asset_not_found)?;
    if let (Some(wanted), false) = (params.get("version"), row.is_dir) {
        let wanted: i64 = wanted.trim().parse().map_err(|_| {
            ApiError::unprocessable(
                codes::INVALID_FIELD,
                "The version is not valid.",
                "version",
                "is not valid.",
            )
        })?;
        if wanted != row.version {
            row = row_at_version(&state, row, wanted).await?;
        }
    }
    let path = if params.flag("include_path") {
        Some(
            crate::routes::folders::path_of(
                &state.db.read,
                &stack.api_key,
                row.parent_uid.as_deref(),
            )
            .await?,
        )
    } else {
        None
    };
    Ok(Json(
        json!({ "asset": views::render(&row, &render_options(&state, &params), path) }),
    ))
}

/// Version `version` of an asset with its stored file.
async fn load_version(
    conn: &mut sqlx::SqliteConnection,
    asset_uid: &str,
    version: i64,
) -> ApiResult<(VersionRow, AssetFileRow)> {
    let old = asset_db::version(&mut *conn, asset_uid, version)
        .await?
        .ok_or_else(|| {
            ApiError::unprocessable(
                codes::INVALID_FIELD,
                "The version was not found.",
                "version",
                "is not valid.",
            )
        })?;
    let file = asset_db::file(&mut *conn, &old.version_uid)
        .await?
        .ok_or_else(|| {
            ApiError::Internal(anyhow::anyhow!(
                "version {version} of {asset_uid} has no stored file"
            ))
        })?;
    Ok((old, file))
}

/// The asset as it was at `version`.
async fn row_at_version(state: &AppState, mut row: AssetRow, version: i64) -> ApiResult<AssetRow> {
    let mut conn = state.db.read.acquire().await?;
    let (old, file) = load_version(&mut conn, &row.uid, version).await?;
    row.version = old.version;
    row.parent_uid = old.parent_uid.clone();
    row.updated_at = old.updated_at.clone();
    row.updated_by = old.updated_by.clone();
    apply_version(&mut row, old, file);
    Ok(row)
}

/// Copies a version's details and file onto `row` (not its folder, number or update
/// stamp: a revision update keeps the asset where it is now).
fn apply_version(row: &mut AssetRow, old: VersionRow, file: AssetFileRow) {
    row.title = old.title;
    row.description = old.description;
    row.tags = old.tags;
    row.version_uid = Some(file.version_uid);
    row.filename = Some(file.filename);
    row.content_type = file.content_type;
    row.file_size = Some(file.file_size);
    row.width = file.width;
    row.height = file.height;
}

/// `PUT /v3/assets/{uid}`: update details (JSON or multipart) and/or replace the file.
pub async fn update_asset(
    State(state): State<AppState>,
    StackAuth(stack): StackAuth,
    Path(uid): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Json<Value>> {
    let params = Params::from_query(query.as_deref());
    let sniffed = SniffedBody::read(body).await?;
    if sniffed.is_empty() {
        return Err(ApiError::unprocessable(
            codes::INVALID_FIELD,
            "Please provide the asset details.",
            "asset",
            "is required.",
        ));
    }
    let form = if sniffed.looks_like_json() {
        asset_form_from_json(&sniffed.into_json().await?)?
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
    let now = format_ts(stack.clock().now());

    let mut tx = state.db.write.begin().await?;
    let mut row = asset_db::get(&mut *tx, &stack.api_key, &uid)
        .await?
        .filter(|row| !row.is_dir)
        .ok_or_else(ApiError::asset_not_found)?;
    if let Some(version) = form.revert_to {
        // "Update asset revision": version N's file and details become the latest.
        let (old, file) = load_version(&mut tx, &row.uid, version).await?;
        apply_version(&mut row, old, file);
    }
    if let Some(parent) = &form.parent_uid {
        check_parent(&mut *tx, &stack.api_key, parent.as_deref()).await?;
        row.parent_uid = parent.clone();
    }
    if let Some(title) = form.title.filter(|t| !t.trim().is_empty()) {
        row.title = Some(title);
    }
    if let Some(description) = form.description {
        row.description = Some(description);
    }
    if let Some(tags) = &form.tags {
        row.set_tags(tags);
    }
    let file = form.file;
    if let Some(file) = &file {
        replace_file(&mut tx, &mut row, file, &now).await?;
    }
    row.version += 1;
    row.updated_at = now;
    row.updated_by = stack.user_uid.clone();
    if file.is_some() {
        check_stack_unchanged(&mut tx, &stack).await?;
    }
    asset_db::save(&mut tx, &row).await?;
    asset_db::record_version(&mut tx, &row).await?;
    commit_keeping(tx, file).await?;
    let asset = views::render(&row, &render_options(&state, &params), None);
    Ok(Json(
        json!({ "notice": "Asset updated successfully.", "asset": asset }),
    ))
}

async fn replace_file(
    tx: &mut sqlx::SqliteConnection,
    row: &mut AssetRow,
    file: &PendingFile,
    now: &str,
) -> ApiResult<()> {
    let version_uid = ids::version_uid();
    let dimension = file.dimension();
    asset_db::insert_file(
        tx,
        &AssetFileRow {
            version_uid: version_uid.clone(),
            asset_uid: row.uid.clone(),
            stack_api_key: row.stack_api_key.clone(),
            storage_key: file.stored.storage_key.clone(),
            filename: file.filename.clone(),
            content_type: file.content_type.clone(),
            file_size: file.stored.size as i64,
            sha256: file.stored.sha256.clone(),
            width: dimension.map(|d| d.0),
            height: dimension.map(|d| d.1),
            created_at: now.to_owned(),
        },
    )
    .await?;
    row.version_uid = Some(version_uid);
    row.filename = Some(file.filename.clone());
    row.content_type = file.content_type.clone();
    row.file_size = Some(file.stored.size as i64);
    row.width = dimension.map(|d| d.0);
    row.height = dimension.map(|d| d.1);
    Ok(())
}

/// `DELETE /v3/assets/{uid}`: moves the asset (or folder) to the trash.
pub async fn delete_asset(
    State(state): State<AppState>,
    StackAuth(stack): StackAuth,
    Path(uid): Path<String>,
) -> ApiResult<Json<Value>> {
    trash::trash_item(&state, &stack, &uid, trash::Expect::Any).await?;
    Ok(Json(json!({ "notice": "Asset deleted successfully." })))
}

/// `GET /v3/assets/{uid}/versions`
pub async fn list_versions(
    State(state): State<AppState>,
    StackAuth(stack): StackAuth,
    Path(uid): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Value>> {
    let params = Params::from_query(query.as_deref());
    asset_db::get(&state.db.read, &stack.api_key, &uid)
        .await?
        .filter(|row| !row.is_dir)
        .ok_or_else(ApiError::asset_not_found)?;
    let skip = i64::try_from(params.count("skip").unwrap_or(0)).unwrap_or(i64::MAX);
    let limit = match params.count("limit") {
        Some(0) | None => PAGE_LIMIT,
        Some(n) => n.min(PAGE_LIMIT),
    } as i64;
    let versions = asset_db::versions(&state.db.read, &uid, skip, limit).await?;
    let mut body =
        json!({ "versions": versions.iter().map(views::render_version).collect::<Vec<_>>() });
    if params.flag("include_count") {
        body["count"] = asset_db::count_versions(&state.db.read, &uid).await?.into();
    }
    Ok(Json(body))
}
