"""Padding, windows and shifted sums: the array views every convolution and pooling uses.

:func:`windows` returns every window of an image as a strided *view* (no copy), so that a
convolution is "contract the windows with the kernel" and a pooling is "reduce each window".
:func:`shift_and_add` is the other reading of a convolution (eq. 9.3): a sum of shifted
copies of the input, one per kernel tap; both backends' ``convolve`` use it.
:func:`reduce_axis` reduces every window along one axis a tap at a time (pooling is two of
them, rows then columns).
"""

import numpy as np

from . import _args, geometry


def add_batch_axis(input, n):
    """Return ``(batched_input, was_unbatched)``: torch accepts (C, H, W) for (1, C, H, W)."""
    if input.ndim == n + 1:
        return input[None], True
    return input, False


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


def tap_ranges(size, count, kernel, stride, before, dilation):
    """Per tap ``a`` of one axis, the outputs it reaches: ``(first, stop, start)``.

    As :func:`cnncourse.geometry.tap_outputs`; computed once for a reduction that runs
    block by block. Only the taps that may read a real input are listed
    (:func:`cnncourse.geometry.candidate_taps`): the others only ever meet padding.
    """
    taps = geometry.candidate_taps(size, count, kernel, stride, before, dilation)
    return [geometry.tap_outputs(size, count, stride, before, dilation, a) for a in taps]


def reduce_axis(x, axis, count, stride, ranges, combine, fill, out=None):
    """Combine ``x[..., s i - p + d a, ...]`` over the taps ``a`` of one axis (into ``out``).

    Each tap is a strided slice of the whole array, so the loop runs over the ``k`` taps of
    the window, never over pixels. Padding is never built: a tap that would read padding
    for some outputs only combines into the others (``ranges``, from :func:`tap_ranges`),
    and outputs start from ``fill`` (the padding's value: :math:`-\\infty` for a maximum, 0
    for a sum) unless one tap covers all.
    """
    shape = list(x.shape)
    shape[axis] = count
    result = np.empty(shape, dtype=x.dtype) if out is None else out
    full = [a for a, (first, stop, _) in enumerate(ranges) if first == 0 and stop == count]
    index = [slice(None)] * x.ndim

    def part(array, start, length, step):
        index[axis] = slice(start, start + step * (length - 1) + 1, step)
        return array[tuple(index)]

    if len(full) >= 2:  # the first two full taps combine straight into the result
        first_tap, second_tap = (part(x, ranges[a][2], count, stride) for a in full[:2])
        combine(first_tap, second_tap, out=result)
    elif full:
        result[...] = part(x, ranges[full[0]][2], count, stride)
    else:
        result[...] = fill
    done = full[:2]
    for a, (first, stop, start) in enumerate(ranges):
        if a in done or first == stop:
            continue
        target = part(result, first, stop - first, 1)
        combine(target, part(x, start, stop - first, stride), out=target)
    return result


def shift_and_add(x, w, mode, s=None):
    """Discrete convolution by shift-and-add over the kernel's taps (eq. 9.3).

    .. math::

        s[t] = \\sum_a x[a]\\, w[t - a] = \\sum_m w[m]\\, x[t - m],

    so each tap ``w[m]`` adds a copy of ``x`` scaled by ``w[m]`` and shifted by ``m``, to
    the outputs where that copy overlaps ``x``. Outside ``x`` nothing is added (rather than
    a product with zero padding), so an infinite or NaN tap spreads only where it meets
    ``x``, as in ``numpy.convolve``. The loop runs over the kernel's taps, never the pixels.

    ``s``, if given, is the zeroed output to add into (the torch backend passes a tensor).
    """
    out_shape = geometry.mode_shape(tuple(x.shape), tuple(w.shape), mode)
    starts = [
        geometry.mode_start(n, k, n_out)
        for n, k, n_out in zip(x.shape, w.shape, out_shape, strict=True)
    ]
    if s is None:
        s = np.zeros(out_shape, dtype=np.result_type(x, w))
    for m in np.ndindex(w.shape):
        # Output i of the mode is full[i + start] = sum_m w[m] x[i + start - m]: tap m
        # reaches the outputs i with 0 <= i + start - m < n.
        outputs, inputs = [], []
        for mi, n, n_out, start in zip(m, x.shape, out_shape, starts, strict=True):
            low, high = max(0, mi - start), min(n_out, n + mi - start)
            outputs.append(slice(low, high))
            inputs.append(slice(low + start - mi, high + start - mi))
        if all(part.start < part.stop for part in outputs):
            s[tuple(outputs)] += w[m] * x[tuple(inputs)]
    return s
