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

import functools

#: Widest frame, in inches at the widgets' 80 dpi, that fits a 390 px phone's 358 px column.
PHONE_WIDTH_INCHES = 4.45


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
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
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
    fig.canvas.draw()
    box = fig.get_tightbbox(fig.canvas.get_renderer())
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


def stack_columns(fig, width=PHONE_WIDTH_INCHES, gap=0.12):
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

    Returns
    -------
    matplotlib.figure.Figure
        ``fig`` itself.
    """
    fig.set_layout_engine("none")  # the positions set here are final
    dpi = fig.dpi
    columns = panel_columns(fig)
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

    fig.canvas.draw()
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
    fig.canvas.draw()
    return fig.get_tightbbox(fig.canvas.get_renderer()).width + 0.2


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
    scale = css_px_per_inch(fig, dpi, column) / 72
    sizes = [(text.get_fontsize() * scale, text.get_text()) for text in drawn_texts(fig)]
    return min(sizes, default=(float("inf"), ""))
