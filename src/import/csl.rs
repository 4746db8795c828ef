//! CSL-JSON, as Zotero, Better BibTeX and Manubot write it: an array of
//! items (or one item), with `issued.date-parts`, `container-title`
//! (a string or a list), `DOI`, `URL`, `PMID`, `PMCID` and authors as
//! `{ family, given }` or `{ literal }`.

use super::entry::{arxiv_id, work_type, Entry, Person, Read};
use super::json::{at, int, parse, record_error, text};
use serde_json::Value;

pub fn read(src: &str, file: &str) -> Read {
    let doc = match parse(src, file) {
        Ok(v) => v,
        Err(d) => return Read::failed(d),
    };
    let mut out = Read::default();
    let items: Vec<&Value> = match &doc {
        Value::Array(a) => a.iter().collect(),
        Value::Object(o) if o.contains_key("items") => o["items"]
            .as_array()
            .map(|a| a.iter().collect())
            .unwrap_or_default(),
        Value::Object(_) => vec![&doc],
        _ => Vec::new(),
    };
    if items.is_empty() && !matches!(doc, Value::Array(_)) {
        out.errors.push(
            crate::diag::Diagnostic::error(file, "not CSL-JSON: expected an array of items")
                .help("export as CSL JSON from Zotero, or use Manubot's references.json"),
        );
    }
    for (i, item) in items.into_iter().enumerate() {
        out.push(entry(item, &format!("[{}]", i), file));
    }
    out
}

fn entry(v: &Value, rec: &str, file: &str) -> Result<Entry, crate::diag::Diagnostic> {
    if !v.is_object() {
        return Err(record_error(
            file,
            rec,
            "",
            "an item is not an object",
            "each item is { \"type\", \"title\", ... }",
        ));
    }
    let Some(title) = text(v, &["title"]) else {
        return Err(record_error(
            file,
            rec,
            "title",
            "the item has no title",
            "add a title or leave the item out",
        ));
    };
    let (year, month) = date(v).map_err(|m| {
        record_error(
            file,
            rec,
            "issued",
            m,
            "write \"issued\": {\"date-parts\": [[2021, 5]]}",
        )
    })?;
    let mut authors = Vec::new();
    for (j, a) in at(v, &["author"])
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let p = match (
            text(a, &["family"]),
            text(a, &["given"]),
            text(a, &["literal"]),
        ) {
            (Some(f), g, _) => Person {
                family: f,
                given: g.unwrap_or_default(),
                ..Default::default()
            },
            (None, _, Some(l)) => Person::from_display(&l),
            _ => {
                return Err(record_error(
                    file,
                    rec,
                    &format!("author[{}]", j),
                    "an author has neither `family` nor `literal`",
                    "write the name as {\"family\", \"given\"}",
                ))
            }
        };
        let orcid = text(a, &["ORCID"]).or_else(|| text(a, &["orcid"]));
        authors.push(p.with_orcid(orcid.as_deref()));
    }
    let venue = match at(v, &["container-title"]) {
        Some(Value::Array(a)) => a.first().and_then(|x| x.as_str()).map(String::from),
        _ => text(v, &["container-title"]),
    };
    let kind_raw = text(v, &["type"]).unwrap_or_default();
    let mut ids = crate::load::records::RawIds {
        pmid: text(v, &["PMID"]),
        pmcid: text(v, &["PMCID"]),
        isbn: text(v, &["ISBN"]),
        ..Default::default()
    };
    let from_arxiv = venue
        .as_deref()
        .is_some_and(|c| c.eq_ignore_ascii_case("arxiv"))
        || text(v, &["publisher"]).is_some_and(|p| p.eq_ignore_ascii_case("arxiv"));
    if from_arxiv {
        ids.arxiv = text(v, &["archive_location"])
            .or_else(|| text(v, &["number"]))
            .or_else(|| text(v, &["URL"]))
            .as_deref()
            .and_then(arxiv_id);
    }
    // CSL 1.0.2 names a preprint "article"; an item from arXiv is one.
    let kind = if kind_raw == "article"
        || (from_arxiv && matches!(kind_raw.as_str(), "report" | "manuscript"))
    {
        "preprint"
    } else {
        work_type(&kind_raw)
    };
    let id = text(v, &["id"]).unwrap_or_else(|| title.clone());
    Ok(Entry {
        at: format!("{}: {}", file, rec),
        sources: vec![format!("csl-json:{}", id)],
        title,
        kind,
        year,
        month,
        venue,
        doi: text(v, &["DOI"]),
        url: text(v, &["URL"]),
        ids,
        authors,
        authors_truncated: false,
        abstract_: text(v, &["abstract"]),
        version_dois: Vec::new(),
    })
}

/// Year and month from `issued`: `date-parts` (numbers or strings; empty,
/// null and extra parts are tolerated, as in the wild), or a raw string.
fn date(v: &Value) -> Result<(Option<i64>, Option<i64>), String> {
    let Some(issued) = at(v, &["issued"]) else {
        return Ok((None, None));
    };
    let parts = at(issued, &["date-parts"])
        .and_then(Value::as_array)
        .and_then(|p| p.first())
        .and_then(Value::as_array);
    let (y, m) = match parts {
        Some(p) => (p.first().and_then(int), p.get(1).and_then(int)),
        None => match text(issued, &["raw"]).or_else(|| text(issued, &["literal"])) {
            Some(raw) => (
                raw.get(..4).and_then(|y| y.parse().ok()),
                raw.get(5..7).and_then(|m| m.parse().ok()),
            ),
            None => (None, None),
        },
    };
    let y = match y {
        Some(y) if !(crate::model::MIN_YEAR..=crate::model::MAX_YEAR).contains(&y) => {
            return Err(format!("year {} is out of range", y))
        }
        y => y,
    };
    Ok((y, m.filter(|m| (1..=12).contains(m))))
}
