"""The torch twins of the NumPy implementations: the same computations on tensors.

:func:`cnncourse._dispatch.on_backend` calls these with arguments the public functions have
already checked and parsed (a :class:`cnncourse.geometry.Geometry`, tuples of ints, plain
bools), so nothing here checks again. Each twin calls ``torch.nn.functional`` where it has
the operation, on the tensor's own device, differentiably, and has the name of the NumPy
implementation without its underscore (``cnncourse.conv._conv`` -> :func:`conv`). This
module imports torch; the package imports it only when a tensor is passed in.
"""

from ._optional import require
from .geometry import mode_shape
from .views import shift_and_add

torch = require("torch", "torch", "cnncourse.torch_ops")  # an ImportError naming the extra
F = torch.nn.functional


# --------------------------------------------------------------------------- signals


def flip(w):
    """Reverse a tensor along every axis."""
    return torch.flip(w, dims=tuple(range(w.ndim)))


def convolve(x, w, mode):
    """True convolution of 1-D or 2-D tensors, with ``numpy.convolve``'s dtype.

    Bool inputs give bool, integers an integer dtype (computed in float64 and rounded).
    Finite inputs: a cross-correlation of the zero-padded input with the flipped kernel. A
    NaN or infinity anywhere: the shift-and-add of the NumPy code, so that it never meets
    the zero padding.
    """
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


def correlate(x, w, mode):
    """Cross-correlation of 1-D or 2-D tensors: convolution with the flipped kernel."""
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


def conv(input, weight, bias, shape, groups, n):
    """A convolution layer in ``n`` dimensions (``shape``: its Geometry)."""
    x, symmetric = _explicit_padding(input, shape.pads, n)
    convolution = F.conv1d if n == 1 else F.conv2d
    return convolution(x, weight, bias, shape.stride, symmetric, shape.dilation, groups)


def unfold(input, shape):
    """The im2col matrix of a tensor (its padding is symmetric, as torch's)."""
    padding = _symmetric(shape.pads)
    return F.unfold(input, shape.kernel, shape.dilation, padding, shape.stride)


# --------------------------------------------------------------------------- pooling


def _symmetric(pads):
    return tuple(before for before, _ in pads)


def max_pool(input, shape, ceil_mode, return_indices, n):
    """Max pooling in ``n`` dimensions, with torch's indices if ``return_indices``."""
    pool = F.max_pool1d if n == 1 else F.max_pool2d
    return pool(
        input, shape.kernel, shape.stride, _symmetric(shape.pads), shape.dilation, ceil_mode,
        return_indices,
    )  # fmt: skip


def avg_pool(input, shape, ceil_mode, count_include_pad, divisor_override, n):
    """Average pooling in ``n`` dimensions."""
    if n == 1:
        return F.avg_pool1d(
            input, shape.kernel, shape.stride, _symmetric(shape.pads), ceil_mode,
            count_include_pad,
        )  # fmt: skip
    return F.avg_pool2d(
        input, shape.kernel, shape.stride, _symmetric(shape.pads), ceil_mode, count_include_pad,
        divisor_override,
    )  # fmt: skip


def lp_pool(input, p, shape, ceil_mode, n):
    """Power-average (Lp) pooling in ``n`` dimensions."""
    if n == 1:
        return F.lp_pool1d(input, p, shape.kernel[0], shape.stride[0], ceil_mode)
    return F.lp_pool2d(input, p, shape.kernel, shape.stride, ceil_mode)


def adaptive_max_pool(input, size, return_indices, n):
    """Max pooling to a fixed size (a tuple of ``n`` ints)."""
    pool = F.adaptive_max_pool1d if n == 1 else F.adaptive_max_pool2d
    return pool(input, size, return_indices)


def adaptive_avg_pool(input, size, n):
    """Average pooling to a fixed size (a tuple of ``n`` ints)."""
    pool = F.adaptive_avg_pool1d if n == 1 else F.adaptive_avg_pool2d
    return pool(input, size)


def global_max_pool(input):
    """Maximum over all positions."""
    return torch.amax(input, dim=(-2, -1), keepdim=True)


def global_avg_pool(input):
    """Average over all positions."""
    return input.mean(dim=(-2, -1), keepdim=True)


def channel_max_pool(input, k):
    """Cross-channel max pooling in groups of ``k`` channels."""
    *batch, c, h, w = input.shape
    return input.reshape(*batch, c // k, k, h, w).amax(dim=-3)
