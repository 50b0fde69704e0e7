//! Events: forums, seminars, internships, trainings and webinars, one file per
//! event under `content/events/<slug>.md`. The list groups them into upcoming
//! and past by the build's today (`validate::today`), each region's page links
//! the events held there, and `feeds/events.xml` is an Atom feed of them.
//!
//! Everything about events lives in this file, its templates (`events.html`,
//! `event.html`), its copy (`templates/copy.toml`) and its vocabulary
//! (`event_kinds` in `data/taxonomy.toml`).

use serde::{Deserialize, Serialize};

use super::{Collection, Entry, Layout, Link, Loaded, NewRecord, RegionLinks, Route, Spec};
use crate::content::records::{Audience, List, S, Source, text_of};
use crate::content::{Content, Record};
use crate::diag::Diagnostic;
use crate::render::PageJob;
use crate::render::pages::{Crumb, HOME, Kind, PageSpec, Pages};
use crate::search::SearchDoc;
use crate::search::docs::{DocSink, join};
use crate::site::{LinkView, Resolver, Site, SourceView, TermRef, first_sentence, safe_web_url};
use crate::validate::{
    Context, check_audience, check_region_ref, check_slug, check_sources, check_terms, require,
    require_title,
};

pub struct Events;

/// The list of all events.
const LIST: Route = Route {
    url: "events/",
    template: "events.html",
};

static SPEC: Spec = Spec {
    name: "events",
    singular: "event",
    label: "События",
    label_one: "Событие",
    layout: Layout::Flat,
    list: Some(LIST),
    record: Route {
        url: "events/{slug}/",
        template: "event.html",
    },
    extra_templates: &[],
};

/// Where the Atom feed of events is published.
pub const FEED: &str = "feeds/events.xml";

/// A date as precise as the source gives it: `2024`, `2024-12` or `2024-11-13`.
const PERIOD_PATTERN: &str = r"^\d{4}(-\d{2}(-\d{2})?)?$";

#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(description = "Событие: форум, семинар, стажировка, обучение или вебинар.")]
pub struct EventMeta {
    #[schemars(
        description = "Название точно как в источнике.",
        with = "Option<String>",
        required
    )]
    pub title: Option<S<String>>,
    #[schemars(
        description = "Вид события (event_kinds из data/taxonomy.toml).",
        with = "Option<String>",
        required,
        extend("x-vocabulary" = "event_kinds")
    )]
    pub kind: Option<S<String>>,
    #[schemars(
        description = "Когда началось, с той точностью, что в источнике: 2024, 2024-12 или 2024-11-13. Если в источнике даты нет, не указывайте.",
        with = "Option<String>",
        pattern(PERIOD_PATTERN)
    )]
    pub start: Option<S<String>>,
    #[schemars(
        description = "Когда закончилось, если позже начала: 2024-11-14.",
        with = "Option<String>",
        pattern(PERIOD_PATTERN)
    )]
    pub end: Option<S<String>>,
    #[schemars(description = "Где: город или регион, как в источнике.")]
    pub place: Option<String>,
    #[schemars(description = "Можно участвовать онлайн.")]
    pub online: Option<bool>,
    #[schemars(description = "Формат, как в источнике: очно, онлайн, панельные дискуссии…")]
    pub format: Option<String>,
    #[schemars(
        description = "Регионы, где проходило (коды ISO 3166-2).",
        with = "Vec<String>",
        extend("x-refers-to" = "regions")
    )]
    #[serde(default)]
    pub regions: Vec<S<String>>,
    #[schemars(description = "Для кого.", with = "Vec<Audience>")]
    #[serde(default)]
    pub audience: Vec<S<String>>,
    #[schemars(description = "Кто проводит.")]
    pub organizer: Option<String>,
    #[schemars(
        description = "Программа на портале: имя файла из content/programmes/ без .md.",
        with = "Option<String>",
        extend("x-refers-to" = "programmes")
    )]
    pub programme: Option<S<String>>,
    #[schemars(
        description = "Страница события или его программы, с https://.",
        with = "Option<String>"
    )]
    pub url: Option<S<String>>,
    #[schemars(description = "Сколько участников, как в источнике.")]
    pub participants: Option<String>,
    #[schemars(description = "Одно-два предложения простыми словами.")]
    pub summary: Option<String>,
    #[schemars(
        description = "Источники сведений. У каждой записи должен быть хотя бы один.",
        with = "Vec<Source>",
        extend("x-required" = true)
    )]
    #[serde(default)]
    pub sources: List<Source>,
}

/// An event as its pages show it.
#[derive(Debug, Clone, Serialize)]
pub struct EventView {
    pub slug: String,
    pub url: String,
    pub file: String,
    pub title: String,
    pub kind: TermRef,
    /// When, in Russian: «13–14 ноября 2024 г.», «декабрь 2024 г.», «2023 г.».
    pub when: Option<String>,
    /// `upcoming`, `past`, or `undated` when the sources give no date.
    pub status: &'static str,
    /// First and last day as days since 1970-01-01, for sorting.
    #[serde(skip)]
    pub span: Option<(i64, i64)>,
    pub place: Option<String>,
    pub online: bool,
    pub format: Option<String>,
    pub regions: Vec<TermRef>,
    pub audience: Vec<String>,
    pub organizer: Option<String>,
    pub programme: Option<LinkView>,
    pub link: Option<String>,
    pub participants: Option<String>,
    pub summary: Option<String>,
    pub sources: Vec<SourceView>,
    pub body_html: std::sync::Arc<str>,
    pub plain: std::sync::Arc<str>,
}

impl Site {
    /// The events, upcoming first (soonest first), then past (latest first),
    /// then those the sources give no date for.
    pub fn events(&self) -> &[EventView] {
        self.store
            .get::<Vec<EventView>>(SPEC.name)
            .map_or(&[], Vec::as_slice)
    }
}

impl Content {
    pub fn events(&self) -> &[Record<EventMeta>] {
        self.store
            .get::<Vec<Record<EventMeta>>>(SPEC.name)
            .map_or(&[], Vec::as_slice)
    }
}

impl Collection for Events {
    fn spec(&self) -> &'static Spec {
        &SPEC
    }

    fn schema(&self, generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        generator.root_schema_for::<EventMeta>()
    }

    fn record_type(&self) -> &'static dyn super::RecordType {
        &super::Typed::<EventMeta>::NEW
    }

    fn store(&self, content: &mut Content, loaded: &Loaded) {
        content
            .store
            .get_mut::<Vec<Record<EventMeta>>>(SPEC.name)
            .extend(super::record_of::<EventMeta>(loaded));
    }

    fn validate(&self, cx: &Context, out: &mut Vec<Diagnostic>) {
        let programmes: Vec<&str> = cx
            .content
            .programmes
            .iter()
            .map(|p| p.slug.as_str())
            .collect();
        for e in cx.content.events() {
            check_event(cx, e, &programmes, out);
        }
    }

    fn resolve(&self, rz: &Resolver, content: &Content, site: &mut Site) {
        let mut events: Vec<EventView> = content
            .events()
            .iter()
            .map(|e| resolve_event(rz, e, site))
            .collect();
        events.sort_by_key(|e| {
            let (first, last) = e.span.unwrap_or((i64::MAX, i64::MAX));
            match e.status {
                "upcoming" => (0, first, e.title.clone()),
                "past" => (1, -last, e.title.clone()),
                _ => (2, 0, e.title.clone()),
            }
        });
        site.store.insert(SPEC.name, events);
    }

    fn pages(&self, index: usize, site: &Site, out: &mut Vec<(String, Kind)>) {
        let urls = site.events().iter().map(|e| e.url.as_str());
        super::list_and_record_pages(LIST, index, urls, out);
    }

    fn render<'a>(&self, pages: &'a Pages, site: &'a Site, kind: Kind) -> PageJob<'a> {
        let events = site.events();
        if let Kind::Record(_, i) = kind {
            let e = &events[i];
            let spec = PageSpec {
                url: &e.url,
                template: SPEC.record.template,
                family: e.audience.iter().any(|a| a == "family"),
                file: Some(&e.file),
                crumbs: &[HOME, Crumb::Page("events", LIST.url)],
            };
            return pages.job(site, spec, crate::page_context! { event => e });
        }
        let by =
            |status| -> Vec<&EventView> { events.iter().filter(|e| e.status == status).collect() };
        super::list_job(
            LIST,
            pages,
            site,
            false,
            crate::page_context! {
                upcoming => by("upcoming"),
                past => by("past"),
                undated => by("undated"),
                feed => FEED,
            },
        )
    }

    fn search_docs(&self, site: &Site, out: &mut DocSink<'_>) {
        out.extend(site.events().iter().map(|e| {
            let regions: Vec<&str> = e.regions.iter().map(|r| &*r.label).collect();
            SearchDoc {
                id: format!("event:{}", e.slug),
                url: e.url.clone(),
                doc_type: SPEC.singular.into(),
                title: e.title.clone(),
                names: join([
                    &*e.kind.label,
                    e.organizer.as_deref().unwrap_or(""),
                    e.when.as_deref().unwrap_or(""),
                ]),
                body: join([
                    e.summary.as_deref().unwrap_or(""),
                    &*e.plain,
                    e.place.as_deref().unwrap_or(""),
                    &regions.join(", "),
                ]),
                // Each region it is held in: it is found under every one of them.
                regions: e.regions.iter().map(|r| r.id.to_string()).collect(),
                audience: e.audience.clone(),
                kind: Some(e.kind.clone()),
                ..SearchDoc::default()
            }
        }));
    }

    fn scaffold(&self, new: &NewRecord) -> Result<(String, String), String> {
        let regions = new
            .region
            .map(|r| format!("regions = [{}]\n", crate::scaffold::toml_string(r)))
            .unwrap_or_else(|| "# regions = [\"RU-MOS\"]\n".into());
        Ok((
            format!("content/events/{}.md", new.slug),
            format!(
                "+++\ntitle = {}\n# Вид: event_kinds в data/taxonomy.toml\nkind = \"seminar\"\n# Даты с той точностью, что в источнике: 2024, 2024-12 или 2024-11-13\nstart = \"{}\"\n# end = \"\"\nplace = \"\"\n{regions}audience = [\"specialist\"]\n# organizer = \"\"\n# url = \"https://\"\nsources = [{}]\n+++\nО событии простыми словами: о чём оно и для кого.\n",
                crate::scaffold::toml_string(new.title),
                new.today,
                crate::scaffold::PLACEHOLDER_SOURCE,
            ),
        ))
    }

    fn entries(&self, site: &Site, out: &mut Vec<Entry>) {
        out.extend(site.events().iter().map(entry));
    }

    fn region_links(&self, site: &Site, region: &str) -> Option<RegionLinks> {
        let items = site
            .events()
            .iter()
            .filter(|e| e.regions.iter().any(|r| *r.id == *region))
            .map(|e| Link {
                title: e.title.clone(),
                url: e.url.clone(),
                note: Some(join([&*e.kind.label, e.when.as_deref().unwrap_or("")])),
            })
            .collect();
        Some(RegionLinks {
            heading: SPEC.label.into(),
            items,
        })
    }

    fn files(&self, site: &Site) -> Vec<crate::output::OutputFile> {
        let entries: Vec<Entry> = site.events().iter().map(entry).collect();
        let feed = crate::render::feeds::atom(
            site,
            FEED,
            &format!("{} — {}", site.config.title, SPEC.label),
            &entries,
        );
        vec![(FEED.to_string(), feed.into_bytes())]
    }
}

fn entry(e: &EventView) -> Entry {
    Entry {
        url: e.url.clone(),
        title: e.title.clone(),
        summary: join([
            e.when.as_deref().unwrap_or(""),
            e.place.as_deref().unwrap_or(""),
            e.summary.as_deref().unwrap_or(""),
        ]),
        file: e.file.clone(),
    }
}

/// A date as precise as the source gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Period {
    Year(i32),
    Month(i32, u32),
    Day(i32, u32, u32),
}

impl Period {
    fn parse(text: &str) -> Option<Period> {
        let parts: Vec<&str> = text.split('-').collect();
        let num = |i: usize, len: usize| -> Option<u32> {
            let p = parts.get(i)?;
            (p.len() == len && p.bytes().all(|b| b.is_ascii_digit())).then(|| p.parse().ok())?
        };
        let y = num(0, 4)? as i32;
        match parts.len() {
            1 => Some(Period::Year(y)),
            2 => num(1, 2)
                .filter(|m| (1..=12).contains(m))
                .map(|m| Period::Month(y, m)),
            3 => crate::ru::parse_iso_date(text).map(|(y, m, d)| Period::Day(y, m, d)),
            _ => None,
        }
    }

    /// First and last day, as days since 1970-01-01.
    fn days(self) -> (i64, i64) {
        let day = crate::ru::days_from_civil;
        match self {
            Period::Year(y) => (day(y, 1, 1), day(y + 1, 1, 1) - 1),
            Period::Month(y, m) => {
                let next = if m == 12 {
                    day(y + 1, 1, 1)
                } else {
                    day(y, m + 1, 1)
                };
                (day(y, m, 1), next - 1)
            }
            Period::Day(y, m, d) => (day(y, m, d), day(y, m, d)),
        }
    }
}

/// «13–14 ноября 2024 г.», «октябрь — ноябрь 2024 г.», «2023 г.».
fn when_text(start: Period, end: Option<Period>) -> String {
    use crate::ru::month_name;
    let full = |p: Period| match p {
        Period::Year(y) => format!("{y} г."),
        Period::Month(y, m) => format!("{} {y} г.", month_name(m, false)),
        Period::Day(y, m, d) => format!("{d} {} {y} г.", month_name(m, true)),
    };
    let Some(end) = end.filter(|e| *e != start) else {
        return full(start);
    };
    match (start, end) {
        (Period::Day(y1, m1, d1), Period::Day(y2, m2, d2)) if y1 == y2 && m1 == m2 => {
            format!("{d1}–{d2} {} {y1} г.", month_name(m1, true))
        }
        (Period::Day(y1, m1, d1), Period::Day(y2, m2, d2)) if y1 == y2 => format!(
            "{d1} {} — {d2} {} {y1} г.",
            month_name(m1, true),
            month_name(m2, true)
        ),
        (Period::Month(y1, m1), Period::Month(y2, m2)) if y1 == y2 => format!(
            "{} — {} {y1} г.",
            month_name(m1, false),
            month_name(m2, false)
        ),
        _ => format!("{} — {}", full(start), full(end)),
    }
}

fn check_event(
    cx: &Context,
    e: &Record<EventMeta>,
    programmes: &[&str],
    out: &mut Vec<Diagnostic>,
) {
    let m = &e.meta;
    check_slug(e, out);
    require_title(e, &m.title, "title", "title = \"Форум «…»\"", out);
    require(e, m.kind.is_some(), "kind", "kind = \"forum\"", out);
    if let Some(kind) = &m.kind {
        check_terms(
            cx,
            e,
            std::slice::from_ref(kind),
            "event_kinds",
            "kind",
            out,
        );
    }
    let mut periods = [None, None];
    for (slot, value) in periods.iter_mut().zip([&m.start, &m.end]) {
        let Some(v) = value else { continue };
        *slot = Period::parse(v.get_ref());
        if slot.is_none() {
            out.push(
                e.error_at(v, format!("`{}` is not a date", v.get_ref()))
                    .hint("write it as precisely as the source does: \"2024\", \"2024-12\" or \"2024-11-13\""),
            );
        }
    }
    match (periods, &m.end) {
        ([None, Some(_)], Some(end)) if m.start.is_none() => out.push(
            e.error_at(end, "an end without a start")
                .hint("add start = \"…\", or leave both out if the source gives no date"),
        ),
        ([Some(s), Some(en)], Some(end)) if en.days().1 < s.days().0 => out.push(
            e.error_at(end, "the event ends before it starts")
                .hint("check the order of start and end"),
        ),
        _ => {}
    }
    for r in &m.regions {
        check_region_ref(cx, e, r, out);
    }
    check_audience(e, &m.audience, out);
    if let Some(p) = &m.programme
        && !programmes.contains(&p.get_ref().as_str())
    {
        out.push(
            e.error_at(p, format!("programme `{}` does not exist", p.get_ref()))
                .hint("use a file name (without .md) from content/programmes/"),
        );
    }
    if let Some(u) = &m.url
        && !crate::validate::formats::is_web_url(u.get_ref())
    {
        out.push(
            e.error_at(u, format!("`{}` is not a web address", u.get_ref()))
                .hint("write the full address with https://"),
        );
    }
    check_sources(cx, e, &m.sources, true, out);
}

fn resolve_event(rz: &Resolver, e: &Record<EventMeta>, site: &Site) -> EventView {
    let m = &e.meta;
    let start = m.start.as_ref().and_then(|s| Period::parse(s.get_ref()));
    let end = m.end.as_ref().and_then(|s| Period::parse(s.get_ref()));
    let span = start.map(|s| (s.days().0, end.unwrap_or(s).days().1));
    // An event is upcoming until its last possible day has passed.
    let status = match span {
        Some((_, last)) if last >= rz.today => "upcoming",
        Some(_) => "past",
        None => "undated",
    };
    let title = text_of(&m.title).unwrap_or(&e.slug).to_string();
    let programme = m.programme.as_ref().map(|p| {
        let slug = p.get_ref();
        LinkView {
            name: site
                .programmes
                .iter()
                .find(|x| &x.slug == slug)
                .map_or_else(|| slug.clone(), |x| x.title.clone()),
            url: Some(format!("programmes/{slug}/")),
        }
    });
    EventView {
        slug: e.slug.clone(),
        url: format!("events/{}/", e.slug),
        file: e.file.rel.clone(),
        kind: rz.term("event_kinds", m.kind.as_ref().map_or("", |k| k.get_ref())),
        when: start.map(|s| when_text(s, end)),
        status,
        span,
        place: m.place.clone(),
        online: m.online.unwrap_or(false),
        format: m.format.clone(),
        regions: m
            .regions
            .iter()
            .map(|r| rz.region_ref(r.get_ref()))
            .collect(),
        audience: m.audience.iter().map(|a| a.get_ref().clone()).collect(),
        organizer: m.organizer.clone(),
        programme,
        link: safe_web_url(m.url.as_deref()),
        participants: m.participants.clone(),
        summary: m
            .summary
            .clone()
            .or_else(|| Some(first_sentence(&e.body.plain, 200)).filter(|s| !s.is_empty())),
        sources: rz.sources(&m.sources),
        body_html: e.body.html.clone(),
        plain: e.body.plain.clone(),
        title,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_read_as_precisely_as_the_source_gives_them() {
        let p = |s| Period::parse(s).unwrap();
        assert_eq!(
            when_text(p("2024-11-13"), Some(p("2024-11-14"))),
            "13–14 ноября 2024 г."
        );
        assert_eq!(
            when_text(p("2024-10"), Some(p("2024-11"))),
            "октябрь — ноябрь 2024 г."
        );
        assert_eq!(when_text(p("2024-12"), None), "декабрь 2024 г.");
        assert_eq!(when_text(p("2023"), None), "2023 г.");
        assert_eq!(
            when_text(p("2024-10-30"), Some(p("2024-11-02"))),
            "30 октября — 2 ноября 2024 г."
        );
        assert_eq!(
            p("2024-02").days().1 - p("2024-02").days().0,
            28,
            "leap February"
        );
        assert!(Period::parse("2024-13").is_none() && Period::parse("24-01").is_none());
        assert!(Period::parse("2024-02-30").is_none());
    }

    #[test]
    fn an_event_is_upcoming_until_its_last_day_has_passed() {
        let (_, last) = Period::parse("2024-11").unwrap().days();
        assert_eq!(crate::ru::civil_from_days(last), "2024-11-30");
    }
}
