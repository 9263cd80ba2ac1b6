"""The torch modules and the convolutional prior, checked against independent computations."""

import numpy as np
import pytest

import cnncourse as cc
from cnncourse import prior

torch = pytest.importorskip("torch")
from cnncourse import nn  # noqa: E402


def _regression(seed=0, m=12, k=3, examples=200, noise=0.0):
    rng = np.random.default_rng(seed)
    kernel = rng.standard_normal(k)
    X = rng.standard_normal((examples, m))
    Y = np.stack([np.correlate(x, kernel, mode="valid") for x in X])  # a plain reference
    return X, Y + noise * rng.standard_normal(Y.shape), kernel


def test_infinite_precision_gives_an_exact_toeplitz_matrix():
    X, Y, kernel = _regression(noise=0.1)
    W = prior.fit_with_conv_prior(X, Y, 3, np.inf)
    assert prior.distance_to_conv(W, 3) < 1e-12
    for row in range(W.shape[0]):  # each row is the kernel, shifted by one
        np.testing.assert_allclose(W[row, row : row + 3], W[0, :3], atol=1e-12)
        assert np.count_nonzero(np.abs(W[row]) > 1e-12) <= 3
    exact = prior.fit_with_conv_prior(*_regression()[:2], 3, np.inf)
    np.testing.assert_allclose(exact[0, :3], _regression()[2], atol=1e-10)


def test_zero_precision_is_least_squares():
    X, Y, _ = _regression(noise=0.3, examples=60)
    W = prior.fit_with_conv_prior(X, Y, 3, 0.0)
    least_squares = np.linalg.lstsq(X, Y, rcond=None)[0].T  # Y = X W^T
    np.testing.assert_allclose(W, least_squares, atol=1e-8)
    assert prior.distance_to_conv(W, 3) > 0.01  # noise leaves it unstructured


@pytest.mark.parametrize("seed", range(12))
def test_receptive_field_formula_agrees_with_the_gradient(seed):
    rng = np.random.default_rng(seed)
    depth = int(rng.integers(1, 4))
    kernels = [int(k) for k in rng.integers(1, 5, size=depth)]
    strides = [int(s) for s in rng.integers(1, 3, size=depth)]
    dilations = [int(d) for d in rng.integers(1, 3, size=depth)]
    layers = [
        {"kernel_size": k, "stride": s, "dilation": d}
        for k, s, d in zip(kernels, strides, dilations, strict=True)
    ]
    field = nn.receptive_field_by_gradient(layers, input_length=200)
    assert field.max() - field.min() + 1 == cc.receptive_field(kernels, strides, dilations)


def test_fig_9_11_networks_take_the_sizes_the_figure_says():
    """The strided network needs 256 x 256 inputs; the other two take any size."""
    networks = nn.fig_9_11_networks(num_classes=10, width=4)
    for name, model in networks.items():
        probabilities = model(torch.rand(2, 3, 256, 256))
        assert probabilities.shape == (2, 10), name
        torch.testing.assert_close(probabilities.sum(dim=1), torch.ones(2))
    for name in ("grid", "fully convolutional"):
        assert networks[name](torch.rand(1, 3, 100, 120)).shape == (1, 10)
    with pytest.raises(RuntimeError):
        networks["strided"](torch.rand(1, 3, 100, 120))
