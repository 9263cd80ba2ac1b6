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

    For the full discrete convolution :math:`s(t) = \\sum_a x(a)\\, w(t - a)` (eq. 9.3):

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


def draw_flip_frame(x, w, t, spacing=1.0, x_start=0.0, w_start=0.0):
    """Draw the flip-and-shift picture at output index ``t`` (slide 5).

    The signals are samples ``x(x_start + i h)`` and ``w(w_start + j h)`` with spacing ``h``;
    ``s(t)`` is approximated by ``h * sum``, so a fine grid shows the integral of eq. 9.1.

    Returns
    -------
    matplotlib.figure.Figure
    """
    x, w = np.asarray(x, dtype=float), np.asarray(w, dtype=float)
    a = x_start + spacing * np.arange(len(x))
    shifted, product, s_t = flip_shift_terms(x, w, t)
    s = spacing * signal.convolve(x, w)
    t_axis = x_start + w_start + spacing * np.arange(len(s))
    fig, axes = _figure(3, 1, (6.4, 5.2))
    top, middle, bottom = axes[:, 0]
    top.plot(a, x, color=COLORS["input"], lw=2, label="$x(a)$")
    top.plot(a, shifted, color=COLORS["kernel"], lw=2, label=f"$w(t-a)$, $t={t_axis[t]:.2f}$")
    top.axvline(t_axis[t], color=COLORS["muted"], lw=1, ls="--")
    top.legend(loc="upper right", fontsize=8)
    top.set_title("flip the kernel and slide it to $t$", fontsize=10)
    middle.fill_between(a, product, color=COLORS["product"], alpha=0.5)
    middle.plot(a, product, color=COLORS["product"], lw=1.5, label="$x(a)\\,w(t-a)$")
    middle.legend(loc="upper right", fontsize=8)
    middle.set_title(f"multiply; the shaded area is $s(t) = {spacing * s_t:.3f}$", fontsize=10)
    bottom.plot(t_axis, s, color=COLORS["muted"], lw=1, ls=":")
    bottom.plot(t_axis[: t + 1], s[: t + 1], color=COLORS["output"], lw=2, label="$s(t)$")
    bottom.scatter([t_axis[t]], [spacing * s_t], color=COLORS["output"], zorder=3)
    bottom.legend(loc="upper right", fontsize=8)
    bottom.set_xlabel("$a$ (top two panels), $t$ (bottom panel)")
    for ax in axes[:, 0]:
        ax.set_xlim(min(a[0], t_axis[0]), max(a[-1], t_axis[-1]))
        ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def flip_2d_terms(image, kernel, i, j):
    """One output of the 2-D valid convolution, as the flipped kernel over a window.

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


def draw_flip_2d_frame(image, kernel, step):
    """The flipped kernel sliding over an image, ``step`` outputs computed in raster order.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.patches as patches

    image, kernel = np.asarray(image, dtype=float), np.asarray(kernel, dtype=float)
    out = signal.convolve(image, kernel, mode="valid")
    i, j = np.unravel_index(step, out.shape)
    built = np.full(out.shape, np.nan)
    built.flat[: step + 1] = out.flat[: step + 1]
    fig, axes = _figure(1, 3, (9.6, 3.4))
    show_image(image, axes[0, 0], title="image $I$ and the flipped kernel's window")
    kh, kw = kernel.shape
    axes[0, 0].add_patch(
        patches.Rectangle(
            (j - 0.5, i - 0.5), kw, kh, fill=False, lw=2.5, edgecolor=COLORS["highlight"]
        )
    )
    show_grid(
        np.round(signal.flip(kernel), 2),
        axes[0, 1],
        cmap="Oranges",
        title="flipped kernel $K(-m, -n)$",
    )
    limit = np.abs(out).max() or 1.0
    axes[0, 2].imshow(built, cmap="RdBu_r", vmin=-limit, vmax=limit, interpolation="nearest")
    axes[0, 2].add_patch(
        patches.Rectangle(
            (j - 0.5, i - 0.5), 1, 1, fill=False, lw=2.5, edgecolor=COLORS["highlight"]
        )
    )
    axes[0, 2].set_xticks([])
    axes[0, 2].set_yticks([])
    axes[0, 2].set_title(f"$S({i}, {j}) = {out[i, j]:.2f}$", fontsize=10)
    fig.tight_layout()
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


def draw_equivariance_frame(image, kernel, transform, amount, kernel_name=""):
    """Four panels: ``f(g(I))``, ``g(f(I))``, their difference, and its size inside.

    Returns
    -------
    matplotlib.figure.Figure
    """
    a, b, difference, interior = equivariance_gap(image, kernel, transform, amount)
    inside = np.abs(difference[interior]).max()
    fig, axes = _figure(1, 3, (9.6, 3.5))
    limit = max(np.abs(a).max(), np.abs(b).max())
    for ax, data, title in ((axes[0, 0], a, "conv(g(I))"), (axes[0, 1], b, "g(conv(I))")):
        ax.imshow(data, cmap="RdBu_r", vmin=-limit, vmax=limit, interpolation="nearest")
        ax.set_title(title, fontsize=10)
        ax.set_xticks([])
        ax.set_yticks([])
    axes[0, 2].imshow(difference, cmap="RdBu_r", vmin=-limit, vmax=limit, interpolation="nearest")
    axes[0, 2].contour(interior, levels=[0.5], colors=[COLORS["highlight"]], linewidths=1.2)
    axes[0, 2].set_title(f"difference: max |.| inside = {inside:.2g}", fontsize=10)
    axes[0, 2].set_xticks([])
    axes[0, 2].set_yticks([])
    unit = {"shift": " px", "rotate": " deg", "scale": "x"}[transform]
    fig.suptitle(f"{kernel_name} kernel, g = {transform} by {amount}{unit}", fontsize=11)
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
    """One precision of a prior sweep: the fitted ``W``, and the errors along the sweep.

    Parameters
    ----------
    results : list of dict
        From :func:`cnncourse.prior.sweep`.
    index : int
        Which precision to show.
    W_true : numpy.ndarray
        The matrix that generated the data.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from .prior import precision_label

    chosen = results[index]
    fig, axes = _figure(1, 3, (11, 3.4))
    limit = np.abs(W_true).max()
    for ax, matrix, title in (
        (axes[0, 0], chosen["W"], f"fitted W, precision {precision_label(chosen['lam'])}"),
        (axes[0, 1], W_true, "W that generated the data"),
    ):
        ax.imshow(matrix, cmap="RdBu_r", vmin=-limit, vmax=limit, interpolation="nearest")
        ax.set_title(title, fontsize=10)
        ax.set_xticks([])
        ax.set_yticks([])
    positions = np.arange(len(results))
    floor = 1e-8  # a log axis cannot show zero: exact zeros are drawn at this floor
    ax = axes[0, 2]
    for key, marker, color, label in (
        ("test_error", "o", COLORS["output"], "test error"),
        ("distance", "s", COLORS["input"], "distance to a convolution"),
    ):
        values = [max(r[key], floor) for r in results]
        ax.plot(positions, values, marker=marker, color=color, label=label)
    ax.axvline(index, color=COLORS["highlight"], lw=2)
    ax.set_yscale("log")
    ax.set_ylim(floor / 3, None)
    ax.set_xticks(positions, [precision_label(r["lam"]) for r in results], rotation=60, fontsize=7)
    ax.set_xlabel("prior precision")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig
