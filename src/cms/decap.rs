//! The CMS's configuration (Decap CMS's `config.yml`, written as JSON, which
//! it reads as well): the git backend from `[editors]`, and one collection per
//! registered record type, generated from the registry — its folder and file
//! layout from its `Spec`, its form from its JSON Schema (`fields.rs`), its
//! file naming and first citation from what `opora new` writes.

use serde_json::{Value, json};

use super::fields::{self, Choices, Options};
use super::settings::{Backend, EditorsConfig};
use crate::collections::{Collection, Layout, NewRecord, REGISTRY, raw_schema};
use crate::config::Config;
use crate::content::Data;
use crate::site::Site;

/// The key a new record's file name is kept under while it is saved (the
/// admin script fills it in; it is never written into the file).
pub const SLUG_KEY: &str = "opora_slug";

/// The name of a collection's file format, registered by the admin script.
pub fn format_name(collection: &str) -> String {
    format!("opora-{collection}")
}

/// The whole configuration.
pub fn config(site: &Site, data: &Data) -> Value {
    let editors = &site.config.editors;
    let choices = SiteChoices { site, data };
    let collections: Vec<Value> = REGISTRY.iter().map(|c| collection(*c, &choices)).collect();
    let mut config = json!({
        "locale": "ru",
        "backend": backend(editors),
        "site_url": site.config.base_url,
        "display_url": site.config.base_url,
        // Decap requires a media folder; the form offers no uploads (see
        // `body_field`), so nothing is written there.
        "media_folder": "static/media",
        "public_folder": format!("{}media", site.base),
        "collections": collections,
        "opora": opora_settings(site),
    });
    let local = local_backend(&site.config);
    // Reviewed changes are pull requests on the git host; a local checkout
    // (decap-server's file mode) is edited directly and committed by hand.
    if editors.review && local.is_none() {
        config["publish_mode"] = json!("editorial_workflow");
    }
    if let Some(url) = local {
        config["local_backend"] = json!({
            "url": url,
            "allowed_hosts": ["127.0.0.1", "localhost"],
        });
    }
    config
}

/// The local backend (`decap-server`, `scripts/cms-local.sh`) — only for a
/// site previewed on this machine; a published site never talks to it.
pub fn local_backend(config: &Config) -> Option<String> {
    config
        .base_is_local()
        .then(|| format!("http://127.0.0.1:{}/api/v1", config.editors.local_port))
}

fn backend(e: &EditorsConfig) -> Value {
    let mut b = json!({
        "name": e.backend.name(),
        "repo": e.repo,
        "branch": e.branch,
    });
    if let Some(api) = e.api_root() {
        b["api_root"] = json!(api);
    }
    match e.backend {
        Backend::Github => {
            if let Some(auth) = &e.auth_url {
                b["base_url"] = json!(auth.trim_end_matches('/'));
            }
        }
        Backend::Gitlab | Backend::Gitea => {
            if let Some(host) = e.host_url() {
                b["base_url"] = json!(host);
            }
            b["auth_type"] = json!("pkce");
            if let Some(id) = &e.app_id {
                b["app_id"] = json!(id);
            }
        }
    }
    b
}

/// One record type as a CMS collection.
fn collection(c: &dyn Collection, choices: &dyn Choices) -> Value {
    let spec = c.spec();
    let schema = raw_schema(c);
    let mut form = fields::form_fields(&schema, choices);
    let probe = Probe::of(c);
    probe.order(&mut form);
    if let Some(default) = &probe.sources
        && let Some(sources) = form.iter_mut().find(|f| f["name"] == "sources")
    {
        sources["default"] = default.clone();
    }
    form.push(body_field(&probe.body));
    let identifier = identifier_field(&schema);
    let path = match spec.layout {
        Layout::Flat => "{{slug}}".to_string(),
        // The folder is the region code in lower case, as in the file's own path.
        Layout::ByRegion => "{{region}}/{{slug}}".to_string(),
    };
    json!({
        "name": spec.name,
        "label": spec.label,
        "label_singular": spec.label_one,
        "folder": format!("content/{}", spec.name),
        "path": path,
        "extension": "md",
        "format": format_name(spec.name),
        "create": true,
        "identifier_field": identifier,
        "summary": format!("{{{{{identifier}}}}}"),
        "slug": format!("{{{{fields.{SLUG_KEY}}}}}"),
        "preview_path": preview_path(spec.record.url),
        "fields": form,
    })
}

/// The record's page on the site, in the CMS's template language.
fn preview_path(url: &str) -> String {
    url.replace("{region}", "{{dirname}}")
        .replace("{slug}", "{{slug}}")
}

/// The field that names a record: `title`, else `name`, else the first
/// required text field.
fn identifier_field(schema: &Value) -> String {
    let props = schema["properties"].as_object();
    let has = |n: &str| props.is_some_and(|p| p.contains_key(n));
    for name in ["title", "name"] {
        if has(name) {
            return name.into();
        }
    }
    schema["required"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .find(|n| {
            props
                .and_then(|p| p.get(*n))
                .is_some_and(|p| p["type"] == "string")
        })
        .unwrap_or("title")
        .to_string()
}

/// The Markdown body below the front matter. No image or code blocks: the
/// portal's one Markdown renderer does not publish raw images or HTML.
fn body_field(hint: &str) -> Value {
    let mut f = json!({
        "name": "body",
        "label": "Текст",
        "widget": "markdown",
        "required": false,
        "editor_components": [],
        "buttons": ["bold", "italic", "link", "heading-two", "heading-three", "quote", "bulleted-list", "numbered-list"],
        "modes": ["rich_text", "raw"],
    });
    if !hint.is_empty() {
        f["hint"] = json!(hint);
    }
    f
}

/// What `opora new` writes for a collection, read back: which field names the
/// file, the citation a new record starts with, and the body's guidance.
struct Probe {
    /// The front-matter field whose value (transliterated) is the file name.
    slug_field: Option<String>,
    sources: Option<Value>,
    body: String,
    /// The fields in the order the scaffold writes them (commented-out ones
    /// included): the order an editor fills them in.
    keys: Vec<String>,
}

impl Probe {
    const TITLE: &'static str = "Проба";
    const SLUG: &'static str = "proba";
    const REGION: &'static str = "RU-XX";

    fn of(c: &dyn Collection) -> Probe {
        let new = NewRecord {
            title: Self::TITLE,
            slug: Self::SLUG,
            region: Some(Self::REGION),
            today: "2000-01-01",
        };
        let Ok((path, text)) = c.scaffold(&new) else {
            return Probe {
                slug_field: None,
                sources: None,
                body: String::new(),
                keys: Vec::new(),
            };
        };
        let (front, body) = split(&text);
        let table: toml::Table = toml::from_str(front).unwrap_or_default();
        let stem = path
            .rsplit('/')
            .next()
            .unwrap_or("")
            .trim_end_matches(".md");
        let holding = |value: &str| {
            table
                .iter()
                .find(|(_, v)| v.as_str() == Some(value))
                .map(|(k, _)| k.clone())
        };
        let slug_field = if stem == Self::SLUG {
            holding(Self::TITLE)
        } else if stem == Self::REGION.to_lowercase() {
            holding(Self::REGION)
        } else {
            None
        };
        Probe {
            slug_field,
            sources: table.get("sources").map(crate::schema::toml_to_json),
            body: body.trim().to_string(),
            keys: front.lines().filter_map(scaffold_key).collect(),
        }
    }

    /// Puts the form in the scaffold's order; fields the scaffold does not
    /// write follow in the schema's (alphabetical) order, and the citations
    /// close the form as they close every record file.
    fn order(&self, form: &mut [Value]) {
        let rank = |f: &Value| {
            let name = f["name"].as_str().unwrap_or("");
            if name == "sources" {
                return usize::MAX;
            }
            self.keys
                .iter()
                .position(|k| k == name)
                .unwrap_or(self.keys.len())
        };
        form.sort_by_key(rank);
    }
}

/// The key of a scaffold line `key = …` or `# key = …`, if it is one.
fn scaffold_key(line: &str) -> Option<String> {
    let line = line.trim_start_matches('#').trim_start();
    let (key, _) = line.split_once(" =")?;
    let plain = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    plain.then(|| key.to_string())
}

/// `+++`-delimited front matter and body of a scaffolded file.
fn split(text: &str) -> (&str, &str) {
    let rest = text.strip_prefix("+++\n").unwrap_or(text);
    match rest.find("\n+++\n") {
        Some(i) => (&rest[..i], &rest[i + 5..]),
        None => (rest, ""),
    }
}

/// Settings the admin script needs besides Decap's own (removed before Decap
/// reads the configuration): how file names are made, and the stylesheet.
fn opora_settings(site: &Site) -> Value {
    let slug_fields: serde_json::Map<String, Value> = REGISTRY
        .iter()
        .filter_map(|c| {
            let field = Probe::of(*c).slug_field?;
            Some((c.spec().name.to_string(), json!(field)))
        })
        .collect();
    json!({
        "slug_key": SLUG_KEY,
        "slug_fields": slug_fields,
        "transliteration": transliteration(),
        "slug_max_bytes": crate::ru::MAX_SLUG_BYTES,
        "stylesheet": format!("{}style.css", site.base),
        "site_title": site.config.title,
    })
}

/// The letters `opora new` transliterates, with their Latin spelling, so the
/// admin script names files exactly as `ru::slugify` does.
fn transliteration() -> Value {
    let letters = ('а'..='я').chain(['ё']);
    Value::Object(
        letters
            .map(|c| (c.to_string(), json!(crate::ru::slugify(&c.to_string()))))
            .collect(),
    )
}

/// Select options from the portal's own data.
struct SiteChoices<'a> {
    site: &'a Site,
    data: &'a Data,
}

impl Choices for SiteChoices<'_> {
    fn vocabulary(&self, name: &str) -> Options {
        self.data
            .taxonomy
            .terms(name)
            .iter()
            .map(|t| (t.id.clone(), t.label.clone()))
            .collect()
    }

    fn records(&self, collection: &str) -> Option<Options> {
        // Regions are referred to by their code; every other record by its
        // id, the path of its file under `content/<collection>/`.
        if collection == "regions" {
            let mut out: Options = self
                .site
                .regions
                .iter()
                .map(|r| (r.code.clone(), format!("{} ({})", r.name, r.code)))
                .collect();
            out.sort_by(|a, b| a.1.cmp(&b.1));
            return Some(out);
        }
        let (_, c) = crate::collections::by_name(collection)?;
        let mut entries = Vec::new();
        c.entries(self.site, &mut entries);
        let prefix = format!("content/{collection}/");
        let mut out: Options = entries
            .into_iter()
            .filter_map(|e| {
                let id = e.file.strip_prefix(&prefix)?.strip_suffix(".md")?;
                Some((id.to_string(), e.title))
            })
            .collect();
        out.sort_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)));
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_follows_the_scaffold_and_ends_with_the_citations() {
        let probe = Probe {
            slug_field: None,
            sources: None,
            body: String::new(),
            keys: ["name", "sources", "region", "location"]
                .map(String::from)
                .to_vec(),
        };
        let mut form: Vec<Value> = ["address", "location", "name", "region", "sources", "z"]
            .iter()
            .map(|n| json!({ "name": n }))
            .collect();
        probe.order(&mut form);
        let names: Vec<&str> = form.iter().filter_map(|f| f["name"].as_str()).collect();
        assert_eq!(
            names,
            ["name", "region", "location", "address", "z", "sources"]
        );
        assert_eq!(
            scaffold_key("# verified = 2026-01-01").as_deref(),
            Some("verified")
        );
        assert_eq!(scaffold_key("# Организация: id записи"), None);
        assert_eq!(
            scaffold_key("sources = [{ url = \"x\" }]").as_deref(),
            Some("sources")
        );
    }
}
