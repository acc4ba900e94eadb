// Live moderation dashboard: push-only socket, per-queue sequence numbers, resync by after_seq.
// Frames are hints; the HTTP resync is the record (DESIGN.md section 3). No framework.
(function () {
  "use strict";
  var root = document.getElementById("mod-dashboard");
  if (!root) { return; }
  var queueEl = document.getElementById("mod-queue");
  var liveEl = document.getElementById("mod-live");
  var lastSeq = JSON.parse(document.getElementById("mod-queue-seqs").textContent);
  var eventsUrl = root.dataset.eventsUrl;
  var cardUrl = root.dataset.cardUrl.replace(/0\/$/, "");
  var attempt = 0;
  var syncing = {};

  function status(text) { liveEl.textContent = text; }

  function formatLeft(seconds) {
    if (seconds < 0) { return "Over tid " + Math.round(-seconds / 60) + " min"; }
    var m = Math.floor(seconds / 60), s = Math.floor(seconds % 60);
    return m + ":" + (s < 10 ? "0" : "") + s + " tilbage";
  }

  function tick() {
    var now = Date.now();
    document.querySelectorAll(".mod-card[data-due]").forEach(function (card) {
      var left = (Date.parse(card.dataset.due) - now) / 1000;
      var sla = card.querySelector(".mod-sla");
      if (sla) { sla.textContent = formatLeft(left); }
      card.classList.toggle("overdue", left < 0);
    });
  }

  function renderCard(data) {
    // Text arrives escaped by the server with evidence wrapped in <mark>; the rest is set as text.
    var card = document.createElement("article");
    card.className = "mod-card tier-" + data.tier + " mod-new";
    card.id = "flag-" + data.id;
    card.dataset.flagId = data.id;
    card.dataset.due = data.due_at;
    var head = document.createElement("header");
    head.className = "mod-card-head";
    [["mod-tier", data.tier_label], ["mod-category", data.category],
     ["mod-status", data.status_label + (data.claimed_by ? " · " + data.claimed_by : "")],
     ["mod-sla", formatLeft(data.seconds_left)]].forEach(function (pair) {
      if (!pair[1]) { return; }
      var span = document.createElement("span");
      span.className = pair[0];
      span.textContent = pair[1];
      head.appendChild(span);
    });
    var text = document.createElement("p");
    text.className = "mod-text";
    text.innerHTML = data.text_html;  // server-escaped
    // The model's highlights may follow routing; the server says so in the viewer's language.
    var pending = null;
    if (data.evidence_note) {
      pending = document.createElement("p");
      pending.className = "mod-meta mod-evidence-pending";
      pending.setAttribute("role", "status");
      pending.textContent = data.evidence_note;
    }
    var meta = document.createElement("p");
    meta.className = "mod-meta";
    meta.textContent = [data.where, data.author ? data.author + ": " + data.author_flag_count + " tidligere sager" : "",
      data.author_sanctions.join(", ")].filter(Boolean).join(" · ");
    var link = document.createElement("a");
    link.className = "button secondary";
    link.href = "/moderation/sager/" + data.id + "/";
    link.textContent = "Åbn sagen";
    card.append.apply(card, [head, text, pending, meta, link].filter(Boolean));
    return card;
  }

  function applyFlag(flagId) {
    return fetch(cardUrl + flagId + "/", {credentials: "same-origin"}).then(function (r) {
      var existing = document.getElementById("flag-" + flagId);
      if (r.status === 404) { if (existing) { existing.remove(); } return; }
      return r.json().then(function (data) {
        var card = renderCard(data);
        if (data.status === "resolved") { if (existing) { existing.remove(); } return; }
        if (existing) { existing.replaceWith(card); } else { queueEl.prepend(card); }
        var empty = document.getElementById("mod-empty");
        if (empty) { empty.remove(); }
      });
    });
  }

  function resync(queue) {
    if (syncing[queue]) { return syncing[queue]; }
    var url = eventsUrl + "?queue=" + encodeURIComponent(queue) + "&after_seq=" + (lastSeq[queue] || 0);
    syncing[queue] = fetch(url, {credentials: "same-origin"}).then(function (r) { return r.json(); })
      .then(function (body) {
        var ids = {};
        body.events.forEach(function (ev) { ids[ev.flag_id] = true; lastSeq[queue] = ev.seq; });
        return Promise.all(Object.keys(ids).map(applyFlag));
      }).finally(function () { delete syncing[queue]; });
    return syncing[queue];
  }

  function onFrame(frame) {
    if (frame.type === "hello") {
      Object.keys(frame.queues).forEach(function (q) {
        if ((lastSeq[q] || 0) < frame.queues[q]) { resync(q); }
      });
      status("Live");
    } else if (frame.type === "flag.changed") {
      var known = lastSeq[frame.queue] || 0;
      if (frame.seq <= known) { return; }  // duplicate
      if (frame.seq !== known + 1) { resync(frame.queue); return; }  // gap
      lastSeq[frame.queue] = frame.seq;
      applyFlag(frame.flag_id);
    } else if (frame.type === "moderation.alert") {
      status("Alarm: en " + frame.tier + "-sag venter på dig (" + frame.rung + ")");
      root.classList.add("mod-alerting");
      applyFlag(frame.flag_id);
    }
  }

  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + location.host + root.dataset.ws);
    socket.onopen = function () { attempt = 0; };
    socket.onmessage = function (msg) {
      try { onFrame(JSON.parse(msg.data)); } catch (e) { /* a bad frame is ignored; resync heals */ }
    };
    socket.onclose = function () {
      status("Forbindelsen er væk. Prøver igen …");
      attempt += 1;
      var delay = Math.min(30000, 500 * Math.pow(2, attempt)) * (0.5 + Math.random());
      setTimeout(connect, delay);
    };
  }

  setInterval(tick, 1000);
  tick();
  connect();
}());
