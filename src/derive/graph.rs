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

use super::{CoKey, Derived, WorkTopic};
use crate::config::Config;
use crate::model::{Author, Corpus, Work};
use foldhash::{HashMap, HashMapExt};
use serde::Serialize;

pub const SCHEMA_VERSION: u32 = 2;
const MAX_INSTITUTIONS: usize = 5;

/// A kept `graph.json` relies on `render::hash_graph` feeding every
/// field to its digest: a field added here must be added there.
#[derive(Debug, Clone)]
pub struct Graph {
    pub version: u32,
    pub researcher: String,
    pub node_budget: usize,
    /// How many of each kind exist, of which `nodes` holds a selection.
    pub totals: Totals,
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
}

#[derive(Serialize, Debug, Clone)]
pub struct Totals {
    pub works: usize,
    pub coauthors: usize,
    pub topics: usize,
    pub institutions: usize,
}

#[derive(Serialize, Debug, Clone)]
pub struct Node {
    pub id: String,
    pub kind: &'static str,
    pub label: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    pub weight: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub year: Option<u16>,
    /// Position from [`super::layout`], in [-1, 1]; y grows downwards.
    pub x: f64,
    pub y: f64,
}

/// An edge between two of the graph's nodes, by their place in `nodes`:
/// the drawing and the layout need the places, and ids would be two
/// strings to copy for each of hundreds of edges.
#[derive(Debug, Clone, Copy)]
pub struct Edge {
    pub source: u32,
    pub target: u32,
    pub kind: &'static str,
    pub weight: u32,
}

/// graph.json names an edge's ends by their node ids.
impl Serialize for Graph {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        #[derive(Serialize)]
        struct Named<'a> {
            source: &'a str,
            target: &'a str,
            kind: &'static str,
            weight: u32,
        }
        struct Edges<'a>(&'a Graph);
        impl Serialize for Edges<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let id = |i: u32| self.0.nodes[i as usize].id.as_str();
                s.collect_seq(self.0.edges.iter().map(|e| Named {
                    source: id(e.source),
                    target: id(e.target),
                    kind: e.kind,
                    weight: e.weight,
                }))
            }
        }
        let mut st = s.serialize_struct("Graph", 6)?;
        st.serialize_field("version", &self.version)?;
        st.serialize_field("researcher", &self.researcher)?;
        st.serialize_field("node_budget", &self.node_budget)?;
        st.serialize_field("totals", &self.totals)?;
        st.serialize_field("nodes", &self.nodes)?;
        st.serialize_field("edges", &Edges(self))?;
        st.end()
    }
}

/// The place the next node pushed onto `nodes` takes.
fn next(nodes: &[Node]) -> u32 {
    nodes.len() as u32
}

/// Edges from a work's node to those of its topics the graph shows.
fn push_topic_edges(
    edges: &mut Vec<Edge>,
    work: u32,
    topics: &[WorkTopic],
    topic_nodes: &HashMap<u32, u32>,
) {
    for t in topics {
        if let Some(&tn) = topic_nodes.get(&t.topic) {
            edges.push(Edge {
                source: work,
                target: tn,
                kind: "topic",
                weight: 1,
            });
        }
    }
}

/// A work's node, weighted by how many of its authors the graph shows.
fn work_node(config: &Config, work: &Work, people: u32) -> Node {
    Node {
        id: format!("work:{}", work.id),
        kind: "work",
        label: work.title.clone(),
        url: Some(config.permalink_of(&["works/", &work.id, "/"])),
        weight: people,
        year: work.year,
        x: 0.0,
        y: 0.0,
    }
}

pub fn researcher_url(c: &Config, id: &str) -> String {
    c.permalink_of(&["researchers/", id, "/"])
}

pub fn coauthor_node_id(corpus: &Corpus, key: &CoKey) -> String {
    match key {
        CoKey::Researcher(r) => format!("researcher:{}", corpus.researchers[*r as usize].id),
        CoKey::Orcid(o) => format!("person:orcid:{}", o),
        CoKey::Name(n) => format!("person:name:{}", n),
    }
}

/// How many of researcher `r`'s institutions, topics, co-authors and
/// works (each list's first ones) the slice within `budget` holds, by the
/// relevance rule above.
fn shape(corpus: &Corpus, d: &Derived, r: u32, budget: usize) -> [usize; 4] {
    let works = d.works_of[r as usize].len();
    let collabs = d.collaborators[r as usize].len();
    let insts = corpus.researchers[r as usize]
        .affiliations
        .len()
        .min(MAX_INSTITUTIONS);
    let mut left = budget.saturating_sub(1);
    let insts = insts.min(left);
    left -= insts;
    let topics = d.researcher_topics[r as usize].len().min(left);
    left -= topics;
    let collabs = collabs
        .min(left.div_ceil(2))
        .max(left.saturating_sub(works))
        .min(collabs);
    left -= collabs;
    [insts, topics, collabs, works.min(left)]
}

/// The slices of researcher `r` within each of `budgets` that is given.
/// Budgets that admit the same nodes give the same slice but for its
/// `node_budget`, so each selection is made and laid out once: for a
/// researcher whose nodes all fit in both, the profile's and the
/// explorer's slices are one.
pub fn slices<const N: usize>(
    corpus: &Corpus,
    d: &Derived,
    config: &Config,
    r: u32,
    budgets: [Option<usize>; N],
) -> [Option<Graph>; N] {
    let shapes = budgets.map(|b| b.map(|b| shape(corpus, d, r, b)));
    let mut out: [Option<Graph>; N] = std::array::from_fn(|_| None);
    for (i, budget) in budgets.into_iter().enumerate() {
        let Some(budget) = budget else { continue };
        // A budget not given has no shape, so matches no given one.
        let same = (0..i).find(|&j| shapes[j] == shapes[i]);
        out[i] = Some(match same.and_then(|j| out[j].as_ref()) {
            Some(g) => Graph {
                node_budget: budget,
                ..g.clone()
            },
            None => slice(corpus, d, config, r, budget),
        });
    }
    out
}

/// The slice of researcher `r` within `budget` nodes.
pub fn slice(corpus: &Corpus, d: &Derived, config: &Config, r: u32, budget: usize) -> Graph {
    let res = &corpus.researchers[r as usize];
    let center = 0;
    let [n_insts, n_topics, n_collabs, n_works] = shape(corpus, d, r, budget);
    let works = &d.works_of[r as usize][..n_works];
    let collabs = &d.collaborators[r as usize][..n_collabs];
    let topics = &d.researcher_topics[r as usize][..n_topics];
    let insts = &res.affiliations[..n_insts];

    let mut nodes = vec![Node {
        id: format!("researcher:{}", res.id),
        kind: "researcher",
        label: res.name.clone(),
        url: Some(researcher_url(config, &res.id)),
        weight: d.works_of[r as usize].len() as u32,
        year: None,
        x: 0.0,
        y: 0.0,
    }];
    let mut edges = Vec::new();

    for &i in insts {
        let inst = &corpus.institutions[i as usize];
        edges.push(Edge {
            source: center,
            target: next(&nodes),
            kind: "affiliation",
            weight: 1,
        });
        nodes.push(Node {
            id: format!("institution:{}", inst.id),
            kind: "institution",
            label: inst.name.clone(),
            url: Some(config.permalink_of(&["institutions/", &inst.id, "/"])),
            weight: d.members[i as usize].len() as u32,
            year: None,
            x: 0.0,
            y: 0.0,
        });
    }
    let mut topic_nodes: HashMap<u32, u32> = HashMap::new();
    for t in topics {
        let info = &d.topics[t.topic as usize];
        let id = next(&nodes);
        topic_nodes.insert(t.topic, id);
        edges.push(Edge {
            source: center,
            target: id,
            kind: "topic",
            weight: t.works,
        });
        nodes.push(Node {
            id: format!("topic:{}", info.id),
            kind: "topic",
            label: info.label.clone(),
            url: Some(config.permalink_of(&["topics/", &info.id, "/"])),
            weight: t.works,
            year: None,
            x: 0.0,
            y: 0.0,
        });
    }
    let mut person_nodes: HashMap<&CoKey, u32> = HashMap::new();
    // Institutions are the nodes just after the centre.
    let inst_node = |i: u32| insts.iter().position(|&x| x == i).map(|k| 1 + k as u32);
    for c in collabs {
        let id = next(&nodes);
        person_nodes.insert(&c.key, id);
        edges.push(Edge {
            source: center,
            target: id,
            kind: "co-author",
            weight: c.shared,
        });
        let url = c
            .researcher()
            .map(|o| researcher_url(config, &corpus.researchers[o as usize].id));
        if let Some(o) = c.researcher() {
            for &i in &corpus.researchers[o as usize].affiliations {
                if let Some(target) = inst_node(i) {
                    edges.push(Edge {
                        source: id,
                        target,
                        kind: "affiliation",
                        weight: 1,
                    });
                }
            }
        }
        nodes.push(Node {
            id: coauthor_node_id(corpus, &c.key),
            kind: "coauthor",
            label: c.name.clone(),
            url,
            weight: c.shared,
            year: c.latest_year,
            x: 0.0,
            y: 0.0,
        });
    }
    for &w in works {
        let work = &corpus.works[w as usize];
        let id = next(&nodes);
        edges.push(Edge {
            source: center,
            target: id,
            kind: "authored",
            weight: 1,
        });
        let mut people = 1;
        // Two name-only authors of one work can be one person node.
        let mut seen: Vec<u32> = Vec::new();
        for a in work.authors.iter().take(config.max_coauthors_per_work) {
            if *a == Author::Researcher(r) {
                continue;
            }
            if let Some(&p) = person_nodes.get(&super::collaborators::key_of(a)) {
                if seen.contains(&p) {
                    continue;
                }
                seen.push(p);
                people += 1;
                edges.push(Edge {
                    source: p,
                    target: id,
                    kind: "authored",
                    weight: 1,
                });
            }
        }
        push_topic_edges(&mut edges, id, &d.work_topics[w as usize], &topic_nodes);
        nodes.push(work_node(config, work, people));
    }
    let mut g = Graph {
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
    };
    super::layout::layout(&mut g);
    g
}

/// The combined slice of a group's members within `budget` nodes: the
/// members; topics, weighted by the members' works on them; co-authors from
/// outside the group, most shared works first; then works, those shared by
/// several members first, then newest. Same node and edge kinds as a
/// researcher's slice; `researcher` names the group.
pub fn group_slice(
    corpus: &Corpus,
    d: &Derived,
    config: &Config,
    group_id: &str,
    members: &[u32],
    budget: usize,
) -> Graph {
    let mut nodes = Vec::new();
    let mut edges = Vec::new();
    // Members are the first nodes, in order: a member's place among the
    // members is its node's place.
    let member_pos: HashMap<u32, usize> =
        members.iter().enumerate().map(|(i, &m)| (m, i)).collect();
    let is_member = |r: u32| member_pos.contains_key(&r);
    for &m in members {
        let res = &corpus.researchers[m as usize];
        nodes.push(Node {
            id: format!("researcher:{}", res.id),
            kind: "researcher",
            label: res.name.clone(),
            url: Some(researcher_url(config, &res.id)),
            weight: d.works_of[m as usize].len() as u32,
            year: None,
            x: 0.0,
            y: 0.0,
        });
    }
    let mut left = budget.saturating_sub(nodes.len());

    // Topics and institutions, by how many member works they carry.
    let mut topic_w: HashMap<u32, u32> = HashMap::new();
    let mut inst_w: HashMap<u32, u32> = HashMap::new();
    for &m in members {
        for t in &d.researcher_topics[m as usize] {
            *topic_w.entry(t.topic).or_default() += t.works.max(1);
        }
        for &i in &corpus.researchers[m as usize].affiliations {
            *inst_w.entry(i).or_default() += 1;
        }
    }
    let mut insts: Vec<(u32, u32)> = inst_w.into_iter().collect();
    insts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    insts.truncate(MAX_INSTITUTIONS.min(left));
    left -= insts.len();
    let mut topics: Vec<(u32, u32)> = topic_w.into_iter().collect();
    topics.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    topics.truncate((config.top_topics * 2).min(left));
    left -= topics.len();

    // Outside co-authors, summed over members.
    // Per outside co-author: total shared works, and (member, shared) pairs.
    let mut co: HashMap<&CoKey, (u32, Vec<(usize, u32)>)> = HashMap::new();
    let mut co_order: Vec<&super::Collaborator> = Vec::new();
    for (mi, &m) in members.iter().enumerate() {
        for c in d.collaborators[m as usize].iter() {
            if c.researcher().is_some_and(is_member) {
                continue;
            }
            match co.get_mut(&c.key) {
                Some(e) => {
                    e.0 += c.shared;
                    e.1.push((mi, c.shared));
                }
                None => {
                    co.insert(&c.key, (c.shared, vec![(mi, c.shared)]));
                    co_order.push(c);
                }
            }
        }
    }
    let mut co_list: Vec<(&super::Collaborator, u32)> =
        co_order.iter().map(|c| (*c, co[&c.key].0)).collect();
    co_list.sort_by(|a, b| {
        b.1.cmp(&a.1)
            .then_with(|| a.0.name.cmp(&b.0.name))
            .then_with(|| a.0.key.cmp(&b.0.key))
    });

    // Works of any member: shared by more members first, then newest.
    let mut work_m: HashMap<u32, u32> = HashMap::new();
    for &m in members {
        for &w in &d.works_of[m as usize] {
            *work_m.entry(w).or_default() += 1;
        }
    }
    let mut works: Vec<(u32, u32)> = work_m.into_iter().collect();
    works.sort_by(|a, b| {
        let (wa, wb) = (&corpus.works[a.0 as usize], &corpus.works[b.0 as usize]);
        b.1.cmp(&a.1)
            .then(wb.year.cmp(&wa.year))
            .then_with(|| wa.title.cmp(&wb.title))
            .then(a.0.cmp(&b.0))
    });
    let co_share = co_list
        .len()
        .min(left.div_ceil(2))
        .max(left.saturating_sub(works.len()))
        .min(co_list.len());
    co_list.truncate(co_share);
    left -= co_list.len();
    works.truncate(left);

    let mut topic_nodes: HashMap<u32, u32> = HashMap::new();
    for &(i, w) in &insts {
        let inst = &corpus.institutions[i as usize];
        let id = next(&nodes);
        for (mid, &m) in (0u32..).zip(members) {
            if corpus.researchers[m as usize].affiliations.contains(&i) {
                edges.push(Edge {
                    source: mid,
                    target: id,
                    kind: "affiliation",
                    weight: 1,
                });
            }
        }
        nodes.push(Node {
            id: format!("institution:{}", inst.id),
            kind: "institution",
            label: inst.name.clone(),
            url: Some(config.permalink_of(&["institutions/", &inst.id, "/"])),
            weight: w,
            year: None,
            x: 0.0,
            y: 0.0,
        });
    }
    for &(t, w) in &topics {
        let info = &d.topics[t as usize];
        let id = next(&nodes);
        topic_nodes.insert(t, id);
        for (mid, &m) in (0u32..).zip(members) {
            if let Some(rt) = d.researcher_topics[m as usize]
                .iter()
                .find(|x| x.topic == t)
            {
                edges.push(Edge {
                    source: mid,
                    target: id,
                    kind: "topic",
                    weight: rt.works,
                });
            }
        }
        nodes.push(Node {
            id: format!("topic:{}", info.id),
            kind: "topic",
            label: info.label.clone(),
            url: Some(config.permalink_of(&["topics/", &info.id, "/"])),
            weight: w,
            year: None,
            x: 0.0,
            y: 0.0,
        });
    }
    // Members who are each other's co-authors.
    for (a, &ma) in members.iter().enumerate() {
        for c in d.collaborators[ma as usize].iter() {
            if let Some(&b) = c.researcher().and_then(|r| member_pos.get(&r)) {
                if a < b {
                    edges.push(Edge {
                        source: a as u32,
                        target: b as u32,
                        kind: "co-author",
                        weight: c.shared,
                    });
                }
            }
        }
    }
    let mut person_nodes: HashMap<&CoKey, u32> = HashMap::new();
    for &(c, total) in &co_list {
        let id = next(&nodes);
        person_nodes.insert(&c.key, id);
        for &(mi, shared) in &co[&c.key].1 {
            edges.push(Edge {
                source: mi as u32,
                target: id,
                kind: "co-author",
                weight: shared,
            });
        }
        let url = c
            .researcher()
            .map(|o| researcher_url(config, &corpus.researchers[o as usize].id));
        nodes.push(Node {
            id: coauthor_node_id(corpus, &c.key),
            kind: "coauthor",
            label: c.name.clone(),
            url,
            weight: total,
            year: c.latest_year,
            x: 0.0,
            y: 0.0,
        });
    }
    for &(w, _) in &works {
        let work = &corpus.works[w as usize];
        let id = next(&nodes);
        let mut people = 0;
        let mut seen: Vec<u32> = Vec::new();
        for a in work.authors.iter().take(config.max_coauthors_per_work) {
            let source = match a {
                Author::Researcher(r) if is_member(*r) => member_pos[r] as u32,
                other => match person_nodes.get(&super::collaborators::key_of(other)) {
                    Some(&p) => p,
                    None => continue,
                },
            };
            if seen.contains(&source) {
                continue;
            }
            seen.push(source);
            people += 1;
            edges.push(Edge {
                source,
                target: id,
                kind: "authored",
                weight: 1,
            });
        }
        push_topic_edges(&mut edges, id, &d.work_topics[w as usize], &topic_nodes);
        nodes.push(work_node(config, work, people));
    }
    let total_works: usize = {
        let mut all: Vec<u32> = members
            .iter()
            .flat_map(|&m| d.works_of[m as usize].iter().copied())
            .collect();
        all.sort_unstable();
        all.dedup();
        all.len()
    };
    let mut g = Graph {
        version: SCHEMA_VERSION,
        researcher: format!("group:{}", group_id),
        node_budget: budget,
        totals: Totals {
            works: total_works,
            coauthors: co.len(),
            topics: topic_nodes.len(),
            institutions: insts.len(),
        },
        nodes,
        edges,
    };
    super::layout::layout(&mut g);
    g
}
