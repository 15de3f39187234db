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
