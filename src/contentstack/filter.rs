//! Contentstack's `query` parameter: a JSON filter, read into a tree of typed
//! conditions that `db::filter_sql` turns into bound SQL.
//!
//! Supported: field equality, `$eq`, `$ne`, `$in`, `$nin`, `$exists`, `$regex` (with
//! `$options: "i"`), `$gt`, `$gte`, `$lt`, `$lte`, and `$and` / `$or` over sub-queries.
//! Anything else is rejected with a message that says what is not supported, and so is
//! a query larger than the limits below (what it costs to run is bounded further by the
//! database's time budget).

use std::time::Instant;

use serde_json::{Map, Value};

/// Longest `query` text.
pub const MAX_QUERY_BYTES: usize = 64 * 1024;
/// Most conditions in one query, counted across every `$and` and `$or`.
pub const MAX_CONDITIONS: usize = 100;
/// Deepest nesting of `$and` / `$or`.
pub const MAX_NESTING: usize = 10;
/// Most values in one `$in` / `$nin`.
pub const MAX_IN_VALUES: usize = 1000;
/// Longest `$regex` pattern.
pub const MAX_PATTERN_BYTES: usize = 512;
/// Largest compiled `$regex` program: Unicode classes with counted repetition (`\w{40}`)
/// grow quickly and make every row slow to test.
pub const MAX_PATTERN_PROGRAM_BYTES: usize = 1024 * 1024;

/// How much of the limits a query has used so far.
#[derive(Debug, Default)]
struct Spent {
    conditions: usize,
    nesting: usize,
    /// Patterns are compiled (to be checked) only before this.
    deadline: Option<Instant>,
    /// Set when the deadline stopped the parse.
    out_of_time: bool,
}

impl Spent {
    /// Before a pattern is compiled: fails once the deadline has passed (a compile is
    /// the one costly step of a parse).
    fn may_compile(&mut self) -> Result<(), FilterError> {
        if self
            .deadline
            .is_some_and(|deadline| Instant::now() >= deadline)
        {
            self.out_of_time = true;
            return Err(FilterError("The query ran out of time.".into()));
        }
        Ok(())
    }

    fn condition(&mut self) -> Result<(), FilterError> {
        self.conditions += 1;
        if self.conditions > MAX_CONDITIONS {
            return Err(FilterError(format!(
                "The query has more than {MAX_CONDITIONS} conditions; at most {MAX_CONDITIONS} are allowed."
            )));
        }
        Ok(())
    }
}

/// Why [`parse_off_the_runtime`] gave up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejected {
    /// The query is not one the service runs.
    Invalid(FilterError),
    /// The deadline passed while its patterns were checked.
    OutOfTime,
}

/// Why a query was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct FilterError(pub String);

/// What kind of values a field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Integer,
    Bool,
    /// A list of strings; a condition holds when it holds for one of them.
    Tags,
}

/// A field a query may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Uid,
    Title,
    Name,
    Description,
    Filename,
    ContentType,
    ParentUid,
    CreatedAt,
    UpdatedAt,
    CreatedBy,
    UpdatedBy,
    FileSize,
    Version,
    IsDir,
    Tags,
}

impl Field {
    /// The field a query names, by its name in the JSON.
    pub fn from_name(name: &str) -> Option<Field> {
        Some(match name {
            "uid" => Field::Uid,
            "title" => Field::Title,
            "name" => Field::Name,
            "description" => Field::Description,
            "filename" => Field::Filename,
            "content_type" => Field::ContentType,
            "parent_uid" => Field::ParentUid,
            "created_at" => Field::CreatedAt,
            "updated_at" => Field::UpdatedAt,
            "created_by" => Field::CreatedBy,
            "updated_by" => Field::UpdatedBy,
            "file_size" => Field::FileSize,
            "_version" => Field::Version,
            "is_dir" => Field::IsDir,
            "tags" => Field::Tags,
            _ => return None,
        })
    }

    /// What kind of values it holds.
    pub fn kind(self) -> Kind {
        match self {
            Field::FileSize | Field::Version => Kind::Integer,
            Field::IsDir => Kind::Bool,
            Field::Tags => Kind::Tags,
            _ => Kind::Text,
        }
    }
}

/// A value compared with a field, already converted to the field's kind.
#[derive(Debug, Clone, PartialEq)]
pub enum Scalar {
    Text(String),
    Integer(i64),
    Bool(bool),
}

/// How a range condition compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compare {
    Gt,
    Gte,
    Lt,
    Lte,
}

/// One condition on one field.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// `field = value` (`$eq`), or `!=` (`$ne`); `None` compares with null (absent).
    Equals {
        field: Field,
        value: Option<Scalar>,
        negate: bool,
    },
    /// `$in` / `$nin`.
    In {
        field: Field,
        values: Vec<Scalar>,
        negate: bool,
    },
    /// `$exists`.
    Exists { field: Field, wanted: bool },
    /// `$regex`, with `(?i)` prefixed for `$options: "i"`.
    Regex { field: Field, pattern: String },
    /// `$gt`, `$gte`, `$lt`, `$lte`.
    Range {
        field: Field,
        compare: Compare,
        value: Scalar,
    },
}

/// A filter: conditions combined with `and` / `or`.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// Every part holds (a query object, `$and`). Empty: no restriction.
    All(Vec<Filter>),
    /// One of the parts holds (`$or`).
    Any(Vec<Filter>),
    Condition(Condition),
}

impl Default for Filter {
    fn default() -> Self {
        Filter::All(Vec::new())
    }
}

impl Filter {
    /// True when the filter restricts nothing.
    pub fn is_empty(&self) -> bool {
        matches!(self, Filter::All(parts) if parts.is_empty())
    }

    /// The tags of which every match carries at least one, when the filter says so
    /// outside any `$or` (`{"tags": "a"}`, `{"tags": {"$in": [...]}}`, or inside `$and`):
    /// a listing can then start from the assets with those tags.
    pub fn required_tags(&self) -> Option<Vec<&str>> {
        match self {
            Filter::All(parts) => parts.iter().find_map(Filter::required_tags),
            Filter::Any(_) => None,
            Filter::Condition(Condition::Equals {
                field: Field::Tags,
                value: Some(Scalar::Text(tag)),
                negate: false,
            }) => Some(vec![tag.as_str()]),
            Filter::Condition(Condition::In {
                field: Field::Tags,
                values,
                negate: false,
            }) => values
                .iter()
                .map(|value| match value {
                    Scalar::Text(tag) => Some(tag.as_str()),
                    _ => None,
                })
                .collect(),
            Filter::Condition(_) => None,
        }
    }

    /// Pieces of text every match's title contains, when a `$regex` on titles outside
    /// any `$or` requires some (see [`super::literals`]).
    pub fn required_title_pieces(&self) -> Option<Vec<String>> {
        match self {
            Filter::All(parts) => parts.iter().find_map(Filter::required_title_pieces),
            Filter::Condition(Condition::Regex {
                field: Field::Title,
                pattern,
            }) => Some(super::literals::required(pattern)).filter(|pieces| !pieces.is_empty()),
            Filter::Any(_) | Filter::Condition(_) => None,
        }
    }

    /// True when the filter names `field` anywhere.
    pub fn mentions(&self, wanted: Field) -> bool {
        match self {
            Filter::All(parts) | Filter::Any(parts) => parts.iter().any(|p| p.mentions(wanted)),
            Filter::Condition(condition) => condition.field() == wanted,
        }
    }
}

impl Condition {
    /// The field the condition is about.
    pub fn field(&self) -> Field {
        match self {
            Condition::Equals { field, .. }
            | Condition::In { field, .. }
            | Condition::Exists { field, .. }
            | Condition::Regex { field, .. }
            | Condition::Range { field, .. } => *field,
        }
    }
}

/// [`parse`] on the blocking pool, compiling no pattern after `deadline`: a `$regex`
/// is compiled to be checked, which takes long enough (milliseconds each, up to 100
/// of them) that a crowd of such queries would otherwise hold the runtime's workers,
/// and every other request with them.
pub async fn parse_off_the_runtime(text: &str, deadline: Instant) -> Result<Filter, Rejected> {
    let parse_within = move |text: &str| {
        let mut spent = Spent {
            deadline: Some(deadline),
            ..Spent::default()
        };
        parse_with(text, &mut spent).map_err(|e| {
            if spent.out_of_time {
                Rejected::OutOfTime
            } else {
                Rejected::Invalid(e)
            }
        })
    };
    if !text.contains("$regex") {
        return parse_within(text);
    }
    let text = text.to_owned();
    tokio::task::spawn_blocking(move || parse_within(&text))
        .await
        .unwrap_or_else(|_| {
            Err(Rejected::Invalid(FilterError(
                "The query could not be checked.".to_owned(),
            )))
        })
}

/// Parses the `query` parameter's text.
pub fn parse(text: &str) -> Result<Filter, FilterError> {
    parse_with(text, &mut Spent::default())
}

fn parse_with(text: &str, spent: &mut Spent) -> Result<Filter, FilterError> {
    if text.len() > MAX_QUERY_BYTES {
        return Err(FilterError(format!(
            "The query is {} bytes long; at most {MAX_QUERY_BYTES} are allowed.",
            text.len()
        )));
    }
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(map)) if map.is_empty() => Ok(Filter::default()),
        Ok(Value::Object(map)) => parse_object(&map, spent),
        Ok(_) => Err(FilterError("The query must be a JSON object.".into())),
        Err(e) => Err(FilterError(format!("The query is not valid JSON: {e}."))),
    }
}

fn parse_object(query: &Map<String, Value>, spent: &mut Spent) -> Result<Filter, FilterError> {
    if query.is_empty() {
        return Err(FilterError(
            "A query inside $and or $or must not be empty.".into(),
        ));
    }
    let mut parts = Vec::new();
    for (key, value) in query {
        match key.as_str() {
            "$and" | "$or" => parts.push(parse_group(key, value, spent)?),
            _ => parts.extend(parse_field(key, value, spent)?),
        }
    }
    Ok(Filter::All(parts))
}

fn parse_group(op: &str, value: &Value, spent: &mut Spent) -> Result<Filter, FilterError> {
    let items = value
        .as_array()
        .filter(|items| !items.is_empty())
        .ok_or_else(|| FilterError(format!("{op} takes a non-empty array of queries.")))?;
    if items.len() > MAX_CONDITIONS {
        return Err(FilterError(format!(
            "{op} has {} terms; at most {MAX_CONDITIONS} are allowed.",
            items.len()
        )));
    }
    spent.nesting += 1;
    if spent.nesting > MAX_NESTING {
        return Err(FilterError(format!(
            "$and and $or nest more than {MAX_NESTING} deep; at most {MAX_NESTING} levels are allowed."
        )));
    }
    let parts = items
        .iter()
        .map(|item| {
            let object = item
                .as_object()
                .ok_or_else(|| FilterError(format!("{op} takes an array of query objects.")))?;
            parse_object(object, spent)
        })
        .collect::<Result<Vec<_>, _>>()?;
    spent.nesting -= 1;
    Ok(if op == "$and" {
        Filter::All(parts)
    } else {
        Filter::Any(parts)
    })
}

/// The conditions on one field: one for a plain value, one per operator otherwise.
fn parse_field(name: &str, value: &Value, spent: &mut Spent) -> Result<Vec<Filter>, FilterError> {
    if name.starts_with('$') {
        return Err(FilterError(format!(
            "The operator {name} is not supported here."
        )));
    }
    let field = Field::from_name(name)
        .ok_or_else(|| FilterError(format!("Querying on the field '{name}' is not supported.")))?;
    let operand = Operand { name, field };
    match value {
        Value::Object(ops) if ops.keys().any(|k| k.starts_with('$')) => {
            let options = ops.get("$options").and_then(Value::as_str).unwrap_or("");
            let conditions = ops
                .iter()
                .filter(|(op, _)| op.as_str() != "$options")
                .map(|(op, value)| {
                    spent.condition()?;
                    if op == "$regex" {
                        spent.may_compile()?;
                    }
                    operand.condition(op, value, options).map(Filter::Condition)
                })
                .collect::<Result<Vec<_>, _>>()?;
            if conditions.is_empty() {
                return Err(FilterError(format!("No operator given for '{name}'.")));
            }
            Ok(conditions)
        }
        _ => Ok(vec![Filter::Condition(
            operand.condition("$eq", value, "")?,
        )]),
    }
}

/// A field as named in the query, for conditions and their messages.
struct Operand<'a> {
    name: &'a str,
    field: Field,
}

impl Operand<'_> {
    fn condition(&self, op: &str, value: &Value, options: &str) -> Result<Condition, FilterError> {
        let field = self.field;
        match op {
            "$eq" | "$ne" => Ok(Condition::Equals {
                field,
                value: if value.is_null() {
                    None
                } else {
                    Some(self.scalar(value)?)
                },
                negate: op == "$ne",
            }),
            "$in" | "$nin" => {
                let items = value.as_array().ok_or_else(|| {
                    FilterError(format!("{op} on '{}' takes an array.", self.name))
                })?;
                if items.len() > MAX_IN_VALUES {
                    return Err(FilterError(format!(
                        "{op} on '{}' has {} values; at most {MAX_IN_VALUES} are allowed.",
                        self.name,
                        items.len()
                    )));
                }
                Ok(Condition::In {
                    field,
                    values: items
                        .iter()
                        .map(|item| self.scalar(item))
                        .collect::<Result<_, _>>()?,
                    negate: op == "$nin",
                })
            }
            "$exists" => Ok(Condition::Exists {
                field,
                wanted: as_bool(value).ok_or_else(|| {
                    FilterError(format!("$exists on '{}' takes true or false.", self.name))
                })?,
            }),
            "$regex" => self.regex(value, options),
            "$gt" | "$gte" | "$lt" | "$lte" => self.range(op, value),
            _ => Err(FilterError(format!("The operator {op} is not supported."))),
        }
    }

    fn regex(&self, value: &Value, options: &str) -> Result<Condition, FilterError> {
        let name = self.name;
        let pattern = value
            .as_str()
            .ok_or_else(|| FilterError(format!("$regex on '{name}' takes a string.")))?;
        if pattern.len() > MAX_PATTERN_BYTES {
            return Err(FilterError(format!(
                "The $regex on '{name}' is {} bytes long; at most {MAX_PATTERN_BYTES} are allowed.",
                pattern.len()
            )));
        }
        let pattern = if options.contains('i') {
            format!("(?i){pattern}")
        } else {
            pattern.to_owned()
        };
        // Checked here so that a bad pattern is the client's 422, not SQLite's 500.
        regex::RegexBuilder::new(&pattern)
            .size_limit(MAX_PATTERN_PROGRAM_BYTES)
            .build()
            .map_err(|e| match e {
                regex::Error::CompiledTooBig(_) => FilterError(format!(
                    "The $regex on '{name}' is too complex: it compiles to more than {} KiB. Use fewer or smaller counted repetitions (such as \\w{{40}}) or narrower classes.",
                    MAX_PATTERN_PROGRAM_BYTES / 1024
                )),
                e => FilterError(format!("The $regex on '{name}' is not valid: {e}.")),
            })?;
        if !matches!(self.field.kind(), Kind::Text | Kind::Tags) {
            return Err(FilterError(format!("$regex is not supported on '{name}'.")));
        }
        Ok(Condition::Regex {
            field: self.field,
            pattern,
        })
    }

    fn range(&self, op: &str, value: &Value) -> Result<Condition, FilterError> {
        if matches!(self.field.kind(), Kind::Tags | Kind::Bool) {
            return Err(FilterError(format!(
                "{op} is not supported on '{}'.",
                self.name
            )));
        }
        let compare = match op {
            "$gt" => Compare::Gt,
            "$gte" => Compare::Gte,
            "$lt" => Compare::Lt,
            _ => Compare::Lte,
        };
        Ok(Condition::Range {
            field: self.field,
            compare,
            value: self.scalar(value)?,
        })
    }

    /// A value converted to the field's kind, as leniently as the clients need.
    fn scalar(&self, value: &Value) -> Result<Scalar, FilterError> {
        let wrong = || {
            FilterError(format!(
                "The value {value} does not fit the field '{}'.",
                self.name
            ))
        };
        match self.field.kind() {
            Kind::Text | Kind::Tags => match value {
                Value::String(s) => Ok(Scalar::Text(s.clone())),
                Value::Number(n) => Ok(Scalar::Text(n.to_string())),
                Value::Bool(b) => Ok(Scalar::Text(b.to_string())),
                _ => Err(wrong()),
            },
            Kind::Integer => match value {
                Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
                Value::String(s) => s.trim().parse::<i64>().ok(),
                _ => None,
            }
            .map(Scalar::Integer)
            .ok_or_else(wrong),
            Kind::Bool => as_bool(value).map(Scalar::Bool).ok_or_else(wrong),
        }
    }
}

fn as_bool(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::String(s) => crate::contentstack::lenient::parse_bool(s),
        Value::Number(n) => n.as_i64().map(|n| n != 0),
        _ => None,
    }
}
