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
//! The last file is read once, front to back, beside the works in id
//! order, so that only a chunk of it is in memory at a time; its checksum
//! is checked at its end, and a file found damaged then is dropped and
//! every work scanned.
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
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::ops::Range;
use std::path::{Path, PathBuf};
use xxhash_rust::xxh3::Xxh3;

const MAGIC: &[u8] = b"scholarsite phrase sets v1\n";

/// Works scanned at once: enough for both threads, few enough that their
/// phrase sets are never all held.
const CHUNK: usize = 4096;

/// The last build's file, its header checked; its records are read by
/// [`frequencies`].
pub struct PhraseSets {
    path: PathBuf,
    /// Where the frequencies start and end.
    table: Range<u64>,
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
    hash: Xxh3,
    len: u64,
    tmp: PathBuf,
}

impl Sink {
    fn new(path: &Path) -> Sink {
        let tmp = crate::output::tmp_of(path);
        let file = std::fs::File::create(&tmp).ok();
        Sink {
            file: file.map(|f| std::io::BufWriter::with_capacity(1 << 20, f)),
            hash: Xxh3::new(),
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

    /// Drops the file unfinished, its buffer unwritten.
    fn abandon(mut self) {
        if let Some(f) = self.file.take() {
            drop(f.into_parts());
        }
        let _ = std::fs::remove_file(&self.tmp);
    }

    /// Ends the file with its checksum and puts it at `path`.
    fn finish(mut self, path: &Path) {
        let sum = self.hash.digest();
        self.put(&sum.to_le_bytes());
        let done = self.file.take().is_some_and(|f| f.into_inner().is_ok());
        if !(done && std::fs::rename(&self.tmp, path).is_ok()) {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

fn u32_of(b: &[u8]) -> u32 {
    u32::from_le_bytes(b.try_into().expect("4 bytes"))
}

fn u64_of(b: &[u8]) -> u64 {
    u64::from_le_bytes(b.try_into().expect("8 bytes"))
}

fn hashes(bytes: &[u8]) -> impl Iterator<Item = u64> + '_ {
    bytes.chunks_exact(8).map(u64_of)
}

/// A record of the last file, as written.
struct Record {
    bytes: Vec<u8>,
}

impl Record {
    /// Its id's length, at the front; the text hash, the phrase count and
    /// the phrases follow the id.
    fn id_len(&self) -> usize {
        u32_of(&self.bytes[..4]) as usize
    }
    fn id(&self) -> &[u8] {
        &self.bytes[4..4 + self.id_len()]
    }
    fn key(&self) -> u64 {
        let at = 4 + self.id_len();
        u64_of(&self.bytes[at..at + 8])
    }
    fn phrases(&self) -> &[u8] {
        &self.bytes[4 + self.id_len() + 12..]
    }
}

/// The last file read front to back, hashing what it reads.
struct Stream {
    r: BufReader<std::fs::File>,
    hash: Xxh3,
    at: u64,
    table: Range<u64>,
    /// The next record, read ahead; None past the last.
    next: Option<Record>,
    /// A read failed or a record ran past the records.
    broken: bool,
}

impl Stream {
    fn open(last: &PhraseSets) -> Option<Stream> {
        let file = std::fs::File::open(&last.path).ok()?;
        let mut s = Stream {
            r: BufReader::with_capacity(1 << 20, file),
            hash: Xxh3::new(),
            at: 0,
            table: last.table.clone(),
            next: None,
            broken: false,
        };
        s.take((MAGIC.len() + 16) as u64)?;
        s.advance();
        Some(s)
    }

    fn take(&mut self, n: u64) -> Option<Vec<u8>> {
        let mut buf = Vec::new();
        self.take_into(n, &mut buf)?;
        Some(buf)
    }

    /// Appends the next `n` bytes to `buf`; None when the file holds
    /// fewer before its checksum, so that a damaged length never sizes
    /// a buffer.
    fn take_into(&mut self, n: u64, buf: &mut Vec<u8>) -> Option<()> {
        if n > (self.table.end + 8).checked_sub(self.at)? {
            return None;
        }
        let start = buf.len();
        buf.resize(start + n as usize, 0);
        self.r.read_exact(&mut buf[start..]).ok()?;
        self.hash.update(&buf[start..]);
        self.at += n;
        Some(())
    }

    /// Reads the next record, if the records go on.
    fn advance(&mut self) {
        self.next = None;
        if self.broken || self.at >= self.table.start {
            return;
        }
        let record = (|| {
            let mut bytes = self.take(4)?;
            let id = u32_of(&bytes) as u64;
            self.take_into(id + 12, &mut bytes)?;
            let n = u32_of(&bytes[bytes.len() - 4..]) as u64;
            self.take_into(n.checked_mul(8)?, &mut bytes)?;
            (self.at <= self.table.start).then_some(Record { bytes })
        })();
        self.broken = record.is_none();
        self.next = record;
    }

    /// The frequencies, read after the last record, if the file is whole.
    fn table(mut self) -> Option<Frequencies> {
        if self.broken || self.at != self.table.start {
            return None;
        }
        let bytes = self.take(self.table.end - self.table.start)?;
        self.take(8)?;
        let sum = self.hash.digest();
        let mut end = [0; 8];
        self.r.read_exact(&mut end).ok()?;
        if u64::from_le_bytes(end) != sum {
            return None;
        }
        let mut df = Frequencies::default();
        df.reserve(bytes.len() / 12);
        for e in bytes.chunks_exact(12) {
            df.insert(u64_of(&e[..8]), u32_of(&e[8..]));
        }
        Some(df)
    }
}

impl PhraseSets {
    /// The file at `path`, if its header and end are right for this
    /// `program`; its checksum is checked as it is read.
    pub fn read(path: &Path, program: u128) -> Option<PhraseSets> {
        let mut f = std::fs::File::open(path).ok()?;
        let len = f.metadata().ok()?.len();
        let head = (MAGIC.len() + 16) as u64;
        let mut start = vec![0; head as usize];
        f.read_exact(&mut start).ok()?;
        if start[..MAGIC.len()] != *MAGIC || start[MAGIC.len()..] != program.to_le_bytes() {
            return None;
        }
        let table_end = len.checked_sub(16)?;
        f.seek(SeekFrom::Start(table_end)).ok()?;
        let mut at = [0; 8];
        f.read_exact(&mut at).ok()?;
        let table_start = u64::from_le_bytes(at);
        let fits = (head..=table_end).contains(&table_start) && (table_end - table_start) % 12 == 0;
        fits.then(|| PhraseSets {
            path: path.to_path_buf(),
            table: table_start..table_end,
        })
    }
}

/// The last build's frequencies less those `gone` and with those `added`;
/// None if one would go below zero, which a whole file never gives.
fn combine(mut df: Frequencies, gone: Frequencies, added: Frequencies) -> Option<Frequencies> {
    for (h, n) in gone {
        let left = df.get(&h)?.checked_sub(n)?;
        if left == 0 {
            df.remove(&h);
        } else {
            df.insert(h, left);
        }
    }
    for (h, n) in added {
        *df.entry(h).or_default() += n;
    }
    Some(df)
}

/// Per chunk of works: each one's record of the last file when its texts
/// are the same, else its phrases scanned now.
type Sets = Vec<Result<Record, Vec<u64>>>;

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
    let mut stream = last.and_then(Stream::open);
    let mut file = Sink::new(path);
    file.put(MAGIC);
    file.put(&program.to_le_bytes());
    // Phrases of this build's scanned works, and of the last file's
    // records that no work keeps.
    let (mut added, mut gone) = (Frequencies::default(), Frequencies::default());
    let mut scanned = 0;
    // Takes from the stream the records up to the chunk's last work,
    // matching them to the chunk's works (both in id order); a record
    // matched to no work, or to one whose texts changed, is gone.
    let mut match_chunk = |range: Range<usize>| -> Vec<Option<Record>> {
        let Some(s) = stream.as_mut() else {
            return range.map(|_| None).collect();
        };
        let mut kept = Vec::with_capacity(range.len());
        for w in range {
            let id = works[w].id.as_bytes();
            let mut mine = None;
            while let Some(r) = s.next.take() {
                if r.id() > id {
                    s.next = Some(r);
                    break;
                }
                s.advance();
                if r.id() == id && r.key() == keys[w] {
                    mine = Some(r);
                    break;
                }
                for h in hashes(r.phrases()) {
                    *gone.entry(h).or_default() += 1;
                }
                if r.id() == id {
                    break;
                }
            }
            kept.push(mine);
        }
        kept
    };
    let scan = |kept: Vec<Option<Record>>, start: usize| -> Sets {
        kept.into_par_iter()
            .with_max_len(64)
            .enumerate()
            .map(|(i, k)| k.ok_or_else(|| phrase_set(&works[start + i], &corpus.texts)))
            .collect()
    };
    // Counts a chunk's scanned sets and writes its records, in id order.
    let mut count = |sets: Sets, start: usize| {
        for (i, set) in sets.into_iter().enumerate() {
            let set = match set {
                Ok(record) => {
                    file.put(&record.bytes);
                    continue;
                }
                Err(set) => set,
            };
            scanned += 1;
            for &h in &set {
                *added.entry(h).or_default() += 1;
            }
            let id = works[start + i].id.as_bytes();
            file.put(&(id.len() as u32).to_le_bytes());
            file.put(id);
            file.put(&keys[start + i].to_le_bytes());
            file.put(&(set.len() as u32).to_le_bytes());
            for h in set {
                file.put(&h.to_le_bytes());
            }
        }
    };
    // Counting one chunk while the next is scanned keeps both threads busy.
    let chunk = |start: usize| start..(start + CHUNK).min(works.len());
    let mut pending = (scan(match_chunk(chunk(0)), 0), 0);
    for start in (CHUNK..works.len()).step_by(CHUNK) {
        let kept = match_chunk(chunk(start));
        let next = rayon::join(|| scan(kept, start), || count(pending.0, pending.1)).0;
        pending = (next, start);
    }
    count(pending.0, pending.1);
    drop((match_chunk, count));
    // The last file's records no work reached are gone too.
    if let Some(s) = stream.as_mut() {
        while let Some(r) = s.next.take() {
            s.advance();
            for h in hashes(r.phrases()) {
                *gone.entry(h).or_default() += 1;
            }
        }
    }
    let df = match stream {
        None => added,
        Some(s) => match s.table().and_then(|table| combine(table, gone, added)) {
            Some(df) => df,
            // Damaged after all: nothing read from it can be trusted.
            None => {
                file.abandon();
                return frequencies(corpus, None, program, path);
            }
        },
    };
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
