/* The term-calibration chart, drawn with Chart.js (global `Chart`): for each likelihood
 * expression, the range its table gives (a bar from its low to its high) and the share
 * of claims using it that came true (a point) with its 95% Jeffreys interval (a
 * whisker). The table under the chart carries the same numbers; the two series differ
 * by shape (bar, point), not by colour alone. */
(function () {
  "use strict";

  if (typeof Chart === "undefined") {
    return; // the table beside the chart carries the same numbers
  }

  var INK = "#1c2430";
  var RANGE = "rgba(31, 95, 191, 0.22)";
  var RANGE_EDGE = "#1f5fbf";

  function percent(value) {
    return value === null || value === undefined ? "—" : Math.round(value * 100) + "%";
  }

  /* A whisker from each point's `low` to its `high`, with caps, under the points. */
  var whiskers = {
    id: "foreseerTermWhiskers",
    afterDatasetsDraw: function (chart) {
      var dataset = chart.data.datasets[1];
      if (!dataset || !chart.isDatasetVisible(1)) {
        return;
      }
      var meta = chart.getDatasetMeta(1);
      var y = chart.scales.y;
      var ctx = chart.ctx;
      ctx.save();
      ctx.strokeStyle = INK;
      ctx.lineWidth = 1.5;
      dataset.intervals.forEach(function (interval, index) {
        var point = meta.data[index];
        if (!point || interval.low === null || interval.high === null) {
          return;
        }
        var top = y.getPixelForValue(interval.high * 100);
        var bottom = y.getPixelForValue(interval.low * 100);
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
    },
  };

  function draw(canvas) {
    var source = document.getElementById(canvas.getAttribute("data-source"));
    var rows = source ? JSON.parse(source.textContent) : [];
    if (!rows.length) {
      return;
    }
    var labels = rows.map(function (row) {
      return row.expression;
    });
    new Chart(canvas, {
      data: {
        labels: labels,
        datasets: [
          {
            type: "bar",
            label: "The table's range",
            data: rows.map(function (row) {
              return row.range_low === null ? null : [row.range_low * 100, row.range_high * 100];
            }),
            backgroundColor: RANGE,
            borderColor: RANGE_EDGE,
            borderWidth: 1,
            borderSkipped: false,
          },
          {
            type: "line",
            label: "Came true (95% Jeffreys interval)",
            data: rows.map(function (row) {
              return row.rate === null ? null : row.rate * 100;
            }),
            intervals: rows.map(function (row) {
              return { low: row.low, high: row.high };
            }),
            showLine: false,
            pointStyle: "rectRot",
            pointRadius: 6,
            pointBackgroundColor: INK,
            borderColor: INK,
          },
        ],
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        scales: {
          y: { min: 0, max: 100, title: { display: true, text: "Percent" } },
        },
        plugins: {
          tooltip: {
            callbacks: {
              label: function (item) {
                var row = rows[item.dataIndex];
                if (item.datasetIndex === 0) {
                  return "Range " + percent(row.range_low) + "–" + percent(row.range_high);
                }
                return (
                  row.k + " of " + row.n + " came true: " + percent(row.rate) +
                  " [" + percent(row.low) + "–" + percent(row.high) + "]"
                );
              },
            },
          },
        },
      },
      plugins: [whiskers],
    });
  }

  document.querySelectorAll('canvas[data-chart="terms"]').forEach(draw);
})();
