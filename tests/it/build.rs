//! What a successful build computes and shows.

use crate::support::{visible, Site};
use serde_json::Value;

fn graph(site: &Site, id: &str) -> Value {
    serde_json::from_str(&site.out(&format!("researchers/{}/graph.json", id))).unwrap()
}

/// The example site shows the two seed profiles faithfully.
#[test]
fn example_site_profiles_match_the_seeds() {
    let site = Site::example();
    site.build().ok();
    for (id, name, works, other) in [
        ("zhengliang-liu", "Zhengliang Liu", 7, "Dajiang Zhu"),
        ("dajiang-zhu", "Dajiang Zhu", 12, "Zhengliang Liu"),
    ] {
        let page = visible(&site.out(&format!("researchers/{}/index.html", id)));
        for needle in [
            format!("Researcher profile {}", name),
            format!(
                "{} contributes to research discovery and scholarly infrastructure.",
                name
            ),
            "Researcher Affiliation not imported Open to collaborate".to_string(),
            "Trust 21 - Emerging Verification L1 Unclaimed author".to_string(),
            format!("{} works 0 followers 7 topics 1 close collaborator", works),
            format!("{} published items", works),
            format!("{} 4 shared works, latest 2026 close", other),
        ] {
            assert!(
                page.contains(&needle),
                "{}: missing {:?} in\n{}",
                id,
                needle,
                page
            );
        }
        let g = graph(&site, id);
        assert_eq!(g["version"], 2);
        assert_eq!(g["totals"]["works"], works);
    }
    // Newest first, then by title, as on the seed page.
    let page = visible(&site.out("researchers/zhengliang-liu/index.html"));
    let order = [
        "Brain-Inspired Exploration of Functional Networks",
        "Knowledge Distillation and Dataset Distillation",
        "Understanding LLMs",
        "Differentiate ChatGPT-generated",
        "Discovering Dynamic Functional Brain Networks",
        "Eye-gaze-guided Vision Transformer",
        "Survey on Individual Differences in Visualization",
    ];
    let works = &page[page.find("Published work").unwrap()..];
    let pos: Vec<usize> = order
        .iter()
        .map(|t| works.find(t).unwrap_or_else(|| panic!("missing {}", t)))
        .collect();
    assert!(
        pos.windows(2).all(|w| w[0] < w[1]),
        "works out of order: {:?}",
        pos
    );
    assert!(works.contains("preprint 2020 arXiv Survey on Individual Differences in Visualization Developments in data visualization research"));
    // Every work has its page, and the directory lists both researchers.
    assert_eq!(
        std::fs::read_dir(site.path("output/works"))
            .unwrap()
            .count(),
        15 + 1
    );
    let index = visible(&site.out("index.html"));
    assert!(index.contains("Dajiang Zhu") && index.contains("Zhengliang Liu"));
}

/// Co-authors are counted per shared work, outsiders grouped by ORCID or
/// folded name, and the close rule comes from site.toml.
#[test]
fn collaborators_are_counted_and_grouped() {
    let site = Site::new();
    site.file("site.toml", "title = \"Lab\"\n[collaborators]\nclose_min_shared = 3\n")
        .researcher("ada", "name = \"Ada Lovelace\"")
        .researcher("bob", "name = \"Bob Byte\"")
        .work("w1", "title = \"One\"\nyear = 2020\nauthors = [{ id = \"ada\" }, { id = \"bob\" }, \"José Núñez\", { name = \"Kim Lee\", orcid = \"0000-0002-1825-0097\" }]")
        .work("w2", "title = \"Two\"\nyear = 2021\nauthors = [{ id = \"ada\" }, { id = \"bob\" }, \"JOSE NUNEZ\", { name = \"K. Lee\", orcid = \"0000-0002-1825-0097\" }]")
        .work("w3", "title = \"Three\"\nyear = 2023\nauthors = [{ id = \"ada\" }, { id = \"bob\" }]")
        .work("w4", "title = \"Four\"\nyear = 2019\nauthors = [{ id = \"ada\" }, \"Someone Else\"]");
    site.build().ok();
    let page = visible(&site.out("researchers/ada/index.html"));
    assert!(
        page.contains("Bob Byte 3 shared works, latest 2023 close"),
        "{}",
        page
    );
    assert!(
        page.contains("José Núñez 2 shared works, latest 2021"),
        "{}",
        page
    );
    assert!(
        page.contains("Kim Lee 2 shared works, latest 2021"),
        "{}",
        page
    );
    assert!(
        page.contains("Someone Else 1 shared work, latest 2019"),
        "{}",
        page
    );
    assert!(page.contains("4 works 0 followers"), "{}", page);
    assert!(page.contains("1 close collaborator"), "{}", page);
    let g = graph(&site, "ada");
    assert_eq!(g["totals"]["coauthors"], 4);
}

/// A consortium paper with 3,000 authors builds, and contributes at most
/// the documented number of co-authors to each researcher on it.
#[test]
fn huge_author_lists_are_bounded() {
    let site = Site::new();
    site.researcher("ada", "name = \"Ada Lovelace\"");
    let mut authors: Vec<String> = (0..3000).map(|i| format!("\"Member {}\"", i)).collect();
    authors.insert(1500, "{ id = \"ada\" }".into());
    site.work(
        "big",
        &format!(
            "title = \"Big\"\nyear = 2020\nauthors = [{}]",
            authors.join(", ")
        ),
    );
    site.build().ok();
    let g = graph(&site, "ada");
    assert_eq!(g["totals"]["coauthors"], 100);
    let work = visible(&site.out("works/big/index.html"));
    assert!(
        work.contains("Member 0") && work.contains("Member 2999") && work.contains("Ada Lovelace")
    );
}

/// Authors link to researchers by id, ORCID, name or alias, folded for
/// case and accents; an ambiguous name stays unlinked with a warning.
#[test]
fn authors_match_by_id_orcid_name_and_alias() {
    let site = Site::new();
    site.researcher("ana", "name = \"Ana María Pérez\"\norcid = \"0000-0002-1825-0097\"")
        .researcher("li-a", "name = \"Li Wei\"")
        .researcher("li-b", "name = \"Li Wei\"")
        .researcher("raj", "name = \"Rajesh Kumar\"\naliases = [\"R. Kumar\"]")
        .work("by-orcid", "title = \"By ORCID\"\nauthors = [{ name = \"A. M. P.\", orcid = \"https://orcid.org/0000-0002-1825-0097\" }]")
        .work("by-name", "title = \"By name\"\nauthors = [\"ana maria perez\"]")
        .work("by-alias", "title = \"By alias\"\nauthors = [\"r. kumar\"]")
        .work("ambiguous", "title = \"Ambiguous\"\nauthors = [\"Li Wei\"]");
    let run = site.build().ok();
    assert!(run.stderr.contains("content/works/ambiguous.md:3: warning: field `authors[0]`: author `Li Wei` matches several researchers (li-a, li-b)"), "{}", run.stderr);
    let ana = visible(&site.out("researchers/ana/index.html"));
    assert!(
        ana.contains("By ORCID") && ana.contains("By name") && ana.contains("2 works"),
        "{}",
        ana
    );
    assert!(visible(&site.out("researchers/raj/index.html")).contains("By alias"));
    assert!(visible(&site.out("researchers/li-a/index.html")).contains("0 works"));
    let work = site.out("works/by-name/index.html");
    assert!(
        work.contains("researchers/ana/\">Ana María Pérez</a>"),
        "{}",
        work
    );
    let amb = site.out("works/ambiguous/index.html");
    assert!(!amb.contains("researchers/li-"));
}

/// Declared topics get pages listing researchers and works; works without
/// topics get extracted ones, marked as such.
#[test]
fn topics_declared_and_extracted() {
    let site = Site::new();
    site.researcher("ada", "name = \"Ada\"\ntopics = [\"Analytical Engines\"]")
        .file("content/topics/graph-theory.md", "+++\nname = \"Graph theory\"\naliases = [\"graphs\"]\n+++\nThe study of **graphs**.\n")
        .work("w1", "title = \"Notes\"\ntopics = [\"graphs\", \"Poetry of Science\"]\nauthors = [{ id = \"ada\" }]")
        .file("content/works/w2.md", "+++\ntitle = \"Sparse matrix factorization for recommender systems\"\nauthors = [{ id = \"ada\" }]\n+++\nWe study sparse matrix factorization. Sparse matrix factorization scales to recommender systems with millions of users.\n")
        .file("content/works/w3.md", "+++\ntitle = \"Sparse matrix factorization revisited\"\n+++\nSparse matrix factorization again, for recommender systems.\n");
    site.build().ok();
    let t = visible(&site.out("topics/graph-theory/index.html"));
    assert!(
        t.contains("Graph theory")
            && t.contains("The study of graphs")
            && t.contains("Ada")
            && t.contains("Notes"),
        "{}",
        t
    );
    assert!(site.exists("topics/poetry-of-science/index.html"));
    let ext = visible(&site.out("topics/sparse-matrix-factorization/index.html"));
    assert!(
        ext.contains("extracted from titles and abstracts"),
        "{}",
        ext
    );
    assert!(ext.contains("Sparse matrix factorization revisited"));
    let profile = visible(&site.out("researchers/ada/index.html"));
    assert!(
        profile.contains("Analytical Engines"),
        "declared interests come first: {}",
        profile
    );
    let w1 = site.out("works/w1/index.html");
    assert!(
        w1.contains("topics/graph-theory/"),
        "an alias resolves to the topic file"
    );
}

/// Links respect a base URL with a sub-path, in pages and graph JSON.
#[test]
fn base_url_sub_path() {
    let site = Site::example();
    site.run(&["build", "--base-url", "https://lab.example.edu/people/"])
        .ok();
    let page = site.out("researchers/dajiang-zhu/index.html");
    assert!(
        page.contains("href=\"/people/works/"),
        "links carry the sub-path"
    );
    assert!(page.contains(
        "<link rel=\"canonical\" href=\"https://lab.example.edu/people/researchers/dajiang-zhu/\">"
    ));
    assert!(page.contains("href=\"/people/assets/style."));
    for href in page.split("href=\"").skip(1) {
        let url = &href[..href.find('"').unwrap()];
        assert!(
            url.starts_with("/people/") || url.starts_with("https://") || url.starts_with('#'),
            "link outside base: {}",
            url
        );
    }
    let g = graph(&site, "dajiang-zhu");
    for n in g["nodes"].as_array().unwrap() {
        assert!(n["url"]
            .as_str()
            .unwrap()
            .starts_with("https://lab.example.edu/people/"));
    }
    assert!(site
        .out("sitemap.xml")
        .contains("<loc>https://lab.example.edu/people/researchers/zhengliang-liu/</loc>"));
    assert!(site.out("404.html").contains("href=\"/people/\""));
}

/// A researcher with 2,000 works still yields a graph within the budget.
#[test]
fn graph_respects_node_budget() {
    let site = Site::new();
    site.file("site.toml", "title = \"Lab\"\n[graph]\nnode_budget = 40\n")
        .researcher("ada", "name = \"Ada\"");
    site.prolific("ada", 2000, 50, 9);
    site.build().ok();
    let g = graph(&site, "ada");
    let nodes = g["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 40);
    assert_eq!(g["totals"]["works"], 2000);
    let kinds = |k: &str| nodes.iter().filter(|n| n["kind"] == k).count();
    assert_eq!(kinds("researcher"), 1);
    assert_eq!(kinds("topic"), 7);
    assert!(
        kinds("coauthor") >= 10 && kinds("work") >= 10,
        "{:?}",
        g["totals"]
    );
    let ids: std::collections::HashSet<&str> =
        nodes.iter().map(|n| n["id"].as_str().unwrap()).collect();
    for e in g["edges"].as_array().unwrap() {
        assert!(
            ids.contains(e["source"].as_str().unwrap())
                && ids.contains(e["target"].as_str().unwrap()),
            "edge to a node outside the slice: {}",
            e
        );
    }
    assert!(site.out("researchers/ada/graph.json").len() < 20_000);
}

/// Trust is shown as given; missing trust data is said to be missing.
#[test]
fn trust_snapshot_and_actions() {
    let site = Site::new();
    site.file("site.toml", "title = \"Lab\"\n[actions]\nfollow_url = \"https://net.example/follow/{id}\"\nclaim_url = \"/claim/{id}/\"\n")
        .researcher("ada", "name = \"Ada\"\ntrust = { score = 85, verification = \"L3\", claimed = true }")
        .researcher("bob", "name = \"Bob\"");
    site.build().ok();
    let ada = visible(&site.out("researchers/ada/index.html"));
    assert!(
        ada.contains("Trust 85 - Highly trusted Verification L3 Claimed profile"),
        "{}",
        ada
    );
    let ada_html = site.out("researchers/ada/index.html");
    assert!(
        ada_html.contains("href=\"https://net.example/follow/ada\""),
        "{}",
        ada_html
    );
    assert!(
        !ada_html.contains("/claim/ada/"),
        "a claimed profile has no claim link"
    );
    let bob = visible(&site.out("researchers/bob/index.html"));
    assert!(bob.contains("Trust not assessed"), "{}", bob);
    assert!(site
        .out("researchers/bob/index.html")
        .contains("href=\"/claim/bob/\""));

    let plain = Site::new();
    plain.researcher("ada", "name = \"Ada\"");
    plain.build().ok();
    assert!(
        !visible(&plain.out("researchers/ada/index.html")).contains("Follow"),
        "no dead buttons without URL templates"
    );
}

/// Markdown files with YAML front matter and JSON Lines records mix.
#[test]
fn yaml_front_matter_and_json_lines_mix() {
    let site = Site::new();
    site.file("content/researchers/ada.md", "---\nname: Ada Lovelace\nheadline: Mathematician\naffiliations: [cam]\n---\nWrote the *first* program.\n")
        .file("content/institutions/all.jsonl", "{\"id\": \"cam\", \"name\": \"University of Cambridge\", \"country\": \"UK\"}\n")
        .file("content/works/more.jsonl", "{\"id\": \"notes\", \"title\": \"Notes\", \"type\": \"article\", \"year\": 1843, \"authors\": [{\"id\": \"ada\"}], \"abstract\": \"Notes on the *engine*.\"}\n\n");
    site.build().ok();
    let page = site.out("researchers/ada/index.html");
    assert!(page.contains("Wrote the <em>first</em> program."));
    assert!(page.contains("Notes on the <em>engine</em>."));
    assert!(visible(&page).contains("University of Cambridge"));
    assert!(visible(&site.out("institutions/cam/index.html")).contains("Ada Lovelace"));
}

/// Abstracts stay in their files and are read back where shown: plain
/// and escaped JSON strings, in front matter and as a Markdown body, all
/// come back whole. A file rewritten after loading fails the read by name
/// instead of handing another text to a page.
#[test]
fn abstracts_are_read_back_from_their_files() {
    let site = Site::new();
    let lines = |word: &str| {
        format!(
            "{{\"id\": \"plain\", \"title\": \"Plain\", \"authors\": [{{\"id\": \"ada\"}}], \"abstract\": \"A {} abstract, *emphasised*.\"}}\n{{\"id\": \"escaped\", \"title\": \"Escaped\", \"authors\": [{{\"id\": \"ada\"}}], \"abstract\": \"Says \\\"hi\\\" \\u00e9t\\u00e9.\"}}\n",
            word
        )
    };
    site.researcher("ada", "name = \"Ada Lovelace\"")
        .file("content/works/more.jsonl", &lines("plain"))
        .file("content/works/body.md", "+++\ntitle = \"Body\"\nauthors = [{ id = \"ada\" }]\n+++\nThe abstract as a **body**.\n")
        .work("front", "title = \"Front\"\nauthors = [{ id = \"ada\" }]\nabstract = \"Given in front matter.\"");
    site.build().ok();
    let profile = site.out("researchers/ada/index.html");
    for shown in [
        "A plain abstract, <em>emphasised</em>.",
        "The abstract as a <strong>body</strong>.",
        "Given in front matter.",
    ] {
        assert!(profile.contains(shown), "{}", shown);
    }
    assert!(visible(&profile).contains("Says \"hi\" été."));
    assert!(site
        .out("works/plain/index.html")
        .contains("A plain abstract, <em>emphasised</em>."));
    let json: Value = serde_json::from_str(&site.out("researchers/ada/profile.json")).unwrap();
    let abstracts: Vec<&str> = json["works"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|w| w["abstract"].as_str())
        .collect();
    assert!(abstracts.contains(&"Says \"hi\" été."), "{:?}", abstracts);
    assert!(
        abstracts.contains(&"A plain abstract, *emphasised*."),
        "{:?}",
        abstracts
    );

    let opts = scholarsite::Options {
        root: site.path(""),
        output: None,
        base_url: None,
    };
    let loaded = scholarsite::load(&opts, &mut Default::default()).unwrap();
    assert!(loaded.corpus.texts.failure().is_none());
    site.file("content/works/more.jsonl", &lines("PLAIN"));
    let work = loaded
        .corpus
        .works
        .iter()
        .find(|w| w.id == "plain")
        .unwrap();
    assert_eq!(loaded.corpus.abstract_of(work).as_deref(), Some(""));
    let failure = loaded
        .corpus
        .texts
        .failure()
        .expect("the changed file is caught")
        .to_string();
    assert!(failure.contains("content/works/more.jsonl"), "{}", failure);
    assert!(
        failure.contains("changed while the build was reading it"),
        "{}",
        failure
    );
}

/// `check` validates without writing anything.
#[test]
fn check_writes_nothing() {
    let site = Site::example();
    let run = site.check().ok();
    assert!(
        run.stdout.contains("checked 2 researchers, 15 works"),
        "{}",
        run.stdout
    );
    assert!(!site.path("output").exists());
}

/// `check --render` renders every page a build writes, writes none of
/// them, and fails as the build would on a template at odds with the data,
/// which `check` alone cannot see.
#[test]
fn check_render_renders_every_page_in_memory() {
    let site = Site::example();
    let run = site
        .run(&["check", "--render", "--report-json", "report.json"])
        .ok();
    assert!(!site.path("output").exists());
    let report = std::fs::read_to_string(site.path("report.json")).unwrap();
    let field = |name: &str| -> u64 {
        let at = report.find(&format!("\"{}\":", name)).unwrap() + name.len() + 3;
        report[at..]
            .split(|c: char| !c.is_ascii_digit())
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    site.build().ok();
    let built = crate::support::snapshot(&site.path("output"));
    // The build's manifest is its own; every other file is a page.
    let pages: Vec<_> = built
        .iter()
        .filter(|(k, _)| !k.starts_with(".scholarsite"))
        .collect();
    assert_eq!(field("files") as usize, pages.len(), "{}", report);
    let bytes: u64 = pages.iter().map(|(_, b)| b.len() as u64).sum();
    assert_eq!(field("rendered_bytes"), bytes);
    assert!(
        run.stdout
            .contains(&format!("{} files rendered in memory", pages.len())),
        "{}",
        run.stdout
    );

    site.file("site.toml", "title = \"Lab\"\ntheme = \"lab\"\n")
        .file(
            "themes/lab/templates/work_item.html",
            "{{ work.title | round }}",
        );
    site.check().ok();
    site.run(&["check", "--render"])
        .fails_with(&["work_item.html"]);
}
