// Draws the plotly figures whose JSON the server put next to each chart container.
document.addEventListener("DOMContentLoaded", function () {
  var charts = [
    ["trend-chart", "trend-data"],
    ["breakdown-chart", "breakdown-data"],
    ["goal-chart", "goal-data"]
  ];
  charts.forEach(function (pair) {
    var target = document.getElementById(pair[0]);
    var source = document.getElementById(pair[1]);
    if (!target || !source || typeof Plotly === "undefined") return;
    var figure = JSON.parse(source.textContent);
    Plotly.newPlot(target, figure.data, figure.layout, {displaylogo: false, responsive: true});
    target.setAttribute("data-drawn", "true");
  });
});

// Filter forms: leave unused pickers out of the URL, so shared links stay short.
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (!form.classList.contains("filters")) return;
  Array.prototype.forEach.call(form.elements, function (field) {
    if (field.name && field.value === "") field.disabled = true;
  });
});
