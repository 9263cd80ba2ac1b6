"""A fully connected layer with a convolutional prior (§9.4), solved in closed form.

A linear layer ``y = W x`` (``W`` of shape ``(n, m)``) is fitted to examples by maximum a
posteriori with a Gaussian prior centred on the nearest convolution-structured matrix
:math:`P(W)` (tied, shifted, local weights: a banded Toeplitz matrix with ``k`` free values):

.. math::

    \\hat W = \\arg\\min_W \\; \\lVert Y - X W^\\top \\rVert_F^2
              + \\lambda \\lVert W - P(W) \\rVert_F^2 .

``lam`` (:math:`\\lambda`) is the prior's precision times the noise variance. ``P`` is the
orthogonal projection onto the ``k``-dimensional space of such matrices, so the objective
is quadratic and its minimiser solves a linear system. ``lam = 0`` is the plain dense layer
under a flat, improper prior: with fewer examples than inputs its fit is not unique, and
the minimum-norm least-squares fit is returned. ``lam = inf`` is the infinitely strong
prior: ``W`` *is* a convolution, and only its ``k`` kernel values are fitted.
"""

import numpy as np

from . import signal


def conv_basis(n_inputs, kernel_size):
    """The basis of convolution-structured ``(n, m)`` matrices: one matrix per kernel tap.

    ``basis[j]`` is the valid cross-correlation matrix of a kernel with a single one at tap
    ``j``, so any convolution matrix is ``sum_j w[j] * basis[j]``.

    Returns
    -------
    numpy.ndarray, shape (k, m - k + 1, m)
    """
    taps = np.eye(kernel_size)
    return np.stack([signal.conv_matrix(t, n_inputs, mode="valid", flip=False) for t in taps])


def project_to_conv(W, kernel_size):
    """The nearest convolution-structured matrix :math:`P(W)` and its kernel.

    The basis matrices have disjoint supports, so the projection averages ``W`` along
    each of the ``k`` diagonals of the band and sets everything else to zero.

    Returns
    -------
    projected : numpy.ndarray, same shape as ``W``
    kernel : numpy.ndarray, shape (k,)
    """
    basis = conv_basis(W.shape[1], kernel_size)
    kernel = np.einsum("jnm,nm->j", basis, W) / basis.sum(axis=(1, 2))
    return np.einsum("j,jnm->nm", kernel, basis), kernel


def distance_to_conv(W, kernel_size):
    """Relative distance to a convolution, :math:`\\lVert W - P(W) \\rVert_F / \\lVert W \\rVert_F`.

    0 for a convolution matrix, at most 1 (``P`` is an orthogonal projection, so
    :math:`\\lVert W - P(W) \\rVert_F \\le \\lVert W \\rVert_F`); unchanged when ``W`` is scaled.
    """
    projected, _ = project_to_conv(W, kernel_size)
    return float(np.linalg.norm(W - projected) / np.linalg.norm(W))


def fit_with_conv_prior(X, Y, kernel_size, lam):
    """Fit ``W`` by MAP with a Gaussian prior centred on ``P(W)``, of strength ``lam``.

    ``lam`` is the prior's precision times the noise variance: with noise
    :math:`y = W x + \\epsilon`, :math:`\\epsilon \\sim N(0, \\sigma^2 I)`, and prior density
    :math:`\\propto \\exp(-\\tfrac{\\alpha}{2} \\lVert W - P(W) \\rVert_F^2)`, the negative log
    posterior times :math:`2 \\sigma^2` is the objective above with
    :math:`\\lambda = \\alpha \\sigma^2`.

    Setting the gradient of the objective to zero gives, with ``w = vec(W)`` (row-major),
    ``G = X^T X`` and ``Q = I - U U^T`` (``U``: the orthonormal convolution basis),

    .. math::

        (I_n \\otimes G + \\lambda Q)\\, w = \\operatorname{vec}(Y^\\top X).

    For ``lam > 0`` the matrix is positive definite as soon as no nonzero convolution
    matrix maps every example to zero, and the solution is unique. At ``lam = 0`` the prior
    is flat (improper) and the system is singular whenever there are fewer examples than
    inputs (``S < m``): many ``W`` fit equally well, and this function returns the one of
    smallest Frobenius norm, ``W = (X^+ Y)^T`` with the pseudo-inverse :math:`X^+`.

    Parameters
    ----------
    X : numpy.ndarray, shape (S, m)
        Inputs, one example per row.
    Y : numpy.ndarray, shape (S, n)
        Targets, ``n = m - k + 1``.
    kernel_size : int
    lam : float
        Prior precision times noise variance, ``0 <= lam <= inf``.

    Returns
    -------
    numpy.ndarray, shape (n, m)
    """
    if not lam >= 0:
        raise ValueError(f"`lam` must be a precision >= 0 (or inf), got {lam!r}")
    basis = conv_basis(X.shape[1], kernel_size)
    n, m = basis.shape[1:]
    if Y.shape[1] != n:
        raise ValueError(f"`Y` must have {n} columns (m - k + 1), got shape {Y.shape}")
    if lam == 0:
        # Each row of W is an independent least-squares problem X w_i = Y[:, i].
        return np.linalg.lstsq(X, Y, rcond=None)[0].T  # minimum-norm solution
    if np.isinf(lam):
        # W = sum_j w_j B_j, and Y[s] = W X[s] is linear in the kernel w.
        design = np.einsum("jnm,sm->snj", basis, X).reshape(-1, kernel_size)
        kernel = np.linalg.lstsq(design, Y.reshape(-1), rcond=None)[0]
        return np.einsum("j,jnm->nm", kernel, basis)
    return _solve_map(X, Y, basis, lam)


def _solve_map(X, Y, basis, lam):
    """Solve the MAP system of :func:`fit_with_conv_prior` with small matrices only.

    :math:`Q = I - U U^\\top`, so the matrix is :math:`A - \\lambda U U^\\top` with the block
    diagonal :math:`A = I_n \\otimes (G + \\lambda I)`: ``n`` copies of one ``m x m`` matrix, and a
    rank-``k`` correction. The Woodbury identity

    .. math::

        (A - \\lambda U U^\\top)^{-1} = A^{-1}
        + A^{-1} U \\,(I_k / \\lambda - U^\\top A^{-1} U)^{-1}\\, U^\\top A^{-1}

    needs only :math:`(G + \\lambda I)^{-1}` (``m x m``) and a ``k x k`` solve. :math:`A^{-1}`
    applied to a matrix ``Z`` (as ``vec(Z)``) is ``Z (G + \\lambda I)^{-1}``: a ridge regression
    of each row toward zero; the correction pulls it back along the ``k`` convolution
    directions, which the prior leaves free. :func:`prior_system` builds the big matrix for
    checking.
    """
    k, n, m = basis.shape
    ridge = np.linalg.inv(X.T @ X + lam * np.eye(m))  # (G + lam I)^-1, symmetric
    directions = basis / np.sqrt(n)  # the orthonormal columns of U, as (n, m) matrices
    Z = (Y.T @ X) @ ridge  # A^-1 vec(Y^T X)
    AU = directions @ ridge  # A^-1 U, one (n, m) matrix per column
    small = np.eye(k) / lam - np.einsum("inm,jnm->ij", directions, AU)
    coefficients = np.linalg.solve(small, np.einsum("jnm,nm->j", directions, Z))
    return Z + np.einsum("j,jnm->nm", coefficients, AU)


def prior_system(X, kernel_size, lam):
    """The matrix :math:`I_n \\otimes X^\\top X + \\lambda Q` of :func:`fit_with_conv_prior`.

    Returns
    -------
    numpy.ndarray, shape (n m, n m)
    """
    basis = conv_basis(X.shape[1], kernel_size)
    n, m = basis.shape[1:]
    U = basis.reshape(kernel_size, -1).T
    U = U / np.linalg.norm(U, axis=0)
    Q = np.eye(n * m) - U @ U.T
    return np.kron(np.eye(n), X.T @ X) + lam * Q


def band_mask(n_inputs, kernel_size):
    """Where a local ``(n, m)`` matrix may be nonzero: the ``k`` diagonals of the band.

    Row ``i`` (output ``i``) sees inputs ``i`` to ``i + k - 1``, as in a valid convolution.

    Returns
    -------
    numpy.ndarray of bool, shape (m - k + 1, n_inputs)
    """
    return conv_basis(n_inputs, kernel_size).any(axis=0)


def fit_locally_connected(X, Y, kernel_size):
    """Least-squares fit under the locality half of the prior only: a locally connected layer.

    The infinitely strong prior that says only "local" (zero outside the band,
    :func:`band_mask`) and nothing about sharing leaves ``n k`` free weights instead of
    ``k``: each output ``i`` has its own kernel, fitted by least squares on its window,

    .. math::

        \\hat w_i = \\arg\\min_w \\lVert Y_{:, i} - X_{:, i:i+k}\\, w \\rVert^2 .

    It is the limit :math:`\\lambda \\to \\infty` of a Gaussian prior that pulls ``W`` toward its
    banded part (instead of toward :math:`P(W)`): it forbids what lies outside the band and
    leaves the band free.

    Parameters
    ----------
    X : numpy.ndarray, shape (S, m)
    Y : numpy.ndarray, shape (S, n)
        Targets, ``n = m - k + 1``.
    kernel_size : int

    Returns
    -------
    numpy.ndarray, shape (n, m)
        Zero outside the band.
    """
    n = X.shape[1] - kernel_size + 1
    if Y.shape[1] != n:
        raise ValueError(f"`Y` must have {n} columns (m - k + 1), got shape {Y.shape}")
    W = np.zeros((n, X.shape[1]))
    for i in range(n):
        window = slice(i, i + kernel_size)
        W[i, window] = np.linalg.lstsq(X[:, window], Y[:, i], rcond=None)[0]
    return W


def make_regression(kernel, n_inputs, n_examples, noise=0.1, seed=0, position_weights=None):
    """Examples ``y = conv(x) + noise`` from a hidden convolution (or a non-convolution).

    Parameters
    ----------
    kernel : array_like, shape (k,)
        The hidden kernel (cross-correlation, valid).
    n_inputs : int
    n_examples : int
    noise : float
        Standard deviation of Gaussian noise on ``y``.
    seed : int
    position_weights : array_like, shape (m - k + 1,), optional
        Multiply output ``i`` by ``position_weights[i]``: the map then depends on absolute
        position and is no longer a convolution (the prior is wrong).

    Returns
    -------
    X : numpy.ndarray, shape (n_examples, m)
    Y : numpy.ndarray, shape (n_examples, m - k + 1)
    W_true : numpy.ndarray, shape (m - k + 1, m)
    """
    rng = np.random.default_rng(seed)
    W_true = signal.conv_matrix(np.asarray(kernel, dtype=float), n_inputs, mode="valid", flip=False)
    if position_weights is not None:
        W_true = np.asarray(position_weights, dtype=float)[:, None] * W_true
    X = rng.standard_normal((n_examples, n_inputs))
    Y = X @ W_true.T + noise * rng.standard_normal((n_examples, W_true.shape[0]))
    return X, Y, W_true


def mean_squared_error(W, X, Y):
    """Mean squared error of ``W`` on held-out examples."""
    return float(np.mean((Y - X @ W.T) ** 2))


def sweep(X, Y, X_test, Y_test, kernel_size, precisions):
    """Fit for each prior precision and measure the fit.

    Returns
    -------
    list of dict
        One per precision: ``lam``, ``W``, ``distance`` (to the nearest convolution),
        ``train_error`` and ``test_error`` (mean squared errors).
    """
    results = []
    for lam in precisions:
        W = fit_with_conv_prior(X, Y, kernel_size, lam)
        results.append(
            {
                "lam": lam,
                "W": W,
                "distance": distance_to_conv(W, kernel_size),
                "train_error": mean_squared_error(W, X, Y),
                "test_error": mean_squared_error(W, X_test, Y_test),
            }
        )
    return results


def precision_label(lam):
    """How a precision is written on a slider: ``0``, ``1e-02`` ... ``inf``."""
    if lam == 0:
        return "0"
    if np.isinf(lam):
        return "inf"
    return f"{lam:.0e}"


def kernel_design(X, kernel_size):
    """The matrix that maps a kernel to every output of every example: shape ``(S n, k)``.

    A convolution-structured matrix is :math:`C = \\sum_j w_j B_j` (:func:`conv_basis`), and
    :math:`C x_s` is linear in the kernel :math:`w`: row ``(s, i)`` of the design holds
    :math:`(B_j x_s)_i` for ``j = 0 … k-1``. Its rank is ``k`` exactly when no nonzero
    convolution matrix maps every example to zero; then the fit at ``lam = inf`` is unique,
    and for every ``lam > 0`` the posterior is proper (see :func:`posterior_precision`).
    """
    basis = conv_basis(X.shape[1], kernel_size)
    return np.einsum("jnm,sm->snj", basis, X).reshape(-1, kernel_size)


def posterior_precision(X, kernel_size, alpha, noise):
    """The Hessian of the negative log posterior in ``vec(W)``: its precision matrix.

    With likelihood :math:`N(y_s; W x_s, \\sigma^2 I)` and prior density
    :math:`\\propto \\exp(-\\tfrac{\\alpha}{2} \\lVert W - P(W) \\rVert_F^2)`,

    .. math::

        H = \\frac{1}{\\sigma^2}\\, I_n \\otimes X^\\top X + \\alpha\\, Q,
        \\qquad Q = I - U U^\\top .

    The posterior is a proper Gaussian exactly when :math:`H` is positive definite. For
    :math:`v = \\operatorname{vec}(V)`, :math:`v^\\top H v = \\sum_s \\lVert V x_s \\rVert^2 /
    \\sigma^2 + \\alpha \\lVert V - P(V) \\rVert_F^2`, which is zero only if :math:`V` is a
    convolution matrix (for :math:`\\alpha > 0`) that maps every example to zero: so for
    :math:`\\alpha > 0`, :math:`H` is positive definite iff :func:`kernel_design` has rank
    ``k``. The prior alone (:math:`X = 0`) is flat along the ``k`` convolution directions
    for every :math:`\\alpha`: improper.

    Returns
    -------
    numpy.ndarray, shape (n m, n m)
    """
    return prior_system(X, kernel_size, alpha * noise**2) / noise**2


def limit_fit(X, Y, kernel_size):
    """The limit of :func:`fit_with_conv_prior` as ``lam`` tends to ``0`` from above.

    As :math:`\\lambda \\to 0^+` the training error dominates, so the limit is a least-squares
    fit; among those, :math:`W_0 + N` with the rows of :math:`N` in the null space of the
    inputs (:math:`X N^\\top = 0`), the penalty picks the one nearest to a convolution:

    .. math::

        W_{0^+} = \\arg\\min \\{\\lVert W - P(W) \\rVert_F :
        W \\text{ minimises } \\lVert Y - X W^\\top \\rVert_F \\} .

    It is unique when :func:`kernel_design` has rank ``k``. This is a least-squares problem
    in the coefficients of :math:`N` (solved here without any ``lam``). With as many
    independent examples as inputs the null space is empty and the limit is the plain
    least-squares fit.

    Returns
    -------
    numpy.ndarray, shape (n, m)
    """
    W_zero = fit_with_conv_prior(X, Y, kernel_size, 0)
    n, m = W_zero.shape
    rank = np.linalg.matrix_rank(X)
    Z = np.linalg.svd(X)[2][rank:].T  # (m, m - rank): the directions no example sees
    if Z.shape[1] == 0:
        return W_zero
    U = conv_basis(m, kernel_size).reshape(kernel_size, -1).T / np.sqrt(n)
    residual = np.eye(n * m) - U @ U.T  # vec(W) -> vec(W - P(W))
    columns = residual @ np.kron(np.eye(n), Z)  # what each coefficient of N does to it
    coefficients = np.linalg.lstsq(columns, -residual @ W_zero.reshape(-1), rcond=None)[0]
    return W_zero + coefficients.reshape(n, -1) @ Z.T


def minimise_lbfgs(loss, shape, max_iter=200):
    """Minimise ``loss(W)`` over a float64 torch tensor ``W`` of ``shape`` with L-BFGS, from zero.

    A gradient-based route to the minimiser that :func:`fit_with_conv_prior` finds in closed
    form: torch's L-BFGS with a strong-Wolfe line search and tight tolerances.

    Parameters
    ----------
    loss : callable
        Takes the tensor ``W`` and returns a scalar tensor.
    shape : tuple of int
    max_iter : int

    Returns
    -------
    numpy.ndarray of ``shape``
    """
    import torch

    W = torch.zeros(shape, dtype=torch.float64, requires_grad=True)
    optimiser = torch.optim.LBFGS(
        [W], max_iter=max_iter, tolerance_grad=1e-12, tolerance_change=1e-14,
        line_search_fn="strong_wolfe",
    )  # fmt: skip

    def closure():
        optimiser.zero_grad()
        value = loss(W)
        value.backward()
        return value

    optimiser.step(closure)
    return W.detach().numpy()


def sweep_table(results):
    """Header and rows of a sweep's table: λ, relative distance, train and test error.

    Parameters
    ----------
    results : list of dict
        From :func:`sweep`.

    Returns
    -------
    header : list of str
    rows : list of tuple of str
    """
    header = ["λ", "d(W)", "train error", "test error"]
    rows = [
        (precision_label(r["lam"]), f"{r['distance']:.1e}", f"{r['train_error']:.1e}",
         f"{r['test_error']:.4f}")
        for r in results
    ]  # fmt: skip
    return header, rows


def train_original_and_permuted(architecture, images, permuted, labels, train, test, seeds,
                                device=None, epochs=20, lr=1e-2):  # fmt: skip
    """Test accuracies of one architecture trained on original and on permuted pixels.

    For each seed, a model initialised with ``torch.manual_seed(seed)`` is trained on the
    original images and another, initialised the same way, on the permuted images; all
    ``2 len(seeds)`` models are trained at once as one stack (:class:`cnncourse.nn.MLPStack`
    or :class:`cnncourse.nn.SmallCNNStack`), each on its own images in its own seed's order,
    taking the steps it would take alone (:func:`cnncourse.nn.train_stack`).

    Parameters
    ----------
    architecture : {"MLP", "CNN"}
    images, permuted : numpy.ndarray, shape (N, 8, 8)
        The images, and the same images with their pixels permuted.
    labels : numpy.ndarray of int, shape (N,)
    train, test : numpy.ndarray of int
        Indices of the training and test images.
    seeds : sequence of int
    device : str, optional
    epochs, lr
        Passed to :func:`cnncourse.nn.train_stack`.

    Returns
    -------
    original, permuted : numpy.ndarray, shape (len(seeds),)
    """
    import torch

    from . import nn

    make, stack = {"MLP": (nn.MLP, nn.MLPStack), "CNN": (nn.SmallCNN, nn.SmallCNNStack)}[
        architecture
    ]
    seeds = list(seeds)
    models = []
    for seed in seeds * 2:  # first on original pixels, then on permuted pixels
        torch.manual_seed(seed)
        models.append(make())
    count = len(seeds)
    scores = nn.train_stack(
        stack(models),
        np.stack([images[train]] * count + [permuted[train]] * count),
        labels[train],
        np.stack([images[test]] * count + [permuted[test]] * count),
        labels[test],
        epochs=epochs, lr=lr, seeds=seeds * 2, device=device,
    )  # fmt: skip
    return scores[:count], scores[count:]


def dense_vs_conv_cost(n_inputs, n_outputs, taps):
    """Storage and multiplications of one layer, as a dense matrix and as a convolution.

    A dense layer stores all :math:`n m` entries of its matrix and multiplies each by an
    input; a convolution with ``taps`` kernel values stores those and does :math:`n \\cdot
    \\text{taps}` multiplications (one per nonzero entry of the dense matrix). The other
    :math:`n (m - \\text{taps})` entries are zeros the prior forces.

    Parameters
    ----------
    n_inputs, n_outputs : int
        :math:`m` and :math:`n` (for an image, the number of pixels in and out).
    taps : int
        Kernel values (``k`` in 1-D, ``kh * kw`` for an image).

    Returns
    -------
    dict
        ``dense`` (entries stored = multiplications per example), ``zeros`` (the fraction of
        them that are zero), ``conv_weights``, ``conv_mults``.
    """
    dense = n_inputs * n_outputs
    conv_mults = n_outputs * taps
    return {"dense": dense, "zeros": 1 - conv_mults / dense, "conv_weights": taps,
            "conv_mults": conv_mults}  # fmt: skip


def cost_table(costs):
    """Header and rows comparing layers' costs from :func:`dense_vs_conv_cost`.

    Parameters
    ----------
    costs : dict
        ``{layer name: dense_vs_conv_cost(...)}``.

    Returns
    -------
    header : list of str
    rows : list of tuple of str
    """
    header = ["layer", "dense: weights = multiplications", "of them zeros",
              "convolution: weights", "multiplications"]  # fmt: skip
    rows = [
        (name, f"{c['dense']:,}", f"{c['zeros']:.3%}", f"{c['conv_weights']}",
         f"{c['conv_mults']:,}")
        for name, c in costs.items()
    ]  # fmt: skip
    return header, rows


def torch_objective(X, Y, kernel_size, lam):
    """The MAP objective of :func:`fit_with_conv_prior` as a torch function of ``W``.

    .. math::

        L(W) = \\sum_s \\lVert y_s - W x_s \\rVert^2 + \\lambda \\lVert W - P(W) \\rVert_F^2,

    with :math:`P(W)` computed in torch (the mean of each diagonal of the band, put back on
    the band), so autograd gives the gradient that :func:`minimise_lbfgs` follows.

    Returns
    -------
    callable
        ``loss(W)`` for a float64 tensor ``W`` of shape ``(m - k + 1, m)``.
    """
    import torch

    basis = torch.tensor(conv_basis(X.shape[1], kernel_size))
    X, Y = torch.as_tensor(X, dtype=torch.float64), torch.as_tensor(Y, dtype=torch.float64)

    def loss(W):
        kernel = torch.einsum("jnm,nm->j", basis, W) / basis.sum(dim=(1, 2))  # diagonal means
        projected = torch.einsum("j,jnm->nm", kernel, basis)  # P(W)
        return ((Y - X @ W.T) ** 2).sum() + lam * ((W - projected) ** 2).sum()

    return loss


def best_lambda_label(values, lambdas, tol=5e-5):
    """The best λ of a sweep, with its ties: every λ whose error is within ``tol`` of the least.

    Errors that differ by less than ``tol`` (by default half a unit in the fourth decimal,
    the precision the tables print) are a tie, and a single "best" among them would be noise.

    Parameters
    ----------
    values : sequence of float
        Test errors, one per λ.
    lambdas : sequence of float
        The λ of each error, increasing from ``0`` to ``inf``.
    tol : float
        Absolute tolerance of a tie.

    Returns
    -------
    str
        ``"1e-01"`` for a single best λ; ``"λ ≤ 1e+00 (tie)"`` when the tie runs from the first
        λ, ``"λ ≥ 1e+03 (tie)"`` when it runs to the last, ``"1e-02 to 1e+00 (tie)"`` in between,
        and the tied λ listed one by one when they are not consecutive.
    """
    values = np.asarray(values, dtype=float)
    tied = np.flatnonzero(values <= values.min() + tol)
    labels = [precision_label(lambdas[i]) for i in tied]
    if len(tied) == 1:
        return labels[0]
    if np.any(np.diff(tied) != 1):
        return ", ".join(labels) + " (tie)"
    if tied[0] == 0 and tied[-1] == len(values) - 1:
        return "every λ (tie)"
    if tied[0] == 0:
        return f"λ ≤ {labels[-1]} (tie)"
    if tied[-1] == len(values) - 1:
        return f"λ ≥ {labels[0]} (tie)"
    return f"{labels[0]} to {labels[-1]} (tie)"


def sweep_summary(errors, lambdas, local=None, tol=5e-5):
    """Header and rows summarising test-error sweeps: both ends, the best λ, and their ratio.

    Parameters
    ----------
    errors : dict
        ``{number of training examples: test errors, one per λ}``.
    lambdas : sequence of float
        The λ of each error, from ``0`` to ``inf``.
    local : dict, optional
        ``{number of training examples: test error of the locally connected fit}``
        (:func:`fit_locally_connected`): an extra column when given.
    tol : float
        Errors within ``tol`` of the least are a tie for the best λ (:func:`best_lambda_label`).

    Returns
    -------
    header : list of str
    rows : list of tuple of str
        Short headers, for a phone: the page explains them under the table.
        Per size (every error to 4 decimals): the test error at λ = 0, the best λ (with
        its ties) and its error, the error at λ = ∞, the ratio (error at λ = 0) /
        (error at λ = ∞), and the locally connected fit's error if ``local`` is given.
    """
    header = ["examples", "λ = 0", "best λ", "at best", "λ = ∞", "ratio"]
    if local is not None:
        header.append("local")
    rows = []
    for n, values in errors.items():
        best = best_lambda_label(values, lambdas, tol)
        ends = [f"{values[0]:.4f}", f"{values[-1]:.4f}", f"{values[0] / values[-1]:.3g}"]
        row = [str(n), ends[0], best, f"{min(values):.4f}", ends[1], ends[2]]
        if local is not None:
            row.append(f"{local[n]:.4f}")
        rows.append(tuple(row))
    return header, rows


def accuracy_table(accuracy):
    """Header and rows of mean ± standard deviation of accuracies, original and permuted.

    The standard deviation is the sample one (``ddof=1``), over the seeds.

    Parameters
    ----------
    accuracy : dict
        ``{model name: (accuracies on original pixels, on permuted pixels)}``, as returned
        by :func:`train_original_and_permuted`.
    """
    header = ["model", "original pixels (mean ± std)", "permuted pixels (mean ± std)"]
    rows = [(name, *[f"{a.mean():.3f} ± {a.std(ddof=1):.3f}" for a in pair])
            for name, pair in accuracy.items()]  # fmt: skip
    return header, rows
