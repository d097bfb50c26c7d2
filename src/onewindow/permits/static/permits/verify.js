// Permit verification: read the token from the URL fragment (#t=...), which the browser never
// sends to a server, post it to the API and show the verdict. Without JavaScript the form posts
// the pasted token to the page itself.
(function () {
  "use strict";
  var texts = document.getElementById("verdict-texts");
  var form = document.getElementById("verify-form");
  var box = document.getElementById("verdict");
  if (!texts || !form || !box || !window.fetch) { return; }
  var field = document.getElementById("token");
  var STATUSES = ["valid", "not_yet_valid", "expired", "revoked", "forged", "error"];

  function text(status) {
    var node = texts.querySelector('[data-status="' + status + '"]');
    return node ? node.textContent.trim() : status;
  }

  function show(data) {
    STATUSES.forEach(function (s) { box.classList.remove("verdict-" + s); });
    box.classList.add("verdict-" + data.status);
    document.getElementById("verdict-headline").textContent = text(data.status);
    var genuine = data.status !== "forged" && data.status !== "error";
    document.getElementById("verdict-facts").hidden = !genuine;
    document.getElementById("verdict-note-forged").hidden = data.status !== "forged";
    box.querySelectorAll("[data-field]").forEach(function (dd) {
      var value = data[dd.getAttribute("data-field")];
      dd.textContent = value === null || value === undefined ? "" : String(value);
    });
    box.hidden = false;
    box.scrollIntoView({ block: "nearest" });
  }

  function check(token) {
    box.setAttribute("aria-busy", "true");
    fetch(texts.getAttribute("data-api"), {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      credentials: "same-origin",
      body: JSON.stringify({ token: token })
    }).then(function (response) {
      if (response.status === 422) { return { status: "forged" }; }
      if (!response.ok) { throw new Error(String(response.status)); }
      return response.json();
    }).then(show, function () {
      show({ status: "error" });
    }).finally(function () {
      box.removeAttribute("aria-busy");
    });
  }

  form.addEventListener("submit", function (event) {
    var token = field.value.trim();
    if (!token) { return; }
    event.preventDefault();
    check(token);
  });

  var match = /(?:^#|&)t=([^&]+)/.exec(window.location.hash);
  if (match) {
    var token = decodeURIComponent(match[1]);
    field.value = token;
    // Drop the token from the address bar and the history entry.
    history.replaceState(null, "", window.location.pathname + window.location.search);
    check(token);
  }
})();
