//! The collection registry: every record type the portal has, registered once.
//!
//! A collection is one vertical slice — its front-matter type (and so its JSON
//! Schema), its validation, its view, its pages (URL scheme and templates), its
//! search documents, its scaffold for `opora new` — behind the [`Collection`]
//! trait, listed once in [`REGISTRY`]. Everything that lists collections derives
//! from here: the `content/` folders the loader reads, the templates checked up
//! front, the page addresses a free page may not take, the page list, the
//! search types, `opora new`'s choices and `opora schema`'s files. Generators
//! (an HSDS exporter, a CMS configuration) read the same registry: [`Spec`] is
//! plain data, and [`fields`] lists each field with its type, whether it is
//! required, its pattern, its Russian description and the taxonomy vocabulary it
//! is bound to — all taken from the front-matter type itself.
//!
//! To add a collection, see ARCHITECTURE.md ("Adding a collection").

pub(crate) mod events;
pub(crate) mod pages;
mod places;
pub(crate) mod practices;
pub(crate) mod programmes;
pub(crate) mod regions;
pub(crate) mod routes;
pub(crate) mod services;

use std::any::Any;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::content::markdown::{Abbreviations, FileLinks, LinkSpan};
use crate::content::markdown_field::{self, Markdown};
use crate::content::source::{SourceText, Split, parse_toml};
use crate::content::toml_text::StringPlaces;
use crate::content::{Content, Record};
use crate::diag::Diagnostic;
use crate::render::PageJob;
use crate::render::pages::{HOME, Kind, PageSpec, Pages};
use crate::search::docs::DocSink;
use crate::site::{Resolver, Site};
use crate::validate::Context;

/// Where a collection's files sit under `content/<name>/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Layout {
    /// `content/<name>/<slug>.md`
    Flat,
    /// `content/<name>/<region>/<slug>.md`: the folder is the region code in lower case.
    ByRegion,
}

impl Layout {
    /// Folder levels below `content/<name>/` down to the file.
    pub fn depth(self) -> usize {
        match self {
            Layout::Flat => 1,
            Layout::ByRegion => 2,
        }
    }
}

/// A page a collection produces: its URL pattern and template.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct Route {
    /// Site-relative URL; `{slug}` is the file name, `{region}` the region folder.
    pub url: &'static str,
    pub template: &'static str,
}

/// What a collection is, as data: enough for a generator to lay out files,
/// routes and forms without reading Rust.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct Spec {
    /// The folder under `content/`, e.g. `services`.
    pub name: &'static str,
    /// One record, e.g. `service`: `opora new service`, `schemas/service.schema.json`,
    /// the search type and the `type:` facet.
    pub singular: &'static str,
    /// The collection in Russian, as a list's heading: «Службы».
    pub label: &'static str,
    /// One record in Russian: «Служба» (search results' type, schema titles).
    pub label_one: &'static str,
    pub layout: Layout,
    /// The list page, when the collection has one.
    pub list: Option<Route>,
    /// Each record's page.
    pub record: Route,
    /// Further templates its pages use (e.g. a region's municipality pages).
    pub extra_templates: &'static [&'static str],
}

impl Spec {
    /// The first segment of the collection's URLs, which a free page may not take
    /// (`None` for collections whose records sit at the site root, like pages).
    pub fn url_prefix(&self) -> Option<&'static str> {
        let first = self.record.url.split('/').next()?;
        (!first.contains('{')).then_some(first)
    }

    /// Every template this collection's pages use.
    pub fn templates(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.list
            .iter()
            .map(|r| r.template)
            .chain([self.record.template])
            .chain(self.extra_templates.iter().copied())
    }

    /// `content/services/<region>/<slug>.md`, for hints.
    pub fn file_pattern(&self) -> String {
        match self.layout {
            Layout::Flat => format!("content/{}/<slug>.md", self.name),
            Layout::ByRegion => format!("content/{}/<region>/<slug>.md", self.name),
        }
    }
}

/// A loaded record of some collection (a `Record<M>` of that collection's
/// front-matter type), shared so the dev server's cache can hand it out again.
pub type Loaded = Arc<dyn Any + Send + Sync>;

/// A loaded record with the problems found in its body, or why it could not load.
/// With it, the record file's links and where each is written.
pub type LoadResult = Result<(Loaded, Vec<Diagnostic>, FileLinks), Vec<Diagnostic>>;

/// One file of a collection, read and split, ready to parse.
pub struct SourceFile<'a> {
    pub file: Arc<SourceText>,
    pub front: Split,
    pub slug: String,
    /// The folder the file sits in, for [`Layout::ByRegion`] collections.
    pub folder: Option<String>,
    pub abbr: &'a Abbreviations,
}

/// What `opora new` was asked for.
pub struct NewRecord<'a> {
    pub title: &'a str,
    /// Transliterated from the title.
    pub slug: &'a str,
    pub region: Option<&'a str>,
    /// `YYYY-MM-DD`, the portal's today.
    pub today: &'a str,
}

/// A record page, as feeds and change lists see it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Entry {
    pub url: String,
    pub title: String,
    pub summary: String,
    /// The record's file, for its last-changed date.
    pub file: String,
}

impl Entry {
    /// A record's entry: its summary, or else the first sentence of its text.
    pub(crate) fn of(
        url: &str,
        title: &str,
        summary: Option<&str>,
        plain: &str,
        file: &str,
    ) -> Entry {
        Entry {
            url: url.to_string(),
            title: title.to_string(),
            summary: summary
                .map_or_else(|| crate::site::first_sentence(plain, 200), str::to_string),
            file: file.to_string(),
        }
    }
}

/// One page per record, the record at position `i` as `Kind::Record(index, i)`.
pub(crate) fn record_pages<'v>(
    index: usize,
    urls: impl Iterator<Item = &'v str>,
    out: &mut Vec<(String, Kind)>,
) {
    out.extend(
        urls.enumerate()
            .map(|(i, url)| (path_of(url), Kind::Record(index, i))),
    );
}

/// The collection's list page, then one page per record.
pub(crate) fn list_and_record_pages<'v>(
    list: Route,
    index: usize,
    urls: impl Iterator<Item = &'v str>,
    out: &mut Vec<(String, Kind)>,
) {
    out.push((path_of(list.url), Kind::List(index)));
    record_pages(index, urls, out);
}

/// The job of a collection's list page, a crumb below home.
pub(crate) fn list_job<'a>(
    list: Route,
    pages: &'a Pages,
    site: &'a Site,
    family: bool,
    context: crate::render::context::Ctx<'a>,
) -> PageJob<'a> {
    let spec = PageSpec {
        url: list.url,
        template: list.template,
        family,
        file: None,
        crumbs: &[HOME],
    };
    pages.job(site, spec, context)
}

/// Records of a collection that concern a region, for the region's page.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RegionLinks {
    pub heading: String,
    pub items: Vec<Link>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Link {
    pub title: String,
    pub url: String,
    /// A short line under the title (a date, a kind).
    pub note: Option<String>,
}

/// One record type: every stage's view of it.
pub trait Collection: Send + Sync {
    fn spec(&self) -> &'static Spec;
    /// The front matter's JSON Schema, generated from its Rust type.
    fn schema(&self, generator: &mut schemars::SchemaGenerator) -> schemars::Schema;
    /// Its front-matter type, which parses a file and lays a record out
    /// for the parsed-record store: `&Typed::<ItsMeta>::NEW`.
    fn record_type(&self) -> &'static dyn RecordType;
    /// Keeps a loaded record in `content`.
    fn store(&self, content: &mut Content, loaded: &Loaded);
    /// Checks every record of the collection.
    fn validate(&self, cx: &Context, out: &mut Vec<Diagnostic>);
    /// Turns the records into views on `site` (collections earlier in [`REGISTRY`]
    /// are already resolved).
    fn resolve(&self, rz: &Resolver, content: &Content, site: &mut Site);
    /// Every page of the collection with its output path; `index` is the
    /// collection's place in [`REGISTRY`], to put in [`Kind`].
    fn pages(&self, index: usize, site: &Site, out: &mut Vec<(String, Kind)>);
    /// One of the pages listed by [`Collection::pages`], with its template context.
    fn render<'a>(&self, pages: &'a Pages, site: &'a Site, kind: Kind) -> PageJob<'a>;
    /// What search indexes of each record.
    fn search_docs(&self, site: &Site, out: &mut DocSink<'_>);
    /// `opora new`: the new file's path under the portal and its text.
    fn scaffold(&self, new: &NewRecord) -> Result<(String, String), String>;
    /// Every record page, for the feed of recent changes.
    fn entries(&self, site: &Site, out: &mut Vec<Entry>);
    /// Records about a region, listed on its page.
    fn region_links(&self, _site: &Site, _region: &str) -> Option<RegionLinks> {
        None
    }
    /// Files beyond pages (a feed, say).
    fn files(&self, _site: &Site) -> Vec<crate::output::OutputFile> {
        Vec::new()
    }
}

/// A collection's front-matter type, as loading and the parsed-record store
/// (`crate::content::record_store`) handle its records.
pub trait RecordType: Send + Sync {
    /// Parses one file's front matter and body ([`parse_record`]).
    fn parse(&self, source: SourceFile) -> LoadResult;
    /// A loaded record laid out for the store ([`save_record`]).
    fn save(&self, loaded: &Loaded, problems: &[Diagnostic], links: &[LinkSpan])
    -> Option<Vec<u8>>;
    /// A record the store kept, read back ([`restore_record`]).
    fn restore(
        &self,
        rel: &str,
        modified: Option<std::time::SystemTime>,
        bytes: &[u8],
    ) -> Option<LoadResult>;
}

/// The [`RecordType`] of front-matter type `M`.
pub struct Typed<M>(std::marker::PhantomData<fn() -> M>);

impl<M> Typed<M> {
    pub const NEW: Typed<M> = Typed(std::marker::PhantomData);
}

impl<M> RecordType for Typed<M>
where
    M: DeserializeOwned + serde::Serialize + Send + Sync + 'static,
{
    fn parse(&self, source: SourceFile) -> LoadResult {
        parse_record::<M>(source)
    }

    fn save(
        &self,
        loaded: &Loaded,
        problems: &[Diagnostic],
        links: &[LinkSpan],
    ) -> Option<Vec<u8>> {
        save_record::<M>(loaded, problems, links)
    }

    fn restore(
        &self,
        rel: &str,
        modified: Option<std::time::SystemTime>,
        bytes: &[u8],
    ) -> Option<LoadResult> {
        restore_record::<M>(rel, modified, bytes)
    }
}

/// Every collection, in resolution order: a collection may read the views of
/// those before it (regions count services; practices name services).
pub static REGISTRY: [&dyn Collection; 7] = [
    &services::Services,
    &regions::Regions,
    &practices::Practices,
    &programmes::Programmes,
    &routes::Routes,
    &pages::FreePages,
    &events::Events,
];

/// The collection `opora new` and `opora schema` call `singular`.
pub fn by_singular(singular: &str) -> Option<&'static dyn Collection> {
    REGISTRY
        .iter()
        .copied()
        .find(|c| c.spec().singular == singular)
}

/// The collection whose folder under `content/` is `name`.
pub fn by_name(name: &str) -> Option<(usize, &'static dyn Collection)> {
    REGISTRY
        .iter()
        .copied()
        .enumerate()
        .find(|(_, c)| c.spec().name == name)
}

/// Parses a record of front-matter type `M`, rendering its body and its
/// Markdown fields; their problems come back beside the record, so references
/// to it still resolve and the editor sees only the real mistakes.
pub(crate) fn parse_record<M>(source: SourceFile) -> LoadResult
where
    M: DeserializeOwned + Send + Sync + 'static,
{
    let SourceFile {
        file,
        front,
        slug,
        folder,
        abbr,
    } = source;
    // Every `Markdown` field, wherever the type puts it, is collected here:
    // no collection lists its Markdown fields, so none can forget one.
    let (meta, fields) = markdown_field::collect(|| parse_toml::<M>(&file, front.front));
    let meta = meta.map_err(|d| vec![d])?;
    let body = Arc::new(crate::content::markdown::render(
        &file.text[front.body..],
        abbr,
    ));
    let rec = Record {
        file,
        slug,
        folder,
        meta: Arc::new(meta),
        front_offset: front.front.0,
        body,
        body_offset: front.body,
    };
    let mut problems: Vec<Diagnostic> = rec
        .body
        .problems
        .iter()
        .map(|p| rec.error_in_body(p.offset, p.len, &p.message).hint(&p.hint))
        .collect();
    let mut links: Vec<LinkSpan> = rec
        .body
        .links
        .iter()
        .map(|l| LinkSpan {
            offset: l.offset + rec.body_offset,
            ..l.clone()
        })
        .collect();
    check_markdown_fields(&rec, &fields, abbr, &mut problems, &mut links);
    let links = FileLinks {
        file: rec.file.clone(),
        links: Arc::new(links),
    };
    Ok((Arc::new(rec), problems, links))
}

/// Renders each Markdown front-matter field with the one renderer, as the
/// body is: its problems are reported at the line and column where the field
/// is written, and its links are kept for the link checker's blame.
fn check_markdown_fields<M>(
    rec: &Record<M>,
    fields: &[Markdown],
    abbr: &Abbreviations,
    problems: &mut Vec<Diagnostic>,
    links: &mut Vec<LinkSpan>,
) {
    for field in fields {
        let span = field.span();
        let start = rec.front_offset + span.start;
        let Some(token) = rec.file.text.get(start..rec.front_offset + span.end) else {
            continue;
        };
        let places = StringPlaces::new(token, field.source());
        let rendered = field.render(abbr);
        for p in &rendered.problems {
            let r = places.range(p.offset, p.len);
            problems.push(
                rec.file
                    .error_at(&p.message, start + r.start..start + r.end)
                    .hint(&p.hint),
            );
        }
        for l in &rendered.links {
            let r = places.range(l.offset, l.len);
            links.push(LinkSpan {
                dest: l.dest.clone(),
                offset: start + r.start,
                len: r.len(),
            });
        }
    }
}

/// What the parsed-record store keeps of a record and reads back: its
/// file's text, where it sits, its front matter, its rendered body, its
/// problems and its links. MessagePack with fields by name: records hold
/// untagged enums and TOML dates, which read back only from named fields.
type StoredRecord<Text, Slug, Meta, Body, Problems, Links> = (
    Text,
    Slug,
    Option<String>,
    Meta,
    usize,
    Body,
    usize,
    Problems,
    Links,
);

/// A loaded record of front-matter type `M`, laid out for the parsed-record store.
pub(crate) fn save_record<M: serde::Serialize + 'static>(
    loaded: &Loaded,
    problems: &[Diagnostic],
    links: &[LinkSpan],
) -> Option<Vec<u8>> {
    let rec = loaded.downcast_ref::<Record<M>>()?;
    let stored: StoredRecord<_, _, &M, _, _, _> = (
        rec.file.text.as_str(),
        rec.slug.as_str(),
        rec.folder.clone(),
        &*rec.meta,
        rec.front_offset,
        &*rec.body,
        rec.body_offset,
        problems,
        links,
    );
    let mut out = Vec::new();
    serde::Serialize::serialize(
        &stored,
        &mut rmp_serde::Serializer::new(&mut out).with_struct_map(),
    )
    .ok()?;
    Some(out)
}

/// A record [`save_record`] laid out, read back as loading made it.
pub(crate) fn restore_record<M: DeserializeOwned + Send + Sync + 'static>(
    rel: &str,
    modified: Option<std::time::SystemTime>,
    bytes: &[u8],
) -> Option<LoadResult> {
    let stored: StoredRecord<
        String,
        String,
        M,
        crate::content::markdown::RenderedMarkdown,
        Vec<Diagnostic>,
        Vec<LinkSpan>,
    > = rmp_serde::from_slice(bytes).ok()?;
    let (text, slug, folder, meta, front_offset, body, body_offset, problems, links) = stored;
    let mut file = SourceText::new(rel, text);
    file.modified = modified;
    let file = Arc::new(file);
    let record = Record {
        file: file.clone(),
        slug,
        folder,
        meta: Arc::new(meta),
        front_offset,
        body: Arc::new(body),
        body_offset,
    };
    Some(Ok((
        Arc::new(record) as Loaded,
        problems,
        FileLinks {
            file,
            links: Arc::new(links),
        },
    )))
}

/// The record inside a [`Loaded`], when it is of front-matter type `M`.
pub(crate) fn record_of<M: Clone + 'static>(loaded: &Loaded) -> Option<Record<M>> {
    loaded.downcast_ref::<Record<M>>().cloned()
}

/// Views or records of collections that no other stage reads by type, keyed by
/// collection name; a collection's own module gives typed access to its entry.
#[derive(Default)]
pub struct Store(HashMap<&'static str, Box<dyn Any + Send + Sync>>);

impl Store {
    pub fn get<T: 'static>(&self, key: &str) -> Option<&T> {
        self.0.get(key).and_then(|b| b.downcast_ref())
    }

    pub fn get_mut<T: Default + Send + Sync + 'static>(&mut self, key: &'static str) -> &mut T {
        let entry = self.0.entry(key).or_insert_with(|| Box::new(T::default()));
        if !entry.is::<T>() {
            *entry = Box::new(T::default());
        }
        entry.downcast_mut().expect("replaced with T above")
    }

    pub fn insert<T: Send + Sync + 'static>(&mut self, key: &'static str, value: T) {
        self.0.insert(key, Box::new(value));
    }
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.0.keys()).finish()
    }
}

/// Addresses at the site root that are not pages of a collection or a section:
/// folders the build writes data into, and names hosts and browsers expect.
pub const GENERATED_PATHS: [&str; 9] = [
    "geo",     // src/geo: GeoJSON and near-me shards
    "search",  // src/search: the static index (also the search page)
    "feeds",   // Atom feeds
    "data",    // reserved for open data files
    "static",  // never a page: the portal's static/ is copied to the root
    "assets",  // likewise
    "sitemap", // sitemap.xml
    "robots",  // robots.txt
    "404",     // the not-found page
];

/// Page addresses a free page (`content/pages/<slug>.md`, published at
/// `/<slug>/`) may not take: every collection's URL prefix, every site
/// section, every generated folder.
pub fn reserved_slugs() -> Vec<&'static str> {
    let mut out: Vec<&'static str> = REGISTRY
        .iter()
        .filter_map(|c| c.spec().url_prefix())
        .chain(crate::render::pages::SECTIONS.iter().map(|s| s.slug))
        .chain(GENERATED_PATHS)
        .filter(|s| !s.is_empty())
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// Every template the site uses: the base layout, each section's, each collection's.
pub fn templates() -> Vec<&'static str> {
    let mut out = vec!["base.html"];
    out.extend(crate::render::pages::SECTIONS.iter().map(|s| s.template));
    for c in REGISTRY {
        out.extend(c.spec().templates());
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|t| seen.insert(*t));
    out
}

/// The front-matter JSON Schema of a collection, as generated from its type:
/// draft 2020-12, sub-schemas inlined, optional fields without `null`.
pub fn raw_schema(c: &dyn Collection) -> Value {
    let mut settings = schemars::generate::SchemaSettings::draft2020_12();
    settings.inline_subschemas = true;
    let mut generator = settings.into_generator();
    let mut schema = c.schema(&mut generator).to_value();
    tidy(&mut schema);
    schema
}

/// Makes a generated schema say what an editor may write: an optional field is
/// simply absent (never `null`, which TOML cannot express), and only standard
/// formats remain (`date`, not Rust's `uint32`).
fn tidy(v: &mut Value) {
    let Value::Object(m) = v else {
        if let Value::Array(a) = v {
            a.iter_mut().for_each(tidy);
        }
        return;
    };
    if let Some(Value::Array(types)) = m.get_mut("type") {
        types.retain(|t| t != "null");
        if types.len() == 1 {
            let only = types.remove(0);
            m.insert("type".into(), only);
        }
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(Value::Array(options)) = m.get_mut(key) {
            options.retain(|o| o.get("type").is_none_or(|t| t != "null"));
            if options.len() == 1 {
                let Some(Value::Object(only)) = options.pop() else {
                    continue;
                };
                m.remove(key);
                for (k, val) in only {
                    m.entry(k).or_insert(val);
                }
            }
        }
    }
    hoist_required(m);
    if m.get("format")
        .and_then(Value::as_str)
        .is_some_and(|f| !matches!(f, "date" | "email" | "uri"))
    {
        m.remove("format");
    }
    m.values_mut().for_each(tidy);
}

/// A list an editor must fill has a serde default (so a missing one is
/// reported by the validator with all the others, not by serde), which makes
/// schemars call it optional; `extend("x-required" = true)` on the field says
/// otherwise, and here it becomes a required field.
fn hoist_required(m: &mut serde_json::Map<String, Value>) {
    let Some(Value::Object(props)) = m.get_mut("properties") else {
        return;
    };
    let mut names = Vec::new();
    for (name, p) in props.iter_mut() {
        if let Value::Object(p) = p
            && p.remove(REQUIRED_KEY) == Some(Value::Bool(true))
        {
            p.remove("default");
            names.push(Value::String(name.clone()));
        }
    }
    if names.is_empty() {
        return;
    }
    let required = m
        .entry("required")
        .or_insert_with(|| Value::Array(Vec::new()));
    if let Value::Array(r) = required {
        r.extend(names);
    }
}

/// Schema keyword marking a defaulted list as required (see [`hoist_required`]).
const REQUIRED_KEY: &str = "x-required";

/// One front-matter field, as a generator needs it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Field {
    pub name: String,
    /// JSON Schema type: string, number, integer, boolean, array, object.
    pub kind: String,
    /// For arrays: the items' type.
    pub items: Option<String>,
    pub required: bool,
    pub description: String,
    pub pattern: Option<String>,
    /// `format`, e.g. `date`.
    pub format: Option<String>,
    /// The `data/taxonomy.toml` vocabulary the values come from.
    pub vocabulary: Option<String>,
    /// Values refer to records of this collection (e.g. region codes).
    pub refers_to: Option<String>,
}

/// The top-level fields of a collection's front matter, in declaration order.
pub fn fields(c: &dyn Collection) -> Vec<Field> {
    let schema = raw_schema(c);
    let required: Vec<&str> = schema["required"]
        .as_array()
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let str_of = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    let Some(props) = schema["properties"].as_object() else {
        return Vec::new();
    };
    props
        .iter()
        .map(|(name, p)| {
            let items = p.get("items");
            Field {
                name: name.clone(),
                kind: str_of(p, "type").unwrap_or_else(|| "any".into()),
                items: items.and_then(|i| str_of(i, "type")),
                required: required.contains(&name.as_str()),
                description: str_of(p, "description").unwrap_or_default(),
                pattern: str_of(p, "pattern").or_else(|| items.and_then(|i| str_of(i, "pattern"))),
                format: str_of(p, "format"),
                vocabulary: str_of(p, VOCABULARY_KEY),
                refers_to: str_of(p, REFERENCE_KEY),
            }
        })
        .collect()
}

/// Every vocabulary some collection's field (at any depth) is bound to.
pub fn bound_vocabularies() -> std::collections::BTreeSet<String> {
    fn walk(v: &Value, out: &mut std::collections::BTreeSet<String>) {
        match v {
            Value::Object(m) => {
                if let Some(Value::String(vocab)) = m.get(VOCABULARY_KEY) {
                    out.insert(vocab.clone());
                }
                m.values().for_each(|x| walk(x, out));
            }
            Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    let mut out = std::collections::BTreeSet::new();
    for c in REGISTRY {
        walk(&raw_schema(c), &mut out);
    }
    out
}

/// Schema keyword binding a field to a `data/taxonomy.toml` vocabulary:
/// `#[schemars(extend("x-vocabulary" = "needs"))]` on the field.
pub const VOCABULARY_KEY: &str = "x-vocabulary";
/// Schema keyword saying a field's values are ids of another collection's
/// records: `#[schemars(extend("x-refers-to" = "regions"))]`.
pub const REFERENCE_KEY: &str = "x-refers-to";
/// Schema keyword marking a field written in Markdown (the `Markdown` type).
pub use crate::content::markdown_field::MARKDOWN_KEY;

/// The output path of a site URL: `regions/` → `regions/index.html`.
pub fn path_of(url: &str) -> String {
    format!("{url}index.html")
}

/// Whether the record file sits where its collection's records go.
pub(crate) fn expected_depth(spec: &Spec, dir: &Path, path: &Path) -> bool {
    path.strip_prefix(dir)
        .map(|p| p.components().count())
        .unwrap_or(0)
        == spec.layout.depth()
}
