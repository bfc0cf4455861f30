// Every change the page makes carries the session's CSRF token (see cruscotto.web.csrf):
// form submissions get a hidden csrf_token field, fetch and XMLHttpRequest an
// X-CSRF-Token header. Loaded in <head> before any other script, so pages need nothing.
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="csrf-token"]');
  if (!meta) return;
  var token = meta.getAttribute("content");
  var SAFE = { GET: 1, HEAD: 1, OPTIONS: 1, TRACE: 1 };

  function addField(form) {
    if (!form || (form.getAttribute("method") || "get").toUpperCase() in SAFE) return;
    if (form.querySelector('input[name="csrf_token"]')) return;
    var input = document.createElement("input");
    input.type = "hidden";
    input.name = "csrf_token";
    input.value = token;
    form.appendChild(input);
  }

  // Capture phase: before any page handler, and before the browser builds the body.
  document.addEventListener("submit", function (event) { addField(event.target); }, true);
  // form.submit() fires no submit event.
  var submit = HTMLFormElement.prototype.submit;
  HTMLFormElement.prototype.submit = function () { addField(this); return submit.call(this); };
  var requestSubmit = HTMLFormElement.prototype.requestSubmit;
  if (requestSubmit) {
    HTMLFormElement.prototype.requestSubmit = function () {
      addField(this);
      return requestSubmit.apply(this, arguments);
    };
  }
  // FormData built from a form (fetch(url, {body: new FormData(form)})) gets the header below.

  var originalFetch = window.fetch;
  if (originalFetch) {
    window.fetch = function (input, init) {
      init = init || {};
      var method = (init.method || (input && input.method) || "GET").toUpperCase();
      if (!(method in SAFE)) {
        var headers = new Headers(init.headers || (input && input.headers) || undefined);
        if (!headers.has("X-CSRF-Token")) headers.set("X-CSRF-Token", token);
        init = Object.assign({}, init, { headers: headers });
      }
      return originalFetch.call(this, input, init);
    };
  }

  var open = XMLHttpRequest.prototype.open;
  var send = XMLHttpRequest.prototype.send;
  XMLHttpRequest.prototype.open = function (method) {
    this._cruscottoMethod = String(method || "GET").toUpperCase();
    return open.apply(this, arguments);
  };
  XMLHttpRequest.prototype.send = function () {
    if (!(this._cruscottoMethod in SAFE)) this.setRequestHeader("X-CSRF-Token", token);
    return send.apply(this, arguments);
  };
})();
