"""The teaching code is what the student sees; the checks are folded (CONTRIBUTING.md).

For every chapter notebook: a visible code cell is short (at most 25 non-blank lines of at
most 80 characters, so that nothing hides past the code box's edge at 1280 px) and
states at most two claims (``assert`` statements, counted in its syntax tree); the other
checks live in a cell tagged ``hide-input`` whose printed line starts with ✓ and says what
was verified. Exercise solutions count as visible: a reader opens them.
"""

import ast
import json
import re
from pathlib import Path

import pytest

BOOK = Path(__file__).resolve().parents[1] / "book"
CHAPTERS = sorted(BOOK.glob("*.ipynb"))
FOLDED = {"hide-input", "hide-cell", "remove-input", "remove-cell"}
MAX_VISIBLE_LINES = 25
MAX_VISIBLE_ASSERTS = 2
#: Characters a line of visible code may hold: the code box of the 1280 px page shows 80.
MAX_LINE_CHARACTERS = 80


def code_cells(path):
    """(index, tags, source) of each code cell after the install cell."""
    notebook = json.loads(path.read_text())
    cells = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    for index, cell in enumerate(cells[1:], start=1):
        yield index, set(cell["metadata"].get("tags", [])), "".join(cell["source"])


def syntax_tree(source):
    """The cell's Python syntax tree; IPython magics (``%``, ``!``) are blanked first."""
    lines = ["" if line.lstrip().startswith(("%", "!")) else line for line in source.split("\n")]
    return ast.parse("\n".join(lines))


def assert_count(source):
    return sum(isinstance(node, ast.Assert) for node in ast.walk(syntax_tree(source)))


def prints_a_tick(source):
    """Whether the cell calls ``print`` with a string that starts with ✓."""
    for node in ast.walk(syntax_tree(source)):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "print" and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and str(first.value).startswith("✓"):
                return True
            if isinstance(first, ast.JoinedStr) and first.values:
                head = first.values[0]
                if isinstance(head, ast.Constant) and str(head.value).startswith("✓"):
                    return True
    return False


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_visible_cells_are_short_and_state_one_claim(path):
    too_long, too_many_asserts, too_wide = [], [], []
    for index, tags, source in code_cells(path):
        if tags & FOLDED:
            continue
        lines = [line for line in source.split("\n") if line.strip()]
        too_wide += [(index, line) for line in lines if len(line) > MAX_LINE_CHARACTERS]
        if len(lines) > MAX_VISIBLE_LINES:
            too_long.append((index, len(lines), lines[0]))
        asserts = assert_count(source)
        if asserts > MAX_VISIBLE_ASSERTS:
            too_many_asserts.append((index, asserts, lines[0]))
    assert too_long == [], f"{path.name}: visible cells over {MAX_VISIBLE_LINES} lines"
    assert too_many_asserts == [], f"{path.name}: visible cells with over 2 asserts"
    assert too_wide == [], f"{path.name}: visible lines over {MAX_LINE_CHARACTERS} characters"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_folded_checks_say_what_they_verified(path):
    silent = [
        (index, source.split("\n")[0])
        for index, tags, source in code_cells(path)
        if tags & FOLDED and assert_count(source) > 0 and not prints_a_tick(source)
    ]
    assert silent == [], f"{path.name}: folded check cells that print no ✓ line"


def test_the_counts_see_what_they_claim_to():
    cell = 'x = 1\n%timeit x\nassert x == 1\nif x:\n    assert x\nprint(f"✓ {x} checks")\n'
    assert assert_count(cell) == 2
    assert prints_a_tick(cell)
    assert not prints_a_tick("print('done')\nassert True")


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_print_only_wording_stays_hidden_in_jupyterlab(path):
    """A printed sentence is hidden by its attribute where the book's CSS is absent (Jupyter):
    ``hidden="hidden"``, the one value JupyterLab's HTML sanitizer lets through."""
    cells = json.loads(path.read_text())["cells"]
    text = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    for tag in re.findall(r"<[a-z]+ [^>]*cc-print-only[^>]*>", text):
        assert 'hidden="hidden"' in tag, tag
