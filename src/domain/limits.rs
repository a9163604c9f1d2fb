//! The size limits of what clients send: text fields, tags, names. Every request that
//! carries one is checked against these, with a 422 that names the field and the limit.
//! (Contentstack does not document most of them; these are generous for real content
//! and keep every row, page and request small.)

use crate::error::ApiError;

/// Longest asset title.
pub const MAX_TITLE_BYTES: usize = 1024;
/// Longest asset description.
pub const MAX_DESCRIPTION_BYTES: usize = 16 * 1024;
/// Most tags on one asset.
pub const MAX_TAGS: usize = 100;
/// Longest tag.
pub const MAX_TAG_BYTES: usize = 256;
/// Longest comma-joined tags text in a form (`MAX_TAGS` tags of `MAX_TAG_BYTES`).
pub const MAX_TAGS_TEXT_BYTES: usize = MAX_TAGS * (MAX_TAG_BYTES + 1);
/// Longest stored filename (after sanitising; longer names are shortened, keeping
/// their extension).
pub const MAX_FILENAME_BYTES: usize = crate::contentstack::filename::MAX_BYTES;
/// Longest folder name (and other names: stacks, environments).
pub const MAX_NAME_BYTES: usize = 255;
/// Longest uid a client may send (folder uids, api keys).
pub const MAX_UID_BYTES: usize = 64;

/// The 422 for a value over its limit.
pub fn too_long(field: &str, limit: usize) -> ApiError {
    ApiError::invalid(
        format!("'{field}' is too long: at most {limit} bytes are allowed."),
        field,
        format!("is longer than {limit} bytes."),
    )
}

/// Checks one text value against its limit.
pub fn check_len(field: &str, value: Option<&str>, limit: usize) -> Result<(), ApiError> {
    match value {
        Some(value) if value.len() > limit => Err(too_long(field, limit)),
        _ => Ok(()),
    }
}

/// Checks a list of tags: how many, and how long each is.
pub fn check_tags(tags: Option<&[String]>) -> Result<(), ApiError> {
    let Some(tags) = tags else { return Ok(()) };
    if tags.len() > MAX_TAGS {
        return Err(ApiError::invalid(
            format!(
                "An asset can have at most {MAX_TAGS} tags; this request has {}.",
                tags.len()
            ),
            "tags",
            format!("has more than {MAX_TAGS} tags."),
        ));
    }
    match tags.iter().find(|tag| tag.len() > MAX_TAG_BYTES) {
        Some(_) => Err(too_long("tags", MAX_TAG_BYTES)),
        None => Ok(()),
    }
}
