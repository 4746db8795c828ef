//! Stage 1, discover: finds the content files of a site, sorted, with
//! their kind and form. Reads nothing but directory entries and sizes.

use crate::diag::{Diagnostic, Diagnostics};
use std::path::{Path, PathBuf};
use walkdir::WalkDir;

/// A Markdown file's size limit; larger is surely a mistake.
pub const MAX_MARKDOWN_BYTES: u64 = 16 << 20;
/// A JSON Lines file's size limit: split bigger data over several files.
pub const MAX_JSONL_BYTES: u64 = 4 << 30;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Researcher,
    Work,
    Institution,
    Topic,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::Researcher, Kind::Work, Kind::Institution, Kind::Topic];

    pub fn dir(self) -> &'static str {
        match self {
            Kind::Researcher => "researchers",
            Kind::Work => "works",
            Kind::Institution => "institutions",
            Kind::Topic => "topics",
        }
    }

    pub fn noun(self) -> &'static str {
        match self {
            Kind::Researcher => "researcher",
            Kind::Work => "work",
            Kind::Institution => "institution",
            Kind::Topic => "topic",
        }
    }

    /// The field that holds the Markdown body in JSON Lines.
    pub fn body_field(self) -> &'static str {
        match self {
            Kind::Researcher => "bio",
            Kind::Work => "abstract",
            Kind::Institution | Kind::Topic => "description",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    Markdown,
    Jsonl,
}

#[derive(Clone, Debug)]
pub struct SourceFile {
    /// Relative to the site root, `/`-separated: the name in diagnostics.
    pub rel: String,
    pub path: PathBuf,
    pub kind: Kind,
    pub form: Form,
    pub size: u64,
}

#[derive(Debug, Default)]
pub struct SourceSet {
    pub files: Vec<SourceFile>,
}

/// Editor and OS droppings that are never content.
pub fn is_ignored_name(name: &str) -> bool {
    name.starts_with('.')
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".swx")
        || name.ends_with(".tmp")
        || name.contains("___jb_")
        || name == "4913"
        || (name.len() > 1 && name.starts_with('#') && name.ends_with('#'))
        || name == "Thumbs.db"
}

pub fn discover(root: &Path) -> (SourceSet, Diagnostics) {
    let mut diags = Diagnostics::new();
    let content = root.join("content");
    if !content.is_dir() {
        diags.push(
            Diagnostic::error(
                "content",
                format!("no content folder in {}", root.display()),
            )
            .help("create content/researchers/ and content/works/ (see docs/content-format.md)"),
        );
        return (SourceSet::default(), diags);
    }
    let mut files = Vec::new();
    let walker = WalkDir::new(&content)
        .follow_links(false)
        .sort_by_file_name()
        .min_depth(1);
    let mut it = walker.into_iter();
    while let Some(entry) = it.next() {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let rel = e.path().map_or("content".into(), |p| rel_name(root, p));
                diags.push(Diagnostic::error(rel, format!("cannot read: {}", e)));
                continue;
            }
        };
        let rel = rel_name(root, entry.path());
        let name = entry.file_name().to_string_lossy();
        if is_ignored_name(&name) {
            if entry.file_type().is_dir() {
                it.skip_current_dir();
            }
            continue;
        }
        if entry.path_is_symlink() {
            diags.push(
                Diagnostic::error(rel, "symbolic links in content/ are not followed")
                    .help("copy the file into content/ instead of linking it"),
            );
            continue;
        }
        let kind = match entry
            .path()
            .strip_prefix(&content)
            .ok()
            .and_then(|p| p.components().next())
        {
            Some(first) => Kind::ALL.into_iter().find(|k| first.as_os_str() == k.dir()),
            None => None,
        };
        let Some(kind) = kind else {
            if entry.depth() == 1 {
                diags.push(
                    Diagnostic::warning(
                        rel,
                        "ignored: not one of researchers/, works/, institutions/, topics/",
                    )
                    .help("move it into one of those folders, or out of content/"),
                );
                if entry.file_type().is_dir() {
                    it.skip_current_dir();
                }
            }
            continue;
        };
        if entry.file_type().is_dir() {
            continue;
        }
        let form = match entry.path().extension().and_then(|e| e.to_str()) {
            Some("md") => Form::Markdown,
            Some("jsonl") => Form::Jsonl,
            _ => {
                diags.push(Diagnostic::warning(
                    rel,
                    "ignored: content files end in .md or .jsonl",
                ));
                continue;
            }
        };
        let size = match entry.metadata() {
            Ok(m) => m.len(),
            Err(e) => {
                diags.push(Diagnostic::error(rel, format!("cannot read: {}", e)));
                continue;
            }
        };
        let limit = if form == Form::Markdown {
            MAX_MARKDOWN_BYTES
        } else {
            MAX_JSONL_BYTES
        };
        if size == 0 {
            diags.push(
                Diagnostic::error(rel, "the file is empty").help(match form {
                    Form::Markdown => {
                        "give it front matter with at least the required fields, or delete it"
                    }
                    Form::Jsonl => "add one JSON object per line, or delete the file",
                }),
            );
            continue;
        }
        if size > limit {
            diags.push(
                Diagnostic::error(
                    rel,
                    format!(
                        "the file is {} bytes; the limit for this form is {}",
                        size, limit
                    ),
                )
                .help("split the records over several .jsonl files"),
            );
            continue;
        }
        files.push(SourceFile {
            rel,
            path: entry.into_path(),
            kind,
            form,
            size,
        });
    }
    (SourceSet { files }, diags)
}

fn rel_name(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}
