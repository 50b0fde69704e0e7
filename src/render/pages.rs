//! Which pages the site has, and what each page's template receives.

use std::collections::BTreeMap;

use minijinja::{Value, context};
use serde::Serialize;

use super::PageJob;
use super::context::{Ctx, Shared};
use super::family;
use super::lists::{PerList, ServiceList};
use crate::diag::Diagnostic;
use crate::site::Site;

/// A breadcrumb as the template sees it.
#[derive(Serialize, Clone)]
struct CrumbView {
    name: String,
    url: String,
}

/// What every page knows about itself.
#[derive(Serialize, Clone)]
pub(crate) struct PageMeta {
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
    crumbs: Vec<CrumbView>,
}

/// What a list shows of a service ([`Pages::card`]): what its card is
/// rendered from, once per build ([`Pages::card_html`]), and what short
/// lists show of it.
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

/// A service's card as the template sees it: its rendered HTML
/// ([`Pages::card_html`]), rendered only when a page that shows it is; a
/// page's key holds the card's fields instead (`super::context`), which
/// are all the card is rendered from besides what every page shares.
#[derive(Clone, Copy)]
pub(crate) struct CardHtml<'a> {
    pages: &'a Pages,
    site: &'a Site,
    i: usize,
}

impl Serialize for CardHtml<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if super::context::keying() {
            let (site, i) = (self.site, self.i);
            s.serialize_u128(self.pages.cards.key(i, || card_fields(site, i)))
        } else {
            self.pages.card_html(self.site, self.i).serialize(s)
        }
    }
}

/// A service's card fields ([`card_fields`]), for short lists.
#[derive(Clone, Copy)]
pub(crate) struct CardFields<'a> {
    site: &'a Site,
    i: usize,
}

impl Serialize for CardFields<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        card_fields(self.site, self.i).serialize(s)
    }
}

/// What a list shows of service `i`, as fields: what its card is rendered
/// from, and what short lists (a region's "where to ask", rows of services
/// without contacts) show. Made when asked for rather than held for every
/// service (about a kilobyte a service).
fn card_fields(site: &Site, i: usize) -> Card<'_> {
    let s = &site.services[i];
    Card {
        url: &s.url,
        name: &s.everyday_name,
        legal_name: (*s.everyday_name != *s.name).then_some(&*s.name),
        kind: &s.kind,
        municipality: s.municipality.as_deref(),
        district: s.district.as_deref(),
        phones: &s.phones[..s.phones.len().min(1)],
        email: s.emails.first().map(String::as_str),
        website: s.website.as_deref(),
        contactable: s.contactable,
        needs: &s.needs,
    }
}

#[derive(Serialize)]
pub(crate) struct Group<'a> {
    name: String,
    slug: String,
    services: Vec<CardFields<'a>>,
    /// How many services the group has in the whole list, across its pages.
    total: usize,
    /// The group began on an earlier page.
    continued: bool,
}

/// One page of a "contact first" list: the services a family can contact as
/// cards, then the others grouped by municipality, cut into pages as one
/// sequence (`render::paginate`).
pub(crate) struct ListPage<'a> {
    pub contact: Vec<CardHtml<'a>>,
    pub groups: Vec<Group<'a>>,
    pub pager: Value,
}

#[derive(Serialize)]
pub(crate) struct NeedCount<'a> {
    pub need: &'a crate::site::NeedView,
    pub count: usize,
    pub url: String,
}

/// Every page the site has, as something cheap to list and to look up by URL;
/// its context is made only when the page is rendered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Home,
    /// A collection's list page (its place in the registry).
    List(usize),
    /// A record's page: (collection, record).
    Record(usize, usize),
    /// A page under a record: (collection, record, part), e.g. a region's
    /// municipality page, services sorted by distance for no-JS near-me.
    Part(usize, usize, usize),
    /// Page 2 or later of a long list on a record's page or on one of its
    /// parts (`render::paginate`): (collection, record, part, page); the part
    /// is [`WHOLE`] for the record's own page.
    Paged(usize, usize, usize, usize),
    Needs,
    Need(usize),
    /// (need, region, page from 1) — only where the region has services for the need.
    NeedRegion(usize, usize, usize),
    Glossary,
    /// Open geodata: links to the GeoJSON files (src/geo).
    OpenData,
    Stats,
    Search,
    NotFound,
    /// An old address that leads on to its page's new one (`crate::moved`).
    Moved(usize),
}

/// The part of [`Kind::Paged`] that means the record's own page.
pub const WHOLE: usize = usize::MAX - 1;

/// A site section: a page (or family of pages) that is not a collection's.
pub struct Section {
    /// Its key in `templates/copy.toml`: its template's name without `.html`.
    pub key: &'static str,
    /// The first segment of its address (empty for the home page).
    pub slug: &'static str,
    pub template: &'static str,
}

/// Every site section; with the collection registry, the source of the
/// template list and of the addresses free pages may not take.
pub const SECTIONS: [Section; 10] = [
    Section {
        key: "home",
        slug: "",
        template: "home.html",
    },
    Section {
        key: "needs",
        slug: "needs",
        template: "needs.html",
    },
    Section {
        key: "need",
        slug: "needs",
        template: "need.html",
    },
    Section {
        key: "need_region",
        slug: "needs",
        template: "need_region.html",
    },
    Section {
        key: "glossary",
        slug: "glossary",
        template: "glossary.html",
    },
    Section {
        key: "open_data",
        slug: "open-data",
        template: "open_data.html",
    },
    Section {
        key: "stats",
        slug: "stats",
        template: "stats.html",
    },
    Section {
        key: "search",
        slug: "search",
        template: "search.html",
    },
    Section {
        key: "404",
        slug: "404",
        template: "404.html",
    },
    // Moved pages sit at old addresses anywhere in the site.
    Section {
        key: "moved",
        slug: "",
        template: "moved.html",
    },
];

/// The pages the site makes of its own content, with their output paths:
/// every page but those of moved addresses, which may not take one of these.
pub fn own_pages(site: &Site) -> Vec<(String, Kind)> {
    let mut out = vec![(path_of(""), Kind::Home)];
    for (i, c) in crate::collections::REGISTRY.iter().enumerate() {
        c.pages(i, site, &mut out);
    }
    out.push((path_of("needs/"), Kind::Needs));
    for (n, need) in site.needs.iter().enumerate() {
        out.push((path_of(&need.url), Kind::Need(n)));
        // Services of the need per region, counted in one pass.
        let mut per_region: BTreeMap<&str, usize> = BTreeMap::new();
        for &i in site.services_by_need.get(&need.id).into_iter().flatten() {
            *per_region.entry(&site.services[i].region).or_default() += 1;
        }
        for (r, region) in site.regions.iter().enumerate() {
            let Some(&count) = per_region.get(region.code.as_str()) else {
                continue;
            };
            let base = format!("needs/{}/{}/", need.id, region.slug);
            out.push((path_of(&base), Kind::NeedRegion(n, r, 1)));
            for (url, page) in super::paginate::more_pages(&base, count) {
                out.push((path_of(&url), Kind::NeedRegion(n, r, page)));
            }
        }
    }
    out.push((path_of("glossary/"), Kind::Glossary));
    out.push((path_of("open-data/"), Kind::OpenData));
    out.push((path_of("search/"), Kind::Search));
    out.push((path_of("stats/"), Kind::Stats));
    out.push(("404.html".into(), Kind::NotFound));
    out
}

/// `own` ([`own_pages`]) and the pages of the site's moved addresses: every
/// page of the site.
fn with_moved(site: &Site, mut own: Vec<(String, Kind)>) -> Vec<(String, Kind)> {
    for (i, m) in site.moved.iter().enumerate() {
        own.push((path_of(&m.from), Kind::Moved(i)));
    }
    own
}

/// For each file of `paths` whose path an earlier one already has, the
/// positions of both (earlier, later): the later would be written over the
/// earlier. One pass with a hash map of the paths, so it costs next to
/// nothing beside making the page list, at any size of site.
pub fn shared_paths<'a>(paths: impl IntoIterator<Item = &'a str>) -> Vec<(usize, usize)> {
    let paths = paths.into_iter();
    let mut first: rustc_hash::FxHashMap<&str, usize> =
        rustc_hash::FxHashMap::with_capacity_and_hasher(paths.size_hint().0, Default::default());
    let mut shared = Vec::new();
    for (i, path) in paths.enumerate() {
        match first.entry(path) {
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(i);
            }
            std::collections::hash_map::Entry::Occupied(o) => shared.push((*o.get(), i)),
        }
    }
    shared
}

/// An error for every page of the site that another page, or a file of the
/// editing interface (`admin`, made before the pages), would be written
/// over — naming what each was made from. `own` is [`own_pages`]. Validation
/// refuses the clashes content can make (two spellings of one town, say);
/// this catches any left, so that no page is ever lost without a word.
pub fn path_clashes(
    site: &Site,
    env: &minijinja::Environment<'static>,
    own: Vec<(String, Kind)>,
    admin: &[crate::output::OutputFile],
) -> Vec<Diagnostic> {
    let list = with_moved(site, own);
    let paths = admin.iter().map(|(p, _)| p.as_str());
    let shared = shared_paths(paths.chain(list.iter().map(|(p, _)| p.as_str())));
    if shared.is_empty() {
        return Vec::new();
    }
    // Only now, to name the pages' sources: a site without clashes never makes it.
    let pages = Pages::new(site, None, env);
    // Each file as (the source to blame, the source as the message names it).
    let made_from = |at: usize| match at.checked_sub(admin.len()) {
        None => (
            "opora.toml".to_string(),
            "the editing interface ([editors] cms = true in opora.toml)".to_string(),
        ),
        Some(i) => {
            let file = pages.made_from(site, list[i].1);
            (file.clone(), file)
        }
    };
    shared
        .into_iter()
        .map(|(first, later)| {
            let path = match later.checked_sub(admin.len()) {
                Some(i) => &list[i].0,
                None => &admin[later].0,
            };
            let ((_, first), (file, later)) = (made_from(first), made_from(later));
            Diagnostic::error(
                file,
                format!(
                    "two pages would be written to `{path}`: one made from {first}, one from {later}; the second would overwrite the first"
                ),
            )
            .hint("every page needs an address of its own: rename one of the two (its file, or the name its address is made from)")
        })
        .collect()
}

fn section(key: &str) -> &'static Section {
    SECTIONS
        .iter()
        .find(|s| s.key == key)
        .expect("every section rendered is listed in SECTIONS")
}

/// Every copy key the site's pages use: sections, and each collection's list,
/// record and extra pages (keyed by their template's name).
pub fn copy_keys() -> Vec<&'static str> {
    let mut keys: Vec<&'static str> = SECTIONS.iter().map(|s| s.key).collect();
    for c in crate::collections::REGISTRY {
        keys.extend(c.spec().templates().map(|t| t.trim_end_matches(".html")));
    }
    keys.sort_unstable();
    keys.dedup();
    keys
}

/// A breadcrumb: another page by its copy key and address, or a named link.
pub enum Crumb<'a> {
    Page(&'static str, &'a str),
    Link(&'a str, &'a str),
}

/// The home page, first in every trail.
pub const HOME: Crumb<'static> = Crumb::Page("home", "");

/// What a page is, beyond its template context.
pub struct PageSpec<'a> {
    pub url: &'a str,
    pub template: &'static str,
    /// Family-facing pages get the quick-exit button.
    pub family: bool,
    /// The source file the page shows (for its dates and edit link).
    pub file: Option<&'a str>,
    pub crumbs: &'a [Crumb<'a>],
}

/// What every page shares: site-wide values, maps and the page copy.
pub struct Pages {
    globals: Value,
    /// Site path of the content-hashed search manifest, for the search page:
    /// named when the pages are made, or later, once the export is written
    /// ([`Pages::awaiting_search_manifest`]).
    search_manifest: std::sync::OnceLock<String>,
    /// Build-time SVG maps (src/geo), made when a page first needs them: the
    /// dev server makes a `Pages` after every save and may render no map page.
    maps: std::sync::OnceLock<crate::geo::site::Maps>,
    /// The page copy (`templates/copy.toml`), compiled.
    copy: minijinja::Environment<'static>,
    /// Each page key's breadcrumb name.
    crumb_names: BTreeMap<String, String>,
    /// For each route (in `site.routes` order), the regions it has a local
    /// page for; made when first needed, like `maps`.
    route_regions: std::sync::OnceLock<Vec<Vec<usize>>>,
    /// Each service's card, rendered once for every list that shows it.
    cards: super::cards::Cards,
    /// What the pages of each list share (`super::lists`): by region; by
    /// municipality, numbered across regions from `municipality_offsets`;
    /// by need and region.
    pub(crate) regions: PerList<crate::collections::regions::RegionList>,
    /// Each region's view as the pages of its lists share it (`site.regions`
    /// order): its region, municipality and need × region pages (~2,700 at
    /// 50,000 services) each made and keyed it again.
    region_values: Vec<std::sync::OnceLock<Shared>>,
    pub(crate) municipalities: PerList<crate::collections::regions::Nearest>,
    pub(crate) municipality_offsets: Vec<usize>,
    need_regions: PerList<NeedRegion>,
    /// Each need's services by region (`[need][region]`, in `site.needs`
    /// and `site.regions` order), split in one pass when first needed.
    need_services: std::sync::OnceLock<Vec<Vec<Vec<usize>>>>,
    /// Each region's "where to ask" cards, by region code.
    asks: std::sync::Mutex<std::collections::HashMap<String, Shared>>,
    /// No "where to ask" cards: for a service that has contacts of its own.
    no_ask: Shared,
}

/// What the pages of a need's list in one region share.
struct NeedRegion {
    list: ServiceList,
    ask: Shared,
    need: Shared,
    region: Shared,
}

impl Pages {
    /// `search_manifest`: site path of the static search index, when there
    /// is one; `env`: the environment the pages are rendered with.
    pub fn new(
        site: &Site,
        search_manifest: Option<&str>,
        env: &minijinja::Environment<'static>,
    ) -> Pages {
        let pages = Pages::with_search(site, search_manifest.is_some(), env);
        if let Some(manifest) = search_manifest {
            pages.name_search_manifest(manifest);
        }
        pages
    }

    /// The pages of a site with search whose manifest is still being
    /// exported: every page but the search page itself (the only one that
    /// names the content-hashed manifest) can be rendered before
    /// [`Pages::name_search_manifest`] is called.
    pub fn awaiting_search_manifest(site: &Site, env: &minijinja::Environment<'static>) -> Pages {
        Pages::with_search(site, true, env)
    }

    /// Names the search manifest for the search page (the first name given stays).
    pub fn name_search_manifest(&self, manifest: &str) {
        let _ = self.search_manifest.set(manifest.to_string());
    }

    fn with_search(site: &Site, search: bool, env: &minijinja::Environment<'static>) -> Pages {
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
            // Every page's search box: a fixed address, so that pages do not
            // change when the search index does (the search page itself names
            // the content-hashed manifest, to preload it).
            search_box_manifest => search.then_some(crate::search::export::CURRENT_MANIFEST),
            shortlist => super::paginate::SHORTLIST,
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
                csp => Value::from_safe_string(super::csp(&site.config)),
            },
        };
        let (copy, _) = super::copy::environment(&site.copy);
        let crumb_names = site
            .copy
            .keys()
            .map(|k| {
                let name = super::copy::render(&copy, k, "crumb", &globals)
                    .ok()
                    .filter(|c| !c.is_empty())
                    .or_else(|| super::copy::render(&copy, k, "title", &globals).ok())
                    .unwrap_or_default();
                (k.clone(), name)
            })
            .collect();
        // Where each region's municipalities start in one numbering.
        let municipality_offsets: Vec<usize> = std::iter::once(0)
            .chain(site.regions.iter().scan(0, |total, r| {
                *total += r.municipalities.len();
                Some(*total)
            }))
            .collect();
        Pages {
            search_manifest: std::sync::OnceLock::new(),
            cards: super::cards::Cards::new(env, globals.clone(), site.services.len()),
            globals,
            maps: std::sync::OnceLock::new(),
            copy,
            crumb_names,
            route_regions: std::sync::OnceLock::new(),
            regions: PerList::new(site.regions.len()),
            region_values: site.regions.iter().map(|_| Default::default()).collect(),
            municipalities: PerList::new(municipality_offsets.last().copied().unwrap_or(0)),
            municipality_offsets,
            need_regions: PerList::new(site.needs.len() * site.regions.len()),
            need_services: std::sync::OnceLock::new(),
            asks: Default::default(),
            no_ask: Shared::of(Vec::<()>::new()),
        }
    }

    /// The region at `i` in `site.regions`, as its pages share it.
    pub(crate) fn region_value(&self, site: &Site, i: usize) -> Shared {
        self.region_values[i]
            .get_or_init(|| Shared::of(&site.regions[i]))
            .clone()
    }

    /// The site's maps. `site` is the site these pages were made for.
    pub(crate) fn maps(&self, site: &Site) -> &crate::geo::site::Maps {
        self.maps
            .get_or_init(|| crate::geo::site::Maps::build(site))
    }

    /// For each route, the regions it has a local page for. `site` is the
    /// site these pages were made for.
    pub(crate) fn route_regions(&self, site: &Site) -> &[Vec<usize>] {
        self.route_regions.get_or_init(|| {
            site.routes
                .iter()
                .map(|r| family::route_regions(site, r))
                .collect()
        })
    }

    /// The values every page's context shares (site title, menus, lines…),
    /// fingerprinted once per build rather than with every page.
    pub fn shared(&self) -> &Value {
        &self.globals
    }

    /// All pages with their output paths (`regions/ru-mos/index.html`).
    pub fn list(&self, site: &Site) -> Vec<(String, Kind)> {
        with_moved(site, own_pages(site))
    }

    /// What the page of `kind` is made from, for a finding about it: its
    /// record's file, `data/moved.toml`, or its template.
    fn made_from(&self, site: &Site, kind: Kind) -> String {
        if let Kind::Moved(_) = kind {
            return crate::moved::FILE.to_string();
        }
        let job = self.render_job(site, kind);
        job.source
            .unwrap_or_else(|| format!("templates/{}", job.template))
    }

    /// A page: its own values, its dates, edit link and breadcrumbs. Its
    /// copy (title, description) is made when it is rendered ([`Pages::context`]).
    pub fn job<'a>(&self, site: &Site, spec: PageSpec, extra: Ctx<'a>) -> PageJob<'a> {
        let updated = spec.file.and_then(|f| site.history.updated(f));
        let meta = PageMeta {
            updated_text: updated.as_deref().map(crate::ru::date_long),
            updated: updated.clone(),
            title: String::new(),
            description: String::new(),
            url: spec.url.to_string(),
            canonical: site.config.public_url(spec.url),
            family: spec.family,
            edit_url: spec.file.and_then(|f| {
                site.config
                    .edit_link_base
                    .as_ref()
                    .map(|b| format!("{b}{f}"))
            }),
            crumbs: spec
                .crumbs
                .iter()
                .map(|c| match c {
                    Crumb::Page(key, url) => CrumbView {
                        name: self.crumb_names.get(*key).cloned().unwrap_or_default(),
                        url: url.to_string(),
                    },
                    Crumb::Link(name, url) => CrumbView {
                        name: name.to_string(),
                        url: url.to_string(),
                    },
                })
                .collect(),
        };
        PageJob {
            path: if spec.url.ends_with(".html") {
                spec.url.to_string()
            } else {
                path_of(spec.url)
            },
            template: spec.template,
            context: extra,
            meta,
            lastmod: updated,
            source: spec.file.map(str::to_string),
        }
    }

    /// The whole template context of a page: its own values, the shared
    /// ones, and `page` — with its title and description rendered from the
    /// page copy with that context.
    pub fn context(&self, job: &PageJob) -> Value {
        let key = job.template.trim_end_matches(".html");
        let extra = job.context.to_value();
        let ctx = minijinja::value::merge_maps([extra.clone(), self.globals.clone()]);
        // Page 2 and later of a list: the same title and description, with
        // the page's number, so that no two pages share them.
        let numbered = extra
            .get_attr("pager")
            .ok()
            .and_then(|p| Some((p.get_attr("number").ok()?, p.get_attr("count").ok()?)))
            .and_then(|(n, c)| Some((usize::try_from(n).ok()?, usize::try_from(c).ok()?)))
            .filter(|(n, _)| *n > 1);
        let copy = |field| {
            let text = super::copy::render(&self.copy, key, field, &ctx).unwrap_or_default();
            match numbered {
                Some((n, c)) if !text.is_empty() => format!("{text} — страница {n} из {c}"),
                _ => text,
            }
        };
        let meta = PageMeta {
            title: copy("title"),
            description: copy("description"),
            ..job.meta.clone()
        };
        let page = context! { page => Value::from_serialize(&meta) };
        minijinja::value::merge_maps([page, extra, self.globals.clone()])
    }

    /// Each need's services by region (see `need_services`). `site` is the
    /// site these pages were made for.
    fn need_services(&self, site: &Site) -> &[Vec<Vec<usize>>] {
        self.need_services.get_or_init(|| {
            let region_of: std::collections::HashMap<&str, usize> = site
                .regions
                .iter()
                .enumerate()
                .map(|(r, region)| (&*region.code, r))
                .collect();
            site.needs
                .iter()
                .map(|need| {
                    let mut by_region = vec![Vec::new(); site.regions.len()];
                    for &i in site.services_by_need.get(&need.id).into_iter().flatten() {
                        if let Some(&r) = region_of.get(&*site.services[i].region) {
                            by_region[r].push(i);
                        }
                    }
                    by_region
                })
                .collect()
        })
    }

    /// The regions a route has a local page for, as links.
    pub(crate) fn route_choices(&self, site: &Site, route: usize) -> Vec<Value> {
        let r = &site.routes[route];
        self.route_regions(site)[route]
            .iter()
            .map(|&g| {
                let region = &site.regions[g];
                context! { name => region.name.clone(), slug => region.slug.clone(), url => family::route_region_url(r, &region.slug) }
            })
            .collect()
    }

    /// Where to ask about services without contacts: the first
    /// [`SHORTLIST`](super::paginate::SHORTLIST) of the region's services that
    /// have contacts (the region's page lists all of them).
    pub(crate) fn ask_in_region(&self, site: &Site, region: &str) -> Shared {
        if let Some(ask) = self
            .asks
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(region)
        {
            return ask.clone();
        }
        let idx: Vec<usize> = site
            .services_by_region
            .get(region)
            .into_iter()
            .flatten()
            .copied()
            .filter(|&i| site.services[i].contactable)
            .take(super::paginate::SHORTLIST)
            .collect();
        let ask = cards_of(site, &idx);
        self.asks
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(region.to_string(), ask.clone());
        ask
    }

    /// No "where to ask" cards (see [`Pages::ask_in_region`]).
    pub(crate) fn no_ask(&self) -> Shared {
        self.no_ask.clone()
    }

    /// Service `i`'s card, rendered (see [`super::cards`]).
    pub(crate) fn card_html(&self, site: &Site, i: usize) -> Value {
        self.cards.html(i, &site.services[i].url, || {
            Value::from_serialize(card_fields(site, i))
        })
    }

    /// Service `i`'s card, to be rendered with the page that shows it.
    pub(crate) fn card_of<'a>(&'a self, site: &'a Site, i: usize) -> CardHtml<'a> {
        CardHtml {
            pages: self,
            site,
            i,
        }
    }

    /// The cards of these services, in this order, to be rendered with the
    /// page that shows them.
    pub(crate) fn cards_html<'a>(&'a self, site: &'a Site, idx: &[usize]) -> Vec<CardHtml<'a>> {
        idx.iter().map(|&i| self.card_of(site, i)).collect()
    }

    /// Why a service's card could not be rendered, if one could not: the
    /// pages that show it then lack it, so the build must fail.
    pub fn card_failure(&self) -> Option<&crate::diag::Diagnostic> {
        self.cards.failure()
    }

    /// The services `shown` (a run of `list.rest`, starting at `start`)
    /// grouped by municipality (district for cities), groups in
    /// `lists::group_order`, with each group's size in the whole list.
    fn groups_of<'a>(
        &self,
        site: &'a Site,
        list: &ServiceList,
        shown: &[usize],
        start: usize,
    ) -> Vec<Group<'a>> {
        let mut groups: BTreeMap<&str, Vec<CardFields>> = BTreeMap::new();
        for &i in shown {
            groups
                .entry(super::lists::group_name(&site.services[i]))
                .or_default()
                .push(CardFields { site, i });
        }
        let mut groups: Vec<_> = groups.into_iter().collect();
        groups.sort_by_cached_key(|(name, _)| super::lists::group_order(name));
        groups
            .into_iter()
            .map(|(name, services)| {
                let (total, continued) = list.group(name, start);
                Group {
                    slug: super::lists::group_slug(name),
                    name: name.to_string(),
                    services,
                    total,
                    continued,
                }
            })
            .collect()
    }

    /// Page `page` of `list` at `base`: its contactable services (as cards)
    /// then the rest (grouped by municipality), cut into pages as one sequence.
    pub(crate) fn list_page<'a>(
        &'a self,
        site: &'a Site,
        list: &ServiceList,
        base: &str,
        page: usize,
    ) -> ListPage<'a> {
        use super::paginate;
        let (contact, rest) = (&list.contact, &list.rest);
        let std::ops::Range { start, end } = paginate::range(list.len(), page);
        let contact_shown = &contact[start.min(contact.len())..end.min(contact.len())];
        let rest_start = start.saturating_sub(contact.len());
        let rest_shown = &rest[rest_start..end.saturating_sub(contact.len())];
        ListPage {
            contact: self.cards_html(site, contact_shown),
            groups: self.groups_of(site, list, rest_shown, rest_start),
            pager: paginate::pager(base, page, paginate::page_count(list.len())),
        }
    }

    /// The page with its full template context.
    pub fn render_job<'a>(&'a self, site: &'a Site, kind: Kind) -> PageJob<'a> {
        use crate::collections::REGISTRY;
        match kind {
            Kind::List(c) | Kind::Record(c, _) | Kind::Part(c, _, _) | Kind::Paged(c, _, _, _) => {
                REGISTRY[c].render(self, site, kind)
            }
            Kind::Home => self.home(site),
            Kind::Needs => self.section(
                site,
                "needs",
                "needs/",
                crate::page_context! {
                    needs => site.needs.iter().filter(|n| n.count > 0).collect::<Vec<_>>(),
                    without => site.needs.iter().filter(|n| n.count == 0).collect::<Vec<_>>(),
                },
            ),
            Kind::Need(n) => self.need(site, n),
            Kind::NeedRegion(n, r, page) => self.need_region(site, n, r, page),
            Kind::OpenData => self.open_data(site),
            Kind::Glossary => self.job(
                site,
                PageSpec {
                    url: "glossary/",
                    template: section("glossary").template,
                    family: false,
                    file: Some("data/glossary.toml"),
                    crumbs: &[HOME],
                },
                crate::page_context! {
                    terms => &site.glossary,
                    letters => glossary_letters(&site.glossary),
                },
            ),
            Kind::Stats => self.stats(site),
            Kind::Search => {
                let family_needs: Vec<_> = site
                    .needs
                    .iter()
                    .filter(|n| n.audience == "family" && n.count > 0)
                    .collect();
                let regions: Vec<_> = site.regions.iter().filter(|r| r.code != "RU").collect();
                self.section(
                    site,
                    "search",
                    "search/",
                    crate::page_context! {
                        needs => family_needs,
                        regions => regions,
                        search_manifest => self.search_manifest.get().cloned(),
                    },
                )
            }
            Kind::NotFound => self.job(
                site,
                PageSpec {
                    url: "404.html",
                    template: section("404").template,
                    family: true,
                    file: None,
                    crumbs: &[],
                },
                crate::page_context! {},
            ),
            Kind::Moved(i) => {
                let moved = &site.moved[i];
                let mut job = self.job(
                    site,
                    PageSpec {
                        url: &moved.from,
                        template: section("moved").template,
                        family: true,
                        file: None,
                        crumbs: &[HOME],
                    },
                    crate::page_context! {
                        moved_to => moved.to.as_str(),
                        moved_title => moved.title.as_deref(),
                    },
                );
                // Search engines should index the page where it is now.
                job.meta.canonical = site.config.public_url(&moved.to);
                job
            }
        }
    }

    /// A family-facing section page one step below home.
    fn section<'a>(&self, site: &Site, key: &str, url: &str, extra: Ctx<'a>) -> PageJob<'a> {
        let family = !matches!(key, "stats" | "open_data");
        let spec = PageSpec {
            url,
            template: section(key).template,
            family,
            file: None,
            crumbs: &[HOME],
        };
        self.job(site, spec, extra)
    }

    fn home<'a>(&'a self, site: &'a Site) -> PageJob<'a> {
        let family_needs: Vec<_> = site
            .needs
            .iter()
            .filter(|n| n.audience == "family" && n.count > 0)
            .collect();
        let family_routes: Vec<_> = site.routes.iter().filter(|r| r.family).collect();
        let regions: Vec<_> = site.regions.iter().filter(|r| r.code != "RU").collect();
        let spec = PageSpec {
            url: "",
            template: section("home").template,
            family: true,
            file: None,
            crumbs: &[],
        };
        self.job(
            site,
            spec,
            crate::page_context! {
                needs => family_needs,
                regions => regions,
                routes => family_routes,
                practice_count => site.practices.len(),
                programme_count => site.programmes.len(),
                service_count => site.services.len(),
                country_map => self.maps(site).country.clone(),
            },
        )
    }

    fn need<'a>(&'a self, site: &'a Site, n: usize) -> PageJob<'a> {
        let need = &site.needs[n];
        let idx: &[usize] = site
            .services_by_need
            .get(&need.id)
            .map_or(&[], Vec::as_slice);
        // Each region's services for the need, and how many a family can contact.
        let mut counts: std::collections::HashMap<&str, (usize, usize)> = Default::default();
        for &i in idx {
            let s = &site.services[i];
            let here = counts.entry(&*s.region).or_default();
            here.0 += 1;
            here.1 += usize::from(s.contactable);
        }
        let regions: Vec<Value> = site
            .regions
            .iter()
            .filter_map(|r| {
                let &(count, contactable) = counts.get(&*r.code)?;
                Some(context! { name => r.name.clone(), url => format!("needs/{}/{}/", need.id, r.slug), code => r.code.clone(), count, contactable })
            })
            .collect();
        let routes: Vec<_> = site
            .routes
            .iter()
            .filter(|r| {
                r.needs.iter().any(|x| *x.id == *need.id)
                    || r.steps
                        .iter()
                        .any(|s| s.needs.iter().any(|x| *x.id == *need.id))
            })
            .collect();
        let spec = PageSpec {
            url: &need.url,
            template: section("need").template,
            family: need.audience == "family",
            file: None,
            crumbs: &[HOME, Crumb::Page("needs", "needs/")],
        };
        self.job(
            site,
            spec,
            crate::page_context! {
                need => need,
                regions => regions,
                routes => routes,
            },
        )
    }

    fn need_region<'a>(&'a self, site: &'a Site, n: usize, r: usize, page: usize) -> PageJob<'a> {
        let (need, region) = (&site.needs[n], &site.regions[r]);
        let shared = self.need_regions.get(
            n * site.regions.len() + r,
            || {
                let list = ServiceList::new(site, &self.need_services(site)[n][r]);
                // Where to ask about the entries without contacts: the region's other
                // contactable services, when this need has none of its own.
                let ask = if list.contact.is_empty() {
                    self.ask_in_region(site, &region.code)
                } else {
                    cards_of(
                        site,
                        &list.contact[..list.contact.len().min(super::paginate::SHORTLIST)],
                    )
                };
                NeedRegion {
                    list,
                    ask,
                    need: Shared::of(need),
                    region: self.region_value(site, r),
                }
            },
            |shared| super::paginate::page_count(shared.list.len()),
        );
        let base = format!("needs/{}/{}/", need.id, region.slug);
        let url = super::paginate::page_url(&base, page);
        let list = self.list_page(site, &shared.list, &base, page);
        let spec = PageSpec {
            url: &url,
            template: section("need_region").template,
            family: need.audience == "family",
            file: None,
            crumbs: &[
                HOME,
                Crumb::Page("needs", "needs/"),
                Crumb::Link(&need.label, &need.url),
            ],
        };
        self.job(
            site,
            spec,
            Ctx::new()
                .data("need", shared.need.clone())
                .data("region", shared.region.clone())
                .data("contact", list.contact)
                .data("any_contact", !shared.list.contact.is_empty())
                .data("ask", shared.ask.clone())
                .data("ask_all", &region.url)
                .data("groups", list.groups)
                .value("pager", list.pager)
                .data("count", shared.list.len()),
        )
    }

    fn open_data<'a>(&'a self, site: &'a Site) -> PageJob<'a> {
        // Regions with at least one located service have a file (geo::site::data_files).
        let placed: std::collections::HashSet<&str> = site
            .services
            .iter()
            .filter(|s| s.location.is_some())
            .map(|s| &*s.region)
            .collect();
        let files: Vec<Value> = site
            .regions
            .iter()
            .filter(|r| placed.contains(&*r.code))
            .map(|r| context! { name => r.name.clone(), path => format!("geo/regions/{}.geojson", r.code.to_lowercase()) })
            .collect();
        let located = site
            .services
            .iter()
            .filter(|s| s.location.is_some())
            .count();
        // The HSDS files, their taxonomies and the field mapping (src/hsds/page.rs).
        let hsds = site
            .store
            .get::<crate::hsds::page::OpenDataView>(crate::hsds::page::STORE_KEY)
            .map(Value::from_serialize);
        self.section(
            site,
            "open_data",
            "open-data/",
            crate::page_context! { files => files, located => located, hsds => hsds, services => site.services.len() },
        )
    }

    fn stats<'a>(&'a self, site: &'a Site) -> PageJob<'a> {
        // Tables grouped by the project direction they belong to; the rest last.
        let mut groups: Vec<Value> = site
            .directions
            .iter()
            .filter_map(|d| {
                let tables: Vec<_> = site.stats.iter().filter(|t| t.topics.iter().any(|x| **x == *d.id)).collect();
                (!tables.is_empty()).then(|| context! { id => d.id.clone(), label => d.label.clone(), tables => Value::from_serialize(&tables) })
            })
            .collect();
        let other: Vec<_> = site.stats.iter().filter(|t| t.topics.is_empty()).collect();
        if !other.is_empty() {
            groups.push(context! { id => "other", label => "Другие таблицы", tables => Value::from_serialize(&other) });
        }
        self.section(
            site,
            "stats",
            "stats/",
            crate::page_context! {
                groups => groups,
                count => site.stats.len(),
            },
        )
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

/// The card fields of these services, in this order, as one shared value.
pub(crate) fn cards_of(site: &Site, idx: &[usize]) -> Shared {
    Shared::of(
        idx.iter()
            .map(|&i| card_fields(site, i))
            .collect::<Vec<_>>(),
    )
}

/// The output file of a site URL: `regions/` → `regions/index.html`.
pub use crate::collections::path_of;

pub fn robots(site: &Site) -> String {
    match site.config.public_url("sitemap.xml") {
        Some(sitemap) => format!("User-agent: *\nAllow: /\n\nSitemap: {sitemap}\n"),
        None => "User-agent: *\nAllow: /\n".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_later_file_at_an_earlier_ones_path_is_found_with_it() {
        let paths = [
            "admin/index.html",
            "a/index.html",
            "regions/x/m/kaluga/index.html",
            "admin/index.html",
            "regions/x/m/kaluga/index.html",
            "regions/x/m/kaluga/index.html",
        ];
        assert_eq!(shared_paths(paths), [(0, 3), (2, 4), (2, 5)]);
        assert!(shared_paths(["a", "b", "A"]).is_empty());
    }
}
