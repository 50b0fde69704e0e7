//! What gets indexed: every record of the site as a [`SearchDoc`], and the
//! glossary as synonym groups.

use super::{FacetLabels, SearchDoc, SynonymGroup};
use crate::site::Site;

fn join<'a>(parts: impl IntoIterator<Item = &'a str>) -> String {
    parts
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" · ")
}

pub fn from_site(site: &Site) -> Vec<SearchDoc> {
    let mut docs = Vec::new();
    for s in &site.services {
        let needs: Vec<&str> = s.needs.iter().map(|n| n.label.as_str()).collect();
        docs.push(SearchDoc {
            id: format!("service:{}", s.id),
            url: s.url.clone(),
            doc_type: "service".into(),
            title: s.name.clone(),
            names: join([
                s.short_name.as_deref().unwrap_or(""),
                s.organization.as_deref().unwrap_or(""),
                s.kind.label.as_str(),
            ]),
            body: join([
                s.plain.as_str(),
                &needs.join(", "),
                s.municipality.as_deref().unwrap_or(""),
                s.district.as_deref().unwrap_or(""),
                s.address.as_deref().unwrap_or(""),
                s.eligibility.as_deref().unwrap_or(""),
                s.how_to_apply.as_deref().unwrap_or(""),
                s.cost.as_deref().unwrap_or(""),
                s.region_name.as_str(),
            ]),
            region: Some(s.region.clone()),
            needs: s.needs.iter().map(|n| n.id.clone()).collect(),
            audience: if s.audience.is_empty() {
                vec!["family".into()]
            } else {
                s.audience.clone()
            },
            kind: Some(s.kind.id.clone()),
        });
    }
    for r in &site.routes {
        docs.push(SearchDoc {
            id: format!("route:{}", r.slug),
            url: r.url.clone(),
            doc_type: "route".into(),
            title: r.title.clone(),
            names: r
                .needs
                .iter()
                .map(|n| n.label.as_str())
                .collect::<Vec<_>>()
                .join(" · "),
            body: join([r.summary.as_deref().unwrap_or(""), r.plain.as_str()]),
            region: r.region.as_ref().map(|x| x.id.clone()),
            needs: r.needs.iter().map(|n| n.id.clone()).collect(),
            audience: vec![if r.family { "family" } else { "specialist" }.into()],
            kind: None,
        });
    }
    for p in &site.practices {
        let tags: Vec<&str> = p
            .directions
            .iter()
            .chain(&p.target_groups)
            .map(|t| t.label.as_str())
            .collect();
        docs.push(SearchDoc {
            id: format!("practice:{}", p.slug),
            url: p.url.clone(),
            doc_type: "practice".into(),
            title: p.title.clone(),
            names: join([
                p.short_title.as_str(),
                p.organization.as_ref().map_or("", |o| o.name.as_str()),
                &tags.join(" · "),
            ]),
            body: join([p.summary.as_deref().unwrap_or(""), p.plain.as_str()]),
            region: p.region.as_ref().map(|x| x.id.clone()),
            needs: Vec::new(),
            audience: vec!["specialist".into()],
            kind: None,
        });
    }
    for p in &site.programmes {
        let modules: Vec<&str> = p.modules.iter().map(|m| m.title.as_str()).collect();
        docs.push(SearchDoc {
            id: format!("programme:{}", p.slug),
            url: p.url.clone(),
            doc_type: "programme".into(),
            title: p.title.clone(),
            names: join([p.kind.label.as_str(), p.provider.as_deref().unwrap_or("")]),
            body: join([
                p.summary.as_deref().unwrap_or(""),
                p.plain.as_str(),
                &modules.join(". "),
            ]),
            region: None,
            needs: Vec::new(),
            audience: p.audience.clone(),
            kind: Some(p.kind.id.clone()),
        });
    }
    for r in &site.regions {
        docs.push(SearchDoc {
            id: format!("region:{}", r.code),
            url: r.url.clone(),
            doc_type: "region".into(),
            title: r.name.clone(),
            names: join([r.centre.as_deref().unwrap_or(""), r.code.as_str()]),
            body: join([r.summary.as_deref().unwrap_or(""), r.plain.as_str()]),
            region: Some(r.code.clone()),
            needs: Vec::new(),
            audience: vec!["family".into(), "specialist".into()],
            kind: None,
        });
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
    for p in &site.pages {
        docs.push(SearchDoc {
            id: format!("page:{}", p.slug),
            url: p.url.clone(),
            doc_type: "page".into(),
            title: p.title.clone(),
            names: String::new(),
            body: join([p.summary.as_deref().unwrap_or(""), p.plain.as_str()]),
            region: None,
            needs: Vec::new(),
            audience: Vec::new(),
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
