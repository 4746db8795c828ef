//! `scholarsite serve`: load the site, serve it over HTTP, watch the
//! inputs, reload and recompute on change, and tell open pages to reload.
//!
//! The loaded and computed site stays in memory and each page is rendered
//! when it is asked for, by the same renderer as `build`, so its bytes are
//! those `build` would write. A change costs a reload of the data (stages
//! 1–4), not a render of the whole site. Each open page tells the server
//! its path over the event stream; after a rebuild the server renders
//! exactly those pages again and tells a page to reload only when its bytes
//! changed. A failed rebuild keeps the last good site, and the open pages
//! show an overlay listing the errors until a rebuild succeeds. The reload
//! script is added to HTML as it is served.

mod files;
mod http;
pub mod watch;

use crate::render::Renderer;
use crate::{Error, Options, Prepared};
use files::{content_type, output_path};
use http::{text, Response};
use serde_json::json;
use std::collections::HashMap;
use std::io::Write;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};
use watch::Change;
use xxhash_rust::xxh3::xxh3_64;

const LIVE_JS: &str = include_str!("live.js");
const LIVE_CSS: &str = include_str!("live.css");
/// Where the server's own files live; no site path starts with it.
const PREFIX: &str = "/__scholarsite/";

pub struct ServeOptions {
    pub root: std::path::PathBuf,
    pub bind: String,
    pub port: u16,
    pub open: bool,
    pub poll: bool,
}

/// A loaded site and what the next load may reuse from this one.
struct Site {
    p: Prepared,
    memo: Mutex<Option<crate::derive::topics::Memo>>,
}

impl Site {
    fn new(mut p: Prepared) -> Site {
        let memo = Mutex::new(p.site.memo.take());
        Site { p, memo }
    }

    fn renderer(&self) -> Renderer<'_> {
        let s = &self.p.site;
        Renderer::new(&s.corpus, &s.derived, &s.config, &self.p.theme, &s.groups)
    }

    /// Whether the site has the output file `rel`.
    fn has(&self, rel: &str) -> bool {
        self.renderer().job_of(rel).is_some()
    }

    /// Renders the output file `rel`, if the site has it.
    fn file(&self, rel: &str) -> Option<Result<Vec<u8>, Error>> {
        let r = self.renderer();
        let (job, i) = r.job_of(rel)?;
        Some(r.render(job).map(|mut files| files.swap_remove(i).1))
    }

    /// What a page open at `rel` shows: its file, else the 404 page.
    fn shown(&self, rel: &str) -> Result<Vec<u8>, Error> {
        self.file(rel)
            .or_else(|| self.file("404.html"))
            .unwrap_or_else(|| Ok(Vec::new()))
    }
}

#[derive(Default)]
struct Status {
    /// Counts rebuilds that changed the site or failed; a page compares it
    /// with the build it came from.
    version: u64,
    /// The errors of the last rebuild, shown in the overlay; empty when good.
    errors: Vec<serde_json::Value>,
}

/// An open page: where to send its events, its output path, and the hash
/// of what it shows.
struct Client {
    tx: Sender<String>,
    rel: String,
    shown: Option<u64>,
}

struct State {
    site: RwLock<Option<Arc<Site>>>,
    status: Mutex<Status>,
    clients: Mutex<Vec<Client>>,
}

impl State {
    fn current(&self) -> Option<Arc<Site>> {
        self.site.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn event(&self, reload: bool, first: bool) -> String {
        let st = self.status.lock().unwrap_or_else(|e| e.into_inner());
        let data =
            json!({"version": st.version, "errors": st.errors, "reload": reload, "first": first});
        format!("event: update\ndata: {}\n\n", data)
    }
}

fn hash_shown(site: &Site, rel: &str) -> Option<u64> {
    site.shown(rel).ok().map(|b| xxh3_64(&b))
}

pub fn serve(o: ServeOptions) -> Result<(), String> {
    let listener = std::net::TcpListener::bind((o.bind.as_str(), o.port)).map_err(|e| {
        format!(
            "cannot listen on {}:{}: {}; choose another port with --port",
            o.bind, o.port, e
        )
    })?;
    let addr: SocketAddr = listener
        .local_addr()
        .map_err(|e| format!("the server has no address: {}", e))?;
    let host = if addr.ip().is_unspecified() {
        "127.0.0.1".to_string()
    } else {
        addr.ip().to_string()
    };
    let host = if host.contains(':') {
        format!("[{}]", host)
    } else {
        host
    };
    let url = format!("http://{}:{}/", host, addr.port());
    // Events name absolute paths; classify against the absolute root.
    let root = o
        .root
        .canonicalize()
        .map_err(|e| format!("cannot read {}: {}", o.root.display(), e))?;
    let opts = Options {
        root: root.clone(),
        output: None,
        base_url: Some(url.clone()),
    };
    let state = Arc::new(State {
        site: RwLock::new(None),
        status: Mutex::new(Status::default()),
        clients: Mutex::new(Vec::new()),
    });

    let (tx, rx) = mpsc::channel();
    let mut watcher = watch::watch(&root, o.poll, tx)
        .map_err(|e| format!("cannot watch {}: {}", root.display(), e))?;
    let mut carry = crate::Carry::default();
    rebuild(&opts, &state, &mut carry);
    let _ = writeln!(
        std::io::stdout(),
        "serving {} from {} (watching site.toml, content/ and themes/; Ctrl-C to stop)",
        url,
        root.display()
    );
    let _ = std::io::stdout().flush();
    if o.open {
        open_browser(&url);
    }
    let st = Arc::clone(&state);
    std::thread::spawn(move || http::run(listener, move |req| handle(req, &st)));
    rebuild_loop(&root, &opts, &state, &rx, &mut watcher, &mut carry);
    Ok(())
}

/// Waits for changes and rebuilds; a burst of events makes one rebuild.
fn rebuild_loop(
    root: &Path,
    opts: &Options,
    state: &State,
    rx: &Receiver<Change>,
    watcher: &mut watch::SiteWatcher,
    carry: &mut crate::Carry,
) {
    let mut dirs = input_dirs(root);
    while let Ok(first) = rx.recv() {
        let mut change = first;
        while let Ok(c) = rx.try_recv() {
            change = change.max(c);
        }
        // A folder deleted and made again, or a rescan, needs new watches.
        if change == Change::Rescan || input_dirs(root) != dirs {
            dirs = input_dirs(root);
            if let Err(e) = watcher.add_all(root) {
                eprintln!("warning: cannot watch {}: {}", root.display(), e);
            }
        }
        rebuild(opts, state, carry);
    }
}

fn input_dirs(root: &Path) -> (bool, bool) {
    (root.join("content").is_dir(), root.join("themes").is_dir())
}

/// Reloads the site; then every open page whose bytes changed is told to
/// reload, and every page learns whether the build has errors.
fn rebuild(opts: &Options, state: &State, carry: &mut crate::Carry) {
    let start = Instant::now();
    let current = state.current();
    let served = current.as_ref().and_then(|s| s.p.inputs);
    let mut prior = current.as_ref().and_then(|s| {
        let memo = s.memo.lock().unwrap_or_else(|e| e.into_inner()).take()?;
        Some(crate::derive::Prior {
            corpus: &s.p.site.corpus,
            derived: &s.p.site.derived,
            config: &s.p.site.config,
            memo,
        })
    });
    let result = crate::prepare(opts, served, &mut prior, carry);
    // Nothing was computed (no change, or bad data): keep the memo.
    if let (Some(s), Some(p)) = (&current, prior) {
        *s.memo.lock().unwrap_or_else(|e| e.into_inner()) = Some(p.memo);
    }
    let load_ms = start.elapsed().as_secs_f64() * 1000.0;
    // The route table is built before any lock is taken, so pages keep
    // being served meanwhile.
    let outcome = match result {
        Ok(p) => Ok(p.map(|p| Arc::new(Site::new(p)))),
        Err(e) => Err(error_list(e)),
    };
    {
        let mut st = state.status.lock().unwrap_or_else(|e| e.into_inner());
        // A page compares the version it was served with to the one it
        // hears first, and reloads if it is older; a rebuild that found
        // no change must not make the pages served meanwhile reload.
        if !matches!(outcome, Ok(None)) {
            st.version += 1;
        }
        match &outcome {
            Ok(site) => {
                st.errors.clear();
                if let Some(site) = site {
                    *state.site.write().unwrap_or_else(|e| e.into_inner()) = Some(Arc::clone(site));
                }
            }
            Err(errors) => {
                eprintln!(
                    "build failed ({} error(s)); still serving the last good site:",
                    errors.len()
                );
                for d in errors {
                    eprintln!(
                        "  {}: {}",
                        d["location"].as_str().unwrap_or(""),
                        d["message"].as_str().unwrap_or("")
                    );
                }
                st.errors = errors.clone();
            }
        }
    }
    let site = outcome.as_ref().ok().and_then(Option::as_ref);
    // Each open page's new bytes against those it shows, once per path.
    let mut clients = state.clients.lock().unwrap_or_else(|e| e.into_inner());
    let mut fresh: HashMap<String, Option<u64>> = HashMap::new();
    let mut reloaded = 0;
    clients.retain_mut(|c| {
        let reload = match site {
            Some(s) => {
                let h = *fresh
                    .entry(c.rel.clone())
                    .or_insert_with(|| hash_shown(s, &c.rel));
                let changed = h != c.shown;
                c.shown = h;
                changed
            }
            None => false,
        };
        reloaded += usize::from(reload);
        c.tx.send(state.event(reload, false)).is_ok()
    });
    let total_ms = start.elapsed().as_secs_f64() * 1000.0;
    match (site, &outcome) {
        (Some(s), _) => println!(
            "rebuilt in {:.0} ms (load {:.0} ms: {}): {} researchers, {} works; {} of {} open page(s) reloaded",
            total_ms,
            load_ms,
            s.p.timings,
            s.p.site.corpus.researchers.len(),
            s.p.site.corpus.works.len(),
            reloaded,
            clients.len()
        ),
        (None, Ok(None)) => println!("no input changed ({:.0} ms)", total_ms),
        (None, _) => {}
    }
    let _ = std::io::stdout().flush();
}

/// The errors of a failed build as the overlay lists them.
fn error_list(e: Error) -> Vec<serde_json::Value> {
    match e {
        Error::Invalid(d) => d
            .sorted()
            .iter()
            .filter(|d| d.is_error())
            .map(|d| json!({"location": d.location(), "field": d.field, "message": d.message, "help": d.help}))
            .collect(),
        other => vec![json!({"location": "", "field": null, "message": other.to_string(), "help": null})],
    }
}

fn handle(req: http::Request, state: &State) {
    if req.method != "GET" && req.method != "HEAD" {
        req.respond(text(405, "only GET and HEAD are served"));
        return;
    }
    let url = req.url.clone();
    let (path, query) = url.split_once('?').unwrap_or((&url, ""));
    let path = path.split('#').next().unwrap_or("/").to_string();
    if let Some(name) = path.strip_prefix(PREFIX) {
        match name {
            "events" => events(req, state, query),
            "live.js" => {
                req.respond(Response::new(
                    200,
                    LIVE_JS.as_bytes().to_vec(),
                    "text/javascript; charset=utf-8",
                ));
            }
            "live.css" => {
                req.respond(Response::new(
                    200,
                    LIVE_CSS.as_bytes().to_vec(),
                    "text/css; charset=utf-8",
                ));
            }
            _ => {
                req.respond(text(404, "not found"));
            }
        }
        return;
    }
    let version = state.status.lock().map(|s| s.version).unwrap_or(0);
    let Some(site) = state.current() else {
        let page = "<!doctype html><meta charset=\"utf-8\"><title>Build failed</title><body><p>The site could not be built; the errors are listed over this page and in the terminal.</p></body>";
        req.respond(html(500, page.as_bytes().to_vec(), version));
        return;
    };
    let Some(rel) = output_path(&path) else {
        req.respond(text(403, "forbidden"));
        return;
    };
    let response = match site.file(&rel) {
        Some(Ok(body)) if content_type(&rel).starts_with("text/html") => html(200, body, version),
        Some(Ok(body)) => Response::new(200, body, content_type(&rel)),
        Some(Err(e)) => text(500, &e.to_string()),
        None if site.has(&format!("{}/index.html", rel)) => {
            text(301, "moved").header("Location", format!("{}/", path))
        }
        None => match site.file("404.html") {
            Some(Ok(body)) => html(404, body, version),
            _ => text(404, "not found"),
        },
    };
    req.respond(response);
}

/// An HTML page with the reload script added before `</head>`; the script
/// is told which build the page comes from.
fn html(code: u16, body: Vec<u8>, version: u64) -> Response {
    Response::new(code, inject(body, version), "text/html; charset=utf-8")
}

fn inject(mut body: Vec<u8>, version: u64) -> Vec<u8> {
    let tag = format!(
        "<script src=\"{}live.js?v={}\" defer></script>",
        PREFIX, version
    );
    let at = body
        .windows(7)
        .position(|w| w.eq_ignore_ascii_case(b"</head>"))
        .unwrap_or(body.len());
    body.splice(at..at, tag.into_bytes());
    body
}

/// Server-sent events for the page at `?path=`: the current status at
/// once, then one event per rebuild, and a comment every 15 s to notice
/// closed pages.
fn events(req: http::Request, state: &State, query: &str) {
    // The parameter is the page's path, itself percent-encoded once more.
    let param = query
        .split('&')
        .find_map(|kv| kv.strip_prefix("path="))
        .unwrap_or("%2F");
    let rel = files::percent_decode(param)
        .and_then(|p| output_path(&p))
        .unwrap_or_else(|| "404.html".into());
    let shown = state.current().and_then(|s| hash_shown(&s, &rel));
    let (tx, rx) = mpsc::channel();
    let first = state.event(false, true);
    state
        .clients
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(Client { tx, rel, shown });
    let Ok(mut w) = req.into_stream("text/event-stream") else {
        return;
    };
    if w.write_all(first.as_bytes())
        .and_then(|_| w.flush())
        .is_err()
    {
        return;
    }
    loop {
        let msg = match rx.recv_timeout(KEEP_ALIVE) {
            Ok(m) => m,
            Err(mpsc::RecvTimeoutError::Timeout) => ": keep-alive\n\n".to_string(),
            Err(mpsc::RecvTimeoutError::Disconnected) => return,
        };
        if w.write_all(msg.as_bytes()).and_then(|_| w.flush()).is_err() {
            return;
        }
    }
}

/// How often an idle event stream is written to; see [`events`].
const KEEP_ALIVE: Duration = Duration::from_secs(15);

fn open_browser(url: &str) {
    let cmd = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "explorer"
    } else {
        "xdg-open"
    };
    if std::process::Command::new(cmd)
        .arg(url)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .is_err()
    {
        eprintln!(
            "warning: could not open a browser ({}); open {} yourself",
            cmd, url
        );
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn script_goes_before_head_end() {
        let out = String::from_utf8(super::inject(
            b"<html><head><title>x</title></HEAD><body></body></html>".to_vec(),
            3,
        ))
        .unwrap();
        assert_eq!(out, "<html><head><title>x</title><script src=\"/__scholarsite/live.js?v=3\" defer></script></HEAD><body></body></html>");
        let bare = String::from_utf8(super::inject(b"<p>no head</p>".to_vec(), 1)).unwrap();
        assert!(bare.ends_with("<script src=\"/__scholarsite/live.js?v=1\" defer></script>"));
    }
}
