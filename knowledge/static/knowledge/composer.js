// The reply box's helpers from the knowledge app: buttons with data-kb-insert put their text
// into the composer (#id_reply_body) at the cursor, and the templates menu filters as the agent
// types and is walked with the arrow keys. The panel and the menu are loaded by htmx, so the
// listeners are delegated from the document and registered once.
(function () {
  if (window.kbComposerReady) return;
  window.kbComposerReady = true;

  function insertAtCursor(textarea, text) {
    var value = textarea.value;
    if (!value.trim()) {
      textarea.value = text;
      textarea.setSelectionRange(text.length, text.length);
      return;
    }
    var start = textarea.selectionStart, end = textarea.selectionEnd;
    var before = value.slice(0, start), after = value.slice(end);
    var gapBefore = before && !/\n\n$/.test(before) ? "\n\n" : "";
    var gapAfter = after && !/^\n/.test(after) ? "\n\n" : "";
    textarea.value = before + gapBefore + text + gapAfter + after;
    var caret = (before + gapBefore + text).length;
    textarea.setSelectionRange(caret, caret);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-kb-insert]");
    if (!button) return;
    var textarea = document.getElementById("id_reply_body");
    if (!textarea) return;
    insertAtCursor(textarea, button.getAttribute("data-kb-insert"));
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
    textarea.focus();
    document.body.dispatchEvent(new Event("kbinserted"));
  });

  function visibleItems() {
    var list = document.getElementById("template-menu-list");
    return list ? Array.prototype.filter.call(list.children, function (li) { return !li.hidden; }) : [];
  }

  document.addEventListener("input", function (event) {
    if (event.target.id !== "template-menu-filter") return;
    var words = event.target.value.toLowerCase().trim().split(/\s+/);
    var shown = 0;
    Array.prototype.forEach.call(document.getElementById("template-menu-list").children, function (li) {
      var text = li.getAttribute("data-template-search");
      li.hidden = !words.every(function (word) { return text.indexOf(word) !== -1; });
      if (!li.hidden) shown += 1;
    });
    document.getElementById("template-menu-none").hidden = shown > 0;
  });

  // Up and down move between the templates' first buttons; Escape closes the menu.
  document.addEventListener("keydown", function (event) {
    var menu = event.target.closest && event.target.closest("#template-menu");
    if (!menu) return;
    if (event.key === "Escape") {
      menu.open = false;
      menu.querySelector("summary").focus();
      return;
    }
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
    var items = visibleItems();
    if (!items.length) return;
    var current = items.indexOf(event.target.closest("li"));
    var next = event.key === "ArrowDown" ? current + 1 : current - 1;
    if (next < 0) {
      document.getElementById("template-menu-filter").focus();
    } else {
      items[Math.min(next, items.length - 1)].querySelector("button").focus();
    }
    event.preventDefault();
  });
})();
