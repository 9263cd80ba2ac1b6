"""The torch backend: every operation of :class:`cnncourse._backend.Backend` on tensors.

The public functions call these, for a tensor, through :class:`TorchBackend` (the instance
that :func:`cnncourse._dispatch.backend_of` returns, whose methods each call the function of
the same name here), with arguments they have already checked and parsed (a layer's
:class:`cnncourse.geometry.Geometry` whole as ``geom``, tuples of ints, plain bools), so
nothing here checks again. Each operation has the name and the signature of its NumPy
twin in :mod:`cnncourse.numpy_backend`, and calls ``torch.nn.functional`` where it has the
operation, on the tensor's own device, differentiably. This module imports torch; the
package imports it only when a tensor is passed in.
"""

import numpy as np

from ._backend import Backend
from ._optional import require
from .geometry import mode_shape, mode_start
from .views import shift_and_add

torch = require("torch", "torch", "cnncourse.torch_ops")  # an ImportError naming the extra
F = torch.nn.functional


# --------------------------------------------------------------------------- signals


def flip(w):
    """Reverse a tensor along every axis."""
    return torch.flip(w, dims=tuple(range(w.ndim)))


def _signal_dtype(x_dtype, w_dtype):
    """The dtype of ``convolve(x, w)``: NumPy's promotion (``numpy.result_type``) of the two.

    The same rule as the NumPy backend (and ``numpy.convolve``): int32 with float32 gives
    float64, uint16 with int8 gives int32. Dtypes NumPy lacks (bfloat16) follow torch's.
    """
    try:
        numpy_dtypes = [np.dtype(str(d).removeprefix("torch.")) for d in (x_dtype, w_dtype)]
    except TypeError:
        return torch.promote_types(x_dtype, w_dtype)
    return getattr(torch, np.result_type(*numpy_dtypes).name)


#: Integer convolutions run in float64 (one fast convolution) when their sums stay below
#: 2**53 by the dtypes' ranges alone; otherwise tap by tap in int64, exactly.
EXACT_BITS = 53

#: The largest im2col block, in bytes, torch's convolution builds per call here: longer
#: outputs are computed a block of rows at a time.
BLOCK_BYTES = 16 * 2**20


def convolve(x, w, mode):
    """True convolution of 1-D or 2-D tensors, in :func:`_signal_dtype`.

    Only the outputs of ``mode`` are computed: one cross-correlation of the part of the input
    they read (padded with zeros where ``mode`` reaches past it) with the flipped kernel,
    the larger tensor playing the input. Integers are exact (float64 where the dtypes'
    ranges allow, else int64 tap by tap, wrapping as NumPy does); bool gives bool; float16
    rounds once, at the end. A NaN or infinite kernel entry must not meet the zero padding
    (0 x inf is NaN where ``numpy.convolve`` adds nothing): in ``"full"`` and ``"same"``
    modes, a kernel with one takes the shift-and-add of the NumPy code.
    """
    return _signal(x, w, mode, flip_kernel=False)


def correlate(x, w, mode):
    """Cross-correlation of 1-D or 2-D tensors: convolution with the flipped kernel."""
    return _signal(x, w, mode, flip_kernel=True)


def _signal(x, w, mode, flip_kernel):
    out_dtype = _signal_dtype(x.dtype, w.dtype)
    shape = mode_shape(tuple(x.shape), tuple(w.shape), mode)
    starts = [mode_start(n, k, m) for n, k, m in zip(x.shape, w.shape, shape, strict=True)]
    if out_dtype.is_floating_point or out_dtype.is_complex:
        compute = torch.float32 if out_dtype == torch.float16 else out_dtype
    elif (
        out_dtype == torch.bool
        or _bits(x.dtype) + _bits(w.dtype) + _bits_of_count(x, w) <= EXACT_BITS
    ):
        compute = torch.float64
    else:
        compute = torch.int64
    x, w = x.to(compute), w.to(compute)
    if flip_kernel:
        w = flip(w)
    if compute == torch.int64:
        result = shift_and_add(x, w, mode, torch.zeros(shape, dtype=compute, device=x.device))
    else:
        a, b = (x, w) if x.numel() >= w.numel() else (w, x)  # convolution commutes
        piece, padded = _needed_input(a, b.shape, shape, starts)
        inexact = out_dtype.is_floating_point or out_dtype.is_complex  # may hold NaN or inf
        if padded and inexact and b.device.type != "meta" and not bool(torch.isfinite(b).all()):
            # (one host sync, in the modes with padding only)
            result = shift_and_add(x, w, mode, torch.zeros(shape, dtype=compute, device=x.device))
        else:
            result = _correlate_valid(piece, flip(b))
    if out_dtype == torch.bool:
        return result != 0
    if not (out_dtype.is_floating_point or out_dtype.is_complex) and compute != torch.int64:
        result = result.round()
    return result.to(out_dtype)


def _bits(dtype):
    """Bits of magnitude an integer dtype's values need (bool: 1)."""
    if dtype == torch.bool:
        return 1
    info = torch.iinfo(dtype)
    return max(abs(info.min), info.max).bit_length()


def _bits_of_count(x, w):
    return min(x.numel(), w.numel()).bit_length()


def _needed_input(a, kernel_shape, shape, starts):
    """The part of ``a`` that the outputs ``shape`` from ``starts`` of the full result read.

    ``full[t] = sum_m b[m] a[t - m]`` reads ``a[t - k + 1 .. t]``: output ``i`` of the mode
    (``t = i + start``) reads ``start - k + 1 + i .. start + i``. Returns that part of
    ``a``, zero-padded where it reaches past ``a``, and whether any padding was added.
    """
    index, pads = [], []
    for n, k, m, start in zip(a.shape, kernel_shape, shape, starts, strict=True):
        first, stop = start - k + 1, start + m  # the a-indices read, [first, stop)
        index.append(slice(max(0, first), min(n, stop)))
        pads.append((max(0, -first), max(0, stop - n)))
    piece = a[tuple(index)]
    flat = [p for pair in reversed(pads) for p in pair]  # F.pad lists the last axis first
    if not any(flat):
        return piece, False
    return F.pad(piece, flat), True


def _correlate_valid(a, b):
    """The valid cross-correlation of ``a`` with ``b``, a block of output rows at a time."""
    if a.ndim == 1:
        return F.conv1d(a[None, None], b[None, None])[0, 0]
    rows = a.shape[0] - b.shape[0] + 1
    row_bytes = max(1, (a.shape[1] - b.shape[1] + 1) * b.numel() * a.element_size())
    step = max(1, BLOCK_BYTES // row_bytes)
    if step >= rows:
        return F.conv2d(a[None, None], b[None, None])[0, 0]
    blocks = [
        F.conv2d(a[None, None, start : start + step + b.shape[0] - 1], b[None, None])[0, 0]
        for start in range(0, rows, step)
    ]
    return torch.cat(blocks)


# --------------------------------------------------------------------------- layers


def _explicit_padding(input, pads, n):
    """Apply ``(before, after)`` pairs with ``F.pad`` when they are not symmetric."""
    if all(before == after for before, after in pads):
        return input, tuple(before for before, _ in pads)
    flat = []
    for before, after in reversed(pads):  # F.pad lists the last axis first
        flat += [before, after]
    return F.pad(input, flat), (0,) * n


def conv(input, weight, bias, geom, groups, n):
    """A convolution layer in ``n`` dimensions (``geom``: its Geometry)."""
    x, symmetric = _explicit_padding(input, geom.pads, n)
    convolution = F.conv1d if n == 1 else F.conv2d
    return convolution(x, weight, bias, geom.stride, symmetric, geom.dilation, groups)


def prepared_conv(input, weight, geom, groups, n):
    """This configuration's call: :func:`conv` with its checked geometry, for the next call
    of the same configuration (:func:`cnncourse._dispatch.dual_backend` skips the checks).

    Where the padding is the same on both sides of each axis (torch pads it itself), the
    call is ``torch.nn.functional``'s alone, its arguments worked out here once.
    """
    if any(before != after for before, after in geom.pads):

        def call(input, weight, bias=None):
            return conv(input, weight, bias, geom, groups, n)

        return call
    convolution = F.conv1d if n == 1 else F.conv2d
    stride, padding, dilation = geom.stride, _symmetric(geom.pads), geom.dilation

    def call(input, weight, bias=None):
        return convolution(input, weight, bias, stride, padding, dilation, groups)

    return call


def unfold(input, geom):
    """The im2col matrix of a tensor (its padding is symmetric, as torch's).

    ``F.unfold`` has no integer, bool or complex version; those dtypes take windows with
    ``Tensor.unfold`` (exact, any dtype), as the NumPy backend answers for them too.
    """
    padding = _symmetric(geom.pads)
    if input.dtype.is_floating_point:
        return F.unfold(input, geom.kernel, geom.dilation, padding, geom.stride)
    x = input if input.ndim == 4 else input[None]
    (ph, pw), (height, width) = padding, x.shape[2:]
    padded = x.new_zeros((*x.shape[:2], height + 2 * ph, width + 2 * pw))
    padded[..., ph : ph + height, pw : pw + width] = x
    (kh, kw), (dh, dw) = geom.kernel, geom.dilation
    windows = padded.unfold(2, dh * (kh - 1) + 1, geom.stride[0])
    windows = windows.unfold(3, dw * (kw - 1) + 1, geom.stride[1])[..., ::dh, ::dw]
    n, c, ho, wo = windows.shape[:4]
    cols = windows.permute(0, 1, 4, 5, 2, 3).reshape(n, c * kh * kw, ho * wo)
    return cols if input.ndim == 4 else cols[0]


# --------------------------------------------------------------------------- pooling


def _symmetric(pads):
    return tuple(before for before, _ in pads)


def max_pool(input, geom, ceil_mode, return_indices, n):
    """Max pooling in ``n`` dimensions, with torch's indices if ``return_indices``."""
    pool = F.max_pool1d if n == 1 else F.max_pool2d
    return pool(
        input, geom.kernel, geom.stride, _symmetric(geom.pads), geom.dilation, ceil_mode,
        return_indices,
    )  # fmt: skip


def avg_pool(input, geom, ceil_mode, count_include_pad, divisor_override, n):
    """Average pooling in ``n`` dimensions."""
    if n == 1:
        return F.avg_pool1d(
            input, geom.kernel, geom.stride, _symmetric(geom.pads), ceil_mode,
            count_include_pad,
        )  # fmt: skip
    return F.avg_pool2d(
        input, geom.kernel, geom.stride, _symmetric(geom.pads), ceil_mode, count_include_pad,
        divisor_override,
    )  # fmt: skip


def lp_pool(input, p, geom, ceil_mode, n):
    """Power-average (Lp) pooling in ``n`` dimensions."""
    if n == 1:
        return F.lp_pool1d(input, p, geom.kernel[0], geom.stride[0], ceil_mode)
    return F.lp_pool2d(input, p, geom.kernel, geom.stride, ceil_mode)


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


# --------------------------------------------------------------------------- the backend


class TorchBackend(Backend):
    """The torch backend: every operation of :class:`cnncourse._backend.Backend`.

    Each method calls the function of the same name above (``torch.nn.functional`` where
    it has the operation). :func:`cnncourse._dispatch.backend_of` returns one shared
    instance, made the first time a tensor comes in.
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

    def prepared_conv(self, input, weight, geom, groups, n):
        return prepared_conv(input, weight, geom, groups, n)

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
