// Opt-in interactive tile map ([map] tiles = true in opora.toml). Shipped only when the
// portal owner turns it on and names a tile server; off by default because every tile
// request goes to that server. The SVG map and the list stay on the page either way.
(function () {
  "use strict";
  var SIZE = 256;
  function project(lat, lon, z) {
    var n = SIZE * Math.pow(2, z);
    var s = Math.sin((Math.max(-85, Math.min(85, lat)) * Math.PI) / 180);
    return [((lon + 180) / 360) * n, (0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI)) * n];
  }
  function render(box, features) {
    var url = box.getAttribute("data-tiles");
    var w = box.clientWidth || 640, h = 420;
    var pts = features.map(function (f) { return { lon: f.geometry.coordinates[0], lat: f.geometry.coordinates[1], p: f.properties }; });
    if (!pts.length || !url) return;
    var z = 16;
    for (; z > 2; z--) {
      var a = pts.map(function (q) { return project(q.lat, q.lon, z); });
      var xs = a.map(function (v) { return v[0]; }), ys = a.map(function (v) { return v[1]; });
      if (Math.max.apply(null, xs) - Math.min.apply(null, xs) < w - 60 && Math.max.apply(null, ys) - Math.min.apply(null, ys) < h - 60) break;
    }
    var c = pts.map(function (q) { return project(q.lat, q.lon, z); });
    var cx = (Math.min.apply(null, c.map(function (v) { return v[0]; })) + Math.max.apply(null, c.map(function (v) { return v[0]; }))) / 2;
    var cy = (Math.min.apply(null, c.map(function (v) { return v[1]; })) + Math.max.apply(null, c.map(function (v) { return v[1]; }))) / 2;
    var ox = cx - w / 2, oy = cy - h / 2;
    var view = document.createElement("div");
    view.className = "tile-view";
    view.style.cssText = "position:relative;overflow:hidden;width:100%;height:" + h + "px";
    for (var tx = Math.floor(ox / SIZE); tx * SIZE < ox + w; tx++) {
      for (var ty = Math.floor(oy / SIZE); ty * SIZE < oy + h; ty++) {
        var max = Math.pow(2, z);
        if (ty < 0 || ty >= max) continue;
        var img = document.createElement("img");
        img.alt = "";
        img.src = url.replace("{z}", z).replace("{x}", ((tx % max) + max) % max).replace("{y}", ty);
        img.style.cssText = "position:absolute;width:256px;height:256px;left:" + (tx * SIZE - ox) + "px;top:" + (ty * SIZE - oy) + "px";
        view.appendChild(img);
      }
    }
    pts.forEach(function (q, i) {
      var a = document.createElement("a");
      a.href = q.p.url;
      a.textContent = "●";
      a.setAttribute("aria-label", q.p.name);
      a.title = q.p.name;
      a.style.cssText = "position:absolute;color:#b3261e;font-size:20px;line-height:1;transform:translate(-50%,-50%);left:" + (c[i][0] - ox) + "px;top:" + (c[i][1] - oy) + "px";
      view.appendChild(a);
    });
    var note = document.createElement("p");
    note.className = "tile-attribution";
    note.textContent = box.getAttribute("data-attribution") || "";
    box.appendChild(view);
    box.appendChild(note);
  }
  Array.prototype.forEach.call(document.querySelectorAll("[data-tile-map]"), function (box) {
    fetch(box.getAttribute("data-points"), { credentials: "omit" })
      .then(function (r) { return r.json(); })
      .then(function (fc) { render(box, fc.features || []); })
      .catch(function () {});
  });
})();
