"""A figure's panels stacked one under another, for a phone-width screen.

A widget frame drawn for a 700 px column puts its panels side by side; on a 390 px phone the
right-hand panels (often the one that carries the point: the difference, the output, the
error) would sit off-screen. :func:`stack_columns` rearranges a drawn figure instead of
drawing it again: the panels are grouped into *columns* (axes whose horizontal extents
overlap, with their titles, labels and colour bars), and the columns are placed one under
another, left to right becoming top to bottom. Every panel keeps its size in inches, so
its text keeps its size in points: nothing is scaled down, the figure only gets narrower
and taller. Figure-level text (a suptitle carrying a result) moves to the top and wraps at
the new width.
"""

import contextlib
import functools
import pickle

#: Widest frame, in inches at the widgets' 80 dpi, that fits a 390 px phone's 358 px column.
PHONE_WIDTH_INCHES = 4.45


def laid_out(fig):
    """Lay ``fig`` out as a draw would (text, ticks, layout engine) without painting a pixel;
    return the renderer its extents are measured with."""
    fig.draw_without_rendering()
    return fig._get_renderer()


def _tight_box(ax, renderer):
    """The extent of ``ax`` with its decorations, in figure pixels: (x0, y0, x1, y1)."""
    box = ax.get_tightbbox(renderer)
    return box.x0, box.y0, box.x1, box.y1


def panel_columns(fig):
    """The visible axes of ``fig`` grouped into columns, left to right.

    Two axes share a column when their frames overlap horizontally (their titles and labels
    may reach over a neighbour's: they count in the column's extent, not in the grouping).

    Returns
    -------
    list of dict
        Each with ``axes`` (a list) and ``box`` ``(x0, y0, x1, y1)``, the union of their
        decorated extents in figure pixels.
    """
    renderer = laid_out(fig)
    width = fig.get_figwidth() * fig.dpi
    panels = []
    for ax in fig.axes:
        if ax.get_visible():
            frame = ax.get_position()
            panels.append((frame.x0 * width, frame.x1 * width, ax, _tight_box(ax, renderer)))
    panels.sort(key=lambda panel: panel[0])
    columns = []
    for left, right, ax, box in panels:
        if columns and left < columns[-1]["right"] - 1:
            column = columns[-1]
            column["axes"].append(ax)
            column["right"] = max(column["right"], right)
            x0, y0, x1, y1 = column["box"]
            column["box"] = (min(x0, box[0]), min(y0, box[1]), max(x1, box[2]), max(y1, box[3]))
        else:
            columns.append({"axes": [ax], "box": box, "right": right})
    return columns


def too_wide(fig, width=PHONE_WIDTH_INCHES):
    """Whether ``fig``, drawn with its decorations, is wider than ``width`` inches."""
    box = fig.get_tightbbox(laid_out(fig))
    return box.width > width


#: The attribute through which a frame function offers its own phone-width drawing.
NARROW_DRAWING = "narrow_drawing"


def offer_narrow(fig, draw, *args, **kwargs):
    """Attach to ``fig`` the call that draws its phone-width layout: ``draw(*args, **kwargs)``.

    For a frame whose panels cannot simply be stacked (one axes that draws several rows, or
    panels wider than a phone), :func:`narrow_variant` then draws that layout instead.
    """
    setattr(fig, NARROW_DRAWING, functools.partial(draw, *args, **kwargs))
    return fig


def narrow_variant(fig, width=PHONE_WIDTH_INCHES):
    """``fig`` with its columns stacked to fit ``width`` inches, or ``None``.

    A figure that offers its own phone-width drawing (:func:`offer_narrow`) is closed and
    that drawing returned. Otherwise ``None`` when ``fig`` already fits, when it has a single
    column of panels (one axes that draws several pictures cannot be taken apart here), or
    when even stacked it is too wide; ``fig`` is then left as drawn.
    """
    redraw = getattr(fig, NARROW_DRAWING, None)
    if redraw is not None:
        import matplotlib.pyplot as plt

        plt.close(fig)
        return redraw()
    if not too_wide(fig, width) or len(panel_columns(fig)) < 2:
        return None
    stack_columns(fig, width)
    return None if too_wide(fig, width) else fig


def _wrapped_lines(text, width):
    """About how many lines ``text`` takes when wrapped at ``width`` inches (its font's
    characters are taken as 0.55 em wide: a generous estimate, so lines never overlap)."""
    characters_per_line = max(1, int(width * 72 / (0.55 * text.get_fontsize())))
    return -(-len(text.get_text()) // characters_per_line)


def pack_rows(widths, limit, gap):
    """Greedy rows of consecutive items whose widths (plus gaps) fit ``limit``.

    >>> pack_rows([2.0, 1.0, 1.5, 3.0], limit=3.2, gap=0.1)
    [[0, 1], [2], [3]]
    """
    rows = [[]]
    used = 0.0
    for index, width in enumerate(widths):
        needed = width if not rows[-1] else used + gap + width
        if rows[-1] and needed > limit:
            rows.append([index])
            used = width
        else:
            rows[-1].append(index)
            used = needed
    return rows


def stack_columns(fig, width=PHONE_WIDTH_INCHES, gap=0.12, columns=None):
    """Rearrange ``fig`` in place: its columns of panels wrapped into rows that fit ``width``.

    Like words in a line of text, columns stay in order and fill a row while they fit; a
    column keeps its panels' sizes in inches (so its text keeps its size).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        A drawn figure; its axes positions are changed and its size set anew.
    width : float
        The widest a row may be, in inches.
    gap : float
        Space between two rows and between two columns of a row, in inches.
    columns : list of dict, optional
        ``panel_columns(fig)``, when the caller has it already.

    Returns
    -------
    matplotlib.figure.Figure
        ``fig`` itself.
    """
    fig.set_layout_engine("none")  # the positions set here are final
    dpi = fig.dpi
    columns = panel_columns(fig) if columns is None else columns
    texts = [text for text in fig.texts if text.get_text()]
    if fig._suptitle is not None and fig._suptitle.get_text():
        texts.append(fig._suptitle)
    sizes = [
        ((c["box"][2] - c["box"][0]) / dpi, (c["box"][3] - c["box"][1]) / dpi) for c in columns
    ]
    rows = pack_rows([size[0] for size in sizes], width, gap)
    row_widths = [sum(sizes[i][0] for i in row) + gap * (len(row) - 1) for row in rows]
    row_heights = [max(sizes[i][1] for i in row) for row in rows]
    new_width = max(row_widths)
    title_lines = [_wrapped_lines(text, new_width) for text in texts]
    title_height = 0.3 * sum(title_lines)
    new_height = title_height + sum(row_heights) + gap * (len(rows) - 1)
    old_width, old_height = fig.get_figwidth(), fig.get_figheight()
    placements = []
    top = new_height - title_height
    for row, row_height in zip(rows, row_heights, strict=True):
        left_edge = 0.0
        for index in row:
            x0, y0 = columns[index]["box"][0], columns[index]["box"][1]
            for ax in columns[index]["axes"]:
                frame = ax.get_position()
                left = frame.x0 * old_width - x0 / dpi + left_edge
                bottom = frame.y0 * old_height - y0 / dpi + (top - sizes[index][1])
                size = (frame.width * old_width, frame.height * old_height)
                placements.append((ax, left, bottom, *size))
            left_edge += sizes[index][0] + gap
        top -= row_height + gap
    fig.set_size_inches(new_width, new_height)
    for ax, left, bottom, ax_width, ax_height in placements:
        ax.set_position(
            [left / new_width, bottom / new_height, ax_width / new_width, ax_height / new_height]
        )
    above = 0.0
    for text, lines in zip(texts, title_lines, strict=True):
        text.set_position((0.5, 1 - (above + 0.15 * lines) / new_height))
        above += 0.3 * lines
        text.set_horizontalalignment("center")
        text.set_verticalalignment("center")
        text.set_wrap(True)
    return fig


#: Widths (CSS px) the built book shows figures in, measured in Chromium: a widget's box is
#: 688 px wide in the 1280 px layout and 358 px on a 390 px phone; a static figure's image
#: at most 672 px and 342 px (the output area's padding).
WIDGET_COLUMN = {"desktop": 688, "phone": 358}
FIGURE_COLUMN = {"desktop": 672, "phone": 342}
#: Text in a figure must be at least this high (its font size) in CSS px where it is shown.
SMALLEST_TEXT_PX = 9.0


def drawn_texts(fig):
    """Every text artist ``fig`` draws: visible, not empty, tick labels only where ticks are.

    Returns
    -------
    list of matplotlib.text.Text
    """
    from matplotlib.text import Text

    laid_out(fig)
    tick_texts, shown = set(), []
    for ax in fig.axes:
        for axis in ax._axis_map.values():
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                tick_texts.update((id(tick.label1), id(tick.label2)))
            for tick in axis._update_ticks():
                if tick.get_visible():
                    shown.extend(t for t in (tick.label1, tick.label2) if t.get_visible())
    for text in fig.findobj(Text):
        if id(text) not in tick_texts and text.get_visible() and text.get_text().strip():
            if _drawn_in_figure(text):
                shown.append(text)
    return [text for text in shown if text.get_text().strip()]


def _drawn_in_figure(text):
    """Whether ``text``'s parents are all visible (a hidden axes hides its title)."""
    parent = text.axes
    return parent is None or parent.get_visible()


def shown_inches(fig):
    """The width in inches of ``fig`` saved with ``bbox_inches="tight"`` (0.1 in padding)."""
    return fig.get_tightbbox(laid_out(fig)).width + 0.2


def css_px_per_inch(fig, dpi, column):
    """How many CSS px one inch of ``fig`` takes in the page: ``dpi`` (the CSS px per inch it
    is saved at) unless the image is wider than ``column`` px, which shrinks it to fit."""
    return dpi * min(1.0, column / (shown_inches(fig) * dpi))


def smallest_text(fig, dpi, column):
    """The smallest text of ``fig`` in CSS px when shown at ``dpi`` in a ``column`` px box.

    A text's height is its font size: ``points / 72 * css_px_per_inch``.

    Returns
    -------
    (float, str)
        The height and the text (``(inf, "")`` for a figure without text).
    """
    scale, texts = _text_scale(fig, dpi, column)
    sizes = [(text.get_fontsize() * scale, text.get_text()) for text in texts]
    return min(sizes, default=(float("inf"), ""))


def _text_scale(fig, dpi, column):
    """CSS px per point of ``fig`` shown at ``dpi`` in ``column`` px, and its drawn texts."""
    texts = drawn_texts(fig)  # lays the figure out: its tight box below needs no second pass
    shown = fig.get_tightbbox(fig._get_renderer()).width + 0.2
    return dpi * min(1.0, column / (shown * dpi)) / 72, texts


def _smallest_points(fig, dpi, column):
    """The smallest font of ``fig`` in points, and how high it is shown in CSS px."""
    scale, texts = _text_scale(fig, dpi, column)
    points = min((text.get_fontsize() for text in texts), default=float("inf"))
    return points, points * scale


#: The mimetype under which the book's kernels attach a static figure's phone layout (a
#: base64 PNG) to its ``image/png`` output; the book's build serves it to phones.
PHONE_MIMETYPE = "image/x-cnncourse-phone+png"


def _copy(fig):
    """An independent copy of ``fig`` (pickled and loaded), closed to pyplot."""
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    copy = pickle.loads(pickle.dumps(fig))
    plt.close(copy)  # unpickling registers a copy of a pyplot figure with pyplot
    FigureCanvasAgg(copy)
    return copy


#: What pickling a figure that holds a local function (a lambda formatter) raises.
_NOT_COPIED = (AttributeError, TypeError, ValueError, pickle.PicklingError)


def _narrow_to(fig, width):
    """Redraw ``fig`` in place so that its decorated extent is about ``width`` inches wide.

    Its fonts keep their size in points; the figure's height shrinks as the square root of
    its width does, and its layout (the engine it has, or ``tight_layout`` when every axes is
    a subplot) is made again at the new size.
    """
    import warnings

    old_width, old_height = fig.get_size_inches()
    subplots = all(ax.get_subplotspec() is not None for ax in fig.axes)
    for _ in range(3):
        drawn = fig.get_tightbbox(laid_out(fig)).width
        if drawn <= width * 1.02:
            break
        figure_width = max(1.0, fig.get_figwidth() - (drawn - width))
        height = old_height * (figure_width / old_width) ** 0.5
        fig.set_size_inches(figure_width, height)
        if fig.get_layout_engine() is None and subplots:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                fig.tight_layout()
    return fig


def static_narrow_variant(fig, column=FIGURE_COLUMN["phone"], dpi=None):
    """A new figure with ``fig``'s content laid out for a phone's ``column``, or ``None``.

    Shown in a ``column`` px box, an image ``w`` inches wide shows one inch as ``column / w``
    CSS px, so text of ``p`` points is ``p / 72 * column / w`` px high: at least
    ``SMALLEST_TEXT_PX`` when the figure is at most ``w = column * p / (72 * SMALLEST_TEXT_PX)``
    inches wide, ``p`` being its smallest font. ``None`` when ``fig`` already reads at that
    size. Otherwise a new figure (``fig`` itself is not changed): the layout the figure
    offers (:func:`offer_narrow`), or a copy with its columns of panels stacked
    (:func:`stack_columns`, then narrowed if one column is still too wide) when that fits
    and the figure has no signs of its own between panels, or else a copy redrawn that
    narrow (:func:`_narrow_to`). Raises one of
    ``_NOT_COPIED`` for a figure that cannot be copied (see :func:`phone_layout`).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    column : float
        The width of the box the image is shown in, in CSS px.
    dpi : float, optional
        CSS px per inch of the saved image (``fig.dpi`` by default).
    """
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    dpi = dpi or fig.dpi
    points, px = _smallest_points(fig, dpi, column)
    if px >= SMALLEST_TEXT_PX:
        return None
    redraw = getattr(fig, NARROW_DRAWING, None)
    if redraw is not None:
        narrow = redraw()
        plt.close(narrow)  # drawn for the formatter: not shown by the inline backend
        FigureCanvasAgg(narrow)
        return narrow
    copy = _copy(fig)  # raises one of _NOT_COPIED for a figure holding a local function
    width = _phone_width(points, column, dpi)
    signs = [text for text in copy.texts if len(text.get_text().strip()) < 3]
    columns = panel_columns(copy)
    if len(columns) >= 2 and not signs:  # signs between panels cannot move
        stack_columns(copy, width, columns=columns)  # its width: its widest row of panels
        if copy.get_figwidth() <= width * 1.02:
            return copy
        _narrow_to(copy, width)  # a column wider than a phone: narrow it as well
        if not too_wide(copy, width * 1.05):
            return copy
        plt.close(copy)
        copy = _copy(fig)
    return _narrow_to(copy, width)


def _phone_width(points, column, dpi):
    """The decorated width, in inches, at which text of ``points`` reads 9 px in ``column``."""
    return 0.96 * (max(column * points / (72 * SMALLEST_TEXT_PX), column / dpi) - 0.2)


@contextlib.contextmanager
def _narrowed_in_place(fig, column):
    """``fig`` redrawn narrow (for a figure that cannot be copied), put back on exit: its
    size, its axes' positions and its layout engine."""
    size, engine = fig.get_size_inches().copy(), fig.get_layout_engine()
    positions = [(ax, ax.get_position(original=True)) for ax in fig.axes]
    try:
        points, _ = _smallest_points(fig, fig.dpi, column)
        yield _narrow_to(fig, _phone_width(points, column, fig.dpi))
    finally:
        fig.set_size_inches(size)
        for ax, position in positions:
            ax.set_position(position)
        fig.set_layout_engine(engine)


@contextlib.contextmanager
def phone_layout(fig, column=FIGURE_COLUMN["phone"]):
    """Within the block, ``fig``'s phone layout (:func:`static_narrow_variant`) or ``None``.

    A figure that cannot be copied (it holds a local function, say a tick formatter) is
    redrawn narrow in place and put back as it was when the block ends.
    """
    import matplotlib.pyplot as plt

    try:
        narrow = static_narrow_variant(fig, column)
    except _NOT_COPIED:
        with _narrowed_in_place(fig, column) as narrow:
            yield narrow
        return
    try:
        yield narrow
    finally:
        if narrow is not None:
            plt.close(narrow)


def phone_png(fig):
    """``fig``'s phone layout as a base64 PNG for :data:`PHONE_MIMETYPE`, or ``None``.

    The image is saved as the inline backend saves ``fig`` (``bbox_inches="tight"``, the
    figure's dpi and face colour). Any failure gives ``None``: the page then shows the wide
    figure only.
    """
    import base64
    import io

    try:
        with phone_layout(fig) as narrow:
            if narrow is None:
                return None
            buffer = io.BytesIO()
            narrow.savefig(buffer, format="png", dpi=fig.dpi, bbox_inches="tight",
                           facecolor=fig.get_facecolor())  # fmt: skip
        return base64.b64encode(buffer.getvalue()).decode("ascii")
    except Exception:  # noqa: BLE001  (a figure that cannot be redrawn keeps one layout)
        return None


def register_phone_formatter(shell=None):
    """Attach :func:`phone_png` to every matplotlib figure an IPython ``shell`` displays.

    The book's build runs its kernels with ``CNNCOURSE_WIDGETS=static`` and ``import
    cnncourse`` calls this there: each figure output then carries, beside its ``image/png``,
    the phone layout under :data:`PHONE_MIMETYPE` (when its text would read under
    ``SMALLEST_TEXT_PX`` in a phone's column). Returns the formatter, or ``None`` outside IPython.
    """
    from IPython.core.formatters import BaseFormatter

    if shell is None:
        from IPython import get_ipython

        shell = get_ipython()
    if shell is None:
        return None

    class PhoneFormatter(BaseFormatter):
        format_type = PHONE_MIMETYPE
        print_method = "_repr_cnncourse_phone_"

    formatters = shell.display_formatter.formatters
    if PHONE_MIMETYPE in formatters:
        return formatters[PHONE_MIMETYPE]
    formatter = formatters[PHONE_MIMETYPE] = PhoneFormatter(parent=shell.display_formatter)

    def attach(*_):
        # the inline backend takes every formatter's Figure printer away when it starts
        # (``select_figure_formats``): attach it again before each cell's figures are shown
        formatter.for_type_by_name("matplotlib.figure", "Figure", phone_png)

    attach()
    shell.events.register("post_execute", attach)
    return formatter
