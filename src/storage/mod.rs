//! Stored files on disk. An upload is written to a temp file inside the data dir,
//! hashed and counted as it streams, fsynced, then renamed into place; only after that
//! may a database row point to it. Anything that fails on the way removes the temp file,
//! and a stored file whose row never commits is removed again ([`PendingFile`]).

pub mod confined;
pub mod markup;
pub mod variants;

use std::io;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use sha2::{Digest, Sha256};
use tokio::fs::{self, File};
use tokio::io::AsyncWriteExt;

use crate::contentstack::ids;

/// How many leading bytes of each upload are kept to read image dimensions from.
const HEAD_BYTES: usize = 256 * 1024;

/// Uploads up to this size are written in one blocking task.
const SMALL_FILE_BYTES: u64 = 256 * 1024;

/// What of a file's first bytes a write keeps, to read from them afterwards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sniff {
    /// An image: its first `HEAD_BYTES`, where its dimensions are.
    Dimensions,
    /// A type a browser would run: its first bytes, to check that it is markup.
    Markup,
    /// Nothing (every other file: no copy of up to 256 KiB per upload in flight).
    Nothing,
}

impl Sniff {
    /// What a file of `content_type` needs.
    pub fn for_content_type(content_type: &str) -> Sniff {
        if content_type.starts_with("image/") {
            Sniff::Dimensions
        } else if crate::storage::markup::is_active(content_type) {
            Sniff::Markup
        } else {
            Sniff::Nothing
        }
    }

    fn limit(self) -> usize {
        match self {
            Sniff::Dimensions => HEAD_BYTES,
            Sniff::Markup => crate::storage::markup::HEAD_BYTES,
            Sniff::Nothing => 0,
        }
    }
}

/// Keeps the first bytes of a file that `sniff` asks for.
fn keep_head(head: &mut Vec<u8>, chunk: &[u8], sniff: Sniff) {
    let limit = sniff.limit();
    if head.len() < limit {
        let take = (limit - head.len()).min(chunk.len());
        head.extend_from_slice(&chunk[..take]);
    }
}

/// A file renamed into place by a blocking task, removed again when dropped untaken.
struct Placed {
    path: PathBuf,
    stored: Option<StoredFile>,
}

impl Placed {
    fn take(mut self) -> io::Result<StoredFile> {
        self.stored
            .take()
            .ok_or_else(|| io::Error::other("a placed file was taken twice"))
    }
}

impl Drop for Placed {
    fn drop(&mut self) {
        if self.stored.is_some() {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// The file store under `<data dir>/files` (final) and `<data dir>/tmp` (in flight).
#[derive(Debug, Clone)]
pub struct Storage {
    root: PathBuf,
    /// fsync files and directories (off for ephemeral data).
    durable: bool,
}

/// A file that was written and renamed into place.
#[derive(Debug, Clone)]
pub struct StoredFile {
    pub storage_key: String,
    pub size: u64,
    pub sha256: String,
    /// The first bytes of an image (for its dimensions) or of a file declared as markup
    /// (to check it is); empty for other files.
    pub head: Vec<u8>,
}

/// Why writing a stream failed.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("the file is larger than {limit} bytes")]
    TooLarge { limit: u64 },
    #[error("the upload was cut off: {0}")]
    Body(Box<dyn std::error::Error + Send + Sync>),
    #[error("could not store the file: {0}")]
    Io(#[from] io::Error),
}

/// A stored upload that is removed again unless [`PendingFile::keep`] is called, so
/// that a request failing after the file was written leaves nothing behind.
#[derive(Debug)]
pub struct PendingFile {
    pub stored: StoredFile,
    /// The sanitised filename the client gave.
    pub filename: String,
    pub content_type: String,
    storage: Storage,
    api_key: String,
    kept: bool,
}

impl PendingFile {
    /// The database now points to the file: keep it.
    pub fn keep(mut self) {
        self.kept = true;
    }

    /// Width and height when the file is an image whose header can be read.
    pub fn dimension(&self) -> Option<(f64, f64)> {
        if !self.content_type.starts_with("image/") {
            return None;
        }
        let size = imagesize::blob_size(&self.stored.head).ok()?;
        Some((size.width as f64, size.height as f64))
    }
}

impl Drop for PendingFile {
    fn drop(&mut self) {
        if !self.kept {
            let _ = std::fs::remove_file(
                self.storage
                    .path_of(&self.api_key, &self.stored.storage_key),
            );
        }
    }
}

/// Removes a temp file unless it was renamed into place.
struct TempGuard {
    path: PathBuf,
    armed: bool,
}

impl Drop for TempGuard {
    fn drop(&mut self) {
        if self.armed {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

impl Storage {
    /// Prepares the folders under `root`.
    pub async fn open(root: &Path, durable: bool) -> io::Result<Storage> {
        fs::create_dir_all(root.join("files")).await?;
        fs::create_dir_all(root.join("tmp")).await?;
        Ok(Storage {
            root: root.to_path_buf(),
            durable,
        })
    }

    fn stack_dir(&self, api_key: &str) -> PathBuf {
        self.root.join("files").join(api_key)
    }

    /// Where a stored file lives: sharded by the first two characters of its key.
    pub fn path_of(&self, api_key: &str, storage_key: &str) -> PathBuf {
        let shard = storage_key.get(..2).unwrap_or("00");
        self.stack_dir(api_key).join(shard).join(storage_key)
    }

    /// Where an upload is written before it is renamed into place: one of 16 folders
    /// of `tmp`, picked by the key's first character. Creating a file takes its
    /// folder's lock while the file system allocates the inode, and with every upload
    /// in one folder concurrent uploads queued there (a tenth of the CPU of an upload
    /// run went to spinning on that lock).
    fn upload_temp_path(&self, storage_key: &str) -> PathBuf {
        let spread = storage_key.get(..1).unwrap_or("0");
        self.root
            .join("tmp")
            .join(format!("uploads-{spread}"))
            .join(format!("{storage_key}.part"))
    }

    /// Removes temp files (and folders of removed stacks) left by a crash or a kill.
    /// Called at start, before serving.
    pub async fn sweep_temp_files(&self) -> io::Result<usize> {
        let mut removed = 0;
        let mut entries = fs::read_dir(self.root.join("tmp")).await?;
        while let Some(entry) = entries.next_entry().await? {
            let gone = if entry.file_type().await?.is_dir() {
                fs::remove_dir_all(entry.path()).await
            } else {
                fs::remove_file(entry.path()).await
            };
            if gone.is_ok() {
                removed += 1;
            }
        }
        Ok(removed)
    }

    /// Streams `body` into a new stored file of stack `api_key`, failing (and leaving
    /// nothing behind) past `limit` bytes or on a body error. A small file (the usual
    /// upload) is gathered in memory and written, synced and renamed in one blocking
    /// task; a larger one streams to its temp file as it arrives.
    pub async fn write_stream<S, E>(
        &self,
        api_key: &str,
        mut body: S,
        limit: u64,
        sniff: Sniff,
    ) -> Result<StoredFile, WriteError>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let mut gathered: Vec<Bytes> = Vec::new();
        let mut size: u64 = 0;
        while size <= SMALL_FILE_BYTES {
            let Some(chunk) = body.next().await else {
                return self.write_small(api_key, gathered, sniff).await;
            };
            let chunk = chunk.map_err(|e| WriteError::Body(e.into()))?;
            size += chunk.len() as u64;
            if size > limit {
                return Err(WriteError::TooLarge { limit });
            }
            gathered.push(chunk);
        }
        self.write_large(api_key, gathered, body, limit, sniff)
            .await
    }

    /// Writes a whole small file in one blocking task.
    async fn write_small(
        &self,
        api_key: &str,
        chunks: Vec<Bytes>,
        sniff: Sniff,
    ) -> Result<StoredFile, WriteError> {
        let storage_key = ids::storage_key();
        let temp_path = self.upload_temp_path(&storage_key);
        let final_path = self.path_of(api_key, &storage_key);
        let durable = self.durable;
        let placed = tokio::task::spawn_blocking(move || -> io::Result<Placed> {
            use std::io::Write;
            let mut guard = TempGuard {
                path: temp_path.clone(),
                armed: true,
            };
            let mut hasher = Sha256::new();
            let mut head = Vec::new();
            let mut file = match std::fs::File::create(&temp_path) {
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    std::fs::create_dir_all(shard_folder(&temp_path)?)?;
                    std::fs::File::create(&temp_path)?
                }
                created => created?,
            };
            let mut size = 0u64;
            for chunk in &chunks {
                keep_head(&mut head, chunk, sniff);
                hasher.update(chunk);
                file.write_all(chunk)?;
                size += chunk.len() as u64;
            }
            if durable {
                file.sync_all()?;
            }
            drop(file);
            let dir = shard_folder(&final_path)?;
            std::fs::create_dir_all(dir)?;
            std::fs::rename(&temp_path, &final_path)?;
            guard.armed = false;
            // From here the placed file is removed again unless someone takes it: a
            // request given up meanwhile leaves nothing behind.
            let placed = Placed {
                path: final_path.clone(),
                stored: Some(StoredFile {
                    storage_key,
                    size,
                    sha256: format!("{:x}", hasher.finalize()),
                    head,
                }),
            };
            if durable {
                // The rename is only durable once the folder entry is on disk.
                std::fs::File::open(dir)?.sync_all()?;
            }
            Ok(placed)
        })
        .await
        .map_err(io::Error::other)??;
        Ok(placed.take()?)
    }

    /// Streams a larger file to its temp file, starting with what was already read.
    async fn write_large<S, E>(
        &self,
        api_key: &str,
        gathered: Vec<Bytes>,
        mut body: S,
        limit: u64,
        sniff: Sniff,
    ) -> Result<StoredFile, WriteError>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let storage_key = ids::storage_key();
        let temp_path = self.upload_temp_path(&storage_key);
        let mut guard = TempGuard {
            path: temp_path.clone(),
            armed: true,
        };
        let mut file = match File::create(&temp_path).await {
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                fs::create_dir_all(shard_folder(&temp_path)?).await?;
                File::create(&temp_path).await?
            }
            created => created?,
        };
        let mut hasher = Sha256::new();
        let mut head = Vec::new();
        let mut size: u64 = 0;
        for chunk in &gathered {
            size += chunk.len() as u64;
            keep_head(&mut head, chunk, sniff);
            hasher.update(chunk);
            file.write_all(chunk).await?;
        }
        drop(gathered);
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(|e| WriteError::Body(e.into()))?;
            size += chunk.len() as u64;
            if size > limit {
                return Err(WriteError::TooLarge { limit });
            }
            keep_head(&mut head, &chunk, sniff);
            hasher.update(&chunk);
            file.write_all(&chunk).await?;
        }
        file.flush().await?;
        if self.durable {
            file.sync_all().await?;
        }
        drop(file);

        let final_path = self.path_of(api_key, &storage_key);
        let dir = shard_folder(&final_path)?;
        fs::create_dir_all(dir).await?;
        fs::rename(&temp_path, &final_path).await?;
        guard.armed = false;
        if self.durable {
            File::open(dir).await?.sync_all().await?;
        }
        Ok(StoredFile {
            storage_key,
            size,
            sha256: format!("{:x}", hasher.finalize()),
            head,
        })
    }

    /// A file just written for stack `api_key`, removed again unless it is kept.
    pub fn pending(
        &self,
        api_key: &str,
        stored: StoredFile,
        filename: String,
        content_type: String,
    ) -> PendingFile {
        // A file declared as HTML, SVG or XML is stored as such only when it is markup.
        let content_type = crate::storage::markup::checked(&content_type, &filename, &stored.head);
        PendingFile {
            stored,
            filename,
            content_type,
            storage: self.clone(),
            api_key: api_key.to_owned(),
            kept: false,
        }
    }

    /// Removes a stored file; one that is already gone is not an error.
    pub async fn remove(&self, api_key: &str, storage_key: &str) -> io::Result<()> {
        match fs::remove_file(self.path_of(api_key, storage_key)).await {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    /// The api keys that have a folder of stored files.
    pub async fn stack_folders(&self) -> io::Result<Vec<String>> {
        let mut names = Vec::new();
        let mut entries = fs::read_dir(self.root.join("files")).await?;
        while let Some(entry) = entries.next_entry().await? {
            if entry.file_type().await?.is_dir() {
                names.push(entry.file_name().to_string_lossy().into_owned());
            }
        }
        Ok(names)
    }

    /// Every stored file of a stack as (storage key, last modified).
    pub async fn stack_files(
        &self,
        api_key: &str,
    ) -> io::Result<Vec<(String, std::time::SystemTime)>> {
        let mut files = Vec::new();
        let mut shards = match fs::read_dir(self.stack_dir(api_key)).await {
            Ok(shards) => shards,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(files),
            Err(e) => return Err(e),
        };
        while let Some(shard) = shards.next_entry().await? {
            if !shard.file_type().await?.is_dir() {
                continue;
            }
            let mut entries = fs::read_dir(shard.path()).await?;
            while let Some(entry) = entries.next_entry().await? {
                let modified = entry.metadata().await?.modified()?;
                files.push((entry.file_name().to_string_lossy().into_owned(), modified));
            }
        }
        Ok(files)
    }

    /// Removes many stored files of a stack in one blocking task (cheaper than one
    /// task per file); files already gone are not an error.
    pub async fn remove_many(&self, api_key: &str, storage_keys: Vec<String>) -> io::Result<()> {
        let paths: Vec<PathBuf> = storage_keys
            .iter()
            .map(|key| self.path_of(api_key, key))
            .collect();
        tokio::task::spawn_blocking(move || {
            for path in paths {
                match std::fs::remove_file(&path) {
                    Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
                    _ => {}
                }
            }
            Ok(())
        })
        .await
        .map_err(io::Error::other)?
    }

    /// The data dir this store lives in.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// A fresh path inside the data dir's temp folder (swept at start).
    pub fn temp_path(&self, prefix: &str) -> PathBuf {
        self.root
            .join("tmp")
            .join(format!("{prefix}-{}", ids::storage_key()))
    }

    /// Makes `to` another name of a stored file (a hard link, or a copy where links are
    /// not possible). Stored files never change once in place, so a link is a copy.
    pub fn link_out(&self, api_key: &str, storage_key: &str, to: &Path) -> io::Result<()> {
        link_or_copy(&self.path_of(api_key, storage_key), to)
    }

    /// Puts `from` in place as the stored file `storage_key` of stack `api_key`; false
    /// when that file was already there (it is then the same file: keys are never
    /// reused for other content).
    pub fn link_in(&self, api_key: &str, storage_key: &str, from: &Path) -> io::Result<bool> {
        let path = self.path_of(api_key, storage_key);
        if path.exists() {
            return Ok(false);
        }
        let dir = shard_folder(&path)?;
        std::fs::create_dir_all(dir)?;
        match link_or_copy(from, &path) {
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => return Ok(false),
            result => result?,
        }
        if self.durable {
            std::fs::File::open(dir)?.sync_all()?;
        }
        Ok(true)
    }

    /// Removes every stored file of a stack. The stack's folder is first moved aside in
    /// one rename, so that uploads still streaming to it (they will fail their commit)
    /// can never make the removal fail, and a stack of the same api key made right after
    /// starts with an empty folder.
    pub async fn remove_stack(&self, api_key: &str) -> io::Result<()> {
        let aside = self
            .root
            .join("tmp")
            .join(format!("removed-{}", ids::storage_key()));
        match fs::rename(self.stack_dir(api_key), &aside).await {
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            result => result?,
        }
        fs::remove_dir_all(&aside).await
    }
}

/// A hard link from `from` to `to`, or a copy (synced) where the file system refuses links.
fn link_or_copy(from: &Path, to: &Path) -> io::Result<()> {
    match std::fs::hard_link(from, to) {
        Ok(()) => Ok(()),
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::NotFound | io::ErrorKind::AlreadyExists
            ) =>
        {
            Err(e)
        }
        Err(_) => {
            let temp = to.with_extension("part");
            std::fs::copy(from, &temp)?;
            std::fs::File::open(&temp)?.sync_all()?;
            std::fs::rename(&temp, to)
        }
    }
}

/// The shard folder a stored file lives in.
fn shard_folder(path: &Path) -> io::Result<&Path> {
    path.parent()
        .ok_or_else(|| io::Error::other("a stored file's path names no folder"))
}
