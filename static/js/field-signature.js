// The customer's signature on the technician's job page: drawn on a <canvas> with a finger,
// a pen or the mouse (pointer events), sent as a PNG data URL in a hidden field. Served from
// /static/ so the Content-Security-Policy can forbid inline script.
document.addEventListener("DOMContentLoaded", function () {
  var form = document.querySelector("form[data-signature-form]");
  if (!form) {
    return;
  }
  var canvas = form.querySelector("canvas[data-signature-pad]");
  var value = form.querySelector("input[data-signature-value]");
  var context = canvas.getContext("2d");
  var drawing = false;
  var drawn = false;

  function fitToBox() {
    // Draw at the size the box is shown, so the line sits under the finger.
    canvas.width = canvas.clientWidth;
    canvas.height = canvas.clientHeight;
    context.lineWidth = 2.5;
    context.lineCap = "round";
    context.lineJoin = "round";
    context.strokeStyle = "#111";
  }

  function point(event) {
    var box = canvas.getBoundingClientRect();
    return { x: event.clientX - box.left, y: event.clientY - box.top };
  }

  canvas.addEventListener("pointerdown", function (event) {
    drawing = true;
    canvas.setPointerCapture(event.pointerId);
    var at = point(event);
    context.beginPath();
    context.moveTo(at.x, at.y);
    event.preventDefault();
  });
  canvas.addEventListener("pointermove", function (event) {
    if (!drawing) {
      return;
    }
    var at = point(event);
    context.lineTo(at.x, at.y);
    context.stroke();
    drawn = true;
  });
  function stop() {
    drawing = false;
  }
  canvas.addEventListener("pointerup", stop);
  canvas.addEventListener("pointercancel", stop);

  form.querySelector("[data-signature-clear]").addEventListener("click", function () {
    fitToBox();
    drawn = false;
    value.value = "";
  });
  form.addEventListener("submit", function () {
    // An empty box sends nothing: the server then asks for a signature.
    value.value = drawn ? canvas.toDataURL("image/png") : "";
  });
  fitToBox();
});
