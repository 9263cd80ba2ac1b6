"""The shifted GEMM over blocks of whole images (``_shifted_gemm_images``) and its rule.

A batch of small images is shifted an image at a time, the padded images of a block written
into a work array whose zero borders are kept between calls
(:func:`cnncourse._workspace.bordered`). Held to ``torch.nn.functional`` in float64 on drawn
configurations (padding, dilation, views, float32 and float64), to the definition
(:func:`cnncourse.conv2d_reference`) on NaN and infinities, and the rule
(:func:`cnncourse._conv_algorithms.image_blocks`) on the cases it was measured on.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cnncourse as cc
from cnncourse import _conv_algorithms, _workspace

torch = pytest.importorskip("torch")
F = torch.nn.functional


def _t(array):
    return torch.from_numpy(np.ascontiguousarray(array))


@pytest.fixture
def images_path(monkeypatch):
    """Every one-group stride-1 batch takes the image path, three images a block or fewer."""
    monkeypatch.setattr(_conv_algorithms, "SMALL_GEMM_WORK", 0)
    monkeypatch.setattr(_conv_algorithms, "IMAGE_MAX_BYTES", 2**30)
    monkeypatch.setattr(_conv_algorithms, "IMAGE_BLOCK_BYTES", 1)  # one image a block


def _view(rng, shape, kind, dtype):
    """An input of ``shape``: contiguous, a channel slice, reversed columns, or transposed."""
    n, c, h, w = shape
    if kind == "slice":
        return rng.standard_normal((n, 2 * c, h, w)).astype(dtype)[:, ::2]
    if kind == "reversed":
        return rng.standard_normal(shape).astype(dtype)[..., ::-1]
    if kind == "transposed":
        return rng.standard_normal((n, c, w, h)).astype(dtype).transpose(0, 1, 3, 2)
    return rng.standard_normal(shape).astype(dtype)


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(2, 6),
    c=st.integers(1, 4),
    o=st.integers(1, 5),
    h=st.integers(1, 11),
    w=st.integers(1, 11),
    kernel=st.tuples(st.integers(1, 4), st.integers(1, 4)),
    pads=st.tuples(st.integers(0, 3), st.integers(0, 3), st.integers(0, 3), st.integers(0, 3)),
    dilation=st.tuples(st.integers(1, 2), st.integers(1, 2)),
    block=st.sampled_from([1, 2**12, 2**20]),
    kind=st.sampled_from(["contiguous", "slice", "reversed", "transposed"]),
    dtype=st.sampled_from([np.float32, np.float64]),
    seed=st.integers(0, 2**16),
)
def test_image_blocks_equal_torch_float64(
    n, c, o, h, w, kernel, pads, dilation, block, kind, dtype, seed
):
    top, bottom, left, right = pads
    kh, kw = kernel
    hp, wp = h + top + bottom, w + left + right
    if hp < dilation[0] * (kh - 1) + 1 or wp < dilation[1] * (kw - 1) + 1:
        return  # no output
    rng = np.random.default_rng(seed)
    x = _view(rng, (n, c, h, w), kind, dtype)
    weight = rng.standard_normal((o, c, kh, kw)).astype(dtype)
    padded = np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)))
    reference = F.conv2d(
        _t(padded.astype(np.float64)), _t(weight.astype(np.float64)), dilation=dilation
    ).numpy()
    pads_arg = ((top, bottom), (left, right))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_conv_algorithms, "SMALL_GEMM_WORK", 0)
        patch.setattr(_conv_algorithms, "IMAGE_MAX_BYTES", 2**30)
        patch.setattr(_conv_algorithms, "IMAGE_BLOCK_BYTES", block)
        assert _conv_algorithms.image_blocks(n, weight.shape, (hp, wp), dilation, 1, x.itemsize)
        for _ in range(2):  # the second call reuses the work array, its borders kept
            ours = _conv_algorithms.shifted_gemm(x, weight, (1, 1), pads_arg, dilation, 1)
            tolerance = 1e-4 if dtype == np.float32 else 1e-11
            scale = np.abs(padded).max() * np.abs(weight).sum(axis=(1, 2, 3)).max()
            np.testing.assert_allclose(ours, reference, rtol=0, atol=tolerance * max(scale, 1))
            assert ours.dtype == dtype


def test_image_blocks_after_other_paddings(images_path):
    """One kept work array (an image of 512 KiB a block) serves calls of other paddings and
    shapes in turn: each time its borders are those of the call's padding."""
    rng = np.random.default_rng(4)
    weight = rng.standard_normal((3, 4, 3, 3))
    for (h, w), pads in [
        ((126, 126), ((1, 1), (1, 1))),
        ((125, 127), ((2, 1), (0, 1))),
        ((126, 126), ((1, 1), (1, 1))),
        ((128, 128), ((0, 0), (0, 0))),
        ((127, 126), ((0, 1), (2, 0))),
        ((126, 126), ((1, 1), (1, 1))),
    ]:
        x = rng.standard_normal((3, 4, h, w))
        reference = cc.conv2d_reference(np.pad(x, ((0, 0), (0, 0), *pads)), weight)
        ours = _conv_algorithms.shifted_gemm(x, weight, (1, 1), pads, (1, 1), 1)
        np.testing.assert_allclose(ours, reference, rtol=1e-12, atol=1e-12)
    assert "padded images" in _workspace._scratch.buffers  # the kept work array was used


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("where", ["input", "weight"])
@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_image_blocks_special_values_as_the_definition(where, value, images_path):
    """NaN and infinities land where the direct sum puts them, padding zeros included
    (an infinite weight times a padding zero is NaN, as in the definition)."""
    rng = np.random.default_rng(7)
    x = rng.standard_normal((4, 3, 6, 5))
    weight = rng.standard_normal((2, 3, 3, 3))
    if where == "input":
        x[1, 2, 0, 4] = value
        x[3, 0, 3, 2] = value
    else:
        weight[1, 2, 0, 0] = value
    with cc.use_algorithm("shifted-gemm"):
        ours = cc.conv2d(x, weight, padding=1)
    reference = cc.conv2d_reference(x, weight, padding=1)
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(reference))
    np.testing.assert_array_equal(np.isposinf(ours), np.isposinf(reference))
    finite = np.isfinite(reference)
    np.testing.assert_allclose(ours[finite], reference[finite], rtol=1e-12, atol=1e-12)
    assert not finite.all()


def test_bordered_keeps_its_zeros_and_rezeroes_another_layout():
    _workspace.release_scratch()
    shape, pads = (4, 3, 64, 64), ((1, 2), (3, 0))  # 384 KiB: kept
    first = _workspace.bordered("test bordered", shape, np.dtype(np.float64), pads)
    first[..., 1:62, 3:] = 7.0  # the middle only
    again = _workspace.bordered("test bordered", shape, np.dtype(np.float64), pads)
    assert np.shares_memory(first, again)
    assert (again[..., :1, :] == 0).all() and (again[..., 62:, :] == 0).all()
    assert (again[..., :3] == 0).all() and (again[..., 1:62, 3:] == 7).all()
    other = _workspace.bordered("test bordered", shape, np.dtype(np.float64), ((2, 0), (0, 1)))
    assert (other[..., :2, :] == 0).all() and (other[..., -1] == 0).all()
    _workspace.release_scratch()


# (batch, C_in, side, C_out) -> whether the rule takes the image blocks (float32, padding 1)
RULE_CASES = [
    ((64, 3, 32, 16), True),  # the CIFAR batch: 108 KiB an image, 0.86 of side by side
    ((64, 3, 16, 64), True),  # small images, wide layer
    ((8, 16, 16, 16), True),  # 161 KiB an image
    ((8, 32, 16, 16), False),  # 322 KiB an image: side by side
    ((8, 3, 64, 16), False),  # 445 KiB an image: side by side
    ((8, 8, 32, 16), False),  # 305 KiB an image
    ((2, 1, 8, 8), False),  # a product under SMALL_GEMM_WORK: the one-block small path
    ((1, 3, 32, 16), False),  # one image: nothing to block
]


@pytest.mark.parametrize(("shape", "taken"), RULE_CASES, ids=str)
def test_the_rule_takes_image_blocks_where_measured_faster(shape, taken):
    n, c, side, o = shape
    step = _conv_algorithms.image_blocks(n, (o, c, 3, 3), (side + 2, side + 2), (1, 1), 1, 4)
    assert bool(step) == taken
    if taken:
        one = c * 9 * ((side + 2) ** 2 - 2 * (side + 2) - 2) * 4
        assert one <= _conv_algorithms.IMAGE_MAX_BYTES
        assert step == min(n, _conv_algorithms.IMAGE_BLOCK_BYTES // one)


def test_the_rule_leaves_groups_to_the_grouped_paths():
    assert not _conv_algorithms.image_blocks(64, (16, 1, 3, 3), (34, 34), (1, 1), 3, 4)


def test_the_cifar_batch_runs_image_blocks_and_equals_torch():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 3, 32, 32)).astype(np.float32)
    weight = rng.standard_normal((16, 3, 3, 3)).astype(np.float32)
    assert _conv_algorithms.image_blocks(64, weight.shape, (34, 34), (1, 1), 1, 4) == 4
    assert cc.conv_algorithm(x, weight, padding=1) == "shifted-gemm"
    ours = cc.conv2d(x, weight, padding=1)
    reference = F.conv2d(_t(x.astype(np.float64)), _t(weight.astype(np.float64)), padding=1)
    np.testing.assert_allclose(ours, reference.numpy(), rtol=0, atol=1e-4)


def test_the_rule_agrees_with_its_sweep():
    """:data:`~cnncourse.bench.IMAGE_BLOCK_SWEEP`, the measurements behind the rule: where it
    takes the image blocks they were faster (median), where it leaves a product above
    SMALL_GEMM_WORK to the side-by-side layout they were about even (median)."""
    from statistics import median

    from cnncourse import bench

    taken, left = [], []
    for c, o, side, n, ratio in bench.IMAGE_BLOCK_SWEEP:
        size = (side + 2, side + 2)
        if _conv_algorithms.image_blocks(n, (o, c, 3, 3), size, (1, 1), 1, 4):
            taken.append(ratio)
        elif o * c * 9 * (n * size[0] * size[1] - 2 * size[1] - 2) > 10**6:
            left.append(ratio)
    assert len(bench.IMAGE_BLOCK_SWEEP) == 164 and (len(taken), len(left)) == (68, 56)
    assert median(taken) < 0.9 and median(left) > median(taken) + 0.1


def test_image_block_sweep_times_both_layouts():
    from cnncourse import bench

    rows = bench.image_block_sweep(
        channels=(2,), out_channels=(4,), sides=(6,), batches=(3,), repeat=1, min_seconds=0
    )
    assert len(rows) == 1 and rows[0]["batch"] == 3 and rows[0]["ratio"] > 0
    assert rows[0]["taken"] is False  # 2 * 9 * 4 * 3 * 64 multiply-adds: the small path


def test_time_gemm_blocks_batches_the_products_of_image_blocks():
    from cnncourse import bench

    cifar = next(c for c in bench.GRID if c.name.startswith("CIFAR"))
    assert bench._images_per_product(cifar, np.float32) == 5
    result = bench.time_gemm_blocks(cifar, repeat=1, min_seconds=0)
    assert result["blocks"] == [(16, 27, 958)] * 64
    assert result["flops"] == 64 * 2 * 16 * 27 * 958 and result["gemm"] > 0


def test_shared_right_padding_reads_no_image_middle(images_path):
    """With the right padding read from the next row's left padding, the work array holds
    one image more than a block; no image's middle is read but the block's own: stale NaN
    in every middle of the kept work array leave the answer exact."""
    rng = np.random.default_rng(5)
    x, weight = rng.standard_normal((3, 4, 126, 126)), rng.standard_normal((2, 4, 3, 3))
    pads = ((1, 1), (1, 1))
    assert _conv_algorithms.image_row_length(128, pads) == 127
    reference = cc.conv2d_reference(np.pad(x, ((0, 0), (0, 0), *pads)), weight)
    _conv_algorithms.shifted_gemm(x, weight, (1, 1), pads, (1, 1), 1)
    work = _workspace._scratch.buffers["padded images"].view(np.float64)[: 2 * 4 * 128 * 127]
    work.reshape(2, 4, 128, 127)[:, :, 1:127, 1:] = np.nan  # stale middles, both images
    ours = _conv_algorithms.shifted_gemm(x, weight, (1, 1), pads, (1, 1), 1)
    np.testing.assert_allclose(ours, reference, rtol=1e-12, atol=1e-12)
