//! Stage 4, compute: [`Corpus`] → [`Derived`], everything the pages show
//! that is not written in the data: each researcher's works, co-authors,
//! topics and counts. Pure and deterministic; each step is linear in the
//! input (see `collaborators` for the bound on huge author lists).

pub mod collaborators;
pub mod graph;
pub mod layout;
pub mod phrase_cache;
pub mod topic_cache;
pub mod topics;

use crate::config::Config;
use crate::markdown::{self, SafeHtml};
use crate::model::{Author, Corpus, Work};
use crate::text::{fold_name, slugify};
pub use collaborators::{CoKey, Collaborator};
use rayon::prelude::*;
use std::collections::HashMap;
use std::sync::Arc;

#[derive(Clone, Debug)]
pub struct TopicInfo {
    pub id: String,
    pub label: String,
    /// Written by someone (a topic file, a work or a researcher), not only extracted.
    pub declared: bool,
    /// Index into `Corpus::topics` when a topic file describes it.
    pub decl: Option<u32>,
    pub works: Vec<u32>,
    /// Researchers with works on the topic, and how many; most first.
    pub researchers: Vec<(u32, u32)>,
}

#[derive(Clone, Copy, Debug, Hash)]
pub struct WorkTopic {
    pub topic: u32,
    pub extracted: bool,
}

#[derive(Clone, Copy, Debug, Hash)]
pub struct ResearcherTopic {
    pub topic: u32,
    pub works: u32,
    /// Listed in the researcher's own `topics`.
    pub declared: bool,
}

#[derive(Debug)]
pub struct Derived {
    /// Per researcher: work indices, newest first, then by title.
    pub works_of: Vec<Vec<u32>>,
    /// Shared, so a recomputation keeps the lists of researchers whose
    /// works did not change.
    pub collaborators: Vec<Arc<[Collaborator]>>,
    pub close: Vec<u32>,
    pub topics: Vec<TopicInfo>,
    pub work_topics: Vec<Vec<WorkTopic>>,
    /// Per researcher: the top topics shown on the profile.
    pub researcher_topics: Vec<Vec<ResearcherTopic>>,
    /// Per institution: affiliated researchers.
    pub members: Vec<Vec<u32>>,
    /// Per institution: works with an author affiliated there, newest first.
    pub institution_works: Vec<Vec<u32>>,
    pub bio_html: Vec<Option<SafeHtml>>,
    pub institution_html: Vec<Option<SafeHtml>>,
    pub topic_html: Vec<Option<SafeHtml>>,
}

/// What `serve` keeps from one computation to speed up the next: the
/// corpus, configuration and results it was computed from, and the topic
/// memo.
pub struct Prior<'a> {
    pub corpus: &'a Corpus,
    pub derived: &'a Derived,
    pub config: &'a Config,
    pub memo: topics::Memo,
}

/// Which researchers' works are as the prior computation saw them.
struct Unchanged<'a> {
    prior: &'a Derived,
    /// Old work index → new, for works that are the same (shared) work.
    new_of: Vec<Option<u32>>,
    /// Per researcher: a work of theirs came, went or changed.
    dirty: Vec<bool>,
}

impl<'a> Unchanged<'a> {
    /// None when the researchers or the settings the per-researcher lists
    /// depend on changed: then every list is computed again.
    fn new(
        p: &Prior<'a>,
        corpus: &Corpus,
        config: &Config,
        old_of: &[Option<u32>],
    ) -> Option<Self> {
        let same_settings = p.config.max_coauthors_per_work == config.max_coauthors_per_work;
        if !same_settings || p.corpus.researchers != corpus.researchers {
            return None;
        }
        let old = p.corpus;
        let mut new_of = vec![None; old.works.len()];
        let mut dirty = vec![false; corpus.researchers.len()];
        let mut mark = |w: &Work| {
            for a in &w.authors {
                if let Author::Researcher(r) = a {
                    dirty[*r as usize] = true;
                }
            }
        };
        for (w, work) in corpus.works.iter().enumerate() {
            match old_of[w] {
                Some(o) if Arc::ptr_eq(&old.works[o as usize], work) => {
                    new_of[o as usize] = Some(w as u32)
                }
                _ => mark(work),
            }
        }
        for (o, work) in old.works.iter().enumerate() {
            if new_of[o].is_none() {
                mark(work);
            }
        }
        Some(Unchanged {
            prior: p.derived,
            new_of,
            dirty,
        })
    }

    /// Researcher r's works as the prior computed them, renumbered.
    fn works_of(&self, r: usize) -> Option<Vec<u32>> {
        if self.dirty[r] {
            return None;
        }
        self.prior.works_of[r]
            .iter()
            .map(|&o| self.new_of[o as usize])
            .collect()
    }

    /// The researchers' bios as the prior rendered them; the researchers
    /// are the same.
    fn bio_html(&self) -> Vec<Option<SafeHtml>> {
        self.prior.bio_html.clone()
    }

    fn collaborators(&self, r: usize) -> Option<Arc<[Collaborator]>> {
        (!self.dirty[r]).then(|| Arc::clone(&self.prior.collaborators[r]))
    }
}

/// For each work of `new`, its index in `old`; both are sorted by id.
fn match_ids(old: &[Arc<Work>], new: &[Arc<Work>]) -> Vec<Option<u32>> {
    let mut o = 0;
    new.iter()
        .map(|w| {
            // Most works are the very same (shared) work as before.
            if o < old.len() && Arc::ptr_eq(&old[o], w) {
                o += 1;
                return Some(o as u32 - 1);
            }
            while o < old.len() && old[o].id < w.id {
                o += 1;
            }
            (o < old.len() && old[o].id == w.id).then_some(o as u32)
        })
        .collect()
}

pub fn compute(corpus: &Corpus, config: &Config) -> Derived {
    compute_with(corpus, config, None, false, None).0
}

/// [`compute`], reusing what `prior` computed for unchanged works; with
/// `keep`, also returns the memo a later call needs; with `caching` (a
/// build), topic extraction reuses the last build's cache file and the
/// memo carries this one's. The result is the same with or without
/// `prior` and `caching`.
pub fn compute_with(
    corpus: &Corpus,
    config: &Config,
    prior: Option<Prior>,
    keep: bool,
    caching: Option<topics::Caching>,
) -> (Derived, topics::Memo) {
    let old_of: Vec<Option<u32>> = match &prior {
        Some(p) => match_ids(&p.corpus.works, &corpus.works),
        None => Vec::new(),
    };
    let unchanged = prior
        .as_ref()
        .and_then(|p| Unchanged::new(p, corpus, config, &old_of));
    // The prior topic tables, if everything they follow from is the same
    // but perhaps the extracted topics (checked once extracted).
    let tables_before = prior
        .as_ref()
        .filter(|p| unchanged.is_some() && topic_inputs_unchanged(p, corpus, config, &old_of))
        .map(|p| p.derived);
    let topic_prior = prior.map(|p| topics::Prior {
        corpus: p.corpus,
        old_of: &old_of,
        memo: p.memo,
    });
    let works_of = works_of(corpus, |r| unchanged.as_ref()?.works_of(r));
    let collaborators =
        collaborators::compute(corpus, &works_of, config.max_coauthors_per_work, |r| {
            unchanged.as_ref()?.collaborators(r)
        });
    let close = collaborators
        .iter()
        .map(|cs| {
            cs.iter()
                .filter(|c| c.shared >= config.close_min_shared)
                .count() as u32
        })
        .collect();
    let (topics, work_topics, researcher_topics, memo) = assign_topics(
        corpus,
        &works_of,
        config,
        topic_prior,
        keep,
        tables_before,
        caching,
    );
    let mut members = vec![Vec::new(); corpus.institutions.len()];
    for (r, res) in corpus.researchers.iter().enumerate() {
        for &i in &res.affiliations {
            members[i as usize].push(r as u32);
        }
    }
    let institution_works = institution_works(corpus);
    let md = |s: &Option<String>| s.as_deref().map(markdown::render);
    let derived = Derived {
        works_of,
        collaborators,
        close,
        topics,
        work_topics,
        researcher_topics,
        members,
        institution_works,
        bio_html: match &unchanged {
            Some(u) => u.bio_html(),
            None => corpus.researchers.par_iter().map(|r| md(&r.bio)).collect(),
        },
        institution_html: corpus
            .institutions
            .iter()
            .map(|i| md(&i.description))
            .collect(),
        topic_html: corpus.topics.iter().map(|t| md(&t.description)).collect(),
    };
    (derived, memo)
}

/// Each researcher's works, newest first; `kept(r)` gives r's list when
/// an earlier computation already sorted it.
fn works_of(corpus: &Corpus, kept: impl Fn(usize) -> Option<Vec<u32>> + Sync) -> Vec<Vec<u32>> {
    let mut works_of = vec![Vec::new(); corpus.researchers.len()];
    for (w, work) in corpus.works.iter().enumerate() {
        for a in &work.authors {
            if let Author::Researcher(r) = a {
                works_of[*r as usize].push(w as u32);
            }
        }
    }
    works_of.par_iter_mut().enumerate().for_each(|(r, ws)| {
        match kept(r).filter(|k| k.len() == ws.len()) {
            Some(k) => *ws = k,
            None => ws.sort_by(|&a, &b| newest_first(corpus, a, b)),
        }
    });
    works_of
}

/// The order of every list of works: newest first, then by title.
fn newest_first(corpus: &Corpus, a: u32, b: u32) -> std::cmp::Ordering {
    let (a, b) = (&corpus.works[a as usize], &corpus.works[b as usize]);
    b.year
        .cmp(&a.year)
        .then_with(|| a.title.cmp(&b.title))
        .then_with(|| a.id.cmp(&b.id))
}

/// The topic table: topic files first, then topics as works and
/// researchers declare them, then extracted ones.
struct Registry {
    topics: Vec<TopicInfo>,
    by_id: HashMap<String, u32>,
    by_name: HashMap<String, u32>,
}

impl Registry {
    fn add(&mut self, id: String, label: String, declared: bool, decl: Option<u32>) -> u32 {
        let i = self.topics.len() as u32;
        self.by_id.insert(id.clone(), i);
        self.by_name.entry(fold_name(&label)).or_insert(i);
        self.topics.push(TopicInfo {
            id,
            label,
            declared,
            decl,
            works: Vec::new(),
            researchers: Vec::new(),
        });
        i
    }

    fn resolve(&mut self, label: &str, declared: bool) -> Option<u32> {
        if let Some(&i) = self.by_id.get(label) {
            self.topics[i as usize].declared |= declared;
            return Some(i);
        }
        if let Some(&i) = self.by_name.get(&fold_name(label)) {
            self.topics[i as usize].declared |= declared;
            return Some(i);
        }
        let slug = slugify(label);
        if slug.is_empty() {
            return None;
        }
        if let Some(&i) = self.by_id.get(&slug) {
            self.topics[i as usize].declared |= declared;
            return Some(i);
        }
        Some(self.add(slug, label.to_string(), declared, None))
    }
}

/// Each distinct label, resolved once: the same few labels recur across
/// thousands of works, and one resolves the same way each time.
#[derive(Default)]
struct Labels<'a>(foldhash::HashMap<&'a str, Option<u32>>);

impl<'a> Labels<'a> {
    fn resolve(
        &mut self,
        reg: &mut Registry,
        label: &'a str,
        first: impl FnOnce(&mut Registry) -> Option<u32>,
    ) -> Option<u32> {
        *self.0.entry(label).or_insert_with(|| first(reg))
    }
}

type TopicTables = (
    Vec<TopicInfo>,
    Vec<Vec<WorkTopic>>,
    Vec<Vec<ResearcherTopic>>,
    topics::Memo,
);

fn assign_topics(
    corpus: &Corpus,
    works_of: &[Vec<u32>],
    config: &Config,
    prior: Option<topics::Prior>,
    keep: bool,
    before: Option<&Derived>,
    caching: Option<topics::Caching>,
) -> TopicTables {
    let undeclared: Vec<u32> = (0..corpus.works.len() as u32)
        .filter(|&w| corpus.works[w as usize].topics.is_empty())
        .collect();
    let memo = topics::extract(
        corpus,
        &undeclared,
        config.extracted_topics_per_work,
        prior,
        keep,
        caching,
    );
    if let Some(d) = before.filter(|_| memo.as_before()) {
        let (topics, work_topics) = (d.topics.clone(), d.work_topics.clone());
        return (topics, work_topics, d.researcher_topics.clone(), memo);
    }
    let mut reg = Registry {
        topics: Vec::new(),
        by_id: HashMap::new(),
        by_name: HashMap::new(),
    };
    for (i, t) in corpus.topics.iter().enumerate() {
        let idx = reg.add(t.id.clone(), t.name.clone(), true, Some(i as u32));
        for a in &t.aliases {
            reg.by_name.entry(fold_name(a)).or_insert(idx);
        }
    }
    let mut work_topics: Vec<Vec<WorkTopic>> = vec![Vec::new(); corpus.works.len()];
    let mut declared = Labels::default();
    for (w, work) in corpus.works.iter().enumerate() {
        for label in &work.topics {
            if let Some(t) = declared.resolve(&mut reg, label, |reg| reg.resolve(label, true)) {
                push_unique(
                    &mut work_topics[w],
                    WorkTopic {
                        topic: t,
                        extracted: false,
                    },
                );
            }
        }
    }
    let interests: Vec<Vec<u32>> = corpus
        .researchers
        .iter()
        .map(|r| {
            let mut v = Vec::new();
            for label in &r.topics {
                if let Some(t) = declared.resolve(&mut reg, label, |reg| reg.resolve(label, true)) {
                    if !v.contains(&t) {
                        v.push(t);
                    }
                }
            }
            v
        })
        .collect();
    let mut extracted = Labels::default();
    for &w in &undeclared {
        for e in memo.get(w) {
            let t = extracted.resolve(&mut reg, &e.key, |reg| {
                match reg.by_id.get(&slugify(&e.key)) {
                    Some(&t) => Some(t),
                    None => reg.resolve(&e.label, false),
                }
            });
            let Some(t) = t else { continue };
            push_unique(
                &mut work_topics[w as usize],
                WorkTopic {
                    topic: t,
                    extracted: true,
                },
            );
        }
    }
    let mut topics = reg.topics;
    for (w, ts) in work_topics.iter().enumerate() {
        for t in ts {
            topics[t.topic as usize].works.push(w as u32);
        }
    }

    // Per researcher: topic → number of their works on it.
    let counts: Vec<Vec<(u32, u32)>> = works_of
        .par_iter()
        .map(|ws| {
            let mut all: Vec<u32> = ws
                .iter()
                .flat_map(|&w| work_topics[w as usize].iter().map(|t| t.topic))
                .collect();
            all.sort_unstable();
            let mut v: Vec<(u32, u32)> = Vec::new();
            for t in all {
                match v.last_mut() {
                    Some((last, n)) if *last == t => *n += 1,
                    _ => v.push((t, 1)),
                }
            }
            v.sort_by(|a, b| {
                b.1.cmp(&a.1)
                    .then_with(|| {
                        topics[b.0 as usize]
                            .works
                            .len()
                            .cmp(&topics[a.0 as usize].works.len())
                    })
                    .then_with(|| topics[a.0 as usize].id.cmp(&topics[b.0 as usize].id))
            });
            v
        })
        .collect();
    let mut researcher_topics = Vec::with_capacity(counts.len());
    for (r, cs) in counts.iter().enumerate() {
        for &(t, n) in cs {
            topics[t as usize].researchers.push((r as u32, n));
        }
        // Declared interests first, in the researcher's order, then by works.
        let mut top: Vec<ResearcherTopic> = interests[r]
            .iter()
            .map(|&t| ResearcherTopic {
                topic: t,
                works: cs.iter().find(|c| c.0 == t).map_or(0, |c| c.1),
                declared: true,
            })
            .collect();
        for &(t, n) in cs {
            if top.len() >= config.top_topics {
                break;
            }
            if !top.iter().any(|x| x.topic == t) {
                top.push(ResearcherTopic {
                    topic: t,
                    works: n,
                    declared: false,
                });
            }
        }
        top.truncate(config.top_topics.max(interests[r].len()));
        researcher_topics.push(top);
    }
    for (r, ts) in interests.iter().enumerate() {
        for &t in ts {
            if !counts[r].iter().any(|c| c.0 == t) {
                topics[t as usize].researchers.push((r as u32, 0));
            }
        }
    }
    topics.par_iter_mut().for_each(|t| {
        t.researchers
            .sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)))
    });
    (topics, work_topics, researcher_topics, memo)
}

/// Whether the topic tables follow from the same inputs as the prior's,
/// but for extracted topics: the same topic files, settings and works
/// in the same order, each edited work with the declared topics and
/// researcher authors it had. The caller has checked the researchers.
fn topic_inputs_unchanged(
    p: &Prior,
    corpus: &Corpus,
    config: &Config,
    old_of: &[Option<u32>],
) -> bool {
    let researchers = |w: &Work| {
        w.authors
            .iter()
            .filter_map(|a| match a {
                Author::Researcher(r) => Some(*r),
                Author::External { .. } => None,
            })
            .collect::<Vec<u32>>()
    };
    let old = &p.corpus.works;
    p.config.top_topics == config.top_topics
        && p.config.extracted_topics_per_work == config.extracted_topics_per_work
        && p.corpus.topics == corpus.topics
        && old.len() == corpus.works.len()
        && corpus.works.iter().enumerate().all(|(w, new)| {
            let Some(o) = old_of[w].filter(|&o| o as usize == w) else {
                return false;
            };
            let was = &old[o as usize];
            Arc::ptr_eq(was, new)
                || (was.topics == new.topics && researchers(was) == researchers(new))
        })
}

fn push_unique(v: &mut Vec<WorkTopic>, t: WorkTopic) {
    if !v.iter().any(|x| x.topic == t.topic) {
        v.push(t);
    }
}

/// Works by institution, from the affiliations given on each work's
/// authors; newest first, then by title, like a profile's list.
fn institution_works(corpus: &Corpus) -> Vec<Vec<u32>> {
    let mut out = vec![Vec::new(); corpus.institutions.len()];
    for (w, work) in corpus.works.iter().enumerate() {
        for &(_, i) in &work.author_institutions {
            let list: &mut Vec<u32> = &mut out[i as usize];
            if list.last() != Some(&(w as u32)) {
                list.push(w as u32);
            }
        }
    }
    for list in &mut out {
        list.sort_by(|&a, &b| newest_first(corpus, a, b));
    }
    out
}
