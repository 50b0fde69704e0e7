// An editor without a terminal adds a service: headless Chromium (puppeteer-core, Debian's
// chromium) opens the built portal's /admin/ while decap-server (the local backend) writes
// into a copy of the portal; tests/cms.rs starts both and checks the file that appears.
//
// usage: node cms-local.mjs PUBLIC_DIR SERVICE_JSON
// SERVICE_JSON: {"name", "kind", "region", "need", "phone"} — the labels to pick in the form.
// Prints one JSON report: {"saved": bool, "failures": [...], "requests": [...]}.
import puppeteer from "puppeteer-core";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { serveSite } from "./serve.mjs";

const [publicDir, serviceJson] = process.argv.slice(2);
const service = JSON.parse(serviceJson);
const failures = [];
const requests = [];
const site = await serveSite(publicDir);
const profile = fs.mkdtempSync(path.join(os.tmpdir(), "opora-cms-"));
const WAIT = { timeout: 120000 };
let saved = false;
let page;
let browser;
let step = "start chromium";
try {
  browser = await puppeteer.launch({
    // The machine may be busy (CI runs several browser tests at once): generous limits.
    timeout: 120000,
    protocolTimeout: 180000,
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    userDataDir: profile,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-dev-shm-usage",
    ],
  });
  step = "open /admin/";
  page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 900 });
  page.on("request", (r) => requests.push(r.url()));
  page.on("console", (m) => {
    if (/Content Security Policy/i.test(m.text())) failures.push(`CSP: ${m.text().slice(0, 300)}`);
  });
  page.on("pageerror", (e) => failures.push(`page error: ${String(e).slice(0, 300)}`));

  await page.goto(`${site.origin}/admin/`, { waitUntil: "networkidle0", ...WAIT });
  // The local backend needs no account: «Войти» logs straight in.
  step = "log in";
  await clickText(page, "button", "Войти");
  await page.waitForFunction(() => !/Войти/.test(document.body.innerText), WAIT);
  step = "open the new service form";
  await page.goto(`${site.origin}/admin/#/collections/services/new`, WAIT);
  await page.waitForSelector('input[id^="name-field-"]', WAIT);

  step = "fill in the form";
  await page.type('input[id^="name-field-"]', service.name);
  await pick(page, "kind", service.kind);
  await pick(page, "region", service.region);
  await pick(page, "needs", service.need);
  await clickText(page, "button", "Добавить телефоны");
  const phone = await page.waitForSelector('[id^="phones-field-"] input', WAIT);
  await phone.type(service.phone);

  step = "save";
  // Decap's «Опубликовать» opens a menu; «Опубликовать сейчас» writes the file.
  await clickText(page, '[role="button"]', "Опубликовать");
  await clickText(page, '[role="menuitem"] span', "Опубликовать сейчас");
  // Saved: the address moves from …/new to the entry's own.
  await page.waitForFunction(() => !location.hash.endsWith("/new"), WAIT);
  saved = true;
} catch (e) {
  failures.push(`${step}: ${String(e).slice(0, 500)}`);
  // OPORA_SHOTS=DIR keeps a picture of where it stopped.
  if (process.env.OPORA_SHOTS && page) {
    await page.screenshot({ path: path.join(process.env.OPORA_SHOTS, "cms-failure.png"), fullPage: true });
  }
} finally {
  await browser?.close();
  await site.close();
  fs.rmSync(profile, { recursive: true, force: true });
}
process.stdout.write(JSON.stringify({ saved, failures, requests }));

/** Clicks the first visible element matching `selector` whose text is `text`. */
async function clickText(page, selector, text) {
  const handle = await page.waitForFunction(
    (sel, t) =>
      [...document.querySelectorAll(sel)].find(
        (el) => el.textContent.trim() === t && el.offsetParent !== null,
      ),
    WAIT,
    selector,
    text,
  );
  await handle.asElement().click();
}

/** Chooses the option labelled `label` in the select of field `name` (react-select). */
async function pick(page, name, label) {
  step = `pick «${label}» in ${name}`;
  const input = await page.waitForSelector(`input[id^="${name}-field-"]`, WAIT);
  await input.click();
  await input.type(label);
  await page.waitForFunction(
    (t) => [...document.querySelectorAll('[id*="-option-"]')].some((o) => o.textContent.trim() === t),
    WAIT,
    label,
  );
  await page.keyboard.press("Enter");
}
