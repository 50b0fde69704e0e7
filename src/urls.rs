//! Which web addresses, links and e-mail addresses content and configuration may
//! contain — one policy for Markdown links and images, front-matter fields
//! (`website`, `emails`, source `url`s) and `opora.toml`.
//!
//! The question asked here is not "is this a URL?" but "what will a browser do
//! with this `href`?". A browser's URL parser (WHATWG) trims C0 controls and
//! spaces at both ends and drops tabs and newlines anywhere (`java\tscript:` is
//! `javascript:`), reads a backslash as `/` (`/\evil.example` is
//! `//evil.example`), and finds the scheme as an ASCII letter followed by
//! letters, digits, `+ - .` and a `:`. Every character it would drop or
//! reinterpret is refused here outright — controls, whitespace, backslashes,
//! invisible formatting marks — so the string checked is the string the browser
//! parses, and the scheme is then found by the same rule. An authority with a
//! user name (`https://bank.ru@evil.example`) is refused too: it hides where
//! the link leads. The `url` crate is not in the dependency
//! tree (it would bring the ICU crates for IDNA), and a parser would not answer
//! the policy question anyway; this module is small and fully tested instead.

/// What a link in content points at, once it passed the policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkKind {
    /// `/regions/ru-mos/`: a path on this site.
    SitePath,
    /// `#section`, `?q=…` or a relative path such as `../x/`: same site.
    Relative,
    /// `https://…` or `http://…` with a host.
    Web,
    Mailto,
    Tel,
    Geo,
}

/// Why a link was refused, in words for the editor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub reason: String,
    pub hint: &'static str,
}

impl Refusal {
    fn new(reason: impl Into<String>, hint: &'static str) -> Self {
        Self {
            reason: reason.into(),
            hint,
        }
    }
}

const LINK_HINT: &str =
    "use an https:// address, mailto:, tel:, or a path on this site such as /routes/";

/// Classifies a link destination exactly as it will stand in an `href`.
pub fn classify_link(dest: &str) -> Result<LinkKind, Refusal> {
    check_characters(dest)?;
    let seen = dest;
    match scheme_of(seen) {
        Some(scheme) => {
            let rest = &seen[scheme.len() + 1..];
            match scheme.to_ascii_lowercase().as_str() {
                "http" | "https" => parse_web_url(seen, HostRule::Public)
                    .map(|_| LinkKind::Web)
                    .map_err(|e| {
                        Refusal::new(e, "write the full address, e.g. https://example.ru/page")
                    }),
                "mailto" => {
                    let address = rest.split(['?', '#']).next().unwrap_or("");
                    if is_email(address) {
                        Ok(LinkKind::Mailto)
                    } else {
                        Err(Refusal::new(
                            format!("`{address}` is not an e-mail address"),
                            "write mailto:name@example.ru",
                        ))
                    }
                }
                "tel" => {
                    let ok = rest.chars().any(|c| c.is_ascii_digit())
                        && rest
                            .chars()
                            .all(|c| c.is_ascii_digit() || "+-().".contains(c));
                    if ok {
                        Ok(LinkKind::Tel)
                    } else {
                        Err(Refusal::new(
                            "a tel: link may hold only a phone number",
                            "write tel:+74951234567",
                        ))
                    }
                }
                "geo" => {
                    let ok = !rest.is_empty()
                        && rest
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || ",.;=-+%".contains(c));
                    if ok {
                        Ok(LinkKind::Geo)
                    } else {
                        Err(Refusal::new(
                            "a geo: link may hold only coordinates",
                            "write geo:55.75,37.62",
                        ))
                    }
                }
                "javascript" | "vbscript" | "data" | "blob" | "file" => Err(Refusal::new(
                    format!("`{scheme}:` links could run code in the reader's browser"),
                    LINK_HINT,
                )),
                _ => Err(Refusal::new(
                    format!("unknown link scheme `{scheme}:`"),
                    LINK_HINT,
                )),
            }
        }
        None if seen.starts_with("//") => Err(Refusal::new(
            "an address starting with `//` leads to another site",
            "write the full address with https://, or a path on this site with a single /",
        )),
        None if seen.starts_with('/') => Ok(LinkKind::SitePath),
        None => Ok(LinkKind::Relative),
    }
}

/// Whether an image source is a file of this site (no request to another host).
pub fn check_image(src: &str) -> Result<(), Refusal> {
    const HINT: &str = "put the image under static/ and link it with a path like /images/photo.jpg; images from other hosts are third-party requests";
    match classify_link(src) {
        Ok(LinkKind::SitePath | LinkKind::Relative) if !src.trim().is_empty() => Ok(()),
        Ok(_) => Err(Refusal::new("the image is not a file on this site", HINT)),
        Err(r) => Err(Refusal::new(r.reason, HINT)),
    }
}

/// An absolute `http(s)://` address with a public-looking host (a dot in it),
/// as `website`, a source's `url` and every address in content must be.
pub fn is_web_url(s: &str) -> bool {
    check_characters(s).is_ok() && parse_web_url(s, HostRule::Public).is_ok()
}

/// Parses an absolute `http(s)://` address for configuration, where a local
/// host (`http://localhost:8080/`) is fine. The error says what is wrong.
pub fn check_config_url(s: &str) -> Result<WebUrl<'_>, String> {
    check_characters(s).map_err(|r| r.reason)?;
    parse_web_url(s, HostRule::AnyHost)
}

/// The parts of an absolute web address that the policy looked at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WebUrl<'a> {
    pub scheme: &'a str,
    pub host: &'a str,
    /// From the first `/` after the host (may be empty), up to `?` or `#`.
    pub path: &'a str,
    pub has_query: bool,
    pub has_fragment: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum HostRule {
    /// A domain with a dot (or an IPv4 address): what content may link to.
    Public,
    /// Also `localhost`, single-label hosts and bracketed IPv6 (config).
    AnyHost,
}

fn parse_web_url(s: &str, rule: HostRule) -> Result<WebUrl<'_>, String> {
    let (scheme, rest) = s
        .split_once("://")
        .filter(|(scheme, _)| {
            scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https")
        })
        .ok_or_else(|| format!("`{s}` does not start with https:// or http://"))?;
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let after = &rest[authority_end..];
    if authority.contains('@') {
        return Err("a user name before `@` in a web address hides where it really leads".into());
    }
    let (host, port) = split_port(authority)?;
    check_host(host, rule)?;
    if let Some(port) = port
        && (port.is_empty()
            || port.len() > 5
            || !port.chars().all(|c| c.is_ascii_digit())
            || port.parse::<u32>().map_or(true, |p| p == 0 || p > 65_535))
    {
        return Err(format!("`{port}` is not a port number"));
    }
    let path_end = after.find(['?', '#']).unwrap_or(after.len());
    let path = &after[..path_end];
    let tail = &after[path_end..];
    Ok(WebUrl {
        scheme,
        host,
        path,
        has_query: tail.starts_with('?'),
        has_fragment: tail.contains('#'),
    })
}

fn split_port(authority: &str) -> Result<(&str, Option<&str>), String> {
    if let Some(inner) = authority.strip_prefix('[') {
        let close = inner
            .find(']')
            .ok_or_else(|| "an IPv6 address must be closed with `]`".to_string())?;
        let host = &authority[..close + 2];
        let rest = &inner[close + 1..];
        return match rest.strip_prefix(':') {
            Some(port) => Ok((host, Some(port))),
            None if rest.is_empty() => Ok((host, None)),
            None => Err(format!("unexpected `{rest}` after the host")),
        };
    }
    Ok(match authority.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    })
}

fn check_host(host: &str, rule: HostRule) -> Result<(), String> {
    if host.is_empty() {
        return Err("the address has no host name".into());
    }
    if let Some(v6) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        let ok = rule == HostRule::AnyHost
            && !v6.is_empty()
            && v6
                .chars()
                .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.');
        return if ok {
            Ok(())
        } else {
            Err(format!("`{host}` is not a host name this site can link to"))
        };
    }
    let labels: Vec<&str> = host.strip_suffix('.').unwrap_or(host).split('.').collect();
    for label in &labels {
        let ok = !label.is_empty()
            && label.chars().count() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.chars().all(|c| c.is_alphanumeric() || c == '-');
        if !ok {
            return Err(format!("`{host}` is not a valid host name"));
        }
    }
    if rule == HostRule::Public && labels.len() < 2 {
        return Err(format!(
            "`{host}` is not a public host name (a domain such as example.ru)"
        ));
    }
    Ok(())
}

/// An e-mail address as a `mailto:` link can carry it: a dot-atom local part
/// of letters, digits and `. _ % + -`, an `@`, and a host name with a dot whose
/// last label is letters (`.ru`, `.рф`). Anything else — quotes, angle
/// brackets, colons, slashes, spaces, a second `@` — is not an address.
pub fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._%+-".contains(c));
    let tld_ok = domain
        .rsplit('.')
        .next()
        .is_some_and(|tld| tld.chars().count() >= 2 && tld.chars().all(char::is_alphabetic));
    local_ok
        && s.len() <= 254
        && !domain.ends_with('.')
        && tld_ok
        && check_host(domain, HostRule::Public).is_ok()
}

/// Characters no address in content or config may hold, wherever they stand:
/// controls (a browser drops some of them and reads the rest differently),
/// whitespace, a backslash (a browser reads it as `/`), characters that only
/// make sense inside HTML, and invisible formatting marks that can make an
/// address read differently from where it leads.
fn check_characters(s: &str) -> Result<(), Refusal> {
    const HINT: &str = "retype the address: write spaces as %20 and leave out quotes, angle brackets and backslashes";
    for c in s.chars() {
        let what = if c.is_control() {
            "a control character"
        } else if c.is_whitespace() {
            "a space"
        } else if c == '\\' {
            "a backslash (a browser reads it as `/`)"
        } else if matches!(c, '"' | '<' | '>' | '`') {
            "a character that belongs to HTML, not to an address"
        } else if is_invisible_format(c) {
            "an invisible formatting character"
        } else {
            continue;
        };
        return Err(Refusal::new(format!("the address contains {what}"), HINT));
    }
    Ok(())
}

/// Zero-width and bidirectional marks (U+200B–U+200F, U+202A–U+202E,
/// U+2060–U+2064, U+2066–U+2069, U+FEFF): invisible, and able to disguise text.
fn is_invisible_format(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

/// The scheme as the WHATWG "scheme state" reads it: an ASCII letter, then
/// letters, digits, `+`, `-` or `.`, then `:`.
pub(crate) fn scheme_of(s: &str) -> Option<&str> {
    let end = s.find(':')?;
    let scheme = &s[..end];
    let mut chars = scheme.chars();
    let first = chars.next()?;
    (first.is_ascii_alphabetic()
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')))
    .then_some(scheme)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(dest: &str) -> bool {
        classify_link(dest).is_err()
    }

    #[test]
    fn script_schemes_are_refused_however_they_are_spelt() {
        for dest in [
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            " javascript:alert(1)",
            "\u{1}javascript:alert(1)",
            "java\tscript:alert(1)",
            "java\nscript:alert(1)",
            "vbscript:msgbox(1)",
            "data:text/html;base64,PHNjcmlwdD4=",
            "javascript:alert(1)//@b.ru",
            "file:///etc/passwd",
            "made-up:thing",
        ] {
            assert!(refused(dest), "{dest:?} passed");
        }
    }

    #[test]
    fn addresses_that_read_differently_than_they_lead_are_refused() {
        for dest in [
            "//evil.example",
            "//evil.example/a",
            "/\\evil.example",
            "\\\\evil.example",
            "https://bank.ru@evil.example/",
            "https:/\\evil.example",
            "https://evil\u{202E}elpmaxe.ru/",
            "https://a.ru/\"onmouseover=\"x",
            "https://a.ru/<script>",
            "https://a b.ru/",
            "https://",
            "https://-a.ru/",
            "https://a.ru:99999/",
            "/a\u{0}b",
        ] {
            assert!(refused(dest), "{dest:?} passed");
        }
    }

    #[test]
    fn ordinary_links_pass() {
        assert_eq!(classify_link("/routes/"), Ok(LinkKind::SitePath));
        assert_eq!(classify_link("#x"), Ok(LinkKind::Relative));
        assert_eq!(classify_link("../a/"), Ok(LinkKind::Relative));
        assert_eq!(
            classify_link("https://example.org/a?b=c#d"),
            Ok(LinkKind::Web)
        );
        assert_eq!(
            classify_link("http://мойсайт.рф/страница"),
            Ok(LinkKind::Web)
        );
        assert_eq!(classify_link("HTTPS://Example.org"), Ok(LinkKind::Web));
        assert_eq!(classify_link("mailto:a.b@mail.ru"), Ok(LinkKind::Mailto));
        assert_eq!(classify_link("tel:+7(495)123-45-67"), Ok(LinkKind::Tel));
        assert_eq!(classify_link("geo:55.75,37.62"), Ok(LinkKind::Geo));
        assert!(refused("mailto:javascript:alert(1)//@b.ru"));
        assert!(refused("tel:javascript:alert(1)"));
    }

    #[test]
    fn images_must_be_local() {
        assert!(check_image("/images/a.png").is_ok());
        assert!(check_image("a.png").is_ok());
        assert!(check_image("https://cdn.example/a.png").is_err());
        assert!(check_image("//cdn.example/a.png").is_err());
        assert!(check_image("javascript:alert(1)").is_err());
        assert!(check_image("data:image/svg+xml,<svg/onload=alert(1)>").is_err());
        assert!(check_image("").is_err());
    }

    #[test]
    fn site_paths() {
        assert!(classify_link("/a/b/") == Ok(LinkKind::SitePath));
        assert!(classify_link("//evil.example") != Ok(LinkKind::SitePath));
        assert!(classify_link("/\\evil.example") != Ok(LinkKind::SitePath));
        assert!(classify_link("https://a.ru/") != Ok(LinkKind::SitePath));
        assert!(classify_link(" /a/") != Ok(LinkKind::SitePath));
    }

    #[test]
    fn emails() {
        assert!(is_email("doverie_kaluga@mail.ru"));
        assert!(is_email("a.b+c@почта.рф"));
        for bad in [
            "a@b",
            "a@b.ru, c@d.ru",
            "mail.ru",
            "a@b.ru\"><x>",
            "javascript:alert(1)//@b.ru",
            "a@@b.ru",
            "a@b.ru@c.ru",
            ".a@b.ru",
            "a..b@b.ru",
            "a@b.ru ",
            "a@-b.ru",
            "a@b.r1",
            "a\u{0}@b.ru",
            "\"a\"@b.ru",
        ] {
            assert!(!is_email(bad), "{bad:?} passed");
        }
    }

    #[test]
    fn web_urls() {
        assert!(is_web_url("http://kalugadoverie.ru"));
        assert!(is_web_url("https://x.ru/a?b=c"));
        assert!(!is_web_url("kalugadoverie.ru"));
        assert!(!is_web_url("https://"));
        assert!(!is_web_url("javascript:alert(1)"));
        assert!(!is_web_url("https://localhost/"));
        assert!(!is_web_url(" https://x.ru/"));
        assert!(!is_web_url("https://x.ru/\u{7f}"));
    }

    #[test]
    fn config_urls_allow_local_hosts_but_not_tricks() {
        let u = check_config_url("http://localhost:8080/portal/").unwrap();
        assert_eq!((u.host, u.path), ("localhost", "/portal/"));
        assert!(check_config_url("http://[::1]:8080/").is_ok());
        assert!(check_config_url("http://127.0.0.1:8080/").is_ok());
        assert!(check_config_url("javascript:alert(1)//").is_err());
        assert!(check_config_url("//evil.example/").is_err());
        assert!(check_config_url("https://a.ru@evil.example/").is_err());
    }
}
