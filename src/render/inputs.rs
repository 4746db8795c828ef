//! What a researcher's files and a work's page are made from, digested
//! from the corpus and the computed values directly.
//!
//! A profile's five files take a graph slice at three sizes, a layout,
//! a drawing and hundreds of values each; building all that only to hash
//! it was most of a rebuild. Instead a digest is taken of the records and
//! computed lists those files read, each record hashed once per build
//! (its `Hash` covers every field a page may show). Equal digests mean the
//! same inputs to the same pure code, so the same bytes. A digest may
//! cover more than a page shows (a co-author's headline, say), which only
//! costs a page rendered again to the same bytes.

use crate::config::Config;
use crate::derive::Derived;
use crate::model::{Author, Corpus};
use rayon::prelude::*;
use std::hash::{Hash, Hasher};
use xxhash_rust::xxh3::Xxh3;

/// Per-record digests of one build, and the job digests made from them.
pub struct Inputs<'a> {
    corpus: &'a Corpus,
    d: &'a Derived,
    works: Vec<u64>,
    researchers: Vec<u64>,
    institutions: Vec<u64>,
    topics: Vec<u64>,
    /// Stands for the whole configuration, which the pages' values do
    /// not all carry (graph budgets, limits).
    config: u128,
}

fn digest64(v: impl Hash) -> u64 {
    let mut h = Xxh3::new();
    v.hash(&mut h);
    h.digest()
}

impl<'a> Inputs<'a> {
    pub fn new(corpus: &'a Corpus, d: &'a Derived, config: &Config) -> Inputs<'a> {
        let works = corpus.works.par_iter().map(|w| digest64(&**w)).collect();
        let researchers = corpus.researchers.par_iter().map(digest64).collect();
        let institutions = corpus
            .institutions
            .iter()
            .zip(&d.members)
            .map(|(i, m)| digest64((i, m.len())))
            .collect();
        let topics = d
            .topics
            .iter()
            .map(|t| digest64((&t.id, &t.label, t.declared)))
            .collect();
        // Every setting, but not how the site's folder was named on the
        // command line, which no page shows.
        let settings = Config {
            root: Default::default(),
            ..config.clone()
        };
        let mut h = Xxh3::new();
        h.update(format!("{:?}", settings).as_bytes());
        Inputs {
            corpus,
            d,
            works,
            researchers,
            institutions,
            topics,
            config: h.digest128(),
        }
    }

    fn start(&self, kind: &str) -> Xxh3 {
        let mut h = Xxh3::new();
        h.update(&self.config.to_le_bytes());
        kind.hash(&mut h);
        h
    }

    /// A work's own record and the topics it is given.
    fn work_into(&self, h: &mut Xxh3, w: u32) {
        h.write_u64(self.works[w as usize]);
        let topics = &self.d.work_topics[w as usize];
        h.write_usize(topics.len());
        for t in topics {
            h.write_u64(self.topics[t.topic as usize]);
            t.hash(h);
        }
    }

    /// What a researcher's row in a list shows: the researcher, their
    /// institutions and their counts.
    fn row_into(&self, h: &mut Xxh3, r: u32) {
        let (c, d) = (self.corpus, self.d);
        let r = r as usize;
        h.write_u64(self.researchers[r]);
        let affiliations = &c.researchers[r].affiliations;
        h.write_usize(affiliations.len());
        for &i in affiliations {
            h.write_u64(self.institutions[i as usize]);
        }
        h.write_usize(d.works_of[r].len());
        h.write_usize(d.researcher_topics[r].len());
        h.write_u32(d.close[r]);
    }

    /// A topic page but for its works: the topic, its file if it has one,
    /// and its researchers with their works on it.
    pub fn topic_into(&self, h: &mut Xxh3, t: u32) {
        let info = &self.d.topics[t as usize];
        h.write_u128(self.config);
        h.write_u64(self.topics[t as usize]);
        info.decl.map(|i| &self.corpus.topics[i as usize]).hash(h);
        h.write_usize(info.researchers.len());
        for &(r, n) in &info.researchers {
            self.row_into(h, r);
            h.write_u32(n);
        }
    }

    /// An institution page but for its works: the institution and its
    /// members.
    pub fn institution_into(&self, h: &mut Xxh3, i: u32) {
        let members = &self.d.members[i as usize];
        h.write_u128(self.config);
        h.write_u64(self.institutions[i as usize]);
        h.write_usize(members.len());
        for &r in members {
            self.row_into(h, r);
        }
    }

    /// Page `n` of `total` of a paged list.
    pub fn pager_into(&self, h: &mut Xxh3, n: usize, total: usize) {
        h.write_u128(self.config);
        h.write_usize(n);
        h.write_usize(total);
    }

    /// Page `n` of `total` of the directory, listing `researchers`.
    pub fn directory_into(&self, h: &mut Xxh3, n: usize, total: usize, researchers: &[u32]) {
        self.pager_into(h, n, total);
        h.write_usize(researchers.len());
        for &r in researchers {
            self.row_into(h, r);
        }
    }

    /// The records of `works`, all that their short list items show.
    pub fn works_into(&self, h: &mut Xxh3, works: &[u32]) {
        h.write_usize(works.len());
        for &w in works {
            h.write_u64(self.works[w as usize]);
        }
    }

    /// Everything researcher `r`'s profile, graph JSON, explorer, embed
    /// card and profile JSON read: the researcher, their institutions,
    /// works (with topics), co-authors (with the records of those who
    /// are researchers here, for names, links and affiliations), topics
    /// and counts.
    pub fn researcher(&self, r: u32) -> u128 {
        let (c, d) = (self.corpus, self.d);
        let r = r as usize;
        let mut h = self.start("researcher");
        h.write_u64(self.researchers[r]);
        for &i in &c.researchers[r].affiliations {
            h.write_u64(self.institutions[i as usize]);
        }
        h.write_usize(d.works_of[r].len());
        for &w in &d.works_of[r] {
            self.work_into(&mut h, w);
        }
        let co = &d.collaborators[r];
        h.write_usize(co.len());
        for x in co.iter() {
            x.hash(&mut h);
            if let Some(o) = x.researcher() {
                h.write_u64(self.researchers[o as usize]);
            }
        }
        h.write_u32(d.close[r]);
        let topics = &d.researcher_topics[r];
        h.write_usize(topics.len());
        for t in topics {
            h.write_u64(self.topics[t.topic as usize]);
            t.hash(&mut h);
        }
        d.bio_html[r].as_ref().map(|b| b.as_str()).hash(&mut h);
        h.digest128()
    }

    /// Everything work `w`'s page reads: the work and its topics, its
    /// authors who are researchers here, the institutions given on it and
    /// its other versions.
    pub fn work(&self, w: u32) -> u128 {
        let c = self.corpus;
        let mut h = self.start("work");
        self.work_into(&mut h, w);
        let work = &c.works[w as usize];
        for a in &work.authors {
            if let Author::Researcher(r) = a {
                h.write_u64(self.researchers[*r as usize]);
            }
        }
        for &(_, i) in &work.author_institutions {
            h.write_u64(self.institutions[i as usize]);
        }
        for &v in &work.versions {
            h.write_u64(self.works[v as usize]);
        }
        h.digest128()
    }
}
