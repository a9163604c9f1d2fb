//! Publishing: an asset's version goes to (environment, locale) pairs, each on its own,
//! at once or when the stack's clock reaches `scheduled_at`. Every request leaves an
//! item in the publish queue, and every change an event for the Sync API.

use chrono::{DateTime, Months, Utc};
use serde::{Deserialize, Serialize};

use crate::contentstack::ids;
use crate::contentstack::time::{format_ts, parse_ts};
use sqlx::types::Json;

use crate::db::assets::{AssetFileRow, AssetRow, VersionRow};
use crate::db::delivery::DeliveredRow;
use crate::db::environments::EnvironmentRow;
use crate::db::publishing::{
    EventData, GoneCopy, PUBLISHED_EVENT, PublishRecordRow, QueueRow, SyncEventRow,
};
use crate::db::stacks::StackRow;
use crate::db::{self, Conn, Tx};
use crate::domain::{environments, locales};
use crate::error::{ApiError, ApiResult, codes, field_error};
use crate::state::AppState;

/// Most environments one publish request may name (Contentstack's UI limit).
pub const MAX_ENVIRONMENTS: usize = 10;
/// Most locales one publish request may name.
pub const MAX_LOCALES: usize = 10;
/// How far ahead a publish may be scheduled.
pub const MAX_SCHEDULE_MONTHS: u32 = 12;

/// Publish or unpublish.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Publish,
    Unpublish,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Publish => "publish",
            Action::Unpublish => "unpublish",
        }
    }

    fn from_str(text: &str) -> Action {
        if text == "unpublish" {
            Action::Unpublish
        } else {
            Action::Publish
        }
    }
}

/// Where to publish: environment names (or uids) and locale codes.
#[derive(Debug, Clone, Default)]
pub struct Targets {
    pub environments: Vec<String>,
    /// Empty: the master locale.
    pub locales: Vec<String>,
    /// ISO 8601; absent, now or past: at once.
    pub scheduled_at: Option<String>,
}

/// `POST /v3/assets/{uid}/publish` and `/unpublish`.
#[derive(Debug, Clone, Default)]
pub struct PublishRequest {
    pub targets: Targets,
    /// The version to publish; absent: the latest when it is applied.
    pub version: Option<i64>,
}

/// The environments and locales of a request, checked.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub environments: Vec<EnvironmentRow>,
    pub locales: Vec<String>,
    /// When to apply it; `None` means now.
    pub at: Option<DateTime<Utc>>,
}

/// What applying a request did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Applied {
    /// Pairs changed.
    pub changed: usize,
    /// Pairs that already held that version (publish) or nothing (unpublish).
    pub skipped: usize,
}

fn over_cap(what: &str, limit: usize, count: usize) -> ApiError {
    ApiError::Unprocessable {
        code: codes::BULK_LIMIT,
        message: format!(
            "A publish request can name at most {limit} {what}; this one names {count}. Nothing was changed."
        ),
        errors: field_error(what, format!("can have at most {limit} items.")),
    }
}

/// Checks the environments, locales and schedule of a request against the stack.
pub async fn resolve(conn: &mut Conn, stack: &StackRow, targets: &Targets) -> ApiResult<Resolved> {
    if targets.environments.len() > MAX_ENVIRONMENTS {
        return Err(over_cap(
            "environments",
            MAX_ENVIRONMENTS,
            targets.environments.len(),
        ));
    }
    if targets.locales.len() > MAX_LOCALES {
        return Err(over_cap("locales", MAX_LOCALES, targets.locales.len()));
    }
    if targets.environments.is_empty() {
        return Err(ApiError::invalid(
            "Please name the environments to publish to.",
            "environments",
            "is required.",
        ));
    }
    let mut found: Vec<EnvironmentRow> = Vec::new();
    for name in &targets.environments {
        let environment = environments::find_on(conn, &stack.api_key, name)
            .await?
            .ok_or_else(|| ApiError::Unprocessable {
                code: codes::NOT_FOUND,
                message: format!("The environment '{name}' was not found. Nothing was changed."),
                errors: field_error("environments", "is not valid."),
            })?;
        if !found.iter().any(|e| e.uid == environment.uid) {
            found.push(environment);
        }
    }
    let mut codes_: Vec<String> = Vec::new();
    if targets.locales.is_empty() {
        codes_.push(locales::master(conn, &stack.api_key).await?);
    }
    for code in &targets.locales {
        if crate::db::locales::by_code(&mut *conn, &stack.api_key, code)
            .await?
            .is_none()
        {
            return Err(ApiError::Unprocessable {
                code: codes::NOT_FOUND,
                message: format!("The locale '{code}' was not found. Nothing was changed."),
                errors: field_error("locales", "is not valid."),
            });
        }
        if !codes_.contains(code) {
            codes_.push(code.clone());
        }
    }
    Ok(Resolved {
        environments: found,
        locales: codes_,
        at: schedule(stack, targets.scheduled_at.as_deref())?,
    })
}

/// When a request is applied: `None` for now (no time, or a time not in the future).
fn schedule(stack: &StackRow, scheduled_at: Option<&str>) -> ApiResult<Option<DateTime<Utc>>> {
    let Some(text) = scheduled_at.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    let at = parse_ts(text).ok_or_else(|| {
        ApiError::invalid(
            format!("'{text}' is not an ISO 8601 time."),
            "scheduled_at",
            "is not valid.",
        )
    })?;
    let now = stack.clock().now();
    if at <= now {
        return Ok(None);
    }
    let latest = now
        .checked_add_months(Months::new(MAX_SCHEDULE_MONTHS))
        .unwrap_or(now);
    if at > latest {
        return Err(ApiError::invalid(
            format!(
                "A publish can be scheduled at most {MAX_SCHEDULE_MONTHS} months ahead (until {}).",
                format_ts(latest)
            ),
            "scheduled_at",
            "is more than 12 months ahead.",
        ));
    }
    Ok(Some(at))
}

/// A live file asset of the stack (folders are not published).
async fn live_asset(conn: &mut Conn, api_key: &str, uid: &str) -> ApiResult<AssetRow> {
    db::assets::get(conn, api_key, uid)
        .await?
        .filter(|row| !row.is_dir)
        .ok_or(ApiError::AssetNotFound)
}

/// A new queue item for one asset.
pub fn queue_item_for(
    stack: &StackRow,
    asset: &AssetRow,
    action: Action,
    resolved: &Resolved,
    version: Option<i64>,
) -> QueueRow {
    let now = format_ts(stack.clock().now());
    let environment_uids: Vec<String> = resolved
        .environments
        .iter()
        .map(|e| e.uid.clone())
        .collect();
    QueueRow {
        uid: ids::job_id(),
        stack_api_key: stack.api_key.clone(),
        asset_uid: asset.uid.clone(),
        title: asset.title.clone().unwrap_or_default(),
        action: action.as_str().into(),
        environments: Json(environment_uids),
        locales: Json(resolved.locales.clone()),
        // Pinned when queued: a scheduled publish sends what was there when it was asked.
        version: match action {
            Action::Publish => Some(version.unwrap_or(asset.version)),
            Action::Unpublish => version,
        },
        scheduled_at: resolved.at.map(format_ts),
        status: "scheduled".into(),
        message: None,
        bulk_job_uid: None,
        published_at: None,
        created_at: now.clone(),
        created_by: stack.user_uid.clone(),
        updated_at: now,
    }
}

/// Publishes or unpublishes one asset (contract section 5: applied before the answer,
/// or queued when scheduled).
pub async fn publish_one(
    state: &AppState,
    stack: &StackRow,
    uid: &str,
    action: Action,
    request: PublishRequest,
) -> ApiResult<QueueRow> {
    let mut tx = state.db.begin_write().await?;
    let asset = live_asset(&mut tx, &stack.api_key, uid).await?;
    if let Some(version) = request.version
        && db::assets::version(&mut *tx, &stack.api_key, uid, version)
            .await?
            .is_none()
    {
        return Err(ApiError::invalid(
            format!("Version {version} of the asset was not found."),
            "version",
            "is not valid.",
        ));
    }
    let resolved = resolve(&mut tx, stack, &request.targets).await?;
    let mut item = queue_item_for(stack, &asset, action, &resolved, request.version);
    if resolved.at.is_none() {
        apply_item(&mut tx, stack, &mut item).await?;
    }
    db::publishing::put_queue_item(&mut tx, &item).await?;
    db::commit(tx).await?;
    Ok(item)
}

/// Applies a queue item now, on the caller's transaction, and sets its outcome.
pub async fn apply_item(tx: &mut Tx, stack: &StackRow, item: &mut QueueRow) -> ApiResult<Applied> {
    let now = format_ts(stack.clock().now());
    item.updated_at = now.clone();
    let Some(asset) = db::assets::get(&mut **tx, &stack.api_key, &item.asset_uid)
        .await?
        .filter(|row| !row.is_dir)
    else {
        item.status = "failed".into();
        item.message = Some("Asset was not found.".into());
        return Ok(Applied::default());
    };
    let environments = item.environments.0.clone();
    let locales = item.locales.0.clone();
    let applied = match Action::from_str(&item.action) {
        Action::Publish => {
            let version = item.version.unwrap_or(asset.version);
            publish_pairs(tx, stack, &asset, version, &environments, &locales, &now).await?
        }
        Action::Unpublish => {
            unpublish_pairs(tx, stack, &asset.uid, &environments, &locales, &now).await?
        }
    };
    item.published_at = Some(now);
    if applied.changed == 0 && applied.skipped > 0 && item.action == "publish" {
        item.status = "skipped".into();
        item.message =
            Some("The asset is already published in the specified environment and locale.".into());
    } else {
        item.status = "success".into();
        item.message = None;
    }
    Ok(applied)
}

/// Publishes `version` of `asset` to every (environment, locale) pair.
async fn publish_pairs(
    tx: &mut Tx,
    stack: &StackRow,
    asset: &AssetRow,
    version: i64,
    environments: &[String],
    locales: &[String],
    now: &str,
) -> ApiResult<Applied> {
    let version_row = db::assets::version(&mut **tx, &stack.api_key, &asset.uid, version)
        .await?
        .ok_or_else(|| {
            ApiError::invalid(
                format!("Version {version} of the asset was not found."),
                "version",
                "is not valid.",
            )
        })?;
    let file = db::assets::file(&mut **tx, &version_row.version_uid)
        .await?
        .ok_or_else(|| {
            ApiError::Internal(anyhow::anyhow!(
                "version {version} of {} has no file",
                asset.uid
            ))
        })?;
    let mut applied = Applied::default();
    for environment in environments {
        for locale in locales {
            let existing =
                db::publishing::record(&mut **tx, &stack.api_key, &asset.uid, environment, locale)
                    .await?;
            if existing.is_some_and(|r| r.version == version) {
                applied.skipped += 1;
                continue;
            }
            let record = PublishRecordRow {
                asset_uid: asset.uid.clone(),
                stack_api_key: stack.api_key.clone(),
                environment_uid: environment.clone(),
                locale: locale.clone(),
                version,
                version_uid: file.version_uid.clone(),
                published_at: now.to_owned(),
                published_by: stack.user_uid.clone(),
            };
            db::publishing::put_record(&mut *tx, &record).await?;
            let delivered = delivered_row(asset, &version_row, &file, &record)?;
            add_event(
                tx,
                stack,
                &record.asset_uid,
                environment,
                locale,
                PUBLISHED_EVENT,
                now,
                EventData::Published(Box::new(delivered)),
            )
            .await?;
            applied.changed += 1;
        }
    }
    Ok(applied)
}

/// The asset as the delivery API will show it from this publish (a sync event keeps it).
fn delivered_row(
    asset: &AssetRow,
    version: &VersionRow,
    file: &AssetFileRow,
    record: &PublishRecordRow,
) -> ApiResult<DeliveredRow> {
    Ok(DeliveredRow {
        uid: asset.uid.clone(),
        stack_api_key: asset.stack_api_key.clone(),
        created_at: asset.created_at.clone(),
        created_by: asset.created_by.clone(),
        content_type: file.content_type.clone(),
        tags: version.tags.clone(),
        filename: file.filename.clone(),
        version_uid: file.version_uid.clone(),
        version: record.version,
        title: version.title.clone(),
        updated_at: version.updated_at.clone(),
        updated_by: version.updated_by.clone(),
        file_size: file.file_size,
        width: file.width,
        height: file.height,
        environment_uid: record.environment_uid.clone(),
        locale: record.locale.clone(),
        published_at: record.published_at.clone(),
        published_by: record.published_by.clone(),
    })
}

/// Takes an asset out of every (environment, locale) pair.
async fn unpublish_pairs(
    tx: &mut Tx,
    stack: &StackRow,
    asset_uid: &str,
    environments: &[String],
    locales: &[String],
    now: &str,
) -> ApiResult<Applied> {
    let mut applied = Applied::default();
    for environment in environments {
        for locale in locales {
            if db::publishing::delete_record(
                &mut *tx,
                &stack.api_key,
                asset_uid,
                environment,
                locale,
            )
            .await?
            {
                let data = EventData::Gone(GoneCopy {
                    uid: asset_uid.to_owned(),
                    locale: locale.clone(),
                });
                add_event(
                    tx,
                    stack,
                    asset_uid,
                    environment,
                    locale,
                    "asset_unpublished",
                    now,
                    data,
                )
                .await?;
                applied.changed += 1;
            } else {
                applied.skipped += 1;
            }
        }
    }
    Ok(applied)
}

/// Appends a Sync API event.
#[expect(clippy::too_many_arguments)]
async fn add_event(
    tx: &mut Tx,
    stack: &StackRow,
    asset_uid: &str,
    environment: &str,
    locale: &str,
    event_type: &str,
    now: &str,
    data: EventData,
) -> ApiResult<()> {
    let event = SyncEventRow {
        seq: 0,
        stack_api_key: stack.api_key.clone(),
        environment_uid: environment.to_owned(),
        locale: locale.to_owned(),
        asset_uid: asset_uid.to_owned(),
        event_type: event_type.to_owned(),
        event_at: now.to_owned(),
        data: Json(data),
    };
    Ok(db::publishing::add_event(&mut *tx, &event).await?)
}

/// The trash's part: a trashed item has left every environment (its `unpublished`
/// records, removed in the delete's own transaction), and the Sync API hears of each
/// copy deleted.
pub async fn record_deleted(
    tx: &mut Tx,
    stack: &StackRow,
    unpublished: Vec<PublishRecordRow>,
    now: &str,
) -> ApiResult<()> {
    for record in unpublished {
        let data = EventData::Gone(GoneCopy {
            uid: record.asset_uid.clone(),
            locale: record.locale.clone(),
        });
        add_event(
            tx,
            stack,
            &record.asset_uid,
            &record.environment_uid,
            &record.locale,
            "asset_deleted",
            now,
            data,
        )
        .await?;
    }
    Ok(())
}

/// Applies a stack's scheduled items that are due on its clock; returns them.
pub async fn run_due(state: &AppState, api_key: &str) -> ApiResult<Vec<QueueRow>> {
    let mut done = Vec::new();
    loop {
        let Some(stack) = state.stacks.get(api_key) else {
            return Ok(done);
        };
        let now = format_ts(stack.clock().now());
        let mut tx = state.db.begin_write().await?;
        let due = db::publishing::due_items(&mut tx, api_key, &now, 100).await?;
        if due.is_empty() {
            return Ok(done);
        }
        for mut item in due {
            apply_item(&mut tx, &stack, &mut item).await?;
            db::publishing::put_queue_item(&mut tx, &item).await?;
            done.push(item);
        }
        db::commit(tx).await?;
    }
}

/// Applies every stack's due items (the background task).
pub async fn run_all_due(state: &AppState) -> ApiResult<usize> {
    let mut total = 0;
    for stack in state.stacks.all() {
        total += run_due(state, &stack.api_key).await?.len();
    }
    Ok(total)
}

/// The 422 for a queue item that does not exist.
fn item_not_found(uid: &str) -> ApiError {
    ApiError::Unprocessable {
        code: codes::NOT_FOUND,
        message: format!("The publish queue item '{uid}' was not found."),
        errors: field_error("uid", "is not valid."),
    }
}

/// One item of the stack's publish queue.
pub async fn queue_item(state: &AppState, stack: &StackRow, uid: &str) -> ApiResult<QueueRow> {
    db::publishing::queue_item(state.db.reader(), &stack.api_key, uid)
        .await?
        .ok_or_else(|| item_not_found(uid))
}

/// A page of the stack's publish queue, newest first, with the count of all items.
pub async fn queue(
    state: &AppState,
    stack: &StackRow,
    skip: u64,
    limit: u64,
) -> ApiResult<(Vec<QueueRow>, i64)> {
    let skip = i64::try_from(skip).unwrap_or(i64::MAX);
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    Ok(db::publishing::queue_page(state.db.reader(), &stack.api_key, skip, limit).await?)
}

/// Cancels a scheduled item that has not been applied yet.
pub async fn unschedule(state: &AppState, stack: &StackRow, uid: &str) -> ApiResult<QueueRow> {
    let mut tx = state.db.begin_write().await?;
    let mut item = db::publishing::queue_item(&mut *tx, &stack.api_key, uid)
        .await?
        .ok_or_else(|| item_not_found(uid))?;
    if item.status != "scheduled" {
        return Err(ApiError::invalid(
            format!(
                "The item is not scheduled any more (it is {}).",
                item.status
            ),
            "uid",
            "is not scheduled.",
        ));
    }
    item.status = "cancelled".into();
    item.updated_at = format_ts(stack.clock().now());
    db::publishing::put_queue_item(&mut tx, &item).await?;
    db::commit(tx).await?;
    Ok(item)
}

/// Where each of some assets is published, by asset uid (the CMA's `publish_details`).
pub async fn records_of(
    state: &AppState,
    stack: &StackRow,
    asset_uids: &[String],
) -> ApiResult<std::collections::HashMap<String, Vec<PublishRecordRow>>> {
    let mut by_asset: std::collections::HashMap<String, Vec<PublishRecordRow>> = Default::default();
    for record in db::publishing::records_of(state.db.reader(), &stack.api_key, asset_uids).await? {
        by_asset
            .entry(record.asset_uid.clone())
            .or_default()
            .push(record);
    }
    Ok(by_asset)
}

/// How often the background task looks for scheduled items that fell due.
pub const SCHEDULER_TICK: std::time::Duration = std::time::Duration::from_secs(1);

/// The background task: applies scheduled items as their stacks' clocks reach them.
pub async fn run_scheduler(state: AppState, shutdown: tokio_util::sync::CancellationToken) {
    let mut ticker = tokio::time::interval(SCHEDULER_TICK);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = ticker.tick() => match run_all_due(&state).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(items = n, "applied scheduled publishing"),
                Err(e) => tracing::error!(error = %e, "scheduled publishing failed"),
            },
        }
    }
}
