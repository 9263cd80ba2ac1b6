"""Frames of the interactive figures, §9.3: pooling windows and what a shift changes."""

import textwrap

import numpy as np

from .._optional import require
from ..plotting import show_grid
from ._figure import _figure

#: How many characters a line of the shift widget's result text holds. At 10 points, under
#: 4.4 inches.
RESULT_CHARACTERS = 58


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


def relative_change(before, after):
    """The size of a change relative to the size of what changed.

    .. math::

        \\frac{\\|\\text{after} - \\text{before}\\|_2}{\\|\\text{before}\\|_2}

    0 when nothing changed; about
    :math:`\\sqrt{2 \\operatorname{Var} x / \\operatorname{E} x^2}` when ``after`` is an
    independent copy of ``before``. 0 for an all-zero ``before`` that stays zero, ``inf``
    if it does not.

    Examples
    --------
    >>> relative_change(np.array([3.0, 4.0]), np.array([3.0, 4.0]))
    0.0
    >>> relative_change(np.array([3.0, 4.0]), np.array([0.0, 4.0]))
    0.6
    """
    before = np.asarray(before, dtype=float)
    change = float(np.linalg.norm(np.asarray(after, dtype=float) - before))
    size = float(np.linalg.norm(before))
    if size == 0:
        return 0.0 if change == 0 else float("inf")
    return change / size


def pooling_shift_changes(detector, shift, width, stride=1, tolerance=1e-12):
    """How a shift of the input changes detector and max-pooled values (the book's Figure 9.8).

    The detector row is shifted ``shift`` samples to the right (zeros enter on the left);
    both rows are max pooled with windows of ``width`` and ``stride``.

    Two measures of the change, for the detector row and for the pooled row: the
    *fraction of values that changed* (a count, position by position) and the *relative
    change* :math:`\\|\\text{after} - \\text{before}\\| / \\|\\text{before}\\|`
    (``relative_change``), which also weighs how far each value moved.

    Returns
    -------
    dict
        ``before``/``after`` detector rows, ``pooled_before``/``pooled_after``, boolean
        ``detector_changed``/``pooled_changed``, the fractions of each that changed
        (``detector_fraction``, ``pooled_fraction``), their relative changes
        (``detector_relative_change``, ``pooled_relative_change``) and their absolute,
        root-mean-square changes (``detector_rms_change``, ``pooled_rms_change``).
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
        "detector_relative_change": relative_change(before, after),
        "pooled_relative_change": relative_change(pooled_before, pooled_after),
        "detector_rms_change": rms_change(before, after),
        "pooled_rms_change": rms_change(pooled_before, pooled_after),
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


def _draw_cell_row(ax, y, values, lefts, cell_width, changed, top, fontsize=9):
    """One row of numbered cells at height ``y``; cell ``k`` spans ``lefts[k]`` + ``cell_width``."""
    patches = require("matplotlib.patches", "book", "cnncourse.frames.pooling")
    colormaps = require("matplotlib", "book", "cnncourse.frames.pooling").colormaps

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
            fontsize=fontsize,
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


def draw_pooling_frame(detector, shift, width, stride, narrow=False):
    """Detector and pooled rows before and after a shift, changed values highlighted.

    Each pooled value is drawn under the window it summarises: pooled cell :math:`k` is
    ``stride`` detector cells wide and centred on its window
    :math:`[s k, s k + w)`, so a shift by one stride visibly moves the pooled row by
    one cell. Red outlines mark values that changed in place. The text above the cells
    gives the fractions that changed in place and the fraction of pooled values that
    still differ once the shifted pooled row is moved back
    (:func:`pooled_change_up_to_shift`); it starts at the figure's left edge and is
    wrapped to at most 4.4 inches (``RESULT_CHARACTERS`` per line), so that a phone shows
    all of it.

    With ``narrow`` the figure is 4.2 inches wide (a phone's column at 80 dpi): each row's
    name sits above it and its cells span the width. The wide figure offers this drawing
    to ``cnncourse.layout.narrow_variant``.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from ..layout import offer_narrow

    result = pooling_shift_changes(detector, shift, width, stride)
    moved = pooled_change_up_to_shift(detector, shift, width, stride)
    length = len(result["before"])
    cell_inches = 4.1 / (length + 0.2)  # narrow: the cells fill 4.1 inches
    size = (4.2, 1.15 + 4 * 1.9 * cell_inches) if narrow else (8.4, 4.0)
    fig, axes = _figure(1, 1, size)
    ax = axes[0, 0]
    pooled_lefts = stride * np.arange(len(result["pooled_before"])) + (width - stride) / 2
    top = float(np.max(result["before"]))
    rows = [
        ("pooled, shifted", result["pooled_after"], pooled_lefts, stride, result["pooled_changed"]),
        ("detector, shifted", result["after"], np.arange(length), 1, result["detector_changed"]),
        ("pooled", result["pooled_before"], pooled_lefts, stride, None),
        ("detector", result["before"], np.arange(length), 1, None),
    ]
    pitch = 1.9 if narrow else 1.4  # a row and the space above it (its name, when narrow)
    for row, (name, values, lefts, cell_width, changed) in enumerate(rows):
        y = pitch * (len(rows) - 1 - row)
        _draw_cell_row(ax, y, values, lefts, cell_width, changed, top, 8.5 if narrow else 9)
        if narrow:
            ax.text(-0.05, y + 1.08, name, ha="left", va="bottom", fontsize=9)
        else:
            ax.text(-0.3, y + 0.5, name, ha="right", va="center", fontsize=9)
    ax.set_xlim(-0.1 if narrow else -3.2, length + 0.1)
    ax.set_ylim(-0.1, pitch * len(rows) - 0.3)
    ax.set_aspect("equal")
    ax.axis("off")
    # the result, left-aligned at the figure's left edge and wrapped to 4.4 inches, so that
    # a phone (about 358 px, the figure at 80 dpi) shows all of it though the cells scroll
    lines = [
        f"width {width}, stride {stride}, shift {shift}:",
        f"{result['detector_fraction']:.0%} of detector values change, "
        f"{result['pooled_fraction']:.0%} of pooled values;",
        f"moved back by {moved['output_shift']} cell(s), "
        f"{moved['fraction']:.0%} of pooled values still differ",
    ]
    wrapped = [
        part for line in lines for part in textwrap.wrap(line, 56 if narrow else RESULT_CHARACTERS)
    ]
    fig.text(0.01, 0.985, "\n".join(wrapped), ha="left", va="top", fontsize=10)
    # a fixed layout: tight_layout would draw the figure once more, for every frame
    top_edge = 1 - 0.95 / size[1] if narrow else 0.84
    fig.subplots_adjust(left=0.01, right=0.99, top=top_edge, bottom=0.02)
    if not narrow:
        offer_narrow(fig, draw_pooling_frame, detector, shift, width, stride, narrow=True)
    return fig


def shift_sweep(detector, shifts, widths):
    """Both measures of what a shift changes, for a detector row and its max pools (stride 1).

    For every shift :math:`d` in ``shifts`` and pooling width :math:`w` in ``widths``,
    :func:`pooling_shift_changes` compares the rows before and after the shift, position by
    position, in three ways: the fraction of values that changed, the relative change
    :math:`\\|\\text{after} - \\text{before}\\| / \\|\\text{before}\\|`, and the absolute
    (root-mean-square) change. The model
    :func:`expected_shift_changes` predicts the fractions.

    Parameters
    ----------
    detector : array_like, shape (L,)
        A detector row, e.g. rectified noise.
    shifts : sequence of int
    widths : sequence of int
        Pooling widths (stride 1).

    Returns
    -------
    dict
        ``shifts`` (array); ``fraction``, ``relative``, ``absolute`` (the root-mean-square
        change, :func:`rms_change`) and ``model``, each a dict from
        ``"detector"`` or a width to an array with one value per shift; and
        ``zero_fraction``, a dict from each width to the fraction of pooled values that are
        exactly zero (their whole window is zero).

    Examples
    --------
    >>> row = np.maximum(np.random.default_rng(0).standard_normal(4000), 0)
    >>> sweep = shift_sweep(row, [0, 1], [3])
    >>> print(sweep["fraction"]["detector"][0], sweep["relative"][3][0])
    0.0 0.0
    """
    from ..pool import max_pool1d

    detector = np.asarray(detector, dtype=float)
    shifts = np.asarray(shifts, dtype=int)
    keys = ["detector", *widths]
    fraction = {key: [] for key in keys}
    relative = {key: [] for key in keys}
    absolute = {key: [] for key in keys}
    for d in shifts:
        for w in widths:
            result = pooling_shift_changes(detector, int(d), w)
            fraction[w].append(result["pooled_fraction"])
            relative[w].append(result["pooled_relative_change"])
            absolute[w].append(result["pooled_rms_change"])
        # the detector's measures do not depend on the pooling width
        result = pooling_shift_changes(detector, int(d), 1)
        fraction["detector"].append(result["detector_fraction"])
        relative["detector"].append(result["detector_relative_change"])
        absolute["detector"].append(result["detector_rms_change"])
    model = {"detector": [expected_shift_changes(1, int(d))[0] for d in shifts]}
    model.update({w: [expected_shift_changes(w, int(d))[1] for d in shifts] for w in widths})
    zero_fraction = {w: float(np.mean(max_pool1d(detector[None], w, 1)[0] == 0)) for w in widths}
    as_arrays = lambda curves: {key: np.array(curve) for key, curve in curves.items()}  # noqa: E731
    return {
        "shifts": shifts,
        "fraction": as_arrays(fraction),
        "relative": as_arrays(relative),
        "absolute": as_arrays(absolute),
        "model": as_arrays(model),
        "zero_fraction": zero_fraction,
    }


def first_shift_above(curves, width, shifts):
    """The smallest shift at which the pooled curve of ``width`` is above the detector's.

    ``curves`` maps ``"detector"`` and each width to one value per shift (a dict of
    :func:`shift_sweep`); returns ``None`` if the pooled curve never rises above.
    """
    above = np.asarray(curves[width]) > np.asarray(curves["detector"])
    return int(np.asarray(shifts)[np.argmax(above)]) if above.any() else None


def draw_shift_measures(sweep):
    """Three panels, one above the other: three measures of what a shift changes.

    Top, the fraction of values that change (:func:`shift_sweep`, dots) with the model
    (dashes); middle, the change relative to the row's size,
    :math:`\\|\\text{after} - \\text{before}\\| / \\|\\text{before}\\|`; bottom, the
    absolute, root-mean-square change. Grey is the detector row, one colour per pooling
    width. 6.4 inches wide with 12-point text, so that it reads at phone width.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from ..plotting import COLORS

    fig, axes = _figure(3, 1, (6.4, 10.2))
    shifts = sweep["shifts"]
    widths = [key for key in sweep["fraction"] if key != "detector"]
    colors = {"detector": COLORS["muted"], **{w: f"C{i}" for i, w in enumerate(widths)}}
    panels = [
        ("fraction", "fraction changed", "count: how many values change"),
        ("relative", "change / size", "size relative to the row's size"),
        ("absolute", "RMS change", "absolute size (root mean square)"),
    ]
    for ax, (key, ylabel, title) in zip(axes[:, 0], panels, strict=True):
        for row, color in colors.items():
            label = "detector" if row == "detector" else f"max pool, width {row}"
            ax.plot(
                shifts,
                sweep[key][row],
                "o-" if key != "fraction" else "o",
                color=color,
                label=label,
            )
            if key == "fraction":
                ax.plot(shifts, sweep["model"][row], "--", color=color, lw=1)
        ax.set_ylabel(ylabel, fontsize=12)
        ax.set_title(title, fontsize=12)
        ax.set_ylim(-0.03, 1.3 if key == "relative" else 1.03)
        ax.tick_params(labelsize=12)
        ax.grid(alpha=0.3)
    axes[0, 0].legend(
        fontsize=12,
        loc="lower right",
        title="dots: measured, dashes: model",
        title_fontsize=12,
    )
    axes[2, 0].set_xlabel("shift d of the input (samples)", fontsize=12)
    fig.tight_layout()
    return fig


def strided_shift_table(detector, settings, shifts):
    """What a shift changes in strided max pools, cell by cell and after moving back.

    For each ``(width, stride)`` in ``settings`` and each shift in ``shifts``: the fraction
    of pooled values that changed in place (:func:`pooling_shift_changes`) and the fraction
    that changed once the pooled row is moved back by the best whole number of cells
    (:func:`pooled_change_up_to_shift`).

    Returns
    -------
    dict
        ``cell_by_cell`` and ``moved_back``: each a dict from ``(width, stride)`` to an
        array with one fraction per shift.
    """
    cell_by_cell, moved_back = {}, {}
    for w, s in settings:
        cell_by_cell[w, s] = np.array(
            [pooling_shift_changes(detector, int(d), w, s)["pooled_fraction"] for d in shifts]
        )
        moved_back[w, s] = np.array(
            [pooled_change_up_to_shift(detector, int(d), w, s)["fraction"] for d in shifts]
        )
    return {"cell_by_cell": cell_by_cell, "moved_back": moved_back}


def rotated_line_responses(angles, n_detectors, image_size=31, kernel_size=15, length=13):
    r"""Line detectors at spaced angles and their maximum over channels (the book's Figure 9.9).

    Each input is a bar of ``length`` pixels (3 wide) at one of ``angles`` (radians) in an
    ``image_size`` square; the ``n_detectors`` kernels are the same bar at angles
    :math:`\pi j / n` (:math:`j = 0, \dots, n - 1`), with their mean removed. A detector's
    response to an input is the largest value of its valid convolution; the pooled unit
    is :func:`cnncourse.channel_max_pool` over all detectors, i.e. the largest response.

    Returns
    -------
    tuple of numpy.ndarray
        ``(single, pooled)``, shapes ``(len(angles), n_detectors)`` and ``(len(angles),)``,
        both divided by the largest response of any detector at any angle.
    """
    from .. import filters
    from ..conv import conv2d
    from ..pool import channel_max_pool

    size = (image_size, image_size)
    stimuli = np.stack([filters.bar(a, size, length, 3) for a in angles])[:, None]
    detector_angles = np.pi * np.arange(n_detectors) / n_detectors
    kernels = np.stack(
        [filters.bar(a, (kernel_size, kernel_size), length, 3) for a in detector_angles]
    )
    kernels -= kernels.mean(axis=(1, 2), keepdims=True)
    maps = conv2d(stimuli, kernels[:, None])  # (angles, detectors, H, W)
    single = maps.max(axis=(2, 3))
    pooled = channel_max_pool(maps, n_detectors).max(axis=(2, 3))[:, 0]
    top = single.max()
    return single / top, pooled / top


def conv_costs(model, x):
    """Output shape, parameters and multiply-adds of a torch model's convolutions on ``x``.

    A 2-D convolution with :math:`C_\\text{in}/g` input channels per group and a
    :math:`k_h \\times k_w` kernel does one multiply-add per kernel tap for every output
    value:

    .. math::

        \\text{multiply-adds} = \\sum_{\\text{convolutions}}
        \\#\\text{outputs} \\cdot \\frac{C_\\text{in}}{g}\\, k_h k_w .

    Pooling and activation layers have no parameters and do no multiply-adds (a max pool
    compares instead; comparisons are not counted).

    Parameters
    ----------
    model : torch.nn.Module
    x : torch.Tensor
        One input batch.

    Returns
    -------
    dict
        ``shape`` (the output's shape, a tuple), ``parameters`` (int) and
        ``multiply_adds`` (int, of the ``torch.nn.Conv2d`` layers).
    """
    torch = require("torch", "torch", "cnncourse.frames.pooling")

    counts = []

    def count(layer, inputs, output):
        counts.append(output.numel() * layer.weight[0].numel())

    convolutions = [m for m in model.modules() if isinstance(m, torch.nn.Conv2d)]
    hooks = [m.register_forward_hook(count) for m in convolutions]
    try:
        with torch.no_grad():
            out = model(x)
    finally:
        for hook in hooks:
            hook.remove()
    return {
        "shape": tuple(out.shape),
        "parameters": sum(p.numel() for p in model.parameters()),
        "multiply_adds": int(sum(counts)),
    }


# ---- the chapter's tables: (header, rows) for cnncourse.tables.show_table ----


def number_text(values, digits=2):
    """A row of numbers as short text, rounded, trailing zeros dropped: ``0.1, 1, 0.25``.

    Examples
    --------
    >>> number_text([0.1, 1.0, 0.25])
    '0.1, 1, 0.25'
    """
    return ", ".join(f"{v:.{digits}f}".rstrip("0").rstrip(".") for v in values)


def stage_table(stages):
    """Shape and share of non-negative values of each stage of a layer (the book's Figure 9.7).

    ``stages`` maps a stage's name to its array, shape (N, C, H, W).

    Examples
    --------
    >>> stage_table({"detector": np.ones((1, 2, 3, 4))})
    (['stage', 'shape (N, C, H, W)', 'values ≥ 0'], [('detector', '1 × 2 × 3 × 4', '100%')])
    """
    header = ["stage", "shape (N, C, H, W)", "values ≥ 0"]
    rows = [
        (name, " × ".join(map(str, np.shape(a))), f"{np.mean(np.asarray(a) >= 0):.0%}")
        for name, a in stages.items()
    ]
    return header, rows


def grid_table(values, fmt="{:.0f}"):
    """A 2-D array as a table: one row per array row, columns ``column 0``, ``column 1``, …"""
    values = np.asarray(values)
    header = ["", *(f"column {j}" for j in range(values.shape[1]))]
    rows = [(f"row {i}", *(fmt.format(v) for v in values[i])) for i in range(values.shape[0])]
    return header, rows


def gradient_table(values, gradient):
    """Each input value with its gradient, ``value → gradient``; nonzero gradients in bold."""
    values, gradient = np.asarray(values, dtype=float), np.asarray(gradient, dtype=float)
    texts = np.array(
        [
            f"**{v:.2f} → {g:g}**" if g else f"{v:.2f} → 0"
            for v, g in zip(values.ravel(), gradient.ravel(), strict=True)
        ]
    ).reshape(values.shape)
    header, rows = grid_table(texts, "{}")
    return ["input → gradient", *header[1:]], rows


def before_after_table(rows):
    """Rows before and after a shift, and how many values changed (the book's Figure 9.8).

    ``rows`` maps a row's name to an array of shape (2, L): the values before and after.
    """
    header = ["row", "before the shift", "after the shift", "changed"]
    table = [
        (name, number_text(a), number_text(b), int(np.sum(np.asarray(a) != np.asarray(b))))
        for name, (a, b) in rows.items()
    ]
    return header, table


def sweep_table(sweep, measure, shifts=None):
    """One measure of :func:`shift_sweep`: a row per shift, a column per row measured.

    ``measure`` is ``"fraction"``, ``"relative"`` or ``"absolute"``; ``shifts`` the shifts
    to list (default all but 0). Five narrow columns, so that it fits a phone.
    """
    keys = list(sweep[measure])
    header = ["shift d", *("detector" if k == "detector" else f"pool {k}" for k in keys)]
    wanted = [d for d in sweep["shifts"] if d != 0] if shifts is None else list(shifts)
    index = {int(d): i for i, d in enumerate(sweep["shifts"])}
    rows = [(str(d), *(f"{sweep[measure][k][index[int(d)]]:.2f}" for k in keys)) for d in wanted]
    return header, rows


def strided_table(table, names, shifts=(1, 2)):
    """:func:`strided_shift_table` for a few shifts: cell by cell and moved back, side by side.

    ``names`` maps each ``(width, stride)`` to the row's name.
    """
    hows = (("cell by cell", table["cell_by_cell"]), ("moved back", table["moved_back"]))
    header = ["stride 2", *(f"d = {d}, {how}" for d in shifts for how, _ in hows)]
    rows = [
        (name, *(f"{fractions[key][d]:.2f}" for d in shifts for _, fractions in hows))
        for key, name in names.items()
    ]
    return header, rows


def output_size_table(settings, sizes):
    """Output side of each pooling setting for square inputs of each size.

    ``settings`` maps a name to ``(kernel, stride, padding)``; the size is
    :math:`\\lfloor (n + 2p - k) / s \\rfloor + 1` (:func:`cnncourse.conv_output_size`).
    """
    from ..conv import conv_output_size

    header = ["window, stride", *(f"{n} × {n} in" for n in sizes)]
    rows = []
    for name, (k, s, p) in settings.items():
        out = [conv_output_size(n, k, stride=s, padding=p) for n in sizes]
        rows.append((name, *(f"{m} × {m}" for m in out)))
    return header, rows


def cost_table(costs):
    """Output shape, parameters and multiply-adds of each design (:func:`conv_costs`)."""
    header = ["design", "output (N, C, H, W)", "parameters", "multiply-adds"]
    rows = [
        (name, " × ".join(map(str, c["shape"])), f"{c['parameters']:,}", f"{c['multiply_adds']:,}")
        for name, c in costs.items()
    ]
    return header, rows


def trace_text(traces):
    """Each network's stages and their shapes, one stage a line (``cnncourse.nn.trace_shapes``)."""
    lines = []
    for name, trace in traces.items():
        lines.append(f"{name}:")
        lines += [f"    {stage:<28} {' x '.join(map(str, shape))}" for stage, shape in trace]
    return "\n".join(lines)


def summary_table(average, power_mean, maximum, norm):
    """Average, power means, max and :math:`L^p` norms of the same windows, in rising order.

    ``power_mean`` and ``norm`` map :math:`p` to one value per window; the rows run average,
    :math:`M_p` for rising :math:`p`, max, then :math:`L^p` for falling :math:`p`, which for
    non-negative windows is the order of the values (:math:`M_1 \\le M_2 \\le \\dots \\le
    \\max \\le \\dots \\le L^2 \\le L^1`).
    """
    rows = [
        ("average", average),
        *((f"power mean M{p}", power_mean[p]) for p in sorted(power_mean)),
    ]
    rows.append(("max", maximum))
    rows += [(f"L{p} norm (lp_pool1d)", norm[p]) for p in sorted(norm, reverse=True)]
    header = ["pooling", *(f"window {w + 1}" for w in range(len(np.atleast_1d(maximum))))]
    return header, [(name, *(f"{v:.3f}" for v in np.atleast_1d(values))) for name, values in rows]


def edge_response(kernel, edge_angle, size=41):
    r"""Strongest response of a kernel to a straight step edge at a given orientation.

    .. math::

        e_\phi(u, v) = [\,u \sin\phi + v \cos\phi > 0\,], \qquad
        r(\phi) = \max_{i, j} \big|(e_\phi \star k)_{ij}\big|

    with :math:`u` the column and :math:`v` the row offset from the image centre (rows grow
    downwards), so that :math:`\phi` is the edge's angle as seen on the screen,
    counter-clockwise from horizontal: 0 a horizontal edge, 90 a vertical one, 45 a ``/``
    and 135 a ``\`` edge. Only valid positions of the kernel count (no padding).

    Parameters
    ----------
    kernel : array_like, shape (kH, kW)
    edge_angle : float
        :math:`\phi` in degrees.
    size : int
        Side of the square edge image.

    Returns
    -------
    float
    """
    from ..conv import conv2d

    half = (size - 1) / 2
    v, u = np.mgrid[0:size, 0:size] - half
    phi = np.deg2rad(edge_angle)
    edge = (u * np.sin(phi) + v * np.cos(phi) > 0).astype(float)
    kernel = np.asarray(kernel, dtype=float)
    return float(np.abs(conv2d(edge[None, None], kernel[None, None])).max())


def draw_layer_stages(image, stages, labels):
    """The three stages of one layer, every map drawn at its true size (the book's Figure 9.7).

    Column 0 shows the input (first row only); columns 1 to ``C`` show channel ``c`` of the
    convolution (signed, diverging colours), the detector and the pooled map, one stage a row.
    All panels share one pixel scale: a map with half the rows and columns is drawn at half
    the height and width, centred in its panel, inside a dashed outline of the input's size;
    each row's label gives its maps' size.

    Parameters
    ----------
    image : array_like, shape (H, W)
    stages : dict
        Stage name to maps of shape (1, C, h, w), in the order to draw them; the first has
        the image's size.
    labels : sequence of str
        One column title per channel.

    Returns
    -------
    matplotlib.figure.Figure
    """
    patches = require("matplotlib.patches", "book", "cnncourse.frames.pooling")

    from ..plotting import show_image

    image = np.asarray(image, dtype=float)
    height, width = image.shape
    n_channels = len(labels)
    fig, axes = _figure(len(stages), n_channels + 1, (9, 6.4))
    for row, (stage, maps) in enumerate(stages.items()):
        maps = np.asarray(maps, dtype=float)
        if row == 0:
            show_image(image, axes[0, 0], title="input")
        else:
            axes[row, 0].axis("off")
        for c in range(n_channels):
            ax = axes[row, c + 1]
            show_image(maps[0, c], ax, symmetric=row == 0, title=labels[c] if row == 0 else None)
            h, w = maps.shape[-2:]
            top, left = (height - h) / 2, (width - w) / 2
            ax.images[0].set_extent((left - 0.5, left + w - 0.5, top + h - 0.5, top - 0.5))
            ax.set_xlim(-0.5, width - 0.5)
            ax.set_ylim(height - 0.5, -0.5)
            if (h, w) != (height, width):
                for spine in ax.spines.values():
                    spine.set_visible(False)
                outline = patches.Rectangle(
                    (-0.5, -0.5), width, height, fill=False, ls="--", lw=0.8, ec="0.6"
                )
                outline.set_clip_on(False)
                ax.add_patch(outline)
        h, w = maps.shape[-2:]
        axes[row, 1].set_ylabel(f"{stage}\n{h} × {w}", fontsize=10)
    fig.tight_layout()
    return fig


def rms_change(before, after):
    """The absolute size of a change: the root mean square of ``after - before``.

    .. math::

        \\sqrt{\\tfrac{1}{n} \\textstyle\\sum_i (\\text{after}_i - \\text{before}_i)^2}

    Unlike :func:`relative_change` it does not divide by the size of ``before``, so a row
    of large values (a max pool) is not favoured over a row of small ones.

    Examples
    --------
    >>> rms_change(np.array([3.0, 4.0]), np.array([3.0, 2.0]))
    1.4142135623730951
    """
    difference = np.asarray(after, dtype=float) - np.asarray(before, dtype=float)
    return float(np.sqrt(np.mean(difference**2)))


def photo_shift_changes(image, bank, widths=(2, 3, 5), margin=8, tolerance=1e-9):
    """What a one-pixel shift of a real image changes in its detector and pooled maps.

    The image is shifted one pixel to the right (zeros enter on the left); both versions
    go through the convolution with ``bank`` ("same" padding) and a ReLU. The detector
    maps and their max pools (``widths``, stride 1) are compared in place, away from the
    image's border (``margin`` pixels), by the fraction of values that changed and by the
    root-mean-square change (:func:`rms_change`). The 3 x 3, stride 2, padding 1 pooling
    of §9.3's layer is compared *moved back*: the shifted pooled maps slid left by the
    whole number of cells, 0 or 1, that leaves fewest values different.

    Parameters
    ----------
    image : array_like, shape (H, W)
    bank : array_like, shape (C, k, k)
        The convolution kernels.

    Returns
    -------
    dict
        ``fraction`` and ``rms``: dicts from ``"detector"`` and each width to a float;
        ``strided``: ``{"output_shift", "fraction"}`` for the 3 x 3 / 2 pooling, moved back.
    """
    from ..conv import conv2d
    from ..pool import max_pool2d

    before = np.asarray(image, dtype=float)
    after = np.zeros_like(before)
    after[:, 1:] = before[:, :-1]
    kernels = np.asarray(bank, dtype=float)[:, None]
    maps = [
        np.maximum(conv2d(x[None, None], kernels, padding="same"), 0.0) for x in (before, after)
    ]
    inner = (Ellipsis, slice(margin, -margin), slice(margin, -margin))
    fraction, rms = {}, {}
    for key in ("detector", *widths):
        if key == "detector":
            old, new = maps
        else:
            old, new = (max_pool2d(m, key, stride=1, padding=0) for m in maps)
        # pooled value (i, j) covers rows i..i+w-1: its window starts where the detector's does
        old, new = old[inner], new[inner]
        fraction[key] = float(np.mean(np.abs(new - old) > tolerance))
        rms[key] = rms_change(old, new)
    old, new = (max_pool2d(m, 3, stride=2, padding=1) for m in maps)
    cells = slice(margin // 2, -(margin // 2))
    moved = []
    for m in (0, 1):
        moved_new = new[..., cells, margin // 2 + m : new.shape[-1] - margin // 2 + m]
        moved.append(float(np.mean(np.abs(moved_new - old[..., cells, cells]) > tolerance)))
    best = int(np.argmin(moved))
    return {
        "fraction": fraction,
        "rms": rms,
        "strided": {"output_shift": best, "fraction": moved[best]},
    }


def photo_shift_table(result):
    """:func:`photo_shift_changes` as a table: one row per map, the count and the RMS change."""
    header = ["map (one-pixel shift)", "values changed", "RMS change"]
    rows = [
        (
            "detector" if key == "detector" else f"max pool {key} × {key}, stride 1",
            f"{result['fraction'][key]:.0%}",
            f"{result['rms'][key]:.3f}",
        )
        for key in result["fraction"]
    ]
    strided = result["strided"]
    rows.append(("max pool 3 × 3, stride 2, moved back", f"{strided['fraction']:.0%}", "–"))
    return header, rows
