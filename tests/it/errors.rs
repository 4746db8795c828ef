//! Bad input of every kind: a located message, exit 1, nothing written.

use crate::support::Site;

/// A site with one good researcher, plus whatever the test adds.
fn site() -> Site {
    let s = Site::new();
    s.researcher("ada", "name = \"Ada\"");
    s
}

#[test]
fn malformed_toml_front_matter() {
    let s = site();
    s.file(
        "content/works/w.md",
        "+++\ntitle = \"x\"\nyear = = 3\n+++\n",
    );
    s.build().fails_with(&["content/works/w.md:3:"]);
}

#[test]
fn malformed_yaml_front_matter() {
    let s = site();
    s.file(
        "content/works/w.md",
        "---\ntitle: x\nauthors: [unclosed\n---\n",
    );
    s.build().fails_with(&["content/works/w.md:"]);
}

#[test]
fn malformed_json_line() {
    let s = site();
    s.file(
        "content/works/w.jsonl",
        "{\"id\":\"a\",\"title\":\"A\"}\n{\"id\":\"b\",\"title\":\n",
    );
    s.build().fails_with(&[
        "content/works/w.jsonl:2:",
        "each line must be one complete JSON object",
    ]);
}

#[test]
fn json_line_that_is_not_an_object() {
    let s = site();
    s.file(
        "content/works/w.jsonl",
        &format!(
            "{}{}\n\"just a string\"\n",
            "[".repeat(5000),
            "]".repeat(5000)
        ),
    );
    let run = s.build().fails_with(&[
        "content/works/w.jsonl:1: error: the line is not a JSON object",
        "content/works/w.jsonl:2: error: the line is not a JSON object",
    ]);
    assert!(!run.stderr.contains("panicked"));
}

#[test]
fn wrong_type() {
    let s = site();
    s.work("w", "title = \"x\"\nyear = \"nineteen\"");
    s.build().fails_with(&[
        "content/works/w.md:3:",
        "field `year`",
        "invalid type: string \"nineteen\"",
    ]);
}

#[test]
fn wrong_type_in_json_lines_names_the_field_path() {
    let s = site();
    s.file(
        "content/works/w.jsonl",
        "{\"id\":\"a\",\"title\":\"A\",\"authors\":[{\"id\":\"ada\"},{\"name\":42}]}\n",
    );
    s.build().fails_with(&[
        "content/works/w.jsonl:1:",
        "field `authors[1].name`",
        "invalid type: integer",
    ]);
}

#[test]
fn missing_required_field() {
    let s = site();
    s.researcher("bob", "headline = \"No name\"");
    s.build()
        .fails_with(&["content/researchers/bob.md", "missing field `name`"]);
}

#[test]
fn unknown_field_gets_a_hint() {
    let s = site();
    s.researcher("bob", "nmae = \"Bob\"");
    s.build().fails_with(&[
        "content/researchers/bob.md:2:",
        "unknown field `nmae`",
        "did you mean `name`?",
    ]);
}

#[test]
fn invalid_id() {
    let s = site();
    s.work("Bad_Id", "title = \"x\"");
    s.build().fails_with(&[
        "content/works/Bad_Id.md",
        "must start with a lower-case letter",
        "bad-id",
    ]);
}

#[test]
fn id_that_would_leave_the_output_folder() {
    let s = site();
    s.file(
        "content/works/w.jsonl",
        "{\"id\":\"../../etc/passwd\",\"title\":\"x\"}\n",
    );
    s.build().fails_with(&[
        "content/works/w.jsonl:1",
        "field `id`",
        "must start with a lower-case letter",
    ]);
    assert!(!s.path("etc").exists());
}

#[test]
fn duplicate_ids_name_both_places() {
    let s = site();
    s.work("w", "title = \"x\"");
    s.file(
        "content/works/more.jsonl",
        "{\"id\":\"other\",\"title\":\"y\"}\n{\"id\":\"w\",\"title\":\"z\"}\n",
    );
    s.build().fails_with(&[
        "duplicate work id `w`",
        "content/works/more.jsonl:2",
        "content/works/w.md:1",
    ]);
}

#[test]
fn unknown_researcher_reference() {
    let s = site();
    s.work(
        "w",
        "title = \"x\"\nauthors = [{ id = \"ada\" }, { id = \"nobody\" }]",
    );
    s.build().fails_with(&[
        "content/works/w.md:3: error: field `authors[1].id`: no researcher with id `nobody`",
    ]);
}

#[test]
fn unknown_institution_reference() {
    let s = site();
    s.researcher("bob", "name = \"Bob\"\naffiliation = \"mit\"");
    s.build().fails_with(&[
        "content/researchers/bob.md:3: error: field `affiliation`: no institution with id `mit`",
    ]);
}

#[test]
fn out_of_range_values() {
    let s = site();
    s.work("w", "title = \"x\"\nyear = 3020");
    s.researcher(
        "bob",
        "name = \"Bob\"\ntrust = { score = 140, verification = \"L9\" }",
    );
    s.build().fails_with(&[
        "content/works/w.md:3: error: field `year`: year 3020 is out of range",
        "trust score 140 is outside 0..100",
        "verification `L9` is not a level",
    ]);
}

#[test]
fn invalid_utf8() {
    let s = site();
    s.bytes("content/works/w.md", b"+++\ntitle = \"caf\xe9\"\n+++\n");
    s.build()
        .fails_with(&["content/works/w.md:2:13: error: the file is not valid UTF-8"]);
}

#[test]
fn empty_file() {
    let s = site();
    s.file("content/works/w.md", "");
    s.build()
        .fails_with(&["content/works/w.md: error: the file is empty"]);
}

#[test]
fn huge_file() {
    let s = site();
    let mut big = String::from("+++\ntitle = \"x\"\n+++\n");
    big.push_str(&"a".repeat(17 << 20));
    s.file("content/works/w.md", &big);
    s.build()
        .fails_with(&["content/works/w.md: error: the file is", "bytes; the limit"]);
}

#[test]
fn unsafe_link_schemes() {
    let s = site();
    s.researcher("bob", "name = \"Bob\"\nlinks = [\"javascript:alert(1)\", { label = \"x\", url = \"data:text/html,hi\" }]");
    s.work("w", "title = \"x\"\nurl = \"vbscript:x\"");
    s.build().fails_with(&[
        "field `links[0]`: `javascript:alert(1)` is not an http(s) or mailto link",
        "field `links[1]`",
        "field `url`",
    ]);
}

#[test]
fn missing_front_matter() {
    let s = site();
    s.file("content/works/w.md", "Just text\n");
    s.build()
        .fails_with(&["content/works/w.md:1: error: the file does not start with front matter"]);
}

#[test]
fn every_error_is_reported_in_one_run() {
    let s = site();
    s.work("a", "title = \"x\"\nyear = 99999");
    s.work("b", "titel = \"x\"");
    s.file("content/works/c.jsonl", "not json\n");
    let run = s.build().fails_with(&[
        "content/works/a.md",
        "content/works/b.md",
        "content/works/c.jsonl",
    ]);
    assert!(run.stderr.contains("3 error(s)"), "{}", run.stderr);
}

#[test]
fn bad_site_toml() {
    let s = site();
    s.file("site.toml", "title = \"x\"\nbase_url = \"ftp://example.org\"\n[trust]\nbands = [{ min = 10, label = \"Low\" }]\n");
    s.build().fails_with(&[
        "site.toml:2: error: field `base_url`",
        "site.toml",
        "do not cover score 0",
    ]);
    s.file("site.toml", "title = \"x\"\n[graph]\nnode_budgt = 3\n");
    s.build()
        .fails_with(&["site.toml:3:", "did you mean `node_budget`?"]);
    s.remove("site.toml");
    s.build().fails_with(&["no site.toml"]);
}

#[test]
fn bad_usage_exits_2() {
    let s = site();
    assert_eq!(s.run(&["build", "--no-such-flag"]).code, 2);
    assert_eq!(s.run(&["frobnicate"]).code, 2);
    assert_eq!(s.run(&[]).code, 2);
}

/// A failed build leaves the previous output byte for byte as it was.
#[test]
fn failed_build_leaves_output_untouched() {
    let s = Site::example();
    s.build().ok();
    let before = s.snapshot("output");
    s.file("content/works/broken.md", "+++\ntitle = 3\n+++\n");
    s.build().fails_with(&["content/works/broken.md:2:"]);
    assert_eq!(before, s.snapshot("output"));
    let leftovers: Vec<_> = std::fs::read_dir(s.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.to_string_lossy().contains("staging"))
        .collect();
    assert!(leftovers.is_empty(), "{:?}", leftovers);
}
