"""The introduction's simple and complex cells: shift a photo, measure and draw the change.

Not re-exported by :mod:`cnncourse.frames`; import it as
``from cnncourse.frames import intro as intro_frames``.
"""

import numpy as np

from .._optional import require
from ..conv import conv2d
from ..plotting import COLORS
from ..pool import avg_pool2d, max_pool2d
from ._figure import _figure
from .motivation import shift_image
from .pooling import relative_change as pooling_relative_change

POOLS = ("max", "avg", "subsample")


def cells(image, kernels, width=8, pool="max"):
    """Simple cells and complex cells of one grey image.

    .. math::

        S_c = \\max\\big(0, (I \\star K_c)\\big), \\qquad
        C_c(p, q) = \\operatorname{summary}\\{S_c(i, j) : (i, j) \\in \\text{window}(p, q)\\}

    with valid cross-correlation :math:`\\star` and non-overlapping ``width`` × ``width``
    windows (stride ``width``).

    Parameters
    ----------
    image : numpy.ndarray, shape (H, W)
    kernels : numpy.ndarray, shape (C, 1, kH, kW)
    width : int
        Side of the pooling window, and its stride.
    pool : {"max", "avg", "subsample"}
        The summary: the window's maximum, its mean, or no summary at all (the window's
        top-left value, i.e. subsampling by ``width`` without pooling).

    Returns
    -------
    simple : numpy.ndarray, shape (1, C, H - kH + 1, W - kW + 1)
    pooled : numpy.ndarray, shape (1, C, H', W')
        ``H' = (H - kH + 1) // width``, likewise ``W'``.
    """
    if pool not in POOLS:
        raise ValueError(f"`pool` must be one of {POOLS}, got {pool!r}")
    simple = np.maximum(conv2d(np.asarray(image, float)[None, None], kernels), 0)
    if pool == "max":
        return simple, max_pool2d(simple, width)
    if pool == "avg":
        return simple, avg_pool2d(simple, width)
    rows, cols = (n // width * width for n in simple.shape[-2:])
    return simple, simple[..., :rows:width, :cols:width]


def relative_change(a, b, per_channel=False):
    """The relative change :math:`\\|a - b\\| / \\|a\\|` (Frobenius norms): overall, as
    :func:`cnncourse.frames.pooling.relative_change`, or one value per channel.

    Parameters
    ----------
    a, b : numpy.ndarray, shape (..., C, H, W)
        The map before and after.
    per_channel : bool
        One value per channel ``C`` (norms over the other axes) instead of one overall.

    Returns
    -------
    float or numpy.ndarray, shape (C,)
    """
    if not per_channel:
        return pooling_relative_change(a, b)
    a, b = np.asarray(a, float), np.asarray(b, float)
    axes = tuple(i for i in range(a.ndim) if i != a.ndim - 3)
    return np.sqrt(((a - b) ** 2).sum(axis=axes) / (a**2).sum(axis=axes))


def shift_changes(image, kernels, shift, width=8, pool="max", margin=16, axis=1):
    """How much the simple and the complex cells change when the image moves.

    The image moves ``shift`` pixels to the right (``axis=1``; zeros enter on the left) or
    down (``axis=0``; zeros enter at the top); each map is
    compared with the original at the same positions, more than ``margin`` pixels from
    the border of the simple maps (``margin // width`` pooled cells for the pooled maps).

    Parameters
    ----------
    image : numpy.ndarray, shape (H, W)
    kernels : numpy.ndarray, shape (C, 1, kH, kW)
    shift : int
    width : int
    pool : {"max", "avg", "subsample"}
    margin : int
        A multiple of ``width``.
    axis : {1, 0}
        Move along the columns (to the right) or along the rows (down).

    Returns
    -------
    dict
        ``"simple"``, ``"complex"``: the overall relative changes (floats);
        ``"simple_channels"``, ``"complex_channels"``: arrays of shape (C,), per channel.
    """
    if margin % width:
        raise ValueError(f"`margin` ({margin}) must be a multiple of `width` ({width})")
    simple, pooled = cells(image, kernels, width, pool)
    if axis not in (0, 1):
        raise ValueError(f"`axis` must be 0 (down) or 1 (right), got {axis!r}")
    image = np.asarray(image, float)
    moved = shift_image(image, shift) if axis == 1 else shift_image(image.T, shift).T
    simple_moved, pooled_moved = cells(moved, kernels, width, pool)
    cut = margin // width
    inner = np.s_[..., margin:-margin, margin:-margin]
    inner_pooled = np.s_[..., cut:-cut, cut:-cut]
    pairs = {
        "simple": (simple[inner], simple_moved[inner]),
        "complex": (pooled[inner_pooled], pooled_moved[inner_pooled]),
    }
    out = {name: relative_change(a, b) for name, (a, b) in pairs.items()}
    for name, (a, b) in pairs.items():
        out[f"{name}_channels"] = relative_change(a, b, per_channel=True)
    return out


def draw_shift_figure(
    simple,
    simple_moved,
    pooled,
    pooled_moved,
    channel,
    label,
    shift=2,
    changes=None,
    margin=16,
):
    """One orientation, before and after the shift: simple and pooled maps, and differences.

    Left column: the simple map of the photo, of the shifted photo, and their difference
    (after − before); right column: the same for the pooled maps. Both difference panels
    share one diverging colour scale, so their sizes can be compared by eye. A dashed box
    marks the region the relative changes are measured on, ``margin`` pixels in from the
    border of the simple map (``margin // width`` cells of the pooled map); outside it,
    the zeros that entered with the shift show as a stripe. The figure is 4.4 inches wide
    with 10-point text, so that it stays readable on a phone.

    Parameters
    ----------
    simple, simple_moved : numpy.ndarray, shape (1, C, H, W)
    pooled, pooled_moved : numpy.ndarray, shape (1, C, H', W')
    channel : int
        Which channel (orientation) to draw.
    label : str
        The orientation, for the titles (e.g. ``"0°"``).
    shift : int
        The shift in pixels, for the titles.
    changes : pair of float, optional
        The relative changes of the simple and the pooled map, shown in the difference
        panels' titles.
    margin : int
        The measured region's distance from the border, in pixels of the simple map.

    Returns
    -------
    matplotlib.figure.Figure
    """
    patches = require("matplotlib.patches", "book", "cnncourse.frames.intro")

    width = simple.shape[-1] // pooled.shape[-1]
    columns = (
        ("simple", simple[0, channel], simple_moved[0, channel], margin),
        ("pooled", pooled[0, channel], pooled_moved[0, channel], margin // width),
    )
    limit = max(np.abs(after - before).max() for _, before, after, _ in columns) or 1.0
    top = max(before.max() for _, before, _, _ in columns) or 1.0
    fig, axes = _figure(3, 2, (4.4, 7.4))
    for c, (name, before, after, cut) in enumerate(columns):
        note = "" if changes is None else f": {changes[c]:.0%}"
        panels = (
            (before, f"{name}, {label}", "gray", 0.0, top),
            (after, f"moved {shift} px", "gray", 0.0, top),
            (after - before, f"difference{note}", "RdBu_r", -limit, limit),
        )
        for ax, (values, title, cmap, low, high) in zip(axes[:, c], panels, strict=True):
            shown = ax.imshow(values, cmap=cmap, vmin=low, vmax=high, interpolation="nearest")
            ax.set_title(title, fontsize=10)
            ax.set_xticks([])
            ax.set_yticks([])
            rows, cols = values.shape
            box = patches.Rectangle(
                (cut - 0.5, cut - 0.5),
                cols - 2 * cut,
                rows - 2 * cut,
                fill=False,
                linestyle="--",
                linewidth=1.2,
                edgecolor=COLORS["kernel"],
            )
            ax.add_patch(box)
    bar = fig.colorbar(shown, ax=axes, location="bottom", fraction=0.035, pad=0.03, aspect=30)
    bar.set_label("moved − original (one scale for both)", fontsize=10)
    bar.ax.tick_params(labelsize=9)
    return fig
