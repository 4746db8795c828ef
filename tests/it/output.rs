//! The output folder: incremental, never half-written, deterministic.

use crate::support::{snapshot, Site};
use std::time::SystemTime;

fn mtime(s: &Site, rel: &str) -> SystemTime {
    std::fs::metadata(s.path("output").join(rel))
        .unwrap()
        .modified()
        .unwrap()
}

/// A second build of the same data rewrites nothing.
#[test]
fn unchanged_rebuild_writes_nothing() {
    let s = Site::example();
    s.build().ok();
    let t = mtime(&s, "researchers/dajiang-zhu/index.html");
    let before = s.snapshot("output");
    let run = s.build().ok();
    assert!(run.stdout.contains(" 0 written,"), "{}", run.stdout);
    assert_eq!(before, s.snapshot("output"));
    assert_eq!(t, mtime(&s, "researchers/dajiang-zhu/index.html"));
}

/// Changing one work rewrites the pages that show it, and no others.
#[test]
fn one_change_rewrites_only_what_shows_it() {
    let s = Site::example();
    s.build().ok();
    let other = mtime(
        &s,
        "works/survey-on-individual-differences-in-visualization/index.html",
    );
    let not_an_author = mtime(&s, "researchers/zhengliang-liu/index.html");
    let path = "content/works/mask-guided-vision-transformer-mg-vit-for-few-shot-learning.md";
    let text = std::fs::read_to_string(s.path(path))
        .unwrap()
        .replace("year = 2022", "year = 2021");
    s.file(path, &text);
    let run = s.build().ok();
    let written: usize = run
        .stdout
        .split(" written")
        .next()
        .unwrap()
        .rsplit(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    // The work page, the works list, its topics, and its author's profile,
    // graph, explorer, embed and JSON.
    assert!(written > 0 && written < 16, "{}", run.stdout);
    assert_eq!(
        not_an_author,
        mtime(&s, "researchers/zhengliang-liu/index.html")
    );
    assert!(s
        .out("works/mask-guided-vision-transformer-mg-vit-for-few-shot-learning/index.html")
        .contains("2021"));
    assert!(s.out("researchers/dajiang-zhu/index.html").contains("2021"));
    assert_eq!(
        other,
        mtime(
            &s,
            "works/survey-on-individual-differences-in-visualization/index.html"
        )
    );
    // And never serves stale pages: a third build from scratch agrees.
    let fresh = Site::example();
    fresh.file(path, &text);
    fresh.build().ok();
    assert_eq!(snapshot(&fresh.path("output")), s.snapshot("output"));
}

/// Removing a researcher removes their pages; files put into the output
/// by someone else, and the folders holding them, stay.
#[test]
fn stale_files_are_removed_and_foreign_files_kept() {
    let s = Site::new();
    s.researcher("ada", "name = \"Ada\"")
        .researcher("bob", "name = \"Bob\"");
    s.build().ok();
    assert!(s.exists("researchers/bob/index.html"));
    s.file("output/researchers/ada/notes.txt", "mine");
    s.remove("content/researchers/bob.md")
        .remove("content/researchers/ada.md");
    let run = s.build().ok();
    assert!(run.stdout.contains("removed"), "{}", run.stdout);
    assert!(!s.path("output/researchers/bob").exists());
    assert_eq!(
        std::fs::read_to_string(s.path("output/researchers/ada/notes.txt")).unwrap(),
        "mine"
    );
    assert!(!s.exists("researchers/ada/index.html"));
}

/// An output folder scholarsite did not write is never touched.
#[test]
fn refuses_a_foreign_output_folder() {
    let s = Site::example();
    s.file("output/thesis.tex", "precious");
    s.build()
        .fails_with(&["refusing to use", "was not written by scholarsite"]);
    assert_eq!(
        std::fs::read_to_string(s.path("output/thesis.tex")).unwrap(),
        "precious"
    );
    let content = s.path("content").to_string_lossy().into_owned();
    s.run(&["build", "--output", &content])
        .fails_with(&["refusing to use", "site's own files"]);
    s.run(&["build", "--output", "."])
        .fails_with(&["refusing to use"]);
}

/// A build into an output folder another build is writing fails at once,
/// naming the folder, and leaves it as it was.
#[test]
fn a_second_build_into_the_same_output_fails_cleanly() {
    let s = Site::example();
    s.build().ok();
    let before = s.snapshot("output");
    // Stands for a build still running: it holds the lock beside output/.
    let held = std::fs::File::open(s.path(".output.scholarsite-lock")).unwrap();
    held.try_lock().unwrap();
    s.file(
        "content/works/extra.jsonl",
        "{\"id\":\"x\",\"title\":\"Extra\",\"authors\":[\"A B\"]}",
    );
    s.build().fails_with(&[
        "another build is writing",
        "output",
        ".output.scholarsite-lock",
    ]);
    assert_eq!(s.snapshot("output"), before);
    drop(held);
    s.build().ok();
    assert!(s.exists("works/x/index.html"));
}

/// The same input gives the same bytes with one thread and with eight.
#[test]
fn byte_identical_at_any_thread_count() {
    let s = Site::example();
    s.file("content/works/extra.jsonl", &(0..300).map(|i| format!("{{\"id\":\"x{}\",\"title\":\"Graph learning study {}\",\"year\":{},\"authors\":[{{\"id\":\"dajiang-zhu\"}},\"Co {}\"],\"abstract\":\"Graph neural networks for brain graph learning, part {}.\"}}", i, i, 2000 + i % 20, i % 7, i)).collect::<Vec<_>>().join("\n"));
    s.run_env(&["build", "--output", "one"], &[("RAYON_NUM_THREADS", "1")])
        .ok();
    s.run_env(
        &["build", "--output", "eight"],
        &[("RAYON_NUM_THREADS", "8")],
    )
    .ok();
    let (a, b) = (s.snapshot("one"), s.snapshot("eight"));
    assert!(a.len() > 300);
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (k, v) in &a {
        assert!(v == &b[k], "{} differs", k);
    }
}

/// Unchanged inputs skip the build, but only while the output is intact;
/// any change of data, theme or options rebuilds.
#[test]
fn unchanged_inputs_skip_only_an_intact_output() {
    let s = Site::example();
    s.build().ok();
    let run = s.build().ok();
    assert!(run.stdout.contains("inputs unchanged"), "{}", run.stdout);
    // A deleted page is noticed and written again.
    std::fs::remove_file(s.path("output/researchers/dajiang-zhu/embed/index.html")).unwrap();
    let run = s.build().ok();
    assert!(
        !run.stdout.contains("inputs unchanged") && run.stdout.contains(" 1 written,"),
        "{}",
        run.stdout
    );
    assert!(s.exists("researchers/dajiang-zhu/embed/index.html"));
    // Another base URL is another site.
    let run = s.run(&["build", "--base-url", "/lab/"]).ok();
    assert!(!run.stdout.contains("inputs unchanged"), "{}", run.stdout);
    assert!(s.out("index.html").contains("href=\"/lab/researchers/"));
    // A theme file counts as input.
    s.file(
        "site.toml",
        "title = \"scholarsite example\"\ntheme = \"t\"\n",
    )
    .file(
        "themes/t/templates/404.html",
        "{% extends \"base.html\" %}{% block content %}gone{% endblock content %}",
    );
    s.build().ok();
    s.file(
        "themes/t/templates/404.html",
        "{% extends \"base.html\" %}{% block content %}moved{% endblock content %}",
    );
    let run = s.build().ok();
    assert!(run.stdout.contains(" 1 written,"), "{}", run.stdout);
    assert!(s.out("404.html").contains("moved"));
}

/// Pages kept without rendering (their values, theme and program are the
/// last build's) never go stale: after each kind of edit, the rebuilt
/// output equals a build from scratch of the same inputs.
#[test]
fn kept_pages_match_a_build_from_scratch() {
    let s = Site::example();
    s.build().ok();
    let run = s.build().ok();
    assert!(run.stdout.contains("inputs unchanged"), "{}", run.stdout);
    let survey = "content/works/survey-on-individual-differences-in-visualization.md";
    let researcher = "content/researchers/zhengliang-liu.md";
    let edits: Vec<(&str, Box<dyn Fn(&str) -> String>)> = vec![
        // Shown only in the profile's items (with abstracts) and the work page.
        (
            survey,
            Box::new(|t| t.replace("Developments in data", "Advances in data")),
        ),
        // A researcher's name shows on their co-authors' works and graphs.
        (
            researcher,
            Box::new(|t| t.replace("name = \"Zhengliang Liu\"", "name = \"Z. Liu\"")),
        ),
        // A title shows in lists, graphs and topic pages.
        (
            survey,
            Box::new(|t| t.replace("title = \"Survey on", "title = \"A survey on")),
        ),
    ];
    for (path, edit) in &edits {
        let text = edit(&std::fs::read_to_string(s.path(path)).unwrap());
        s.file(path, &text);
        let run = s.build().ok();
        assert!(
            run.stdout.contains("kept without rendering"),
            "{}",
            run.stdout
        );
        let fresh = Site::example();
        for (p, _) in &edits {
            fresh.file(p, &std::fs::read_to_string(s.path(p)).unwrap());
        }
        fresh.build().ok();
        let (a, b) = (s.snapshot("output"), snapshot(&fresh.path("output")));
        assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
        for (k, v) in &b {
            assert!(
                a[k] == *v || k == ".scholarsite-manifest",
                "{} is stale after editing {}",
                k,
                path
            );
        }
    }
    assert!(s
        .out("researchers/dajiang-zhu/index.html")
        .contains("Z. Liu"));
    assert!(s
        .out("researchers/zhengliang-liu/index.html")
        .contains("Advances in data"));
    // A template every page uses: nothing is kept.
    s.file(
        "site.toml",
        &format!(
            "{}theme = \"t\"\n",
            std::fs::read_to_string(s.path("site.toml")).unwrap()
        ),
    )
    .file(
        "themes/t/templates/work_item.html",
        "<li class=\"work\">{{ work.title }} (changed)</li>",
    );
    let run = s.build().ok();
    assert!(
        !run.stdout.contains("kept without rendering"),
        "{}",
        run.stdout
    );
    assert!(s
        .out("researchers/zhengliang-liu/index.html")
        .contains("(changed)"));
}

/// A graph is drawn only when its page is rendered; the page's digest
/// covers the graph, so a change that only a drawing shows (an outside
/// co-author of an older work, absent from the embed card's own lists)
/// still renders the page again.
#[test]
fn a_change_only_a_drawing_shows_is_redrawn() {
    let s = Site::new();
    s.researcher("ada", "name = \"Ada Lovelace\"");
    for (i, year) in [2020, 2021, 2022, 2023].iter().enumerate() {
        let coauthor = if i == 0 { ", \"Grace Hopper\"" } else { "" };
        s.work(
            &format!("w{}", i),
            &format!(
                "title = \"Work {}\"\nyear = {}\nauthors = [{{ id = \"ada\" }}{}]",
                i, year, coauthor
            ),
        );
    }
    s.build().ok();
    let embed = "researchers/ada/embed/index.html";
    assert!(s.out(embed).contains("Co-author: Grace Hopper"));
    s.work(
        "w0",
        "title = \"Work 0\"\nyear = 2020\nauthors = [{ id = \"ada\" }, \"Grace Brewster\"]",
    );
    let run = s.build().ok();
    assert!(
        run.stdout.contains("kept without rendering"),
        "{}",
        run.stdout
    );
    let page = s.out(embed);
    assert!(page.contains("Co-author: Grace Brewster"), "{}", page);
    assert!(!page.contains("Grace Hopper"), "{}", page);
}

/// Works without declared topics, as JSON Lines: `(id, title, abstract)`.
fn undeclared_works(works: &[(&str, &str, &str)]) -> String {
    works
        .iter()
        .map(|(id, title, abs)| {
            format!(
                "{{\"id\":\"{}\",\"title\":\"{}\",\"year\":2020,\"authors\":[{{\"id\":\"ada\"}}],\"abstract\":\"{}\"}}\n",
                id, title, abs
            )
        })
        .collect()
}

/// The numbers a build's `--report-json` gives for topic extraction:
/// works extracted afresh, and taken from the topic cache.
/// Works whose topics a build extracted and took from the cache, and
/// whose phrases it scanned to count frequencies.
fn extraction(s: &Site) -> (u64, u64, u64) {
    s.run(&["build", "--report-json", "report.json"]).ok();
    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(s.path("report.json")).unwrap()).unwrap();
    let n = |k: &str| r[k].as_u64().unwrap();
    (
        n("topics_extracted"),
        n("topics_cached"),
        n("phrases_scanned"),
    )
}

/// Topic extraction is kept beside the output between builds; a rebuild
/// takes a work's topics from it only when its text and the frequencies
/// of the phrases it scored are unchanged, so its pages always equal a
/// fresh build's. A damaged cache file is ignored.
#[test]
fn topic_cache_gives_what_a_fresh_build_gives() {
    let works = |b_title: &str, c_abs: &str| {
        undeclared_works(&[
            (
                "a",
                "Quantum error correction",
                "Surface codes protect logical qubits. Surface codes tolerate noise.",
            ),
            ("b", b_title, "We build hardware."),
            ("c", "Compilers for superconducting devices", c_abs),
        ])
    };
    let s = Site::new();
    s.researcher("ada", "name = \"Ada\"").file(
        "content/works/all.jsonl",
        &works("Surface codes in practice", "Routing on chips."),
    );
    assert_eq!(extraction(&s), (3, 0, 3));
    assert!(s.path(".output.scholarsite-topics").is_file());
    // Nothing that extraction reads changed: every work from the cache.
    s.file(
        "site.toml",
        &format!("{}description = \"Lab\"\n", crate::support::MINIMAL_TOML),
    );
    assert_eq!(extraction(&s), (0, 3, 0));
    let page_a = s.out("works/a/index.html");
    let states = [
        // "surface codes" now used by one work, not two: work a scores it
        // with another frequency and is extracted again, as is b.
        ("Lattice surgery in practice", "Routing on chips.", 2),
        // Only c's own text changed.
        (
            "Lattice surgery in practice",
            "Routing and scheduling on chips.",
            1,
        ),
    ];
    for (b_title, c_abs, afresh) in states {
        s.file("content/works/all.jsonl", &works(b_title, c_abs));
        // One work's texts changed: only its phrases are scanned.
        assert_eq!(extraction(&s), (afresh, 3 - afresh, 1), "{}", b_title);
        let fresh = Site::new();
        fresh
            .researcher("ada", "name = \"Ada\"")
            .file(
                "site.toml",
                &std::fs::read_to_string(s.path("site.toml")).unwrap(),
            )
            .file("content/works/all.jsonl", &works(b_title, c_abs));
        fresh.build().ok();
        let (a, b) = (s.snapshot("output"), snapshot(&fresh.path("output")));
        assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
        for (k, v) in &b {
            assert!(a[k] == *v || k == ".scholarsite-manifest", "{} is stale", k);
        }
    }
    assert_ne!(
        page_a,
        s.out("works/a/index.html"),
        "a's topics follow the frequencies"
    );
    // A damaged file is not used, and is replaced.
    let damage = |memo: &str| {
        let path = s.path(&format!(".output.scholarsite-{}", memo));
        let mut bytes = std::fs::read(&path).unwrap();
        let mid = bytes.len() / 2;
        bytes[mid] ^= 0x55;
        std::fs::write(&path, &bytes).unwrap();
    };
    damage("topics");
    s.file("site.toml", crate::support::MINIMAL_TOML);
    assert_eq!(extraction(&s), (3, 0, 0));
    s.file(
        "site.toml",
        &format!("{}description = \"Lab\"\n", crate::support::MINIMAL_TOML),
    );
    assert_eq!(extraction(&s), (0, 3, 0));
    // So is a damaged phrase sets file: every work is scanned again, to
    // the same frequencies, so every work's topics still come from the cache.
    damage("phrases");
    s.file("site.toml", crate::support::MINIMAL_TOML);
    assert_eq!(extraction(&s), (0, 3, 3));
}

/// The records of a JSON Lines file, and writing them back.
fn records(s: &Site, rel: &str) -> Vec<serde_json::Value> {
    std::fs::read_to_string(s.path(rel))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn write_records(s: &Site, rel: &str, recs: &[serde_json::Value]) {
    let text: String = recs.iter().map(|r| format!("{}\n", r)).collect();
    s.file(rel, &text);
}

/// Edit after edit of every kind of record in a synthetic world, each
/// rebuild keeps pages by the digest of what they read, and equals a
/// build from scratch byte for byte.
#[test]
fn rebuilds_after_varied_edits_equal_fresh_builds() {
    use serde_json::json;
    let s = Site::new();
    let world = std::process::Command::new(env!("CARGO_BIN_EXE_scholarsite-world"))
        .args(["40/300", s.path("").to_str().unwrap()])
        .output()
        .unwrap();
    assert!(world.status.success());
    let (works, people, insts, topics) = (
        "content/works/works-001.jsonl",
        "content/researchers/researchers.jsonl",
        "content/institutions/institutions.jsonl",
        "content/topics/topics.jsonl",
    );
    write_records(
        &s,
        topics,
        &[
            json!({"id": "speech-recognition", "name": "Speech recognition", "description": "Machines that *listen*."}),
        ],
    );
    s.build().ok();
    type Recs = Vec<serde_json::Value>;
    type Edit = Box<dyn Fn(&mut Recs, &mut Recs, &mut Recs, &mut Recs)>;
    let edits: Vec<(&str, Edit)> = vec![
        (
            "a title",
            Box::new(|w, _, _, _| w[0]["title"] = json!("Revised title of the first work")),
        ),
        (
            "an abstract",
            Box::new(|w, _, _, _| {
                w[1]["abstract"] = json!("Graph neural networks on graph neural networks.")
            }),
        ),
        (
            "a name-only author",
            Box::new(|w, _, _, _| {
                w[2]["authors"]
                    .as_array_mut()
                    .unwrap()
                    .push(json!("Grace Hopper"))
            }),
        ),
        (
            "a researcher's name",
            Box::new(|_, p, _, _| p[0]["name"] = json!("Renamed Person")),
        ),
        (
            "an affiliation removed",
            Box::new(|_, p, _, _| {
                p[1].as_object_mut().unwrap().remove("affiliation");
            }),
        ),
        (
            "an affiliation",
            Box::new(|_, p, i, _| {
                i.push(json!({"id": "new-institute", "name": "New Institute"}));
                p[1]["affiliation"] = json!("new-institute");
            }),
        ),
        (
            "an institution's name",
            Box::new(|_, _, i, _| i[0]["name"] = json!("Renamed Institute")),
        ),
        // Sorts in the same place: only the researcher's links change.
        (
            "a researcher's id",
            Box::new(|w, p, _, _| {
                let old = p[7]["id"].clone();
                let new = json!(format!("{}x", old.as_str().unwrap()));
                p[7]["id"] = new.clone();
                for a in w
                    .iter_mut()
                    .flat_map(|w| w["authors"].as_array_mut().unwrap().iter_mut())
                {
                    if a.get("id") == Some(&old) {
                        a["id"] = new.clone();
                    }
                }
            }),
        ),
        (
            "a removed work",
            Box::new(|w, _, _, _| {
                w.remove(5);
            }),
        ),
        (
            "an added work",
            Box::new(|w, p, _, _| {
                w.push(json!({"id": "zz-new", "title": "A new joint work", "type": "article", "year": 2024, "authors": [{"id": p[2]["id"]}, {"id": p[3]["id"]}], "abstract": "Speech recognition for speech recognition."}))
            }),
        ),
        ("a year", Box::new(|w, _, _, _| w[3]["year"] = json!(1950))),
        (
            "a topic's description",
            Box::new(|_, _, _, t| t[0]["description"] = json!("Machines that *hear*.")),
        ),
        (
            "declared topics",
            Box::new(|w, _, _, _| w[4]["topics"] = json!(["Quantum error correction"])),
        ),
        (
            "a co-author added",
            Box::new(|w, p, _, _| {
                w[6]["authors"]
                    .as_array_mut()
                    .unwrap()
                    .push(json!({"id": p[0]["id"]}))
            }),
        ),
    ];
    for (what, edit) in &edits {
        let [mut w, mut p, mut i, mut t] = [works, people, insts, topics].map(|f| records(&s, f));
        edit(&mut w, &mut p, &mut i, &mut t);
        for (f, r) in [(works, &w), (people, &p), (insts, &i), (topics, &t)] {
            write_records(&s, f, r);
        }
        let run = s.build().ok();
        // Pages show the site's counts: a change to them keeps nothing.
        let counts_same = ![
            "an affiliation",
            "a removed work",
            "an added work",
            "declared topics",
        ]
        .contains(what);
        assert!(
            run.stdout.contains("kept without rendering") || !counts_same,
            "{}: {}",
            what,
            run.stdout
        );
        s.run(&["build", "--output", "fresh"]).ok();
        let (a, b) = (s.snapshot("output"), s.snapshot("fresh"));
        assert_eq!(
            a.keys().collect::<Vec<_>>(),
            b.keys().collect::<Vec<_>>(),
            "{}",
            what
        );
        for (k, v) in &b {
            assert!(
                a[k] == *v || k == ".scholarsite-manifest",
                "{} is stale after {}",
                k,
                what
            );
        }
        // The phrase sets kept by rebuilding equal those of a fresh count.
        assert!(
            std::fs::read(s.path(".output.scholarsite-phrases")).unwrap()
                == std::fs::read(s.path(".fresh.scholarsite-phrases")).unwrap(),
            "phrase sets differ after {}",
            what
        );
        // Nothing of this build may serve the next fresh one.
        std::fs::remove_dir_all(s.path("fresh")).unwrap();
        for memo in ["topics", "phrases"] {
            std::fs::remove_file(s.path(&format!(".fresh.scholarsite-{}", memo))).unwrap();
        }
    }
}

/// How many pages a build's summary says were kept without rendering.
fn kept(run: &crate::support::Run) -> usize {
    run.stdout
        .split(" unchanged pages kept")
        .next()
        .and_then(|s| s.rsplit('(').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// Pages are kept whichever way the site's folder is named.
#[test]
fn pages_are_kept_whatever_the_root_is_called() {
    let s = Site::example();
    s.build().ok();
    let toml = std::fs::read_to_string(s.path("site.toml")).unwrap();
    s.file("site.toml", &format!("{}# a comment\n", toml));
    let relative = kept(&s.build().ok());
    s.file("site.toml", &toml);
    let root = s.path("").canonicalize().unwrap();
    let absolute = kept(&s.run(&["build", "--root", root.to_str().unwrap()]).ok());
    // All but the assets and the sitemap.
    assert!(relative > 25, "{}", relative);
    assert_eq!(relative, absolute);
}
