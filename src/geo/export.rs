//! Open data: services as RFC 7946 GeoJSON, built with the `geojson` crate.

use std::collections::BTreeMap;

use geojson::{Feature, Geometry, GeometryValue, JsonObject, Position};
use serde_json::Value;

use super::{GeoService, valid_lat_lon};

/// Six decimals (~10 cm) is already more than any record's real precision.
fn round6(v: f64) -> f64 {
    (v * 1e6).round() / 1e6
}

fn feature(s: &GeoService) -> Feature {
    let mut props = JsonObject::new();
    props.insert("id".into(), Value::from(&*s.id));
    props.insert("name".into(), Value::from(&*s.name));
    props.insert("url".into(), Value::from(s.url.as_str()));
    props.insert("region".into(), Value::from(&*s.region));
    props.insert("precision".into(), Value::from(&*s.precision));
    let needs: Vec<&str> = s.needs.iter().map(|n| &**n).collect();
    props.insert("needs".into(), Value::from(needs));
    if let Some(m) = &s.municipality {
        props.insert("municipality".into(), Value::from(&**m));
    }
    Feature {
        bbox: None,
        // RFC 7946 §3.1.1: longitude first.
        geometry: Some(Geometry::new(GeometryValue::Point {
            coordinates: Position::from(vec![round6(s.lon), round6(s.lat)]),
        })),
        id: Some(geojson::feature::Id::String(s.id.to_string())),
        properties: Some(props),
        foreign_members: None,
    }
}

/// What `geojson::FeatureCollection` writes (no bbox, no foreign members),
/// with the features serialized one at a time.
#[derive(serde::Serialize)]
struct Collection<F> {
    #[serde(rename = "type")]
    kind: &'static str,
    features: F,
}

/// Writes a FeatureCollection of Point features, one per service with valid
/// coordinates, sorted by id so the file is byte-stable, into `out` feature by
/// feature: no whole collection is held in memory.
pub fn write_services_geojson<'a>(
    points: impl IntoIterator<Item = &'a GeoService<'a>>,
    out: impl std::io::Write,
) -> std::io::Result<()> {
    let mut valid: Vec<&GeoService> = points
        .into_iter()
        .filter(|s| valid_lat_lon(s.lat, s.lon))
        .collect();
    valid.sort_by(|a, b| a.id.cmp(&b.id));
    let collection = Collection {
        kind: "FeatureCollection",
        features: crate::output::sink::Each::new(valid.into_iter().map(feature)),
    };
    serde_json::to_writer(out, &collection)?;
    Ok(())
}

/// [`write_services_geojson`] as a string.
pub fn services_geojson(points: &[GeoService]) -> String {
    geojson_text(points)
}

fn geojson_text<'a>(points: impl IntoIterator<Item = &'a GeoService<'a>>) -> String {
    let mut out = Vec::new();
    match write_services_geojson(points, &mut out) {
        Ok(()) => String::from_utf8(out).unwrap_or_default(),
        Err(_) => "{\"type\":\"FeatureCollection\",\"features\":[]}".into(),
    }
}

/// The open-data files' paths and the services each holds:
/// `geo/services.geojson` for the country and `geo/regions/<code-lowercase>.geojson`
/// per region that has services.
pub fn services_geojson_groups<'a>(
    points: &'a [GeoService<'a>],
) -> Vec<(String, Vec<&'a GeoService<'a>>)> {
    let mut by_region: BTreeMap<String, Vec<&GeoService>> = BTreeMap::new();
    for s in points {
        by_region
            .entry(s.region.to_lowercase())
            .or_default()
            .push(s);
    }
    let mut groups = vec![("geo/services.geojson".to_string(), points.iter().collect())];
    groups.extend(
        by_region
            .into_iter()
            .map(|(code, list)| (format!("geo/regions/{code}.geojson"), list)),
    );
    groups
}

/// The open-data files (see [`services_geojson_groups`]) as strings.
pub fn services_geojson_files(points: &[GeoService]) -> Vec<(String, String)> {
    services_geojson_groups(points)
        .into_iter()
        .map(|(path, list)| (path, geojson_text(list)))
        .collect()
}
