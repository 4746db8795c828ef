//! scholarsite turns a folder of researcher and work data into a static
//! website of researcher profiles.
//!
//! The build is a pipeline of named stages, each a function from values to
//! a value; nothing is shared or mutated between them:
//!
//! | stage | function | in → out |
//! |---|---|---|
//! | 1 discover | [`source::discover`] | site root → [`source::SourceSet`] |
//! | 2 parse | [`load::parse`] | files → [`load::RawSite`] (raw records + origins) |
//! | 3 validate | [`model::validate`] | raw records → [`model::Corpus`] |
//! | 4 compute | [`derive::compute`] | corpus → [`derive::Derived`] |
//! | 5 plan | [`render::plan`] | corpus, derived → [`render::Job`]s |
//! | 6 render | [`render::render_all`] | jobs → files in the staging folder |
//! | 7 commit | [`output::Output::commit`] | staging → output folder |
//!
//! `check` runs stages 1–4 and the theme load; `build` runs them all.

pub mod config;
pub mod derive;
pub mod diag;
pub mod import;
pub mod load;
pub mod markdown;
pub mod model;
pub mod output;
pub mod render;
pub mod serve;
pub mod source;
pub mod text;

use config::Config;
use diag::{Diagnostic, Diagnostics};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[derive(thiserror::Error, Debug)]
pub enum Error {
    #[error("the site has {} error(s)", .0.error_count())]
    Invalid(Diagnostics),
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("template {name}: {message}")]
    Template { name: String, message: String },
    #[error("refusing to use {} as the output folder: {why}", path.display())]
    UnsafeOutput { path: PathBuf, why: String },
}

#[derive(Clone, Debug)]
pub struct Options {
    pub root: PathBuf,
    /// Defaults to `<root>/output`.
    pub output: Option<PathBuf>,
    pub base_url: Option<String>,
}

/// What a stage took, in pipeline order.
#[derive(Debug, Default)]
pub struct Timings(pub Vec<(&'static str, Duration)>);

impl std::fmt::Display for Timings {
    /// `discover 0 ms, parse 12 ms, ...`
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, (stage, d)) in self.0.iter().enumerate() {
            let sep = if i == 0 { "" } else { ", " };
            write!(f, "{}{} {} ms", sep, stage, d.as_millis())?;
        }
        Ok(())
    }
}

impl Timings {
    fn time<T>(&mut self, stage: &'static str, f: impl FnOnce() -> T) -> T {
        let start = Instant::now();
        let v = f();
        self.0.push((stage, start.elapsed()));
        v
    }
}

#[derive(Debug, Default)]
pub struct Report {
    pub researchers: usize,
    pub works: usize,
    pub topics: usize,
    pub institutions: usize,
    pub files: usize,
    pub written: usize,
    pub unchanged: usize,
    pub removed: usize,
    pub warnings: Vec<Diagnostic>,
    pub timings: Timings,
    pub output: PathBuf,
    /// The inputs were those of the last build and its output was intact,
    /// so nothing was loaded or rendered.
    pub inputs_unchanged: bool,
}

/// The loaded and computed site: stages 1–4.
pub struct Site {
    pub config: Config,
    pub corpus: model::Corpus,
    pub derived: derive::Derived,
    /// Members of each `config.groups` entry, as researcher indices.
    pub groups: Vec<Vec<u32>>,
    pub warnings: Vec<Diagnostic>,
    /// What the next computation may reuse; kept only for `serve`.
    pub memo: Option<derive::topics::Memo>,
}

fn load_config(opts: &Options) -> Result<Config, Error> {
    Config::load(&opts.root, opts.base_url.as_deref()).map_err(|ds| {
        let mut d = Diagnostics::new();
        d.extend(ds);
        Error::Invalid(d)
    })
}

/// Stages 1–4: everything `check` validates.
pub fn load(opts: &Options, timings: &mut Timings) -> Result<Site, Error> {
    let config = load_config(opts)?;
    let (sources, d) = timings.time("discover", || source::discover(&opts.root));
    load_sources(config, sources, d, timings, None)
}

/// Stages 2–4, from discovered sources. With `serve`, the computation
/// reuses what the prior one (if any) computed, and keeps its memo.
fn load_sources(
    config: Config,
    sources: source::SourceSet,
    discovered: Diagnostics,
    timings: &mut Timings,
    serve: Option<&mut Option<derive::Prior>>,
) -> Result<Site, Error> {
    let mut diags = discovered;
    let (raw, d) = timings.time("parse", || load::parse(&sources));
    diags.extend(d);
    let (corpus, d) = timings.time("validate", || model::validate(raw));
    diags.extend(d);
    let groups = resolve_groups(&config, &corpus, &mut diags);
    if diags.has_errors() {
        return Err(Error::Invalid(diags));
    }
    let keep = serve.is_some();
    let prior = serve.and_then(Option::take);
    let (derived, memo) = timings.time("compute", || {
        derive::compute_with(&corpus, &config, prior, keep)
    });
    Ok(Site {
        config,
        corpus,
        derived,
        groups,
        warnings: diags.sorted(),
        memo: keep.then_some(memo),
    })
}

/// Group members must be researchers of the site.
fn resolve_groups(
    config: &Config,
    corpus: &model::Corpus,
    diags: &mut Diagnostics,
) -> Vec<Vec<u32>> {
    let index: std::collections::HashMap<&str, u32> = corpus
        .researchers
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.as_str(), i as u32))
        .collect();
    config
        .groups
        .iter()
        .enumerate()
        .map(|(gi, g)| {
            let mut members = Vec::new();
            for (mi, id) in g.members.iter().enumerate() {
                match index.get(id.as_str()) {
                    Some(&r) if !members.contains(&r) => members.push(r),
                    Some(_) => {}
                    None => diags.push(
                        Diagnostic::error(
                            config::CONFIG_FILE,
                            format!(
                                "group `{}` lists `{}`, which is not a researcher of the site",
                                g.id, id
                            ),
                        )
                        .field(format!("groups[{}].members[{}]", gi, mi))
                        .help("use the id of a file in content/researchers/, or remove it"),
                    ),
                }
            }
            members
        })
        .collect()
}

pub fn check(opts: &Options) -> Result<Report, Error> {
    let mut timings = Timings::default();
    let site = load(opts, &mut timings)?;
    render::theme::load(&site.config).map_err(theme_error)?;
    Ok(report_of(&site, timings, PathBuf::new()))
}

fn theme_error(ds: Vec<Diagnostic>) -> Error {
    let mut d = Diagnostics::new();
    d.extend(ds);
    Error::Invalid(d)
}

fn report_of(site: &Site, timings: Timings, output: PathBuf) -> Report {
    Report {
        researchers: site.corpus.researchers.len(),
        works: site.corpus.works.len(),
        topics: site.derived.topics.len(),
        institutions: site.corpus.institutions.len(),
        warnings: site.warnings.clone(),
        timings,
        output,
        ..Report::default()
    }
}

/// A hash of everything a build's output depends on: this program, the
/// configuration (with any --base-url), the theme, and every content file.
/// None when the program cannot read itself; then nothing is skipped.
fn inputs_fingerprint(
    opts: &Options,
    theme: &render::theme::Theme,
    sources: &source::SourceSet,
) -> Option<u128> {
    use rayon::prelude::*;
    use xxhash_rust::xxh3::{xxh3_128, Xxh3};
    let exe = std::fs::read(std::env::current_exe().ok()?).ok()?;
    let site_toml = std::fs::read(opts.root.join(config::CONFIG_FILE)).ok()?;
    let files: Vec<Option<u128>> = sources
        .files
        .par_iter()
        .map(|f| std::fs::read(&f.path).ok().map(|b| xxh3_128(&b)))
        .collect();
    let mut h = Xxh3::new();
    h.update(&xxh3_128(&exe).to_le_bytes());
    h.update(&xxh3_128(&site_toml).to_le_bytes());
    h.update(opts.base_url.as_deref().unwrap_or("\0").as_bytes());
    h.update(&theme.fingerprint.to_le_bytes());
    for (f, fh) in sources.files.iter().zip(files) {
        h.update(f.rel.as_bytes());
        h.update(&[0]);
        h.update(&fh?.to_le_bytes());
    }
    Some(h.digest128())
}

/// What every run reads before parsing: configuration, the list of
/// content files, the theme, and the fingerprint of them all.
struct Front {
    config: Config,
    sources: source::SourceSet,
    discovered: Diagnostics,
    theme: render::theme::Theme,
    inputs: Option<u128>,
}

fn front(opts: &Options, timings: &mut Timings) -> Result<Front, Error> {
    let config = load_config(opts)?;
    let (sources, discovered) = timings.time("discover", || source::discover(&opts.root));
    let theme = render::theme::load(&config).map_err(theme_error)?;
    let inputs = if discovered.has_errors() {
        None
    } else {
        timings.time("fingerprint", || inputs_fingerprint(opts, &theme, &sources))
    };
    Ok(Front {
        config,
        sources,
        discovered,
        theme,
        inputs,
    })
}

/// What `serve` keeps to render any page when asked: stages 1–4 and the
/// theme. Works' list items are rendered for the pages asked for.
pub struct Prepared {
    pub site: Site,
    pub theme: render::theme::Theme,
    /// The fingerprint of the inputs, when every file could be read.
    pub inputs: Option<u128>,
    pub timings: Timings,
}

/// Loads and computes the site for `serve`; None when the inputs have the
/// fingerprint `unless` (nothing changed since that load). The
/// computation takes `prior` (what the last load computed) only when it
/// runs; otherwise `prior` is left for the next call.
pub fn prepare(
    opts: &Options,
    unless: Option<u128>,
    prior: &mut Option<derive::Prior>,
) -> Result<Option<Prepared>, Error> {
    let mut timings = Timings::default();
    let Front {
        config,
        sources,
        discovered,
        theme,
        inputs,
    } = front(opts, &mut timings)?;
    if inputs.is_some() && inputs == unless {
        return Ok(None);
    }
    let site = load_sources(config, sources, discovered, &mut timings, Some(prior))?;
    Ok(Some(Prepared {
        site,
        theme,
        inputs,
        timings,
    }))
}

pub fn build(opts: &Options) -> Result<Report, Error> {
    let mut timings = Timings::default();
    let Front {
        config,
        sources,
        discovered,
        theme,
        inputs,
    } = front(opts, &mut timings)?;
    let out_dir = opts
        .output
        .clone()
        .unwrap_or_else(|| default_output(&opts.root));
    let mut out = output::Output::prepare(&opts.root, &out_dir)?;
    // Unchanged inputs and an intact output: nothing to do.
    if let Some(fp) = inputs {
        if timings.time("verify", || out.fresh(fp)) {
            let files = out.previous_files();
            let dir = out.dir().to_path_buf();
            out.abort();
            return Ok(Report {
                files,
                unchanged: files,
                timings,
                output: dir,
                inputs_unchanged: true,
                ..Report::default()
            });
        }
        out.set_inputs(fp);
    }
    let site = load_sources(config, sources, discovered, &mut timings, None)?;
    let files = match render_site(&site, &theme, &out, &mut timings) {
        Ok(f) => f,
        Err(e) => {
            out.abort();
            return Err(e);
        }
    };
    let n = files.len();
    let dir = out.dir().to_path_buf();
    let commit = timings.time("commit", || out.commit(files))?;
    let mut report = report_of(&site, timings, dir);
    report.files = n;
    report.written = commit.written;
    report.unchanged = commit.unchanged;
    report.removed = commit.removed;
    Ok(report)
}

/// Stages 5–6: the works' list items, the plan, and every page written
/// into the staging folder.
fn render_site(
    site: &Site,
    theme: &render::theme::Theme,
    out: &output::Output,
    timings: &mut Timings,
) -> Result<Vec<output::FileRecord>, Error> {
    let items = timings.time("items", || {
        render::Renderer::work_items(&site.corpus, &site.derived, &site.config, theme)
    })?;
    let renderer = render::Renderer::new(
        &site.corpus,
        &site.derived,
        &site.config,
        theme,
        &site.groups,
        &items,
    );
    let jobs = timings.time("plan", || {
        render::plan(&site.corpus, &site.derived, &site.config, theme)
    });
    timings.time("render", || render::render_all(&renderer, &jobs, out))
}

/// The default output folder of a site.
pub fn default_output(root: &Path) -> PathBuf {
    root.join("output")
}
