//! What the tables of a stack's settings share (environments, locales, delivery and
//! management tokens): each row belongs to one stack and has a uid, a stack lists its
//! rows oldest first, one row is found by one of its columns, and a row whose columns
//! do not decode (a JSON column that is not what it should be) is an error that names
//! the table and the row's uid.

use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use sqlx::{FromRow, Row};

use super::{DbResult, Dialect, Exec, on};

/// A table of rows that belong to a stack.
#[derive(Debug, Clone, Copy)]
pub(super) struct Table {
    /// The table's name.
    pub name: &'static str,
    /// The order a stack's rows are listed in, in SQLite's terms: `rowid` (insertion
    /// order) is the `seq` column on PostgreSQL.
    pub order: &'static str,
}

impl Table {
    /// The `order by` list in the dialect `q`.
    fn order_in(self, q: Dialect) -> String {
        if !q.is_pg() {
            return self.order.to_owned();
        }
        self.order
            .split(',')
            .map(|key| match key.trim() {
                "rowid" => "seq",
                other => other,
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Reads a row, naming the table and the row's uid when a column does not decode.
fn decode<R, W>(table: Table, row: &W) -> DbResult<R>
where
    W: Row,
    R: for<'r> FromRow<'r, W>,
    String: for<'r> sqlx::Decode<'r, W::Database> + sqlx::Type<W::Database>,
    for<'c> &'c str: sqlx::ColumnIndex<W>,
{
    R::from_row(row).map_err(|error| {
        let uid: String = row.try_get("uid").unwrap_or_default();
        sqlx::Error::Decode(format!("{} row '{uid}' does not decode: {error}", table.name).into())
            .into()
    })
}

/// Every row of a stack, in the table's order.
pub(super) async fn list<R>(
    db: impl Into<Exec<'_>>,
    table: Table,
    api_key: &str,
) -> DbResult<Vec<R>>
where
    R: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow>,
{
    on!(db, |c, q| {
        let sql = format!(
            "select * from {} where stack_api_key = ? order by {}",
            table.name,
            table.order_in(q)
        );
        let rows = sqlx::query(q.owned(sql)).bind(api_key).fetch_all(c).await?;
        rows.iter().map(|row| decode(table, row)).collect()
    })
}

/// The row of a stack whose `column` holds `value`.
pub(super) async fn find<R>(
    db: impl Into<Exec<'_>>,
    table: Table,
    column: &'static str,
    api_key: &str,
    value: &str,
) -> DbResult<Option<R>>
where
    R: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow>,
{
    let sql = format!(
        "select * from {} where stack_api_key = ? and {column} = ?",
        table.name
    );
    on!(db, |c, q| {
        let row = sqlx::query(q.owned(sql))
            .bind(api_key)
            .bind(value)
            .fetch_optional(c)
            .await?;
        row.as_ref().map(|row| decode(table, row)).transpose()
    })
}

/// Deletes the row of a stack with this uid.
pub(super) async fn delete(
    db: impl Into<Exec<'_>>,
    table: Table,
    api_key: &str,
    uid: &str,
) -> DbResult<()> {
    let sql = format!(
        "delete from {} where stack_api_key = ? and uid = ?",
        table.name
    );
    on!(db, |c, q| sqlx::query(q.owned(sql))
        .bind(api_key)
        .bind(uid)
        .execute(c)
        .await
        .map(|done| done.rows_affected()))?;
    Ok(())
}

/// Every row of every stack, in the table's order.
pub(super) async fn all<R>(db: impl Into<Exec<'_>>, table: Table) -> DbResult<Vec<R>>
where
    R: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow>,
{
    on!(db, |c, q| {
        let sql = format!(
            "select * from {} order by {}",
            table.name,
            table.order_in(q)
        );
        let rows = sqlx::query(q.owned(sql)).fetch_all(c).await?;
        rows.iter().map(|row| decode(table, row)).collect()
    })
}

#[cfg(test)]
mod tests {
    use sqlx::Connection;

    use crate::db::environments;

    #[tokio::test]
    async fn a_row_whose_json_does_not_decode_is_an_error_naming_it() {
        let mut conn = sqlx::SqliteConnection::connect("sqlite::memory:")
            .await
            .unwrap();
        sqlx::query(
            "create table environments (uid text, stack_api_key text, name text, urls text, \
             version integer, created_at text, created_by text, updated_at text, updated_by text)",
        )
        .execute(&mut conn)
        .await
        .unwrap();
        sqlx::query(
            "insert into environments values ('blt1', 'k', 'production', '[{\"locale\":\"en-us\",\"url\":\"https://x\"}]', 1, 'a', 'b', 'c', 'd'), \
             ('blt2', 'k', 'staging', 'not json', 1, 'e', 'b', 'e', 'd')",
        )
        .execute(&mut conn)
        .await
        .unwrap();

        let good = environments::by_name(&mut conn, "k", "production")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(good.urls[0].url, "https://x");
        let error = environments::list(&mut conn, "k").await.unwrap_err();
        assert!(
            error.to_string().contains("environments row 'blt2'"),
            "{error}"
        );
        let error = environments::by_name(&mut conn, "k", "staging")
            .await
            .unwrap_err();
        assert!(
            error.to_string().contains("environments row 'blt2'"),
            "{error}"
        );
    }
}
