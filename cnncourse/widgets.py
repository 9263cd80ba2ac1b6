"""Interactive figures that work with a live kernel and in the static book.

A widget here is two things kept apart:

* a pure *frame function* ``frame(value) -> matplotlib.figure.Figure`` that draws one state
  of the figure (tested by pytest, asserted in the notebooks), and
* thin *wiring* that connects a slider to it.

Two wirings exist, chosen by ``mode``:

``"static"``
    Every frame of ``values`` is drawn once, stored as a PNG in an ``ipywidgets.Stack`` and the
    slider is linked to the stack with ``jslink``. The link lives in the browser, so the
    slider keeps working in the rendered book where there is no kernel.
``"live"``
    The slider's ``observe`` callback redraws the single frame the user asked for. This needs
    a kernel, and is the fallback for ipywidgets 7 (e.g. Colab), which has no ``Stack``.
``"auto"`` (default)
    ``"static"`` when the environment variable ``CNNCOURSE_WIDGETS`` is ``static`` (the
    Makefile sets it while building and testing the book), else ``"live"``.

ipywidgets is imported only when a widget is built, so ``import cnncourse`` stays light.
"""

import io
import os

WIDGET_MODES = ("auto", "static", "live")


def resolve_mode(mode="auto"):
    """Return ``"static"`` or ``"live"`` for a requested ``mode``.

    Parameters
    ----------
    mode : {"auto", "static", "live"}
        ``"auto"`` reads the ``CNNCOURSE_WIDGETS`` environment variable.

    Returns
    -------
    str
        ``"static"`` or ``"live"``.
    """
    if mode not in WIDGET_MODES:
        raise ValueError(f"`mode` must be one of {WIDGET_MODES}, got {mode!r}")
    if mode == "auto":
        return "static" if os.environ.get("CNNCOURSE_WIDGETS") == "static" else "live"
    return mode


def figure_to_png(fig, dpi=80):
    """Render a matplotlib figure to PNG bytes and close it."""
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, facecolor="white")
    plt.close(fig)
    return buffer.getvalue()


def _has_stack(widgets):
    return hasattr(widgets, "Stack")


def scrubber(frame, values, *, description="", labels=None, mode="auto", dpi=80):
    """A slider over ``values`` that shows ``frame(value)``.

    Parameters
    ----------
    frame : callable
        ``frame(value) -> matplotlib.figure.Figure``; must not show the figure.
    values : sequence
        The slider's positions, in order.
    description : str
        The slider's label.
    labels : sequence of str, optional
        What the slider shows for each value (default ``str(value)``).
    mode : {"auto", "static", "live"}
        See the module docstring.
    dpi : int
        Resolution of the rendered frames.

    Returns
    -------
    ipywidgets.VBox
        The slider above the picture. Its ``slider`` and ``mode`` attributes are set for tests.
    """
    import ipywidgets as widgets

    values = list(values)
    if len(values) == 0:
        raise ValueError("`values` must hold at least one value, got an empty sequence")
    labels = [str(v) for v in values] if labels is None else [str(label) for label in labels]
    if len(labels) != len(values):
        raise ValueError(f"`labels` must have {len(values)} entries, got {len(labels)}")
    resolved = resolve_mode(mode)
    if resolved == "static" and not _has_stack(widgets):
        resolved = "live"

    slider = widgets.SelectionSlider(
        options=list(zip(labels, range(len(values)), strict=True)),
        value=0,
        description=description,
        continuous_update=True,
        layout=widgets.Layout(width="min(100%, 520px)"),
        style={"description_width": "initial"},
    )
    if resolved == "static":
        images = [widgets.Image(value=figure_to_png(frame(v), dpi), format="png") for v in values]
        picture = widgets.Stack(children=images, selected_index=0)
        widgets.jslink((slider, "index"), (picture, "selected_index"))
    else:
        picture = widgets.Image(value=figure_to_png(frame(values[0]), dpi), format="png")

        def redraw(change):
            picture.value = figure_to_png(frame(values[change["new"]]), dpi)

        slider.observe(redraw, names="index")
    box = widgets.VBox([slider, picture])
    box.slider = slider
    box.mode = resolved
    return box
