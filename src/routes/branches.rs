//! `/v3/stacks/branches` and `/v3/stacks/branch_aliases`: the one branch `main`, and no
//! aliases. Making another branch or an alias is refused, as on a plan without them.

use serde::Serialize;

use crate::db::stacks::StackRow;
use crate::domain::branches::{self, MAIN};
use crate::error::{ApiError, ApiResult, codes, field_error};
use crate::routes::envelope::{Envelope, Listing};
use crate::routes::extract::{ApiPath, StackAuth};
use crate::routes::query::Query;
use crate::routes::settings_views::CountQuery;

/// A branch as the API shows it.
#[derive(Serialize)]
pub struct BranchView {
    uid: &'static str,
    source: &'static str,
    created_by: String,
    updated_by: String,
    created_at: String,
    updated_at: String,
    deleted_at: bool,
    alias: [(); 0],
}

fn main_branch(stack: &StackRow) -> BranchView {
    BranchView {
        uid: MAIN,
        source: "",
        created_by: stack.user_uid.clone(),
        updated_by: stack.user_uid.clone(),
        created_at: stack.created_at.clone(),
        updated_at: stack.created_at.clone(),
        deleted_at: false,
        alias: [],
    }
}

/// `GET /v3/stacks/branches`
pub async fn list_branches(
    StackAuth(stack): StackAuth,
    Query(query): Query<CountQuery>,
) -> Listing<BranchView> {
    Listing::new("branches", vec![main_branch(&stack)]).with_count(query.include_count.then_some(1))
}

/// `GET /v3/stacks/branches/{uid}`
pub async fn get_branch(
    StackAuth(stack): StackAuth,
    ApiPath(uid): ApiPath<String>,
) -> ApiResult<Envelope<BranchView>> {
    if uid != MAIN {
        return Err(branches::not_found(&uid, "uid"));
    }
    Ok(Envelope::new("branch", main_branch(&stack)))
}

/// `POST /v3/stacks/branches`, `PUT`/`DELETE` on a branch or an alias: refused.
pub async fn refuse_branch_change(StackAuth(_): StackAuth) -> ApiError {
    branches::refused()
}

/// `GET /v3/stacks/branch_aliases`: none.
pub async fn list_aliases(StackAuth(_): StackAuth, Query(query): Query<CountQuery>) -> Listing<()> {
    Listing::new("branch_aliases", Vec::new()).with_count(query.include_count.then_some(0))
}

/// `GET /v3/stacks/branch_aliases/{uid}`: there are none.
pub async fn get_alias(StackAuth(_): StackAuth, ApiPath(uid): ApiPath<String>) -> ApiError {
    ApiError::Unprocessable {
        code: codes::NOT_FOUND,
        message: format!("The branch alias '{uid}' was not found: this stack has no aliases."),
        errors: field_error("uid", "is not valid."),
    }
}
