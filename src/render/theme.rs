//! Templates and static files: the default theme embedded in the binary,
//! overridden file by file by `themes/<theme>/` of the site.
//!
//! Every embedded template is also registered as `default/<name>`, so a
//! site template can `{% extends "default/profile.html" %}` and replace
//! one block instead of copying the whole file.

use crate::config::Config;
use crate::diag::Diagnostic;
use std::collections::BTreeMap;
use std::sync::Arc;
use tera::Tera;
use walkdir::WalkDir;
use xxhash_rust::xxh3::xxh3_64;

macro_rules! embed {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../../themes/default/templates/", $name)))),*]
    };
}

/// The default theme's templates: the names a site theme may override.
pub const TEMPLATES: &[(&str, &str)] = embed!(
    "base.html",
    "macros.html",
    "index.html",
    "profile.html",
    "work.html",
    "works.html",
    "topic.html",
    "topics.html",
    "institution.html",
    "institutions.html",
    "404.html",
    "explorer.html",
    "embed.html",
    "group.html",
    "group_embed.html",
    "embed_base.html",
    "work_item.html",
    "work_meta.html",
);

const STYLE: &str = include_str!("../../themes/default/static/style.css");
const SCRIPT: &str = include_str!("../../themes/default/static/graph.js");
const FAVICON: &str = include_str!("../../themes/default/static/favicon.svg");

pub struct Asset {
    pub rel: String,
    pub bytes: Vec<u8>,
}

pub struct Theme {
    pub tera: Tera,
    /// Static files to copy, each with its output path.
    pub assets: Vec<Asset>,
    /// Output path of the stylesheet; its name carries a content hash, so
    /// it can be cached for ever.
    pub css_rel: String,
    /// Output path of the graph script, hashed likewise.
    pub js_rel: String,
    /// Hash of every template and static file, for the build fingerprint.
    pub fingerprint: u128,
}

pub fn load(config: &Config) -> Result<Theme, Vec<Diagnostic>> {
    load_reusing(config, None).map(|t| Arc::try_unwrap(t).unwrap_or_else(|_| unreachable!()))
}

/// [`load`], returning `last` itself when every template and static file
/// is what it was: compiling the templates is most of the cost.
pub fn load_reusing(
    config: &Config,
    last: Option<&Arc<Theme>>,
) -> Result<Arc<Theme>, Vec<Diagnostic>> {
    let mut templates: BTreeMap<String, String> = BTreeMap::new();
    for (name, text) in TEMPLATES {
        templates.insert(name.to_string(), text.to_string());
        templates.insert(format!("default/{}", name), text.to_string());
    }
    let mut css = STYLE.as_bytes().to_vec();
    let mut js = SCRIPT.as_bytes().to_vec();
    let mut assets = Vec::new();
    let mut errors = Vec::new();
    if let Some(theme) = &config.theme {
        let rel_dir = format!("themes/{}", theme);
        let dir = config.root.join(&rel_dir);
        if !dir.is_dir() {
            return Err(vec![Diagnostic::error(
                "site.toml",
                format!(
                    "theme `{}` not found: there is no folder {}",
                    theme, rel_dir
                ),
            )
            .field("theme")
            .help(format!(
                "create {}/templates/ with the templates to override, or remove `theme`",
                rel_dir
            ))]);
        }
        for entry in WalkDir::new(&dir).sort_by_file_name().follow_links(false) {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    errors.push(Diagnostic::error(&rel_dir, format!("cannot read: {}", e)));
                    continue;
                }
            };
            if !entry.file_type().is_file()
                || crate::source::is_ignored_name(&entry.file_name().to_string_lossy())
            {
                continue;
            }
            let rel = entry.path().strip_prefix(&dir).unwrap_or(entry.path());
            let rel_s = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            let shown = format!("{}/{}", rel_dir, rel_s);
            if let Some(name) = rel_s.strip_prefix("templates/") {
                match std::fs::read_to_string(entry.path()) {
                    Ok(text) => {
                        templates.insert(name.to_string(), text);
                    }
                    Err(e) => errors.push(Diagnostic::error(
                        shown,
                        format!("cannot read the template: {}", e),
                    )),
                }
            } else if let Some(name) = rel_s.strip_prefix("static/") {
                match std::fs::read(entry.path()) {
                    Ok(bytes) if name == "style.css" => css = bytes,
                    Ok(bytes) if name == "graph.js" => js = bytes,
                    Ok(bytes) => assets.push(Asset {
                        rel: name.to_string(),
                        bytes,
                    }),
                    Err(e) => errors.push(Diagnostic::error(shown, format!("cannot read: {}", e))),
                }
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let css_rel = format!("assets/style.{:016x}.css", xxh3_64(&css));
    assets.push(Asset {
        rel: css_rel.clone(),
        bytes: css,
    });
    if !assets.iter().any(|a| a.rel == "favicon.svg") {
        assets.push(Asset {
            rel: "favicon.svg".into(),
            bytes: FAVICON.as_bytes().to_vec(),
        });
    }
    let js_rel = format!("assets/graph.{:016x}.js", xxh3_64(&js));
    assets.push(Asset {
        rel: js_rel.clone(),
        bytes: js,
    });
    for a in &assets {
        if crate::output::check_rel(&a.rel).is_err() || a.rel == crate::output::MANIFEST {
            return Err(vec![Diagnostic::error(
                format!(
                    "themes/{}/static/{}",
                    config.theme.as_deref().unwrap_or(""),
                    a.rel
                ),
                "this static file name cannot be written",
            )]);
        }
    }
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    for (name, text) in &templates {
        h.update(name.as_bytes());
        h.update(&[0]);
        h.update(text.as_bytes());
        h.update(&[0]);
    }
    for a in &assets {
        h.update(a.rel.as_bytes());
        h.update(&[0]);
        h.update(&a.bytes);
    }
    let fingerprint = h.digest128();
    if let Some(t) = last.filter(|t| t.fingerprint == fingerprint) {
        return Ok(Arc::clone(t));
    }
    let mut tera = Tera::default();
    tera.autoescape_on(vec![".html", ".xml"]);
    tera.set_escape_fns(escape_html, escape_html_to);
    tera.register_filter("json_script", json_script);
    if let Err(e) = tera.add_raw_templates(
        templates
            .iter()
            .map(|(n, t)| (n.as_str(), t.as_str()))
            .collect::<Vec<_>>(),
    ) {
        let shown = match &config.theme {
            Some(t) => format!("themes/{}/templates", t),
            None => "themes/default/templates".into(),
        };
        return Err(vec![Diagnostic::error(shown, tera_message(&e)).help(
            "fix the template syntax; see https://keats.github.io/tera/docs/",
        )]);
    }
    Ok(Arc::new(Theme {
        tera,
        assets,
        css_rel,
        js_rel,
        fingerprint,
    }))
}

/// Escapes text for HTML content and quoted attributes. Unlike tera's
/// default it leaves `/` alone, which needs no escaping and would make
/// every link in a page three times longer.
pub fn escape_html(input: &str) -> String {
    let mut out = String::with_capacity(input.len() + input.len() / 8);
    escape_html_into(&mut out, input);
    out
}

/// [`escape_html`], appending to `out`.
pub fn escape_html_into(out: &mut String, input: &str) {
    escape_pieces(input, |piece| out.push_str(piece));
}

/// [`escape_html`], written into `w`: tera writes a page's values this
/// way, without an escaped copy of each.
pub fn escape_html_to(input: &str, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    let mut res = Ok(());
    escape_pieces(input, |piece| {
        if res.is_ok() {
            res = w.write_all(piece.as_bytes());
        }
    });
    res
}

/// Gives `put` the escaped text of `input` piece by piece.
fn escape_pieces(input: &str, mut put: impl FnMut(&str)) {
    let mut last = 0;
    // The five characters are ASCII, so byte positions are char boundaries.
    for (i, b) in input.bytes().enumerate() {
        let rep = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#x27;",
            _ => continue,
        };
        put(&input[last..i]);
        put(rep);
        last = i + 1;
    }
    put(&input[last..]);
}

/// Tera nests the useful part of its errors in `source()`.
pub fn tera_message(e: &tera::Error) -> String {
    let mut msg = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        src = s.source();
    }
    msg
}

/// JSON for a `<script type="application/ld+json">` block: characters
/// that could end the script or confuse the HTML parser are escaped.
pub fn json_for_html<T: serde::Serialize + ?Sized>(value: &T) -> String {
    let s = serde_json::to_string(value).unwrap_or_else(|_| "null".into());
    // 0xE2 leads U+2028 and U+2029 (and other characters, which the loop
    // below leaves as they are).
    if !s.bytes().any(|b| matches!(b, b'<' | b'>' | b'&' | 0xE2)) {
        return s;
    }
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

fn json_script(
    value: &tera::Value,
    _: &std::collections::HashMap<String, tera::Value>,
) -> tera::Result<tera::Value> {
    Ok(tera::Value::String(json_for_html(value)))
}

#[cfg(test)]
mod tests {
    #[test]
    fn escaping_into_a_writer_writes_what_escape_html_returns() {
        for s in ["", "plain", "a<b>&\"c'", "<<", "é & ü", "&amp;", "x'"] {
            let mut w = Vec::new();
            super::escape_html_to(s, &mut w).unwrap();
            assert_eq!(
                String::from_utf8(w).unwrap(),
                super::escape_html(s),
                "{}",
                s
            );
        }
    }

    #[test]
    fn values_escaped_into_the_page_match_escaped_copies() {
        let tpl = "{{ a }}|{{ a | safe }}|{{ a | upper }}|{{ n }}|{% set b = a %}{{ b }}|\
                   {{ 'x<' ~ a }}|{{ not a }}|{{ list | join(sep='<') }}|{{ missing | default(value=a) }}";
        let mut ctx = tera::Context::new();
        ctx.insert("a", "<a href='x'>&</a>");
        ctx.insert("n", &3);
        ctx.insert("list", &["<", ">"]);
        let render = |into: bool| {
            let mut t = tera::Tera::default();
            t.autoescape_on(vec![".html"]);
            if into {
                t.set_escape_fns(super::escape_html, super::escape_html_to);
            } else {
                t.set_escape_fn(super::escape_html);
            }
            t.add_raw_template("t.html", tpl).unwrap();
            t.render("t.html", &ctx).unwrap()
        };
        let page = render(true);
        assert_eq!(page, render(false));
        assert!(
            page.starts_with("&lt;a href=&#x27;x&#x27;&gt;&amp;&lt;/a&gt;|<a href='x'>&</a>|"),
            "{}",
            page
        );
    }

    #[test]
    fn json_is_safe_in_script() {
        let v = serde_json::json!({"name": "</script><script>alert(1)</script>\u{2028}&"});
        let s = super::json_for_html(&v);
        assert!(
            !s.contains('<') && !s.contains('>') && !s.contains('&') && !s.contains('\u{2028}')
        );
        // A line separator alone is escaped; other text is left as it is.
        let v = serde_json::json!({"a": "x\u{2029}y", "b": "Zoë – “ok”…"});
        assert_eq!(
            super::json_for_html(&v),
            "{\"a\":\"x\\u2029y\",\"b\":\"Zoë – “ok”…\"}"
        );
    }
}
