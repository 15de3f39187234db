// The queue page: "Save this view" keeps the filters as they are now. The filters change the
// results in place (htmx) without reloading the page, so the saved query is read from the
// filter form when the view is saved; without script the page reloads and the server fills it.
(function () {
  "use strict";
  var filters = document.getElementById("queue-filters");
  var save = document.getElementById("save-view");
  if (!filters || !save) {
    return;
  }
  save.addEventListener("submit", function () {
    var query = new URLSearchParams(new FormData(filters));
    save.querySelector("input[name=query]").value = query.toString();
  });
}());
