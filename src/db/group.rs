//! Group commit on the single writer: small writes that arrive together (uploads,
//! deletes) run one after another in ONE transaction, each inside a savepoint of its
//! own, and are answered when that transaction has committed.
//!
//! Why: such a write holds the writer for a few short statements, but begin and commit
//! cost as much again, and every request waited for the one before it to commit. A
//! batch pays begin and commit once. A job that fails rolls back to its savepoint and
//! leaves the others of its batch alone; when the commit fails, every job of the batch
//! fails. A lone job does not wait for company: the writer takes whatever is queued.

use std::panic::AssertUnwindSafe;

use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use tokio::sync::{mpsc, oneshot};

use super::{DbError, OwnedWriter, Tx, on};

/// At most this many jobs share a transaction, so that other users of the writer
/// (stack changes, purges, bulk work) wait for a bounded time.
const MAX_BATCH: usize = 64;

/// Queued jobs; senders wait when it is full.
const QUEUE: usize = 1024;

/// One job as the writer task runs it: the work on the batch's transaction, which
/// says whether it succeeded and what to do once the batch's fate is known.
type Job = Box<dyn for<'t> FnOnce(&'t mut Tx) -> BoxFuture<'t, Settle> + Send>;

/// A job's work is done: `ok` keeps its writes (releases its savepoint), and `finish`
/// is called with the outcome of the batch's commit.
struct Settle {
    ok: bool,
    finish: Finish,
}

/// What a job does once its batch's commit succeeded or failed.
type Finish = Box<dyn FnOnce(Result<(), DbError>) + Send>;

/// The queue to the writer task.
#[derive(Clone, Debug)]
pub struct GroupWriter {
    queue: mpsc::Sender<Job>,
}

impl GroupWriter {
    /// Starts the writer task on `write`, the pool of the single writer connection.
    pub fn start(write: OwnedWriter) -> GroupWriter {
        let (queue, jobs) = mpsc::channel(QUEUE);
        tokio::spawn(run(write, jobs));
        GroupWriter { queue }
    }

    /// Runs `work` in the next batch's transaction. `on_commit` runs (in the writer
    /// task, so also when the caller has gone) once the work succeeded and its batch
    /// committed; otherwise it is dropped. The answer comes after the commit.
    pub async fn write<T, E, W, C>(&self, work: W, on_commit: C) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
        W: for<'t> FnOnce(&'t mut Tx) -> BoxFuture<'t, Result<T, E>> + Send + 'static,
        C: FnOnce() + Send + 'static,
    {
        let (answer, answered) = oneshot::channel::<Result<T, E>>();
        let job: Job = Box::new(move |tx| {
            Box::pin(async move {
                let result = work(tx).await;
                let ok = result.is_ok();
                let finish = Box::new(move |committed: Result<(), DbError>| {
                    let result = match (result, committed) {
                        (Ok(value), Ok(())) => {
                            on_commit();
                            Ok(value)
                        }
                        (Ok(_), Err(error)) => Err(E::from(error)),
                        (Err(error), _) => Err(error),
                    };
                    // The caller may have gone; the work is committed all the same.
                    let _ = answer.send(result);
                }) as Finish;
                Settle { ok, finish }
            })
        });
        self.queue.send(job).await.map_err(|_| E::from(stopped()))?;
        answered.await.map_err(|_| E::from(stopped()))?
    }
}

/// The error of a job whose writer task is gone (the service is stopping).
fn stopped() -> DbError {
    DbError::Statement(sqlx::Error::PoolClosed)
}

/// The writer task: takes the first queued job, every job queued behind it (up to
/// [`MAX_BATCH`]), runs them in one transaction and settles each.
async fn run(write: OwnedWriter, mut jobs: mpsc::Receiver<Job>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while jobs.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let settled = run_batch(&write, batch.drain(..)).await;
        let (committed, finishes) = match settled {
            Ok((tx, finishes)) => (tx.commit().await.map_err(DbError::from), finishes),
            Err((error, finishes)) => (Err(error), finishes),
        };
        let error = committed.err().map(|e| e.to_string());
        for finish in finishes {
            finish(match &error {
                None => Ok(()),
                Some(message) => Err(DbError::Statement(sqlx::Error::Protocol(message.clone()))),
            });
        }
    }
}

/// What settling a batch leaves: its open transaction, or the error that ended it.
type Settled = Result<(Tx, Vec<Finish>), (DbError, Vec<Finish>)>;

/// Opens the batch's transaction and runs each job in a savepoint of its own.
async fn run_batch(write: &OwnedWriter, batch: impl Iterator<Item = Job>) -> Settled {
    let mut finishes = Vec::with_capacity(MAX_BATCH);
    let mut tx = match write.borrow().begin().await {
        Ok(tx) => tx,
        // Nothing ran: the jobs are dropped, and their callers told the writer stopped.
        Err(error) => return Err((error.into(), finishes)),
    };
    // Whether the previous job succeeded: its savepoint is ended by the same statement
    // list that opens the next one, a round trip to the connection's thread saved.
    let mut previous_ok = None;
    for job in batch {
        let opening = match previous_ok {
            None => "savepoint job",
            Some(true) => "release job; savepoint job",
            Some(false) => "rollback to job; release job; savepoint job",
        };
        if let Err(error) = savepoint(&mut tx, opening).await {
            return Err((error, finishes));
        }
        // A job that panics is rolled back like one that failed; its caller is told
        // the writer stopped, and the writer goes on with the next job.
        let settled = AssertUnwindSafe(job(&mut tx)).catch_unwind().await;
        previous_ok = Some(match settled {
            Ok(Settle { ok, finish }) => {
                finishes.push(finish);
                ok
            }
            Err(_) => false,
        });
    }
    let closing = match previous_ok {
        None => return Ok((tx, finishes)),
        Some(true) => "release job",
        Some(false) => "rollback to job; release job",
    };
    if let Err(error) = savepoint(&mut tx, closing).await {
        return Err((error, finishes));
    }
    Ok((tx, finishes))
}

/// Runs savepoint statements (several in one string: not a prepared statement).
async fn savepoint(tx: &mut Tx, statement: &'static str) -> Result<(), DbError> {
    on!(tx, |c, _q| sqlx::raw_sql(statement)
        .execute(c)
        .await
        .map(|done| done.rows_affected()))?;
    Ok(())
}
