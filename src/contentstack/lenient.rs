//! Values read as leniently as Contentstack reads them, because the official clients
//! send them every which way: booleans as `true`/`True`/`1` or JSON `true`, numbers as
//! `100`, `"100"` or `1e+100`, tags as a list or a comma-joined string, a folder as a
//! uid, `null` or `cs_root`. Every `deserialize_with` reader of the service lives here.

use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// Reads a boolean the way every client spells it; anything else is `None`.
pub fn parse_bool(text: &str) -> Option<bool> {
    match text.trim() {
        t if t.eq_ignore_ascii_case("true") || t == "1" => Some(true),
        t if t.eq_ignore_ascii_case("false") || t == "0" || t.is_empty() => Some(false),
        _ => None,
    }
}

/// Reads a non-negative whole number from text: `1e+100` saturates, negatives are 0,
/// anything unreadable is `None`.
pub fn parse_count(text: &str) -> Option<u64> {
    let value: f64 = text.trim().parse().ok()?;
    if value.is_nan() {
        return None;
    }
    Some(if value <= 0.0 {
        0
    } else {
        value.min(u64::MAX as f64) as u64
    })
}

/// Tags arrive comma-joined from every SDK; the response shows them as a list.
pub fn split_tags(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A field as sent: a usable value, or something that is not one (an error for the
/// caller to name); an absent or `null` field is `None` around it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sent<T> {
    Valid(T),
    Invalid,
}

/// A query-string flag: absent or unreadable is false.
pub fn query_flag<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(parse_bool(&String::deserialize(d)?).unwrap_or(false))
}

/// A query-string count (`skip`, `limit`): unreadable is as if absent.
pub fn query_count<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    Ok(parse_count(&String::deserialize(d)?))
}

/// A query-string text: trimmed, and empty is as if absent.
pub fn query_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let text = String::deserialize(d)?;
    let trimmed = text.trim();
    Ok((!trimmed.is_empty()).then(|| trimmed.to_owned()))
}

/// A query-string number as sent: empty is as if absent, anything that does not read
/// as a `T` is [`Sent::Invalid`] (an error for the caller to name).
pub fn query_number<'de, D: Deserializer<'de>, T: std::str::FromStr>(
    d: D,
) -> Result<Option<Sent<T>>, D::Error> {
    let text = String::deserialize(d)?;
    Ok(match text.as_str() {
        "" => None,
        text => Some(text.parse().map_or(Sent::Invalid, Sent::Valid)),
    })
}

/// A string; anything else is as if absent.
pub fn text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) => Some(s),
        _ => None,
    })
}

/// A JSON number; `null` is not given, anything else (a numeric string too) is invalid.
pub fn number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Sent<f64>>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Null => None,
        Value::Number(n) => Some(n.as_f64().map_or(Sent::Invalid, Sent::Valid)),
        _ => Some(Sent::Invalid),
    })
}

/// A non-empty string (trimmed); `null` is not given, anything else is invalid.
pub fn non_empty_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Sent<String>>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Null => None,
        Value::String(s) if !s.trim().is_empty() => Some(Sent::Valid(s.trim().to_owned())),
        _ => Some(Sent::Invalid),
    })
}

/// A field that may be null: absent is `None`, `null` is `Some(None)`.
pub fn nullable<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Ok(Some(Option::<String>::deserialize(d)?))
}

/// A list of strings (comma-joined ones are split), a comma-joined string, or null
/// (no tags); anything else is as if absent.
pub fn tags<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Array(items) => Some(
            items
                .iter()
                .filter_map(Value::as_str)
                .flat_map(split_tags)
                .collect(),
        ),
        Value::String(s) => Some(split_tags(&s)),
        Value::Null => Some(Vec::new()),
        _ => None,
    })
}

/// A stored list of strings: a JSON list, or the JSON text of one (as records written
/// before the list was stored as such hold it); anything else is an error.
pub fn list_or_json_text<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: From<Vec<String>>,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Stored {
        List(Vec<String>),
        Text(String),
    }
    let list = match Stored::deserialize(d)? {
        Stored::List(list) => list,
        Stored::Text(text) => serde_json::from_str(&text).map_err(serde::de::Error::custom)?,
    };
    Ok(T::from(list))
}

/// A folder uid as text: empty, `null` and `cs_root` mean the root (`None`).
pub fn folder_uid(text: &str) -> Option<String> {
    let trimmed = text.trim();
    if trimmed.is_empty() || trimmed == "null" || trimmed == "cs_root" {
        None
    } else {
        Some(trimmed.to_owned())
    }
}

/// Where something goes: a folder uid (`Some(uid)`), or `null`, empty or `cs_root` for
/// the root (`None`); anything else is invalid. Absent is `None` around it.
pub fn parent<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Sent<Option<String>>>, D::Error> {
    Ok(Some(match Value::deserialize(d)? {
        Value::Null => Sent::Valid(None),
        Value::String(uid) => Sent::Valid(folder_uid(&uid)),
        _ => Sent::Invalid,
    }))
}

/// A version number, as a number or a numeric string; anything else is an error.
pub fn version<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    let invalid = || serde::de::Error::custom("the version is not a whole number");
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        Value::Number(n) => n.as_i64().map(Some).ok_or_else(invalid),
        Value::String(s) => s.trim().parse().map(Some).map_err(|_| invalid()),
        _ => Err(invalid()),
    }
}

/// A boolean, as JSON or as text (`"true"`, `"False"`, `"1"`); anything else is an error.
pub fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    let invalid = || serde::de::Error::custom("must be true or false");
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        Value::Bool(b) => Ok(Some(b)),
        Value::String(s) => parse_bool(&s).map(Some).ok_or_else(invalid),
        _ => Err(invalid()),
    }
}

/// A list of names: strings, or objects with a `name` (or `code`, or `uid`).
pub fn names<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let items = Option::<Vec<Value>>::deserialize(d)?.unwrap_or_default();
    Ok(items
        .iter()
        .filter_map(|item| match item {
            Value::String(s) => Some(s.trim().to_owned()),
            Value::Object(o) => o
                .get("name")
                .or_else(|| o.get("code"))
                .or_else(|| o.get("uid"))
                .and_then(Value::as_str)
                .map(str::to_owned),
            _ => None,
        })
        .collect())
}

/// A list of names as given: strings, or objects with a `name` (else a `uid`); other
/// items are skipped. Absent is an empty list; `null` is an error.
pub fn names_or_uids<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let items = Vec::<Value>::deserialize(d)?;
    Ok(items
        .iter()
        .filter_map(|item| match item {
            Value::String(name) => Some(name.clone()),
            Value::Object(o) => o
                .get("name")
                .or_else(|| o.get("uid"))
                .and_then(Value::as_str)
                .map(str::to_owned),
            _ => None,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn booleans_and_numbers_are_read_leniently() {
        assert_eq!(parse_bool("True"), Some(true));
        assert_eq!(parse_bool("0"), Some(false));
        assert_eq!(parse_bool("yes"), None);
        assert_eq!(parse_count("1e+100"), Some(u64::MAX));
        assert_eq!(parse_count("5"), Some(5));
        assert_eq!(parse_count("-3"), Some(0));
        assert_eq!(parse_count("NaN"), None);
        assert_eq!(split_tags(" a, ,b "), vec!["a", "b"]);
        assert_eq!(folder_uid("cs_root"), None);
    }

    #[test]
    fn stored_lists_are_read_as_lists_or_as_their_json_text() {
        #[derive(Deserialize)]
        struct Stored {
            #[serde(deserialize_with = "list_or_json_text")]
            tags: Vec<String>,
        }
        let read = |json: &str| serde_json::from_str::<Stored>(json).map(|s| s.tags);
        assert_eq!(read(r#"{"tags": ["a", "b,c"]}"#).unwrap(), ["a", "b,c"]);
        assert_eq!(read(r#"{"tags": "[\"a\",\"b\"]"}"#).unwrap(), ["a", "b"]);
        assert!(read(r#"{"tags": "a,b"}"#).is_err());
        assert!(read(r#"{"tags": 3}"#).is_err());
    }
}
