"""Pooling: torch's answers, indices, dtypes and argument forms, on both backends.

The reference is ``torch.nn.functional`` in float64, called directly. Hypothesis draws the
configurations (batch 0 and unbatched inputs, channels, kernels, strides including ``None``
and ``()``, paddings, dilations, ceil_mode, count_include_pad, divisor_override, output
sizes, each per-axis argument as an int, a tuple or a one-element tuple where torch takes
it) and shrinks a failure to the smallest one. Max pooling's inputs have ties (small
integers), NaN and ±inf at drawn positions, so that the index rule (first maximum in
row-major order; the last NaN) is exercised, not only the values. Profiles: see
``tests/conftest.py`` (``HYPOTHESIS_PROFILE=ci`` draws more).
"""

import math

import numpy as np
import pytest
from forms import FORMS, peak_bytes, per_axis
from hypothesis import given
from hypothesis import strategies as st

import cnncourse as cc

torch = pytest.importorskip("torch")
F = torch.nn.functional


def _both(function, x, *args, **kwargs):
    """``function`` on a NumPy array and on a tensor, both answers as NumPy."""
    ours = function(x, *args, **kwargs)
    theirs = function(torch.from_numpy(x), *args, **kwargs)
    if isinstance(ours, tuple):
        return [tuple(np.asarray(a) for a in ours), tuple(t.numpy() for t in theirs)]
    return [ours, theirs.numpy()]


def _stride(draw, n):
    """``None`` or an empty tuple (torch: the kernel size), or 1 to 3 in a drawn form."""
    form = draw(st.sampled_from(["given", "none", "empty"]))
    if form == "given":
        return per_axis(draw, 1, (3,) * n)[0]
    return None if form == "none" else ()


@st.composite
def pool_geometry(draw, n, dilation=True, padding=True, kernel_forms=FORMS):
    """A valid pooling: an input shape (batch 0 and unbatched included) and the arguments."""
    kernel, kernels = per_axis(draw, 1, (4,) * n, kernel_forms)
    kwargs = dict(kernel_size=kernel, stride=_stride(draw, n), ceil_mode=draw(st.booleans()))
    pads, dilations = (0,) * n, (1,) * n
    if padding:  # torch: at most half the kernel
        kwargs["padding"], pads = per_axis(draw, 0, tuple(k // 2 for k in kernels))
    if dilation:
        kwargs["dilation"], dilations = per_axis(draw, 1, (2,) * n)
    spatial = tuple(
        max(1, d * (k - 1) + 1 - 2 * p) + draw(st.integers(0, 6))
        for k, d, p in zip(kernels, dilations, pads, strict=True)
    )
    channels = draw(st.integers(1, 3))
    batched = (draw(st.integers(0, 2)), channels, *spatial)
    return (batched[1:] if draw(st.booleans()) else batched), kwargs


@st.composite
def ties_and_specials(draw, shape):
    """Small integers (many ties), with NaN and ±inf at drawn positions."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = rng.integers(-3, 4, size=shape).astype(np.float64)
    if x.size:
        for value in draw(st.lists(st.sampled_from([np.nan, -np.inf, np.inf]), max_size=3)):
            x[tuple(int(rng.integers(0, s)) for s in x.shape)] = value
    return x


def _normal(draw, shape):
    return np.random.default_rng(draw(st.integers(0, 2**32 - 1))).standard_normal(shape)


def _assert_same(ours, reference):
    np.testing.assert_array_equal(ours, reference)  # NaN equal to NaN here
    assert ours.shape == reference.shape
    assert ours.dtype == reference.dtype


@pytest.mark.parametrize("n", [1, 2])
@given(data=st.data())
def test_max_pool_values_and_indices_match_torch(n, data):
    shape, kwargs = data.draw(pool_geometry(n), label="geometry")
    x = data.draw(ties_and_specials(shape), label="input")
    function = getattr(cc, f"max_pool{n}d")
    reference = getattr(F, f"max_pool{n}d")(torch.from_numpy(x), **kwargs, return_indices=True)
    for values, indices in _both(function, x, **kwargs, return_indices=True):
        _assert_same(values, reference[0].numpy())
        _assert_same(indices, reference[1].numpy())
    for values in _both(function, x, **kwargs):
        _assert_same(values, reference[0].numpy())


@pytest.mark.parametrize("n", [1, 2])
@given(data=st.data())
def test_avg_pool_matches_torch(n, data):
    shape, kwargs = data.draw(pool_geometry(n, dilation=False), label="geometry")
    kwargs["count_include_pad"] = data.draw(st.booleans())
    if n == 2 and data.draw(st.booleans()):  # avg_pool1d has no divisor_override
        kwargs["divisor_override"] = data.draw(st.integers(-3, 5).filter(bool))
    x = _normal(data.draw, shape)
    reference = getattr(F, f"avg_pool{n}d")(torch.from_numpy(x), **kwargs).numpy()
    for ours in _both(getattr(cc, f"avg_pool{n}d"), x, **kwargs):
        assert ours.shape == reference.shape
        np.testing.assert_allclose(ours, reference, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("n", [1, 2])
@given(data=st.data())
def test_lp_pool_matches_torch(n, data):
    """Non-negative inputs (torch's Lp pool of negative values is not a norm for odd p)."""
    forms = ("int",) if n == 1 else ("int", "tuple")  # torch's lp_pool refuses (k,)
    geometry = pool_geometry(n, dilation=False, padding=False, kernel_forms=forms)
    shape, kwargs = data.draw(geometry, label="geometry")
    norm_type = data.draw(st.sampled_from([1.0, 2, 2.0, 3.5]), label="norm_type")
    x = np.abs(_normal(data.draw, shape))
    reference = getattr(F, f"lp_pool{n}d")(torch.from_numpy(x), norm_type, **kwargs).numpy()
    for ours in _both(getattr(cc, f"lp_pool{n}d"), x, norm_type, **kwargs):
        assert ours.shape == reference.shape
        np.testing.assert_allclose(ours, reference, rtol=1e-10, atol=1e-12)


@st.composite
def adaptive_sizes(draw, n):
    """An output size as torch takes it: an int, a tuple, or (2-D) a pair with ``None``."""
    size, sizes = per_axis(draw, 1, (7,) * n, ("int", "tuple"))
    if n == 2 and draw(st.booleans()):
        size = sizes = tuple(None if draw(st.booleans()) else s for s in sizes)
    return size


@pytest.mark.parametrize("n", [1, 2])
@given(data=st.data())
def test_adaptive_pools_match_torch(n, data):
    spatial = tuple(data.draw(st.integers(1, 11)) for _ in range(n))
    batched = (data.draw(st.integers(0, 2)), data.draw(st.integers(1, 3)), *spatial)
    shape = batched[1:] if data.draw(st.booleans()) else batched
    size = data.draw(adaptive_sizes(n), label="output_size")
    x = data.draw(ties_and_specials(shape), label="input")
    t = torch.from_numpy(x)
    values, indices = getattr(F, f"adaptive_max_pool{n}d")(t, size, return_indices=True)
    for ours in _both(getattr(cc, f"adaptive_max_pool{n}d"), x, size, return_indices=True):
        _assert_same(ours[0], values.numpy())
        _assert_same(ours[1], indices.numpy())
    for ours in _both(getattr(cc, f"adaptive_max_pool{n}d"), x, size):
        _assert_same(ours, values.numpy())
    x = _normal(data.draw, shape)  # averages of ties would hide a wrong window
    average = getattr(F, f"adaptive_avg_pool{n}d")(torch.from_numpy(x), size).numpy()
    for ours in _both(getattr(cc, f"adaptive_avg_pool{n}d"), x, size):
        assert ours.shape == average.shape
        np.testing.assert_allclose(ours, average, rtol=1e-12, atol=1e-12)


def test_unbatched_indices_and_the_pooling_chapter_use():
    """Indices say which input won: gathering them gives the values back."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((3, 7, 9))
    values, indices = cc.max_pool2d(x, 3, stride=2, padding=1, return_indices=True)
    gathered = np.take_along_axis(x.reshape(3, -1), indices.reshape(3, -1), axis=1)
    np.testing.assert_array_equal(gathered.reshape(values.shape), values)
    reference = F.max_pool2d(torch.from_numpy(x), 3, 2, 1, return_indices=True)
    np.testing.assert_array_equal(indices, reference[1].numpy())


# --------------------------------------------------------------------------- dtypes


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("n", [1, 2])
def test_lp_pool_keeps_the_input_dtype(dtype, n):
    rng = np.random.default_rng(5)
    x = np.abs(rng.standard_normal((2, 3, *(8,) * n))).astype(dtype)
    function = getattr(cc, f"lp_pool{n}d")
    reference = getattr(F, f"lp_pool{n}d")(torch.from_numpy(x).double(), 2.0, 2, 2).numpy()
    for ours in _both(function, x, 2.0, 2, 2):
        assert ours.dtype == dtype
        tolerance = {np.float16: 2e-3, np.float32: 1e-6, np.float64: 1e-12}[dtype]
        np.testing.assert_allclose(ours, reference, rtol=tolerance, atol=tolerance)


@pytest.mark.parametrize(
    "name, args",
    [
        ("avg_pool2d", (4,)),
        ("avg_pool1d", (16,)),
        ("adaptive_avg_pool2d", (1,)),
        ("adaptive_avg_pool1d", (1,)),
        ("global_avg_pool2d", ()),
    ],
)
def test_float16_averages_do_not_overflow(name, args):
    """16 values of 60000 sum past float16's largest (65504); torch sums wider, so do we."""
    n = 1 if name.endswith("1d") else 2
    x = np.full((1, 1, *(4,) * n) if n == 2 else (1, 1, 16), 60000.0, dtype=np.float16)
    for ours in _both(getattr(cc, name), x, *args):
        assert ours.dtype == np.float16
        np.testing.assert_array_equal(ours, np.full(ours.shape, 60000.0, dtype=np.float16))
    if name != "global_avg_pool2d":
        reference = getattr(F, name)(torch.from_numpy(x), *args).numpy()
        np.testing.assert_array_equal(reference, np.full(reference.shape, 60000.0))


# --------------------------------------------------------------------------- argument forms


@pytest.mark.parametrize(
    "name, kwargs",
    [
        ("max_pool2d", dict(kernel_size=(3,), stride=None)),
        ("max_pool2d", dict(kernel_size=3, stride=())),
        ("max_pool2d", dict(kernel_size=3, stride=[])),
        ("max_pool2d", dict(kernel_size=3, stride=(2,), padding=(1,))),
        ("avg_pool2d", dict(kernel_size=(2,), stride=())),
        ("avg_pool2d", dict(kernel_size=3, stride=1, padding=1, divisor_override=2)),
        ("lp_pool2d", dict(norm_type=2, kernel_size=2, stride=None)),
        ("max_pool1d", dict(kernel_size=(3,), stride=())),
    ],
)
def test_torch_argument_forms(name, kwargs):
    """One-element tuples broadcast; ``None`` or an empty stride means the kernel size."""
    rng = np.random.default_rng(9)
    x = rng.standard_normal((2, 3, 9) if name.endswith("1d") else (2, 3, 9, 9))
    reference = getattr(F, name)(torch.from_numpy(x), **kwargs).numpy()
    for ours in _both(getattr(cc, name), x, **kwargs):
        np.testing.assert_allclose(ours, reference, rtol=1e-12, atol=1e-12)


def test_conv_one_element_tuples_broadcast():
    rng = np.random.default_rng(10)
    x, w = rng.standard_normal((1, 2, 9, 9)), rng.standard_normal((3, 2, 3, 3))
    reference = F.conv2d(torch.from_numpy(x), torch.from_numpy(w), None, (2,), (1,), (2,))
    ours = cc.conv2d(x, w, None, (2,), (1,), (2,))
    tensors = cc.conv2d(torch.from_numpy(x), torch.from_numpy(w), None, (2,), (1,), (2,))
    np.testing.assert_allclose(ours, reference.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(tensors.numpy(), reference.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("n", [1, 2])
@pytest.mark.parametrize("norm_type", [-1.0, -3.0, 1.0])
def test_lp_pool_negative_zero_power_sum_as_torch(n, norm_type):
    """Issue 24, item 3: a window whose power sum is -0.0 ((-inf)^-1 = -0.0) gives +inf."""
    x = np.array([[[-np.inf, -np.inf, -0.0, -0.0, 2.0, -np.inf]]])
    if n == 2:
        x = np.stack([x, x], axis=-2)
    function = getattr(cc, f"lp_pool{n}d")
    with np.errstate(all="ignore"):
        reference = getattr(F, f"lp_pool{n}d")(torch.from_numpy(x), norm_type, 2).numpy()
        for ours in _both(function, x, norm_type, 2):
            np.testing.assert_array_equal(ours, reference)
            np.testing.assert_array_equal(np.signbit(ours), np.signbit(reference))


# --------------------------------------------------------------------------- memory


@pytest.mark.parametrize("name", ["max_pool2d", "avg_pool2d"])
def test_huge_pooling_window_on_a_tiny_input_needs_no_huge_array(name):
    """A 16001 x 16001 window with 8000 padding on one pixel: torch answers at once."""
    x = np.array([[[[2.5]]]])
    y, peak = peak_bytes(lambda: getattr(cc, name)(x, 16001, stride=1, padding=8000))
    reference = getattr(F, name)(torch.from_numpy(x), 16001, 1, 8000).numpy()
    np.testing.assert_allclose(y, reference, rtol=1e-12)
    assert peak < 8 * 2**20, f"{peak / 2**20:.0f} MiB for a 1 x 1 answer"


@pytest.mark.parametrize(
    "name, shape, args",
    [
        ("max_pool1d", (1, 1, 8), (2000001, 1, 1000000)),
        ("avg_pool2d", (1, 1, 8, 8), (200001, 1, 100000)),
        ("avg_pool1d", (2, 3, 8), (2000001, 1, 1000000)),
    ],
)
def test_taps_that_only_meet_padding_cost_nothing(name, shape, args):
    """Issue 24, item 6: a window of 2,000,001 taps over 8 inputs walked every tap (200 MB)."""
    x = np.arange(math.prod(shape), dtype=np.float64).reshape(shape)
    y, peak = peak_bytes(lambda: getattr(cc, name)(x, *args))
    reference = getattr(F, name)(torch.from_numpy(x), *args).numpy()
    np.testing.assert_allclose(y, reference, rtol=1e-12)
    assert peak < 4 * y.nbytes + 2**20, f"{peak / 2**20:.1f} MiB for a {y.shape} answer"


def test_max_pool_indices_skip_dead_taps(monkeypatch):
    """The work is counted in taps visited (a loop of 2,000,001 before), not timed."""
    visited, original = [], cc.geometry.tap_outputs

    def counted(*args):
        visited.append(args)
        return original(*args)

    monkeypatch.setattr(cc.geometry, "tap_outputs", counted)
    x = np.arange(8.0).reshape(1, 1, 8)
    (y, indices), peak = peak_bytes(
        lambda: cc.max_pool1d(x, 2000001, 1, 1000000, return_indices=True)
    )
    reference = F.max_pool1d(torch.from_numpy(x), 2000001, 1, 1000000, return_indices=True)
    np.testing.assert_array_equal(y, reference[0].numpy())
    np.testing.assert_array_equal(indices, reference[1].numpy())
    assert peak < 2**20, f"{peak / 2**20:.1f} MiB"
    assert len(visited) <= 2 * 16, f"{len(visited)} taps visited for 8 inputs and 8 outputs"


def test_adaptive_max_pool_with_indices_needs_no_gathered_copy():
    """Issue 24, item 8: 8 x 64 x 224 x 224 to 223 x 223 peaked at 1.56 GiB (a gather of
    every window, then copies of it); now the work arrays are the size of the answer."""
    rng = np.random.default_rng(5)
    x = rng.integers(0, 4, (2, 8, 224, 224)).astype(np.float32)  # ties: the index rule counts
    x[0, 0, 3, 5] = np.nan
    (y, indices), peak = peak_bytes(lambda: cc.adaptive_max_pool2d(x, 223, return_indices=True))
    values, where = F.adaptive_max_pool2d(torch.from_numpy(x), 223, return_indices=True)
    np.testing.assert_array_equal(y, values.numpy())
    np.testing.assert_array_equal(indices, where.numpy())
    answer = y.nbytes + indices.nbytes
    assert peak < 3 * answer + 2 * cc.numpy_backend.BLOCK_BYTES, f"{peak / answer:.1f} x the answer"
    plain, peak = peak_bytes(lambda: cc.adaptive_max_pool2d(x, 223))
    np.testing.assert_array_equal(plain, values.numpy())
    assert peak < 3 * plain.nbytes + 2 * cc.numpy_backend.BLOCK_BYTES, (
        f"{peak / plain.nbytes:.1f} x"
    )
    x = rng.standard_normal(x.shape).astype(np.float32)
    average, peak = peak_bytes(lambda: cc.adaptive_avg_pool2d(x, 223))
    reference = F.adaptive_avg_pool2d(torch.from_numpy(x), 223).numpy()
    np.testing.assert_allclose(average, reference, rtol=1e-5, atol=1e-6)
    assert peak < 3 * average.nbytes + 2 * cc.numpy_backend.BLOCK_BYTES, (
        f"{peak / average.nbytes:.1f} x"
    )
