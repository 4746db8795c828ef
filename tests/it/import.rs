//! `scholarsite import` on the fixtures in tests/fixtures/import/ (see its
//! README for where each file comes from), then `build`, asserting on the
//! written content and the pages.

use crate::support::Site;

fn fixture(rel: &str) -> String {
    format!(
        "{}/tests/fixtures/import/{}",
        env!("CARGO_MANIFEST_DIR"),
        rel
    )
}

fn profile_json(site: &Site, id: &str) -> serde_json::Value {
    serde_json::from_str(&site.out(&format!("researchers/{}/profile.json", id)))
        .expect("profile.json parses")
}

fn work_pages(site: &Site) -> usize {
    std::fs::read_dir(site.path("output/works"))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().join("index.html").exists())
        .count()
}

const DELPEUCH: &str = "name = \"Antonin Delpeuch\"\norcid = \"0000-0002-8612-8827\"";

/// The one person's works, from each format in turn.
fn import_delpeuch_everywhere(site: &Site) -> Vec<String> {
    let runs: [Vec<String>; 4] = [
        vec![
            "orcid".into(),
            fixture("orcid/0000-0002-8612-8827-works.json"),
            fixture("orcid/0000-0002-8612-8827-works-bulk.json"),
        ],
        vec!["bibtex".into(), fixture("bibtex/delpeuch.bib")],
        vec!["csl-json".into(), fixture("csl-json/delpeuch.json")],
        vec!["openalex".into(), fixture("openalex/delpeuch-works.json")],
    ];
    runs.iter()
        .map(|r| {
            let mut args = vec!["import"];
            args.extend(r.iter().map(String::as_str));
            args.extend(["--researcher", "antonin-delpeuch"]);
            site.run(&args).ok().stdout
        })
        .collect()
}

#[test]
fn one_persons_works_from_all_four_formats_appear_once() {
    let site = Site::new();
    site.researcher("antonin-delpeuch", DELPEUCH);
    let reports = import_delpeuch_everywhere(&site);
    // ORCID: 6 groups and 3 bulk works are 5 works; one of the two Zenodo
    // DOIs of the thesis title is kept as its other version.
    assert!(
        reports[0].contains("works: 5 added, 4 merged, 1 version links, 0 skipped"),
        "{}",
        reports[0]
    );
    for r in &reports[1..] {
        assert!(r.contains("works: 0 added, 3 merged"), "{}", r);
        assert!(r.contains("0 entries do not name them"), "{}", r);
    }
    site.build().ok();
    assert_eq!(work_pages(&site), 5);
    let p = profile_json(&site, "antonin-delpeuch");
    assert_eq!(p["counts"]["works"], 5, "{}", p["counts"]);
    let mut coauthors: Vec<&str> = p["collaborators"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    coauthors.sort();
    assert_eq!(coauthors, ["Anne Preller", "Jamie Vicary"]);
    let page = site.out("works/normal-forms-for-planar-connected-string-diagrams/index.html");
    assert!(
        page.contains("Imported from BibTeX, CSL-JSON, OpenAlex, ORCID."),
        "{}",
        page
    );
    assert!(page.contains("arXiv:1804.07832"));
    let thesis =
        site.out("works/type-driven-distributional-semantics-for-prepositional/index.html");
    assert!(thesis.contains("Other versions"), "{}", thesis);

    // A second identical import changes no byte.
    let before = site.snapshot("content");
    for r in import_delpeuch_everywhere(&site) {
        assert!(!r.contains(": written"), "{}", r);
    }
    assert_eq!(before, site.snapshot("content"));
}

#[test]
fn bibtex_in_the_wild_counts_match_the_source() {
    let site = Site::new();
    site.researcher("chenxi-qiu", "name = \"Chenxi Qiu\"");
    let run = site
        .run(&[
            "import",
            "bibtex",
            &fixture("bibtex/hand-kept.bib"),
            &fixture("bibtex/dblp.bib"),
            "--researcher",
            "chenxi-qiu",
        ])
        .ok();
    assert!(
        run.stdout
            .contains("hand-kept.bib (bibtex): 6 entries, 0 with errors"),
        "{}",
        run.stdout
    );
    assert!(run
        .stdout
        .contains("dblp.bib (bibtex): 2 entries, 0 with errors"));
    assert!(
        run.stdout.contains("2 entries do not name them"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("dblp.bib:20 \"Unsupervised Cross-lingual Representation Learning at Scale\" does not name `chenxi-qiu`"));
    site.build().ok();
    assert_eq!(work_pages(&site), 8);
    let p = profile_json(&site, "chenxi-qiu");
    assert_eq!(p["counts"]["works"], 6);
    // 19 distinct co-authors in the six entries; five share two works.
    let cs = p["collaborators"].as_array().unwrap();
    assert_eq!(
        cs.len(),
        19,
        "{:?}",
        cs.iter().map(|c| &c["name"]).collect::<Vec<_>>()
    );
    assert_eq!(p["counts"]["close_collaborators"], 5);
    let names: Vec<&str> = cs.iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert!(
        names.contains(&"Ce Pang") && names.contains(&"Sourabh Yadav"),
        "student marks are stripped: {:?}",
        names
    );
    let xlmr =
        site.out("works/unsupervised-cross-lingual-representation-learning-at-scale/index.html");
    assert!(xlmr.contains("Francisco Guzmán"), "LaTeX accent decoded");
    assert!(xlmr.contains("arXiv:1911.02116"));
    let stored = std::fs::read_to_string(site.path("content/works/imported-bibtex.jsonl")).unwrap();
    assert!(
        stored.contains("\"type\":\"preprint\""),
        "DBLP's CoRR entry is a preprint"
    );
    assert!(stored.contains("\"month\":5"), "month={{May}}");
}

#[test]
fn openalex_abstracts_institutions_and_truncated_author_lists() {
    let site = Site::new();
    let run = site
        .run(&[
            "import",
            "openalex",
            &fixture("openalex/W2741809807-response.json"),
            &fixture("openalex/snapshot.jsonl"),
        ])
        .ok();
    assert!(
        run.stdout.contains("works: 2 added, 1 merged"),
        "{}",
        run.stdout
    );
    site.build().ok();
    let page =
        site.out("works/the-state-of-oa-a-large-scale-analysis-of-the-prevalence/index.html");
    assert!(
        page.contains("Despite growing interest in Open Access (OA) to scholarly literature"),
        "abstract rebuilt"
    );
    assert!(page.contains("Vincent Larivière"));
    assert_eq!(
        page.matches("<span class=\"affil\">").count(),
        9,
        "every author's affiliation is shown"
    );
    assert!(page.contains("PubMed:29456894") && page.contains("PMC:PMC5815332"));
    let insts =
        std::fs::read_to_string(site.path("content/institutions/imported-openalex.jsonl")).unwrap();
    assert_eq!(
        insts.lines().count(),
        8,
        "the eight distinct institutions of the authorships"
    );
    let uw = site.out("institutions/university-of-washington/index.html");
    assert!(
        uw.contains("The state of OA"),
        "the institution page lists the work"
    );
    let truncated =
        site.out("works/a-synthetic-work-whose-author-list-the-api-truncated/index.html");
    assert!(
        truncated.contains("The source lists only the first 3 authors"),
        "{}",
        truncated
    );
}

#[test]
fn csl_json_and_orcid_v3_import_and_build() {
    let site = Site::new();
    let run = site
        .run(&["import", "csl-json", &fixture("csl-json/arxiv-joss.json")])
        .ok();
    assert!(run.stdout.contains("16 name-only"), "{}", run.stdout);
    let run = site
        .run(&[
            "import",
            "orcid",
            &fixture("orcid/bulk-works-3-works-3.0.json"),
        ])
        .ok();
    assert!(run.stdout.contains("works: 3 added"), "{}", run.stdout);
    site.build().ok();
    let joss =
        site.out("works/journal-of-open-source-software-joss-design-and-first-year/index.html");
    assert!(joss.contains("Jacob T Vanderplas") && joss.contains("doi:10.7717/peerj-cs.147"));
    assert!(site
        .out("works/work-title-1-work-1-subtitle/index.html")
        .contains("Work Title 1: Work 1 subtitle"));
}

#[test]
fn malformed_entries_get_located_errors_and_the_rest_is_imported() {
    let cases: [(&str, &str, &[&str], usize); 4] = [
        ("bibtex", "broken/broken.bib", &["broken.bib:3:92: error: `undefinedjournal` is not a defined @string macro", "broken.bib:5: error: field `title`: entry `no-title` has no title", "broken.bib:7: error: field `year`: entry `bad-year`: `soon` is not a year", "broken.bib:9:1: error: the entry is not closed"], 2),
        ("orcid", "broken/broken-orcid.json", &["broken-orcid.json: error: field `group[1].work-summary[0].title.title`: the work has no title", "field `group[2].work-summary[0].publication-date.year`: year 3020 is out of range", "field `group[3].work-summary`: the group has no work summary"], 1),
        ("openalex", "broken/broken-openalex.jsonl", &["broken-openalex.jsonl:2:67: error: not valid JSON: EOF while parsing a value", "broken-openalex.jsonl:3: error: field `title`: the work has no title", "broken-openalex.jsonl:4: error: field `publication_year`: `\"next year\"` is not a year"], 1),
        ("csl-json", "broken/broken-csl.json", &["broken-csl.json: error: field `[1].title`: the item has no title", "field `[2].issued`: year 12 is out of range", "field `[3].author[0]`: an author has neither `family` nor `literal`"], 1),
    ];
    for (format, file, needles, good) in cases {
        let site = Site::new();
        let run = site.run(&["import", format, &fixture(file)]).ok();
        for n in needles {
            assert!(
                run.stderr.contains(n),
                "{}: stderr lacks {:?}:\n{}",
                file,
                n,
                run.stderr
            );
        }
        assert!(
            run.stdout.contains(&format!("works: {} added", good)),
            "{}",
            run.stdout
        );
        site.build().ok();
        assert_eq!(work_pages(&site), good);
        // --strict: the same errors, exit 1, and nothing written.
        let site = Site::new();
        site.run(&["import", format, &fixture(file), "--strict"])
            .fails_with(&[needles[0], "nothing was written"]);
        assert!(!site
            .path(&format!("content/works/imported-{}.jsonl", format))
            .exists());
    }
    // A file that is not JSON at all fails the import.
    Site::new()
        .run(&["import", "csl-json", &fixture("broken/truncated.json")])
        .fails_with(&["truncated.json:1:", "not valid JSON"]);
}

#[test]
fn hand_written_work_wins_and_versions_are_linked() {
    let site = Site::new();
    site.work("state-of-oa", "title = \"The State of OA (hand-kept)\"\ndoi = \"https://doi.org/10.7717/PEERJ.4375\"\nyear = 2018");
    site.file(
        "pair.bib",
        "@article{pre, author = {Ada Lovelace}, title = {Notes on the Engine}, journal = {CoRR}, year = {2020}, eprint = {2001.01234}, archivePrefix = {arXiv}}\n\
         @article{pub, author = {Lovelace, Ada}, title = {Notes on the engine}, journal = {Journal of Engines}, year = {2021}, doi = {10.5555/engine.1}, eprint = {2001.01234}}\n",
    );
    let run = site
        .run(&["import", "openalex", &fixture("openalex/W2741809807.json")])
        .ok();
    assert!(run.stdout.contains("the same work as hand-written `state-of-oa` (content/works/state-of-oa.md:1), matched by DOI; hand-written wins"), "{}", run.stdout);
    assert!(!site.path("content/works/imported-openalex.jsonl").exists());
    assert!(
        !site
            .path("content/institutions/imported-openalex.jsonl")
            .exists(),
        "no institutions for a skipped work"
    );
    let run = site.run(&["import", "bibtex", "pair.bib"]).ok();
    assert!(
        run.stdout
            .contains("works: 2 added, 0 merged, 1 version links"),
        "{}",
        run.stdout
    );
    site.build().ok();
    let pre = site.out("works/notes-on-the-engine/index.html");
    assert!(
        pre.contains("Other versions") && pre.contains("works/notes-on-the-engine-2/"),
        "{}",
        pre
    );
    assert!(site
        .out("works/notes-on-the-engine-2/index.html")
        .contains("works/notes-on-the-engine/"));
    assert!(site
        .out("works/state-of-oa/index.html")
        .contains("The State of OA (hand-kept)"));
}

#[test]
fn dry_run_writes_nothing_and_researchers_can_be_created() {
    let site = Site::new();
    let run = site
        .run(&[
            "import",
            "bibtex",
            &fixture("bibtex/hand-kept.bib"),
            "--dry-run",
            "--create-researchers",
            "2",
        ])
        .ok();
    assert!(
        run.stdout.contains("not written (--dry-run)"),
        "{}",
        run.stdout
    );
    assert!(!site.path("content/works/imported-bibtex.jsonl").exists());
    let run = site
        .run(&[
            "import",
            "bibtex",
            &fixture("bibtex/hand-kept.bib"),
            "--create-researchers",
            "2",
        ])
        .ok();
    // Chenxi Qiu is on all six; five co-authors are on two each.
    assert_eq!(
        run.stdout.matches("created researcher").count(),
        6,
        "{}",
        run.stdout
    );
    site.build().ok();
    assert_eq!(profile_json(&site, "chenxi-qiu")["counts"]["works"], 6);
    assert_eq!(profile_json(&site, "haiying-shen")["counts"]["works"], 2);
    // An unknown --researcher is a usage error.
    let run = site.run(&[
        "import",
        "bibtex",
        &fixture("bibtex/dblp.bib"),
        "--researcher",
        "nobody",
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
}

#[test]
fn affiliations_stay_with_their_author_when_an_author_is_dropped() {
    let site = Site::new();
    site.researcher("ada", "name = \"Ada Lovelace\"");
    site.file(
        "content/institutions/cam.md",
        "+++\nname = \"Cambridge\"\n+++\n",
    );
    site.file("content/institutions/ucl.md", "+++\nname = \"UCL\"\n+++\n");
    // The second listing of `ada` is dropped with a warning; its
    // affiliation must not move to the next author or past the list.
    site.file(
        "content/works/w.jsonl",
        r#"{"id": "w", "title": "W", "authors": [{"id": "ada", "institutions": ["cam"]}, {"id": "ada", "institutions": ["ucl"]}, {"name": "Bo Babbage"}]}"#,
    );
    let run = site.build().ok();
    assert!(
        run.stderr.contains("researcher `ada` is listed twice"),
        "{}",
        run.stderr
    );
    let page = site.out("works/w/index.html");
    assert_eq!(
        page.matches("<span class=\"affil\">").count(),
        1,
        "{}",
        page
    );
    assert!(page.contains("institutions/cam/") && !page.contains("institutions/ucl/"));
}
