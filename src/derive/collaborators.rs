//! Co-authors of each researcher, with shared-work counts.
//!
//! Bound: a researcher gains at most `max_coauthors_per_work` co-authors
//! from one work (all of them when the list is that short, otherwise the
//! first ones in author order). The cost is therefore linear in the number
//! of authorships, even for papers with thousands of authors.

use crate::model::{Author, Corpus};
use foldhash::{HashMap, HashMapExt};
use rayon::prelude::*;
use std::sync::Arc;

/// Who a co-author is: a researcher of the site, or an outsider told apart
/// by ORCID, else by folded name.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CoKey {
    Researcher(u32),
    Orcid(String),
    Name(String),
}

#[derive(Clone, Debug, Hash)]
pub struct Collaborator {
    pub key: CoKey,
    /// The spelling written most often; on a tie the longest (most
    /// complete), then one not in capitals, then the first in code order.
    pub name: String,
    pub orcid: Option<String>,
    pub shared: u32,
    pub latest_year: Option<u16>,
}

impl Collaborator {
    pub fn researcher(&self) -> Option<u32> {
        match self.key {
            CoKey::Researcher(r) => Some(r),
            _ => None,
        }
    }
}

pub fn key_of(a: &Author) -> CoKey {
    match KeyRef::of(a) {
        KeyRef::Researcher(r) => CoKey::Researcher(r),
        KeyRef::Orcid(o) => CoKey::Orcid(o.to_string()),
        KeyRef::Name(n) => CoKey::Name(n.to_string()),
    }
}

/// A [`CoKey`] borrowed from the corpus: looking one up allocates nothing.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum KeyRef<'a> {
    Researcher(u32),
    Orcid(&'a str),
    Name(&'a str),
}

impl<'a> KeyRef<'a> {
    fn of(a: &'a Author) -> Self {
        match a {
            Author::Researcher(r) => KeyRef::Researcher(*r),
            Author::External { orcid: Some(o), .. } => KeyRef::Orcid(o),
            Author::External { folded, .. } => KeyRef::Name(folded),
        }
    }
}

/// Each researcher's co-authors, most shared first. `works[r]` is
/// researcher r's works, newest first; `kept(r)` gives r's list when
/// an earlier computation already holds it.
pub fn compute(
    corpus: &Corpus,
    works: &[Vec<u32>],
    cap: usize,
    kept: impl Fn(usize) -> Option<Arc<[Collaborator]>> + Sync,
) -> Vec<Arc<[Collaborator]>> {
    works
        .par_iter()
        .enumerate()
        .map(|(r, ws)| kept(r).unwrap_or_else(|| of(corpus, r as u32, ws, cap).into()))
        .collect()
}

/// Researcher `me`'s co-authors, from `ws`, their works.
fn of(corpus: &Corpus, me: u32, ws: &[u32], cap: usize) -> Vec<Collaborator> {
    let mut index: HashMap<KeyRef, usize> = HashMap::new();
    let mut out: Vec<Collaborator> = Vec::new();
    let mut spellings: Vec<Vec<(&str, u32)>> = Vec::new();
    for &w in ws {
        let work = &corpus.works[w as usize];
        for a in work
            .authors
            .iter()
            .take(cap.saturating_add(1))
            .filter(|a| **a != Author::Researcher(me))
            .take(cap)
        {
            let key = KeyRef::of(a);
            match index.get(&key) {
                Some(&i) => {
                    let c = &mut out[i];
                    c.shared += 1;
                    c.latest_year = c.latest_year.max(work.year);
                    if let Author::External { name, .. } = a {
                        match spellings[i].iter_mut().find(|(s, _)| *s == name.as_str()) {
                            Some(s) => s.1 += 1,
                            None => spellings[i].push((name, 1)),
                        }
                    }
                }
                None => {
                    let (name, orcid) = match a {
                        Author::Researcher(o) => {
                            let res = &corpus.researchers[*o as usize];
                            (res.name.clone(), res.orcid.clone())
                        }
                        Author::External { name, orcid, .. } => (name.clone(), orcid.clone()),
                    };
                    index.insert(key, out.len());
                    spellings.push(match a {
                        Author::External { name, .. } => vec![(name.as_str(), 1)],
                        Author::Researcher(_) => Vec::new(),
                    });
                    out.push(Collaborator {
                        key: key_of(a),
                        name,
                        orcid,
                        shared: 1,
                        latest_year: work.year,
                    });
                }
            }
        }
    }
    for (c, names) in out.iter_mut().zip(&spellings) {
        if names.len() > 1 {
            c.name = best_spelling(names).to_string();
        }
    }
    // Most shared first; the order must not depend on hashing.
    out.sort_by(|a, b| {
        b.shared
            .cmp(&a.shared)
            .then(b.latest_year.cmp(&a.latest_year))
            .then_with(|| a.name.cmp(&b.name))
            .then_with(|| a.key.cmp(&b.key))
    });
    out
}

fn best_spelling<'a>(names: &[(&'a str, u32)]) -> &'a str {
    let caps = |s: &str| s.chars().any(|c| c.is_lowercase());
    names
        .iter()
        .max_by(|a, b| {
            a.1.cmp(&b.1)
                .then(a.0.chars().count().cmp(&b.0.chars().count()))
                .then(caps(a.0).cmp(&caps(b.0)))
                .then(b.0.cmp(a.0))
        })
        .map_or("", |n| n.0)
}
