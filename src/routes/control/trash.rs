//! `/_mock/stacks/{api_key}/trash`: list, restore, delete for good, empty, purge now.

use axum::Json;
use axum::extract::{RawQuery, State};
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value, json};

use crate::contentstack::lenient::parse_bool;
use crate::contentstack::time::format_ts;
use crate::db::trash::{self as trash_db, TrashItemRow};
use crate::domain::purge::{self, Purged, Which};
use crate::domain::stacks::find;
use crate::domain::trash;
use crate::error::{ApiError, ApiResult};
use crate::routes::extract::{ApiPath, OptionalJson};
use crate::routes::origin::PublicBase;
use crate::routes::query::Params;
use crate::routes::views::{self, render_options};
use crate::state::AppState;

/// Most trash items one page lists.
const MAX_TRASH_PAGE: u64 = 1000;

fn trash_item_json(item: &TrashItemRow, now: &str) -> Value {
    let mut out = Map::new();
    out.insert("uid".into(), item.uid.clone().into());
    out.insert("type".into(), item.item_type.clone().into());
    if item.item_type == "folder" {
        out.insert("name".into(), item.name.clone().into());
    } else {
        out.insert("title".into(), item.title.clone().into());
        out.insert("filename".into(), item.filename.clone().into());
    }
    out.insert("parent_uid".into(), item.parent_uid.clone().into());
    out.insert("deleted_at".into(), item.deleted_at.clone().into());
    out.insert("deleted_by".into(), item.deleted_by.clone().into());
    out.insert("purge_at".into(), item.purge_at.clone().into());
    out.insert("restorable".into(), (now < item.purge_at.as_str()).into());
    if item.item_type == "folder" {
        out.insert("items".into(), item.inside.into());
    }
    Value::Object(out)
}

/// The listing's order from `asc` / `desc` (`deleted_at` or `purge_at`): newest first by
/// default. Every item keeps the same retention, so the purge order is the delete order.
fn oldest_first(params: &Params) -> ApiResult<bool> {
    let (field, key, ascending) = match (params.get("asc"), params.get("desc")) {
        (Some(field), _) => (field, "asc", true),
        (None, Some(field)) => (field, "desc", false),
        (None, None) => return Ok(false),
    };
    match field {
        "deleted_at" | "purge_at" => Ok(ascending),
        _ => Err(ApiError::invalid(
            format!("'{key}' must be 'deleted_at' or 'purge_at'."),
            key,
            "is not valid.",
        )),
    }
}

/// `GET /_mock/stacks/{api_key}/trash`
pub async fn list_trash(
    State(state): State<AppState>,
    ApiPath(api_key): ApiPath<String>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Value>> {
    let stack = find(&state, &api_key)?;
    let params = Params::from_query(query.as_deref());
    let item_type = match params.get("type") {
        None | Some("") => None,
        Some(t @ ("asset" | "folder")) => Some(t),
        Some(_) => {
            return Err(ApiError::invalid(
                "'type' must be 'asset' or 'folder'.",
                "type",
                "is not valid.",
            ));
        }
    };
    let oldest_first = oldest_first(&params)?;
    let skip = i64::try_from(params.count("skip").unwrap_or(0)).unwrap_or(i64::MAX);
    let limit = match params.count("limit") {
        None | Some(0) => 100,
        Some(n) => n.min(MAX_TRASH_PAGE) as i64,
    };
    let (items, count) = trash_db::list_items(
        state.db.reader(),
        &api_key,
        item_type,
        oldest_first,
        skip,
        limit,
    )
    .await?;
    let now = format_ts(stack.clock().now());
    let items: Vec<Value> = items
        .iter()
        .map(|item| trash_item_json(item, &now))
        .collect();
    Ok(Json(json!({ "items": items, "count": count })))
}

/// `{"with_assets"?: bool}`
#[derive(Debug, Default, Deserialize)]
pub struct RestoreBody {
    #[serde(default, deserialize_with = "flag")]
    with_assets: Option<bool>,
}

/// A boolean, as JSON or as text (`"true"`, `"False"`, `"1"`).
fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    let invalid = || serde::de::Error::custom("'with_assets' must be true or false");
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        Value::Bool(b) => Ok(Some(b)),
        Value::String(s) => parse_bool(&s).map(Some).ok_or_else(invalid),
        _ => Err(invalid()),
    }
}

/// `POST /_mock/stacks/{api_key}/trash/{uid}/restore`
pub async fn restore(
    State(state): State<AppState>,
    base: PublicBase,
    ApiPath((api_key, uid)): ApiPath<(String, String)>,
    OptionalJson(body): OptionalJson<RestoreBody>,
) -> ApiResult<Json<Value>> {
    let stack = find(&state, &api_key)?;
    let with_assets = body.with_assets.unwrap_or(true);
    let outcome = trash::restore(&state, &stack, &uid, with_assets).await?;
    let notice = if outcome.is_folder {
        "Folder restored successfully."
    } else {
        "Asset restored successfully."
    };
    let asset = views::render(
        &outcome.row,
        &render_options(base, &Params::default()),
        None,
    );
    Ok(Json(json!({ "notice": notice, "asset": asset })))
}

fn purged_json(purged: Vec<Purged>) -> Json<Value> {
    Json(json!({ "purged": purged }))
}

/// `DELETE /_mock/stacks/{api_key}/trash/{uid}`
pub async fn delete_trash_item(
    State(state): State<AppState>,
    ApiPath((api_key, uid)): ApiPath<(String, String)>,
) -> ApiResult<Json<Value>> {
    find(&state, &api_key)?;
    let purged = purge::purge_uids(&state, &api_key, std::slice::from_ref(&uid)).await?;
    if purged.is_empty() {
        return Err(ApiError::NotFound {
            message: format!("{uid} is not in the trash."),
        });
    }
    Ok(purged_json(purged))
}

/// `DELETE /_mock/stacks/{api_key}/trash`
pub async fn empty_trash(
    State(state): State<AppState>,
    ApiPath(api_key): ApiPath<String>,
) -> ApiResult<Json<Value>> {
    find(&state, &api_key)?;
    Ok(purged_json(
        purge::purge_stack(&state, &api_key, Which::All).await?,
    ))
}

/// `POST /_mock/stacks/{api_key}/trash/purge`
pub async fn purge_due(
    State(state): State<AppState>,
    ApiPath(api_key): ApiPath<String>,
) -> ApiResult<Json<Value>> {
    find(&state, &api_key)?;
    Ok(purged_json(
        purge::purge_stack(&state, &api_key, Which::Due).await?,
    ))
}
