//! Which pages the site has, and what each page's template receives.

use std::collections::BTreeMap;

use minijinja::{Value, context};
use rayon::prelude::*;
use serde::Serialize;

use super::PageJob;
use super::family;
use crate::site::{Site, first_sentence};

#[derive(Serialize)]
struct Crumb {
    name: String,
    url: String,
}

/// What every page knows about itself.
#[derive(Serialize)]
struct PageMeta {
    title: String,
    description: String,
    url: String,
    /// Absolute URL; none for a local preview (see `Config::public_url`).
    canonical: Option<String>,
    /// Family-facing pages get the quick-exit button.
    family: bool,
    edit_url: Option<String>,
    /// `YYYY-MM-DD` the source file last changed, and the same in words.
    updated: Option<String>,
    updated_text: Option<String>,
    crumbs: Vec<Crumb>,
}

/// What a list shows of a service; made once per service and shared by every
/// list it appears in (minijinja values are reference-counted).
#[derive(Serialize)]
struct Card<'a> {
    url: &'a str,
    /// The everyday name; the legal one when it differs, for the small line under it.
    name: &'a str,
    legal_name: Option<&'a str>,
    kind: &'a crate::site::TermRef,
    municipality: Option<&'a str>,
    district: Option<&'a str>,
    phones: &'a [crate::site::PhoneView],
    email: Option<&'a str>,
    website: Option<&'a str>,
    contactable: bool,
    needs: &'a [crate::site::TermRef],
}

#[derive(Serialize)]
struct Group {
    name: String,
    slug: String,
    services: Vec<Value>,
}

#[derive(Serialize)]
struct NeedCount<'a> {
    need: &'a crate::site::NeedView,
    count: usize,
    url: String,
}

/// Every page the site has, as something cheap to list and to look up by URL;
/// its context is made only when the page is rendered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Home,
    Regions,
    Region(usize),
    /// (region, municipality): services sorted by distance from its centre, for no-JS near-me.
    Municipality(usize, usize),
    /// A region's statistics tables, kept off the family-facing region page.
    RegionStats(usize),
    Service(usize),
    Needs,
    Need(usize),
    /// (need, region) — only where the region has services for the need.
    NeedRegion(usize, usize),
    Routes,
    Route(usize),
    /// (route, region): a family route with the region's contactable services at each step.
    RouteRegion(usize, usize),
    Practices,
    Practice(usize),
    Programmes,
    Programme(usize),
    Glossary,
    /// Open geodata: links to the GeoJSON files (src/geo).
    OpenData,
    Stats,
    Search,
    Page(usize),
    NotFound,
}

/// What every page shares: site-wide values and the service cards.
pub struct Pages {
    globals: Value,
    /// One card per service, in `site.services` order.
    cards: Vec<Value>,
    /// Build-time SVG maps (src/geo).
    maps: crate::geo::site::Maps,
    /// For each route (in `site.routes` order), the regions it has a local page for.
    route_regions: Vec<Vec<usize>>,
}

const HOME: (&str, &str) = ("Главная", "");

impl Pages {
    /// `search_manifest`: site path of the static search index, when there is one.
    pub fn new(site: &Site, search_manifest: Option<&str>) -> Pages {
        let family_needs: Vec<_> = site
            .needs
            .iter()
            .filter(|n| n.audience == "family" && n.count > 0)
            .collect();
        // Menu pages by who they are for: family pages first in the navigation,
        // editors' pages only in the footer.
        let menu = |audience: &[Option<&str>]| -> Vec<&crate::site::PageView> {
            site.pages
                .iter()
                .filter(|p| p.menu.is_some() && audience.contains(&p.audience.as_deref()))
                .collect()
        };
        let globals = context! {
            base => site.base.clone(),
            search_manifest => search_manifest.map(str::to_string),
            site => context! {
                title => site.config.title.clone(),
                tagline => site.config.tagline.clone(),
                language => site.config.language.clone(),
                quick_exit_url => site.config.quick_exit_url.clone(),
                needs => Value::from_serialize(&family_needs),
                menu_family => Value::from_serialize(menu(&[Some("family")])),
                menu_specialist => Value::from_serialize(menu(&[Some("specialist")])),
                menu_about => Value::from_serialize(menu(&[None])),
                menu_editor => Value::from_serialize(menu(&[Some("editor")])),
                lines => Value::from_serialize(&site.lines),
            },
        };
        let cards = site
            .services
            .par_iter()
            .map(|s| {
                Value::from_serialize(Card {
                    url: &s.url,
                    name: &s.everyday_name,
                    legal_name: (s.everyday_name != s.name).then_some(s.name.as_str()),
                    kind: &s.kind,
                    municipality: s.municipality.as_deref(),
                    district: s.district.as_deref(),
                    phones: &s.phones[..s.phones.len().min(1)],
                    email: s.emails.first().map(String::as_str),
                    website: s.website.as_deref(),
                    contactable: s.contactable,
                    needs: &s.needs,
                })
            })
            .collect();
        Pages {
            globals,
            cards,
            maps: crate::geo::site::Maps::build(site),
            route_regions: site
                .routes
                .iter()
                .map(|r| family::route_regions(site, r))
                .collect(),
        }
    }

    /// All pages with their output paths (`regions/ru-mos/index.html`).
    pub fn list(&self, site: &Site) -> Vec<(String, Kind)> {
        let mut out = vec![
            (path_of(""), Kind::Home),
            (path_of("regions/"), Kind::Regions),
        ];
        out.extend(
            site.regions
                .iter()
                .enumerate()
                .map(|(i, r)| (path_of(&r.url), Kind::Region(i))),
        );
        for (i, r) in site.regions.iter().enumerate() {
            if site.stats.iter().any(|t| t.regions.contains(&r.code)) {
                out.push((path_of(&format!("{}stats/", r.url)), Kind::RegionStats(i)));
            }
            for (m, mu) in r.municipalities.iter().enumerate() {
                out.push((
                    path_of(&format!("{}m/{}/", r.url, mu.slug)),
                    Kind::Municipality(i, m),
                ));
            }
        }
        out.extend(
            site.services
                .iter()
                .enumerate()
                .map(|(i, s)| (path_of(&s.url), Kind::Service(i))),
        );
        out.push((path_of("needs/"), Kind::Needs));
        for (n, need) in site.needs.iter().enumerate() {
            out.push((path_of(&need.url), Kind::Need(n)));
            let idx = site.services_by_need.get(&need.id);
            for (r, region) in site.regions.iter().enumerate() {
                if idx
                    .is_some_and(|idx| idx.iter().any(|&i| site.services[i].region == region.code))
                {
                    out.push((
                        path_of(&format!("needs/{}/{}/", need.id, region.slug)),
                        Kind::NeedRegion(n, r),
                    ));
                }
            }
        }
        out.push((path_of("routes/"), Kind::Routes));
        for (i, r) in site.routes.iter().enumerate() {
            out.push((path_of(&r.url), Kind::Route(i)));
            for &g in &self.route_regions[i] {
                let url = family::route_region_url(r, &site.regions[g].slug);
                out.push((path_of(&url), Kind::RouteRegion(i, g)));
            }
        }
        out.push((path_of("practices/"), Kind::Practices));
        out.extend(
            site.practices
                .iter()
                .enumerate()
                .map(|(i, p)| (path_of(&p.url), Kind::Practice(i))),
        );
        out.push((path_of("programmes/"), Kind::Programmes));
        out.extend(
            site.programmes
                .iter()
                .enumerate()
                .map(|(i, p)| (path_of(&p.url), Kind::Programme(i))),
        );
        out.push((path_of("glossary/"), Kind::Glossary));
        out.push((path_of("open-data/"), Kind::OpenData));
        out.push((path_of("search/"), Kind::Search));
        out.push((path_of("stats/"), Kind::Stats));
        out.extend(
            site.pages
                .iter()
                .enumerate()
                .map(|(i, p)| (path_of(&p.url), Kind::Page(i))),
        );
        out.push(("404.html".into(), Kind::NotFound));
        out
    }

    #[allow(clippy::too_many_arguments)]
    fn job(
        &self,
        site: &Site,
        url: &str,
        template: &'static str,
        title: &str,
        description: &str,
        family: bool,
        file: Option<&str>,
        crumbs: &[(&str, &str)],
        extra: Value,
    ) -> PageJob {
        let updated = file.and_then(|f| site.history.updated(f));
        let meta = PageMeta {
            updated_text: updated.as_deref().map(crate::ru::date_long),
            updated: updated.clone(),
            title: title.to_string(),
            description: description.to_string(),
            url: url.to_string(),
            canonical: site.config.public_url(url),
            family,
            edit_url: file.and_then(|f| {
                site.config
                    .edit_link_base
                    .as_ref()
                    .map(|b| format!("{b}{f}"))
            }),
            crumbs: crumbs
                .iter()
                .map(|(n, u)| Crumb {
                    name: n.to_string(),
                    url: u.to_string(),
                })
                .collect(),
        };
        let ctx = minijinja::value::merge_maps([
            context! { page => Value::from_serialize(&meta) },
            extra,
            self.globals.clone(),
        ]);
        PageJob {
            path: if url.ends_with(".html") {
                url.to_string()
            } else {
                path_of(url)
            },
            template,
            context: ctx,
            lastmod: updated,
            source: file.map(str::to_string),
        }
    }

    /// The regions a route has a local page for, as links.
    fn route_choices(&self, site: &Site, route: usize) -> Vec<Value> {
        let r = &site.routes[route];
        self.route_regions[route]
            .iter()
            .map(|&g| {
                let region = &site.regions[g];
                context! { name => region.name.clone(), slug => region.slug.clone(), url => family::route_region_url(r, &region.slug) }
            })
            .collect()
    }

    /// The cards of these services, in this order.
    fn cards_of(&self, idx: &[usize]) -> Vec<Value> {
        idx.iter().map(|&i| self.cards[i].clone()).collect()
    }

    /// Services grouped by municipality (district for cities), groups in name order.
    fn by_municipality(&self, site: &Site, idx: &[usize]) -> Vec<Group> {
        let mut groups: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        for &i in idx {
            let s = &site.services[i];
            let key = s
                .municipality
                .clone()
                .or_else(|| s.district.clone())
                .unwrap_or_else(|| "Весь регион".to_string());
            groups.entry(key).or_default().push(self.cards[i].clone());
        }
        groups
            .into_iter()
            .map(|(name, services)| Group {
                slug: crate::ru::slugify(&name),
                name,
                services,
            })
            .collect()
    }

    /// The page with its full template context.
    pub fn render_job(&self, site: &Site, kind: Kind) -> PageJob {
        match kind {
            Kind::Home => {
                // A need no service helps with is not offered as a choice (its page says
                // what to do instead, and routes still link to it).
                let family_needs: Vec<_> = site
                    .needs
                    .iter()
                    .filter(|n| n.audience == "family" && n.count > 0)
                    .collect();
                let family_routes: Vec<_> = site.routes.iter().filter(|r| r.family).collect();
                let regions: Vec<_> = site.regions.iter().filter(|r| r.code != "RU").collect();
                self.job(
                    site,
                    "",
                    "home.html",
                    &site.config.title,
                    &site.config.tagline,
                    true,
                    None,
                    &[],
                    context! {
                        needs => Value::from_serialize(&family_needs),
                        regions => Value::from_serialize(&regions),
                        routes => Value::from_serialize(&family_routes),
                        practice_count => site.practices.len(),
                        programme_count => site.programmes.len(),
                        service_count => site.services.len(),
                        country_map => self.maps.country.clone(),
                    },
                )
            }
            Kind::Regions => self.job(
                site,
                "regions/",
                "regions.html",
                "Регионы",
                "Выберите регион, чтобы найти помощь рядом.",
                true,
                None,
                &[HOME],
                context! {
                    regions => Value::from_serialize(&site.regions),
                    country_map => self.maps.country.clone(),
                },
            ),
            Kind::Region(i) => {
                let r = &site.regions[i];
                let idx = site
                    .services_by_region
                    .get(&r.code)
                    .cloned()
                    .unwrap_or_default();
                let mut need_counts: Vec<NeedCount> = Vec::new();
                for n in &site.needs {
                    let count = idx
                        .iter()
                        .filter(|&&i| site.services[i].needs.iter().any(|x| x.id == n.id))
                        .count();
                    if count > 0 {
                        need_counts.push(NeedCount {
                            need: n,
                            count,
                            url: format!("needs/{}/{}/", n.id, r.slug),
                        });
                    }
                }
                let stats_count = site
                    .stats
                    .iter()
                    .filter(|s| s.regions.contains(&r.code))
                    .count();
                let practices: Vec<_> = site
                    .practices
                    .iter()
                    .filter(|p| p.region.as_ref().is_some_and(|x| x.id == r.code))
                    .collect();
                // The region's own procedures, then the family routes shown with its contacts.
                let mut routes: Vec<Value> = site
                    .routes
                    .iter()
                    .filter(|x| x.region.as_ref().is_some_and(|x| x.id == r.code))
                    .map(|x| context! { title => x.title.clone(), url => x.url.clone(), family => x.family })
                    .collect();
                routes.extend(site.routes.iter().enumerate().filter(|(k, _)| self.route_regions[*k].contains(&i)).map(|(_, x)| {
                    context! { title => x.title.clone(), url => family::route_region_url(x, &r.slug), family => true }
                }));
                let programmes: Vec<_> = site
                    .programmes
                    .iter()
                    .filter(|p| {
                        p.regions.iter().any(|x| x.id == r.code)
                            || p.trained
                                .iter()
                                .any(|t| t.region.as_ref().is_some_and(|x| x.id == r.code))
                    })
                    .collect();
                let description = r
                    .summary
                    .clone()
                    .unwrap_or_else(|| format!("Помощь семьям с детьми {}", r.name_in));
                let (contact, rest) = family::contact_first(site, &idx);
                self.job(
                    site,
                    &r.url,
                    "region.html",
                    &r.name,
                    &description,
                    true,
                    Some(&r.file),
                    &[HOME, ("Регионы", "regions/")],
                    context! {
                        region => Value::from_serialize(r),
                        contact => self.cards_of(&contact),
                        groups => Value::from_serialize(self.by_municipality(site, &rest)),
                        need_counts => Value::from_serialize(&need_counts),
                        stats_count => stats_count,
                        practices => Value::from_serialize(&practices),
                        routes => routes,
                        programmes => Value::from_serialize(&programmes),
                        service_count => idx.len(),
                        region_map => self.maps.regions.get(&r.code).cloned(),
                        tile_map => Value::from_serialize(&self.maps.tiles),
                    },
                )
            }
            Kind::RegionStats(i) => {
                let r = &site.regions[i];
                let stats: Vec<_> = site
                    .stats
                    .iter()
                    .filter(|s| s.regions.contains(&r.code))
                    .collect();
                self.job(
                    site,
                    &format!("{}stats/", r.url),
                    "region_stats.html",
                    &format!("Цифры: {}", r.name),
                    &format!("Статистика {} из материалов проекта: таблицы и диаграммы с источниками.", r.name_in),
                    false,
                    None,
                    &[HOME, ("Регионы", "regions/"), (&r.name, &r.url)],
                    context! {
                        region => Value::from_serialize(r),
                        stats => Value::from_serialize(&stats),
                    },
                )
            }
            Kind::Municipality(i, m) => {
                let r = &site.regions[i];
                let mu = &r.municipalities[m];
                let idx = site
                    .services_by_region
                    .get(&r.code)
                    .cloned()
                    .unwrap_or_default();
                // Services with a location by distance; the rest after them, by name.
                let mut near: Vec<(f64, usize)> = idx
                    .iter()
                    .filter_map(|&k| {
                        let l = site.services[k].location.as_ref()?;
                        Some((crate::geo::distance_km((mu.lat, mu.lon), (l.lat, l.lon)), k))
                    })
                    .collect();
                near.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                let rows: Vec<Value> = near
                    .iter()
                    .map(|&(km, k)| context! { card => self.cards[k].clone(), km => crate::geo::format_km(km) })
                    .collect();
                let unplaced: Vec<Value> = idx
                    .iter()
                    .filter(|&&k| site.services[k].location.is_none())
                    .map(|&k| self.cards[k].clone())
                    .collect();
                let title = format!("Помощь рядом: {}", mu.name);
                let description = format!(
                    "Организации {} по расстоянию от центра: {}.",
                    r.name_in, mu.name
                );
                self.job(
                    site,
                    &format!("{}m/{}/", r.url, mu.slug),
                    "municipality.html",
                    &title,
                    &description,
                    true,
                    Some(&r.file),
                    &[HOME, ("Регионы", "regions/"), (&r.name, &r.url)],
                    context! {
                        region => Value::from_serialize(r),
                        municipality => Value::from_serialize(mu),
                        rows => rows,
                        unplaced => unplaced,
                    },
                )
            }
            Kind::Service(i) => {
                let s = &site.services[i];
                let description = format!("{}. {}", s.kind.label, first_sentence(&s.plain, 160));
                let family = s.audience.is_empty() || s.audience.iter().any(|a| a == "family");
                // Without contacts of its own, the page says where to ask: the region's
                // services that have them.
                let ask: Vec<usize> = if s.contactable {
                    Vec::new()
                } else {
                    let all = site.services_by_region.get(&s.region).cloned().unwrap_or_default();
                    family::contact_first(site, &all).0
                };
                self.job(
                    site,
                    &s.url,
                    "service.html",
                    &s.everyday_name,
                    &description,
                    family,
                    Some(&s.file),
                    &[
                        HOME,
                        ("Регионы", "regions/"),
                        (&s.region_name, &s.region_url),
                    ],
                    context! {
                        service => Value::from_serialize(s),
                        ask => self.cards_of(&ask),
                    },
                )
            }
            Kind::Needs => self.job(
                site,
                "needs/",
                "needs.html",
                "Какая помощь нужна",
                "Все виды помощи семьям с малышами.",
                true,
                None,
                &[HOME],
                context! {
                    needs => Value::from_serialize(site.needs.iter().filter(|n| n.count > 0).collect::<Vec<_>>()),
                    without => Value::from_serialize(site.needs.iter().filter(|n| n.count == 0).collect::<Vec<_>>()),
                },
            ),
            Kind::Need(n) => {
                let need = &site.needs[n];
                let idx = site
                    .services_by_need
                    .get(&need.id)
                    .cloned()
                    .unwrap_or_default();
                let regions: Vec<Value> = site
                    .regions
                    .iter()
                    .filter_map(|r| {
                        let here = idx.iter().filter(|&&i| site.services[i].region == r.code);
                        let count = here.clone().count();
                        let contactable = here.filter(|&&i| site.services[i].contactable).count();
                        (count > 0).then(|| context! { name => r.name.clone(), url => format!("needs/{}/{}/", need.id, r.slug), code => r.code.clone(), count, contactable })
                    })
                    .collect();
                let routes: Vec<_> = site
                    .routes
                    .iter()
                    .filter(|r| {
                        r.needs.iter().any(|x| x.id == need.id)
                            || r.steps
                                .iter()
                                .any(|s| s.needs.iter().any(|x| x.id == need.id))
                    })
                    .collect();
                self.job(
                    site,
                    &need.url,
                    "need.html",
                    &need.label,
                    &need.description,
                    need.audience == "family",
                    None,
                    &[HOME, ("Виды помощи", "needs/")],
                    context! {
                        need => Value::from_serialize(need),
                        regions => regions,
                        routes => Value::from_serialize(&routes),
                    },
                )
            }
            Kind::NeedRegion(n, r) => {
                let (need, region) = (&site.needs[n], &site.regions[r]);
                let in_region: Vec<usize> = site
                    .services_by_need
                    .get(&need.id)
                    .map(|idx| {
                        idx.iter()
                            .copied()
                            .filter(|&i| site.services[i].region == region.code)
                            .collect()
                    })
                    .unwrap_or_default();
                let url = format!("needs/{}/{}/", need.id, region.slug);
                let title = format!("{} {}", need.label, region.name_in);
                let (contact, rest) = family::contact_first(site, &in_region);
                // Where to ask about the entries without contacts: the region's other
                // contactable services, when this need has none of its own.
                let ask = if contact.is_empty() {
                    let all = site.services_by_region.get(&region.code).cloned().unwrap_or_default();
                    self.cards_of(&family::contact_first(site, &all).0)
                } else {
                    Vec::new()
                };
                self.job(
                    site,
                    &url,
                    "need_region.html",
                    &title,
                    &need.description,
                    need.audience == "family",
                    None,
                    &[HOME, ("Виды помощи", "needs/"), (&need.label, &need.url)],
                    context! {
                        need => Value::from_serialize(need),
                        region => Value::from_serialize(region),
                        contact => self.cards_of(&contact),
                        ask => ask,
                        groups => Value::from_serialize(self.by_municipality(site, &rest)),
                        count => in_region.len(),
                    },
                )
            }
            Kind::Routes => self.job(
                site,
                "routes/",
                "routes.html",
                "Что делать, если…",
                "Пошаговые маршруты для семей и порядок работы для специалистов.",
                true,
                None,
                &[HOME],
                context! {
                    routes => Value::from_serialize(&site.routes),
                },
            ),
            Kind::Route(i) => {
                let r = &site.routes[i];
                let description = r
                    .summary
                    .clone()
                    .unwrap_or_else(|| first_sentence(&r.plain, 160));
                self.job(
                    site,
                    &r.url,
                    "route.html",
                    &r.title,
                    &description,
                    r.family,
                    Some(&r.file),
                    &[HOME, ("Что делать, если…", "routes/")],
                    context! {
                        route => Value::from_serialize(r),
                        choices => self.route_choices(site, i),
                    },
                )
            }
            Kind::RouteRegion(i, g) => {
                let (r, region) = (&site.routes[i], &site.regions[g]);
                // Each step's "Где помогут" names the region's services a family can contact.
                let local: Vec<Vec<Value>> = r
                    .steps
                    .iter()
                    .map(|step| {
                        let needs: Vec<&str> = step.needs.iter().map(|n| n.id.as_str()).collect();
                        self.cards_of(&family::contactable_for(site, &region.code, &needs))
                    })
                    .collect();
                let ask = self.cards_of(&family::contactable_for(
                    site,
                    &region.code,
                    &family::route_needs(r),
                ));
                let description = r
                    .summary
                    .clone()
                    .unwrap_or_else(|| first_sentence(&r.plain, 160));
                self.job(
                    site,
                    &family::route_region_url(r, &region.slug),
                    "route.html",
                    &format!("{} — {}", r.title, region.name),
                    &description,
                    true,
                    Some(&r.file),
                    &[HOME, ("Что делать, если…", "routes/"), (&r.title, &r.url)],
                    context! {
                        route => Value::from_serialize(r),
                        region => Value::from_serialize(region),
                        local => local,
                        ask => ask,
                        choices => self.route_choices(site, i),
                    },
                )
            }
            Kind::Practices => self.job(
                site,
                "practices/",
                "practices.html",
                "Лучшие практики",
                "Каталог практик профилактики социального сиротства по регионам и направлениям.",
                false,
                None,
                &[HOME],
                context! {
                    practices => Value::from_serialize(&site.practices),
                    directions => Value::from_serialize(&site.directions),
                },
            ),
            Kind::Practice(i) => {
                let p = &site.practices[i];
                let description = p
                    .summary
                    .clone()
                    .unwrap_or_else(|| first_sentence(&p.plain, 160));
                self.job(
                    site,
                    &p.url,
                    "practice.html",
                    &p.title,
                    &description,
                    false,
                    Some(&p.file),
                    &[HOME, ("Лучшие практики", "practices/")],
                    context! {
                        practice => Value::from_serialize(p),
                    },
                )
            }
            Kind::Programmes => self.job(
                site,
                "programmes/",
                "programmes.html",
                "Обучающие программы",
                "Программы обучения специалистов и родителей.",
                false,
                None,
                &[HOME],
                context! {
                    programmes => Value::from_serialize(&site.programmes),
                },
            ),
            Kind::Programme(i) => {
                let p = &site.programmes[i];
                let description = p
                    .summary
                    .clone()
                    .unwrap_or_else(|| first_sentence(&p.plain, 160));
                let stats: Vec<_> = site
                    .stats
                    .iter()
                    .filter(|s| p.stats.contains(&s.id))
                    .collect();
                self.job(
                    site,
                    &p.url,
                    "programme.html",
                    &p.title,
                    &description,
                    false,
                    Some(&p.file),
                    &[HOME, ("Обучающие программы", "programmes/")],
                    context! {
                        programme => Value::from_serialize(p),
                        stats => Value::from_serialize(&stats),
                    },
                )
            }
            Kind::OpenData => {
                // Regions with at least one located service have a file (geo::site::data_files).
                let files: Vec<Value> = site
                    .regions
                    .iter()
                    .filter(|r| {
                        site.services.iter().any(|s| s.region == r.code && s.location.is_some())
                    })
                    .map(|r| context! { name => r.name.clone(), path => format!("geo/regions/{}.geojson", r.code.to_lowercase()) })
                    .collect();
                let located = site
                    .services
                    .iter()
                    .filter(|s| s.location.is_some())
                    .count();
                self.job(
                    site,
                    "open-data/",
                    "open_data.html",
                    "Открытые данные",
                    "Организации портала с координатами в формате GeoJSON (RFC 7946): по всей стране и по регионам.",
                    false,
                    None,
                    &[HOME],
                    context! { files => files, located => located },
                )
            }
            Kind::Glossary => self.job(
                site,
                "glossary/",
                "glossary.html",
                "Словарь сокращений и терминов",
                "Что значат КДНиЗП, СОП, ТЖС и другие сокращения.",
                false,
                Some("data/glossary.toml"),
                &[HOME],
                context! {
                    terms => Value::from_serialize(&site.glossary),
                    letters => glossary_letters(&site.glossary),
                },
            ),
            Kind::Page(i) => {
                let p = &site.pages[i];
                let description = p
                    .summary
                    .clone()
                    .unwrap_or_else(|| first_sentence(&p.plain, 160));
                self.job(
                    site,
                    &p.url,
                    "page.html",
                    &p.title,
                    &description,
                    p.family,
                    Some(&p.file),
                    &[HOME],
                    context! {
                        content => Value::from_serialize(p),
                    },
                )
            }
            Kind::Stats => {
                // Tables grouped by the project direction they belong to; the rest last.
                let mut groups: Vec<Value> = site
                    .directions
                    .iter()
                    .filter_map(|d| {
                        let tables: Vec<_> = site.stats.iter().filter(|t| t.topics.contains(&d.id)).collect();
                        (!tables.is_empty()).then(|| context! { id => d.id.clone(), label => d.label.clone(), tables => Value::from_serialize(&tables) })
                    })
                    .collect();
                let other: Vec<_> = site.stats.iter().filter(|t| t.topics.is_empty()).collect();
                if !other.is_empty() {
                    groups.push(context! { id => "other", label => "Другие таблицы", tables => Value::from_serialize(&other) });
                }
                self.job(
                    site,
                    "stats/",
                    "stats.html",
                    "Цифры и таблицы",
                    "Статистика из материалов проекта: таблицы и диаграммы с источниками.",
                    false,
                    None,
                    &[HOME],
                    context! {
                        groups => groups,
                        count => site.stats.len(),
                    },
                )
            }
            Kind::Search => {
                let family_needs: Vec<_> = site
                    .needs
                    .iter()
                    .filter(|n| n.audience == "family" && n.count > 0)
                    .collect();
                let regions: Vec<_> = site.regions.iter().filter(|r| r.code != "RU").collect();
                self.job(
                    site,
                    "search/",
                    "search.html",
                    "Поиск",
                    "Поиск служб, маршрутов, практик и программ.",
                    true,
                    None,
                    &[HOME],
                    context! {
                        needs => Value::from_serialize(&family_needs),
                        regions => Value::from_serialize(&regions),
                    },
                )
            }
            Kind::NotFound => self.job(
                site,
                "404.html",
                "404.html",
                "Страница не найдена",
                "",
                true,
                None,
                &[],
                context! {},
            ),
        }
    }
}

/// The glossary's А–Я index: each first letter (Ё filed under Е, as the list is sorted)
/// with the anchor of its first term.
fn glossary_letters(terms: &[crate::site::GlossaryView]) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    let mut last = None;
    for t in terms {
        let Some(first) = t.term.chars().find(|c| c.is_alphanumeric()) else {
            continue;
        };
        let letter: String = if first.is_ascii_digit() {
            "0–9".to_string()
        } else {
            first.to_uppercase().collect::<String>().replace('Ё', "Е")
        };
        if last.as_deref() != Some(letter.as_str()) {
            out.push(context! { letter => letter.clone(), anchor => t.anchor.clone() });
            last = Some(letter);
        }
    }
    out
}

/// The output file of a site URL: `regions/` → `regions/index.html`.
fn path_of(url: &str) -> String {
    format!("{url}index.html")
}

/// Every page with its context, made in parallel.
pub fn jobs(site: &Site, search_manifest: Option<&str>) -> Vec<PageJob> {
    let pages = Pages::new(site, search_manifest);
    pages
        .list(site)
        .par_iter()
        .map(|(_, kind)| pages.render_job(site, *kind))
        .collect()
}

/// `sitemap.xml` for every HTML page except the 404 page.
pub fn sitemap(site: &Site, jobs: &[PageJob]) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    let mut urls: Vec<(String, Option<&str>)> = jobs
        .iter()
        .filter(|j| j.path.ends_with("index.html"))
        .map(|j| {
            (
                site.config.absolute(j.path.trim_end_matches("index.html")),
                j.lastmod.as_deref(),
            )
        })
        .collect();
    urls.sort();
    for (u, lastmod) in urls {
        out.push_str("  <url><loc>");
        out.push_str(&crate::content::markdown::escape_html(&u));
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

pub fn robots(site: &Site) -> String {
    match site.config.public_url("sitemap.xml") {
        Some(sitemap) => format!("User-agent: *\nAllow: /\n\nSitemap: {sitemap}\n"),
        None => "User-agent: *\nAllow: /\n".to_string(),
    }
}
