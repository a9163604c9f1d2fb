//! Purging the trash for good: rows, versions and stored files. Runs in small batches
//! (one short write transaction each) so requests are never held up for long, and
//! journals files in `pending_file_deletions` inside the same transaction that drops
//! their rows, so a crash at any point is finished at the next start.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use anyhow::Context;

use crate::contentstack::time::format_ts;
use crate::db;
use crate::state::AppState;

/// Trash items purged per transaction.
pub const BATCH_ITEMS: i64 = 500;

/// One purged item.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Purged {
    pub uid: String,
    #[serde(rename = "type")]
    pub item_type: String,
}

/// Items kept in memory before they go to the purge's spill file.
const SPILL_EVERY: usize = 4096;

/// What one purge removed, in order. A purge of a large trash removes a million items or
/// more, and the contract answers with every one: beyond a few thousand they wait in an
/// unnamed file under the data dir's `tmp` instead of memory, one `uid<TAB>type` line
/// each (uids and item types hold neither tabs nor line breaks), so that the purge and
/// its answer take the same few megabytes whatever the size of the trash.
#[derive(Debug)]
pub struct PurgedList {
    count: usize,
    recent: Vec<Purged>,
    spill: Option<tokio::io::BufWriter<tokio::fs::File>>,
    /// Where the spill file goes; `None` for a list that only counts.
    spill_dir: Option<std::path::PathBuf>,
}

impl PurgedList {
    /// An empty list that spills into `spill_dir`.
    pub fn new(spill_dir: std::path::PathBuf) -> Self {
        PurgedList {
            count: 0,
            recent: Vec::new(),
            spill: None,
            spill_dir: Some(spill_dir),
        }
    }

    /// An empty list for an answer: it spills into the data dir's `tmp`.
    pub fn for_answer(state: &AppState) -> Self {
        PurgedList::new(state.storage.root().join("tmp"))
    }

    /// A list that only counts its items (the background purge answers nobody).
    pub fn counting() -> Self {
        PurgedList {
            count: 0,
            recent: Vec::new(),
            spill: None,
            spill_dir: None,
        }
    }

    /// How many items were purged.
    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Adds an item at the end.
    pub async fn push(&mut self, item: Purged) -> std::io::Result<()> {
        self.count += 1;
        if self.spill_dir.is_none() {
            return Ok(());
        }
        self.recent.push(item);
        if self.recent.len() >= SPILL_EVERY {
            self.spill_recent().await?;
        }
        Ok(())
    }

    async fn spill_recent(&mut self) -> std::io::Result<()> {
        use tokio::io::AsyncWriteExt;
        let spill = match &mut self.spill {
            Some(spill) => spill,
            None => {
                let dir = self.spill_dir.clone().unwrap_or_else(std::env::temp_dir);
                let file = tokio::task::spawn_blocking(move || tempfile::tempfile_in(dir))
                    .await
                    .map_err(std::io::Error::other)??;
                self.spill.insert(tokio::io::BufWriter::with_capacity(
                    1 << 16,
                    tokio::fs::File::from_std(file),
                ))
            }
        };
        let mut lines = String::with_capacity(self.recent.len() * 32);
        for item in self.recent.drain(..) {
            lines.push_str(&item.uid);
            lines.push('\t');
            lines.push_str(&item.item_type);
            lines.push('\n');
        }
        spill.write_all(lines.as_bytes()).await?;
        Ok(())
    }

    /// The items in purge order, in chunks of a few thousand (read back from the spill
    /// file first).
    pub fn into_chunks(
        self,
    ) -> impl futures_util::Stream<Item = std::io::Result<Vec<Purged>>> + Send + 'static {
        let start = match self.spill {
            Some(spill) => Reading::Spilled(spill, self.recent),
            None => Reading::Recent(self.recent),
        };
        futures_util::stream::unfold(start, |reading| async move {
            match reading.next().await {
                Ok(Some((chunk, rest))) => Some((Ok(chunk), rest)),
                Ok(None) => None,
                Err(e) => Some((Err(e), Reading::Done)),
            }
        })
    }

    /// Every item, in memory: for callers that know the list is short.
    pub async fn collect(self) -> std::io::Result<Vec<Purged>> {
        use futures_util::TryStreamExt;
        let mut all = Vec::with_capacity(self.count);
        let mut chunks = std::pin::pin!(self.into_chunks());
        while let Some(chunk) = chunks.try_next().await? {
            all.extend(chunk);
        }
        Ok(all)
    }
}

type SpillLines = tokio::io::Lines<tokio::io::BufReader<tokio::fs::File>>;

/// Where reading a [`PurgedList`] back has got to.
enum Reading {
    /// The spill file, still being written to, then the items in memory.
    Spilled(tokio::io::BufWriter<tokio::fs::File>, Vec<Purged>),
    /// Lines of the spill file, then the items in memory.
    Lines(SpillLines, Vec<Purged>),
    Recent(Vec<Purged>),
    Done,
}

impl Reading {
    /// The next chunk and what comes after it.
    async fn next(self) -> std::io::Result<Option<(Vec<Purged>, Reading)>> {
        use tokio::io::{AsyncBufReadExt, AsyncSeekExt, AsyncWriteExt};
        match self {
            Reading::Spilled(mut spill, recent) => {
                spill.flush().await?;
                let mut file = spill.into_inner();
                file.seek(std::io::SeekFrom::Start(0)).await?;
                let lines = tokio::io::BufReader::with_capacity(1 << 16, file).lines();
                Box::pin(Reading::Lines(lines, recent).next()).await
            }
            Reading::Lines(mut lines, recent) => {
                let mut chunk = Vec::with_capacity(SPILL_EVERY);
                while chunk.len() < SPILL_EVERY {
                    let Some(line) = lines.next_line().await? else {
                        if chunk.is_empty() {
                            return Box::pin(Reading::Recent(recent).next()).await;
                        }
                        return Ok(Some((chunk, Reading::Recent(recent))));
                    };
                    let (uid, item_type) = line.split_once('\t').ok_or_else(|| {
                        std::io::Error::new(
                            std::io::ErrorKind::InvalidData,
                            "a line of the purged items' spill file has no tab",
                        )
                    })?;
                    chunk.push(Purged {
                        uid: uid.to_owned(),
                        item_type: item_type.to_owned(),
                    });
                }
                Ok(Some((chunk, Reading::Lines(lines, recent))))
            }
            Reading::Recent(recent) if !recent.is_empty() => Ok(Some((recent, Reading::Done))),
            Reading::Recent(_) | Reading::Done => Ok(None),
        }
    }
}

/// What to purge of a stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    /// Items whose retention has run out on the stack's clock.
    Due,
    /// Every item (emptying the trash).
    All,
}

/// Purges a stack's trash items, batch by batch, and removes their files; the items
/// purged are added to `purged`, which is handed back.
pub async fn purge_stack(
    state: &AppState,
    api_key: &str,
    which: Which,
    mut purged: PurgedList,
) -> anyhow::Result<PurgedList> {
    let _serialised = state.db.purge_lock.lock().await;
    // The files of one batch are removed while the next batch's rows are deleted: at
    // most one removal in flight, awaited after that batch's commit. The journal
    // entries of the files it removed are forgotten by the transaction of the batch
    // after (one write transaction per batch, not two). A purge stopped by an error
    // leaves some entries behind, whose files are gone: the next tick's
    // `finish_pending_deletions` finds nothing to remove and forgets them.
    let mut removing: Option<tokio::task::JoinHandle<anyhow::Result<Vec<String>>>> = None;
    let mut removed: Vec<String> = Vec::new();
    // Stops early when the stack is deleted meanwhile.
    while let Some(stack) = state.stacks.get(api_key) {
        let now = format_ts(stack.clock().now());
        let mut tx = state.db.begin_write().await?;
        db::trash::forget_deletions(&mut tx, &std::mem::take(&mut removed)).await?;
        let now_filter = (which == Which::Due).then_some(now.as_str());
        let batch = db::trash::due_items(&mut tx, api_key, now_filter, BATCH_ITEMS).await?;
        if batch.is_empty() {
            crate::db::commit(tx).await?;
            break;
        }
        let started = std::time::Instant::now();
        let uids: Vec<String> = batch.iter().map(|(uid, _)| uid.clone()).collect();
        let keys = db::trash::purge_items(&mut tx, api_key, &uids, &now).await?;
        crate::db::commit(tx).await?;
        let committed = started.elapsed();
        if let Some(previous) = removing.take() {
            removed = previous.await.context("the file removal task failed")??;
        }
        tracing::debug!(
            items = uids.len(),
            files = keys.len(),
            rows_ms = committed.as_millis() as u64,
            total_ms = started.elapsed().as_millis() as u64,
            "purged a batch"
        );
        let (state, api_key) = (state.clone(), api_key.to_owned());
        removing = Some(tokio::spawn(async move {
            remove_stored(&state, &api_key, &keys).await?;
            Ok(keys)
        }));
        for (uid, item_type) in batch {
            purged
                .push(Purged { uid, item_type })
                .await
                .context("keeping the list of purged items")?;
        }
        // Let waiting requests take the writer between batches.
        tokio::task::yield_now().await;
    }
    if let Some(last) = removing {
        removed.extend(last.await.context("the file removal task failed")??);
    }

    if !removed.is_empty() {
        // (an empty list would take the writer for nothing)
        forget_on_writer(state, &removed).await?;
    }
    if !purged.is_empty() {
        // The purge is done whatever this says: space not given back now is given
        // back after the next one.
        match state.db.give_back_free_pages().await {
            Ok(pages) => tracing::debug!(pages, "gave freed pages back after a purge"),
            Err(e) => tracing::warn!(error = %e, "could not give freed pages back"),
        }
    }
    Ok(purged)
}

/// Purges the given trash items of a stack now, whatever their dates.
pub async fn purge_uids(
    state: &AppState,
    api_key: &str,
    uids: &[String],
) -> anyhow::Result<Vec<Purged>> {
    let _serialised = state.db.purge_lock.lock().await;
    let Some(stack) = state.stacks.get(api_key) else {
        return Ok(Vec::new());
    };
    let now = format_ts(stack.clock().now());
    let mut tx = state.db.begin_write().await?;
    let mut found = Vec::new();
    for uid in uids {
        if let Some(item) = db::trash::get_item(&mut tx, api_key, uid).await? {
            found.push(Purged {
                uid: item.uid,
                item_type: item.item_type,
            });
        }
    }
    let found_uids: Vec<String> = found.iter().map(|p| p.uid.clone()).collect();
    let keys = db::trash::purge_items(&mut tx, api_key, &found_uids, &now).await?;
    crate::db::commit(tx).await?;
    remove_files(state, api_key, &keys).await?;
    Ok(found)
}

/// Removes stored files whose rows are gone, then forgets their journal entries.
pub(crate) async fn remove_files(
    state: &AppState,
    api_key: &str,
    keys: &[String],
) -> anyhow::Result<()> {
    if keys.is_empty() {
        return Ok(());
    }
    remove_stored(state, api_key, keys).await?;
    forget_on_writer(state, keys).await?;
    Ok(())
}

/// Removes stored files whose rows are gone and their transformed images; their
/// journal entries stay for the caller to forget.
async fn remove_stored(state: &AppState, api_key: &str, keys: &[String]) -> anyhow::Result<()> {
    if keys.is_empty() {
        return Ok(());
    }
    state
        .storage
        .remove_many(api_key, keys.to_vec())
        .await
        .context("removing purged files")?;
    crate::domain::images::forget_sources(state, api_key, keys)
        .await
        .context("removing the transformed images of purged files")?;
    Ok(())
}

/// Forgets the journal entries of removed files, outside any write transaction.
async fn forget_on_writer(state: &AppState, keys: &[String]) -> anyhow::Result<()> {
    let mut writer = state.db.writer().acquire().await?;
    db::trash::forget_deletions(&mut writer, keys).await?;
    Ok(())
}

/// Finishes file removals journalled by an earlier run that stopped half way.
pub async fn finish_pending_deletions(state: &AppState) -> anyhow::Result<usize> {
    let mut finished = 0;
    loop {
        let pending = db::trash::pending_deletions(state.db.reader(), 1000).await?;
        if pending.is_empty() {
            return Ok(finished);
        }
        for (key, api_key) in &pending {
            state.storage.remove(api_key, key).await?;
            crate::domain::images::forget_sources(state, api_key, std::slice::from_ref(key))
                .await?;
        }
        let keys: Vec<String> = pending.into_iter().map(|(key, _)| key).collect();
        forget_on_writer(state, &keys).await?;
        finished += keys.len();
    }
}

/// Removes stored files that no row points to and that are older than `started` (in
/// the store's own time, when a bucket dates the files):
/// files renamed into place by an upload whose row never committed (a crash in
/// between), and the folders of stacks deleted while the files were being removed.
/// Files written since start are left alone, as their row may be about to commit.
pub async fn sweep_orphans(
    state: &AppState,
    started: std::time::SystemTime,
) -> anyhow::Result<usize> {
    let mut removed = 0;
    for api_key in state.storage.stack_folders().await? {
        if state.stacks.get(&api_key).is_none() {
            state.storage.remove_stack(&api_key).await?;
            removed += 1;
            continue;
        }
        let known: std::collections::HashSet<String> =
            db::assets::storage_keys_of_stack(state.db.reader(), &api_key)
                .await?
                .into_iter()
                .collect();
        for (key, modified) in state.storage.stack_files(&api_key).await? {
            if modified < started && !known.contains(&key) {
                state.storage.remove(&api_key, &key).await?;
                removed += 1;
            }
        }
    }
    removed += sweep_orphaned_variants(state).await?;
    removed += crate::domain::snapshots::sweep_orphans(state).await?;
    Ok(removed)
}

/// Removes transformed images whose stack or stored file is gone (left by a crash
/// between a purge's commit and its file removals).
async fn sweep_orphaned_variants(state: &AppState) -> anyhow::Result<usize> {
    let cache = state.images.cache();
    let mut removed = 0;
    for api_key in cache.stack_folders().await? {
        if state.stacks.get(&api_key).is_none() {
            cache.forget_stack(&api_key).await?;
            removed += 1;
            continue;
        }
        let known: std::collections::HashSet<String> =
            db::assets::storage_keys_of_stack(state.db.reader(), &api_key)
                .await?
                .into_iter()
                .collect();
        let orphans: Vec<String> = cache
            .source_folders(&api_key)
            .await?
            .into_iter()
            .filter(|key| !known.contains(key))
            .collect();
        removed += orphans.len();
        cache.forget_sources(&api_key, &orphans).await?;
    }
    Ok(removed)
}

/// Purges every stack's due items.
pub async fn purge_all_due(state: &AppState) -> anyhow::Result<usize> {
    let mut total = 0;
    for stack in state.stacks.all() {
        total += purge_stack(state, &stack.api_key, Which::Due, PurgedList::counting())
            .await?
            .len();
    }
    Ok(total)
}

/// The background task: finish interrupted work, then purge due items every `interval`
/// until `shutdown`.
/// `started` is when the service started: only files older than that may be swept.
pub async fn run(
    state: AppState,
    interval: Duration,
    shutdown: CancellationToken,
    started: std::time::SystemTime,
) {
    match finish_pending_deletions(&state).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(files = n, "finished file removals of an interrupted purge"),
        Err(e) => tracing::error!(
            error = format!("{e:#}"),
            "could not finish interrupted file removals"
        ),
    }
    match sweep_orphans(&state, started).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(files = n, "removed stored files that no row points to"),
        Err(e) => tracing::error!(error = format!("{e:#}"), "could not sweep orphaned files"),
    }
    let mut ticker = tokio::time::interval(interval.max(Duration::from_millis(10)));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = ticker.tick() => {
                // A purge stops between batches when asked to shut down. Each tick also
                // retries file removals that a failed or cancelled purge left behind.
                let sweep = async {
                    if let Err(e) = finish_pending_deletions(&state).await {
                        tracing::error!(error = format!("{e:#}"), "could not finish pending file removals");
                    }
                    purge_all_due(&state).await
                };
                tokio::select! {
                    _ = shutdown.cancelled() => break,
                    result = sweep => match result {
                        Ok(0) => {}
                        Ok(n) => tracing::info!(items = n, "purged expired trash items"),
                        Err(e) => tracing::error!(error = format!("{e:#}"), "trash purge failed"),
                    },
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(n: usize) -> Purged {
        Purged {
            uid: format!("blt{n:016x}"),
            item_type: if n.is_multiple_of(7) {
                "folder"
            } else {
                "asset"
            }
            .into(),
        }
    }

    #[tokio::test]
    async fn a_long_list_comes_back_whole_and_in_order_through_its_spill_file() {
        let dir = tempfile::tempdir().unwrap();
        for count in [0, 1, SPILL_EVERY - 1, SPILL_EVERY, 2 * SPILL_EVERY + 5] {
            let mut list = PurgedList::new(dir.path().to_owned());
            for n in 0..count {
                list.push(item(n)).await.unwrap();
            }
            assert_eq!(list.len(), count);
            assert_eq!(list.spill.is_some(), count >= SPILL_EVERY, "{count} items");
            let back = list.collect().await.unwrap();
            assert_eq!(
                back,
                (0..count).map(item).collect::<Vec<_>>(),
                "{count} items"
            );
        }
        // Nothing is left behind in the folder.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[tokio::test]
    async fn a_counting_list_keeps_nothing_but_its_count() {
        let mut list = PurgedList::counting();
        for n in 0..2 * SPILL_EVERY {
            list.push(item(n)).await.unwrap();
        }
        assert_eq!(list.len(), 2 * SPILL_EVERY);
        assert!(list.spill.is_none() && list.recent.is_empty());
        assert_eq!(list.collect().await.unwrap(), Vec::new());
    }
}
