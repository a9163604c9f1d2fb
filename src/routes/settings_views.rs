//! Environments, locales, delivery tokens and publish queue items, rendered as
//! Contentstack's management API shows them, and the paging of those small lists.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::contentstack::lenient;
use crate::contentstack::page::MANAGEMENT;
use crate::db::environments::{EnvironmentRow, EnvironmentUrl};
use crate::db::locales::LocaleRow;
use crate::domain::tokens::TokenView;
use crate::error::{ApiError, ApiResult, codes};
use crate::routes::envelope::Listing;
use crate::routes::query::ListQuery;

/// `{}`.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct EmptyObject {}

/// `include_count` alone, for the lists that are not paged.
#[derive(Debug, Default, Clone, Copy, Deserialize)]
pub struct CountQuery {
    #[serde(default, deserialize_with = "lenient::query_flag")]
    pub include_count: bool,
}

/// An environment.
#[derive(Debug, Clone, Serialize)]
pub struct EnvironmentView {
    name: String,
    urls: Vec<EnvironmentUrl>,
    uid: String,
    created_by: String,
    updated_by: String,
    created_at: String,
    updated_at: String,
    #[serde(rename = "ACL")]
    acl: EmptyObject,
    tags: [(); 0],
    #[serde(rename = "_version")]
    version: i64,
    /// In a delivery token's scope.
    #[serde(skip_serializing_if = "Option::is_none")]
    app_user_object_uid: Option<&'static str>,
}

impl From<EnvironmentRow> for EnvironmentView {
    fn from(row: EnvironmentRow) -> Self {
        EnvironmentView {
            name: row.name,
            urls: row.urls.0,
            uid: row.uid,
            created_by: row.created_by,
            updated_by: row.updated_by,
            created_at: row.created_at,
            updated_at: row.updated_at,
            acl: EmptyObject {},
            tags: [],
            version: row.version,
            app_user_object_uid: None,
        }
    }
}

/// A locale.
#[derive(Debug, Clone, Serialize)]
pub struct LocaleView {
    code: String,
    uid: String,
    created_by: String,
    updated_by: String,
    created_at: String,
    updated_at: String,
    fallback_locale: Option<String>,
    name: String,
    #[serde(rename = "ACL")]
    acl: [(); 0],
    #[serde(rename = "_version")]
    version: i64,
}

impl From<LocaleRow> for LocaleView {
    fn from(row: LocaleRow) -> Self {
        LocaleView {
            code: row.code,
            uid: row.uid,
            created_by: row.created_by,
            updated_by: row.updated_by,
            created_at: row.created_at,
            updated_at: row.updated_at,
            fallback_locale: row.fallback_locale,
            name: row.name,
            acl: [],
            version: row.version,
        }
    }
}

/// `{"read": true}`.
#[derive(Debug, Clone, Copy, Serialize)]
struct ReadAcl {
    read: bool,
}

/// `{"uid": ...}`.
#[derive(Debug, Clone, Serialize)]
struct Metadata {
    uid: String,
}

/// The environment part of a delivery token's scope.
#[derive(Debug, Clone, Serialize)]
struct EnvironmentScope {
    module: &'static str,
    environments: Vec<EnvironmentView>,
    acl: ReadAcl,
    _metadata: Metadata,
}

/// The branch part of a delivery token's scope.
#[derive(Debug, Clone, Serialize)]
struct BranchScope {
    module: &'static str,
    branches: Vec<String>,
    acl: ReadAcl,
    _metadata: Metadata,
}

/// A delivery token, its scope's environments expanded to objects.
#[derive(Debug, Clone, Serialize)]
pub struct TokenJson {
    name: String,
    description: String,
    scope: (EnvironmentScope, BranchScope),
    uid: String,
    created_by: String,
    updated_by: String,
    created_at: String,
    updated_at: String,
    token: String,
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    preview_token: Option<String>,
}

impl From<TokenView> for TokenJson {
    fn from(view: TokenView) -> Self {
        let TokenView { row, environments } = view;
        // The scope items' uids: the token's own, `cs` in place of `blt`.
        let tail = row.uid.get(3..).unwrap_or_default().to_owned();
        TokenJson {
            name: row.name,
            description: row.description,
            scope: (
                EnvironmentScope {
                    module: "environment",
                    environments: environments
                        .into_iter()
                        .map(|e| EnvironmentView {
                            app_user_object_uid: Some("system"),
                            ..EnvironmentView::from(e)
                        })
                        .collect(),
                    acl: ReadAcl { read: true },
                    _metadata: Metadata {
                        uid: format!("cs{tail}"),
                    },
                },
                BranchScope {
                    module: "branch",
                    branches: row.branches.0,
                    acl: ReadAcl { read: true },
                    _metadata: Metadata {
                        uid: format!("cs{tail}b"),
                    },
                },
            ),
            uid: row.uid,
            created_by: row.created_by,
            updated_by: row.updated_by,
            created_at: row.created_at,
            updated_at: row.updated_at,
            token: row.token,
            kind: "delivery",
            preview_token: row.preview_token,
        }
    }
}

/// A listing of small collections (environments, locales) as the API pages it:
/// `query` (equality on top-level fields, `null` included), `asc` / `desc`, `skip`,
/// `limit`, `include_count`.
pub fn page_of<T: Serialize>(
    items: Vec<T>,
    query: &ListQuery,
    key: &'static str,
) -> ApiResult<Listing<T>> {
    let mut items = items;
    let wanted = match &query.query {
        Some(text) => Some(
            serde_json::from_str::<Map<String, Value>>(text).map_err(|e| {
                ApiError::unprocessable(
                    codes::INVALID_QUERY,
                    format!("The query is not a JSON object: {e}."),
                    "query",
                    "is not valid.",
                )
            })?,
        ),
        None => None,
    };
    let order = query.order.requested();
    if wanted.is_some() || order.is_some() {
        // The filter and the order read the items as the answer shows them.
        let mut shown = items
            .into_iter()
            .map(|item| Ok((serde_json::to_value(&item)?, item)))
            .collect::<Result<Vec<(Value, T)>, serde_json::Error>>()
            .map_err(|e| ApiError::Internal(anyhow::anyhow!("{key} do not serialise: {e}")))?;
        if let Some(wanted) = &wanted {
            shown.retain(|(item, _)| {
                wanted
                    .iter()
                    .all(|(field, value)| item.get(field).unwrap_or(&Value::Null) == value)
            });
        }
        if let Some(order) = order {
            shown.sort_by(|(a, _), (b, _)| {
                let (a, b) = (a[order.field].to_string(), b[order.field].to_string());
                if order.ascending {
                    a.cmp(&b)
                } else {
                    b.cmp(&a)
                }
            });
        }
        items = shown.into_iter().map(|(_, item)| item).collect();
    }
    let count = items.len() as u64;
    let page = query.page.of(items, MANAGEMENT);
    Ok(Listing::new(key, page).with_count(query.page.include_count.then_some(count)))
}
