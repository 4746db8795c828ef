//! `scholarsite serve`: the real binary on a free port, edited the way
//! editors edit, observed through its HTTP server and its event stream.
//! Every wait is for an event or a response, with a deadline.

use crate::support::Site;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const DEADLINE: Duration = Duration::from_secs(60);

struct Server {
    child: Child,
    addr: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Response {
    status: u16,
    headers: String,
    body: String,
}

impl Server {
    fn start(site: &Site, extra: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_scholarsite"))
            .args(["serve", "--port", "0"])
            .args(extra)
            .current_dir(site.dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start scholarsite serve");
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        while !line.starts_with("serving ") {
            line.clear();
            if out.read_line(&mut line).expect("serve prints its address") == 0 {
                panic!("serve exited before serving");
            }
        }
        let addr = line.split("http://").nth(1).and_then(|r| r.split('/').next()).unwrap_or_else(|| panic!("no address in {:?}", line)).to_string();
        // Keep reading stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
        Server { child, addr }
    }

    /// One raw request; the path is sent exactly as given.
    fn request(&self, method: &str, path: &str) -> Response {
        let mut s = TcpStream::connect(&self.addr).unwrap();
        s.set_read_timeout(Some(DEADLINE)).unwrap();
        write!(s, "{} {} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n", method, path, self.addr).unwrap();
        let mut raw = Vec::new();
        s.read_to_end(&mut raw).unwrap();
        let raw = String::from_utf8_lossy(&raw).into_owned();
        let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
        let status = head.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
        Response { status, headers: head.to_ascii_lowercase(), body: body.to_string() }
    }

    fn get(&self, path: &str) -> Response {
        self.request("GET", path)
    }

    /// The event stream, and the event it starts with.
    fn connect_events(&self) -> (Events, serde_json::Value) {
        let mut s = TcpStream::connect(&self.addr).unwrap();
        s.set_read_timeout(Some(Duration::from_millis(200))).unwrap();
        write!(s, "GET /__scholarsite/events HTTP/1.1\r\nHost: {}\r\n\r\n", self.addr).unwrap();
        let mut ev = Events { stream: BufReader::new(s) };
        let first = ev.next();
        assert_eq!(first["first"], true);
        (ev, first)
    }

    fn events(&self) -> Events {
        self.connect_events().0
    }
}

struct Events {
    stream: BufReader<TcpStream>,
}

impl Events {
    /// The next `update` event's data.
    fn next(&mut self) -> serde_json::Value {
        let end = Instant::now() + DEADLINE;
        let mut line = String::new();
        while Instant::now() < end {
            line.clear();
            match self.stream.read_line(&mut line) {
                Ok(0) => panic!("the event stream closed"),
                Ok(_) => {
                    if let Some(data) = line.strip_prefix("data: ") {
                        return serde_json::from_str(data.trim()).unwrap();
                    }
                }
                Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {}
                Err(e) => panic!("event stream: {}", e),
            }
        }
        panic!("no update within {:?}", DEADLINE);
    }

    /// Waits for the update that lists `path` as changed, or that has errors.
    fn until(&mut self, pred: impl Fn(&serde_json::Value) -> bool) -> serde_json::Value {
        let end = Instant::now() + DEADLINE;
        while Instant::now() < end {
            let d = self.next();
            if pred(&d) {
                return d;
            }
        }
        panic!("no matching update within {:?}", DEADLINE);
    }
}

fn changed(d: &serde_json::Value, path: &str) -> bool {
    d["changed"].as_array().unwrap().iter().any(|p| p == path)
}

const WORK: &str = "content/works/a-unified-and-biologically-plausible-relational-graph.md";
const WORK_PAGE: &str = "/works/a-unified-and-biologically-plausible-relational-graph/index.html";

#[test]
fn serves_the_site_safely() {
    let site = Site::example();
    site.file("secret.txt", "secret");
    let srv = Server::start(&site, &[]);
    let home = srv.get("/");
    assert_eq!(home.status, 200);
    assert!(home.headers.contains("content-type: text/html; charset=utf-8"));
    assert!(home.body.contains("<script src=\"/__scholarsite/live.js?v=1\" defer></script></head>"), "reload script injected");
    assert!(!std::fs::read_to_string(site.path(".scholarsite/serve/index.html")).unwrap().contains("live.js"), "built files stay clean");
    let profile = srv.get("/researchers/dajiang-zhu/");
    assert!(profile.body.contains("Dajiang Zhu"));
    let redirect = srv.get("/researchers/dajiang-zhu");
    assert_eq!(redirect.status, 301);
    assert!(redirect.headers.contains("location: /researchers/dajiang-zhu/"));
    let json = srv.get("/researchers/dajiang-zhu/graph.json");
    assert!(json.headers.contains("content-type: application/json"));
    let css = srv.get(&format!("/{}", std::fs::read_dir(site.path(".scholarsite/serve/assets")).unwrap().map(|e| format!("assets/{}", e.unwrap().file_name().to_string_lossy())).find(|n| n.ends_with(".css")).unwrap()));
    assert!(css.headers.contains("content-type: text/css"));
    let missing = srv.get("/researchers/nobody/");
    assert_eq!(missing.status, 404);
    assert!(missing.body.contains("live.js"), "the 404 page is served, and reloads too");
    for bad in ["/../secret.txt", "/researchers/../../secret.txt", "/%2e%2e/secret.txt", "/..%2fsecret.txt", "/%2e%2e%5csecret.txt", "/a%00b"] {
        let r = srv.get(bad);
        assert!(r.status == 403 || r.status == 404 || r.status == 400, "{} gave {}", bad, r.status);
        assert!(!r.body.contains("secret"), "{} leaked the file", bad);
    }
    assert_eq!(srv.request("POST", "/").status, 405);
    assert_eq!(srv.get("/__scholarsite/live.js").status, 200);
}

#[test]
fn editor_saves_rebuild_and_reload_only_what_changed() {
    let site = Site::example();
    let srv = Server::start(&site, &[]);
    let mut ev = srv.events();
    let text = std::fs::read_to_string(site.path(WORK)).unwrap();

    // An atomic save: a temporary file renamed over the original. The
    // venue shows on the work's page and its author's profile only (a
    // title would also move extracted topics elsewhere).
    site.file("content/works/.tmp-save", &text.replace("venue = \"arXiv\"", "venue = \"Atomic Venue\""));
    std::fs::rename(site.path("content/works/.tmp-save"), site.path(WORK)).unwrap();
    let d = ev.until(|d| changed(d, WORK_PAGE));
    assert!(d["errors"].as_array().unwrap().is_empty());
    assert!(changed(&d, "/researchers/dajiang-zhu/index.html"), "the author's profile lists the work");
    assert!(!changed(&d, "/researchers/zhengliang-liu/index.html"), "a page that does not show the work is not reloaded");
    assert!(srv.get(WORK_PAGE).body.contains("Atomic Venue"));

    // vim: backup by rename, a 4913 probe, a new file, the backup removed.
    std::fs::rename(site.path(WORK), site.path(&format!("{}~", WORK))).unwrap();
    site.file("content/works/4913", "");
    site.remove("content/works/4913");
    site.file(WORK, &text.replace("A Unified and Biologically-Plausible", "A Vim-Saved Unified"));
    site.remove(&format!("{}~", WORK));
    ev.until(|d| changed(d, WORK_PAGE));
    let page = srv.get(WORK_PAGE).body;
    assert!(page.contains("A Vim-Saved Unified"), "{}", page);

    // JetBrains: write a ___jb_tmp___ file, move the old one away, rename.
    let jb_tmp = format!("{}___jb_tmp___", WORK);
    let jb_old = format!("{}___jb_old___", WORK);
    site.file(&jb_tmp, &text);
    std::fs::rename(site.path(WORK), site.path(&jb_old)).unwrap();
    std::fs::rename(site.path(&jb_tmp), site.path(WORK)).unwrap();
    site.remove(&jb_old);
    ev.until(|d| changed(d, WORK_PAGE));
    assert!(srv.get(WORK_PAGE).body.contains("A Unified and Biologically-Plausible"));
}

#[test]
fn broken_data_keeps_the_last_good_site_with_an_overlay() {
    let site = Site::example();
    let srv = Server::start(&site, &[]);
    let mut ev = srv.events();
    let good = std::fs::read_to_string(site.path(WORK)).unwrap();
    site.file(WORK, &good.replace("year = 2022", "year = \"<script>alert(1)</script>\""));
    let d = ev.until(|d| !d["errors"].as_array().unwrap().is_empty());
    let err = &d["errors"][0];
    assert!(err["location"].as_str().unwrap().starts_with("content/works/a-unified-and-biologically-plausible-relational-graph.md:4"), "{}", err);
    assert_eq!(err["field"], "year");
    assert!(err["message"].as_str().unwrap().contains("<script>") || err["message"].as_str().unwrap().contains("string"), "{}", err);
    // The last good site is still served, whole.
    let page = srv.get(WORK_PAGE);
    assert_eq!(page.status, 200);
    assert!(page.body.contains("2022"));
    // A page opened now gets the errors at once.
    let (_, first) = srv.connect_events();
    assert!(!first["errors"].as_array().unwrap().is_empty());
    // Fixing the file clears the errors.
    site.file(WORK, &good);
    let d = ev.until(|d| d["errors"].as_array().unwrap().is_empty());
    assert!(d["changed"].as_array().unwrap().is_empty(), "restored bytes change no page");
}

#[test]
fn deleted_and_added_researchers_and_config_changes() {
    let site = Site::example();
    let srv = Server::start(&site, &[]);
    let mut ev = srv.events();
    site.researcher("new-person", "name = \"New Person\"");
    ev.until(|d| changed(d, "/researchers/new-person/index.html"));
    assert!(srv.get("/researchers/new-person/").body.contains("New Person"));
    site.remove("content/researchers/new-person.md");
    let d = ev.until(|d| changed(d, "/researchers/new-person/index.html"));
    assert!(changed(&d, "/index.html"), "the directory drops them");
    assert_eq!(srv.get("/researchers/new-person/").status, 404);
    // site.toml: every page changes.
    let toml = std::fs::read_to_string(site.path("site.toml")).unwrap();
    site.file("site.toml", &toml.replacen("title = ", "title = \"Renamed lab\"\n# was: ", 1));
    let d = ev.until(|d| changed(d, "/index.html"));
    assert!(changed(&d, WORK_PAGE) && changed(&d, "/researchers/dajiang-zhu/index.html"));
    assert!(srv.get("/").body.contains("Renamed lab"));
}

#[test]
fn many_files_at_once_and_polling() {
    let site = Site::example();
    let srv = Server::start(&site, &["--poll"]);
    let mut ev = srv.events();
    // Like a git checkout: many files replaced in one go.
    for i in 0..30 {
        site.work(&format!("batch-{}", i), &format!("title = \"Batch work {}\"\nyear = 2020\nauthors = [{{ id = \"dajiang-zhu\" }}]", i));
    }
    ev.until(|d| changed(d, "/works/batch-29/index.html"));
    let profile = srv.get("/researchers/dajiang-zhu/").body;
    for i in 0..30 {
        assert!(profile.contains(&format!("Batch work {}", i)), "batch work {} missing", i);
    }
    std::fs::remove_dir_all(site.path("content/works")).unwrap();
    ev.until(|d| changed(d, WORK_PAGE));
    assert_eq!(srv.get(WORK_PAGE).status, 404, "a removed folder removes its pages");
}
