//! `/_mock/stacks/{api_key}/trash`: list, restore, delete for good, empty, purge now.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::contentstack::lenient;
use crate::contentstack::page::Page;
use crate::contentstack::time::format_ts;
use crate::db::trash::TrashItemRow;
use crate::domain::purge::{self, Purged, PurgedList, Which};
use crate::domain::stacks::find;
use crate::domain::trash;
use crate::error::{ApiError, ApiResult};
use crate::routes::control::purged::with_purged;
use crate::routes::envelope::{Envelope, Listing};
use crate::routes::extract::{ApiPath, OptionalJson};
use crate::routes::origin::PublicBase;
use crate::routes::query::{Order, Query};
use crate::routes::views::{self, RenderOptions};
use crate::state::AppState;

/// `?type=asset|folder`, `asc` / `desc`, `skip`, `limit`.
#[derive(Debug, Default, Deserialize)]
pub struct TrashQuery {
    #[serde(default, rename = "type")]
    item_type: Option<String>,
    #[serde(flatten)]
    order: Order,
    #[serde(flatten)]
    page: Page,
}

/// One item of the trash listing.
#[derive(Debug, Serialize)]
pub struct TrashItemView {
    uid: String,
    #[serde(rename = "type")]
    item_type: String,
    #[serde(flatten)]
    named: Named,
    parent_uid: Option<String>,
    deleted_at: String,
    deleted_by: String,
    purge_at: String,
    restorable: bool,
    /// A folder's contents (rows besides its own).
    #[serde(skip_serializing_if = "Option::is_none")]
    items: Option<i64>,
}

/// A folder shows its name, an asset its title and filename.
#[derive(Debug, Serialize)]
#[serde(untagged)]
enum Named {
    Folder {
        name: Option<String>,
    },
    Asset {
        title: Option<String>,
        filename: Option<String>,
    },
}

impl TrashItemView {
    fn of(item: TrashItemRow, now: &str) -> Self {
        let is_folder = item.item_type == "folder";
        let named = if is_folder {
            Named::Folder { name: item.name }
        } else {
            Named::Asset {
                title: item.title,
                filename: item.filename,
            }
        };
        TrashItemView {
            restorable: now < item.purge_at.as_str(),
            items: is_folder.then_some(item.inside),
            uid: item.uid,
            item_type: item.item_type,
            named,
            parent_uid: item.parent_uid,
            deleted_at: item.deleted_at,
            deleted_by: item.deleted_by,
            purge_at: item.purge_at,
        }
    }
}

/// The listing's order from `asc` / `desc` (`deleted_at` or `purge_at`): newest first by
/// default. Every item keeps the same retention, so the purge order is the delete order.
fn oldest_first(order: &Order) -> ApiResult<bool> {
    let Some(requested) = order.requested() else {
        return Ok(false);
    };
    match requested.field {
        "deleted_at" | "purge_at" => Ok(requested.ascending),
        _ => Err(ApiError::invalid(
            format!("'{}' must be 'deleted_at' or 'purge_at'.", requested.key),
            requested.key,
            "is not valid.",
        )),
    }
}

/// `GET /_mock/stacks/{api_key}/trash`
pub async fn list_trash(
    State(state): State<AppState>,
    ApiPath(api_key): ApiPath<String>,
    Query(query): Query<TrashQuery>,
) -> ApiResult<Listing<TrashItemView>> {
    let stack = find(&state, &api_key)?;
    let item_type = match query.item_type.as_deref() {
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
    let oldest_first = oldest_first(&query.order)?;
    let (items, count) =
        trash::list_items(&state, &stack, item_type, oldest_first, query.page).await?;
    let now = format_ts(stack.clock().now());
    let items = items
        .into_iter()
        .map(|item| TrashItemView::of(item, &now))
        .collect();
    Ok(Listing::new("items", items).with_count(Some(u64::try_from(count).unwrap_or(0))))
}

/// `{"with_assets"?: bool}`
#[derive(Debug, Default, Deserialize)]
pub struct RestoreBody {
    #[serde(default, deserialize_with = "lenient::flag")]
    with_assets: Option<bool>,
}

/// `POST /_mock/stacks/{api_key}/trash/{uid}/restore`
pub async fn restore(
    State(state): State<AppState>,
    base: PublicBase,
    ApiPath((api_key, uid)): ApiPath<(String, String)>,
    OptionalJson(body): OptionalJson<RestoreBody>,
) -> ApiResult<Response> {
    let stack = find(&state, &api_key)?;
    let with_assets = body.with_assets.unwrap_or(true);
    let outcome = trash::restore(&state, &stack, &uid, with_assets).await?;
    let notice = if outcome.is_folder {
        "Folder restored successfully."
    } else {
        "Asset restored successfully."
    };
    let options = RenderOptions {
        public_url: base.0,
        ..RenderOptions::default()
    };
    let asset = views::render(&outcome.row, &options, None);
    Ok(Envelope::new("asset", asset)
        .with_notice(notice)
        .into_response())
}

/// `{"purged": [{"uid", "type"}]}`
fn purged_listing(purged: Vec<Purged>) -> Listing<Purged> {
    Listing::new("purged", purged)
}

/// `DELETE /_mock/stacks/{api_key}/trash/{uid}`
pub async fn delete_trash_item(
    State(state): State<AppState>,
    ApiPath((api_key, uid)): ApiPath<(String, String)>,
) -> ApiResult<Listing<Purged>> {
    find(&state, &api_key)?;
    let purged = purge::purge_uids(&state, &api_key, std::slice::from_ref(&uid)).await?;
    if purged.is_empty() {
        return Err(ApiError::NotFound {
            message: format!("{uid} is not in the trash."),
        });
    }
    Ok(purged_listing(purged))
}

/// `DELETE /_mock/stacks/{api_key}/trash`
pub async fn empty_trash(
    State(state): State<AppState>,
    ApiPath(api_key): ApiPath<String>,
) -> ApiResult<Response> {
    purge_and_answer(&state, &api_key, Which::All).await
}

/// `POST /_mock/stacks/{api_key}/trash/purge`
pub async fn purge_due(
    State(state): State<AppState>,
    ApiPath(api_key): ApiPath<String>,
) -> ApiResult<Response> {
    purge_and_answer(&state, &api_key, Which::Due).await
}

/// Purges `which` items of the stack and answers `{"purged": [...]}`.
async fn purge_and_answer(state: &AppState, api_key: &str, which: Which) -> ApiResult<Response> {
    find(state, api_key)?;
    let purged = purge::purge_stack(state, api_key, which, PurgedList::for_answer(state)).await?;
    Ok(with_purged(b"{}".to_vec(), purged))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(item_type: &str) -> TrashItemRow {
        TrashItemRow {
            uid: "u1".into(),
            item_type: item_type.into(),
            deleted_at: "2026-01-01T00:00:00.000Z".into(),
            deleted_by: "cs1".into(),
            purge_at: "2026-01-15T00:00:00.000Z".into(),
            title: Some("A".into()),
            name: None,
            filename: Some("a.txt".into()),
            parent_uid: None,
            inside: 2,
        }
    }

    #[test]
    fn trash_items_keep_their_keys_in_order() {
        let now = "2026-01-02T00:00:00.000Z";
        assert_eq!(
            serde_json::to_string(&TrashItemView::of(row("asset"), now)).unwrap(),
            r#"{"uid":"u1","type":"asset","title":"A","filename":"a.txt","parent_uid":null,"deleted_at":"2026-01-01T00:00:00.000Z","deleted_by":"cs1","purge_at":"2026-01-15T00:00:00.000Z","restorable":true}"#
        );
        assert_eq!(
            serde_json::to_string(&TrashItemView::of(row("folder"), "2026-02-01")).unwrap(),
            r#"{"uid":"u1","type":"folder","name":null,"parent_uid":null,"deleted_at":"2026-01-01T00:00:00.000Z","deleted_by":"cs1","purge_at":"2026-01-15T00:00:00.000Z","restorable":false,"items":2}"#
        );
    }
}
