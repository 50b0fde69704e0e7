//! Internal link and anchor checking over the rendered site, for `opora check`.
//! A link is broken when no file of the site answers its path, or when the
//! target page has no element with the `#fragment`'s id.

use std::collections::{HashMap, HashSet};

use crate::diag::Diagnostic;

/// One rendered file.
pub struct Page<'a> {
    pub path: &'a str,
    pub html: &'a str,
}

#[derive(Debug)]
pub struct BrokenLink {
    /// The page (output path) the link is on.
    pub page: String,
    pub href: String,
    pub message: String,
}

fn attr_values<'a>(html: &'a str, attr: &str) -> Vec<&'a str> {
    let needle = format!(" {attr}=\"");
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find(&needle) {
        rest = &rest[i + needle.len()..];
        if let Some(end) = rest.find('"') {
            out.push(&rest[..end]);
            rest = &rest[end..];
        }
    }
    out
}

fn unescape(s: &str) -> String {
    s.replace("&amp;", "&")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
}

/// The output file a site path refers to: `a/b/` → `a/b/index.html`.
fn file_for(path: &str) -> String {
    let p = path.trim_start_matches('/');
    if p.is_empty() || p.ends_with('/') {
        format!("{p}index.html")
    } else {
        p.to_string()
    }
}

/// Checks every `href` that points into the site (under `base`) or at an anchor.
/// `other_files` are files written besides pages (static files, exports).
pub fn check(pages: &[Page], other_files: &[String], base: &str) -> Vec<BrokenLink> {
    let mut ids: HashMap<&str, HashSet<String>> = HashMap::new();
    for p in pages {
        if p.path.ends_with(".html") {
            ids.insert(
                p.path,
                attr_values(p.html, "id")
                    .into_iter()
                    .map(unescape)
                    .collect(),
            );
        }
    }
    let existing: HashSet<&str> = pages
        .iter()
        .map(|p| p.path)
        .chain(other_files.iter().map(String::as_str))
        .collect();
    let mut out = Vec::new();
    for p in pages.iter().filter(|p| p.path.ends_with(".html")) {
        let mut seen = HashSet::new();
        for raw in attr_values(p.html, "href") {
            let href = unescape(raw);
            if !seen.insert(href.clone()) {
                continue;
            }
            let (target, fragment) = match href.split_once('#') {
                Some((t, f)) => (t.to_string(), Some(f.to_string())),
                None => (href.clone(), None),
            };
            let target = target.split('?').next().unwrap_or("").to_string();
            let file = if target.is_empty() {
                p.path.to_string()
            } else if let Some(rest) = target.strip_prefix(base) {
                file_for(rest)
            } else {
                continue; // another host, or a scheme like tel:, mailto:, geo:
            };
            let problem = if !existing.contains(file.as_str()) {
                Some(format!(
                    "link to `{href}` leads nowhere: the site has no `{file}`"
                ))
            } else if let Some(f) = fragment.filter(|f| !f.is_empty()) {
                match ids.get(file.as_str()) {
                    Some(set) if !set.contains(&f) => {
                        Some(format!("link to `{href}`: `{file}` has no anchor `#{f}`"))
                    }
                    _ => None,
                }
            } else {
                None
            };
            if let Some(message) = problem {
                out.push(BrokenLink {
                    page: p.path.to_string(),
                    href,
                    message,
                });
            }
        }
    }
    out
}

/// Puts the diagnostic on the source line that holds the link, when the link
/// was written in content; otherwise on the page (it came from a template).
/// `source` is the record the page was made from: (file, text).
pub fn blame(link: &BrokenLink, source: Option<(&str, &str)>, base: &str) -> Diagnostic {
    if let Some((file, text)) = source {
        let href = link.href.as_str();
        let written = href
            .strip_prefix(base)
            .map(|r| format!("/{r}"))
            .unwrap_or_else(|| href.to_string());
        for candidate in [href, written.as_str()] {
            if let Some(i) = text.find(&format!("]({candidate}")) {
                return Diagnostic::error(file, &link.message)
                    .at(text, i + 2..i + 2 + candidate.len())
                    .hint("fix the link target, or create the page it points to");
            }
        }
    }
    Diagnostic::error(format!("public/{}", link.page), &link.message)
        .hint("the link comes from a template in templates/ or from generated data")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_missing_pages_and_anchors() {
        let a = "<a href=\"/b/\">ok</a><a href=\"/b/#x\">ok</a><a href=\"/b/#nope\">bad</a><a href=\"/c/\">bad</a><a href=\"https://x.ru/\">ext</a><a href=\"#top\">self</a><h1 id=\"top\">";
        let b = "<h2 id=\"x\">X</h2>";
        let pages = [
            Page {
                path: "index.html",
                html: a,
            },
            Page {
                path: "b/index.html",
                html: b,
            },
        ];
        let broken = check(&pages, &[], "/");
        assert_eq!(broken.len(), 2, "{broken:?}");
        assert!(
            broken
                .iter()
                .any(|d| d.message.contains("no anchor `#nope`"))
        );
        let missing = broken
            .iter()
            .find(|d| d.message.contains("`/c/` leads nowhere"))
            .unwrap();
        let d = blame(
            missing,
            Some(("content/pages/a.md", "text [bad](/c/)")),
            "/",
        );
        assert_eq!(d.file, "content/pages/a.md");
        assert_eq!(d.pos.col, 12);
        let d = blame(missing, None, "/");
        assert_eq!(d.file, "public/index.html");
    }
}
