//! `site.toml`: the raw file as serde reads it, and the validated
//! [`Config`] every later stage takes. All tuning lives here, with defaults.

use crate::diag::{unknown_field_help, Diagnostic, LineIndex};
use crate::text::check_link;
use serde::Deserialize;
use std::path::{Path, PathBuf};

pub const CONFIG_FILE: &str = "site.toml";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    title: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    base_url: Option<String>,
    #[serde(default)]
    theme: Option<String>,
    #[serde(default)]
    language: Option<String>,
    #[serde(default)]
    profile: RawProfile,
    #[serde(default)]
    collaborators: RawCollaborators,
    #[serde(default)]
    topics: RawTopics,
    #[serde(default)]
    trust: RawTrust,
    #[serde(default)]
    actions: RawActions,
    #[serde(default)]
    graph: RawGraph,
    #[serde(default)]
    directory: RawDirectory,
    #[serde(default)]
    groups: Vec<RawGroup>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawProfile {
    top_topics: Option<usize>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawCollaborators {
    close_min_shared: Option<u32>,
    max_coauthors_per_work: Option<usize>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawTopics {
    extracted_per_work: Option<usize>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawTrust {
    bands: Option<Vec<RawBand>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBand {
    min: i64,
    label: String,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawActions {
    follow_url: Option<String>,
    claim_url: Option<String>,
    contact_url: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawGraph {
    node_budget: Option<usize>,
    explorer_budget: Option<usize>,
    embed_budget: Option<usize>,
    group_budget: Option<usize>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGroup {
    id: String,
    name: String,
    description: Option<String>,
    members: Vec<String>,
}

/// A named list of researchers, e.g. a lab, with its own page and embed.
#[derive(Clone, Debug)]
pub struct Group {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    /// Researcher ids as written; checked against the content in `lib::load`.
    pub members: Vec<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawDirectory {
    per_page: Option<usize>,
}

/// A trust band: scores from `min` up to the next band's `min` read `label`.
#[derive(Clone, Debug)]
pub struct TrustBand {
    pub min: u8,
    pub label: String,
}

#[derive(Clone, Debug)]
pub struct Config {
    pub root: PathBuf,
    pub title: String,
    pub description: Option<String>,
    pub language: String,
    /// Absolute (`https://host/path/`) or root-relative (`/path/`); always ends in `/`.
    pub base_url: String,
    /// The path part of `base_url`, used for every link in the pages.
    pub base_path: String,
    pub theme: Option<String>,
    pub top_topics: usize,
    pub close_min_shared: u32,
    pub max_coauthors_per_work: usize,
    pub extracted_topics_per_work: usize,
    pub trust_bands: Vec<TrustBand>,
    pub follow_url: Option<String>,
    pub claim_url: Option<String>,
    pub contact_url: Option<String>,
    pub graph_node_budget: usize,
    pub explorer_budget: usize,
    pub embed_budget: usize,
    pub group_budget: usize,
    pub per_page: usize,
    pub groups: Vec<Group>,
}

pub fn default_trust_bands() -> Vec<TrustBand> {
    [
        (0, "New"),
        (20, "Emerging"),
        (40, "Established"),
        (60, "Trusted"),
        (80, "Highly trusted"),
    ]
    .into_iter()
    .map(|(min, label)| TrustBand {
        min,
        label: label.to_string(),
    })
    .collect()
}

impl Config {
    /// The label of the band a score falls in.
    pub fn trust_band(&self, score: u8) -> &str {
        self.trust_bands
            .iter()
            .rev()
            .find(|b| b.min <= score)
            .map_or("", |b| b.label.as_str())
    }

    /// Reads and validates `site.toml` under `root`. `base_url` overrides the file's.
    pub fn load(root: &Path, base_url: Option<&str>) -> Result<Config, Vec<Diagnostic>> {
        let path = root.join(CONFIG_FILE);
        let text = match std::fs::read(&path) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(t) => t,
                Err(e) => {
                    return Err(vec![Diagnostic::error(CONFIG_FILE, format!(
                        "the file is not valid UTF-8 (invalid byte at offset {})",
                        e.utf8_error().valid_up_to()
                    ))
                    .help("save the file as UTF-8")])
                }
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(vec![Diagnostic::error(CONFIG_FILE, format!(
                    "no site.toml in {}",
                    root.display()
                ))
                .help("run scholarsite in a site folder, or pass --root DIR; a minimal site.toml is `title = \"My lab\"`")])
            }
            Err(e) => return Err(vec![Diagnostic::error(CONFIG_FILE, format!("cannot read the file: {}", e))]),
        };
        let raw: RawConfig = match toml::from_str(&text) {
            Ok(raw) => raw,
            Err(e) => {
                let mut d = Diagnostic::error(CONFIG_FILE, e.message().trim().to_string());
                if let Some(span) = e.span() {
                    let (l, c) = LineIndex::new(&text).locate(span.start);
                    d = d.at(l, c);
                }
                if let Some(h) = unknown_field_help(e.message()) {
                    d = d.help(h);
                }
                return Err(vec![d]);
            }
        };
        Config::from_raw(root, raw, base_url, &text)
    }

    fn from_raw(
        root: &Path,
        raw: RawConfig,
        base_override: Option<&str>,
        text: &str,
    ) -> Result<Config, Vec<Diagnostic>> {
        let RawConfig {
            title,
            description,
            base_url,
            theme,
            language,
            profile,
            collaborators,
            topics,
            trust,
            actions,
            graph,
            directory,
            groups,
        } = raw;
        let mut errors = Vec::new();
        let err = |key: &str, msg: String, help: &str| {
            let mut d = Diagnostic::error(CONFIG_FILE, msg).field(key).help(help);
            if let Some(line) = key_line(text, key.rsplit('.').next().unwrap_or(key)) {
                d = d.line(line);
            }
            d
        };

        let (base_url, from_flag) = match base_override {
            Some(b) => (b.to_string(), true),
            None => (base_url.unwrap_or_else(|| "/".into()), false),
        };
        let base = match normalise_base_url(&base_url) {
            Ok(b) => Some(b),
            Err(msg) => {
                if from_flag {
                    errors.push(
                        Diagnostic::error("--base-url", msg)
                            .help("pass e.g. https://lab.example.edu/people/ or /people/"),
                    );
                } else {
                    errors.push(err(
                        "base_url",
                        msg,
                        "write e.g. base_url = \"https://lab.example.edu/people/\" or \"/people/\"",
                    ));
                }
                None
            }
        };

        if let Some(t) = &theme {
            if crate::text::check_id(t).is_err() {
                errors.push(err(
                    "theme",
                    format!("`{}` is not a theme folder name", t),
                    "name a folder under themes/ using a-z, 0-9 and -",
                ));
            }
        }

        let top_topics = profile.top_topics.unwrap_or(7);
        if top_topics == 0 || top_topics > 100 {
            errors.push(err(
                "profile.top_topics",
                format!("{} is out of range", top_topics),
                "use a number from 1 to 100 (default 7)",
            ));
        }
        let close_min_shared = collaborators.close_min_shared.unwrap_or(2);
        if close_min_shared == 0 {
            errors.push(err(
                "collaborators.close_min_shared",
                "0 would make every co-author close".into(),
                "use 1 or more (default 2)",
            ));
        }
        let max_coauthors_per_work = collaborators.max_coauthors_per_work.unwrap_or(100);
        if !(1..=10_000).contains(&max_coauthors_per_work) {
            errors.push(err(
                "collaborators.max_coauthors_per_work",
                format!("{} is out of range", max_coauthors_per_work),
                "use 1 to 10000 (default 100)",
            ));
        }
        let extracted = topics.extracted_per_work.unwrap_or(3);
        if extracted > 20 {
            errors.push(err(
                "topics.extracted_per_work",
                format!("{} is out of range", extracted),
                "use 0 to 20 (default 3)",
            ));
        }
        let node_budget = graph.node_budget.unwrap_or(60);
        if !(10..=2_000).contains(&node_budget) {
            errors.push(err(
                "graph.node_budget",
                format!("{} is out of range", node_budget),
                "use 10 to 2000 (default 60)",
            ));
        }
        let mut budget = |key: &str, v: Option<usize>, default: usize| {
            let v = v.unwrap_or(default);
            if !(10..=2_000).contains(&v) {
                errors.push(err(
                    &format!("graph.{}", key),
                    format!("{} is out of range", v),
                    &format!("use 10 to 2000 (default {})", default),
                ));
            }
            v
        };
        let explorer_budget = budget("explorer_budget", graph.explorer_budget, 200);
        let embed_budget = budget("embed_budget", graph.embed_budget, 24);
        let group_budget = budget("group_budget", graph.group_budget, 120);
        let mut seen = std::collections::HashSet::new();
        let groups: Vec<Group> = groups
            .into_iter()
            .enumerate()
            .filter_map(|(i, g)| {
                let field = format!("groups[{}]", i);
                if let Err(msg) = crate::text::check_id(&g.id) {
                    errors.push(err(
                        &format!("{}.id", field),
                        msg,
                        "group ids use a-z, 0-9 and -",
                    ));
                    return None;
                }
                if !seen.insert(g.id.clone()) {
                    errors.push(err(
                        &format!("{}.id", field),
                        format!("duplicate group id `{}`", g.id),
                        "give each group its own id",
                    ));
                    return None;
                }
                if g.members.is_empty() {
                    errors.push(err(
                        &format!("{}.members", field),
                        format!("group `{}` has no members", g.id),
                        "list researcher ids in members = [...]",
                    ));
                    return None;
                }
                Some(Group {
                    id: g.id,
                    name: g.name,
                    description: g.description,
                    members: g.members,
                })
            })
            .collect();
        let per_page = directory.per_page.unwrap_or(100);
        if !(1..=100_000).contains(&per_page) {
            errors.push(err(
                "directory.per_page",
                format!("{} is out of range", per_page),
                "use 1 to 100000 (default 100)",
            ));
        }

        let trust_bands = match trust.bands {
            None => default_trust_bands(),
            Some(bands) => {
                let mut out = Vec::new();
                for b in bands {
                    if !(0..=100).contains(&b.min) {
                        errors.push(err(
                            "trust.bands",
                            format!("band `{}` starts at {}, outside 0..100", b.label, b.min),
                            "each band's min is a score from 0 to 100",
                        ));
                    } else if b.label.trim().is_empty() {
                        errors.push(err(
                            "trust.bands",
                            "a band has an empty label".into(),
                            "give every band a label",
                        ));
                    } else {
                        out.push(TrustBand {
                            min: b.min as u8,
                            label: b.label,
                        });
                    }
                }
                out.sort_by_key(|b| b.min);
                if out.first().is_some_and(|b| b.min != 0) || out.is_empty() {
                    errors.push(err(
                        "trust.bands",
                        "the bands do not cover score 0".into(),
                        "start the first band at min = 0",
                    ));
                }
                if out.windows(2).any(|w| w[0].min == w[1].min) {
                    errors.push(err(
                        "trust.bands",
                        "two bands start at the same score".into(),
                        "give each band its own min",
                    ));
                }
                out
            }
        };

        let mut action = |key: &str, v: Option<String>| -> Option<String> {
            let v = v?;
            let probe = v.replace("{id}", "x");
            let relative = v.starts_with('/') && !v.starts_with("//");
            if !v.contains("{id}") {
                errors.push(err(
                    &format!("actions.{}", key),
                    format!("`{}` has no {{id}} placeholder", v),
                    "write e.g. \"https://network.example/follow/{id}\"",
                ));
                None
            } else if !relative && check_link(&probe).is_err() {
                errors.push(err(
                    &format!("actions.{}", key),
                    format!("`{}` is not an http(s), mailto or site-relative URL", v),
                    "start it with https://, mailto: or /",
                ));
                None
            } else {
                Some(v)
            }
        };
        let follow_url = action("follow_url", actions.follow_url);
        let claim_url = action("claim_url", actions.claim_url);
        let contact_url = action("contact_url", actions.contact_url);

        if title.trim().is_empty() {
            errors.push(err(
                "title",
                "the site title is empty".into(),
                "write title = \"My lab\"",
            ));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let (base_url, base_path) = base.expect("checked above");
        Ok(Config {
            root: root.to_path_buf(),
            title,
            description,
            language: language.unwrap_or_else(|| "en".into()),
            base_url,
            base_path,
            theme,
            top_topics,
            close_min_shared,
            max_coauthors_per_work,
            extracted_topics_per_work: extracted,
            trust_bands,
            follow_url,
            claim_url,
            contact_url,
            graph_node_budget: node_budget,
            explorer_budget,
            embed_budget,
            group_budget,
            per_page,
            groups,
        })
    }

    /// A site link (path under the site) as used in pages.
    pub fn link(&self, path: &str) -> String {
        self.link_of(&[path])
    }

    /// The site link of the path `parts` joined, made in one allocation:
    /// pages link to hundreds of works and people each.
    pub fn link_of(&self, parts: &[&str]) -> String {
        joined(&self.base_path, parts)
    }

    /// A site link with scheme and host where `base_url` has them.
    pub fn permalink(&self, path: &str) -> String {
        self.permalink_of(&[path])
    }

    /// The permalink of the path `parts` joined, made in one allocation.
    pub fn permalink_of(&self, parts: &[&str]) -> String {
        joined(&self.base_url, parts)
    }

    /// Fills an action template for one researcher; site-relative templates
    /// get the base path.
    pub fn action_url(&self, template: &Option<String>, id: &str) -> Option<String> {
        template.as_ref().map(|t| {
            let url = t.replace("{id}", id);
            match url.strip_prefix('/') {
                Some(rest) => self.link(rest),
                None => url,
            }
        })
    }
}

/// Returns (base_url, base_path), both ending in `/`.
fn normalise_base_url(raw: &str) -> Result<(String, String), String> {
    let raw = raw.trim();
    if raw.chars().any(|c| {
        c.is_whitespace() || c.is_control() || matches!(c, '"' | '<' | '>' | '\\' | '?' | '#')
    }) {
        return Err(format!("`{}` is not a usable base URL", raw));
    }
    let with_slash = if raw.ends_with('/') {
        raw.to_string()
    } else {
        format!("{}/", raw)
    };
    if with_slash.starts_with('/') && !with_slash.starts_with("//") {
        return Ok((with_slash.clone(), with_slash));
    }
    let lower = with_slash.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
        .ok_or_else(|| format!("`{}` must start with https://, http:// or /", raw))?;
    let host_len = rest.find('/').unwrap_or(rest.len());
    if host_len == 0 {
        return Err(format!("`{}` has no host", raw));
    }
    let path_start = with_slash.len() - rest.len() + host_len;
    Ok((with_slash.clone(), with_slash[path_start..].to_string()))
}

/// The line of a `key =` or `key:` line in TOML/YAML text, for diagnostics
/// about a field whose value parsed but is not acceptable.
pub fn key_line(text: &str, key: &str) -> Option<u32> {
    text.lines()
        .position(|l| {
            let l = l.trim_start().trim_start_matches('"');
            l.strip_prefix(key)
                .map(|r| r.trim_start_matches('"').trim_start())
                .is_some_and(|r| r.starts_with('=') || r.starts_with(':'))
        })
        .map(|i| i as u32 + 1)
}

/// `base` followed by `parts`, in one allocation.
fn joined(base: &str, parts: &[&str]) -> String {
    let len = parts.iter().map(|p| p.len()).sum::<usize>();
    let mut s = String::with_capacity(base.len() + len);
    s.push_str(base);
    parts.iter().for_each(|p| s.push_str(p));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls() {
        assert_eq!(normalise_base_url("/").unwrap(), ("/".into(), "/".into()));
        assert_eq!(
            normalise_base_url("https://lab.example.edu/people").unwrap(),
            ("https://lab.example.edu/people/".into(), "/people/".into())
        );
        assert_eq!(normalise_base_url("https://x.org").unwrap().1, "/");
        assert!(normalise_base_url("ftp://x.org/").is_err());
        assert!(normalise_base_url("javascript:alert(1)").is_err());
        assert!(normalise_base_url("//evil.org/").is_err());
        assert!(normalise_base_url("/a\"b/").is_err());
    }

    #[test]
    fn bands() {
        let mut c = Config::from_raw(
            Path::new("."),
            toml::from_str("title='x'").unwrap(),
            None,
            "",
        )
        .unwrap();
        assert_eq!(c.trust_band(21), "Emerging");
        assert_eq!(c.trust_band(0), "New");
        assert_eq!(c.trust_band(100), "Highly trusted");
        c.trust_bands = default_trust_bands();
        assert_eq!(c.trust_band(19), "New");
    }

    #[test]
    fn key_lines() {
        assert_eq!(key_line("a = 1\n  year: 3\n", "year"), Some(2));
        assert_eq!(key_line("years = 1\n", "year"), None);
    }
}
