"""The prior chapter (§9.4): the closed-form MAP fit, its frame, and the stacked classifiers."""

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

from cnncourse import frames, prior, widgets


def _big_system_solution(X, Y, k, lam):
    """Reference: build (I ⊗ XᵀX + λQ) in full and solve it."""
    n = X.shape[1] - k + 1
    system = prior.prior_system(X, k, lam)
    return np.linalg.solve(system, (Y.T @ X).reshape(-1)).reshape(n, -1)


@pytest.mark.parametrize("seed", range(6))
def test_map_fit_matches_the_full_linear_system(seed):
    rng = np.random.default_rng(seed)
    m, k = int(rng.integers(6, 16)), int(rng.integers(1, 5))
    examples = int(rng.integers(2, 25))
    lam = float(10 ** rng.uniform(-3, 5))
    X, Y, _ = prior.make_regression(rng.standard_normal(k), m, examples, seed=seed)
    fitted = prior.fit_with_conv_prior(X, Y, k, lam)
    reference = _big_system_solution(X, Y, k, lam)
    assert np.allclose(fitted, reference, rtol=1e-7, atol=1e-9 * np.abs(reference).max())


def test_map_fit_minimises_the_objective():
    rng = np.random.default_rng(7)
    X, Y, _ = prior.make_regression([1.0, -2.0, 0.5], 12, 8, seed=7)
    lam = 3.0

    def objective(W):
        projected, _ = prior.project_to_conv(W, 3)
        return ((Y - X @ W.T) ** 2).sum() + lam * ((W - projected) ** 2).sum()

    fitted = prior.fit_with_conv_prior(X, Y, 3, lam)
    for _ in range(5):
        nudged = fitted + 1e-3 * rng.standard_normal(fitted.shape)
        assert objective(nudged) > objective(fitted)


def test_flat_prior_gives_the_minimum_norm_fit():
    X, Y, _ = prior.make_regression([1.0, 2.0, 1.0], 10, 6, seed=3)  # 6 examples < 10 inputs
    fitted = prior.fit_with_conv_prior(X, Y, 3, 0)
    assert np.allclose(fitted, (np.linalg.pinv(X) @ Y).T)
    null = np.linalg.svd(X)[2][6:]  # directions no example sees
    other = fitted + np.ones((fitted.shape[0], 1)) * null[0]
    assert np.allclose(X @ other.T, X @ fitted.T)  # same fit, larger norm
    assert np.linalg.norm(other) > np.linalg.norm(fitted)


def test_infinite_precision_is_a_convolution_and_the_limit_of_large_ones():
    X, Y, _ = prior.make_regression([0.5, -1.0, 2.0], 14, 9, seed=4)
    infinite = prior.fit_with_conv_prior(X, Y, 3, np.inf)
    assert prior.distance_to_conv(infinite, 3) < 1e-12
    assert np.allclose(prior.fit_with_conv_prior(X, Y, 3, 1e9), infinite, atol=1e-6)


def test_relative_distance_to_a_convolution():
    rng = np.random.default_rng(5)
    W = rng.standard_normal((8, 10))
    projected, kernel = prior.project_to_conv(W, 3)
    expected = np.linalg.norm(W - projected) / np.linalg.norm(W)
    assert prior.distance_to_conv(W, 3) == pytest.approx(expected)
    assert 0 <= expected <= 1
    assert prior.distance_to_conv(7.5 * W, 3) == pytest.approx(expected)  # relative
    assert prior.distance_to_conv(projected, 3) < 1e-12
    # the kernel is the mean of each diagonal of the band (cross-correlation layout)
    assert np.allclose(kernel, [np.diagonal(W, j).mean() for j in range(3)])


def test_negative_precision_is_refused():
    X, Y, _ = prior.make_regression([1.0, 1.0], 6, 4)
    with pytest.raises(ValueError, match="`lam`"):
        prior.fit_with_conv_prior(X, Y, 2, -1.0)


def test_prior_frame_names_lambda_and_the_minimum_norm_fit():
    X, Y, W_true = prior.make_regression(np.ones(3), 10, 6)
    results = prior.sweep(X, Y, X, Y, 3, [0, 1, np.inf])
    first = frames.draw_prior_frame(results, 0, W_true)
    assert "λ = 0" in first.axes[0].get_title() and "minimum norm" in first.axes[0].get_title()
    assert "noise variance" in first.axes[2].get_xlabel()
    last = frames.draw_prior_frame(results, 2, W_true)
    assert "λ = inf" in last.axes[0].get_title()
    titles = [ax.get_title() for ax in last.axes[2:4]]
    assert titles == ["test error (mean squared)", "relative distance d(W)"]  # two axes
    assert last.axes[4].get_ylabel() == "weight"  # the colour bar of both matrices
    sizes = [t.get_fontsize() for ax in last.axes for t in ax.get_xticklabels()]
    assert min(sizes) >= 10  # readable at the displayed size (80 dpi)
    assert widgets.figure_to_png(last).startswith(b"\x89PNG")


# --------------------------------------------------------------------------- stacked models

torch = pytest.importorskip("torch")
cnn = pytest.importorskip("cnncourse.nn")


@pytest.mark.parametrize(("make", "stack"), [("MLP", "MLPStack"), ("SmallCNN", "SmallCNNStack")])
def test_a_stack_computes_what_its_models_compute(make, stack):
    torch.manual_seed(0)
    models = [getattr(cnn, make)() for _ in range(3)]
    stacked = getattr(cnn, stack)(models)
    images = torch.randn(5, 3, 8, 8)  # image g goes to model g
    with torch.no_grad():
        together = stacked(images)
        for g, model in enumerate(models):
            alone = model(images[:, g : g + 1])
            assert torch.allclose(together[:, g], alone, atol=1e-5)


@pytest.mark.parametrize(("make", "stack"), [("MLP", "MLPStack"), ("SmallCNN", "SmallCNNStack")])
def test_training_a_stack_is_training_each_model(make, stack):
    rng = np.random.default_rng(1)
    images = rng.random((2, 40, 8, 8))  # two image sets, one per model
    labels = rng.integers(0, 10, 40)
    test = rng.random((2, 30, 8, 8))
    test_labels = rng.integers(0, 10, 30)
    settings = dict(epochs=3, lr=1e-2, batch_size=16, device="cpu")

    def fresh(seed):
        torch.manual_seed(seed)
        return getattr(cnn, make)()

    alone = [fresh(seed) for seed in (4, 5)]
    alone_accuracy = [
        cnn.train_classifier(model, images[g], labels, test[g], test_labels, seed=g, **settings)
        for g, model in enumerate(alone)
    ]
    together = getattr(cnn, stack)([fresh(4), fresh(5)])
    accuracy = cnn.train_stack(
        together, images, labels, test, test_labels, seeds=[0, 1], **settings
    )
    assert np.array_equal(accuracy, alone_accuracy)
    with torch.no_grad():
        outputs = together(torch.tensor(test, dtype=torch.float32).transpose(0, 1))
        for g, model in enumerate(alone):
            expected = model(torch.tensor(test[g], dtype=torch.float32)[:, None])
            assert torch.allclose(outputs[:, g], expected, atol=1e-4)


def test_train_stack_restores_threads_and_checks_its_arguments():
    threads = torch.get_num_threads()
    model = cnn.MLPStack([cnn.MLP(), cnn.MLP()])
    images = np.zeros((2, 4, 8, 8))
    with pytest.raises(ValueError, match="`images`"):
        cnn.train_stack(model, images, np.zeros(4, int), images, np.zeros(4, int), seeds=[0])
    cnn.train_stack(model, images, np.zeros(4, int), images, np.zeros(4, int), epochs=1,
                    seeds=[0, 1], device="cpu")  # fmt: skip
    assert torch.get_num_threads() == threads
