//! Helpers shared by the geo tests: the repository's own data and content, read directly
//! (front matter only) so these tests do not depend on the core loader.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use opora::geo::{Boundaries, GeoService, MapPoint};

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn boundaries() -> Boundaries {
    Boundaries::load(&repo().join("data/geo")).expect("data/geo/ru-regions.geojson loads")
}

fn front_matter(path: &Path) -> toml::Table {
    let text = std::fs::read_to_string(path).unwrap();
    let body = text
        .strip_prefix("+++")
        .expect("front matter starts with +++");
    let end = body.find("\n+++").expect("front matter ends with +++");
    body[..end]
        .parse()
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn md_files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .map(|e| e.into_path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    out.sort();
    out
}

/// Every service in `content/services` that has a `location`.
pub fn content_services() -> Vec<GeoService<'static>> {
    let mut out = Vec::new();
    for path in md_files(&repo().join("content/services")) {
        let fm = front_matter(&path);
        let Some(loc) = fm.get("location").and_then(|v| v.as_table()) else {
            continue;
        };
        let folder = path
            .parent()
            .unwrap()
            .file_name()
            .unwrap()
            .to_string_lossy()
            .to_string();
        let slug = path.file_stem().unwrap().to_string_lossy().to_string();
        let num = |k: &str| {
            loc.get(k)
                .and_then(|v| v.as_float().or(v.as_integer().map(|i| i as f64)))
                .unwrap()
        };
        let s = |k: &str| fm.get(k).and_then(|v| v.as_str()).map(str::to_string);
        out.push(GeoService {
            id: format!("{folder}/{slug}").into(),
            url: format!("/services/{folder}/{slug}/"),
            name: s("name").unwrap_or_default().into(),
            lat: num("lat"),
            lon: num("lon"),
            precision: loc
                .get("precision")
                .and_then(|v| v.as_str())
                .unwrap_or("city")
                .to_string()
                .into(),
            region: s("region").unwrap().into(),
            needs: fm
                .get("needs")
                .and_then(|v| v.as_array())
                .map(|a| {
                    a.iter()
                        .filter_map(|x| x.as_str().map(|n| n.to_string().into()))
                        .collect()
                })
                .unwrap_or_default(),
            municipality: s("municipality").map(Into::into),
            phone: None,
            contactable: fm.contains_key("phones") || fm.contains_key("emails"),
        });
    }
    out
}

/// A municipality centre: `(name, lat, lon)`.
pub type Muni = (String, f64, f64);

/// `(code, centre (lat, lon), municipalities)` for every region file.
pub fn content_regions() -> Vec<(String, (f64, f64), Vec<Muni>)> {
    let mut out = Vec::new();
    for path in md_files(&repo().join("content/regions")) {
        let fm = front_matter(&path);
        let code = fm.get("code").and_then(|v| v.as_str()).unwrap().to_string();
        let f = |t: &toml::Table, k: &str| t.get(k).and_then(|v| v.as_float()).unwrap();
        let Some(c) = fm.get("centre_location").and_then(|v| v.as_table()) else {
            continue;
        };
        let munis = fm
            .get("municipalities")
            .and_then(|v| v.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|m| m.as_table())
                    .map(|m| {
                        (
                            m.get("name").and_then(|v| v.as_str()).unwrap().to_string(),
                            f(m, "lat"),
                            f(m, "lon"),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        out.push((code, (f(c, "lat"), f(c, "lon")), munis));
    }
    out
}

pub fn map_point(s: &GeoService) -> MapPoint {
    MapPoint {
        id: s.id.to_string(),
        href: s.url.clone(),
        label: s.name.to_string(),
        lat: s.lat,
        lon: s.lon,
        precision: s.precision.to_string(),
    }
}

/// Deterministic pseudo-random numbers (a 64-bit LCG) so tests need no extra crate.
pub struct Lcg(pub u64);
impl Lcg {
    pub fn next_f64(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}
