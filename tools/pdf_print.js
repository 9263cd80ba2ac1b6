// cnncourse tools/pdf.py: a built page made ready for paper, run in the page before printing.
//
// * Each static widget (written by _ext/book_widgets.py: sliders and stacks of frames, one
//   frame shown) gets a grid of its key frames, the first, the middle and the last, each
//   captioned "Widget N, frame i of n: slider = value", numbered through the book. The grid
//   is sized to fit one page; the sliders and the live frame are hidden in print.
// * A box wider than the printed column (a long equation, a wide table) is zoomed to fit:
//   paper cannot scroll, and what passes the margin is cut off.
// * A code cell, output or widget taller than a page starts on a new page (it breaks, but
//   it does not start half-way down a page).
(function () {
  "use strict";

  function itemsOf(stack) {
    return Array.prototype.filter.call(stack.children, function (child) {
      return child.classList.contains("cc-stack-item");
    });
  }

  /** The first slider that belongs to `root` itself (not to a stack item inside it). */
  function ownSlider(root) {
    var sliders = root.querySelectorAll("input.cc-range");
    for (var i = 0; i < sliders.length; i++) {
      var item = sliders[i].parentElement.closest(".cc-stack-item");
      if (!item || item === root || !root.contains(item)) {
        return sliders[i];
      }
    }
    return null;
  }

  /** Every frame of `root`: {path: [[name, value], ...], nodes: [stack items]}. */
  function frames(root, path) {
    var slider = ownSlider(root);
    if (!slider) {
      return [{ path: path, nodes: [root] }];
    }
    var labels = JSON.parse(slider.dataset.ccLabels);
    var label = slider.parentElement.querySelector("label");
    var name = label ? label.textContent.trim() : "value";
    var stacks = slider.dataset.ccTargets.split(" ").map(function (id) {
      return document.getElementById(id);
    }).filter(Boolean);
    var out = [];
    labels.forEach(function (value, index) {
      var items = stacks.map(function (stack) { return itemsOf(stack)[index]; })
        .filter(Boolean);
      var here = path.concat([[name, value]]);
      if (items.length === 1) {
        out = out.concat(frames(items[0], here));
      } else if (items.length) {
        out.push({ path: here, nodes: items });
      }
    });
    return out;
  }

  function keyIndices(count, wanted) {
    if (count <= wanted) {
      return Array.from({ length: count }, function (_, i) { return i; });
    }
    if (wanted === 2) {
      return [0, count - 1];
    }
    return [0, Math.floor((count - 1) / 2), count - 1];
  }

  /** A frame's content, its images loaded eagerly at their drawn size (wide variant). */
  function frameCopy(nodes) {
    var body = document.createElement("div");
    body.className = "cc-print-body";
    nodes.forEach(function (node) {
      var copy = node.cloneNode(true);
      copy.removeAttribute("hidden");
      copy.removeAttribute("id");
      copy.querySelectorAll("[hidden]").forEach(function (e) { e.removeAttribute("hidden"); });
      copy.querySelectorAll("[id]").forEach(function (e) { e.removeAttribute("id"); });
      copy.querySelectorAll(".cc-slider").forEach(function (e) { e.remove(); });
      copy.querySelectorAll("picture source").forEach(function (e) { e.remove(); });
      copy.querySelectorAll("img.cc-frame").forEach(function (img) {
        img.loading = "eager";
        img.src = img.dataset.src || img.getAttribute("src");
        // the shape of the drawn frame, not of the phone variant the original may show
        img.style.aspectRatio = img.getAttribute("width") + " / " + img.getAttribute("height");
      });
      body.appendChild(copy);
    });
    return body;
  }

  /** Columns and scale for `count` frames of `width` x `height` (+ caption) in a box. */
  function layout(count, width, height, caption, column, pageHeight, gap) {
    var best = { cols: 1, scale: 0 };
    for (var cols = 1; cols <= count; cols++) {
      var rows = Math.ceil(count / cols);
      var byWidth = (column - gap * (cols - 1)) / cols / width;
      var byHeight = ((pageHeight - gap * (rows - 1)) / rows - caption) / height;
      var scale = Math.min(1, byWidth, byHeight);
      if (scale > best.scale + 1e-6) {
        best = { cols: cols, scale: scale };
      }
    }
    return best;
  }

  /**
   * Give every widget its print grid; returns [{widget, frames, shown, scale}, ...].
   * `first` is the number of the page's first widget, `pageHeight` the printable height
   * (CSS px) a grid may take.
   */
  function widgetGrids(first, pageHeight) {
    var report = [];
    var gap = 12;
    document.querySelectorAll("[data-cc-widget]").forEach(function (widget, w) {
      var number = first + w;
      var all = frames(widget, []);
      var grid = document.createElement("div");
      grid.className = "cc-print-grid";
      widget.appendChild(grid);
      var probe = frameCopy(all[0].nodes);
      probe.style.width = "max-content";
      grid.appendChild(probe);
      var width = probe.scrollWidth;
      var height = probe.scrollHeight;
      probe.remove();
      var head = document.createElement("p");
      head.className = "cc-print-head";
      grid.appendChild(head);
      var column = grid.clientWidth;
      var caption = 34;
      var budget = pageHeight - 40;
      var wanted = Math.min(3, all.length);
      var fit = layout(wanted, width, height, caption, column, budget, gap);
      if (wanted === 3 && fit.scale < 0.7) {
        var two = layout(2, width, height, caption, column, budget, gap);
        if (two.scale > fit.scale) {
          wanted = 2;
          fit = two;
        }
      }
      var picks = keyIndices(all.length, wanted);
      head.textContent = "Widget " + number + (all.length > 1 ?
        ", printed as " + picks.length + " of its " + all.length + " frames:" : ":");
      var cells = document.createElement("div");
      cells.className = "cc-print-cells";
      cells.style.gridTemplateColumns = "repeat(" + fit.cols + ", max-content)";
      grid.appendChild(cells);
      picks.forEach(function (index) {
        var frame = all[index];
        var figure = document.createElement("figure");
        figure.className = "cc-print-frame";
        var body = frameCopy(frame.nodes);
        body.style.zoom = String(fit.scale);
        figure.appendChild(body);
        var text = document.createElement("figcaption");
        var values = frame.path.map(function (pair) { return pair[0] + " = " + pair[1]; });
        text.textContent = "Widget " + number + ", frame " + (index + 1) + " of " + all.length +
          (values.length ? ": " + values.join(", ") : "");
        text.style.maxWidth = Math.floor(width * fit.scale) + "px";
        figure.appendChild(text);
        cells.appendChild(figure);
      });
      report.push({ widget: number, frames: all.length, shown: picks.length,
                    scale: Math.round(fit.scale * 100) / 100, cols: fit.cols,
                    size: [width, height, column] });
    });
    return report;
  }

  /** The nearest ancestor laid out as a block (a paragraph, a cell, a list item). */
  function blockOf(element) {
    for (var node = element.parentElement; node; node = node.parentElement) {
      if (!/^inline/.test(getComputedStyle(node).display)) {
        return node;
      }
    }
    return document.body;
  }

  /** The content box's [left, right] of `element`, in viewport pixels. */
  function contentEdges(element) {
    var rect = element.getBoundingClientRect();
    var style = getComputedStyle(element);
    return [
      rect.left + parseFloat(style.paddingLeft) + parseFloat(style.borderLeftWidth),
      rect.right - parseFloat(style.paddingRight) - parseFloat(style.borderRightWidth),
    ];
  }

  /** Zoom every equation, table or code box wider than its room; list what was zoomed. */
  function fitWide() {
    var fixed = [];
    var page = contentEdges(document.querySelector("main") || document.body);
    var boxes = document.querySelectorAll(
      "mjx-container, table, div.highlight pre, .cc-arith svg"
    );
    boxes.forEach(function (box) {
      if (box.closest(".cc-print-grid") || !box.getClientRects().length) {
        return;
      }
      var edges = contentEdges(blockOf(box));
      var right = Math.min(edges[1], page[1]);
      var rect = box.getBoundingClientRect();
      var inline = box.tagName === "MJX-CONTAINER" && box.getAttribute("display") !== "true";
      // an inline formula may move to a line of its own; a block starts at its left edge
      var room = inline ? right - Math.max(edges[0], page[0]) : right - rect.left;
      var width = inline ? rect.width : Math.max(rect.width, box.scrollWidth);
      if (box.tagName === "MJX-CONTAINER" && !inline) {
        var math = box.querySelector("mjx-math");
        width = math ? math.getBoundingClientRect().width : width;
      }
      if (width > room + 1 && room > 0) {
        var scale = Math.max(0.5, (room - 2) / width);
        box.style.zoom = String(scale);
        fixed.push(box.tagName.toLowerCase() + " " +
                   (box.textContent || "").replace(/\s+/g, " ").slice(0, 50) +
                   " (" + Math.round(width) + " > " + Math.round(room) + " px)");
      }
    });
    return fixed;
  }

  /** A block taller than `pageHeight` starts a new page (it breaks anyway). */
  function tallBlocksStartPages(pageHeight) {
    var moved = [];
    document.querySelectorAll("div.cell_input, div.cell_output, .cc-widget, .cc-arith")
      .forEach(function (block) {
        if (block.getBoundingClientRect().height > pageHeight && !block.closest(".cc-print-grid")) {
          block.style.breakBefore = "page";
          moved.push(block.className + " " + Math.round(block.getBoundingClientRect().height) +
                     " px: " + (block.textContent || "").replace(/\s+/g, " ").trim().slice(0, 60));
        }
      });
    return moved;
  }

  window.cncPrint = {
    widgetGrids: widgetGrids,
    fitWide: fitWide,
    tallBlocksStartPages: tallBlocksStartPages,
  };
})();
