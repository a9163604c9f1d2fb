//! A time budget for statements that may run long (listings with a `query`): SQLite's
//! progress handler stops the statement once the budget is spent, or once the request
//! that asked for it is gone, so no abandoned query keeps a reader busy. A budget starts
//! with a [`Slot`], before the work it covers (checking a `query`, waiting for a reader),
//! and heavy work (a filter, an unindexed sort) holds one of [`heavy_at_once`] slots: a
//! crowd of heavy listings answers within its budget, and leaves CPU and readers to
//! everything else (health, plain reads). On PostgreSQL, `statement_timeout` stops
//! the statement instead, set to what is left of the budget.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::readers::{ReaderConn, Readers};
use super::{DbError, DbResult, Exec};

/// How many SQLite virtual-machine steps run between two calls of the progress handler:
/// few, because one step may be long (a `regexp` call compiles its pattern on the first
/// row), and a call only reads a flag, which a timer sets when the budget is spent.
const STEPS_BETWEEN_CHECKS: i32 = 16;

/// Every this many calls the handler reads the clock itself, in case the timer is late
/// (its task waits for a busy runtime).
const CALLS_BETWEEN_CLOCK_READS: u32 = 64;

/// SQLite's result code for a statement stopped by the progress handler.
const SQLITE_INTERRUPT: &str = "9";
/// PostgreSQL's code for a statement stopped by `statement_timeout` (`query_canceled`).
const PG_QUERY_CANCELED: &str = "57014";
/// PostgreSQL's code for a pattern its `~` refuses (`invalid_regular_expression`).
const PG_INVALID_REGEX: &str = "2201B";

/// Heavy statements that may run at once: half the CPUs (at least one), so that the
/// other half stays free for health and cheap reads (measured on 2 CPUs: with both busy
/// with heavy statements, health waited up to a second behind them).
pub fn heavy_at_once() -> usize {
    std::thread::available_parallelism().map_or(1, |cpus| (cpus.get() / 2).max(1))
}

/// The readers budgeted statements run on, and the gate of the heavy ones.
#[derive(Debug, Clone)]
pub struct BudgetedReaders {
    pool: BudgetPool,
    heavy: Arc<Semaphore>,
}

/// The connections budgeted statements run on.
#[derive(Debug, Clone)]
pub enum BudgetPool {
    Lite(Readers),
    Pg(sqlx::PgPool),
}

impl BudgetedReaders {
    /// Budgeted statements on `pool`'s connections.
    pub fn new(pool: BudgetPool) -> BudgetedReaders {
        BudgetedReaders {
            pool,
            heavy: Arc::new(Semaphore::new(heavy_at_once())),
        }
    }
}

/// How costly a budgeted statement may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weight {
    /// Walks an index (a page of the newest items, say).
    Light,
    /// Filters or sorts outside an index: may scan a whole stack.
    Heavy,
}

/// A started budget: its deadline and, for heavy work, a heavy slot (held until the
/// statements are done).
#[derive(Debug)]
pub struct Slot {
    deadline: Instant,
    budget: Duration,
    _permit: Option<OwnedSemaphorePermit>,
}

impl Slot {
    /// When the budget is spent.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// The error of work that ran out of this budget.
    pub fn out_of_time(&self) -> DbError {
        DbError::OutOfTime(self.budget)
    }
}

impl BudgetedReaders {
    /// Starts a budget of `budget` for work of `weight`: heavy work first waits, within
    /// the budget, for a heavy slot.
    pub async fn slot(&self, budget: Duration, weight: Weight) -> DbResult<Slot> {
        let deadline = Instant::now() + budget;
        let permit = match weight {
            Weight::Light => None,
            Weight::Heavy => Some(
                tokio::time::timeout_at(deadline.into(), self.heavy.clone().acquire_owned())
                    .await
                    .ok()
                    // The gate is never closed; were it, no slot would come in time.
                    .and_then(Result::ok)
                    .ok_or(DbError::OutOfTime(budget))?,
            ),
        };
        Ok(Slot {
            deadline,
            budget,
            _permit: permit,
        })
    }
}

/// A reader connection whose statements stop when the budget is spent.
pub struct Budgeted {
    /// The budget, and the heavy slot it holds.
    _slot: Slot,
    conn: Option<BudgetConn>,
    flags: Arc<Flags>,
    budget: Duration,
    /// Sets `flags.expired` at the deadline; stopped with the budget.
    timer: tokio::task::AbortHandle,
}

/// A budgeted connection of either backend.
enum BudgetConn {
    Lite(ReaderConn),
    Pg(sqlx::pool::PoolConnection<sqlx::Postgres>),
}

/// What the progress handler looks at besides the clock.
#[derive(Default)]
struct Flags {
    /// Set by a timer at the deadline.
    expired: AtomicBool,
    /// Set when the holder goes away before releasing it: stop what still runs.
    abandoned: AtomicBool,
    /// Set as the release begins: from then on the handler never stops a statement,
    /// so that a release cut short (its request cancelled while it waited for the
    /// connection's lock) cannot leave a spent budget on a connection back in the pool.
    released: AtomicBool,
}

impl Flags {
    /// The progress handler's answer: false stops the running statement. The clock is
    /// read only when `read_clock` says so; the timer's flag every time.
    fn keep_going(&self, deadline: Instant, read_clock: bool) -> bool {
        if self.released.load(Ordering::Relaxed) {
            return true;
        }
        let spent = self.expired.load(Ordering::Relaxed)
            || self.abandoned.load(Ordering::Relaxed)
            || (read_clock && Instant::now() >= deadline);
        !spent
    }
}

impl Budgeted {
    /// A reader connection whose statements run within what is left of `slot`'s
    /// budget: the wait for a free connection counts too, so that a crowd of queries
    /// answers within its budget instead of queueing behind each other.
    pub async fn acquire(readers: &BudgetedReaders, slot: Slot) -> DbResult<Budgeted> {
        let (deadline, budget) = (slot.deadline, slot.budget);
        let flags = Arc::new(Flags::default());
        let pool = match &readers.pool {
            BudgetPool::Lite(pool) => pool,
            BudgetPool::Pg(pool) => {
                let conn = tokio::time::timeout_at(deadline.into(), pool.acquire())
                    .await
                    .map_err(|_| DbError::OutOfTime(budget))??;
                // Held by the budget before the timeout is set: a caller that goes
                // away from here on leaves the reset to `drop`.
                let mut budgeted = Budgeted {
                    _slot: slot,
                    conn: Some(BudgetConn::Pg(conn)),
                    flags,
                    budget,
                    timer: tokio::spawn(async {}).abort_handle(),
                };
                let left = deadline.saturating_duration_since(Instant::now());
                // 0 would mean no timeout at all. Each statement of the budget gets
                // what was left when it started (a listing runs one to three).
                let millis = left.as_millis().clamp(1, i32::MAX as u128);
                let set = sqlx::AssertSqlSafe(format!("set statement_timeout = {millis}"));
                if let Some(BudgetConn::Pg(conn)) = budgeted.conn.as_mut() {
                    sqlx::query(set).execute(&mut **conn).await?;
                }
                return Ok(budgeted);
            }
        };
        let mut conn = tokio::time::timeout_at(deadline.into(), pool.acquire())
            .await
            .map_err(|_| DbError::OutOfTime(budget))??;
        let watched = flags.clone();
        let mut calls = 0u32;
        conn.lock_handle().await?.set_progress_handler(
            STEPS_BETWEEN_CHECKS,
            // false stops the statement.
            move || {
                calls = calls.wrapping_add(1);
                watched.keep_going(deadline, calls.is_multiple_of(CALLS_BETWEEN_CLOCK_READS))
            },
        );
        let timed = flags.clone();
        let timer = tokio::spawn(async move {
            tokio::time::sleep_until(deadline.into()).await;
            timed.expired.store(true, Ordering::Relaxed);
        })
        .abort_handle();
        Ok(Budgeted {
            _slot: slot,
            conn: Some(BudgetConn::Lite(conn)),
            flags,
            budget,
            timer,
        })
    }

    /// The connection, to run statements on.
    pub fn conn(&mut self) -> DbResult<Exec<'_>> {
        // Only `release` (which consumes the budget) and `drop` take it.
        match self.conn.as_mut() {
            Some(BudgetConn::Lite(conn)) => Ok(Exec::from(&mut **conn)),
            Some(BudgetConn::Pg(conn)) => Ok(Exec::from(&mut **conn)),
            None => Err(DbError::Statement(sqlx::Error::PoolClosed)),
        }
    }

    /// The error for a failed statement: out of time, or the statement's own.
    pub fn error(&self, error: sqlx::Error) -> DbError {
        match &error {
            sqlx::Error::Database(e)
                if matches!(
                    e.code().as_deref(),
                    Some(SQLITE_INTERRUPT | PG_QUERY_CANCELED)
                ) =>
            {
                DbError::OutOfTime(self.budget)
            }
            sqlx::Error::Database(e) if e.code().as_deref() == Some(PG_INVALID_REGEX) => {
                DbError::BadPattern(e.message().to_owned())
            }
            _ => DbError::Statement(error),
        }
    }

    /// Gives the connection back without its budget.
    pub async fn release(mut self) {
        self.flags.released.store(true, Ordering::Relaxed);
        self.timer.abort();
        if let Some(conn) = self.conn.take() {
            // In a task of its own: a caller cancelled while it waits still has the
            // budget removed before the connection goes back to the pool.
            let _ = tokio::spawn(unbudget(conn)).await;
        }
    }
}

/// Removes the budget and returns the connection to the pool; a connection whose budget
/// cannot be removed is closed instead, so that no later statement inherits it.
async fn unbudget(conn: BudgetConn) {
    let mut conn = match conn {
        BudgetConn::Lite(conn) => conn,
        BudgetConn::Pg(mut conn) => {
            // Waits for a statement still running, which its timeout bounds.
            if sqlx::query("reset statement_timeout")
                .execute(&mut *conn)
                .await
                .is_err()
            {
                conn.close_on_drop();
            }
            return;
        }
    };
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
        self.timer.abort();
        if let Some(conn) = self.conn.take() {
            self.flags.abandoned.store(true, Ordering::Relaxed);
            match tokio::runtime::Handle::try_current() {
                Ok(runtime) => {
                    runtime.spawn(unbudget(conn));
                }
                // No runtime left (shutdown): never hand the connection out again.
                Err(_) => match conn {
                    BudgetConn::Lite(conn) => conn.discard(),
                    BudgetConn::Pg(mut conn) => conn.close_on_drop(),
                },
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use futures_util::FutureExt;
    use std::str::FromStr;

    use sqlx::sqlite::SqliteConnectOptions;

    use super::*;

    /// A statement of many more virtual-machine steps than [`STEPS_BETWEEN_CHECKS`].
    const LONG: &str = "with recursive c(x) as (select 1 union all select x + 1 from c where x < 100000) select count(*) from c";

    #[test]
    fn a_released_budget_never_stops_a_statement() {
        let flags = Flags::default();
        let spent = Instant::now();
        let later = spent + Duration::from_secs(60);
        assert!(flags.keep_going(later, true));
        assert!(!flags.keep_going(spent, true));
        assert!(
            flags.keep_going(spent, false),
            "the clock is read only when told"
        );
        flags.expired.store(true, Ordering::Relaxed);
        assert!(!flags.keep_going(later, false));
        flags.expired.store(false, Ordering::Relaxed);
        flags.abandoned.store(true, Ordering::Relaxed);
        assert!(!flags.keep_going(later, false));
        flags.released.store(true, Ordering::Relaxed);
        flags.expired.store(true, Ordering::Relaxed);
        assert!(flags.keep_going(spent, true));
    }

    #[tokio::test]
    async fn a_release_cut_short_leaves_no_spent_budget_on_the_connection() {
        // One connection, so the next statement runs where the budget was.
        let pool = Readers::new(
            SqliteConnectOptions::from_str("sqlite::memory:").unwrap(),
            1,
            Duration::from_secs(30),
        );
        // Readers open their connections when first asked: open the one now.
        drop(pool.acquire().await.unwrap());
        for _ in 0..20 {
            // The wait for a connection counts against a budget: start with it idle.
            while pool.idle_count() < 1 {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            let budget = Duration::from_millis(1);
            let readers = BudgetedReaders::new(BudgetPool::Lite(pool.clone()));
            let slot = readers.slot(budget, Weight::Heavy).await.unwrap();
            let budgeted = Budgeted::acquire(&readers, slot).await.unwrap();
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
        let pool = Readers::new(
            SqliteConnectOptions::from_str("sqlite::memory:").unwrap(),
            1,
            Duration::from_secs(30),
        );
        // The connection is open and idle, so that the acquire below is ready at its
        // first poll: opening one takes a round trip to its thread, by when the spent
        // budget's timer may have fired (it fires at the next millisecond tick).
        drop(pool.acquire().await.unwrap());
        let readers = BudgetedReaders::new(BudgetPool::Lite(pool.clone()));
        let slot = readers.slot(Duration::ZERO, Weight::Light).await.unwrap();
        let mut budgeted = Budgeted::acquire(&readers, slot).await.unwrap();
        let error = match budgeted.conn().unwrap() {
            Exec::Lite(conn) => sqlx::query_scalar::<_, i64>(LONG).fetch_one(conn).await,
            Exec::Pg(_) => unreachable!("the test's readers are SQLite's"),
        }
        .unwrap_err();
        assert!(matches!(budgeted.error(error), DbError::OutOfTime(_)));
        budgeted.release().await;
        let count: i64 = sqlx::query_scalar(LONG).fetch_one(&pool).await.unwrap();
        assert_eq!(count, 100_000);
    }
}
