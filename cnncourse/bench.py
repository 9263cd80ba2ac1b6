"""Benchmark: the NumPy and torch backends side by side, in one run.

Run ``python -m cnncourse.bench`` (``--help`` for options). For each case of :data:`GRID`
it prints the median time of

* ``numpy``: ``cnncourse`` on NumPy arrays (the readable definition),
* ``torch``: ``cnncourse`` on CPU tensors (validation + ``torch.nn.functional``),
* ``F``: ``torch.nn.functional`` called directly, to measure what the wrapper (argument
  checks and dispatch) adds: a few microseconds per call, nothing next to a large layer but
  comparable to the whole of a tiny one such as the MNIST-size case,
* ``cuda``: ``cnncourse`` on CUDA tensors, when a GPU is present (``--device cuda``), next
  to ``torch.nn.functional`` (cuDNN) called directly on the GPU, and the largest difference
  of the GPU result from the CPU one,

the ratio numpy / torch, the NumPy backend's GFLOP/s, and the most memory it held during one
call. It also measures the machine's float32 matrix-multiply rate (:func:`gemm_rate`), so
that GFLOP/s can be read as a fraction of it; that rate is what NumPy's BLAS reaches on
large square matrices, not the processor's peak, and torch's convolutions can exceed it.
Timings on a shared machine are noisy: compare ratios measured in the same run, not
absolute numbers. Each backend is timed in blocks of its own calls (``in_blocks``),
never alternated call by call with another: a torch call right after a NumPy product
waits for OpenBLAS's spinning threads (``after_product_times``).

The appendix builds its tables from the same pieces: :data:`GRID` (or :func:`size_sweep`)
timed by :func:`run_grid`, the algorithms compared by :func:`compare_algorithms`, and
:func:`median_time` for its own timings.
"""

import argparse
import os
import statistics
import sys
import time
from dataclasses import dataclass, field

import numpy as np

import cnncourse as cc
from cnncourse import _winograd, _workspace
from cnncourse._optional import require

#: Seconds of rest before a block of torch calls that follows NumPy work. After each matrix
#: product OpenBLAS's idle threads keep spinning for about 0.1 s, holding the cores while
#: torch's threads wait for them: on the 2-core machine the page was written on, a 28 x 28
#: ``torch.nn.functional.conv2d`` took 0.010 ms on its own and 3 to 7 ms right after a
#: 512 x 512 float32 product (``after_product_times``). After the rest, one untimed
#: call wakes torch's own threads, which went to sleep meanwhile (that call took 5 ms).
REST_SECONDS = 0.15


@dataclass
class Case:
    """One benchmark case: a ``cnncourse`` operation on inputs of fixed shapes.

    Parameters
    ----------
    name : str
        The row's label; by convention it states the shapes.
    op : str
        The name of the function timed, the same in ``cnncourse`` and in
        ``torch.nn.functional``: ``"conv2d"``, ``"max_pool2d"``, ``"avg_pool2d"``, ...
    input_shape : tuple of int
        Shape (N, C, H, W) of the input, filled with standard normal values.
    weight_shape : tuple of int, optional
        Shape (C_out, C_in, kH, kW) of the weights of a convolution; None for pooling.
    kwargs : dict
        Further keyword arguments of ``op`` (``padding``, ``stride``, ``kernel_size``, ...).

    Examples
    --------
    >>> case = Case("tiny", "conv2d", (1, 1, 8, 8), (2, 1, 3, 3))
    >>> case.flops()  # 2 operations x 9 taps x 6 x 6 positions x 2 output channels
    1296
    """

    name: str
    op: str
    input_shape: tuple
    weight_shape: tuple = None
    kwargs: dict = field(default_factory=dict)

    def arrays(self, dtype, rng):
        x = rng.standard_normal(self.input_shape).astype(dtype)
        w = None if self.weight_shape is None else rng.standard_normal(self.weight_shape)
        return x, None if w is None else w.astype(dtype)

    def algorithm(self, dtype=np.float32):
        """The NumPy convolution algorithm this case runs (``"-"`` for pooling)."""
        if self.op != "conv2d":
            return "-"
        x, w = self.arrays(dtype, np.random.default_rng(0))
        return cc.conv_algorithm(x, w, **self.kwargs)

    def flops(self):
        """Floating-point operations: 2 per multiply-add of a convolution; for pooling, 1 per
        window entry of every output (``kernel_size`` squared, a square window).

        A pooled input in several overlapping windows counts once per window: the count of
        the direct definition, not of the separable passes the NumPy code runs
        (``kH + kW`` per output), so the GFLOP/s of pooling is a rate of that definition.
        """
        x = np.zeros(self.input_shape, dtype=np.float32)
        if self.op == "conv2d":
            w = np.zeros(self.weight_shape, dtype=np.float32)
            out = cc.conv2d(x[:1], w, **self.kwargs).shape
            per_output = 2 * np.prod(self.weight_shape[1:])
            return int(self.input_shape[0] * np.prod(out[1:]) * per_output)
        out = getattr(cc, self.op)(x[:1], **self.kwargs).shape
        kernel = self.kwargs["kernel_size"]
        return int(self.input_shape[0] * np.prod(out[1:]) * kernel * kernel)


#: The benchmark's cases (:class:`Case`), in the order of its table. Seven convolutions,
#: from a single 28 x 28 image or Fig 9.6's 1 x 2 edge kernel to a 64-channel layer, a
#: strided layer and a 31 x 31 kernel; then max and average pooling of a 64 x 64 x 56 x 56
#: batch with 2 x 2 and 3 x 3 windows at stride 2. Each case's name states its shapes.
GRID = [
    Case("Fig 9.6 edge, 1x1x280x320, k 1x2", "conv2d", (1, 1, 280, 320), (1, 1, 1, 2)),
    Case("MNIST-size 1x1x28x28, 3x3", "conv2d", (1, 1, 28, 28), (1, 1, 3, 3)),
    Case("CIFAR batch 64x3x32x32 -> 16, 3x3", "conv2d", (64, 3, 32, 32), (16, 3, 3, 3)),
    Case("8x64x56x56 -> 64, 3x3", "conv2d", (8, 64, 56, 56), (64, 64, 3, 3), {"padding": 1}),
    Case("Fig 9.11 layer 1, 1x3x256x256 -> 64", "conv2d", (1, 3, 256, 256), (64, 3, 3, 3),
         {"padding": 1}),
    Case("strided 8x32x56x56 -> 64, 3x3/2", "conv2d", (8, 32, 56, 56), (64, 32, 3, 3),
         {"padding": 1, "stride": 2}),
    Case("1x1x512x512, 31x31 kernel", "conv2d", (1, 1, 512, 512), (1, 1, 31, 31)),
    Case("max pool 64x64x56x56, 2x2/2", "max_pool2d", (64, 64, 56, 56), None,
         {"kernel_size": 2, "stride": 2}),
    Case("max pool 64x64x56x56, 3x3/2", "max_pool2d", (64, 64, 56, 56), None,
         {"kernel_size": 3, "stride": 2}),
    Case("avg pool 64x64x56x56, 2x2/2", "avg_pool2d", (64, 64, 56, 56), None,
         {"kernel_size": 2, "stride": 2}),
    Case("avg pool 64x64x56x56, 3x3/2", "avg_pool2d", (64, 64, 56, 56), None,
         {"kernel_size": 3, "stride": 2}),
]  # fmt: skip


def size_sweep(sides=(8, 16, 32, 64, 128), batch=8, channels=16, kernel_size=3):
    """Cases of one layer at growing image sizes: where fixed costs end and arithmetic begins.

    A ``kernel_size`` x ``kernel_size`` convolution with ``"same"`` padding, ``channels`` in
    and out, on a batch of ``batch`` square images of each side in ``sides``.

    Returns
    -------
    list of Case
        One per side, to time with :func:`run_grid`.

    Examples
    --------
    >>> [case.input_shape for case in size_sweep(sides=(8, 16))]
    [(8, 16, 8, 8), (8, 16, 16, 16)]
    """
    return [
        Case(
            f"{batch}x{channels}x{side}x{side} -> {channels}, {kernel_size}x{kernel_size}",
            "conv2d",
            (batch, channels, side, side),
            (channels, channels, kernel_size, kernel_size),
            {"padding": "same"},
        )
        for side in sides
    ]


def median_time(function, repeat, min_seconds=0.2):
    """Median wall time, in seconds, of calls of ``function()`` after one untimed warm-up.

    Calls are timed one at a time with ``time.perf_counter`` until there are at least
    ``repeat`` of them and at least ``min_seconds`` have passed, but never more than
    ``50 * repeat`` calls (``_block``). The median ignores the few calls that a busy
    machine delays.
    """
    return statistics.median(_block(function, repeat, min_seconds))


def _block(function, repeat, min_seconds):
    """Seconds of each call of one block: one untimed warm-up call, then at least ``repeat``
    timed calls lasting at least ``min_seconds`` together (at most ``50 * repeat``)."""
    function()
    times = []
    started = time.perf_counter()
    while len(times) < repeat or time.perf_counter() - started < min_seconds:
        t0 = time.perf_counter()
        function()
        times.append(time.perf_counter() - t0)
        if len(times) >= 50 * repeat:
            break
    return times


def in_blocks(functions, repeat, min_seconds, torch_calls=()):
    """Median times of ``functions``, each timed in blocks of its own calls, blocks in turn.

    Two rounds of blocks, the second in reverse order (``A B C C B A``), so that a load
    that grows or fades meets every function alike; each block is a ``_block`` of
    ``ceil(repeat / 2)`` calls and ``min_seconds / 2`` seconds, its warm-up call untimed.
    Before a block of a function whose index is in ``torch_calls`` that follows a block of
    another kind (NumPy's), the clock rests :data:`REST_SECONDS`, until OpenBLAS's threads
    stop spinning. Calls alternated one by one instead would time every torch call right
    after a NumPy call: on a small machine, milliseconds of waiting for the cores
    (``after_product_times``).

    Returns
    -------
    list of float
        The median of each function's calls over both blocks, in seconds.
    """
    order = [*range(len(functions)), *reversed(range(len(functions)))]
    times = [[] for _ in functions]
    per_block = -(-repeat // 2)
    previous = None
    for index in order:
        if index in torch_calls and (previous is None or previous not in torch_calls):
            time.sleep(REST_SECONDS)
        times[index] += _block(functions[index], per_block, min_seconds / 2)
        previous = index
    return [statistics.median(seconds) for seconds in times]


def after_product_times(size=512, repeat=20):
    """A 28 x 28 ``torch.nn.functional.conv2d`` on its own and right after a NumPy product.

    The convolution (one image, one 3 x 3 kernel) is timed in a block of its own calls
    after a rest (``in_blocks``), and then alternated with a ``size`` x ``size``
    float32 matrix product, each convolution timed right after a product: the way a
    benchmark that alternates NumPy and torch call by call would time it.

    Returns
    -------
    dict
        ``alone`` and ``after``: the medians in seconds; ``blas_threads`` and
        ``torch_threads``: the thread counts of NumPy's BLAS and of torch.
    """
    import torch

    rng = np.random.default_rng(0)
    a = rng.standard_normal((size, size)).astype(np.float32)
    x = torch.from_numpy(rng.standard_normal((1, 1, 28, 28)).astype(np.float32))
    w = torch.from_numpy(rng.standard_normal((1, 1, 3, 3)).astype(np.float32))

    def convolution():
        return torch.nn.functional.conv2d(x, w)

    (alone,) = in_blocks([convolution], repeat, 0.0, torch_calls=(0,))
    after = []
    for _ in range(repeat):
        a @ a
        t0 = time.perf_counter()
        convolution()
        after.append(time.perf_counter() - t0)
    time.sleep(REST_SECONDS)
    return {
        "alone": alone,
        "after": statistics.median(after),
        "blas_threads": _winograd.blas_threads(),
        "torch_threads": torch.get_num_threads(),
    }


def peak_extra_memory(function):
    """Peak memory (bytes) that NumPy allocates during one call of ``function``.

    NumPy reports its allocations to ``tracemalloc``, so this counts every temporary the
    call makes, and its result. The work arrays the convolutions keep between calls are
    released first, so that they are allocated, and counted, again.
    """
    import tracemalloc

    _workspace.release_scratch()
    tracemalloc.start()
    try:
        function()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak


def gemm_rate(size=2048, repeat=5):
    """The float32 matrix-multiply rate NumPy's BLAS reaches here, in GFLOP/s.

    The :func:`median_time` of ``a @ b`` for two random ``size`` x ``size`` float32 matrices,
    counted as ``2 * size**3`` operations, with the BLAS's default number of threads. It is a
    yardstick, not the processor's peak: other code, such as torch's convolutions, can run
    faster than it.
    """
    rng = np.random.default_rng(0)
    a = rng.standard_normal((size, size)).astype(np.float32)
    b = rng.standard_normal((size, size)).astype(np.float32)
    seconds = median_time(lambda: a @ b, repeat)
    return 2 * size**3 / seconds / 1e9


def _call(case, x, w):
    function = getattr(cc, case.op)
    if w is None:
        return lambda: function(x, **case.kwargs)
    return lambda: function(x, w, **case.kwargs)


def _direct_call(case, x, w):
    import torch.nn.functional as F

    function = getattr(F, case.op)
    if w is None:
        return lambda: function(x, **case.kwargs)
    return lambda: function(x, w, **case.kwargs)


def run_case(case, dtype, repeat, devices, min_seconds=0.2):
    """Time one case on every backend; return a dict of seconds per backend.

    NumPy, the torch backend and ``torch.nn.functional`` are timed by ``in_blocks``
    (each in blocks of its own calls, a rest before the torch blocks), with ``repeat`` and
    ``min_seconds`` per backend.
    """
    import torch

    rng = np.random.default_rng(0)
    x, w = case.arrays(dtype, rng)
    tx = torch.from_numpy(x)
    tw = None if w is None else torch.from_numpy(w)
    calls = [_call(case, x, w), _call(case, tx, tw), _direct_call(case, tx, tw)]
    timed = in_blocks(calls, repeat, min_seconds, torch_calls=(1, 2))
    results = dict(zip(("numpy", "torch", "F"), timed, strict=True))
    results["numpy_peak_bytes"] = peak_extra_memory(_call(case, x, w))
    if "cuda" in devices:
        time.sleep(REST_SECONDS)
        results.update(_time_cuda(case, tx, tw, repeat))
    return results


def _time_cuda(case, tx, tw, repeat):
    """The torch backend and ``torch.nn.functional`` (cuDNN) on the GPU, checked against CPU.

    Returns seconds for ``cuda`` (cnncourse) and ``F_cuda`` (direct), and ``cuda_error``, the
    largest difference from the CPU result relative to its largest magnitude.
    """
    import torch

    gx, gw = tx.cuda(), None if tw is None else tw.cuda()
    ours, direct = _call(case, gx, gw), _direct_call(case, gx, gw)

    def synchronised(function):
        def timed():
            function()
            torch.cuda.synchronize()

        return timed

    cpu = _call(case, tx, tw)()
    scale = cpu.abs().max().clamp(min=1e-30)
    return {
        "cuda": median_time(synchronised(ours), repeat),
        "F_cuda": median_time(synchronised(direct), repeat),
        "cuda_error": float((ours().cpu() - cpu).abs().max() / scale),
    }


def compare_algorithms(cases=None, dtype="float32", repeat=5, min_seconds=0.2, names=None):
    """Time every NumPy convolution algorithm, forced, on the stride-1 convolution cases.

    This is the evidence behind the rule of :func:`cnncourse.conv_algorithm`. Each algorithm
    of :data:`cnncourse.ALGORITHMS` is forced with :func:`cnncourse.use_algorithm`; a forced
    FFT still gives way to the shifted GEMM on data where its answer would not equal a
    direct sum's.

    Parameters
    ----------
    cases : list of Case, optional
        Default :data:`GRID`; pooling and strided cases are skipped.
    dtype : str
    repeat, min_seconds
        As for :func:`median_time`.
    names : tuple of str, optional
        The algorithms to time; default :data:`cnncourse.ALGORITHMS`.

    Returns
    -------
    list of dict
        Keys: ``case``, ``chosen`` (the algorithm the rule picks) and one time in seconds
        per algorithm name (``"depthwise"`` only on a grouped layer of one input channel
        per group), each the :func:`median_time` of at least ``repeat`` calls lasting at
        least ``min_seconds`` together.
    """
    rows = []
    for case in GRID if cases is None else cases:
        if case.op != "conv2d" or case.kwargs.get("stride", 1) != 1:
            continue
        x, w = case.arrays(np.dtype(dtype), np.random.default_rng(0))
        row = {"case": case.name, "chosen": case.algorithm(np.dtype(dtype))}
        for name in cc.ALGORITHMS if names is None else names:
            if name == "depthwise" and not _depthwise(case):
                continue  # timed only on the layers the rule gives it
            with cc.use_algorithm(name):
                row[name] = median_time(_call(case, x, w), repeat, min_seconds)
        rows.append(row)
    return rows


def _depthwise(case):
    """Whether ``case`` is a depthwise layer: grouped, one input channel per group."""
    return case.kwargs.get("groups", 1) > 1 and case.weight_shape[1] == 1


def run_grid(cases=None, dtype="float32", repeat=5, devices=("cpu",), min_seconds=0.2):
    """Time every case; return one dict per case with seconds per backend and its flop count.

    Parameters
    ----------
    cases : list of Case, optional
        Default :data:`GRID`.
    dtype : str
    repeat : int
        Minimum timed calls per backend and case.
    devices : sequence of str
        Add ``"cuda"`` to time the torch backend on the GPU too.
    min_seconds : float
        Keep calling each backend until this much time has passed (at least ``repeat``
        calls); less gives a faster, noisier run.

    Returns
    -------
    list of dict
        Keys: ``case`` (its name), ``op``, ``algorithm`` (the NumPy algorithm, ``"-"`` for
        pooling), ``flops`` (:meth:`Case.flops`), one time in seconds per backend (``numpy``,
        ``torch``, ``F``; with CUDA also ``cuda`` and ``F_cuda``), ``numpy_peak_bytes``
        (:func:`peak_extra_memory`) and, with CUDA, ``cuda_error``.
    """
    rows = []
    for case in GRID if cases is None else cases:
        timings = run_case(case, np.dtype(dtype), repeat, devices, min_seconds)
        rows.append(
            {
                "case": case.name,
                "op": case.op,
                "algorithm": case.algorithm(np.dtype(dtype)),
                "flops": case.flops(),
                **timings,
            }
        )
    return rows


def format_row(case, results, peak):
    gflops = case.flops() / results["numpy"] / 1e9
    cells = [f"{case.name:<38}", f"{case.algorithm():<12}"]
    cells += [f"{results[k] * 1e3:9.3f}" for k in ("numpy", "torch", "F")]
    if "cuda" in results:
        cells.append(f"{results['cuda'] * 1e3:9.3f}")
        cells.append(f"{results['F_cuda'] * 1e3:9.3f}")
        cells.append(f"{results['cuda_error']:9.1e}")
    cells.append(f"{results['numpy'] / results['torch']:7.2f}")
    cells.append(f"{gflops:8.1f}")
    cells.append(f"{gflops / peak:6.0%}")
    cells.append(f"{results['numpy_peak_bytes'] / 2**20:8.1f}")
    return " ".join(cells)


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m cnncourse.bench", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    parser.add_argument(
        "--repeat", type=_positive_int, default=5, help="minimum timed calls per backend"
    )
    parser.add_argument(
        "--device",
        default="cpu",
        choices=["cpu", "cuda"],
        help="also time the torch backend on this device",
    )
    parser.add_argument("--only", default="", help="run the cases whose name contains this")
    parser.add_argument(
        "--algorithm",
        default="auto",
        choices=["auto", *cc.ALGORITHMS],
        help="force one NumPy convolution algorithm (stride > 1 keeps im2col)",
    )
    args = parser.parse_args(argv)
    require("torch", "torch", "python -m cnncourse.bench")
    try:
        if args.algorithm != "auto":
            with cc.use_algorithm(args.algorithm):
                return _report(args)
        return _report(args)
    except BrokenPipeError:  # the reader left (`... | head`): stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # no second error when Python flushes at exit
        return 1


def _positive_int(text):
    """An argparse type: a positive integer, or a message naming what was wrong."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {value}")
    return value


def _report(args):
    """Print the table for parsed command-line ``args``."""

    import torch

    devices = ["cpu"]
    if args.device == "cuda":
        if not torch.cuda.is_available():
            print("no CUDA device: timing the CPU only")
        else:
            devices.append("cuda")
    peak = gemm_rate()
    print(
        f"cnncourse {cc.__version__}, numpy {np.__version__}, torch {torch.__version__}, "
        f"{torch.get_num_threads()} torch threads, dtype {args.dtype}"
    )
    print(f"float32 GEMM rate (NumPy, 2048^3): {peak:.1f} GFLOP/s")
    header = f"{'case':<38} {'algorithm':<12} {'numpy ms':>9} {'torch ms':>9} {'F ms':>9}"
    if "cuda" in devices:
        header += f" {'cuda ms':>9} {'F cuda ms':>9} {'cuda err':>9}"
    print(header + f" {'np/torch':>7} {'GFLOP/s':>8} {'peak':>6} {'np MiB':>8}")
    for case in GRID:
        if args.only and args.only not in case.name:
            continue
        results = run_case(case, np.dtype(args.dtype), args.repeat, devices)
        print(format_row(case, results, peak), flush=True)


# The appendix's analysis of the matrix products (added after the functions above).


def gemm_work_per_load(m, k, n):
    """Operations per number moved by one matrix product :math:`C = AB`.

    .. math::

        \\frac{2mkn}{mk + kn + mn}

    for :math:`A` of shape ``(m, k)`` and :math:`B` of shape ``(k, n)``, if each matrix
    crosses memory once (``A`` and ``B`` read, ``C`` written). Each entry of ``A`` takes part
    in ``n`` multiply-adds, each entry of ``B`` in ``m``: the ratio is large only when all
    three sizes are, and a thin product (one small size) is limited by memory traffic.

    Parameters
    ----------
    m, k, n : int

    Returns
    -------
    float

    Examples
    --------
    >>> round(gemm_work_per_load(1024, 1024, 1024), 2)  # 2n/3 for square matrices
    682.67
    """
    return 2 * m * k * n / (m * k + k * n + m * n)


def gemm_blocks(case, dtype=np.float32):
    """The shapes ``(m, k, n)`` of the matrix products the NumPy backend runs for ``case``.

    For a convolution with ``C_in`` channels, ``C_out`` filters of ``kH x kW`` taps and one
    group, every product has ``m = C_out`` and ``k = C_in kH kW``; ``n`` is the number of
    output positions in one block of the im2col matrix, whose size is bounded by
    ``cnncourse._conv_algorithms.BLOCK_BYTES`` (and, for a thin product, by
    ``SMALL_GEMM_WORK``: :func:`cnncourse._conv_algorithms.shifted_columns`). The shifted
    GEMM runs over the padded images laid side by side (its ``n`` counts the padding
    columns it computes and drops), or, for a batch of small images
    (:func:`cnncourse._conv_algorithms.image_blocks`), over each padded image on its own:
    one product per image, ``n = (H_out - 1) R + W_out`` columns for rows of ``R`` numbers
    (:func:`cnncourse._conv_algorithms.image_row_length`: ``W_pad``, or ``W_pad - right``
    where the right padding is read from the next row's left padding), a block of images
    in one batched ``numpy.matmul``; im2col runs over blocks of output rows.

    Parameters
    ----------
    case : Case
        A ``conv2d`` case without groups or dilation, whose algorithm is ``"im2col"`` or
        ``"shifted-gemm"`` (the FFT runs no matrix product), or Winograd: then the shifted
        GEMM's products, the GEMM algorithm the rule would run otherwise.
    dtype : numpy dtype

    Returns
    -------
    list of tuple of int
        One ``(m, k, n)`` per matrix product (per call of ``numpy.matmul``, or per image
        of a batched call), in order.
    """
    from . import _conv_algorithms

    algorithm = _gemm_algorithm(case, dtype)
    if algorithm not in ("im2col", "shifted-gemm") or case.kwargs.get("groups", 1) != 1:
        raise ValueError(f"{case.name}: no matrix products to list ({algorithm})")
    batch, channels = case.input_shape[:2]
    out_channels, _, kh, kw = case.weight_shape
    x = np.zeros((1, *case.input_shape[1:]), dtype=dtype)
    w = np.zeros(case.weight_shape, dtype=dtype)
    ho, wo = cc.conv2d(x, w, **case.kwargs).shape[2:]
    rows = channels * kh * kw
    itemsize = np.dtype(dtype).itemsize
    budget = _conv_algorithms.BLOCK_BYTES
    if algorithm == "im2col":
        step = max(1, budget // max(1, batch * wo * rows * itemsize))
        return [
            (out_channels, rows, batch * (min(start + step, ho) - start) * wo)
            for start in range(0, ho, step)
        ]
    hp, wp = ho + kh - 1, wo + kw - 1  # stride 1: the padded image
    step = _conv_algorithms.image_blocks(batch, case.weight_shape, (hp, wp), (1, 1), 1, itemsize)
    if step:  # blocks of whole images: one product per image, its own columns
        row = _conv_algorithms.image_row_length(wp, ((0, 0), _width_padding(case)))
        return [(out_channels, rows, (ho - 1) * row + wo)] * batch
    length = batch * hp * wp - ((kh - 1) * wp + (kw - 1))
    columns = _conv_algorithms.shifted_columns(length, out_channels, rows, itemsize)
    return [
        (out_channels, rows, min(columns, length - start)) for start in range(0, length, columns)
    ]


def _width_padding(case):
    """``(left, right)``: the padding of the last axis of a ``conv2d`` case."""
    from . import geometry

    padding = case.kwargs.get("padding", 0)
    if padding == "same":
        return geometry.same_padding(case.weight_shape[3], case.kwargs.get("dilation", 1))
    if padding == "valid":
        return (0, 0)
    width = padding if isinstance(padding, int) else padding[-1]
    return (width, width)


def _images_per_product(case, dtype):
    """Images per batched ``numpy.matmul`` of the shifted GEMM on ``case`` (1: not batched)."""
    from . import _conv_algorithms

    if _gemm_algorithm(case, dtype) != "shifted-gemm" or case.kwargs.get("groups", 1) != 1:
        return 1
    x = np.zeros((1, *case.input_shape[1:]), dtype=dtype)
    ho, wo = cc.conv2d(x, np.zeros(case.weight_shape, dtype=dtype), **case.kwargs).shape[2:]
    kh, kw = case.weight_shape[2:]
    padded = (ho + kh - 1, wo + kw - 1)  # stride 1, no dilation (as in gemm_blocks)
    itemsize = np.dtype(dtype).itemsize
    step = _conv_algorithms.image_blocks(
        case.input_shape[0], case.weight_shape, padded, (1, 1), 1, itemsize
    )
    return max(1, step)


def _gemm_algorithm(case, dtype):
    """The rule's algorithm for ``case``, the shifted GEMM where the rule picks a Winograd."""
    from . import _conv_algorithms

    algorithm = case.algorithm(np.dtype(dtype))
    return "shifted-gemm" if algorithm in _conv_algorithms.WINOGRADS else algorithm


def time_gemm_blocks(case, repeat=3, min_seconds=0.02, dtype=np.float32):
    """Time the NumPy backend on ``case``, its matrix products alone, and torch, in turn.

    The products of :func:`gemm_blocks` run on random matrices laid out as the algorithm
    lays them out (the im2col blocks in one work array, the results side by side; a block
    of whole images in one batched call), so the
    difference between the two times is what the algorithm spends outside BLAS: padding,
    copying the im2col blocks, and Python. The whole call is the rule's, or the shifted
    GEMM forced where the rule would pick Winograd. ``torch.nn.functional`` on the
    same data is timed in the same run, each of the three in blocks of its own calls
    (``in_blocks``, a rest before torch's), so that all three meet the same load and
    their ratios can be quoted together.

    Returns
    -------
    dict
        ``case``; ``blocks`` (:func:`gemm_blocks`); ``flops`` of the products
        (``2mkn`` summed, padding columns included); ``numpy``, ``gemm`` and ``F``, the
        median time in seconds of the whole NumPy call, of the products alone and of
        ``torch.nn.functional``'s call (``in_blocks``).
    """
    blocks = gemm_blocks(case, dtype)
    rng = np.random.default_rng(0)
    m, k = blocks[0][:2]
    a = rng.standard_normal((m, k)).astype(dtype)
    b = rng.standard_normal((k, max(n for _, _, n in blocks))).astype(dtype)
    c = np.empty((m, sum(n for _, _, n in blocks)), dtype=dtype)
    starts = np.cumsum([0] + [n for _, _, n in blocks])

    def products():
        for (_, _, n), start in zip(blocks, starts, strict=False):
            np.matmul(a, b[:, :n], out=c[:, start : start + n])

    step = _images_per_product(case, dtype)
    if step > 1:  # blocks of whole images: one batched call per block, as the backend runs
        n = blocks[0][2]
        b = rng.standard_normal((step, k, n)).astype(dtype)
        c = np.empty((len(blocks), m, n), dtype=dtype)

        def products():
            for start in range(0, len(blocks), step):
                count = min(step, len(blocks) - start)
                np.matmul(a, b[:count], out=c[start : start + count])

    x, w = case.arrays(np.dtype(dtype), rng)
    call = _call(case, x, w)
    algorithm = _gemm_algorithm(case, dtype)  # once: it runs the rule on new arrays

    def forced_call():
        with cc.use_algorithm(algorithm):
            return call()

    # the rule's own call where it runs a GEMM (a small layer's prepared call included)
    whole_call = call if algorithm == case.algorithm(np.dtype(dtype)) else forced_call

    import torch

    tx, tw = torch.from_numpy(x), None if w is None else torch.from_numpy(w)
    direct = _direct_call(case, tx, tw)
    calls = [whole_call, products, direct]
    whole, alone, by_torch = in_blocks(calls, repeat, min_seconds, torch_calls=(2,))
    return {
        "case": case.name,
        "blocks": blocks,
        "flops": sum(2 * m * k * n for m, k, n in blocks),
        "numpy": whole,
        "gemm": alone,
        "F": by_torch,
    }


def _interleaved_medians(first, second, repeat, min_seconds):
    """Median times of two functions called in turn, so that both meet the same load.

    Only for NumPy against NumPy: a torch call right after a NumPy product waits for
    OpenBLAS's spinning threads (``in_blocks`` times torch apart).

    After a warm-up of each, ``first`` and ``second`` alternate until each has run at least
    ``repeat`` times and ``min_seconds`` have passed for both together (at most
    ``50 * repeat`` times each), as in :func:`median_time`.
    """
    return tuple(_interleaved([first, second], repeat, min_seconds))


def _interleaved(functions, repeat, min_seconds):
    """:func:`_interleaved_medians` of any number of functions (``min_seconds`` each)."""
    for function in functions:
        function()
    times = [[] for _ in functions]
    started = time.perf_counter()
    while len(times[0]) < repeat or time.perf_counter() - started < len(functions) * min_seconds:
        for function, seconds in zip(functions, times, strict=True):
            t0 = time.perf_counter()
            function()
            seconds.append(time.perf_counter() - t0)
        if len(times[0]) >= 50 * repeat:
            break
    return [statistics.median(seconds) for seconds in times]


def edge_detection_times(sizes, dense_up_to=64, repeat=3, min_seconds=0.02, seed=0):
    """Fig 9.6's edge detector timed three ways on random ``n x n`` images.

    For each side ``n`` in ``sizes``: the valid cross-correlation with the kernel
    ``[-1, 1]`` (:func:`cnncourse.correlate`), the product of its sparse matrix
    (:func:`cnncourse.conv_matrix`, ``scipy.sparse``) with the flattened image, and, up to
    ``dense_up_to``, the product of the same matrix stored dense. The dense answer is
    checked against the convolution's.

    Returns
    -------
    dict
        ``"convolution"``, ``"sparse matrix"``, ``"dense matrix"``: a list of seconds per
        size (:func:`median_time`); ``nan`` where the dense matrix was not built.
    """
    import operator

    kernel = np.array([[-1.0, 1.0]])
    rng = np.random.default_rng(seed)
    times = {"convolution": [], "sparse matrix": [], "dense matrix": []}
    for side in sizes:
        image = rng.random((side, side))
        sparse = cc.conv_matrix(kernel, (side, side), mode="valid", flip=False, sparse=True)
        by_conv = cc.correlate(image, kernel, mode="valid")
        timed = {
            "convolution": (cc.correlate, image, kernel, "valid"),
            "sparse matrix": (operator.matmul, sparse, image.ravel()),
        }
        if side <= dense_up_to:
            dense = sparse.toarray()
            if not np.allclose(dense @ image.ravel(), by_conv.ravel()):
                raise AssertionError(f"dense product differs from the convolution at n={side}")
            timed["dense matrix"] = (operator.matmul, dense, image.ravel())
        for name in times:
            if name not in timed:
                times[name].append(float("nan"))
                continue
            function, *args = timed[name]
            seconds = median_time(lambda f=function, a=args: f(*a), repeat, min_seconds)
            times[name].append(seconds)
    return times


def reference_gemm_rate(size=1024, repeat=10, min_seconds=0.3):
    """The float32 GEMM rate of NumPy's BLAS, in GFLOP/s, from its fastest product.

    .. math::

        \\frac{2 n^3}{t_\\text{min}}

    for two ``size x size`` float32 matrices, with :math:`t_\\text{min}` the shortest of at
    least ``repeat`` products lasting ``min_seconds`` together (after a warm-up). Other
    processes can only slow a product down, so the fastest one is the steadiest measure of
    what BLAS reaches on this machine; :func:`gemm_rate` takes the median instead. It is a
    measured rate, not the processor's peak.
    """
    rng = np.random.default_rng(0)
    a = rng.standard_normal((size, size)).astype(np.float32)
    b = rng.standard_normal((size, size)).astype(np.float32)
    out = np.empty_like(a)
    np.matmul(a, b, out=out)
    times = []
    started = time.perf_counter()
    while len(times) < repeat or time.perf_counter() - started < min_seconds:
        t0 = time.perf_counter()
        np.matmul(a, b, out=out)
        times.append(time.perf_counter() - t0)
        if len(times) >= 50 * repeat:
            break
    return 2 * size**3 / min(times) / 1e9


# Winograd's F(2 x 2, 3 x 3) and F(4 x 4, 3 x 3) in the appendix: their errors and where
# they are faster.

#: Ways to spoil a layer's input for :func:`winograd_errors`: none, one value 1e8 times the
#: others, the top half of every image 1e-6 times the rest, one tap of every kernel 1e-6
#: times the others next to an input value 1e4 times the rest.
SPOILERS = ("none", "spike", "small half", "tiny tap")


def _spoil(x, w, spoiler):
    x, w = x.copy(), w.copy()
    middle = (0, 0, x.shape[2] // 2, x.shape[3] // 2)
    if spoiler == "spike":
        x[middle] = 1e8
    elif spoiler == "small half":
        x[:, :, : x.shape[2] // 2] *= 1e-6
    elif spoiler == "tiny tap":
        w[:, :, 1, 1] = 1e-6
        x[middle] = 1e4
    elif spoiler != "none":
        raise ValueError(f"`spoiler` must be one of {SPOILERS}, got {spoiler!r}")
    return x, w


def winograd_errors(cases, dtypes=("float32", "float64"), spoilers=("none",), images=1):
    """The error of both Winograds and of the shifted GEMM against torch in float64, per case.

    Each output's error is measured in units of a direct sum's scale,
    :math:`\\varepsilon \\sum |x| |w|` (``eps`` of the dtype, the sum over the output's
    window: :math:`|x| * |w|`), and the largest over the outputs is reported, with the
    largest ratio of each Winograd's error to its bound
    (:func:`cnncourse._winograd.error_bound`) and F(4, 3)'s largest error relative to the
    largest output.

    Parameters
    ----------
    cases : list of Case
        3 x 3 convolutions at stride 1, no groups or dilation.
    dtypes : tuple of str
    spoilers : tuple of str
        From :data:`SPOILERS`: the input of every case is spoiled each way in turn.
    images : int
        The first ``images`` images of each case's batch (the bound's einsum is slow).

    Returns
    -------
    list of dict
        Keys ``case``, ``spoiler``, ``dtype``; ``shifted-gemm``, ``winograd`` (F(2, 3)) and
        ``winograd4`` (F(4, 3)): errors in units of :math:`\\varepsilon \\sum |x||w|`;
        ``of_bound``: the larger of the two Winograds' errors over their bounds;
        ``relative4``: F(4, 3)'s largest error over the largest :math:`|y|`; ``allowed``:
        whether the data pass the check that lets the rule pick F(4, 3)
        (:func:`cnncourse._conv_algorithms.winograd_is_exact` with ``m=4``); ``chosen``:
        the algorithm :func:`cnncourse.conv2d` would run on the same data
        (:func:`cnncourse.conv_algorithm`). The Winograd errors are those of the
        algorithms called directly, past that check: on data the check refuses,
        ``conv2d`` runs a direct method instead, chosen or forced.
    """
    import torch

    from . import _conv_algorithms, _winograd

    rows = []
    for case in cases:
        padding = case.kwargs.get("padding", 0)
        pads = ((padding, padding), (padding, padding))
        for spoiler in spoilers:
            x, w = case.arrays(np.float64, np.random.default_rng(0))
            x, w = _spoil(x[:images], w, spoiler)
            exact, scale = (
                torch.nn.functional.conv2d(
                    torch.from_numpy(a), torch.from_numpy(b), padding=padding
                ).numpy()
                for a, b in ((x, w), (np.abs(x), np.abs(w)))
            )
            for dtype in dtypes:
                xd, wd = x.astype(dtype), w.astype(dtype)
                eps = np.finfo(dtype).eps
                row = {"case": case.name, "spoiler": spoiler, "dtype": dtype, "of_bound": 0.0}
                row["shifted-gemm"] = _conv_algorithms.shifted_gemm(xd, wd, (1, 1), pads, (1, 1), 1)
                for name, m in _conv_algorithms.WINOGRADS.items():
                    row[name] = _winograd.winograd(xd, wd, (1, 1), pads, (1, 1), 1, m=m)
                    error = np.abs(row[name].astype(np.float64) - exact)
                    bound = _winograd.error_bound(xd, wd, pads, m=m)
                    row["of_bound"] = max(row["of_bound"], float(np.max(error / (bound + 1e-300))))
                    if m == 4:
                        row["relative4"] = float(error.max() / np.abs(exact).max())
                for name in ("shifted-gemm", *_conv_algorithms.WINOGRADS):
                    error = np.abs(row[name].astype(np.float64) - exact)
                    row[name] = float(np.max(error / (eps * scale + 1e-300)))
                row["allowed"] = _conv_algorithms.winograd_is_exact(xd, wd, pads, m=4)
                row["chosen"] = cc.conv_algorithm(xd, wd, padding=padding)
                rows.append(row)
    return rows


#: The sweep the automatic choice's Winograd rule comes from
#: (:data:`cnncourse._conv_algorithms.WINOGRAD4_MIN`): :func:`winograd_sweep` with
#: ``channels=(3, 16, 32, 64, 128), out_channels=(16, 64, 128), sides=(14, 28, 56),
#: batch=8, repeat=5, min_seconds=0.15``, one thread, on the 2-core machine the appendix was
#: written on while other jobs ran (load average about 5). Rows ``(C_in, C_out, side,
#: F(4, 3) time / shifted GEMM's, F(2, 3) time / shifted GEMM's)``.
WINOGRAD_RULE_SWEEP = (
    (3, 16, 14, 3.23, 3.22),
    (3, 64, 14, 3.11, 3.50),
    (3, 128, 14, 3.20, 3.78),
    (16, 16, 14, 2.09, 2.08),
    (16, 64, 14, 1.64, 1.78),
    (16, 128, 14, 1.59, 2.70),
    (32, 16, 14, 1.38, 1.48),
    (32, 64, 14, 1.25, 1.40),
    (32, 128, 14, 1.29, 1.14),
    (64, 16, 14, 1.39, 1.24),
    (64, 64, 14, 1.24, 1.16),
    (64, 128, 14, 2.02, 1.66),
    (128, 16, 14, 0.75, 0.98),
    (128, 64, 14, 0.93, 0.63),
    (128, 128, 14, 1.01, 0.96),
    (3, 16, 28, 3.10, 3.50),
    (3, 64, 28, 2.43, 3.41),
    (3, 128, 28, 2.51, 3.38),
    (16, 16, 28, 1.77, 1.93),
    (16, 64, 28, 1.11, 1.49),
    (16, 128, 28, 1.17, 1.44),
    (32, 16, 28, 0.95, 1.12),
    (32, 64, 28, 0.69, 0.93),
    (32, 128, 28, 0.93, 0.97),
    (64, 16, 28, 0.68, 0.82),
    (64, 64, 28, 0.64, 1.01),
    (64, 128, 28, 0.68, 0.73),
    (128, 16, 28, 0.52, 0.62),
    (128, 64, 28, 0.64, 0.70),
    (128, 128, 28, 0.70, 0.73),
    (3, 16, 56, 3.07, 4.28),
    (3, 64, 56, 4.54, 5.04),
    (3, 128, 56, 1.86, 2.14),
    (16, 16, 56, 3.23, 3.64),
    (16, 64, 56, 0.84, 0.97),
    (16, 128, 56, 0.86, 1.13),
    (32, 16, 56, 0.63, 0.79),
    (32, 64, 56, 0.80, 1.08),
    (32, 128, 56, 0.29, 0.34),
    (64, 16, 56, 0.69, 0.77),
    (64, 64, 56, 0.81, 0.78),
    (64, 128, 56, 0.75, 1.20),
    (128, 16, 56, 0.60, 0.69),
    (128, 64, 56, 0.58, 0.71),
    (128, 128, 56, 0.55, 0.78),
)


#: The same on fewer images (C_in = C_out), the evidence for the rule's batch size: rows
#: ``(images, C, side, F(4, 3) / shifted GEMM, F(2, 3) / shifted GEMM)``, :func:`winograd_sweep`
#: with ``repeat=7, min_seconds=0.1``.
WINOGRAD_BATCH_SWEEP = (
    (1, 64, 28, 1.96, 1.70),
    (1, 128, 28, 1.90, 1.77),
    (1, 64, 56, 0.87, 1.11),
    (1, 128, 56, 0.81, 0.93),
    (2, 64, 28, 1.20, 1.10),
    (2, 128, 28, 1.28, 1.25),
    (2, 64, 56, 0.59, 1.12),
    (2, 128, 56, 0.66, 0.84),
    (4, 64, 28, 0.88, 1.14),
    (4, 128, 28, 0.66, 0.95),
    (4, 64, 56, 0.49, 0.70),
    (4, 128, 56, 0.65, 1.00),
)


#: The sweep behind the rule's thread count
#: (:data:`cnncourse._conv_algorithms.WINOGRAD_MAX_THREADS`) and the 32-channel layers:
#: :func:`winograd_sweep` with ``channels=(32, 64, 128), out_channels=(16, 64, 128),
#: sides=(28, 56), batch=8, repeat=7, min_seconds=0.1, names=("shifted-gemm", "im2col",
#: "winograd4"), threads=(1, 2)`` (each round every algorithm at 1 and at 2 BLAS threads),
#: float32, after the data check was made faster, on the 2-core machine the appendix was
#: written on, shared with other jobs (load average 1 to 1.7): each part was kept only if a
#: 1024 x 1024 product ran with 2 threads in under 0.65 of its time with 1, before and
#: after it (the 28-pixel layers; the 56-pixel layers with 64 and 128, then with 32 input
#: channels). Rows ``(C_in, C_out, side, threads, shifted GEMM ms, im2col ms, F(4, 3)
#: ms)``. (``(128, 64, 56, 2)`` met a burst of load; a second pass of the 56-pixel layers
#: gave it 30.26 and 26.93 ms.)
WINOGRAD_THREAD_SWEEP = (
    (32, 16, 28, 1, 1.84, 2.31, 1.96),
    (32, 16, 28, 2, 1.39, 1.69, 2.77),
    (32, 64, 28, 1, 2.8, 3.36, 2.72),
    (32, 64, 28, 2, 1.82, 2.16, 2.69),
    (32, 128, 28, 1, 4.45, 5.02, 4.83),
    (32, 128, 28, 2, 3.07, 3.38, 4.55),
    (64, 16, 28, 1, 2.83, 3.59, 2.93),
    (64, 16, 28, 2, 2.16, 2.75, 2.81),
    (64, 64, 28, 1, 5.46, 6.12, 4.06),
    (64, 64, 28, 2, 3.67, 4.08, 4.03),
    (64, 128, 28, 1, 9.06, 9.59, 6.82),
    (64, 128, 28, 2, 6.1, 6.14, 6.73),
    (128, 16, 28, 1, 7.52, 8.88, 6.16),
    (128, 16, 28, 2, 6.32, 7.38, 5.78),
    (128, 64, 28, 1, 11.92, 14.2, 10.23),
    (128, 64, 28, 2, 8.8, 9.76, 9.13),
    (128, 128, 28, 1, 19.72, 20.68, 14.17),
    (128, 128, 28, 2, 13.28, 13.79, 12.79),
    (32, 16, 56, 1, 8.55, 9.39, 6.6),
    (32, 16, 56, 2, 13.45, 16.62, 24.64),
    (32, 64, 56, 1, 29.22, 32.23, 16.92),
    (32, 64, 56, 2, 31.09, 32.43, 17.78),
    (32, 128, 56, 1, 41.52, 35.97, 15.39),
    (32, 128, 56, 2, 39.24, 40.7, 29.14),
    (64, 16, 56, 1, 13.2, 15.77, 9.95),
    (64, 16, 56, 2, 10.72, 12.66, 9.91),
    (64, 64, 56, 1, 24.59, 26.74, 13.59),
    (64, 64, 56, 2, 15.52, 17.72, 14.55),
    (64, 128, 56, 1, 35.93, 39.69, 24.23),
    (64, 128, 56, 2, 22.4, 31.2, 23.04),
    (128, 16, 56, 1, 25.14, 32.12, 19.46),
    (128, 16, 56, 2, 20.35, 27.54, 18.13),
    (128, 64, 56, 1, 43.12, 47.87, 28.2),
    (128, 64, 56, 2, 61.68, 72.75, 77.23),
    (128, 128, 56, 1, 68.38, 71.17, 40.67),
    (128, 128, 56, 2, 48.38, 46.68, 43.21),
)


def winograd_sweep(channels=(16, 32, 64, 128), sides=(28, 56), batch=2, repeat=3,
                   min_seconds=0.01, out_channels=None, names=None,
                   threads=None):  # fmt: skip
    """Both Winograds against the shifted GEMM on 3 x 3 layers (padding 1), as channels grow.

    ``C`` channels in and out (or every ``C`` in with every count of ``out_channels``),
    ``batch`` images of each side in ``sides``, float32, through
    :func:`cnncourse.conv2d` with each algorithm forced (Winograd's data check included);
    each time the median of :func:`_interleaved`'s alternating calls. The allocator
    is warmed first, as ``tools/bench_compare.py`` does (a 32 MiB block allocated and freed,
    so that later work arrays are not fresh pages): otherwise whichever algorithm
    allocates its output fresh pays page faults the other does not.

    ``names``: the algorithms timed (default: the shifted GEMM and both Winograds).
    ``threads``: BLAS threads, a count or a tuple of counts (``threadpoolctl``'s
    ``threadpool_limits``; default: as they are). With several counts each round of
    :func:`_interleaved_threads` times every algorithm once at each count in turn, so that a
    burst of load from other processes meets all of them; the rule's choice is read at
    each count.

    Returns
    -------
    list of dict
        Keys ``channels``, ``out_channels``, ``side``, ``threads`` (the BLAS's), one per
        algorithm of ``names`` (seconds: ``shifted-gemm``, ``winograd`` (F(2, 3)),
        ``winograd4`` (F(4, 3)), ...), ``chosen`` (the rule's choice on this layer) and
        ``load`` (the one-minute load average after it, where the system reports one).
    """
    warm = np.ones(32 * 2**20, dtype=np.uint8)
    del warm
    rng = np.random.default_rng(0)
    names = ("shifted-gemm", "winograd", "winograd4") if names is None else tuple(names)
    counts = (threads,) if threads is None or isinstance(threads, int) else tuple(threads)
    rows = []

    def forced(name, x, w):
        with cc.use_algorithm(name):
            return cc.conv2d(x, w, padding=1)

    for side in sides:
        for c, o in (
            ((c, c) for c in channels)
            if out_channels is None
            else ((c, o) for c in channels for o in out_channels)
        ):
            x = rng.standard_normal((batch, c, side, side)).astype(np.float32)
            w = rng.standard_normal((o, c, 3, 3)).astype(np.float32)
            calls = [lambda name=name, x=x, w=w: forced(name, x, w) for name in names]
            timed = _interleaved_threads(calls, counts, repeat, min_seconds)
            for count, times in zip(counts, timed, strict=True):
                with _blas_limited(count):
                    row = {"channels": c, "out_channels": o, "side": side}
                    row["threads"] = _winograd.blas_threads()
                    row["load"] = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
                    row.update(zip(names, times, strict=True))
                    row["chosen"] = cc.conv_algorithm(x, w, padding=1)
                rows.append(row)
    return rows


def _interleaved_threads(functions, counts, repeat, min_seconds):
    """:func:`_interleaved` at each BLAS thread count of ``counts`` (None: as they are).

    One count: :func:`_interleaved` itself. Several: rounds of every function once at each
    count in turn (the limit is set outside the timed calls), ``repeat`` rounds and at least
    ``min_seconds`` per function and count; the medians, one list per count.
    """
    if len(counts) == 1:
        with _blas_limited(counts[0]):
            return [_interleaved(functions, repeat, min_seconds)]
    times = [[[] for _ in functions] for _ in counts]
    started = time.perf_counter()
    rounds = 0
    while (
        rounds <= repeat
        or time.perf_counter() - started < len(times) * len(functions) * min_seconds
    ):
        for count, seconds in zip(counts, times, strict=True):
            with _blas_limited(count):
                for function, kept in zip(functions, seconds, strict=True):
                    t0 = time.perf_counter()
                    function()
                    if rounds:  # the first round warms up
                        kept.append(time.perf_counter() - t0)
        rounds += 1
        if rounds > 50 * repeat:
            break
    return [[statistics.median(kept) for kept in seconds] for seconds in times]


def _blas_limited(threads):
    """``threadpoolctl.threadpool_limits(threads)`` for BLAS, or nothing if ``threads`` is None."""
    import contextlib

    if threads is None:
        return contextlib.nullcontext()
    threadpoolctl = require("threadpoolctl", "book", "a BLAS thread count")
    return threadpoolctl.threadpool_limits(threads, user_api="blas")


#: The sweep the shifted GEMM's choice of layout comes from
#: (:data:`cnncourse._conv_algorithms.IMAGE_MAX_BYTES`): :func:`image_block_sweep` with its
#: defaults, one thread, on the shared 2-core machine the appendix was written on (load
#: average about 2). Rows ``(C_in, C_out, side, images, blocks of whole images' time /
#: side by side's)``.
# fmt: off
IMAGE_BLOCK_SWEEP = (
    (1, 8, 8, 2, 1.17), (1, 8, 8, 8, 1.18), (1, 8, 8, 64, 1.06), (1, 8, 16, 2, 1.17),
    (1, 8, 16, 8, 1.08), (1, 8, 16, 64, 0.88), (1, 8, 32, 2, 1.12), (1, 8, 32, 8, 1.00),
    (1, 8, 32, 64, 0.90), (1, 8, 64, 2, 1.02), (1, 8, 64, 8, 0.89), (1, 8, 64, 64, 0.87),
    (1, 16, 8, 2, 1.17), (1, 16, 8, 8, 1.15), (1, 16, 8, 64, 1.04), (1, 16, 16, 2, 1.13),
    (1, 16, 16, 8, 1.06), (1, 16, 16, 64, 0.97), (1, 16, 32, 2, 1.09), (1, 16, 32, 8, 0.90),
    (1, 16, 32, 64, 0.91), (1, 16, 64, 2, 0.92), (1, 16, 64, 8, 0.94), (1, 16, 64, 64, 0.96),
    (1, 64, 8, 2, 1.13), (1, 64, 8, 8, 1.05), (1, 64, 8, 64, 0.80), (1, 64, 16, 2, 1.08),
    (1, 64, 16, 8, 0.83), (1, 64, 16, 64, 1.03), (1, 64, 32, 2, 0.85), (1, 64, 32, 8, 1.11),
    (1, 64, 32, 64, 1.30), (1, 64, 64, 2, 1.45), (1, 64, 64, 8, 0.70), (1, 64, 64, 64, 0.94),
    (3, 8, 8, 2, 1.16), (3, 8, 8, 8, 1.10), (3, 8, 8, 64, 0.88), (3, 8, 16, 2, 1.12),
    (3, 8, 16, 8, 0.96), (3, 8, 16, 64, 0.85), (3, 8, 32, 2, 1.07), (3, 8, 32, 8, 0.91),
    (3, 8, 32, 64, 0.90), (3, 8, 64, 2, 0.93), (3, 8, 64, 8, 0.93), (3, 8, 64, 64, 0.85),
    (3, 16, 8, 2, 1.12), (3, 16, 8, 8, 1.07), (3, 16, 8, 64, 0.87), (3, 16, 16, 2, 1.07),
    (3, 16, 16, 8, 0.80), (3, 16, 16, 64, 0.89), (3, 16, 32, 2, 1.04), (3, 16, 32, 8, 0.90),
    (3, 16, 32, 64, 0.90), (3, 16, 64, 2, 1.21), (3, 16, 64, 8, 1.26), (3, 16, 64, 64, 1.24),
    (3, 64, 8, 2, 1.07), (3, 64, 8, 8, 0.77), (3, 64, 8, 64, 0.76), (3, 64, 16, 2, 0.77),
    (3, 64, 16, 8, 0.76), (3, 64, 16, 64, 0.73), (3, 64, 32, 2, 0.99), (3, 64, 32, 8, 1.08),
    (3, 64, 32, 64, 0.94), (3, 64, 64, 2, 1.11), (3, 64, 64, 8, 1.00), (8, 8, 8, 2, 1.13),
    (8, 8, 8, 8, 1.04), (8, 8, 8, 64, 0.88), (8, 8, 16, 2, 1.05), (8, 8, 16, 8, 0.83),
    (8, 8, 16, 64, 0.83), (8, 8, 32, 2, 0.89), (8, 8, 32, 8, 0.93), (8, 8, 32, 64, 0.87),
    (8, 8, 64, 2, 1.27), (8, 8, 64, 8, 1.35), (8, 8, 64, 64, 1.09), (8, 16, 8, 2, 1.10),
    (8, 16, 8, 8, 1.00), (8, 16, 8, 64, 0.86), (8, 16, 16, 2, 1.02), (8, 16, 16, 8, 0.85),
    (8, 16, 16, 64, 0.84), (8, 16, 32, 2, 1.10), (8, 16, 32, 8, 1.14), (8, 16, 32, 64, 1.12),
    (8, 16, 64, 2, 1.17), (8, 16, 64, 8, 1.17), (8, 64, 8, 2, 1.02), (8, 64, 8, 8, 0.77),
    (8, 64, 8, 64, 0.70), (8, 64, 16, 2, 0.94), (8, 64, 16, 8, 0.98), (8, 64, 16, 64, 0.89),
    (8, 64, 32, 2, 0.97), (8, 64, 32, 8, 0.88), (8, 64, 64, 2, 0.91), (8, 64, 64, 8, 0.91),
    (16, 8, 8, 2, 1.08), (16, 8, 8, 8, 0.96), (16, 8, 8, 64, 0.85), (16, 8, 16, 2, 0.98),
    (16, 8, 16, 8, 0.84), (16, 8, 16, 64, 0.81), (16, 8, 32, 2, 1.21), (16, 8, 32, 8, 1.28),
    (16, 8, 32, 64, 1.20), (16, 8, 64, 2, 1.51), (16, 8, 64, 8, 1.63), (16, 16, 8, 2, 1.01),
    (16, 16, 8, 8, 0.82), (16, 16, 8, 64, 0.80), (16, 16, 16, 2, 0.85), (16, 16, 16, 8, 0.84),
    (16, 16, 16, 64, 0.85), (16, 16, 32, 2, 1.04), (16, 16, 32, 8, 1.08),
    (16, 16, 32, 64, 0.99), (16, 16, 64, 2, 1.31), (16, 16, 64, 8, 1.30), (16, 64, 8, 2, 0.74),
    (16, 64, 8, 8, 0.77), (16, 64, 8, 64, 0.73), (16, 64, 16, 2, 0.96), (16, 64, 16, 8, 0.92),
    (16, 64, 16, 64, 0.71), (16, 64, 32, 2, 0.91), (16, 64, 32, 8, 0.87), (16, 64, 64, 2, 0.95),
    (32, 8, 8, 2, 1.04), (32, 8, 8, 8, 0.86), (32, 8, 8, 64, 0.86), (32, 8, 16, 2, 0.85),
    (32, 8, 16, 8, 0.85), (32, 8, 16, 64, 0.80), (32, 8, 32, 2, 1.33), (32, 8, 32, 8, 1.42),
    (32, 8, 32, 64, 1.16), (32, 8, 64, 2, 1.58), (32, 8, 64, 8, 1.52), (32, 16, 8, 2, 0.99),
    (32, 16, 8, 8, 0.75), (32, 16, 8, 64, 0.62), (32, 16, 16, 2, 0.97), (32, 16, 16, 8, 0.74),
    (32, 16, 16, 64, 0.53), (32, 16, 32, 2, 0.83), (32, 16, 32, 8, 0.57), (32, 16, 64, 2, 0.91),
    (32, 16, 64, 8, 0.89), (32, 64, 8, 2, 1.01), (32, 64, 8, 8, 1.01), (32, 64, 8, 64, 0.34),
    (32, 64, 16, 2, 0.97), (32, 64, 16, 8, 0.86), (32, 64, 32, 2, 0.88), (32, 64, 32, 8, 0.69),
    (32, 64, 64, 2, 0.87),
)
# fmt: on


def image_block_sweep(channels=(1, 3, 8, 16, 32), out_channels=(8, 16, 64),
                      sides=(8, 16, 32, 64), batches=(2, 8, 64), max_flops=4e8, repeat=5,
                      min_seconds=0.04):  # fmt: skip
    """The shifted GEMM's two layouts of a batch on 3 x 3 layers (padding 1, float32).

    Blocks of whole images (``_shifted_gemm_images``, with its block size
    :data:`cnncourse._conv_algorithms.IMAGE_BLOCK_BYTES`) against the images side by side
    (``shifted_gemm`` with the image blocks switched off), called directly, each time the
    median of :func:`_interleaved`'s alternating calls; layers of more than ``max_flops``
    operations are left out.

    Returns
    -------
    list of dict
        Keys ``channels``, ``out_channels``, ``side``, ``batch``, ``side_by_side`` and
        ``images`` (seconds), ``ratio`` (images / side by side) and ``taken`` (whether the
        rule, :func:`cnncourse._conv_algorithms.image_blocks`, takes the image blocks).
    """
    from . import _conv_algorithms as algorithms

    rng = np.random.default_rng(0)
    pads, one = ((1, 1), (1, 1)), (1, 1)
    rows = []

    def side_by_side(x, w):
        limit, algorithms.IMAGE_MAX_BYTES = algorithms.IMAGE_MAX_BYTES, 0
        try:
            return algorithms.shifted_gemm(x, w, one, pads, one, 1)
        finally:
            algorithms.IMAGE_MAX_BYTES = limit

    def images(x, w):
        size = (x.shape[2] + 2, x.shape[3] + 2)
        return algorithms._shifted_gemm_images(x, w, pads, one, size, x.shape[2:])

    for c in channels:
        for o in out_channels:
            for side in sides:
                for n in batches:
                    if 2 * n * o * c * 9 * side * side > max_flops:
                        continue
                    x = rng.standard_normal((n, c, side, side)).astype(np.float32)
                    w = rng.standard_normal((o, c, 3, 3)).astype(np.float32)
                    calls = [lambda f=f, x=x, w=w: f(x, w) for f in (side_by_side, images)]
                    apart, blocked = _interleaved(calls, repeat, min_seconds)
                    size = (side + 2, side + 2)
                    taken = algorithms.image_blocks(n, w.shape, size, one, 1, 4) > 0
                    rows.append(
                        {
                            "channels": c,
                            "out_channels": o,
                            "side": side,
                            "batch": n,
                            "side_by_side": apart,
                            "images": blocked,
                            "ratio": blocked / apart,
                            "taken": taken,
                        }  # fmt: skip
                    )
    return rows


def memory_bandwidth(megabytes=64, repeat=5, min_seconds=0.1):
    """Main-memory bandwidth in GB/s, from the fastest copy of a large float32 array.

    .. math::

        \\beta = \\frac{2 \\cdot \\text{bytes}}{t_\\text{fastest}}

    A copy reads and writes every byte once; ``megabytes`` (per array) should be well
    above the caches. Other processes can only slow a copy, so the fastest of at least
    ``repeat`` copies (and of ``min_seconds``) is used, as in :func:`reference_gemm_rate`.
    """
    source = np.ones(megabytes * 2**20 // 4, dtype=np.float32)
    target = np.empty_like(source)
    np.copyto(target, source)  # warm-up: touch both arrays
    fastest = float("inf")
    started = time.perf_counter()
    count = 0
    while count < repeat or time.perf_counter() - started < min_seconds:
        t0 = time.perf_counter()
        np.copyto(target, source)
        fastest = min(fastest, time.perf_counter() - t0)
        count += 1
    return 2 * source.nbytes / fastest / 1e9


if __name__ == "__main__":
    try:
        sys.exit(main())
    except ImportError as error:  # torch is missing: one line naming the extra, no traceback
        sys.exit(f"{error}")
