/* The question page's histogram of standing forecasts and its copy-the-link button. The
   page works without this file: the histogram's counts are a table, and the link is in a
   field that can be selected and copied by hand. */
(function () {
  "use strict";

  function drawSpread() {
    var canvas = document.getElementById("spread-chart");
    var source = document.getElementById("spread-data");
    if (!canvas || !source || typeof window.Chart === "undefined") {
      return;
    }
    var data = JSON.parse(source.textContent);
    var root = getComputedStyle(document.documentElement);
    var accent = root.getPropertyValue("--accent").trim() || "#1f5fbf";
    var reduceMotion =
      window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: [
          {
            label: "Forecasters",
            data: data.counts,
            backgroundColor: accent,
            borderColor: accent,
            // Adjacent bars: a histogram's bins touch.
            barPercentage: 1,
            categoryPercentage: 0.95,
          },
        ],
      },
      options: {
        maintainAspectRatio: false,
        animation: reduceMotion ? false : undefined,
        plugins: { legend: { display: false } },
        scales: {
          x: { title: { display: true, text: "Probability of yes" } },
          y: {
            beginAtZero: true,
            title: { display: true, text: "Forecasters" },
            // Whole forecasters only.
            ticks: { precision: 0 },
          },
        },
      },
    });
  }

  function setUpCopy() {
    var buttons = document.querySelectorAll("[data-copy-target]");
    Array.prototype.forEach.call(buttons, function (button) {
      var field = document.getElementById(button.getAttribute("data-copy-target"));
      var status = button.closest(".share")
        ? button.closest(".share").querySelector("[data-copy-status]")
        : null;
      if (!field || !navigator.clipboard) {
        return;
      }
      button.hidden = false;
      button.addEventListener("click", function () {
        navigator.clipboard.writeText(field.value).then(
          function () {
            if (status) {
              status.textContent = "Link copied.";
            }
          },
          function () {
            field.select();
            if (status) {
              status.textContent = "Select the link and copy it.";
            }
          }
        );
      });
    });
    var url = document.querySelector("[data-share-url]");
    if (url) {
      url.addEventListener("focus", function () {
        url.select();
      });
    }
  }

  function start() {
    drawSpread();
    setUpCopy();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
