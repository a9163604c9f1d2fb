//! Integration tests: each test starts the real `contentstack-mock` binary on a free
//! port with its own temporary data dir and talks HTTP to it.

mod helpers;

mod assets;
mod auth;
mod bulk;
mod clock;
mod control;
mod delivery;
mod docker_config;
mod durability;
mod export;
mod files;
mod folders;
mod hardening;
mod healthcheck;
mod images;
mod journal;
mod limits;
mod migrations;
mod publishing;
mod security;
mod seed;
mod snapshots;
mod stack;
mod stack_reset;
mod stale_reads;
mod storage_location;
mod storage_safety;
mod tls;
mod trash;
mod urls;
