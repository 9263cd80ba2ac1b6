"""Figures that cost less: palette PNGs, fetched when the reader comes near them.

* Every PNG the build copied to ``_images/`` is rewritten as a 256-colour palette PNG when
  that is smaller (matplotlib's RGBA PNGs shrink 2-4 times; flat plots lose nothing visible).
* A notebook figure whose output carries a phone layout (``cnncourse.layout.PHONE_MIMETYPE``,
  attached by the book's kernels when the figure's text would read under 9 CSS px in a
  phone's column) is written beside the figure as ``<hash>-phone.png`` and its ``<img>``
  wrapped in a ``<picture>`` whose ``<source>`` serves that file to narrow screens (the
  media query of the widget frames' variants): the browser downloads one of the two.
* Every ``<img>`` in a page's content gets ``loading="lazy"`` and ``decoding="async"``, so the
  browser fetches a figure only when it nears the viewport.
"""

import base64
import hashlib
import io
import json
import re
from pathlib import Path

from book_widgets import NARROW_SCREEN, compact_png

PHONE_MIMETYPE = "image/x-cnncourse-phone+png"  # cnncourse.layout.PHONE_MIMETYPE
PHONE_SUFFIX = "-phone"

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


def _text(value):
    return "".join(value) if isinstance(value, list) else value


def phone_images(notebook):
    """``{hash of the figure's PNG: phone PNG bytes}`` for the outputs of an executed
    ``notebook`` (a dict) that carry both an ``image/png`` and a phone layout; the hash is the
    SHA-256 myst-nb names the figure's file by."""
    found = {}
    for cell in notebook.get("cells", []):
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "image/png" in data and PHONE_MIMETYPE in data:
                wide = base64.b64decode(_text(data["image/png"]))
                found[hashlib.sha256(wide).hexdigest()] = base64.b64decode(
                    _text(data[PHONE_MIMETYPE])
                )
    return found


def picture_tags(text, phones, prefix):
    """``text`` with each ``<img>`` of a figure in ``phones`` wrapped in a ``<picture>``.

    ``phones`` maps a figure's file stem to ``(width, height)`` of its phone image, written as
    ``<stem>-phone.png`` beside it; ``prefix`` is the page's relative path to the root.
    """

    def wrap(match):
        stem = match.group(2)
        if stem not in phones:
            return match.group(0)
        width, height = phones[stem]
        url = f"{prefix}_images/{stem}{PHONE_SUFFIX}.png"
        return (
            f'<picture class="cc-picture cc-figure-picture"><source media="{NARROW_SCREEN}" '
            f'srcset="{url}" width="{width}" height="{height}">{match.group(0)}</picture>'
        )

    return FIGURE_IMG.sub(wrap, text)


FIGURE_IMG = re.compile(r'<img\b[^>]*\bsrc="([./]*)_images/([0-9a-f]{64})\.png"[^>]*>')


def phone_figures(outdir, executed):
    """Write the phone layouts of the executed notebooks under ``executed`` beside their
    figures in ``outdir/_images`` and point each page's figure at them; return the count and
    the bytes written (before the palette compaction of :func:`compact_figures`)."""
    from PIL import Image

    outdir, executed = Path(outdir), Path(executed)
    count = written = 0
    for notebook_path in sorted(executed.rglob("*.ipynb")):
        docname = notebook_path.relative_to(executed).with_suffix("")
        page = outdir / docname.with_suffix(".html")
        if not page.exists():
            continue
        found = phone_images(json.loads(notebook_path.read_text(encoding="utf-8")))
        phones = {}
        for stem, data in found.items():
            if not (outdir / "_images" / f"{stem}.png").exists():
                continue
            (outdir / "_images" / f"{stem}{PHONE_SUFFIX}.png").write_bytes(data)
            phones[stem] = Image.open(io.BytesIO(data)).size
            written += len(data)
        text = page.read_text(encoding="utf-8")
        fixed = picture_tags(text, phones, "../" * (len(docname.parts) - 1))
        if fixed != text:
            page.write_text(fixed, encoding="utf-8")
            count += len(phones)
    return count, written
