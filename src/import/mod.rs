//! `scholarsite import`: reads publication data in BibTeX, ORCID, OpenAlex
//! or CSL-JSON form and merges it into the site's content as JSON Lines.
//!
//! The stages: read (one reader per format, each yielding [`entry::Entry`]
//! values and located errors), match and merge ([`merge`]), then write
//! the import-owned files `content/works/imported-<format>.jsonl`,
//! `content/institutions/imported-openalex.jsonl` and
//! `content/researchers/imported.jsonl`. Hand-written files are read, never
//! written.

pub mod bibtex;
pub mod csl;
pub mod entry;
mod json;
mod merge;
pub mod openalex;
pub mod orcid;
mod people;
pub mod store;

use crate::diag::{Diagnostic, Diagnostics};
use std::path::{Path, PathBuf};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Format {
    Bibtex,
    Orcid,
    Openalex,
    CslJson,
}

impl Format {
    pub const ALL: [Format; 4] = [
        Format::Bibtex,
        Format::Orcid,
        Format::Openalex,
        Format::CslJson,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Format::Bibtex => "bibtex",
            Format::Orcid => "orcid",
            Format::Openalex => "openalex",
            Format::CslJson => "csl-json",
        }
    }

    /// The import-owned works file of this format, relative to the root.
    pub fn works_file(self) -> String {
        format!("content/works/imported-{}.jsonl", self.name())
    }
}

#[derive(Clone, Debug)]
pub struct Options {
    pub format: Format,
    pub paths: Vec<PathBuf>,
    pub root: PathBuf,
    pub researcher: Option<String>,
    pub dry_run: bool,
    pub strict: bool,
    pub create_researchers: Option<usize>,
}

#[derive(thiserror::Error, Debug)]
pub enum Error {
    /// Bad arguments: exit 2.
    #[error("{0}")]
    Usage(String),
    /// The site or the input has errors and nothing was written: exit 1.
    #[error("{} error(s); nothing was written", .0.error_count())]
    Invalid(Diagnostics),
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// What a run did: the report to print, the errors of entries that were
/// skipped (located), and the files written.
pub struct Outcome {
    pub report: String,
    pub errors: Vec<Diagnostic>,
    pub written: Vec<String>,
}

pub fn run(opts: &Options) -> Result<Outcome, Error> {
    let site = merge::Site::load(&opts.root)?;
    if let Some(r) = &opts.researcher {
        if !site.has_researcher(r) {
            return Err(Error::Usage(format!(
                "--researcher {}: no researcher with that id under content/researchers/; add them first (a name is enough)",
                r
            )));
        }
    }
    let mut errors = Vec::new();
    let mut reads = Vec::new();
    for path in &opts.paths {
        let shown = shown_path(path);
        let text = std::fs::read(path)
            .map_err(|e| Error::Usage(format!("cannot read {}: {}", shown, e)))?;
        let text = match String::from_utf8(text) {
            Ok(t) => t,
            Err(e) => {
                let valid = e.utf8_error().valid_up_to();
                let bytes = e.as_bytes();
                let line = bytes[..valid].iter().filter(|&&b| b == b'\n').count() as u32 + 1;
                let d = Diagnostic::error(&shown, "the file is not UTF-8 text")
                    .line(line)
                    .help("re-export it as UTF-8");
                return Err(Error::Invalid(Diagnostics::from(vec![d])));
            }
        };
        let read = match opts.format {
            Format::Bibtex => bibtex::read(&text, &shown),
            Format::Orcid => orcid::read(&text, &shown),
            Format::Openalex => openalex::read(&text, &shown),
            Format::CslJson => csl::read(&text, &shown),
        };
        // A file with no readable record at all (not JSON, the wrong
        // format) is a failed import, not a skipped entry.
        if read.records == 0 && !read.errors.is_empty() {
            return Err(Error::Invalid(Diagnostics::from(read.errors)));
        }
        errors.extend(read.errors.iter().cloned());
        reads.push((shown, read));
    }
    if opts.strict && !errors.is_empty() {
        return Err(Error::Invalid(Diagnostics::from(errors)));
    }
    let mut merged = merge::Merge::new(site, opts);
    for (file, read) in &reads {
        merged.read_file(file, read);
    }
    if let Some(n) = opts.create_researchers {
        merged.create_researchers(n.max(1));
    }
    let files = merged.files();
    let mut written = Vec::new();
    if !opts.dry_run {
        for (rel, bytes) in &files {
            if write_if_changed(&opts.root.join(rel), bytes)? {
                written.push(rel.clone());
            }
        }
    }
    let report = merged.report(&files, &written, opts.dry_run);
    Ok(Outcome {
        report,
        errors,
        written,
    })
}

/// A path as the user gave it, `/`-separated, for messages.
fn shown_path(p: &Path) -> String {
    p.to_string_lossy().replace('\\', "/")
}

/// Writes through a temporary file and a rename, so a reader (or a
/// running `serve`) never sees half a file; leaves equal files untouched.
fn write_if_changed(path: &Path, bytes: &[u8]) -> Result<bool, Error> {
    if std::fs::read(path).ok().as_deref() == Some(bytes) {
        return Ok(false);
    }
    let err = |source| Error::Write {
        path: path.to_path_buf(),
        source,
    };
    let dir = path.parent().expect("content files have a parent");
    std::fs::create_dir_all(dir).map_err(err)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".import-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(err)?;
    std::io::Write::write_all(&mut tmp, bytes).map_err(err)?;
    tmp.persist(path).map_err(|e| err(e.error))?;
    Ok(true)
}
