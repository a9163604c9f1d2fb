//! Stacks as the `/_mock` API manages them: create (with given or generated
//! credentials), delete with all their data and files, and reset everything.

use std::sync::Arc;

use anyhow::Context;

use crate::db;
use crate::db::stacks::StackRow;
use crate::domain::registry::{DEFAULT_API_KEY, DEFAULT_MANAGEMENT_TOKEN, NewStack};
use crate::error::{ApiError, ApiResult, codes, field_error};
use crate::state::AppState;
use crate::storage::confined::{ConfinedDir, Refused};

/// Longest api key a stack may be given (it names a folder on disk).
pub const MAX_API_KEY_LEN: usize = 64;

/// The stack with this api key, or the mock API's 404.
pub fn find(state: &AppState, api_key: &str) -> ApiResult<Arc<StackRow>> {
    state.stacks.get(api_key).ok_or_else(|| not_found(api_key))
}

fn not_found(api_key: &str) -> ApiError {
    ApiError::NotFound {
        message: format!("The stack {api_key} was not found."),
    }
}

fn taken(field: &str) -> ApiError {
    ApiError::Conflict {
        code: codes::INVALID_FIELD,
        message: format!("A stack with this {field} already exists."),
        errors: field_error(field, "is already taken."),
    }
}

/// Creates a stack; what is not given is generated.
pub async fn create(state: &AppState, new: NewStack) -> ApiResult<Arc<StackRow>> {
    // The api key names a folder on disk: keep it to safe characters.
    if let Some(key) = &new.api_key
        && (key.len() > MAX_API_KEY_LEN
            || !key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'))
    {
        return Err(ApiError::invalid(
            "'api_key' may only contain letters, digits, '_' and '-' (at most 64).",
            "api_key",
            "is not valid.",
        ));
    }
    let mut names = std::collections::HashSet::new();
    for name in new.environments.iter().flatten() {
        crate::domain::environments::check_name(name)?;
        if !names.insert(name.as_str()) {
            return Err(ApiError::invalid(
                format!("The environment name '{name}' is given twice."),
                "environments",
                "is not unique.",
            ));
        }
    }
    if let Some(code) = &new.master_locale {
        crate::domain::locales::check_code(code)?;
    }
    use crate::domain::limits::{MAX_NAME_BYTES, check_len};
    check_len("name", new.name.as_deref(), MAX_NAME_BYTES)?;
    check_len("user_name", new.user_name.as_deref(), MAX_NAME_BYTES)?;
    let _changes = state.db.stack_changes.lock().await;
    // The default stack's credentials stay reserved, so that it can always be re-created.
    if new.api_key.as_deref() == Some(DEFAULT_API_KEY)
        || new
            .api_key
            .as_ref()
            .is_some_and(|key| state.stacks.get(key).is_some())
    {
        return Err(taken("api_key"));
    }
    if new.management_token.as_deref() == Some(DEFAULT_MANAGEMENT_TOKEN)
        || new.management_token.as_ref().is_some_and(|token| {
            state
                .stacks
                .all()
                .iter()
                .any(|s| &s.management_token == token)
        })
    {
        return Err(taken("management_token"));
    }
    Ok(state.stacks.create(&state.db, new).await?)
}

/// Creates a stack and loads an export into it; an export that cannot be loaded is a
/// 422 naming the file and the problem, and leaves no stack behind. `seed` is a folder
/// under `--seed-root` (relative to it, or an absolute path inside it); nothing else is
/// opened, and the answer for a path outside says nothing of what is there.
pub async fn create_seeded(
    state: &AppState,
    new: NewStack,
    seed: &str,
) -> ApiResult<Arc<StackRow>> {
    let Some(root) = state.settings.seed_root.clone() else {
        return Err(ApiError::invalid(
            "Seeding through the API is off: start the server with --seed-root DIR to load exports from folders under DIR.",
            "seed",
            "is not allowed.",
        ));
    };
    let given = seed.to_owned();
    let max = state.settings.max_upload_bytes;
    let export = tokio::task::spawn_blocking(move || {
        let folder = open_under(&root, &given)?;
        crate::domain::seed::read_export_in(folder, max).map_err(seed_error)
    })
    .await
    .context("reading a seed")??;
    let stack = create(state, new).await?;
    if let Err(e) = crate::domain::seed::load(state, &stack, &export).await {
        delete(state, &stack.api_key).await?;
        return Err(seed_error(e));
    }
    Ok(stack)
}

/// Opens the folder `given` names under `root` (its real path), shown as given.
fn open_under(root: &std::path::Path, given: &str) -> ApiResult<ConfinedDir> {
    let outside = || {
        ApiError::invalid(
            "The seed must be a folder under --seed-root, named relative to it or by a path inside it.",
            "seed",
            "is not a folder under --seed-root.",
        )
    };
    let path = std::path::Path::new(given);
    let relative = if path.is_absolute() {
        path.strip_prefix(root).map_err(|_| outside())?
    } else {
        path
    };
    let root_dir = ConfinedDir::open(root).map_err(|why| {
        ApiError::Internal(anyhow::anyhow!("--seed-root {}: {why}", root.display()))
    })?;
    match root_dir.open_dir(relative) {
        Ok(folder) => Ok(folder.shown_as(given)),
        Err(Refused::Outside) => Err(outside()),
        Err(why) => Err(seed_error(anyhow::anyhow!("{given}: {why}"))),
    }
}

fn seed_error(error: anyhow::Error) -> ApiError {
    ApiError::invalid(
        format!("The seed cannot be loaded: {error:#}"),
        "seed",
        "is not a loadable export.",
    )
}

/// Deletes a stack with all its data and files.
pub async fn delete(state: &AppState, api_key: &str) -> ApiResult<()> {
    let _changes = state.db.stack_changes.lock().await;
    let _purges = state.db.purge_lock.lock().await;
    if !db::stacks::delete(state.db.writer(), api_key).await? {
        return Err(not_found(api_key));
    }
    state.stacks.forget(api_key);
    forget_files_and_faults(state, api_key).await
}

/// Empties one stack (per-stack reset): its content goes, the environments and locales
/// it was created with come back (same uids), its credentials stay and its clock runs
/// on real time again. Other stacks are never touched. The rows go in one transaction
/// that journals their files; the files are removed after the commit, so no row is ever
/// without its file. An upload still in flight lands in the emptied stack.
pub async fn reset_one(state: &AppState, api_key: &str) -> ApiResult<Arc<StackRow>> {
    let _changes = state.db.stack_changes.lock().await;
    let _purges = state.db.purge_lock.lock().await;
    let stack = find(state, api_key)?;
    let mut tx = state.db.begin_write().await?;
    let keys = db::stack_content::storage_keys(&mut tx, api_key).await?;
    db::stack_content::journal_deletions(&mut tx, api_key, &keys).await?;
    db::stack_content::clear(&mut tx, api_key).await?;
    db::stack_content::insert_creation_defaults(&mut tx, api_key).await?;
    db::stack_content::drop_missing_environments_from_tokens(&mut tx, api_key).await?;
    db::stack_content::reset_clock(&mut tx, api_key).await?;
    crate::db::commit(tx).await?;
    let mut row = (*state.stacks.get(api_key).unwrap_or(stack)).clone();
    row.set_clock(crate::contentstack::time::StackClock::default());
    let stack = state.stacks.put(row);
    state.faults.clear(api_key);
    state.journal.clear(api_key);
    state.rate_limits.reset_counters(api_key);
    crate::domain::purge::remove_files(state, api_key, &keys).await?;
    crate::domain::images::forget_stack(state, api_key)
        .await
        .context("removing a stack's transformed images")?;
    Ok(stack)
}

/// What a deleted stack leaves outside the database: its files, transformed images,
/// armed faults, journal and rate limits.
async fn forget_files_and_faults(state: &AppState, api_key: &str) -> ApiResult<()> {
    state.faults.clear(api_key);
    state.journal.clear(api_key);
    state.rate_limits.forget(api_key);
    state
        .storage
        .remove_stack(api_key)
        .await
        .context("removing a stack's files")?;
    crate::domain::images::forget_stack(state, api_key)
        .await
        .context("removing a stack's transformed images")?;
    crate::domain::snapshots::forget_stack(state, api_key)
        .await
        .context("removing a stack's snapshots")?;
    Ok(())
}

/// Removes every stack and re-creates the default one. The default stack exists again
/// even when removing the old files fails (that failure is then reported).
pub async fn reset(state: &AppState) -> ApiResult<Arc<StackRow>> {
    let _changes = state.db.stack_changes.lock().await;
    let _purges = state.db.purge_lock.lock().await;
    let api_keys: Vec<String> = state
        .stacks
        .all()
        .iter()
        .map(|s| s.api_key.clone())
        .collect();
    db::stacks::delete_all(state.db.writer()).await?;
    state.stacks.clear();
    let mut removed = Ok(());
    for api_key in &api_keys {
        let result = forget_files_and_faults(state, api_key).await;
        removed = removed.and(result);
    }
    let stack = state.stacks.ensure_default(&state.db).await?;
    removed.map(|()| stack)
}
