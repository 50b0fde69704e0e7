//! The build pipeline, stage by stage: load → validate → resolve → render → write.
//! The CLI, the dev server and the tests all go through here.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::config::Config;
use crate::content::load;
use crate::content::source::{parse_toml, read_text};
use crate::diag::{Diagnostic, Diagnostics};
use crate::linkcheck;
use crate::output::{Note, Output, OutputError, OutputFile, fnv1a};
use crate::render;
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
    let env = render::environment(&root.join("templates"), Default::default());
    let jobs = render::pages::jobs(&site, None);
    let files = render::render_all(&env, &jobs).map_err(|errors| {
        let mut diagnostics = Diagnostics::default();
        diagnostics.extend(errors);
        Failed { diagnostics }
    })?;
    Ok((diags, files))
}

/// A site rendered in memory, not yet written.
pub struct Rendered {
    pub site: Site,
    pub files: Vec<OutputFile>,
    /// Output path → the record file it shows.
    pub sources: HashMap<String, String>,
    /// Where each record's links are written, to blame a broken one.
    pub link_places: linkcheck::LinkPlaces,
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
}

/// Load → validate → resolve. `cache` lets the dev server skip parsing files
/// that did not change.
pub fn prepare(
    opts: &Options,
    cache: Option<&mut load::LoadCache>,
    report: &mut Report,
) -> Result<Prepared, Failed> {
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
    let env_problems: Vec<Diagnostic> = [
        (
            "OPORA_BASE_URL",
            crate::config::base_url_problem as fn(&str) -> Option<String>,
        ),
        (
            "OPORA_EDIT_LINK_BASE",
            crate::config::edit_link_base_problem,
        ),
    ]
    .into_iter()
    .filter_map(|(name, problem)| {
        let value = env(name)?;
        let value = value.trim();
        problem(value).map(|p| {
            Diagnostic::error(format!("${name}"), p)
                .at(value, 0..value.len())
                .hint(format!("set {name} to an http(s):// address, or unset it"))
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
    let content = load::load_content_cached(&opts.root, &abbr, &mut diags, cache);
    report.timings.push(("load", t.elapsed()));

    let t = Instant::now();
    let today = validate::today(&config);
    diags.merge(validate::validate(&config, &data, &content, today));
    diags.extend(editors_problems(&opts.root, &config));
    report.timings.push(("validate", t.elapsed()));

    let t = Instant::now();
    let static_dir = opts.root.join("static");
    let env = render::environment(&opts.root.join("templates"), asset_versions(&static_dir));
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
    let history = crate::history::History::load(&opts.root);
    let mut site = Site::resolve(config, &data, &content, today, history);
    site.copy = copy;
    // What /open-data/ says about the HSDS files (src/hsds/page.rs).
    site.store
        .insert(crate::hsds::page::STORE_KEY, crate::hsds::page::view(&data));
    let (admin, problems) = crate::cms::admin_files(&site, &data, &opts.root);
    diags.extend(problems);
    report.timings.push(("resolve", t.elapsed()));
    diags.sort();
    Ok(Prepared {
        site,
        env,
        diagnostics: diags,
        link_places: linkcheck::LinkPlaces::from_content(&content),
        data,
        content,
        admin,
    })
}

/// Builds the tantivy index (into `index_dir`) and its static export.
fn build_search(
    site: &Site,
    index_dir: &Path,
    report: &mut Report,
) -> Result<crate::search::export::Exported, Diagnostic> {
    let fail = |e: crate::search::SearchError| {
        Diagnostic::error("search", e.to_string())
            .hint("the search index could not be built; check free disk space")
    };
    let docs = crate::search::docs::from_site(site);
    let vocabulary = crate::search::docs::vocabulary(site);
    let (exported, search_report) =
        crate::search::index_and_export(&docs, &vocabulary, index_dir).map_err(fail)?;
    report.timings.push(("index", search_report.index_time));
    report.timings.push(("export", search_report.export_time));
    Ok(exported)
}

/// `search_index`: where to write the native index; `None` skips search
/// (as `check` does: it has nothing to verify there).
pub fn render_site(
    opts: &Options,
    report: &mut Report,
    search_index: Option<&Path>,
) -> Result<Rendered, Failed> {
    let Prepared {
        site,
        env,
        diagnostics: mut diags,
        link_places,
        data,
        content,
        admin,
    } = prepare(opts, None, report)?;
    let search = match search_index.filter(|_| !site.config.search.disabled) {
        Some(dir) => match build_search(&site, dir, report) {
            Ok(e) => Some(e),
            Err(d) => {
                diags.push(d);
                diags.sort();
                return Err(Failed { diagnostics: diags });
            }
        },
        None => None,
    };
    let t = Instant::now();
    let jobs = render::pages::jobs(&site, search.as_ref().map(|e| e.manifest.as_str()));
    report.timings.push(("contexts", t.elapsed()));
    let fail = |mut diagnostics: Diagnostics| {
        diagnostics.sort();
        Failed { diagnostics }
    };
    let t = Instant::now();
    let mut files = match render::render_all(&env, &jobs) {
        Ok(f) => f,
        Err(errors) => {
            diags.extend(errors);
            return Err(fail(diags));
        }
    };
    // A sitemap lists absolute URLs: only for a site published somewhere real.
    if !site.config.base_is_local() {
        files.push((
            "sitemap.xml".into(),
            render::pages::sitemap(&site, &jobs).into_bytes(),
        ));
    }
    files.push((
        "robots.txt".into(),
        render::pages::robots(&site).into_bytes(),
    ));
    if let Some(search) = search {
        files.extend(search.files);
    }
    // Feeds, and whatever else collections publish beside their pages.
    files.extend(render::feeds::files(&site));
    // Open GeoJSON and near-me shards (src/geo).
    files.extend(crate::geo::site::data_files(&site));
    // Open Referral HSDS: JSON and the tabular package (src/hsds).
    files.extend(crate::hsds::files(
        &site.config,
        &data,
        &content,
        &site.history,
    ));
    // The editing interface, when switched on (src/cms).
    files.extend(admin);
    report.pages = jobs.len();
    report.timings.push(("render", t.elapsed()));
    diags.sort();
    report.diagnostics = diags;
    let sources = jobs
        .into_iter()
        .filter_map(|j| Some((j.path, j.source?)))
        .collect();
    Ok(Rendered {
        site,
        files,
        sources,
        link_places,
    })
}

/// `opora check`: everything `build` does except writing.
pub fn check(opts: &Options) -> Result<(Report, Site), Failed> {
    let mut report = Report::default();
    let rendered = render_site(opts, &mut report, None)?;
    check_links(opts, &rendered, &mut report);
    Ok((report, rendered.site))
}

/// Internal links and anchors of the rendered site — the same check for
/// `check` and `build` — each broken one blamed on the content line that
/// holds it, or on the page when a template made it.
fn check_links(opts: &Options, rendered: &Rendered, report: &mut Report) {
    let t = Instant::now();
    let pages: Vec<linkcheck::Page> = rendered
        .files
        .iter()
        .filter_map(|(path, bytes)| {
            Some(linkcheck::Page {
                path,
                html: std::str::from_utf8(bytes).ok()?,
            })
        })
        .collect();
    // Links may lead to static files and to any file the build writes, text
    // or not (the search manifest and wasm module, the HSDS zip).
    let mut other_files = static_files(&opts.root.join("static"));
    other_files.extend(rendered.files.iter().map(|(path, _)| path.clone()));
    let base = rendered.site.base.clone();
    for broken in linkcheck::check(&pages, &other_files, &base) {
        let source = rendered
            .sources
            .get(&broken.page)
            .and_then(|file| rendered.link_places.get(file));
        report
            .diagnostics
            .push(linkcheck::blame(&broken, source, &base));
    }
    report.diagnostics.sort();
    report.timings.push(("links", t.elapsed()));
}

/// Site paths of the files `static/` contributes.
fn static_files(dir: &Path) -> Vec<String> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .filter_map(|e| {
            Some(
                e.path()
                    .strip_prefix(dir)
                    .ok()?
                    .to_string_lossy()
                    .replace('\\', "/"),
            )
        })
        .collect()
}

/// `opora build`: renders, then publishes through the output mechanism
/// (`crate::output`): the output is checked and locked first, the site is
/// staged beside it and swapped in, with its search index, in one step.
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
    let files = match render_site(opts, &mut report, Some(&new_index)) {
        Ok(r) => {
            // The same link checks as `check`: a site `check` refuses is not published.
            check_links(opts, &r, &mut report);
            if report.diagnostics.is_fatal(opts.strict) {
                let mut diagnostics = std::mem::take(&mut report.diagnostics);
                diagnostics.extend(output.notes().iter().map(output_note));
                return Err(Failed { diagnostics });
            }
            r.files
        }
        Err(mut failed) => {
            failed
                .diagnostics
                .extend(output.notes().iter().map(output_note));
            return Err(failed);
        }
    };
    let t = Instant::now();
    report.bytes = files.iter().map(|(_, b)| b.len() as u64).sum();
    match output.publish(&opts.root.join("static"), &files) {
        Ok(published) => {
            report.files = published.static_files + files.len();
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
    report.timings.push(("write", t.elapsed()));
    Ok(report)
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
            && let (Ok(bytes), Ok(rel)) = (
                std::fs::read(entry.path()),
                entry.path().strip_prefix(static_dir),
            )
        {
            let key = rel.to_string_lossy().replace('\\', "/");
            out.insert(key, format!("{:08x}", fnv1a(&bytes) as u32));
        }
    }
    out
}
