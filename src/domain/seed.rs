//! Seeding a stack from a `csdx cm:stacks:export` folder: its folder tree, its assets
//! with their metadata and files, and (where exported) its environments, locales and
//! publish state, keeping every uid. The whole export is read and checked before
//! anything is written, and then written in one transaction: a malformed or partial
//! export is refused with the file and the problem named, and leaves nothing behind.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::clock::format_ts;
use crate::db::assets::{self as asset_db, AssetFileRow, AssetRow};
use crate::db::environments::{self as environment_db, EnvironmentRow};
use crate::db::locales::{self as locale_db, LocaleRow};
use crate::db::publishing::{self as publishing_db, PublishRecordRow};
use crate::db::stacks::StackRow;
use crate::db::{self, Tx};
use crate::domain::environments::{EnvironmentUrl, check_name};
use crate::domain::folders::{FOLDER_CONTENT_TYPE, MAX_DEPTH, MAX_FOLDERS};
use crate::domain::limits;
use crate::filename;
use crate::ids;
use crate::state::AppState;
use crate::storage::{PendingFile, Sniff};

#[derive(Debug, Deserialize)]
struct ExportFolder {
    uid: String,
    name: String,
    #[serde(default)]
    parent_uid: Option<String>,
    #[serde(default)]
    created_at: Option<String>,
    #[serde(default)]
    created_by: Option<String>,
    #[serde(default)]
    updated_at: Option<String>,
    #[serde(default)]
    updated_by: Option<String>,
}

#[derive(Debug, Deserialize)]
struct ExportAsset {
    uid: String,
    filename: String,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    parent_uid: Option<String>,
    #[serde(default)]
    content_type: Option<String>,
    #[serde(default, rename = "_version")]
    version: Option<i64>,
    #[serde(default)]
    created_at: Option<String>,
    #[serde(default)]
    created_by: Option<String>,
    #[serde(default)]
    updated_at: Option<String>,
    #[serde(default)]
    updated_by: Option<String>,
    #[serde(default)]
    publish_details: Vec<ExportPublish>,
}

#[derive(Debug, Deserialize)]
struct ExportPublish {
    environment: String,
    locale: String,
    #[serde(default)]
    time: Option<String>,
    #[serde(default)]
    user: Option<String>,
}

#[derive(Debug, Deserialize)]
struct ExportEnvironment {
    uid: String,
    name: String,
    #[serde(default)]
    urls: Vec<EnvironmentUrl>,
}

#[derive(Debug, Clone, Deserialize)]
struct ExportLocale {
    uid: String,
    code: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    fallback_locale: Option<String>,
}

/// An export, read and checked.
#[derive(Debug, Default)]
pub struct Export {
    root: PathBuf,
    folders: Vec<ExportFolder>,
    assets: Vec<ExportAsset>,
    environments: Vec<ExportEnvironment>,
    master_locale: Option<ExportLocale>,
    locales: Vec<ExportLocale>,
}

impl Export {
    /// How many folders and assets it holds.
    pub fn counts(&self) -> (usize, usize) {
        (self.folders.len(), self.assets.len())
    }
}

/// Reads a JSON file of the export, naming it in any error.
fn read_json<T: DeserializeOwned>(path: &Path) -> anyhow::Result<T> {
    let text =
        std::fs::read(path).with_context(|| format!("{}: cannot be read", path.display()))?;
    serde_json::from_slice(&text)
        .with_context(|| format!("{}: is not the JSON an export writes", path.display()))
}

/// Reads and checks an export folder (the `--data-dir` of `csdx cm:stacks:export`).
pub fn read_export(dir: &Path, max_file_bytes: u64) -> anyhow::Result<Export> {
    if !dir.is_dir() {
        bail!("{}: is not a folder", dir.display());
    }
    let branch_dir = dir.join(crate::domain::branches::MAIN);
    // A stack with branches is exported as `<dir>/branches.json` and `<dir>/<branch>/...`:
    // the `main` branch is the one loaded.
    let dir = if !dir.join("assets").is_dir()
        && (dir.join("branches.json").is_file() || branch_dir.join("assets").is_dir())
        && branch_dir.is_dir()
    {
        branch_dir.as_path()
    } else {
        dir
    };
    let mut export = Export {
        root: dir.to_path_buf(),
        ..Export::default()
    };
    let assets_dir = dir.join("assets");
    let environments = dir.join("environments").join("environments.json");
    let master = dir.join("locales").join("master-locale.json");
    if !assets_dir.is_dir() && !environments.is_file() && !master.is_file() {
        bail!(
            "{}: holds no assets/, environments/ or locales/ folder; give the folder a `csdx cm:stacks:export --data-dir` wrote",
            dir.display()
        );
    }
    if assets_dir.is_dir() {
        read_assets(&mut export, &assets_dir, max_file_bytes)?;
    }
    if environments.is_file() {
        let by_uid: HashMap<String, ExportEnvironment> = read_json(&environments)?;
        for environment in by_uid.into_values() {
            check_name(&environment.name).map_err(|e| {
                anyhow::anyhow!(
                    "{}: environment '{}': {e}",
                    environments.display(),
                    environment.name
                )
            })?;
            export.environments.push(environment);
        }
        export.environments.sort_by(|a, b| a.name.cmp(&b.name));
    }
    if master.is_file() {
        let by_uid: HashMap<String, ExportLocale> = read_json(&master)?;
        export.master_locale = by_uid.into_values().next();
        let others = dir.join("locales").join("locales.json");
        if others.is_file() {
            let by_uid: HashMap<String, ExportLocale> = read_json(&others)?;
            export.locales = by_uid.into_values().collect();
            export.locales.sort_by(|a, b| a.code.cmp(&b.code));
        }
        for locale in export.master_locale.iter().chain(&export.locales) {
            crate::domain::locales::check_code(&locale.code).map_err(|e| {
                anyhow::anyhow!("{}: locale '{}': {e}", master.display(), locale.code)
            })?;
        }
    }
    check_tree(&export, &assets_dir)?;
    Ok(export)
}

/// Reads `assets/`: the chunk index, each chunk, the folders, and checks every file.
fn read_assets(export: &mut Export, assets_dir: &Path, max_file_bytes: u64) -> anyhow::Result<()> {
    let index_path = assets_dir.join("assets.json");
    let folders_path = assets_dir.join("folders.json");
    if folders_path.is_file() {
        export.folders = read_json(&folders_path)?;
    }
    if !index_path.is_file() {
        if export.folders.is_empty() {
            bail!(
                "{}: is missing (the index of the asset files)",
                index_path.display()
            );
        }
        return Ok(());
    }
    let index: HashMap<String, String> = read_json(&index_path)?;
    let mut chunks: Vec<(u64, String)> = index
        .into_iter()
        .map(|(n, file)| (n.parse().unwrap_or(u64::MAX), file))
        .collect();
    chunks.sort();
    for (_, chunk) in chunks {
        if chunk.contains(['/', '\\']) {
            bail!(
                "{}: names the chunk '{chunk}', which is not a file of assets/",
                index_path.display()
            );
        }
        let chunk_path = assets_dir.join(&chunk);
        let records: HashMap<String, ExportAsset> = read_json(&chunk_path)?;
        for (uid, asset) in records {
            if uid != asset.uid {
                bail!(
                    "{}: the record under '{uid}' has the uid '{}'",
                    chunk_path.display(),
                    asset.uid
                );
            }
            check_asset(&asset, assets_dir, &chunk_path, max_file_bytes)?;
            export.assets.push(asset);
        }
    }
    export
        .assets
        .sort_by(|a, b| (&a.created_at, &a.uid).cmp(&(&b.created_at, &b.uid)));
    Ok(())
}

/// Checks one asset record and its file.
fn check_asset(
    asset: &ExportAsset,
    assets_dir: &Path,
    chunk: &Path,
    max_file_bytes: u64,
) -> anyhow::Result<()> {
    let bad = |why: String| anyhow::anyhow!("{}: asset {}: {why}", chunk.display(), asset.uid);
    check_uid(&asset.uid).map_err(&bad)?;
    if asset.filename.contains(['/', '\\']) || asset.filename.is_empty() || asset.filename == ".." {
        return Err(bad(format!(
            "the filename '{}' is not a file name",
            asset.filename
        )));
    }
    limits::check_len("title", asset.title.as_deref(), limits::MAX_TITLE_BYTES)
        .map_err(|e| bad(e.to_string()))?;
    limits::check_len(
        "description",
        asset.description.as_deref(),
        limits::MAX_DESCRIPTION_BYTES,
    )
    .map_err(|e| bad(e.to_string()))?;
    limits::check_tags(Some(&asset.tags)).map_err(|e| bad(e.to_string()))?;
    let file = assets_dir
        .join("files")
        .join(&asset.uid)
        .join(&asset.filename);
    let meta = std::fs::metadata(&file).map_err(|_| {
        anyhow::anyhow!(
            "{}: is missing (the file of asset {})",
            file.display(),
            asset.uid
        )
    })?;
    if !meta.is_file() {
        bail!(
            "{}: is not a file (the file of asset {})",
            file.display(),
            asset.uid
        );
    }
    if meta.len() > max_file_bytes {
        bail!(
            "{}: is larger than --max-upload-bytes ({max_file_bytes})",
            file.display()
        );
    }
    Ok(())
}

fn check_uid(uid: &str) -> Result<(), String> {
    let ok = !uid.is_empty()
        && uid.len() <= limits::MAX_UID_BYTES
        && uid
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if ok {
        Ok(())
    } else {
        Err(format!("the uid '{uid}' is not valid"))
    }
}

/// Checks the folder tree: unique uids, parents that exist, the depth and count rules.
fn check_tree(export: &Export, assets_dir: &Path) -> anyhow::Result<()> {
    let folders_path = assets_dir.join("folders.json");
    let bad = |why: String| anyhow::anyhow!("{}: {why}", folders_path.display());
    if export.folders.len() > MAX_FOLDERS as usize {
        return Err(bad(format!(
            "{} folders; a stack holds at most {MAX_FOLDERS}",
            export.folders.len()
        )));
    }
    let parents: HashMap<&str, Option<&str>> = export
        .folders
        .iter()
        .map(|f| (f.uid.as_str(), f.parent_uid.as_deref()))
        .collect();
    let mut seen = HashSet::new();
    for folder in &export.folders {
        check_uid(&folder.uid).map_err(&bad)?;
        limits::check_len("name", Some(&folder.name), limits::MAX_NAME_BYTES)
            .map_err(|e| bad(e.to_string()))?;
        if !seen.insert(folder.uid.as_str()) {
            return Err(bad(format!("the folder {} is listed twice", folder.uid)));
        }
        let mut depth = 1;
        let mut at = folder.parent_uid.as_deref();
        while let Some(parent) = at {
            let Some(next) = parents.get(parent) else {
                return Err(bad(format!(
                    "the parent {parent} of folder {} is not in the export",
                    folder.uid
                )));
            };
            depth += 1;
            if depth > MAX_DEPTH {
                return Err(bad(format!(
                    "folder {} nests deeper than {MAX_DEPTH} levels (or in a loop)",
                    folder.uid
                )));
            }
            at = *next;
        }
    }
    for asset in &export.assets {
        if let Some(parent) = asset.parent_uid.as_deref()
            && !parents.contains_key(parent)
        {
            bail!(
                "asset {}: its folder {parent} is not in {}",
                asset.uid,
                folders_path.display()
            );
        }
        if parents.contains_key(asset.uid.as_str()) {
            bail!("asset {}: the uid is a folder's too", asset.uid);
        }
    }
    Ok(())
}

/// Loads a checked export into an empty stack.
pub async fn load(state: &AppState, stack: &StackRow, export: &Export) -> anyhow::Result<()> {
    // The files first (removed again unless the rows commit).
    let mut files: Vec<PendingFile> = Vec::with_capacity(export.assets.len());
    for asset in &export.assets {
        let path = export
            .root
            .join("assets")
            .join("files")
            .join(&asset.uid)
            .join(&asset.filename);
        let handle = tokio::fs::File::open(&path)
            .await
            .with_context(|| format!("{}: cannot be read", path.display()))?;
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
            .with_context(|| format!("{}: cannot be stored", path.display()))?;
        files.push(
            state
                .storage
                .pending(&stack.api_key, stored, name, content_type),
        );
    }
    let mut tx = state.db.begin_write().await?;
    if asset_db::count_all(&mut *tx, &stack.api_key).await? > 0 {
        bail!(
            "the stack {} is not empty; a seed only loads into an empty stack",
            stack.api_key
        );
    }
    let environments = write_settings(&mut tx, stack, export).await?;
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
        for existing in environment_db::list(&mut **tx, &stack.api_key).await? {
            environment_db::delete(tx, &existing.uid).await?;
        }
        for environment in &export.environments {
            let row = EnvironmentRow {
                uid: environment.uid.clone(),
                stack_api_key: stack.api_key.clone(),
                name: environment.name.clone(),
                urls: serde_json::to_string(&environment.urls)?,
                version: 1,
                created_at: now.clone(),
                created_by: stack.user_uid.clone(),
                updated_at: now.clone(),
                updated_by: stack.user_uid.clone(),
            };
            environment_db::insert(tx, &row).await?;
        }
    }
    if let Some(master) = &export.master_locale {
        for existing in locale_db::list(&mut **tx, &stack.api_key).await? {
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
        locale_db::insert(tx, &row(master, None)).await?;
        for locale in &export.locales {
            let fallback = locale
                .fallback_locale
                .clone()
                .unwrap_or_else(|| master.code.clone());
            locale_db::insert(tx, &row(locale, Some(fallback))).await?;
        }
    }
    Ok(environment_db::list(&mut **tx, &stack.api_key)
        .await?
        .into_iter()
        .map(|e| e.uid)
        .collect())
}

/// Removes a locale the stack started with (nothing can be published in it yet).
async fn remove_default_locale(tx: &mut Tx, locale: &LocaleRow) -> anyhow::Result<()> {
    let mut fallback_free = locale.clone();
    fallback_free.fallback_locale = None;
    locale_db::delete(tx, &fallback_free).await?;
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
        asset_db::insert(tx, &row).await?;
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
        .filter(|t| crate::clock::parse_ts(t).is_some())
    {
        row.created_at = at.clone();
    }
    if let Some(by) = created_by {
        row.created_by = by.clone();
    }
    if let Some(at) = updated_at
        .as_ref()
        .filter(|t| crate::clock::parse_ts(t).is_some())
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
    let locales: HashSet<String> = locale_db::list(&mut **tx, &stack.api_key)
        .await?
        .into_iter()
        .map(|l| l.code)
        .collect();
    for (asset, file) in export.assets.iter().zip(files) {
        let (file_row, row) = rows_of(stack, asset, file, &now);
        asset_db::insert_file(tx, &file_row).await?;
        asset_db::insert(tx, &row).await?;
        asset_db::record_version(tx, &row).await?;
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
            publishing_db::put_record(tx, &record).await?;
        }
    }
    Ok(())
}
