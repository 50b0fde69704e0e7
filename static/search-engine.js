// Opora search engine: the browser half of the static index.
// Queries are analyzed by the same Rust analyzer that built the index (compiled
// to wasm); shards are fetched by term prefix; scores follow tantivy's BM25 in
// 32-bit floats, so results match `opora search`. No DOM here: Node's tests
// load this file too.
(function (root, factory) {
  if (typeof module === "object" && module.exports) module.exports = factory();
  else root.OporaSearch = factory();
})(typeof self !== "undefined" ? self : this, function () {
  "use strict";
  var f32 = Math.fround;
  var ONE_PLUS_K1 = f32(2.2);

  function chars(s) { return Array.from(s); }
  function prefix(term, n) { return chars(term).slice(0, n).join(""); }
  // Shard names carry their key as hex of its UTF-8 bytes (see src/search/export.rs).
  var utf8 = new TextEncoder();
  function hex(key) {
    return Array.from(utf8.encode(key), function (b) { return (b < 16 ? "0" : "") + b.toString(16); }).join("");
  }

  // Levenshtein distance, stopping early past `max`.
  function distance(a, b, max) {
    a = chars(a); b = chars(b);
    if (Math.abs(a.length - b.length) > max) return max + 1;
    var prev = [];
    for (var j = 0; j <= b.length; j++) prev.push(j);
    for (var i = 1; i <= a.length; i++) {
      var cur = [i], rowMin = i;
      for (var k = 1; k <= b.length; k++) {
        var cost = a[i - 1] === b[k - 1] ? 0 : 1;
        cur.push(Math.min(prev[k] + 1, cur[k - 1] + 1, prev[k - 1] + cost));
        rowMin = Math.min(rowMin, cur[k]);
      }
      if (rowMin > max) return max + 1;
      prev = cur;
    }
    return Math.min(prev[b.length], max + 1);
  }

  function Engine(base, manifest, wasm, fetchJson) {
    this.base = base;
    this.m = manifest;
    this.wasm = wasm;
    this.fetchJson = fetchJson;
    this.cache = {};
    this.encoder = new TextEncoder();
    this.decoder = new TextDecoder();
  }

  Engine.prototype.call = function (fn, text) {
    var bytes = this.encoder.encode(text);
    var ptr = this.wasm.input(bytes.length);
    new Uint8Array(this.wasm.memory.buffer, ptr, bytes.length).set(bytes);
    var n = this.wasm[fn](bytes.length);
    return this.decoder.decode(new Uint8Array(this.wasm.memory.buffer, this.wasm.output(), n));
  };

  // [{term, start, end}] with offsets into `text` (UTF-16 units).
  Engine.prototype.analyze = function (text) {
    return this.call("analyze", text).split("\n").filter(Boolean).map(function (line) {
      var p = line.split("\t");
      return { term: p[0], start: +p[1], end: +p[2] };
    });
  };

  Engine.prototype.normalize = function (text) { return this.call("normalize", text); };

  Engine.prototype.load = function (path) {
    if (!this.cache[path]) this.cache[path] = this.fetchJson(this.base + path);
    return this.cache[path];
  };

  Engine.prototype.dict = function (term) {
    var key = prefix(term, 1), hash = this.m.dict[key];
    var file = hash && "search/d-" + hex(key) + "-" + hash + ".json";
    return file ? this.load(file) : Promise.resolve({});
  };

  Engine.prototype.postings = function (term) {
    var key = prefix(term, 2), hash = this.m.postings[key];
    var file = hash && "search/p-" + hex(key) + "-" + hash + ".json";
    return file ? this.load(file).then(function (shard) { return shard[term] || null; }) : Promise.resolve(null);
  };

  function df(dict, term) {
    var d = dict[term];
    return d ? d[0] + d[1] + d[2] : 0;
  }

  // Analysis, typo correction, synonyms — the rules of src/search/query.rs.
  Engine.prototype.expand = async function (query, live) {
    var self = this, terms = [];
    var tokens = this.analyze(query);
    for (var i = 0; i < tokens.length; i++) {
      var term = tokens[i].term;
      var dict = await this.dict(term);
      if (df(dict, term) === 0 && chars(term).length >= this.m.typoMinChars) {
        var best = null, bestDf = -1;
        Object.keys(dict).sort().forEach(function (cand) {
          var n = df(dict, cand);
          if (distance(cand, term, 1) === 1 && n > bestDf) { best = cand; bestDf = n; }
        });
        if (best !== null) term = best;
      }
      if (terms.indexOf(term) < 0) terms.push(term);
    }
    var present = terms.slice();
    this.m.synonyms.forEach(function (group) {
      var hit = group.some(function (member) {
        return member.length > 0 && member.every(function (t) { return present.indexOf(t) >= 0; });
      });
      if (hit) group.forEach(function (member) {
        member.forEach(function (t) { if (terms.indexOf(t) < 0) terms.push(t); });
      });
    });
    // As the reader types, the last word may be unfinished: add the most
    // frequent dictionary terms it begins.
    var completions = [];
    if (live && tokens.length) {
      var words = query.trim().split(/\s+/);
      var last = this.normalize(words[words.length - 1] || "");
      if (chars(last).length >= 2) {
        var d = await this.dict(last);
        completions = Object.keys(d).filter(function (t) { return t.indexOf(last) === 0 && terms.indexOf(t) < 0; })
          .sort(function (a, b) { return df(d, b) - df(d, a) || (a < b ? -1 : 1); }).slice(0, 8);
      }
    }
    return { terms: terms, completions: completions };
  };

  Engine.prototype.facets = function () { return this.load(this.m.facets.file); };

  Engine.prototype.meta = function (doc) {
    var size = this.m.meta.size;
    return this.load(this.m.meta.files[Math.floor(doc / size)]).then(function (rows) { return rows[doc % size]; });
  };

  // One posting list: a term in a field, ordered by contribution (highest
  // first), with overflow blocks still on the server.
  function List(weight, cache, first, overflow) {
    this.weight = weight;
    this.cache = cache;
    this.p = first.slice();
    this.overflow = overflow.slice();
  }
  List.prototype.impact = function (k) {
    var tf = this.p[k + 1];
    return f32(this.weight * f32(tf / f32(tf + f32(this.cache[this.p[k + 2]]))));
  };
  // The most a document not yet loaded from this list can still get from it.
  List.prototype.bound = function () {
    return this.overflow.length && this.p.length ? this.impact(this.p.length - 3) : 0;
  };

  // Facet option names and their value lists in the manifest.
  var FACETS = [["type", "types"], ["region", "regions"], ["need", "needs"], ["audience", "audiences"], ["kind", "kinds"]];

  // opts: {limit, type, region, need, audience, kind, live}. Resolves to the ranked documents.
  Engine.prototype.search = async function (query, opts) {
    opts = opts || {};
    var self = this;
    var limit = opts.limit || 10;
    var exp = await this.expand(query, !!opts.live);
    var all = exp.terms.concat(exp.completions);
    var fields = this.m.fields, lists = [];
    for (var t = 0; t < all.length; t++) {
      var entry = await this.postings(all[t]);
      if (!entry) continue;
      entry.l.forEach(function (l) {
        var w = f32(f32(f32(entry.i[l.f]) * ONE_PLUS_K1) * f32(fields[l.f].boost));
        lists.push(new List(w, fields[l.f].cache, l.p, l.o));
      });
    }
    // Filters: a document passes when it has every chosen facet value (an
    // unknown value matches nothing, as in tantivy).
    var chosen = FACETS.filter(function (f) { return opts[f[0]]; });
    var facets = chosen.length ? await this.facets() : null;
    var wanted = chosen.map(function (f) {
      var i = self.m.facets[f[1]].findIndex(function (x) { return x.id === opts[f[0]]; });
      // -1 in the facet data means "no value": an unknown value must not match it.
      return [f[0], i < 0 ? null : i];
    });
    function allowed(d) {
      return wanted.every(function (w) {
        var v = facets[w[0]][d];
        return Array.isArray(v) ? v.indexOf(w[1]) >= 0 : v === w[1];
      });
    }
    var scores, seen, ranked;
    for (;;) {
      // Scores from what is loaded, summed list by list (tantivy's order).
      scores = new Map();
      seen = lists.map(function () { return new Set(); });
      lists.forEach(function (list, li) {
        for (var k = 0; k < list.p.length; k += 3) {
          var doc = list.p[k];
          seen[li].add(doc);
          scores.set(doc, f32((scores.get(doc) || 0) + list.impact(k)));
        }
      });
      ranked = Array.from(scores.keys()).filter(allowed);
      ranked.sort(function (a, b) { return scores.get(b) - scores.get(a) || a - b; });
      var pending = lists.filter(function (l) { return l.overflow.length > 0; });
      if (!pending.length) break;
      // Exact when the top documents are complete in every unfinished list and
      // nothing outside them could still overtake the last of them.
      var top = ranked.slice(0, limit);
      var kth = top.length === limit ? scores.get(top[limit - 1]) : 0;
      var unseen = lists.reduce(function (n, l) { return n + l.bound(); }, 0);
      var exact = top.length === limit && unseen <= kth && top.every(function (d) {
        return lists.every(function (l, li) { return l.bound() === 0 || seen[li].has(d); });
      }) && ranked.slice(limit).every(function (d) {
        var upper = scores.get(d);
        lists.forEach(function (l, li) { if (!seen[li].has(d)) upper += l.bound(); });
        return upper <= kth;
      });
      if (exact) break;
      var next = pending.reduce(function (a, b) { return b.bound() > a.bound() ? b : a; });
      var more = await this.load(next.overflow.shift());
      next.p = next.p.concat(more);
    }
    var docs = ranked.slice(0, limit);
    var rows = await Promise.all(docs.map(this.meta, this));
    var marked = exp.terms.concat(exp.completions);
    return {
      terms: exp.terms,
      results: docs.map(function (doc, i) {
        var r = rows[i];
        return {
          doc: doc, score: scores.get(doc), url: r[0], title: r[1], type: r[2], region: r[3], excerpt: r[4],
          highlights: self.analyze(r[4]).filter(function (tok) { return marked.indexOf(tok.term) >= 0; })
            .map(function (tok) { return [tok.start, tok.end]; }),
        };
      }),
    };
  };

  // Loads the manifest and the wasm module. `fetchJson(url)` and
  // `fetchBytes(url)` are injected so Node can read files from disk.
  // The browser's loaders; Node's tests pass their own that read files.
  function fetchOk(url) {
    return fetch(url).then(function (r) {
      if (!r.ok) throw new Error(url + ": " + r.status);
      return r;
    });
  }
  function browserJson(url) { return fetchOk(url).then(function (r) { return r.json(); }); }
  function browserBytes(url) { return fetchOk(url).then(function (r) { return r.arrayBuffer(); }); }

  async function create(base, manifestUrl, fetchJson, fetchBytes) {
    fetchJson = fetchJson || browserJson;
    fetchBytes = fetchBytes || browserBytes;
    var manifest = await fetchJson(manifestUrl);
    var bytes = await fetchBytes(base + manifest.wasm);
    var module = await WebAssembly.instantiate(bytes, {});
    return new Engine(base, manifest, module.instance.exports, fetchJson);
  }

  return { create: create, Engine: Engine, distance: distance };
});
