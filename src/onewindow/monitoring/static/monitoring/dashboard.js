// The monitoring dashboard's charts. Each panel's figures come from a JSON script element
// (the table under it shows the same); the district map is the Guangzhou GeoJSON shipped
// with the app. Right-to-left pages mirror the axes. Clicking a district drills into it.
(function () {
  "use strict";
  var rtl = document.documentElement.dir === "rtl";
  var charts = [];

  function drill(code) {
    var params = new URLSearchParams(window.location.search);
    params.set("district", code);
    window.location.search = params.toString();
  }

  function legend(series) {
    return { data: series.map(function (s) { return s.name; }), top: 0, type: "scroll" };
  }

  function cartesian(data, horizontal) {
    var valueAxis = { type: "value", minInterval: 1, position: horizontal ? undefined : (rtl ? "right" : "left"),
                      inverse: horizontal && rtl };
    var categoryAxis = { type: "category", data: data.categories, inverse: horizontal ? true : rtl,
                         position: horizontal ? (rtl ? "right" : "left") : undefined,
                         axisLabel: horizontal ? { width: 150, overflow: "truncate" }
                                               : { rotate: rtl ? -30 : 30, interval: "auto" } };
    var type = data.type === "line" ? "line" : "bar";
    return {
      tooltip: { trigger: "axis" },
      legend: legend(data.series),
      grid: { containLabel: true, left: 8, right: 8, top: 40, bottom: 8 },
      xAxis: horizontal ? valueAxis : categoryAxis,
      yAxis: horizontal ? categoryAxis : valueAxis,
      series: data.series.map(function (s) { return { name: s.name, type: type, data: s.data }; })
    };
  }

  function pyramid(data) {
    var left = data.series[0], right = data.series[1];
    return {
      tooltip: { trigger: "axis", valueFormatter: function (v) { return Math.abs(v); } },
      legend: legend(data.series),
      grid: { containLabel: true, left: 8, right: 8, top: 40, bottom: 8 },
      xAxis: { type: "value", minInterval: 1, inverse: rtl, axisLabel: { formatter: function (v) { return Math.abs(v); } } },
      yAxis: { type: "category", data: data.categories, position: rtl ? "right" : "left" },
      series: [
        { name: left.name, type: "bar", stack: "all", data: left.data.map(function (v) { return -v; }) },
        { name: right.name, type: "bar", stack: "all", data: right.data }
      ]
    };
  }

  function map(data) {
    var nameMap = data.names || {};
    var values = data.data.map(function (d) { return d.value; });
    return {
      tooltip: { trigger: "item" },
      visualMap: { min: 0, max: Math.max.apply(null, values.concat([1])), calculable: true,
                   left: rtl ? "right" : "left", bottom: 0, inverse: false },
      series: [{ name: data.series_name, type: "map", map: data.map, nameMap: nameMap,
                 roam: false, label: { show: true, fontSize: 10 },
                 labelLayout: { hideOverlap: true },
                 data: data.data.map(function (d) { return { name: d.name, value: d.value, code: d.code }; }) }]
    };
  }

  function draw(holder, data) {
    // ECharts lays text out left to right; on a right-to-left page it would misplace its
    // labels, so the chart itself is LTR and the axes are mirrored instead.
    holder.setAttribute("dir", "ltr");
    var chart = window.echarts.init(holder, null, { renderer: "svg" });
    var option = data.type === "map" ? map(data)
      : data.type === "pyramid" ? pyramid(data)
      : cartesian(data, data.type === "hbar");
    option.animation = false;
    chart.setOption(option);
    if (data.type === "map") {
      chart.on("click", function (e) { if (e.data && e.data.code) drill(e.data.code); });
    }
    charts.push(chart);
  }

  function start() {
    if (!window.echarts) return;
    var holders = Array.prototype.slice.call(document.querySelectorAll(".chart[data-chart]"));
    var needsMap = false;
    var jobs = holders.map(function (holder) {
      var source = document.getElementById(holder.getAttribute("data-chart"));
      var data = JSON.parse(source.textContent);
      if (data.type === "hbar") {
        holder.style.height = Math.max(220, 40 + 26 * data.categories.length) + "px";
      }
      if (data.type === "map") needsMap = true;
      return [holder, data];
    });
    function run() {
      jobs.forEach(function (job) { draw(job[0], job[1]); });
      document.documentElement.setAttribute("data-charts", String(charts.length));
    }
    var script = document.getElementById("dashboard-js");
    if (needsMap && script) {
      fetch(script.getAttribute("data-geojson"))
        .then(function (r) { return r.json(); })
        .then(function (geo) { window.echarts.registerMap("guangzhou", geo); run(); });
    } else {
      run();
    }
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
