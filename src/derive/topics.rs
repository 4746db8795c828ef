//! Topics: declared ones resolved to topic ids, and key phrases extracted
//! for works that declare none.
//!
//! Extraction, deterministic and linear in the text:
//! 1. Title and abstract are cut into runs of words at punctuation and at
//!    stop words ([`STOP_WORDS`]: English function words and the boilerplate
//!    of abstracts). Each run yields its 1- to 3-word phrases. Single words
//!    need 4 letters unless written as an acronym (`fMRI`, `ViT`).
//! 2. Pass one counts, over the whole corpus, how many works use each
//!    phrase (document frequency, keyed by a 64-bit hash of the phrase).
//! 3. Pass two scores each phrase of a work that is in its title or used
//!    at least twice in its abstract as
//!    `(3 × count in title + count in abstract) × ln(1 + N / df) × L`,
//!    where L is 0.6 for a single word (1 for an acronym), 1.5 for two
//!    words and 1.8 for three. Eligible are phrases found in at least two
//!    works or weighing 5 or more in this one (when a work has none such,
//!    any phrase is). The best `extracted_per_work` are taken, skipping a
//!    phrase contained in one already taken; a phrase that contains one
//!    already taken and scores at least 0.6 of it replaces it
//!    ("brain networks" gives way to "functional brain networks").

use super::phrase_cache::{self, PhraseSets};
use super::topic_cache::{Basis, Reused, TopicCache, Writer};
use crate::model::text::Texts;
use crate::model::{Corpus, Work};
use rayon::prelude::*;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use xxhash_rust::xxh3::xxh3_64;

pub const STOP_WORDS: &[&str] = &[
    // English function words
    "a",
    "about",
    "above",
    "after",
    "again",
    "against",
    "all",
    "almost",
    "along",
    "already",
    "also",
    "although",
    "always",
    "am",
    "among",
    "an",
    "and",
    "another",
    "any",
    "are",
    "as",
    "at",
    "be",
    "because",
    "been",
    "before",
    "being",
    "below",
    "between",
    "both",
    "but",
    "by",
    "can",
    "cannot",
    "could",
    "did",
    "do",
    "does",
    "doing",
    "done",
    "down",
    "due",
    "during",
    "each",
    "either",
    "else",
    "enough",
    "etc",
    "even",
    "ever",
    "every",
    "few",
    "for",
    "from",
    "further",
    "furthermore",
    "had",
    "has",
    "have",
    "having",
    "he",
    "her",
    "here",
    "hers",
    "him",
    "his",
    "how",
    "however",
    "i",
    "if",
    "in",
    "into",
    "is",
    "it",
    "its",
    "itself",
    "just",
    "least",
    "less",
    "let",
    "like",
    "likely",
    "many",
    "may",
    "me",
    "might",
    "more",
    "moreover",
    "most",
    "much",
    "must",
    "my",
    "neither",
    "no",
    "nor",
    "not",
    "now",
    "of",
    "off",
    "often",
    "on",
    "once",
    "one",
    "only",
    "or",
    "other",
    "others",
    "otherwise",
    "our",
    "ours",
    "out",
    "over",
    "own",
    "per",
    "perhaps",
    "rather",
    "same",
    "she",
    "should",
    "since",
    "so",
    "some",
    "such",
    "than",
    "that",
    "the",
    "their",
    "theirs",
    "them",
    "themselves",
    "then",
    "there",
    "thereby",
    "therefore",
    "these",
    "they",
    "this",
    "those",
    "though",
    "through",
    "thus",
    "to",
    "too",
    "toward",
    "towards",
    "two",
    "three",
    "under",
    "until",
    "up",
    "upon",
    "us",
    "very",
    "via",
    "was",
    "we",
    "were",
    "what",
    "when",
    "where",
    "whereas",
    "whether",
    "which",
    "while",
    "who",
    "whom",
    "whose",
    "why",
    "will",
    "with",
    "within",
    "without",
    "would",
    "yet",
    "you",
    "your",
    "there's",
    "it's",
    "don't",
    // The boilerplate of abstracts
    "abstract",
    "achieve",
    "achieved",
    "achieves",
    "address",
    "addresses",
    "advantage",
    "advantages",
    "aim",
    "aimed",
    "aims",
    "allow",
    "allows",
    "analyze",
    "analyse",
    "apply",
    "applied",
    "applying",
    "approach",
    "approaches",
    "available",
    "based",
    "better",
    "background",
    "called",
    "case",
    "cases",
    "challenge",
    "challenges",
    "challenging",
    "common",
    "compared",
    "comparing",
    "comprehensive",
    "conclusion",
    "conclusions",
    "consider",
    "considered",
    "considering",
    "consists",
    "contain",
    "contains",
    "core",
    "crucial",
    "current",
    "currently",
    "demonstrate",
    "demonstrated",
    "demonstrates",
    "demonstrating",
    "describe",
    "described",
    "design",
    "designed",
    "despite",
    "develop",
    "developed",
    "different",
    "discuss",
    "effective",
    "effectively",
    "efficient",
    "efficiently",
    "enable",
    "enables",
    "enabling",
    "enhance",
    "especially",
    "evaluate",
    "evaluated",
    "existing",
    "experiment",
    "experiments",
    "experimental",
    "explore",
    "explores",
    "extensive",
    "field",
    "finally",
    "find",
    "findings",
    "first",
    "focus",
    "focuses",
    "found",
    "four",
    "future",
    "general",
    "generally",
    "given",
    "great",
    "help",
    "high",
    "highly",
    "highlight",
    "highlights",
    "idea",
    "important",
    "improve",
    "improved",
    "improves",
    "include",
    "includes",
    "including",
    "increasing",
    "indicate",
    "indicates",
    "insight",
    "insights",
    "instead",
    "introduce",
    "introduces",
    "introduced",
    "investigate",
    "investigated",
    "issue",
    "issues",
    "key",
    "known",
    "large-scale",
    "largely",
    "lead",
    "leads",
    "leading",
    "limited",
    "main",
    "mainly",
    "make",
    "makes",
    "making",
    "meanwhile",
    "method",
    "methods",
    "methodology",
    "new",
    "novel",
    "number",
    "numerous",
    "objective",
    "obtain",
    "obtained",
    "overall",
    "paper",
    "particular",
    "particularly",
    "potential",
    "potentially",
    "present",
    "presents",
    "previous",
    "prior",
    "problem",
    "problems",
    "promising",
    "propose",
    "proposed",
    "proposes",
    "provide",
    "provides",
    "providing",
    "recent",
    "recently",
    "reveal",
    "reveals",
    "remain",
    "remains",
    "require",
    "requires",
    "respectively",
    "result",
    "results",
    "second",
    "several",
    "show",
    "showed",
    "shown",
    "shows",
    "significant",
    "significantly",
    "similar",
    "simple",
    "specific",
    "specifically",
    "state-of-the-art",
    "strong",
    "studied",
    "studies",
    "study",
    "successfully",
    "suggest",
    "suggests",
    "superior",
    "survey",
    "take",
    "takes",
    "task",
    "tasks",
    "technique",
    "techniques",
    "therein",
    "time",
    "together",
    "toward",
    "understand",
    "understanding",
    "use",
    "used",
    "uses",
    "using",
    "various",
    "way",
    "ways",
    "well",
    "whole",
    "work",
    "works",
    "yield",
    "yields",
    "year",
    "years",
    "art",
    "state",
    "able",
    "across",
    "addition",
    "additional",
    "furthermore",
    "hence",
    "first-time",
    "time-consuming",
    "e.g",
    "i.e",
    "et",
    "al",
    "consistent",
    "emerging",
    "comprehensive",
    "competitive",
    "relatively",
    "toward",
    "increasingly",
    "widely",
    "largely-unexplored",
    "unexplored",
    "lack",
    "little",
    "good",
    "best",
    "higher",
    "lower",
    "larger",
    "smaller",
    "following",
    "certain",
    "likewise",
    "typically",
    "usually",
    "mostly",
];

/// The stop words as word hashes (see [`word_hash`]).
struct StopWords {
    set: HashSet<u64, BuildId>,
    /// A bit per value of a hash's top 12 bits, set for the stop words'
    /// hashes: most words are told apart by one bit, without the set.
    bits: [u64; 64],
}

impl StopWords {
    fn contains(&self, h: u64) -> bool {
        let top = (h >> 52) as usize;
        self.bits[top >> 6] & (1 << (top & 63)) != 0 && self.set.contains(&h)
    }
}

fn stop_words() -> &'static StopWords {
    static S: std::sync::OnceLock<StopWords> = std::sync::OnceLock::new();
    S.get_or_init(|| {
        let set: HashSet<u64, BuildId> = STOP_WORDS.iter().map(|w| word_hash(w)).collect();
        let mut bits = [0u64; 64];
        for &h in &set {
            let top = (h >> 52) as usize;
            bits[top >> 6] |= 1 << (top & 63);
        }
        StopWords { set, bits }
    })
}

/// Keys here are already 64-bit hashes: hashing them again with SipHash
/// was a third of topic extraction.
#[derive(Default, Clone, Copy)]
pub struct IdHasher(u64);

impl std::hash::Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

pub type BuildId = std::hash::BuildHasherDefault<IdHasher>;

/// How many works use each phrase, by phrase hash.
pub type Frequencies = HashMap<u64, u32, BuildId>;

/// A phrase found in a work: its hash, where it first occurs, its word
/// count and weighted count (title words count three times).
struct Phrase<'a> {
    hash: u64,
    /// The first occurrence, from its first word to its last as written.
    span: &'a str,
    words: usize,
    weight: f64,
}

impl<'a> Phrase<'a> {
    /// The words as written. Within a run words are separated by
    /// whitespace only, so the span splits back into them.
    fn surface(&self) -> Vec<&'a str> {
        self.span.split_whitespace().map(trim_word).collect()
    }

    /// Lower-case words joined by spaces.
    fn key(&self) -> String {
        self.surface()
            .iter()
            .map(|w| w.to_lowercase())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// A word without the punctuation it may carry: edge hyphens and
/// apostrophes, and a possessive `'s`.
fn trim_word(raw: &str) -> &str {
    let w = raw.trim_matches(|c: char| c == '-' || c == '\'' || c == '’');
    w.strip_suffix("'s")
        .or_else(|| w.strip_suffix("’s"))
        .unwrap_or(w)
}

/// The last words of the current run: hash, raw start and end, and
/// whether the word may stand alone as a phrase.
#[derive(Clone, Copy, Default)]
struct Word {
    hash: u64,
    start: usize,
    end: usize,
    single: bool,
}

/// Calls `f(hash, words, span)` for every 1- to 3-word phrase of `text`,
/// in one pass without allocating. Runs of content words end at
/// punctuation, at stop words and at noise (see [`content_word`]).
fn scan<'a>(text: &'a str, mut f: impl FnMut(u64, usize, &'a str)) {
    let bytes = text.as_bytes();
    let mut last = [Word::default(); 3];
    let mut run = 0usize;
    let mut i = 0;
    loop {
        // A word: letters, digits, hyphens and apostrophes. ASCII, most of
        // any text, is told apart without decoding.
        let s = i;
        let (mut ascii, mut lower) = (true, true);
        while let Some(&b) = bytes.get(i) {
            if b.is_ascii_lowercase() {
                i += 1;
            } else if b.is_ascii() {
                if !(b.is_ascii_alphanumeric() || b == b'-' || b == b'\'') {
                    break;
                }
                lower = false;
                i += 1;
            } else {
                let c = text[i..].chars().next().expect("a char starts here");
                if !(c.is_alphanumeric() || c == '’') {
                    break;
                }
                (ascii, lower) = (false, false);
                i += c.len_utf8();
            }
        }
        if i > s {
            let word = if lower {
                lower_content_word(&bytes[s..i])
            } else if ascii {
                ascii_content_word(&bytes[s..i])
            } else {
                content_word(&text[s..i])
            };
            match word {
                Some((hash, single)) => {
                    last = [
                        last[1],
                        last[2],
                        Word {
                            hash,
                            start: s,
                            end: i,
                            single,
                        },
                    ];
                    run += 1;
                    let w = &last[2];
                    if w.single {
                        f(w.hash, 1, &text[w.start..w.end]);
                    }
                    if run >= 2 {
                        f(mix(last[1].hash, w.hash), 2, &text[last[1].start..w.end]);
                    }
                    if run >= 3 {
                        f(
                            mix(mix(last[0].hash, last[1].hash), w.hash),
                            3,
                            &text[last[0].start..w.end],
                        );
                    }
                }
                None => run = 0,
            }
        }
        // The character after it: whitespace continues a run, anything
        // else (punctuation, the end of the text) breaks it.
        let Some(&b) = bytes.get(i) else { break };
        let (space, len) = if b.is_ascii() {
            (matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c), 1)
        } else {
            let c = text[i..].chars().next().expect("a char starts here");
            (c.is_whitespace(), c.len_utf8())
        };
        if !space {
            run = 0;
        }
        i += len;
    }
}

/// A content word's hash, and whether it may be a phrase alone (4 letters,
/// or an acronym); None for a stop word or noise (digits, a lone letter).
fn content_word(raw: &str) -> Option<(u64, bool)> {
    let w = trim_word(raw);
    if w.is_empty() || w.bytes().all(|b| b.is_ascii_digit() || b == b'-') {
        return None;
    }
    let long_enough = w.len() >= 3 && (w.is_ascii() || w.chars().count() >= 3);
    if !long_enough && !is_acronym(w) {
        return None;
    }
    let h = word_hash(w);
    if stop_words().contains(h) {
        return None;
    }
    let single = w.len() >= 4 || w.chars().count() >= 4 || is_acronym(w);
    Some((h, single))
}

/// [`content_word`] of an ASCII word, in one pass over its letters
/// rather than one per test: most words of most texts are ASCII.
fn ascii_content_word(raw: &[u8]) -> Option<(u64, bool)> {
    let edge = |b: &u8| *b == b'-' || *b == b'\'';
    let start = raw.iter().position(|b| !edge(b))?;
    let end = raw.len() - raw.iter().rev().position(|b| !edge(b))?;
    let w = &raw[start..end];
    let w = w.strip_suffix(b"'s").unwrap_or(w);
    let (mut upper, mut acronym, mut noise, mut first) = (false, false, true, true);
    for &b in w {
        noise &= b.is_ascii_digit() || b == b'-';
        if b == b'-' {
            first = true;
            continue;
        }
        let up = b.is_ascii_uppercase();
        upper |= up;
        acronym |= up && !first;
        first = false;
    }
    if w.is_empty() || noise || (w.len() < 3 && !acronym) {
        return None;
    }
    let h = ascii_word_hash(w, upper);
    if stop_words().contains(h) {
        return None;
    }
    Some((h, w.len() >= 4 || acronym))
}

/// [`content_word`] of a word of lower-case ASCII letters only, most
/// words of most texts: nothing to trim, fold or tell apart but its length.
/// Told apart while scanning, they skip the trimming and letter tests:
/// that halved the instructions of the phrase scan.
fn lower_content_word(w: &[u8]) -> Option<(u64, bool)> {
    if w.len() < 3 {
        return None;
    }
    let h = xxh3_64(w);
    if stop_words().contains(h) {
        return None;
    }
    Some((h, w.len() >= 4))
}

/// `fMRI`, `ViT`, `LLMs`, `MG-ViT`: a part with an upper-case letter
/// after its first (`Few-Shot` is title case, not an acronym).
fn is_acronym(w: &str) -> bool {
    w.split('-')
        .any(|part| part.chars().skip(1).any(|c| c.is_uppercase()))
}

/// Hash of a word, case-folded, without allocating for ASCII words.
fn word_hash(w: &str) -> u64 {
    if w.is_ascii() {
        ascii_word_hash(w.as_bytes(), w.bytes().any(|c| c.is_ascii_uppercase()))
    } else {
        xxh3_64(w.to_lowercase().as_bytes())
    }
}

/// [`word_hash`] of an ASCII word; `upper` says whether it has an
/// upper-case letter to fold.
fn ascii_word_hash(w: &[u8], upper: bool) -> u64 {
    if !upper {
        xxh3_64(w)
    } else if w.len() <= 64 {
        let mut buf = [0u8; 64];
        for (d, &b) in buf.iter_mut().zip(w) {
            *d = b.to_ascii_lowercase();
        }
        xxh3_64(&buf[..w.len()])
    } else {
        xxh3_64(&w.to_ascii_lowercase())
    }
}

/// Combines word hashes into a phrase hash; order matters.
fn mix(a: u64, b: u64) -> u64 {
    (a ^ b.wrapping_mul(0x9E37_79B9_7F4A_7C15))
        .rotate_left(23)
        .wrapping_mul(0xBF58_476D_1CE4_E5B9)
}

/// Calls `f(hash, words, span, weight)` for every phrase of the title
/// (weight 3) and the abstract (weight 1).
fn each_phrase<'a>(
    title: &'a str,
    abstract_: Option<&'a str>,
    mut f: impl FnMut(u64, usize, &'a str, f64),
) {
    for (text, weight) in [(title, 3.0), (abstract_.unwrap_or(""), 1.0)] {
        scan(text, |h, n, span| f(h, n, span, weight));
    }
}

fn phrases<'a>(title: &'a str, abstract_: Option<&'a str>) -> Vec<Phrase<'a>> {
    // Each thread's index is cleared and reused: one grown afresh for each
    // of a work's hundreds of phrases was rehashed several times over.
    thread_local! {
        static INDEX: std::cell::RefCell<HashMap<u64, usize, BuildId>> =
            std::cell::RefCell::new(HashMap::default());
    }
    INDEX.with_borrow_mut(|map| {
        map.clear();
        let mut out: Vec<Phrase<'a>> = Vec::with_capacity(map.capacity());
        each_phrase(title, abstract_, |hash, words, span, weight| {
            match map.get(&hash) {
                Some(&i) => out[i].weight += weight,
                None => {
                    map.insert(hash, out.len());
                    out.push(Phrase {
                        hash,
                        span,
                        words,
                        weight,
                    });
                }
            }
        });
        out
    })
}

/// A topic chosen for a work by extraction: key and label.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Extracted {
    pub key: String,
    pub label: String,
}

/// Extraction over one corpus: its results, and what `serve` keeps so
/// that after an edit only the works whose result can differ are
/// extracted again. A work's result depends only on its own text, on the
/// number of works and on the document frequencies of the phrases it
/// scores; so it can be reused while those stay the same.
pub struct Memo {
    per_work: usize,
    /// Document frequencies; empty unless kept.
    df: HashMap<u64, u32, BuildId>,
    /// Per work: the topics extracted, empty for a work that is no target.
    results: Vec<Vec<Extracted>>,
    /// Per work: the hashes of the phrases it scored, sorted; kept only
    /// for `serve`.
    scored: Vec<Box<[u64]>>,
    kept: bool,
    /// How many works this run extracted rather than reused.
    afresh: usize,
    /// How many works this run took from the last build's cache file.
    cached: usize,
    /// Every work has the result it had in the prior run, with the same
    /// works in the same order: nothing that follows from topics changed.
    as_before: bool,
    /// The bytes of this run's topic cache file, when asked for.
    cache_file: Option<Vec<u8>>,
    /// How many works' phrases this run scanned for their frequencies.
    scanned: usize,
}

impl Memo {
    /// How many works the run that made this memo extracted, rather than
    /// reused from its prior.
    pub fn extracted_afresh(&self) -> usize {
        self.afresh
    }

    /// How many works' topics came from the last build's cache file.
    pub fn from_cache(&self) -> usize {
        self.cached
    }

    /// Whether every work's result is what the prior run gave it, the
    /// works being the same ones in the same order.
    pub fn as_before(&self) -> bool {
        self.as_before
    }

    /// The topics extracted for work `w`.
    pub fn get(&self, w: u32) -> &[Extracted] {
        self.results.get(w as usize).map_or(&[], Vec::as_slice)
    }

    /// The topic cache file of this run, to be written beside the output
    /// (see [`super::topic_cache`]); taken once.
    pub fn take_cache_file(&mut self) -> Option<Vec<u8>> {
        self.cache_file.take()
    }

    /// How many works' phrases were scanned to count frequencies.
    pub fn scanned(&self) -> usize {
        self.scanned
    }
}

/// A build's use of the topic cache: the last build's file, if one was
/// read, and the program that makes this one.
pub struct Caching<'a> {
    pub last: Option<&'a TopicCache>,
    /// The last build's phrase sets, if its file could be read.
    pub phrases: Option<&'a PhraseSets>,
    /// Where this build's phrase sets are written.
    pub phrases_at: &'a std::path::Path,
    pub program: u128,
}

/// The corpus of the last run and the memo of its extraction.
pub struct Prior<'a> {
    pub corpus: &'a Corpus,
    /// Per work of the new corpus, its index in the prior one (same id).
    pub old_of: &'a [Option<u32>],
    pub memo: Memo,
}

/// Extracts topics for the works in `targets`, using the whole corpus for
/// document frequencies. With `keep`, the memo holds what a later call
/// given it as `prior` needs; with a usable `prior`, only works whose text
/// changed or that score a phrase whose frequency changed are extracted
/// again, and the result is the same as without it.
///
/// With `caching` (a build, which has no prior), frequencies are counted
/// from the last build's phrase sets, scanning only the works whose texts
/// changed (see [`phrase_cache`]); works whose record in the last build's
/// cache file holds are taken from it; this run's phrase sets are
/// written, and the memo carries its topic cache file.
pub fn extract(
    corpus: &Corpus,
    targets: &[u32],
    per_work: usize,
    prior: Option<Prior>,
    keep: bool,
    caching: Option<Caching>,
) -> Memo {
    let n = corpus.works.len();
    let mut memo = Memo {
        per_work,
        df: HashMap::default(),
        results: Vec::new(),
        scored: Vec::new(),
        kept: keep,
        afresh: 0,
        cached: 0,
        as_before: false,
        cache_file: None,
        scanned: 0,
    };
    if !keep && (per_work == 0 || targets.is_empty()) {
        return memo;
    }
    // `serve` keeps every work's scored phrases, which a cached record
    // does not hold; it has its prior instead.
    let caching = caching.filter(|_| prior.is_none() && !keep);
    let basis = caching.as_ref().map(|c| Basis {
        program: c.program,
        per_work: per_work as u32,
        works: n as u64,
    });
    let prior = prior.filter(|p| p.memo.kept && p.memo.per_work == per_work);
    memo.results = vec![Vec::new(); n];
    memo.scored = vec![Box::default(); n];
    // Works whose result was taken from the prior memo.
    let mut reused = vec![false; n];
    // The prior results of works extracted again, to compare with.
    let mut before: Option<Vec<Vec<Extracted>>> = None;
    match prior {
        // A build counts from the last build's phrase sets.
        None => match caching.as_ref() {
            Some(c) => {
                let counted = phrase_cache::frequencies(corpus, c.phrases, c.program, c.phrases_at);
                memo.df = counted.df;
                memo.scanned = counted.scanned;
            }
            None => {
                memo.df =
                    document_frequencies(corpus.works.par_iter().map(|w| &**w), &corpus.texts);
                memo.scanned = n;
            }
        },
        Some(p) => {
            let old = p.corpus;
            let same_text = |w: usize| {
                p.old_of[w].filter(|&o| {
                    let (a, b) = (&old.works[o as usize], &corpus.works[w]);
                    Arc::ptr_eq(a, b) || (a.title == b.title && a.abstract_md == b.abstract_md)
                })
            };
            let same: Vec<Option<u32>> = (0..n).into_par_iter().map(same_text).collect();
            let mut stays = vec![false; old.works.len()];
            for &o in same.iter().flatten() {
                stays[o as usize] = true;
            }
            let gone: Vec<&Work> = (0..old.works.len())
                .filter(|&o| !stays[o])
                .map(|o| &*old.works[o])
                .collect();
            let came: Vec<&Work> = (0..n)
                .filter(|&w| same[w].is_none())
                .map(|w| &*corpus.works[w])
                .collect();
            // The net change of each phrase's frequency: an edit that
            // keeps a phrase changes nothing for the works that use it.
            let mut delta: HashMap<u64, i64, BuildId> = HashMap::default();
            for (works, by, texts) in [(&gone, -1, &old.texts), (&came, 1, &corpus.texts)] {
                let sets: Vec<Vec<u64>> = works.par_iter().map(|w| phrase_set(w, texts)).collect();
                for h in sets.into_iter().flatten() {
                    *delta.entry(h).or_default() += by;
                }
            }
            let mut df = p.memo.df;
            let mut changed: HashSet<u64, BuildId> = HashSet::default();
            for (h, by) in delta.into_iter().filter(|&(_, by)| by != 0) {
                changed.insert(h);
                let e = df.entry(h).or_default();
                *e = (i64::from(*e) + by) as u32;
                if *e == 0 {
                    df.remove(&h);
                }
            }
            memo.df = df;
            let in_place = old.works.len() == n && (0..n).all(|w| p.old_of[w] == Some(w as u32));
            let old_targets = p.memo.results.len() == n
                && targets
                    .iter()
                    .all(|&w| old.works[w as usize].topics.is_empty());
            if old.works.len() == n {
                let (mut results, mut scored) = (p.memo.results, p.memo.scored);
                let usable: Vec<Option<u32>> = targets
                    .par_iter()
                    .map(|&w| {
                        same[w as usize].filter(|&o| {
                            old.works[o as usize].topics.is_empty()
                                && !scored[o as usize].iter().any(|h| changed.contains(h))
                        })
                    })
                    .collect();
                // Ids are unique, so each prior work is taken at most once.
                for (&w, u) in targets.iter().zip(usable) {
                    if let Some(o) = u {
                        let o = o as usize;
                        memo.results[w as usize] = std::mem::take(&mut results[o]);
                        memo.scored[w as usize] = std::mem::take(&mut scored[o]);
                        reused[w as usize] = true;
                    }
                }
                // Works stay in place with the same targets; their
                // results may then be compared one by one.
                let n_old_targets = old.works.iter().filter(|w| w.topics.is_empty()).count();
                if in_place && old_targets && n_old_targets == targets.len() {
                    before = Some(results);
                }
            }
        }
    }
    // From the last build's cache file: records that still hold.
    let mut cached: Vec<Option<Reused>> = match (caching.as_ref().and_then(|c| c.last), basis) {
        (Some(last), Some(basis)) if last.basis() == basis => {
            let df = &memo.df;
            targets
                .par_iter()
                .map(|&w| last.reuse(&corpus.works[w as usize], |h| frequency(df, h)))
                .collect()
        }
        _ => Vec::new(),
    };
    for (&w, c) in targets.iter().zip(cached.iter_mut()) {
        if let Some(c) = c {
            memo.results[w as usize] = std::mem::take(&mut c.results);
            reused[w as usize] = true;
            memo.cached += 1;
        }
    }
    let todo: Vec<u32> = targets
        .iter()
        .copied()
        .filter(|&w| !reused[w as usize])
        .collect();
    memo.afresh = todo.len();
    let n_docs = n as f64;
    let keep_scored = keep || caching.is_some();
    // In small pieces, so that both threads work to the end (see
    // `render_all`).
    let fresh: Vec<(Vec<Extracted>, Box<[u64]>)> = todo
        .par_iter()
        .with_max_len(64)
        .map(|&w| {
            let work = &corpus.works[w as usize];
            let abstract_ = corpus.abstract_of(work);
            extract_one(
                &work.title,
                abstract_.as_deref(),
                &memo.df,
                n_docs,
                per_work,
                keep_scored,
            )
        })
        .collect();
    memo.as_before = before.is_some_and(|before| {
        todo.iter()
            .zip(&fresh)
            .all(|(&w, (r, _))| before[w as usize] == *r)
    });
    for (&w, (r, h)) in todo.iter().zip(fresh) {
        memo.results[w as usize] = r;
        memo.scored[w as usize] = h;
    }
    if let Some(basis) = basis {
        memo.cache_file = Some(cache_file(corpus, targets, basis, &memo, &cached));
    }
    if !keep {
        memo.df = HashMap::default();
        memo.scored = Vec::new();
    }
    memo
}

/// How many works use phrase `h`, as the cache file records it.
fn frequency(df: &HashMap<u64, u32, BuildId>, h: u64) -> u32 {
    df.get(&h).copied().unwrap_or(0)
}

/// The cache file of a run: each target's record, copied from the last
/// file where it held (`cached`, empty when none did), else made from the
/// memo's result and scored phrases.
fn cache_file(
    corpus: &Corpus,
    targets: &[u32],
    basis: Basis,
    memo: &Memo,
    cached: &[Option<Reused>],
) -> Vec<u8> {
    let mut file = Writer::new(basis);
    let mut scored = Vec::new();
    for (i, &w) in targets.iter().enumerate() {
        if let Some(Some(c)) = cached.get(i) {
            file.copy(c.record);
            continue;
        }
        let w = w as usize;
        scored.clear();
        scored.extend(memo.scored[w].iter().map(|&h| (h, frequency(&memo.df, h))));
        file.record(&corpus.works[w], &memo.results[w], &scored);
    }
    file.finish()
}

/// Distinct phrase hashes of a work, ascending.
pub(super) fn phrase_set(w: &Work, texts: &Texts) -> Vec<u64> {
    let mut seen = Vec::new();
    phrase_set_into(w, texts, &mut seen);
    seen
}

/// [`phrase_set`] into a buffer the caller reuses.
fn phrase_set_into(w: &Work, texts: &Texts, seen: &mut Vec<u64>) {
    seen.clear();
    let abstract_ = w.abstract_md.as_ref().map(|t| t.get(texts, w.origin.file));
    each_phrase(&w.title, abstract_.as_deref(), |h, _, _, _| seen.push(h));
    seen.sort_unstable();
    seen.dedup();
}

/// How many works use each phrase. Summing is order-independent, so the
/// result does not depend on how rayon splits the work.
fn document_frequencies<'a>(
    works: impl ParallelIterator<Item = &'a Work>,
    texts: &Texts,
) -> HashMap<u64, u32, BuildId> {
    works
        .fold(
            || (HashMap::default(), Vec::new()),
            |(mut df, mut seen): (HashMap<u64, u32, BuildId>, Vec<u64>), w| {
                phrase_set_into(w, texts, &mut seen);
                for &h in &seen {
                    *df.entry(h).or_default() += 1;
                }
                (df, seen)
            },
        )
        .map(|(df, _)| df)
        .reduce(HashMap::default, |mut a, b| {
            let (mut big, small) = if a.len() >= b.len() {
                (std::mem::take(&mut a), b)
            } else {
                (b, a)
            };
            for (k, v) in small {
                *big.entry(k).or_default() += v;
            }
            big
        })
}

/// One work's topics, and (with `keep`) the hashes of the phrases it
/// scored, whose frequencies the result depends on.
fn extract_one(
    title: &str,
    abstract_: Option<&str>,
    df: &HashMap<u64, u32, BuildId>,
    n_docs: f64,
    per_work: usize,
    keep: bool,
) -> (Vec<Extracted>, Box<[u64]>) {
    if per_work == 0 {
        return (Vec::new(), Box::default());
    }
    let mut scored: Vec<(bool, f64, Phrase)> = phrases(title, abstract_)
        .into_iter()
        .filter(|p| {
            p.weight >= 2.0
                && (p.words > 1
                    || is_acronym(trim_word(p.span))
                    || !looks_modifier(&trim_word(p.span).to_lowercase()))
        })
        .map(|p| {
            let d = f64::from(*df.get(&p.hash).unwrap_or(&1));
            let length = match p.words {
                1 if is_acronym(trim_word(p.span)) => 1.0,
                1 => 0.6,
                2 => 1.5,
                _ => 1.8,
            };
            let score = p.weight * (1.0 + n_docs / d).ln() * length;
            (d >= 2.0 || p.weight >= 5.0, score, p)
        })
        .collect();
    let hashes: Box<[u64]> = if keep {
        let mut h: Vec<u64> = scored.iter().map(|s| s.2.hash).collect();
        h.sort_unstable();
        h.into()
    } else {
        Box::default()
    };
    // Eligible phrases first, best first; ties by hash, for determinism.
    scored.sort_by(|a, b| {
        b.0.cmp(&a.0)
            .then(b.1.total_cmp(&a.1))
            .then(a.2.hash.cmp(&b.2.hash))
    });
    let any_eligible = scored.first().is_some_and(|s| s.0);
    let mut chosen: Vec<(f64, Extracted)> = Vec::new();
    for (eligible, score, p) in scored {
        if any_eligible && !eligible {
            break;
        }
        // Scores only fall from here: once the list is full and this
        // phrase cannot replace any chosen one, no later one can.
        let weakest = chosen.iter().map(|c| c.0).fold(f64::INFINITY, f64::min);
        if chosen.len() >= per_work && score < 0.6 * weakest {
            break;
        }
        let key = p.key();
        if chosen.iter().any(|(_, c)| contains_words(&c.key, &key)) {
            continue;
        }
        let upgrade = chosen
            .iter()
            .position(|(s, c)| contains_words(&key, &c.key) && score >= 0.6 * s);
        let e = Extracted {
            label: label_of(&p.surface()),
            key,
        };
        match upgrade {
            Some(i) => {
                chosen[i] = (score, e);
                dedupe_contained(&mut chosen);
            }
            None if chosen.len() < per_work => chosen.push((score, e)),
            None => {}
        }
    }
    (chosen.into_iter().map(|(_, e)| e).collect(), hashes)
}

/// Single words that are mostly modifiers or verbs ("unified",
/// "learning", "spatial") make poor topics on their own.
fn looks_modifier(word: &str) -> bool {
    ["ed", "ing", "al", "ic", "ive", "ous", "ly", "ful", "able"]
        .iter()
        .any(|s| word.ends_with(s))
}

/// After an upgrade, drops any other chosen phrase the new one contains.
fn dedupe_contained(chosen: &mut Vec<(f64, Extracted)>) {
    let mut i = 0;
    while i < chosen.len() {
        let inner = &chosen[i].1.key;
        let contained = chosen
            .iter()
            .enumerate()
            .any(|(j, (_, c))| j != i && contains_words(&c.key, inner));
        if contained {
            chosen.remove(i);
        } else {
            i += 1;
        }
    }
}

/// Whether `inner`'s words appear, in order and adjacent, in `outer`.
fn contains_words(outer: &str, inner: &str) -> bool {
    // Tried at each word's start: keys are a few words long, and setting
    // up a substring search for each pair cost more than the comparisons.
    let (o, n) = (outer.as_bytes(), inner.as_bytes());
    let spaces = o.iter().enumerate().filter(|&(_, &b)| b == b' ');
    let mut starts = std::iter::once(0).chain(spaces.map(|(i, _)| i + 1));
    starts.any(|i| o[i..].starts_with(n) && (i + n.len() == o.len() || o[i + n.len()] == b' '))
}

/// Lower-case words, acronyms as written.
fn label_of(surface: &[&str]) -> String {
    surface
        .iter()
        .map(|w| {
            if is_acronym(w) {
                w.to_string()
            } else {
                w.to_lowercase()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_words_are_judged_as_any_word() {
        // Every word of up to five of these letters, stop words, and
        // words past the 64-byte buffer.
        let letters = ["a", "B", "1", "-", "'", "s", "T"];
        let mut words: Vec<String> = vec![String::new()];
        let mut last = words.clone();
        for _ in 0..5 {
            last = last
                .iter()
                .flat_map(|w| letters.iter().map(move |l| format!("{}{}", w, l)))
                .collect();
            words.extend(last.iter().cloned());
        }
        words.extend(STOP_WORDS.iter().map(|w| w.to_string()));
        words.extend(STOP_WORDS.iter().map(|w| w.to_uppercase()));
        words.extend(["fMRI", "MG-ViT", "LLMs", "Few-Shot", "1990's", "--ab--"].map(String::from));
        words.push("Pneumonoultramicroscopicsilicovolcanoconiosis".repeat(2));
        words.push("pneumonoultramicroscopicsilicovolcanoconiosis".repeat(2));
        for w in &words {
            assert_eq!(ascii_content_word(w.as_bytes()), content_word(w), "{:?}", w);
            if w.bytes().all(|b| b.is_ascii_lowercase()) {
                assert_eq!(lower_content_word(w.as_bytes()), content_word(w), "{:?}", w);
            }
        }
    }

    #[test]
    fn phrases_stop_at_stop_words_and_punctuation() {
        let mut found = Vec::new();
        scan(
            "We propose a Vision Transformer, for fMRI data's use.",
            |_, n, span| found.push((n, span)),
        );
        assert_eq!(
            found,
            vec![
                (1, "Vision"),
                (1, "Transformer"),
                (2, "Vision Transformer"),
                (1, "fMRI"),
                (1, "data's"),
                (2, "fMRI data's")
            ]
        );
        let p = Phrase {
            hash: 0,
            span: "fMRI data's",
            words: 2,
            weight: 1.0,
        };
        assert_eq!(p.surface(), vec!["fMRI", "data"]);
        assert_eq!(p.key(), "fmri data");
    }

    #[test]
    fn labels_keep_acronyms() {
        assert_eq!(
            label_of(&["Large", "Language", "Models"]),
            "large language models"
        );
        assert_eq!(label_of(&["fMRI"]), "fMRI");
        assert!(contains_words(
            "functional brain networks",
            "brain networks"
        ));
        assert!(!contains_words("functional brain networks", "rain"));
        assert!(contains_words("brain networks", "brain networks"));
        assert!(contains_words("brain networks", "brain"));
        assert!(!contains_words("brain networks", "networ"));
        assert!(!contains_words("brainy brain", "rain"));
    }
}
