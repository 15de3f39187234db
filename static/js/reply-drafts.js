// The reply box keeps its text in this browser (localStorage) per ticket and per kind (public
// reply or internal note) while the agent types, so leaving the page loses nothing; the draft
// is dropped when it is sent. Only the agent's own browser holds it.
(function () {
  // Signing out forgets every draft, so the next person at a shared desk reads none of them.
  document.addEventListener("submit", function (event) {
    if (!event.target.matches("form[action$=\"/logout/\"]") || !window.localStorage) {
      return;
    }
    Object.keys(localStorage).forEach(function (name) {
      if (name.indexOf("reply-draft:") === 0) {
        localStorage.removeItem(name);
      }
    });
  }, true);
})();

(function () {
  var form = document.querySelector("#composer form.composer");
  var box = document.getElementById("id_reply_body");
  if (!form || !box || !window.localStorage) {
    return;
  }

  function kind() {
    var checked = form.querySelector("input[name=kind]:checked");
    return checked ? checked.value : "public";
  }

  function key(forKind) {
    return "reply-draft:" + form.getAttribute("action") + ":" + forKind;
  }

  function save(forKind) {
    try {
      if (box.value.trim()) {
        localStorage.setItem(key(forKind), box.value);
      } else {
        localStorage.removeItem(key(forKind));
      }
    } catch (error) {
      // Storage full or refused (private browsing): the box still works, without a draft.
    }
  }

  function restore() {
    var draft = localStorage.getItem(key(kind()));
    if (draft && !box.value.trim()) {
      box.value = draft;
    }
  }

  var shownKind = kind();
  restore();
  box.addEventListener("input", function () { save(shownKind); });
  form.addEventListener("change", function (event) {
    if (event.target.name !== "kind") {
      return;
    }
    // Text already typed goes with the box to the new kind; an empty box shows its draft.
    localStorage.removeItem(key(shownKind));
    shownKind = kind();
    if (box.value.trim()) {
      save(shownKind);
    } else {
      restore();
    }
  });
  document.addEventListener("submit", function (event) {
    if (event.target === form || event.target.closest("#template-menu")) {
      localStorage.removeItem(key(shownKind));
    }
  }, true);
})();
