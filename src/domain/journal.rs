//! The request journal: the last requests each stack received (method, path, query,
//! headers with secrets masked, the start of the body, status, duration), so that a
//! test can check what the application under test sent. Kept in memory, bounded per
//! stack by a number of entries and a number of bytes; the oldest go first.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{DateTime, Utc};
use serde::Serialize;

/// Headers whose values are credentials: kept, with the value masked.
const MASKED_HEADERS: [&str; 6] = [
    "authorization",
    "authtoken",
    "access_token",
    "preview_token",
    "management_token",
    "cookie",
];

/// What a masked header shows instead of its value.
pub const MASK: &str = "***";

/// Most bytes of a request body an entry keeps.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// What an entry costs besides its text (its place in the queue, the map of headers).
const ENTRY_OVERHEAD_BYTES: usize = 256;

/// How many entries and bytes each stack's journal keeps.
#[derive(Debug, Clone, Copy)]
pub struct JournalLimits {
    pub entries: usize,
    pub bytes: usize,
}

/// One request as the journal keeps it.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub method: String,
    pub path: String,
    /// The query string as sent, without the `?`; `None` when there was none.
    pub query: Option<String>,
    pub status: u16,
    pub duration_ms: f64,
    /// Lower-case names; credentials masked.
    pub headers: BTreeMap<String, String>,
    /// The body as text (invalid UTF-8 replaced), at most [`MAX_BODY_BYTES`]; `None`
    /// when the request had none or the handler read none of it.
    pub body: Option<String>,
    /// True when the body was longer than what is kept.
    pub body_truncated: bool,
    /// When it arrived, on the stack's clock.
    pub at: String,
}

impl Entry {
    /// Bytes this entry is counted as against the journal's bound.
    fn cost(&self) -> usize {
        let headers: usize = self.headers.iter().map(|(k, v)| k.len() + v.len()).sum();
        ENTRY_OVERHEAD_BYTES
            + self.method.len()
            + self.path.len()
            + self.query.as_ref().map_or(0, String::len)
            + headers
            + self.body.as_ref().map_or(0, String::len)
            + self.at.len()
    }
}

/// The value a header is journaled with: masked when it is a credential.
pub fn shown_header_value(name: &str, value: &[u8]) -> String {
    if MASKED_HEADERS.contains(&name) {
        MASK.to_owned()
    } else {
        String::from_utf8_lossy(value).into_owned()
    }
}

/// The start of a body as journaled text, and whether it was cut.
pub fn shown_body(captured: &[u8], total_seen: usize) -> (Option<String>, bool) {
    if total_seen == 0 {
        return (None, false);
    }
    let kept = &captured[..captured.len().min(MAX_BODY_BYTES)];
    (
        Some(String::from_utf8_lossy(kept).into_owned()),
        total_seen > kept.len(),
    )
}

/// Which entries a listing shows.
#[derive(Debug, Default)]
pub struct Filter {
    /// Only this method (any case).
    pub method: Option<String>,
    /// Only paths starting with this.
    pub path_prefix: Option<String>,
    /// Only this status.
    pub status: Option<u16>,
}

impl Filter {
    fn keeps(&self, entry: &Entry) -> bool {
        self.method
            .as_deref()
            .is_none_or(|m| m.eq_ignore_ascii_case(&entry.method))
            && self
                .path_prefix
                .as_deref()
                .is_none_or(|p| entry.path.starts_with(p))
            && self.status.is_none_or(|s| s == entry.status)
    }
}

/// One stack's entries, oldest first, and the bytes they are counted as.
#[derive(Debug, Default)]
struct StackJournal {
    entries: VecDeque<Arc<Entry>>,
    bytes: usize,
}

/// The journals of every stack.
#[derive(Debug)]
pub struct Journal {
    limits: JournalLimits,
    by_stack: Mutex<HashMap<String, StackJournal>>,
}

impl Journal {
    pub fn new(limits: JournalLimits) -> Journal {
        Journal {
            limits,
            by_stack: Mutex::default(),
        }
    }

    /// True when the journal keeps anything (`--journal-entries 0` turns it off).
    pub fn enabled(&self) -> bool {
        self.limits.entries > 0 && self.limits.bytes > 0
    }

    fn stacks(&self) -> MutexGuard<'_, HashMap<String, StackJournal>> {
        // A panic while the lock was held leaves the maps consistent (every change is
        // one push or pop), so the journal goes on.
        self.by_stack
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Adds an entry to a stack's journal, dropping the oldest beyond the bounds.
    pub fn record(&self, api_key: &str, entry: Entry) {
        if !self.enabled() {
            return;
        }
        let cost = entry.cost();
        if cost > self.limits.bytes {
            return;
        }
        let mut stacks = self.stacks();
        let journal = match stacks.get_mut(api_key) {
            Some(journal) => journal,
            None => stacks.entry(api_key.to_owned()).or_default(),
        };
        while journal.entries.len() >= self.limits.entries
            || journal.bytes + cost > self.limits.bytes
        {
            let Some(oldest) = journal.entries.pop_front() else {
                break;
            };
            journal.bytes -= oldest.cost();
        }
        journal.bytes += cost;
        journal.entries.push_back(Arc::new(entry));
    }

    /// A stack's entries that `filter` keeps, newest first.
    pub fn list(&self, api_key: &str, filter: &Filter) -> Vec<Arc<Entry>> {
        let stacks = self.stacks();
        stacks.get(api_key).map_or_else(Vec::new, |journal| {
            journal
                .entries
                .iter()
                .rev()
                .filter(|entry| filter.keeps(entry))
                .cloned()
                .collect()
        })
    }

    /// Forgets a stack's entries (cleared, reset or removed).
    pub fn clear(&self, api_key: &str) {
        self.stacks().remove(api_key);
    }

    /// Forgets every stack's entries (the global reset).
    pub fn clear_all(&self) {
        self.stacks().clear();
    }
}

/// The time an entry shows: the stack's clock when the request arrived.
pub fn at(now: DateTime<Utc>) -> String {
    crate::contentstack::time::format_ts(now)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(path: &str, body_bytes: usize) -> Entry {
        Entry {
            method: "GET".into(),
            path: path.into(),
            query: None,
            status: 200,
            duration_ms: 1.0,
            headers: BTreeMap::new(),
            body: (body_bytes > 0).then(|| "x".repeat(body_bytes)),
            body_truncated: false,
            at: "2026-01-01T00:00:00.000Z".into(),
        }
    }

    #[test]
    fn the_oldest_go_first_when_a_bound_is_reached() {
        let journal = Journal::new(JournalLimits {
            entries: 3,
            bytes: 1 << 20,
        });
        for n in 0..5 {
            journal.record("k", entry(&format!("/v3/{n}"), 0));
        }
        let paths: Vec<String> = journal
            .list("k", &Filter::default())
            .iter()
            .map(|e| e.path.clone())
            .collect();
        assert_eq!(paths, ["/v3/4", "/v3/3", "/v3/2"]);

        let small = Journal::new(JournalLimits {
            entries: 100,
            bytes: 3 * (ENTRY_OVERHEAD_BYTES + 1100),
        });
        for n in 0..10 {
            small.record("k", entry(&format!("/v3/{n}"), 1000));
        }
        let kept = small.list("k", &Filter::default());
        assert!(kept.len() <= 3 && !kept.is_empty(), "{}", kept.len());
        let bytes: usize = kept.iter().map(|e| e.cost()).sum();
        assert!(bytes <= 3 * (ENTRY_OVERHEAD_BYTES + 1100));
        assert!(small.list("other", &Filter::default()).is_empty());
    }

    #[test]
    fn credentials_are_masked_and_bodies_cut() {
        assert_eq!(shown_header_value("authorization", b"secret"), MASK);
        assert_eq!(shown_header_value("access_token", b"secret"), MASK);
        assert_eq!(shown_header_value("api_key", b"blt1"), "blt1");
        let long = vec![b'a'; MAX_BODY_BYTES + 10];
        let (body, cut) = shown_body(&long, long.len());
        assert_eq!(body.unwrap().len(), MAX_BODY_BYTES);
        assert!(cut);
        assert_eq!(shown_body(&[], 0), (None, false));
    }
}
