//! A site theme overrides the default per file or per block.

use crate::support::{visible, Site};

#[test]
fn theme_overrides_a_block_and_adds_static_files() {
    let s = Site::example();
    s.file("site.toml", "title = \"Lab\"\ntheme = \"lab\"\n")
        .file(
            "themes/lab/templates/profile.html",
            "{% extends \"default/profile.html\" %}{% block trust %}<p class=\"lab-trust\">Lab says hello to {{ page.name }}</p>{% endblock trust %}",
        )
        .file("themes/lab/templates/404.html", "{% extends \"base.html\" %}{% block content %}Lost in the lab{% endblock content %}")
        .file("themes/lab/static/logo.txt", "logo");
    s.build().ok();
    let page = s.out("researchers/dajiang-zhu/index.html");
    assert!(page.contains("<p class=\"lab-trust\">Lab says hello to Dajiang Zhu</p>"));
    assert!(!visible(&page).contains("Trust snapshot"));
    assert!(
        visible(&page).contains("12 published items"),
        "other blocks stay"
    );
    assert!(visible(&s.out("404.html")).contains("Lost in the lab"));
    assert_eq!(s.out("logo.txt"), "logo");
}

#[test]
fn broken_or_missing_theme_is_an_error() {
    let s = Site::example();
    s.file("site.toml", "title = \"Lab\"\ntheme = \"nope\"\n");
    s.build().fails_with(&["theme `nope` not found"]);
    s.file("site.toml", "title = \"Lab\"\ntheme = \"bad\"\n")
        .file("themes/bad/templates/profile.html", "{% block x %}");
    s.build().fails_with(&["themes/bad/templates"]);
}

#[test]
fn work_item_template_lists_works_everywhere() {
    let s = Site::example();
    s.file("site.toml", "title = \"Lab\"\ntheme = \"lab\"\n").file(
        "themes/lab/templates/work_item.html",
        "<li class=\"lab-work\">{{ work.year }}: {{ work.title }}{% if abstract %} [with abstract]{% endif %}</li>",
    );
    s.build().ok();
    let profile = s.out("researchers/dajiang-zhu/index.html");
    assert_eq!(
        profile.matches("<li class=\"lab-work\">").count(),
        12,
        "one item per work on the profile"
    );
    assert_eq!(profile.matches("[with abstract]").count(), 12);
    let works = s.out("works/index.html");
    assert_eq!(works.matches("<li class=\"lab-work\">").count(), 15);
    assert!(
        !works.contains("[with abstract]"),
        "lists other than profiles have no abstracts"
    );
    s.file("themes/lab/templates/work_item.html", "{{ work.nope }}");
    s.build().fails_with(&["work_item.html"]);
}

/// Items with abstracts are rendered ahead for works on two profiles and
/// kept without the abstract, which is put back where it was: whatever
/// the theme does with the abstract, each item is as rendered.
#[test]
fn items_rendered_ahead_keep_what_the_theme_makes_of_the_abstract() {
    let s = Site::example();
    s.file("site.toml", "title = \"Lab\"\ntheme = \"lab\"\n").file(
        "themes/lab/templates/work_item.html",
        "<li>{{ work.title }}{% if abstract %}<div>{{ work.abstract_html | safe }}</div><pre>{{ work.abstract_html | striptags | safe }}</pre><s>{{ work.abstract_html }}</s>{% endif %}</li>\n",
    );
    s.build().ok();
    let strip = |html: &str| {
        let mut out = String::new();
        let mut in_tag = false;
        for c in html.chars() {
            match c {
                '<' => in_tag = true,
                '>' => in_tag = false,
                c if !in_tag => out.push(c),
                _ => {}
            }
        }
        out
    };
    for (id, n) in [("dajiang-zhu", 12), ("zhengliang-liu", 7)] {
        let profile = s.out(&format!("researchers/{}/index.html", id));
        let items: Vec<&str> = profile
            .split("<li>")
            .skip(1)
            .filter(|i| i.contains("<pre>"))
            .collect();
        assert_eq!(items.len(), n, "{}: one item with abstract per work", id);
        for item in items {
            let div = &item[item.find("<div>").unwrap() + 5..item.find("</div>").unwrap()];
            let pre = &item[item.find("<pre>").unwrap() + 5..item.find("</pre>").unwrap()];
            let esc = &item[item.find("<s>").unwrap() + 3..item.find("</s>").unwrap()];
            assert!(
                div.starts_with("<p>") && div.len() > 100,
                "{}: {}",
                id,
                item
            );
            assert_eq!(strip(div).trim(), pre.trim(), "{}: {}", id, item);
            assert!(esc.starts_with("&lt;p&gt;"), "{}: {}", id, item);
        }
    }
}
