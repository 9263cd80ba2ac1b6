"""Print the built book to one PDF with headless Chromium.

Each page of ``_toc.yml`` is opened from the built HTML (served on 127.0.0.1, so the
page loads exactly as a reader's browser loads it), left to typeset its maths and render its
widgets, and printed with the print stylesheet: the sidebars and buttons disappear, folded
cells stay folded (their toggles are hidden in print), and each static widget shows the frame
its slider starts on. The pages' PDFs are then merged, in the table of contents' order, with
one bookmark per page.

Usage (after ``make book``; ``make pdf`` does both)::

    python tools/pdf.py [--html _build/html] [--out _build/html/cnncourse.pdf]

Chromium is Debian's ``chromium`` (or ``$CNNCOURSE_CHROMIUM``), the one the browser tests
drive through Playwright; nothing is downloaded.
"""

import argparse
import functools
import http.server
import io
import shutil
import sys
import threading
from contextlib import contextmanager
from pathlib import Path

import yaml
from chromium import CHROMIUM, CHROMIUM_ARGS

ROOT = Path(__file__).resolve().parent.parent
#: Page geometry: A4 with 16 mm margins; the viewport is the printable width in CSS pixels.
PAPER = {
    "format": "A4",
    "margin": {"top": "16mm", "bottom": "16mm", "left": "16mm", "right": "16mm"},
}
VIEWPORT = {"width": 1100, "height": 1400}
WIDGET_VIEWS = 'script[type="application/vnd.jupyter.widget-view+json"]'
#: Print rules added to each page before printing (the book's CSS is for screens).
PRINT_CSS = """
@media print {
  /* Folded cells: paper has nothing to click, so the toggle line goes and the cell stays
     folded (the folded part was never shown). */
  details.hide > summary { display: none !important; }
  details.hide:not([open]) { display: none !important; }
  /* Widgets are flex boxes on screen; across a page break a flex box squeezes its picture.
     Lay the visible ones out as blocks; the Stack's hidden frames keep lm-mod-hidden. */
  .cell_output .widget-box:not(.lm-mod-hidden) {
    display: block !important;
    height: auto !important;
  }
  .cell_output img { height: auto !important; max-width: 100% !important; break-inside: avoid; }
  /* Long code lines wrap instead of being cut at the margin; long cells may break across
     pages (Chromium never breaks a scrollable box, so nothing here scrolls). */
  div.highlight pre { white-space: pre-wrap !important; overflow-wrap: anywhere; }
  div.highlight, div.highlight pre, div.cell_output, div.cell_output .output {
    overflow: visible !important;
  }
  div.cell_input, div.cell_input > div, div.highlight { display: block !important; }
  div.cell, div.cell_input, div.cell_input > div, div.highlight, div.highlight pre {
    break-inside: auto !important;
  }
  h1, h2, h3 { break-after: avoid; }
}
"""


def toc_pages(root=ROOT):
    """The pages of ``_toc.yml`` (root first), as paths without suffix."""
    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    pages = [toc["root"]]
    for part in toc.get("parts", []):
        pages.extend(chapter["file"] for chapter in part["chapters"])
    return pages


def book_title(root=ROOT):
    config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))
    return config.get("title", "")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextmanager
def serve(directory):
    """Serve ``directory`` on 127.0.0.1; yield the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()


@contextmanager
def chromium():
    """Headless Chromium through Playwright, with the executable the tests use."""
    if not Path(CHROMIUM).exists() and shutil.which(CHROMIUM) is None:
        raise SystemExit(
            f"Chromium not found at {CHROMIUM}: sudo apt-get install -y chromium "
            "(or set CNNCOURSE_CHROMIUM). Never `playwright install`."
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def _settle(page):
    """Wait until the page's maths is typeset and its widgets are drawn."""
    if page.evaluate("document.querySelectorAll('.math').length > 0"):
        page.wait_for_function(
            "window.MathJax && MathJax.startup && MathJax.startup.promise", timeout=60000
        )
        page.evaluate("MathJax.startup.promise")
        # the book typesets lazily (as formulas near the screen): typeset all before printing
        page.evaluate(
            "() => MathJax.startup.document.lazyTypesetAll"
            " ? MathJax.startup.document.lazyTypesetAll() : null"
        )
    views = page.evaluate(f"document.querySelectorAll('{WIDGET_VIEWS}').length")
    if views:
        page.wait_for_function(
            f"""() => Array.from(document.querySelectorAll('{WIDGET_VIEWS}'))
                .every(s => s.parentElement.querySelector('.jupyter-widgets, .widget-box'))""",
            timeout=60000,
        )
        page.wait_for_function(
            "() => Array.from(document.querySelectorAll('.widget-image img, img.widget-image'))"
            ".every(img => img.complete)",
            timeout=60000,
        )
    page.evaluate("document.fonts.ready")


def print_page(browser, url):
    """``(title, pdf bytes)`` of one page printed with its print stylesheet."""
    context = browser.new_context(viewport=VIEWPORT, color_scheme="light")
    try:
        page = context.new_page()
        response = page.goto(url, wait_until="networkidle")
        if response is None or response.status != 200:
            raise RuntimeError(f"{url}: HTTP {response and response.status}")
        _settle(page)
        page.add_style_tag(content=PRINT_CSS)
        page.emulate_media(media="print", color_scheme="light")
        title = page.evaluate(
            "(document.querySelector('main h1') || document.querySelector('h1') || {})"
            ".innerText || document.title"
        )
        pdf = page.pdf(print_background=True, prefer_css_page_size=False, **PAPER)
        return title.replace("#", "").strip(), pdf
    finally:
        context.close()


def build_pdf(html=ROOT / "_build" / "html", out=None, root=ROOT, log=print):
    """Print every page of the book in ``html`` and merge them into ``out``; return ``out``."""
    from pypdf import PdfReader, PdfWriter

    html = Path(html)
    out = Path(out) if out else html / "cnncourse.pdf"
    pages = toc_pages(root)
    missing = [page for page in pages if not (html / f"{page}.html").exists()]
    if missing:
        raise SystemExit(f"{html} lacks {missing}: build the book first (make book)")
    writer = PdfWriter()
    with serve(html) as base, chromium() as browser:
        for page in pages:
            title, pdf = print_page(browser, f"{base}/{page}.html")
            reader = PdfReader(io.BytesIO(pdf))
            log(f"{page}: {len(reader.pages)} pages, {title!r}")
            writer.append(reader, outline_item=title)
    writer.add_metadata({"/Title": book_title(root), "/Creator": "cnncourse tools/pdf.py"})
    writer.page_mode = "/UseOutlines"
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_suffix(".pdf.part")
    with partial.open("wb") as file:
        writer.write(file)
    partial.replace(out)
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--html", default=ROOT / "_build" / "html", type=Path)
    parser.add_argument("--out", default=None, type=Path, help="default: HTML/cnncourse.pdf")
    args = parser.parse_args(argv)
    out = build_pdf(args.html, args.out)
    print(f"The PDF is at {out.resolve()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
