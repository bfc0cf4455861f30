// Draws the plotly figures whose JSON the server put next to each chart container.
document.addEventListener("DOMContentLoaded", function () {
  var charts = [["trend-chart", "trend-data"], ["breakdown-chart", "breakdown-data"]];
  charts.forEach(function (pair) {
    var target = document.getElementById(pair[0]);
    var source = document.getElementById(pair[1]);
    if (!target || !source || typeof Plotly === "undefined") return;
    var figure = JSON.parse(source.textContent);
    Plotly.newPlot(target, figure.data, figure.layout, {displaylogo: false, responsive: true});
    target.setAttribute("data-drawn", "true");
  });
});
