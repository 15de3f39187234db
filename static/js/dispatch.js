// The dispatch board's drag and drop, as an enhancement only: dropping a visit on a
// technician's day fills that visit's form (technician and date) and moves the focus to it.
// The form's "Assign" button stays the one action, with or without a mouse.
(function () {
  "use strict";
  const board = document.querySelector(".dispatch-board");
  if (!board) return;
  let dragged = null;

  board.addEventListener("dragstart", function (event) {
    const visit = event.target.closest(".dispatch-visit");
    if (!visit) return;
    dragged = visit;
    visit.classList.add("is-dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", visit.id);
  });

  board.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("is-dragging");
    dragged = null;
    board.querySelectorAll(".is-drop-target").forEach(function (day) {
      day.classList.remove("is-drop-target");
    });
  });

  board.addEventListener("dragover", function (event) {
    const day = event.target.closest(".dispatch-day");
    if (!day || !dragged) return;
    event.preventDefault();
    day.classList.add("is-drop-target");
  });

  board.addEventListener("dragleave", function (event) {
    const day = event.target.closest(".dispatch-day");
    if (day && !day.contains(event.relatedTarget)) day.classList.remove("is-drop-target");
  });

  board.addEventListener("drop", function (event) {
    const day = event.target.closest(".dispatch-day");
    if (!day || !dragged) return;
    event.preventDefault();
    fill(dragged, day.dataset.technician, day.dataset.day);
  });

  function fill(visit, technician, date) {
    const prefix = visit.dataset.form;
    const select = visit.querySelector("[name='" + prefix + "-technician']");
    const dateInput = visit.querySelector("[name='" + prefix + "-day']");
    if (select) select.value = technician;
    if (dateInput) dateInput.value = date;
    const start = visit.querySelector("[name='" + prefix + "-start']");
    if (start) {
      start.focus();
      start.scrollIntoView({ block: "center" });
    }
  }
})();
