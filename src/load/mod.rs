//! Stage 2, parse: reads every source file into raw records with their
//! origin. Files are parsed in parallel, big JSON Lines files in chunks of
//! lines; results keep input order. No cross-file checks happen here.

pub mod frontmatter;
pub mod kept;
pub mod records;

use crate::diag::{unknown_field_help, Diagnostic, Diagnostics, LineIndex};
use crate::model::text::Text;
use crate::source::{Form, Kind, SourceFile, SourceSet};
use frontmatter::FrontMatterFormat;
use kept::{Kept, KeptWork};
use rayon::prelude::*;
use records::*;
use serde::de::DeserializeOwned;
use xxhash_rust::xxh3::xxh3_64;

/// The longest JSON Lines record accepted.
pub const MAX_LINE_BYTES: usize = 16 << 20;
/// Past this many errors in one file, the rest are counted, not listed.
const MAX_ERRORS_PER_FILE: usize = 50;

/// Where a record came from.
#[derive(Clone, Debug, PartialEq)]
pub struct Origin {
    /// Index into [`RawSite::files`].
    pub file: u32,
    /// The record's line: the JSON Lines line, or 1 for a Markdown file.
    pub line: u32,
    /// Top-level keys of Markdown front matter with their lines.
    pub keys: Option<Box<[(Box<str>, u32)]>>,
    /// The hash of the record's text: its line, or its whole file.
    pub hash: u64,
}

/// Where a record was written is no part of what pages show, so it
/// hashes as nothing: a record moved to another line or file, or with
/// lines added before it, digests as it did.
impl std::hash::Hash for Origin {
    fn hash<H: std::hash::Hasher>(&self, _: &mut H) {}
}

impl Origin {
    /// The line where a field is written, as near as is known.
    pub fn field_line(&self, field: &str) -> u32 {
        let key = field.split(['.', '[']).next().unwrap_or(field);
        self.keys
            .as_ref()
            .and_then(|keys| keys.iter().find(|(k, _)| &**k == key))
            .map_or(self.line, |(_, l)| *l)
    }
}

#[derive(Debug)]
pub struct Rec<T> {
    pub origin: Origin,
    pub id: String,
    pub raw: T,
}

#[derive(Debug, Default)]
pub struct RawSite {
    /// Source file names, relative to the root; `Origin::file` indexes this.
    pub files: Vec<String>,
    /// Their paths, from which texts left in them are read.
    pub paths: Vec<std::path::PathBuf>,
    pub researchers: Vec<Rec<RawResearcher>>,
    pub works: Vec<Rec<RawWork>>,
    /// Works taken, already checked, from the last load (`serve` only).
    pub kept: Vec<Rec<KeptWork>>,
    pub institutions: Vec<Rec<RawInstitution>>,
    pub topics: Vec<Rec<RawTopic>>,
}

/// What the four raw record types share for loading.
pub trait Record: DeserializeOwned + Send {
    type Body: Body;
    fn id_mut(&mut self) -> &mut Option<String>;
    fn body_mut(&mut self) -> &mut Self::Body;
}

/// A record's Markdown body field.
pub trait Body {
    fn is_given(&self) -> bool;
    /// Sets the body to `text`, a slice of the file being parsed.
    fn set(&mut self, text: &str);
    /// Places a body parsed from `source` (see [`Text::anchor`]).
    fn anchor(&mut self, _source: &str, _offset: u64, _hold: bool) -> Result<(), &'static str> {
        Ok(())
    }
}

impl Body for Option<String> {
    fn is_given(&self) -> bool {
        self.is_some()
    }
    fn set(&mut self, text: &str) {
        *self = Some(text.to_string());
    }
}

impl Body for Option<Text> {
    fn is_given(&self) -> bool {
        self.is_some()
    }
    fn set(&mut self, text: &str) {
        *self = Some(Text::input(text));
    }
    fn anchor(&mut self, source: &str, offset: u64, hold: bool) -> Result<(), &'static str> {
        self.as_mut()
            .map_or(Ok(()), |t| t.anchor(source, offset, hold))
    }
}

macro_rules! record {
    ($t:ty, $body:ident, $b:ty) => {
        impl Record for $t {
            type Body = $b;
            fn id_mut(&mut self) -> &mut Option<String> {
                &mut self.id
            }
            fn body_mut(&mut self) -> &mut $b {
                &mut self.$body
            }
        }
    };
}
record!(RawResearcher, bio, Option<String>);
record!(RawWork, abstract_, Option<Text>);
record!(RawInstitution, description, Option<String>);
record!(RawTopic, description, Option<String>);

enum Parsed {
    Researchers(Vec<Rec<RawResearcher>>),
    Works(Vec<Rec<RawWork>>, Vec<Rec<KeptWork>>),
    Institutions(Vec<Rec<RawInstitution>>),
    Topics(Vec<Rec<RawTopic>>),
}

pub fn parse(sources: &SourceSet) -> (RawSite, Diagnostics) {
    parse_keeping(sources, None, Vec::new(), false)
}

/// [`parse`], taking the works whose text is unchanged from `kept`, which
/// must fit the sources; `hashes[i]` is the content hash of file i.
/// `read[i]`, where given, holds the bytes of file i, read already.
/// With `hold`, texts are held rather than left in their files (see
/// [`Text`]): `serve` does, as the files change under it.
pub fn parse_keeping(
    sources: &SourceSet,
    kept: Option<(&Kept, &[u128])>,
    mut read: Vec<Option<Vec<u8>>>,
    hold: bool,
) -> (RawSite, Diagnostics) {
    read.resize_with(sources.files.len(), || None);
    let results: Vec<(Parsed, Vec<Diagnostic>)> = sources
        .files
        .par_iter()
        .zip(read)
        .enumerate()
        .map(|(i, (f, bytes))| {
            let n = i as u32;
            match f.kind {
                Kind::Researcher => map(parse_file(f, n, bytes, None, hold), Parsed::Researchers),
                Kind::Work => {
                    let kept = kept.map(|(k, hashes)| (k, hashes[i]));
                    if let Some(all) = kept.and_then(|(k, h)| k.whole_file(&f.rel, h)) {
                        return (Parsed::Works(Vec::new(), all), Vec::new());
                    }
                    let (recs, taken, d) = parse_file(f, n, bytes, kept.map(|(k, _)| k), hold);
                    (Parsed::Works(recs, taken), d)
                }
                Kind::Institution => map(parse_file(f, n, bytes, None, hold), Parsed::Institutions),
                Kind::Topic => map(parse_file(f, n, bytes, None, hold), Parsed::Topics),
            }
        })
        .collect();
    let mut site = RawSite {
        files: sources.files.iter().map(|f| f.rel.clone()).collect(),
        paths: sources.files.iter().map(|f| f.path.clone()).collect(),
        ..Default::default()
    };
    let mut diags = Diagnostics::new();
    for (parsed, d) in results {
        diags.extend(d);
        match parsed {
            Parsed::Researchers(v) => site.researchers.extend(v),
            Parsed::Works(v, k) => {
                site.works.extend(v);
                site.kept.extend(k);
            }
            Parsed::Institutions(v) => site.institutions.extend(v),
            Parsed::Topics(v) => site.topics.extend(v),
        }
    }
    (site, diags)
}

/// A file's records: parsed, taken from what was kept, and the errors.
type FileRecords<T> = (Vec<Rec<T>>, Vec<Rec<KeptWork>>, Vec<Diagnostic>);

fn map<T>(r: FileRecords<T>, f: impl FnOnce(Vec<Rec<T>>) -> Parsed) -> (Parsed, Vec<Diagnostic>) {
    (f(r.0), r.2)
}

fn parse_file<T: Record>(
    f: &SourceFile,
    index: u32,
    bytes: Option<Vec<u8>>,
    kept: Option<&Kept>,
    hold: bool,
) -> FileRecords<T> {
    if f.form == Form::Jsonl {
        return parse_jsonl::<T>(f, index, bytes, kept, hold, BLOCK_BYTES);
    }
    let text = match read_utf8(f, bytes) {
        Ok(t) => t,
        Err(d) => return (Vec::new(), Vec::new(), vec![d]),
    };
    let hash = xxh3_64(text.as_bytes());
    if let Some(k) = kept.and_then(|k| k.line(&f.rel, 1, hash)) {
        return (Vec::new(), vec![k], Vec::new());
    }
    match parse_markdown::<T>(f, index, &text, hash, hold) {
        Ok(rec) => (vec![rec], Vec::new(), Vec::new()),
        Err(d) => (Vec::new(), Vec::new(), vec![d]),
    }
}

fn read_utf8(f: &SourceFile, read: Option<Vec<u8>>) -> Result<String, Diagnostic> {
    let bytes = match read {
        Some(b) => b,
        None => std::fs::read(&f.path).map_err(|e| cannot_read(f, e))?,
    };
    utf8(f, &bytes, 1)?;
    Ok(String::from_utf8(bytes).expect("checked just above"))
}

fn cannot_read(f: &SourceFile, e: std::io::Error) -> Diagnostic {
    Diagnostic::error(&f.rel, format!("cannot read the file: {}", e))
}

/// `bytes` as text; an error names the place of the first byte that is
/// not UTF-8, counting lines from `first_line`.
fn utf8<'a>(f: &SourceFile, bytes: &'a [u8], first_line: u32) -> Result<&'a str, Diagnostic> {
    std::str::from_utf8(bytes).map_err(|e| {
        let valid = e.valid_up_to();
        let prefix = std::str::from_utf8(&bytes[..valid]).unwrap_or("");
        let (line, col) = LineIndex::new(prefix).locate(valid);
        Diagnostic::error(&f.rel, "the file is not valid UTF-8")
            .at(line + first_line - 1, col)
            .help("save the file as UTF-8")
    })
}

/// A JSON Lines file is read in blocks of whole lines of about this many
/// bytes, one after the other, so that its text is never held whole. At
/// M the works files are 190 MB: read whole, a rebuild after one work
/// changed peaked at 478 to 516 MB, and in blocks at 390 to 440 MB (6
/// alternating pairs), and fresh memory is dear (see `memory.rs`).
const BLOCK_BYTES: usize = 8 << 20;

/// Whole lines of a file: their text, the byte of the file where they
/// start, and the number of their first line.
struct Block<'a> {
    text: &'a str,
    offset: u64,
    first_line: u32,
}

/// Hands `each` the file's lines block by block (see [`BLOCK_BYTES`]), or
/// `read`, the file's bytes when they were read already, as one block.
/// `each` returns the number of lines in its block, blank ones too.
fn for_each_block(
    f: &SourceFile,
    read: Option<Vec<u8>>,
    block: usize,
    mut each: impl FnMut(Block<'_>) -> u32,
) -> Result<(), Diagnostic> {
    use std::io::Read;
    if let Some(bytes) = read {
        let text = utf8(f, &bytes, 1)?;
        each(Block {
            text,
            offset: 0,
            first_line: 1,
        });
        return Ok(());
    }
    let mut file = std::fs::File::open(&f.path).map_err(|e| cannot_read(f, e))?;
    let mut buf: Vec<u8> = Vec::with_capacity(block);
    let (mut offset, mut line, mut want) = (0u64, 1u32, block);
    loop {
        buf.reserve(want.saturating_sub(buf.len()));
        let limit = want.saturating_sub(buf.len()) as u64;
        (&mut file)
            .take(limit)
            .read_to_end(&mut buf)
            .map_err(|e| cannot_read(f, e))?;
        let end = buf.len() < want;
        let cut = match buf.iter().rposition(|&b| b == b'\n') {
            _ if end => buf.len(),
            Some(i) => i + 1,
            // A line longer than a block: read on to its end.
            None => {
                want += block;
                continue;
            }
        };
        let text = utf8(f, &buf[..cut], line)?;
        line += each(Block {
            text,
            offset,
            first_line: line,
        });
        offset += cut as u64;
        buf.drain(..cut);
        want = block;
        if end {
            return Ok(());
        }
    }
}

fn parse_markdown<T: Record>(
    f: &SourceFile,
    index: u32,
    text: &str,
    hash: u64,
    hold: bool,
) -> Result<Rec<T>, Diagnostic> {
    let split = frontmatter::split(text)
        .map_err(|(line, msg, help)| Diagnostic::error(&f.rel, msg).line(line).help(help))?;
    let offset = split.front_line - 1;
    let located = |msg: String, byte: Option<usize>, path: String| {
        let mut d = Diagnostic::error(&f.rel, msg.clone()).field(path);
        if let Some(b) = byte {
            let (l, c) = LineIndex::new(split.front).locate(b);
            d = d.at(l + offset, c);
        } else {
            d = d.line(1);
        }
        if let Some(h) = unknown_field_help(&msg) {
            d = d.help(h);
        }
        d
    };
    let mut raw: T = match split.format {
        FrontMatterFormat::Toml => {
            let de = toml::Deserializer::parse(split.front).map_err(|e| {
                located(
                    e.message().trim().to_string(),
                    e.span().map(|s| s.start),
                    String::new(),
                )
            })?;
            serde_path_to_error::deserialize(de).map_err(|e| {
                let path = path_string(e.path());
                let inner = e.into_inner();
                located(
                    inner.message().trim().to_string(),
                    inner.span().map(|s| s.start),
                    path,
                )
            })?
        }
        FrontMatterFormat::Yaml => {
            let de = serde_norway::Deserializer::from_str(split.front);
            serde_path_to_error::deserialize(de).map_err(|e| {
                let path = path_string(e.path());
                let inner = e.into_inner();
                let msg = strip_position(&inner.to_string());
                located(msg, inner.location().map(|l| l.index()), path)
            })?
        }
    };
    let keys = front_matter_keys(split.front, split.format, offset);
    let origin = Origin {
        file: index,
        line: 1,
        keys: Some(keys),
        hash,
    };
    let body = split.body.trim();
    if !body.is_empty() {
        if raw.body_mut().is_given() {
            return Err(Diagnostic::error(
                &f.rel,
                format!(
                    "the {} is given twice: in front matter and as the body",
                    f.kind.body_field()
                ),
            )
            .field(f.kind.body_field())
            .line(origin.field_line(f.kind.body_field()))
            .help("keep one of the two"));
        }
        raw.body_mut().set(body);
    }
    place_body(&mut raw, f, (text, 0), hold, 1)?;
    let id = match raw.id_mut().take() {
        Some(id) => id,
        None => f
            .path
            .file_stem()
            .map_or(String::new(), |s| s.to_string_lossy().into_owned()),
    };
    Ok(Rec { origin, id, raw })
}

/// Top-level keys of the front matter and their file lines, so that later
/// checks can point at the line of a field that parsed but is invalid.
fn front_matter_keys(
    front: &str,
    format: FrontMatterFormat,
    offset: u32,
) -> Box<[(Box<str>, u32)]> {
    let mut keys = Vec::new();
    for (i, line) in front.lines().enumerate() {
        if line.starts_with([' ', '\t', '#', '[', '-']) {
            continue;
        }
        let sep = if format == FrontMatterFormat::Toml {
            '='
        } else {
            ':'
        };
        if let Some((k, _)) = line.split_once(sep) {
            let k = k.trim().trim_matches('"');
            if !k.is_empty() {
                keys.push((k.into(), i as u32 + 1 + offset));
            }
        }
    }
    // TOML tables such as [trust] were skipped above; they name a key too.
    for (i, line) in front.lines().enumerate() {
        let t = line.trim();
        if let Some(name) = t.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            let name = name.trim_matches(['[', ']']).trim();
            keys.push((name.into(), i as u32 + 1 + offset));
        }
    }
    keys.into_boxed_slice()
}

fn parse_jsonl<T: Record>(
    f: &SourceFile,
    index: u32,
    read: Option<Vec<u8>>,
    kept: Option<&Kept>,
    hold: bool,
    block: usize,
) -> FileRecords<T> {
    let (mut parts, mut taken, mut diags) = (Vec::new(), Vec::new(), Vec::new());
    let mut lines = 0;
    let blocks = for_each_block(f, read, block, |block| {
        let (r, k, d, all) = parse_block::<T>(f, index, block, kept, hold);
        lines += r.len() + k.len() + d.len();
        parts.push(r);
        taken.extend(k);
        diags.extend(d);
        all
    });
    if let Err(d) = blocks {
        return (Vec::new(), Vec::new(), vec![d]);
    }
    // Joined at their exact size: grown block by block, the records of the
    // L world's 20 files held about 100 to 170 MB of unused room.
    let mut recs = Vec::with_capacity(parts.iter().map(Vec::len).sum());
    for r in parts {
        recs.extend(r);
    }
    if lines == 0 {
        return (
            Vec::new(),
            Vec::new(),
            vec![Diagnostic::error(&f.rel, "the file has no records")
                .help("add one JSON object per line, or delete the file")],
        );
    }
    if diags.len() > MAX_ERRORS_PER_FILE {
        let more = diags.len() - MAX_ERRORS_PER_FILE;
        diags.truncate(MAX_ERRORS_PER_FILE);
        diags.push(
            Diagnostic::error(
                &f.rel,
                format!("{} more records in this file have errors", more),
            )
            .help("fix the errors above and run again"),
        );
    }
    (recs, taken, diags)
}

/// The records of a block's lines, with the number of its lines.
fn parse_block<T: Record>(
    f: &SourceFile,
    index: u32,
    block: Block<'_>,
    kept: Option<&Kept>,
    hold: bool,
) -> (Vec<Rec<T>>, Vec<Rec<KeptWork>>, Vec<Diagnostic>, u32) {
    let source = (block.text, block.offset);
    let mut all = 0;
    let lines: Vec<(u32, &str)> = block
        .text
        .lines()
        .inspect(|_| all += 1)
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| (block.first_line + i as u32, l))
        .collect();
    // Chunks keep input order through the indexed collect.
    let chunks: Vec<FileRecords<T>> = lines
        .par_chunks(2048)
        .map(|chunk| {
            let mut recs = Vec::with_capacity(chunk.len());
            let mut taken = Vec::new();
            let mut diags = Vec::new();
            for &(line, l) in chunk {
                let hash = xxh3_64(l.as_bytes());
                if let Some(k) = kept.and_then(|k| k.line(&f.rel, line, hash)) {
                    taken.push(k);
                    continue;
                }
                match parse_json_line::<T>(f, index, (line, l), source, hash, hold) {
                    Ok(r) => recs.push(r),
                    Err(d) => diags.push(d),
                }
            }
            (recs, taken, diags)
        })
        .collect();
    let mut recs = Vec::with_capacity(lines.len());
    let mut taken = Vec::new();
    let mut diags = Vec::new();
    for (r, k, d) in chunks {
        recs.extend(r);
        taken.extend(k);
        diags.extend(d);
    }
    (recs, taken, diags, all)
}

fn parse_json_line<T: Record>(
    f: &SourceFile,
    index: u32,
    (line, text): (u32, &str),
    source: (&str, u64),
    hash: u64,
    hold: bool,
) -> Result<Rec<T>, Diagnostic> {
    if text.len() > MAX_LINE_BYTES {
        return Err(Diagnostic::error(
            &f.rel,
            format!(
                "the record is {} bytes; the limit is {}",
                text.len(),
                MAX_LINE_BYTES
            ),
        )
        .line(line));
    }
    if !text.trim_start().starts_with('{') {
        return Err(Diagnostic::error(&f.rel, "the line is not a JSON object")
            .line(line)
            .help(format!(
                "write each {} as one object, {{\"id\": \"…\", …}}, on its own line",
                f.kind.noun()
            )));
    }
    let mut de = serde_json::Deserializer::from_str(text);
    let located = |path: String, inner: serde_json::Error| {
        let msg = strip_position(&inner.to_string());
        let d = Diagnostic::error(&f.rel, msg.clone())
            .at(line, inner.column().max(1) as u32)
            .field(path);
        match unknown_field_help(&msg) {
            Some(h) => d.help(h),
            None if inner.is_syntax() || inner.is_eof() => {
                d.help("each line must be one complete JSON object")
            }
            None => d,
        }
    };
    // Tracking the field path costs an allocation per key, so a line is
    // parsed without it and parsed again with it only to report an error.
    let parsed = T::deserialize(&mut de).and_then(|raw| de.end().map(|()| raw));
    let mut raw: T = match parsed {
        Ok(raw) => raw,
        Err(_) => {
            let mut de = serde_json::Deserializer::from_str(text);
            let raw = serde_path_to_error::deserialize(&mut de).map_err(|e| {
                let path = path_string(e.path());
                located(path, e.into_inner())
            })?;
            de.end().map_err(|e| located(String::new(), e))?;
            raw
        }
    };
    place_body(&mut raw, f, source, hold, line)?;
    let id = raw.id_mut().take().ok_or_else(|| {
        Diagnostic::error(&f.rel, "missing field `id`")
            .line(line)
            .help(format!(
                "every {} in a .jsonl file needs an \"id\"",
                f.kind.noun()
            ))
    })?;
    Ok(Rec {
        origin: Origin {
            file: index,
            line,
            keys: None,
            hash,
        },
        id,
        raw,
    })
}

/// Ties the record's body to its place in `source`: the text parsed, and
/// the byte of the file where that text starts.
fn place_body<T: Record>(
    raw: &mut T,
    f: &SourceFile,
    (source, offset): (&str, u64),
    hold: bool,
    line: u32,
) -> Result<(), Diagnostic> {
    raw.body_mut().anchor(source, offset, hold).map_err(|e| {
        Diagnostic::error(&f.rel, e)
            .line(line)
            .field(f.kind.body_field())
    })
}

fn path_string(p: &serde_path_to_error::Path) -> String {
    let s = p.to_string();
    if s == "." {
        String::new()
    } else {
        s
    }
}

/// serde_json and serde_norway append " at line L column C"; we place the
/// position ourselves.
fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn works_file(dir: &std::path::Path, text: &str) -> SourceFile {
        let path = dir.join("works.jsonl");
        std::fs::write(&path, text).unwrap();
        SourceFile {
            rel: "content/works.jsonl".into(),
            path,
            kind: Kind::Work,
            form: Form::Jsonl,
            size: text.len() as u64,
        }
    }

    #[test]
    fn blocks_hold_whole_lines_and_know_where_they_start() {
        let dir = tempfile::tempdir().unwrap();
        let long = format!("{{\"id\": \"{}\"}}", "x".repeat(50));
        let text = format!(
            "{{\"id\": \"a\"}}\r\n\n{}\n\n{{\"id\": \"é\"}}\n{{\"id\": \"z\"}}",
            long
        );
        let f = works_file(dir.path(), &text);
        for block in [1, 7, 16, 64, 1 << 20] {
            let mut seen: Vec<(String, u64, u32)> = Vec::new();
            for_each_block(&f, None, block, |b| {
                seen.push((b.text.to_string(), b.offset, b.first_line));
                b.text.lines().count() as u32
            })
            .unwrap();
            // Together the blocks are the file, each from where the last
            // one ended and numbered from the lines before it.
            let joined: String = seen.iter().map(|s| s.0.as_str()).collect();
            assert_eq!(joined, text, "block {}", block);
            let (mut at, mut line) = (0, 1);
            for (i, (t, offset, first)) in seen.iter().enumerate() {
                assert_eq!((*offset, *first), (at, line), "block {}", block);
                assert!(t.ends_with('\n') || i + 1 == seen.len());
                at += t.len() as u64;
                line += t.matches('\n').count() as u32;
            }
        }
    }

    #[test]
    fn a_file_parses_the_same_in_blocks_of_any_size() {
        let dir = tempfile::tempdir().unwrap();
        let mut text = String::new();
        for i in 0..40 {
            // Plain abstracts stay in the file at their offset, escaped ones
            // are held; some lines are blank, and one is not JSON.
            text.push_str(&format!(
                "{{\"id\": \"w{}\", \"title\": \"T\", \"abstract\": \"{} words {}\"}}\n",
                i,
                if i % 3 == 0 { "esc\\\"aped" } else { "plain" },
                "x".repeat(i * 7)
            ));
            if i % 5 == 0 {
                text.push('\n');
            }
        }
        text.push_str("not json\n");
        let f = works_file(dir.path(), &text);
        let whole = parse_jsonl::<RawWork>(&f, 0, Some(text.clone().into_bytes()), None, false, 0);
        let (recs, _, diags) = &whole;
        assert_eq!((recs.len(), diags.len()), (40, 1));
        assert_eq!(diags[0].line, Some(49));
        let whole = format!("{:?}", whole);
        for block in [1, 50, 333, BLOCK_BYTES] {
            let parsed = parse_jsonl::<RawWork>(&f, 0, None, None, false, block);
            assert_eq!(format!("{:?}", parsed), whole, "block {}", block);
        }
    }

    #[test]
    fn bytes_not_utf8_are_placed_in_a_later_block() {
        let dir = tempfile::tempdir().unwrap();
        let f = works_file(dir.path(), "");
        let mut bytes = b"{\"id\": \"a\"}\n{\"id\": \"b\"}\n{\"id\": \"c".to_vec();
        bytes.extend([0xff, b'"', b'}', b'\n']);
        std::fs::write(&f.path, &bytes).unwrap();
        for block in [4, 1 << 20] {
            let (recs, _, diags) = parse_jsonl::<RawWork>(&f, 0, None, None, false, block);
            assert!(recs.is_empty());
            let d = &diags[0];
            assert!(d.message.contains("not valid UTF-8"), "{:?}", d);
            assert_eq!((d.line, d.col), (Some(3), Some(10)), "block {}", block);
        }
    }
}
