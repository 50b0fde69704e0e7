// Opora's editing interface: starts Decap CMS with the configuration `opora build`
// generated from the content model (config.json), and teaches it three things:
// Opora's files (opora-toml.js), file names as `opora new` makes them, and a
// preview with the portal's own stylesheet.
import { parse } from "./vendor/smol-toml/index.js";
import { formatFor, shown, slugify } from "./opora-toml.js";

const response = await fetch("config.json", { cache: "no-cache" });
const config = await response.json();
const opora = config.opora;
delete config.opora;
config.load_config_file = false;

// A new record's file is named as `opora new` names it: the name (or a
// region's code) transliterated by the portal's own table.
CMS.registerEventListener({
  name: "preSave",
  handler: ({ entry }) => {
    const data = entry.get("data");
    const field = opora.slug_fields[entry.get("collection")];
    if (!field) return data;
    const name = data.get(field) || "";
    return data.set(opora.slug_key, slugify(name, opora.transliteration, opora.slug_max_bytes));
  },
});

for (const collection of config.collections) {
  CMS.registerCustomFormat(collection.format, "md", formatFor(collection, parse, [opora.slug_key]));
}

// The preview uses the portal's own stylesheet and page structure.

CMS.registerPreviewStyle(opora.stylesheet);

for (const collection of config.collections) {
  const title = collection.identifier_field;
  const rows = collection.fields.filter((f) => f.name !== "body" && f.name !== title);
  CMS.registerPreviewTemplate(
    collection.name,
    createClass({
      render() {
        const data = this.props.entry.get("data");
        const facts = [];
        for (const f of rows) {
          const text = shown(data.get(f.name), f);
          if (text) facts.push(h("dt", { key: `${f.name}-t` }, f.label), h("dd", { key: `${f.name}-d` }, text));
        }
        return h(
          "main",
          { id: "main", className: "wrap" },
          h(
            "article",
            {},
            h("h1", {}, data.get(title) || collection.label_singular),
            h("div", { className: "prose" }, this.props.widgetFor("body")),
            h("dl", { className: "facts" }, facts),
          ),
        );
      },
    }),
  );
}

CMS.init({ config });
