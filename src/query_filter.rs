//! Contentstack's `query` parameter (a JSON filter) turned into a SQL condition on
//! the `assets` table, with every value bound, never spliced into the SQL.
//!
//! Supported: field equality, `$eq`, `$ne`, `$in`, `$nin`, `$exists`, `$regex` (with
//! `$options: "i"`), `$gt`, `$gte`, `$lt`, `$lte`, and `$and` / `$or` over sub-queries.
//! Anything else is rejected with a message that says what is not supported.

use serde_json::{Map, Value};
use sqlx::{QueryBuilder, Sqlite};

/// Why a query was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct QueryError(pub String);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text,
    Integer,
    Bool,
    Tags,
}

/// The fields a query may name, with their column and kind.
fn field(name: &str) -> Option<(&'static str, Kind)> {
    Some(match name {
        "uid" => ("uid", Kind::Text),
        "title" => ("title", Kind::Text),
        "name" => ("name", Kind::Text),
        "description" => ("description", Kind::Text),
        "filename" => ("filename", Kind::Text),
        "content_type" => ("content_type", Kind::Text),
        "parent_uid" => ("parent_uid", Kind::Text),
        "created_at" => ("created_at", Kind::Text),
        "updated_at" => ("updated_at", Kind::Text),
        "created_by" => ("created_by", Kind::Text),
        "updated_by" => ("updated_by", Kind::Text),
        "file_size" => ("file_size", Kind::Integer),
        "_version" => ("version", Kind::Integer),
        "is_dir" => ("is_dir", Kind::Bool),
        "tags" => ("tags", Kind::Tags),
        _ => return None,
    })
}

/// Parses the `query` parameter text into a JSON object.
pub fn parse(text: &str) -> Result<Map<String, Value>, QueryError> {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(QueryError("The query must be a JSON object.".into())),
        Err(e) => Err(QueryError(format!("The query is not valid JSON: {e}."))),
    }
}

/// True when the query names `field` anywhere (also inside `$and` / `$or`).
pub fn mentions(query: &Map<String, Value>, wanted: &str) -> bool {
    query.iter().any(|(key, value)| {
        key == wanted
            || ((key == "$and" || key == "$or")
                && value.as_array().is_some_and(|items| {
                    items
                        .iter()
                        .filter_map(Value::as_object)
                        .any(|q| mentions(q, wanted))
                }))
    })
}

/// Appends ` and (<condition>)` for the query to `sql`. An empty query adds nothing.
pub fn push_query(
    sql: &mut QueryBuilder<Sqlite>,
    query: &Map<String, Value>,
) -> Result<(), QueryError> {
    if query.is_empty() {
        return Ok(());
    }
    sql.push(" and ");
    push_object(sql, query)
}

fn push_object(
    sql: &mut QueryBuilder<Sqlite>,
    query: &Map<String, Value>,
) -> Result<(), QueryError> {
    if query.is_empty() {
        return Err(QueryError(
            "A query inside $and or $or must not be empty.".into(),
        ));
    }
    sql.push("(");
    for (i, (key, value)) in query.iter().enumerate() {
        if i > 0 {
            sql.push(" and ");
        }
        match key.as_str() {
            "$and" | "$or" => push_group(sql, key, value)?,
            _ => push_field(sql, key, value)?,
        }
    }
    sql.push(")");
    Ok(())
}

fn push_group(sql: &mut QueryBuilder<Sqlite>, op: &str, value: &Value) -> Result<(), QueryError> {
    let items = value
        .as_array()
        .filter(|items| !items.is_empty())
        .ok_or_else(|| QueryError(format!("{op} takes a non-empty array of queries.")))?;
    let joiner = if op == "$and" { " and " } else { " or " };
    sql.push("(");
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            sql.push(joiner);
        }
        let object = item
            .as_object()
            .ok_or_else(|| QueryError(format!("{op} takes an array of query objects.")))?;
        push_object(sql, object)?;
    }
    sql.push(")");
    Ok(())
}

fn push_field(sql: &mut QueryBuilder<Sqlite>, name: &str, value: &Value) -> Result<(), QueryError> {
    if name.starts_with('$') {
        return Err(QueryError(format!(
            "The operator {name} is not supported here."
        )));
    }
    let (column, kind) = field(name)
        .ok_or_else(|| QueryError(format!("Querying on the field '{name}' is not supported.")))?;
    match value {
        Value::Object(ops) if ops.keys().any(|k| k.starts_with('$')) => {
            let options = ops.get("$options").and_then(Value::as_str).unwrap_or("");
            let mut first = true;
            for (op, operand) in ops {
                if op == "$options" {
                    continue;
                }
                if !first {
                    sql.push(" and ");
                }
                first = false;
                push_operator(sql, name, column, kind, op, operand, options)?;
            }
            if first {
                return Err(QueryError(format!("No operator given for '{name}'.")));
            }
            Ok(())
        }
        _ => push_operator(sql, name, column, kind, "$eq", value, ""),
    }
}

#[allow(clippy::too_many_arguments)]
fn push_operator(
    sql: &mut QueryBuilder<Sqlite>,
    name: &str,
    column: &'static str,
    kind: Kind,
    op: &str,
    operand: &Value,
    options: &str,
) -> Result<(), QueryError> {
    match op {
        "$eq" | "$ne" => {
            let negate = op == "$ne";
            if operand.is_null() {
                if kind == Kind::Tags {
                    sql.push(if negate {
                        "json_array_length(tags) > 0"
                    } else {
                        "json_array_length(tags) = 0"
                    });
                } else {
                    sql.push(column)
                        .push(if negate { " is not null" } else { " is null" });
                }
                return Ok(());
            }
            if kind == Kind::Tags {
                sql.push(if negate { "not exists" } else { "exists" });
                sql.push(" (select 1 from json_each(tags) where value = ");
                push_value(sql, name, kind, operand)?;
                sql.push(")");
            } else if negate {
                // `!=` alone would also drop rows where the column is null.
                sql.push("(")
                    .push(column)
                    .push(" is null or ")
                    .push(column)
                    .push(" != ");
                push_value(sql, name, kind, operand)?;
                sql.push(")");
            } else {
                sql.push(column).push(" = ");
                push_value(sql, name, kind, operand)?;
            }
            Ok(())
        }
        "$in" | "$nin" => {
            let items = operand
                .as_array()
                .ok_or_else(|| QueryError(format!("{op} on '{name}' takes an array.")))?;
            let negate = op == "$nin";
            if items.is_empty() {
                sql.push(if negate { "1 = 1" } else { "1 = 0" });
                return Ok(());
            }
            if kind == Kind::Tags {
                sql.push(if negate { "not exists" } else { "exists" });
                sql.push(" (select 1 from json_each(tags) where value in (");
            } else if negate {
                sql.push("(")
                    .push(column)
                    .push(" is null or ")
                    .push(column)
                    .push(" not in (");
            } else {
                sql.push("(").push(column).push(" in (");
            }
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    sql.push(", ");
                }
                push_value(sql, name, kind, item)?;
            }
            sql.push("))");
            Ok(())
        }
        "$exists" => {
            let wanted = as_bool(operand)
                .ok_or_else(|| QueryError(format!("$exists on '{name}' takes true or false.")))?;
            if kind == Kind::Tags {
                sql.push(if wanted {
                    "json_array_length(tags) > 0"
                } else {
                    "json_array_length(tags) = 0"
                });
            } else {
                sql.push(column)
                    .push(if wanted { " is not null" } else { " is null" });
            }
            Ok(())
        }
        "$regex" => {
            let pattern = operand
                .as_str()
                .ok_or_else(|| QueryError(format!("$regex on '{name}' takes a string.")))?;
            let pattern = if options.contains('i') {
                format!("(?i){pattern}")
            } else {
                pattern.to_owned()
            };
            // Checked here so that a bad pattern is the client's 422, not SQLite's 500.
            regex::Regex::new(&pattern)
                .map_err(|e| QueryError(format!("The $regex on '{name}' is not valid: {e}.")))?;
            if kind == Kind::Tags {
                sql.push("exists (select 1 from json_each(tags) where value regexp ")
                    .push_bind(pattern)
                    .push(")");
            } else if kind == Kind::Text {
                sql.push("coalesce(")
                    .push(column)
                    .push(", '') regexp ")
                    .push_bind(pattern);
            } else {
                return Err(QueryError(format!("$regex is not supported on '{name}'.")));
            }
            Ok(())
        }
        "$gt" | "$gte" | "$lt" | "$lte" => {
            if kind == Kind::Tags || kind == Kind::Bool {
                return Err(QueryError(format!("{op} is not supported on '{name}'.")));
            }
            let cmp = match op {
                "$gt" => " > ",
                "$gte" => " >= ",
                "$lt" => " < ",
                _ => " <= ",
            };
            sql.push(column).push(cmp);
            push_value(sql, name, kind, operand)
        }
        _ => Err(QueryError(format!("The operator {op} is not supported."))),
    }
}

fn as_bool(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::String(s) => crate::params::parse_bool(s),
        Value::Number(n) => n.as_i64().map(|n| n != 0),
        _ => None,
    }
}

fn push_value(
    sql: &mut QueryBuilder<Sqlite>,
    name: &str,
    kind: Kind,
    value: &Value,
) -> Result<(), QueryError> {
    let wrong = || {
        QueryError(format!(
            "The value {value} does not fit the field '{name}'."
        ))
    };
    match kind {
        Kind::Text | Kind::Tags => match value {
            Value::String(s) => sql.push_bind(s.clone()),
            Value::Number(n) => sql.push_bind(n.to_string()),
            Value::Bool(b) => sql.push_bind(b.to_string()),
            _ => return Err(wrong()),
        },
        Kind::Integer => {
            let number = match value {
                Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
                Value::String(s) => s.trim().parse::<i64>().ok(),
                _ => None,
            };
            sql.push_bind(number.ok_or_else(wrong)?)
        }
        Kind::Bool => sql.push_bind(i64::from(as_bool(value).ok_or_else(wrong)?)),
    };
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(text: &str) -> Result<String, QueryError> {
        let mut sql = QueryBuilder::<Sqlite>::new("select * from assets where 1");
        push_query(&mut sql, &parse(text)?)?;
        Ok(sql.sql().as_str().to_owned())
    }

    #[test]
    fn equality_and_operators_become_bound_conditions() {
        assert_eq!(
            render(r#"{"is_dir": true}"#).unwrap(),
            "select * from assets where 1 and (is_dir = ?)"
        );
        let sql =
            render(r#"{"file_size": {"$gte": 10, "$lt": "20"}, "title": {"$ne": "x"}}"#).unwrap();
        assert!(sql.contains("file_size >= ? and file_size < ?"), "{sql}");
        assert!(sql.contains("(title is null or title != ?)"), "{sql}");
        let sql = render(r#"{"$or": [{"tags": "a"}, {"uid": {"$in": ["b", "c"]}}]}"#).unwrap();
        assert!(
            sql.ends_with(
                "(((exists (select 1 from json_each(tags) where value = ?)) or ((uid in (?, ?)))))"
            ),
            "{sql}"
        );
    }

    #[test]
    fn unsupported_queries_say_what_is_wrong() {
        assert!(
            render(r#"{"$and": [{}, {}]}"#)
                .unwrap_err()
                .0
                .contains("must not be empty")
        );
        assert!(
            render(r#"{"colour": "red"}"#)
                .unwrap_err()
                .0
                .contains("'colour'")
        );
        assert!(
            render(r#"{"title": {"$near": 1}}"#)
                .unwrap_err()
                .0
                .contains("$near")
        );
        assert!(render(r#"[1]"#).is_err());
        assert!(render(r#"{"file_size": "big"}"#).is_err());
        assert!(
            render(r#"{"title": {"$regex": "("}}"#)
                .unwrap_err()
                .0
                .contains("$regex")
        );
        assert!(mentions(
            &parse(r#"{"$or": [{"is_dir": true}]}"#).unwrap(),
            "is_dir"
        ));
    }
}
