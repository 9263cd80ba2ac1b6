"""Markdown tables as the book renders them: parsed by markdown-it-py (MyST's parser)."""

import pytest

from cnncourse.tables import markdown_table

markdown_it = pytest.importorskip("markdown_it")


def rendered_cells(text):
    """The text of every header and body cell, row by row, as markdown-it renders the table."""
    tokens = markdown_it.MarkdownIt("commonmark").enable("table").parse(text)
    rows, row = [], None
    for token in tokens:
        if token.type == "tr_open":
            row = []
        elif token.type == "inline" and row is not None:
            row.append(token.content.replace("\\|", "|"))
        elif token.type == "tr_close":
            rows.append(row)
            row = None
    return rows


def test_a_cell_holding_a_bar_stays_one_cell():
    header = ["|f(x)|", "shift"]
    rows = [("$|a - b|$", 1), ("x | y", "2\nlines")]
    cells = rendered_cells(markdown_table(header, rows))
    assert cells == [["|f(x)|", "shift"], ["$|a - b|$", "1"], ["x | y", "2 lines"]]


def test_a_plain_table_keeps_its_shape():
    cells = rendered_cells(markdown_table(["n", "n²"], [(2, 4), (3, 9)]))
    assert cells == [["n", "n²"], ["2", "4"], ["3", "9"]]
