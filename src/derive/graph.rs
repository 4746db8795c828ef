//! The research-graph slice of one researcher, written as
//! `researchers/<id>/graph.json`. Schema and relevance rule are documented
//! in docs/graph-json.md; bump [`SCHEMA_VERSION`] on any change of shape.
//!
//! Relevance rule, within `graph.node_budget` nodes:
//! the researcher; their institutions (at most 5); their profile topics;
//! then co-authors, most shared works first, taking at most half of what
//! is left; then works, newest first, filling the rest (and co-authors
//! take any room works leave). Cost is bounded by the budget times the
//! per-work author cap, whatever the size of the profile.

use super::{CoKey, Derived};
use crate::config::Config;
use crate::model::{Author, Corpus};
use serde::Serialize;
use std::collections::HashMap;

pub const SCHEMA_VERSION: u32 = 1;
const MAX_INSTITUTIONS: usize = 5;

#[derive(Serialize, Debug)]
pub struct Graph {
    pub version: u32,
    pub researcher: String,
    pub node_budget: usize,
    /// How many of each kind exist, of which `nodes` holds a selection.
    pub totals: Totals,
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
}

#[derive(Serialize, Debug)]
pub struct Totals {
    pub works: usize,
    pub coauthors: usize,
    pub topics: usize,
    pub institutions: usize,
}

#[derive(Serialize, Debug)]
pub struct Node {
    pub id: String,
    pub kind: &'static str,
    pub label: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    pub weight: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub year: Option<u16>,
}

#[derive(Serialize, Debug)]
pub struct Edge {
    pub source: String,
    pub target: String,
    pub kind: &'static str,
    pub weight: u32,
}

pub fn researcher_url(c: &Config, id: &str) -> String {
    c.permalink(&format!("researchers/{}/", id))
}

pub fn coauthor_node_id(corpus: &Corpus, key: &CoKey) -> String {
    match key {
        CoKey::Researcher(r) => format!("researcher:{}", corpus.researchers[*r as usize].id),
        CoKey::Orcid(o) => format!("person:orcid:{}", o),
        CoKey::Name(n) => format!("person:name:{}", n),
    }
}

pub fn slice(corpus: &Corpus, d: &Derived, config: &Config, r: u32) -> Graph {
    let res = &corpus.researchers[r as usize];
    let budget = config.graph_node_budget;
    let center = format!("researcher:{}", res.id);
    let works = &d.works_of[r as usize];
    let collabs = &d.collaborators[r as usize];
    let topics = &d.researcher_topics[r as usize];

    let mut nodes = vec![Node {
        id: center.clone(),
        kind: "researcher",
        label: res.name.clone(),
        url: Some(researcher_url(config, &res.id)),
        weight: works.len() as u32,
        year: None,
    }];
    let mut edges = Vec::new();

    let insts: Vec<u32> = res.affiliations.iter().take(MAX_INSTITUTIONS).copied().collect();
    let mut left = budget.saturating_sub(1);
    let insts = &insts[..insts.len().min(left)];
    left -= insts.len();
    let topics = &topics[..topics.len().min(left)];
    left -= topics.len();
    let co_share = collabs.len().min(left.div_ceil(2)).max(left.saturating_sub(works.len())).min(collabs.len());
    let collabs = &collabs[..co_share];
    left -= collabs.len();
    let works = &works[..works.len().min(left)];

    for &i in insts {
        let inst = &corpus.institutions[i as usize];
        let id = format!("institution:{}", inst.id);
        edges.push(Edge { source: center.clone(), target: id.clone(), kind: "affiliation", weight: 1 });
        nodes.push(Node {
            id,
            kind: "institution",
            label: inst.name.clone(),
            url: Some(config.permalink(&format!("institutions/{}/", inst.id))),
            weight: d.members[i as usize].len() as u32,
            year: None,
        });
    }
    let mut topic_nodes: HashMap<u32, String> = HashMap::new();
    for t in topics {
        let info = &d.topics[t.topic as usize];
        let id = format!("topic:{}", info.id);
        topic_nodes.insert(t.topic, id.clone());
        edges.push(Edge { source: center.clone(), target: id.clone(), kind: "topic", weight: t.works });
        nodes.push(Node {
            id,
            kind: "topic",
            label: info.label.clone(),
            url: Some(config.permalink(&format!("topics/{}/", info.id))),
            weight: t.works,
            year: None,
        });
    }
    let mut person_nodes: HashMap<&CoKey, String> = HashMap::new();
    for c in collabs {
        let id = coauthor_node_id(corpus, &c.key);
        person_nodes.insert(&c.key, id.clone());
        edges.push(Edge { source: center.clone(), target: id.clone(), kind: "co-author", weight: c.shared });
        let url = c.researcher().map(|o| researcher_url(config, &corpus.researchers[o as usize].id));
        if let Some(o) = c.researcher() {
            for &i in &corpus.researchers[o as usize].affiliations {
                if insts.contains(&i) {
                    let target = format!("institution:{}", corpus.institutions[i as usize].id);
                    edges.push(Edge { source: id.clone(), target, kind: "affiliation", weight: 1 });
                }
            }
        }
        nodes.push(Node { id, kind: "coauthor", label: c.name.clone(), url, weight: c.shared, year: c.latest_year });
    }
    for &w in works {
        let work = &corpus.works[w as usize];
        let id = format!("work:{}", work.id);
        edges.push(Edge { source: center.clone(), target: id.clone(), kind: "authored", weight: 1 });
        let mut people = 1;
        for a in work.authors.iter().take(config.max_coauthors_per_work) {
            if *a == Author::Researcher(r) {
                continue;
            }
            if let Some(p) = person_nodes.get(&super::collaborators::key_of(a)) {
                people += 1;
                edges.push(Edge { source: p.clone(), target: id.clone(), kind: "authored", weight: 1 });
            }
        }
        for t in &d.work_topics[w as usize] {
            if let Some(tn) = topic_nodes.get(&t.topic) {
                edges.push(Edge { source: id.clone(), target: tn.clone(), kind: "topic", weight: 1 });
            }
        }
        nodes.push(Node {
            id,
            kind: "work",
            label: work.title.clone(),
            url: Some(config.permalink(&format!("works/{}/", work.id))),
            weight: people,
            year: work.year,
        });
    }
    Graph {
        version: SCHEMA_VERSION,
        researcher: res.id.clone(),
        node_budget: budget,
        totals: Totals {
            works: d.works_of[r as usize].len(),
            coauthors: d.collaborators[r as usize].len(),
            topics: d.researcher_topics[r as usize].len(),
            institutions: res.affiliations.len(),
        },
        nodes,
        edges,
    }
}
