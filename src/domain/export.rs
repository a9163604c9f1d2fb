//! A stack as a `csdx cm:stacks:export` folder, in a `.tar.gz`: `export-info.json`,
//! `assets/` (the chunk index `assets.json`, chunks of asset records, `folders.json`,
//! and each asset's file under `files/<uid>/<filename>`), `environments/environments.json`
//! and `locales/`
//! (`master-locale.json`, `locales.json`). It is what `--seed` (and `seed` on
//! `POST /_mock/stacks`) read, so a state made on the mock seeds another stack, and what
//! `csdx cm:stacks:import` reads, so it can seed a real one.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use anyhow::Context;
use flate2::Compression;
use flate2::write::GzEncoder;
use serde::Serialize;

use crate::db;
use crate::db::assets::AssetRow;
use crate::db::environments::EnvironmentUrl;
use crate::db::export::ExportRows;
use crate::domain::stacks::find;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Asset records per chunk file (the CLI writes chunks of about 1 MB).
const ASSETS_PER_CHUNK: usize = 500;

/// An archive ready to be sent: an open file already unlinked from its folder, so it
/// goes away with the last handle, and its size.
pub struct Archive {
    pub file: std::fs::File,
    pub bytes: u64,
}

/// `export-info.json`: the layout version the CLI's import reads the folder by (without
/// it, the import takes the folder for its first, chunkless layout).
#[derive(Serialize)]
struct ExportInfo {
    #[serde(rename = "contentVersion")]
    content_version: u32,
}

#[derive(Serialize)]
struct FolderRecord<'a> {
    uid: &'a str,
    name: &'a str,
    parent_uid: Option<&'a str>,
    is_dir: bool,
    created_at: &'a str,
    created_by: &'a str,
    updated_at: &'a str,
    updated_by: &'a str,
}

#[derive(Serialize)]
struct AssetRecord<'a> {
    uid: &'a str,
    filename: &'a str,
    title: Option<&'a str>,
    description: Option<&'a str>,
    tags: Vec<String>,
    parent_uid: Option<&'a str>,
    content_type: &'a str,
    file_size: String,
    #[serde(rename = "_version")]
    version: i64,
    created_at: &'a str,
    created_by: &'a str,
    updated_at: &'a str,
    updated_by: &'a str,
    publish_details: Vec<PublishDetail<'a>>,
}

#[derive(Serialize)]
struct PublishDetail<'a> {
    environment: &'a str,
    locale: &'a str,
    time: &'a str,
    user: &'a str,
    version: i64,
}

#[derive(Serialize)]
struct EnvironmentRecord<'a> {
    uid: &'a str,
    name: &'a str,
    urls: &'a [EnvironmentUrl],
}

#[derive(Serialize)]
struct LocaleRecord<'a> {
    uid: &'a str,
    code: &'a str,
    name: &'a str,
    fallback_locale: Option<&'a str>,
}

/// Builds the archive of a stack. Rows are read at one instant, and no purge runs until
/// every file they name is in the archive.
pub async fn export(state: &AppState, api_key: &str) -> ApiResult<Archive> {
    find(state, api_key)?;
    let _purges = state.db.purge_lock.lock().await;
    let rows = db::export::read(state.db.reader(), api_key).await?;
    let storage = state.storage.clone();
    let owned_key = api_key.to_owned();
    let temp = state
        .storage
        .root()
        .join("tmp")
        .join(format!("export-{}.tar.gz", uuid::Uuid::new_v4()));
    let archive = tokio::task::spawn_blocking(move || {
        let written = write_archive(&temp, &rows, |key| storage.open_blocking(&owned_key, key));
        let opened = written.and_then(|()| {
            let file = std::fs::File::open(&temp).context("opening the archive")?;
            let bytes = file.metadata()?.len();
            Ok(Archive { file, bytes })
        });
        // Unlinked whatever happened: an open file stays readable.
        let _ = std::fs::remove_file(&temp);
        opened
    })
    .await
    .map_err(|e| ApiError::Internal(e.into()))?
    .map_err(ApiError::Internal)?;
    Ok(archive)
}

/// Writes the `.tar.gz` of `rows` to `path`; `stored` opens a storage key's file.
fn write_archive(
    path: &Path,
    rows: &ExportRows,
    stored: impl Fn(&str) -> std::io::Result<std::fs::File>,
) -> anyhow::Result<()> {
    let file = std::fs::File::create(path).context("creating the archive")?;
    let mut tar = tar::Builder::new(GzEncoder::new(file, Compression::fast()));
    tar.mode(tar::HeaderMode::Deterministic);
    add_json(
        &mut tar,
        "export-info.json",
        &ExportInfo { content_version: 2 },
    )?;
    let folders: Vec<FolderRecord> = rows
        .assets
        .iter()
        .filter(|a| a.is_dir)
        .map(folder_record)
        .collect();
    add_json(&mut tar, "assets/folders.json", &folders)?;

    let files: BTreeMap<&str, &crate::db::assets::AssetFileRow> = rows
        .files
        .iter()
        .map(|f| (f.asset_uid.as_str(), f))
        .collect();
    let mut details: BTreeMap<&str, Vec<PublishDetail>> = BTreeMap::new();
    for record in &rows.records {
        details
            .entry(record.asset_uid.as_str())
            .or_default()
            .push(PublishDetail {
                environment: &record.environment_uid,
                locale: &record.locale,
                time: &record.published_at,
                user: &record.published_by,
                version: record.version,
            });
    }
    let assets: Vec<&AssetRow> = rows
        .assets
        .iter()
        .filter(|a| !a.is_dir && files.contains_key(a.uid.as_str()))
        .collect();
    let mut index = BTreeMap::new();
    for (n, chunk) in assets.chunks(ASSETS_PER_CHUNK).enumerate() {
        let name = format!("chunk-{}.json", n + 1);
        let mut records = BTreeMap::new();
        for asset in chunk {
            let stored_file = files[asset.uid.as_str()];
            records.insert(
                asset.uid.as_str(),
                asset_record(
                    asset,
                    stored_file.file_size,
                    details.remove(asset.uid.as_str()).unwrap_or_default(),
                )?,
            );
        }
        add_json(&mut tar, &format!("assets/{name}"), &records)?;
        index.insert((n + 1).to_string(), name);
    }
    add_json(&mut tar, "assets/assets.json", &index)?;
    for asset in &assets {
        let stored_file = files[asset.uid.as_str()];
        let filename = asset.filename.as_deref().unwrap_or(&stored_file.filename);
        let name = format!("assets/files/{}/{filename}", asset.uid);
        let mut file = stored(&stored_file.storage_key)
            .with_context(|| format!("opening the file of asset {}", asset.uid))?;
        tar.append_file(&name, &mut file)
            .with_context(|| format!("adding the file of asset {}", asset.uid))?;
    }

    let environments: BTreeMap<&str, EnvironmentRecord> = rows
        .environments
        .iter()
        .map(|e| {
            (
                e.uid.as_str(),
                EnvironmentRecord {
                    uid: &e.uid,
                    name: &e.name,
                    urls: &e.urls,
                },
            )
        })
        .collect();
    add_json(&mut tar, "environments/environments.json", &environments)?;
    let (master, others): (Vec<_>, Vec<_>) = rows
        .locales
        .iter()
        .partition(|l| l.fallback_locale.is_none());
    let master: BTreeMap<&str, LocaleRecord> = master
        .into_iter()
        .take(1)
        .map(|l| (l.uid.as_str(), record(l)))
        .collect();
    let others: BTreeMap<&str, LocaleRecord> = others
        .into_iter()
        .map(|l| (l.uid.as_str(), record(l)))
        .collect();
    add_json(&mut tar, "locales/master-locale.json", &master)?;
    add_json(&mut tar, "locales/locales.json", &others)?;

    let mut encoder = tar.into_inner().context("finishing the archive")?;
    encoder.flush()?;
    let file = encoder.finish().context("finishing the archive")?;
    file.sync_all()?;
    Ok(())
}

fn record(l: &crate::db::locales::LocaleRow) -> LocaleRecord<'_> {
    LocaleRecord {
        uid: &l.uid,
        code: &l.code,
        name: &l.name,
        fallback_locale: l.fallback_locale.as_deref(),
    }
}

fn folder_record(row: &AssetRow) -> FolderRecord<'_> {
    FolderRecord {
        uid: &row.uid,
        name: row.name.as_deref().unwrap_or_default(),
        parent_uid: row.parent_uid.as_deref(),
        is_dir: true,
        created_at: &row.created_at,
        created_by: &row.created_by,
        updated_at: &row.updated_at,
        updated_by: &row.updated_by,
    }
}

fn asset_record<'a>(
    row: &'a AssetRow,
    file_size: i64,
    publish_details: Vec<PublishDetail<'a>>,
) -> anyhow::Result<AssetRecord<'a>> {
    let tags = row.tag_list();
    Ok(AssetRecord {
        uid: &row.uid,
        filename: row.filename.as_deref().unwrap_or_default(),
        title: row.title.as_deref(),
        description: row.description.as_deref(),
        tags,
        parent_uid: row.parent_uid.as_deref(),
        content_type: &row.content_type,
        file_size: file_size.to_string(),
        version: row.version,
        created_at: &row.created_at,
        created_by: &row.created_by,
        updated_at: &row.updated_at,
        updated_by: &row.updated_by,
        publish_details,
    })
}

/// Adds one JSON file to the archive.
fn add_json<W: Write>(
    tar: &mut tar::Builder<W>,
    name: &str,
    value: &impl Serialize,
) -> anyhow::Result<()> {
    let bytes = serde_json::to_vec_pretty(value)?;
    let mut header = tar::Header::new_gnu();
    header.set_size(bytes.len() as u64);
    header.set_mode(0o644);
    header.set_cksum();
    tar.append_data(&mut header, name, bytes.as_slice())
        .with_context(|| format!("adding {name}"))?;
    Ok(())
}
