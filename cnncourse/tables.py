"""Small tables for the chapters: rows of values shown as a Markdown table.

A notebook that prints a dict or an array makes the reader parse Python; a table with a
header reads at a glance. IPython is imported only when a table is displayed.
"""


def markdown_table(header, rows):
    """The Markdown text of a table: one header row, then one line per row.

    Parameters
    ----------
    header : sequence of str
        Column titles.
    rows : iterable of sequences
        The cells of each row; each cell is shown as ``str(cell)``, so format numbers first.
        A ``|`` inside a cell is escaped (``\\|``), so it shows as a bar instead of
        splitting the cell (and breaking the whole table into raw text).

    Returns
    -------
    str

    Examples
    --------
    >>> print(markdown_table(["n", "n²"], [(2, 4), (3, 9)]))
    | n | n² |
    |---|---|
    | 2 | 4 |
    | 3 | 9 |
    """
    lines = [_table_row(header), "|" + "---|" * len(header)]
    lines += [_table_row(row) for row in rows]
    return "\n".join(lines)


def _table_row(cells):
    """One Markdown table line, each cell's ``|`` escaped and newlines turned into spaces."""
    texts = [str(cell).replace("|", "\\|").replace("\n", " ") for cell in cells]
    return "| " + " | ".join(texts) + " |"


def show_table(header, rows):
    """Display :func:`markdown_table` of ``header`` and ``rows`` in the notebook."""
    from IPython.display import Markdown, display

    display(Markdown(markdown_table(header, rows)))


def sci(value):
    """A count for a table: ``1,728`` below a million, else ``8.0 × 10⁹``.

    Examples
    --------
    >>> sci(1728), sci(8_003_072_000)
    ('1,728', '8.0 × 10⁹')
    """
    if abs(value) < 1e6:
        return f"{value:,.0f}"
    mantissa, exponent = f"{value:.1e}".split("e")
    superscript = str(int(exponent)).translate(str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹"))
    return f"{mantissa} × 10{superscript}"
