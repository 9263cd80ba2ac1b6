"""The frame functions of the book's interactive figures: compute, then draw.

Each figure has a pure computation (arrays in, arrays out; tested, and asserted in the
chapters) and a drawing function that turns one state into a matplotlib figure. The
wiring to sliders lives in :mod:`cnncourse.widgets`.
"""

import numpy as np

from . import conv, signal
from .plotting import COLORS, show_grid, show_image


def _figure(rows, cols, figsize):
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(rows, cols, figsize=figsize, facecolor="white", squeeze=False)
    return fig, axes


# --------------------------------------------------------------------------- flipping (§9.1)


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


def flip_axis_limits(n_x, n_w, spacing=1.0, x_start=0.0, w_start=0.0):
    """The range of ``a`` that holds ``x(a)``, ``w(a)`` and every ``w(t - a)`` of (9.3).

    With samples ``x(x_start + i h)``, ``i < n_x``, and ``w(w_start + j h)``, ``j < n_w``,
    the flipped, shifted kernel :math:`w(t - a)` lives on
    :math:`[t - w_\\text{end},\\ t - w_\\text{start}]`, and ``t`` runs over
    :math:`[x_\\text{start} + w_\\text{start},\\ x_\\text{end} + w_\\text{end}]`. The returned
    interval covers all of these, so the whole kernel, peak included, stays in view for
    every ``t``.

    Returns
    -------
    (float, float)
        ``(low, high)``; ``low`` is negative whenever the flipped kernel reaches below zero.

    Examples
    --------
    >>> flip_axis_limits(4, 3)
    (-2.0, 5.0)
    """
    x_end = x_start + spacing * (n_x - 1)
    w_end = w_start + spacing * (n_w - 1)
    low = min(x_start, w_start, x_start + w_start - w_end)
    high = max(x_end, w_end, x_end + w_end - w_start)
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


def draw_flip_frame(x, w, t, spacing=1.0, x_start=0.0, w_start=0.0):
    """Draw the flip-and-shift picture of (9.1)/(9.3) at output index ``t``.

    Top: the input :math:`x(a)`, the kernel :math:`w(a)` (faint) and the kernel flipped and
    slid to ``t``, :math:`w(t - a)` (bold), on an axis that includes negative ``a`` (see
    ``flip_axis_limits``). Middle: the product :math:`x(a)\\,w(t - a)`. Bottom: the
    output :math:`s` built up to ``t``. The signals are samples ``x(x_start + i h)`` and
    ``w(w_start + j h)`` with spacing ``h``; ``s(t)`` is ``h * sum`` (a Riemann sum of (9.1)).

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    x, w = np.asarray(x, dtype=float), np.asarray(w, dtype=float)
    a = x_start + spacing * np.arange(len(x))
    _, product, s_t = flip_shift_terms(x, w, t)
    s = spacing * signal.convolve(x, w)
    t_axis = x_start + w_start + spacing * np.arange(len(s))
    t_value = t_axis[t]
    kernel_a = w_start + spacing * np.arange(len(w))
    flipped_a, flipped_w = flipped_kernel_curve(w, t_value, spacing, w_start)
    low, high = flip_axis_limits(len(x), len(w), spacing, x_start, w_start)
    margin = 0.02 * (high - low)

    fig, axes = plt.subplots(
        3, 1, figsize=(6.4, 5.4), facecolor="white", sharex=True,
        gridspec_kw={"height_ratios": [1.3, 1, 1], "hspace": 0.5},
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
             ha="right" if right_half else "left", va="top", fontsize=8,
             color="#444444")  # fmt: skip
    top.set_ylim(min(0.0, x.min(), w.min()) - 0.05, 1.3 * max(x.max(), w.max(), 1e-12))
    top.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), fontsize=8, ncol=3, frameon=False,
               borderaxespad=0.1, handlelength=1.6)  # fmt: skip
    top.set_ylabel("value")
    middle.fill_between(a, product, color=COLORS["product"], alpha=0.5)
    middle.plot(a, product, color=COLORS["product"], lw=1.5)
    middle.set_ylabel("$x(a)\\,w(t-a)$")
    middle.set_title(f"multiply, then add: shaded area = s({t_value:.2f}) = {spacing * s_t:.3f}",
                     fontsize=9)  # fmt: skip
    bottom.plot(t_axis, s, color=COLORS["muted"], lw=1, ls=":")
    bottom.plot(t_axis[: t + 1], s[: t + 1], color=COLORS["output"], lw=2)
    bottom.scatter([t_value], [spacing * s_t], color=COLORS["output"], zorder=3)
    bottom.set_ylabel("$s(t)$")
    bottom.set_xlabel("$a$ (top two panels), $t$ (bottom panel)")
    for ax in axes:
        ax.set_xlim(low - margin, high + margin)
        ax.grid(alpha=0.3)
    return fig


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
    import matplotlib.patches as patches
    import matplotlib.pyplot as plt

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
    show_grid(kernel, axes[1], cmap="Oranges", title="kernel $K(m, n)$", fontsize=8)
    show_grid(signal.flip(kernel), axes[2], cmap="Oranges", fontsize=8,
              title="flipped $K(-m, -n)$")  # fmt: skip
    limit = np.abs(out).max() or 1.0
    shown = np.ma.masked_array(out, mask=~done)  # masked cells stay blank
    axes[3].imshow(shown, cmap="RdBu_r", vmin=-limit, vmax=limit, interpolation="nearest")
    for (r, c), value in np.ndenumerate(out):
        if done[r, c]:
            text = f"{value:.1f}".replace("-0.0", "0.0")
            ink = "white" if abs(value) > 0.6 * limit else "black"  # readable on dark cells
            axes[3].text(c, r, text, ha="center", va="center", fontsize=7.5, color=ink)
    axes[3].add_patch(
        patches.Rectangle(
            (j - 0.5, i - 0.5), 1, 1, fill=False, lw=2.5, edgecolor=COLORS["highlight"]
        )
    )
    axes[3].set_xticks([])
    axes[3].set_yticks([])
    axes[3].set_title(f"output S({i}, {j}) = {out[i, j]:.2f}", fontsize=10)
    return fig


# --------------------------------------------------------------------------- channels (§9.1)


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


def draw_channels_figure(input, weight, bias=None, input_names=None, output_names=None):
    """A multi-channel layer drawn as a table of (output, input) channel pairs.

    Top row: the input channels :math:`X_c`. Row ``o`` below: for each input channel, the
    kernel :math:`K_{o, c}` (numbers) and the map :math:`X_c \\star K_{o, c}`; at the end of
    the row, their sum plus :math:`b_o`, which is output channel :math:`Z_o`. Maps in one
    row share a colour scale, so their sizes compare.

    Parameters
    ----------
    input : array_like, shape (C_in, H, W)
    weight : array_like, shape (C_out, C_in, kH, kW)
    bias : array_like, shape (C_out,), optional
    input_names, output_names : list of str, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    x, w = np.asarray(input, dtype=float), np.asarray(weight, dtype=float)
    terms = channel_terms(x, w)
    c_out, c_in = w.shape[:2]
    b = np.zeros(c_out) if bias is None else np.asarray(bias, dtype=float)
    outputs = terms.sum(axis=1) + b[:, None, None]
    input_names = input_names or [f"$X_{{{c}}}$" for c in range(c_in)]
    output_names = output_names or [f"$Z_{{{o}}}$" for o in range(c_out)]
    panel, kernel_box, sign, margin = 1.3, 0.8, 0.32, 0.3  # inches
    ratio = x.shape[1] / x.shape[2]
    row_height = panel * ratio + 0.45
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
        show_image(x[c], ax, title=f"input channel {input_names[c]}")
    if c_in == 3:  # three channels: show them together as a colour image
        ax = place(map_left(c_in) - kernel_box - 0.08, top, panel, panel * ratio)
        ax.imshow(np.clip(x.transpose(1, 2, 0), 0, 1), interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title("the three together", fontsize=10)
    for o in range(c_out):
        bottom = top - (o + 1) * row_height
        limit = np.abs(terms[o]).max() or 1.0
        for c in range(c_in):
            ax_k = place(margin + c * (block + sign), bottom + (panel * ratio - kernel_box) / 2,
                         kernel_box, kernel_box)  # fmt: skip
            show_grid(w[o, c] + 0.0, ax_k, cmap=None, fontsize=8)  # + 0.0: no "-0"
            ax_k.set_title(f"$K_{{{o},{c}}}$", fontsize=9)
            ax = place(map_left(c), bottom, panel, panel * ratio)
            ax.imshow(terms[o, c], cmap="RdBu_r", vmin=-limit, vmax=limit,
                      interpolation="nearest")  # fmt: skip
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_title(f"{input_names[c]} $\\star K_{{{o},{c}}}$", fontsize=9)
            symbol = "=" if c == c_in - 1 else "+"
            fig.text((map_left(c) + panel + sign / 2) / width,
                     (bottom + panel * ratio / 2) / height, symbol, ha="center",
                     va="center", fontsize=16)  # fmt: skip
        ax = place(map_left(c_in) - kernel_box - 0.08, bottom, panel, panel * ratio)
        out_limit = np.abs(outputs[o]).max() or 1.0
        ax.imshow(outputs[o], cmap="RdBu_r", vmin=-out_limit, vmax=out_limit,
                  interpolation="nearest")  # fmt: skip
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(f"output channel {o}: {output_names[o]}\n= the sum $+\\ b_{{{o}}}$",
                     fontsize=9)  # fmt: skip
    return fig


# --------------------------------------------------------------------------- Figure 9.1


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
    rows = window_cells(i, kernel_shape[0], stride=1, dilation=1, padding=0)
    cols = window_cells(j, kernel_shape[1], stride=1, dilation=1, padding=0)
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
    output shows its expression, computed by :func:`cnncourse.signal.correlate`.

    Parameters
    ----------
    input_symbols, kernel_symbols : numpy.ndarray of sympy symbols, 2-D
    position : int
        Which output, in row-major order.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.patches as patches
    import matplotlib.pyplot as plt

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
    ax_out.set_xlabel("output (valid)", fontsize=10)
    ax_out.add_patch(patches.Rectangle((j - 0.5, i - 0.5), 1, 1, color=COLORS["highlight"],
                                       alpha=0.35, zorder=0))  # fmt: skip
    arrow = patches.ConnectionPatch(
        xyA=(j + (kw - 1) / 2, i + kh - 0.5), coordsA=ax_in.transData,
        xyB=(j, i - 0.5), coordsB=ax_out.transData,
        arrowstyle="-|>", mutation_scale=16, lw=2, color=COLORS["kernel"], zorder=-1,
    )  # fmt: skip
    fig.add_artist(arrow)  # drawn under the grids: where it crosses an output, the text wins
    for ax in (ax_in, ax_out):
        ax.patch.set_visible(False)
    for k, text in enumerate(ax_out.texts):  # show_grid writes the cells in row-major order
        if k != position:
            text.set_bbox({"facecolor": "white", "edgecolor": "none", "pad": 1.5})
    return fig


# --------------------------------------------------------------------------- arithmetic


def window_cells(output_index, kernel_size, stride, dilation, padding):
    """Input cells (in padded coordinates) that output ``output_index`` reads, per axis.

    Output ``i`` reads padded input cells ``s i + d a`` for ``a = 0 .. k - 1``.
    """
    return [stride * output_index + dilation * a for a in range(kernel_size)]


def draw_arithmetic_frame(size, kernel_size, stride=1, padding=0, dilation=1, position=0):
    """The convolution-arithmetic picture: padded input grid, window, output grid, formula.

    Invalid settings draw the library's own error message instead of a grid.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.patches as patches

    try:
        n_out = conv.conv_output_size(size, kernel_size, stride, padding, dilation)
    except ValueError as error:
        fig, axes = _figure(1, 1, (7, 1.6))
        axes[0, 0].axis("off")
        axes[0, 0].text(
            0.5,
            0.5,
            f"ValueError: {error}",
            ha="center",
            va="center",
            wrap=True,
            fontsize=9,
            color="#b00020",
        )
        return fig
    padded = size + 2 * padding
    fig, axes = _figure(1, 2, (8.4, 4.2))
    shade = np.ones((padded, padded), dtype=bool)
    shade[padding : padding + size, padding : padding + size] = False
    show_grid(np.zeros((padded, padded)), axes[0, 0], cmap=None, fmt="", shade=shade)
    row, col = divmod(position % (n_out * n_out), n_out)
    for r in window_cells(row, kernel_size, stride, dilation, padding):
        for c in window_cells(col, kernel_size, stride, dilation, padding):
            axes[0, 0].add_patch(
                patches.Rectangle((c - 0.5, r - 0.5), 1, 1, color=COLORS["kernel"], alpha=0.7)
            )
    axes[0, 0].set_title(f"input {size}x{size}, padding {padding} (grey)", fontsize=10)
    show_grid(np.zeros((n_out, n_out)), axes[0, 1], cmap=None, fmt="", highlight=[(row, col)])
    axes[0, 1].set_title(f"output {n_out}x{n_out}", fontsize=10)
    formula = (
        f"$n_{{out}} = \\lfloor ({size} + 2\\cdot{padding} - {dilation}\\cdot({kernel_size}-1)"
        f" - 1) / {stride} \\rfloor + 1 = {n_out}$"
    )
    fig.suptitle(formula, fontsize=11)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- equivariance (§9.2)


def shift_image(image, shift):
    """Move every pixel ``shift`` columns to the right; zeros enter on the left.

    This is :math:`g(I)(x, y) = I(x - s, y)` of slide 24, for an image that is zero outside.
    """
    image = np.asarray(image, dtype=float)
    moved = np.zeros_like(image)
    if shift >= 0:
        moved[:, shift:] = image[:, : image.shape[1] - shift]
    else:
        moved[:, :shift] = image[:, -shift:]
    return moved


def rotate_image(image, degrees):
    """Rotate about the centre (bilinear), keeping the shape; zeros fill the corners."""
    import scipy.ndimage

    return scipy.ndimage.rotate(np.asarray(image, dtype=float), degrees, reshape=False, order=1)


def scale_image(image, factor):
    """Zoom about the centre by ``factor`` (bilinear), keeping the shape."""
    import scipy.ndimage

    image = np.asarray(image, dtype=float)
    centre = (np.array(image.shape) - 1) / 2
    matrix = np.eye(2) / factor
    offset = centre - matrix @ centre
    return scipy.ndimage.affine_transform(image, matrix, offset=offset, order=1)


TRANSFORMS = {"shift": shift_image, "rotate": rotate_image, "scale": scale_image}


def feature_map(image, kernel):
    """``f(I)``: cross-correlate an image with a kernel, zero padding, same size."""
    x = np.asarray(image, dtype=float)[None, None]
    w = np.asarray(kernel, dtype=float)[None, None]
    return conv.conv2d(x, w, padding="same")[0, 0]


def equivariance_gap(image, kernel, transform, amount):
    """Compare ``f(g(I))`` with ``g(f(I))`` for a convolution ``f`` and a transform ``g``.

    Parameters
    ----------
    image, kernel : 2-D array_like
    transform : {"shift", "rotate", "scale"}
    amount : number
        Pixels to the right, degrees, or zoom factor.

    Returns
    -------
    conv_of_moved, moved_conv, difference : numpy.ndarray
        ``f(g(I))``, ``g(f(I))`` and their difference.
    interior : numpy.ndarray of bool
        Pixels farther than the kernel's reach plus the shift from every border: for a shift,
        the difference is exactly zero there.
    """
    if transform not in TRANSFORMS:
        raise ValueError(f"`transform` must be one of {tuple(TRANSFORMS)}, got {transform!r}")
    g = TRANSFORMS[transform]
    conv_of_moved = feature_map(g(image, amount), kernel)
    moved_conv = g(feature_map(image, kernel), amount)
    difference = conv_of_moved - moved_conv
    reach = max(np.asarray(kernel).shape)
    margin = reach + (abs(int(amount)) if transform == "shift" else 0)
    interior = np.zeros(difference.shape, dtype=bool)
    interior[margin:-margin, margin:-margin] = True
    return conv_of_moved, moved_conv, difference, interior


def draw_equivariance_frame(image, kernel, transform, amount, kernel_name="", gap=None):
    """Three panels: ``f(g(I))``, ``g(f(I))``, and their difference with its size inside.

    The difference's title says "zero inside: equivariant" when its largest value inside the
    outline is below ``1e-12`` (rounding), and gives that largest value otherwise.

    Parameters
    ----------
    image, kernel, transform, amount
        As for :func:`equivariance_gap`.
    kernel_name : str
        Shown in the title.
    gap : tuple, optional
        The result of ``equivariance_gap(image, kernel, transform, amount)``, when the
        caller has it already (a widget asserts on the same arrays it draws).

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.patches import Rectangle

    if gap is None:
        gap = equivariance_gap(image, kernel, transform, amount)
    a, b, difference, interior = gap
    inside = np.abs(difference[interior]).max()
    verdict = "zero inside: equivariant" if inside < 1e-12 else f"max |.| inside = {inside:.2g}"
    # one image with three panels side by side: a single Axes draws much faster than three
    height, width = difference.shape
    gutter = np.full((height, max(2, width // 12)), np.nan)  # NaN: left blank
    panels = np.hstack([a, gutter, b, gutter, difference])
    limit = max(np.abs(a).max(), np.abs(b).max())
    fig, axes = _figure(1, 1, (8.0, 3.1))
    ax = axes[0, 0]
    ax.imshow(panels, cmap="RdBu_r", vmin=-limit, vmax=limit, interpolation="nearest")
    step = width + gutter.shape[1]
    titles = ("conv(g(I))", "g(conv(I))", f"difference: {verdict}")
    for number, title in enumerate(titles):
        ax.text(number * step + (width - 1) / 2, -2, title, ha="center", va="bottom", fontsize=10)
    rows, cols = np.nonzero(interior)
    if rows.size:
        corner = (2 * step + cols.min() - 0.5, rows.min() - 0.5)
        size = (cols.max() - cols.min() + 1, rows.max() - rows.min() + 1)
        ax.add_patch(Rectangle(corner, *size, fill=False, ec=COLORS["highlight"], lw=1.4))
    ax.set_axis_off()
    unit = {"shift": " px", "rotate": " deg", "scale": "x"}[transform]
    fig.suptitle(f"{kernel_name} kernel, g = {transform} by {amount}{unit}", fontsize=11)
    fig.subplots_adjust(left=0.01, right=0.99, bottom=0.02, top=0.8)
    return fig


# ---------------------------------------------------------------------- receptive fields (§9.2)


def _layer_args(layer):
    """``(k, s, p, d)`` of one layer given as ``{"kernel_size": k, ...}`` (defaults 1, 1, 0, 1)."""
    if "kernel_size" not in layer:
        raise ValueError(f"each layer must give a `kernel_size`, got {layer!r}")
    return (
        int(layer["kernel_size"]),
        int(layer.get("stride", 1)),
        int(layer.get("padding", 0)),
        int(layer.get("dilation", 1)),
    )


def layer_lengths(layers, input_length):
    """Lengths of the input and of every layer's output in a stack of 1-D convolutions.

    Returns
    -------
    list of int
        ``[n_0, n_1, ..., n_L]``, with ``n_0 = input_length``.
    """
    lengths = [int(input_length)]
    for layer in layers:
        k, s, p, d = _layer_args(layer)
        lengths.append(conv.conv_output_size(lengths[-1], k, s, p, d))
    return lengths


def receptive_field_span(layers, output_index):
    """First and last input position that output ``u`` of a stack of 1-D convolutions reads.

    Going down one layer, the window of unit ``a`` starts at ``a s - p`` and ends
    ``d (k - 1)`` further on. Unrolled over the stack (Araujo et al., Distill 2019):

    .. math::

        \\text{start} = u \\prod_{l=1}^{L} s_l - \\sum_{l=1}^{L} p_l \\prod_{i<l} s_i, \\qquad
        \\text{stop} = \\text{start} + r_L - 1,

    with :math:`r_L` the receptive field size of :func:`cnncourse.receptive_field`.
    A start below 0 (or a stop past the end) means the field hangs over into the padding.

    Parameters
    ----------
    layers : list of dict
        ``{"kernel_size": k, "stride": s, "padding": p, "dilation": d}``, first layer first.
    output_index : int
        ``u``, the unit of the last layer.

    Returns
    -------
    (int, int)
        ``start`` and ``stop``, both included, in input coordinates.
    """
    start = stop = int(output_index)
    for layer in reversed(layers):
        k, s, p, d = _layer_args(layer)
        start, stop = start * s - p, stop * s - p + d * (k - 1)
    return start, stop


def receptive_field_cone(layers, input_length, output_index):
    """The units of every layer that output ``u`` of the last layer depends on.

    Unit ``a`` of layer ``l`` reads units ``a s_l - p_l + d_l t`` (``t = 0 .. k_l - 1``) of
    layer ``l - 1``; positions in the padding are not units and are dropped.

    Returns
    -------
    list of numpy.ndarray of int
        Index sets from the input (level 0) to the last layer (level L, ``[u]``).
    """
    lengths = layer_lengths(layers, input_length)
    if not 0 <= output_index < lengths[-1]:
        raise ValueError(
            f"`output_index` must be an integer from 0 to {lengths[-1] - 1}, got {output_index}"
        )
    cone = [np.array([int(output_index)])]
    for layer, below in zip(reversed(layers), reversed(lengths[:-1]), strict=True):
        k, s, p, d = _layer_args(layer)
        reads = (cone[0][:, None] * s - p + d * np.arange(k)[None, :]).ravel()
        cone.insert(0, np.unique(reads[(reads >= 0) & (reads < below)]))
    return cone


def unit_centres(layers, input_length):
    """Where each unit of each layer sits, in input coordinates: its window's centre.

    Unit ``a`` of layer ``l`` is drawn above the middle of its receptive field, so deeper
    layers, whose units are the product of the strides apart, spread out as in Distill's figures.

    Returns
    -------
    list of numpy.ndarray of float
    """
    lengths = layer_lengths(layers, input_length)
    centres = []
    for level, length in enumerate(lengths):
        centres.append(
            np.array([np.mean(receptive_field_span(layers[:level], a)) for a in range(length)])
        )
    return centres


def draw_receptive_field(layers, input_length, output_indices, names=None):
    """Draw a stack of 1-D layers and, for chosen units of the last one, where they look.

    Every unit is a circle above the centre of its own receptive field. The units that a
    chosen output depends on are filled in that output's colour, down to the input, where a
    bar marks the span of :func:`receptive_field_span` (hatched where it hangs over into
    the padding).

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.patches import Rectangle

    lengths = layer_lengths(layers, input_length)
    centres = unit_centres(layers, input_length)
    colours = [COLORS["kernel"], COLORS["input"], COLORS["product"]]
    fig, axes = _figure(1, 1, (8.4, 0.75 * len(lengths) + 1.1))
    ax = axes[0, 0]
    for level, xs in enumerate(centres):
        ax.scatter(xs, np.full(len(xs), level), s=70, color="white", edgecolor="black", zorder=2)
    ax.axvspan(-0.5, input_length - 0.5, color=COLORS["muted"], alpha=0.12, lw=0)
    for number, unit in enumerate(output_indices):
        colour = colours[number % len(colours)]
        cone = receptive_field_cone(layers, input_length, unit)
        offset = 0.16 * number
        for level in range(1, len(cone)):
            k, s, p, d = _layer_args(layers[level - 1])
            for a in cone[level]:
                for b in a * s - p + d * np.arange(k):
                    if 0 <= b < lengths[level - 1]:
                        xs = (centres[level - 1][b], centres[level][a])
                        ax.plot(xs, (level - 1, level), color=colour, lw=0.9, alpha=0.45)
        for level, units in enumerate(cone):
            ax.scatter(
                centres[level][units], np.full(len(units), level), s=70 if level else 52,
                color=colour, alpha=0.85, zorder=3 + number,
            )  # fmt: skip
        start, stop = receptive_field_span(layers, unit)
        y = -0.45 - offset
        ax.add_patch(Rectangle((start - 0.5, y), stop - start + 1, 0.12, color=colour, lw=0))
        for lo, hi in ((start - 0.5, -0.5), (input_length - 0.5, stop + 0.5)):
            if hi > lo:  # the part in the padding
                ax.add_patch(
                    Rectangle((lo, y), hi - lo, 0.12, facecolor="white", edgecolor=colour,
                              hatch="////", lw=0.8)
                )  # fmt: skip
        label = f"unit {unit}: inputs {start}..{stop}"
        ax.text(stop + 0.8, y + 0.06, label, fontsize=8, va="center", color=colour)
    names = names or ["input"] + [f"layer {level}" for level in range(1, len(lengths))]
    ax.set_yticks(range(len(lengths)), names)
    ax.set_xlabel("input position")
    lows = [receptive_field_span(layers, u)[0] for u in output_indices] + [0]
    highs = [receptive_field_span(layers, u)[1] for u in output_indices] + [input_length - 1]
    ax.set_xlim(min(lows) - 1, max(highs) + 9)
    ax.set_ylim(-0.55 - 0.16 * len(output_indices), len(lengths) - 0.5)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- pooling (§9.3)


def draw_pooling_window_frame(grid, cell, kernel_size=3):
    """Max pooling with stride 1, one output cell at a time: its window and the outputs so far.

    Output cell ``cell`` (row-major) is the maximum of the ``kernel_size`` x
    ``kernel_size`` window of ``grid`` outlined on the left; on the right, the outputs up to
    that cell are filled in and the current one is outlined.

    Parameters
    ----------
    grid : array_like, shape (H, W)
    cell : int
        Row-major index of the output cell, ``0 <= cell < (H - k + 1) * (W - k + 1)``.
    kernel_size : int

    Returns
    -------
    matplotlib.figure.Figure
    """
    from .pool import max_pool2d

    grid = np.asarray(grid, dtype=float)
    out = max_pool2d(grid[None, None], kernel_size, stride=1)[0, 0]
    i, j = divmod(cell, out.shape[1])
    fig, axes = _figure(1, 2, (7.5, 3.2))
    window = [(i + a, j + b) for a in range(kernel_size) for b in range(kernel_size)]
    show_grid(grid, axes[0, 0], highlight=window, fmt="{:.0f}", title="detector output")
    done = np.arange(out.size).reshape(out.shape) <= cell
    show_grid(
        np.where(done, out, np.nan),
        axes[0, 1],
        highlight=[(i, j)],
        fmt="{:.0f}",
        cmap=None,
        title=f"pooled: max of the window = {out[i, j]:.0f}",
    )
    axes[0, 1].set_position([0.6, 0.1, 0.35, 0.7])
    axes[0, 0].set_position([0.03, 0.02, 0.5, 0.84])
    for text in axes[0, 1].texts:
        if text.get_text() == "nan":
            text.set_text("")
    return fig


def pooling_shift_changes(detector, shift, width, stride=1, tolerance=1e-12):
    """How a shift of the input changes detector values and max-pooled values (Fig 9.8).

    The detector row is shifted ``shift`` samples to the right (zeros enter on the left);
    both rows are max pooled with windows of ``width`` and ``stride``.

    Returns
    -------
    dict
        ``before``/``after`` detector rows, ``pooled_before``/``pooled_after``, boolean
        ``detector_changed``/``pooled_changed``, and the fractions of each that changed.
    """
    from .pool import max_pool1d

    before = np.asarray(detector, dtype=float)
    after = np.zeros_like(before)
    after[shift:] = before[: len(before) - shift]
    pooled_before = max_pool1d(before[None], width, stride)[0]
    pooled_after = max_pool1d(after[None], width, stride)[0]
    detector_changed = np.abs(after - before) > tolerance
    pooled_changed = np.abs(pooled_after - pooled_before) > tolerance
    return {
        "before": before,
        "after": after,
        "pooled_before": pooled_before,
        "pooled_after": pooled_after,
        "detector_changed": detector_changed,
        "pooled_changed": pooled_changed,
        "detector_fraction": float(detector_changed.mean()),
        "pooled_fraction": float(pooled_changed.mean()),
    }


def pooled_change_up_to_shift(detector, shift, width, stride=1, tolerance=1e-12):
    """Fraction of max-pooled values that change, once the pooled map may move as a whole.

    With stride :math:`s`, a shift of the input by :math:`d = s m` samples moves the pooled
    map by exactly :math:`m` cells (equivariance on the coarser grid). So instead of
    comparing the pooled maps cell by cell, compare

    .. math::

        \\text{after}[k + m] \\quad\\text{with}\\quad \\text{before}[k]

    over every cell :math:`k` that both maps hold, for each output shift
    :math:`m = 0, 1, \\dots, \\lceil d / s \\rceil`, and keep the :math:`m` that changes fewest
    values. The input is shifted as in :func:`pooling_shift_changes` (zeros enter on the
    left).

    Parameters
    ----------
    detector : array_like, shape (L,)
    shift : int
        Shift of the input to the right, in samples, ``0 <= shift < L``.
    width, stride : int
        Max pooling window and stride.
    tolerance : float
        Differences up to this count as unchanged.

    Returns
    -------
    dict
        ``output_shift`` (the best :math:`m`), ``fraction`` (the fraction changed at that
        :math:`m`) and ``fractions`` (one per :math:`m` tried).

    Examples
    --------
    >>> row = np.array([0.0, 0.5, 0.2, 0.9, 0.1, 0.4, 0.3, 0.8])
    >>> result = pooled_change_up_to_shift(row, shift=2, width=2, stride=2)
    >>> result["output_shift"], result["fraction"]
    (1, 0.0)
    """
    result = pooling_shift_changes(detector, shift, width, stride, tolerance)
    before, after = result["pooled_before"], result["pooled_after"]
    fractions = []
    for m in range(min(-(-shift // stride), len(before) - 1) + 1):
        moved = after[m:]
        kept = before[: len(before) - m]
        fractions.append(float(np.mean(np.abs(moved - kept) > tolerance)))
    best = int(np.argmin(fractions))
    return {"output_shift": best, "fraction": fractions[best], "fractions": fractions}


def expected_shift_changes(width, shift, zero_probability=0.5):
    """Expected fractions of detector and max-pooled values that a shift changes.

    A model of a rectified detector row: independent values, each zero with probability
    :math:`q` and otherwise drawn from one continuous distribution (rectified standard
    normal noise has :math:`q = 1/2`). Compare each position before and after a shift by
    :math:`d`, pooling with width :math:`w` and stride 1:

    * a detector value is unchanged only if the old and the new value are both zero:
      :math:`P = q^2`;
    * a pooled value sees the :math:`u = w + \\min(d, w)` values of its old and new window,
      :math:`o = \\max(w - d, 0)` of them in both. It is unchanged if all :math:`u` are zero,
      or if the largest of them (unique when positive) lies in the overlap, which by
      symmetry has probability :math:`o / u`:

    .. math::

        P(\\text{pooled unchanged}) = q^u + (1 - q^u)\\,\\frac{o}{u}.

    Ignores the few positions at the ends of a finite row.

    Parameters
    ----------
    width, shift : int
    zero_probability : float
        :math:`q`, the chance that a detector value is zero.

    Returns
    -------
    tuple of float
        ``(detector, pooled)``: the expected fractions that change.

    Examples
    --------
    >>> expected_shift_changes(3, 1)
    (0.75, 0.46875)
    """
    q = zero_probability
    if shift == 0:
        return 0.0, 0.0
    union = width + min(shift, width)
    overlap = max(width - shift, 0)
    all_zero = q**union
    pooled_unchanged = all_zero + (1 - all_zero) * overlap / union
    return 1 - q**2, 1 - pooled_unchanged


def _draw_cell_row(ax, y, values, lefts, cell_width, changed, top):
    """One row of numbered cells at height ``y``; cell ``k`` spans ``lefts[k]`` + ``cell_width``."""
    import matplotlib.patches as patches
    from matplotlib import colormaps

    greens = colormaps["Greens"]
    for k, value in enumerate(values):
        shade = greens(0.1 + 0.5 * value / top if top > 0 else 0.1)
        ax.add_patch(
            patches.Rectangle(
                (lefts[k], y), cell_width, 1, facecolor=shade, edgecolor="black", lw=0.6
            )
        )
        ax.text(
            lefts[k] + cell_width / 2,
            y + 0.5,
            f"{value:.2f}".rstrip("0").rstrip("."),
            ha="center",
            va="center",
            fontsize=8,
        )
    for k in np.flatnonzero(changed) if changed is not None else ():
        ax.add_patch(
            patches.Rectangle(
                (lefts[k] + 0.06, y + 0.06),
                cell_width - 0.12,
                0.88,
                fill=False,
                edgecolor="#d62728",
                lw=2.2,
                zorder=3,
            )
        )


def draw_pooling_frame(detector, shift, width, stride):
    """Detector and pooled rows before and after a shift, changed values highlighted.

    Each pooled value is drawn under the window it summarises: pooled cell :math:`k` is
    ``stride`` detector cells wide and centred on its window
    :math:`[s k, s k + w)`, so a shift by one stride visibly moves the pooled row by
    one cell. Red outlines mark values that changed in place; the title adds the fraction
    of pooled values that change once the shifted pooled row is moved back
    (:func:`pooled_change_up_to_shift`).

    Returns
    -------
    matplotlib.figure.Figure
    """
    result = pooling_shift_changes(detector, shift, width, stride)
    moved = pooled_change_up_to_shift(detector, shift, width, stride)
    length = len(result["before"])
    fig, axes = _figure(1, 1, (8.4, 3.4))
    ax = axes[0, 0]
    pooled_lefts = stride * np.arange(len(result["pooled_before"])) + (width - stride) / 2
    top = float(np.max(result["before"]))
    rows = [
        ("pooled, shifted", result["pooled_after"], pooled_lefts, stride, result["pooled_changed"]),
        ("detector, shifted", result["after"], np.arange(length), 1, result["detector_changed"]),
        ("pooled", result["pooled_before"], pooled_lefts, stride, None),
        ("detector", result["before"], np.arange(length), 1, None),
    ]
    for row, (name, values, lefts, cell_width, changed) in enumerate(rows):
        y = 1.4 * (len(rows) - 1 - row)
        _draw_cell_row(ax, y, values, lefts, cell_width, changed, top)
        ax.text(-0.3, y + 0.5, name, ha="right", va="center", fontsize=9)
    ax.set_xlim(-3.2, length + 0.1)
    ax.set_ylim(-0.1, 1.4 * len(rows) - 0.3)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(
        f"width {width}, stride {stride}, shift {shift}: "
        f"{result['detector_fraction']:.0%} of detector values change, "
        f"{result['pooled_fraction']:.0%} of pooled values;\n"
        f"once the pooled row is moved {moved['output_shift']} cell(s), "
        f"{moved['fraction']:.0%} of pooled values change",
        fontsize=10,
    )
    # a fixed layout: tight_layout would draw the figure once more, for every frame
    fig.subplots_adjust(left=0.01, right=0.99, top=0.86, bottom=0.02)
    return fig


# --------------------------------------------------------------------------- prior (§9.4)


def draw_prior_frame(results, index, W_true):
    """One value of λ in a prior sweep: the fitted ``W``, and the errors along the sweep.

    λ is the prior precision times the noise variance (see :mod:`cnncourse.prior`); at
    λ = 0 the fit shown is the minimum-norm one.

    Parameters
    ----------
    results : list of dict
        From :func:`cnncourse.prior.sweep`.
    index : int
        Which λ to show.
    W_true : numpy.ndarray
        The matrix that generated the data.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from .prior import precision_label

    chosen = results[index]
    fig, axes = _figure(1, 3, (9.6, 3.0))
    boxes = ([0.0, 0.2, 0.3, 0.7], [0.31, 0.2, 0.3, 0.7], [0.71, 0.27, 0.28, 0.63])
    for ax, box in zip(axes[0], boxes, strict=True):
        ax.set_position(box)  # fixed boxes: no tight_layout pass per frame
    limit = np.abs(W_true).max()
    label = precision_label(chosen["lam"])
    note = " (minimum norm)" if chosen["lam"] == 0 else ""
    for ax, matrix, title in (
        (axes[0, 0], chosen["W"], f"fitted W, λ = {label}{note}"),
        (axes[0, 1], W_true, "W that generated the data"),
    ):
        ax.imshow(matrix, cmap="RdBu_r", vmin=-limit, vmax=limit, interpolation="nearest")
        ax.set_title(title, fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    positions = np.arange(len(results))
    floor = 1e-8  # a log axis cannot show zero: exact zeros are drawn at this floor
    ax = axes[0, 2]
    for key, marker, color, name in (
        ("test_error", "o", COLORS["output"], "test error"),
        ("distance", "s", COLORS["input"], "relative distance to a convolution"),
    ):
        values = [max(r[key], floor) for r in results]
        ax.plot(positions, values, marker=marker, ms=4, color=color, label=name)
    if results[-1]["distance"] < floor:
        ax.annotate("0", (positions[-1], floor), xytext=(-12, 3), textcoords="offset points",
                    fontsize=7, color=COLORS["input"])  # fmt: skip
    ax.axvline(index, color=COLORS["highlight"], lw=2)
    ax.set_yscale("log")
    ax.set_ylim(floor / 3, 10)
    decades = [10.0**e for e in range(0, -9, -2)]
    ax.set_yticks(decades, [f"{d:.0e}" for d in decades], fontsize=7)  # plain text: no mathtext
    ax.minorticks_off()
    ax.set_xticks(positions, [precision_label(r["lam"]) for r in results], rotation=60, fontsize=7)
    ax.set_xlabel("λ = prior precision × noise variance", fontsize=8)
    ax.set_ylabel("error, distance", fontsize=8)
    ax.legend(fontsize=7, loc="lower left")
    ax.grid(alpha=0.3)
    return fig
