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
    if prose_line(md) {
        return SafeHtml(prose_html(md).into());
    }
    render_events(events(md), md.len())
}

/// Whether byte `b` may give a line of text a Markdown meaning, or be
/// changed by it: ASCII controls, and the marks of emphasis, code, links,
/// images, raw HTML, entities, escapes, tables, strikethrough, footnotes
/// and headings. Comparisons, not a table, so that a line's bytes are
/// tested many at a time.
fn marks(b: u8) -> bool {
    (b < 0x20)
        | (b == 0x7f)
        | (b == b'\\')
        | (b == b'`')
        | (b == b'*')
        | (b == b'_')
        | (b == b'[')
        | (b == b']')
        | (b == b'<')
        | (b == b'>')
        | (b == b'!')
        | (b == b'&')
        | (b == b'|')
        | (b == b'~')
        | (b == b'^')
        | (b == b'#')
}

/// Whether `md` is one line of prose that Markdown leaves as it is: one
/// paragraph, its text unchanged and nothing in it to escape. Most
/// abstracts are, and for them the parse was most of the cost of a page.
/// Nothing at its start may open a block (a list, a quote, a code block)
/// and nothing at its ends is trimmed.
fn prose_line(md: &str) -> bool {
    let (Some(first), Some(last)) = (md.chars().next(), md.chars().next_back()) else {
        return false;
    };
    let opens_block = first.is_ascii_digit() || matches!(first, '-' | '+' | '=');
    !opens_block
        && !first.is_whitespace()
        && !last.is_whitespace()
        && md
            .as_bytes()
            .chunks(64)
            .all(|c| !c.iter().fold(false, |any, &b| any | marks(b)))
        && (md.is_ascii() || md.chars().all(|c| !c.is_control() && c != '\u{feff}'))
}

/// The HTML of a [`prose_line`]: its one paragraph.
fn prose_html(md: &str) -> String {
    let mut html = String::with_capacity(md.len() + 8);
    html.push_str("<p>");
    html.push_str(md);
    html.push_str("</p>\n");
    html
}

/// [`render`] of `md`, and a plain-text excerpt of it for meta
/// descriptions, from one parse: the text as the HTML shows it, footnotes
/// left out, cut at a word within `max_chars`.
pub fn render_with_excerpt(md: &str, max_chars: usize) -> (SafeHtml, String) {
    if prose_line(md) {
        // The parser's one text event, then the space its paragraph's end
        // adds: more than `max_chars` when the text has as many.
        let more = max_chars == 0 || md.chars().nth(max_chars - 1).is_some();
        return (
            SafeHtml(prose_html(md).into()),
            cut_excerpt(md, more, max_chars),
        );
    }
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
    cut_excerpt(&out, more, max_chars)
}

/// The words of `out`, the text so far, joined by single spaces and cut
/// at a word within `max_chars`; `more` when text was left out after it.
fn cut_excerpt(out: &str, more: bool, max_chars: usize) -> String {
    // An ASCII text's words are found byte by byte, each byte a char: the
    // Unicode-aware split was most of an abstract's cost once its Markdown
    // needed no parse. The same whitespace either way.
    if out.is_ascii() {
        let b = out.as_bytes();
        let space = |i: usize| matches!(b[i], b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r');
        let mut i = 0;
        let words = std::iter::from_fn(|| {
            while i < b.len() && space(i) {
                i += 1;
            }
            let start = i;
            while i < b.len() && !space(i) {
                i += 1;
            }
            (start < i).then(|| &out[start..i])
        });
        return joined_excerpt(words, str::len, more, max_chars, out.len());
    }
    let count = |w: &str| w.chars().count();
    joined_excerpt(out.split_whitespace(), count, more, max_chars, out.len())
}

/// `words` joined by single spaces, only as far as the excerpt can reach,
/// and cut at a word within `max_chars`; `chars` counts a word's chars,
/// and `len` is the length of the text they come from.
fn joined_excerpt<'a>(
    words: impl Iterator<Item = &'a str>,
    chars: impl Fn(&str) -> usize,
    more: bool,
    max_chars: usize,
    len: usize,
) -> String {
    // An abstract's text comes as one event, most of it past the cut, and
    // joining all of it was 1% of a cold build. A short text's excerpt is
    // kept as it is joined, so it is given no more room than it takes.
    let capacity = len.min(4 * max_chars);
    let (mut joined, mut n, mut over) = (String::with_capacity(capacity), 0, false);
    for w in words {
        if !joined.is_empty() {
            joined.push(' ');
            n += 1;
        }
        joined.push_str(w);
        n += chars(w);
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

    /// What the parser makes of `md`: its HTML and its excerpt.
    fn parsed(md: &str, max_chars: usize) -> (String, String) {
        let html = render_events(events(md), md.len());
        (
            html.as_str().to_string(),
            excerpt_of(&events(md), max_chars),
        )
    }

    #[test]
    fn a_line_of_prose_is_what_the_parser_makes_of_it() {
        // Every char that matters to Markdown at the start, the end or
        // inside a line, mixed among prose: a line taken for prose must
        // come out as the parser makes it, at any excerpt length.
        let alphabet: Vec<char> =
            "abcXYZ 09.,;:-+=()'/%$?@{}éü中\u{a0}\u{2003}\u{85}\u{feff}\0*_[]`<>&\"#|~^!\\\n\r\t"
                .chars()
                .collect();
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = |n: usize| next(&mut seed, n);
        let mut prose = 0;
        for _ in 0..20_000 {
            let len = 1 + next(40);
            let md: String = (0..len)
                .map(|_| {
                    // Mostly letters and spaces, so that many lines are prose.
                    if next(4) == 0 {
                        alphabet[next(alphabet.len())]
                    } else {
                        alphabet[next(7)]
                    }
                })
                .collect();
            if !prose_line(&md) {
                continue;
            }
            prose += 1;
            for max in [0, 3, 10, 100] {
                let (html, excerpt) = render_with_excerpt(&md, max);
                assert_eq!(
                    (html.as_str().to_string(), excerpt),
                    parsed(&md, max),
                    "{:?}",
                    md
                );
            }
            assert_eq!(render(&md).as_str(), parsed(&md, 0).0, "{:?}", md);
        }
        assert!(prose > 2_000, "only {} lines of prose", prose);
        for md in [
            "",
            " a",
            "a ",
            "1. a",
            "1) a",
            "- a",
            "+ a",
            "= a",
            "a\nb",
            "a *b*",
            "a\tb",
            "\u{a0}a",
            "a\u{85}b",
            "\u{feff}a",
            "a &amp; b",
            "a\\b",
        ] {
            assert!(!prose_line(md), "{:?}", md);
        }
    }

    #[test]
    fn ascii_words_are_split_where_any_text_is() {
        // Every whitespace char::is_whitespace knows in ASCII, the vertical
        // tab among them, which is_ascii_whitespace leaves out.
        let alphabet: Vec<char> = "ab \t\n\x0b\x0c\r.-".chars().collect();
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        for _ in 0..5_000 {
            let len = next(&mut seed, 30);
            let text: String = (0..len)
                .map(|_| alphabet[next(&mut seed, alphabet.len())])
                .collect();
            for (more, max) in [(false, 0), (true, 0), (false, 5), (true, 5), (false, 40)] {
                let count = |w: &str| w.chars().count();
                let unicode = joined_excerpt(text.split_whitespace(), count, more, max, 0);
                assert_eq!(cut_excerpt(&text, more, max), unicode, "{:?}", text);
            }
        }
    }

    /// A xorshift step: a number below `n`.
    fn next(seed: &mut u64, n: usize) -> usize {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        (*seed % n as u64) as usize
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
