//! Practices: best-practice passports (the 13-section form of the «Лучшие практики»
//! collection), one file per practice under `content/practices/<slug>.md`.

use super::{Collection, Entry, Layout, Loaded, NewRecord, Route, Spec};
use crate::content::records::*;
use crate::content::{Content, Record};
use crate::diag::Diagnostic;
use crate::render::PageJob;
use crate::render::pages::{Crumb, HOME, Kind, PageSpec, Pages};
use crate::search::SearchDoc;
use crate::search::docs::{DocSink, join, split_sections};
use crate::site::*;
use crate::validate::*;

pub struct Practices;

/// The list of all practices.
const LIST: Route = Route {
    url: "practices/",
    template: "practices.html",
};

static SPEC: Spec = Spec {
    name: "practices",
    singular: "practice",
    label: "Лучшие практики",
    label_one: "Практика",
    layout: Layout::Flat,
    list: Some(LIST),
    record: Route {
        url: "practices/{slug}/",
        template: "practice.html",
    },
    extra_templates: &[],
};

impl Collection for Practices {
    fn spec(&self) -> &'static Spec {
        &SPEC
    }

    fn schema(&self, generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        generator.root_schema_for::<PracticeMeta>()
    }

    fn record_type(&self) -> &'static dyn super::RecordType {
        &super::Typed::<PracticeMeta>::NEW
    }

    fn store(&self, content: &mut Content, loaded: &Loaded) {
        content.practices.extend(super::record_of(loaded));
    }

    fn validate(&self, cx: &Context, out: &mut Vec<Diagnostic>) {
        crate::validate::each_record(&cx.content.practices, out, |r, out| {
            check_practice(cx, r, out)
        });
    }

    fn resolve(&self, rz: &Resolver, content: &Content, site: &mut Site) {
        let mut views: Vec<PracticeView> = content
            .practices
            .iter()
            .map(|r| resolve_practice(rz, r))
            .collect();
        views.sort_by(|a, b| a.title.cmp(&b.title));
        site.practices = views;
    }

    fn pages(&self, index: usize, site: &Site, out: &mut Vec<(String, Kind)>) {
        let urls = site.practices.iter().map(|r| r.url.as_str());
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
                    practices => &site.practices,
                    directions => &site.directions,
                },
            );
        };
        record_page(pages, site, i)
    }

    fn search_docs(&self, site: &Site, out: &mut DocSink<'_>) {
        out.extend(site.practices.iter().map(search_doc));
    }

    fn scaffold(&self, new: &NewRecord) -> Result<(String, String), String> {
        let code = new.region.unwrap_or("RU-MOS");
        let q = crate::scaffold::toml_string;
        let sections: String = crate::validate::passport::SECTIONS
            .iter()
            .map(|(_, h)| format!("## {h}\n\nТекст раздела.\n\n"))
            .collect();
        Ok((
            format!("content/practices/{}.md", new.slug),
            format!(
                "+++\ntitle = {}\nregion = {}\n# Организация: id записи в content/services/ (папка/файл)\n# organization = \"ru-mos/…\"\norganization_name = \"\"\n# directions и target_groups: data/taxonomy.toml\ndirections = [\"family-support\"]\ntarget_groups = [\"families-tzhs\"]\n# full — все разделы паспорта; partial — только те, что есть в источнике\npassport = \"full\"\nsummary = \"\"\nsources = [{}]\n+++\n{sections}",
                q(new.title),
                q(code),
                crate::scaffold::PLACEHOLDER_SOURCE,
            ),
        ))
    }

    fn entries(&self, site: &Site, out: &mut Vec<Entry>) {
        out.extend(
            site.practices
                .iter()
                .map(|r| Entry::of(&r.url, &r.title, r.summary.as_deref(), &r.plain, &r.file)),
        );
    }
}

/// What search indexes of a practice.
fn search_doc(p: &PracticeView) -> SearchDoc {
    let tags: Vec<&str> = p
        .directions
        .iter()
        .chain(&p.target_groups)
        .map(|t| &*t.label)
        .collect();
    SearchDoc {
        id: format!("practice:{}", p.slug),
        url: p.url.clone(),
        doc_type: SPEC.singular.into(),
        title: p.title.clone(),
        names: join([
            p.short_title.as_str(),
            p.organization.as_ref().map_or("", |o| o.name.as_str()),
            &tags.join(" · "),
        ]),
        body: join([p.summary.as_deref().unwrap_or(""), &*p.plain]),
        regions: p.region.iter().map(|x| x.id.to_string()).collect(),
        audience: vec!["specialist".into()],
        contactable: !p.phones.is_empty() || !p.emails.is_empty(),
        sections: split_sections(&p.plain, &p.sections),
        ..SearchDoc::default()
    }
}

fn record_page<'a>(pages: &'a Pages, site: &'a Site, i: usize) -> PageJob<'a> {
    let p = &site.practices[i];
    let spec = PageSpec {
        url: &p.url,
        template: SPEC.record.template,
        family: false,
        file: Some(&p.file),
        crumbs: &[HOME, Crumb::Page("practices", LIST.url)],
    };
    pages.job(site, spec, crate::page_context! { practice => p })
}

fn check_practice(cx: &Context, p: &Record<PracticeMeta>, out: &mut Vec<Diagnostic>) {
    let m = &p.meta;
    check_slug(p, out);
    require_title(p, &m.title, "title", "title = \"Название практики\"", out);
    require(p, m.region.is_some(), "region", "region = \"RU-KLU\"", out);
    require(
        p,
        m.passport.is_some(),
        "passport",
        "passport = \"full\"",
        out,
    );
    require_list(
        p,
        &m.directions,
        "directions",
        "directions = [\"family-support\"]",
        out,
    );
    require_list(
        p,
        &m.target_groups,
        "target_groups",
        "target_groups = [\"families-tzhs\"]",
        out,
    );
    if let Some(r) = &m.region {
        check_region_ref(cx, p, r, out);
    }
    if let Some(org) = &m.organization {
        check_organization(cx, p, org, "organization_name = \"…\"", out);
    }
    check_terms(
        cx,
        p,
        &m.directions,
        crate::data::DIRECTIONS,
        "directions",
        out,
    );
    check_terms(
        cx,
        p,
        &m.target_groups,
        "target_groups",
        "target_groups",
        out,
    );
    if let Some(year) = &m.year
        && !(1950..=2100).contains(year.get_ref())
    {
        out.push(
            p.error_at(year, "year looks wrong")
                .hint("the year the practice started, e.g. year = 2014"),
        );
    }
    if let Some(c) = &m.contacts {
        check_contact_fields(p, &c.phones, &c.emails, c.website.as_ref(), out);
    }
    if let Some(name) = &m.organization_name {
        check_name(cx, p, name, out);
    }
    passport::check(p, out);
    check_sources(cx, p, &m.sources, true, out);
}

fn resolve_practice(rz: &Resolver, p: &Record<PracticeMeta>) -> PracticeView {
    let m = &p.meta;
    let title = text_of(&m.title).unwrap_or(&p.slug).to_string();
    let region = m.region.as_ref().map(|r| r.get_ref().clone());
    let organization = match (&m.organization, &m.organization_name) {
        (Some(id), _) => Some(LinkView {
            name: rz
                .service_name(id.get_ref())
                .map_or_else(|| id.get_ref().clone(), str::to_string),
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
        region_url: region.as_ref().map(|c| rz.region_url(c).to_string()),
        region: region.as_ref().map(|c| rz.region_ref(c)),
        organization,
        phones: phone_views(&contacts.phones),
        emails: safe_emails(&contacts.emails),
        website: safe_web_url(contacts.website.as_deref()),
        people: contacts.people.clone(),
        directions: rz.terms(crate::data::DIRECTIONS, &m.directions),
        target_groups: rz.terms("target_groups", &m.target_groups),
        year: m.year.as_ref().map(|y| *y.get_ref()),
        full: m.passport == Some(PassportKind::Full),
        summary: m.summary.clone(),
        collection: m.collection.clone(),
        sections: crate::site::sections_of(&p.body),
        sources: rz.sources(&m.sources),
        body_html: p.body.html.clone(),
        plain: p.body.plain.clone(),
        title,
    }
}
