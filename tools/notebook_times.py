"""Time every notebook of the book, executed fresh, against its budget.

A benchmark, not a test: run it on a quiet machine (``make notebook-times``). Each notebook
runs in a new kernel (as the book build runs it, widgets in static mode) and every cell is
timed; the table shows each notebook's wall time and its slowest cell, and the command exits
1 when a budget is exceeded:

* a chapter: at most 20 s, no cell over 10 s;
* the timing appendix (``performance``): at most 40 s, no cell over 20 s;
* all notebooks together: at most 100 s.

Usage: ``python tools/notebook_times.py [--json FILE] [NOTEBOOK ...]``
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "book"
CHAPTER_BUDGET = (20.0, 10.0)  # (whole notebook, one cell), seconds
BUDGETS = {"performance": (40.0, 20.0)}
TOTAL_BUDGET = 100.0


class TimedClient(NotebookClient):
    """A notebook client that records how long each code cell takes."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.cell_seconds = []

    async def async_execute_cell(self, cell, cell_index, *args, **kwargs):
        start = time.perf_counter()
        result = await super().async_execute_cell(cell, cell_index, *args, **kwargs)
        if cell.cell_type == "code":
            self.cell_seconds.append((cell_index, time.perf_counter() - start))
        return result


def time_notebook(path):
    """Execute ``path`` in a fresh kernel; return (wall seconds, [(cell index, seconds)])."""
    notebook = nbformat.read(path, as_version=4)
    client = TimedClient(
        notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": BOOK}}
    )
    start = time.perf_counter()
    client.execute()
    return time.perf_counter() - start, client.cell_seconds


def budget_for(name):
    return BUDGETS.get(name, CHAPTER_BUDGET)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", help="default: every notebook in book/")
    parser.add_argument("--json", help="also write the measurements to this file")
    args = parser.parse_args(argv)
    os.environ["CNNCOURSE_WIDGETS"] = "static"
    paths = [Path(p) for p in args.notebooks] or sorted(BOOK.glob("*.ipynb"))

    rows, over = [], []
    print(f"{'notebook':<14} {'wall s':>7} {'budget':>7} {'slowest cell':>13} {'budget':>7}")
    for path in paths:
        wall, cells = time_notebook(path)
        index, slowest = max(cells, key=lambda pair: pair[1])
        total_budget, cell_budget = budget_for(path.stem)
        rows.append({"notebook": path.stem, "wall_s": wall, "cells": cells})
        print(
            f"{path.stem:<14} {wall:7.1f} {total_budget:7.0f} "
            f"{slowest:7.1f} (#{index:>2}) {cell_budget:7.0f}",
            flush=True,
        )
        if wall > total_budget or slowest > cell_budget:
            over.append(path.stem)
    total = sum(row["wall_s"] for row in rows)
    print(f"{'all':<14} {total:7.1f} {TOTAL_BUDGET:7.0f}")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))
    if over or (not args.notebooks and total > TOTAL_BUDGET):
        print(f"over budget: {', '.join(over) or 'all notebooks together'}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
