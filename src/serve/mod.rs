//! `scholarsite serve`: build, serve the output over HTTP, watch the
//! inputs, rebuild on change and tell open pages to reload.
//!
//! Each rebuild is the ordinary build into `<root>/.scholarsite/serve/`,
//! whose manifest makes it rewrite only files whose bytes changed; those
//! are the pages told to reload. A failed rebuild leaves the last good
//! site in place, and the pages show an overlay listing the errors until a
//! rebuild succeeds. The reload script is added to HTML as it is served,
//! so built files stay byte-identical to `build`'s.

mod files;
pub mod watch;

use crate::{Error, Options};
use files::{content_type, resolve, Resolved};
use serde_json::json;
use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use watch::Change;

const LIVE_JS: &str = include_str!("live.js");
const LIVE_CSS: &str = include_str!("live.css");
/// Where the server's own files live; no site path starts with it.
const PREFIX: &str = "/__scholarsite/";

pub struct ServeOptions {
    pub root: PathBuf,
    pub bind: String,
    pub port: u16,
    pub open: bool,
    pub poll: bool,
}

#[derive(Default)]
struct Status {
    /// Counts rebuilds; pages compare it to know they are current.
    version: u64,
    /// The errors of the last build, shown in the overlay; empty when good.
    errors: Vec<serde_json::Value>,
    /// A good build exists to serve.
    built: bool,
}

struct State {
    out_dir: PathBuf,
    status: Mutex<Status>,
    clients: Mutex<Vec<Sender<String>>>,
}

impl State {
    /// The event sent to every open page after a build.
    /// `first` marks the event a page gets when it connects.
    fn event(&self, changed: &[String], first: bool) -> String {
        let st = self.status.lock().unwrap_or_else(|e| e.into_inner());
        let data = json!({"version": st.version, "errors": st.errors, "changed": changed, "first": first});
        format!("event: update\ndata: {}\n\n", data)
    }

    fn broadcast(&self, msg: String) {
        let mut clients = self.clients.lock().unwrap_or_else(|e| e.into_inner());
        clients.retain(|c| c.send(msg.clone()).is_ok());
    }
}

pub fn serve(o: ServeOptions) -> Result<(), String> {
    let server = tiny_http::Server::http((o.bind.as_str(), o.port)).map_err(|e| format!("cannot listen on {}:{}: {}; choose another port with --port", o.bind, o.port, e))?;
    let addr: SocketAddr = server.server_addr().to_ip().ok_or("the server has no IP address")?;
    let host = if addr.ip().is_unspecified() { "127.0.0.1".to_string() } else { addr.ip().to_string() };
    let host = if host.contains(':') { format!("[{}]", host) } else { host };
    let url = format!("http://{}:{}/", host, addr.port());
    let cache = o.root.join(".scholarsite");
    std::fs::create_dir_all(&cache).map_err(|e| format!("cannot create {}: {}", cache.display(), e))?;
    let opts = Options { root: o.root.clone(), output: Some(cache.join("serve")), base_url: Some(url.clone()) };
    let state = Arc::new(State { out_dir: cache.join("serve"), status: Mutex::new(Status::default()), clients: Mutex::new(Vec::new()) });

    // Events name absolute paths; classify against the absolute root.
    let root = o.root.canonicalize().map_err(|e| format!("cannot read {}: {}", o.root.display(), e))?;
    let (tx, rx) = mpsc::channel();
    let mut watcher = watch::watch(&root, o.poll, tx).map_err(|e| format!("cannot watch {}: {}", root.display(), e))?;
    rebuild(&opts, &state);
    let _ = writeln!(std::io::stdout(), "serving {} from {} (watching site.toml, content/ and themes/; Ctrl-C to stop)", url, root.display());
    let _ = std::io::stdout().flush();
    if o.open {
        open_browser(&url);
    }
    let st = Arc::clone(&state);
    std::thread::spawn(move || {
        for req in server.incoming_requests() {
            let st = Arc::clone(&st);
            std::thread::spawn(move || handle(req, &st));
        }
    });
    rebuild_loop(&root, &opts, &state, &rx, &mut watcher);
    Ok(())
}

/// Waits for changes and rebuilds; a burst of events makes one rebuild.
fn rebuild_loop(root: &Path, opts: &Options, state: &State, rx: &Receiver<Change>, watcher: &mut watch::SiteWatcher) {
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
        rebuild(opts, state);
    }
}

fn input_dirs(root: &Path) -> (bool, bool) {
    (root.join("content").is_dir(), root.join("themes").is_dir())
}

fn rebuild(opts: &Options, state: &State) {
    let start = Instant::now();
    let result = crate::build(opts);
    let ms = start.elapsed().as_secs_f64() * 1000.0;
    let changed: Vec<String> = match &result {
        Ok(r) => r.changed.iter().map(|rel| format!("/{}", rel)).collect(),
        Err(_) => Vec::new(),
    };
    {
        let mut st = state.status.lock().unwrap_or_else(|e| e.into_inner());
        st.version += 1;
        match &result {
            Ok(r) => {
                st.errors.clear();
                st.built = true;
                println!("rebuilt in {:.0} ms: {} written, {} removed, {} warning(s)", ms, r.written, r.removed, r.warnings.len());
            }
            Err(e) => {
                st.errors = error_list(e);
                eprintln!("build failed in {:.0} ms; still serving the last good site:", ms);
                for d in &st.errors {
                    eprintln!("  {}: {}", d["location"].as_str().unwrap_or(""), d["message"].as_str().unwrap_or(""));
                }
            }
        }
    }
    let _ = std::io::stdout().flush();
    state.broadcast(state.event(&changed, false));
}

/// The errors of a failed build as the overlay lists them.
fn error_list(e: &Error) -> Vec<serde_json::Value> {
    match e {
        Error::Invalid(d) => d
            .clone()
            .sorted()
            .iter()
            .filter(|d| d.is_error())
            .map(|d| json!({"location": d.location(), "field": d.field, "message": d.message, "help": d.help}))
            .collect(),
        other => vec![json!({"location": "", "field": null, "message": other.to_string(), "help": null})],
    }
}

fn handle(req: tiny_http::Request, state: &State) {
    let method = req.method().clone();
    if method != tiny_http::Method::Get && method != tiny_http::Method::Head {
        let _ = req.respond(text(405, "only GET and HEAD are served"));
        return;
    }
    let url = req.url().to_string();
    let path = url.split(['?', '#']).next().unwrap_or("/").to_string();
    if let Some(name) = path.strip_prefix(PREFIX) {
        match name {
            "events" => events(req, state),
            "live.js" => {
                let _ = req.respond(bytes(200, LIVE_JS.as_bytes().to_vec(), "text/javascript; charset=utf-8"));
            }
            "live.css" => {
                let _ = req.respond(bytes(200, LIVE_CSS.as_bytes().to_vec(), "text/css; charset=utf-8"));
            }
            _ => {
                let _ = req.respond(text(404, "not found"));
            }
        }
        return;
    }
    let (built, version) = state.status.lock().map(|s| (s.built, s.version)).unwrap_or((false, 0));
    if !built {
        let page = "<!doctype html><meta charset=\"utf-8\"><title>Build failed</title><body><p>The site could not be built; the errors are listed over this page and in the terminal.</p></body>";
        let _ = req.respond(html(500, page.as_bytes().to_vec(), version));
        return;
    }
    let response = match resolve(&state.out_dir, &path) {
        Resolved::File(f) => match std::fs::read(&f) {
            Ok(body) if content_type(&f).starts_with("text/html") => html(200, body, version),
            Ok(body) => bytes(200, body, content_type(&f)),
            Err(_) => not_found(state, version),
        },
        Resolved::Redirect(to) => {
            let mut r = text(301, "moved");
            if let Ok(h) = tiny_http::Header::from_bytes("Location", to.as_bytes()) {
                r.add_header(h);
            }
            r
        }
        Resolved::NotFound => not_found(state, version),
        Resolved::Forbidden => text(403, "forbidden"),
    };
    let _ = req.respond(response);
}

type Response = tiny_http::Response<std::io::Cursor<Vec<u8>>>;

fn bytes(code: u16, body: Vec<u8>, ctype: &str) -> Response {
    let mut r = tiny_http::Response::from_data(body).with_status_code(code);
    for (k, v) in [("Content-Type", ctype), ("Cache-Control", "no-store"), ("X-Content-Type-Options", "nosniff")] {
        if let Ok(h) = tiny_http::Header::from_bytes(k, v) {
            r.add_header(h);
        }
    }
    r
}

fn text(code: u16, msg: &str) -> Response {
    bytes(code, format!("{}\n", msg).into_bytes(), "text/plain; charset=utf-8")
}

/// An HTML page with the reload script added before `</head>`; the script
/// is told which build the page comes from.
fn html(code: u16, body: Vec<u8>, version: u64) -> Response {
    bytes(code, inject(body, version), "text/html; charset=utf-8")
}

fn inject(mut body: Vec<u8>, version: u64) -> Vec<u8> {
    let tag = format!("<script src=\"{}live.js?v={}\" defer></script>", PREFIX, version);
    let at = body.windows(7).position(|w| w.eq_ignore_ascii_case(b"</head>")).unwrap_or(body.len());
    body.splice(at..at, tag.into_bytes());
    body
}

fn not_found(state: &State, version: u64) -> Response {
    match std::fs::read(state.out_dir.join("404.html")) {
        Ok(body) => html(404, body, version),
        Err(_) => text(404, "not found"),
    }
}

/// Server-sent events: the current status at once, then one event per
/// rebuild, and a comment every 15 s to notice closed pages.
fn events(req: tiny_http::Request, state: &State) {
    let (tx, rx) = mpsc::channel();
    let first = state.event(&[], true);
    state.clients.lock().unwrap_or_else(|e| e.into_inner()).push(tx);
    let mut w = req.into_writer();
    let head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\nConnection: keep-alive\r\n\r\n";
    if w.write_all(head.as_bytes()).and_then(|_| w.write_all(first.as_bytes())).and_then(|_| w.flush()).is_err() {
        return;
    }
    loop {
        let msg = match rx.recv_timeout(Duration::from_secs(15)) {
            Ok(m) => m,
            Err(mpsc::RecvTimeoutError::Timeout) => ": keep-alive\n\n".to_string(),
            Err(mpsc::RecvTimeoutError::Disconnected) => return,
        };
        if w.write_all(msg.as_bytes()).and_then(|_| w.flush()).is_err() {
            return;
        }
    }
}

fn open_browser(url: &str) {
    let cmd = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "explorer"
    } else {
        "xdg-open"
    };
    if std::process::Command::new(cmd).arg(url).stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null()).spawn().is_err() {
        eprintln!("warning: could not open a browser ({}); open {} yourself", cmd, url);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn script_goes_before_head_end() {
        let out = String::from_utf8(super::inject(b"<html><head><title>x</title></HEAD><body></body></html>".to_vec(), 3)).unwrap();
        assert_eq!(out, "<html><head><title>x</title><script src=\"/__scholarsite/live.js?v=3\" defer></script></HEAD><body></body></html>");
        let bare = String::from_utf8(super::inject(b"<p>no head</p>".to_vec(), 1)).unwrap();
        assert!(bare.ends_with("<script src=\"/__scholarsite/live.js?v=1\" defer></script>"));
    }
}
