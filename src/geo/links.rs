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
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
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
        self.get().serialize(serializer)
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
