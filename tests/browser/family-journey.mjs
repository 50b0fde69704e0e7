// The family journey on a cheap phone, in headless Chromium (driven by puppeteer-core,
// with axe-core run inside each page). Run by tests/family_journey.rs on a freshly built
// site:
//
//   node tests/browser/family-journey.mjs PUBLIC_DIR [--shots DIR]
//
// At 360×740 and 320×640, over the family page types and the specialist ones, it checks:
//  * a `tel:` link to a national line (112 or the helpline) on the first screen of family pages;
//  * the quick exit inside the viewport on every page;
//  * no sideways scrolling (WCAG 1.4.10 reflow);
//  * content (<main>) starting within 200 px of the top;
//  * 0 axe-core violations of WCAG 2.0/2.1/2.2 A and AA;
//  * the region page showing a `tel:` link within its first two screens;
//  * no phone number split across two lines;
//  * keyboard focus never hidden under the quick-exit button (WCAG 2.4.11);
//  * no request to any host but the site's own;
//  * print: A4, phones written out after their links, no screen-only parts.
// Prints one JSON report; exits 1 when anything failed.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import puppeteer from "puppeteer-core";
import { serveSite } from "./serve.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const axeSource = fs.readFileSync(path.join(here, "node_modules/axe-core/axe.min.js"), "utf8");

const args = process.argv.slice(2);
const site = args[0];
const shotsAt = args.indexOf("--shots");
const shotsDir = shotsAt >= 0 ? args[shotsAt + 1] : null;
if (!site || !fs.existsSync(path.join(site, "index.html"))) {
  console.error("usage: node family-journey.mjs PUBLIC_DIR [--shots DIR]");
  process.exit(2);
}

// What a page is, and which checks apply. `contactable`: the page lists an entry with a
// phone, so a `tel:` must be within two screens. `shot`: screenshot name at 360 px.
export const PAGES = [
  { name: "home", url: "/", family: true, shot: "home" },
  { name: "families", url: "/families/", family: true },
  { name: "need", url: "/needs/crisis/", family: true, shot: "need" },
  { name: "need in a region", url: "/needs/family-support/ru-klu/", family: true, contactable: true },
  { name: "region", url: "/regions/ru-klu/", family: true, contactable: true, shot: "region" },
  { name: "route", url: "/routes/esli-semye-trudno-i-ne-hvataet-deneg/ru-klu/", family: true, contactable: true, shot: "route" },
  { name: "service", url: "/services/ru-klu/kaluga-doverie/", family: true, shot: "service" },
  { name: "service with two phones", url: "/services/ru-nvs/nsk-snegiri/", family: true },
  { name: "search", url: "/search/?q=" + encodeURIComponent("кризисная квартира"), family: true },
  { name: "practice", url: "/practices/kaluga-soprovozhdenie/" },
  { name: "programme", url: "/programmes/komanda-0-4/" },
  { name: "stats", url: "/stats/" },
  { name: "region stats", url: "/regions/ru-mos/stats/" },
  { name: "glossary", url: "/glossary/" },
];

const VIEWPORTS = [
  { width: 360, height: 740 },
  { width: 320, height: 640 },
];

const AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];

function chromiumPath() {
  for (const p of [process.env.CHROMIUM, "/usr/bin/chromium", "/usr/bin/chromium-browser"]) {
    if (p && fs.existsSync(p)) return p;
  }
  throw new Error("Chromium not found (Debian package `chromium`; scripts/test.sh installs it)");
}

// Everything measured in the page, in CSS pixels of the current viewport.
function measure() {
  const vw = window.innerWidth;
  const vh = window.innerHeight;
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    const s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== "hidden" && s.display !== "none";
  };
  const lineTels = Array.from(document.querySelectorAll(".lines a[href^='tel:']"))
    .filter(visible)
    .map((a) => ({ href: a.getAttribute("href"), top: a.getBoundingClientRect().top + window.scrollY }));
  const tels = Array.from(document.querySelectorAll("main a[href^='tel:']"))
    .filter((a) => visible(a) && !a.closest(".lines"))
    .map((a) => ({ href: a.getAttribute("href"), top: a.getBoundingClientRect().top + window.scrollY }));
  // A number broken over two lines is misread and mis-dialled: an inline
  // link that wraps has more than one box.
  const splitTels = Array.from(document.querySelectorAll("a[href^='tel:']"))
    .filter((a) => visible(a) && a.getClientRects().length > 1)
    .map((a) => a.textContent.trim());
  const exit = document.getElementById("quick-exit");
  const er = exit && exit.getBoundingClientRect();
  const main = document.querySelector("main");
  return {
    splitTels,
    viewport: { width: vw, height: vh },
    scrollWidth: document.documentElement.scrollWidth,
    mainTop: main ? main.getBoundingClientRect().top + window.scrollY : null,
    lineTels,
    tels,
    quickExit: er ? { left: er.left, top: er.top, right: er.right, bottom: er.bottom } : null,
    height: document.documentElement.scrollHeight,
  };
}

const failures = [];
const note = (what) => failures.push(what);
const report = [];
const fail = (page, vp, what) => failures.push(`${page.name} (${page.url}) at ${vp.width}×${vp.height}: ${what}`);

// The quick exit's shortcut: Shift three times leaves (and forgets the tab's storage);
// Esc twice in the search box only closes suggestions. Leaving is a navigation to another
// host, so this runs in its own tab that stops that request instead of sending it.
async function checkQuickExit() {
  const tab = await openTab();
  await tab.setRequestInterception(true);
  const left = [];
  tab.on("request", (req) => {
    if (req.url().startsWith(server.origin + "/")) req.continue();
    else { left.push(req.url()); req.abort(); }
  });
  await tab.goto(server.origin + "/needs/crisis/", { waitUntil: "networkidle0" });
  await tab.evaluate(() => sessionStorage.setItem("opora-test", "1"));
  await tab.focus("#q");
  await tab.keyboard.type("кризис");
  await tab.keyboard.press("Escape");
  await tab.keyboard.press("Escape");
  await new Promise((r) => setTimeout(r, 300));
  if (left.length) note(`Esc twice in the search box left the site: ${left}`);
  const exitUrl = await tab.$eval("#quick-exit", (a) => a.getAttribute("data-url"));
  await tab.keyboard.press("Shift");
  await tab.keyboard.press("Shift");
  await tab.keyboard.press("Shift");
  await new Promise((r) => setTimeout(r, 500));
  if (!left.some((u) => u.startsWith(exitUrl))) note(`Shift ×3 did not go to ${exitUrl}: ${left}`);
  const stored = await tab.evaluate(() => sessionStorage.getItem("opora-test")).catch(() => null);
  if (stored !== null) note("the quick exit left the tab's sessionStorage behind");
  await tab.close();
}

// Print (A4): a parent prints a service page or a route to take along. What is printed
// has every phone and link written out, and nothing meant only for the screen.
async function checkPrint() {
  const tab = await openTab();
  for (const url of ["/services/ru-klu/kaluga-doverie/", "/practices/kaluga-soprovozhdenie/"]) {
    await tab.goto(server.origin + url, { waitUntil: "networkidle0" });
    await tab.emulateMediaType("print");
    const seen = await tab.evaluate(() => {
      const shown = (el) => el && getComputedStyle(el).display !== "none" && el.getClientRects().length > 0;
      const hidden = [".quick-exit", ".search-box", ".site-menu", ".toc", ".no-print", ".near-me"]
        .flatMap((sel) => [...document.querySelectorAll(sel)].filter(shown).map(() => sel));
      const errorLink = [...document.querySelectorAll("a")].filter((a) => /Нашли ошибку|Исправить эту страницу/.test(a.textContent) && shown(a)).length;
      const tels = [...document.querySelectorAll("main a[href^='tel:']")].map((a) => ({
        href: a.getAttribute("href"),
        after: getComputedStyle(a, "::after").content,
      }));
      return { hidden, errorLink, tels };
    });
    for (const sel of seen.hidden) note(`print ${url}: ${sel} is printed`);
    if (seen.errorLink) note(`print ${url}: «Нашли ошибку» is printed`);
    for (const t of seen.tels) if (!t.after.includes(t.href)) note(`print ${url}: ${t.href} printed without its number (${t.after})`);
    if (url.startsWith("/services/") && !seen.tels.length) note(`print ${url}: no phone to print`);
    const pdf = await tab.pdf({ preferCSSPageSize: true });
    const box = /\/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]/.exec(Buffer.from(pdf).toString("latin1"));
    // A4 is 595 × 842 pt.
    if (!box || Math.abs(Number(box[1]) - 595) > 2 || Math.abs(Number(box[2]) - 842) > 2) note(`print ${url}: not A4 (${box ? box.slice(1).join(" × ") : "no MediaBox"})`);
    await tab.emulateMediaType(null);
  }
  await tab.close();
}

// Tabbing through a long family page on a phone: the quick-exit button is fixed at the
// bottom, and whatever has the focus must never be hidden under it (WCAG 2.4.11).
async function checkFocusNotObscured() {
  const tab = await openTab();
  await tab.setViewport({ width: 360, height: 740, isMobile: true, hasTouch: true });
  for (const url of ["/", "/services/ru-nvs/nsk-snegiri/"]) {
    await tab.goto(server.origin + url, { waitUntil: "networkidle0" });
    const seen = new Set();
    for (let i = 0; i < 80; i++) {
      await tab.keyboard.press("Tab");
      const at = await tab.evaluate(() => {
        const a = document.activeElement, q = document.getElementById("quick-exit");
        if (!a || a === document.body || a === q) return null;
        const x = a.getBoundingClientRect(), y = q.getBoundingClientRect();
        const covered = x.left < y.right && x.right > y.left && x.top < y.bottom && x.bottom > y.top;
        return { key: a.outerHTML.slice(0, 80), covered, text: a.textContent.trim().slice(0, 40) };
      });
      if (!at || seen.has(at.key)) continue;
      seen.add(at.key);
      if (at.covered) note(`focus hidden under the quick exit on ${url}: «${at.text}»`);
    }
    if (seen.size < 10) note(`tabbing through ${url} reached only ${seen.size} elements`);
  }
  await tab.close();
}

// «Рядом со мной» with a position the test sets: near Kaluga the results name the town
// centre honestly and carry a call button; far from everything the page says so and offers
// the national line and the nearest services with contacts.
async function checkNearMe() {
  const ctx = browser.defaultBrowserContext();
  await ctx.overridePermissions(server.origin, ["geolocation"]);
  const tab = await openTab();
  await tab.setViewport({ width: 360, height: 740, isMobile: true, hasTouch: true });
  const run = async (url, latitude, longitude) => {
    await tab.setGeolocation({ latitude, longitude });
    await tab.goto(server.origin + url, { waitUntil: "networkidle0" });
    const top = await tab.$eval(".near-me-button", (b) => b.getBoundingClientRect().top + window.scrollY);
    await tab.click(".near-me-button");
    await tab.waitForFunction(() => /служб|позвонить/i.test(document.querySelector(".near-me [role=status]").textContent) &&
      !/Определяем/.test(document.querySelector(".near-me [role=status]").textContent), { timeout: 20000 });
    return tab.evaluate((top) => ({
      top,
      status: document.querySelector(".near-me [role=status]").textContent,
      items: Array.from(document.querySelectorAll("[data-near-me-results] > li")).map((li) => ({
        text: li.textContent,
        tel: (li.querySelector("a[href^='tel:']") || {}).href || null,
      })),
    }), top);
  };
  const kaluga = await run("/regions/ru-klu/", 54.5138, 36.2612);
  if (kaluga.top > 2 * 740) note(`near-me button on the region page at ${kaluga.top} px, below two screens`);
  const doverie = kaluga.items.find((i) => i.text.includes("Доверие"));
  if (!doverie) note(`near me at Kaluga: no «Доверие» in ${JSON.stringify(kaluga.items)}`);
  else {
    if (!/центр города/.test(doverie.text) || /\d,\d км/.test(doverie.text)) note(`town-centre point not described honestly: ${doverie.text}`);
    if (!doverie.tel) note("near-me result without its call button");
  }
  const far = await run("/needs/crisis/", 62.03, 129.73);
  if (!/В радиусе \d+ км/.test(far.status)) note(`nothing near Yakutsk, yet: ${far.status}`);
  if (!far.items.length || !/tel:\+?78002000122/.test(far.items[0].tel || "")) note(`no national line offered far away: ${JSON.stringify(far.items)}`);
  if (!far.items.slice(1).some((i) => i.tel && /≈ \d+ км/.test(i.text))) note(`no nearest contactable service offered: ${JSON.stringify(far.items)}`);
  await tab.close();
}

const server = await serveSite(site);
const browser = await puppeteer.launch({
  executablePath: chromiumPath(),
  headless: true,
  protocolTimeout: 300000,
  args: [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
  ],
});
// Generous timeouts: on a loaded 2-core CI machine a page with axe-core can take long;
// a timeout here says nothing about the site.
async function openTab() {
  const tab = await browser.newPage();
  tab.setDefaultTimeout(180000);
  tab.setDefaultNavigationTimeout(180000);
  return tab;
}
const foreign = new Set();
try {
  const tab = await openTab();
  tab.on("request", (req) => {
    const url = req.url();
    if (!url.startsWith(server.origin + "/") && !url.startsWith("data:")) foreign.add(url);
  });
  if (shotsDir) fs.mkdirSync(shotsDir, { recursive: true });
  for (const vp of VIEWPORTS) {
    await tab.setViewport({ ...vp, isMobile: true, hasTouch: true, deviceScaleFactor: 1 });
    for (const page of PAGES) {
      const res = await tab.goto(server.origin + page.url, { waitUntil: "networkidle0" });
      if (!res || res.status() !== 200) {
        fail(page, vp, `HTTP ${res ? res.status() : "no response"}`);
        continue;
      }
      const m = await tab.evaluate(measure);
      const row = { page: page.name, url: page.url, ...vp, ...m };
      if (m.scrollWidth > vp.width) fail(page, vp, `scrolls sideways: ${m.scrollWidth} px wide`);
      if (m.mainTop === null || m.mainTop > 200) fail(page, vp, `content starts at ${m.mainTop} px (limit 200)`);
      for (const t of m.splitTels) fail(page, vp, `phone split across lines: ${t}`);
      const q = m.quickExit;
      if (!q) fail(page, vp, "no quick exit");
      else if (q.left < 0 || q.top < 0 || q.right > vp.width || q.bottom > vp.height)
        fail(page, vp, `quick exit off screen: ${JSON.stringify(q)}`);
      if (page.family) {
        const first = m.lineTels.filter((t) => /^tel:(112|\+?7?8?8002000122)$/.test(t.href) && t.top < vp.height);
        if (first.length === 0) fail(page, vp, `no tel: to 112 or the helpline on the first screen: ${JSON.stringify(m.lineTels)}`);
      }
      if (page.contactable) {
        const near = m.tels.filter((t) => t.top < 2 * vp.height);
        row.firstEntryTel = m.tels.length ? m.tels[0].top : null;
        if (near.length === 0) fail(page, vp, `no entry's tel: within two screens (first at ${row.firstEntryTel})`);
      }
      await tab.evaluate(axeSource);
      const axe = await tab.evaluate(
        (tags) => window.axe.run(document, { runOnly: { type: "tag", values: tags }, resultTypes: ["violations"] }),
        AXE_TAGS,
      );
      row.axeViolations = axe.violations.map((v) => ({ id: v.id, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")) }));
      for (const v of row.axeViolations) fail(page, vp, `axe ${v.id}: ${v.nodes.join(", ")}`);
      if (shotsDir && page.shot && vp.width === 360) {
        await tab.screenshot({ path: path.join(shotsDir, `${page.shot}-360.png`) });
      }
      report.push(row);
    }
  }
  await checkQuickExit();
  await checkFocusNotObscured();
  await checkNearMe();
  await checkPrint();
} finally {
  await browser.close();
  await server.close();
}
for (const url of foreign) failures.push(`request to another host: ${url}`);
console.log(JSON.stringify({ pages: report.length, failures, report }, null, 1));
process.exit(failures.length ? 1 : 0);
