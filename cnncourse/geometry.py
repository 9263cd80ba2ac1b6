"""Size arithmetic of convolution and pooling, in one place: the formulas the book prints.

Along one axis, a kernel of ``k`` taps with dilation ``d`` spans ``d (k - 1) + 1`` inputs;
with ``p`` zeros of padding on each side and a step (stride) of ``s``, it fits

.. math::

    n_\\text{out} = \\left\\lfloor \\frac{n + 2p - d(k - 1) - 1}{s} \\right\\rfloor + 1

times. Everything else here follows from that: the padding of ``"same"``, the extra right
padding of ``ceil_mode``, the shapes of the signal modes ``"full"``/``"same"``/``"valid"``,
and the lift of a 1-D layer to a 2-D one over images of height 1.

A layer's geometry travels as one :class:`Geometry`: per spatial axis its kernel size,
stride, padding as a ``(before, after)`` pair, and dilation.
"""

import functools
from typing import NamedTuple

import numpy as np


class Geometry(NamedTuple):
    """The checked geometry of a convolution or pooling, one entry per spatial axis.

    Attributes
    ----------
    kernel, stride, dilation : tuple of int
    pads : tuple of (int, int)
        Zero (or, for max pooling, :math:`-\\infty`) padding before and after each axis.
    """

    kernel: tuple
    stride: tuple
    pads: tuple
    dilation: tuple

    def lift_1d(self):
        """The same 1-D geometry as a 2-D one over images of height 1 (``n == 2`` unchanged)."""
        if len(self.kernel) == 2:
            return self
        return Geometry(
            (1, *self.kernel), (1, *self.stride), ((0, 0), *self.pads), (1, *self.dilation)
        )

    def output_shape(self, sizes, ceil_mode=False):
        """The output's spatial shape for an input of spatial shape ``sizes``."""
        return tuple(
            output_size(n, k, s, p, d, ceil_mode)
            for n, k, s, p, d in zip(sizes, *self, strict=True)
        )


def span(kernel_size, dilation=1):
    """How many consecutive inputs a dilated kernel covers: ``d (k - 1) + 1``."""
    return dilation * (kernel_size - 1) + 1


def output_size(size, kernel_size, stride=1, padding=0, dilation=1, ceil_mode=False):
    """Length of a convolution or pooling output along one axis.

    .. math::

        n_\\text{out} = \\left\\lfloor \\frac{n + 2p - d(k-1) - 1}{s} \\right\\rfloor + 1

    With ``ceil_mode`` the floor becomes a ceiling, except that the last window must start
    inside the input or its left padding (the rule of ``torch.nn.functional``).

    Parameters
    ----------
    size : int
        Input length ``n``.
    kernel_size, stride, dilation : int
        ``k``, ``s``, ``d``.
    padding : int or (int, int)
        ``p`` on both sides, or a ``(before, after)`` pair.
    ceil_mode : bool

    Returns
    -------
    int

    Examples
    --------
    >>> output_size(5, 3)              # Fig 9.8: width 3, stride 1
    3
    >>> output_size(6, 3, stride=2)    # Fig 9.10: width 3, stride 2
    2
    >>> output_size(6, 3, stride=2, ceil_mode=True)
    3
    """
    before, after = padding if isinstance(padding, tuple | list) else (padding, padding)
    room = size + before + after - span(kernel_size, dilation)
    if not ceil_mode:
        return room // stride + 1
    count = -(-room // stride) + 1
    if (count - 1) * stride >= size + before:
        count -= 1
    return count


def tap_outputs(size, count, stride, before, dilation, tap):
    """The outputs whose tap ``tap`` reads a real input: ``0 <= s i - p + d a < n``.

    Returns ``(first, stop, start)``: outputs ``first .. stop - 1`` read inputs ``start,
    start + s, ...``; ``first == stop`` when the tap only ever meets padding.
    """
    offset = dilation * tap - before  # the input output 0 reads
    first = max(0, -(offset // stride))  # the smallest i with s i + offset >= 0
    stop = min(count, (size - 1 - offset) // stride + 1) if size - 1 >= offset else 0
    stop = max(stop, first)
    return first, stop, stride * first + offset


def candidate_taps(size, count, kernel_size, stride, before, dilation):
    """The taps that may read a real input, by arithmetic: a ``range`` (the others cannot).

    Tap ``a`` reads ``s i - p + d a`` for outputs ``i < count``: that can be a real input
    only if ``d a - p <= n - 1`` (the first output's read is not past the end) and
    ``s (count - 1) - p + d a >= 0`` (the last output's read is not before the start). So
    a huge window over a small input costs its few candidate taps, not all ``k``.
    """
    if count <= 0:
        return range(0)
    low = max(0, -((stride * (count - 1) - before) // dilation))  # ceil((p - s (c - 1)) / d)
    high = min(kernel_size - 1, (size - 1 + before) // dilation)
    return range(low, high + 1)


def live_taps(size, kernel_size, stride, padding, dilation):
    """The taps ``a0 .. a1`` that read a real input for some output (others see padding).

    Returns ``None`` when every tap only ever meets padding.
    """
    before, after = padding
    count = output_size(size, kernel_size, stride, padding, dilation)
    live = []
    for a in candidate_taps(size, count, kernel_size, stride, before, dilation):
        first, stop, _ = tap_outputs(size, count, stride, before, dilation, a)
        if first < stop:
            live.append(a)
    return (live[0], live[-1]) if live else None


@functools.lru_cache(maxsize=1024)
def live_window(size, kernel_size, stride, padding, dilation):
    """The part of a convolution along one axis that can read a real input.

    A tap that reads padding for every output only ever adds zeros. Dropping the taps before
    the first live one and after the last, and the padding only they reached, leaves the
    same outputs from a shorter work array.

    Returns ``(taps, rows, (before, after))``: the slice of live taps, the slice of the input
    they read, and the padding they still need; ``None`` if no tap is live.
    """
    before, after = padding
    if before == after == 0:  # every tap of every output reads the input
        return slice(0, kernel_size), slice(0, size), padding
    live = live_taps(size, kernel_size, stride, padding, dilation)
    if live is None:
        return None
    first, last = live
    if (first, last) == (0, kernel_size - 1):
        return slice(0, kernel_size), slice(0, size), padding
    count = output_size(size, kernel_size, stride, padding, dilation)
    before -= dilation * first  # negative: the first rows are never read
    skipped = max(0, -before)
    before = max(0, before)
    reach = (count - 1) * stride + dilation * (last - first) + 1  # the padded length needed
    kept = min(size - skipped, reach - before)  # rows past the reach are never read
    return slice(first, last + 1), slice(skipped, skipped + kept), (before, reach - before - kept)


def same_padding(kernel_size, dilation=1):
    """The ``(before, after)`` padding of ``padding="same"``: one more after for even spans."""
    total = span(kernel_size, dilation) - 1
    return total // 2, total - total // 2


def mode_shape(x_shape, w_shape, mode):
    """The shape of ``convolve(x, w, mode)`` (``numpy.convolve`` / ``scipy.signal``).

    ``"full"``: ``n + k - 1``; ``"same"``: ``n``; ``"valid"``: ``|n - k| + 1``.
    """
    if mode == "full":
        return tuple(n + k - 1 for n, k in zip(x_shape, w_shape, strict=True))
    if mode == "same":
        return tuple(x_shape)
    return tuple(abs(n - k) + 1 for n, k in zip(x_shape, w_shape, strict=True))


def mode_start(size, kernel_size, out_size):
    """Index of the full result where a mode's output begins (its centre, as scipy.signal)."""
    return (size + kernel_size - 1 - out_size) // 2


def adaptive_windows(size, output_size):
    """Starts and (exclusive) ends of adaptive pooling's windows along one axis (torch's rule).

    ``start_i = floor(i n / m)`` and ``end_i = ceil((i + 1) n / m)``, for checked positive
    ``size`` (n) and ``output_size`` (m); :func:`cnncourse.adaptive_windows` checks them.
    """
    i = np.arange(output_size)
    starts = (i * size) // output_size
    ends = -((-(i + 1) * size) // output_size)
    return starts, ends
