//! The geo features in the built default portal: region maps link every located service,
//! municipality pages (no-JS near me) sort by distance, open data and shards are published,
//! and no tile-map code ships while the tile map is off.

mod geo_common;
use geo_common::*;
use std::path::PathBuf;
use std::sync::OnceLock;

fn built() -> &'static PathBuf {
    static OUT: OnceLock<PathBuf> = OnceLock::new();
    OUT.get_or_init(|| {
        let out = tempfile::tempdir().unwrap().keep().join("public");
        let opts = opora::pipeline::Options {
            root: repo(),
            output: out.clone(),
            strict: false,
            base_url: None,
        };
        opora::pipeline::build(&opts)
            .unwrap_or_else(|e| panic!("build failed: {:?}", e.diagnostics));
        out
    })
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(built().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn attr_values<'a>(html: &'a str, prefix: &str) -> Vec<&'a str> {
    html.split(prefix)
        .skip(1)
        .map(|s| &s[..s.find('"').unwrap()])
        .collect()
}

#[test]
fn region_pages_map_every_located_service() {
    let services = content_services();
    for (code, _, _) in content_regions() {
        let here: Vec<_> = services.iter().filter(|s| s.region == code).collect();
        let html = read(&format!("regions/{}/index.html", code.to_lowercase()));
        if here.is_empty() {
            // No point to show: no map, and no caption about points.
            assert!(!html.contains("id=\"map-h\""), "{code}: an empty map");
            continue;
        }
        let svg = &html[html
            .find("<svg")
            .unwrap_or_else(|| panic!("{code}: no map"))
            ..html.find("</svg>").unwrap()];
        let links = attr_values(svg, "<a href=\"");
        for s in &here {
            assert!(
                links.contains(&s.url.as_str()),
                "{code}: {} not on the map",
                s.url
            );
            assert!(
                built()
                    .join(s.url.trim_start_matches('/'))
                    .join("index.html")
                    .exists()
            );
        }
    }
}

#[test]
fn municipality_pages_sort_services_by_distance_from_the_centre() {
    let services = content_services();
    let mut pages = 0;
    for (code, _, munis) in content_regions() {
        let located: Vec<_> = services.iter().filter(|s| s.region == code).collect();
        for (name, lat, lon) in munis {
            let rel = format!(
                "regions/{}/m/{}/index.html",
                code.to_lowercase(),
                opora::ru::slugify(&name)
            );
            let html = read(&rel);
            let listed = &html[..html.find("Без точного места").unwrap_or(html.len())];
            let hrefs = attr_values(listed, "class=\"card-title\" href=\"");
            let dist: Vec<f64> = hrefs
                .iter()
                .map(|h| {
                    let s = located
                        .iter()
                        .find(|s| s.url == *h)
                        .unwrap_or_else(|| panic!("{rel}: {h} is not a located service of {code}"));
                    opora::geo::distance_km((lat, lon), (s.lat, s.lon))
                })
                .collect();
            assert_eq!(
                hrefs.len(),
                located.len(),
                "{rel}: every located service listed once"
            );
            assert!(
                dist.windows(2).all(|w| w[0] <= w[1] + 1e-9),
                "{rel}: not sorted by distance: {dist:?}"
            );
            // A point that is only its town's centre gets no exact distance.
            let shown: Vec<&str> = listed
                .split("<span class=\"distance\">")
                .skip(1)
                .map(|s| &s[..s.find('<').unwrap()])
                .collect();
            assert_eq!(shown.len(), hrefs.len(), "{rel}: a distance for each");
            for (href, text) in hrefs.iter().zip(&shown) {
                let s = located.iter().find(|s| s.url == *href).unwrap();
                let town_only = s.precision == "city";
                assert_eq!(
                    text.starts_with("центр города") || text.starts_with("≈ "),
                    town_only,
                    "{rel}: {href} ({}) shows «{text}»",
                    s.precision
                );
            }
            pages += 1;
        }
    }
    assert!(pages > 0, "content has municipalities");
}

#[test]
fn open_data_and_shards_are_published() {
    let located = content_services().len();
    let gj: geojson::GeoJson = read("geo/services.geojson").parse().unwrap();
    let geojson::GeoJson::FeatureCollection(fc) = gj else {
        panic!()
    };
    assert_eq!(fc.features.len(), located);
    let page = read("open-data/index.html");
    for href in attr_values(&page, "href=\"/geo/") {
        assert!(
            built().join("geo").join(href).exists(),
            "open-data links to missing {href}"
        );
    }
    let index: serde_json::Value = serde_json::from_str(&read("geo/near/index.json")).unwrap();
    let total: u64 = index["cells"]
        .as_object()
        .unwrap()
        .values()
        .map(|c| c["n"].as_u64().unwrap())
        .sum();
    assert_eq!(total as usize, located);
    assert!(built().join("geo/near-me.js").exists());
    assert!(
        !built().join("geo/tile-map.js").exists(),
        "tile map is off by default"
    );
}
