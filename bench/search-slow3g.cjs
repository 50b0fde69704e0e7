// Search on a slow phone network, measured in headless Chromium with the
// DevTools protocol's emulation: 2 s round trip, 50 KB/s each way, CPU 4×
// slower. The site is served from loopback with gzip, as a host would.
//   node bench/search-slow3g.cjs <public dir> ["query"]
// Reports two times: typing in the header box (from focus to the first
// suggestions shown) and opening /search/?q=… (from navigation to the first
// result shown). Talks to Chromium over --remote-debugging-pipe, so it needs
// no WebSocket library.
"use strict";
const fs = require("node:fs");
const http = require("node:http");
const os = require("node:os");
const path = require("node:path");
const zlib = require("node:zlib");
const { spawn } = require("node:child_process");

const site = path.resolve(process.argv[2]);
const query = process.argv[3] || "кризисная квартира";
const TYPES = { ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".css": "text/css", ".json": "application/json", ".wasm": "application/wasm", ".svg": "image/svg+xml", ".bin": "application/octet-stream" };

function serve() {
  const gz = new Map();
  const server = http.createServer((req, res) => {
    let p = decodeURIComponent(new URL(req.url, "http://x").pathname);
    let file = path.join(site, p);
    if (!file.startsWith(site)) { res.writeHead(403).end(); return; }
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, "index.html");
    if (!fs.existsSync(file)) { res.writeHead(404).end(); return; }
    if (!gz.has(file)) gz.set(file, zlib.gzipSync(fs.readFileSync(file), { level: 9 }));
    res.writeHead(200, { "Content-Type": TYPES[path.extname(file)] || "application/octet-stream", "Content-Encoding": "gzip", "Cache-Control": "no-store" });
    res.end(gz.get(file));
  });
  return new Promise((ok) => server.listen(0, "127.0.0.1", () => ok(server)));
}

function chromium() {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "opora-slow3g-"));
  const child = spawn("/usr/bin/chromium", [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", `--user-data-dir=${profile}`, "--remote-debugging-pipe", "about:blank",
  ], { stdio: ["ignore", "ignore", "ignore", "pipe", "pipe"] });
  let buf = "", next = 1;
  const waiting = new Map(), listeners = [];
  child.stdio[4].on("data", (chunk) => {
    buf += chunk.toString("utf8");
    let i;
    while ((i = buf.indexOf("\0")) >= 0) {
      const msg = JSON.parse(buf.slice(0, i));
      buf = buf.slice(i + 1);
      if (msg.id && waiting.has(msg.id)) { waiting.get(msg.id)(msg); waiting.delete(msg.id); }
      else listeners.forEach((l) => l(msg));
    }
  });
  const send = (method, params = {}, sessionId) => new Promise((ok, fail) => {
    const id = next++;
    waiting.set(id, (m) => (m.error ? fail(new Error(method + ": " + m.error.message)) : ok(m.result)));
    child.stdio[3].write(JSON.stringify({ id, method, params, sessionId }) + "\0");
  });
  const once = (method) => new Promise((ok) => listeners.push(function l(m) { if (m.method === method) { listeners.splice(listeners.indexOf(l), 1); ok(m); } }));
  // The profile is removed once Chromium has exited (it writes until then).
  const close = () => new Promise((ok) => {
    child.once("exit", () => { fs.rmSync(profile, { recursive: true, force: true }); ok(); });
    child.kill();
  });
  return { send, once, close };
}

const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));

async function page(browser) {
  const { targetId } = await browser.send("Target.createTarget", { url: "about:blank" });
  const { sessionId } = await browser.send("Target.attachToTarget", { targetId, flatten: true });
  const s = (m, p) => browser.send(m, p, sessionId);
  await s("Page.enable");
  await s("Network.enable");
  await s("Network.setCacheDisabled", { cacheDisabled: true });
  await s("Network.emulateNetworkConditions", { offline: false, latency: 2000, downloadThroughput: 50 * 1024, uploadThroughput: 50 * 1024 });
  await s("Emulation.setCPUThrottlingRate", { rate: 4 });
  const evaluate = async (expression) => (await s("Runtime.evaluate", { expression, returnByValue: true })).result.value;
  const until = async (expression, limitMs) => {
    const t = Date.now();
    while (Date.now() - t < limitMs) {
      if (await evaluate(expression)) return Date.now();
      await sleep(50);
    }
    throw new Error("timed out waiting for " + expression);
  };
  return { s, evaluate, until };
}

async function main() {
  const server = await serve();
  const origin = `http://127.0.0.1:${server.address().port}/`;
  const browser = chromium();
  try {
    // The header box on the home page: the page has loaded; the reader taps
    // the box and types.
    let p = await page(browser);
    let loaded = browser.once("Page.loadEventFired");
    await p.s("Page.navigate", { url: origin });
    await loaded;
    const t0 = Date.now();
    await p.evaluate(`(function(){var i=document.getElementById('q');i.focus();i.value=${JSON.stringify(query)};i.dispatchEvent(new Event('input'));return true})()`);
    const t1 = await p.until("(function(){var p=document.getElementById('search-suggest');return !!p&&!p.hidden&&p.querySelectorAll('a:not(.all)').length>0})()", 120000);
    // The search page opened with a query.
    p = await page(browser);
    const t2 = Date.now();
    await p.s("Page.navigate", { url: origin + "search/?q=" + encodeURIComponent(query) });
    const t3 = await p.until("document.querySelectorAll('.result-title').length>0", 120000);
    console.log(JSON.stringify({ profile: "2 s RTT, 50 KB/s, CPU ×4", query, headerBoxSeconds: (t1 - t0) / 1000, searchPageSeconds: (t3 - t2) / 1000 }));
  } finally {
    await browser.close();
    server.close();
  }
}
main().catch((e) => { console.error(e); process.exit(1); });
