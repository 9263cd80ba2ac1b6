"""A small layer's prepared call: ``conv2d``/``conv1d`` remember, per exact configuration,
the shifted GEMM of one unpadded image (:class:`cnncourse._conv_algorithms.PreparedShiftedGemm`)
and run it on the next call without the checks (:func:`cnncourse._dispatch.dual_backend`).

Held to ``torch.nn.functional`` in float64 on drawn configurations (1-D and 2-D, batched or
not, dilation, bias, channels, special values), on the first call and the warm one; the
checks must give the same answers whatever was called before; the forced algorithm, a
non-contiguous image, float16 and every layer outside the prepared kind take the general
route.
"""

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import cnncourse as cc
from cnncourse import _args, _conv_algorithms, _dispatch, numpy_backend

torch = pytest.importorskip("torch")
F = torch.nn.functional


def _torch_conv(x, w, b, n, dilation, padding):
    """``torch.nn.functional`` in float64 of NumPy arrays (batched or not)."""
    conv = F.conv2d if n == 2 else F.conv1d
    t = lambda a: None if a is None else torch.from_numpy(np.asarray(a, np.float64))  # noqa: E731
    return conv(t(x), t(w), t(b), dilation=dilation, padding=padding).numpy()


@settings(max_examples=120, deadline=None)
@given(
    n=st.sampled_from([1, 2]),
    batched=st.booleans(),
    c=st.integers(1, 4),
    o=st.integers(1, 5),
    h=st.integers(1, 12),
    w=st.integers(1, 30),
    kernel=st.tuples(st.integers(1, 4), st.integers(1, 4)),
    dilation=st.integers(1, 2),
    padding=st.integers(0, 2),
    with_bias=st.booleans(),
    special=st.sampled_from([None, np.nan, np.inf, -np.inf, 1e30]),
    dtype=st.sampled_from([np.float32, np.float64]),
    seed=st.integers(0, 2**16),
)
def test_prepared_call_matches_torch_first_and_warm(
    n, batched, c, o, h, w, kernel, dilation, padding, with_bias, special, dtype, seed
):
    rng = np.random.default_rng(seed)
    spatial = (h, w) if n == 2 else (w,)
    k = kernel if n == 2 else kernel[1:]
    assume(
        all(
            dilation * (size - 1) < side + 2 * padding
            for size, side in zip(k, spatial, strict=True)
        )
    )
    x = rng.standard_normal(((1,) if batched else ()) + (c, *spatial)).astype(dtype)
    weight = rng.standard_normal((o, c, *k)).astype(dtype)
    bias = rng.standard_normal(o).astype(dtype) if with_bias else None
    if special is not None:
        x.flat[rng.integers(x.size)] = special
    conv = cc.conv2d if n == 2 else cc.conv1d
    expected = _torch_conv(x, weight, bias, n, dilation, padding)
    tolerance = 1e-4 if dtype == np.float32 else 1e-10
    for _ in range(3):  # the first call runs in full and prepares; the others, prepared
        with np.errstate(all="ignore"):  # inf times 0 (as the general route)
            got = conv(x, weight, bias, 1, padding, dilation)
        assert got.dtype == dtype and got.shape == expected.shape
        np.testing.assert_allclose(got, expected, rtol=tolerance, atol=tolerance)
        x = rng.standard_normal(x.shape).astype(dtype)  # new data, same configuration
        expected = _torch_conv(x, weight, bias, n, dilation, padding)


def _small():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((1, 1, 28, 28)).astype(np.float32)
    w = rng.standard_normal((1, 1, 3, 3)).astype(np.float32)
    return x, w


def test_the_warm_call_runs_the_prepared_function_only(monkeypatch):
    x, w = _small()
    x = x[:, :, :27]  # a configuration no other test has prepared
    x = np.ascontiguousarray(x)
    first = cc.conv2d(x, w)
    calls = []
    general = numpy_backend.conv
    monkeypatch.setattr(numpy_backend, "conv", lambda *a: calls.append(a) or general(*a))
    warm = cc.conv2d(x, w)
    assert calls == []  # neither the checks' result nor the general route was needed
    np.testing.assert_array_equal(warm, first)
    key = cc.conv2d.prepared_calls
    assert any(isinstance(v, _conv_algorithms.PreparedShiftedGemm) for v in key.values())


def test_answers_are_fresh_arrays():
    x, w = _small()
    first = cc.conv2d(x, w)
    second = cc.conv2d(x, w)
    assert not np.shares_memory(first, second) and not np.shares_memory(first, x)
    first[...] = 0
    np.testing.assert_array_equal(second, cc.conv2d(x, w))


def test_forced_algorithm_and_views_take_the_general_route(monkeypatch):
    x, w = _small()
    cc.conv2d(x, w)  # prepared
    ran = []
    run = _conv_algorithms.run
    monkeypatch.setattr(_conv_algorithms, "run", lambda name, *a: ran.append(name) or run(name, *a))
    with cc.use_algorithm("im2col"):
        forced = cc.conv2d(x, w)
    assert ran == ["im2col"]
    view = np.ascontiguousarray(np.transpose(x, (0, 1, 3, 2))).transpose(0, 1, 3, 2)
    assert not view.flags.c_contiguous
    from_view = cc.conv2d(view, w)
    assert ran == ["im2col", "shifted-gemm"]
    np.testing.assert_allclose(forced, cc.conv2d(x, w), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(from_view, cc.conv2d(x, w), rtol=1e-5, atol=1e-5)


def test_checks_answer_the_same_after_a_prepared_call():
    x, w = _small()
    cc.conv2d(x, w, None, 1, 0, 1, 1)  # prepared under plain ints
    with pytest.raises(TypeError, match="`stride`"):
        cc.conv2d(x, w, None, True)
    with pytest.raises(TypeError, match="`stride`"):
        cc.conv2d(x, w, None, 1.0)
    with pytest.raises(TypeError, match="`groups`"):
        cc.conv2d(x, w, None, 1, 0, 1, True)
    with pytest.raises(TypeError, match="`weight`"):
        cc.conv2d(x, w.astype(np.float64))
    big_endian = x.astype(">f4")  # converted to native by the dispatcher, same answer
    np.testing.assert_array_equal(cc.conv2d(big_endian, w), cc.conv2d(x, w))
    as_list = cc.conv2d(x.tolist(), w.astype(np.float64))  # a list: float64, like NumPy
    np.testing.assert_allclose(as_list, cc.conv2d(x.astype(np.float64), w.astype(np.float64)))


@pytest.mark.parametrize(
    ("input_shape", "weight_shape", "kwargs"),
    [
        ((1, 1, 1, 1), (1, 1, 3, 3), {"padding": 1}),  # taps that meet padding alone
        ((2, 1, 28, 28), (1, 1, 3, 3), {}),  # two images
        ((1, 2, 28, 28), (2, 1, 3, 3), {"groups": 2}),  # groups (depthwise)
        ((1, 1, 28, 28), (1, 1, 3, 3), {"stride": 2}),  # strided
        ((1, 1, 64, 64), (1, 1, 11, 11), {}),  # the FFT reads the data
        ((1, 64, 56, 56), (64, 64, 3, 3), {}),  # too large a product
    ],
)
def test_other_layers_are_not_prepared(input_shape, weight_shape, kwargs):
    x = np.zeros(input_shape, np.float32)
    w = np.zeros(weight_shape, np.float32)
    cc.conv2d(x, w, **kwargs)
    assert cc.conv2d.prepared_calls[_args.exact_key((x, w), kwargs)] is None


def test_float16_is_not_prepared():
    x, w = (a.astype(np.float16) for a in _small())
    cc.conv2d(x, w)
    assert cc.conv2d.prepared_calls[((x.shape, x.dtype), (w.shape, w.dtype))] is None


def test_the_memo_is_bounded(monkeypatch):
    monkeypatch.setattr(_dispatch, "PREPARED_CACHE_SIZE", 4)
    w = np.ones((1, 1, 2), np.float64)
    for length in range(3, 12):
        cc.conv1d(np.zeros((1, 1, length)), w)
        assert len(cc.conv1d.prepared_calls) <= 4


def test_a_padded_image_is_prepared_and_its_views_too():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((1, 2, 9, 7))
    w = rng.standard_normal((3, 2, 3, 3))
    expected = F.conv2d(torch.from_numpy(x), torch.from_numpy(w), padding=1).numpy()
    for image in (x, x[..., ::-1].copy()[..., ::-1]):  # contiguous, then a reversed view
        for _ in range(2):
            np.testing.assert_allclose(cc.conv2d(image, w, None, 1, 1), expected, atol=1e-12)
    key = ((x.shape, x.dtype), (w.shape, w.dtype), None, 1, 1)
    assert isinstance(cc.conv2d.prepared_calls[key], _conv_algorithms.PreparedShiftedGemm)


@pytest.mark.parametrize("padding", [0, 1, "same"])
@pytest.mark.parametrize("with_bias", [False, True])
def test_tensors_are_prepared_too(padding, with_bias, monkeypatch):
    """A tensor call's configuration is remembered like an array's: the warm call skips the
    checks and runs the torch backend's convolution with the checked geometry."""
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(1, 2, 9, 8, generator=gen, dtype=torch.float64)
    w = torch.randn(3, 2, 2, 3, generator=gen, dtype=torch.float64)  # even: "same" is lopsided
    b = torch.randn(3, generator=gen, dtype=torch.float64) if with_bias else None
    first = cc.conv2d(x, w, b, 1, padding)
    checks = []
    monkeypatch.setattr(_args, "conv_args", lambda *a: checks.append(a))
    warm = cc.conv2d(x, w, b, 1, padding)
    assert checks == []  # no check ran
    expected = F.conv2d(F.pad(x, (1, 1, 0, 1)) if padding == "same" else x, w, b,
                        padding=0 if padding == "same" else padding)  # fmt: skip
    torch.testing.assert_close(first, expected)
    torch.testing.assert_close(warm, expected)


def test_tensor_checks_answer_the_same_after_a_prepared_call():
    x, w = torch.zeros(1, 1, 6, 6), torch.zeros(1, 1, 3, 3)
    cc.conv2d(x, w)
    cc.conv2d(x, w)  # prepared
    with pytest.raises(TypeError, match="torch.Tensor"):
        cc.conv2d(x, w.numpy())  # a mix of kinds
    with pytest.raises(TypeError, match="`stride`"):
        cc.conv2d(x, w, None, True)
    parameter = torch.nn.Parameter(w.clone())
    assert cc.conv2d(x, parameter).requires_grad  # a Parameter: its own configuration
    by_name = cc.conv2d(input=x, weight=w)  # arrays by keyword: never remembered
    assert torch.equal(by_name, cc.conv2d(x, w))
    assert _args.exact_key((), {"input": x, "weight": w}) not in cc.conv2d.prepared_calls
    assert isinstance(cc.conv2d.prepared_calls[_args.exact_key((x, w))], type(lambda: 0))
