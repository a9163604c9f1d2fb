//! Logging setup: text or JSON lines, filtered by `--log` (or `RUST_LOG`).

use tracing_subscriber::EnvFilter;

use crate::server::config::LogFormat;

/// Installs the global subscriber. Logs go to stderr; stdout carries the start banner.
pub fn init(format: LogFormat, filter: &str) {
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(filter))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    // Colour only for a person at a terminal, never in files, pipes or CI logs.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        // A log line that cannot be written (stderr closed, a full disk) is dropped: by
        // default the subscriber would report it with `eprintln!`, which panics.
        .log_internal_errors(false)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
}
