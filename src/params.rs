//! Lenient readers for query-string values, as the official clients send them:
//! booleans as `true`/`True`/`1`, numbers as `100` or `1e+100`.

use std::collections::HashMap;

/// Reads a boolean the way every client spells it; anything else is `None`.
pub fn parse_bool(text: &str) -> Option<bool> {
    match text.trim() {
        t if t.eq_ignore_ascii_case("true") || t == "1" => Some(true),
        t if t.eq_ignore_ascii_case("false") || t == "0" || t.is_empty() => Some(false),
        _ => None,
    }
}

/// Raw query-string parameters (last value wins).
#[derive(Debug, Default, Clone)]
pub struct Params(pub HashMap<String, String>);

impl Params {
    /// Parses a raw query string.
    pub fn from_query(query: Option<&str>) -> Params {
        let pairs = form_urlencoded::parse(query.unwrap_or("").as_bytes()).into_owned();
        Params(pairs.collect())
    }

    /// The value of a parameter.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    /// A boolean flag; absent or unreadable means false.
    pub fn flag(&self, key: &str) -> bool {
        self.get(key).and_then(parse_bool).unwrap_or(false)
    }

    /// A non-negative whole number, read leniently (`1e+100` saturates); absent or
    /// unreadable gives `None`.
    pub fn count(&self, key: &str) -> Option<u64> {
        let value: f64 = self.get(key)?.trim().parse().ok()?;
        if value.is_nan() {
            return None;
        }
        Some(if value <= 0.0 {
            0
        } else {
            value.min(u64::MAX as f64) as u64
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn booleans_and_numbers_are_read_leniently() {
        assert_eq!(parse_bool("True"), Some(true));
        assert_eq!(parse_bool("0"), Some(false));
        assert_eq!(parse_bool("yes"), None);
        let params = Params::from_query(Some(
            "skip=1e%2B100&limit=5&include_count=True&query=%7B%22a%22%3A1%7D&q=a+b",
        ));
        assert_eq!(params.count("skip"), Some(u64::MAX));
        assert_eq!(params.count("limit"), Some(5));
        assert!(params.flag("include_count"));
        assert_eq!(params.get("query"), Some("{\"a\":1}"));
        assert_eq!(params.get("q"), Some("a b"));
        assert_eq!(Params::from_query(Some("x=%4")).get("x"), Some("%4"));
    }
}
