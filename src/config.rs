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

    /// The absolute URL of a site-relative path like `regions/ru-mos/`.
    pub fn absolute(&self, rel: &str) -> String {
        let base = self.base_url.trim_end_matches('/');
        format!("{base}/{}", rel.trim_start_matches('/'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(url: &str) -> Config {
        toml::from_str(&format!("title = \"t\"\nbase_url = \"{url}\"")).unwrap()
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
