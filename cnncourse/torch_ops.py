"""The torch twins of the NumPy functions: same names, signatures, answers and errors.

Each function validates its arguments with :mod:`cnncourse._args` (so both backends reject
bad input with the same words), then calls ``torch.nn.functional`` where it has the
operation, on the tensor's own device, differentiably. This module imports torch; the
package imports it only when a tensor is passed in.
"""

import torch
import torch.nn.functional as F

from . import _args
from .signal import _mode_shape


def _check_tensor(value, name):
    if not isinstance(value, torch.Tensor):
        raise TypeError(f"`{name}` must be a torch.Tensor here, got {_args.kind_of(value)}")


# --------------------------------------------------------------------------- signals


def flip(w):
    """Reverse a tensor along every axis (torch twin of :func:`cnncourse.signal.flip`)."""
    _check_tensor(w, "w")
    return torch.flip(w, dims=tuple(range(w.ndim)))


def _result_dtype(x, w):
    dtype = torch.promote_types(x.dtype, w.dtype)
    if not (dtype.is_floating_point or dtype.is_complex):
        dtype = torch.float64
    return dtype


def convolve(x, w, mode="full"):
    """True convolution of 1-D or 2-D tensors (torch twin of :func:`cnncourse.signal.convolve`).

    Computed as a cross-correlation of the zero-padded input with the flipped kernel; integer
    inputs are computed in float64.
    """
    _check_tensor(x, "x")
    _args.signal_args(x, w, mode)
    dtype = _result_dtype(x, w)
    x, w = x.to(dtype), w.to(dtype)
    if any(k > n for n, k in zip(x.shape, w.shape, strict=True)):
        full = _full_correlation(w, flip(x))
    else:
        full = _full_correlation(x, flip(w))
    return _crop(full, _mode_shape(tuple(x.shape), tuple(w.shape), mode))


def correlate(x, w, mode="full"):
    """Cross-correlation of 1-D or 2-D tensors (twin of :func:`cnncourse.signal.correlate`)."""
    _check_tensor(x, "x")
    _args.signal_args(x, w, mode)
    return convolve(x, flip(w), mode)


def _full_correlation(x, w):
    """Every overlap of ``w`` sliding over ``x`` (zero outside): size ``n + k - 1``."""
    pads = tuple(k - 1 for k in w.shape)
    if x.ndim == 1:
        return F.conv1d(x[None, None], w[None, None], padding=pads)[0, 0]
    return F.conv2d(x[None, None], w[None, None], padding=pads)[0, 0]


def _crop(full, shape):
    starts = [(f - n) // 2 for f, n in zip(full.shape, shape, strict=True)]
    return full[tuple(slice(s, s + n) for s, n in zip(starts, shape, strict=True))]


# --------------------------------------------------------------------------- layers


def _explicit_padding(input, pads, n):
    """Apply ``(before, after)`` pairs with ``F.pad`` when they are not symmetric."""
    if all(before == after for before, after in pads):
        return input, tuple(before for before, _ in pads)
    flat = []
    for before, after in reversed(pads):  # F.pad lists the last axis first
        flat += [before, after]
    return F.pad(input, flat), (0,) * n


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D convolution layer on tensors (twin of :func:`cnncourse.conv.conv2d`)."""
    _check_tensor(input, "input")
    stride, pads, dilation = _args.conv_args(
        input, weight, bias, stride, padding, dilation, groups, 2
    )
    x, symmetric = _explicit_padding(input, pads, 2)
    return F.conv2d(x, weight, bias, stride, symmetric, dilation, groups)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D convolution layer on tensors (twin of :func:`cnncourse.conv.conv1d`)."""
    _check_tensor(input, "input")
    stride, pads, dilation = _args.conv_args(
        input, weight, bias, stride, padding, dilation, groups, 1
    )
    x, symmetric = _explicit_padding(input, pads, 1)
    return F.conv1d(x, weight, bias, stride, symmetric, dilation, groups)


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """The im2col matrix of a tensor (twin of :func:`cnncourse.conv.unfold`)."""
    _check_tensor(input, "input")
    kernel, dilation, stride, pads = _args.unfold_args(
        input, kernel_size, dilation, padding, stride
    )
    x, symmetric = _explicit_padding(input, pads, 2)
    return F.unfold(x, kernel, dilation, symmetric, stride)


# --------------------------------------------------------------------------- pooling


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    """2-D max pooling on tensors (twin of :func:`cnncourse.pool.max_pool2d`)."""
    _check_tensor(input, "input")
    kernel, stride, pads, dilation = _args.pool_args(
        input, kernel_size, stride, padding, dilation, 2
    )
    return F.max_pool2d(input, kernel, stride, pads, dilation, ceil_mode)


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    """1-D max pooling on tensors (twin of :func:`cnncourse.pool.max_pool1d`)."""
    _check_tensor(input, "input")
    kernel, stride, pads, dilation = _args.pool_args(
        input, kernel_size, stride, padding, dilation, 1
    )
    return F.max_pool1d(input, kernel, stride, pads, dilation, ceil_mode)


def avg_pool2d(
    input,
    kernel_size,
    stride=None,
    padding=0,
    ceil_mode=False,
    count_include_pad=True,
    divisor_override=None,
):
    """2-D average pooling on tensors (twin of :func:`cnncourse.pool.avg_pool2d`)."""
    _check_tensor(input, "input")
    kernel, stride, pads, _ = _args.pool_args(input, kernel_size, stride, padding, 1, 2)
    _args.check_divisor_override(divisor_override)
    return F.avg_pool2d(input, kernel, stride, pads, ceil_mode, count_include_pad, divisor_override)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """1-D average pooling on tensors (twin of :func:`cnncourse.pool.avg_pool1d`)."""
    _check_tensor(input, "input")
    kernel, stride, pads, _ = _args.pool_args(input, kernel_size, stride, padding, 1, 1)
    return F.avg_pool1d(input, kernel, stride, pads, ceil_mode, count_include_pad)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """2-D Lp pooling on tensors (twin of :func:`cnncourse.pool.lp_pool2d`)."""
    _check_tensor(input, "input")
    p = _args.lp_norm_type(norm_type)
    kernel, stride, _, _ = _args.pool_args(input, kernel_size, stride, 0, 1, 2)
    return F.lp_pool2d(input, p, kernel, stride, ceil_mode)


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """1-D Lp pooling on tensors (twin of :func:`cnncourse.pool.lp_pool1d`)."""
    _check_tensor(input, "input")
    p = _args.lp_norm_type(norm_type)
    kernel, stride, _, _ = _args.pool_args(input, kernel_size, stride, 0, 1, 1)
    return F.lp_pool1d(input, p, kernel[0], stride[0], ceil_mode)


def adaptive_max_pool2d(input, output_size):
    """Max pooling to a fixed grid (twin of :func:`cnncourse.pool.adaptive_max_pool2d`)."""
    _check_tensor(input, "input")
    size = _args.adaptive_args(input, output_size)
    return F.adaptive_max_pool2d(input, size)


def adaptive_avg_pool2d(input, output_size):
    """Average pooling to a fixed grid (twin of :func:`cnncourse.pool.adaptive_avg_pool2d`)."""
    _check_tensor(input, "input")
    size = _args.adaptive_args(input, output_size)
    return F.adaptive_avg_pool2d(input, size)


def global_max_pool2d(input):
    """Maximum over all positions (twin of :func:`cnncourse.pool.global_max_pool2d`)."""
    _check_tensor(input, "input")
    _args.adaptive_args(input, 1)
    return torch.amax(input, dim=(-2, -1), keepdim=True)


def global_avg_pool2d(input):
    """Average over all positions (twin of :func:`cnncourse.pool.global_avg_pool2d`)."""
    _check_tensor(input, "input")
    _args.adaptive_args(input, 1)
    return input.mean(dim=(-2, -1), keepdim=True)


def channel_max_pool(input, pool_size):
    """Cross-channel max pooling (twin of :func:`cnncourse.pool.channel_max_pool`)."""
    _check_tensor(input, "input")
    k = _args.channel_pool_args(input, pool_size)
    *batch, c, h, w = input.shape
    return input.reshape(*batch, c // k, k, h, w).amax(dim=-3)
