/* Charts of the calibration explorer and My record, drawn with Chart.js (global `Chart`).
 *
 * Each <canvas data-chart="..." data-source="ID"> reads its points from the JSON in
 * <script id="ID" type="application/json">. Every chart has its numbers in a table next
 * to it; the charts tell series apart by line dash and point shape, never by colour
 * alone, and write the counts beside the points. */
(function () {
  "use strict";

  if (typeof Chart === "undefined") {
    return; // the tables beside each chart carry the same numbers
  }

  var INK = "#1c2430";
  var MUTED = "#5b6472";
  var ACCENT = "#1f5fbf";
  var ACCENT_2 = "#8a5a00";
  var GRID = "#d9dee5";

  Chart.defaults.font.family =
    'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';
  Chart.defaults.color = INK;

  function read(canvas) {
    var source = document.getElementById(canvas.getAttribute("data-source"));
    return source ? JSON.parse(source.textContent) : [];
  }

  function percent(value) {
    if (value === null || value === undefined) {
      return "—";
    }
    var text = (value * 100).toFixed(1);
    return text.replace(/\.0$/, "") + "%";
  }

  function fixed(value, places) {
    return value === null || value === undefined ? "—" : Number(value).toFixed(places);
  }

  function isoDate(ms) {
    return new Date(ms).toISOString().slice(0, 10);
  }

  var reducedMotion =
    window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  /* Vertical whiskers for datasets that carry `intervals` ([{low, high}] per point):
   * a line from low to high with caps, drawn under the points. */
  var whiskers = {
    id: "foreseerWhiskers",
    beforeDatasetsDraw: function (chart) {
      var ctx = chart.ctx;
      var y = chart.scales.y;
      chart.data.datasets.forEach(function (dataset, index) {
        if (!dataset.intervals || !chart.isDatasetVisible(index)) {
          return;
        }
        ctx.save();
        ctx.strokeStyle = dataset.borderColor || INK;
        ctx.lineWidth = 1.5;
        chart.getDatasetMeta(index).data.forEach(function (point, i) {
          var interval = dataset.intervals[i];
          if (!interval || interval.low === null || interval.high === null) {
            return;
          }
          var top = y.getPixelForValue(interval.high);
          var bottom = y.getPixelForValue(interval.low);
          ctx.beginPath();
          ctx.moveTo(point.x, top);
          ctx.lineTo(point.x, bottom);
          ctx.moveTo(point.x - 5, top);
          ctx.lineTo(point.x + 5, top);
          ctx.moveTo(point.x - 5, bottom);
          ctx.lineTo(point.x + 5, bottom);
          ctx.stroke();
        });
        ctx.restore();
      });
    },
  };

  /* Text beside each point for datasets that carry `pointLabels` (one string a point). */
  var pointLabels = {
    id: "foreseerPointLabels",
    afterDatasetsDraw: function (chart) {
      var ctx = chart.ctx;
      chart.data.datasets.forEach(function (dataset, index) {
        if (!dataset.pointLabels || !chart.isDatasetVisible(index)) {
          return;
        }
        ctx.save();
        ctx.font = "12px " + Chart.defaults.font.family;
        ctx.fillStyle = INK;
        ctx.textBaseline = "middle";
        var right = chart.chartArea.right;
        chart.getDatasetMeta(index).data.forEach(function (point, i) {
          var text = dataset.pointLabels[i];
          if (!text) {
            return;
          }
          var width = ctx.measureText(text).width;
          // Above right of the point; left of it near the right edge, below it near the top.
          var x = point.x + 8 + width > right ? point.x - 8 - width : point.x + 8;
          var y = point.y - 9 < chart.chartArea.top + 6 ? point.y + 12 : point.y - 9;
          ctx.lineWidth = 3;
          ctx.strokeStyle = "#ffffff";
          ctx.strokeText(text, x, y);
          ctx.fillText(text, x, y);
        });
        ctx.restore();
      });
    },
  };

  function diagonal(label) {
    return {
      label: label,
      data: [
        { x: 0, y: 0 },
        { x: 1, y: 1 },
      ],
      showLine: true,
      borderColor: MUTED,
      borderDash: [6, 5],
      borderWidth: 1.5,
      // A dashed line in the legend too, not a dot.
      pointStyle: "line",
      pointRadius: 0,
      pointHitRadius: 0,
      order: 2,
    };
  }

  function probabilityAxis(title) {
    return {
      type: "linear",
      min: 0,
      max: 1,
      title: { display: true, text: title },
      ticks: { stepSize: 0.1, callback: percent },
      grid: { color: GRID },
    };
  }

  function baseOptions() {
    return {
      responsive: true,
      maintainAspectRatio: false,
      animation: reducedMotion ? false : { duration: 300 },
      plugins: {
        legend: { labels: { usePointStyle: true, boxWidth: 40 } },
      },
    };
  }

  function reliability(canvas) {
    var points = read(canvas);
    var options = baseOptions();
    options.scales = {
      x: probabilityAxis("Mean forecast in the bin"),
      y: probabilityAxis("Observed frequency of yes"),
    };
    options.plugins.tooltip = {
      callbacks: {
        label: function (context) {
          if (context.datasetIndex !== 0) {
            return "Perfect calibration";
          }
          var p = points[context.dataIndex];
          return (
            "Bin " + p.bin + ": mean forecast " + percent(p.x) + ", observed " + percent(p.y) +
            " (95%: " + percent(p.low) + " to " + percent(p.high) + "), " + p.count +
            " forecasts on " + p.questions + " questions"
          );
        },
      },
    };
    return new Chart(canvas, {
      type: "scatter",
      data: {
        datasets: [
          {
            label: "Observed (95% interval)",
            data: points.map(function (p) {
              return { x: p.x, y: p.y };
            }),
            intervals: points.map(function (p) {
              return { low: p.low, high: p.high };
            }),
            pointLabels: points.map(function (p) {
              return "n=" + p.count;
            }),
            showLine: true,
            borderColor: ACCENT,
            backgroundColor: ACCENT,
            borderWidth: 2,
            pointStyle: "rectRot",
            pointRadius: 6,
            pointHoverRadius: 8,
            order: 1,
          },
          diagonal("Perfect calibration"),
        ],
      },
      options: options,
      plugins: [whiskers, pointLabels],
    });
  }

  function roc(canvas) {
    var points = read(canvas);
    var options = baseOptions();
    options.scales = {
      x: probabilityAxis("False-positive rate"),
      y: probabilityAxis("True-positive rate"),
    };
    options.plugins.tooltip = {
      callbacks: {
        label: function (context) {
          if (context.datasetIndex !== 0) {
            return "Chance";
          }
          var p = points[context.dataIndex];
          var at = p.threshold === null ? "never" : "at " + percent(p.threshold) + " or more";
          return (
            "Say yes " + at + ": false-positive rate " + fixed(p.x, 3) +
            ", true-positive rate " + fixed(p.y, 3)
          );
        },
      },
    };
    return new Chart(canvas, {
      type: "scatter",
      data: {
        datasets: [
          {
            label: "ROC curve",
            data: points.map(function (p) {
              return { x: p.x, y: p.y };
            }),
            showLine: true,
            borderColor: ACCENT,
            backgroundColor: ACCENT,
            borderWidth: 2,
            pointStyle: "circle",
            pointRadius: points.length > 60 ? 0 : 3,
            order: 1,
          },
          diagonal("Chance"),
        ],
      },
      options: options,
    });
  }

  function history(canvas) {
    var points = read(canvas);
    var options = baseOptions();
    // A fortnight either side of the first and last outcome: with one or two
    // points Chart.js would otherwise stretch the axis over years.
    var PAD = 14 * 24 * 60 * 60 * 1000;
    var xs = points.map(function (p) {
      return p.x;
    });
    options.scales = {
      x: {
        type: "linear",
        min: xs.length ? Math.min.apply(null, xs) - PAD : undefined,
        max: xs.length ? Math.max.apply(null, xs) + PAD : undefined,
        title: { display: true, text: "Date the outcome became known (UTC)" },
        ticks: { maxTicksLimit: 6, callback: isoDate },
        grid: { color: GRID },
      },
      y: {
        type: "linear",
        title: { display: true, text: "Score" },
        grid: {
          color: function (context) {
            return context.tick && context.tick.value === 0 ? MUTED : GRID;
          },
        },
      },
    };
    options.plugins.tooltip = {
      callbacks: {
        title: function (items) {
          var p = points[items[0].dataIndex];
          return p.date + ": " + p.question;
        },
      },
    };
    function series(key) {
      return points
        .filter(function (p) {
          return p[key] !== null;
        })
        .map(function (p) {
          return { x: p.x, y: p[key] };
        });
    }
    return new Chart(canvas, {
      type: "scatter",
      data: {
        datasets: [
          {
            label: canvas.getAttribute("data-value-label"),
            data: series("value"),
            borderColor: MUTED,
            backgroundColor: MUTED,
            pointStyle: "crossRot",
            pointRadius: 6,
            borderWidth: 2,
          },
          {
            label: canvas.getAttribute("data-mean-label"),
            data: series("mean"),
            showLine: true,
            borderColor: ACCENT,
            backgroundColor: ACCENT,
            pointStyle: "circle",
            pointRadius: 3,
            borderWidth: 2,
          },
          {
            label: canvas.getAttribute("data-second-label"),
            data: series("second_mean"),
            showLine: true,
            borderColor: ACCENT_2,
            backgroundColor: ACCENT_2,
            borderDash: [6, 4],
            pointStyle: "triangle",
            pointRadius: 4,
            borderWidth: 2,
          },
        ],
      },
      options: options,
    });
  }

  var builders = { reliability: reliability, roc: roc, history: history };
  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var build = builders[canvas.getAttribute("data-chart")];
    if (build) {
      build(canvas);
    }
  });
})();
