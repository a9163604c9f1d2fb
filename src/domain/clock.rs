//! Moving a stack's virtual clock: advance, set (forward only), freeze, resume, back
//! to real time. A move forward answers once every purge that fell due has run.

use chrono::{DateTime, TimeDelta, Utc};

use crate::contentstack::time::{StackClock, latest};
use crate::db;
use crate::db::publishing::QueueRow;
use crate::domain::publishing;
use crate::domain::purge::{self, PurgedList, Which};
use crate::domain::stacks::find;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// A change to a stack's clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockChange {
    /// Forward by this much.
    Advance(TimeDelta),
    /// To this time (never backwards).
    Set(DateTime<Utc>),
    Freeze,
    Resume,
    /// Back to real time.
    Reset,
}

/// A clock after a change, with what the move made due: scheduled publishing applied
/// and trash purged.
#[derive(Debug)]
pub struct ClockOutcome {
    pub clock: StackClock,
    /// Set for moves forward (advance, set): the items purged on the way.
    pub purged: Option<PurgedList>,
    /// Set for moves forward: the scheduled publish queue items applied on the way.
    pub published: Option<Vec<QueueRow>>,
}

/// How far the clock is ahead of real time: exactly the stored offset while it runs
/// (reading the two clocks one after the other would lose a millisecond or two).
pub fn offset(clock: &StackClock) -> TimeDelta {
    match clock.frozen_at {
        None => TimeDelta::milliseconds(clock.offset_ms),
        Some(_) => clock.now() - Utc::now(),
    }
}

fn past_9999(field: &str) -> ApiError {
    ApiError::invalid(
        "The clock cannot go past the year 9999.",
        field,
        "is not valid.",
    )
}

/// The clock after `change`, or why it cannot move so.
fn changed(clock: StackClock, change: ClockChange) -> ApiResult<StackClock> {
    Ok(match change {
        ClockChange::Advance(delta) => {
            let target = clock
                .now()
                .checked_add_signed(delta)
                .filter(|t| *t <= latest())
                .ok_or_else(|| past_9999("days"))?;
            match clock.frozen_at {
                Some(_) => moved_to(clock, target),
                // Exactly the advance, not a new offset read off the real clock.
                None => StackClock {
                    offset_ms: clock.offset_ms.saturating_add(delta.num_milliseconds()),
                    frozen_at: None,
                },
            }
        }
        ClockChange::Set(target) => {
            if target > latest() {
                return Err(past_9999("now"));
            }
            if target < clock.now() {
                return Err(ApiError::invalid(
                    "The clock only moves forward; use DELETE on the clock to go back to real time.",
                    "now",
                    "is in the past of the stack's clock.",
                ));
            }
            moved_to(clock, target)
        }
        ClockChange::Freeze => StackClock {
            frozen_at: Some(clock.now()),
            ..clock
        },
        ClockChange::Resume => StackClock {
            offset_ms: offset(&clock).num_milliseconds(),
            frozen_at: None,
        },
        ClockChange::Reset => StackClock::default(),
    })
}

/// Moves a clock to `target` (frozen clocks stay frozen there).
fn moved_to(clock: StackClock, target: DateTime<Utc>) -> StackClock {
    match clock.frozen_at {
        Some(_) => StackClock {
            frozen_at: Some(target),
            ..clock
        },
        None => StackClock {
            offset_ms: (target - Utc::now()).num_milliseconds(),
            frozen_at: None,
        },
    }
}

/// Applies a change to a stack's clock (database first, then the registry), and after
/// a move forward purges what fell due.
pub async fn change(
    state: &AppState,
    api_key: &str,
    change: ClockChange,
) -> ApiResult<ClockOutcome> {
    let clock = {
        let _changes = state.db.stack_changes.lock().await;
        let stack = find(state, api_key)?;
        let clock = changed(stack.clock(), change)?;
        let mut row = (*stack).clone();
        row.set_clock(clock);
        db::stacks::save_clock(state.db.writer(), &row).await?;
        state.stacks.put(row);
        clock
    };
    let (published, purged) = match change {
        ClockChange::Advance(_) | ClockChange::Set(_) => (
            Some(publishing::run_due(state, api_key).await?),
            Some(
                purge::purge_stack(state, api_key, Which::Due, PurgedList::for_answer(state))
                    .await?,
            ),
        ),
        _ => (None, None),
    };
    Ok(ClockOutcome {
        clock,
        purged,
        published,
    })
}
