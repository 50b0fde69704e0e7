// The near-me shard search returns exactly the brute-force nearest services.
// Run: node --test tests/js/geo-near-me.test.mjs (`cargo test --test js_tests` runs every tests/js/*.test.mjs)
// Fixture: tests/fixtures/geo/near-shards.json, written by `cargo test --test geo_near`
// (the Rust test fails when it differs from what src/geo/shards.rs produces).
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const near = require(path.join(here, "../../static/geo/near-me.js"));
const bundle = JSON.parse(fs.readFileSync(path.join(here, "../fixtures/geo/near-shards.json"), "utf8"));

const index = bundle["geo/near/index.json"];
const all = Object.keys(bundle).filter((p) => p !== "geo/near/index.json").flatMap((p) => bundle[p]);

function brute(lat, lon, k, need) {
  return all
    .filter((s) => !need || s.needs.includes(need))
    .map((s) => ({ item: s, km: near.distanceKm(lat, lon, s.lat, s.lon) }))
    .sort((a, b) => a.km - b.km || (a.item.name < b.item.name ? -1 : a.item.name > b.item.name ? 1 : 0) || (a.item.id < b.item.id ? -1 : 1))
    .slice(0, k);
}

// Deterministic positions over and around Russia, including town centres where many
// services coincide and points near the antimeridian.
function* positions() {
  let s = 12345;
  const rnd = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  yield [55.75, 37.62];
  yield [64.73, 177.5];
  yield [65.0, -175.0];
  for (let i = 0; i < 300; i++) yield [40 + rnd() * 32, 15 + rnd() * 170];
}

test("fixture is non-trivial", () => {
  assert.ok(all.length >= 300);
  assert.ok(Object.keys(index.cells).length > 50);
});

for (const need of ["", "crisis", "housing"]) {
  test(`shard search equals brute force (need=${need || "any"})`, async () => {
    let loadedTotal = 0;
    let runs = 0;
    for (const [lat, lon] of positions()) {
      for (const k of [1, 5, 10]) {
        const { results, loaded } = await near.nearest(lat, lon, k, need,
          () => index, (key) => bundle[`geo/near/${key}.json`]);
        const expected = brute(lat, lon, k, need);
        assert.deepEqual(results.map((r) => r.item.id), expected.map((r) => r.item.id), `at ${lat},${lon} k=${k}`);
        loadedTotal += loaded;
        runs += 1;
      }
    }
    // The point of shards: on average only a small part of the cells is fetched.
    const cells = Object.keys(index.cells).length;
    assert.ok(loadedTotal / runs < cells / 3, `loaded ${loadedTotal / runs} of ${cells} cells on average`);
  });
}

test("lower bound never exceeds the true distance to a cell point", () => {
  let s = 99;
  const rnd = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (let i = 0; i < 20000; i++) {
    const lat = -80 + rnd() * 160, lon = -180 + rnd() * 360;
    const lat0 = Math.floor(-80 + rnd() * 159), lon0 = Math.floor(-180 + rnd() * 359);
    const qLat = lat0 + rnd(), qLon = lon0 + rnd();
    const bound = near.cellLowerBoundKm(lat, lon, lat0, lon0, 1);
    assert.ok(bound <= near.distanceKm(lat, lon, qLat, qLon) + 1e-6, `${lat},${lon} cell ${lat0}_${lon0}`);
  }
});

test("distance matches the Rust implementation's known value", () => {
  assert.ok(Math.abs(near.distanceKm(55.752, 37.617, 59.939, 30.316) - 634) < 5);
  assert.equal(near.formatKm(3.25), "3,3 км");
  assert.equal(near.formatKm(123.4), "123 км");
});
