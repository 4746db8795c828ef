//! The last build's topic extraction, kept in a file beside the output
//! (`.NAME.scholarsite-topics`) so that a rebuild extracts again only the
//! works whose result can differ.
//!
//! A work's extracted topics follow from its title and abstract, the
//! number of works, the setting `extracted_topics_per_work`, the program,
//! and the document frequencies of the phrases it scored (see
//! [`super::topics`]). The file records, per work, a hash of its texts, its
//! result and each scored phrase with the frequency it had; a work is
//! reused only when all of these are what they are now. So the file is a
//! memo of a pure function: it is never stale, only unused, and a file
//! that is missing, damaged or from another program is ignored.
//!
//! Layout, little-endian: the magic line, the program hash (u128), the
//! setting (u32), the number of works (u64), then per work in id order:
//! id (u32 length, bytes), text hash (u64), results (u32 count, each key
//! and label as u32 length and bytes), scored phrases (u32 count, each
//! hash u64 and frequency u32); last, the xxh3-64 of everything before it.

use super::topics::Extracted;
use crate::model::Work;
use std::ops::Range;
use std::path::Path;
use xxhash_rust::xxh3::{xxh3_64, Xxh3};

const MAGIC: &[u8] = b"scholarsite topic extraction v1\n";

/// What a file says of the setting and corpus its results hold for.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Basis {
    pub program: u128,
    pub per_work: u32,
    pub works: u64,
}

/// The last build's extraction, read from its file.
pub struct TopicCache {
    basis: Basis,
    bytes: Vec<u8>,
    /// Per work, in id order: its id and its whole record in `bytes`.
    index: Vec<(Range<usize>, Range<usize>)>,
}

/// A work's record in the file, once found to hold for it.
pub struct Reused<'a> {
    pub results: Vec<Extracted>,
    /// The record as written, to be copied into the next file.
    pub record: &'a [u8],
}

/// Reads whole fields off a byte slice; None past its end.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let s = self.bytes.get(self.at..self.at.checked_add(n)?)?;
        self.at += n;
        Some(s)
    }
    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }
    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }
    fn str(&mut self) -> Option<&'a str> {
        let n = self.u32()? as usize;
        std::str::from_utf8(self.take(n)?).ok()
    }
}

/// The hash of the texts a work's extraction reads.
pub fn text_key(w: &Work) -> u64 {
    let mut h = Xxh3::new();
    h.update(&(w.title.len() as u64).to_le_bytes());
    h.update(w.title.as_bytes());
    match &w.abstract_md {
        Some(t) => {
            h.update(&t.hash().to_le_bytes());
            h.update(&(t.len() as u64).to_le_bytes());
        }
        None => h.update(b"-"),
    }
    h.digest()
}

impl TopicCache {
    /// The file at `path`, if it is whole and made by this `program`.
    pub fn read(path: &Path, program: u128) -> Option<TopicCache> {
        let bytes = std::fs::read(path).ok()?;
        let (body, sum) = bytes.split_at_checked(bytes.len().checked_sub(8)?)?;
        if xxh3_64(body).to_le_bytes() != sum {
            return None;
        }
        let mut r = Reader { bytes: body, at: 0 };
        if r.take(MAGIC.len())? != MAGIC {
            return None;
        }
        let basis = Basis {
            program: u128::from_le_bytes(r.take(16)?.try_into().ok()?),
            per_work: r.u32()?,
            works: r.u64()?,
        };
        if basis.program != program {
            return None;
        }
        let mut index = Vec::new();
        while r.at < body.len() {
            let start = r.at;
            let id_len = r.u32()? as usize;
            let id = r.at..r.at + id_len;
            r.take(id_len)?;
            r.u64()?;
            let results = r.u32()?;
            for _ in 0..results {
                r.str()?;
                r.str()?;
            }
            let scored = r.u32()? as usize;
            r.take(scored.checked_mul(12)?)?;
            index.push((id, start..r.at));
        }
        // Ids must be in order for the lookup by binary search.
        let sorted = index
            .windows(2)
            .all(|p| body[p[0].0.clone()] < body[p[1].0.clone()]);
        sorted.then_some(TopicCache {
            basis,
            bytes,
            index,
        })
    }

    pub fn basis(&self) -> Basis {
        self.basis
    }

    /// Work `w`'s record, if its texts are the same and every phrase it
    /// scored has the frequency `df` gives it now.
    pub fn reuse(&self, w: &Work, df: impl Fn(u64) -> u32) -> Option<Reused<'_>> {
        let b = &self.bytes;
        let i = self
            .index
            .binary_search_by(|(id, _)| b[id.clone()].cmp(w.id.as_bytes()))
            .ok()?;
        let (id, record) = self.index[i].clone();
        let mut r = Reader {
            bytes: &b[..record.end],
            at: id.end,
        };
        if r.u64()? != text_key(w) {
            return None;
        }
        let n = r.u32()?;
        let mut results = Vec::with_capacity(n.min(64) as usize);
        for _ in 0..n {
            let key = r.str()?.to_string();
            let label = r.str()?.to_string();
            results.push(Extracted { key, label });
        }
        let scored = r.u32()?;
        for _ in 0..scored {
            let (h, f) = (r.u64()?, r.u32()?);
            if df(h) != f {
                return None;
            }
        }
        Some(Reused {
            results,
            record: &b[record],
        })
    }
}

/// Writes a new file's bytes: the header, then records in id order.
pub struct Writer {
    bytes: Vec<u8>,
}

impl Writer {
    pub fn new(basis: Basis) -> Writer {
        let mut bytes = MAGIC.to_vec();
        bytes.extend_from_slice(&basis.program.to_le_bytes());
        bytes.extend_from_slice(&basis.per_work.to_le_bytes());
        bytes.extend_from_slice(&basis.works.to_le_bytes());
        Writer { bytes }
    }

    fn put_str(&mut self, s: &str) {
        self.bytes
            .extend_from_slice(&(s.len() as u32).to_le_bytes());
        self.bytes.extend_from_slice(s.as_bytes());
    }

    /// A record made afresh: `scored` holds each phrase's hash and frequency.
    pub fn record(&mut self, w: &Work, results: &[Extracted], scored: &[(u64, u32)]) {
        self.put_str(&w.id);
        self.bytes.extend_from_slice(&text_key(w).to_le_bytes());
        self.bytes
            .extend_from_slice(&(results.len() as u32).to_le_bytes());
        for e in results {
            self.put_str(&e.key);
            self.put_str(&e.label);
        }
        self.bytes
            .extend_from_slice(&(scored.len() as u32).to_le_bytes());
        for &(h, f) in scored {
            self.bytes.extend_from_slice(&h.to_le_bytes());
            self.bytes.extend_from_slice(&f.to_le_bytes());
        }
    }

    /// A record of the last file that holds as it is.
    pub fn copy(&mut self, record: &[u8]) {
        self.bytes.extend_from_slice(record);
    }

    pub fn finish(mut self) -> Vec<u8> {
        let sum = xxh3_64(&self.bytes);
        self.bytes.extend_from_slice(&sum.to_le_bytes());
        self.bytes
    }
}
