//! Region boundaries loaded from `data/geo/ru-regions.geojson` (see `scripts/geo/`).

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use geojson::{GeoJson, GeometryValue};

/// File name of the boundaries inside the geo data directory.
pub const BOUNDARIES_FILE: &str = "ru-regions.geojson";

/// Why the boundaries could not be loaded.
#[derive(Debug)]
pub enum GeoError {
    Io(PathBuf, std::io::Error),
    Parse(PathBuf, String),
}

impl fmt::Display for GeoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GeoError::Io(p, e) => write!(f, "{}: {e}", p.display()),
            GeoError::Parse(p, e) => write!(f, "{}: {e}", p.display()),
        }
    }
}

impl std::error::Error for GeoError {}

/// A ring as `(lon, lat)` pairs with longitudes unwrapped to 0..360 east, so regions
/// crossing the antimeridian (Chukotka) are contiguous.
pub(crate) type Ring = Vec<(f64, f64)>;

#[derive(Debug, Clone)]
pub(crate) struct Region {
    pub name: String,
    /// Polygons, each an exterior ring followed by holes.
    pub polygons: Vec<Vec<Ring>>,
    pub bbox: [f64; 4],
}

/// All region outlines, keyed by ISO 3166-2 code.
#[derive(Debug, Clone, Default)]
pub struct Boundaries {
    pub(crate) regions: BTreeMap<String, Region>,
}

/// Russia lies east of 19° E; western longitudes are its far east across the antimeridian.
pub(crate) fn unwrap_lon(lon: f64) -> f64 {
    if lon < 0.0 { lon + 360.0 } else { lon }
}

impl Boundaries {
    /// Loads `ru-regions.geojson` from `geo_dir` (normally `data/geo/`).
    pub fn load(geo_dir: &Path) -> Result<Boundaries, GeoError> {
        let path = geo_dir.join(BOUNDARIES_FILE);
        let text = std::fs::read_to_string(&path).map_err(|e| GeoError::Io(path.clone(), e))?;
        Boundaries::parse(&text).map_err(|e| GeoError::Parse(path, e))
    }

    /// Parses a FeatureCollection whose features carry `code` and `name` properties.
    pub fn parse(text: &str) -> Result<Boundaries, String> {
        let gj: GeoJson = text.parse().map_err(|e: geojson::Error| e.to_string())?;
        let GeoJson::FeatureCollection(fc) = gj else {
            return Err("expected a FeatureCollection".into());
        };
        let mut regions = BTreeMap::new();
        for (i, f) in fc.features.into_iter().enumerate() {
            let prop = |k: &str| {
                f.properties
                    .as_ref()
                    .and_then(|p| p.get(k))
                    .and_then(|v| v.as_str())
                    .map(str::to_string)
            };
            let code = prop("code").ok_or(format!("feature {i}: no `code` property"))?;
            let name = prop("name").unwrap_or_else(|| code.clone());
            let polys = match f.geometry.map(|g| g.value) {
                Some(GeometryValue::Polygon { coordinates }) => vec![coordinates],
                Some(GeometryValue::MultiPolygon { coordinates }) => coordinates,
                _ => return Err(format!("{code}: geometry must be a (Multi)Polygon")),
            };
            let polygons: Vec<Vec<Ring>> = polys
                .iter()
                .map(|poly| {
                    poly.iter()
                        .map(|ring| {
                            ring.iter()
                                .filter(|p| p.len() >= 2)
                                .map(|p| (unwrap_lon(p[0]), p[1]))
                                .collect()
                        })
                        .collect()
                })
                .collect();
            let bbox = bbox_of(polygons.iter().flat_map(|p| p.first()).flatten())
                .ok_or(format!("{code}: empty geometry"))?;
            regions.insert(
                code,
                Region {
                    name,
                    polygons,
                    bbox,
                },
            );
        }
        Ok(Boundaries { regions })
    }

    /// Region codes in sorted order.
    pub fn codes(&self) -> impl Iterator<Item = &str> {
        self.regions.keys().map(String::as_str)
    }

    /// The region's name as stored in the boundary data.
    pub fn name(&self, code: &str) -> Option<&str> {
        self.regions.get(code).map(|r| r.name.as_str())
    }

    /// `[min_lon, min_lat, max_lon, max_lat]`. Longitudes east of 180° are written as
    /// 180+ (Chukotka's max_lon is about 190) so the box stays contiguous.
    pub fn bbox(&self, code: &str) -> Option<[f64; 4]> {
        self.regions.get(code).map(|r| r.bbox)
    }

    /// Whether the point lies inside the region (even–odd rule over all rings, so holes
    /// such as Moscow inside Moscow Oblast are respected).
    pub fn contains(&self, code: &str, lat: f64, lon: f64) -> bool {
        let Some(r) = self.regions.get(code) else {
            return false;
        };
        let lon = unwrap_lon(lon);
        let [x0, y0, x1, y1] = r.bbox;
        if lon < x0 || lon > x1 || lat < y0 || lat > y1 {
            return false;
        }
        r.polygons.iter().any(|poly| {
            let inside_outer = poly.first().is_some_and(|o| ring_contains(o, lon, lat));
            inside_outer && !poly[1..].iter().any(|h| ring_contains(h, lon, lat))
        })
    }

    /// The region containing the point, if any.
    pub fn region_at(&self, lat: f64, lon: f64) -> Option<&str> {
        self.codes().find(|c| self.contains(c, lat, lon))
    }
}

pub(crate) fn bbox_of<'a>(points: impl Iterator<Item = &'a (f64, f64)>) -> Option<[f64; 4]> {
    let mut b = [f64::MAX, f64::MAX, f64::MIN, f64::MIN];
    let mut any = false;
    for &(x, y) in points {
        any = true;
        b = [b[0].min(x), b[1].min(y), b[2].max(x), b[3].max(y)];
    }
    any.then_some(b)
}

/// Ray casting; points exactly on an edge may go either way, which is fine at map scale.
fn ring_contains(ring: &[(f64, f64)], x: f64, y: f64) -> bool {
    let mut inside = false;
    let n = ring.len();
    if n < 3 {
        return false;
    }
    let mut j = n - 1;
    for i in 0..n {
        let (xi, yi) = ring[i];
        let (xj, yj) = ring[j];
        if (yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi {
            inside = !inside;
        }
        j = i;
    }
    inside
}
