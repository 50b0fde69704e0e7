//! Rendering: one minijinja environment (templates from the portal's
//! `templates/`), Russian filters, and every page rendered in parallel.

pub mod cards;
pub mod chart;
pub mod context;
pub mod copy;
pub mod family;
pub mod feeds;
pub mod fingerprint;
pub mod layout;
pub mod lists;
pub mod pages;
pub mod paginate;
pub mod sitemap;

use std::collections::BTreeMap;
use std::path::Path;

use minijinja::{Environment, Error, ErrorKind};
use rayon::prelude::*;

use crate::diag::Diagnostic;
use crate::ru;

/// One output file to produce from a template.
pub struct PageJob<'a> {
    /// Output path relative to the site root, e.g. `regions/ru-mos/index.html`.
    pub path: String,
    pub template: &'static str,
    /// The page's own values, still as data (see [`context`]); with what
    /// every page shares ([`pages::Pages::shared`]) and `meta`, the
    /// template's context ([`pages::Pages::context`]).
    pub context: context::Ctx<'a>,
    /// What the page knows about itself; its title and description are
    /// made from its context when it is rendered.
    pub(crate) meta: pages::PageMeta,
    /// When the page's source last changed, for the sitemap.
    pub lastmod: Option<String>,
    /// The record file the page shows, for blaming problems found in the output.
    pub source: Option<String>,
}

impl PageJob<'_> {
    /// The page's fingerprint within a site fingerprinted `site`
    /// ([`fingerprint::Fingerprint::site`]), from its own values' keys.
    pub fn fingerprint(&self, site: u128) -> u128 {
        fingerprint::Fingerprint::page(site, &self.path, self.template, |buf| {
            // The page copy (title, description) is a function of the
            // context and of `templates/copy.toml`, which the site's
            // fingerprint covers; the rest of `meta` is laid out here.
            layout::write(&self.meta, buf);
            self.context.key(buf);
        })
    }
}

pub fn environment(
    templates_dir: &Path,
    asset_versions: BTreeMap<String, String>,
) -> Environment<'static> {
    let mut env = Environment::new();
    let dir = templates_dir.to_path_buf();
    env.set_loader(move |name| load_template(&dir, name));
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    // minijinja's HTML escaping also escapes `/`, which turns every URL into
    // `&#x2f;` noise; escaping the five significant characters is enough.
    env.set_formatter(
        |out, state, value| match (state.auto_escape(), value.as_str()) {
            (minijinja::AutoEscape::Html, Some(s)) if !value.is_safe() => {
                crate::content::markdown::write_escaped_html(out, s).map_err(Error::from)
            }
            _ => minijinja::escape_formatter(out, state, value),
        },
    );
    add_filters(&mut env);
    // The browser's search module, fetched together with the manifest.
    env.add_function("search_wasm", crate::search::wasm_path);
    // A file of static/, named with its version. One that is not there is
    // the template's error, at its line, once — not a broken link on every page.
    env.add_function("asset", move |path: String| -> Result<String, Error> {
        match asset_versions.get(&path) {
            Some(v) => Ok(format!("{path}?v={v}")),
            None => Err(Error::new(
                ErrorKind::InvalidOperation,
                format!("asset(\"{path}\"): there is no static/{path}"),
            )),
        }
    });
    env
}

/// The page's Content-Security-Policy: everything from the site itself, and
/// tile images from the portal owner's tile server only when the opt-in tile
/// map is on (otherwise its images would be blocked, and with it off no other
/// host is ever allowed).
pub fn csp(config: &crate::config::Config) -> String {
    let tiles = crate::geo::site::tile_map(&config.map, "/")
        .and_then(|t| tile_origin(&t.url))
        .map(|origin| format!(" {origin}"))
        .unwrap_or_default();
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:{tiles}; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-src 'none'"
    )
}

/// The origin of a tile URL template, as a CSP source: `https://tiles.example.org`
/// from `https://tiles.example.org/{z}/{x}/{y}.png`; a `{s}` subdomain becomes `*`.
/// `None` for anything that is not a plain http(s) origin.
pub fn tile_origin(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    if !matches!(scheme, "https" | "http") {
        return None;
    }
    let host = rest.split('/').next()?.replace("{s}", "*");
    let valid = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '*' | '[' | ']'));
    valid.then(|| format!("{scheme}://{host}"))
}

/// The filters every template (and every copy string) can use.
pub(crate) fn add_filters(env: &mut Environment<'static>) {
    env.add_filter("plural", plural_filter);
    env.add_filter("date", |s: String| ru::date_long(&s));
    env.add_filter("full_stop", |s: String| ru::full_stop(&s));
    // Phones as written by editors → one display form, and the `tel:` link.
    env.add_filter("phone", |s: String| {
        crate::phone::Phone::parse(&s).map_or(s, |p| p.display())
    });
    env.add_filter("tel", |s: String| {
        crate::phone::Phone::parse(&s).map_or_else(|_| String::new(), |p| p.tel_uri())
    });
    // For meta descriptions: `{{ service.plain|first_sentence(160) }}`.
    env.add_filter("first_sentence", |s: String, max: usize| {
        crate::site::first_sentence(&s, max)
    });
}

/// Reads a template through the portal's one safe file reader (regular files
/// only, size-capped). Names are `/`-separated paths inside `templates/`;
/// one that tries to leave it is simply not found.
fn load_template(dir: &Path, name: &str) -> Result<Option<String>, Error> {
    use crate::content::source::{MAX_FILE_BYTES, ReadError, read_portal_file};
    let escapes = name
        .split('/')
        .any(|seg| seg.is_empty() || seg == "." || seg == ".." || seg.contains('\\'));
    if escapes {
        return Ok(None);
    }
    // The portal root is the folder above templates/: a template may link to
    // another file of the portal, never out of it.
    let root = dir.parent().unwrap_or(dir);
    match read_portal_file(root, &dir.join(name), MAX_FILE_BYTES) {
        Ok(bytes) => String::from_utf8(bytes).map(Some).map_err(|_| {
            Error::new(
                ErrorKind::InvalidOperation,
                format!("templates/{name} is not UTF-8 text"),
            )
        }),
        Err(ReadError::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::new(
            ErrorKind::InvalidOperation,
            format!("cannot read templates/{name}: {e}"),
        )),
    }
}

/// `{{ n|plural("услуга", "услуги", "услуг") }}` → `5 услуг`.
fn plural_filter(n: i64, one: String, few: String, many: String) -> String {
    format!("{n} {}", ru::plural(n, &one, &few, &many))
}

/// Checks every template parses, reporting each broken one with its line.
pub fn check_templates(env: &Environment<'static>) -> Vec<Diagnostic> {
    crate::collections::templates()
        .iter()
        .filter_map(|name| {
            env.get_template(name)
                .err()
                .map(|e| template_diagnostic(name, &e))
        })
        .collect()
}

pub fn template_diagnostic(page: &str, e: &Error) -> Diagnostic {
    template_error(page, page, e)
}

/// A template error while rendering `page` from `template`: blamed on the
/// template the error is in, and a template that is missing on its own path
/// (never on the page's output path).
pub fn template_error(template: &str, page: &str, e: &Error) -> Diagnostic {
    let name = e.name().unwrap_or(template);
    let mut d = Diagnostic::error(
        format!("templates/{name}"),
        format!("template error: {}", e.detail().unwrap_or(&e.to_string())),
    );
    d.pos.line = e.line().unwrap_or(1);
    d.hint = Some(match e.kind() {
        ErrorKind::TemplateNotFound => {
            "the portal's templates/ folder must have this file".to_string()
        }
        ErrorKind::UndefinedError => {
            format!("a variable used while rendering {page} does not exist")
        }
        _ if e.detail().is_some_and(|d| d.starts_with("asset(")) => {
            "put the file in the portal's static/ folder, or take its asset(…) out of the template"
                .to_string()
        }
        _ => format!("while rendering {page}"),
    });
    d
}

/// Adds a template error to `errors` unless it is there already: one broken
/// template would fail every page that uses it, and is reported once.
pub fn report_once(errors: &mut Vec<Diagnostic>, d: Diagnostic) {
    if !errors
        .iter()
        .any(|e| e.file == d.file && e.message == d.message)
    {
        errors.push(d);
    }
}

/// Renders one page: its output path and HTML.
pub fn render_one(
    env: &Environment<'static>,
    pages: &pages::Pages,
    job: &PageJob,
) -> Result<(String, String), Diagnostic> {
    let blame = |e: Error| template_error(job.template, &job.path, &e);
    let tmpl = env.get_template(job.template).map_err(blame)?;
    let html = tmpl.render(pages.context(job)).map_err(blame)?;
    Ok((job.path.clone(), html))
}

/// Renders every page of `site` in parallel, in the order of
/// [`pages::Pages::list`].
pub fn render_all(
    env: &Environment<'static>,
    site: &crate::site::Site,
    search_manifest: Option<&str>,
) -> Result<Vec<crate::output::OutputFile>, Vec<Diagnostic>> {
    let pages = pages::Pages::new(site, search_manifest, env);
    let results: Vec<Result<crate::output::OutputFile, Diagnostic>> = pages
        .list(site)
        .par_iter()
        .map(|(_, kind)| {
            let job = pages.render_job(site, *kind);
            render_one(env, &pages, &job).map(|(path, html)| (path, html.into_bytes()))
        })
        .collect();
    let mut out = Vec::with_capacity(results.len());
    let mut errors = Vec::new();
    for r in results {
        match r {
            Ok(f) => out.push(f),
            Err(d) => report_once(&mut errors, d),
        }
    }
    // A card that failed left its lists without it: fail like a page.
    if let Some(d) = pages.card_failure() {
        report_once(&mut errors, d.clone());
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn russian_filters() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("t.html"),
            "{{ 21|plural('служба', 'службы', 'служб') }}; {{ 3|plural('служба', 'службы', 'служб') }}; {{ '2026-11-24'|date }}; {{ '8(4842) 550 602'|phone }}; {{ '8(4842) 550 602'|tel }}",
        )
        .unwrap();
        let env = environment(dir.path(), BTreeMap::new());
        let out = env.get_template("t.html").unwrap().render(()).unwrap();
        assert_eq!(
            out,
            "21 служба; 3 службы; 24\u{a0}ноября 2026\u{a0}г.; +7 (4842) 55-06-02; tel:+74842550602"
        );
    }
}
