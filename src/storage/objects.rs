//! Stored files in an S3-compatible bucket (`--storage s3://bucket/prefix`). Objects are
//! named like the files of the local store (`<prefix>/files/<api key>/<shard>/<key>`);
//! an upload is one PUT (small files) or a multipart upload (larger ones), so an object
//! is visible only once complete, and its row is written after it, as on disk.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::stream::BoxStream;
use futures_util::{StreamExt, TryStreamExt};
use object_store::aws::AmazonS3Builder;
use object_store::path::Path as ObjectPath;
use object_store::{
    BackoffConfig, ClientOptions, GetOptions, GetRange, MultipartUpload, ObjectStore, PutPayload,
    RetryConfig,
};
use tokio::task::JoinSet;

/// Parts of a multipart upload are this large (the least S3 takes, but for the last).
pub const PART_BYTES: usize = 5 * 1024 * 1024;

/// The longest a request to the bucket may take (downloads: until their headers).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Files up to this size are kept in memory once read ...
const CACHED_FILE_BYTES: u64 = 256 * 1024;

/// ... up to this many bytes in all, the least used going first.
const CACHE_BYTES: u64 = 64 * 1024 * 1024;

/// The object under the prefix naming the data dir whose files the prefix holds.
const OWNER_OBJECT: &str = "owner";

/// Parts of one upload being sent while the next one fills (one upload holds at most
/// two parts in memory).
const PARTS_IN_FLIGHT: usize = 1;

/// Where the stored files live in a bucket, and how to reach it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BucketConfig {
    pub bucket: String,
    /// Key prefix of everything the mock stores (no leading or trailing `/`), may be empty.
    pub prefix: String,
    /// Endpoint of an S3-compatible server; none for AWS itself.
    pub endpoint: Option<String>,
    pub region: String,
}

impl BucketConfig {
    /// Reads `s3://bucket[/prefix]`.
    pub fn parse(url: &str, endpoint: Option<String>, region: String) -> Result<Self, String> {
        let rest = url
            .strip_prefix("s3://")
            .ok_or_else(|| format!("{url:?} is not an s3:// address"))?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        let prefix = prefix.trim_matches('/');
        let valid_bucket = (3..=63).contains(&bucket.len())
            && bucket
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.');
        if !valid_bucket {
            return Err(format!(
                "{bucket:?} is not a bucket name (3 to 63 lowercase letters, digits, '-' and '.')"
            ));
        }
        // Every part of the prefix must be a plain name: nothing the store would encode
        // into another key, and no `.` or `..`.
        let valid_part = |part: &str| {
            !part.is_empty()
                && part != "."
                && part != ".."
                && part
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
        };
        if !prefix.is_empty() && !prefix.split('/').all(valid_part) {
            return Err(format!(
                "the key prefix {prefix:?} may only hold letters, digits, '-', '_' and '.', \
                 in parts separated by '/'"
            ));
        }
        Ok(BucketConfig {
            bucket: bucket.to_owned(),
            prefix: prefix.to_owned(),
            endpoint,
            region,
        })
    }

    /// How the banner names it.
    pub fn describe(&self) -> String {
        let at = match &self.endpoint {
            Some(endpoint) => format!(" at {endpoint}"),
            None => String::new(),
        };
        if self.prefix.is_empty() {
            format!("s3://{}{at}", self.bucket)
        } else {
            format!("s3://{}/{}{at}", self.bucket, self.prefix)
        }
    }
}

/// A bucket holding the stored files.
#[derive(Debug)]
pub struct Bucket {
    /// Every request is bounded in time.
    store: Arc<dyn ObjectStore>,
    /// For downloads, whose bodies may take as long as the client reading them.
    reader: Arc<dyn ObjectStore>,
    prefix: String,
    /// Small files read lately, by storage key (a key never names other content).
    small_files: quick_cache::sync::Cache<String, Bytes, SizeOfFile>,
}

/// Weighs a cached file by its bytes.
#[derive(Clone)]
struct SizeOfFile;

impl quick_cache::Weighter<String, Bytes> for SizeOfFile {
    fn weight(&self, key: &String, file: &Bytes) -> u64 {
        // The entry's own overhead too, so that many empty files still count.
        (key.len() + file.len() + 64) as u64
    }
}

fn small_file_cache() -> quick_cache::sync::Cache<String, Bytes, SizeOfFile> {
    quick_cache::sync::Cache::with_weighter(4096, CACHE_BYTES, SizeOfFile)
}

impl Bucket {
    /// Connects and checks that the bucket answers (a mistake in the flags or the
    /// credentials fails the start, not the first upload).
    pub async fn open(config: &BucketConfig) -> anyhow::Result<Bucket> {
        // Every request but a download's body is bounded in time; a download streams at the
        // pace of the client reading it (only the wait for its headers is bounded).
        let bounded = ClientOptions::new()
            .with_connect_timeout(REQUEST_TIMEOUT / 6)
            .with_timeout(REQUEST_TIMEOUT);
        let streaming = ClientOptions::new()
            .with_connect_timeout(REQUEST_TIMEOUT / 6)
            .with_timeout_disabled();
        let bucket = Bucket {
            store: Arc::new(Self::client(config, bounded)?),
            reader: Arc::new(Self::client(config, streaming)?),
            prefix: config.prefix.clone(),
            small_files: small_file_cache(),
        };
        bucket
            .store
            .list_with_delimiter(Some(&bucket.files_root()))
            .await
            .map_err(|e| anyhow::anyhow!("could not list the bucket {}: {e}", config.describe()))?;
        Ok(bucket)
    }

    fn client(config: &BucketConfig, options: ClientOptions) -> anyhow::Result<impl ObjectStore> {
        // The usual `AWS_*` variables (credentials, session token); the flags win.
        let mut builder = AmazonS3Builder::from_env()
            .with_bucket_name(&config.bucket)
            .with_region(&config.region)
            .with_retry(RetryConfig {
                backoff: BackoffConfig::default(),
                max_retries: 3,
                retry_timeout: Duration::from_secs(20),
            })
            .with_client_options(options);
        if let Some(endpoint) = &config.endpoint {
            // A local server (MinIO, moto, LocalStack) answers path-style requests, often
            // over plain HTTP.
            builder = builder
                .with_endpoint(endpoint)
                .with_allow_http(endpoint.starts_with("http://"))
                .with_virtual_hosted_style_request(false);
        }
        Ok(builder.build()?)
    }

    /// Claims the prefix for the data dir `owner` names: a prefix holds the files of one
    /// database, and another mock's orphan sweep would remove every file its own
    /// database does not name. Fails when another data dir claimed it.
    pub async fn claim(&self, owner: &str, describe: &str) -> anyhow::Result<()> {
        let claim = self.path(&[OWNER_OBJECT]);
        match self.store.get(&claim).await {
            Ok(found) => {
                let holder = found.bytes().await?;
                anyhow::ensure!(
                    holder.as_ref() == owner.as_bytes(),
                    "{describe} holds the files of another data dir (its {OWNER_OBJECT} object                      says {:?}, this data dir is {owner:?}): give each mock a prefix of its own,                      or remove that object if the other mock and its data dir are gone",
                    String::from_utf8_lossy(&holder)
                );
                Ok(())
            }
            Err(object_store::Error::NotFound { .. }) => {
                self.store
                    .put(&claim, PutPayload::from(owner.as_bytes().to_vec()))
                    .await?;
                Ok(())
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Removes every stored file under the prefix, and its claim (an ephemeral mock
    /// leaves nothing behind).
    pub async fn remove_everything(&self) -> io::Result<()> {
        for api_key in self.stack_folders().await? {
            self.remove_stack(&api_key).await?;
        }
        match self.store.delete(&self.path(&[OWNER_OBJECT])).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(io_error(e)),
        }
    }

    fn path(&self, parts: &[&str]) -> ObjectPath {
        let prefix = self.prefix.split('/').filter(|p| !p.is_empty());
        ObjectPath::from_iter(prefix.chain(parts.iter().copied()))
    }

    fn files_root(&self) -> ObjectPath {
        self.path(&["files"])
    }

    fn stack_root(&self, api_key: &str) -> ObjectPath {
        self.path(&["files", api_key])
    }

    /// The object of a stored file: sharded like the files on disk.
    fn file(&self, api_key: &str, storage_key: &str) -> ObjectPath {
        let shard = storage_key.get(..2).unwrap_or("00");
        self.path(&["files", api_key, shard, storage_key])
    }

    /// Stores a whole file in one request.
    pub async fn put(
        &self,
        api_key: &str,
        storage_key: &str,
        chunks: Vec<Bytes>,
    ) -> io::Result<()> {
        self.store
            .put(
                &self.file(api_key, storage_key),
                PutPayload::from_iter(chunks),
            )
            .await
            .map(|_| ())
            .map_err(io_error)
    }

    /// Starts a multipart upload of a stored file: visible only once finished.
    pub async fn start_upload(&self, api_key: &str, storage_key: &str) -> io::Result<Upload> {
        let upload = self
            .store
            .put_multipart(&self.file(api_key, storage_key))
            .await
            .map_err(io_error)?;
        Ok(Upload {
            parts: Some(upload),
            filling: Vec::new(),
            filled: 0,
            sending: JoinSet::new(),
        })
    }

    /// `length` bytes from `start` of a stored file of `file_size` bytes, in one piece. A
    /// small file is read whole once and then served from memory.
    pub async fn read(
        &self,
        api_key: &str,
        storage_key: &str,
        file_size: u64,
        start: u64,
        length: u64,
    ) -> io::Result<Bytes> {
        if length == 0 {
            // Still a 404 for a file that is gone, as on disk.
            return self
                .must_exist(api_key, storage_key)
                .await
                .map(|()| Bytes::new());
        }
        let path = self.file(api_key, storage_key);
        if file_size > CACHED_FILE_BYTES {
            return self
                .store
                .get_range(&path, start..start + length)
                .await
                .map_err(io_error);
        }
        let whole = match self.small_files.get(storage_key) {
            Some(whole) => whole,
            None => {
                let whole = self
                    .store
                    .get(&path)
                    .await
                    .map_err(io_error)?
                    .bytes()
                    .await
                    .map_err(io_error)?;
                self.small_files
                    .insert(storage_key.to_owned(), whole.clone());
                whole
            }
        };
        let end = start + length;
        if end > whole.len() as u64 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the stored file is shorter than its row says",
            ));
        }
        Ok(whole.slice(start as usize..end as usize))
    }

    async fn must_exist(&self, api_key: &str, storage_key: &str) -> io::Result<()> {
        if self.exists(api_key, storage_key).await? {
            Ok(())
        } else {
            Err(io::Error::new(
                io::ErrorKind::NotFound,
                "no such stored file",
            ))
        }
    }

    /// `length` bytes of a stored file from `start`, as they arrive.
    pub async fn stream(
        &self,
        api_key: &str,
        storage_key: &str,
        start: u64,
        length: u64,
    ) -> io::Result<BoxStream<'static, io::Result<Bytes>>> {
        if length == 0 {
            self.must_exist(api_key, storage_key).await?;
            return Ok(futures_util::stream::empty().boxed());
        }
        self.get(
            api_key,
            storage_key,
            Some(GetRange::Bounded(start..start + length)),
        )
        .await
    }

    /// A whole stored file, as it arrives.
    pub async fn stream_whole(
        &self,
        api_key: &str,
        storage_key: &str,
    ) -> io::Result<BoxStream<'static, io::Result<Bytes>>> {
        self.get(api_key, storage_key, None).await
    }

    async fn get(
        &self,
        api_key: &str,
        storage_key: &str,
        range: Option<GetRange>,
    ) -> io::Result<BoxStream<'static, io::Result<Bytes>>> {
        let options = GetOptions {
            range,
            ..GetOptions::default()
        };
        let path = self.file(api_key, storage_key);
        let asked = self.reader.get_opts(&path, options);
        let got = tokio::time::timeout(REQUEST_TIMEOUT, asked)
            .await
            .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "the bucket did not answer"))?
            .map_err(io_error)?;
        Ok(got.into_stream().map_err(io_error).boxed())
    }

    /// Removes stored files; ones already gone are not an error.
    pub async fn remove_many(&self, api_key: &str, storage_keys: &[String]) -> io::Result<()> {
        for key in storage_keys {
            self.small_files.remove(key.as_str());
        }
        let paths: Vec<object_store::Result<ObjectPath>> = storage_keys
            .iter()
            .map(|key| Ok(self.file(api_key, key)))
            .collect();
        let mut removed = self
            .store
            .delete_stream(futures_util::stream::iter(paths).boxed());
        while let Some(result) = removed.next().await {
            match result {
                Ok(_) | Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(io_error(e)),
            }
        }
        Ok(())
    }

    /// The api keys that have stored files.
    pub async fn stack_folders(&self) -> io::Result<Vec<String>> {
        let listed = self
            .store
            .list_with_delimiter(Some(&self.files_root()))
            .await
            .map_err(io_error)?;
        Ok(listed
            .common_prefixes
            .iter()
            .filter_map(|p| p.filename().map(str::to_owned))
            .collect())
    }

    /// Every stored file of a stack as (storage key, last modified).
    pub async fn stack_files(
        &self,
        api_key: &str,
    ) -> io::Result<Vec<(String, std::time::SystemTime)>> {
        let root = self.stack_root(api_key);
        let mut listed = self.store.list(Some(&root));
        let mut files = Vec::new();
        while let Some(meta) = listed.next().await {
            let meta = meta.map_err(io_error)?;
            if let Some(name) = meta.location.filename() {
                files.push((name.to_owned(), meta.last_modified.into()));
            }
        }
        Ok(files)
    }

    /// Removes every stored file of a stack.
    pub async fn remove_stack(&self, api_key: &str) -> io::Result<()> {
        let root = self.stack_root(api_key);
        let listed = self.store.list(Some(&root)).map_ok(|meta| meta.location);
        let mut removed = self.store.delete_stream(listed.boxed());
        while let Some(result) = removed.next().await {
            match result {
                Ok(_) | Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(io_error(e)),
            }
        }
        Ok(())
    }

    /// The bucket's time now: the date it gives a marker object written and removed
    /// again (the orphan sweep compares the bucket's own dates with it, so a clock
    /// skew between this machine and the bucket cannot make it remove a new upload).
    pub async fn now(&self) -> io::Result<std::time::SystemTime> {
        let marker = self.path(&["clock", &uuid::Uuid::new_v4().simple().to_string()]);
        self.store
            .put(&marker, PutPayload::new())
            .await
            .map_err(io_error)?;
        let dated = self.store.head(&marker).await.map_err(io_error);
        let removed = self.store.delete(&marker).await.map_err(io_error);
        let meta = dated?;
        removed?;
        Ok(meta.last_modified.into())
    }

    /// Whether a stored file is there.
    pub async fn exists(&self, api_key: &str, storage_key: &str) -> io::Result<bool> {
        match self.store.head(&self.file(api_key, storage_key)).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(io_error(e)),
        }
    }
}

/// A multipart upload in progress: parts of [`PART_BYTES`] go out as the bytes arrive.
/// Until [`Upload::finish`] completes it, dropping it (a failed body, a request given
/// up) aborts it, so no parts are left behind.
pub struct Upload {
    /// `None` once completed or aborted.
    parts: Option<Box<dyn MultipartUpload>>,
    /// The next part's bytes, and how many.
    filling: Vec<Bytes>,
    filled: usize,
    sending: JoinSet<object_store::Result<()>>,
}

impl Upload {
    /// Adds bytes (kept as they came, not copied); a full part is sent once the one
    /// before it is through.
    pub async fn write(&mut self, mut chunk: Bytes) -> io::Result<()> {
        while !chunk.is_empty() {
            let room = PART_BYTES - self.filled;
            let now = if chunk.len() > room {
                chunk.split_to(room)
            } else {
                std::mem::take(&mut chunk)
            };
            self.filled += now.len();
            self.filling.push(now);
            if self.filled == PART_BYTES {
                self.send_part().await?;
            }
        }
        Ok(())
    }

    async fn send_part(&mut self) -> io::Result<()> {
        while self.sending.len() >= PARTS_IN_FLIGHT {
            self.next_sent().await?;
        }
        let part = PutPayload::from_iter(std::mem::take(&mut self.filling));
        self.filled = 0;
        let parts = self
            .parts
            .as_mut()
            .ok_or_else(|| io::Error::other("a finished upload was written to"))?;
        self.sending.spawn(parts.put_part(part));
        Ok(())
    }

    async fn next_sent(&mut self) -> io::Result<()> {
        match self.sending.join_next().await {
            None | Some(Ok(Ok(()))) => Ok(()),
            Some(Ok(Err(e))) => Err(io_error(e)),
            Some(Err(e)) => Err(io::Error::other(e)),
        }
    }

    /// Sends the last part and completes the upload: the object appears whole.
    pub async fn finish(mut self) -> io::Result<()> {
        // S3 wants one part at least, even an empty one.
        if self.filled > 0 || self.sending.is_empty() {
            self.send_part().await?;
        }
        while !self.sending.is_empty() {
            self.next_sent().await?;
        }
        let mut parts = self
            .parts
            .take()
            .ok_or_else(|| io::Error::other("an upload was finished twice"))?;
        match parts.complete().await {
            Ok(_) => Ok(()),
            Err(e) => {
                let _ = parts.abort().await;
                Err(io_error(e))
            }
        }
    }
}

impl Drop for Upload {
    fn drop(&mut self) {
        let Some(mut parts) = self.parts.take() else {
            return;
        };
        self.sending.abort_all();
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                if let Err(e) = parts.abort().await {
                    // The bucket's lifecycle rule for unfinished uploads removes the parts.
                    tracing::warn!(error = %e, "could not abort a multipart upload");
                }
            });
        }
    }
}

/// An object store error as an I/O error (a missing object is `NotFound`).
fn io_error(e: object_store::Error) -> io::Error {
    match e {
        object_store::Error::NotFound { .. } => io::Error::new(io::ErrorKind::NotFound, e),
        other => io::Error::other(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(url: &str) -> Result<BucketConfig, String> {
        BucketConfig::parse(url, None, "us-east-1".into())
    }

    #[test]
    fn an_address_names_a_bucket_and_an_optional_prefix() {
        let config = parse("s3://team-assets").unwrap();
        assert_eq!(
            (config.bucket.as_str(), config.prefix.as_str()),
            ("team-assets", "")
        );
        let config = parse("s3://team-assets/mock/ci/").unwrap();
        assert_eq!(config.prefix, "mock/ci");
        assert_eq!(config.describe(), "s3://team-assets/mock/ci");
    }

    #[test]
    fn a_bad_address_is_refused_with_the_reason() {
        for url in [
            "file:/tmp",
            "s3://",
            "s3://ab",
            "s3://Upper",
            "s3://ok-bucket/../escape",
            "s3://ok-bucket/a//b/c%2f",
            "s3://ok-bucket/with space",
        ] {
            assert!(parse(url).is_err(), "{url} was accepted");
        }
    }

    fn in_memory() -> Bucket {
        let memory = Arc::new(object_store::memory::InMemory::new());
        Bucket {
            store: memory.clone(),
            reader: memory,
            prefix: "p".into(),
            small_files: small_file_cache(),
        }
    }

    async fn read_whole(bucket: &Bucket, key: &str) -> Vec<u8> {
        let mut body = bucket.stream_whole("blt1", key).await.unwrap();
        let mut bytes = Vec::new();
        while let Some(chunk) = body.next().await {
            bytes.extend_from_slice(&chunk.unwrap());
        }
        bytes
    }

    #[tokio::test]
    async fn a_multipart_upload_appears_whole_and_only_once_finished() {
        let bucket = in_memory();
        let mut upload = bucket.start_upload("blt1", "aabb").await.unwrap();
        let mut sent = Vec::new();
        for n in 0..12u8 {
            let chunk = vec![n; 1024 * 1024 + 17];
            upload.write(Bytes::from(chunk.clone())).await.unwrap();
            sent.extend_from_slice(&chunk);
        }
        assert!(!bucket.exists("blt1", "aabb").await.unwrap());
        upload.finish().await.unwrap();
        assert_eq!(read_whole(&bucket, "aabb").await, sent);
        let size = sent.len() as u64;
        let middle = bucket
            .read("blt1", "aabb", size, 5_000_000, 1000)
            .await
            .unwrap();
        assert_eq!(middle.as_ref(), &sent[5_000_000..5_001_000]);
    }

    #[tokio::test]
    async fn an_empty_upload_is_an_empty_object_and_a_dropped_one_is_none() {
        let bucket = in_memory();
        bucket
            .start_upload("blt1", "ee00")
            .await
            .unwrap()
            .finish()
            .await
            .unwrap();
        assert!(read_whole(&bucket, "ee00").await.is_empty());
        assert!(
            bucket
                .read("blt1", "ee00", 0, 0, 0)
                .await
                .unwrap()
                .is_empty()
        );

        let mut dropped = bucket.start_upload("blt1", "dd00").await.unwrap();
        dropped
            .write(Bytes::from(vec![1; PART_BYTES + 1]))
            .await
            .unwrap();
        drop(dropped);
        tokio::task::yield_now().await;
        assert!(!bucket.exists("blt1", "dd00").await.unwrap());
        let gone = bucket.read("blt1", "dd00", 0, 0, 0).await.unwrap_err();
        assert_eq!(gone.kind(), io::ErrorKind::NotFound);
    }

    #[tokio::test]
    async fn a_prefix_serves_the_data_dir_that_claimed_it_and_refuses_others() {
        let bucket = in_memory();
        bucket.claim("dir-one", "s3://b/p").await.unwrap();
        bucket.claim("dir-one", "s3://b/p").await.unwrap();
        let refused = bucket.claim("dir-two", "s3://b/p").await.unwrap_err();
        assert!(
            refused.to_string().contains("another data dir"),
            "{refused}"
        );
        bucket.remove_everything().await.unwrap();
        bucket.claim("dir-two", "s3://b/p").await.unwrap();
    }

    #[tokio::test]
    async fn a_small_file_is_read_once_and_forgotten_when_removed() {
        let bucket = in_memory();
        let bytes = Bytes::from_static(b"a small stored file");
        bucket
            .put("blt1", "cc00", vec![bytes.clone()])
            .await
            .unwrap();
        let size = bytes.len() as u64;
        let part = bucket.read("blt1", "cc00", size, 2, 5).await.unwrap();
        assert_eq!(part.as_ref(), b"small");
        // Served from memory now, even with the object gone behind the store's back ...
        bucket
            .store
            .delete(&bucket.file("blt1", "cc00"))
            .await
            .unwrap();
        let whole = bucket.read("blt1", "cc00", size, 0, size).await.unwrap();
        assert_eq!(whole, bytes);
        // ... and no longer once the store removed it.
        bucket.remove_many("blt1", &["cc00".into()]).await.unwrap();
        let gone = bucket
            .read("blt1", "cc00", size, 0, size)
            .await
            .unwrap_err();
        assert_eq!(gone.kind(), io::ErrorKind::NotFound);
    }

    #[test]
    fn objects_are_named_like_the_files_on_disk() {
        let memory = Arc::new(object_store::memory::InMemory::new());
        let bucket = Bucket {
            store: memory.clone(),
            reader: memory,
            prefix: "mock/ci".into(),
            small_files: small_file_cache(),
        };
        assert_eq!(
            bucket.file("blt1", "abcdef").as_ref(),
            "mock/ci/files/blt1/ab/abcdef"
        );
        let memory = Arc::new(object_store::memory::InMemory::new());
        let bare = Bucket {
            store: memory.clone(),
            reader: memory,
            prefix: String::new(),
            small_files: small_file_cache(),
        };
        assert_eq!(bare.file("blt1", "abcdef").as_ref(), "files/blt1/ab/abcdef");
    }
}
