"""The pooling chapter's frame computations (§9.3): shifts, pooled maps and their model."""

import matplotlib
import numpy as np
import pytest

from cnncourse import frames

matplotlib.use("Agg")
torch = pytest.importorskip("torch")


def _torch_pool(row, width, stride):
    """Max pooling by torch, a reference this package did not write."""
    pooled = torch.nn.functional.max_pool1d(torch.tensor(row)[None], width, stride)
    return pooled[0].numpy()


def test_a_shift_by_the_stride_moves_the_pooled_map_by_one_cell():
    rng = np.random.default_rng(0)
    for width, stride in [(2, 2), (3, 2), (4, 2), (3, 3), (3, 1)]:
        row = np.maximum(rng.standard_normal(40), 0)
        for cells in (1, 2):
            shift = cells * stride
            result = frames.pooled_change_up_to_shift(row, shift, width, stride)
            assert (result["output_shift"], result["fraction"]) == (cells, 0.0)
            # compared cell by cell, most pooled values did change
            assert result["fractions"][0] > 0.4


def test_fractions_match_a_direct_comparison():
    rng = np.random.default_rng(1)
    row = np.maximum(rng.standard_normal(30), 0)
    shifted = np.concatenate([np.zeros(3), row[:-3]])
    before, after = _torch_pool(row, 4, 2), _torch_pool(shifted, 4, 2)
    result = frames.pooled_change_up_to_shift(row, 3, 4, 2)
    assert len(result["fractions"]) == 3  # output shifts 0, 1 and 2 = ceil(3 / 2)
    for m, fraction in enumerate(result["fractions"]):
        changed = [after[k + m] != before[k] for k in range(len(before) - m)]
        assert fraction == pytest.approx(np.mean(changed))
    assert result["fraction"] == min(result["fractions"]) > 0


@pytest.mark.parametrize("width", [2, 3, 5])
def test_expected_changes_match_a_long_random_row(width):
    rng = np.random.default_rng(width)
    row = np.maximum(rng.standard_normal(40_000), 0)  # zero with probability 1/2
    for shift in range(0, 7):
        measured = frames.pooling_shift_changes(row, shift, width)
        detector, pooled = frames.expected_shift_changes(width, shift)
        assert measured["detector_fraction"] == pytest.approx(detector, abs=0.01)
        assert measured["pooled_fraction"] == pytest.approx(pooled, abs=0.01)


def test_expected_changes_limits():
    assert frames.expected_shift_changes(3, 0) == (0.0, 0.0)
    # disjoint windows of positive values: a pooled value almost surely changes
    assert frames.expected_shift_changes(3, 10, zero_probability=0.0) == (1.0, 1.0)
    # all zero: nothing can change
    assert frames.expected_shift_changes(3, 1, zero_probability=1.0) == (0.0, 0.0)


def test_pooling_frame_reports_the_moved_comparison():
    row = np.array([0.0, 0.5, 0.2, 0.9, 0.1, 0.4, 0.3, 0.8, 0.0, 0.6])
    fig = frames.draw_pooling_frame(row, 2, 2, 2)
    ax = fig.axes[0]
    title = ax.get_title()
    assert "100% of pooled values" in title
    assert "moved 1 cell(s), 0% of pooled values change" in title
    # each pooled cell lies under its window: stride 2 wide, starting at 0, 2, 4, ...
    cells = [patch for patch in ax.patches if patch.get_fill()]
    assert {patch.get_width() for patch in cells} == {1, 2}
    assert {patch.get_x() for patch in cells if patch.get_width() == 2} == {0, 2, 4, 6, 8}
    # a window of 3 with stride 1 is centred: pooled cell k starts at k + 1
    fig = frames.draw_pooling_frame(row, 1, 3, 1)
    pooled = [p for p in fig.axes[0].patches if p.get_fill() and p.get_y() == 1.4]
    assert sorted(p.get_x() for p in pooled) == list(range(1, 9))


def test_pooling_window_frame_fills_the_outputs_in_order():
    grid = np.arange(25.0).reshape(5, 5)
    fig = frames.draw_pooling_window_frame(grid, 4)
    left, right = fig.axes
    shown = [t.get_text() for t in right.texts]
    # the 3 x 3 output of a stride-1 max pool: 12 13 14 / 17 18 19 / 22 23 24; cells 0-4 shown
    assert shown == ["12", "13", "14", "17", "18", "", "", "", ""]
    assert "= 18" in right.get_title()
