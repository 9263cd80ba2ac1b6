"""Pooling in NumPy (§9.3), in the (N, C, H, W) layout, as ``torch.nn.functional``.

A pooling function replaces each output position by a summary of a rectangular
neighbourhood of the input:

.. math::

    y[n, c, i, j] = \\operatorname*{summary}_{(a, b) \\in \\text{window}}
        x_\\text{pad}[n, c, s_h i + d_h a, s_w j + d_w b],

with the maximum, the average or the Lp norm as the summary. Cross-channel pooling
(maxout, Fig 9.9) takes the maximum over groups of channels instead of over space.

The windows are reduced one axis at a time, one kernel tap at a time (a strided slice of
the whole input per tap), and padding is never built: a tap that would read padding simply
skips those outputs (:func:`cnncourse.geometry.tap_outputs`). Averages of float16 sum in
float32, as torch does; max pooling can return torch's indices of the winners.
"""

import math

import numpy as np

from . import _args, geometry
from ._dispatch import dual_backend, on_backend
from .views import add_batch_axis, reduce_axis, tap_ranges

#: Pooling reduces blocks of images of about this many bytes at a time, so that the result of
#: the first pass (over rows) is still in the CPU's cache when the second pass reads it.
BLOCK_BYTES = 512 * 2**10


def _reduce_windows(x, shape, sizes_out, combine, fill, dtype):
    """Reduce every window of the last two axes with ``combine`` (``np.maximum``, ``np.add``).

    A window reduction is separable: the maximum (or sum) over a ``kH x kW`` window is the
    maximum over its ``kH`` rows of the maximum over its ``kW`` columns. Reducing the rows,
    then the columns, costs ``kH + kW`` passes over the data instead of ``kH kW``, and no
    padded copy of the input is made (:func:`cnncourse.views.reduce_axis`). The images go
    through both passes in blocks of about :data:`BLOCK_BYTES`, in ``dtype`` (wider than
    float16 for sums).
    """
    height, width = x.shape[-2:]
    (out_height, out_width), pads = sizes_out, shape.pads
    (kh, kw), (sh, sw), (dh, dw) = shape.kernel, shape.stride, shape.dilation
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


def _max_with_indices(x, shape, sizes_out):
    """Max pooling of (N, C, H, W) with torch's indices: the flat position ``r W + c``."""
    height, width = x.shape[-2:]
    flat = np.arange(height * width, dtype=np.int64).reshape(height, width)
    positions = np.broadcast_to(flat, x.shape)
    (kh, kw), (sh, sw), ((ph, _), (pw, _)), (dh, dw) = shape
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


def _prepare(input, shape, n):
    """Batched, 2-D input and geometry (a 1-D layer is a 2-D one over images of height 1)."""
    x, unbatched = add_batch_axis(input, n)
    if n == 1:
        x = x[:, :, None, :]
    return x, shape.lift_1d(), unbatched


def _max_pool(input, shape, ceil_mode, return_indices, n):
    """Max pooling of a checked input (``shape``: its Geometry) in ``n`` dimensions."""
    x, shape, unbatched = _prepare(input, shape, n)
    sizes_out = shape.output_shape(x.shape[2:], ceil_mode)
    if return_indices:
        values, indices = _max_with_indices(x, shape, sizes_out)
        return _unbatch(values, n, unbatched), _unbatch(indices, n, unbatched)
    # Padding is -inf: it never wins a max, so it is never built (see views.reduce_axis).
    y = _reduce_windows(x, shape, sizes_out, np.maximum, -np.inf, x.dtype)
    return _unbatch(y, n, unbatched)


@dual_backend
def max_pool2d(
    input,
    kernel_size,
    stride=None,
    padding=0,
    dilation=1,
    ceil_mode=False,
    return_indices=False,
):
    """2-D max pooling, as ``torch.nn.functional.max_pool2d``.

    .. math::

        y[n, c, i, j] = \\max_{a, b}\\; x_\\text{pad}[n, c, s_h i + d_h a, s_w j + d_w b]

    Padding uses :math:`-\\infty`, so it never wins; a NaN inside a window wins, as in torch.

    Parameters
    ----------
    input : numpy.ndarray, shape (N, C, H, W) or (C, H, W)
    kernel_size : int or pair of int
    stride : int or pair of int, optional
        Defaults to ``kernel_size`` (non-overlapping windows).
    padding : int or pair of int
        At most half of ``kernel_size``.
    dilation : int or pair of int
    ceil_mode : bool
        Keep a last, partial window at the bottom/right edge.
    return_indices : bool
        Also return where each maximum came from, as torch does: the flat index
        ``r * W + c`` of the winning input in its (H, W) image (the last NaN if any).

    Returns
    -------
    numpy.ndarray, shape (N, C, H_out, W_out)
        With ``return_indices``, a pair ``(values, indices)``, the indices int64.

    Examples
    --------
    >>> x = np.array([[[[1.0, 2, 0, 1], [3, 0, 1, 5]]]])
    >>> max_pool2d(x, 2)
    array([[[[3., 5.]]]])
    """
    shape = _args.pool_args(input, kernel_size, stride, padding, dilation, ceil_mode, 2)
    return_indices = _args.flag(return_indices, "return_indices")
    return on_backend(_max_pool, input)(input, shape, bool(ceil_mode), return_indices, 2)


@dual_backend
def max_pool1d(
    input,
    kernel_size,
    stride=None,
    padding=0,
    dilation=1,
    ceil_mode=False,
    return_indices=False,
):
    """1-D max pooling, as ``torch.nn.functional.max_pool1d``.

    .. math::

        y[n, c, i] = \\max_{a}\\; x_\\text{pad}[n, c, s i + d a]

    Parameters
    ----------
    input : numpy.ndarray, shape (N, C, L) or (C, L)
    kernel_size, stride, padding, dilation, ceil_mode, return_indices
        As for :func:`max_pool2d`, with single integers; indices are positions in ``L``.

    Returns
    -------
    numpy.ndarray, shape (N, C, L_out)

    Examples
    --------
    >>> max_pool1d(np.array([[0.1, 1.0, 0.2, 0.1, 0.0, 0.1]]), 3, stride=2, ceil_mode=True)
    array([[1. , 0.2, 0.1]])
    """
    shape = _args.pool_args(input, kernel_size, stride, padding, dilation, ceil_mode, 1)
    return_indices = _args.flag(return_indices, "return_indices")
    return on_backend(_max_pool, input)(input, shape, bool(ceil_mode), return_indices, 1)


def _avg_pool(input, shape, ceil_mode, count_include_pad, divisor_override, n):
    """Average pooling of a checked input (``shape``: its Geometry) in ``n`` dimensions."""
    x, shape, unbatched = _prepare(input, shape, n)
    sizes_out = shape.output_shape(x.shape[2:], ceil_mode)
    compute_dtype = _accumulator(x.dtype)
    sums = _reduce_windows(x, shape, sizes_out, np.add, 0, compute_dtype)
    if divisor_override is not None:
        sums /= compute_dtype.type(divisor_override)
    else:
        counts = _window_counts(x.shape[2:], sizes_out, shape, count_include_pad)
        if counts.size and np.all(counts == counts.flat[0]):  # one divisor: a scalar is faster
            sums /= compute_dtype.type(counts.flat[0])
        else:
            sums /= counts.astype(compute_dtype)
    return _unbatch(sums.astype(input.dtype, copy=False), n, unbatched)


def _accumulator(dtype):
    """The dtype sums are taken in: float32 for float16 (as torch does), else ``dtype``."""
    return np.dtype(np.float32) if dtype == np.float16 else np.dtype(dtype)


def _window_counts(sizes, sizes_out, shape, count_include_pad):
    """How many values each window averages over (torch's rule), shape (H_out, W_out).

    With ``count_include_pad`` the zero padding counts but the ``ceil_mode`` overhang does
    not; without it only real input values count. The count is separable: the product of
    the counts along each axis.
    """
    counts = []
    for size, count, k, s, (before, _) in zip(
        sizes, sizes_out, shape.kernel, shape.stride, shape.pads, strict=True
    ):
        starts = s * np.arange(count) - before
        low, high = (-before, size + before) if count_include_pad else (0, size)
        counts.append(np.minimum(starts + k, high) - np.maximum(starts, low))
    return np.outer(counts[0], counts[1])


@dual_backend
def avg_pool2d(
    input,
    kernel_size,
    stride=None,
    padding=0,
    ceil_mode=False,
    count_include_pad=True,
    divisor_override=None,
):
    """2-D average pooling, as ``torch.nn.functional.avg_pool2d``.

    .. math::

        y[n, c, i, j] = \\frac{1}{|W_{ij}|} \\sum_{(a, b)}
            x_\\text{pad}[n, c, s_h i + a, s_w j + b]

    where :math:`|W_{ij}|` counts the window's entries (including zero padding when
    ``count_include_pad``; never the ``ceil_mode`` overhang), unless ``divisor_override``.

    Parameters
    ----------
    input : numpy.ndarray, shape (N, C, H, W) or (C, H, W)
    kernel_size, stride, padding, ceil_mode
        As for :func:`max_pool2d`.
    count_include_pad : bool
    divisor_override : int, optional

    Returns
    -------
    numpy.ndarray, shape (N, C, H_out, W_out)

    Examples
    --------
    >>> avg_pool2d(np.arange(16.0).reshape(1, 1, 4, 4), 2)
    array([[[[ 2.5,  4.5],
             [10.5, 12.5]]]])
    """
    shape = _args.avg_pool_args(
        input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, 2
    )
    average = on_backend(_avg_pool, input)
    return average(input, shape, bool(ceil_mode), bool(count_include_pad), divisor_override, 2)


@dual_backend
def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """1-D average pooling, as ``torch.nn.functional.avg_pool1d``.

    .. math::

        y[n, c, i] = \\frac{1}{|W_i|} \\sum_a x_\\text{pad}[n, c, s i + a]

    Parameters
    ----------
    input : numpy.ndarray, shape (N, C, L) or (C, L)
    kernel_size, stride, padding, ceil_mode, count_include_pad
        As for :func:`avg_pool2d`, with single integers.

    Returns
    -------
    numpy.ndarray, shape (N, C, L_out)

    Examples
    --------
    >>> avg_pool1d(np.array([[1.0, 2.0, 3.0, 4.0]]), 2)
    array([[1.5, 3.5]])
    """
    shape = _args.avg_pool_args(
        input, kernel_size, stride, padding, ceil_mode, count_include_pad, None, 1
    )
    average = on_backend(_avg_pool, input)
    return average(input, shape, bool(ceil_mode), bool(count_include_pad), None, 1)


def _lp_pool(input, p, shape, ceil_mode, n):
    """torch's definition: ``(avg_pool(x^p) * kernel area)^(1/p)``, in the input's dtype.

    ``p = inf`` is the maximum of ``|x|`` and ``p = -inf`` the minimum, as in torch. Zeros
    to a negative power and negative numbers to a fractional one give inf and NaN quietly,
    as torch's do.
    """
    if math.isinf(p):
        sign = 1 if p > 0 else -1
        return sign * _max_pool(sign * np.abs(input), shape, ceil_mode, False, n)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        powers = input ** input.dtype.type(p)
        mean_of_powers = _avg_pool(powers, shape, ceil_mode, True, None, n)
        area = input.dtype.type(math.prod(shape.kernel))
        # torch takes sign(s) relu(|s|) of the sum s: a -0.0 becomes +0.0 (so +inf for p < 0)
        total = mean_of_powers * area + input.dtype.type(0.0)
        return total ** input.dtype.type(1.0 / p)


@dual_backend
def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """2-D :math:`L^p` pooling: the p-norm of each window, as ``torch.nn.functional.lp_pool2d``.

    .. math::

        y[n, c, i, j] = \\Big( \\sum_{a, b} x[n, c, s_h i + a, s_w j + b]^p \\Big)^{1/p}

    On non-negative input (after a ReLU, say) this is the :math:`L^p` norm of the window, not
    a power mean: ``p = 1`` is sum pooling (the average times the window's :math:`k_h k_w`
    entries), and as ``p`` grows the result falls towards max pooling. Torch's docstring
    calls it "power-average" because it computes it from an average, as this function does:
    ``(avg_pool2d(x ** p) * k_h * k_w) ** (1 / p)``. The powers are ``x ** p``, not
    ``|x| ** p``, so negative input can give NaN, as in torch: ``x ** p`` for a non-integer
    ``p``, or a negative sum of powers raised to a non-integer ``1 / p``.

    With ``ceil_mode``, a window that overhangs the input (in the last row or column of
    windows) holds only :math:`m < k_h k_w` values. The average then divides by :math:`m`,
    and the factor :math:`k_h k_w` restores a full window, so such an output is
    :math:`\\big(\\tfrac{k_h k_w}{m} \\sum x^p\\big)^{1/p}`: the norm of the values present
    times :math:`(k_h k_w / m)^{1/p}`, as torch computes it, not their norm. (``p = inf``
    and ``-inf`` take the largest and the smallest ``|x|`` of the values present, unscaled.)

    Parameters
    ----------
    input : numpy.ndarray, shape (N, C, H, W) or (C, H, W)
    norm_type : float
        The exponent ``p``, any nonzero real number as in torch: ``inf`` gives the maximum
        of ``|x|`` over each window, ``-inf`` its minimum.
    kernel_size : int or pair of int
        As torch's ``lp_pool2d``, not a one-element sequence.
    stride, ceil_mode
        As for :func:`max_pool2d`.

    Returns
    -------
    numpy.ndarray, shape (N, C, H_out, W_out)

    Examples
    --------
    >>> lp_pool2d(np.array([[[[3.0, 4.0]]]]), 2, (1, 2))
    array([[[[5.]]]])
    """
    p, shape = _args.lp_pool_args(input, norm_type, kernel_size, stride, ceil_mode, 2)
    return on_backend(_lp_pool, input)(input, p, shape, bool(ceil_mode), 2)


@dual_backend
def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """1-D :math:`L^p` pooling: the p-norm of each window, as ``torch.nn.functional.lp_pool1d``.

    .. math::

        y[n, c, i] = \\Big( \\sum_a x[n, c, s i + a]^p \\Big)^{1/p}

    Computed as ``(avg_pool1d(x ** p) * k) ** (1 / p)``, like torch; see :func:`lp_pool2d`
    for negative input and for the ceil-mode windows that overhang the input (there, ``m < k``
    values give the norm times :math:`(k / m)^{1/p}`).

    Parameters
    ----------
    input : numpy.ndarray, shape (N, C, L) or (C, L)
    norm_type, stride, ceil_mode
        As for :func:`lp_pool2d`, with single integers.
    kernel_size : int
        An int, as torch's ``lp_pool1d`` (not a sequence).

    Returns
    -------
    numpy.ndarray, shape (N, C, L_out)

    Examples
    --------
    >>> lp_pool1d(np.array([[3.0, 4.0]]), 2, 2)
    array([[5.]])
    >>> lp_pool1d(np.array([[3.0, 4.0, 2.0]]), 2, 2, ceil_mode=True)  # last: sqrt(2 * 2.0**2)
    array([[5.        , 2.82842712]])
    """
    p, shape = _args.lp_pool_args(input, norm_type, kernel_size, stride, ceil_mode, 1)
    return on_backend(_lp_pool, input)(input, p, shape, bool(ceil_mode), 1)


def adaptive_windows(size, output_size):
    """Start and end of each window of adaptive pooling along one axis (torch's rule).

    .. math::

        \\text{start}_i = \\lfloor i n / m \\rfloor, \\qquad
        \\text{end}_i = \\lceil (i + 1) n / m \\rceil

    Parameters
    ----------
    size : int
        The input length ``n`` (positive).
    output_size : int
        How many windows ``m`` (positive).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        The starts and the (exclusive) ends.

    Examples
    --------
    >>> adaptive_windows(16, 3)
    (array([ 0,  5, 10]), array([ 6, 11, 16]))
    """
    (size,) = _args.positive(size, "size", 1)
    (output_size,) = _args.positive(output_size, "output_size", 1)
    return _windows_of(size, output_size)


def _windows_of(size, output_size):
    i = np.arange(output_size)
    starts = (i * size) // output_size
    ends = -((-(i + 1) * size) // output_size)
    return starts, ends


def _empty_adaptive(input, size, n):
    """The answer of an adaptive pooling to a size with a 0: an empty array."""
    return np.empty((*input.shape[:-n], *size), dtype=input.dtype)


def _adaptive_avg_pool(input, size, n):
    """Adaptive average pooling of a checked input to ``size`` (a tuple of ``n`` ints).

    Separable: each window's sum over its columns, then over its rows
    (:func:`_adaptive_axis_sum`), on blocks of images, divided by the window's area.
    """
    if 0 in size:
        return _empty_adaptive(input, size, n)
    x, unbatched = add_batch_axis(input, n)
    if n == 1:
        x, size = x[:, :, None, :], (1, *size)
    height, width = x.shape[-2:]
    rows, columns = _windows_of(height, size[0]), _windows_of(width, size[1])
    areas = np.multiply.outer(rows[1] - rows[0], columns[1] - columns[0])
    images = x.reshape(-1, height, width)
    accumulator = _accumulator(x.dtype)
    y = np.empty((len(images), *size), dtype=x.dtype)
    step = max(1, BLOCK_BYTES // max(1, height * width * accumulator.itemsize))
    for start in range(0, len(images), step):
        block = images[start : start + step].astype(accumulator, copy=False)
        sums = _adaptive_axis_sum(_adaptive_axis_sum(block, 2, *columns), 1, *rows)
        y[start : start + step] = sums / areas
    return _unbatch(y.reshape(*x.shape[:-2], *size), n, unbatched)


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


def _adaptive_max_pool(input, size, return_indices, n):
    """Adaptive max pooling of a checked input to ``size`` (a tuple of ``n`` ints).

    Separable, as :func:`_reduce_windows`: the maximum over each window's columns, then over
    its rows, a window position at a time (:func:`_adaptive_axis_max`), on blocks of images
    of about :data:`BLOCK_BYTES`, so the work arrays stay the size of the answer.
    """
    if 0 in size:
        values = _empty_adaptive(input, size, n)
        return (values, values.astype(np.int64)) if return_indices else values
    x, unbatched = add_batch_axis(input, n)
    if n == 1:
        x, size = x[:, :, None, :], (1, *size)
    height, width = x.shape[-2:]
    rows, columns = _windows_of(height, size[0]), _windows_of(width, size[1])
    images = x.reshape(-1, height, width)
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


@dual_backend
def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Max pooling to a fixed grid, whatever the input size (Fig 9.11, centre).

    Output cell ``(i, j)`` is the maximum over rows ``start_i .. end_i`` and columns
    ``start_j .. end_j`` of :func:`adaptive_windows`.

    Parameters
    ----------
    input : numpy.ndarray, shape (N, C, H, W) or (C, H, W)
    output_size : int or pair of int (or None in a pair to keep an axis)
        Non-negative; a 0 gives an empty answer, as in torch.
    return_indices : bool
        Also return the flat index ``r * W + c`` of each maximum, as torch does.

    Returns
    -------
    numpy.ndarray, shape (N, C, *output_size)
        With ``return_indices``, a pair ``(values, indices)``.

    Examples
    --------
    >>> adaptive_max_pool2d(np.arange(25.0).reshape(1, 1, 5, 5), 2)[0, 0]
    array([[12., 14.],
           [22., 24.]])
    """
    size = _args.adaptive_args(input, output_size, 2, "max")
    return_indices = _args.flag(return_indices, "return_indices")
    return on_backend(_adaptive_max_pool, input)(input, size, return_indices, 2)


@dual_backend
def adaptive_max_pool1d(input, output_size, return_indices=False):
    """1-D max pooling to a fixed length, as ``torch.nn.functional.adaptive_max_pool1d``.

    Parameters
    ----------
    input : numpy.ndarray, shape (N, C, L) or (C, L)
    output_size : int or one-element sequence of int
        Non-negative; 0 gives an empty answer, as in torch.
    return_indices : bool
        Also return the position in ``L`` of each maximum.

    Returns
    -------
    numpy.ndarray, shape (N, C, output_size)

    Examples
    --------
    >>> adaptive_max_pool1d(np.array([[1.0, 5.0, 2.0, 0.0, 3.0]]), 2)
    array([[5., 3.]])
    """
    size = _args.adaptive_args(input, output_size, 1, "max")
    return_indices = _args.flag(return_indices, "return_indices")
    return on_backend(_adaptive_max_pool, input)(input, size, return_indices, 1)


@dual_backend
def adaptive_avg_pool2d(input, output_size):
    """Average pooling to a fixed grid, whatever the input size.

    Sums of float16 input are taken in float32, as torch does.

    Parameters
    ----------
    input : numpy.ndarray, shape (N, C, H, W) or (C, H, W)
    output_size : int or pair of int (or None in a pair to keep an axis)
        Non-negative; a 0 gives an empty answer, as in torch.

    Returns
    -------
    numpy.ndarray, shape (N, C, *output_size)

    Examples
    --------
    >>> adaptive_avg_pool2d(np.arange(16.0).reshape(1, 1, 4, 4), 1)
    array([[[[7.5]]]])
    """
    size = _args.adaptive_args(input, output_size, 2, "avg")
    return on_backend(_adaptive_avg_pool, input)(input, size, 2)


@dual_backend
def adaptive_avg_pool1d(input, output_size):
    """1-D average pooling to a fixed length, as ``torch.nn.functional.adaptive_avg_pool1d``.

    Parameters
    ----------
    input : numpy.ndarray, shape (N, C, L) or (C, L)
    output_size : int or one-element sequence of int
        Non-negative; 0 gives an empty answer, as in torch.

    Returns
    -------
    numpy.ndarray, shape (N, C, output_size)

    Examples
    --------
    >>> adaptive_avg_pool1d(np.array([[1.0, 2.0, 3.0, 4.0]]), 2)
    array([[1.5, 3.5]])
    """
    size = _args.adaptive_args(input, output_size, 1, "avg")
    return on_backend(_adaptive_avg_pool, input)(input, size, 1)


@dual_backend
def global_max_pool2d(input):
    """Maximum over all spatial positions: shape (N, C, H, W) -> (N, C, 1, 1).

    Examples
    --------
    >>> global_max_pool2d(np.arange(8.0).reshape(1, 2, 2, 2))[:, :, 0, 0]
    array([[3., 7.]])
    """
    _args.adaptive_args(input, 1)
    return on_backend(_global_max_pool, input)(input)


def _global_max_pool(input):
    """:func:`global_max_pool2d` of a checked input."""
    return input.max(axis=(-2, -1), keepdims=True)


@dual_backend
def global_avg_pool2d(input):
    """Average over all spatial positions: shape (N, C, H, W) -> (N, C, 1, 1).

    The last stage of a fully convolutional network (Fig 9.11, right).

    Examples
    --------
    >>> global_avg_pool2d(np.arange(8.0).reshape(1, 2, 2, 2))[:, :, 0, 0]
    array([[1.5, 5.5]])
    """
    _args.adaptive_args(input, 1)
    return on_backend(_global_avg_pool, input)(input)


def _global_avg_pool(input):
    """:func:`global_avg_pool2d` of a checked input (float16 summed in float32)."""
    mean = input.mean(axis=(-2, -1), keepdims=True, dtype=_accumulator(input.dtype))
    return mean.astype(input.dtype, copy=False)


@dual_backend
def channel_max_pool(input, pool_size):
    """Cross-channel max pooling (maxout units, Fig 9.9).

    .. math::

        y[n, c, i, j] = \\max_{0 \\le q < k} x[n, k c + q, i, j]

    Pooling over channels that detect rotated versions of a pattern makes the output
    invariant to that rotation.

    Parameters
    ----------
    input : numpy.ndarray, shape (N, C, H, W) or (C, H, W)
    pool_size : int
        ``k``, which must divide ``C``.

    Returns
    -------
    numpy.ndarray, shape (N, C / k, H, W)

    Examples
    --------
    >>> channel_max_pool(np.array([[[[1.0]], [[3.0]], [[2.0]], [[0.0]]]]), 2)[:, :, 0, 0]
    array([[3., 2.]])
    """
    k = _args.channel_pool_args(input, pool_size)
    return on_backend(_channel_max_pool, input)(input, k)


def _channel_max_pool(input, k):
    """:func:`channel_max_pool` of a checked input, in groups of ``k`` channels."""
    *batch, c, h, w = input.shape
    return input.reshape(*batch, c // k, k, h, w).max(axis=-3)
