//! What the tables of a stack's settings share (environments, locales, delivery and
//! management tokens): each row belongs to one stack and has a uid, a stack lists its
//! rows oldest first, one row is found by one of its columns, and a row whose columns
//! do not decode (a JSON column that is not what it should be) is an error that names
//! the table and the row's uid.

use sqlx::sqlite::SqliteRow;
use sqlx::{AssertSqlSafe, FromRow, Row, SqliteConnection, SqliteExecutor};

use super::DbResult;

/// A table of rows that belong to a stack.
#[derive(Debug, Clone, Copy)]
pub(super) struct Table {
    /// The table's name.
    pub name: &'static str,
    /// The order a stack's rows are listed in.
    pub order: &'static str,
}

/// Reads a row, naming the table and the row's uid when a column does not decode.
fn decode<R>(table: Table, row: &SqliteRow) -> DbResult<R>
where
    R: for<'r> FromRow<'r, SqliteRow>,
{
    R::from_row(row).map_err(|error| {
        let uid: String = row.try_get("uid").unwrap_or_default();
        sqlx::Error::Decode(format!("{} row '{uid}' does not decode: {error}", table.name).into())
            .into()
    })
}

/// Every row of a stack, in the table's order.
pub(super) async fn list<R>(
    db: impl SqliteExecutor<'_>,
    table: Table,
    api_key: &str,
) -> DbResult<Vec<R>>
where
    R: for<'r> FromRow<'r, SqliteRow>,
{
    let sql = format!(
        "select * from {} where stack_api_key = ? order by {}",
        table.name, table.order
    );
    let rows = sqlx::query(AssertSqlSafe(sql))
        .bind(api_key)
        .fetch_all(db)
        .await?;
    rows.iter().map(|row| decode(table, row)).collect()
}

/// The row of a stack whose `column` holds `value`.
pub(super) async fn find<R>(
    db: impl SqliteExecutor<'_>,
    table: Table,
    column: &'static str,
    api_key: &str,
    value: &str,
) -> DbResult<Option<R>>
where
    R: for<'r> FromRow<'r, SqliteRow>,
{
    let sql = format!(
        "select * from {} where stack_api_key = ? and {column} = ?",
        table.name
    );
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(api_key)
        .bind(value)
        .fetch_optional(db)
        .await?;
    row.as_ref().map(|row| decode(table, row)).transpose()
}

/// Deletes the row of a stack with this uid.
pub(super) async fn delete(
    conn: &mut SqliteConnection,
    table: Table,
    api_key: &str,
    uid: &str,
) -> DbResult<()> {
    let sql = format!(
        "delete from {} where stack_api_key = ? and uid = ?",
        table.name
    );
    sqlx::query(AssertSqlSafe(sql))
        .bind(api_key)
        .bind(uid)
        .execute(conn)
        .await?;
    Ok(())
}

/// Every row of every stack, in the table's order.
pub(super) async fn all<R>(db: impl SqliteExecutor<'_>, table: Table) -> DbResult<Vec<R>>
where
    R: for<'r> FromRow<'r, SqliteRow>,
{
    let sql = format!("select * from {} order by {}", table.name, table.order);
    let rows = sqlx::query(AssertSqlSafe(sql)).fetch_all(db).await?;
    rows.iter().map(|row| decode(table, row)).collect()
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
