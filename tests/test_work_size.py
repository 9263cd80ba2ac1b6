"""Work arrays scale with the answer: huge padding or dilation around a small input.

The NumPy backend drops kernel taps that only ever meet zero padding (and the padding only
they reached), so such calls answer like torch in little memory; a call whose work array
would still dwarf its input and answer is refused up front with a clear message.
"""

import numpy as np
import pytest
from forms import peak_bytes
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import cnncourse as cc

torch = pytest.importorskip("torch")
F = torch.nn.functional


def test_dilation_100000_on_an_8_by_8_answer():
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((1, 2, 8, 8)), rng.standard_normal((3, 2, 3, 3))
    kwargs = dict(padding=100000, dilation=100000)
    ours, peak = peak_bytes(lambda: cc.conv2d(x, w, **kwargs))
    reference = F.conv2d(torch.from_numpy(x), torch.from_numpy(w), **kwargs).numpy()
    np.testing.assert_allclose(ours, reference, rtol=1e-12, atol=1e-12)
    assert peak < 2**20, f"{peak / 2**20:.1f} MiB"
    cols, peak = peak_bytes(lambda: cc.unfold(x, 3, **kwargs))
    np.testing.assert_array_equal(cols, F.unfold(torch.from_numpy(x), 3, **kwargs).numpy())
    assert peak < 2**20


@settings(max_examples=40, deadline=None)
@given(
    size=st.tuples(st.integers(1, 6), st.integers(1, 6)),
    kernel=st.tuples(st.integers(1, 4), st.integers(1, 4)),
    stride=st.tuples(st.integers(1, 40), st.integers(1, 40)),
    padding=st.tuples(st.integers(0, 60), st.integers(0, 60)),
    dilation=st.tuples(st.integers(1, 50), st.integers(1, 50)),
    seed=st.integers(0, 2**31 - 1),
)
def test_dead_taps_dropped_match_torch(size, kernel, stride, padding, dilation, seed):
    """Large paddings, dilations and strides around tiny inputs, both conv2d and unfold."""
    spans = [d * (k - 1) + 1 for k, d in zip(kernel, dilation, strict=True)]
    # a kernel that does not fit is refused, as tested in test_errors
    assume(all(s <= n + 2 * p for s, n, p in zip(spans, size, padding, strict=True)))
    rng = np.random.default_rng(seed)
    x, w = rng.standard_normal((2, 2, *size)), rng.standard_normal((3, 2, *kernel))
    kwargs = dict(stride=stride, padding=padding, dilation=dilation)
    reference = F.conv2d(torch.from_numpy(x), torch.from_numpy(w), **kwargs).numpy()
    np.testing.assert_allclose(cc.conv2d(x, w, **kwargs), reference, rtol=1e-12, atol=1e-12)
    cols = F.unfold(torch.from_numpy(x), kernel, **kwargs).numpy()
    np.testing.assert_array_equal(cc.unfold(x, kernel, **kwargs), cols)


def test_an_infinite_weight_on_a_dead_tap_still_meets_the_padding():
    """0 x inf is NaN: a tap whose weight is infinite is kept, as torch keeps it."""
    x, w = np.ones((1, 1, 2, 2)), np.ones((1, 1, 3, 3))
    w[0, 0, 0, 0] = np.inf
    kwargs = dict(padding=10, dilation=10)
    with np.errstate(invalid="ignore"):
        ours = cc.conv2d(x, w, **kwargs)
    reference = F.conv2d(torch.from_numpy(x), torch.from_numpy(w), **kwargs).numpy()
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(reference))
    np.testing.assert_array_equal(ours[~np.isnan(ours)], reference[~np.isnan(reference)])


def test_a_work_array_far_larger_than_the_answer_is_refused():
    x, w = np.ones((1, 1, 8, 8)), np.ones((1, 1, 3, 3))
    with pytest.raises(ValueError, match=r"`padding` would make a work array of 40,003,200,064 "):
        cc.conv2d(x, w, stride=1000, padding=100000)
    small = cc.conv2d(torch.from_numpy(x), torch.from_numpy(w), stride=1000, padding=100000)
    assert small.shape == (1, 1, 201, 201)  # torch computes it


def test_fft_kernel_transforms_stay_within_the_block_size():
    """Issue 24, item 7: 256 -> 256 channels, 10 x 10 kernels on 32 x 32 held 393 MiB of
    kernel transforms at once; now a block of output channels at a time."""
    from cnncourse import _conv_algorithms
    from cnncourse._workspace import release_scratch

    rng = np.random.default_rng(4)
    x = rng.standard_normal((1, 256, 32, 32)).astype(np.float32)
    w = rng.standard_normal((256, 256, 10, 10)).astype(np.float32)
    assert cc.conv_algorithm(x, w) == "fft"
    release_scratch()
    ours, peak = peak_bytes(lambda: cc.conv2d(x, w))
    reference = F.conv2d(torch.from_numpy(x).double(), torch.from_numpy(w).double()).numpy()
    scale = np.abs(reference).max()
    np.testing.assert_allclose(ours, reference, rtol=1e-4, atol=1e-5 * scale)
    bound = 2 * _conv_algorithms.BLOCK_BYTES + 16 * max(x.nbytes, ours.nbytes)
    assert peak < bound, f"{peak / 2**20:.0f} MiB, more than {bound / 2**20:.0f} MiB"
