//! `/v3/locales`: list (the master locale has `fallback_locale: null`), add, fetch,
//! update, remove, by code.

use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;

use crate::contentstack::lenient;
use crate::db::locales::LocaleRow;
use crate::domain::locales::{self, LocaleRequest};
use crate::error::{ApiError, ApiResult};
use crate::routes::envelope::{self, Envelope, Listing};
use crate::routes::extract::{ApiPath, JsonBody, StackAuth};
use crate::routes::query::{ListQuery, Query};
use crate::routes::settings_views::{LocaleView, page_of};
use crate::state::AppState;

/// `{"notice"?, "locale": {...}}`
fn answer(row: LocaleRow) -> Envelope<LocaleView> {
    Envelope::new("locale", LocaleView::from(row))
}

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
    #[serde(default, deserialize_with = "lenient::nullable")]
    fallback_locale: Option<Option<String>>,
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
    Query(query): Query<ListQuery>,
) -> ApiResult<Listing<LocaleView>> {
    let rows = locales::list(&state, &stack).await?;
    let items = rows.into_iter().map(LocaleView::from).collect();
    page_of(items, &query, "locales")
}

/// `POST /v3/locales`
pub async fn create_locale(
    State(state): State<AppState>,
    StackAuth(stack): StackAuth,
    JsonBody(body): JsonBody<LocaleBody>,
) -> ApiResult<(StatusCode, Envelope<LocaleView>)> {
    let row = locales::create(&state, &stack, body.into_request()?).await?;
    Ok((
        StatusCode::CREATED,
        answer(row).with_notice("Language added successfully."),
    ))
}

/// `GET /v3/locales/{code}`
pub async fn get_locale(
    State(state): State<AppState>,
    StackAuth(stack): StackAuth,
    ApiPath(code): ApiPath<String>,
) -> ApiResult<Envelope<LocaleView>> {
    Ok(answer(locales::get(&state, &stack, &code).await?))
}

/// `PUT /v3/locales/{code}`
pub async fn update_locale(
    State(state): State<AppState>,
    StackAuth(stack): StackAuth,
    ApiPath(code): ApiPath<String>,
    JsonBody(body): JsonBody<LocaleBody>,
) -> ApiResult<Envelope<LocaleView>> {
    let row = locales::update(&state, &stack, &code, body.into_request()?).await?;
    Ok(answer(row).with_notice("Language updated successfully."))
}

/// `DELETE /v3/locales/{code}`
pub async fn delete_locale(
    State(state): State<AppState>,
    StackAuth(stack): StackAuth,
    ApiPath(code): ApiPath<String>,
) -> ApiResult<Envelope<()>> {
    locales::delete(&state, &stack, &code).await?;
    Ok(envelope::notice("Language removed successfully."))
}
