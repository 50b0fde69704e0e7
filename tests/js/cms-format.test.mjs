// The editing interface's file format (src/cms/opora-toml.js) without a browser: what the
// form writes is what editors and `opora new` write (dates bare, numbers of their field's
// type, tables inline, fields in the form's order), and a portal file read into the form
// and written back keeps its values.
// Run: node --test tests/js/cms-format.test.mjs (after scripts/cms-setup.sh, which
// installs smol-toml into cms/node_modules).
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.join(here, "../..");
const smolToml = path.join(repo, "cms/node_modules/smol-toml/dist/index.js");
if (!fs.existsSync(smolToml)) throw new Error("smol-toml is not installed: run scripts/cms-setup.sh (scripts/test.sh does)");
const { parse } = await import(smolToml);
const { formatFor, fromFile, isEmpty, slugify } = await import(path.join(repo, "src/cms/opora-toml.js"));

// A service's form as src/cms/fields.rs generates it (the parts the writer looks at).
const services = {
  fields: [
    { name: "name", widget: "string" },
    { name: "needs", widget: "select", multiple: true },
    { name: "region", widget: "select" },
    {
      name: "location",
      widget: "object",
      fields: [
        { name: "lat", widget: "number", value_type: "float" },
        { name: "lon", widget: "number", value_type: "float" },
        { name: "precision", widget: "select" },
      ],
    },
    { name: "phones", widget: "list", field: { name: "item", widget: "string" } },
    { name: "contacts", widget: "list", fields: [{ name: "name", widget: "string" }, { name: "role", widget: "string" }] },
    { name: "age_months", widget: "list", field: { name: "item", widget: "number", value_type: "int" } },
    { name: "verified", widget: "datetime" },
    {
      name: "sources",
      widget: "list",
      fields: [
        { name: "doc", widget: "string" },
        { name: "line", widget: "number", value_type: "int" },
        { name: "quote", widget: "string" },
      ],
    },
    { name: "body", widget: "markdown" },
  ],
};
const format = formatFor(services, parse, ["opora_slug"]);

test("the form's values are written as an editor writes them", () => {
  const text = format.toFile({
    // Out of order and with empty leftovers of the form: order follows the form, empties go.
    verified: "2026-11-24",
    name: 'Центр «Доверие» "Калуга"',
    region: "RU-KLU",
    needs: ["psychologist", ""],
    location: { precision: "city", lat: "54.5", lon: 36 },
    phones: ["8 (4842) 55-06-02"],
    contacts: [{ name: "", role: "" }],
    age_months: [0, "36"],
    sources: [{ quote: "строка", doc: "003", line: "36" }],
    body: "Текст.",
    opora_slug: "tsentr-doverie",
  });
  assert.equal(
    text,
    [
      "+++",
      'name = "Центр «Доверие» \\"Калуга\\""',
      'needs = ["psychologist"]',
      'region = "RU-KLU"',
      'location = { lat = 54.5, lon = 36.0, precision = "city" }',
      'phones = ["8 (4842) 55-06-02"]',
      "age_months = [0, 36]",
      "verified = 2026-11-24",
      "sources = [",
      '  { doc = "003", line = 36, quote = "строка" },',
      "]",
      "+++",
      "Текст.",
      "",
    ].join("\n"),
  );
});

test("a portal file read into the form and written back keeps every value, even fields the form lacks", () => {
  const file = path.join(repo, "content/services/ru-klu/kaluga-doverie.md");
  const original = fs.readFileSync(file, "utf8");
  const data = fromFile(original, parse);
  assert.equal(data.location.precision, "city");
  const again = fromFile(format.toFile(data), parse);
  assert.deepEqual(again, data);
});

test("dates stay dates and `+++` inside a value does not end the fields", () => {
  const data = fromFile('+++\nname = """a\n+++ b"""\nverified = 2026-01-31\n+++\nТекст\n', (t) => parse(t));
  assert.equal(data.name, "a\n+++ b");
  assert.equal(data.verified, "2026-01-31");
  assert.equal(data.body, "Текст\n");
  assert.match(format.toFile(data), /^verified = 2026-01-31$/m);
  assert.throws(() => fromFile("name = 1\n", parse), /\+\+\+/);
});

test("file names are transliterated as `opora new` makes them", () => {
  const table = { с: "s", л: "l", у: "u", ж: "zh", б: "b", а: "a", ё: "yo", к: "k" };
  assert.equal(slugify("Служба «Ёлка» 2", table), "sluzhba-yolka-2");
  assert.equal(slugify("  --  ", table), "");
  // Cut as `ru::cap_slug` cuts: at a word, else mid-word.
  assert.equal(slugify("Служба Служба Служба", table, 16), "sluzhba-sluzhba");
  assert.equal(slugify("Служба " + "б".repeat(30), table, 16), "sluzhba-bbbbbbbb");
  assert.ok(isEmpty([{ a: "" }, null]));
  assert.ok(!isEmpty([0]));
});
