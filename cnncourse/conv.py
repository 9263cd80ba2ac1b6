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
(im2col, shifted GEMM, FFT, depthwise), as :func:`conv_algorithm` says, in blocks of bounded size
(the NumPy code is :func:`cnncourse.numpy_backend.conv`; a tensor runs
:func:`cnncourse.torch_ops.conv`).
"""

import numpy as np

from . import _args, _conv_algorithms, geometry
from ._dispatch import NUMPY, backend_of, dual_backend
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
    geom = _args.unfold_args(input, kernel_size, dilation, padding, stride)
    return backend_of(input).unfold(input, geom)


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
    geom = _args.conv_args(input, weight, bias, stride, padding, dilation, groups, 2)
    x, unbatched = add_batch_axis(input, 2)
    view = view_windows(pad(x, geom.pads), geom.kernel, geom.stride, geom.dilation)
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


def _preparer(n):
    """The ``prepare`` of :func:`conv2d` (``n = 2``) or :func:`conv1d` (``n = 1``): a
    configuration's prepared call, or None (the backend's ``prepared_conv``:
    :func:`cnncourse.numpy_backend.prepared_conv`, :func:`cnncourse.torch_ops.prepared_conv`).
    """

    def prepare(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
        geom = _args.conv_args(input, weight, bias, stride, padding, dilation, groups, n)
        return backend_of(input).prepared_conv(input, weight, geom, groups, n)

    return prepare


@dual_backend(prepare=_preparer(2))
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
    geom = _args.conv_args(input, weight, bias, stride, padding, dilation, groups, 2)
    return backend_of(input).conv(input, weight, bias, geom, groups, 2)


@dual_backend(prepare=_preparer(1))
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
    geom = _args.conv_args(input, weight, bias, stride, padding, dilation, groups, 1)
    return backend_of(input).conv(input, weight, bias, geom, groups, 1)


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

    For the benchmark and for experiments; strided convolutions keep ``"im2col"`` (or
    ``"depthwise"``, forced on one input channel per group), and the
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
    answer equals a direct sum's: ``"fft"``; 3. a wide 3 x 3 layer (64 input channels or
    more, 16 output channels or more, images of 28 x 28 or more, 56 x 56 pixels or more in
    the batch), on data where Winograd is
    as accurate as a direct sum: ``"winograd4"``; 4. otherwise ``"shifted-gemm"``
    (``"winograd"``, F(2 x 2, 3 x 3), runs only when forced, :func:`use_algorithm`). A
    depthwise layer (one input channel per group, ``groups > 1``) runs ``"depthwise"`` in place
    of 1 and 4. The rule
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
    geom = _args.conv_args(input, weight, None, stride, padding, dilation, groups, 2)
    return NUMPY.plan(input, weight, geom, groups, 2).algorithm


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
