//! The opt-in tile map: off by default and then no map code at all is shipped; on only
//! with a tile URL template the portal owner chose.

use opora::config::MapConfig;
use opora::geo::site::{TILE_MAP_SCRIPT, tile_map, tile_map_files};

#[test]
fn off_by_default_ships_nothing() {
    let off = MapConfig::default();
    assert!(!off.tiles);
    assert!(tile_map(&off, "/").is_none());
    assert!(tile_map_files(&off).is_empty());
    // Turned on without a tile server: still nothing to ship.
    let no_url = MapConfig {
        tiles: true,
        ..MapConfig::default()
    };
    assert!(tile_map_files(&no_url).is_empty());
    // A URL without the {z}/{x}/{y} template is a mistake, not a map.
    let bad = MapConfig {
        tiles: true,
        tile_url: Some("https://tiles.example.org/".into()),
        tile_attribution: None,
    };
    assert!(tile_map(&bad, "/").is_none());
}

#[test]
fn on_ships_the_script_with_the_owners_tile_server() {
    let on = MapConfig {
        tiles: true,
        tile_url: Some("https://tiles.example.org/{z}/{x}/{y}.png".into()),
        tile_attribution: Some("© участники OpenStreetMap".into()),
    };
    let t = tile_map(&on, "/portal/").unwrap();
    assert_eq!(t.script, format!("/portal/{TILE_MAP_SCRIPT}"));
    assert_eq!(t.url, "https://tiles.example.org/{z}/{x}/{y}.png");
    let files = tile_map_files(&on);
    assert_eq!(files.len(), 1);
    let js = String::from_utf8(files[0].1.clone()).unwrap();
    // The script takes its tile server from the page, never a built-in default.
    assert!(js.contains("data-tiles") && !js.contains("openstreetmap.org"));
}

#[test]
fn the_repository_config_keeps_the_tile_map_off() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/opora.toml")).unwrap();
    let table: toml::Table = text.parse().unwrap();
    let tiles = table
        .get("map")
        .and_then(|m| m.get("tiles"))
        .and_then(|v| v.as_bool());
    assert_ne!(tiles, Some(true));
}
