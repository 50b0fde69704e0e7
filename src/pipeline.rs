//! The build pipeline, stage by stage: load → validate → resolve → render → write.
//! The CLI, the dev server and the tests all go through here.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::config::Config;
use crate::content::load;
use crate::content::source::{parse_toml, read_text};
use crate::diag::{Diagnostic, Diagnostics};
use crate::output::{OutputFile, Staging, fnv1a};
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

pub fn load_config(root: &Path) -> Result<Config, Diagnostic> {
    let path = root.join("opora.toml");
    if !path.exists() {
        return Err(
            Diagnostic::error("opora.toml", "no opora.toml here").hint(format!(
                "run opora in the portal's root folder (looked in {}), or pass --root DIR",
                root.display()
            )),
        );
    }
    let file = read_text(root, &path)?;
    let len = file.text.len();
    parse_toml::<Config>(&file, (0, len))
}

/// Everything up to rendered files in memory: shared by `check` and `build`.
pub fn render_site(opts: &Options, report: &mut Report) -> Result<(Site, Vec<OutputFile>), Failed> {
    let mut diags = Diagnostics::default();
    let fail = |mut diagnostics: Diagnostics| {
        diagnostics.sort();
        Failed { diagnostics }
    };
    let t = Instant::now();
    let mut config = load_config(&opts.root).map_err(|d| {
        let mut ds = Diagnostics::default();
        ds.push(d);
        fail(ds)
    })?;
    if let Some(url) = &opts.base_url {
        config.base_url = url.clone();
    }
    let data = load::load_data(&opts.root, &mut diags);
    let abbr = load::abbreviations(&data.glossary);
    let content = load::load_content(&opts.root, &abbr, &mut diags);
    report.timings.push(("load", t.elapsed()));

    let t = Instant::now();
    let today = validate::today(&config);
    diags.extend(validate::validate(&config, &data, &content, today));
    report.timings.push(("validate", t.elapsed()));

    let t = Instant::now();
    let static_dir = opts.root.join("static");
    let env = render::environment(&opts.root.join("templates"), asset_versions(&static_dir));
    diags.extend(render::check_templates(&env));
    if diags.is_fatal(opts.strict) {
        return Err(fail(diags));
    }
    let history = crate::history::History::load(&opts.root);
    let site = Site::resolve(config, &data, &content, today, history);
    report.timings.push(("resolve", t.elapsed()));

    let t = Instant::now();
    let jobs = render::pages::jobs(&site);
    let mut files = match render::render_all(&env, &jobs) {
        Ok(f) => f,
        Err(errors) => {
            diags.extend(errors);
            return Err(fail(diags));
        }
    };
    files.push((
        "sitemap.xml".into(),
        render::pages::sitemap(&site, &jobs).into_bytes(),
    ));
    files.push((
        "robots.txt".into(),
        render::pages::robots(&site).into_bytes(),
    ));
    report.pages = jobs.len();
    report.timings.push(("render", t.elapsed()));
    diags.sort();
    report.diagnostics = diags;
    Ok((site, files))
}

/// `opora check`: everything `build` does except writing.
pub fn check(opts: &Options) -> Result<Report, Failed> {
    let mut report = Report::default();
    render_site(opts, &mut report)?;
    Ok(report)
}

/// `opora build`: renders, then writes through a staging directory.
pub fn build(opts: &Options) -> Result<Report, Failed> {
    let mut report = Report::default();
    let io_fail = |diags: &Diagnostics, what: &str, e: std::io::Error| {
        let mut ds = diags.clone();
        ds.push(
            Diagnostic::error(opts.output.display().to_string(), format!("{what}: {e}"))
                .hint("check the output folder's permissions and free disk space"),
        );
        Failed { diagnostics: ds }
    };
    let staging = Staging::new(&opts.output).map_err(|e| {
        io_fail(
            &Diagnostics::default(),
            "cannot create the staging folder",
            e,
        )
    })?;
    let (_site, files) = match render_site(opts, &mut report) {
        Ok(r) => r,
        Err(failed) => {
            staging.abandon();
            return Err(failed);
        }
    };
    let t = Instant::now();
    let write = staging
        .copy_tree(&opts.root.join("static"))
        .and_then(|copied| {
            report.files += copied.len();
            staging.write_all(&files)
        });
    if let Err(e) = write {
        staging.abandon();
        return Err(io_fail(&report.diagnostics, "cannot write the site", e));
    }
    report.files += files.len();
    report.bytes = files.iter().map(|(_, b)| b.len() as u64).sum();
    staging
        .commit()
        .map_err(|e| io_fail(&report.diagnostics, "cannot swap in the new site", e))?;
    report.timings.push(("write", t.elapsed()));
    Ok(report)
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
