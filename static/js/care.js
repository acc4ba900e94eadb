// Clinician workspace: the copy button on the session-prep summary. Without JS the textarea
// is still there to select and copy by hand, so the button stays hidden until this runs.
(function () {
  "use strict";
  document.querySelectorAll("[data-copy-target]").forEach(function (button) {
    var target = document.getElementById(button.getAttribute("data-copy-target"));
    var status = document.querySelector("[data-copy-status]");
    if (!target || !navigator.clipboard) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(target.value).then(function () {
        if (status) { status.textContent = button.getAttribute("data-copied") || "Kopieret"; }
      }, function () {
        target.select();
      });
    });
  });
})();
