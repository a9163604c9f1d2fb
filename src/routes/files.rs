//! The asset file URLs: `GET /v3/assets/{api_key}/{asset_uid}/{version_uid}/{filename}`
//! serves the stored bytes with their content type, length, ETag and Range support, or,
//! when the query asks the Image Delivery API for a transform, the transformed image
//! (with the same ETag, 304 and Range handling). No credential is needed, as on
//! Contentstack's public file hosts.
//!
//! Nothing served here runs on the mock's origin: every answer carries a CSP `sandbox`
//! (an opaque origin, no script) and `default-src 'none'`, and HTML, SVG and XML files
//! are downloads unless `--inline-active-files` says otherwise.

use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use headers::{ETag, HeaderMapExt, IfNoneMatch};
use http_range_header::RangeUnsatisfiableError;
use tokio::io::{AsyncReadExt, AsyncSeekExt};
use tokio_util::io::ReaderStream;

use bytes::Bytes;

use crate::db::assets::AssetFileRow;
use crate::domain::assets;
use crate::domain::images::{Delivery, IoHeaders, VariantBody, deliver};
use crate::error::{ApiError, ApiResult};
use crate::routes::extract::ApiPath;
use crate::state::AppState;
use crate::storage::{FileBody, Storage};
use contentstack_mock_images::params;
use contentstack_mock_images::render::Accepts;

fn not_found() -> ApiError {
    ApiError::AssetNotFoundHere
}

/// `GET` (and `HEAD`) of a file URL.
pub async fn download_file(
    State(state): State<AppState>,
    // The first segment is the stack's api key; it shares its position in the route
    // table with the asset uid of `/v3/assets/{uid}/...`.
    ApiPath((api_key, asset_uid, version_uid, filename)): ApiPath<(String, String, String, String)>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let file = assets::live_file(&state, &api_key, &asset_uid, &version_uid)
        .await?
        .filter(|file| file.filename == filename)
        .ok_or_else(not_found)?;
    serve_asset(&state, &api_key, file, query.as_deref(), &headers).await
}

/// `GET /v3/assets/{api_key}/{uid}/{slug}`: the latest version, under the permanent
/// URL set on the asset (also without the slug, as the Python SDK's `download` asks).
pub async fn download_permanent(
    State(state): State<AppState>,
    ApiPath(parts): ApiPath<Vec<String>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let (api_key, asset_uid, slug) = match parts.as_slice() {
        [api_key, uid] => (api_key, uid, None),
        [api_key, uid, slug] => (api_key, uid, Some(slug)),
        _ => return Err(not_found()),
    };
    let (asset, file) = assets::latest_file(&state, api_key, asset_uid)
        .await?
        .ok_or_else(not_found)?;
    if slug.is_some_and(|slug| asset.permanent_slug.as_deref() != Some(slug.as_str())) {
        return Err(not_found());
    }
    serve_asset(&state, api_key, file, query.as_deref(), &headers).await
}

/// The stored file, or what the Image Delivery API parameters of the query make of it,
/// sandboxed.
async fn serve_asset(
    state: &AppState,
    api_key: &str,
    file: AssetFileRow,
    query: Option<&str>,
    headers: &HeaderMap,
) -> ApiResult<Response> {
    let mut response = transform_or_serve(state, api_key, file, query, headers).await?;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(FILE_CSP),
    );
    // Decided on what goes out: the stored type, or a transform's image type.
    let active = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(crate::storage::markup::is_active);
    if active && !state.settings.inline_active_files {
        headers.insert(
            header::CONTENT_DISPOSITION,
            HeaderValue::from_static("attachment"),
        );
    }
    Ok(response)
}

/// The policy of every served file: its own opaque origin, nothing loaded, nothing run
/// (inline styles stay, for the browser's own image and media viewers).
const FILE_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; sandbox";

/// The stored file, or what the Image Delivery API parameters of the query make of it.
async fn transform_or_serve(
    state: &AppState,
    api_key: &str,
    file: AssetFileRow,
    query: Option<&str>,
    headers: &HeaderMap,
) -> ApiResult<Response> {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .into_owned()
        .collect();
    let parsed = params::parse(&pairs);
    if !parsed.asks_for_image_work {
        return serve(state, api_key, file, headers).await;
    }
    let accepts = Accepts::from_header(headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()));
    let if_none_match = headers.typed_get::<IfNoneMatch>();
    let etag_matches = |etag: &str| match (&if_none_match, etag.parse::<ETag>()) {
        (Some(if_none_match), Ok(tag)) => !if_none_match.precondition_passes(&tag),
        _ => false,
    };
    let delivery = deliver(state, api_key, &file, &parsed, accepts, etag_matches).await?;
    let (mut response, io) = match delivery {
        Delivery::Original { io } => (serve(state, api_key, file, headers).await?, io),
        Delivery::NotModified { etag, io } => (
            (StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response(),
            io,
        ),
        Delivery::Refused { message, io } => (
            (
                StatusCode::BAD_REQUEST,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                message,
            )
                .into_response(),
            io,
        ),
        Delivery::Variant {
            etag,
            content_type,
            body,
            io,
        } => {
            let (size, source) = match body {
                VariantBody::Memory(bytes) => (bytes.len() as u64, Source::Memory(bytes)),
                VariantBody::File { file, offset, len } => (len, Source::Open { file, offset }),
            };
            let described = Described {
                etag,
                content_type: HeaderValue::from_str(&content_type)
                    .unwrap_or(HeaderValue::from_static("application/octet-stream")),
                size,
            };
            (answer(described, source, headers).await?, io)
        }
    };
    add_io_headers(response.headers_mut(), io);
    Ok(response)
}

/// `Fastly-IO-Info`, `Fastly-IO-Warning`, `Fastly-IO-Error` and `Vary: Accept`.
fn add_io_headers(headers: &mut HeaderMap, io: IoHeaders) {
    for (name, value) in [
        ("fastly-io-info", io.info),
        ("fastly-io-warning", io.warning),
        ("fastly-io-error", io.error),
    ] {
        // The values quote nothing but printable ASCII; one that does not fit a header
        // is left out rather than sent broken.
        if let Some(value) = value.and_then(|v| HeaderValue::from_str(&v).ok()) {
            headers.insert(HeaderName::from_static(name), value);
        }
    }
    if io.vary_accept {
        headers.append(header::VARY, HeaderValue::from_static("Accept"));
    }
}

/// What an answer's headers say about its body.
struct Described {
    etag: String,
    content_type: HeaderValue,
    size: u64,
}

/// Where an answer's body comes from.
enum Source<'a> {
    /// A stored file of a stack.
    Stored {
        storage: &'a Storage,
        api_key: &'a str,
        storage_key: &'a str,
    },
    /// Bytes in memory.
    Memory(Bytes),
    /// An open file whose body starts at `offset`.
    Open { file: tokio::fs::File, offset: u64 },
}

/// Answers with a stored file: ETag, `If-None-Match`, `Range`.
async fn serve(
    state: &AppState,
    api_key: &str,
    file: AssetFileRow,
    headers: &HeaderMap,
) -> ApiResult<Response> {
    let described = Described {
        etag: format!("\"{}\"", file.sha256),
        content_type: HeaderValue::from_str(&file.content_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
        size: file.file_size as u64,
    };
    let source = Source::Stored {
        storage: &state.storage,
        api_key,
        storage_key: &file.storage_key,
    };
    answer(described, source, headers).await
}

/// Answers with a body of known size: ETag, `If-None-Match`, `Range`.
async fn answer(
    described: Described,
    source: Source<'_>,
    headers: &HeaderMap,
) -> ApiResult<Response> {
    let Described {
        etag,
        content_type,
        size,
    } = described;
    if let (Some(if_none_match), Ok(tag)) =
        (headers.typed_get::<IfNoneMatch>(), etag.parse::<ETag>())
        && !if_none_match.precondition_passes(&tag)
    {
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response());
    }
    let range = headers
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .map(|v| parse_range(v, size));

    let mut response_headers = HeaderMap::new();
    response_headers.insert(header::CONTENT_TYPE, content_type);
    response_headers.insert(header::ETAG, header_value(&etag)?);
    response_headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    // Serve what was uploaded as what it says it is, never as a guess of the browser's.
    response_headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );

    let (status, start, length) = match range {
        None | Some(RangeSpec::Ignore) => (StatusCode::OK, 0, size),
        Some(RangeSpec::Satisfiable(start, end)) => {
            let value = format!("bytes {start}-{end}/{size}");
            response_headers.insert(header::CONTENT_RANGE, header_value(&value)?);
            (StatusCode::PARTIAL_CONTENT, start, end - start + 1)
        }
        Some(RangeSpec::Unsatisfiable) => {
            let value = format!("bytes */{size}");
            response_headers.insert(header::CONTENT_RANGE, header_value(&value)?);
            return Ok((StatusCode::RANGE_NOT_SATISFIABLE, response_headers).into_response());
        }
    };
    response_headers.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    let body = match source {
        Source::Memory(bytes) => Body::from(bytes.slice(start as usize..(start + length) as usize)),
        Source::Stored {
            storage,
            api_key,
            storage_key,
        } => match storage
            .read_range(api_key, storage_key, size, start, length)
            .await
            .map_err(file_error)?
        {
            FileBody::Whole(bytes) => Body::from(bytes),
            FileBody::Stream(stream) => Body::from_stream(stream),
        },
        Source::Open { mut file, offset } => {
            file.seek(std::io::SeekFrom::Start(offset + start))
                .await
                .map_err(file_error)?;
            Body::from_stream(ReaderStream::with_capacity(file.take(length), 64 * 1024))
        }
    };
    Ok((status, response_headers, body).into_response())
}

/// A header value the service wrote itself (an ETag of hex digits, a byte range).
fn header_value(text: &str) -> ApiResult<HeaderValue> {
    HeaderValue::from_str(text).map_err(|e| {
        ApiError::Internal(anyhow::Error::new(e).context(format!("the header value {text:?}")))
    })
}

fn file_error(e: std::io::Error) -> ApiError {
    if e.kind() == std::io::ErrorKind::NotFound {
        // Purged between the lookup and the open.
        not_found()
    } else {
        ApiError::Internal(anyhow::Error::new(e).context("reading a stored file"))
    }
}

#[derive(Debug, PartialEq, Eq)]
enum RangeSpec {
    /// Serve the whole file (a range form we do not handle, such as several ranges).
    Ignore,
    /// Inclusive byte range.
    Satisfiable(u64, u64),
    Unsatisfiable,
}

/// Reads a `Range` header against a file of `size` bytes: one range is served, several
/// (or a header that does not parse) are ignored, as RFC 9110 allows.
fn parse_range(value: &str, size: u64) -> RangeSpec {
    let parsed = match http_range_header::parse_range_header(value.trim()) {
        Ok(parsed) if parsed.ranges.len() == 1 => parsed,
        Err(RangeUnsatisfiableError::ZeroSuffix) => return RangeSpec::Unsatisfiable,
        _ => return RangeSpec::Ignore,
    };
    match parsed.validate(size) {
        Ok(ranges) => match ranges.first() {
            Some(range) if size > 0 && range.start() <= range.end() => {
                RangeSpec::Satisfiable(*range.start(), *range.end())
            }
            _ => RangeSpec::Unsatisfiable,
        },
        // A suffix longer than the file means the whole file.
        Err(RangeUnsatisfiableError::FileSuffixOutOfBounds) if size > 0 => {
            RangeSpec::Satisfiable(0, size - 1)
        }
        Err(_) => RangeSpec::Unsatisfiable,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_follow_rfc_9110() {
        assert_eq!(parse_range("bytes=0-4", 10), RangeSpec::Satisfiable(0, 4));
        assert_eq!(parse_range("bytes=5-", 10), RangeSpec::Satisfiable(5, 9));
        assert_eq!(parse_range("bytes=-3", 10), RangeSpec::Satisfiable(7, 9));
        assert_eq!(parse_range("bytes=8-100", 10), RangeSpec::Satisfiable(8, 9));
        assert_eq!(parse_range("bytes=10-", 10), RangeSpec::Unsatisfiable);
        assert_eq!(parse_range("bytes=0-1,4-5", 10), RangeSpec::Ignore);
        assert_eq!(parse_range("items=0-1", 10), RangeSpec::Ignore);
    }
}
