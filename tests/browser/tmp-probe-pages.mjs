import fs from "node:fs";
import path from "node:path";
import puppeteer from "puppeteer-core";

const OUT = "/tmp/phoneprobe";
const ORIGIN = "http://127.0.0.1:8099";
const axeSource = fs.readFileSync(new URL("./node_modules/axe-core/axe.min.js", import.meta.url), "utf8");
const AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];

const PAGES = [
  ["home", "/"],
  ["families", "/families/"],
  ["need-housing", "/needs/housing/"],
  ["region-pri", "/regions/ru-pri/"],
  ["region-need-foster-mos", "/needs/foster/ru-mos/"],
  ["route-otkaz-pri", "/routes/esli-vy-dumaete-otkazatsya-ot-novorozhdennogo/ru-pri/"],
  ["svc-doverie", "/services/ru-klu/kaluga-doverie/"],
  ["svc-nophone-dmitrov", "/services/ru-mos/mo-fc-dmitrovsky/"],
  ["svc-nophone-dvs", "/services/ru-bel/dvs-belgorodskaya/"],
  ["svc-long-vordi", "/services/ru-ngr/novgorod-vordi/"],
  ["svc-long-perm", "/services/ru-per/perm-routing-commission/"],
  ["svc-2phones-snegiri", "/services/ru-nvs/nsk-snegiri/"],
  ["search", "/search/"],
  ["glossary", "/glossary/"],
  ["practice", "/practices/tyumen-semejnaya-dispetcherskaya/"],
  ["programme", "/programmes/mama-plus/"],
  ["stats", "/stats/"],
  ["region-stats", "/regions/ru-pri/stats/"],
  ["404", "/404.html"],
  ["open-data", "/open-data/"],
];
const only = process.argv[2] ? new RegExp(process.argv[2]) : null;

function probe() {
  const vw = window.innerWidth;
  const vis = (el) => {
    const r = el.getBoundingClientRect();
    const s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== "hidden" && s.display !== "none";
  };
  const small = [];
  for (const el of document.querySelectorAll("a[href], button, input, select, textarea, summary, [tabindex]")) {
    if (!vis(el)) continue;
    const r = el.getBoundingClientRect();
    if (r.width < 24 || r.height < 24) {
      // inline links within a text block are exempt (WCAG 2.5.8); record anyway with a flag
      const inline = getComputedStyle(el).display === "inline";
      small.push({ t: (el.textContent || el.value || el.getAttribute("aria-label") || "").trim().slice(0, 40), w: Math.round(r.width), h: Math.round(r.height), inline, tag: el.tagName });
    }
  }
  const wide = [];
  for (const el of document.querySelectorAll("body *")) {
    const r = el.getBoundingClientRect();
    if (r.right > vw + 1 && vis(el)) wide.push(el.tagName + "." + el.className + " " + Math.round(r.right));
    if (wide.length > 8) break;
  }
  const headings = [...document.querySelectorAll("h1,h2,h3,h4")].map((h) => h.tagName + ":" + h.textContent.trim().replace(/\s+/g, " "));
  const dup = headings.filter((h, i) => headings.indexOf(h) !== i);
  const text = document.body.innerText;
  const latin = [...new Set((text.match(/\b[A-Za-z][A-Za-z_\-]{2,}\b/g) || []))].slice(0, 60);
  const codey = (text.match(/undefined|null|NaN|\{\{|\}\}|\[object|TODO|FIXME|lorem/gi) || []);
  const emptyHeadings = [...document.querySelectorAll("h2,h3")].filter((h) => {
    let n = h.nextElementSibling;
    return !n || /^H[1-3]$/.test(n.tagName);
  }).map((h) => h.textContent.trim());
  const noscriptShown = [...document.querySelectorAll("noscript")].length;
  const tels = [...document.querySelectorAll("a[href^='tel:']")].filter(vis).map((a) => a.getAttribute("href") + "|" + a.textContent.trim());
  const h1 = [...document.querySelectorAll("h1")].map((h) => h.textContent.trim());
  return {
    scrollWidth: document.documentElement.scrollWidth, vw, height: document.documentElement.scrollHeight,
    title: document.title, h1, small, wide, dup, latin, codey, emptyHeadings, noscriptShown, tels: [...new Set(tels)].slice(0, 12),
  };
}

const browser = await puppeteer.launch({ executablePath: "/usr/bin/chromium", headless: true, args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"] });
const results = [];
try {
  const tab = await browser.newPage();
  const consoleMsgs = [];
  tab.on("console", (m) => { if (m.type() === "error" || m.type() === "warning") consoleMsgs.push(m.text()); });
  tab.on("pageerror", (e) => consoleMsgs.push("pageerror " + e.message));
  tab.on("requestfailed", (r) => consoleMsgs.push("reqfail " + r.url()));
  tab.on("response", (r) => { if (r.status() >= 400) consoleMsgs.push(r.status() + " " + r.url()); });
  for (const js of [true, false]) {
    await tab.setJavaScriptEnabled(js);
    for (const vp of [{ width: 360, height: 740 }, { width: 320, height: 640 }]) {
      await tab.setViewport({ ...vp, isMobile: true, hasTouch: true, deviceScaleFactor: 1 });
      for (const [name, url] of PAGES) {
        if (only && !only.test(name)) continue;
        consoleMsgs.length = 0;
        const res = await tab.goto(ORIGIN + url, { waitUntil: "networkidle0" });
        const m = await tab.evaluate(probe);
        let axe = null;
        try {
          await tab.evaluate(axeSource);
          const r = await tab.evaluate((tags) => window.axe.run(document, { runOnly: { type: "tag", values: tags }, resultTypes: ["violations"] }), AXE_TAGS);
          axe = r.violations.map((v) => ({ id: v.id, impact: v.impact, n: v.nodes.length, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ") + " :: " + (n.failureSummary || "").slice(0, 160)) }));
        } catch (e) { axe = "axe failed: " + e.message; }
        const tag = `${name}-${vp.width}-${js ? "js" : "nojs"}`;
        await tab.screenshot({ path: path.join(OUT, tag + ".png"), fullPage: true });
        results.push({ tag, url, status: res && res.status(), ...m, axe, console: [...consoleMsgs] });
        console.error(tag, m.scrollWidth, axe && axe.length);
      }
    }
  }
} finally {
  await browser.close();
}
fs.writeFileSync(path.join(OUT, "pages.json"), JSON.stringify(results, null, 1));
