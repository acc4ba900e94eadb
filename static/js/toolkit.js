// Toolkit enhancements. Every page works without this file; it only makes things nicer.
(function () {
  "use strict";

  // Mood fields are plain number inputs (0-10) in the HTML. Here they become sliders with the
  // chosen number shown beside them, which is quicker on a phone. The number stays aria-hidden:
  // the slider itself announces its value, and a live region would repeat it on every move.
  function upgradeMoodSliders() {
    document.querySelectorAll("input[data-mood-slider]").forEach(function (input) {
      var output = input.parentElement.querySelector("output.mood-value");
      if (input.value === "") { input.value = "5"; }
      input.type = "range";
      if (!output) { return; }
      output.hidden = false;
      var show = function () { output.textContent = input.value; };
      input.addEventListener("input", show);
      show();
    });
  }

  // The print button only appears when JavaScript can open the print dialog.
  function enablePrintButtons() {
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
  }

  // In "brug nu", the arrow keys move between steps as the links do.
  function stepKeys() {
    var walk = document.querySelector("[data-use-walk]");
    if (!walk) { return; }
    document.addEventListener("keydown", function (event) {
      if (event.target && /INPUT|TEXTAREA|SELECT/.test(event.target.tagName)) { return; }
      var links = walk.querySelectorAll(".use-nav a");
      if (!links.length) { return; }
      if (event.key === "ArrowRight") { links[links.length - 1].click(); }
      if (event.key === "ArrowLeft" && links.length > 1) { links[0].click(); }
    });
  }

  upgradeMoodSliders();
  enablePrintButtons();
  stepKeys();
})();
