// Knowledge panel of the ticket page: buttons with data-kb-insert put their text into the
// reply composer (#id_reply_body). The panel is loaded and reloaded by htmx, so the listener
// is delegated from the document and registered once.
(function () {
  if (window.kbComposerReady) return;
  window.kbComposerReady = true;
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-kb-insert]");
    if (!button) return;
    var textarea = document.getElementById("id_reply_body");
    if (!textarea) return;
    var text = button.getAttribute("data-kb-insert");
    var replace = button.getAttribute("data-kb-replace") === "true";
    if (replace || !textarea.value.trim()) {
      textarea.value = text;
    } else {
      textarea.value = textarea.value.replace(/\s+$/, "") + "\n\n" + text;
    }
    textarea.focus();
    document.body.dispatchEvent(new Event("kbinserted"));
  });
})();
