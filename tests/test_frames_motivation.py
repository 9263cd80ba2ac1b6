"""Chapter 9.2's figures: receptive fields, parameter sharing, equivariance, and the photo."""

import matplotlib
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


def _inputs_by_gradient(layers, length, unit):
    """Reference: the inputs with a nonzero gradient, through torch's own conv1d."""
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
    return torch.nonzero(x.grad[0, 0]).flatten().numpy()


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
    texts = [text.get_text() for text in fig.axes[0].texts]
    assert "difference: zero inside: equivariant" in texts
    fig = frames.draw_equivariance_frame(image, filters.KERNELS["edge"], "rotate", 90, "edge")
    assert any(t.get_text().startswith("difference: max |.| inside = ") for t in fig.axes[0].texts)


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
