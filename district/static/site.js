// Keeps the front office's lists live: polls the fragment every second and swaps it in.
// Without this script the page still works; it just needs a reload to show new arrivals.
(function () {
  "use strict";
  var board = document.getElementById("live");
  var status = document.getElementById("live-status");
  if (!board || !status || !window.fetch) return;
  var url = board.getAttribute("data-src");
  var etag = board.getAttribute("data-etag") || "";
  var every = parseInt(board.getAttribute("data-poll-ms"), 10) || 1000;

  function show(state, text) {
    status.setAttribute("data-state", state);
    status.textContent = text;
  }

  function clock() {
    return new Date().toLocaleTimeString([], { hour: "numeric", minute: "2-digit", second: "2-digit" });
  }

  // Swapping the lists must not lose keyboard focus from a Sign out button.
  function swap(html) {
    var focused = board.contains(document.activeElement) ? document.activeElement.closest("form") : null;
    var action = focused ? focused.getAttribute("action") : null;
    board.innerHTML = html;
    if (action) {
      var again = board.querySelector('form[action="' + action + '"] button');
      if (again) again.focus();
    }
  }

  function poll() {
    var headers = etag ? { "If-None-Match": etag } : {};
    fetch(url, { headers: headers, cache: "no-store", credentials: "same-origin", redirect: "error" })
      .then(function (response) {
        if (response.status === 401) return "stop";
        if (response.status === 304) return null;
        if (!response.ok) throw new Error("HTTP " + response.status);
        etag = response.headers.get("ETag") || "";
        return response.text();
      })
      .then(function (html) {
        if (html === "stop") {
          show("stopped", "Signed out: reload the page to sign in again");
          return;
        }
        if (typeof html === "string") swap(html);
        show("live", "Live · updated " + clock());
        window.setTimeout(poll, every);
      })
      .catch(function () {
        show("offline", "Offline, retrying…");
        window.setTimeout(poll, every * 2);
      });
  }

  show("live", "Live · updated " + clock());
  window.setTimeout(poll, every);
})();
