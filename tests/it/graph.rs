//! Graph views, embeds, profile JSON and groups.

use crate::support::{visible, Site};
use serde_json::Value;

fn json(site: &Site, rel: &str) -> Value {
    serde_json::from_str(&site.out(rel)).unwrap()
}

/// profile.json carries what the profile page shows.
#[test]
fn profile_json_has_what_the_page_shows() {
    let s = Site::example();
    s.build().ok();
    let p = json(&s, "researchers/dajiang-zhu/profile.json");
    assert_eq!(p["version"], 1);
    assert_eq!(p["name"], "Dajiang Zhu");
    assert_eq!(p["counts"]["works"], 12);
    assert_eq!(p["counts"]["followers"], 0);
    assert_eq!(p["counts"]["topics"], 7);
    assert_eq!(p["counts"]["close_collaborators"], 1);
    assert_eq!(p["trust"]["score"], 21);
    assert_eq!(p["trust"]["band"], "Emerging");
    assert_eq!(p["trust"]["verification"], "L1");
    assert_eq!(p["trust"]["claimed"], false);
    assert_eq!(p["affiliations"].as_array().unwrap().len(), 0);
    assert_eq!(p["works"].as_array().unwrap().len(), 12);
    assert_eq!(p["works"][0]["title"], "Knowledge Distillation and Dataset Distillation of Large Language Models: Emerging Trends, Challenges, and Future Directions");
    assert!(p["works"][0]["abstract"]
        .as_str()
        .unwrap()
        .starts_with("The exponential growth of Large Language Models"));
    assert_eq!(p["collaborators"][0]["id"], "zhengliang-liu");
    assert_eq!(p["collaborators"][0]["shared_works"], 4);
    assert_eq!(p["collaborators"][0]["close"], true);
    assert_eq!(p["topics"].as_array().unwrap().len(), 7);
    assert_eq!(
        p["graph"]["explorer_url"],
        "/researchers/dajiang-zhu/graph/"
    );
}

/// Every node of graph.json has a position inside the unit square, and no
/// two nodes share one, even for a profile with 2,000 works.
#[test]
fn graph_json_positions() {
    let s = Site::new();
    s.researcher("ada", "name = \"Ada\"\naffiliation = \"inst\"")
        .file(
            "content/institutions/inst.md",
            "+++\nname = \"Institute\"\n+++\n",
        );
    s.prolific("ada", 2000, 40, 11);
    s.build().ok();
    let g = json(&s, "researchers/ada/graph.json");
    assert_eq!(g["version"], 2);
    let nodes = g["nodes"].as_array().unwrap();
    let mut seen = std::collections::HashSet::new();
    for n in nodes {
        let (x, y) = (n["x"].as_f64().unwrap(), n["y"].as_f64().unwrap());
        assert!(
            (-1.0..=1.0).contains(&x) && (-1.0..=1.0).contains(&y),
            "{}",
            n
        );
        assert!(
            seen.insert(format!("{:.3},{:.3}", x, y)),
            "two nodes at {},{}",
            x,
            y
        );
    }
    assert_eq!(
        (nodes[0]["x"].as_f64(), nodes[0]["y"].as_f64()),
        (Some(0.0), Some(0.0)),
        "the researcher is in the middle"
    );
    // The explorer shows a larger slice, with the same node markup.
    let explorer = s.out("researchers/ada/graph/index.html");
    assert_eq!(explorer.matches("class=\"gn ").count(), 200);
    assert_eq!(
        s.out("researchers/ada/index.html")
            .matches("class=\"gn ")
            .count(),
        60
    );
}

/// Pages pass a CSP of `script-src 'self'`: no inline scripts (JSON-LD
/// data blocks aside), no inline event handlers, nothing from other origins.
#[test]
fn pages_need_no_inline_script() {
    let s = Site::example();
    s.file("site.toml", "title = \"Lab\"\nbase_url = \"https://lab.example.edu/people/\"\n[[groups]]\nid = \"lab\"\nname = \"The lab\"\nmembers = [\"dajiang-zhu\", \"zhengliang-liu\"]\n");
    s.build().ok();
    let mut pages = 0;
    for e in walkdir::WalkDir::new(s.path("output")) {
        let e = e.unwrap();
        if e.path().extension().is_some_and(|x| x == "html") {
            pages += 1;
            let html = std::fs::read_to_string(e.path()).unwrap();
            for (i, _) in html.match_indices("<script") {
                let tag = &html[i..i + html[i..].find('>').unwrap()];
                assert!(
                    tag.contains(" src=\"/people/assets/graph.")
                        || tag.contains("type=\"application/ld+json\""),
                    "{}: {}",
                    e.path().display(),
                    tag
                );
            }
            let lower = html.to_lowercase();
            for attr in [
                " onclick=",
                " onload=",
                " onerror=",
                " onmouseover=",
                " onfocus=",
                "javascript:",
            ] {
                assert!(!lower.contains(attr), "{} has {}", e.path().display(), attr);
            }
            for src in lower.match_indices(" src=\"").map(|(i, _)| &lower[i + 6..]) {
                assert!(
                    src.starts_with('/'),
                    "{} loads {}",
                    e.path().display(),
                    &src[..40.min(src.len())]
                );
            }
        }
    }
    assert!(pages > 30);
}

/// A group gets a page and an embed with the members' combined graph.
#[test]
fn groups() {
    let s = Site::example();
    s.file("site.toml", "title = \"Lab\"\n[[groups]]\nid = \"lab\"\nname = \"The lab\"\ndescription = \"Two people\"\nmembers = [\"dajiang-zhu\", \"zhengliang-liu\"]\n");
    s.build().ok();
    let page = visible(&s.out("groups/lab/index.html"));
    assert!(
        page.contains("The lab")
            && page.contains("Two people")
            && page.contains("2 members · 15 works"),
        "{}",
        page
    );
    let g = json(&s, "groups/lab/graph.json");
    let members = g["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == "researcher")
        .count();
    assert_eq!(members, 2);
    assert!(
        g["edges"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "co-author" && e["weight"] == 4),
        "members who share works are joined"
    );
    let embed = s.out("groups/lab/embed/index.html");
    assert!(embed.contains("<base target=\"_blank\">"));
    assert!(visible(&embed).contains("Zhengliang Liu 7 works"));

    s.file("site.toml", "title = \"Lab\"\n[[groups]]\nid = \"lab\"\nname = \"The lab\"\nmembers = [\"dajiang-zhu\", \"nobody\"]\n");
    s.build().fails_with(&["site.toml: error: field `groups[0].members[1]`: group `lab` lists `nobody`, which is not a researcher of the site"]);
}

/// The embed card: name, affiliation, trust line, counts, topics, latest
/// works, a small graph; links leave the iframe.
#[test]
fn embed_card() {
    let s = Site::example();
    s.build().ok();
    let html = s.out("researchers/zhengliang-liu/embed/index.html");
    let text = visible(&html);
    for needle in [
        "Zhengliang Liu",
        "Affiliation not imported",
        "Trust 21 - Emerging · Verification L1 · Unclaimed author",
        "7 works 0 followers 7 topics 1 close collaborator",
        "Latest work",
        "Brain-Inspired Exploration",
    ] {
        assert!(text.contains(needle), "missing {:?}: {}", needle, text);
    }
    assert!(html.contains("<base target=\"_blank\">"));
    assert!(html.matches("class=\"gn ").count() <= 24);
    let profile = s.out("researchers/zhengliang-liu/index.html");
    assert!(
        profile.contains("&lt;iframe src=&quot;/researchers/zhengliang-liu/embed/&quot;"),
        "the snippet is shown as text"
    );
}

/// A work that lists one name-only co-author twice joins them once, on a
/// profile's graph and a group's.
#[test]
fn edges_are_unique() {
    let s = Site::new();
    s.file(
        "site.toml",
        "title = \"Lab\"\n[[groups]]\nid = \"lab\"\nname = \"Lab\"\nmembers = [\"ada\"]\n",
    )
    .researcher("ada", "name = \"Ada\"")
    .work(
        "w",
        "title = \"Notes\"\nauthors = [{ id = \"ada\" }, \"Bo Chen\", \"Bo Chen\"]",
    );
    s.build().ok();
    for rel in ["researchers/ada/graph.json", "groups/lab/graph.json"] {
        let g = json(&s, rel);
        let edges: Vec<(String, String, String)> = g["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["source"].to_string(),
                    e["target"].to_string(),
                    e["kind"].to_string(),
                )
            })
            .collect();
        let mut unique = edges.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(edges.len(), unique.len(), "{}: {:?}", rel, edges);
        assert!(
            edges.iter().any(|e| e.0.contains("bo chen")),
            "{}: {:?}",
            rel,
            edges
        );
    }
}

/// A researcher's slices taken together are the slices taken one by one,
/// whether budgets admit the same nodes (and share one slice) or not.
#[test]
fn slices_taken_together_are_the_slices_taken_alone() {
    use scholarsite::derive::graph::{slice, slices};
    let s = Site::example();
    let opts = scholarsite::Options {
        root: s.dir.path().to_path_buf(),
        output: None,
        base_url: None,
    };
    let site = scholarsite::load(&opts, &mut scholarsite::Timings::default()).unwrap();
    let (corpus, d, c) = (&site.corpus, &site.derived, &site.config);
    let json = |g: &scholarsite::derive::graph::Graph| serde_json::to_string(g).unwrap();
    let mut shared = 0;
    for r in 0..corpus.researchers.len() as u32 {
        for a in 0..40 {
            for b in [a, a + 1, a + 7, 60, 200] {
                let [x, none, y] = slices(corpus, d, c, r, [Some(a), None, Some(b)]);
                assert!(none.is_none());
                let (x, y) = (x.unwrap(), y.unwrap());
                assert_eq!(json(&x), json(&slice(corpus, d, c, r, a)), "{} {}", r, a);
                assert_eq!(json(&y), json(&slice(corpus, d, c, r, b)), "{} {}", r, b);
                assert_eq!(y.node_budget, b);
                if a != b && x.nodes.len() == y.nodes.len() {
                    shared += 1;
                }
            }
        }
    }
    assert!(shared > 0, "no two budgets admitted the same nodes");
}
