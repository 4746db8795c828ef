//! The values templates see. Each page gets `site` (shared, built once)
//! and `page` (its own view); docs/themes.md lists every field. Text is
//! passed raw and escaped by the templates; only `*_html` fields (from the
//! Markdown sanitiser) and `jsonld` (from `json_for_html`) are safe.

use super::theme::json_for_html;
use crate::config::Config;
use crate::derive::graph::Graph;
use crate::derive::Derived;
use crate::markdown::SafeHtml;
use crate::model::{Author, Corpus};
use serde_json::{json, Map, Value};

/// Most co-authors listed on a profile page; the rest are counted.
pub const MAX_LISTED_COLLABORATORS: usize = 50;
/// Most co-authors in profile.json.
pub const MAX_JSON_COLLABORATORS: usize = 500;
/// The schema version of profile.json; bump on any change of shape.
pub const PROFILE_JSON_VERSION: u32 = 1;

/// The iframe snippet offered for copying.
fn embed_snippet(url: &str, title: &str, height: u32) -> String {
    format!(
        "<iframe src=\"{}\" title=\"{}\" width=\"100%\" height=\"{}\" loading=\"lazy\" referrerpolicy=\"no-referrer\" sandbox=\"allow-scripts allow-popups allow-popups-to-escape-sandbox\" style=\"border:0;max-width:560px\"></iframe>",
        super::theme::escape_html(url),
        super::theme::escape_html(title),
        height
    )
}

/// The slice's nodes grouped by kind, for the plain lists beside a graph.
/// Built field by field, in one pass: `json!` would copy every label
/// and URL once more through a serializer, for each of a slice's nodes
/// on three pages of every profile.
fn node_lists(c: &Config, g: &Graph) -> Value {
    const KINDS: [(&str, &str); 5] = [
        ("researcher", "researchers"),
        ("work", "works"),
        ("coauthor", "people"),
        ("topic", "topics"),
        ("institution", "institutions"),
    ];
    let mut lists: [Vec<Value>; 5] = Default::default();
    for (i, n) in g.nodes.iter().enumerate() {
        let Some(k) = KINDS.iter().position(|&(kind, _)| kind == n.kind) else {
            continue;
        };
        let url = n.url.as_deref().map(|u| super::svg::local_url(c, u));
        let mut m = Map::new();
        m.insert("i".into(), Value::from(i));
        m.insert("kind".into(), Value::from(n.kind));
        m.insert("label".into(), Value::from(n.label.as_str()));
        m.insert("url".into(), url.map_or(Value::Null, Value::String));
        m.insert("weight".into(), Value::from(n.weight));
        m.insert("year".into(), n.year.map_or(Value::Null, Value::from));
        lists[k].push(Value::Object(m));
    }
    let mut all = Map::new();
    for ((_, name), list) in KINDS.iter().zip(lists) {
        all.insert((*name).into(), Value::Array(list));
    }
    Value::Object(all)
}

/// Replaces the abstract's hash in a work's item or page (from
/// [`Views::work_item`]) by its HTML, if it has an abstract.
pub fn put_abstract(item: &mut Value, html: Option<std::borrow::Cow<str>>) {
    if let Some(obj) = item.as_object_mut() {
        obj.remove("abstract_hash");
        if let Some(h) = html {
            obj.insert("abstract_html".into(), Value::String(h.into_owned()));
        }
    }
}

/// The pages that draw one researcher's graph.
#[derive(Clone, Copy, Debug)]
pub enum Drawing {
    Profile,
    Explorer,
    Embed,
}

impl Drawing {
    /// Where the page's view holds the drawing.
    pub fn put(self, page: &mut Value, svg: String) {
        let at = match self {
            Drawing::Profile => page.get_mut("graph"),
            Drawing::Explorer | Drawing::Embed => Some(&mut *page),
        };
        if let Some(Value::Object(m)) = at {
            m.insert("svg_html".into(), Value::String(svg));
        }
    }
}

/// Adds owned values to an object as they are: `json!` would copy each one
/// by serialising it again, which for lists of rendered items was a large
/// part of rendering.
pub fn with<const N: usize>(mut v: Value, fields: [(&str, Value); N]) -> Value {
    if let Value::Object(m) = &mut v {
        for (k, x) in fields {
            m.insert(k.to_string(), x);
        }
    }
    v
}

fn year_range(g: &Graph) -> Value {
    let years: Vec<u16> = g.nodes.iter().filter_map(|n| n.year).collect();
    json!({"min": years.iter().min(), "max": years.iter().max()})
}

/// Strings made in chunks of `per` on several threads, kept as made:
/// joined into one buffer, both copies were held at once.
pub struct Chunked {
    chunks: Vec<Strings>,
    per: usize,
}

impl Chunked {
    pub fn new(chunks: Vec<Strings>, per: usize) -> Self {
        let chunks = chunks.into_iter().map(Strings::shrink).collect();
        Chunked { chunks, per }
    }

    /// The string at `i`, if there are that many.
    pub fn get(&self, i: usize) -> Option<&str> {
        self.chunks.get(i / self.per)?.get(i % self.per)
    }
}

pub struct Views<'a> {
    pub corpus: &'a Corpus,
    pub d: &'a Derived,
    pub config: &'a Config,
}

/// Many strings in one buffer. Thousands of small strings made on several
/// threads and kept for the whole build pin far more memory than they hold
/// (each keeps its allocator page alive); one buffer does not.
#[derive(Default)]
pub struct Strings {
    text: String,
    ends: Vec<usize>,
}

impl Strings {
    /// The string at `i`, if there are that many.
    pub fn get(&self, i: usize) -> Option<&str> {
        let end = *self.ends.get(i)?;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        Some(&self.text[start..end])
    }

    pub fn push(&mut self, s: &str) {
        self.text.push_str(s);
        self.ends.push(self.text.len());
    }

    /// Gives back the room the buffers grew beyond their contents.
    fn shrink(mut self) -> Self {
        self.text.shrink_to_fit();
        self.ends.shrink_to_fit();
        self
    }
}

/// "Trust 21 - Emerging", when there is a score.
fn score_label(c: &Config, t: &crate::model::Trust) -> Option<String> {
    t.score
        .map(|s| format!("Trust {} - {}", s, c.trust_band(s)))
}

fn claim_label(t: &crate::model::Trust) -> Option<&'static str> {
    t.claimed.map(|cl| {
        if cl {
            "Claimed profile"
        } else {
            "Unclaimed author"
        }
    })
}

fn orcid_url(o: &Option<String>) -> Value {
    o.as_ref().map_or(Value::Null, |o| {
        Value::String(format!("https://orcid.org/{}", o))
    })
}

impl<'a> Views<'a> {
    pub fn researcher_url(&self, r: u32) -> String {
        let id = &self.corpus.researchers[r as usize].id;
        self.config.link_of(&["researchers/", id, "/"])
    }
    pub fn work_url(&self, w: u32) -> String {
        let id = &self.corpus.works[w as usize].id;
        self.config.link_of(&["works/", id, "/"])
    }
    pub fn topic_url(&self, t: u32) -> String {
        let id = &self.d.topics[t as usize].id;
        self.config.link_of(&["topics/", id, "/"])
    }
    pub fn institution_url(&self, i: u32) -> String {
        let id = &self.corpus.institutions[i as usize].id;
        self.config.link_of(&["institutions/", id, "/"])
    }

    pub fn site(&self, css_rel: &str, js_rel: &str) -> Value {
        let c = self.config;
        json!({
            "js_url": c.link(js_rel),
            "favicon_url": c.link("favicon.svg"),
            "groups": c.groups.iter().map(|g| json!({"name": g.name, "url": c.link_of(&["groups/", &g.id, "/"])})).collect::<Vec<_>>(),
            "title": c.title,
            "description": c.description,
            "language": c.language,
            "base_url": c.base_url,
            "base_path": c.base_path,
            "css_url": c.link(css_rel),
            "home_url": c.link(""),
            "works_url": c.link("works/"),
            "topics_url": c.link("topics/"),
            "institutions_url": c.link("institutions/"),
            "counts": {
                "researchers": self.corpus.researchers.len(),
                "works": self.corpus.works.len(),
                "topics": self.d.topics.len(),
                "institutions": self.corpus.institutions.len(),
            },
        })
    }

    /// A work as listed on profile, topic and directory pages.
    pub fn work_item(&self, w: u32, with_abstract: bool) -> Value {
        let work = &self.corpus.works[w as usize];
        json!({
            "id": work.id,
            "title": work.title,
            "url": self.work_url(w),
            "type": work.kind.label(),
            "type_key": work.kind.key(),
            "year": work.year,
            "venue": work.venue,
            "doi": work.doi,
            "doi_url": work.doi.as_ref().map(|d| format!("https://doi.org/{}", d)),
            "link": work.url,
            "authors_count": work.authors.len(),
            // The abstract's hash stands in until `render_abstract`: the
            // HTML of every abstract would be held for the whole build,
            // and a kept page's digest needs only the hash, so a kept page
            // reads no abstract back.
            "abstract_hash": if with_abstract { work.abstract_md.as_ref().map(|t| t.hash()) } else { None },
            "abstract_html": null,
        })
    }

    /// A work in a list: its rendered item and what a theme needs to
    /// group or filter the list.
    pub fn listed_work(&self, w: u32, html: String) -> Value {
        let work = &self.corpus.works[w as usize];
        with(
            json!({"id": work.id, "year": work.year, "type_key": work.kind.key()}),
            [("html", Value::String(html))],
        )
    }

    fn affiliations(&self, r: u32) -> Value {
        let res = &self.corpus.researchers[r as usize];
        Value::Array(
            res.affiliations
                .iter()
                .map(|&i| json!({"name": self.corpus.institutions[i as usize].name, "url": self.institution_url(i)}))
                .collect(),
        )
    }

    fn counts(&self, r: u32) -> Value {
        let res = &self.corpus.researchers[r as usize];
        json!({
            "works": self.d.works_of[r as usize].len(),
            "followers": res.followers,
            "topics": self.d.researcher_topics[r as usize].len(),
            "close_collaborators": self.d.close[r as usize],
        })
    }

    /// Action links from the URL templates; no claim link once claimed.
    fn actions(&self, r: u32) -> Value {
        let c = self.config;
        let res = &self.corpus.researchers[r as usize];
        let claimed = res.trust.as_ref().and_then(|t| t.claimed) == Some(true);
        json!({
            "follow_url": c.action_url(&c.follow_url, &res.id),
            "claim_url": if claimed { None } else { c.action_url(&c.claim_url, &res.id) },
            "contact_url": c.action_url(&c.contact_url, &res.id),
        })
    }

    /// A researcher as listed in the directory, on topic and institution pages.
    pub fn researcher_item(&self, r: u32) -> Value {
        let res = &self.corpus.researchers[r as usize];
        json!({
            "id": res.id,
            "name": res.name,
            "url": self.researcher_url(r),
            "headline": res.headline,
            "affiliations": self.affiliations(r),
            "counts": self.counts(r),
            "open_to_collaborate": res.open_to_collaborate,
        })
    }

    /// `works` are the researcher's works as listed, in `works_of` order.
    pub fn profile(&self, r: u32, g: &Graph, works: Vec<Value>) -> Value {
        let c = self.config;
        let res = &self.corpus.researchers[r as usize];
        let trust = match &res.trust {
            None => json!({"assessed": false}),
            Some(t) => json!({
                "assessed": true,
                "score": t.score,
                "band": t.score.map(|s| c.trust_band(s)),
                "score_label": score_label(c, t),
                "verification": t.verification,
                "claimed": t.claimed,
                "claim_label": claim_label(t),
            }),
        };
        let topics: Vec<Value> = self.d.researcher_topics[r as usize]
            .iter()
            .map(|t| {
                let info = &self.d.topics[t.topic as usize];
                json!({"label": info.label, "url": self.topic_url(t.topic), "works": t.works, "declared": t.declared, "extracted": !info.declared})
            })
            .collect();
        let all = &self.d.collaborators[r as usize];
        let collaborators: Vec<Value> = all
            .iter()
            .take(MAX_LISTED_COLLABORATORS)
            .map(|co| {
                json!({
                    "name": co.name,
                    "url": co.researcher().map(|o| self.researcher_url(o)),
                    "orcid_url": orcid_url(&co.orcid),
                    "shared": co.shared,
                    "latest_year": co.latest_year,
                    "close": co.shared >= c.close_min_shared,
                })
            })
            .collect();
        let mut lists = node_lists(c, g);
        let url = self.researcher_url(r);
        let permalink = c.permalink_of(&["researchers/", &res.id, "/"]);
        let mut same_as: Vec<String> = res
            .orcid
            .iter()
            .map(|o| format!("https://orcid.org/{}", o))
            .collect();
        same_as.extend(
            res.links
                .iter()
                .filter(|l| !l.url.starts_with("mailto:"))
                .map(|l| l.url.clone()),
        );
        let jsonld = json!({
            "@context": "https://schema.org",
            "@type": "Person",
            "name": res.name,
            "alternateName": res.aliases,
            "url": permalink,
            "description": res.headline,
            "sameAs": same_as,
            "affiliation": res.affiliations.iter().map(|&i| json!({"@type": "Organization", "name": self.corpus.institutions[i as usize].name})).collect::<Vec<_>>(),
        });
        let page = json!({
            "id": res.id,
            "name": res.name,
            "aliases": res.aliases,
            "headline": res.headline,
            "role": res.role,
            "bio_html": self.d.bio_html[r as usize],
            "orcid": res.orcid,
            "orcid_url": orcid_url(&res.orcid),
            "links": res.links.iter().map(|l| json!({"label": l.label, "url": l.url})).collect::<Vec<_>>(),
            "affiliations": self.affiliations(r),
            "open_to_collaborate": res.open_to_collaborate,
            "trust": trust,
            "counts": self.counts(r),
            "actions": self.actions(r),
            "collaborators_total": all.len(),
            "collaborators_more": all.len().saturating_sub(MAX_LISTED_COLLABORATORS),
            "url": url,
            "permalink": permalink,
            "embed_url": c.link_of(&["researchers/", &res.id, "/embed/"]),
            "embed_snippet": embed_snippet(&c.permalink_of(&["researchers/", &res.id, "/embed/"]), &format!("Profile of {}", res.name), 720),
            "json_url": c.link_of(&["researchers/", &res.id, "/profile.json"]),
            "jsonld": json_for_html(&jsonld),
        });
        let graph = with(
            json!({
                "json_url": c.link_of(&["researchers/", &res.id, "/graph.json"]),
                "explorer_url": c.link_of(&["researchers/", &res.id, "/graph/"]),
                "totals": g.totals,
                "node_budget": g.node_budget,
            }),
            [
                ("works", lists["works"].take()),
                ("people", lists["people"].take()),
                ("topics", lists["topics"].take()),
                ("institutions", lists["institutions"].take()),
            ],
        );
        with(
            page,
            [
                ("topics", Value::Array(topics)),
                ("collaborators", Value::Array(collaborators)),
                ("works", Value::Array(works)),
                ("graph", graph),
            ],
        )
    }

    /// The full-page graph explorer of a researcher.
    pub fn explorer(&self, r: u32, g: &Graph) -> Value {
        let c = self.config;
        let res = &self.corpus.researchers[r as usize];
        with(
            json!({
                "id": res.id,
                "name": res.name,
                "profile_url": self.researcher_url(r),
                "json_url": c.link_of(&["researchers/", &res.id, "/graph.json"]),
                "totals": g.totals,
                "node_budget": g.node_budget,
                "years": year_range(g),
            }),
            [("lists", node_lists(c, g))],
        )
    }

    /// The compact card made for an iframe.
    pub fn embed(&self, r: u32) -> Value {
        let c = self.config;
        let res = &self.corpus.researchers[r as usize];
        let mut p = self.researcher_item(r);
        let trust = res.trust.as_ref().map(|t| {
            let verification = t
                .verification
                .as_ref()
                .map(|v| format!("Verification {}", v));
            let claim = claim_label(t).map(str::to_string);
            [score_label(c, t), verification, claim]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" · ")
        });
        let o = p.as_object_mut().expect("researcher_item is an object");
        o.insert(
            "trust_line".into(),
            json!(trust.unwrap_or_else(|| "Trust not assessed".into())),
        );
        o.insert("role".into(), json!(res.role));
        o.insert(
            "permalink".into(),
            json!(c.permalink_of(&["researchers/", &res.id, "/"])),
        );
        o.insert(
            "topics".into(),
            Value::Array(self.d.researcher_topics[r as usize].iter().map(|t| {
            let info = &self.d.topics[t.topic as usize];
            json!({"label": info.label, "url": c.permalink_of(&["topics/", &info.id, "/"])})
        }).collect()),
        );
        o.insert("works".into(), Value::Array(self.d.works_of[r as usize].iter().take(3).map(|&w| {
            let work = &self.corpus.works[w as usize];
            json!({"title": work.title, "year": work.year, "type": work.kind.label(), "venue": work.venue, "url": c.permalink_of(&["works/", &work.id, "/"])})
        }).collect()));
        p
    }

    /// How a researcher's graph is drawn on a page of the `drawing` kind.
    pub fn drawing_style(&self, r: u32, drawing: Drawing) -> super::svg::Style {
        let res = &self.corpus.researchers[r as usize];
        let (width, height, margin_x, margin_y, max_label, hidden_labels) = match drawing {
            Drawing::Profile => (1000.0, 620.0, 200.0, 40.0, 32, false),
            Drawing::Explorer => (1100.0, 760.0, 210.0, 36.0, 34, true),
            Drawing::Embed => (640.0, 340.0, 150.0, 24.0, 22, false),
        };
        let (dom_id, title) = match drawing {
            Drawing::Profile => ("graph", "Research graph of"),
            Drawing::Explorer => ("explorer", "Research graph explorer for"),
            Drawing::Embed => ("embed", "Research graph of"),
        };
        super::svg::Style {
            width,
            height,
            margin_x,
            margin_y,
            max_label,
            hidden_labels,
            dom_id: format!("{}-{}", dom_id, res.id),
            title: format!("{} {}", title, res.name),
        }
    }

    /// The machine-readable profile (docs/profile-json.md), serialised
    /// straight from the corpus: no value tree, no copied abstracts.
    pub fn profile_json(&self, r: u32) -> Vec<u8> {
        // About what the document takes, abstracts mostly, so that the
        // buffer is not grown and copied on the way.
        let works = &self.d.works_of[r as usize];
        let abstracts: usize = works
            .iter()
            .filter_map(|&w| self.corpus.works[w as usize].abstract_md.as_ref())
            .map(|t| t.len() + t.len() / 16)
            .sum();
        let size = 4096
            + abstracts
            + 512 * works.len()
            + 256
                * self.d.collaborators[r as usize]
                    .len()
                    .min(MAX_JSON_COLLABORATORS);
        let mut out = Vec::with_capacity(size);
        serde_json::to_writer(&mut out, &self.profile_doc(r)).expect("profile serialises");
        out.push(b'\n');
        out
    }

    /// The profile document.
    fn profile_doc(&self, r: u32) -> json_doc::Profile<'_> {
        let c = self.config;
        let res = &self.corpus.researchers[r as usize];
        let link = |kind: &str, id: &str| c.permalink_of(&[kind, "/", id, "/"]);
        let researcher = |o: u32| &self.corpus.researchers[o as usize];
        let all = &self.d.collaborators[r as usize];
        json_doc::Profile {
            actions: self.actions(r),
            affiliations: res
                .affiliations
                .iter()
                .map(|&i| {
                    let inst = &self.corpus.institutions[i as usize];
                    json_doc::Institution {
                        id: &inst.id,
                        name: &inst.name,
                        url: link("institutions", &inst.id),
                    }
                })
                .collect(),
            aliases: &res.aliases,
            collaborators: all
                .iter()
                .take(MAX_JSON_COLLABORATORS)
                .map(|co| json_doc::Collaborator {
                    close: co.shared >= c.close_min_shared,
                    id: co.researcher().map(|o| researcher(o).id.as_str()),
                    latest_year: co.latest_year,
                    name: &co.name,
                    orcid: &co.orcid,
                    shared_works: co.shared,
                    url: co
                        .researcher()
                        .map(|o| link("researchers", &researcher(o).id)),
                })
                .collect(),
            collaborators_total: all.len(),
            counts: self.counts(r),
            graph: json_doc::GraphLinks {
                embed_url: c.permalink_of(&["researchers/", &res.id, "/embed/"]),
                explorer_url: c.permalink_of(&["researchers/", &res.id, "/graph/"]),
                json_url: c.permalink_of(&["researchers/", &res.id, "/graph.json"]),
            },
            headline: &res.headline,
            id: &res.id,
            links: res
                .links
                .iter()
                .map(|l| json_doc::Link {
                    label: &l.label,
                    url: &l.url,
                })
                .collect(),
            name: &res.name,
            open_to_collaborate: res.open_to_collaborate,
            orcid: &res.orcid,
            role: &res.role,
            topics: self.d.researcher_topics[r as usize]
                .iter()
                .map(|t| {
                    let info = &self.d.topics[t.topic as usize];
                    json_doc::Topic {
                        declared: t.declared,
                        extracted: !info.declared,
                        id: &info.id,
                        label: &info.label,
                        url: link("topics", &info.id),
                        works: t.works,
                    }
                })
                .collect(),
            trust: res.trust.as_ref().map(|t| json_doc::Trust {
                band: t.score.map(|s| c.trust_band(s)),
                claimed: t.claimed,
                score: t.score,
                verification: &t.verification,
            }),
            url: link("researchers", &res.id),
            version: PROFILE_JSON_VERSION,
            works: self.d.works_of[r as usize]
                .iter()
                .map(|&w| {
                    let work = &self.corpus.works[w as usize];
                    json_doc::Work {
                        r#abstract: self.corpus.abstract_of(work),
                        doi: &work.doi,
                        id: &work.id,
                        link: &work.url,
                        title: &work.title,
                        r#type: work.kind.key(),
                        url: link("works", &work.id),
                        venue: &work.venue,
                        year: work.year,
                    }
                })
                .collect(),
        }
    }

    /// A group page or its embed: members and their combined graph.
    pub fn group(
        &self,
        group: &crate::config::Group,
        members: &[u32],
        g: &Graph,
        embed: bool,
    ) -> Value {
        let c = self.config;
        let st = if embed {
            super::svg::Style {
                width: 640.0,
                height: 380.0,
                margin_x: 150.0,
                margin_y: 24.0,
                max_label: 22,
                hidden_labels: false,
                dom_id: format!("group-embed-{}", group.id),
                title: format!("Research graph of {}", group.name),
            }
        } else {
            super::svg::Style {
                width: 1100.0,
                height: 760.0,
                margin_x: 210.0,
                margin_y: 40.0,
                max_label: 32,
                hidden_labels: false,
                dom_id: format!("group-{}", group.id),
                title: format!("Research graph of {}", group.name),
            }
        };
        let embed_link = c.permalink_of(&["groups/", &group.id, "/embed/"]);
        let members = members
            .iter()
            .map(|&m| {
                let mut v = self.researcher_item(m);
                if embed {
                    let id = &self.corpus.researchers[m as usize].id;
                    v["url"] = json!(c.permalink_of(&["researchers/", id, "/"]));
                }
                v
            })
            .collect();
        with(
            json!({
                "id": group.id,
                "name": group.name,
                "description": group.description,
                "totals": g.totals,
                "url": c.link_of(&["groups/", &group.id, "/"]),
                "permalink": c.permalink_of(&["groups/", &group.id, "/"]),
                "json_url": c.link_of(&["groups/", &group.id, "/graph.json"]),
                "embed_url": c.link_of(&["groups/", &group.id, "/embed/"]),
                "embed_snippet": embed_snippet(&embed_link, &group.name, 640),
            }),
            [
                ("members", Value::Array(members)),
                ("svg_html", Value::String(super::svg::render(g, c, &st))),
                ("lists", node_lists(c, g)),
            ],
        )
    }

    pub fn work(&self, w: u32) -> Value {
        let c = self.config;
        let work = &self.corpus.works[w as usize];
        // Affiliations by author position, in one pass over the pairs.
        let mut insts_of: Vec<Vec<Value>> = vec![Vec::new(); work.authors.len()];
        for &(pos, i) in &work.author_institutions {
            let inst = &self.corpus.institutions[i as usize];
            insts_of[pos as usize].push(json!({"name": inst.short_name.as_ref().unwrap_or(&inst.name), "url": self.institution_url(i)}));
        }
        let authors: Vec<Value> = work
            .authors
            .iter()
            .zip(insts_of)
            .map(|(a, insts)| {
                let mut v = match a {
                    Author::Researcher(r) => {
                        let res = &self.corpus.researchers[*r as usize];
                        json!({"name": res.name, "url": self.researcher_url(*r), "orcid_url": orcid_url(&res.orcid)})
                    }
                    Author::External { name, orcid, .. } => json!({"name": name, "url": null, "orcid_url": orcid_url(orcid)}),
                };
                v["institutions"] = Value::Array(insts);
                v
            })
            .collect();
        let versions: Vec<Value> = work
            .versions
            .iter()
            .map(|&v| {
                let other = &self.corpus.works[v as usize];
                json!({"title": other.title, "url": self.work_url(v), "type": other.kind.label(), "year": other.year, "venue": other.venue})
            })
            .collect();
        let topics: Vec<Value> = self.d.work_topics[w as usize]
            .iter()
            .map(|t| json!({"label": self.d.topics[t.topic as usize].label, "url": self.topic_url(t.topic), "extracted": t.extracted}))
            .collect();
        let permalink = c.permalink_of(&["works/", &work.id, "/"]);
        let jsonld = json_doc::WorkLd {
            context: "https://schema.org",
            kind: work.kind.schema_org(),
            author: work
                .authors
                .iter()
                .map(|a| json_doc::PersonLd {
                    kind: "Person",
                    name: match a {
                        Author::Researcher(r) => &self.corpus.researchers[*r as usize].name,
                        Author::External { name, .. } => name,
                    },
                })
                .collect(),
            date_published: work.year.map(|y| y.to_string()),
            identifier: work.doi.as_ref().map(|d| format!("https://doi.org/{}", d)),
            is_part_of: work.venue.as_deref(),
            name: &work.title,
            url: &permalink,
        };
        let mut item = self.work_item(w, true);
        let obj = item.as_object_mut().expect("work_item is an object");
        obj.insert("authors".into(), Value::Array(authors));
        obj.insert(
            "authors_truncated".into(),
            Value::Bool(work.authors_truncated),
        );
        obj.insert("versions".into(), Value::Array(versions));
        obj.insert("identifiers".into(), identifiers(work));
        obj.insert("sources".into(), source_labels(&work.sources));
        obj.insert("month".into(), json!(work.month.map(month_name)));
        obj.insert("topics".into(), Value::Array(topics));
        let jsonld = json_for_html(&jsonld);
        obj.insert("permalink".into(), Value::String(permalink));
        obj.insert("jsonld".into(), Value::String(jsonld));
        item
    }

    /// Work `w`'s abstract, if it has one, as sanitised HTML and as its
    /// plain-text start of up to `excerpt` characters.
    pub fn abstract_parts(&self, w: u32, excerpt: usize) -> Option<(SafeHtml, String)> {
        let md = self.corpus.abstract_of(&self.corpus.works[w as usize])?;
        Some(crate::markdown::render_with_excerpt(&md, excerpt))
    }

    /// A topic page; `works` are its works' list items.
    pub fn topic(&self, t: u32, works: Vec<Value>) -> Value {
        let info = &self.d.topics[t as usize];
        let decl = info.decl.map(|i| &self.corpus.topics[i as usize]);
        let page = json!({
            "id": info.id,
            "label": info.label,
            "extracted": !info.declared,
            "aliases": decl.map(|d| &d.aliases),
            "description_html": info.decl.and_then(|i| self.d.topic_html[i as usize].as_ref()),
            "url": self.topic_url(t),
        });
        let researchers = info.researchers.iter().map(|&(r, n)| {
            let mut v = self.researcher_item(r);
            v["topic_works"] = json!(n);
            v
        });
        with(
            page,
            [
                ("researchers", Value::Array(researchers.collect())),
                ("works", Value::Array(works)),
            ],
        )
    }

    pub fn topic_item(&self, t: u32) -> Value {
        let info = &self.d.topics[t as usize];
        json!({"label": info.label, "url": self.topic_url(t), "works": info.works.len(), "researchers": info.researchers.len(), "extracted": !info.declared})
    }

    /// An institution page; `works` are its works' list items.
    pub fn institution(&self, i: u32, works: Vec<Value>) -> Value {
        let inst = &self.corpus.institutions[i as usize];
        let page = json!({
            "id": inst.id,
            "name": inst.name,
            "short_name": inst.short_name,
            "country": inst.country,
            "link": inst.url,
            "ror_url": inst.ror.as_ref().map(|r| format!("https://ror.org/{}", r)),
            "description_html": self.d.institution_html[i as usize],
            "url": self.institution_url(i),
        });
        let members = self.d.members[i as usize]
            .iter()
            .map(|&r| self.researcher_item(r));
        with(
            page,
            [
                ("members", Value::Array(members.collect())),
                ("works", Value::Array(works)),
            ],
        )
    }

    pub fn institution_item(&self, i: u32) -> Value {
        let inst = &self.corpus.institutions[i as usize];
        json!({"name": inst.name, "url": self.institution_url(i), "country": inst.country, "members": self.d.members[i as usize].len()})
    }
}

/// A work's identifiers besides its DOI, as links where they resolve.
fn identifiers(work: &crate::model::Work) -> Value {
    let ids = &work.ids;
    let mut out = Vec::new();
    let mut push = |label: &str, text: &Option<String>, url: Option<String>| {
        if let Some(t) = text {
            out.push(json!({"label": label, "text": t, "url": url}));
        }
    };
    push(
        "arXiv",
        &ids.arxiv,
        ids.arxiv
            .as_ref()
            .map(|a| format!("https://arxiv.org/abs/{}", a)),
    );
    push(
        "OpenAlex",
        &ids.openalex,
        ids.openalex
            .as_ref()
            .map(|a| format!("https://openalex.org/{}", a)),
    );
    push(
        "PubMed",
        &ids.pmid,
        ids.pmid
            .as_ref()
            .map(|a| format!("https://pubmed.ncbi.nlm.nih.gov/{}/", a)),
    );
    push(
        "PMC",
        &ids.pmcid,
        ids.pmcid
            .as_ref()
            .map(|a| format!("https://www.ncbi.nlm.nih.gov/pmc/articles/{}/", a)),
    );
    push("ISBN", &ids.isbn, None);
    Value::Array(out)
}

/// "BibTeX", "ORCID", ... for `sources` entries such as `bibtex:key`.
fn source_labels(sources: &[String]) -> Value {
    let mut labels: Vec<&str> = Vec::new();
    for s in sources {
        let label = match s.split(':').next().unwrap_or("") {
            "bibtex" => "BibTeX",
            "orcid" => "ORCID",
            "openalex" => "OpenAlex",
            "csl-json" => "CSL-JSON",
            _ => continue,
        };
        if !labels.contains(&label) {
            labels.push(label);
        }
    }
    json!(labels)
}

fn month_name(m: u8) -> &'static str {
    const NAMES: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    NAMES[(m.clamp(1, 12) - 1) as usize]
}

pub fn graph_json(g: &Graph) -> Vec<u8> {
    // About what a node and an edge take, so that the buffer is not grown
    // and copied on the way.
    let mut v = Vec::with_capacity(512 + 256 * g.nodes.len() + 128 * g.edges.len());
    serde_json::to_writer(&mut v, g).expect("graph serialises");
    v.push(b'\n');
    v
}

/// The shape of profile.json. Fields are declared in alphabetical order,
/// the order the schema has always had (it was first written from sorted
/// maps), so that the bytes stay the same.
mod json_doc {
    use serde::Serialize;
    use serde_json::Value;
    use std::borrow::Cow;

    /// A work's schema.org record, its fields in the order a JSON object
    /// of them would sort in, as the pages have always had them.
    #[derive(Serialize)]
    pub struct WorkLd<'a> {
        #[serde(rename = "@context")]
        pub context: &'static str,
        #[serde(rename = "@type")]
        pub kind: &'static str,
        pub author: Vec<PersonLd<'a>>,
        #[serde(rename = "datePublished")]
        pub date_published: Option<String>,
        pub identifier: Option<String>,
        #[serde(rename = "isPartOf")]
        pub is_part_of: Option<&'a str>,
        pub name: &'a str,
        pub url: &'a str,
    }

    #[derive(Serialize)]
    pub struct PersonLd<'a> {
        #[serde(rename = "@type")]
        pub kind: &'static str,
        pub name: &'a str,
    }

    #[derive(Serialize)]
    pub struct Profile<'a> {
        pub actions: Value,
        pub affiliations: Vec<Institution<'a>>,
        pub aliases: &'a [String],
        pub collaborators: Vec<Collaborator<'a>>,
        pub collaborators_total: usize,
        pub counts: Value,
        pub graph: GraphLinks,
        pub headline: &'a Option<String>,
        pub id: &'a str,
        pub links: Vec<Link<'a>>,
        pub name: &'a str,
        pub open_to_collaborate: bool,
        pub orcid: &'a Option<String>,
        pub role: &'a str,
        pub topics: Vec<Topic<'a>>,
        pub trust: Option<Trust<'a>>,
        pub url: String,
        pub version: u32,
        pub works: Vec<Work<'a>>,
    }

    #[derive(Serialize)]
    pub struct Institution<'a> {
        pub id: &'a str,
        pub name: &'a str,
        pub url: String,
    }

    #[derive(Serialize)]
    pub struct Collaborator<'a> {
        pub close: bool,
        pub id: Option<&'a str>,
        pub latest_year: Option<u16>,
        pub name: &'a str,
        pub orcid: &'a Option<String>,
        pub shared_works: u32,
        pub url: Option<String>,
    }

    #[derive(Serialize)]
    pub struct GraphLinks {
        pub embed_url: String,
        pub explorer_url: String,
        pub json_url: String,
    }

    #[derive(Serialize)]
    pub struct Link<'a> {
        pub label: &'a str,
        pub url: &'a str,
    }

    #[derive(Serialize)]
    pub struct Topic<'a> {
        pub declared: bool,
        pub extracted: bool,
        pub id: &'a str,
        pub label: &'a str,
        pub url: String,
        pub works: u32,
    }

    #[derive(Serialize)]
    pub struct Trust<'a> {
        pub band: Option<&'a str>,
        pub claimed: Option<bool>,
        pub score: Option<u8>,
        pub verification: &'a Option<String>,
    }

    #[derive(Serialize)]
    pub struct Work<'a> {
        pub r#abstract: Option<Cow<'a, str>>,
        pub doi: &'a Option<String>,
        pub id: &'a str,
        pub link: &'a Option<String>,
        pub title: &'a str,
        pub r#type: &'a str,
        pub url: String,
        pub venue: &'a Option<String>,
        pub year: Option<u16>,
    }
}
