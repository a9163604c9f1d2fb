//! Reading asset forms: multipart uploads (streamed to storage) and JSON bodies, with
//! the leniency the official clients need: the boundary is found in the body when the
//! `Content-Type` header lacks it, JSON is read whatever the header says, and the file
//! part may be called `asset[upload]` or (Python SDK replace) plain `asset`.

use axum::body::Body;
use axum::http::HeaderMap;
use bytes::Bytes;
use futures_util::{StreamExt, TryStreamExt, stream};
use serde_json::Value;

use crate::error::{ApiError, codes};
use crate::filename;
use crate::storage::{Storage, StoredFile, WriteError};

/// Largest JSON body or multipart text field accepted.
pub const MAX_TEXT_BYTES: usize = 1024 * 1024;

/// A stored upload that is removed again unless [`PendingFile::keep`] is called, so
/// that a request failing after the file was written leaves nothing behind.
#[derive(Debug)]
pub struct PendingFile {
    pub stored: StoredFile,
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

/// The fields of an asset form, from multipart or JSON.
#[derive(Debug, Default)]
pub struct AssetForm {
    pub title: Option<String>,
    pub description: Option<String>,
    pub tags: Option<Vec<String>>,
    /// `Some(None)` moves to the root; `None` leaves the folder as it is.
    pub parent_uid: Option<Option<String>>,
    /// "Update asset revision": make this version's file and details the latest.
    pub revert_to: Option<i64>,
    pub file: Option<PendingFile>,
}

/// A request body read up to its first bytes, to decide what it is.
pub struct SniffedBody {
    first: Bytes,
    rest: axum::body::BodyDataStream,
}

impl SniffedBody {
    /// Reads the first non-empty chunk of `body`.
    pub async fn read(body: Body) -> Result<SniffedBody, ApiError> {
        let mut rest = body.into_data_stream();
        let mut first = Bytes::new();
        while first.is_empty() {
            match rest.next().await {
                Some(Ok(chunk)) => first = chunk,
                Some(Err(e)) => {
                    return Err(ApiError::malformed(format!(
                        "The request body could not be read: {e}"
                    )));
                }
                None => break,
            }
        }
        Ok(SniffedBody { first, rest })
    }

    /// True when the body is (or starts like) a JSON document.
    pub fn looks_like_json(&self) -> bool {
        self.first
            .iter()
            .find(|b| !b.is_ascii_whitespace())
            .is_some_and(|b| *b == b'{')
    }

    /// True when there is no body at all.
    pub fn is_empty(&self) -> bool {
        self.first.is_empty()
    }

    /// Reads the whole body as JSON (whatever the Content-Type says).
    pub async fn into_json(self) -> Result<Value, ApiError> {
        let mut buffer = self.first.to_vec();
        let mut rest = self.rest;
        while let Some(chunk) = rest.next().await {
            let chunk = chunk.map_err(|e| {
                ApiError::malformed(format!("The request body could not be read: {e}"))
            })?;
            if buffer.len() + chunk.len() > MAX_TEXT_BYTES {
                return Err(ApiError::malformed("The JSON body is too large."));
            }
            buffer.extend_from_slice(&chunk);
        }
        parse_json(&buffer)
    }

    /// Reads the body as a multipart asset form, streaming the file part to storage.
    pub async fn into_asset_form(
        self,
        headers: &HeaderMap,
        storage: &Storage,
        api_key: &str,
        max_upload_bytes: u64,
    ) -> Result<AssetForm, ApiError> {
        let boundary = boundary_from_header(headers)
            .or_else(|| boundary_from_body(&self.first))
            .ok_or_else(|| {
                ApiError::malformed("The request is not a multipart form (no boundary found).")
            })?;
        let body = stream::once(async move { Ok::<_, axum::Error>(self.first) }).chain(self.rest);
        let mut multipart = multer::Multipart::new(body, boundary);
        let mut form = AssetForm::default();
        loop {
            let field = match multipart.next_field().await {
                Ok(Some(field)) => field,
                Ok(None) => break,
                Err(e) => return Err(multipart_error(e)),
            };
            let name = field.name().unwrap_or_default().to_owned();
            match name.as_str() {
                "asset[upload]" | "asset" | "upload"
                    if field.file_name().is_some() || name != "asset" =>
                {
                    let raw_name = field.file_name().map(str::to_owned);
                    let part_type = field.content_type().map(|m| m.essence_str().to_owned());
                    let written = storage
                        .write_stream(api_key, field.map_err(|e| e.to_string()), max_upload_bytes)
                        .await;
                    // What is left of an oversized body is read by `routes::drain`.
                    let stored = written.map_err(|e| write_error(e, max_upload_bytes))?;
                    let filename = filename::sanitize(raw_name.as_deref().unwrap_or(""));
                    let content_type = content_type_for(part_type.as_deref(), &filename);
                    // A second file part replaces the first (and the first is removed on drop).
                    form.file = Some(PendingFile {
                        stored,
                        filename,
                        content_type,
                        storage: storage.clone(),
                        api_key: api_key.to_owned(),
                        kept: false,
                    });
                }
                "asset[title]" => form.title = Some(read_text(field).await?),
                "asset[description]" => form.description = Some(read_text(field).await?),
                "asset[tags]" | "asset[tags][]" => {
                    let text = read_text(field).await?;
                    form.tags
                        .get_or_insert_with(Vec::new)
                        .extend(split_tags(&text));
                }
                "asset[parent_uid]" => {
                    let text = read_text(field).await?;
                    form.parent_uid = Some(non_empty(text));
                }
                _ => {
                    // Unknown parts are read and ignored, as the real service ignores them.
                    read_text(field).await?;
                }
            }
        }
        Ok(form)
    }
}

/// Parses a JSON body, with the Contentstack-shaped error for bad JSON.
pub fn parse_json(bytes: &[u8]) -> Result<Value, ApiError> {
    serde_json::from_slice(bytes)
        .map_err(|e| ApiError::malformed(format!("The request body is not valid JSON: {e}.")))
}

/// Reads the asset fields of a JSON body `{"asset": {...}}`; read-only fields are ignored.
pub fn asset_form_from_json(body: &Value) -> Result<AssetForm, ApiError> {
    let asset = body
        .get("asset")
        .and_then(Value::as_object)
        .ok_or_else(|| {
            ApiError::unprocessable(
                141,
                "Please provide the asset details.",
                "asset",
                "is required.",
            )
        })?;
    let text = |key: &str| asset.get(key).and_then(|v| v.as_str().map(str::to_owned));
    let tags = match asset.get("tags") {
        Some(Value::Array(items)) => Some(
            items
                .iter()
                .filter_map(Value::as_str)
                .flat_map(split_tags)
                .collect(),
        ),
        Some(Value::String(s)) => Some(split_tags(s)),
        Some(Value::Null) => Some(Vec::new()),
        _ => None,
    };
    let parent_uid = match asset.get("parent_uid") {
        Some(Value::String(s)) => Some(non_empty(s.clone())),
        Some(Value::Null) => Some(None),
        _ => None,
    };
    if asset.get("permanent_url").is_some_and(|v| !v.is_null()) {
        return Err(ApiError::unprocessable(
            codes::INVALID_FIELD,
            "Permanent asset URLs are not emulated by contentstack-mock yet.",
            "permanent_url",
            "is not supported.",
        ));
    }
    let revert_to = match body.get("version") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => Some(n.as_i64().ok_or_else(invalid_version)?),
        Some(Value::String(s)) => Some(s.trim().parse().map_err(|_| invalid_version())?),
        Some(_) => return Err(invalid_version()),
    };
    Ok(AssetForm {
        title: text("title"),
        description: text("description"),
        tags,
        parent_uid,
        revert_to,
        file: None,
    })
}

fn invalid_version() -> ApiError {
    ApiError::unprocessable(
        codes::INVALID_FIELD,
        "The version is not valid.",
        "version",
        "is not valid.",
    )
}

fn non_empty(text: String) -> Option<String> {
    let trimmed = text.trim();
    if trimmed.is_empty() || trimmed == "null" || trimmed == "cs_root" {
        None
    } else {
        Some(trimmed.to_owned())
    }
}

/// Tags arrive comma-joined from every SDK; the response shows them as a list.
pub fn split_tags(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

fn boundary_from_header(headers: &HeaderMap) -> Option<String> {
    let value = headers
        .get(axum::http::header::CONTENT_TYPE)?
        .to_str()
        .ok()?;
    multer::parse_boundary(value).ok()
}

/// Finds the boundary in the body's first line (`--<boundary>\r\n`), for clients that
/// send `multipart/form-data` without one or overwrite the header.
fn boundary_from_body(first: &[u8]) -> Option<String> {
    let line_end = first
        .windows(2)
        .position(|w| w == b"\r\n")
        .or_else(|| first.iter().position(|b| *b == b'\n'))?;
    let line = std::str::from_utf8(&first[..line_end]).ok()?.trim_end();
    let boundary = line.strip_prefix("--")?;
    (!boundary.is_empty() && boundary.len() <= 200).then(|| boundary.to_owned())
}

async fn read_text(mut field: multer::Field<'_>) -> Result<String, ApiError> {
    let mut buffer = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
        if buffer.len() + chunk.len() > MAX_TEXT_BYTES {
            return Err(ApiError::malformed("A form field is too large."));
        }
        buffer.extend_from_slice(&chunk);
    }
    String::from_utf8(buffer).map_err(|_| ApiError::malformed("A form field is not valid UTF-8."))
}

fn multipart_error(error: multer::Error) -> ApiError {
    ApiError::malformed(format!("The multipart form could not be read: {error}."))
}

fn write_error(error: WriteError, limit: u64) -> ApiError {
    match error {
        WriteError::TooLarge { .. } => ApiError::PayloadTooLarge { limit },
        WriteError::Body(detail) => {
            ApiError::malformed(format!("The upload was cut off: {detail}."))
        }
        WriteError::Io(e) => ApiError::Internal(anyhow::Error::new(e).context("writing an upload")),
    }
}

/// The part's own type, unless it is missing or generic; then a guess from the name.
fn content_type_for(part_type: Option<&str>, filename: &str) -> String {
    match part_type {
        Some(t) if !t.is_empty() && t != "application/octet-stream" => t.to_owned(),
        _ => mime_guess::from_path(filename)
            .first_raw()
            .unwrap_or("application/octet-stream")
            .to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundary_is_found_in_the_body_when_the_header_has_none() {
        assert_eq!(
            boundary_from_body(b"--abc123\r\nContent-Disposition: x\r\n").as_deref(),
            Some("abc123")
        );
        assert_eq!(boundary_from_body(b"{\"asset\": {}}"), None);
    }

    #[test]
    fn content_type_prefers_the_part_then_the_extension() {
        assert_eq!(content_type_for(Some("image/png"), "x.bin"), "image/png");
        assert_eq!(
            content_type_for(Some("application/octet-stream"), "x.png"),
            "image/png"
        );
        assert_eq!(content_type_for(None, "notes.txt"), "text/plain");
        assert_eq!(content_type_for(None, "blob"), "application/octet-stream");
    }

    #[test]
    fn tags_are_split_on_commas() {
        assert_eq!(split_tags(" a, b ,,c"), vec!["a", "b", "c"]);
    }
}
