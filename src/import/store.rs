//! The imported records as they are written under `content/`: one JSON
//! Lines file per source format, owned by `import`, read back on the next
//! run so that importing again merges instead of duplicating.

use crate::load::records::RawIds;
use serde::{Deserialize, Serialize};

/// A work in an `imported-<format>.jsonl` file. Field order is the
/// written order; empty fields are left out so files stay small and diffs
/// readable.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct StoredWork {
    pub id: String,
    pub title: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub year: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub month: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub venue: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doi: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "RawIds::is_empty")]
    pub ids: RawIds,
    #[serde(default)]
    pub authors: Vec<StoredAuthor>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub authors_truncated: bool,
    #[serde(rename = "abstract", default, skip_serializing_if = "Option::is_none")]
    pub abstract_: Option<String>,
    #[serde(default)]
    pub sources: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub versions: Vec<String>,
}

/// `{ "id" }` for a researcher of the site, else `{ "name", "orcid", "institutions" }`.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct StoredAuthor {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub orcid: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub institutions: Vec<String>,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct StoredInstitution {
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ror: Option<String>,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct StoredResearcher {
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub orcid: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub affiliations: Vec<String>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// Reads an import-owned JSON Lines file; a missing file is empty. A line
/// that does not parse is an error naming the file and line: the file was
/// edited by hand into a form `import` cannot merge into.
pub fn read_jsonl<T: for<'de> Deserialize<'de>>(
    path: &std::path::Path,
    rel: &str,
) -> Result<Vec<T>, crate::diag::Diagnostic> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(crate::diag::Diagnostic::error(
                rel,
                format!("cannot read: {}", e),
            ))
        }
    };
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str(line) {
            Ok(v) => out.push(v),
            Err(e) => {
                return Err(crate::diag::Diagnostic::error(rel, format!("not a record `import` wrote: {}", e))
                    .line(i as u32 + 1)
                    .help("this file belongs to `scholarsite import`; move hand-written records to a file of their own, or delete the file to import afresh"))
            }
        }
    }
    Ok(out)
}

/// One record per line, in the order given (callers sort by id).
pub fn to_jsonl<T: Serialize>(records: &[T]) -> Vec<u8> {
    let mut out = Vec::new();
    for r in records {
        serde_json::to_writer(&mut out, r).expect("records serialise");
        out.push(b'\n');
    }
    out
}
