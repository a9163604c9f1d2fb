//! The reader connections: a pool of our own instead of sqlx's. sqlx's pool pings every
//! connection as it goes back, a round trip to the connection's worker thread that costs
//! as much as a small query, on every read statement. A connection to a local file has
//! nothing to check, and what a cancelled request leaves queued on a connection (a
//! rollback, a statement reset) runs in order before the next holder's statements, so
//! a connection goes back as it is, and a read after a write still sees it.

use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures_util::future::BoxFuture;
use futures_util::stream::{self, BoxStream};
use futures_util::{StreamExt, TryStreamExt};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteQueryResult, SqliteRow, SqliteStatement, SqliteTypeInfo,
};
use sqlx::{Connection, Either, Execute, Executor, Sqlite, SqliteConnection};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Up to `size` read-only connections, opened as they are first needed and kept.
#[derive(Clone)]
pub struct Readers {
    shared: Arc<Shared>,
}

struct Shared {
    options: SqliteConnectOptions,
    /// Connections nobody holds. Never more than `size`: a connection is pushed back
    /// before its permit is released.
    idle: Mutex<Vec<SqliteConnection>>,
    permits: Arc<Semaphore>,
    acquire_timeout: Duration,
}

impl fmt::Debug for Readers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Readers")
            .field("idle", &self.idle_count())
            .finish_non_exhaustive()
    }
}

impl Readers {
    /// At most `size` connections opened with `options`; asking for one waits at most
    /// `acquire_timeout`.
    pub fn new(options: SqliteConnectOptions, size: usize, acquire_timeout: Duration) -> Readers {
        Readers {
            shared: Arc::new(Shared {
                options,
                idle: Mutex::new(Vec::with_capacity(size)),
                permits: Arc::new(Semaphore::new(size)),
                acquire_timeout,
            }),
        }
    }

    /// A connection of its own until the returned guard is dropped.
    pub async fn acquire(&self) -> Result<ReaderConn, sqlx::Error> {
        let permit = tokio::time::timeout(
            self.shared.acquire_timeout,
            self.shared.permits.clone().acquire_owned(),
        )
        .await
        .map_err(|_| sqlx::Error::PoolTimedOut)?
        .map_err(|_| sqlx::Error::PoolClosed)?;
        let idle = self.idle().pop();
        let conn = match idle {
            Some(conn) => conn,
            None => SqliteConnection::connect_with(&self.shared.options).await?,
        };
        Ok(ReaderConn {
            conn: Some(conn),
            home: self.shared.clone(),
            _permit: permit,
        })
    }

    /// Connections open and free.
    pub fn idle_count(&self) -> usize {
        self.idle().len()
    }

    /// Refuses new holders and closes the free connections (at shutdown).
    pub async fn close(&self) {
        self.shared.permits.close();
        let idle = std::mem::take(&mut *self.idle());
        for conn in idle {
            conn.close().await.ok();
        }
    }

    fn idle(&self) -> std::sync::MutexGuard<'_, Vec<SqliteConnection>> {
        // A panic while the list was held leaves it whole (push and pop only).
        self.shared
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// A reader connection, back to its pool when dropped.
pub struct ReaderConn {
    conn: Option<SqliteConnection>,
    home: Arc<Shared>,
    // Dropped after `drop` has put the connection back (fields drop after it).
    _permit: OwnedSemaphorePermit,
}

impl ReaderConn {
    /// Closes the connection instead of handing it out again (the pool opens another
    /// when it is next short of one).
    pub async fn close(mut self) {
        if let Some(conn) = self.conn.take() {
            conn.close().await.ok();
        }
    }

    /// Drops the connection without waiting for it to close (no runtime left).
    pub fn discard(mut self) {
        self.conn.take();
    }
}

impl Deref for ReaderConn {
    type Target = SqliteConnection;

    fn deref(&self) -> &SqliteConnection {
        self.conn.as_ref().expect("present until dropped")
    }
}

impl DerefMut for ReaderConn {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        self.conn.as_mut().expect("present until dropped")
    }
}

impl Drop for ReaderConn {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            if self.home.permits.is_closed() {
                return;
            }
            self.home
                .idle
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(conn);
        }
    }
}

impl fmt::Debug for ReaderConn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ReaderConn")
    }
}

/// A statement on the readers holds one connection for as long as it runs. A stream
/// (`fetch`, `fetch_many`) is read whole before its first row is handed out: code that
/// streams a long result holds a connection with [`Readers::acquire`] instead.
impl<'p> Executor<'p> for &'_ Readers {
    type Database = Sqlite;

    fn fetch_many<'e, 'q: 'e, E>(
        self,
        query: E,
    ) -> BoxStream<'e, Result<Either<SqliteQueryResult, SqliteRow>, sqlx::Error>>
    where
        'p: 'e,
        E: 'q + Execute<'q, Sqlite>,
    {
        let readers = self.clone();
        stream::once(async move {
            let mut conn = readers.acquire().await?;
            let steps: Vec<_> = conn.fetch_many(query).try_collect().await?;
            Ok::<_, sqlx::Error>(stream::iter(steps.into_iter().map(Ok)))
        })
        .try_flatten()
        .boxed()
    }

    fn fetch_optional<'e, 'q: 'e, E>(
        self,
        query: E,
    ) -> BoxFuture<'e, Result<Option<SqliteRow>, sqlx::Error>>
    where
        'p: 'e,
        E: 'q + Execute<'q, Sqlite>,
    {
        let readers = self.clone();
        Box::pin(async move { readers.acquire().await?.fetch_optional(query).await })
    }

    fn prepare_with<'e>(
        self,
        sql: sqlx::SqlStr,
        parameters: &'e [SqliteTypeInfo],
    ) -> BoxFuture<'e, Result<SqliteStatement, sqlx::Error>>
    where
        'p: 'e,
    {
        let readers = self.clone();
        Box::pin(async move { readers.acquire().await?.prepare_with(sql, parameters).await })
    }

    fn describe<'e>(
        self,
        sql: sqlx::SqlStr,
    ) -> BoxFuture<'e, Result<sqlx::Describe<Sqlite>, sqlx::Error>>
    where
        'p: 'e,
    {
        let readers = self.clone();
        Box::pin(async move { readers.acquire().await?.describe(sql).await })
    }
}
