//! The Content Delivery API over HTTP: `GET /v3/assets` and `/v3/assets/{uid}` read with
//! a delivery token, and the Sync API `GET /v3/stacks/sync`. Delivery answers carry
//! `content-type: application/json; charset=utf-8`, as the real CDA's do.

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::db::listing::{Sort, SortColumn};
use crate::domain::delivery::{self, DeliveryAuth, DeliveryRequest, SyncItem, SyncRequest};
use crate::error::{ApiError, ApiResult, codes};
use crate::routes::extract::Caller;
use crate::routes::origin::PublicBase;
use crate::routes::query::Params;
use crate::routes::views::{self, render_options};
use crate::state::AppState;

/// A JSON answer as the CDA sends it.
pub fn delivery_json(body: Value) -> Response {
    let mut response = Json(body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    response
}

fn invalid_query(message: impl Into<String>, field: &str) -> ApiError {
    ApiError::unprocessable(codes::INVALID_QUERY, message, field, "is not valid.")
}

/// A delivery read from the query parameters.
fn request_from(params: &Params) -> ApiResult<DeliveryRequest> {
    let sort = match (params.get("asc"), params.get("desc")) {
        (Some(field), _) | (None, Some(field)) => Sort {
            column: SortColumn::from_field(field).ok_or_else(|| {
                invalid_query(format!("Sorting on '{field}' is not supported."), "asc")
            })?,
            ascending: params.get("asc").is_some(),
        },
        (None, None) => Sort::default(),
    };
    let version = match params.get("version") {
        None => None,
        Some(text) => Some(text.trim().parse::<i64>().map_err(|_| {
            ApiError::invalid("The version is not valid.", "version", "is not valid.")
        })?),
    };
    Ok(DeliveryRequest {
        locale: params
            .get("locale")
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned),
        include_fallback: params.flag("include_fallback"),
        query: crate::routes::assets::query_text(params),
        sort,
        skip: params.count("skip").unwrap_or(0),
        limit: delivery::page_limit(params.count("limit")),
        include_count: params.flag("include_count"),
        version,
    })
}

/// `GET /v3/assets` with a delivery token.
pub async fn list_assets(
    state: &AppState,
    base: PublicBase,
    auth: &DeliveryAuth,
    params: &Params,
) -> ApiResult<Response> {
    let (rows, count) = delivery::list(state, auth, request_from(params)?).await?;
    let options = render_options(base, params);
    let assets: Vec<Value> = rows
        .iter()
        .map(|row| views::render_delivered(row, &options, false))
        .collect();
    let mut body = json!({ "assets": assets });
    if let Some(count) = count {
        body["count"] = count.into();
    }
    Ok(delivery_json(body))
}

/// `GET /v3/assets/{uid}` with a delivery token.
pub async fn get_asset(
    state: &AppState,
    base: PublicBase,
    auth: &DeliveryAuth,
    uid: &str,
    params: &Params,
) -> ApiResult<Response> {
    let row = delivery::get(state, auth, uid, request_from(params)?).await?;
    let asset = views::render_delivered(&row, &render_options(base, params), false);
    Ok(delivery_json(json!({ "asset": asset })))
}

/// The delivery credentials of a sync: a delivery token, or the stack's management
/// token with the environment to read.
async fn sync_auth(state: &AppState, caller: Caller, params: &Params) -> ApiResult<DeliveryAuth> {
    match caller {
        Caller::Delivery(auth) => Ok(auth),
        Caller::Management(stack) => {
            let name = params.get("environment").unwrap_or_default();
            let environment = crate::domain::environments::get(state, &stack, name).await?;
            Ok(DeliveryAuth { stack, environment })
        }
    }
}

/// `GET /v3/stacks/sync`
pub async fn sync(
    State(state): State<AppState>,
    base: PublicBase,
    caller: Caller,
    RawQuery(query): RawQuery,
) -> ApiResult<Response> {
    let params = Params::from_query(query.as_deref());
    let auth = sync_auth(&state, caller, &params).await?;
    let request = SyncRequest {
        init: params.flag("init"),
        pagination_token: params.get("pagination_token").map(str::to_owned),
        sync_token: params.get("sync_token").map(str::to_owned),
        locale: params.get("locale").map(str::to_owned),
        types: params
            .get("type")
            .map(|t| {
                t.split(',')
                    .map(|s| s.trim().to_owned())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default(),
        start_from: params.get("start_from").map(str::to_owned),
        content_type_uid: params.get("content_type_uid").map(str::to_owned),
        limit: params.count("limit"),
    };
    let page = delivery::sync(&state, &auth, request).await?;
    // Sync items carry absolute URLs that a client (DataSync) downloads as they are.
    let mut options = render_options(base, &params);
    options.relative_urls = false;
    let items: Vec<Value> = page
        .items
        .iter()
        .map(|item| match item {
            SyncItem::Published { event_at, asset } => json!({
                "type": "asset_published",
                "event_at": event_at,
                "content_type_uid": "sys_assets",
                "data": views::render_delivered(asset, &options, true),
            }),
            SyncItem::Gone {
                event_type,
                event_at,
                uid,
                locale,
            } => json!({
                "type": event_type,
                "event_at": event_at,
                "content_type_uid": "sys_assets",
                "data": { "uid": uid, "locale": locale },
            }),
        })
        .collect();
    let mut body = json!({ "items": items });
    if let Some((skip, limit, total)) = page.paging {
        body["skip"] = skip.into();
        body["limit"] = limit.into();
        body["total_count"] = total.into();
    }
    // Only the token that applies: a client loops while `pagination_token` is present.
    if let Some(token) = page.pagination_token {
        body["pagination_token"] = token.into();
    }
    if let Some(token) = page.sync_token {
        body["sync_token"] = token.into();
    }
    Ok(delivery_json(body))
}
