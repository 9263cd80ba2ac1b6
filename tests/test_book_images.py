"""The build serves phones the phone layout of a figure (``_ext/book_images.py``)."""

import base64
import hashlib
import io
import json
import sys

import pytest
from book_pages import ROOT

sys.path.insert(0, str(ROOT / "_ext"))
import book_images  # noqa: E402

Image = pytest.importorskip("PIL.Image")


def _png(width, height):
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(buffer, format="PNG")
    return buffer.getvalue()


def test_a_figure_with_a_phone_layout_becomes_a_picture(tmp_path):
    wide, phone = _png(900, 300), _png(340, 700)
    stem = hashlib.sha256(wide).hexdigest()  # the name myst-nb gives the figure's file
    data = {
        "image/png": base64.b64encode(wide).decode(),
        book_images.PHONE_MIMETYPE: base64.b64encode(phone).decode(),
        "text/plain": "<Figure>",
    }
    output = {"output_type": "display_data", "data": data}
    notebook = {"cells": [{"cell_type": "code", "outputs": [output]}]}
    executed, html = tmp_path / "jupyter_execute" / "book", tmp_path / "html"
    executed.mkdir(parents=True)
    (executed / "chapter.ipynb").write_text(json.dumps(notebook))
    (html / "_images").mkdir(parents=True)
    (html / "_images" / f"{stem}.png").write_bytes(wide)
    (html / "book").mkdir()
    img = f'<img alt="a figure" src="../_images/{stem}.png" />'
    other = '<img alt="another" src="../_images/' + "0" * 64 + '.png" />'
    (html / "book" / "chapter.html").write_text(f"<p>{img}</p><p>{other}</p>")

    count, written = book_images.phone_figures(html, tmp_path / "jupyter_execute")

    assert (count, written) == (1, len(phone))
    assert (html / "_images" / f"{stem}-phone.png").read_bytes() == phone
    page = (html / "book" / "chapter.html").read_text()
    assert (
        '<picture class="cc-picture cc-figure-picture">'
        '<source media="screen and (max-width: 720px)" '
        f'srcset="../_images/{stem}-phone.png" width="340" height="700">{img}</picture>'
    ) in page
    assert f"<p>{other}</p>" in page  # a figure without a phone layout is left alone


def test_the_build_and_the_kernels_name_the_phone_layout_alike():
    from cnncourse import layout

    assert book_images.PHONE_MIMETYPE == layout.PHONE_MIMETYPE
