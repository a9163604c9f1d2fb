//! Stored files, on disk (the default) or in an S3-compatible bucket ([`objects`]). On
//! disk, an upload is written to a temp file, hashed and counted as it streams, fsynced,
//! then renamed into place; in a bucket it is one PUT or a multipart upload that appears
//! only when complete. Only after that may a database row point to it. Anything that
//! fails on the way leaves nothing behind, and a stored file whose row never commits is
//! removed again ([`PendingFile`]).

pub mod confined;
pub mod markup;
pub mod objects;
pub mod variants;

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use futures_util::stream::BoxStream;
use futures_util::{Stream, StreamExt};
use sha2::{Digest, Sha256};
use tokio::fs::{self, File};
use tokio::io::AsyncWriteExt;

use crate::contentstack::ids;
use objects::{Bucket, BucketConfig};

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

/// Where the stored files go (`--storage`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// `<dir>/files` (final) and `<dir>/tmp` (in flight); by default the data dir.
    Disk(PathBuf),
    /// A bucket.
    Bucket(BucketConfig),
}

/// The file store, and the data dir's `tmp` for everything else in flight.
#[derive(Debug, Clone)]
pub struct Storage {
    /// The data dir: its `tmp` and `snapshots` stay on this machine's disk.
    data_dir: PathBuf,
    files: Files,
    /// fsync files and directories (off for ephemeral data).
    durable: bool,
}

#[derive(Debug, Clone)]
enum Files {
    /// The folder holding `files` and the uploads' `tmp`.
    Disk(PathBuf),
    Bucket(Arc<Bucket>),
}

/// Bytes of a stored file, read whole or streamed.
pub enum FileBody {
    Whole(Bytes),
    Stream(BoxStream<'static, io::Result<Bytes>>),
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
            self.storage.forget(&self.api_key, &self.stored.storage_key);
        }
    }
}

/// Removes a stored file when dropped with its key still set (a write given up half way).
struct Unkept<'a> {
    storage: &'a Storage,
    api_key: &'a str,
    storage_key: Option<String>,
}

impl Drop for Unkept<'_> {
    fn drop(&mut self) {
        if let Some(key) = &self.storage_key {
            self.storage.forget(self.api_key, key);
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

/// What an upload read: its size, SHA-256 and first bytes.
struct Digested {
    hasher: Sha256,
    head: Vec<u8>,
    size: u64,
    sniff: Sniff,
}

impl Digested {
    fn new(sniff: Sniff) -> Digested {
        Digested {
            hasher: Sha256::new(),
            head: Vec::new(),
            size: 0,
            sniff,
        }
    }

    fn add(&mut self, chunk: &[u8]) {
        keep_head(&mut self.head, chunk, self.sniff);
        self.hasher.update(chunk);
        self.size += chunk.len() as u64;
    }

    fn stored(self, storage_key: String) -> StoredFile {
        StoredFile {
            storage_key,
            size: self.size,
            sha256: format!("{:x}", self.hasher.finalize()),
            head: self.head,
        }
    }
}

impl Storage {
    /// Prepares the data dir's `tmp` and the file store at `location`.
    pub async fn open(
        data_dir: &Path,
        location: &Location,
        durable: bool,
    ) -> anyhow::Result<Storage> {
        fs::create_dir_all(data_dir.join("tmp")).await?;
        let files = match location {
            Location::Disk(root) => {
                fs::create_dir_all(root.join("files")).await?;
                fs::create_dir_all(root.join("tmp")).await?;
                if root != data_dir {
                    claim_folder(root, &data_dir_id(data_dir).await?).await?;
                }
                Files::Disk(root.clone())
            }
            Location::Bucket(config) => {
                let bucket = Bucket::open(config).await?;
                bucket
                    .claim(&data_dir_id(data_dir).await?, &config.describe())
                    .await?;
                Files::Bucket(Arc::new(bucket))
            }
        };
        Ok(Storage {
            data_dir: data_dir.to_path_buf(),
            files,
            durable,
        })
    }

    /// The time the store dates files with, when it is not this machine's clock (a
    /// bucket's); `None` on disk.
    pub async fn clock(&self) -> io::Result<Option<std::time::SystemTime>> {
        match &self.files {
            Files::Disk(_) => Ok(None),
            Files::Bucket(bucket) => bucket.now().await.map(Some),
        }
    }

    /// Where a stored file lives on disk: sharded by the first two characters of its key.
    fn disk_path(root: &Path, api_key: &str, storage_key: &str) -> PathBuf {
        let shard = storage_key.get(..2).unwrap_or("00");
        root.join("files")
            .join(api_key)
            .join(shard)
            .join(storage_key)
    }

    /// Where an upload is written before it is renamed into place: one of 16 folders
    /// of `tmp`, picked by the key's first character. Creating a file takes its
    /// folder's lock while the file system allocates the inode, and with every upload
    /// in one folder concurrent uploads queued there (a tenth of the CPU of an upload
    /// run went to spinning on that lock).
    fn upload_temp_path(root: &Path, storage_key: &str) -> PathBuf {
        let spread = storage_key.get(..1).unwrap_or("0");
        root.join("tmp")
            .join(format!("uploads-{spread}"))
            .join(format!("{storage_key}.part"))
    }

    /// Removes temp files (and folders of removed stacks) left by a crash or a kill.
    /// Called at start, before serving.
    pub async fn sweep_temp_files(&self) -> io::Result<usize> {
        let mut removed = sweep_folder(&self.data_dir.join("tmp")).await?;
        if let Files::Disk(root) = &self.files
            && root != &self.data_dir
        {
            removed += sweep_folder(&root.join("tmp")).await?;
        }
        Ok(removed)
    }

    /// Streams `body` into a new stored file of stack `api_key`, failing (and leaving
    /// nothing behind) past `limit` bytes or on a body error. A small file (the usual
    /// upload; in a bucket, up to one part) is gathered in memory and written in one go
    /// (on disk: written, synced and renamed in one blocking task); a larger one streams
    /// as it arrives.
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
        // A bucket takes a file of up to one part in one PUT, where a multipart upload
        // costs three requests.
        let one_piece = match &self.files {
            Files::Disk(_) => SMALL_FILE_BYTES,
            Files::Bucket(_) => objects::PART_BYTES as u64,
        };
        let mut gathered: Vec<Bytes> = Vec::new();
        let mut size: u64 = 0;
        while size <= one_piece {
            let Some(chunk) = body.next().await else {
                return match &self.files {
                    Files::Disk(root) => self.write_small(root, api_key, gathered, sniff).await,
                    Files::Bucket(bucket) => {
                        let mut digested = Digested::new(sniff);
                        gathered.iter().for_each(|chunk| digested.add(chunk));
                        let storage_key = ids::storage_key();
                        // A request given up while the PUT is under way removes the object.
                        let mut unkept = Unkept {
                            storage: self,
                            api_key,
                            storage_key: Some(storage_key.clone()),
                        };
                        bucket.put(api_key, &storage_key, gathered).await?;
                        unkept.storage_key = None;
                        Ok(digested.stored(storage_key))
                    }
                };
            };
            let chunk = chunk.map_err(|e| WriteError::Body(e.into()))?;
            size += chunk.len() as u64;
            if size > limit {
                return Err(WriteError::TooLarge { limit });
            }
            gathered.push(chunk);
        }
        match &self.files {
            Files::Disk(root) => {
                self.write_large(root, api_key, gathered, body, limit, sniff)
                    .await
            }
            Files::Bucket(bucket) => {
                write_to_bucket(bucket, api_key, gathered, body, limit, sniff).await
            }
        }
    }

    /// Writes a whole small file in one blocking task.
    async fn write_small(
        &self,
        root: &Path,
        api_key: &str,
        chunks: Vec<Bytes>,
        sniff: Sniff,
    ) -> Result<StoredFile, WriteError> {
        let storage_key = ids::storage_key();
        let temp_path = Self::upload_temp_path(root, &storage_key);
        let final_path = Self::disk_path(root, api_key, &storage_key);
        let durable = self.durable;
        let placed = tokio::task::spawn_blocking(move || -> io::Result<Placed> {
            use std::io::Write;
            let mut guard = TempGuard {
                path: temp_path.clone(),
                armed: true,
            };
            let mut digested = Digested::new(sniff);
            let mut file = match std::fs::File::create(&temp_path) {
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    std::fs::create_dir_all(shard_folder(&temp_path)?)?;
                    std::fs::File::create(&temp_path)?
                }
                created => created?,
            };
            for chunk in &chunks {
                digested.add(chunk);
                file.write_all(chunk)?;
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
                stored: Some(digested.stored(storage_key)),
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
        root: &Path,
        api_key: &str,
        gathered: Vec<Bytes>,
        body: S,
        limit: u64,
        sniff: Sniff,
    ) -> Result<StoredFile, WriteError>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let storage_key = ids::storage_key();
        let temp_path = Self::upload_temp_path(root, &storage_key);
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
        let digested = digest_into(gathered, body, limit, sniff, &mut file).await?;
        file.flush().await?;
        if self.durable {
            file.sync_all().await?;
        }
        drop(file);

        let final_path = Self::disk_path(root, api_key, &storage_key);
        let dir = shard_folder(&final_path)?;
        fs::create_dir_all(dir).await?;
        fs::rename(&temp_path, &final_path).await?;
        guard.armed = false;
        if self.durable {
            File::open(dir).await?.sync_all().await?;
        }
        Ok(digested.stored(storage_key))
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

    /// Removes a stored file no row will point to, without waiting (from a `Drop`).
    fn forget(&self, api_key: &str, storage_key: &str) {
        match &self.files {
            Files::Disk(root) => {
                let _ = std::fs::remove_file(Self::disk_path(root, api_key, storage_key));
            }
            Files::Bucket(bucket) => {
                let (bucket, keys) = (bucket.clone(), vec![storage_key.to_owned()]);
                let api_key = api_key.to_owned();
                if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                    runtime.spawn(async move {
                        // Left behind on failure: the orphan sweep finds it.
                        let _ = bucket.remove_many(&api_key, &keys).await;
                    });
                }
            }
        }
    }

    /// `length` bytes from `start` of a stored file of `file_size` bytes: read whole when
    /// small, streamed otherwise. A missing file is an error of kind `NotFound`.
    pub async fn read_range(
        &self,
        api_key: &str,
        storage_key: &str,
        file_size: u64,
        start: u64,
        length: u64,
    ) -> io::Result<FileBody> {
        match &self.files {
            Files::Disk(root) => {
                let path = Self::disk_path(root, api_key, storage_key);
                if length <= SMALL_FILE_BYTES {
                    // One trip to the blocking pool, one body that goes out with the headers.
                    let bytes = tokio::task::spawn_blocking(move || {
                        use std::io::{Read, Seek};
                        let mut file = std::fs::File::open(&path)?;
                        if start > 0 {
                            file.seek(io::SeekFrom::Start(start))?;
                        }
                        let mut bytes = Vec::with_capacity(length as usize);
                        file.take(length).read_to_end(&mut bytes)?;
                        Ok::<_, io::Error>(bytes)
                    })
                    .await
                    .map_err(io::Error::other)??;
                    Ok(FileBody::Whole(bytes.into()))
                } else {
                    use tokio::io::{AsyncReadExt, AsyncSeekExt};
                    let mut file = File::open(&path).await?;
                    if start > 0 {
                        file.seek(io::SeekFrom::Start(start)).await?;
                    }
                    let stream =
                        tokio_util::io::ReaderStream::with_capacity(file.take(length), 64 * 1024);
                    Ok(FileBody::Stream(stream.boxed()))
                }
            }
            Files::Bucket(bucket) if length <= SMALL_FILE_BYTES => Ok(FileBody::Whole(
                bucket
                    .read(api_key, storage_key, file_size, start, length)
                    .await?,
            )),
            Files::Bucket(bucket) => Ok(FileBody::Stream(
                bucket.stream(api_key, storage_key, start, length).await?,
            )),
        }
    }

    /// A stored file, opened for reading from a blocking task (a file from a bucket is
    /// first copied into an unnamed temp file of the data dir).
    pub fn open_blocking(&self, api_key: &str, storage_key: &str) -> io::Result<std::fs::File> {
        match &self.files {
            Files::Disk(root) => std::fs::File::open(Self::disk_path(root, api_key, storage_key)),
            Files::Bucket(bucket) => {
                use std::io::{Seek, Write};
                let mut copy = tempfile::tempfile_in(self.data_dir.join("tmp"))?;
                let runtime = tokio::runtime::Handle::current();
                runtime.block_on(async {
                    let mut body = bucket.stream_whole(api_key, storage_key).await?;
                    while let Some(chunk) = body.next().await {
                        copy.write_all(&chunk?)?;
                    }
                    Ok::<_, io::Error>(())
                })?;
                copy.rewind()?;
                Ok(copy)
            }
        }
    }

    /// Removes a stored file; one that is already gone is not an error.
    pub async fn remove(&self, api_key: &str, storage_key: &str) -> io::Result<()> {
        self.remove_many(api_key, vec![storage_key.to_owned()])
            .await
    }

    /// The api keys that have a folder of stored files.
    pub async fn stack_folders(&self) -> io::Result<Vec<String>> {
        let root = match &self.files {
            Files::Disk(root) => root,
            Files::Bucket(bucket) => return bucket.stack_folders().await,
        };
        let mut names = Vec::new();
        let mut entries = fs::read_dir(root.join("files")).await?;
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
        let root = match &self.files {
            Files::Disk(root) => root,
            Files::Bucket(bucket) => return bucket.stack_files(api_key).await,
        };
        let mut files = Vec::new();
        let mut shards = match fs::read_dir(root.join("files").join(api_key)).await {
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

    /// Removes many stored files of a stack (on disk: in one blocking task, cheaper than
    /// one task per file; in a bucket: batched deletes); files already gone are not an
    /// error.
    pub async fn remove_many(&self, api_key: &str, storage_keys: Vec<String>) -> io::Result<()> {
        let root = match &self.files {
            Files::Disk(root) => root,
            Files::Bucket(bucket) => return bucket.remove_many(api_key, &storage_keys).await,
        };
        let paths: Vec<PathBuf> = storage_keys
            .iter()
            .map(|key| Self::disk_path(root, api_key, key))
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

    /// Removes every stored file kept outside the data dir (an ephemeral mock's, at exit).
    pub async fn remove_outside_data_dir(&self) -> io::Result<()> {
        match &self.files {
            Files::Disk(root) if root == &self.data_dir => Ok(()),
            Files::Disk(root) => {
                for gone in [root.join("files"), root.join("owner")] {
                    let removed = if gone.is_dir() {
                        fs::remove_dir_all(&gone).await
                    } else {
                        fs::remove_file(&gone).await
                    };
                    match removed {
                        Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
                        _ => {}
                    }
                }
                Ok(())
            }
            Files::Bucket(bucket) => bucket.remove_everything().await,
        }
    }

    /// Removes a stored file from a blocking task; one already gone is not an error.
    pub fn remove_blocking(&self, api_key: &str, storage_key: &str) -> io::Result<()> {
        tokio::runtime::Handle::current()
            .block_on(self.remove_many(api_key, vec![storage_key.to_owned()]))
    }

    /// The data dir (its `tmp` and `snapshots` are always on this machine's disk).
    pub fn root(&self) -> &Path {
        &self.data_dir
    }

    /// A fresh path inside the data dir's temp folder (swept at start).
    pub fn temp_path(&self, prefix: &str) -> PathBuf {
        self.data_dir
            .join("tmp")
            .join(format!("{prefix}-{}", ids::storage_key()))
    }

    /// Makes `to` another name of a stored file, from a blocking task (a hard link, or
    /// a copy where links are not possible or the file is in a bucket). Stored files
    /// never change once in place, so a link is a copy.
    pub fn link_out(&self, api_key: &str, storage_key: &str, to: &Path) -> io::Result<()> {
        match &self.files {
            Files::Disk(root) => link_or_copy(&Self::disk_path(root, api_key, storage_key), to),
            Files::Bucket(_) => {
                let mut from = self.open_blocking(api_key, storage_key)?;
                let mut copy = std::fs::File::create(to)?;
                io::copy(&mut from, &mut copy)?;
                copy.sync_all()
            }
        }
    }

    /// Puts `from` in place as the stored file `storage_key` of stack `api_key`, from a
    /// blocking task; false when that file was already there (it is then the same
    /// file: keys are never reused for other content).
    pub fn link_in(&self, api_key: &str, storage_key: &str, from: &Path) -> io::Result<bool> {
        let root = match &self.files {
            Files::Disk(root) => root,
            Files::Bucket(bucket) => {
                return tokio::runtime::Handle::current().block_on(put_file(
                    bucket,
                    api_key,
                    storage_key,
                    from,
                ));
            }
        };
        let path = Self::disk_path(root, api_key, storage_key);
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

    /// Removes every stored file of a stack. On disk, the stack's folder is first moved
    /// aside in one rename, so that uploads still streaming to it (they will fail their
    /// commit) can never make the removal fail, and a stack of the same api key made
    /// right after starts with an empty folder.
    pub async fn remove_stack(&self, api_key: &str) -> io::Result<()> {
        let root = match &self.files {
            Files::Disk(root) => root,
            Files::Bucket(bucket) => return bucket.remove_stack(api_key).await,
        };
        let aside = root
            .join("tmp")
            .join(format!("removed-{}", ids::storage_key()));
        match fs::rename(root.join("files").join(api_key), &aside).await {
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            result => result?,
        }
        fs::remove_dir_all(&aside).await
    }
}

/// The data dir's id, made at its first start on a bucket: the bucket's prefix names the
/// data dir whose database describes its files.
async fn data_dir_id(data_dir: &Path) -> io::Result<String> {
    let path = data_dir.join("bucket-owner");
    match fs::read_to_string(&path).await {
        Ok(id) => Ok(id.trim().to_owned()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            let id = uuid::Uuid::new_v4().simple().to_string();
            let temp = data_dir.join("bucket-owner.part");
            fs::write(&temp, &id).await?;
            File::open(&temp).await?.sync_all().await?;
            fs::rename(&temp, &path).await?;
            Ok(id)
        }
        Err(e) => Err(e),
    }
}

/// Claims a storage folder outside the data dir for it, as a bucket's prefix is claimed
/// ([`Bucket::claim`]): fails when another data dir's files are there.
async fn claim_folder(root: &Path, owner: &str) -> anyhow::Result<()> {
    let claim = root.join("owner");
    match fs::read_to_string(&claim).await {
        Ok(holder) => {
            anyhow::ensure!(
                holder.trim() == owner,
                "file:{} holds the files of another data dir (its owner file says {:?}, this \
                 data dir is {owner:?}): give each mock a folder of its own, or remove that \
                 file if the other mock and its data dir are gone",
                root.display(),
                holder.trim()
            );
            Ok(())
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            fs::write(&claim, owner).await?;
            Ok(())
        }
        Err(e) => Err(e.into()),
    }
}

/// Removes everything in a temp folder; returns how many entries went.
async fn sweep_folder(dir: &Path) -> io::Result<usize> {
    let mut removed = 0;
    let mut entries = fs::read_dir(dir).await?;
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

/// Streams a larger upload into a multipart upload, starting with what was already
/// read; the upload is aborted (no object appears) when the body fails or grows too large,
/// or the request is given up.
async fn write_to_bucket<S, E>(
    bucket: &Bucket,
    api_key: &str,
    gathered: Vec<Bytes>,
    body: S,
    limit: u64,
    sniff: Sniff,
) -> Result<StoredFile, WriteError>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let storage_key = ids::storage_key();
    let mut upload = bucket.start_upload(api_key, &storage_key).await?;
    // A failed body drops the upload, which aborts it.
    let digested = digest_into(gathered, body, limit, sniff, &mut upload).await?;
    upload.finish().await?;
    Ok(digested.stored(storage_key))
}

/// Where an upload's bytes go as they stream: a temp file, or a multipart upload.
trait Sink {
    fn write(&mut self, chunk: Bytes) -> impl Future<Output = io::Result<()>> + Send;
}

impl Sink for File {
    async fn write(&mut self, chunk: Bytes) -> io::Result<()> {
        self.write_all(&chunk).await
    }
}

impl Sink for objects::Upload {
    async fn write(&mut self, chunk: Bytes) -> io::Result<()> {
        objects::Upload::write(self, chunk).await
    }
}

/// Hashes, counts and hands to `sink` what was already read, then the rest of `body`,
/// failing past `limit` bytes or on a body error.
async fn digest_into<S, E>(
    gathered: Vec<Bytes>,
    mut body: S,
    limit: u64,
    sniff: Sniff,
    sink: &mut impl Sink,
) -> Result<Digested, WriteError>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let mut digested = Digested::new(sniff);
    for chunk in gathered {
        digested.add(&chunk);
        sink.write(chunk).await?;
    }
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| WriteError::Body(e.into()))?;
        if digested.size + chunk.len() as u64 > limit {
            return Err(WriteError::TooLarge { limit });
        }
        digested.add(&chunk);
        sink.write(chunk).await?;
    }
    Ok(digested)
}

/// Uploads the file at `from` as a stored file unless it is there already.
async fn put_file(
    bucket: &Bucket,
    api_key: &str,
    storage_key: &str,
    from: &Path,
) -> io::Result<bool> {
    use tokio::io::AsyncReadExt;
    if bucket.exists(api_key, storage_key).await? {
        return Ok(false);
    }
    let mut file = File::open(from).await?;
    if file.metadata().await?.len() <= objects::PART_BYTES as u64 {
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).await?;
        bucket.put(api_key, storage_key, vec![bytes.into()]).await?;
        return Ok(true);
    }
    let mut upload = bucket.start_upload(api_key, storage_key).await?;
    let mut buffer = vec![0u8; 1024 * 1024];
    let copied = async {
        loop {
            let read = file.read(&mut buffer).await?;
            if read == 0 {
                return Ok::<_, io::Error>(());
            }
            upload
                .write(Bytes::copy_from_slice(&buffer[..read]))
                .await?;
        }
    }
    .await;
    copied?;
    upload.finish().await.map(|()| true)
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
