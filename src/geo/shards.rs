//! "Near me" data: services split into small grid-cell shards so the browser loads only
//! the cells near the reader, plus the no-JavaScript variant (sort by distance from a
//! municipality's centre).
//!
//! Files (paths relative to the site root):
//! - `geo/near/index.json`: `{"cell": CELL_DEG, "cutoff_km": NEAR_CUTOFF_KM, "labels": {"<need>": "label"},
//!   "cells": {"<key>": {"n": count, "c": contactable count, "needs": {"<need>": count}}}}`
//! - `geo/near/<key>.json`: `[{"id","url","name","lat","lon","precision","region","needs","municipality","phone","contactable"}]`
//!
//! `static/geo/near-me.js` visits cells in order of their smallest possible distance from the
//! reader and stops once that bound exceeds the k-th best distance found, which gives exactly
//! the brute-force answer (tested in `tests/js/geo-near-me.test.mjs`).

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::{GeoService, distance_km, valid_lat_lon};

/// Cell size in degrees. One degree is ~111 km north–south and 40–70 km east–west in
/// Russia: a city's services fall into one or two files.
pub const CELL_DEG: f64 = 1.0;

/// Results farther than this are not "near": the page says so and offers the national
/// line and the nearest services that can be contacted instead.
pub const NEAR_CUTOFF_KM: f64 = 100.0;

/// Cell key `"<lat_floor>_<lon_floor>"`, e.g. `"54_73"` or `"-1_-5"`.
pub fn cell_key(lat: f64, lon: f64) -> String {
    let f = |v: f64| (v / CELL_DEG).floor() as i64;
    format!("{}_{}", f(lat), f(lon))
}

fn round6(v: f64) -> f64 {
    (v * 1e6).round() / 1e6
}

/// The index and one shard per non-empty cell, with byte-stable JSON. `need_labels`
/// (need id → label) lets results say what each service helps with.
pub fn near_me_shards(
    points: &[GeoService],
    need_labels: &BTreeMap<String, String>,
) -> Vec<(String, String)> {
    let mut files = Vec::new();
    let _ = each_near_me_shard(points, need_labels, |path, _, text| {
        files.push((path, text()));
        Ok::<(), std::convert::Infallible>(())
    });
    // The index first, as readers of the list expect.
    if let Some(index) = files.pop() {
        files.insert(0, index);
    }
    files
}

/// [`near_me_shards`] handed to `emit` one file at a time (the shards by cell,
/// then the index), so they need not all be held at once: its path, the
/// services a shard is made from (none for the index, made from every
/// cell), and what makes its text — called only when the text is wanted.
pub fn each_near_me_shard<E>(
    points: &[GeoService],
    need_labels: &BTreeMap<String, String>,
    mut emit: impl FnMut(String, Option<&[&GeoService]>, &mut dyn FnMut() -> String) -> Result<(), E>,
) -> Result<(), E> {
    let mut cells: BTreeMap<String, Vec<&GeoService>> = BTreeMap::new();
    for s in points.iter().filter(|s| valid_lat_lon(s.lat, s.lon)) {
        cells.entry(cell_key(s.lat, s.lon)).or_default().push(s);
    }
    let mut index = serde_json::Map::new();
    for (key, mut list) in cells {
        list.sort_by(|a, b| a.id.cmp(&b.id));
        let mut needs: BTreeMap<&str, usize> = BTreeMap::new();
        for s in &list {
            for n in &s.needs {
                *needs.entry(&**n).or_default() += 1;
            }
        }
        let contactable = list.iter().filter(|s| s.contactable).count();
        index.insert(
            key.clone(),
            json!({ "n": list.len(), "c": contactable, "needs": needs }),
        );
        let mut text = || {
            let items: Vec<Value> = list
                .iter()
                .map(|s| {
                    json!({
                        "id": s.id, "url": s.url, "name": s.name,
                        "lat": round6(s.lat), "lon": round6(s.lon),
                        "precision": s.precision, "region": s.region,
                        "needs": s.needs, "municipality": s.municipality,
                        "phone": s.phone, "contactable": s.contactable,
                    })
                })
                .collect();
            Value::Array(items).to_string()
        };
        emit(format!("geo/near/{key}.json"), Some(&list), &mut text)?;
    }
    let idx = json!({
        "cell": CELL_DEG,
        "cutoff_km": NEAR_CUTOFF_KM,
        "labels": need_labels,
        "cells": Value::Object(index),
    });
    emit("geo/near/index.json".to_string(), None, &mut || {
        idx.to_string()
    })
}

/// Services sorted by distance from `from` (a municipality's centre, `(lat, lon)`), nearest
/// first, ties broken by name then id so pages are stable. Optionally only those with `need`.
/// Services without valid coordinates are left out.
pub fn municipality_services<'a>(
    points: &'a [GeoService<'a>],
    from: (f64, f64),
    need: Option<&str>,
) -> Vec<(&'a GeoService<'a>, f64)> {
    let mut out: Vec<(&GeoService, f64)> = points
        .iter()
        .filter(|s| valid_lat_lon(s.lat, s.lon))
        .filter(|s| need.is_none_or(|n| s.needs.iter().any(|x| x == n)))
        .map(|s| (s, distance_km(from, (s.lat, s.lon))))
        .collect();
    out.sort_by(|a, b| {
        a.1.total_cmp(&b.1)
            .then_with(|| a.0.name.cmp(&b.0.name))
            .then_with(|| a.0.id.cmp(&b.0.id))
    });
    out
}
