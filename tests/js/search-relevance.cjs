// The relevance set through the browser's engine (script + wasm) in Node:
// found@5 and MRR@10 as `opora search --relevance` computes them natively,
// and each query's top 10.
//   node tests/js/search-relevance.cjs <public dir> tests/search/relevance.toml
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const { open } = require("./search-node.cjs");

// The relevance file's simple shape: [[query]] tables with `q = "…"` and
// `expect = ["…", …]` (a JSON-compatible array).
function parse(text) {
  const out = [];
  for (const line of text.split("\n")) {
    if (line.startsWith("[[query]]")) out.push({});
    const m = line.match(/^(q|expect)\s*=\s*(.*)$/);
    if (m && out.length) out[out.length - 1][m[1]] = JSON.parse(m[2]);
  }
  return out;
}

const matches = (e, u) => (e.endsWith("*") ? u.startsWith(e.slice(0, -1)) : u === e);

async function main() {
  const site = path.resolve(process.argv[2]) + path.sep;
  const set = parse(fs.readFileSync(process.argv[3], "utf8"));
  const engine = await open(site);
  const judgements = [];
  for (const j of set) {
    const found = await engine.search(j.q, { limit: 10 });
    const top = found.results.map((r) => r.url);
    const i = top.findIndex((u) => j.expect.some((e) => matches(e, u)));
    judgements.push({ q: j.q, rank: i < 0 ? null : i + 1, top });
  }
  const n = judgements.length || 1;
  const report = {
    queries: judgements.length,
    found_at_5: judgements.filter((j) => j.rank !== null && j.rank <= 5).length / n,
    mrr_at_10: judgements.reduce((s, j) => s + (j.rank ? 1 / j.rank : 0), 0) / n,
    judgements,
  };
  if (process.argv.includes("--json")) process.stdout.write(JSON.stringify(report));
  else {
    for (const j of judgements) console.log(String(j.rank || "—").padStart(3), " ", j.q);
    console.log(`${report.queries} queries: found@5 ${report.found_at_5.toFixed(3)}, MRR@10 ${report.mrr_at_10.toFixed(3)}`);
  }
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
