//! Every work's phrases and every phrase's document frequency, kept in a
//! file beside the output (`.NAME.scholarsite-phrases`) so that a rebuild
//! scans only the works whose texts changed.
//!
//! A phrase's document frequency is the number of works that use it, so
//! a build without this file scans every title and abstract. With it, a
//! build takes the last build's frequencies, takes away the phrases of
//! each work that went or whose texts changed (read from this file) and
//! adds those of each work that came or changed (scanned now). The sum is
//! the one a scan of every work gives. The file follows from the texts and
//! the program alone; one that is missing, damaged or from another program
//! is ignored, and the build scans every work.
//!
//! Layout, little-endian: the magic line and the program hash (u128); per
//! work in id order, its id (u32 length, bytes), text hash (u64, see
//! [`text_key`]), phrase count (u32) and phrase hashes (u64 each,
//! ascending); the frequencies (hash u64 and count u32 each, by hash); the
//! offset at which the frequencies start (u64); last, the xxh3-64 of
//! everything before it.

use super::topic_cache::text_key;
use super::topics::{phrase_set, Frequencies};
use crate::model::Corpus;
use rayon::prelude::*;
use std::ops::Range;
use std::path::{Path, PathBuf};
use xxhash_rust::xxh3::xxh3_64;

const MAGIC: &[u8] = b"scholarsite phrase sets v1\n";

/// Works scanned at once: enough for both threads, few enough that their
/// phrase sets are never all held.
const CHUNK: usize = 4096;

/// The last build's phrase sets and frequencies, read from its file.
pub struct PhraseSets {
    bytes: Vec<u8>,
    /// Per work, in id order.
    records: Vec<Record>,
    /// The frequencies' bytes.
    table: Range<usize>,
}

struct Record {
    id: Range<usize>,
    /// The hash of the texts the phrases were found in.
    key: u64,
    /// From the id's length to the last phrase hash.
    whole: Range<usize>,
    /// The phrase hashes' bytes.
    phrases: Range<usize>,
}

/// What [`frequencies`] gives: the frequencies and how many works it
/// scanned.
pub struct Counted {
    pub df: Frequencies,
    pub scanned: usize,
}

/// This build's file, written as it is made, so that the phrase sets of a
/// large site are never all in memory; it replaces the last one only once
/// whole. A file that cannot be written is given up: it is only a memo.
struct Sink {
    file: Option<std::io::BufWriter<std::fs::File>>,
    hash: xxhash_rust::xxh3::Xxh3,
    len: u64,
    tmp: PathBuf,
}

impl Sink {
    fn new(path: &Path) -> Sink {
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".tmp");
        let tmp = PathBuf::from(tmp);
        let file = std::fs::File::create(&tmp).ok();
        Sink {
            file: file.map(|f| std::io::BufWriter::with_capacity(1 << 20, f)),
            hash: xxhash_rust::xxh3::Xxh3::new(),
            len: 0,
            tmp,
        }
    }

    fn put(&mut self, bytes: &[u8]) {
        use std::io::Write;
        if let Some(f) = &mut self.file {
            if f.write_all(bytes).is_err() {
                self.file = None;
            }
        }
        self.hash.update(bytes);
        self.len += bytes.len() as u64;
    }

    /// Ends the file with its checksum and puts it at `path`.
    fn finish(mut self, path: &Path) {
        let sum = self.hash.digest();
        self.put(&sum.to_le_bytes());
        let done = self
            .file
            .take()
            .is_some_and(|f| f.into_inner().is_ok());
        if !(done && std::fs::rename(&self.tmp, path).is_ok()) {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(
        b.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
}

fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(
        b.get(at..at.checked_add(8)?)?.try_into().ok()?,
    ))
}

fn hashes(bytes: &[u8]) -> impl Iterator<Item = u64> + '_ {
    bytes
        .chunks_exact(8)
        .map(|c| u64::from_le_bytes(c.try_into().expect("8 bytes")))
}

impl PhraseSets {
    /// The file at `path`, if it is whole and made by this `program`.
    pub fn read(path: &Path, program: u128) -> Option<PhraseSets> {
        let bytes = std::fs::read(path).ok()?;
        let body_len = bytes.len().checked_sub(8)?;
        if xxh3_64(&bytes[..body_len]).to_le_bytes()[..] != bytes[body_len..] {
            return None;
        }
        let head = MAGIC.len() + 16;
        if bytes.get(..MAGIC.len())? != MAGIC
            || bytes.get(MAGIC.len()..head)? != program.to_le_bytes()
        {
            return None;
        }
        let table_end = body_len.checked_sub(8)?;
        let table_start = usize::try_from(u64_at(&bytes, table_end)?).ok()?;
        if table_start < head || table_start > table_end || (table_end - table_start) % 12 != 0 {
            return None;
        }
        let mut records = Vec::new();
        let mut at = head;
        while at < table_start {
            let start = at;
            let id_len = u32_at(&bytes, at)? as usize;
            let id = at + 4..(at + 4).checked_add(id_len)?;
            let key = u64_at(&bytes, id.end)?;
            let n = u32_at(&bytes, id.end + 8)? as usize;
            let phrases = id.end + 12..(id.end + 12).checked_add(n.checked_mul(8)?)?;
            at = phrases.end;
            if at > table_start {
                return None;
            }
            records.push(Record {
                id,
                key,
                whole: start..at,
                phrases,
            });
        }
        // Ids in order, as the corpus's works are, to match them in one pass.
        let sorted = records
            .windows(2)
            .all(|p| bytes[p[0].id.clone()] < bytes[p[1].id.clone()]);
        sorted.then_some(PhraseSets {
            bytes,
            records,
            table: table_start..table_end,
        })
    }

    fn id(&self, r: &Record) -> &[u8] {
        &self.bytes[r.id.clone()]
    }

    /// Per work of `corpus`, its record here when its texts are the same
    /// (`keys` holds each work's text hash). Both lists are in id order.
    fn matching(&self, corpus: &Corpus, keys: &[u64]) -> Vec<Option<usize>> {
        let mut same = vec![None; corpus.works.len()];
        let mut o = 0;
        for (w, work) in corpus.works.iter().enumerate() {
            let id = work.id.as_bytes();
            while self.records.get(o).is_some_and(|r| self.id(r) < id) {
                o += 1;
            }
            let Some(r) = self.records.get(o) else { break };
            if self.id(r) == id {
                if r.key == keys[w] {
                    same[w] = Some(o);
                }
                // Each record serves one work at most.
                o += 1;
            }
        }
        same
    }

    /// The frequencies with the phrases of the records not `kept` taken
    /// away; None if one would go below zero, which a whole file never gives.
    fn without_unkept(&self, kept: &[bool]) -> Option<Frequencies> {
        let mut df = Frequencies::default();
        df.reserve(self.table.len() / 12);
        for e in self.bytes[self.table.clone()].chunks_exact(12) {
            let h = u64::from_le_bytes(e[..8].try_into().expect("8 bytes"));
            let n = u32::from_le_bytes(e[8..].try_into().expect("4 bytes"));
            df.insert(h, n);
        }
        for (r, _) in self.records.iter().zip(kept).filter(|(_, &k)| !k) {
            for h in hashes(&self.bytes[r.phrases.clone()]) {
                let n = df.get_mut(&h)?;
                *n = n.checked_sub(1)?;
                if *n == 0 {
                    df.remove(&h);
                }
            }
        }
        Some(df)
    }
}

/// The document frequency of every phrase of `corpus`, scanning only the
/// works whose records in `last` do not hold; this build's file is
/// written at `path`.
pub fn frequencies(
    corpus: &Corpus,
    last: Option<&PhraseSets>,
    program: u128,
    path: &Path,
) -> Counted {
    let works = &corpus.works;
    let keys: Vec<u64> = works.par_iter().map(|w| text_key(w)).collect();
    let (same, mut df) = match last {
        Some(l) => {
            let same = l.matching(corpus, &keys);
            let mut kept = vec![false; l.records.len()];
            for &o in same.iter().flatten() {
                kept[o] = true;
            }
            match l.without_unkept(&kept) {
                Some(df) => (same, df),
                None => return frequencies(corpus, None, program, path),
            }
        }
        None => (vec![None; works.len()], Frequencies::default()),
    };
    let mut file = Sink::new(path);
    file.put(MAGIC);
    file.put(&program.to_le_bytes());
    let mut scanned = 0;
    // The phrase sets of a chunk of works, for those not matched.
    let scan = |range: Range<usize>| -> (Range<usize>, Vec<Option<Vec<u64>>>) {
        let sets = range
            .clone()
            .into_par_iter()
            .map(|w| {
                same[w]
                    .is_none()
                    .then(|| phrase_set(&works[w], &corpus.texts))
            })
            .collect();
        (range, sets)
    };
    // Counts a chunk's sets and writes its records, in id order.
    let mut count = |(range, sets): (Range<usize>, Vec<Option<Vec<u64>>>)| {
        for (w, set) in range.zip(sets) {
            let Some(set) = set else {
                let (l, o) = last.zip(same[w]).expect("a work not scanned has a record");
                file.put(&l.bytes[l.records[o].whole.clone()]);
                continue;
            };
            scanned += 1;
            for &h in &set {
                *df.entry(h).or_default() += 1;
            }
            let id = works[w].id.as_bytes();
            file.put(&(id.len() as u32).to_le_bytes());
            file.put(id);
            file.put(&keys[w].to_le_bytes());
            file.put(&(set.len() as u32).to_le_bytes());
            for h in set {
                file.put(&h.to_le_bytes());
            }
        }
    };
    // Counting one chunk while the next is scanned keeps both threads busy.
    let chunk = |start: usize| start..(start + CHUNK).min(works.len());
    let mut pending = scan(chunk(0));
    for start in (CHUNK..works.len()).step_by(CHUNK) {
        pending = rayon::join(|| scan(chunk(start)), || count(pending)).0;
    }
    count(pending);
    drop(count);
    let table_start = file.len;
    let mut table: Vec<(u64, u32)> = df.iter().map(|(&h, &n)| (h, n)).collect();
    table.par_sort_unstable();
    for (h, n) in table {
        file.put(&h.to_le_bytes());
        file.put(&n.to_le_bytes());
    }
    file.put(&table_start.to_le_bytes());
    file.finish(path);
    Counted { df, scanned }
}
