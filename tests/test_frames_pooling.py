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
    (text,) = fig.texts
    result = text.get_text().replace("\n", " ")
    assert "100% of pooled values" in result
    assert "moved back by 1 cell(s), 0% of pooled values still differ" in result
    # the result starts at the figure's left edge and is at most 4.4 inches wide
    box = text.get_window_extent(fig.canvas.get_renderer())
    assert box.x0 / fig.dpi < 0.2 and box.width / fig.dpi <= 4.4
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


def test_relative_change():
    assert frames.pooling.relative_change([3.0, 4.0], [3.0, 4.0]) == 0.0
    assert frames.pooling.relative_change([3.0, 4.0], [0.0, 4.0]) == pytest.approx(0.6)
    assert frames.pooling.relative_change([0.0, 0.0], [0.0, 0.0]) == 0.0
    assert frames.pooling.relative_change([0.0, 0.0], [1.0, 0.0]) == float("inf")


def test_shift_changes_report_the_relative_change_of_both_rows():
    rng = np.random.default_rng(2)
    row = np.maximum(rng.standard_normal(50), 0)
    result = frames.pooling_shift_changes(row, 2, 3)
    shifted = np.concatenate([np.zeros(2), row[:-2]])
    before, after = _torch_pool(row, 3, 1), _torch_pool(shifted, 3, 1)
    expected = np.linalg.norm(after - before) / np.linalg.norm(before)
    assert result["pooled_relative_change"] == pytest.approx(expected)
    expected = np.linalg.norm(shifted - row) / np.linalg.norm(row)
    assert result["detector_relative_change"] == pytest.approx(expected)


def test_shift_sweep_counts_and_sizes():
    rng = np.random.default_rng(3)
    row = np.maximum(rng.standard_normal(40_000), 0)
    shifts, widths = np.arange(7), (2, 3, 5)
    sweep = frames.pooling.shift_sweep(row, shifts, widths)
    assert set(sweep["fraction"]) == set(sweep["relative"]) == {"detector", 2, 3, 5}
    for key, curve in sweep["fraction"].items():
        assert curve.shape == (7,) and curve[0] == 0.0
        assert np.allclose(curve, sweep["model"][key], atol=0.02)
    for w in widths:
        # a window is zero only when all its w values are: probability 2^-w
        assert sweep["zero_fraction"][w] == pytest.approx(0.5**w, abs=0.01)
        # by size, pooling changes less than the detector at every shift
        assert np.all(sweep["relative"][w][1:] < sweep["relative"]["detector"][1:])
    # an independent copy of rectified noise: sqrt(2 Var x / E x^2) = sqrt(2 - 2 / pi)
    assert np.allclose(sweep["relative"]["detector"][1:], np.sqrt(2 - 2 / np.pi), atol=0.02)
    crossing = {w: frames.pooling.first_shift_above(sweep["model"], w, shifts) for w in widths}
    assert crossing == {2: 2, 3: 2, 5: 4}
    assert frames.pooling.first_shift_above(sweep["relative"], 5, shifts) is None
    # by absolute (root-mean-square) size, pooling changes more once d reaches the window
    assert set(sweep["absolute"]) == {"detector", 2, 3, 5}
    for w in widths:
        assert np.all(sweep["absolute"][w][w:] > sweep["absolute"]["detector"][w:])
        assert sweep["absolute"][w][1] < sweep["absolute"]["detector"][1]
    # the detector after any shift is an independent copy: sqrt(2 Var x) = sqrt(1 - 1/pi)
    assert np.allclose(sweep["absolute"]["detector"][1:], np.sqrt(1 - 1 / np.pi), atol=0.02)
    header, rows = frames.pooling.sweep_table(sweep, "absolute")
    assert header == ["shift d", "detector", "pool 2", "pool 3", "pool 5"]
    assert [row[0] for row in rows] == ["1", "2", "3", "4", "5", "6"]
    assert rows[0][1] == f"{sweep['absolute']['detector'][1]:.2f}"
    _, rows = frames.pooling.sweep_table(sweep, "fraction", shifts=[2])
    assert rows == [("2", *(f"{sweep['fraction'][k][2]:.2f}" for k in ("detector", 2, 3, 5)))]
    fig = frames.pooling.draw_shift_measures(sweep)
    count, size, absolute = fig.axes
    assert len(count.lines) == 8 and len(size.lines) == len(absolute.lines) == 4
    assert fig.get_figwidth() <= 6.4
    texts = [t for t in fig.findobj(lambda a: hasattr(a, "get_fontsize")) if t.get_text()]
    # at a phone's 358 px, every text is at least 9 px tall
    assert min(t.get_fontsize() for t in texts) / 72 * 358 / fig.get_figwidth() >= 9


def test_rms_change_and_the_photo_measures():
    assert frames.pooling.rms_change([3.0, 4.0], [3.0, 2.0]) == pytest.approx(np.sqrt(2))
    image = np.zeros((30, 30))
    image[:, 15:] = 1.0  # one vertical edge
    bank = np.array([[[-1.0, 0.0, 1.0]] * 3])
    result = frames.pooling.photo_shift_changes(image, bank, widths=(3,), margin=4)
    # the edge moves by one pixel: the detector column at the edge moves, so some values change
    assert 0 < result["fraction"]["detector"] < 0.2
    assert set(result["rms"]) == {"detector", 3}
    # with stride 2, a one-pixel shift cannot be undone by moving back whole cells
    assert result["strided"]["output_shift"] in (0, 1)
    # a constant image changes nowhere away from the border
    flat = frames.pooling.photo_shift_changes(np.ones((30, 30)), bank, margin=6)
    assert all(v == 0 for v in flat["fraction"].values()) and flat["strided"]["fraction"] == 0


def test_strided_shift_table_matches_the_single_comparisons():
    rng = np.random.default_rng(4)
    row = np.maximum(rng.standard_normal(200), 0)
    settings = {(1, 2): "subsampling", (2, 2): "width 2"}
    table = frames.pooling.strided_shift_table(row, settings, range(4))
    for (w, s), fractions in table["moved_back"].items():
        for d in range(4):
            assert fractions[d] == frames.pooled_change_up_to_shift(row, d, w, s)["fraction"]
            cell = frames.pooling_shift_changes(row, d, w, s)["pooled_fraction"]
            assert table["cell_by_cell"][w, s][d] == cell
    header, rows = frames.pooling.strided_table(table, settings)
    assert header == [
        "stride 2",
        *(f"d = {d}, {h}" for d in (1, 2) for h in ("cell by cell", "moved back")),
    ]
    assert rows[0][0] == "subsampling" and rows[0][4] == "0.00"  # d = 2, moved back


def test_rotated_line_responses():
    angles = np.linspace(0, np.pi, 13)[:-1]
    single, pooled = frames.pooling.rotated_line_responses(angles, 3)
    assert single.shape == (12, 3) and pooled.shape == (12,)
    assert np.allclose(pooled, single.max(axis=1)) and single.max() == pytest.approx(1.0)
    # each detector answers best to the line at its own angle: 0, 60 and 120 degrees
    assert list(np.argmax(single, axis=0)) == [0, 4, 8]


def test_conv_costs_count_multiply_adds_and_parameters():
    x = torch.zeros(1, 4, 10, 10)
    model = torch.nn.Sequential(
        torch.nn.Conv2d(4, 6, 3, padding=1),
        torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(6, 6, 3, groups=2),
    )
    costs = frames.pooling.conv_costs(model, x)
    assert costs["shape"] == (1, 6, 3, 3)
    assert costs["parameters"] == (4 * 6 * 9 + 6) + (3 * 6 * 9 + 6)
    assert costs["multiply_adds"] == 6 * 10 * 10 * 4 * 9 + 6 * 3 * 3 * 3 * 9
    assert all(not m._forward_hooks for m in model.modules())  # the hooks are removed
    header, rows = frames.pooling.cost_table({"model": costs})
    assert rows == [("model", "1 × 6 × 3 × 3", f"{costs['parameters']:,}", "23,058")]


def test_small_tables():
    assert frames.pooling.number_text([0.1, 1.0, 0.25]) == "0.1, 1, 0.25"
    header, rows = frames.pooling.stage_table({"a": -np.ones((1, 2, 3, 4))})
    assert rows == [("a", "1 × 2 × 3 × 4", "0%")]
    header, rows = frames.pooling.grid_table(np.array([[1.0, 2.0], [3.0, 4.0]]))
    assert header == ["", "column 0", "column 1"] and rows[1] == ("row 1", "3", "4")
    header, rows = frames.pooling.gradient_table([[0.5, 0.25]], [[1.0, 0.0]])
    assert header[0] == "input → gradient" and rows == [("row 0", "**0.50 → 1**", "0.25 → 0")]
    rows = {"detector": np.array([[0.1, 1.0], [0.3, 1.0]])}
    assert frames.pooling.before_after_table(rows)[1] == [("detector", "0.1, 1", "0.3, 1", 1)]


def test_output_size_table_agrees_with_torch():
    settings = {"2/2": (2, 2, 0), "3/2": (3, 2, 0), "3/2 padded": (3, 2, 1)}
    header, rows = frames.pooling.output_size_table(settings, (224, 55))
    assert header == ["window, stride", "224 × 224 in", "55 × 55 in"]
    for (k, s, p), row in zip(settings.values(), rows, strict=True):
        for n, text in zip((224, 55), row[1:], strict=True):
            side = torch.nn.functional.max_pool2d(torch.zeros(1, 1, n, n), k, s, p).shape[-1]
            assert text == f"{side} × {side}"


def test_summary_table_rows_rise():
    header, rows = frames.pooling.summary_table(
        np.array([0.2]),
        {2: np.array([0.3]), 1: np.array([0.2])},
        np.array([0.5]),
        {1: np.array([0.9]), 2: np.array([0.6])},
    )
    assert header == ["pooling", "window 1"]
    assert [r[0] for r in rows] == [
        "average",
        "power mean M1",
        "power mean M2",
        "max",
        "L2 norm (lp_pool1d)",
        "L1 norm (lp_pool1d)",
    ]
    assert [float(r[1]) for r in rows] == sorted(float(r[1]) for r in rows)


def test_trace_text():
    text = frames.pooling.trace_text({"net": [("input", (3, 8, 8)), ("vector", (192,))]})
    assert text.splitlines() == ["net:", f"    {'input':<28} 3 x 8 x 8", f"    {'vector':<28} 192"]


def test_edge_response_finds_the_orientation_a_gabor_kernel_detects():
    from cnncourse import filters

    # a grating whose normal points at theta detects edges at theta + 90 degrees (on screen)
    for theta, edge in [(0, 90), (45, 45), (90, 0), (135, 135)]:
        kernel = filters.gabor_kernel(np.deg2rad(theta), size=9, wavelength=6, sigma=2.5)
        responses = {phi: frames.pooling.edge_response(kernel, phi) for phi in (0, 45, 90, 135)}
        assert max(responses, key=responses.get) == edge
    # a horizontal difference kernel sees a vertical edge fully and a horizontal one not at all
    step = np.array([[-1.0, 1.0]])
    assert frames.pooling.edge_response(step, 90) == 1.0
    assert frames.pooling.edge_response(step, 0) == 0.0


def test_layer_stages_draw_every_map_at_its_true_size():
    image = np.zeros((12, 8))
    full = np.ones((1, 2, 12, 8))
    half = np.ones((1, 2, 6, 4))
    stages = {"convolution": full, "detector": full, "pooling": half}
    fig = frames.pooling.draw_layer_stages(image, stages, ["a", "b"])
    axes = np.array(fig.axes).reshape(3, 3)
    left, right, bottom, top = axes[2, 1].images[0].get_extent()
    assert (right - left, bottom - top) == (4, 6)  # half the input's 8 x 12, same scale
    assert axes[2, 1].get_xlim() == axes[0, 1].get_xlim() == (-0.5, 7.5)
    assert axes[2, 1].get_ylabel() == "pooling\n6 × 4"
    assert not axes[1, 0].axison


def test_photo_shift_table_lists_every_map():
    result = {
        "fraction": {"detector": 0.5, 3: 0.25},
        "rms": {"detector": 0.1, 3: 0.2},
        "strided": {"output_shift": 1, "fraction": 0.125},
    }
    header, rows = frames.pooling.photo_shift_table(result)
    assert len(header) == 3
    assert rows == [
        ("detector", "50%", "0.100"),
        ("max pool 3 × 3, stride 1", "25%", "0.200"),
        ("max pool 3 × 3, stride 2, moved back", "12%", "–"),
    ]
