"""The ways to compute the same NumPy convolution, and the rule that picks one.

All of them compute the cross-correlation of :func:`cnncourse.conv.conv2d`,

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
    A batch of small images (:func:`image_blocks`) is shifted an image at a time instead,
    a block of whole images in one batched GEMM (no side-by-side copy of the batch).
``"fft"``
    For stride 1 and large kernels: multiply Fourier transforms, which costs
    :math:`O(HW \\log HW)` per channel pair instead of :math:`O(HW k^2)`. Only for data on
    which its answer equals a direct sum's (:func:`fft_is_exact`): finite values of about
    the same size everywhere.
``"winograd"``, ``"winograd4"``
    For stride 1 and 3 x 3 kernels: Winograd's F(2 x 2, 3 x 3) and F(4 x 4, 3 x 3) tiles
    (:mod:`cnncourse._winograd`), 16 multiplications per 2 x 2 outputs instead of 36, or
    36 per 4 x 4 outputs instead of 144, as one batched GEMM over channels. Only for data
    on which the answer is as accurate as a direct sum's (:func:`winograd_is_exact`):
    finite values of about the same size. F(4, 3) is the automatic choice for wide layers
    (:data:`WINOGRAD4_MIN`) when BLAS runs one thread (:data:`WINOGRAD_MAX_THREADS`);
    F(2, 3) runs only when forced.
``"depthwise"``
    For one input channel per group (:func:`depthwise`, any stride): each image's
    im2col rows, one shifted copy of it per tap (of its phase images at a stride > 1;
    once per kernel column for kernels of :data:`DEPTHWISE_SPLIT_ROWS` rows or more),
    times its own channel's taps, as one batched product over a block of images. A direct
    sum, like the first two.

:func:`choose` picks one from the shapes; :func:`forced` overrides it (for the benchmark and
the tests). Every temporary is bounded by :data:`BLOCK_BYTES`, apart from the padded copy of
the input and the output itself; temporaries are work arrays kept between calls
(:func:`cnncourse._workspace.scratch`).
"""

import contextlib
import math
import threading

import numpy as np

from ._winograd import blas_threads, winograd, winograd4  # noqa: F401 (run() finds them by name)
from ._winograd import supports as winograd_supports
from ._workspace import SCRATCH_MIN_BYTES, bordered, scratch
from .views import reduce_axis, tap_ranges, view_windows

#: Largest im2col block, in bytes, that an algorithm builds at once.
BLOCK_BYTES = 16 * 2**20

#: Kernels with at least this many taps use the FFT (at stride 1).
FFT_MIN_TAPS = 100

ALGORITHMS = ("im2col", "shifted-gemm", "fft", "winograd", "winograd4", "depthwise")
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


def choose(weight_shape, stride, x=None, weight=None, pads=None, dilation=(1, 1), groups=1,
           threads=None):  # fmt: skip
    """The algorithm for a convolution of these shapes (the rule, in order).

    0. a grouped layer of one input channel per group (depthwise): ``"depthwise"``, at any
       stride, unless rule 2 picks the FFT; the fallback of rules 2 and 4 for such a layer;
    1. stride > 1: ``"im2col"`` (the others would compute and discard most outputs);
    2. a kernel of at least :data:`FFT_MIN_TAPS` taps: ``"fft"``, if :func:`fft_is_exact`
       says its answer equals a direct method's on this data (it is checked when ``x`` and
       ``weight`` are given);
    3. a 3 x 3 kernel, no dilation or groups, at least :data:`WINOGRAD4_MIN` input
       channels, output channels, pixels per image and in the batch (64, 16, 28 x 28,
       56 x 56), and NumPy's BLAS held to at most :data:`WINOGRAD_MAX_THREADS` thread
       (``threads``; default: :func:`cnncourse._winograd.blas_threads`, read only for a
       layer that passes the shape test): ``"winograd4"``
       (F(4 x 4, 3 x 3)), on the data :func:`winograd_is_exact` accepts (``m=4``);
       F(2 x 2, 3 x 3) likewise
       from :data:`WINOGRAD_MIN` (never as set: it was not measured faster than F(4, 3));
    4. otherwise: ``"shifted-gemm"``.

    Inside :func:`forced` the forced algorithm wins, unless it cannot handle a stride (or, for
    Winograd, a kernel larger than 3 x 3; for ``"depthwise"``, more than one input channel
    per group), or it is the FFT or Winograd and the data fail :func:`fft_is_exact` or
    :func:`winograd_is_exact`.
    """
    strided = max(stride) > 1
    forced_names = _forced_stack()
    direct = _direct_method(weight_shape, groups, forced_names[-1] if forced_names else None)
    if strided:
        return "depthwise" if direct == "depthwise" else "im2col"
    if forced_names:
        name = direct if forced_names[-1] == "depthwise" else forced_names[-1]
    elif weight_shape[2] * weight_shape[3] >= FFT_MIN_TAPS:
        name = "fft"
    else:
        x_shape = None if x is None else x.shape
        name = _winograd_pays(weight_shape, x_shape, dilation, groups, threads) or direct
    if name in WINOGRADS and not winograd_supports(weight_shape, stride, dilation):
        return direct
    if name == "fft" and x is not None and not fft_is_exact(x, weight, pads, dilation, groups):
        return direct
    if name in WINOGRADS and x is not None:
        if not winograd_is_exact(x, weight, pads, dilation, groups, m=WINOGRADS[name]):
            return "shifted-gemm"
    return name


def takes_shifted_gemm(weight_shape, x_shape, stride, dilation, groups):
    """Whether :func:`choose`, outside :func:`forced`, takes ``"shifted-gemm"`` for a
    layer of these shapes whatever its data: stride 1, one group, and neither the FFT nor
    Winograd among the candidates (whose checks would read the data) at any BLAS thread
    count (Winograd's thread condition taken as met)."""
    return (
        max(stride) == 1
        and groups == 1
        and weight_shape[2] * weight_shape[3] < FFT_MIN_TAPS
        and _winograd_pays(weight_shape, x_shape, dilation, groups, WINOGRAD_MAX_THREADS) is None
    )


def _direct_method(weight_shape, groups, forced_name):
    """``"depthwise"`` for a layer of one input channel per group (:func:`depthwise`), if
    grouped (automatic) or if forced; else ``"shifted-gemm"``, the direct method at stride 1.
    """
    one_channel = weight_shape[1] == 1
    if one_channel and (forced_name == "depthwise" or (forced_name is None and groups > 1)):
        return "depthwise"
    return "shifted-gemm"


#: The Winograd algorithms and their output tile sides ``m``.
WINOGRADS = {"winograd": 2, "winograd4": 4}

#: The automatic choice takes F(4 x 4, 3 x 3) for a dense 3 x 3 layer with at least this
#: many input channels, output channels, pixels per input image and pixels in the batch, and
#: F(2 x 2, 3 x 3) likewise (``None``: never). From :data:`cnncourse.bench.WINOGRAD_RULE_SWEEP`
#: (through ``conv2d``, float32, one thread, each algorithm forced, interleaved medians): 8
#: images of 14, 28 and 56 pixels a side, 3 to 128 input and 16 to 128 output channels. With
#: 64 input channels or more and sides of 28 or more, F(4, 3) took 0.52 to 0.81 of the
#: shifted GEMM's time. At 14 pixels a side it lost on 13 of 15 layers, with 3 or 16 input
#: channels on 16 of 18 (up to 4.5 times slower); with 32 input channels and sides of 28 or
#: more it won (0.29 to 0.95), on two layers by less than the noise of a shared machine, so
#: the rule starts at 64. F(2, 3) was faster than F(4, 3) on one layer of the region only
#: (0.78 against 0.81): never taken. On fewer images (:data:`~cnncourse.bench.WINOGRAD_BATCH_SWEEP`)
#: its fixed costs (the kernels' transform, the check of the data) showed: one or two images
#: of 28 x 28 ran 1.2 to 2 times slower, four 0.66 to 0.88 times, one of 56 x 56 0.81 to 0.87
#: times: at least 56 x 56 pixels in the batch. (Measured with the data check before it was
#: made faster, 5.8 -> 1.8 ms on 8 x 64 x 56 x 56: F(4, 3) now wins by more on these layers,
#: :data:`~cnncourse.bench.WINOGRAD_THREAD_SWEEP`.) With 32 input channels it is still too
#: close to call. On 8 images of 56 x 56 with 16, 64 and 128 output channels F(4, 3) took
#: 0.77, 0.58 and 0.37 of the shifted GEMM's time in that sweep (0.37 to 1.04 over the seven
#: runs we made), but part of that is the shifted GEMM's own slowness there: in im2col
#: blocks of 4 MiB instead of :data:`BLOCK_BYTES` (16 MiB) it ran 5% to 22% faster (one
#: thread, forced, BLOCK_BYTES patched; 5.0, 9.6, 15.6 ms against 5.6, 12.2, 18.2), and
#: against those F(4, 3) took 1.15, 0.91 and 0.92 (64 channels: 0.73). On 8 images of 28 x
#: 28 it took 0.72 to 1.19; on fewer images of 56 x 56 (``winograd_sweep(channels=(32,),
#: out_channels=(16, 64, 128), sides=(56,), batch=b, threads=1)``) 1.04, 0.75, 0.81 with
#: 4, 1.23, 0.98, 1.00 with 2 and 1.44, 1.25, 1.19 with one. More than one BLAS thread:
#: :data:`WINOGRAD_MAX_THREADS`.
WINOGRAD4_MIN = (64, 16, 28 * 28, 56 * 56)
WINOGRAD_MIN = None

#: The automatic choice takes Winograd only where NumPy's BLAS may use at most this many
#: threads (:func:`cnncourse._winograd.blas_threads`, read on every call that passes the
#: shape test, so that ``threadpoolctl.threadpool_limits`` is followed at once). From
#: :data:`~cnncourse.bench.WINOGRAD_THREAD_SWEEP` (8 images; each round every algorithm at 1
#: and at 2 threads; kept only while the shared 2-core machine ran a 2-thread product in
#: under 0.65 of a 1-thread one's time): on the 12 layers of :data:`WINOGRAD4_MIN`'s region
#: F(4, 3) took 0.55 to 1.04 of the shifted GEMM's time with one thread (median 0.75), 0.89
#: to 1.30 with two (median 1.00): a tie, where the rule keeps the direct method, which
#: needs no check of the data. On those layers F(4, 3)'s own time hardly changes with the
#: threads (two threads' over one's: median 0.97), the shifted GEMM's falls (median 0.72;
#: 8 x 64 x 56 x 56 -> 64: 24.6 -> 15.5 ms, F(4, 3) 13.6 -> 14.6 ms), so with more threads
#: the GEMM leads by more. Why: the shifted GEMM is one large product, which OpenBLAS splits
#: among its threads. F(4, 3) (on that layer, one thread, stage by stage) spends 4.2 ms in its 36
#: products of 64 x 64 by at most 70 tiles per block, too small to gain from a second
#: thread (4.2 ms with two), and the rest in NumPy passes that run on one core: gathering
#: and transforming the tiles 4.1 ms, the output transform and copy 2.1, the padding 0.9,
#: the check of the data 1.8 (5.8 before it was made faster). Sharing those passes among
#: Python threads (each its own blocks, OpenBLAS held to one thread meanwhile) took the
#: tile work (all but the check) from 11.2 to 8.0 ms while OpenBLAS's threads were idle,
#: but no faster (11.5 against 10.8 ms) right after a threaded product: an idle OpenBLAS
#: thread keeps spinning for about 0.1 s after each call (99 ms of CPU time during a 200 ms
#: sleep), holding the other core. It is not offered.
WINOGRAD_MAX_THREADS = 1


def _winograd_pays(weight_shape, x_shape, dilation, groups, threads=None):
    """The Winograd variant measured faster than the shifted GEMM here, or None.

    ``x_shape``: the input's, or None (then None). Only dense 3 x 3 kernels without
    dilation, and at most :data:`WINOGRAD_MAX_THREADS` BLAS threads (``threads``, read with
    :func:`cnncourse._winograd.blas_threads` if None). The channel counts are compared
    first: on a small layer this is a few comparisons, and the thread count is not read.
    """
    if x_shape is None:
        return None
    for name, least in (("winograd4", WINOGRAD4_MIN), ("winograd", WINOGRAD_MIN)):
        if least is None or x_shape[1] < least[0] or weight_shape[0] < least[1]:
            continue
        n, _, h, w = x_shape
        if h * w >= least[2] and n * h * w >= least[3] and groups == 1:
            if weight_shape[2] == weight_shape[3] == 3 and dilation == (1, 1):
                threads = blas_threads() if threads is None else threads
                return name if threads <= WINOGRAD_MAX_THREADS else None
    return None


#: The FFT is used only where the local sizes of the input stay within this factor of each
#: other, or a quarter of the kernel's taps if more (see :func:`fft_is_exact`); the sizes
#: of the kernel's taps within this factor.
FFT_MAX_RANGE = 16.0

#: The FFT check sums its input in blocks of this fraction of the kernel's extent.
BLOCKS_PER_SPAN = 8


def fft_is_exact(x, weight, pads, dilation, groups=1):
    """Whether the FFT's answer matches a direct sum's to within the dtype's accuracy.

    A direct sum of products makes, at each output, a rounding error of a few units of the
    dtype's precision times :math:`\\sum |x||w|` over that output's window. The FFT's error is
    spread evenly over every output of an image, at the size of its *largest* windows. The two
    agree where every window has about the same size, so the FFT is used only if

    * every value of ``x`` and ``weight`` is finite (the FFT spreads one NaN or infinity
      over the whole image; an infinity times zero padding gives NaN),
    * the transforms cannot overflow: (largest :math:`|x|` times the size of an image)
      times (sum of a kernel's :math:`|w|`) stays well below the dtype's largest number, and
    * in each output image (one per output channel: its own group's input channels, each
      weighted by the mean size of its kernel's taps), no value of that weighted
      :math:`|x|` is more than ``max(FFT_MAX_RANGE, taps / 4)`` times the smallest mean of
      it over the positions a window's taps read (padding included; a dilated kernel reads
      every ``d``-th position only): no window is dominated by one large value or made of
      near-zeros; and the largest tap of each (output, input) channel's kernel is at most
      :data:`FFT_MAX_RANGE` times the geometric mean of their sizes.

    The window sums are bounded from one pass over the input (:func:`_smallest_window_sum`),
    in work arrays kept between calls. The check is not free: one thread, float32, it took
    18% of the FFT's time on the benchmark's 512 x 512 image with a 31 x 31 kernel, 28% on
    8 x 16 x 64 x 64 -> 16 channels (11 x 11, padding 5), and 50-63% on one small image or
    three channels with a 15 x 15 kernel.
    """
    scale, kernel_total, taps_alike = _kernel_sizes(
        weight, _fewest_taps_read(weight, pads, dilation)
    )
    size = _channel_sizes(x, scale, groups)  # (images, H, W)
    # The transforms hold sums over a whole image and kernel: they must be finite and must
    # not overflow where a direct sum, adding a window at a time, would not. Bound an
    # image's sum by its largest value times its size (one test: a NaN compares false).
    largest_value = size.max(axis=(1, 2))  # per image
    if scale.shape[1] == 1:  # the images are |x| itself
        largest_x = largest_value.max(initial=0)
    else:
        largest_x = max(x.max(initial=0), -x.min(initial=0))
    totals = float(largest_x) * math.prod(x.shape[1:]) * kernel_total
    if not (totals < np.finfo(x.dtype).max / 16 and taps_alike):
        return False
    kernel = weight.shape[2:]
    smallest = _smallest_window_sum(size, pads, kernel, dilation)  # per image
    # A direct sum of k products may be off by 2 k eps |x| * |w|; the FFT's error grows with
    # the spread of sizes: allow the spread that keeps it a quarter of that, at least 16.
    terms = kernel[0] * kernel[1] + np.log2(size.shape[1] * size.shape[2])
    allowed = max(FFT_MAX_RANGE, terms / 4)
    return bool(np.all(largest_value * (kernel[0] * kernel[1]) <= allowed * smallest))


#: F(4 x 4, 3 x 3) is used only where the weighted sizes of the input stay within this
#: factor of each other (see :func:`winograd_is_exact`): its transforms' larger constants
#: make its error grow faster with the spread than F(2 x 2, 3 x 3)'s.
WINOGRAD4_MAX_RANGE = 16.0

#: Winograd runs only where no window's largest weighted input outweighs this many times the
#: rest of that window together (see :func:`winograd_is_exact`): a window made of one large
#: value hides it from the spread test above (a 3 x 3 image with one spike is its own
#: smallest window), and Winograd's transforms mix that value into every output of the tile
#: while a direct sum weighs it by its own tap alone, which may be tiny.
WINOGRAD_DOMINANCE = 4.0

#: How much larger than ``max |x| max_o sum |w_o|`` a Winograd intermediate can be, per tile
#: side ``m`` (the sums of the absolute transform matrices' rows, squared, with a margin).
WINOGRAD_GROWTH = {2: 16, 4: 2**16}


def winograd_is_exact(x, weight, pads, dilation=(1, 1), groups=1, m=2):
    """Whether Winograd's answer matches a direct sum's to within the dtype's accuracy.

    Winograd's error at an output is bounded by a multiple of the largest :math:`|x|` in
    its window times the sum of the kernel's :math:`|w|` (:mod:`cnncourse._winograd`); a
    direct sum's by :math:`\\sum |x||w|` over the window. The two agree where a window's
    values have about the same size, so Winograd is used only if

    * every value of ``x`` and ``weight`` is finite and
      :math:`g_m \\max|x| \\max_o \\sum |w_o|` stays below a sixteenth of the dtype's
      largest number, :math:`g_m` the transforms' growth (:data:`WINOGRAD_GROWTH`: 16 for
      F(2 x 2, 3 x 3), :math:`2^{16}` for F(4 x 4, 3 x 3));
    * in each image of ``sum_c s_c |x[n, c]|`` (``s_c``: the largest mean ``|w[o, c]|`` over
      the output channels ``o`` that read channel ``c``), no value is more than
      :data:`FFT_MAX_RANGE` times the smallest mean over a window (padding included), and
      no window's largest value is more than :data:`WINOGRAD_DOMINANCE` times the sum of
      its other values (a window that is one spike: its value meets every tap in the
      transforms, in a direct sum only its own, which may be tiny).

    One weighted image per input image (not one per output channel, as
    :func:`fft_is_exact`): a pass over the input and a matrix-vector product, then window
    sums and maxima of that image (one thread, 8 x 64 x 56 x 56 -> 64: 1.8 ms of F(4, 3)'s
    13.6; 5.8 ms while the window maxima and sums reduced over every window's taps).
    """
    n, c = x.shape[:2]
    if n == 0:
        return True
    out_channels, per_group = weight.shape[:2]
    sizes = np.abs(weight).reshape(out_channels, per_group, -1)
    kernel_total = float(sizes.sum(axis=(1, 2), dtype=np.float64).max(initial=0))
    means = sizes.mean(axis=2).reshape(groups, out_channels // groups, per_group)
    scale = means.max(axis=1).reshape(c).astype(x.dtype)  # per input channel
    pixels = math.prod(x.shape[2:])
    size = np.empty((n, pixels), dtype=x.dtype)
    largest_x = 0.0
    step = max(1, BLOCK_BYTES // 8 // max(1, x[0].nbytes))  # images per cache-sized block
    for start in range(0, n, step):  # |x| of a block, summed while it is in the cache
        block = x[start : start + step]
        magnitudes = np.abs(block, out=scratch("winograd check", block.shape, x.dtype))
        np.matmul(scale, magnitudes.reshape(len(block), c, pixels), out=size[start : start + step])
        if not scale.min(initial=0) > 0:  # a channel without weight: |x| <= size / s_c fails
            largest_x = max(largest_x, float(magnitudes.max(initial=0)), key=_nan_first)
    size = size.reshape(n, *x.shape[2:])
    smallest_scale = float(scale.min(initial=0))
    if smallest_scale > 0:  # |x| <= size / s_c: no second pass over the input
        largest_x = float(size.max(initial=0)) / smallest_scale
    growth = WINOGRAD_GROWTH[m]
    if not growth * largest_x * kernel_total < np.finfo(x.dtype).max / 16:  # NaN: False
        return False
    kernel = weight.shape[2:]
    smallest = _smallest_window_sum(size, pads, kernel, dilation)
    taps = kernel[0] * kernel[1]
    spread = FFT_MAX_RANGE if m == 2 else WINOGRAD4_MAX_RANGE
    if not np.all(size.max(axis=(1, 2)) * taps <= spread * smallest):
        return False
    return _no_window_dominated(size, pads, kernel, dilation)


def _no_window_dominated(size, pads, kernel, dilation):
    """Whether, in every window of ``size`` (N, H, W; padding counts as zeros), the largest
    value is at most :data:`WINOGRAD_DOMINANCE` times the sum of the window's other values.

    ``size`` has one value per position (the input's channels already summed), so this is
    one pass of window maxima and sums over a single image per input image, each a row of
    taps and then a column (``kH + kW`` array operations, not a reduction over the
    ``kH kW`` taps of every window: 3.9 -> 0.3 ms on 8 x 56 x 56).
    """
    largest = _window_reduce(size, pads, kernel, dilation, np.maximum)
    total = _window_reduce(size.astype(np.float64), pads, kernel, dilation, np.add)
    return bool(np.all(largest <= WINOGRAD_DOMINANCE * (total - largest)))


def _window_reduce(x, pads, kernel, dilation, combine):
    """``combine`` over every (dilated) ``kH x kW`` window of ``x`` (N, H, W) zero-padded by
    ``pads``: along the rows' taps, then the columns' (:func:`cnncourse.views.reduce_axis`,
    the padding never built). ``x >= 0``, so a maximum may start from the padding's 0."""
    for axis, (before, after), k, d in zip((1, 2), pads, kernel, dilation, strict=True):
        size = x.shape[axis]
        count = size + before + after - d * (k - 1)
        ranges = tap_ranges(size, count, k, 1, before, d)
        x = reduce_axis(x, axis, count, 1, ranges, combine, 0)
    return x


def _fewest_taps_read(weight, pads, dilation):
    """The fewest taps through which an output reads real input (the others meet padding).

    Along an axis, the first output's taps before ``ceil(p_before / d)`` read padding, and
    likewise at the end: ``k - ceil(max(p_before, p_after) / d)`` taps, at least 1.
    """
    count = 1
    for k, (before, after), d in zip(weight.shape[2:], pads, dilation, strict=True):
        count *= max(1, k + (-max(before, after) // d))
    return count


def _kernel_sizes(weight, fewest):
    """``(scale, total, alike)`` of the kernels, a block of output channels at a time.

    ``scale[o, c]``: the mean of ``|w[o, c]|``; ``total``: the largest sum of one output
    channel's ``|w|`` (a NaN if any weight is one); ``alike``: whether the largest tap of
    each kernel is within :data:`FFT_MAX_RANGE` of the geometric mean of its taps' sizes
    (which a single small tap pulls down, where an arithmetic mean would hide it). A kernel
    of fewer than :data:`FFT_MIN_TAPS` taps (the FFT forced) through which an output at the
    padding reads only ``fewest`` <= 2 taps (:func:`_fewest_taps_read`), perhaps the
    smallest, compares with the mean of its ``fewest`` smallest taps instead.
    """
    out_channels, per_group = weight.shape[:2]
    taps = weight.reshape(out_channels, per_group, -1)  # (C_out, C_in / groups, k)
    scale = np.empty((out_channels, per_group), dtype=weight.dtype)
    total, alike = 0.0, True
    for block in _blocks(out_channels, 3 * taps[0].nbytes):
        sizes = np.abs(taps[block])
        scale[block] = sizes.mean(axis=2)
        total = max(total, float(sizes.sum(axis=(1, 2), dtype=np.float64).max()), key=_nan_first)
        if sizes.shape[2] < FFT_MIN_TAPS and fewest <= 2:  # an output may read 1 or 2 taps
            typical = np.sort(sizes, axis=2)[:, :, :fewest].mean(axis=2)
        else:
            with np.errstate(divide="ignore"):
                typical = np.exp(np.log(sizes).mean(axis=2, dtype=np.float64))
        alike = alike and bool((sizes.max(axis=2) <= FFT_MAX_RANGE * typical).all())
    return scale, total, alike


def _nan_first(value):
    return math.inf if math.isnan(value) else value


def _channel_sizes(x, scale, groups):
    """The sizes the FFT check compares, one image per output channel that can differ.

    ``size[(n, o)] = sum over o's group's input channels c of mean|w[o, c]| |x[n, c]|``: an
    output channel sees only its own group. With one input channel per group every output
    channel's image is a multiple of that channel's ``|x|``, which is returned instead.
    """
    n, channels = x.shape[:2]
    if scale.shape[1] == 1:  # one input channel per group (depthwise, or a single channel)
        flat = x.reshape(n * channels, *x.shape[2:])
        return np.abs(flat, out=scratch("fft check", flat.shape, x.dtype))
    scale = scale.astype(x.dtype, copy=False)  # how much each input channel counts
    out_channels = scale.shape[0]
    size = np.empty((groups, n, out_channels // groups, *x.shape[2:]), dtype=x.dtype)
    for g, (inputs, outputs) in enumerate(
        zip(_group_slices(channels, groups), _group_slices(out_channels, groups), strict=True)
    ):
        pixels = math.prod(x.shape[2:])
        magnitudes = np.abs(x[:, inputs]).reshape(n, scale.shape[1], pixels)
        np.matmul(
            scale[outputs], magnitudes, out=size[g].reshape(n, outputs.stop - outputs.start, pixels)
        )
    return size.reshape(-1, *x.shape[2:])  # the images in any order: each is compared alone


def _smallest_window_sum(size, pads, kernel, dilation):
    """A lower bound on the smallest window sum of ``size`` (N, H, W), per image.

    A window sums the ``kH x kW`` positions its taps read: every ``d``-th row and column
    under dilation ``d``. The padded rows are split into ``d_h`` interleaved sub-images
    (rows ``r, r + d_h, ...``), the columns likewise, so that a window is ``kH x kW``
    consecutive entries of one sub-image. Each sub-image is summed in blocks of
    ``q = k // BLOCKS_PER_SPAN`` entries a side (rows first), then every window of whole
    blocks: a window of ``k`` entries contains ``(k - 2q + 2) // q`` whole blocks a side,
    so the smallest such sum bounds the smallest window sum from below. (Zeros added to
    make whole blocks can only lower the bound.)
    """
    (top, bottom), (left, right) = pads
    q = [max(1, k // BLOCKS_PER_SPAN) for k in kernel]
    n = size.shape[0]
    padded_sizes = (size.shape[1] + top + bottom, size.shape[2] + left + right)
    # Per axis: sub-image length, a whole number of blocks, covering every padded position.
    lengths = [
        _round_up(_round_up(p, d) // d, b)
        for p, d, b in zip(padded_sizes, dilation, q, strict=True)
    ]
    (dh, dw), (hs, ws) = dilation, lengths
    padded = scratch("fft check padded", (n, hs * dh, ws * dw), size.dtype)
    extra = (hs * dh - padded_sizes[0], ws * dw - padded_sizes[1])
    padded = _fill_padded(padded, size, ((top, bottom + extra[0]), (left, right + extra[1])))
    sub = padded.reshape(n, hs, dh, ws, dw)  # sub[:, i, r, j, c] = padded[:, i dh + r, j dw + c]
    rows = _window_sums(sub, q[0], q[0], axis=1) if q[0] > 1 else sub
    blocks = _window_sums(rows, q[1], q[1], axis=3) if q[1] > 1 else rows
    inner = [(k - 2 * b + 2) // b for k, b in zip(kernel, q, strict=True)]
    window_rows = _sliding_sums(blocks, inner[0], axis=1)
    return _sliding_sums(window_rows, inner[1], axis=3).min(axis=(1, 2, 3, 4))


def _round_up(n, multiple):
    return -(-n // multiple) * multiple


def _window_sums(a, length, step, axis):
    """Sums of ``length`` consecutive entries, every ``step``, along ``axis`` of ``a``.

    A tap at a time (:func:`cnncourse.views.reduce_axis`, as pooling sums its windows).
    """
    size = a.shape[axis]
    count = (size - length) // step + 1
    ranges = tap_ranges(size, count, length, step, 0, 1)
    return reduce_axis(a, axis, count, step, ranges, np.add, 0)


def _sliding_sums(a, length, axis):
    """Sums of every ``length`` consecutive entries along ``axis`` of ``a``, by doubling.

    Sums of 1, 2, 4, ... entries are each two of the previous ones; a window of ``length``
    entries adds the powers of two that make up ``length``: about ``2 log2(length)`` array
    additions instead of ``length - 1``.
    """

    def part(array, start, count):
        index = [slice(None)] * array.ndim
        index[axis] = slice(start, start + count)
        return array[tuple(index)]

    count = a.shape[axis] - length + 1
    result, offset, power, width = None, 0, a, 1  # power: sums of `width` entries
    while True:
        if length & width:
            term = part(power, offset, count)
            result = term if result is None else result + term
            offset += width
        if 2 * width > length:
            return result
        power = part(power, 0, power.shape[axis] - width) + part(
            power, width, power.shape[axis] - width
        )
        width *= 2


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
    view = view_windows(
        _padded(x, pads), weight.shape[2:], stride, dilation
    )  # (N, C, Ho, Wo, kH, kW)
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
        return np.ascontiguousarray(x).reshape(c, h * w), hp, wp
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
    view = np.ndarray(  # by position: keywords cost a few tenths of a microsecond more
        (channels.shape[0], kh, kw, length),
        channels.dtype,
        channels,
        0,
        (channels.strides[0], dh * row_length * item, dw * item, item),
    )
    view.flags.writeable = False
    return view


def shifted_gemm(x, weight, stride, pads, dilation, groups):
    """Correlate (stride 1) with tap shifts of the flattened, padded images."""
    n, c, h, w = x.shape
    out_channels, per_group, kh, kw = weight.shape
    (top, bottom), (left, right) = pads
    (dh, dw), hp, wp = dilation, h + top + bottom, w + left + right
    ho, wo = hp - dh * (kh - 1), wp - dw * (kw - 1)
    if n == 0:  # an empty batch: nothing to compute
        return np.empty((0, out_channels, ho, wo), dtype=weight.dtype)
    # Output position t reads t + (the tap's shift); the last `reach` positions would read
    # past the end, and all of them lie right of or below the valid outputs: skip them.
    reach = dh * (kh - 1) * wp + dw * (kw - 1)
    total = n * hp * wp
    length = total - reach
    rows = per_group * kh * kw  # one im2col row per (channel, tap)
    if (
        n > 1
        and groups == 1
        and image_blocks(n, weight.shape, (hp, wp), dilation, 1, weight.itemsize)
    ):
        return _shifted_gemm_images(x, weight, pads, dilation, (hp, wp), (ho, wo))
    flat = _side_by_side(x, pads)[0]
    if groups == 1 and out_channels * rows * length <= SMALL_GEMM_WORK:
        return _shifted_gemm_small(flat, weight, dilation, (n, hp, wp), (ho, wo), length)
    out = np.empty((out_channels, total), dtype=weight.dtype)
    if groups > 1 and rows * length * weight.itemsize <= GROUP_BATCH_BYTES // 2:
        _shifted_gemm_batched(flat, weight, dilation, wp, length, groups, out)
        y = out.reshape(out_channels, n, hp, wp)[:, :, :ho, :wo]
        return y.transpose(1, 0, 2, 3)
    columns = shifted_columns(length, out_channels // groups, rows, weight.itemsize)
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


def _shifted_gemm_small(flat, weight, dilation, padded_shape, out_size, length):
    """:func:`shifted_gemm` of a small layer (one group): one block, in as few steps as can be.

    The im2col block is one copy of the taps' view, the product one ``matmul`` (the call
    :func:`cnncourse.bench.gemm_blocks` lists; ``ndarray.dot`` would save 0.4 us), and the answer
    a view of the product: output ``(m, o, i, j)`` is column ``m P + i W_pad + j`` of row
    ``o`` (``P = H_pad W_pad``), all of them below ``length``.
    """
    out_channels, per_group, kh, kw = weight.shape
    n, hp, wp = padded_shape
    item, rows = flat.itemsize, per_group * kh * kw
    strides = (flat.strides[0], dilation[0] * wp * item, dilation[1] * item, item)
    taps = np.ndarray((per_group, kh, kw, length), flat.dtype, flat, 0, strides)  # _taps
    if rows * length * item < SCRATCH_MIN_BYTES:
        cols = taps.reshape(rows, length)  # the copy (reshaping a strided view copies it)
    else:  # a larger block: into a kept work array, whose pages are already mapped
        cols = scratch("shifted block", taps.shape, flat.dtype)
        cols[...] = taps
        cols = cols.reshape(rows, length)
    product = np.matmul(weight.reshape(out_channels, rows), cols)  # (C_out, length)
    strides = (hp * wp * item, length * item, wp * item, item)
    return np.ndarray((n, out_channels, *out_size), product.dtype, product, 0, strides)


class PreparedShiftedGemm:
    """:func:`_shifted_gemm_small` of one image, its shapes and strides worked out once per
    layer configuration, for :func:`cnncourse.numpy_backend.conv` to call warm.

    .. math::

        y[o, t] = \\sum_{c, a, b} w[o, c, a, b]\\, x_\\text{pad}[c, t + d_h a W_\\text{pad}
        + d_w b], \\qquad t = i W_\\text{pad} + j

    over the padded image's numbers in reading order: output ``(o, i, j)`` is column ``t``
    of row ``o`` of one matrix product. Unpadded, a call is four NumPy steps of a few tenths
    of a microsecond each: the taps' strided view of the image, its copy (the im2col
    block), the product (``ndarray.dot``: 0.4 us less than ``matmul``'s dispatch), and the
    answer's view of it, in the caller's shape (unbatched, or 1-D); padded, the image is
    first written into a new zero array of the padded size.

    Parameters
    ----------
    image_shape : tuple of int
        ``(C, H, W)``: the image as 2-D (a 1-D layer's signal has ``H = 1``).
    weight_shape : tuple of int
        ``(C_out, C, kH, kW)``, likewise.
    pads : pair of pairs of int
        ``((top, bottom), (left, right))``.
    dilation : pair of int
    out_shape : pair of int
        ``(H_out, W_out)``.
    batched : bool
        Whether the answer has a batch axis (of one image).
    n : int
        The layer's spatial axes: 2, or 1 (the answer has no ``H_out`` axis).
    itemsize : int
    """

    __slots__ = ("image_shape", "padded_shape", "middle", "taps_shape", "taps_strides",
                 "block_shape", "matrix_shape", "answer_shape", "answer_strides")  # fmt: skip

    def __init__(self, image_shape, weight_shape, pads, dilation, out_shape, batched, n,
                 itemsize):  # fmt: skip
        c, h, w = image_shape
        out_channels, _, kh, kw = weight_shape
        (top, bottom), (left, right) = pads
        (dh, dw), (ho, wo) = dilation, out_shape
        hp, wp = h + top + bottom, w + left + right
        self.image_shape = image_shape
        self.padded_shape = (c, hp, wp) if (hp, wp) != (h, w) else None
        self.middle = (slice(None), slice(top, top + h), slice(left, left + w))
        length = hp * wp - (dh * (kh - 1) * wp + dw * (kw - 1))  # the columns read in bounds
        self.taps_shape = (c, kh, kw, length)
        self.taps_strides = (hp * wp * itemsize, dh * wp * itemsize, dw * itemsize, itemsize)
        self.block_shape = (c * kh * kw, length)
        self.matrix_shape = (out_channels, c * kh * kw)
        if n == 2:
            shape, strides = (out_channels, ho, wo), (length * itemsize, wp * itemsize, itemsize)
        else:  # a 1-D layer: one row
            shape, strides = (out_channels, wo), (length * itemsize, itemsize)
        if batched:
            shape, strides = (1, *shape), (out_channels * length * itemsize, *strides)
        self.answer_shape, self.answer_strides = shape, strides

    def __call__(self, image, weight, bias=None):
        """The layer's answer for an ``image`` of the prepared shape, or None where an
        algorithm is :func:`forced` or an unpadded image is not C-contiguous (the caller
        then runs the general route)."""
        if _forced.__dict__.get("names"):
            return None
        dtype = image.dtype
        if self.padded_shape is not None:
            padded = np.zeros(self.padded_shape, dtype)
            padded[self.middle] = image.reshape(self.image_shape)
            image = padded
        elif not image.flags.c_contiguous:
            return None
        taps = np.ndarray(self.taps_shape, dtype, image, 0, self.taps_strides)
        product = weight.reshape(self.matrix_shape).dot(taps.reshape(self.block_shape))
        if bias is not None:
            product += bias.reshape(-1, 1)
        return np.ndarray(self.answer_shape, dtype, product, 0, self.answer_strides)


#: A batch of images (one group, a product larger than :data:`SMALL_GEMM_WORK`) goes through
#: :func:`_shifted_gemm_images` when one image's im2col block (``C_in kH kW`` rows of
#: ``H_pad W_pad - reach`` columns) is at most :data:`IMAGE_MAX_BYTES`, in blocks of whole
#: images of about :data:`IMAGE_BLOCK_BYTES`; else the images lie side by side. Measured by
#: :func:`cnncourse.bench.image_block_sweep` (:data:`cnncourse.bench.IMAGE_BLOCK_SWEEP`:
#: float32, one thread, padding 1, 3 x 3, the two layouts in turn, medians, a shared 2-core
#: machine) on 164 layers: C_in 1, 3, 8, 16, 32; C_out 8, 16, 64; sides 8, 16, 32, 64; 2, 8
#: or 64 images (up to 0.4 GFLOP). On the 40 products of at most SMALL_GEMM_WORK the image
#: blocks took a median 1.07 of the side-by-side time (these keep the one-block small path).
#: Of the rest, with one image's block at most 161 KiB (68 layers): a median 0.86
#: (quartiles 0.80 and 0.92), 56 faster by 5% or more, 4 slower by 5% or more (1 or 3 input
#: and 64 output channels, 1.08 to 1.45); from 305 KiB (3 x 64 x 64 images: 445 KiB; 8 x 32
#: x 32: 305 KiB; 56 layers): a median 0.98 (quartiles 0.88 and 1.21), 24 faster, 25
#: slower (up to 1.63, most with 8 or 16 output channels on 32 x 32 or 64 x 64 images): a
#: block then holds one image or two. Hence the limit, between the two; the layers past it
#: that still won (32 input channels on 16 x 16 images, 64 output channels) are left to a
#: finer rule. Blocks of 256 KiB, 512 KiB and 1 MiB were within 10% of each other, 512 KiB
#: the fastest on the CIFAR-shaped batch. That batch, 64 x 3 x 32 x 32 -> 16 (the benchmark
#: grid's, no padding: 101 KiB an image, five images a block): 0.87 -> 0.73 ms,
#: torch.nn.functional 0.76-0.78 ms (tools/bench_compare.py, one thread); with padding 1,
#: 1.11 -> 0.94 times torch.nn.functional.
IMAGE_MAX_BYTES = 2**18
IMAGE_BLOCK_BYTES = 2**19


def image_blocks(n, weight_shape, padded_size, dilation, groups, itemsize):
    """Images per block of :func:`_shifted_gemm_images`, or 0 where the images go side by
    side (the rule of :data:`IMAGE_MAX_BYTES`).

    ``n`` images of ``padded_size`` ``(H_pad, W_pad)``; one group; a product of more than
    :data:`SMALL_GEMM_WORK` multiply-adds; one image's im2col block (``C_in kH kW`` rows of
    ``H_pad W_pad - reach`` columns) at most :data:`IMAGE_MAX_BYTES`.
    """
    out_channels, per_group, kh, kw = weight_shape
    (hp, wp), (dh, dw) = padded_size, dilation
    if groups != 1 or n < 2:
        return 0
    length = hp * wp - dh * (kh - 1) * wp - dw * (kw - 1)  # an image's own columns
    rows = per_group * kh * kw
    side_by_side = n * hp * wp - (hp * wp - length)  # the side-by-side product's columns
    if out_channels * rows * side_by_side <= SMALL_GEMM_WORK:
        return 0
    if rows * length * itemsize > IMAGE_MAX_BYTES:
        return 0
    return _images_per_block(n, rows * length * itemsize)


def _images_per_block(n, image_bytes):
    """Whole images of ``image_bytes`` im2col bytes in about :data:`IMAGE_BLOCK_BYTES`."""
    return min(n, max(1, IMAGE_BLOCK_BYTES // image_bytes))


def image_row_length(padded_width, pads):
    """The row length of a padded image in :func:`_shifted_gemm_images`'s work array.

    ``W_pad - right`` when ``0 < right <= left``: an image row's right padding is then read
    from the next row's left padding (zeros too), so each row stores its left padding only,
    and the product computes ``right`` fewer dropped columns per row; else ``W_pad``.
    """
    (left, right) = pads[1]
    return padded_width - right if 0 < right <= left else padded_width


def _shifted_gemm_images(x, weight, pads, dilation, padded_size, out_size):
    """:func:`shifted_gemm` of a batch of small images, a block of whole images at a time.

    Each image is shifted on its own: with rows of ``R`` numbers (:func:`image_row_length`),
    its tap ``(a, b)`` reads ``x_pad[m, c, t + d_h a R + d_w b]`` for ``t < length = (H_out
    - 1) R + W_out``, a strided view of the input itself when there is no padding (no
    side-by-side copy of the batch), else of a block of padded images in a work array whose
    zero borders are kept between calls (:func:`cnncourse._workspace.bordered`). One batched
    GEMM multiplies a block's im2col blocks, and output ``(m, o, i, j)`` is column
    ``i R + j`` of row ``o`` of image ``m``'s product.
    """
    n, c, h, w = x.shape
    out_channels, per_group, kh, kw = weight.shape
    (hp, wp), (dh, dw), (ho, wo) = padded_size, dilation, out_size
    (top, bottom), (left, right) = pads
    row = image_row_length(wp, pads)  # == wp unless the right padding is shared
    length = (ho - 1) * row + wo
    rows, dtype, item = per_group * kh * kw, weight.dtype, weight.itemsize
    step = _images_per_block(n, rows * length * item)
    padded = any(before or after for before, after in pads)
    if padded:  # its borders stay zero between calls: each block writes only the images
        # one image more where the right padding is shared: the last image's last row reads
        # its right padding from the next image's first row (its left padding: zeros)
        shape = (step + (row < wp), c, hp, row)
        work = bordered("padded images", shape, dtype, ((top, bottom), (left, row - left - w)))
        middle = work[:, :, top : top + h, left : left + w]
    else:
        source = np.ascontiguousarray(x)
    cols = scratch("shifted images", (step, c, kh, kw, length), dtype)
    out = np.empty((n, out_channels, length), dtype)
    group_weight = weight.reshape(out_channels, rows)
    strides = (c * hp * row * item, hp * row * item, dh * row * item, dw * item, item)
    for start in range(0, n, step):
        m = min(step, n - start)
        if padded:
            middle[:m] = x[start : start + m]  # the padding copy: the images alone
            base, offset = work, 0
        else:
            base, offset = source, start * c * hp * wp * item
        block = cols[:m]
        block[...] = np.ndarray((m, c, kh, kw, length), dtype, base, offset, strides)
        np.matmul(group_weight, block.reshape(m, rows, length), out=out[start : start + m])
    strides = (out_channels * length * item, length * item, row * item, item)
    return np.ndarray((n, out_channels, ho, wo), dtype, out, 0, strides)


#: OpenBLAS multiplies a product of at most this many multiply-adds (``m k n``) with its
#: "small matrix" kernels, without first copying ("packing") the operands. A thin im2col
#: product (few input channels, ``k = C_in kH kW`` small) is split into blocks of this size
#: when that leaves at least :data:`SMALL_GEMM_MIN_COLUMNS` columns a block. Measured in
#: separate processes on 3 x 3 layers with 1 to 16 input and 8 to 64 output channels:
#: 1.5x to 2x faster where it applies (the CIFAR-shaped batch 64 x 3 x 32 x 32 -> 16:
#: 1.5 -> 1.0 ms), no slower where it does not.
SMALL_GEMM_WORK = 10**6
SMALL_GEMM_MIN_COLUMNS = 256


def shifted_columns(length, out_rows, rows, itemsize):
    """Columns per block of the shifted GEMM's ``(out_rows, rows) @ (rows, length)`` product.

    At most :data:`BLOCK_BYTES` of im2col block; a thin product, in blocks of at most
    :data:`SMALL_GEMM_WORK` multiply-adds if that leaves :data:`SMALL_GEMM_MIN_COLUMNS`.
    """
    columns = max(1, min(length, BLOCK_BYTES // (rows * itemsize)))
    small = SMALL_GEMM_WORK // max(1, out_rows * rows)
    if small >= SMALL_GEMM_MIN_COLUMNS:  # a thin product: blocks BLAS multiplies unpacked
        columns = min(columns, small)
    return columns


#: Many small groups (a grouped layer in the shifted GEMM) and many images of one channel
#: (:func:`depthwise`) are multiplied a batch at a time, in im2col blocks of about this
#: size (a CPU cache's worth: measured fastest, for both).
GROUP_BATCH_BYTES = 2**20


def _shifted_gemm_batched(flat, weight, dilation, row_length, length, groups, out):
    """:func:`shifted_gemm` of many small groups: one batched GEMM per block of groups.

    A Python loop over 2048 groups of one channel each costs more than their arithmetic;
    a block of ``m`` groups is one ``(m, O_g, C_g k) @ (m, C_g k, L)`` product instead.
    """
    out_channels, per_group, kh, kw = weight.shape
    rows = per_group * kh * kw
    step = max(1, GROUP_BATCH_BYTES // (rows * length * weight.itemsize))
    cols = scratch("shifted groups", (step * per_group, kh, kw, length), weight.dtype)
    taps = _taps(flat, (kh, kw), dilation, row_length, length)  # (C, kH, kW, L)
    group_weight = weight.reshape(groups, out_channels // groups, rows)
    batched_out = out.reshape(groups, out_channels // groups, -1)
    for start in range(0, groups, step):
        m = min(step, groups - start)
        block = cols[: m * per_group]
        block[...] = taps[start * per_group : (start + m) * per_group]  # the im2col block
        np.matmul(
            group_weight[start : start + m],
            block.reshape(m, rows, length),
            out=batched_out[start : start + m, :, :length],
        )


def depthwise(x, weight, stride, pads, dilation, groups):
    """Correlate a depthwise layer (one input channel per group) as a batch of image GEMVs.

    Output channel ``o`` reads input channel ``c = o // m`` only (``m = C_out / C_in``, the
    channel multiplier). Each image ``x[n, c]`` becomes an im2col block of ``kH kW`` rows,
    one per tap, and its ``m`` outputs are one ``(m, kH kW) @ (kH kW, positions)`` product;
    a block of images, about :data:`GROUP_BATCH_BYTES` of im2col rows, is one batched
    product (the per-group loop of the other algorithms costs more than the arithmetic of
    2048 one-channel groups). At stride 1 a tap's row is one shifted copy of the padded
    image, laid flat (:func:`_lay_rows`); at other strides, a shifted copy of one of its
    phase images (:func:`_depthwise_phases`). A kernel of :data:`DEPTHWISE_SPLIT_ROWS` rows
    or more is copied once per kernel column and multiplied a kernel row at a time
    (:func:`_kernel_row_products`). Every product is a direct sum over the taps, zero
    padding included, so a NaN or an infinity spreads exactly as in the definition.
    """
    if stride != (1, 1):
        return _depthwise_phases(x, weight, stride, pads, dilation)
    n, c, h, w = x.shape
    out_channels, _, kh, kw = weight.shape
    (top, bottom), (left, right) = pads
    wp = w + left + right  # the padded rows' length: outputs are computed that wide
    ho, wo = h + top + bottom - dilation[0] * (kh - 1), wp - dilation[1] * (kw - 1)
    out = np.empty((n, out_channels, ho, wp), dtype=weight.dtype)
    if out.size == 0:
        return out[..., :wo]
    multiplier, taps = out_channels // c, kh * kw
    images = np.ascontiguousarray(x).reshape(n * c, h, w)  # a copy only of a strided view
    kernels = weight.reshape(c, multiplier, taps)
    flat_out = out.reshape(n * c, multiplier, ho * wp)
    split = kh >= DEPTHWISE_SPLIT_ROWS  # one copy per kernel column, a product per row
    if split:
        kernels = weight.reshape(c, multiplier, kh, kw).transpose(0, 2, 1, 3)
    entries = (kw + kh * multiplier) if split else taps  # per output column, in a block
    row_bytes = entries * wp * weight.itemsize  # one output row's work entries
    rows = max(1, min(ho, GROUP_BATCH_BYTES // row_bytes))  # output rows per block
    step = max(1, GROUP_BATCH_BYTES // (row_bytes * ho)) if rows == ho else 1  # images
    laid = None
    for start in range(0, n * c, step):
        stop = min(start + step, n * c)
        block = kernels[np.arange(start, stop) % c]  # (images, m, taps) or (images, kH, m, kW)
        for first in range(0, ho, rows):
            last = min(first + rows, ho)
            laid = _lay_rows(images[start:stop], (first, last), (kh, kw), pads, dilation, laid)
            target = flat_out[start:stop, :, first * wp : last * wp]
            if split:
                _kernel_row_products(laid, block, (last - first) * wp, wp, dilation, target)
                continue
            view = np.ndarray(
                shape=(stop - start, kh, kw, (last - first) * wp),
                dtype=laid.dtype,
                buffer=laid,
                strides=(laid.strides[0], dilation[0] * wp * laid.itemsize,
                         dilation[1] * laid.itemsize, laid.itemsize),
            )  # fmt: skip
            cols = scratch("depthwise rows", view.shape, x.dtype)
            cols[...] = view  # the im2col block: one shifted copy per tap
            np.matmul(block, cols.reshape(stop - start, taps, -1), out=target)
    return out[..., :wo]


#: Kernels of at least this many rows: :func:`depthwise` copies the padded rows once per
#: kernel column, not once per tap (measured faster for 5 x 5 and 7 x 7, slower for 3 x 3,
#: whose images are small enough that three times the number of products costs more).
DEPTHWISE_SPLIT_ROWS = 5


def _kernel_row_products(laid, kernels, length, wp, dilation, out):
    """:func:`depthwise`'s products for large kernels: a shifted copy per kernel column.

    Column ``b`` of the kernel reads ``laid`` shifted by ``d_w b``: ``kW`` copies, each
    ``count W_pad`` long. Kernel row ``a`` reads the same copies ``d_h a W_pad`` further
    on, a view whose rows are a copy apart (a BLAS operand: no copy), so the products are
    ``(m, kW) @ (kW, positions)`` for each row ``a``, summed over ``a`` into ``out``:
    ``kW`` copies instead of ``kH kW``, the same direct sum over the taps.
    """
    images, kh, multiplier, kw = kernels.shape
    (dh, dw), item = dilation, laid.itemsize
    span = laid.shape[1] - dw * (kw - 1)  # count W_pad
    shifted = scratch("depthwise columns", (images, kw, span), laid.dtype)
    shifted[...] = np.lib.stride_tricks.as_strided(
        laid, (images, kw, span), (laid.strides[0], dw * item, item)
    )
    rows = np.lib.stride_tricks.as_strided(
        shifted, (images, kh, kw, length),
        (shifted.strides[0], dh * wp * item, shifted.strides[1], item),
    )  # fmt: skip
    products = scratch("depthwise row products", (images, kh, multiplier, length), laid.dtype)
    np.matmul(kernels, rows, out=products)
    np.add.reduce(products, axis=1, out=out)


def _lay_rows(images, out_rows, kernel, pads, dilation, previous):
    """The padded rows that output rows ``first <= i < last`` read, flat, in a work array.

    ``laid[m, r W_pad + q] = x_pad[m, first + r, q]``, followed by ``d_w (kW - 1)`` zeros
    (read by the last row's outputs past ``W_out``, which are dropped). Output
    ``(i, j)``, ``t = (i - first) W_pad + j``, reads ``laid[t + d_h a W_pad + d_w b]``
    through tap ``(a, b)``. ``previous``: the array this returned for the block before, whose
    zero columns are kept (only the rows are written again).
    """
    m, h, w = images.shape
    (first, last), (kh, kw), (dh, dw) = out_rows, kernel, dilation
    (top, _), (left, right) = pads
    wp = w + left + right
    count = last - first + dh * (kh - 1)  # padded rows read
    shape = (m, count * wp + dw * (kw - 1))
    reuse = previous is not None and previous.shape == shape
    laid = previous if reuse else scratch("depthwise images", shape, images.dtype)
    grid = laid[:, : count * wp].reshape(m, count, wp)
    inside = slice(max(0, top - first), min(count, h + top - first))  # rows of x
    if not reuse:  # zero padding around the images: written once per call
        laid[:, count * wp :] = 0
        grid[:, :, :left] = 0
        grid[:, :, left + w :] = 0
    grid[:, : inside.start] = 0
    grid[:, inside.stop :] = 0
    grid[:, inside, left : left + w] = images[
        :, inside.start + first - top : inside.stop + first - top
    ]
    return laid


def _depthwise_phases(x, weight, stride, pads, dilation):
    """:func:`depthwise` at a stride > 1: the padded images split into phase images.

    Phase ``(p, q)`` of a padded image keeps its rows ``p, p + s_h, ...`` and columns
    ``q, q + s_w, ...``: ``X_pq[r, u] = x_pad[s_h r + p, s_w u + q]``. Tap ``(a, b)`` reads
    output ``(i, j)``'s value ``x_pad[s_h i + d_h a, s_w j + d_w b]``, which is
    ``X_pq[i + a', j + b']`` with ``d_h a = s_h a' + p`` and ``d_w b = s_w b' + q``: a
    stride-1 shift of one phase image. The phase images are laid flat side by side
    (:func:`_lay_phases`, one strided pass over the input), each tap's row is one
    contiguous shifted copy, as at stride 1, and each block of images is one batched
    product. The phase images' rows are ``W_q = ceil(W_pad / s_w)`` wide, so outputs are
    computed that wide and the columns past ``W_out`` dropped.
    """
    n, c, h, w = x.shape
    out_channels, _, kh, kw = weight.shape
    (top, bottom), (left, right) = pads
    (sh, sw), (dh, dw) = stride, dilation
    hp, wp = h + top + bottom, w + left + right
    ho, wo = (hp - dh * (kh - 1) - 1) // sh + 1, (wp - dw * (kw - 1) - 1) // sw + 1
    wq = -(-wp // sw)  # a phase image's width: outputs are computed that wide
    out = np.empty((n, out_channels, ho, wq), dtype=weight.dtype)
    if out.size == 0:
        return out[..., :wo]
    multiplier, taps = out_channels // c, kh * kw
    images = np.ascontiguousarray(x).reshape(n * c, h, w)  # a copy only of a strided view
    kernels = weight.reshape(c, multiplier, taps)
    flat_out = out.reshape(n * c, multiplier, ho * wq)
    row_bytes = taps * wq * weight.itemsize  # one output row's im2col entries
    rows = max(1, min(ho, GROUP_BATCH_BYTES // row_bytes))  # output rows per block
    step = max(1, GROUP_BATCH_BYTES // (row_bytes * ho)) if rows == ho else 1  # images
    laid = None
    for start in range(0, n * c, step):
        stop = min(start + step, n * c)
        block = kernels[np.arange(start, stop) % c]  # (images, m, taps)
        for first in range(0, ho, rows):
            last = min(first + rows, ho)
            laid, offsets = _lay_phases(images[start:stop], (first, last), (kh, kw), pads,
                                        stride, dilation, laid)  # fmt: skip
            length = (last - first) * wq
            cols = scratch("depthwise rows", (stop - start, taps, length), x.dtype)
            for tap, offset in enumerate(offsets):  # the im2col block: one copy per tap
                cols[:, tap] = laid[:, offset : offset + length]
            np.matmul(block, cols, out=flat_out[start:stop, :, first * wq : last * wq])
    return out[..., :wo]


def _lay_phases(images, out_rows, kernel, pads, stride, dilation, previous):
    """The phase images' rows that output rows ``first <= i < last`` read, flat, in a work
    array, and the offset of each tap's row in it (:func:`_depthwise_phases`).

    Each phase ``(p, q)`` a tap reads gets ``count = last - first + max a'`` rows, phase rows
    ``first, ..., first + count - 1``, each ``W_q`` wide: ``laid[m, k count W_q + r W_q + u]
    = X_pq[first + r, u]`` for the ``k``-th phase, then zeros, which the last row's dropped
    outputs read. Tap ``(a, b)`` of output ``(i, j)``, ``t = (i - first) W_q + j``, reads
    ``laid[offset + t]``. ``previous``: the array this returned for the block before, whose
    zero columns are kept (only the rows are written again).
    """
    m, h, w = images.shape
    (first, last), (kh, kw), (sh, sw), (dh, dw) = out_rows, kernel, stride, dilation
    (top, bottom), (left, right) = pads
    wq = -(-(w + left + right) // sw)
    row_phases = sorted({dh * a % sh for a in range(kh)})
    column_phases = sorted({dw * b % sw for b in range(kw)})
    phases = [(p, q) for p in row_phases for q in column_phases]
    count = last - first + dh * (kh - 1) // sh  # phase rows read
    size = count * wq  # one phase's block
    index = {phase: k for k, phase in enumerate(phases)}
    offsets = [index[dh * a % sh, dw * b % sw] * size + (dh * a // sh) * wq + dw * b // sw
               for a in range(kh) for b in range(kw)]  # fmt: skip
    shape = (m, len(phases) * size + max(offsets))
    reuse = previous is not None and previous.shape == shape
    laid = previous if reuse else scratch("depthwise images", shape, images.dtype)
    if not reuse:  # the zero columns and the tail: written once per call
        laid[...] = 0
    for (p, q), k in index.items():
        grid = laid[:, k * size : (k + 1) * size].reshape(m, count, wq)
        # phase row r is image row sh r + p - top; phase column u, image column sw u + q - left
        r0 = min(count, max(0, -(-(top - p) // sh) - first))
        r1 = max(r0, min(count, (h + top - p - 1) // sh + 1 - first))
        u0, u1 = -(-(left - q) // sw), (w + left - q - 1) // sw + 1
        grid[:, :r0] = 0
        grid[:, r1:] = 0
        if r1 > r0 and u1 > u0:
            y0, x0 = sh * (first + r0) + p - top, sw * u0 + q - left
            grid[:, r0:r1, u0:u1] = images[:, y0 : y0 + sh * (r1 - r0 - 1) + 1 : sh,
                                           x0 : x0 + sw * (u1 - u0 - 1) + 1 : sw]  # fmt: skip
    return laid, offsets


def _fft_module():
    """``scipy.fft`` if SciPy is installed, else ``numpy.fft`` (same functions, one thread)."""
    try:
        import scipy.fft

        return scipy.fft
    except ImportError:
        return np.fft


def _fft_threads(transforms):
    """Keyword arguments that let SciPy's transforms use every core (NumPy's have none)."""
    return {"workers": -1} if transforms is not np.fft else {}


def _kernel_transform(transforms, kernel, shape):
    """``rfft2(kernel, s=shape)`` of a small kernel, its zero rows skipped.

    A 2-D transform is a transform of every row, then of every column. The kernel has only
    ``kH`` non-zero rows, so only those are transformed along the rows (zero rows transform
    to zeros); the columns are then transformed at full length.
    """
    threads = _fft_threads(transforms)
    rows = transforms.rfft(kernel, n=shape[1], axis=-1, **threads)
    return transforms.fft(rows, n=shape[0], axis=-2, **threads)


def fft(x, weight, stride, pads, dilation, groups):
    """Correlate (stride 1) by multiplying Fourier transforms (large kernels).

    SciPy's transforms (multi-threaded) when SciPy is installed, NumPy's otherwise: the
    NumPy-only install computes the same answer, more slowly. The kernels are transformed a
    block of output channels at a time (:data:`BLOCK_BYTES` of transforms), and each block
    multiplied into the output's transform at once: the kernels' transforms, ``C_in / groups``
    per output channel, would otherwise far outgrow the input's and the output's.
    """
    transforms = _fft_module()

    x = _padded(x, pads)
    n = x.shape[0]
    out_channels, per_group, kh, kw = weight.shape
    shape = x.shape[2:]
    # Correlation is convolution with the flipped kernel; the circular convolution's wrap-around
    # touches only the first kernel-size - 1 outputs, which the valid part drops.
    x_hat = transforms.rfft2(x, s=shape, **_fft_threads(transforms))
    frequencies = x_hat.shape[2:]
    y_hat = scratch("fft product", (n, out_channels, *frequencies), x_hat.dtype)
    per_output = per_group * math.prod(frequencies) * x_hat.itemsize  # one channel's kernels
    outputs_per_group = out_channels // groups
    for block in _blocks(out_channels, 2 * per_output):  # the transform and its padded input
        k_hat = _kernel_transform(transforms, _spread(weight[block], dilation), shape)
        first_group, last_group = (
            block.start // outputs_per_group,
            (block.stop - 1) // outputs_per_group,
        )
        for g in range(first_group, last_group + 1):
            outputs = slice(max(block.start, g * outputs_per_group),
                            min(block.stop, (g + 1) * outputs_per_group))  # fmt: skip
            kernels = k_hat[outputs.start - block.start : outputs.stop - block.start]
            inputs = x_hat[:, g * per_group : (g + 1) * per_group]
            if per_group == 1:  # one input channel: a product of transforms, no channel sum
                np.multiply(inputs, kernels[:, 0], out=y_hat[:, outputs])
                continue
            y_hat[:, outputs] = np.einsum("ncij,ocij->noij", inputs, kernels)
    full = transforms.irfft2(y_hat, s=shape, **_fft_threads(transforms))
    spans = [d * (k - 1) + 1 for k, d in zip((kh, kw), dilation, strict=True)]
    y = full[:, :, spans[0] - 1 :, spans[1] - 1 :]
    return np.ascontiguousarray(y, dtype=weight.dtype)


def _spread(weight, dilation):
    """The kernels flipped (correlation is convolution with the flip), zeros between taps."""
    out_channels, per_group, kh, kw = weight.shape
    dh, dw = dilation
    spread = np.zeros(
        (out_channels, per_group, dh * (kh - 1) + 1, dw * (kw - 1) + 1), dtype=weight.dtype
    )
    spread[:, :, ::dh, ::dw] = weight
    return spread[:, :, ::-1, ::-1]


def correlate(x, weight, stride, pads, dilation, groups):
    """Run the algorithm :func:`choose` picks; inputs already validated, batched, 2-D."""
    name = choose(weight.shape, stride, x, weight, pads, dilation, groups)
    return run(name, x, weight, stride, pads, dilation, groups)


def run(name, x, weight, stride, pads, dilation, groups):
    """Run algorithm ``name`` (one of :data:`ALGORITHMS`) on checked, batched 2-D arrays."""
    # looked up by name on every call, so that a test's spy on a module attribute sees it
    return globals()[_FUNCTIONS[name]](x, weight, stride, pads, dilation, groups)


_FUNCTIONS = {name: name.replace("-", "_") for name in ALGORITHMS}
