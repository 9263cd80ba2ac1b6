"""Frame functions of chapter 9.1: the flip widgets, Figure 9.1, and the channels figure."""

import matplotlib
import numpy as np
import pytest

import cnncourse as cc
from cnncourse import frames, widgets

matplotlib.use("Agg")


def _line(ax, label):
    (line,) = [line for line in ax.get_lines() if line.get_label() == label]
    return line


def test_flipped_kernel_curve_is_w_of_t_minus_a():
    rng = np.random.default_rng(0)
    for _ in range(10):
        h, w_start = rng.uniform(0.1, 1.0), rng.uniform(-2, 2)
        w = rng.standard_normal(rng.integers(1, 8))
        t = rng.uniform(-3, 3)
        a, values = frames.flipped_kernel_curve(w, t, h, w_start)
        assert np.all(np.diff(a) > 0)
        # each point (a, w(t - a)): t - a is a sample position of the kernel
        index = np.round((t - a - w_start) / h).astype(int)
        assert np.allclose(t - a, w_start + h * index)
        assert np.allclose(values, w[index])


def test_flip_frame_shows_the_kernel_and_its_flip_for_every_t():
    h = 0.25
    a = np.arange(0, 3, h)
    x = ((a >= 0.5) & (a <= 1.5)).astype(float)
    w = np.exp(-a)
    n_t = len(x) + len(w) - 1
    for t in (0, n_t // 2, n_t - 1):
        fig = frames.draw_flip_frame(x, w, t, spacing=h)
        top = fig.axes[0]
        low, high = top.get_xlim()
        assert low < 0, "the axis must include negative a, where the flip lands"
        faint = _line(top, "kernel $w(a)$")
        bold = _line(top, "flipped, slid: $w(t-a)$")
        assert bold.get_linewidth() > faint.get_linewidth()
        assert bold.get_alpha() is None and faint.get_alpha() < 1
        assert np.allclose(faint.get_xdata(), h * np.arange(len(w)))
        # the bold curve is the faint one mirrored about a = t / 2 (flip, then shift)
        t_value = h * t
        assert np.allclose(bold.get_xdata(), t_value - faint.get_xdata()[::-1])
        assert np.allclose(bold.get_ydata(), faint.get_ydata()[::-1])
        peak = bold.get_xdata()[np.argmax(bold.get_ydata())]
        assert low <= bold.get_xdata().min() and bold.get_xdata().max() <= high
        assert low < peak < high
        matplotlib.pyplot.close(fig)


def test_flip_axis_limits_cover_every_flipped_kernel():
    rng = np.random.default_rng(1)
    for _ in range(20):
        n_x, n_w = rng.integers(1, 20, size=2)
        h, x0, w0 = rng.uniform(0.1, 2), rng.uniform(-3, 3), rng.uniform(-3, 3)
        low, high = frames.flip_axis_limits(n_x, n_w, h, x0, w0)
        w = rng.random(n_w)
        for k in range(n_x + n_w - 1):
            a, _ = frames.flipped_kernel_curve(w, x0 + w0 + h * k, h, w0)
            assert low - 1e-9 <= a.min() and a.max() <= high + 1e-9
        assert low <= x0 and x0 + h * (n_x - 1) <= high


def test_flip_2d_progress_and_last_frame_fills_every_cell():
    import scipy.signal

    rng = np.random.default_rng(2)
    image, kernel = rng.standard_normal((6, 7)), rng.standard_normal((3, 2))
    reference = scipy.signal.convolve2d(image, kernel, mode="valid")
    out, done = frames.flip_2d_progress(image, kernel, 5)
    assert np.allclose(out, reference) and done.sum() == 6 and done.flat[5]
    last = out.size - 1
    fig = frames.draw_flip_2d_frame(image, kernel, last)
    output_axes = fig.axes[3]
    shown = output_axes.get_images()[0].get_array()
    assert not np.ma.getmaskarray(shown).any(), "the last frame fills every output"
    texts = [text.get_text() for text in output_axes.texts]
    assert len(texts) == out.size and not any("nan" in text for text in texts)
    fig = frames.draw_flip_2d_frame(image, kernel, 3)
    shown = fig.axes[3].get_images()[0].get_array()
    assert np.ma.getmaskarray(shown).sum() == out.size - 4, "cells not computed stay blank"
    assert not any("nan" in text.get_text() for text in fig.axes[3].texts)
    assert len(fig.axes[3].texts) == 4
    with pytest.raises(ValueError, match="`step` must be an integer from 0 to 23"):
        frames.flip_2d_progress(image, kernel, 24)


def test_figure_9_1_window_holds_exactly_the_output_symbols():
    inputs = cc.symbol_array("abcdefghijkl", (3, 4))
    kernel = cc.symbol_array("wxyz", (2, 2))
    output = cc.correlate(inputs, kernel, mode="valid")
    for (i, j), expression in np.ndenumerate(output):
        window = {inputs[r, c] for r, c in frames.valid_window(i, j, kernel.shape)}
        assert expression.free_symbols == window | set(kernel.ravel())
    assert frames.expression_text(output[0, 0]) == "aw + bx\n+ ey + fz"


def test_figure_9_1_text_stays_inside_its_cell():
    inputs = cc.symbol_array("abcdefghijkl", (3, 4))
    kernel = cc.symbol_array("wxyz", (2, 2))
    fig = frames.draw_figure_9_1_frame(inputs, kernel, 4)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    for ax in fig.axes:
        for text in ax.texts:
            box = text.get_window_extent(renderer)
            x, y = text.get_position()
            corners = ax.transData.transform([(x - 0.5, y - 0.5), (x + 0.5, y + 0.5)])
            left, right = sorted(corners[:, 0])
            bottom, top = sorted(corners[:, 1])
            assert left < box.x0 and box.x1 < right, text.get_text()
            assert bottom < box.y0 and box.y1 < top, text.get_text()
    assert widgets.figure_to_png(fig).startswith(b"\x89PNG")


def test_channel_terms_sum_to_conv2d_and_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    x = rng.standard_normal((3, 7, 6))
    w = rng.standard_normal((4, 3, 3, 2))
    b = rng.standard_normal(4)
    terms = frames.channel_terms(x, w)
    assert terms.shape == (4, 3, 5, 5)
    ours = terms.sum(axis=1) + b[:, None, None]
    reference = torch.nn.functional.conv2d(torch.tensor(x)[None], torch.tensor(w), torch.tensor(b))[
        0
    ].numpy()
    assert np.allclose(ours, reference)
    assert np.allclose(ours, cc.conv2d(x[None], w, b)[0])
    with pytest.raises(ValueError, match="same C_in, got \\(3, 7, 6\\) and \\(4, 2, 3, 2\\)"):
        frames.channel_terms(x, w[:, :2])


def test_channels_figure_draws_one_panel_per_pair():
    rng = np.random.default_rng(4)
    fig = frames.draw_channels_figure(rng.random((3, 8, 6)), rng.standard_normal((2, 3, 3, 3)))
    # inputs (3) + colour image (1) + per output: 3 kernels + 3 maps + 1 sum
    assert len(fig.axes) == 3 + 1 + 2 * 7
    assert widgets.figure_to_png(fig).startswith(b"\x89PNG")
