// The header search box: the first five results as the reader types, under
// the box. Loads the search engine only when the box is first used, so pages
// cost nothing extra until then. Enter still opens the full search page, and
// without JavaScript the box is a plain form.
(function () {
  "use strict";
  var form = document.getElementById("header-search");
  if (!form || !window.WebAssembly || !window.fetch) return;
  var input = form.querySelector("input[name=q]");
  var base = form.getAttribute("data-base");
  var manifestUrl = form.getAttribute("data-manifest");
  var engineUrl = form.getAttribute("data-engine");
  var list = document.getElementById("header-search-results");
  var status = document.getElementById("header-search-status");
  var enginePromise = null, seq = 0, timer = null;

  function load() {
    if (enginePromise) return enginePromise;
    enginePromise = new Promise(function (resolve, reject) {
      if (window.OporaSearch) return resolve();
      var s = document.createElement("script");
      s.src = engineUrl;
      s.onload = resolve;
      s.onerror = reject;
      document.head.appendChild(s);
    }).then(function () {
      var json = function (u) { return fetch(u).then(function (r) { if (!r.ok) throw new Error(u); return r.json(); }); };
      var bytes = function (u) { return fetch(u).then(function (r) { return r.arrayBuffer(); }); };
      return window.OporaSearch.create(base, manifestUrl, json, bytes);
    });
    return enginePromise;
  }

  function clear() { list.textContent = ""; list.hidden = true; }

  function show(found) {
    list.textContent = "";
    found.results.forEach(function (r) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = base + r.url;
      a.textContent = r.title;
      li.appendChild(a);
      list.appendChild(li);
    });
    list.hidden = found.results.length === 0;
    var n = found.results.length;
    status.textContent = n ? "Подсказки: " + n + ". Стрелка вниз — перейти к ним." : "Ничего не найдено. Нажмите «Найти», чтобы искать на странице поиска.";
  }

  input.addEventListener("focus", function () { load().catch(function () {}); }, { once: true });
  input.addEventListener("input", function () {
    clearTimeout(timer);
    var q = input.value, mine = ++seq;
    if (q.trim() === "") { clear(); status.textContent = ""; return; }
    timer = setTimeout(function () {
      load().then(function (e) { return e.search(q, { limit: 5, live: true }); })
        .then(function (found) { if (mine === seq) show(found); })
        .catch(function () { clear(); });
    }, 120);
  });

  // Arrow keys move between the box and the suggestions; Escape closes them.
  form.addEventListener("keydown", function (ev) {
    var links = Array.prototype.slice.call(list.querySelectorAll("a"));
    var i = links.indexOf(document.activeElement);
    if (ev.key === "Escape") { clear(); input.focus(); return; }
    if ((ev.key !== "ArrowDown" && ev.key !== "ArrowUp") || list.hidden || !links.length) return;
    ev.preventDefault();
    if (ev.key === "ArrowDown") (links[i + 1] || links[0]).focus();
    else if (i <= 0) input.focus();
    else links[i - 1].focus();
  });
})();
