//! `/v3/locales`: list (the master locale has `fallback_locale: null`), add, fetch,
//! update, remove, by code.

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use serde::{Deserialize, Deserializer};
use serde_json::{Value, json};

use crate::domain::locales::{self, LocaleRequest};
use crate::error::{ApiError, ApiResult};
use crate::routes::extract::{ApiPath, JsonBody, StackAuth};
use crate::routes::query::Params;
use crate::routes::settings_views::{locale_json, page_of};
use crate::state::AppState;

/// `{"locale": {"code"?, "name"?, "fallback_locale"?}}`
#[derive(Debug, Deserialize)]
pub struct LocaleBody {
    locale: Option<LocaleFields>,
}

#[derive(Debug, Deserialize)]
struct LocaleFields {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    fallback_locale: Option<Option<String>>,
}

/// A field that may be null: absent is `None`, null is `Some(None)`.
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Ok(Some(Option::<String>::deserialize(d)?))
}

impl LocaleBody {
    fn into_request(self) -> ApiResult<LocaleRequest> {
        let fields = self.locale.ok_or_else(|| {
            ApiError::invalid(
                "Please provide the language details.",
                "locale",
                "is required.",
            )
        })?;
        Ok(LocaleRequest {
            code: fields.code.map(|c| c.trim().to_owned()),
            name: fields.name,
            fallback_locale: fields.fallback_locale,
        })
    }
}

/// `GET /v3/locales`
pub async fn list_locales(
    State(state): State<AppState>,
    StackAuth(stack): StackAuth,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Value>> {
    let params = Params::from_query(query.as_deref());
    let items = locales::list(&state, &stack).await?;
    let items = items.iter().map(locale_json).collect();
    Ok(Json(page_of(items, &params, "locales")?))
}

/// `POST /v3/locales`
pub async fn create_locale(
    State(state): State<AppState>,
    StackAuth(stack): StackAuth,
    JsonBody(body): JsonBody<LocaleBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let row = locales::create(&state, &stack, body.into_request()?).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "notice": "Language added successfully.", "locale": locale_json(&row) })),
    ))
}

/// `GET /v3/locales/{code}`
pub async fn get_locale(
    State(state): State<AppState>,
    StackAuth(stack): StackAuth,
    ApiPath(code): ApiPath<String>,
) -> ApiResult<Json<Value>> {
    let row = locales::get(&state, &stack, &code).await?;
    Ok(Json(json!({ "locale": locale_json(&row) })))
}

/// `PUT /v3/locales/{code}`
pub async fn update_locale(
    State(state): State<AppState>,
    StackAuth(stack): StackAuth,
    ApiPath(code): ApiPath<String>,
    JsonBody(body): JsonBody<LocaleBody>,
) -> ApiResult<Json<Value>> {
    let row = locales::update(&state, &stack, &code, body.into_request()?).await?;
    Ok(Json(
        json!({ "notice": "Language updated successfully.", "locale": locale_json(&row) }),
    ))
}

/// `DELETE /v3/locales/{code}`
pub async fn delete_locale(
    State(state): State<AppState>,
    StackAuth(stack): StackAuth,
    ApiPath(code): ApiPath<String>,
) -> ApiResult<Json<Value>> {
    locales::delete(&state, &stack, &code).await?;
    Ok(Json(json!({ "notice": "Language removed successfully." })))
}
