//! Format checks for single values: e-mails, web addresses, codes, coordinates.

/// An e-mail address; the rule lives in [`crate::urls::is_email`].
pub fn is_email(s: &str) -> bool {
    crate::urls::is_email(s)
}

/// An absolute http(s) URL with a public host; see [`crate::urls::is_web_url`].
pub fn is_web_url(s: &str) -> bool {
    crate::urls::is_web_url(s)
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
    fn region_codes() {
        assert!(is_region_code("RU-MOS"));
        assert!(is_region_code("RU-BA"));
        assert!(is_region_code("RU"));
        assert!(!is_region_code("RU-mos"));
        assert!(!is_region_code("MOS"));
    }
}
