//! Markdown → sanitised HTML. The only way to obtain [`SafeHtml`], the one
//! kind of user-derived text templates may print unescaped.

use pulldown_cmark::{html, Options, Parser};
use serde::Serialize;
use std::sync::OnceLock;

/// HTML that went through the sanitiser. Shared, not copied: `serve`
/// hands an unchanged abstract's HTML from one load to the next.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SafeHtml(std::sync::Arc<str>);

impl SafeHtml {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Serialize for SafeHtml {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

fn sanitiser() -> &'static ammonia::Builder<'static> {
    static B: OnceLock<ammonia::Builder<'static>> = OnceLock::new();
    B.get_or_init(|| {
        let mut b = ammonia::Builder::default();
        b.url_schemes(["http", "https", "mailto"].into_iter().collect())
            .link_rel(Some("noopener noreferrer nofollow"))
            .rm_tags(["img"]);
        b
    })
}

/// Renders Markdown to sanitised HTML.
///
/// pulldown-cmark escapes all text itself; what it passes through
/// unescaped is raw HTML, and link or image destinations. So Markdown with
/// neither raw HTML nor images, whose links all use safe schemes, yields
/// safe HTML as it is (with our `rel` added to links), and only the rest
/// goes through the ammonia sanitiser. Most abstracts are plain prose, and
/// parsing each again as HTML was the larger part of rendering them.
pub fn render(md: &str) -> SafeHtml {
    render_events(events(md), md.len())
}

/// [`render`] of `md`, and a plain-text excerpt of it for meta
/// descriptions, from one parse: the text as the HTML shows it, footnotes
/// left out, cut at a word within `max_chars`.
pub fn render_with_excerpt(md: &str, max_chars: usize) -> (SafeHtml, String) {
    let events = events(md);
    let excerpt = excerpt_of(&events, max_chars);
    (render_events(events, md.len()), excerpt)
}

fn events(md: &str) -> Vec<pulldown_cmark::Event<'_>> {
    let mut opts = Options::empty();
    opts.insert(Options::ENABLE_TABLES);
    opts.insert(Options::ENABLE_STRIKETHROUGH);
    opts.insert(Options::ENABLE_FOOTNOTES);
    Parser::new_ext(md, opts).collect()
}

/// HTML of `events`, parsed from `len` bytes of Markdown.
fn render_events(events: Vec<pulldown_cmark::Event>, len: usize) -> SafeHtml {
    use pulldown_cmark::{Event, Tag};
    let plain = events.iter().all(|e| match e {
        Event::Html(_) | Event::InlineHtml(_) => false,
        Event::Start(Tag::Image { .. }) => false,
        Event::Start(Tag::Link { dest_url, .. }) => safe_link(dest_url),
        _ => true,
    });
    let mut raw = String::with_capacity(len + len / 4);
    html::push_html(&mut raw, events.into_iter());
    if plain && !raw.contains("<a href=") {
        SafeHtml(raw.into())
    } else if plain {
        SafeHtml(
            raw.replace("<a href=", "<a rel=\"noopener noreferrer nofollow\" href=")
                .into(),
        )
    } else {
        SafeHtml(sanitiser().clean(&raw).to_string().into())
    }
}

/// http, https and mailto links, and relative ones without a scheme.
fn safe_link(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("mailto:")
    {
        return true;
    }
    // No scheme: nothing before the first '/', '?' or '#' may contain ':'.
    let head = lower.split(['/', '?', '#']).next().unwrap_or("");
    !head.contains(':') && !url.chars().any(|c| c.is_control())
}

fn excerpt_of(events: &[pulldown_cmark::Event], max_chars: usize) -> String {
    use pulldown_cmark::{Event, Tag, TagEnd};
    let mut out = String::new();
    // Counted as text is added: counting `out` after every event was
    // quadratic in the text.
    let (mut chars, mut more, mut footnote) = (0, false, 0);
    for ev in events {
        match ev {
            Event::Start(Tag::FootnoteDefinition(_)) => footnote += 1,
            Event::End(TagEnd::FootnoteDefinition) => footnote -= 1,
            _ if footnote > 0 => {}
            Event::Text(t) | Event::Code(t) => {
                out.push_str(t);
                chars += t.chars().count();
            }
            Event::SoftBreak | Event::HardBreak | Event::End(_) => {
                if !out.ends_with(' ') {
                    out.push(' ');
                    chars += 1;
                }
            }
            _ => {}
        }
        if chars > max_chars {
            more = true;
            break;
        }
    }
    // The words joined by single spaces, only as far as the excerpt can
    // reach: an abstract's text comes as one event, most of it past the
    // cut, and joining all of it was 1% of a cold build.
    let (mut joined, mut n, mut over) = (
        String::with_capacity(out.len().min(4 * max_chars)),
        0,
        false,
    );
    for w in out.split_whitespace() {
        if !joined.is_empty() {
            joined.push(' ');
            n += 1;
        }
        joined.push_str(w);
        n += w.chars().count();
        if n > max_chars {
            over = true;
            break;
        }
    }
    let out = joined;
    if over {
        let cut: String = out.chars().take(max_chars).collect();
        let cut = cut
            .rsplit_once(' ')
            .map_or(cut.as_str(), |(a, _)| a)
            .to_string();
        format!("{}…", cut)
    } else if more {
        let cut = out.rsplit_once(' ').map_or(out.as_str(), |(a, _)| a);
        format!("{}…", cut)
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain_excerpt(md: &str, max_chars: usize) -> String {
        render_with_excerpt(md, max_chars).1
    }

    #[test]
    fn strips_scripts_and_bad_links() {
        let h = render(
            "hi <script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>",
        );
        assert!(!h.as_str().contains("<script"));
        assert!(!h.as_str().contains("javascript:"));
        assert!(!h.as_str().contains("onerror"));
        let h = render("[ok](https://example.org)");
        assert!(h.as_str().contains("href=\"https://example.org\""));
        assert!(h.as_str().contains("noopener"));
    }

    #[test]
    fn fast_path_matches_the_sanitiser() {
        for md in [
            "Plain *text* with `code` & <3 > 2",
            "A [link](https://x.org/a?b=1&c=2) and [rel](../x) and <https://auto.org>",
            "| a | b |\n|---|---|\n| 1 | 2 |",
        ] {
            let fast = render(md);
            let opts =
                Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_FOOTNOTES;
            let mut raw = String::new();
            html::push_html(&mut raw, Parser::new_ext(md, opts));
            let slow = sanitiser().clean(&raw).to_string();
            assert_eq!(
                fast.as_str()
                    .replace(" rel=\"noopener noreferrer nofollow\"", ""),
                slow.replace(" rel=\"noopener noreferrer nofollow\"", ""),
                "{}",
                md
            );
        }
        assert!(!render("[x](javascript:alert(1))")
            .as_str()
            .contains("javascript"));
        assert!(!render("[x](JAVASCRIPT:alert(1))")
            .as_str()
            .contains("JAVASCRIPT"));
        assert!(!render("[x](data:text/html,hi)").as_str().contains("data:"));
    }

    #[test]
    fn excerpt() {
        assert_eq!(
            plain_excerpt("**Bold** text\n\nmore", 100),
            "Bold text more"
        );
        assert_eq!(plain_excerpt("one two three four", 9), "one two…");
        let long = format!("*Long* {}", "word ".repeat(2000));
        assert_eq!(plain_excerpt(&long, 20), "Long word word word…");
        assert_eq!(
            plain_excerpt(&"word ".repeat(21), 100),
            "word ".repeat(20).trim_end().to_string() + "…"
        );
        // The text as the page shows it: struck text and table cells
        // without their marks, footnotes left out.
        assert_eq!(
            plain_excerpt(
                "~~old~~ new[^1]\n\n| a | b |\n|---|---|\n| c | d |\n\n[^1]: A note.",
                100
            ),
            "old new a b c d"
        );
        // A reference defined after the cut still makes its link text.
        let long = format!(
            "[Linked][r] {}\n\n[r]: https://example.org",
            "word ".repeat(100)
        );
        assert!(plain_excerpt(&long, 30).starts_with("Linked word"));
        let (html, excerpt) = render_with_excerpt("**Bold** text", 100);
        assert_eq!(
            (html.as_str(), excerpt.as_str()),
            ("<p><strong>Bold</strong> text</p>\n", "Bold text")
        );
    }
}
