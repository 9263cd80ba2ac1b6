"""``make pdf``: the whole book in one PDF, printed by the Chromium the browser tests use.

``tools/pdf.py`` prints every page of the built book and merges them. Checked here: the PDF has
pages, one bookmark per page of ``_toc.yml`` in its order, every chapter's title in its text,
no folded code's toggle, and no maths left as TeX source.
"""

import json
import re
import subprocess
import sys
import unicodedata

import pytest
from book_pages import ROOT, source_of, toc_files

sys.path.insert(0, str(ROOT / "tools"))
import pdf as pdf_tool  # noqa: E402


def _title(page):
    """The first ``# `` heading of a page's source, without Markdown markup."""
    source = source_of(page)
    if source.suffix == ".ipynb":
        cells = json.loads(source.read_text())["cells"]
        text = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    else:
        text = source.read_text()
    heading = next(line for line in text.splitlines() if line.startswith("# "))
    heading = re.sub(r"\{[a-z]+\}`([^`<]*)(<[^>]*>)?`", r"\1", heading[2:])  # {role}`text`
    return re.sub(r"[*_`]", "", heading).strip()


def _words(text):
    """Whitespace collapsed, ligatures (ﬁ) unfolded, soft hyphens dropped."""
    return " ".join(unicodedata.normalize("NFKC", text).replace("\u00ad", "").split())


@pytest.fixture(scope="module")
def book_pdf(built_book, tmp_path_factory):
    html = ROOT / "_build" / "html"
    out = tmp_path_factory.mktemp("pdf") / "cnncourse.pdf"
    # As `make pdf` runs it, in its own process (its own Playwright, beside the tests' one).
    command = [
        sys.executable,
        str(ROOT / "tools" / "pdf.py"),
        "--html",
        str(html),
        "--out",
        str(out),
    ]
    done = subprocess.run(command, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    from pypdf import PdfReader

    return PdfReader(out)


@pytest.mark.book
@pytest.mark.browser
def test_pdf_has_every_chapter(book_pdf):
    assert len(book_pdf.pages) > 0
    text = _words(" ".join(page.extract_text() for page in book_pdf.pages))
    missing = [page for page in toc_files() if _words(_title(page)) not in text]
    assert missing == [], f"chapter titles missing from the PDF: {missing}"
    bookmarks = [_words(item.title) for item in book_pdf.outline]
    assert bookmarks == [_words(_title(page)) for page in toc_files()]


@pytest.mark.book
@pytest.mark.browser
def test_pdf_folds_code_and_renders_maths(book_pdf):
    text = " ".join(page.extract_text() for page in book_pdf.pages)
    assert "Show code cell" not in text and "Hide code cell" not in text
    assert "\\tag{" not in text and "$$" not in text and "\\begin{" not in text


def test_toc_pages_reads_parts_in_order(tmp_path):
    """The PDF's page order on a table of contents whose order is known."""
    (tmp_path / "_toc.yml").write_text(
        "format: jb-book\nroot: intro\nparts:\n"
        "  - caption: One\n    chapters:\n      - file: b/first\n      - file: a/second\n"
        "  - caption: Two\n    chapters:\n      - file: c/third\n"
    )
    assert pdf_tool.toc_pages(tmp_path) == ["intro", "b/first", "a/second", "c/third"]
