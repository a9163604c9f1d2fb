//! The SQLite database: one writer connection, a few readers, WAL, migrations at start.

pub mod assets;
pub mod bulk;
pub mod stacks;
pub mod trash;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

/// The database handles. All writes go through `write`, a pool of one connection:
/// SQLite allows one writer at a time anyway, and queueing in-process is much
/// cheaper than letting connections spin on the busy lock.
#[derive(Clone, Debug)]
pub struct Db {
    pub read: SqlitePool,
    pub write: SqlitePool,
}

impl Db {
    /// Opens (creating if needed) `mock.db` in `dir` and applies the migrations.
    /// With `durable` false (ephemeral data) SQLite skips fsync.
    pub async fn open(dir: &Path, durable: bool) -> anyhow::Result<Db> {
        let path = dir.join("mock.db");
        let options = SqliteConnectOptions::from_str("sqlite:")?
            .filename(&path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(if durable {
                SqliteSynchronous::Normal
            } else {
                SqliteSynchronous::Off
            })
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true)
            .with_regexp();

        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .acquire_timeout(Duration::from_secs(60))
            .connect_with(options.clone())
            .await
            .with_context(|| format!("could not open the database {}", path.display()))?;
        sqlx::migrate!("./migrations")
            .run(&write)
            .await
            .context("could not apply the database migrations")?;

        let read = SqlitePoolOptions::new()
            .max_connections(4)
            .min_connections(0)
            .idle_timeout(Duration::from_secs(60))
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options.read_only(true))
            .await
            .context("could not open the database for reading")?;
        Ok(Db { read, write })
    }

    /// True when the database answers a trivial query.
    pub async fn is_healthy(&self) -> bool {
        sqlx::query_scalar::<_, i64>("select 1")
            .fetch_one(&self.read)
            .await
            .is_ok()
    }

    /// Closes both pools (at shutdown, after the last request).
    pub async fn close(&self) {
        self.read.close().await;
        self.write.close().await;
    }
}
