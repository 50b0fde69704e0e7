//! Files on disk for the preview server: mapping request paths to files
//! without ever leaving the served folder, and content types.

use std::path::{Component, Path, PathBuf};

/// Maps a request path to a file under `root`, refusing anything that could escape it.
pub fn resolve(root: &Path, request_path: &str) -> Option<PathBuf> {
    let path = request_path.split(['?', '#']).next().unwrap_or("/");
    let decoded = percent_decode(path)?;
    let mut out = root.to_path_buf();
    for comp in Path::new(decoded.trim_start_matches('/')).components() {
        match comp {
            Component::Normal(c) => out.push(c),
            Component::CurDir => {}
            _ => return None,
        }
    }
    if out.is_dir() {
        out.push("index.html");
    }
    // Symlinks could point outside; compare canonical paths.
    let canon_root = root.canonicalize().ok()?;
    let canon = out.canonicalize().ok()?;
    canon.starts_with(&canon_root).then_some(canon)
}

pub fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    let decoded = String::from_utf8(out).ok()?;
    (!decoded.contains('\0') && !decoded.contains('\\')).then_some(decoded)
}

pub fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "geojson" => "application/geo+json",
        "xml" => "application/xml",
        "txt" => "text/plain; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "wasm" => "application/wasm",
        "ico" => "image/x-icon",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_traversal() {
        let tmp = tempfile::tempdir().unwrap();
        let site = tmp.path().join("site");
        std::fs::create_dir_all(site.join("a")).unwrap();
        std::fs::write(site.join("a/index.html"), "ok").unwrap();
        std::fs::write(tmp.path().join("secret.txt"), "no").unwrap();
        assert!(resolve(&site, "/a/").is_some());
        assert!(resolve(&site, "/a/index.html?x=1").is_some());
        assert!(resolve(&site, "/../secret.txt").is_none());
        assert!(resolve(&site, "/%2e%2e/secret.txt").is_none());
        assert!(resolve(&site, "/a/%2E%2E/%2E%2E/secret.txt").is_none());
        assert!(resolve(&site, "//etc/passwd").is_none());
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(tmp.path().join("secret.txt"), site.join("link.txt"))
                .unwrap();
            assert!(resolve(&site, "/link.txt").is_none());
        }
    }
}
