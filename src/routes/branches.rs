//! `/v3/stacks/branches` and `/v3/stacks/branch_aliases`: the one branch `main`, and no
//! aliases. Making another branch or an alias is refused, as on a plan without them.

use axum::Json;
use axum::extract::RawQuery;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::db::stacks::StackRow;
use crate::domain::branches::{self, MAIN};
use crate::error::{ApiError, ApiResult, codes, field_error};
use crate::routes::extract::{ApiPath, StackAuth};
use crate::routes::query::Params;

/// A branch as the API shows it.
#[derive(Serialize)]
struct BranchView<'a> {
    uid: &'static str,
    source: &'static str,
    created_by: &'a str,
    updated_by: &'a str,
    created_at: &'a str,
    updated_at: &'a str,
    deleted_at: bool,
    alias: [(); 0],
}

fn main_branch(stack: &StackRow) -> BranchView<'_> {
    BranchView {
        uid: MAIN,
        source: "",
        created_by: &stack.user_uid,
        updated_by: &stack.user_uid,
        created_at: &stack.created_at,
        updated_at: &stack.created_at,
        deleted_at: false,
        alias: [],
    }
}

#[derive(Serialize)]
struct BranchList<'a> {
    branches: [BranchView<'a>; 1],
    #[serde(skip_serializing_if = "Option::is_none")]
    count: Option<u8>,
}

#[derive(Serialize)]
struct OneBranch<'a> {
    branch: BranchView<'a>,
}

/// `GET /v3/stacks/branches`
pub async fn list_branches(StackAuth(stack): StackAuth, RawQuery(query): RawQuery) -> Response {
    let params = Params::from_query(query.as_deref());
    Json(BranchList {
        branches: [main_branch(&stack)],
        count: params.flag("include_count").then_some(1),
    })
    .into_response()
}

/// `GET /v3/stacks/branches/{uid}`
pub async fn get_branch(
    StackAuth(stack): StackAuth,
    ApiPath(uid): ApiPath<String>,
) -> ApiResult<Response> {
    if uid != MAIN {
        return Err(branches::not_found(&uid, "uid"));
    }
    Ok(Json(OneBranch {
        branch: main_branch(&stack),
    })
    .into_response())
}

/// `POST /v3/stacks/branches`, `PUT`/`DELETE` on a branch or an alias: refused.
pub async fn refuse_branch_change(StackAuth(_): StackAuth) -> ApiError {
    branches::refused()
}

#[derive(Serialize)]
struct AliasList {
    branch_aliases: [(); 0],
    #[serde(skip_serializing_if = "Option::is_none")]
    count: Option<u8>,
}

/// `GET /v3/stacks/branch_aliases`: none.
pub async fn list_aliases(StackAuth(_): StackAuth, RawQuery(query): RawQuery) -> Response {
    let params = Params::from_query(query.as_deref());
    Json(AliasList {
        branch_aliases: [],
        count: params.flag("include_count").then_some(0),
    })
    .into_response()
}

/// `GET /v3/stacks/branch_aliases/{uid}`: there are none.
pub async fn get_alias(StackAuth(_): StackAuth, ApiPath(uid): ApiPath<String>) -> ApiError {
    ApiError::Unprocessable {
        code: codes::NOT_FOUND,
        message: format!("The branch alias '{uid}' was not found: this stack has no aliases."),
        errors: field_error("uid", "is not valid."),
    }
}
