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
    flags: Arc<Flags>,
    budget: Duration,
}

/// What the progress handler looks at besides the clock.
#[derive(Default)]
struct Flags {
    /// Set when the holder goes away before releasing it: stop what still runs.
    abandoned: AtomicBool,
    /// Set as the release begins: from then on the handler never stops a statement,
    /// so that a release cut short (its request cancelled while it waited for the
    /// connection's lock) cannot leave a spent budget on a connection back in the pool.
    released: AtomicBool,
}

impl Flags {
    /// The progress handler's answer: false stops the running statement.
    fn keep_going(&self, deadline: Instant) -> bool {
        self.released.load(Ordering::Relaxed)
            || (!self.abandoned.load(Ordering::Relaxed) && Instant::now() < deadline)
    }
}

impl Budgeted {
    /// A reader connection with `budget` for everything it runs from now on: the wait
    /// for a free connection counts too, so that a crowd of queries waiting for the
    /// readers answers within its budget instead of queueing behind each other.
    pub async fn acquire(pool: &Pool, budget: Duration) -> DbResult<Budgeted> {
        let deadline = Instant::now() + budget;
        let mut conn = tokio::time::timeout_at(deadline.into(), pool.acquire())
            .await
            .map_err(|_| DbError::OutOfTime(budget))??;
        let flags = Arc::new(Flags::default());
        let watched = flags.clone();
        conn.lock_handle().await?.set_progress_handler(
            STEPS_BETWEEN_CHECKS,
            // false stops the statement.
            move || watched.keep_going(deadline),
        );
        Ok(Budgeted {
            conn: Some(conn),
            flags,
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
        self.flags.released.store(true, Ordering::Relaxed);
        if let Some(conn) = self.conn.take() {
            // In a task of its own: a caller cancelled while it waits still has the
            // budget removed before the connection goes back to the pool.
            let _ = tokio::spawn(unbudget(conn)).await;
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
            self.flags.abandoned.store(true, Ordering::Relaxed);
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

#[cfg(test)]
mod tests {
    use futures_util::FutureExt;
    use sqlx::sqlite::SqlitePoolOptions;

    use super::*;

    /// A statement of many more virtual-machine steps than [`STEPS_BETWEEN_CHECKS`].
    const LONG: &str = "with recursive c(x) as (select 1 union all select x + 1 from c where x < 100000) select count(*) from c";

    #[test]
    fn a_released_budget_never_stops_a_statement() {
        let flags = Flags::default();
        let spent = Instant::now();
        let later = spent + Duration::from_secs(60);
        assert!(flags.keep_going(later));
        assert!(!flags.keep_going(spent));
        flags.abandoned.store(true, Ordering::Relaxed);
        assert!(!flags.keep_going(later));
        flags.released.store(true, Ordering::Relaxed);
        assert!(flags.keep_going(spent));
    }

    #[tokio::test]
    async fn a_release_cut_short_leaves_no_spent_budget_on_the_connection() {
        // One connection, so the next statement runs where the budget was.
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .test_before_acquire(false)
            .connect("sqlite::memory:")
            .await
            .unwrap();
        for _ in 0..20 {
            // The wait for a connection counts against a budget: start with it idle.
            while pool.num_idle() < 1 {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            let budget = Duration::from_millis(1);
            let budgeted = Budgeted::acquire(&pool, budget).await.unwrap();
            // Polled once and dropped, as when its request is cancelled (it may also
            // have finished in that one poll).
            let _ = budgeted.release().now_or_never();
            tokio::time::sleep(budget * 3).await;
            let count: i64 = sqlx::query_scalar(LONG).fetch_one(&pool).await.unwrap();
            assert_eq!(count, 100_000);
        }
    }

    #[tokio::test]
    async fn a_spent_budget_stops_the_statement() {
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect("sqlite::memory:")
            .await
            .unwrap();
        let mut budgeted = Budgeted::acquire(&pool, Duration::ZERO).await.unwrap();
        let error = sqlx::query_scalar::<_, i64>(LONG)
            .fetch_one(budgeted.conn())
            .await
            .unwrap_err();
        assert!(matches!(budgeted.error(error), DbError::OutOfTime(_)));
        budgeted.release().await;
        let count: i64 = sqlx::query_scalar(LONG).fetch_one(&pool).await.unwrap();
        assert_eq!(count, 100_000);
    }
}
