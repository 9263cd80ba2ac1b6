// cnncourse: the static book's widgets (written at build time by _ext/book_widgets.py).
//
// A widget is sliders (<input type="range">) and stacks of items, one item shown at a time.
// A slider shows the item of its index in each stack it names (what ipywidgets' jslink
// did). When a slider switches a stack to another item, the sliders inside the new item take
// the values of the sliders in the old one where those values exist, so moving one slider
// keeps the others. Frames (<img data-src>) are fetched when their widget nears the viewport
// and only once they are shown; a frame with a phone-width variant is a <picture>.
(function () {
  "use strict";

  function isShown(element, root) {
    for (var node = element; node && node !== root; node = node.parentElement) {
      if (node.hidden) {
        return false;
      }
    }
    return true;
  }

  function loadShownFrames(widget) {
    if (!widget.hasAttribute("data-cc-near")) {
      return;
    }
    widget.querySelectorAll("img.cc-frame").forEach(function (img) {
      if (!img.getAttribute("src") && isShown(img, widget)) {
        // A frame with a phone-width variant: give its <source> its file first, so the
        // browser fetches only the one it shows.
        var source = img.parentElement.tagName === "PICTURE" ?
          img.parentElement.querySelector("source[data-srcset]") : null;
        if (source && !source.getAttribute("srcset")) {
          source.srcset = source.dataset.srcset;
        }
        img.src = img.dataset.src;
      }
    });
  }

  /** The sliders of `item` that are shown when `item` is (in document order). */
  function shownSliders(item) {
    return Array.prototype.filter.call(item.querySelectorAll("input.cc-range"), function (s) {
      return isShown(s.parentElement, item);
    });
  }

  function labelsOf(slider) {
    if (!slider._ccLabels) {
      slider._ccLabels = JSON.parse(slider.dataset.ccLabels);
    }
    return slider._ccLabels;
  }

  function select(slider, index) {
    var labels = labelsOf(slider);
    index = Math.min(Math.max(index, 0), labels.length - 1);
    slider.value = String(index);
    slider.setAttribute("aria-valuetext", labels[index]);
    var output = slider.parentElement.querySelector("output");
    if (output) {
      output.textContent = labels[index];
    }
    slider.dataset.ccTargets.split(" ").forEach(function (id) {
      var stack = document.getElementById(id);
      if (!stack) {
        return;
      }
      var items = Array.prototype.filter.call(stack.children, function (child) {
        return child.classList.contains("cc-stack-item");
      });
      var next = items[index];
      var current = items.filter(function (item) {
        return !item.hidden;
      })[0];
      if (!next || next === current) {
        return;
      }
      if (current) {
        carryValues(current, next);
        current.hidden = true;
      }
      next.hidden = false;
    });
  }

  function carryValues(from, to) {
    var olds = shownSliders(from);
    var news = shownSliders(to);
    news.forEach(function (slider, position) {
      var old = olds[position];
      if (!old) {
        return;
      }
      var label = labelsOf(old)[Number(old.value)];
      var same = labelsOf(slider).indexOf(label);
      select(slider, same >= 0 ? same : Number(old.value));
    });
  }

  function setUp(widget) {
    widget.querySelectorAll("input.cc-range").forEach(function (slider) {
      slider.addEventListener("input", function () {
        select(slider, Number(slider.value));
        loadShownFrames(widget);
      });
    });
    var near = function () {
      widget.setAttribute("data-cc-near", "");
      loadShownFrames(widget);
    };
    widget.addEventListener("focusin", near);
    widget.addEventListener("pointerdown", near);
    if ("IntersectionObserver" in window) {
      var observer = new IntersectionObserver(
        function (entries) {
          if (entries.some(function (entry) { return entry.isIntersecting; })) {
            observer.disconnect();
            near();
          }
        },
        { rootMargin: "400px 0px" }
      );
      observer.observe(widget);
    } else {
      near();
    }
  }

  function start() {
    document.querySelectorAll("[data-cc-widget]").forEach(setUp);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
