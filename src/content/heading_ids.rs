//! Ids of Markdown headings: unique in their text, and never one the page
//! layout gives its own elements.
//!
//! A heading's id is its text made a slug (`## Целевые группы` →
//! `tselevye-gruppy`), so a body could name one after the layout: `## Site
//! menu` gave a second `id="site-menu"`, and the «Меню» link jumped to the
//! heading; `## Step 2` on a route took the step's `step-2`. The layout's
//! ids are listed once, in [`LAYOUT_IDS`] (a test reads the templates, the
//! maps and the scripts and fails on any id the list lacks, so it cannot go
//! stale); a heading that would take one gets [`FREE_PREFIX`] before it.

use std::collections::{HashMap, HashSet};

/// Every id the page layout uses: the templates' (`templates/*.html`), the
/// maps' (`geo/svg.rs`) and the scripts' (`static/*.js`). `{n}` stands for
/// a number and `{slug}` for any slug, where the layout fills one in.
///
/// Two template ids are not here: the glossary's terms (`{{ t.anchor }}`)
/// and the open-data page's vocabularies (`{{ v.id }}`) could be any slug,
/// and those pages show no Markdown; the test keeps it so.
pub const LAYOUT_IDS: &[&str] = &[
    // Every page (base.html) and the scripts.
    "main",
    "q",
    "quick-exit",
    "quick-exit-help",
    "site-menu",
    "search-suggest",
    // Sections of pages.
    "about-h",
    "browse-h",
    "contact-h",
    "dvs-h",
    "instead-h",
    "lines-h",
    "map-h",
    "near-h",
    "need-h",
    "needs-h",
    "past-h",
    "proc-h",
    "region-h",
    "regions-h",
    "rest-h",
    "route-regions-h",
    "routes-h",
    "sources-h",
    "spec-h",
    "toc-h",
    "undated-h",
    "upcoming-h",
    "where-h",
    "rel-{n}-h",
    // Numbered or named parts of pages.
    "step-{n}",
    "m-{slug}",
    "t-{slug}",
    "d-{slug}",
    "stats-{slug}",
    "geo-{slug}-t",
    "geo-{slug}-d",
    // The search page and the open-data page.
    "search-audience",
    "search-filters",
    "search-form",
    "search-help",
    "search-need",
    "search-q",
    "search-region",
    "search-results",
    "search-status",
    "search-type",
    "search-ui",
    "search-understood",
    "geojson",
    "hsds",
    "mapping",
    "vocabularies",
];

/// Put before a heading's id that the layout might use: no layout id
/// starts with it (a test checks), so the result is always free.
pub const FREE_PREFIX: &str = "section-";

/// Whether the layout might give `id` to one of its own elements.
pub fn is_layout_id(id: &str) -> bool {
    LAYOUT_IDS.iter().any(|pattern| matches(pattern, id))
}

/// Whether `id` is one `pattern` of [`LAYOUT_IDS`] stands for.
fn matches(pattern: &str, id: &str) -> bool {
    let Some((open, rest)) = pattern.split_once('{') else {
        return pattern == id;
    };
    let Some((kind, close)) = rest.split_once('}') else {
        return pattern == id;
    };
    let Some(middle) = id
        .strip_prefix(open)
        .and_then(|tail| tail.strip_suffix(close))
    else {
        return false;
    };
    !middle.is_empty()
        && match kind {
            "n" => middle.bytes().all(|b| b.is_ascii_digit()),
            _ => true,
        }
}

/// The ids given to the headings of one text so far.
#[derive(Debug, Default)]
pub struct HeadingIds {
    used: HashSet<String>,
    /// For each slug, the number its next repeat tries: each id is tried
    /// at most once per slug, so a text of many alike headings costs
    /// linear time.
    next: HashMap<String, usize>,
}

impl HeadingIds {
    /// The id for a heading reading `text`: its slug (`section` if it has
    /// none), then `-2`, `-3`… for repeats and for ids written out as
    /// headings before (`## a-2` then `## a` twice); one the layout might
    /// use gets [`FREE_PREFIX`] first.
    pub fn id_for(&mut self, text: &str) -> String {
        let mut base = crate::ru::slugify(text);
        if base.is_empty() {
            base = "section".into();
        }
        let n = self.next.entry(base.clone()).or_insert(1);
        loop {
            let mut id = if *n == 1 {
                base.clone()
            } else {
                format!("{base}-{n}")
            };
            *n += 1;
            if is_layout_id(&id) {
                id.insert_str(0, FREE_PREFIX);
            }
            // Each try is a new string, and `used` is finite: this ends.
            if self.used.insert(id.clone()) {
                return id;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeats_are_numbered_and_never_repeat_an_id() {
        let mut ids = HeadingIds::default();
        let got: Vec<String> = ["Целевые группы", "Целевые группы", "a-2", "a", "a", "", "—"]
            .iter()
            .map(|t| ids.id_for(t))
            .collect();
        assert_eq!(
            got,
            [
                "tselevye-gruppy",
                "tselevye-gruppy-2",
                "a-2",
                "a",
                "a-3",
                "section",
                "section-2"
            ]
        );
    }

    #[test]
    fn headings_never_take_an_id_of_the_layout() {
        let mut ids = HeadingIds::default();
        let got: Vec<String> = [
            "Site menu",
            "Main",
            "Q",
            "Quick exit",
            "Step 2",
            "Step",
            "Step",
            "M Калуга",
            "Stats",
            "Шаги",
        ]
        .iter()
        .map(|t| ids.id_for(t))
        .collect();
        assert_eq!(
            got,
            [
                "section-site-menu",
                "section-main",
                "section-q",
                "section-quick-exit",
                "section-step-2",
                "step",
                "section-step-3",
                "section-m-kaluga",
                "stats",
                "shagi"
            ]
        );
    }

    /// An id as a template writes it, with whatever the template fills in
    /// as `{}`; `None` if all of it is filled in.
    fn template_id_pattern(raw: &str) -> Option<String> {
        let Some(open) = raw.find('{') else {
            return Some(raw.to_string());
        };
        let close = raw.rfind('}').map_or(raw.len(), |i| i + 1);
        let (head, tail) = (&raw[..open], &raw[close..]);
        (!head.is_empty() || !tail.is_empty()).then(|| format!("{head}{{}}{tail}"))
    }

    #[test]
    fn the_list_is_every_id_of_the_templates_and_scripts() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let listed: HashSet<String> = LAYOUT_IDS
            .iter()
            .map(|p| p.replace("{n}", "{}").replace("{slug}", "{}"))
            .collect();
        let mut used = HashSet::new();
        let files = walkdir::WalkDir::new(root.join("templates"))
            .into_iter()
            .chain(walkdir::WalkDir::new(root.join("static")).max_depth(1))
            .filter_map(Result::ok)
            .filter(|e| {
                e.path()
                    .extension()
                    .is_some_and(|x| x == "html" || x == "js")
            });
        for entry in files {
            let text = std::fs::read_to_string(entry.path()).unwrap();
            let rel = entry
                .path()
                .strip_prefix(root)
                .unwrap()
                .display()
                .to_string();
            // A page that shows Markdown, or a piece of one that might.
            let beside_markdown = text.contains("html|safe")
                || rel.contains("partials")
                || rel.ends_with("base.html");
            for marker in ["id=\"", ".id = \""] {
                for (at, _) in text.match_indices(marker) {
                    let rest = &text[at + marker.len()..];
                    let raw = &rest[..rest.find('"').unwrap()];
                    match template_id_pattern(raw) {
                        Some(pattern) => {
                            assert!(
                                listed.contains(&pattern),
                                "{rel}: id {raw:?} is not in LAYOUT_IDS"
                            );
                            used.insert(pattern);
                        }
                        None => assert!(
                            !beside_markdown,
                            "{rel}: id {raw:?} could be any heading's id, on a page with Markdown"
                        ),
                    }
                }
            }
        }
        // The maps' ids (geo/svg.rs `open_svg`: `{id}-t`, `{id}-d`).
        used.extend(["geo-{}-t".to_string(), "geo-{}-d".to_string()]);
        let stale: Vec<_> = listed.difference(&used).collect();
        assert!(
            stale.is_empty(),
            "in LAYOUT_IDS but used nowhere: {stale:?}"
        );
    }

    #[test]
    fn patterns_stand_for_what_the_layout_fills_in() {
        assert!(is_layout_id("step-12"));
        assert!(!is_layout_id("step-by-step"));
        assert!(!is_layout_id("step-"));
        assert!(is_layout_id("rel-3-h"));
        assert!(!is_layout_id("rel-x-h"));
        assert!(is_layout_id("stats-dvs-services"));
        assert!(is_layout_id("geo-ru-klu-t"));
        assert!(!is_layout_id("statistika"));
        // Nothing the layout uses starts with the prefix that frees an id,
        // so an id with it is always free.
        for pattern in LAYOUT_IDS {
            let head = pattern.split('{').next().unwrap_or(pattern);
            assert!(
                !FREE_PREFIX.starts_with(head) && !head.starts_with(FREE_PREFIX),
                "{pattern}"
            );
        }
    }
}
