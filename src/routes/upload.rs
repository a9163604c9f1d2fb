//! Reading asset forms: multipart uploads (streamed to storage) and JSON bodies, with
//! the leniency the official clients need: the boundary is found in the body when the
//! `Content-Type` header lacks it, JSON is read whatever the header says, and the file
//! part may be called `asset[upload]` or (Python SDK replace) plain `asset`.

use axum::body::Body;
use axum::http::HeaderMap;
use bytes::Bytes;
use futures_util::{StreamExt, stream};
use serde::Deserialize;

use crate::contentstack::filename;
use crate::contentstack::lenient::{self, Sent, split_tags};
use crate::domain::assets::AssetDetails;
use crate::domain::limits;
use crate::error::ApiError;
use crate::routes::extract::{MAX_JSON_BYTES, body_error, parse_json, timeout_in};
use crate::storage::{PendingFile, Sniff, Storage, WriteError};

/// Largest multipart text part the service does not know (it is read and ignored).
pub const MAX_OTHER_PART_BYTES: usize = 64 * 1024;

/// The fields of an asset form, from multipart or JSON.
#[derive(Debug, Default)]
pub struct AssetForm {
    pub details: AssetDetails,
    /// "Update asset revision": make this version's file and details the latest.
    pub revert_to: Option<i64>,
    /// A permanent URL (or its slug) to set, once.
    pub permanent_url: Option<String>,
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
                Some(Err(e)) => return Err(body_error(e)),
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

    /// Reads the whole body as a JSON asset form (whatever the Content-Type says).
    pub async fn into_json_form(self) -> Result<AssetForm, ApiError> {
        let mut buffer = self.first.to_vec();
        let mut rest = self.rest;
        while let Some(chunk) = rest.next().await {
            let chunk = chunk.map_err(body_error)?;
            if buffer.len() + chunk.len() > MAX_JSON_BYTES {
                return Err(ApiError::BodyTooLarge {
                    limit: MAX_JSON_BYTES,
                });
            }
            buffer.extend_from_slice(&chunk);
        }
        parse_json::<JsonAssetBody>(&buffer)?.into_form()
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
                    let filename = filename::sanitize(raw_name.as_deref().unwrap_or(""));
                    let content_type = content_type_for(part_type.as_deref(), &filename);
                    let sniff = Sniff::for_content_type(&content_type);
                    let written = storage
                        .write_stream(api_key, field, max_upload_bytes, sniff)
                        .await;
                    // What is left of an oversized body is read by `routes::drain`.
                    let stored = written.map_err(|e| write_error(e, max_upload_bytes))?;
                    // A second file part replaces the first (and the first is removed on drop).
                    form.file = Some(storage.pending(api_key, stored, filename, content_type));
                }
                "asset[title]" => {
                    form.details.title = Some(read_text(field, limits::MAX_TITLE_BYTES).await?);
                }
                "asset[description]" => {
                    let limit = limits::MAX_DESCRIPTION_BYTES;
                    form.details.description = Some(read_text(field, limit).await?);
                }
                "asset[tags]" | "asset[tags][]" => {
                    let text = read_text(field, limits::MAX_TAGS_TEXT_BYTES).await?;
                    form.details
                        .tags
                        .get_or_insert_with(Vec::new)
                        .extend(split_tags(&text));
                }
                "asset[parent_uid]" => {
                    let text = read_text(field, limits::MAX_UID_BYTES).await?;
                    form.details.parent_uid = Some(lenient::folder_uid(&text));
                }
                _ => {
                    // Unknown parts are read and ignored, as the real service ignores them.
                    read_text(field, MAX_OTHER_PART_BYTES).await?;
                }
            }
        }
        Ok(form)
    }
}

/// A JSON asset body: `{"asset": {...}, "version"?}`. Read-only fields that clients
/// send back (the JS SDK sends the whole object) are ignored, and so are values of an
/// unexpected type, as the real service does.
#[derive(Debug, Deserialize)]
struct JsonAssetBody {
    #[serde(default)]
    asset: Option<JsonAsset>,
    #[serde(default, deserialize_with = "lenient::version")]
    version: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
struct JsonAsset {
    #[serde(default, deserialize_with = "lenient::text")]
    title: Option<String>,
    #[serde(default, deserialize_with = "lenient::text")]
    description: Option<String>,
    #[serde(default, deserialize_with = "lenient::tags")]
    tags: Option<Vec<String>>,
    #[serde(default, deserialize_with = "lenient::parent")]
    parent_uid: Option<Sent<Option<String>>>,
    #[serde(default, deserialize_with = "lenient::text")]
    permanent_url: Option<String>,
}

impl JsonAssetBody {
    fn into_form(self) -> Result<AssetForm, ApiError> {
        let asset = self.asset.ok_or_else(|| {
            ApiError::unprocessable(
                crate::error::codes::NOT_FOUND,
                "Please provide the asset details.",
                "asset",
                "is required.",
            )
        })?;
        Ok(AssetForm {
            details: AssetDetails {
                title: asset.title,
                description: asset.description,
                tags: asset.tags,
                // A parent that is neither a uid nor null is ignored, as the real service does.
                parent_uid: match asset.parent_uid {
                    Some(Sent::Valid(parent)) => Some(parent),
                    Some(Sent::Invalid) | None => None,
                },
            },
            revert_to: self.version,
            permanent_url: asset.permanent_url,
            file: None,
        })
    }
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

/// Reads a text part, at most `limit` bytes of it; a longer part is a 422 naming it
/// (and the rest of the body is read and dropped by `routes::drain`).
async fn read_text(mut field: multer::Field<'_>, limit: usize) -> Result<String, ApiError> {
    let name = field.name().unwrap_or("(unnamed part)").to_owned();
    let mut buffer = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
        if buffer.len() + chunk.len() > limit {
            return Err(limits::too_long(&name, limit));
        }
        buffer.extend_from_slice(&chunk);
    }
    String::from_utf8(buffer).map_err(|_| ApiError::malformed("A form field is not valid UTF-8."))
}

fn multipart_error(error: multer::Error) -> ApiError {
    timeout_in(&error).unwrap_or_else(|| {
        ApiError::malformed(format!("The multipart form could not be read: {error}."))
    })
}

fn write_error(error: WriteError, limit: u64) -> ApiError {
    match error {
        WriteError::TooLarge { .. } => ApiError::PayloadTooLarge { limit },
        WriteError::Body(cause) => timeout_in(cause.as_ref())
            .unwrap_or_else(|| ApiError::malformed(format!("The upload was cut off: {cause}."))),
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
