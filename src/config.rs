//! `opora.toml`: the site's configuration.

use serde::Deserialize;
use toml::Spanned;

use crate::content::source::SourceText;
use crate::diag::Diagnostic;
use crate::urls;

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

/// The settings that hold web addresses, with where each is written, so
/// `opora.toml` is checked like content: file, line, column and a hint.
/// Read a second time from the same text, leaving [`Config`] plain.
#[derive(Deserialize)]
struct AddressFields {
    base_url: Option<Spanned<String>>,
    edit_link_base: Option<Spanned<String>>,
    quick_exit_url: Option<Spanned<String>>,
    #[serde(default)]
    map: MapAddressFields,
}

#[derive(Deserialize, Default)]
struct MapAddressFields {
    tile_url: Option<Spanned<String>>,
}

/// Every problem with the addresses in `opora.toml` (already parsed as
/// [`Config`] from `file`). Each of them ends up in an `href` or `src` on
/// every page, so each must be an `http(s)://` address and nothing else.
pub fn check(file: &SourceText) -> Vec<Diagnostic> {
    let Ok(fields) = toml::from_str::<AddressFields>(&file.text) else {
        return Vec::new(); // Config parsed, so this cannot fail; nothing to add.
    };
    let mut out = Vec::new();
    let mut report = |value: &Spanned<String>, problem: Option<String>, hint: &str| {
        if let Some(problem) = problem {
            out.push(file.error_at(problem, value.span()).hint(hint));
        }
    };
    if let Some(v) = &fields.base_url {
        report(
            v,
            base_url_problem(v.get_ref()),
            "the address the site is published at, e.g. base_url = \"https://example.org/portal/\"",
        );
    }
    if let Some(v) = &fields.edit_link_base {
        report(
            v,
            urls::check_config_url(v.get_ref())
                .err()
                .map(|e| format!("edit_link_base: {e}")),
            "the start of your repository's edit address, e.g. \"https://github.com/org/portal/edit/main/\"",
        );
    }
    if let Some(v) = &fields.quick_exit_url {
        let problem = (!urls::is_web_url(v.get_ref())).then(|| {
            format!(
                "quick_exit_url `{}` is not a web address on another site",
                v.get_ref().escape_debug()
            )
        });
        report(
            v,
            problem,
            "a neutral page such as \"https://yandex.ru/pogoda\"; the quick-exit button must always lead away safely",
        );
    }
    if let Some(v) = &fields.map.tile_url {
        report(
            v,
            tile_url_problem(v.get_ref()),
            "e.g. tile_url = \"https://tiles.example.org/{z}/{x}/{y}.png\" (docs/maps.md)",
        );
    }
    out
}

/// What is wrong with a `base_url` (from `opora.toml` or `--base-url`), if anything.
pub fn base_url_problem(url: &str) -> Option<String> {
    let shown = url.escape_debug();
    match urls::check_config_url(url) {
        Err(e) => Some(format!("base_url `{shown}`: {e}")),
        Ok(u) if u.has_query || u.has_fragment => Some(format!(
            "base_url `{shown}` has a query or fragment; it must be where the site lives"
        )),
        Ok(u) if u.path.contains("//") => Some(format!(
            "base_url `{shown}` has an empty path segment (`//`), which would make every link lead to another host"
        )),
        Ok(_) => None,
    }
}

fn tile_url_problem(url: &str) -> Option<String> {
    let shown = url.escape_debug();
    if !(url.contains("{z}") && url.contains("{x}") && url.contains("{y}")) {
        return Some(format!(
            "tile_url `{shown}` needs the {{z}}, {{x}} and {{y}} placeholders"
        ));
    }
    let example = url
        .replace("{z}", "1")
        .replace("{x}", "1")
        .replace("{y}", "1")
        .replace("{s}", "a");
    if !url.starts_with("https://") || !urls::is_web_url(&example) {
        return Some(format!("tile_url `{shown}` is not an https:// address"));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(url: &str) -> Config {
        toml::from_str(&format!("title = \"t\"\nbase_url = \"{url}\"")).unwrap()
    }

    fn problems(toml_text: &str) -> Vec<String> {
        let file = SourceText::new("opora.toml", toml_text);
        check(&file).iter().map(|d| d.short()).collect()
    }

    #[test]
    fn config_addresses_are_checked_with_their_line() {
        let text = "title = \"t\"\nbase_url = \"javascript:alert(1)//\"\nedit_link_base = \"javascript:alert(2)//\"\nquick_exit_url = \"javascript:alert(3)\"\n[map]\ntile_url = \"javascript:{z}{x}{y}\"\n";
        let found = problems(text);
        assert_eq!(found.len(), 4, "{found:?}");
        for (i, line) in [2, 3, 4, 6].iter().enumerate() {
            assert!(
                found[i].starts_with(&format!("opora.toml:{line}:")),
                "{found:?}"
            );
        }
        assert!(
            problems("title = \"t\"\nbase_url = \"https://a.ru//evil.example/\"\n")[0]
                .contains("empty path segment")
        );
        assert!(problems("title = \"t\"\nbase_url = \"http://localhost:8080/\"\nquick_exit_url = \"https://yandex.ru/pogoda\"\n[map]\ntile_url = \"https://{s}.tile.example.org/{z}/{x}/{y}.png\"\n").is_empty());
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
