//! Bulk delete (at most 100 items, all or nothing, through the trash's one doorway) and
//! the jobs it leaves for `GET /v3/bulk/jobs/{job_id}`.

use crate::contentstack::ids;
use crate::contentstack::time::format_ts;
use crate::db;
use crate::db::bulk::BulkJobRow;
pub use crate::db::bulk::{FailedItem, JobBody, JobItem, JobSummary};
use crate::db::stacks::StackRow;
use crate::domain::publishing::{self, Action, Resolved, Targets};
use crate::domain::trash::{self, Door};
use crate::error::{ApiError, ApiResult, codes, field_error};
use crate::state::AppState;

/// Most items (assets plus entries) one bulk request may name.
pub const MAX_BULK_ITEMS: usize = 100;

/// `POST /v3/bulk/delete`, as read from its body.
#[derive(Debug, Clone, Default)]
pub struct BulkDeleteRequest {
    /// The asset uids, in the order given (duplicates possible; `None` where an item
    /// has no uid).
    pub assets: Vec<Option<String>>,
    /// How many entries the request names (entries are not emulated).
    pub entries: usize,
}

/// A bulk job with its summary.
#[derive(Debug, Clone)]
pub struct Job {
    pub row: BulkJobRow,
    pub summary: JobSummary,
}

/// Checks the caps of a bulk delete and returns its asset uids, duplicates dropped
/// (the first kept).
fn checked_uids(request: BulkDeleteRequest) -> ApiResult<Vec<String>> {
    let total = request.assets.len() + request.entries;
    if total > MAX_BULK_ITEMS {
        return Err(ApiError::Unprocessable {
            code: codes::BULK_LIMIT,
            message: format!(
                "A bulk delete request can delete at most {MAX_BULK_ITEMS} items at a time; this request has {total}. Nothing was deleted."
            ),
            errors: field_error(
                "assets",
                format!("can have at most {MAX_BULK_ITEMS} items."),
            ),
        });
    }
    if request.entries > 0 {
        return Err(ApiError::invalid(
            "Entries are not emulated by contentstack-mock; only assets can be bulk deleted. Nothing was deleted.",
            "entries",
            "are not supported.",
        ));
    }
    if request.assets.is_empty() {
        return Err(ApiError::invalid(
            "Please provide the assets to delete.",
            "assets",
            "is required.",
        ));
    }
    let mut uids: Vec<String> = Vec::with_capacity(request.assets.len());
    for uid in request.assets {
        let uid = uid.ok_or_else(|| {
            ApiError::invalid("Every asset needs a 'uid'.", "assets", "need a uid each.")
        })?;
        if !uids.contains(&uid) {
            uids.push(uid);
        }
    }
    Ok(uids)
}

/// Moves every named asset or folder to the trash in one transaction and records the job.
pub async fn delete(
    state: &AppState,
    stack: &StackRow,
    request: BulkDeleteRequest,
) -> ApiResult<Job> {
    let uids = checked_uids(request)?;
    let mut tx = state.db.begin_write().await?;
    let mut trashed = trash::move_in(state, &mut tx, stack, &uids, Door::Bulk).await?;
    let summary = JobSummary {
        total: uids.len(),
        success: trashed.moved.len(),
        unsuccess: trashed.missing.len(),
        failed_items: std::mem::take(&mut trashed.missing)
            .into_iter()
            .map(|uid| FailedItem {
                uid,
                item_type: "asset".into(),
                error_message: ApiError::AssetNotFound.to_string(),
                error_code: codes::ASSET_NOT_FOUND,
            })
            .collect(),
    };
    let mut row = BulkJobRow::complete(
        ids::job_id(),
        stack.api_key.clone(),
        "delete",
        trashed.deleted_at,
        stack.user_uid.clone(),
    );
    row.set_summary(summary.clone());
    db::bulk::insert(&mut tx, &row).await?;
    db::commit(tx).await?;
    Ok(Job { row, summary })
}

/// A job of the stack.
pub async fn job(state: &AppState, stack: &StackRow, job_id: &str) -> ApiResult<Job> {
    let row = db::bulk::get(state.db.reader(), &stack.api_key, job_id)
        .await?
        .ok_or_else(|| {
            ApiError::unprocessable(
                codes::NOT_FOUND,
                "The requested object doesn't exist.",
                "job_id",
                "is not valid.",
            )
        })?;
    let summary = row.summary.0.clone();
    Ok(Job { row, summary })
}

/// Most assets one bulk publish or unpublish may name (contract section 5).
pub const MAX_BULK_PUBLISH_ASSETS: usize = 100;

/// One asset of a bulk publish body.
#[derive(Debug, Clone, Default)]
pub struct BulkAsset {
    pub uid: Option<String>,
    pub version: Option<i64>,
}

/// `POST /v3/bulk/publish` and `/unpublish`.
#[derive(Debug, Clone, Default)]
pub struct BulkPublishRequest {
    pub assets: Vec<BulkAsset>,
    /// How many entries the request names (entries are not emulated).
    pub entries: usize,
    pub targets: Targets,
}

/// The assets of a bulk publish, checked against the caps, duplicates dropped.
fn checked_assets(
    request: &BulkPublishRequest,
    action: Action,
) -> ApiResult<Vec<(String, Option<i64>)>> {
    let count = request.assets.len() + request.entries;
    if count > MAX_BULK_PUBLISH_ASSETS {
        return Err(ApiError::Unprocessable {
            code: codes::BULK_LIMIT,
            message: format!(
                "A bulk {} request can name at most {MAX_BULK_PUBLISH_ASSETS} items; this one names {count}. Nothing was changed.",
                action.as_str()
            ),
            errors: field_error(
                "assets",
                format!("can have at most {MAX_BULK_PUBLISH_ASSETS} items."),
            ),
        });
    }
    if request.entries > 0 {
        return Err(ApiError::invalid(
            "Entries are not emulated by contentstack-mock; only assets can be published in bulk. Nothing was changed.",
            "entries",
            "are not supported.",
        ));
    }
    let mut assets: Vec<(String, Option<i64>)> = Vec::new();
    for asset in &request.assets {
        let uid = asset.uid.clone().ok_or_else(|| {
            ApiError::invalid("Every asset needs a 'uid'.", "assets", "need a uid each.")
        })?;
        if !assets.iter().any(|(seen, _)| seen == &uid) {
            assets.push((uid, asset.version));
        }
    }
    if assets.is_empty() {
        return Err(ApiError::invalid(
            "Please provide the assets.",
            "assets",
            "is required.",
        ));
    }
    Ok(assets)
}

/// Publishes or unpublishes assets in bulk, in one transaction, and records the job
/// with one item per asset, environment and locale.
pub async fn publish(
    state: &AppState,
    stack: &StackRow,
    action: Action,
    request: BulkPublishRequest,
) -> ApiResult<Job> {
    let assets = checked_assets(&request, action)?;
    let mut tx = state.db.begin_write().await?;
    let resolved = publishing::resolve(&mut tx, stack, &request.targets).await?;
    let mut job = JobRecord {
        uid: ids::job_id(),
        summary: JobSummary {
            total: assets.len(),
            ..JobSummary::default()
        },
        items: Vec::new(),
    };
    for (uid, version) in &assets {
        job.add(&mut tx, stack, action, &resolved, uid, *version)
            .await?;
    }
    let now = format_ts(stack.clock().now());
    let body = JobBody {
        branch: "main".into(),
        locales: resolved.locales.clone(),
        environments: resolved
            .environments
            .iter()
            .map(|e| e.uid.clone())
            .collect(),
        published_at: resolved.at.is_none().then(|| now.clone()),
        scheduled_at: resolved.at.map(format_ts).unwrap_or_default(),
    };
    let mut row = BulkJobRow::complete(
        job.uid,
        stack.api_key.clone(),
        action.as_str(),
        now,
        stack.user_uid.clone(),
    );
    row.set_summary(job.summary.clone());
    row.set_body(body);
    row.set_items(job.items);
    db::bulk::insert(&mut tx, &row).await?;
    db::commit(tx).await?;
    Ok(Job {
        row,
        summary: job.summary,
    })
}

/// A publish job while it is built.
struct JobRecord {
    uid: String,
    summary: JobSummary,
    items: Vec<JobItem>,
}

/// What happened to one asset of a job.
struct Outcome<'a> {
    title: &'a str,
    version: Option<i64>,
    status: &'a str,
    failure: Option<&'a str>,
}

impl JobRecord {
    /// Publishes (or unpublishes) one asset of the job and notes what happened.
    async fn add(
        &mut self,
        tx: &mut db::Tx,
        stack: &StackRow,
        action: Action,
        resolved: &Resolved,
        uid: &str,
        version: Option<i64>,
    ) -> ApiResult<()> {
        let asset = db::assets::get(&mut **tx, &stack.api_key, uid)
            .await?
            .filter(|row| !row.is_dir);
        let Some(asset) = asset else {
            self.summary.unsuccess += 1;
            self.summary.failed_items.push(FailedItem {
                uid: uid.to_owned(),
                item_type: "asset".into(),
                error_message: ApiError::AssetNotFound.to_string(),
                error_code: codes::ASSET_NOT_FOUND,
            });
            let outcome = Outcome {
                title: "",
                version,
                status: "failed",
                failure: Some("Asset was not found."),
            };
            self.note(uid, resolved, action, &outcome, stack);
            return Ok(());
        };
        let mut item = publishing::queue_item_for(stack, &asset, action, resolved, version);
        item.bulk_job_uid = Some(self.uid.clone());
        if resolved.at.is_none() {
            publishing::apply_item(tx, stack, &mut item).await?;
        }
        db::publishing::put_queue_item(&mut *tx, &item).await?;
        self.summary.success += 1;
        let outcome = Outcome {
            title: &item.title,
            version: item.version.or(Some(asset.version)),
            status: if item.status == "scheduled" {
                "scheduled"
            } else {
                "success"
            },
            failure: None,
        };
        self.note(uid, resolved, action, &outcome, stack);
        Ok(())
    }

    /// The job items of one asset: one per environment and locale.
    fn note(
        &mut self,
        uid: &str,
        resolved: &Resolved,
        action: Action,
        outcome: &Outcome,
        stack: &StackRow,
    ) {
        let now = format_ts(stack.clock().now());
        for environment in &resolved.environments {
            for locale in &resolved.locales {
                self.items.push(JobItem {
                    uid: uid.to_owned(),
                    version: outcome.version,
                    title: outcome.title.to_owned(),
                    environment: environment.uid.clone(),
                    publish_locale: locale.clone(),
                    action: action.as_str().into(),
                    status: outcome.status.to_owned(),
                    failure_reason: outcome.failure.map(str::to_owned),
                    published_at: (outcome.status == "success").then(|| now.clone()),
                    scheduled_at: resolved.at.map(format_ts).unwrap_or_default(),
                    user: stack.user_uid.clone(),
                });
            }
        }
    }
}
