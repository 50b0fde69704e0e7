// The search page: results as you type (the query kept in the address with
// history.replaceState, so Back and sharing work), the place the engine
// understood with a way to drop it, filters, passages with the matched words
// marked, sections of long records under them, arrow-key navigation and a
// live region. Without JavaScript the page offers browsing by need and region.
(function () {
  "use strict";
  var script = document.getElementById("search-ui");
  var form = document.getElementById("search-form");
  if (!script || !form || !window.OporaSearch || !window.WebAssembly) return;
  var base = script.getAttribute("data-base");
  var input = document.getElementById("search-q");
  var list = document.getElementById("search-results");
  var status = document.getElementById("search-status");
  var understood = document.getElementById("search-understood");
  var filterBox = document.getElementById("search-filters");
  // Filter selects: option name, facet list, whether to show counts.
  var filters = [["type", "types", true], ["region", "regions", false], ["need", "needs", true], ["audience", "audiences", false]]
    .map(function (f) { return { name: f[0], list: f[1], counts: f[2], select: document.getElementById("search-" + f[0]) }; })
    .filter(function (f) { return f.select; });
  // What the help says (results as you type, arrow keys) is true only now.
  document.getElementById("search-help").hidden = false;
  var params = new URLSearchParams(location.search);
  var noPlace = params.get("place") === "0";
  var enginePromise = null, ready = false, seq = 0, filled = false;
  // Results come PAGE at a time: the engine stops at the limit, so it cannot
  // say how many there are in all — "Показать ещё" asks for PAGE more.
  var PAGE = 10, limit = PAGE;
  var more = document.createElement("button");
  more.type = "button";
  more.className = "more-results";
  more.textContent = "Показать ещё";
  more.hidden = true;
  list.parentNode.insertBefore(more, list.nextSibling);
  // A filter's value: the select's, or the address's until the options load.
  function value(f) { return filled ? f.select.value : f.select.value || params.get(f.name) || ""; }

  function engine() {
    if (!enginePromise) {
      enginePromise = OporaSearch.create(base, script.getAttribute("data-manifest"), script.getAttribute("data-wasm"))
        .then(function (e) {
          ready = true;
          // Filter options come from a file of their own, fetched alongside.
          OporaSearch.fetchBytes(base + "search/facets." + e.generation() + ".json")
            .then(function (b) { fillFilters(JSON.parse(new TextDecoder().decode(b))); })
            .catch(function () {});
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
    filters.forEach(function (f) {
      (facets[f.list] || []).forEach(function (v) {
        var label = f.counts ? v.label + " (" + v.count + ")" : v.label;
        f.select.add(new Option(label, v.id, false, params.get(f.name) === v.id));
      });
    });
    filled = true;
    filterBox.hidden = false;
  }

  // An excerpt's segments with matched words in <mark>, as DOM nodes (no HTML strings).
  function passage(segments) {
    var p = document.createElement("p");
    segments.forEach(function (s) {
      if (s[1]) {
        var mark = document.createElement("mark");
        mark.textContent = s[0];
        p.appendChild(mark);
      } else p.appendChild(document.createTextNode(s[0]));
    });
    return p;
  }

  function showUnderstood(found) {
    understood.textContent = "";
    if (found.place) {
      var p = document.createElement("p");
      p.appendChild(document.createTextNode("Сначала — " + found.place.label + ". "));
      var all = document.createElement("button");
      all.type = "button";
      all.className = "link-button";
      all.textContent = "Искать по всей стране";
      all.addEventListener("click", function () { noPlace = true; run(false); input.focus(); });
      p.appendChild(all);
      understood.appendChild(p);
    } else if (noPlace) {
      var again = document.createElement("button");
      again.type = "button";
      again.className = "link-button";
      again.textContent = "Учитывать место из запроса";
      again.addEventListener("click", function () { noPlace = false; run(false); input.focus(); });
      understood.appendChild(again);
    }
    if (found.needs.length) {
      // The need the words meant, as a link to its page (`needs/<id>/`, as
      // the site lays it out): the services for it by region, phones first.
      var n = document.createElement("p");
      n.className = "meta";
      n.appendChild(document.createTextNode("По теме: "));
      found.needs.forEach(function (x, i) {
        if (i > 0) n.appendChild(document.createTextNode(", "));
        var a = document.createElement("a");
        a.href = base + "needs/" + encodeURIComponent(x.id) + "/";
        a.textContent = x.label;
        n.appendChild(a);
      });
      understood.appendChild(n);
    }
  }

  function render(query, found) {
    list.textContent = "";
    found.results.forEach(function (r) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = base + r.url;
      a.textContent = r.title;
      a.className = "result-title";
      var meta = document.createElement("p");
      meta.className = "meta";
      meta.textContent = r.typeLabel + (r.region ? " · " + r.region : "");
      li.append(a, meta, passage(r.excerpt));
      if (r.sections.length) {
        var subs = document.createElement("ul");
        subs.className = "sub-results";
        r.sections.forEach(function (s) {
          var sli = document.createElement("li");
          var sa = document.createElement("a");
          sa.href = base + s.url;
          sa.textContent = s.title;
          sli.append(sa, passage(s.excerpt));
          subs.appendChild(sli);
        });
        li.appendChild(subs);
      }
      list.appendChild(li);
    });
    showUnderstood(found);
    var n = found.results.length;
    // A full page may have more behind it; fewer is all there is.
    more.hidden = n < limit;
    status.textContent = query.trim() === "" ? "" : n === 0
      ? "Ничего не найдено. Попробуйте другие слова или посмотрите помощь по теме ниже."
      : n < limit
        ? "Найдено: " + n + " " + plural(n, "результат", "результата", "результатов")
        : "Показаны первые " + n + " " + plural(n, "результат", "результата", "результатов") + ". Могут быть и другие: кнопка «Показать ещё» под списком.";
  }

  // The address says what is shown: query, filters, a dropped place.
  function remember() {
    var next = new URLSearchParams();
    if (input.value.trim()) next.set("q", input.value);
    filters.forEach(function (f) { if (value(f)) next.set(f.name, value(f)); });
    if (noPlace) next.set("place", "0");
    var qs = next.toString();
    history.replaceState(null, "", qs ? "?" + qs : location.pathname);
  }

  // `then` runs once the results are shown (after "Показать ещё").
  function run(live, keepLimit, then) {
    var query = input.value;
    var mine = ++seq;
    if (!keepLimit) limit = PAGE;
    remember();
    if (query.trim() === "") { list.textContent = ""; understood.textContent = ""; status.textContent = ""; more.hidden = true; return; }
    // On a slow connection the engine takes a while to arrive: say so, or the
    // page looks as if it found nothing.
    if (!ready) status.textContent = "Загружаем поиск…";
    engine().then(function (e) {
      var opts = { limit: limit, live: live, noPlace: noPlace };
      filters.forEach(function (f) { if (value(f)) opts[f.name] = value(f); });
      return e.search(query, opts).then(function (found) {
        if (mine !== seq) return;
        render(query, found);
        if (then) then();
      });
    }).catch(function () {
      more.hidden = true;
      status.textContent = "Поиск сейчас недоступен. Найдите помощь по теме или по региону ниже.";
    });
  }

  // The next page of results; focus goes to the first new one, so a
  // keyboard or screen-reader user carries on where the list grew.
  more.addEventListener("click", function () {
    var shown = list.children.length;
    limit += PAGE;
    run(false, true, function () {
      var first = list.children[shown];
      var link = first && first.querySelector("a");
      if (link) link.focus();
      else input.focus();
    });
  });

  var timer = null;
  input.addEventListener("input", function () {
    clearTimeout(timer);
    noPlace = false;
    timer = setTimeout(function () { run(true); }, 120);
  });
  input.addEventListener("focus", engine, { once: true });
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    run(false);
  });
  filters.forEach(function (f) { f.select.addEventListener("change", function () { run(false); }); });

  // Arrow keys move between the input and the results.
  form.parentNode.addEventListener("keydown", function (ev) {
    if (ev.key !== "ArrowDown" && ev.key !== "ArrowUp") return;
    var links = Array.prototype.slice.call(list.querySelectorAll("a"));
    var i = links.indexOf(document.activeElement);
    if (!links.length) return;
    ev.preventDefault();
    if (ev.key === "ArrowDown") (links[i + 1] || links[0]).focus();
    else if (i <= 0) input.focus();
    else links[i - 1].focus();
  });

  // The engine starts loading at once: the page exists to search.
  engine();
  var q = params.get("q");
  if (q) { input.value = q; run(false); }
})();
