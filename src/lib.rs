//! contentstack-mock: a self-hosted, API-compatible stand-in for Contentstack's asset
//! service. The binary in `main.rs` only parses flags and calls into this library.

pub mod app;
pub mod auth;
pub mod clock;
pub mod config;
pub mod db;
pub mod error;
pub mod faults;
pub mod filename;
pub mod healthcheck;
pub mod ids;
pub mod params;
pub mod purge;
pub mod query_filter;
pub mod routes;
pub mod stacks;
pub mod state;
pub mod storage;
pub mod telemetry;
pub mod trash;
pub mod upload;
pub mod views;
