// Journeys: progressive enhancement only. Without JavaScript every page still works:
// the timer is plain text and the crisis lines appear on reload when a reflection needs them.
(function () {
  "use strict";
  var lang = document.documentElement.lang || "da";
  var words = lang.indexOf("en") === 0
    ? { start: "Start timer", pause: "Pause", resume: "Continue", reset: "Start again", done: "Time is up. Well done." }
    : { start: "Start timer", pause: "Pause", resume: "Fortsæt", reset: "Forfra", done: "Tiden er gået. Godt gået." };

  function format(seconds) {
    var m = Math.floor(seconds / 60);
    var s = seconds % 60;
    return m + ":" + (s < 10 ? "0" : "") + s;
  }

  function setUpTimer(box) {
    var total = parseInt(box.getAttribute("data-timer-seconds"), 10);
    if (!total || total < 1) { return; }
    var left = total;
    var handle = null;
    var display = document.createElement("p");
    display.className = "journey-timer-display";
    display.setAttribute("role", "timer");
    display.setAttribute("aria-live", "off");
    display.textContent = format(left);
    var status = document.createElement("p");
    status.className = "journey-timer-status";
    status.setAttribute("aria-live", "polite");
    var toggle = document.createElement("button");
    toggle.type = "button";
    toggle.className = "button";
    toggle.textContent = words.start;
    var reset = document.createElement("button");
    reset.type = "button";
    reset.className = "button secondary";
    reset.textContent = words.reset;

    function stop() { if (handle) { clearInterval(handle); handle = null; } }
    function tick() {
      left -= 1;
      display.textContent = format(Math.max(left, 0));
      if (left <= 0) {
        stop();
        toggle.textContent = words.start;
        status.textContent = words.done;
        left = total;
      }
    }
    toggle.addEventListener("click", function () {
      if (handle) {
        stop();
        toggle.textContent = words.resume;
      } else {
        status.textContent = "";
        handle = setInterval(tick, 1000);
        toggle.textContent = words.pause;
      }
    });
    reset.addEventListener("click", function () {
      stop();
      left = total;
      display.textContent = format(left);
      toggle.textContent = words.start;
      status.textContent = "";
    });
    var controls = document.createElement("div");
    controls.className = "journey-timer-controls";
    controls.appendChild(toggle);
    controls.appendChild(reset);
    box.appendChild(display);
    box.appendChild(controls);
    box.appendChild(status);
    box.classList.add("is-enhanced");
  }

  function showCrisisSupport() {
    var panel = document.getElementById("journey-crisis-support");
    if (!panel) { return; }
    panel.hidden = false;
    panel.setAttribute("tabindex", "-1");
    panel.focus();
  }

  function listen() {
    if (!("WebSocket" in window) || !document.getElementById("journey-crisis-support")) { return; }
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var attempts = 0;
    function connect() {
      var socket = new WebSocket(scheme + window.location.host + "/ws/journeys/");
      socket.addEventListener("open", function () { attempts = 0; });
      socket.addEventListener("message", function (event) {
        var frame;
        try { frame = JSON.parse(event.data); } catch (e) { return; }
        if (frame && frame.type === "reflection.crisis_support") { showCrisisSupport(); }
      });
      socket.addEventListener("close", function (event) {
        if (event.code >= 4000 || attempts > 5) { return; }  // refused: do not hammer the server
        attempts += 1;
        setTimeout(connect, Math.min(30000, 1000 * Math.pow(2, attempts)));
      });
    }
    connect();
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-timer-seconds]"), setUpTimer);
    listen();
  });
})();
