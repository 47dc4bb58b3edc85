// The front office page: keeps its lists live by polling the fragment every second and swapping it in,
// and, once the secretary turns them on, chimes and shows a browser notification for each new arrival
// and each alert that could not be delivered. Browsers allow sound, and ask for the notification
// permission, only after a click, hence the button; the choice is remembered in localStorage.
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

  // -- sound and notifications ------------------------------------------------------------------
  var toggle = document.getElementById("alerts-toggle");
  var STORAGE_KEY = "wk-office-alerts";
  var ARRIVAL = [659.25, 880]; // E5 then A5: a doorbell
  var FAILED = [392, 311.13, 392, 311.13]; // low and repeated: something needs the office
  var MAX_NOTIFICATIONS = 5; // after a long offline spell, do not bury the screen
  var audio = null;

  function wanted() {
    try {
      return window.localStorage.getItem(STORAGE_KEY) === "on";
    } catch (e) {
      return false;
    }
  }

  function remember(on) {
    try {
      if (on) window.localStorage.setItem(STORAGE_KEY, "on");
      else window.localStorage.removeItem(STORAGE_KEY);
    } catch (e) {
      /* private mode: on for this page only */
    }
  }

  function audioContext() {
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return null;
    if (!audio) audio = new Context();
    if (audio.state === "suspended") audio.resume();
    return audio;
  }

  // Generated here, not a sound file: nothing to download, and the CSP stays default-src 'self'.
  function chime(notes) {
    var context = audioContext();
    if (!context) return;
    var t = context.currentTime + 0.03;
    notes.forEach(function (frequency, i) {
      var oscillator = context.createOscillator();
      var gain = context.createGain();
      var start = t + i * 0.2;
      oscillator.type = "sine";
      oscillator.frequency.value = frequency;
      gain.gain.setValueAtTime(0.0001, start);
      gain.gain.exponentialRampToValueAtTime(0.35, start + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.7);
      oscillator.connect(gain);
      gain.connect(context.destination);
      oscillator.start(start);
      oscillator.stop(start + 0.75);
    });
  }

  function notificationsAllowed() {
    return "Notification" in window && window.Notification.permission === "granted";
  }

  function notify(title, body, tag) {
    if (!notificationsAllowed()) return;
    try {
      new window.Notification(title, { body: body, tag: tag });
    } catch (e) {
      /* Chrome on Android shows notifications only from a service worker: the chime still sounds */
    }
  }

  function showToggle() {
    if (!toggle) return;
    var on = wanted();
    var blocked = "Notification" in window && window.Notification.permission === "denied";
    toggle.hidden = false;
    toggle.setAttribute("aria-pressed", on ? "true" : "false");
    toggle.textContent = !on ? "Turn on sound and notifications"
      : blocked ? "Sound on · notifications blocked by the browser" : "Sound and notifications on";
    toggle.title = on ? "Click to turn them off" : "A chime and a notification for each new arrival";
  }

  if (toggle) {
    toggle.addEventListener("click", function () {
      if (wanted()) {
        remember(false);
        showToggle();
        return;
      }
      remember(true);
      chime([880]); // starts the sound within the click, and lets the secretary hear it works
      if ("Notification" in window && window.Notification.permission === "default") {
        var asked = window.Notification.requestPermission(showToggle);
        if (asked && asked.then) asked.then(showToggle);
      }
      showToggle();
    });
    showToggle();
    // After a reload the browser keeps sound off until the next click or key anywhere on the page.
    var wake = function () {
      if (wanted()) audioContext();
      document.removeEventListener("pointerdown", wake);
      document.removeEventListener("keydown", wake);
    };
    document.addEventListener("pointerdown", wake);
    document.addEventListener("keydown", wake);
  }

  function marked(attribute) {
    var found = {};
    Array.prototype.forEach.call(board.querySelectorAll("[" + attribute + "]"), function (element) {
      found[element.getAttribute(attribute)] = element;
    });
    return found;
  }

  var knownVisits = marked("data-visit");
  var knownFailures = marked("data-failed");

  function fresh(now, before) {
    return Object.keys(now).filter(function (key) { return !(key in before); });
  }

  // What a swap brought: new arrivals, and alerts that have just failed.
  function announce() {
    var visits = marked("data-visit");
    var failures = marked("data-failed");
    var arrived = fresh(visits, knownVisits);
    var failed = fresh(failures, knownFailures);
    knownVisits = visits;
    knownFailures = failures;
    if (!wanted()) return;
    if (arrived.length) chime(ARRIVAL);
    else if (failed.length) chime(FAILED);
    arrived.slice(0, MAX_NOTIFICATIONS).forEach(function (id) {
      var row = visits[id];
      notify(row.getAttribute("data-title"), row.getAttribute("data-body"), "visit-" + id);
    });
    failed.slice(0, MAX_NOTIFICATIONS).forEach(function (key) {
      notify("Alert not delivered", failures[key].textContent, "failed-" + key);
    });
  }

  // -- Undo, for a few seconds after the office signs someone out ---------------------------------
  // The server says how many seconds are left; they are counted here (by the page's own clock, never by
  // the PC's time of day, which may be wrong), and the row goes when they are up. The next poll brings the lists as they are.
  function countdowns() {
    var now = window.performance ? window.performance.now() : Date.now();
    Array.prototype.forEach.call(board.querySelectorAll("[data-undo-seconds]"), function (row) {
      if (!row.undoEnds) row.undoEnds = now + 1000 * parseInt(row.getAttribute("data-undo-seconds"), 10);
      var left = Math.ceil((row.undoEnds - now) / 1000);
      var text = row.querySelector(".countdown");
      if (left <= 0) row.hidden = true;
      else if (text) text.textContent = left + " s to undo";
    });
  }
  countdowns();
  window.setInterval(countdowns, 250);

  // -- the live lists ----------------------------------------------------------------------------
  // Swapping the lists must not lose keyboard focus from a Sign out or Seen button.
  function swap(html) {
    var focused = board.contains(document.activeElement) ? document.activeElement.closest("form") : null;
    var action = focused ? focused.getAttribute("action") : null;
    board.innerHTML = html;
    countdowns();
    if (action) {
      var again = board.querySelector('form[action="' + action + '"] button');
      if (again) again.focus();
    }
    try {
      announce();
    } catch (e) {
      /* a browser without sound or notifications must still see the lists */
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
