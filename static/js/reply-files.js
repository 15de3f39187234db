// Images pasted into the reply box, and files dropped on it, join the reply's attachments:
// they go into the form's own file field, so the server checks them as any chosen file.
(function () {
  var form = document.querySelector("#composer form.composer");
  var box = document.getElementById("id_reply_body");
  var input = form && form.querySelector("input[type=file][name=attachments]");
  if (!box || !input || typeof DataTransfer === "undefined") {
    return;
  }

  function attach(files) {
    var all = new DataTransfer();
    Array.prototype.forEach.call(input.files, function (file) { all.items.add(file); });
    files.forEach(function (file) { all.items.add(file); });
    input.files = all.files;
    var status = document.getElementById("composer-files-status");
    if (status) {
      var names = files.map(function (file) { return file.name; }).join(", ");
      status.textContent = form.dataset.fileAdded + " " + names;
    }
  }

  function pastedName(file, index) {
    // A pasted screenshot is called "image.png" by every browser: give it a telling name.
    var stamp = new Date().toISOString().slice(0, 19).replace(/[-:T]/g, "");
    var extension = (file.type.split("/")[1] || "png").replace("jpeg", "jpg");
    return new File([file], "pasted-" + stamp + "-" + (index + 1) + "." + extension,
      { type: file.type });
  }

  box.addEventListener("paste", function (event) {
    var files = Array.prototype.filter.call(event.clipboardData.files, function (file) {
      return file.type.indexOf("image/") === 0;
    });
    if (files.length) {
      event.preventDefault();
      attach(files.map(pastedName));
    }
  });
  box.addEventListener("dragover", function (event) {
    if (event.dataTransfer.types.indexOf("Files") !== -1) {
      event.preventDefault();
    }
  });
  box.addEventListener("drop", function (event) {
    if (event.dataTransfer.files.length) {
      event.preventDefault();
      attach(Array.prototype.slice.call(event.dataTransfer.files));
    }
  });
})();
