"""Every figure the chapters draw is readable where the book shows it: text >= 9 CSS px.

A figure's text is ``points / 72`` inches high; the page shows one inch of the figure as
``dpi`` CSS px (a widget's frame: its ``dpi`` of 80; a static figure: the notebook's 100), or
fewer when the image is wider than its box and shrinks to fit (``cnncourse.layout``'s
``WIDGET_COLUMN`` and ``FIGURE_COLUMN``, measured in Chromium at 1280 and 390 px). Each case
draws a frame or a figure with inputs like the chapter's; a widget frame is checked wide (in
the 1280 px column) and as its phone variant (in a 390 px phone's column), a static figure in
the 1280 px column and as the book's build serves it to a phone: its phone layout
(``layout.phone_layout``, what the kernels' formatter saves) when it has one, else itself, in
the phone's 342 px column.
"""

import numpy as np
import pytest

plt = pytest.importorskip("matplotlib.pyplot")

import cnncourse as cc  # noqa: E402
from cnncourse import data, filters, frames, layout, plotting, prior  # noqa: E402
from cnncourse import figures_performance as fp  # noqa: E402
from cnncourse.frames import intro as intro_frames  # noqa: E402

WIDGET_DPI = 80
FIGURE_DPI = 100


def _prior_results():
    kernel = np.array([0.5, -1.0, 2.0, -1.0, 0.5])
    X, Y, W_true = prior.make_regression(kernel, 24, 16, noise=0.1, seed=1)
    X_test, Y_test, _ = prior.make_regression(kernel, 24, 200, noise=0.1, seed=2)
    lambdas = [0, 1e-2, 1e-1, 1, 10, 1e2, 1e3, 1e4, 1e6, np.inf]
    return prior.sweep(X, Y, X_test, Y_test, len(kernel), lambdas), W_true


def _flip():
    a = np.arange(0, 6, 0.05)
    x, w = ((a >= 0) & (a <= 1)).astype(float), np.exp(-a)
    return frames.draw_flip_frame(x, w, 0, spacing=0.05, last=119)


def _equivariance():
    small = data.photo((96, 96))
    kernel = filters.KERNELS["edge"]
    gap = frames.equivariance_gap(small, kernel, "shift", 3)
    return frames.draw_equivariance_frame(small, kernel, "shift", 3, "edge [-1, 1]", gap=gap)


def _prior_frame(index=0):
    results, W_true = _prior_results()
    return frames.draw_prior_frame(results, index, W_true)


#: The first frame of every widget of the book, drawn as its chapter draws it.
WIDGET_FRAMES = {
    "9.1 flip": _flip,
    "9.1 flip 2-D": lambda: frames.draw_flip_2d_frame(
        data.digits()[0][0].astype(float),
        np.array([[1.0, 0.5, 0.0], [0.0, 0.0, 0.0], [0.0, -0.5, -1.0]]),
        0,
    ),
    "9.1 Fig 9.1": lambda: frames.draw_figure_9_1_frame(
        cc.symbol_array("abcdefghijkl", (3, 4)), cc.symbol_array("wxyz", (2, 2)), 0
    ),
    "9.2 equivariance": _equivariance,
    "9.3 pooling window": lambda: frames.draw_pooling_window_frame(data.pooling_example(), 0),
    "9.3 shift": lambda: frames.draw_pooling_frame(
        np.round(np.maximum(np.random.default_rng(23).standard_normal(14), 0), 2), 0, 3, 1
    ),
    "9.4 prior": _prior_frame,
}


def _channels():
    rgb = data.photo((90, 77), gray=False).transpose(2, 0, 1)
    weight = np.random.default_rng(0).standard_normal((2, 3, 3, 3))
    fig = frames.draw_channels_figure(
        rgb, weight, np.zeros(2), ["R", "G", "B"], ["brightness edges", "red minus blue"]
    )
    fig.set_dpi(100)
    return fig


def _block_pattern():
    matrix = cc.conv_matrix(np.ones((2, 3)), (4, 6), mode="valid", flip=False)
    ax = frames.convolution.draw_block_pattern(matrix, (4, 6), title="a 12 x 24 matrix")
    ax.figure.set_size_inches(8, 4)
    return ax.figure


def _shift_figure():
    angles = np.deg2rad([0.0, 45.0, 90.0, 135.0])
    kernels = np.stack([filters.gabor_kernel(t, size=7, wavelength=4, sigma=1.5) for t in angles])
    image = data.photo((128, 112))
    simple, pooled = intro_frames.cells(image, kernels[:, None])
    moved, pooled_moved = intro_frames.cells(frames.shift_image(image, 2), kernels[:, None])
    return intro_frames.draw_shift_figure(
        simple, moved, pooled, pooled_moved, channel=0, label="0°", changes=(0.5, 0.2)
    )


def _feature_maps():
    cross = np.zeros((5, 5))
    cross[2, :] = cross[:, 2] = 1.0
    noise = 0.3 * np.random.default_rng(0).standard_normal((40, 40))
    centres = [(10, 12), (24, 29)]
    scenes = [frames.motivation.hide_pattern(noise, cross, c) for c in centres]
    maps = [cc.correlate(s, cross - cross.mean(), mode="same") for s in scenes]
    return frames.motivation.draw_feature_maps(scenes, maps, centres, cross - cross.mean())


def _timings():
    crops = [1, 16, 64, 128]
    return frames.motivation.draw_timings(
        {
            "convolution": {c: 1e-6 * c for c in crops},
            "sparse matrix": {c: 2e-6 * c for c in crops},
            "dense matrix": {c: 1e-7 * c**2 for c in crops[:3]},
        }
    )


def _layer_stages():
    photo = data.photo((120, 104))
    x = photo[None, None]
    w = np.stack([filters.gabor_kernel(t, size=5) for t in np.deg2rad([0, 45, 90, 135])])
    convolved = cc.conv2d(x, w[:, None], padding="same")
    detected = np.maximum(convolved, 0.0)
    pooled = cc.max_pool2d(detected, 3, stride=2, padding=1)
    stages = {"convolution": convolved, "detector": detected, "pooling": pooled}
    names = ["vertical edges", "/ edges (45°)", "horizontal edges", "\\ edges (135°)"]
    return frames.pooling.draw_layer_stages(photo, stages, names)


def _shift_measures():
    row = np.maximum(np.random.default_rng(3).standard_normal(4000), 0)
    return frames.pooling.draw_shift_measures(
        frames.pooling.shift_sweep(row, np.arange(7), (2, 3, 5))
    )


def _performance_rows():
    from cnncourse import bench

    rows = [
        {"case": c.name, "op": c.op, "algorithm": c.algorithm(), "flops": 10**9,
         "numpy": 0.002, "torch": 0.001, "F": 0.001, "numpy_peak_bytes": 3 * 2**20}
        for c in bench.GRID
    ]  # fmt: skip
    return bench, rows


def _roofline():
    bench, rows = _performance_rows()
    with cc.use_algorithm("shifted-gemm"):
        profiles = [
            {"case": c.name, "blocks": bench.gemm_blocks(c), "flops": 10**9, "numpy": 0.004,
             "gemm": 0.001}
            for c in bench.GRID if c.op == "conv2d"
        ]  # fmt: skip
    return fp.draw_roofline(profiles, rows, peak=100.0, bandwidth=20.0)


def _connections():  # 9.2's Fig 9.2/9.3 cell: four panels on a figure the notebook makes
    conv = cc.conv_matrix(np.array([0.3, 0.5, 0.2]), 5, mode="same", flip=False)
    dense = np.random.default_rng(0).standard_normal((5, 5))
    fig, axes = plt.subplots(2, 2, figsize=(9, 4.6), facecolor="white")
    for ax, weights, highlight in zip(
        axes.ravel(), (conv, conv, dense, dense), (None, 2) * 2, strict=True
    ):
        plotting.draw_connections(weights, ax, highlight_output=highlight, title="outputs $x_3$")
    fig.tight_layout()
    return fig


def _shared_parameter():  # 9.2's Fig 9.5 cell
    conv = cc.conv_matrix(np.array([0.3, 0.5, 0.2]), 5, mode="same", flip=False)
    ids = np.where(conv != 0, 1 - np.subtract.outer(np.arange(5), np.arange(5)), -1)
    fig, axes = plt.subplots(2, 1, figsize=(5, 4.6), facecolor="white")
    plotting.draw_shared_parameter(conv, ids, 1, axes[0], title="convolution: used 5 times")
    plotting.draw_shared_parameter(np.ones((5, 5)), np.arange(25).reshape(5, 5), 12, axes[1])
    fig.tight_layout()
    return fig


def _edge_images():  # 9.2's input and edge map
    photo = data.photo((280, 320))
    fig, axes = plt.subplots(1, 2, figsize=(9, 4), facecolor="white")
    plotting.show_image(photo, axes[0], title="input, 320 × 280")
    edges = cc.correlate(photo, filters.KERNELS["edge"], mode="valid")
    plotting.show_image(edges, axes[1], symmetric=True, title="output, 319 × 280")
    fig.tight_layout()
    return fig


#: Every static figure a chapter draws with a helper of the package.
STATIC_FIGURES = {
    "9.1 modes": lambda: frames.convolution.draw_modes_figure(5, 3),
    "9.1 channels": _channels,
    "9.1 block pattern": _block_pattern,
    "intro shift": _shift_figure,
    "9.2 receptive field": lambda: frames.draw_receptive_field(
        [
            dict(kernel_size=3, padding=1),
            dict(kernel_size=3, stride=2, padding=1),
            dict(kernel_size=3, padding=1),
        ],
        16,
        [0, 5],
    ),  # fmt: skip
    "9.2 effective field": lambda: frames.motivation.draw_effective_field(
        {"unit 5": np.convolve(np.ones(3), np.ones(3)), "4 layers, k=3": np.ones(9)}
    ),
    "9.2 timings": _timings,
    "9.2 kernels": lambda: frames.motivation.draw_kernels(
        {
            "edge [-1, 1]": filters.KERNELS["edge"],
            "box 3×3": filters.KERNELS["blur"],
            "Gabor 45°": filters.gabor_kernel(np.pi / 4, size=9, wavelength=5, sigma=2),
        }
    ),  # fmt: skip
    "9.2 two kernels": lambda: frames.motivation.draw_kernels(
        {
            "Laplacian": np.array([[0.0, 1, 0], [1, -4, 1], [0, 1, 0]]),
            "Sobel (vertical edges)": filters.KERNELS["vertical edge (Sobel)"],
        }
    ),  # fmt: skip
    "9.2 feature maps": _feature_maps,
    "9.2 connections": _connections,
    "9.2 shared parameter": _shared_parameter,
    "9.2 edge images": _edge_images,
    "9.3 layer stages": _layer_stages,
    "9.3 shift measures": _shift_measures,
    "9.4 densities": lambda: frames.prior.draw_prior_densities(
        (2.0, 0.15), np.linspace(-6, 6, 601)
    ),
    "9.4 test errors": lambda: frames.prior.draw_test_errors(
        {16: [1.0, 0.1, 0.01, 0.02], 400: [0.01] * 4}, [0, 1, 100, np.inf]
    ),
    "9.4 permuted digits": lambda: frames.prior.draw_permuted_digits(
        data.digits()[0][:8], data.digits()[0][:8, ::-1], np.arange(8)
    ),
    "A times": lambda: fp.draw_times(_performance_rows()[1]),
    "A rates": lambda: fp.draw_rates(_performance_rows()[1], peak=123.0),
    "A roofline": _roofline,
    "A sweep": lambda: fp.draw_sweep(_performance_rows()[1][:3], [8, 16, 32], peak=123.0),
    "A edge times": lambda: fp.draw_edge_times(
        [16, 32, 64], {"direct": [1e-6, 2e-6, 8e-6], "fft": [3e-6, 4e-6, 5e-6]}
    ),
    "A Winograd sweep": lambda: fp.draw_winograd_sweep(
        [
            {
                "channels": c,
                "side": side,
                "shifted-gemm": t,
                "winograd": 1.2 * t,
                "winograd4": 0.9 * t,
                "chosen": "shifted-gemm",
            }
            for side in (28, 56)
            for c, t in ((16, 0.002), (64, 0.02))
        ]
    ),  # fmt: skip
}


def _check(fig, dpi, column, where):
    px, text = layout.smallest_text(fig, dpi, column)
    plt.close(fig)
    assert px >= layout.SMALLEST_TEXT_PX, f"{where}: {text!r} is {px:.1f} CSS px high"


@pytest.mark.parametrize("name", WIDGET_FRAMES)
def test_widget_frame_text_is_readable_wide_and_on_a_phone(name):
    _check(WIDGET_FRAMES[name](), WIDGET_DPI, layout.WIDGET_COLUMN["desktop"], f"{name} at 1280")
    narrow = layout.narrow_variant(WIDGET_FRAMES[name]())
    if narrow is not None:
        assert not layout.too_wide(narrow)
        _check(narrow, WIDGET_DPI, layout.WIDGET_COLUMN["phone"], f"{name}, phone variant")


def _rotated_detectors():  # 9.3's cell drawing the responses of rotated detectors (cell 40)
    angles = np.linspace(-90, 90, 61)
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.3), facecolor="white", sharey=True)
    for ax, n_detectors in zip(axes, (4, 8), strict=True):
        single = np.cos(np.deg2rad(angles[:, None] - np.linspace(-90, 90, n_detectors)))
        for d in range(n_detectors):
            ax.plot(angles, single[:, d], lw=1)
        ax.plot(angles, single.max(axis=1), color="black", lw=3, label="max over channels")
        ax.set_title(f"{n_detectors} rotated detectors", fontsize=10)
        ax.set_xlabel("angle of the input line (degrees)")
        ax.legend(fontsize=9, loc="lower right")
    axes[0].set_ylabel("response / best response")
    fig.tight_layout()
    return fig


def _constrained_spaces():  # 9.2's cell drawing one example of each space (cell 79)
    fig, axes = plt.subplots(1, 4, figsize=(9.6, 2.9), facecolor="white")
    rng = np.random.default_rng(0)
    for ax, name in zip(axes, ["dense", "local", "Toeplitz", "convolution"], strict=True):
        ax.imshow(rng.standard_normal((6, 6)), cmap="RdBu_r", interpolation="nearest")
        ax.set_title(f"{name}:\n{rng.integers(6, 36)} free numbers", fontsize=10)
        ax.set_xlabel("input $j$")
        ax.set_xticks([])
        ax.set_yticks([])
    axes[0].set_ylabel("output $i$")
    fig.tight_layout()
    return fig


#: Figures a notebook draws itself (not with a helper), too wide for a phone's column.
NOTEBOOK_FIGURES = {"9.2 constrained spaces": _constrained_spaces,
                    "9.3 rotated detectors": _rotated_detectors}  # fmt: skip


@pytest.mark.parametrize("name", [*STATIC_FIGURES, *NOTEBOOK_FIGURES])
def test_static_figure_text_is_readable_at_1280_px(name):
    figure = {**STATIC_FIGURES, **NOTEBOOK_FIGURES}[name]()
    _check(figure, FIGURE_DPI, layout.FIGURE_COLUMN["desktop"], name)


@pytest.mark.parametrize("name", [*STATIC_FIGURES, *NOTEBOOK_FIGURES])
def test_static_figure_text_is_readable_on_a_phone(name):
    fig = {**STATIC_FIGURES, **NOTEBOOK_FIGURES}[name]()
    with layout.phone_layout(fig) as narrow:
        shown = fig if narrow is None else narrow
        px, text = layout.smallest_text(shown, FIGURE_DPI, layout.FIGURE_COLUMN["phone"])
    plt.close("all")
    assert px >= layout.SMALLEST_TEXT_PX, f"{name} on a phone: {text!r} is {px:.1f} CSS px high"


def test_a_phone_layout_leaves_the_figure_as_it_was():
    fig = fp.draw_rates(_performance_rows()[1], peak=123.0)  # cannot be copied: redrawn in place
    size, positions = fig.get_size_inches().copy(), [ax.get_position().bounds for ax in fig.axes]
    assert layout.phone_png(fig) is not None
    assert np.allclose(fig.get_size_inches(), size)
    assert [ax.get_position().bounds for ax in fig.axes] == positions
    plt.close("all")


def test_the_formatter_adds_a_phone_image_to_small_text_figures_only():
    base64 = pytest.importorskip("base64")
    interactiveshell = pytest.importorskip("IPython.core.interactiveshell")
    from IPython.core.pylabtools import select_figure_formats

    shell = interactiveshell.InteractiveShell.instance()
    layout.register_phone_formatter(shell)
    select_figure_formats(shell, {"png"})  # as the inline backend starts: Figure printers go
    shell.events.trigger("post_execute")  # ... and the phone formatter's comes back
    wide = STATIC_FIGURES["9.2 connections"]()
    data, _ = shell.display_formatter.format(wide)
    again, _ = shell.display_formatter.format(wide)
    assert data["image/png"] == again["image/png"]  # the wide figure is not changed
    phone = base64.b64decode(data[layout.PHONE_MIMETYPE])
    assert phone.startswith(b"\x89PNG")
    small, ax = plt.subplots(figsize=(3, 2))
    ax.set_title("fits a phone")
    assert layout.PHONE_MIMETYPE not in shell.display_formatter.format(small)[0]
    plt.close("all")
