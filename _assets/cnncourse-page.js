// cnncourse: small fixes every page needs once it is drawn.
//
// Wide equations and tables scroll inside their own box (cnncourse.css). A box that scrolls
// must be reachable by keyboard, or keyboard users cannot read its hidden part: each one
// that overflows becomes focusable (tabindex 0), and stops being when it no longer does.
(function () {
  "use strict";
  var SCROLLERS =
    "mjx-container[display='true'], div.math, .cell_output, .pst-scrollable-table-container, " +
    ".table-wrapper, .cc-stack:has(> .cc-stack-item > img.cc-frame)";

  function markScrollers() {
    document.querySelectorAll(SCROLLERS).forEach(function (box) {
      var overflows = box.scrollWidth > box.clientWidth + 1;
      if (overflows && !box.hasAttribute("tabindex")) {
        box.setAttribute("tabindex", "0");
        box.dataset.ccScroller = "";
      } else if (!overflows && box.hasAttribute("data-cc-scroller")) {
        box.removeAttribute("tabindex");
        delete box.dataset.ccScroller;
      }
    });
  }

  var pending = null;
  function later() {
    clearTimeout(pending);
    pending = setTimeout(markScrollers, 150);
  }

  function start() {
    markScrollers();
    if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
      MathJax.startup.promise.then(markScrollers);
    }
    window.addEventListener("resize", later);
    document.addEventListener("load", later, true); // an image (a widget frame) arrived
    window.addEventListener("load", function () {
      markScrollers();
      if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
        MathJax.startup.promise.then(markScrollers);
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
