//! contentstack-mock: a self-hosted, API-compatible stand-in for Contentstack's asset
//! service. The binary in `main.rs` only parses flags and calls into this library.
//!
//! One direction through the code: `routes` (HTTP: parse and render) call `domain`
//! (the rules and transactions), which calls `db` (every SQL statement) and `storage`
//! (stored files). `server` is the process around them (flags, listeners, start-up);
//! `contentstack` holds what Contentstack itself defines (identifier
//! formats, filename rules, the query language, lenient parameters, time) and is shared
//! by all of them.

pub mod contentstack;
pub mod db;
pub mod domain;
pub mod error;
pub mod routes;
pub mod server;
pub mod state;
pub mod storage;
