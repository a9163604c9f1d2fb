//! Branches, minimal and real: every stack has the one branch `main` (no aliases), as a
//! stack on a plan without branches does. Requests may name it in the `branch` header;
//! another branch is refused. Tokens must name it (or an alias) in their scope.

use crate::error::{ApiError, ApiResult, codes, field_error};

/// The one branch of every stack.
pub const MAIN: &str = "main";

/// Checks the branch a request names (the `branch` header; none means `main`).
pub fn check_requested(branch: Option<&str>) -> ApiResult<&'static str> {
    match branch.map(str::trim).filter(|b| !b.is_empty()) {
        None => Ok(MAIN),
        Some(b) if b == MAIN => Ok(MAIN),
        Some(other) => Err(not_found(other, "branch")),
    }
}

/// The answer for a branch that does not exist.
pub fn not_found(uid: &str, field: &str) -> ApiError {
    ApiError::Unprocessable {
        code: codes::NOT_FOUND,
        message: format!(
            "The branch '{uid}' was not found: this stack has the branch '{MAIN}' only."
        ),
        errors: field_error(field, "is not valid."),
    }
}

/// The refusal of a new branch or alias: the stack's plan has the `main` branch only.
pub fn refused() -> ApiError {
    ApiError::Forbidden {
        code: BRANCHES_NOT_IN_PLAN,
        message: "Branches are not part of this stack's plan: it has the 'main' branch only."
            .to_owned(),
        errors: field_error("branch", "is not available in your plan."),
    }
}

/// The code of a refused branch (the mock's own).
pub const BRANCHES_NOT_IN_PLAN: u32 = 126;

/// Checks a token's scope: it must name a branch or an alias (Contentstack's
/// `scope.branch_or_alias`), and every branch named must exist.
pub fn check_scope<'a>(
    branches: impl Iterator<Item = &'a String>,
    aliases: impl Iterator<Item = &'a String>,
    what: &str,
) -> ApiResult<()> {
    let branches: Vec<&String> = branches.collect();
    let aliases: Vec<&String> = aliases.collect();
    if branches.is_empty() && aliases.is_empty() {
        return Err(ApiError::Unprocessable {
            code: codes::INVALID_FIELD,
            message: format!(
                "{what} creation failed. Please select a branch or an alias in the scope."
            ),
            errors: field_error("scope.branch_or_alias", "is required."),
        });
    }
    if let Some(other) = branches.iter().find(|b| b.as_str() != MAIN) {
        return Err(not_found(other, "scope.branches"));
    }
    // The stack has no aliases.
    if let Some(alias) = aliases.first() {
        return Err(ApiError::Unprocessable {
            code: codes::NOT_FOUND,
            message: format!(
                "The branch alias '{alias}' was not found: this stack has no aliases."
            ),
            errors: field_error("scope.branch_aliases", "is not valid."),
        });
    }
    Ok(())
}
