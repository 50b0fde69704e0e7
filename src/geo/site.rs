//! Glue between the resolved [`Site`] and the geo library: builds every map once per
//! build and the geo data files (GeoJSON, near-me shards) the site publishes.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use rayon::prelude::*;

use super::{
    Boundaries, GeoService, MapPoint, RegionLink, country_svg, each_near_me_shard, region_svg,
    services_geojson_groups, write_services_geojson,
};
use crate::site::Site;

/// The boundary data shipped with the generator (`data/geo/ru-regions.geojson`), parsed on
/// first use. Embedded so page rendering needs no file access; `Boundaries::load` reads
/// another copy when a portal brings its own.
pub fn embedded_boundaries() -> &'static Boundaries {
    static B: OnceLock<Boundaries> = OnceLock::new();
    B.get_or_init(|| {
        Boundaries::parse(include_str!("../../data/geo/ru-regions.geojson")).unwrap_or_default()
    })
}

/// Every service with a location, in site order.
pub fn geo_services(site: &Site) -> Vec<GeoService<'_>> {
    site.services
        .iter()
        .filter_map(|s| {
            let l = s.location.as_ref()?;
            Some(GeoService {
                id: s.id.as_str().into(),
                url: format!("{}{}", site.base, s.url),
                name: (&*s.name).into(),
                lat: l.lat,
                lon: l.lon,
                precision: precision_id(l.precision_label).into(),
                region: (&*s.region).into(),
                needs: s.needs.iter().map(|n| (&*n.id).into()).collect(),
                municipality: s.municipality.as_deref().map(Into::into),
                phone: s.phones.first().map(|p| super::PhoneLink {
                    display: p.display.clone(),
                    tel: p.tel.clone(),
                }),
                contactable: s.contactable,
            })
        })
        .collect()
}

/// Need id → label, for "near me" results.
fn need_labels(site: &Site) -> BTreeMap<String, String> {
    site.needs
        .iter()
        .map(|n| (n.id.clone(), n.label.clone()))
        .collect()
}

/// Back from the label the site shows to the content format's value.
fn precision_id(label: &str) -> &'static str {
    match label {
        "точный адрес" => "exact",
        "улица" => "street",
        _ => "city",
    }
}

/// All maps of a build: the country overview and one map per region code.
#[derive(Debug, Default)]
pub struct Maps {
    pub country: String,
    pub regions: BTreeMap<String, String>,
    /// The opt-in tile map's settings, `None` unless the portal turned it on.
    pub tiles: Option<TileMap>,
}

/// What region pages need to show the opt-in tile map.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TileMap {
    pub url: String,
    pub attribution: String,
    pub script: String,
}

/// Path of the tile-map script inside the site.
pub const TILE_MAP_SCRIPT: &str = "geo/tile-map.js";

/// The tile map is on only when enabled *and* given a tile URL template.
pub fn tile_map(config: &crate::config::MapConfig, base: &str) -> Option<TileMap> {
    let url = config
        .tile_url
        .as_ref()
        .filter(|u| config.tiles && u.contains("{z}"))?;
    Some(TileMap {
        url: url.clone(),
        attribution: config.tile_attribution.clone().unwrap_or_default(),
        script: format!("{base}{TILE_MAP_SCRIPT}"),
    })
}

/// The tile-map script as a site file, or nothing when the tile map is off: no map code
/// is shipped by default.
pub fn tile_map_files(config: &crate::config::MapConfig) -> Vec<(String, Vec<u8>)> {
    match tile_map(config, "/") {
        Some(_) => vec![(
            TILE_MAP_SCRIPT.to_string(),
            include_bytes!("tile-map.js").to_vec(),
        )],
        None => Vec::new(),
    }
}

impl Maps {
    pub fn build(site: &Site) -> Maps {
        let b = embedded_boundaries();
        let services = geo_services(site);
        let links: Vec<RegionLink> = site
            .regions
            .iter()
            .filter(|r| r.code != "RU")
            .map(|r| RegionLink {
                code: r.code.clone(),
                href: format!("{}{}", site.base, r.url),
                name: r.name.clone(),
                count: r.service_count,
            })
            .collect();
        // Each region's services, found in one pass rather than one per region.
        let mut by_region: rustc_hash::FxHashMap<&str, Vec<&GeoService>> = Default::default();
        for s in &services {
            by_region.entry(&*s.region).or_default().push(s);
        }
        let regions = site
            .regions
            .par_iter()
            .filter_map(|r| {
                let points: Vec<MapPoint> = by_region
                    .get(r.code.as_str())
                    .map_or(&[][..], Vec::as_slice)
                    .iter()
                    .map(|s| MapPoint {
                        id: s.id.to_string(),
                        href: s.url.clone(),
                        label: s.name.to_string(),
                        lat: s.lat,
                        lon: s.lon,
                        precision: s.precision.to_string(),
                    })
                    .collect();
                // A map with no point on it tells a reader nothing, and its
                // caption ("the points lead to…") would be untrue.
                if points.is_empty() {
                    return None;
                }
                Some((r.code.clone(), region_svg(b, &r.code, &r.name, &points)?))
            })
            .collect();
        Maps {
            country: country_svg(b, &links),
            regions,
            tiles: tile_map(&site.config.map, &site.base),
        }
    }
}

/// `geo/services.geojson`, `geo/regions/*.geojson` and `geo/near/*.json`, each
/// written into `sink` as it is made. Service URLs inside are site-relative to
/// `base` so the files work wherever the site is mounted.
pub fn write_data_files(site: &Site, sink: &mut dyn crate::output::Sink) -> std::io::Result<()> {
    let services = geo_services(site);
    for (path, list) in services_geojson_groups(&services) {
        // Made from its services alone: kept while none of them changed.
        let key = crate::output::sink::file_key(&list);
        sink.keyed(&path, key, &mut |w| {
            write_services_geojson(list.iter().copied(), w)
        })?;
    }
    each_near_me_shard(
        &services,
        &need_labels(site),
        |path, cell, text| match cell {
            // A cell's shard is made from its services alone.
            Some(list) => sink.keyed(&path, crate::output::sink::file_key(list), &mut |w| {
                w.write_all(text().as_bytes())
            }),
            None => sink.file(&path, text().as_bytes()),
        },
    )?;
    for (path, bytes) in tile_map_files(&site.config.map) {
        sink.file(&path, &bytes)?;
    }
    Ok(())
}
