// Opora's record files for the editing interface, without the browser: how a
// file is read into the form and written back, and how a new file is named.
// opora-cms.js wires these into Decap CMS; tests/js/cms-format.test.mjs runs them in Node.
//
// Front matter is TOML between `+++` lines. Decap's own TOML writer stores a
// picked date as text ("2026-11-24"), which `opora check` refuses, and rewrites
// inline tables as [sections]. This writes what editors and `opora new` write:
// dates bare, numbers as their field's type, tables inline, one citation per
// line, fields in the form's order.

/**
 * `ru::slugify`: transliterated, lower-case, words joined by single hyphens,
 * cut as `ru::cap_slug` cuts it to `maxBytes` (the portal's `slug_max_bytes`).
 */
export function slugify(text, table, maxBytes = Infinity) {
  return capSlug(transliterate(text, table), maxBytes);
}

/** `ru::cap_slug`: at the last hyphen that keeps half the slug, else mid-word. */
function capSlug(slug, maxBytes) {
  // A slug is ASCII: its length in characters is its length in bytes.
  if (slug.length <= maxBytes) return slug;
  const hyphen = slug.slice(0, maxBytes + 1).lastIndexOf("-");
  return slug.slice(0, hyphen >= maxBytes / 2 ? hyphen : maxBytes);
}

function transliterate(text, table) {
  let out = "";
  let pendingDash = false;
  for (const ch of String(text).toLowerCase()) {
    let piece;
    if (Object.hasOwn(table, ch)) piece = table[ch];
    else if (/^[a-z0-9]$/.test(ch)) piece = ch;
    else {
      pendingDash = true;
      continue;
    }
    if (piece === "") continue;
    if (pendingDash && out !== "") out += "-";
    pendingDash = false;
    out += piece;
  }
  return out;
}

/** Dates as `YYYY-MM-DD` text, which the date picker shows and keeps. */
function datesAsText(value) {
  if (value instanceof Date) {
    const iso = value.toISOString();
    return typeof value.isDate === "function" && value.isDate() ? iso.slice(0, 10) : iso;
  }
  if (Array.isArray(value)) return value.map(datesAsText);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, datesAsText(v)]));
  }
  return value;
}

/** Reads a file with `parse` (smol-toml's) into the form's data. */
export function fromFile(text, parse) {
  const normalized = text.replace(/\r\n/g, "\n");
  // The closing `+++` is a line of its own: `+++` inside a value does not end the table.
  const match = /^\+\+\+[ \t]*\n((?:[\s\S]*?\n)?)\+\+\+[ \t]*(?:\n|$)([\s\S]*)$/.exec(normalized);
  if (!match) throw new Error("Файл должен начинаться с полей между строками +++");
  const data = datesAsText(parse(match[1]));
  const body = match[2];
  return body.trim() ? { ...data, body } : data;
}

/** Nothing worth writing: an empty text, list or table the form left behind. */
export function isEmpty(value) {
  if (value === undefined || value === null || value === "") return true;
  if (Array.isArray(value)) return value.every(isEmpty);
  if (typeof value === "object") return Object.values(value).every(isEmpty);
  return false;
}

const ESCAPES = { '"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r" };

function tomlString(s) {
  return (
    '"' +
    String(s).replace(/["\\\u0000-\u001f\u007f]/g, (c) =>
      ESCAPES[c] ?? "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0"),
    ) +
    '"'
  );
}

function tomlKey(k) {
  return /^[A-Za-z0-9_-]+$/.test(k) ? k : tomlString(k);
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** One value as TOML, guided by its form field when there is one. */
function tomlValue(value, field) {
  const widget = field?.widget;
  if (widget === "datetime" && typeof value === "string" && DATE.test(value)) return value;
  if (widget === "number") {
    const n = Number(value);
    if (Number.isFinite(n)) {
      if (field.value_type === "int") return String(Math.trunc(n));
      return Number.isInteger(n) ? n.toFixed(1) : String(n);
    }
  }
  if (typeof value === "boolean") return String(value);
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : tomlString(value);
  if (Array.isArray(value)) {
    const item = field?.field ?? (field?.fields ? { widget: "object", fields: field.fields } : undefined);
    const items = value.filter((v) => !isEmpty(v)).map((v) => tomlValue(v, item));
    const tables = value.some((v) => v && typeof v === "object" && !Array.isArray(v));
    return tables && items.length > 0 ? `[\n  ${items.join(",\n  ")},\n]` : `[${items.join(", ")}]`;
  }
  if (value && typeof value === "object") return inlineTable(value, field?.fields);
  return tomlString(value);
}

/** `{ lat = 54.5, lon = 36.3, precision = "city" }`, keys in the form's order. */
function inlineTable(value, fields = []) {
  const known = fields.filter((f) => Object.hasOwn(value, f.name));
  const others = Object.keys(value)
    .filter((k) => !fields.some((f) => f.name === k))
    .map((name) => ({ name }));
  const parts = [...known, ...others]
    .filter((f) => !isEmpty(value[f.name]))
    .map((f) => `${tomlKey(f.name)} = ${tomlValue(value[f.name], f.widget ? f : undefined)}`);
  return parts.length ? `{ ${parts.join(", ")} }` : "{}";
}

/**
 * A record's file: the form's fields in order, then any other field the file
 * had (nothing an editor did not touch is lost), then the Markdown body.
 * `internal` names keys the admin script keeps in the entry but never writes.
 */
export function formatFor(collection, parse, internal = []) {
  const fields = collection.fields.filter((f) => f.name !== "body");
  const known = new Set([...fields.map((f) => f.name), "body", ...internal]);
  return {
    fromFile: (text) => fromFile(text, parse),
    toFile(data) {
      const others = Object.keys(data)
        .filter((k) => !known.has(k))
        .map((name) => ({ name }));
      const lines = [...fields, ...others]
        .filter((f) => !isEmpty(data[f.name]))
        .map((f) => `${tomlKey(f.name)} = ${tomlValue(data[f.name], f.widget ? f : undefined)}`);
      let body = typeof data.body === "string" ? data.body : "";
      if (body && !body.endsWith("\n")) body += "\n";
      return `+++\n${lines.join("\n")}\n+++\n${body}`;
    },
  };
}

/** A value as the preview shows it: labels instead of ids. */
export function shown(value, field) {
  const v = value && typeof value.toJS === "function" ? value.toJS() : value;
  if (isEmpty(v)) return null;
  const label = (x) => field?.options?.find((o) => o.value === x)?.label ?? x;
  if (Array.isArray(v)) return v.filter((x) => !isEmpty(x)).map((x) => shown(x, field?.field ?? field)).join("; ");
  if (typeof v === "object") {
    return Object.entries(v)
      .filter(([, x]) => !isEmpty(x))
      .map(([k, x]) => `${field?.fields?.find((f) => f.name === k)?.label ?? k}: ${shown(x)}`)
      .join(", ");
  }
  return String(label(v));
}

