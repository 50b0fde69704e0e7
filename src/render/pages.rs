//! Which pages the site has, and what each page's template receives.

use std::collections::BTreeMap;

use minijinja::{Value, context};
use rayon::prelude::*;
use serde::Serialize;

use super::PageJob;
use crate::site::{ServiceView, Site, first_sentence};

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
    canonical: String,
    /// Family-facing pages get the quick-exit button.
    family: bool,
    edit_url: Option<String>,
    /// `YYYY-MM-DD` the source file last changed, and the same in words.
    updated: Option<String>,
    updated_text: Option<String>,
    crumbs: Vec<Crumb>,
}

struct Builder<'a> {
    site: &'a Site,
    globals: Value,
    jobs: Vec<PageJob>,
    /// One card per service, in `site.services` order.
    cards: Vec<Value>,
}

impl Builder<'_> {
    #[allow(clippy::too_many_arguments)]
    fn page(
        &mut self,
        url: &str,
        template: &'static str,
        title: &str,
        description: &str,
        family: bool,
        file: Option<&str>,
        crumbs: &[(&str, &str)],
        extra: Value,
    ) {
        let job = self.job(
            url,
            template,
            title,
            description,
            family,
            file,
            crumbs,
            extra,
        );
        self.jobs.push(job);
    }

    #[allow(clippy::too_many_arguments)]
    fn job(
        &self,
        url: &str,
        template: &'static str,
        title: &str,
        description: &str,
        family: bool,
        file: Option<&str>,
        crumbs: &[(&str, &str)],
        extra: Value,
    ) -> PageJob {
        let updated = file.and_then(|f| self.site.history.updated(f));
        let meta = PageMeta {
            updated_text: updated.as_deref().map(crate::ru::date_long),
            updated: updated.clone(),
            title: title.to_string(),
            description: description.to_string(),
            url: url.to_string(),
            canonical: self.site.config.absolute(url),
            family,
            edit_url: file.and_then(|f| {
                self.site
                    .config
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
        let path = if url.is_empty() {
            "index.html".to_string()
        } else if url.ends_with('/') {
            format!("{url}index.html")
        } else {
            url.to_string()
        };
        let ctx = minijinja::value::merge_maps([
            context! { page => Value::from_serialize(&meta) },
            extra,
            self.globals.clone(),
        ]);
        PageJob {
            path,
            template,
            context: ctx,
            lastmod: updated,
            source: file.map(str::to_string),
        }
    }

    fn services(&self, idx: &[usize]) -> Vec<&ServiceView> {
        idx.iter().map(|&i| &self.site.services[i]).collect()
    }

    /// Services grouped by municipality (district for cities), groups in name order.
    fn by_municipality(&self, idx: &[usize]) -> Vec<Group> {
        let mut groups: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        for &i in idx {
            let s = &self.site.services[i];
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
}

/// What a list shows of a service; made once per service and shared by every
/// list it appears in (minijinja values are reference-counted).
#[derive(Serialize)]
struct Card<'a> {
    url: &'a str,
    name: &'a str,
    kind: &'a crate::site::TermRef,
    municipality: Option<&'a str>,
    district: Option<&'a str>,
    phones: &'a [crate::site::PhoneView],
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

pub fn jobs(site: &Site) -> Vec<PageJob> {
    let family_needs: Vec<_> = site
        .needs
        .iter()
        .filter(|n| n.audience == "family")
        .collect();
    let menu: Vec<_> = site.pages.iter().filter(|p| p.menu.is_some()).collect();
    let globals = context! {
        base => site.base.clone(),
        site => context! {
            title => site.config.title.clone(),
            tagline => site.config.tagline.clone(),
            language => site.config.language.clone(),
            quick_exit_url => site.config.quick_exit_url.clone(),
            needs => Value::from_serialize(&family_needs),
            menu => Value::from_serialize(&menu),
        },
    };
    let cards = site
        .services
        .par_iter()
        .map(|s| {
            Value::from_serialize(Card {
                url: &s.url,
                name: &s.name,
                kind: &s.kind,
                municipality: s.municipality.as_deref(),
                district: s.district.as_deref(),
                phones: &s.phones[..s.phones.len().min(1)],
                needs: &s.needs,
            })
        })
        .collect();
    let mut b = Builder {
        site,
        globals,
        jobs: Vec::new(),
        cards,
    };
    let home = ("Главная", "");

    // Home
    let family_routes: Vec<_> = site.routes.iter().filter(|r| r.family).collect();
    let regions_with_services: Vec<_> = site.regions.iter().filter(|r| r.code != "RU").collect();
    b.page(
        "",
        "home.html",
        &site.config.title,
        &site.config.tagline,
        true,
        None,
        &[],
        context! {
            needs => Value::from_serialize(&family_needs),
            regions => Value::from_serialize(&regions_with_services),
            routes => Value::from_serialize(&family_routes),
            practice_count => site.practices.len(),
            programme_count => site.programmes.len(),
            service_count => site.services.len(),
        },
    );

    // Regions
    b.page(
        "regions/",
        "regions.html",
        "Регионы",
        "Выберите регион, чтобы найти помощь рядом.",
        true,
        None,
        &[home],
        context! {
            regions => Value::from_serialize(&site.regions),
        },
    );
    for r in &site.regions {
        let idx = site
            .services_by_region
            .get(&r.code)
            .cloned()
            .unwrap_or_default();
        let services = b.services(&idx);
        let mut need_counts: Vec<NeedCount> = Vec::new();
        for n in &site.needs {
            let count = services
                .iter()
                .filter(|s| s.needs.iter().any(|x| x.id == n.id))
                .count();
            if count > 0 {
                need_counts.push(NeedCount {
                    need: n,
                    count,
                    url: format!("needs/{}/{}/", n.id, r.slug),
                });
            }
        }
        let stats: Vec<_> = site
            .stats
            .iter()
            .filter(|s| s.regions.contains(&r.code))
            .collect();
        let practices: Vec<_> = site
            .practices
            .iter()
            .filter(|p| p.region.as_ref().is_some_and(|x| x.id == r.code))
            .collect();
        let routes: Vec<_> = site
            .routes
            .iter()
            .filter(|x| x.region.as_ref().is_some_and(|x| x.id == r.code))
            .collect();
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
        let extra = context! {
            region => Value::from_serialize(r),
            groups => Value::from_serialize(b.by_municipality(&idx)),
            need_counts => Value::from_serialize(&need_counts),
            stats => Value::from_serialize(&stats),
            practices => Value::from_serialize(&practices),
            routes => Value::from_serialize(&routes),
            programmes => Value::from_serialize(&programmes),
            service_count => services.len(),
        };
        b.page(
            &r.url,
            "region.html",
            &r.name,
            &description,
            true,
            Some(&r.file),
            &[home, ("Регионы", "regions/")],
            extra,
        );
    }

    // Services: the bulk of a large portal, so their contexts are made in parallel.
    let service_jobs: Vec<PageJob> = site
        .services
        .par_iter()
        .map(|s| {
            let description = format!("{}. {}", s.kind.label, first_sentence(&s.plain, 160));
            let family = s.audience.is_empty() || s.audience.iter().any(|a| a == "family");
            b.job(
                &s.url,
                "service.html",
                &s.name,
                &description,
                family,
                Some(&s.file),
                &[
                    home,
                    ("Регионы", "regions/"),
                    (&s.region_name, &s.region_url),
                ],
                context! {
                    service => Value::from_serialize(s),
                },
            )
        })
        .collect();
    b.jobs.extend(service_jobs);

    // Needs: national pages point to regions; regional pages list services.
    b.page(
        "needs/",
        "needs.html",
        "Какая помощь нужна",
        "Все виды помощи семьям с малышами.",
        true,
        None,
        &[home],
        context! {
            needs => Value::from_serialize(&site.needs),
        },
    );
    for n in &site.needs {
        let idx = site
            .services_by_need
            .get(&n.id)
            .cloned()
            .unwrap_or_default();
        let mut per_region: Vec<(String, String, String, usize)> = Vec::new();
        for r in &site.regions {
            let count = idx
                .iter()
                .filter(|&&i| site.services[i].region == r.code)
                .count();
            if count > 0 {
                per_region.push((
                    r.name.clone(),
                    format!("needs/{}/{}/", n.id, r.slug),
                    r.code.clone(),
                    count,
                ));
            }
        }
        let routes: Vec<_> = site
            .routes
            .iter()
            .filter(|r| {
                r.needs.iter().any(|x| x.id == n.id)
                    || r.steps.iter().any(|s| s.needs.iter().any(|x| x.id == n.id))
            })
            .collect();
        let regions: Vec<_> = per_region
            .iter()
            .map(|(name, url, code, count)| context! { name, url, code, count })
            .collect();
        let family = n.audience == "family";
        b.page(
            &n.url,
            "need.html",
            &n.label,
            &n.description,
            family,
            None,
            &[home, ("Виды помощи", "needs/")],
            context! {
                need => Value::from_serialize(n),
                regions => regions,
                routes => Value::from_serialize(&routes),
            },
        );
        for r in &site.regions {
            let in_region: Vec<usize> = idx
                .iter()
                .copied()
                .filter(|&i| site.services[i].region == r.code)
                .collect();
            if in_region.is_empty() {
                continue;
            }
            let url = format!("needs/{}/{}/", n.id, r.slug);
            let title = format!("{} {}", n.label, r.name_in);
            b.page(
                &url,
                "need_region.html",
                &title,
                &n.description,
                family,
                None,
                &[home, ("Виды помощи", "needs/"), (&n.label, &n.url)],
                context! {
                    need => Value::from_serialize(n),
                    region => Value::from_serialize(r),
                    groups => Value::from_serialize(b.by_municipality(&in_region)),
                    count => in_region.len(),
                },
            );
        }
    }

    // Routes
    b.page(
        "routes/",
        "routes.html",
        "Что делать, если…",
        "Пошаговые маршруты для семей и порядок работы для специалистов.",
        true,
        None,
        &[home],
        context! {
            routes => Value::from_serialize(&site.routes),
        },
    );
    for r in &site.routes {
        let description = r
            .summary
            .clone()
            .unwrap_or_else(|| first_sentence(&r.plain, 160));
        b.page(
            &r.url,
            "route.html",
            &r.title,
            &description,
            r.family,
            Some(&r.file),
            &[home, ("Что делать, если…", "routes/")],
            context! {
                route => Value::from_serialize(r),
            },
        );
    }

    // Practices
    b.page(
        "practices/",
        "practices.html",
        "Лучшие практики",
        "Каталог практик профилактики социального сиротства по регионам и направлениям.",
        false,
        None,
        &[home],
        context! {
            practices => Value::from_serialize(&site.practices),
            directions => Value::from_serialize(&site.directions),
        },
    );
    for p in &site.practices {
        let description = p
            .summary
            .clone()
            .unwrap_or_else(|| first_sentence(&p.plain, 160));
        b.page(
            &p.url,
            "practice.html",
            &p.title,
            &description,
            false,
            Some(&p.file),
            &[home, ("Лучшие практики", "practices/")],
            context! {
                practice => Value::from_serialize(p),
            },
        );
    }

    // Programmes
    b.page(
        "programmes/",
        "programmes.html",
        "Обучающие программы",
        "Программы обучения специалистов и родителей.",
        false,
        None,
        &[home],
        context! {
            programmes => Value::from_serialize(&site.programmes),
        },
    );
    for p in &site.programmes {
        let description = p
            .summary
            .clone()
            .unwrap_or_else(|| first_sentence(&p.plain, 160));
        let stats: Vec<_> = site
            .stats
            .iter()
            .filter(|s| p.stats.contains(&s.id))
            .collect();
        b.page(
            &p.url,
            "programme.html",
            &p.title,
            &description,
            false,
            Some(&p.file),
            &[home, ("Обучающие программы", "programmes/")],
            context! {
                programme => Value::from_serialize(p),
                stats => Value::from_serialize(&stats),
            },
        );
    }

    b.page(
        "glossary/",
        "glossary.html",
        "Словарь сокращений и терминов",
        "Что значат КДНиЗП, СОП, ТЖС и другие сокращения.",
        false,
        Some("data/glossary.toml"),
        &[home],
        context! {
            terms => Value::from_serialize(&site.glossary),
        },
    );

    for p in &site.pages {
        let description = p
            .summary
            .clone()
            .unwrap_or_else(|| first_sentence(&p.plain, 160));
        b.page(
            &p.url,
            "page.html",
            &p.title,
            &description,
            p.family,
            Some(&p.file),
            &[home],
            context! {
                content => Value::from_serialize(p),
            },
        );
    }

    b.page(
        "404.html",
        "404.html",
        "Страница не найдена",
        "",
        true,
        None,
        &[],
        context! {},
    );
    b.jobs
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
    format!(
        "User-agent: *\nAllow: /\n\nSitemap: {}\n",
        site.config.absolute("sitemap.xml")
    )
}
