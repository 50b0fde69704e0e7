// Quick exit: leave the site at once and keep this page out of the Back button
// (location.replace), by click or by pressing Esc twice within a second.
(function () {
  "use strict";
  var link = document.getElementById("quick-exit");
  if (!link) return;
  var target = link.getAttribute("data-url") || "https://yandex.ru/pogoda";
  function leave(event) {
    if (event) event.preventDefault();
    document.title = "";
    document.body.hidden = true;
    window.location.replace(target);
  }
  link.addEventListener("click", leave);
  var lastEscape = 0;
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var now = Date.now();
    if (now - lastEscape < 1000) leave(event);
    lastEscape = now;
  });
})();
