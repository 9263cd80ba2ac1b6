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
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def show_table(header, rows):
    """Display :func:`markdown_table` of ``header`` and ``rows`` in the notebook."""
    from IPython.display import Markdown, display

    display(Markdown(markdown_table(header, rows)))
