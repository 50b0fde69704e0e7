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
    /// How many items each page of the HSDS JSON lists holds
    /// (`services.json`, then `services-2.json`…), as the HSDS API pages
    /// its answers. Unset: [`HSDS_PER_PAGE`].
    pub hsds_per_page: Option<std::num::NonZeroUsize>,
}

/// Items per page of the HSDS JSON lists unless `opora.toml` says otherwise:
/// ~4 MB of fully nested services. A one-record edit rewrites one page of
/// each list, not a list of the whole country (206 MB at 50,000 services),
/// and no page outgrows what a consumer, or `opora import`, reads at once.
pub const HSDS_PER_PAGE: usize = 1000;

impl OpenDataConfig {
    pub fn per_page(&self) -> usize {
        self.hsds_per_page.map_or(HSDS_PER_PAGE, |n| n.get())
    }
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

/// The settings that are checked beyond their type (the web addresses, the
/// dates and numbers), with where each is written, so `opora.toml` is
/// checked like content: file, line, column and a hint. Read a second time
/// from the same text, leaving [`Config`] plain.
#[derive(Deserialize)]
struct CheckedFields {
    title: Option<Spanned<String>>,
    base_url: Option<Spanned<String>>,
    edit_link_base: Option<Spanned<String>>,
    quick_exit_url: Option<Spanned<String>>,
    stale_after_days: Option<Spanned<i64>>,
    today: Option<Spanned<toml::value::Datetime>>,
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
    let Ok(fields) = toml::from_str::<CheckedFields>(&file.text) else {
        return Vec::new(); // Config parsed, so this cannot fail; nothing to add.
    };
    let mut out = Vec::new();
    let mut report = |span: std::ops::Range<usize>, problem: Option<String>, hint: &str| {
        if let Some(problem) = problem {
            out.push(file.error_at(problem, span).hint(hint));
        }
    };
    if let Some(v) = &fields.base_url {
        report(
            v.span(),
            base_url_problem(v.get_ref()),
            "the address the site is published at, e.g. base_url = \"https://example.org/portal/\"",
        );
    }
    if let Some(v) = &fields.edit_link_base {
        report(
            v.span(),
            edit_link_base_problem(v.get_ref()),
            "the start of your repository's edit address, e.g. \"https://github.com/org/portal/edit/main/\"",
        );
    }
    if let Some(v) = &fields.quick_exit_url {
        let base = fields.base_url.as_ref().map(|b| b.get_ref().as_str());
        let problem = quick_exit_problem(v.get_ref(), base);
        report(
            v.span(),
            problem,
            "a neutral page such as \"https://yandex.ru/pogoda\"; the quick-exit button must always lead away safely",
        );
    }
    if let Some(v) = fields
        .title
        .as_ref()
        .filter(|t| t.get_ref().trim().is_empty())
    {
        report(
            v.span(),
            Some("the portal's title is empty".into()),
            "every page's title ends with it, e.g. title = \"Опора\"",
        );
    }
    if let Some(v) = fields
        .stale_after_days
        .as_ref()
        .filter(|d| *d.get_ref() < 1)
    {
        report(
            v.span(),
            Some(format!(
                "stale_after_days = {} would call every record out of date",
                v.get_ref()
            )),
            "a number of days, 1 or more: a record older than that is flagged for a check (the default is 365)",
        );
    }
    if let Some(v) = &fields.today {
        report(
            v.span(),
            today_problem(&v.get_ref().to_string()),
            "a date as YYYY-MM-DD, unquoted: today = 2026-01-31 (or leave it out for the build machine's date)",
        );
    }
    if let Some(v) = &fields.map.tile_url {
        report(
            v.span(),
            tile_url_problem(v.get_ref()),
            "e.g. tile_url = \"https://tiles.example.org/{z}/{x}/{y}.png\" (docs/maps.md)",
        );
    }
    out
}

/// What is wrong with a `quick_exit_url`, if anything. The button is for
/// someone who must hide what they were reading: it has to lead to an
/// ordinary public site, never back to the portal (its own host) and never
/// to a bare IP address, which looks like nothing a person visits.
fn quick_exit_problem(url: &str, base_url: Option<&str>) -> Option<String> {
    let shown = url.escape_debug();
    if !urls::is_web_url(url) {
        return Some(format!(
            "quick_exit_url `{shown}` is not a web address on another site"
        ));
    }
    let host = host_of(url);
    if host.parse::<std::net::Ipv4Addr>().is_ok() {
        return Some(format!(
            "quick_exit_url `{shown}` leads to an IP address, not to an ordinary site"
        ));
    }
    let own = base_url.map(host_of);
    let same_site = |own: &str| {
        host == own
            || host.strip_prefix("www.") == Some(own)
            || own.strip_prefix("www.") == Some(host.as_str())
    };
    if own.as_deref().is_some_and(same_site) {
        return Some(format!(
            "quick_exit_url `{shown}` leads back to the portal itself ({host})"
        ));
    }
    None
}

/// What is wrong with a fixed "today" (`today` in `opora.toml`, `$OPORA_TODAY`), if anything.
pub fn today_problem(text: &str) -> Option<String> {
    crate::validate::parse_iso_date(text).is_none().then(|| {
        format!(
            "today `{}` is not a date (YYYY-MM-DD) that exists",
            text.escape_debug()
        )
    })
}

/// What is wrong with an `edit_link_base`, if anything.
pub fn edit_link_base_problem(url: &str) -> Option<String> {
    urls::check_config_url(url)
        .err()
        .map(|e| format!("edit_link_base: {e}"))
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
        // Browsers resolve `.` and `..` (written plainly or as %2e) before
        // asking for a page, so every link would lead somewhere else.
        Ok(u) if u.path.split('/').any(is_dot_segment) => Some(format!(
            "base_url `{shown}` has a `.` or `..` in its path, which browsers resolve away: links would lead elsewhere"
        )),
        Ok(_) => None,
    }
}

/// `.` or `..`, written plainly or percent-encoded (`%2e`, `.%2E`…).
fn is_dot_segment(segment: &str) -> bool {
    let decoded = segment.to_ascii_lowercase().replace("%2e", ".");
    decoded == "." || decoded == ".."
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
    // A public tile server over https; plain http only to this machine (a
    // tile server run beside `opora serve`, or a test's stub), where nothing
    // travels over the network.
    let loopback = urls::check_config_url(&example)
        .is_ok_and(|u| matches!(u.host, "localhost" | "127.0.0.1" | "[::1]"));
    if !loopback && (!url.starts_with("https://") || !urls::is_web_url(&example)) {
        return Some(format!("tile_url `{shown}` is not an https:// address"));
    }
    None
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
        assert!(
            problems("title = \"t\"\nbase_url = \"https://a.ru/\"\n[map]\ntile_url = \"http://127.0.0.1:8080/{z}/{x}/{y}.png\"\n").is_empty(),
            "a tile server on this machine may use plain http"
        );
        assert_eq!(
            problems("title = \"t\"\nbase_url = \"https://a.ru/\"\n[map]\ntile_url = \"http://tiles.a.ru/{z}/{x}/{y}.png\"\n").len(),
            1,
            "another host must use https"
        );
    }

    #[test]
    fn the_quick_exit_leads_to_an_ordinary_site_elsewhere() {
        let exit = |base: &str, exit: &str| {
            problems(&format!(
                "title = \"t\"\nbase_url = \"{base}\"\nquick_exit_url = \"{exit}\"\n"
            ))
        };
        assert!(exit("https://opora.ru/p/", "https://yandex.ru/pogoda").is_empty());
        for (base, to) in [
            ("https://opora.ru/p/", "https://opora.ru/"),
            ("https://opora.ru/p/", "https://www.opora.ru/weather"),
            ("https://www.opora.ru/", "https://OPORA.ru/"),
        ] {
            let found = exit(base, to);
            assert!(
                found.len() == 1 && found[0].starts_with("opora.toml:3:"),
                "{to} from {base}: {found:?}"
            );
            assert!(found[0].contains("back to the portal"), "{found:?}");
        }
        let found = exit("https://opora.ru/", "https://127.0.0.1/");
        assert!(found[0].contains("IP address"), "{found:?}");
    }

    #[test]
    fn settings_that_would_mislead_are_refused_at_their_line() {
        let found = problems("title = \" \"\nbase_url = \"https://a.ru/\"\n");
        assert!(
            found[0].starts_with("opora.toml:1:") && found[0].contains("title is empty"),
            "{found:?}"
        );
        let found =
            problems("title = \"t\"\nbase_url = \"https://a.ru/\"\nstale_after_days = -5\n");
        assert!(
            found[0].starts_with("opora.toml:3:") && found[0].contains("-5"),
            "{found:?}"
        );
        for today in ["10:00:00", "2026-01-31T10:00:00", "1979-05-27T07:32:00Z"] {
            let found = problems(&format!(
                "title = \"t\"\nbase_url = \"https://a.ru/\"\ntoday = {today}\n"
            ));
            assert!(
                found.len() == 1 && found[0].starts_with("opora.toml:3:"),
                "today = {today}: {found:?}"
            );
        }
        assert!(
            problems("title = \"t\"\nbase_url = \"https://a.ru/\"\ntoday = 2024-02-29\n")
                .is_empty()
        );
        for base in [
            "https://a.ru/../x/",
            "https://a.ru/p/./",
            "https://a.ru/%2e%2E/x/",
            "https://a.ru/p/.%2e/",
        ] {
            assert!(
                base_url_problem(base).is_some_and(|p| p.contains("`..`")),
                "{base}"
            );
        }
        assert!(base_url_problem("https://a.ru/p.q/..x/").is_none());
        assert!(base_url_problem("http://localhost:0/").is_some());
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
