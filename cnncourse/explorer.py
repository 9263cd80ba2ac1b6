"""The convolution-arithmetic explorer: five free sliders, drawn by the browser.

Along one axis a convolution with kernel size :math:`k`, stride :math:`s`, padding :math:`p`
and dilation :math:`d` turns :math:`n` inputs into

.. math::

    n_\\text{out} = \\left\\lfloor \\frac{n + 2p - d(k - 1) - 1}{s} \\right\\rfloor + 1

outputs, and output :math:`i` reads the padded inputs :math:`s i + d a`, :math:`a = 0, \\dots,
k - 1`. The explorer draws that picture for any :math:`n` in 1–9, :math:`k` in 1–5,
:math:`s` in 1–3, :math:`p` in 0–3 and :math:`d` in 1–3 (and any output cell), with the
formula filled in beside it.

Nothing is precomputed: :func:`arithmetic_geometry` is the computation (tested against
:func:`cnncourse.conv_output_size` and torch), and ``explorer.js`` (shipped beside this module)
is a small renderer that repeats it in the browser. The same HTML works in Jupyter (with or
without a kernel: the sliders never call Python) and in the static book.
"""

import html
import json
import uuid
from importlib import resources

from . import conv

#: Slider ranges: name -> (parameter, first, last).
RANGES = {
    "n": ("size", 1, 9),
    "k": ("kernel_size", 1, 5),
    "s": ("stride", 1, 3),
    "p": ("padding", 0, 3),
    "d": ("dilation", 1, 3),
}


def arithmetic_geometry(size, kernel_size, stride=1, padding=0, dilation=1, output_cell=(0, 0)):
    """What the explorer draws for one setting: output size, padding and a window.

    Output ``(i, j)`` reads the padded input cells ``(s i + d a, s j + d b)`` for
    ``a, b = 0, ..., k - 1``; the output has :math:`n_\\text{out}` cells per axis (see the
    module docstring).

    Parameters
    ----------
    size, kernel_size, stride, padding, dilation : int
        As in :func:`cnncourse.conv_output_size`.
    output_cell : tuple of int
        ``(row, col)`` of the output cell whose window is drawn; clipped to the output.

    Returns
    -------
    dict
        ``n_out`` (int, or ``None`` when no output exists), ``padded`` (``n + 2p``),
        ``cell`` (the clipped ``(row, col)``, or ``None``), ``window`` (sorted list of the
        ``(row, col)`` padded cells the chosen output reads), ``on_padding`` (how many of
        them are padding zeros, drawn hatched), ``unread`` (sorted ``(row, col)`` padded
        cells of the input that *no* output reads: with stride > 1 the last windows can stop
        short of the input's end, e.g. ``n = 6, k = 3, s = 2``; drawn crossed out),
        ``error`` (the library's message when the
        setting is invalid, else ``None``) and ``caption`` (the text under the drawing,
        which ``explorer.js`` writes word for word).

    Examples
    --------
    >>> g = arithmetic_geometry(5, 3, stride=2, padding=1, output_cell=(1, 2))
    >>> g["n_out"], g["cell"], g["window"][:3], g["on_padding"]
    (3, (1, 2), [(2, 4), (2, 5), (2, 6)], 3)
    >>> g["caption"]
    'n5 k3 s2 p1 d1: output cell (1, 2) reads 6 input cells (orange) and 3 padding zeros (hatched).'
    """
    padded = size + 2 * padding
    setting = f"n{size} k{kernel_size} s{stride} p{padding} d{dilation}"
    try:
        n_out = conv.conv_output_size(size, kernel_size, stride, padding, dilation)
    except ValueError as error:
        span = dilation * (kernel_size - 1) + 1
        caption = (
            f"{setting}: no output, the dilated kernel ({span} cells, taps in orange) "
            f"is wider than the padded input ({padded} cells)."
        )
        return {
            "n_out": None,
            "padded": padded,
            "cell": None,
            "window": [],
            "on_padding": 0,
            "unread": [],
            "error": str(error),
            "caption": caption,
        }
    row, col = (min(max(int(index), 0), n_out - 1) for index in output_cell)
    rows = [stride * row + dilation * a for a in range(kernel_size)]
    cols = [stride * col + dilation * b for b in range(kernel_size)]
    window = sorted((r, c) for r in rows for c in cols)
    inside = sum(padding <= r < padding + size and padding <= c < padding + size for r, c in window)
    on_padding = len(window) - inside
    read = {stride * i + dilation * a for i in range(n_out) for a in range(kernel_size)}
    skipped = [q for q in range(padding, padding + size) if q not in read]  # along one axis
    inputs = range(padding, padding + size)
    unread = sorted((r, c) for r in inputs for c in inputs if r in skipped or c in skipped)
    caption = (
        f"{setting}: output cell ({row}, {col}) reads {_count(inside, 'input cell')} (orange)"
        f" and {_count(on_padding, 'padding zero')} (hatched)."
    )
    if unread:
        caption += f" No output reads {_count(len(unread), 'input cell')} (crossed out)."
    return {
        "n_out": n_out,
        "padded": padded,
        "cell": (row, col),
        "window": window,
        "on_padding": on_padding,
        "unread": unread,
        "error": None,
        "caption": caption,
    }


def _count(number, noun):
    """``"1 input cell"``, ``"9 input cells"``: a count with its noun."""
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _check_initial(values):
    for name, value in values.items():
        parameter, low, high = RANGES[name]
        if not isinstance(value, int) or isinstance(value, bool):
            raise TypeError(f"`{parameter}` must be an int, got {type(value).__name__}")
        if not low <= value <= high:
            raise ValueError(
                f"`{parameter}` must be from {low} to {high} in the explorer, got {value}"
            )


class ArithmeticExplorer:
    """The explorer's HTML (sliders, drawing, formula) for Jupyter and the static book.

    Display it (last expression of a cell); ``_repr_html_`` returns self-contained HTML
    whose script draws in the browser, so it needs no kernel.
    """

    def __init__(self, size=5, kernel_size=3, stride=1, padding=0, dilation=1):
        self.initial = {"n": size, "k": kernel_size, "s": stride, "p": padding, "d": dilation}
        _check_initial(self.initial)

    def __repr__(self):
        values = " ".join(f"{name}{value}" for name, value in self.initial.items())
        return f"<convolution-arithmetic explorer, starts at {values}; display it in Jupyter>"

    def _repr_html_(self):
        script = resources.files(__package__).joinpath("explorer.js").read_text()
        config = {
            "initial": self.initial,
            "ranges": {name: [low, high] for name, (_, low, high) in RANGES.items()},
        }
        element = f"cc-arith-{uuid.uuid4().hex[:12]}"
        return (
            f'<div class="cc-arith" id="{element}" '
            f'data-config="{html.escape(json.dumps(config))}">'
            "<p>The convolution-arithmetic explorer needs JavaScript.</p></div>\n"
            f"<script>{script}\nwindow.cnncourseArithmetic.mount("
            f'document.getElementById("{element}"));</script>'
        )


def arithmetic_explorer(size=5, kernel_size=3, stride=1, padding=0, dilation=1):
    """Sliders for n, k, s, p, d and a drawing of one output cell's window.

    Parameters
    ----------
    size, kernel_size, stride, padding, dilation : int
        Where the sliders start (n 1–9, k 1–5, s 1–3, p 0–3, d 1–3).

    Returns
    -------
    ArithmeticExplorer
        Display it to get the widget.
    """
    return ArithmeticExplorer(size, kernel_size, stride, padding, dilation)
