"""Frames of the interactive figures, §9.3: pooling windows and what a shift changes."""

import numpy as np

from ..plotting import show_grid
from ._figure import _figure


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
    from ..pool import max_pool2d

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
    from ..pool import max_pool1d

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
