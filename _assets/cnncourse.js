// cnncourse: make the vendored widget renderer work in the static, offline book.
(function () {
  "use strict";
  // The widget renderer loads its fonts from a path it guesses from the page's URL;
  // point it at the copy served beside this file (_static/vendor/html-manager/).
  var here = document.currentScript.src;
  var staticRoot = here.slice(0, here.lastIndexOf("/") + 1);
  window.__jupyter_widgets_assets_path__ = staticRoot + "vendor/html-manager/";
  // require.js reads a global `require` object as its configuration when it loads; the
  // renderer derives its asset URLs from its module's URL, which this mapping fixes.
  window.require = {
    paths: { "@jupyter-widgets/html-manager/dist": staticRoot + "vendor/html-manager" },
  };

  // The renderer typesets widget labels with the MathJax 2 call MathJax.Hub.Queue;
  // the book runs MathJax 3. Translate that call once MathJax 3 has loaded.
  function installHubShim() {
    if (!window.MathJax || window.MathJax.Hub) {
      return;
    }
    window.MathJax.Hub = {
      Queue: function (job) {
        var element = job && job[2];
        if (element && window.MathJax.typesetPromise) {
          window.MathJax.typesetPromise([element]).catch(function () {});
        }
      },
    };
  }
  document.addEventListener("DOMContentLoaded", installHubShim);
})();
