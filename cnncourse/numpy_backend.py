"""The NumPy backend: every operation of :class:`cnncourse._backend.Backend` on NumPy arrays.

These are the computations the chapters study. The public functions (:func:`cnncourse.conv2d`,
:func:`cnncourse.max_pool2d`, ...) check their arguments once and call the operation of the
same name on their input's backend (:func:`cnncourse._dispatch.backend_of`): for a NumPy
array, :class:`NumpyBackend`, whose methods each call the function of that name here
(:class:`cnncourse.torch_ops.TorchBackend` for a tensor); nothing here checks again. A
layer's geometry arrives whole, as a :class:`cnncourse.geometry.Geometry` (``geom``).

* Signals (§9.1): :func:`cnncourse.convolve` adds one shifted copy of ``x`` per kernel tap
  (:func:`cnncourse.views.shift_and_add`).
* Layers: :func:`conv` drops the kernel taps that only ever meet padding, then runs one of the
  algorithms of :mod:`cnncourse._conv_algorithms` (im2col, shifted GEMM, FFT, depthwise), as
  :func:`plan` says, in blocks of bounded size.
* Pooling (§9.3): the windows are reduced one axis at a time, one kernel tap at a time (a
  strided slice of the whole input per tap), and padding is never built: a tap that would
  read padding simply skips those outputs (:func:`cnncourse.geometry.tap_outputs`). Averages
  of float16 sum in float32, as torch does; max pooling can return torch's indices of the
  winners.
"""

import math
from typing import NamedTuple

import numpy as np

from . import _args, _conv_algorithms, geometry
from ._backend import Backend
from .views import add_batch_axis, pad, reduce_axis, shift_and_add, tap_ranges, view_windows

# --------------------------------------------------------------------------- signals


def flip(w):
    """:func:`cnncourse.flip` of a NumPy array: a reversed view along every axis."""
    return w[(slice(None, None, -1),) * w.ndim]


def convolve(x, w, mode):
    """:func:`cnncourse.convolve` of checked arrays: add a shifted copy of ``x`` per kernel tap.

    float16 sums in float32 and rounds once, at the end (as ``numpy.convolve`` does). A 2-D
    float image with a large, finite kernel is computed by the FFT when the layer's data
    check finds that its answer is the direct sum's for every output
    (:func:`_convolve_by_fft`); otherwise, tap by tap as above.
    """
    if np.result_type(x, w) == np.float16:
        wide = shift_and_add(x.astype(np.float32), w.astype(np.float32), mode)
        return wide.astype(np.float16)
    if _layer_can_convolve(x, w, mode):
        found = _convolve_by_fft(x, w, mode)
        if found is not None:
            return found
    return shift_and_add(x, w, mode)


#: Kernels of at least this many taps (32 x 32) may go through the FFT in :func:`convolve`.
CONVOLVE_FFT_MIN_TAPS = 1024


def _layer_can_convolve(x, w, mode):
    """Whether ``convolve(x, w, mode)`` may run as a one-channel layer (:func:`conv`).

    Only 2-D float arrays of one dtype, a kernel of at least :data:`CONVOLVE_FFT_MIN_TAPS`
    taps (below, the per-tap loop is fast enough, and exact to the bit: a changed input value
    changes only the outputs that read it), no larger than the image in ``"valid"`` mode,
    and finite values: where a kernel's infinite tap meets zero padding a layer computes
    ``inf * 0`` (NaN), while ``convolve`` adds nothing outside ``x``.
    """
    floats = (np.float32, np.float64)
    return (
        x.ndim == w.ndim == 2
        and x.dtype == w.dtype
        and x.dtype.type in floats
        and w.size >= CONVOLVE_FFT_MIN_TAPS
        and (mode != "valid" or all(k <= n for n, k in zip(x.shape, w.shape, strict=True)))
        and bool(np.isfinite(w).all() and np.isfinite(x).all())
    )


def _convolve_by_fft(x, w, mode):
    """``convolve(x, w, mode)`` as a one-channel layer with the flipped kernel, by the FFT,
    or ``None`` where the layer's plan would not choose the FFT (its data check fails).
    ``"full"``, whose corners read a single product each, goes in pieces
    (:func:`_convolve_full_by_fft`).
    """
    if mode == "full":
        return _convolve_full_by_fft(x, w)
    outputs = []  # output i of the mode is full[i + start]
    for n, k, n_out in zip(
        x.shape, w.shape, geometry.mode_shape(x.shape, w.shape, mode), strict=True
    ):
        start = geometry.mode_start(n, k, n_out)
        outputs.append(slice(start, start + n_out))
    return _full_part(x, w, outputs, need_fft=True)


def _full_part(x, w, outputs, need_fft=False):
    """``full[outputs]`` of ``convolve(x, w, "full")`` as a one-channel layer (:func:`conv`),
    with the flipped kernel and the padding that gives exactly those outputs; the algorithm
    is the layer's plan. ``None`` if ``need_fft`` and the plan is not the FFT.

    Output ``i`` of the full result reads ``x[i - a]`` through tap ``a``: a layer padded by
    ``k - 1 - i_0`` before starts at ``full[i_0]``.
    """
    pads = []
    for n, k, part in zip(x.shape, w.shape, outputs, strict=True):
        before = k - 1 - part.start
        pads.append((before, part.stop - part.start + k - 1 - n - before))
    geom = geometry.Geometry(tuple(w.shape), (1, 1), tuple(pads), (1, 1))
    image, kernel = x[None, None], flip(w)[None, None]
    if need_fft and plan(image, kernel, geom, 1, 2).algorithm != "fft":
        return None
    return conv(image, kernel, None, geom, 1, 2)[0, 0]


def _convolve_full_by_fft(x, w):
    """``convolve(x, w, "full")`` in pieces, the FFT for each piece whose data pass the
    layer's check; ``None`` (the tap loop) if the middle piece does not.

    The outputs near an edge of ``"full"`` read few inputs (a corner reads one product),
    where the FFT's rounding error would swamp them. So each axis is cut
    (:func:`_full_segments`): a middle whose outputs read at least half of the smaller
    array's extent, and edge bands ``[0, 8), [8, 16), [16, 32), ...``, whose outputs read
    only the first (or last) ``hi`` entries of ``x`` and ``w``, at least half of them (but
    the first). Each piece is a layer on those slices (:func:`_full_part`), which takes the
    FFT where its check passes and a direct sum elsewhere (the first bands, the corners).
    """
    if all(n <= k for n, k in zip(x.shape, w.shape, strict=True)):
        x, w = w, x  # convolution commutes: the larger array is the layer's image
    segments = [_full_segments(n, k) for n, k in zip(x.shape, w.shape, strict=True)]
    rows, columns = segments
    middle = _full_piece(x, w, (rows[0], columns[0]), need_fft=True)
    if middle is None:
        return None
    out = np.empty(geometry.mode_shape(x.shape, w.shape, "full"), dtype=np.result_type(x, w))
    out[rows[0][0], columns[0][0]] = middle
    for i, row in enumerate(rows):
        for j, column in enumerate(columns):
            if i or j:
                out[row[0], column[0]] = _full_piece(x, w, (row, column))
    return out


def _full_piece(x, w, pieces, need_fft=False):
    """``full[outputs]`` from the slices of ``x`` and ``w`` that those outputs read.

    ``pieces``: per axis ``(outputs, taps, inputs)`` slices (:func:`_full_segments`).
    """
    x_part = x[tuple(piece[2] for piece in pieces)]
    w_part = w[tuple(piece[1] for piece in pieces)]
    # full(x_part, w_part)[i] is full(x, w)[i + first input + first tap]
    shifted = [slice(out.start - inputs.start - taps.start, out.stop - inputs.start - taps.start)
               for out, taps, inputs in pieces]  # fmt: skip
    return _full_part(x_part, w_part, shifted, need_fft)


#: The outputs this close to an edge of ``"full"`` read at most this many entries along
#: the axis: the FFT's check fails there, and the direct sum is cheap.
FULL_FIRST_BAND = 8


def _full_segments(n, k):
    """The pieces of one axis of ``"full"`` (``n + k - 1`` outputs) for
    :func:`_convolve_full_by_fft`: ``(outputs, taps, inputs)`` slices, the middle first.

    Output ``i`` reads ``x[i - a]`` through tap ``a``. The middle, ``r_0 <= i < n + k - 1
    - r_1``, reads at least ``min(r_0, r_1) + 1`` inputs; ``r_0 + r_1`` is about
    ``min(n, k)``, less what makes the middle's padded length ``n + 2 (k - 1) - r_0 - r_1``
    a product of 2, 3 and 5 (a fast transform). Below ``r_0`` the band ``lo <= i < hi``
    reads only taps and inputs ``< hi``; the bands mirror above ``n + k - 1 - r_1``. The
    first band is :data:`FULL_FIRST_BAND` wide, each next one doubles the width.
    """
    total, half = n + k - 1, min(n, k) // 2
    longest = n + 2 * (k - 1) - 2 * half  # the middle's padded length with r_0 = r_1 = half
    fast = _five_smooth(longest)
    trimmed = 2 * half - (fast - longest) if fast - longest <= half // 2 else 2 * half
    ends = (trimmed // 2, trimmed - trimmed // 2)  # (r_0, r_1)
    segments = [(slice(ends[0], total - ends[1]), slice(0, k), slice(0, n))]
    for end, mirrored in zip(ends, (False, True), strict=True):
        lo = 0
        while lo < end:
            hi = min(max(FULL_FIRST_BAND, 2 * lo), end)
            taps, inputs = min(hi, k), min(hi, n)
            if mirrored:
                segments.append((slice(total - hi, total - lo), slice(k - taps, k),
                                 slice(n - inputs, n)))  # fmt: skip
            else:
                segments.append((slice(lo, hi), slice(0, taps), slice(0, inputs)))
            lo = hi
    return segments


def _five_smooth(n):
    """The smallest ``2**a * 3**b * 5**c >= n`` (a length the FFT transforms fast)."""
    best, power5 = 2 * max(n, 1), 1
    while power5 < 2 * n:
        power3 = power5
        while power3 < 2 * n:
            power2 = power3
            while power2 < n:
                power2 *= 2
            best = min(best, power2)
            power3 *= 3
        power5 *= 5
    return best


def correlate(x, w, mode):
    """:func:`cnncourse.correlate` of checked NumPy arrays: convolve with the flipped kernel."""
    return convolve(x, flip(w), mode)


# --------------------------------------------------------------------------- layers


def unfold(input, geom):
    """:func:`cnncourse.unfold` of a checked input (``geom``: its Geometry)."""
    input, unbatched = add_batch_axis(input, 2)
    (kh, kw), (ho, wo) = geom.kernel, geom.output_shape(input.shape[2:])
    n, c = input.shape[:2]
    cols = np.zeros((n, c, kh, kw, ho, wo), dtype=input.dtype)  # dead taps read zeros
    parts = _live_windows(input.shape[2:], geom)
    if parts is not None:
        (taps_h, rows_h, pads_h), (taps_w, rows_w, pads_w) = parts
        live = pad(input[:, :, rows_h, rows_w], (pads_h, pads_w))
        kernel = (taps_h.stop - taps_h.start, taps_w.stop - taps_w.start)
        view = view_windows(live, kernel, geom.stride, geom.dilation)  # (N, C, Ho, Wo, a, b)
        cols[:, :, taps_h, taps_w] = view.transpose(0, 1, 4, 5, 2, 3)
    cols = cols.reshape(n, c * kh * kw, ho * wo)
    return cols[0] if unbatched else cols


def conv(input, weight, bias, geom, groups, n):
    """:func:`cnncourse.conv2d` and :func:`cnncourse.conv1d` (``n`` spatial axes), checked.

    ``geom`` is the layer's Geometry (from :func:`cnncourse._args.conv_args`). A small
    layer on one image whose algorithm follows from its shapes alone runs the shifted GEMM
    prepared for its configuration (:func:`_prepared`), outside
    :func:`cnncourse.use_algorithm`; every other call, :func:`plan`'s algorithm.
    """
    layout = _layout_of(input, weight, geom, groups, n)
    prepared = layout[-1]
    if prepared is not None:
        answer = prepared(input, weight, bias)
        if answer is not None:
            return answer
    algorithm, x, w, g, out_shape, unbatched = _plan(layout, input, weight, groups, n)
    if algorithm == "zeros":  # every tap meets only padding
        y = np.zeros((x.shape[0], w.shape[0], *out_shape), x.dtype)
    else:
        y = _conv_algorithms.run(algorithm, x, w, g.stride, g.pads, g.dilation, groups)
    if bias is not None:
        y = y + bias.astype(x.dtype).reshape(1, -1, 1, 1)
    y = y.astype(input.dtype, copy=False)
    if n == 1:
        y = y[:, :, 0, :]
    return y[0] if unbatched else y


class Plan(NamedTuple):
    """What :func:`conv` runs: the algorithm and what it runs on (batched, 2-D)."""

    algorithm: str  # one of ALGORITHMS, or "zeros" when every tap meets only padding
    x: np.ndarray
    w: np.ndarray
    geom: geometry.Geometry  # of x and w (after the dead taps are dropped)
    out_shape: tuple
    unbatched: bool


def plan(input, weight, geom, groups, n):
    """The one plan of a NumPy convolution, which :func:`cnncourse.conv_algorithm` reports.

    Batch, lift 1-D to images of height 1, compute float16 in float32, drop the kernel taps
    that only meet padding (:func:`_without_dead_taps`), then choose the algorithm on what
    is left (:func:`cnncourse._conv_algorithms.choose`). What follows from the shapes alone
    is worked out once per configuration (:func:`_layout`); the rest, which may look at the
    data (the choice, the weights of dead taps), on every call.
    """
    layout = _layout_of(input, weight, geom, groups, n)
    return Plan(*_plan(layout, input, weight, groups, n))


def prepared_conv(input, weight, geom, groups, n):
    """The :class:`cnncourse._conv_algorithms.PreparedShiftedGemm` of a small layer (one
    image, the shifted GEMM whatever the data), or None (:func:`_prepared`).

    :func:`cnncourse.conv2d` and :func:`cnncourse.conv1d` remember it for the next call of
    the same configuration (:func:`cnncourse._dispatch.dual_backend`).
    """
    return _layout_of(input, weight, geom, groups, n)[-1]


def _layout_of(input, weight, geom, groups, n):
    """The :func:`_layout` of this configuration, worked out on its first call."""
    key = (input.shape, input.dtype, weight.shape, geom, groups, n)  # weight's dtype is input's
    layout = _layouts.get(key)
    if layout is None:
        layout = _layout(input.shape, weight.shape, input.dtype, geom, groups, n)
        if len(_layouts) >= LAYOUT_CACHE_SIZE:
            _layouts.clear()
        _layouts[key] = layout
    return layout


def _plan(layout, input, weight, groups, n):
    """:func:`plan` as a plain tuple (a named tuple costs half a microsecond to make)."""
    unbatched, dtype, geom, out_shape, dead_taps, _ = layout
    x = input[None] if unbatched else input
    w = weight
    if n == 1:  # a 1-D convolution is a 2-D one over images of height 1
        x, w = x[:, :, None, :], w[:, :, None, :]
    x, w = x.astype(dtype, copy=False), w.astype(dtype, copy=False)
    if dead_taps:
        cropped = _without_dead_taps(x, w, geom)
        if cropped is None:
            return "zeros", x, w, geom, out_shape, unbatched
        x, w, geom = cropped
        _args.check_work_size(x.shape, geom.pads, x.shape[0] * w.shape[0] * math.prod(out_shape))
    g = geom
    name = _conv_algorithms.choose(w.shape, g.stride, x, w, g.pads, g.dilation, groups)
    return name, x, w, geom, out_shape, unbatched


#: How many configurations :func:`plan` remembers the :func:`_layout` of.
LAYOUT_CACHE_SIZE = 256
_layouts = {}


def _layout(input_shape, weight_shape, dtype, geom, groups, n):
    """What :func:`plan` derives from the shapes alone, as a tuple.

    ``(unbatched, dtype, geom, out_shape, dead_taps, prepared)``: whether a batch axis is
    added, the dtype computed in, the 2-D geometry, the output's spatial shape, whether some
    kernel taps only ever meet padding (then :func:`_without_dead_taps` runs on every call,
    since it looks at the weights; otherwise the work array's size is checked here, once),
    and the :func:`_prepared` call of a small layer, or None.
    """
    unbatched = len(input_shape) == n + 1
    shape = (1, *input_shape) if unbatched else tuple(input_shape)
    if n == 1:  # images of height 1, kernels of one row
        shape = (*shape[:2], 1, shape[2])
        weight_shape = (*weight_shape[:2], 1, weight_shape[2])
    geom = geom.lift_1d()
    input_dtype, dtype = dtype, np.dtype(np.float32) if dtype == np.float16 else dtype
    out_shape = geom.output_shape(shape[2:])
    dead_taps = False
    if any(before or after for before, after in geom.pads):  # no padding: every tap is live
        parts = _live_windows(shape[2:], geom)
        dead_taps = parts is None or any(
            taps.stop - taps.start < k for (taps, _, _), k in zip(parts, geom.kernel, strict=True)
        )
        if not dead_taps:
            _args.check_work_size(
                shape, geom.pads, shape[0] * weight_shape[0] * math.prod(out_shape)
            )
    prepared = None
    if dtype == input_dtype and not dead_taps:  # (float16 is computed in float32)
        prepared = _prepared(shape, weight_shape, dtype, geom, groups, out_shape, unbatched, n)
    return unbatched, dtype, geom, out_shape, dead_taps, prepared


def _prepared(shape, weight_shape, dtype, geom, groups, out_shape, unbatched, n):
    """A :class:`cnncourse._conv_algorithms.PreparedShiftedGemm` for a layer the shifted
    GEMM runs in one small product whatever the data, else None.

    That is one image (``shape`` and ``weight_shape``: batched, 2-D; the caller asks only
    where no kernel tap meets padding alone), and a layer that
    :func:`cnncourse._conv_algorithms.takes_shifted_gemm` takes, of at most
    :data:`cnncourse._conv_algorithms.SMALL_GEMM_WORK` multiply-adds: the layers whose
    warm call costs more in Python and in NumPy's fixed costs than in arithmetic (a 28 x 28
    image and a 3 x 3 kernel: 6,084 multiply-adds).
    """
    if shape[0] != 1:
        return None
    if not _conv_algorithms.takes_shifted_gemm(
        weight_shape, shape, geom.stride, geom.dilation, groups
    ):
        return None
    prepared = _conv_algorithms.PreparedShiftedGemm(
        shape[1:],
        weight_shape,
        geom.pads,
        geom.dilation,
        out_shape,
        not unbatched,
        n,
        dtype.itemsize,
    )
    rows, length = prepared.block_shape
    if weight_shape[0] * rows * length > _conv_algorithms.SMALL_GEMM_WORK:
        return None  # as shifted_gemm decides (its small path)
    return prepared


def _live_windows(sizes, geom, keep=lambda axis, dead: False):
    """Per axis, its :func:`cnncourse.geometry.live_window`: the taps that ever read a real
    input and the padding they still need.

    A tap that reads padding for every output adds zero times its weight, so it can go, with
    the padding that only it reached: a dilation of 100000 then needs no 200000-row work
    array for an 8 x 8 answer (:func:`cnncourse.geometry.live_window`). ``keep(axis,
    dead_taps)`` may keep an axis whole.

    Returns one ``(taps, rows, pads)`` per axis: the slice of live taps, the slice of the
    input they read, and their ``(before, after)`` padding; or ``None`` if no tap is live.
    """
    parts = []
    for axis, (size, k, s, p, d) in enumerate(zip(sizes, *geom, strict=True)):
        window = geometry.live_window(size, k, s, p, d)
        if window is None:
            return None
        taps = window[0]
        if taps.stop - taps.start < k and keep(axis, np.r_[0 : taps.start, taps.stop : k]):
            window = (slice(0, k), slice(0, size), p)
        parts.append(window)
    return parts


def _without_dead_taps(x, w, geom):
    """``(x, w, geom)`` without the taps that only meet zero padding (:func:`_live_windows`).

    Taps with a NaN or infinite weight stay (zero times infinity is NaN, as torch computes
    it). Returns ``None`` if no tap is live and every weight is finite: the answer is zero.
    """

    def has_special(axis, dead):
        index = [slice(None)] * 4
        index[2 + axis] = dead
        return not np.isfinite(w[tuple(index)]).all()

    parts = _live_windows(x.shape[2:], geom, has_special)
    if parts is None:
        return None if np.isfinite(w).all() else (x, w, geom)
    (taps_h, rows_h, pads_h), (taps_w, rows_w, pads_w) = parts
    w = w[:, :, taps_h, taps_w]
    return x[:, :, rows_h, rows_w], w, geom._replace(kernel=w.shape[2:], pads=(pads_h, pads_w))


# --------------------------------------------------------------------------- pooling


#: Pooling reduces blocks of images of about this many bytes at a time, so that the result of
#: the first pass (over rows) is still in the CPU's cache when the second pass reads it.
BLOCK_BYTES = 512 * 2**10


def _reduce_windows(x, geom, sizes_out, combine, fill, dtype):
    """Reduce every window of the last two axes with ``combine`` (``np.maximum``, ``np.add``).

    A window reduction is separable: the maximum (or sum) over a ``kH x kW`` window is the
    maximum over its ``kH`` rows of the maximum over its ``kW`` columns. Reducing the rows,
    then the columns, costs ``kH + kW`` passes over the data instead of ``kH kW``, and no
    padded copy of the input is made (:func:`cnncourse.views.reduce_axis`). The images go
    through both passes in blocks of about :data:`BLOCK_BYTES`, in ``dtype`` (wider than
    float16 for sums).
    """
    height, width = x.shape[-2:]
    (out_height, out_width), pads = sizes_out, geom.pads
    (kh, kw), (sh, sw), (dh, dw) = geom.kernel, geom.stride, geom.dilation
    rows = (out_height, sh, tap_ranges(height, out_height, kh, sh, pads[0][0], dh))
    columns = (out_width, sw, tap_ranges(width, out_width, kw, sw, pads[1][0], dw))
    images = x.reshape(-1, height, width)
    out = np.empty((images.shape[0], out_height, out_width), dtype=dtype)
    step = max(1, BLOCK_BYTES // max(1, height * width * x.itemsize))
    for start in range(0, images.shape[0], step):
        block = images[start : start + step].astype(dtype, copy=False)
        rows_done = reduce_axis(block, -2, *rows, combine, fill)
        reduce_axis(rows_done, -1, *columns, combine, fill, out=out[start : start + step])
    return out.reshape(*x.shape[:-2], out_height, out_width)


def _first_positions(count, stride, before, dilation):
    """Where torch starts each window's search: its first tap at a non-negative position.

    Torch sets the index to it before looking at any value, so a window whose values are all
    :math:`-\\infty` (or that meets only padding) reports it.
    """
    start = stride * np.arange(count) - before
    behind = np.maximum(0, -start)
    return start + dilation * (-(-behind // dilation))


def _argmax_axis(values, positions, axis, count, kernel, stride, before, dilation, where):
    """Maximum over one axis's taps with where it came from, by torch's rule.

    Taps are visited in order; a tap wins when it is larger than the best so far or NaN, so
    the first maximum wins, and a NaN beats everything (the last NaN). ``positions`` holds,
    for each entry of ``values``, the flat input index it stands for; ``where``, the index
    each output starts from (filled in place and returned).
    """
    shape = list(values.shape)
    shape[axis] = count
    best = np.full(shape, -np.inf, dtype=values.dtype)
    index = [slice(None)] * values.ndim
    size = values.shape[axis]
    for a in geometry.candidate_taps(size, count, kernel, stride, before, dilation):
        first, stop, start = geometry.tap_outputs(
            values.shape[axis], count, stride, before, dilation, a
        )
        if first == stop:
            continue
        index[axis] = slice(start, start + stride * (stop - first - 1) + 1, stride)
        candidate, came_from = values[tuple(index)], positions[tuple(index)]
        index[axis] = slice(first, stop)
        target = tuple(index)
        wins = (candidate > best[target]) | np.isnan(candidate)
        best[target] = np.where(wins, candidate, best[target])
        where[target] = np.where(wins, came_from, where[target])
    return best, where


def _max_with_indices(x, geom, sizes_out):
    """Max pooling of (N, C, H, W) with torch's indices: the flat position ``r W + c``."""
    height, width = x.shape[-2:]
    flat = np.arange(height * width, dtype=np.int64).reshape(height, width)
    positions = np.broadcast_to(flat, x.shape)
    (kh, kw), (sh, sw), ((ph, _), (pw, _)), (dh, dw) = geom
    (out_height, out_width) = sizes_out
    first_rows = _first_positions(out_height, sh, ph, dh)
    first_columns = _first_positions(out_width, sw, pw, dw)
    start = np.empty((*x.shape[:-1], out_width), dtype=np.int64)
    start[...] = np.arange(height)[:, None] * width + first_columns
    values, where = _argmax_axis(x, positions, -1, out_width, kw, sw, pw, dw, start)
    start = np.empty((*x.shape[:-2], out_height, out_width), dtype=np.int64)
    start[...] = first_rows[:, None] * width + first_columns
    return _argmax_axis(values, where, -2, out_height, kh, sh, ph, dh, start)


def _unbatch(y, n, unbatched):
    """Undo the 1-D lift and the batch axis of :func:`_prepare`."""
    y = y[..., 0, :] if n == 1 else y
    return y[0] if unbatched else y


def _prepare(input, geom, n):
    """Batched, 2-D input and geometry (a 1-D layer is a 2-D one over images of height 1)."""
    x, unbatched = add_batch_axis(input, n)
    if n == 1:
        x = x[:, :, None, :]
    return x, geom.lift_1d(), unbatched


def max_pool(input, geom, ceil_mode, return_indices, n):
    """Max pooling of a checked input (``geom``: its Geometry) in ``n`` dimensions."""
    x, geom, unbatched = _prepare(input, geom, n)
    sizes_out = geom.output_shape(x.shape[2:], ceil_mode)
    if return_indices:
        values, indices = _max_with_indices(x, geom, sizes_out)
        return _unbatch(values, n, unbatched), _unbatch(indices, n, unbatched)
    # Padding is -inf: it never wins a max, so it is never built (see views.reduce_axis).
    y = _reduce_windows(x, geom, sizes_out, np.maximum, -np.inf, x.dtype)
    return _unbatch(y, n, unbatched)


def avg_pool(input, geom, ceil_mode, count_include_pad, divisor_override, n):
    """Average pooling of a checked input (``geom``: its Geometry) in ``n`` dimensions."""
    x, geom, unbatched = _prepare(input, geom, n)
    sizes_out = geom.output_shape(x.shape[2:], ceil_mode)
    compute_dtype = _accumulator(x.dtype)
    sums = _reduce_windows(x, geom, sizes_out, np.add, 0, compute_dtype)
    if divisor_override is not None:
        sums /= compute_dtype.type(divisor_override)
    else:
        counts = _window_counts(x.shape[2:], sizes_out, geom, count_include_pad)
        if counts.size and np.all(counts == counts.flat[0]):  # one divisor: a scalar is faster
            sums /= compute_dtype.type(counts.flat[0])
        else:
            sums /= counts.astype(compute_dtype)
    return _unbatch(sums.astype(input.dtype, copy=False), n, unbatched)


def _accumulator(dtype):
    """The dtype sums are taken in: float32 for float16 (as torch does), else ``dtype``."""
    return np.dtype(np.float32) if dtype == np.float16 else np.dtype(dtype)


def _window_counts(sizes, sizes_out, geom, count_include_pad):
    """How many values each window averages over (torch's rule), shape (H_out, W_out).

    With ``count_include_pad`` the zero padding counts but the ``ceil_mode`` overhang does
    not; without it only real input values count. The count is separable: the product of
    the counts along each axis.
    """
    counts = []
    for size, count, k, s, (before, _) in zip(
        sizes, sizes_out, geom.kernel, geom.stride, geom.pads, strict=True
    ):
        starts = s * np.arange(count) - before
        low, high = (-before, size + before) if count_include_pad else (0, size)
        counts.append(np.minimum(starts + k, high) - np.maximum(starts, low))
    return np.outer(counts[0], counts[1])


def lp_pool(input, p, geom, ceil_mode, n):
    """torch's definition: ``(avg_pool(x^p) * kernel area)^(1/p)``, in the input's dtype.

    ``p = inf`` is the maximum of ``|x|`` and ``p = -inf`` the minimum, as in torch. Zeros
    to a negative power and negative numbers to a fractional one give inf and NaN quietly,
    as torch's do.
    """
    if math.isinf(p):
        sign = 1 if p > 0 else -1
        return sign * max_pool(sign * np.abs(input), geom, ceil_mode, False, n)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        powers = input ** input.dtype.type(p)
        mean_of_powers = avg_pool(powers, geom, ceil_mode, True, None, n)
        area = input.dtype.type(math.prod(geom.kernel))
        # torch takes sign(s) relu(|s|) of the sum s: a -0.0 becomes +0.0 (so +inf for p < 0)
        total = mean_of_powers * area + input.dtype.type(0.0)
        return total ** input.dtype.type(1.0 / p)


def _empty_adaptive(input, size, n):
    """The answer of an adaptive pooling to a size with a 0: an empty array."""
    return np.empty((*input.shape[:-n], *size), dtype=input.dtype)


def adaptive_avg_pool(input, size, n):
    """Adaptive average pooling of a checked input to ``size`` (a tuple of ``n`` ints).

    Separable: each window's sum over its columns, then over its rows
    (:func:`_adaptive_axis_sum`), on blocks of images, divided by the window's area.
    """
    if 0 in size:
        return _empty_adaptive(input, size, n)
    x, unbatched, size, rows, columns, images = _adaptive_images(input, size, n)
    height, width = x.shape[-2:]
    areas = np.multiply.outer(rows[1] - rows[0], columns[1] - columns[0])
    accumulator = _accumulator(x.dtype)
    y = np.empty((len(images), *size), dtype=x.dtype)
    step = max(1, BLOCK_BYTES // max(1, height * width * accumulator.itemsize))
    for start in range(0, len(images), step):
        block = images[start : start + step].astype(accumulator, copy=False)
        sums = _adaptive_axis_sum(_adaptive_axis_sum(block, 2, *columns), 1, *rows)
        y[start : start + step] = sums / areas
    return _unbatch(y.reshape(*x.shape[:-2], *size), n, unbatched)


def _adaptive_images(input, size, n):
    """What both adaptive poolings start from: the batched input (1-D lifted to images of
    height 1), its unbatched flag, the 2-D ``size``, the row and column windows
    (:func:`cnncourse.geometry.adaptive_windows`) and the images as one (N·C, H, W) stack."""
    x, unbatched = add_batch_axis(input, n)
    if n == 1:
        x, size = x[:, :, None, :], (1, *size)
    height, width = x.shape[-2:]
    rows = geometry.adaptive_windows(height, size[0])
    columns = geometry.adaptive_windows(width, size[1])
    return x, unbatched, size, rows, columns, x.reshape(-1, height, width)


def _adaptive_axis_sum(values, axis, starts, ends):
    """Sums over the adaptive windows ``starts[i] .. ends[i] - 1`` along ``axis``.

    A window position ``t`` at a time, added only to the windows that long.
    """
    shape = [1] * values.ndim
    shape[axis] = len(starts)
    total = np.take(values, starts, axis=axis)
    for t in range(1, int((ends - starts).max())):
        inside = (starts + t < ends).reshape(shape)
        index = np.minimum(starts + t, ends - 1)
        np.add(total, np.take(values, index, axis=axis), out=total, where=inside)
    return total


def adaptive_max_pool(input, size, return_indices, n):
    """Adaptive max pooling of a checked input to ``size`` (a tuple of ``n`` ints).

    Separable, as :func:`_reduce_windows`: the maximum over each window's columns, then over
    its rows, a window position at a time (:func:`_adaptive_axis_max`), on blocks of images
    of about :data:`BLOCK_BYTES`, so the work arrays stay the size of the answer.
    """
    if 0 in size:
        values = _empty_adaptive(input, size, n)
        return (values, values.astype(np.int64)) if return_indices else values
    x, unbatched, size, rows, columns, images = _adaptive_images(input, size, n)
    height, width = x.shape[-2:]
    y = np.empty((len(images), *size), dtype=x.dtype)
    indices = np.empty((len(images), *size), dtype=np.int64) if return_indices else None
    step = max(1, BLOCK_BYTES // max(1, height * width * x.itemsize))
    for start in range(0, len(images), step):
        block = slice(start, start + step)
        best, column = _adaptive_axis_max(images[block], 2, *columns, return_indices)
        if not return_indices:
            y[block] = _adaptive_axis_max(best, 1, *rows, False)[0]
            continue
        y[block], row = _adaptive_axis_max(best, 1, *rows, True)
        # the winner's column: its row's winning column, at the winning row
        indices[block] = row * width + np.take_along_axis(column, row, axis=1)
    y = y.reshape(*x.shape[:-2], *size)
    if not return_indices:
        return _unbatch(y, n, unbatched)
    return _unbatch(y, n, unbatched), _unbatch(indices.reshape(y.shape), n, unbatched)


def _adaptive_axis_max(values, axis, starts, ends, with_index):
    """Maximum over the adaptive windows ``starts[i] .. ends[i] - 1`` along ``axis``.

    A window position ``t`` at a time (at most the longest window's length); a shorter
    window repeats its last entry, which changes neither the maximum nor the winner. With
    ``with_index``, also where the winner lies along ``axis``, by torch's rule: the first
    maximum (a later tap must be larger), or the last NaN (a NaN always wins).
    """
    longest = int((ends - starts).max())
    best, where = None, None
    for t in range(longest):
        index = np.minimum(starts + t, ends - 1)
        candidate = np.take(values, index, axis=axis)
        shape = [1] * values.ndim
        shape[axis] = len(index)
        if best is None:
            best = candidate
            if with_index:
                where = np.broadcast_to(index.reshape(shape), best.shape).copy()
            continue
        if not with_index:
            np.maximum(best, candidate, out=best)
            continue
        wins = (candidate > best) | np.isnan(candidate)
        np.copyto(best, candidate, where=wins)
        np.copyto(where, np.broadcast_to(index.reshape(shape), where.shape), where=wins)
    return best, where


def global_max_pool(input):
    """:func:`cnncourse.global_max_pool2d` of a checked input."""
    return input.max(axis=(-2, -1), keepdims=True)


def global_avg_pool(input):
    """:func:`cnncourse.global_avg_pool2d` of a checked input (float16 summed in float32)."""
    mean = input.mean(axis=(-2, -1), keepdims=True, dtype=_accumulator(input.dtype))
    return mean.astype(input.dtype, copy=False)


def channel_max_pool(input, k):
    """:func:`cnncourse.channel_max_pool` of a checked input, in groups of ``k`` channels."""
    *batch, c, h, w = input.shape
    return input.reshape(*batch, c // k, k, h, w).max(axis=-3)


# --------------------------------------------------------------------------- the backend


class NumpyBackend(Backend):
    """The NumPy backend: every operation of :class:`cnncourse._backend.Backend`.

    Each method calls the function of the same name above, where the computation is
    written and documented (the functions the chapters study). One method is the NumPy
    backend's own, beyond the protocol: :meth:`plan`, the plan that :meth:`conv` runs, which
    :func:`cnncourse.conv_algorithm` reports (torch chooses its own).
    :func:`cnncourse._dispatch.backend_of` returns one shared instance,
    :data:`cnncourse._dispatch.NUMPY`.
    """

    def flip(self, w):
        return flip(w)

    def convolve(self, x, w, mode):
        return convolve(x, w, mode)

    def correlate(self, x, w, mode):
        return correlate(x, w, mode)

    def unfold(self, input, geom):
        return unfold(input, geom)

    def conv(self, input, weight, bias, geom, groups, n):
        return conv(input, weight, bias, geom, groups, n)

    def max_pool(self, input, geom, ceil_mode, return_indices, n):
        return max_pool(input, geom, ceil_mode, return_indices, n)

    def avg_pool(self, input, geom, ceil_mode, count_include_pad, divisor_override, n):
        return avg_pool(input, geom, ceil_mode, count_include_pad, divisor_override, n)

    def lp_pool(self, input, p, geom, ceil_mode, n):
        return lp_pool(input, p, geom, ceil_mode, n)

    def adaptive_max_pool(self, input, size, return_indices, n):
        return adaptive_max_pool(input, size, return_indices, n)

    def adaptive_avg_pool(self, input, size, n):
        return adaptive_avg_pool(input, size, n)

    def global_max_pool(self, input):
        return global_max_pool(input)

    def global_avg_pool(self, input):
        return global_avg_pool(input)

    def channel_max_pool(self, input, k):
        return channel_max_pool(input, k)

    def plan(self, input, weight, geom, groups, n):
        return plan(input, weight, geom, groups, n)

    def prepared_conv(self, input, weight, geom, groups, n):
        return prepared_conv(input, weight, geom, groups, n)
