//! SVG maps: every located service is a linked point on its region's map, points lie in
//! their region (or are listed as known data errors), and output is deterministic,
//! accessible and self-contained.

mod geo_common;
use geo_common::*;
use opora::geo::{RegionLink, country_svg, region_svg};

/// Services whose coordinates are known to fall outside their region's polygon:
/// `(service id, why)`. Empty means every point checked out.
// Empty since Moscow's centres are placed honestly at the city (the sources give
// no addresses), so Zelenograd's exclave no longer matters.
const KNOWN_OUTSIDE: &[(&str, &str)] = &[];

fn hrefs(svg: &str) -> Vec<String> {
    svg.split("<a href=\"")
        .skip(1)
        .map(|s| s[..s.find('"').unwrap()].to_string())
        .collect()
}

#[test]
fn every_located_service_is_a_linked_point_on_its_region_map() {
    let b = boundaries();
    let services = content_services();
    assert!(!services.is_empty(), "content has located services");
    let regions: std::collections::BTreeSet<&str> = services.iter().map(|s| &*s.region).collect();
    for code in regions {
        let here: Vec<_> = services.iter().filter(|s| s.region == code).collect();
        let points: Vec<_> = here.iter().map(|s| map_point(s)).collect();
        let svg = region_svg(&b, code, code, &points).unwrap_or_else(|| panic!("{code} has a map"));
        let links = hrefs(&svg);
        assert_eq!(links.len(), here.len(), "{code}: one link per service");
        for s in &here {
            assert!(links.contains(&s.url), "{code}: {} missing", s.url);
            // The link target is a real page in content.
            let file = repo()
                .join("content")
                .join(s.url.trim_matches('/'))
                .with_extension("md");
            assert!(file.exists(), "{} does not exist", file.display());
        }
        assert_eq!(svg.matches("<circle").count(), here.len());
    }
}

#[test]
fn points_lie_inside_their_region() {
    let b = boundaries();
    let mut outside = Vec::new();
    for s in content_services() {
        let known = KNOWN_OUTSIDE.iter().any(|(id, _)| *id == s.id);
        if known {
            // A listed exception must still be outside, or the list is stale.
            assert!(
                !b.contains(&s.region, s.lat, s.lon),
                "{} is inside now; remove it from KNOWN_OUTSIDE",
                s.id
            );
        }
        if !b.contains(&s.region, s.lat, s.lon) && !known {
            outside.push(format!(
                "{} ({}, {}) is in {:?}, not {}",
                s.id,
                s.lat,
                s.lon,
                b.region_at(s.lat, s.lon),
                s.region
            ));
        }
    }
    assert!(
        outside.is_empty(),
        "add to KNOWN_OUTSIDE or fix the data: {outside:#?}"
    );
}

fn sample_points(n: usize) -> Vec<opora::geo::MapPoint> {
    // Omsk centre, many records at the same spot plus a few elsewhere.
    (0..n)
        .map(|i| opora::geo::MapPoint {
            id: format!("s{i:02}"),
            href: format!("/services/ru-oms/s{i:02}/"),
            label: format!("Служба «{i}» & Co"),
            lat: if i % 3 == 0 { 55.5689 } else { 54.9885 },
            lon: if i % 3 == 0 { 71.3503 } else { 73.3242 },
            precision: if i % 2 == 0 { "city" } else { "exact" }.into(),
        })
        .collect()
}

#[test]
fn coincident_points_are_fanned_out_so_each_stays_clickable() {
    let b = boundaries();
    let svg = region_svg(&b, "RU-OMS", "Омская область", &sample_points(12)).unwrap();
    let centres: Vec<(f64, f64)> = svg
        .split("<circle cx=\"")
        .skip(1)
        .map(|s| {
            let cx: f64 = s[..s.find('"').unwrap()].parse().unwrap();
            let rest = &s[s.find("cy=\"").unwrap() + 4..];
            (cx, rest[..rest.find('"').unwrap()].parse().unwrap())
        })
        .collect();
    assert_eq!(centres.len(), 12);
    for (i, a) in centres.iter().enumerate() {
        for c in &centres[i + 1..] {
            assert!(
                (a.0 - c.0).hypot(a.1 - c.1) >= 11.0,
                "{a:?} and {c:?} overlap"
            );
        }
    }
    // Text is escaped; precision is told in words.
    assert!(svg.contains("&amp; Co (только город)") && svg.contains("(точный адрес)"));
}

#[test]
fn maps_are_deterministic_accessible_and_self_contained() {
    let b = boundaries();
    let mut pts = sample_points(7);
    let one = region_svg(&b, "RU-OMS", "Омская область", &pts).unwrap();
    pts.reverse();
    let two = region_svg(&b, "RU-OMS", "Омская область", &pts).unwrap();
    assert_eq!(one, two, "input order must not change the bytes");
    let links = [
        RegionLink {
            code: "RU-OMS".into(),
            href: "/regions/ru-oms/".into(),
            name: "Омская область".into(),
            count: 2,
        },
        RegionLink {
            code: "RU-MOW".into(),
            href: "/regions/ru-mow/".into(),
            name: "Москва".into(),
            count: 21,
        },
        RegionLink {
            code: "RU-XXX".into(),
            href: "/regions/x/".into(),
            name: "Нет такого".into(),
            count: 1,
        },
    ];
    let country = country_svg(&b, &links);
    assert_eq!(country, country_svg(&b, &links));
    for svg in [&one, &country] {
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(
            svg.contains("<title id=")
                && svg.contains("<desc id=")
                && svg.contains("aria-labelledby=")
        );
        // No external references: the only URL is the SVG namespace.
        assert_eq!(svg.matches("http").count(), 1, "external reference in map");
        assert!(!svg.contains("<script") && !svg.contains("xlink:href") && !svg.contains("url("));
        // Coordinates are rounded.
        assert!(!svg.split(['"', ' ', 'L', 'M']).any(|t| {
            t.split('.')
                .nth(1)
                .is_some_and(|d| d.len() > 1 && d.chars().all(|c| c.is_ascii_digit()))
        }));
    }
    assert_eq!(
        hrefs(&country),
        vec!["/regions/ru-mow/", "/regions/ru-oms/"]
    );
    assert!(country.contains("aria-label=\"Омская область: 2 организации\""));
    assert!(country.contains("aria-label=\"Москва: 21 организация\""));
    // The list beside the map carries the same links: Tab skips the shapes.
    assert_eq!(
        country.matches("<a href=").count(),
        country.matches("<a href=\"/regions/ru-").count()
    );
    assert_eq!(country.matches(" tabindex=\"-1\" ").count(), 2);
    // Moscow is tiny at country scale: it gets a tappable marker.
    assert!(country.contains("r=\"6\""));
    assert!(region_svg(&b, "RU-XXX", "?", &[]).is_none());
}

#[test]
fn invalid_coordinates_do_not_break_a_map() {
    let b = boundaries();
    let mut pts = sample_points(2);
    pts[0].lat = f64::NAN;
    pts[1].lon = 500.0;
    let svg = region_svg(&b, "RU-OMS", "Омская область", &pts).unwrap();
    assert_eq!(svg.matches("<circle").count(), 0);
    assert!(svg.contains("пока не отмечены"));
}

/// Page-weight budget: every region's map, and the country map with all regions linked,
/// stay under 70 KB before compression (about a third of that gzipped). `GEO_DUMP_DIR=dir` writes them
/// out for measuring compressed sizes.
#[test]
fn maps_stay_within_the_page_weight_budget() {
    let b = boundaries();
    let dump = std::env::var_os("GEO_DUMP_DIR").map(std::path::PathBuf::from);
    let mut largest = (0, String::new());
    for code in b.codes() {
        // Twenty services at the middle of the region's box (where a town would be).
        let bb = b.bbox(code).unwrap();
        let mut pts = sample_points(20);
        for p in &mut pts {
            (p.lat, p.lon) = ((bb[1] + bb[3]) / 2.0, (bb[0] + bb[2]) / 2.0);
        }
        let svg = region_svg(&b, code, b.name(code).unwrap(), &pts).unwrap();
        if svg.len() > largest.0 {
            largest = (svg.len(), code.to_string());
        }
        if let Some(d) = &dump {
            std::fs::write(d.join(format!("{code}.svg")), &svg).unwrap();
        }
    }
    assert!(largest.0 < 70_000, "{largest:?}");
    let all: Vec<RegionLink> = b
        .codes()
        .map(|c| RegionLink {
            code: c.into(),
            href: format!("/regions/{}/", c.to_lowercase()),
            name: c.into(),
            count: 1,
        })
        .collect();
    let country = country_svg(&b, &all);
    if let Some(d) = &dump {
        std::fs::write(d.join("country.svg"), &country).unwrap();
        std::fs::write(d.join("country-none.svg"), country_svg(&b, &[])).unwrap();
    }
    assert!(country.len() < 120_000, "{}", country.len());
}
