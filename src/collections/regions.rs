//! Regions: the federal subjects, one file per region under
//! `content/regions/<code>.md`; each has its page (services by municipality,
//! its practices, routes, programmes and whatever else concerns it) and a
//! page per municipality listing services by distance, for near-me without
//! JavaScript.

use std::collections::HashMap;

use minijinja::{Value, context};

use super::{Collection, Entry, Layout, Loaded, NewRecord, Route, Spec};
use crate::content::records::*;
use crate::content::{Content, Record};
use crate::diag::Diagnostic;
use crate::render::PageJob;
use crate::render::context::{Ctx, Shared};
use crate::render::family;
use crate::render::lists::ServiceList;
use crate::render::pages::{
    CardHtml, Crumb, HOME, Kind, NeedCount, PageSpec, Pages, WHOLE, cards_of,
};
use crate::render::paginate;
use crate::ru;
use crate::search::SearchDoc;
use crate::search::docs::{DocSink, join};
use crate::site::{MunicipalityView, RegionView, Resolver, Site};
use crate::validate::*;

pub struct Regions;

/// The part of a region that is its statistics page; other parts are its
/// municipalities, by index.
const STATS_PART: usize = usize::MAX;

static SPEC: Spec = Spec {
    name: "regions",
    singular: "region",
    label: "Регионы",
    label_one: "Регион",
    layout: Layout::Flat,
    list: Some(Route {
        url: "regions/",
        template: "regions.html",
    }),
    record: Route {
        url: "regions/{slug}/",
        template: "region.html",
    },
    extra_templates: &["municipality.html", "region_stats.html"],
};

impl Collection for Regions {
    fn spec(&self) -> &'static Spec {
        &SPEC
    }

    fn schema(&self, generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        generator.root_schema_for::<RegionMeta>()
    }

    fn record_type(&self) -> &'static dyn super::RecordType {
        &super::Typed::<RegionMeta>::NEW
    }

    fn store(&self, content: &mut Content, loaded: &Loaded) {
        content.regions.extend(super::record_of(loaded));
    }

    fn validate(&self, cx: &Context, out: &mut Vec<Diagnostic>) {
        crate::validate::each_record(&cx.content.regions, out, |r, out| check_region(cx, r, out));
    }

    fn resolve(&self, rz: &Resolver, content: &Content, site: &mut Site) {
        let mut regions: Vec<RegionView> = content
            .regions
            .iter()
            .map(|r| {
                let code = r.meta.code.as_ref().map_or("", |c| c.get_ref());
                let count = site.services_by_region.get(code).map_or(0, Vec::len);
                resolve_region(rz, r, count)
            })
            .collect();
        // The federation itself goes last; subjects alphabetically, ё as е,
        // a city by its name: «г. Москва» among the М, not among the Г.
        regions.sort_by_key(|r| {
            let name = r.name.strip_prefix("г. ").unwrap_or(&r.name);
            (r.code == "RU", crate::ru::fold(name))
        });
        site.regions = regions;
    }

    fn pages(&self, index: usize, site: &Site, out: &mut Vec<(String, Kind)>) {
        out.push((super::path_of("regions/"), Kind::List(index)));
        for (i, r) in site.regions.iter().enumerate() {
            out.push((super::path_of(&r.url), Kind::Record(index, i)));
            // Every service of the region is listed, on as many pages as it takes.
            let count = site.services_by_region.get(&r.code).map_or(0, Vec::len);
            for (url, page) in paginate::more_pages(&r.url, count) {
                out.push((super::path_of(&url), Kind::Paged(index, i, WHOLE, page)));
            }
            if site.stats.iter().any(|t| t.regions.contains(&r.code)) {
                out.push((
                    super::path_of(&format!("{}stats/", r.url)),
                    Kind::Part(index, i, STATS_PART),
                ));
            }
            for (m, mu) in r.municipalities.iter().enumerate() {
                out.push((super::path_of(&mu.url), Kind::Part(index, i, m)));
                for (url, page) in paginate::more_pages(&mu.url, count) {
                    out.push((super::path_of(&url), Kind::Paged(index, i, m, page)));
                }
            }
        }
    }

    fn render<'a>(&self, pages: &'a Pages, site: &'a Site, kind: Kind) -> PageJob<'a> {
        match kind {
            Kind::Record(_, i) => region_page(pages, site, i, 1),
            Kind::Paged(_, i, WHOLE, page) => region_page(pages, site, i, page),
            Kind::Part(_, i, STATS_PART) => stats_page(pages, site, i),
            Kind::Part(_, i, m) => municipality_page(pages, site, i, m, 1),
            Kind::Paged(_, i, m, page) => municipality_page(pages, site, i, m, page),
            _ => {
                let spec = PageSpec {
                    url: "regions/",
                    template: "regions.html",
                    family: true,
                    file: None,
                    crumbs: &[HOME],
                };
                pages.job(
                    site,
                    spec,
                    Ctx::new()
                        .data("regions", &site.regions)
                        .data("country_map", &pages.maps(site).country),
                )
            }
        }
    }

    fn search_docs(&self, site: &Site, out: &mut DocSink<'_>) {
        out.extend(site.regions.iter().map(|r| SearchDoc {
            id: format!("region:{}", r.code),
            url: r.url.clone(),
            doc_type: SPEC.singular.into(),
            title: r.name.clone(),
            names: join([r.centre.as_deref().unwrap_or(""), r.code.as_str()]),
            body: join([r.summary.as_deref().unwrap_or(""), &*r.plain]),
            regions: vec![r.code.clone()],
            audience: vec!["family".into(), "specialist".into()],
            ..SearchDoc::default()
        }));
    }

    fn scaffold(&self, new: &NewRecord) -> Result<(String, String), String> {
        let code = new
            .region
            .ok_or("a region needs --region CODE, e.g. --region RU-MOS")?;
        let q = crate::scaffold::toml_string;
        Ok((
            format!("content/regions/{}.md", code.to_lowercase()),
            format!(
                "+++\ncode = {}\nname = {}\n# Для заголовков: «в Московской области»\n# name_in = \"\"\n# Административный центр\n# centre = \"\"\ntimezone = \"Europe/Moscow\"\n# Роли: region_roles в data/taxonomy.toml\nroles = [\"mentioned\"]\n# Примерные границы [мин. долгота, мин. широта, макс. долгота, макс. широта]\n# bbox = [35.1, 54.2, 40.2, 56.96]\nsources = [{}]\n+++\nО регионе простыми словами.\n",
                q(code),
                q(new.title),
                crate::scaffold::PLACEHOLDER_SOURCE,
            ),
        ))
    }

    fn entries(&self, site: &Site, out: &mut Vec<Entry>) {
        out.extend(site.regions.iter().map(|r| Entry {
            url: r.url.clone(),
            title: r.name.clone(),
            summary: r.summary.clone().unwrap_or_default(),
            file: r.file.clone(),
        }));
    }
}

/// What every page of a region's list shares (`crate::render::lists`).
pub(crate) struct RegionList {
    list: ServiceList,
    ask: Shared,
    need_counts: Shared,
    stats_count: usize,
    practices: Shared,
    routes: Shared,
    programmes: Shared,
    related: Shared,
    region: Shared,
}

fn region_list(pages: &Pages, site: &Site, i: usize) -> RegionList {
    let r = &site.regions[i];
    let idx = site
        .services_by_region
        .get(&r.code)
        .cloned()
        .unwrap_or_default();
    let need_counts: Vec<NeedCount> = site
        .needs
        .iter()
        .filter_map(|n| {
            let count = idx
                .iter()
                .filter(|&&i| site.services[i].needs.iter().any(|x| *x.id == *n.id))
                .count();
            (count > 0).then(|| NeedCount {
                need: n,
                count,
                url: format!("needs/{}/{}/", n.id, r.slug),
            })
        })
        .collect();
    let stats_count = site
        .stats
        .iter()
        .filter(|s| s.regions.contains(&r.code))
        .count();
    let practices: Vec<_> = site
        .practices
        .iter()
        .filter(|p| p.region.as_ref().is_some_and(|x| *x.id == *r.code))
        .collect();
    // The region's own procedures, then the family routes shown with its
    // contacts (a family route of its own among them, in that form).
    let with_contacts = |k: usize| pages.route_regions(site)[k].contains(&i);
    let mut routes: Vec<Value> = site
        .routes
        .iter()
        .enumerate()
        .filter(|(k, x)| x.region.as_ref().is_some_and(|x| *x.id == *r.code) && !with_contacts(*k))
        .map(|(_, x)| x)
        .map(|x| context! { title => x.title.clone(), url => x.url.clone(), family => x.family })
        .collect();
    routes.extend(
        site.routes
            .iter()
            .enumerate()
            .filter(|(k, _)| with_contacts(*k))
            .map(|(_, x)| {
                context! { title => x.title.clone(), url => family::route_region_url(x, &r.slug), family => true }
            }),
    );
    let programmes: Vec<_> = site
        .programmes
        .iter()
        .filter(|p| {
            p.regions.iter().any(|x| *x.id == *r.code)
                || p.trained
                    .iter()
                    .any(|t| t.region.as_ref().is_some_and(|x| *x.id == *r.code))
        })
        .collect();
    // Whatever else concerns the region, from every collection that says so.
    let related: Vec<_> = super::REGISTRY
        .iter()
        .filter_map(|c| c.region_links(site, &r.code))
        .filter(|l| !l.items.is_empty())
        .collect();
    let list = ServiceList::new(site, &idx);
    let ask = cards_of(
        site,
        &list.contact[..list.contact.len().min(paginate::SHORTLIST)],
    );
    RegionList {
        list,
        ask,
        need_counts: Shared::of(&need_counts),
        stats_count,
        practices: Shared::of(&practices),
        routes: Shared::of(&routes),
        programmes: Shared::of(&programmes),
        related: Shared::of(&related),
        region: pages.region_value(site, i),
    }
}

fn region_page<'a>(pages: &'a Pages, site: &'a Site, i: usize, page: usize) -> PageJob<'a> {
    let r = &site.regions[i];
    let shared = pages.regions.get(
        i,
        || region_list(pages, site, i),
        |shared| paginate::page_count(shared.list.len()),
    );
    let list = pages.list_page(site, &shared.list, &r.url, page);
    let url = paginate::page_url(&r.url, page);
    let spec = PageSpec {
        url: &url,
        template: SPEC.record.template,
        family: true,
        file: Some(&r.file),
        crumbs: &[HOME, Crumb::Page("regions", "regions/")],
    };
    pages.job(
        site,
        spec,
        Ctx::new()
            .data("region", shared.region.clone())
            .data("contact", list.contact)
            .data("contact_count", shared.list.contact.len())
            .data("ask", shared.ask.clone())
            .data("groups", list.groups)
            .value("pager", list.pager)
            .data("need_counts", shared.need_counts.clone())
            .data("stats_count", shared.stats_count)
            .data("practices", shared.practices.clone())
            .data("routes", shared.routes.clone())
            .data("programmes", shared.programmes.clone())
            .data("related", shared.related.clone())
            .data("service_count", shared.list.len())
            .value(
                "region_map",
                Value::from(pages.maps(site).regions.get(&r.code).cloned()),
            )
            .data("tile_map", &pages.maps(site).tiles),
    )
}

/// A region's statistics tables, kept off the family-facing region page.
fn stats_page<'a>(pages: &Pages, site: &'a Site, i: usize) -> PageJob<'a> {
    let r = &site.regions[i];
    let stats: Vec<_> = site
        .stats
        .iter()
        .filter(|s| s.regions.contains(&r.code))
        .collect();
    let url = format!("{}stats/", r.url);
    let spec = PageSpec {
        url: &url,
        template: "region_stats.html",
        family: false,
        file: None,
        crumbs: &[
            HOME,
            Crumb::Page("regions", "regions/"),
            Crumb::Link(&r.name, &r.url),
        ],
    };
    pages.job(
        site,
        spec,
        crate::page_context! {
            region => r,
            stats => stats,
        },
    )
}

/// What every page of a municipality's list shares: the region's services
/// with a location by distance, then the others, by name.
pub(crate) struct Nearest {
    near: Vec<(f64, usize)>,
    unplaced: Vec<usize>,
    region: Shared,
    municipality: Shared,
}

fn nearest(pages: &Pages, site: &Site, i: usize, m: usize) -> Nearest {
    let r = &site.regions[i];
    let mu = &r.municipalities[m];
    let idx: &[usize] = site
        .services_by_region
        .get(&r.code)
        .map_or(&[], Vec::as_slice);
    let mut near: Vec<(f64, usize)> = idx
        .iter()
        .filter_map(|&k| {
            let l = site.services[k].location.as_ref()?;
            Some((crate::geo::distance_km((mu.lat, mu.lon), (l.lat, l.lon)), k))
        })
        .collect();
    // Ties are broken by index, so no order is left to keep.
    near.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let unplaced = idx
        .iter()
        .copied()
        .filter(|&k| site.services[k].location.is_none())
        .collect();
    Nearest {
        near,
        unplaced,
        region: pages.region_value(site, i),
        municipality: Shared::of(mu),
    }
}

/// A row of a municipality's list: a card and its distance.
#[derive(serde::Serialize)]
struct Row<'a> {
    card: CardHtml<'a>,
    km: String,
}

fn municipality_page<'a>(
    pages: &'a Pages,
    site: &'a Site,
    i: usize,
    m: usize,
    page: usize,
) -> PageJob<'a> {
    let r = &site.regions[i];
    let mu = &r.municipalities[m];
    let shared = pages.municipalities.get(
        pages.municipality_offsets[i] + m,
        || nearest(pages, site, i, m),
        |shared| paginate::page_count(shared.near.len() + shared.unplaced.len()),
    );
    let (near, unplaced) = (&shared.near, &shared.unplaced);
    // One sequence cut into pages: the placed services, then the others.
    let len = near.len() + unplaced.len();
    let std::ops::Range { start, end } = paginate::range(len, page);
    let rows: Vec<Row> = near[start.min(near.len())..end.min(near.len())]
        .iter()
        .map(|&(km, k)| {
            let service = &site.services[k];
            let town_only = service
                .location
                .as_ref()
                .filter(|l| l.precision == crate::content::records::Precision::City)
                .map(|_| service.municipality.as_deref());
            Row {
                card: pages.card_of(site, k),
                km: crate::geo::distance_text(km, town_only),
            }
        })
        .collect();
    let unplaced = pages.cards_html(
        site,
        &unplaced[start.saturating_sub(near.len())..end.saturating_sub(near.len())],
    );
    let url = paginate::page_url(&mu.url, page);
    let spec = PageSpec {
        url: &url,
        template: "municipality.html",
        family: true,
        file: Some(&r.file),
        crumbs: &[
            HOME,
            Crumb::Page("regions", "regions/"),
            Crumb::Link(&r.name, &r.url),
        ],
    };
    pages.job(
        site,
        spec,
        Ctx::new()
            .data("region", shared.region.clone())
            .data("municipality", shared.municipality.clone())
            .data("rows", rows)
            .data("first_row", start + 1)
            .data("any_placed", !near.is_empty())
            .data("unplaced", unplaced)
            .value(
                "pager",
                paginate::pager(&mu.url, page, paginate::page_count(len)),
            ),
    )
}

fn check_region(cx: &Context, r: &Record<RegionMeta>, out: &mut Vec<Diagnostic>) {
    let m = &r.meta;
    require(r, m.code.is_some(), "code", "code = \"RU-MOS\"", out);
    require_title(r, &m.name, "name", "name = \"Московская область\"", out);
    if let Some(code) = &m.code {
        if !formats::is_region_code(code.get_ref()) {
            out.push(
                r.error_at(
                    code,
                    format!("`{}` is not an ISO 3166-2:RU code", code.get_ref()),
                )
                .hint("codes look like RU-MOS, RU-NVS, RU-BA"),
            );
        } else if code.get_ref().to_lowercase() != r.slug {
            out.push(
                r.error_at(
                    code,
                    format!(
                        "code `{}` does not match the file name `{}.md`",
                        code.get_ref(),
                        r.slug
                    ),
                )
                .hint(format!(
                    "rename the file to {}.md",
                    code.get_ref().to_lowercase()
                )),
            );
        }
    }
    // Optional, but a value written must say something: headings read
    // «Помощь семьям с детьми {name_in}».
    for (value, field, example) in [
        (&m.name_in, "name_in", "name_in = \"в Тульской области\""),
        (&m.centre, "centre", "centre = \"Тула\""),
    ] {
        if value.is_some() {
            require_title(r, value, field, example, out);
        }
    }
    check_terms(cx, r, &m.roles, "region_roles", "roles", out);
    if let Some(bbox) = &m.bbox {
        let b = bbox.get_ref();
        if !(valid_lat_lon(b[1], b[0]) && valid_lat_lon(b[3], b[2]) && b[0] < b[2] && b[1] < b[3]) {
            out.push(
                r.error_at(
                    bbox,
                    "bbox must be [min_lon, min_lat, max_lon, max_lat] with min < max",
                )
                .hint("e.g. bbox = [35.1, 54.2, 40.2, 56.96]"),
            );
        } else {
            for place in &m.municipalities {
                let mu = place.get_ref();
                if !formats::in_bbox(b, mu.lat, mu.lon) {
                    out.push(
                        r.error_at(
                            place,
                            format!(
                                "municipality `{}` at {}, {} lies outside the region's bbox",
                                mu.name.as_str(),
                                mu.lat,
                                mu.lon
                            ),
                        )
                        .hint("check that lat and lon are not swapped"),
                    );
                }
            }
        }
    }
    check_municipality_addresses(r, out);
    check_sources(cx, r, &m.sources, true, out);
    if let Some(dvs) = &m.dvs
        && let Some(s) = &dvs.source
    {
        check_source(cx, &Origin::of_record(r), s, out);
    }
}

/// Each of a region's `[[municipalities]]` has a page at
/// `regions/<code>/m/<slug of its name>/`: a name with no slug would have
/// none, and two names with one slug — the same town listed twice, once
/// with ё («Ёлкино», «Елкино»), or with a stray mark («Калуга!») — would
/// write one page over the other. Each is an error at the later entry.
fn check_municipality_addresses(r: &Record<RegionMeta>, out: &mut Vec<Diagnostic>) {
    let mut pages: HashMap<String, &S<Municipality>> = HashMap::new();
    for place in &r.meta.municipalities {
        let name = place.get_ref().name.as_str();
        let slug = ru::slugify(name);
        if slug.is_empty() {
            out.push(
                r.error_at(&place.get_ref().name, format!("municipality `{}` has no Russian or Latin letter or digit, so its page has no address", name.escape_debug()))
                    .hint("write the town's name as the source gives it, e.g. name = \"Калуга\""),
            );
            continue;
        }
        let Some(first) = pages.get(&slug) else {
            pages.insert(slug, place);
            continue;
        };
        let first_name = first.get_ref().name.as_str();
        let line = r
            .file
            .line_at(r.front_offset + first.get_ref().name.span().start);
        let (message, hint) = if first_name == name {
            (
                format!("municipality «{name}» is listed twice (first at line {line})"),
                "list each town once",
            )
        } else {
            (
                format!(
                    "municipalities «{name}» and «{first_name}» (line {line}) would share one page, m/{slug}/ under the region's: one would overwrite the other"
                ),
                "one town? list it once, written as its name is written (with ё where it has one); two places? tell them apart in letters or digits, not in punctuation or case",
            )
        };
        out.push(r.error_at(&place.get_ref().name, message).hint(hint));
    }
}

fn resolve_region(rz: &Resolver, r: &Record<RegionMeta>, service_count: usize) -> RegionView {
    let m = &r.meta;
    let code = m
        .code
        .as_ref()
        .map(|c| c.get_ref().clone())
        .unwrap_or_default();
    let name = text_of(&m.name).unwrap_or(&code).to_string();
    let mut municipalities: Vec<MunicipalityView> = m
        .municipalities
        .iter()
        .map(|mu| mu.get_ref())
        .map(|mu| MunicipalityView {
            name: mu.name.as_str().to_string(),
            slug: ru::slugify(mu.name.as_str()),
            url: format!(
                "{}m/{}/",
                rz.region_url(&code),
                ru::slugify(mu.name.as_str())
            ),
            lat: mu.lat,
            lon: mu.lon,
        })
        .collect();
    municipalities.sort_by(|a, b| a.name.cmp(&b.name));
    RegionView {
        slug: code.to_lowercase(),
        url: rz.region_url(&code).to_string(),
        file: r.file.rel.clone(),
        name_in: text_of(&m.name_in).map_or_else(|| format!("регион: {name}"), str::to_string),
        centre: text_of(&m.centre).map(str::to_string),
        timezone: m.timezone.clone(),
        roles: rz.terms("region_roles", &m.roles),
        summary: m.summary.clone(),
        bbox: m.bbox.as_ref().map(|b| *b.get_ref()),
        centre_location: m.centre_location.as_ref().map(|c| (c.lat, c.lon)),
        dvs: m.dvs.clone(),
        dvs_source: m
            .dvs
            .as_ref()
            .and_then(|d| d.source.as_ref())
            .map(|s| rz.source(s)),
        municipalities,
        sources: rz.sources(&m.sources),
        body_html: r.body.html.clone(),
        plain: r.body.plain.clone(),
        service_count,
        name,
        code,
    }
}
