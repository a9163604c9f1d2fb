//! The Content Delivery API's side: who may read (a delivery token scoped to the
//! environment asked for), what is delivered (only what is published there, in the
//! version published there, by locale and fallback), and the Sync API.

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use crate::contentstack::filter::Filter;
use crate::contentstack::page::{self, Caps, Page};
use crate::db::budget::{Slot, Weight};
use crate::db::delivery::{DeliveredRow, DeliveryListing, Locales};
use crate::db::environments::EnvironmentRow;
use crate::db::listing::{Sort, SortColumn, Wanted};
use crate::db::publishing::{EventData, EventWindow, PUBLISHED_EVENT};
use crate::db::stacks::StackRow;
use crate::db::{self, DbError};
use crate::domain::assets::{listing_error, start_listing};
use crate::domain::locales;
use crate::error::{ApiError, ApiResult, codes, field_error};
use crate::state::AppState;

/// Sync API pages: 100 items by default, at most 100.
pub const SYNC_PAGE: Caps = Caps {
    default: 100,
    max: 100,
};

/// A delivery request's credentials, checked: the stack, and the environment the
/// request reads (which the token's scope holds).
#[derive(Debug, Clone)]
pub struct DeliveryAuth {
    pub stack: Arc<StackRow>,
    pub environment: EnvironmentRow,
}

/// Checks a delivery request: its stack, its token and its environment.
pub async fn authenticate(
    state: &AppState,
    stack: Option<Arc<StackRow>>,
    token: &str,
    environment: Option<&str>,
) -> ApiResult<DeliveryAuth> {
    let stack = stack.ok_or(ApiError::DeliveryInvalidApiKey)?;
    let reader = state.db.reader();
    let token = db::tokens::by_value(reader, &stack.api_key, token)
        .await?
        .ok_or(ApiError::DeliveryNotAuthenticated)?;
    let name = environment
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .ok_or_else(|| {
            ApiError::unprocessable(
                codes::NOT_FOUND,
                "The environment is required: add environment=<name> to the request.",
                "environment",
                "is required.",
            )
        })?;
    // An unknown environment, or one outside the token's scope, is a wrong token.
    let environment = db::environments::by_name(reader, &stack.api_key, name)
        .await?
        .filter(|e| token.environment_uids().contains(&e.uid))
        .ok_or(ApiError::DeliveryNotAuthenticated)?;
    Ok(DeliveryAuth { stack, environment })
}

/// A delivery read of assets.
#[derive(Debug, Clone, Default)]
pub struct DeliveryRequest {
    pub locale: Option<String>,
    pub include_fallback: bool,
    /// The `query` parameter's text (lists only), read within the time budget.
    pub query: Option<String>,
    pub sort: Sort,
    /// `skip`, `limit` (within [`page::DELIVERY`]) and `include_count` (lists only).
    pub page: Page,
    /// A single fetch: only when it is the version published.
    pub version: Option<i64>,
}

/// Which locale copies a request reads: without a locale, a list reads every copy and
/// a single fetch the master locale's; `include_fallback` follows the locale's chain.
async fn locales_of(
    state: &AppState,
    auth: &DeliveryAuth,
    request: &DeliveryRequest,
    single: bool,
) -> ApiResult<Locales> {
    let mut conn = state.db.reader().acquire().await.map_err(DbError::from)?;
    let api_key = &auth.stack.api_key;
    Ok(match (&request.locale, single) {
        (None, false) => Locales::Every,
        (None, true) => Locales::FirstOf(vec![locales::master(&mut conn, api_key).await?]),
        (Some(code), _) if request.include_fallback => {
            Locales::FirstOf(locales::fallback_chain(&mut conn, api_key, code).await?)
        }
        (Some(code), _) => Locales::FirstOf(vec![code.clone()]),
    })
}

async fn run(
    state: &AppState,
    slot: Option<Slot>,
    listing: &DeliveryListing,
    wanted: Wanted,
) -> ApiResult<(Vec<DeliveredRow>, Option<i64>)> {
    let slot = match slot {
        Some(slot) => slot,
        None => start_listing(state, None, Weight::Light).await?.0,
    };
    db::delivery::run(state.db.budgeted(), slot, listing, wanted)
        .await
        .map_err(listing_error)
}

/// The assets published in the environment, as the request asks for them.
pub async fn list(
    state: &AppState,
    auth: &DeliveryAuth,
    request: DeliveryRequest,
) -> ApiResult<(Vec<DeliveredRow>, Option<i64>)> {
    let (slot, filter) =
        start_listing(state, request.query.as_deref(), request.sort.weight()).await?;
    let listing = DeliveryListing {
        api_key: auth.stack.api_key.clone(),
        environment_uid: auth.environment.uid.clone(),
        locales: locales_of(state, auth, &request, false).await?,
        asset_uid: None,
        published_since: None,
        filter,
        sort: request.sort,
        skip: request.page.skip(),
        limit: request.page.limit(page::DELIVERY),
    };
    let wanted = if request.page.include_count {
        Wanted::PageAndCount
    } else {
        Wanted::Page
    };
    run(state, Some(slot), &listing, wanted).await
}

/// One asset as published in the environment (404 when it is not published there).
pub async fn get(
    state: &AppState,
    auth: &DeliveryAuth,
    uid: &str,
    request: DeliveryRequest,
) -> ApiResult<DeliveredRow> {
    let listing = DeliveryListing {
        api_key: auth.stack.api_key.clone(),
        environment_uid: auth.environment.uid.clone(),
        locales: locales_of(state, auth, &request, true).await?,
        asset_uid: Some(uid.to_owned()),
        published_since: None,
        filter: Filter::default(),
        sort: Sort::default(),
        skip: 0,
        limit: 1,
    };
    let (rows, _) = run(state, None, &listing, Wanted::Page).await?;
    rows.into_iter()
        .next()
        .filter(|row| request.version.is_none_or(|v| v == row.version))
        .ok_or(ApiError::AssetNotFoundHere)
}

/// A Sync API request.
#[derive(Debug, Clone, Default)]
pub struct SyncRequest {
    pub init: bool,
    pub pagination_token: Option<String>,
    pub sync_token: Option<String>,
    pub locale: Option<String>,
    /// Event types asked for; empty means all (and, for the first sync, published ones).
    pub types: Vec<String>,
    pub start_from: Option<String>,
    pub content_type_uid: Option<String>,
    /// `limit`, within [`SYNC_PAGE`].
    pub page: Page,
}

/// Where a sync is, carried by its tokens (so they survive a restart).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct SyncCursor {
    stack: String,
    environment: String,
    /// The first sync (the published state) or a delta (events).
    delta: bool,
    /// Events after this one ...
    after: i64,
    /// ... up to this one.
    upto: i64,
    skip: u64,
    locale: Option<String>,
    types: Vec<String>,
    start_from: Option<String>,
    /// Asked for something other than assets: nothing to sync.
    none: bool,
}

impl SyncCursor {
    fn encode(&self) -> ApiResult<String> {
        let json = serde_json::to_vec(self).map_err(|e| {
            ApiError::Internal(anyhow::Error::new(e).context("a sync cursor does not serialise"))
        })?;
        Ok(URL_SAFE_NO_PAD.encode(json))
    }

    fn decode(text: &str, auth: &DeliveryAuth, field: &str) -> ApiResult<SyncCursor> {
        let invalid = || ApiError::Unprocessable {
            code: codes::NOT_FOUND,
            message: format!("The {field} is not valid."),
            errors: field_error(field, "is not valid."),
        };
        let bytes = URL_SAFE_NO_PAD.decode(text.trim()).map_err(|_| invalid())?;
        let cursor: SyncCursor = serde_json::from_slice(&bytes).map_err(|_| invalid())?;
        if cursor.stack != auth.stack.api_key || cursor.environment != auth.environment.uid {
            return Err(invalid());
        }
        Ok(cursor)
    }
}

/// One item of a sync page.
#[derive(Debug, Clone)]
pub enum SyncItem {
    Published {
        event_at: String,
        asset: Box<DeliveredRow>,
    },
    Gone {
        event_type: String,
        event_at: String,
        uid: String,
        locale: String,
    },
}

/// A sync page.
#[derive(Debug, Clone)]
pub struct SyncPage {
    pub items: Vec<SyncItem>,
    /// Set on every page but a delta with no changes.
    pub paging: Option<(u64, u64, i64)>,
    /// More to come: the token for the next page.
    pub pagination_token: Option<String>,
    /// The last page: the token for the next delta.
    pub sync_token: Option<String>,
}

/// Answers a Sync API request: the first sync (what is published now), or the changes
/// since a sync token, a page at a time.
pub async fn sync(
    state: &AppState,
    auth: &DeliveryAuth,
    request: SyncRequest,
) -> ApiResult<SyncPage> {
    let limit = request.page.limit(SYNC_PAGE);
    let cursor = match cursor_for(state, auth, &request).await? {
        Ok(cursor) => cursor,
        Err(unchanged) => return Ok(unchanged),
    };
    let (items, total) = if cursor.none {
        (Vec::new(), 0)
    } else if cursor.delta {
        delta_page(state, auth, &cursor, limit).await?
    } else {
        init_page(state, auth, &cursor, limit).await?
    };
    let next_skip = cursor.skip + items.len() as u64;
    let paging = Some((cursor.skip, limit, total));
    if (next_skip as i64) < total && !items.is_empty() {
        let next = SyncCursor {
            skip: next_skip,
            ..cursor
        };
        Ok(SyncPage {
            items,
            paging,
            pagination_token: Some(next.encode()?),
            sync_token: None,
        })
    } else {
        let done = SyncCursor {
            delta: true,
            after: cursor.upto,
            skip: 0,
            ..cursor
        };
        Ok(SyncPage {
            items,
            paging,
            pagination_token: None,
            sync_token: Some(done.encode()?),
        })
    }
}

/// Where a request's sync stands: from its token, or a new first sync. A delta with
/// nothing new is answered at once (the `Err`: the same token again).
async fn cursor_for(
    state: &AppState,
    auth: &DeliveryAuth,
    request: &SyncRequest,
) -> ApiResult<Result<SyncCursor, SyncPage>> {
    if let Some(token) = &request.pagination_token {
        return Ok(Ok(SyncCursor::decode(token, auth, "pagination_token")?));
    }
    let last = db::publishing::last_event(state.db.reader(), &auth.stack.api_key).await?;
    if let Some(token) = &request.sync_token {
        let mut cursor = SyncCursor::decode(token, auth, "sync_token")?;
        if cursor.upto == last {
            return Ok(Err(SyncPage {
                items: Vec::new(),
                paging: None,
                pagination_token: None,
                sync_token: Some(token.clone()),
            }));
        }
        cursor.delta = true;
        cursor.after = cursor.upto;
        cursor.upto = last;
        cursor.skip = 0;
        return Ok(Ok(cursor));
    }
    if !request.init {
        return Err(ApiError::unprocessable(
            codes::NOT_FOUND,
            "Give init=true, a pagination_token or a sync_token.",
            "sync_token",
            "is required.",
        ));
    }
    let types: Vec<String> = request
        .types
        .iter()
        .filter(|t| t.starts_with("asset_"))
        .cloned()
        .collect();
    Ok(Ok(SyncCursor {
        stack: auth.stack.api_key.clone(),
        environment: auth.environment.uid.clone(),
        delta: false,
        after: 0,
        upto: last,
        skip: 0,
        locale: request.locale.clone().filter(|l| !l.is_empty()),
        // Asked for something other than assets only: nothing to sync.
        none: request
            .content_type_uid
            .as_deref()
            .is_some_and(|c| c != "sys_assets")
            || (!request.types.is_empty() && types.is_empty()),
        types,
        start_from: request.start_from.clone().filter(|s| !s.is_empty()),
    }))
}

/// A page of the first sync: every asset published in the environment, newest first.
async fn init_page(
    state: &AppState,
    auth: &DeliveryAuth,
    cursor: &SyncCursor,
    limit: u64,
) -> ApiResult<(Vec<SyncItem>, i64)> {
    if !cursor.types.is_empty() && !cursor.types.iter().any(|t| t == PUBLISHED_EVENT) {
        return Ok((Vec::new(), 0));
    }
    let listing = DeliveryListing {
        api_key: auth.stack.api_key.clone(),
        environment_uid: auth.environment.uid.clone(),
        locales: match &cursor.locale {
            Some(code) => Locales::FirstOf(vec![code.clone()]),
            None => Locales::Every,
        },
        asset_uid: None,
        published_since: cursor.start_from.clone(),
        filter: Filter::default(),
        sort: Sort {
            column: SortColumn::PublishedAt,
            ascending: false,
        },
        skip: cursor.skip,
        limit,
    };
    let (rows, count) = run(state, None, &listing, Wanted::PageAndCount).await?;
    let items = rows
        .into_iter()
        .map(|asset| SyncItem::Published {
            event_at: asset.published_at.clone(),
            asset: Box::new(asset),
        })
        .collect();
    Ok((items, count.unwrap_or(0)))
}

/// A page of a delta: the events since the last sync, newest first.
async fn delta_page(
    state: &AppState,
    auth: &DeliveryAuth,
    cursor: &SyncCursor,
    limit: u64,
) -> ApiResult<(Vec<SyncItem>, i64)> {
    let types = if cursor.types.is_empty() {
        vec![
            PUBLISHED_EVENT.into(),
            "asset_unpublished".into(),
            "asset_deleted".into(),
        ]
    } else {
        cursor.types.clone()
    };
    let window = EventWindow {
        api_key: auth.stack.api_key.clone(),
        environment_uid: auth.environment.uid.clone(),
        after: cursor.after,
        upto: cursor.upto,
        locale: cursor.locale.clone(),
        types,
        since: cursor.start_from.clone(),
    };
    let skip = i64::try_from(cursor.skip).unwrap_or(i64::MAX);
    let (events, total) =
        db::publishing::events(state.db.reader(), &window, skip, limit as i64).await?;
    let items = events
        .into_iter()
        .map(|event| match event.data.0 {
            EventData::Published(asset) => SyncItem::Published {
                event_at: event.event_at,
                asset,
            },
            EventData::Gone(_) => SyncItem::Gone {
                event_type: event.event_type,
                event_at: event.event_at,
                uid: event.asset_uid,
                locale: event.locale,
            },
        })
        .collect();
    Ok((items, total))
}
