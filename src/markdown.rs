//! Markdown → sanitised HTML. The only way to obtain [`SafeHtml`], the one
//! kind of user-derived text templates may print unescaped.

use pulldown_cmark::{html, Options, Parser};
use serde::Serialize;
use std::sync::OnceLock;

/// HTML that went through the sanitiser.
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct SafeHtml(String);

impl SafeHtml {
    pub fn as_str(&self) -> &str {
        &self.0
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

pub fn render(md: &str) -> SafeHtml {
    let mut opts = Options::empty();
    opts.insert(Options::ENABLE_TABLES);
    opts.insert(Options::ENABLE_STRIKETHROUGH);
    opts.insert(Options::ENABLE_FOOTNOTES);
    let parser = Parser::new_ext(md, opts);
    let mut raw = String::with_capacity(md.len() + md.len() / 4);
    html::push_html(&mut raw, parser);
    SafeHtml(sanitiser().clean(&raw).to_string())
}

/// A plain-text excerpt of Markdown, for meta descriptions.
pub fn plain_excerpt(md: &str, max_chars: usize) -> String {
    use pulldown_cmark::Event;
    let mut out = String::new();
    for ev in Parser::new(md) {
        match ev {
            Event::Text(t) | Event::Code(t) => out.push_str(&t),
            Event::SoftBreak | Event::HardBreak | Event::End(_) => {
                if !out.ends_with(' ') {
                    out.push(' ');
                }
            }
            _ => {}
        }
        if out.chars().count() > max_chars {
            break;
        }
    }
    let out = out.split_whitespace().collect::<Vec<_>>().join(" ");
    if out.chars().count() > max_chars {
        let cut: String = out.chars().take(max_chars).collect();
        let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(a, _)| a).to_string();
        format!("{}…", cut)
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_scripts_and_bad_links() {
        let h = render("hi <script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>");
        assert!(!h.as_str().contains("<script"));
        assert!(!h.as_str().contains("javascript:"));
        assert!(!h.as_str().contains("onerror"));
        let h = render("[ok](https://example.org)");
        assert!(h.as_str().contains("href=\"https://example.org\""));
        assert!(h.as_str().contains("noopener"));
    }

    #[test]
    fn excerpt() {
        assert_eq!(plain_excerpt("**Bold** text\n\nmore", 100), "Bold text more");
        assert_eq!(plain_excerpt("one two three four", 9), "one two…");
    }
}
