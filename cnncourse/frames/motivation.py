"""Frames of the interactive figures, §9.2: equivariance and receptive fields."""

import numpy as np

from .. import conv
from ..plotting import COLORS
from ._figure import _figure


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
