//! Internal link and anchor checking over the rendered site, for `opora check`
//! and `opora build` alike. A link is broken when no file of the site answers
//! its path, when the target page has no element with the `#fragment`'s id, or
//! when a path leaves the site's base path. A broken link written in content
//! is blamed on the line of the record where it is written (for a
//! reference-style link, its definition), found from the places the Markdown
//! renderer recorded — not by searching the text.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::content::Content;
use crate::content::markdown::{FileLinks, LinkSpan};
use crate::content::source::SourceText;
use crate::diag::Diagnostic;

/// Every record's file and the places of the links written in it.
#[derive(Debug, Default, Clone)]
pub struct LinkPlaces {
    files: BTreeMap<String, FileLinks>,
}

impl LinkPlaces {
    pub fn from_content(content: &Content) -> Self {
        Self {
            files: content.links.clone(),
        }
    }

    /// The file (portal-relative path) and its links.
    pub fn get(&self, file: &str) -> Option<(&SourceText, &[LinkSpan])> {
        self.files
            .get(file)
            .map(|f| (f.file.as_ref(), f.links.as_slice()))
    }
}

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
    /// What to do about it, when it is written in content.
    pub hint: &'static str,
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

/// The site path a link on `page` (an output path) leads to, if it stays on
/// the site: `/base/x/` → `x/`, `../y/` from `a/b/index.html` → `a/y/`.
/// `Err` for a path that leaves the base path; `None` for another host or a
/// scheme like `tel:`, `mailto:`, `geo:`.
fn site_target(page: &str, target: &str, base: &str) -> Option<Result<String, ()>> {
    if target.is_empty() {
        return Some(Ok(page.to_string()));
    }
    if let Some(rest) = target.strip_prefix(base) {
        return Some(Ok(file_for(rest)));
    }
    if target.starts_with("//") || target.contains(':') && !target.starts_with('/') {
        return None;
    }
    if target.starts_with('/') {
        // A path on this host but outside the site's base path: with
        // base_url `https://x.org/portal/`, `/routes/` is another site.
        return Some(Err(()));
    }
    // Relative to the page's folder.
    let mut parts: Vec<&str> = page.split('/').collect();
    parts.pop();
    for seg in target.split('/') {
        match seg {
            ".." => {
                parts.pop()?;
            }
            "." => {}
            s => parts.push(s),
        }
    }
    let joined = parts.join("/");
    Some(Ok(if target.ends_with('/') || joined.is_empty() {
        file_for(&joined)
    } else {
        joined
    }))
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
            let file = match site_target(p.path, &target, base) {
                None => continue,
                Some(Ok(file)) => percent_decode(&file),
                Some(Err(())) => {
                    out.push(BrokenLink {
                        page: p.path.to_string(),
                        href: href.clone(),
                        message: format!(
                            "link to `{href}` leaves the site: its pages are under `{base}`"
                        ),
                        hint: "base_url in opora.toml puts every page under that path; start the link with it, or link relative to the page (../other/)",
                    });
                    continue;
                }
            };
            let problem = if !existing.contains(file.as_str()) {
                Some(format!(
                    "link to `{href}` leads nowhere: the site has no `{file}`"
                ))
            } else if let Some(f) = fragment.filter(|f| !f.is_empty()) {
                match ids.get(file.as_str()) {
                    Some(set) if !set.contains(&percent_decode(&f)) && !set.contains(&f) => {
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
                    hint: "fix the link target, or create the page it points to",
                });
            }
        }
    }
    out
}

/// `%D0%BE` → `о`: hrefs are percent-encoded by the Markdown renderer, file
/// names and anchors are not. Invalid sequences are kept as written.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && let (Some(h), Some(l)) = (
                bytes.get(i + 1).copied().and_then(hex),
                bytes.get(i + 2).copied().and_then(hex),
            )
        {
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_string())
}

/// Puts the diagnostic on the source line that holds the link, when the link
/// was written in content; otherwise on the page (it came from a template).
/// `source` is the record the page was made from, with its links' places.
pub fn blame(
    link: &BrokenLink,
    source: Option<(&SourceText, &[LinkSpan])>,
    base: &str,
) -> Diagnostic {
    if let Some((file, links)) = source {
        let href = percent_decode(&link.href);
        let written = links.iter().find(|l| {
            let dest = percent_decode(&l.dest);
            dest == href
                || dest
                    .strip_prefix('/')
                    .is_some_and(|rest| format!("{base}{rest}") == href)
        });
        if let Some(l) = written {
            return file
                .error_at(&link.message, l.offset..l.offset + l.len)
                .hint(link.hint);
        }
    }
    Diagnostic::error(format!("public/{}", link.page), &link.message)
        .hint("the link comes from a template in templates/ or from generated data")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_and_out_of_base_links_are_checked() {
        let a = "<a href=\"../b/\">ok</a><a href=\"../nope/\">bad</a><a href=\"/elsewhere/\">out</a><a href=\"/p/b/\">ok</a>";
        let pages = [
            Page {
                path: "a/index.html",
                html: a,
            },
            Page {
                path: "b/index.html",
                html: "",
            },
        ];
        let broken = check(&pages, &[], "/p/");
        assert_eq!(broken.len(), 2, "{broken:?}");
        assert!(broken.iter().any(|b| b.href == "../nope/"));
        assert!(broken.iter().any(|b| b.message.contains("leaves the site")));
    }

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
        let file = SourceText::new("content/pages/a.md", "text [bad](/c/)");
        let links = [LinkSpan {
            dest: "/c/".into(),
            offset: 5,
            len: 10,
        }];
        let d = blame(missing, Some((&file, &links)), "/");
        assert_eq!(d.file, "content/pages/a.md");
        assert_eq!(d.pos.col, 6);
        let d = blame(missing, None, "/");
        assert_eq!(d.file, "public/index.html");
    }
}
