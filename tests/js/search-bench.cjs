// First-query cost of the static search, measured in Node against a built site:
// bytes a browser downloads for its first query (scripts, wasm, manifest and
// the shards the query touched), gzip-compressed as a host would serve them,
// and query times.
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
  const manifest = path.join(site, "search", fs.readdirSync(path.join(site, "search")).find((n) => n.startsWith("manifest-")));
  const always = [path.join(site, "search-engine.js"), path.join(site, "search-ui.js"), manifest];
  const firstQuery = [], coldMs = [], warmMs = [];
  for (const q of queries) {
    const fetched = new Set();
    const read = (file) => { fetched.add(file); return fs.readFileSync(file); };
    const engine = await OporaSearch.create(site, manifest, async (f) => JSON.parse(read(f).toString("utf8")), async (f) => read(f));
    let t = process.hrtime.bigint();
    await engine.search(q, { limit: 10 });
    coldMs.push(Number(process.hrtime.bigint() - t) / 1e6);
    t = process.hrtime.bigint();
    await engine.search(q, { limit: 10 });
    warmMs.push(Number(process.hrtime.bigint() - t) / 1e6);
    const files = new Set([...always, ...fetched]);
    firstQuery.push({ q, files: files.size, gzipBytes: [...files].reduce((n, f) => n + gz(f), 0) });
  }
  const bytes = firstQuery.map((x) => x.gzipBytes);
  console.log(JSON.stringify({
    firstQueryGzipBytes: { median: median(bytes), max: Math.max(...bytes) },
    queryMs: { coldMedian: median(coldMs), warmMedian: median(warmMs) },
    perQuery: firstQuery,
  }, null, 1));
}
main().catch((e) => { console.error(e); process.exit(1); });
