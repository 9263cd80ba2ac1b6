"""The maths of §9.1 on plain arrays: convolution, cross-correlation, flipping, and
convolution written as a (sparse) matrix.

Conventions follow ``numpy.convolve`` and ``scipy.signal.convolve``: arrays are zero outside
their bounds, and ``mode`` picks which part of the result to return,

* ``"full"``: every shift at which ``x`` and ``w`` overlap, size ``n + k - 1``;
* ``"same"``: the centre of the full result, the size of ``x``;
* ``"valid"``: only shifts where ``w`` lies inside ``x``, size ``n - k + 1`` (or where ``x``
  lies inside ``w``, size ``k - n + 1``, when the kernel is the larger).

The functions work on 1-D signals and 2-D images of any numeric dtype, and on object arrays
of ``sympy`` symbols, so that Figure 9.1 of the book can be computed rather than typed.
"""

import math
from dataclasses import dataclass

import numpy as np

from . import _args, geometry
from ._dispatch import backend_of, dual_backend
from ._optional import require


@dual_backend
def flip(w):
    """Reverse an array along every axis: ``flip(w)[m, n] = w[-1 - m, -1 - n]``.

    Flipping the kernel is the only difference between convolution and cross-correlation.

    Parameters
    ----------
    w : array_like, 1-D or 2-D

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> flip(np.array([[1, 2], [3, 4]]))
    array([[4, 3],
           [2, 1]])
    """
    return backend_of(w).flip(w)


_reverse = flip  # `conv_matrix` has an argument named `flip`


@dual_backend
def convolve(x, w, mode="full"):
    """Discrete convolution, the kernel flipped (eq. 9.3 in 1-D, 9.4 in 2-D).

    .. math::

        s(t) = (x * w)(t) = \\sum_a x(a)\\, w(t - a), \\qquad
        S(i, j) = \\sum_m \\sum_n I(m, n)\\, K(i - m, j - n).

    Convolution commutes: ``convolve(x, w) == convolve(w, x)``.

    Parameters
    ----------
    x : array_like, 1-D or 2-D
        The input (signal or image). Numbers, or ``sympy`` symbols in an object array.
    w : array_like, same number of dimensions as ``x``
        The kernel.
    mode : {"full", "same", "valid"}
        Which part of the result to return, per axis, for an input of size ``n`` and a
        kernel of size ``k`` (both arrays are zero outside their bounds):

        * ``"full"``: every shift at which ``x`` and ``w`` overlap, size ``n + k - 1``;
        * ``"same"``: the centre of the full result, size ``n`` (it starts at index
          ``(k - 1) // 2`` of the full result, as in ``scipy.signal``);
        * ``"valid"``: only the shifts at which one array lies entirely inside the other,
          size ``|n - k| + 1`` (``n - k + 1`` when the kernel is the smaller; in 2-D one
          array must be at least as large as the other along both axes).

    Returns
    -------
    numpy.ndarray
        Same semantics as ``scipy.signal.convolve(x, w, mode)``; in 1-D also as
        ``numpy.convolve`` whenever ``len(x) >= len(w)``. Its dtype, on both backends, is
        NumPy's promotion ``numpy.result_type(x, w)`` (int32 with float32: float64);
        integers are exact, float16 sums are rounded once. The NumPy backend adds one
        shifted copy of ``x`` per tap of ``w``; a 2-D float image with a kernel of at least
        32 x 32 taps goes through the FFT where a check of the data shows that its answer
        is a direct sum's (in ``"full"`` mode, in pieces: the corners read few products,
        and are summed directly).

    Examples
    --------
    >>> convolve([1, 2, 3], [0, 1, 0.5])
    array([0. , 1. , 2.5, 4. , 1.5])
    >>> convolve([1, 2, 3], [0, 1, 0.5], mode="valid")
    array([2.5])
    """
    _args.signal_args(x, w, mode)
    return backend_of(x).convolve(x, w, mode)


@dual_backend
def correlate(x, w, mode="full"):
    """Cross-correlation (eq. 9.6): convolution without flipping the kernel.

    .. math::

        S(i, j) = \\sum_m \\sum_n I(i + m, j + n)\\, K(m, n)
                = (I * \\operatorname{flip}(K))(i, j).

    This is what deep-learning libraries call "convolution".

    Parameters
    ----------
    x, w, mode
        As for :func:`convolve`.

    Returns
    -------
    numpy.ndarray
        Same semantics as ``scipy.signal.correlate(x, w, mode)`` for real inputs.

    Examples
    --------
    >>> correlate([1, 2, 3, 4], [1, -1], mode="valid")
    array([-1, -1, -1])
    """
    _args.signal_args(x, w, mode)
    return backend_of(x).correlate(x, w, mode)


# --------------------------------------------------------------------------- matrices


def _axis_pattern(n, k, mode):
    """Index pattern of the 1-D Toeplitz matrix of a convolution along one axis.

    Returns ``(rows, cols, taps, n_out)``: ``M[rows, cols] = w[taps]``, and the output's
    length along the axis.
    """
    n_out = geometry.mode_shape((n,), (k,), mode)[0]
    start = geometry.mode_start(n, k, n_out)
    out_index = np.arange(n_out)[:, None]
    tap = np.arange(k)[None, :]
    in_index = out_index + start - tap
    inside = (in_index >= 0) & (in_index < n)
    rows = np.broadcast_to(out_index, inside.shape)[inside]
    return rows, in_index[inside], np.broadcast_to(tap, inside.shape)[inside], n_out


def conv_matrix(w, input_shape, mode="valid", flip=True, sparse=False):
    """The matrix ``M`` with ``M @ x.ravel() == convolve(x, w, mode).ravel()``.

    A convolution is linear in its input, so it is a matrix product. The matrix is
    *Toeplitz* in 1-D (each row is the previous one shifted right, with the kernel's entries
    on a few diagonals) and *doubly block Toeplitz* in 2-D (a block Toeplitz matrix whose
    blocks are Toeplitz). Almost all of its entries are zero.

    Parameters
    ----------
    w : array_like, 1-D or 2-D
        The kernel; numbers or ``sympy`` symbols.
    input_shape : int or tuple of int
        Shape of the input ``x`` the matrix acts on.
    mode : {"full", "same", "valid"}
        As for :func:`convolve`.
    flip : bool
        ``True`` for convolution, ``False`` for cross-correlation (:func:`correlate`).
    sparse : bool
        Return a ``scipy.sparse.csr_array`` instead of a dense array (numbers only), so that
        image-sized matrices (Fig 9.6: 89,600 columns) fit in memory.

    Returns
    -------
    numpy.ndarray or scipy.sparse.csr_array, shape (output size, input size)

    Examples
    --------
    >>> conv_matrix([1, 2], 4)
    array([[2, 1, 0, 0],
           [0, 2, 1, 0],
           [0, 0, 2, 1]])
    """
    w = np.asarray(w)
    shape = _args.shape_tuple(input_shape, "input_shape")
    _args.check_numeric(w, "w", allow_object=True)
    _args.signal_shapes(shape, tuple(w.shape), mode, x_name="input_shape", w_name="w")
    flip = _args.flag(flip, "flip")
    sparse = _args.flag(sparse, "sparse")
    out_shape = geometry.mode_shape(shape, w.shape, mode)
    if not sparse:
        _args.check_dense_size(math.prod(out_shape), math.prod(shape))
    kernel = w if flip else _reverse(w)
    patterns = [_axis_pattern(n, k, mode) for n, k in zip(shape, kernel.shape, strict=True)]
    rows, cols, taps, out_shape = _combine_axes(patterns, shape)
    values = kernel[taps]
    n_rows, n_cols = int(np.prod(out_shape)), int(np.prod(shape))
    if sparse:
        scipy_sparse = require("scipy.sparse", "book", "conv_matrix(..., sparse=True)")

        _args.check_numeric(kernel, "w")
        return scipy_sparse.csr_array((values, (rows, cols)), shape=(n_rows, n_cols))
    matrix = np.zeros((n_rows, n_cols), dtype=kernel.dtype)
    matrix[rows, cols] = values
    return matrix


def _axis_nonzeros(n, k, n_out, start):
    """How many (output, tap) pairs read inside the input along one axis, by arithmetic.

    Output ``i`` reads input ``i + start - m`` through tap ``m``; it is inside for
    ``max(0, i + start - n + 1) <= m <= min(k - 1, i + start)``.
    """

    def count(i):
        return min(k - 1, i + start) - max(0, i + start - n + 1) + 1

    # The count is linear between the outputs where a bound switches: sum each piece as an
    # arithmetic series, (first + last) x length / 2.
    switches = (n - 1 - start, k - 1 - start)
    cuts = sorted({0, n_out, *(c + 1 for c in switches if 0 <= c + 1 < n_out)})
    return sum(
        (count(low) + count(high - 1)) * (high - low) // 2
        for low, high in zip(cuts, cuts[1:], strict=False)
    )


def _combine_axes(patterns, shape):
    """Combine per-axis Toeplitz patterns into flat (row, column, tap) indices.

    In 2-D, output ``(i, j)`` reads input ``(r, c)`` through tap ``(m, n)`` exactly when
    ``i`` reads ``r`` through ``m`` along the rows and ``j`` reads ``c`` through ``n`` along
    the columns: the pattern is the Kronecker product of the two 1-D patterns.
    """
    if len(patterns) == 1:
        rows, cols, taps, n_out = patterns[0]
        return rows, cols, (taps,), (n_out,)
    (r_rows, r_cols, r_taps, h_out), (c_rows, c_cols, c_taps, w_out) = patterns
    rows = (r_rows[:, None] * w_out + c_rows[None, :]).ravel()
    cols = (r_cols[:, None] * shape[1] + c_cols[None, :]).ravel()
    taps = (
        np.broadcast_to(r_taps[:, None], (r_taps.size, c_taps.size)).ravel(),
        np.broadcast_to(c_taps[None, :], (r_taps.size, c_taps.size)).ravel(),
    )
    return rows, cols, taps, (h_out, w_out)


# --------------------------------------------------------------------------- symbols and costs


def symbol_array(names, shape):
    """An object array of ``sympy`` symbols, e.g. the input ``a``…``l`` of Fig 9.1.

    Parameters
    ----------
    names : str or sequence of str
        One name per entry, in row-major order; a string of single letters works.
    shape : tuple of int

    Returns
    -------
    numpy.ndarray of dtype object

    Examples
    --------
    >>> K = symbol_array("wxyz", (2, 2))
    >>> correlate(symbol_array("abcdefghijkl", (3, 4)), K, mode="valid")[0, 0]
    a*w + b*x + e*y + f*z
    """
    sympy = require("sympy", "book", "symbol_array")
    symbols = [sympy.Symbol(name) for name in names]
    if len(symbols) != int(np.prod(shape)):
        raise ValueError(f"`names` must hold {int(np.prod(shape))} names, got {len(symbols)}")
    array = np.empty(len(symbols), dtype=object)
    array[:] = symbols
    return array.reshape(shape)


@dataclass(frozen=True)
class ConvCost:
    """What one convolution costs, counted three ways (the table of Fig 9.6).

    Attributes
    ----------
    input_shape, kernel_shape, output_shape : tuple of int
    parameters : int
        Distinct weights: the kernel's size ``k``.
    multiply_adds : int
        ``output size x k``: one multiply and one add per tap per output.
    flops : int
        Floating-point operations of the direct sum: ``k`` multiplies and ``k - 1`` adds per
        output, ``output size x (2k - 1)`` (the book's 319 x 280 x 3 for ``k = 2``).
    dense_entries : int
        Entries of the equivalent dense matrix: ``output size x input size``.
    dense_flops : int
        Floating-point operations of a dense matrix-vector product: ``2 x dense_entries``.
    sparse_nonzeros : int
        Nonzero entries of that matrix (what a sparse format stores).
    """

    input_shape: tuple
    kernel_shape: tuple
    output_shape: tuple
    parameters: int
    multiply_adds: int
    flops: int
    dense_entries: int
    dense_flops: int
    sparse_nonzeros: int


def conv_cost(input_shape, kernel_shape, mode="valid"):
    """Count the cost of convolving an input of ``input_shape`` with a kernel.

    Parameters
    ----------
    input_shape, kernel_shape : int or tuple of int
    mode : {"full", "same", "valid"}

    Returns
    -------
    ConvCost

    Examples
    --------
    >>> cost = conv_cost((280, 320), (1, 2))     # Fig 9.6: a 320 x 280 photo, kernel [-1, 1]
    >>> cost.output_shape, cost.flops, cost.dense_entries
    ((280, 319), 267960, 8003072000)
    """
    x_shape = _args.shape_tuple(input_shape, "input_shape")
    k_shape = _args.shape_tuple(kernel_shape, "kernel_shape")
    _args.signal_shapes(x_shape, k_shape, mode, x_name="input_shape", w_name="kernel_shape")
    out_shape = geometry.mode_shape(x_shape, k_shape, mode)
    n_in, n_out, k = (math.prod(s) for s in (x_shape, out_shape, k_shape))
    nonzeros = 1
    for n, kk, n_o in zip(x_shape, k_shape, out_shape, strict=True):
        nonzeros *= _axis_nonzeros(n, kk, n_o, geometry.mode_start(n, kk, n_o))
    return ConvCost(
        input_shape=x_shape,
        kernel_shape=k_shape,
        output_shape=out_shape,
        parameters=k,
        multiply_adds=n_out * k,
        flops=n_out * (2 * k - 1),
        dense_entries=n_out * n_in,
        dense_flops=2 * n_out * n_in,
        sparse_nonzeros=nonzeros,
    )
