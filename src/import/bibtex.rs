//! BibTeX and BibLaTeX, read with the `biblatex` crate (which resolves
//! `@string` macros, `#` concatenation, `crossref`, month macros and LaTeX
//! accents to Unicode).
//!
//! The crate rejects a whole file on its first error. So the file is cut
//! into its top-level items first (brace-aware, so one broken entry cannot
//! swallow the next), each entry is parsed on its own together with the
//! file's `@string` definitions to find the broken ones, and the good ones
//! are then parsed together so that `crossref` resolves. A broken entry
//! gets an error at its `file:line` and the rest are imported.

use super::entry::{arxiv_id, work_type, Entry, Person, Read};
use crate::diag::{Diagnostic, LineIndex};
use biblatex::{Bibliography, ChunksExt, Entry as BibEntry, ParseError, ParseErrorKind};

/// A top-level `@type{...}` item and where it starts.
struct Item<'a> {
    kind: String,
    text: &'a str,
    offset: usize,
}

pub fn read(text: &str, file: &str) -> Read {
    let lines = LineIndex::new(text);
    let mut out = Read::default();
    let items = split(text);
    let strings: String = items
        .iter()
        .filter(|i| i.kind == "string")
        .map(|i| format!("{}\n", i.text))
        .collect();
    let mut good: Vec<&Item> = Vec::new();
    let mut keys = std::collections::HashSet::new();
    for item in items
        .iter()
        .filter(|i| !matches!(i.kind.as_str(), "string" | "preamble" | "comment"))
    {
        out.records += 1;
        let line = lines.locate(item.offset).0;
        let src = format!("{}{}", strings, item.text);
        match Bibliography::parse(&src) {
            Ok(b) => {
                let Some(e) = b.iter().next() else {
                    out.errors.push(
                        Diagnostic::error(file, "an entry without a key or fields")
                            .line(line)
                            .help("write it as @article{key, title = {...}, ...}"),
                    );
                    continue;
                };
                if !keys.insert(e.key.clone()) {
                    out.errors.push(
                        Diagnostic::error(
                            file,
                            format!("the key `{}` is used twice; this entry is skipped", e.key),
                        )
                        .line(line)
                        .help("give each entry its own key"),
                    );
                    continue;
                }
                good.push(item);
            }
            Err(err) => {
                // An unclosed entry is reported where it opens, not where the text ran out.
                let at = if err.kind == ParseErrorKind::UnexpectedEof {
                    0
                } else {
                    err.span
                        .start
                        .saturating_sub(strings.len())
                        .min(item.text.len())
                };
                let (l, c) = lines.locate(item.offset + at);
                out.errors.push(
                    Diagnostic::error(file, describe(&err))
                        .at(l, c)
                        .help("fix the entry or remove it; the other entries are imported"),
                );
            }
        }
    }
    let all: String = std::iter::once(strings.clone())
        .chain(good.iter().map(|i| format!("{}\n", i.text)))
        .collect();
    let bib = match Bibliography::parse(&all) {
        Ok(b) => b,
        // Each entry parsed alone, so only a crossref can fail here; read
        // them alone instead, without their parents' fields.
        Err(_) => {
            let mut b = Bibliography::new();
            for i in &good {
                if let Ok(one) = Bibliography::parse(&format!("{}{}", strings, i.text)) {
                    for e in one.into_vec() {
                        b.insert(e);
                    }
                }
            }
            b
        }
    };
    let parents: std::collections::HashSet<String> = bib
        .iter()
        .filter_map(|o| o.get("crossref").map(|c| c.format_verbatim()))
        .collect();
    for item in good {
        let line = lines.locate(item.offset).0;
        let key = key_of(item.text);
        let Some(e) = key.as_deref().and_then(|k| bib.get(k)) else {
            continue;
        };
        if item.kind == "proceedings" && parents.contains(&e.key) {
            // A DBLP-style parent only lends its fields to its children.
            out.records -= 1;
            continue;
        }
        match entry(e, file, line) {
            Ok(en) => out.entries.push(en),
            Err(d) => out.errors.push(d),
        }
    }
    out
}

fn describe(e: &ParseError) -> String {
    match &e.kind {
        ParseErrorKind::UnexpectedEof => "the entry is not closed: a `}` is missing".into(),
        ParseErrorKind::UnknownAbbreviation(a) => format!("`{}` is not a defined @string macro", a),
        ParseErrorKind::Unexpected(t) => format!("unexpected {:?}", t).to_lowercase(),
        ParseErrorKind::Expected(t) => format!("expected {:?}", t).to_lowercase(),
        ParseErrorKind::MalformedCommand => "a malformed LaTeX command".into(),
        ParseErrorKind::DuplicateKey(k) => format!("the key `{}` is used twice", k),
        other => format!("{:?}", other),
    }
}

/// The citation key of an item's text: between the opening brace and the first comma.
fn key_of(text: &str) -> Option<String> {
    let open = text.find(['{', '('])?;
    let rest = &text[open + 1..];
    Some(rest[..rest.find(',')?].trim().to_string())
}

/// Cuts a file into its `@type{...}` items. Text between items is a
/// comment in BibTeX. An item whose braces never close ends where the
/// next line starting with `@` begins.
fn split(text: &str) -> Vec<Item<'_>> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(at) = text[i..].find('@').map(|p| p + i) {
        let mut j = at + 1;
        while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_' || b[j] == b'-') {
            j += 1;
        }
        let kind = text[at + 1..j].to_ascii_lowercase();
        while j < b.len() && b[j].is_ascii_whitespace() {
            j += 1;
        }
        if kind.is_empty() || j >= b.len() || (b[j] != b'{' && b[j] != b'(') {
            i = at + 1;
            continue;
        }
        let (open, close) = if b[j] == b'{' {
            (b'{', b'}')
        } else {
            (b'(', b')')
        };
        let mut depth = 0i32;
        let mut end = None;
        let mut k = j;
        while k < b.len() {
            match b[k] {
                b'\\' => k += 1,
                c if c == open || (open == b'(' && c == b'{') => depth += 1,
                c if c == close || (open == b'(' && c == b'}') => {
                    depth -= 1;
                    if depth == 0 {
                        end = Some(k + 1);
                        break;
                    }
                }
                _ => {}
            }
            k += 1;
        }
        let end = end.unwrap_or_else(|| next_item_start(text, j).unwrap_or(text.len()));
        out.push(Item {
            kind,
            text: &text[at..end],
            offset: at,
        });
        i = end;
    }
    out
}

/// The next line that starts with `@`, after `from`.
fn next_item_start(text: &str, from: usize) -> Option<usize> {
    text[from..]
        .match_indices("\n@")
        .next()
        .map(|(p, _)| from + p + 1)
}

fn field(e: &BibEntry, name: &str) -> Option<String> {
    let v = e.get(name)?.format_verbatim();
    let v = v.split_whitespace().collect::<Vec<_>>().join(" ");
    (!v.is_empty()).then_some(v)
}

fn entry(e: &BibEntry, file: &str, line: u32) -> Result<Entry, Diagnostic> {
    let at = format!("{}:{}", file, line);
    let Some(title) = field(e, "title") else {
        return Err(
            Diagnostic::error(file, format!("entry `{}` has no title", e.key))
                .line(line)
                .field("title")
                .help("add title = {...}"),
        );
    };
    let year = match field(e, "year").or_else(|| field(e, "date")) {
        None => None,
        Some(y) => match y.get(..4).and_then(|d| d.parse::<i64>().ok()) {
            Some(y) => Some(y),
            None => {
                return Err(Diagnostic::error(
                    file,
                    format!("entry `{}`: `{}` is not a year", e.key, y),
                )
                .line(line)
                .field("year")
                .help("write year = {2021}"))
            }
        },
    };
    let month = field(e, "month")
        .and_then(|m| month_number(&m))
        .or_else(|| {
            field(e, "date")
                .and_then(|d| d.get(5..7).and_then(|m| m.parse().ok()))
                .filter(|m| (1..=12).contains(m))
        });
    let mut authors = Vec::new();
    let mut truncated = false;
    if let Ok(people) = e.author() {
        for p in people {
            if p.name.eq_ignore_ascii_case("others") && p.given_name.is_empty() {
                truncated = true;
                continue;
            }
            let family = if p.prefix.is_empty() {
                p.name.clone()
            } else {
                format!("{} {}", p.prefix, p.name)
            };
            let given = if p.suffix.is_empty() {
                p.given_name.clone()
            } else {
                format!("{} {}", p.given_name, p.suffix)
            };
            authors.push(Person {
                given: clean_marks(&given),
                family: clean_marks(&family),
                ..Default::default()
            });
        }
    }
    let venue = field(e, "journaltitle")
        .or_else(|| field(e, "journal"))
        .or_else(|| field(e, "booktitle"))
        .or_else(|| field(e, "school"))
        .or_else(|| field(e, "institution"));
    let eprint_type = field(e, "eprinttype")
        .or_else(|| field(e, "archiveprefix"))
        .unwrap_or_default();
    let mut ids = crate::load::records::RawIds::default();
    if let Some(ep) = field(e, "eprint") {
        if eprint_type.eq_ignore_ascii_case("arxiv") || eprint_type.is_empty() {
            ids.arxiv = arxiv_id(&ep);
        }
    }
    let url = field(e, "url");
    if ids.arxiv.is_none() {
        ids.arxiv = url
            .as_deref()
            .filter(|u| u.contains("arxiv.org/abs/"))
            .and_then(arxiv_id);
    }
    ids.pmid = field(e, "pmid").or_else(|| field(e, "pubmedid"));
    ids.isbn = field(e, "isbn");
    let kind = e.entry_type.to_string().to_ascii_lowercase();
    let kind = match (work_type(&kind), kind.as_str()) {
        (_, "misc" | "online" | "article")
            if ids.arxiv.is_some()
                && venue
                    .as_deref()
                    .is_none_or(|v| v == "CoRR" || v.to_ascii_lowercase().starts_with("arxiv")) =>
        {
            "preprint"
        }
        (t, _) => t,
    };
    Ok(Entry {
        at,
        sources: vec![format!("bibtex:{}", e.key)],
        title,
        kind,
        year,
        month,
        venue,
        doi: field(e, "doi"),
        url,
        ids,
        authors,
        authors_truncated: truncated,
        abstract_: field(e, "abstract"),
        version_dois: Vec::new(),
    })
}

/// Hand-kept lists mark students or corresponding authors with `*` or `∗`.
fn clean_marks(s: &str) -> String {
    s.trim_matches(|c: char| c == '*' || c == '∗' || c == '†' || c.is_whitespace())
        .to_string()
}

fn month_number(m: &str) -> Option<i64> {
    const NAMES: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let l = m.trim().to_ascii_lowercase();
    if let Ok(n) = l.parse::<i64>() {
        return (1..=12).contains(&n).then_some(n);
    }
    NAMES
        .iter()
        .position(|n| l.starts_with(n))
        .map(|i| i as i64 + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_latex_and_reads_names() {
        let src = r#"@string{acl = "Association for " # "Computational Linguistics"}
@inproceedings{a, author = {M{\"u}ller, J{\"o}rg and Guzm{\'{a}}n, Francisco and others},
  title = {{R}obust {LSTM} \& {Friends}}, booktitle = acl, year = 2020, month = mar}
"#;
        let r = read(src, "x.bib");
        assert!(
            r.errors.is_empty(),
            "{:?}",
            r.errors.iter().map(|d| d.to_string()).collect::<Vec<_>>()
        );
        let e = &r.entries[0];
        assert_eq!(e.title, "Robust LSTM & Friends");
        assert_eq!(
            e.venue.as_deref(),
            Some("Association for Computational Linguistics")
        );
        assert_eq!(e.authors[0].display(), "Jörg Müller");
        assert_eq!(e.authors[1].display(), "Francisco Guzmán");
        assert!(e.authors_truncated);
        assert_eq!((e.year, e.month), (Some(2020), Some(3)));
    }

    #[test]
    fn a_broken_entry_is_located_and_the_rest_read() {
        let src = "@article{good1, title={One}, year={2020}}\n\n@article{bad, title={Two}, journal = nosuchmacro, year={2020}}\n@article{open, title={Three\n@article{good2, title={Four}, year={2021}}\n";
        let r = read(src, "x.bib");
        let titles: Vec<&str> = r.entries.iter().map(|e| e.title.as_str()).collect();
        assert_eq!(titles, ["One", "Four"]);
        assert_eq!(r.errors.len(), 2);
        assert!(
            r.errors[0].message.contains("nosuchmacro"),
            "{}",
            r.errors[0].message
        );
        assert!(r.errors[0].location().starts_with("x.bib:3"));
        assert!(
            r.errors[1].location().starts_with("x.bib:4"),
            "{}",
            r.errors[1]
        );
        assert_eq!(r.records, 4);
    }
}
