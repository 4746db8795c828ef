//! What a file-system event means for the site, and the watcher that
//! reports events: `notify` with a debouncer, or polling with `--poll`.

use crate::source::is_ignored_name;
use notify::event::{EventKind, ModifyKind};
use notify::RecursiveMode;
use notify_debouncer_full::{
    new_debouncer, new_debouncer_opt, DebounceEventResult, Debouncer, RecommendedCache,
};
use std::path::{Path, PathBuf};
use std::sync::mpsc::Sender;
use std::time::Duration;

/// What a changed path calls for, least to most.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Change {
    /// Outside the inputs, or an editor's temporary or backup file.
    Ignore,
    /// A file or folder under `content/`.
    Content,
    /// A file or folder under `themes/`.
    Theme,
    /// `site.toml`: everything may change.
    Config,
    /// Events were lost or the watcher asks for a rescan.
    Rescan,
}

/// Classifies one path of an event. Editors save through temporary files
/// (vim's `4913` probe and `~` backups, JetBrains' `___jb_tmp___`, `.swp`,
/// emacs' `#name#`); those are ignored here as discovery ignores them, and
/// the rename that ends the save names the real file.
pub fn classify(root: &Path, path: &Path) -> Change {
    let Ok(rel) = path.strip_prefix(root) else {
        return Change::Ignore;
    };
    let parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let Some(first) = parts.first() else {
        return Change::Ignore;
    };
    let name = parts.last().map(String::as_str).unwrap_or_default();
    if parts.len() > 1 && is_ignored_name(name) {
        return Change::Ignore;
    }
    match first.as_str() {
        "site.toml" if parts.len() == 1 => Change::Config,
        "content" => Change::Content,
        "themes" => Change::Theme,
        _ => Change::Ignore,
    }
}

/// What a batch of debounced events calls for: the most of its paths.
pub fn classify_batch(root: &Path, result: &DebounceEventResult) -> Change {
    match result {
        Err(_) => Change::Rescan,
        Ok(events) => events
            .iter()
            .map(|e| {
                if e.need_rescan() {
                    Change::Rescan
                } else if !alters_files(&e.kind) {
                    Change::Ignore
                } else {
                    e.paths
                        .iter()
                        .map(|p| classify(root, p))
                        .max()
                        .unwrap_or(Change::Ignore)
                }
            })
            .max()
            .unwrap_or(Change::Ignore),
    }
}

/// Opening, reading and metadata changes (access times, permissions)
/// alter no input; the build itself reads every file, and reacting to that
/// would rebuild for ever.
fn alters_files(kind: &EventKind) -> bool {
    match kind {
        EventKind::Access(_) => false,
        EventKind::Modify(ModifyKind::Metadata(_)) => false,
        _ => true,
    }
}

pub enum SiteWatcher {
    Native(Debouncer<notify::RecommendedWatcher, RecommendedCache>),
    Poll(Debouncer<notify::PollWatcher, RecommendedCache>),
}

/// Watches `site.toml`, `content/` and `themes/` of `root`, sending each
/// debounced batch that matters. The root itself is watched without
/// recursion, so that the output folder's files cost no watches, and
/// `content/` or `themes/` appearing later is seen and then watched.
pub fn watch(root: &Path, poll: bool, tx: Sender<Change>) -> notify::Result<SiteWatcher> {
    let root_buf: PathBuf = root.to_path_buf();
    // A batch is sent once 60 ms pass without events: long enough that a
    // program writing a file in place (truncate, then write) on a busy
    // machine makes one batch, not two. Events that come while the site
    // rebuilds make one rebuild after it.
    let debounce = Duration::from_millis(60);
    let tick = None;
    let handler = move |res: DebounceEventResult| {
        let change = classify_batch(&root_buf, &res);
        if change != Change::Ignore {
            let _ = tx.send(change);
        }
    };
    let mut w = if poll {
        let config = notify::Config::default()
            .with_poll_interval(Duration::from_millis(500))
            .with_compare_contents(true);
        SiteWatcher::Poll(new_debouncer_opt(
            debounce,
            tick,
            handler,
            RecommendedCache::new(),
            config,
        )?)
    } else {
        SiteWatcher::Native(new_debouncer(debounce, tick, handler)?)
    };
    w.add_all(root)?;
    Ok(w)
}

impl SiteWatcher {
    fn watch_path(&mut self, path: &Path, mode: RecursiveMode) -> notify::Result<()> {
        match self {
            SiteWatcher::Native(d) => d.watch(path, mode),
            SiteWatcher::Poll(d) => d.watch(path, mode),
        }
    }

    /// (Re)watches the root and its input folders; called at start and
    /// after a rescan, since a deleted and recreated folder loses its watch.
    pub fn add_all(&mut self, root: &Path) -> notify::Result<()> {
        self.watch_path(root, RecursiveMode::NonRecursive)?;
        for dir in ["content", "themes"] {
            let p = root.join(dir);
            if p.is_dir() {
                self.watch_path(&p, RecursiveMode::Recursive)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_paths() {
        let root = Path::new("/site");
        let table = [
            ("/site/site.toml", Change::Config),
            ("/site/content/works/a.jsonl", Change::Content),
            ("/site/content/researchers/new-folder", Change::Content),
            ("/site/content", Change::Content),
            ("/site/themes/lab/templates/profile.html", Change::Theme),
            ("/site/themes", Change::Theme),
            ("/site/content/researchers/4913", Change::Ignore),
            ("/site/content/researchers/a.toml~", Change::Ignore),
            ("/site/content/researchers/.a.toml.swp", Change::Ignore),
            (
                "/site/content/researchers/a.toml___jb_tmp___",
                Change::Ignore,
            ),
            (
                "/site/content/researchers/a.toml___jb_old___",
                Change::Ignore,
            ),
            ("/site/content/researchers/#a.toml#", Change::Ignore),
            ("/site/content/works/.goutputstream-X1Y2", Change::Ignore),
            ("/site/output/index.html", Change::Ignore),
            ("/site/.scholarsite/serve/index.html", Change::Ignore),
            ("/site/.git/index", Change::Ignore),
            ("/site/README.md", Change::Ignore),
            ("/elsewhere/content/a.toml", Change::Ignore),
            ("/site/sub/site.toml", Change::Ignore),
        ];
        for (path, want) in table {
            assert_eq!(classify(root, Path::new(path)), want, "{}", path);
        }
    }

    #[test]
    fn a_batch_takes_its_largest_change() {
        use notify_debouncer_full::DebouncedEvent;
        let root = Path::new("/site");
        let ev = |p: &str| {
            DebouncedEvent::new(
                notify::Event::new(EventKind::Modify(ModifyKind::Any)).add_path(PathBuf::from(p)),
                std::time::Instant::now(),
            )
        };
        let batch = Ok(vec![
            ev("/site/content/a.toml"),
            ev("/site/site.toml"),
            ev("/site/output/x"),
        ]);
        assert_eq!(classify_batch(root, &batch), Change::Config);
        let noise = Ok(vec![ev("/site/content/4913"), ev("/site/output/x")]);
        assert_eq!(classify_batch(root, &noise), Change::Ignore);
        let kind = |k: EventKind| {
            DebouncedEvent::new(
                notify::Event::new(k).add_path(PathBuf::from("/site/content/a.toml")),
                std::time::Instant::now(),
            )
        };
        let reads = Ok(vec![
            kind(EventKind::Access(notify::event::AccessKind::Open(
                notify::event::AccessMode::Read,
            ))),
            kind(EventKind::Access(notify::event::AccessKind::Close(
                notify::event::AccessMode::Read,
            ))),
            kind(EventKind::Modify(ModifyKind::Metadata(
                notify::event::MetadataKind::AccessTime,
            ))),
        ]);
        assert_eq!(
            classify_batch(root, &reads),
            Change::Ignore,
            "the build reading its inputs is no change"
        );
        let writes = Ok(vec![kind(EventKind::Remove(
            notify::event::RemoveKind::File,
        ))]);
        assert_eq!(classify_batch(root, &writes), Change::Content);
        let rescan = Ok(vec![DebouncedEvent::new(
            notify::Event::new(EventKind::Other).set_flag(notify::event::Flag::Rescan),
            std::time::Instant::now(),
        )]);
        assert_eq!(classify_batch(root, &rescan), Change::Rescan);
        assert_eq!(
            classify_batch(root, &Err(vec![notify::Error::generic("overflow")])),
            Change::Rescan
        );
    }
}
