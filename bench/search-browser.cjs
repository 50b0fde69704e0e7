// First-query download in a real browser, for Opora's search and for Pagefind
// on the same built site: serves the site on 127.0.0.1, opens one fresh
// headless Chromium per query, records every request, and sums the
// search-related files as a host would send them (gzip -9; Pagefind's own
// `pf_*` files are already gzip-compressed and count as they are).
//   node bench/search-browser.cjs <public dir> '["query", ...]' [opora|pagefind]
"use strict";
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const http = require("node:http");
const zlib = require("node:zlib");
const { execFile } = require("node:child_process");

const site = path.resolve(process.argv[2]);
const queries = JSON.parse(process.argv[3]);
const engine = process.argv[4] || "opora";

const TYPES = { ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".json": "application/json", ".wasm": "application/wasm", ".css": "text/css", ".svg": "image/svg+xml" };

// The page that runs Pagefind's own API (no UI) for one query and loads the
// first 10 results' data, as its default UI would for a result list.
const PAGEFIND_PAGE = `<!doctype html><html lang="ru"><meta charset="utf-8"><title>bench</title><body><p id="out">wait</p>
<script type="module">
const q = new URLSearchParams(location.search).get("q");
const pf = await import("/pagefind/pagefind.js");
const r = await pf.search(q);
const data = await Promise.all(r.results.slice(0, 10).map((x) => x.data()));
document.getElementById("out").textContent = "done " + r.results.length + " " + data.map((d) => d.url).join(" ");
</script></body></html>`;

function serve(log) {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, "http://localhost");
    if (url.pathname === "/__bench/pagefind.html") {
      res.writeHead(200, { "content-type": TYPES[".html"] });
      return res.end(PAGEFIND_PAGE);
    }
    let file = path.join(site, decodeURIComponent(url.pathname));
    if (!file.startsWith(site)) { res.writeHead(403); return res.end(); }
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, "index.html");
    if (!fs.existsSync(file)) { res.writeHead(404); return res.end(); }
    log.push(file);
    res.writeHead(200, { "content-type": TYPES[path.extname(file)] || "application/octet-stream" });
    res.end(fs.readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

function compressed(file) {
  const bytes = fs.readFileSync(file);
  return /\.pf_|\.pagefind$/.test(file) ? bytes.length : zlib.gzipSync(bytes, { level: 9 }).length;
}

function isSearchFile(file) {
  const rel = path.relative(site, file);
  return engine === "pagefind"
    ? rel.startsWith("pagefind" + path.sep)
    : rel.startsWith("search" + path.sep) && !rel.endsWith("index.html") || /^search-(engine|ui)[.-]/.test(rel);
}

async function main() {
  const log = [];
  const server = await serve(log);
  const port = server.address().port;
  const out = [];
  for (const q of queries) {
    log.length = 0;
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), "opora-bench-chromium-"));
    const url = engine === "pagefind"
      ? `http://127.0.0.1:${port}/__bench/pagefind.html?q=${encodeURIComponent(q)}`
      : `http://127.0.0.1:${port}/search/?q=${encodeURIComponent(q)}`;
    const dom = await new Promise((resolve, reject) => {
      execFile("chromium", [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage", `--user-data-dir=${profile}`, "--virtual-time-budget=15000", "--dump-dom", url,
      ], { maxBuffer: 64 << 20 }, (err, stdout) => (err ? reject(err) : resolve(stdout)));
    });
    fs.rmSync(profile, { recursive: true, force: true });
    const files = [...new Set(log)].filter(isSearchFile);
    const done = engine === "pagefind" ? /done [1-9]/.test(dom) : /<li><a[^>]*class="result-title"/.test(dom);
    out.push({ q, found: done, files: files.length, gzipBytes: files.reduce((n, f) => n + compressed(f), 0) });
  }
  server.close();
  const bytes = out.map((x) => x.gzipBytes).sort((a, b) => a - b);
  console.log(JSON.stringify({ engine, firstQueryGzipBytes: { median: bytes[Math.floor(bytes.length / 2)], max: bytes[bytes.length - 1] }, perQuery: out }, null, 1));
}

main().catch((e) => { console.error(e); process.exit(1); });
