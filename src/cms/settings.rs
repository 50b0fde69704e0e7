//! `[editors]` in `opora.toml`: whether the portal publishes an editing
//! interface at `/admin/`, and which git host it commits to.
//!
//! Every setting is checked like content (file, line, column and a hint) when
//! the interface is switched on, because each of them ends up in the admin
//! page's Content Security Policy or in the CMS's login.

use serde::Deserialize;
use toml::Spanned;

use crate::content::source::SourceText;
use crate::diag::Diagnostic;

/// `[editors]`: off unless `cms = true`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EditorsConfig {
    /// Publish the editing interface at `/admin/`.
    #[serde(default)]
    pub cms: bool,
    /// The git host's kind: its API and login differ.
    #[serde(default)]
    pub backend: Backend,
    /// `owner/name` of the portal's repository on the git host.
    #[serde(default)]
    pub repo: String,
    #[serde(default = "default_branch")]
    pub branch: String,
    /// The git host's address, for self-hosted GitLab or Gitea; unset means
    /// the public one (github.com, gitlab.com; Gitea has none).
    pub host: Option<String>,
    /// The OAuth application's id (GitLab, Gitea: login with PKCE, no server of ours).
    pub app_id: Option<String>,
    /// GitHub only: the OAuth relay that turns GitHub's login into a token
    /// (GitHub has no PKCE login for browser apps).
    pub auth_url: Option<String>,
    /// Each change becomes a pull request that CI checks before it is merged
    /// (the CMS's editorial workflow); `false` commits straight to `branch`.
    #[serde(default = "yes")]
    pub review: bool,
    /// The port of the local backend (`scripts/cms-local.sh`), used only when
    /// the site is previewed on this machine.
    #[serde(default = "default_local_port")]
    pub local_port: u16,
}

impl Default for EditorsConfig {
    fn default() -> Self {
        EditorsConfig {
            cms: false,
            backend: Backend::default(),
            repo: String::new(),
            branch: default_branch(),
            host: None,
            app_id: None,
            auth_url: None,
            review: true,
            local_port: default_local_port(),
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    #[default]
    Github,
    Gitlab,
    Gitea,
}

impl Backend {
    /// The CMS's name for it.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Github => "github",
            Backend::Gitlab => "gitlab",
            Backend::Gitea => "gitea",
        }
    }
}

fn default_branch() -> String {
    "main".into()
}
fn yes() -> bool {
    true
}
fn default_local_port() -> u16 {
    8081
}

/// `OPORA_CMS=local`: switches the interface on for a preview on this
/// machine (`scripts/cms-local.sh`), whatever `opora.toml` says, so it can be
/// tried before a git host is set up. A published site never gets it this way.
pub const LOCAL_ENV: &str = "OPORA_CMS";

impl EditorsConfig {
    /// Applies [`LOCAL_ENV`]; `base_is_local` is whether the site is built
    /// for this machine.
    pub fn apply_env(&mut self, base_is_local: bool, var: impl Fn(&str) -> Option<String>) {
        if base_is_local && var(LOCAL_ENV).is_some_and(|v| v.trim() == "local") {
            self.cms = true;
        }
    }

    /// The git host's web address: `host`, else the public one.
    pub fn host_url(&self) -> Option<String> {
        match (&self.host, self.backend) {
            (Some(h), _) => Some(h.trim_end_matches('/').to_string()),
            (None, Backend::Github) => Some("https://github.com".into()),
            (None, Backend::Gitlab) => Some("https://gitlab.com".into()),
            (None, Backend::Gitea) => None,
        }
    }

    /// Where the CMS sends its API requests: the one origin the admin page
    /// may connect to besides itself.
    pub fn api_root(&self) -> Option<String> {
        let host = self.host_url()?;
        Some(match self.backend {
            Backend::Github if self.host.is_none() => "https://api.github.com".into(),
            Backend::Github => format!("{host}/api/v3"),
            Backend::Gitlab => format!("{host}/api/v4"),
            Backend::Gitea => format!("{host}/api/v1"),
        })
    }
}

/// The `[editors]` table with where each value is written.
#[derive(Deserialize, Default)]
struct Placed {
    #[serde(default)]
    editors: Option<Spanned<PlacedEditors>>,
}

#[derive(Deserialize, Default)]
struct PlacedEditors {
    #[serde(default)]
    cms: bool,
    repo: Option<Spanned<String>>,
    branch: Option<Spanned<String>>,
    host: Option<Spanned<String>>,
    app_id: Option<Spanned<String>>,
    auth_url: Option<Spanned<String>>,
    backend: Option<Spanned<String>>,
}

/// Problems with `[editors]` in `opora.toml` (already parsed from `file`):
/// none while the interface is off.
pub fn check(file: &SourceText, editors: &EditorsConfig) -> Vec<Diagnostic> {
    let Ok(Placed {
        editors: Some(placed),
    }) = toml::from_str::<Placed>(&file.text)
    else {
        return Vec::new();
    };
    let table_span = placed.span();
    let placed = placed.into_inner();
    if !placed.cms {
        return Vec::new();
    }
    let mut out = Vec::new();
    let at = |span: std::ops::Range<usize>, msg: String, hint: &str| {
        Diagnostic::error(&file.rel, msg)
            .at(&file.text, span)
            .hint(hint)
    };
    match &placed.repo {
        Some(r) if valid_repo(r.get_ref()) => {}
        Some(r) => out.push(at(
            r.span(),
            format!(
                "[editors] repo `{}` is not `owner/name`",
                r.get_ref().escape_debug()
            ),
            "the repository's path on the git host, e.g. repo = \"opora/portal\"",
        )),
        None => out.push(at(
            table_span.clone(),
            "[editors] cms = true needs `repo`: the repository the editors' changes go to".into(),
            "e.g. repo = \"opora/portal\" (docs/editors-guide.md)",
        )),
    }
    if let Some(b) = &placed.branch
        && !valid_branch(b.get_ref())
    {
        out.push(at(
            b.span(),
            format!(
                "[editors] branch `{}` is not a branch name",
                b.get_ref().escape_debug()
            ),
            "e.g. branch = \"main\"",
        ));
    }
    for (name, value) in [("host", &placed.host), ("auth_url", &placed.auth_url)] {
        if let Some(v) = value
            && let Some(problem) = origin_problem(v.get_ref())
        {
            out.push(at(
                v.span(),
                format!(
                    "[editors] {name} `{}`: {problem}",
                    v.get_ref().escape_debug()
                ),
                "an https:// address with nothing after the host, e.g. \"https://git.example.org\"",
            ));
        }
    }
    if let Some(v) = &placed.app_id
        && !valid_app_id(v.get_ref())
    {
        out.push(at(
            v.span(),
            "[editors] app_id may hold only letters, digits, `-` and `_`".into(),
            "the application id the git host showed when you registered the CMS",
        ));
    }
    let needs = |what: &str, hint: &str| {
        at(
            placed
                .backend
                .as_ref()
                .map_or(table_span.clone(), |b| b.span()),
            format!(
                "[editors] backend = \"{}\" needs `{what}`",
                editors.backend.name()
            ),
            hint,
        )
    };
    match editors.backend {
        Backend::Github if placed.auth_url.is_none() => out.push(needs(
            "auth_url",
            "GitHub logs in through an OAuth relay you run; give its address (docs/editors-guide.md)",
        )),
        Backend::Gitlab | Backend::Gitea if placed.app_id.is_none() => out.push(needs(
            "app_id",
            "register the CMS as an OAuth application on the git host (PKCE, no secret) and give its id",
        )),
        Backend::Gitea if placed.host.is_none() => out.push(needs(
            "host",
            "Gitea has no public instance: give your server's address, e.g. host = \"https://git.example.org\"",
        )),
        _ => {}
    }
    out
}

fn valid_repo(r: &str) -> bool {
    let mut parts = r.split('/');
    let ok = |p: Option<&str>| {
        p.is_some_and(|p| {
            !p.is_empty()
                && !p.starts_with('.')
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        })
    };
    // GitLab allows groups: owner/group/name.
    ok(parts.next()) && ok(parts.next()) && parts.all(|p| ok(Some(p)))
}

fn valid_branch(b: &str) -> bool {
    !b.is_empty()
        && !b.starts_with(['-', '/'])
        && !b.contains("..")
        && b.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
}

fn valid_app_id(a: &str) -> bool {
    !a.is_empty()
        && a.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
}

/// What is wrong with an address that must be a plain https origin (it goes
/// into the admin page's CSP and the CMS's API root), if anything.
pub fn origin_problem(url: &str) -> Option<&'static str> {
    let Some(rest) = url.strip_prefix("https://") else {
        return Some("must start with https://");
    };
    let host = rest.trim_end_matches('/');
    if host.is_empty() {
        return Some("has no host");
    }
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':');
    if !host.chars().all(allowed) || host.starts_with(['.', '-', ':']) {
        return Some("must be only a host name (and port), without a path, user or query");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(text: &str) -> Vec<String> {
        let file = SourceText {
            rel: "opora.toml".into(),
            text: text.into(),
        };
        #[derive(Deserialize)]
        struct Only {
            #[serde(default)]
            editors: EditorsConfig,
        }
        let parsed: Only = toml::from_str(text).unwrap();
        check(&file, &parsed.editors)
            .iter()
            .map(|d| d.short())
            .collect()
    }

    #[test]
    fn editors_settings_are_checked_only_when_the_cms_is_on() {
        assert!(problems("[editors]\ncms = false\nrepo = \"no\"\n").is_empty());
        assert!(problems("title = \"t\"\n").is_empty());
        let found = problems(
            "[editors]\ncms = true\nbackend = \"gitlab\"\nrepo = \"a b\"\nhost = \"https://git.example.org/evil path\"\n",
        );
        assert_eq!(found.len(), 3, "{found:?}");
        assert!(found[0].starts_with("opora.toml:4:"), "{found:?}");
        assert!(found[1].starts_with("opora.toml:5:"), "{found:?}");
        assert!(found[2].contains("needs `app_id`"), "{found:?}");
        assert!(
            problems("[editors]\ncms = true\nbackend = \"gitlab\"\nrepo = \"opora/portal\"\napp_id = \"abc123\"\n").is_empty()
        );
        assert!(
            problems("[editors]\ncms = true\nrepo = \"opora/portal\"\n")[0]
                .contains("needs `auth_url`")
        );
    }

    #[test]
    fn the_api_root_is_the_configured_host() {
        let mut e = EditorsConfig {
            backend: Backend::Gitea,
            host: Some("https://git.example.org/".into()),
            ..EditorsConfig::default()
        };
        assert_eq!(
            e.api_root().as_deref(),
            Some("https://git.example.org/api/v1")
        );
        e.backend = Backend::Github;
        e.host = None;
        assert_eq!(e.api_root().as_deref(), Some("https://api.github.com"));
    }
}
