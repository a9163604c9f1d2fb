//! Assets: upload, update details, replace the file, revert to an earlier version,
//! read a version, list and query, and the version history.

use crate::contentstack::filter::{self, Condition, Field, Filter, Rejected, Scalar};
use crate::contentstack::ids;
use crate::contentstack::page::{self, Caps, Page};
use crate::contentstack::time::format_ts;
use crate::db::assets::{AssetFileRow, AssetRow, VersionRow};
use crate::db::budget::{Slot, Weight};
use crate::db::listing::{self, Listing, Scope, Sort, Wanted};
use crate::db::publishing::PublishRecordRow;
use crate::db::stacks::StackRow;
use crate::db::{self, Conn, DbError, Tx};
use crate::domain::folders::{self, PathItem};
use crate::domain::limits;
use crate::error::{ApiError, ApiResult, codes};
use crate::state::AppState;
use crate::storage::PendingFile;

/// The images `GET /v3/assets/rt` lists: 1,000, whatever `limit` says.
pub const RTE: Caps = Caps {
    default: 1000,
    max: 1000,
};

/// The details an upload or an update may set; `None` leaves a detail as it is.
#[derive(Debug, Default)]
pub struct AssetDetails {
    pub title: Option<String>,
    pub description: Option<String>,
    pub tags: Option<Vec<String>>,
    /// `Some(None)` moves the asset to the root.
    pub parent_uid: Option<Option<String>>,
}

/// `POST /v3/assets`: the stored file (removed again unless the upload commits).
#[derive(Debug)]
pub struct UploadRequest {
    pub file: PendingFile,
    pub details: AssetDetails,
}

/// `PUT /v3/assets/{uid}`.
#[derive(Debug, Default)]
pub struct UpdateRequest {
    pub details: AssetDetails,
    /// "Update asset revision": make this version's file and details the latest.
    pub revert_to: Option<i64>,
    /// A permanent URL (or just its slug) to give the asset; set once.
    pub permanent_url: Option<String>,
    /// A replacement file.
    pub file: Option<PendingFile>,
}

/// `GET /v3/assets` (and its image, video and rich-text variants).
#[derive(Debug, Clone)]
pub struct ListRequest {
    pub scope: Scope,
    pub include_folders: bool,
    /// Only this MIME family (`image/`, `video/`).
    pub family: Option<&'static str>,
    /// The `query` parameter's text, read within the listing's time budget.
    pub query: Option<String>,
    pub sort: Sort,
    pub page: Page,
    /// The page sizes of this list.
    pub caps: Caps,
    /// Answer only the count (`count=true`).
    pub count_only: bool,
    /// Only these uids (`environment=`: what is published there), whatever `query` says.
    pub only_uids: Option<Vec<String>>,
}

/// A page of assets, and the count when asked for.
#[derive(Debug)]
pub struct ListResponse {
    pub rows: Vec<AssetRow>,
    pub count: Option<i64>,
}

/// The answer to a listing that ran out of its time budget.
pub fn query_too_slow(budget: std::time::Duration) -> ApiError {
    ApiError::unprocessable(
        codes::INVALID_QUERY,
        format!(
            "The query took longer than {} ms and was stopped. Narrow it down: fewer or simpler $regex conditions, fewer $or terms.",
            budget.as_millis()
        ),
        "query",
        "is too expensive.",
    )
}

/// The error of a listing's statements: out of time, or a pattern the database refuses,
/// is the client's 422.
pub fn listing_error(error: DbError) -> ApiError {
    match error {
        DbError::OutOfTime(budget) => query_too_slow(budget),
        DbError::BadPattern(reason) => ApiError::unprocessable(
            codes::INVALID_QUERY,
            format!("A $regex of the query is not valid here: {reason}."),
            "query",
            "is not valid.",
        ),
        e => e.into(),
    }
}

/// Starts a listing's time budget and reads its `query` within it. Work of `weight`,
/// and any listing with a `query` (its patterns are compiled to be checked), first
/// waits for one of the few heavy slots: a crowd of heavy listings answers within its
/// budget and leaves the CPU to everything else.
pub async fn start_listing(
    state: &AppState,
    query: Option<&str>,
    weight: Weight,
) -> ApiResult<(Slot, Filter)> {
    let weight = if query.is_some() {
        Weight::Heavy
    } else {
        weight
    };
    let slot = state
        .db
        .budgeted()
        .slot(state.settings.query_timeout, weight)
        .await
        .map_err(listing_error)?;
    let filter = match query {
        None => Filter::default(),
        Some(text) => match filter::parse_off_the_runtime(text, slot.deadline()).await {
            Ok(filter) => filter,
            Err(Rejected::OutOfTime) => return Err(listing_error(slot.out_of_time())),
            Err(Rejected::Invalid(e)) => {
                return Err(ApiError::unprocessable(
                    codes::INVALID_QUERY,
                    e.0,
                    "query",
                    "is not valid.",
                ));
            }
        },
    };
    Ok((slot, filter))
}

/// Lists the live assets (and folders, when asked) of a stack.
pub async fn list(
    state: &AppState,
    stack: &StackRow,
    request: ListRequest,
) -> ApiResult<ListResponse> {
    let reader = state.db.reader();
    if let Scope::Folder(uid) = &request.scope
        && !db::assets::get(reader, &stack.api_key, uid)
            .await?
            .is_some_and(|row| row.is_dir)
    {
        return Err(ApiError::FolderNotFound { field: "folder" });
    }
    // A family (images, videos) filters on the type: heavy like an unindexed sort.
    let weight = match request.family {
        Some(_) => Weight::Heavy,
        None => request.sort.weight(),
    };
    let (slot, mut filter) = start_listing(state, request.query.as_deref(), weight).await?;
    if let Some(uids) = request.only_uids {
        let only = Filter::Condition(Condition::In {
            field: Field::Uid,
            values: uids.into_iter().map(Scalar::Text).collect(),
            negate: false,
        });
        filter = if filter.is_empty() {
            only
        } else {
            Filter::All(vec![filter, only])
        };
    }
    let listing = Listing {
        api_key: stack.api_key.clone(),
        scope: request.scope,
        include_folders: request.include_folders,
        content_type_prefix: request.family,
        filter,
        sort: request.sort,
        skip: request.page.skip(),
        limit: request.page.limit(request.caps),
    };
    let wanted = match (request.count_only, request.page.include_count) {
        (true, _) => Wanted::Count,
        (false, true) => Wanted::PageAndCount,
        (false, false) => Wanted::Page,
    };
    let (rows, count) = listing::run(state.db.budgeted(), slot, &listing, wanted)
        .await
        .map_err(listing_error)?;
    Ok(ListResponse { rows, count })
}

/// A live asset or folder, as it is now or at `version`, with its path when asked for.
pub async fn get(
    state: &AppState,
    stack: &StackRow,
    uid: &str,
    version: Option<i64>,
    include_path: bool,
) -> ApiResult<Shown> {
    // Every statement on one connection: each return to the pool costs a round trip.
    let mut conn = state.db.read_conn().await?;
    let mut row = db::assets::get(&mut *conn, &stack.api_key, uid)
        .await?
        .ok_or(ApiError::AssetNotFound)?;
    if let Some(wanted) = version.filter(|wanted| !row.is_dir && *wanted != row.version) {
        let (old, file) = load_version(&mut conn, &row.stack_api_key, &row.uid, wanted).await?;
        row.version = old.version;
        row.parent_uid = old.parent_uid.clone();
        row.updated_at = old.updated_at.clone();
        row.updated_by = old.updated_by.clone();
        apply_version(&mut row, old, file);
    }
    let path = if include_path {
        Some(folders::path_of(&mut conn, &stack.api_key, row.parent_uid.as_deref()).await?)
    } else {
        None
    };
    let published =
        db::publishing::records_of(&mut *conn, &stack.api_key, std::slice::from_ref(&row.uid))
            .await?;
    Ok(Shown {
        row,
        path,
        published,
    })
}

/// One asset as `GET /v3/assets/{uid}` shows it.
#[derive(Debug)]
pub struct Shown {
    pub row: AssetRow,
    /// Its ancestors, when asked for.
    pub path: Option<Vec<PathItem>>,
    /// Where it is published.
    pub published: Vec<PublishRecordRow>,
}

/// Version `version` of an asset with its stored file.
async fn load_version(
    conn: &mut Conn,
    api_key: &str,
    asset_uid: &str,
    version: i64,
) -> ApiResult<(VersionRow, AssetFileRow)> {
    let old = db::assets::version(&mut *conn, api_key, asset_uid, version)
        .await?
        .ok_or_else(|| {
            ApiError::invalid("The version was not found.", "version", "is not valid.")
        })?;
    let file = db::assets::file(&mut *conn, &old.version_uid)
        .await?
        .ok_or_else(|| {
            ApiError::Internal(anyhow::anyhow!(
                "version {version} of {asset_uid} has no stored file"
            ))
        })?;
    Ok((old, file))
}

/// Copies a version's details and file onto `row` (not its folder, number or update
/// stamp: a revision update keeps the asset where it is now).
fn apply_version(row: &mut AssetRow, old: VersionRow, file: AssetFileRow) {
    row.title = old.title;
    row.description = old.description;
    row.tags = old.tags;
    apply_file(row, file);
}

/// Makes `file` the row's current file.
fn apply_file(row: &mut AssetRow, file: AssetFileRow) {
    row.version_uid = Some(file.version_uid);
    row.filename = Some(file.filename);
    row.content_type = file.content_type;
    row.file_size = Some(file.file_size);
    row.width = file.width;
    row.height = file.height;
}

/// The file row of a freshly stored upload.
fn file_row(asset_uid: &str, api_key: &str, file: &PendingFile, now: &str) -> AssetFileRow {
    let dimension = file.dimension();
    AssetFileRow {
        version_uid: ids::version_uid(),
        asset_uid: asset_uid.to_owned(),
        stack_api_key: api_key.to_owned(),
        storage_key: file.stored.storage_key.clone(),
        filename: file.filename.clone(),
        content_type: file.content_type.clone(),
        file_size: file.stored.size as i64,
        sha256: file.stored.sha256.clone(),
        width: dimension.map(|d| d.0),
        height: dimension.map(|d| d.1),
        created_at: now.to_owned(),
    }
}

/// Fails when the stack was deleted (or reset and re-created) since the request
/// started: a file written for the old stack must not be recorded in the new one.
async fn ensure_stack_unchanged(conn: &mut Conn, stack: &StackRow) -> ApiResult<()> {
    let created_at = db::stacks::created_at(conn, &stack.api_key).await?;
    same_stack(stack, created_at.as_deref())
}

/// Fails unless the stack's row now has `created_at` (`None`: it is gone) as it had
/// when the request started.
fn same_stack(stack: &StackRow, created_at: Option<&str>) -> ApiResult<()> {
    if created_at == Some(stack.created_at.as_str()) {
        Ok(())
    } else {
        Err(ApiError::InvalidApiKey)
    }
}

/// Sets the slug of an asset's permanent URL from a URL (its last segment) or a bare
/// slug: once, as Contentstack allows.
fn set_permanent_slug(row: &mut AssetRow, url: &str) -> ApiResult<()> {
    let path = url.split(['?', '#']).next().unwrap_or_default();
    let slug = path
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .trim();
    let valid = !slug.is_empty()
        && slug.len() <= limits::MAX_NAME_BYTES
        && slug
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
    if !valid {
        return Err(ApiError::invalid(
            format!(
                "'{slug}' is not a valid permanent URL slug: use at most {} letters, digits, '-', '_' and '.'.",
                limits::MAX_NAME_BYTES
            ),
            "permanent_url",
            "is not valid.",
        ));
    }
    match &row.permanent_slug {
        Some(existing) if existing != slug => Err(ApiError::invalid(
            "The asset already has a permanent URL; it cannot be changed.",
            "permanent_url",
            "is already set.",
        )),
        _ => {
            row.permanent_slug = Some(slug.to_owned());
            Ok(())
        }
    }
}

/// Checks the details against their limits.
fn check_details(details: &AssetDetails) -> ApiResult<()> {
    limits::check_len("title", details.title.as_deref(), limits::MAX_TITLE_BYTES)?;
    limits::check_len(
        "description",
        details.description.as_deref(),
        limits::MAX_DESCRIPTION_BYTES,
    )?;
    limits::check_tags(details.tags.as_deref())?;
    let parent = details.parent_uid.as_ref().and_then(|p| p.as_deref());
    limits::check_len("parent_uid", parent, limits::MAX_UID_BYTES)
}

/// Applies the details an upload or update sets.
fn apply_details(row: &mut AssetRow, details: AssetDetails) {
    if let Some(parent) = details.parent_uid {
        row.parent_uid = parent;
    }
    if let Some(title) = details.title.filter(|t| !t.trim().is_empty()) {
        row.title = Some(title);
    }
    if let Some(description) = details.description {
        row.description = Some(description);
    }
    if let Some(tags) = &details.tags {
        row.set_tags(tags);
    }
}

/// Uploads a new asset.
pub async fn create(
    state: &AppState,
    stack: &StackRow,
    request: UploadRequest,
) -> ApiResult<AssetRow> {
    let UploadRequest { file, details } = request;
    check_details(&details)?;
    let now = format_ts(stack.clock().now());
    let uid = ids::asset_uid();
    let file_row = file_row(&uid, &stack.api_key, &file, &now);
    let mut row = AssetRow::new(uid, &stack.api_key, false, &stack.user_uid, &now);
    row.title = Some(file.filename.clone());
    apply_file(&mut row, file_row.clone());
    apply_details(&mut row, details);

    // Committed together with the uploads queued beside it; the file is kept once the
    // rows pointing to it are committed, even when the client has gone by then.
    let stack = stack.clone();
    state
        .db
        .grouped()
        .write(
            move |tx| Box::pin(insert_new(tx, stack, file_row, row)),
            move || file.keep(),
        )
        .await
}

/// The writes of a new asset, on the writer's transaction.
async fn insert_new(
    tx: &mut Tx,
    stack: StackRow,
    file_row: AssetFileRow,
    row: AssetRow,
) -> ApiResult<AssetRow> {
    if let Err(error) = folders::check_parent(tx, &stack.api_key, row.parent_uid.as_deref()).await {
        // The folder may be missing because the stack was replaced: that is the answer.
        ensure_stack_unchanged(tx, &stack).await?;
        return Err(error);
    }
    // A failed job is rolled back to its savepoint: what the statements wrote before
    // the stack check below (or before their own error) does not stay.
    let stack_created_at = match db::assets::insert_new(&mut *tx, &file_row, &row).await {
        Ok(created_at) => created_at,
        Err(error) => {
            // Most likely the stack went away (its rows with it): say so if it did.
            ensure_stack_unchanged(tx, &stack).await?;
            return Err(error.into());
        }
    };
    same_stack(&stack, stack_created_at.as_deref())?;
    Ok(row)
}

/// Updates an asset's details, replaces its file, or reverts it to a version.
pub async fn update(
    state: &AppState,
    stack: &StackRow,
    uid: &str,
    request: UpdateRequest,
) -> ApiResult<AssetRow> {
    let UpdateRequest {
        details,
        revert_to,
        permanent_url,
        file,
    } = request;
    check_details(&details)?;
    let now = format_ts(stack.clock().now());
    let mut tx = state.db.begin_write().await?;
    let mut row = db::assets::get(&mut *tx, &stack.api_key, uid)
        .await?
        .filter(|row| !row.is_dir)
        .ok_or(ApiError::AssetNotFound)?;
    if let Some(version) = revert_to {
        let (old, file) = load_version(&mut tx, &row.stack_api_key, &row.uid, version).await?;
        apply_version(&mut row, old, file);
    }
    if let Some(parent) = &details.parent_uid {
        folders::check_parent(&mut tx, &stack.api_key, parent.as_deref()).await?;
    }
    apply_details(&mut row, details);
    if let Some(url) = permanent_url {
        set_permanent_slug(&mut row, &url)?;
    }
    if let Some(file) = &file {
        let file_row = file_row(&row.uid, &row.stack_api_key, file, &now);
        db::assets::insert_file(&mut tx, &file_row).await?;
        apply_file(&mut row, file_row);
        ensure_stack_unchanged(&mut tx, stack).await?;
    }
    row.version += 1;
    row.updated_at = now;
    row.updated_by = stack.user_uid.clone();
    db::assets::save(&mut tx, &row).await?;
    db::assets::record_version(&mut tx, &row).await?;
    db::commit_detached(tx, move || {
        if let Some(file) = file {
            file.keep();
        }
    })
    .await?;
    Ok(row)
}

/// A file asset's version history, newest first, and the count when asked for.
pub async fn versions(
    state: &AppState,
    stack: &StackRow,
    uid: &str,
    page: Page,
) -> ApiResult<(Vec<VersionRow>, Option<i64>)> {
    let reader = state.db.reader();
    let (skip, limit) = (page.skip(), page.limit(page::MANAGEMENT));
    db::assets::get(reader, &stack.api_key, uid)
        .await?
        .filter(|row| !row.is_dir)
        .ok_or(ApiError::AssetNotFound)?;
    let skip = i64::try_from(skip).unwrap_or(i64::MAX);
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let versions = db::assets::versions(reader, &stack.api_key, uid, skip, limit).await?;
    let count = if page.include_count {
        Some(db::assets::count_versions(reader, &stack.api_key, uid).await?)
    } else {
        None
    };
    Ok((versions, count))
}

/// Names version `version` of an asset (`None` takes the name away).
pub async fn name_version(
    state: &AppState,
    stack: &StackRow,
    uid: &str,
    version: i64,
    name: Option<String>,
) -> ApiResult<()> {
    if let Some(name) = &name {
        if name.trim().is_empty() {
            return Err(ApiError::invalid(
                "Please enter a version name.",
                "_version_name",
                "is required.",
            ));
        }
        limits::check_len("_version_name", Some(name), limits::MAX_NAME_BYTES)?;
    }
    let mut tx = state.db.begin_write().await?;
    db::assets::get(&mut *tx, &stack.api_key, uid)
        .await?
        .filter(|row| !row.is_dir)
        .ok_or(ApiError::AssetNotFound)?;
    if !db::assets::set_version_name(&mut tx, &stack.api_key, uid, version, name.as_deref()).await?
    {
        return Err(ApiError::invalid(
            format!("Version {version} of the asset was not found."),
            "version",
            "is not valid.",
        ));
    }
    db::commit(tx).await?;
    Ok(())
}

/// A live asset of the stack (for calls that only need it to exist).
pub async fn require(state: &AppState, stack: &StackRow, uid: &str) -> ApiResult<AssetRow> {
    db::assets::get(state.db.reader(), &stack.api_key, uid)
        .await?
        .ok_or(ApiError::AssetNotFound)
}

/// The stored file behind a file URL, if the asset is live (trashed assets' URLs 404).
pub async fn live_file(
    state: &AppState,
    api_key: &str,
    asset_uid: &str,
    version_uid: &str,
) -> ApiResult<Option<AssetFileRow>> {
    Ok(db::assets::live_file(state.db.reader(), api_key, asset_uid, version_uid).await?)
}

/// A live file asset with the stored file of its latest version.
pub async fn latest_file(
    state: &AppState,
    api_key: &str,
    uid: &str,
) -> ApiResult<Option<(AssetRow, AssetFileRow)>> {
    Ok(db::assets::latest_file(state.db.reader(), api_key, uid).await?)
}
