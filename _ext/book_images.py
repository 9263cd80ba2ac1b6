"""Figures that cost less: palette PNGs, fetched when the reader comes near them.

* Every PNG the build copied to ``_images/`` is rewritten as a 256-colour palette PNG when
  that is smaller (matplotlib's RGBA PNGs shrink 2-4 times; flat plots lose nothing visible).
* Every ``<img>`` in a page's content gets ``loading="lazy"`` and ``decoding="async"``, so the
  browser fetches a figure only when it nears the viewport.
"""

import re

from book_widgets import compact_png

IMG_TAG = re.compile(r"<img(?![^>]*\bloading=)([^>]*)>")


def compact_figures(images_dir):
    """Rewrite the PNGs directly in ``images_dir``; return (bytes before, bytes after)."""
    before = after = 0
    for path in sorted(images_dir.glob("*.png")):
        data = path.read_bytes()
        smaller, _ = compact_png(data)
        before += len(data)
        after += len(smaller)
        if len(smaller) < len(data):
            path.write_bytes(smaller)
    return before, after


def lazy_images(text):
    """``text`` with ``loading="lazy" decoding="async"`` on every ``<img>`` that has none."""
    return IMG_TAG.sub(r'<img loading="lazy" decoding="async"\1>', text)
