"""The depthwise path (one input channel per group): what the rule picks, and its answers.

Issue 24, item 9: a depthwise 3 x 3 layer (groups = channels = 2048) ran the grouped shifted
GEMM, a padded copy of the batch laid channel by channel first. ``"depthwise"`` multiplies
blocks of images by their own channel's taps, and is a direct sum: the answers are compared
with ``torch.nn.functional.conv2d`` in float64 (NaN and infinities included, and zero padding
times an infinite tap, which is NaN in the definition).
"""

import numpy as np
import pytest
from forms import algorithms_run, peak_bytes

import cnncourse as cc
from cnncourse import _conv_algorithms, _workspace

torch = pytest.importorskip("torch")
F = torch.nn.functional


def _torch(x, w, **options):
    """torch float64, and the same convolution of the magnitudes (the direct sum's scale)."""
    xt, wt = torch.from_numpy(np.ascontiguousarray(x)), torch.from_numpy(w)
    with np.errstate(all="ignore"):
        return F.conv2d(xt, wt, **options).numpy(), F.conv2d(xt.abs(), wt.abs(), **options).numpy()


def assert_direct(ours, x, w, **options):
    """NaN and infinities where torch has them; elsewhere within a direct sum's rounding."""
    reference, magnitude = _torch(x.astype(np.float64), w.astype(np.float64), **options)
    assert ours.shape == reference.shape and ours.dtype == x.dtype
    for special in (np.isnan, np.isposinf, np.isneginf):
        np.testing.assert_array_equal(special(ours), special(reference), err_msg=special.__name__)
    finite = np.isfinite(reference) & np.isfinite(magnitude)
    bound = 2 * w[0].size * np.finfo(x.dtype).eps * magnitude[finite] + np.finfo(x.dtype).tiny
    assert np.all(np.abs(ours[finite] - reference[finite]) <= bound)


def _random_layer(rng):
    """A depthwise layer's input, weight and options, drawn from ``rng``."""
    channels, multiplier = int(rng.integers(1, 6)), int(rng.integers(1, 4))
    kernel = tuple(int(k) for k in rng.integers(1, 6, 2))
    dilation = tuple(int(d) for d in rng.integers(1, 3, 2))
    stride = tuple(int(s) for s in rng.integers(1, 3, 2)) if rng.random() < 0.4 else (1, 1)
    padding = tuple(int(p) for p in rng.integers(0, 4, 2))
    size = [int(rng.integers(max(1, d * (k - 1) + 1 - 2 * p), 14))
            for k, d, p in zip(kernel, dilation, padding, strict=True)]  # fmt: skip
    x = rng.standard_normal((int(rng.integers(1, 4)), channels, *size))
    w = rng.standard_normal((channels * multiplier, 1, *kernel))
    if rng.random() < 0.3:
        x = x[..., ::-1]  # a view with a negative stride
    if rng.random() < 0.4:
        x = x.copy()
        x.flat[rng.integers(0, x.size, 2)] = rng.choice([np.nan, np.inf, -np.inf], 2)
    if rng.random() < 0.3:
        w.flat[rng.integers(0, w.size)] = rng.choice([np.nan, np.inf, -np.inf, 0.0])
    options = dict(stride=stride, padding=padding, dilation=dilation, groups=channels)
    return x, w, options


def test_the_issue_layer_runs_the_depthwise_path():
    """8 x 2048 x 16 x 16, 3 x 3, padding 1, groups = channels: the direct depthwise path."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((8, 2048, 16, 16)).astype(np.float32)
    w = rng.standard_normal((2048, 1, 3, 3)).astype(np.float32)
    assert cc.conv_algorithm(x, w, padding=1, groups=2048) == "depthwise"
    with algorithms_run() as ran:
        ours = cc.conv2d(x, w, padding=1, groups=2048)
    assert ran == ["depthwise"]
    assert_direct(ours, x, w, padding=1, groups=2048)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_depthwise_matches_torch_on_random_layers(dtype):
    """300 drawn layers (multipliers, strides, dilations, paddings, views, NaN and inf),
    automatic and forced: every one is what torch computes in float64."""
    rng = np.random.default_rng(24)
    ran_depthwise = 0
    for _ in range(300):
        x, w, options = _random_layer(rng)
        x, w = x.astype(dtype), w.astype(dtype)
        with np.errstate(all="ignore"), algorithms_run() as ran:
            ours = cc.conv2d(x, w, **options)
        if options["groups"] > 1:  # unless every tap meets only padding
            assert ran == ([] if cc.conv_algorithm(x, w, **options) == "zeros" else ["depthwise"])
        ran_depthwise += ran == ["depthwise"]
        assert_direct(ours, x, w, **options)
        with cc.use_algorithm("depthwise"), np.errstate(all="ignore"):
            assert_direct(cc.conv2d(x, w, **options), x, w, **options)
    assert ran_depthwise > 150


def test_an_infinite_tap_times_padding_is_nan_as_in_the_definition():
    x = np.ones((1, 3, 5, 5))
    w = np.ones((6, 1, 3, 3))
    w[1, 0, 0, 0] = np.inf  # reads the padding above and left of the first row and column
    with algorithms_run() as ran, np.errstate(invalid="ignore"):  # inf * 0
        y = cc.conv2d(x, w, padding=1, groups=3)
    assert ran == ["depthwise"]
    assert np.isnan(y[0, 1, 0]).all() and np.isnan(y[0, 1, :, 0]).all()
    assert np.isposinf(y[0, 1, 1:, 1:]).all()
    assert_direct(y, x, w, padding=1, groups=3)


@pytest.mark.parametrize("batch_bytes", [1, 200, 2**20])
def test_blocks_of_images_and_of_rows_give_the_same_answer(batch_bytes, monkeypatch):
    """A tiny block size splits each image into blocks of rows (1 byte: one row at a time)."""
    monkeypatch.setattr(_conv_algorithms, "GROUP_BATCH_BYTES", batch_bytes)
    rng = np.random.default_rng(7)
    x = rng.standard_normal((3, 4, 13, 9))
    w = rng.standard_normal((8, 1, 3, 4))
    for options in [dict(padding=(2, 1)), dict(padding="same", dilation=(2, 1)),
                    dict(padding=(3, 0), stride=(2, 3))]:  # fmt: skip
        with algorithms_run() as ran:
            ours = cc.conv2d(x, w, groups=4, **options)
        assert ran == ["depthwise"]
        assert_direct(ours, x, w, groups=4, **options)


def test_the_rule_picks_depthwise_only_for_one_channel_groups():
    x = np.ones((2, 4, 40, 40))
    rule = cc.conv_algorithm
    assert rule(x, np.ones((8, 1, 3, 3)), groups=4) == "depthwise"
    assert rule(x, np.ones((4, 1, 3, 3)), groups=4, stride=2) == "depthwise"
    assert rule(x, np.ones((4, 2, 3, 3)), groups=2) == "shifted-gemm"  # two channels a group
    assert rule(x[:, :1], np.ones((4, 1, 3, 3))) == "shifted-gemm"  # one group
    assert rule(x, np.ones((4, 1, 11, 11)), groups=4) == "fft"  # 121 taps, data alike
    spoiled = x.copy()
    spoiled[0, 0, 3, 3] = np.inf  # not for the FFT: the direct depthwise sum
    assert rule(spoiled, np.ones((4, 1, 11, 11)), groups=4) == "depthwise"
    with cc.use_algorithm("depthwise"):
        assert rule(x[:, :1], np.ones((4, 1, 3, 3))) == "depthwise"  # forced: one group too
        assert rule(x, np.ones((4, 2, 3, 3)), groups=2) == "shifted-gemm"  # cannot: gives way
        assert rule(x, np.ones((4, 2, 3, 3)), groups=2, stride=2) == "im2col"
    with cc.use_algorithm("shifted-gemm"):
        assert rule(x, np.ones((4, 1, 3, 3)), groups=4) == "shifted-gemm"


def test_the_memory_stays_near_the_answer():
    """The output, and work arrays of about ``GROUP_BATCH_BYTES``: no padded copy of the batch."""
    rng = np.random.default_rng(8)
    x = rng.standard_normal((4, 256, 32, 32)).astype(np.float32)
    w = rng.standard_normal((256, 1, 3, 3)).astype(np.float32)
    _workspace.release_scratch()  # the work arrays are allocated, and traced, again
    y, peak = peak_bytes(lambda: cc.conv2d(x, w, padding=1, groups=256))
    budget = 1.25 * y.nbytes + 4 * _conv_algorithms.GROUP_BATCH_BYTES
    assert peak <= budget, f"{peak / 2**20:.1f} MiB > {budget / 2**20:.1f} MiB"


@pytest.mark.parametrize("batch_bytes", [1, 2**20])
def test_strided_layers_read_the_right_phase_images(batch_bytes, monkeypatch):
    """Strides 2 to 4 with dilations 1 to 3 (a tap's phase is ``d a mod s``), strides past
    the kernel's span, paddings wider than a stride, NaN and infinities: torch's answers."""
    monkeypatch.setattr(_conv_algorithms, "GROUP_BATCH_BYTES", batch_bytes)
    rng = np.random.default_rng(11)
    for _ in range(60):
        kernel = tuple(int(k) for k in rng.integers(1, 5, 2))
        dilation = tuple(int(d) for d in rng.integers(1, 4, 2))
        stride = tuple(int(s) for s in rng.integers(2, 5, 2))
        padding = tuple(int(p) for p in rng.integers(0, 5, 2))
        size = [int(rng.integers(max(1, d * (k - 1) + 1 - 2 * p), 17))
                for k, d, p in zip(kernel, dilation, padding, strict=True)]  # fmt: skip
        x = rng.standard_normal((2, 3, *size))
        x.flat[rng.integers(0, x.size, 2)] = [np.nan, np.inf]
        w = rng.standard_normal((6, 1, *kernel))
        options = dict(stride=stride, padding=padding, dilation=dilation, groups=3)
        with algorithms_run() as ran, np.errstate(all="ignore"):
            ours = cc.conv2d(x, w, **options)
        zeros = cc.conv_algorithm(x, w, **options) == "zeros"  # every tap meets only padding
        assert ran == ([] if zeros else ["depthwise"])
        assert_direct(ours, x, w, **options)


def test_strided_memory_stays_near_the_answer():
    """Stride 2: work arrays of about ``GROUP_BATCH_BYTES``, no padded copy of the batch."""
    rng = np.random.default_rng(9)
    x = rng.standard_normal((4, 64, 64, 64)).astype(np.float32)
    w = rng.standard_normal((64, 1, 3, 3)).astype(np.float32)
    _workspace.release_scratch()
    y, peak = peak_bytes(lambda: cc.conv2d(x, w, stride=2, padding=1, groups=64))
    budget = 1.25 * y.nbytes + 4 * _conv_algorithms.GROUP_BATCH_BYTES
    assert peak <= budget, f"{peak / 2**20:.1f} MiB > {budget / 2**20:.1f} MiB"


@pytest.mark.parametrize("batch_bytes", [1, 2**20])
def test_large_kernels_copy_once_per_kernel_column(batch_bytes, monkeypatch):
    """Kernels of 5 to 7 rows (one copy per kernel column, a product per kernel row):
    multipliers, dilations, blocks of rows, NaN and infinities, an infinite tap."""
    monkeypatch.setattr(_conv_algorithms, "GROUP_BATCH_BYTES", batch_bytes)
    calls = []
    products = _conv_algorithms._kernel_row_products
    monkeypatch.setattr(_conv_algorithms, "_kernel_row_products",
                        lambda *args: calls.append(1) or products(*args))  # fmt: skip
    rng = np.random.default_rng(5)
    for _ in range(30):
        kernel = (int(rng.integers(5, 8)), int(rng.integers(1, 8)))
        dilation = tuple(int(d) for d in rng.integers(1, 3, 2))
        padding = tuple(int(p) for p in rng.integers(0, 5, 2))
        size = [int(rng.integers(max(1, d * (k - 1) + 1 - 2 * p), 20))
                for k, d, p in zip(kernel, dilation, padding, strict=True)]  # fmt: skip
        channels, multiplier = int(rng.integers(1, 4)), int(rng.integers(1, 3))
        x = rng.standard_normal((2, channels, *size))
        x.flat[rng.integers(0, x.size, 2)] = [np.nan, -np.inf]
        w = rng.standard_normal((channels * multiplier, 1, *kernel))
        w.flat[rng.integers(0, w.size)] = np.inf
        options = dict(padding=padding, dilation=dilation, groups=channels)
        with cc.use_algorithm("depthwise"), np.errstate(all="ignore"):
            assert_direct(cc.conv2d(x, w, **options), x, w, **options)
    assert len(calls) >= 20  # (some draws crop the kernel to the taps that meet the image)
