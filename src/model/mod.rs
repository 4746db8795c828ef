//! Stage 3, validate: raw records → [`Corpus`]. Owns the rules for ids,
//! references, ranges and author matching. Every problem is collected, so
//! one run reports them all; nothing here panics on any input.

use crate::diag::{edit_distance, Diagnostic, Diagnostics};
use crate::load::kept::KeptWork;
use crate::load::records::*;
use crate::load::{Origin, RawSite, Rec};
use crate::source::Kind;
use crate::text::{check_id, check_link, fold_name, normalise_doi, normalise_orcid};
use rayon::prelude::*;
// Lookups by id and name run once per author of every work.
use foldhash::{HashMap, HashMapExt};
use std::borrow::Cow;
use std::sync::Arc;

pub mod text;

pub const MIN_YEAR: i64 = 1400;
pub const MAX_YEAR: i64 = 2100;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum WorkType {
    Preprint,
    Article,
    ConferencePaper,
    Book,
    Chapter,
    Thesis,
    Dataset,
    Software,
    Other,
}

impl WorkType {
    pub const ALL: [WorkType; 9] = [
        WorkType::Preprint,
        WorkType::Article,
        WorkType::ConferencePaper,
        WorkType::Book,
        WorkType::Chapter,
        WorkType::Thesis,
        WorkType::Dataset,
        WorkType::Software,
        WorkType::Other,
    ];

    pub fn key(self) -> &'static str {
        match self {
            WorkType::Preprint => "preprint",
            WorkType::Article => "article",
            WorkType::ConferencePaper => "conference-paper",
            WorkType::Book => "book",
            WorkType::Chapter => "chapter",
            WorkType::Thesis => "thesis",
            WorkType::Dataset => "dataset",
            WorkType::Software => "software",
            WorkType::Other => "other",
        }
    }

    /// The words shown on pages.
    pub fn label(self) -> &'static str {
        match self {
            WorkType::Preprint => "preprint",
            WorkType::Article => "article",
            WorkType::ConferencePaper => "conference paper",
            WorkType::Book => "book",
            WorkType::Chapter => "book chapter",
            WorkType::Thesis => "thesis",
            WorkType::Dataset => "dataset",
            WorkType::Software => "software",
            WorkType::Other => "other",
        }
    }

    pub fn schema_org(self) -> &'static str {
        match self {
            WorkType::Article | WorkType::Preprint | WorkType::ConferencePaper => {
                "ScholarlyArticle"
            }
            WorkType::Book => "Book",
            WorkType::Chapter => "Chapter",
            WorkType::Thesis => "Thesis",
            WorkType::Dataset => "Dataset",
            WorkType::Software => "SoftwareSourceCode",
            WorkType::Other => "CreativeWork",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Hash)]
pub struct Link {
    pub label: String,
    pub url: String,
}

#[derive(Clone, Debug, Default, PartialEq, Hash)]
pub struct Trust {
    pub score: Option<u8>,
    pub verification: Option<String>,
    pub claimed: Option<bool>,
}

/// `Hash` covers every field a page may show (not where the record was
/// written, see [`Origin`]): pages kept by the digest of what they read
/// rely on it.
#[derive(Debug, PartialEq, Hash)]
pub struct Researcher {
    pub id: String,
    pub name: String,
    pub aliases: Vec<String>,
    pub orcid: Option<String>,
    pub headline: Option<String>,
    pub role: String,
    pub affiliations: Vec<u32>,
    pub open_to_collaborate: bool,
    pub followers: u64,
    pub links: Vec<Link>,
    /// Declared interests, as written.
    pub topics: Vec<String>,
    pub trust: Option<Trust>,
    pub bio: Option<String>,
    pub origin: Origin,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Author {
    Researcher(u32),
    External {
        name: String,
        orcid: Option<String>,
        /// The name folded for matching (see [`fold_name`]), made once
        /// here for every later stage that tells co-authors apart.
        folded: Box<str>,
    },
}

/// `Hash` covers every field a page may show, as for [`Researcher`].
#[derive(Debug, Hash)]
pub struct Work {
    pub id: String,
    pub title: String,
    pub kind: WorkType,
    pub year: Option<u16>,
    pub venue: Option<String>,
    pub doi: Option<String>,
    pub url: Option<String>,
    /// Declared topics, as written.
    pub topics: Vec<String>,
    pub authors: Vec<Author>,
    /// Read with [`Corpus::abstract_of`].
    pub abstract_md: Option<Text>,
    pub month: Option<u8>,
    pub ids: RawIds,
    /// The source listed only the first authors.
    pub authors_truncated: bool,
    pub sources: Vec<String>,
    /// Other versions of this work, as work indices.
    pub versions: Vec<u32>,
    /// (author position, institution) pairs: affiliations given on this work.
    pub author_institutions: Vec<(u32, u32)>,
    pub origin: Origin,
}

#[derive(Debug, Hash)]
pub struct Institution {
    pub id: String,
    pub name: String,
    pub short_name: Option<String>,
    pub country: Option<String>,
    pub url: Option<String>,
    pub ror: Option<String>,
    pub description: Option<String>,
}

#[derive(Debug, PartialEq, Hash)]
pub struct TopicDecl {
    pub id: String,
    pub name: String,
    pub aliases: Vec<String>,
    pub description: Option<String>,
}

/// The validated site data. Every entity list is sorted by id.
#[derive(Debug, Default)]
pub struct Corpus {
    pub files: Vec<String>,
    pub researchers: Vec<Researcher>,
    /// Shared, so a reload keeps the works whose source is unchanged.
    pub works: Vec<Arc<Work>>,
    pub institutions: Vec<Institution>,
    pub topics: Vec<TopicDecl>,
    /// Reads back the texts left in the files.
    pub texts: text::Texts,
}

impl Corpus {
    pub fn file(&self, o: &Origin) -> &str {
        &self.files[o.file as usize]
    }

    /// A work's abstract, read back from its file if it was left there.
    pub fn abstract_of<'a>(&self, w: &'a Work) -> Option<Cow<'a, str>> {
        w.abstract_md
            .as_ref()
            .map(|t| t.get(&self.texts, w.origin.file))
    }
}

struct Ctx<'a> {
    files: &'a [String],
    diags: Diagnostics,
}

impl Ctx<'_> {
    fn at(&self, o: &Origin, field: &str, msg: impl Into<String>) -> Diagnostic {
        Diagnostic::error(&self.files[o.file as usize], msg)
            .line(o.field_line(field))
            .field(field)
    }

    fn err(&mut self, o: &Origin, field: &str, msg: impl Into<String>, help: impl Into<String>) {
        let d = self.at(o, field, msg).help(help);
        self.diags.push(d);
    }

    fn warn(&mut self, o: &Origin, field: &str, msg: impl Into<String>, help: impl Into<String>) {
        let mut d = self.at(o, field, msg).help(help);
        d.severity = crate::diag::Severity::Warning;
        self.diags.push(d);
    }
}

pub fn validate(raw: RawSite) -> (Corpus, Diagnostics) {
    let (corpus, diags, _) = validate_works(raw);
    (corpus, diags)
}

/// A work to check, or one checked by an earlier load. Boxed, so that
/// sorting by id moves small values.
enum Unchecked {
    Raw(Box<RawWork>),
    Kept(KeptWork),
}

/// [`validate`], also giving each work's own diagnostics, in the order
/// of `Corpus::works`, for the next load to keep.
pub fn validate_works(raw: RawSite) -> (Corpus, Diagnostics, Vec<Vec<Diagnostic>>) {
    let RawSite {
        files,
        paths,
        mut researchers,
        works,
        kept,
        mut institutions,
        mut topics,
    } = raw;
    let mut works: Vec<Rec<Unchecked>> = works
        .into_iter()
        .map(|r| Rec {
            origin: r.origin,
            id: r.id,
            raw: Unchecked::Raw(Box::new(r.raw)),
        })
        .chain(kept.into_iter().map(|r| Rec {
            origin: r.origin,
            id: r.id,
            raw: Unchecked::Kept(r.raw),
        }))
        .collect();
    let mut cx = Ctx {
        files: &files,
        diags: Diagnostics::new(),
    };
    check_ids(&mut cx, Kind::Researcher, &mut researchers, |_| false);
    // A kept work's id was checked when it was kept.
    check_ids(&mut cx, Kind::Work, &mut works, |w| {
        matches!(w, Unchecked::Kept(_))
    });
    check_ids(&mut cx, Kind::Institution, &mut institutions, |_| false);
    check_ids(&mut cx, Kind::Topic, &mut topics, |_| false);

    let inst_ids: Vec<String> = institutions.iter().map(|r| r.id.clone()).collect();
    let inst_index: HashMap<&str, u32> = inst_ids
        .iter()
        .enumerate()
        .map(|(i, id)| (id.as_str(), i as u32))
        .collect();
    let researchers: Vec<Researcher> = researchers
        .into_iter()
        .map(|r| researcher(&mut cx, r, &inst_index))
        .collect();
    let institutions: Vec<Institution> = institutions
        .into_iter()
        .map(|r| institution(&mut cx, r))
        .collect();
    let topics: Vec<TopicDecl> = topics.into_iter().map(|r| topic(&mut cx, r)).collect();

    let matcher = AuthorMatcher::new(&mut cx, &researchers);
    // Only sites that link versions pay for an index of work ids.
    let links_versions = |w: &Rec<Unchecked>| match &w.raw {
        Unchecked::Raw(raw) => !raw.versions.is_empty(),
        Unchecked::Kept(_) => false,
    };
    let work_index: HashMap<String, u32> = if works.iter().any(links_versions) {
        works
            .iter()
            .enumerate()
            .map(|(i, w)| (w.id.clone(), i as u32))
            .collect()
    } else {
        HashMap::new()
    };
    let refs = Refs {
        institutions: &inst_index,
        works: &work_index,
    };
    // Works are most of the data, and each is checked on its own: in
    // parallel, each with its own diagnostics, gathered in input order.
    let checked: Vec<(Arc<Work>, Vec<Diagnostic>)> = works
        .into_par_iter()
        .map(|w| match w.raw {
            Unchecked::Kept(k) => (k.work, k.warnings),
            Unchecked::Raw(raw) => {
                let mut own = Ctx {
                    files: &files,
                    diags: Diagnostics::new(),
                };
                let rec = Rec {
                    origin: w.origin,
                    id: w.id,
                    raw: *raw,
                };
                let w = work(&mut own, rec, &matcher, &refs);
                (Arc::new(w), own.diags.into_iter().collect())
            }
        })
        .collect();
    let mut works = Vec::with_capacity(checked.len());
    let mut work_diags = Vec::with_capacity(checked.len());
    for (w, d) in checked {
        works.push(w);
        cx.diags.extend(d.iter().cloned());
        work_diags.push(d);
    }
    drop(matcher);
    drop(inst_index);
    let diags = cx.diags;
    (
        Corpus {
            texts: text::Texts::new(files.iter().cloned().zip(paths).collect()),
            files,
            researchers,
            works,
            institutions,
            topics,
        },
        diags,
        work_diags,
    )
}

/// Checks id syntax and uniqueness, and sorts by id: the canonical order
/// that every later stage relies on.
fn check_ids<T>(cx: &mut Ctx, kind: Kind, recs: &mut Vec<Rec<T>>, checked: impl Fn(&T) -> bool) {
    recs.retain(|r| {
        let valid = if checked(&r.raw) {
            Ok(())
        } else {
            check_id(&r.id)
        };
        match valid {
            Ok(()) => true,
            Err(msg) => {
                let d = cx.at(&r.origin, "id", msg).help(format!(
                    "rename the file or set `id` to lower-case letters, digits and `-`, e.g. `{}`",
                    suggest_id(&r.id)
                ));
                cx.diags.push(d);
                false
            }
        }
    });
    recs.sort_by(|a, b| {
        a.id.cmp(&b.id)
            .then(a.origin.file.cmp(&b.origin.file))
            .then(a.origin.line.cmp(&b.origin.line))
    });
    // Sorted by id, a duplicate follows the first of its id.
    let mut first_of = 0;
    let mut duplicate = vec![false; recs.len()];
    for i in 1..recs.len() {
        if recs[i].id == recs[first_of].id {
            duplicate[i] = true;
            let first = &recs[first_of].origin;
            let place = format!("{}:{}", cx.files[first.file as usize], first.line);
            let d = cx
                .at(
                    &recs[i].origin,
                    "id",
                    format!(
                        "duplicate {} id `{}`, first defined at {}",
                        kind.noun(),
                        recs[i].id,
                        place
                    ),
                )
                .help(
                    "ids must be unique per kind across all files; rename or remove one of the two",
                );
            cx.diags.push(d);
        } else {
            first_of = i;
        }
    }
    let mut i = 0;
    recs.retain(|_| {
        i += 1;
        !duplicate[i - 1]
    });
}

fn suggest_id(bad: &str) -> String {
    let s = crate::text::slugify(bad);
    if s.is_empty() {
        "my-id".into()
    } else {
        s
    }
}

fn nonempty(cx: &mut Ctx, o: &Origin, field: &str, v: Option<String>) -> Option<String> {
    let v = v?;
    let t = v.trim();
    if t.is_empty() {
        cx.err(
            o,
            field,
            format!("`{}` is empty", field),
            "remove the field or give it a value",
        );
        None
    } else {
        Some(t.to_string())
    }
}

fn link_field(cx: &mut Ctx, o: &Origin, field: &str, v: Option<String>) -> Option<String> {
    let v = nonempty(cx, o, field, v)?;
    match check_link(&v) {
        Ok(()) => Some(v),
        Err(msg) => {
            cx.err(
                o,
                field,
                msg,
                "links must start with https://, http:// or mailto:",
            );
            None
        }
    }
}

fn researcher(cx: &mut Ctx, r: Rec<RawResearcher>, inst: &HashMap<&str, u32>) -> Researcher {
    let Rec { origin: o, id, raw } = r;
    let RawResearcher {
        id: _,
        name,
        aliases,
        orcid,
        headline,
        role,
        affiliation,
        affiliations,
        open_to_collaborate,
        followers,
        links,
        topics,
        trust,
        bio,
    } = raw;
    let name = name.trim().to_string();
    if name.is_empty() {
        cx.err(
            &o,
            "name",
            "the name is empty",
            "write the researcher's name as it should appear",
        );
    }
    let orcid = orcid.and_then(|v| match normalise_orcid(&v) {
        Ok(v) => Some(v),
        Err(msg) => {
            cx.err(&o, "orcid", msg, "or remove the field");
            None
        }
    });
    if affiliation.is_some() && !affiliations.is_empty() {
        cx.err(
            &o,
            "affiliation",
            "both `affiliation` and `affiliations` are given",
            "use `affiliations = [...]` for several",
        );
    }
    let mut affs = Vec::new();
    let field = if affiliation.is_some() {
        "affiliation"
    } else {
        "affiliations"
    };
    for a in affiliation.into_iter().chain(affiliations) {
        match inst.get(a.as_str()) {
            Some(&i) if !affs.contains(&i) => affs.push(i),
            Some(_) => {}
            None => cx.err(
                &o,
                field,
                format!("no institution with id `{}`", a),
                format!(
                    "add content/institutions/{}.md (with a `name`), or correct the id",
                    crate::text::slugify(&a)
                ),
            ),
        }
    }
    let followers = match followers {
        None => 0,
        Some(n) if (0..=i64::from(u32::MAX)).contains(&n) => n as u64,
        Some(n) => {
            cx.err(
                &o,
                "followers",
                format!("{} is not a follower count", n),
                "use a whole number of 0 or more",
            );
            0
        }
    };
    let links = links
        .into_iter()
        .enumerate()
        .filter_map(|(i, l)| {
            let f = format!("links[{}]", i);
            match check_link(&l.url) {
                Ok(()) => Some(Link {
                    label: l
                        .label
                        .filter(|s| !s.trim().is_empty())
                        .unwrap_or_else(|| link_label(&l.url)),
                    url: l.url,
                }),
                Err(msg) => {
                    cx.err(
                        &o,
                        &f,
                        msg,
                        "links must start with https://, http:// or mailto:",
                    );
                    None
                }
            }
        })
        .collect();
    let trust = trust.map(|t| {
        let RawTrust {
            score,
            verification,
            claimed,
        } = t;
        let score = score.and_then(|s| {
            if (0..=100).contains(&s) {
                Some(s as u8)
            } else {
                cx.err(
                    &o,
                    "trust",
                    format!("trust score {} is outside 0..100", s),
                    "use a score from 0 to 100",
                );
                None
            }
        });
        let verification = verification.and_then(|v| {
            if matches!(v.as_str(), "L0" | "L1" | "L2" | "L3") {
                Some(v)
            } else {
                cx.err(
                    &o,
                    "trust",
                    format!("verification `{}` is not a level", v),
                    "use one of L0, L1, L2, L3",
                );
                None
            }
        });
        Trust {
            score,
            verification,
            claimed,
        }
    });
    let topics = topics
        .into_iter()
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .collect();
    Researcher {
        id,
        name,
        aliases: aliases
            .into_iter()
            .map(|a| a.trim().to_string())
            .filter(|a| !a.is_empty())
            .collect(),
        orcid,
        headline: nonempty(cx, &o, "headline", headline),
        role: nonempty(cx, &o, "role", role).unwrap_or_else(|| "Researcher".into()),
        affiliations: affs,
        open_to_collaborate: open_to_collaborate.unwrap_or(false),
        followers,
        links,
        topics,
        trust,
        bio: bio.filter(|b| !b.trim().is_empty()),
        origin: o,
    }
}

/// A readable label for a bare link: its host, or the mail address.
fn link_label(url: &str) -> String {
    if let Some(mail) = url.strip_prefix("mailto:") {
        return mail.to_string();
    }
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.split('/')
        .next()
        .unwrap_or(rest)
        .trim_start_matches("www.")
        .to_string()
}

fn institution(cx: &mut Ctx, r: Rec<RawInstitution>) -> Institution {
    let Rec { origin: o, id, raw } = r;
    let RawInstitution {
        id: _,
        name,
        short_name,
        country,
        url,
        ror,
        description,
    } = raw;
    if name.trim().is_empty() {
        cx.err(
            &o,
            "name",
            "the name is empty",
            "write the institution's name",
        );
    }
    let ror = ror.and_then(|r| {
        let bare = r.trim().trim_start_matches("https://ror.org/").to_string();
        if bare.len() == 9 && bare.chars().all(|c| c.is_ascii_alphanumeric()) {
            Some(bare)
        } else {
            cx.err(
                &o,
                "ror",
                format!("`{}` is not a ROR id", r),
                "write it as https://ror.org/03yrm5c26 or 03yrm5c26",
            );
            None
        }
    });
    Institution {
        id,
        name: name.trim().to_string(),
        short_name: nonempty(cx, &o, "short_name", short_name),
        country: nonempty(cx, &o, "country", country),
        url: link_field(cx, &o, "url", url),
        ror,
        description,
    }
}

fn topic(cx: &mut Ctx, r: Rec<RawTopic>) -> TopicDecl {
    let Rec { origin: o, id, raw } = r;
    let RawTopic {
        id: _,
        name,
        aliases,
        description,
    } = raw;
    if name.trim().is_empty() {
        cx.err(&o, "name", "the name is empty", "write the topic's name");
    }
    TopicDecl {
        id,
        name: name.trim().to_string(),
        aliases,
        description,
    }
}

/// Links author names and ORCIDs to researchers.
struct AuthorMatcher<'a> {
    ids: HashMap<&'a str, u32>,
    orcids: HashMap<&'a str, u32>,
    names: HashMap<String, Vec<u32>>,
    researchers: &'a [Researcher],
}

enum Match {
    One(u32),
    None,
    Ambiguous(Vec<u32>),
}

impl<'a> AuthorMatcher<'a> {
    fn new(cx: &mut Ctx, researchers: &'a [Researcher]) -> Self {
        let mut orcids: HashMap<&str, u32> = HashMap::new();
        let mut names: HashMap<String, Vec<u32>> = HashMap::new();
        for (i, r) in researchers.iter().enumerate() {
            let i = i as u32;
            if let Some(o) = &r.orcid {
                if let Some(&prev) = orcids.get(o.as_str()) {
                    let other = &researchers[prev as usize];
                    cx.err(
                        &r.origin,
                        "orcid",
                        format!("ORCID {} is also given to researcher `{}`", o, other.id),
                        "an ORCID iD belongs to one person; remove it from one of them",
                    );
                } else {
                    orcids.insert(o, i);
                }
            }
            for n in std::iter::once(&r.name).chain(&r.aliases) {
                let key = fold_name(n);
                if key.is_empty() {
                    continue;
                }
                let v = names.entry(key).or_default();
                if !v.contains(&i) {
                    v.push(i);
                }
            }
        }
        let ids = researchers
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id.as_str(), i as u32))
            .collect();
        AuthorMatcher {
            ids,
            orcids,
            names,
            researchers,
        }
    }

    /// Researchers with this folded name.
    fn by_name(&self, folded: &str) -> Match {
        match self.names.get(folded).map(Vec::as_slice) {
            None | Some([]) => Match::None,
            Some([one]) => Match::One(*one),
            Some(many) => Match::Ambiguous(many.to_vec()),
        }
    }
}

/// Ids a work may point at: its authors' institutions and its versions.
struct Refs<'a> {
    institutions: &'a HashMap<&'a str, u32>,
    works: &'a HashMap<String, u32>,
}

fn work(cx: &mut Ctx, w: Rec<RawWork>, m: &AuthorMatcher, refs: &Refs) -> Work {
    let Rec { origin: o, id, raw } = w;
    let RawWork {
        id: _,
        title,
        kind,
        year,
        venue,
        doi,
        url,
        topics,
        authors,
        abstract_,
        month,
        ids,
        authors_truncated,
        sources,
        versions,
    } = raw;
    let title = title.trim().to_string();
    if title.is_empty() {
        cx.err(&o, "title", "the title is empty", "write the work's title");
    }
    let kind = match kind.as_deref().map(str::trim) {
        None | Some("") => WorkType::Other,
        Some(k) => match WorkType::ALL.iter().find(|t| t.key() == k) {
            Some(t) => *t,
            None => {
                let best = WorkType::ALL
                    .iter()
                    .min_by_key(|t| edit_distance(k, t.key()))
                    .map_or("other", |t| t.key());
                let all: Vec<&str> = WorkType::ALL.iter().map(|t| t.key()).collect();
                cx.err(
                    &o,
                    "type",
                    format!("unknown work type `{}`", k),
                    format!("did you mean `{}`? types are: {}", best, all.join(", ")),
                );
                WorkType::Other
            }
        },
    };
    let year = year.and_then(|y| {
        if (MIN_YEAR..=MAX_YEAR).contains(&y) {
            Some(y as u16)
        } else {
            cx.err(
                &o,
                "year",
                format!("year {} is out of range", y),
                format!("use a year from {} to {}", MIN_YEAR, MAX_YEAR),
            );
            None
        }
    });
    let doi = doi.and_then(|d| match normalise_doi(&d) {
        Ok(d) => Some(d),
        Err(msg) => {
            cx.err(&o, "doi", msg, "or remove the field");
            None
        }
    });
    let mut resolved = Vec::with_capacity(authors.len());
    let mut author_institutions = Vec::new();
    for (i, mut a) in authors.into_iter().enumerate() {
        let field = format!("authors[{}]", i);
        let mut insts = Vec::new();
        for inst in std::mem::take(&mut a.institutions) {
            match refs.institutions.get(inst.as_str()) {
                Some(&x) => insts.push(x),
                None => cx.err(
                    &o,
                    &format!("{}.institutions", field),
                    format!("no institution with id `{}`", inst),
                    format!(
                        "add content/institutions/{}.md (with a `name`), or correct the id",
                        crate::text::slugify(&inst)
                    ),
                ),
            }
        }
        if let Some(a) = author(cx, &o, &field, a, m) {
            if let Author::Researcher(r) = a {
                if resolved.contains(&a) {
                    cx.warn(
                        &o,
                        &field,
                        format!(
                            "researcher `{}` is listed twice",
                            m.researchers[r as usize].id
                        ),
                        "remove the second entry",
                    );
                    continue;
                }
            }
            // Recorded once the author is kept, so positions match `authors`.
            author_institutions.extend(insts.into_iter().map(|x| (resolved.len() as u32, x)));
            resolved.push(a);
        }
    }
    let month = month.and_then(|mo| {
        if (1..=12).contains(&mo) {
            Some(mo as u8)
        } else {
            cx.err(
                &o,
                "month",
                format!("month {} is not 1 to 12", mo),
                "write the month as a number from 1 to 12, or remove it",
            );
            None
        }
    });
    let mut version_ids = Vec::new();
    for (i, v) in versions.iter().enumerate() {
        match refs.works.get(v.as_str()) {
            Some(&x) if v != &id => version_ids.push(x),
            Some(_) => cx.err(
                &o,
                &format!("versions[{}]", i),
                "a work cannot be a version of itself",
                "remove its own id from `versions`",
            ),
            None => cx.err(
                &o,
                &format!("versions[{}]", i),
                format!("no work with id `{}`", v),
                "list the ids of works under content/works/",
            ),
        }
    }
    Work {
        id,
        title,
        kind,
        year,
        venue: nonempty(cx, &o, "venue", venue),
        doi,
        url: link_field(cx, &o, "url", url),
        topics: topics
            .into_iter()
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
            .collect(),
        authors: resolved,
        abstract_md: abstract_.filter(|a| !a.is_empty()),
        month,
        ids: ids.unwrap_or_default(),
        authors_truncated: authors_truncated.unwrap_or(false),
        sources,
        versions: version_ids,
        author_institutions,
        origin: o,
    }
}

fn author(
    cx: &mut Ctx,
    o: &Origin,
    field: &str,
    a: RawAuthor,
    m: &AuthorMatcher,
) -> Option<Author> {
    let RawAuthor {
        id, name, orcid, ..
    } = a;
    if let Some(id) = id {
        if name.is_some() || orcid.is_some() {
            cx.err(o, field, "an author has `id` and also `name` or `orcid`", "use { id = \"...\" } for a researcher of the site, or { name, orcid } for anyone else");
            return None;
        }
        return match m.ids.get(id.as_str()) {
            Some(&r) => Some(Author::Researcher(r)),
            None => {
                cx.err(o, &format!("{}.id", field), format!("no researcher with id `{}`", id), "add the researcher under content/researchers/, or write the author as { name = \"...\" }");
                None
            }
        };
    }
    let orcid = match orcid.map(|v| normalise_orcid(&v)) {
        Some(Ok(v)) => Some(v),
        Some(Err(msg)) => {
            cx.err(o, &format!("{}.orcid", field), msg, "or remove the ORCID");
            return None;
        }
        None => None,
    };
    if let Some(&r) = orcid.as_deref().and_then(|oc| m.orcids.get(oc)) {
        return Some(Author::Researcher(r));
    }
    let name = name.map(|n| n.trim().to_string()).filter(|n| !n.is_empty());
    let Some(name) = name else {
        cx.err(
            o,
            field,
            "an author has no name",
            "write the author as a name string, { name = \"...\" }, or { id = \"...\" }",
        );
        return None;
    };
    let folded: Box<str> = fold_name(&name).into();
    match m.by_name(&folded) {
        Match::One(r) => {
            // An ORCID that differs from the researcher's is another person.
            let theirs = m.researchers[r as usize].orcid.as_deref();
            if orcid.is_some() && theirs.is_some() && orcid.as_deref() != theirs {
                return Some(Author::External {
                    name,
                    orcid,
                    folded,
                });
            }
            Some(Author::Researcher(r))
        }
        Match::None => Some(Author::External {
            name,
            orcid,
            folded,
        }),
        Match::Ambiguous(rs) => {
            let ids: Vec<&str> = rs
                .iter()
                .map(|&r| m.researchers[r as usize].id.as_str())
                .collect();
            cx.warn(
                o,
                field,
                format!(
                    "author `{}` matches several researchers ({}); left unlinked",
                    name,
                    ids.join(", ")
                ),
                "write { id = \"...\" } to say which one",
            );
            Some(Author::External {
                name,
                orcid,
                folded,
            })
        }
    }
}
