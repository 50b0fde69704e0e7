//! `/admin/index.html`: the only page that loads the CMS, with a Content
//! Security Policy of its own that lets it talk to the site itself and the
//! configured git host — nothing else.

use crate::config::Config;
use crate::content::markdown::escape_html;

/// The admin page's CSP. Decap styles its interface with CSS-in-JS (style
/// elements it writes at run time), hence `'unsafe-inline'` for styles, and
/// checks its configuration with a validator that compiles its rules into
/// functions at run time (ajv), hence `'unsafe-eval'` — here only, never on the
/// portal's own pages. Neither widens where the page may connect or load from.
pub fn csp(config: &Config) -> String {
    let mut connect = vec!["'self'".to_string()];
    connect.extend(config.editors.api_root().and_then(|a| origin(&a)));
    connect.extend(super::decap::local_backend(config).and_then(|a| origin(&a)));
    connect.dedup();
    format!(
        "default-src 'none'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; connect-src {}; frame-src 'self' blob:; worker-src 'self' blob:; manifest-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'",
        connect.join(" ")
    )
}

/// `https://api.github.com` from `https://api.github.com/x`.
fn origin(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let host = rest.split(['/', '?', '#']).next()?;
    (!host.is_empty()).then(|| format!("{scheme}://{host}"))
}

/// The page. `version` makes browsers fetch the script again after an upgrade;
/// `installed` is false when `scripts/cms-setup.sh` has not been run, and the
/// page then says so instead of loading a script that is not there.
pub fn html(config: &Config, version: &str, installed: bool) -> String {
    let title = escape_html(&config.title);
    let csp = escape_html(&csp(config));
    let body = if installed {
        format!(
            "<noscript><p>Редактору нужен JavaScript: включите его в браузере.</p></noscript>\n<script src=\"init.js\"></script>\n<script src=\"vendor/decap-cms.js?v={version}\"></script>\n<script type=\"module\" src=\"opora-cms.js?v={version}\"></script>"
        )
    } else {
        "<main><h1>Редактор не установлен</h1><p>Скрипт редактора не был установлен при сборке сайта. Администратору: выполните <code>scripts/cms-setup.sh</code> и соберите сайт заново.</p></main>".to_string()
    };
    format!(
        "<!doctype html>\n<html lang=\"ru\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta http-equiv=\"Content-Security-Policy\" content=\"{csp}\">\n<meta name=\"referrer\" content=\"no-referrer\">\n<meta name=\"robots\" content=\"noindex, nofollow\">\n<title>Редактор · {title}</title>\n</head>\n<body>\n{body}\n</body>\n</html>\n"
    )
}

/// Runs before the CMS's script: the admin script starts the CMS itself, once
/// it has registered Opora's file format.
pub const INIT_JS: &str = "// Set before decap-cms.js runs: opora-cms.js starts the CMS once Opora's file format is registered.\nwindow.CMS_MANUAL_INIT = true;\n";

/// The admin script (src/cms/opora-cms.js) and its file format (opora-toml.js).
pub const ADMIN_JS: &str = include_str!("opora-cms.js");
pub const FORMAT_JS: &str = include_str!("opora-toml.js");

#[cfg(test)]
mod tests {
    use super::*;

    fn config(extra: &str) -> Config {
        toml::from_str(&format!(
            "title = \"t\"\nbase_url = \"https://opora.example.org/\"\n{extra}"
        ))
        .unwrap()
    }

    #[test]
    fn the_admin_page_may_connect_to_the_git_host_only() {
        let c = config(
            "[editors]\ncms = true\nbackend = \"gitea\"\nhost = \"https://git.example.org\"\n",
        );
        let policy = csp(&c);
        assert!(
            policy.contains("connect-src 'self' https://git.example.org;"),
            "{policy}"
        );
        assert!(
            policy.contains("script-src 'self' 'unsafe-eval';"),
            "{policy}"
        );
        let local: Config = toml::from_str("title = \"t\"\nbase_url = \"http://127.0.0.1:8080/\"\n[editors]\ncms = true\nlocal_port = 9000\n").unwrap();
        assert!(
            csp(&local)
                .contains("connect-src 'self' https://api.github.com http://127.0.0.1:9000;"),
            "{}",
            csp(&local)
        );
    }

    #[test]
    fn without_the_script_the_page_says_so() {
        let page = html(&config(""), "", false);
        assert!(page.contains("scripts/cms-setup.sh"));
        assert!(!page.contains("<script"));
        assert!(html(&config(""), "3.16.3", true).contains("vendor/decap-cms.js?v=3.16.3"));
    }
}
