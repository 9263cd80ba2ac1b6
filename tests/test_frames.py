"""The interactive figures: their pure frame computations, and both wirings of a widget."""

import matplotlib
import numpy as np
import pytest

from cnncourse import filters, frames, layout, prior, widgets

matplotlib.use("Agg")


def test_flip_shift_terms_build_the_convolution():
    rng = np.random.default_rng(0)
    for _ in range(20):
        x = rng.standard_normal(rng.integers(1, 15))
        w = rng.standard_normal(rng.integers(1, 6))
        full = np.convolve(x, w)  # a reference we did not write
        for t in range(len(full)):
            shifted, product, s_t = frames.flip_shift_terms(x, w, t)
            assert np.isclose(s_t, full[t])
            assert np.allclose(product, x * shifted)
    with pytest.raises(ValueError, match="`t` must be an integer from 0 to 3"):
        frames.flip_shift_terms([1.0, 2.0], [1.0, 1.0, 1.0], 4)


def test_flip_2d_terms_match_scipy():
    import scipy.signal

    rng = np.random.default_rng(1)
    image, kernel = rng.standard_normal((6, 7)), rng.standard_normal((3, 2))
    valid = scipy.signal.convolve2d(image, kernel, mode="valid")
    for i, j in np.ndindex(valid.shape):
        assert np.isclose(frames.flip_2d_terms(image, kernel, i, j)[1], valid[i, j])


def test_equivariance_gap():
    rng = np.random.default_rng(2)
    image = rng.standard_normal((40, 40))
    for kernel in filters.KERNELS.values():
        for shift in (0, 1, 4):
            _, _, difference, interior = frames.equivariance_gap(image, kernel, "shift", shift)
            assert np.abs(difference[interior]).max() < 1e-12
        for transform, amount in (("rotate", 30), ("scale", 1.3)):
            _, _, difference, interior = frames.equivariance_gap(image, kernel, transform, amount)
            assert np.abs(difference[interior]).max() > 1e-3
    with pytest.raises(ValueError, match="`transform` must be one of"):
        frames.equivariance_gap(image, filters.KERNELS["edge"], "shear", 1)


def test_pooling_shift_changes_fig_9_8():
    row = np.array([0.0, 0.3, 0.1, 1.0, 0.2, 0.1, 0.0])
    result = frames.pooling_shift_changes(row, shift=1, width=3)
    by_loop = [max(row[i : i + 3]) for i in range(len(row) - 2)]  # width 3, stride 1
    assert result["pooled_before"].tolist() == by_loop
    assert result["detector_changed"].sum() == 6  # all but the first zero
    assert result["pooled_fraction"] < result["detector_fraction"]


def test_every_draw_function_returns_a_figure():
    rng = np.random.default_rng(3)
    x, w = rng.random(20), rng.random(5)
    X, Y, W_true = prior.make_regression(np.ones(3), 10, 12)
    results = prior.sweep(X, Y, X, Y, 3, [0, 1, np.inf])
    figures = [
        frames.draw_flip_frame(x, w, 7),
        frames.draw_flip_2d_frame(rng.random((6, 6)), rng.random((3, 3)), 4),
        frames.draw_equivariance_frame(rng.random((30, 30)), filters.KERNELS["blur"], "shift", 2),
        frames.draw_pooling_frame(rng.random(12), 1, 3, 1),
        frames.draw_prior_frame(results, 1, W_true),
    ]
    for figure in figures:
        assert isinstance(figure, matplotlib.figure.Figure) and len(figure.axes) >= 1
        assert widgets.figure_to_png(figure).startswith(b"\x89PNG")


def _count_frames(frame_calls):
    def frame(**values):
        frame_calls.append(values)
        fig = frames.draw_pooling_frame(np.arange(6.0), values["shift"], 2, 2)
        delattr(fig, layout.NARROW_DRAWING)  # as a frame without a phone-width drawing
        return fig

    return frame


def test_static_widget_precomputes_every_frame_and_links_in_the_browser():
    ipywidgets = pytest.importorskip("ipywidgets")
    calls = []
    box = widgets.explorer(
        _count_frames(calls), {"shift": [0, 1], "other": ["a", "b", "c"]}, mode="static"
    )
    # every frame drawn; the first once more, to try a phone-width variant (this one has none)
    drawn = {tuple(sorted(values.items())) for values in calls}
    assert box.mode == "static" and box.frames == 6 and len(drawn) == 6 and len(calls) == 7
    outer_slider, stack = box.children
    assert isinstance(stack, ipywidgets.Stack) and len(stack.children) == 2
    inner_slider, inner_stack = stack.children[0].children
    assert len(inner_stack.children) == 3
    assert all(isinstance(image, ipywidgets.Image) for image in inner_stack.children)


def test_live_widget_redraws_on_demand():
    pytest.importorskip("ipywidgets")
    calls = []
    box = widgets.explorer(_count_frames(calls), {"shift": [0, 1, 2]}, mode="live")
    assert box.mode == "live" and len(calls) == 1
    slider, picture = box.children
    before = picture.value
    slider.index = 2
    assert len(calls) == 2 and calls[-1] == {"shift": 2} and picture.value != before


def test_mode_resolution_and_limits(monkeypatch):
    monkeypatch.setenv("CNNCOURSE_WIDGETS", "static")
    assert widgets.resolve_mode() == "static"
    monkeypatch.delenv("CNNCOURSE_WIDGETS")
    assert widgets.resolve_mode() == "live"
    with pytest.raises(ValueError, match="`mode` must be one of"):
        widgets.resolve_mode("kernel")
    with pytest.raises(ValueError, match="at most 80 frames"):
        widgets.explorer(lambda **v: None, {"a": range(9), "b": range(10)}, mode="static")
    with pytest.raises(ValueError, match="must hold at least one value"):
        widgets.explorer(lambda **v: None, {"a": []}, mode="live")
