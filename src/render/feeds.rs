//! Atom feeds (RFC 4287): one of the events (written by the events collection)
//! and one of recently changed records across every collection, so readers and
//! other sites can follow the portal.

use crate::collections::{Entry, REGISTRY};
use crate::content::markdown::escape_html;
use crate::site::Site;

/// Where the feed of recently changed records is published.
pub const CHANGES_FEED: &str = "feeds/changes.xml";
/// How many records the changes feed lists.
const CHANGES_LIMIT: usize = 50;

/// A record's last change as an Atom timestamp (midnight UTC of that day);
/// history gives days, and a feed must give every entry an `updated`.
fn timestamp(day: &str) -> String {
    format!("{day}T00:00:00Z")
}

/// An Atom feed of `entries`, each dated by its file's last change.
pub fn atom(site: &Site, path: &str, title: &str, entries: &[Entry]) -> String {
    let dated: Vec<(String, &Entry)> = entries
        .iter()
        .map(|e| {
            let day = site
                .history
                .updated(&e.file)
                .unwrap_or_else(|| "1970-01-01".into());
            (day, e)
        })
        .collect();
    write_atom(site, path, title, &dated)
}

fn write_atom(site: &Site, path: &str, title: &str, entries: &[(String, &Entry)]) -> String {
    let updated = entries
        .iter()
        .map(|(d, _)| d.as_str())
        .max()
        .unwrap_or("1970-01-01");
    let feed_url = site.config.absolute(path);
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    out.push_str(&format!(
        "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"{}\">\n  <title>{}</title>\n  <id>{}</id>\n  <link rel=\"self\" href=\"{}\"/>\n  <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n  <updated>{}</updated>\n  <author><name>{}</name></author>\n",
        escape_html(&site.config.language),
        escape_html(title),
        escape_html(&feed_url),
        escape_html(&feed_url),
        escape_html(&site.config.absolute("")),
        timestamp(updated),
        escape_html(&site.config.title),
    ));
    for (day, e) in entries {
        let url = site.config.absolute(&e.url);
        out.push_str(&format!(
            "  <entry>\n    <title>{}</title>\n    <id>{}</id>\n    <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n    <updated>{}</updated>\n",
            escape_html(&e.title),
            escape_html(&url),
            escape_html(&url),
            timestamp(day),
        ));
        if !e.summary.is_empty() {
            out.push_str(&format!(
                "    <summary>{}</summary>\n",
                escape_html(&e.summary)
            ));
        }
        out.push_str("  </entry>\n");
    }
    out.push_str("</feed>\n");
    out
}

/// The most recently changed records of every collection, newest first.
pub fn changes(site: &Site) -> String {
    let mut entries = Vec::new();
    for c in REGISTRY {
        c.entries(site, &mut entries);
    }
    let mut dated: Vec<(String, &Entry)> = entries
        .iter()
        .filter_map(|e| Some((site.history.updated(&e.file)?, e)))
        .collect();
    dated.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.url.cmp(&b.1.url)));
    dated.truncate(CHANGES_LIMIT);
    let title = format!("{} — изменения", site.config.title);
    write_atom(site, CHANGES_FEED, &title, &dated)
}

/// Every file beyond pages: each collection's own, and the changes feed.
pub fn files(site: &Site) -> Vec<crate::output::OutputFile> {
    let mut out: Vec<crate::output::OutputFile> =
        REGISTRY.iter().flat_map(|c| c.files(site)).collect();
    out.push((CHANGES_FEED.to_string(), changes(site).into_bytes()));
    out
}
