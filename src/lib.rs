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
pub mod memory;
pub mod model;
pub mod output;
pub mod render;
pub mod serve;
pub mod source;
pub mod text;

use config::Config;
use diag::{Diagnostic, Diagnostics};
use std::collections::HashMap;
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
    #[error("another build is writing {} (it holds {}); wait for it to finish, or stop it, then build again", output.display(), lock.display())]
    Busy { output: PathBuf, lock: PathBuf },
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
    /// Of the unchanged, the pages kept without being rendered again.
    pub kept: usize,
    /// Works whose topics were extracted afresh, and taken from the
    /// last build's topic cache.
    pub topics_extracted: usize,
    pub topics_cached: usize,
    /// Works whose phrases were scanned for their frequencies (the others'
    /// came from the last build's phrase sets).
    pub phrases_scanned: usize,
    pub removed: usize,
    /// The bytes of the files rendered by `check --render`, which writes
    /// none of them.
    pub rendered_bytes: u64,
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
    /// This build's topic cache file, for the next build.
    pub topic_cache: Option<Vec<u8>>,
    /// Works whose topics were extracted, and of those taken from the cache.
    pub extraction: (usize, usize),
    /// Works whose phrases were scanned to count frequencies.
    pub scanned: usize,
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
    load_sources(config, sources, d, timings, None, None)
}

/// What a `serve` load reuses from the last one.
struct Reuse<'a, 'p> {
    /// The last computation; taken only when this one runs.
    prior: &'a mut Option<derive::Prior<'p>>,
    /// Works checked by the last good load; replaced by this one's.
    kept: &'a mut Option<load::kept::Kept>,
    /// The content hash of each source file, when all could be read.
    hashes: Option<Vec<u128>>,
    /// Bytes of source files read already.
    read: Vec<Option<Vec<u8>>>,
}

/// Stages 2–4, from discovered sources. With `serve`, unchanged works
/// are taken as checked before, the computation reuses what the prior
/// one (if any) computed, and both keep what the next load needs.
fn load_sources(
    config: Config,
    sources: source::SourceSet,
    discovered: Diagnostics,
    timings: &mut Timings,
    serve: Option<Reuse>,
    caching: Option<derive::topics::Caching>,
) -> Result<Site, Error> {
    let mut diags = discovered;
    let (prior, mut kept, hashes, read) = match serve {
        Some(r) => (Some(r.prior), Some(r.kept), r.hashes, r.read),
        None => (None, None, None, Vec::new()),
    };
    let context = hashes.as_ref().map(|h| load::kept::context(&sources, h));
    let fitting = match (&kept, &hashes, context) {
        (Some(Some(k)), Some(h), Some(c)) if k.fits(c) => Some((k, h.as_slice())),
        _ => None,
    };
    let hold = prior.is_some();
    let (raw, d) = timings.time("parse", || {
        load::parse_keeping(&sources, fitting, read, hold)
    });
    diags.extend(d);
    let (corpus, d, work_diags) = timings.time("validate", || model::validate_works(raw));
    diags.extend(d);
    let groups = resolve_groups(&config, &corpus, &mut diags);
    if diags.has_errors() {
        return Err(Error::Invalid(diags));
    }
    if let (Some(kept), Some(h), Some(c)) = (kept.as_mut(), &hashes, context) {
        **kept = Some(timings.time("keep", || {
            load::kept::Kept::new(c, &sources, h, &corpus.works, &work_diags)
        }));
    }
    let keep = prior.is_some();
    let prior = prior.and_then(Option::take);
    let (derived, mut memo) = timings.time("compute", || {
        derive::compute_with(&corpus, &config, prior, keep, caching)
    });
    texts_read(&corpus)?;
    Ok(Site {
        config,
        corpus,
        derived,
        groups,
        warnings: diags.sorted(),
        topic_cache: memo.take_cache_file(),
        extraction: (memo.extracted_afresh(), memo.from_cache()),
        scanned: memo.scanned(),
        memo: keep.then_some(memo),
    })
}

/// Fails when a text left in its file could not be read back as it was.
fn texts_read(corpus: &model::Corpus) -> Result<(), Error> {
    match corpus.texts.failure() {
        None => Ok(()),
        Some(d) => {
            let mut ds = Diagnostics::new();
            ds.push(d);
            Err(Error::Invalid(ds))
        }
    }
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

/// Loads and validates the site and its theme, writing nothing. With
/// `render_pages`, every page is rendered as a build would render it and
/// then dropped, so that an error only rendering shows (a template at odds
/// with the data, an id that would write outside the output) is found too.
pub fn check(opts: &Options, render_pages: bool) -> Result<Report, Error> {
    let mut timings = Timings::default();
    // As in a cold build, which this stands for; see `keep_freed_memory`.
    if render_pages {
        memory::keep_freed_memory();
    }
    let site = load(opts, &mut timings)?;
    let theme = render::theme::load(&site.config).map_err(theme_error)?;
    let rendered = if render_pages {
        Some(render_in_memory(&site, &theme, &mut timings)?)
    } else {
        None
    };
    let mut report = report_of(&site, timings, PathBuf::new());
    if let Some((files, bytes)) = rendered {
        report.files = files;
        report.rendered_bytes = bytes;
    }
    Ok(report)
}

/// The stages of a cold build after loading, without the file system:
/// the number and bytes of the files it would write.
fn render_in_memory(
    site: &Site,
    theme: &render::theme::Theme,
    timings: &mut Timings,
) -> Result<(usize, u64), Error> {
    let renderer = render::Renderer::new(
        &site.corpus,
        &site.derived,
        &site.config,
        theme,
        &site.groups,
    );
    let renderer = timings.time("items", || renderer.with_items())?;
    let jobs = timings.time("plan", || {
        render::plan(&site.corpus, &site.derived, &site.config, theme)
    });
    let rendered = timings.time("render", || render::render_in_memory(&renderer, &jobs))?;
    texts_read(&site.corpus)?;
    Ok(rendered)
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
        topics_extracted: site.extraction.0,
        topics_cached: site.extraction.1,
        phrases_scanned: site.scanned,
        timings,
        output,
        ..Report::default()
    }
}

/// The hash of this program, read once per process.
fn program_hash() -> Option<u128> {
    static HASH: std::sync::OnceLock<Option<u128>> = std::sync::OnceLock::new();
    *HASH.get_or_init(|| {
        let exe = std::fs::read(std::env::current_exe().ok()?).ok()?;
        Some(xxhash_rust::xxh3::xxh3_128(&exe))
    })
}

/// A hash of everything a build's output depends on: this program, the
/// configuration (with any --base-url), the theme, and every content file
/// (`files`, their content hashes). None when a file or the program
/// cannot be read; then nothing is skipped.
fn inputs_fingerprint(
    opts: &Options,
    theme: &render::theme::Theme,
    sources: &source::SourceSet,
    files: &[u128],
) -> Option<u128> {
    use xxhash_rust::xxh3::{xxh3_128, Xxh3};
    let site_toml = std::fs::read(opts.root.join(config::CONFIG_FILE)).ok()?;
    let mut h = Xxh3::new();
    h.update(&program_hash()?.to_le_bytes());
    h.update(&xxh3_128(&site_toml).to_le_bytes());
    h.update(opts.base_url.as_deref().unwrap_or("\0").as_bytes());
    h.update(&theme.fingerprint.to_le_bytes());
    for (f, fh) in sources.files.iter().zip(files) {
        h.update(f.rel.as_bytes());
        h.update(&[0]);
        h.update(&fh.to_le_bytes());
    }
    Some(h.digest128())
}

/// A file's size and times: while they stay the same, so does the file.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Stamp {
    len: u64,
    modified: std::time::SystemTime,
    /// Inode change time and number, which no tool sets back.
    changed: (i64, i64, u64),
}

impl Stamp {
    fn of(path: &Path) -> Option<Stamp> {
        let m = std::fs::metadata(path).ok()?;
        #[cfg(unix)]
        let changed = {
            use std::os::unix::fs::MetadataExt;
            (m.ctime(), m.ctime_nsec(), m.ino())
        };
        #[cfg(not(unix))]
        let changed = (0, 0, 0);
        Some(Stamp {
            len: m.len(),
            modified: m.modified().ok()?,
            changed,
        })
    }

    /// The later of the modification and change times: a tool may set
    /// the first back, never the second.
    fn latest(&self) -> std::time::SystemTime {
        let (secs, nanos, _) = self.changed;
        let changed = u64::try_from(secs)
            .ok()
            .map(|s| std::time::UNIX_EPOCH + Duration::new(s, nanos.clamp(0, 999_999_999) as u32));
        changed.map_or(self.modified, |c| c.max(self.modified))
    }
}

/// A file's content hash and the stamp it had when read.
#[derive(Clone, Copy)]
struct Hashed {
    stamp: Stamp,
    hash: u128,
    read_at: std::time::SystemTime,
}

impl Hashed {
    /// File times are coarse (a clock tick of a few ms), so a file that
    /// had changed just before it was read may change again with the
    /// same stamp; its hash is trusted only once its stamp is older.
    fn still(&self, now: Stamp) -> bool {
        let settled = self
            .stamp
            .latest()
            .checked_add(Duration::from_secs(2))
            .is_some_and(|t| t < self.read_at);
        settled && self.stamp == now
    }
}

/// A file's content hash, with what reading it gave (`serve` only).
type FileHash = Option<(u128, Option<(Hashed, Vec<u8>)>)>;

/// The content hash of every source file. With `known` (`serve`), a file
/// whose stamp is what it was when last read is not read again, and the
/// bytes of the files read are returned for the parse.
fn file_hashes(
    sources: &source::SourceSet,
    known: Option<&mut HashMap<PathBuf, Hashed>>,
) -> (Option<Vec<u128>>, Vec<Option<Vec<u8>>>) {
    use rayon::prelude::*;
    let prev = known.as_deref();
    let read: Vec<FileHash> = sources
        .files
        .par_iter()
        .map(|f| {
            let stamp = Stamp::of(&f.path);
            if let (Some(h), Some(s)) = (prev.and_then(|k| k.get(&f.path)), stamp) {
                if h.still(s) {
                    return Some((h.hash, None));
                }
            }
            // A build parses the files later; only `serve` keeps them.
            if prev.is_none() {
                return Some((hash_file(&f.path)?, None));
            }
            let read_at = std::time::SystemTime::now();
            let bytes = std::fs::read(&f.path).ok()?;
            let hash = xxhash_rust::xxh3::xxh3_128(&bytes);
            // A stamp taken before the read: a later write changes it.
            let fresh = match (prev, stamp) {
                (Some(_), Some(stamp)) => Some((
                    Hashed {
                        stamp,
                        hash,
                        read_at,
                    },
                    bytes,
                )),
                _ => None,
            };
            Some((hash, fresh))
        })
        .collect();
    // The files of this run only, each with its latest reading: one pass,
    // however many files the site has.
    if let Some(known) = known {
        let now: HashMap<PathBuf, Hashed> = sources
            .files
            .iter()
            .zip(&read)
            .filter_map(|(f, r)| {
                let h = match r {
                    Some((_, Some((h, _)))) => *h,
                    _ => *known.get(&f.path)?,
                };
                Some((f.path.clone(), h))
            })
            .collect();
        *known = now;
    }
    let mut hashes = Vec::with_capacity(read.len());
    let mut texts = Vec::with_capacity(read.len());
    for r in read {
        hashes.push(r.as_ref().map(|(h, _)| *h));
        texts.push(r.and_then(|(_, fresh)| fresh.map(|(_, b)| b)));
    }
    (hashes.into_iter().collect(), texts)
}

/// The xxh3-128 of a file's bytes, read piece by piece into one buffer
/// per thread: a buffer for the whole file is fresh memory that the kernel
/// zeroes first, which cost more than reading it.
fn hash_file(path: &Path) -> Option<u128> {
    use std::io::Read;
    thread_local! {
        static BUF: std::cell::RefCell<Vec<u8>> = std::cell::RefCell::new(vec![0; 1 << 18]);
    }
    let mut file = std::fs::File::open(path).ok()?;
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    BUF.with_borrow_mut(|buf| loop {
        match file.read(buf) {
            Ok(0) => return Some(h.digest128()),
            Ok(n) => h.update(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return None,
        }
    })
}

/// What every run reads before parsing: configuration, the list of
/// content files, the theme, and the fingerprint of them all.
struct Front {
    config: Config,
    sources: source::SourceSet,
    discovered: Diagnostics,
    theme: std::sync::Arc<render::theme::Theme>,
    inputs: Option<u128>,
    /// The content hash of each source file, when all could be read.
    hashes: Option<Vec<u128>>,
    /// The bytes of the files the fingerprint read (`serve` only).
    read: Vec<Option<Vec<u8>>>,
}

fn front(opts: &Options, timings: &mut Timings, carry: Option<&mut Carry>) -> Result<Front, Error> {
    let config = load_config(opts)?;
    let (sources, discovered) = timings.time("discover", || source::discover(&opts.root));
    let (last_theme, known) = match carry {
        Some(c) => (Some(&mut c.theme), Some(&mut c.hashes)),
        None => (None, None),
    };
    let theme = timings.time("theme", || {
        let last = last_theme.as_ref().and_then(|t| t.as_ref());
        render::theme::load_reusing(&config, last).map_err(theme_error)
    })?;
    if let Some(t) = last_theme {
        *t = Some(std::sync::Arc::clone(&theme));
    }
    let (inputs, hashes, read) = if discovered.has_errors() {
        (None, None, Vec::new())
    } else {
        timings.time("fingerprint", || {
            let (hashes, read) = file_hashes(&sources, known);
            let inputs = hashes
                .as_deref()
                .and_then(|h| inputs_fingerprint(opts, &theme, &sources, h));
            (inputs, hashes, read)
        })
    };
    Ok(Front {
        config,
        sources,
        discovered,
        theme,
        inputs,
        hashes,
        read,
    })
}

/// What `serve` carries from one load to the next to make it cheaper.
/// Each part is checked against the inputs before it is used, so a part
/// that no longer fits costs time, never a stale page.
#[derive(Default)]
pub struct Carry {
    /// Each content file's hash, by path, with the stamp it had.
    hashes: HashMap<PathBuf, Hashed>,
    /// The works of the last good load, by source line.
    kept: Option<load::kept::Kept>,
    /// The last theme loaded.
    theme: Option<std::sync::Arc<render::theme::Theme>>,
}

/// What `serve` keeps to render any page when asked: stages 1–4 and the
/// theme. Works' list items are rendered for the pages asked for.
pub struct Prepared {
    pub site: Site,
    pub theme: std::sync::Arc<render::theme::Theme>,
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
    carry: &mut Carry,
) -> Result<Option<Prepared>, Error> {
    let mut timings = Timings::default();
    let Front {
        config,
        sources,
        discovered,
        theme,
        inputs,
        hashes,
        read,
    } = front(opts, &mut timings, Some(carry))?;
    if inputs.is_some() && inputs == unless {
        return Ok(None);
    }
    let reuse = Reuse {
        prior,
        kept: &mut carry.kept,
        hashes,
        read,
    };
    let site = load_sources(config, sources, discovered, &mut timings, Some(reuse), None)?;
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
        ..
    } = front(opts, &mut timings, None)?;
    let out_dir = opts
        .output
        .clone()
        .unwrap_or_else(|| default_output(&opts.root));
    let mut out = output::Output::prepare(&opts.root, &out_dir)?;
    // See `keep_freed_memory` for why only when cold.
    if out.is_cold() {
        memory::keep_freed_memory();
    }
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
    let site = load_with_cache(config, sources, discovered, &out, &mut timings)?;
    let files = match render_site(&site, &theme, &out, &mut timings) {
        Ok(f) => f,
        Err(e) => {
            out.abort();
            return Err(e);
        }
    };
    if let Err(e) = texts_read(&site.corpus) {
        out.abort();
        return Err(e);
    }
    let n = files.len();
    let dir = out.dir().to_path_buf();
    let commit = timings.time("commit", || out.commit(files))?;
    let mut report = report_of(&site, timings, dir);
    report.files = n;
    report.written = commit.written;
    report.unchanged = commit.unchanged;
    report.kept = commit.kept;
    report.removed = commit.removed;
    // Freeing a large site's records takes a good part of a second; a
    // command that is about to exit need not wait for it.
    std::thread::spawn(move || drop(site));
    Ok(report)
}

/// Stages 2–4 of a build, with topic extraction reusing the last build's
/// topic cache file beside the output (`derive::topic_cache`) and writing
/// this one's there, and frequencies counted from the last build's phrase
/// sets (`derive::phrase_cache`), which are replaced by this build's. Both
/// files are memos checked record by record, so they are written whether
/// or not the build then succeeds; one that cannot be written only makes
/// the next build extract or scan everything again.
fn load_with_cache(
    config: Config,
    sources: source::SourceSet,
    discovered: Diagnostics,
    out: &output::Output,
    timings: &mut Timings,
) -> Result<Site, Error> {
    let path = out.beside("topics");
    let phrases_path = out.beside("phrases");
    let program = program_hash();
    // The phrase sets are only opened here; they are read as they are used.
    let (last, phrases) = timings.time("cache read", || {
        let read = |p: u128| {
            (
                derive::topic_cache::TopicCache::read(&path, p),
                derive::phrase_cache::PhraseSets::read(&phrases_path, p),
            )
        };
        program.map_or((None, None), read)
    });
    let caching = program.map(|program| derive::topics::Caching {
        last: last.as_ref(),
        phrases: phrases.as_ref(),
        phrases_at: &phrases_path,
        program,
    });
    let mut site = load_sources(config, sources, discovered, timings, None, caching)?;
    drop((last, phrases));
    if let Some(bytes) = site.topic_cache.take() {
        timings.time("cache write", || {
            if output::write_atomic(&path, &bytes).is_err() {
                let _ = std::fs::remove_file(&path);
            }
        });
    }
    Ok(site)
}

/// Stages 5–6: the works' list items (unless few listings will be made),
/// the plan, and every page written into the staging folder.
fn render_site(
    site: &Site,
    theme: &render::theme::Theme,
    out: &output::Output,
    timings: &mut Timings,
) -> Result<Vec<output::FileRecord>, Error> {
    let mut renderer = render::Renderer::new(
        &site.corpus,
        &site.derived,
        &site.config,
        theme,
        &site.groups,
    );
    // Without the program's hash a page's digest would not cover the code
    // that renders it, so nothing is kept.
    if let Some(program) = program_hash() {
        renderer = renderer.keeping(out, program);
    }
    // When the site-wide values are the last build's, most listings are
    // kept, and the few made render their items themselves.
    if !renderer.keeps_site() {
        renderer = timings.time("items", || renderer.with_items())?;
    }
    let jobs = timings.time("plan", || {
        render::plan(&site.corpus, &site.derived, &site.config, theme)
    });
    timings.time("render", || render::render_all(&renderer, &jobs, out))
}

/// The default output folder of a site.
pub fn default_output(root: &Path) -> PathBuf {
    root.join("output")
}

#[cfg(test)]
mod tests {
    /// Hashing a file in pieces gives the hash of its whole bytes, so a
    /// build and `serve` (which hashes what it read whole) agree.
    #[test]
    fn a_file_hashed_in_pieces_has_its_whole_hash() {
        let dir = tempfile::tempdir().unwrap();
        for len in [0, 5, (1 << 18) + 7, 3 << 19] {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 31 % 251) as u8).collect();
            let path = dir.path().join(format!("f{}", len));
            std::fs::write(&path, &bytes).unwrap();
            assert_eq!(
                super::hash_file(&path),
                Some(xxhash_rust::xxh3::xxh3_128(&bytes))
            );
        }
        assert_eq!(super::hash_file(&dir.path().join("missing")), None);
    }
}
