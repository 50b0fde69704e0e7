//! What gets indexed: every record of the site as a [`SearchDoc`], and the
//! glossary as synonym groups.

use super::{FacetLabels, SearchDoc, SynonymGroup};
use crate::site::Site;

/// Non-empty parts joined with « · ».
pub(crate) fn join<'a>(parts: impl IntoIterator<Item = &'a str>) -> String {
    parts
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" · ")
}

pub fn from_site(site: &Site) -> Vec<SearchDoc> {
    let mut docs = Vec::new();
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
            body: n.description.clone(),
            region: None,
            needs: vec![n.id.clone()],
            audience: vec![n.audience.clone()],
            kind: None,
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
            region: None,
            needs: Vec::new(),
            audience: vec!["specialist".into()],
            kind: None,
        });
    }
    docs
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

/// Labels for the browser's filters: region names, need and kind labels.
pub fn facet_labels(site: &Site) -> FacetLabels {
    let mut labels = FacetLabels::default();
    for r in &site.regions {
        labels.regions.insert(r.code.clone(), r.name.clone());
    }
    for n in &site.needs {
        labels.needs.insert(n.id.clone(), n.label.clone());
    }
    for s in &site.services {
        labels.kinds.insert(s.kind.id.clone(), s.kind.label.clone());
    }
    for p in &site.programmes {
        labels.kinds.insert(p.kind.id.clone(), p.kind.label.clone());
    }
    labels
}
