// The search page: results as you type, filters, highlighted excerpts,
// keyboard navigation and a live region. Without JavaScript the page offers
// browsing by need and region instead.
(function () {
  "use strict";
  var script = document.getElementById("search-ui");
  var form = document.getElementById("search-form");
  if (!script || !form || !window.OporaSearch || !window.WebAssembly) return;
  var base = script.getAttribute("data-base");
  var manifestUrl = script.getAttribute("data-manifest");
  var input = document.getElementById("search-q");
  var list = document.getElementById("search-results");
  var status = document.getElementById("search-status");
  // Filter selects: option name, manifest list, whether to show counts.
  var filters = [["type", "types", true], ["region", "regions", false], ["need", "needs", true], ["audience", "audiences", false]]
    .map(function (f) { return { name: f[0], list: f[1], counts: f[2], select: document.getElementById("search-" + f[0]) }; })
    .filter(function (f) { return f.select; });
  var enginePromise = null;
  var seq = 0;

  function engine() {
    if (!enginePromise) {
      enginePromise = OporaSearch.create(base, manifestUrl).then(function (e) {
        fillFilters(e.m.facets);
        return e;
      });
    }
    return enginePromise;
  }

  function plural(n, one, few, many) {
    var m10 = n % 10, m100 = n % 100;
    if (m10 === 1 && m100 !== 11) return one;
    if (m10 >= 2 && m10 <= 4 && (m100 < 12 || m100 > 14)) return few;
    return many;
  }

  function fillFilters(facets) {
    var params = new URLSearchParams(location.search);
    filters.forEach(function (f) {
      (facets[f.list] || []).forEach(function (v) {
        var label = f.counts ? v.label + " (" + v.count + ")" : v.label;
        f.select.add(new Option(label, v.id, false, params.get(f.name) === v.id));
      });
    });
    document.getElementById("search-filters").hidden = false;
  }

  // Text with the matched words wrapped in <mark>, built as DOM nodes (no HTML strings).
  function highlighted(text, ranges) {
    var frag = document.createDocumentFragment(), at = 0;
    ranges.forEach(function (r) {
      if (r[0] < at) return;
      frag.appendChild(document.createTextNode(text.slice(at, r[0])));
      var mark = document.createElement("mark");
      mark.textContent = text.slice(r[0], r[1]);
      frag.appendChild(mark);
      at = r[1];
    });
    frag.appendChild(document.createTextNode(text.slice(at)));
    return frag;
  }

  function render(query, found, facets) {
    list.textContent = "";
    found.results.forEach(function (r) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = base + r.url;
      a.textContent = r.title;
      a.className = "result-title";
      var meta = document.createElement("p");
      meta.className = "meta";
      var type = facets.types.find(function (t) { return t.id === r.type; });
      var region = facets.regions.find(function (x) { return x.id === r.region; });
      meta.textContent = (type ? type.label : r.type) + (region ? " · " + region.label : "");
      var p = document.createElement("p");
      p.appendChild(highlighted(r.excerpt, r.highlights));
      li.append(a, meta, p);
      list.appendChild(li);
    });
    var n = found.results.length;
    status.textContent = query.trim() === "" ? "" : n === 0
      ? "Ничего не найдено. Попробуйте другие слова или посмотрите помощь по теме ниже."
      : "Найдено: " + n + " " + plural(n, "результат", "результата", "результатов") + (n === 10 ? " (показаны первые 10)" : "");
  }

  function run(live) {
    var query = input.value;
    var mine = ++seq;
    if (query.trim() === "") { render("", { results: [] }, { types: [], regions: [] }); return; }
    engine().then(function (e) {
      var opts = { limit: 10, live: live };
      filters.forEach(function (f) { if (f.select.value) opts[f.name] = f.select.value; });
      return e.search(query, opts).then(function (found) {
        if (mine === seq) render(query, found, e.m.facets);
      });
    }).catch(function () {
      status.textContent = "Поиск сейчас недоступен. Найдите помощь по теме или по региону ниже.";
    });
  }

  var timer = null;
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () { run(true); }, 120);
  });
  input.addEventListener("focus", engine, { once: true });
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var params = new URLSearchParams();
    params.set("q", input.value);
    filters.forEach(function (f) { if (f.select.value) params.set(f.name, f.select.value); });
    history.replaceState(null, "", "?" + params.toString());
    run(false);
  });
  filters.forEach(function (f) { f.select.addEventListener("change", function () { run(false); }); });

  // Arrow keys move between the input and the results.
  form.parentNode.addEventListener("keydown", function (ev) {
    if (ev.key !== "ArrowDown" && ev.key !== "ArrowUp" && ev.key !== "Escape") return;
    var links = Array.prototype.slice.call(list.querySelectorAll("a.result-title"));
    var i = links.indexOf(document.activeElement);
    if (ev.key === "Escape") { input.focus(); return; }
    if (!links.length) return;
    ev.preventDefault();
    if (ev.key === "ArrowDown") (links[i + 1] || links[0]).focus();
    else if (i <= 0) input.focus();
    else links[i - 1].focus();
  });

  var q = new URLSearchParams(location.search).get("q");
  if (q) { input.value = q; run(false); }
})();
