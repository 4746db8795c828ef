//! Mapping a request path to a file of the output folder, safely: no `..`
//! or encoded traversal, no symbolic link leading out, nothing but files
//! under the folder.

use std::path::{Path, PathBuf};

#[derive(Debug, PartialEq, Eq)]
pub enum Resolved {
    File(PathBuf),
    /// A folder asked for without its trailing slash: redirect here.
    Redirect(String),
    NotFound,
    /// A path that tries to leave the folder or cannot be decoded.
    Forbidden,
}

/// Decodes `%XX` escapes; None for a bad escape, invalid UTF-8 or a NUL.
fn percent_decode(s: &str) -> Option<String> {
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

/// Resolves the path part of a request URL (query already removed).
pub fn resolve(dir: &Path, url_path: &str) -> Resolved {
    let Some(decoded) = percent_decode(url_path) else { return Resolved::Forbidden };
    if !decoded.starts_with('/') || decoded.contains('\\') {
        return Resolved::Forbidden;
    }
    let mut path = dir.to_path_buf();
    for seg in decoded.split('/').filter(|s| !s.is_empty()) {
        if seg == "." || seg == ".." || seg.contains(':') {
            return Resolved::Forbidden;
        }
        path.push(seg);
    }
    // Symbolic links are resolved and must stay inside the folder.
    let (Ok(real), Ok(base)) = (path.canonicalize(), dir.canonicalize()) else { return Resolved::NotFound };
    if !real.starts_with(&base) {
        return Resolved::Forbidden;
    }
    if real.is_dir() {
        if !decoded.ends_with('/') {
            return Resolved::Redirect(format!("{}/", url_path));
        }
        let index = real.join("index.html");
        return if index.is_file() { Resolved::File(index) } else { Resolved::NotFound };
    }
    if real.is_file() {
        Resolved::File(real)
    } else {
        Resolved::NotFound
    }
}

pub fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
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
    fn resolves_only_inside_the_folder() {
        let t = tempfile::tempdir().unwrap();
        let out = t.path().join("out");
        std::fs::create_dir_all(out.join("works/a")).unwrap();
        std::fs::write(out.join("index.html"), "home").unwrap();
        std::fs::write(out.join("works/a/index.html"), "a").unwrap();
        std::fs::write(t.path().join("secret.txt"), "secret").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(t.path().join("secret.txt"), out.join("link.txt")).unwrap();
        let real = |p: &str| Resolved::File(out.canonicalize().unwrap().join(p));
        assert_eq!(resolve(&out, "/"), real("index.html"));
        assert_eq!(resolve(&out, "/works/a/"), real("works/a/index.html"));
        assert_eq!(resolve(&out, "/works/%61/index.html"), real("works/a/index.html"));
        assert_eq!(resolve(&out, "/works/a"), Resolved::Redirect("/works/a/".into()));
        assert_eq!(resolve(&out, "/nope/"), Resolved::NotFound);
        for bad in ["/../secret.txt", "/works/../../secret.txt", "/%2e%2e/secret.txt", "/works/%2E%2E/%2e%2e/secret.txt", "/..%2fsecret.txt", "/a%00b", "/%zz", "/..\\secret.txt", "/C:/x"] {
            assert_eq!(resolve(&out, bad), Resolved::Forbidden, "{}", bad);
        }
        #[cfg(unix)]
        assert_eq!(resolve(&out, "/link.txt"), Resolved::Forbidden);
    }
}
