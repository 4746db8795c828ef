//! Untrusted data stays data: escaped in HTML, sanitised in Markdown,
//! and safe inside embedded JSON.

use crate::support::Site;

#[test]
fn hostile_strings_are_escaped() {
    let s = Site::new();
    s.file(
        "content/researchers/eve.md",
        "+++\nname = \"<script>alert('name')</script>\"\nheadline = '\" onmouseover=\"alert(1)'\nlinks = [{ label = \"<b>x</b>\", url = \"https://e.org/?q=\\\"><script>\" }]\n+++\nHello <script>alert('bio')</script> <img src=x onerror=alert(1)> [click](javascript:alert(1)) <a href=\"javascript:alert(2)\">a</a>\n",
    )
    .work("w", "title = \"</script><script>alert('title')</script>\"\nvenue = \"<iframe src=//evil>\"\nauthors = [{ id = \"eve\" }, \"<svg onload=alert(1)>\"]\ntopics = [\"<b>bold</b>\"]\nabstract = \"Found <script>alert('abstract')</script> <img src=x onerror=alert(3)> [x](javascript:alert(4)) *here*.\"");
    s.build().ok();
    for rel in [
        "researchers/eve/index.html",
        "works/w/index.html",
        "index.html",
        "topics/b-bold-b/index.html",
    ] {
        let html = s.out(rel);
        for bad in [
            "<script>alert",
            "onmouseover=\"",
            "onerror",
            "javascript:",
            "<iframe",
            "<svg onload",
            "<b>bold",
        ] {
            assert!(!html.contains(bad), "{} contains {:?}", rel, bad);
        }
    }
    // The abstract is there, sanitised, on the profile and the work page.
    for rel in ["researchers/eve/index.html", "works/w/index.html"] {
        assert!(
            s.out(rel).contains("<em>here</em>"),
            "{} lacks the abstract",
            rel
        );
    }
    let profile = s.out("researchers/eve/index.html");
    assert!(profile.contains("&lt;script&gt;alert(&#x27;name&#x27;)&lt;/script&gt;"));
    // The JSON-LD block cannot be closed early by data.
    let ld = &profile[profile.find("application/ld+json").unwrap()..];
    let ld = &ld[..ld.find("</script>").unwrap()];
    assert!(ld.contains("\\u003cscript\\u003e"), "{}", ld);
    let work = s.out("works/w/index.html");
    let ld = &work[work.find("application/ld+json").unwrap()..];
    assert!(ld[..ld.find("</script>").unwrap()].contains("\\u003c/script\\u003e"));
}
