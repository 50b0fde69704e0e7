// The header search box: results as you type, on every page. The search
// engine (script, wasm, shards) loads only when the reader focuses the box;
// without JavaScript the box simply submits to the search page.
(function () {
  "use strict";
  var form = document.querySelector("form.search-box[data-manifest]");
  if (!form || !window.WebAssembly || !window.fetch) return;
  var input = form.querySelector("input[name=q]");
  var base = form.getAttribute("data-base");
  var manifest = form.getAttribute("data-manifest");
  var wasm = form.getAttribute("data-wasm");
  var panel = document.createElement("div");
  panel.className = "search-suggest";
  panel.id = "search-suggest";
  panel.hidden = true;
  var status = document.createElement("p");
  status.className = "visually-hidden";
  status.setAttribute("role", "status");
  status.setAttribute("aria-live", "polite");
  var list = document.createElement("ul");
  panel.append(list);
  form.append(panel, status);
  input.setAttribute("aria-controls", "search-suggest");
  var engine = null, seq = 0, timer = null;

  // The manifest's address never changes (the pages do not change with the
  // index), so it is revalidated rather than taken from the cache unasked.
  function bytes(url, options) {
    return fetch(url, options).then(function (r) {
      if (!r.ok) throw new Error(url + ": " + r.status);
      return r.arrayBuffer();
    });
  }

  // On focus the script, the manifest and the wasm module are fetched
  // together, so the first results are two round trips after the engine.
  function loadEngine() {
    if (engine) return engine;
    var started = { manifest: bytes(manifest, { cache: "no-cache" }), wasm: bytes(wasm) };
    engine = new Promise(function (ok, fail) {
      var s = document.createElement("script");
      s.src = form.getAttribute("data-engine");
      s.onload = ok;
      s.onerror = fail;
      document.head.appendChild(s);
    }).then(function () {
      return OporaSearch.create(base, manifest, wasm, null, started);
    });
    return engine;
  }

  function show(found, query) {
    list.textContent = "";
    found.results.forEach(function (r) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = base + r.url;
      a.textContent = r.title;
      li.appendChild(a);
      list.appendChild(li);
    });
    var all = document.createElement("li");
    var more = document.createElement("a");
    more.href = base + "search/?q=" + encodeURIComponent(query);
    more.className = "all";
    more.textContent = found.results.length ? "Все результаты" : "Ничего не нашлось — открыть поиск";
    all.appendChild(more);
    list.appendChild(all);
    panel.hidden = false;
    status.textContent = found.results.length ? "Подсказок: " + found.results.length : "Ничего не найдено";
  }

  input.addEventListener("focus", loadEngine);
  input.addEventListener("pointerenter", loadEngine, { once: true });
  input.addEventListener("input", function () {
    clearTimeout(timer);
    var query = input.value, mine = ++seq;
    if (query.trim().length < 2) { panel.hidden = true; return; }
    timer = setTimeout(function () {
      loadEngine().then(function (e) { return e.search(query, { limit: 5, live: true }); }).then(function (found) {
        if (mine === seq) show(found, query);
      }).catch(function () { panel.hidden = true; });
    }, 150);
  });
  form.addEventListener("keydown", function (ev) {
    var links = Array.prototype.slice.call(list.querySelectorAll("a"));
    var i = links.indexOf(document.activeElement);
    if (ev.key === "Escape") { panel.hidden = true; input.focus(); return; }
    if (panel.hidden || !links.length || (ev.key !== "ArrowDown" && ev.key !== "ArrowUp")) return;
    ev.preventDefault();
    if (ev.key === "ArrowDown") (links[i + 1] || links[0]).focus();
    else if (i <= 0) input.focus();
    else links[i - 1].focus();
  });
  document.addEventListener("click", function (ev) { if (!form.contains(ev.target)) panel.hidden = true; });
})();
