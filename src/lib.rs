//! contentstack-mock: a self-hosted, API-compatible stand-in for Contentstack's asset
//! service. The binary in `main.rs` only parses flags and calls into this library.
//!
//! One direction through the code: `routes` (HTTP: parse and render) call `domain`
//! (the rules and transactions), which calls `db` (every SQL statement) and `storage`
//! (stored files). `server` is the process around them (flags, listeners, start-up);
//! the small modules at the top level are shared by all of them.

pub mod clock;
pub mod confined;
pub mod content_types;
pub mod db;
pub mod domain;
pub mod error;
pub mod faults;
pub mod filename;
pub mod filter;
pub mod grants;
pub mod ids;
pub mod params;
pub mod routes;
pub mod server;
pub mod stacks;
pub mod state;
pub mod storage;
pub mod variants;
