// cnncourse: the convolution-arithmetic explorer, drawn in the browser (no kernel needed).
//
// Along one axis, n inputs, kernel k, stride s, padding p and dilation d give
//   n_out = floor((n + 2p - d(k - 1) - 1) / s) + 1
// outputs, and output i reads the padded inputs s*i + d*a for a = 0 .. k - 1. This file
// repeats cnncourse.explorer.arithmetic_geometry, caption included (the browser test compares
// the two on every setting), and draws the padded input, the window of one output cell (taps
// on input cells orange, taps on padding zeros hatched orange on grey, input cells no output
// reads crossed out), and the output.
(function () {
  "use strict";
  if (window.cnncourseArithmetic) {
    return;
  }

  var LABELS = {
    n: "input size n",
    k: "kernel size k",
    s: "stride s",
    p: "padding p",
    d: "dilation d",
  };
  var CELL = 20;
  var SVG = "http://www.w3.org/2000/svg";
  var COLORS = { pad: "#c8c8c8", input: "#ffffff", window: "#d55e00", chosen: "#e69f00" };

  function count(number, noun) {
    return number + " " + noun + (number === 1 ? "" : "s");
  }
  var STYLE =
    ".cc-arith{display:flex;flex-wrap:wrap;gap:1rem 2rem;align-items:flex-start;margin:.5rem 0}" +
    ".cc-arith-controls{flex:1 1 17rem;max-width:25rem;min-width:0}" +
    ".cc-arith-row{display:flex;align-items:center;gap:.5rem;margin:.15rem 0}" +
    ".cc-arith-row label{flex:0 0 7.5rem;font-size:.9rem}" +
    ".cc-arith-row input{flex:1 1 auto;min-width:0;width:6rem}" +
    ".cc-arith-row output{flex:0 0 5.2rem;font-variant-numeric:tabular-nums;font-size:.9rem}" +
    ".cc-arith-formula{font-size:.9rem;margin:.6rem 0 0;white-space:pre-line}" +
    ".cc-arith-error{color:#b00020;background:#fff;border:1px solid #b00020;border-radius:4px;" +
    "padding:.4rem .6rem;margin:.6rem 0 0;font-size:.9rem;overflow-wrap:anywhere}" +
    ".cc-arith-drawing{display:flex;flex-wrap:wrap;gap:1rem;flex:1 1 20rem;min-width:0;margin:0}" +
    ".cc-arith-drawing svg{max-width:100%;height:auto;background:#fff;border-radius:4px}" +
    ".cc-arith .cc-arith-drawing figcaption{flex:1 1 100%;font-size:.85rem;color:inherit}";

  /** The explorer's geometry for values {n, k, s, p, d} and output cell [row, col]. */
  function compute(v, cell) {
    var padded = v.n + 2 * v.p;
    var span = v.d * (v.k - 1) + 1;
    var setting = "n" + v.n + " k" + v.k + " s" + v.s + " p" + v.p + " d" + v.d;
    if (span > padded) {
      return {
        nOut: null,
        padded: padded,
        cell: null,
        window: [],
        onPadding: 0,
        unread: [],
        caption:
          setting + ": no output, the dilated kernel (" + span + " cells, taps in orange) " +
          "is wider than the padded input (" + padded + " cells).",
        error:
          "kernel extent " + span + " (kernel " + v.k + ", dilation " + v.d + ") is larger " +
          "than the padded input (" + v.n + " + " + v.p + " + " + v.p + " = " + padded +
          ") along the axis (check `kernel_size`, `dilation` and `padding`)",
      };
    }
    var nOut = Math.floor((padded - span) / v.s) + 1;
    var row = Math.min(Math.max(cell[0], 0), nOut - 1);
    var col = Math.min(Math.max(cell[1], 0), nOut - 1);
    var cells = [];
    for (var a = 0; a < v.k; a++) {
      for (var b = 0; b < v.k; b++) {
        cells.push([v.s * row + v.d * a, v.s * col + v.d * b]);
      }
    }
    cells.sort(function (x, y) {
      return x[0] - y[0] || x[1] - y[1];
    });
    var inside = cells.filter(function (rc) {
      return rc[0] >= v.p && rc[0] < v.p + v.n && rc[1] >= v.p && rc[1] < v.p + v.n;
    }).length;
    var onPadding = cells.length - inside;
    // Input cells no output reads (a stride can stop the windows short of the input's end).
    var read = {};
    for (var i = 0; i < nOut; i++) {
      for (var t = 0; t < v.k; t++) {
        read[v.s * i + v.d * t] = true;
      }
    }
    var unread = [];
    for (var r = v.p; r < v.p + v.n; r++) {
      for (var c = v.p; c < v.p + v.n; c++) {
        if (!read[r] || !read[c]) unread.push([r, c]);
      }
    }
    var caption =
      setting + ": output cell (" + row + ", " + col + ") reads " +
      count(inside, "input cell") + " (orange) and " + count(onPadding, "padding zero") +
      " (hatched).";
    if (unread.length) {
      caption += " No output reads " + count(unread.length, "input cell") + " (crossed out).";
    }
    return {
      nOut: nOut,
      padded: padded,
      cell: [row, col],
      window: cells,
      onPadding: onPadding,
      unread: unread,
      caption: caption,
      error: null,
    };
  }

  function formulaText(v, g) {
    var general = "n_out = \u230a(n + 2p \u2212 d(k\u22121) \u2212 1)/s\u230b + 1";
    var filled =
      "\u230a(" + v.n + " + 2\u00b7" + v.p + " \u2212 " + v.d + "\u00b7(" + v.k + "\u22121)" +
      " \u2212 1)/" + v.s + "\u230b + 1";
    if (g.error) {
      return general + "\n= " + filled + ": no output";
    }
    return general + "\n= " + filled + " = " + g.nOut;
  }

  function svgElement(name, attributes) {
    var element = document.createElementNS(SVG, name);
    Object.keys(attributes).forEach(function (key) {
      element.setAttribute(key, attributes[key]);
    });
    return element;
  }

  /** An SVG of rows x cols cells coloured by fill(r, c), with a title above. */
  function grid(rows, cols, fill, title) {
    var margin = 4;
    var top = 22;
    var width = Math.max(cols * CELL, 7.2 * title.length) + 2 * margin;
    var svg = svgElement("svg", {
      viewBox: "0 0 " + width + " " + (rows * CELL + top + margin),
      width: width,
      height: rows * CELL + top + margin,
      role: "img",
    });
    svg.appendChild(svgElement("rect", { x: 0, y: 0, width: "100%", height: "100%", fill: "#fff" }));
    var label = svgElement("text", { x: margin, y: 15, "font-size": 13, fill: "#222" });
    label.textContent = title;
    svg.appendChild(label);
    for (var r = 0; r < rows; r++) {
      for (var c = 0; c < cols; c++) {
        svg.appendChild(
          svgElement("rect", {
            x: margin + c * CELL,
            y: top + r * CELL,
            width: CELL,
            height: CELL,
            fill: fill(r, c),
            stroke: "#555",
            "stroke-width": 0.8,
            "data-cell": r + "," + c,
          })
        );
      }
    }
    return svg;
  }

  function describeWindow(g) {
    var rows = [];
    var cols = [];
    g.window.forEach(function (rc) {
      if (rows.indexOf(rc[0]) < 0) rows.push(rc[0]);
      if (cols.indexOf(rc[1]) < 0) cols.push(rc[1]);
    });
    return "rows " + rows.join(", ") + " and columns " + cols.join(", ");
  }

  function mount(root) {
    if (!root || root.dataset.mounted) {
      return;
    }
    root.dataset.mounted = "1";
    if (!document.getElementById("cc-arith-style")) {
      var style = document.createElement("style");
      style.id = "cc-arith-style";
      style.textContent = STYLE;
      document.head.appendChild(style);
    }
    var config = JSON.parse(root.dataset.config);
    var values = {};
    var cell = [0, 0];
    var sliders = {};
    var readouts = {};
    root.textContent = "";

    var controls = document.createElement("div");
    controls.className = "cc-arith-controls";
    Object.keys(LABELS).concat(["cell"]).forEach(function (name) {
      var row = document.createElement("div");
      row.className = "cc-arith-row";
      var id = root.id + "-" + name;
      var label = document.createElement("label");
      label.htmlFor = id;
      label.textContent = name === "cell" ? "output cell" : LABELS[name];
      var input = document.createElement("input");
      input.type = "range";
      input.id = id;
      input.step = 1;
      input.dataset.name = name;
      if (name !== "cell") {
        input.min = config.ranges[name][0];
        input.max = config.ranges[name][1];
        input.value = config.initial[name];
        values[name] = config.initial[name];
      } else {
        input.min = 0;
        input.max = 0;
        input.value = 0;
      }
      var output = document.createElement("output");
      output.htmlFor = id;
      row.appendChild(label);
      row.appendChild(input);
      row.appendChild(output);
      controls.appendChild(row);
      sliders[name] = input;
      readouts[name] = output;
    });
    var formula = document.createElement("p");
    formula.className = "cc-arith-formula";
    formula.setAttribute("aria-live", "polite");
    var error = document.createElement("p");
    error.className = "cc-arith-error";
    error.setAttribute("role", "alert");
    controls.appendChild(formula);
    controls.appendChild(error);

    var drawing = document.createElement("figure");
    drawing.className = "cc-arith-drawing";
    root.appendChild(controls);
    root.appendChild(drawing);

    function setReadout(name, text) {
      readouts[name].textContent = text;
      sliders[name].setAttribute("aria-valuetext", text);
    }

    function draw() {
      var g = compute(values, cell);
      var setting =
        "n" + values.n + " k" + values.k + " s" + values.s + " p" + values.p + " d" + values.d;
      Object.keys(LABELS).forEach(function (name) {
        setReadout(name, name + " = " + values[name]);
      });
      formula.textContent = formulaText(values, g);
      root.dataset.setting = setting;
      drawing.textContent = "";
      var inWindow = {};
      g.window.forEach(function (rc) {
        inWindow[rc[0] + "," + rc[1]] = true;
      });
      var p = values.p;
      var n = values.n;
      var hatch = root.id + "-hatch";
      var input = grid(
        g.padded,
        g.padded,
        function (r, c) {
          var inside = r >= p && r < p + n && c >= p && c < p + n;
          if (inWindow[r + "," + c]) return inside ? COLORS.window : "url(#" + hatch + ")";
          return inside ? COLORS.input : COLORS.pad;
        },
        "input " + n + "\u00d7" + n + ", padding " + p
      );
      // A tap on a padding zero: orange stripes on the padding's grey.
      var pattern = svgElement("pattern", {
        id: hatch,
        patternUnits: "userSpaceOnUse",
        width: 6,
        height: 6,
        patternTransform: "rotate(45)",
      });
      pattern.appendChild(svgElement("rect", { width: 6, height: 6, fill: COLORS.pad }));
      pattern.appendChild(svgElement("rect", { width: 3, height: 6, fill: COLORS.window }));
      var defs = svgElement("defs", {});
      defs.appendChild(pattern);
      input.insertBefore(defs, input.firstChild);
      // Input cells that no output reads: greyed and crossed out.
      g.unread.forEach(function (rc) {
        var x0 = 4 + rc[1] * CELL;
        var y0 = 22 + rc[0] * CELL;
        var shade = svgElement("rect", {
          x: x0, y: y0, width: CELL, height: CELL, fill: "#000", "fill-opacity": 0.12,
          "data-unread": rc[0] + "," + rc[1],
        });
        input.appendChild(shade);
        input.appendChild(svgElement("path", {
          d: "M" + (x0 + 3) + " " + (y0 + 3) + "L" + (x0 + CELL - 3) + " " + (y0 + CELL - 3) +
            "M" + (x0 + CELL - 3) + " " + (y0 + 3) + "L" + (x0 + 3) + " " + (y0 + CELL - 3),
          stroke: "#555", "stroke-width": 1.2,
        }));
      });
      input.setAttribute("data-part", "input");
      drawing.appendChild(input);
      var caption = document.createElement("figcaption");
      if (g.error) {
        error.hidden = false;
        error.textContent = "ValueError: " + g.error;
        sliders.cell.disabled = true;
        sliders.cell.max = 0;
        setReadout("cell", "none");
        input.setAttribute(
          "aria-label",
          "Padded input " + g.padded + " by " + g.padded + "; the kernel does not fit, no output."
        );
        var span = values.d * (values.k - 1) + 1;
        var kernel = grid(
          1,
          span,
          function (r, c) {
            return c % values.d === 0 ? COLORS.window : COLORS.input;
          },
          "kernel " + values.k + ", dilation " + values.d + ": extent " + span
        );
        kernel.setAttribute(
          "aria-label",
          "The dilated kernel spans " + span + " cells, more than the " + g.padded +
            " cells of the padded input."
        );
        kernel.setAttribute("data-part", "kernel");
        drawing.appendChild(kernel);
        caption.textContent = g.caption;
      } else {
        error.hidden = true;
        error.textContent = "";
        cell = g.cell;
        sliders.cell.disabled = false;
        sliders.cell.max = g.nOut * g.nOut - 1;
        sliders.cell.value = cell[0] * g.nOut + cell[1];
        setReadout("cell", "(" + cell[0] + ", " + cell[1] + ")");
        var output = grid(
          g.nOut,
          g.nOut,
          function (r, c) {
            return r === cell[0] && c === cell[1] ? COLORS.chosen : COLORS.input;
          },
          "output " + g.nOut + "\u00d7" + g.nOut
        );
        output.setAttribute(
          "aria-label",
          "Output " + g.nOut + " by " + g.nOut + " with cell (" + cell[0] + ", " + cell[1] +
            ") chosen."
        );
        output.addEventListener("click", function (event) {
          var target = event.target.getAttribute("data-cell");
          if (target) {
            cell = target.split(",").map(Number);
            draw();
          }
        });
        input.setAttribute(
          "aria-label",
          "Padded input " + g.padded + " by " + g.padded + " (padding " + p + " in grey); " +
            "output cell (" + cell[0] + ", " + cell[1] + ") reads the orange cells and the " +
            "hatched padding cells, " + describeWindow(g) + "."
        );
        output.setAttribute("data-part", "output");
        drawing.appendChild(output);
        caption.textContent = g.caption;
      }
      drawing.appendChild(caption);
    }

    Object.keys(sliders).forEach(function (name) {
      sliders[name].addEventListener("input", function () {
        var value = Number(sliders[name].value);
        if (name === "cell") {
          var nOut = compute(values, cell).nOut;
          cell = [Math.floor(value / nOut), value % nOut];
        } else {
          values[name] = value;
        }
        draw();
      });
    });
    draw();
  }

  window.cnncourseArithmetic = { compute: compute, formulaText: formulaText, mount: mount };
})();
