//! Where a statement runs, on either backend: [`Exec`] wraps a connection, a transaction
//! or a pool of SQLite or PostgreSQL, and [`on!`] writes a statement once for both.
//!
//! Statements are written in SQLite's dialect with `?` placeholders; [`Dialect::sql`]
//! numbers them (`$1`, `$2`...) for PostgreSQL. Where the dialects differ in more than
//! placeholders, the statement asks [`Dialect::is_pg`].

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use futures_util::future::BoxFuture;
use futures_util::stream::BoxStream;
use sqlx::postgres::{PgQueryResult, PgRow, PgStatement, PgTypeInfo};
use sqlx::sqlite::{SqliteQueryResult, SqliteRow, SqliteStatement, SqliteTypeInfo};
use sqlx::{
    AssertSqlSafe, Either, Execute, Executor, PgConnection, PgPool, Postgres, Sqlite,
    SqliteConnection, SqlitePool,
};

use super::readers::Readers;

/// Where a SQLite statement runs.
#[derive(Debug)]
pub enum LiteExec<'c> {
    Conn(&'c mut SqliteConnection),
    Readers(&'c Readers),
    Pool(&'c SqlitePool),
}

/// Where a PostgreSQL statement runs.
#[derive(Debug)]
pub enum PgExec<'c> {
    Conn(&'c mut PgConnection),
    Pool(&'c PgPool),
}

/// Where a statement runs, on either backend. Taken by value by each statement;
/// [`Exec::re`] lends it again for the next one.
#[derive(Debug)]
pub enum Exec<'c> {
    Lite(LiteExec<'c>),
    Pg(PgExec<'c>),
}

impl Exec<'_> {
    /// The same place again, for one more statement.
    pub fn re(&mut self) -> Exec<'_> {
        match self {
            Exec::Lite(LiteExec::Conn(conn)) => Exec::Lite(LiteExec::Conn(conn)),
            Exec::Lite(LiteExec::Readers(readers)) => Exec::Lite(LiteExec::Readers(readers)),
            Exec::Lite(LiteExec::Pool(pool)) => Exec::Lite(LiteExec::Pool(pool)),
            Exec::Pg(PgExec::Conn(conn)) => Exec::Pg(PgExec::Conn(conn)),
            Exec::Pg(PgExec::Pool(pool)) => Exec::Pg(PgExec::Pool(pool)),
        }
    }

    /// The dialect its statements are written in.
    pub fn dialect(&self) -> Dialect {
        match self {
            Exec::Lite(_) => Dialect::Lite,
            Exec::Pg(_) => Dialect::Pg,
        }
    }
}

impl<'c> From<&'c mut SqliteConnection> for Exec<'c> {
    fn from(conn: &'c mut SqliteConnection) -> Self {
        Exec::Lite(LiteExec::Conn(conn))
    }
}

impl<'c> From<&'c mut PgConnection> for Exec<'c> {
    fn from(conn: &'c mut PgConnection) -> Self {
        Exec::Pg(PgExec::Conn(conn))
    }
}

impl<'c> From<&'c mut Exec<'_>> for Exec<'c> {
    fn from(exec: &'c mut Exec<'_>) -> Self {
        exec.re()
    }
}

/// The SQL dialect of a backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Lite,
    Pg,
}

impl Dialect {
    /// True on PostgreSQL.
    pub fn is_pg(self) -> bool {
        self == Dialect::Pg
    }

    /// A statement of the source, in this dialect.
    pub fn sql(self, sql: &'static str) -> &'static str {
        match self {
            Dialect::Lite => sql,
            Dialect::Pg => numbered_cached(sql),
        }
    }

    /// A statement built at run time, in this dialect.
    pub fn owned(self, sql: String) -> AssertSqlSafe<String> {
        match self {
            Dialect::Lite => AssertSqlSafe(sql),
            Dialect::Pg => AssertSqlSafe(numbered(&sql)),
        }
    }
}

/// `sql` with each `?` outside quotes replaced by `$1`, `$2`...
fn numbered(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 16);
    let mut next = 0;
    let mut quote = None;
    for (at, ch) in sql.char_indices() {
        let rest = &sql[at + ch.len_utf8()..];
        match (quote, ch) {
            (None, '\'' | '"') => {
                quote = Some(ch);
                out.push(ch);
            }
            (Some(open), _) if ch == open => {
                quote = None;
                out.push(ch);
            }
            (None, '?') if numbered_already(rest) => out.push('$'),
            (None, '?') => {
                next += 1;
                out.push('$');
                out.push_str(&next.to_string());
            }
            _ => out.push(ch),
        }
    }
    out
}

/// True when a `?` is followed by its number (`?1`): it keeps it, as `$1`.
fn numbered_already(rest: &str) -> bool {
    rest.starts_with(|c: char| c.is_ascii_digit())
}

/// [`numbered`] for a statement of the source, converted once and kept: the source
/// holds a bounded number of them.
fn numbered_cached(sql: &'static str) -> &'static str {
    type Converted = HashMap<(usize, usize), &'static str>;
    static CONVERTED: Mutex<Option<Converted>> = Mutex::new(None);
    // A string of the source is where it is, for as long as the program runs.
    let key = (sql.as_ptr() as usize, sql.len());
    let mut converted = CONVERTED.lock().unwrap_or_else(PoisonError::into_inner);
    converted
        .get_or_insert_with(HashMap::new)
        .entry(key)
        .or_insert_with(|| Box::leak(numbered(sql).into_boxed_str()))
}

/// Runs `$body` once per backend: `$c` is the backend's executor and `$q` its
/// [`Dialect`], so that one statement of the source serves both.
macro_rules! on {
    ($exec:expr, |$c:ident, $q:ident| $body:expr) => {
        match ::std::convert::Into::<$crate::db::exec::Exec<'_>>::into($exec) {
            $crate::db::exec::Exec::Lite($c) => {
                let $q = $crate::db::exec::Dialect::Lite;
                $body
            }
            $crate::db::exec::Exec::Pg($c) => {
                let $q = $crate::db::exec::Dialect::Pg;
                $body
            }
        }
    };
}
pub(crate) use on;

/// Implements `FromRow` for the rows of both backends with one body: `$row` is the row.
macro_rules! from_rows {
    ($ty:ty, |$row:ident| $body:block) => {
        impl<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow> for $ty {
            fn from_row($row: &'r sqlx::sqlite::SqliteRow) -> sqlx::Result<Self> {
                use sqlx::Row as _;
                $body
            }
        }
        impl<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> for $ty {
            fn from_row($row: &'r sqlx::postgres::PgRow) -> sqlx::Result<Self> {
                use sqlx::Row as _;
                $body
            }
        }
    };
}
pub(crate) use from_rows;

impl<'c> Executor<'c> for LiteExec<'c> {
    type Database = Sqlite;

    fn fetch_many<'e, 'q: 'e, E>(
        self,
        query: E,
    ) -> BoxStream<'e, Result<Either<SqliteQueryResult, SqliteRow>, sqlx::Error>>
    where
        'c: 'e,
        E: 'q + Execute<'q, Sqlite>,
    {
        match self {
            LiteExec::Conn(conn) => conn.fetch_many(query),
            LiteExec::Readers(readers) => readers.fetch_many(query),
            LiteExec::Pool(pool) => pool.fetch_many(query),
        }
    }

    fn fetch_optional<'e, 'q: 'e, E>(
        self,
        query: E,
    ) -> BoxFuture<'e, Result<Option<SqliteRow>, sqlx::Error>>
    where
        'c: 'e,
        E: 'q + Execute<'q, Sqlite>,
    {
        match self {
            LiteExec::Conn(conn) => conn.fetch_optional(query),
            LiteExec::Readers(readers) => readers.fetch_optional(query),
            LiteExec::Pool(pool) => pool.fetch_optional(query),
        }
    }

    fn prepare_with<'e>(
        self,
        sql: sqlx::SqlStr,
        parameters: &'e [SqliteTypeInfo],
    ) -> BoxFuture<'e, Result<SqliteStatement, sqlx::Error>>
    where
        'c: 'e,
    {
        match self {
            LiteExec::Conn(conn) => conn.prepare_with(sql, parameters),
            LiteExec::Readers(readers) => readers.prepare_with(sql, parameters),
            LiteExec::Pool(pool) => pool.prepare_with(sql, parameters),
        }
    }

    fn describe<'e>(
        self,
        sql: sqlx::SqlStr,
    ) -> BoxFuture<'e, Result<sqlx::Describe<Sqlite>, sqlx::Error>>
    where
        'c: 'e,
    {
        match self {
            LiteExec::Conn(conn) => conn.describe(sql),
            LiteExec::Readers(readers) => readers.describe(sql),
            LiteExec::Pool(pool) => pool.describe(sql),
        }
    }
}

impl<'c> Executor<'c> for PgExec<'c> {
    type Database = Postgres;

    fn fetch_many<'e, 'q: 'e, E>(
        self,
        query: E,
    ) -> BoxStream<'e, Result<Either<PgQueryResult, PgRow>, sqlx::Error>>
    where
        'c: 'e,
        E: 'q + Execute<'q, Postgres>,
    {
        match self {
            PgExec::Conn(conn) => conn.fetch_many(query),
            PgExec::Pool(pool) => pool.fetch_many(query),
        }
    }

    fn fetch_optional<'e, 'q: 'e, E>(
        self,
        query: E,
    ) -> BoxFuture<'e, Result<Option<PgRow>, sqlx::Error>>
    where
        'c: 'e,
        E: 'q + Execute<'q, Postgres>,
    {
        match self {
            PgExec::Conn(conn) => conn.fetch_optional(query),
            PgExec::Pool(pool) => pool.fetch_optional(query),
        }
    }

    fn prepare_with<'e>(
        self,
        sql: sqlx::SqlStr,
        parameters: &'e [PgTypeInfo],
    ) -> BoxFuture<'e, Result<PgStatement, sqlx::Error>>
    where
        'c: 'e,
    {
        match self {
            PgExec::Conn(conn) => conn.prepare_with(sql, parameters),
            PgExec::Pool(pool) => pool.prepare_with(sql, parameters),
        }
    }

    fn describe<'e>(
        self,
        sql: sqlx::SqlStr,
    ) -> BoxFuture<'e, Result<sqlx::Describe<Postgres>, sqlx::Error>>
    where
        'c: 'e,
    {
        match self {
            PgExec::Conn(conn) => conn.describe(sql),
            PgExec::Pool(pool) => pool.describe(sql),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_outside_quotes() {
        assert_eq!(
            numbered("select '?', \"a?\" from t where a = ? and b in (?, ?)"),
            "select '?', \"a?\" from t where a = $1 and b in ($2, $3)"
        );
        assert_eq!(numbered("a = ?1 or b = ?1"), "a = $1 or b = $1");
    }
}
