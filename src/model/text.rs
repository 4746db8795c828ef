//! Long texts (abstracts) left in their source files.
//!
//! Abstracts are most of a corpus's bytes, yet each is read only a few
//! times: by topic extraction and by the pages that show it. So a build
//! keeps where each one lies in its file, its length and its hash, and
//! reads it again when asked. Only text that lies verbatim in the file
//! (a JSON string without escapes, a Markdown body) can be left there;
//! the rest is held, as is everything `serve` loads, since the files it
//! watches change under it.
//!
//! A file that changes during a build would hand back other bytes; the
//! hash catches it, and [`Texts::failure`] turns it into an error before
//! anything is written.

use crate::diag::Diagnostic;
use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;
use std::borrow::Cow;
use std::fmt;
use std::os::unix::fs::FileExt;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};
use xxhash_rust::xxh3::xxh3_64;

/// A text of a record: held, or where it lies in its source file.
#[derive(Clone, Debug)]
pub struct Text {
    hash: u64,
    len: u32,
    place: Place,
}

#[derive(Clone, Debug)]
enum Place {
    Held(Box<str>),
    /// At this byte of the record's source file.
    InFile(u64),
    /// At this address in the text being parsed; [`Text::anchor`] turns it
    /// into one of the others before the record leaves the parser.
    Input(usize),
}

impl Text {
    /// A blank text is kept as the empty one: it is never shown.
    pub fn held(s: &str) -> Text {
        let s = if s.trim().is_empty() { "" } else { s };
        Text {
            hash: xxh3_64(s.as_bytes()),
            len: s.len() as u32,
            place: Place::Held(s.into()),
        }
    }

    /// A text that is a slice of the text being parsed.
    pub fn input(s: &str) -> Text {
        if s.trim().is_empty() {
            return Text::held("");
        }
        Text {
            hash: xxh3_64(s.as_bytes()),
            len: s.len() as u32,
            place: Place::Input(s.as_ptr() as usize),
        }
    }

    /// Ties a text parsed from `source`, the part of its file that starts
    /// at byte `offset`, to its place in the file, or copies it when
    /// `hold`. Err when it is not in `source`, which cannot happen:
    /// borrowed strings come from the parser's input.
    pub fn anchor(&mut self, source: &str, offset: u64, hold: bool) -> Result<(), &'static str> {
        let Place::Input(addr) = self.place else {
            return Ok(());
        };
        let base = source.as_ptr() as usize;
        let len = self.len as usize;
        let start = addr
            .checked_sub(base)
            .filter(|s| s + len <= source.len())
            .ok_or("a text was not found in its file")?;
        self.place = if hold {
            Place::Held(source[start..start + len].into())
        } else {
            Place::InFile(offset + start as u64)
        };
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.len as usize
    }

    /// The text's 64-bit xxh3: what a page's digest covers in its place.
    pub fn hash(&self) -> u64 {
        self.hash
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The text, read from `file` (an index into `texts`) when not held.
    pub fn get<'a>(&'a self, texts: &Texts, file: u32) -> Cow<'a, str> {
        match &self.place {
            Place::Held(s) => Cow::Borrowed(s),
            Place::InFile(at) => Cow::Owned(texts.read(file, *at, self.len, self.hash)),
            Place::Input(_) => {
                texts.fail(file, "a text was read before it was placed");
                Cow::Borrowed("")
            }
        }
    }
}

/// A text hashes as its content's hash and length, wherever it lies.
impl std::hash::Hash for Text {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        h.write_u64(self.hash);
        h.write_u32(self.len);
    }
}

/// Texts are equal when their bytes are, as far as the hash tells.
impl PartialEq for Text {
    fn eq(&self, other: &Text) -> bool {
        self.hash == other.hash && self.len == other.len
    }
}

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Text, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Text;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Text, E> {
                Ok(Text::input(s))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Text, E> {
                Ok(Text::held(s))
            }
        }
        d.deserialize_str(V)
    }
}

/// Reads texts back from the source files.
#[derive(Debug)]
pub struct Texts {
    /// By file index: the file's name in messages, and its path.
    files: Vec<(String, PathBuf)>,
    open: Vec<OnceLock<Option<std::fs::File>>>,
    failure: Mutex<Option<Diagnostic>>,
    /// Tells this reader's windows from another's (see [`Window`]).
    id: u64,
}

/// The bytes a thread last read from a source file. Work pages and topic
/// extraction ask for abstracts in record order, and neighbouring records
/// lie side by side: once reads run forward, one read of [`WINDOW`] bytes
/// serves dozens of them, where a read per abstract was most of the time
/// spent on them.
struct Window {
    /// Which [`Texts`] and which of its files the bytes are from.
    owner: (u64, u32),
    /// Where `bytes` start in the file.
    start: u64,
    /// The bytes read are `bytes[..filled]`; the rest is room, kept from
    /// read to read so that it is zeroed only once.
    bytes: Vec<u8>,
    filled: usize,
}

const WINDOW: usize = 64 << 10;

thread_local! {
    static WINDOWS: std::cell::RefCell<Window> = const {
        std::cell::RefCell::new(Window { owner: (0, 0), start: 0, bytes: Vec::new(), filled: 0 })
    };
}

/// Each [`Texts`] gets its own id, never 0 (the id of no window).
static NEXT_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

impl Texts {
    pub fn new(files: Vec<(String, PathBuf)>) -> Texts {
        Texts {
            open: files.iter().map(|_| OnceLock::new()).collect(),
            files,
            failure: Mutex::new(None),
            id: NEXT_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        }
    }

    fn read(&self, file: u32, at: u64, len: u32, hash: u64) -> String {
        let i = file as usize;
        let Some(f) = self.open.get(i).and_then(|o| {
            o.get_or_init(|| std::fs::File::open(&self.files[i].1).ok())
                .as_ref()
        }) else {
            self.fail(file, "it could not be opened again");
            return String::new();
        };
        let text = WINDOWS.with_borrow_mut(|w| {
            let bytes = w.get((self.id, file), f, at, len as usize).ok()?;
            (xxh3_64(bytes) == hash).then(|| std::str::from_utf8(bytes).ok().map(String::from))?
        });
        text.unwrap_or_else(|| {
            self.fail(file, "it changed while the build was reading it");
            String::new()
        })
    }

    fn fail(&self, file: u32, why: &str) {
        let name = self.files.get(file as usize).map_or("?", |f| f.0.as_str());
        let mut first = self.failure.lock().unwrap_or_else(|e| e.into_inner());
        first.get_or_insert_with(|| {
            Diagnostic::error(name, format!("cannot read an abstract back: {}", why))
                .help("let whatever writes the file finish, then run the build again")
        });
    }

    /// Why a text could not be read back, for the first that could not.
    pub fn failure(&self) -> Option<Diagnostic> {
        self.failure
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

impl Window {
    /// The `len` bytes at `at` of `f`, the file `owner` names: from the
    /// window when they are in it, else read with those that follow.
    fn get(
        &mut self,
        owner: (u64, u32),
        f: &std::fs::File,
        at: u64,
        len: usize,
    ) -> std::io::Result<&[u8]> {
        let end_held = self.start + self.filled as u64;
        let held = self.owner == owner
            && at >= self.start
            && at.checked_add(len as u64).is_some_and(|e| e <= end_held);
        if !held {
            // Only a read just past the last one is taken for the start of
            // a run: a profile's works lie all over their files, and a
            // window read for each of them would copy far more than it used.
            let ahead = self.owner == owner && at >= end_held && at - end_held < WINDOW as u64;
            self.owner = (0, 0);
            let want = if ahead { len.max(WINDOW) } else { len };
            if self.bytes.len() < want {
                self.bytes.resize(want, 0);
            }
            let mut got = 0;
            while got < want {
                match f.read_at(&mut self.bytes[got..want], at + got as u64) {
                    Ok(0) => break,
                    Ok(n) => got += n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            }
            self.filled = got;
            if got < len {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            (self.owner, self.start) = (owner, at);
        }
        let from = (at - self.start) as usize;
        Ok(&self.bytes[from..from + len])
    }
}

impl Default for Texts {
    fn default() -> Texts {
        Texts::new(Vec::new())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(line: &str) -> Text {
        serde_json::from_str::<Text>(line).unwrap()
    }

    #[test]
    fn plain_strings_stay_in_the_file_and_escaped_ones_are_held() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.jsonl");
        let source = "\"plain text\" \"esc\\\"aped\"";
        std::fs::write(&path, source).unwrap();
        let texts = Texts::new(vec![("w.jsonl".into(), path.clone())]);
        let mut plain = parsed(&source[..12]);
        let mut escaped = parsed(&source[13..]);
        // A text parsed from anything but its source cannot be placed.
        assert!(parsed(&source[..12].to_string())
            .anchor(source, 0, false)
            .is_err());
        plain.anchor(source, 0, false).unwrap();
        escaped.anchor(source, 0, false).unwrap();
        assert!(matches!(plain.place, Place::InFile(1)));
        assert!(matches!(escaped.place, Place::Held(_)));
        assert_eq!(plain.get(&texts, 0), "plain text");
        assert_eq!(escaped.get(&texts, 0), "esc\"aped");
        assert_eq!(plain, Text::held("plain text"));
        assert!(texts.failure().is_none());
        // The file changes under the build: the read fails, loudly.
        std::fs::write(&path, "\"PLAIN TEXT\"").unwrap();
        let texts = Texts::new(vec![("w.jsonl".into(), path)]);
        assert_eq!(plain.get(&texts, 0), "");
        let failure = texts.failure().unwrap().to_string();
        assert!(failure.contains("w.jsonl"), "{}", failure);
        assert!(failure.contains("changed while the build"), "{}", failure);
    }

    #[test]
    fn texts_read_in_any_order_across_windows() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.jsonl");
        // Texts of varied lengths, some longer than a window, so that reads
        // start inside, at the edge of and past the window held.
        let words: Vec<String> = (0..400)
            .map(|i| {
                format!(
                    "text {} {}",
                    i,
                    "x".repeat((i * 37) % 700 + if i % 97 == 0 { 70_000 } else { 0 })
                )
            })
            .collect();
        let source = words
            .iter()
            .map(|w| format!("\"{}\"", w))
            .collect::<Vec<_>>()
            .join("\n");
        std::fs::write(&path, &source).unwrap();
        let mut at = 0;
        let texts: Vec<Text> = words
            .iter()
            .map(|w| {
                let start = source[at..].find(w.as_str()).unwrap() + at;
                at = start + w.len();
                let mut t = parsed(&format!("\"{}\"", w));
                t.place = Place::InFile(start as u64);
                t
            })
            .collect();
        let reader = Texts::new(vec![("w.jsonl".into(), path)]);
        let order: Vec<usize> = (0..400)
            .chain((0..400).rev())
            .chain((0..400).map(|i| i * 7 % 400))
            .collect();
        for i in order {
            assert_eq!(texts[i].get(&reader, 0), words[i], "text {}", i);
        }
        assert!(reader.failure().is_none());
    }
}
