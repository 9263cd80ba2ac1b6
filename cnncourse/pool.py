"""Pooling in NumPy (§9.3), in the (N, C, H, W) layout, as ``torch.nn.functional``.

A pooling function replaces each output position by a summary of a rectangular
neighbourhood of the input:

.. math::

    y[n, c, i, j] = \\operatorname*{summary}_{(a, b) \\in \\text{window}}
        x_\\text{pad}[n, c, s_h i + d_h a, s_w j + d_w b],

with the maximum, the average or the Lp norm as the summary. Cross-channel pooling
(maxout, Fig 9.9) takes the maximum over groups of channels instead of over space.
"""

import numpy as np

from . import _args
from .conv import add_batch_axis
from .views import pad, windows


def _ceil_extra(size, kernel, stride, padding, dilation, ceil_mode):
    """Extra right padding so that the last (partial) window of ``ceil_mode`` exists."""
    count = _args.output_size(size, kernel, stride, padding, dilation, ceil_mode)
    needed = (count - 1) * stride + dilation * (kernel - 1) + 1
    return max(0, needed - (size + 2 * padding))


def _pool_padding(sizes, kernel, stride, pads, dilation, ceil_mode):
    """``(before, after)`` pairs: the symmetric padding plus any ``ceil_mode`` overhang."""
    return tuple(
        (p, p + _ceil_extra(n, k, s, p, d, ceil_mode))
        for n, k, s, p, d in zip(sizes, kernel, stride, pads, dilation, strict=True)
    )


#: Pooling reduces blocks of images of about this many bytes at a time, so that the result of
#: the first pass (over rows) is still in the CPU's cache when the second pass reads it.
BLOCK_BYTES = 512 * 2**10


def _reduce_axis(x, axis, kernel, stride, dilation, combine, out=None):
    """Combine ``x[..., s i + d a, ...]`` over the taps ``a`` of one axis (into ``out``).

    Each tap is a strided slice of the whole array, so the loop runs over the ``k`` taps of
    the window, never over pixels.
    """
    count = _args.output_size(x.shape[axis], kernel, stride, dilation=dilation)
    index = [slice(None)] * x.ndim

    def tap(a):
        index[axis] = slice(dilation * a, dilation * a + stride * (count - 1) + 1, stride)
        return x[tuple(index)]

    if kernel == 1:
        if out is None:
            return tap(0).copy()
        out[...] = tap(0)
        return out
    result = combine(tap(0), tap(1), out=out)  # no separate copy of the first tap
    for a in range(2, kernel):
        combine(result, tap(a), out=result)
    return result


def _reduce_windows(x, kernel, stride, dilation, combine):
    """Reduce every window of the last two axes with ``combine`` (``np.maximum``, ``np.add``).

    A window reduction is separable: the maximum (or sum) over a ``kH x kW`` window is the
    maximum over its ``kH`` rows of the maximum over its ``kW`` columns. Reducing the rows,
    then the columns, costs ``kH + kW`` passes over the data instead of ``kH kW``. The result
    equals ``combine``-reducing :func:`cnncourse.windows` over its last two axes. The images
    go through both passes in blocks of about :data:`BLOCK_BYTES`.
    """
    height, width = x.shape[-2:]
    out_height = _args.output_size(height, kernel[0], stride[0], dilation=dilation[0])
    out_width = _args.output_size(width, kernel[1], stride[1], dilation=dilation[1])
    images = x.reshape(-1, height, width)
    out = np.empty((images.shape[0], out_height, out_width), dtype=x.dtype)
    step = max(1, BLOCK_BYTES // (height * width * x.itemsize))
    for start in range(0, images.shape[0], step):
        block = slice(start, start + step)
        rows_done = _reduce_axis(images[block], -2, kernel[0], stride[0], dilation[0], combine)
        _reduce_axis(rows_done, -1, kernel[1], stride[1], dilation[1], combine, out=out[block])
    return out.reshape(*x.shape[:-2], out_height, out_width)


def _as_2d(input, n, kernel, stride, pads, dilation):
    """View a 1-D pooling as a 2-D one over images of height 1."""
    if n == 2:
        return input, kernel, stride, pads, dilation
    return input[:, :, None, :], (1, *kernel), (1, *stride), (0, *pads), (1, *dilation)


def _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, n):
    kernel, stride, pads, dilation = _args.pool_args(
        input, kernel_size, stride, padding, dilation, n
    )
    x, unbatched = add_batch_axis(input, n)
    x, kernel, stride, pads, dilation = _as_2d(x, n, kernel, stride, pads, dilation)
    padding_pairs = _pool_padding(x.shape[2:], kernel, stride, pads, dilation, ceil_mode)
    x = pad(x, padding_pairs, value=-np.inf)  # padding never wins a max
    y = _reduce_windows(x, kernel, stride, dilation, np.maximum)
    y = y[:, :, 0, :] if n == 1 else y
    return y[0] if unbatched else y


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
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

    Returns
    -------
    numpy.ndarray, shape (N, C, H_out, W_out)

    Examples
    --------
    >>> x = np.array([[[[1.0, 2, 0, 1], [3, 0, 1, 5]]]])
    >>> max_pool2d(x, 2)
    array([[[[3., 5.]]]])
    """
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, 2)


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    """1-D max pooling, as ``torch.nn.functional.max_pool1d``.

    .. math::

        y[n, c, i] = \\max_{a}\\; x_\\text{pad}[n, c, s i + d a]

    Parameters
    ----------
    input : numpy.ndarray, shape (N, C, L) or (C, L)
    kernel_size, stride, padding, dilation, ceil_mode
        As for :func:`max_pool2d`, with single integers.

    Returns
    -------
    numpy.ndarray, shape (N, C, L_out)

    Examples
    --------
    >>> max_pool1d(np.array([[0.1, 1.0, 0.2, 0.1, 0.0, 0.1]]), 3, stride=2, ceil_mode=True)
    array([[1. , 0.2, 0.1]])
    """
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, 1)


def _avg_pool(
    input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, n
):
    kernel, stride, pads, dilation = _args.pool_args(input, kernel_size, stride, padding, 1, n)
    _args.check_divisor_override(divisor_override)
    x, unbatched = add_batch_axis(input, n)
    x, kernel, stride, pads, dilation = _as_2d(x, n, kernel, stride, pads, dilation)
    compute_dtype = np.float32 if x.dtype == np.float16 else x.dtype
    padding_pairs = _pool_padding(x.shape[2:], kernel, stride, pads, dilation, ceil_mode)
    padded = pad(x.astype(compute_dtype, copy=False), padding_pairs)
    sums = _reduce_windows(padded, kernel, stride, dilation, np.add)
    if divisor_override is not None:
        sums /= divisor_override
    else:
        counts = _window_counts(x.shape[2:], kernel, stride, padding_pairs, count_include_pad)
        if np.all(counts == counts.flat[0]):  # every window full: one scalar divides all
            sums /= np.dtype(compute_dtype).type(counts.flat[0])
        else:
            sums /= counts.astype(compute_dtype)
    y = sums.astype(input.dtype, copy=False)
    y = y[:, :, 0, :] if n == 1 else y
    return y[0] if unbatched else y


def _window_counts(sizes, kernel, stride, padding_pairs, count_include_pad):
    """How many values each window averages over (torch's rule).

    With ``count_include_pad`` the zero padding counts but the ``ceil_mode`` overhang does
    not; without it only real input values count. The count is the window sum of a mask.
    """
    masks = []
    for size, (before, after) in zip(sizes, padding_pairs, strict=True):
        symmetric = before  # the overhang is the part of `after` beyond `before`
        mask = np.zeros(size + before + after)
        if count_include_pad:
            mask[: size + 2 * symmetric] = 1.0
        else:
            mask[before : before + size] = 1.0
        masks.append(mask)
    mask = np.outer(masks[0], masks[1])
    return windows(mask, kernel, stride).sum(axis=(-2, -1))


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
    return _avg_pool(
        input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, 2
    )


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
    return _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad, None, 1)


def _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, n):
    p = _args.lp_norm_type(norm_type)
    kernel = _args.positive(kernel_size, "kernel_size", n)
    mean_of_powers = _avg_pool(input**p, kernel, stride, 0, ceil_mode, True, None, n)
    return (mean_of_powers * np.prod(kernel)) ** (1.0 / p)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """2-D power-average (Lp) pooling, as ``torch.nn.functional.lp_pool2d``.

    .. math::

        y[n, c, i, j] = \\Big( \\sum_{a, b} x[n, c, s_h i + a, s_w j + b]^p \\Big)^{1/p}

    ``p = 1`` is sum pooling (average times window size); as ``p`` grows, on non-negative
    input, the result approaches max pooling. Negative inputs with non-integer ``p`` give
    NaN, as in torch.

    Parameters
    ----------
    input : numpy.ndarray, shape (N, C, H, W) or (C, H, W)
    norm_type : float
        The exponent ``p > 0``.
    kernel_size, stride, ceil_mode
        As for :func:`max_pool2d`.

    Returns
    -------
    numpy.ndarray, shape (N, C, H_out, W_out)

    Examples
    --------
    >>> lp_pool2d(np.array([[[[3.0, 4.0]]]]), 2, (1, 2))
    array([[[[5.]]]])
    """
    return _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, 2)


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """1-D power-average (Lp) pooling, as ``torch.nn.functional.lp_pool1d``.

    .. math::

        y[n, c, i] = \\Big( \\sum_a x[n, c, s i + a]^p \\Big)^{1/p}

    Parameters
    ----------
    input : numpy.ndarray, shape (N, C, L) or (C, L)
    norm_type, kernel_size, stride, ceil_mode
        As for :func:`lp_pool2d`, with single integers.

    Returns
    -------
    numpy.ndarray, shape (N, C, L_out)

    Examples
    --------
    >>> lp_pool1d(np.array([[3.0, 4.0]]), 2, 2)
    array([[5.]])
    """
    return _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, 1)


def adaptive_windows(size, output_size):
    """Start and end of each window of adaptive pooling along one axis (torch's rule).

    .. math::

        \\text{start}_i = \\lfloor i n / m \\rfloor, \\qquad
        \\text{end}_i = \\lceil (i + 1) n / m \\rceil

    Examples
    --------
    >>> adaptive_windows(16, 3)
    (array([ 0,  5, 10]), array([ 6, 11, 16]))
    """
    i = np.arange(output_size)
    starts = (i * size) // output_size
    ends = -((-(i + 1) * size) // output_size)
    return starts, ends


def _adaptive_gather(x, output_size):
    """Gather each adaptive window, padded to the longest by repeating its last index.

    Returns ``(values, mask)`` with ``values`` of shape (N, C, oh, Lh, ow, Lw) and ``mask``
    (oh, Lh, ow, Lw) true on the real (not repeated) entries.
    """
    index, valid = [], []
    for size, out in zip(x.shape[-2:], output_size, strict=True):
        starts, ends = adaptive_windows(size, out)
        offsets = np.arange((ends - starts).max())
        positions = starts[:, None] + offsets[None, :]
        valid.append(positions < ends[:, None])
        index.append(np.minimum(positions, ends[:, None] - 1))
    rows = index[0][:, :, None, None]
    cols = index[1][None, None, :, :]
    values = x[..., rows, cols]
    mask = valid[0][:, :, None, None] & valid[1][None, None, :, :]
    return values, mask


def adaptive_max_pool2d(input, output_size):
    """Max pooling to a fixed grid, whatever the input size (Fig 9.11, centre).

    Output cell ``(i, j)`` is the maximum over rows ``start_i .. end_i`` and columns
    ``start_j .. end_j`` of :func:`adaptive_windows`.

    Parameters
    ----------
    input : numpy.ndarray, shape (N, C, H, W) or (C, H, W)
    output_size : int or pair of int (or None to keep an axis)

    Returns
    -------
    numpy.ndarray, shape (N, C, *output_size)

    Examples
    --------
    >>> adaptive_max_pool2d(np.arange(25.0).reshape(1, 1, 5, 5), 2)[0, 0]
    array([[12., 14.],
           [22., 24.]])
    """
    size = _args.adaptive_args(input, output_size)
    values, _ = _adaptive_gather(input, size)  # repeated entries cannot change a max
    return values.max(axis=(-3, -1))


def adaptive_avg_pool2d(input, output_size):
    """Average pooling to a fixed grid, whatever the input size.

    Parameters
    ----------
    input : numpy.ndarray, shape (N, C, H, W) or (C, H, W)
    output_size : int or pair of int (or None to keep an axis)

    Returns
    -------
    numpy.ndarray, shape (N, C, *output_size)

    Examples
    --------
    >>> adaptive_avg_pool2d(np.arange(16.0).reshape(1, 1, 4, 4), 1)
    array([[[[7.5]]]])
    """
    size = _args.adaptive_args(input, output_size)
    values, mask = _adaptive_gather(input, size)
    total = np.where(mask, values, 0).sum(axis=(-3, -1))
    return (total / mask.sum(axis=(1, 3))).astype(input.dtype, copy=False)


def global_max_pool2d(input):
    """Maximum over all spatial positions: shape (N, C, H, W) -> (N, C, 1, 1).

    Examples
    --------
    >>> global_max_pool2d(np.arange(8.0).reshape(1, 2, 2, 2))[:, :, 0, 0]
    array([[3., 7.]])
    """
    _args.adaptive_args(input, 1)
    return input.max(axis=(-2, -1), keepdims=True)


def global_avg_pool2d(input):
    """Average over all spatial positions: shape (N, C, H, W) -> (N, C, 1, 1).

    The last stage of a fully convolutional network (Fig 9.11, right).

    Examples
    --------
    >>> global_avg_pool2d(np.arange(8.0).reshape(1, 2, 2, 2))[:, :, 0, 0]
    array([[1.5, 5.5]])
    """
    _args.adaptive_args(input, 1)
    return input.mean(axis=(-2, -1), keepdims=True)


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
    *batch, c, h, w = input.shape
    return input.reshape(*batch, c // k, k, h, w).max(axis=-3)
