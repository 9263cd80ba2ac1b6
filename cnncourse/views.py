"""Padding and windows: the two array views every convolution and pooling is built from.

:func:`windows` returns every window of an image as a strided *view* (no copy), so that a
convolution is "contract the windows with the kernel" and a pooling is "reduce each window".
"""

import numpy as np

from . import _args


def pad(x, pads, value=0.0):
    """Pad the last ``len(pads)`` axes of ``x`` by ``(before, after)`` pairs with ``value``."""
    widths = [(0, 0)] * (x.ndim - len(pads)) + [tuple(p) for p in pads]
    if not any(before or after for before, after in pads):
        return x
    return np.pad(x, widths, mode="constant", constant_values=value)


def windows(x, kernel_size, stride=(1, 1), dilation=(1, 1)):
    """Every ``kernel_size`` window of the last two axes of ``x``, as a view (checked).

    ``windows(x, k, s, d)[..., i, j, a, b] == x[..., s_h*i + d_h*a, s_w*j + d_w*b]``.

    Parameters
    ----------
    x : numpy.ndarray, shape (..., H, W)
    kernel_size, stride, dilation : int or pair of int
        Positive; the dilated window must fit inside ``x``.

    Returns
    -------
    numpy.ndarray, shape (..., H_out, W_out, kH, kW)
        A read-only strided view of ``x``: no data is copied.

    Examples
    --------
    >>> x = np.arange(16.0).reshape(4, 4)
    >>> windows(x, (2, 2), stride=(2, 2))[1, 0]
    array([[ 8.,  9.],
           [12., 13.]])
    """
    _args.check_array(x, "x")
    x = np.asarray(x)
    if x.ndim < 2:
        raise ValueError(f"`x` must have at least 2 dimensions (..., H, W), got shape {x.shape}")
    kernel_size = _args.positive(kernel_size, "kernel_size", 2)
    stride = _args.positive(stride, "stride", 2)
    dilation = _args.positive(dilation, "dilation", 2)
    for axis, name in enumerate(("height", "width")):
        _args.check_fits(x.shape[-2 + axis], kernel_size[axis], (0, 0), dilation[axis], name,
                         name="window")  # fmt: skip
    return view_windows(x, kernel_size, stride, dilation)


def view_windows(x, kernel_size, stride=(1, 1), dilation=(1, 1)):
    """:func:`windows` for arguments already checked (pairs of ints; the window fits)."""
    spans = [d * (k - 1) + 1 for k, d in zip(kernel_size, dilation, strict=True)]
    view = np.lib.stride_tricks.sliding_window_view(x, spans, axis=(-2, -1))
    (sh, sw), (dh, dw) = stride, dilation
    return view[..., ::sh, ::sw, ::dh, ::dw]
