// Behaviour shared by every page. Served from /static/ so the Content-Security-Policy can
// forbid inline script; htmx runs with eval disabled for the same reason.
document.addEventListener("htmx:beforeRequest", function (event) {
  // The queue refreshes itself to move SLA colours, but never under an agent who has rows
  // selected for a bulk action: that refresh would drop the selection.
  var results = event.detail.elt;
  if (results.id === "ticket-results" && event.detail.requestConfig.triggeringEvent &&
      event.detail.requestConfig.triggeringEvent.type !== "submit" &&
      results.querySelector("input[type=checkbox]:checked")) {
    event.preventDefault();
  }
});

// A form that only carries data on to this host's next page (the SAML response, re-posted so
// the browser sends the session cookie) goes on by itself; its button is there without script.
document.addEventListener("DOMContentLoaded", function () {
  var form = document.querySelector("form[data-auto-submit]");
  if (form) {
    form.submit();
  }
});

// "/" jumps to the top bar's search box, as in most web tools, unless the key is typed into
// a field (where it is just a slash).
document.addEventListener("keydown", function (event) {
  var box = document.getElementById("topbar-search-q");
  var target = event.target;
  if (event.key !== "/" || !box || event.ctrlKey || event.metaKey || event.altKey ||
      target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName)) {
    return;
  }
  event.preventDefault();
  box.focus();
});

// Keyboard shortcuts for the common moves, listed in the "?" dialog (templates/_shortcuts.html,
// rendered in the page's language). Like "/", none fires while the agent types in a field.
(function () {
  var pendingG = 0;

  function typing(target) {
    return target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName);
  }

  function focusComposer(kind) {
    var radio = document.querySelector("#composer input[name=kind][value=" + kind + "]");
    var box = document.getElementById("id_reply_body");
    if (!box) {
      return false;
    }
    if (radio) {
      radio.checked = true;
      radio.dispatchEvent(new Event("change", { bubbles: true }));
    }
    box.scrollIntoView({ block: "center" });
    box.focus();
    return true;
  }

  function submitForm(id) {
    var form = document.getElementById(id);
    if (!form) {
      return false;
    }
    form.requestSubmit();
    return true;
  }

  function focusFirst(selector) {
    var element = document.querySelector(selector);
    if (!element) {
      return false;
    }
    element.focus();
    return true;
  }

  function goTo(url) {
    if (!url) {
      return false;
    }
    window.location.assign(url);
    return true;
  }

  function ticketAction(key) {
    var workspace = document.getElementById("ticket-workspace");
    if (!workspace) {
      return false;
    }
    switch (key) {
      case "j": case "n": return goTo(workspace.dataset.nextUrl);
      case "k": case "p": return goTo(workspace.dataset.previousUrl);
      case "r": return focusComposer("public");
      case "i": return focusComposer("internal");
      case "a": return submitForm("take-form");
      case "s": return focusFirst("#composer .composer-actions button.secondary");
    }
    return false;
  }

  document.addEventListener("keydown", function (event) {
    var dialog = document.getElementById("shortcuts");
    if (!dialog || dialog.open || event.ctrlKey || event.metaKey || event.altKey ||
        typing(event.target)) {
      return;
    }
    var done = false;
    if (event.key === "?") {
      dialog.showModal();
      done = true;
    } else if (pendingG && Date.now() - pendingG < 1500 && event.key === "v") {
      done = goTo(dialog.dataset.queueUrl);
    } else if (event.key === "g") {
      pendingG = Date.now();
      return;
    } else {
      done = ticketAction(event.key);
    }
    pendingG = 0;
    if (done) {
      event.preventDefault();
    }
  });
})();
