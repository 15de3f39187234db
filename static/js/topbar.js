// The top bar: choosing a language in the user menu applies it at once (the menu's own button
// is only there for browsers without scripts), and Escape closes an open menu of the bar,
// handing the focus back to its summary.
(function () {
  "use strict";
  document.querySelectorAll("select[data-submit-on-change]").forEach(function (select) {
    select.addEventListener("change", function () {
      select.form.requestSubmit();
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") {
      return;
    }
    document.querySelectorAll(".topbar details[open]").forEach(function (menu) {
      if (menu.contains(document.activeElement)) {
        menu.open = false;
        menu.querySelector("summary").focus();
      }
    });
  });
}());
