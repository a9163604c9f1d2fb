//! The SQLite database: every SQL statement of the service lives under this module, and
//! nothing else does. One writer connection, a few readers, WAL, migrations at start.

pub mod assets;
pub mod budget;
pub mod bulk;
pub mod delivery;
pub mod environments;
pub mod export;
pub mod filter_sql;
pub mod group;
pub mod listing;
pub mod locales;
pub mod management_tokens;
#[cfg(test)]
mod plans;
pub mod publishing;
pub mod readers;
pub mod scan_status;
pub mod stack_content;
pub mod stack_rows;
pub mod stacks;
pub mod tokens;
pub mod trash;

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

/// Reader connections: queries that may run long are given a time budget.
const READERS: usize = 4;
/// Rows a reader may send ahead of the request that reads them: one whole page.
const READER_ROW_BUFFER: usize = 256;

/// The writer's page cache (KiB, as SQLite's negative `cache_size`), 8 MiB: a bulk delete of
/// 100 or a purge batch dirties more pages than SQLite's default 2 MiB holds, which
/// made it write pages to the WAL in the middle of the transaction, again at commit.
const WRITER_CACHE: &str = "-8192";
/// Pages the WAL grows to before a commit copies them into the database (SQLite's
/// default is 1,000): a page changed again before then is copied once.
const WAL_PAGES_BEFORE_CHECKPOINT: &str = "4000";
/// Free pages handed back to the file system per step of [`Db::give_back_free_pages`]:
/// 8 MiB of 4 KiB pages, a short hold of the writer.
const FREE_PAGES_PER_STEP: i64 = 2_048;

/// The pools skip sqlx's ping before handing out a connection: a connection to a local
/// file does not hang up, and each ping is a round trip to the connection's worker
/// thread (as costly as a small query).
const TEST_BEFORE_ACQUIRE: bool = false;

/// A connection, as the functions of this module take it (inside a transaction or not).
pub type Conn = sqlx::SqliteConnection;
/// A pool of connections.
pub type Pool = sqlx::SqlitePool;
/// An open write transaction on the single writer connection. Dropped without
/// `commit()`, it rolls back.
pub type Tx = sqlx::Transaction<'static, sqlx::Sqlite>;

/// Where read-only statements run: the readers.
pub type Reader<'a> = &'a readers::Readers;

/// A JSON column's value, as rows hold it and statements bind it.
pub use sqlx::types::Json;

/// Reads a JSON column of a row; one that does not decode is an error that names the
/// table, the row's key and the column (never an empty default).
fn json_column<T: serde::de::DeserializeOwned>(
    row: &sqlx::sqlite::SqliteRow,
    table: &str,
    key: &str,
    column: &str,
) -> sqlx::Result<sqlx::types::Json<T>> {
    use sqlx::Row;
    row.try_get::<sqlx::types::Json<T>, _>(column)
        .map_err(|error| match error {
            sqlx::Error::ColumnDecode { source, .. } => sqlx::Error::ColumnDecode {
                index: format!("{column} of {table} row {key}"),
                source,
            },
            other => other,
        })
}

/// A failed statement. Opaque outside this module: the cause is logged, not sent.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error(transparent)]
    Statement(#[from] sqlx::Error),
    /// A statement ran out of its time budget and was stopped.
    #[error("the statement ran longer than {0:?} and was stopped")]
    OutOfTime(Duration),
}

/// Result of the functions of this module.
pub type DbResult<T> = Result<T, DbError>;

/// The database handles, and the locks that order work on the writer.
///
/// # The single writer
///
/// Every write goes through `write`, a pool of exactly one connection: SQLite allows
/// one writer at a time anyway, and queueing in-process is much cheaper than letting
/// connections spin on the busy lock. The rule that follows: **while a write
/// transaction is open, the code holding it never asks for the writer again, and never
/// takes `purge_lock` or `stack_changes`** (it would wait for itself forever).
///
/// # Lock order
///
/// Work that needs more than one of these takes them in this order, and only this
/// order: `stack_changes` -> `purge_lock` -> the writer (`begin_write`).
#[derive(Clone, Debug)]
pub struct Db {
    read: readers::Readers,
    /// The same readers, for statements with a time budget.
    budgeted: budget::BudgetedReaders,
    write: Pool,
    /// The queue of small writes committed in groups (see [`group`]).
    group: group::GroupWriter,
    /// One connection of its own, so that health never waits for a busy reader.
    health: Pool,
    /// Serialises changes to stacks (create, delete, reset, clock moves), which write
    /// the database and then the in-memory registry.
    pub stack_changes: Arc<tokio::sync::Mutex<()>>,
    /// Serialises purges, so that a clock move and the background task never race.
    pub purge_lock: Arc<tokio::sync::Mutex<()>>,
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
            .test_before_acquire(TEST_BEFORE_ACQUIRE)
            .max_connections(1)
            .min_connections(1)
            .acquire_timeout(Duration::from_secs(60))
            .connect_with(
                options
                    .clone()
                    .pragma("cache_size", WRITER_CACHE)
                    .pragma("wal_autocheckpoint", WAL_PAGES_BEFORE_CHECKPOINT),
            )
            .await
            .with_context(|| format!("could not open the database {}", path.display()))?;
        incremental_vacuum(&write).await?;
        sqlx::migrate!("./migrations")
            .run(&write)
            .await
            .context("could not apply the database migrations")?;

        // A reader's rows cross to the async side through a channel of this many; a page
        // (at most 250 rows) that fits never parks the connection's thread half way.
        let read_only = options.read_only(true).row_buffer_size(READER_ROW_BUFFER);
        let read = readers::Readers::new(read_only.clone(), READERS, Duration::from_secs(30));
        let health = SqlitePoolOptions::new()
            .test_before_acquire(TEST_BEFORE_ACQUIRE)
            .max_connections(1)
            .min_connections(1)
            .acquire_timeout(Duration::from_secs(2))
            .connect_with(read_only)
            .await
            .context("could not open the database for health checks")?;
        Ok(Db {
            budgeted: budget::BudgetedReaders::new(read.clone()),
            read,
            group: group::GroupWriter::start(write.clone()),
            write,
            health,
            stack_changes: Arc::default(),
            purge_lock: Arc::default(),
        })
    }

    /// The reader pool, for statements outside a write transaction.
    pub fn reader(&self) -> Reader<'_> {
        &self.read
    }

    /// The readers for statements with a time budget (listings).
    pub fn budgeted(&self) -> &budget::BudgetedReaders {
        &self.budgeted
    }

    /// One reader connection, for a request that runs several statements in a row.
    pub async fn read_conn(&self) -> DbResult<readers::ReaderConn> {
        Ok(self.read.acquire().await?)
    }

    /// The writer pool, for a single statement that writes (no transaction needed).
    pub fn writer(&self) -> &Pool {
        &self.write
    }

    /// The queue of small writes that commit together with others queued at the same
    /// time (uploads, deletes): the same rule as for [`Db::begin_write`] holds for its
    /// jobs.
    pub fn grouped(&self) -> &group::GroupWriter {
        &self.group
    }

    /// Opens a write transaction on the single writer (see the rule on [`Db`]).
    pub async fn begin_write(&self) -> DbResult<Tx> {
        Ok(self.write.begin().await?)
    }

    /// Hands the pages that deletes freed (a purge, a stack deleted) back to the file
    /// system, a step at a time so that writes go on in between. Returns the pages
    /// given back. It takes the writer: call it outside any write transaction.
    pub async fn give_back_free_pages(&self) -> DbResult<i64> {
        let mut given = 0;
        loop {
            let mut conn = self.write.acquire().await?;
            let free: i64 = sqlx::query_scalar("pragma freelist_count")
                .fetch_one(&mut *conn)
                .await?;
            if free == 0 {
                break;
            }
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "pragma incremental_vacuum({FREE_PAGES_PER_STEP})"
            )))
            .execute(&mut *conn)
            .await?;
            let left: i64 = sqlx::query_scalar("pragma freelist_count")
                .fetch_one(&mut *conn)
                .await?;
            given += free - left;
            if left >= free {
                // Not a database in incremental mode: nothing to give back this way.
                break;
            }
            drop(conn);
            tokio::task::yield_now().await;
        }
        if given > 0 {
            // The file shrinks when the WAL is copied back into it.
            sqlx::query("pragma wal_checkpoint(passive)")
                .execute(&self.write)
                .await?;
        }
        Ok(given)
    }

    /// True when the database answers a trivial query (on a connection of its own).
    pub async fn is_healthy(&self) -> bool {
        sqlx::query_scalar::<_, i64>("select 1")
            .fetch_one(&self.health)
            .await
            .is_ok()
    }

    /// Closes every pool (at shutdown, after the last request).
    pub async fn close(&self) {
        self.read.close().await;
        self.health.close().await;
        self.write.close().await;
    }
}

/// Puts the database in incremental auto-vacuum mode, so that the space deletes free
/// can be given back ([`Db::give_back_free_pages`]). A new database switches at once;
/// one made by an earlier version is rewritten once (`vacuum`), which takes a moment
/// per 100 MB.
async fn incremental_vacuum(write: &Pool) -> anyhow::Result<()> {
    const INCREMENTAL: i64 = 2;
    let mode: i64 = sqlx::query_scalar("pragma auto_vacuum")
        .fetch_one(write)
        .await
        .context("could not read the database's vacuum mode")?;
    if mode == INCREMENTAL {
        return Ok(());
    }
    let mut conn = write.acquire().await?;
    sqlx::query("pragma auto_vacuum = incremental")
        .execute(&mut *conn)
        .await?;
    let has_tables: bool =
        sqlx::query_scalar("select exists (select 1 from sqlite_master where type = 'table')")
            .fetch_one(&mut *conn)
            .await?;
    if has_tables {
        tracing::info!("rewriting the database once so that it can give space back after purges");
    }
    sqlx::query("vacuum")
        .execute(&mut *conn)
        .await
        .context("could not switch the database to incremental auto-vacuum")?;
    // `vacuum` may number the rows of `assets` anew; the title index names them by
    // number, so it is built again.
    let titles_indexed: bool = sqlx::query_scalar(
        "select exists (select 1 from sqlite_master where name = 'asset_titles')",
    )
    .fetch_one(&mut *conn)
    .await?;
    if titles_indexed {
        sqlx::query("delete from asset_titles")
            .execute(&mut *conn)
            .await?;
        sqlx::query("insert into asset_titles (rowid, title) select rowid, title from assets")
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Commits a write transaction.
pub async fn commit(tx: Tx) -> DbResult<()> {
    Ok(tx.commit().await?)
}

/// Commits `tx` in a task of its own, then runs `after` (such as keeping the file the
/// new rows point to): if the caller is dropped (the client gave up, or shutdown), the
/// commit and `after` still complete.
pub async fn commit_detached(tx: Tx, after: impl FnOnce() + Send + 'static) -> anyhow::Result<()> {
    tokio::spawn(async move {
        tx.commit().await?;
        after();
        Ok::<_, sqlx::Error>(())
    })
    .await
    .context("the commit task failed")?
    .context("committing")
}
