//! Query strings read into typed structs ([`Query`]): the last value of a repeated
//! parameter wins, values are read with [`crate::contentstack::lenient`]'s readers, and
//! a parameter that cannot be read is a 422 in Contentstack's shape. The shapes many
//! routes share live here too: [`Order`] (`asc` / `desc`) and [`ListQuery`].

use std::collections::HashMap;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::contentstack::lenient;
use crate::contentstack::page::Page;
use crate::error::{ApiError, codes};

/// A query string read into `T`.
#[derive(Debug, Clone, Default)]
pub struct Query<T>(pub T);

impl<T: DeserializeOwned> Query<T> {
    /// Reads a raw query string (without the `?`).
    pub fn parse(raw: Option<&str>) -> Result<T, ApiError> {
        // Last value wins, as Contentstack reads `?limit=1&limit=5`; re-encoding the
        // survivors lets serde see each name once.
        let pairs: HashMap<String, String> = form_urlencoded::parse(raw.unwrap_or("").as_bytes())
            .into_owned()
            .collect();
        let encoded = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(&pairs)
            .finish();
        serde_urlencoded::from_str(&encoded).map_err(|error| {
            ApiError::unprocessable(
                codes::INVALID_QUERY,
                format!("The query string is not valid: {error}."),
                "query",
                "is not valid.",
            )
        })
    }
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Self::parse(parts.uri.query()).map(Query)
    }
}

/// `asc=<field>` or `desc=<field>` (`asc` wins when both are sent).
#[derive(Debug, Default, Clone, Deserialize)]
pub struct Order {
    #[serde(default, deserialize_with = "lenient::query_text")]
    pub asc: Option<String>,
    #[serde(default, deserialize_with = "lenient::query_text")]
    pub desc: Option<String>,
}

/// A requested order: the field, the parameter that named it, and the direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ordering<'a> {
    pub field: &'a str,
    pub key: &'static str,
    pub ascending: bool,
}

impl Order {
    /// The order asked for, if any.
    pub fn requested(&self) -> Option<Ordering<'_>> {
        match (&self.asc, &self.desc) {
            (Some(field), _) => Some(Ordering {
                field,
                key: "asc",
                ascending: true,
            }),
            (None, Some(field)) => Some(Ordering {
                field,
                key: "desc",
                ascending: false,
            }),
            (None, None) => None,
        }
    }
}

/// What a list call reads: a `query` filter, an order and a page.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct ListQuery {
    #[serde(default, deserialize_with = "lenient::query_text")]
    pub query: Option<String>,
    #[serde(flatten)]
    pub order: Order,
    #[serde(flatten)]
    pub page: Page,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    struct Sample {
        #[serde(flatten)]
        list: ListQuery,
        #[serde(default, deserialize_with = "lenient::query_text")]
        q: Option<String>,
    }

    #[test]
    fn query_strings_are_read_leniently_and_last_wins() {
        let sample: Sample = Query::parse(Some(
            "skip=1e%2B100&limit=1&limit=5&include_count=True&query=%7B%22a%22%3A1%7D&q=a+b&desc=title&x=%4",
        ))
        .unwrap();
        assert_eq!(sample.list.page.skip, Some(u64::MAX));
        assert_eq!(sample.list.page.limit, Some(5));
        assert!(sample.list.page.include_count);
        assert_eq!(sample.list.query.as_deref(), Some("{\"a\":1}"));
        assert_eq!(sample.q.as_deref(), Some("a b"));
        let order = sample.list.order.requested().unwrap();
        assert_eq!(
            (order.field, order.key, order.ascending),
            ("title", "desc", false)
        );
        let empty: Sample = Query::parse(None).unwrap();
        assert!(empty.list.order.requested().is_none());
        assert!(!empty.list.page.include_count);
    }
}
