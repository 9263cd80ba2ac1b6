"""Signal-level convolve of a 2-D image with a large kernel: the FFT only where it is exact.

Kernels below ``CONVOLVE_FFT_MIN_TAPS`` taps keep the per-tap loop, exact to the bit (the
intro asserts that one changed pixel changes only the responses that read it).

References: scipy.signal.convolve (direct method) on the same arrays.
"""

import numpy as np
import pytest

import cnncourse as cc
from cnncourse import numpy_backend

signal = pytest.importorskip("scipy.signal")


def _spy_tap_loop(monkeypatch):
    calls = []
    real = numpy_backend.shift_and_add

    def spy(*args, **kwargs):
        calls.append(args[2])
        return real(*args, **kwargs)

    monkeypatch.setattr(numpy_backend, "shift_and_add", spy)
    return calls


@pytest.mark.parametrize("mode", ["same", "valid"])
def test_a_large_kernel_in_same_or_valid_mode_goes_through_the_fft(monkeypatch, mode):
    rng = np.random.default_rng(3)
    x, w = rng.random((90, 80)), rng.random((40, 33))
    calls = _spy_tap_loop(monkeypatch)
    found = cc.convolve(x, w, mode)
    assert calls == []  # not the tap-by-tap loop: the layer's plan chose the FFT
    expected = signal.convolve(x, w, mode, method="direct")
    assert found.shape == expected.shape
    assert np.abs(found - expected).max() <= 1e-12 * np.abs(expected).max()


def test_full_mode_corners_keep_the_direct_sum(monkeypatch):
    """A corner of "full" reads one product: the FFT's rounding would swamp it."""
    rng = np.random.default_rng(4)
    x, w = rng.random((40, 40)), rng.random((33, 33))
    calls = _spy_tap_loop(monkeypatch)
    found = cc.convolve(x, w, "full")
    assert calls == ["full"]
    assert found[0, 0] == x[0, 0] * w[0, 0]  # exactly one product, exactly rounded
    assert np.allclose(found, signal.convolve(x, w, "full", method="direct"), rtol=1e-13)


@pytest.mark.parametrize(
    "spoil", ["nan", "inf", "int", "small kernel", "kernel larger (valid)", "mixed dtypes"]
)
def test_what_the_fft_never_sees(monkeypatch, spoil):
    rng = np.random.default_rng(5)
    x, w, mode = rng.random((60, 60)), rng.random((33, 33)), "same"
    if spoil == "nan":
        x[3, 3] = np.nan
    elif spoil == "inf":
        w[2, 2] = np.inf
    elif spoil == "int":
        x, w = (x * 10).astype(np.int64), (w * 10).astype(np.int64)
    elif spoil == "small kernel":
        w = w[:31, :31]  # 961 taps: the per-tap loop, exact to the bit
    elif spoil == "kernel larger (valid)":
        x, w, mode = w, x, "valid"
    else:
        w = w.astype(np.float32)
    calls = _spy_tap_loop(monkeypatch)
    found = cc.convolve(x, w, mode)
    assert calls == [mode]
    if spoil == "inf":  # scipy pads with zeros (inf * 0 = NaN); convolve adds nothing there
        assert np.isinf(found).any() and not np.isnan(found).any()
        return
    expected = signal.convolve(x, w, mode, method="direct")
    assert np.array_equal(np.isnan(found), np.isnan(expected))
    assert np.allclose(found, expected, rtol=1e-6, equal_nan=True)
