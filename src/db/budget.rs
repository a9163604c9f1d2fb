//! A time budget for statements that may run long (listings with a `query`): SQLite's
//! progress handler stops the statement once the budget is spent, or once the request
//! that asked for it is gone, so no abandoned query keeps a reader busy.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use sqlx::Sqlite;
use sqlx::pool::PoolConnection;

use super::{DbError, DbResult, Pool};

/// How many SQLite virtual-machine steps run between two looks at the clock.
const STEPS_BETWEEN_CHECKS: i32 = 1000;

/// SQLite's result code for a statement stopped by the progress handler.
const SQLITE_INTERRUPT: &str = "9";

/// A reader connection whose statements stop when the budget is spent.
pub struct Budgeted {
    conn: Option<PoolConnection<Sqlite>>,
    /// Set when the holder goes away before releasing it.
    abandoned: Arc<AtomicBool>,
    budget: Duration,
}

impl Budgeted {
    /// A reader connection with `budget` for everything it runs from now on.
    pub async fn acquire(pool: &Pool, budget: Duration) -> DbResult<Budgeted> {
        let mut conn = pool.acquire().await?;
        let abandoned = Arc::new(AtomicBool::new(false));
        let watched = abandoned.clone();
        let deadline = Instant::now() + budget;
        conn.lock_handle().await?.set_progress_handler(
            STEPS_BETWEEN_CHECKS,
            // false stops the statement.
            move || !watched.load(Ordering::Relaxed) && Instant::now() < deadline,
        );
        Ok(Budgeted {
            conn: Some(conn),
            abandoned,
            budget,
        })
    }

    /// The connection, to run statements on.
    pub fn conn(&mut self) -> &mut sqlx::SqliteConnection {
        self.conn
            .as_mut()
            .expect("a budgeted connection is held until released")
    }

    /// The error for a failed statement: out of time, or the statement's own.
    pub fn error(&self, error: sqlx::Error) -> DbError {
        match &error {
            sqlx::Error::Database(e) if e.code().as_deref() == Some(SQLITE_INTERRUPT) => {
                DbError::OutOfTime(self.budget)
            }
            _ => DbError::Statement(error),
        }
    }

    /// Gives the connection back without its budget.
    pub async fn release(mut self) {
        if let Some(conn) = self.conn.take() {
            unbudget(conn).await;
        }
    }
}

/// Removes the budget and returns the connection to the pool; a connection whose budget
/// cannot be removed is closed instead, so that no later statement inherits it.
async fn unbudget(mut conn: PoolConnection<Sqlite>) {
    let removed = match conn.lock_handle().await {
        Ok(mut handle) => {
            handle.remove_progress_handler();
            true
        }
        Err(_) => false,
    };
    if !removed {
        let _ = conn.close().await;
    }
}

impl Drop for Budgeted {
    fn drop(&mut self) {
        // Dropped while holding the connection: the request went away (or failed). Stop
        // what still runs, and return the connection once its budget is removed.
        if let Some(conn) = self.conn.take() {
            self.abandoned.store(true, Ordering::Relaxed);
            match tokio::runtime::Handle::try_current() {
                Ok(runtime) => {
                    runtime.spawn(unbudget(conn));
                }
                // No runtime left (shutdown): never hand the connection out again.
                Err(_) => drop(conn.detach()),
            }
        }
    }
}
