//! Request paths to output paths, safely: decoded once, and refused when
//! they try to leave the site (`..`, encoded or not, backslashes, NUL,
//! drive prefixes). Pages are then looked up among the site's own output
//! paths, never on the file system, so nothing outside the site (and no
//! symbolic link) can be reached.

/// Decodes `%XX` escapes; None for a bad escape, invalid UTF-8 or a NUL.
pub fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    let s = String::from_utf8(out).ok()?;
    (!s.contains('\0')).then_some(s)
}

/// The output path a request path names (`/` and `/a/` name their
/// `index.html`); None for a path that is malformed or tries to leave.
pub fn output_path(url_path: &str) -> Option<String> {
    let decoded = percent_decode(url_path)?;
    if !decoded.starts_with('/') || decoded.contains('\\') {
        return None;
    }
    let mut parts = Vec::new();
    for seg in decoded.split('/').filter(|s| !s.is_empty()) {
        if seg == "." || seg == ".." || seg.contains(':') {
            return None;
        }
        parts.push(seg);
    }
    let mut rel = parts.join("/");
    if decoded.ends_with('/') {
        if !rel.is_empty() {
            rel.push('/');
        }
        rel.push_str("index.html");
    }
    Some(rel)
}

pub fn content_type(rel: &str) -> &'static str {
    match rel.rsplit_once('.').map_or("", |(_, ext)| ext) {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "xml" => "application/xml",
        "txt" => "text/plain; charset=utf-8",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "pdf" => "application/pdf",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_paths_to_output_paths() {
        let ok = [
            ("/", "index.html"),
            ("/works/a/", "works/a/index.html"),
            ("/works/%61/index.html", "works/a/index.html"),
            ("/works/a", "works/a"),
            ("//works//a/", "works/a/index.html"),
            ("/assets/style.1.css", "assets/style.1.css"),
        ];
        for (url, want) in ok {
            assert_eq!(output_path(url).as_deref(), Some(want), "{}", url);
        }
        for bad in [
            "/../secret.txt",
            "/works/../../secret.txt",
            "/%2e%2e/secret.txt",
            "/works/%2E%2E/%2e%2e/x",
            "/..%2fsecret.txt",
            "/a%00b",
            "/%zz",
            "/%e2%28%a1",
            "/..\\secret.txt",
            "/%5c..%5cx",
            "/C:/x",
            "relative",
            "/./x",
        ] {
            assert_eq!(output_path(bad), None, "{}", bad);
        }
    }
}
