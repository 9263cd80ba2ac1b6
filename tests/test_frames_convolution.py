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
    for ax in fig.axes[1:3]:  # the kernels: diverging, centred at zero, as the output
        (picture,) = ax.get_images()
        low, high = picture.get_clim()
        assert picture.get_cmap().name == "RdBu_r" and low == -high == -np.abs(kernel).max()
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
            if text.get_text() == "output (valid)":  # the outputs' label, beside them
                continue
            box = text.get_window_extent(renderer)
            x, y = text.get_position()
            corners = ax.transData.transform([(x - 0.5, y - 0.5), (x + 0.5, y + 0.5)])
            left, right = sorted(corners[:, 0])
            bottom, top = sorted(corners[:, 1])
            assert left < box.x0 and box.x1 < right, text.get_text()
            assert bottom < box.y0 and box.y1 < top, text.get_text()
    assert widgets.figure_to_png(fig).startswith(b"\x89PNG")


def test_figure_9_1_arrow_crosses_no_other_output():
    inputs = cc.symbol_array("abcdefghijkl", (3, 4))
    kernel = cc.symbol_array("wxyz", (2, 2))
    sizes = set()
    for position in range(6):
        target = divmod(position, 3)
        fig = frames.draw_figure_9_1_frame(inputs, kernel, position)
        ax_out = fig.axes[-1]
        (arrow,) = [p for p in ax_out.patches if type(p).__name__ == "FancyArrowPatch"]
        vertices = arrow._path_original.vertices  # the route, in the outputs' data coordinates
        for a, b in zip(vertices[:-1], vertices[1:], strict=True):
            for x, y in a + np.linspace(0, 1, 200)[:, None] * (b - a):
                inside = [(round(y), round(x))] if abs(x - round(x)) < 0.45 > abs(
                    y - round(y)) else []  # fmt: skip
                crossed = [rc for rc in inside if 0 <= rc[0] < 2 and 0 <= rc[1] < 3]
                assert crossed in ([], [target]), f"output {position}: crosses {crossed}"
        # the arrow ends on the edge of its own output
        x, y = vertices[-1]
        assert max(abs(x - target[1]), abs(y - target[0])) == pytest.approx(0.5)
        sizes.add(widgets.png_size(widgets.figure_to_png(fig, 40)))
    assert len(sizes) == 1, "every frame has one size"


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
    titles = [ax.get_title() for ax in fig.axes]
    assert "$K_{1,2}$ \u2605 $X_{2}$" in titles, "kernel first, as K ⋆ I in the text"


def test_channels_figure_text_is_9_px_on_a_phone():
    # The photo's layout (3 x 90 x 77 in, 2 out) drawn at 100 dpi, then shrunk to 358 px.
    rng = np.random.default_rng(5)
    fig = frames.draw_channels_figure(rng.random((3, 90, 77)), rng.standard_normal((2, 3, 3, 3)))
    width, _ = widgets.png_size(widgets.figure_to_png(fig, 100))
    texts = [t for ax in fig.axes for t in ax.texts + [ax.title] if t.get_text()]
    smallest = min(t.get_fontsize() for t in texts)
    assert smallest * 100 / 72 * 358 / width >= 9
    matplotlib.pyplot.close(fig)


def _flip_example(h=0.05):
    a = np.arange(0, 3, h)
    return ((a >= 0) & (a <= 1)).astype(float), np.exp(-a)


def test_flip_frame_draws_s_only_up_to_t_on_a_fixed_axis():
    h = 0.05
    x, w = _flip_example(h)
    s = h * cc.convolve(x, w)
    last = len(s) - 1
    limits = set()
    for t in (0, 10, 20, 40, last - 1):
        fig = frames.draw_flip_frame(x, w, t, spacing=h)
        bottom = fig.axes[2]
        (curve,) = bottom.get_lines()
        assert np.isclose(curve.get_xdata().max(), h * t), "nothing of s beyond the current t"
        assert np.allclose(curve.get_ydata(), s[: t + 1])
        assert not bottom.texts, "the peak is not marked before the answer is asked for"
        limits.add(bottom.get_ylim())
        matplotlib.pyplot.close(fig)
    assert len(limits) == 1, "the s axis does not move with t (it would hint at the peak)"
    assert min(limits)[1] > 1.4 * s.max()
    for fig in (
        frames.draw_flip_frame(x, w, last, spacing=h),
        frames.draw_flip_frame(x, w, 10, spacing=h, reveal=True),
    ):
        (curve,) = fig.axes[2].get_lines()
        assert np.allclose(curve.get_ydata(), s), "the answer: the whole curve"
        assert [t.get_text() for t in fig.axes[2].texts] == ["peak"], "no height: an exercise"
        matplotlib.pyplot.close(fig)


def test_flip_frame_fits_a_phone_with_a_fixed_product_axis():
    h = 0.05
    x, w = _flip_example(h)
    limits = set()
    for t in (0, 5, 20, 40, 55):
        fig = frames.draw_flip_frame(x, w, t, spacing=h)
        limits.add(fig.axes[1].get_ylim())
        width, _ = widgets.png_size(widgets.figure_to_png(fig, 80))
        assert width <= 358, "the frame fits a phone's 358 px column at the widget's 80 dpi"
        smallest = min(text.get_fontsize() for ax in fig.axes for text in ax.texts + [ax.title])
        assert smallest * 80 / 72 >= 9, "text at least 9 px"
        matplotlib.pyplot.close(fig)
    assert limits == {frames.convolution.flip_product_limits(x, w)}, "the product axis is fixed"
    low, high = min(limits)
    assert low < 0 < 1 <= high, "it holds every product x(a) w(t - a)"


def test_flip_frame_stops_at_last():
    # The kernel stored on [0, 6): the slider stops at t = 5.95, where it is still exact.
    h = 0.05
    a = np.arange(0, 6, h)
    x, w = ((a >= 0) & (a <= 1)).astype(float), np.exp(-a)
    last = len(a) - 1
    s = h * cc.convolve(x, w)
    fig = frames.draw_flip_frame(x, w, last, spacing=h, last=last)
    (curve,) = fig.axes[2].get_lines()
    assert np.allclose(curve.get_ydata(), s[: last + 1]), "revealed up to last, not beyond"
    low, high = fig.axes[0].get_xlim()
    assert high < 6.2 and low < -5.9, "the axis covers t <= 5.95 and the flipped kernel"
    matplotlib.pyplot.close(fig)
    fig = frames.draw_flip_frame(x, w, 40, spacing=h, last=last)
    assert not fig.axes[2].texts, "no reveal before last"
    matplotlib.pyplot.close(fig)
    with pytest.raises(ValueError, match="`last` must be"):
        frames.draw_flip_frame(x, w, 50, spacing=h, last=40)


def test_flip_output_limit_bounds_every_output():
    rng = np.random.default_rng(5)
    for _ in range(20):
        x, w = rng.standard_normal(rng.integers(1, 15)), rng.standard_normal(rng.integers(1, 15))
        h = rng.uniform(0.1, 2)
        assert np.abs(h * cc.convolve(x, w)).max() <= frames.convolution.flip_output_limit(x, w, h)
    assert frames.convolution.flip_output_limit(np.ones(3), np.ones(3)) == 3.0  # attained


def test_modes_match_numpy_scipy_and_a_padded_layer():
    import scipy.signal

    fc = frames.convolution
    rng = np.random.default_rng(6)
    for n in range(1, 9):
        for k in range(1, n + 1):
            x, w = rng.standard_normal(n), rng.standard_normal(k)
            for mode in fc.MODES:
                (left, right), starts = fc.mode_windows(n, k, mode)
                assert left + right == {"valid": 0, "same": k - 1, "full": 2 * (k - 1)}[mode]
                assert len(starts) == len(np.convolve(x, w, mode=mode))
                padded = cc.correlate(np.pad(x, (left, right)), w, mode="valid")
                padding = k - 1 if mode == "full" else mode
                assert np.allclose(padded, cc.conv1d(x[None, None], w[None, None], padding=padding))
                if k % 2:
                    assert np.allclose(padded, scipy.signal.correlate(x, w, mode=mode))
    with pytest.raises(ValueError, match="`mode` must be one of"):
        fc.mode_padding(3, "wrap")
    with pytest.raises(ValueError, match="does not fit"):
        fc.mode_windows(2, 3, "valid")


def test_modes_figure_draws_every_window():
    fig = frames.convolution.draw_modes_figure(5, 3)
    assert [ax.get_title().split(":")[0] for ax in fig.axes] == ["valid", "same", "full"]
    for ax, n_out in zip(fig.axes, (3, 5, 7), strict=True):
        assert f"{n_out} outputs" in ax.get_title()
        dashed = [p for p in ax.patches if p.get_linestyle() == "--"]
        assert len(dashed) == {3: 0, 5: 2, 7: 4}[n_out], "padding is drawn dashed"
    assert widgets.figure_to_png(fig).startswith(b"\x89PNG")


def test_operation_name_tells_the_flip():
    fc = frames.convolution
    x, w = np.arange(1.0, 7.0), np.array([1.0, 0.0, -2.0])
    assert fc.operation_name(np.convolve(x, w, "valid"), x, w) == "convolution (flipped kernel)"
    assert fc.operation_name(np.correlate(x, w, "valid"), x, w) == "cross-correlation (no flip)"
    assert fc.operation_name(np.zeros(4), x, w) == "neither"
    assert fc.operation_name(np.zeros(3), x, w) == "neither"  # wrong length
    with pytest.raises(ValueError, match="asymmetric"):
        fc.operation_name(x, x, np.ones(3))


def test_fit_kernel_recovers_a_hidden_kernel():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    hidden = torch.tensor([1.0, -0.5, 0.25], dtype=torch.float64)
    signals = torch.randn(16, 1, 20, dtype=torch.float64)
    targets = cc.conv1d(signals, hidden[None, None])
    kernel, loss = frames.convolution.fit_kernel(
        lambda x, k: cc.conv1d(x, k[None, None]), signals, targets, size=3
    )
    assert np.allclose(kernel, hidden.numpy(), atol=1e-6) and loss < 1e-10


def test_periodic_matrix_is_the_wrap_around_correlation():
    import scipy.ndimage

    fc = frames.convolution
    rng = np.random.default_rng(7)
    for shape, kshape in [((6, 6), (3, 3)), ((5, 7), (3, 1)), ((4, 6), (1, 3))]:
        image, kernel = rng.standard_normal(shape), rng.standard_normal(kshape)
        periodic = fc.periodic_matrix(kernel, shape)
        wrapped = scipy.ndimage.correlate(image, kernel, mode="wrap")
        assert np.allclose(periodic @ image.ravel(), wrapped.ravel())
        zero_padded = cc.conv_matrix(kernel, shape, mode="same", flip=False)
        block = (shape[1], shape[1])
        assert fc.is_doubly_block(periodic, block, "circulant")
        assert fc.is_doubly_block(zero_padded, block, "toeplitz")
        assert not fc.is_doubly_block(zero_padded, block, "circulant")
    x, w = rng.standard_normal(8), rng.standard_normal(3)
    by_fft = np.fft.ifft(np.fft.fft(x) * np.conj(np.fft.fft(w, 8))).real  # anchored at tap 0
    assert np.allclose(fc.periodic_matrix(w, 8) @ x, np.roll(by_fft, 1))
    assert fc.is_circulant(fc.periodic_matrix(w, 8))
    with pytest.raises(ValueError, match="dimensions"):
        fc.periodic_matrix(np.ones((2, 2)), 5)


def test_toeplitz_and_circulant_predicates():
    fc = frames.convolution
    toeplitz = cc.conv_matrix(np.array([1.0, 2.0, 3.0]), 6, mode="full", flip=False)[2:]
    assert fc.is_toeplitz(toeplitz) and not fc.is_circulant(toeplitz)
    assert fc.is_circulant(np.array([np.roll([1, 2, 3, 0], i) for i in range(4)]))
    assert not fc.is_toeplitz(np.array([[1, 2], [3, 4]]))
    assert not fc.is_circulant(np.ones((2, 3)))
    valid = cc.conv_matrix(np.arange(9.0).reshape(3, 3) + 1, (6, 6), mode="valid", flip=False)
    assert fc.is_doubly_block(valid, (4, 6), "toeplitz")
    assert not fc.is_doubly_block(valid, (4, 6), "circulant")
    with pytest.raises(ValueError, match="`kind`"):
        fc.is_doubly_block(valid, (4, 6), "hankel")


def test_block_pattern_marks_the_given_entries():
    fc = frames.convolution
    kernel = np.arange(1.0, 10.0).reshape(3, 3)
    periodic = fc.periodic_matrix(kernel, (6, 6))
    zero_padded = cc.conv_matrix(kernel, (6, 6), mode="same", flip=False)
    marked = (periodic != 0) & (zero_padded == 0)
    assert marked.sum() == 68
    ax = fc.draw_block_pattern(periodic, (6, 6), marked=marked)
    overlay = ax.get_images()[1].get_array()
    assert (~np.ma.getmaskarray(overlay)).sum() == 68
    assert len(ax.lines) == 7 + 7, "block boundaries"
    marked_colour = ax.get_images()[1].get_cmap()(0.0)
    assert matplotlib.colors.to_hex(marked_colour) == "#0072b2", "blue, apart from orange lines"
    assert matplotlib.colors.to_hex(ax.lines[0].get_color()) == "#e69f00"
    matplotlib.pyplot.close(ax.figure)
