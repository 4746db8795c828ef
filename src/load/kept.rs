//! What `serve` keeps from one load for the next: every work it checked,
//! by the file and line it came from and the hash of that line's text.
//!
//! A work is taken again, neither parsed nor checked, when its line is
//! what it was and nothing it was checked against changed: the list of
//! content files (origins index it) and the researcher and institution
//! files (authors and affiliations are indices into them). Works with
//! errors are never kept, nor works that link versions, since those links
//! are indices into the works themselves.

use super::Rec;
use crate::diag::Diagnostic;
use crate::model::Work;
use crate::source::{Kind, SourceSet};
use std::collections::HashMap;
use std::sync::Arc;
use xxhash_rust::xxh3::Xxh3;

/// A checked work and the warnings checking it gave.
#[derive(Clone, Debug)]
pub struct KeptWork {
    pub work: Arc<Work>,
    pub warnings: Vec<Diagnostic>,
}

#[derive(Default)]
pub struct Kept {
    context: u128,
    files: HashMap<String, KeptFile>,
}

#[derive(Default)]
struct KeptFile {
    /// The hash of the whole file.
    hash: u128,
    /// Every record of the file is kept, so an unchanged file need not
    /// be read at all.
    complete: bool,
    /// By line number: the line's hash and its work.
    lines: Vec<Option<(u64, KeptWork)>>,
}

/// What kept works depend on besides their own text; `hashes` holds
/// the content hash of each source file.
pub fn context(sources: &SourceSet, hashes: &[u128]) -> u128 {
    let mut h = Xxh3::new();
    for (f, fh) in sources.files.iter().zip(hashes) {
        h.update(f.rel.as_bytes());
        h.update(&[0]);
        if matches!(f.kind, Kind::Researcher | Kind::Institution) {
            h.update(&fh.to_le_bytes());
        }
    }
    h.digest128()
}

impl Kept {
    /// Keeps the works just checked; `warnings[i]` are those of
    /// `works[i]`, and `hashes` as for [`context`].
    pub fn new(
        context: u128,
        sources: &SourceSet,
        hashes: &[u128],
        works: &[Arc<Work>],
        diags: &[Vec<Diagnostic>],
    ) -> Kept {
        let mut files: Vec<KeptFile> = hashes
            .iter()
            .map(|&hash| KeptFile {
                hash,
                complete: true,
                lines: Vec::new(),
            })
            .collect();
        let mut records = vec![0usize; files.len()];
        for (w, ds) in works.iter().zip(diags) {
            let o = &w.origin;
            let f = &mut files[o.file as usize];
            records[o.file as usize] += 1;
            if ds.iter().any(Diagnostic::is_error) || !w.versions.is_empty() {
                continue;
            }
            let line = o.line as usize;
            if f.lines.len() <= line {
                f.lines.resize_with(line + 1, || None);
            }
            let kept = KeptWork {
                work: Arc::clone(w),
                warnings: ds.clone(),
            };
            f.lines[line] = Some((o.hash, kept));
        }
        // A file is complete when it gave no error and every record in
        // it was kept; a duplicate id or a bad line leaves it incomplete.
        for (f, n) in files.iter_mut().zip(records) {
            f.complete = f.lines.iter().flatten().count() == n;
        }
        let by_name = sources
            .files
            .iter()
            .zip(files)
            .filter(|(s, _)| s.kind == Kind::Work)
            .map(|(s, f)| (s.rel.clone(), f))
            .collect();
        Kept {
            context,
            files: by_name,
        }
    }

    /// Whether works kept under `context` may be taken now.
    pub fn fits(&self, context: u128) -> bool {
        self.context == context
    }

    /// Every work of a file whose hash is `hash`, when all were kept.
    pub fn whole_file(&self, rel: &str, hash: u128) -> Option<Vec<Rec<KeptWork>>> {
        let f = self.files.get(rel)?;
        if !(f.complete && f.hash == hash) {
            return None;
        }
        Some(f.lines.iter().flatten().map(|(_, k)| rec(k)).collect())
    }

    /// The work kept for `line` of `rel`, if the line's hash is `hash`.
    pub fn line(&self, rel: &str, line: u32, hash: u64) -> Option<Rec<KeptWork>> {
        match self.files.get(rel)?.lines.get(line as usize)? {
            Some((h, k)) if *h == hash => Some(rec(k)),
            _ => None,
        }
    }
}

fn rec(k: &KeptWork) -> Rec<KeptWork> {
    Rec {
        origin: k.work.origin.clone(),
        id: k.work.id.clone(),
        raw: k.clone(),
    }
}
