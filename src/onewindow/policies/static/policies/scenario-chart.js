// The scenario page's bar chart: qualifying people by district, policy in force against the
// scenario. The numbers come from a JSON script element; the tables below show the same.
(function () {
  "use strict";
  function draw() {
    var holder = document.getElementById("district-chart");
    var source = document.getElementById("chart-data");
    if (!holder || !source || !window.echarts) return;
    var data = JSON.parse(source.textContent);
    var rtl = document.documentElement.dir === "rtl";
    var chart = window.echarts.init(holder, null, { renderer: "svg" });
    chart.setOption({
      animation: false,
      tooltip: { trigger: "axis" },
      legend: { data: [data.labels.base, data.labels.scenario], top: 0 },
      grid: { left: rtl ? 16 : 48, right: rtl ? 48 : 16, top: 36, bottom: 80 },
      xAxis: { type: "category", data: data.categories, inverse: rtl,
               axisLabel: { rotate: 45, interval: 0 } },
      yAxis: { type: "value", position: rtl ? "right" : "left" },
      series: [
        { name: data.labels.base, type: "bar", data: data.base },
        { name: data.labels.scenario, type: "bar", data: data.scenario }
      ]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
