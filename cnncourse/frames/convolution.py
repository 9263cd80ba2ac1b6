"""Frames of the interactive figures, §9.1: flip and shift, channels, Figure 9.1, arithmetic."""

import numpy as np

from .. import signal
from .._optional import require
from ..plotting import COLORS, show_grid, show_image


def flip_shift_terms(x, w, t):
    """The three curves of the flip-and-shift picture at output index ``t``.

    For the full discrete convolution (9.3), :math:`s(t) = \\sum_a x(a)\\, w(t - a)`:

    * ``shifted[a] = w(t - a)``: the kernel flipped about zero and slid to ``t``;
    * ``product[a] = x(a) w(t - a)``;
    * ``s_t = sum(product)``, which equals ``convolve(x, w)[t]``.

    Parameters
    ----------
    x, w : 1-D array_like
    t : int
        Index into the full convolution, ``0 <= t < len(x) + len(w) - 1``.

    Returns
    -------
    shifted, product : numpy.ndarray, shape (len(x),)
    s_t : float

    Examples
    --------
    >>> shifted, product, s_t = flip_shift_terms([1.0, 2.0, 3.0], [1.0, 0.5], 1)
    >>> shifted, s_t
    (array([0.5, 1. , 0. ]), 2.5)
    """
    x, w = np.asarray(x, dtype=float), np.asarray(w, dtype=float)
    last = len(x) + len(w) - 2
    if not (isinstance(t, int | np.integer) and 0 <= t <= last):
        raise ValueError(f"`t` must be an integer from 0 to {last}, got {t!r}")
    a = np.arange(len(x))
    tap = t - a
    inside = (tap >= 0) & (tap < len(w))
    shifted = np.zeros(len(x))
    shifted[inside] = w[tap[inside]]
    product = x * shifted
    return shifted, product, float(product.sum())


def flip_axis_limits(n_x, n_w, spacing=1.0, x_start=0.0, w_start=0.0, t_last=None):
    """The range of ``a`` that holds ``x(a)``, ``w(a)`` and every ``w(t - a)`` of (9.3).

    With samples ``x(x_start + i h)``, ``i < n_x``, and ``w(w_start + j h)``, ``j < n_w``,
    the flipped, shifted kernel :math:`w(t - a)` lives on
    :math:`[t - w_\\text{end},\\ t - w_\\text{start}]`, and ``t`` runs over
    :math:`[x_\\text{start} + w_\\text{start},\\ x_\\text{end} + w_\\text{end}]`. The returned
    interval covers all of these, so the whole kernel, peak included, stays in view for
    every ``t``. With ``t_last`` (a value of ``t``), only ``t <= t_last`` is covered: a widget
    whose slider stops there.

    Returns
    -------
    (float, float)
        ``(low, high)``; ``low`` is negative whenever the flipped kernel reaches below zero.

    Examples
    --------
    >>> flip_axis_limits(4, 3)
    (-2.0, 5.0)
    >>> flip_axis_limits(4, 3, t_last=3.0)
    (-2.0, 3.0)
    """
    x_end = x_start + spacing * (n_x - 1)
    w_end = w_start + spacing * (n_w - 1)
    t_end = x_end + w_end if t_last is None else t_last
    low = min(x_start, w_start, x_start + w_start - w_end)
    high = max(x_end, w_end, t_end - w_start)
    return float(low), float(high)


def flipped_kernel_curve(w, t_value, spacing=1.0, w_start=0.0):
    """The points of :math:`a \\mapsto w(t - a)` for a sampled kernel (the bold curve).

    The sample ``w_j = w(w_start + j h)`` lands at :math:`a = t - (w_\\text{start} + j h)`, so
    the curve is the kernel reversed (flipped about zero) and moved by ``t``.

    Returns
    -------
    a, values : numpy.ndarray
        Positions in increasing order and the kernel values there.

    Examples
    --------
    >>> flipped_kernel_curve([3.0, 2.0, 1.0], 5.0)
    (array([3., 4., 5.]), array([1., 2., 3.]))
    """
    w = np.asarray(w, dtype=float)
    positions = t_value - (w_start + spacing * np.arange(len(w)))
    return positions[::-1], w[::-1]


def flip_output_limit(x, w, spacing=1.0):
    """A bound on :math:`|s(t)|` that does not depend on where :math:`s` peaks.

    .. math::

        |s(t)| = h\\,\\Big|\\sum_a x(a)\\, w(t - a)\\Big|
        \\le h\\, \\min\\big(\\|x\\|_1 \\max|w|,\\ \\|w\\|_1 \\max|x|\\big),

    so the flip widget can fix its output axis in advance: an axis scaled to the curve
    would tell the reader how high :math:`s` gets before they have predicted it.

    Examples
    --------
    >>> flip_output_limit([1.0, 1.0, 1.0], [1.0, 0.5])
    1.5
    """
    x, w = np.abs(np.asarray(x, dtype=float)), np.abs(np.asarray(w, dtype=float))
    return float(spacing * min(x.sum() * w.max(), w.sum() * x.max()))


#: The flip frame's width in inches. At the widgets' 80 dpi, 352 px, inside a phone's 358.
FLIP_WIDTH = 4.4


def flip_product_limits(x, w):
    """The middle panel's y-range, the same for every ``t``: it holds every product.

    .. math::

        \\min(0, m) \\le x(a)\\, w(t - a) \\le \\max(0, M), \\qquad
        m, M = \\min, \\max \\text{ of } x_i w_j,

    padded by 5 % so that the curve does not touch the frame.

    Examples
    --------
    >>> flip_product_limits([0.0, 1.0], [1.0, 0.5])
    (-0.05, 1.05)
    """
    products = np.outer(np.asarray(x, dtype=float), np.asarray(w, dtype=float))
    low, high = min(0.0, products.min()), max(0.0, products.max())
    pad = 0.05 * ((high - low) or 1.0)
    return float(low - pad), float(high + pad)


def draw_flip_frame(x, w, t, spacing=1.0, x_start=0.0, w_start=0.0, reveal=None, last=None):
    """Draw the flip-and-shift picture of (9.1)/(9.3) at output index ``t``.

    Top: the input :math:`x(a)`, the kernel :math:`w(a)` (faint) and the kernel flipped and
    slid to ``t``, :math:`w(t - a)` (bold), on an axis that includes negative ``a`` (see
    ``flip_axis_limits``). Middle: the product :math:`x(a)\\,w(t - a)`, on the same axis in
    every frame (``flip_product_limits``). The figure is ``FLIP_WIDTH`` = 4.4 in wide, so
    that it fits a phone at the widgets' 80 dpi, and the peak is marked without its
    height (an exercise asks for it). Bottom: the
    output :math:`s` built up to ``t`` and nothing beyond it, on an axis fixed by
    ``flip_output_limit`` (so the frame does not give away where :math:`s` peaks). The
    signals are samples ``x(x_start + i h)`` and ``w(w_start + j h)`` with spacing ``h``;
    ``s(t)`` is ``h * sum`` (a Riemann sum of (9.1)).

    Parameters
    ----------
    reveal : bool, optional
        Draw the whole output curve and mark its maximum (the answer to "where does
        :math:`s` peak?"). Default: only at ``t == last``.
    last : int, optional
        The last output index a slider reaches (default: the end of the full output,
        ``len(x) + len(w) - 2``). The axes and the revealed curve stop there, so a kernel
        stored on a finite interval is not drawn where its cut-off would show.

    Returns
    -------
    matplotlib.figure.Figure
    """
    plt = require("matplotlib.pyplot", "book", "cnncourse.frames.convolution")

    x, w = np.asarray(x, dtype=float), np.asarray(w, dtype=float)
    a = x_start + spacing * np.arange(len(x))
    _, product, s_t = flip_shift_terms(x, w, t)
    s = spacing * signal.convolve(x, w)
    t_axis = x_start + w_start + spacing * np.arange(len(s))
    last = len(s) - 1 if last is None else int(last)
    if not t <= last < len(s):
        raise ValueError(f"`last` must be from t = {t} to {len(s) - 1}, got {last}")
    s, t_axis = s[: last + 1], t_axis[: last + 1]
    t_value = t_axis[t]
    kernel_a = w_start + spacing * np.arange(len(w))
    flipped_a, flipped_w = flipped_kernel_curve(w, t_value, spacing, w_start)
    low, high = flip_axis_limits(len(x), len(w), spacing, x_start, w_start, t_axis[-1])
    margin = 0.02 * (high - low)

    fig, axes = plt.subplots(
        3, 1, figsize=(FLIP_WIDTH, 5.6), facecolor="white", sharex=True,
        gridspec_kw={"height_ratios": [1.3, 1, 1], "hspace": 0.62},
    )  # fmt: skip
    top, middle, bottom = axes
    top.plot(a, x, color=COLORS["input"], lw=2, label="input $x(a)$")
    top.plot(kernel_a, w, color=COLORS["kernel"], lw=1.2, ls="--", alpha=0.45,
             label="kernel $w(a)$")  # fmt: skip
    top.plot(flipped_a, flipped_w, color=COLORS["kernel"], lw=2.6,
             label="flipped, slid: $w(t-a)$")  # fmt: skip
    top.axvline(0, color="black", lw=0.6)
    top.axvline(t_value, color=COLORS["muted"], lw=1, ls=":")
    right_half = t_value > (low + high) / 2  # keep the label inside the axes
    top.text(t_value, 0.97, f" a = t = {t_value:.2f} ", transform=top.get_xaxis_transform(),
             ha="right" if right_half else "left", va="top", fontsize=8.5,
             color="#444444")  # fmt: skip
    top.set_ylim(min(0.0, x.min(), w.min()) - 0.05, 1.3 * max(x.max(), w.max(), 1e-12))
    top.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), fontsize=8.5, ncol=2, frameon=False,
               borderaxespad=0.1, handlelength=1.4, columnspacing=0.8)  # fmt: skip
    top.set_ylabel("value", fontsize=9)
    middle.fill_between(a, product, color=COLORS["product"], alpha=0.5)
    middle.plot(a, product, color=COLORS["product"], lw=1.5)
    middle.set_ylim(*flip_product_limits(x, w))  # the same axis in every frame
    middle.set_ylabel("$x(a)\\,w(t-a)$", fontsize=9)
    middle.set_title(f"multiply, add: area = s({t_value:.2f}) = {spacing * s_t:.3f}",
                     fontsize=9)  # fmt: skip
    if reveal is None:
        reveal = t == len(s) - 1
    shown = len(s) if reveal else t + 1  # no part of s beyond t until the answer is asked for
    bottom.plot(t_axis[:shown], s[:shown], color=COLORS["output"], lw=2, label="s so far")
    bottom.scatter([t_value], [spacing * s_t], color=COLORS["output"], zorder=3)
    bound = flip_output_limit(x, w, spacing)
    bottom.set_ylim(-0.05 * bound if s.min() >= 0 else -1.05 * bound, 1.05 * bound)
    if reveal:
        peak = int(np.argmax(s))
        bottom.scatter([t_axis[peak]], [s[peak]], marker="*", s=140, zorder=4,
                       color=COLORS["highlight"], edgecolor="black", lw=0.6)  # fmt: skip
        bottom.annotate("peak", (t_axis[peak], s[peak]), xytext=(10, 2),
                        textcoords="offset points", fontsize=9)  # fmt: skip
    bottom.set_ylabel("$s(t)$", fontsize=9)
    bottom.set_xlabel("$a$ (top two panels), $t$ (bottom)", fontsize=9)
    for ax in axes:
        ax.set_xlim(low - margin, high + margin)
        ax.tick_params(labelsize=8.5)
        ax.grid(alpha=0.3)
    return fig


#: The map for signed values (kernels, outputs). Diverging, white at zero, red > 0, blue < 0.
KERNEL_CMAP = "RdBu_r"


def flip_2d_terms(image, kernel, i, j):
    """One output of the 2-D valid convolution (9.4): the flipped kernel over a window.

    .. math::

        S(i, j) = \\sum_{m, n} I(i + m, j + n)\\, \\tilde K(m, n), \\qquad
        \\tilde K = \\operatorname{flip}(K)

    Returns
    -------
    window : numpy.ndarray
        The image patch under the flipped kernel.
    value : float
        ``S(i, j)``, equal to ``convolve(image, kernel, "valid")[i, j]``.
    """
    image, kernel = np.asarray(image, dtype=float), np.asarray(kernel, dtype=float)
    kh, kw = kernel.shape
    window = image[i : i + kh, j : j + kw]
    return window, float((window * signal.flip(kernel)).sum())


def flip_2d_progress(image, kernel, step):
    """The valid convolution (9.4) after ``step + 1`` outputs, computed in raster order.

    Returns
    -------
    out : numpy.ndarray
        The whole valid output ``convolve(image, kernel, "valid")``.
    done : numpy.ndarray of bool, same shape
        The outputs computed so far (the first ``step + 1`` in row-major order).
    """
    out = signal.convolve(np.asarray(image, dtype=float), np.asarray(kernel, dtype=float),
                          mode="valid")  # fmt: skip
    if not (isinstance(step, int | np.integer) and 0 <= step < out.size):
        raise ValueError(f"`step` must be an integer from 0 to {out.size - 1}, got {step!r}")
    done = np.zeros(out.shape, dtype=bool)
    done.flat[: step + 1] = True
    return out, done


def draw_flip_2d_frame(image, kernel, step):
    """The flipped kernel sliding over an image, ``step + 1`` outputs of (9.4) computed.

    Four panels: the image with the window under the kernel, the kernel :math:`K`, the
    flipped kernel :math:`K(-m, -n)` that multiplies the window, and the output so far.
    Outputs not computed yet are left blank; the last step fills every cell.

    Returns
    -------
    matplotlib.figure.Figure
    """
    patches = require("matplotlib.patches", "book", "cnncourse.frames.convolution")
    plt = require("matplotlib.pyplot", "book", "cnncourse.frames.convolution")

    image, kernel = np.asarray(image, dtype=float), np.asarray(kernel, dtype=float)
    out, done = flip_2d_progress(image, kernel, step)
    i, j = np.unravel_index(step, out.shape)
    fig, axes = plt.subplots(
        1, 4, figsize=(10, 3.2), facecolor="white",
        gridspec_kw={"width_ratios": [1.1, 0.7, 0.7, 1.35], "wspace": 0.22},
    )  # fmt: skip
    kh, kw = kernel.shape
    show_image(image, axes[0], title=f"image I, window at ({i}, {j})")
    axes[0].add_patch(
        patches.Rectangle(
            (j - 0.5, i - 0.5), kw, kh, fill=False, lw=2.5, edgecolor=COLORS["highlight"]
        )
    )
    kernel_limit = np.abs(kernel).max() or 1.0  # diverging, centred at zero, as the output
    for ax, shown_kernel, title in [
        (axes[1], kernel, "kernel $K(m, n)$"),
        (axes[2], signal.flip(kernel), "flipped $K(-m, -n)$"),
    ]:
        show_grid(shown_kernel, ax, cmap=None, title=title, fontsize=9)
        ax.imshow(shown_kernel, cmap=KERNEL_CMAP, vmin=-kernel_limit, vmax=kernel_limit,
                  alpha=0.6, extent=(-0.5, kw - 0.5, kh - 0.5, -0.5))  # fmt: skip
    limit = np.abs(out).max() or 1.0
    shown = np.ma.masked_array(out, mask=~done)  # masked cells stay blank
    axes[3].imshow(shown, cmap=KERNEL_CMAP, vmin=-limit, vmax=limit, interpolation="nearest")
    for (r, c), value in np.ndenumerate(out):
        if done[r, c]:
            text = f"{value:.1f}".replace("-0.0", "0.0")
            ink = "white" if abs(value) > 0.6 * limit else "black"  # readable on dark cells
            axes[3].text(c, r, text, ha="center", va="center", fontsize=9, color=ink)
    axes[3].add_patch(
        patches.Rectangle(
            (j - 0.5, i - 0.5), 1, 1, fill=False, lw=2.5, edgecolor=COLORS["highlight"]
        )
    )
    axes[3].set_xticks([])
    axes[3].set_yticks([])
    axes[3].set_title(f"output S({i}, {j}) = {out[i, j]:.2f}", fontsize=10)
    return fig


def channel_terms(input, weight):
    """The per-pair maps of a multi-channel layer: one 2-D cross-correlation (9.6) each.

    .. math::

        T[o, c] = X_c \\star K_{o, c}, \\qquad
        Z_o = b_o + \\sum_{c} T[o, c],

    so output channel ``o`` of ``conv2d(input[None], weight, bias)`` is the sum over input
    channels of ``terms[o]``, plus the bias.

    Parameters
    ----------
    input : array_like, shape (C_in, H, W)
    weight : array_like, shape (C_out, C_in, kH, kW)

    Returns
    -------
    numpy.ndarray, shape (C_out, C_in, H - kH + 1, W - kW + 1)

    Examples
    --------
    >>> x = np.arange(8.0).reshape(2, 2, 2)
    >>> channel_terms(x, np.ones((1, 2, 1, 1)))[0].sum(axis=0)
    array([[ 4.,  6.],
           [ 8., 10.]])
    """
    x, w = np.asarray(input, dtype=float), np.asarray(weight, dtype=float)
    if x.ndim != 3 or w.ndim != 4 or w.shape[1] != x.shape[0]:
        raise ValueError(
            "`input` must have shape (C_in, H, W) and `weight` (C_out, C_in, kH, kW) with the "
            f"same C_in, got {x.shape} and {w.shape}"
        )
    return np.array(
        [[signal.correlate(x[c], w[o, c], mode="valid") for c in range(w.shape[1])]
         for o in range(w.shape[0])]
    )  # fmt: skip


#: The channels figure's font size in points. About 9 CSS px once the figure is scaled to a
#: phone's 358 px column (see the test).
FONT = 15


def draw_channels_figure(input, weight, bias=None, input_names=None, output_names=None):
    """A multi-channel layer drawn as a table of (output, input) channel pairs.

    Top row: the input channels :math:`X_c`. Row ``o`` below: for each input channel, the
    kernel :math:`K_{o, c}` (numbers) and the map :math:`K_{o, c} \\star X_c`; at the end of
    the row, their sum plus :math:`b_o`, which is output channel :math:`Z_o`. Maps in one
    row share a colour scale, so their sizes compare.

    Parameters
    ----------
    input : array_like, shape (C_in, H, W)
    weight : array_like, shape (C_out, C_in, kH, kW)
    bias : array_like, shape (C_out,), optional
    input_names : list of str, optional
    output_names : list of str, optional
        Accepted for the caller's record; the panels say "output o" (the figure's caption
        names the outputs), which keeps the figure narrow enough for a phone.

    Returns
    -------
    matplotlib.figure.Figure
    """
    plt = require("matplotlib.pyplot", "book", "cnncourse.frames.convolution")

    x, w = np.asarray(input, dtype=float), np.asarray(weight, dtype=float)
    terms = channel_terms(x, w)
    c_out, c_in = w.shape[:2]
    b = np.zeros(c_out) if bias is None else np.asarray(bias, dtype=float)
    outputs = terms.sum(axis=1) + b[:, None, None]
    input_names = input_names or [f"$X_{{{c}}}$" for c in range(c_in)]
    output_names = output_names or [f"$Z_{{{o}}}$" for o in range(c_out)]
    panel, kernel_box, sign, margin = 1.0, 0.85, 0.3, 0.1  # inches: narrow, for a phone
    ratio = x.shape[1] / x.shape[2]
    row_height = panel * ratio + 0.7
    block = kernel_box + 0.08 + panel
    width = 2 * margin + c_in * block + c_in * sign + panel
    height = 2 * margin + (1 + c_out) * row_height
    fig = plt.figure(figsize=(width, height), facecolor="white")

    def place(left, bottom, w_in, h_in):
        return fig.add_axes([left / width, bottom / height, w_in / width, h_in / height])

    def map_left(c):
        return margin + c * (block + sign) + kernel_box + 0.08

    top = height - margin - row_height
    for c in range(c_in):
        ax = place(map_left(c), top, panel, panel * ratio)
        show_image(x[c], ax)
        ax.set_title(f"input {input_names[c]}", fontsize=FONT)
    if c_in == 3:  # three channels: show them together as a colour image
        ax = place(map_left(c_in) - kernel_box - 0.08, top, panel, panel * ratio)
        ax.imshow(np.clip(x.transpose(1, 2, 0), 0, 1), interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title("together", fontsize=FONT)
    for o in range(c_out):
        bottom = top - (o + 1) * row_height
        limit = np.abs(terms[o]).max() or 1.0
        for c in range(c_in):
            ax_k = place(margin + c * (block + sign), bottom + (panel * ratio - kernel_box) / 2,
                         kernel_box, kernel_box)  # fmt: skip
            show_grid(w[o, c] + 0.0, ax_k, cmap=None, fontsize=FONT)  # + 0.0: no "-0"
            ax_k.set_title(f"$K_{{{o},{c}}}$", fontsize=FONT)
            ax = place(map_left(c), bottom, panel, panel * ratio)
            ax.imshow(terms[o, c], cmap="RdBu_r", vmin=-limit, vmax=limit,
                      interpolation="nearest")  # fmt: skip
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_title(f"$K_{{{o},{c}}}$ \u2605 {input_names[c]}", fontsize=FONT)  # a star
            symbol = "=" if c == c_in - 1 else "+"
            fig.text((map_left(c) + panel + sign / 2) / width,
                     (bottom + panel * ratio / 2) / height, symbol, ha="center",
                     va="center", fontsize=18)  # fmt: skip
        ax = place(map_left(c_in) - kernel_box - 0.08, bottom, panel, panel * ratio)
        out_limit = np.abs(outputs[o]).max() or 1.0
        ax.imshow(outputs[o], cmap="RdBu_r", vmin=-out_limit, vmax=out_limit,
                  interpolation="nearest")  # fmt: skip
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(f"output {o}:\nsum $+\\ b_{{{o}}}$", fontsize=FONT)  # fmt: skip
    return fig


def valid_window(i, j, kernel_shape):
    """Input cells read by output ``(i, j)`` of a valid cross-correlation (9.6).

    :math:`S(i, j) = \\sum_{m, n} I(i + m, j + n)\\, K(m, n)` reads the
    ``kernel_shape`` block whose top-left cell is ``(i, j)``.

    Returns
    -------
    list of (int, int)
        ``(row, col)`` of every cell in the window, row by row.

    Examples
    --------
    >>> valid_window(1, 2, (2, 2))
    [(1, 2), (1, 3), (2, 2), (2, 3)]
    """
    rows = window_cells(i, kernel_shape[0], stride=1, dilation=1)
    cols = window_cells(j, kernel_shape[1], stride=1, dilation=1)
    return [(r, c) for r in rows for c in cols]


def expression_text(expression, terms_per_line=2):
    """``a*w + b*x + e*y + f*z`` as ``"aw + bx\\n+ ey + fz"``: short lines that fit a cell."""
    terms = [str(term).replace("*", "") for term in expression.as_ordered_terms()]
    lines = [
        " + ".join(terms[k : k + terms_per_line]) for k in range(0, len(terms), terms_per_line)
    ]
    return "\n+ ".join(lines)


def draw_figure_9_1_frame(input_symbols, kernel_symbols, position):
    """Figure 9.1: one output of the valid cross-correlation (9.6) and the window it reads.

    The input (top left) has the window under the kernel outlined; the kernel sits top
    right; an arrow joins the window to the output cell it produces (bottom), and every
    output shows its expression, computed by :func:`cnncourse.correlate`.

    Parameters
    ----------
    input_symbols, kernel_symbols : numpy.ndarray of sympy symbols, 2-D
    position : int
        Which output, in row-major order.

    Returns
    -------
    matplotlib.figure.Figure
    """
    patches = require("matplotlib.patches", "book", "cnncourse.frames.convolution")
    plt = require("matplotlib.pyplot", "book", "cnncourse.frames.convolution")

    output = signal.correlate(input_symbols, kernel_symbols, mode="valid")
    i, j = np.unravel_index(position, output.shape)
    kh, kw = kernel_symbols.shape
    cells = np.vectorize(expression_text, otypes=[object])(output)
    rows, cols = input_symbols.shape
    out_rows, out_cols = output.shape
    cell, margin, gap = 0.85, 0.35, 0.8  # inches: every grid uses the same cell size
    width = margin + cell * (cols + 1 + kw) + margin
    height = margin + cell * (rows + out_rows) + gap + margin
    fig = plt.figure(figsize=(width, height), facecolor="white")

    def place(left, bottom, n_rows, n_cols):
        box = [left / width, bottom / height, n_cols * cell / width, n_rows * cell / height]
        return fig.add_axes(box)

    top = height - margin - cell * rows
    ax_in = place(margin, top, rows, cols)
    ax_k = place(margin + cell * (cols + 1), top + cell * (rows - kh) / 2, kh, kw)
    # under the input, shifted so that each output sits below the centre of its window
    ax_out = place(margin + cell * (kw - 1) / 2, margin, out_rows, out_cols)
    show_grid(input_symbols, ax_in, title="input", fontsize=13)
    for r, c in valid_window(i, j, kernel_symbols.shape):
        ax_in.add_patch(patches.Rectangle((c - 0.5, r - 0.5), 1, 1, color=COLORS["highlight"],
                                          alpha=0.35, zorder=0))  # fmt: skip
    ax_in.add_patch(patches.Rectangle((j - 0.5, i - 0.5), kw, kh, fill=False, lw=2.5,
                                      edgecolor=COLORS["kernel"], zorder=3))  # fmt: skip
    show_grid(kernel_symbols, ax_k, title="kernel", fontsize=13)
    ax_k.add_patch(patches.Rectangle((-0.5, -0.5), kw, kh, fill=False, lw=2.5,
                                     edgecolor=COLORS["kernel"], zorder=3))  # fmt: skip
    show_grid(cells, ax_out, highlight=[(i, j)], fontsize=10, highlight_color=COLORS["kernel"])
    # the label at the right of the outputs: the arrow may pass under them
    ax_out.text(out_cols - 0.5 + 0.15, (out_rows - 1) / 2, "output (valid)", fontsize=10,
                ha="left", va="center")  # fmt: skip
    ax_out.add_patch(patches.Rectangle((j - 0.5, i - 0.5), 1, 1, color=COLORS["highlight"],
                                       alpha=0.35, zorder=0))  # fmt: skip
    # the arrow belongs to the outputs' axes (in their data coordinates), so that a layout
    # that moves the input and the outputs together (a phone's) moves it with them
    to_data = fig.dpi_scale_trans + ax_out.transData.inverted()
    route = _figure_9_1_route(fig, ax_in, ax_out, (i, j), (kh, kw), out_rows)
    arrow = patches.FancyArrowPatch(
        path=route.transformed(to_data), arrowstyle="-|>", mutation_scale=16, lw=2,
        color=COLORS["kernel"], clip_on=False, zorder=4,
    )  # fmt: skip
    ax_out.add_patch(arrow)
    # every frame keeps the room the longest route takes, so frames share one size
    corner = _figure_9_1_route(fig, ax_in, ax_out, (out_rows - 1, 1), (kh, kw), 2).vertices
    room = to_data.transform([corner.min(axis=0) - 0.05, corner.min(axis=0) - 0.04])
    ax_out.add_patch(patches.Rectangle(room[0], *(room[1] - room[0]), alpha=0, clip_on=False))
    for ax in (ax_in, ax_out):
        ax.patch.set_visible(False)
    return fig


def _figure_9_1_route(fig, ax_in, ax_out, cell, kernel_shape, out_rows):
    """The arrow's path, in figure inches, from the window's lower edge to output ``cell``,
    crossing no other output: straight down to the top row; into the left column from the
    left; into the bottom row from below (the path goes round the outputs' left side)."""
    mpath = require("matplotlib.path", "book", "cnncourse.frames.convolution")

    (i, j), (kh, kw) = cell, kernel_shape

    def inches(ax, x, y):
        return ax.transData.transform((x, y)) / fig.dpi

    start = inches(ax_in, j + (kw - 1) / 2, i + kh - 0.5)
    top, left = inches(ax_out, j, -0.5), inches(ax_out, -0.5, i)
    gap_y = (start[1] + top[1]) / 2
    aside = inches(ax_out, -0.5, 0)[0] - 0.25  # left of the outputs
    if i == 0:
        points = [start, top]
    elif j == 0:
        points = [start, (start[0], gap_y), (aside, gap_y), (aside, left[1]), left]
    elif i == out_rows - 1:
        bottom = inches(ax_out, j, i + 0.5)
        below = bottom[1] - 0.2
        points = [start, (start[0], gap_y), (aside, gap_y), (aside, below),
                  (bottom[0], below), bottom]  # fmt: skip
    else:  # an inner output: no way round, straight down
        points = [start, inches(ax_out, j, i - 0.5)]
    return mpath.Path(np.array(points, dtype=float))


def window_cells(output_index, kernel_size, stride, dilation):
    """Input cells (in padded coordinates) that output ``output_index`` reads, per axis.

    Output ``i`` reads padded input cells ``s i + d a`` for ``a = 0 .. k - 1``.
    """
    return [stride * output_index + dilation * a for a in range(kernel_size)]


# --------------------------------------------------------------------------- valid, same, full

MODES = ("valid", "same", "full")


def mode_padding(kernel_size, mode):
    """Zeros added on the left and on the right of the input by each output mode.

    With ``p_l`` zeros on the left and ``p_r`` on the right, a kernel of size ``k`` fits
    :math:`n + p_l + p_r - k + 1` times (stride 1):

    * ``"valid"``: no padding, :math:`n - k + 1` outputs (the kernel lies inside the input);
    * ``"same"``: :math:`k - 1` zeros, ``(k - 1) // 2`` on the left, :math:`n` outputs;
    * ``"full"``: :math:`k - 1` zeros on each side, :math:`n + k - 1` outputs (every
      position where the kernel overlaps the input at all).

    For an odd ``k`` the "same" padding is symmetric; for an even one the extra zero goes on
    the right, as in ``torch.nn.functional.conv1d(..., padding="same")`` and
    :func:`cnncourse.conv1d`.

    Returns
    -------
    (int, int)

    Examples
    --------
    >>> [mode_padding(3, mode) for mode in MODES]
    [(0, 0), (1, 1), (2, 2)]
    >>> mode_padding(4, "same")
    (1, 2)
    """
    if mode not in MODES:
        raise ValueError(f"`mode` must be one of {MODES}, got {mode!r}")
    if mode == "valid":
        return 0, 0
    if mode == "full":
        return kernel_size - 1, kernel_size - 1
    left = (kernel_size - 1) // 2
    return left, kernel_size - 1 - left


def mode_windows(size, kernel_size, mode):
    """Where the kernel sits, in padded coordinates, for each output of a mode (stride 1).

    Output ``i`` reads padded cells ``i, …, i + k - 1``; padded cell ``c`` is input cell
    ``c - p_l`` (a zero when that is outside ``0 … n - 1``).

    Returns
    -------
    padding : (int, int)
        ``mode_padding(kernel_size, mode)``.
    starts : numpy.ndarray of int
        The first padded cell of each output's window, ``0, 1, …, n_out - 1``.

    Examples
    --------
    >>> mode_windows(5, 3, "full")
    ((2, 2), array([0, 1, 2, 3, 4, 5, 6]))
    """
    left, right = mode_padding(kernel_size, mode)
    n_out = size + left + right - kernel_size + 1
    if n_out < 1:
        raise ValueError(
            f"a kernel of size {kernel_size} does not fit an input of size {size} in mode {mode!r}"
        )
    return (left, right), np.arange(n_out)


def draw_modes_figure(size=5, kernel_size=3):
    """The three output modes of a 1-D convolution, in ``conv_arithmetic``'s convention.

    One panel per mode (valid, same, full). Each panel shows the input cells (blue), the
    padding (dashed, empty), one row per output with the kernel's window on the padded
    input (orange), and the output cells (green) with the size
    :math:`n - k + 1`, :math:`n`, :math:`n + k - 1`.

    Returns
    -------
    matplotlib.figure.Figure
    """
    patches = require("matplotlib.patches", "book", "cnncourse.frames.convolution")
    plt = require("matplotlib.pyplot", "book", "cnncourse.frames.convolution")

    widest = size + 2 * (kernel_size - 1)
    layouts = [mode_windows(size, kernel_size, mode) for mode in MODES]
    rows = max(len(starts) for _, starts in layouts)
    x_range, y_range = (-2.4, widest + 2.0), (-(rows + 0.6), 1.0)
    unit = 8.0 / 3 / (x_range[1] - x_range[0])  # inches per cell: 8 inches, shown whole at 1280 px
    fig, axes = plt.subplots(
        1, 3, figsize=(8.0, unit * (y_range[1] - y_range[0]) + 1.1), facecolor="white",
        gridspec_kw={"wspace": 0.0, "left": 0.0, "right": 1.0, "top": 0.8, "bottom": 0.1},
    )  # fmt: skip
    for ax, mode, ((left, right), starts) in zip(axes, MODES, layouts, strict=True):
        offset = (widest - (size + left + right)) / 2  # centre the input in every panel

        def cell(col, row, ax=ax, offset=offset, **style):
            ax.add_patch(patches.Rectangle((offset + col, -row), 0.92, 0.8, **style))

        for c in range(size + left + right):
            inside = left <= c < left + size
            if inside:
                cell(c, 0, facecolor=COLORS["input"], alpha=0.55, edgecolor="black", lw=0.6)
            else:
                cell(c, 0, fill=False, edgecolor="black", lw=0.8, ls="--")
        for i, start in enumerate(starts):
            for c in range(size + left + right):
                in_window = start <= c < start + kernel_size
                style = dict(facecolor=COLORS["kernel"], alpha=0.7) if in_window else dict(
                    facecolor="#f2f2f2")  # fmt: skip
                cell(c, 1.2 + i, edgecolor="white", lw=0.6, **style)
            ax.add_patch(patches.Rectangle((widest + 0.6, -1.2 - i), 0.92, 0.8,
                                           facecolor=COLORS["product"], alpha=0.55,
                                           edgecolor="black", lw=0.6))  # fmt: skip
        ax.text(offset - 0.3, 0.4, "input", ha="right", va="center", fontsize=9)
        ax.text(widest + 1.06, 0.95, "output", ha="center", va="bottom", fontsize=9)
        formula = {"valid": "n - k + 1", "same": "n", "full": "n + k - 1"}[mode]
        ax.set_title(f"{mode}: {len(starts)} outputs = ${formula}$\n"
                     f"padding {left} left, {right} right", fontsize=10)  # fmt: skip
        ax.set_xlim(*x_range)
        ax.set_ylim(*y_range)
        ax.set_aspect("equal")
        ax.axis("off")
    fig.text(0.5, 0.01, f"n = {size} inputs (blue), kernel k = {kernel_size} (orange window, "
             "one row per output), padded zeros dashed", ha="center", fontsize=9)  # fmt: skip
    return fig


# --------------------------------------------------------------------------- which operation


def operation_name(output, x, w, mode="valid"):
    """Name what a library computed: ``convolve(x, w)`` (9.3) or ``correlate(x, w)`` (9.6).

    For an asymmetric kernel the two differ (:math:`\\operatorname{conv}(x, w) =
    \\operatorname{xcorr}(x, \\operatorname{flip}(w))`), so comparing ``output`` with both
    tells them apart.

    Returns
    -------
    str
        ``"convolution (flipped kernel)"``, ``"cross-correlation (no flip)"`` or
        ``"neither"``.

    Examples
    --------
    >>> operation_name([2.0, 3.0], [1.0, 2.0, 3.0], [1.0, 0.0])
    'convolution (flipped kernel)'
    """
    output = np.asarray(output, dtype=float).ravel()
    x, w = np.asarray(x, dtype=float), np.asarray(w, dtype=float)
    if np.allclose(signal.convolve(x, w, mode=mode), signal.correlate(x, w, mode=mode)):
        raise ValueError("convolution and correlation agree for this kernel: use an asymmetric one")
    for name, reference in (
        ("convolution (flipped kernel)", signal.convolve(x, w, mode=mode)),
        ("cross-correlation (no flip)", signal.correlate(x, w, mode=mode)),
    ):
        if output.shape == reference.shape and np.allclose(output, reference):
            return name
    return "neither"


def fit_kernel(layer, signals, targets, size, steps=150, learning_rate=0.25):
    """Fit a kernel of ``size`` taps, from zero, by plain gradient descent on the squared error.

    .. math::

        L(k) = \\operatorname{mean}\\,(\\text{layer}(x, k) - y)^2, \\qquad
        k \\leftarrow k - \\eta\\, \\nabla L(k),

    ``steps`` times with learning rate :math:`\\eta` (as in d2l's §7.2, with the gradient
    from torch's autograd). On white-noise signals :math:`L` is close to
    :math:`\\|k - k^*\\|^2`, so each step shrinks the error by about :math:`1 - 2\\eta`.

    Parameters
    ----------
    layer : callable
        ``layer(signals, kernel) -> outputs``, differentiable in ``kernel`` (torch).
    signals, targets : torch.Tensor
    size : int
    steps : int
    learning_rate : float

    Returns
    -------
    kernel : numpy.ndarray, shape (size,)
    loss : float
        The final mean squared error.
    """
    torch = require("torch", "torch", "cnncourse.frames.convolution")

    kernel = torch.zeros(size, dtype=signals.dtype, requires_grad=True)
    for _ in range(steps):
        loss = ((layer(signals, kernel) - targets) ** 2).mean()
        (gradient,) = torch.autograd.grad(loss, kernel)
        with torch.no_grad():
            kernel -= learning_rate * gradient
    with torch.no_grad():
        loss = ((layer(signals, kernel) - targets) ** 2).mean()
    return kernel.detach().numpy(), float(loss)


# --------------------------------------------------------------------------- Toeplitz, circulant


def periodic_matrix(w, input_shape):
    """The matrix of a *periodic* cross-correlation, centred like mode ``"same"``.

    .. math::

        \\begin{aligned}
        S(i, j) &= \\sum_{m, n} K(m, n)\\;
                  I\\big((i + m - c_0) \\bmod H,\\ (j + n - c_1) \\bmod W\\big),\\\\
        c &= k - 1 - \\lfloor (k - 1) / 2 \\rfloor,
        \\end{aligned}

    i.e. the input wraps around its edges instead of being padded with zeros. Where no
    window crosses an edge it equals ``conv_matrix(w, input_shape, "same", flip=False)``;
    it is circulant in 1-D and doubly block circulant in 2-D.

    Parameters
    ----------
    w : array_like, 1-D or 2-D
    input_shape : int or tuple of int

    Returns
    -------
    numpy.ndarray, shape (prod(input_shape), prod(input_shape))

    Examples
    --------
    >>> periodic_matrix([1, 2, 3], 4)
    array([[2., 3., 0., 1.],
           [1., 2., 3., 0.],
           [0., 1., 2., 3.],
           [3., 0., 1., 2.]])
    """
    w = np.asarray(w, dtype=float)
    shape = (input_shape,) if np.isscalar(input_shape) else tuple(input_shape)
    if w.ndim != len(shape):
        raise ValueError(f"`w` has {w.ndim} dimensions but `input_shape` is {shape}")
    size = int(np.prod(shape))
    matrix = np.zeros((size, size))
    centre = [k - 1 - (k - 1) // 2 for k in w.shape]
    for out in np.ndindex(shape):
        row = np.ravel_multi_index(out, shape)
        for tap in np.ndindex(w.shape):
            source = tuple(
                (o + t - c) % n for o, t, c, n in zip(out, tap, centre, shape, strict=True)
            )
            matrix[row, np.ravel_multi_index(source, shape)] += w[tap]
    return matrix


def is_toeplitz(matrix):
    """Whether ``matrix`` is constant along each diagonal: :math:`M_{ij}` depends on :math:`j - i`.

    Examples
    --------
    >>> is_toeplitz(np.array([[1, 2, 0], [0, 1, 2]]))
    True
    """
    m = np.asarray(matrix)
    return all(np.all(np.diagonal(m, d) == np.diagonal(m, d)[0])
               for d in range(-m.shape[0] + 1, m.shape[1]))  # fmt: skip


def is_circulant(matrix):
    """Whether ``matrix`` is square and :math:`M_{ij}` depends only on :math:`(j - i) \\bmod n`.

    Each row is the row above shifted right by one, the entry that falls off the end
    coming back at the start (a wrap-around, periodic shift). A circulant matrix is
    Toeplitz; a Toeplitz matrix whose corners are zero is not circulant.

    Examples
    --------
    >>> is_circulant(np.array([[1, 2, 0], [0, 1, 2], [2, 0, 1]]))
    True
    >>> is_circulant(np.array([[1, 2, 0], [0, 1, 2], [0, 0, 1]]))
    False
    """
    m = np.asarray(matrix)
    if m.ndim != 2 or m.shape[0] != m.shape[1]:
        return False
    return all(np.array_equal(np.roll(m[0], i), m[i]) for i in range(m.shape[0]))


def blocks(matrix, block_shape):
    """Cut ``matrix`` into blocks: ``blocks(M, (p, q))[I, J]`` is rows ``I p…``, columns ``J q…``.

    For a 2-D convolution of an ``H × W`` image into an ``H' × W'`` output, the blocks of
    shape ``(W', W)`` are one per (output row, input row).
    """
    m = np.asarray(matrix)
    p, q = block_shape
    return m.reshape(m.shape[0] // p, p, m.shape[1] // q, q).transpose(0, 2, 1, 3)


def is_doubly_block(matrix, block_shape, kind):
    """Whether ``matrix`` is doubly block Toeplitz or doubly block circulant.

    *Doubly block Toeplitz*: the block ``B[I, J]`` depends only on :math:`J - I` (block
    Toeplitz) and every block is Toeplitz. *Doubly block circulant*: ``B[I, J]`` depends
    only on :math:`(J - I) \\bmod` the number of blocks, and every block is circulant.

    Parameters
    ----------
    kind : {"toeplitz", "circulant"}
    """
    if kind not in ("toeplitz", "circulant"):
        raise ValueError(f"`kind` must be 'toeplitz' or 'circulant', got {kind!r}")
    grid = blocks(matrix, block_shape)
    rows, cols = grid.shape[:2]
    if kind == "circulant":
        same_blocks = rows == cols and all(
            np.array_equal(grid[i, j], grid[0, (j - i) % cols])
            for i in range(rows) for j in range(cols)
        )  # fmt: skip
        return same_blocks and all(is_circulant(grid[0, j]) for j in range(cols))
    same_blocks = all(
        np.array_equal(grid[i, j], grid[max(0, i - j), max(0, j - i)])
        for i in range(rows) for j in range(cols)
    )  # fmt: skip
    return same_blocks and all(is_toeplitz(b) for b in grid.reshape(-1, *grid.shape[2:]))


def draw_block_pattern(matrix, block_shape, ax=None, title=None, marked=None):
    """The sparsity pattern of a 2-D convolution matrix with its blocks outlined.

    Dark: nonzero entries; orange lines: the block boundaries (``block_shape``, one block per
    output row and input row). ``marked``, a boolean array like ``matrix``, draws those
    entries in blue (e.g. the wrap-around entries of a circulant matrix): blue and orange
    stay apart for colour-blind readers (Okabe-Ito palette).

    Returns
    -------
    matplotlib.axes.Axes
    """
    from ..plotting import show_pattern

    m = np.asarray(matrix)
    ax = show_pattern(m, ax, title=title)
    if marked is not None:
        colors = require("matplotlib.colors", "book", "cnncourse.frames.convolution")

        overlay = np.ma.masked_where(~np.asarray(marked, dtype=bool), np.ones(m.shape))
        ax.imshow(overlay, cmap=colors.ListedColormap([COLORS["input"]]), interpolation="nearest")
    p, q = block_shape
    for boundary in range(0, m.shape[1] + 1, q):
        ax.axvline(boundary - 0.5, color=COLORS["highlight"], lw=0.8)
    for boundary in range(0, m.shape[0] + 1, p):
        ax.axhline(boundary - 0.5, color=COLORS["highlight"], lw=0.8)
    return ax


def number_list(values, digits=4):
    """A short, rounded, comma-separated rendering of an array, for a table cell or a print.

    Examples
    --------
    >>> number_list([0.5, -1.0, 2.000001])
    '0.5, -1, 2'
    """
    return ", ".join(f"{value:.{digits}g}" for value in np.asarray(values, dtype=float).ravel())
