//! What the management API adds to assets on request: the malware scan status
//! (`include_asset_scan_status`, set by tests through `/_mock`), and the versions
//! published in an environment (`environment=` on the asset list and fetch).

use std::collections::HashMap;

use crate::db;
use crate::db::stacks::StackRow;
use crate::domain::{assets, environments};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// The statuses the scan may report; an asset never set is `not_scanned`.
pub const SCAN_STATUSES: [&str; 4] = ["not_scanned", "pending", "clean", "quarantined"];
/// The status of an asset nothing was set for.
pub const NOT_SCANNED: &str = "not_scanned";

/// The scan status of each of some assets that has one (the others are `not_scanned`).
pub async fn scan_statuses(
    state: &AppState,
    stack: &StackRow,
    uids: &[String],
) -> ApiResult<HashMap<String, String>> {
    Ok(
        db::scan_status::statuses_of(state.db.reader(), &stack.api_key, uids)
            .await?
            .into_iter()
            .collect(),
    )
}

/// Sets what the scan said of a live file asset.
pub async fn set_scan_status(
    state: &AppState,
    stack: &StackRow,
    uid: &str,
    status: &str,
) -> ApiResult<()> {
    if !SCAN_STATUSES.contains(&status) {
        return Err(ApiError::invalid(
            format!(
                "'{status}' is not a scan status; use one of {}.",
                SCAN_STATUSES.join(", ")
            ),
            "status",
            "is not valid.",
        ));
    }
    let row = assets::require(state, stack, uid).await?;
    if row.is_dir {
        return Err(ApiError::AssetNotFound);
    }
    let mut tx = state.db.begin_write().await?;
    db::scan_status::set(&mut tx, &stack.api_key, uid, status).await?;
    db::commit(tx).await?;
    Ok(())
}

/// The version of each asset published in the environment named (the highest one when
/// its locales differ); an unknown environment is a 422.
pub async fn published_versions(
    state: &AppState,
    stack: &StackRow,
    environment: &str,
) -> ApiResult<HashMap<String, i64>> {
    let environment = environments::get(state, stack, environment).await?;
    Ok(
        db::publishing::versions_in(state.db.reader(), &stack.api_key, &environment.uid)
            .await?
            .into_iter()
            .collect(),
    )
}
