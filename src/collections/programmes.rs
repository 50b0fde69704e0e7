//! Programmes: training courses, seminars and supervision formats, one file per
//! programme under `content/programmes/<slug>.md`.

use super::{Collection, Entry, Layout, Loaded, NewRecord, Route, Spec};
use crate::content::records::*;
use crate::content::{Content, Record};
use crate::diag::Diagnostic;
use crate::render::PageJob;
use crate::render::pages::{Crumb, HOME, Kind, PageSpec, Pages};
use crate::search::SearchDoc;
use crate::search::docs::{DocSink, join};
use crate::site::*;
use crate::validate::*;

pub struct Programmes;

/// The list of all programmes.
const LIST: Route = Route {
    url: "programmes/",
    template: "programmes.html",
};

static SPEC: Spec = Spec {
    name: "programmes",
    singular: "programme",
    label: "Обучающие программы",
    label_one: "Программа",
    layout: Layout::Flat,
    list: Some(LIST),
    record: Route {
        url: "programmes/{slug}/",
        template: "programme.html",
    },
    extra_templates: &[],
};

impl Collection for Programmes {
    fn spec(&self) -> &'static Spec {
        &SPEC
    }

    fn schema(&self, generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        generator.root_schema_for::<ProgrammeMeta>()
    }

    fn record_type(&self) -> &'static dyn super::RecordType {
        &super::Typed::<ProgrammeMeta>::NEW
    }

    fn store(&self, content: &mut Content, loaded: &Loaded) {
        content.programmes.extend(super::record_of(loaded));
    }

    fn validate(&self, cx: &Context, out: &mut Vec<Diagnostic>) {
        crate::validate::each_record(&cx.content.programmes, out, |r, out| {
            check_programme(cx, r, out)
        });
    }

    fn resolve(&self, rz: &Resolver, content: &Content, site: &mut Site) {
        let mut views: Vec<ProgrammeView> = content
            .programmes
            .iter()
            .map(|r| resolve_programme(rz, r))
            .collect();
        views.sort_by(|a, b| a.title.cmp(&b.title));
        site.programmes = views;
    }

    fn pages(&self, index: usize, site: &Site, out: &mut Vec<(String, Kind)>) {
        let urls = site.programmes.iter().map(|r| r.url.as_str());
        super::list_and_record_pages(LIST, index, urls, out);
    }

    fn render<'a>(&self, pages: &'a Pages, site: &'a Site, kind: Kind) -> PageJob<'a> {
        let Kind::Record(_, i) = kind else {
            return super::list_job(
                LIST,
                pages,
                site,
                false,
                crate::page_context! {
                    programmes => &site.programmes,
                },
            );
        };
        record_page(pages, site, i)
    }

    fn search_docs(&self, site: &Site, out: &mut DocSink<'_>) {
        out.extend(site.programmes.iter().map(search_doc));
    }

    fn scaffold(&self, new: &NewRecord) -> Result<(String, String), String> {
        let q = crate::scaffold::toml_string;
        Ok((
            format!("content/programmes/{}.md", new.slug),
            format!(
                "+++\ntitle = {}\n# Вид: programme_kinds в data/taxonomy.toml\nkind = \"training\"\nprovider = \"\"\naudience = [\"specialist\"]\nsummary = \"\"\nsources = [{}]\n\n# [[modules]]\n# title = \"\"\n# hours = 8\n+++\nО программе простыми словами.\n",
                q(new.title),
                crate::scaffold::PLACEHOLDER_SOURCE,
            ),
        ))
    }

    fn entries(&self, site: &Site, out: &mut Vec<Entry>) {
        out.extend(
            site.programmes
                .iter()
                .map(|r| Entry::of(&r.url, &r.title, r.summary.as_deref(), &r.plain, &r.file)),
        );
    }
}

/// What search indexes of a programme.
fn search_doc(p: &ProgrammeView) -> SearchDoc {
    let modules: Vec<&str> = p.modules.iter().map(|m| m.title.as_str()).collect();
    SearchDoc {
        id: format!("programme:{}", p.slug),
        url: p.url.clone(),
        doc_type: SPEC.singular.into(),
        title: p.title.clone(),
        names: join([&*p.kind.label, p.provider.as_deref().unwrap_or("")]),
        body: join([
            p.summary.as_deref().unwrap_or(""),
            &*p.plain,
            &modules.join(". "),
        ]),
        audience: p.audience.clone(),
        kind: Some(p.kind.clone()),
        ..SearchDoc::default()
    }
}

fn record_page<'a>(pages: &'a Pages, site: &'a Site, i: usize) -> PageJob<'a> {
    let p = &site.programmes[i];
    let stats: Vec<_> = site
        .stats
        .iter()
        .filter(|s| p.stats.contains(&s.id))
        .collect();
    let spec = PageSpec {
        url: &p.url,
        template: SPEC.record.template,
        family: false,
        file: Some(&p.file),
        crumbs: &[HOME, Crumb::Page("programmes", LIST.url)],
    };
    pages.job(
        site,
        spec,
        crate::page_context! {
            programme => p,
            stats => stats,
        },
    )
}

fn check_programme(cx: &Context, p: &Record<ProgrammeMeta>, out: &mut Vec<Diagnostic>) {
    let m = &p.meta;
    check_slug(p, out);
    require_title(p, &m.title, "title", "title = \"Название программы\"", out);
    require(p, m.kind.is_some(), "kind", "kind = \"training\"", out);
    if let Some(provider) = &m.provider {
        check_name(cx, p, provider, out);
    }
    if let Some(org) = &m.organization {
        check_organization(cx, p, org, "provider = \"…\" alone", out);
    }
    if let Some(kind) = &m.kind {
        check_terms(
            cx,
            p,
            std::slice::from_ref(kind),
            "programme_kinds",
            "kind",
            out,
        );
    }
    check_audience(p, &m.audience, out);
    for r in &m.regions {
        check_region_ref(cx, p, r, out);
    }
    for t in &m.trained {
        if let Some(r) = &t.region {
            check_region_ref(cx, p, r, out);
        }
    }
    check_terms(
        cx,
        p,
        &m.directions,
        crate::data::DIRECTIONS,
        "directions",
        out,
    );
    for st in &m.stats {
        if !cx.stats.contains(st.get_ref().as_str()) {
            out.push(
                p.error_at(
                    st,
                    format!("statistics table `{}` does not exist", st.get_ref()),
                )
                .hint("use a file name (without .toml) from data/stats/"),
            );
        }
    }
    check_sources(cx, p, &m.sources, true, out);
}

fn resolve_programme(rz: &Resolver, p: &Record<ProgrammeMeta>) -> ProgrammeView {
    let m = &p.meta;
    ProgrammeView {
        slug: p.slug.clone(),
        url: format!("programmes/{}/", p.slug),
        file: p.file.rel.clone(),
        title: text_of(&m.title).unwrap_or(&p.slug).to_string(),
        kind: rz.term(
            "programme_kinds",
            m.kind.as_ref().map_or("", |k| k.get_ref()),
        ),
        // Named as the source names it, linked to the record that holds its phones.
        provider: m.provider.clone().or_else(|| {
            m.organization
                .as_ref()
                .and_then(|id| rz.service_name(id.get_ref()).map(str::to_string))
        }),
        provider_url: m
            .organization
            .as_ref()
            .map(|id| format!("services/{}/", id.get_ref())),
        audience: m.audience.iter().map(|a| a.get_ref().clone()).collect(),
        format: m.format.clone(),
        hours: m.hours,
        regions: m
            .regions
            .iter()
            .map(|r| rz.region_ref(r.get_ref()))
            .collect(),
        directions: rz.terms(crate::data::DIRECTIONS, &m.directions),
        summary: m.summary.clone(),
        modules: m.modules.clone(),
        trained: m
            .trained
            .iter()
            .map(|t| TrainedView {
                place: t.place.clone(),
                region: t.region.as_ref().map(|r| rz.region_ref(r.get_ref())),
                count: t.count.clone(),
                year: t.year.clone(),
                note: t.note.clone(),
            })
            .collect(),
        stats: m.stats.iter().map(|s| s.get_ref().clone()).collect(),
        sources: rz.sources(&m.sources),
        body_html: p.body.html.clone(),
        plain: p.body.plain.clone(),
    }
}
