//! ORCID public API documents in JSON, v3.0 and v2.x: a full record
//! (`activities-summary.works.group`), a works summary (`group`), a bulk
//! works response (`bulk`), or a single work.
//!
//! A group is ORCID's own de-duplication: the work summaries in it share
//! external ids, so a group becomes one entry listing every put-code.
//! External ids with relationship `self` identify the work; `version-of`
//! DOIs name other versions; `part-of` ids (an ISSN) are ignored.

use super::entry::{arxiv_id, work_type, Entry, Person, Read};
use super::json::{at, int, parse, record_error, text, year};
use serde_json::Value;

pub fn read(src: &str, file: &str) -> Read {
    let doc = match parse(src, file) {
        Ok(v) => v,
        Err(d) => return Read::failed(d),
    };
    let mut out = Read::default();
    let owner = Owner::of(&doc);
    if let Some(groups) = at(&doc, &["activities-summary", "works", "group"])
        .or_else(|| at(&doc, &["group"]))
        .and_then(Value::as_array)
    {
        let base = if doc.get("group").is_some() {
            "group"
        } else {
            "activities-summary.works.group"
        };
        for (i, g) in groups.iter().enumerate() {
            out.push(group(g, &format!("{}[{}]", base, i), file, &owner));
        }
    } else if let Some(bulk) = doc.get("bulk").and_then(Value::as_array) {
        for (i, b) in bulk.iter().enumerate() {
            let rec = format!("bulk[{}]", i);
            out.push(match b.get("work") {
                Some(w) => work(w, &format!("{}.work", rec), file, &owner),
                None => Err(record_error(
                    file,
                    &rec,
                    "",
                    "ORCID returned no work here (an error entry)",
                    "fetch the work again or leave it out",
                )),
            });
        }
    } else if doc.get("title").is_some() {
        out.push(work(&doc, "work", file, &owner));
    } else {
        out.errors.push(
            crate::diag::Diagnostic::error(file, "not an ORCID record, works list or work")
                .help("export with the ORCID public API, e.g. https://pub.orcid.org/v3.0/<iD>/works (Accept: application/json)"),
        );
    }
    out
}

/// The record's owner: their iD, from the record or its paths, and their
/// name when the document is a full record.
struct Owner {
    orcid: Option<String>,
    name: Option<Person>,
}

impl Owner {
    fn of(doc: &Value) -> Owner {
        let from_path = |p: Option<String>| {
            p.and_then(|p| {
                p.trim_start_matches('/')
                    .split('/')
                    .next()
                    .map(String::from)
            })
        };
        let orcid = text(doc, &["orcid-identifier", "path"])
            .or_else(|| from_path(text(doc, &["path"])))
            .and_then(|o| crate::text::normalise_orcid(&o).ok());
        let name = at(doc, &["person", "name"]).map(|n| Person {
            given: text(n, &["given-names"]).unwrap_or_default(),
            family: text(n, &["family-name"]).unwrap_or_default(),
            orcid: orcid.clone(),
            ..Default::default()
        });
        Owner { orcid, name }
    }

    /// The owner as the one known author of a work that lists none.
    fn as_author(&self, work_path: Option<&str>) -> Option<Person> {
        let orcid = self.orcid.clone().or_else(|| {
            work_path
                .and_then(|p| p.trim_start_matches('/').split('/').next())
                .and_then(|o| crate::text::normalise_orcid(o).ok())
        })?;
        Some(self.name.clone().unwrap_or_default()).map(|p| Person {
            orcid: Some(orcid),
            ..p
        })
    }
}

/// One group of work summaries: the first summary gives the fields, the
/// others add their put-codes and identifiers.
fn group(
    g: &Value,
    rec: &str,
    file: &str,
    owner: &Owner,
) -> Result<Entry, crate::diag::Diagnostic> {
    let sums = g
        .get("work-summary")
        .and_then(Value::as_array)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            record_error(
                file,
                rec,
                "work-summary",
                "the group has no work summary",
                "export the works list again",
            )
        })?;
    let mut e = work(&sums[0], &format!("{}.work-summary[0]", rec), file, owner)?;
    for (j, s) in sums.iter().enumerate().skip(1) {
        if let Ok(other) = work(s, &format!("{}.work-summary[{}]", rec, j), file, owner) {
            e.sources.extend(other.sources);
            if e.doi.is_none() {
                e.doi = other.doi;
            }
            if e.ids.arxiv.is_none() {
                e.ids.arxiv = other.ids.arxiv;
            }
            if e.kind == "other" {
                e.kind = other.kind;
            }
        }
    }
    external_ids(g, &mut e);
    e.sources.sort();
    e.sources.dedup();
    Ok(e)
}

fn work(w: &Value, rec: &str, file: &str, owner: &Owner) -> Result<Entry, crate::diag::Diagnostic> {
    let Some(mut title) = text(w, &["title", "title"]) else {
        return Err(record_error(
            file,
            rec,
            "title.title",
            "the work has no title",
            "add the title in ORCID or leave the work out",
        ));
    };
    if let Some(sub) = text(w, &["title", "subtitle"]) {
        title = format!("{}: {}", title, sub);
    }
    let put_code = w.get("put-code").and_then(int);
    let path = text(w, &["path"]);
    let orcid_of_path = path
        .as_deref()
        .and_then(|p| p.trim_start_matches('/').split('/').next())
        .map(String::from);
    let who = owner.orcid.clone().or(orcid_of_path);
    let source = match (who, put_code) {
        (Some(o), Some(p)) => format!("orcid:{}/{}", o, p),
        (None, Some(p)) => format!("orcid:{}", p),
        _ => format!("orcid:{}", title),
    };
    let year = year(at(w, &["publication-date", "year"])).map_err(|m| {
        record_error(
            file,
            rec,
            "publication-date.year",
            m,
            "fix the date in ORCID",
        )
    })?;
    let month = at(w, &["publication-date", "month"])
        .and_then(int)
        .filter(|m| (1..=12).contains(m));
    let mut e = Entry {
        at: format!("{}: {}", file, rec),
        sources: vec![source],
        title,
        kind: work_type(&text(w, &["type"]).unwrap_or_default()),
        year,
        month,
        venue: text(w, &["journal-title"]),
        url: text(w, &["url"]),
        abstract_: text(w, &["short-description"]),
        ..Default::default()
    };
    external_ids(w, &mut e);
    e.authors = contributors(w);
    if e.authors.is_empty() {
        // No contributors: use the authors of the work's own BibTeX citation,
        // else the record's owner, the one author ORCID vouches for.
        if let Some(cite) = text(w, &["citation", "citation-value"]).filter(|_| {
            text(w, &["citation", "citation-type"])
                .is_some_and(|t| t.eq_ignore_ascii_case("bibtex"))
        }) {
            if let Some(c) = super::bibtex::read(&cite, file).entries.into_iter().next() {
                e.authors = c.authors;
                e.authors_truncated = c.authors_truncated;
                if e.ids.arxiv.is_none() {
                    e.ids.arxiv = c.ids.arxiv;
                }
            }
        }
        if e.authors.is_empty() {
            e.authors.extend(owner.as_author(path.as_deref()));
        }
    }
    Ok(e)
}

fn contributors(w: &Value) -> Vec<Person> {
    let Some(list) = at(w, &["contributors", "contributor"]).and_then(Value::as_array) else {
        return Vec::new();
    };
    list.iter()
        .filter(|c| {
            text(c, &["contributor-attributes", "contributor-role"])
                .is_none_or(|r| r.eq_ignore_ascii_case("author") || r.contains("writing"))
        })
        .filter_map(|c| {
            let name = text(c, &["credit-name"])?;
            Some(
                Person::from_display(&name)
                    .with_orcid(text(c, &["contributor-orcid", "path"]).as_deref()),
            )
        })
        .collect()
}

/// Reads `external-ids.external-id` (v3.0 and v2.1) into the entry.
fn external_ids(w: &Value, e: &mut Entry) {
    let Some(list) = at(w, &["external-ids", "external-id"]).and_then(Value::as_array) else {
        return;
    };
    for x in list {
        let (Some(kind), Some(value)) = (
            text(x, &["external-id-type"]),
            text(x, &["external-id-value"]),
        ) else {
            continue;
        };
        let rel = text(x, &["external-id-relationship"])
            .unwrap_or_else(|| "self".into())
            .to_ascii_lowercase();
        match (kind.to_ascii_lowercase().as_str(), rel.as_str()) {
            ("doi", "self") if e.doi.is_none() && super::entry::doi_key(&value).is_some() => {
                e.doi = Some(value)
            }
            ("doi", "version-of") => e.version_dois.push(value),
            ("arxiv", "self") => e.ids.arxiv = e.ids.arxiv.take().or_else(|| arxiv_id(&value)),
            ("pmid", "self") => e.ids.pmid = e.ids.pmid.take().or(Some(value)),
            ("pmc", "self") => e.ids.pmcid = e.ids.pmcid.take().or(Some(value)),
            ("isbn", "self") => e.ids.isbn = e.ids.isbn.take().or(Some(value)),
            _ => {}
        }
    }
}
