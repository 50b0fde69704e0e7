// Runs the site's own search script and wasm module in Node against a built
// portal on disk, and prints the top results for each query as JSON:
//   node tests/js/search-node.cjs <public dir> '["query", {"q": "query", "region": "RU-MOS", "need": "crisis"}, ...]'
// A query given as an object carries facet filters; its key in the output is
// its JSON text.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

async function main() {
  const site = path.resolve(process.argv[2]) + path.sep;
  const queries = JSON.parse(process.argv[3]);
  const OporaSearch = require(path.join(site, "search-engine.js"));
  const manifest = fs.readdirSync(path.join(site, "search")).find((n) => n.startsWith("manifest-"));
  const read = (file) => fs.readFileSync(file);
  const engine = await OporaSearch.create(
    site,
    path.join(site, "search", manifest),
    async (file) => JSON.parse(read(file).toString("utf8")),
    async (file) => read(file),
  );
  const out = {};
  for (const item of queries) {
    const q = typeof item === "string" ? item : item.q;
    const opts = typeof item === "string" ? {} : { ...item };
    opts.limit = 10;
    const found = await engine.search(q, opts);
    const key = typeof item === "string" ? item : JSON.stringify(item);
    out[key] = found.results.map((r) => ({ url: r.url, score: r.score }));
  }
  process.stdout.write(JSON.stringify(out));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
