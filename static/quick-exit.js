// Quick exit: leave the site at once and keep this page out of the Back button
// (location.replace), by click or by pressing Shift three times in quick succession.
//
// Why Shift ×3 (the shortcut GOV.UK's "Exit this page" uses) and not Esc: Esc already
// means "close" — it closes the search suggestions, a browser's find bar, full screen —
// so a reader pressing it twice to dismiss something would be thrown off the site.
// Shift on its own does nothing anywhere, types nothing, and is the biggest key after
// the space bar. Typing capitals presses Shift together with another key, so any other
// key resets the count; presses must follow each other within a second.
//
// Leaving also forgets what this tab remembered for the reader (the region chosen on
// route pages lives in sessionStorage, which outlives nothing but the tab).
(function () {
  "use strict";
  var link = document.getElementById("quick-exit");
  if (!link) return;
  var target = link.getAttribute("data-url") || "https://yandex.ru/pogoda";
  function leave(event) {
    if (event) event.preventDefault();
    try {
      window.sessionStorage.clear();
    } catch (e) {
      // Storage may be switched off; there is nothing to clear then.
    }
    document.title = "";
    document.body.hidden = true;
    window.location.replace(target);
  }
  link.addEventListener("click", leave);
  // The shortcut works only with this script: the help says so only now.
  var help = document.getElementById("quick-exit-help");
  if (help) help.textContent += " Три быстрых нажатия клавиши Shift делают то же самое.";

  var PRESSES = 3;
  var WITHIN_MS = 1000;
  var count = 0;
  var last = 0;
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Shift" || event.repeat) {
      count = 0;
      return;
    }
    var now = Date.now();
    count = now - last <= WITHIN_MS ? count + 1 : 1;
    last = now;
    if (count >= PRESSES) leave(event);
  });
})();
