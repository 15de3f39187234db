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
