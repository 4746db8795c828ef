//! Splits a Markdown file into front matter and body, keeping the line
//! offsets so that parser errors point into the file, not the fragment.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrontMatterFormat {
    Toml,
    Yaml,
}

pub struct Split<'a> {
    pub format: FrontMatterFormat,
    pub front: &'a str,
    /// 1-based line of the first front-matter line in the file.
    pub front_line: u32,
    pub body: &'a str,
}

/// Returns the split, or a message for an error at line 1.
pub fn split(text: &str) -> Result<Split<'_>, (u32, String, String)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first_end = text.find('\n').unwrap_or(text.len());
    let fence = text[..first_end].trim_end();
    let format = match fence {
        "+++" => FrontMatterFormat::Toml,
        "---" => FrontMatterFormat::Yaml,
        _ => {
            return Err((
                1,
                "the file does not start with front matter".into(),
                "start it with a `+++` line (TOML) or a `---` line (YAML), the fields, and the same line again".into(),
            ))
        }
    };
    let mut pos = (first_end + 1).min(text.len());
    let start = pos;
    while pos < text.len() {
        let end = text[pos..].find('\n').map_or(text.len(), |i| pos + i);
        if text[pos..end].trim_end() == fence {
            let body_start = (end + 1).min(text.len());
            return Ok(Split {
                format,
                front: &text[start..pos],
                front_line: 2,
                body: &text[body_start..],
            });
        }
        pos = end + 1;
    }
    Err((
        1,
        format!("the front matter opened by `{}` is never closed", fence),
        format!("add a `{}` line after the last field", fence),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_toml_and_yaml() {
        let s = split("+++\ntitle = \"x\"\n+++\nbody\n").unwrap();
        assert_eq!(s.format, FrontMatterFormat::Toml);
        assert_eq!(s.front, "title = \"x\"\n");
        assert_eq!(s.body, "body\n");
        let s = split("---\r\ntitle: x\r\n---\r\n").unwrap();
        assert_eq!(s.format, FrontMatterFormat::Yaml);
        assert_eq!(s.body, "");
        assert!(split("title = 1").is_err());
        assert!(split("+++\ntitle = 1\n").is_err());
    }
}
