//! Paging as Contentstack pages a list: `skip`, `limit` (absent or 0 is the default,
//! larger values are cut to the list's maximum) and `include_count`. The one place a
//! page size is decided; each list names its own [`Caps`].

use serde::Deserialize;

use crate::contentstack::lenient;

/// The default and the largest page of one kind of list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caps {
    pub default: u64,
    pub max: u64,
}

/// Assets, folders, versions, environments, locales, tokens: 100 a page, at most 100.
pub const MANAGEMENT: Caps = Caps {
    default: 100,
    max: 100,
};

/// The delivery API's lists: 100 by default, at most 250.
pub const DELIVERY: Caps = Caps {
    default: 100,
    max: 250,
};

/// The trash listing under `/_mock`: 100 by default, at most 1,000.
pub const TRASH: Caps = Caps {
    default: 100,
    max: 1000,
};

/// `skip`, `limit` and `include_count` as a request sends them.
#[derive(Debug, Default, Clone, Copy, Deserialize)]
pub struct Page {
    #[serde(default, deserialize_with = "lenient::query_count")]
    pub skip: Option<u64>,
    #[serde(default, deserialize_with = "lenient::query_count")]
    pub limit: Option<u64>,
    #[serde(default, deserialize_with = "lenient::query_flag")]
    pub include_count: bool,
}

impl Page {
    /// How many items to skip.
    pub fn skip(&self) -> u64 {
        self.skip.unwrap_or(0)
    }

    /// The page size within `caps`.
    pub fn limit(&self, caps: Caps) -> u64 {
        match self.limit {
            None | Some(0) => caps.default,
            Some(n) => n.min(caps.max),
        }
    }

    /// The items of `items` on this page.
    pub fn of<T>(&self, items: impl IntoIterator<Item = T>, caps: Caps) -> Vec<T> {
        let skip = usize::try_from(self.skip()).unwrap_or(usize::MAX);
        let limit = usize::try_from(self.limit(caps)).unwrap_or(usize::MAX);
        items.into_iter().skip(skip).take(limit).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_default_and_cap() {
        let page = |limit| Page {
            limit,
            ..Page::default()
        };
        assert_eq!(page(None).limit(MANAGEMENT), 100);
        assert_eq!(page(Some(0)).limit(DELIVERY), 100);
        assert_eq!(page(Some(5000)).limit(DELIVERY), 250);
        assert_eq!(page(Some(7)).limit(TRASH), 7);
        let skip3 = Page {
            skip: Some(3),
            limit: Some(2),
            include_count: false,
        };
        assert_eq!(skip3.of(0..10, MANAGEMENT), vec![3, 4]);
    }
}
