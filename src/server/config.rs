//! Command line and environment configuration: every flag is also an env var `CSMOCK_*`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::storage::Location;
use crate::storage::objects::BucketConfig;

/// A self-hosted, API-compatible stand-in for Contentstack's asset service.
#[derive(Debug, Parser)]
#[command(name = "contentstack-mock", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Settings for `serve`, also accepted without the subcommand name.
    #[command(flatten)]
    pub serve: ServeConfig,
}

// The serve settings are boxed: they are much larger than the healthcheck's.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the service (the default).
    Serve(Box<ServeConfig>),
    /// Probe a running service: exit 0 when it answers healthy, 1 otherwise.
    Healthcheck(HealthcheckConfig),
}

/// Log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// Everything `serve` needs.
#[derive(Debug, Clone, Args)]
pub struct ServeConfig {
    /// Address to listen on (port 0 picks a free port and prints it).
    #[arg(long, env = "CSMOCK_LISTEN", default_value = "127.0.0.1:8484")]
    pub listen: SocketAddr,

    /// Folder for the SQLite database (`mock.db`) and the stored files.
    #[arg(long, env = "CSMOCK_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,

    /// Where the metadata goes: `sqlite:<path>` or `postgres://user:password@host/database`
    /// (the database must exist; its tables are made at start) [default:
    /// sqlite:<data dir>/mock.db].
    #[arg(long, env = "CSMOCK_DATABASE_URL")]
    pub database_url: Option<String>,

    /// Where the stored files go: `file:<dir>` (`<dir>/files`) or `s3://bucket[/prefix]`
    /// (credentials from the usual `AWS_*` variables) [default: file:<data dir>].
    #[arg(long, env = "CSMOCK_STORAGE")]
    pub storage: Option<String>,

    /// Endpoint of an S3-compatible server for `--storage s3://...` (MinIO, moto,
    /// LocalStack: path-style requests, `http://` allowed) [default: AWS S3 itself].
    #[arg(long, env = "CSMOCK_S3_ENDPOINT")]
    pub s3_endpoint: Option<String>,

    /// Region of the bucket of `--storage s3://...`.
    #[arg(long, env = "CSMOCK_S3_REGION", default_value = "us-east-1")]
    pub s3_region: String,

    /// Keep all data in a temporary folder that is removed at exit (no fsync).
    #[arg(long, env = "CSMOCK_EPHEMERAL", value_parser = clap::builder::BoolishValueParser::new())]
    pub ephemeral: bool,

    /// Base of every asset `url` handed out [default: the address each request reached,
    /// from its Host header or a proxy's Forwarded headers].
    #[arg(long, env = "CSMOCK_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// Also serve HTTPS on this address, beside --listen (port 0 picks a free port and
    /// prints it) [default: no HTTPS].
    #[arg(long, env = "CSMOCK_TLS_LISTEN")]
    pub tls_listen: Option<SocketAddr>,

    /// Certificate chain (PEM) of the HTTPS listener; goes with --tls-key [default: a
    /// self-signed certificate kept in <data dir>/tls/].
    #[arg(long, env = "CSMOCK_TLS_CERT")]
    pub tls_cert: Option<PathBuf>,

    /// Private key (PEM) of --tls-cert.
    #[arg(long, env = "CSMOCK_TLS_KEY")]
    pub tls_key: Option<PathBuf>,

    /// More names and IP addresses for the self-signed certificate, comma separated
    /// (localhost, 127.0.0.1 and ::1 are always in it).
    #[arg(long, env = "CSMOCK_TLS_SAN", value_delimiter = ',')]
    pub tls_san: Vec<String>,

    /// Largest accepted upload body, in bytes (the real API's limit is 100 MiB).
    #[arg(long, env = "CSMOCK_MAX_UPLOAD_BYTES", default_value_t = 100 * 1024 * 1024)]
    pub max_upload_bytes: u64,

    /// Total size of the transformed images (Image Delivery API) kept on disk; the least
    /// recently used go first (0 keeps none).
    #[arg(long, env = "CSMOCK_IMAGE_CACHE_BYTES", default_value_t = 512 * 1024 * 1024)]
    pub image_cache_bytes: u64,

    /// Most memory the image transforms running at once may hold; a transform waits for
    /// its share, and one that alone needs more is answered with the source unchanged.
    #[arg(long, env = "CSMOCK_IMAGE_MEMORY_BYTES", default_value_t = 1024 * 1024 * 1024, value_parser = clap::value_parser!(u64).range(1024 * 1024..))]
    pub image_memory_bytes: u64,

    /// Most image transforms running at once [default: the number of CPUs].
    #[arg(long, env = "CSMOCK_IMAGE_WORKERS", value_parser = clap::value_parser!(u32).range(1..=256))]
    pub image_workers: Option<u32>,

    /// How long deleted items stay restorable in the trash.
    #[arg(long, env = "CSMOCK_TRASH_RETENTION", default_value = "14d", value_parser = parse_duration)]
    pub trash_retention: Duration,

    /// How often the background task purges expired trash items.
    #[arg(long, env = "CSMOCK_PURGE_INTERVAL", default_value = "1m", value_parser = parse_duration)]
    pub purge_interval: Duration,

    /// How long a connection may take to send a request's headers (a new connection: from
    /// the accept; silent sockets are closed after it).
    #[arg(long, env = "CSMOCK_HEADER_TIMEOUT", default_value = "10s", value_parser = parse_duration)]
    pub header_timeout: Duration,

    /// How long a kept-alive connection may wait for its next request.
    #[arg(long, env = "CSMOCK_IDLE_TIMEOUT", default_value = "60s", value_parser = parse_duration)]
    pub idle_timeout: Duration,

    /// Longest wait for the next part of a request body; a body that stalls longer fails (408).
    #[arg(long, env = "CSMOCK_BODY_TIMEOUT", default_value = "30s", value_parser = parse_duration)]
    pub body_timeout: Duration,

    /// Most connections open at once; more are answered 503 and closed.
    #[arg(long, env = "CSMOCK_MAX_CONNECTIONS", default_value_t = 4096, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_connections: u32,

    /// Longest time one listing query may run before it is stopped (422).
    #[arg(long, env = "CSMOCK_QUERY_TIMEOUT", default_value = "500ms", value_parser = parse_duration)]
    pub query_timeout: Duration,

    /// Requests each stack's journal keeps (`GET /_mock/stacks/{api_key}/requests`);
    /// 0 keeps none.
    #[arg(long, env = "CSMOCK_JOURNAL_ENTRIES", default_value_t = 1000)]
    pub journal_entries: u32,

    /// Bytes each stack's journal may hold (the oldest requests go first).
    #[arg(long, env = "CSMOCK_JOURNAL_BYTES", default_value_t = 8 * 1024 * 1024)]
    pub journal_bytes: u64,

    /// A `csdx cm:stacks:export` folder to load into the default stack at start, when
    /// that stack is empty (folders, assets and their files, environments, locales).
    #[arg(long, env = "CSMOCK_SEED")]
    pub seed: Option<PathBuf>,

    /// The folder under which `POST /_mock/stacks` may name a `seed` export [default:
    /// none, and the API loads no seed].
    #[arg(long, env = "CSMOCK_SEED_ROOT")]
    pub seed_root: Option<PathBuf>,

    /// More host names `/_mock` and the web UI answer to, comma separated: `name`,
    /// `.domain` (the domain and every name under it) or `*` (any). IP addresses,
    /// one-label names and special-use domains (`.localhost`, `.internal`, ...) are
    /// always accepted, as are --public-url's host and the --tls-san names.
    #[arg(long, env = "CSMOCK_ALLOWED_HOSTS", value_delimiter = ',', value_parser = parse_allowed_host)]
    pub allowed_hosts: Vec<String>,

    /// Serve HTML, SVG and XML files inline instead of as downloads (they stay
    /// sandboxed: no script runs either way).
    #[arg(long, env = "CSMOCK_INLINE_ACTIVE_FILES", value_parser = clap::builder::BoolishValueParser::new())]
    pub inline_active_files: bool,

    /// When set, every `/_mock` call except health needs `Authorization: Bearer <token>`.
    #[arg(long, env = "CSMOCK_ADMIN_TOKEN")]
    pub admin_token: Option<String>,

    /// Log format.
    #[arg(long, env = "CSMOCK_LOG_FORMAT", value_enum, default_value = "text")]
    pub log_format: LogFormat,

    /// Log filter, in `tracing` env-filter syntax (e.g. `info`, `contentstack_mock=debug`).
    #[arg(long, env = "CSMOCK_LOG", default_value = "info")]
    pub log: String,
}

/// Settings of the `healthcheck` probe.
#[derive(Debug, Clone, Args)]
pub struct HealthcheckConfig {
    /// Address of the server to probe (a wildcard address is probed on loopback).
    #[arg(long, env = "CSMOCK_LISTEN", default_value = "127.0.0.1:8484")]
    pub listen: SocketAddr,

    /// Probe the HTTPS listener (--tls-listen) instead. Its certificate is not verified:
    /// this is a local liveness probe, not a check of the certificate.
    #[arg(long, env = "CSMOCK_HEALTHCHECK_TLS", value_parser = clap::builder::BoolishValueParser::new())]
    pub tls: bool,

    /// Address of the HTTPS listener, probed with --tls (a wildcard address is probed on
    /// loopback).
    #[arg(long, env = "CSMOCK_TLS_LISTEN")]
    pub tls_listen: Option<SocketAddr>,

    /// Give up and report unhealthy after this long.
    #[arg(long, env = "CSMOCK_HEALTHCHECK_TIMEOUT", default_value = "2s", value_parser = parse_duration)]
    pub timeout: Duration,
}

/// Durations as `14d`, `36h`, `1m`, `500ms`, or a bare number of seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    if let Ok(seconds) = text.parse::<u64>() {
        return Ok(Duration::from_secs(seconds));
    }
    humantime::parse_duration(text).map_err(|e| format!("{e} (examples: 14d, 36h, 1m, 500ms)"))
}

/// An `--allowed-hosts` entry: `*`, a host name or address, or `.domain`.
fn parse_allowed_host(text: &str) -> Result<String, String> {
    let entry = text.trim();
    let name = entry.strip_prefix('.').unwrap_or(entry);
    if entry == "*" || crate::routes::host::valid_host(name) {
        Ok(entry.to_owned())
    } else {
        Err(format!(
            "'{entry}' is not a host name (examples: mock.example.com, .example.com, *)"
        ))
    }
}

impl ServeConfig {
    /// The `--public-url` given, without a trailing slash; `None` when URLs are built
    /// from each request (an empty value, as CI files often pass `${VAR:-}`, is not set).
    pub fn fixed_public_url(&self) -> Option<String> {
        self.public_url
            .as_deref()
            .map(str::trim)
            .filter(|url| !url.is_empty())
            .map(|url| url.trim_end_matches('/').to_owned())
    }

    /// Where the metadata goes, from `--database-url` (an empty value is not set).
    pub fn database_location(&self, data_dir: &Path) -> Result<crate::db::Location, String> {
        let given = self.database_url.as_deref().map(str::trim).unwrap_or("");
        if given.is_empty() {
            return Ok(crate::db::Location::Sqlite(data_dir.join("mock.db")));
        }
        crate::db::Location::parse(given).map_err(|reason| format!("--database-url: {reason}"))
    }

    /// Where the stored files go, from `--storage` (the data dir when unset).
    pub fn storage_location(&self, data_dir: &Path) -> Result<Location, String> {
        let given = self.storage.as_deref().map(str::trim).unwrap_or("");
        if given.is_empty() || given == "file:" {
            return Ok(Location::Disk(data_dir.to_path_buf()));
        }
        if let Some(dir) = given.strip_prefix("file:") {
            return Ok(Location::Disk(PathBuf::from(dir)));
        }
        if given.starts_with("s3://") {
            let endpoint = self
                .s3_endpoint
                .as_deref()
                .map(str::trim)
                .filter(|e| !e.is_empty())
                .map(|e| e.trim_end_matches('/').to_owned());
            return BucketConfig::parse(given, endpoint, self.s3_region.clone())
                .map(Location::Bucket);
        }
        Err(format!(
            "--storage {given:?} is neither file:<dir> nor s3://bucket[/prefix]"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_accept_days_minutes_and_bare_seconds() {
        assert_eq!(
            parse_duration("14d").unwrap(),
            Duration::from_secs(14 * 86_400)
        );
        assert_eq!(parse_duration("1m").unwrap(), Duration::from_secs(60));
        assert_eq!(parse_duration("90").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
        assert!(parse_duration("soon").is_err());
    }
}
