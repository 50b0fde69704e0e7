//! The resolved site: every record turned into a view the templates can show,
//! with references followed, labels looked up and indexes built once.
//!
//! Views are plain serializable structs; templates never see raw records, so a
//! template cannot reach a value validation has not checked.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use serde::Serialize;

use crate::collections::Store;
use crate::config::Config;
use crate::content::markdown::Abbreviations;
use crate::content::records::*;
use crate::content::{Content, Data};
use crate::data::StatsTable;
use crate::phone::Phone;
use crate::ru;

/// A term or region as a view refers to it. Shared (`Arc<str>`): a million
/// services name a few hundred terms and regions, so each view holds
/// pointers to one copy instead of its own strings.
#[derive(Debug, Clone, Serialize)]
pub struct TermRef {
    pub id: Arc<str>,
    pub label: Arc<str>,
}

impl TermRef {
    /// A term with no label of its own: its id stands for it.
    fn bare(id: &str) -> TermRef {
        let id: Arc<str> = id.into();
        TermRef {
            label: id.clone(),
            id,
        }
    }
}

/// What a view says of its region: code and name, and its page.
#[derive(Debug, Clone)]
pub(crate) struct RegionRef {
    pub term: TermRef,
    pub url: Arc<str>,
}

impl RegionRef {
    /// A region without a name is named by its code.
    fn new(code: &str, name: Option<&str>) -> RegionRef {
        let mut term = TermRef::bare(code);
        if let Some(name) = name {
            term.label = name.into();
        }
        RegionRef {
            term,
            url: format!("regions/{}/", code.to_lowercase()).into(),
        }
    }
}

/// A citation as readers see it: the document's title, its publisher, the
/// year of its facts and the section — never a bare line number, which means
/// nothing to a person — and the quoted words where the citation has them.
#[derive(Debug, Clone, Serialize)]
pub struct SourceView {
    /// What to show: the document's title, or the link title. Shared with
    /// the document, as are its publisher and section.
    pub label: Arc<str>,
    pub publisher: Option<Arc<str>>,
    pub year: Option<i32>,
    pub section: Option<Arc<str>>,
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
    pub links: crate::geo::LazyMapLinks,
}

#[derive(Debug, Clone, Serialize)]
pub struct ServiceView {
    pub id: String,
    pub url: String,
    pub file: String,
    /// Shared with the map links, which are made from it when shown.
    pub name: Arc<str>,
    /// What a person would say (src/everyday_name.rs); pages lead with it.
    pub everyday_name: String,
    /// A phone or an e-mail: something a family can actually use to reach them.
    pub contactable: bool,
    pub short_name: Option<String>,
    pub organization: Option<String>,
    pub kind: TermRef,
    pub needs: Vec<TermRef>,
    pub audience: Vec<String>,
    pub region: Arc<str>,
    pub region_name: Arc<str>,
    pub region_url: Arc<str>,
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
    pub body_html: Arc<str>,
    pub plain: Arc<str>,
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
    pub body_html: Arc<str>,
    pub plain: Arc<str>,
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
    pub body_html: Arc<str>,
    pub plain: Arc<str>,
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
    /// The provider's service page, when the programme names its record.
    pub provider_url: Option<String>,
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
    pub body_html: Arc<str>,
    pub plain: Arc<str>,
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
    /// The body's `##` sections.
    pub sections: Vec<SectionRef>,
    pub sources: Vec<SourceView>,
    pub body_html: Arc<str>,
    pub plain: Arc<str>,
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
    pub body_html: Arc<str>,
    pub plain: Arc<str>,
}

#[derive(Debug, Clone, Serialize)]
pub struct NeedView {
    pub id: String,
    pub label: String,
    pub description: String,
    pub audience: String,
    pub url: String,
    pub count: usize,
    /// What people say when they need this (search vocabulary).
    pub phrases: Vec<String>,
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
    /// Page copy from `templates/copy.toml`.
    pub copy: BTreeMap<String, crate::render::copy::PageCopy>,
    /// Views of collections no other stage reads by type (events), by name.
    pub store: Store,
    /// Other names of regions (`data/places.toml`): name, region code.
    pub place_aliases: Vec<(String, String)>,
    /// Old addresses with a page that leads on (`data/moved.toml`), set
    /// once the site's own pages are known ([`crate::moved::resolve`]).
    pub moved: Vec<crate::moved::MovedPage>,
}

/// What resolving a record needs: the data, names of records other records
/// refer to, and today.
pub struct Resolver<'a> {
    pub(crate) data: &'a Data,
    pub(crate) today: i64,
    pub(crate) stale_after: i64,
    /// Every region, by code, made once and shared by the views.
    pub(crate) region_refs: HashMap<String, RegionRef>,
    /// Every term of every vocabulary, by (vocabulary, id), made once.
    terms: HashMap<(&'a str, &'a str), TermRef>,
    services: &'a [crate::content::Record<ServiceMeta>],
    /// Service names by record id, made on the first lookup (only practices
    /// name services, and most portals hold far more services than practices).
    service_names: std::sync::OnceLock<HashMap<String, &'a str>>,
    pub(crate) abbr: Abbreviations,
}

impl<'a> Resolver<'a> {
    /// The name of the service whose record id is `id`, if there is one.
    pub(crate) fn service_name(&self, id: &str) -> Option<&'a str> {
        self.service_names
            .get_or_init(|| {
                self.services
                    .iter()
                    .map(|s| {
                        (
                            crate::validate::service_id(s),
                            text_of(&s.meta.name).unwrap_or_default(),
                        )
                    })
                    .collect()
            })
            .get(id)
            .copied()
    }

    pub(crate) fn term(&self, v: &str, id: &str) -> TermRef {
        self.terms
            .get(&(v, id))
            .cloned()
            .unwrap_or_else(|| TermRef::bare(id))
    }

    pub(crate) fn terms(
        &self,
        v: &str,
        ids: &[crate::content::records::S<String>],
    ) -> Vec<TermRef> {
        ids.iter().map(|s| self.term(v, s.get_ref())).collect()
    }

    pub(crate) fn region_ref(&self, code: &str) -> TermRef {
        self.region(code).term
    }

    pub(crate) fn region_url(&self, code: &str) -> Arc<str> {
        self.region(code).url
    }

    /// A region by code; one the portal does not describe is named by its code.
    pub(crate) fn region(&self, code: &str) -> RegionRef {
        self.region_refs
            .get(code)
            .cloned()
            .unwrap_or_else(|| RegionRef::new(code, None))
    }

    pub(crate) fn source(&self, s: &Source) -> SourceView {
        let doc = s
            .doc
            .as_ref()
            .and_then(|d| self.data.documents.find(d.get_ref()));
        let label = match (doc, &s.doc) {
            (Some(d), _) => d.title.clone(),
            (None, Some(id)) => id.get_ref().as_str().into(),
            (None, None) => s
                .title
                .as_deref()
                .or(s.url.as_ref().map(|u| u.get_ref().as_str()))
                .unwrap_or_default()
                .into(),
        };
        let url = safe_web_url(s.url.as_deref())
            .or_else(|| doc.and_then(|d| safe_web_url(d.url.as_ref())));
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
    pub(crate) fn as_of(&self, list: &[Source]) -> Option<i32> {
        list.iter()
            .filter_map(|s| s.doc.as_ref())
            .filter_map(|d| self.data.documents.find(d.get_ref()))
            .filter_map(|d| d.year)
            .max()
    }

    pub(crate) fn sources(&self, list: &[Source]) -> Vec<SourceView> {
        list.iter().map(|s| self.source(s)).collect()
    }

    pub(crate) fn inline_md(&self, text: Option<&crate::content::records::Markdown>) -> String {
        text.map(|t| t.render(&self.abbr).html.to_string())
            .unwrap_or_default()
    }
}

/// A web address for an `href`, only if it passes the link policy. Validation
/// already refused anything else; this keeps the page safe if it was skipped.
pub(crate) fn safe_web_url(url: Option<&toml::Spanned<String>>) -> Option<String> {
    url.map(|u| u.get_ref())
        .filter(|u| crate::urls::is_web_url(u))
        .cloned()
}

/// E-mail addresses for `mailto:` links, only those that pass the policy.
pub(crate) fn safe_emails(emails: &[crate::content::records::S<String>]) -> Vec<String> {
    emails
        .iter()
        .map(|e| e.get_ref())
        .filter(|e| crate::urls::is_email(e))
        .cloned()
        .collect()
}

pub fn phone_views(phones: &[crate::content::records::S<PhoneEntry>]) -> Vec<PhoneView> {
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
        let rz = Resolver {
            data,
            today,
            stale_after: config.stale_after_days,
            region_refs: content
                .regions
                .iter()
                .filter_map(|r| {
                    let code = r.meta.code.as_ref()?.get_ref();
                    Some((code.clone(), RegionRef::new(code, text_of(&r.meta.name))))
                })
                .collect(),
            terms: data
                .taxonomy
                .vocabularies
                .iter()
                .flat_map(|(v, terms)| {
                    terms.iter().map(move |t| {
                        let term = TermRef {
                            id: t.id.as_str().into(),
                            label: t.label.as_str().into(),
                        };
                        ((v.as_str(), t.id.as_str()), term)
                    })
                })
                .collect(),
            services: &content.services,
            service_names: std::sync::OnceLock::new(),
            abbr: crate::content::load::abbreviations(&data.glossary),
        };
        let mut site = Site {
            base: config.base_path(),
            config,
            history,
            copy: BTreeMap::new(),
            regions: Vec::new(),
            services: Vec::new(),
            practices: Vec::new(),
            programmes: Vec::new(),
            routes: Vec::new(),
            pages: Vec::new(),
            needs: Vec::new(),
            glossary: Vec::new(),
            stats: Vec::new(),
            directions: Vec::new(),
            lines: Vec::new(),
            services_by_region: BTreeMap::new(),
            services_by_need: BTreeMap::new(),
            store: Store::default(),
            place_aliases: data
                .places
                .aliases
                .iter()
                .map(|a| (a.name.clone(), a.region.get_ref().clone()))
                .collect(),
            moved: Vec::new(),
        };
        for c in crate::collections::REGISTRY {
            c.resolve(&rz, content, &mut site);
        }
        site.needs = data
            .taxonomy
            .terms(crate::data::NEEDS)
            .iter()
            .map(|t| NeedView {
                id: t.id.clone(),
                label: t.label.clone(),
                description: t.description.clone(),
                audience: t.audience.clone().unwrap_or_else(|| "family".into()),
                url: format!("needs/{}/", t.id),
                count: site.services_by_need.get(&t.id).map_or(0, Vec::len),
                phrases: t.phrases.clone(),
            })
            .collect();
        site.glossary = resolve_glossary(&rz);
        site.lines = data
            .national_lines
            .lines
            .iter()
            .filter_map(|l| {
                Some(crate::lines::LineView {
                    id: l.id.get_ref().clone(),
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
        site.stats = data
            .stats
            .iter()
            .map(|(id, t, _)| resolve_stats(&rz, id, t))
            .collect();
        site.directions = data
            .taxonomy
            .terms(crate::data::DIRECTIONS)
            .iter()
            .map(|t| rz.term(crate::data::DIRECTIONS, &t.id))
            .collect();
        site
    }
}

/// The `##` sections of a rendered body: heading and anchor.
pub(crate) fn sections_of(body: &crate::content::markdown::RenderedMarkdown) -> Vec<SectionRef> {
    body.headings
        .iter()
        .filter(|h| h.level == 2)
        .map(|h| SectionRef {
            heading: h.text.clone(),
            id: h.id.clone(),
        })
        .collect()
}

fn resolve_glossary(rz: &Resolver) -> Vec<GlossaryView> {
    let mut glossary: Vec<GlossaryView> = rz
        .data
        .glossary
        .terms
        .iter()
        .map(|t| GlossaryView {
            term: t.term.get_ref().clone(),
            anchor: t.anchor(),
            expansion: t.expansion.clone(),
            aliases: t.aliases.clone(),
            explanation: t.explanation.clone(),
            sources: rz.sources(&t.sources),
        })
        .collect();
    // Alphabetical by the first letter or digit: «Единое окно» files under Е.
    glossary.sort_by_key(|g| {
        crate::ru::fold(g.term.trim_start_matches(|c: char| !c.is_alphanumeric()))
    });
    glossary
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
