//! `sitemap.xml`: every HTML page except the 404 page, with the date its
//! source last changed. The sitemaps protocol allows at most 50,000 URLs in
//! one file, which a national directory passes; a larger site gets a sitemap
//! index at `sitemap.xml` naming `sitemap-1.xml`, `sitemap-2.xml`, … so that
//! the address in `robots.txt` stays the same at every size.

use crate::config::Config;
use crate::content::markdown::escape_html;
use crate::output::OutputFile;

/// URLs per sitemap file (the protocol's limit).
pub const URLS_PER_FILE: usize = 50_000;

/// Whether a page (output path) belongs in the sitemap.
pub fn lists(path: &str) -> bool {
    path.ends_with("index.html")
}

/// The sitemap files for `pages` (output path, last change): `sitemap.xml`,
/// then its parts when it is an index.
pub fn files<'a>(
    config: &Config,
    pages: impl IntoIterator<Item = (&'a str, Option<&'a str>)>,
    per_file: usize,
) -> Vec<OutputFile> {
    let mut urls: Vec<(String, Option<&str>)> = pages
        .into_iter()
        .filter(|(path, _)| lists(path))
        .map(|(path, lastmod)| {
            (
                config.absolute(path.trim_end_matches("index.html")),
                lastmod,
            )
        })
        .collect();
    urls.sort();
    if urls.len() <= per_file {
        return vec![("sitemap.xml".into(), urlset(&urls).into_bytes())];
    }
    let parts: Vec<OutputFile> = urls
        .chunks(per_file)
        .enumerate()
        .map(|(i, chunk)| (format!("sitemap-{}.xml", i + 1), urlset(chunk).into_bytes()))
        .collect();
    let mut index = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for (path, _) in &parts {
        index.push_str("  <sitemap><loc>");
        index.push_str(&escape_html(&config.absolute(path)));
        index.push_str("</loc></sitemap>\n");
    }
    index.push_str("</sitemapindex>\n");
    let mut out = vec![("sitemap.xml".to_string(), index.into_bytes())];
    out.extend(parts);
    out
}

fn urlset(urls: &[(String, Option<&str>)]) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for (u, lastmod) in urls {
        out.push_str("  <url><loc>");
        out.push_str(&escape_html(u));
        out.push_str("</loc>");
        if let Some(d) = lastmod {
            out.push_str("<lastmod>");
            out.push_str(d);
            out.push_str("</lastmod>");
        }
        out.push_str("</url>\n");
    }
    out.push_str("</urlset>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> Config {
        toml::from_str("title = \"Т\"\nbase_url = \"https://example.org/portal/\"").unwrap()
    }

    fn pages(n: usize) -> Vec<(String, Option<String>)> {
        let mut v: Vec<_> = (0..n)
            .map(|i| {
                (
                    format!("p{i:03}/index.html"),
                    Some("2026-11-30".to_string()),
                )
            })
            .collect();
        v.push(("404.html".into(), None));
        v.push(("search/manifest.bin".into(), None));
        v
    }

    fn borrowed(pages: &[(String, Option<String>)]) -> impl Iterator<Item = (&str, Option<&str>)> {
        pages.iter().map(|(p, d)| (p.as_str(), d.as_deref()))
    }

    #[test]
    fn a_small_site_has_one_sitemap_of_its_pages() {
        let pages = pages(3);
        let files = files(&config(), borrowed(&pages), 2_000);
        assert_eq!(files.len(), 1);
        let xml = String::from_utf8(files[0].1.clone()).unwrap();
        assert_eq!(
            xml.matches("<url>").count(),
            3,
            "no 404 page, no data: {xml}"
        );
        assert!(
            xml.contains(
                "<loc>https://example.org/portal/p001/</loc><lastmod>2026-11-30</lastmod>"
            )
        );
    }

    #[test]
    fn a_site_over_the_limit_gets_a_sitemap_index_and_its_parts() {
        let pages = pages(5);
        let files = files(&config(), borrowed(&pages), 2);
        let names: Vec<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(
            names,
            [
                "sitemap.xml",
                "sitemap-1.xml",
                "sitemap-2.xml",
                "sitemap-3.xml"
            ]
        );
        let index = String::from_utf8(files[0].1.clone()).unwrap();
        assert!(index.contains("<sitemapindex"));
        assert!(index.contains("<loc>https://example.org/portal/sitemap-3.xml</loc>"));
        let urls: usize = files[1..]
            .iter()
            .map(|(_, b)| String::from_utf8_lossy(b).matches("<url>").count())
            .sum();
        assert_eq!(urls, 5, "every page once, in some part");
        assert!(
            files[1..]
                .iter()
                .all(|(_, b)| { String::from_utf8_lossy(b).matches("<url>").count() <= 2 })
        );
    }
}
