/* Draws the dashboard's trend charts with Chart.js from the page's JSON (json_script).
   No inline script in templates: a Content-Security-Policy without 'unsafe-inline' holds. */
(function () {
  "use strict";

  function data(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function draw(canvasId, type, labels, datasets, yTitle) {
    var canvas = document.getElementById(canvasId);
    if (!canvas || typeof window.Chart === "undefined") {
      return;
    }
    return new window.Chart(canvas, {
      type: type,
      data: { labels: labels, datasets: datasets },
      options: {
        responsive: true,
        animation: false,
        spanGaps: true,
        interaction: { mode: "index", intersect: false },
        scales: { y: { beginAtZero: true, title: { display: true, text: yTitle } } },
      },
    });
  }

  function start() {
    var trend = data("report-trend");
    var text = data("report-chart-labels");
    if (!trend || !text) {
      return;
    }
    draw("chart-volume", "bar", trend.labels, [
      { label: text.created, data: trend.created, backgroundColor: "#2563eb" },
      { label: text.resolved, data: trend.resolved, backgroundColor: "#16a34a" },
    ], text.volume);
    draw("chart-rates", "line", trend.labels, [
      { label: text.resolution_rate, data: trend.resolution_rate, borderColor: "#16a34a" },
      { label: text.first_response_sla, data: trend.first_response_sla, borderColor: "#d97706" },
      { label: text.satisfaction_rate, data: trend.satisfaction_rate, borderColor: "#7c3aed" },
    ], text.rates);
    draw("chart-response", "line", trend.labels, [
      { label: text.first_response_hours, data: trend.first_response_hours, borderColor: "#dc2626" },
    ], text.hours);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
