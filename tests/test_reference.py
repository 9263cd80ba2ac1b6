"""Convolution on both backends agrees with torch and with the definition, on drawn configurations.

Two references nobody here tuned for speed: ``torch.nn.functional`` in float64, called
directly (never through cnncourse), and :func:`cnncourse.conv2d_reference`, the few-line
definition (windows and a tensor contraction) every fast algorithm is held to. Hypothesis
draws the configurations (shapes with batch 0 and unbatched inputs, channels, groups,
kernels, strides, paddings as numbers, pairs, one-element tuples, 'same' and 'valid',
dilations, bias or none) and shrinks a failure to the smallest configuration that still fails.
The values come from a drawn seed. Profiles (``tests/conftest.py``): ``dev`` by default,
``HYPOTHESIS_PROFILE=ci`` draws ten times as many. Pooling's drawn configurations are in
``tests/test_pooling.py``.
"""

import numpy as np
import pytest
from forms import algorithms_run, per_axis
from hypothesis import assume, given
from hypothesis import strategies as st

import cnncourse as cc
from cnncourse import _conv_algorithms

torch = pytest.importorskip("torch")
F = torch.nn.functional


def _t(array):
    return torch.from_numpy(np.ascontiguousarray(array))


def _numpy(array):
    return array.detach().cpu().numpy() if isinstance(array, torch.Tensor) else array


def _check(ours, reference, rtol=1e-12, atol=1e-12, what=""):
    ours, reference = _numpy(ours), _numpy(reference)
    assert ours.shape == reference.shape, f"{what}: shape {ours.shape} != {reference.shape}"
    np.testing.assert_allclose(ours, reference, rtol=rtol, atol=atol, err_msg=what)


def _as_torch(config):
    return {k: _t(v) if isinstance(v, np.ndarray) else v for k, v in config.items()}


@st.composite
def conv_configs(draw, n, strided=True, values="normal", max_kernel=12):
    """Keyword arguments of a valid ``conv{n}d`` call, arrays in float64.

    Kernels up to ``max_kernel`` taps a side (12 x 12 reaches the FFT's size);
    ``strided=False`` keeps the stride 1 (in any form); ``values="bounded"`` draws every
    value's size from [0.5, 1.5] (random signs), data on which the FFT is exact.
    """
    groups = draw(st.integers(1, 3))
    c_in, c_out = groups * draw(st.integers(1, 3)), groups * draw(st.integers(1, 3))
    kernel = tuple(draw(st.integers(1, max_kernel)) for _ in range(n))
    dilation, dilations = per_axis(draw, 1, (2,) * n)
    padding = draw(st.sampled_from(["valid", "same", "numbers"]))
    pads = (0,) * n
    if padding == "numbers":
        padding, pads = per_axis(draw, 0, (2,) * n)
    if padding == "same" or not strided:  # torch allows 'same' with stride 1 only
        stride = draw(st.sampled_from([1, (1,), (1,) * n]))
    else:
        stride = per_axis(draw, 1, (3,) * n)[0]
    spatial = tuple(
        max(1, d * (k - 1) + 1 - 2 * p) + draw(st.integers(0, 6))
        for k, d, p in zip(kernel, dilations, pads, strict=True)
    )
    batch = draw(st.integers(0, 3))
    shape = (c_in, *spatial) if draw(st.booleans()) else (batch, c_in, *spatial)
    with_bias = draw(st.booleans())
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    if values == "normal":
        random = rng.standard_normal
    else:
        random = lambda size: rng.choice([-1.0, 1.0], size) * rng.uniform(0.5, 1.5, size)  # noqa: E731
    return dict(
        input=random(shape),
        weight=random((c_out, c_in // groups, *kernel)),
        bias=random(c_out) if with_bias else None,
        stride=stride,
        padding=padding,
        dilation=dilation,
        groups=groups,
    )


def _lift(value, fill):
    """A 1-D argument as the 2-D one over images of height 1: ``fill`` on the height axis."""
    if isinstance(value, str):
        return value
    return (fill, value if isinstance(value, int) else value[0])


def definition(config, n):
    """:func:`cnncourse.conv2d_reference`; a 1-D convolution as a 2-D one of height 1."""
    if n == 2:
        return cc.conv2d_reference(**config)
    y = cc.conv2d_reference(
        config["input"][..., None, :],
        config["weight"][..., None, :],
        config["bias"],
        stride=_lift(config["stride"], 1),
        padding=_lift(config["padding"], 0),
        dilation=_lift(config["dilation"], 1),
        groups=config["groups"],
    )
    return y[..., 0, :]


@pytest.mark.parametrize("n", [1, 2])
@given(data=st.data())
def test_conv_matches_torch_and_the_definition(n, data):
    """Both backends, the algorithm the rule picks; the definition itself checked against torch."""
    config = data.draw(conv_configs(n), label="config")
    function = getattr(cc, f"conv{n}d")
    reference = getattr(F, f"conv{n}d")(**_as_torch(config))
    defined = definition(config, n)
    atol = 1e-12 * (1 + np.abs(defined).max(initial=0))  # sums of up to 1296 products
    _check(defined, reference, atol=atol, what="definition vs torch")
    ours = function(**config)
    _check(ours, defined, atol=atol, what="NumPy backend vs definition")
    _check(ours, reference, atol=atol, what="NumPy backend vs torch")
    _check(function(**_as_torch(config)), reference, atol=atol, what="torch backend vs torch")


@pytest.mark.parametrize("algorithm", cc.ALGORITHMS)
@pytest.mark.parametrize("n", [1, 2])
@given(data=st.data())
def test_every_conv_algorithm_matches_the_definition(n, algorithm, data):
    """Each algorithm, forced, in float64; only examples it computed itself count.

    Strides are drawn for im2col only (the others fall back to it there); the FFT gets data
    it is exact on (otherwise the rule falls back to a direct method), Winograd too, with
    kernels of up to 3 x 3 taps.
    """
    strided = algorithm == "im2col"
    values = "bounded" if algorithm in ("fft", "winograd", "winograd4") else "normal"
    max_kernel = 3 if algorithm.startswith("winograd") else 12  # Winograd: up to 3 x 3
    config = data.draw(conv_configs(n, strided, values, max_kernel), label="config")
    with cc.use_algorithm(algorithm), algorithms_run() as ran:
        ours = getattr(cc, f"conv{n}d")(**config)
    defined = definition(config, n)
    scale = 1 + np.abs(defined).max(initial=0)
    tolerance = 1e-9 if algorithm == "fft" else 1e-12
    _check(ours, defined, rtol=tolerance, atol=tolerance * scale, what=algorithm)
    reference = getattr(F, f"conv{n}d")(**_as_torch(config))
    _check(ours, reference, rtol=tolerance, atol=tolerance * scale, what=f"{algorithm} vs torch")
    assume(set(ran) == {algorithm})  # no call (every tap dead) or a fallback: not counted


@pytest.mark.parametrize("n", [1, 2])
@given(data=st.data())
def test_conv_float32_and_float16_tolerances(n, data):
    """Low precision within its accuracy of torch float64; the dtype kept (float16: NumPy)."""
    config = data.draw(conv_configs(n), label="config")
    function = getattr(cc, f"conv{n}d")
    reference = getattr(F, f"conv{n}d")(**_as_torch(config))
    scale = 1 + np.abs(reference.numpy()).max(initial=0)
    for dtype, tolerance in [(np.float32, 1e-5), (np.float16, 2e-2)]:
        low = {k: v.astype(dtype) if isinstance(v, np.ndarray) else v for k, v in config.items()}
        ours = function(**low)
        assert ours.dtype == dtype
        _check(ours, reference, rtol=tolerance, atol=tolerance * scale, what=str(ours.dtype))
        if dtype == np.float32:
            ours = function(**_as_torch(low))
            assert ours.dtype == torch.float32
            _check(ours, reference, rtol=tolerance, atol=tolerance * scale, what="float32[torch]")


@st.composite
def unfold_configs(draw):
    """Keyword arguments of a valid ``unfold`` call (torch: ints or pairs, batched or not)."""
    forms = ("int", "tuple")  # torch's unfold refuses one-element tuples
    kernel, kernels = per_axis(draw, 1, (4, 4), forms)
    dilation, dilations = per_axis(draw, 1, (2, 2), forms)
    padding, pads = per_axis(draw, 0, (2, 2), forms)
    stride = per_axis(draw, 1, (3, 3), forms)[0]
    spatial = tuple(
        max(1, d * (k - 1) + 1 - 2 * p) + draw(st.integers(0, 6))
        for k, d, p in zip(kernels, dilations, pads, strict=True)
    )
    batch = draw(st.sampled_from([(), (0,), (1,), (2,), (3,)]))  # () = unbatched (C, H, W)
    shape = (*batch, draw(st.integers(1, 4)), *spatial)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return dict(
        input=rng.standard_normal(shape),
        kernel_size=kernel,
        dilation=dilation,
        padding=padding,
        stride=stride,
    )


@given(config=unfold_configs(), outputs=st.integers(1, 3))
def test_unfold_matches_torch_and_gives_the_definition(config, outputs):
    """torch's columns, on both backends; a weight matrix times them is the convolution."""
    reference = F.unfold(**_as_torch(config))
    cols = cc.unfold(**config)
    _check(cols, reference, what="unfold")
    _check(cc.unfold(**_as_torch(config)), reference, what="unfold[torch]")
    x = config.pop("input")
    if x.ndim == 3:
        x, cols = x[None], cols[None]
    kernel = config.pop("kernel_size")
    kernel = (kernel, kernel) if isinstance(kernel, int) else kernel
    w = np.random.default_rng(outputs).standard_normal((outputs, x.shape[1], *kernel))
    conv = cc.conv2d_reference(x, w, **config)
    _check((w.reshape(outputs, -1) @ cols).reshape(conv.shape), conv, what="W @ cols")


def test_global_and_channel_pooling():
    rng = np.random.default_rng(6)
    x = rng.standard_normal((2, 6, 5, 7))
    _check(cc.global_max_pool2d(x), F.adaptive_max_pool2d(_t(x), 1), what="global max")
    _check(cc.global_avg_pool2d(x), F.adaptive_avg_pool2d(_t(x), 1), what="global avg")
    _check(cc.global_max_pool2d(_t(x)), F.adaptive_max_pool2d(_t(x), 1), what="global max[t]")
    _check(cc.global_avg_pool2d(_t(x)), F.adaptive_avg_pool2d(_t(x), 1), what="global avg[t]")
    # maxout: the maximum over consecutive groups of channels, checked with a plain loop
    for k in (1, 2, 3, 6):
        expected = np.stack([x[:, g * k : (g + 1) * k].max(axis=1) for g in range(6 // k)], axis=1)
        np.testing.assert_array_equal(cc.channel_max_pool(x, k), expected)
        np.testing.assert_array_equal(cc.channel_max_pool(_t(x), k).numpy(), expected)


@pytest.mark.parametrize("algorithm", cc.ALGORITHMS)
def test_conv_algorithms_on_views_and_many_blocks(algorithm, monkeypatch):
    """Non-contiguous inputs (strided, transposed views) and blocks far smaller than the data.

    A tiny block size makes every algorithm split its work into many blocks, so the block
    boundaries and the last, shorter block are exercised.
    """
    monkeypatch.setattr(_conv_algorithms, "BLOCK_BYTES", 256)
    rng = np.random.default_rng(21)
    base = rng.standard_normal((3, 10, 17, 15))
    views = {
        "channel stride": base[:, ::2],
        "batch of one, channel stride": base[:1, 1::3],
        "transposed": base.transpose(0, 1, 3, 2),
    }
    for name, x in views.items():
        for padding, dilation in [(0, 1), (1, 2), ("same", 1)]:
            w = rng.standard_normal((4, x.shape[1], 3, 2))
            config = dict(padding=padding, dilation=dilation)
            reference = F.conv2d(_t(x), _t(w), **config)
            with cc.use_algorithm(algorithm):
                ours = cc.conv2d(x, w, **config)
            _check(ours, reference, rtol=1e-10, atol=1e-10, what=f"{algorithm} {name} {config}")


@pytest.mark.parametrize("batch_bytes", [0, 64, 2**20])
def test_grouped_shifted_gemm_batched_and_group_by_group(batch_bytes, monkeypatch):
    """Many small groups run as batched GEMMs over blocks of groups (one group per block at
    64 bytes, all at once at 1 MiB), or group by group (0): the same answer."""
    monkeypatch.setattr(_conv_algorithms, "GROUP_BATCH_BYTES", batch_bytes)
    rng = np.random.default_rng(22)
    for groups, per_group, outputs, dilation in [(6, 1, 1, 1), (4, 2, 3, (2, 1)), (5, 1, 2, 1)]:
        x = rng.standard_normal((2, groups * per_group, 9, 11))[:, :, :, ::-1]  # a view
        w = rng.standard_normal((groups * outputs, per_group, 3, 2))
        config = dict(padding=1, dilation=dilation, groups=groups)
        with cc.use_algorithm("shifted-gemm"), algorithms_run() as ran:
            ours = cc.conv2d(x, w, **config)
        assert ran == ["shifted-gemm"]
        _check(ours, F.conv2d(_t(x), _t(w), **config), what=f"{groups} groups {batch_bytes}")


@pytest.mark.parametrize("algorithm", cc.ALGORITHMS)
def test_work_arrays_never_leak_into_results(algorithm):
    """The work arrays kept between calls: earlier results stay intact, threads do not mix."""
    from concurrent.futures import ThreadPoolExecutor

    rng = np.random.default_rng(31)
    inputs = [rng.standard_normal((2, 3, 12 + i, 11)) for i in range(6)]
    w = rng.standard_normal((4, 3, 3, 3))
    references = [F.conv2d(_t(x), _t(w), padding=1).numpy() for x in inputs]

    def convolve(x):
        with cc.use_algorithm(algorithm):
            return cc.conv2d(x, w, padding=1)

    sequential = [convolve(x) for x in inputs]  # each call reuses the previous one's arrays
    with ThreadPoolExecutor(3) as pool:
        threaded = list(pool.map(convolve, inputs * 3))
    for ours, reference in zip(sequential + threaded, references * 4, strict=True):
        np.testing.assert_allclose(ours, reference, rtol=1e-10, atol=1e-10)


def test_algorithm_choice_rule():
    x, small, large = np.ones((1, 3, 40, 40)), np.ones((8, 3, 3, 3)), np.ones((1, 3, 31, 31))
    assert cc.conv_algorithm(x, small, stride=2) == "im2col"
    assert cc.conv_algorithm(x, small) == "shifted-gemm"
    assert cc.conv_algorithm(x, large) == "fft"
    with cc.use_algorithm("fft"):
        assert cc.conv_algorithm(x, small) == "fft"
        assert cc.conv_algorithm(x, small, stride=(2, 1)) == "im2col"
    with pytest.raises(ValueError, match="`name` must be one of"):
        with cc.use_algorithm("strassen"):
            pass


def test_large_kernel_fft_float32():
    rng = np.random.default_rng(11)
    x = rng.standard_normal((2, 3, 64, 70)).astype(np.float32)
    w = rng.standard_normal((4, 3, 15, 13)).astype(np.float32)
    reference = F.conv2d(_t(x.astype(np.float64)), _t(w.astype(np.float64)), padding=2)
    assert cc.conv_algorithm(x, w, padding=2) == "fft"
    ours = cc.conv2d(x, w, padding=2)
    assert ours.dtype == np.float32
    scale = np.abs(reference.numpy()).max()
    _check(ours, reference, rtol=1e-4, atol=1e-5 * scale, what="fft float32")


@pytest.mark.parametrize("image_bytes", [0, 40_000, 2**20])
def test_shifted_gemm_by_blocks_of_whole_images(image_bytes, monkeypatch):
    """A batch of small images runs a block of whole images at a time, each image shifted
    on its own (two images a block and a last, shorter block at 40 kB; all at once at 1 MiB),
    or side by side in column blocks (0): the same answer, on views, padded or not, dilated."""
    monkeypatch.setattr(_conv_algorithms, "SMALL_GEMM_WORK", 0)
    monkeypatch.setattr(_conv_algorithms, "IMAGE_MAX_BYTES", image_bytes)
    monkeypatch.setattr(_conv_algorithms, "IMAGE_BLOCK_BYTES", image_bytes)
    rng = np.random.default_rng(23)
    base = rng.standard_normal((7, 6, 9, 11))
    for x in (base[:, :3], base[:, ::2, :, ::-1], np.ascontiguousarray(base[:, 3:])):
        for padding, dilation in [(0, 1), (1, 1), ((2, 0), (1, 2))]:
            w = rng.standard_normal((4, 3, 3, 2))
            config = dict(padding=padding, dilation=dilation)
            reference = F.conv2d(_t(x), _t(w), **config)
            with cc.use_algorithm("shifted-gemm"):
                ours = cc.conv2d(x, w, **config)
            _check(ours, reference, rtol=1e-10, atol=1e-10, what=f"{image_bytes} {config}")
