// Care messages: live updates over ws/care/<link>/. Progressive enhancement only: without
// JavaScript (or while the socket is down) the form posts and the page reloads as before.
(function () {
  "use strict";
  var thread = document.querySelector("[data-care-socket]");
  if (!thread || !window.WebSocket || !window.fetch) { return; }
  var form = document.querySelector("[data-care-form]");
  var viewer = thread.getAttribute("data-viewer");
  var lang = document.documentElement.lang || "da";
  var socket = null;
  var delay = 1000;
  var hadSocket = false;

  function when(iso) {
    var date = new Date(iso);
    return date.toLocaleString(lang, { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
  }

  function para(className, text) {
    var p = document.createElement("p");
    if (className) { p.className = className; }
    p.textContent = text;
    return p;
  }

  function receiptText(readAt) {
    return readAt ? thread.getAttribute("data-read").replace("__WHEN__", when(readAt)) : thread.getAttribute("data-unread");
  }

  function render(message) {
    var mine = String(message.sender_id) === viewer;
    var li = document.createElement("li");
    li.className = "care-message" + (mine ? " mine" : "");
    li.id = "message-" + message.id;
    li.appendChild(para("care-meta", message.sender + " · " + when(message.created_at)));
    var body = document.createElement("p");
    message.body.split("\n").forEach(function (line, index) {
      if (index) { body.appendChild(document.createElement("br")); }
      body.appendChild(document.createTextNode(line));
    });
    li.appendChild(body);
    if (message.status === "pending") { li.appendChild(para("hint", thread.getAttribute("data-pending"))); }
    if (message.status === "held") { li.appendChild(para("hint", thread.getAttribute("data-held"))); }
    if (mine) { li.appendChild(para("care-receipt", receiptText(message.read_at))); }
    return li;
  }

  function show(message) {
    var empty = thread.querySelector("[data-care-empty]");
    if (empty) { empty.remove(); }
    var li = render(message);
    var old = document.getElementById(li.id);
    if (old) { old.replaceWith(li); } else { thread.appendChild(li); }
    if (String(message.sender_id) !== viewer) { markRead(); }
  }

  function markRead() {
    if (document.visibilityState === "visible" && socket && socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify({ type: "read" }));
    }
  }

  function resync() {
    // Frames are hints: after a drop, take the thread from the page, which is the record.
    fetch(window.location.href, { credentials: "same-origin" }).then(function (response) {
      return response.ok ? response.text() : null;
    }).then(function (html) {
      if (!html) { return; }
      var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("[data-care-socket]");
      if (fresh) { thread.innerHTML = fresh.innerHTML; }
    });
  }

  function onFrame(frame) {
    if (frame.type === "care.message") { show(frame.message); }
    else if (frame.type === "care.message_removed") {
      var gone = document.getElementById("message-" + frame.id);
      if (gone) { gone.remove(); }
    } else if (frame.type === "care.read") {
      frame.ids.forEach(function (id) {
        var receipt = document.querySelector("#message-" + id + " .care-receipt");
        if (receipt) { receipt.textContent = receiptText(frame.read_at); }
      });
    } else if (frame.type === "care.link_ended") { window.location.reload(); }
  }

  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + window.location.host + thread.getAttribute("data-care-socket"));
    socket.addEventListener("open", function () {
      if (hadSocket) { resync(); }
      hadSocket = true;
      delay = 1000;
      thread.setAttribute("data-care-live", "1");
    });
    socket.addEventListener("message", function (event) {
      var frame;
      try { frame = JSON.parse(event.data); } catch (error) { return; }
      onFrame(frame);
    });
    socket.addEventListener("close", function (event) {
      thread.removeAttribute("data-care-live");
      if (event.code === 4403) { return; }  // refused: the link ended or the session expired
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    });
  }

  if (form) {
    form.addEventListener("submit", function (event) {
      if (!socket || socket.readyState !== WebSocket.OPEN) { return; }  // the plain post
      event.preventDefault();
      var button = form.querySelector("button[type=submit]");
      if (button) { button.disabled = true; }
      fetch(form.action || window.location.href, {
        method: "POST", body: new FormData(form), credentials: "same-origin"
      }).then(function (response) {
        if (response.redirected && response.ok) {
          form.reset();  // the message itself arrives as a frame
          return null;
        }
        return response.text();
      }).then(function (html) {
        if (!html) { return; }
        var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("[data-care-form]");
        if (fresh) { form.innerHTML = fresh.innerHTML; }  // the form's errors, as without JS
      }).catch(function () {
        form.submit();
      }).finally(function () {
        var current = form.querySelector("button[type=submit]");
        if (current) { current.disabled = false; }
      });
    });
  }

  document.addEventListener("visibilitychange", markRead);
  connect();
})();
