r"""Equations carry the book's numbers: ``\tag{9.3}`` on a labelled equation becomes its number.

Sphinx numbers labelled display equations 1, 2, … on each page. The course numbers them as
*Deep Learning* does, (9.1)–(9.6), so that prose, code comments and docstrings can all say
"(9.3)". A labelled equation whose LaTeX holds ``\tag{9.3}`` gets the number "9.3" (shown
by Sphinx beside the equation, and used by every ``{eq}`` reference to it); the ``\tag`` is
removed so that MathJax does not print the number a second time. With ``math_numfig: false``
an equation without a label stays unnumbered, and a labelled equation without a ``\tag`` is
a warning (an error in the ``-W`` build), so no running (1), (2), … appear anywhere.
"""

import re

from docutils import nodes
from sphinx.util import logging

logger = logging.getLogger(__name__)

TAG = re.compile(r"\\tag\*?\{([^{}]*)\}")


def book_number(latex):
    r"""The text of the ``\tag{...}`` in ``latex`` and the LaTeX without it (None if untagged)."""
    match = TAG.search(latex)
    if match is None:
        return None, latex
    return match.group(1).strip(), (latex[: match.start()] + latex[match.end() :]).strip()


def number_as_tagged(app, doctree):
    """Give every tagged, labelled equation of a page its tag as its number."""
    equations = app.env.get_domain("math").equations
    for node in doctree.findall(nodes.math_block):
        number, latex = book_number(node.astext())
        if not node.get("label"):
            continue  # unnumbered, or an unlabelled \tag left for MathJax to print
        if number is None:
            logger.warning(
                "equation %r has a label but no \\tag{9.k}: Sphinx would give it a running "
                "number; tag it with the book's number or drop the label",
                node["label"],
                location=node,
            )
            continue
        node.children = [nodes.Text(latex)]
        node["latex"] = latex
        node["number"] = number
        equations[node["label"]] = (app.env.docname, number)


def setup(app):
    app.connect("doctree-read", number_as_tagged)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
