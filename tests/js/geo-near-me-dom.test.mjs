// The near-me enhancement on a page: adds a button, asks for the position only on click,
// fetches only from the site's own geo/near/ folder and lists the nearest services with
// links and distances, filtered by the box's need. A tiny fake DOM stands in for a browser.
// Run: node --test tests/js/geo-near-me-dom.test.mjs (`cargo test --test js_tests` runs every tests/js/*.test.mjs)
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const near = require(path.join(here, "../../static/geo/near-me.js"));
const bundle = JSON.parse(fs.readFileSync(path.join(here, "../fixtures/geo/near-shards.json"), "utf8"));

class El {
  constructor(tag) { this.tag = tag; this.children = []; this.attrs = {}; this.listeners = {}; this._text = ""; }
  setAttribute(k, v) { this.attrs[k] = String(v); }
  getAttribute(k) { return k in this.attrs ? this.attrs[k] : null; }
  appendChild(c) { this.children.push(c); c.parent = this; return c; }
  insertBefore(c, ref) {
    const i = ref ? this.children.indexOf(ref) : -1;
    if (i < 0) this.children.push(c); else this.children.splice(i, 0, c);
    c.parent = this; return c;
  }
  addEventListener(t, f) { this.listeners[t] = f; }
  get textContent() { return this._text + this.children.map((c) => c.textContent).join(""); }
  set textContent(v) { this._text = v; this.children = []; }
  all() { return this.children.flatMap((c) => [c, ...c.all()]); }
  querySelector(sel) {
    if (sel === "[data-near-me-results]") return this.all().find((e) => "data-near-me-results" in e.attrs) || null;
    if (sel === "select[name=need]") return this.all().find((e) => e.tag === "select") || null;
    const attr = /^\[([a-z-]+)\]$/.exec(sel);
    if (attr) return this.all().find((e) => attr[1] in e.attrs) || null;
    return null;
  }
}
const text = (s) => Object.assign(new El("#text"), { _text: s });

function page(attrs) {
  const box = new El("section");
  Object.entries(attrs).forEach(([k, v]) => box.setAttribute(k, v));
  const ol = box.appendChild(new El("ol"));
  ol.setAttribute("data-near-me-results", "");
  const doc = {
    querySelectorAll: (sel) => (sel === "[data-near-me]" ? [box] : []),
    createElement: (t) => new El(t),
    createTextNode: text,
  };
  return { doc, box, ol };
}

test("button, private position, own-site shards, nearest list filtered by need", async () => {
  const requested = [];
  let asked = 0;
  globalThis.navigator = { geolocation: { getCurrentPosition: (ok) => { asked += 1; ok({ coords: { latitude: 54.99, longitude: 73.32 } }); } } };
  globalThis.fetch = async (url, opts) => {
    requested.push(url);
    assert.equal(opts.credentials, "omit");
    const key = url.replace("/portal/geo/near/", "geo/near/");
    if (!(key in bundle)) return { ok: false, status: 404 };
    return { ok: true, json: async () => bundle[key] };
  };
  const { doc, box, ol } = page({ "data-near-me": "", "data-base": "/portal/geo/near/", "data-need": "crisis" });
  near.enhance(doc);
  const button = box.children.find((c) => c.tag === "button");
  assert.ok(button, "a button is added");
  assert.equal(asked, 0, "no position is asked before the reader clicks");
  button.listeners.click();
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(asked, 1);
  assert.ok(requested.every((u) => u.startsWith("/portal/geo/near/")), "only this site's shard files");
  assert.ok(requested.every((u) => !u.includes("54.99") && !u.includes("73.32")), "the position is not in any URL");
  const items = ol.children;
  const { results, index } = await near.nearest(54.99, 73.32, 10, "crisis", () => bundle["geo/near/index.json"], (k) => bundle[`geo/near/${k}.json`]);
  const within = results.filter((r) => r.km <= index.cutoff_km);
  assert.ok(within.length > 0, "the fixture has services near Omsk");
  assert.equal(items.length, within.length, "only services within the cut-off are listed");
  items.forEach((li, i) => {
    const [a, distance] = li.children;
    assert.equal(a.href, within[i].item.url);
    assert.ok(within[i].item.needs.includes("crisis"));
    assert.equal(distance.textContent, " — " + near.distanceText(within[i].km, within[i].item));
    const call = li.all().find((e) => e.className === "button call");
    assert.equal(Boolean(call), Boolean(within[i].item.phone), "a call button exactly where there is a phone");
    if (call) assert.equal(call.href, within[i].item.phone.tel);
  });
  const status = box.children.find((c) => c.attrs.role === "status");
  assert.equal(status.textContent, "Ближайшие службы:");
});

test("nothing near: say so, offer the national line and the nearest services with contacts", async () => {
  globalThis.navigator = { geolocation: { getCurrentPosition: (ok) => ok({ coords: { latitude: 0.5, longitude: -150 } }) } };
  globalThis.fetch = async (url) => {
    const key = url.replace("/geo/near/", "geo/near/");
    return key in bundle ? { ok: true, json: async () => bundle[key] } : { ok: false, status: 404 };
  };
  const { doc, box, ol } = page({
    "data-near-me": "", "data-base": "/geo/near/",
    "data-line-label": "Детский телефон доверия", "data-line-number": "8-800-2000-122", "data-line-tel": "tel:+78002000122",
  });
  near.enhance(doc);
  box.children.find((c) => c.tag === "button").listeners.click();
  await new Promise((r) => setTimeout(r, 50));
  const status = box.children.find((c) => c.attrs.role === "status");
  assert.match(status.textContent, /^В радиусе 100 км от вас служб на портале нет/);
  const [line, ...far] = ol.children;
  assert.equal(line.children[1].href, "tel:+78002000122", "the national line comes first");
  assert.equal(far.length, 3);
  for (const li of far) {
    const item = Object.values(bundle).flat().find((s) => s && s.url === li.children[0].href);
    assert.ok(item && item.contactable, "only services that can be contacted");
    assert.match(li.children[1].textContent, /≈ \d+ км до центра города/, "city points: whole km, to the town centre");
  }
});

test("a town-centre point is never given to a tenth of a km", () => {
  assert.equal(near.distanceText(0.4, { precision: "city", municipality: "Калуга" }), "центр города Калуга, точный адрес не указан");
  assert.equal(near.distanceText(86.6, { precision: "city" }), "≈ 87 км до центра города");
  assert.equal(near.distanceText(0.4, { precision: "exact" }), "0,4 км");
});

test("without geolocation the page is left as it is", () => {
  globalThis.navigator = {};
  const { doc, box } = page({ "data-near-me": "" });
  near.enhance(doc);
  assert.equal(box.children.length, 1);
});

test("the hint written for a page without the button becomes the alternative to it", () => {
  globalThis.navigator = { geolocation: { getCurrentPosition: () => {} } };
  globalThis.fetch = async () => ({ ok: false, status: 404 });
  const { doc, box } = page({ "data-near-me": "" });
  const p = box.appendChild(new El("p"));
  const hint = p.appendChild(new El("span"));
  hint.setAttribute("data-near-me-hint", "");
  hint.textContent = "Выберите свой город или район.";
  const privacy = p.appendChild(new El("span"));
  privacy.setAttribute("data-near-me-privacy", "");
  privacy.hidden = true;
  near.enhance(doc);
  assert.equal(hint.textContent, "Или выберите свой город или район.");
  assert.equal(privacy.hidden, false);
});
