//! Start-up and shutdown: open the data dir, database and file store, prepare the TLS
//! certificate, bind the listeners, serve until told to stop, then drain and close in
//! order.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::db::Db;
use crate::domain::images::{ImageLimits, ImageService};
use crate::domain::journal::{Journal, JournalLimits};
use crate::domain::registry::StackRegistry;
use crate::routes::{self, SHUTDOWN_GRACE};
use crate::server::config::ServeConfig;
use crate::server::connections::{self, ConnectionLimits, Listener};
use crate::server::data_dir::{self, DataDirLock};
use crate::server::tls::Tls;
use crate::state::{AppState, Settings};
use crate::storage::{Location, Storage};

/// A built service, bound to its port, not yet serving.
pub struct Application {
    listener: TcpListener,
    /// The HTTPS listener (`--tls-listen`) and its certificate.
    https: Option<(TcpListener, Tls)>,
    state: AppState,
    limits: ConnectionLimits,
    data_dir: PathBuf,
    /// Where the stored files are, when not in the data dir (the banner says it).
    files_elsewhere: Option<String>,
    /// The database, when it is not `mock.db` in the data dir (for the banner).
    database_elsewhere: Option<String>,
    /// Held while the service runs (released at exit).
    _lock: DataDirLock,
    /// Removed at exit (`--ephemeral`).
    ephemeral: bool,
    purge_interval: std::time::Duration,
    /// Before any request could write a file (see `purge::sweep_orphans`).
    started: std::time::SystemTime,
}

impl Application {
    /// Opens everything and binds the listener; port 0 picks a free port.
    pub async fn build(config: ServeConfig) -> anyhow::Result<Application> {
        let started = std::time::SystemTime::now();
        let data_dir = if config.ephemeral {
            data_dir::ephemeral_dir()
        } else {
            config.data_dir.clone()
        };
        let location = config
            .storage_location(&data_dir)
            .map_err(anyhow::Error::msg)?;
        let database = config
            .database_location(&data_dir)
            .map_err(anyhow::Error::msg)?;
        let lock = DataDirLock::acquire(&data_dir)?;
        // Before anything else is opened: a bad certificate is a mistake in the flags.
        let tls = crate::server::tls::prepare(&config, &data_dir)?;
        raise_open_file_limit(config.max_connections);
        let durable = !config.ephemeral;
        let db = Db::open(&database, durable).await?;
        let storage = Storage::open(&data_dir, &location, durable)
            .await
            .context("could not prepare the file store")?;
        // The orphan sweep leaves alone files dated from here on, in the store's time.
        let started = storage
            .clock()
            .await
            .context("could not reach the file store")?
            .unwrap_or(started);
        let swept = storage
            .sweep_temp_files()
            .await
            .context("could not clean the temp folder")?;
        if swept > 0 {
            tracing::info!(
                files = swept,
                "removed unfinished uploads left by an earlier run"
            );
        }
        let images = ImageService::open(
            &data_dir,
            ImageLimits {
                cache_bytes: config.image_cache_bytes,
                memory_bytes: config.image_memory_bytes,
                workers: config.image_workers.map_or_else(
                    || std::thread::available_parallelism().map_or(2, usize::from),
                    |n| n as usize,
                ),
            },
        )
        .await
        .context("could not prepare the image cache")?;
        let stacks = Arc::new(StackRegistry::load(&db).await?);
        stacks.ensure_default(&db).await?;

        let listener = TcpListener::bind(config.listen)
            .await
            .with_context(|| format!("could not listen on {}", config.listen))?;
        let https = match (config.tls_listen, tls) {
            (Some(address), Some(tls)) => {
                let listener = TcpListener::bind(address)
                    .await
                    .with_context(|| format!("could not listen on {address} (--tls-listen)"))?;
                Some((listener, tls))
            }
            _ => None,
        };
        let seed_root = match &config.seed_root {
            Some(root) => Some(std::fs::canonicalize(root).with_context(|| {
                format!(
                    "--seed-root {}: is not a folder that can be read",
                    root.display()
                )
            })?),
            None => None,
        };
        // The names /_mock and the UI answer to besides the private ones: the flags'.
        let mut allowed_hosts = config.allowed_hosts.clone();
        let public_host = config
            .public_url
            .as_deref()
            .and_then(crate::routes::host::split_url)
            .and_then(|(_, authority)| crate::routes::host::split_host(authority))
            .map(|(name, _)| name.to_owned());
        allowed_hosts.extend(public_host);
        // A wildcard name of the certificate (`*.mock`) stands for its domain.
        allowed_hosts.extend(
            config
                .tls_san
                .iter()
                .map(|san| match san.strip_prefix('*') {
                    Some(domain) => domain.to_owned(),
                    None => san.clone(),
                }),
        );
        let settings = Settings {
            public_url: config.fixed_public_url(),
            max_upload_bytes: config.max_upload_bytes,
            trash_retention: config.trash_retention,
            admin_token: config.admin_token.clone().filter(|t| !t.is_empty()),
            body_timeout: config.body_timeout,
            query_timeout: config.query_timeout,
            seed_root,
            allowed_hosts,
            inline_active_files: config.inline_active_files,
        };
        let limits = ConnectionLimits {
            header_timeout: config.header_timeout,
            idle_timeout: config.idle_timeout,
            max_connections: config.max_connections as usize,
        };
        let state = AppState {
            db,
            storage,
            stacks,
            settings: Arc::new(settings),
            faults: Arc::default(),
            images: Arc::new(images),
            journal: Arc::new(Journal::new(JournalLimits {
                entries: config.journal_entries as usize,
                bytes: usize::try_from(config.journal_bytes).unwrap_or(usize::MAX),
            })),
            rate_limits: Arc::default(),
        };
        if let Some(dir) = config.seed.as_deref() {
            seed_default_stack(&state, dir).await?;
        }
        Ok(Application {
            listener,
            https,
            state,
            limits,
            database_elsewhere: match &database {
                crate::db::Location::Sqlite(path) if path == &data_dir.join("mock.db") => None,
                elsewhere => Some(elsewhere.describe()),
            },
            files_elsewhere: match &location {
                Location::Disk(dir) if dir == &data_dir => None,
                Location::Disk(dir) => Some(format!("file:{}", dir.display())),
                Location::Bucket(bucket) => Some(bucket.describe()),
            },
            data_dir,
            _lock: lock,
            ephemeral: config.ephemeral,
            purge_interval: config.purge_interval,
            started,
        })
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    /// The address the HTTPS listener actually bound, when there is one.
    pub fn tls_local_addr(&self) -> Option<SocketAddr> {
        self.https.as_ref().map(|(listener, _)| {
            listener
                .local_addr()
                .expect("a bound listener has an address")
        })
    }

    /// The shared state (for tests and tools built on the library).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// The start-up block: where it listens, where data lives, the default credentials.
    pub fn banner(&self) -> String {
        let default = self
            .state
            .stacks
            .get(crate::domain::registry::DEFAULT_API_KEY);
        let (api_key, token) = default
            .as_ref()
            .map(|s| (s.api_key.as_str(), s.management_token.as_str()))
            .unwrap_or(("-", "-"));
        let storage = if self.ephemeral {
            " (ephemeral, removed at exit)"
        } else {
            ""
        };
        let https = match (&self.https, self.tls_local_addr()) {
            (Some((_, tls)), Some(addr)) => format!(
                "  https:             https://{addr}\n  tls certificate:   {}\n",
                tls.cert_path.display()
            ),
            _ => String::new(),
        };
        format!(
            "contentstack-mock {version} listening on http://{addr}\n\
             {https}\
             \x20 data dir:          {data}{storage}\n\
             {database}\
             {files}\
             \x20 public url:        {public}\n\
             \x20 default stack:     api_key {api_key}\n\
             \x20 management token:  {token}\n",
            version = routes::health::VERSION,
            addr = self.local_addr(),
            data = self.data_dir.display(),
            database = match &self.database_elsewhere {
                Some(database) => format!("  database:          {database}\n"),
                None => String::new(),
            },
            files = match &self.files_elsewhere {
                Some(files) => format!("  stored files:      {files}\n"),
                None => String::new(),
            },
            public = self.public_url_line(),
        )
    }

    /// What the banner says of asset URLs: the fixed `--public-url`, or that they follow
    /// each request, with what a client on this machine gets.
    fn public_url_line(&self) -> String {
        match &self.state.settings.public_url {
            Some(url) => url.clone(),
            None => format!(
                "from each request's Host (here: http://localhost:{})",
                self.local_addr().port()
            ),
        }
    }

    /// Serves until `shutdown` is cancelled, then drains requests (bounded by a grace
    /// period), stops background tasks and closes the database.
    pub async fn run_until_stopped(self, shutdown: CancellationToken) -> anyhow::Result<()> {
        let tracker = TaskTracker::new();
        tracker.spawn(crate::domain::purge::run(
            self.state.clone(),
            self.purge_interval,
            shutdown.clone(),
            self.started,
        ));
        tracker.spawn(crate::domain::publishing::run_scheduler(
            self.state.clone(),
            shutdown.clone(),
        ));
        let app = routes::app(self.state.clone());
        let mut listeners = vec![Listener::http(self.listener)];
        if let Some((listener, tls)) = self.https {
            listeners.push(Listener::https(listener, tls.acceptor));
        }
        let server = connections::serve(listeners, app, self.limits, shutdown.clone());
        let drain_deadline = async {
            shutdown.cancelled().await;
            tokio::time::sleep(SHUTDOWN_GRACE).await;
        };
        tokio::select! {
            () = server => {}
            _ = drain_deadline => tracing::warn!("requests still running after the grace period were dropped"),
        }
        tracker.close();
        if tokio::time::timeout(SHUTDOWN_GRACE, tracker.wait())
            .await
            .is_err()
        {
            tracing::warn!("background tasks did not stop in time");
        }
        self.state.db.close().await;
        if self.ephemeral {
            if let Err(e) = self.state.storage.remove_outside_data_dir().await {
                tracing::warn!(error = %e, "could not remove the stored files at exit");
            }
            let _ = std::fs::remove_dir_all(&self.data_dir);
        }
        tracing::info!("stopped");
        Ok(())
    }
}

/// Raises the soft limit on open files towards the hard limit, so that the connection
/// cap, not the process limit, decides how many clients are served.
fn raise_open_file_limit(max_connections: u32) {
    // Each connection is one descriptor; the database, files being served and the
    // listeners need some more.
    let wanted = u64::from(max_connections) + 256;
    match rlimit::increase_nofile_limit(wanted) {
        Ok(got) if got < wanted => tracing::warn!(
            limit = got,
            max_connections,
            "the open-file limit is lower than --max-connections; connections beyond it will be refused by the system"
        ),
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "could not read the open-file limit"),
    }
}

/// Loads `--seed DIR` into the default stack when that stack is empty; a bad export
/// stops the start with its file and problem named.
async fn seed_default_stack(state: &AppState, dir: &std::path::Path) -> anyhow::Result<()> {
    let stack = state
        .stacks
        .get(crate::domain::registry::DEFAULT_API_KEY)
        .context("the default stack is missing")?;
    if crate::db::assets::holds_any(state.db.reader(), &stack.api_key).await? {
        tracing::info!(seed = %dir.display(), "the default stack is not empty: the seed was not loaded");
        return Ok(());
    }
    let max = state.settings.max_upload_bytes;
    let owned = dir.to_path_buf();
    let export = tokio::task::spawn_blocking(move || crate::domain::seed::read_export(&owned, max))
        .await
        .context("reading the seed")?
        .with_context(|| format!("the seed {} cannot be loaded", dir.display()))?;
    crate::domain::seed::load(state, &stack, &export)
        .await
        .with_context(|| format!("the seed {} cannot be loaded", dir.display()))?;
    let (folders, assets) = export.counts();
    tracing::info!(seed = %dir.display(), folders, assets, "seeded the default stack");
    Ok(())
}
