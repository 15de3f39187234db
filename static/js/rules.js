// Drag a rule's row to reorder the list; the new order is posted at once (the arrows in each
// row do the same without a mouse).
(function () {
  "use strict";
  var table = document.getElementById("rules");
  if (!table) return;
  var body = table.tBodies[0];
  var dragged = null;
  body.addEventListener("dragstart", function (event) {
    dragged = event.target.closest("tr");
    event.dataTransfer.effectAllowed = "move";
  });
  body.addEventListener("dragover", function (event) {
    var over = event.target.closest("tr");
    if (!dragged || !over || over === dragged) return;
    event.preventDefault();
    var box = over.getBoundingClientRect();
    body.insertBefore(dragged, event.clientY > box.top + box.height / 2 ? over.nextSibling : over);
  });
  body.addEventListener("drop", function (event) {
    event.preventDefault();
    if (!dragged) return;
    dragged = null;
    var order = Array.prototype.map.call(body.rows, function (row) { return row.dataset.id; });
    var data = new FormData();
    data.append("order", order.join(","));
    var token = document.querySelector("input[name=csrfmiddlewaretoken]");
    fetch(table.dataset.reorderUrl, {
      method: "POST",
      body: data,
      headers: { "X-CSRFToken": token ? token.value : "", "HX-Request": "true" },
      credentials: "same-origin",
    }).then(function (answer) { if (!answer.ok) window.location.reload(); });
  });
})();
