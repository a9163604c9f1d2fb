//! Fault injection for tests: make the next N matching `/v3` requests of a stack fail
//! with a chosen status (429, 500, 503, ...), to prove that a client retries or fails
//! cleanly. A fault hits management requests, or with `scope: "delivery"` delivery and
//! Sync API requests. Set through `/_mock/stacks/{api_key}/faults`; kept in memory
//! only. The answer itself is made by the routes (`routes::middleware`).

use std::collections::HashMap;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

/// One armed fault.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fault {
    /// HTTP status to answer with (400-599).
    pub status: u16,
    /// How many matching requests still fail.
    #[serde(default = "one")]
    pub count: u32,
    /// Only requests whose path starts with this (default: every `/v3` path).
    #[serde(default)]
    pub path: Option<String>,
    /// Only requests with this method (default: any).
    #[serde(default)]
    pub method: Option<String>,
    /// Which requests it hits (default: management requests).
    #[serde(default)]
    pub scope: Scope,
}

/// The requests a fault hits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Requests with a management token (the management API).
    #[default]
    Management,
    /// Requests with a delivery token (the Content Delivery and Sync APIs).
    Delivery,
}

fn one() -> u32 {
    1
}

/// The armed faults of every stack.
#[derive(Debug, Default)]
pub struct Faults {
    by_stack: Mutex<HashMap<String, Vec<Fault>>>,
}

impl Faults {
    /// Arms a fault for a stack.
    pub fn add(&self, api_key: &str, fault: Fault) {
        self.by_stack
            .lock()
            // A panic while the lock was held leaves the map whole (each change is one push or pop): go on with it.
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .entry(api_key.to_owned())
            .or_default()
            .push(fault);
    }

    /// Disarms every fault of a stack.
    pub fn clear(&self, api_key: &str) {
        self.by_stack
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(api_key);
    }

    /// The armed faults of a stack.
    pub fn list(&self, api_key: &str) -> Vec<Fault> {
        self.by_stack
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(api_key)
            .cloned()
            .unwrap_or_default()
    }

    /// True when a fault of `scope` is armed for the stack (a cheap look before the
    /// work of telling whether a request may use one up).
    pub fn armed(&self, api_key: &str, scope: Scope) -> bool {
        self.by_stack
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(api_key)
            .is_some_and(|faults| faults.iter().any(|f| f.scope == scope))
    }

    /// Uses up one matching fault of `scope`, if any, and returns the status it
    /// answers with.
    pub fn take(&self, api_key: &str, scope: Scope, method: &str, path: &str) -> Option<u16> {
        let mut map = self
            .by_stack
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let faults = map.get_mut(api_key)?;
        let index = faults.iter().position(|f| {
            f.count > 0
                && f.scope == scope
                && f.path
                    .as_deref()
                    .is_none_or(|prefix| path.starts_with(prefix))
                && f.method
                    .as_deref()
                    .is_none_or(|m| m.eq_ignore_ascii_case(method))
        })?;
        let status = faults[index].status;
        faults[index].count -= 1;
        if faults[index].count == 0 {
            faults.remove(index);
        }
        Some(status)
    }
}
