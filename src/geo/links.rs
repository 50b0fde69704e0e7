//! "Open in maps" links. They are plain links the reader chooses to follow; the
//! page itself never contacts these services.

/// Links for one location.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MapLinks {
    /// `geo:` URI (RFC 5870) that phones open in their own map app.
    pub geo: String,
    pub osm: String,
    pub yandex: String,
}

fn coord(v: f64) -> String {
    // Six decimals is ~10 cm; trailing zeros trimmed to keep URLs short and stable.
    let s = format!("{v:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.to_string() }
}

/// Percent-encodes everything except RFC 3986 unreserved characters.
fn encode(s: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(b as char)
            }
            _ => {
                out.push('%');
                out.push(HEX[usize::from(b >> 4)] as char);
                out.push(HEX[usize::from(b & 15)] as char);
            }
        }
    }
    out
}

/// A point's [`MapLinks`], made when serialized (for the page that shows
/// them) rather than held: the three URLs, the name percent-encoded in one
/// of them, are ~400 bytes, ~0.4 GB at a million services.
#[derive(Debug, Clone)]
pub struct LazyMapLinks {
    pub lat: f64,
    pub lon: f64,
    pub label: std::sync::Arc<str>,
}

impl LazyMapLinks {
    pub fn get(&self) -> MapLinks {
        map_links(self.lat, self.lon, &self.label)
    }
}

impl serde::Serialize for LazyMapLinks {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // A page's key needs only what the links are made from.
        if crate::render::context::keying() {
            (self.lat, self.lon, &*self.label).serialize(serializer)
        } else {
            self.get().serialize(serializer)
        }
    }
}

/// `geo:`, OpenStreetMap and Yandex Maps links for a point; `label` names the pin where
/// the app supports it.
pub fn map_links(lat: f64, lon: f64, label: &str) -> MapLinks {
    let (la, lo) = (coord(lat), coord(lon));
    let q = if label.trim().is_empty() {
        String::new()
    } else {
        format!("({})", encode(label.trim()))
    };
    MapLinks {
        geo: format!("geo:{la},{lo}?q={la},{lo}{q}"),
        osm: format!("https://www.openstreetmap.org/?mlat={la}&mlon={lo}#map=16/{la}/{lo}"),
        yandex: format!("https://yandex.ru/maps/?pt={lo},{la}&z=16&l=map"),
    }
}

/// The honest Russian label for a location precision from the content format.
pub fn precision_label(precision: &str) -> &'static str {
    match precision {
        "exact" => "точный адрес",
        "street" => "улица",
        _ => "только город",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_name_is_percent_encoded_in_the_geo_link() {
        let links = map_links(55.75, 37.620_000_1, " Центр «А-б_в.~» ");
        assert_eq!(
            links.geo,
            "geo:55.75,37.62?q=55.75,37.62(%D0%A6%D0%B5%D0%BD%D1%82%D1%80%20%C2%AB%D0%90-%D0%B1_%D0%B2.~%C2%BB)"
        );
        assert_eq!(map_links(-0.0, 0.0, "").geo, "geo:0,0?q=0,0");
    }
}
