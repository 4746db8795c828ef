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
        let addr = line
            .split("http://")
            .nth(1)
            .and_then(|r| r.split('/').next())
            .unwrap_or_else(|| panic!("no address in {:?}", line))
            .to_string();
        // Keep reading stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
        Server { child, addr }
    }

    /// One raw request; the path is sent exactly as given.
    fn request(&self, method: &str, path: &str) -> Response {
        request(&self.addr, method, path)
    }

    fn get(&self, path: &str) -> Response {
        self.request("GET", path)
    }

    /// The event stream of a page open at `page`, and its first event.
    fn connect_events(&self, page: &str) -> (Events, serde_json::Value) {
        let mut s = TcpStream::connect(&self.addr).unwrap();
        s.set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        let param = page.replace('%', "%25").replace('/', "%2F");
        write!(
            s,
            "GET /__scholarsite/events?path={} HTTP/1.1\r\nHost: {}\r\n\r\n",
            param, self.addr
        )
        .unwrap();
        let mut ev = Events {
            stream: BufReader::new(s),
        };
        let first = ev.next();
        assert_eq!(first["first"], true);
        (ev, first)
    }

    fn events(&self, page: &str) -> Events {
        self.connect_events(page).0
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
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) => {}
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

fn reload(d: &serde_json::Value) -> bool {
    d["reload"] == true
}

fn has_errors(d: &serde_json::Value) -> bool {
    !d["errors"].as_array().unwrap().is_empty()
}

const WORK: &str = "content/works/a-unified-and-biologically-plausible-relational-graph.md";
const WORK_PAGE: &str = "/works/a-unified-and-biologically-plausible-relational-graph/";
const ZHU: &str = "/researchers/dajiang-zhu/";
const LIU: &str = "/researchers/zhengliang-liu/";

/// The served page without the reload script serve adds.
fn without_script(body: &str) -> String {
    let start = body
        .find("<script src=\"/__scholarsite/live.js")
        .expect("reload script injected");
    let end = start + body[start..].find("</script>").unwrap() + "</script>".len();
    format!("{}{}", &body[..start], &body[end..])
}

/// One raw request to the server at `addr`; the path is sent exactly as given.
fn request(addr: &str, method: &str, path: &str) -> Response {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(DEADLINE)).unwrap();
    write!(
        s,
        "{} {} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
        method, path, addr
    )
    .unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    Response {
        status,
        headers: head.to_ascii_lowercase(),
        body: body.to_string(),
    }
}

#[test]
fn serves_the_site_safely() {
    let site = Site::example();
    site.file("secret.txt", "secret");
    let srv = Server::start(&site, &[]);
    let home = srv.get("/");
    assert_eq!(home.status, 200);
    assert!(home
        .headers
        .contains("content-type: text/html; charset=utf-8"));
    assert!(
        home.body
            .contains("<script src=\"/__scholarsite/live.js?v=1\" defer></script></head>"),
        "reload script injected"
    );
    // Pages are rendered on request, byte for byte as `build` writes them.
    site.run(&["build", "--base-url", &format!("http://{}/", srv.addr)])
        .ok();
    for (url, file) in [
        ("/", "index.html"),
        (ZHU, "researchers/dajiang-zhu/index.html"),
        (
            WORK_PAGE,
            "works/a-unified-and-biologically-plausible-relational-graph/index.html",
        ),
    ] {
        assert_eq!(
            without_script(&srv.get(url).body),
            site.out(file),
            "{}",
            url
        );
    }
    assert_eq!(
        srv.get("/researchers/dajiang-zhu/graph.json").body,
        site.out("researchers/dajiang-zhu/graph.json")
    );
    let redirect = srv.get("/researchers/dajiang-zhu");
    assert_eq!(redirect.status, 301);
    assert!(redirect
        .headers
        .contains("location: /researchers/dajiang-zhu/"));
    let json = srv.get("/researchers/dajiang-zhu/graph.json");
    assert!(json.headers.contains("content-type: application/json"));
    let css_href = home
        .body
        .split("href=\"")
        .map(|s| s.split('"').next().unwrap())
        .find(|h| h.ends_with(".css"))
        .unwrap()
        .to_string();
    let css = srv.get(&css_href);
    assert_eq!(css.status, 200);
    assert!(css.headers.contains("content-type: text/css"));
    let missing = srv.get("/researchers/nobody/");
    assert_eq!(missing.status, 404);
    assert!(
        missing.body.contains("live.js"),
        "the 404 page is served, and reloads too"
    );
    for bad in [
        "/../secret.txt",
        "/researchers/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/..%2fsecret.txt",
        "/%2e%2e%5csecret.txt",
        "/a%00b",
        "/%zz",
    ] {
        let r = srv.get(bad);
        assert_eq!(r.status, 403, "{}", bad);
        assert!(!r.body.contains("secret"), "{} leaked the file", bad);
    }
    assert_eq!(
        srv.get("/secret.txt").status,
        404,
        "only the site's own files are served"
    );
    assert_eq!(srv.request("POST", "/").status, 405);
    assert_eq!(srv.get("/__scholarsite/live.js").status, 200);
}

#[test]
fn open_event_streams_and_idle_connections_hold_up_no_request() {
    let site = Site::example();
    let srv = Server::start(&site, &[]);
    // Pages left open, and connections a browser opened and left idle.
    let streams: Vec<Events> = (0..12).map(|_| srv.events(ZHU)).collect();
    let idle: Vec<TcpStream> = (0..12)
        .map(|_| TcpStream::connect(&srv.addr).unwrap())
        .collect();
    // Many requests at once, as a page's assets are fetched: each is served.
    let threads: Vec<_> = (0..24)
        .map(|_| {
            let addr = srv.addr.clone();
            std::thread::spawn(move || request(&addr, "GET", WORK_PAGE).status)
        })
        .collect();
    for t in threads {
        assert_eq!(t.join().unwrap(), 200);
    }
    drop((streams, idle));
    // A malformed request head is refused, and an oversized one too.
    let raw = |bytes: &[u8]| {
        let mut s = TcpStream::connect(&srv.addr).unwrap();
        s.set_read_timeout(Some(DEADLINE)).unwrap();
        let _ = s.write_all(bytes);
        let mut out = Vec::new();
        let _ = s.read_to_end(&mut out);
        String::from_utf8_lossy(&out).into_owned()
    };
    assert!(raw(b"NOT HTTP AT ALL\r\n\r\n").starts_with("HTTP/1.1 400 "));
    let huge = format!("GET / HTTP/1.1\r\nX-Long: {}\r\n", "a".repeat(20_000));
    assert!(raw(huge.as_bytes()).starts_with("HTTP/1.1 431 "));
    assert_eq!(srv.get("/").status, 200, "the server still serves");
}

#[test]
fn editor_saves_reload_only_the_pages_that_changed() {
    let site = Site::example();
    let srv = Server::start(&site, &[]);
    let (mut work, mut zhu, mut liu) = (srv.events(WORK_PAGE), srv.events(ZHU), srv.events(LIU));
    let text = std::fs::read_to_string(site.path(WORK)).unwrap();

    // An atomic save: a temporary file renamed over the original. The
    // venue shows on the work's page and its author's profile only (a
    // title would also move extracted topics elsewhere).
    site.file(
        "content/works/.tmp-save",
        &text.replace("venue = \"arXiv\"", "venue = \"Atomic Venue\""),
    );
    std::fs::rename(site.path("content/works/.tmp-save"), site.path(WORK)).unwrap();
    assert!(reload(&work.next()), "the work's page reloads");
    assert!(reload(&zhu.next()), "the author's profile lists the work");
    assert!(
        !reload(&liu.next()),
        "a page that does not show the work is not reloaded"
    );
    assert!(srv.get(WORK_PAGE).body.contains("Atomic Venue"));

    // vim: backup by rename, a 4913 probe, a new file, the backup removed.
    std::fs::rename(site.path(WORK), site.path(&format!("{}~", WORK))).unwrap();
    site.file("content/works/4913", "");
    site.remove("content/works/4913");
    site.file(
        WORK,
        &text.replace(
            "A Unified and Biologically-Plausible",
            "A Vim-Saved Unified",
        ),
    );
    site.remove(&format!("{}~", WORK));
    work.until(reload);
    let page = srv.get(WORK_PAGE).body;
    assert!(page.contains("A Vim-Saved Unified"), "{}", page);

    // JetBrains: write a ___jb_tmp___ file, move the old one away, rename.
    let jb_tmp = format!("{}___jb_tmp___", WORK);
    let jb_old = format!("{}___jb_old___", WORK);
    site.file(&jb_tmp, &text);
    std::fs::rename(site.path(WORK), site.path(&jb_old)).unwrap();
    std::fs::rename(site.path(&jb_tmp), site.path(WORK)).unwrap();
    site.remove(&jb_old);
    work.until(reload);
    assert!(srv
        .get(WORK_PAGE)
        .body
        .contains("A Unified and Biologically-Plausible"));
}

#[test]
fn broken_data_keeps_the_last_good_site_with_an_overlay() {
    let site = Site::example();
    let srv = Server::start(&site, &[]);
    let mut ev = srv.events(WORK_PAGE);
    let good = std::fs::read_to_string(site.path(WORK)).unwrap();
    site.file(
        WORK,
        &good.replace("year = 2022", "year = \"<script>alert(1)</script>\""),
    );
    let d = ev.until(has_errors);
    assert!(!reload(&d));
    let err = &d["errors"][0];
    assert!(
        err["location"].as_str().unwrap().starts_with(
            "content/works/a-unified-and-biologically-plausible-relational-graph.md:4"
        ),
        "{}",
        err
    );
    assert_eq!(err["field"], "year");
    // The last good site is still served, whole.
    let page = srv.get(WORK_PAGE);
    assert_eq!(page.status, 200);
    assert!(page.body.contains("2022"));
    // A page opened now gets the errors at once.
    let (_, first) = srv.connect_events(ZHU);
    assert!(has_errors(&first));
    // Restoring the last good bytes clears the errors and reloads nothing.
    site.file(WORK, &good);
    let d = ev.until(|d| !has_errors(d));
    assert!(!reload(&d), "restored bytes change no page");
    // A fix with new bytes clears them and reloads what changed.
    site.file(WORK, &good.replace("year = 2022", "year = \"x\""));
    ev.until(has_errors);
    site.file(WORK, &good.replace("year = 2022", "year = 2021"));
    let d = ev.until(|d| !has_errors(d));
    assert!(reload(&d));
    assert!(srv.get(WORK_PAGE).body.contains("2021"));
}

#[test]
fn deleted_and_added_researchers_and_config_changes() {
    let site = Site::example();
    let srv = Server::start(&site, &[]);
    let mut new_page = srv.events("/researchers/new-person/");
    let mut home = srv.events("/");
    site.researcher("new-person", "name = \"New Person\"");
    assert!(
        reload(&new_page.next()),
        "a 404 page reloads when its page appears"
    );
    assert!(reload(&home.next()), "the directory lists them");
    assert!(srv
        .get("/researchers/new-person/")
        .body
        .contains("New Person"));
    site.remove("content/researchers/new-person.md");
    assert!(reload(&new_page.next()));
    assert_eq!(srv.get("/researchers/new-person/").status, 404);
    assert!(!srv.get("/").body.contains("New Person"));
    // site.toml: every page changes.
    let mut work = srv.events(WORK_PAGE);
    let toml = std::fs::read_to_string(site.path("site.toml")).unwrap();
    site.file(
        "site.toml",
        &toml.replacen("title = ", "title = \"Renamed lab\"\n# was: ", 1),
    );
    assert!(reload(&work.until(|d| d["version"].as_u64() > Some(3))));
    assert!(srv.get("/").body.contains("Renamed lab"));
}

#[test]
fn many_files_at_once_and_polling() {
    let site = Site::example();
    let srv = Server::start(&site, &["--poll"]);
    let mut ev = srv.events(ZHU);
    // Like a git checkout: many files replaced in one go.
    for i in 0..30 {
        site.work(
            &format!("batch-{}", i),
            &format!(
                "title = \"Batch work {}\"\nyear = 2020\nauthors = [{{ id = \"dajiang-zhu\" }}]",
                i
            ),
        );
    }
    let done = |srv: &Server| srv.get(ZHU).body.contains("Batch work 29");
    let end = Instant::now() + DEADLINE;
    while !done(&srv) {
        assert!(Instant::now() < end, "the batch never showed");
        ev.until(reload);
    }
    let profile = srv.get(ZHU).body;
    for i in 0..30 {
        assert!(
            profile.contains(&format!("Batch work {}", i)),
            "batch work {} missing",
            i
        );
    }
    let mut work = srv.events(WORK_PAGE);
    std::fs::remove_dir_all(site.path("content/works")).unwrap();
    work.until(reload);
    assert_eq!(
        srv.get(WORK_PAGE).status,
        404,
        "a removed folder removes its pages"
    );
}

/// Every page of a loaded site, rendered.
fn all_pages(p: &scholarsite::Prepared) -> Vec<(String, Vec<u8>)> {
    use scholarsite::render::{self, Renderer};
    let s = &p.site;
    let r = Renderer::new(&s.corpus, &s.derived, &s.config, &p.theme, &s.groups);
    render::plan(&s.corpus, &s.derived, &s.config, &p.theme)
        .into_iter()
        .flat_map(|job| r.render(job).unwrap())
        .collect()
}

/// The index of the work `id` in a loaded site.
fn work_index(p: &scholarsite::Prepared, id: &str) -> usize {
    p.site.corpus.works.iter().position(|w| w.id == id).unwrap()
}

/// `serve` recomputes from the last load, re-extracting topics only for
/// the works an edit can change: every page must equal a fresh load's.
#[test]
fn recomputing_from_the_last_load_equals_a_fresh_load() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("world");
    let ok = Command::new(env!("CARGO_BIN_EXE_scholarsite-world"))
        .args(["60/600", root.to_str().unwrap()])
        .status()
        .unwrap()
        .success();
    assert!(ok, "the world generator runs");
    let opts = scholarsite::Options {
        root: root.clone(),
        output: None,
        base_url: None,
    };
    let load = |prior: &mut Option<scholarsite::derive::Prior>, carry: &mut scholarsite::Carry| {
        scholarsite::prepare(&opts, None, prior, carry)
            .unwrap_or_else(|e| panic!("{:?}", e))
            .unwrap()
    };
    let works_file = root.join("content/works/works-001.jsonl");
    let original = std::fs::read_to_string(&works_file).unwrap();
    let mut lines: Vec<serde_json::Value> = original
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // A probe whose title phrase is common in the world and whose
    // abstract repeats a phrase found nowhere else.
    lines.push(serde_json::json!({
        "id": "probe", "title": "Gene expression in regeneration", "year": 2020,
        "type": "article", "authors": ["Ann Probe"],
        "abstract": "We map the zebrafish lateral line. Cells of the zebrafish lateral line regrow."
    }));
    let text: String = lines.iter().map(|l| format!("{}\n", l)).collect();
    std::fs::write(&works_file, text).unwrap();
    let mut carry = scholarsite::Carry::default();
    let mut last = load(&mut None, &mut carry);
    let targets = last
        .site
        .corpus
        .works
        .iter()
        .filter(|w| w.topics.is_empty())
        .count();
    // Three edits in turn: an abstract that takes up another work's
    // title phrases (their frequencies change), a retitled work, and a
    // work removed (the number of works changes, so all are re-extracted).
    for step in 0..5 {
        match step {
            0 => {
                let a = lines[0]["abstract"].as_str().unwrap_or("").to_string();
                lines[0]["abstract"] = format!("{} The zebrafish lateral line.", a).into();
            }
            1 => {
                let t = lines[3]["title"].as_str().unwrap().to_string();
                lines[3]["title"] = format!("Graph priors for {}", t).into();
            }
            2 => {
                lines.remove(5);
            }
            3 => {
                // No text changes: the topic tables are taken as they were.
                let y = lines[1]["year"].as_i64().unwrap_or(2000);
                lines[1]["year"] = (y - 7).into();
                lines[1]["venue"] = "Another venue".into();
            }
            _ => {
                // A researcher leaves a work's authors: their topic counts change.
                let authors = lines[2]["authors"].as_array_mut().unwrap();
                let i = authors.iter().position(|a| a.get("id").is_some()).unwrap();
                authors.remove(i);
            }
        }
        let text: String = lines.iter().map(|l| format!("{}\n", l)).collect();
        std::fs::write(&works_file, text).unwrap();
        let memo = last.site.memo.take().expect("serve keeps a memo");
        let mut prior = Some(scholarsite::derive::Prior {
            corpus: &last.site.corpus,
            derived: &last.site.derived,
            config: &last.site.config,
            memo,
        });
        let next = load(&mut prior, &mut carry);
        assert!(prior.is_none(), "the computation took the prior");
        let fresh = load(&mut None, &mut scholarsite::Carry::default());
        // Works on unchanged lines are taken as the last load checked them.
        let before: std::collections::HashMap<&str, &std::sync::Arc<scholarsite::model::Work>> =
            last.site
                .corpus
                .works
                .iter()
                .map(|w| (w.id.as_str(), w))
                .collect();
        let kept = next
            .site
            .corpus
            .works
            .iter()
            .filter(|w| {
                before
                    .get(w.id.as_str())
                    .is_some_and(|b| std::sync::Arc::ptr_eq(b, w))
            })
            .count();
        let n = next.site.corpus.works.len();
        let expected = match step {
            // Lines after the removed one moved: those are read again.
            2 => 5,
            _ => n - 1,
        };
        assert_eq!(kept, expected, "step {}: works kept", step);
        let afresh = next.site.memo.as_ref().unwrap().extracted_afresh();
        let memo = next.site.memo.as_ref().unwrap();
        // Step 0 changes the probe's topics and step 2 every score; step 3
        // changes no text. (Step 4's extracted topics are as they were,
        // but its table of topics per researcher is not.)
        match step {
            0 | 2 => assert!(!memo.as_before(), "step {}: topics changed", step),
            3 => assert!(memo.as_before(), "step 3: topics as before"),
            _ => {}
        }
        if step >= 3 {
            assert_eq!(afresh, 0, "step {}: no text changed", step);
        } else if step < 2 {
            assert!(
                afresh >= 1 && afresh < targets / 2,
                "step {}: {} of {} works extracted again",
                step,
                afresh,
                targets
            );
        } else {
            let now = next
                .site
                .corpus
                .works
                .iter()
                .filter(|w| w.topics.is_empty());
            assert_eq!(afresh, now.count(), "a removed work changes every score");
        }
        if step == 0 {
            // The probe's phrase, in no other work until now, is used by
            // a second one: it becomes eligible (found in two works) and
            // so the only topic of the probe, which was not edited.
            let topics_of = |p: &scholarsite::Prepared| {
                let w = work_index(p, "probe");
                let ts = &p.site.derived.work_topics[w];
                ts.iter()
                    .map(|t| p.site.derived.topics[t.topic as usize].id.clone())
                    .collect::<Vec<_>>()
            };
            assert_eq!(
                topics_of(&last).len(),
                3,
                "no phrase was eligible: the best 3"
            );
            assert_eq!(topics_of(&next), ["zebrafish-lateral-line"], "now one is");
        }
        let (a, b) = (all_pages(&next), all_pages(&fresh));
        assert_eq!(a.len(), b.len());
        for ((pa, ba), (pb, bb)) in a.iter().zip(&b) {
            assert_eq!(pa, pb);
            assert!(ba == bb, "step {}: {} differs from a fresh load", step, pa);
        }
        last = next;
    }
}

/// `serve` finds the page for a path from the path itself: every file a
/// build writes must lead back to the job that writes it, and nothing
/// else may lead anywhere.
#[test]
fn every_output_path_leads_back_to_its_job() {
    use scholarsite::render::{self, Job, Renderer};
    let s = crate::support::Site::example();
    s.file(
        "site.toml",
        "title = \"Lab\"\nbase_url = \"https://lab.example.edu/people/\"\n[directory]\nper_page = 1\n[[groups]]\nid = \"lab\"\nname = \"The lab\"\nmembers = [\"dajiang-zhu\"]\n",
    );
    s.file(
        "content/institutions/lab-u.md",
        "---\nname: Lab University\n---\n",
    );
    let opts = scholarsite::Options {
        root: s.path(""),
        output: None,
        base_url: None,
    };
    let site = scholarsite::load(&opts, &mut Default::default()).unwrap();
    let theme = render::theme::load(&site.config).unwrap();
    let r = Renderer::new(
        &site.corpus,
        &site.derived,
        &site.config,
        &theme,
        &site.groups,
    );
    let mut seen = std::collections::HashSet::new();
    for job in render::plan(&site.corpus, &site.derived, &site.config, &theme) {
        for (i, rel) in r.outputs(job).into_iter().enumerate() {
            assert_eq!(r.job_of(&rel), Some((job, i)), "{}", rel);
            seen.insert(format!("{:?}", job).split('(').next().unwrap().to_string());
        }
    }
    // Every kind of page was asked for: lists of several pages included.
    assert_eq!(seen.len(), 12, "{:?}", seen);
    assert_eq!(
        r.job_of("works/page/2/index.html"),
        Some((Job::WorkList(1), 0))
    );
    for missing in [
        "page/1/index.html",
        "works/page/1/index.html",
        "works/page/9999/index.html",
        "page/0/index.html",
        "works/no-such-work/index.html",
        "works/no-such-work",
        "researchers/dajiang-zhu/nothing.json",
        "researchers/dajiang-zhu",
        "researchers/nobody/index.html",
        "topics/no-such-topic/index.html",
        "groups/nobody/index.html",
        "institutions/none/index.html",
        "index.htm",
        "",
    ] {
        assert_eq!(r.job_of(missing), None, "{}", missing);
    }
}

/// A file rewritten at once with the same size and its modification
/// time set back, as some tools do, is still read again by `serve`.
#[test]
fn a_same_size_rewrite_with_the_old_time_is_seen() {
    let s = crate::support::Site::example();
    let rel = "content/works/extra.jsonl";
    let write = |title: &str| {
        s.file(
            rel,
            &format!(
                "{{\"id\":\"extra\",\"title\":\"{}\",\"year\":2020}}\n",
                title
            ),
        );
        let old = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000);
        let f = std::fs::File::options()
            .write(true)
            .open(s.path(rel))
            .unwrap();
        f.set_modified(old).unwrap();
    };
    let opts = scholarsite::Options {
        root: s.path(""),
        output: None,
        base_url: None,
    };
    let mut carry = scholarsite::Carry::default();
    let title = |carry: &mut scholarsite::Carry| {
        let p = scholarsite::prepare(&opts, None, &mut None, carry)
            .unwrap()
            .unwrap();
        p.site.corpus.works[work_index(&p, "extra")].title.clone()
    };
    write("Alpha");
    assert_eq!(title(&mut carry), "Alpha");
    write("Omega");
    assert_eq!(title(&mut carry), "Omega");
}
