//! Open data: GeoJSON output parses with the `geojson` crate and follows RFC 7946
//! (Point coordinates as [lon, lat] in range, exterior rings counter-clockwise).

mod geo_common;
use geo_common::*;
use geojson::{GeoJson, GeometryValue};
use opora::geo::{services_geojson, services_geojson_files};

fn signed_area(ring: &[geojson::Position]) -> f64 {
    ring.windows(2)
        .map(|w| w[0][0] * w[1][1] - w[1][0] * w[0][1])
        .sum::<f64>()
        / 2.0
}

/// Checks the RFC 7946 rules we can check mechanically; returns the problems found.
fn rfc7946_problems(text: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let GeoJson::FeatureCollection(fc) = text.parse::<GeoJson>().expect("parses") else {
        return vec!["not a FeatureCollection".into()];
    };
    let in_range = |p: &geojson::Position| {
        p.len() == 2 && (-180.0..=180.0).contains(&p[0]) && (-90.0..=90.0).contains(&p[1])
    };
    for (i, f) in fc.features.iter().enumerate() {
        match f.geometry.as_ref().map(|g| &g.value) {
            Some(GeometryValue::Point { coordinates }) if !in_range(coordinates) => {
                problems.push(format!("{i}: point out of range"))
            }
            Some(GeometryValue::Point { .. }) => {}
            Some(GeometryValue::Polygon { coordinates }) => {
                check_polygon(i, coordinates, &mut problems, &in_range)
            }
            Some(GeometryValue::MultiPolygon { coordinates }) => coordinates
                .iter()
                .for_each(|p| check_polygon(i, p, &mut problems, &in_range)),
            other => problems.push(format!("{i}: unexpected geometry {other:?}")),
        }
    }
    problems
}

fn check_polygon(
    i: usize,
    poly: &[Vec<geojson::Position>],
    problems: &mut Vec<String>,
    in_range: &dyn Fn(&geojson::Position) -> bool,
) {
    for (k, ring) in poly.iter().enumerate() {
        if ring.len() < 4 || ring.first() != ring.last() {
            problems.push(format!("{i}: ring {k} not closed or too short"));
        }
        if !ring.iter().all(in_range) {
            problems.push(format!("{i}: ring {k} out of range"));
        }
        let a = signed_area(ring);
        if (k == 0) != (a > 0.0) {
            problems.push(format!("{i}: ring {k} wound the wrong way"));
        }
    }
}

#[test]
fn services_geojson_is_valid_rfc7946_with_lon_first() {
    let services = content_services();
    let text = services_geojson(&services);
    assert!(
        rfc7946_problems(&text).is_empty(),
        "{:?}",
        rfc7946_problems(&text)
    );
    let GeoJson::FeatureCollection(fc) = text.parse::<GeoJson>().unwrap() else {
        panic!()
    };
    assert_eq!(fc.features.len(), services.len());
    for f in &fc.features {
        let id = f.properties.as_ref().unwrap()["id"].as_str().unwrap();
        let s = services.iter().find(|s| s.id == id).unwrap();
        let Some(GeometryValue::Point { coordinates }) = f.geometry.as_ref().map(|g| &g.value)
        else {
            panic!()
        };
        assert!(
            (coordinates[0] - s.lon).abs() < 1e-6 && (coordinates[1] - s.lat).abs() < 1e-6,
            "lon first"
        );
        assert_eq!(
            f.properties.as_ref().unwrap()["url"].as_str(),
            Some(s.url.as_str())
        );
    }
}

#[test]
fn per_region_files_partition_the_country_file() {
    let services = content_services();
    let files = services_geojson_files(&services);
    assert_eq!(files[0].0, "geo/services.geojson");
    let mut total = 0;
    for (path, text) in &files[1..] {
        assert!(
            path.starts_with("geo/regions/ru-") && path.ends_with(".geojson"),
            "{path}"
        );
        let GeoJson::FeatureCollection(fc) = text.parse::<GeoJson>().unwrap() else {
            panic!()
        };
        let code = path
            .trim_start_matches("geo/regions/")
            .trim_end_matches(".geojson")
            .to_uppercase();
        assert!(
            fc.features
                .iter()
                .all(|f| f.properties.as_ref().unwrap()["region"] == code.as_str())
        );
        total += fc.features.len();
    }
    assert_eq!(total, services.len());
}

#[test]
fn invalid_points_are_left_out_and_output_is_stable() {
    let mut services = content_services();
    let a = services_geojson(&services);
    services.reverse();
    assert_eq!(a, services_geojson(&services));
    services[0].lat = 91.0;
    let text = services_geojson(&services);
    assert!(rfc7946_problems(&text).is_empty());
    assert_eq!(text.matches("\"Feature\"").count(), services.len() - 1);
}

#[test]
fn boundary_data_follows_rfc7946_winding_and_ranges() {
    let text = std::fs::read_to_string(repo().join("data/geo/ru-regions.geojson")).unwrap();
    let problems = rfc7946_problems(&text);
    assert!(problems.is_empty(), "{problems:#?}");
}
