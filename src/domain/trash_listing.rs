//! A page of a stack's trash, as `/_mock/stacks/{api_key}/trash` lists it.

use crate::contentstack::page::{self, Page};
use crate::db;
use crate::db::trash::TrashItemRow;
use crate::error::ApiResult;
use crate::state::AppState;

/// One page of the trash (newest first unless `oldest_first`), optionally of one type
/// (`asset` or `folder`), and how many items there are in all.
pub async fn list_items(
    state: &AppState,
    api_key: &str,
    item_type: Option<&str>,
    oldest_first: bool,
    page: &Page,
) -> ApiResult<(Vec<TrashItemRow>, i64)> {
    let skip = i64::try_from(page.skip()).unwrap_or(i64::MAX);
    let limit = i64::try_from(page.limit(page::TRASH)).unwrap_or(i64::MAX);
    let listed = db::trash::list_items(
        state.db.reader(),
        api_key,
        item_type,
        oldest_first,
        skip,
        limit,
    )
    .await?;
    Ok(listed)
}
