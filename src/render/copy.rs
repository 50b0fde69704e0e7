//! Page copy: each page's title, description and breadcrumb name, kept in the
//! portal's `templates/copy.toml` rather than in Rust, so a portal changes its
//! wording (or language) without recompiling.
//!
//! Each value is a minijinja template rendered with the page's own context,
//! e.g. `title = "{{ region.name }}"`. The page keys the site needs are derived
//! from the collection registry and the site sections; a missing one is
//! reported up front with the file it belongs in.

use std::collections::BTreeMap;
use std::path::Path;

use minijinja::{Environment, Value};
use serde::Deserialize;

use crate::content::source::{parse_toml, read_text};
use crate::diag::Diagnostic;

/// Where the copy lives inside the portal.
pub const COPY_FILE: &str = "templates/copy.toml";

/// The copy of one kind of page.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageCopy {
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// The page's name in other pages' breadcrumbs; the title when absent.
    pub crumb: Option<String>,
}

/// Loads the copy file; a missing or broken file is a diagnostic, and the
/// site then has no copy (every page reports its missing key).
pub fn load(root: &Path) -> (BTreeMap<String, PageCopy>, Vec<Diagnostic>) {
    let path = root.join(COPY_FILE);
    if !path.exists() {
        return (
            BTreeMap::new(),
            vec![
                Diagnostic::error(COPY_FILE, "the page copy file is missing").hint(
                    "it holds every page's title and description; copy it from the default portal",
                ),
            ],
        );
    }
    let parsed = read_text(root, &path).and_then(|file| {
        let len = file.text.len();
        parse_toml::<BTreeMap<String, PageCopy>>(&file, (0, len))
    });
    match parsed {
        Ok(copy) => (copy, Vec::new()),
        Err(d) => (BTreeMap::new(), vec![d]),
    }
}

fn template_name(key: &str, field: &str) -> String {
    format!("copy/{key}.{field}")
}

/// An environment holding every copy string as a template, compiled once,
/// with the site's filters; and the strings that do not compile.
pub fn environment(copy: &BTreeMap<String, PageCopy>) -> (Environment<'static>, Vec<Diagnostic>) {
    let mut env = Environment::new();
    super::add_filters(&mut env);
    let mut problems = Vec::new();
    for (key, page) in copy {
        let fields = [
            ("title", Some(&page.title)),
            ("description", Some(&page.description)),
            ("crumb", page.crumb.as_ref()),
        ];
        for (field, text) in fields {
            let Some(text) = text else { continue };
            if let Err(e) = env.add_template_owned(template_name(key, field), text.clone()) {
                problems.push(
                    Diagnostic::error(
                        COPY_FILE,
                        format!("[{key}] {field}: {}", e.detail().unwrap_or(&e.to_string())),
                    )
                    .hint("copy values are minijinja templates, e.g. \"{{ region.name }}\""),
                );
            }
        }
    }
    (env, problems)
}

/// Reports every page key the site needs that the copy file lacks.
pub fn check_keys<'a>(
    env: &Environment<'static>,
    keys: impl IntoIterator<Item = &'a str>,
) -> Vec<Diagnostic> {
    keys.into_iter()
        .filter(|key| env.get_template(&template_name(key, "title")).is_err())
        .map(|key| {
            Diagnostic::error(COPY_FILE, format!("no copy for the `{key}` pages")).hint(format!(
                "add [{key}] with title = \"…\" and description = \"…\""
            ))
        })
        .collect()
}

/// One field of a page's copy rendered with `ctx`; empty when absent.
pub fn render(
    env: &Environment<'static>,
    key: &str,
    field: &str,
    ctx: &Value,
) -> Result<String, minijinja::Error> {
    match env.get_template(&template_name(key, field)) {
        Ok(t) => t.render(ctx),
        Err(e) if e.kind() == minijinja::ErrorKind::TemplateNotFound => Ok(String::new()),
        Err(e) => Err(e),
    }
}
