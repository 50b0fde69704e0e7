//! The committed boundary data: complete, correctly coded, small, and usable for
//! point-in-region tests.

mod geo_common;
use geo_common::*;

#[test]
fn has_every_region_the_package_files_under_russia_with_portal_codes() {
    let b = boundaries();
    let codes: Vec<&str> = b.codes().collect();
    assert_eq!(codes.len(), 85, "{codes:?}");
    for c in &codes {
        let tail = c.strip_prefix("RU-").expect("RU- prefix");
        assert!(
            (2..=3).contains(&tail.len()) && tail.chars().all(|ch| ch.is_ascii_uppercase()),
            "{c}"
        );
    }
}

#[test]
fn package_mistakes_are_corrected() {
    let b = boundaries();
    assert_eq!(b.name("RU-ALT"), Some("Алтайский край"));
    assert_eq!(b.name("RU-AL"), Some("Республика Алтай"));
    assert_eq!(b.name("RU-MOW"), Some("Москва"));
    assert_eq!(b.name("RU-MOS"), Some("Московская область"));
    // Kremlin: in the city, and not in the oblast (the city is a hole in it).
    assert!(b.contains("RU-MOW", 55.752, 37.617));
    assert!(!b.contains("RU-MOS", 55.752, 37.617));
    // Krasnogorsk, the oblast's centre, is in the oblast.
    assert!(b.contains("RU-MOS", 55.832, 37.330) || b.region_at(55.832, 37.330) == Some("RU-MOW"));
    // Barnaul is in Altai Krai, Gorno-Altaysk in the Altai Republic.
    assert_eq!(b.region_at(53.348, 83.776), Some("RU-ALT"));
    assert_eq!(b.region_at(51.958, 85.960), Some("RU-AL"));
}

#[test]
fn chukotka_is_whole_across_the_antimeridian() {
    let b = boundaries();
    assert_eq!(b.region_at(68.05, 166.44), Some("RU-CHU"), "Bilibino");
    assert_eq!(
        b.region_at(66.0, 178.0),
        Some("RU-CHU"),
        "inland west of 180°"
    );
    assert_eq!(
        b.region_at(66.0, -175.0),
        Some("RU-CHU"),
        "east of 180°, given as a western longitude"
    );
    let bb = b.bbox("RU-CHU").unwrap();
    assert!(bb[2] > 180.0 && bb[2] - bb[0] < 40.0, "{bb:?}");
}

#[test]
fn every_region_centre_in_content_lies_in_its_region() {
    let b = boundaries();
    let mut wrong = Vec::new();
    for (code, (lat, lon), _) in content_regions() {
        if code.starts_with("RU-") && !b.contains(&code, lat, lon) {
            wrong.push(format!(
                "{code} centre {lat},{lon} is in {:?}",
                b.region_at(lat, lon)
            ));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn data_file_is_small_enough_for_the_repository_and_build() {
    let size = std::fs::metadata(repo().join("data/geo/ru-regions.geojson"))
        .unwrap()
        .len();
    assert!(size < 400_000, "{size} bytes");
}

#[test]
fn missing_directory_is_an_error_not_a_panic() {
    let err = opora::geo::Boundaries::load(std::path::Path::new("/nonexistent/geo")).unwrap_err();
    assert!(err.to_string().contains("ru-regions.geojson"));
    assert!(opora::geo::Boundaries::parse("{\"type\":\"Point\",\"coordinates\":[1,2]}").is_err());
    assert!(opora::geo::Boundaries::parse("not json").is_err());
}

#[test]
fn distances_match_known_values() {
    // Moscow (Kremlin) – St Petersburg (Palace Square): about 634 km.
    let d = opora::geo::distance_km((55.752, 37.617), (59.939, 30.316));
    assert!((d - 634.0).abs() < 5.0, "{d}");
    assert_eq!(opora::geo::distance_km((54.98, 73.32), (54.98, 73.32)), 0.0);
    // Across the antimeridian the short way round.
    let d = opora::geo::distance_km((65.0, 179.5), (65.0, -179.5));
    assert!(d < 60.0, "{d}");
}
