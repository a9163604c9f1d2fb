//! What every handler and domain function can reach: the database, the file store, the
//! stacks, the armed faults, the request journal, the rate limits, the image service and
//! the settings fixed at start.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::db::Db;
use crate::domain::faults::Faults;
use crate::domain::images::ImageService;
use crate::domain::journal::Journal;
use crate::domain::rate_limits::RateLimits;
use crate::domain::registry::StackRegistry;
use crate::storage::Storage;

/// Settings fixed at start.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `--public-url`: the base of every URL handed out, without a trailing slash. When
    /// `None`, each answer's URLs are built from its request (see `routes::origin`).
    pub public_url: Option<String>,
    pub max_upload_bytes: u64,
    pub trash_retention: Duration,
    pub admin_token: Option<String>,
    /// Longest wait for the next part of a request body.
    pub body_timeout: Duration,
    /// Longest time one listing query may run.
    pub query_timeout: Duration,
    /// The folder (its real path) under which `POST /_mock/stacks` may load a seed.
    pub seed_root: Option<PathBuf>,
    /// Names `/_mock` and the UI answer to besides the private ones (`--allowed-hosts`,
    /// `--public-url`'s host and the `--tls-san` names).
    pub allowed_hosts: Vec<String>,
    /// Serve HTML, SVG and XML files inline rather than as downloads.
    pub inline_active_files: bool,
}

/// Shared state of the HTTP handlers and background tasks.
#[derive(Debug, Clone)]
pub struct AppState {
    pub db: Db,
    pub storage: Storage,
    pub stacks: Arc<StackRegistry>,
    pub settings: Arc<Settings>,
    /// Armed failures of `/v3` requests (tests only).
    pub faults: Arc<Faults>,
    /// The Image Delivery API's transforms and their cache.
    pub images: Arc<ImageService>,
    /// The last requests of each stack (tests only).
    pub journal: Arc<Journal>,
    /// Each stack's rate limits, when turned on (tests only).
    pub rate_limits: Arc<RateLimits>,
}
