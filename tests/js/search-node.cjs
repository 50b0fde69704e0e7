// Runs the site's own search script and wasm module in Node against a built
// portal on disk, and prints each query's answer as JSON:
//   node tests/js/search-node.cjs <public dir> '["query", {"q": "query", "region": "RU-MOS", "need": "crisis", "noPlace": true}, ...]'
// A query given as an object carries options; its key in the output is its
// JSON text.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

async function open(site) {
  const OporaSearch = require(path.join(site, "search-engine.js"));
  const names = fs.readdirSync(path.join(site, "search"));
  const manifest = path.join(site, "search", names.find((n) => n.startsWith("manifest-")));
  const wasm = path.join(site, "search", names.find((n) => n.endsWith(".wasm")));
  return OporaSearch.create(site, manifest, wasm, async (file) => fs.readFileSync(file));
}

async function main() {
  const site = path.resolve(process.argv[2]) + path.sep;
  const queries = JSON.parse(process.argv[3]);
  const engine = await open(site);
  const out = {};
  for (const item of queries) {
    const q = typeof item === "string" ? item : item.q;
    const opts = typeof item === "string" ? {} : { ...item };
    opts.limit = opts.limit || 10;
    const found = await engine.search(q, opts);
    const key = typeof item === "string" ? item : JSON.stringify(item);
    out[key] = found;
  }
  process.stdout.write(JSON.stringify(out));
}

module.exports = { open };
if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
