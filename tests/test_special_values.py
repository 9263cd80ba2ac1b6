"""Special values (NaN, ±inf, overflow, large dynamic range) give the reference's answer.

For every NumPy convolution algorithm and both backends, property-based (hypothesis) inputs
with special values at drawn positions are compared with ``torch.nn.functional`` in
float64 (cast to the input's dtype): NaN and ±inf exactly where the reference has them, and
elsewhere an error within the dtype's accuracy, ``2 (k + log2 n) eps (|x| * |w|)`` at each
output (``k`` taps, ``n`` pixels, ``eps`` the dtype's precision, ``|x| * |w|`` the
correlation of the magnitudes): a direct sum's bound, plus the roundings of a transform.
The FFT misses that bound on such inputs unless the rule routes them away.

Profiles: ``HYPOTHESIS_PROFILE=ci`` draws more examples than the default ``dev``.
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import cnncourse as cc
from cnncourse import _conv_algorithms

torch = pytest.importorskip("torch")
F = torch.nn.functional


SPECIALS = ("none", "nan", "inf", "-inf", "spike", "small half", "zero block", "overflow")


@st.composite
def conv_cases(draw):
    """A convolution with a special value of one class at drawn positions."""
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    kh, kw = draw(st.integers(1, 13)), draw(st.integers(1, 13))
    h, w = kh + draw(st.integers(0, 9)), kw + draw(st.integers(0, 9))
    batch, c_in, c_out = draw(st.integers(1, 2)), draw(st.integers(1, 2)), draw(st.integers(1, 2))
    padding = draw(st.integers(0, 2))
    seed = draw(st.integers(0, 2**31 - 1))
    special = draw(st.sampled_from(SPECIALS))
    in_kernel = draw(st.booleans())  # put the special value in the kernel instead
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch, c_in, h, w))
    weight = rng.standard_normal((c_out, c_in, kh, kw))
    target = weight if in_kernel else x
    where = tuple(int(rng.integers(0, n)) for n in target.shape)
    if special in ("nan", "inf", "-inf"):
        target[where] = {"nan": np.nan, "inf": np.inf, "-inf": -np.inf}[special]
    elif special == "spike":
        target[where] = 1e8
    elif special == "small half":
        x[..., : h // 2, :] *= 1e-6
    elif special == "zero block":
        x[..., : h // 2, : w // 2] = 0.0
    elif special == "overflow":  # same signs, so the true answer is +inf, not inf - inf
        big = 1e200 if dtype == np.float64 else 1e30
        x, weight = np.abs(x), np.abs(weight)
        target = weight if in_kernel else x
        target[where] = big
        (x if in_kernel else weight)[...] *= big
    return x.astype(dtype), weight.astype(dtype), padding, special


def _reference(x, weight, padding):
    """torch float64, cast to the input's dtype (so overflow becomes inf there too)."""
    to64 = [torch.from_numpy(a.astype(np.float64)) for a in (x, weight)]
    exact = F.conv2d(*to64, padding=padding).numpy()
    with np.errstate(over="ignore", invalid="ignore"):  # overflow to inf is the answer
        magnitude = F.conv2d(*[t.abs() for t in to64], padding=padding).numpy()
        return exact.astype(x.dtype), magnitude


def _assert_as_accurate_as_a_direct_sum(ours, x, weight, padding, label):
    reference, magnitude = _reference(x, weight, padding)
    ours = ours.numpy() if isinstance(ours, torch.Tensor) else ours
    assert ours.dtype == x.dtype, label
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(reference), err_msg=label)
    np.testing.assert_array_equal(np.isposinf(ours), np.isposinf(reference), err_msg=label)
    np.testing.assert_array_equal(np.isneginf(ours), np.isneginf(reference), err_msg=label)
    finite = np.isfinite(reference) & np.isfinite(magnitude)
    # A direct sum of k products is within 2 k eps (|x| * |w|) (Higham's bound); a transform
    # of n points adds about log2 n more roundings.
    terms = weight[0].size + np.log2(np.prod(x.shape[2:]) + 2 * padding + 1)
    bound = 2 * terms * np.finfo(x.dtype).eps * magnitude[finite] + np.finfo(x.dtype).tiny
    error = np.abs(ours[finite].astype(np.float64) - reference[finite].astype(np.float64))
    worst = np.max(error / bound, initial=0)
    assert worst <= 1, f"{label}: error {worst:.3g} times a direct sum's bound"


@pytest.mark.parametrize("algorithm", ["auto", *_conv_algorithms.ALGORITHMS])
@given(case=conv_cases())
def test_conv2d_special_values_match_torch_float64(algorithm, case):
    x, weight, padding, special = case
    label = f"{algorithm} {special} x{x.shape} w{weight.shape} p{padding} {x.dtype}"
    with np.errstate(all="ignore"):
        if algorithm == "auto":
            ours = cc.conv2d(x, weight, padding=padding)
        else:
            with _conv_algorithms.forced(algorithm):
                ours = cc.conv2d(x, weight, padding=padding)
    _assert_as_accurate_as_a_direct_sum(ours, x, weight, padding, label)
    if algorithm == "auto":
        _assert_torch_backend_is_torch(x, weight, padding)


def _assert_torch_backend_is_torch(x, weight, padding):
    """The torch backend gives torch's own answer in the input's dtype, special values too.

    (Torch itself is not consistent here: on the CPU its float32 convolution skips the zero
    padding, so a NaN tap spreads less than in float64, where 0 x NaN = NaN is computed.
    The NumPy backend follows float64, which is IEEE arithmetic on the padded input.)
    """
    tensors = torch.from_numpy(x), torch.from_numpy(weight)
    ours = cc.conv2d(*tensors, padding=padding).numpy()
    np.testing.assert_array_equal(ours, F.conv2d(*tensors, padding=padding).numpy())


def test_the_fft_rule_routes_the_issue_examples_away():
    """The examples of the reliability pass: a 31 x 31 kernel picks the FFT on plain data."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((1, 1, 96, 96)).astype(np.float32)
    w = rng.standard_normal((1, 1, 31, 31)).astype(np.float32)
    pads = ((0, 0), (0, 0))
    assert _conv_algorithms.choose(w.shape, (1, 1), x, w, pads) == "fft"
    for value in (np.nan, np.inf, -np.inf, 1e8):
        spoiled = x.copy()
        spoiled[0, 0, 40, 40] = value
        assert _conv_algorithms.choose(w.shape, (1, 1), spoiled, w, pads) == "shifted-gemm"
        with np.errstate(all="ignore"):
            ours = cc.conv2d(spoiled, w)
        _assert_as_accurate_as_a_direct_sum(ours, spoiled, w, 0, f"value {value}")
    spoiled_kernel = w.copy()
    spoiled_kernel[0, 0, 3, 3] = np.inf
    assert _conv_algorithms.choose(w.shape, (1, 1), x, spoiled_kernel, pads) == "shifted-gemm"


# --------------------------------------------------------------------------- 1-D signals


@st.composite
def signal_cases(draw):
    n, k = draw(st.integers(1, 12)), draw(st.integers(1, 12))
    seed = draw(st.integers(0, 2**31 - 1))
    special = draw(st.sampled_from(["nan", "inf", "-inf", "none"]))
    in_kernel = draw(st.booleans())
    rng = np.random.default_rng(seed)
    x, w = rng.standard_normal(n), rng.standard_normal(k)
    target = w if in_kernel else x
    if special != "none":
        target[int(rng.integers(0, target.size))] = float(special)
    return x, w, draw(st.sampled_from(["full", "same", "valid"]))


@given(case=signal_cases())
def test_convolve_1d_special_values_match_numpy(case):
    """numpy.convolve never multiplies by padding: an inf tap gives no NaN where it misses x."""
    x, w, mode = case
    if len(w) > len(x) and mode != "full":  # numpy.convolve swaps; scipy's rule is ours
        x, w = w, x
    expected = np.convolve(x, w, mode)
    for backend in (np.asarray, torch.from_numpy):
        with np.errstate(all="ignore"):
            ours = cc.convolve(backend(x), backend(w), mode)
            flipped = cc.correlate(backend(x), backend(w[::-1].copy()), mode)
        for result in (ours, flipped):
            result = np.asarray(result)
            np.testing.assert_array_equal(np.isnan(result), np.isnan(expected))
            np.testing.assert_array_equal(np.isinf(result), np.isinf(expected))
            finite = np.isfinite(expected)
            np.testing.assert_allclose(result[finite], expected[finite], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    "x, w",
    [
        (np.array([True, False, True, True]), np.array([True, True])),
        (np.array([3, -1, 4, 1, 5], dtype=np.int64), np.array([2, 7], dtype=np.int64)),
        (np.array([1, 0, 2], dtype=np.int32), np.array([True, False])),
    ],
    ids=["bool", "int64", "int32 and bool"],
)
def test_bool_and_integer_signals_same_on_both_backends(x, w):
    for mode in ("full", "same", "valid"):
        expected = np.convolve(x, w, mode)
        ours = cc.convolve(x, w, mode)
        tensors = cc.convolve(torch.from_numpy(x), torch.from_numpy(w), mode).numpy()
        assert ours.dtype == expected.dtype == tensors.dtype, mode
        np.testing.assert_array_equal(ours, expected)
        np.testing.assert_array_equal(tensors, expected)


def test_forced_fft_gives_way_when_a_padded_output_reads_one_small_tap():
    """Found by the ``ci`` profile: a 2 x 2 kernel with a tap 25 times smaller than the
    others, padding 1: a corner output reads ``x`` through that tap alone, far below the
    FFT's error. Small (forced) kernels read through one or two taps need those of one size."""
    x = np.array([[[[0.346, 0.822, 0.330], [-1.303, 0.905, 0.446]]]], dtype=np.float32)
    w = np.array([[[[-0.537, 0.581], [0.365, 0.294]]], [[[0.0284, 0.547], [-0.736, -0.163]]]],
                 dtype=np.float32)  # fmt: skip
    with _conv_algorithms.forced("fft"):
        assert cc.conv_algorithm(x, w, padding=1) == "shifted-gemm"
        ours = cc.conv2d(x, w, padding=1)
    _assert_as_accurate_as_a_direct_sum(ours, x, w, 1, "one small tap")
