//! Open data: services as RFC 7946 GeoJSON, built with the `geojson` crate.

use std::collections::BTreeMap;

use geojson::{Feature, FeatureCollection, Geometry, GeometryValue, JsonObject, Position};
use serde_json::Value;

use super::{GeoService, valid_lat_lon};

/// Six decimals (~10 cm) is already more than any record's real precision.
fn round6(v: f64) -> f64 {
    (v * 1e6).round() / 1e6
}

fn feature(s: &GeoService) -> Feature {
    let mut props = JsonObject::new();
    props.insert("id".into(), Value::from(s.id.as_str()));
    props.insert("name".into(), Value::from(s.name.as_str()));
    props.insert("url".into(), Value::from(s.url.as_str()));
    props.insert("region".into(), Value::from(s.region.as_str()));
    props.insert("precision".into(), Value::from(s.precision.as_str()));
    props.insert("needs".into(), Value::from(s.needs.clone()));
    if let Some(m) = &s.municipality {
        props.insert("municipality".into(), Value::from(m.as_str()));
    }
    Feature {
        bbox: None,
        // RFC 7946 §3.1.1: longitude first.
        geometry: Some(Geometry::new(GeometryValue::Point {
            coordinates: Position::from(vec![round6(s.lon), round6(s.lat)]),
        })),
        id: Some(geojson::feature::Id::String(s.id.clone())),
        properties: Some(props),
        foreign_members: None,
    }
}

/// A FeatureCollection of Point features, one per service with valid coordinates,
/// sorted by id so the file is byte-stable.
pub fn services_geojson(points: &[GeoService]) -> String {
    let mut valid: Vec<&GeoService> = points
        .iter()
        .filter(|s| valid_lat_lon(s.lat, s.lon))
        .collect();
    valid.sort_by(|a, b| a.id.cmp(&b.id));
    let fc = FeatureCollection {
        bbox: None,
        features: valid.into_iter().map(feature).collect(),
        foreign_members: None,
    };
    serde_json::to_string(&fc)
        .unwrap_or_else(|_| "{\"type\":\"FeatureCollection\",\"features\":[]}".into())
}

/// The open-data files: `geo/services.geojson` for the country and
/// `geo/regions/<code-lowercase>.geojson` per region that has services.
pub fn services_geojson_files(points: &[GeoService]) -> Vec<(String, String)> {
    let mut by_region: BTreeMap<String, Vec<GeoService>> = BTreeMap::new();
    for s in points {
        by_region
            .entry(s.region.to_lowercase())
            .or_default()
            .push(s.clone());
    }
    let mut files = vec![("geo/services.geojson".to_string(), services_geojson(points))];
    for (code, list) in by_region {
        files.push((
            format!("geo/regions/{code}.geojson"),
            services_geojson(&list),
        ));
    }
    files
}
