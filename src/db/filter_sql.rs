//! A `query` filter as a SQL condition on the columns of `assets`, with every value
//! bound, never spliced into the SQL. One function per family of operators.
//!
//! On live assets, `tags` conditions go through the `asset_tags` index and a `$regex`
//! on titles first through the `asset_titles` trigram index (both kept by triggers);
//! on a published version they read the version's own columns.

use sqlx::{QueryBuilder, Sqlite};

use crate::contentstack::filter::{Compare, Condition, Field, Filter, Kind, Scalar};
use crate::contentstack::literals;

/// The column a field is stored in.
fn column(field: Field) -> &'static str {
    match field {
        Field::Uid => "uid",
        Field::Title => "title",
        Field::Name => "name",
        Field::Description => "description",
        Field::Filename => "filename",
        Field::ContentType => "content_type",
        Field::ParentUid => "parent_uid",
        Field::CreatedAt => "created_at",
        Field::UpdatedAt => "updated_at",
        Field::CreatedBy => "created_by",
        Field::UpdatedBy => "updated_by",
        Field::FileSize => "file_size",
        Field::Version => "version",
        Field::IsDir => "is_dir",
        Field::Tags => "tags",
    }
}

/// Which rows a filter tests, and so which indexes it may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rows<'a> {
    /// The live assets of one stack (`assets`): the tag and title indexes.
    Live { api_key: &'a str },
    /// Published copies: the row's own columns (`tags` as JSON text).
    Published,
}

/// Appends ` and (<condition>)` for the filter to `sql`. An empty filter adds nothing.
pub fn push_filter(sql: &mut QueryBuilder<Sqlite>, filter: &Filter, rows: Rows) {
    if filter.is_empty() {
        return;
    }
    sql.push(" and ");
    push_part(sql, filter, rows);
}

fn push_part(sql: &mut QueryBuilder<Sqlite>, filter: &Filter, rows: Rows) {
    match filter {
        Filter::All(parts) => push_joined(sql, parts, " and ", rows),
        Filter::Any(parts) => push_joined(sql, parts, " or ", rows),
        Filter::Condition(condition) => push_condition(sql, condition, rows),
    }
}

fn push_joined(sql: &mut QueryBuilder<Sqlite>, parts: &[Filter], joiner: &str, rows: Rows) {
    sql.push("(");
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            sql.push(joiner);
        }
        push_part(sql, part, rows);
    }
    sql.push(")");
}

fn push_condition(sql: &mut QueryBuilder<Sqlite>, condition: &Condition, rows: Rows) {
    if let Rows::Live { api_key } = rows {
        match condition {
            Condition::Regex {
                field: Field::Title,
                pattern,
            } => return push_indexed_title_regex(sql, pattern),
            _ if condition.field() == Field::Tags => {
                return push_indexed_tags(sql, api_key, condition);
            }
            _ => {}
        }
    }
    match condition {
        Condition::Equals {
            field,
            value,
            negate,
        } => push_equals(sql, *field, value.as_ref(), *negate),
        Condition::In {
            field,
            values,
            negate,
        } => push_in(sql, *field, values, *negate),
        Condition::Exists { field, wanted } => push_presence(sql, *field, *wanted),
        Condition::Regex { field, pattern } => push_regex(sql, *field, pattern),
        Condition::Range {
            field,
            compare,
            value,
        } => push_range(sql, *field, *compare, value),
    }
}

/// A `tags` condition through the `asset_tags` index: the assets carrying a tag that
/// matches, looked up by tag rather than by reading each asset's list.
fn push_indexed_tags(sql: &mut QueryBuilder<Sqlite>, api_key: &str, condition: &Condition) {
    let (values, negate): (&[Scalar], bool) = match condition {
        Condition::Equals {
            value: Some(value),
            negate,
            ..
        } => (std::slice::from_ref(value), *negate),
        Condition::In { values, negate, .. } if !values.is_empty() => (values, *negate),
        Condition::Regex { pattern, .. } => {
            // The pattern is tested once per distinct tag of the stack, not per asset.
            sql.push("uid in (select asset_uid from asset_tags where stack_api_key = ")
                .push_bind(api_key.to_owned())
                .push(" and tag in (select tag from asset_tags where stack_api_key = ")
                .push_bind(api_key.to_owned())
                .push(" group by tag having tag regexp ")
                .push_bind(pattern.to_owned())
                .push("))");
            return;
        }
        // Presence and empty lists read the asset's own list: nothing to look up.
        _ => return push_condition(sql, condition, Rows::Published),
    };
    sql.push(if negate { "uid not in" } else { "uid in" })
        .push(" (select asset_uid from asset_tags where stack_api_key = ")
        .push_bind(api_key.to_owned())
        .push(" and tag in (");
    push_scalars(sql, values);
    sql.push("))");
}

/// A `$regex` on live titles: the pattern is tested only on the rows whose titles hold
/// the pieces of text every match contains (found through the trigram index).
fn push_indexed_title_regex(sql: &mut QueryBuilder<Sqlite>, pattern: &str) {
    let pieces = literals::required(pattern);
    if pieces.is_empty() {
        return push_regex(sql, Field::Title, pattern);
    }
    sql.push("(assets.rowid in (select rowid from asset_titles where asset_titles match ")
        .push_bind(trigram_query(&pieces))
        .push(") and ");
    push_regex(sql, Field::Title, pattern);
    sql.push(")");
}

/// The `asset_titles` query for titles holding every piece (each a quoted phrase, so
/// no character of it is read as query syntax).
pub fn trigram_query(pieces: &[String]) -> String {
    pieces
        .iter()
        .map(|piece| format!("\"{}\"", piece.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(" AND ")
}

/// `$eq` / `$ne`; a null value tests presence.
fn push_equals(sql: &mut QueryBuilder<Sqlite>, field: Field, value: Option<&Scalar>, negate: bool) {
    let Some(value) = value else {
        return push_presence(sql, field, negate);
    };
    let column = column(field);
    if field.kind() == Kind::Tags {
        sql.push(if negate { "not exists" } else { "exists" });
        sql.push(" (select 1 from json_each(tags) where value = ");
        push_scalar(sql, value);
        sql.push(")");
    } else if negate {
        // `!=` alone would also drop rows where the column is null.
        sql.push("(")
            .push(column)
            .push(" is null or ")
            .push(column)
            .push(" != ");
        push_scalar(sql, value);
        sql.push(")");
    } else {
        sql.push(column).push(" = ");
        push_scalar(sql, value);
    }
}

/// `$in` / `$nin`.
fn push_in(sql: &mut QueryBuilder<Sqlite>, field: Field, values: &[Scalar], negate: bool) {
    if values.is_empty() {
        sql.push(if negate { "1 = 1" } else { "1 = 0" });
        return;
    }
    let column = column(field);
    if field.kind() == Kind::Tags {
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
    push_scalars(sql, values);
    sql.push("))");
}

/// `?, ?, ...`, one bound value each.
fn push_scalars(sql: &mut QueryBuilder<Sqlite>, values: &[Scalar]) {
    for (i, value) in values.iter().enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        push_scalar(sql, value);
    }
}

/// `$exists` (and equality with null): tags exist when the list is not empty.
fn push_presence(sql: &mut QueryBuilder<Sqlite>, field: Field, present: bool) {
    if field.kind() == Kind::Tags {
        sql.push(if present {
            "json_array_length(tags) > 0"
        } else {
            "json_array_length(tags) = 0"
        });
    } else {
        sql.push(column(field))
            .push(if present { " is not null" } else { " is null" });
    }
}

/// `$regex`, through SQLite's `regexp` (the `regex` crate).
fn push_regex(sql: &mut QueryBuilder<Sqlite>, field: Field, pattern: &str) {
    if field.kind() == Kind::Tags {
        sql.push("exists (select 1 from json_each(tags) where value regexp ")
            .push_bind(pattern.to_owned())
            .push(")");
    } else {
        sql.push("coalesce(")
            .push(column(field))
            .push(", '') regexp ")
            .push_bind(pattern.to_owned());
    }
}

/// `$gt`, `$gte`, `$lt`, `$lte`.
fn push_range(sql: &mut QueryBuilder<Sqlite>, field: Field, compare: Compare, value: &Scalar) {
    let operator = match compare {
        Compare::Gt => " > ",
        Compare::Gte => " >= ",
        Compare::Lt => " < ",
        Compare::Lte => " <= ",
    };
    sql.push(column(field)).push(operator);
    push_scalar(sql, value);
}

fn push_scalar(sql: &mut QueryBuilder<Sqlite>, value: &Scalar) {
    match value {
        Scalar::Text(text) => sql.push_bind(text.clone()),
        Scalar::Integer(n) => sql.push_bind(*n),
        Scalar::Bool(b) => sql.push_bind(i64::from(*b)),
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contentstack::filter::parse;

    fn render(text: &str) -> Result<String, crate::contentstack::filter::FilterError> {
        let mut sql = QueryBuilder::<Sqlite>::new("select * from assets where 1");
        push_filter(&mut sql, &parse(text)?, Rows::Published);
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
        assert!(
            parse(r#"{"$or": [{"is_dir": true}]}"#)
                .unwrap()
                .mentions(Field::IsDir)
        );
    }
}
