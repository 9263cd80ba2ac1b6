"""The torch twins of the NumPy functions: same names, signatures, answers and errors.

Each function validates its arguments with :mod:`cnncourse._args` (so both backends reject
bad input with the same words), then calls ``torch.nn.functional`` where it has the
operation, on the tensor's own device, differentiably. This module imports torch; the
package imports it only when a tensor is passed in.
"""

from . import _args
from ._optional import require
from .geometry import mode_shape
from .views import shift_and_add

torch = require("torch", "torch", "cnncourse.torch_ops")  # an ImportError naming the extra
F = torch.nn.functional


def _check_tensor(value, name):
    if not isinstance(value, torch.Tensor):
        raise TypeError(f"`{name}` must be a torch.Tensor here, got {_args.kind_of(value)}")


# --------------------------------------------------------------------------- signals


def flip(w):
    """Reverse a tensor along every axis (torch twin of :func:`cnncourse.signal.flip`)."""
    _check_tensor(w, "w")
    return torch.flip(w, dims=tuple(range(w.ndim)))


def convolve(x, w, mode="full"):
    """True convolution of 1-D or 2-D tensors (torch twin of :func:`cnncourse.signal.convolve`).

    The answer has ``numpy.convolve``'s dtype (bool for bool inputs, an integer dtype for
    integers, computed in float64 and rounded). Finite inputs: a cross-correlation of the
    zero-padded input with the flipped kernel. A NaN or infinity anywhere: the shift-and-add
    of :func:`cnncourse.signal.convolve`, so that it never meets the zero padding.
    """
    _check_tensor(x, "x")
    _args.signal_args(x, w, mode)
    return _convolve(x, w, mode)


def _convolve(x, w, mode):
    """:func:`convolve` with checked arguments."""
    out_dtype = torch.promote_types(x.dtype, w.dtype)
    exact = out_dtype.is_floating_point or out_dtype.is_complex
    compute = out_dtype if exact else torch.float64
    x, w = x.to(compute), w.to(compute)
    if torch.isfinite(x).all() and torch.isfinite(w).all():
        if any(k > n for n, k in zip(x.shape, w.shape, strict=True)):
            full = _full_correlation(w, flip(x))
        else:
            full = _full_correlation(x, flip(w))
        result = _crop(full, mode_shape(tuple(x.shape), tuple(w.shape), mode))
    else:
        shape = mode_shape(tuple(x.shape), tuple(w.shape), mode)
        result = shift_and_add(x, w, mode, torch.zeros(shape, dtype=compute, device=x.device))
    if out_dtype == torch.bool:
        return result != 0
    return result if exact else result.round().to(out_dtype)


def correlate(x, w, mode="full"):
    """Cross-correlation of 1-D or 2-D tensors (twin of :func:`cnncourse.signal.correlate`)."""
    _check_tensor(x, "x")
    _args.signal_args(x, w, mode)
    return _convolve(x, torch.flip(w, dims=tuple(range(w.ndim))), mode)


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


def _conv(input, weight, bias, stride, padding, dilation, groups, n):
    _check_tensor(input, "input")
    shape = _args.conv_args(input, weight, bias, stride, padding, dilation, groups, n)
    x, symmetric = _explicit_padding(input, shape.pads, n)
    convolution = F.conv1d if n == 1 else F.conv2d
    return convolution(x, weight, bias, shape.stride, symmetric, shape.dilation, groups)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D convolution layer on tensors (twin of :func:`cnncourse.conv.conv2d`)."""
    return _conv(input, weight, bias, stride, padding, dilation, groups, 2)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D convolution layer on tensors (twin of :func:`cnncourse.conv.conv1d`)."""
    return _conv(input, weight, bias, stride, padding, dilation, groups, 1)


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """The im2col matrix of a tensor (twin of :func:`cnncourse.conv.unfold`)."""
    _check_tensor(input, "input")
    shape = _args.unfold_args(input, kernel_size, dilation, padding, stride)
    x, symmetric = _explicit_padding(input, shape.pads, 2)
    return F.unfold(x, shape.kernel, shape.dilation, symmetric, shape.stride)


# --------------------------------------------------------------------------- pooling


def _symmetric(pads):
    return tuple(before for before, _ in pads)


def _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, n):
    _check_tensor(input, "input")
    shape = _args.pool_args(input, kernel_size, stride, padding, dilation, ceil_mode, n)
    return_indices = _args.flag(return_indices, "return_indices")
    pool = F.max_pool1d if n == 1 else F.max_pool2d
    return pool(
        input, shape.kernel, shape.stride, _symmetric(shape.pads), shape.dilation,
        bool(ceil_mode), return_indices,
    )  # fmt: skip


def max_pool2d(
    input,
    kernel_size,
    stride=None,
    padding=0,
    dilation=1,
    ceil_mode=False,
    return_indices=False,
):
    """2-D max pooling on tensors (twin of :func:`cnncourse.pool.max_pool2d`)."""
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, 2)


def max_pool1d(
    input,
    kernel_size,
    stride=None,
    padding=0,
    dilation=1,
    ceil_mode=False,
    return_indices=False,
):
    """1-D max pooling on tensors (twin of :func:`cnncourse.pool.max_pool1d`)."""
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, 1)


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
    shape = _args.avg_pool_args(
        input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, 2
    )
    return F.avg_pool2d(
        input, shape.kernel, shape.stride, _symmetric(shape.pads), bool(ceil_mode),
        bool(count_include_pad), divisor_override,
    )  # fmt: skip


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """1-D average pooling on tensors (twin of :func:`cnncourse.pool.avg_pool1d`)."""
    _check_tensor(input, "input")
    shape = _args.avg_pool_args(
        input, kernel_size, stride, padding, ceil_mode, count_include_pad, None, 1
    )
    return F.avg_pool1d(
        input, shape.kernel, shape.stride, _symmetric(shape.pads), bool(ceil_mode),
        bool(count_include_pad),
    )  # fmt: skip


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """2-D Lp pooling on tensors (twin of :func:`cnncourse.pool.lp_pool2d`)."""
    _check_tensor(input, "input")
    p = _args.lp_norm_type(norm_type)
    shape = _args.pool_args(input, kernel_size, stride, 0, 1, ceil_mode, 2)
    return F.lp_pool2d(input, p, shape.kernel, shape.stride, bool(ceil_mode))


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """1-D Lp pooling on tensors (twin of :func:`cnncourse.pool.lp_pool1d`)."""
    _check_tensor(input, "input")
    p = _args.lp_norm_type(norm_type)
    shape = _args.pool_args(input, kernel_size, stride, 0, 1, ceil_mode, 1)
    return F.lp_pool1d(input, p, shape.kernel[0], shape.stride[0], bool(ceil_mode))


def _adaptive_max(input, output_size, return_indices, n):
    _check_tensor(input, "input")
    size = _args.adaptive_args(input, output_size, n)
    return_indices = _args.flag(return_indices, "return_indices")
    pool = F.adaptive_max_pool1d if n == 1 else F.adaptive_max_pool2d
    return pool(input, size, return_indices)


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Max pooling to a fixed grid (twin of :func:`cnncourse.pool.adaptive_max_pool2d`)."""
    return _adaptive_max(input, output_size, return_indices, 2)


def adaptive_max_pool1d(input, output_size, return_indices=False):
    """Max pooling to a fixed length (twin of :func:`cnncourse.pool.adaptive_max_pool1d`)."""
    return _adaptive_max(input, output_size, return_indices, 1)


def adaptive_avg_pool2d(input, output_size):
    """Average pooling to a fixed grid (twin of :func:`cnncourse.pool.adaptive_avg_pool2d`)."""
    _check_tensor(input, "input")
    return F.adaptive_avg_pool2d(input, _args.adaptive_args(input, output_size, 2))


def adaptive_avg_pool1d(input, output_size):
    """Average pooling to a fixed length (twin of :func:`cnncourse.pool.adaptive_avg_pool1d`)."""
    _check_tensor(input, "input")
    return F.adaptive_avg_pool1d(input, _args.adaptive_args(input, output_size, 1))


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
