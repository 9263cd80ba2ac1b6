"""Frames of the interactive figures, §9.4: the prior-strength frame."""

import numpy as np

from .._optional import require
from ..plotting import COLORS
from ._figure import _figure


def draw_prior_frame(results, index, W_true, narrow=False):
    """One value of λ in a prior sweep: the fitted ``W``, and the errors along the sweep.

    λ is the prior precision times the noise variance (see :mod:`cnncourse.prior`); at
    λ = 0 the fit shown is the minimum-norm one. Top: the fitted and the true matrix, with
    one colour bar for both. Bottom: the test error and the relative distance
    :math:`d(W) = \\lVert W - P(W) \\rVert_F / \\lVert W \\rVert_F` along the sweep, each on
    its own log axis (exact zeros are drawn at the floor ``1e-8`` and marked "0").

    Parameters
    ----------
    results : list of dict
        From :func:`cnncourse.prior.sweep`.
    index : int
        Which λ to show.
    W_true : numpy.ndarray
        The matrix that generated the data.
    narrow : bool
        Draw the phone-width layout (4.4 inches wide): the two matrices side by side under
        a title naming λ, the colour bar under them, then the two curves one above the
        other on one λ axis. The wide figure offers this drawing to
        ``cnncourse.layout.narrow_variant``.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from ..layout import offer_narrow
    from ..prior import precision_label

    chosen = results[index]
    label = precision_label(chosen["lam"])
    note = " (minimum norm)" if chosen["lam"] == 0 else ""
    if narrow:
        fig, axes, bar_box = _prior_narrow_axes()
        fig.suptitle(f"λ = {label}{note}", fontsize=11, y=0.995)
        titles = ("fitted W", "true W")
        title_size, tick_size = 10, 9
    else:
        fig, axes = _figure(2, 2, (9.0, 6.4))
        boxes = (
            [0.02, 0.57, 0.4, 0.36],
            [0.44, 0.57, 0.4, 0.36],
            [0.09, 0.19, 0.37, 0.27],
            [0.6, 0.19, 0.37, 0.27],
        )
        for ax, box in zip(axes.ravel(), boxes, strict=True):
            ax.set_position(box)  # fixed boxes: no tight_layout pass per frame
        bar_box = [0.87, 0.6, 0.015, 0.3]
        titles = (f"fitted W, λ = {label}{note}", "W that generated the data")
        title_size, tick_size = 12, 10
        offer_narrow(fig, draw_prior_frame, results, index, W_true, narrow=True)
    limit = np.abs(W_true).max()
    for ax, matrix, title in zip(axes[0], (chosen["W"], W_true), titles, strict=True):
        image = ax.imshow(matrix, cmap="RdBu_r", vmin=-limit, vmax=limit, interpolation="nearest")
        ax.set_title(title, fontsize=title_size)
        ax.set_xticks([])
        ax.set_yticks([])
    orientation = "horizontal" if narrow else "vertical"
    bar = fig.colorbar(image, cax=fig.add_axes(bar_box), orientation=orientation)
    bar.ax.tick_params(labelsize=tick_size)
    if narrow:
        bar.locator = require("matplotlib.ticker", "book", "cnncourse.frames.prior").MaxNLocator(5)
    bar.set_label("weight", fontsize=tick_size)
    positions = np.arange(len(results))
    floor = 1e-8  # a log axis cannot show zero: exact zeros are drawn at this floor
    for ax, key, marker, color, name in (
        (axes[1, 0], "test_error", "o", COLORS["output"], "test error (mean squared)"),
        (axes[1, 1], "distance", "s", COLORS["input"], "relative distance d(W)"),
    ):
        values = [max(r[key], floor) for r in results]
        ax.plot(positions, values, marker=marker, ms=5, color=color)
        ax.axvline(index, color=COLORS["highlight"], lw=2)
        ax.set_yscale("log")
        ax.minorticks_off()
        ax.set_title(name, fontsize=title_size - 1)
        ax.set_xticks(
            positions, [precision_label(r["lam"]) for r in results], rotation=60, fontsize=tick_size
        )
        ax.tick_params(axis="y", labelsize=tick_size)
        ax.grid(alpha=0.3)
        if not narrow or ax is axes[1, 1]:
            ax.set_xlabel("λ = prior precision × noise variance", fontsize=tick_size)
    if narrow:
        axes[1, 0].tick_params(axis="x", labelbottom=False)  # the distance's axis below names λ
    ax = axes[1, 1]
    if results[-1]["distance"] < floor:
        ax.annotate("0", (positions[-1], floor), xytext=(-14, 3), textcoords="offset points",
                    fontsize=tick_size, color=COLORS["input"])  # fmt: skip
    ax.set_ylim(floor / 3, 3)
    decades = [10.0**e for e in range(0, -9, -2)]
    ax.set_yticks(decades, [f"{d:.0e}" for d in decades])  # plain text: no mathtext
    return fig


def _prior_narrow_axes(width=4.4, height=7.0):
    """The phone layout's axes, placed in inches: ``(fig, [[fitted, true], [error,
    distance]], colour bar box)``."""
    plt = require("matplotlib.pyplot", "book", "cnncourse.frames.prior")

    fig = plt.figure(figsize=(width, height), facecolor="white")

    def box(left, top, box_width, box_height):  # inches from the top left corner
        return [
            left / width,
            1 - (top + box_height) / height,
            box_width / width,
            box_height / height,
        ]

    matrices = [fig.add_axes(box(0.05, 0.6, 2.0, 1.7)), fig.add_axes(box(2.2, 0.6, 2.0, 1.7))]
    curves = [fig.add_axes(box(0.6, 3.25, 3.55, 1.25)), fig.add_axes(box(0.6, 4.85, 3.55, 1.25))]
    return fig, np.array([matrices, curves], dtype=object), box(0.45, 2.45, 3.3, 0.12)


def draw_prior_densities(widths, grid):
    """Gaussian densities :math:`N(0, \\sigma^2)` on one weight, labelled with their entropy.

    The differential entropy of :math:`N(0, \\sigma^2)` is :math:`\\tfrac12 \\log(2 \\pi e
    \\sigma^2)` nats; it is negative once :math:`\\sigma < 1/\\sqrt{2 \\pi e} \\approx 0.242`.

    Parameters
    ----------
    widths : sequence of float
        Standard deviations :math:`\\sigma`.
    grid : numpy.ndarray
        Weights at which to draw the densities.

    Returns
    -------
    matplotlib.figure.Figure
    """
    stats = require("scipy.stats", "book", "cnncourse.frames.prior")

    fig, axes = _figure(1, 1, (6.4, 3.0))
    ax = axes[0, 0]
    for sd in widths:
        density = stats.norm(0, sd)
        ax.plot(
            grid, density.pdf(grid), lw=2, label=f"σ = {sd}: entropy {density.entropy():.2f} nats"
        )
    ax.set_xlim(grid[0], grid[-1])
    ax.set_xlabel("weight $w$")
    ax.set_ylabel("prior density $p(w)$")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def draw_test_errors(errors, lambdas):
    """Test error against λ, one line per training-set size.

    Parameters
    ----------
    errors : dict
        ``{number of training examples: list of test errors, one per λ}``.
    lambdas : sequence of float
        The λ of each point (prior precision times noise variance), ``0`` to ``inf``.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from ..prior import precision_label

    fig, axes = _figure(1, 1, (6.4, 3.2))
    ax = axes[0, 0]
    for n_examples, values in errors.items():
        ax.plot(range(len(lambdas)), values, marker="o", label=f"{n_examples} examples")
    ax.set_xticks(range(len(lambdas)), [precision_label(p) for p in lambdas], rotation=45)
    ax.set_yscale("log")
    ax.set_xlabel("λ (prior precision × noise variance)")
    ax.set_ylabel("test error (mean squared)")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def draw_permuted_digits(images, permuted, labels, count=8):
    """The first ``count`` digits (top row) and the same digits with permuted pixels (bottom).

    Returns
    -------
    matplotlib.figure.Figure
    """
    from ..plotting import show_image

    fig, axes = _figure(2, count, (count, 2.3))
    for i in range(count):
        show_image(images[i], axes[0, i], title=str(labels[i]))
        show_image(permuted[i], axes[1, i])
    axes[0, 0].set_ylabel("original", fontsize=8)
    axes[1, 0].set_ylabel("permuted", fontsize=8)
    fig.tight_layout()
    return fig
