//! Matching and merging: each imported entry becomes a new work, is merged
//! into the work it describes, or is linked to it as another version.
//!
//! The rule (docs/import.md): two records are the same work when they
//! share a DOI, or share an arXiv id, OpenAlex id, ORCID put-code or
//! normalised title + year + first author's family name, and neither has
//! a different DOI and both are preprints or both are not. A preprint and
//! a published record that match in any of these ways are versions of
//! each other: both are kept and each lists the other under `versions`.
//! A match with a hand-written work leaves the hand-written work as it is
//! and skips the entry (hand-written wins).

use super::entry::{
    arxiv_from_doi, arxiv_id, doi_key, family_key, id_from_title, is_preprint, title_key, Entry,
    InstitutionRef, Person, Read,
};
use super::people::{Known, Link, People, Tally};
use super::store::{
    read_jsonl, to_jsonl, StoredAuthor, StoredInstitution, StoredResearcher, StoredWork,
};
use super::{Error, Format, Options};
use crate::diag::Diagnostics;
use crate::load::records::RawWork;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt::Write;
use std::path::Path;

const INSTITUTIONS_FILE: &str = "content/institutions/imported-openalex.jsonl";
const RESEARCHERS_FILE: &str = "content/researchers/imported.jsonl";

/// The site as import finds it.
pub struct Site {
    /// Hand-written works, as records to match against, with their place.
    hand: Vec<(StoredWork, String)>,
    /// Import-owned works by format.
    imported: Vec<(Format, StoredWork)>,
    researchers: Vec<Known>,
    imported_researchers: Vec<StoredResearcher>,
    /// Every institution id in use, with its ROR where known.
    institutions: Vec<(String, Option<String>)>,
    imported_institutions: Vec<StoredInstitution>,
}

impl Site {
    pub fn load(root: &Path) -> Result<Site, Error> {
        let owned = |rel: &str| {
            rel == RESEARCHERS_FILE
                || rel == INSTITUTIONS_FILE
                || Format::ALL.iter().any(|f| f.works_file() == rel)
        };
        // The import-owned files are read below, in the form import writes;
        // the load stage reads only what was written by hand.
        let (mut sources, mut diags) = crate::source::discover(root);
        sources.files.retain(|f| !owned(&f.rel));
        let (raw, parse_diags) = crate::load::parse(&sources);
        diags.extend(parse_diags);
        let mut diags: Diagnostics = diags
            .into_iter()
            .filter(|d| d.is_error())
            .collect::<Vec<_>>()
            .into();
        let mut imported = Vec::new();
        for f in Format::ALL {
            let rel = f.works_file();
            match read_jsonl::<StoredWork>(&root.join(&rel), &rel) {
                Ok(v) => imported.extend(v.into_iter().map(|w| (f, w))),
                Err(d) => diags.push(d),
            }
        }
        let imported_researchers = read_jsonl(&root.join(RESEARCHERS_FILE), RESEARCHERS_FILE)
            .unwrap_or_else(|d| {
                diags.push(d);
                Vec::new()
            });
        let imported_institutions = read_jsonl(&root.join(INSTITUTIONS_FILE), INSTITUTIONS_FILE)
            .unwrap_or_else(|d| {
                diags.push(d);
                Vec::new()
            });
        if diags.has_errors() {
            return Err(Error::Invalid(diags));
        }
        let researchers: Vec<Known> = raw
            .researchers
            .iter()
            .map(|r| Known {
                id: r.id.clone(),
                name: r.raw.name.trim().to_string(),
                aliases: r.raw.aliases.clone(),
                orcid: r
                    .raw
                    .orcid
                    .as_deref()
                    .and_then(|o| crate::text::normalise_orcid(o).ok()),
            })
            .chain(
                imported_researchers
                    .iter()
                    .map(|r: &StoredResearcher| Known {
                        id: r.id.clone(),
                        name: r.name.clone(),
                        aliases: r.aliases.clone(),
                        orcid: r.orcid.clone(),
                    }),
            )
            .collect();
        let names: HashMap<&str, &str> = researchers
            .iter()
            .map(|k| (k.id.as_str(), k.name.as_str()))
            .collect();
        let hand = raw
            .works
            .iter()
            .map(|w| {
                (
                    project(&w.id, &w.raw, &names),
                    format!("{}:{}", raw.files[w.origin.file as usize], w.origin.line),
                )
            })
            .collect();
        let institutions = raw
            .institutions
            .iter()
            .map(|i| (i.id.clone(), i.raw.ror.as_deref().map(bare_ror)))
            .chain(
                imported_institutions
                    .iter()
                    .map(|i: &StoredInstitution| (i.id.clone(), i.ror.clone())),
            )
            .collect();
        Ok(Site {
            hand,
            imported,
            researchers,
            imported_researchers,
            institutions,
            imported_institutions,
        })
    }

    pub fn has_researcher(&self, id: &str) -> bool {
        self.researchers.iter().any(|r| r.id == id)
    }
}

/// A hand-written work as a record to match against. Linked authors are
/// shown by their researcher's name, so the title key sees a family name.
fn project(id: &str, w: &RawWork, names: &HashMap<&str, &str>) -> StoredWork {
    StoredWork {
        id: id.to_string(),
        title: w.title.clone(),
        kind: w.kind.clone().unwrap_or_else(|| "other".into()),
        year: w.year,
        venue: w.venue.clone(),
        doi: w.doi.clone(),
        ids: w.ids.clone().unwrap_or_default(),
        authors: w
            .authors
            .iter()
            .map(|a| StoredAuthor {
                id: a.id.clone(),
                name: a.name.clone().or_else(|| {
                    a.id.as_deref()
                        .and_then(|i| names.get(i))
                        .map(|n| n.to_string())
                }),
                orcid: a.orcid.clone(),
                institutions: Vec::new(),
            })
            .collect(),
        ..Default::default()
    }
}

fn bare_ror(r: &str) -> String {
    r.trim()
        .trim_start_matches("https://ror.org/")
        .to_ascii_lowercase()
}

/// The institutions in use, found by ROR, or by name for imported ones
/// without a ROR: one lookup per authorship however many there are.
struct InstitutionIndex {
    ids: HashSet<String>,
    by_ror: HashMap<String, String>,
    by_name: HashMap<String, String>,
}

impl InstitutionIndex {
    fn new(all: &[(String, Option<String>)], imported: &[StoredInstitution]) -> Self {
        let mut ix = InstitutionIndex {
            ids: HashSet::new(),
            by_ror: HashMap::new(),
            by_name: HashMap::new(),
        };
        for (id, ror) in all {
            ix.ids.insert(id.clone());
            if let Some(r) = ror {
                ix.by_ror.entry(r.clone()).or_insert_with(|| id.clone());
            }
        }
        for i in imported.iter().filter(|i| i.ror.is_none()) {
            ix.by_name
                .entry(i.name.clone())
                .or_insert_with(|| i.id.clone());
        }
        ix
    }

    fn find(&self, ror: Option<&str>, name: &str) -> Option<&str> {
        match ror {
            Some(r) => self.by_ror.get(r),
            None => self.by_name.get(name),
        }
        .map(String::as_str)
    }

    fn add(&mut self, id: &str, ror: Option<&str>, name: &str) {
        self.ids.insert(id.to_string());
        match ror {
            Some(r) => self.by_ror.insert(r.to_string(), id.to_string()),
            None => self.by_name.insert(name.to_string(), id.to_string()),
        };
    }
}

/// A name-only author across the imported works, for `--create-researchers`.
#[derive(Default)]
struct NameOnly {
    /// (work, author position) of each authorship.
    places: Vec<(usize, usize)>,
    /// Each spelling with how often it is used.
    spellings: BTreeMap<String, usize>,
    orcid: Option<String>,
}

/// A work in the merge table.
struct Work {
    rec: StoredWork,
    /// The import file that holds it; `None` for a hand-written work.
    owner: Option<Format>,
    /// Where a hand-written work is written, for the conflict report.
    place: String,
}

/// How an entry met an existing work.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Key {
    Doi,
    Arxiv,
    Openalex,
    PutCode,
    Title,
}

impl Key {
    fn label(self) -> &'static str {
        match self {
            Key::Doi => "DOI",
            Key::Arxiv => "arXiv id",
            Key::Openalex => "OpenAlex id",
            Key::PutCode => "ORCID put-code",
            Key::Title => "title, year and first author",
        }
    }
}

pub struct Merge<'o> {
    opts: &'o Options,
    works: Vec<Work>,
    index: HashMap<String, Vec<usize>>,
    taken_ids: BTreeSet<String>,
    people: People,
    new_researchers: Vec<StoredResearcher>,
    institutions: InstitutionIndex,
    new_institutions: Vec<StoredInstitution>,
    /// Institutions first named in this run: dropped again if only a
    /// skipped entry named them.
    institutions_this_run: BTreeSet<String>,
    // Report.
    read: Vec<(String, usize, usize)>,
    added: usize,
    merged: Vec<(String, String, Key)>,
    versions: Vec<(String, String)>,
    skipped: Vec<String>,
    tally: Tally,
    not_named: Vec<String>,
    created: Vec<(String, usize)>,
}

impl<'o> Merge<'o> {
    pub fn new(site: Site, opts: &'o Options) -> Merge<'o> {
        let mut m = Merge {
            opts,
            works: Vec::new(),
            index: HashMap::new(),
            taken_ids: BTreeSet::new(),
            people: People::new(site.researchers, opts.researcher.as_deref()),
            new_researchers: site.imported_researchers,
            institutions: InstitutionIndex::new(&site.institutions, &site.imported_institutions),
            new_institutions: site.imported_institutions,
            institutions_this_run: BTreeSet::new(),
            read: Vec::new(),
            added: 0,
            merged: Vec::new(),
            versions: Vec::new(),
            skipped: Vec::new(),
            tally: Tally::default(),
            not_named: Vec::new(),
            created: Vec::new(),
        };
        for (rec, place) in site.hand {
            m.push(Work {
                rec,
                owner: None,
                place,
            });
        }
        for (f, rec) in site.imported {
            m.push(Work {
                rec,
                owner: Some(f),
                place: String::new(),
            });
        }
        m
    }

    fn push(&mut self, w: Work) -> usize {
        let i = self.works.len();
        for k in keys(&w.rec, &self.people) {
            self.index.entry(k.1).or_default().push(i);
        }
        self.taken_ids.insert(w.rec.id.clone());
        self.works.push(w);
        i
    }

    pub fn read_file(&mut self, file: &str, read: &Read) {
        self.read
            .push((file.to_string(), read.records, read.errors.len()));
        for d in &read.errors {
            self.skipped
                .push(format!("{}: {}", d.location(), d.message));
        }
        for e in &read.entries {
            self.entry(e);
        }
    }

    fn entry(&mut self, e: &Entry) {
        let rec = self.record(e);
        let keys = keys(&rec, &self.people);
        let has_family = rec
            .authors
            .first()
            .and_then(|a| first_family(a, &self.people))
            .is_some();
        let mut related: Vec<usize> = Vec::new();
        for (key, k) in &keys {
            let Some(hits) = self.index.get(k) else {
                continue;
            };
            for &c in hits.clone().iter() {
                // Title and year alone match only where a first author is missing.
                let other = &self.works[c].rec;
                if k.starts_with("ty:")
                    && has_family
                    && other
                        .authors
                        .first()
                        .and_then(|a| first_family(a, &self.people))
                        .is_some()
                {
                    continue;
                }
                if same_work(&rec, &self.works[c].rec) {
                    self.merge(e, rec, c, *key);
                    return;
                }
                if !related.contains(&c) {
                    related.push(c);
                }
            }
        }
        for d in &e.version_dois {
            if let Some(hits) = doi_key(d).and_then(|d| self.index.get(&format!("doi:{}", d))) {
                for &c in hits {
                    if !related.contains(&c) {
                        related.push(c);
                    }
                }
            }
        }
        let n = self.add(rec);
        for c in related {
            self.link_versions(n, c);
        }
    }

    /// Builds the stored record of an entry, linking its authors.
    fn record(&mut self, e: &Entry) -> StoredWork {
        let (links, named) = self.people.link(&e.authors);
        if !named {
            let id = self.opts.researcher.as_deref().unwrap_or_default();
            self.not_named
                .push(format!("{} \"{}\" does not name `{}`", e.at, e.title, id));
        }
        let authors = e
            .authors
            .iter()
            .zip(links)
            // An unnamed record owner that links to nobody says nothing.
            .filter(|(p, l)| !p.display().is_empty() || matches!(l, Link::Researcher(_)))
            .map(|(p, l)| {
                let institutions = p.institutions.iter().map(|i| self.institution(i)).collect();
                match l {
                    Link::Researcher(r) => {
                        *self
                            .tally
                            .linked
                            .entry(self.people.known[r].id.clone())
                            .or_default() += 1;
                        StoredAuthor {
                            id: Some(self.people.known[r].id.clone()),
                            institutions,
                            ..Default::default()
                        }
                    }
                    other => {
                        if let Link::Ambiguous(rs) = other {
                            self.tally.ambiguous.insert(
                                p.display(),
                                rs.iter()
                                    .map(|&r| self.people.known[r].id.clone())
                                    .collect(),
                            );
                        }
                        self.tally.name_only += 1;
                        StoredAuthor {
                            name: Some(p.display()),
                            orcid: p.orcid.clone(),
                            institutions,
                            id: None,
                        }
                    }
                }
            })
            .collect();
        let doi = e
            .doi
            .as_deref()
            .and_then(|d| crate::text::normalise_doi(d).ok());
        let mut ids = e.ids.clone();
        if ids.arxiv.is_none() {
            ids.arxiv = doi.as_deref().and_then(arxiv_from_doi);
        }
        // A record that is a preprint by the matching rule says so on the page.
        let kind = if e.kind != "preprint"
            && matches!(e.kind, "article" | "other")
            && is_preprint(
                e.kind,
                doi.as_deref(),
                ids.arxiv.as_deref(),
                e.venue.as_deref(),
            ) {
            "preprint"
        } else {
            e.kind
        };
        StoredWork {
            id: String::new(),
            title: e.title.clone(),
            kind: kind.to_string(),
            year: e.year,
            month: e.month,
            venue: e.venue.clone(),
            doi,
            url: e
                .url
                .clone()
                .filter(|u| crate::text::check_link(u).is_ok() && !u.starts_with("mailto:")),
            ids,
            authors,
            authors_truncated: e.authors_truncated,
            abstract_: e.abstract_.clone(),
            sources: e.sources.clone(),
            versions: Vec::new(),
        }
    }

    /// The id of an institution named on an authorship: an existing one
    /// with the same ROR, or one imported before under the same name, or a
    /// new record.
    fn institution(&mut self, i: &InstitutionRef) -> String {
        let ror = i.ror.as_deref().map(bare_ror);
        if let Some(id) = self.institutions.find(ror.as_deref(), &i.name) {
            return id.to_string();
        }
        let base = crate::text::slugify(&i.name);
        let base = if base.is_empty() {
            "institution".to_string()
        } else {
            base
        };
        let id = unique_id(&base, |c| self.institutions.ids.contains(c));
        self.institutions.add(&id, ror.as_deref(), &i.name);
        self.institutions_this_run.insert(id.clone());
        self.new_institutions.push(StoredInstitution {
            id: id.clone(),
            name: i.name.clone(),
            country: i.country.clone(),
            ror,
        });
        id
    }

    fn add(&mut self, mut rec: StoredWork) -> usize {
        let base = id_from_title(&rec.title);
        rec.id = unique_id(&base, |c| self.taken_ids.contains(c));
        self.added += 1;
        self.push(Work {
            rec,
            owner: Some(self.opts.format),
            place: String::new(),
        })
    }

    fn merge(&mut self, e: &Entry, rec: StoredWork, into: usize, key: Key) {
        let w = &mut self.works[into];
        if w.owner.is_none() {
            self.skipped.push(format!(
                "{} \"{}\": the same work as hand-written `{}` ({}), matched by {}; hand-written wins",
                e.at,
                e.title,
                w.rec.id,
                w.place,
                key.label()
            ));
            return;
        }
        let before: Vec<String> = keys(&w.rec, &self.people)
            .into_iter()
            .map(|k| k.1)
            .collect();
        merge_fields(&mut w.rec, rec);
        let id = w.rec.id.clone();
        for (_, k) in keys(&self.works[into].rec, &self.people) {
            if !before.contains(&k) {
                self.index.entry(k).or_default().push(into);
            }
        }
        self.merged.push((e.at.clone(), id, key));
    }

    fn link_versions(&mut self, a: usize, b: usize) {
        let (ida, idb) = (self.works[a].rec.id.clone(), self.works[b].rec.id.clone());
        if ida == idb {
            return;
        }
        for (x, other) in [(a, &idb), (b, &ida)] {
            let w = &mut self.works[x];
            if w.owner.is_some() && !w.rec.versions.contains(other) {
                w.rec.versions.push(other.clone());
                w.rec.versions.sort();
            }
        }
        self.versions.push((ida, idb));
    }

    /// Creates researchers for name-only authors on at least `n` imported
    /// works (grouped by ORCID, else by folded name) and links them.
    pub fn create_researchers(&mut self, n: usize) {
        let mut groups: BTreeMap<String, NameOnly> = BTreeMap::new();
        for (w, work) in self.works.iter().enumerate() {
            if work.owner.is_none() {
                continue;
            }
            for (p, a) in work.rec.authors.iter().enumerate() {
                let (Some(name), None) = (&a.name, &a.id) else {
                    continue;
                };
                let key = a
                    .orcid
                    .clone()
                    .unwrap_or_else(|| crate::text::fold_name(name));
                let g = groups.entry(key).or_default();
                g.places.push((w, p));
                *g.spellings.entry(name.clone()).or_default() += 1;
                if g.orcid.is_none() {
                    g.orcid = a.orcid.clone();
                }
            }
        }
        for (
            _,
            NameOnly {
                places,
                spellings,
                orcid,
            },
        ) in groups
        {
            let works: BTreeSet<usize> = places.iter().map(|&(w, _)| w).collect();
            if works.len() < n {
                continue;
            }
            // The most frequent spelling names the researcher; ties go to the longest.
            let name = spellings
                .iter()
                .max_by(|a, b| {
                    a.1.cmp(b.1)
                        .then(a.0.len().cmp(&b.0.len()))
                        .then(b.0.cmp(a.0))
                })
                .map(|(s, _)| s.clone())
                .unwrap_or_default();
            let base = crate::text::slugify(&name);
            let id = unique_id(if base.is_empty() { "researcher" } else { &base }, |c| {
                self.people.get(c).is_some()
            });
            let aliases: Vec<String> = spellings.keys().filter(|s| **s != name).cloned().collect();
            self.people.add(Known {
                id: id.clone(),
                name: name.clone(),
                aliases: aliases.clone(),
                orcid: orcid.clone(),
            });
            self.new_researchers.push(StoredResearcher {
                id: id.clone(),
                name,
                aliases,
                orcid,
                affiliations: Vec::new(),
            });
            for &(w, p) in &places {
                let a = &mut self.works[w].rec.authors[p];
                a.id = Some(id.clone());
                a.name = None;
                a.orcid = None;
            }
            self.created.push((id, works.len()));
        }
    }

    /// The import-owned files and their new contents.
    pub fn files(&self) -> Vec<(String, Vec<u8>)> {
        let mut out = Vec::new();
        for f in Format::ALL {
            let mut recs: Vec<&StoredWork> = self
                .works
                .iter()
                .filter(|w| w.owner == Some(f))
                .map(|w| &w.rec)
                .collect();
            recs.sort_by(|a, b| a.id.cmp(&b.id));
            if !recs.is_empty() {
                out.push((f.works_file(), to_jsonl(&recs)));
            }
        }
        let used: BTreeSet<&str> = self
            .works
            .iter()
            .flat_map(|w| {
                w.rec
                    .authors
                    .iter()
                    .flat_map(|a| a.institutions.iter().map(String::as_str))
            })
            .collect();
        let mut insts: Vec<StoredInstitution> = self
            .new_institutions
            .iter()
            .filter(|i| used.contains(i.id.as_str()) || !self.institutions_this_run.contains(&i.id))
            .cloned()
            .collect();
        insts.sort_by(|a, b| a.id.cmp(&b.id));
        if !insts.is_empty() {
            out.push((INSTITUTIONS_FILE.to_string(), to_jsonl(&insts)));
        }
        let mut rs = self.new_researchers.clone();
        rs.sort_by(|a, b| a.id.cmp(&b.id));
        if !rs.is_empty() {
            out.push((RESEARCHERS_FILE.to_string(), to_jsonl(&rs)));
        }
        out
    }

    pub fn report(&self, files: &[(String, Vec<u8>)], written: &[String], dry_run: bool) -> String {
        let mut s = String::new();
        let fmt = self.opts.format.name();
        for (file, records, errors) in &self.read {
            let _ = writeln!(
                s,
                "read {} ({}): {} entries, {} with errors",
                file, fmt, records, errors
            );
        }
        let _ = writeln!(
            s,
            "works: {} added, {} merged, {} version links, {} skipped",
            self.added,
            self.merged.len(),
            self.versions.len(),
            self.skipped.len()
        );
        let mut by_key: BTreeMap<Key, usize> = BTreeMap::new();
        for (_, _, k) in &self.merged {
            *by_key.entry(*k).or_default() += 1;
        }
        for (k, n) in &by_key {
            let _ = writeln!(s, "  merged by {}: {}", k.label(), n);
        }
        for (at, id, k) in &self.merged {
            let _ = writeln!(s, "  merged {} into `{}` (same {})", at, id, k.label());
        }
        for (a, b) in &self.versions {
            let _ = writeln!(s, "  versions: `{}` and `{}` (a preprint and its publication, or two DOIs of one title)", a, b);
        }
        for k in &self.skipped {
            let _ = writeln!(s, "  skipped {}", k);
        }
        let linked: usize = self.tally.linked.values().sum();
        let _ = writeln!(
            s,
            "authors: {} linked to researchers, {} name-only co-authors",
            linked, self.tally.name_only
        );
        for (id, n) in &self.tally.linked {
            let _ = writeln!(s, "  `{}`: {} works", id, n);
        }
        for (name, ids) in &self.tally.ambiguous {
            let _ = writeln!(s, "  ambiguous: \"{}\" could be {}; left unlinked (write {{ id }} in a hand-written record to choose)", name, ids.join(", "));
        }
        if let Some(r) = &self.opts.researcher {
            let _ = writeln!(
                s,
                "--researcher {}: {} entries do not name them (imported without the link)",
                r,
                self.not_named.len()
            );
            for n in &self.not_named {
                let _ = writeln!(s, "  {}", n);
            }
        }
        for (id, n) in &self.created {
            let _ = writeln!(s, "created researcher `{}` (on {} imported works)", id, n);
        }
        for (rel, _) in files {
            let state = if dry_run {
                "not written (--dry-run)"
            } else if written.contains(rel) {
                "written"
            } else {
                "unchanged"
            };
            let _ = writeln!(s, "{}: {}", rel, state);
        }
        s
    }
}

/// The keys a work is found by, in matching order.
fn keys(w: &StoredWork, people: &People) -> Vec<(Key, String)> {
    let mut out = Vec::new();
    if let Some(d) = w.doi.as_deref().and_then(doi_key) {
        out.push((Key::Doi, format!("doi:{}", d)));
    }
    if let Some(a) = w.ids.arxiv.as_deref().and_then(arxiv_id) {
        out.push((Key::Arxiv, format!("arxiv:{}", a)));
    }
    if let Some(o) = &w.ids.openalex {
        out.push((
            Key::Openalex,
            format!("openalex:{}", o.to_ascii_uppercase()),
        ));
    }
    for s in &w.sources {
        if s.starts_with("orcid:") {
            out.push((Key::PutCode, format!("src:{}", s)));
        }
    }
    let t = title_key(&w.title);
    if !t.is_empty() {
        let year = w.year.map_or(String::new(), |y| y.to_string());
        if let Some(f) = w.authors.first().and_then(|a| first_family(a, people)) {
            out.push((Key::Title, format!("t:{}|{}|{}", t, year, f)));
        }
        out.push((Key::Title, format!("ty:{}|{}", t, year)));
    }
    out
}

fn first_family(a: &StoredAuthor, people: &People) -> Option<String> {
    let name = match (&a.name, &a.id) {
        (Some(n), _) => n.clone(),
        (None, Some(id)) => people.get(id)?.name.clone(),
        _ => return None,
    };
    Some(family_key(&Person::from_display(&name).family)).filter(|f| !f.is_empty())
}

/// Same work, not merely a version: no two different DOIs, and both
/// preprints or both not.
fn same_work(a: &StoredWork, b: &StoredWork) -> bool {
    let (da, db) = (
        a.doi.as_deref().and_then(doi_key),
        b.doi.as_deref().and_then(doi_key),
    );
    if let (Some(x), Some(y)) = (&da, &db) {
        return x == y;
    }
    let pre = |w: &StoredWork| {
        is_preprint(
            &w.kind,
            w.doi.as_deref(),
            w.ids.arxiv.as_deref(),
            w.venue.as_deref(),
        )
    };
    pre(a) == pre(b)
}

/// Fills `into` from `new`: each field keeps the more complete value
/// (the longer text, the longer author list), so merging the same record
/// twice changes nothing.
fn merge_fields(into: &mut StoredWork, new: StoredWork) {
    fn longer(a: &mut Option<String>, b: Option<String>) {
        if b.as_ref().map_or(0, |s| s.chars().count()) > a.as_ref().map_or(0, |s| s.chars().count())
        {
            *a = b;
        }
    }
    fn fill<T>(a: &mut Option<T>, b: Option<T>) {
        if a.is_none() {
            *a = b;
        }
    }
    if new.title.chars().count() > into.title.chars().count() {
        into.title = new.title;
    }
    if into.kind == "other" && new.kind != "other" {
        into.kind = new.kind;
    }
    fill(&mut into.year, new.year);
    fill(&mut into.month, new.month);
    longer(&mut into.venue, new.venue);
    fill(&mut into.doi, new.doi);
    fill(&mut into.url, new.url);
    fill(&mut into.ids.arxiv, new.ids.arxiv);
    fill(&mut into.ids.openalex, new.ids.openalex);
    fill(&mut into.ids.pmid, new.ids.pmid);
    fill(&mut into.ids.pmcid, new.ids.pmcid);
    fill(&mut into.ids.isbn, new.ids.isbn);
    longer(&mut into.abstract_, new.abstract_);
    let score = |v: &[StoredAuthor]| {
        (
            v.len(),
            v.iter()
                .filter(|a| a.id.is_some() || a.orcid.is_some())
                .count(),
        )
    };
    if score(&new.authors) > score(&into.authors) {
        let mut authors = new.authors;
        carry_links(&mut authors, &into.authors);
        into.authors = authors;
        into.authors_truncated = new.authors_truncated;
    } else {
        carry_links(&mut into.authors, &new.authors);
    }
    for s in new.sources {
        if !into.sources.contains(&s) {
            into.sources.push(s);
        }
    }
    into.sources.sort();
}

/// Gives authors of `to` the ORCID, researcher link and affiliations that
/// the same person (same family name) has in `from`.
fn carry_links(to: &mut [StoredAuthor], from: &[StoredAuthor]) {
    let fam = |a: &StoredAuthor| {
        a.name
            .as_deref()
            .map(|n| family_key(&Person::from_display(n).family))
    };
    for a in to.iter_mut() {
        let Some(f) = fam(a) else { continue };
        if let Some(b) = from
            .iter()
            .find(|b| fam(b).as_ref() == Some(&f) || (b.id.is_some() && a.id == b.id))
        {
            if a.id.is_none() && b.id.is_some() {
                a.id = b.id.clone();
                a.name = None;
                a.orcid = None;
            } else if a.id.is_none() && a.orcid.is_none() {
                a.orcid = b.orcid.clone();
            }
            if a.institutions.is_empty() {
                a.institutions = b.institutions.clone();
            }
        }
    }
}

/// `base`, or `base-2`, `base-3`, ... whichever is free.
fn unique_id(base: &str, taken: impl Fn(&str) -> bool) -> String {
    if !taken(base) {
        return base.to_string();
    }
    (2..)
        .map(|n| format!("{}-{}", base, n))
        .find(|c| !taken(c))
        .expect("some suffix is free")
}
