//! The two wrappers around every answer: one item under its name with an optional
//! notice (`{"notice": "...", "asset": {...}}`, [`Envelope`]) and a list under its
//! name with an optional count (`{"assets": [...], "count": 3}`, [`Listing`]). The
//! notice comes first, as Contentstack writes it.

use std::borrow::Cow;

use axum::Json;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::ser::SerializeMap;

/// `{"notice"?: ..., "<name>"?: item}`.
#[derive(Debug, Clone)]
pub struct Envelope<T> {
    notice: Option<Cow<'static, str>>,
    name: &'static str,
    item: Option<T>,
}

impl<T> Envelope<T> {
    /// `{"<name>": item}`.
    pub fn new(name: &'static str, item: T) -> Self {
        Envelope {
            notice: None,
            name,
            item: Some(item),
        }
    }

    /// The same with a notice before it.
    pub fn with_notice(mut self, notice: impl Into<Cow<'static, str>>) -> Self {
        self.notice = Some(notice.into());
        self
    }
}

/// `{"notice": ...}` alone, for a change with nothing to show.
pub fn notice(text: impl Into<Cow<'static, str>>) -> Envelope<()> {
    Envelope {
        notice: Some(text.into()),
        name: "",
        item: None,
    }
}

impl<T: Serialize> Serialize for Envelope<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        if let Some(notice) = &self.notice {
            map.serialize_entry("notice", notice)?;
        }
        if let Some(item) = &self.item {
            map.serialize_entry(self.name, item)?;
        }
        map.end()
    }
}

impl<T: Serialize> IntoResponse for Envelope<T> {
    fn into_response(self) -> Response {
        Json(self).into_response()
    }
}

/// `{"<name>": [items], "count"?: n}`.
#[derive(Debug, Clone)]
pub struct Listing<T> {
    name: &'static str,
    items: Vec<T>,
    count: Option<u64>,
}

impl<T> Listing<T> {
    /// `{"<name>": items}`.
    pub fn new(name: &'static str, items: Vec<T>) -> Self {
        Listing {
            name,
            items,
            count: None,
        }
    }

    /// With `"count"` when `count` is given (`include_count=true`).
    pub fn with_count(mut self, count: Option<u64>) -> Self {
        self.count = count;
        self
    }
}

impl<T: Serialize> Serialize for Listing<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry(self.name, &self.items)?;
        if let Some(count) = self.count {
            map.serialize_entry("count", &count)?;
        }
        map.end()
    }
}

impl<T: Serialize> IntoResponse for Listing<T> {
    fn into_response(self) -> Response {
        Json(self).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelopes_and_listings_render_as_contentstack_writes_them() {
        let created = Envelope::new("asset", serde_json::json!({"uid": "a"}))
            .with_notice("Asset created successfully.");
        assert_eq!(
            serde_json::to_string(&created).unwrap(),
            r#"{"notice":"Asset created successfully.","asset":{"uid":"a"}}"#
        );
        assert_eq!(
            serde_json::to_string(&notice("Asset deleted successfully.")).unwrap(),
            r#"{"notice":"Asset deleted successfully."}"#
        );
        let listing = Listing::new("versions", vec![1, 2]).with_count(Some(2));
        assert_eq!(
            serde_json::to_string(&listing).unwrap(),
            r#"{"versions":[1,2],"count":2}"#
        );
        let bare = Listing::new("items", Vec::<u8>::new());
        assert_eq!(serde_json::to_string(&bare).unwrap(), r#"{"items":[]}"#);
    }
}
