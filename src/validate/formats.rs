//! Format checks for single values: e-mails, web addresses, codes, coordinates.

/// A plausible e-mail address: one `@`, a dotted domain, no spaces.
pub fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s.chars().any(|c| c.is_whitespace() || c == ',' || c == ';')
}

/// An absolute http(s) URL with a host.
pub fn is_web_url(s: &str) -> bool {
    let rest = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"));
    match rest {
        Some(rest) => {
            let host = rest.split(['/', '?', '#']).next().unwrap_or("");
            !host.is_empty() && host.contains('.') && !s.chars().any(char::is_whitespace)
        }
        None => false,
    }
}

/// `RU` (the federation) or an ISO 3166-2:RU subdivision code like `RU-MOS`, `RU-BA`.
pub fn is_region_code(s: &str) -> bool {
    if s == "RU" {
        return true;
    }
    match s.strip_prefix("RU-") {
        Some(sub) => (2..=3).contains(&sub.len()) && sub.chars().all(|c| c.is_ascii_uppercase()),
        None => false,
    }
}

pub fn in_bbox(bbox: &[f64; 4], lat: f64, lon: f64) -> bool {
    lon >= bbox[0] && lat >= bbox[1] && lon <= bbox[2] && lat <= bbox[3]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert!(is_email("doverie_kaluga@mail.ru"));
        assert!(!is_email("a@b"));
        assert!(!is_email("a@b.ru, c@d.ru"));
        assert!(!is_email("mail.ru"));
    }

    #[test]
    fn urls() {
        assert!(is_web_url("http://kalugadoverie.ru"));
        assert!(is_web_url("https://x.ru/a?b=c"));
        assert!(!is_web_url("kalugadoverie.ru"));
        assert!(!is_web_url("https://"));
        assert!(!is_web_url("javascript:alert(1)"));
    }

    #[test]
    fn region_codes() {
        assert!(is_region_code("RU-MOS"));
        assert!(is_region_code("RU-BA"));
        assert!(is_region_code("RU"));
        assert!(!is_region_code("RU-mos"));
        assert!(!is_region_code("MOS"));
    }
}
