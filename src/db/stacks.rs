//! Queries on the `stacks` table.

use super::{DbResult, Exec, Writer, on};

use crate::contentstack::time::{StackClock, format_ts, parse_ts};

/// A stack as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StackRow {
    pub api_key: String,
    pub name: String,
    pub management_token: String,
    pub user_uid: String,
    pub created_at: String,
    pub clock_offset_ms: i64,
    pub clock_frozen_at: Option<String>,
    pub description: String,
    /// Set by `PUT /v3/stacks`; null until the stack was first changed.
    pub updated_at: Option<String>,
    /// The display name of the stack's user.
    pub user_name: String,
    /// `stack_settings` as a JSON object.
    pub settings: String,
}

impl StackRow {
    /// The stack's clock settings.
    pub fn clock(&self) -> StackClock {
        StackClock {
            offset_ms: self.clock_offset_ms,
            frozen_at: self.clock_frozen_at.as_deref().and_then(parse_ts),
        }
    }

    /// Copies new clock settings into the row.
    pub fn set_clock(&mut self, clock: StackClock) {
        self.clock_offset_ms = clock.offset_ms;
        self.clock_frozen_at = clock.frozen_at.map(format_ts);
    }
}

/// Every stack, oldest first.
pub async fn list(db: impl Into<Exec<'_>>) -> DbResult<Vec<StackRow>> {
    Ok(on!(db, |c, q| sqlx::query_as::<_, StackRow>(q.sql(
        "select * from stacks order by created_at, api_key"
    ))
    .fetch_all(c)
    .await)?)
}

/// Inserts a new stack.
pub async fn insert(db: impl Into<Exec<'_>>, stack: &StackRow) -> DbResult<()> {
    on!(db, |c, q| {
        sqlx::query(q.sql(
        "insert into stacks (api_key, name, management_token, user_uid, created_at, clock_offset_ms, clock_frozen_at,
         description, updated_at, user_name, settings)
         values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    ))
    .bind(&stack.api_key)
    .bind(&stack.name)
    .bind(&stack.management_token)
    .bind(&stack.user_uid)
    .bind(&stack.created_at)
    .bind(stack.clock_offset_ms)
    .bind(&stack.clock_frozen_at)
    .bind(&stack.description)
    .bind(&stack.updated_at)
    .bind(&stack.user_name)
    .bind(&stack.settings)
    .execute(c)
    .await
    .map(|done| done.rows_affected())
    })?;
    Ok(())
}

/// Saves what `PUT /v3/stacks` and `/v3/stacks/settings` change: name, description,
/// settings and the time of the change.
pub async fn save_details(db: impl Into<Exec<'_>>, stack: &StackRow) -> DbResult<()> {
    on!(db, |c, q| {
        sqlx::query(q.sql(
        "update stacks set name = ?, description = ?, settings = ?, updated_at = ? where api_key = ?"
    ))
    .bind(&stack.name)
    .bind(&stack.description)
    .bind(&stack.settings)
    .bind(&stack.updated_at)
    .bind(&stack.api_key)
    .execute(c)
    .await
    .map(|done| done.rows_affected())
    })?;
    Ok(())
}

/// Saves a stack's clock settings.
pub async fn save_clock(db: impl Into<Exec<'_>>, stack: &StackRow) -> DbResult<()> {
    on!(db, |c, q| sqlx::query(q.sql(
        "update stacks set clock_offset_ms = ?, clock_frozen_at = ? where api_key = ?"
    ))
    .bind(stack.clock_offset_ms)
    .bind(&stack.clock_frozen_at)
    .bind(&stack.api_key)
    .execute(c)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(())
}

/// Deletes a stack and, through the foreign keys, everything it owns. Returns false
/// when there was no such stack.
pub async fn delete(db: Writer<'_>, api_key: &str) -> DbResult<bool> {
    let mut tx = db.begin().await?;
    // Its files are removed with its whole folder, so no journal entries are needed.
    on!(&mut tx, |c, q| sqlx::query(q.sql(
        "delete from pending_file_deletions where stack_api_key = ?"
    ))
    .bind(api_key)
    .execute(c)
    .await
    .map(|done| done.rows_affected()))?;
    let deleted = on!(&mut tx, |c, q| sqlx::query(
        q.sql("delete from stacks where api_key = ?")
    )
    .bind(api_key)
    .execute(c)
    .await
    .map(|done| done.rows_affected()))?;
    tx.commit().await?;
    Ok(deleted > 0)
}

/// Deletes every stack and everything they own.
pub async fn delete_all(db: Writer<'_>) -> DbResult<()> {
    let mut tx = db.begin().await?;
    on!(&mut tx, |c, q| sqlx::query(
        q.sql("delete from pending_file_deletions")
    )
    .execute(c)
    .await
    .map(|done| done.rows_affected()))?;
    on!(&mut tx, |c, q| sqlx::query(q.sql("delete from stacks"))
        .execute(c)
        .await
        .map(|done| done.rows_affected()))?;
    tx.commit().await?;
    Ok(())
}

/// When the stack with this api key was created, if it exists: a stack deleted (or
/// reset and re-created) since a request started has another (or no) creation time.
pub async fn created_at(db: impl Into<Exec<'_>>, api_key: &str) -> DbResult<Option<String>> {
    Ok(on!(db, |c, q| sqlx::query_scalar(
        q.sql("select created_at from stacks where api_key = ?")
    )
    .bind(api_key)
    .fetch_optional(c)
    .await)?)
}
