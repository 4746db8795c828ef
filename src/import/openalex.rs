//! OpenAlex works: an API list response (`{ "meta", "results" }`), a
//! single work, or a JSON Lines snapshot file (one work per line).
//!
//! Abstracts are rebuilt from `abstract_inverted_index`; authorships give
//! ORCIDs and institutions; `is_authors_truncated` (the API cuts lists at
//! 100 authors) is kept, so the work page says the list is incomplete.

use super::entry::{doi_key, openalex_id, work_type, Entry, InstitutionRef, Person, Read};
use super::json::{at, parse, record_error, text, year};
use crate::diag::Diagnostic;
use serde_json::Value;

pub fn read(src: &str, file: &str) -> Read {
    let mut out = Read::default();
    if file.ends_with(".jsonl") || file.ends_with(".ndjson") {
        for (i, line) in src.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let line_no = i as u32 + 1;
            out.push(match serde_json::from_str::<Value>(line) {
                Ok(v) => work(&v, "", file).map_err(|d| d.line(line_no)),
                Err(e) => Err(Diagnostic::error(
                    file,
                    format!(
                        "not valid JSON: {}",
                        super::json::strip_position(&e.to_string())
                    ),
                )
                .at(line_no, e.column() as u32)
                .help("each line must be one OpenAlex work")),
            });
        }
        return out;
    }
    let doc = match parse(src, file) {
        Ok(v) => v,
        Err(d) => return Read::failed(d),
    };
    if let Some(results) = doc.get("results").and_then(Value::as_array) {
        for (i, w) in results.iter().enumerate() {
            out.push(work(w, &format!("results[{}]", i), file));
        }
    } else if text(&doc, &["id"])
        .as_deref()
        .and_then(|i| openalex_id(i, 'W'))
        .is_some()
    {
        out.push(work(&doc, "work", file));
    } else if text(&doc, &["id"])
        .as_deref()
        .and_then(|i| openalex_id(i, 'A'))
        .is_some()
    {
        out.errors.push(
            Diagnostic::error(file, "an OpenAlex author entity lists no works").help(format!(
                "import the author's works instead: {}",
                text(&doc, &["works_api_url"]).unwrap_or_else(|| {
                    "https://api.openalex.org/works?filter=author.id:<id>".into()
                })
            )),
        );
    } else {
        out.errors.push(
            Diagnostic::error(file, "not an OpenAlex works response or work").help(
                "save the response of https://api.openalex.org/works?filter=... or of one work",
            ),
        );
    }
    out
}

fn work(w: &Value, rec: &str, file: &str) -> Result<Entry, Diagnostic> {
    let id = text(w, &["id"])
        .as_deref()
        .and_then(|i| openalex_id(i, 'W'));
    let Some(title) = text(w, &["title"]).or_else(|| text(w, &["display_name"])) else {
        return Err(record_error(
            file,
            rec,
            "title",
            "the work has no title",
            "leave the work out, or add its title",
        ));
    };
    let year = year(at(w, &["publication_year"])).map_err(|m| {
        record_error(
            file,
            rec,
            "publication_year",
            m,
            "fix the year or leave the work out",
        )
    })?;
    let month = text(w, &["publication_date"])
        .and_then(|d| d.get(5..7).and_then(|m| m.parse().ok()))
        .filter(|m| (1..=12).contains(m));
    let authorships = at(w, &["authorships"])
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let mut authors = Vec::with_capacity(authorships.len());
    for (i, a) in authorships.iter().enumerate() {
        let Some(name) =
            text(a, &["author", "display_name"]).or_else(|| text(a, &["raw_author_name"]))
        else {
            return Err(record_error(
                file,
                rec,
                &format!("authorships[{}].author.display_name", i),
                "an authorship has no name",
                "leave the work out, or add the name",
            ));
        };
        let mut p =
            Person::from_display(&name).with_orcid(text(a, &["author", "orcid"]).as_deref());
        for inst in at(a, &["institutions"])
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            if let Some(n) = text(inst, &["display_name"]) {
                p.institutions.push(InstitutionRef {
                    name: n,
                    ror: text(inst, &["ror"]),
                    country: text(inst, &["country_code"]),
                });
            }
        }
        authors.push(p);
    }
    let mut ids = crate::load::records::RawIds {
        openalex: id.clone(),
        ..Default::default()
    };
    ids.pmid = text(w, &["ids", "pmid"]).map(|p| {
        p.trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or(&p)
            .to_string()
    });
    ids.pmcid = text(w, &["ids", "pmcid"]).map(|p| {
        let n = p
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or(&p)
            .to_string();
        if n.to_ascii_uppercase().starts_with("PMC") {
            n
        } else {
            format!("PMC{}", n)
        }
    });
    let doi = text(w, &["doi"]).filter(|d| doi_key(d).is_some());
    let venue = text(w, &["primary_location", "source", "display_name"])
        .or_else(|| text(w, &["host_venue", "display_name"]));
    Ok(Entry {
        at: if rec.is_empty() {
            file.to_string()
        } else {
            format!("{}: {}", file, rec)
        },
        sources: vec![format!(
            "openalex:{}",
            id.clone().unwrap_or_else(|| title.clone())
        )],
        title,
        kind: work_type(&text(w, &["type"]).unwrap_or_default()),
        year,
        month,
        venue,
        doi,
        url: text(w, &["primary_location", "landing_page_url"]),
        ids,
        authors,
        authors_truncated: at(w, &["is_authors_truncated"])
            .and_then(Value::as_bool)
            .unwrap_or(false),
        abstract_: at(w, &["abstract_inverted_index"]).and_then(abstract_from_index),
        version_dois: Vec::new(),
    })
}

/// Rebuilds text from `{ word: [positions] }`. Positions are bounded by
/// the word count, so a hostile index cannot allocate without limit.
pub fn abstract_from_index(index: &Value) -> Option<String> {
    let map = index.as_object()?;
    let total: usize = map.values().filter_map(Value::as_array).map(Vec::len).sum();
    let mut slots: Vec<Option<&str>> = vec![None; total];
    for (word, positions) in map {
        for p in positions
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_u64)
        {
            if let Some(slot) = slots.get_mut(p as usize) {
                *slot = Some(word);
            }
        }
    }
    let words: Vec<&str> = slots.into_iter().flatten().collect();
    (!words.is_empty()).then(|| words.join(" "))
}

#[cfg(test)]
mod tests {
    #[test]
    fn rebuilds_abstracts_in_order() {
        let v = serde_json::json!({"Despite": [0], "growing": [1], "in": [3, 5], "interest": [2], "OA": [4], "x": [999]});
        assert_eq!(
            super::abstract_from_index(&v).as_deref(),
            Some("Despite growing interest in OA in")
        );
    }
}
