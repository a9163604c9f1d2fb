//! Contentstack's `query` parameter: a JSON filter, read into a tree of typed
//! conditions that `db::filter_sql` turns into bound SQL.
//!
//! Supported: field equality, `$eq`, `$ne`, `$in`, `$nin`, `$exists`, `$regex` (with
//! `$options: "i"`), `$gt`, `$gte`, `$lt`, `$lte`, and `$and` / `$or` over sub-queries.
//! Anything else is rejected with a message that says what is not supported.

use serde_json::{Map, Value};

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

/// Parses the `query` parameter's text.
pub fn parse(text: &str) -> Result<Filter, FilterError> {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(map)) if map.is_empty() => Ok(Filter::default()),
        Ok(Value::Object(map)) => parse_object(&map),
        Ok(_) => Err(FilterError("The query must be a JSON object.".into())),
        Err(e) => Err(FilterError(format!("The query is not valid JSON: {e}."))),
    }
}

fn parse_object(query: &Map<String, Value>) -> Result<Filter, FilterError> {
    if query.is_empty() {
        return Err(FilterError(
            "A query inside $and or $or must not be empty.".into(),
        ));
    }
    let mut parts = Vec::new();
    for (key, value) in query {
        match key.as_str() {
            "$and" | "$or" => parts.push(parse_group(key, value)?),
            _ => parts.extend(parse_field(key, value)?),
        }
    }
    Ok(Filter::All(parts))
}

fn parse_group(op: &str, value: &Value) -> Result<Filter, FilterError> {
    let items = value
        .as_array()
        .filter(|items| !items.is_empty())
        .ok_or_else(|| FilterError(format!("{op} takes a non-empty array of queries.")))?;
    let parts = items
        .iter()
        .map(|item| {
            let object = item
                .as_object()
                .ok_or_else(|| FilterError(format!("{op} takes an array of query objects.")))?;
            parse_object(object)
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(if op == "$and" {
        Filter::All(parts)
    } else {
        Filter::Any(parts)
    })
}

/// The conditions on one field: one for a plain value, one per operator otherwise.
fn parse_field(name: &str, value: &Value) -> Result<Vec<Filter>, FilterError> {
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
                .map(|(op, value)| operand.condition(op, value, options).map(Filter::Condition))
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
        let pattern = if options.contains('i') {
            format!("(?i){pattern}")
        } else {
            pattern.to_owned()
        };
        // Checked here so that a bad pattern is the client's 422, not SQLite's 500.
        regex::Regex::new(&pattern)
            .map_err(|e| FilterError(format!("The $regex on '{name}' is not valid: {e}.")))?;
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
        Value::String(s) => crate::params::parse_bool(s),
        Value::Number(n) => n.as_i64().map(|n| n != 0),
        _ => None,
    }
}
