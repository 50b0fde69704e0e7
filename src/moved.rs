//! Addresses that moved (`data/moved.toml`). When editors rename a record,
//! merge two records of one organisation or split a page, the old address
//! is still printed on leaflets, behind QR codes and in families' bookmarks;
//! instead of a «страница не найдена», it gets a small page that sends the
//! browser on to the new address (a `<meta http-equiv="refresh">`, so it
//! works without JavaScript and on any static host) and shows the link.
//!
//! ```toml
//! [[moved]]
//! from = "/services/ru-mos/mo-fc-neposedy/"
//! to = "/services/ru-mos/mo-fc-balashikhinsky/"
//! note = "две записи одного центра объединены"   # for editors; not published
//! ```
//!
//! Addresses are the site's own, from its root, as its links write them.
//! An entry whose old address is a page the site still makes, whose new
//! address is no page of the site, or that leads to another moved address
//! is an error at its line: a redirect must never hide a page or lead
//! nowhere.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::content::source::SourceText;
use crate::diag::{Diagnostic, Diagnostics};
use crate::output::OutputFile;
use crate::site::Site;

/// The data file, relative to the portal root.
pub const FILE: &str = "data/moved.toml";

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MovedFile {
    #[serde(default)]
    pub moved: Vec<MovedEntry>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MovedEntry {
    /// The old address (`/services/ru-mos/old-slug/`).
    pub from: Spanned<String>,
    /// Where its content is now.
    pub to: Spanned<String>,
    /// Why it moved: for editors reading the file, never published.
    #[serde(default)]
    pub note: Option<String>,
}

/// A moved address the site makes a page for: both as site URLs without
/// the leading slash (`services/ru-mos/old-slug/`), as other views' `url`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MovedPage {
    pub from: String,
    pub to: String,
    /// The name of the record at the new address, to show on the link
    /// (set by the build, which knows the records).
    pub title: Option<String>,
}

/// The moved addresses of `data/moved.toml` that may have their page,
/// checked against every page the site makes of its content (`own`,
/// `crate::render::pages::own_pages`) and the editing interface's `/admin/`.
pub fn pages_for(
    site: &Site,
    own: &[(String, crate::render::pages::Kind)],
    admin: &[OutputFile],
    moved: &MovedFile,
    file: &SourceText,
    diags: &mut Diagnostics,
) -> Vec<MovedPage> {
    if moved.moved.is_empty() {
        return Vec::new();
    }
    let paths: HashSet<&str> = own
        .iter()
        .map(|(p, _)| p.as_str())
        .chain(admin.iter().map(|(p, _)| p.as_str()))
        .collect();
    let mut problems = Vec::new();
    let mut pages = resolve(moved, (&file.rel, &file.text), &paths, &mut problems);
    diags.extend(problems);
    // The link names the record now at the new address, where one is.
    let mut entries = Vec::new();
    for c in crate::collections::REGISTRY {
        c.entries(site, &mut entries);
    }
    let titles: std::collections::HashMap<&str, &str> = entries
        .iter()
        .map(|e| (e.url.as_str(), e.title.as_str()))
        .collect();
    for page in &mut pages {
        page.title = titles.get(page.to.as_str()).map(|t| t.to_string());
    }
    pages
}

/// Why `address` cannot be a page address of the site, if it cannot.
fn address_problem(address: &str) -> Option<&'static str> {
    let Some(inner) = address.strip_prefix('/') else {
        return Some("an address starts with / (the site's root)");
    };
    if inner.is_empty() {
        return Some("the home page cannot move");
    }
    if !inner.ends_with('/') {
        return Some("a page's address ends with /");
    }
    if !inner
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '/'))
    {
        return Some("page addresses use only small Latin letters, digits, - and _");
    }
    if inner.split('/').rev().skip(1).any(str::is_empty) {
        return Some("an address has no empty part (//)");
    }
    None
}

/// The entries of `file` (`rel`, with the text it was read from) that can
/// be published as moved pages, and the problems of the others. `pages` holds the output path of every page the
/// site makes (`services/ru-mos/slug/index.html`), none of them moved.
pub fn resolve(
    file: &MovedFile,
    (rel, text): (&str, &str),
    pages: &HashSet<&str>,
    out: &mut Vec<Diagnostic>,
) -> Vec<MovedPage> {
    // One index of the file's lines for all its findings: a file of
    // thousands of wrong entries is found wrong in time linear in its size.
    let lines = crate::diag::LineTable::new(text);
    let index = crate::diag::LineIndex::new(text, &lines);
    let error = |at: &Spanned<String>, message: String, hint: &str| {
        Diagnostic::error(rel, message)
            .at_in(&index, at.span())
            .hint(hint)
    };
    let page_of = |address: &str| crate::collections::path_of(&address[1..]);
    let olds: HashSet<&str> = file
        .moved
        .iter()
        .map(|m| m.from.get_ref().as_str())
        .collect();
    let mut seen = HashSet::new();
    let mut good = Vec::new();
    // Looking for the closest page walks them all: for the first few wrong
    // targets only, so that a file of thousands of them cannot stall `check`
    // (no more than `diag::MAX_PER_FILE` findings are shown anyway).
    let mut suggestions_left = 20;
    for m in &file.moved {
        let (from, to) = (m.from.get_ref(), m.to.get_ref());
        let mut fine = true;
        for address in [&m.from, &m.to] {
            if let Some(problem) = address_problem(address.get_ref()) {
                out.push(error(
                    address,
                    format!("`{}` is not a page address: {problem}", address.get_ref()),
                    "write the address as the site's links do, e.g. /services/ru-mos/slug/",
                ));
                fine = false;
            }
        }
        if !fine {
            continue;
        }
        if !seen.insert(from.as_str()) {
            out.push(error(
                &m.from,
                format!("`{from}` is moved twice"),
                "keep one entry for each old address",
            ));
        } else if from == to {
            out.push(error(
                &m.to,
                format!("`{from}` is moved to itself"),
                "give the page's new address, or remove the entry",
            ));
        } else if pages.contains(page_of(from).as_str()) {
            out.push(error(
                &m.from,
                format!("the site still has a page at `{from}`: moving it would hide that page"),
                "remove the entry, or rename or remove that page's record first",
            ));
        } else if olds.contains(to.as_str()) {
            out.push(error(
                &m.to,
                format!("`{to}` has moved too"),
                "lead every old address straight to where the page is now",
            ));
        } else if !pages.contains(page_of(to).as_str()) {
            let wanted = page_of(to);
            let close = if suggestions_left > 0 {
                suggestions_left -= 1;
                nearest(pages, &wanted)
            } else {
                None
            };
            let hint = close.map_or_else(
                || "give the address of a page the site makes".to_string(),
                |p| format!("did you mean `/{}`?", p.trim_end_matches("index.html")),
            );
            out.push(error(
                &m.to,
                format!("the site has no page at `{to}`"),
                &hint,
            ));
        } else {
            good.push(MovedPage {
                from: from[1..].to_string(),
                to: to[1..].to_string(),
                title: None,
            });
        }
    }
    good
}

/// The page whose output path is closest to `wanted`, if one is close: a
/// typo in a slug (`balashikhinskiy` for `balashikhinsky`).
fn nearest<'a>(pages: &HashSet<&'a str>, wanted: &str) -> Option<&'a str> {
    const CLOSE: usize = 3;
    let distance = |p: &str| crate::validate::edit_distance_within(p, wanted, CLOSE);
    pages
        .iter()
        .copied()
        .filter(|p| p.len().abs_diff(wanted.len()) <= CLOSE)
        .map(|p| (distance(p), p))
        .filter(|&(d, _)| d <= CLOSE)
        .min()
        .map(|(_, p)| p)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str, pages: &[&str]) -> (Vec<MovedPage>, Vec<Diagnostic>) {
        let file: MovedFile = toml::from_str(text).unwrap();
        let pages: HashSet<&str> = pages.iter().copied().collect();
        let mut out = Vec::new();
        let good = resolve(&file, (FILE, text), &pages, &mut out);
        (good, out)
    }

    const PAGES: &[&str] = &[
        "services/ru-mos/mo-fc-balashikhinsky/index.html",
        "services/ru-mos/mo-fc-ruzsky/index.html",
    ];

    #[test]
    fn an_old_address_leads_to_a_page_of_the_site() {
        let (good, out) = run(
            "[[moved]]\nfrom = \"/services/ru-mos/mo-fc-neposedy/\"\nto = \"/services/ru-mos/mo-fc-balashikhinsky/\"\nnote = \"объединены\"\n",
            PAGES,
        );
        assert!(out.is_empty(), "{out:?}");
        assert_eq!(
            good,
            [MovedPage {
                from: "services/ru-mos/mo-fc-neposedy/".into(),
                to: "services/ru-mos/mo-fc-balashikhinsky/".into(),
                title: None,
            }]
        );
    }

    #[test]
    fn each_wrong_entry_is_an_error_at_its_line_and_not_published() {
        let (good, out) = run(
            concat!(
                "[[moved]]\nfrom = \"services/a/\"\nto = \"/services/ru-mos/mo-fc-ruzsky/\"\n",
                "[[moved]]\nfrom = \"/services/ru-mos/mo-fc-ruzsky/\"\nto = \"/services/ru-mos/mo-fc-balashikhinsky/\"\n",
                "[[moved]]\nfrom = \"/old/\"\nto = \"/services/ru-mos/mo-fc-balashikhinskiy/\"\n",
                "[[moved]]\nfrom = \"/old-2/\"\nto = \"/old/\"\n",
                "[[moved]]\nfrom = \"/old-2/\"\nto = \"/services/ru-mos/mo-fc-ruzsky/\"\n",
                "[[moved]]\nfrom = \"/Старое/\"\nto = \"/services/ru-mos/mo-fc-ruzsky/\"\n",
            ),
            PAGES,
        );
        assert!(good.is_empty(), "{good:?}");
        let found: Vec<(usize, &str)> = out
            .iter()
            .map(|d| (d.pos.line, d.message.as_str()))
            .collect();
        assert_eq!(found.len(), 6, "{found:?}");
        assert!(found[0].0 == 2 && found[0].1.contains("starts with /"));
        assert!(found[1].0 == 5 && found[1].1.contains("still has a page"));
        assert!(found[2].0 == 9 && found[2].1.contains("no page at"));
        assert_eq!(
            out[2].hint.as_deref(),
            Some("did you mean `/services/ru-mos/mo-fc-balashikhinsky/`?")
        );
        assert!(found[3].0 == 12 && found[3].1.contains("has moved too"));
        assert!(found[4].0 == 14 && found[4].1.contains("moved twice"));
        assert!(found[5].0 == 17 && found[5].1.contains("small Latin letters"));
    }

    #[test]
    fn addresses_are_the_sites_own_from_its_root() {
        assert_eq!(address_problem("/a/b-2/"), None);
        for bad in [
            "a/",
            "/",
            "/a",
            "/a//b/",
            "/a/../b/",
            "/a b/",
            "https://x.ru/a/",
        ] {
            assert!(address_problem(bad).is_some(), "{bad}");
        }
    }
}
