//! The build pipeline, stage by stage: load → validate → resolve → render → write.
//! The CLI, the dev server and the tests all go through here.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::config::Config;
use crate::content::load;
use crate::content::source::{parse_toml, read_text};
use crate::diag::{Diagnostic, Diagnostics};
use crate::linkcheck;
use crate::output::{Note, Output, OutputError, OutputFile, fnv1a};
use crate::render;
use crate::render::pages::Kind;
use crate::site::Site;
use crate::validate;

#[derive(Debug, Clone)]
pub struct Options {
    pub root: PathBuf,
    pub output: PathBuf,
    pub strict: bool,
    /// Overrides `base_url` (the dev server serves at its own address).
    pub base_url: Option<String>,
}

#[derive(Debug, Default)]
pub struct Report {
    pub pages: usize,
    /// Pages kept from the recycled site, their inputs unchanged.
    pub kept: usize,
    pub files: usize,
    pub bytes: u64,
    pub diagnostics: Diagnostics,
    pub timings: Vec<(&'static str, Duration)>,
}

/// What the checks found when the build cannot go on.
#[derive(Debug)]
pub struct Failed {
    pub diagnostics: Diagnostics,
}

/// The portal root as every command uses it: absolute and with symlinks
/// resolved, decided once at start-up. Paths derived from it (`public/`, the
/// files `notify` reports to the dev server) are then absolute too, so comparing
/// them with the root works whatever folder or `--root` the editor started from.
/// A root that cannot be resolved (it does not exist) is kept absolute, so the
/// usual "no opora.toml here" diagnostic names it.
pub fn portal_root(given: &Path) -> PathBuf {
    given
        .canonicalize()
        .or_else(|_| std::path::absolute(given))
        .unwrap_or_else(|_| given.to_path_buf())
}

/// Reads and checks `opora.toml`: every problem at once, each with its line.
pub fn load_config(root: &Path) -> Result<Config, Vec<Diagnostic>> {
    let path = root.join("opora.toml");
    if std::fs::symlink_metadata(&path).is_err() {
        return Err(vec![
            Diagnostic::error("opora.toml", "no opora.toml here").hint(format!(
                "run opora in the portal's root folder (looked in {}), or pass --root DIR",
                root.display()
            )),
        ]);
    }
    let file = read_text(root, &path).map_err(|d| vec![d])?;
    let len = file.text.len();
    let config = parse_toml::<Config>(&file, (0, len)).map_err(|d| vec![d])?;
    let problems = crate::config::check(&file);
    if problems.is_empty() {
        Ok(config)
    } else {
        Err(problems)
    }
}

/// `--base-url` from the command line, checked as `base_url` is.
pub fn check_base_url_argument(url: &str) -> Result<(), Diagnostic> {
    match crate::config::base_url_problem(url) {
        None => Ok(()),
        Some(problem) => Err(Diagnostic::error("--base-url", problem)
            .at(url, 0..url.len())
            .hint("pass the address the site is published at, e.g. --base-url https://example.org/portal/")),
    }
}

/// Problems with `[editors]` in `opora.toml`, reported at their line.
fn editors_problems(root: &Path, config: &Config) -> Vec<Diagnostic> {
    if !config.editors.cms {
        return Vec::new();
    }
    match read_text(root, &root.join("opora.toml")) {
        Ok(file) => crate::cms::settings::check(&file, &config.editors),
        Err(d) => vec![d],
    }
}

/// Everything up to rendered files in memory: shared by `check` and `build`.
/// Loads data and content without validating or rendering (for `opora schema`).
pub fn load_only(root: &Path) -> (crate::content::Data, crate::content::Content, Diagnostics) {
    let mut diags = Diagnostics::default();
    let data = load::load_data(root, &mut diags);
    let abbr = load::abbreviations(&data.glossary);
    let content = load::load_content(root, &abbr, &mut diags);
    (data, content, diags)
}

/// Loads and renders every page *without validating*, as a broken pipeline
/// might: the hostile-input tests use it to prove the renderer itself keeps
/// scripts off the page, not only `check` in front of it.
#[doc(hidden)]
pub fn render_unchecked(root: &Path) -> Result<(Diagnostics, Vec<OutputFile>), Failed> {
    let config = load_config(root).map_err(|ds| {
        let mut diagnostics = Diagnostics::default();
        diagnostics.extend(ds);
        Failed { diagnostics }
    })?;
    let (data, content, diags) = load_only(root);
    let today = validate::today(&config);
    let history = crate::history::History::load(root);
    let site = Site::resolve(config, &data, &content, today, history);
    let env = render::environment(
        &root.join("templates"),
        asset_versions(&root.join("static")),
    );
    let fail = |errors| {
        let mut diagnostics = Diagnostics::default();
        diagnostics.extend(errors);
        Failed { diagnostics }
    };
    let files = render::render_all(&env, &site, None).map_err(fail)?;
    Ok((diags, files))
}

/// A site resolved and ready to render: the dev server renders pages from it
/// on request; `build` renders all of them.
pub struct Prepared {
    pub site: Site,
    pub env: minijinja::Environment<'static>,
    pub diagnostics: Diagnostics,
    /// Where each record's links are written, to blame a broken one.
    pub link_places: linkcheck::LinkPlaces,
    /// The validated data and records, for exports that carry the records
    /// themselves rather than their views (HSDS).
    pub data: crate::content::Data,
    pub content: crate::content::Content,
    /// The editing interface's files (`/admin/`), when it is switched on.
    pub admin: Vec<OutputFile>,
    /// The static files' versions the templates' `asset()` appends, which
    /// every page's fingerprint covers.
    pub asset_versions: BTreeMap<String, String>,
}

/// What a long-running process (the dev server) keeps between rebuilds: the
/// parsed files and each record's own findings, reused while unchanged.
#[derive(Default)]
pub struct Kept {
    pub load: load::LoadCache,
    pub checks: validate::Memo,
}

/// What an earlier run left that [`prepare`] may reuse: the dev server
/// keeps the parsed files and the findings in memory ([`Kept`]); `opora
/// build` keeps the findings and its parsed records beside its output.
#[derive(Default)]
pub struct Reuse<'a> {
    pub load: Option<&'a mut load::LoadCache>,
    pub checks: Option<&'a mut validate::Memo>,
    /// `opora build`'s parsed records, kept beside its output.
    pub records: Option<&'a mut crate::content::record_store::StoreFile>,
}

impl Kept {
    pub fn reuse(&mut self) -> Reuse<'_> {
        Reuse {
            load: Some(&mut self.load),
            checks: Some(&mut self.checks),
            records: None,
        }
    }
}

/// Load → validate → resolve, skipping the parsing and the checking of files
/// that did not change where `reuse` allows.
pub fn prepare(opts: &Options, reuse: Reuse<'_>, report: &mut Report) -> Result<Prepared, Failed> {
    let mut diags = Diagnostics::default();
    let fail = |mut diagnostics: Diagnostics| {
        diagnostics.sort();
        Failed { diagnostics }
    };
    let t = Instant::now();
    let mut config = load_config(&opts.root).map_err(|ds| {
        let mut all = Diagnostics::default();
        all.extend(ds);
        fail(all)
    })?;
    // Addresses a deployment sets in its environment are checked as opora.toml's are.
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
    let address = "an http(s):// address";
    let env_problems: Vec<Diagnostic> = [
        (
            "OPORA_BASE_URL",
            crate::config::base_url_problem as fn(&str) -> Option<String>,
            address,
        ),
        (
            "OPORA_EDIT_LINK_BASE",
            crate::config::edit_link_base_problem,
            address,
        ),
        // A date that does not parse must not quietly become the clock's:
        // the freshness of every record is judged against it.
        (
            validate::TODAY_ENV,
            crate::config::today_problem,
            "a date that exists, as YYYY-MM-DD (2026-01-31)",
        ),
    ]
    .into_iter()
    .filter_map(|(name, problem, wanted)| {
        let value = env(name)?;
        let value = value.trim();
        problem(value).map(|p| {
            Diagnostic::error(format!("${name}"), p)
                .at(value, 0..value.len())
                .hint(format!("set {name} to {wanted}, or unset it"))
        })
    })
    .collect();
    if !env_problems.is_empty() {
        let mut all = Diagnostics::default();
        all.extend(env_problems);
        return Err(fail(all));
    }
    config.apply_env(|k| std::env::var(k).ok());
    if let Some(url) = &opts.base_url {
        check_base_url_argument(url).map_err(|d| {
            let mut all = Diagnostics::default();
            all.push(d);
            fail(all)
        })?;
        config.base_url = url.clone();
    }
    // After the final base URL: `OPORA_CMS=local` counts only for a local preview.
    let local = config.base_is_local();
    config.editors.apply_env(local, |k| std::env::var(k).ok());
    let data = load::load_data(&opts.root, &mut diags);
    let abbr = load::abbreviations(&data.glossary);
    let mut content = match reuse.records {
        Some(store_file) => load::load_content_stored(&opts.root, &abbr, &mut diags, store_file),
        None => load::load_content_cached(&opts.root, &abbr, &mut diags, reuse.load),
    };
    report.timings.push(("load", t.elapsed()));

    let t = Instant::now();
    let today = validate::today(&config);
    diags.merge(validate::validate_with(
        &config,
        &data,
        &content,
        today,
        reuse.checks,
    ));
    diags.extend(editors_problems(&opts.root, &config));
    // Where a broken link is blamed: the files that hold links, kept whole.
    let link_places = linkcheck::LinkPlaces::from_content(&content);
    content.release_front_matter();
    report.timings.push(("validate", t.elapsed()));

    let t = Instant::now();
    let static_dir = opts.root.join("static");
    let versions = asset_versions(&static_dir);
    let env = render::environment(&opts.root.join("templates"), versions.clone());
    diags.extend(render::check_templates(&env));
    let (copy, problems) = render::copy::load(&opts.root);
    diags.extend(problems);
    let (copy_env, problems) = render::copy::environment(&copy);
    diags.extend(problems);
    diags.extend(render::copy::check_keys(
        &copy_env,
        render::pages::copy_keys(),
    ));
    if diags.is_fatal(opts.strict) {
        return Err(fail(diags));
    }
    report.timings.push(("templates", t.elapsed()));
    let t = Instant::now();
    let mut history = crate::history::History::load(&opts.root);
    history.know_modified(std::mem::take(&mut content.modified));
    let mut site = Site::resolve(config, &data, &content, today, history);
    site.copy = copy;
    // What /open-data/ says about the HSDS files (src/hsds/page.rs).
    site.store.insert(
        crate::hsds::page::STORE_KEY,
        crate::hsds::page::view(&data, &site.config),
    );
    let (admin, problems) = crate::cms::admin_files(&site, &data, &opts.root);
    diags.extend(problems);
    let own = render::pages::own_pages(&site);
    if let Some(file) = &data.moved_file {
        site.moved = crate::moved::pages_for(&site, &own, &admin, &data.moved, file, &mut diags);
    }
    // Two pages at one address: nothing is written, not even a check's
    // pages, since one of them would silently be lost.
    let clashes = render::pages::path_clashes(&site, &env, own, &admin);
    if !clashes.is_empty() {
        diags.extend(clashes);
        return Err(fail(diags));
    }
    report.timings.push(("resolve", t.elapsed()));
    diags.sort();
    Ok(Prepared {
        site,
        env,
        diagnostics: diags,
        link_places,
        data,
        content,
        admin,
        asset_versions: versions,
    })
}

fn search_failed(e: crate::search::SearchError) -> Diagnostic {
    Diagnostic::error("search", e.to_string())
        .hint("the search index could not be built; check free disk space")
}

/// Indexes the site's search documents in memory, each made from the site
/// as it is indexed (so they are not all held beside the data files being
/// written); `index_dir` will hold the native index ([`export_search`]).
fn index_search(
    site: &Site,
    index_dir: &Path,
    memo: Option<&Path>,
) -> Result<crate::search::Indexed, Diagnostic> {
    crate::search::index_docs(
        &mut |add| crate::search::docs::each(site, &mut |doc| add(&doc)),
        index_dir,
        memo,
    )
    .map_err(search_failed)
}

/// The search index, made on a thread of its own beside the open data and
/// then the pages, none of which needs it: only the search export does,
/// which waits for it. (Made before the pages, it left a core idle once
/// the open data was done: ~0.2 s of a one-file rebuild at 50,000
/// services.) However the build ends, the thread is waited for: dropped
/// unawaited, this waits, so the index never outlives the build.
struct IndexAside {
    thread: Option<std::thread::JoinHandle<Result<crate::search::Indexed, Diagnostic>>>,
}

impl IndexAside {
    fn start(site: &Arc<Site>, index_dir: &Path, memo: Option<PathBuf>) -> IndexAside {
        let (site, dir) = (Arc::clone(site), index_dir.to_path_buf());
        IndexAside {
            thread: Some(std::thread::spawn(move || {
                index_search(&site, &dir, memo.as_deref())
            })),
        }
    }

    /// The index, once it is made.
    fn wait(mut self) -> Result<crate::search::Indexed, Diagnostic> {
        match self.thread.take().map(std::thread::JoinHandle::join) {
            Some(Ok(indexed)) => indexed,
            Some(Err(panic)) => std::panic::resume_unwind(panic),
            None => Err(search_failed(crate::search::SearchError(
                "internal error: the search index was awaited twice".into(),
            ))),
        }
    }
}

impl Drop for IndexAside {
    fn drop(&mut self) {
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Exports the index [`index_search`] made — the documents are made again,
/// in the same order, now that the parsed records are gone —, writes the
/// export's files into the site (`files`) and saves them for `opora search`
/// into `index_dir`, or into the folder `shared` by all the indexes kept —
/// as hard links to the staged files where it can, so they are written
/// once — then drops them; returns the manifest's path and the stages'
/// timings.
fn export_search<L: Learn>(
    site: &Site,
    indexed: crate::search::Indexed,
    (index_dir, shared): (&Path, Option<&Path>),
    pruner: Option<&crate::output::SearchFilesPruner>,
    files: &mut SiteFiles<'_, L>,
) -> Result<Result<SearchWritten, std::io::Error>, Diagnostic> {
    let docs = crate::search::docs::from_site(site);
    let vocabulary = crate::search::docs::vocabulary(site);
    let (exported, search_report) =
        crate::search::export_index(indexed, &docs, &vocabulary).map_err(search_failed)?;
    drop(docs);
    let t = Instant::now();
    if let Err(e) = files.files_on_every_core(&exported.files) {
        return Ok(Err(e));
    }
    let staging = files.staging;
    let link = |rel: &str, to: &Path| staging.is_some_and(|st| st.link(rel, to).is_ok());
    crate::search::index::save_export(index_dir, &exported, shared, &link)
        .map_err(search_failed)?;
    // The shared folder now holds this export: what no kept site names
    // goes, here beside the pages rather than after the swap.
    let pruned = pruner
        .filter(|_| shared.is_some())
        .map(|pruner| pruner.prune(exported.files.iter().map(|(name, _)| name.as_str())));
    let timings = [
        ("index", search_report.index_time),
        ("export", search_report.export_time + t.elapsed()),
    ];
    Ok(Ok(SearchWritten {
        manifest: exported.manifest,
        timings,
        pruned,
    }))
}

/// The search export, written: its manifest's site path, how long the
/// index and the export took, and the shared search files cleared for it.
struct SearchWritten {
    manifest: String,
    timings: [(&'static str, Duration); 2],
    pruned: Option<crate::output::PrunedSearchFiles>,
}

/// Pages rendered at once: enough to keep both cores busy, few enough that
/// the rendered bytes held at any moment stay small at any size of site.
const PAGES_PER_BATCH: usize = 512;

/// What a page leaves behind once it is written: what the sitemap and the
/// blame for a broken link need.
struct Written {
    path: String,
    lastmod: Option<String>,
    source: Option<String>,
    /// The page's links and ids, as the next build recalls them.
    memo: Vec<u8>,
}

/// Where the site's files go as they are made: into the staging folder when
/// building, nowhere when checking. Either way the link check learns each
/// path, and reads the links of each HTML file (the editing interface's
/// pages are among the data files) — at once, or later for files made on
/// another thread (`Learn`).
struct SiteFiles<'a, L: Learn> {
    staging: Option<&'a crate::output::Staging>,
    links: L,
    base: &'a str,
    count: usize,
    bytes: u64,
}

/// What the link check is told of each file as it is made.
trait Learn {
    /// A file that is not a page.
    fn file(&mut self, path: &str);
    /// A page and its links.
    fn add(&mut self, page: linkcheck::PageLinks);
}

impl Learn for linkcheck::LinkCheck {
    fn file(&mut self, path: &str) {
        linkcheck::LinkCheck::file(self, path);
    }
    fn add(&mut self, page: linkcheck::PageLinks) {
        linkcheck::LinkCheck::add(self, page);
    }
}

/// A file noted for the check to learn later.
enum Learned {
    File(String),
    Page(linkcheck::PageLinks),
}

/// Files noted in the order they were made, for the check to learn later,
/// in that order: the data files, made beside the search index.
impl Learn for Vec<Learned> {
    fn file(&mut self, path: &str) {
        self.push(Learned::File(path.to_string()));
    }
    fn add(&mut self, page: linkcheck::PageLinks) {
        self.push(Learned::Page(page));
    }
}

impl SiteFiles<'_, linkcheck::LinkCheck> {
    /// Takes in the files `other` made on another thread: the link check
    /// learns them now, in the order they were made.
    fn absorb(&mut self, other: SiteFiles<'_, Vec<Learned>>) {
        for learned in other.links {
            match learned {
                Learned::File(path) => self.links.file(path),
                Learned::Page(page) => self.links.add(page),
            }
        }
        self.count += other.count;
        self.bytes += other.bytes;
    }
}

impl<L: Learn> SiteFiles<'_, L> {
    /// Many small files at once (the search export's thousands): pages go
    /// through [`crate::output::Sink::file`], the check learns the others'
    /// paths in order, and those are written on every core.
    fn files_on_every_core(&mut self, files: &[OutputFile]) -> std::io::Result<()> {
        use crate::output::Sink;
        use rayon::prelude::*;
        let (pages, others): (Vec<&OutputFile>, Vec<&OutputFile>) =
            files.iter().partition(|(path, _)| path.ends_with(".html"));
        for (path, bytes) in pages {
            self.file(path, bytes)?;
        }
        for (path, bytes) in &others {
            self.links.file(path);
            self.count += 1;
            self.bytes += bytes.len() as u64;
        }
        match self.staging {
            Some(st) => others
                .par_iter()
                .try_for_each(|(path, bytes)| st.write(path, bytes)),
            None => Ok(()),
        }
    }
}

impl<L: Learn> crate::output::Sink for SiteFiles<'_, L> {
    fn file(&mut self, path: &str, bytes: &[u8]) -> std::io::Result<()> {
        // Only pages carry links; the large exports (search shards, feeds)
        // are not even decoded.
        let html = Some(bytes)
            .filter(|_| path.ends_with(".html"))
            .and_then(|b| std::str::from_utf8(b).ok());
        match html {
            // Written before the pages, when the check knows few files yet.
            Some(html) => self.links.add(linkcheck::PageLinks::read(
                path,
                html,
                self.base,
                &linkcheck::KnownFiles::default(),
                None,
            )),
            None => self.links.file(path),
        }
        if let Some(st) = self.staging {
            st.write(path, bytes)?;
        }
        self.count += 1;
        self.bytes += bytes.len() as u64;
        Ok(())
    }

    fn stream(&mut self, path: &str, fill: crate::output::sink::Fill<'_>) -> std::io::Result<()> {
        if path.ends_with(".html") {
            // A page is read for its links, so it is made whole.
            let mut page = std::io::Cursor::new(Vec::new());
            fill(&mut page)?;
            return self.file(path, page.get_ref());
        }
        self.links.file(path);
        // Checking needs only the path: the bytes are not even made.
        if let Some(st) = self.staging {
            self.bytes += st.stream(path, fill)?;
        }
        self.count += 1;
        Ok(())
    }

    fn keyed(
        &mut self,
        path: &str,
        key: u128,
        fill: crate::output::sink::Fill<'_>,
    ) -> std::io::Result<()> {
        if path.ends_with(".html") {
            return self.stream(path, fill);
        }
        self.links.file(path);
        if let Some(st) = self.staging {
            self.bytes += match st.keep(path, key) {
                Some(size) => size,
                None => st.stream_keyed(path, key, fill)?,
            };
        }
        self.count += 1;
        Ok(())
    }

    fn pieces(
        &mut self,
        path: &str,
        key: u128,
        fill: crate::output::sink::PieceFill<'_>,
    ) -> std::io::Result<()> {
        self.links.file(path);
        if let Some(st) = self.staging {
            self.bytes += st.pieces(path, key, fill)?;
        }
        self.count += 1;
        Ok(())
    }
}

/// Everything `check` and `build` share: load, validate, resolve, search, and
/// every file of the site made and its links checked. Each file is written
/// into `staging` (when building) as soon as it is made and then dropped —
/// the search export, the data files (streamed), then the pages in batches —
/// so memory does not grow with the size of the written site. Returns the site.
fn render_streamed(
    opts: &Options,
    report: &mut Report,
    search_index: Option<&Path>,
    mut output: Option<&mut Output>,
    checks: Option<&mut validate::Memo>,
    records: Option<&mut crate::content::record_store::StoreFile>,
) -> Result<(Arc<Site>, Option<crate::output::Staging>), Failed> {
    use crate::output::Sink;
    let static_dir = opts.root.join("static");
    // The recycled site is made ready (walked, every folder of it) on a
    // thread of its own while the content is loaded and checked: it does
    // not depend on the content, and the checks leave a core idle.
    let (prepared, staged) = std::thread::scope(|scope| {
        let staging = output.as_deref_mut().map(|out| {
            scope.spawn(|| {
                // The program's identity (a hash of its ~100 MB file) keys what
                // the build keeps; made here, it is ready when validation asks.
                crate::render::fingerprint::program_identity();
                let t = Instant::now();
                let staged = out.stage(&static_dir);
                let time = t.elapsed();
                // The links the recycled site's pages were noted with, read
                // here too: the pages need them, and validation leaves this
                // core idle.
                let links = staged
                    .as_ref()
                    .ok()
                    .map(|st| linkcheck::LinkTable::decode(st.site_memo()).unwrap_or_default());
                (staged, links, time)
            })
        });
        let reuse = Reuse {
            load: None,
            checks,
            records,
        };
        let prepared = prepare(opts, reuse, report);
        let staged = staging.map(|thread| {
            thread
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        });
        (prepared, staged)
    });
    // Where the native index's files go, shared with earlier indexes
    // (after the recycled site, which is the first to be moved aside when
    // another user's).
    let shared_search_files = output.as_deref_mut().and_then(Output::search_files_dir);
    // What the last build's search index held, document by document.
    let postings_memo = output.as_deref().map(Output::search_postings);
    let Prepared {
        site,
        env,
        diagnostics: mut diags,
        link_places,
        data,
        content,
        admin,
        asset_versions,
    } = match prepared {
        Ok(prepared) => prepared,
        Err(failed) => {
            // Nothing was written: the folder goes back with its record.
            if let (Some(out), Some((Ok(staging), _, _))) = (output, staged) {
                out.discard(staging);
            }
            return Err(failed);
        }
    };
    // Shared with the thread that indexes the site ([`IndexAside`]).
    let site = Arc::new(site);
    let fail = |mut diagnostics: Diagnostics| {
        diagnostics.sort();
        Failed { diagnostics }
    };
    let (staging, link_table) = match staged {
        Some((staging, links, time)) => {
            report.timings.push(("stage", time));
            let staging = staging.map_err(|e| {
                diags.push(output_error(&e));
                fail(diags.clone())
            })?;
            (Some(staging), links)
        }
        None => (None, None),
    };
    let write_failed = |output: Option<&mut Output>,
                        staging: Option<crate::output::Staging>,
                        e: std::io::Error,
                        diags: &Diagnostics| {
        let mut diagnostics = diags.clone();
        if let (Some(out), Some(st)) = (output, staging) {
            diagnostics.push(output_error(&out.abandon(st, &e)));
        }
        fail(diagnostics)
    };
    // Links may lead to static files and to any file the build writes, text
    // or not (the search manifest and wasm module, the HSDS zip): the check
    // learns each as it is written.
    let mut links = linkcheck::LinkCheck::new(&site.base);
    for path in static_files(&static_dir) {
        links.file(path);
    }
    let mut files = SiteFiles {
        staging: staging.as_ref(),
        links,
        base: &site.base,
        count: 0,
        bytes: 0,
    };

    // The open data is made on a thread of its own while this one makes the
    // files made from the views alone (feeds, GeoJSON, near-me shards) and
    // then starts indexing the search documents on a third ([`IndexAside`]),
    // which goes on while the pages are made. The HSDS export is the last
    // reader of the parsed records, which its thread drops when it is done;
    // the pages, and the search export, whose peak is the highest of the
    // search stages, wait for that, so they never meet the records in
    // memory. The files each part made are told to the link check
    // afterwards, in the order they always had.
    let searching = search_index.filter(|_| !site.config.search.disabled);
    let made_files = || SiteFiles {
        staging: staging.as_ref(),
        links: Vec::new(),
        base: &site.base,
        count: 0,
        bytes: 0,
    };
    let mut indexing = None;
    let (open_data, views) = std::thread::scope(|scope| {
        let open_data_thread = scope.spawn(|| {
            let t = Instant::now();
            let mut open_data = made_files();
            let written = write_open_data(&site, &data, &content, admin, &mut open_data);
            free_records((data, content));
            (written.map(|()| open_data), t.elapsed())
        });
        // The view files first: their memory is let go before the index grows.
        let t = Instant::now();
        let mut views = made_files();
        let views = write_view_files(&site, &mut views).map(|()| views);
        let views = (views, t.elapsed());
        indexing = searching.map(|dir| (dir, IndexAside::start(&site, dir, postings_memo)));
        let open_data = open_data_thread
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (open_data, views)
    });
    let mut failure = None;
    for (stage, (made, time)) in [("geo", views), ("data", open_data)] {
        report.timings.push((stage, time));
        match made {
            Ok(made) => files.absorb(made),
            Err(e) => {
                failure.get_or_insert(e);
            }
        }
    }
    if let Some(e) = failure {
        return Err(write_failed(output, staging, e, &diags));
    }

    let t = Instant::now();
    // Only the search page names the content-hashed search manifest (every
    // other page's search box names it by a fixed address), so the export is
    // made on a thread of its own while the other pages are rendered, and
    // the search page after it: the index leaves a core idle much of the
    // time, and the pages use it.
    let pages = match indexing {
        Some(_) => render::pages::Pages::awaiting_search_manifest(&site, &env),
        None => render::pages::Pages::new(&site, None, &env),
    };
    let list = pages.list(&site);
    // Every page is known before any is rendered, so a link to a later page
    // needs no waiting.
    for (path, _) in &list {
        files.links.file(path.as_str());
    }
    // Every page and every file written so far: the threads that read the
    // pages drop the links into these themselves (all but the sitemap). A
    // link into the search export, not written yet, waits for it.
    let known = files.links.freeze();
    report.timings.push(("contexts", t.elapsed()));

    let t = Instant::now();
    // Pages the recycled site already holds, rendered from the same inputs,
    // are kept rather than rendered again (src/render/fingerprint.rs).
    let site_fingerprint = staging.as_ref().map(|_| {
        render::fingerprint::Fingerprint::site(
            &opts.root.join("templates"),
            &asset_versions,
            &[pages.shared()],
        )
    });
    // Every distinct link of the site, numbered: the pages' memos, kept
    // with their fingerprints, name links by these numbers, so a kept page's
    // links are checked without reading it (src/linkcheck/memo.rs).
    let maker = PageMaker {
        env: &env,
        site: &site,
        pages: &pages,
        staging: staging.as_ref(),
        site_fingerprint,
        link_table: link_table.as_ref(),
        known: &known,
    };
    let search_page = indexing
        .as_ref()
        .and_then(|_| list.iter().position(|(_, kind)| *kind == Kind::Search));
    let mut written = Vec::with_capacity(list.len());
    let pruner = output.as_deref().map(Output::search_files_pruner);
    let (made, exported) = std::thread::scope(|scope| {
        let export = indexing.map(|(dir, indexing)| {
            let (site, made_files, pruner) = (&site, &made_files, pruner.as_ref());
            scope.spawn(move || {
                let mut made = made_files();
                let exported = indexing.wait().and_then(|indexed| {
                    let dirs = (dir, shared_search_files.as_deref());
                    export_search(site, indexed, dirs, pruner, &mut made)
                });
                (exported, made)
            })
        });
        let made = make_pages(&maker, &list, search_page, &mut files, &mut written, report);
        let exported = export.map(|thread| {
            thread
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        });
        (made, exported)
    });
    // A failed export stops the build first, as it did when it came first.
    let manifest = match exported {
        Some((Ok(Ok(written)), made)) => {
            files.absorb(made);
            report.timings.extend(written.timings);
            if let (Some(out), Some(pruned)) = (output.as_deref_mut(), written.pruned) {
                out.search_files_pruned(pruned);
            }
            Some(written.manifest)
        }
        Some((Ok(Err(e)), _)) => return Err(write_failed(output, staging, e, &diags)),
        Some((Err(d), _)) => {
            // The pages written beside it are kept for the next build.
            diags.push(d);
            if let (Some(out), Some(st)) = (output, staging) {
                out.discard(st);
            }
            return Err(fail(diags));
        }
        None => None,
    };
    // Then the search page, in its place, now that its manifest is named.
    let made = made.and_then(|()| match (search_page, &manifest) {
        (Some(at), Some(manifest)) => {
            pages.name_search_manifest(manifest);
            let mut search = Vec::with_capacity(1);
            make_pages(
                &maker,
                &list[at..=at],
                None,
                &mut files,
                &mut search,
                report,
            )?;
            written.splice(at..at, search);
            Ok(())
        }
        _ => Ok(()),
    });
    match made {
        Ok(()) => {}
        Err(PagesStopped::Write(e)) => return Err(write_failed(output, staging, e, &diags)),
        Err(PagesStopped::Templates(errors)) => {
            diags.extend(errors);
            if let (Some(out), Some(st)) = (output, staging) {
                out.discard(st);
            }
            return Err(fail(diags));
        }
    }
    report.pages = list.len();
    drop(list);
    drop(pages);
    if let (Some(st), Some(table)) = (&staging, &link_table) {
        let site = table.compact(written.iter_mut().map(|w| &mut w.memo));
        let pages = written
            .iter_mut()
            .map(|w| (w.path.clone(), std::mem::take(&mut w.memo)))
            .collect();
        st.note_memos(crate::output::Memos { site, pages });
    }
    report.timings.push(("pages", t.elapsed()));

    let t = Instant::now();
    // A sitemap lists absolute URLs: only for a site published somewhere real.
    if !site.config.base_is_local() {
        // A moved address is not a page of its own: the new one is listed.
        let moved: HashSet<String> = site
            .moved
            .iter()
            .map(|m| crate::collections::path_of(&m.from))
            .collect();
        let entries = written
            .iter()
            .filter(|w| !moved.contains(&w.path))
            .map(|w| (w.path.as_str(), w.lastmod.as_deref()));
        for (path, bytes) in
            render::sitemap::files(&site.config, entries, render::sitemap::URLS_PER_FILE)
        {
            if let Err(e) = files.file(&path, &bytes) {
                return Err(write_failed(output, staging, e, &diags));
            }
        }
    }
    report.files = report.pages + files.count;
    report.bytes += files.bytes;
    // Internal links and anchors — the same check for `check` and `build` —
    // each broken one blamed on the content line that holds it, or on the
    // page when a template made it.
    let sources: HashMap<&str, &str> = written
        .iter()
        .filter_map(|w| Some((w.path.as_str(), w.source.as_deref()?)))
        .collect();
    for broken in files.links.finish() {
        let source = sources
            .get(broken.page.as_str())
            .and_then(|file| link_places.get(file));
        diags.push(linkcheck::blame(&broken, source, &site.base));
    }
    report.timings.push(("links", t.elapsed()));
    diags.sort();
    report.diagnostics = diags;
    Ok((site, staging))
}

/// What rendering, keeping and writing a page takes.
struct PageMaker<'a> {
    env: &'a minijinja::Environment<'static>,
    site: &'a Site,
    pages: &'a render::pages::Pages,
    staging: Option<&'a crate::output::Staging>,
    site_fingerprint: Option<u128>,
    link_table: Option<&'a linkcheck::LinkTable>,
    known: &'a linkcheck::KnownFiles,
}

impl PageMaker<'_> {
    /// Makes the page of `kind`: kept from the recycled site, or rendered
    /// (and written, when building).
    fn make(&self, kind: Kind) -> Result<MadePage, PageFailure> {
        let job = self.pages.render_job(self.site, kind);
        let (links, bytes, kept) = match (self.staging, self.site_fingerprint, self.link_table) {
            (Some(st), Some(site_fp), Some(table)) => {
                self.keep_or_write(&job, job.fingerprint(site_fp), st, table)?
            }
            _ => {
                let (_, html) = render::render_one(self.env, self.pages, &job)
                    .map_err(PageFailure::Template)?;
                let links =
                    linkcheck::PageLinks::read(&job.path, &html, &self.site.base, self.known, None);
                (links, html.len() as u64, false)
            }
        };
        let page = Written {
            path: job.path,
            lastmod: job.lastmod,
            source: job.source,
            memo: Vec::new(),
        };
        Ok(MadePage {
            page,
            links,
            bytes,
            kept,
        })
    }

    /// Keeps the recycled site's file of this page if it was rendered from
    /// the same fingerprint — its links then come from the memo noted with
    /// it, or, without one, from the file — or renders and writes it.
    /// Returns the page's links, its size, and whether it was kept.
    fn keep_or_write(
        &self,
        job: &render::PageJob<'_>,
        fingerprint: u128,
        staging: &crate::output::Staging,
        table: &linkcheck::LinkTable,
    ) -> Result<(linkcheck::PageLinks, u64, bool), PageFailure> {
        let (base, known) = (self.site.base.as_str(), self.known);
        if let Some((size, memo)) = staging.reuse(&job.path, fingerprint) {
            let recalled = linkcheck::LinkMemo::decode(memo)
                .and_then(|memo| linkcheck::PageLinks::recall(&job.path, &memo, table, known));
            if let Some(links) = recalled {
                return Ok((links, size, true));
            }
            let bytes = staging.read(&job.path).map_err(PageFailure::Write)?;
            // Pages are written as UTF-8; anything else was not written by us.
            if let Ok(html) = String::from_utf8(bytes) {
                let links = linkcheck::PageLinks::read(&job.path, &html, base, known, Some(table));
                return Ok((links, size, true));
            }
        }
        let (path, html) =
            render::render_one(self.env, self.pages, job).map_err(PageFailure::Template)?;
        staging
            .write_page(&path, html.as_bytes(), fingerprint)
            .map_err(PageFailure::Write)?;
        let links = linkcheck::PageLinks::read(&path, &html, base, known, Some(table));
        Ok((links, html.len() as u64, false))
    }
}

/// Why the pages stopped being made.
enum PagesStopped {
    Write(std::io::Error),
    Templates(Vec<Diagnostic>),
}

/// Makes the pages of `list` but the one at `skip`, in batches on every
/// core, and takes in each batch in order: the link check learns its pages,
/// `written` gets them.
fn make_pages(
    maker: &PageMaker<'_>,
    list: &[(String, Kind)],
    skip: Option<usize>,
    files: &mut SiteFiles<'_, linkcheck::LinkCheck>,
    written: &mut Vec<Written>,
    report: &mut Report,
) -> Result<(), PagesStopped> {
    use rayon::prelude::*;
    let mut errors: Vec<Diagnostic> = Vec::new();
    for (number, batch) in list.chunks(PAGES_PER_BATCH).enumerate() {
        let first = number * PAGES_PER_BATCH;
        let results: Vec<Result<MadePage, PageFailure>> = batch
            .par_iter()
            .enumerate()
            .filter(|(i, _)| skip != Some(first + i))
            .map(|(_, (_, kind))| maker.make(*kind))
            .collect();
        for r in results {
            match r {
                Ok(mut made) => {
                    made.page.memo = made.links.take_memo();
                    files.links.add(made.links);
                    report.bytes += made.bytes;
                    report.kept += usize::from(made.kept);
                    written.push(made.page);
                }
                Err(PageFailure::Template(d)) => render::report_once(&mut errors, d),
                Err(PageFailure::Write(e)) => return Err(PagesStopped::Write(e)),
            }
        }
        // A card that failed left its lists without it: fail like a page.
        if let Some(d) = maker.pages.card_failure() {
            render::report_once(&mut errors, d.clone());
        }
        if !errors.is_empty() {
            return Err(PagesStopped::Templates(errors));
        }
    }
    Ok(())
}

/// A page made: rendered and written, or kept from the recycled site.
struct MadePage {
    page: Written,
    links: linkcheck::PageLinks,
    bytes: u64,
    kept: bool,
}

/// Why a page could not be made.
enum PageFailure {
    Template(Diagnostic),
    Write(std::io::Error),
}

/// Everything the build writes beside the pages (the sitemap aside, which
/// follows them), each file handed to `sink` as it is made: robots.txt,
/// feeds, open data, the editing interface.
/// The files made from the site's views alone, beside its pages.
fn write_view_files(site: &Site, sink: &mut dyn crate::output::Sink) -> std::io::Result<()> {
    sink.file("robots.txt", render::pages::robots(site).as_bytes())?;
    // Feeds, and whatever else collections publish beside their pages.
    for (path, bytes) in render::feeds::files(site) {
        sink.file(&path, &bytes)?;
    }
    // Open GeoJSON and near-me shards (src/geo).
    crate::geo::site::write_data_files(site, sink)
}

/// The open data made from the records themselves, and the editing interface.
fn write_open_data(
    site: &Site,
    data: &crate::content::Data,
    content: &crate::content::Content,
    admin: Vec<OutputFile>,
    sink: &mut dyn crate::output::Sink,
) -> std::io::Result<()> {
    // Open Referral HSDS: JSON and the tabular package (src/hsds).
    crate::hsds::write_files(&site.config, data, content, &site.history, sink)?;
    // The editing interface, when switched on (src/cms).
    for (path, bytes) in admin {
        sink.file(&path, &bytes)?;
    }
    Ok(())
}

/// Sites of up to this many services free their parsed records beside the
/// pages: freeing them took ~50 ms of a one-file rebuild's wall at 50,000
/// services, with a core idle. Larger sites free them before any page is
/// made, so the two never meet in memory (at a million services each is
/// gigabytes).
const FREE_RECORDS_ASIDE_UP_TO: usize = 200_000;

/// Lets the parsed records go once the open data is made from them: on a
/// thread of its own, not waited for, on sites small enough that the
/// memory may meet the pages'.
fn free_records(records: (crate::content::Data, crate::content::Content)) {
    if records.1.services.len() <= FREE_RECORDS_ASIDE_UP_TO {
        std::thread::spawn(move || drop(records));
    } else {
        drop(records);
    }
}

/// `opora check`: everything `build` does except writing.
pub fn check(opts: &Options) -> Result<(Report, Arc<Site>), Failed> {
    let mut report = Report::default();
    let (site, _) = render_streamed(opts, &mut report, None, None, None, None)?;
    Ok((report, site))
}

/// Site paths of the files `static/` contributes.
fn static_files(dir: &Path) -> Vec<String> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .filter_map(|e| crate::output::site_path(dir, e.path()).ok())
        .collect()
}

/// `opora build`: renders, then publishes through the output mechanism
/// (`crate::output`): the output is checked and locked first, the site is
/// written page by page into a staging folder beside it as it is rendered,
/// and swapped in, with its search index, in one step — only when the build
/// and its link checks succeed; otherwise the previous site stays.
pub fn build(opts: &Options) -> Result<Report, Failed> {
    let mut report = Report::default();
    let single = |d: Diagnostic| {
        let mut diagnostics = Diagnostics::default();
        diagnostics.push(d);
        Failed { diagnostics }
    };
    // No portal, no build: nothing is created beside a mistyped --root.
    load_config(&opts.root).map_err(|ds| {
        let mut diagnostics = Diagnostics::default();
        diagnostics.extend(ds);
        Failed { diagnostics }
    })?;
    let mut output =
        Output::claim(&opts.root, &opts.output).map_err(|e| single(output_error(&e)))?;
    let new_index = output
        .new_index_dir()
        .map_err(|e| single(output_error(&e)))?;
    let with_notes = |output: &Output, mut failed: Failed| {
        failed
            .diagnostics
            .extend(output.notes().iter().map(output_note));
        failed
    };
    // What the last build found in each record, so only changed records
    // are checked again; kept for the next build whatever this one's fate.
    let mut checks = output
        .recall_checks()
        .and_then(|bytes| validate::Memo::decode(&bytes))
        .unwrap_or_default();
    // What loading made of each record file, so only changed files are
    // parsed again; written beside the pages, waited for when dropped.
    let mut records = output.records();
    let rendered = render_streamed(
        opts,
        &mut report,
        Some(&new_index),
        Some(&mut output),
        Some(&mut checks),
        Some(&mut records),
    );
    output.keep_checks(&checks.encode());
    drop(checks);
    let (site, staging) = match rendered {
        // A site `check` refuses is not published; its folder is set aside
        // with its record, for the next build to recycle.
        Ok((_, staging)) if report.diagnostics.is_fatal(opts.strict) => {
            if let Some(staging) = staging {
                output.discard(staging);
            }
            let diagnostics = std::mem::take(&mut report.diagnostics);
            return Err(with_notes(&output, Failed { diagnostics }));
        }
        Ok((site, Some(staging))) => (site, staging),
        Ok((_, None)) => {
            return Err(single(Diagnostic::error(
                "build",
                "internal error: the site was rendered but not staged",
            )));
        }
        Err(failed) => return Err(with_notes(&output, failed)),
    };
    // The site's views are freed on a thread of their own while the folder
    // is finished and swapped in, which leaves a core idle: freed here, at
    // 50,000 services, they took ~60 ms of the wall (perf).
    std::thread::scope(|scope| {
        scope.spawn(move || drop(site));
        finish_and_publish(output, staging, &mut report, opts.strict, &with_notes)
    })?;
    Ok(report)
}

/// Completes the staged site and swaps it in as the output.
fn finish_and_publish(
    output: Output,
    staging: crate::output::Staging,
    report: &mut Report,
    strict: bool,
    with_notes: &dyn Fn(&Output, Failed) -> Failed,
) -> Result<(), Failed> {
    let t = Instant::now();
    let staged = match output.finish(staging) {
        Ok(staged) => staged,
        Err(e) => {
            let mut diagnostics = std::mem::take(&mut report.diagnostics);
            diagnostics.push(output_error(&e));
            return Err(with_notes(&output, Failed { diagnostics }));
        }
    };
    report.timings.push(("finish", t.elapsed()));
    // Under `--strict` a warning about `static/` refuses the site like any
    // other, and so before it is swapped in: the previous site stays.
    if strict && !staged.notes().is_empty() {
        let mut diagnostics = std::mem::take(&mut report.diagnostics);
        diagnostics.extend(staged.notes().iter().map(output_note));
        let failed = with_notes(&output, Failed { diagnostics });
        output.withhold(staged);
        return Err(failed);
    }
    let t = Instant::now();
    match output.publish_staged(staged) {
        Ok(published) => {
            report.files += published.static_files;
            report
                .diagnostics
                .extend(published.notes.iter().map(output_note));
        }
        Err(e) => {
            let mut diagnostics = report.diagnostics.clone();
            diagnostics.push(output_error(&e));
            return Err(Failed { diagnostics });
        }
    }
    report.timings.push(("publish", t.elapsed()));
    Ok(())
}

pub(crate) fn output_error(e: &OutputError) -> Diagnostic {
    Diagnostic::about(e.path.display().to_string(), &e.message).hint(&e.hint)
}

fn output_note(n: &Note) -> Diagnostic {
    let d = Diagnostic {
        severity: crate::diag::Severity::Warning,
        ..Diagnostic::about(n.path.display().to_string(), &n.message)
    };
    match &n.hint {
        Some(h) => d.hint(h),
        None => d,
    }
}

/// Short content hashes of static files, appended to their URLs as `?v=…` so
/// browsers can cache them for long and still see changes.
fn asset_versions(static_dir: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for entry in walkdir::WalkDir::new(static_dir)
        .sort_by_file_name()
        .into_iter()
        .flatten()
    {
        if entry.file_type().is_file()
            && let (Ok(bytes), Ok(key)) = (
                std::fs::read(entry.path()),
                crate::output::site_path(static_dir, entry.path()),
            )
        {
            out.insert(key, format!("{:08x}", fnv1a(&bytes) as u32));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::Sink;

    fn site_files<L: Learn>(links: L) -> SiteFiles<'static, L> {
        SiteFiles {
            staging: None,
            links,
            base: "/",
            count: 0,
            bytes: 0,
        }
    }

    /// The same files, as (path, bytes): a page with a broken link, a good
    /// link and an anchor into a later page; a data file; that later page.
    fn made(sink: &mut dyn Sink) {
        let page = r#"<a href="/nowhere/">x</a><a href="/data.json">d</a><a href="/b/#top">b</a>"#;
        sink.file("a/index.html", page.as_bytes()).unwrap();
        sink.file("data.json", b"{}").unwrap();
        sink.file(
            "b/index.html",
            br#"<h1 id="top">b</h1><a href="/b/#gone">g</a>"#,
        )
        .unwrap();
    }

    fn broken(links: linkcheck::LinkCheck) -> Vec<(String, String)> {
        links
            .finish()
            .into_iter()
            .map(|b| (b.page, b.href))
            .collect()
    }

    #[test]
    fn files_made_on_another_thread_are_checked_as_if_made_here() {
        let mut here = site_files(linkcheck::LinkCheck::new("/"));
        made(&mut here);
        let (count, bytes) = (here.count, here.bytes);
        assert_eq!(count, 3);
        let expected = broken(here.links);
        assert_eq!(
            expected,
            [
                ("b/index.html".to_string(), "/b/#gone".to_string()),
                ("a/index.html".to_string(), "/nowhere/".to_string()),
            ]
        );

        let mut later = site_files(Vec::new());
        made(&mut later);
        let mut site = site_files(linkcheck::LinkCheck::new("/"));
        site.absorb(later);
        assert_eq!((site.count, site.bytes), (count, bytes));
        assert_eq!(broken(site.links), expected);
    }
}
