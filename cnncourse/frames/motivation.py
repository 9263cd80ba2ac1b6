"""Frames of the interactive figures, §9.2: equivariance and receptive fields."""

import numpy as np

from .. import conv
from .._optional import require
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
    ndimage = require("scipy.ndimage", "book", "cnncourse.frames.motivation")

    return ndimage.rotate(np.asarray(image, dtype=float), degrees, reshape=False, order=1)


def scale_image(image, factor):
    """Zoom about the centre by ``factor`` (bilinear), keeping the shape."""
    ndimage = require("scipy.ndimage", "book", "cnncourse.frames.motivation")

    image = np.asarray(image, dtype=float)
    centre = (np.array(image.shape) - 1) / 2
    matrix = np.eye(2) / factor
    offset = centre - matrix @ centre
    return ndimage.affine_transform(image, matrix, offset=offset, order=1)


TRANSFORMS = {"shift": shift_image, "rotate": rotate_image, "scale": scale_image}


def feature_map(image, kernel):
    """``f(I)``: cross-correlate an image with a kernel, zero padding, same size."""
    x = np.asarray(image, dtype=float)[None, None]
    w = np.asarray(kernel, dtype=float)[None, None]
    return conv.conv2d(x, w, padding="same")[0, 0]


def equivariance_gap(image, kernel, transform, amount):
    """Compare ``f(g(I))`` with ``g(f(I))`` for a convolution ``f`` and a transform ``g``.

    The comparison is fair only where neither side sees a border. With :math:`\\mathbb 1`
    the image of ones, :math:`\\mathbb 1_K` the ones in the kernel's shape and
    :math:`\\approx 1` meaning "within ``1e-9`` of its largest possible value", a pixel is
    *inside* when

    .. math::

        \\begin{aligned}
        f\\big([g(\\mathbb 1) \\approx 1]\\big) &\\approx |K| \\quad\\text{and}\\\\
        g\\big([f(\\mathbb 1) \\approx |K|]\\big) &\\approx 1 ,
        \\end{aligned}

    with ``f`` correlating with :math:`\\mathbb 1_K` and :math:`|K|` its number of entries:
    the kernel's window on ``g(I)`` holds only pixels interpolated from real ones (not the
    zeros that fill the corners of a rotated image, nor the columns a shift brings in), and
    ``g`` reads ``f(I)`` only where the kernel's window stayed inside ``I``. For a shift the
    difference is exactly zero inside; for a quarter turn too when the kernel has that
    symmetry.

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
        The pixels inside, as defined above.
    """
    if transform not in TRANSFORMS:
        raise ValueError(f"`transform` must be one of {tuple(TRANSFORMS)}, got {transform!r}")
    g = TRANSFORMS[transform]
    conv_of_moved = feature_map(g(image, amount), kernel)
    moved_conv = g(feature_map(image, kernel), amount)
    difference = conv_of_moved - moved_conv
    return conv_of_moved, moved_conv, difference, inside_mask(difference.shape, kernel, g, amount)


def inside_mask(shape, kernel, g, amount):
    """The pixels where ``f(g(I))`` and ``g(f(I))`` see no border (see :func:`equivariance_gap`)."""
    window = np.ones(np.asarray(kernel).shape)
    ones = np.ones(shape)
    from_real_pixels = g(ones, amount) > 1 - 1e-9  # not a zero-filled corner or column
    window_on_real = feature_map(from_real_pixels.astype(float), window) > window.size - 1e-9
    unpadded = feature_map(ones, window) > window.size - 1e-9  # f(I) untouched by padding
    reads_unpadded = g(unpadded.astype(float), amount) > 1 - 1e-9
    return window_on_real & reads_unpadded


def largest_gaps(image, kernels, transform, amount):
    """Largest ``|f(g(I)) - g(f(I))|`` inside (:func:`equivariance_gap`), per kernel.

    Returns
    -------
    dict
        ``{name: gap}`` in the order of ``kernels``.
    """
    gaps = {}
    for name, kernel in kernels.items():
        _, _, difference, inside = equivariance_gap(image, kernel, transform, amount)
        gaps[name] = float(np.abs(difference[inside]).max())
    return gaps


def gaussian_kernel(sigma, size):
    """A ``size`` × ``size`` Gaussian kernel of standard deviation ``sigma``, summing to 1.

    .. math:: K(u, v) \\propto \\exp\\big(-(u^2 + v^2) / 2\\sigma^2\\big)

    It depends on the distance :math:`\\sqrt{u^2 + v^2}` only, so turning it changes
    nothing but the truncation at its corners: the nearest a sampled kernel comes to
    isotropic.
    """
    t = np.arange(size) - (size - 1) / 2
    profile = np.exp(-(t**2) / (2 * sigma**2))
    kernel = np.outer(profile, profile)
    return kernel / kernel.sum()


def draw_equivariance_frame(image, kernel, transform, amount, kernel_name="", gap=None):
    """Three panels: ``f(g(I))``, ``g(f(I))``, and their difference with its size inside.

    ``f`` is the correlation with ``kernel``. The difference's title says "zero inside:
    equivariant" when its largest value inside the outline is below ``1e-12`` (rounding),
    and otherwise gives that largest value and the colour scale ``±limit`` that all three
    panels share (the largest ``|f(g(I))|`` or ``|g(f(I))|``).

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
    if gap is None:
        gap = equivariance_gap(image, kernel, transform, amount)
    a, b, difference, interior = gap
    inside = np.abs(difference[interior]).max()
    # three Axes (not one image of three panels): on a phone they wrap into rows
    height, width = difference.shape
    limit = max(np.abs(a).max(), np.abs(b).max())
    verdict = (
        "zero inside:\nequivariant"
        if inside < 1e-12
        else f"largest inside {inside:.2g},\nscale ±{limit:.2g}"
    )
    fig, axes = _figure(1, 3, (8.0, 3.3))
    titles = ("f(g(I))", "g(f(I))", f"difference: {verdict}")
    for ax, panel, title in zip(axes[0], (a, b, difference), titles, strict=True):
        ax.imshow(panel, cmap="RdBu_r", vmin=-limit, vmax=limit, interpolation="nearest")
        ax.set_title(title, fontsize=10)
        ax.set_axis_off()
    if interior.any():  # the outline of the inside, on the difference panel
        framed = np.pad(interior, 1).astype(float)  # outside the image counts as outside
        axes[0, 2].contour(np.arange(-1, width + 1), np.arange(-1, height + 1), framed,
                           levels=[0.5], colors=[COLORS["highlight"]], linewidths=1.4)  # fmt: skip
    unit = {"shift": " px", "rotate": " deg", "scale": "x"}[transform]
    fig.suptitle(f"{kernel_name} kernel, g = {transform} by {amount}{unit}", fontsize=11)
    fig.subplots_adjust(left=0.01, right=0.99, bottom=0.02, top=0.74, wspace=0.08)
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

        \\begin{aligned}
        \\text{start} &= u \\prod_{l=1}^{L} s_l - \\sum_{l=1}^{L} p_l \\prod_{i<l} s_i,\\\\
        \\text{stop} &= \\text{start} + r_L - 1,
        \\end{aligned}

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
    bar marks the span of :func:`receptive_field_span`. Where it hangs over the input's
    ends it is hatched with lines over the zeros padded onto the input (the first layer's
    padding), and left pale beyond them, where only the zeros that later layers pad onto
    their own inputs are read. A legend above names each unit's field and the two bands.

    Returns
    -------
    matplotlib.figure.Figure
    """
    patches = require("matplotlib.patches", "book", "cnncourse.frames.motivation")
    Patch, Rectangle = patches.Patch, patches.Rectangle
    MaxNLocator = require("matplotlib.ticker", "book", "cnncourse.frames.motivation").MaxNLocator

    lengths = layer_lengths(layers, input_length)
    centres = unit_centres(layers, input_length)
    colours = [COLORS["kernel"], COLORS["input"], COLORS["product"]]
    fig, axes = _figure(1, 1, (8.4, 0.75 * len(lengths) + 1.5))
    ax = axes[0, 0]
    for level, xs in enumerate(centres):
        ax.scatter(xs, np.full(len(xs), level), s=70, color="white", edgecolor="black", zorder=2)
    ax.axvspan(-0.5, input_length - 0.5, color=COLORS["muted"], alpha=0.12, lw=0)
    handles = []
    for number, unit in enumerate(output_indices):
        colour = colours[number % len(colours)]
        cone = receptive_field_cone(layers, input_length, unit)
        offset = 0.2 * number
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
        y = -0.5 - offset
        ax.add_patch(Rectangle((start - 0.5, y), stop - start + 1, 0.16, color=colour, lw=0))
        pad = _layer_args(layers[0])[2] if layers else 0  # zeros padded onto the input
        outside = (  # (from, to, hatch): the input's own padding, then what lies beyond it
            (max(start, -pad) - 0.5, -0.5, "////"),
            (start - 0.5, max(start, -pad) - 0.5, ""),
            (input_length - 0.5, min(stop, input_length - 1 + pad) + 0.5, "////"),
            (min(stop, input_length - 1 + pad) + 0.5, stop + 0.5, ""),
        )
        for lo, hi, hatch in outside:
            if hi > lo:
                face = "white" if hatch else _pale(colour)
                ax.add_patch(
                    Rectangle((lo, y), hi - lo, 0.16, facecolor=face, edgecolor=colour,
                              hatch=hatch, lw=0.8)
                )  # fmt: skip
        handles.append(Patch(color=colour, label=f"unit {unit}: field {start} to {stop}"))
    grey = COLORS["muted"]
    handles += [
        Patch(facecolor="white", edgecolor=grey, hatch="////", label="zeros padded on the input"),
        Patch(facecolor=_pale(grey), edgecolor=grey,
              label="under later layers' padding"),
    ]  # fmt: skip
    fig.legend(handles=handles, loc="upper center", ncol=2, fontsize=9, frameon=False)
    names = names or ["input"] + [f"layer {level}" for level in range(1, len(lengths))]
    ax.set_yticks(range(len(lengths)), names)
    ax.set_xlabel("input position")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    lows = [receptive_field_span(layers, u)[0] for u in output_indices] + [0]
    highs = [receptive_field_span(layers, u)[1] for u in output_indices] + [input_length - 1]
    ax.set_xlim(min(lows) - 1, max(highs) + 1)
    ax.set_ylim(-0.6 - 0.2 * len(output_indices), len(lengths) - 0.5)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.55 / fig.get_figheight()))
    return fig


def _pale(colour, share=0.3):
    """``colour`` mixed with white, ``share`` of it kept: an opaque pale tint."""
    to_rgb = require("matplotlib.colors", "book", "cnncourse.frames.motivation").to_rgb
    return tuple(share * c + (1 - share) for c in to_rgb(colour))


def padded_reads(layers, input_length, output_index):
    """The padded positions that output ``u`` reads, layer by layer, in input coordinates.

    Layer ``l`` pads its own input (the output of layer ``l - 1``) with ``p_l`` zeros at
    each end. A padded position ``b`` of level ``l - 1`` (``b < 0`` or ``b ≥ n_{l-1}``) is
    not a unit: nothing below it is read. It still covers the input positions of its would-be
    receptive field, :func:`receptive_field_span` of ``b`` over the layers below it.

    Returns
    -------
    list of (int, numpy.ndarray of int, (int, int))
        For every level ``l - 1`` (0 = the input) whose padding unit ``u`` reads: the level,
        the padded positions read there, and the input span they cover (first and last).
    """
    lengths = layer_lengths(layers, input_length)
    cone = receptive_field_cone(layers, input_length, output_index)
    found = []
    for level in range(1, len(cone)):
        k, s, p, d = _layer_args(layers[level - 1])
        reads = np.unique((cone[level][:, None] * s - p + d * np.arange(k)[None, :]).ravel())
        padded = reads[(reads < 0) | (reads >= lengths[level - 1])]
        if padded.size:
            spans = [receptive_field_span(layers[: level - 1], b) for b in padded]
            found.append((level - 1, padded, (min(a for a, _ in spans), max(b for _, b in spans))))
    return found


def dot_operations(terms, outputs=1):
    """Floating-point operations of ``outputs`` dot products of ``terms`` terms each.

    .. math:: \\text{operations} = \\text{outputs} \\times \\big(c + (c - 1)\\big)

    with :math:`c` = ``terms``: :math:`c` multiplications and :math:`c - 1` additions per
    output, the rule of the book's 319 × 280 × 3 = 267,960 (and of
    ``cnncourse.ConvCost.flops``; its ``dense_flops`` counts :math:`2c` instead).

    Examples
    --------
    >>> dot_operations(2, 319 * 280), dot_operations(320 * 280, 319 * 280)
    (267960, 16006054680)
    """
    return int(outputs) * (2 * int(terms) - 1)


def edge_layer_costs(kernel, shape, rng):
    """Stored numbers and floating-point operations of four layers computing one correlation.

    A dot product with :math:`c` terms costs :math:`c` multiplications and :math:`c - 1`
    additions (:func:`dot_operations`), for every layer alike. The four layers map an image
    of ``shape`` to its valid correlation with ``kernel``:

    * a dense matrix (every input joined to every output, each by its own weight);
    * shared, not sparse: every pair joined, the weight depending only on the offset
      between them, one weight per (row offset, column offset);
    * sparse, not shared (locally connected): the sparse matrix of the correlation with a
      different random weight on every connection, counted off that matrix;
    * the convolution.

    Returns
    -------
    dict
        ``{name: (sparse, shared, stored, flops)}``; the first two are ``"yes"``/``"no"``.
    """
    from .. import signal

    kernel = np.asarray(kernel, dtype=float)
    cost = signal.conv_cost(shape, kernel.shape)
    local = signal.conv_matrix(kernel, shape, mode="valid", flip=False, sparse=True).copy()
    local.data = rng.standard_normal(local.nnz)  # its own weight on every connection
    terms_per_output = np.diff(local.indptr)
    offsets = [
        np.unique(np.subtract.outer(np.arange(n_out), np.arange(n_in))).size
        for n_out, n_in in zip(cost.output_shape, shape, strict=True)
    ]
    dense_ops = dot_operations(int(np.prod(shape)), int(np.prod(cost.output_shape)))
    return {
        "dense matrix": ("no", "no", cost.dense_entries, dense_ops),
        "shared, not sparse": ("no", "yes", int(np.prod(offsets)), dense_ops),
        "sparse, not shared": (
            "yes",
            "no",
            np.unique(local.data).size,
            int(np.sum(2 * terms_per_output - 1)),
        ),  # fmt: skip
        "convolution": ("yes", "yes", cost.parameters, cost.flops),
    }


def edge_map_ways(image, kernel, dense_limit=48 * 48):
    """Three ways to compute ``correlate(image, kernel, "valid")``, as functions of no argument.

    ``"convolution"`` calls :func:`cnncourse.correlate`; ``"sparse matrix"`` multiplies the
    flattened image by the correlation's sparse matrix (built once, outside the timing);
    ``"dense matrix"`` by the dense one, only when the image has at most ``dense_limit``
    pixels (the matrix has ``pixels × outputs`` entries).

    Returns
    -------
    dict of callable
    """
    from .. import signal

    image = np.asarray(image, dtype=float)
    flat = image.ravel()
    sparse = signal.conv_matrix(kernel, image.shape, mode="valid", flip=False, sparse=True)
    ways = {
        "convolution": lambda: signal.correlate(image, kernel, mode="valid"),
        "sparse matrix": lambda: sparse @ flat,
    }
    if image.size <= dense_limit:
        dense = signal.conv_matrix(kernel, image.shape, mode="valid", flip=False)
        ways["dense matrix"] = lambda: dense @ flat
    return ways


def time_edge_maps(image, kernel, sides, repeat=7, min_seconds=0.02):
    """Median time per call of each of :func:`edge_map_ways` on ``side × max(side, 2)`` crops.

    Side 1 gives a 1 × 2 crop: one output, the smallest call there is, whose time is the
    method's fixed cost per call. BLAS is held to one thread when ``threadpoolctl`` is
    installed (comparing algorithms, not the waking of a thread pool).

    Returns
    -------
    dict
        ``{method: {side: seconds}}``; the dense matrix only for the sides it is built for.
    """
    from contextlib import nullcontext

    from .. import bench

    try:
        from threadpoolctl import threadpool_limits

        limit = threadpool_limits(1)
    except ImportError:
        limit = nullcontext()
    times = {"convolution": {}, "sparse matrix": {}, "dense matrix": {}}
    with limit:
        for side in sides:
            crop = np.asarray(image)[:side, : max(side, 2)]
            for name, compute in edge_map_ways(crop, kernel).items():
                times[name][side] = bench.median_time(compute, repeat, min_seconds)
    return times


def fixed_plus_linear(times, side):
    """The model ``t(P) = t_1 + c P`` fitted through the 1 × 2 call and the crop of ``side``.

    :math:`t_1` is the time of the smallest call (the fixed cost) and :math:`c` the cost per
    pixel, :math:`c = (t(P) - t_1) / P` with :math:`P` the crop's pixel count.

    Returns
    -------
    (float, float)
        ``t_1`` in seconds and ``c`` in seconds per pixel.
    """
    fixed = times[1]
    return fixed, (times[side] - fixed) / (side * max(side, 2))


def draw_timings(times):
    """Time per call against pixels (log-log), each method's fixed cost dotted.

    The dotted line of a method is its time on the 1 × 2 crop (side 1): the floor that no
    call goes below, whatever the arithmetic.

    Returns
    -------
    matplotlib.figure.Figure
    """
    colours = {"convolution": "kernel", "sparse matrix": "input", "dense matrix": "muted"}
    fig, axes = _figure(1, 1, (6.4, 3.6))
    ax = axes[0, 0]
    for name, by_side in times.items():
        colour = COLORS[colours[name]]
        pixels = [s * max(s, 2) for s in by_side]
        ax.plot(pixels, np.array(list(by_side.values())) * 1e6, "o-", color=colour, label=name)
        ax.axhline(by_side[1] * 1e6, color=colour, ls=":", lw=1)
        ax.annotate(f"fixed cost {by_side[1] * 1e6:.1f} µs", (1.0, by_side[1] * 1e6),
                    xycoords=("axes fraction", "data"), xytext=(-4, 3),
                    textcoords="offset points", ha="right", va="bottom", color=colour,
                    fontsize=8)  # fmt: skip
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("pixels in the input")
    ax.set_ylabel("time per call (µs)")
    ax.legend(frameon=False, fontsize=9, loc="upper left", bbox_to_anchor=(0.0, 0.9))
    fig.tight_layout()
    return fig


def null_space_of(constraints, n):
    """An orthonormal basis (columns) of the ``n × n`` matrices that every constraint maps to 0.

    Each constraint is a linear function of ``W`` returning a 1-D array; it is turned into a
    matrix by applying it to the ``n²`` unit matrices, and the basis spans that matrix's
    null space (``scipy.linalg.null_space``). No constraint: the identity (every ``W``).

    Returns
    -------
    numpy.ndarray, shape (n * n, dimension)
    """
    linalg = require("scipy.linalg", "book", "cnncourse.frames.motivation")

    if not constraints:
        return np.eye(n * n)
    units = np.eye(n * n).reshape(n * n, n, n)
    A = np.column_stack([np.concatenate([c(E) for c in constraints]) for E in units])
    return linalg.null_space(A)


def central_mass(gradient, fraction=1 / 3):
    """Share of the gradient's mass in the central ``fraction`` of its nonzero span.

    The span is the receptive field (first to last nonzero input); its central part has
    ``round(fraction × r)`` positions around the middle.
    """
    gradient = np.abs(np.asarray(gradient, dtype=float))
    field = gradient[np.flatnonzero(gradient)[0] : np.flatnonzero(gradient)[-1] + 1]
    r = field.size
    width = int(round(fraction * r))
    start = (r - width) // 2
    return float(field[start : start + width].sum() / field.sum())


def draw_effective_field(profiles):
    """Gradient profiles across the receptive field, each with the Gaussian of its variance.

    Parameters
    ----------
    profiles : dict
        ``{label: gradient}``, gradients of one output with respect to the input.

    Returns
    -------
    matplotlib.figure.Figure
    """
    ticker = require("matplotlib.ticker", "book", "cnncourse.frames.motivation")

    fig, axes = _figure(1, len(profiles), (3.0 * len(profiles), 2.8))
    for ax, (label, gradient) in zip(axes[0], profiles.items(), strict=True):
        nonzero = np.flatnonzero(gradient)
        field = np.abs(gradient[nonzero[0] : nonzero[-1] + 1])
        weights = field / field.sum()
        offsets = np.arange(field.size) - (field.size - 1) / 2
        sd = np.sqrt(np.sum(weights * offsets**2))
        ax.bar(offsets, weights, width=0.9, color=COLORS["input"], label="gradient")
        fine = np.linspace(offsets[0], offsets[-1], 200)
        ax.plot(fine, np.exp(-(fine**2) / (2 * sd**2)) / (sd * np.sqrt(2 * np.pi)),
                color=COLORS["kernel"], lw=1.4, label="Gaussian")  # fmt: skip
        third = field.size / 6
        ax.axvspan(-third, third, color=COLORS["highlight"], alpha=0.15, lw=0, zorder=0)
        ax.set_title(f"{label}: field {field.size}", fontsize=10)
        ax.set_xlabel("input offset from centre")
    top = max(ax.get_ylim()[1] for ax in axes[0])
    for ax in axes[0]:
        ax.set_ylim(0, top)  # one scale for every panel
        ax.yaxis.set_major_formatter(ticker.PercentFormatter(1.0, decimals=0))
        ax.grid(axis="y", color=COLORS["muted"], alpha=0.3, lw=0.6)
    for ax in axes[0, 1:]:
        ax.tick_params(labelleft=False)
    axes[0, 0].set_ylabel("share of the gradient\nper input")
    axes[0, -1].legend(frameon=False, fontsize=8)
    fig.tight_layout()
    return fig


def field_size(layers):
    """Receptive-field size of a stack given as layer dicts, by :func:`cnncourse.receptive_field`.

    .. math:: r_L = 1 + \\sum_{l=1}^{L} d_l (k_l - 1) \\prod_{i<l} s_i
    """
    args = [_layer_args(layer) for layer in layers]
    return conv.receptive_field(
        [k for k, _, _, _ in args], [s for _, s, _, _ in args], [d for _, _, _, d in args]
    )


def effect_table(costs):
    """What sparsity, sharing and both divide the storage and the operations by.

    Parameters
    ----------
    costs : dict
        The result of :func:`edge_layer_costs`.

    Returns
    -------
    (list of str, list of list of str)
        Header and rows for :func:`cnncourse.tables.show_table`.
    """
    from ..tables import sci

    dense, _, local, conv = ((row[2], row[3]) for row in costs.values())  # (stored, flops)
    rows = [
        ["sparsity (dense → sparse, not shared)", f"÷ {dense[0] / local[0]:,.0f}",
         f"÷ {dense[1] / local[1]:,.0f}"],
        ["sharing, on top (sparse → convolution)", f"÷ {local[0] / conv[0]:,.0f}",
         f"÷ {local[1] / conv[1]:.0f}"],
        ["both (dense → convolution)", f"÷ {sci(dense[0] / conv[0])}",
         f"÷ {dense[1] / conv[1]:,.0f}"],
    ]  # fmt: skip
    return ["effect", "stored numbers", "operations"], rows


def timing_table(times):
    """Header and rows of :func:`time_edge_maps`'s result: one row per crop, in µs."""
    sides = list(next(iter(times.values())))
    rows = [
        [f"{s} × {max(s, 2)}"]
        + [f"{t[s] * 1e6:,.1f} µs" if s in t else "–" for t in times.values()]
        for s in sides
    ]
    return ["crop"] + list(times), rows


def growth_exponent(times, small, large):
    """Exponent :math:`b` in :math:`t - t_1 \\propto P^b` between two square crops.

    .. math:: b = \\frac{\\ln\\big((t_L - t_1) / (t_S - t_1)\\big)}{\\ln(P_L / P_S)}

    with :math:`t_1` the time of the 1 × 2 call (side 1), :math:`P` the pixels of a crop:
    how fast the time *beyond* the fixed cost grows.
    """
    work = times[large] - times[1], times[small] - times[1]
    return float(np.log(work[0] / work[1]) / np.log((large / small) ** 2))


def fixed_cost_table(times, crops):
    """Header and rows: each method's fixed cost, its share at 8 × 8, and :func:`growth_exponent`.

    ``crops`` maps each method to the two sides its exponent is measured between (the
    caller says which; four short columns fit a phone).
    """
    header = ["method", "fixed cost $t_1$", "$t_1$ at 8 × 8", "$b$"]
    rows = [
        [name, f"{t[1] * 1e6:.1f} µs", f"{t[1] / t[8]:.0%}",
         f"{growth_exponent(t, *crops[name]):.1f}"]
        for name, t in times.items()
    ]  # fmt: skip
    return header, rows


def quarter_turn_table(image, kernels):
    """For quarter and half turns ``R``: is ``R⁻¹K = K``, and the largest ``|f(RI) - R f(I)|``.

    ``f`` is the valid cross-correlation with ``K``; ``R`` is ``numpy.rot90`` (pixels to
    pixels, no interpolation). Each cell reads "yes, 0" or "no, 3.1": the answer, then the
    gap to one decimal, written 0 when it is below ``1e-12`` (rounding).

    Returns
    -------
    (list of str, list of list of str)
    """
    from .. import signal

    def f(x, kernel):
        return signal.correlate(x, kernel, mode="valid")

    rows = []
    for name, kernel in kernels.items():
        row = [name]
        for turns in (1, 2):
            turned_image = np.rot90(image, turns)
            gap = np.abs(f(turned_image, kernel) - np.rot90(f(image, kernel), turns)).max()
            symmetric = np.allclose(np.rot90(kernel, -turns), kernel)
            shown = "0" if gap < 1e-12 else f"{gap:.1f}"
            row.append(f"{'yes' if symmetric else 'no'}, {shown}")
        rows.append(row)
    return ["kernel", "90°", "180°"], rows


def gap_table(gaps):
    """Header and rows of ``{column: {kernel: gap}}``: one row per kernel, two digits.

    The header is ``kernel`` and the column names, nothing more (the table fits a phone).
    """
    names = list(next(iter(gaps.values())))
    rows = [[name] + [f"{by_name[name]:.2g}" for by_name in gaps.values()] for name in names]
    return ["kernel"] + list(gaps), rows


def hide_pattern(background, pattern, centre):
    """Add ``pattern`` to a copy of ``background``, its centre pixel at ``centre``.

    .. math:: I = B + P(\\cdot - c + h), \\qquad h = (\\text{pattern shape} - 1) / 2

    ``pattern`` has odd sides; it must lie wholly inside ``background``.
    """
    scene = np.array(background, dtype=float)
    half = np.array(pattern.shape) // 2
    top, left = np.asarray(centre) - half
    scene[top : top + pattern.shape[0], left : left + pattern.shape[1]] += pattern
    return scene


def draw_feature_maps(scenes, maps, centres, kernel):
    """Two (or more) scenes side by side with their feature maps, each pattern's centre marked.

    Row 1: the scenes, the pattern outlined and its centre dotted; row 2: the ``same``-mode
    feature maps, their maximum circled (it sits on the pattern's centre). A small inset
    in the first scene's lower right corner shows the kernel.

    Returns
    -------
    matplotlib.figure.Figure
    """
    patches = require("matplotlib.patches", "book", "cnncourse.frames.motivation")

    from ..plotting import show_image

    fig, axes = _figure(2, len(scenes), (3.3 * len(scenes), 6.2))
    for col, (scene, fmap, centre) in enumerate(zip(scenes, maps, centres, strict=True)):
        peak = np.unravel_index(np.argmax(fmap), fmap.shape)
        show_image(scene, axes[0, col], title=f"input: pattern centred at {tuple(centre)}")
        half = np.array(kernel.shape) / 2  # outline the pattern, dot its centre
        axes[0, col].add_patch(patches.Rectangle(
            (centre[1] - half[1], centre[0] - half[0]), kernel.shape[1], kernel.shape[0],
            fill=False, lw=1.5, edgecolor=COLORS["highlight"]))  # fmt: skip
        axes[0, col].plot(centre[1], centre[0], "o", ms=3, color=COLORS["highlight"])
        show_image(fmap, axes[1, col], title=f"feature map: maximum at {tuple(map(int, peak))}")
        axes[1, col].scatter([peak[1]], [peak[0]], s=220, facecolor="none", lw=2,
                             edgecolor=COLORS["highlight"])  # fmt: skip
    inset = axes[0, 0].inset_axes([0.72, 0.04, 0.24, 0.24])  # a corner the cross avoids
    show_image(kernel, inset, symmetric=True)
    inset.set_title("kernel", fontsize=8, color="white", pad=2,
                    bbox={"facecolor": "black", "pad": 1, "lw": 0})  # fmt: skip
    fig.tight_layout()
    return fig


COST_NAMES = {
    "dense matrix": "dense",
    "shared, not sparse": "shared, not sparse",
    "sparse, not shared": "sparse, not shared",
    "convolution": "convolution (sparse and shared)",
}


def cost_table(costs):
    """Header and rows of :func:`edge_layer_costs`: layer, stored numbers, operations.

    Three columns, so that the table fits a phone: each layer's name says whether it is
    sparse and whether it is shared.
    """
    from ..tables import sci

    rows = [[COST_NAMES[name], sci(stored), sci(flops)]
            for name, (_, _, stored, flops) in costs.items()]  # fmt: skip
    return ["layer", "stored numbers", "operations"], rows


def learn_map(kernel, n_train, rng, length=32, noise=0.1, n_test=200):
    """Learn one correlation from a few examples, as a dense layer and as a convolution.

    Each example is a random input :math:`x` of ``length`` values, zero but for a pattern
    of 5 random values at a random position, plus noise of standard deviation ``noise``;
    its target is :math:`y = x \\star w + \\varepsilon` (valid mode) with the true kernel
    :math:`w`. Both models are fitted by least squares (minimum norm when there are more
    unknowns than equations):

    * dense: :math:`y = Wx`, :math:`n \\times m` unknowns;
    * convolution: :math:`y = x \\star v`, ``len(kernel)`` unknowns.

    Returns
    -------
    dict
        ``{"dense": error, "convolution": error}``: the test error on ``n_test`` new
        examples, :math:`\\sum \\|\\hat y - y\\|^2 / \\sum \\|y\\|^2`, and ``"unknowns"``.
    """
    kernel = np.asarray(kernel, dtype=float)
    k = kernel.size
    n_out = length - k + 1

    def examples(count):
        x = noise * rng.standard_normal((count, length))
        for row in x:
            start = rng.integers(0, length - 5 + 1)
            row[start : start + 5] += rng.standard_normal(5)
        windows = np.lib.stride_tricks.sliding_window_view(x, k, axis=1)  # (count, n, k)
        y = windows @ kernel + noise * rng.standard_normal((count, n_out))
        return x, windows, y

    x, windows, y = examples(n_train)
    dense = np.linalg.lstsq(x, y, rcond=None)[0]  # (m, n): y ≈ x @ dense
    shared = np.linalg.lstsq(windows.reshape(-1, k), y.ravel(), rcond=None)[0]
    x, windows, y = examples(n_test)
    truth = np.sum(y**2)
    return {
        "dense": float(np.sum((x @ dense - y) ** 2) / truth),
        "convolution": float(np.sum((windows @ shared - y) ** 2) / truth),
        "unknowns": {"dense": length * n_out, "convolution": k},
    }


def draw_kernels(kernels, values=True):
    """Small pictures of kernels side by side, each value written in its cell if ``values``.

    Red positive, blue negative, one symmetric colour scale per kernel.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, axes = _figure(1, len(kernels), (2.1 * len(kernels), 2.4))
    for ax, (name, kernel) in zip(axes[0], kernels.items(), strict=True):
        kernel = np.atleast_2d(kernel)
        limit = np.abs(kernel).max()
        ax.imshow(kernel, cmap="RdBu_r", vmin=-limit, vmax=limit, interpolation="nearest")
        if values and kernel.size <= 25:
            for (i, j), v in np.ndenumerate(kernel):
                ink = "white" if abs(v) > 0.6 * limit else "black"  # dark cells
                ax.text(j, i, f"{v:.2g}", ha="center", va="center", fontsize=8, color=ink)
        ax.set_title(f"{name}\n{kernel.shape[0]} × {kernel.shape[1]}", fontsize=9)
        ax.set_axis_off()
    fig.tight_layout()
    return fig
