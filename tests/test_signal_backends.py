"""``convolve`` and ``correlate`` give one answer, in one dtype, on both backends.

The rule (both backends): the result has NumPy's promotion of the two dtypes
(``numpy.result_type``, as ``numpy.convolve``): int32 with float32 gives float64, uint16
with int8 gives int32, bool with bool gives bool. Integers are exact (wrapping as NumPy's
do); float16 sums in float32 and rounds once, at the end. The torch backend computes only
the outputs of the mode (no ``k - 1`` padding in ``"valid"``), in bounded blocks, and never
asks a tensor for a Python bool in ``"valid"`` mode (so it runs on the meta device).
"""

import itertools
from unittest import mock

import numpy as np
import pytest

import cnncourse as cc

torch = pytest.importorskip("torch")
from cnncourse import torch_ops  # noqa: E402

DTYPES = ["bool", "uint8", "int8", "int16", "uint16", "int32", "uint32", "int64", "uint64",
          "float16", "float32", "float64", "complex64", "complex128"]  # fmt: skip
MODES = ("full", "same", "valid")


def _tensor(array):
    return torch.from_numpy(np.ascontiguousarray(array))


@pytest.mark.parametrize("function", ["convolve", "correlate"])
@pytest.mark.parametrize("first", DTYPES)
def test_mixed_dtypes_follow_numpy_promotion_on_both_backends(function, first):
    """Issue 24, item 11: every pair of dtypes (torch's unsigned ones too), both functions."""
    rng = np.random.default_rng(0)
    x = rng.integers(0, 4, 9).astype(first)
    for second, mode in itertools.product(DTYPES, MODES):
        w = rng.integers(0, 4, 4).astype(second)
        expected = np.result_type(x, w)
        ours = getattr(cc, function)(x, w, mode)
        theirs = getattr(cc, function)(_tensor(x), _tensor(w), mode)
        reference = getattr(np, function)(x, w, mode)
        label = f"{function}({first}, {second}, {mode!r})"
        assert ours.dtype == expected == reference.dtype, label
        assert str(theirs.dtype) == f"torch.{expected}", label
        np.testing.assert_array_equal(ours, reference, err_msg=label)
        np.testing.assert_array_equal(theirs.numpy(), reference, err_msg=label)


def test_float16_sums_round_once_at_the_end():
    """Issue 24, item 11: 1 + 1 + 2048 is 2050 in float16, not 2048 (1 + 2048 rounds)."""
    x, w = np.array([1, 1, 2048], np.float16), np.ones(3, np.float16)
    assert np.convolve(x, w, "valid")[0] == 2050
    for function in (cc.convolve, cc.correlate):
        assert function(x, w, "valid")[0] == 2050
        assert function(_tensor(x), _tensor(w), "valid")[0].item() == 2050


@pytest.mark.parametrize("mode", MODES)
def test_int64_beyond_2_53_is_exact_on_both_backends(mode):
    """Issue 24, item 4: the torch backend computed int64 in float64 and rounded."""
    x = np.array([2**60 + 1, 3, -(2**55) + 7, 5, 2**53 + 1], np.int64)
    w = np.array([1, -1, 3], np.int64)
    for function in ("convolve", "correlate"):
        reference = getattr(np, function)(x, w, mode)
        np.testing.assert_array_equal(getattr(cc, function)(x, w, mode), reference)
        theirs = getattr(cc, function)(_tensor(x), _tensor(w), mode)
        np.testing.assert_array_equal(theirs.numpy(), reference)


@pytest.mark.parametrize("mode", MODES)
def test_torch_convolve_computes_only_the_needed_outputs(mode):
    """Issue 24, item 5: each torch convolution reads the part of the input its outputs need.

    ``"valid"`` pads nothing; every call's im2col work (outputs x kernel taps) stays within
    the block size; and the answer is scipy's.
    """
    scipy_signal = pytest.importorskip("scipy.signal")
    rng = np.random.default_rng(1)
    x, w = rng.standard_normal((100, 100)), rng.standard_normal((80, 80))
    calls, original = [], torch_ops.F.conv2d

    def spy(input, weight, *args, **kwargs):
        out = original(input, weight, *args, **kwargs)
        calls.append((tuple(input.shape[2:]), tuple(out.shape[2:]), weight[0, 0].numel()))
        return out

    with mock.patch.object(torch_ops.F, "conv2d", spy):
        ours = cc.convolve(_tensor(x), _tensor(w), mode).numpy()
    np.testing.assert_allclose(ours, scipy_signal.convolve(x, w, mode), rtol=1e-9, atol=1e-9)
    if mode == "valid":  # no padding: each block reads its rows of x and nothing more
        assert all(read == (rows + 79, 100) for read, (rows, _), _ in calls), calls
    rows_of_work = torch_ops.BLOCK_BYTES // 8
    for _, (rows, columns), taps in calls:
        assert rows * columns * taps <= max(rows_of_work, columns * taps), calls
    assert sum(rows for _, (rows, _), _ in calls) == ours.shape[0]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("function", ["convolve", "correlate"])
def test_torch_signal_functions_run_on_the_meta_device(function, mode):
    """No host sync on the data: the meta device has none to give (it crashed before)."""
    x = torch.empty((30, 20), device="meta")
    w = torch.empty((5, 4), device="meta")
    y = getattr(cc, function)(x, w, mode)
    assert y.device.type == "meta" and y.dtype == torch.float32
    assert tuple(y.shape) == cc.convolve(np.zeros((30, 20)), np.zeros((5, 4)), mode).shape


def test_special_kernel_values_never_meet_the_padding():
    """An infinite kernel tap adds nothing where it misses ``x`` (NumPy's rule), both backends."""
    x, w = np.array([1.0, 2.0, 3.0, 4.0]), np.array([np.inf, 1.0, 2.0])
    for mode in MODES:
        reference = np.convolve(x, w, mode)
        np.testing.assert_array_equal(cc.convolve(x, w, mode), reference)
        np.testing.assert_array_equal(cc.convolve(_tensor(x), _tensor(w), mode), reference)
