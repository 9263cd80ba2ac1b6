"""The introduction's frames (cnncourse.frames.intro): cells, relative change, shift, figure."""

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

from cnncourse import filters
from cnncourse.frames import intro as intro_frames
from cnncourse.frames import shift_image


def _kernels():
    angles = np.deg2rad([0.0, 45.0, 90.0])
    return np.stack([filters.gabor_kernel(t, size=7, wavelength=4, sigma=1.5) for t in angles])[
        :, None
    ]


def _image(seed=0, shape=(40, 36)):
    return np.random.default_rng(seed).random(shape)


def _by_loops(image, kernels):
    """Rectified valid cross-correlation with plain loops."""
    k = kernels.shape[-1]
    rows, cols = image.shape[0] - k + 1, image.shape[1] - k + 1
    out = np.zeros((1, len(kernels), rows, cols))
    for c, kernel in enumerate(kernels[:, 0]):
        for i in range(rows):
            for j in range(cols):
                out[0, c, i, j] = max(0.0, (image[i : i + k, j : j + k] * kernel).sum())
    return out


@pytest.mark.parametrize("pool", intro_frames.POOLS)
def test_cells_match_loops(pool):
    image, kernels, width = _image(), _kernels(), 4
    simple, pooled = intro_frames.cells(image, kernels, width, pool)
    reference = _by_loops(image, kernels)
    assert np.allclose(simple, reference)
    rows, cols = reference.shape[-2] // width, reference.shape[-1] // width
    assert pooled.shape == (1, 3, rows, cols)
    for p in range(rows):
        for q in range(cols):
            window = reference[0, :, p * width : (p + 1) * width, q * width : (q + 1) * width]
            expected = {
                "max": window.max(axis=(1, 2)),
                "avg": window.mean(axis=(1, 2)),
                "subsample": window[:, 0, 0],
            }[pool]
            assert np.allclose(pooled[0, :, p, q], expected)


def test_cells_rejects_an_unknown_pool():
    with pytest.raises(ValueError, match="pool"):
        intro_frames.cells(_image(), _kernels(), 4, "median")


def test_relative_change_overall_and_per_channel():
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((2, 3, 5, 6)), rng.standard_normal((2, 3, 5, 6))
    overall = intro_frames.relative_change(a, b)
    assert np.isclose(overall, np.linalg.norm(a - b) / np.linalg.norm(a))
    per = intro_frames.relative_change(a, b, per_channel=True)
    expected = [np.linalg.norm(a[:, c] - b[:, c]) / np.linalg.norm(a[:, c]) for c in range(3)]
    assert per.shape == (3,) and np.allclose(per, expected)
    assert intro_frames.relative_change(a, a) == 0.0


def test_shift_changes_by_hand():
    image, kernels = _image(2, (48, 48)), _kernels()
    found = intro_frames.shift_changes(image, kernels, 3, width=4, margin=8)
    simple, pooled = intro_frames.cells(image, kernels, 4)
    moved, pooled_moved = intro_frames.cells(shift_image(image, 3), kernels, 4)
    a, b = simple[..., 8:-8, 8:-8], moved[..., 8:-8, 8:-8]
    assert np.isclose(found["simple"], np.linalg.norm(a - b) / np.linalg.norm(a))
    a, b = pooled[..., 2:-2, 2:-2], pooled_moved[..., 2:-2, 2:-2]
    assert np.isclose(found["complex"], np.linalg.norm(a - b) / np.linalg.norm(a))
    assert found["simple_channels"].shape == found["complex_channels"].shape == (3,)
    # no shift, no change
    still = intro_frames.shift_changes(image, kernels, 0, width=4, margin=8)
    assert still["simple"] == still["complex"] == 0.0


def test_shift_changes_needs_a_margin_in_whole_windows():
    with pytest.raises(ValueError, match="multiple"):
        intro_frames.shift_changes(_image(), _kernels(), 2, width=8, margin=12)


def test_shift_changes_down_is_the_transposed_problem():
    image = _image(4, (48, 48))
    kernels = _kernels()
    down = intro_frames.shift_changes(image, kernels, 3, width=4, margin=8, axis=0)
    transposed = np.swapaxes(kernels, -1, -2)
    right = intro_frames.shift_changes(image.T, transposed, 3, width=4, margin=8)
    assert np.isclose(down["simple"], right["simple"])
    assert np.allclose(down["complex_channels"], right["complex_channels"])
    with pytest.raises(ValueError, match="axis"):
        intro_frames.shift_changes(image, kernels, 3, width=4, margin=8, axis=2)


def test_draw_shift_figure_shares_the_difference_scale():
    image, kernels = _image(3, (48, 48)), _kernels()
    simple, pooled = intro_frames.cells(image, kernels, 4)
    moved, pooled_moved = intro_frames.cells(shift_image(image, 2), kernels, 4)
    fig = intro_frames.draw_shift_figure(
        simple, moved, pooled, pooled_moved, channel=1, label="45°", changes=(1.0, 0.3),
        margin=8,
    )  # fmt: skip
    panels = [ax for ax in fig.axes if ax.images and ax.get_label() != "<colorbar>"][:6]
    assert len(panels) == 6
    # panels go row by row: simple, pooled; the differences are the last row
    top, bottom = panels[4].images[0].get_clim(), panels[5].images[0].get_clim()
    assert top == bottom and np.isclose(top[1], -top[0])
    limit = max(np.abs(moved - simple)[0, 1].max(), np.abs(pooled_moved - pooled)[0, 1].max())
    assert np.isclose(top[1], limit)
    assert "100%" in panels[4].get_title() and "30%" in panels[5].get_title()
    # the measured region: 8 px in from the border of the simple map, 2 cells of the pooled
    box = panels[0].patches[0]
    assert (box.get_x(), box.get_y()) == (7.5, 7.5)
    assert box.get_width() == simple.shape[-1] - 16
    assert panels[1].patches[0].get_x() == 1.5
    # readable on a phone: 4.4 inches wide, no text under 9 points
    assert fig.get_figwidth() <= 4.4
    texts = [t for ax in fig.axes for t in ax.texts + [ax.title, ax.xaxis.label]]
    assert all(t.get_fontsize() >= 9 for t in texts if t.get_text())
    matplotlib.pyplot.close(fig)
