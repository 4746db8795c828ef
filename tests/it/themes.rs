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
