//! Build-time SVG maps. Output is deterministic (fixed rounding, sorted input order),
//! self-contained (no external references, no scripts) and accessible: a `<title>` and
//! `<desc>` name the map, every linked shape has its own accessible name, and pages are
//! expected to show the same items as a list next to the map.

use std::fmt::Write as _;

use super::boundaries::{Boundaries, Ring};
use super::links::precision_label;
use super::projection::{Albers, Frame};
use super::{MapPoint, RegionLink, escape};
use crate::ru::plural;

const COUNTRY_WIDTH: f64 = 800.0;
const REGION_WIDTH: f64 = 640.0;
/// Points closer than this many pixels are drawn as one group fanned out around its centre.
const CLUSTER_PX: f64 = 9.0;
const POINT_R: f64 = 5.5;

// Colours chosen for ≥ 3:1 contrast between shapes (WCAG 1.4.11) and to survive
// grayscale printing: highlighted regions are dark, the rest light.
const LAND: &str = "#e4e7eb";
const LAND_STROKE: &str = "#9aa3ad";
const HIGHLIGHT: &str = "#1d5f7a";
const POINT: &str = "#b3261e";

/// Formats a pixel coordinate with at most one decimal.
fn num(v: f64) -> String {
    let r = (v * 10.0).round() / 10.0;
    if r == r.trunc() {
        format!("{}", r as i64)
    } else {
        format!("{r:.1}")
    }
}

/// Projects a ring to screen space, dropping vertices closer than `min_px` to the last kept
/// one (invisible detail that only costs bytes).
fn screen_ring(frame: &Frame, ring: &Ring, min_px: f64) -> Vec<(f64, f64)> {
    let mut out: Vec<(f64, f64)> = Vec::with_capacity(ring.len());
    for &(lon, lat) in ring {
        let mut p = frame.xy(lon, lat);
        if min_px >= 2.0 {
            // At overview scale whole pixels are enough and save a third of the bytes.
            p = (p.0.round(), p.1.round());
        }
        if out
            .last()
            .is_none_or(|q| (p.0 - q.0).abs().max((p.1 - q.1).abs()) >= min_px)
        {
            out.push(p);
        }
    }
    out
}

/// Sutherland–Hodgman clipping of a ring to the rectangle `[x0, y0, x1, y1]`; good enough
/// for drawing neighbours' fills, which only need to look right inside the view.
fn clip_ring(ring: Vec<(f64, f64)>, rect: [f64; 4]) -> Vec<(f64, f64)> {
    let mut pts = ring;
    for edge in 0..4 {
        if pts.is_empty() {
            break;
        }
        let inside = |p: (f64, f64)| match edge {
            0 => p.0 >= rect[0],
            1 => p.0 <= rect[2],
            2 => p.1 >= rect[1],
            _ => p.1 <= rect[3],
        };
        let cross = |a: (f64, f64), b: (f64, f64)| {
            let t = match edge {
                0 => (rect[0] - a.0) / (b.0 - a.0),
                1 => (rect[2] - a.0) / (b.0 - a.0),
                2 => (rect[1] - a.1) / (b.1 - a.1),
                _ => (rect[3] - a.1) / (b.1 - a.1),
            };
            (a.0 + t * (b.0 - a.0), a.1 + t * (b.1 - a.1))
        };
        let mut out = Vec::with_capacity(pts.len());
        for i in 0..pts.len() {
            let cur = pts[i];
            let prev = pts[(i + pts.len() - 1) % pts.len()];
            match (inside(prev), inside(cur)) {
                (true, true) => out.push(cur),
                (true, false) => out.push(cross(prev, cur)),
                (false, true) => {
                    out.push(cross(prev, cur));
                    out.push(cur);
                }
                (false, false) => {}
            }
        }
        pts = out;
    }
    pts
}

/// Appends one ring as an SVG subpath in absolute coordinates.
fn push_ring(d: &mut String, pts: &[(f64, f64)]) {
    if pts.len() < 3 {
        return;
    }
    for (i, &(x, y)) in pts.iter().enumerate() {
        let _ = write!(d, "{}{} {}", if i == 0 { 'M' } else { 'L' }, num(x), num(y));
    }
    d.push('Z');
}

/// Path data for a whole region (all polygons and holes; holes cut out by even-odd fill).
fn region_path(
    b: &Boundaries,
    code: &str,
    frame: &Frame,
    min_px: f64,
    clip: Option<[f64; 4]>,
) -> String {
    let mut d = String::new();
    if let Some(r) = b.regions.get(code) {
        for poly in &r.polygons {
            for ring in poly {
                let pts = screen_ring(frame, ring, min_px);
                let pts = match clip {
                    Some(rect) => clip_ring(pts, rect),
                    None => pts,
                };
                push_ring(&mut d, &pts);
            }
        }
    }
    d
}

/// The count the region lists give beside each region («37 организаций»),
/// in the same words, so the map and the list do not seem to count two things.
fn services_phrase(n: usize) -> String {
    format!(
        "{n} {}",
        plural(n as i64, "организация", "организации", "организаций")
    )
}

fn open_svg(out: &mut String, id: &str, w: f64, h: f64, title: &str, desc: &str) {
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"geo-map\" viewBox=\"0 0 {} {}\" \
         width=\"{}\" height=\"{}\" aria-labelledby=\"{id}-t {id}-d\">\
         <title id=\"{id}-t\">{}</title><desc id=\"{id}-d\">{}</desc>",
        num(w),
        num(h),
        num(w),
        num(h),
        escape(title),
        escape(desc)
    );
}

/// Country overview: every region outlined, regions in `regions` filled and linked to
/// their pages. Regions missing from the boundary data are skipped (the list next to the
/// map still carries them).
pub fn country_svg(b: &Boundaries, regions: &[RegionLink]) -> String {
    let proj = Albers::russia();
    let all = b
        .regions
        .values()
        .flat_map(|r| r.polygons.iter().filter_map(|p| p.first()))
        .flatten();
    let Some(frame) = Frame::fit(proj, all.map(|&(lon, lat)| (lon, lat)), COUNTRY_WIDTH, 8.0)
    else {
        return String::new();
    };
    let mut linked: Vec<&RegionLink> = regions
        .iter()
        .filter(|r| b.regions.contains_key(&r.code))
        .collect();
    linked.sort_by(|a, c| a.code.cmp(&c.code));
    let highlighted = |code: &str| linked.iter().any(|r| r.code == code);

    let names: Vec<&str> = linked.iter().map(|r| r.name.as_str()).collect();
    let desc = if names.is_empty() {
        "Карта регионов России.".to_string()
    } else {
        format!(
            "Карта регионов России. Выделены регионы, о которых есть материалы: {}.",
            names.join(", ")
        )
    };
    let mut out = String::new();
    open_svg(
        &mut out,
        "geo-ru",
        frame.width,
        frame.height,
        "Регионы на карте России",
        &desc,
    );

    // All other regions as one path: one element instead of eighty.
    let mut base = String::new();
    for code in b.regions.keys().filter(|c| !highlighted(c)) {
        base.push_str(&region_path(b, code, &frame, 2.0, None));
    }
    let _ = write!(
        out,
        "<path d=\"{base}\" fill=\"{LAND}\" stroke=\"{LAND_STROKE}\" stroke-width=\".5\" fill-rule=\"evenodd\"/>"
    );
    // The region list beside the map links every region too: keyboard users
    // reach each once, from the list, instead of tabbing through ~85 shapes
    // and then the same ~85 names (the point maps do the same).
    for r in &linked {
        let d = region_path(b, &r.code, &frame, 2.0, None);
        let label = format!("{}: {}", r.name, services_phrase(r.count));
        let _ = write!(
            out,
            "<a href=\"{}\" tabindex=\"-1\" aria-label=\"{}\"><title>{}</title><path d=\"{d}\" fill=\"{HIGHLIGHT}\" stroke=\"#fff\" stroke-width=\".7\" fill-rule=\"evenodd\"/>",
            escape(&r.href),
            escape(&label),
            escape(&label)
        );
        // Small regions (Moscow, St Petersburg) are a few pixels at this scale: add a
        // marker big enough to see and to tap (WCAG 2.5.8 target size).
        if let Some(bb) = b.bbox(&r.code) {
            let (x0, y0) = frame.xy(bb[0], bb[1]);
            let (x1, y1) = frame.xy(bb[2], bb[3]);
            if (x1 - x0).abs().max((y1 - y0).abs()) < 12.0 {
                let (cx, cy) = frame.xy((bb[0] + bb[2]) / 2.0, (bb[1] + bb[3]) / 2.0);
                let _ = write!(
                    out,
                    "<circle cx=\"{}\" cy=\"{}\" r=\"6\" fill=\"{HIGHLIGHT}\" stroke=\"#fff\" stroke-width=\"1.5\"/>",
                    num(cx),
                    num(cy)
                );
            }
        }
        out.push_str("</a>");
    }
    out.push_str("</svg>");
    out
}

/// Screen positions for points, fanning out groups that would overlap. Returns, per input
/// index, the drawn position and the group centre (equal when the point stands alone).
fn place_points(raw: &[(f64, f64)]) -> Vec<((f64, f64), (f64, f64))> {
    let mut group_of = vec![usize::MAX; raw.len()];
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for i in 0..raw.len() {
        if group_of[i] != usize::MAX {
            continue;
        }
        // Greedy grouping around the first unassigned point keeps the result order-stable.
        let members: Vec<usize> = (i..raw.len())
            .filter(|&j| {
                group_of[j] == usize::MAX
                    && (raw[j].0 - raw[i].0).hypot(raw[j].1 - raw[i].1) < CLUSTER_PX
            })
            .collect();
        for &j in &members {
            group_of[j] = groups.len();
        }
        groups.push(members);
    }
    let mut placed = vec![((0.0, 0.0), (0.0, 0.0)); raw.len()];
    for members in &groups {
        let n = members.len() as f64;
        let cx = members.iter().map(|&j| raw[j].0).sum::<f64>() / n;
        let cy = members.iter().map(|&j| raw[j].1).sum::<f64>() / n;
        if members.len() == 1 {
            placed[members[0]] = (raw[members[0]], raw[members[0]]);
            continue;
        }
        // Spread on a circle whose circumference fits every point with a gap between them.
        let radius = (n * (2.0 * POINT_R + 3.0) / std::f64::consts::TAU).max(2.0 * POINT_R);
        for (k, &j) in members.iter().enumerate() {
            let a = std::f64::consts::TAU * k as f64 / n - std::f64::consts::FRAC_PI_2;
            placed[j] = ((cx + radius * a.cos(), cy + radius * a.sin()), (cx, cy));
        }
    }
    placed
}

/// A region map with its services as linked points. `None` when the region is not in the
/// boundary data. Points with invalid coordinates are left out (the page list still has them).
pub fn region_svg(b: &Boundaries, code: &str, name: &str, points: &[MapPoint]) -> Option<String> {
    let region = b.regions.get(code)?;
    let proj = Albers::for_bbox(region.bbox);
    let mut pts: Vec<&MapPoint> = points
        .iter()
        .filter(|p| super::valid_lat_lon(p.lat, p.lon))
        .collect();
    // Sort so the output does not depend on the caller's order.
    pts.sort_by(|a, c| a.id.cmp(&c.id).then(a.href.cmp(&c.href)));
    let outline = region
        .polygons
        .iter()
        .filter_map(|p| p.first())
        .flatten()
        .copied();
    let with_points = outline.chain(
        pts.iter()
            .map(|p| (super::boundaries::unwrap_lon(p.lon), p.lat)),
    );
    let frame = Frame::fit(proj, with_points, REGION_WIDTH, 16.0)?;
    let view = [-4.0, -4.0, frame.width + 4.0, frame.height + 4.0];

    let id = format!("geo-{}", code.to_lowercase());
    let desc = if pts.is_empty() {
        format!("Карта: {name}. Организации с адресом на карте пока не отмечены.")
    } else {
        format!(
            "Карта: {name}, {} на карте. Точки — ссылки на страницы организаций; заполненная точка — известен адрес или улица, пустая — известен только город. Те же организации перечислены списком на странице.",
            services_phrase(pts.len())
        )
    };
    let mut out = String::new();
    open_svg(
        &mut out,
        &id,
        frame.width,
        frame.height,
        &format!("Карта: {name}"),
        &desc,
    );

    // Neighbours for context, clipped to the view so they cost few bytes.
    let [x0, y0, x1, y1] = region.bbox;
    let (mx, my) = ((x1 - x0) * 0.5 + 1.0, (y1 - y0) * 0.5 + 1.0);
    let mut around = String::new();
    for (other, r) in &b.regions {
        let [a0, b0, a1, b1] = r.bbox;
        let near = a0 <= x1 + mx && a1 >= x0 - mx && b0 <= y1 + my && b1 >= y0 - my;
        if other != code && near {
            around.push_str(&region_path(b, other, &frame, 1.5, Some(view)));
        }
    }
    if !around.is_empty() {
        let _ = write!(
            out,
            "<path d=\"{around}\" fill=\"{LAND}\" stroke=\"{LAND_STROKE}\" stroke-width=\".7\" fill-rule=\"evenodd\"/>"
        );
    }
    let _ = write!(
        out,
        "<path d=\"{}\" fill=\"#fff\" stroke=\"{HIGHLIGHT}\" stroke-width=\"1.5\" fill-rule=\"evenodd\"/>",
        region_path(b, code, &frame, 1.0, None)
    );

    let raw: Vec<(f64, f64)> = pts.iter().map(|p| frame.xy(p.lon, p.lat)).collect();
    let placed = place_points(&raw);
    // Leader lines first so points are drawn over them.
    for &((x, y), (cx, cy)) in &placed {
        if (x, y) != (cx, cy) {
            let _ = write!(
                out,
                "<path d=\"M{} {}L{} {}\" stroke=\"{POINT}\" stroke-width=\"1\"/>",
                num(cx),
                num(cy),
                num(x),
                num(y)
            );
        }
    }
    // Points are for pointing and tapping: the page lists the same services as text, so
    // they stay out of the keyboard's tab order instead of standing between a keyboard
    // user and that list.
    for (p, &((x, y), _)) in pts.iter().zip(&placed) {
        let label = format!("{} ({})", p.label, precision_label(&p.precision));
        let fill = if p.precision == "city" { "#fff" } else { POINT };
        let _ = write!(
            out,
            "<a href=\"{}\" tabindex=\"-1\" aria-label=\"{}\"><title>{}</title><circle cx=\"{}\" cy=\"{}\" r=\"{POINT_R}\" fill=\"{fill}\" stroke=\"{POINT}\" stroke-width=\"2.5\"/></a>",
            escape(&p.href),
            escape(&label),
            escape(&label),
            num(x),
            num(y)
        );
    }
    out.push_str("</svg>");
    Some(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_maps_ids_are_ones_no_heading_takes() {
        // Region maps sit on region pages beside the region's Markdown.
        for id in ["geo-ru", "geo-ru-klu"] {
            let mut out = String::new();
            super::open_svg(&mut out, id, 10.0, 10.0, "Карта", "Описание");
            let ids: Vec<&str> = out
                .split("id=\"")
                .skip(1)
                .filter_map(|rest| rest.split('"').next())
                .collect();
            assert_eq!(ids.len(), 2, "{out}");
            for id in ids {
                assert!(
                    crate::content::heading_ids::is_layout_id(id),
                    "{id} is not in LAYOUT_IDS"
                );
            }
        }
    }
}
