//! The Image Delivery API on asset file URLs: decides what a URL with transform
//! parameters answers (the file as it is, a cached variant, a new one, or a refusal),
//! runs transforms off the async threads (a bounded number at a time, within a memory
//! budget), does each uncached variant once however many requests ask for it at the same
//! time, and keeps the results in the variant cache.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use futures_util::FutureExt;
use futures_util::future::{BoxFuture, Shared};
use sha2::{Digest, Sha256};
use tokio::io::AsyncSeekExt;
use tokio::sync::Semaphore;

use crate::db;
use crate::db::assets::AssetFileRow;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::storage::variants::{CachedVariant, InputInfo, VariantCache, VariantMeta};
use contentstack_mock_images::encode::OutputFormat;
use contentstack_mock_images::params::{Parsed, Transform};
use contentstack_mock_images::render::{self, Accepts, Failure, Outcome};

/// Largest source file transformed (Contentstack's limit: 50 MB).
pub const MAX_INPUT_BYTES: u64 = 50 * 1024 * 1024;

/// Variants up to this size are read in one go; larger ones are streamed.
const SMALL_VARIANT_BYTES: u64 = 256 * 1024;

/// Bumped when the output of the same parameters changes, so old variants are not used.
const VARIANT_VERSION: &str = "1";

/// How image work is bounded (set by flags).
#[derive(Debug, Clone, Copy)]
pub struct ImageLimits {
    /// Total size of the variant cache on disk.
    pub cache_bytes: u64,
    /// Most memory the transforms running at once may hold (decoded pixels and buffers).
    pub memory_bytes: u64,
    /// Most transforms running at once.
    pub workers: usize,
}

type Pending = Shared<BoxFuture<'static, Result<Arc<Fresh>, RenderError>>>;

/// The image service: the cache, the bounds, and the transforms in flight.
pub struct ImageService {
    cache: VariantCache,
    workers: Semaphore,
    memory: Semaphore,
    memory_kib: u64,
    in_flight: Mutex<HashMap<String, (u64, Pending)>>,
    next_id: AtomicU64,
}

impl std::fmt::Debug for ImageService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImageService")
            .field("cache", &self.cache)
            .field("memory_kib", &self.memory_kib)
            .finish_non_exhaustive()
    }
}

/// What a finished transform produced.
#[derive(Debug)]
struct Fresh {
    meta: VariantMeta,
    body: Bytes,
    /// A request that cannot be honoured (400), with Fastly's words.
    refused: Option<String>,
}

#[derive(Debug, Clone, thiserror::Error)]
enum RenderError {
    /// The stored file went away (purged) while it was being read.
    #[error("the stored file is gone")]
    Gone,
    #[error("{0}")]
    Internal(String),
}

/// The Fastly headers of an image answer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IoHeaders {
    /// `Fastly-IO-Info`: input and output size, dimensions and format.
    pub info: Option<String>,
    /// `Fastly-IO-Warning`: what was adjusted or dropped.
    pub warning: Option<String>,
    /// `Fastly-IO-Error`: why the source was served untransformed.
    pub error: Option<String>,
    /// The answer depends on the `Accept` header.
    pub vary_accept: bool,
}

/// The bytes of a variant.
#[derive(Debug)]
pub enum VariantBody {
    Memory(Bytes),
    /// An open variant file, its image bytes starting at `offset`.
    File {
        file: tokio::fs::File,
        offset: u64,
        len: u64,
    },
}

/// What an image URL answers.
#[derive(Debug)]
pub enum Delivery {
    /// The stored file as it is (with these headers).
    Original { io: IoHeaders },
    /// The client already has this variant.
    NotModified { etag: String, io: IoHeaders },
    /// A transformed image.
    Variant {
        etag: String,
        content_type: String,
        body: VariantBody,
        io: IoHeaders,
    },
    /// A transform that cannot be done (400, Fastly's message as the body).
    Refused { message: String, io: IoHeaders },
}

impl ImageService {
    /// Opens the variant cache of a data dir.
    pub async fn open(
        data_dir: &std::path::Path,
        limits: ImageLimits,
    ) -> std::io::Result<ImageService> {
        let memory_kib = limits.memory_bytes.div_ceil(1024).max(1);
        Ok(ImageService {
            cache: VariantCache::open(data_dir, limits.cache_bytes).await?,
            workers: Semaphore::new(limits.workers.max(1)),
            memory: Semaphore::new(
                usize::try_from(memory_kib)
                    .unwrap_or(Semaphore::MAX_PERMITS)
                    .min(Semaphore::MAX_PERMITS),
            ),
            memory_kib,
            in_flight: Mutex::default(),
            next_id: AtomicU64::new(0),
        })
    }

    /// The variant cache.
    pub fn cache(&self) -> &VariantCache {
        &self.cache
    }

    fn in_flight(&self) -> std::sync::MutexGuard<'_, HashMap<String, (u64, Pending)>> {
        self.in_flight.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The Fastly headers for a variant's metadata (whose output is `output_size` bytes),
/// with the request's own warnings first.
fn io_headers(
    meta: &VariantMeta,
    request_warnings: &[String],
    vary_accept: bool,
    output_size: u64,
) -> IoHeaders {
    let info = meta.input.as_ref().map(|input| {
        format!(
            "ifsz={} idim={}x{} ifmt={} ofsz={output_size} odim={}x{} ofmt={}",
            input.size,
            input.width,
            input.height,
            input.format,
            meta.width,
            meta.height,
            meta.format,
        )
    });
    let warnings: Vec<&str> = request_warnings
        .iter()
        .chain(&meta.warnings)
        .map(String::as_str)
        .collect();
    IoHeaders {
        info,
        warning: (!warnings.is_empty()).then(|| warnings.join("; ")),
        error: meta.error.clone(),
        vary_accept,
    }
}

/// Only what the transform's output depends on: the stored file, the parameters, the
/// formats the client takes (when negotiated) and the overlay's file.
fn variant_key(
    file: &AssetFileRow,
    transform: &Transform,
    accepts: Accepts,
    overlay: Option<&AssetFileRow>,
) -> String {
    let mut hasher = Sha256::new();
    hasher.update(VARIANT_VERSION);
    hasher.update(b"\n");
    hasher.update(&file.storage_key);
    hasher.update(b"\n");
    hasher.update(transform.canonical());
    if transform.negotiates_format() {
        hasher.update(format!(
            "\naccept webp={} avif={}",
            accepts.webp, accepts.avif
        ));
    }
    if let Some(overlay) = overlay {
        hasher.update(b"\noverlay ");
        hasher.update(&overlay.storage_key);
    }
    format!("{:x}", hasher.finalize())
}

/// Answers an image URL of stack `api_key` whose query asked for image work.
/// `etag_matches` says whether the client's `If-None-Match` holds a given ETag.
pub async fn deliver(
    state: &AppState,
    api_key: &str,
    file: &AssetFileRow,
    parsed: &Parsed,
    accepts: Accepts,
    etag_matches: impl Fn(&str) -> bool,
) -> ApiResult<Delivery> {
    let transform = &parsed.transform;
    let vary_accept = transform.negotiates_format();
    // A file that is not an image is served as it is.
    if !file.content_type.starts_with("image/") {
        return Ok(Delivery::Original {
            io: IoHeaders::default(),
        });
    }
    if file.file_size as u64 > MAX_INPUT_BYTES {
        return Ok(Delivery::Original {
            io: IoHeaders {
                error: Some("Image exceeds maximum file size".to_owned()),
                vary_accept,
                ..IoHeaders::default()
            },
        });
    }
    let overlay = match &transform.overlay {
        // Only an asset of the same stack may be laid over.
        Some(spec) if spec.path.api_key == api_key => db::assets::live_file(
            state.db.reader(),
            api_key,
            &spec.path.asset_uid,
            &spec.path.version_uid,
        )
        .await?
        .filter(|f| f.filename == spec.path.filename && f.file_size as u64 <= MAX_INPUT_BYTES),
        _ => None,
    };
    let key = variant_key(file, transform, accepts, overlay.as_ref());
    let etag = format!("\"{key}\"");
    let service = &state.images;

    if let Some(cached) = service.cache.get(&key) {
        let output_size = if cached.meta.original {
            file.file_size as u64
        } else {
            cached.body_len
        };
        let io = io_headers(&cached.meta, &parsed.warnings, vary_accept, output_size);
        if cached.meta.original {
            return Ok(Delivery::Original { io });
        }
        if etag_matches(&etag) {
            return Ok(Delivery::NotModified { etag, io });
        }
        match open_variant(&cached).await {
            Ok(body) => {
                return Ok(Delivery::Variant {
                    etag,
                    content_type: cached.meta.content_type.clone(),
                    body,
                    io,
                });
            }
            // Evicted between the lookup and the read: made again below.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => service.cache.forget(&key),
            Err(e) => {
                return Err(ApiError::Internal(
                    anyhow::Error::new(e).context("reading a cached image"),
                ));
            }
        }
    }
    let fresh = render_once(
        state,
        api_key,
        file,
        overlay.as_ref(),
        transform,
        accepts,
        &key,
    )
    .await
    .map_err(|e| match e {
        RenderError::Gone => ApiError::AssetNotFoundHere,
        RenderError::Internal(message) => {
            ApiError::Internal(anyhow::anyhow!("transforming an image: {message}"))
        }
    })?;
    let output_size = if fresh.meta.original {
        file.file_size as u64
    } else {
        fresh.body.len() as u64
    };
    let io = io_headers(&fresh.meta, &parsed.warnings, vary_accept, output_size);
    if let Some(message) = &fresh.refused {
        return Ok(Delivery::Refused {
            message: message.clone(),
            io,
        });
    }
    if fresh.meta.original {
        return Ok(Delivery::Original { io });
    }
    if etag_matches(&etag) {
        return Ok(Delivery::NotModified { etag, io });
    }
    Ok(Delivery::Variant {
        etag,
        content_type: fresh.meta.content_type.clone(),
        body: VariantBody::Memory(fresh.body.clone()),
        io,
    })
}

/// A cached variant's bytes: small ones read in one blocking call, larger ones opened to
/// stream.
async fn open_variant(cached: &CachedVariant) -> std::io::Result<VariantBody> {
    let (path, offset, len) = (cached.path.clone(), cached.body_offset, cached.body_len);
    if len <= SMALL_VARIANT_BYTES {
        let bytes = tokio::task::spawn_blocking(move || {
            use std::io::{Read, Seek};
            let mut file = std::fs::File::open(&path)?;
            file.seek(std::io::SeekFrom::Start(offset))?;
            let mut bytes = Vec::with_capacity(len as usize);
            file.take(len).read_to_end(&mut bytes)?;
            if bytes.len() as u64 != len {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "a variant cut short",
                ));
            }
            Ok(bytes)
        })
        .await
        .map_err(std::io::Error::other)??;
        return Ok(VariantBody::Memory(Bytes::from(bytes)));
    }
    let mut file = tokio::fs::File::open(&path).await?;
    file.seek(std::io::SeekFrom::Start(offset)).await?;
    Ok(VariantBody::File { file, offset, len })
}

/// Makes variant `key`, once for all the requests that ask for it at the same time. The
/// work runs in its own task: a client that goes away does not cancel it.
async fn render_once(
    state: &AppState,
    api_key: &str,
    file: &AssetFileRow,
    overlay: Option<&AssetFileRow>,
    transform: &Transform,
    accepts: Accepts,
    key: &str,
) -> Result<Arc<Fresh>, RenderError> {
    let service = &state.images;
    let (id, pending) = {
        let mut in_flight = service.in_flight();
        match in_flight.get(key) {
            Some((id, pending)) => (*id, pending.clone()),
            None => {
                let id = service.next_id.fetch_add(1, Ordering::Relaxed);
                let task = tokio::spawn(render(
                    state.clone(),
                    api_key.to_owned(),
                    file.clone(),
                    overlay.cloned(),
                    transform.clone(),
                    accepts,
                    key.to_owned(),
                ));
                let pending = async move {
                    task.await.map_err(|e| {
                        RenderError::Internal(format!("the transform task failed: {e}"))
                    })?
                }
                .boxed()
                .shared();
                in_flight.insert(key.to_owned(), (id, pending.clone()));
                (id, pending)
            }
        }
    };
    let result = pending.await;
    let mut in_flight = service.in_flight();
    if in_flight
        .get(key)
        .is_some_and(|(current, _)| *current == id)
    {
        in_flight.remove(key);
    }
    result
}

/// Reads the source (and overlay), plans, and when there is work to do waits for memory,
/// runs it and keeps the result.
async fn render(
    state: AppState,
    api_key: String,
    file: AssetFileRow,
    overlay: Option<AssetFileRow>,
    transform: Transform,
    accepts: Accepts,
    key: String,
) -> Result<Arc<Fresh>, RenderError> {
    let service = state.images.clone();
    let _worker = service
        .workers
        .acquire()
        .await
        .map_err(|e| RenderError::Internal(e.to_string()))?;
    let (storage, stack_key) = (state.storage.clone(), api_key.clone());
    let source_key = file.storage_key.clone();
    let overlay_key = overlay.as_ref().map(|o| o.storage_key.clone());
    let planned_transform = transform.clone();
    let (source, overlay_bytes, prepared) = blocking(move || {
        let read = |key: &str| -> std::io::Result<Vec<u8>> {
            let mut bytes = Vec::new();
            std::io::Read::read_to_end(&mut storage.open_blocking(&stack_key, key)?, &mut bytes)?;
            Ok(bytes)
        };
        let source = match read(&source_key) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(RenderError::Gone),
            Err(e) => return Err(RenderError::Internal(format!("reading the source: {e}"))),
        };
        // An overlay that cannot be read is left out (with a warning), not an error.
        let overlay = overlay_key.and_then(|key| read(&key).ok());
        let prepared = render::prepare(
            &source,
            &planned_transform,
            accepts,
            overlay.as_deref(),
            Vec::new(),
        );
        Ok((source, overlay, prepared))
    })
    .await?;

    let prepared = match prepared {
        Ok(prepared) => prepared,
        Err(Failure::Source(error)) => {
            let meta = VariantMeta {
                original: true,
                content_type: file.content_type.clone(),
                format: String::new(),
                width: 0,
                height: 0,
                input: None,
                warnings: Vec::new(),
                error: Some(error.to_string()),
            };
            return keep(
                &service,
                &api_key,
                &file.storage_key,
                &key,
                meta,
                Bytes::new(),
            )
            .await;
        }
        Err(Failure::Invalid(error)) => {
            return Ok(Arc::new(Fresh {
                meta: VariantMeta {
                    original: false,
                    content_type: "text/plain; charset=utf-8".to_owned(),
                    format: String::new(),
                    width: 0,
                    height: 0,
                    input: None,
                    warnings: Vec::new(),
                    error: Some(error.to_string()),
                },
                body: Bytes::new(),
                refused: Some(error.to_string()),
            }));
        }
        Err(Failure::Encode(error)) => return Err(RenderError::Internal(error.to_string())),
    };
    let input = InputInfo {
        size: prepared.input.file_size,
        width: prepared.input.probe.width,
        height: prepared.input.probe.height,
        format: prepared.input.probe.format.name().to_owned(),
    };
    let original_meta = |warnings: Vec<String>, error: Option<String>| VariantMeta {
        original: true,
        content_type: file.content_type.clone(),
        format: input.format.clone(),
        width: input.width,
        height: input.height,
        input: Some(input.clone()),
        warnings,
        error,
    };
    if prepared.is_original() {
        let meta = original_meta(prepared.warnings, None);
        return keep(
            &service,
            &api_key,
            &file.storage_key,
            &key,
            meta,
            Bytes::new(),
        )
        .await;
    }

    let needed = prepared.memory_bytes()
        + source.len() as u64
        + overlay_bytes.as_ref().map_or(0, |o| o.len() as u64);
    let needed_kib = needed.div_ceil(1024);
    if needed_kib > service.memory_kib {
        // Not kept: a larger budget after a restart may allow it.
        return Ok(Arc::new(Fresh {
            meta: original_meta(
                prepared.warnings,
                Some(format!(
                    "Image needs {} MiB to transform, more than this server allows (--image-memory-bytes)",
                    needed.div_ceil(1 << 20)
                )),
            ),
            body: Bytes::new(),
            refused: None,
        }));
    }
    let _memory = service
        .memory
        .acquire_many(u32::try_from(needed_kib).unwrap_or(u32::MAX))
        .await
        .map_err(|e| RenderError::Internal(e.to_string()))?;
    let warnings = prepared.warnings.clone();
    let started = std::time::Instant::now();
    let outcome = blocking(move || Ok(prepared.run(&source, overlay_bytes.as_deref()))).await?;
    tracing::debug!(
        ms = started.elapsed().as_secs_f64() * 1000.0,
        memory_kib = needed_kib,
        "transformed an image"
    );
    match outcome {
        Ok(Outcome::Original) => {
            let meta = original_meta(warnings, None);
            keep(
                &service,
                &api_key,
                &file.storage_key,
                &key,
                meta,
                Bytes::new(),
            )
            .await
        }
        Ok(Outcome::Encoded {
            bytes,
            format,
            width,
            height,
        }) => {
            let meta = VariantMeta {
                original: false,
                content_type: format.content_type().to_owned(),
                format: info_format_name(format).to_owned(),
                width,
                height,
                input: Some(input),
                warnings,
                error: None,
            };
            keep(
                &service,
                &api_key,
                &file.storage_key,
                &key,
                meta,
                Bytes::from(bytes),
            )
            .await
        }
        Err(Failure::Source(error)) => {
            let meta = original_meta(warnings, Some(error.to_string()));
            keep(
                &service,
                &api_key,
                &file.storage_key,
                &key,
                meta,
                Bytes::new(),
            )
            .await
        }
        Err(Failure::Invalid(error)) => Err(RenderError::Internal(error.to_string())),
        Err(Failure::Encode(error)) => Err(RenderError::Internal(error.to_string())),
    }
}

/// `ofmt` as Fastly names it (progressive JPEG is still `jpeg`).
fn info_format_name(format: OutputFormat) -> &'static str {
    match format {
        OutputFormat::Jpeg { .. } => "jpeg",
        other => other.name(),
    }
}

/// Keeps a result in the cache (a failure to is logged: the answer is still good).
async fn keep(
    service: &Arc<ImageService>,
    api_key: &str,
    storage_key: &str,
    key: &str,
    meta: VariantMeta,
    body: Bytes,
) -> Result<Arc<Fresh>, RenderError> {
    let fresh = Arc::new(Fresh {
        meta,
        body,
        refused: None,
    });
    let (service, api_key, storage_key, key, kept) = (
        service.clone(),
        api_key.to_owned(),
        storage_key.to_owned(),
        key.to_owned(),
        fresh.clone(),
    );
    let stored = blocking(move || {
        Ok(service
            .cache
            .put(&api_key, &storage_key, &key, &kept.meta, &kept.body))
    })
    .await?;
    if let Err(e) = stored {
        tracing::warn!(error = %e, "could not keep a transformed image in the cache");
    }
    Ok(fresh)
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, RenderError> + Send + 'static,
) -> Result<T, RenderError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| RenderError::Internal(format!("the transform task failed: {e}")))?
}

/// Removes the variants of stored files purged for good.
pub async fn forget_sources(
    state: &AppState,
    api_key: &str,
    storage_keys: &[String],
) -> std::io::Result<()> {
    state
        .images
        .cache
        .forget_sources(api_key, storage_keys)
        .await
}

/// Removes every variant of a stack.
pub async fn forget_stack(state: &AppState, api_key: &str) -> std::io::Result<()> {
    state.images.cache.forget_stack(api_key).await
}
