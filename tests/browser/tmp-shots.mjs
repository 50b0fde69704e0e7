import puppeteer from "puppeteer-core";
import http from "node:http";
import fs from "node:fs";
import path from "node:path";
const root = process.argv[2];
const types = { ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".css": "text/css", ".json": "application/json", ".wasm": "application/wasm", ".bin": "application/octet-stream", ".svg": "image/svg+xml" };
const server = http.createServer((req, res) => {
  let p = decodeURIComponent(new URL(req.url, "http://x").pathname);
  let f = path.join(root, p);
  if (fs.existsSync(f) && fs.statSync(f).isDirectory()) f = path.join(f, "index.html");
  if (!fs.existsSync(f)) { res.writeHead(404); res.end(); return; }
  res.writeHead(200, { "Content-Type": types[path.extname(f)] || "application/octet-stream" });
  res.end(fs.readFileSync(f));
}).listen(0);
const port = server.address().port;
const browser = await puppeteer.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] });
const out = [];
for (const [name, url, js, width, action] of [
  ["search-more", "/search/?q=помощь", true, 360, "more"],
  ["vladivostok", "/regions/ru-pri/m/vladivostok/", true, 360],
  ["region-nojs", "/regions/ru-klu/", false, 320],
  ["region-js", "/regions/ru-klu/", true, 320],
  ["service-parus", "/services/ru-pri/primorye-parus/", true, 360],
  ["crisis-mos", "/needs/crisis/ru-mos/", true, 360],
  ["search-nojs", "/search/", false, 360],
]) {
  const page = await browser.newPage();
  await page.setJavaScriptEnabled(js);
  await page.setViewport({ width, height: 800 });
  await page.goto(`http://127.0.0.1:${port}${url}`, { waitUntil: "load" });
  if (action === "more") {
    await page.waitForSelector(".result-title", { timeout: 10000 });
    await page.click(".more-results");
    await page.waitForFunction(() => document.querySelectorAll(".result-title").length > 10, { timeout: 10000 });
    await page.evaluate(() => document.querySelectorAll(".result-title")[9].scrollIntoView());
  }
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
  const status = await page.evaluate(() => (document.getElementById("search-status") || {}).textContent || "");
  await page.screenshot({ path: `/tmp/shots2/${name}.png` });
  out.push({ name, overflow, status });
  await page.close();
}
await browser.close();
server.close();
console.log(JSON.stringify(out, null, 1));
