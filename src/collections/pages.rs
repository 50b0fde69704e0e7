//! Free pages: about, for families, for specialists…, one file per page under
//! `content/pages/<slug>.md`, published at the site root (`/<slug>/`), so a
//! page may not take an address the site already uses.

use super::{Collection, Entry, Layout, Loaded, NewRecord, Route, Spec};
use crate::content::records::*;
use crate::content::{Content, Record};
use crate::diag::Diagnostic;
use crate::render::PageJob;
use crate::render::pages::{HOME, Kind, PageSpec, Pages};
use crate::search::SearchDoc;
use crate::search::docs::{DocSink, join};
use crate::site::*;
use crate::validate::*;

pub struct FreePages;

static SPEC: Spec = Spec {
    name: "pages",
    singular: "page",
    label: "Страницы",
    label_one: "Страница",
    layout: Layout::Flat,
    list: None,
    record: Route {
        url: "{slug}/",
        template: "page.html",
    },
    extra_templates: &[],
};

impl Collection for FreePages {
    fn spec(&self) -> &'static Spec {
        &SPEC
    }

    fn schema(&self, generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        generator.root_schema_for::<PageMeta>()
    }

    fn record_type(&self) -> &'static dyn super::RecordType {
        &super::Typed::<PageMeta>::NEW
    }

    fn store(&self, content: &mut Content, loaded: &Loaded) {
        content.pages.extend(super::record_of(loaded));
    }

    fn validate(&self, cx: &Context, out: &mut Vec<Diagnostic>) {
        let reserved = super::reserved_slugs();
        crate::validate::each_record(&cx.content.pages, out, |p, out| {
            check_page(cx, p, &reserved, out)
        });
    }

    fn resolve(&self, rz: &Resolver, content: &Content, site: &mut Site) {
        let mut pages: Vec<PageView> = content.pages.iter().map(|p| resolve_page(rz, p)).collect();
        pages.sort_by(|a, b| {
            (a.menu.unwrap_or(i64::MAX), &a.slug).cmp(&(b.menu.unwrap_or(i64::MAX), &b.slug))
        });
        site.pages = pages;
    }

    fn pages(&self, index: usize, site: &Site, out: &mut Vec<(String, Kind)>) {
        super::record_pages(index, site.pages.iter().map(|p| p.url.as_str()), out);
    }

    fn render<'a>(&self, pages: &'a Pages, site: &'a Site, kind: Kind) -> PageJob<'a> {
        let Kind::Record(_, i) = kind else {
            unreachable!("free pages have only record pages")
        };
        let p = &site.pages[i];
        let spec = PageSpec {
            url: &p.url,
            template: SPEC.record.template,
            family: p.family,
            file: Some(&p.file),
            crumbs: &[HOME],
        };
        pages.job(site, spec, crate::page_context! { content => p })
    }

    fn search_docs(&self, site: &Site, out: &mut DocSink<'_>) {
        out.extend(site.pages.iter().map(|p| SearchDoc {
            id: format!("page:{}", p.slug),
            url: p.url.clone(),
            doc_type: SPEC.singular.into(),
            title: p.title.clone(),
            names: String::new(),
            body: join([p.summary.as_deref().unwrap_or(""), &*p.plain]),
            ..SearchDoc::default()
        }));
    }

    fn scaffold(&self, new: &NewRecord) -> Result<(String, String), String> {
        // `opora check` refuses such a page (`check_page`): refused here
        // before the file is made, not after.
        let reserved = super::reserved_slugs();
        if reserved.contains(&new.slug) {
            return Err(format!(
                "a page cannot be called `{}`: the site uses that address itself\n  \
                 = hint: name the page otherwise (a word more will do); the site's own \
                 addresses are {}",
                new.slug,
                reserved.join(", ")
            ));
        }
        Ok((
            format!("content/pages/{}.md", new.slug),
            format!(
                "+++\ntitle = {}\nsummary = \"\"\n+++\nТекст страницы.\n",
                crate::scaffold::toml_string(new.title)
            ),
        ))
    }

    fn entries(&self, site: &Site, out: &mut Vec<Entry>) {
        out.extend(site.pages.iter().map(|p| Entry {
            url: p.url.clone(),
            title: p.title.clone(),
            summary: p.summary.clone().unwrap_or_default(),
            file: p.file.clone(),
        }));
    }
}

fn check_page(cx: &Context, p: &Record<PageMeta>, reserved: &[&str], out: &mut Vec<Diagnostic>) {
    check_slug(p, out);
    require_title(p, &p.meta.title, "title", "title = \"О проекте\"", out);
    if reserved.contains(&p.slug.as_str()) {
        out.push(
            p.error(format!(
                "a page cannot be called `{}`: the site uses that address",
                p.slug
            ))
            .hint("rename the file"),
        );
    }
    // Pages may also be for editors: shown in the footer, never in the family navigation.
    if let Some(a) = p.meta.audience.as_ref().filter(|a| a.get_ref() != "editor") {
        check_audience(p, std::slice::from_ref(a), out);
        if a.get_ref() == "family" {
            let texts = [p.meta.summary.as_deref(), Some(p.markdown())];
            check_plain(cx, p, texts.into_iter().flatten(), out);
        }
    }
    check_sources(cx, p, &p.meta.sources, false, out);
}

fn resolve_page(rz: &Resolver, p: &Record<PageMeta>) -> PageView {
    let m = &p.meta;
    PageView {
        slug: p.slug.clone(),
        url: format!("{}/", p.slug),
        file: p.file.rel.clone(),
        title: text_of(&m.title).unwrap_or(&p.slug).to_string(),
        summary: m.summary.clone(),
        menu: m.menu,
        family: m.audience.as_ref().is_some_and(|a| a.get_ref() == "family"),
        audience: m.audience.as_ref().map(|a| a.get_ref().clone()),
        sources: rz.sources(&m.sources),
        body_html: p.body.html.clone(),
        plain: p.body.plain.clone(),
    }
}
