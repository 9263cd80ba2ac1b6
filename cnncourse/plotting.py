"""Figure helpers for the chapters.

Every function draws on the Axes it is given (``ax=``; a new figure when omitted) and
returns that Axes. None of them calls ``plt.show()`` or changes global ``rcParams``.
Figures are drawn on a white background so that they read the same in light and dark mode.
"""

import numpy as np

from ._optional import require

#: Colours used across the book (colour-blind safe, Okabe & Ito).
COLORS = {
    "input": "#0072B2",
    "kernel": "#D55E00",
    "product": "#009E73",
    "output": "#CC79A7",
    "highlight": "#E69F00",
    "muted": "#999999",
}


def new_axes(ax=None, figsize=(5, 3.5)):
    """Return ``ax``, or the Axes of a new white figure of ``figsize``."""
    if ax is not None:
        return ax
    plt = require("matplotlib.pyplot", "book", "cnncourse.plotting")

    fig, ax = plt.subplots(figsize=figsize, facecolor="white")
    return ax


def show_image(image, ax=None, title=None, cmap="gray", symmetric=False, colorbar=False):
    """Show a 2-D array as an image without ticks.

    Parameters
    ----------
    image : array_like, shape (H, W) or (H, W, 3)
    ax : matplotlib.axes.Axes, optional
    title : str, optional
    cmap : str
    symmetric : bool
        Centre the colour scale on zero (for signed maps such as edges or differences);
        uses a diverging colour map.
    colorbar : bool

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = new_axes(ax)
    image = np.asarray(image, dtype=float)
    options = {"cmap": cmap, "interpolation": "nearest"}
    if symmetric:
        limit = np.abs(image).max() or 1.0
        options.update(cmap="RdBu_r", vmin=-limit, vmax=limit)
    shown = ax.imshow(image, **options)
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=10)
    if colorbar:
        ax.figure.colorbar(shown, ax=ax, fraction=0.046, pad=0.04)
    return ax


def show_grid(
    values,
    ax=None,
    title=None,
    highlight=None,
    fmt="{:g}",
    cmap="Blues",
    shade=None,
    fontsize=9,
    highlight_color=None,
):
    """Draw a small array as a table of numbers (or strings), one cell per entry.

    Parameters
    ----------
    values : array_like, 2-D
        Numbers, or strings (e.g. symbolic expressions).
    ax : matplotlib.axes.Axes, optional
    title : str, optional
    highlight : iterable of (row, col), optional
        Cells to outline.
    fmt : str
        Format for numeric cells.
    cmap : str or None
        Colour numeric cells by value (``None``: white).
    shade : array_like of bool, optional
        Cells drawn grey (e.g. padding).

    Returns
    -------
    matplotlib.axes.Axes
    """
    patches = require("matplotlib.patches", "book", "cnncourse.plotting")

    ax = new_axes(ax)
    values = np.asarray(values, dtype=object)
    rows, cols = values.shape
    numeric = all(isinstance(v, int | float | np.number) for v in values.ravel())
    if numeric and cmap is not None and values.size:
        ax.imshow(
            values.astype(float), cmap=cmap, alpha=0.45, extent=(-0.5, cols - 0.5, rows - 0.5, -0.5)
        )
    for (i, j), value in np.ndenumerate(values):
        text = fmt.format(value) if numeric else str(value)
        ax.text(j, i, text, ha="center", va="center", fontsize=fontsize)
        if shade is not None and shade[i, j]:
            ax.add_patch(patches.Rectangle((j - 0.5, i - 0.5), 1, 1, color="#dddddd", zorder=0))
    for i in range(rows + 1):
        ax.axhline(i - 0.5, color="black", lw=0.6, clip_on=False)
    for j in range(cols + 1):
        ax.axvline(j - 0.5, color="black", lw=0.6, clip_on=False)
    for i, j in highlight or ():
        ax.add_patch(
            patches.Rectangle(
                (j - 0.5, i - 0.5),
                1,
                1,
                fill=False,
                lw=2.5,
                edgecolor=highlight_color or COLORS["highlight"],
                zorder=3,
            )
        )
    ax.set_xlim(-0.5, cols - 0.5)
    ax.set_ylim(rows - 0.5, -0.5)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    if title:
        ax.set_title(title, fontsize=10)
    return ax


def draw_connections(
    weights,
    ax=None,
    title=None,
    input_name="x",
    output_name="s",
    parameter_ids=None,
    highlight_output=None,
):
    """Draw which inputs reach which outputs, from an actual weight matrix.

    Inputs sit on the bottom row, outputs on the top row, and an edge joins input ``j`` to
    output ``i`` wherever ``weights[i, j] != 0``.

    Parameters
    ----------
    weights : array_like, shape (n_outputs, n_inputs)
    ax : matplotlib.axes.Axes, optional
    title : str, optional
    input_name, output_name : str
        Node labels: ``x_1 ... x_m`` and ``s_1 ... s_n``.
    parameter_ids : array_like of int, same shape as ``weights``, optional
        Colour each edge by the parameter it uses (parameter sharing, Fig 9.5).
    highlight_output : int, optional
        Draw the edges into this output thick and the others faint (Fig 9.2, 9.3).

    Returns
    -------
    matplotlib.axes.Axes
    """
    plt = require("matplotlib.pyplot", "book", "cnncourse.plotting")

    ax = new_axes(ax, figsize=(4.5, 2.4))
    weights = np.asarray(weights)
    n_out, n_in = weights.shape
    x_in = np.arange(n_in) - (n_in - 1) / 2
    x_out = np.arange(n_out) - (n_out - 1) / 2
    palette = plt.get_cmap("tab10")
    for i, j in zip(*np.nonzero(weights), strict=True):
        color, width, alpha = "#444444", 1.0, 0.9
        if parameter_ids is not None:
            color = palette(int(parameter_ids[i, j]) % 10)
            width = 1.6
        if highlight_output is not None:
            strong = i == highlight_output
            width, alpha = (2.2, 1.0) if strong else (0.8, 0.25)
        ax.plot([x_in[j], x_out[i]], [0, 1], color=color, lw=width, alpha=alpha, zorder=1)
    return _draw_units(ax, x_in, x_out, input_name, output_name, title)


def draw_shared_parameter(
    weights, parameter_ids, parameter, ax=None, title=None, input_name="x", output_name="s"
):
    """Draw every connection faintly and the uses of one parameter boldly (Fig 9.5).

    Inputs sit on the bottom row, outputs on the top row. An edge joins input ``j`` to
    output ``i`` wherever ``weights[i, j] != 0``; it is drawn bold, in the kernel colour,
    when it uses the parameter ``parameter`` (``parameter_ids[i, j] == parameter``).

    Parameters
    ----------
    weights : array_like, shape (n_outputs, n_inputs)
    parameter_ids : array_like of int, same shape as ``weights``
        Which parameter each connection uses: equal ids mean a shared number.
    parameter : int
        The parameter to highlight.
    ax : matplotlib.axes.Axes, optional
    title : str, optional
    input_name, output_name : str
        Node labels: ``x_1 ... x_m`` and ``s_1 ... s_n``.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = new_axes(ax, figsize=(4.5, 2.4))
    weights = np.asarray(weights)
    parameter_ids = np.asarray(parameter_ids)
    if parameter_ids.shape != weights.shape:
        raise ValueError(
            f"`parameter_ids` must have the shape of `weights`, {weights.shape}, "
            f"got {parameter_ids.shape}"
        )
    n_out, n_in = weights.shape
    x_in = np.arange(n_in) - (n_in - 1) / 2
    x_out = np.arange(n_out) - (n_out - 1) / 2
    for i, j in zip(*np.nonzero(weights), strict=True):
        if parameter_ids[i, j] == parameter:
            style = dict(color=COLORS["kernel"], lw=2.6, alpha=1.0, zorder=1.5)
        else:
            style = dict(color=COLORS["muted"], lw=0.8, alpha=0.6, zorder=1)
        ax.plot([x_in[j], x_out[i]], [0, 1], **style)
    return _draw_units(ax, x_in, x_out, input_name, output_name, title)


def show_pattern(matrix, ax=None, title=None, markersize=None):
    """Draw the sparsity pattern of a (dense or ``scipy.sparse``) matrix.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = new_axes(ax, figsize=(4, 4))
    dense = matrix.toarray() if hasattr(matrix, "toarray") else np.asarray(matrix)
    nonzero = dense != 0
    ax.imshow(np.where(nonzero, 1.0, 0.0), cmap="Greys", vmin=0, vmax=1.4, interpolation="nearest")
    ax.set_xlabel("input index")
    ax.set_ylabel("output index")
    if title:
        ax.set_title(title, fontsize=10)
    return ax


def _draw_units(ax, x_in, x_out, input_name, output_name, title):
    """Draw the named input units (bottom row) and output units (top row) over the edges."""
    for xs, y, name in ((x_in, 0, input_name), (x_out, 1, output_name)):
        for k, x in enumerate(xs):
            ax.scatter([x], [y], s=380, color="white", edgecolor="black", zorder=2)
            ax.text(x, y, f"${name}_{{{k + 1}}}$", ha="center", va="center", fontsize=9, zorder=3)
    ax.set_xlim(min(x_in.min(), x_out.min()) - 0.6, max(x_in.max(), x_out.max()) + 0.6)
    ax.set_ylim(-0.35, 1.35)
    ax.axis("off")
    if title:
        ax.set_title(title, fontsize=10)
    return ax
