//! Environments, locales, delivery tokens and publish queue items, rendered as
//! Contentstack's management API shows them.

use serde_json::{Value, json};

use crate::db::environments::EnvironmentRow;
use crate::db::locales::LocaleRow;
use crate::domain::tokens::TokenView;

/// An environment.
pub fn environment_json(row: &EnvironmentRow) -> Value {
    let urls: Value = serde_json::from_str(&row.urls).unwrap_or_else(|_| json!([]));
    json!({
        "name": row.name,
        "urls": urls,
        "uid": row.uid,
        "created_by": row.created_by,
        "updated_by": row.updated_by,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
        "ACL": {},
        "tags": [],
        "_version": row.version,
    })
}

/// A locale.
pub fn locale_json(row: &LocaleRow) -> Value {
    json!({
        "code": row.code,
        "uid": row.uid,
        "created_by": row.created_by,
        "updated_by": row.updated_by,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
        "fallback_locale": row.fallback_locale,
        "name": row.name,
        "ACL": [],
        "_version": row.version,
    })
}

/// A delivery token, its scope's environments expanded to objects.
pub fn token_json(view: &TokenView) -> Value {
    let row = &view.row;
    let environments: Vec<Value> = view
        .environments
        .iter()
        .map(|e| {
            let mut env = environment_json(e);
            env["app_user_object_uid"] = "system".into();
            env
        })
        .collect();
    let branches: Value = serde_json::from_str(&row.branches).unwrap_or_else(|_| json!(["main"]));
    let mut out = json!({
        "name": row.name,
        "description": row.description,
        "scope": [
            {
                "module": "environment",
                "environments": environments,
                "acl": {"read": true},
                "_metadata": {"uid": format!("cs{}", &row.uid[3..])},
            },
            {
                "module": "branch",
                "branches": branches,
                "acl": {"read": true},
                "_metadata": {"uid": format!("cs{}b", &row.uid[3..])},
            },
        ],
        "uid": row.uid,
        "created_by": row.created_by,
        "updated_by": row.updated_by,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
        "token": row.token,
        "type": "delivery",
    });
    if let Some(preview) = &row.preview_token {
        out["preview_token"] = preview.clone().into();
    }
    out
}

/// A listing of small collections (environments, locales, tokens) as the API pages it:
/// `query` (equality on top-level fields, `null` included), `asc` / `desc`, `skip`,
/// `limit`, `include_count`.
pub fn page_of(
    items: Vec<Value>,
    params: &crate::routes::query::Params,
    key: &str,
) -> Result<Value, crate::error::ApiError> {
    let mut items = items;
    if let Some(text) = params.get("query").map(str::trim).filter(|q| !q.is_empty()) {
        let wanted: serde_json::Map<String, Value> = serde_json::from_str(text).map_err(|e| {
            crate::error::ApiError::unprocessable(
                crate::error::codes::INVALID_QUERY,
                format!("The query is not a JSON object: {e}."),
                "query",
                "is not valid.",
            )
        })?;
        items.retain(|item| {
            wanted
                .iter()
                .all(|(field, value)| item.get(field).unwrap_or(&Value::Null) == value)
        });
    }
    let order = match (params.get("asc"), params.get("desc")) {
        (Some(field), _) => Some((field.to_owned(), true)),
        (None, Some(field)) => Some((field.to_owned(), false)),
        (None, None) => None,
    };
    if let Some((field, ascending)) = order {
        items.sort_by(|a, b| {
            let (a, b) = (a[&field].to_string(), b[&field].to_string());
            if ascending { a.cmp(&b) } else { b.cmp(&a) }
        });
    }
    let count = items.len();
    let skip = usize::try_from(params.count("skip").unwrap_or(0)).unwrap_or(usize::MAX);
    let limit = match params.count("limit") {
        None | Some(0) => 100,
        Some(n) => usize::try_from(n).unwrap_or(usize::MAX).min(100),
    };
    let page: Vec<Value> = items.into_iter().skip(skip).take(limit).collect();
    let mut body = json!({ key: page });
    if params.flag("include_count") {
        body["count"] = count.into();
    }
    Ok(body)
}
