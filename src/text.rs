//! Text normalisation shared by every stage: slugs, folded names, ORCIDs
//! and DOIs. One function per rule, so matching is the same everywhere.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// The longest id or slug scholarsite accepts (a path segment).
pub const MAX_ID_LEN: usize = 128;

/// Checks an id against `[a-z0-9][a-z0-9-]*`, at most 128 characters.
/// Returns what is wrong, for the diagnostic.
pub fn check_id(id: &str) -> Result<(), String> {
    if id.is_empty() {
        return Err("the id is empty".into());
    }
    if id.len() > MAX_ID_LEN {
        return Err(format!(
            "the id is {} characters long; the limit is {}",
            id.len(),
            MAX_ID_LEN
        ));
    }
    let first = id.as_bytes()[0];
    if !(first.is_ascii_lowercase() || first.is_ascii_digit()) {
        return Err(format!(
            "the id `{}` must start with a lower-case letter or a digit",
            id
        ));
    }
    if let Some(c) = id
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
    {
        return Err(format!(
            "the id `{}` contains `{}`; ids use only a-z, 0-9 and `-`",
            id,
            c.escape_default()
        ));
    }
    Ok(())
}

/// A slug for a label: transliterated to ASCII, lower-case, `[a-z0-9-]`,
/// no leading, trailing or doubled `-`. Empty when nothing is left.
pub fn slugify(label: &str) -> String {
    let ascii = deunicode::deunicode(label);
    let mut slug = String::with_capacity(ascii.len());
    for c in ascii.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    while slug.ends_with('-') {
        slug.pop();
    }
    if slug.len() > MAX_ID_LEN {
        slug.truncate(MAX_ID_LEN);
        while slug.ends_with('-') {
            slug.pop();
        }
    }
    slug
}

/// A person's name folded for matching: Unicode-normalised, accents and
/// case removed, punctuation to spaces, and "Last, First" turned around.
pub fn fold_name(name: &str) -> String {
    let name = match name.split_once(',') {
        Some((last, first)) if !first.contains(',') && !first.trim().is_empty() => {
            format!("{} {}", first, last)
        }
        _ => name.to_string(),
    };
    fold_text(&name)
}

/// Text folded for matching: Unicode-normalised, accents and case
/// removed, runs of anything but letters and digits to one space.
pub fn fold_text(name: &str) -> String {
    // ASCII, most names and titles, decomposes to itself.
    if name.is_ascii() {
        fold_chars(name.chars(), name.len())
    } else {
        fold_chars(name.nfkd().filter(|c| !is_combining_mark(*c)), name.len())
    }
}

/// Lower-cased letters and digits of `chars`, runs of anything else
/// made one space, none at the ends.
fn fold_chars(chars: impl Iterator<Item = char>, len: usize) -> String {
    let mut out = String::with_capacity(len);
    for c in chars {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.is_empty() && !out.ends_with(' ') {
            out.push(' ');
        }
    }
    while out.ends_with(' ') {
        out.pop();
    }
    out
}

/// Normalises an ORCID iD (bare or as an orcid.org URL) and checks its
/// ISO 7064 check digit.
pub fn normalise_orcid(raw: &str) -> Result<String, String> {
    let s = raw.trim();
    let s = s
        .strip_prefix("https://orcid.org/")
        .or_else(|| s.strip_prefix("http://orcid.org/"))
        .unwrap_or(s);
    let b = s.as_bytes();
    let shape_ok = b.len() == 19
        && b.iter().enumerate().all(|(i, &c)| match i {
            4 | 9 | 14 => c == b'-',
            18 => c.is_ascii_digit() || c == b'X',
            _ => c.is_ascii_digit(),
        });
    if !shape_ok {
        return Err(format!(
            "`{}` is not an ORCID iD; write it as 0000-0002-1825-0097",
            raw
        ));
    }
    let mut total = 0u32;
    for &c in b[..18].iter().filter(|c| c.is_ascii_digit()) {
        total = (total + u32::from(c - b'0')) * 2;
    }
    let check = (12 - total % 11) % 11;
    let expected = if check == 10 {
        b'X'
    } else {
        b'0' + check as u8
    };
    if b[18] != expected {
        return Err(format!(
            "`{}` has a wrong check digit; copy the iD again from orcid.org",
            raw
        ));
    }
    Ok(s.to_string())
}

/// Strips `doi:` and resolver prefixes and checks the `10.x/y` shape.
pub fn normalise_doi(raw: &str) -> Result<String, String> {
    let s = raw.trim();
    let lower = s.to_ascii_lowercase();
    let cut = [
        "https://doi.org/",
        "http://doi.org/",
        "https://dx.doi.org/",
        "http://dx.doi.org/",
        "doi:",
    ]
    .iter()
    .find(|p| lower.starts_with(*p))
    .map_or(0, |p| p.len());
    let doi = &s[cut..];
    let ok = doi.starts_with("10.")
        && doi.contains('/')
        && !doi.ends_with('/')
        && !doi.chars().any(|c| c.is_whitespace() || c.is_control());
    if ok {
        Ok(doi.to_string())
    } else {
        Err(format!(
            "`{}` is not a DOI; a DOI looks like 10.48550/arXiv.2401.02038",
            raw
        ))
    }
}

/// Accepts only links a reader can safely follow: http(s) and mailto.
pub fn check_link(url: &str) -> Result<(), String> {
    let lower = url.trim_start().to_ascii_lowercase();
    let ok = (lower.starts_with("https://") || lower.starts_with("http://")) && url.len() > 8
        || lower.starts_with("mailto:") && url.len() > 7;
    if ok && !url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        Ok(())
    } else {
        Err(format!("`{}` is not an http(s) or mailto link", url))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids() {
        assert!(check_id("zhengliang-liu").is_ok());
        assert!(check_id("0abc").is_ok());
        assert!(check_id("-abc").is_err());
        assert!(check_id("Abc").is_err());
        assert!(check_id("../etc").is_err());
        assert!(check_id("a/b").is_err());
        assert!(check_id(&"a".repeat(129)).is_err());
        assert!(check_id("").is_err());
    }

    #[test]
    fn slugs() {
        assert_eq!(slugify("Large Language Models"), "large-language-models");
        assert_eq!(slugify("  Gödel's  théorème! "), "godel-s-theoreme");
        assert_eq!(slugify("../../etc/passwd"), "etc-passwd");
        assert_eq!(slugify("!!!"), "");
    }

    #[test]
    fn ascii_folds_as_decomposed_text_does() {
        let every: String = (0u8..128).map(char::from).collect();
        for s in [
            every.as_str(),
            "  A--b__C9 ",
            "x",
            "",
            "Zhengliang Liu (2024)",
        ] {
            let decomposed = fold_chars(s.nfkd().filter(|c| !is_combining_mark(*c)), s.len());
            assert_eq!(fold_text(s), decomposed, "{:?}", s);
        }
    }

    #[test]
    fn names_fold() {
        assert_eq!(fold_name("José  Müller"), "jose muller");
        assert_eq!(fold_name("Müller, José"), "jose muller");
        assert_eq!(fold_name("ZHENGLIANG LIU"), fold_name("Zhengliang Liu"));
        assert_eq!(fold_name("Jean-Luc Picard"), "jean luc picard");
    }

    #[test]
    fn orcids() {
        assert_eq!(
            normalise_orcid("0000-0002-1825-0097").unwrap(),
            "0000-0002-1825-0097"
        );
        assert_eq!(
            normalise_orcid("https://orcid.org/0000-0001-5109-3700").unwrap(),
            "0000-0001-5109-3700"
        );
        assert!(normalise_orcid("0000-0002-1825-0098").is_err());
        assert!(normalise_orcid("0000-0002-1825").is_err());
        assert_eq!(
            normalise_orcid("0000-0002-1694-233X").unwrap(),
            "0000-0002-1694-233X"
        );
    }

    #[test]
    fn dois_and_links() {
        assert_eq!(
            normalise_doi("https://doi.org/10.1/abc").unwrap(),
            "10.1/abc"
        );
        assert!(normalise_doi("11.1/abc").is_err());
        assert!(check_link("https://x.org").is_ok());
        assert!(check_link("mailto:a@b.c").is_ok());
        assert!(check_link("javascript:alert(1)").is_err());
        assert!(check_link("JaVaScRiPt:alert(1)").is_err());
        assert!(check_link("data:text/html,x").is_err());
    }
}
