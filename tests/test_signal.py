"""Signal-level maths (§9.1) against numpy.convolve, scipy.signal and plain loops."""

import numpy as np
import pytest
import scipy.signal
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import cnncourse as cc

MODES = ["full", "same", "valid"]
finite = st.floats(-100, 100, allow_nan=False, width=64)


def signal(min_size=1, max_size=12):
    return arrays(np.float64, st.integers(min_size, max_size), elements=finite)


def image(max_side=7):
    shapes = st.tuples(st.integers(1, max_side), st.integers(1, max_side))
    return arrays(np.float64, shapes, elements=finite)


def _close(a, b):
    np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9 * (1 + np.abs(b).max(initial=0)))


@settings(max_examples=150, deadline=None)
@given(x=signal(), w=signal(max_size=6), mode=st.sampled_from(MODES))
def test_convolve_1d_matches_numpy_and_scipy(x, w, mode):
    ours = cc.convolve(x, w, mode)
    _close(ours, scipy.signal.convolve(x, w, mode, method="direct"))
    if len(x) >= len(w):
        _close(ours, np.convolve(x, w, mode))
    _close(cc.correlate(x, w, mode), scipy.signal.correlate(x, w, mode, method="direct"))


@settings(max_examples=100, deadline=None)
@given(x=image(), w=image(4), mode=st.sampled_from(MODES))
def test_convolve_2d_matches_scipy(x, w, mode):
    if mode == "valid" and not (
        all(a >= b for a, b in zip(x.shape, w.shape, strict=False))
        or all(a <= b for a, b in zip(x.shape, w.shape, strict=False))
    ):
        with pytest.raises(ValueError, match="mode 'valid'"):
            cc.convolve(x, w, mode)
        return
    _close(cc.convolve(x, w, mode), scipy.signal.convolve2d(x, w, mode))
    _close(cc.convolve(x, w, mode), scipy.signal.convolve(x, w, mode, method="direct"))
    # scipy.signal.correlate (and numpy.correlate) centre "same" like convolve; correlate2d
    # centres it differently for even kernels, so it is the reference for odd kernels only.
    _close(cc.correlate(x, w, mode), scipy.signal.correlate(x, w, mode, method="direct"))
    if mode != "same" or all(k % 2 for k in w.shape):
        _close(cc.correlate(x, w, mode), scipy.signal.correlate2d(x, w, mode))


@settings(max_examples=100, deadline=None)
@given(x=image(), w=image(4))
def test_convolution_commutes_and_correlation_is_a_flip(x, w):
    _close(cc.convolve(x, w), cc.convolve(w, x))
    _close(cc.correlate(x, w), cc.convolve(x, cc.flip(w)))


def test_correlation_does_not_commute():
    x, w = np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 0.5])
    assert not np.allclose(cc.correlate(x, w), cc.correlate(w, x))


def test_2d_index_forms_agree_with_a_plain_loop():
    """Eq. 9.4 and eq. 9.5 written as loops give the library's full convolution."""
    rng = np.random.default_rng(0)
    image_, kernel = rng.standard_normal((5, 6)), rng.standard_normal((3, 2))
    full = np.zeros((7, 7))
    full_swapped = np.zeros((7, 7))
    for i in range(7):
        for j in range(7):
            for m in range(5):
                for n in range(6):
                    if 0 <= i - m < 3 and 0 <= j - n < 2:
                        full[i, j] += image_[m, n] * kernel[i - m, j - n]  # eq. 9.4
            for m in range(3):
                for n in range(2):
                    if 0 <= i - m < 5 and 0 <= j - n < 6:
                        full_swapped[i, j] += image_[i - m, j - n] * kernel[m, n]  # eq. 9.5
    _close(cc.convolve(image_, kernel), full)
    _close(full, full_swapped)


@settings(max_examples=80, deadline=None)
@given(
    shape=st.tuples(st.integers(1, 6), st.integers(1, 6)),
    kernel=image(3),
    mode=st.sampled_from(MODES),
    flip=st.booleans(),
    sparse=st.booleans(),
)
def test_conv_matrix_times_x_is_the_convolution(shape, kernel, mode, flip, sparse):
    assume(mode != "valid" or all(a >= b for a, b in zip(shape, kernel.shape, strict=False)))
    x = np.random.default_rng(1).standard_normal(shape)
    matrix = cc.conv_matrix(kernel, shape, mode, flip=flip, sparse=sparse)
    op = cc.convolve if flip else cc.correlate
    _close(matrix @ x.ravel(), op(x, kernel, mode).ravel())


def test_conv_matrix_is_toeplitz_in_1d_and_doubly_block_toeplitz_in_2d():
    m = cc.conv_matrix(np.array([1.0, 2.0, 3.0]), 6)
    for d in range(-m.shape[0] + 1, m.shape[1]):
        assert len(set(np.diagonal(m, d))) == 1  # constant along every diagonal
    m2 = cc.conv_matrix(np.arange(1.0, 5.0).reshape(2, 2), (4, 5))  # (3*4) x (4*5)
    blocks = m2.reshape(3, 4, 4, 5).transpose(0, 2, 1, 3)  # block (I, J) of size 4 x 5
    for shift in range(-2, 4):
        along = [blocks[i, i + shift] for i in range(3) if 0 <= i + shift < 4]
        assert all(np.array_equal(along[0], b) for b in along)  # blocks constant on diagonals


def test_conv_matrix_counts_and_fig_9_6_sizes():
    sparse = cc.conv_matrix(np.array([[-1.0, 1.0]]), (280, 320), sparse=True)
    assert sparse.shape == (280 * 319, 280 * 320)
    assert sparse.nnz == 319 * 280 * 2
    cost = cc.conv_cost((280, 320), (1, 2))
    assert cost.sparse_nonzeros == sparse.nnz
    assert cost.flops == 319 * 280 * 3 == 267_960
    assert cost.dense_entries == 320 * 280 * 319 * 280
    for mode in MODES:
        for shape, kernel in [((7,), (3,)), ((5, 6), (2, 3))]:
            dense = cc.conv_matrix(np.ones(kernel), shape, mode)
            assert cc.conv_cost(shape, kernel, mode).sparse_nonzeros == np.count_nonzero(dense)


def test_fig_9_1_symbolically():
    image_ = cc.symbol_array("abcdefghijkl", (3, 4))
    kernel = cc.symbol_array("wxyz", (2, 2))
    out = cc.correlate(image_, kernel, mode="valid")
    assert [str(e) for e in out.ravel()] == [
        "a*w + b*x + e*y + f*z",
        "b*w + c*x + f*y + g*z",
        "c*w + d*x + g*y + h*z",
        "e*w + f*x + i*y + j*z",
        "f*w + g*x + j*y + k*z",
        "g*w + h*x + k*y + l*z",
    ]


@settings(max_examples=60, deadline=None)
@given(x=signal(4, 20), w=signal(max_size=4), shift=st.integers(0, 3), a=finite, b=finite)
def test_linearity_and_shift_equivariance(x, w, shift, a, b):
    y = np.random.default_rng(2).standard_normal(x.shape)
    _close(cc.convolve(a * x + b * y, w), a * cc.convolve(x, w) + b * cc.convolve(y, w))
    shifted = np.concatenate([np.zeros(shift), x])  # shift right, zeros enter on the left
    _close(cc.convolve(shifted, w)[shift:], cc.convolve(x, w))


def test_conv_output_size_formula():
    assert cc.conv_output_size(5, 3) == 3
    assert cc.conv_output_size(7, 3, stride=2, padding=1) == 4
    assert cc.conv_output_size(6, 3, stride=2, ceil_mode=True) == 3
    with pytest.raises(ValueError, match="`stride` must be a positive integer"):
        cc.conv_output_size(5, 3, stride=0)
    with pytest.raises(ValueError, match="larger than the padded input"):
        cc.conv_output_size(2, 3)


def test_symbol_array_without_sympy_names_the_extra():
    """Issue 24: the optional sympy import raises the ImportError that names the extra."""
    import subprocess
    import sys
    from pathlib import Path

    program = (
        "import sys\n"
        "sys.modules['sympy'] = None\n"
        "import cnncourse as cc\n"
        "try:\n"
        "    cc.symbol_array('ab', (2,))\n"
        "except ImportError as error:\n"
        "    print(error)\n"
    )
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run(
        [sys.executable, "-c", program], cwd=root, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "symbol_array needs sympy" in done.stdout, done.stdout
    assert 'pip install "cnncourse[book]"' in done.stdout, done.stdout
