//! The parts of a stack that contentstack-mock does not emulate (content types, entries,
//! global fields, roles, workflows, publishing rules, extensions, webhooks, taxonomies,
//! labels, releases) answer as a stack that has none of them: lists are empty, counts
//! are 0, a single fetch is "not found" in Contentstack's shape, and a write is refused
//! with a 422 that says so. Nothing is stored for them. Whole-stack tools (`csdx
//! cm:stacks:clone`, export, import, audit) then copy what the mock does emulate.

use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::contentstack::lenient;
use crate::error::{ApiError, ApiResult, codes, field_error};
use crate::routes::envelope::{Envelope, Listing};
use crate::routes::extract::StackAuth;
use crate::routes::query::Query;

/// One resource family that answers as empty.
#[derive(Debug, Clone, Copy)]
pub struct Family {
    /// The path under `/v3` (`content_types`).
    pub path: &'static str,
    /// The list's key in the answer (`content_types`).
    pub key: &'static str,
    /// How a single one is named in messages (`Content Type`).
    pub noun: &'static str,
}

/// Every family answered as empty, by path.
pub const FAMILIES: &[Family] = &[
    Family {
        path: "content_types",
        key: "content_types",
        noun: "Content Type",
    },
    Family {
        path: "global_fields",
        key: "global_fields",
        noun: "Global Field",
    },
    Family {
        path: "roles",
        key: "roles",
        noun: "Role",
    },
    Family {
        path: "workflows",
        key: "workflows",
        noun: "Workflow",
    },
    Family {
        path: "workflows/publishing_rules",
        key: "publishing_rules",
        noun: "Publishing rule",
    },
    Family {
        path: "extensions",
        key: "extensions",
        noun: "Extension",
    },
    Family {
        path: "webhooks",
        key: "webhooks",
        noun: "Webhook",
    },
    Family {
        path: "taxonomies",
        key: "taxonomies",
        noun: "Taxonomy",
    },
    Family {
        path: "labels",
        key: "labels",
        noun: "Label",
    },
    Family {
        path: "releases",
        key: "releases",
        noun: "Release",
    },
];

/// The family a request path names (`/v3/roles/blt...` -> roles), the longest match.
fn family_of(path: &str) -> Option<(&'static Family, Option<&str>)> {
    let rest = path.strip_prefix("/v3/")?;
    FAMILIES
        .iter()
        .filter_map(|family| {
            let tail = rest.strip_prefix(family.path)?;
            match tail {
                "" => Some((family, None)),
                _ => tail
                    .strip_prefix('/')
                    .map(|uid| (family, Some(uid.split('/').next().unwrap_or(uid)))),
            }
        })
        .max_by_key(|(family, _)| family.path.len())
}

/// What a read of an empty family takes: `include_count`, and `count` (the number
/// alone).
#[derive(Debug, Default, Deserialize)]
pub struct EmptyQuery {
    #[serde(default, deserialize_with = "lenient::query_flag")]
    include_count: bool,
    #[serde(default, deserialize_with = "lenient::query_flag")]
    count: bool,
}

/// The answer for a single one that is not there. Content types answer as recorded from
/// the real service (422, code 118); the others 404 with the same shape.
fn not_found(family: &Family, uid: &str) -> ApiError {
    if family.path == "content_types" {
        return ApiError::Unprocessable {
            code: CONTENT_TYPE_NOT_FOUND,
            message: format!("The Content Type '{uid}' was not found. Please try again."),
            errors: field_error("uid", "is not valid."),
        };
    }
    ApiError::Missing {
        code: codes::NOT_FOUND,
        message: format!("The {} '{uid}' was not found.", family.noun),
        errors: field_error("uid", "is not valid."),
    }
}

/// Contentstack's code for a content type that does not exist (recorded).
pub const CONTENT_TYPE_NOT_FOUND: u32 = 118;

/// `GET` on any path of a family: an empty list, or a single one not found (entries of
/// a content type: the content type is not found).
pub async fn read(
    StackAuth(_): StackAuth,
    uri: Uri,
    Query(query): Query<EmptyQuery>,
) -> ApiResult<Response> {
    let (family, uid) = family_of(uri.path()).ok_or_else(|| unknown(&uri))?;
    if let Some(uid) = uid {
        return Err(not_found(family, uid));
    }
    if query.count {
        // `count=true` answers the number alone, as for assets: `{"<key>": 0}`.
        return Ok(Envelope::new(family.key, 0u64).into_response());
    }
    // An empty page: `{"<key>": [], "count"?: 0}`.
    let list =
        Listing::new(family.key, Vec::<()>::new()).with_count(query.include_count.then_some(0));
    Ok(list.into_response())
}

/// `POST`, `PUT`, `DELETE` on a family: refused, since nothing of it is stored. A
/// change to a single one that does not exist is "not found" first, as on a real stack.
pub async fn write(StackAuth(_): StackAuth, uri: Uri) -> ApiResult<Response> {
    let (family, uid) = family_of(uri.path()).ok_or_else(|| unknown(&uri))?;
    if let Some(uid) = uid {
        return Err(not_found(family, uid));
    }
    Err(ApiError::invalid(
        format!(
            "{} are not emulated by contentstack-mock: the stack answers as one that has none.",
            family.key.replace('_', " ")
        ),
        family.key,
        "is not emulated.",
    ))
}

fn unknown(uri: &Uri) -> ApiError {
    ApiError::NotFound {
        message: format!("The requested URL {} was not found.", uri.path()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_name_their_family_and_uid() {
        let (f, uid) = family_of("/v3/workflows/publishing_rules").unwrap();
        assert_eq!((f.key, uid), ("publishing_rules", None));
        let (f, uid) = family_of("/v3/workflows/blt1").unwrap();
        assert_eq!((f.key, uid), ("workflows", Some("blt1")));
        let (f, uid) = family_of("/v3/content_types/page/entries/blt2").unwrap();
        assert_eq!((f.key, uid), ("content_types", Some("page")));
        assert!(family_of("/v3/rolesx").is_none());
    }
}
