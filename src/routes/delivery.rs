//! The Content Delivery API over HTTP: `GET /v3/assets` and `/v3/assets/{uid}` read with
//! a delivery token, and the Sync API `GET /v3/stacks/sync`. Delivery answers carry
//! `content-type: application/json; charset=utf-8`, as the real CDA's do.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::contentstack::lenient;
use crate::contentstack::page::Page;
use crate::db::listing::{Sort, SortColumn};
use crate::domain::delivery::{self, DeliveryAuth, DeliveryRequest, SyncItem, SyncRequest};
use crate::error::{ApiError, ApiResult};
use crate::routes::envelope::{Envelope, Listing};
use crate::routes::extract::Caller;
use crate::routes::origin::PublicBase;
use crate::routes::query::Query;
use crate::routes::views::{self, DeliveredView, RenderOptions, RenderQuery};
use crate::state::AppState;

/// A JSON answer as the CDA sends it.
pub fn delivery_json(body: impl Serialize) -> Response {
    let mut response = Json(body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    response
}

/// The query of a delivery read. `asc` / `desc` and `version` are taken as sent: an
/// empty or padded sort field is an unsupported sort, an empty version an invalid one.
#[derive(Debug, Default, Deserialize)]
struct DeliveryQuery {
    #[serde(default, deserialize_with = "lenient::query_text")]
    locale: Option<String>,
    #[serde(default, deserialize_with = "lenient::query_flag")]
    include_fallback: bool,
    #[serde(default, deserialize_with = "lenient::query_text")]
    query: Option<String>,
    #[serde(default)]
    asc: Option<String>,
    #[serde(default)]
    desc: Option<String>,
    #[serde(default)]
    version: Option<String>,
    #[serde(flatten)]
    page: Page,
    #[serde(flatten)]
    render: RenderQuery,
}

impl DeliveryQuery {
    /// The delivery read it asks for.
    fn request(&self) -> ApiResult<DeliveryRequest> {
        let sort = match (&self.asc, &self.desc) {
            (Some(field), _) | (None, Some(field)) => Sort {
                column: SortColumn::from_field(field).ok_or_else(|| {
                    ApiError::invalid_query(
                        format!("Sorting on '{field}' is not supported."),
                        "asc",
                    )
                })?,
                ascending: self.asc.is_some(),
            },
            (None, None) => Sort::default(),
        };
        let version = match &self.version {
            None => None,
            Some(text) => Some(text.trim().parse::<i64>().map_err(|_| {
                ApiError::invalid("The version is not valid.", "version", "is not valid.")
            })?),
        };
        Ok(DeliveryRequest {
            locale: self.locale.clone(),
            include_fallback: self.include_fallback,
            query: self.query.clone(),
            sort,
            page: self.page,
            version,
        })
    }
}

/// `GET /v3/assets` with a delivery token (`query` is the raw query string).
pub async fn list_assets(
    state: &AppState,
    base: PublicBase,
    auth: &DeliveryAuth,
    query: Option<&str>,
) -> ApiResult<Response> {
    let query = Query::<DeliveryQuery>::parse(query)?;
    let (rows, count) = delivery::list(state, auth, query.request()?).await?;
    let options = query.render.options(base);
    let assets: Vec<DeliveredView> = rows
        .iter()
        .map(|row| views::render_delivered(row, &options, false))
        .collect();
    let count = count.map(|count| u64::try_from(count).unwrap_or(0));
    Ok(delivery_json(
        Listing::new("assets", assets).with_count(count),
    ))
}

/// `GET /v3/assets/{uid}` with a delivery token (`query` is the raw query string).
pub async fn get_asset(
    state: &AppState,
    base: PublicBase,
    auth: &DeliveryAuth,
    uid: &str,
    query: Option<&str>,
) -> ApiResult<Response> {
    let query = Query::<DeliveryQuery>::parse(query)?;
    let row = delivery::get(state, auth, uid, query.request()?).await?;
    let options = query.render.options(base);
    let asset = views::render_delivered(&row, &options, false);
    Ok(delivery_json(Envelope::new("asset", asset)))
}

/// The query of a sync. The tokens, the locale, the types and the rest are taken as
/// sent (an empty `sync_token` is a token that does not decode).
#[derive(Debug, Default, Deserialize)]
pub struct SyncQuery {
    #[serde(default, deserialize_with = "lenient::query_flag")]
    init: bool,
    #[serde(default)]
    pagination_token: Option<String>,
    #[serde(default)]
    sync_token: Option<String>,
    #[serde(default)]
    locale: Option<String>,
    /// Comma-separated event types.
    #[serde(default, rename = "type")]
    types: Option<String>,
    #[serde(default)]
    start_from: Option<String>,
    #[serde(default)]
    content_type_uid: Option<String>,
    /// With a management token: the environment to read.
    #[serde(default)]
    environment: Option<String>,
    #[serde(default, deserialize_with = "lenient::query_count")]
    limit: Option<u64>,
    #[serde(flatten)]
    render: RenderQuery,
}

impl SyncQuery {
    fn request(&self) -> SyncRequest {
        SyncRequest {
            init: self.init,
            pagination_token: self.pagination_token.clone(),
            sync_token: self.sync_token.clone(),
            locale: self.locale.clone(),
            types: self
                .types
                .as_deref()
                .map(|t| {
                    t.split(',')
                        .map(|s| s.trim().to_owned())
                        .filter(|s| !s.is_empty())
                        .collect()
                })
                .unwrap_or_default(),
            start_from: self.start_from.clone(),
            content_type_uid: self.content_type_uid.clone(),
            page: Page {
                limit: self.limit,
                ..Page::default()
            },
        }
    }
}

/// The delivery credentials of a sync: a delivery token, or the stack's management
/// token with the environment to read.
async fn sync_auth(state: &AppState, caller: Caller, query: &SyncQuery) -> ApiResult<DeliveryAuth> {
    match caller {
        Caller::Delivery(auth) => Ok(auth),
        Caller::Management(stack) => {
            let name = query.environment.as_deref().unwrap_or_default();
            let environment = crate::domain::environments::get(state, &stack, name).await?;
            Ok(DeliveryAuth { stack, environment })
        }
    }
}

/// A page of the Sync API: the items, where the page is, and the token that applies
/// (a client loops while `pagination_token` is present).
#[derive(Serialize)]
struct SyncView<'a> {
    items: Vec<SyncItemView<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    skip: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    limit: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    total_count: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pagination_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sync_token: Option<String>,
}

/// One item of a sync page.
#[derive(Serialize)]
struct SyncItemView<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    event_at: &'a str,
    content_type_uid: &'static str,
    data: SyncData<'a>,
}

/// What a sync item carries: the asset as delivered, or which copy went. Not boxed: a
/// page of them lives only while it is written out.
#[derive(Serialize)]
#[serde(untagged)]
#[allow(clippy::large_enum_variant)]
enum SyncData<'a> {
    Asset(DeliveredView<'a>),
    Gone { uid: &'a str, locale: &'a str },
}

/// The content type every asset event names.
const ASSETS_CONTENT_TYPE: &str = "sys_assets";

fn sync_item<'a>(item: &'a SyncItem, options: &'a RenderOptions) -> SyncItemView<'a> {
    match item {
        SyncItem::Published { event_at, asset } => SyncItemView {
            kind: crate::db::publishing::PUBLISHED_EVENT,
            event_at,
            content_type_uid: ASSETS_CONTENT_TYPE,
            data: SyncData::Asset(views::render_delivered(asset, options, true)),
        },
        SyncItem::Gone {
            event_type,
            event_at,
            uid,
            locale,
        } => SyncItemView {
            kind: event_type,
            event_at,
            content_type_uid: ASSETS_CONTENT_TYPE,
            data: SyncData::Gone { uid, locale },
        },
    }
}

/// `GET /v3/stacks/sync`
pub async fn sync(
    State(state): State<AppState>,
    base: PublicBase,
    caller: Caller,
    Query(query): Query<SyncQuery>,
) -> ApiResult<Response> {
    let auth = sync_auth(&state, caller, &query).await?;
    let page = delivery::sync(&state, &auth, query.request()).await?;
    // Sync items carry absolute URLs that a client (DataSync) downloads as they are.
    let mut options = query.render.options(base);
    options.relative_urls = false;
    let (skip, limit, total_count) = match page.paging {
        Some((skip, limit, total)) => (Some(skip), Some(limit), Some(total)),
        None => (None, None, None),
    };
    let view = SyncView {
        items: page
            .items
            .iter()
            .map(|item| sync_item(item, &options))
            .collect(),
        skip,
        limit,
        total_count,
        pagination_token: page.pagination_token,
        sync_token: page.sync_token,
    };
    Ok(delivery_json(view))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delivery_and_sync_queries_keep_what_was_sent() {
        let query: DeliveryQuery = Query::parse(Some(
            "locale=+fr-fr+&asc=&limit=900&skip=2&include_count=1&relative_url=true&version=3",
        ))
        .unwrap();
        assert_eq!(query.locale.as_deref(), Some("fr-fr"));
        assert_eq!(query.asc.as_deref(), Some(""));
        assert!(
            query.request().is_err(),
            "an empty sort field is not supported"
        );
        assert_eq!(query.page.limit(crate::contentstack::page::DELIVERY), 250);
        assert_eq!(query.page.skip(), 2);
        assert!(query.page.include_count);
        assert!(query.render.relative_url);
        let empty_version: DeliveryQuery = Query::parse(Some("version=")).unwrap();
        assert!(empty_version.request().is_err());
        let sync: SyncQuery = Query::parse(Some(
            "sync_token=&type=asset_published,+entry_published&limit=0",
        ))
        .unwrap();
        let request = sync.request();
        assert_eq!(request.sync_token.as_deref(), Some(""));
        assert_eq!(request.types, ["asset_published", "entry_published"]);
        assert_eq!(request.page.limit(delivery::SYNC_PAGE), 100);
        assert!(!request.init);
    }
}
