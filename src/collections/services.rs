//! Services: organizations a family can contact (Open Referral HSDS names),
//! one file per service under `content/services/<region>/<slug>.md`.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use rayon::prelude::*;

use super::{Collection, Entry, Layout, Loaded, NewRecord, Route, Spec};
use crate::content::records::*;
use crate::content::{Content, Record};
use crate::diag::Diagnostic;
use crate::render::PageJob;
use crate::render::pages::{Crumb, HOME, Kind, PageSpec, Pages};
use crate::ru;
use crate::search::SearchDoc;
use crate::search::docs::{DocSink, join};
use crate::site::{
    LocationView, Resolver, ServiceView, Site, age_text, phone_views, safe_emails, safe_web_url,
};
use crate::validate::*;

pub struct Services;

static SPEC: Spec = Spec {
    name: "services",
    singular: "service",
    label: "Службы",
    label_one: "Служба",
    layout: Layout::ByRegion,
    list: None,
    record: Route {
        url: "services/{region}/{slug}/",
        template: "service.html",
    },
    extra_templates: &[],
};

impl Collection for Services {
    fn spec(&self) -> &'static Spec {
        &SPEC
    }

    fn schema(&self, generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        generator.root_schema_for::<ServiceMeta>()
    }

    fn record_type(&self) -> &'static dyn super::RecordType {
        &super::Typed::<ServiceMeta>::NEW
    }

    fn store(&self, content: &mut Content, loaded: &Loaded) {
        content.services.extend(super::record_of(loaded));
    }

    fn validate(&self, cx: &Context, out: &mut Vec<Diagnostic>) {
        // A service's own checks read only it, the data, its region and
        // the date: the dev server keeps their findings for unchanged files.
        crate::validate::each_record_file(cx, &cx.content.services, out, |s, out| {
            check_service(cx, s, out)
        });
        check_duplicate_services(cx.content, out);
        super::places::check(cx.content, out);
    }

    fn resolve(&self, rz: &Resolver, content: &Content, site: &mut Site) {
        // In the order of their ids (a view's id is its record's): the
        // records are put in order, not the much larger views.
        let mut records: Vec<(String, &Record<ServiceMeta>)> = content
            .services
            .par_iter()
            .map(|s| (crate::validate::service_id(s), s))
            .collect();
        // Sorted on every core: at 50,000 services the two sorts were ~0.1 s
        // of one core while the other sat idle.
        records.par_sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let family_needs = family_needs(rz.data);
        let mut services: Vec<ServiceView> = records
            .par_iter()
            .map(|(_, s)| resolve_service(rz, &family_needs, s))
            .collect();
        let mut by_region: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        let mut by_need: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        let mut order: Vec<usize> = (0..services.len()).collect();
        // Ids are unique, so the order is total and needs no stable sort.
        order.par_sort_unstable_by(|&a, &b| {
            services[a]
                .name
                .cmp(&services[b].name)
                .then(services[a].id.cmp(&services[b].id))
        });
        // Keys are copied once per region or need, not once per service.
        fn push(index: &mut BTreeMap<String, Vec<usize>>, key: &str, i: usize) {
            match index.get_mut(key) {
                Some(list) => list.push(i),
                None => {
                    index.insert(key.to_string(), vec![i]);
                }
            }
        }
        for &i in &order {
            push(&mut by_region, &services[i].region, i);
            for n in &services[i].needs {
                push(&mut by_need, &n.id, i);
            }
        }
        super::places::spell_alike(content, &mut services, &by_region);
        site.services = services;
        site.services_by_region = by_region;
        site.services_by_need = by_need;
    }

    fn pages(&self, index: usize, site: &Site, out: &mut Vec<(String, Kind)>) {
        super::record_pages(index, site.services.iter().map(|s| s.url.as_str()), out);
    }

    fn render<'a>(&self, pages: &'a Pages, site: &'a Site, kind: Kind) -> PageJob<'a> {
        let Kind::Record(_, i) = kind else {
            unreachable!("services have only record pages")
        };
        let s = &site.services[i];
        let family = serves_families(s.audience.iter().map(String::as_str));
        let spec = PageSpec {
            url: &s.url,
            template: SPEC.record.template,
            family,
            file: Some(&s.file),
            crumbs: &[
                HOME,
                Crumb::Page("regions", "regions/"),
                Crumb::Link(&s.region_name, &s.region_url),
            ],
        };
        // Without contacts of its own, the page says where to ask: the region's
        // services that have them.
        let ask = if s.contactable {
            pages.no_ask()
        } else {
            pages.ask_in_region(site, &s.region)
        };
        pages.job(
            site,
            spec,
            crate::page_context! {
                service => s,
                ask => ask,
                ask_all => s.region_url.clone(),
            },
        )
    }

    fn search_docs(&self, site: &Site, out: &mut DocSink<'_>) {
        out.extend(site.services.iter().map(search_doc));
    }

    fn scaffold(&self, new: &NewRecord) -> Result<(String, String), String> {
        let code = new
            .region
            .ok_or("a service needs --region CODE, e.g. --region RU-MOS")?;
        let q = crate::scaffold::toml_string;
        Ok((
            format!("content/services/{}/{}.md", code.to_lowercase(), new.slug),
            format!(
                "+++\n# Название — точно как в источнике\nname = {}\n# Вид организации: kinds в data/taxonomy.toml\nkind = \"family-centre\"\n# С чем помогают: needs в data/taxonomy.toml\nneeds = [\"crisis\"]\nregion = {}\n# Город или район\nmunicipality = \"\"\n# Координаты; precision: exact | street | city\n# location = {{ lat = 55.75, lon = 37.62, precision = \"city\" }}\n# Телефоны в любом привычном виде: \"8 (495) 123-45-67\"\nphones = []\nemails = []\n# website = \"https://\"\n# Когда вы сверили сведения с самой организацией (звонок, письмо).\n# Пока не сверили, оставьте строку закомментированной: дата документа — не проверка.\n# verified = {}\n# Откуда сведения: документ, строка и слова из неё (quote) или адрес страницы\nsources = [{}]\n+++\nКоротко и простыми словами: чем здесь помогают, кому и как обратиться.\n",
                q(new.title),
                q(code),
                new.today,
                crate::scaffold::PLACEHOLDER_SOURCE,
            ),
        ))
    }

    fn entries(&self, site: &Site, out: &mut Vec<Entry>) {
        out.extend(site.services.iter().map(|s| Entry {
            url: s.url.clone(),
            title: s.name.to_string(),
            summary: crate::site::first_sentence(&s.plain, 200),
            file: s.file.clone(),
        }));
    }
}

/// What search indexes of a service.
fn search_doc(s: &ServiceView) -> SearchDoc {
    let needs: Vec<&str> = s.needs.iter().map(|n| &*n.label).collect();
    SearchDoc {
        id: format!("service:{}", s.id),
        url: s.url.clone(),
        doc_type: SPEC.singular.into(),
        title: s.name.to_string(),
        names: join([
            s.short_name.as_deref().unwrap_or(""),
            s.organization.as_deref().unwrap_or(""),
            &*s.kind.label,
        ]),
        body: join([
            &*s.plain,
            &needs.join(", "),
            s.municipality.as_deref().unwrap_or(""),
            s.district.as_deref().unwrap_or(""),
            s.address.as_deref().unwrap_or(""),
            s.eligibility.as_deref().unwrap_or(""),
            s.how_to_apply.as_deref().unwrap_or(""),
            s.cost.as_deref().unwrap_or(""),
            &*s.region_name,
        ]),
        regions: vec![s.region.to_string()],
        municipality: s.municipality.clone(),
        needs: s.needs.iter().map(|n| n.id.to_string()).collect(),
        audience: if s.audience.is_empty() {
            vec!["family".into()]
        } else {
            s.audience.clone()
        },
        kind: Some(s.kind.clone()),
        contactable: s.contactable,
        sections: Vec::new(),
    }
}

fn check_service(cx: &Context, s: &Record<ServiceMeta>, out: &mut Vec<Diagnostic>) {
    let m = &s.meta;
    check_slug(s, out);
    require_title(s, &m.name, "name", "name = \"Семейный центр «…»\"", out);
    require(s, m.kind.is_some(), "kind", "kind = \"family-centre\"", out);
    require_list(s, &m.needs, "needs", "needs = [\"crisis\"]", out);
    require(s, m.region.is_some(), "region", "region = \"RU-MOS\"", out);
    if let Some(kind) = &m.kind {
        check_terms(cx, s, std::slice::from_ref(kind), "kinds", "kind", out);
    }
    check_terms(cx, s, &m.needs, crate::data::NEEDS, "needs", out);
    check_audience(s, &m.audience, out);
    let region = m.region.as_ref().and_then(|code| {
        check_region_ref(cx, s, code, out);
        let folder = s.folder.as_deref().unwrap_or("");
        if code.get_ref().to_lowercase() != folder {
            out.push(
                s.error_at(
                    code,
                    format!(
                        "region `{}` does not match the folder `{folder}`",
                        code.get_ref()
                    ),
                )
                .hint(format!(
                    "move the file to content/services/{}/",
                    code.get_ref().to_lowercase()
                )),
            );
        }
        cx.regions.get(code.get_ref().as_str())
    });
    if let Some(loc) = &m.location {
        let l = loc.get_ref();
        if !valid_lat_lon(l.lat, l.lon) {
            out.push(
                s.error_at(loc, "coordinates out of range")
                    .hint("lat is −90…90, lon is −180…180"),
            );
        } else if let Some(bbox) = region.and_then(|r| r.meta.bbox.as_ref())
            && !formats::in_bbox(bbox.get_ref(), l.lat, l.lon)
        {
            let swapped = formats::in_bbox(bbox.get_ref(), l.lon, l.lat);
            out.push(
                s.error_at(
                    loc,
                    format!(
                        "location {}, {} is outside the region's bounds",
                        l.lat, l.lon
                    ),
                )
                .hint(if swapped {
                    "lat and lon look swapped"
                } else {
                    "check the coordinates, or the region"
                }),
            );
        }
    }
    check_contact_fields(s, &m.phones, &m.emails, m.website.as_ref(), out);
    if let Some(age) = &m.age_months {
        check_age_months(s, age, out);
    }
    if let Some(v) = &m.verified {
        check_verified(cx, s, v, out);
    }
    for name in [text_of(&m.name), m.organization.as_deref()]
        .into_iter()
        .flatten()
    {
        check_name(cx, s, name, out);
    }
    if serves_families(m.audience.iter().map(|a| a.get_ref().as_str())) {
        let texts = [
            Some(s.markdown()),
            m.eligibility.as_deref(),
            m.how_to_apply.as_deref(),
            m.cost.as_deref(),
        ];
        check_plain(cx, s, texts.into_iter().flatten(), out);
    }
    check_sources(cx, s, &m.sources, true, out);
}

/// `age_months`: two numbers, the youngest and the oldest child's age served
/// in months, youngest first, up to 18 years.
fn check_age_months(s: &Record<ServiceMeta>, age: &S<Vec<u32>>, out: &mut Vec<Diagnostic>) {
    const EXAMPLE: &str = "e.g. age_months = [0, 48] for children from birth to four years";
    let (message, hint) = match age.get_ref().as_slice() {
        &[from, to] if from > to => (
            format!(
                "age_months [{from}, {to}] is the wrong way round: the youngest age comes first"
            ),
            format!("write age_months = [{to}, {from}]"),
        ),
        &[_, to] if to > MAX_AGE_MONTHS => (
            format!("age_months goes up to {to} months, beyond {MAX_AGE_MONTHS} (18 years)"),
            EXAMPLE.to_string(),
        ),
        [_, _] => return,
        ages => (
            format!(
                "age_months has {} number(s); it takes two: [youngest, oldest] in months",
                ages.len()
            ),
            EXAMPLE.to_string(),
        ),
    };
    out.push(s.error_at(age, message).hint(hint));
}

fn check_duplicate_services(content: &Content, out: &mut Vec<Diagnostic>) {
    // Each service's folder and folded name, on every core (validation
    // leaves one idle), then sorted: services of one key are neighbours, in
    // their records' order, and the keys in order.
    let services = &content.services;
    let mut keyed: Vec<((&str, String), usize)> = services
        .par_iter()
        .enumerate()
        .filter_map(|(i, s)| {
            let name = text_of(&s.meta.name)?;
            Some(((s.folder.as_deref().unwrap_or(""), ru::name_key(name)), i))
        })
        .collect();
    keyed.par_sort_unstable();
    for group in keyed.chunk_by(|a, b| a.0 == b.0).filter(|g| g.len() > 1) {
        let group: Vec<&Record<ServiceMeta>> = group.iter().map(|(_, i)| &services[*i]).collect();
        for dup in &group[1..] {
            if text_of(&dup.meta.municipality) == text_of(&group[0].meta.municipality) {
                out.push(
                    dup.error(format!("same name as {}", group[0].file.rel))
                        .hint("two records for one service? merge them; otherwise make the names differ (add the town or branch)"),
                );
            }
        }
    }
}

/// Whether families are among whom a service serves (no `audience` means everyone).
fn serves_families<'a>(audience: impl IntoIterator<Item = &'a str>) -> bool {
    let mut named = false;
    for a in audience {
        if a == "family" {
            return true;
        }
        named = true;
    }
    !named
}

/// The needs a family looks for: all but those whose `audience` is someone else.
fn family_needs(data: &crate::content::Data) -> HashSet<&str> {
    data.taxonomy
        .terms(crate::data::NEEDS)
        .iter()
        .filter(|t| t.audience.as_deref().is_none_or(|a| a == "family"))
        .map(|t| t.id.as_str())
        .collect()
}

/// `family_needs`: a service that is not for families is listed under none of
/// them — not on need pages, not at a route's steps, not in a region's
/// «Помощь в …». A hospital or a police department that a practice names for
/// its specialists is not help a family in crisis can turn to.
fn resolve_service(
    rz: &Resolver,
    family_needs: &HashSet<&str>,
    s: &Record<ServiceMeta>,
) -> ServiceView {
    let m = &s.meta;
    let for_families = serves_families(m.audience.iter().map(|a| a.get_ref().as_str()));
    let needs: Vec<_> = m
        .needs
        .iter()
        .filter(|n| for_families || !family_needs.contains(n.get_ref().as_str()))
        .cloned()
        .collect();
    let id = crate::validate::service_id(s);
    let region = rz.region(m.region.as_ref().map_or("", |r| r.get_ref()));
    let name: Arc<str> = text_of(&m.name).unwrap_or(&s.slug).into();
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
        kind: rz.term("kinds", m.kind.as_ref().map_or("", |k| k.get_ref())),
        needs: rz.terms(crate::data::NEEDS, &needs),
        audience: m.audience.iter().map(|a| a.get_ref().clone()).collect(),
        region_name: region.term.label,
        region_url: region.url,
        region: region.term.id,
        municipality: text_of(&m.municipality).map(str::to_string),
        district: text_of(&m.district).map(str::to_string),
        address: m.address.clone(),
        location: m.location.as_ref().map(|l| {
            let l = l.get_ref();
            LocationView {
                lat: l.lat,
                lon: l.lon,
                precision: l.precision,
                precision_label: l.precision.label(),
                links: crate::geo::LazyMapLinks {
                    lat: l.lat,
                    lon: l.lon,
                    label: name.clone(),
                },
            }
        }),
        everyday_name: crate::everyday_name::everyday_name(&name),
        contactable: !m.phones.is_empty() || !m.emails.is_empty(),
        phones: phone_views(&m.phones),
        emails: safe_emails(&m.emails),
        website: safe_web_url(m.website.as_deref()),
        contacts: m.contacts.clone(),
        hours: m.hours.clone(),
        age: m.ages().map(|[from, to]| age_text(from, to)),
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
        name,
        id,
    }
}
