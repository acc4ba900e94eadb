/* Sammen community: live updates for a space page. Plain JS, no framework.
 *
 * The page works without this file (plain forms, full page loads). With it:
 * - one push-only WebSocket (ws/community/) delivers frames {type, space, seq, data};
 * - the last seen seq per space is kept in memory and sessionStorage;
 * - on (re)connect, on a gap in seq, or on a "resync" frame, missed events are fetched from
 *   GET .../events?after_seq=N (paged by has_more) and applied in order; duplicates (seq already
 *   seen) are dropped, so pushes and fetches can overlap safely;
 * - reconnects use exponential backoff with full jitter.
 * Event handling mirrors community/events.py client_state_apply. Body HTML comes from the server,
 * already escaped and sanitised with nh3; everything else is inserted as text.
 */
(function () {
  "use strict";

  var feed = document.getElementById("feed");
  if (!feed || !window.WebSocket || !window.fetch) { return; }

  var spaceId = Number(feed.dataset.space);
  var singlePost = feed.dataset.singlePost ? Number(feed.dataset.singlePost) : null;
  var eventsUrl = feed.dataset.eventsUrl;
  var postUrlTemplate = feed.dataset.postUrlTemplate || "";
  var reactionUrlTemplate = feed.dataset.reactionUrlTemplate || "";
  var storageKey = "sammen.community.seq." + spaceId;
  var hiddenTopics = [];
  try { hiddenTopics = JSON.parse(document.getElementById("hidden-topics").textContent) || []; } catch (e) { hiddenTopics = []; }

  var lastSeq = Number(feed.dataset.lastSeq || 0);  // the page was rendered at this seq
  var syncing = false;
  var syncAgain = false;
  var socket = null;
  var attempt = 0;
  var stopped = false;

  var STRINGS = {};
  try { STRINGS = JSON.parse(document.getElementById("community-strings").textContent) || {}; } catch (e) { STRINGS = {}; }
  function t(key, fallback) { return typeof STRINGS[key] === "string" ? STRINGS[key] : fallback; }
  var REACTIONS = STRINGS.reactions || [
    ["thinking", "tænker på dig"], ["not_alone", "du er ikke alene"],
    ["well_done", "stærkt gået"], ["thanks", "tak fordi du delte"]
  ];

  function remember(seq) {
    lastSeq = seq;
    try { window.sessionStorage.setItem(storageKey, String(seq)); } catch (e) { /* private mode */ }
  }

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) { return decodeURIComponent(match[1]); }
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function postElement(id) { return document.getElementById("post-" + id); }

  function reactionsBlock(data) {
    var box = el("div", "reactions");
    box.dataset.reactionsFor = String(data.id);
    REACTIONS.forEach(function (pair) {
      var button = el("button", "reaction", pair[1] + " ");
      button.type = "button";
      button.dataset.kind = pair[0];
      button.dataset.post = String(data.id);
      var count = el("span", "count", String((data.reactions || {})[pair[0]] || 0));
      count.dataset.countFor = pair[0];
      button.appendChild(count);
      box.appendChild(button);
    });
    return box;
  }

  function talkBlock(data) {
    var box = el("div", "talk-state");
    box.dataset.talkFor = String(data.id);
    fillTalk(box, data.talk);
    return box;
  }

  function fillTalk(box, talk) {
    box.textContent = "";
    if (!talk) { return; }
    if (talk.framing_html) {
      var framing = el("div", "framing");
      framing.appendChild(el("strong", "", t("framing", "Rammen:") + " "));
      var body = el("div", "");
      body.innerHTML = talk.framing_html;  // server-rendered, nh3-sanitised
      framing.appendChild(body);
      box.appendChild(framing);
    } else {
      box.appendChild(el("p", "hint", t("awaiting_framing", "Venter på, at en peermedarbejder sætter rammen.")));
    }
    if (talk.status === "closed" && talk.summary_html) {
      var summary = el("div", "summary");
      summary.appendChild(el("strong", "", t("summary", "Opsummering:") + " "));
      var text = el("div", "");
      text.innerHTML = talk.summary_html;
      summary.appendChild(text);
      box.appendChild(summary);
    }
  }

  function buildPost(data, isComment) {
    var node = el(isComment ? "li" : "article", isComment ? "comment" : "post");
    if (data.is_staff_reply) { node.className += " staff-reply"; }
    if (data.kind === "talk_it_out") { node.className += " talk"; }
    node.id = "post-" + data.id;
    node.dataset.postId = String(data.id);
    var meta = el("p", "meta");
    var avatar = el("span", "avatar avatar-" + String(data.avatar).replace(/[^a-z]/g, ""));
    avatar.setAttribute("aria-hidden", "true");
    meta.appendChild(avatar);
    meta.appendChild(document.createTextNode(" "));
    meta.appendChild(el("strong", "", data.author));
    if (data.is_staff_reply) { meta.appendChild(el("span", "badge staff", t("staff", "Fra Sammen"))); }
    if (data.kind === "talk_it_out") { meta.appendChild(el("span", "badge", t("talk", "Snak det ud"))); }
    node.appendChild(meta);
    var body = el("div", "body");
    body.innerHTML = data.body_html;  // server-rendered, nh3-sanitised
    if (data.content_warning_topic) {
      var details = el("details", "content-warning");
      details.appendChild(el("summary", "", t("content_warning", "Indholdsadvarsel. Vis opslaget")));
      details.appendChild(body);
      node.appendChild(details);
    } else {
      node.appendChild(body);
    }
    if (data.kind === "talk_it_out") { node.appendChild(talkBlock(data)); }
    node.appendChild(reactionsBlock(data));
    if (!isComment && postUrlTemplate) {
      var actions = el("p", "actions");
      var link = el("a", "", t("replies", "Se svar"));
      link.href = postUrlTemplate.replace(/\/0\/$/, "/" + data.id + "/");
      actions.appendChild(link);
      node.appendChild(actions);
      var comments = el("ol", "comments");
      comments.dataset.commentsFor = String(data.id);
      node.appendChild(comments);
    }
    return node;
  }

  function showPublished(data) {
    var isComment = data.parent !== null;
    if (singlePost !== null) {
      if (isComment ? data.parent !== singlePost : data.id !== singlePost) { return; }
    } else if (isComment) {
      return;  // the feed shows posts; comments live on the post's page
    }
    if (!isComment && data.content_warning_topic && hiddenTopics.indexOf(data.content_warning_topic) !== -1) { return; }
    var fresh = buildPost(data, isComment);
    var existing = postElement(data.id);
    if (existing) {
      var oldComments = existing.querySelector("ol.comments");
      var newComments = fresh.querySelector("ol.comments");
      if (oldComments && newComments) { newComments.replaceWith(oldComments); }
      existing.replaceWith(fresh);
      return;
    }
    if (isComment) {
      var list = feed.querySelector('ol.comments[data-comments-for="' + data.parent + '"]');
      if (list) { list.appendChild(fresh); }
    } else {
      var empty = feed.querySelector(".empty");
      if (empty) { empty.remove(); }
      feed.insertBefore(fresh, feed.firstChild);
    }
  }

  function applyFrame(frame) {
    var data = frame.data || {};
    if (data.redacted) { return; }
    switch (frame.type) {
      case "post.published":
      case "comment.published":
        showPublished(data); break;
      case "post.withdrawn":
      case "post.removed": {
        var node = postElement(data.id);
        if (node) { node.remove(); }
        break;
      }
      case "reaction.counted": {
        var box = feed.querySelector('[data-reactions-for="' + data.post + '"]');
        if (!box) { break; }
        box.querySelectorAll("[data-count-for]").forEach(function (span) {
          span.textContent = String(data.counts[span.dataset.countFor] || 0);
        });
        break;
      }
      case "talk.framed":
      case "talk.closed": {
        var talk = feed.querySelector('[data-talk-for="' + data.post + '"]');
        if (talk) { fillTalk(talk, data.talk); }
        break;
      }
      default: break;
    }
  }

  /* One frame with a seq: apply in order, drop duplicates, resync on a gap. */
  function onSpaceFrame(frame) {
    if (frame.space !== spaceId || typeof frame.seq !== "number") { return; }
    if (frame.seq <= lastSeq) { return; }
    if (frame.seq !== lastSeq + 1) { resync(); return; }
    applyFrame(frame);
    remember(frame.seq);
  }

  function resync() {
    if (syncing) { syncAgain = true; return; }
    syncing = true;
    var page = function () {
      var url = eventsUrl + "?after_seq=" + lastSeq + "&limit=200";
      return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) { throw new Error("events " + response.status); }
          return response.json();
        })
        .then(function (body) {
          body.events.forEach(function (frame) {
            if (frame.seq === lastSeq + 1) { applyFrame(frame); remember(frame.seq); }
          });
          if (body.has_more && body.events.length) { return page(); }
          return null;
        });
    };
    page().catch(function () { /* the next reconnect or gap retries */ }).then(function () {
      syncing = false;
      if (syncAgain) { syncAgain = false; resync(); }
    });
  }

  function setPresence(frame) {
    if (frame.space !== spaceId) { return; }
    var node = document.querySelector('[data-presence-for="' + spaceId + '"]');
    if (node) { node.textContent = frame.count === 1 ? t("here_alone", "Du er her") : t("here_many", "{count} er her lige nu").replace("{count}", String(frame.count)); }
  }

  // Held posts whose card is not on the page yet (the frame can beat the API response).
  var heldWaiting = {};

  function heldNotice() {
    var template = document.getElementById("held-notice");
    if (template && template.content) { return template.content.firstElementChild.cloneNode(true); }
    return el("p", "status-line held", t("held", "En voksen fra Sammen læser dit opslag. Kun du kan se det lige nu."));
  }

  function markHeld(frame) {
    var id = (frame.data || {}).id;
    var node = postElement(id);
    if (!node) { heldWaiting[id] = true; return; }
    delete heldWaiting[id];
    var notice = heldNotice();  // includes the crisis lines, as the server renders it
    var line = node.querySelector(".status-line");
    if (line) { node.replaceChild(notice, line); } else { node.insertBefore(notice, node.children[1] || null); }
  }

  function connect() {
    if (stopped) { return; }
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + window.location.host + "/ws/community/");
    socket.onopen = function () { attempt = 0; };
    socket.onmessage = function (message) {
      var frame;
      try { frame = JSON.parse(message.data); } catch (e) { return; }
      if (frame.type === "hello" || frame.type === "resync") { resync(); return; }
      if (frame.type === "presence") { setPresence(frame); return; }
      if (frame.type === "post.held") { markHeld(frame); return; }
      onSpaceFrame(frame);
    };
    socket.onclose = function (event) {
      if (event.code === 4403) { stopped = true; return; }  // not allowed: do not hammer
      attempt += 1;
      var cap = Math.min(30000, 1000 * Math.pow(2, Math.min(attempt, 6)));
      if (event.code === 4429) { cap = 60000; }  // too many sockets open for this user
      window.setTimeout(connect, Math.random() * cap);  // full jitter
    };
  }

  /* Reactions without a page load; the form still works without JavaScript. */
  feed.addEventListener("click", function (event) {
    var button = event.target.closest("button.reaction");
    if (!button) { return; }
    var form = button.closest("form");
    var box = button.closest("[data-reactions-for]");
    if (!box || !reactionUrlTemplate) { return; }
    event.preventDefault();
    var postId = box.dataset.reactionsFor;
    fetch(reactionUrlTemplate.replace(/\/0\/reactions$/, "/" + postId + "/reactions"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify({ kind: button.dataset.kind })
    }).then(function (response) {
      if (!response.ok && form) { form.submit(); }
      else { button.classList.toggle("on"); }
    });
  });

  /* Posting without a page load: the same service as the form; the text stays on any refusal. */
  var postForm = document.querySelector("form.post-form[data-api-url]");
  if (postForm) {
    postForm.addEventListener("submit", function (event) {
      var textarea = postForm.querySelector("textarea[name=body]");
      var topic = postForm.querySelector("select[name=content_warning_topic]");
      var status = postForm.querySelector(".form-status");
      var button = postForm.querySelector("button[type=submit]");
      if (!textarea || !status) { return; }
      event.preventDefault();
      button.disabled = true;
      var text = textarea.value;
      fetch(postForm.dataset.apiUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
        body: JSON.stringify({ body: text, content_warning_topic: topic ? topic.value : "" })
      }).then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      }).then(function (result) {
        if (!result.ok) {
          status.className = "form-status form-errors";
          status.setAttribute("role", "alert");
          status.textContent = result.body.message || t("failed", "Det kunne ikke sendes. Prøv igen.");
          return;
        }
        status.className = "form-status message";
        status.setAttribute("role", "status");
        status.textContent = t("sent", "Tak. Dit opslag bliver tjekket og vises snart.");
        textarea.value = "";
        if (!postElement(result.body.id)) {
          var own = el("article", "post");
          own.id = "post-" + result.body.id;
          own.dataset.postId = String(result.body.id);
          own.appendChild(el("p", "status-line pending", t("pending", "Bliver tjekket. Kun du kan se det, indtil det er klar.")));
          var body = el("div", "body");
          body.appendChild(el("p", "", text));  // the author's own text, inserted as text
          own.appendChild(body);
          feed.insertBefore(own, feed.firstChild);
          if (heldWaiting[result.body.id]) { markHeld({ data: { id: result.body.id } }); }
        }
      }).catch(function () {
        postForm.submit();  // the network failed: fall back to the plain form, text included
      }).then(function () { button.disabled = false; });
    });
  }

  window.addEventListener("online", resync);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) { resync(); } });
  connect();
})();
