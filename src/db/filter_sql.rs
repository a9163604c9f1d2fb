//! A `query` filter as a SQL condition on the columns of `assets`, with every value
//! bound, never spliced into the SQL. One function per family of operators.
//!
//! On live assets, `tags` conditions go through the `asset_tags` index and a `$regex`
//! on titles first through the title index (SQLite: the `asset_titles` trigram table;
//! PostgreSQL: `ilike` on `assets.title`, which a pg_trgm index answers), both kept by
//! triggers on SQLite; on a published version they read the version's own columns.
//!
//! The builders are generic over the backend ([`BuilderDb`]): `push_bind` writes each
//! backend's placeholder, and where the dialects differ the SQL asks `DB::DIALECT`.

use sqlx::{Postgres, QueryBuilder, Sqlite};

use super::Dialect;
use crate::contentstack::filter::{Compare, Condition, Field, Filter, Kind, Scalar};
use crate::contentstack::literals;

/// A backend statements are built for with a [`QueryBuilder`]: its dialect, and how
/// each kind of value is bound (so that generic builders need no bounds of their own).
pub trait BuilderDb: sqlx::Database {
    /// The SQL dialect of the backend.
    const DIALECT: Dialect;
    fn bind_text(sql: &mut QueryBuilder<Self>, value: String);
    fn bind_integer(sql: &mut QueryBuilder<Self>, value: i64);
    /// A boolean: `0` / `1` on SQLite, where booleans are integers; `boolean` on
    /// PostgreSQL.
    fn bind_bool(sql: &mut QueryBuilder<Self>, value: bool);
}

impl BuilderDb for Sqlite {
    const DIALECT: Dialect = Dialect::Lite;
    fn bind_text(sql: &mut QueryBuilder<Self>, value: String) {
        sql.push_bind(value);
    }
    fn bind_integer(sql: &mut QueryBuilder<Self>, value: i64) {
        sql.push_bind(value);
    }
    fn bind_bool(sql: &mut QueryBuilder<Self>, value: bool) {
        sql.push_bind(i64::from(value));
    }
}

impl BuilderDb for Postgres {
    const DIALECT: Dialect = Dialect::Pg;
    fn bind_text(sql: &mut QueryBuilder<Self>, value: String) {
        sql.push_bind(value);
    }
    fn bind_integer(sql: &mut QueryBuilder<Self>, value: i64) {
        sql.push_bind(value);
    }
    fn bind_bool(sql: &mut QueryBuilder<Self>, value: bool) {
        sql.push_bind(value);
    }
}

/// [`BuilderDb`]'s binds as methods of the builder, to chain with `push`.
pub trait Binds {
    fn bind_text(&mut self, value: String) -> &mut Self;
    fn bind_integer(&mut self, value: i64) -> &mut Self;
    fn bind_bool(&mut self, value: bool) -> &mut Self;
    /// True when the statement is for PostgreSQL.
    fn is_pg(&self) -> bool;
}

impl<DB: BuilderDb> Binds for QueryBuilder<DB> {
    fn bind_text(&mut self, value: String) -> &mut Self {
        DB::bind_text(self, value);
        self
    }
    fn bind_integer(&mut self, value: i64) -> &mut Self {
        DB::bind_integer(self, value);
        self
    }
    fn bind_bool(&mut self, value: bool) -> &mut Self {
        DB::bind_bool(self, value);
        self
    }
    fn is_pg(&self) -> bool {
        DB::DIALECT.is_pg()
    }
}

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
    /// Published copies: the row's own columns (`tags` as JSON).
    Published,
}

/// Appends ` and (<condition>)` for the filter to `sql`. An empty filter adds nothing.
pub fn push_filter<DB: BuilderDb>(sql: &mut QueryBuilder<DB>, filter: &Filter, rows: Rows) {
    if filter.is_empty() {
        return;
    }
    sql.push(" and ");
    push_part(sql, filter, rows);
}

fn push_part<DB: BuilderDb>(sql: &mut QueryBuilder<DB>, filter: &Filter, rows: Rows) {
    match filter {
        Filter::All(parts) => push_joined(sql, parts, " and ", rows),
        Filter::Any(parts) => push_joined(sql, parts, " or ", rows),
        Filter::Condition(condition) => push_condition(sql, condition, rows),
    }
}

fn push_joined<DB: BuilderDb>(
    sql: &mut QueryBuilder<DB>,
    parts: &[Filter],
    joiner: &str,
    rows: Rows,
) {
    sql.push("(");
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            sql.push(joiner);
        }
        push_part(sql, part, rows);
    }
    sql.push(")");
}

fn push_condition<DB: BuilderDb>(sql: &mut QueryBuilder<DB>, condition: &Condition, rows: Rows) {
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
fn push_indexed_tags<DB: BuilderDb>(
    sql: &mut QueryBuilder<DB>,
    api_key: &str,
    condition: &Condition,
) {
    let (values, negate): (&[Scalar], bool) = match condition {
        Condition::Equals {
            value: Some(value),
            negate,
            ..
        } => (std::slice::from_ref(value), *negate),
        Condition::In { values, negate, .. } if !values.is_empty() => (values, *negate),
        Condition::Regex { pattern, .. } => {
            // The pattern is tested once per distinct tag of the stack, not per asset.
            let matches = if sql.is_pg() { " ~ " } else { " regexp " };
            sql.push("uid in (select asset_uid from asset_tags where stack_api_key = ")
                .bind_text(api_key.to_owned())
                .push(" and tag in (select tag from asset_tags where stack_api_key = ")
                .bind_text(api_key.to_owned())
                .push(" group by tag having tag")
                .push(matches)
                .bind_text(pattern.to_owned())
                .push("))");
            return;
        }
        // Presence and empty lists read the asset's own list: nothing to look up.
        _ => return push_condition(sql, condition, Rows::Published),
    };
    sql.push(if negate { "uid not in" } else { "uid in" })
        .push(" (select asset_uid from asset_tags where stack_api_key = ")
        .bind_text(api_key.to_owned())
        .push(" and tag in (");
    push_scalars(sql, values);
    sql.push("))");
}

/// A `$regex` on live titles: the pattern is tested only on the rows whose titles hold
/// the pieces of text every match contains (found through the title index).
fn push_indexed_title_regex<DB: BuilderDb>(sql: &mut QueryBuilder<DB>, pattern: &str) {
    let pieces = literals::required(pattern);
    if pieces.is_empty() {
        return push_regex(sql, Field::Title, pattern);
    }
    if sql.is_pg() {
        sql.push("(");
        push_title_holds(sql, &pieces);
        sql.push(" and ");
    } else {
        sql.push("(assets.rowid in (select rowid from asset_titles where asset_titles match ")
            .bind_text(trigram_query(&pieces))
            .push(") and ");
    }
    push_regex(sql, Field::Title, pattern);
    sql.push(")");
}

/// The `asset_titles` query for titles holding every piece (each a quoted phrase, so
/// no character of it is read as query syntax). SQLite only.
pub fn trigram_query(pieces: &[String]) -> String {
    pieces
        .iter()
        .map(|piece| format!("\"{}\"", piece.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(" AND ")
}

/// PostgreSQL's counterpart of an `asset_titles` query: `title ilike ? escape '\' and
/// ...`, one bound pattern per piece. Like the trigram table, it compares without
/// regard to (ASCII) case; [`literals::required`] only gives pieces of a
/// case-insensitive pattern that such a comparison covers, so it never drops a match.
pub fn push_title_holds<DB: BuilderDb>(sql: &mut QueryBuilder<DB>, pieces: &[String]) {
    for (i, piece) in pieces.iter().enumerate() {
        if i > 0 {
            sql.push(" and ");
        }
        sql.push("title ilike ")
            .bind_text(contains_pattern(piece))
            .push(" escape '\\'");
    }
}

/// A `like` pattern for text holding `piece`, its `%`, `_` and `\` escaped.
fn contains_pattern(piece: &str) -> String {
    let mut pattern = String::with_capacity(piece.len() + 2);
    pattern.push('%');
    for c in piece.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// `exists (select 1 from <the elements of tags> where <value>`: each tag as text.
fn push_each_tag<DB: BuilderDb>(sql: &mut QueryBuilder<DB>, negate: bool) {
    sql.push(if negate { "not exists" } else { "exists" });
    sql.push(if sql.is_pg() {
        " (select 1 from jsonb_array_elements_text(tags) as j(value) where j.value"
    } else {
        " (select 1 from json_each(tags) where value"
    });
}

/// `$eq` / `$ne`; a null value tests presence.
fn push_equals<DB: BuilderDb>(
    sql: &mut QueryBuilder<DB>,
    field: Field,
    value: Option<&Scalar>,
    negate: bool,
) {
    let Some(value) = value else {
        return push_presence(sql, field, negate);
    };
    let column = column(field);
    if field.kind() == Kind::Tags {
        push_each_tag(sql, negate);
        sql.push(" = ");
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
fn push_in<DB: BuilderDb>(
    sql: &mut QueryBuilder<DB>,
    field: Field,
    values: &[Scalar],
    negate: bool,
) {
    if values.is_empty() {
        sql.push(if negate { "1 = 1" } else { "1 = 0" });
        return;
    }
    let column = column(field);
    if field.kind() == Kind::Tags {
        push_each_tag(sql, negate);
        sql.push(" in (");
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
fn push_scalars<DB: BuilderDb>(sql: &mut QueryBuilder<DB>, values: &[Scalar]) {
    for (i, value) in values.iter().enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        push_scalar(sql, value);
    }
}

/// `$exists` (and equality with null): tags exist when the list is not empty.
fn push_presence<DB: BuilderDb>(sql: &mut QueryBuilder<DB>, field: Field, present: bool) {
    if field.kind() == Kind::Tags {
        let length = if sql.is_pg() {
            "jsonb_array_length(tags)"
        } else {
            "json_array_length(tags)"
        };
        sql.push(length).push(if present { " > 0" } else { " = 0" });
    } else {
        sql.push(column(field))
            .push(if present { " is not null" } else { " is null" });
    }
}

/// `$regex`: SQLite's `regexp` (the `regex` crate), PostgreSQL's `~`.
fn push_regex<DB: BuilderDb>(sql: &mut QueryBuilder<DB>, field: Field, pattern: &str) {
    let matches = if sql.is_pg() { " ~ " } else { " regexp " };
    if field.kind() == Kind::Tags {
        push_each_tag(sql, false);
        sql.push(matches).bind_text(pattern.to_owned()).push(")");
    } else {
        sql.push("coalesce(")
            .push(column(field))
            .push(", '')")
            .push(matches)
            .bind_text(pattern.to_owned());
    }
}

/// `$gt`, `$gte`, `$lt`, `$lte`.
fn push_range<DB: BuilderDb>(
    sql: &mut QueryBuilder<DB>,
    field: Field,
    compare: Compare,
    value: &Scalar,
) {
    let operator = match compare {
        Compare::Gt => " > ",
        Compare::Gte => " >= ",
        Compare::Lt => " < ",
        Compare::Lte => " <= ",
    };
    sql.push(column(field)).push(operator);
    push_scalar(sql, value);
}

fn push_scalar<DB: BuilderDb>(sql: &mut QueryBuilder<DB>, value: &Scalar) {
    match value {
        Scalar::Text(text) => sql.bind_text(text.clone()),
        Scalar::Integer(n) => sql.bind_integer(*n),
        Scalar::Bool(b) => sql.bind_bool(*b),
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

    fn render_pg(text: &str, rows: Rows) -> String {
        let mut sql = QueryBuilder::<Postgres>::new("select * from assets where true");
        push_filter(&mut sql, &parse(text).unwrap(), rows);
        sql.sql().as_str().to_owned()
    }

    #[test]
    fn postgresql_gets_its_own_dialect() {
        let published = render_pg(
            r#"{"is_dir": false, "tags": {"$in": ["a"]}, "title": {"$regex": "x"}}"#,
            Rows::Published,
        );
        assert!(published.contains("is_dir = $1"), "{published}");
        assert!(
            published.contains(
                "exists (select 1 from jsonb_array_elements_text(tags) as j(value) where j.value in ($2))"
            ),
            "{published}"
        );
        assert!(
            published.contains("coalesce(title, '') ~ $3"),
            "{published}"
        );
        assert!(!published.contains('?'), "{published}");
        let live = Rows::Live { api_key: "k" };
        let titled = render_pg(r#"{"title": {"$regex": "^50%_off\\d"}}"#, live);
        assert!(
            titled.contains("(title ilike $1 escape '\\' and coalesce(title, '') ~ $2)"),
            "{titled}"
        );
        assert_eq!(contains_pattern("50%_off"), "%50\\%\\_off%");
        let tagged = render_pg(r#"{"tags": {"$regex": "^a"}}"#, live);
        assert!(tagged.contains("having tag ~ $3"), "{tagged}");
        let empty = render_pg(r#"{"tags": {"$exists": false}}"#, live);
        assert!(empty.contains("jsonb_array_length(tags) = 0"), "{empty}");
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
