"""Chapter 9.2's figures: receptive fields, parameter sharing, equivariance, and the photo."""

import matplotlib
import matplotlib.pyplot
import numpy as np
import pytest

from cnncourse import data, filters, frames, plotting, widgets

matplotlib.use("Agg")

STACKS = [
    [dict(kernel_size=3)] * 3,
    [dict(kernel_size=3, padding=1), dict(kernel_size=3, stride=2, padding=1)],
    [dict(kernel_size=5, stride=2, padding=2), dict(kernel_size=3, dilation=2, padding=1)],
    [dict(kernel_size=2, stride=3), dict(kernel_size=4, stride=2, padding=3)],
]


def _gradient_by_torch(layers, length, unit):
    """Reference: d(output unit)/d(input) with all weights one, through torch's own conv1d."""
    torch = pytest.importorskip("torch")
    x = torch.ones(1, 1, length, dtype=torch.float64, requires_grad=True)
    y = x
    for layer in layers:
        w = torch.ones(1, 1, layer["kernel_size"], dtype=torch.float64)
        y = torch.nn.functional.conv1d(
            y,
            w,
            stride=layer.get("stride", 1),
            padding=layer.get("padding", 0),
            dilation=layer.get("dilation", 1),
        )
    y[0, 0, unit].backward()
    return x.grad[0, 0].numpy()


def _inputs_by_gradient(layers, length, unit):
    """Reference: the inputs with a nonzero gradient, through torch's own conv1d."""
    return np.flatnonzero(_gradient_by_torch(layers, length, unit))


@pytest.mark.parametrize("layers", STACKS)
def test_receptive_field_cone_and_span_match_autograd(layers):
    import cnncourse as cc

    length = 23
    lengths = frames.layer_lengths(layers, length)
    size = cc.receptive_field(
        [layer["kernel_size"] for layer in layers],
        [layer.get("stride", 1) for layer in layers],
        [layer.get("dilation", 1) for layer in layers],
    )
    for unit in range(lengths[-1]):
        cone = frames.receptive_field_cone(layers, length, unit)
        reference = _inputs_by_gradient(layers, length, unit)
        assert np.array_equal(cone[0], reference)
        assert len(cone) == len(layers) + 1 and cone[-1].tolist() == [unit]
        start, stop = frames.receptive_field_span(layers, unit)
        assert stop - start + 1 == size
        assert start <= reference.min() and reference.max() <= stop


def test_receptive_field_span_formula_and_errors():
    layers = [dict(kernel_size=3, stride=2), dict(kernel_size=3, stride=2), dict(kernel_size=3)]
    assert frames.receptive_field_span(layers, 3) == (12, 26)
    padded = [dict(kernel_size=3, padding=1)] * 2
    assert frames.receptive_field_span(padded, 0) == (-2, 2)
    with pytest.raises(ValueError, match="`output_index` must be an integer from 0 to 3"):
        frames.receptive_field_cone([dict(kernel_size=3)], 6, 4)
    with pytest.raises(ValueError, match="`kernel_size`"):
        frames.layer_lengths([dict(stride=2)], 6)


def test_unit_centres_spread_by_the_stride():
    layers = [dict(kernel_size=3, padding=1), dict(kernel_size=3, stride=2, padding=1)]
    centres = frames.unit_centres(layers, 8)
    assert np.array_equal(centres[0], np.arange(8))
    assert np.array_equal(centres[2], np.arange(0, 8, 2))


def test_draw_receptive_field_returns_a_figure():
    fig = frames.draw_receptive_field(STACKS[1], 16, [0, 5])
    assert isinstance(fig, matplotlib.figure.Figure)
    assert widgets.figure_to_png(fig).startswith(b"\x89PNG")


def test_draw_shared_parameter_bolds_only_the_uses_of_one_parameter():
    import cnncourse as cc

    weights = cc.conv_matrix(np.array([0.3, 0.5, 0.2]), 5, mode="same", flip=False)
    offsets = np.subtract.outer(np.arange(5), np.arange(5))
    ids = np.where(weights != 0, 1 - offsets, -1)
    ax = plotting.draw_shared_parameter(weights, ids, 1)
    bold = [line for line in ax.lines if line.get_linewidth() > 2]
    assert len(ax.lines) == np.count_nonzero(weights) == 13
    assert len(bold) == 5  # the middle value joins x_i to s_i for every i
    assert all(line.get_xdata()[0] == line.get_xdata()[1] for line in bold)
    ax = plotting.draw_shared_parameter(np.ones((5, 5)), np.arange(25).reshape(5, 5), 12)
    assert sum(line.get_linewidth() > 2 for line in ax.lines) == 1
    with pytest.raises(ValueError, match="`parameter_ids` must have the shape of `weights`"):
        plotting.draw_shared_parameter(np.ones((2, 3)), np.zeros((3, 2)), 0)


def test_equivariance_to_quarter_turns_follows_the_kernel_symmetry():
    image = np.random.default_rng(4).standard_normal((30, 30))
    cases = {"blur": True, "vertical edge (Sobel)": False}
    for name, exact in cases.items():
        for degrees in (90, 180, 270):
            _, _, difference, inside = frames.equivariance_gap(
                image, filters.KERNELS[name], "rotate", degrees
            )
            assert (np.abs(difference[inside]).max() < 1e-12) == exact, (name, degrees)
    _, _, difference, inside = frames.equivariance_gap(image, filters.KERNELS["blur"], "rotate", 45)
    assert np.abs(difference[inside]).max() > 1e-3


def test_equivariance_frame_reuses_a_given_gap_and_says_when_it_is_exact():
    image = np.random.default_rng(5).standard_normal((24, 24))
    gap = frames.equivariance_gap(image, filters.KERNELS["blur"], "rotate", 90)
    fig = frames.draw_equivariance_frame(image, None, "rotate", 90, "box", gap=gap)
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["f(g(I))", "g(f(I))", "difference: zero inside:\nequivariant"]
    fig = frames.draw_equivariance_frame(image, filters.KERNELS["edge"], "rotate", 90, "edge")
    a, b, difference, inside = frames.equivariance_gap(image, filters.KERNELS["edge"], "rotate", 90)
    scale = max(np.abs(a).max(), np.abs(b).max())  # the colour scale of all three panels
    largest = np.abs(difference[inside]).max()
    want = f"difference: largest inside {largest:.2g},\nscale ±{scale:.2g}"
    assert fig.axes[2].get_title() == want


def test_photo_is_cropped_to_the_target_aspect_then_resized():
    original = data.photo()
    assert original.shape == (600, 512)
    square = data.photo((512, 512))  # a crop only: no resampling
    assert np.array_equal(square, original[44:556])
    assert data.photo((600, 512)).shape == (600, 512)
    wide = data.photo((280, 320), gray=False)
    assert wide.shape == (280, 320, 3)
    # the same centred crop, resized by Pillow: a stretch would differ from it
    from PIL import Image

    crop = (original[76:524] * 255).round().astype(np.uint8)  # 448 x 512: aspect 8 : 7
    expected = np.asarray(Image.fromarray(crop).resize((320, 280), Image.Resampling.BILINEAR))
    assert np.abs(data.photo((280, 320)) * 255 - expected).max() <= 1
    with pytest.raises(ValueError, match="`shape` must be two positive integers"):
        data.photo((0, 5))


@pytest.mark.parametrize("layers", STACKS)
def test_input_gradient_counts_paths_like_torch(layers):
    pytest.importorskip("torch")
    from cnncourse import nn as cnn

    length = 23
    for unit in range(frames.layer_lengths(layers, length)[-1]):
        gradient = cnn.input_gradient(layers, length, unit)
        assert np.array_equal(gradient, _gradient_by_torch(layers, length, unit))
        assert np.array_equal(
            cnn.receptive_field_by_gradient(layers, length, unit), np.flatnonzero(gradient)
        )


def test_effective_field_is_the_kernel_convolved_with_itself():
    pytest.importorskip("torch")
    from cnncourse import nn as cnn

    gradient = cnn.input_gradient([dict(kernel_size=3)] * 4, 20)
    paths = np.convolve(np.convolve(np.ones(3), np.ones(3)), np.convolve(np.ones(3), np.ones(3)))
    assert np.array_equal(gradient[np.flatnonzero(gradient)], paths)
    assert frames.motivation.central_mass(np.ones(9)) == pytest.approx(1 / 3)
    assert frames.motivation.central_mass(np.r_[0, 1, 2, 1, 0]) == pytest.approx(0.5)
    fig = frames.motivation.draw_effective_field({"4 layers": gradient, "flat": np.ones(9)})
    assert len(fig.axes) == 2


def test_padded_reads_name_the_layer_whose_zeros_are_read():
    layers = [dict(kernel_size=3, padding=1)] * 3
    layers[1] = dict(kernel_size=3, stride=2, padding=1)
    reads = [
        (level, b.tolist(), span)
        for level, b, span in frames.motivation.padded_reads(layers, 16, 0)
    ]
    assert reads == [(0, [-1], (-1, -1)), (1, [-1], (-2, 0)), (2, [-1], (-4, 0))]
    assert frames.motivation.padded_reads(layers, 16, 3) == []
    assert frames.motivation.field_size(layers) == 9


def test_inside_mask_leaves_out_the_corners_a_rotation_fills_with_zeros():
    fm = frames.motivation
    image = np.random.default_rng(6).standard_normal((40, 40))
    box = filters.KERNELS["blur"]
    _, _, difference, inside = fm.equivariance_gap(image, box, "rotate", 45)
    corners = fm.rotate_image(np.ones_like(image), 45) < 1 - 1e-9
    assert corners.any() and not (inside & corners).any()
    assert inside[20, 20] and not inside[0, 0] and not inside[0, 20]
    for kernel in (box, filters.KERNELS["edge"], np.ones((1, 1))):
        _, _, difference, inside = fm.equivariance_gap(image, kernel, "shift", 3)
        assert np.abs(difference[inside]).max() < 1e-12
        assert not inside[:, :3].any()  # the columns the shift fills with zeros
    gaps = fm.largest_gaps(
        image, {"1x1": np.array([[2.0]]), "gauss": fm.gaussian_kernel(1.5, 9), "box": box},
        "rotate", 45,
    )  # fmt: skip
    assert gaps["1x1"] < 1e-12 < gaps["gauss"] < gaps["box"]


def test_gaussian_kernel_is_normalised_and_symmetric():
    kernel = frames.motivation.gaussian_kernel(1.2, 7)
    assert kernel.shape == (7, 7) and kernel.sum() == pytest.approx(1)
    assert np.allclose(kernel, np.rot90(kernel)) and np.allclose(kernel, kernel.T)
    assert kernel.argmax() == 24  # the centre


def test_edge_layer_costs_count_the_four_layers():
    costs = frames.motivation.edge_layer_costs(
        np.array([[-1.0, 1.0]]), (6, 7), np.random.default_rng(0)
    )
    outputs, inputs = 6 * 6, 6 * 7
    dense_ops = outputs * (inputs + inputs - 1)  # c multiplications, c - 1 additions
    assert costs["dense matrix"] == ("no", "no", outputs * inputs, dense_ops)
    assert costs["shared, not sparse"][3] == dense_ops
    assert costs["shared, not sparse"][2] == (2 * 6 - 1) * (6 + 7 - 1)
    assert costs["sparse, not shared"][2:] == (2 * outputs, 3 * outputs)
    assert costs["convolution"][2:] == (2, 3 * outputs)
    header, rows = frames.motivation.effect_table(costs)
    assert header[0] == "effect" and rows[1][2] == "÷ 1" and rows[1][1] == f"÷ {outputs}"


def test_edge_map_ways_agree_and_the_timings_have_a_floor():
    import cnncourse as cc

    fm = frames.motivation
    image = np.random.default_rng(1).standard_normal((8, 9))
    kernel = np.array([[-1.0, 1.0]])
    ways = fm.edge_map_ways(image, kernel)
    expected = cc.correlate(image, kernel, mode="valid")
    assert list(ways) == ["convolution", "sparse matrix", "dense matrix"]
    for compute in ways.values():
        assert np.allclose(np.reshape(compute(), expected.shape), expected)
    assert "dense matrix" not in fm.edge_map_ways(image, kernel, dense_limit=10)
    times = fm.time_edge_maps(image, kernel, [1, 4, 8], repeat=1, min_seconds=0)
    assert set(times["convolution"]) == {1, 4, 8} and all(
        t > 0 for t in times["convolution"].values()
    )
    header, rows = fm.timing_table(times)
    assert header == ["crop", "convolution", "sparse matrix", "dense matrix"]
    assert [row[0] for row in rows] == ["1 × 2", "4 × 4", "8 × 8"]
    assert isinstance(fm.draw_timings(times), matplotlib.figure.Figure)


def test_growth_exponent_subtracts_the_fixed_cost():
    fm = frames.motivation
    # the 1 × 2 call (side 1) is taken as the fixed cost itself
    linear = {1: 5.0} | {side: 5.0 + 2.0 * side * side for side in (8, 16, 32)}
    square = {1: 5.0} | {side: 5.0 + (side * side) ** 2 for side in (8, 16, 32)}
    assert fm.growth_exponent(linear, 16, 32) == pytest.approx(1)
    assert fm.growth_exponent(square, 8, 32) == pytest.approx(2)
    header, rows = fm.fixed_cost_table({"a": linear}, {"a": (16, 32)})
    assert header == ["method", "fixed cost $t_1$", "$t_1$ at 8 × 8", "$b$"]
    assert rows == [["a", "5000000.0 µs", f"{5 / linear[8]:.0%}", "1.0"]]


def test_null_space_of_counts_free_numbers():
    fm = frames.motivation
    n = 5
    far = np.abs(np.subtract.outer(np.arange(n), np.arange(n))) > 1
    assert fm.null_space_of([], n).shape == (n * n, n * n)
    assert fm.null_space_of([lambda W: W[far]], n).shape[1] == n + 2 * (n - 1)
    quarter_turn = [lambda K: (np.rot90(K, -1) - K).ravel()]
    assert fm.null_space_of(quarter_turn, 3).shape[1] == 3


def test_quarter_turn_and_gap_tables():
    fm = frames.motivation
    image = np.random.default_rng(2).standard_normal((12, 12))
    header, rows = fm.quarter_turn_table(
        image, {"box": filters.KERNELS["blur"], "sobel": filters.KERNELS["vertical edge (Sobel)"]}
    )
    assert header == ["kernel", "90°", "180°"]
    assert rows[0][1:] == ["yes, 0", "yes, 0"]  # the box: unchanged by both turns
    assert rows[1][1].startswith("no, ") and rows[1][2].startswith("no, ")
    assert float(rows[1][1][4:]) > 0.1
    header, rows = fm.gap_table({"rotate 45°": {"a": 0.0441, "b": 1.0}, "scale": {"a": 2, "b": 3}})
    assert header == ["kernel", "rotate 45°", "scale"]
    assert rows == [["a", "0.044", "2"], ["b", "1", "3"]]


def test_sci_formats_counts():
    from cnncourse.tables import sci

    assert sci(1728) == "1,728" and sci(8_003_072_000) == "8.0 × 10⁹"
    assert sci(1.6e10) == "1.6 × 10¹⁰"


def test_draw_receptive_field_tells_input_padding_from_later_padding():
    layers = [dict(kernel_size=3, padding=1)] * 3
    layers[1] = dict(kernel_size=3, stride=2, padding=1)
    ax = frames.draw_receptive_field(layers, 16, [0]).axes[0]
    hatched = {(round(p.get_x(), 1), round(p.get_width(), 1), p.get_hatch()) for p in ax.patches}
    assert (-1.5, 1.0, "////") in hatched  # -1: the zero padded onto the input
    assert (-4.5, 3.0, "") in hatched  # -4 … -2: under the zeros of layers 2 and 3, pale
    legend = [text.get_text() for text in ax.figure.legends[0].get_texts()]
    assert legend[0] == "unit 0: field -4 to 4"
    lo, hi = ax.get_xlim()
    assert lo == -5 and hi == 16  # the field -4 … 4 and the input 0 … 15, one unit spare


def test_dot_operations_counts_c_multiplications_and_c_minus_1_additions():
    dot = frames.motivation.dot_operations
    assert dot(2, 319 * 280) == 319 * 280 * 3 == 267_960  # the book's count
    assert dot(320 * 280, 319 * 280) == 16_006_054_680
    x, w = np.arange(5.0), np.ones(5)
    assert dot(5) == 9 and float(x @ w) == 10.0  # 5 products, 4 sums


def test_hide_pattern_centres_the_pattern_and_the_same_map_peaks_there():
    from cnncourse import correlate

    cross = np.zeros((5, 5))
    cross[2, :] = cross[:, 2] = 1.0
    scene = frames.motivation.hide_pattern(np.zeros((20, 20)), cross, (6, 11))
    assert scene.sum() == 9 and scene[6, 9:14].tolist() == [1.0] * 5
    fmap = correlate(scene, cross - cross.mean(), mode="same")
    assert np.unravel_index(np.argmax(fmap), fmap.shape) == (6, 11)
    fig = frames.motivation.draw_feature_maps([scene, scene], [fmap, fmap], [(6, 11)] * 2, cross)
    assert len(fig.axes) == 4 and len(fig.axes[0].child_axes) == 1  # the kernel's inset
    matplotlib.pyplot.close(fig)


def test_effective_field_panels_share_a_labelled_y_scale():
    gradient = np.convolve(np.ones(3), np.ones(3))
    fig = frames.motivation.draw_effective_field({"a": gradient, "b": np.ones(3)})
    first, second = fig.axes[:2]
    assert first.get_ylim() == second.get_ylim() and first.get_ylabel()
    assert first.get_yticklabels()[1].get_text().endswith("%")
    matplotlib.pyplot.close(fig)


def test_cost_table_has_three_columns_and_the_layer_names_say_sparse_and_shared():
    fm = frames.motivation
    costs = fm.edge_layer_costs(np.array([[-1.0, 1.0]]), (4, 5), np.random.default_rng(0))
    header, rows = fm.cost_table(costs)
    assert header == ["layer", "stored numbers", "operations"]
    assert [row[0] for row in rows][-1] == "convolution (sparse and shared)"
    assert rows[-1][1:] == ["2", str(4 * 4 * 3)]  # 2 weights, 16 outputs × 3 operations


def test_learn_map_the_convolution_generalises_from_few_examples():
    fm = frames.motivation
    for seed in range(3):
        result = fm.learn_map([1.0, -2.0, 1.0], 20, np.random.default_rng(seed))
        assert result["unknowns"] == {"dense": 32 * 30, "convolution": 3}
        assert result["convolution"] < 0.05 < 0.2 < result["dense"]
    # with plenty of examples and no noise both are exact
    exact = fm.learn_map([1.0, -2.0, 1.0], 200, np.random.default_rng(0), noise=0.0)
    assert exact["dense"] < 1e-12 and exact["convolution"] < 1e-12


def test_draw_kernels_writes_the_values_of_small_kernels_only():
    fig = frames.motivation.draw_kernels({"edge": np.array([[-1.0, 1.0]]), "big": np.ones((9, 9))})
    small, big = fig.axes
    assert sorted(t.get_text() for t in small.texts) == ["-1", "1"]
    assert len(big.texts) == 0 and big.get_title() == "big\n9 × 9"
