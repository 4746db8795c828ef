//! What the JSON readers share: parsing with a located error, reading
//! loosely typed fields (sources write years as numbers or strings), and
//! errors that name the record and field path.

use crate::diag::Diagnostic;
use serde_json::Value;

/// Parses a whole JSON document; a syntax error names its line and column.
pub fn parse(text: &str, file: &str) -> Result<Value, Diagnostic> {
    serde_json::from_str(text).map_err(|e| {
        Diagnostic::error(
            file,
            format!("not valid JSON: {}", strip_position(&e.to_string())),
        )
        .at(e.line() as u32, e.column() as u32)
        .help("the file must be one JSON document as the source exports it")
    })
}

pub fn strip_position(msg: &str) -> &str {
    msg.rsplit_once(" at line ").map_or(msg, |(m, _)| m)
}

/// Follows a path of object keys.
pub fn at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter()
        .try_fold(v, |v, k| v.get(k))
        .filter(|v| !v.is_null())
}

/// A non-empty string at a path; numbers are read as their text. ORCID
/// wraps most strings as `{ "value": ... }`, which is unwrapped.
pub fn text(v: &Value, path: &[&str]) -> Option<String> {
    let v = at(v, path)?;
    let v = v.get("value").unwrap_or(v);
    let s = match v {
        Value::String(s) => s.split_whitespace().collect::<Vec<_>>().join(" "),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    (!s.is_empty()).then_some(s)
}

/// An integer written as a number or a string ("2015", "06").
pub fn int(v: &Value) -> Option<i64> {
    let v = v.get("value").unwrap_or(v);
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// An error about one record: `file: <record>.<field>: message`.
pub fn record_error(
    file: &str,
    record: &str,
    field: &str,
    msg: impl Into<String>,
    help: &str,
) -> Diagnostic {
    let path = match (record.is_empty(), field.is_empty()) {
        (true, _) => field.to_string(),
        (false, true) => record.to_string(),
        (false, false) => format!("{}.{}", record, field),
    };
    Diagnostic::error(file, msg)
        .field(path)
        .help(help.to_string())
}

/// A year, checked against the range the build accepts, or an error.
pub fn year(v: Option<&Value>) -> Result<Option<i64>, String> {
    let Some(v) = v.filter(|v| !v.is_null()) else {
        return Ok(None);
    };
    match int(v) {
        Some(y) if (crate::model::MIN_YEAR..=crate::model::MAX_YEAR).contains(&y) => Ok(Some(y)),
        Some(y) => Err(format!("year {} is out of range", y)),
        None => Err(format!("`{}` is not a year", v)),
    }
}
