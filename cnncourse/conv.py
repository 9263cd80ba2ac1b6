"""Convolutional layers in NumPy, in the (N, C, H, W) layout of deep-learning libraries.

Like ``torch.nn.functional``, "convolution" here is cross-correlation (eq. 9.6 of the book):

.. math::

    y[n, o, i, j] = b[o] + \\sum_{c} \\sum_{a, b}
        x_\\text{pad}[n, g c', s_h i + d_h a, s_w j + d_w b]\\; w[o, c, a, b],

where the sum over ``c`` runs over the input channels of output channel ``o``'s group.

:func:`conv2d_reference` is that formula in a few lines: pad, take every window (a strided
*view*, no copy: :func:`cnncourse.windows`), and contract the windows with the weights
(``numpy.tensordot``). It is the definition every fast algorithm is tested against.

:func:`conv2d` and :func:`conv1d` compute the same sums faster: they drop kernel taps that
only ever meet padding, then run one of the algorithms of :mod:`cnncourse._conv_algorithms`
(im2col, shifted GEMM, FFT), as :func:`conv_algorithm` says, in blocks of bounded size.
"""

import math
from typing import NamedTuple

import numpy as np

from . import _args, _conv_algorithms, geometry
from ._dispatch import dual_backend, on_backend
from .views import add_batch_axis, pad, view_windows


@dual_backend
def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """The im2col matrix: every window of ``input`` as a column (``torch.nn.functional.unfold``).

    .. math::

        \\text{cols}[n, (c, a, b), (i, j)] = x_\\text{pad}[n, c, s_h i + d_h a, s_w j + d_w b]

    A convolution is then one matrix product: ``weight.reshape(C_out, -1) @ cols``.

    Parameters
    ----------
    input : numpy.ndarray, shape (N, C, H, W) or (C, H, W)
    kernel_size, dilation, padding, stride : int or pair of int
        As torch's ``unfold``: no one-element sequences, no ``"same"``.

    Returns
    -------
    numpy.ndarray, shape (N, C * kH * kW, H_out * W_out) or (C * kH * kW, H_out * W_out)

    Examples
    --------
    >>> unfold(np.arange(9.0).reshape(1, 3, 3), 2)     # one channel, four 2 x 2 windows
    array([[0., 1., 3., 4.],
           [1., 2., 4., 5.],
           [3., 4., 6., 7.],
           [4., 5., 7., 8.]])
    """
    shape = _args.unfold_args(input, kernel_size, dilation, padding, stride)
    return on_backend(_unfold, input)(input, shape)


def _unfold(input, shape):
    """:func:`unfold` of a checked input (``shape``: its Geometry)."""
    input, unbatched = add_batch_axis(input, 2)
    (kh, kw), (ho, wo) = shape.kernel, shape.output_shape(input.shape[2:])
    n, c = input.shape[:2]
    cols = np.zeros((n, c, kh, kw, ho, wo), dtype=input.dtype)  # dead taps read zeros
    parts = _live_part(input.shape[2:], *shape)
    if parts is not None:
        (taps_h, rows_h, pads_h), (taps_w, rows_w, pads_w) = parts
        live = pad(input[:, :, rows_h, rows_w], (pads_h, pads_w))
        kernel = (taps_h.stop - taps_h.start, taps_w.stop - taps_w.start)
        view = view_windows(live, kernel, shape.stride, shape.dilation)  # (N, C, Ho, Wo, a, b)
        cols[:, :, taps_h, taps_w] = view.transpose(0, 1, 4, 5, 2, 3)
    cols = cols.reshape(n, c * kh * kw, ho * wo)
    return cols[0] if unbatched else cols


def _conv(input, weight, bias, shape, groups, n):
    """:func:`conv1d` and :func:`conv2d` (``n`` spatial axes) of checked arguments.

    ``shape`` is the layer's Geometry (from :func:`cnncourse._args.conv_args`).
    """
    plan = _plan(input, weight, shape, groups, n)
    if plan.algorithm == "zeros":  # every tap meets only padding
        y = np.zeros((plan.x.shape[0], plan.w.shape[0], *plan.out_shape), plan.x.dtype)
    else:
        y = _conv_algorithms.run(plan.algorithm, plan.x, plan.w, plan.stride, plan.pads,
                                 plan.dilation, groups)  # fmt: skip
    if bias is not None:
        y = y + bias.astype(plan.x.dtype).reshape(1, -1, 1, 1)

    y = y.astype(input.dtype, copy=False)
    if n == 1:
        y = y[:, :, 0, :]
    return y[0] if plan.unbatched else y


class _Plan(NamedTuple):
    """What :func:`conv2d` runs: the algorithm and the arrays it runs on (batched, 2-D)."""

    algorithm: str  # one of ALGORITHMS, or "zeros" when every tap meets only padding
    x: np.ndarray
    w: np.ndarray
    stride: tuple
    pads: tuple
    dilation: tuple
    out_shape: tuple
    unbatched: bool


def _plan(input, weight, shape, groups, n):
    """The one plan of a NumPy convolution, which :func:`conv_algorithm` reports.

    Batch, lift 1-D to images of height 1, compute float16 in float32, drop the kernel taps
    that only meet padding (:func:`_without_dead_taps`), then :func:`choose` the algorithm
    on what is left.
    """
    x, unbatched = add_batch_axis(input, n)
    w = weight
    if n == 1:  # a 1-D convolution is a 2-D one over images of height 1
        x, w = x[:, :, None, :], w[:, :, None, :]
    stride, pads, dilation = shape.lift_1d()[1:]
    compute_dtype = np.float32 if x.dtype == np.float16 else x.dtype
    x, w = x.astype(compute_dtype, copy=False), w.astype(compute_dtype, copy=False)
    out_shape = geometry.Geometry(w.shape[2:], stride, pads, dilation).output_shape(x.shape[2:])
    if any(before or after for before, after in pads):  # without padding every tap is live
        cropped = _without_dead_taps(x, w, stride, pads, dilation)
        if cropped is None:
            return _Plan("zeros", x, w, stride, pads, dilation, out_shape, unbatched)
        x, w, pads = cropped
        _args.check_work_size(x.shape, pads, x.shape[0] * w.shape[0] * math.prod(out_shape))
    name = _conv_algorithms.choose(w.shape, stride, x, w, pads, dilation, groups)
    return _Plan(name, x, w, stride, pads, dilation, out_shape, unbatched)


def conv2d_reference(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """The definition of :func:`conv2d`, written plainly: windows and a tensor contraction.

    .. math::

        y[n, o, i, j] = b[o] + \\sum_{c, a, b} x_\\text{pad}[n, c, s_h i + d_h a,
        s_w j + d_w b]\\, w[o, c, a, b]

    Slow and memory-hungry (the contraction copies every window), but short enough to read
    at a glance; the tests hold every fast algorithm to it. Same arguments as :func:`conv2d`,
    NumPy arrays only.

    Examples
    --------
    >>> x, w = np.arange(12.0).reshape(1, 1, 3, 4), np.ones((2, 1, 2, 2))
    >>> bool(np.allclose(conv2d_reference(x, w), conv2d(x, w)))
    True
    """
    input, weight = np.asarray(input), np.asarray(weight)
    shape = _args.conv_args(input, weight, bias, stride, padding, dilation, groups, 2)
    x, unbatched = add_batch_axis(input, 2)
    view = view_windows(pad(x, shape.pads), shape.kernel, shape.stride, shape.dilation)
    per_group, outputs = weight.shape[1], weight.shape[0] // groups
    y = np.concatenate(  # one contraction per group: sum over (channel, tap row, tap column)
        [
            np.tensordot(
                view[:, g * per_group : (g + 1) * per_group],  # (N, C_g, Ho, Wo, kH, kW)
                weight[g * outputs : (g + 1) * outputs],  # (O_g, C_g, kH, kW)
                axes=([1, 4, 5], [1, 2, 3]),
            )  # (N, Ho, Wo, O_g)
            for g in range(groups)
        ],
        axis=-1,
    ).transpose(0, 3, 1, 2)
    if bias is not None:
        y = y + np.asarray(bias).reshape(1, -1, 1, 1)
    return y[0] if unbatched else y


def _live_part(sizes, kernel, stride, pads, dilation, keep=lambda axis, dead: False):
    """Per axis, the taps that ever read a real input and the padding they still need.

    A tap that reads padding for every output adds zero times its weight, so it can go, with
    the padding that only it reached: a dilation of 100000 then needs no 200000-row work
    array for an 8 x 8 answer (:func:`cnncourse.geometry.live_window`). ``keep(axis,
    dead_taps)`` may keep an axis whole.

    Returns one ``(taps, rows, pads)`` per axis: the slice of live taps, the slice of the
    input they read, and their ``(before, after)`` padding; or ``None`` if no tap is live.
    """
    parts = []
    for axis, size in enumerate(sizes):
        k = kernel[axis]
        window = geometry.live_window(size, k, stride[axis], pads[axis], dilation[axis])
        if window is None:
            return None
        taps = window[0]
        if taps.stop - taps.start < k and keep(axis, np.r_[0 : taps.start, taps.stop : k]):
            window = (slice(0, k), slice(0, size), pads[axis])
        parts.append(window)
    return parts


def _without_dead_taps(x, w, stride, pads, dilation):
    """``(x, w, pads)`` with the taps that only meet zero padding dropped (see :func:`_live_part`).

    Taps with a NaN or infinite weight stay (zero times infinity is NaN, as torch computes
    it). Returns ``None`` if no tap is live and every weight is finite: the answer is zero.
    """

    def has_special(axis, dead):
        index = [slice(None)] * 4
        index[2 + axis] = dead
        return not np.isfinite(w[tuple(index)]).all()

    parts = _live_part(x.shape[2:], w.shape[2:], stride, pads, dilation, has_special)
    if parts is None:
        return None if np.isfinite(w).all() else (x, w, pads)
    (taps_h, rows_h, pads_h), (taps_w, rows_w, pads_w) = parts
    return x[:, :, rows_h, rows_w], w[:, :, taps_h, taps_w], (pads_h, pads_w)


@dual_backend
def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D convolution layer (cross-correlation), as ``torch.nn.functional.conv2d``.

    .. math::

        y[n, o, i, j] = b[o] + \\sum_{c, a, b} x_\\text{pad}[n, c, s_h i + d_h a,
        s_w j + d_w b]\\, w[o, c, a, b]

    Parameters
    ----------
    input : numpy.ndarray, shape (N, C_in, H, W) or (C_in, H, W)
        Floating point.
    weight : numpy.ndarray, shape (C_out, C_in / groups, kH, kW)
    bias : numpy.ndarray, shape (C_out,), optional
    stride, dilation : int or pair of int
    padding : int, pair of int, "valid" or "same"
        Zero padding on both sides; ``"same"`` keeps the size (stride 1 only).
    groups : int
        Split the channels into this many independent convolutions.

    Returns
    -------
    numpy.ndarray, shape (N, C_out, H_out, W_out)
        ``H_out = floor((H + 2 p - d (k - 1) - 1) / s) + 1``, see :func:`conv_output_size`.

    Examples
    --------
    >>> x = np.arange(12.0).reshape(1, 1, 3, 4)
    >>> w = np.array([[[[1.0, -1.0]]]])     # horizontal differences
    >>> conv2d(x, w)[0, 0]
    array([[-1., -1., -1.],
           [-1., -1., -1.],
           [-1., -1., -1.]])
    """
    shape = _args.conv_args(input, weight, bias, stride, padding, dilation, groups, 2)
    return on_backend(_conv, input)(input, weight, bias, shape, groups, 2)


@dual_backend
def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D convolution layer (cross-correlation), as ``torch.nn.functional.conv1d``.

    .. math::

        y[n, o, i] = b[o] + \\sum_{c, a} x_\\text{pad}[n, c, s i + d a]\\, w[o, c, a]

    Parameters
    ----------
    input : numpy.ndarray, shape (N, C_in, L) or (C_in, L)
    weight : numpy.ndarray, shape (C_out, C_in / groups, k)
    bias, stride, padding, dilation, groups
        As for :func:`conv2d`, with single integers.

    Returns
    -------
    numpy.ndarray, shape (N, C_out, L_out)

    Examples
    --------
    >>> conv1d(np.array([[[1.0, 2.0, 4.0, 7.0]]]), np.array([[[-1.0, 1.0]]]))
    array([[[1., 2., 3.]]])
    """
    shape = _args.conv_args(input, weight, bias, stride, padding, dilation, groups, 1)
    return on_backend(_conv, input)(input, weight, bias, shape, groups, 1)


def conv_output_size(size, kernel_size, stride=1, padding=0, dilation=1, ceil_mode=False):
    """Output length of a convolution or pooling along one axis.

    .. math::

        n_\\text{out} = \\left\\lfloor \\frac{n + 2p - d(k-1) - 1}{s} \\right\\rfloor + 1

    Parameters
    ----------
    size, kernel_size, stride, padding, dilation : int
    ceil_mode : bool
        Round up instead of down (pooling), keeping the last window's start inside; the
        window may then overhang the padded input by less than a stride, as in torch.

    Returns
    -------
    int

    Examples
    --------
    >>> conv_output_size(256, 3, padding=1)
    256
    >>> conv_output_size(320, 2)     # Fig 9.6: 320 columns, kernel width 2
    319
    """
    (size,) = _args.positive(size, "size", 1)
    (kernel_size,) = _args.positive(kernel_size, "kernel_size", 1)
    (stride,) = _args.positive(stride, "stride", 1)
    (padding,) = _args.non_negative(padding, "padding", 1)
    (dilation,) = _args.positive(dilation, "dilation", 1)
    ceil_mode = _args.flag(ceil_mode, "ceil_mode")
    _args.check_fits(size, kernel_size, (padding, padding), dilation, "the axis",
                     ceil_stride=stride if ceil_mode else None)  # fmt: skip
    return geometry.output_size(size, kernel_size, stride, padding, dilation, ceil_mode)


# --------------------------------------------------------------------------- algorithms

#: The NumPy convolution algorithms (see :mod:`cnncourse._conv_algorithms`).
ALGORITHMS = _conv_algorithms.ALGORITHMS


def use_algorithm(name):
    """Context manager: run this thread's NumPy convolutions with algorithm ``name``.

    For the benchmark and for experiments; strided convolutions keep ``"im2col"``, and the
    FFT and Winograd still give way on data where their answer would differ from a direct
    sum's (Winograd also to kernels larger than 3 x 3).

    Examples
    --------
    >>> with use_algorithm("im2col"):
    ...     conv_algorithm(np.zeros((1, 1, 8, 8)), np.zeros((1, 1, 3, 3)))
    'im2col'
    """
    return _conv_algorithms.forced(name)


def conv_algorithm(input, weight, stride=1, padding=0, dilation=1, groups=1):
    """The algorithm :func:`conv2d` would run on these NumPy arrays (the rule, in order).

    1. stride > 1: ``"im2col"``; 2. a kernel of at least 100 taps, on data where the FFT's
    answer equals a direct sum's: ``"fft"``; 3. otherwise ``"shifted-gemm"``
    (``"winograd"`` runs only when forced, :func:`use_algorithm`). The rule
    sees what :func:`conv2d` runs it on, the kernel taps that only meet padding dropped;
    ``"zeros"`` if no tap is left (nothing runs).

    Examples
    --------
    >>> conv_algorithm(np.zeros((1, 1, 64, 64)), np.ones((1, 1, 11, 11)), padding=5)
    'fft'
    >>> conv_algorithm(np.zeros((1, 1, 64, 64)), np.ones((1, 1, 3, 3)), stride=2)
    'im2col'
    """
    input, weight = _args.as_array(input, "input"), _args.as_array(weight, "weight")
    shape = _args.conv_args(input, weight, None, stride, padding, dilation, groups, 2)
    return _plan(input, weight, shape, groups, 2).algorithm


def receptive_field(kernel_sizes, strides=None, dilations=None):
    """Receptive field of one output of a stack of convolutions (inputs it depends on).

    .. math::

        r_L = 1 + \\sum_{l=1}^{L} d_l (k_l - 1) \\prod_{i < l} s_i

    Parameters
    ----------
    kernel_sizes : sequence of int
        ``k_l`` of each layer, first layer first.
    strides, dilations : sequence of int, optional
        Default all ones.

    Returns
    -------
    int

    Examples
    --------
    >>> receptive_field([3, 3])          # Fig 9.4: two layers of width 3 see 5 inputs
    5
    >>> receptive_field([3, 3, 3], strides=[2, 2, 1])
    15
    """
    kernel_sizes = _layer_list(kernel_sizes, "kernel_sizes", None)
    n = len(kernel_sizes)
    strides = [1] * n if strides is None else _layer_list(strides, "strides", n)
    dilations = [1] * n if dilations is None else _layer_list(dilations, "dilations", n)
    size, jump = 1, 1
    for k, s, d in zip(kernel_sizes, strides, dilations, strict=True):
        size += d * (k - 1) * jump
        jump *= s
    return size


def _layer_list(values, name, n):
    """A list of positive ints, one per layer (``n`` of them unless ``n`` is None)."""
    if not isinstance(values, tuple | list):
        raise TypeError(f"`{name}` must be a sequence of positive integers, got {values!r}")
    values = list(values)
    if not all(_args.is_int(v) for v in values):
        raise TypeError(f"`{name}` must be a sequence of positive integers, got {values!r}")
    if not all(v >= 1 for v in values):
        raise ValueError(f"`{name}` must be a sequence of positive integers, got {values!r}")
    if n is not None and len(values) != n:
        raise ValueError(
            f"`{name}` must have one entry per layer ({n}, as `kernel_sizes`), got {len(values)}"
        )
    return [int(v) for v in values]
