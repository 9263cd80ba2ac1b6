"""Signal-level convolve of a 2-D image with a large kernel: the FFT only where it is exact.

Kernels below ``CONVOLVE_FFT_MIN_TAPS`` taps keep the per-tap loop, exact to the bit (the
intro asserts that one changed pixel changes only the responses that read it). ``"full"``
goes in pieces: the FFT where the layer's check passes, a direct sum at the corners.

References: scipy.signal.convolve (direct method) on the same arrays, and a tap-by-tap sum
in long double with the direct sum's rounding bound at each output.
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


def _direct_bound(x, w):
    """Per output, a direct sum's rounding bound: ``2 (k + log2 n) eps (|x| * |w|)``, with
    the full convolution of the magnitudes summed in long double, a tap at a time."""
    big = np.longdouble
    magnitude = np.zeros([n + k - 1 for n, k in zip(x.shape, w.shape, strict=True)], dtype=big)
    exact = np.zeros_like(magnitude)
    for a, b in np.ndindex(w.shape):  # numpy loops: one shifted copy per tap
        rows, columns = slice(a, a + x.shape[0]), slice(b, b + x.shape[1])
        exact[rows, columns] += big(w[a, b]) * x.astype(big)
        magnitude[rows, columns] += abs(big(w[a, b])) * np.abs(x.astype(big))
    terms = w.size + np.log2(x.size)
    return exact, 2 * terms * np.finfo(x.dtype).eps * magnitude.astype(np.float64)


def _spy_algorithms(monkeypatch):
    """The layer algorithms that ran, in order (the FFT and the direct ones)."""
    from cnncourse import _conv_algorithms

    ran = []
    real_run = _conv_algorithms.run

    def spy(name, *args):
        ran.append(name)
        return real_run(name, *args)

    monkeypatch.setattr(_conv_algorithms, "run", spy)
    return ran


@pytest.mark.parametrize("shapes", [((40, 40), (33, 33)), ((90, 80), (40, 33)),
                                    ((35, 200), (33, 40)), ((33, 40), (90, 80))])  # fmt: skip
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_full_mode_goes_through_the_fft_in_pieces(monkeypatch, shapes, dtype):
    """Issue 24, item 9: "full" by the FFT where its check passes (the middle, and the bands
    along the edges whose windows hold enough inputs), a direct sum at the corners, which
    read few products: as accurate as a direct sum at every output, corners exact."""
    rng = np.random.default_rng(4)
    x, w = rng.random(shapes[0]).astype(dtype), rng.random(shapes[1]).astype(dtype)
    calls, ran = _spy_tap_loop(monkeypatch), _spy_algorithms(monkeypatch)
    found = cc.convolve(x, w, "full")
    assert calls == [] and "fft" in ran  # not the tap loop: pieces, the middle by the FFT
    assert found.dtype == dtype
    assert found[0, 0] == x[0, 0] * w[0, 0] and found[-1, -1] == x[-1, -1] * w[-1, -1]
    exact, bound = _direct_bound(x, w)
    assert np.all(np.abs(found - exact.astype(np.float64)) <= bound)
    direct = signal.convolve(x.astype(np.float64), w.astype(np.float64), method="direct")
    assert np.allclose(found, direct, rtol=1e-13 if dtype == np.float64 else 1e-4)


def test_two_300_by_300_images_in_full_mode(monkeypatch):
    """The issue's case: two 300 x 300 images, about 9 s tap by tap, now mostly FFTs."""
    rng = np.random.default_rng(5)
    x, w = rng.standard_normal((300, 300)), rng.standard_normal((300, 300))
    calls, ran = _spy_tap_loop(monkeypatch), _spy_algorithms(monkeypatch)
    found = cc.convolve(x, w, "full")
    assert calls == [] and ran.count("fft") > len(ran) // 2
    expected = signal.convolve(x, w, "full", method="fft")
    assert np.abs(found - expected).max() <= 1e-10 * np.abs(expected).max()
    assert found[0, 0] == x[0, 0] * w[0, 0]


@pytest.mark.parametrize("where", ["corner", "middle"])
def test_full_mode_of_mixed_magnitudes_stays_direct(monkeypatch, where):
    """A large block makes the small windows around it fail the check: the tap loop."""
    rng = np.random.default_rng(6)
    x, w = rng.random((60, 60)), rng.random((33, 33))
    block = slice(0, 5) if where == "corner" else slice(28, 33)
    x[block, block] = 1e12
    calls = _spy_tap_loop(monkeypatch)
    found = cc.convolve(x, w, "full")
    assert calls == ["full"]
    exact, bound = _direct_bound(x, w)
    assert np.all(np.abs(found - exact.astype(np.float64)) <= bound)


@pytest.mark.parametrize("mode", ["same", "full"])
@pytest.mark.parametrize(
    "spoil", ["nan", "inf", "int", "small kernel", "kernel larger (valid)", "mixed dtypes"]
)
def test_what_the_fft_never_sees(monkeypatch, spoil, mode):
    rng = np.random.default_rng(5)
    x, w = rng.random((60, 60)), rng.random((33, 33))
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
