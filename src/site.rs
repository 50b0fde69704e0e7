//! The resolved site: every record turned into a view the templates can show,
//! with references followed, labels looked up and indexes built once.
//!
//! Views are plain serializable structs; templates never see raw records, so a
//! template cannot reach a value validation has not checked.

use std::collections::{BTreeMap, HashMap};

use rayon::prelude::*;
use serde::Serialize;

use crate::config::Config;
use crate::content::markdown::{self, Abbreviations};
use crate::content::records::*;
use crate::content::{Content, Data, Record};
use crate::data::{StatsTable, Vocabulary};
use crate::phone::Phone;
use crate::ru;

#[derive(Debug, Clone, Serialize)]
pub struct TermRef {
    pub id: String,
    pub label: String,
}

/// A citation as readers see it: the document's title, its publisher, the
/// year of its facts and the section — never a bare line number, which means
/// nothing to a person — and the quoted words where the citation has them.
#[derive(Debug, Clone, Serialize)]
pub struct SourceView {
    /// What to show: the document's title, or the link title.
    pub label: String,
    pub publisher: Option<String>,
    pub year: Option<i32>,
    pub section: Option<String>,
    pub quote: Option<String>,
    pub url: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PhoneView {
    pub display: String,
    pub tel: String,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LocationView {
    pub lat: f64,
    pub lon: f64,
    pub precision: Precision,
    pub precision_label: &'static str,
    pub links: crate::geo::MapLinks,
}

#[derive(Debug, Clone, Serialize)]
pub struct ServiceView {
    pub id: String,
    pub url: String,
    pub file: String,
    pub name: String,
    /// What a person would say (src/everyday_name.rs); pages lead with it.
    pub everyday_name: String,
    /// A phone or an e-mail: something a family can actually use to reach them.
    pub contactable: bool,
    pub short_name: Option<String>,
    pub organization: Option<String>,
    pub kind: TermRef,
    pub needs: Vec<TermRef>,
    pub audience: Vec<String>,
    pub region: String,
    pub region_name: String,
    pub region_url: String,
    pub municipality: Option<String>,
    pub district: Option<String>,
    pub address: Option<String>,
    pub location: Option<LocationView>,
    pub phones: Vec<PhoneView>,
    pub emails: Vec<String>,
    pub website: Option<String>,
    pub contacts: Vec<Person>,
    pub hours: Option<String>,
    pub age: Option<String>,
    pub cost: Option<String>,
    pub eligibility: Option<String>,
    pub how_to_apply: Option<String>,
    /// When an editor confirmed the facts with the organization; `None` when
    /// nobody has: the facts are then only as of their source.
    pub verified: Option<String>,
    pub verified_text: Option<String>,
    /// The year of the newest document the record cites («по данным … г.»).
    pub as_of: Option<i32>,
    pub stale: bool,
    pub sources: Vec<SourceView>,
    pub body_html: String,
    pub plain: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct MunicipalityView {
    pub name: String,
    pub slug: String,
    /// Its "near me" page without JavaScript: `regions/<code>/m/<slug>/`.
    pub url: String,
    pub lat: f64,
    pub lon: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct RegionView {
    pub code: String,
    pub slug: String,
    pub url: String,
    pub file: String,
    pub name: String,
    pub name_in: String,
    pub centre: Option<String>,
    pub timezone: Option<String>,
    pub roles: Vec<TermRef>,
    pub summary: Option<String>,
    pub bbox: Option<[f64; 4]>,
    pub centre_location: Option<(f64, f64)>,
    pub dvs: Option<DvsService>,
    pub dvs_source: Option<SourceView>,
    pub municipalities: Vec<MunicipalityView>,
    pub sources: Vec<SourceView>,
    pub body_html: String,
    pub plain: String,
    pub service_count: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct SectionRef {
    pub heading: String,
    pub id: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct LinkView {
    pub name: String,
    pub url: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PracticeView {
    pub slug: String,
    pub url: String,
    pub file: String,
    pub title: String,
    pub short_title: String,
    pub region: Option<TermRef>,
    pub region_url: Option<String>,
    pub organization: Option<LinkView>,
    pub phones: Vec<PhoneView>,
    pub emails: Vec<String>,
    pub website: Option<String>,
    pub people: Vec<Person>,
    pub directions: Vec<TermRef>,
    pub target_groups: Vec<TermRef>,
    pub year: Option<i64>,
    pub full: bool,
    pub summary: Option<String>,
    pub collection: Option<String>,
    pub sections: Vec<SectionRef>,
    pub sources: Vec<SourceView>,
    pub body_html: String,
    pub plain: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct TrainedView {
    pub place: Option<String>,
    pub region: Option<TermRef>,
    pub count: Option<String>,
    pub year: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProgrammeView {
    pub slug: String,
    pub url: String,
    pub file: String,
    pub title: String,
    pub kind: TermRef,
    pub provider: Option<String>,
    pub audience: Vec<String>,
    pub format: Option<String>,
    pub hours: Option<f64>,
    pub regions: Vec<TermRef>,
    pub directions: Vec<TermRef>,
    pub summary: Option<String>,
    pub modules: Vec<Module>,
    pub trained: Vec<TrainedView>,
    pub stats: Vec<String>,
    pub sources: Vec<SourceView>,
    pub body_html: String,
    pub plain: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct BranchView {
    pub label: String,
    pub html: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct StepView {
    pub number: usize,
    pub title: String,
    pub actor: Option<String>,
    pub deadline: Option<String>,
    pub html: String,
    pub bring: Vec<String>,
    pub needs: Vec<TermRef>,
    pub branches: Vec<BranchView>,
    /// What the step rests on, quoted («в источнике: …»).
    pub sources: Vec<SourceView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RouteView {
    pub slug: String,
    pub url: String,
    pub file: String,
    pub title: String,
    pub family: bool,
    pub region: Option<TermRef>,
    pub needs: Vec<TermRef>,
    pub summary: Option<String>,
    pub steps: Vec<StepView>,
    pub sources: Vec<SourceView>,
    pub body_html: String,
    pub plain: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct PageView {
    pub slug: String,
    pub url: String,
    pub file: String,
    pub title: String,
    pub summary: Option<String>,
    pub menu: Option<i64>,
    pub family: bool,
    /// `family` | `specialist` | `editor`; editors' pages stay out of the family navigation.
    pub audience: Option<String>,
    pub sources: Vec<SourceView>,
    pub body_html: String,
    pub plain: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct NeedView {
    pub id: String,
    pub label: String,
    pub description: String,
    pub audience: String,
    pub url: String,
    pub count: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct GlossaryView {
    pub term: String,
    pub anchor: String,
    pub expansion: Option<String>,
    pub aliases: Vec<String>,
    pub explanation: String,
    pub sources: Vec<SourceView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StatsView {
    pub id: String,
    pub title: String,
    pub unit: Option<String>,
    pub date: Option<String>,
    pub source: Option<SourceView>,
    pub note: Option<String>,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
    pub regions: Vec<String>,
    pub topics: Vec<String>,
    /// Bar chart as inline SVG, drawn at build time.
    pub chart_svg: Option<String>,
    /// What the chart plots, in words, for its caption.
    pub chart_caption: Option<String>,
}

pub struct Site {
    pub config: Config,
    /// When each source file last changed (git, else file time).
    pub history: crate::history::History,
    pub base: String,
    pub regions: Vec<RegionView>,
    pub services: Vec<ServiceView>,
    pub practices: Vec<PracticeView>,
    pub programmes: Vec<ProgrammeView>,
    pub routes: Vec<RouteView>,
    pub pages: Vec<PageView>,
    pub needs: Vec<NeedView>,
    pub glossary: Vec<GlossaryView>,
    pub stats: Vec<StatsView>,
    pub directions: Vec<TermRef>,
    /// Always-available national lines (112, the helpline), in file order.
    pub lines: Vec<crate::lines::LineView>,
    /// Indexes into `services`, in display order (by name).
    pub services_by_region: BTreeMap<String, Vec<usize>>,
    pub services_by_need: BTreeMap<String, Vec<usize>>,
}

struct Resolver<'a> {
    data: &'a Data,
    base: String,
    today: i64,
    stale_after: i64,
    region_names: HashMap<String, String>,
    service_names: HashMap<String, String>,
    abbr: Abbreviations,
}

impl Resolver<'_> {
    fn term(&self, v: Vocabulary, id: &str) -> TermRef {
        TermRef {
            id: id.to_string(),
            label: self.data.taxonomy.label(v, id).to_string(),
        }
    }

    fn terms(&self, v: Vocabulary, ids: &[toml::Spanned<String>]) -> Vec<TermRef> {
        ids.iter().map(|s| self.term(v, s.get_ref())).collect()
    }

    fn region_ref(&self, code: &str) -> TermRef {
        TermRef {
            id: code.to_string(),
            label: self
                .region_names
                .get(code)
                .cloned()
                .unwrap_or_else(|| code.to_string()),
        }
    }

    fn region_url(&self, code: &str) -> String {
        format!("regions/{}/", code.to_lowercase())
    }

    fn source(&self, s: &Source) -> SourceView {
        let doc = s
            .doc
            .as_ref()
            .and_then(|d| self.data.documents.find(d.get_ref()));
        let label = match (doc, &s.doc) {
            (Some(d), _) => d.title.clone(),
            (None, Some(id)) => id.get_ref().clone(),
            (None, None) => s.title.clone().unwrap_or_else(|| {
                s.url
                    .as_ref()
                    .map(|u| u.get_ref().clone())
                    .unwrap_or_default()
            }),
        };
        let url = s
            .url
            .as_ref()
            .map(|u| u.get_ref().clone())
            .or_else(|| doc.and_then(|d| d.url.clone()));
        SourceView {
            label,
            publisher: doc.and_then(|d| d.publisher.clone()),
            year: doc.and_then(|d| d.year),
            section: doc
                .zip(s.line)
                .and_then(|(d, line)| d.section(line))
                .map(|sec| sec.title.clone()),
            quote: s.quote.as_ref().map(|q| q.get_ref().clone()),
            url,
            note: s.note.clone(),
        }
    }

    /// The year of the newest cited document: what the facts are "as of".
    fn as_of(&self, list: &[Source]) -> Option<i32> {
        list.iter()
            .filter_map(|s| s.doc.as_ref())
            .filter_map(|d| self.data.documents.find(d.get_ref()))
            .filter_map(|d| d.year)
            .max()
    }

    fn sources(&self, list: &[Source]) -> Vec<SourceView> {
        list.iter().map(|s| self.source(s)).collect()
    }

    fn inline_md(&self, text: Option<&str>) -> String {
        text.map(|t| markdown::render(t, &self.abbr).html)
            .unwrap_or_default()
    }
}

pub fn phone_views(phones: &[toml::Spanned<PhoneEntry>]) -> Vec<PhoneView> {
    phones
        .iter()
        .filter_map(|p| {
            let parsed = Phone::parse(p.get_ref().number()).ok()?;
            Some(PhoneView {
                display: parsed.display(),
                tel: parsed.tel_uri(),
                note: p.get_ref().note().map(str::to_string),
            })
        })
        .collect()
}

/// "с рождения до 4 лет", "от 6 месяцев до 3 лет".
pub fn age_text(min: u32, max: u32) -> String {
    fn months(n: u32) -> String {
        if n.is_multiple_of(12) {
            let y = i64::from(n / 12);
            format!("{y} {}", ru::plural(y, "года", "лет", "лет"))
        } else {
            let m = i64::from(n);
            format!("{m} {}", ru::plural(m, "месяца", "месяцев", "месяцев"))
        }
    }
    let from = if min == 0 {
        "с рождения".to_string()
    } else {
        format!("от {}", months(min))
    };
    format!("{from} до {}", months(max))
}

/// The first sentence of a text, cut to `max_chars`: for meta descriptions and lists.
pub fn first_sentence(plain: &str, max_chars: usize) -> String {
    let end = plain
        .char_indices()
        .find(|&(i, c)| matches!(c, '.' | '!' | '?') && plain[i + 1..].starts_with(' '))
        .map_or(plain.len(), |(i, _)| i + 1);
    let s = &plain[..end];
    if s.chars().count() > max_chars {
        let cut: String = s.chars().take(max_chars).collect();
        format!("{}…", cut.trim_end())
    } else {
        s.to_string()
    }
}

impl Site {
    pub fn resolve(
        config: Config,
        data: &Data,
        content: &Content,
        today: i64,
        history: crate::history::History,
    ) -> Site {
        let base = config.base_path();
        let region_names = content
            .regions
            .iter()
            .filter_map(|r| {
                Some((
                    r.meta.code.as_ref()?.get_ref().clone(),
                    r.meta.name.clone()?,
                ))
            })
            .collect();
        let service_names = content
            .services
            .iter()
            .map(|s| {
                (
                    crate::validate::service_id(s),
                    s.meta.name.clone().unwrap_or_default(),
                )
            })
            .collect();
        let rz = Resolver {
            data,
            base: base.clone(),
            today,
            stale_after: config.stale_after_days,
            region_names,
            service_names,
            abbr: crate::content::load::abbreviations(&data.glossary),
        };
        let _ = &rz.base;

        let mut services: Vec<ServiceView> = content
            .services
            .par_iter()
            .map(|s| resolve_service(&rz, s))
            .collect();
        services.sort_by(|a, b| a.id.cmp(&b.id));
        let mut services_by_region: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        let mut services_by_need: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        let mut order: Vec<usize> = (0..services.len()).collect();
        order.sort_by(|&a, &b| {
            services[a]
                .name
                .cmp(&services[b].name)
                .then(services[a].id.cmp(&services[b].id))
        });
        for &i in &order {
            services_by_region
                .entry(services[i].region.clone())
                .or_default()
                .push(i);
            for n in &services[i].needs {
                services_by_need.entry(n.id.clone()).or_default().push(i);
            }
        }

        let mut regions: Vec<RegionView> = content
            .regions
            .iter()
            .map(|r| {
                resolve_region(
                    &rz,
                    r,
                    services_by_region
                        .get(r.meta.code.as_ref().map_or("", |c| c.get_ref()))
                        .map_or(0, Vec::len),
                )
            })
            .collect();
        // The federation itself goes last; subjects alphabetically, ё as е.
        regions.sort_by_key(|r| (r.code == "RU", r.name.to_lowercase().replace('ё', "е")));

        let mut practices: Vec<PracticeView> = content
            .practices
            .iter()
            .map(|p| resolve_practice(&rz, p))
            .collect();
        practices.sort_by(|a, b| a.title.cmp(&b.title));
        let mut programmes: Vec<ProgrammeView> = content
            .programmes
            .iter()
            .map(|p| resolve_programme(&rz, p))
            .collect();
        programmes.sort_by(|a, b| a.title.cmp(&b.title));
        let mut routes: Vec<RouteView> = content
            .routes
            .iter()
            .map(|r| resolve_route(&rz, r))
            .collect();
        routes.sort_by(|a, b| (!a.family, &a.title).cmp(&(!b.family, &b.title)));
        let mut pages: Vec<PageView> = content.pages.iter().map(|p| resolve_page(&rz, p)).collect();
        pages.sort_by(|a, b| {
            (a.menu.unwrap_or(i64::MAX), &a.slug).cmp(&(b.menu.unwrap_or(i64::MAX), &b.slug))
        });

        let needs = data
            .taxonomy
            .needs
            .iter()
            .map(|t| NeedView {
                id: t.id.clone(),
                label: t.label.clone(),
                description: t.description.clone(),
                audience: t.audience.clone().unwrap_or_else(|| "family".into()),
                url: format!("needs/{}/", t.id),
                count: services_by_need.get(&t.id).map_or(0, Vec::len),
            })
            .collect();
        let mut glossary: Vec<GlossaryView> = data
            .glossary
            .terms
            .iter()
            .map(|t| GlossaryView {
                term: t.term.clone(),
                anchor: {
                    let s = ru::slugify(&t.term);
                    if s.is_empty() { "term".into() } else { s }
                },
                expansion: t.expansion.clone(),
                aliases: t.aliases.clone(),
                explanation: t.explanation.clone(),
                sources: rz.sources(&t.sources),
            })
            .collect();
        // Alphabetical by the first letter or digit: «Единое окно» files under Е.
        glossary.sort_by_key(|g| {
            g.term
                .trim_start_matches(|c: char| !c.is_alphanumeric())
                .to_lowercase()
                .replace('ё', "е")
        });
        let stats = data
            .stats
            .iter()
            .map(|(id, t, _)| resolve_stats(&rz, id, t))
            .collect();
        let directions = data
            .taxonomy
            .directions
            .iter()
            .map(|t| TermRef {
                id: t.id.clone(),
                label: t.label.clone(),
            })
            .collect();
        let lines = data
            .national_lines
            .lines
            .iter()
            .filter_map(|l| {
                Some(crate::lines::LineView {
                    id: l.id.clone(),
                    name: l.name.clone(),
                    label: l.label.clone(),
                    number: l.number.get_ref().clone(),
                    tel: crate::lines::tel_uri(l.number.get_ref())?,
                    when: l.when.clone(),
                    ask_instead: l.ask_instead,
                    sources: rz.sources(&l.sources),
                })
            })
            .collect();
        Site {
            config,
            history,
            lines,
            base,
            regions,
            services,
            practices,
            programmes,
            routes,
            pages,
            needs,
            glossary,
            stats,
            directions,
            services_by_region,
            services_by_need,
        }
    }
}

fn resolve_service(rz: &Resolver, s: &Record<ServiceMeta>) -> ServiceView {
    let m = &s.meta;
    let id = crate::validate::service_id(s);
    let region = m
        .region
        .as_ref()
        .map(|r| r.get_ref().clone())
        .unwrap_or_default();
    let name = m.name.clone().unwrap_or_else(|| s.slug.clone());
    let verified = m.verified.as_ref().map(|v| v.get_ref().to_string());
    let verified_days = verified
        .as_deref()
        .and_then(ru::parse_iso_date)
        .map(|(y, mo, d)| ru::days_from_civil(y, mo, d));
    ServiceView {
        url: format!("services/{id}/"),
        file: s.file.rel.clone(),
        short_name: m.short_name.clone(),
        organization: m.organization.clone(),
        kind: rz.term(
            Vocabulary::Kinds,
            m.kind.as_ref().map_or("", |k| k.get_ref()),
        ),
        needs: rz.terms(Vocabulary::Needs, &m.needs),
        audience: m.audience.iter().map(|a| a.get_ref().clone()).collect(),
        region_name: rz.region_ref(&region).label,
        region_url: rz.region_url(&region),
        region,
        municipality: m.municipality.clone(),
        district: m.district.clone(),
        address: m.address.clone(),
        location: m.location.as_ref().map(|l| {
            let l = l.get_ref();
            LocationView {
                lat: l.lat,
                lon: l.lon,
                precision: l.precision,
                precision_label: l.precision.label(),
                links: crate::geo::map_links(l.lat, l.lon, &name),
            }
        }),
        phones: phone_views(&m.phones),
        emails: m.emails.iter().map(|e| e.get_ref().clone()).collect(),
        website: m.website.as_ref().map(|w| w.get_ref().clone()),
        contacts: m.contacts.clone(),
        hours: m.hours.clone(),
        age: m
            .age_months
            .as_ref()
            .map(|a| age_text(a.get_ref()[0], a.get_ref()[1])),
        cost: m.cost.clone(),
        eligibility: m.eligibility.clone(),
        how_to_apply: m.how_to_apply.clone(),
        verified_text: verified.as_deref().map(ru::date_long),
        stale: verified_days.is_some_and(|d| rz.today - d > rz.stale_after),
        verified,
        as_of: rz.as_of(&m.sources),
        sources: rz.sources(&m.sources),
        body_html: s.body.html.clone(),
        plain: s.body.plain.clone(),
        everyday_name: crate::everyday_name::everyday_name(&name),
        contactable: !m.phones.is_empty() || !m.emails.is_empty(),
        name,
        id,
    }
}

fn resolve_region(rz: &Resolver, r: &Record<RegionMeta>, service_count: usize) -> RegionView {
    let m = &r.meta;
    let code = m
        .code
        .as_ref()
        .map(|c| c.get_ref().clone())
        .unwrap_or_default();
    let name = m.name.clone().unwrap_or_else(|| code.clone());
    let mut municipalities: Vec<MunicipalityView> = m
        .municipalities
        .iter()
        .map(|mu| MunicipalityView {
            name: mu.name.clone(),
            url: format!("{}m/{}/", rz.region_url(&code), ru::slugify(&mu.name)),
            slug: ru::slugify(&mu.name),
            lat: mu.lat,
            lon: mu.lon,
        })
        .collect();
    municipalities.sort_by(|a, b| a.name.cmp(&b.name));
    RegionView {
        slug: code.to_lowercase(),
        url: rz.region_url(&code),
        file: r.file.rel.clone(),
        name_in: m
            .name_in
            .clone()
            .unwrap_or_else(|| format!("регион: {name}")),
        centre: m.centre.clone(),
        timezone: m.timezone.clone(),
        roles: rz.terms(Vocabulary::RegionRoles, &m.roles),
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

fn resolve_practice(rz: &Resolver, p: &Record<PracticeMeta>) -> PracticeView {
    let m = &p.meta;
    let title = m.title.clone().unwrap_or_else(|| p.slug.clone());
    let region = m.region.as_ref().map(|r| r.get_ref().clone());
    let organization = match (&m.organization, &m.organization_name) {
        (Some(id), _) => Some(LinkView {
            name: rz
                .service_names
                .get(id.get_ref())
                .cloned()
                .unwrap_or_else(|| id.get_ref().clone()),
            url: Some(format!("services/{}/", id.get_ref())),
        }),
        (None, Some(name)) => Some(LinkView {
            name: name.clone(),
            url: None,
        }),
        (None, None) => None,
    };
    let contacts = m.contacts.clone().unwrap_or_default();
    PracticeView {
        slug: p.slug.clone(),
        url: format!("practices/{}/", p.slug),
        file: p.file.rel.clone(),
        short_title: m.short_title.clone().unwrap_or_else(|| title.clone()),
        region_url: region.as_ref().map(|c| rz.region_url(c)),
        region: region.as_ref().map(|c| rz.region_ref(c)),
        organization,
        phones: phone_views(&contacts.phones),
        emails: contacts
            .emails
            .iter()
            .map(|e| e.get_ref().clone())
            .collect(),
        website: contacts.website.as_ref().map(|w| w.get_ref().clone()),
        people: contacts.people.clone(),
        directions: rz.terms(Vocabulary::Directions, &m.directions),
        target_groups: rz.terms(Vocabulary::TargetGroups, &m.target_groups),
        year: m.year.as_ref().map(|y| *y.get_ref()),
        full: m.passport == Some(PassportKind::Full),
        summary: m.summary.clone(),
        collection: m.collection.clone(),
        sections: p
            .body
            .headings
            .iter()
            .filter(|h| h.level == 2)
            .map(|h| SectionRef {
                heading: h.text.clone(),
                id: h.id.clone(),
            })
            .collect(),
        sources: rz.sources(&m.sources),
        body_html: p.body.html.clone(),
        plain: p.body.plain.clone(),
        title,
    }
}

fn resolve_programme(rz: &Resolver, p: &Record<ProgrammeMeta>) -> ProgrammeView {
    let m = &p.meta;
    ProgrammeView {
        slug: p.slug.clone(),
        url: format!("programmes/{}/", p.slug),
        file: p.file.rel.clone(),
        title: m.title.clone().unwrap_or_else(|| p.slug.clone()),
        kind: rz.term(
            Vocabulary::ProgrammeKinds,
            m.kind.as_ref().map_or("", |k| k.get_ref()),
        ),
        provider: m.provider.clone(),
        audience: m.audience.iter().map(|a| a.get_ref().clone()).collect(),
        format: m.format.clone(),
        hours: m.hours,
        regions: m
            .regions
            .iter()
            .map(|r| rz.region_ref(r.get_ref()))
            .collect(),
        directions: rz.terms(Vocabulary::Directions, &m.directions),
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

fn resolve_route(rz: &Resolver, r: &Record<RouteMeta>) -> RouteView {
    let m = &r.meta;
    let mut plain = r.body.plain.clone();
    let steps = m
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let rendered = s.text.as_deref().map(|t| markdown::render(t, &rz.abbr));
            if let Some(rd) = &rendered {
                plain.push(' ');
                plain.push_str(&rd.plain);
            }
            if let Some(t) = &s.title {
                plain.push(' ');
                plain.push_str(t);
            }
            StepView {
                number: i + 1,
                title: s.title.clone().unwrap_or_default(),
                actor: s.actor.clone(),
                deadline: s.deadline.clone(),
                html: rendered.map(|r| r.html).unwrap_or_default(),
                bring: s.bring.clone(),
                needs: rz.terms(Vocabulary::Needs, &s.needs),
                sources: rz.sources(&s.sources),
                branches: s
                    .branches
                    .iter()
                    .map(|b| BranchView {
                        label: b.label.clone(),
                        html: rz.inline_md(b.text.as_deref()),
                    })
                    .collect(),
            }
        })
        .collect();
    RouteView {
        slug: r.slug.clone(),
        url: format!("routes/{}/", r.slug),
        file: r.file.rel.clone(),
        title: m.title.clone().unwrap_or_else(|| r.slug.clone()),
        family: m.audience.as_ref().is_none_or(|a| a.get_ref() == "family"),
        region: m.region.as_ref().map(|c| rz.region_ref(c.get_ref())),
        needs: rz.terms(Vocabulary::Needs, &m.needs),
        summary: m.summary.clone(),
        steps,
        sources: rz.sources(&m.sources),
        body_html: r.body.html.clone(),
        plain,
    }
}

fn resolve_page(rz: &Resolver, p: &Record<PageMeta>) -> PageView {
    let m = &p.meta;
    PageView {
        slug: p.slug.clone(),
        url: format!("{}/", p.slug),
        file: p.file.rel.clone(),
        title: m.title.clone().unwrap_or_else(|| p.slug.clone()),
        summary: m.summary.clone(),
        menu: m.menu,
        family: m.audience.as_ref().is_some_and(|a| a.get_ref() == "family"),
        audience: m.audience.as_ref().map(|a| a.get_ref().clone()),
        sources: rz.sources(&m.sources),
        body_html: p.body.html.clone(),
        plain: p.body.plain.clone(),
    }
}

fn resolve_stats(rz: &Resolver, id: &str, t: &StatsTable) -> StatsView {
    StatsView {
        id: id.to_string(),
        title: t.title.clone(),
        unit: t.unit.clone(),
        date: t.date.clone(),
        source: t.source.as_ref().map(|s| rz.source(s)),
        note: t.note.clone(),
        columns: t.columns.clone(),
        rows: t.rows.get_ref().clone(),
        regions: t.regions.iter().map(|r| r.get_ref().clone()).collect(),
        topics: t.topics.iter().map(|r| r.get_ref().clone()).collect(),
        chart_svg: t
            .chart
            .as_ref()
            .and_then(|c| crate::render::chart::bar_chart(t, c.get_ref())),
        chart_caption: t
            .chart
            .as_ref()
            .and_then(|c| crate::render::chart::plotted_caption(t, c.get_ref())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_in_russian() {
        assert_eq!(age_text(0, 48), "с рождения до 4 лет");
        assert_eq!(age_text(6, 36), "от 6 месяцев до 3 лет");
        assert_eq!(age_text(12, 24), "от 1 года до 2 лет");
    }

    #[test]
    fn first_sentence_cuts() {
        assert_eq!(first_sentence("Один. Два.", 100), "Один.");
        assert_eq!(first_sentence("абвгд", 3), "абв…");
    }
}
