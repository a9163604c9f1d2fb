//! The process around the HTTP application: flags and configuration, the data dir and
//! its lock, the listeners and their connections (HTTP and HTTPS), logging, start-up
//! and shutdown, and the `healthcheck` client subcommand.

pub mod app;
pub mod config;
pub mod connections;
pub mod data_dir;
pub mod healthcheck;
pub mod telemetry;
pub mod tls;
