// First-query cost of the static search, measured in Node against a built
// site: bytes a browser downloads for its first query (the header box's
// script, the engine, the wasm module, the manifest and every file the query
// asked for), gzip-compressed as a host would serve them, and of those the
// result fragments (`search/f-*`, what drawing the first page of results
// costs); the round trips after the engine is loaded; query times.
//   node tests/js/search-bench.cjs <public dir> '["query", ...]'
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const zlib = require("node:zlib");

const gz = (file) => zlib.gzipSync(fs.readFileSync(file), { level: 9 }).length;
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };

async function main() {
  const site = path.resolve(process.argv[2]) + path.sep;
  const queries = JSON.parse(process.argv[3]);
  const OporaSearch = require(path.join(site, "search-engine.js"));
  const names = fs.readdirSync(path.join(site, "search"));
  const manifest = path.join(site, "search", names.find((n) => n.startsWith("manifest-")));
  const wasm = path.join(site, "search", names.find((n) => n.endsWith(".wasm")));
  const always = [path.join(site, "search-engine.js"), path.join(site, "search-box.js"), manifest, wasm];
  const firstQuery = [], coldMs = [], warmMs = [];
  for (const q of queries) {
    const fetched = new Set();
    const engine = await OporaSearch.create(site, manifest, wasm, async (f) => { fetched.add(f); return fs.readFileSync(f); });
    let t = process.hrtime.bigint();
    const found = await engine.search(q, { limit: 10 });
    coldMs.push(Number(process.hrtime.bigint() - t) / 1e6);
    const rounds = engine.rounds;
    t = process.hrtime.bigint();
    await engine.search(q, { limit: 10 });
    warmMs.push(Number(process.hrtime.bigint() - t) / 1e6);
    const files = new Set([...always, ...fetched]);
    const fragments = [...fetched].filter((f) => path.basename(f).startsWith("f-"));
    firstQuery.push({
      q, results: found.results.length, files: files.size, rounds, exact: found.exact,
      gzipBytes: [...files].reduce((n, f) => n + gz(f), 0),
      fragmentFiles: fragments.length,
      fragmentGzipBytes: fragments.reduce((n, f) => n + gz(f), 0),
    });
  }
  const bytes = firstQuery.map((x) => x.gzipBytes);
  const fragmentBytes = firstQuery.map((x) => x.fragmentGzipBytes);
  console.log(JSON.stringify({
    firstQueryGzipBytes: { median: median(bytes), max: Math.max(...bytes) },
    fragmentGzipBytes: { median: median(fragmentBytes), max: Math.max(...fragmentBytes) },
    roundTripsAfterEngine: { median: median(firstQuery.map((x) => x.rounds)), max: Math.max(...firstQuery.map((x) => x.rounds)) },
    wasmGzipBytes: gz(wasm),
    manifestGzipBytes: gz(manifest),
    queryMs: { coldMedian: median(coldMs), warmMedian: median(warmMs) },
    perQuery: firstQuery,
  }, null, 1));
}
main().catch((e) => { console.error(e); process.exit(1); });
