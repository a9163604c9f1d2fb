//! Seeding a stack from a `csdx cm:stacks:export` folder: its folder tree, its assets
//! with their metadata and files, and (where exported) its environments, locales and
//! publish state, keeping every uid. The whole export is read and checked before
//! anything is written, and then written in one transaction: a malformed or partial
//! export is refused with the file and the problem named, and leaves nothing behind.
//! Reading and checking the export is [`crate::domain::seed_read`]'s part.

use std::collections::HashSet;
use std::path::Path;

use anyhow::{Context, bail};

use crate::contentstack::filename;
use crate::contentstack::ids;
use crate::contentstack::time::format_ts;
use crate::db::assets::{AssetFileRow, AssetRow};
use crate::db::environments::EnvironmentRow;
use crate::db::locales::LocaleRow;
use crate::db::publishing::PublishRecordRow;
use crate::db::stacks::StackRow;
use crate::db::{self, Tx};
use crate::domain::folders::FOLDER_CONTENT_TYPE;
use crate::domain::seed_read::{self, ExportAsset, ExportLocale};
pub use crate::domain::seed_read::{Export, read_export, read_export_in};
use crate::state::AppState;
use crate::storage::{PendingFile, Sniff};

/// Loads a checked export into an empty stack.
pub async fn load(state: &AppState, stack: &StackRow, export: &Export) -> anyhow::Result<()> {
    // The files first (removed again unless the rows commit), each opened again
    // through the export's folder, with the same checks as when it was read.
    let max = state.settings.max_upload_bytes;
    let mut files: Vec<PendingFile> = Vec::with_capacity(export.assets.len());
    for asset in &export.assets {
        let relative = asset.file();
        let root = export.root.clone();
        let opened = tokio::task::spawn_blocking(move || root.open_file(&relative, max))
            .await
            .context("opening a seed file")?;
        let shown = export.shown(&asset.file());
        let (file, _) = opened.map_err(|why| anyhow::anyhow!("{shown}: {why}"))?;
        let handle = tokio::fs::File::from_std(file);
        let stream = tokio_util::io::ReaderStream::new(handle);
        let name = filename::sanitize(&asset.filename);
        let content_type = asset
            .content_type
            .clone()
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| {
                mime_guess::from_path(&name)
                    .first_raw()
                    .unwrap_or("application/octet-stream")
                    .to_owned()
            });
        let sniff = Sniff::for_content_type(&content_type);
        let stored = state
            .storage
            .write_stream(
                &stack.api_key,
                stream,
                state.settings.max_upload_bytes,
                sniff,
            )
            .await
            .with_context(|| format!("{shown}: cannot be stored"))?;
        files.push(
            state
                .storage
                .pending(&stack.api_key, stored, name, content_type),
        );
    }
    let mut tx = state.db.begin_write().await?;
    if db::assets::holds_any(&mut *tx, &stack.api_key).await? {
        bail!(
            "the stack {} is not empty; a seed only loads into an empty stack",
            stack.api_key
        );
    }
    let environments = write_settings(&mut tx, stack, export).await?;
    // What the seed brought is what a reset of the stack puts back.
    db::stack_content::remember_creation_defaults(&mut tx, &stack.api_key).await?;
    write_folders(&mut tx, stack, export).await?;
    write_assets(&mut tx, stack, export, &files, &environments).await?;
    db::commit(tx).await?;
    for file in files {
        file.keep();
    }
    Ok(())
}

/// Environments and locales of the export replace the stack's defaults; returns the
/// environment uids the stack now has.
async fn write_settings(
    tx: &mut Tx,
    stack: &StackRow,
    export: &Export,
) -> anyhow::Result<HashSet<String>> {
    let now = format_ts(stack.clock().now());
    if !export.environments.is_empty() {
        for existing in db::environments::list(&mut **tx, &stack.api_key).await? {
            db::environments::delete(&mut *tx, &stack.api_key, &existing.uid).await?;
        }
        for environment in &export.environments {
            let row = EnvironmentRow {
                uid: environment.uid.clone(),
                stack_api_key: stack.api_key.clone(),
                name: environment.name.clone(),
                urls: db::Json(environment.urls.clone()),
                version: 1,
                created_at: now.clone(),
                created_by: stack.user_uid.clone(),
                updated_at: now.clone(),
                updated_by: stack.user_uid.clone(),
            };
            db::environments::insert(&mut *tx, &row)
                .await
                .with_context(|| {
                    format!(
                        "{}: environment {}",
                        export.shown(Path::new(seed_read::ENVIRONMENTS)),
                        environment.uid
                    )
                })?;
        }
    }
    if let Some(master) = &export.master_locale {
        for existing in db::locales::list(&mut **tx, &stack.api_key).await? {
            remove_default_locale(tx, &existing).await?;
        }
        let row = |locale: &ExportLocale, fallback: Option<String>| LocaleRow {
            uid: locale.uid.clone(),
            stack_api_key: stack.api_key.clone(),
            code: locale.code.clone(),
            name: locale.name.clone().unwrap_or_else(|| locale.code.clone()),
            fallback_locale: fallback,
            version: 1,
            created_at: now.clone(),
            created_by: stack.user_uid.clone(),
            updated_at: now.clone(),
            updated_by: stack.user_uid.clone(),
        };
        let shown = |file: &str, locale: &ExportLocale| {
            format!("{}: locale {}", export.shown(Path::new(file)), locale.uid)
        };
        db::locales::insert(&mut *tx, &row(master, None))
            .await
            .with_context(|| shown(seed_read::MASTER_LOCALE, master))?;
        for locale in &export.locales {
            let fallback = locale
                .fallback_locale
                .clone()
                .unwrap_or_else(|| master.code.clone());
            db::locales::insert(&mut *tx, &row(locale, Some(fallback)))
                .await
                .with_context(|| shown(seed_read::LOCALES, locale))?;
        }
    }
    Ok(db::environments::list(&mut **tx, &stack.api_key)
        .await?
        .into_iter()
        .map(|e| e.uid)
        .collect())
}

/// Removes a locale the stack started with (nothing can be published in it yet).
async fn remove_default_locale(tx: &mut Tx, locale: &LocaleRow) -> anyhow::Result<()> {
    let mut fallback_free = locale.clone();
    fallback_free.fallback_locale = None;
    db::locales::delete(&mut *tx, &fallback_free).await?;
    Ok(())
}

async fn write_folders(tx: &mut Tx, stack: &StackRow, export: &Export) -> anyhow::Result<()> {
    let now = format_ts(stack.clock().now());
    for folder in &export.folders {
        let mut row = AssetRow::new(
            folder.uid.clone(),
            &stack.api_key,
            true,
            &stack.user_uid,
            &now,
        );
        row.name = Some(folder.name.clone());
        row.parent_uid = folder.parent_uid.clone();
        row.content_type = FOLDER_CONTENT_TYPE.to_owned();
        stamp(
            &mut row,
            &folder.created_at,
            &folder.created_by,
            &folder.updated_at,
            &folder.updated_by,
        );
        db::assets::insert(&mut *tx, &row).await.with_context(|| {
            format!(
                "{}: folder {}",
                export.shown(Path::new(seed_read::FOLDERS)),
                folder.uid
            )
        })?;
    }
    Ok(())
}

/// Keeps the export's creation and update stamps where it has them.
fn stamp(
    row: &mut AssetRow,
    created_at: &Option<String>,
    created_by: &Option<String>,
    updated_at: &Option<String>,
    updated_by: &Option<String>,
) {
    if let Some(at) = created_at
        .as_ref()
        .filter(|t| crate::contentstack::time::parse_ts(t).is_some())
    {
        row.created_at = at.clone();
    }
    if let Some(by) = created_by {
        row.created_by = by.clone();
    }
    if let Some(at) = updated_at
        .as_ref()
        .filter(|t| crate::contentstack::time::parse_ts(t).is_some())
    {
        row.updated_at = at.clone();
    }
    if let Some(by) = updated_by {
        row.updated_by = by.clone();
    }
}

/// The file row and asset row of an exported asset whose file is stored.
fn rows_of(
    stack: &StackRow,
    asset: &ExportAsset,
    file: &PendingFile,
    now: &str,
) -> (AssetFileRow, AssetRow) {
    let dimension = file.dimension();
    let file_row = AssetFileRow {
        version_uid: ids::version_uid(),
        asset_uid: asset.uid.clone(),
        stack_api_key: stack.api_key.clone(),
        storage_key: file.stored.storage_key.clone(),
        filename: file.filename.clone(),
        content_type: file.content_type.clone(),
        file_size: file.stored.size as i64,
        sha256: file.stored.sha256.clone(),
        width: dimension.map(|d| d.0),
        height: dimension.map(|d| d.1),
        created_at: now.to_owned(),
    };
    let mut row = AssetRow::new(
        asset.uid.clone(),
        &stack.api_key,
        false,
        &stack.user_uid,
        now,
    );
    row.parent_uid = asset.parent_uid.clone();
    row.title = Some(
        asset
            .title
            .clone()
            .filter(|t| !t.trim().is_empty())
            .unwrap_or_else(|| file.filename.clone()),
    );
    row.description = asset.description.clone();
    row.set_tags(&asset.tags);
    row.version = asset.version.filter(|v| *v > 0).unwrap_or(1);
    row.version_uid = Some(file_row.version_uid.clone());
    row.filename = Some(file_row.filename.clone());
    row.content_type = file_row.content_type.clone();
    row.file_size = Some(file_row.file_size);
    row.width = file_row.width;
    row.height = file_row.height;
    stamp(
        &mut row,
        &asset.created_at,
        &asset.created_by,
        &asset.updated_at,
        &asset.updated_by,
    );
    (file_row, row)
}

async fn write_assets(
    tx: &mut Tx,
    stack: &StackRow,
    export: &Export,
    files: &[PendingFile],
    environments: &HashSet<String>,
) -> anyhow::Result<()> {
    let now = format_ts(stack.clock().now());
    let locales: HashSet<String> = db::locales::list(&mut **tx, &stack.api_key)
        .await?
        .into_iter()
        .map(|l| l.code)
        .collect();
    for (asset, file) in export.assets.iter().zip(files) {
        let (file_row, row) = rows_of(stack, asset, file, &now);
        let named = || format!("{}: asset {}", export.shown(&asset.chunk), asset.uid);
        db::assets::insert_file(&mut *tx, &file_row)
            .await
            .with_context(named)?;
        db::assets::insert(&mut *tx, &row)
            .await
            .with_context(named)?;
        db::assets::record_version(&mut *tx, &row)
            .await
            .with_context(named)?;
        for detail in &asset.publish_details {
            if !environments.contains(&detail.environment) || !locales.contains(&detail.locale) {
                continue; // published where this stack has no such environment or locale
            }
            let record = PublishRecordRow {
                asset_uid: row.uid.clone(),
                stack_api_key: stack.api_key.clone(),
                environment_uid: detail.environment.clone(),
                locale: detail.locale.clone(),
                version: row.version,
                version_uid: file_row.version_uid.clone(),
                published_at: detail.time.clone().unwrap_or_else(|| now.clone()),
                published_by: detail
                    .user
                    .clone()
                    .unwrap_or_else(|| stack.user_uid.clone()),
            };
            db::publishing::put_record(&mut *tx, &record)
                .await
                .with_context(named)?;
        }
    }
    Ok(())
}
