//! Near me: shards hold every point exactly once in the right cell, the no-JS municipality
//! order is a true distance sort, and the fixture the Node test uses is what Rust writes.

mod geo_common;
use geo_common::*;
use opora::geo::{GeoService, cell_key, distance_km, municipality_services, near_me_shards};

/// A reproducible cloud of services over Russia, many sharing town centres.
pub fn synthetic_services(n: usize) -> Vec<GeoService<'static>> {
    let needs = ["crisis", "psychologist", "early-help", "housing"];
    let towns = [
        (55.75, 37.62),
        (54.99, 73.32),
        (43.12, 131.89),
        (58.0, 56.25),
        (64.73, 177.5),
    ];
    let mut rng = Lcg(7);
    (0..n)
        .map(|i| {
            let (lat, lon) = if i % 4 == 0 {
                towns[i % towns.len()]
            } else {
                (42.0 + rng.next_f64() * 27.0, 20.0 + rng.next_f64() * 160.0)
            };
            GeoService {
                id: format!("svc-{i:03}").into(),
                url: format!("/services/x/svc-{i:03}/"),
                name: format!("Служба {i}").into(),
                lat: (lat * 1e4f64).round() / 1e4,
                lon: (lon * 1e4f64).round() / 1e4,
                precision: "city".into(),
                region: "RU-XXX".into(),
                needs: vec![needs[i % 4].into(), needs[(i / 4) % 4].into()],
                municipality: None,
                phone: (i % 3 == 0).then(|| opora::geo::PhoneLink {
                    display: format!("+7 (800) 000-00-{:02}", i % 100),
                    tel: format!("tel:+78000000{:03}", i % 1000),
                }),
                contactable: i % 3 == 0,
            }
        })
        .collect()
}

#[test]
fn shards_hold_every_point_once_in_its_own_cell() {
    let services = synthetic_services(300);
    let files = near_me_shards(&services, &Default::default());
    let index: serde_json::Value = serde_json::from_str(&files[0].1).unwrap();
    let mut seen = std::collections::BTreeSet::new();
    for (path, json) in &files[1..] {
        let key = path
            .trim_start_matches("geo/near/")
            .trim_end_matches(".json");
        let items: Vec<serde_json::Value> = serde_json::from_str(json).unwrap();
        assert_eq!(index["cells"][key]["n"].as_u64(), Some(items.len() as u64));
        for it in items {
            assert_eq!(
                cell_key(it["lat"].as_f64().unwrap(), it["lon"].as_f64().unwrap()),
                key
            );
            assert!(
                seen.insert(it["id"].as_str().unwrap().to_string()),
                "duplicate"
            );
        }
    }
    assert_eq!(seen.len(), services.len());
    // Shards are small: the point of sharding.
    let largest = files[1..].iter().map(|f| f.1.len()).max().unwrap();
    assert!(largest < 20_000, "{largest}");
}

#[test]
fn municipality_order_is_a_true_distance_sort_with_need_filter() {
    let services = synthetic_services(300);
    let from = (54.9885, 73.3242);
    let sorted = municipality_services(&services, from, Some("crisis"));
    let mut brute: Vec<(String, f64)> = services
        .iter()
        .filter(|s| s.needs.iter().any(|n| n == "crisis"))
        .map(|s| (s.id.to_string(), distance_km(from, (s.lat, s.lon))))
        .collect();
    brute.sort_by(|a, b| a.1.total_cmp(&b.1));
    assert_eq!(sorted.len(), brute.len());
    for (w, (s, d)) in sorted.windows(2).zip(&sorted) {
        assert!(w[0].1 <= w[1].1);
        assert!((d - distance_km(from, (s.lat, s.lon))).abs() < 1e-9);
    }
    assert_eq!(sorted[0].1, brute[0].1);
    assert!(
        sorted
            .iter()
            .all(|(s, _)| s.needs.iter().any(|n| n == "crisis"))
    );
}

#[test]
fn content_municipality_pages_sort_their_region_by_distance() {
    let services = content_services();
    for (code, _, munis) in content_regions() {
        let here: Vec<GeoService> = services
            .iter()
            .filter(|s| s.region == code)
            .cloned()
            .collect();
        for (name, lat, lon) in munis {
            let list = municipality_services(&here, (lat, lon), None);
            assert_eq!(list.len(), here.len(), "{code}/{name}");
            assert!(list.windows(2).all(|w| w[0].1 <= w[1].1), "{code}/{name}");
            // A service recorded in this very municipality comes first.
            if let Some(s) = here
                .iter()
                .find(|s| s.municipality.as_deref() == Some(name.as_str()))
            {
                assert!(list[0].1 <= distance_km((lat, lon), (s.lat, s.lon)) + 1e-9);
            }
        }
    }
}

/// The Node test (`tests/js/geo-near-me.test.mjs`) runs the browser code against these files;
/// this keeps them identical to what Rust writes. `UPDATE_GEO_FIXTURES=1` rewrites them.
#[test]
fn node_fixture_matches_rust_output() {
    let dir = repo().join("tests/fixtures/geo");
    let files = near_me_shards(&synthetic_services(300), &Default::default());
    let bundle: serde_json::Map<String, serde_json::Value> = files
        .iter()
        .map(|(p, j)| (p.clone(), serde_json::from_str(j).unwrap()))
        .collect();
    let text = serde_json::to_string(&bundle).unwrap() + "\n";
    let path = dir.join("near-shards.json");
    if std::env::var_os("UPDATE_GEO_FIXTURES").is_some() {
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(&path, &text).unwrap();
    }
    let committed = std::fs::read_to_string(&path).expect("run with UPDATE_GEO_FIXTURES=1 once");
    assert!(
        committed == text,
        "fixture is stale: rerun with UPDATE_GEO_FIXTURES=1"
    );
}
