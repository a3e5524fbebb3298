/*
 * nahraum/charts.js — a few chart helpers over Chart.js, the same look on every page.
 *
 * Load after Chart.js:
 *   <script src="{% static 'vendor/chart.js/chart.umd.js' %}"></script>
 *   <script src="{% static 'nahraum/charts.js' %}"></script>
 *
 * Every chart is the picture of a table that is also on the page (tables are the accessible
 * alternative); give the canvas role="img" and an aria-label, inside a sized wrapper:
 *   <div class="chart"><canvas id="ages" role="img" aria-label="…"></canvas></div>
 *
 * API (window.nahraum.charts); `canvas` is an element or its id, `data` an object or the id of a
 * json_script block. Each returns the Chart instance (also Chart.getChart(canvas)).
 *   bar(canvas, {labels: [...], datasets: [{label, data: [...], colour?}]},
 *       {xLabel, yLabel, horizontal: false, stacked: false, unit: ""})
 *   line(canvas, {labels, datasets}, {xLabel, yLabel, unit})
 *   histogram(canvas, {bins: [{from, to, count}]} | {values: [...], binWidth: 5, start: 0},
 *             {xLabel, yLabel, unit})          // labels "from–to", bars without gaps
 *   pyramid(canvas, {bands: ["0-5", …],       // youngest first; drawn youngest at the bottom
 *                    left:  {label, data: [...]},   // optional second side (drawn leftwards)
 *                    right: {label, data: [...]}},
 *           {xLabel, unit: "%"})
 *   draw(canvas, spec)                          // spec = {type: "bar"|"line"|"histogram"|"pyramid",
 *                                              //         data: {...} , options: {...}}
 *
 * Declarative use without own JavaScript:
 *   {{ chart_spec|json_script:"age-chart-spec" }}   (chart_spec = {"type": …, "data": …, "options": …})
 *   <canvas data-nahraum-chart="age-chart-spec" role="img" aria-label="…"></canvas>
 * Charts are drawn on DOMContentLoaded; nahraum.charts.instances lists them.
 */
(function (global) {
  "use strict";
  var nahraum = global.nahraum = global.nahraum || {};
  // Colour-blind-safe (Okabe–Ito based) and at least 3:1 against white.
  var PALETTE = ["#0b5d7a", "#c4521b", "#1b7837", "#7a3b8f", "#8a6d00", "#b2182b", "#4d4d4d"];
  var charts = nahraum.charts = nahraum.charts || {};
  charts.palette = PALETTE;
  charts.instances = charts.instances || [];

  function lang() { return document.documentElement.lang || "de"; }

  function resolveCanvas(canvas) {
    var el = typeof canvas === "string" ? document.getElementById(canvas) : canvas;
    if (!el) throw new Error("nahraum.charts: no canvas '" + canvas + "'");
    return el;
  }

  function resolveData(data) {
    if (typeof data !== "string") return data;
    var el = document.getElementById(data);
    if (!el) throw new Error("nahraum.charts: no JSON block with id '" + data + "'");
    return JSON.parse(el.textContent);
  }

  function fmt(value, unit, digits) {
    var n = new Intl.NumberFormat(lang(), {maximumFractionDigits: digits === undefined ? 1 : digits});
    return n.format(value) + (unit ? (unit === "%" ? " %" : " " + unit) : "");
  }

  function axisTitle(text) { return text ? {display: true, text: text} : {display: false}; }

  function baseOptions(opts) {
    var reduce = global.matchMedia && global.matchMedia("(prefers-reduced-motion: reduce)").matches;
    return {
      responsive: true,
      maintainAspectRatio: false,
      locale: lang(),
      animation: reduce ? false : {duration: 250},
      plugins: {
        legend: {display: true, position: "bottom"},
        title: opts.title ? {display: true, text: opts.title} : {display: false},
        tooltip: {
          callbacks: {
            label: function (ctx) {
              var v = ctx.parsed[ctx.chart.options.indexAxis === "y" ? "x" : "y"];
              return (ctx.dataset.label ? ctx.dataset.label + ": " : "") + fmt(Math.abs(v), opts.unit);
            },
          },
        },
      },
    };
  }

  function datasets(list) {
    return (list || []).map(function (d, i) {
      var colour = d.colour || PALETTE[i % PALETTE.length];
      return {label: d.label, data: d.data, backgroundColor: colour, borderColor: colour, borderWidth: 1};
    });
  }

  function make(canvas, config) {
    var el = resolveCanvas(canvas);
    var old = global.Chart.getChart(el);
    if (old) old.destroy();
    var chart = new global.Chart(el, config);
    charts.instances.push(chart);
    el.setAttribute("data-ready", "true");
    return chart;
  }

  charts.bar = function (canvas, data, opts) {
    data = resolveData(data); opts = opts || {};
    var options = baseOptions(opts);
    var valueAxis = {beginAtZero: true, stacked: !!opts.stacked, title: axisTitle(opts.yLabel),
      ticks: {callback: function (v) { return fmt(v, opts.unit); }}};
    var catAxis = {stacked: !!opts.stacked, title: axisTitle(opts.xLabel)};
    options.indexAxis = opts.horizontal ? "y" : "x";
    options.scales = opts.horizontal ? {x: valueAxis, y: catAxis} : {x: catAxis, y: valueAxis};
    if ((data.datasets || []).length < 2) options.plugins.legend.display = false;
    return make(canvas, {type: "bar", data: {labels: data.labels, datasets: datasets(data.datasets)}, options: options});
  };

  charts.line = function (canvas, data, opts) {
    data = resolveData(data); opts = opts || {};
    var options = baseOptions(opts);
    options.scales = {
      x: {title: axisTitle(opts.xLabel)},
      y: {beginAtZero: !!opts.beginAtZero, title: axisTitle(opts.yLabel),
        ticks: {callback: function (v) { return fmt(v, opts.unit); }}},
    };
    var ds = datasets(data.datasets).map(function (d) { d.fill = false; d.tension = 0.2; d.pointRadius = 3; return d; });
    if (ds.length < 2) options.plugins.legend.display = false;
    return make(canvas, {type: "line", data: {labels: data.labels, datasets: ds}, options: options});
  };

  charts.histogram = function (canvas, data, opts) {
    data = resolveData(data); opts = opts || {};
    var bins = data.bins;
    if (!bins) {
      var width = data.binWidth || 1, start = data.start || 0, values = data.values || [];
      var maxV = values.length ? Math.max.apply(null, values) : start;
      bins = [];
      for (var lo = start; lo <= maxV; lo += width) bins.push({from: lo, to: lo + width, count: 0});
      values.forEach(function (v) {
        var i = Math.floor((v - start) / width);
        if (i >= 0 && i < bins.length) bins[i].count++;
      });
    }
    var labels = bins.map(function (b) { return fmt(b.from, "", 2) + "\u2013" + fmt(b.to, "", 2); });
    var options = baseOptions(opts);
    options.plugins.legend.display = false;
    options.scales = {
      x: {title: axisTitle(opts.xLabel), grid: {offset: false}},
      y: {beginAtZero: true, title: axisTitle(opts.yLabel), ticks: {precision: 0}},
    };
    var ds = datasets([{label: opts.yLabel || "", data: bins.map(function (b) { return b.count; }), colour: opts.colour}]);
    ds[0].barPercentage = 1.0; ds[0].categoryPercentage = 1.0;
    return make(canvas, {type: "bar", data: {labels: labels, datasets: ds}, options: options});
  };

  charts.pyramid = function (canvas, data, opts) {
    data = resolveData(data); opts = opts || {};
    var bands = (data.bands || []).slice().reverse(); // oldest on top
    var rev = function (xs) { return (xs || []).slice().reverse(); };
    var ds = [];
    if (data.left) {
      ds.push({label: data.left.label, data: rev(data.left.data).map(function (v) { return -v; }),
        colour: data.left.colour || PALETTE[1]});
    }
    if (data.right) ds.push({label: data.right.label, data: rev(data.right.data), colour: data.right.colour || PALETTE[0]});
    var options = baseOptions(opts);
    options.indexAxis = "y";
    options.scales = {
      x: {title: axisTitle(opts.xLabel), ticks: {callback: function (v) { return fmt(Math.abs(v), opts.unit); }}},
      y: {stacked: true, title: axisTitle(opts.yLabel)},
    };
    options.plugins.legend.display = ds.length > 1;
    var built = datasets(ds);
    built.forEach(function (d) { d.barPercentage = 0.95; d.categoryPercentage = 0.95; });
    return make(canvas, {type: "bar", data: {labels: bands, datasets: built}, options: options});
  };

  charts.draw = function (canvas, spec) {
    spec = resolveData(spec);
    var fn = charts[spec.type];
    if (["bar", "line", "histogram", "pyramid"].indexOf(spec.type) === -1 || !fn) {
      throw new Error("nahraum.charts: unknown chart type '" + spec.type + "'");
    }
    return fn(canvas, spec.data, spec.options || {});
  };

  function autoInit() {
    if (!global.Chart) return;
    var els = document.querySelectorAll("canvas[data-nahraum-chart]");
    Array.prototype.forEach.call(els, function (el) {
      if (global.Chart.getChart(el)) return;
      charts.draw(el, el.getAttribute("data-nahraum-chart"));
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", autoInit);
  } else {
    autoInit();
  }
})(window);
