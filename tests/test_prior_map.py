"""§9.4's MAP reading of the convolutional prior: posterior precision, the λ → 0⁺ limit,
the gradient route, the cost of a dense convolution, and the page's tables and figures."""

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

from cnncourse import frames, prior, widgets
from cnncourse import signal as cc_signal


def _data(seed=0, m=10, k=3, examples=6, noise=0.1):
    rng = np.random.default_rng(seed)
    X, Y, _ = prior.make_regression(rng.standard_normal(k), m, examples, noise=noise, seed=seed)
    return X, Y


def test_kernel_design_maps_a_kernel_to_every_output():
    X, _ = _data(examples=4)
    kernel = np.array([0.3, -1.0, 2.0])
    outputs = np.stack([np.correlate(x, kernel, mode="valid") for x in X])  # plain reference
    assert np.allclose(prior.kernel_design(X, 3) @ kernel, outputs.reshape(-1))
    assert np.linalg.matrix_rank(prior.kernel_design(X, 3)) == 3
    assert np.linalg.matrix_rank(prior.kernel_design(np.ones((4, 10)), 3)) == 1  # sums only


@pytest.mark.parametrize("alpha", [0.0, 0.5, 20.0])
def test_posterior_precision_is_the_quadratic_form_of_the_negative_log_posterior(alpha):
    X, _ = _data()
    noise = 0.3
    H = prior.posterior_precision(X, 3, alpha, noise)
    rng = np.random.default_rng(1)
    for _ in range(4):
        V = rng.standard_normal((8, 10))
        projected, _ = prior.project_to_conv(V, 3)
        form = ((X @ V.T) ** 2).sum() / noise**2 + alpha * ((V - projected) ** 2).sum()
        assert np.isclose(V.reshape(-1) @ H @ V.reshape(-1), form)


def test_the_prior_is_improper_and_the_posterior_proper_iff_the_design_has_rank_k():
    X, _ = _data(examples=6)  # 6 examples < 10 inputs, but a rank-3 kernel design
    for alpha in (1e-3, 1.0, 1e3):
        alone = np.linalg.eigvalsh(prior.posterior_precision(X[:0], 3, alpha, 0.1))
        assert np.sum(alone < 1e-9) == 3  # flat along the 3 convolution directions
        assert np.linalg.eigvalsh(prior.posterior_precision(X, 3, alpha, 0.1)).min() > 0
    constant = np.ones((6, 10))
    values = np.linalg.eigvalsh(prior.posterior_precision(constant, 3, 1.0, 0.1))
    assert np.sum(values < 1e-9 * values.max()) == 2  # design rank 1: two flat directions
    flat = np.linalg.eigvalsh(prior.posterior_precision(X, 3, 0.0, 0.1))
    assert np.sum(flat < 1e-9 * flat.max()) == 8 * (10 - 6)  # α = 0: rows' null spaces


def test_limit_fit_is_the_limit_of_small_precisions():
    X, Y = _data(examples=6)
    limit = prior.limit_fit(X, Y, 3)
    assert np.allclose(X @ limit.T, Y)  # interpolates (6 < 10 examples)
    gaps = [np.abs(prior.fit_with_conv_prior(X, Y, 3, lam) - limit).max() for lam in (1e-2, 1e-4)]
    assert gaps[1] < 0.02 * gaps[0] and gaps[1] < 1e-3
    zero = prior.fit_with_conv_prior(X, Y, 3, 0)
    null = np.linalg.svd(X)[2][6:]
    rng = np.random.default_rng(2)

    def penalty(W):
        return np.linalg.norm(W - prior.project_to_conv(W, 3)[0])

    for _ in range(5):  # every other interpolating matrix is further from a convolution
        other = limit + rng.standard_normal((8, 4)) @ null
        assert np.allclose(X @ other.T, Y)
        assert penalty(other) > penalty(limit)
    assert prior.distance_to_conv(limit, 3) < prior.distance_to_conv(zero, 3)


def test_limit_fit_with_enough_examples_is_least_squares():
    X, Y = _data(examples=30)
    assert np.allclose(prior.limit_fit(X, Y, 3), np.linalg.lstsq(X, Y, rcond=None)[0].T)


def test_lbfgs_on_the_torch_objective_lands_on_the_closed_form():
    pytest.importorskip("torch")
    X, Y = _data(examples=20)
    loss = prior.torch_objective(X, Y, 3, 5.0)
    trained = prior.minimise_lbfgs(loss, (8, 10))
    assert np.abs(trained - prior.fit_with_conv_prior(X, Y, 3, 5.0)).max() < 1e-6


def test_dense_vs_conv_cost_counts_the_forced_zeros():
    cost = prior.dense_vs_conv_cost(24, 20, 5)
    W = cc_signal.conv_matrix(np.arange(1.0, 6.0), 24, mode="valid", flip=False)
    assert cost["dense"] == W.size == 480
    assert cost["conv_mults"] == np.count_nonzero(W) == 100
    assert cost["zeros"] == pytest.approx(380 / 480)
    image = prior.dense_vs_conv_cost(256**2, 254**2, 9)
    assert image["dense"] == 65536 * 64516 and image["conv_weights"] == 9
    header, rows = prior.cost_table({"1-D": cost, "image": image})
    assert len(header) == len(rows[0]) == 5
    assert rows[0][1:] == ("480", "79.167%", "5", "100")
    assert rows[1][1] == "4,228,120,576"


def test_tables_of_the_sweeps():
    X, Y = _data(examples=6)
    results = prior.sweep(X, Y, X, Y, 3, [0, 1.0, np.inf])
    header, rows = prior.sweep_table(results)
    assert header[0] == "λ" and [r[0] for r in rows] == ["0", "1e+00", "inf"]
    header, rows = prior.sweep_summary({6: [3.0, 0.5, 2.0]}, [0, 0.1, np.inf])
    assert rows == [("6", "3.0000", "1e-01", "0.5000", "2.0000", "1.5")]
    header, rows = prior.accuracy_table({"MLP": (np.array([0.9, 0.92]), np.array([0.8, 0.8]))})
    assert rows == [("MLP", "0.910 ± 0.014", "0.800 ± 0.000")]  # sample std, ddof = 1
    assert header[1] == "original pixels (mean ± std)"
    header, rows = prior.sweep_summary({6: [3.0, 0.5, 2.0]}, [0, 0.1, np.inf], local={6: 0.25})
    assert header[-1] == "local" and rows[0][-1] == "0.2500"
    assert all(len(h) <= 8 for h in header)  # short headers: no wrapping on a phone


def test_best_lambda_reports_ties_within_the_tolerance():
    lambdas = [0, 1e-2, 1, 1e3, np.inf]
    assert prior.best_lambda_label([3.0, 0.5, 2.0, 2.0, 2.0], lambdas) == "1e-02"
    assert (
        prior.best_lambda_label([0.01073, 0.01073, 0.010748, 0.2, 1.9], lambdas)
        == "λ ≤ 1e+00 (tie)"
    )
    assert (
        prior.best_lambda_label([1.9, 0.04, 0.0105, 0.010232, 0.010219], lambdas)
        == "λ ≥ 1e+03 (tie)"
    )
    assert prior.best_lambda_label([1.9, 0.5, 0.5, 0.9, 1.0], lambdas) == "1e-02 to 1e+00 (tie)"
    assert prior.best_lambda_label([0.5, 0.9, 0.5, 0.9, 1.0], lambdas) == "0, 1e+00 (tie)"
    assert prior.best_lambda_label([0.5] * 5, lambdas) == "every λ (tie)"
    assert prior.best_lambda_label([0.5, 0.50001, 0.6, 0.7, 0.8], lambdas, tol=0) == "0"
    header, rows = prior.sweep_summary({6: [0.01073, 0.01073, 0.010748, 0.2, 1.9]}, lambdas)
    assert header[2] == "best λ" and rows[0][2:4] == (
        "λ ≤ 1e+00 (tie)",
        "0.0107",
    )


def test_locally_connected_fit_is_banded_and_untied():
    rng = np.random.default_rng(5)
    m, k = 12, 3
    mask = prior.band_mask(m, k)
    assert mask.shape == (m - k + 1, m) and mask.sum() == (m - k + 1) * k
    assert np.array_equal(mask, np.abs(cc_signal.conv_matrix(np.ones(k), m, mode="valid")) > 0)
    W_true = rng.standard_normal((m - k + 1, m)) * mask  # local, a different kernel per row
    X = rng.standard_normal((8, m))
    W = prior.fit_locally_connected(X, X @ W_true.T, k)  # no noise: recovered exactly
    assert np.allclose(W, W_true) and np.all(W[~mask] == 0)
    assert prior.distance_to_conv(W, k) > 0.5  # not a convolution: the rows are not tied
    Y = X @ W_true.T + 0.1 * rng.standard_normal((8, m - k + 1))
    W = prior.fit_locally_connected(X, Y, k)
    for i in range(m - k + 1):  # row by row, the least-squares fit on its own window
        expected = np.linalg.lstsq(X[:, i : i + k], Y[:, i], rcond=None)[0]
        assert np.allclose(W[i, i : i + k], expected)
    with pytest.raises(ValueError):
        prior.fit_locally_connected(X, Y[:, 1:], k)


def test_figures_of_the_page():
    grid = np.linspace(-6, 6, 601)
    fig = frames.prior.draw_prior_densities((2.0, 0.15), grid)
    labels = [line.get_label() for line in fig.axes[0].get_lines()]
    assert labels == ["σ = 2.0: entropy 2.11 nats", "σ = 0.15: entropy -0.48 nats"]
    fig = frames.prior.draw_test_errors({16: [1.0, 0.1, 0.01], 400: [0.01] * 3}, [0, 1, np.inf])
    assert len(fig.axes[0].get_lines()) == 2
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["0", "1e+00", "inf"]
    images = np.random.default_rng(0).random((8, 8, 8))
    fig = frames.prior.draw_permuted_digits(images, images[:, ::-1], np.arange(8))
    assert len(fig.axes) == 16 and fig.axes[0].get_title() == "0"
    assert widgets.figure_to_png(fig).startswith(b"\x89PNG")


def test_train_original_and_permuted_returns_one_accuracy_per_seed():
    pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    images = rng.random((40, 8, 8))
    permuted = images.reshape(40, 64)[:, rng.permutation(64)].reshape(40, 8, 8)
    labels = rng.integers(0, 10, 40)
    train, test = np.arange(30), np.arange(30, 40)
    original, shuffled = prior.train_original_and_permuted(
        "MLP", images, permuted, labels, train, test, seeds=[0, 1], device="cpu", epochs=1
    )
    assert original.shape == shuffled.shape == (2,)
    assert np.all((0 <= original) & (original <= 1))
    with pytest.raises(KeyError):
        prior.train_original_and_permuted("RNN", images, permuted, labels, train, test, [0])
