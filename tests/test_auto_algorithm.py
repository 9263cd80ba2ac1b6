"""The automatic algorithm choice is never silently wrong, and ``conv_algorithm`` says what runs.

A differential test of :func:`cnncourse.conv2d` as a user calls it (no algorithm forced)
against ``torch.nn.functional.conv2d`` in float64, on drawn groups, dilations, strides and
paddings, and on values of mixed magnitudes: whole channels, or every ``m``-th row and
column of one (the positions a dilated kernel reads), scaled by 1e4 to 1e14, and a few
entries set to NaN, ±inf, 0 or a spike. The values are drawn with ``hypothesis.extra.numpy``
(a fixed uneven background times ones with a few drawn factors), so a failure shrinks to
few, simple values.

The answer must be as accurate as a direct sum's (``2 (k + log2 n) eps (|x| * |w|)`` at each
output, NaN and ±inf where the reference has them), and the algorithm that ran must be the
one :func:`cnncourse.conv_algorithm` reports.
"""

import math

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from forms import algorithms_run
from hypothesis import example, given, settings
from hypothesis import strategies as st

import cnncourse as cc

torch = pytest.importorskip("torch")
F = torch.nn.functional

BOOSTS = (1e4, 1e8, 1e14)
SPECIAL = (np.nan, np.inf, -np.inf, 0.0, 1e8, 1e14)
SPECIAL_TAPS = (np.nan, np.inf, -np.inf, 0.0, 1e-3, 1e4)


def _pattern(shape):
    """A fixed, uneven background: sizes in [0.75, 1.25], signs that vary (no two windows
    alike, so that a misplaced window shows), the same for every example."""
    index = np.arange(math.prod(shape))
    sizes = 0.75 + 0.5 * ((index * 0.6180339887) % 1.0)
    signs = np.where((index * 0.7548776662) % 1.0 < 0.5, -1.0, 1.0)
    return (sizes * signs).reshape(shape)


def _values(draw, shape):
    """The background times an array of ones with a few drawn entries (sizes 0.5 to 2,
    either sign): a failure shrinks to few, simple factors."""
    sizes = st.sampled_from([1.0, 0.5, 1.5, 2.0])
    signed = st.tuples(sizes, st.sampled_from([1.0, -1.0])).map(lambda p: p[0] * p[1])
    factors = draw(hnp.arrays(np.float64, shape, elements=signed, fill=st.just(1.0)))
    return _pattern(shape) * factors


@st.composite
def auto_cases(draw):
    """Keyword arguments of a ``conv2d`` call, its arrays of mixed magnitudes, and a dtype."""
    groups = draw(st.integers(1, 3))
    c_in, c_out = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    large = draw(st.sampled_from([True, True, False]))  # a kernel the FFT is chosen for
    kernel = tuple(draw(st.integers(10, 12) if large else st.integers(1, 9)) for _ in range(2))
    dilation = tuple(draw(st.integers(1, 3)) for _ in range(2))
    stride = draw(st.sampled_from([(1, 1)] * 6 + [(1, 2), (2, 1), (2, 2)]))
    spans = [d * (k - 1) + 1 for k, d in zip(kernel, dilation, strict=True)]
    padding = tuple(
        draw(st.one_of(st.integers(0, 2), st.integers(0, span // 2 + 1))) for span in spans
    )
    spatial = tuple(
        max(1, span - 2 * p) + draw(st.integers(0, 8))
        for span, p in zip(spans, padding, strict=True)
    )
    x = _values(draw, (draw(st.integers(1, 2)), c_in, *spatial))
    for _ in range(draw(st.sampled_from([0, 0, 1, 2]))):  # a channel, or a lattice in it, larger
        c = draw(st.integers(0, c_in - 1))
        (r, dr), (q, dq) = [(draw(st.integers(0, 2)), draw(st.integers(1, 3))) for _ in "rq"]
        x[:, c, r::dr, q::dq] *= draw(st.sampled_from(BOOSTS))
    for _ in range(draw(st.sampled_from([0, 0, 1, 2]))):  # special values at a few positions
        where = tuple(draw(st.integers(0, n - 1)) for n in x.shape)
        x[where] = draw(st.sampled_from(SPECIAL))
    weight = _values(draw, (c_out, c_in // groups, *kernel))
    if draw(st.integers(0, 4)) == 0:  # a special or much smaller tap
        where = tuple(draw(st.integers(0, n - 1)) for n in weight.shape)
        weight[where] = draw(st.sampled_from(SPECIAL_TAPS))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    return dict(
        input=x.astype(dtype),
        weight=weight.astype(dtype),
        stride=stride,
        padding=padding,
        dilation=dilation,
        groups=groups,
    )


def _issue_groups_case():
    """Issue 24, item 1: one group's large values hid the other group's small windows."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((1, 2, 32, 32)).astype(np.float32)
    w = rng.standard_normal((2, 1, 10, 10)).astype(np.float32)
    x[0, 0] = 1e8
    x[0, 1, :4, :4] = 1e8
    return dict(input=x, weight=w, stride=1, padding=0, dilation=1, groups=2)


def _issue_dilation_case():
    """Issue 24, item 2: the window check counted the positions a dilated kernel skips."""
    rng = np.random.default_rng(1)
    x = rng.standard_normal((1, 1, 64, 64))
    w = rng.standard_normal((1, 1, 10, 10))
    x[0, 0, 1::2, 1::2] = 1e14
    return dict(input=x, weight=w, stride=1, padding=0, dilation=2, groups=1)


def _reference(case):
    """torch float64 (cast to the input's dtype) and the correlation of the magnitudes."""
    x, w = (torch.from_numpy(case[k].astype(np.float64)) for k in ("input", "weight"))
    options = {k: case[k] for k in ("stride", "padding", "dilation", "groups")}
    exact = F.conv2d(x, w, **options).numpy()
    with np.errstate(over="ignore", invalid="ignore"):
        magnitude = F.conv2d(x.abs(), w.abs(), **options).numpy()
        return exact.astype(case["input"].dtype), magnitude


def assert_as_accurate_as_a_direct_sum(ours, case):
    reference, magnitude = _reference(case)
    x, weight = case["input"], case["weight"]
    assert ours.dtype == x.dtype and ours.shape == reference.shape
    for special in (np.isnan, np.isposinf, np.isneginf):
        np.testing.assert_array_equal(special(ours), special(reference), err_msg=special.__name__)
    finite = np.isfinite(reference) & np.isfinite(magnitude)
    terms = weight[0].size + np.log2(np.prod(x.shape[2:]) + 1)
    bound = 2 * terms * np.finfo(x.dtype).eps * magnitude[finite] + np.finfo(x.dtype).tiny
    error = np.abs(ours[finite].astype(np.float64) - reference[finite].astype(np.float64))
    worst = np.max(error / bound, initial=0)
    assert worst <= 1, f"error {worst:.3g} times a direct sum's bound"


def test_the_issue_examples_are_routed_away_from_the_fft():
    direct = ("depthwise", "shifted-gemm")  # one input channel per group, then groups=1
    for case, method in zip((_issue_groups_case(), _issue_dilation_case()), direct, strict=True):
        assert cc.conv_algorithm(**case) == method
        assert_as_accurate_as_a_direct_sum(cc.conv2d(**case), case)


def test_plain_grouped_and_dilated_data_still_use_the_fft():
    """The check is per group and per tap read, not a refusal of every group or dilation."""
    rng = np.random.default_rng(2)
    x = rng.choice([-1.0, 1.0], (2, 4, 40, 40)) * rng.uniform(0.5, 1.5, (2, 4, 40, 40))
    w = rng.choice([-1.0, 1.0], (4, 2, 10, 10)) * rng.uniform(0.5, 1.5, (4, 2, 10, 10))
    x[:, :2] *= 1e8  # one group much larger than the other: fine, the groups are apart
    case = dict(input=x, weight=w, stride=1, padding=3, dilation=(2, 1), groups=2)
    assert cc.conv_algorithm(**case) == "fft"
    assert_as_accurate_as_a_direct_sum(cc.conv2d(**case), case)


def test_conv_algorithm_reports_the_cropped_plan():
    """Issue 24, item 12: 5 x 5 live taps of an 11 x 11 kernel run the shifted GEMM."""
    rng = np.random.default_rng(3)
    x, w = rng.standard_normal((1, 1, 4, 4)), rng.standard_normal((1, 1, 11, 11))
    with algorithms_run() as ran:
        cc.conv2d(x, w, padding=4)
    assert ran == [cc.conv_algorithm(x, w, padding=4)] == ["shifted-gemm"]
    dead = dict(padding=(4, 5), dilation=(1, 10))  # the two columns read -5..-2 and 5..8
    with algorithms_run() as ran:  # every tap meets only padding: nothing runs
        y = cc.conv2d(x, w[..., :2], **dead)
    assert ran == [] and cc.conv_algorithm(x, w[..., :2], **dead) == "zeros"
    assert not y.any()


@settings(max_examples=150)
@given(case=auto_cases())
@example(case=_issue_groups_case())
@example(case=_issue_dilation_case())
def test_the_automatic_choice_matches_the_definition(case):
    with np.errstate(all="ignore"), algorithms_run() as ran:
        ours = cc.conv2d(**case)
        reported = cc.conv_algorithm(**case)
    assert ran == ([] if reported == "zeros" else [reported])
    assert_as_accurate_as_a_direct_sum(ours, case)
