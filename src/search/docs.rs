//! What gets indexed: every record of the site as a [`SearchDoc`]; and what
//! search understands besides: the glossary as synonym groups, places
//! (regions, their adjectives and other names, towns), the phrases people use
//! for each need.

use super::{
    FacetLabels, NeedWords, PlaceName, SearchDoc, SearchSection, SynonymGroup, Vocabulary,
};
use crate::site::{SectionRef, Site};

/// Splits a record's plain text at its headings (found in order in the
/// text): each section's heading, anchor and text.
pub(crate) fn split_sections(plain: &str, headings: &[SectionRef]) -> Vec<SearchSection> {
    let mut found: Vec<(usize, usize, &SectionRef)> = Vec::new();
    let mut from = 0;
    for h in headings {
        if let Some(i) = plain[from..].find(h.heading.as_str()) {
            let start = from + i;
            from = start + h.heading.len();
            found.push((start, from, h));
        }
    }
    found
        .iter()
        .enumerate()
        .map(|(k, &(_, text_start, h))| {
            let end = found.get(k + 1).map_or(plain.len(), |n| n.0);
            SearchSection {
                heading: h.heading.clone(),
                anchor: h.id.clone(),
                text: plain[text_start..end].trim().to_string(),
            }
        })
        .collect()
}

/// Text of a rendered HTML fragment (tags dropped, common entities decoded).
pub(crate) fn html_text(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => {
                in_tag = true;
                out.push(' ');
            }
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    let out = out
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Non-empty parts joined with « · ».
pub(crate) fn join<'a>(parts: impl IntoIterator<Item = &'a str>) -> String {
    parts
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" · ")
}

/// Where the collections hand their search documents, one at a time: into a
/// list ([`from_site`]), or straight into the index being built ([`each`]),
/// so that the index never needs them all at once.
pub struct DocSink<'a>(&'a mut dyn FnMut(SearchDoc));

impl DocSink<'_> {
    pub fn push(&mut self, doc: SearchDoc) {
        (self.0)(doc);
    }

    pub fn extend(&mut self, docs: impl IntoIterator<Item = SearchDoc>) {
        docs.into_iter().for_each(|doc| (self.0)(doc));
    }
}

/// The site's search documents, in the order their index numbers them.
pub fn from_site(site: &Site) -> Vec<SearchDoc> {
    let mut docs = Vec::new();
    each(site, &mut |doc| docs.push(doc));
    docs
}

/// Hands each of the site's search documents to `out` as it is made, in the
/// order of [`from_site`].
pub fn each(site: &Site, out: &mut dyn FnMut(SearchDoc)) {
    let mut docs = DocSink(out);
    // Every collection says what of its records is searched (src/collections).
    for collection in crate::collections::REGISTRY {
        collection.search_docs(site, &mut docs);
    }
    // A need no service helps with is no answer to a search: its page would be a dead end.
    for n in site.needs.iter().filter(|n| n.count > 0) {
        docs.push(SearchDoc {
            id: format!("need:{}", n.id),
            url: n.url.clone(),
            doc_type: "need".into(),
            title: n.label.clone(),
            names: String::new(),
            // The phrases people use, so a need page also matches them as text.
            body: join([n.description.as_str(), &n.phrases.join(" · ")]),
            needs: vec![n.id.clone()],
            audience: vec![n.audience.clone()],
            ..SearchDoc::default()
        });
    }
    for g in &site.glossary {
        docs.push(SearchDoc {
            id: format!("glossary:{}", g.term),
            url: format!("glossary/#{}", g.anchor),
            doc_type: "glossary".into(),
            title: g.term.clone(),
            names: join([g.expansion.as_deref().unwrap_or(""), &g.aliases.join(" · ")]),
            body: g.explanation.clone(),
            audience: vec!["specialist".into()],
            ..SearchDoc::default()
        });
    }
}

/// Each glossary term with its aliases and expansion: searched as one.
pub fn synonyms(site: &Site) -> Vec<SynonymGroup> {
    site.glossary
        .iter()
        .map(|g| SynonymGroup {
            terms: std::iter::once(g.term.clone())
                .chain(g.aliases.iter().cloned())
                .chain(g.expansion.clone())
                .collect(),
        })
        .collect()
}

/// Words of region names that say what kind of region it is, not which.
const REGION_WORDS: [&str; 6] = [
    "область",
    "край",
    "республика",
    "автономный",
    "округ",
    "город",
];

/// Every name a reader may use for a place: each region's name, the name
/// without «область»/«край» («Калужская»), other names from
/// `data/places.toml` («Подмосковье»), its centre and towns (the region's
/// municipalities and the towns of its services).
pub fn places(site: &Site) -> Vec<PlaceName> {
    let mut out = Vec::new();
    let region_label = |code: &str| {
        site.regions
            .iter()
            .find(|r| r.code == code)
            .map(|r| (r.name.clone(), r.name_in.clone()))
    };
    for r in &site.regions {
        let label = if r.name_in.is_empty() {
            r.name.clone()
        } else {
            r.name_in.clone()
        };
        let mut names = vec![r.name.clone()];
        let own: Vec<&str> = r
            .name
            .split_whitespace()
            .filter(|w| !REGION_WORDS.contains(&w.to_lowercase().as_str()))
            .collect();
        if !own.is_empty() && own.len() < r.name.split_whitespace().count() {
            names.push(own.join(" "));
        }
        for name in names {
            out.push(PlaceName {
                name,
                region: r.code.clone(),
                town: None,
                label: label.clone(),
            });
        }
    }
    for (name, code) in &site.place_aliases {
        if let Some((_, name_in)) = region_label(code) {
            out.push(PlaceName {
                name: name.clone(),
                region: code.clone(),
                town: None,
                label: name_in,
            });
        }
    }
    let mut towns: Vec<(String, String)> = Vec::new();
    for r in &site.regions {
        towns.extend(r.centre.iter().map(|c| (c.clone(), r.code.clone())));
        towns.extend(
            r.municipalities
                .iter()
                .map(|m| (m.name.clone(), r.code.clone())),
        );
    }
    for s in &site.services {
        towns.extend(
            s.municipality
                .iter()
                .map(|m| (m.clone(), s.region.to_string())),
        );
    }
    // Each town once per region (services repeat their towns: a hundred
    // thousand services name a few hundred towns), in first-seen order.
    let mut seen = std::collections::HashSet::new();
    towns.retain(|pair| seen.insert(pair.clone()));
    for (town, code) in towns {
        if let Some((region_name, _)) = region_label(&code) {
            out.push(PlaceName {
                label: format!("{town} ({region_name})"),
                name: town.clone(),
                region: code,
                town: Some(town),
            });
        }
    }
    out
}

/// Needs with the phrases people use for them.
pub fn needs(site: &Site) -> Vec<NeedWords> {
    site.needs
        .iter()
        .map(|n| NeedWords {
            id: n.id.clone(),
            label: n.label.clone(),
            phrases: n.phrases.clone(),
            services: n.count,
        })
        .collect()
}

/// All of it, for the index.
pub fn vocabulary(site: &Site) -> Vocabulary {
    Vocabulary {
        synonyms: synonyms(site),
        places: places(site),
        needs: needs(site),
        labels: facet_labels(site),
    }
}

/// Labels for the browser's filters: region names and need labels (kinds
/// carry theirs on each document).
pub fn facet_labels(site: &Site) -> FacetLabels {
    let mut labels = FacetLabels::default();
    for r in &site.regions {
        labels.regions.insert(r.code.clone(), r.name.clone());
    }
    for n in &site.needs {
        labels.needs.insert(n.id.clone(), n.label.clone());
    }
    labels
}
