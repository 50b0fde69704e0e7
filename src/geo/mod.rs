//! Geo subsystem: region boundaries, build-time SVG maps, "near me" shards,
//! map links and open GeoJSON. Everything here is pure computation over data the
//! caller passes in, so the core generator decides what to write where.
//!
//! Coordinates are `(lat, lon)` in function arguments (as people say them) and
//! `[lon, lat]` inside GeoJSON (as RFC 7946 requires).

use std::borrow::Cow;

mod boundaries;
mod export;
mod links;
mod projection;
mod shards;
pub mod site;
mod svg;

pub use boundaries::{Boundaries, GeoError};
pub use export::{
    services_geojson, services_geojson_files, services_geojson_groups, write_services_geojson,
};
pub use links::{LazyMapLinks, MapLinks, map_links, precision_label};
pub use projection::Albers;
pub use shards::{
    CELL_DEG, NEAR_CUTOFF_KM, cell_key, each_near_me_shard, municipality_services, near_me_shards,
};
pub use svg::{country_svg, region_svg};

/// A service drawn as a point on a region map.
#[derive(Debug, Clone, PartialEq)]
pub struct MapPoint {
    pub id: String,
    pub href: String,
    pub label: String,
    pub lat: f64,
    pub lon: f64,
    /// `exact` | `street` | `city`, as in the content format.
    pub precision: String,
}

/// A region highlighted on the country overview.
#[derive(Debug, Clone, PartialEq)]
pub struct RegionLink {
    /// ISO 3166-2 code, e.g. `RU-OMS`.
    pub code: String,
    pub href: String,
    pub name: String,
    /// Number of services (or records) the region has; shown in its accessible name.
    pub count: usize,
}

/// A service with a location, as exported to GeoJSON and near-me shards.
/// Its text borrows from the site's view where it can: the exports hold
/// every located service at once (a million of them at national scale).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct GeoService<'a> {
    pub id: Cow<'a, str>,
    /// Site-relative URL of the service page, e.g. `/services/ru-oms/semejnaya/`.
    pub url: String,
    pub name: Cow<'a, str>,
    pub lat: f64,
    pub lon: f64,
    pub precision: Cow<'a, str>,
    /// ISO 3166-2 code of the region.
    pub region: Cow<'a, str>,
    /// Need slugs from `data/taxonomy.toml`.
    pub needs: Vec<Cow<'a, str>>,
    pub municipality: Option<Cow<'a, str>>,
    /// The first phone, for a call button in "near me" results.
    pub phone: Option<PhoneLink>,
    /// Has a phone or an e-mail: "near me" offers these when nothing is near.
    pub contactable: bool,
}

/// A phone as shown and as dialled.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PhoneLink {
    pub display: String,
    pub tel: String,
}

/// Mean Earth radius (IUGG), km.
const EARTH_RADIUS_KM: f64 = 6371.0088;

/// Great-circle distance in km between two `(lat, lon)` points (haversine).
pub fn distance_km(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (lat1, lon1) = (a.0.to_radians(), a.1.to_radians());
    let (lat2, lon2) = (b.0.to_radians(), b.1.to_radians());
    let h = ((lat2 - lat1) / 2.0).sin().powi(2)
        + lat1.cos() * lat2.cos() * ((lon2 - lon1) / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_KM * h.sqrt().min(1.0).asin()
}

/// Distance as Russian readers expect it: «3,2 км» below 10 km, whole km above.
pub fn format_km(km: f64) -> String {
    if km < 10.0 {
        format!("{:.1} км", km).replace('.', ",")
    } else {
        format!("{} км", km.round() as i64)
    }
}

/// Within this distance a point that is only a town's centre says so
/// instead of a distance (static/geo/near-me.js `TOWN_KM` keeps the same
/// rule for the reader's own position).
pub const TOWN_KM: f64 = 10.0;

/// How far away a place is, as a reader should take it: a point that is
/// only its town's centre (`town_only`, with the town's name) cannot give an
/// exact distance, so near it the text says «центр города …, точный адрес не
/// указан», and farther «≈ 87 км до центра города …» — never «0,0 км» to a
/// place whose address nobody gave.
pub fn distance_text(km: f64, town_only: Option<Option<&str>>) -> String {
    let Some(town) = town_only else {
        return format_km(km);
    };
    let town = town.map(|t| format!(" {t}")).unwrap_or_default();
    if km < TOWN_KM {
        format!("центр города{town}, точный адрес не указан")
    } else {
        format!("≈ {} км до центра города{town}", km.round() as i64)
    }
}

/// True when the coordinates are finite and inside WGS 84 ranges.
pub fn valid_lat_lon(lat: f64, lon: f64) -> bool {
    lat.is_finite()
        && lon.is_finite()
        && (-90.0..=90.0).contains(&lat)
        && (-180.0..=180.0).contains(&lon)
}

/// Escapes text for XML/HTML text and attribute values (one implementation site-wide).
pub(crate) fn escape(s: &str) -> String {
    crate::content::markdown::escape_html(s)
}

#[cfg(test)]
mod distance_tests {
    use super::*;

    #[test]
    fn a_point_that_is_only_the_town_centre_never_gets_an_exact_distance() {
        assert_eq!(distance_text(0.04, None), "0,0 км");
        assert_eq!(distance_text(12.6, None), "13 км");
        assert_eq!(
            distance_text(0.0, Some(Some("Владивосток"))),
            "центр города Владивосток, точный адрес не указан"
        );
        assert_eq!(
            distance_text(86.6, Some(Some("Находка"))),
            "≈ 87 км до центра города Находка"
        );
        assert_eq!(
            distance_text(3.0, Some(None)),
            "центр города, точный адрес не указан"
        );
    }
}
