// Opora search engine, browser half: it only moves bytes. Query analysis,
// places and meanings, typos, completion, scoring and excerpts all run in the
// wasm module (crates/opora-search-core, the same code as `opora search`).
// The module answers either "fetch these files" — all that can be known at
// that point, so they are fetched together in one round trip — or the
// results. No DOM here: Node's tests load this file too.
(function (root, factory) {
  if (typeof module === "object" && module.exports) module.exports = factory();
  else root.OporaSearch = factory();
})(typeof self !== "undefined" ? self : this, function () {
  "use strict";
  var encoder = new TextEncoder(), decoder = new TextDecoder();
  // Facet filters and the key prefixes of their lists in the index.
  var FILTERS = { type: "t", region: "r", need: "n", audience: "a", kind: "k" };

  function Engine(base, wasm, fetchBytes) {
    this.base = base;
    this.w = wasm;
    this.fetchBytes = fetchBytes;
    this.loading = {};
    // Round trips the searches so far needed (for benchmarks).
    this.rounds = 0;
  }

  Engine.prototype.put = function (bytes) {
    var ptr = this.w.input(bytes.length);
    new Uint8Array(this.w.memory.buffer, ptr, bytes.length).set(bytes);
  };

  Engine.prototype.text = function (n) {
    return decoder.decode(new Uint8Array(this.w.memory.buffer, this.w.output(), n));
  };

  Engine.prototype.generation = function () { return this.text(this.w.generation()); };

  // Fetches a file the module asked for and hands it over (once per file).
  Engine.prototype.load = function (name) {
    var self = this;
    if (!this.loading[name]) {
      this.loading[name] = this.fetchBytes(this.base + name).then(function (buf) {
        var nameBytes = encoder.encode(name), bytes = new Uint8Array(buf);
        var all = new Uint8Array(nameBytes.length + bytes.length);
        all.set(nameBytes);
        all.set(bytes, nameBytes.length);
        self.put(all);
        if (!self.w.feed(nameBytes.length, all.length)) throw new Error(name + ": damaged");
      });
      this.loading[name].catch(function () { delete self.loading[name]; });
    }
    return this.loading[name];
  };

  // opts: {limit, live, noPlace, type, region, need, audience, kind}.
  // Resolves to {terms, place, needs, exact, results: [{url, title, type,
  // typeLabel, region, score, excerpt: [[text, marked]…], sections: […]}]}.
  Engine.prototype.search = async function (query, opts) {
    opts = opts || {};
    var lines = [query.replace(/[\r\n]+/g, " "), String(opts.limit || 10), (opts.live ? "l" : "") + (opts.noPlace ? "n" : "")];
    Object.keys(FILTERS).forEach(function (k) { if (opts[k]) lines.push(FILTERS[k] + ":" + opts[k]); });
    var request = encoder.encode(lines.join("\n"));
    var asked = {};
    for (;;) {
      this.put(request);
      var out = this.text(this.w.search(request.length));
      if (out[0] === "R") return JSON.parse(out.slice(1));
      if (out[0] !== "N") throw new Error("search engine not ready");
      var names = out.slice(1).split("\n");
      // A file fed but asked for again would loop forever: give up instead.
      if (names.every(function (n) { return asked[n]; })) throw new Error("search index incomplete");
      names.forEach(function (n) { asked[n] = true; });
      this.rounds++;
      await Promise.all(names.map(this.load, this));
    }
  };

  function browserBytes(url) {
    return fetch(url).then(function (r) {
      if (!r.ok) throw new Error(url + ": " + r.status);
      return r.arrayBuffer();
    });
  }

  // Loads the manifest and the module together. `fetchBytes(url)` is
  // injected so Node can read files from disk; `started` may hold fetches a
  // page began earlier ({manifest, wasm} promises of bytes).
  async function create(base, manifestUrl, wasmUrl, fetchBytes, started) {
    fetchBytes = fetchBytes || browserBytes;
    started = started || {};
    var both = await Promise.all([started.manifest || fetchBytes(manifestUrl), started.wasm || fetchBytes(wasmUrl)]);
    var module = await WebAssembly.instantiate(both[1], {});
    var engine = new Engine(base, module.instance.exports, fetchBytes);
    var manifest = new Uint8Array(both[0]);
    engine.put(manifest);
    if (!engine.w.open(manifest.length)) throw new Error("search manifest not understood");
    return engine;
  }

  return { create: create, Engine: Engine, fetchBytes: browserBytes };
});
