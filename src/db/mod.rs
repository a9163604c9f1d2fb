//! The database, SQLite (the default: WAL, a few readers) or PostgreSQL: every SQL
//! statement of the service lives under this module, and nothing else does. One writer
//! connection on either, migrations at start.

pub mod assets;
pub mod budget;
pub mod bulk;
pub mod delivery;
pub mod environments;
pub mod exec;
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

/// A pool of SQLite connections.
pub type LitePool = sqlx::SqlitePool;

pub(crate) use exec::on;
pub use exec::{Dialect, Exec};

/// A connection the functions of this module run statements on: a write transaction
/// ([`Tx`]) or a reader held for several statements ([`ReadConn`]), of either backend.
#[derive(Debug)]
pub enum Conn {
    LiteTx(sqlx::Transaction<'static, sqlx::Sqlite>),
    PgTx(sqlx::Transaction<'static, sqlx::Postgres>),
    LiteRead(readers::ReaderConn),
    PgRead(sqlx::pool::PoolConnection<sqlx::Postgres>),
}

impl<'c> From<&'c mut Conn> for Exec<'c> {
    fn from(conn: &'c mut Conn) -> Self {
        match conn {
            Conn::LiteTx(tx) => Exec::from(&mut **tx),
            Conn::PgTx(tx) => Exec::from(&mut **tx),
            Conn::LiteRead(conn) => Exec::from(&mut **conn),
            Conn::PgRead(conn) => Exec::from(&mut **conn),
        }
    }
}

/// An open write transaction on the single writer. Dropped without `commit()`, it
/// rolls back.
#[derive(Debug)]
pub struct Tx(Conn);

impl Tx {
    /// Commits the transaction.
    pub async fn commit(self) -> sqlx::Result<()> {
        match self.0 {
            Conn::LiteTx(tx) => tx.commit().await,
            Conn::PgTx(tx) => tx.commit().await,
            Conn::LiteRead(_) | Conn::PgRead(_) => Ok(()),
        }
    }
}

/// One reader connection, held for several statements in a row.
#[derive(Debug)]
pub struct ReadConn(Conn);

macro_rules! deref_to_conn {
    ($holder:ty) => {
        impl std::ops::Deref for $holder {
            type Target = Conn;
            fn deref(&self) -> &Conn {
                &self.0
            }
        }
        impl std::ops::DerefMut for $holder {
            fn deref_mut(&mut self) -> &mut Conn {
                &mut self.0
            }
        }
        impl<'c> From<&'c mut $holder> for Exec<'c> {
            fn from(holder: &'c mut $holder) -> Self {
                Exec::from(&mut holder.0)
            }
        }
    };
}
deref_to_conn!(Tx);
deref_to_conn!(ReadConn);

/// Where read-only statements run: the readers (each statement takes one).
#[derive(Debug, Clone, Copy)]
pub enum Reader<'a> {
    Lite(&'a readers::Readers),
    Pg(&'a sqlx::PgPool),
}

impl<'a> From<Reader<'a>> for Exec<'a> {
    fn from(reader: Reader<'a>) -> Self {
        match reader {
            Reader::Lite(readers) => Exec::Lite(exec::LiteExec::Readers(readers)),
            Reader::Pg(pool) => Exec::Pg(exec::PgExec::Pool(pool)),
        }
    }
}

impl Reader<'_> {
    /// One connection of its own until dropped.
    pub async fn acquire(self) -> sqlx::Result<ReadConn> {
        Ok(match self {
            Reader::Lite(readers) => ReadConn(Conn::LiteRead(readers.acquire().await?)),
            Reader::Pg(pool) => ReadConn(Conn::PgRead(pool.acquire().await?)),
        })
    }
}

/// PostgreSQL's read transaction that sees one instant, as SQLite's does (its default,
/// read committed, takes a new snapshot for each statement).
const CONSISTENT_READ: &str = "begin isolation level repeatable read, read only";

/// Runs `read` in one read transaction on a reader of its own: every statement sees the
/// database as of one instant while writes go on (an export, a snapshot).
pub async fn read_consistently<T, E: From<sqlx::Error>>(
    db: Reader<'_>,
    read: impl AsyncFnOnce(Exec<'_>) -> Result<T, E>,
) -> Result<T, E> {
    let mut conn = db.acquire().await?;
    match &mut conn.0 {
        Conn::LiteRead(conn) => {
            let mut tx = sqlx::Connection::begin(&mut **conn).await?;
            let value = read(Exec::from(&mut *tx)).await?;
            tx.commit().await?;
            Ok(value)
        }
        Conn::PgRead(conn) => {
            let mut tx = sqlx::Connection::begin_with(&mut **conn, CONSISTENT_READ).await?;
            let value = read(Exec::from(&mut *tx)).await?;
            tx.commit().await?;
            Ok(value)
        }
        // A reader is never a write transaction.
        Conn::LiteTx(_) | Conn::PgTx(_) => Err(sqlx::Error::PoolClosed.into()),
    }
}

/// The single writer, for a statement outside a transaction.
#[derive(Debug, Clone, Copy)]
pub enum Writer<'a> {
    Lite(&'a LitePool),
    Pg(&'a sqlx::PgPool),
}

impl<'a> From<Writer<'a>> for Exec<'a> {
    fn from(writer: Writer<'a>) -> Self {
        match writer {
            Writer::Lite(pool) => Exec::Lite(exec::LiteExec::Pool(pool)),
            Writer::Pg(pool) => Exec::Pg(exec::PgExec::Pool(pool)),
        }
    }
}

impl Writer<'_> {
    /// Opens a transaction on the writer.
    pub async fn begin(self) -> sqlx::Result<Tx> {
        Ok(match self {
            Writer::Lite(pool) => Tx(Conn::LiteTx(pool.begin().await?)),
            Writer::Pg(pool) => Tx(Conn::PgTx(pool.begin().await?)),
        })
    }

    /// Holds the writer's connection until dropped.
    pub async fn acquire(self) -> sqlx::Result<WriteConn> {
        Ok(match self {
            Writer::Lite(pool) => WriteConn::Lite(pool.acquire().await?),
            Writer::Pg(pool) => WriteConn::Pg(pool.acquire().await?),
        })
    }
}

/// The writer's connection, held.
#[derive(Debug)]
pub enum WriteConn {
    Lite(sqlx::pool::PoolConnection<sqlx::Sqlite>),
    Pg(sqlx::pool::PoolConnection<sqlx::Postgres>),
}

impl<'c> From<&'c mut WriteConn> for Exec<'c> {
    fn from(conn: &'c mut WriteConn) -> Self {
        match conn {
            WriteConn::Lite(conn) => Exec::from(&mut **conn),
            WriteConn::Pg(conn) => Exec::from(&mut **conn),
        }
    }
}

/// A JSON column's value, as rows hold it and statements bind it.
pub use sqlx::types::Json;

/// Reads a JSON column of a row; one that does not decode is an error that names the
/// table, the row's key and the column (never an empty default).
fn json_column<'r, T, R>(
    row: &'r R,
    table: &str,
    key: &str,
    column: &str,
) -> sqlx::Result<sqlx::types::Json<T>>
where
    R: sqlx::Row,
    T: serde::de::DeserializeOwned,
    sqlx::types::Json<T>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'c> &'c str: sqlx::ColumnIndex<R>,
{
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
    /// PostgreSQL refused a `$regex` pattern that the filter's own check let through
    /// (its regular expressions are not Rust's).
    #[error("PostgreSQL refused the pattern: {0}")]
    BadPattern(String),
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
    backend: Backend,
    /// The same readers, for statements with a time budget.
    budgeted: budget::BudgetedReaders,
    /// The queue of small writes committed in groups (see [`group`]).
    group: group::GroupWriter,
    /// Serialises changes to stacks (create, delete, reset, clock moves), which write
    /// the database and then the in-memory registry.
    pub stack_changes: Arc<tokio::sync::Mutex<()>>,
    /// Serialises purges, so that a clock move and the background task never race.
    pub purge_lock: Arc<tokio::sync::Mutex<()>>,
}

/// The connections of one backend.
#[derive(Clone, Debug)]
enum Backend {
    Lite {
        read: readers::Readers,
        write: LitePool,
        /// One connection of its own, so that health never waits for a busy reader.
        health: LitePool,
    },
    Pg {
        read: sqlx::PgPool,
        /// One connection: the single writer, as on SQLite.
        write: sqlx::PgPool,
        health: sqlx::PgPool,
        /// Holds the database's claim (see [`claim_database`]) for as long as it is open.
        claim: Arc<tokio::sync::Mutex<sqlx::PgConnection>>,
    },
}

/// Where the database is: a SQLite file or a PostgreSQL server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A SQLite file (`sqlite:<path>`).
    Sqlite(std::path::PathBuf),
    /// A PostgreSQL database (`postgres://...`).
    Postgres(String),
}

impl Location {
    /// Reads `--database-url`: `sqlite:<path>` or `postgres://...` (`postgresql://`).
    pub fn parse(url: &str) -> Result<Location, String> {
        if let Some(path) = url.strip_prefix("sqlite:") {
            let path = path.strip_prefix("//").unwrap_or(path);
            if path.is_empty() {
                return Err("sqlite: needs the path of the database file".into());
            }
            return Ok(Location::Sqlite(path.into()));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            sqlx::postgres::PgConnectOptions::from_str(url)
                .map_err(|error| format!("not a PostgreSQL address: {error}"))?;
            return Ok(Location::Postgres(url.to_owned()));
        }
        Err("expected sqlite:<path> or postgres://user@host/database".into())
    }

    /// How the banner and errors name it: a PostgreSQL address without its password.
    pub fn describe(&self) -> String {
        match self {
            Location::Sqlite(path) => path.display().to_string(),
            Location::Postgres(url) => without_password(url),
        }
    }
}

/// `url` with the password of its user info (`user:password@`) masked.
fn without_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    match rest[..authority_end].rsplit_once('@') {
        Some((user_info, host)) => match user_info.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}{}", &rest[authority_end..]),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

/// Connections a PostgreSQL backend opens for reads.
const PG_READERS: u32 = 8;

impl Db {
    /// Opens the database at `location` (creating a SQLite file if needed) and applies
    /// the migrations. With `durable` false (ephemeral data) SQLite skips fsync.
    pub async fn open(location: &Location, durable: bool) -> anyhow::Result<Db> {
        let backend = match location {
            Location::Sqlite(path) => open_sqlite(path, durable).await?,
            Location::Postgres(url) => open_postgres(url, &location.describe()).await?,
        };
        let (budgeted, writer) = match &backend {
            Backend::Lite { read, write, .. } => (
                budget::BudgetedReaders::new(budget::BudgetPool::Lite(read.clone())),
                Writer::Lite(write),
            ),
            Backend::Pg { read, write, .. } => (
                budget::BudgetedReaders::new(budget::BudgetPool::Pg(read.clone())),
                Writer::Pg(write),
            ),
        };
        Ok(Db {
            budgeted,
            group: group::GroupWriter::start(writer.owned()),
            backend,
            stack_changes: Arc::default(),
            purge_lock: Arc::default(),
        })
    }

    /// The dialect of the backend.
    pub fn dialect(&self) -> Dialect {
        match self.backend {
            Backend::Lite { .. } => Dialect::Lite,
            Backend::Pg { .. } => Dialect::Pg,
        }
    }

    /// The reader pool, for statements outside a write transaction.
    pub fn reader(&self) -> Reader<'_> {
        match &self.backend {
            Backend::Lite { read, .. } => Reader::Lite(read),
            Backend::Pg { read, .. } => Reader::Pg(read),
        }
    }

    /// The readers for statements with a time budget (listings).
    pub fn budgeted(&self) -> &budget::BudgetedReaders {
        &self.budgeted
    }

    /// One reader connection, for a request that runs several statements in a row.
    pub async fn read_conn(&self) -> DbResult<ReadConn> {
        Ok(self.reader().acquire().await?)
    }

    /// The writer, for a single statement that writes (no transaction needed).
    pub fn writer(&self) -> Writer<'_> {
        match &self.backend {
            Backend::Lite { write, .. } => Writer::Lite(write),
            Backend::Pg { write, .. } => Writer::Pg(write),
        }
    }

    /// The queue of small writes that commit together with others queued at the same
    /// time (uploads, deletes): the same rule as for [`Db::begin_write`] holds for its
    /// jobs.
    pub fn grouped(&self) -> &group::GroupWriter {
        &self.group
    }

    /// Opens a write transaction on the single writer (see the rule on [`Db`]).
    pub async fn begin_write(&self) -> DbResult<Tx> {
        Ok(self.writer().begin().await?)
    }

    /// Hands the pages that deletes freed (a purge, a stack deleted) back to the file
    /// system, a step at a time so that writes go on in between. Returns the pages
    /// given back. It takes the writer: call it outside any write transaction.
    /// PostgreSQL's autovacuum does this on its own: nothing to do there.
    pub async fn give_back_free_pages(&self) -> DbResult<i64> {
        let Backend::Lite { write, .. } = &self.backend else {
            return Ok(0);
        };
        let mut given = 0;
        loop {
            let mut conn = write.acquire().await?;
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
                .execute(write)
                .await?;
        }
        Ok(given)
    }

    /// True when the database answers a trivial query (on a connection of its own).
    pub async fn is_healthy(&self) -> bool {
        let health = match &self.backend {
            Backend::Lite { health, .. } => Exec::Lite(exec::LiteExec::Pool(health)),
            Backend::Pg { health, .. } => Exec::Pg(exec::PgExec::Pool(health)),
        };
        on!(health, |c, q| sqlx::query_scalar::<_, i64>(
            q.sql("select cast(1 as bigint)")
        )
        .fetch_one(c)
        .await)
        .is_ok()
    }

    /// Closes every pool (at shutdown, after the last request).
    pub async fn close(&self) {
        match &self.backend {
            Backend::Lite {
                read,
                write,
                health,
            } => {
                read.close().await;
                health.close().await;
                write.close().await;
            }
            Backend::Pg {
                read,
                write,
                health,
                claim,
            } => {
                read.close().await;
                health.close().await;
                write.close().await;
                let _ = sqlx::query("select pg_advisory_unlock_all()")
                    .execute(&mut *claim.lock().await)
                    .await;
            }
        }
    }
}

impl Writer<'_> {
    /// The pool itself, for a task that outlives the borrow.
    fn owned(self) -> OwnedWriter {
        match self {
            Writer::Lite(pool) => OwnedWriter::Lite(pool.clone()),
            Writer::Pg(pool) => OwnedWriter::Pg(pool.clone()),
        }
    }
}

/// The writer's pool, owned (by the group writer's task).
#[derive(Debug, Clone)]
pub enum OwnedWriter {
    Lite(LitePool),
    Pg(sqlx::PgPool),
}

impl OwnedWriter {
    /// Borrows it.
    pub fn borrow(&self) -> Writer<'_> {
        match self {
            OwnedWriter::Lite(pool) => Writer::Lite(pool),
            OwnedWriter::Pg(pool) => Writer::Pg(pool),
        }
    }
}

/// Opens (creating if needed) the SQLite file at `path` and applies the migrations.
async fn open_sqlite(path: &Path, durable: bool) -> anyhow::Result<Backend> {
    let options = SqliteConnectOptions::from_str("sqlite:")?
        .filename(path)
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
    Ok(Backend::Lite {
        read,
        write,
        health,
    })
}

/// Connects to the PostgreSQL database at `url` and applies its migrations.
async fn open_postgres(url: &str, named: &str) -> anyhow::Result<Backend> {
    let options =
        sqlx::postgres::PgConnectOptions::from_str(url)?.application_name("contentstack-mock");
    let connect = |size: u32, wait: u64, options: sqlx::postgres::PgConnectOptions| {
        sqlx::postgres::PgPoolOptions::new()
            .max_connections(size)
            .min_connections(1)
            .acquire_timeout(Duration::from_secs(wait))
            .connect_with(options)
    };
    // As on SQLite, only the writer writes: a write handed a reader by mistake fails.
    let read_only = options
        .clone()
        .options([("default_transaction_read_only", "on")]);
    let write = connect(1, 60, options.clone())
        .await
        .with_context(|| format!("could not connect to the database {named}"))?;
    let claim = claim_database(&options, named).await?;
    warn_unless_c_collation(&write, named).await?;
    sqlx::migrate!("./migrations/postgres")
        .run(&write)
        .await
        .context("could not apply the database migrations")?;
    Ok(Backend::Pg {
        read: connect(PG_READERS, 30, read_only.clone()).await?,
        health: connect(1, 2, read_only).await?,
        write,
        claim: Arc::new(tokio::sync::Mutex::new(claim)),
    })
}

/// Listings sorted by text (title, name) come in byte order on SQLite; on PostgreSQL
/// they follow the database's collation, which the docs ask to be `C`.
async fn warn_unless_c_collation(write: &sqlx::PgPool, named: &str) -> anyhow::Result<()> {
    let collation: String =
        sqlx::query_scalar("select datcollate from pg_database where datname = current_database()")
            .fetch_one(write)
            .await?;
    if collation != "C" && collation != "POSIX" {
        tracing::warn!(
            database = named,
            collation,
            "the database's collation is not C: listings sorted by title or name follow its rules, not byte order (see docs/database.md)"
        );
    }
    Ok(())
}

/// The advisory lock a mock holds on its PostgreSQL database: one mock per database.
/// Every check-then-act (a version number, a name that must be unique) relies on the
/// single writer of one process, so a second mock on the same database is refused at
/// start, as a second mock on a SQLite data dir is.
const DATABASE_CLAIM: i64 = 0x6373_6d6f_636b; // "csmock"

/// Takes [`DATABASE_CLAIM`] on a connection of its own, which holds it until closed.
async fn claim_database(
    options: &sqlx::postgres::PgConnectOptions,
    named: &str,
) -> anyhow::Result<sqlx::PgConnection> {
    use sqlx::ConnectOptions;
    let mut conn = options.connect().await?;
    let claimed: bool = sqlx::query_scalar("select pg_try_advisory_lock($1)")
        .bind(DATABASE_CLAIM)
        .fetch_one(&mut conn)
        .await?;
    if !claimed {
        anyhow::bail!(
            "another contentstack-mock uses the database {named}: stop it first, or give this one a database of its own"
        );
    }
    Ok(conn)
}

/// Puts the database in incremental auto-vacuum mode, so that the space deletes free
/// can be given back ([`Db::give_back_free_pages`]). A new database switches at once;
/// one made by an earlier version is rewritten once (`vacuum`), which takes a moment
/// per 100 MB.
async fn incremental_vacuum(write: &LitePool) -> anyhow::Result<()> {
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
