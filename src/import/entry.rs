//! One imported record, as every reader produces it, and the rules that
//! make records from different sources comparable: identifiers, names,
//! title keys and whether a record is a preprint.

use crate::diag::Diagnostic;
use crate::load::records::RawIds;
use crate::text::{fold_name, normalise_doi, normalise_orcid};

/// A person as a source names them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Person {
    pub given: String,
    pub family: String,
    pub orcid: Option<String>,
    /// Affiliations on this work (OpenAlex authorships).
    pub institutions: Vec<InstitutionRef>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InstitutionRef {
    pub name: String,
    pub ror: Option<String>,
    pub country: Option<String>,
}

impl Person {
    /// "First Last", "Last, First" or a single name.
    pub fn from_display(name: &str) -> Person {
        let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
        if let Some((family, given)) = name.split_once(',') {
            return Person {
                given: given.trim().into(),
                family: family.trim().into(),
                ..Default::default()
            };
        }
        match name.rsplit_once(' ') {
            Some((given, family)) => Person {
                given: given.into(),
                family: family.into(),
                ..Default::default()
            },
            None => Person {
                family: name,
                ..Default::default()
            },
        }
    }

    /// The name as the site shows it: "Given Family".
    pub fn display(&self) -> String {
        match (self.given.is_empty(), self.family.is_empty()) {
            (false, false) => format!("{} {}", self.given, self.family),
            (true, _) => self.family.clone(),
            (false, true) => self.given.clone(),
        }
    }

    pub fn with_orcid(mut self, raw: Option<&str>) -> Person {
        self.orcid = raw.and_then(|o| normalise_orcid(o).ok());
        self
    }
}

/// One work as read from a source, before matching.
#[derive(Clone, Debug, Default)]
pub struct Entry {
    /// Where it was read, for reports and errors: `file:line` or `file: results[3]`.
    pub at: String,
    /// `bibtex:key`, `orcid:iD/put-code`, `openalex:W…`, `csl-json:id`.
    pub sources: Vec<String>,
    pub title: String,
    pub kind: &'static str,
    pub year: Option<i64>,
    pub month: Option<i64>,
    pub venue: Option<String>,
    pub doi: Option<String>,
    pub url: Option<String>,
    pub ids: RawIds,
    pub authors: Vec<Person>,
    pub authors_truncated: bool,
    pub abstract_: Option<String>,
    /// DOIs the source names as other versions of this work (ORCID `version-of`).
    pub version_dois: Vec<String>,
}

/// What a reader returns: the entries it could read and a located error
/// for each one it could not.
#[derive(Default)]
pub struct Read {
    pub entries: Vec<Entry>,
    pub errors: Vec<Diagnostic>,
    /// Records seen, including those that failed.
    pub records: usize,
}

impl Read {
    /// A file that could not be read at all.
    pub fn failed(d: Diagnostic) -> Read {
        Read {
            errors: vec![d],
            ..Read::default()
        }
    }

    /// Counts one record and keeps its entry or its error.
    pub fn push(&mut self, r: Result<Entry, Diagnostic>) {
        self.records += 1;
        match r {
            Ok(e) => self.entries.push(e),
            Err(d) => self.errors.push(d),
        }
    }
}

/// A DOI in its canonical form for matching: bare and lower-case (DOIs are
/// case-insensitive). `None` for anything that is not a DOI.
pub fn doi_key(raw: &str) -> Option<String> {
    normalise_doi(raw).ok().map(|d| d.to_ascii_lowercase())
}

/// An arXiv id without `arXiv:`, URL or version suffix: `1804.07832`,
/// `hep-th/9901001`.
pub fn arxiv_id(raw: &str) -> Option<String> {
    let s = raw.trim();
    let lower = s.to_ascii_lowercase();
    let s = [
        "https://arxiv.org/abs/",
        "http://arxiv.org/abs/",
        "arxiv:",
        "https://doi.org/10.48550/arxiv.",
        "10.48550/arxiv.",
    ]
    .iter()
    .find_map(|p| lower.strip_prefix(p))
    .unwrap_or(&lower);
    let s = match s.rfind('v') {
        Some(i)
            if i > 0
                && s[i + 1..].chars().all(|c| c.is_ascii_digit())
                && !s[i + 1..].is_empty() =>
        {
            &s[..i]
        }
        _ => s,
    };
    let modern = s.len() >= 9
        && s.as_bytes()[4] == b'.'
        && s.chars()
            .enumerate()
            .all(|(i, c)| i == 4 || c.is_ascii_digit());
    let old = s.contains('/')
        && s.rsplit('/')
            .next()
            .is_some_and(|n| n.len() == 7 && n.chars().all(|c| c.is_ascii_digit()));
    (modern || old).then(|| s.to_string())
}

/// The arXiv id inside an arXiv DOI (`10.48550/arXiv.1804.07832`).
pub fn arxiv_from_doi(doi: &str) -> Option<String> {
    doi.to_ascii_lowercase()
        .strip_prefix("10.48550/arxiv.")
        .and_then(arxiv_id)
}

/// `W2741809807` from an OpenAlex URL or bare id.
pub fn openalex_id(raw: &str, letter: char) -> Option<String> {
    let s = raw
        .trim()
        .trim_start_matches("https://openalex.org/")
        .trim_start_matches("http://openalex.org/");
    let mut chars = s.chars();
    let first = chars.next()?.to_ascii_uppercase();
    (first == letter && s.len() > 1 && chars.all(|c| c.is_ascii_digit()))
        .then(|| format!("{}{}", first, &s[1..]))
}

/// DOI prefixes of preprint servers: a work with such a DOI is a preprint.
const PREPRINT_DOI_PREFIXES: [&str; 7] = [
    "10.48550/",
    "10.1101/",
    "10.31219/",
    "10.2139/ssrn",
    "10.20944/preprints",
    "10.21203/rs",
    "10.31234/",
];

/// Venue names that mean "not yet published elsewhere".
fn preprint_venue(v: &str) -> bool {
    let v = v.trim().to_ascii_lowercase();
    v == "corr"
        || v.starts_with("arxiv")
        || v == "biorxiv"
        || v == "medrxiv"
        || v.starts_with("ssrn")
}

/// Whether a record describes a preprint rather than a published version:
/// its type says so, its DOI is a preprint server's, or it has only an
/// arXiv id and an arXiv-like venue (DBLP files arXiv papers as CoRR).
pub fn is_preprint(
    kind: &str,
    doi: Option<&str>,
    arxiv: Option<&str>,
    venue: Option<&str>,
) -> bool {
    if kind == "preprint" {
        return true;
    }
    match doi {
        Some(d) => PREPRINT_DOI_PREFIXES
            .iter()
            .any(|p| d.to_ascii_lowercase().starts_with(p)),
        None => arxiv.is_some() && venue.is_none_or(preprint_venue),
    }
}

/// A title folded for matching: letters and digits only, lower-case,
/// accents removed, so that capitalisation and punctuation differences
/// between sources do not matter.
pub fn title_key(title: &str) -> String {
    crate::text::fold_text(title).replace(' ', "")
}

/// The family name folded for matching (hyphens and accents removed).
pub fn family_key(family: &str) -> String {
    fold_name(family).replace(' ', "")
}

/// A work id from its title: the slug, cut at a word boundary near 60
/// characters so URLs stay readable.
pub fn id_from_title(title: &str) -> String {
    let slug = crate::text::slugify(title);
    if slug.is_empty() {
        return "work".into();
    }
    if slug.len() <= 60 {
        return slug;
    }
    match slug[..60].rfind('-') {
        Some(i) if i > 20 => slug[..i].to_string(),
        _ => slug[..60].trim_end_matches('-').to_string(),
    }
}

/// Whether two given-name strings can be the same person's: the first
/// names agree, or one is the other's initial. Middle names are ignored
/// ("Mark" and "Mark A." agree; "M." and "Mark" agree; "Mary" and "Mark" do not).
pub fn given_compatible(a: &str, b: &str) -> bool {
    let (a, b) = (fold_name(a), fold_name(b));
    let (Some(x), Some(y)) = (
        a.split(' ').next().filter(|s| !s.is_empty()),
        b.split(' ').next().filter(|s| !s.is_empty()),
    ) else {
        return true;
    };
    x == y || (x.len() == 1 && y.starts_with(x)) || (y.len() == 1 && x.starts_with(y))
}

/// Maps a source's type name to ours; unknown names become `other`.
pub fn work_type(source_type: &str) -> &'static str {
    let t = source_type.trim().to_ascii_lowercase().replace('_', "-");
    match t.as_str() {
        "article" | "journal-article" | "article-journal" | "review" | "letter" | "editorial"
        | "magazine-article" | "article-magazine" | "newspaper-article" | "article-newspaper" => {
            "article"
        }
        "inproceedings"
        | "conference"
        | "conference-paper"
        | "paper-conference"
        | "proceedings-article"
        | "conference-abstract"
        | "conference-poster"
        | "lecture-speech" => "conference-paper",
        "preprint" | "posted-content" | "working-paper" | "unpublished" => "preprint",
        "book" | "monograph" | "edited-book" | "mvbook" | "proceedings" => "book",
        "incollection" | "inbook" | "chapter" | "book-chapter" | "book-section" | "book-part"
        | "reference-entry" => "chapter",
        "phdthesis" | "mastersthesis" | "thesis" | "dissertation" | "dissertation-thesis" => {
            "thesis"
        }
        "dataset" | "data-set" | "data" => "dataset",
        "software" | "software-code" => "software",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_normalise() {
        assert_eq!(
            arxiv_id("arXiv:1804.07832v2").as_deref(),
            Some("1804.07832")
        );
        assert_eq!(
            arxiv_id("http://arxiv.org/abs/1906.09302").as_deref(),
            Some("1906.09302")
        );
        assert_eq!(
            arxiv_id("hep-th/9901001").as_deref(),
            Some("hep-th/9901001")
        );
        assert_eq!(arxiv_id("not an id"), None);
        assert_eq!(
            arxiv_from_doi("10.48550/arXiv.2205.01833").as_deref(),
            Some("2205.01833")
        );
        assert_eq!(
            doi_key("https://doi.org/10.7717/PeerJ.4375").as_deref(),
            Some("10.7717/peerj.4375")
        );
        assert_eq!(
            openalex_id("https://openalex.org/W2741809807", 'W').as_deref(),
            Some("W2741809807")
        );
        assert_eq!(openalex_id("https://openalex.org/A5023888391", 'W'), None);
    }

    #[test]
    fn names_and_titles() {
        let p = Person::from_display("Hasegawa-Johnson, Mark A.");
        assert_eq!(
            (p.given.as_str(), p.family.as_str()),
            ("Mark A.", "Hasegawa-Johnson")
        );
        assert_eq!(
            Person::from_display("Arfon M Smith").display(),
            "Arfon M Smith"
        );
        assert!(given_compatible("Mark", "Mark A."));
        assert!(given_compatible("M. A.", "Mark"));
        assert!(!given_compatible("Mary", "Mark"));
        assert_eq!(
            family_key("Hasegawa-Johnson"),
            family_key("Hasegawa Johnson")
        );
        assert_eq!(
            title_key("Normal Forms for Planar, Connected String Diagrams"),
            title_key("Normal forms for planar connected string diagrams")
        );
        assert_eq!(
            id_from_title("Unsupervised Cross-lingual Representation Learning at Scale"),
            "unsupervised-cross-lingual-representation-learning-at-scale"
        );
        assert!(id_from_title(&"word ".repeat(40)).len() <= 60);
    }

    #[test]
    fn preprints() {
        assert!(is_preprint(
            "article",
            None,
            Some("1804.07832"),
            Some("CoRR")
        ));
        assert!(is_preprint(
            "other",
            Some("10.48550/arXiv.2205.01833"),
            None,
            None
        ));
        assert!(!is_preprint(
            "article",
            Some("10.7717/peerj.4375"),
            None,
            Some("PeerJ")
        ));
        assert!(!is_preprint(
            "article",
            None,
            Some("1804.07832"),
            Some("Journal of Logic")
        ));
    }
}
