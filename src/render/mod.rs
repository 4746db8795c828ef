//! Stages 5 and 6, plan and render: one job per output page, rendered in
//! parallel and handed to [`Output::write`] as soon as it is ready, so the
//! whole site is never held in memory.

pub mod inputs;
pub mod svg;
pub mod theme;
pub mod views;

use crate::config::Config;
use crate::derive::Derived;
use crate::model::Corpus;
use crate::output::{FileRecord, Output};
use crate::Error;
use rayon::prelude::*;
use serde_json::{json, Value};
use std::borrow::Cow;
use std::sync::atomic::{AtomicUsize, Ordering};
use tera::Context;
use theme::Theme;
use views::{Chunked, Strings, Views};
use xxhash_rust::xxh3::Xxh3;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Job {
    /// Page n (0-based) of the researcher directory.
    Directory(usize),
    /// A profile page, its graph JSON, explorer, embed and profile JSON.
    Researcher(u32),
    /// A group page, its embed and its graph JSON.
    Group(u32),
    Work(u32),
    WorkList(usize),
    Topic(u32),
    Topics,
    Institution(u32),
    Institutions,
    NotFound,
    Asset(usize),
    Sitemap,
}

pub fn plan(corpus: &Corpus, d: &Derived, config: &Config, theme: &Theme) -> Vec<Job> {
    let pages = |n: usize| n.div_ceil(config.per_page).max(1);
    let mut jobs = Vec::new();
    jobs.extend((0..pages(corpus.researchers.len())).map(Job::Directory));
    jobs.extend((0..corpus.researchers.len() as u32).map(Job::Researcher));
    jobs.extend((0..corpus.works.len() as u32).map(Job::Work));
    jobs.extend((0..pages(corpus.works.len())).map(Job::WorkList));
    jobs.extend((0..d.topics.len() as u32).map(Job::Topic));
    jobs.push(Job::Topics);
    jobs.extend((0..corpus.institutions.len() as u32).map(Job::Institution));
    jobs.push(Job::Institutions);
    jobs.extend((0..config.groups.len() as u32).map(Job::Group));
    jobs.push(Job::NotFound);
    jobs.extend((0..theme.assets.len()).map(Job::Asset));
    if config.base_url.starts_with("http") {
        jobs.push(Job::Sitemap);
    }
    jobs
}

pub struct Renderer<'a> {
    pub views: Views<'a>,
    pub theme: &'a Theme,
    groups: &'a [Vec<u32>],
    site: Value,
    /// Every work's short list item, when rendered ahead
    /// ([`Renderer::with_items`]).
    short: Option<Chunked>,
    /// The item with its abstract of each work on two or more profiles,
    /// within [`LONG_ITEM_BYTES`], rendered ahead; empty for the rest.
    long: Option<LongItems>,
    /// The abstracts of the first works, within [`ABSTRACT_BYTES`], as
    /// HTML and as meta descriptions, rendered ahead for the profiles and
    /// the work pages that show them.
    abstracts: Option<(Chunked, Chunked)>,
    keep: Option<Keep<'a>>,
    /// What researcher and work jobs read, digested; with `keep` only.
    inputs: Option<inputs::Inputs<'a>>,
    /// The size of the last page rendered from each template.
    sizes: foldhash::HashMap<String, AtomicUsize>,
}

/// The last build's output, to keep pages from: a page whose digest is
/// the one recorded for its file is not rendered again.
struct Keep<'a> {
    out: &'a Output,
    /// Stands for all that a page's bytes depend on besides its own
    /// values: this program, the theme and the site-wide values.
    salt: u128,
}

impl Keep<'_> {
    /// Tera's output is a function of the templates and the values they
    /// are given, so equal digests mean equal bytes: `feed` gives the
    /// hasher all of them but the site-wide ones the salt stands for.
    fn digest(&self, path: &str, feed: impl FnOnce(&mut xxhash_rust::xxh3::Xxh3)) -> u128 {
        let mut h = xxhash_rust::xxh3::Xxh3::new();
        h.update(&self.salt.to_le_bytes());
        hash_str(&mut h, path);
        feed(&mut h);
        h.digest128()
    }
}

/// Whether a file has to be made again.
enum Check {
    /// The last build's file, kept.
    Kept(FileRecord),
    /// To be made, its digest recorded (none without a last build to keep from).
    Make(Option<u128>),
}

fn hash_str(h: &mut xxhash_rust::xxh3::Xxh3, s: &str) {
    h.update(&(s.len() as u64).to_le_bytes());
    h.update(s.as_bytes());
}

/// Feeds a value to the hasher: a tag per kind, lengths before contents,
/// so that different values never feed the same bytes. Serialising the
/// value as JSON would escape every string first, which cost more than
/// the hashing.
fn hash_value(h: &mut xxhash_rust::xxh3::Xxh3, v: &Value) {
    match v {
        Value::Null => h.update(b"n"),
        Value::Bool(b) => h.update(if *b { b"t" } else { b"f" }),
        Value::Number(n) => {
            if let Some(u) = n.as_u64() {
                h.update(b"u");
                h.update(&u.to_le_bytes());
            } else if let Some(i) = n.as_i64() {
                h.update(b"i");
                h.update(&i.to_le_bytes());
            } else {
                h.update(b"d");
                h.update(&n.as_f64().unwrap_or(f64::NAN).to_bits().to_le_bytes());
            }
        }
        Value::String(s) => {
            h.update(b"s");
            hash_str(h, s);
        }
        Value::Array(a) => {
            h.update(b"a");
            h.update(&(a.len() as u64).to_le_bytes());
            a.iter().for_each(|x| hash_value(h, x));
        }
        // Maps iterate in key order, so equal maps feed equal bytes.
        Value::Object(m) => {
            h.update(b"o");
            h.update(&(m.len() as u64).to_le_bytes());
            for (k, x) in m {
                hash_str(h, k);
                hash_value(h, x);
            }
        }
    }
}

/// Feeds the hasher every value `g` serialises, lengths before
/// contents as in [`hash_value`].
fn hash_graph(h: &mut xxhash_rust::xxh3::Xxh3, g: &crate::derive::graph::Graph) {
    h.update(&g.version.to_le_bytes());
    hash_str(h, &g.researcher);
    let t = &g.totals;
    for n in [
        g.node_budget,
        t.works,
        t.coauthors,
        t.topics,
        t.institutions,
    ] {
        h.update(&(n as u64).to_le_bytes());
    }
    h.update(&(g.nodes.len() as u64).to_le_bytes());
    for n in &g.nodes {
        for part in [n.id.as_str(), n.kind, n.label.as_str()] {
            hash_str(h, part);
        }
        match &n.url {
            Some(u) => hash_str(h, u),
            None => h.update(b"-"),
        }
        h.update(&n.weight.to_le_bytes());
        h.update(&n.year.map_or(u32::MAX, u32::from).to_le_bytes());
        h.update(&n.x.to_bits().to_le_bytes());
        h.update(&n.y.to_bits().to_le_bytes());
    }
    h.update(&(g.edges.len() as u64).to_le_bytes());
    // Nodes are fed in order, so an edge's places name its ends.
    for e in &g.edges {
        h.update(&e.source.to_le_bytes());
        h.update(&e.target.to_le_bytes());
        hash_str(h, e.kind);
        h.update(&e.weight.to_le_bytes());
    }
}

/// At most this many bytes of abstracts are rendered ahead into items
/// (see [`Renderer::with_items`]): a 100,000-work site's fit, and a larger
/// site renders the rest where they are used.
const LONG_ITEM_BYTES: usize = 256 << 20;

/// At most this many bytes of Markdown abstracts are rendered ahead
/// (see [`Renderer::with_items`]): a 100,000-work site's fit.
const ABSTRACT_BYTES: usize = 192 << 20;

/// Long items rendered ahead, each without the abstract it showed when
/// that is held among the abstracts rendered ahead: `cuts[w]` says where
/// in the item it was ([`WHOLE`] for an item held whole). Put back, the
/// item is the bytes rendered, whatever the theme did with the abstract.
struct LongItems {
    items: Chunked,
    cuts: Vec<u32>,
}

const WHOLE: u32 = u32::MAX;

/// Where `needle`, a long text, is in `hay`: looked for by its first
/// bytes, each place they are checked for the rest. `str::find` prepares
/// its search over the whole needle, which for abstracts of 2 KB was 2.5%
/// of a cold build's instructions. A needle whose start recurs inside
/// itself may be missed, and its item is then held whole.
fn find_long(hay: &str, needle: &str) -> Option<usize> {
    let n = (1..=needle.len().min(16))
        .rev()
        .find(|&n| needle.is_char_boundary(n))?;
    hay.match_indices(&needle[..n])
        .map(|(at, _)| at)
        .find(|&at| hay[at..].starts_with(needle))
}

/// Items and abstracts rendered ahead are made this many to a piece of
/// work (and to a buffer).
const CHUNK: usize = 4096;

/// A work page's meta description: its abstract's start, in characters.
const DESCRIPTION_CHARS: usize = 200;

/// `make` of each run of [`CHUNK`] of the indexes `0..n`, in parallel, in
/// order. One run to a piece of work: rayon otherwise hands a thread long
/// stretches it cannot share.
fn in_chunks<T: Send>(n: usize, make: impl Fn(std::ops::Range<usize>) -> T + Sync) -> Vec<T> {
    (0..n.div_ceil(CHUNK))
        .into_par_iter()
        .with_max_len(1)
        .map(|c| make(c * CHUNK..((c + 1) * CHUNK).min(n)))
        .collect()
}

/// How many of the first `costs` fit in `budget` together.
fn fitting(costs: impl Iterator<Item = usize>, mut budget: usize) -> usize {
    costs
        .take_while(|&c| budget.checked_sub(c).map(|b| budget = b).is_some())
        .count()
}

/// The context of `work_item.html`.
fn item_context(work: Value, with_abstract: bool) -> Value {
    views::with(json!({"abstract": with_abstract}), [("work", work)])
}

/// A graph a page shows, drawn only when the page is rendered.
struct Drawn<'g> {
    graph: &'g crate::derive::graph::Graph,
    style: svg::Style,
    at: views::Drawing,
}

/// One output of a job.
enum Piece {
    /// New bytes, with the digest of the values a page was rendered from.
    Bytes(Vec<u8>, Option<u128>),
    /// A page left as the last build wrote it.
    Kept(FileRecord),
}

impl<'a> Renderer<'a> {
    /// A renderer that renders each work's short list item where it is
    /// used; see [`Renderer::with_items`].
    pub fn new(
        corpus: &'a Corpus,
        d: &'a Derived,
        config: &'a Config,
        theme: &'a Theme,
        groups: &'a [Vec<u32>],
    ) -> Self {
        let views = Views { corpus, d, config };
        let site = views.site(&theme.css_rel, &theme.js_rel);
        Renderer {
            views,
            theme,
            groups,
            site,
            short: None,
            long: None,
            abstracts: None,
            keep: None,
            inputs: None,
            sizes: theme
                .tera
                .get_template_names()
                .map(|t| (t.to_string(), AtomicUsize::new(0)))
                .collect(),
        }
    }

    /// Pages whose values, theme and program (`program`, its hash) are
    /// those the last build of `out` rendered them from are kept as they
    /// are instead of being rendered again.
    pub fn keeping(mut self, out: &'a Output, program: u128) -> Self {
        let mut h = xxhash_rust::xxh3::Xxh3::new();
        h.update(&program.to_le_bytes());
        h.update(&self.theme.fingerprint.to_le_bytes());
        hash_value(&mut h, &self.site);
        self.keep = Some(Keep {
            out,
            salt: h.digest128(),
        });
        let v = &self.views;
        self.inputs = Some(inputs::Inputs::new(v.corpus, v.d, v.config));
        self
    }

    /// Renders every work's short list item ahead, in parallel. A short
    /// item is shared by the topic, institution and work-list pages that
    /// list it (four on average), so when most of those are made, as in a
    /// first build, this renders each once instead of where each is used.
    ///
    /// So are the items with abstracts of works on two or more profiles,
    /// each shown on every author's profile: up to [`LONG_ITEM_BYTES`] of
    /// abstracts, so that a large site's are not all held at once.
    ///
    /// Each abstract is rendered once, ahead, for the work's page and its
    /// authors' profiles alike: rendering abstracts, and reading them back,
    /// took 7% of a cold M build's samples when each rendered its own.
    pub fn with_items(mut self) -> Result<Self, Error> {
        self.abstracts = Some(self.abstracts_ahead());
        let v = &self.views;
        let n = v.corpus.works.len();
        let (short, _) = self.items(n, |w, buf| {
            let work = v.work_item(w, false);
            self.fragment_to("work_item.html", item_context(work, false), buf)
        })?;
        let long = self.long_items(&self.shared_works())?;
        self.short = Some(short);
        self.long = Some(long);
        Ok(self)
    }

    /// The items with abstracts of the `shared` works. An item that holds
    /// its abstract as rendered ahead is kept without it, cut where it was
    /// (see [`LongItems`]): held whole, the abstracts were a second copy,
    /// 63 of the 77 MB of these items on a 100,000-work site.
    fn long_items(&self, shared: &[bool]) -> Result<LongItems, Error> {
        let (items, cuts) = self.items(shared.len(), |w, buf| {
            if !shared[w as usize] {
                return Ok(WHOLE);
            }
            self.fragment_to("work_item.html", self.long_context(w), buf)?;
            let item = std::str::from_utf8(buf).expect("tera writes UTF-8");
            let html = self.ahead_html(w).filter(|h| !h.is_empty());
            Ok(
                match html.and_then(|h| Some((find_long(item, h)?, h.len()))) {
                    Some((at, len)) => {
                        buf.drain(at..at + len);
                        at as u32
                    }
                    None => WHOLE,
                },
            )
        })?;
        Ok(LongItems { items, cuts })
    }

    /// A work's abstract as HTML, when it was rendered ahead.
    fn ahead_html(&self, w: u32) -> Option<&str> {
        self.abstracts.as_ref()?.0.get(w as usize)
    }

    /// Each of `n` works' item as `render` writes it, in parallel, and
    /// what `render` returned for it.
    fn items<T: Send>(
        &self,
        n: usize,
        render: impl Fn(u32, &mut Vec<u8>) -> Result<T, Error> + Sync,
    ) -> Result<(Chunked, Vec<T>), Error> {
        // Each chunk renders into one reused buffer: a String per item
        // would hold tera's 2 KB starting capacity for a 300-byte item
        // until the whole list is collected.
        let chunks = in_chunks(n, |works| {
            let (mut items, mut extra, mut buf) = (Strings::default(), Vec::new(), Vec::new());
            for w in works {
                buf.clear();
                extra.push(render(w as u32, &mut buf)?);
                items.push(std::str::from_utf8(&buf).expect("tera writes UTF-8"));
            }
            Ok((items, extra))
        });
        let (mut items, mut extra) = (Vec::with_capacity(chunks.len()), Vec::with_capacity(n));
        for c in chunks {
            let (i, e): (Strings, Vec<T>) = c?;
            items.push(i);
            extra.extend(e);
        }
        Ok((Chunked::new(items, CHUNK), extra))
    }

    /// The HTML and meta description of the abstract of each of the first
    /// works whose abstracts fit in [`ABSTRACT_BYTES`], in parallel; empty
    /// for a work without one.
    fn abstracts_ahead(&self) -> (Chunked, Chunked) {
        let works = &self.views.corpus.works;
        let costs = works
            .iter()
            .map(|w| w.abstract_md.as_ref().map_or(0, |t| t.len()));
        let k = fitting(costs, ABSTRACT_BYTES);
        let chunks = in_chunks(k, |works| {
            let (mut html, mut description) = (Strings::default(), Strings::default());
            for w in works {
                let (h, d) = self
                    .views
                    .abstract_parts(w as u32, DESCRIPTION_CHARS)
                    .unwrap_or_default();
                html.push(h.as_str());
                description.push(&d);
            }
            (html, description)
        });
        let (html, description): (Vec<_>, Vec<_>) = chunks.into_iter().unzip();
        (Chunked::new(html, CHUNK), Chunked::new(description, CHUNK))
    }

    /// Work `w`'s abstract as HTML and as a meta description, if it has
    /// one: those rendered ahead, or else rendered now.
    fn abstract_parts(&self, w: u32) -> Option<(Cow<'_, str>, Cow<'_, str>)> {
        self.views.corpus.works[w as usize].abstract_md.as_ref()?;
        if let Some((html, description)) = &self.abstracts {
            if let (Some(h), Some(d)) = (html.get(w as usize), description.get(w as usize)) {
                return Some((Cow::Borrowed(h), Cow::Borrowed(d)));
            }
        }
        let (h, d) = self.views.abstract_parts(w, DESCRIPTION_CHARS)?;
        Some((Cow::Owned(h.as_str().to_string()), Cow::Owned(d)))
    }

    /// Which works are on two or more profiles, taken in id order while
    /// their abstracts fit in [`LONG_ITEM_BYTES`].
    fn shared_works(&self) -> Vec<bool> {
        let (corpus, d) = (self.views.corpus, self.views.d);
        let mut profiles = vec![0u8; corpus.works.len()];
        for &w in d.works_of.iter().flatten() {
            let p = &mut profiles[w as usize];
            *p = p.saturating_add(1);
        }
        let mut budget = LONG_ITEM_BYTES;
        profiles
            .iter()
            .zip(&corpus.works)
            .map(|(&p, work)| {
                let cost = work.abstract_md.as_ref().map_or(0, |t| t.len()) + 512;
                let take = p >= 2 && cost <= budget;
                if take {
                    budget -= cost;
                }
                take
            })
            .collect()
    }

    /// The context of a work's item with its abstract.
    fn long_context(&self, w: u32) -> Value {
        let v = &self.views;
        let mut item = v.work_item(w, true);
        views::put_abstract(&mut item, self.abstract_parts(w).map(|(h, _)| h));
        item_context(item, true)
    }

    /// Whether the pages of the last build were made with this one's
    /// site-wide values, theme and program: then its 404 page, which shows
    /// nothing else, is kept, and so are most listings.
    pub fn keeps_site(&self) -> bool {
        matches!(
            self.pieces(Job::NotFound).as_deref(),
            Ok([(_, Piece::Kept(_))])
        )
    }

    /// A work's item with its abstract, as on its authors' profiles: the
    /// one rendered ahead, or else rendered now.
    fn long_html(&self, w: u32) -> Result<String, Error> {
        let held = self.long.as_ref().and_then(|l| {
            let item = l.items.get(w as usize).filter(|s| !s.is_empty())?;
            match *l.cuts.get(w as usize)? {
                WHOLE => Some(item.to_string()),
                cut => {
                    let (head, tail) = item.split_at(cut as usize);
                    Some([head, self.ahead_html(w)?, tail].concat())
                }
            }
        });
        match held {
            Some(s) => Ok(s),
            None => self.fragment("work_item.html", self.long_context(w)),
        }
    }

    /// A work's short list item: the one rendered ahead, or else rendered
    /// now.
    fn short_html(&self, w: u32) -> Result<String, Error> {
        match self.short.as_ref().and_then(|s| s.get(w as usize)) {
            Some(s) => Ok(s.to_string()),
            None => self.item_html(self.views.work_item(w, false), false),
        }
    }

    /// A page listing `works` by their short items, under its `works`
    /// (made by [`Views::listed_work`] without HTML). Its digest covers
    /// what `feed` gives of the rest of its values and the works' records,
    /// all a short item shows; its values are made by `page` and its items
    /// rendered only when the page is.
    fn listing(
        &self,
        template: &str,
        path: &str,
        works: &[u32],
        feed: impl FnOnce(&inputs::Inputs, &mut Xxh3),
        page: impl FnOnce() -> Value,
    ) -> Result<Piece, Error> {
        let digest = match &self.inputs {
            Some(i) => match self.check(path, |h| {
                hash_str(h, template);
                feed(i, h);
                i.works_into(h, works);
            }) {
                Check::Kept(rec) => return Ok(Piece::Kept(rec)),
                Check::Make(d) => d,
            },
            None => None,
        };
        let fill = |page: &mut Value| fill_listed(page, works, |w| self.short_html(w));
        self.make_page(template, page(), path, None, fill, digest)
    }

    /// The entries of `works` in a listing, their items yet to be rendered.
    fn listed(&self, works: &[u32]) -> Vec<Value> {
        works
            .iter()
            .map(|&w| self.views.listed_work(w, String::new()))
            .collect()
    }

    /// `work_item.html` of a work's view (from [`Views::work_item`]).
    fn item_html(&self, work: Value, with_abstract: bool) -> Result<String, Error> {
        self.fragment("work_item.html", item_context(work, with_abstract))
    }

    fn fragment(&self, template: &str, ctx: Value) -> Result<String, Error> {
        let mut buf = Vec::new();
        self.fragment_to(template, ctx, &mut buf)?;
        Ok(String::from_utf8(buf).expect("tera writes UTF-8"))
    }

    /// Renders `template` with `ctx` onto the end of `buf`.
    fn fragment_to(&self, template: &str, ctx: Value, buf: &mut Vec<u8>) -> Result<(), Error> {
        let err = |e: tera::Error| Error::Template {
            name: template.to_string(),
            message: theme::tera_message(&e),
        };
        let ctx = Context::from_value(ctx).map_err(err)?;
        self.theme.tera.render_to(template, &ctx, buf).map_err(err)
    }

    /// A page made from its values alone, kept when they are the last
    /// build's.
    fn page(&self, template: &str, page: Value, path: &str) -> Result<Piece, Error> {
        let digest = match self.check(path, |h| {
            hash_str(h, template);
            hash_value(h, &page);
        }) {
            Check::Kept(rec) => return Ok(Piece::Kept(rec)),
            Check::Make(d) => d,
        };
        self.make_page(template, page, path, None, |_| Ok(()), digest)
    }

    fn drawn<'g>(
        &self,
        r: u32,
        graph: &'g crate::derive::graph::Graph,
        at: views::Drawing,
    ) -> Drawn<'g> {
        let style = self.views.drawing_style(r, at);
        Drawn { graph, style, at }
    }

    /// Renders a page: its values completed by `fill` and the drawing of
    /// `drawn`, its digest (if any) recorded with it.
    fn make_page(
        &self,
        template: &str,
        mut page: Value,
        path: &str,
        drawn: Option<Drawn>,
        fill: impl FnOnce(&mut Value) -> Result<(), Error>,
        digest: Option<u128>,
    ) -> Result<Piece, Error> {
        fill(&mut page)?;
        if let Some(d) = drawn {
            d.at.put(&mut page, svg::render(d.graph, self.views.config, &d.style));
        }
        // from_value moves the view in; Context::insert would serialise the
        // whole tree again, which was a tenth of a large build.
        let mut top = serde_json::Map::with_capacity(3);
        top.insert("site".into(), self.site.clone());
        top.insert("page".into(), page);
        top.insert("path".into(), Value::String(path.to_string()));
        // A page starts at the largest size its template has had so far:
        // grown from nothing, a 60 KB page is copied about twice over on
        // the way, and profiles vary too much in size for the last one's
        // to be a guide to the next.
        let size = self.sizes.get(template);
        let hint = size.map_or(0, |s| s.load(Ordering::Relaxed));
        let mut html = Vec::with_capacity(hint);
        self.fragment_to(template, Value::Object(top), &mut html)?;
        if let Some(s) = size {
            s.fetch_max(html.len(), Ordering::Relaxed);
        }
        Ok(Piece::Bytes(html, digest))
    }

    /// Whether the file `path` can be kept from the last build: it can when
    /// the digest of what `feed` gives is the one recorded for it.
    fn check(&self, path: &str, feed: impl FnOnce(&mut xxhash_rust::xxh3::Xxh3)) -> Check {
        let Some(k) = &self.keep else {
            return Check::Make(None);
        };
        let d = k.digest(path, feed);
        match k.out.kept(path, d) {
            Some(rec) => Check::Kept(rec),
            None => Check::Make(Some(d)),
        }
    }

    /// `graph.json` of `g`, made from `g` alone.
    fn graph_file(&self, g: &crate::derive::graph::Graph, path: &str) -> Piece {
        match self.check(path, |h| hash_graph(h, g)) {
            Check::Kept(rec) => Piece::Kept(rec),
            Check::Make(d) => Piece::Bytes(views::graph_json(g), d),
        }
    }

    /// Whether the file `path` of a job whose inputs have the digest
    /// `inputs` (from [`inputs::Inputs`]) can be kept from the last build.
    fn check_inputs(&self, path: &str, inputs: Option<u128>) -> Check {
        match inputs {
            Some(d) => self.check(path, |h| h.update(&d.to_le_bytes())),
            None => Check::Make(None),
        }
    }

    /// A researcher's five files (see [`Renderer::outputs`]), each kept
    /// when the researcher's inputs are those the last build made it from,
    /// else made; the graph slices are taken only for the files made.
    fn researcher_pieces(&self, r: u32, paths: &[String]) -> Result<Vec<Piece>, Error> {
        let v = &self.views;
        let (c, corpus, d) = (v.config, v.corpus, v.d);
        let inputs = self.inputs.as_ref().map(|i| i.researcher(r));
        let mut pieces: Vec<Option<Piece>> = Vec::with_capacity(paths.len());
        let mut make: Vec<Option<Option<u128>>> = Vec::with_capacity(paths.len());
        for p in paths {
            match self.check_inputs(p, inputs) {
                Check::Kept(rec) => {
                    pieces.push(Some(Piece::Kept(rec)));
                    make.push(None);
                }
                Check::Make(digest) => {
                    pieces.push(None);
                    make.push(Some(digest));
                }
            }
        }
        let [profile, explorer, embed] = crate::derive::graph::slices(
            corpus,
            d,
            c,
            r,
            [
                (make[0].is_some() || make[1].is_some()).then_some(c.graph_node_budget),
                make[2].map(|_| c.explorer_budget),
                make[3].map(|_| c.embed_budget),
            ],
        );
        if let Some(g) = profile {
            if let Some(digest) = make[0] {
                // The works' items, with abstracts, rendered into the page.
                let mine = &d.works_of[r as usize];
                let drawn = self.drawn(r, &g, views::Drawing::Profile);
                let fill = |page: &mut Value| fill_listed(page, mine, |w| self.long_html(w));
                let page = v.profile(r, &g, self.listed(mine));
                pieces[0] = Some(self.make_page(
                    "profile.html",
                    page,
                    &paths[0],
                    Some(drawn),
                    fill,
                    digest,
                )?);
            }
            if let Some(digest) = make[1] {
                pieces[1] = Some(Piece::Bytes(views::graph_json(&g), digest));
            }
        }
        // The explorer and the embed card, each with a slice of its own size.
        let drawings = [
            (2, "explorer.html", explorer, views::Drawing::Explorer),
            (3, "embed.html", embed, views::Drawing::Embed),
        ];
        for (i, template, g, at) in drawings {
            if let (Some(digest), Some(g)) = (make[i], g) {
                let page = match at {
                    views::Drawing::Explorer => v.explorer(r, &g),
                    _ => v.embed(r),
                };
                let drawn = Some(self.drawn(r, &g, at));
                pieces[i] =
                    Some(self.make_page(template, page, &paths[i], drawn, |_| Ok(()), digest)?);
            }
        }
        if let Some(digest) = make[4] {
            pieces[4] = Some(Piece::Bytes(v.profile_json(r), digest));
        }
        Ok(pieces
            .into_iter()
            .map(|p| p.expect("each file is kept or made"))
            .collect())
    }

    fn pager(&self, base: &str, n: usize, total: usize) -> Value {
        let c = self.views.config;
        let url = |i: usize| {
            if i == 0 {
                c.link(base)
            } else {
                c.link(&format!("{}page/{}/", base, i + 1))
            }
        };
        json!({
            "current": n + 1,
            "total": total,
            "prev_url": if n > 0 { Some(url(n - 1)) } else { None },
            "next_url": if n + 1 < total { Some(url(n + 1)) } else { None },
        })
    }

    /// The output paths of a job, in the order [`Renderer::render`] returns
    /// their bytes; `serve` routes requests by them.
    pub fn outputs(&self, job: Job) -> Vec<String> {
        let v = &self.views;
        let (c, corpus, d) = (v.config, v.corpus, v.d);
        let paged = |n: usize, base: &str| {
            if n == 0 {
                format!("{}index.html", base)
            } else {
                format!("{}page/{}/index.html", base, n + 1)
            }
        };
        match job {
            Job::Directory(n) => vec![paged(n, "")],
            Job::Researcher(r) => {
                let base = format!("researchers/{}/", corpus.researchers[r as usize].id);
                [
                    "index.html",
                    "graph.json",
                    "graph/index.html",
                    "embed/index.html",
                    "profile.json",
                ]
                .iter()
                .map(|f| format!("{}{}", base, f))
                .collect()
            }
            Job::Group(gi) => {
                let base = format!("groups/{}/", c.groups[gi as usize].id);
                ["index.html", "embed/index.html", "graph.json"]
                    .iter()
                    .map(|f| format!("{}{}", base, f))
                    .collect()
            }
            Job::Work(w) => vec![format!("works/{}/index.html", corpus.works[w as usize].id)],
            Job::WorkList(n) => vec![paged(n, "works/")],
            Job::Topic(t) => vec![format!("topics/{}/index.html", d.topics[t as usize].id)],
            Job::Topics => vec!["topics/index.html".into()],
            Job::Institution(i) => vec![format!(
                "institutions/{}/index.html",
                corpus.institutions[i as usize].id
            )],
            Job::Institutions => vec!["institutions/index.html".into()],
            Job::NotFound => vec!["404.html".into()],
            Job::Asset(a) => vec![self.theme.assets[a].rel.clone()],
            Job::Sitemap => vec!["sitemap.xml".into()],
        }
    }

    /// The job that writes the output file `rel`, and its place among
    /// that job's [`outputs`](Renderer::outputs): found from the path
    /// itself, so `serve` needs no table of every path.
    pub fn job_of(&self, rel: &str) -> Option<(Job, usize)> {
        let v = &self.views;
        let (c, corpus, d) = (v.config, v.corpus, v.d);
        // `index.html` is page 1 of a list of `n` items, `page/2/index.html` page 2.
        let page = |rest: &str, n: usize| -> Option<usize> {
            if rest == "index.html" {
                return Some(0);
            }
            let k: usize = rest
                .strip_prefix("page/")?
                .strip_suffix("/index.html")?
                .parse()
                .ok()?;
            (k >= 2 && k <= n.div_ceil(c.per_page)).then(|| k - 1)
        };
        // The first segment of `rest`, when a file under it follows.
        let id = |rest: &str| rest.split_once('/').map(|(id, _)| id.to_string());
        let job = if let Some(rest) = rel.strip_prefix("researchers/") {
            let id = id(rest)?;
            let r = corpus.researchers.binary_search_by(|x| x.id.cmp(&id));
            Job::Researcher(r.ok()? as u32)
        } else if let Some(rest) = rel.strip_prefix("groups/") {
            let id = id(rest)?;
            Job::Group(c.groups.iter().position(|g| g.id == id)? as u32)
        } else if let Some(rest) = rel.strip_prefix("works/") {
            match page(rest, corpus.works.len()) {
                Some(n) => Job::WorkList(n),
                None => {
                    let id = id(rest)?;
                    let w = corpus.works.binary_search_by(|x| x.id.cmp(&id));
                    Job::Work(w.ok()? as u32)
                }
            }
        } else if rel == "topics/index.html" {
            Job::Topics
        } else if let Some(rest) = rel.strip_prefix("topics/") {
            let id = id(rest)?;
            Job::Topic(d.topics.iter().position(|t| t.id == id)? as u32)
        } else if rel == "institutions/index.html" {
            Job::Institutions
        } else if let Some(rest) = rel.strip_prefix("institutions/") {
            let id = id(rest)?;
            let i = corpus.institutions.binary_search_by(|x| x.id.cmp(&id));
            Job::Institution(i.ok()? as u32)
        } else if rel == "404.html" {
            Job::NotFound
        } else if rel == "sitemap.xml" && c.base_url.starts_with("http") {
            Job::Sitemap
        } else if let Some(n) = page(rel, corpus.researchers.len()) {
            Job::Directory(n)
        } else {
            Job::Asset(self.theme.assets.iter().position(|a| a.rel == rel)?)
        };
        let i = self.outputs(job).iter().position(|o| o == rel)?;
        Some((job, i))
    }

    /// Renders one job into (output path, bytes) pairs. Only for a
    /// renderer that keeps nothing: every page is rendered.
    pub fn render(&self, job: Job) -> Result<Vec<(String, Vec<u8>)>, Error> {
        assert!(self.keep.is_none(), "a keeping renderer returns pieces");
        let pieces = self.pieces(job)?;
        Ok(pieces
            .into_iter()
            .map(|(rel, p)| match p {
                Piece::Bytes(b, _) => (rel, b),
                Piece::Kept(_) => unreachable!("nothing is kept without a last build"),
            })
            .collect())
    }

    fn pieces(&self, job: Job) -> Result<Vec<(String, Piece)>, Error> {
        let paths = self.outputs(job);
        let pieces = self.render_pieces(job, &paths)?;
        debug_assert_eq!(paths.len(), pieces.len(), "{:?}", job);
        Ok(paths.into_iter().zip(pieces).collect())
    }

    fn render_pieces(&self, job: Job, paths: &[String]) -> Result<Vec<Piece>, Error> {
        let data = |b: Vec<u8>| Piece::Bytes(b, None);
        let v = &self.views;
        let (c, corpus, d) = (v.config, v.corpus, v.d);
        let per = c.per_page;
        let path = &paths[0];
        Ok(match job {
            Job::Directory(n) => {
                let total = corpus.researchers.len().div_ceil(per).max(1);
                let shown: Vec<u32> = (n * per..((n + 1) * per).min(corpus.researchers.len()))
                    .map(|r| r as u32)
                    .collect();
                let page = || {
                    let items = shown.iter().map(|&r| v.researcher_item(r)).collect();
                    views::with(
                        json!({"pager": self.pager("", n, total)}),
                        [("researchers", Value::Array(items))],
                    )
                };
                let feed = |i: &inputs::Inputs, h: &mut Xxh3| i.directory_into(h, n, total, &shown);
                vec![self.listing("index.html", path, &[], feed, page)?]
            }
            Job::Researcher(r) => self.researcher_pieces(r, paths)?,
            Job::Group(gi) => {
                let group = &c.groups[gi as usize];
                let members = &self.groups[gi as usize];
                let g = crate::derive::graph::group_slice(
                    corpus,
                    d,
                    c,
                    &group.id,
                    members,
                    c.group_budget,
                );
                let small = crate::derive::graph::group_slice(
                    corpus,
                    d,
                    c,
                    &group.id,
                    members,
                    c.embed_budget.max(members.len() + 8),
                );
                vec![
                    self.page("group.html", v.group(group, members, &g, false), path)?,
                    self.page(
                        "group_embed.html",
                        v.group(group, members, &small, true),
                        &paths[1],
                    )?,
                    self.graph_file(&g, &paths[2]),
                ]
            }
            Job::Work(w) => {
                let inputs = self.inputs.as_ref().map(|i| i.work(w));
                match self.check_inputs(path, inputs) {
                    Check::Kept(rec) => vec![Piece::Kept(rec)],
                    Check::Make(digest) => {
                        let fill = |page: &mut Value| {
                            let (html, description) = self.abstract_parts(w).unzip();
                            views::put_abstract(page, html);
                            let description = description.unwrap_or_default().into_owned();
                            page["description"] = Value::String(description);
                            Ok(())
                        };
                        vec![self.make_page("work.html", v.work(w), path, None, fill, digest)?]
                    }
                }
            }
            Job::WorkList(n) => {
                let total = corpus.works.len().div_ceil(per).max(1);
                let range = (n * per) as u32..((n + 1) * per).min(corpus.works.len()) as u32;
                let works: Vec<u32> = range.collect();
                let page = || {
                    views::with(
                        json!({"pager": self.pager("works/", n, total)}),
                        [("works", Value::Array(self.listed(&works)))],
                    )
                };
                let feed = |i: &inputs::Inputs, h: &mut Xxh3| i.pager_into(h, n, total);
                vec![self.listing("works.html", path, &works, feed, page)?]
            }
            Job::Topic(t) => {
                let works = &d.topics[t as usize].works;
                let page = || v.topic(t, self.listed(works));
                let feed = |i: &inputs::Inputs, h: &mut Xxh3| i.topic_into(h, t);
                vec![self.listing("topic.html", path, works, feed, page)?]
            }
            Job::Topics => {
                let mut order: Vec<u32> = (0..d.topics.len() as u32).collect();
                order.sort_by(|&a, &b| {
                    let (ta, tb) = (&d.topics[a as usize], &d.topics[b as usize]);
                    tb.works
                        .len()
                        .cmp(&ta.works.len())
                        .then_with(|| ta.label.cmp(&tb.label))
                });
                let page =
                    json!({"topics": order.iter().map(|&t| v.topic_item(t)).collect::<Vec<_>>()});
                vec![self.page("topics.html", page, path)?]
            }
            Job::Institution(i) => {
                let works = &d.institution_works[i as usize];
                let page = || v.institution(i, self.listed(works));
                let feed = |x: &inputs::Inputs, h: &mut Xxh3| x.institution_into(h, i);
                vec![self.listing("institution.html", path, works, feed, page)?]
            }
            Job::Institutions => {
                let page = json!({"institutions": (0..corpus.institutions.len() as u32).map(|i| v.institution_item(i)).collect::<Vec<_>>()});
                vec![self.page("institutions.html", page, path)?]
            }
            Job::NotFound => vec![self.page("404.html", json!({}), path)?],
            Job::Asset(a) => vec![data(self.theme.assets[a].bytes.clone())],
            Job::Sitemap => vec![data(self.sitemap().into_bytes())],
        })
    }

    fn sitemap(&self) -> String {
        let v = &self.views;
        let c = v.config;
        let mut s = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
        let mut add = |path: String| {
            s.push_str("<url><loc>");
            s.push_str(&xml_escape(&c.permalink(&path)));
            s.push_str("</loc></url>\n");
        };
        add(String::new());
        for r in &v.corpus.researchers {
            add(format!("researchers/{}/", r.id));
        }
        for w in &v.corpus.works {
            add(format!("works/{}/", w.id));
        }
        for t in &v.d.topics {
            add(format!("topics/{}/", t.id));
        }
        for i in &v.corpus.institutions {
            add(format!("institutions/{}/", i.id));
        }
        for g in &c.groups {
            add(format!("groups/{}/", g.id));
        }
        s.push_str("</urlset>\n");
        s
    }
}

/// Puts each listed work's item, made by `html`, into the page's `works`
/// (entries from [`Renderer::listed`], in the order of `works`).
fn fill_listed(
    page: &mut Value,
    works: &[u32],
    html: impl Fn(u32) -> Result<String, Error>,
) -> Result<(), Error> {
    if let Some(Value::Array(listed)) = page.get_mut("works") {
        for (l, &w) in listed.iter_mut().zip(works) {
            l["html"] = Value::String(html(w)?);
        }
    }
    Ok(())
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// `each` of every job, in parallel, in job order whatever the thread
/// count; of several failures the first in job order is returned.
fn each_job<T: Send>(
    jobs: &[Job],
    each: impl Fn(Job) -> Result<T, Error> + Sync,
) -> Result<Vec<T>, Error> {
    // Small pieces of the job list: rayon otherwise leaves each thread
    // long runs it cannot hand on, and one core finished the last
    // seconds of a build alone.
    jobs.par_iter()
        .with_max_len(16)
        .map(|&job| each(job))
        .collect::<Vec<_>>()
        .into_iter()
        .collect()
}

/// Renders every job as [`render_all`] does, dropping each file once its
/// path is checked and its bytes counted: how many files a build would
/// write, and their bytes.
pub fn render_in_memory(r: &Renderer, jobs: &[Job]) -> Result<(usize, u64), Error> {
    let per_job = each_job(jobs, |job| {
        let files = r.render(job)?;
        let mut bytes = 0;
        for (rel, b) in &files {
            crate::output::guard_rel(rel)?;
            bytes += b.len() as u64;
        }
        Ok((files.len(), bytes))
    })?;
    Ok(per_job
        .into_iter()
        .fold((0, 0), |(f, b), (jf, jb)| (f + jf, b + jb)))
}

/// Renders every job in parallel, writing each result at once (or
/// keeping it, for a renderer made [`keeping`](Renderer::keeping)). The
/// records come back in job order (see [`each_job`]).
pub fn render_all(r: &Renderer, jobs: &[Job], out: &Output) -> Result<Vec<FileRecord>, Error> {
    let per_job = each_job(jobs, |job| {
        r.pieces(job)?
            .into_iter()
            .map(|(rel, piece)| match piece {
                Piece::Bytes(bytes, digest) => out.write(&rel, &bytes, digest),
                Piece::Kept(rec) => Ok(rec),
            })
            .collect::<Result<Vec<_>, _>>()
    })?;
    Ok(per_job.into_iter().flatten().collect())
}

#[cfg(test)]
mod tests {
    use super::views::{Chunked, Strings};

    #[test]
    fn fitting_stops_at_the_first_cost_over_what_is_left() {
        let f = |costs: &[usize], budget| super::fitting(costs.iter().copied(), budget);
        assert_eq!(f(&[3, 0, 4, 1], 7), 3);
        assert_eq!(f(&[3, 0, 4, 1], 8), 4);
        assert_eq!(f(&[3, 0, 4, 1], 6), 2);
        assert_eq!(f(&[8, 0], 7), 0);
        assert_eq!(f(&[], 7), 0);
    }

    #[test]
    fn a_long_text_is_found_past_places_that_only_start_like_it() {
        let needle = format!("<p>{}</p>", "é word ".repeat(40));
        let decoy = &needle[..30];
        let hay = format!("<li>{decoy}<div>{decoy}{needle}</div>{decoy}</li>");
        let at = super::find_long(&hay, &needle).unwrap();
        assert_eq!(&hay[at..at + needle.len()], needle);
        assert_eq!(at, hay.find(&needle).unwrap());
        assert_eq!(super::find_long(&hay.replace("</p>", ""), &needle), None);
        assert_eq!(super::find_long("<p>é", "<p>é word"), None);
    }

    #[test]
    fn chunked_strings_are_found_across_chunks() {
        let all: Vec<String> = (0..23)
            .map(|i| "x".repeat(i % 4) + &i.to_string())
            .collect();
        let chunks = all
            .chunks(5)
            .map(|c| {
                let mut s = Strings::default();
                c.iter().for_each(|x| s.push(x));
                s
            })
            .collect();
        let c = Chunked::new(chunks, 5);
        for (i, x) in all.iter().enumerate() {
            assert_eq!(c.get(i), Some(x.as_str()), "string {}", i);
        }
        assert_eq!(c.get(23), None);
        assert_eq!(c.get(99), None);
    }
}
