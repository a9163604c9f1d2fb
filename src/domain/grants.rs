//! What a management token made through the API may do: its scope as sent and shown,
//! and the grant a request is checked against (the `asset` module's read and write, the
//! branches it names, its expiry on the stack's clock).

use chrono::{DateTime, NaiveDate, Utc};

use crate::db::management_tokens::ManagementTokenRow;
pub use crate::db::management_tokens::{Acl, ScopeItem};
use crate::error::{ApiError, ApiResult, field_error};

/// What a management token may do, as the request path checks it.
#[derive(Debug, Clone, PartialEq)]
pub struct Grant {
    pub uid: String,
    pub api_key: String,
    pub asset: Acl,
    pub branches: Vec<String>,
    pub expires_at: Option<DateTime<Utc>>,
}

impl Grant {
    /// The grant a stored token gives.
    pub fn of(row: &ManagementTokenRow) -> Grant {
        let scope: &[ScopeItem] = &row.scope;
        let asset = scope
            .iter()
            .find(|item| item.module == "asset")
            .map(|item| item.acl)
            .unwrap_or_default();
        let branches = scope
            .iter()
            .filter(|item| item.module == "branch")
            .flat_map(|item| item.branches.clone().unwrap_or_default())
            .collect();
        Grant {
            uid: row.uid.clone(),
            api_key: row.stack_api_key.clone(),
            asset,
            branches,
            expires_at: row.expires_on.as_deref().and_then(parse_expiry),
        }
    }

    /// Whether the token has expired at `now` (on its stack's clock).
    pub fn expired(&self, now: DateTime<Utc>) -> bool {
        self.expires_at.is_some_and(|at| at <= now)
    }

    /// Checks a request against the scope: asset calls need the `asset` module (read
    /// for GET, write for the rest), and the branch must be one the token names.
    pub fn allows(&self, method: &str, path: &str, branch: &str) -> ApiResult<()> {
        if !self.branches.iter().any(|b| b == branch) {
            return Err(no_permission(&format!("the branch '{branch}'"), "branch"));
        }
        let is_asset_call = path.starts_with("/v3/assets") || path.starts_with("/v3/bulk/");
        if is_asset_call {
            let allowed = match method {
                "GET" | "HEAD" => self.asset.read,
                _ => self.asset.write,
            };
            if !allowed {
                let what = if method == "GET" { "read" } else { "write" };
                return Err(no_permission(&format!("{what} assets"), "asset"));
            }
        }
        Ok(())
    }
}

/// The refusal of a token that opens the stack but may not do this.
fn no_permission(what: &str, module: &str) -> ApiError {
    ApiError::Forbidden {
        code: NO_PERMISSION,
        message: format!("This management token does not have permission to {what}."),
        errors: field_error(&format!("scope.{module}"), "does not allow this action."),
    }
}

/// Contentstack's code for a credential without the permission for an action.
pub const NO_PERMISSION: u32 = 161;

/// Reads an expiry: RFC 3339, or a date (its start, UTC).
pub fn parse_expiry(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|t| t.and_utc())
        })
}
