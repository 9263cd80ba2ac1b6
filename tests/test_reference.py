"""Both backends agree with ``torch.nn.functional`` in float64 on random configurations.

The reference is torch itself, called directly (never through cnncourse), in float64.
Each test draws a few hundred configurations from a fixed seed: shapes (batch 0 included),
channels, groups, kernels, strides, paddings, dilations, ceil_mode, count_include_pad.
"""

import numpy as np
import pytest

import cnncourse as cc

torch = pytest.importorskip("torch")
F = torch.nn.functional

N_CASES = 150


def _t(array):
    return torch.from_numpy(np.ascontiguousarray(array))


def _check(name, config, ours, reference, rtol=1e-12, atol=1e-12):
    ours = ours.detach().cpu().numpy() if isinstance(ours, torch.Tensor) else ours
    reference = reference.detach().cpu().numpy()
    assert ours.shape == reference.shape, (
        f"{name} {config}: shape {ours.shape} != {reference.shape}"
    )
    np.testing.assert_allclose(ours, reference, rtol=rtol, atol=atol, err_msg=f"{name} {config}")


def random_conv_config(rng, n):
    groups = int(rng.integers(1, 4))
    c_in, c_out = groups * int(rng.integers(1, 4)), groups * int(rng.integers(1, 4))
    kernel = tuple(int(k) for k in rng.integers(1, 5, size=n))
    dilation = tuple(int(d) for d in rng.integers(1, 3, size=n))
    if rng.random() < 0.3:
        dilation = (dilation[0],) * n
    stride = tuple(int(s) for s in rng.integers(1, 4, size=n))
    choice = rng.integers(0, 5)
    if choice == 0:
        padding = "valid"
    elif choice == 1:
        padding, stride = "same", (1,) * n
    elif choice == 2:
        padding = int(rng.integers(0, 3))
    else:
        padding = tuple(int(p) for p in rng.integers(0, 3, size=n))
    pads = (padding,) * n if isinstance(padding, int) else padding
    if isinstance(padding, str):
        pads = (0,) * n
    spatial = tuple(
        max(1, d * (k - 1) + 1 - 2 * p) + int(rng.integers(0, 7))
        for k, d, p in zip(kernel, dilation, pads, strict=True)
    )
    batch = int(rng.choice([0, 1, 2, 3]))
    unbatched = bool(rng.random() < 0.15)
    shape = (c_in, *spatial) if unbatched else (batch, c_in, *spatial)
    return dict(
        input=rng.standard_normal(shape),
        weight=rng.standard_normal((c_out, c_in // groups, *kernel)),
        bias=rng.standard_normal(c_out) if rng.random() < 0.5 else None,
        stride=stride if rng.random() < 0.7 else stride[0],
        padding=padding,
        dilation=dilation[0] if len(set(dilation)) == 1 else dilation,
        groups=groups,
    )


def _as_torch(config):
    return {k: _t(v) if isinstance(v, np.ndarray) else v for k, v in config.items()}


@pytest.mark.parametrize("n, name", [(1, "conv1d"), (2, "conv2d")])
def test_conv_matches_torch_float64(n, name):
    rng = np.random.default_rng(1000 + n)
    for case in range(N_CASES):
        config = random_conv_config(rng, n)
        if n == 1 and isinstance(config["stride"], tuple):
            config["stride"] = config["stride"][0]
        reference = getattr(F, name)(**_as_torch(config))
        _check(name, case, getattr(cc, name)(**config), reference)
        _check(name + "[torch]", case, getattr(cc, name)(**_as_torch(config)), reference)


def test_conv2d_float32_and_float16_tolerances():
    rng = np.random.default_rng(7)
    for case in range(40):
        config = random_conv_config(rng, 2)
        reference = F.conv2d(**_as_torch(config))
        scale = 1 + np.abs(reference.numpy()).max(initial=0)
        low = {
            k: v.astype(np.float32) if isinstance(v, np.ndarray) else v for k, v in config.items()
        }
        _check("float32", case, cc.conv2d(**low), reference, rtol=1e-5, atol=1e-5 * scale)
        _check(
            "float32[torch]",
            case,
            cc.conv2d(**_as_torch(low)),
            reference,
            rtol=1e-5,
            atol=1e-5 * scale,
        )
        half = {
            k: v.astype(np.float16) if isinstance(v, np.ndarray) else v for k, v in config.items()
        }
        out = cc.conv2d(**half)
        assert out.dtype == np.float16
        _check("float16", case, out.astype(np.float64), reference, rtol=2e-2, atol=2e-2 * scale)


def random_pool_config(rng, n, with_dilation=True, with_padding=True):
    kernel = tuple(int(k) for k in rng.integers(1, 5, size=n))
    stride = None if rng.random() < 0.3 else tuple(int(s) for s in rng.integers(1, 4, size=n))
    padding = tuple(int(rng.integers(0, k // 2 + 1)) if with_padding else 0 for k in kernel)
    dilation = tuple(int(d) for d in rng.integers(1, 3, size=n)) if with_dilation else (1,) * n
    spatial = tuple(
        max(1, d * (k - 1) + 1 - 2 * p) + int(rng.integers(0, 8))
        for k, d, p in zip(kernel, dilation, padding, strict=True)
    )
    batch = int(rng.choice([0, 1, 2]))
    channels = int(rng.integers(1, 4))
    shape = (channels, *spatial) if rng.random() < 0.15 else (batch, channels, *spatial)
    config = dict(
        input=rng.standard_normal(shape),
        kernel_size=kernel if n == 2 else kernel[0],
        stride=stride if stride is None or n == 2 else stride[0],
        padding=padding if n == 2 else padding[0],
        ceil_mode=bool(rng.random() < 0.5),
    )
    if with_dilation:
        config["dilation"] = dilation if n == 2 else dilation[0]
    return config


@pytest.mark.parametrize("n", [1, 2])
def test_max_pool_matches_torch(n):
    rng = np.random.default_rng(2000 + n)
    name = f"max_pool{n}d"
    for case in range(N_CASES):
        config = random_pool_config(rng, n)
        reference = getattr(F, name)(**_as_torch(config))
        _check(name, case, getattr(cc, name)(**config), reference, rtol=0, atol=0)
        _check(name + "[torch]", case, getattr(cc, name)(**_as_torch(config)), reference, 0, 0)


@pytest.mark.parametrize("n", [1, 2])
def test_avg_pool_matches_torch(n):
    rng = np.random.default_rng(3000 + n)
    name = f"avg_pool{n}d"
    for case in range(N_CASES):
        config = random_pool_config(rng, n, with_dilation=False)
        config["count_include_pad"] = bool(rng.random() < 0.5)
        if n == 2 and rng.random() < 0.2:
            config["divisor_override"] = int(rng.integers(1, 6))
        reference = getattr(F, name)(**_as_torch(config))
        _check(name, case, getattr(cc, name)(**config), reference)
        _check(name + "[torch]", case, getattr(cc, name)(**_as_torch(config)), reference)


@pytest.mark.parametrize("n", [1, 2])
def test_lp_pool_matches_torch(n):
    rng = np.random.default_rng(4000 + n)
    name = f"lp_pool{n}d"
    for case in range(60):
        config = random_pool_config(rng, n, with_dilation=False, with_padding=False)
        config.pop("padding")
        config["input"] = np.abs(config["input"])
        norm_type = float(rng.choice([1.0, 2.0, 3.5]))
        reference = getattr(F, name)(
            _t(config["input"]), norm_type, **{k: v for k, v in config.items() if k != "input"}
        )
        _check(
            name,
            case,
            getattr(cc, name)(config.pop("input"), norm_type, **config),
            reference,
            rtol=1e-10,
            atol=1e-12,
        )


@pytest.mark.parametrize("name", ["adaptive_max_pool2d", "adaptive_avg_pool2d"])
def test_adaptive_pool_matches_torch(name):
    rng = np.random.default_rng(5000)
    for case in range(N_CASES):
        shape = (int(rng.integers(0, 3)), int(rng.integers(1, 4)), *rng.integers(1, 12, size=2))
        x = rng.standard_normal(shape)
        out = (int(rng.integers(1, 7)), int(rng.integers(1, 7)))
        if rng.random() < 0.3:
            out = out[0]
        reference = getattr(F, name)(_t(x), out)
        _check(name, case, getattr(cc, name)(x, out), reference)
        _check(name + "[torch]", case, getattr(cc, name)(_t(x), out), reference)


def test_global_and_channel_pooling():
    rng = np.random.default_rng(6)
    x = rng.standard_normal((2, 6, 5, 7))
    _check("global max", 0, cc.global_max_pool2d(x), F.adaptive_max_pool2d(_t(x), 1))
    _check("global avg", 0, cc.global_avg_pool2d(x), F.adaptive_avg_pool2d(_t(x), 1))
    # maxout: the maximum over consecutive groups of channels, checked with a plain loop
    for k in (1, 2, 3, 6):
        expected = np.stack([x[:, g * k : (g + 1) * k].max(axis=1) for g in range(6 // k)], axis=1)
        np.testing.assert_array_equal(cc.channel_max_pool(x, k), expected)
        np.testing.assert_array_equal(cc.channel_max_pool(_t(x), k).numpy(), expected)


def test_max_pool_nan_wins_like_torch():
    x = np.arange(32.0).reshape(1, 2, 4, 4)
    x[0, 0, 1, 1] = np.nan
    reference = F.max_pool2d(_t(x), 2)
    ours = cc.max_pool2d(x, 2)
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(reference.numpy()))
    assert np.isnan(ours[0, 0, 0, 0])
    np.testing.assert_array_equal(ours[~np.isnan(ours)], reference.numpy()[~np.isnan(ours)])


def test_unfold_matches_torch():
    rng = np.random.default_rng(8)
    for case in range(60):
        config = random_conv_config(rng, 2)
        x = config["input"] if config["input"].ndim == 4 else config["input"][None]
        kernel = config["weight"].shape[2:]
        kwargs = dict(dilation=config["dilation"], stride=config["stride"])
        padding = 0 if isinstance(config["padding"], str) else config["padding"]
        reference = F.unfold(_t(x), kernel, padding=padding, **kwargs)
        _check("unfold", case, cc.unfold(x, kernel, padding=padding, **kwargs), reference)
        _check(
            "unfold[torch]", case, cc.unfold(_t(x), kernel, padding=padding, **kwargs), reference
        )


@pytest.mark.parametrize("algorithm", ["im2col", "shifted-gemm", "fft"])
def test_every_conv_algorithm_matches_torch(algorithm):
    """Each algorithm, forced, on random configurations (strided ones fall back to im2col)."""
    from cnncourse import _conv_algorithms

    rng = np.random.default_rng({"im2col": 1, "shifted-gemm": 2, "fft": 3}[algorithm])
    with _conv_algorithms.forced(algorithm):
        for case in range(60):
            config = random_conv_config(rng, 2)
            reference = F.conv2d(**_as_torch(config))
            scale = 1 + np.abs(reference.numpy()).max(initial=0)
            _check(algorithm, case, cc.conv2d(**config), reference, rtol=1e-9, atol=1e-9 * scale)


@pytest.mark.parametrize("algorithm", ["im2col", "shifted-gemm", "fft"])
def test_conv_algorithms_on_views_and_many_blocks(algorithm, monkeypatch):
    """Non-contiguous inputs (strided, transposed views) and blocks far smaller than the data.

    A tiny block size makes every algorithm split its work into many blocks, so the block
    boundaries and the last, shorter block are exercised.
    """
    from cnncourse import _conv_algorithms

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
            with _conv_algorithms.forced(algorithm):
                ours = cc.conv2d(x, w, **config)
            _check(algorithm, (name, config), ours, reference, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("algorithm", ["im2col", "shifted-gemm", "fft"])
def test_work_arrays_never_leak_into_results(algorithm):
    """The work arrays kept between calls: earlier results stay intact, threads do not mix."""
    from concurrent.futures import ThreadPoolExecutor

    from cnncourse import _conv_algorithms

    rng = np.random.default_rng(31)
    inputs = [rng.standard_normal((2, 3, 12 + i, 11)) for i in range(6)]
    w = rng.standard_normal((4, 3, 3, 3))
    references = [F.conv2d(_t(x), _t(w), padding=1).numpy() for x in inputs]

    def convolve(x):
        with _conv_algorithms.forced(algorithm):
            return cc.conv2d(x, w, padding=1)

    sequential = [convolve(x) for x in inputs]  # each call reuses the previous one's arrays
    with ThreadPoolExecutor(3) as pool:
        threaded = list(pool.map(convolve, inputs * 3))
    for ours, reference in zip(sequential + threaded, references * 4, strict=True):
        np.testing.assert_allclose(ours, reference, rtol=1e-10, atol=1e-10)


def test_algorithm_choice_rule():
    from cnncourse import _conv_algorithms as algorithms

    assert algorithms.choose((8, 3, 3, 3), (2, 2)) == "im2col"
    assert algorithms.choose((8, 3, 3, 3), (1, 1)) == "shifted-gemm"
    assert algorithms.choose((1, 1, 31, 31), (1, 1)) == "fft"
    with algorithms.forced("fft"):
        assert algorithms.choose((8, 3, 3, 3), (1, 1)) == "fft"
        assert algorithms.choose((8, 3, 3, 3), (2, 1)) == "im2col"
    with pytest.raises(ValueError, match="`name` must be one of"):
        with algorithms.forced("winograd"):
            pass


def test_large_kernel_fft_float32():
    rng = np.random.default_rng(11)
    x = rng.standard_normal((2, 3, 64, 70)).astype(np.float32)
    w = rng.standard_normal((4, 3, 15, 13)).astype(np.float32)
    reference = F.conv2d(_t(x.astype(np.float64)), _t(w.astype(np.float64)), padding=2)
    ours = cc.conv2d(x, w, padding=2)
    assert ours.dtype == np.float32
    scale = np.abs(reference.numpy()).max()
    _check("fft float32", 0, ours, reference, rtol=1e-4, atol=1e-5 * scale)
