// Bytes Pagefind makes a browser download for a first query, measured in
// headless Chromium (Debian's chromium) against a site indexed by Pagefind:
//   node bench/pagefind-first-query.cjs <site dir> '["query", ...]'
// Each query runs in a fresh browser profile; every file fetched from
// /pagefind/ (and the page's own script) counts, at its compressed size
// (Pagefind's index files are gzip already; others are gzipped here).
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const http = require("node:http");
const zlib = require("node:zlib");
const os = require("node:os");
const { execFile } = require("node:child_process");
const run = (cmd, args) => new Promise((ok, fail) => execFile(cmd, args, { maxBuffer: 1 << 26 }, (e, out) => (e ? fail(e) : ok(out))));

const site = path.resolve(process.argv[2]);
const queries = JSON.parse(process.argv[3]);
const page = `<!doctype html><meta charset="utf-8"><body><script type="module">
const pf = await import("/pagefind/pagefind.js");
const q = new URLSearchParams(location.search).get("q");
const r = await pf.search(q);
const data = await Promise.all(r.results.slice(0, 10).map((x) => x.data()));
document.body.setAttribute("data-done", data.map((d) => d.url).join("|"));
</script></body>`;
const types = { ".js": "text/javascript", ".json": "application/json", ".html": "text/html" };
const server = http.createServer((req, res) => {
  const url = decodeURIComponent(req.url.split("?")[0]);
  if (url === "/__pagefind_bench.html") { res.setHeader("content-type", "text/html"); res.end(page); return; }
  const file = path.join(site, url);
  if (!file.startsWith(site) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) { res.statusCode = 404; res.end(); return; }
  res.setHeader("content-type", types[path.extname(file)] || "application/octet-stream");
  res.end(fs.readFileSync(file));
});
const compressed = (file) => {
  const b = fs.readFileSync(file);
  return b[0] === 0x1f && b[1] === 0x8b ? b.length : zlib.gzipSync(b, { level: 9 }).length;
};
server.listen(0, "127.0.0.1", async () => {
  const port = server.address().port;
  const results = [];
  for (const q of queries) {
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), "pf-"));
    const netlog = path.join(profile, "netlog.json");
    const url = `http://127.0.0.1:${port}/__pagefind_bench.html?q=${encodeURIComponent(q)}`;
    // Asynchronously: the server answering Chromium runs in this process.
    await run("chromium", ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", `--user-data-dir=${profile}`, `--log-net-log=${netlog}`, "--virtual-time-budget=10000", "--dump-dom", url]);
    const log = JSON.parse(fs.readFileSync(netlog, "utf8"));
    const files = new Set();
    for (const e of log.events) {
      const u = e.params && e.params.url;
      if (u && e.params.initiator && e.params.initiator !== "not an origin" && u.includes("/pagefind/")) files.add(path.join(site, new URL(u).pathname));
    }
    results.push({ q, files: files.size, gzipBytes: [...files].reduce((n, f) => n + compressed(f), 0) });
    fs.rmSync(profile, { recursive: true, force: true });
  }
  const bytes = results.map((r) => r.gzipBytes).sort((a, b) => a - b);
  console.log(JSON.stringify({ firstQueryGzipBytes: { median: bytes[Math.floor(bytes.length / 2)], max: bytes[bytes.length - 1] }, perQuery: results }, null, 1));
  server.close();
});
