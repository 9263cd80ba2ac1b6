"""The introduction's simple and complex cells: shift a photo, measure and draw the change.

Not re-exported by :mod:`cnncourse.frames`; import it as
``from cnncourse.frames import intro as intro_frames``.
"""

import numpy as np

from ..conv import conv2d
from ..plotting import COLORS
from ..pool import avg_pool2d, max_pool2d
from ._figure import _figure
from .motivation import shift_image

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
    """The relative change :math:`\\|a - b\\| / \\|a\\|` (Frobenius norms).

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
    a, b = np.asarray(a, float), np.asarray(b, float)
    if not per_channel:
        return float(np.linalg.norm(a - b) / np.linalg.norm(a))
    axes = tuple(i for i in range(a.ndim) if i != a.ndim - 3)
    return np.sqrt(((a - b) ** 2).sum(axis=axes) / (a**2).sum(axis=axes))


def shift_changes(image, kernels, shift, width=8, pool="max", margin=16):
    """How much the simple and the complex cells change when the image moves.

    The image moves ``shift`` pixels to the right (zeros enter on the left); each map is
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

    Returns
    -------
    dict
        ``"simple"``, ``"complex"``: the overall relative changes (floats);
        ``"simple_channels"``, ``"complex_channels"``: arrays of shape (C,), per channel.
    """
    if margin % width:
        raise ValueError(f"`margin` ({margin}) must be a multiple of `width` ({width})")
    simple, pooled = cells(image, kernels, width, pool)
    simple_moved, pooled_moved = cells(shift_image(image, shift), kernels, width, pool)
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
    simple, simple_moved, pooled, pooled_moved, channel, label, shift=2, changes=None
):
    """One orientation, before and after the shift: simple and pooled maps, and differences.

    Top row: the simple map of the photo, of the shifted photo, and their difference
    (after − before); bottom row: the same for the pooled maps. Both difference panels
    share one diverging colour scale, so their sizes can be compared by eye.

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

    Returns
    -------
    matplotlib.figure.Figure
    """
    rows = (
        ("simple", simple[0, channel], simple_moved[0, channel]),
        ("pooled", pooled[0, channel], pooled_moved[0, channel]),
    )
    limit = max(np.abs(after - before).max() for _, before, after in rows) or 1.0
    top = max(before.max() for _, before, _ in rows) or 1.0
    fig, axes = _figure(2, 3, (8.4, 5.6))
    for r, (name, before, after) in enumerate(rows):
        note = "" if changes is None else f"\n(relative change {changes[r]:.0%})"
        panels = (
            (before, f"{name}, {label}: photo", "gray", 0.0, top),
            (after, f"{name}: photo moved {shift} px", "gray", 0.0, top),
            (after - before, f"moved − original{note}", "RdBu_r", -limit, limit),
        )
        for ax, (values, title, cmap, low, high) in zip(axes[r], panels, strict=True):
            shown = ax.imshow(values, cmap=cmap, vmin=low, vmax=high, interpolation="nearest")
            ax.set_title(title, fontsize=9)
            ax.set_xticks([])
            ax.set_yticks([])
    axes[1, 2].set_xlabel(
        "one colour scale for both differences", fontsize=8, color=COLORS["muted"]
    )
    fig.colorbar(shown, ax=axes[:, 2], fraction=0.05, pad=0.03, label="difference")
    return fig
