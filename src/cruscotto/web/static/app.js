// Cruscotto's only script (the pages carry no inline JS: a CSP forbids it).
"use strict";

// plotly's locale for the page's language (see templates/_plotly.html).
var PLOTLY_LOCALES = {it: "it", pt: "pt-BR"};

// Draws a plotly figure whose JSON the server put in the script named by data-figure.
// A point or bar whose customdata holds a link opens it (the records behind it).
function drawChart(target) {
  var source = document.getElementById(target.getAttribute("data-figure"));
  if (!source || typeof Plotly === "undefined" || target.hasAttribute("data-drawn")) return;
  target.setAttribute("data-drawn", "drawing");  // asked once, even while it draws
  var figure = JSON.parse(source.textContent);
  var config = {displaylogo: false, responsive: true,
                locale: PLOTLY_LOCALES[document.documentElement.lang] || "en"};
  Plotly.newPlot(target, figure.data, figure.layout, config).then(function () {
    target.setAttribute("data-drawn", "true");
  });
  target.on("plotly_click", function (event) {
    var point = event.points && event.points[0];
    if (point && typeof point.customdata === "string") window.location.href = point.customdata;
  });
}

function drawCharts(root) {
  Array.prototype.forEach.call((root || document).querySelectorAll(".chart[data-figure]"), drawChart);
}

// A `.deferred` placeholder holds the slow part of a page (a dashboard area's numbers, a
// KPI's figures): the page is shown at once and each part is fetched from its data-src
// and swapped in when it is computed, all at the same time, so none waits for another.
// A part that cannot be computed shows why (the server's error page says it in a
// `p.error`, e.g. a missing exchange rate), after "could not load".
function loadDeferred(box) {
  fetch(box.getAttribute("data-src"), {credentials: "same-origin", headers: {Accept: "text/html"}})
    .then(function (response) {
      return response.text().then(function (html) {
        if (response.ok) return html;
        var said = new DOMParser().parseFromString(html, "text/html").querySelector("p.error");
        throw new Error(said ? said.textContent : "HTTP " + response.status);
      });
    })
    .then(function (html) {
      box.innerHTML = html;
      box.setAttribute("data-loaded", "true");
      box.setAttribute("aria-busy", "false");
      drawCharts(box);
      wire(box);
    })
    .catch(function (error) {
      var message = document.createElement("p");
      message.className = "error";
      message.setAttribute("role", "alert");
      message.textContent = (box.getAttribute("data-failed") || "") + " " + error.message;
      box.replaceChildren(message);
      box.setAttribute("data-loaded", "failed");
      box.setAttribute("aria-busy", "false");
    });
}

// A table wider than the screen scrolls inside its frame: the frame must then be reachable
// by keyboard (arrow keys scroll it) and named for screen readers, after its caption.
function scrollableTables(root) {
  Array.prototype.forEach.call(root.querySelectorAll(".table-wrap"), function (frame) {
    if (frame.scrollWidth <= frame.clientWidth || frame.hasAttribute("tabindex")) return;
    var caption = frame.querySelector("caption");
    frame.setAttribute("tabindex", "0");
    frame.setAttribute("role", "region");
    if (caption) frame.setAttribute("aria-label", caption.textContent.trim());
  });
}

// A form whose fields depend on a choice (the alert rule's kind): a field marked
// data-kinds="a b" shows, and is sent, only when the choice is a or b. Without JS every
// field shows and the server ignores the empty ones.
function fitToKind(form) {
  var kind = form.querySelector("select[name=kind]");
  if (!kind) return;
  var fit = function () {
    Array.prototype.forEach.call(form.querySelectorAll("[data-kinds]"), function (field) {
      var shown = field.getAttribute("data-kinds").split(" ").indexOf(kind.value) >= 0;
      field.hidden = !shown;
      Array.prototype.forEach.call(field.querySelectorAll("input, select"), function (control) {
        control.disabled = !shown;
      });
    });
  };
  kind.addEventListener("change", fit);
  fit();
}

// The period picker: a preset, or "custom" with a from/to date picker.
function wire(root) {
  scrollableTables(root);
  Array.prototype.forEach.call(root.querySelectorAll("form[data-fit-kind]"), fitToKind);
  Array.prototype.forEach.call(root.querySelectorAll("select[data-period-choice]"), function (choice) {
    var custom = choice.form.querySelector(".custom-period");
    var sync = function () { if (custom) custom.hidden = choice.value !== "custom"; };
    choice.addEventListener("change", sync);
    sync();
  });
}

// app.js is a deferred script that comes before plotly's (templates/base.html): the page
// is parsed when it runs, so its parts are asked for at once, while plotly loads. A chart
// that arrives before plotly is there is drawn at DOMContentLoaded, which follows every
// deferred script.
wire(document);
Array.prototype.forEach.call(document.querySelectorAll(".deferred[data-src]"), loadDeferred);
document.addEventListener("DOMContentLoaded", function () { drawCharts(document); });

// Filter forms: a custom period becomes period=FROM..TO; unused pickers stay out of the
// URL, so shared links stay short.
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (!form.classList.contains("filters")) return;
  var choice = form.querySelector("select[data-period-choice]");
  var from = form.querySelector("input[name=from]");
  var to = form.querySelector("input[name=to]");
  if (choice && choice.value === "custom" && from && to && from.value && to.value) {
    var period = document.createElement("input");
    period.type = "hidden";
    period.name = "period";
    period.value = from.value + ".." + to.value;
    form.appendChild(period);
    choice.disabled = true;
  }
  if (from) from.disabled = true;
  if (to) to.disabled = true;
  Array.prototype.forEach.call(form.elements, function (field) {
    if (field.name && field.value === "") field.disabled = true;
  });
});

// A select marked data-autosubmit applies at once (a submit button is there without JS).
document.addEventListener("change", function (event) {
  var field = event.target;
  if (field.hasAttribute && field.hasAttribute("data-autosubmit") && field.form) field.form.submit();
});
