//! Long lists split into pages, so that no page grows with the country.
//!
//! A region of a national directory can hold tens of thousands of services;
//! one page listing all of them would weigh megabytes, which a family on a
//! phone with a slow connection cannot open. Every list that grows with the
//! content is therefore either cut into pages of [`PER_PAGE`] entries
//! (region, municipality, need × region) or shortened to [`SHORTLIST`] entries
//! with a link to the full, paginated list (a route's steps, "where to ask").
//!
//! Page 1 keeps the list's address; page `n` is `<address>page/<n>/`, as in
//! Zola and Hugo. Pages link to each other with plain links in a `<nav>`, so
//! paging works without JavaScript, and every page is in the sitemap with its
//! own canonical address.

use minijinja::{Value, context};

/// Entries on one list page. A service card is about 1 KB of HTML and the
/// page around it about 20 KB, so 100 cards keep a page near 120 KB: under
/// [`PAGE_BYTES_BOUND`] with room for long names, and few enough pages that
/// a region of a few hundred services stays on a handful of them.
pub const PER_PAGE: usize = 100;

/// Entries of a list shown inside another page (a route's step, "where to
/// ask"), followed by a link to the full list.
pub const SHORTLIST: usize = 10;

/// The size no generated HTML page may exceed, whatever the content's size
/// (checked by the `no_page_grows_with_the_country` test).
pub const PAGE_BYTES_BOUND: usize = 200 * 1024;

/// How many pages a list of `len` entries takes (an empty list has one page).
pub fn page_count(len: usize) -> usize {
    len.div_ceil(PER_PAGE).max(1)
}

/// Where page `page` (from 1) of a list of `len` entries begins and ends.
pub fn range(len: usize, page: usize) -> std::ops::Range<usize> {
    let start = ((page.max(1) - 1) * PER_PAGE).min(len);
    start..(start + PER_PAGE).min(len)
}

/// The site address of page `page` of the list at `base` (which ends in `/`).
pub fn page_url(base: &str, page: usize) -> String {
    if page <= 1 {
        base.to_string()
    } else {
        format!("{base}page/{page}/")
    }
}

/// Pages 2.. of the list at `base` with `len` entries: (address, page).
pub fn more_pages(base: &str, len: usize) -> impl Iterator<Item = (String, usize)> + '_ {
    (2..=page_count(len)).map(move |p| (page_url(base, p), p))
}

/// What `partials/pager.html` needs: the page's number and the count, the
/// previous and next pages, and a short run of page links (first, last and
/// the neighbours of the current one; gaps shown as `…`), so that even a list
/// of hundreds of pages has a navigation of a dozen links.
pub fn pager(base: &str, page: usize, count: usize) -> Value {
    let link = |p: usize| context! { number => p, url => page_url(base, p), current => p == page, gap => false };
    let mut links: Vec<Value> = Vec::new();
    let mut last = 0;
    for p in 1..=count {
        let near = p == 1 || p == count || p.abs_diff(page) <= 2;
        if !near {
            continue;
        }
        if p > last + 1 {
            links.push(context! { gap => true });
        }
        links.push(link(p));
        last = p;
    }
    context! {
        number => page,
        count => count,
        prev => (page > 1).then(|| page_url(base, page - 1)),
        next => (page < count).then(|| page_url(base, page + 1)),
        links => links,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_addresses_follow_zola_and_hugo() {
        assert_eq!(page_url("regions/ru-mos/", 1), "regions/ru-mos/");
        assert_eq!(page_url("regions/ru-mos/", 3), "regions/ru-mos/page/3/");
        let more: Vec<_> = more_pages("x/", PER_PAGE * 2 + 1).collect();
        assert_eq!(
            more,
            vec![("x/page/2/".to_string(), 2), ("x/page/3/".to_string(), 3)]
        );
        assert_eq!(more_pages("x/", PER_PAGE).count(), 0);
        assert_eq!(page_count(0), 1);
    }

    #[test]
    fn slices_cover_the_list_once() {
        let items: Vec<usize> = (0..PER_PAGE * 2 + 5).collect();
        let pages: Vec<usize> = (1..=page_count(items.len()))
            .flat_map(|p| items[range(items.len(), p)].to_vec())
            .collect();
        assert_eq!(pages, items);
        assert!(range(items.len(), 9).is_empty());
    }

    #[test]
    fn a_long_pager_shows_the_ends_and_the_neighbours() {
        let p = pager("x/", 10, 40);
        let numbers: Vec<String> = p
            .get_attr("links")
            .unwrap()
            .try_iter()
            .unwrap()
            .map(|l| {
                if l.get_attr("gap").is_ok_and(|g| g.is_true()) {
                    "…".to_string()
                } else {
                    l.get_attr("number").unwrap().to_string()
                }
            })
            .collect();
        assert_eq!(numbers, ["1", "…", "8", "9", "10", "11", "12", "…", "40"]);
        assert_eq!(p.get_attr("prev").unwrap().to_string(), "x/page/9/");
        let first = pager("x/", 1, 2);
        assert!(first.get_attr("prev").unwrap().is_none());
        assert_eq!(first.get_attr("next").unwrap().to_string(), "x/page/2/");
    }
}
