//! What a file-system event means for the site, and the watcher that
//! reports them: `notify`'s native watcher, or polling with `--poll`,
//! with events gathered into batches here.

use crate::source::is_ignored_name;
use notify::event::{AccessKind, AccessMode, EventKind, ModifyKind, RenameMode};
use notify::{Event, RecursiveMode, Watcher};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

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

/// How one event bears on the batch being gathered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Seen {
    pub change: Change,
    /// The event ends a save: a file renamed into place, or closed after
    /// writing. Nothing more of that save is coming, so the batch need not
    /// wait out the quiet period.
    pub finished: bool,
}

/// Reads one event from the watcher.
pub fn see(root: &Path, event: &notify::Result<Event>) -> Seen {
    let quiet = |change| Seen {
        change,
        finished: false,
    };
    let event = match event {
        Err(_) => return quiet(Change::Rescan),
        Ok(e) if e.need_rescan() => return quiet(Change::Rescan),
        Ok(e) => e,
    };
    let change = |paths: &[PathBuf]| {
        paths
            .iter()
            .map(|p| classify(root, p))
            .max()
            .unwrap_or(Change::Ignore)
    };
    match event.kind {
        // A rename comes as From, To and then Both; Both repeats the paths
        // the other two already gave.
        EventKind::Modify(ModifyKind::Name(RenameMode::Both)) => quiet(Change::Ignore),
        EventKind::Modify(ModifyKind::Name(RenameMode::To))
        | EventKind::Access(AccessKind::Close(AccessMode::Write)) => {
            let change = change(&event.paths);
            Seen {
                change,
                finished: change != Change::Ignore,
            }
        }
        // Opening, reading and metadata changes (access times,
        // permissions) alter no input; the build itself reads every file,
        // and reacting to that would rebuild for ever.
        EventKind::Access(_) | EventKind::Modify(ModifyKind::Metadata(_)) => quiet(Change::Ignore),
        _ => quiet(change(&event.paths)),
    }
}

/// A batch is sent once this long passes without events: long enough that
/// a program writing a file in place (truncate, then write) on a busy
/// machine makes one batch, not two.
const QUIET: Duration = Duration::from_millis(60);
/// After a finished save, the wait for the rest of its batch (the many
/// files of a `git checkout` come well within it).
const GRACE: Duration = Duration::from_millis(8);

/// Gathers events into batches and sends what each calls for. A batch is
/// due once nothing that matters came for `quiet`, or for `grace` after a
/// finished save; events that matter nothing neither start a batch nor
/// hold one back. Events that come while the site rebuilds make one
/// rebuild after it (see `rebuild_loop`).
fn gather(
    root: &Path,
    events: Receiver<notify::Result<Event>>,
    tx: Sender<Change>,
    (quiet, grace): (Duration, Duration),
) {
    let mut pending = Change::Ignore;
    let mut due: Option<Instant> = None;
    loop {
        let event = match due {
            None => events.recv().map_err(|_| RecvTimeoutError::Disconnected),
            Some(at) => events.recv_timeout(at.saturating_duration_since(Instant::now())),
        };
        match event {
            Ok(event) => {
                let seen = see(root, &event);
                if seen.change != Change::Ignore {
                    pending = pending.max(seen.change);
                    let wait = if seen.finished { grace } else { quiet };
                    due = Some(Instant::now() + wait);
                }
            }
            Err(RecvTimeoutError::Timeout) => {
                if tx.send(pending).is_err() {
                    return;
                }
                pending = Change::Ignore;
                due = None;
            }
            Err(RecvTimeoutError::Disconnected) => return,
        }
    }
}

pub enum SiteWatcher {
    Native(notify::RecommendedWatcher),
    Poll(notify::PollWatcher),
}

/// Watches `site.toml`, `content/` and `themes/` of `root`, sending what
/// each batch of events calls for. The root itself is watched without
/// recursion, so that the output folder's files cost no watches, and
/// `content/` or `themes/` appearing later is seen and then watched.
pub fn watch(root: &Path, poll: bool, tx: Sender<Change>) -> notify::Result<SiteWatcher> {
    let (events_tx, events) = mpsc::channel();
    let mut w = if poll {
        let config = notify::Config::default()
            .with_poll_interval(Duration::from_millis(500))
            .with_compare_contents(true);
        SiteWatcher::Poll(notify::PollWatcher::new(events_tx, config)?)
    } else {
        SiteWatcher::Native(notify::recommended_watcher(events_tx)?)
    };
    w.add_all(root)?;
    let root = root.to_path_buf();
    std::thread::spawn(move || gather(&root, events, tx, (QUIET, GRACE)));
    Ok(w)
}

impl SiteWatcher {
    fn watch_path(&mut self, path: &Path, mode: RecursiveMode) -> notify::Result<()> {
        match self {
            SiteWatcher::Native(w) => w.watch(path, mode),
            SiteWatcher::Poll(w) => w.watch(path, mode),
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

    fn event(kind: EventKind, paths: &[&str]) -> notify::Result<Event> {
        Ok(paths
            .iter()
            .fold(Event::new(kind), |e, p| e.add_path(PathBuf::from(p))))
    }

    #[test]
    fn reads_events() {
        use notify::event::{CreateKind, DataChange, MetadataKind, RemoveKind};
        let root = Path::new("/site");
        let work = "/site/content/works/a.jsonl";
        let name = |m| EventKind::Modify(ModifyKind::Name(m));
        let closed = |m| EventKind::Access(AccessKind::Close(m));
        let table = [
            // (event, change, finished)
            (
                event(
                    EventKind::Modify(ModifyKind::Data(DataChange::Any)),
                    &[work],
                ),
                Change::Content,
                false,
            ),
            (
                event(EventKind::Create(CreateKind::File), &[work]),
                Change::Content,
                false,
            ),
            (
                event(EventKind::Remove(RemoveKind::File), &[work]),
                Change::Content,
                false,
            ),
            (
                event(name(RenameMode::From), &[work]),
                Change::Content,
                false,
            ),
            // The end of a save, by rename or by closing the file.
            (event(name(RenameMode::To), &[work]), Change::Content, true),
            (
                event(closed(AccessMode::Write), &[work]),
                Change::Content,
                true,
            ),
            (
                event(name(RenameMode::To), &["/site/site.toml"]),
                Change::Config,
                true,
            ),
            // Both repeats From and To.
            (
                event(
                    name(RenameMode::Both),
                    &["/site/content/works/.a.tmp", work],
                ),
                Change::Ignore,
                false,
            ),
            // A save that ends in a temporary or backup file is not over.
            (
                event(name(RenameMode::To), &["/site/content/works/a.jsonl~"]),
                Change::Ignore,
                false,
            ),
            (
                event(closed(AccessMode::Write), &["/site/content/works/4913"]),
                Change::Ignore,
                false,
            ),
            (
                event(closed(AccessMode::Write), &["/site/output/index.html"]),
                Change::Ignore,
                false,
            ),
            // The build reading its inputs is no change.
            (
                event(
                    EventKind::Access(AccessKind::Open(AccessMode::Read)),
                    &[work],
                ),
                Change::Ignore,
                false,
            ),
            (
                event(closed(AccessMode::Read), &[work]),
                Change::Ignore,
                false,
            ),
            (
                event(
                    EventKind::Modify(ModifyKind::Metadata(MetadataKind::AccessTime)),
                    &[work],
                ),
                Change::Ignore,
                false,
            ),
            // An event for several paths takes the largest.
            (
                event(
                    EventKind::Modify(ModifyKind::Any),
                    &[work, "/site/site.toml", "/site/output/x"],
                ),
                Change::Config,
                false,
            ),
            (
                event(EventKind::Other, &[]).map(|e| e.set_flag(notify::event::Flag::Rescan)),
                Change::Rescan,
                false,
            ),
            (
                Err(notify::Error::generic("overflow")),
                Change::Rescan,
                false,
            ),
        ];
        for (i, (ev, change, finished)) in table.into_iter().enumerate() {
            assert_eq!(
                see(root, &ev),
                Seen { change, finished },
                "row {}: {:?}",
                i,
                ev
            );
        }
    }

    #[test]
    fn a_finished_save_ends_its_batch_without_waiting_for_quiet() {
        let root = Path::new("/site");
        let (events_tx, events) = mpsc::channel();
        let (tx, batches) = mpsc::channel();
        // Quiet never comes in this test; only a finished save ends a batch.
        let waits = (Duration::from_secs(3600), Duration::ZERO);
        std::thread::spawn(move || gather(root, events, tx, waits));
        let send = |kind, path: &str| events_tx.send(event(kind, &[path])).unwrap();
        let soon = Duration::from_millis(200);
        let data = EventKind::Modify(ModifyKind::Data(notify::event::DataChange::Any));
        let written = EventKind::Access(AccessKind::Close(AccessMode::Write));

        // A file written in place: no batch until it is closed.
        send(data, "/site/content/works/a.jsonl");
        send(data, "/site/site.toml");
        assert!(
            batches.recv_timeout(soon).is_err(),
            "a write in progress is no batch"
        );
        send(written, "/site/content/works/a.jsonl");
        let long = Duration::from_secs(30);
        assert_eq!(
            batches.recv_timeout(long),
            Ok(Change::Config),
            "the batch takes its largest change"
        );

        // Ignored events neither start a batch nor end one.
        send(written, "/site/content/works/4913");
        send(
            EventKind::Access(AccessKind::Close(AccessMode::Read)),
            "/site/content/works/a.jsonl",
        );
        assert!(batches.recv_timeout(soon).is_err());
        send(
            EventKind::Modify(ModifyKind::Name(RenameMode::To)),
            "/site/content/works/a.jsonl",
        );
        assert_eq!(batches.recv_timeout(long), Ok(Change::Content));
    }
}
