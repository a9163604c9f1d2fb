//! Named snapshots of one stack: its content rows and stored files, kept under
//! `<data dir>/snapshots/<api_key>/<name>/`, and put back exactly by a restore.
//!
//! A snapshot reads every row in one read transaction while holding the purge lock:
//! only the purge removes stored files, so each file a row names is still there when it
//! is linked. Stored files never change once in place, so a hard link is a copy.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use serde::{Deserialize, Serialize};

use crate::contentstack::time::format_ts;
use crate::db;
use crate::db::stack_content::TableRows;
use crate::db::stacks::StackRow;
use crate::domain::stacks::find;
use crate::error::{ApiError, ApiResult, codes, field_error};
use crate::state::AppState;

/// Most snapshots one stack keeps.
pub const MAX_SNAPSHOTS_PER_STACK: usize = 20;
/// Longest snapshot name.
pub const MAX_NAME_LEN: usize = 64;

const SNAPSHOTS_DIR: &str = "snapshots";
const META_FILE: &str = "snapshot.json";
const ROWS_FILE: &str = "rows.json";
const FILES_DIR: &str = "files";
/// The layout of `rows.json`; a restore refuses others.
const FORMAT: u32 = 1;

/// A snapshot as listed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SnapshotInfo {
    pub name: String,
    /// On the stack's clock when it was taken.
    pub created_at: String,
    /// Assets (live and in the trash; folders not counted).
    pub assets: u64,
    /// Bytes of the stored files it keeps (every version).
    pub bytes: u64,
}

/// What `rows.json` holds: the stack's own fields a restore puts back, and every
/// content row.
#[derive(Debug, Serialize, Deserialize)]
struct SavedRows {
    format: u32,
    stack: SavedStack,
    tables: Vec<TableRows>,
}

#[derive(Debug, Serialize, Deserialize)]
struct SavedStack {
    name: String,
    description: String,
    settings: String,
    updated_at: Option<String>,
    clock_offset_ms: i64,
    clock_frozen_at: Option<String>,
}

/// A name is 1-64 of `[A-Za-z0-9._-]`, and not `.` or `..` (it names a folder).
pub fn check_name(name: &str) -> ApiResult<()> {
    let valid = !name.is_empty()
        && name.len() <= MAX_NAME_LEN
        && name != "."
        && name != ".."
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if valid {
        Ok(())
    } else {
        Err(ApiError::invalid(
            "A snapshot name is 1 to 64 letters, digits, '.', '_' or '-'.",
            "name",
            "is not valid.",
        ))
    }
}

fn not_found(name: &str) -> ApiError {
    ApiError::NotFound {
        message: format!("The snapshot {name} was not found."),
    }
}

fn stack_dir(state: &AppState, api_key: &str) -> PathBuf {
    state.storage.root().join(SNAPSHOTS_DIR).join(api_key)
}

/// Saves the stack's content and files as snapshot `name`.
pub async fn create(state: &AppState, api_key: &str, name: &str) -> ApiResult<SnapshotInfo> {
    check_name(name)?;
    let _changes = state.db.stack_changes.lock().await;
    let stack = find(state, api_key)?;
    let dir = stack_dir(state, api_key);
    let target = dir.join(name);
    let existing = list_dir(&dir).await?;
    if existing.iter().any(|s| s.name == name) || target.exists() {
        return Err(ApiError::Conflict {
            code: codes::INVALID_FIELD,
            message: format!("A snapshot named {name} already exists."),
            errors: field_error("name", "is already taken."),
        });
    }
    if existing.len() >= MAX_SNAPSHOTS_PER_STACK {
        return Err(ApiError::invalid(
            format!("A stack keeps at most {MAX_SNAPSHOTS_PER_STACK} snapshots; delete one first."),
            "name",
            "is one snapshot too many.",
        ));
    }
    // No purge (the only remover of stored files) runs until every file is linked.
    let _purges = state.db.purge_lock.lock().await;
    let tables = db::stack_content::read_consistent(state.db.reader(), api_key)
        .await
        .context("reading a stack for a snapshot")?;
    let info = SnapshotInfo {
        name: name.to_owned(),
        created_at: format_ts(stack.clock().now()),
        assets: count_assets(&tables),
        bytes: sum_column(&tables, "asset_files", "file_size"),
    };
    let saved = SavedRows {
        format: FORMAT,
        stack: SavedStack {
            name: stack.name.clone(),
            description: stack.description.clone(),
            settings: stack.settings.clone(),
            updated_at: stack.updated_at.clone(),
            clock_offset_ms: stack.clock_offset_ms,
            clock_frozen_at: stack.clock_frozen_at.clone(),
        },
        tables,
    };
    let keys = storage_keys(&saved.tables)?;
    let storage = state.storage.clone();
    let temp = storage.temp_path("snapshot");
    let (api_key_owned, meta, temp_left) = (api_key.to_owned(), info.clone(), temp.clone());
    let written = tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
        let files = temp.join(FILES_DIR);
        std::fs::create_dir_all(&files)?;
        for key in &keys {
            storage
                .link_out(&api_key_owned, key, &files.join(key))
                .with_context(|| format!("keeping the stored file {key}"))?;
        }
        write_json(&temp.join(ROWS_FILE), &saved)?;
        write_json(&temp.join(META_FILE), &meta)?;
        std::fs::create_dir_all(
            target
                .parent()
                .context("a snapshot's folder has a stack folder")?,
        )?;
        std::fs::rename(&temp, &target)?;
        Ok(())
    })
    .await
    .context("the snapshot task failed")?;
    if let Err(e) = written {
        let _ = tokio::fs::remove_dir_all(&temp_left).await;
        return Err(ApiError::Internal(e.context("writing a snapshot")));
    }
    Ok(info)
}

/// The stack's snapshots, oldest first.
pub async fn list(state: &AppState, api_key: &str) -> ApiResult<Vec<SnapshotInfo>> {
    find(state, api_key)?;
    list_dir(&stack_dir(state, api_key)).await
}

async fn list_dir(dir: &Path) -> ApiResult<Vec<SnapshotInfo>> {
    let dir = dir.to_path_buf();
    let mut found = tokio::task::spawn_blocking(move || -> anyhow::Result<Vec<SnapshotInfo>> {
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e.into()),
        };
        let mut found = Vec::new();
        for entry in entries {
            let entry = entry?;
            let meta = entry.path().join(META_FILE);
            if let Ok(text) = std::fs::read(&meta)
                && let Ok(info) = serde_json::from_slice::<SnapshotInfo>(&text)
                && entry.file_name().to_str() == Some(info.name.as_str())
            {
                found.push(info);
            }
        }
        Ok(found)
    })
    .await
    .context("the snapshot listing task failed")??;
    found.sort_by(|a, b| (&a.created_at, &a.name).cmp(&(&b.created_at, &b.name)));
    Ok(found)
}

/// Deletes a snapshot.
pub async fn delete(state: &AppState, api_key: &str, name: &str) -> ApiResult<()> {
    check_name(name)?;
    let _changes = state.db.stack_changes.lock().await;
    find(state, api_key)?;
    let target = stack_dir(state, api_key).join(name);
    if !target.join(META_FILE).exists() {
        return Err(not_found(name));
    }
    remove_aside(state, &target)
        .await
        .context("removing a snapshot")?;
    Ok(())
}

/// Removes every snapshot of a stack (when the stack goes).
pub async fn forget_stack(state: &AppState, api_key: &str) -> std::io::Result<()> {
    remove_aside(state, &stack_dir(state, api_key)).await
}

/// Removes the snapshots of stacks that are gone (left by a crash between a stack's
/// deletion and the removal of its snapshots), so a new stack of the same api key
/// never finds them. Returns how many stacks' snapshots were removed.
pub async fn sweep_orphans(state: &AppState) -> std::io::Result<usize> {
    let mut entries = match tokio::fs::read_dir(state.storage.root().join(SNAPSHOTS_DIR)).await {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(e),
    };
    let mut removed = 0;
    while let Some(entry) = entries.next_entry().await? {
        let name = entry.file_name().to_string_lossy().into_owned();
        // Under the stack lock: a stack of this api key made meanwhile keeps its own.
        let _changes = state.db.stack_changes.lock().await;
        if state.stacks.get(&name).is_none() {
            remove_aside(state, &entry.path()).await?;
            removed += 1;
        }
    }
    Ok(removed)
}

/// Moves a folder into the temp folder (one rename: it is gone at once), then removes it.
async fn remove_aside(state: &AppState, dir: &Path) -> std::io::Result<()> {
    let aside = state.storage.temp_path("removed-snapshot");
    match tokio::fs::rename(dir, &aside).await {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        result => result?,
    }
    tokio::fs::remove_dir_all(&aside).await
}

/// Puts the stack back as snapshot `name` saved it: every content row (uids, versions,
/// trash with its purge times, publish state, sync history, environments, locales), its
/// stored files, its details and its clock. Credentials (the management token, the
/// management and delivery tokens) stay as they are now; a delivery token loses the
/// environments the restored stack does not have.
pub async fn restore(
    state: &AppState,
    api_key: &str,
    name: &str,
) -> ApiResult<(Arc<StackRow>, SnapshotInfo)> {
    check_name(name)?;
    let _changes = state.db.stack_changes.lock().await;
    let stack = find(state, api_key)?;
    let dir = stack_dir(state, api_key).join(name);
    if !dir.join(META_FILE).exists() {
        return Err(not_found(name));
    }
    let read_dir = dir.clone();
    let (info, saved) = tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
        let info: SnapshotInfo = read_json(&read_dir.join(META_FILE))?;
        let saved: SavedRows = read_json(&read_dir.join(ROWS_FILE))?;
        anyhow::ensure!(
            saved.format == FORMAT,
            "the snapshot's format {} is not {FORMAT}",
            saved.format
        );
        Ok((info, saved))
    })
    .await
    .context("the snapshot reading task failed")?
    .context("reading a snapshot")?;
    let keys = storage_keys(&saved.tables)?;
    let _purges = state.db.purge_lock.lock().await;

    // The files first: a row may only point to a file in place.
    let storage = state.storage.clone();
    let (link_keys, link_key) = (keys.clone(), api_key.to_owned());
    let placed = tokio::task::spawn_blocking(move || -> anyhow::Result<Vec<String>> {
        let mut placed = Vec::new();
        for key in &link_keys {
            match storage.link_in(&link_key, key, &dir.join(FILES_DIR).join(key)) {
                Ok(true) => placed.push(key.clone()),
                Ok(false) => {}
                Err(e) => {
                    for key in &placed {
                        let _ = storage.remove_blocking(&link_key, key);
                    }
                    return Err(anyhow::Error::new(e).context(format!("putting back {key}")));
                }
            }
        }
        Ok(placed)
    })
    .await
    .context("the snapshot restore task failed")??;

    let mut row = (*stack).clone();
    row.name = saved.stack.name.clone();
    row.description = saved.stack.description.clone();
    row.settings = saved.stack.settings.clone();
    row.updated_at = saved.stack.updated_at.clone();
    row.clock_offset_ms = saved.stack.clock_offset_ms;
    row.clock_frozen_at = saved.stack.clock_frozen_at.clone();
    let written = write_rows(state, &row, &saved.tables, &keys).await;
    let gone = match written {
        Ok(gone) => gone,
        Err(e) => {
            let _ = state.storage.remove_many(api_key, placed).await;
            return Err(e);
        }
    };
    let stack = state.stacks.put(row);
    crate::domain::purge::remove_files(state, api_key, &gone).await?;
    Ok((stack, info))
}

/// Replaces the stack's rows by the snapshot's in one transaction; returns the storage
/// keys no row names any more (journalled, to be removed after the commit).
async fn write_rows(
    state: &AppState,
    row: &StackRow,
    tables: &[TableRows],
    keys: &[String],
) -> ApiResult<Vec<String>> {
    let api_key = row.api_key.as_str();
    let kept: HashSet<&String> = keys.iter().collect();
    let mut tx = state.db.begin_write().await?;
    let gone: Vec<String> = db::stack_content::storage_keys(&mut tx, api_key)
        .await?
        .into_iter()
        .filter(|key| !kept.contains(key))
        .collect();
    db::stack_content::journal_deletions(&mut tx, api_key, &gone).await?;
    db::stack_content::clear(&mut tx, api_key).await?;
    db::stack_content::insert_all(&mut tx, api_key, tables)
        .await
        .context("putting back a snapshot's rows")?;
    db::stack_content::drop_missing_environments_from_tokens(&mut tx, api_key).await?;
    db::stack_content::save_restored_stack(&mut tx, row).await?;
    crate::db::commit(tx).await?;
    Ok(gone)
}

/// The storage keys the file rows name, checked to be plain names (they name files).
fn storage_keys(tables: &[TableRows]) -> anyhow::Result<Vec<String>> {
    let mut keys = Vec::new();
    for value in column_values(tables, "asset_files", "storage_key") {
        let key = value.as_str().unwrap_or_default();
        anyhow::ensure!(
            !key.is_empty()
                && key.len() <= 128
                && key
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'),
            "a stored file's key is not valid"
        );
        keys.push(key.to_owned());
    }
    Ok(keys)
}

fn column_values<'a>(
    tables: &'a [TableRows],
    table: &str,
    column: &str,
) -> impl Iterator<Item = &'a serde_json::Value> {
    tables
        .iter()
        .filter(move |t| t.table == table)
        .flat_map(move |t| {
            let at = t.columns.iter().position(|c| c == column);
            t.rows
                .iter()
                .filter_map(move |row| at.and_then(|i| row.get(i)))
        })
}

fn sum_column(tables: &[TableRows], table: &str, column: &str) -> u64 {
    column_values(tables, table, column)
        .filter_map(serde_json::Value::as_u64)
        .sum()
}

fn count_assets(tables: &[TableRows]) -> u64 {
    ["assets", "trashed_assets"]
        .iter()
        .map(|table| {
            column_values(tables, table, "is_dir")
                .filter(|v| v.as_i64() == Some(0))
                .count() as u64
        })
        .sum()
}

fn write_json<T: Serialize>(path: &Path, value: &T) -> anyhow::Result<()> {
    let mut file = std::io::BufWriter::new(std::fs::File::create(path)?);
    serde_json::to_writer(&mut file, value)?;
    let file = file.into_inner().map_err(|e| e.into_error())?;
    file.sync_all()?;
    Ok(())
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> anyhow::Result<T> {
    let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    Ok(serde_json::from_reader(std::io::BufReader::new(file))?)
}
