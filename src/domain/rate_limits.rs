//! Rate limits, off unless a stack turns them on: Contentstack's plan defaults (10
//! management reads and 10 writes a second, 1 bulk request a second, 80 delivery and
//! image requests a second), one set of buckets per stack (the mock's stand-in for an
//! organisation), counted in one-second windows of the stack's own clock, so a test
//! with a frozen clock stays over the limit until it advances the clock.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The requests a bucket counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bucket {
    /// Management API reads (`GET`, `HEAD`).
    Read,
    /// Management API writes.
    Write,
    /// Bulk requests (`POST /v3/bulk/...`), counted apart from the other writes.
    Bulk,
    /// The delivery and Sync APIs and the file URLs (images included).
    Delivery,
}

impl Bucket {
    fn index(self) -> usize {
        self as usize
    }

    /// The bucket of a management request.
    pub fn of_management(method: &str, path: &str) -> Bucket {
        match method {
            "GET" | "HEAD" => Bucket::Read,
            _ if path.starts_with("/v3/bulk/") => Bucket::Bulk,
            _ => Bucket::Write,
        }
    }
}

/// Requests per second of each bucket, and whether the limits apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    pub enabled: bool,
    pub read: u32,
    pub write: u32,
    pub bulk: u32,
    pub delivery: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            enabled: false,
            read: 10,
            write: 10,
            bulk: 1,
            delivery: 80,
        }
    }
}

impl Settings {
    /// The plan defaults, turned on.
    pub fn plan_defaults() -> Settings {
        Settings {
            enabled: true,
            ..Settings::default()
        }
    }

    fn limit(&self, bucket: Bucket) -> u32 {
        match bucket {
            Bucket::Read => self.read,
            Bucket::Write => self.write,
            Bucket::Bulk => self.bulk,
            Bucket::Delivery => self.delivery,
        }
    }
}

/// Most requests a second a limit may allow (a larger number is no limit to test).
pub const MAX_PER_SECOND: u32 = 1_000_000;

/// What a limited request is told: its bucket's limit, what is left of it in this
/// window, and whether it may go on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    pub limit: u32,
    pub remaining: u32,
    pub allowed: bool,
}

/// One stack's settings and the window each bucket counts in.
#[derive(Debug, Default)]
struct StackLimits {
    settings: Settings,
    /// Per bucket: the window's second on the stack clock, and requests counted in it.
    windows: [(i64, u32); 4],
}

/// The rate limits of every stack that has settings.
#[derive(Debug, Default)]
pub struct RateLimits {
    by_stack: Mutex<HashMap<String, StackLimits>>,
}

impl RateLimits {
    fn stacks(&self) -> MutexGuard<'_, HashMap<String, StackLimits>> {
        // Every change is a whole assignment: a panic elsewhere leaves nothing half-done.
        self.by_stack
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// A stack's settings (the defaults, off, when it has none).
    pub fn settings(&self, api_key: &str) -> Settings {
        self.stacks()
            .get(api_key)
            .map(|limits| limits.settings)
            .unwrap_or_default()
    }

    /// Sets a stack's settings; its windows start again.
    pub fn set(&self, api_key: &str, settings: Settings) {
        let mut stacks = self.stacks();
        if settings == Settings::default() {
            stacks.remove(api_key);
        } else {
            stacks.insert(
                api_key.to_owned(),
                StackLimits {
                    settings,
                    windows: Default::default(),
                },
            );
        }
    }

    /// Counts a request of `bucket` at `now` on the stack's clock; `None` when the
    /// stack's limits are off.
    pub fn count(&self, api_key: &str, bucket: Bucket, now: DateTime<Utc>) -> Option<Decision> {
        let mut stacks = self.stacks();
        let limits = stacks.get_mut(api_key)?;
        if !limits.settings.enabled {
            return None;
        }
        let limit = limits.settings.limit(bucket);
        let second = now.timestamp();
        let window = &mut limits.windows[bucket.index()];
        if window.0 != second {
            *window = (second, 0);
        }
        let allowed = window.1 < limit;
        if allowed {
            window.1 += 1;
        }
        Some(Decision {
            limit,
            remaining: limit - window.1,
            allowed,
        })
    }

    /// Empties a stack's windows and keeps its settings (a per-stack reset).
    pub fn reset_counters(&self, api_key: &str) {
        if let Some(limits) = self.stacks().get_mut(api_key) {
            limits.windows = Default::default();
        }
    }

    /// Forgets a stack (removed).
    pub fn forget(&self, api_key: &str) {
        self.stacks().remove(api_key);
    }

    /// Forgets every stack (the global reset).
    pub fn forget_all(&self) {
        self.stacks().clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(second: i64, millis: u32) -> DateTime<Utc> {
        DateTime::from_timestamp(second, millis * 1_000_000).unwrap()
    }

    #[test]
    fn a_bucket_allows_its_limit_per_second_of_the_stack_clock() {
        let limits = RateLimits::default();
        assert_eq!(limits.count("k", Bucket::Read, at(100, 0)), None);
        limits.set("k", Settings::plan_defaults());
        for n in 0..10 {
            let decision = limits.count("k", Bucket::Read, at(100, n * 50)).unwrap();
            assert!(decision.allowed);
            assert_eq!(decision.remaining, 9 - n);
        }
        let over = limits.count("k", Bucket::Read, at(100, 900)).unwrap();
        assert_eq!((over.allowed, over.remaining, over.limit), (false, 0, 10));
        // Writes have their own bucket; bulk requests theirs.
        assert!(
            limits
                .count("k", Bucket::Write, at(100, 900))
                .unwrap()
                .allowed
        );
        assert!(
            limits
                .count("k", Bucket::Bulk, at(100, 900))
                .unwrap()
                .allowed
        );
        assert!(
            !limits
                .count("k", Bucket::Bulk, at(100, 950))
                .unwrap()
                .allowed
        );
        // The next second of the stack clock is a new window.
        assert!(limits.count("k", Bucket::Read, at(101, 0)).unwrap().allowed);
        // Other stacks are not limited.
        assert_eq!(limits.count("other", Bucket::Read, at(100, 0)), None);
        limits.reset_counters("k");
        assert_eq!(
            limits
                .count("k", Bucket::Read, at(101, 0))
                .unwrap()
                .remaining,
            9
        );
    }

    #[test]
    fn buckets_of_management_requests() {
        assert_eq!(Bucket::of_management("GET", "/v3/assets"), Bucket::Read);
        assert_eq!(Bucket::of_management("POST", "/v3/assets"), Bucket::Write);
        assert_eq!(
            Bucket::of_management("POST", "/v3/bulk/delete"),
            Bucket::Bulk
        );
        assert_eq!(
            Bucket::of_management("GET", "/v3/bulk/jobs/x"),
            Bucket::Read
        );
    }
}
