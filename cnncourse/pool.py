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
float32, as torch does; max pooling can return torch's indices of the winners (the code:
:mod:`cnncourse.numpy_backend`, and :mod:`cnncourse.torch_ops` for tensors).
"""

import numpy as np  # noqa: F401  (the examples in the docstrings use it)

from . import _args, geometry
from ._dispatch import backend_of, dual_backend


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
    geom = _args.pool_args(input, kernel_size, stride, padding, dilation, ceil_mode, 2)
    return_indices = _args.flag(return_indices, "return_indices")
    return backend_of(input).max_pool(input, geom, bool(ceil_mode), return_indices, 2)


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
    geom = _args.pool_args(input, kernel_size, stride, padding, dilation, ceil_mode, 1)
    return_indices = _args.flag(return_indices, "return_indices")
    return backend_of(input).max_pool(input, geom, bool(ceil_mode), return_indices, 1)


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
    geom = _args.avg_pool_args(
        input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, 2
    )
    return backend_of(input).avg_pool(
        input, geom, bool(ceil_mode), bool(count_include_pad), divisor_override, 2
    )


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
    geom = _args.avg_pool_args(
        input, kernel_size, stride, padding, ceil_mode, count_include_pad, None, 1
    )
    return backend_of(input).avg_pool(
        input, geom, bool(ceil_mode), bool(count_include_pad), None, 1
    )


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
    p, geom = _args.lp_pool_args(input, norm_type, kernel_size, stride, ceil_mode, 2)
    return backend_of(input).lp_pool(input, p, geom, bool(ceil_mode), 2)


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
    p, geom = _args.lp_pool_args(input, norm_type, kernel_size, stride, ceil_mode, 1)
    return backend_of(input).lp_pool(input, p, geom, bool(ceil_mode), 1)


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
    return geometry.adaptive_windows(size, output_size)


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
    return backend_of(input).adaptive_max_pool(input, size, return_indices, 2)


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
    return backend_of(input).adaptive_max_pool(input, size, return_indices, 1)


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
    return backend_of(input).adaptive_avg_pool(input, size, 2)


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
    return backend_of(input).adaptive_avg_pool(input, size, 1)


@dual_backend
def global_max_pool2d(input):
    """Maximum over all spatial positions: shape (N, C, H, W) -> (N, C, 1, 1).

    Examples
    --------
    >>> global_max_pool2d(np.arange(8.0).reshape(1, 2, 2, 2))[:, :, 0, 0]
    array([[3., 7.]])
    """
    _args.adaptive_args(input, 1)
    return backend_of(input).global_max_pool(input)


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
    return backend_of(input).global_avg_pool(input)


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
    return backend_of(input).channel_max_pool(input, k)
