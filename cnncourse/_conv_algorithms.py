"""Three ways to compute the same NumPy convolution, and the rule that picks one.

All three compute the cross-correlation of :func:`cnncourse.conv.conv2d`,

.. math::

    y[n, o, i, j] = \\sum_{c, a, b} x_\\text{pad}[n, c, s_h i + d_h a, s_w j + d_w b]\\,
    w[o, c, a, b],

and differ only in how they organise the arithmetic:

``"im2col"``
    Copy every window into a row of a matrix and multiply it by the weights (one BLAS
    GEMM per block of output rows). Works for every stride and dilation.
``"shifted-gemm"``
    For stride 1: lay the padded images side by side in one long row per channel. A kernel
    tap ``(a, b)`` then reads the same row shifted by ``d_h a W_pad + d_w b``, so the im2col
    matrix is built from a few contiguous copies, and the GEMM covers a block of output
    positions at a time (a few positions past each image's edge are computed and dropped).
``"fft"``
    For stride 1 and large kernels: multiply Fourier transforms, which costs
    :math:`O(HW \\log HW)` per channel pair instead of :math:`O(HW k^2)`.

:func:`choose` picks one from the shapes; :func:`forced` overrides it (for the benchmark and
the tests). Every temporary is bounded by :data:`BLOCK_BYTES`, apart from the padded copy of
the input and the output itself; temporaries are work arrays kept between calls
(:func:`cnncourse._workspace.scratch`).
"""

import contextlib
import threading

import numpy as np

from ._workspace import scratch
from .views import windows

#: Largest im2col block, in bytes, that an algorithm builds at once.
BLOCK_BYTES = 16 * 2**20

#: Kernels with at least this many taps use the FFT (at stride 1).
FFT_MIN_TAPS = 100

ALGORITHMS = ("im2col", "shifted-gemm", "fft")
_forced = threading.local()  # per thread: a stack of forced algorithm names


def _forced_stack():
    return _forced.__dict__.setdefault("names", [])


@contextlib.contextmanager
def forced(name):
    """Use algorithm ``name`` for this thread's NumPy convolutions inside the ``with`` block."""
    if name not in ALGORITHMS:
        raise ValueError(f"`name` must be one of {ALGORITHMS}, got {name!r}")
    _forced_stack().append(name)
    try:
        yield
    finally:
        _forced_stack().pop()


def choose(weight_shape, stride):
    """The algorithm for a convolution of these shapes (the rule, in order).

    1. stride > 1: ``"im2col"`` (the others would compute and discard most outputs);
    2. a kernel of at least :data:`FFT_MIN_TAPS` taps: ``"fft"``;
    3. otherwise: ``"shifted-gemm"``.

    Inside :func:`forced` the forced algorithm wins, unless it cannot handle a stride.
    """
    strided = max(stride) > 1
    forced_names = _forced_stack()
    if forced_names:
        return "im2col" if strided else forced_names[-1]
    if strided:
        return "im2col"
    if weight_shape[2] * weight_shape[3] >= FFT_MIN_TAPS:
        return "fft"
    return "shifted-gemm"


def _fill_padded(target, images, pads):
    """Write ``images`` into the middle of ``target``'s last two axes, zeros around them.

    ``target`` is a reused work array, so the padding strips are zeroed every time (only the
    strips: the middle is overwritten anyway).
    """
    (top, bottom), (left, right) = pads
    height, width = target.shape[-2:]
    rows, columns = slice(top, height - bottom), slice(left, width - right)
    target[..., rows, columns] = images
    target[..., :top, :] = 0
    target[..., height - bottom :, :] = 0
    target[..., rows, :left] = 0
    target[..., rows, width - right :] = 0
    return target


def _padded(x, pads):
    """``x`` with its last two axes zero-padded by ``pads``, in a work array."""
    (top, bottom), (left, right) = pads
    if not (top or bottom or left or right):
        return x
    n, c, h, w = x.shape
    padded = scratch("padded input", (n, c, h + top + bottom, w + left + right), x.dtype)
    return _fill_padded(padded, x, pads)


def _blocks(total, bytes_per_item):
    """Split ``range(total)`` into slices of at most :data:`BLOCK_BYTES` each."""
    step = max(1, BLOCK_BYTES // max(1, bytes_per_item))
    for start in range(0, total, step):
        yield slice(start, min(start + step, total))


def _group_slices(channels, groups):
    size = channels // groups
    return [slice(g * size, (g + 1) * size) for g in range(groups)]


def im2col(x, weight, stride, pads, dilation, groups):
    """Correlate by copying windows into an im2col matrix, a block of output rows at a time.

    The matrix has one row per (input channel, tap) and one column per output position,
    ``cols[(c, a, b), (n, i, j)] = x_pad[n, c, s_h i + d_h a, s_w j + d_w b]``, so that
    each copy runs along an output row of the image.
    """
    view = windows(_padded(x, pads), weight.shape[2:], stride, dilation)  # (N, C, Ho, Wo, kH, kW)
    n, c, ho, wo, kh, kw = view.shape
    matrix_view = view.transpose(1, 4, 5, 0, 2, 3)  # (C, kH, kW, N, Ho, Wo), still a view
    out = np.empty((weight.shape[0], n, ho, wo), dtype=weight.dtype)
    for inputs, outputs in zip(
        _group_slices(c, groups), _group_slices(weight.shape[0], groups), strict=True
    ):
        group_weight = weight[outputs].reshape(outputs.stop - outputs.start, -1)
        taps = group_weight.shape[1]
        for block in _blocks(ho, n * wo * taps * view.itemsize):
            window_block = matrix_view[inputs, :, :, :, block]  # (C_g, kH, kW, N, rows, Wo)
            cols = scratch("im2col block", window_block.shape, weight.dtype)
            cols[...] = window_block  # the copy: one matrix row per (channel, tap)
            result = scratch("im2col product", out[outputs, :, block].shape, weight.dtype)
            np.matmul(group_weight, cols.reshape(taps, -1), out=result.reshape(len(result), -1))
            out[outputs, :, block] = result
    return out.transpose(1, 0, 2, 3)  # a view, like the shifted GEMM's result


def _side_by_side(x, pads):
    """The padded images side by side: ``flat[c, n P + r W_pad + q] = x_pad[n, c, r, q]``.

    A single unpadded image already is in this layout, and comes back without a copy.
    """
    n, c, h, w = x.shape
    (top, bottom), (left, right) = pads
    hp, wp = h + top + bottom, w + left + right
    if n == 1 and hp == h and wp == w:
        return np.ascontiguousarray(x[0]).reshape(c, h * w), hp, wp
    flat = scratch("side by side", (c, n * hp * wp), x.dtype)
    _fill_padded(flat.reshape(c, n, hp, wp), x.transpose(1, 0, 2, 3), pads)
    return flat, hp, wp


def _taps(channels, kernel_size, dilation, row_length, length):
    """Every kernel tap's shifted copy of the flat rows, as one strided view (no copy).

    ``_taps(...)[c, a, b, t] == channels[c, t + d_h a W_pad + d_w b]``, ``t < length``.
    """
    (kh, kw), (dh, dw) = kernel_size, dilation
    item = channels.itemsize
    # The ndarray constructor makes the view like numpy.lib.stride_tricks.as_strided, without
    # its few microseconds of overhead (a large share of a small layer's time).
    view = np.ndarray(
        shape=(channels.shape[0], kh, kw, length),
        dtype=channels.dtype,
        buffer=channels,
        strides=(channels.strides[0], dh * row_length * item, dw * item, item),
    )
    view.flags.writeable = False
    return view


def shifted_gemm(x, weight, stride, pads, dilation, groups):
    """Correlate (stride 1) with tap shifts of the flattened, padded images."""
    n, c = x.shape[:2]
    out_channels, per_group, kh, kw = weight.shape
    dh, dw = dilation
    flat, hp, wp = _side_by_side(x, pads)
    ho, wo = hp - dh * (kh - 1), wp - dw * (kw - 1)
    if n == 0:  # an empty batch: nothing to compute
        return np.empty((0, out_channels, ho, wo), dtype=weight.dtype)
    total = flat.shape[1]
    # Output position t reads t + (the tap's shift); the last `reach` positions would read
    # past the end, and all of them lie right of or below the valid outputs: skip them.
    reach = dh * (kh - 1) * wp + dw * (kw - 1)
    length = total - reach
    out = np.empty((out_channels, total), dtype=weight.dtype)
    rows = per_group * kh * kw  # one im2col row per (channel, tap)
    columns = max(1, min(length, BLOCK_BYTES // (rows * weight.itemsize)))
    cols = scratch("shifted block", (per_group, kh, kw, columns), weight.dtype)
    for inputs, outputs in zip(
        _group_slices(c, groups), _group_slices(out_channels, groups), strict=True
    ):
        group_weight = weight[outputs].reshape(outputs.stop - outputs.start, rows)
        taps = _taps(flat[inputs], (kh, kw), dilation, wp, length)
        for start in range(0, length, columns):
            stop = min(start + columns, length)
            cols[..., : stop - start] = taps[..., start:stop]  # the im2col block
            np.matmul(
                group_weight,
                cols.reshape(rows, columns)[:, : stop - start],
                out=out[outputs, start:stop],
            )
    y = out.reshape(out_channels, n, hp, wp)[:, :, :ho, :wo]
    return y.transpose(1, 0, 2, 3)  # a view: copying it would cost as much as the GEMM


def fft(x, weight, stride, pads, dilation, groups):
    """Correlate (stride 1) by multiplying Fourier transforms (large kernels)."""
    import scipy.fft

    x = _padded(x, pads)
    out_channels, per_group, kh, kw = weight.shape
    dh, dw = dilation
    spread = np.zeros(
        (out_channels, per_group, dh * (kh - 1) + 1, dw * (kw - 1) + 1), dtype=weight.dtype
    )
    spread[:, :, ::dh, ::dw] = weight  # dilation: zeros between the taps
    shape = x.shape[2:]
    # Correlation is convolution with the flipped kernel; the circular convolution's wrap-around
    # touches only the first kernel-size - 1 outputs, which the valid part drops.
    x_hat = scipy.fft.rfft2(x, s=shape, workers=-1)
    k_hat = scipy.fft.rfft2(spread[:, :, ::-1, ::-1], s=shape, workers=-1)
    y_hat = np.empty((x.shape[0], out_channels, *x_hat.shape[2:]), dtype=x_hat.dtype)
    for inputs, outputs in zip(
        _group_slices(x.shape[1], groups), _group_slices(out_channels, groups), strict=True
    ):
        y_hat[:, outputs] = np.einsum("ncij,ocij->noij", x_hat[:, inputs], k_hat[outputs])
    full = scipy.fft.irfft2(y_hat, s=shape, workers=-1)
    y = full[:, :, spread.shape[2] - 1 :, spread.shape[3] - 1 :]
    return np.ascontiguousarray(y, dtype=weight.dtype)


def correlate(x, weight, stride, pads, dilation, groups):
    """Run the algorithm :func:`choose` picks; inputs already validated, batched, 2-D."""
    name = choose(weight.shape, stride)
    return {"im2col": im2col, "shifted-gemm": shifted_gemm, "fft": fft}[name](
        x, weight, stride, pads, dilation, groups
    )
