"""The build's own machinery, on a two-page book built in a temporary folder.

* Never stale: changing a file the notebooks import re-executes them on the next build,
  and going back finds the earlier results in the cache again (``_ext/cnncourse_cache.py``).
* Equations carry the book's numbers: a labelled ``\\tag{9.3}`` equation is numbered 9.3,
  once, and ``{eq}`` references say (9.3) (``_ext/cnncourse_equations.py``).
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import ROOT

pytestmark = pytest.mark.book

PAGE_MARKDOWN = r"""# A page

$$
s(t) = \sum_a x(a) w(t - a) \tag{9.3}
$$ (eq-sum)

By {eq}`eq-sum` the sum is discrete.

$$
y = x \notag
$$
"""


def notebook(cells):
    """A minimal nbformat-4 notebook with these (kind, source) cells."""
    return {
        "cells": [
            {"cell_type": kind, "metadata": {}, "source": source}
            | ({"outputs": [], "execution_count": None} if kind == "code" else {})
            for kind, source in cells
        ],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


@pytest.fixture(scope="module")
def tiny_book(tmp_path_factory):
    """A book whose one notebook prints a value read from ``pkg/answer.py``."""
    root = tmp_path_factory.mktemp("tiny_book")
    (root / "pkg").mkdir()
    (root / "pkg" / "answer.py").write_text("VALUE = 'first'\n")
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    settings = {
        "title": "tiny",
        "only_build_toc_files": True,
        "exclude_patterns": ["_build", "pkg"],
        "execute": config["execute"],
        "parse": config["parse"],
        "sphinx": {
            "local_extensions": {
                "cnncourse_cache": str(ROOT / "_ext"),
                "cnncourse_equations": str(ROOT / "_ext"),
            },
            "config": {
                "cnncourse_cache_inputs": ["pkg"],
                "math_numfig": config["sphinx"]["config"]["math_numfig"],
            },
        },
    }
    (root / "_config.yml").write_text(yaml.safe_dump(settings))
    (root / "_toc.yml").write_text("format: jb-book\nroot: page\n")
    code = (
        "import sys\nsys.path.insert(0, '.')\nfrom pkg.answer import VALUE\nprint('value', VALUE)"
    )
    page = notebook([("markdown", PAGE_MARKDOWN), ("code", code)])
    (root / "page.ipynb").write_text(json.dumps(page))
    return root


def build(root):
    """Build the book at ``root`` and return its page's HTML."""
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    env = dict(os.environ, PYTHONPATH=str(root))
    result = subprocess.run(
        [str(jupyter_book), "build", str(root), "-W", "-n", "--keep-going"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return (root / "_build" / "html" / "page.html").read_text()


def printed_value(html):
    return re.search(r"value (\w+)", html).group(1)


def test_a_change_to_the_imported_code_reexecutes_the_notebook(tiny_book):
    assert printed_value(build(tiny_book)) == "first"
    (tiny_book / "pkg" / "answer.py").write_text("VALUE = 'second'\n")
    assert printed_value(build(tiny_book)) == "second"
    (tiny_book / "pkg" / "answer.py").write_text("VALUE = 'first'\n")
    assert printed_value(build(tiny_book)) == "first"
    caches = sorted(p.name for p in (tiny_book / "_build" / ".jupyter_cache").iterdir())
    assert len(caches) == 2, caches  # one per version of pkg/, the first one found again


def test_equations_carry_the_book_numbers_once(tiny_book):
    html = build(tiny_book)
    assert re.search(r'<span class="eqno">\(9\.3\)', html)
    assert html.count("9.3") == 2  # the equation's number and the reference to it
    assert r"\tag" not in html
    assert "(1)" not in html and "(2)" not in html  # no running numbers
    assert re.search(r'href="#equation-eq-sum"[^>]*>.*?\(9\.3\)', html, re.S)
