//! Routes: "what to do if…" step by step for families, and procedures for
//! specialists, one file per route under `content/routes/<slug>.md`.

use minijinja::{Value, context};

use super::{Collection, Entry, Layout, Loaded, NewRecord, Route, Spec};
use crate::content::records::*;
use crate::content::{Content, Record};
use crate::diag::Diagnostic;
use crate::render::PageJob;
use crate::render::pages::{CardHtml, Crumb, HOME, Kind, PageSpec, Pages, cards_of};
use crate::render::paginate::SHORTLIST;
use crate::search::docs::{DocSink, html_text, join, split_sections};
use crate::search::{SearchDoc, SearchSection};
use crate::site::*;
use crate::validate::*;

pub struct Routes;

/// The list of all routes.
const LIST: Route = Route {
    url: "routes/",
    template: "routes.html",
};

static SPEC: Spec = Spec {
    name: "routes",
    singular: "route",
    label: "Что делать, если…",
    label_one: "Маршрут",
    layout: Layout::Flat,
    list: Some(LIST),
    record: Route {
        url: "routes/{slug}/",
        template: "route.html",
    },
    extra_templates: &[],
};

impl Collection for Routes {
    fn spec(&self) -> &'static Spec {
        &SPEC
    }

    fn schema(&self, generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        generator.root_schema_for::<RouteMeta>()
    }

    fn record_type(&self) -> &'static dyn super::RecordType {
        &super::Typed::<RouteMeta>::NEW
    }

    fn store(&self, content: &mut Content, loaded: &Loaded) {
        content.routes.extend(super::record_of(loaded));
    }

    fn validate(&self, cx: &Context, out: &mut Vec<Diagnostic>) {
        crate::validate::each_record(&cx.content.routes, out, |r, out| check_route(cx, r, out));
    }

    fn resolve(&self, rz: &Resolver, content: &Content, site: &mut Site) {
        let mut views: Vec<RouteView> = content
            .routes
            .iter()
            .map(|r| resolve_route(rz, r))
            .collect();
        views.sort_by(|a, b| (!a.family, &a.title).cmp(&(!b.family, &b.title)));
        site.routes = views;
    }

    fn pages(&self, index: usize, site: &Site, out: &mut Vec<(String, Kind)>) {
        out.push((super::path_of(LIST.url), Kind::List(index)));
        for (i, r) in site.routes.iter().enumerate() {
            out.push((super::path_of(&r.url), Kind::Record(index, i)));
            // A family route has a page per region with that region's contacts at each step.
            for g in crate::render::family::route_regions(site, r) {
                let url = crate::render::family::route_region_url(r, &site.regions[g].slug);
                out.push((super::path_of(&url), Kind::Part(index, i, g)));
            }
        }
    }

    fn render<'a>(&self, pages: &'a Pages, site: &'a Site, kind: Kind) -> PageJob<'a> {
        if let Kind::Part(_, i, g) = kind {
            return route_region_page(pages, site, i, g);
        }
        let Kind::Record(_, i) = kind else {
            return super::list_job(
                LIST,
                pages,
                site,
                true,
                crate::page_context! {
                    routes => &site.routes,
                },
            );
        };
        record_page(pages, site, i)
    }

    fn search_docs(&self, site: &Site, out: &mut DocSink<'_>) {
        out.extend(site.routes.iter().map(search_doc));
    }

    fn scaffold(&self, new: &NewRecord) -> Result<(String, String), String> {
        let q = crate::scaffold::toml_string;
        Ok((
            format!("content/routes/{}.md", new.slug),
            format!(
                "+++\ntitle = {}\n# family — для семей, specialist — для специалистов\naudience = \"family\"\nneeds = [\"crisis\"]\nsummary = \"\"\nsources = [{}]\n\n[[steps]]\ntitle = \"Первый шаг\"\ntext = \"Что сделать.\"\n+++\n",
                q(new.title),
                crate::scaffold::PLACEHOLDER_SOURCE,
            ),
        ))
    }

    fn entries(&self, site: &Site, out: &mut Vec<Entry>) {
        out.extend(
            site.routes
                .iter()
                .map(|r| Entry::of(&r.url, &r.title, r.summary.as_deref(), &r.plain, &r.file)),
        );
    }
}

/// What search indexes of a route.
fn search_doc(r: &RouteView) -> SearchDoc {
    SearchDoc {
        id: format!("route:{}", r.slug),
        url: r.url.clone(),
        doc_type: SPEC.singular.into(),
        title: r.title.clone(),
        names: r
            .needs
            .iter()
            .map(|n| &*n.label)
            .collect::<Vec<_>>()
            .join(" · "),
        body: join([r.summary.as_deref().unwrap_or(""), &*r.plain]),
        regions: r.region.iter().map(|x| x.id.to_string()).collect(),
        needs: r.needs.iter().map(|n| n.id.to_string()).collect(),
        audience: vec![if r.family { "family" } else { "specialist" }.into()],
        // Steps and the body's sections, each linked to its anchor.
        sections: r
            .steps
            .iter()
            .map(|st| SearchSection {
                heading: if st.title.is_empty() {
                    format!("Шаг {}", st.number)
                } else {
                    format!("Шаг {}. {}", st.number, st.title)
                },
                anchor: format!("step-{}", st.number),
                text: html_text(&st.html),
            })
            .chain(split_sections(&r.plain, &r.sections))
            .collect(),
        ..SearchDoc::default()
    }
}

fn record_page<'a>(pages: &'a Pages, site: &'a Site, i: usize) -> PageJob<'a> {
    let r = &site.routes[i];
    let spec = PageSpec {
        url: &r.url,
        template: SPEC.record.template,
        family: r.family,
        file: Some(&r.file),
        crumbs: &[HOME, Crumb::Page("routes", LIST.url)],
    };
    pages.job(
        site,
        spec,
        crate::page_context! {
            route => r,
            choices => pages.route_choices(site, i),
        },
    )
}

/// A family route with the region's contactable services at each step.
fn route_region_page<'a>(pages: &'a Pages, site: &'a Site, i: usize, g: usize) -> PageJob<'a> {
    use crate::render::family;
    let (r, region) = (&site.routes[i], &site.regions[g]);
    // Each step's "Где помогут" names the region's services a family can contact.
    // A shortlist each; when there are more, the step links to the full lists
    // of its needs in the region (`render::paginate`).
    let (local, more): (Vec<Vec<CardHtml>>, Vec<Vec<Value>>) = r
        .steps
        .iter()
        .map(|step| {
            let needs: Vec<&str> = step.needs.iter().map(|n| &*n.id).collect();
            // One beyond the shortlist tells whether there are more.
            let mut local = family::contactable_for(site, &region.code, &needs, SHORTLIST + 1);
            let more = if local.len() > SHORTLIST {
                local.truncate(SHORTLIST);
                needs_in_region(site, &needs, region)
            } else {
                Vec::new()
            };
            (pages.cards_html(site, &local), more)
        })
        .unzip();
    let ask = cards_of(
        site,
        &family::contactable_for(site, &region.code, &family::route_needs(r), SHORTLIST),
    );
    let url = family::route_region_url(r, &region.slug);
    let spec = PageSpec {
        url: &url,
        template: SPEC.record.template,
        family: true,
        file: Some(&r.file),
        crumbs: &[
            HOME,
            Crumb::Page("routes", LIST.url),
            Crumb::Link(&r.title, &r.url),
        ],
    };
    pages.job(
        site,
        spec,
        crate::page_context! {
            route => r,
            region => region,
            local => local,
            more => more,
            ask => ask,
            choices => pages.route_choices(site, i),
        },
    )
}

/// Links to the full lists of `needs` in `region` (those it has services for).
fn needs_in_region(site: &Site, needs: &[&str], region: &crate::site::RegionView) -> Vec<Value> {
    site.needs
        .iter()
        .filter(|n| needs.contains(&n.id.as_str()))
        .filter(|n| {
            site.services_by_need
                .get(&n.id)
                .is_some_and(|idx| idx.iter().any(|&i| *site.services[i].region == *region.code))
        })
        .map(|n| context! { label => n.label.clone(), url => format!("needs/{}/{}/", n.id, region.slug) })
        .collect()
}

fn check_route(cx: &Context, r: &Record<RouteMeta>, out: &mut Vec<Diagnostic>) {
    let m = &r.meta;
    check_slug(r, out);
    require_title(r, &m.title, "title", "title = \"Если …\"", out);
    require(
        r,
        m.audience.is_some(),
        "audience",
        "audience = \"family\"",
        out,
    );
    require_list(r, &m.steps, "steps", "[[steps]] with a title", out);
    if let Some(a) = &m.audience {
        check_audience(r, std::slice::from_ref(a), out);
        if a.get_ref() == "family" {
            check_plain(
                cx,
                r,
                [m.summary.as_deref(), Some(r.markdown())]
                    .into_iter()
                    .flatten(),
                out,
            );
        }
        if a.get_ref() == "family"
            && m.needs.is_empty()
            && m.steps.iter().all(|s| s.needs.is_empty())
        {
            out.push(
                r.warning_at(a, "a family route links no need category")
                    .hint("add needs = [\"…\"] so the route can point readers to services"),
            );
        }
    }
    if let Some(region) = &m.region {
        check_region_ref(cx, r, region, out);
    }
    check_terms(cx, r, &m.needs, crate::data::NEEDS, "needs", out);
    let mut step_lines = None;
    for (i, step) in m.steps.iter().enumerate() {
        if step.title.as_deref().is_none_or(|t| !readable(t)) {
            // Found once per file, however many steps lack a title.
            let lines = step_lines.get_or_insert_with(|| lines_by_text(&r.file.text));
            let line = nth_line(lines, "[[steps]]", i);
            out.push(
                r.file
                    .error_at_line(format!("step {} has no title", i + 1), line)
                    .hint("add title = \"…\" to the step"),
            );
        }
        check_terms(cx, r, &step.needs, crate::data::NEEDS, "needs", out);
        if m.audience.as_ref().is_some_and(|a| a.get_ref() == "family") {
            let branches = step.branches.iter().flat_map(|b| {
                [
                    Some(b.label.as_str()),
                    b.text.as_ref().map(Markdown::source),
                ]
            });
            let texts = [
                step.title.as_deref(),
                step.text.as_ref().map(Markdown::source),
            ]
            .into_iter()
            .chain(branches);
            check_plain(cx, r, texts.flatten(), out);
        }
        for s in &step.sources {
            check_source(cx, &Origin::of_record(r), s, out);
        }
    }
    check_sources(cx, r, &m.sources, true, out);
}

fn resolve_route(rz: &Resolver, r: &Record<RouteMeta>) -> RouteView {
    let m = &r.meta;
    let mut plain = r.body.plain.to_string();
    let steps = m
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let rendered = s.text.as_ref().map(|t| t.render(&rz.abbr));
            // Each step's title before its text, as the page shows them.
            if let Some(t) = &s.title {
                plain.push(' ');
                plain.push_str(t);
            }
            if let Some(rd) = &rendered {
                plain.push(' ');
                plain.push_str(&rd.plain);
            }
            StepView {
                number: i + 1,
                title: s.title.clone().unwrap_or_default(),
                actor: s.actor.clone(),
                deadline: s.deadline.clone(),
                html: rendered.map(|r| r.html.to_string()).unwrap_or_default(),
                bring: s.bring.clone(),
                needs: rz.terms(crate::data::NEEDS, &s.needs),
                sources: rz.sources(&s.sources),
                branches: s
                    .branches
                    .iter()
                    .map(|b| BranchView {
                        label: b.label.clone(),
                        html: rz.inline_md(b.text.as_ref()),
                    })
                    .collect(),
            }
        })
        .collect();
    RouteView {
        slug: r.slug.clone(),
        url: format!("routes/{}/", r.slug),
        file: r.file.rel.clone(),
        title: text_of(&m.title).unwrap_or(&r.slug).to_string(),
        family: m.audience.as_ref().is_none_or(|a| a.get_ref() == "family"),
        region: m.region.as_ref().map(|c| rz.region_ref(c.get_ref())),
        needs: rz.terms(crate::data::NEEDS, &m.needs),
        summary: m.summary.clone(),
        steps,
        sections: crate::site::sections_of(&r.body),
        sources: rz.sources(&m.sources),
        body_html: r.body.html.clone(),
        plain: plain.into(),
    }
}
