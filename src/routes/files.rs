//! The asset file URLs: `GET /v3/assets/{api_key}/{asset_uid}/{version_uid}/{filename}`
//! serves the stored bytes with their content type, length, ETag and Range support.
//! No credential is needed, as on Contentstack's public file hosts.
//!
//! Nothing served here runs on the mock's origin: every answer carries a CSP `sandbox`
//! (an opaque origin, no script) and `default-src 'none'`, and HTML, SVG and XML files
//! are downloads unless `--inline-active-files` says otherwise.

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use headers::{ETag, HeaderMapExt, IfNoneMatch};
use http_range_header::RangeUnsatisfiableError;
use tokio::io::{AsyncReadExt, AsyncSeekExt};
use tokio_util::io::ReaderStream;

use crate::db::assets as asset_db;
use crate::error::{ApiError, ApiResult};
use crate::routes::extract::ApiPath;
use crate::state::AppState;

fn not_found() -> ApiError {
    ApiError::AssetNotFoundHere
}

/// `GET` (and `HEAD`) of a file URL.
pub async fn download_file(
    State(state): State<AppState>,
    // The first segment is the stack's api key; it shares its position in the route
    // table with the asset uid of `/v3/assets/{uid}/...`.
    ApiPath((api_key, asset_uid, version_uid, filename)): ApiPath<(String, String, String, String)>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let file = asset_db::live_file(state.db.reader(), &api_key, &asset_uid, &version_uid)
        .await?
        .filter(|file| file.filename == filename)
        .ok_or_else(not_found)?;
    serve(&state, &api_key, file, &headers).await
}

/// `GET /v3/assets/{api_key}/{uid}/{slug}`: the latest version, under the permanent
/// URL set on the asset (also without the slug, as the Python SDK's `download` asks).
pub async fn download_permanent(
    State(state): State<AppState>,
    ApiPath(parts): ApiPath<Vec<String>>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let (api_key, asset_uid, slug) = match parts.as_slice() {
        [api_key, uid] => (api_key, uid, None),
        [api_key, uid, slug] => (api_key, uid, Some(slug)),
        _ => return Err(not_found()),
    };
    let (asset, file) = asset_db::latest_file(state.db.reader(), api_key, asset_uid)
        .await?
        .ok_or_else(not_found)?;
    if slug.is_some_and(|slug| asset.permanent_slug.as_deref() != Some(slug.as_str())) {
        return Err(not_found());
    }
    serve(&state, api_key, file, &headers).await
}

/// Answers with a stored file: ETag, `If-None-Match`, `Range`.
async fn serve(
    state: &AppState,
    api_key: &str,
    file: asset_db::AssetFileRow,
    headers: &HeaderMap,
) -> ApiResult<Response> {
    let etag = format!("\"{}\"", file.sha256);
    let mut response_headers = HeaderMap::new();
    response_headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(FILE_CSP),
    );
    if !state.settings.inline_active_files && crate::content_types::is_active(&file.content_type) {
        response_headers.insert(
            header::CONTENT_DISPOSITION,
            HeaderValue::from_static("attachment"),
        );
    }
    if let (Some(if_none_match), Ok(tag)) =
        (headers.typed_get::<IfNoneMatch>(), etag.parse::<ETag>())
        && !if_none_match.precondition_passes(&tag)
    {
        return Ok((
            StatusCode::NOT_MODIFIED,
            response_headers,
            [(header::ETAG, etag)],
        )
            .into_response());
    }
    let path = state.storage.path_of(api_key, &file.storage_key);
    let size = file.file_size as u64;
    let range = headers
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .map(|v| parse_range(v, size));

    let content_type = HeaderValue::from_str(&file.content_type)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    response_headers.insert(header::CONTENT_TYPE, content_type);
    response_headers.insert(
        header::ETAG,
        HeaderValue::from_str(&etag).expect("hex is a valid header"),
    );
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
            response_headers.insert(
                header::CONTENT_RANGE,
                HeaderValue::from_str(&value).expect("digits"),
            );
            (StatusCode::PARTIAL_CONTENT, start, end - start + 1)
        }
        Some(RangeSpec::Unsatisfiable) => {
            let value = format!("bytes */{size}");
            response_headers.insert(
                header::CONTENT_RANGE,
                HeaderValue::from_str(&value).expect("digits"),
            );
            return Ok((StatusCode::RANGE_NOT_SATISFIABLE, response_headers).into_response());
        }
    };
    response_headers.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    let body = if length <= SMALL_FILE_BYTES {
        // One trip to the blocking pool, and one body that goes out with the headers.
        Body::from(read_range(path, start, length).await?)
    } else {
        Body::from_stream(stream_range(path, start, length).await?)
    };
    Ok((status, response_headers, body).into_response())
}

/// The policy of every served file: its own opaque origin, nothing loaded, nothing run
/// (inline styles stay, for the browser's own image and media viewers).
const FILE_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; sandbox";

/// Files up to this size are read in one go; larger ones are streamed.
const SMALL_FILE_BYTES: u64 = 256 * 1024;

fn file_error(e: std::io::Error) -> ApiError {
    if e.kind() == std::io::ErrorKind::NotFound {
        // Purged between the lookup and the open.
        not_found()
    } else {
        ApiError::Internal(anyhow::Error::new(e).context("reading a stored file"))
    }
}

/// Reads `length` bytes from `start` in one blocking call.
async fn read_range(path: std::path::PathBuf, start: u64, length: u64) -> ApiResult<Vec<u8>> {
    tokio::task::spawn_blocking(move || {
        use std::io::{Read, Seek};
        let mut file = std::fs::File::open(&path)?;
        if start > 0 {
            file.seek(std::io::SeekFrom::Start(start))?;
        }
        let mut bytes = Vec::with_capacity(length as usize);
        file.take(length).read_to_end(&mut bytes)?;
        Ok::<_, std::io::Error>(bytes)
    })
    .await
    .map_err(|e| ApiError::Internal(anyhow::Error::new(e).context("the file read task failed")))?
    .map_err(file_error)
}

/// A stream of `length` bytes from `start`.
async fn stream_range(
    path: std::path::PathBuf,
    start: u64,
    length: u64,
) -> ApiResult<ReaderStream<tokio::io::Take<tokio::fs::File>>> {
    let mut handle = tokio::fs::File::open(&path).await.map_err(file_error)?;
    if start > 0 {
        handle
            .seek(std::io::SeekFrom::Start(start))
            .await
            .map_err(file_error)?;
    }
    Ok(ReaderStream::with_capacity(handle.take(length), 64 * 1024))
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
