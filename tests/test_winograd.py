"""Winograd's F(2 x 2, 3 x 3) and F(4 x 4, 3 x 3) (:mod:`cnncourse._winograd`) against the
definition and torch.

The algorithm is called directly (no rule in between) on hypothesis-drawn shapes and values,
mixed magnitudes included, and its rounding error is held to the bound it states
(:func:`cnncourse._winograd.error_bound`) in float32 and float64. Through the public
function, the automatic choice is spied on: where it runs Winograd, the answer is as
accurate as a direct sum's; special values never reach it.
"""

from unittest import mock

import numpy as np
import pytest
from forms import algorithms_run
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import cnncourse as cc
from cnncourse import _conv_algorithms, _winograd, bench

torch = pytest.importorskip("torch")
F = torch.nn.functional


def _magnitudes(dtype):
    """Finite values from 1e-3 to 1e6 in size (or 0), either sign: mixed magnitudes."""
    width = 32 if dtype == np.float32 else 64
    small = st.floats(-2.0, 2.0, width=width, allow_subnormal=False)
    sizes = st.sampled_from([1e-3, 1.0, 1e3, 1e6])
    mixed = st.builds(lambda v, s: v * s, small, sizes).map(dtype)
    return st.one_of(small, mixed)


@st.composite
def layers(draw, dense=False):
    """``(x, w, pads, dilation, groups)``: stride 1, kernels up to 3 x 3, drawn values."""
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    groups = 1 if dense else draw(st.integers(1, 2))
    c_in, c_out = groups * draw(st.integers(1, 3)), groups * draw(st.integers(1, 3))
    kernel = (3, 3) if dense else (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (1, 1) if dense else (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    pads = tuple((draw(st.integers(0, 2)), draw(st.integers(0, 2))) for _ in range(2))
    spatial = tuple(
        max(1, d * (k - 1) + 1 - p[0] - p[1]) + draw(st.integers(0, 7))
        for k, d, p in zip(kernel, dilation, pads, strict=True)
    )
    n = draw(st.integers(0, 2))
    x = draw(hnp.arrays(dtype, (n, c_in, *spatial), elements=_magnitudes(dtype)))
    w = draw(hnp.arrays(dtype, (c_out, c_in // groups, *kernel), elements=_magnitudes(dtype)))
    return x, w, pads, dilation, groups


def _torch64(x, w, pads, dilation=(1, 1), groups=1, absolute=False):
    """torch float64 on the padded input (``absolute``: of ``|x|`` and ``|w|``)."""
    (top, bottom), (left, right) = pads
    x = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (top, bottom), (left, right)))
    w = w.astype(np.float64)
    if absolute:
        x, w = np.abs(x), np.abs(w)
    return F.conv2d(torch.from_numpy(x), torch.from_numpy(w), dilation=dilation,
                    groups=groups).numpy()  # fmt: skip


def _reference_error(x, w, pads, dilation=(1, 1), groups=1):
    """The float64 reference's own rounding: a direct sum's bound, gamma_{9C+1} |x| * |w|."""
    k = 9 * w.shape[1] + 1
    eps = np.finfo(np.float64).eps
    return k * eps * _torch64(x, w, pads, dilation, groups, absolute=True)


@pytest.mark.parametrize("m", [2, 4])
@settings(max_examples=60, deadline=None)
@given(layer=layers(dense=True))
def test_winograd_holds_its_error_bound(m, layer):
    """3 x 3, no dilation or groups: |winograd - exact| <= error_bound, float32 and float64,
    F(2 x 2, 3 x 3) and F(4 x 4, 3 x 3)."""
    x, w, pads, _, _ = layer
    ours = _winograd.winograd(x, w, (1, 1), pads, (1, 1), 1, m=m)
    assert ours.dtype == x.dtype
    reference = _torch64(x, w, pads)
    assert ours.shape == reference.shape
    allowed = _winograd.error_bound(x, w, pads, m=m) + _reference_error(x, w, pads) + 1e-300
    error = np.abs(ours.astype(np.float64) - reference)
    assert np.all(error <= allowed), f"error {np.max(error / allowed):.3g} times the bound"


@pytest.mark.parametrize("m", [2, 4])
@settings(max_examples=40, deadline=None)
@given(layer=layers())
def test_winograd_matches_the_definition_and_torch(m, layer):
    """Smaller kernels, dilation, groups (sub-images and zero taps) and padding: within the
    bound's simple form, kappa gamma_{C+k} max|x| sum|w| (kappa = 16 for F(2, 3), 29.33^2
    for F(4, 3): :data:`~cnncourse._winograd.KAPPA`), of the definition (on the padded
    input) and of torch in float64 (plus their own rounding, a direct sum's)."""
    x, w, pads, dilation, groups = layer
    ours = _winograd.winograd(x, w, (1, 1), pads, dilation, groups, m=m).astype(np.float64)
    eps = np.finfo(x.dtype).eps
    k = w.shape[1] + _winograd.EXTRA_ROUNDINGS[m]
    largest = np.abs(x).max(initial=0) * np.abs(w).sum(axis=(1, 2, 3)).reshape(1, -1, 1, 1)
    gamma = k * eps / 2 / (1 - k * eps / 2)
    allowed = _winograd.KAPPA[m] * gamma * largest + _reference_error(x, w, pads, dilation, groups)
    (top, bottom), (left, right) = pads
    padded = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (top, bottom), (left, right)))
    defined = cc.conv2d_reference(padded, w.astype(np.float64), dilation=dilation, groups=groups)
    torch64 = _torch64(x, w, pads, dilation, groups)
    for name, reference in [("definition", defined), ("torch", torch64)]:
        assert ours.shape == reference.shape, name
        assert np.all(np.abs(ours - reference) <= allowed + 1e-300), name


@pytest.mark.parametrize("name", ["winograd", "winograd4"])
def test_winograd_through_conv2d_matches_the_reference_definition(name):
    """Forced through the public function (padding, a batch): the reference's answer."""
    rng = np.random.default_rng(3)
    x = rng.uniform(0.5, 1.5, (3, 4, 11, 10)) * rng.choice([-1, 1], (3, 4, 11, 10))
    w = rng.uniform(0.5, 1.5, (5, 4, 3, 3))
    with cc.use_algorithm(name), algorithms_run() as ran:
        ours = cc.conv2d(x, w, padding=1)
    assert ran == [name]
    np.testing.assert_allclose(ours, cc.conv2d_reference(x, w, padding=1), rtol=1e-12,
                               atol=1e-12)  # fmt: skip


ADVERSARIAL = ("none", "nan", "inf", "spike", "small half", "tiny tap", "overflow",
               "near the range", "mixed")  # fmt: skip


@st.composite
def adversarial_layers(draw, channels=(1, 4)):
    """A 3 x 3 layer on bounded data, spoiled by one special value or magnitude pattern.

    The structure (dtype, shape, which pattern, where, how large) is drawn and shrinks; the
    bulk values of 0.5 to 1.5 in size come from a drawn seed (wide layers: too many values
    for hypothesis to draw one by one). ``"near the range"``: one value just inside the
    spread the data check allows; ``"mixed"``: every value scaled by 10 to the power of a
    drawn exponent (0 to 6), per input channel and per row.
    """
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    c_in, c_out = draw(st.integers(*channels)), draw(st.integers(1, 4))
    h, w = draw(st.integers(3, 12)), draw(st.integers(3, 12))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = rng.uniform(0.5, 1.5, (2, c_in, h, w)) * rng.choice([-1, 1], (2, c_in, h, w))
    weight = rng.uniform(0.5, 1.5, (c_out, c_in, 3, 3)) * rng.choice([-1, 1], (c_out, c_in, 3, 3))
    special = draw(st.sampled_from(ADVERSARIAL))
    where = (draw(st.integers(0, 1)), draw(st.integers(0, c_in - 1)),
             draw(st.integers(0, h - 1)), draw(st.integers(0, w - 1)))  # fmt: skip
    if special in ("nan", "inf"):
        x[where] = np.nan if special == "nan" else np.inf
    elif special == "spike":
        x[where] = 1e8
    elif special == "small half":
        x[..., : h // 2, :] *= 1e-6
    elif special == "tiny tap":
        weight[:, :, 1, 1] = 1e-6
        x[where] = 1e4
    elif special == "overflow":
        big = 1e200 if dtype == np.float64 else 1e30  # big * big overflows
        x, weight = np.abs(x) * big, np.abs(weight) * big
    elif special == "near the range":
        x[where] = draw(st.floats(1, 16)) * np.sign(x[where])
    elif special == "mixed":
        channel_exponents = draw(hnp.arrays(np.int64, c_in, elements=st.integers(0, 6)))
        row_exponents = draw(hnp.arrays(np.int64, h, elements=st.integers(0, 6)))
        x *= 10.0 ** channel_exponents[:, None, None] * 10.0 ** row_exponents[:, None]
    return x.astype(dtype), weight.astype(dtype), draw(st.integers(0, 2)), special


def _check_the_automatic_choice(name, case):
    """Run ``conv2d`` with only ``name``'s thresholds lowered to 1 and check its answer."""
    x, w, padding, special = case
    thresholds = {"winograd": (None, (1, 1, 1, 1)), "winograd4": ((1, 1, 1, 1), None)}[name]
    with (
        mock.patch.object(_conv_algorithms, "WINOGRAD4_MIN", thresholds[0]),
        mock.patch.object(_conv_algorithms, "WINOGRAD_MIN", thresholds[1]),
        mock.patch.object(_conv_algorithms, "blas_threads", lambda: 1),
        np.errstate(all="ignore"),
        algorithms_run() as ran,
    ):
        ours = cc.conv2d(x, w, padding=padding)
    assert ran in ([name], ["shifted-gemm"])
    pads = ((padding, padding),) * 2
    reference = _torch64(x, w, pads)
    if special in ("nan", "inf", "overflow"):
        assert ran == ["shifted-gemm"], special
        if special != "overflow":
            np.testing.assert_array_equal(np.isnan(ours), np.isnan(reference))
    if ran == [name]:
        scale = _torch64(x, w, pads, absolute=True)
        allowed = 2 * (9 * w.shape[1] + 12) * np.finfo(x.dtype).eps * scale + 1e-300
        error = np.abs(ours.astype(np.float64) - reference)
        assert np.all(error <= allowed), (special, float(np.max(error / allowed)))
        bound = _winograd.error_bound(x, w, pads, m=_conv_algorithms.WINOGRADS[name])
        assert np.all(error <= bound + _reference_error(x, w, pads) + 1e-300)


@settings(max_examples=80, deadline=None)
@given(case=adversarial_layers())
def test_the_automatic_choice_keeps_f2_within_a_direct_sums_accuracy(case):
    """With the size thresholds lowered to 1 (every 3 x 3 layer of 1 to 4 channels qualifies
    by shape), the rule runs F(2, 3) only on data where its answer is within a direct sum's
    bound, ``2 (9 C + 12) eps (|x| * |w|)``, and its own; NaN, infinity, overflow and
    outliers go to the shifted GEMM, whose answer is torch's (NaN where torch's is)."""
    _check_the_automatic_choice("winograd", case)


@settings(max_examples=40, deadline=None)
@given(case=adversarial_layers(channels=(64, 66)))
def test_the_automatic_choice_keeps_f4_within_a_direct_sums_accuracy(case):
    """The same for F(4, 3), on layers as wide as those the rule gives it (64 input channels
    or more: :data:`~cnncourse._conv_algorithms.WINOGRAD4_MIN`), any image size."""
    _check_the_automatic_choice("winograd4", case)


def test_the_automatic_choice_takes_f4_on_the_wide_layer_only(monkeypatch):
    """Measured faster (:data:`~cnncourse._conv_algorithms.WINOGRAD4_MIN`, one BLAS thread):
    F(4 x 4, 3 x 3) on the 64-channel layer, the shifted GEMM on the CIFAR batch, on MNIST,
    on small images and on few channels; F(2 x 2, 3 x 3) never (it was not measured faster
    anywhere)."""
    monkeypatch.setattr(_conv_algorithms, "blas_threads", lambda: 1)
    rng = np.random.default_rng(0)
    wide = rng.standard_normal((8, 64, 56, 56)).astype(np.float32)
    w = rng.standard_normal((64, 64, 3, 3)).astype(np.float32)
    assert cc.conv_algorithm(wide, w, padding=1) == "winograd4"
    assert cc.conv_algorithm(wide[:4, :, :28, :28], w[:16]) == "winograd4"
    assert cc.conv_algorithm(wide[:2, :, :28, :28], w[:16]) == "shifted-gemm"  # few pixels
    assert cc.conv_algorithm(wide[:1], w, padding=1) == "winograd4"
    assert cc.conv_algorithm(wide, w[:8], padding=1) == "shifted-gemm"
    assert cc.conv_algorithm(wide[:, :32], w[:, :32], padding=1) == "shifted-gemm"
    assert _conv_algorithms.WINOGRAD_MIN is None
    cifar = rng.standard_normal((64, 3, 32, 32))
    assert cc.conv_algorithm(cifar, rng.standard_normal((16, 3, 3, 3))) == "shifted-gemm"
    mnist = rng.standard_normal((1, 1, 28, 28))
    assert cc.conv_algorithm(mnist, rng.standard_normal((1, 1, 3, 3))) == "shifted-gemm"
    assert cc.conv_algorithm(wide[:, :, :14, :14], w, padding=1) == "shifted-gemm"
    assert cc.conv_algorithm(wide, w, stride=2) == "im2col"
    assert cc.conv_algorithm(wide, w[:, :32], padding=1, groups=2) == "shifted-gemm"
    spiked = wide.copy()
    spiked[0, 0, 5, 5] = 1e8
    assert cc.conv_algorithm(spiked, w, padding=1) == "shifted-gemm"
    with cc.use_algorithm("winograd"):
        assert cc.conv_algorithm(wide, w, padding=1) == "winograd"


@pytest.mark.parametrize("m", [2, 4])
def test_winograd_blocks_and_a_forced_larger_kernel(m, monkeypatch):
    """Tiny blocks (many tile-row blocks, odd sizes) give the same answer; a forced 5 x 5
    kernel falls back to the shifted GEMM."""
    rng = np.random.default_rng(5)
    x, w = rng.standard_normal((3, 5, 13, 9)), rng.standard_normal((4, 5, 3, 3))
    whole = _winograd.winograd(x, w, (1, 1), ((1, 0), (2, 1)), (1, 1), 1, m=m)
    monkeypatch.setattr(_winograd, "BLOCK_BYTES", 64)
    blocked = _winograd.winograd(x, w, (1, 1), ((1, 0), (2, 1)), (1, 1), 1, m=m)
    np.testing.assert_allclose(blocked, whole, rtol=1e-13, atol=1e-13)
    name = {2: "winograd", 4: "winograd4"}[m]
    with cc.use_algorithm(name), algorithms_run() as ran:
        cc.conv2d(x, rng.standard_normal((4, 5, 5, 5)))
    assert ran == ["shifted-gemm"]
    with pytest.raises(ValueError, match="3 x 3"):
        _winograd.winograd(x, rng.standard_normal((4, 5, 5, 5)), (1, 1), ((0, 0),) * 2, (1, 1), 1)


def test_the_transforms_make_four_products_of_six():
    """1-D F(2, 3): A^T [(G g) * (B^T d)] is the correlation of d with g, 4 products."""
    d, g = np.array([1.0, 2.0, -1.0, 3.0]), np.array([0.5, -2.0, 1.0])
    y = _winograd.AT @ ((_winograd.G @ g) * (_winograd.BT @ d))
    np.testing.assert_allclose(y, np.correlate(d, g, mode="valid"))
    assert (_winograd.G @ g).size == 4


def test_f4_makes_six_products_of_twelve_and_its_constants():
    """1-D F(4, 3): 6 products for 4 outputs (12 directly); 2-D: 36 for 16 (144). The
    constants of :func:`~cnncourse._winograd.error_bound`: sum_p K[i, a, p] at most 4 for
    F(2, 3) and 29.33 for F(4, 3), so kappa = 16 and 29.33^2."""
    rng = np.random.default_rng(1)
    for _ in range(20):
        d, g = rng.standard_normal(6), rng.standard_normal(3)
        y = _winograd.AT4 @ ((_winograd.G4 @ g) * (_winograd.BT4 @ d))
        np.testing.assert_allclose(y, np.correlate(d, g, mode="valid"), atol=1e-13)
    assert _winograd.G4.shape[0] == 6 and 6**2 == 36 and (4 * 4) * 9 == 144
    for m in (2, 4):
        bt, g, at = (np.abs(a) for a in _winograd.TRANSFORMS[m])
        k = np.einsum("ri,ra,rp->iap", at.T, g, bt)
        assert np.isclose(k.sum(axis=2).max() ** 2, _winograd.KAPPA[m])
    assert _winograd.KAPPA[2] == 16 and round(_winograd.KAPPA[4], 1) == 860.4


def test_the_rule_is_the_region_where_f4_was_measured_faster(monkeypatch):
    """:data:`~cnncourse.bench.WINOGRAD_RULE_SWEEP`, the measurements behind the rule: F(4, 3)
    was faster than the shifted GEMM on every layer the rule gives it, and faster than
    F(2, 3) on all but one; outside, at 14 pixels a side or with 16 input channels or fewer,
    it lost on most layers; on fewer images (``WINOGRAD_BATCH_SWEEP``), it won by more than
    10% exactly where the batch holds 56 x 56 pixels or more."""
    c_in, c_out, pixels, batch_pixels = _conv_algorithms.WINOGRAD4_MIN
    rows = bench.WINOGRAD_RULE_SWEEP  # 8 images each
    inside = [r for r in rows if r[0] >= c_in and r[1] >= c_out and r[2] ** 2 >= pixels]
    assert len(inside) == 12 and max(r[3] for r in inside) <= 0.85
    assert sum(r[4] < r[3] for r in inside) <= 1
    few = [r for r in rows if r[2] == 14 or r[0] <= 16]
    assert sum(r[3] > 1 for r in few) > 0.8 * len(few)
    fewer = bench.WINOGRAD_BATCH_SWEEP  # (images, C, side, F(4, 3), F(2, 3))
    assert all((r[0] * r[2] ** 2 >= batch_pixels) == (r[3] < 0.9) for r in fewer)
    monkeypatch.setattr(_conv_algorithms, "blas_threads", lambda: 1)  # as measured
    rng = np.random.default_rng(1)
    for c, o, side, *_ in rows:
        x, w = rng.standard_normal((8, c, side, side)), rng.standard_normal((o, c, 3, 3))
        expected = "winograd4" if (c, o, side) in {r[:3] for r in inside} else "shifted-gemm"
        assert cc.conv_algorithm(x, w, padding=1) == expected


def test_a_window_made_of_one_spike_goes_to_a_direct_method():
    """Found by the test above: a 3 x 3 image whose one window is a spike (1e4) read by a
    tiny tap (1e-6). The spread test passes (the spike's window is the smallest), F(2, 3)
    was 24 times a direct sum's bound off; the dominance test now sends it to the GEMM."""
    rng = np.random.default_rng(0)
    x = rng.uniform(0.5, 1.5, (2, 1, 3, 3)).astype(np.float32)
    w = rng.uniform(0.5, 1.5, (1, 1, 3, 3)).astype(np.float32)
    x[0, 0, 1, 1], w[0, 0, 1, 1] = 1e4, 1e-6
    assert not _conv_algorithms.winograd_is_exact(x, w, ((0, 0), (0, 0)))
    _check_the_automatic_choice("winograd", (x, w, 0, "tiny tap"))


def _wide_layer():
    """The 64-channel layer of the book: 8 x 64 x 56 x 56 -> 64, 3 x 3, padding 1."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((8, 64, 56, 56)).astype(np.float32)
    return x, rng.standard_normal((64, 64, 3, 3)).astype(np.float32)


def test_the_rule_takes_f4_with_one_blas_thread_only():
    """The thread count is part of the rule (:data:`~cnncourse._conv_algorithms.
    WINOGRAD_MAX_THREADS`): on the 64-channel layer F(4, 3) with one BLAS thread, the
    shifted GEMM with two or more, given or read from the BLAS (here under
    ``threadpool_limits``, as a reader would set it); the answer stays torch's either way."""
    threadpoolctl = pytest.importorskip("threadpoolctl")
    x, w = _wide_layer()
    pads = ((1, 1), (1, 1))
    assert _conv_algorithms.WINOGRAD_MAX_THREADS == 1
    for threads, expected in ((1, "winograd4"), (2, "shifted-gemm"), (16, "shifted-gemm")):
        assert _conv_algorithms.choose(w.shape, (1, 1), x, w, pads, threads=threads) == expected
    reference = F.conv2d(torch.from_numpy(x[:1]).double(), torch.from_numpy(w).double(),
                         padding=1).numpy()  # fmt: skip
    for threads, expected in ((2, "shifted-gemm"), (1, "winograd4"), (2, "shifted-gemm")):
        with threadpoolctl.threadpool_limits(threads, user_api="blas"):
            assert _winograd.blas_threads() == threads
            assert cc.conv_algorithm(x, w, padding=1) == expected
            with algorithms_run() as ran:
                ours = cc.conv2d(x[:1], w, padding=1)  # one image of 56 x 56: still the rule's
            assert ran == [expected]
            np.testing.assert_allclose(ours, reference, rtol=1e-4, atol=1e-3)


def test_a_small_layer_does_not_read_the_thread_count(monkeypatch):
    """``choose`` is on every call's path: a layer that fails the shape test (MNIST, the
    CIFAR batch, 32 channels, 14 x 14 images) never asks the BLAS for its threads."""

    def unread():
        raise AssertionError("the thread count was read")

    monkeypatch.setattr(_conv_algorithms, "blas_threads", unread)
    rng = np.random.default_rng(2)
    for x_shape, w_shape in [
        ((1, 1, 28, 28), (1, 1, 3, 3)),
        ((64, 3, 32, 32), (16, 3, 3, 3)),
        ((8, 32, 56, 56), (64, 32, 3, 3)),
        ((8, 64, 14, 14), (64, 64, 3, 3)),
    ]:
        x, w = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
        assert cc.conv_algorithm(x, w, padding=1) == "shifted-gemm"
        cc.conv2d(x, w, padding=1)


def test_blas_threads_is_looked_up_once_then_read_from_the_library(monkeypatch):
    """The BLAS library is found once (``threadpoolctl``'s look-up is slow), then its own
    thread count is read on each call: a later ``threadpool_limits`` is seen, nothing stale."""
    threadpoolctl = pytest.importorskip("threadpoolctl")
    looked_up = []
    query = _winograd._blas_query
    monkeypatch.setattr(_winograd, "_blas", {})
    monkeypatch.setattr(_winograd, "_blas_query", lambda: looked_up.append(1) or query())
    seen = []
    for threads in (1, 2, 1, 3):
        with threadpoolctl.threadpool_limits(threads, user_api="blas"):
            seen.append(_winograd.blas_threads())
    assert seen == [1, 2, 1, 3] and looked_up == [1]


def test_blas_threads_without_threadpoolctl(monkeypatch):
    """Without ``threadpoolctl`` the count cannot change while the program runs: it is the
    one OpenBLAS starts with, from its environment variables, else the usable cores."""
    monkeypatch.setitem(__import__("sys").modules, "threadpoolctl", None)  # import fails
    for name in ("OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    assert _winograd._blas_query()() == 3
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "5")
    assert _winograd._blas_query()() == 5
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
        monkeypatch.delenv(name)
    assert _winograd._blas_query()() >= 1


def test_the_thread_rule_is_what_was_measured():
    """:data:`~cnncourse.bench.WINOGRAD_THREAD_SWEEP`: on the 12 layers of the rule's region
    F(4, 3) beat the shifted GEMM with one thread (median 0.75 of its time) and tied with
    two (median 1.00); its own time hardly changes with the threads (median 0.97), the
    shifted GEMM's falls (median 0.72). On the book's layer, 13.6 -> 14.6 ms against
    24.6 -> 15.5 ms."""
    rows = {r[:4]: r[4:] for r in bench.WINOGRAD_THREAD_SWEEP}  # -> (shifted, im2col, F(4,3))
    region = [k[:3] for k in rows if k[0] >= 64 and k[3] == 1]
    assert len(region) == 12 and len(rows) == 36

    def median(values):
        return float(np.median(values))

    f4 = {t: [rows[(*k, t)][2] / rows[(*k, t)][0] for k in region] for t in (1, 2)}
    assert round(median(f4[1]), 2) == 0.75 and min(f4[1]) < 0.56 and max(f4[1]) < 1.05
    assert round(median(f4[2]), 2) == 1.0 and min(f4[2]) > 0.88
    own = [rows[(*k, 2)][2] / rows[(*k, 1)][2] for k in region]
    gemm = [rows[(*k, 2)][0] / rows[(*k, 1)][0] for k in region]
    assert round(median(own), 2) == 0.97 and round(median(gemm), 2) == 0.72
    assert rows[(64, 64, 56, 1)][::2] == (24.59, 13.59)
    assert rows[(64, 64, 56, 2)][::2] == (15.52, 14.55)
