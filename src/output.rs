//! Stage 7, commit: the output directory, written so that a failed build
//! leaves it untouched and a successful one rewrites only changed files.
//!
//! Pages are written as they are rendered into a sibling staging folder,
//! but only those whose bytes differ from the last build, as told by the
//! manifest (`.scholarsite-manifest`: path, size and 128-bit hash of every
//! file scholarsite wrote). A file edited by hand after the last build is
//! newer than the manifest and is rewritten. On success a cold build
//! renames the staging folder into place in one step; a rebuild moves the
//! changed files in, removes the stale ones and then writes the manifest.
//! On failure the staging folder is deleted and the output is as it was.

use crate::Error;
use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use std::fs;
use std::io::Write;
use std::path::{Component, Path, PathBuf};
use std::time::SystemTime;
use xxhash_rust::xxh3::xxh3_128;

pub const MANIFEST: &str = ".scholarsite-manifest";
const MANIFEST_HEADER: &str = "# scholarsite output manifest v2: size, xxh3-128, page digest, path";
/// Manifests of v1 carry no page digests: every page is rendered again.
const MANIFEST_V1: &str = "# scholarsite output manifest v1";
const INPUTS_PREFIX: &str = "# inputs ";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Written,
    Unchanged,
    /// Unchanged, and known to be so without rendering it again.
    Kept,
}

#[derive(Clone, Debug)]
pub struct FileRecord {
    pub rel: String,
    pub size: u64,
    pub hash: u128,
    /// The digest of what the page was rendered from (template, values,
    /// theme and program), when it came from a template.
    pub digest: Option<u128>,
    pub status: Status,
}

/// What the last build's manifest says of one file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Recorded {
    size: u64,
    hash: u128,
    digest: Option<u128>,
}

#[derive(Debug, Default)]
pub struct CommitReport {
    pub written: usize,
    pub unchanged: usize,
    /// Of the unchanged, the pages that were not rendered again.
    pub kept: usize,
    pub removed: usize,
}

pub struct Output {
    dir: PathBuf,
    staging: PathBuf,
    old: HashMap<String, Recorded>,
    /// Modification time of the old manifest: output files newer than it
    /// were changed by someone else.
    old_time: Option<SystemTime>,
    /// The output folder, open, for looking up files from it rather than
    /// from the root on each of the last build's files.
    old_dir: Option<rustix::fd::OwnedFd>,
    cold: bool,
    /// Fingerprint of the inputs of the last build, from the manifest.
    old_inputs: Option<u128>,
    /// Fingerprint of this build's inputs, recorded on commit.
    inputs: Option<u128>,
    /// Held locked from `prepare` until the build commits or aborts, so
    /// that two builds never share a staging folder.
    _lock: fs::File,
}

/// A path of scholarsite's own beside the output folder `dir`:
/// `.NAME.scholarsite-WHAT` (its lock, staging folder and topic cache).
fn beside(dir: &Path, what: &str) -> PathBuf {
    let name = dir.file_name().unwrap_or_default().to_string_lossy();
    dir.with_file_name(format!(".{}.scholarsite-{}", name, what))
}

/// Takes the lock file beside the output folder, `.NAME.scholarsite-lock`.
/// The file is left in place: removing it would let a third build lock a
/// new file while a second still holds the old one.
fn lock_beside(parent: &Path, dir: &Path) -> Result<fs::File, Error> {
    let path = beside(dir, "lock");
    if let Err(e) = fs::create_dir_all(parent) {
        return Err(io_err(parent, e));
    }
    let file = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| io_err(&path, e))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(fs::TryLockError::WouldBlock) => Err(Error::Busy {
            output: dir.to_path_buf(),
            lock: path,
        }),
        Err(fs::TryLockError::Error(e)) => Err(io_err(&path, e)),
    }
}

fn io_err(path: &Path, e: std::io::Error) -> Error {
    Error::Write {
        path: path.to_path_buf(),
        source: e,
    }
}

impl Output {
    /// Checks the output folder and reads the last build's manifest.
    pub fn prepare(root: &Path, dir: &Path) -> Result<Output, Error> {
        let abs = |p: &Path| -> PathBuf {
            let p = if p.is_absolute() {
                p.to_path_buf()
            } else {
                std::env::current_dir().unwrap_or_default().join(p)
            };
            normalise(&p)
        };
        let dir = abs(dir);
        let root_abs = abs(root);
        let root_real = fs::canonicalize(&root_abs).unwrap_or(root_abs.clone());
        let dir_real = fs::canonicalize(&dir).unwrap_or(dir.clone());
        let holds_site = root_real.starts_with(&dir_real)
            || ["content", "themes"]
                .iter()
                .any(|d| dir_real.starts_with(root_real.join(d)));
        if holds_site {
            return Err(Error::UnsafeOutput {
                path: dir.clone(),
                why: "it is or holds the site's own files (site root, content/ or themes/); choose a separate output folder such as output/".into(),
            });
        }
        let parent = dir.parent().ok_or_else(|| Error::UnsafeOutput {
            path: dir.clone(),
            why: "it has no parent folder".into(),
        })?;
        let staging = beside(&dir, "staging");
        let lock = lock_beside(parent, &dir)?;
        let mut out = Output {
            dir: dir.clone(),
            staging,
            old: HashMap::new(),
            old_time: None,
            old_dir: None,
            cold: true,
            old_inputs: None,
            inputs: None,
            _lock: lock,
        };
        match fs::metadata(&dir) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_err(&dir, e)),
            Ok(m) if !m.is_dir() => {
                return Err(Error::UnsafeOutput {
                    path: dir,
                    why: "it exists and is not a folder".into(),
                });
            }
            Ok(_) => {
                let manifest = dir.join(MANIFEST);
                match fs::read_to_string(&manifest) {
                    Ok(text) => {
                        out.old = parse_manifest(&text);
                        out.old_inputs = text
                            .lines()
                            .find_map(|l| l.strip_prefix(INPUTS_PREFIX))
                            .and_then(|h| u128::from_str_radix(h.trim(), 16).ok());
                        out.old_time = fs::metadata(&manifest).and_then(|m| m.modified()).ok();
                        out.old_dir = rustix::fs::open(
                            &dir,
                            rustix::fs::OFlags::RDONLY
                                | rustix::fs::OFlags::DIRECTORY
                                | rustix::fs::OFlags::CLOEXEC,
                            rustix::fs::Mode::empty(),
                        )
                        .ok();
                        out.cold = false;
                    }
                    Err(_) => {
                        let empty = fs::read_dir(&dir)
                            .map_err(|e| io_err(&dir, e))?
                            .next()
                            .is_none();
                        if !empty {
                            return Err(Error::UnsafeOutput {
                                path: dir,
                                why: format!("it is not empty and was not written by scholarsite (it has no {}); choose another --output, or empty it yourself", MANIFEST),
                            });
                        }
                    }
                }
            }
        }
        if out.staging.exists() {
            fs::remove_dir_all(&out.staging).map_err(|e| io_err(&out.staging, e))?;
        }
        Ok(out)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// A file of scholarsite's own beside the output folder, like its lock
    /// and staging folder: `.NAME.scholarsite-WHAT`.
    pub fn beside(&self, what: &str) -> PathBuf {
        beside(&self.dir, what)
    }

    /// Writes one file unless the last build wrote the same bytes. Safe to
    /// call from many threads.
    /// `digest` is what the page was rendered from, recorded so that the
    /// next build can keep the page without rendering it
    /// ([`Output::kept`]).
    pub fn write(
        &self,
        rel: &str,
        bytes: &[u8],
        digest: Option<u128>,
    ) -> Result<FileRecord, Error> {
        guard_rel(rel)?;
        let hash = xxh3_128(bytes);
        let size = bytes.len() as u64;
        if self.unchanged(rel, size, hash) {
            return Ok(FileRecord {
                rel: rel.to_string(),
                size,
                hash,
                digest,
                status: Status::Unchanged,
            });
        }
        let path = self.staging.join(rel);
        if let Some(p) = path.parent() {
            fs::create_dir_all(p).map_err(|e| io_err(p, e))?;
        }
        let mut f = fs::File::create(&path).map_err(|e| io_err(&path, e))?;
        f.write_all(bytes).map_err(|e| io_err(&path, e))?;
        Ok(FileRecord {
            rel: rel.to_string(),
            size,
            hash,
            digest,
            status: Status::Written,
        })
    }

    fn unchanged(&self, rel: &str, size: u64, hash: u128) -> bool {
        self.old
            .get(rel)
            .is_some_and(|o| o.size == size && o.hash == hash)
            && self.intact(rel, size)
    }

    /// The record of the page `rel` when the last build rendered it from
    /// the same `digest` and its file is intact: then rendering it again
    /// would give the same bytes, and it need not be rendered at all.
    pub fn kept(&self, rel: &str, digest: u128) -> Option<FileRecord> {
        let o = self.old.get(rel)?;
        (o.digest == Some(digest) && check_rel(rel).is_ok() && self.intact(rel, o.size)).then(
            || FileRecord {
                rel: rel.to_string(),
                size: o.size,
                hash: o.hash,
                digest: Some(digest),
                status: Status::Kept,
            },
        )
    }

    /// The output file `rel` is there with the size the last build wrote,
    /// and nobody changed it after that build's manifest.
    fn intact(&self, rel: &str, size: u64) -> bool {
        let (Some(dir), Some(old)) = (&self.old_dir, self.old_time) else {
            return false;
        };
        let Ok(st) = rustix::fs::statat(dir, rel, rustix::fs::AtFlags::empty()) else {
            return false;
        };
        let modified = u64::try_from(st.st_mtime)
            .ok()
            .map(|s| std::time::Duration::new(s, st.st_mtime_nsec as u32))
            .and_then(|d| SystemTime::UNIX_EPOCH.checked_add(d));
        u64::try_from(st.st_size) == Ok(size) && modified.is_some_and(|t| t <= old)
    }

    /// Records the fingerprint of this build's inputs in the manifest.
    pub fn set_inputs(&mut self, inputs: u128) {
        self.inputs = Some(inputs);
    }

    /// True when there is no last build to compare with: every file is
    /// written afresh.
    pub fn is_cold(&self) -> bool {
        self.cold
    }

    /// True when the last build had exactly these inputs and every file it
    /// wrote is still there, untouched: then the output is already what
    /// this build would write.
    pub fn fresh(&self, inputs: u128) -> bool {
        use rayon::prelude::*;
        !self.cold
            && self.old_inputs == Some(inputs)
            && self.old.par_iter().all(|(rel, o)| self.intact(rel, o.size))
    }

    /// How many files the last build wrote.
    pub fn previous_files(&self) -> usize {
        self.old.len()
    }

    /// Deletes the staging folder: the output stays as it was.
    pub fn abort(self) {
        let _ = fs::remove_dir_all(&self.staging);
    }

    /// Moves the new files into place, removes stale ones, and records the
    /// manifest. `files` must hold every file of this build.
    pub fn commit(self, mut files: Vec<FileRecord>) -> Result<CommitReport, Error> {
        files.sort_by(|a, b| a.rel.cmp(&b.rel));
        let mut report = CommitReport::default();
        let manifest = render_manifest(&files, self.inputs);
        let current: HashSet<&str> = files.iter().map(|f| f.rel.as_str()).collect();
        for f in &files {
            match f.status {
                Status::Written => report.written += 1,
                Status::Unchanged => report.unchanged += 1,
                Status::Kept => {
                    report.unchanged += 1;
                    report.kept += 1;
                }
            }
        }
        if self.cold {
            fs::create_dir_all(&self.staging).map_err(|e| io_err(&self.staging, e))?;
            write_atomic(&self.staging.join(MANIFEST), manifest.as_bytes())?;
            if self.dir.exists() {
                // Known empty (checked in prepare), or holding only our manifest-less leftovers.
                let _ = fs::remove_dir(&self.dir);
            }
            if fs::rename(&self.staging, &self.dir).is_ok() {
                return Ok(report);
            }
            // A mount point or a folder that could not be removed: move file by file.
        }
        let mut dirs: HashSet<PathBuf> = HashSet::new();
        for f in files.iter().filter(|f| f.status == Status::Written) {
            let to = self.dir.join(&f.rel);
            if let Some(p) = to.parent() {
                if dirs.insert(p.to_path_buf()) {
                    fs::create_dir_all(p).map_err(|e| io_err(p, e))?;
                }
            }
            fs::rename(self.staging.join(&f.rel), &to).map_err(|e| io_err(&to, e))?;
        }
        let mut stale: Vec<&String> = self
            .old
            .keys()
            .filter(|k| !current.contains(k.as_str()))
            .collect();
        stale.sort();
        for rel in stale {
            if check_rel(rel).is_err() {
                continue;
            }
            let path = self.dir.join(rel);
            match fs::remove_file(&path) {
                Ok(()) => report.removed += 1,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(io_err(&path, e)),
            }
            // Remove folders this emptied; a folder holding anything else stays.
            let mut p = path.parent();
            while let Some(d) = p {
                if d == self.dir || fs::remove_dir(d).is_err() {
                    break;
                }
                p = d.parent();
            }
        }
        write_atomic(&self.dir.join(MANIFEST), manifest.as_bytes())?;
        let _ = fs::remove_dir_all(&self.staging);
        Ok(report)
    }
}

/// Where a file is written before it is renamed to `path`: `path.tmp`.
pub fn tmp_of(path: &Path) -> PathBuf {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    PathBuf::from(tmp)
}

/// Writes `bytes` to `path` by renaming a full temporary file over it.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let tmp = tmp_of(path);
    fs::write(&tmp, bytes).map_err(|e| io_err(&tmp, e))?;
    fs::rename(&tmp, path).map_err(|e| io_err(path, e))
}

fn render_manifest(files: &[FileRecord], inputs: Option<u128>) -> String {
    let mut s = String::with_capacity(files.len() * 80 + 64);
    s.push_str(MANIFEST_HEADER);
    s.push('\n');
    if let Some(h) = inputs {
        s.push_str(&format!("{}{:032x}\n", INPUTS_PREFIX, h));
    }
    use std::fmt::Write as _;
    for f in files {
        let _ = write!(s, "{}\t{:032x}\t", f.size, f.hash);
        match f.digest {
            Some(d) => {
                let _ = write!(s, "{:032x}", d);
            }
            None => s.push('-'),
        }
        s.push('\t');
        s.push_str(&f.rel);
        s.push('\n');
    }
    s
}

fn parse_manifest(text: &str) -> HashMap<String, Recorded> {
    let v1 = text.starts_with(MANIFEST_V1);
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let mut parts = l.splitn(if v1 { 3 } else { 4 }, '\t');
            let size = parts.next()?.parse().ok()?;
            let hash = u128::from_str_radix(parts.next()?, 16).ok()?;
            let digest = if v1 {
                None
            } else {
                u128::from_str_radix(parts.next()?, 16).ok()
            };
            let rec = Recorded { size, hash, digest };
            Some((parts.next()?.to_string(), rec))
        })
        .collect()
}

/// [`check_rel`] as the error a build fails with, for every path a page
/// would be written to, whether or not it is.
pub fn guard_rel(rel: &str) -> Result<(), Error> {
    check_rel(rel).map_err(|why| Error::UnsafeOutput {
        path: PathBuf::from(rel),
        why,
    })
}

/// An output path must stay inside the output folder: relative, plain
/// segments only. Ids are already restricted; this is the last guard.
pub fn check_rel(rel: &str) -> Result<(), String> {
    let p = Path::new(rel);
    let ok = !rel.is_empty()
        && !rel.contains('\\')
        && !rel.contains('\0')
        && p.components().all(|c| matches!(c, Component::Normal(_)))
        && rel
            .split('/')
            .all(|s| !s.is_empty() && s != "." && s != "..");
    if ok {
        Ok(())
    } else {
        Err(format!(
            "the output path `{}` would leave the output folder",
            rel
        ))
    }
}

/// Resolves `.` and `..` without touching the file system.
fn normalise(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other.as_os_str()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rel_paths_stay_inside() {
        assert!(check_rel("researchers/a/index.html").is_ok());
        assert!(check_rel("../x").is_err());
        assert!(check_rel("/etc/passwd").is_err());
        assert!(check_rel("a//b").is_err());
        assert!(check_rel("a/./b").is_err());
        assert!(check_rel("").is_err());
    }

    #[test]
    fn manifest_round_trip() {
        let files = vec![
            FileRecord {
                rel: "a/b.html".into(),
                size: 3,
                hash: 42,
                digest: Some(9),
                status: Status::Written,
            },
            FileRecord {
                rel: "a/c.json".into(),
                size: 4,
                hash: 43,
                digest: None,
                status: Status::Written,
            },
        ];
        let m = parse_manifest(&render_manifest(&files, Some(7)));
        let rec = |size, hash, digest| Some(Recorded { size, hash, digest });
        assert_eq!(m.get("a/b.html").copied(), rec(3, 42, Some(9)));
        assert_eq!(m.get("a/c.json").copied(), rec(4, 43, None));
    }

    #[test]
    fn v1_manifest_has_no_digests() {
        let text = format!(
            "{}: size, xxh3-128, path\n3\t{:032x}\ta/b.html\n",
            MANIFEST_V1, 42
        );
        let m = parse_manifest(&text);
        assert_eq!(
            m.get("a/b.html").copied(),
            Some(Recorded {
                size: 3,
                hash: 42,
                digest: None
            })
        );
    }
}
