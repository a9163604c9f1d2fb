//! Transformed images ("variants") kept on disk, derived from stored files and never the
//! only copy of anything: `<data dir>/variants/<api key>/<storage key>/<variant key>`,
//! one folder per source file, so that purging a file (or removing a stack) removes its
//! variants in one go. Each file holds a small header (what `Fastly-IO-Info` reports)
//! followed by the image bytes. The index lives in memory, rebuilt from the files at
//! start; the total size is bounded and the least recently used variants go first.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

use crate::contentstack::ids;

/// The first bytes of every variant file (and the layout's version).
const MAGIC: &[u8; 6] = b"CSMV1\n";
/// The magic, the header's length (u32) and the body's (u64), little-endian.
const PREFIX: usize = 6 + 4 + 8;
/// Longest header read back (a variant's metadata is a few hundred bytes).
const MAX_HEADER: usize = 64 * 1024;
/// How many purged source files are remembered, so that a transform finishing after its
/// source was purged does not leave a variant behind.
const TOMBSTONES: usize = 4096;

/// What a variant is, as `Fastly-IO-Info` reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VariantMeta {
    /// The source itself is the answer (nothing to change, or a failure to report).
    pub original: bool,
    pub content_type: String,
    /// `ofmt`, `odim`.
    pub format: String,
    pub width: u32,
    pub height: u32,
    /// `ifsz`, `idim`, `ifmt` (absent when the source could not be read).
    pub input: Option<InputInfo>,
    /// What the transform adjusted or dropped (`Fastly-IO-Warning`).
    pub warnings: Vec<String>,
    /// Why the source was served as it is (`Fastly-IO-Error`).
    pub error: Option<String>,
}

/// The source of a variant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputInfo {
    pub size: u64,
    pub width: u32,
    pub height: u32,
    pub format: String,
}

/// A variant found in the cache.
#[derive(Debug, Clone)]
pub struct CachedVariant {
    pub path: PathBuf,
    /// Where the image bytes start in the file.
    pub body_offset: u64,
    pub body_len: u64,
    pub meta: Arc<VariantMeta>,
}

#[derive(Debug)]
struct Entry {
    api_key: String,
    storage_key: String,
    file_len: u64,
    body_offset: u64,
    meta: Arc<VariantMeta>,
    tick: u64,
}

#[derive(Debug, Default)]
struct Index {
    entries: HashMap<String, Entry>,
    /// Last use -> variant key, oldest first.
    by_use: BTreeMap<u64, String>,
    tick: u64,
    total: u64,
    tombstones: HashSet<String>,
    tombstone_order: VecDeque<String>,
}

impl Index {
    fn touch(&mut self, key: &str) {
        self.tick += 1;
        let tick = self.tick;
        if let Some(entry) = self.entries.get_mut(key) {
            self.by_use.remove(&entry.tick);
            entry.tick = tick;
            self.by_use.insert(tick, key.to_owned());
        }
    }

    fn remove(&mut self, key: &str) -> Option<Entry> {
        let entry = self.entries.remove(key)?;
        self.by_use.remove(&entry.tick);
        self.total -= entry.file_len;
        Some(entry)
    }

    fn insert(&mut self, key: String, mut entry: Entry) {
        self.remove(&key);
        self.tick += 1;
        entry.tick = self.tick;
        self.total += entry.file_len;
        self.by_use.insert(entry.tick, key.clone());
        self.entries.insert(key, entry);
    }

    /// Drops the least recently used entries until the total fits `max`; returns them.
    fn evict_to(&mut self, max: u64) -> Vec<(String, Entry)> {
        let mut gone = Vec::new();
        while self.total > max {
            let Some((_, key)) = self.by_use.pop_first() else {
                break;
            };
            if let Some(entry) = self.entries.remove(&key) {
                self.total -= entry.file_len;
                gone.push((key, entry));
            }
        }
        gone
    }

    fn bury(&mut self, storage_key: &str) {
        if self.tombstones.insert(storage_key.to_owned()) {
            self.tombstone_order.push_back(storage_key.to_owned());
            if self.tombstone_order.len() > TOMBSTONES
                && let Some(oldest) = self.tombstone_order.pop_front()
            {
                self.tombstones.remove(&oldest);
            }
        }
    }
}

/// The variant cache of a data dir.
#[derive(Debug)]
pub struct VariantCache {
    root: PathBuf,
    tmp: PathBuf,
    max_bytes: u64,
    index: Mutex<Index>,
}

impl VariantCache {
    /// Opens `<data dir>/variants`, rebuilding the index from what is there (files that
    /// cannot be read back, and what is over `max_bytes`, are removed).
    pub async fn open(data_dir: &Path, max_bytes: u64) -> io::Result<VariantCache> {
        let cache = VariantCache {
            root: data_dir.join("variants"),
            tmp: data_dir.join("tmp"),
            max_bytes,
            index: Mutex::new(Index::default()),
        };
        std::fs::create_dir_all(&cache.root)?;
        std::fs::create_dir_all(&cache.tmp)?;
        let root = cache.root.clone();
        let found = tokio::task::spawn_blocking(move || scan(&root))
            .await
            .map_err(io::Error::other)??;
        let mut index = cache.lock();
        for (key, entry) in found {
            index.insert(key, entry);
        }
        let gone = index.evict_to(max_bytes);
        drop(index);
        for (key, entry) in gone {
            let _ = std::fs::remove_file(cache.path_of(&entry.api_key, &entry.storage_key, &key));
        }
        Ok(cache)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Index> {
        // The index is only ever left half-changed by a panic inside these short
        // sections, which do not panic; a poisoned lock is still usable.
        self.index.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn stack_dir(&self, api_key: &str) -> PathBuf {
        self.root.join(api_key)
    }

    fn source_dir(&self, api_key: &str, storage_key: &str) -> PathBuf {
        self.stack_dir(api_key).join(storage_key)
    }

    fn path_of(&self, api_key: &str, storage_key: &str, key: &str) -> PathBuf {
        self.source_dir(api_key, storage_key).join(key)
    }

    /// Total bytes of the variants kept.
    pub fn total_bytes(&self) -> u64 {
        self.lock().total
    }

    /// Number of variants kept.
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The variant `key`, marked as just used.
    pub fn get(&self, key: &str) -> Option<CachedVariant> {
        let mut index = self.lock();
        index.touch(key);
        let entry = index.entries.get(key)?;
        Some(CachedVariant {
            path: self.path_of(&entry.api_key, &entry.storage_key, key),
            body_offset: entry.body_offset,
            body_len: entry.file_len - entry.body_offset,
            meta: entry.meta.clone(),
        })
    }

    /// Forgets a variant whose file turned out to be gone.
    pub fn forget(&self, key: &str) {
        self.lock().remove(key);
    }

    /// Keeps a variant of stack `api_key`'s stored file `storage_key` (blocking: call from
    /// a blocking task). Nothing is kept when it alone is over the size bound, or when its
    /// source was purged meanwhile. Failing to keep it is not an error of the request: the
    /// caller logs it and answers from memory.
    pub fn put(
        &self,
        api_key: &str,
        storage_key: &str,
        key: &str,
        meta: &VariantMeta,
        body: &[u8],
    ) -> io::Result<()> {
        let header = serde_json::to_vec(meta).map_err(io::Error::other)?;
        let header_len = u32::try_from(header.len()).map_err(io::Error::other)?;
        let body_offset = (PREFIX + header.len()) as u64;
        let file_len = body_offset + body.len() as u64;
        if file_len > self.max_bytes || self.lock().tombstones.contains(storage_key) {
            return Ok(());
        }
        let temp = self
            .tmp
            .join(format!("variant-{}.part", ids::storage_key()));
        let written = (|| {
            let mut file = std::fs::File::create(&temp)?;
            file.write_all(MAGIC)?;
            file.write_all(&header_len.to_le_bytes())?;
            file.write_all(&(body.len() as u64).to_le_bytes())?;
            file.write_all(&header)?;
            file.write_all(body)?;
            // Derived data: no fsync. A variant cut short by a crash fails its length
            // check at the next start and is removed.
            drop(file);
            let dir = self.source_dir(api_key, storage_key);
            std::fs::create_dir_all(&dir)?;
            std::fs::rename(&temp, dir.join(key))
        })();
        if let Err(e) = written {
            let _ = std::fs::remove_file(&temp);
            return Err(e);
        }
        let mut index = self.lock();
        if index.tombstones.contains(storage_key) {
            // Purged while this was being written.
            drop(index);
            let _ = std::fs::remove_dir_all(self.source_dir(api_key, storage_key));
            return Ok(());
        }
        index.insert(
            key.to_owned(),
            Entry {
                api_key: api_key.to_owned(),
                storage_key: storage_key.to_owned(),
                file_len,
                body_offset,
                meta: Arc::new(meta.clone()),
                tick: 0,
            },
        );
        let gone = index.evict_to(self.max_bytes);
        drop(index);
        for (key, entry) in gone {
            let _ = std::fs::remove_file(self.path_of(&entry.api_key, &entry.storage_key, &key));
        }
        Ok(())
    }

    /// Removes every variant of the given stored files (purged for good).
    pub async fn forget_sources(&self, api_key: &str, storage_keys: &[String]) -> io::Result<()> {
        let wanted: HashSet<&str> = storage_keys.iter().map(String::as_str).collect();
        {
            let mut index = self.lock();
            let keys: Vec<String> = index
                .entries
                .iter()
                .filter(|(_, e)| e.api_key == api_key && wanted.contains(e.storage_key.as_str()))
                .map(|(k, _)| k.clone())
                .collect();
            for key in keys {
                index.remove(&key);
            }
            for storage_key in storage_keys {
                index.bury(storage_key);
            }
        }
        let dirs: Vec<PathBuf> = storage_keys
            .iter()
            .map(|key| self.source_dir(api_key, key))
            .collect();
        tokio::task::spawn_blocking(move || {
            for dir in dirs {
                match std::fs::remove_dir_all(&dir) {
                    Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
                    _ => {}
                }
            }
            Ok(())
        })
        .await
        .map_err(io::Error::other)?
    }

    /// Removes every variant of a stack (deleted or reset). The folder is moved aside in
    /// one rename first, so that a transform finishing meanwhile cannot make this fail.
    pub async fn forget_stack(&self, api_key: &str) -> io::Result<()> {
        {
            let mut index = self.lock();
            let keys: Vec<String> = index
                .entries
                .iter()
                .filter(|(_, e)| e.api_key == api_key)
                .map(|(k, _)| k.clone())
                .collect();
            for key in keys {
                index.remove(&key);
            }
        }
        let aside = self
            .tmp
            .join(format!("removed-variants-{}", ids::storage_key()));
        match tokio::fs::rename(self.stack_dir(api_key), &aside).await {
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            result => result?,
        }
        tokio::fs::remove_dir_all(&aside).await
    }

    /// The api keys that have variants on disk.
    pub async fn stack_folders(&self) -> io::Result<Vec<String>> {
        let root = self.root.clone();
        tokio::task::spawn_blocking(move || subfolders(&root))
            .await
            .map_err(io::Error::other)?
    }

    /// The stored files of a stack that have variants on disk.
    pub async fn source_folders(&self, api_key: &str) -> io::Result<Vec<String>> {
        let dir = self.stack_dir(api_key);
        tokio::task::spawn_blocking(move || subfolders(&dir))
            .await
            .map_err(io::Error::other)?
    }
}

fn subfolders(dir: &Path) -> io::Result<Vec<String>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry?;
        if entry.file_type()?.is_dir() {
            names.push(entry.file_name().to_string_lossy().into_owned());
        }
    }
    Ok(names)
}

/// Reads the header of a variant file: its metadata and where the body starts.
fn read_header(path: &Path) -> io::Result<(VariantMeta, u64, u64)> {
    let mut file = std::fs::File::open(path)?;
    let file_len = file.metadata()?.len();
    let mut start = [0u8; PREFIX];
    file.read_exact(&mut start)?;
    if &start[..6] != MAGIC {
        return Err(io::Error::other("not a variant file"));
    }
    let header_len = u32::from_le_bytes([start[6], start[7], start[8], start[9]]) as usize;
    let body_len = u64::from_le_bytes([
        start[10], start[11], start[12], start[13], start[14], start[15], start[16], start[17],
    ]);
    if header_len > MAX_HEADER || (PREFIX + header_len) as u64 + body_len != file_len {
        return Err(io::Error::other("a damaged variant file"));
    }
    let mut header = vec![0; header_len];
    file.read_exact(&mut header)?;
    let meta: VariantMeta = serde_json::from_slice(&header).map_err(io::Error::other)?;
    Ok((meta, (PREFIX + header_len) as u64, file_len))
}

/// Every readable variant under `root`, oldest first; unreadable ones are removed.
fn scan(root: &Path) -> io::Result<Vec<(String, Entry)>> {
    let mut found = Vec::new();
    for api_key in subfolders(root)? {
        for storage_key in subfolders(&root.join(&api_key))? {
            let dir = root.join(&api_key).join(&storage_key);
            for file in std::fs::read_dir(&dir)? {
                let file = file?;
                let path = file.path();
                let key = file.file_name().to_string_lossy().into_owned();
                let modified = file.metadata().and_then(|m| m.modified()).ok();
                match read_header(&path) {
                    Ok((meta, body_offset, file_len)) => found.push((
                        modified,
                        key,
                        Entry {
                            api_key: api_key.clone(),
                            storage_key: storage_key.clone(),
                            file_len,
                            body_offset,
                            meta: Arc::new(meta),
                            tick: 0,
                        },
                    )),
                    Err(_) => {
                        let _ = std::fs::remove_file(&path);
                    }
                }
            }
        }
    }
    found.sort_by_key(|(modified, _, _)| *modified);
    Ok(found
        .into_iter()
        .map(|(_, key, entry)| (key, entry))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta() -> VariantMeta {
        VariantMeta {
            original: false,
            content_type: "image/png".to_owned(),
            format: "png".to_owned(),
            width: 1,
            height: 1,
            input: None,
            warnings: vec![],
            error: None,
        }
    }

    #[tokio::test]
    async fn least_recently_used_variants_go_first_and_the_index_survives_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let body = vec![7u8; 1000];
        // Room for two variants of about 1.2 KB each.
        let cache = VariantCache::open(dir.path(), 2600).await.unwrap();
        cache.put("stack", "s1", "a", &meta(), &body).unwrap();
        cache.put("stack", "s1", "b", &meta(), &body).unwrap();
        assert!(
            cache.get("a").is_some(),
            "a is used again: b is now the oldest"
        );
        cache.put("stack", "s2", "c", &meta(), &body).unwrap();
        assert!(cache.get("b").is_none());
        assert!(!dir.path().join("variants/stack/s1/b").exists());
        let found = cache.get("c").unwrap();
        let bytes = std::fs::read(&found.path).unwrap();
        assert_eq!(&bytes[found.body_offset as usize..], body.as_slice());
        drop(cache);

        let reopened = VariantCache::open(dir.path(), 2600).await.unwrap();
        assert_eq!(reopened.len(), 2);
        assert_eq!(reopened.get("a").unwrap().meta.as_ref(), &meta());
    }

    #[tokio::test]
    async fn purged_sources_and_stacks_take_their_variants() {
        let dir = tempfile::tempdir().unwrap();
        let cache = VariantCache::open(dir.path(), 1 << 20).await.unwrap();
        cache.put("one", "s1", "a", &meta(), b"x").unwrap();
        cache.put("one", "s2", "b", &meta(), b"x").unwrap();
        cache.put("two", "s3", "c", &meta(), b"x").unwrap();
        cache
            .forget_sources("one", &["s1".to_owned()])
            .await
            .unwrap();
        assert!(cache.get("a").is_none());
        assert!(!dir.path().join("variants/one/s1").exists());
        // A transform of the purged file that finishes late keeps nothing.
        cache.put("one", "s1", "late", &meta(), b"x").unwrap();
        assert!(cache.get("late").is_none());
        assert!(!dir.path().join("variants/one/s1").exists());
        cache.forget_stack("one").await.unwrap();
        assert!(cache.get("b").is_none());
        assert!(!dir.path().join("variants/one").exists());
        assert!(cache.get("c").is_some());
        assert_eq!(cache.total_bytes(), cache.get("c").unwrap().body_offset + 1);
    }

    #[tokio::test]
    async fn damaged_files_are_removed_at_start() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("variants/stack/s1");
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::write(
            folder.join("bad"),
            b"CSMV1\n\x02\0\0\0\x05\0\0\0\0\0\0\0{}abc",
        )
        .unwrap();
        let cache = VariantCache::open(dir.path(), 1 << 20).await.unwrap();
        assert!(cache.is_empty());
        assert!(!folder.join("bad").exists());
    }
}
