"""Interactive figures that work with a live kernel and in the static book.

A widget here is two things kept apart:

* a pure *frame function* ``frame(**values) -> matplotlib.figure.Figure`` that draws one
  state of the figure (its computations live in :mod:`cnncourse.frames`, tested by pytest and
  asserted in the notebooks), and
* thin *wiring* that connects sliders to it.

Two wirings exist, chosen by ``mode``:

``"static"``
    Every frame is drawn once and stored as a PNG in an ``ipywidgets.Stack``; each slider is
    linked to its stack with ``jslink``. The links live in the browser, so the sliders keep
    working in the rendered book, where there is no kernel. With two sliders the stacks nest:
    the first slider picks a stack whose own slider picks the frame.
``"live"``
    The sliders' ``observe`` callbacks redraw the frame asked for, for any combination.
    This needs a kernel, and is the fallback for ipywidgets 7 (e.g. Colab), which has no
    ``Stack``.
``"auto"`` (default)
    ``"static"`` when the environment variable ``CNNCOURSE_WIDGETS`` is ``static`` (the book's
    Sphinx extension, ``_ext/cnncourse_book.py``, sets it for every build), else ``"live"``.

ipywidgets is imported only when a widget is built, so ``import cnncourse`` stays light.
"""

import io
import os
import struct

from ._optional import require

WIDGET_MODES = ("auto", "static", "live")

#: Most frames a static widget may precompute (each is a PNG in the page).
MAX_STATIC_FRAMES = 80


def resolve_mode(mode="auto"):
    """Return ``"static"`` or ``"live"`` for a requested ``mode``.

    Parameters
    ----------
    mode : {"auto", "static", "live"}
        ``"auto"`` reads the ``CNNCOURSE_WIDGETS`` environment variable.

    Returns
    -------
    str

    Examples
    --------
    >>> resolve_mode("live")
    'live'
    """
    if mode not in WIDGET_MODES:
        raise ValueError(f"`mode` must be one of {WIDGET_MODES}, got {mode!r}")
    if mode == "auto":
        return "static" if os.environ.get("CNNCOURSE_WIDGETS") == "static" else "live"
    return mode


#: The rendered book's frames are drawn at this many times the widget's ``dpi`` and shown at
#: the size the ``dpi`` gives (``width``/``height`` of the image), so that they stay sharp on
#: screens with 1.5 or more device pixels per CSS pixel (phones, laptops zoomed to 150 %).
STATIC_DENSITY = 1.5


def png_size(data):
    """``(width, height)`` in pixels of PNG ``data``, read from its header (IHDR chunk)."""
    return struct.unpack(">II", data[16:24])


def _static_image(widgets, figure, dpi):
    """An ``Image`` drawn at ``STATIC_DENSITY * dpi`` that displays at the size of ``dpi``."""
    data = figure_to_png(figure, STATIC_DENSITY * dpi)
    width, height = png_size(data)
    return widgets.Image(
        value=data,
        format="png",
        width=str(round(width / STATIC_DENSITY)),
        height=str(round(height / STATIC_DENSITY)),
    )


def _static_frame(widgets, frame, values, dpi, narrow):
    """The frame for ``values`` as an ``Image``, or a pair (wide, phone-width) in a ``Box``.

    With ``narrow`` the frame is drawn a second time and its panels wrapped into rows that fit
    a phone (:func:`cnncourse.layout.narrow_variant`); the book serves that version to narrow
    screens (``_ext/book_widgets.py`` writes a ``<picture>``). In Jupyter the narrow image
    stays hidden. Returns ``(widget, narrow)``, ``narrow`` telling whether a variant exists.
    """
    from .layout import narrow_variant

    wide = _static_image(widgets, frame(**values), dpi)
    if not narrow:
        return wide, False
    drawn = frame(**values)
    stacked = narrow_variant(drawn)
    if stacked is None:
        require("matplotlib.pyplot", "book", "cnncourse.widgets").close(drawn)
        return wide, False
    phone = _static_image(widgets, stacked, dpi)
    phone.layout.display = "none"
    return widgets.Box([wide, phone], _dom_classes=[VARIANTS_CLASS]), True


#: The class of a ``Box`` holding a frame's wide and phone-width images.
VARIANTS_CLASS = "cc-variants"


def figure_to_png(fig, dpi=80):
    """Render a matplotlib figure to PNG bytes and close it."""
    plt = require("matplotlib.pyplot", "book", "cnncourse.widgets")

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, facecolor="white", bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


def _normalise_controls(controls):
    """``{name: values}`` or ``{name: (values, labels)}`` -> list of (name, values, labels)."""
    if not controls:
        raise ValueError("`controls` must name at least one slider, got none")
    normalised = []
    for name, spec in controls.items():
        values, labels = spec if isinstance(spec, tuple) else (spec, None)
        values = list(values)
        if not values:
            raise ValueError(f"`controls[{name!r}]` must hold at least one value, got none")
        labels = [str(v) for v in values] if labels is None else [str(v) for v in labels]
        if len(labels) != len(values):
            raise ValueError(
                f"`controls[{name!r}]` has {len(values)} values but {len(labels)} labels"
            )
        normalised.append((name, values, labels))
    return normalised


def _slider(widgets, name, labels):
    return widgets.SelectionSlider(
        options=list(zip(labels, range(len(labels)), strict=True)),
        value=0,
        description=name.replace("_", " "),
        continuous_update=True,
        layout=widgets.Layout(width="min(100%, 520px)"),
        style={"description_width": "initial"},
    )


def _static_panel(widgets, frame, controls, chosen, dpi, narrow):
    """A slider over the first control, linked to a stack of panels for the rest.

    ``narrow`` is a one-element list: whether to draw phone-width variants, decided on the
    first frame (a widget's frames share one layout) and remembered for the rest.
    """
    name, values, labels = controls[0]
    slider = _slider(widgets, name, labels)
    children = []
    for value in values:
        here = {**chosen, name: value}
        if len(controls) == 1:
            child, narrow[0] = _static_frame(widgets, frame, here, dpi, narrow[0])
            children.append(child)
        else:
            children.append(_static_panel(widgets, frame, controls[1:], here, dpi, narrow))
    stack = widgets.Stack(children=children, selected_index=0)
    widgets.jslink((slider, "index"), (stack, "selected_index"))
    return widgets.VBox([slider, stack])


def _live_panel(widgets, frame, controls, dpi):
    sliders = [_slider(widgets, name, labels) for name, _, labels in controls]

    def current():
        return {
            name: values[slider.index]
            for (name, values, _), slider in zip(controls, sliders, strict=True)
        }

    picture = widgets.Image(value=figure_to_png(frame(**current()), dpi), format="png")

    def redraw(change):
        picture.value = figure_to_png(frame(**current()), dpi)

    for slider in sliders:
        slider.observe(redraw, names="index")
    return widgets.VBox([*sliders, picture])


def explorer(frame, controls, *, mode="auto", dpi=80):
    """Sliders over the values in ``controls`` that show ``frame(**chosen_values)``.

    Parameters
    ----------
    frame : callable
        ``frame(**values) -> matplotlib.figure.Figure``; must not show the figure.
    controls : dict
        ``{name: values}`` or ``{name: (values, labels)}``, one slider each, in order.
        The slider shows the labels (default ``str(value)``).
    mode : {"auto", "static", "live"}
        See the module docstring.
    dpi : int
        Resolution of the frames as shown; the static frames are drawn at
        ``STATIC_DENSITY`` (1.5) times it.

    Returns
    -------
    ipywidgets.VBox
        With attributes ``mode`` (the wiring used) and ``frames`` (how many were drawn).
    """
    widgets = require("ipywidgets", "book", "cnncourse.widgets")

    controls = _normalise_controls(controls)
    resolved = resolve_mode(mode)
    if resolved == "static" and not hasattr(widgets, "Stack"):
        resolved = "live"  # ipywidgets 7: no Stack, so no kernel-free wiring
    count = 1
    for _, values, _ in controls:
        count *= len(values)
    if resolved == "static":
        if count > MAX_STATIC_FRAMES:
            raise ValueError(
                f"a static widget may precompute at most {MAX_STATIC_FRAMES} frames, "
                f"these controls give {count}"
            )
        box = _static_panel(widgets, frame, controls, {}, dpi, [True])
    else:
        box = _live_panel(widgets, frame, controls, dpi)
        count = 1
    box.mode = resolved
    box.frames = count
    return box


def scrubber(frame, values, *, description="", labels=None, mode="auto", dpi=80):
    """A single slider over ``values`` that shows ``frame(value)`` (see :func:`explorer`).

    Returns
    -------
    ipywidgets.VBox
    """
    spec = list(values) if labels is None else (list(values), list(labels))
    return explorer(
        lambda **chosen: frame(chosen[description]), {description: spec}, mode=mode, dpi=dpi
    )
