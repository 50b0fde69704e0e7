//! Internal link and anchor checking over the rendered site, for `opora check`
//! and `opora build` alike. Every address a page follows or loads from the
//! site is checked: `href` (links, stylesheets), `src` and `srcset`
//! (images, scripts, `<source>`s). One is broken when no file of the site
//! answers its path, when the target page has no element with the
//! `#fragment`'s id, or when a path leaves the site's base path. An address
//! is another site's only when a browser would read it so: `//host/…`, or a
//! URL scheme (`https:`, `tel:`) before its first `/`, `?` or `#` — so
//! `./a:b` and `jav%61script:x` are paths of this site, checked like any. A
//! relative path climbs no higher than the root of the host, as in a
//! browser. A broken link written in content is blamed on the line of the
//! record where it is written (for a reference-style link, its definition),
//! found from the places the Markdown renderer recorded — not by searching
//! the text.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;

use rustc_hash::{FxHashMap, FxHashSet};

use crate::content::Content;
use crate::content::markdown::{FileLinks, LinkSpan};
use crate::content::source::SourceText;
use crate::diag::Diagnostic;

mod memo;
pub use memo::{LinkMemo, LinkTable};

/// Every record's file and the places of the links written in it.
#[derive(Debug, Default, Clone)]
pub struct LinkPlaces {
    files: BTreeMap<String, FileLinks>,
}

impl LinkPlaces {
    /// Only files that hold links are kept: a broken link on a page made from
    /// any other file is blamed on the page all the same, and keeping every
    /// record's text alive for the whole build would cost the size of the
    /// content in memory.
    pub fn from_content(content: &Content) -> Self {
        Self {
            files: content
                .links
                .iter()
                .filter(|(_, f)| !f.links.is_empty())
                .map(|(path, f)| (path.clone(), f.clone()))
                .collect(),
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
#[cfg(test)]
pub struct Page<'a> {
    pub path: &'a str,
    pub html: &'a str,
}

/// What a page does with an address: follows it when the reader asks (a
/// link), or loads it with the page (an image, a script, a stylesheet).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Use {
    Follow,
    Load,
}

impl Use {
    /// The address as a finding names it.
    fn named(self, href: &str) -> String {
        match self {
            Use::Follow => format!("link to `{href}`"),
            Use::Load => format!("`{href}` (an image or other file the page loads)"),
        }
    }
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

/// The values of attribute `attr` in `html`, as written: as the templates
/// and the Markdown renderer write attributes (a space before the name, the
/// value in double quotes, where a `"` is written `&quot;`).
fn attr_values<'a>(html: &'a str, attr: &str) -> Vec<&'a str> {
    let needle = format!(" {attr}=\"");
    // memchr's SIMD search: this scan runs over every page and was ~11 % of
    // a large build's CPU with `str::find` (perf, 100,000 services). One
    // search for all the attributes (aho-corasick) was several times slower
    // than one per attribute: its needles all start with a space and a
    // letter, which HTML is full of.
    let finder = memchr::memmem::Finder::new(needle.as_bytes());
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = finder.find(rest.as_bytes()) {
        rest = &rest[i + needle.len()..];
        if let Some(end) = memchr::memchr(b'"', rest.as_bytes()) {
            out.push(&rest[..end]);
            rest = &rest[end..];
        }
    }
    out
}

/// The addresses `html` loads with the page (`src`, `srcset`), as written:
/// one search for both, which begin alike. `true` marks a `srcset`.
fn loaded_values(html: &str) -> Vec<(bool, &str)> {
    let finder = memchr::memmem::Finder::new(b" src");
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = finder.find(rest.as_bytes()) {
        rest = &rest[i + " src".len()..];
        let (srcset, after) = if let Some(after) = rest.strip_prefix("=\"") {
            (false, after)
        } else if let Some(after) = rest.strip_prefix("set=\"") {
            (true, after)
        } else {
            continue;
        };
        if let Some(end) = memchr::memchr(b'"', after.as_bytes()) {
            out.push((srcset, &after[..end]));
            rest = &after[end..];
        }
    }
    out
}

/// The addresses of a `srcset` value (`a.jpg 1x, /b.jpg 480w`): each
/// candidate's address, up to the white space before its descriptor, as
/// the HTML standard splits them (an address may hold commas; one that ends
/// in commas loses them).
fn srcset_addresses(value: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = value;
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_ascii_whitespace() || c == ',');
        if rest.is_empty() {
            return out;
        }
        let end = rest
            .find(|c: char| c.is_ascii_whitespace())
            .unwrap_or(rest.len());
        let address = &rest[..end];
        rest = &rest[end..];
        let trimmed = address.trim_end_matches(',');
        if trimmed.len() == address.len() {
            // Its descriptor runs to the next comma outside brackets.
            let mut depth = 0usize;
            let stop = rest
                .char_indices()
                .find(|&(_, c)| {
                    match c {
                        '(' => depth += 1,
                        ')' => depth = depth.saturating_sub(1),
                        ',' if depth == 0 => return true,
                        _ => {}
                    }
                    false
                })
                .map_or(rest.len(), |(i, _)| i);
            rest = &rest[stop..];
        }
        if !trimmed.is_empty() {
            out.push(trimmed);
        }
    }
}

/// Attribute text as written in the HTML, with the entities templates
/// produce turned back into characters. Most values hold none: those are
/// returned as they are, without the five passes (this runs on every link of
/// every page).
fn unescape(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.contains('&') {
        return std::borrow::Cow::Borrowed(s);
    }
    std::borrow::Cow::Owned(unescape_entities(s))
}

fn unescape_entities(s: &str) -> String {
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
/// scheme like `tel:`, `mailto:`, `geo:` — found as a browser finds it
/// (`crate::urls`), so a `:` after a `/` (`./a:b`) or in what is no scheme
/// (`jav%61script:x`) makes no link external. `target` is the link without
/// its `?query` and `#fragment`.
fn site_target(page: &str, target: &str, base: &str) -> Option<Result<String, ()>> {
    if target.is_empty() {
        return Some(Ok(page.to_string()));
    }
    if target.starts_with("//") || crate::urls::scheme_of(target).is_some() {
        return None;
    }
    if let Some(rest) = target.strip_prefix(base) {
        return Some(Ok(file_for(rest)));
    }
    if target.starts_with('/') {
        // A path on this host but outside the site's base path: with
        // base_url `https://x.org/portal/`, `/routes/` is another site.
        return Some(Err(()));
    }
    Some(relative_target(page, target, base))
}

/// A relative path from `page`, resolved as a browser resolves it: from
/// the page's folder under the base path, `.` and `..` (also written
/// `%2e`) taken away, and `..` at the host's root staying there (so
/// `../../../../x` from a page two folders deep is `/x`). `Err` when the
/// result is not under the base path.
fn relative_target(page: &str, target: &str, base: &str) -> Result<String, ()> {
    let base: Vec<&str> = base.split('/').filter(|s| !s.is_empty()).collect();
    let mut parts = base.clone();
    parts.extend(page.split('/'));
    parts.pop();
    // Whether the last segment was `.` or `..`: the path then names a folder.
    let mut folder = false;
    for segment in target.split('/') {
        folder = true;
        match dot_segment(segment) {
            Some(Dot::Up) => {
                parts.pop();
            }
            Some(Dot::Here) => {}
            None => {
                folder = false;
                parts.push(segment);
            }
        }
    }
    let inside = parts.get(..base.len()).ok_or(())?;
    if inside != base.as_slice() {
        return Err(());
    }
    let mut path = parts[base.len()..].join("/");
    if folder && !path.is_empty() && !path.ends_with('/') {
        path.push('/');
    }
    Ok(if path.is_empty() || path.ends_with('/') {
        file_for(&path)
    } else {
        path
    })
}

/// A dot segment of a path: `.` or `..`, as the URL standard reads them
/// (`%2e` is a dot too, in either case).
enum Dot {
    Here,
    Up,
}

fn dot_segment(segment: &str) -> Option<Dot> {
    let dot = |s: &str| s == "." || s.eq_ignore_ascii_case("%2e");
    match segment.len() {
        1 | 3 if dot(segment) => Some(Dot::Here),
        2 | 4 | 6 => {
            let split = if segment.starts_with('.') { 1 } else { 3 };
            let (a, b) = segment.split_at_checked(split)?;
            (dot(a) && dot(b)).then_some(Dot::Up)
        }
        _ => None,
    }
}

/// A link as the check takes it: the address as written (entities
/// decoded), the file it leads to (`Err` when it leaves the base path), its
/// fragment, and whether the page follows or loads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FoundLink {
    href: String,
    file: Result<String, ()>,
    fragment: Option<String>,
    how: Use,
}

/// The links of one rendered page, taken apart while the page is still in
/// memory, so that the page itself need not be kept for the check.
#[derive(Debug, Default)]
pub struct PageLinks {
    pub path: String,
    /// Hashes of the page's `id`s: all a link's `#fragment` needs of it.
    ids: Vec<u64>,
    /// Distinct on-site links, as the check takes them.
    links: Vec<FoundLink>,
    /// Every distinct on-site link of the page by its number in the site's
    /// [`LinkTable`], and its ids: what the next build needs to check the
    /// page's links if it keeps the page (`None` unless a table was given).
    memo: Option<LinkMemo>,
}

impl PageLinks {
    /// Reads `html`, the page at `path` (an output path), on a site under
    /// `base`. A link without a fragment into a file of `known` (see
    /// [`LinkCheck::freeze`]) cannot be broken and is not kept: most links
    /// of a page are its menus', the same on every page. With `table`, every
    /// on-site link is numbered in it, for the page's memo
    /// ([`PageLinks::take_memo`]).
    pub fn read(
        path: &str,
        html: &str,
        base: &str,
        known: &KnownFiles,
        table: Option<&LinkTable>,
    ) -> PageLinks {
        let mut out = PageLinks {
            path: path.to_string(),
            ..PageLinks::default()
        };
        if !path.ends_with(".html") {
            return out;
        }
        out.ids = attr_values(html, "id")
            .into_iter()
            .map(|id| id_hash(&unescape(id)))
            .collect();
        let mut addresses: Vec<(Use, Cow<str>)> = attr_values(html, "href")
            .into_iter()
            .map(|href| (Use::Follow, unescape(href)))
            .collect();
        for (srcset, raw) in loaded_values(html) {
            let value = unescape(raw);
            if srcset {
                let each = srcset_addresses(&value).into_iter();
                addresses.extend(each.map(|a| (Use::Load, Cow::Owned(a.to_string()))));
            } else {
                addresses.push((Use::Load, value));
            }
        }
        out.ids.sort_unstable();
        out.ids.dedup();
        let mut numbers = Vec::new();
        let mut seen = FxHashSet::default();
        for (how, href) in &addresses {
            if !seen.insert((*how, &**href)) {
                continue;
            }
            let (target, fragment) = match href.split_once('#') {
                Some((t, f)) => (t, Some(f)),
                None => (&**href, None),
            };
            let target = target.split('?').next().unwrap_or("");
            let file = match site_target(path, target, base) {
                None => continue,
                Some(file) => file.map(|f| percent_decode(&f)),
            };
            if let Some(table) = table {
                // A link to the page itself is numbered once for the site.
                let file = if target.is_empty() {
                    Ok("")
                } else {
                    file.as_deref().map_err(|_| ())
                };
                numbers.push(table.number(href, file, fragment, *how));
            }
            let no_fragment = fragment.is_none_or(str::is_empty);
            if no_fragment && file.as_ref().is_ok_and(|f| known.0.contains(f.as_str())) {
                continue;
            }
            out.links.push(FoundLink {
                href: href.to_string(),
                file,
                fragment: fragment.map(str::to_string),
                how: *how,
            });
        }
        if let Some(table) = table {
            out.memo = Some(LinkMemo {
                ids: out.ids.iter().map(|&id| table.number_id(id)).collect(),
                links: numbers,
            });
        }
        out
    }

    /// The page's memo, encoded (empty without one), for the build record.
    pub fn take_memo(&mut self) -> Vec<u8> {
        let mut bytes = Vec::new();
        if let Some(memo) = self.memo.take() {
            memo.encode(&mut bytes);
        }
        bytes
    }
}

/// The files a site is known to have at one point of the check, shared
/// read-only with the threads that read pages ([`LinkCheck::freeze`]).
#[derive(Debug, Default, Clone)]
pub struct KnownFiles(Arc<FxHashSet<String>>);

/// Whether a page with these (sorted) id hashes has the anchor `fragment`,
/// written as is or percent-encoded.
fn has_id(ids: &[u64], fragment: &str) -> bool {
    let has = |f: &str| ids.binary_search(&id_hash(f)).is_ok();
    has(fragment) || has(&percent_decode(fragment))
}

fn id_hash(id: &str) -> u64 {
    crate::output::fnv1a(id.as_bytes())
}

/// Checks the site's links page by page as the pages are rendered, keeping
/// only what a later page's link may still need: which files exist, the ids
/// of each page, and the links into files not seen yet. Files are learned as
/// they are written ([`LinkCheck::file`], [`LinkCheck::add`]), in any order:
/// a link into a file not known yet waits, and only [`LinkCheck::finish`]
/// calls it broken. Memory grows with the number of pages, not with their size.
#[derive(Debug)]
pub struct LinkCheck {
    base: String,
    /// Every file of the site known so far: pages read, files written or
    /// announced, static files — those known when [`LinkCheck::freeze`] was
    /// last called in `frozen`, the others in `files`.
    files: FxHashSet<String>,
    frozen: KnownFiles,
    /// Ids of the pages read so far.
    ids: FxHashMap<String, Vec<u64>>,
    /// Links into a file not known yet, or into a page not read yet when they
    /// carry a fragment: target → (page, link).
    waiting: FxHashMap<String, Vec<(String, FoundLink)>>,
    broken: Vec<BrokenLink>,
}

impl LinkCheck {
    pub fn new(base: &str) -> LinkCheck {
        LinkCheck {
            base: base.to_string(),
            files: FxHashSet::default(),
            frozen: KnownFiles::default(),
            ids: FxHashMap::default(),
            waiting: FxHashMap::default(),
            broken: Vec::new(),
        }
    }

    /// `path` (an output path) is a file of the site: written, static, or a
    /// page that will be read later. Its anchors are checked only if it is
    /// read as a page ([`LinkCheck::add`]).
    pub fn file(&mut self, path: impl Into<String>) {
        self.files.insert(path.into());
    }

    /// The files known so far, to share with the threads that read pages:
    /// a link into one of them needs no check beyond its fragment.
    pub fn freeze(&mut self) -> KnownFiles {
        if !self.files.is_empty() {
            let mut all = std::mem::take(&mut self.files);
            all.extend(self.frozen.0.iter().cloned());
            self.frozen = KnownFiles(Arc::new(all));
        }
        self.frozen.clone()
    }

    fn knows(&self, file: &str) -> bool {
        self.files.contains(file) || self.frozen.0.contains(file)
    }

    /// A page of the site and its links.
    pub fn add(&mut self, page: PageLinks) {
        let PageLinks {
            path, ids, links, ..
        } = page;
        if !path.ends_with(".html") {
            self.file(path);
            return;
        }
        for link in links {
            let file = match &link.file {
                Ok(file) => file,
                Err(()) => {
                    let message = format!(
                        "{} leaves the site: its pages are under `{}`",
                        link.how.named(&link.href),
                        self.base
                    );
                    self.broken.push(BrokenLink {
                        page: path.clone(),
                        href: link.href,
                        message,
                        hint: "base_url in opora.toml puts every page under that path; start the link with it, or link relative to the page (../other/)",
                    });
                    continue;
                }
            };
            let fragment = link.fragment.as_deref().filter(|f| !f.is_empty());
            let known = if *file == path {
                Some(&ids)
            } else {
                self.ids.get(file)
            };
            match (known, fragment) {
                (Some(target), Some(fragment)) => {
                    if !has_id(target, fragment) {
                        self.missing_anchor(&path, &link, file, fragment);
                    }
                }
                (Some(_), None) => {}
                // A file that is not a page has no anchors to check.
                (None, fragment)
                    if self.knows(file) && (fragment.is_none() || !file.ends_with(".html")) => {}
                (None, _) => {
                    let file = file.clone();
                    self.waiting
                        .entry(file)
                        .or_default()
                        .push((path.clone(), link))
                }
            }
        }
        for (from, link) in self.waiting.remove(&path).unwrap_or_default() {
            if let Some(fragment) = link.fragment.as_deref().filter(|f| !f.is_empty())
                && !has_id(&ids, fragment)
            {
                self.missing_anchor(&from, &link, &path, fragment);
            }
        }
        self.files.insert(path.clone());
        self.ids.insert(path, ids);
    }

    fn missing_anchor(&mut self, page: &str, link: &FoundLink, file: &str, fragment: &str) {
        let message = format!(
            "{}: `{file}` has no anchor `#{fragment}`",
            link.how.named(&link.href)
        );
        self.broken.push(BrokenLink::to_fix(page, link, message));
    }

    /// The broken links: those found as the pages were read, in their order,
    /// then the links into files the site never had. A fragment into a file
    /// that is not a rendered page (a static file) is not checked.
    pub fn finish(mut self) -> Vec<BrokenLink> {
        let mut waiting: Vec<_> = std::mem::take(&mut self.waiting)
            .into_iter()
            .filter(|(file, _)| !self.knows(file))
            .collect();
        waiting.sort_by(|a, b| a.0.cmp(&b.0));
        for (file, links) in waiting {
            for (page, link) in links {
                let message = format!(
                    "{} leads nowhere: the site has no `{file}`",
                    link.how.named(&link.href)
                );
                self.broken.push(BrokenLink::to_fix(&page, &link, message));
            }
        }
        self.broken
    }
}

impl BrokenLink {
    fn to_fix(page: &str, link: &FoundLink, message: String) -> BrokenLink {
        BrokenLink {
            page: page.to_string(),
            href: link.href.clone(),
            message,
            hint: match link.how {
                Use::Follow => "fix the link target, or create the page it points to",
                Use::Load => {
                    "fix the path, or put the file under static/ (static/images/a.png is published as /images/a.png)"
                }
            },
        }
    }
}

/// Checks every `href` that points into the site (under `base`) or at an anchor.
/// `other_files` are files written besides pages (static files, exports).
#[cfg(test)]
pub fn check(pages: &[Page], other_files: &[String], base: &str) -> Vec<BrokenLink> {
    let mut links = LinkCheck::new(base);
    for f in other_files {
        links.file(f.as_str());
    }
    let known = links.freeze();
    for p in pages {
        links.add(PageLinks::read(p.path, p.html, base, &known, None));
    }
    links.finish()
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
    fn addresses_a_page_loads_are_checked_like_links() {
        let html = "<link rel=\"stylesheet\" href=\"/style.css?v=1\"><img src=\"/nope.png\" alt=\"\">\
            <img src=\"/a.png\" srcset=\"/a.png 1x, /b.png 2x,/c,d.png 3x\" data-src=\"/never.png\">\
            <script src=\"https://example.org/x.js\"></script><p class=\"src\"> src</p>";
        let pages = [Page {
            path: "index.html",
            html,
        }];
        let files = ["style.css".to_string(), "a.png".to_string()];
        let broken = check(&pages, &files, "/");
        let mut hrefs: Vec<&str> = broken.iter().map(|b| b.href.as_str()).collect();
        hrefs.sort_unstable();
        assert_eq!(hrefs, ["/b.png", "/c,d.png", "/nope.png"]);
        let nope = broken.iter().find(|b| b.href == "/nope.png").unwrap();
        assert_eq!(
            nope.message,
            "`/nope.png` (an image or other file the page loads) leads nowhere: the site has no `nope.png`"
        );
        assert!(nope.hint.contains("static/"), "{}", nope.hint);
    }

    #[test]
    fn srcset_is_split_into_its_addresses_as_the_html_standard_splits_it() {
        assert_eq!(
            srcset_addresses(" a.jpg 1x,/b.jpg 480w , c,d.jpg, e.jpg (x, y) 2x,f.jpg"),
            ["a.jpg", "/b.jpg", "c,d.jpg", "e.jpg", "f.jpg"]
        );
        assert!(srcset_addresses(" , ").is_empty());
    }

    #[test]
    fn a_link_is_another_sites_only_when_a_browser_reads_it_so() {
        let at = |target: &str, base: &str| site_target("a/b/index.html", target, base);
        // A scheme before the first `/`, `?` or `#`, or `//host`: not ours.
        for external in [
            "https://x.ru/",
            "mailto:a@b.ru",
            "tel:+7",
            "javascript:x",
            "//x.ru/a",
        ] {
            assert_eq!(at(external, "/"), None, "{external}");
        }
        // A `:` anywhere else, or after what is no scheme: a path of the site.
        assert_eq!(at("./a:b", "/"), Some(Ok("a/b/a:b".into())));
        assert_eq!(
            at("jav%61script:x", "/"),
            Some(Ok("a/b/jav%61script:x".into()))
        );
        assert_eq!(at("x/y:z", "/"), Some(Ok("a/b/x/y:z".into())));
        assert_eq!(at("1x:y", "/"), Some(Ok("a/b/1x:y".into())));
    }

    #[test]
    fn relative_links_climb_no_higher_than_the_hosts_root() {
        let at = |target: &str, base: &str| site_target("a/b/index.html", target, base);
        assert_eq!(at("../../../../x", "/"), Some(Ok("x".into())));
        assert_eq!(at("../../../../", "/"), Some(Ok("index.html".into())));
        assert_eq!(at("..", "/"), Some(Ok("a/index.html".into())));
        assert_eq!(at("%2e%2E/y/", "/"), Some(Ok("a/y/index.html".into())));
        assert_eq!(at(".%2e/.", "/"), Some(Ok("a/index.html".into())));
        assert_eq!(at("./", "/"), Some(Ok("a/b/index.html".into())));
        // Under a base path: above it is another site, unless the path
        // comes back into it.
        assert_eq!(at("../../../../x", "/p/"), Some(Err(())));
        assert_eq!(at("../../../p/x/", "/p/"), Some(Ok("x/index.html".into())));
        assert_eq!(at("../c/", "/p/"), Some(Ok("a/c/index.html".into())));
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

    #[test]
    fn link_places_keep_only_the_files_that_hold_links() {
        use crate::content::markdown::FileLinks;
        use std::sync::Arc;
        let mut content = Content::default();
        let file = |rel: &str, text: &str, links: Vec<LinkSpan>| FileLinks {
            file: Arc::new(SourceText::new(rel, text)),
            links: Arc::new(links),
        };
        let with = vec![LinkSpan {
            dest: "/c/".into(),
            offset: 5,
            len: 10,
        }];
        content
            .links
            .insert("a.md".into(), file("a.md", "text [bad](/c/)", with));
        content
            .links
            .insert("b.md".into(), file("b.md", "no links here", Vec::new()));
        let places = LinkPlaces::from_content(&content);
        let (text, links) = places.get("a.md").expect("a file with links is kept");
        assert_eq!((text.rel.as_str(), links.len()), ("a.md", 1));
        // A file without links could blame nothing: its text is not kept.
        assert!(places.get("b.md").is_none());
    }

    #[test]
    fn a_link_into_a_file_written_later_waits_and_only_finish_judges_it() {
        let html = "<a href=\"/data.json\">later</a><a href=\"/gone.json\">never</a><a href=\"/static.html#x\">static</a><a href=\"/late/#y\">late page</a>";
        let mut links = LinkCheck::new("/");
        let nothing = KnownFiles::default();
        links.add(PageLinks::read("index.html", html, "/", &nothing, None));
        links.file("static.html");
        links.file("data.json");
        links.add(PageLinks::read(
            "late/index.html",
            "<p id=\"z\">",
            "/",
            &nothing,
            None,
        ));
        let broken = links.finish();
        let messages: Vec<&str> = broken.iter().map(|b| b.message.as_str()).collect();
        assert_eq!(
            messages,
            vec![
                "link to `/late/#y`: `late/index.html` has no anchor `#y`",
                "link to `/gone.json` leads nowhere: the site has no `gone.json`",
            ]
        );
        assert!(broken.iter().all(|b| b.page == "index.html"));
    }
}
