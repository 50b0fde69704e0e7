//! `opora.toml`: the site's configuration.

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub title: String,
    #[serde(default)]
    pub tagline: String,
    /// Absolute URL the site is published at; its path becomes every link's prefix.
    pub base_url: String,
    #[serde(default = "default_language")]
    pub language: String,
    /// Prefix for "edit this page" links; the record's file path is appended.
    pub edit_link_base: Option<String>,
    #[serde(default = "default_stale_days")]
    pub stale_after_days: i64,
    /// Where the quick-exit button goes: a neutral page on another site.
    #[serde(default = "default_quick_exit")]
    pub quick_exit_url: String,
    /// The date "today" for freshness checks, fixed so builds are reproducible.
    /// Unset: the build machine's current date.
    pub today: Option<toml::value::Datetime>,
    #[serde(default)]
    pub map: MapConfig,
    #[serde(default)]
    pub search: SearchConfig,
    #[serde(default)]
    pub open_data: OpenDataConfig,
    /// The editing interface at `/admin/` (src/cms).
    #[serde(default)]
    pub editors: crate::cms::EditorsConfig,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenDataConfig {
    /// The namespace (a UUID) the HSDS export's identifiers are derived in
    /// (UUIDv5 of each record's id). Unset: derived from `base_url`, so the
    /// identifiers change when the site moves; a portal sets it once to keep them.
    pub hsds_namespace: Option<uuid::Uuid>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MapConfig {
    #[serde(default)]
    pub tiles: bool,
    pub tile_url: Option<String>,
    pub tile_attribution: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchConfig {
    #[serde(default)]
    pub disabled: bool,
}

fn default_language() -> String {
    "ru".into()
}
fn default_stale_days() -> i64 {
    365
}
fn default_quick_exit() -> String {
    "https://yandex.ru/pogoda".into()
}

impl Config {
    /// The path part of `base_url`, always starting and ending with `/`.
    pub fn base_path(&self) -> String {
        let after_scheme = self
            .base_url
            .split_once("://")
            .map_or(self.base_url.as_str(), |(_, rest)| rest);
        let path = after_scheme.find('/').map_or("/", |i| &after_scheme[i..]);
        let mut p = path.to_string();
        if !p.ends_with('/') {
            p.push('/');
        }
        p
    }

    /// Settings a deployment gives in its environment rather than in the repository:
    /// `OPORA_BASE_URL` (where the site is published) and `OPORA_EDIT_LINK_BASE` (where
    /// «Исправить» links point, e.g. `https://github.com/org/portal/edit/main/`).
    /// `--base-url` on the command line still wins over both.
    pub fn apply_env(&mut self, var: impl Fn(&str) -> Option<String>) {
        if let Some(url) = var("OPORA_BASE_URL").filter(|v| !v.trim().is_empty()) {
            self.base_url = url.trim().to_string();
        }
        if let Some(base) = var("OPORA_EDIT_LINK_BASE").filter(|v| !v.trim().is_empty()) {
            self.edit_link_base = Some(base.trim().to_string());
        }
    }

    /// True when `base_url` points at this machine (a preview, not a publication):
    /// absolute canonical links and the sitemap would then point nowhere, so they are left out.
    pub fn base_is_local(&self) -> bool {
        let host = host_of(&self.base_url);
        host == "localhost"
            || host.ends_with(".localhost")
            || host.starts_with("127.")
            || host == "0.0.0.0"
            || host == "[::1]"
    }

    /// The absolute URL of a site path for canonical links and the sitemap; `None` for a
    /// local preview.
    pub fn public_url(&self, rel: &str) -> Option<String> {
        (!self.base_is_local()).then(|| self.absolute(rel))
    }

    /// Settings still holding a placeholder (a reserved example domain, RFC 2606/6761):
    /// `(setting, value)` for `opora check` to warn about.
    pub fn placeholders(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if is_placeholder_host(&host_of(&self.base_url)) {
            out.push(("base_url", self.base_url.clone()));
        }
        if let Some(e) = &self.edit_link_base
            && is_placeholder_host(&host_of(e))
        {
            out.push(("edit_link_base", e.clone()));
        }
        if is_placeholder_host(&host_of(&self.quick_exit_url)) {
            out.push(("quick_exit_url", self.quick_exit_url.clone()));
        }
        out
    }

    /// The absolute URL of a site-relative path like `regions/ru-mos/`.
    pub fn absolute(&self, rel: &str) -> String {
        let base = self.base_url.trim_end_matches('/');
        format!("{base}/{}", rel.trim_start_matches('/'))
    }
}

/// The host part of a URL, lower-case, without port or credentials.
fn host_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit('@').next().unwrap_or("");
    let host = if host.starts_with('[') {
        host.split_inclusive(']').next().unwrap_or(host)
    } else {
        host.split(':').next().unwrap_or(host)
    };
    host.to_lowercase()
}

/// example.org / example.com / example.net and the reserved .example, .invalid, .test.
fn is_placeholder_host(host: &str) -> bool {
    ["example.org", "example.com", "example.net"]
        .iter()
        .any(|d| host == *d || host.ends_with(&format!(".{d}")))
        || [".example", ".invalid", ".test"]
            .iter()
            .any(|tld| host.ends_with(tld))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(url: &str) -> Config {
        toml::from_str(&format!("title = \"t\"\nbase_url = \"{url}\"")).unwrap()
    }

    #[test]
    fn a_local_base_url_gives_no_absolute_urls() {
        assert!(
            cfg("http://127.0.0.1:8080/")
                .public_url("regions/")
                .is_none()
        );
        assert!(cfg("http://localhost:1111").base_is_local());
        assert_eq!(
            cfg("https://opora.ru/p/").public_url("regions/").as_deref(),
            Some("https://opora.ru/p/regions/")
        );
    }

    #[test]
    fn placeholder_settings_are_named() {
        let mut c = cfg("https://portal.example.org/");
        c.edit_link_base = Some("https://git.example.org/opora/edit/main/".into());
        let names: Vec<_> = c.placeholders().into_iter().map(|(n, _)| n).collect();
        assert_eq!(names, ["base_url", "edit_link_base"]);
        assert!(cfg("https://opora.ru/").placeholders().is_empty());
        assert!(cfg("https://notexample.org/").placeholders().is_empty());
    }

    #[test]
    fn the_environment_sets_what_a_deployment_knows() {
        let mut c = cfg("http://127.0.0.1:8080/");
        c.apply_env(|k| match k {
            "OPORA_BASE_URL" => Some("https://opora.ru/".into()),
            "OPORA_EDIT_LINK_BASE" => Some("https://github.com/o/p/edit/main/".into()),
            _ => None,
        });
        assert_eq!(c.base_url, "https://opora.ru/");
        assert_eq!(
            c.edit_link_base.as_deref(),
            Some("https://github.com/o/p/edit/main/")
        );
    }

    #[test]
    fn base_path_from_url() {
        assert_eq!(cfg("https://example.org").base_path(), "/");
        assert_eq!(cfg("https://example.org/portal").base_path(), "/portal/");
        assert_eq!(
            cfg("https://x.org/p/").absolute("/regions/"),
            "https://x.org/p/regions/"
        );
    }
}
