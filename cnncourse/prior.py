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
