// "Near me": sorts services by distance from the reader's position, loading only the
// grid-cell shards that could hold one of the nearest results. The position stays in the
// browser: it is used for arithmetic here and never sent anywhere (shard URLs do not
// depend on it beyond which cell files are fetched from this same site).
//
// Data layout (written by src/geo/shards.rs):
//   <base>index.json   {"cell": 1, "cells": {"54_73": {"n": 3, "needs": {"crisis": 2}}}}
//   <base><key>.json   [{id, url, name, lat, lon, precision, region, needs, municipality}]
//
// Without JavaScript the page offers region → municipality links instead (see docs/maps.md).
(function (root) {
  "use strict";

  var R = 6371.0088; // mean Earth radius, km; must match src/geo/mod.rs
  var RAD = Math.PI / 180;

  function distanceKm(aLat, aLon, bLat, bLon) {
    var h = Math.pow(Math.sin(((bLat - aLat) * RAD) / 2), 2) +
      Math.cos(aLat * RAD) * Math.cos(bLat * RAD) * Math.pow(Math.sin(((bLon - aLon) * RAD) / 2), 2);
    return 2 * R * Math.asin(Math.min(1, Math.sqrt(h)));
  }

  // Signed longitude difference folded into [-180, 180).
  function fold(d) {
    return ((((d + 180) % 360) + 360) % 360) - 180;
  }

  // A lower bound on the distance from (lat, lon) to any point of the cell
  // [lat0, lat0+size] × [lon0, lon0+size]. Two bounds, both provable:
  //  * a path never covers less than its change in latitude;
  //  * a point outside the cell's longitudes is on the other side of the great circle
  //    through one edge meridian, so the path crosses it: at least the cross-track distance.
  function cellLowerBoundKm(lat, lon, lat0, lon0, size) {
    var lat1 = lat0 + size;
    var dLat = lat < lat0 ? lat0 - lat : lat > lat1 ? lat - lat1 : 0;
    var bound = dLat * RAD * R;
    var fromWest = fold(lon - lon0);
    var fromEast = fold(lon - (lon0 + size));
    var cross = function (d) {
      return R * Math.asin(Math.min(1, Math.abs(Math.cos(lat * RAD) * Math.sin(d * RAD))));
    };
    if (fromWest < 0) bound = Math.max(bound, cross(fromWest));
    if (fromEast > 0) bound = Math.max(bound, cross(fromEast));
    return bound;
  }

  function byDistance(a, b) {
    return a.km - b.km || (a.item.name < b.item.name ? -1 : a.item.name > b.item.name ? 1 : 0) ||
      (a.item.id < b.item.id ? -1 : a.item.id > b.item.id ? 1 : 0);
  }

  // What to look for: a need id (string), or {need, contactable}.
  function criteria(filter) {
    if (filter && typeof filter === "object") return { need: filter.need || "", contactable: !!filter.contactable };
    return { need: filter || "", contactable: false };
  }

  function accepts(item, c) {
    return (!c.need || (item.needs || []).indexOf(c.need) >= 0) && (!c.contactable || item.contactable === true);
  }

  function cellMayHold(cell, c) {
    if (c.need && !(cell.needs && cell.needs[c.need] > 0)) return false;
    if (c.contactable && !(cell.c > 0)) return false;
    return cell.n > 0;
  }

  // The k nearest services matching `filter` (see criteria) to (lat, lon). `loadIndex()` and
  // `loadShard(key)` return promises of parsed JSON. Cells are visited nearest-bound first;
  // once the next cell's bound exceeds the k-th distance found, no unseen cell can improve
  // the answer, so the result equals a brute-force sort. Returns {results, loaded, index}.
  function nearest(lat, lon, k, filter, loadIndex, loadShard) {
    var c = criteria(filter);
    return Promise.resolve(loadIndex()).then(function (index) {
      var size = index.cell;
      var cells = Object.keys(index.cells).filter(function (key) {
        return cellMayHold(index.cells[key], c);
      }).map(function (key) {
        var parts = key.split("_");
        var lat0 = Number(parts[0]) * size;
        var lon0 = Number(parts[1]) * size;
        return { key: key, bound: cellLowerBoundKm(lat, lon, lat0, lon0, size) };
      }).sort(function (a, b) { return a.bound - b.bound || (a.key < b.key ? -1 : 1); });

      var results = [];
      var loaded = 0;
      function step(i) {
        // 1e-9 km slack: equal distances must still load the cell so ties resolve as in Rust.
        if (i >= cells.length || (results.length >= k && cells[i].bound > results[k - 1].km + 1e-9)) {
          return Promise.resolve({ results: results, loaded: loaded, index: index });
        }
        return Promise.resolve(loadShard(cells[i].key)).then(function (items) {
          loaded += 1;
          items.forEach(function (item) {
            if (accepts(item, c)) results.push({ item: item, km: distanceKm(lat, lon, item.lat, item.lon) });
          });
          results.sort(byDistance);
          if (results.length > k) results.length = k;
          return step(i + 1);
        });
      }
      return step(0);
    });
  }

  function formatKm(km) {
    return km < 10 ? km.toFixed(1).replace(".", ",") + " км" : Math.round(km) + " км";
  }

  // A point that is only the town centre cannot give an exact distance: say «центр города»
  // when the reader is in or by the town, and «≈ 87 км» (whole km, to the town centre)
  // otherwise — never «0,4 км» to a place nobody knows the address of.
  // The same rule as the municipality pages (src/geo/mod.rs `distance_text`, `TOWN_KM`).
  var TOWN_KM = 10;
  function distanceText(km, item) {
    if (item && item.precision === "city") {
      if (km < TOWN_KM) return "центр города" + (item.municipality ? " " + item.municipality : "") + ", точный адрес не указан";
      return "≈ " + Math.round(km) + " км до центра города" + (item.municipality ? " " + item.municipality : "");
    }
    return formatKm(km);
  }

  // One result: the name as a link, the distance, a call button when there is a phone,
  // and what the service helps with.
  function resultItem(doc, r, labels) {
    var li = doc.createElement("li");
    var a = doc.createElement("a");
    a.href = r.item.url;
    a.textContent = r.item.name;
    li.appendChild(a);
    li.appendChild(doc.createTextNode(" — " + distanceText(r.km, r.item)));
    if (r.item.phone) {
      var p = doc.createElement("p");
      p.className = "call";
      var call = doc.createElement("a");
      call.className = "button call";
      call.href = r.item.phone.tel;
      call.textContent = "Позвонить: " + r.item.phone.display;
      p.appendChild(call);
      li.appendChild(p);
    }
    var needs = (r.item.needs || []).map(function (n) { return labels[n] || n; });
    if (needs.length) {
      var tags = doc.createElement("p");
      tags.className = "meta";
      tags.textContent = needs.join(" · ");
      li.appendChild(tags);
    }
    return li;
  }

  // Progressive enhancement of <section data-near-me data-base="/geo/near/" data-need="crisis">:
  // a styled button right under the section's heading; results replace the list inside
  // `[data-near-me-results]`. Nothing within the cut-off: the page says so, offers the national
  // line given in data-line-* and the nearest services that can be contacted, however far.
  function enhance(doc) {
    var boxes = doc.querySelectorAll("[data-near-me]");
    Array.prototype.forEach.call(boxes, function (box) {
      if (typeof navigator === "undefined" || !navigator.geolocation || typeof fetch !== "function") return;
      var base = box.getAttribute("data-base") || "/geo/near/";
      var status = doc.createElement("p");
      status.setAttribute("role", "status");
      var button = doc.createElement("button");
      button.type = "button";
      button.className = "button near-me-button";
      button.textContent = "Показать ближайшие ко мне";
      var list = box.querySelector("[data-near-me-results]") || box.appendChild(doc.createElement("ol"));
      var heading = box.querySelector("h2");
      var anchor = heading ? heading.nextSibling : box.firstChild;
      box.insertBefore(button, anchor);
      box.insertBefore(status, button.nextSibling || null);
      // The page's hint, written for a page without the button, becomes the alternative to it.
      var hint = box.querySelector("[data-near-me-hint]");
      if (hint && hint.textContent) hint.textContent = "Или " + hint.textContent.charAt(0).toLowerCase() + hint.textContent.slice(1);
      var privacy = box.querySelector("[data-near-me-privacy]");
      if (privacy) privacy.hidden = false;
      var fetchJson = function (name) {
        return fetch(base + name, { credentials: "omit" }).then(function (r) {
          if (!r.ok) throw new Error(r.status);
          return r.json();
        });
      };
      var loadIndex = function () { return fetchJson("index.json"); };
      var loadShard = function (key) { return fetchJson(key + ".json"); };
      button.addEventListener("click", function () {
        var select = box.querySelector("select[name=need]");
        var need = (select && select.value) || box.getAttribute("data-need") || "";
        status.textContent = "Определяем ваше местоположение… Оно не покидает ваш браузер.";
        navigator.geolocation.getCurrentPosition(function (pos) {
          var lat = pos.coords.latitude;
          var lon = pos.coords.longitude;
          nearest(lat, lon, 10, need, loadIndex, loadShard).then(function (out) {
            var cutoff = out.index.cutoff_km || 100;
            var labels = out.index.labels || {};
            var near = out.results.filter(function (r) { return r.km <= cutoff; });
            list.textContent = "";
            near.forEach(function (r) { list.appendChild(resultItem(doc, r, labels)); });
            if (near.length) {
              status.textContent = "Ближайшие службы:";
              return null;
            }
            var line = box.getAttribute("data-line-number");
            if (line) {
              var li = doc.createElement("li");
              li.appendChild(doc.createTextNode(box.getAttribute("data-line-label") + " — "));
              var call = doc.createElement("a");
              call.href = box.getAttribute("data-line-tel");
              call.textContent = line;
              li.appendChild(call);
              list.appendChild(li);
            }
            return nearest(lat, lon, 3, { contactable: true }, loadIndex, loadShard).then(function (far) {
              far.results.forEach(function (r) { list.appendChild(resultItem(doc, r, labels)); });
              // Said last, once the list is complete: the status is what screen readers announce.
              status.textContent = "В радиусе " + cutoff + " км от вас служб" + (need ? " с такой помощью" : "") +
                " на портале нет. Куда можно позвонить:";
            });
          }).catch(function () {
            status.textContent = "Не удалось загрузить данные. Выберите регион и район в списке.";
          });
        }, function () {
          status.textContent = "Местоположение недоступно. Выберите регион и район в списке.";
        }, { maximumAge: 600000, timeout: 15000 });
      });
    });
  }

  var api = { distanceKm: distanceKm, cellLowerBoundKm: cellLowerBoundKm, nearest: nearest, formatKm: formatKm, distanceText: distanceText, enhance: enhance };
  if (typeof module !== "undefined" && module.exports) {
    module.exports = api;
  } else {
    root.OporaNearMe = api;
    if (root.document) {
      if (root.document.readyState === "loading") {
        root.document.addEventListener("DOMContentLoaded", function () { enhance(root.document); });
      } else {
        enhance(root.document);
      }
    }
  }
})(this);
