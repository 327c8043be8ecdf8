/* The question page: the forecast slider kept in step with the number field, and the
   community forecast chart. The page works without this file: the number field is the
   form's real control, and the chart's data is also a table on the page. */
(function () {
  "use strict";

  var DAY = 24 * 60 * 60 * 1000;

  function formatPercent(value) {
    // One decimal at most, no trailing zero: 62.5, 50, 0.1.
    return String(Math.round(value * 10) / 10);
  }

  // --- The forecast form -------------------------------------------------------------

  function setUpSlider() {
    var number = document.getElementById("id_percent");
    var slider = document.getElementById("id_percent_slider");
    if (!number || !slider) {
      return;
    }
    var min = parseFloat(slider.min);
    var max = parseFloat(slider.max);

    function clamp(value) {
      return Math.min(max, Math.max(min, Math.round(value * 10) / 10));
    }

    function describe() {
      slider.setAttribute("aria-valuetext", formatPercent(parseFloat(slider.value)) + "%");
    }

    function fromNumber() {
      var value = parseFloat(number.value);
      // While the field is empty or half typed, the slider stays where it was; the
      // server (and the browser's own checks) say what is wrong with the number.
      if (!isFinite(value)) {
        return;
      }
      slider.value = String(clamp(value));
      describe();
    }

    function fromSlider() {
      number.value = formatPercent(parseFloat(slider.value));
      describe();
    }

    slider.addEventListener("input", fromSlider);
    slider.addEventListener("change", fromSlider);
    number.addEventListener("input", fromNumber);
    number.addEventListener("change", fromNumber);

    // Steps of 0.1 are precise but slow: Shift + arrow moves 1 point and Page Up / Page
    // Down 10, the same in every browser.
    slider.addEventListener("keydown", function (event) {
      var step = null;
      if (event.key === "PageUp") {
        step = 10;
      } else if (event.key === "PageDown") {
        step = -10;
      } else if (event.shiftKey && (event.key === "ArrowUp" || event.key === "ArrowRight")) {
        step = 1;
      } else if (event.shiftKey && (event.key === "ArrowDown" || event.key === "ArrowLeft")) {
        step = -1;
      }
      if (step === null) {
        return;
      }
      event.preventDefault();
      slider.value = String(clamp(parseFloat(slider.value) + step));
      fromSlider();
    });

    fromNumber();
    describe();
    var wrapper = slider.closest("[data-percent-slider]");
    if (wrapper) {
      wrapper.hidden = false;
    }
  }

  // --- The community chart -----------------------------------------------------------

  function pad(n) {
    return n < 10 ? "0" + n : String(n);
  }

  function utcDate(ms) {
    var d = new Date(ms);
    return d.getUTCFullYear() + "-" + pad(d.getUTCMonth() + 1) + "-" + pad(d.getUTCDate());
  }

  function utcDateTime(ms) {
    var d = new Date(ms);
    return utcDate(ms) + " " + pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes()) + " UTC";
  }

  function forecasters(n) {
    return n + " forecaster" + (n === 1 ? "" : "s");
  }

  // Tooltips show the value standing at the cursor: on a stepped line that is the last
  // point at or before it, not the nearest one. Your forecasts answer when the cursor
  // is near one.
  function standingMode(chart, event) {
    var x = "native" in event ? event.x : window.Chart.helpers.getRelativePosition(event, chart).x;
    var items = [];
    chart.data.datasets.forEach(function (dataset, datasetIndex) {
      if (!chart.isDatasetVisible(datasetIndex)) {
        return;
      }
      var points = chart.getDatasetMeta(datasetIndex).data;
      var index = -1;
      var i;
      if (dataset.stepped) {
        for (i = 0; i < points.length && points[i].x <= x; i++) {
          index = i;
        }
      } else {
        var best = 12;
        for (i = 0; i < points.length; i++) {
          var distance = Math.abs(points[i].x - x);
          if (distance <= best) {
            best = distance;
            index = i;
          }
        }
      }
      if (index >= 0) {
        items.push({ element: points[index], datasetIndex: datasetIndex, index: index });
      }
    });
    return items;
  }

  // Each series is named at its last point, so the chart reads without the legend's colours.
  var directLabels = {
    id: "foreseerDirectLabels",
    afterDatasetsDraw: function (chart) {
      var ctx = chart.ctx;
      var area = chart.chartArea;
      var placed = [];
      ctx.save();
      ctx.font = "600 12px system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";
      ctx.textAlign = "right";
      ctx.lineWidth = 4;
      ctx.strokeStyle = "#ffffff";
      chart.data.datasets.forEach(function (dataset, datasetIndex) {
        var meta = chart.getDatasetMeta(datasetIndex);
        if (!chart.isDatasetVisible(datasetIndex) || !meta.data.length) {
          return;
        }
        var point = meta.data[meta.data.length - 1];
        var value = dataset.data[dataset.data.length - 1].y;
        if (value === null) {
          return; // every forecaster has withdrawn: no value to label
        }
        var text = dataset.directLabel + " " + formatPercent(value) + "%";
        var y = point.y - 8;
        if (y < area.top + 12) {
          y = point.y + 18;
        }
        placed.forEach(function (other) {
          if (Math.abs(other - y) < 14) {
            y = other + (y < point.y ? -14 : 14);
          }
        });
        placed.push(y);
        var x = Math.min(point.x - 6, area.right - 2);
        ctx.fillStyle = dataset.labelColor;
        ctx.strokeText(text, x, y);
        ctx.fillText(text, x, y);
      });
      ctx.restore();
    },
  };

  function drawChart() {
    var canvas = document.getElementById("community-chart");
    var source = document.getElementById("community-data");
    if (!canvas || !source || typeof window.Chart === "undefined") {
      return;
    }
    var Chart = window.Chart;
    var data = JSON.parse(source.textContent);
    var community = data.community.slice();
    // The value standing now (the one the Community box shows) gets a dot: with a single
    // point, or a change made a moment ago, the step line alone would be too short to see.
    var current = community.length - 1;
    if (community.length) {
      // The last value holds until now (or the close): draw it to the axis's end.
      var last = community[community.length - 1];
      if (data.end > last.x) {
        community.push({ x: data.end, y: last.y, n: last.n, carried: true });
      }
    }
    var start = Math.min.apply(
      null,
      [data.start].concat(
        community.map(function (p) {
          return p.x;
        }),
        data.mine.map(function (p) {
          return p.x;
        })
      )
    );
    var end = Math.max(data.end, start + 1);
    var showTime = end - start < 3 * DAY;

    var root = getComputedStyle(document.documentElement);
    var accent = root.getPropertyValue("--accent").trim() || "#1f5fbf";
    var ink = root.getPropertyValue("--ink").trim() || "#1c2430";
    var reduceMotion =
      window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

    var datasets = [];
    if (community.length) {
      datasets.push({
        label: "Community median (step line)",
        directLabel: "Community",
        labelColor: accent,
        data: community,
        stepped: "before",
        borderColor: accent,
        backgroundColor: accent,
        borderWidth: 2.5,
        // A line in the legend (the series is told apart by shape, not colour alone), a
        // dot on the current value.
        pointStyle: function (context) {
          return context.dataIndex === current && current > 0 ? "circle" : "line";
        },
        pointRadius: function (context) {
          return context.dataIndex === current ? 4 : 0;
        },
        pointHoverRadius: 8,
        pointHoverBorderWidth: 3,
        fill: false,
      });
    }
    if (data.mine.length) {
      datasets.push({
        label: "Your forecasts (triangles)",
        directLabel: "You",
        labelColor: "#8a3b00",
        data: data.mine,
        showLine: false,
        pointStyle: "triangle",
        pointRadius: 7,
        pointHoverRadius: 9,
        borderWidth: 1.5,
        borderColor: "#8a3b00",
        backgroundColor: "#f08c00",
        // A forecast made just now sits on the axis's end: draw it whole.
        clip: false,
        mine: true,
      });
    }

    Chart.Interaction.modes.foreseerStanding = standingMode;
    new Chart(canvas, {
      type: "line",
      data: { datasets: datasets },
      plugins: [directLabels],
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: reduceMotion ? false : { duration: 300 },
        interaction: { mode: "foreseerStanding", intersect: false },
        layout: { padding: { top: 8, right: 14 } },
        scales: {
          x: {
            type: "linear",
            min: start,
            max: end,
            title: { display: true, text: "Date (UTC)", color: ink },
            ticks: {
              maxTicksLimit: 6,
              maxRotation: 0,
              color: ink,
              callback: function (value) {
                return showTime ? utcDateTime(value) : utcDate(value);
              },
            },
          },
          y: {
            min: 0,
            max: 100,
            title: { display: true, text: "Probability of yes", color: ink },
            ticks: {
              stepSize: 25,
              color: ink,
              callback: function (value) {
                return value + "%";
              },
            },
          },
        },
        plugins: {
          legend: { labels: { usePointStyle: true, color: ink } },
          tooltip: {
            usePointStyle: true,
            callbacks: {
              title: function (items) {
                if (!items.length) {
                  return "";
                }
                var first = items[0];
                return (first.dataset.mine ? "" : "Since ") + utcDateTime(first.parsed.x);
              },
              label: function (context) {
                if (context.raw.y === null) {
                  return "No community forecast: every forecaster has withdrawn";
                }
                var value = formatPercent(context.parsed.y) + "%";
                if (context.dataset.mine) {
                  return "Your forecast: " + value + ", made " + utcDateTime(context.parsed.x);
                }
                return (
                  "Community median: " + value + " (" + forecasters(context.raw.n) + ")"
                );
              },
            },
          },
        },
      },
    });
  }

  function start() {
    setUpSlider();
    drawChart();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
