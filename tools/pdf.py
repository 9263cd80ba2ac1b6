"""Print the built book to one PDF with headless Chromium: a book worth printing.

Each page of ``_toc.yml`` is opened from the built HTML (served on 127.0.0.1, so the page
loads exactly as a reader's browser loads it), left to typeset its maths and render its
widgets, made ready for paper and printed:

* the book's print rules (``_assets/cnncourse.css``) hide what paper cannot do (toggle
  chevrons, sliders, buttons), keep a code cell, an output, a widget and the arithmetic
  explorer on one page, and swap sentences about screens for their printed wording
  (``cc-screen-only`` / ``cc-print-only``); folded cells stay folded;
* ``tools/pdf_print.js`` prints each static widget as a grid of its key frames (first,
  middle, last), captioned ``Widget N, frame i of n: slider = value`` and sized to fit a
  page; it zooms any equation or table wider than the column to fit it, and makes a block
  taller than a page start a page;
* page margin boxes (CSS ``@page``) carry the running head (the chapter's title, left out on
  the chapter's first page) and the page number, counted through the book: a page's PDF
  starts its numbers where the previous one ended.

The pages' PDFs are merged in the table of contents' order behind a cover (title, version,
licence, date) and a printed table of contents, which lists every chapter and its sections
(the ``h2`` headings) with their page numbers, read from the outline Chromium writes for
each page's headings. The PDF's bookmarks are the chapters and their sections, its page
labels match the printed numbers (roman for the front matter), and its links work: a
cross-reference, citation or glossary term jumps to its page in the PDF, a link to any other
file of the site goes to the published book.

Usage (after ``make book``; ``make pdf`` does both)::

    python tools/pdf.py [--html _build/html] [--out _build/html/cnncourse.pdf]

Chromium is Debian's ``chromium`` (or ``$CNNCOURSE_CHROMIUM``), the one the browser tests
drive through Playwright; nothing is downloaded.
"""

import argparse
import datetime
import functools
import html as html_lib
import http.server
import io
import os
import re
import shutil
import sys
import threading
from contextlib import contextmanager
from pathlib import Path

import yaml
from chromium import CHROMIUM, CHROMIUM_ARGS

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
#: A4, margins in mm (the running head and the page number sit in the top and bottom ones).
PAPER_MM = (210, 297)
MARGIN_MM = {"top": 20, "right": 16, "bottom": 18, "left": 16}
PX_PER_MM = 96 / 25.4
#: The printable box in CSS pixels: the viewport is as wide as the printed column, so what
#: the page measures before printing is what prints.
COLUMN_PX = int((PAPER_MM[0] - MARGIN_MM["left"] - MARGIN_MM["right"]) * PX_PER_MM)
PAGE_HEIGHT_PX = int((PAPER_MM[1] - MARGIN_MM["top"] - MARGIN_MM["bottom"]) * PX_PER_MM)
VIEWPORT = {"width": COLUMN_PX, "height": PAGE_HEIGHT_PX}
WIDGET_VIEWS = 'script[type="application/vnd.jupyter.widget-view+json"]'
PRINT_SCRIPT = HERE / "pdf_print.js"
#: Print rules of the PDF only (the book's own print rules are in _assets/cnncourse.css).
PRINT_CSS = """
@media print {
  /* Folded cells: paper has nothing to click, so the toggle line goes and the cell stays
     folded (the folded part was never shown). */
  details.hide > summary { display: none !important; }
  details.hide:not([open]) { display: none !important; }
  /* The page's own list of sections: the printed table of contents has them, with pages. */
  #jb-print-toc { display: none !important; }
  /* A widget prints as its grid of key frames (tools/pdf_print.js), not as a slider. */
  .cc-widget > :not(.cc-print-grid) { display: none !important; }
  .cc-print-grid { break-inside: avoid; margin: 0.4rem 0 0.8rem; }
  .cc-print-head { font-size: 0.8rem; margin: 0 0 0.3rem; break-after: avoid; }
  .cc-print-cells { display: grid; gap: 12px; align-items: start; }
  .cc-print-frame { margin: 0; break-inside: avoid; }
  .cc-print-grid img.cc-frame { max-width: none !important; }
  .cc-print-frame figcaption { font-size: 0.75rem; line-height: 1.25; margin-top: 2px;
                               color: #333 !important; }
  .cc-print-body .cc-stack-item { display: block !important; }
  /* Long code lines wrap instead of being cut at the margin. */
  div.highlight pre { white-space: pre-wrap !important; overflow-wrap: anywhere; }
  div.highlight, div.highlight pre, div.cell_output, div.cell_output .output {
    overflow: visible !important;
  }
  div.cell_input, div.cell_input > div, div.highlight { display: block !important; }
  .cell_output img { height: auto !important; max-width: 100% !important; }
  h1, h2, h3 { break-after: avoid; }
}
"""


def _css_string(text):
    """``text`` as a CSS string literal."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def page_css(head, first_number, book=""):
    """The ``@page`` rules of one printed page: running head, numbers from ``first_number``."""
    margins = " ".join(f"{MARGIN_MM[side]}mm" for side in ("top", "right", "bottom", "left"))
    small = "font: 8pt/1.3 system-ui, sans-serif; color: #555;"
    return f"""
@page {{
  size: A4;
  margin: {margins};
  @top-left {{ content: {_css_string(head)}; {small} vertical-align: bottom;
               padding-bottom: 3mm; }}
  @top-right {{ content: {_css_string(book)}; {small} vertical-align: bottom;
                padding-bottom: 3mm; font-style: italic; }}
  @bottom-center {{ content: counter(page); font: 9pt/1 system-ui, sans-serif; color: #222;
                    vertical-align: top; padding-top: 4mm; }}
}}
@page :first {{ @top-left {{ content: none; }} @top-right {{ content: none; }} }}
html {{ counter-reset: page {first_number - 1}; }}
"""


def toc_pages(root=ROOT):
    """The pages of ``_toc.yml`` (root first), as paths without suffix."""
    return [page for _, page in toc_parts(root)]


def toc_parts(root=ROOT):
    """``[(part caption or None, page), ...]`` in the table of contents' order."""
    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    pages = [(None, toc["root"])]
    for part in toc.get("parts", []):
        pages.extend((part.get("caption"), chapter["file"]) for chapter in part["chapters"])
    return pages


def _config(root=ROOT):
    return yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))


def book_title(root=ROOT):
    return _config(root).get("title", "")


def book_version(root=ROOT):
    """``cnncourse.__version__``, read from the source (the package is not imported)."""
    source = (root / "cnncourse" / "__init__.py").read_text(encoding="utf-8")
    return re.search(r'^__version__ = "([^"]+)"', source, re.M).group(1)


def book_licence(root=ROOT):
    """The book's licence line, as its pages' footer states it (``_config.yml``), as text."""
    footer = _config(root).get("html", {}).get("extra_footer", "")
    footer = re.sub(r'<a href="([^"]+)">([^<]*)</a>', r"\2 (\1)", footer)
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", "", footer)).split())


def web_address(root=ROOT):
    """The published book's address: GitHub Pages of the repository in ``_config.yml``."""
    url = _config(root).get("repository", {}).get("url", "")
    found = re.match(r"https://github\.com/([^/]+)/([^/]+?)/?$", url)
    return f"https://{found[1].lower()}.github.io/{found[2]}/" if found else url


def build_date():
    """Today (UTC), or ``$SOURCE_DATE_EPOCH``'s day for a reproducible build."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = (
        datetime.datetime.fromtimestamp(int(epoch), datetime.UTC)
        if epoch
        else datetime.datetime.now(datetime.UTC)
    )
    return moment.date().isoformat()


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
        page.evaluate("MathJax.startup.promise")
    views = page.evaluate(f"document.querySelectorAll('{WIDGET_VIEWS}').length")
    if views:  # a widget the build left to the full renderer
        page.wait_for_function(
            f"""() => Array.from(document.querySelectorAll('{WIDGET_VIEWS}'))
                .every(s => s.parentElement.querySelector('.jupyter-widgets, .widget-box'))""",
            timeout=60000,
        )
    page.evaluate("document.fonts.ready")


def _images_loaded(page):
    page.wait_for_function(
        "() => Array.from(document.images).filter(i => i.getAttribute('src'))"
        ".every(i => i.complete)",
        timeout=60000,
    )


def prepare(page, first_widget):
    """Make a settled page ready for paper; return what was changed (for the log)."""
    page.add_style_tag(content=PRINT_CSS)
    page.emulate_media(media="print", color_scheme="light")
    # a dropdown (a hint, a "check your prediction") prints open; folded code stays folded
    page.evaluate(
        "() => document.querySelectorAll('details:not(.hide)')"
        ".forEach(details => { details.open = true; })"
    )
    # every shown frame and figure loads now (paper has no scrolling to trigger lazy loads)
    page.evaluate(
        "() => document.querySelectorAll('img[loading=lazy]')"
        ".forEach(img => { img.loading = 'eager'; })"
    )
    page.add_script_tag(content=PRINT_SCRIPT.read_text(encoding="utf-8"))
    widgets = page.evaluate(
        "([first, height]) => window.cncPrint.widgetGrids(first, height)",
        [first_widget, PAGE_HEIGHT_PX],
    )
    if page.evaluate("document.querySelectorAll('.math').length > 0"):
        page.evaluate("MathJax.startup.promise")
    zoomed = page.evaluate("() => window.cncPrint.fitWide()")
    tall = page.evaluate(f"() => window.cncPrint.tallBlocksStartPages({PAGE_HEIGHT_PX})")
    _images_loaded(page)
    page.evaluate("document.fonts.ready")
    return {"widgets": widgets, "zoomed": zoomed, "tall": tall}


#: The page's sections: its visible ``h2`` headings, as text and as HTML whose maths is
#: MathJax's MathML (which Chromium draws without MathJax).
SECTIONS_JS = """() => Array.from(document.querySelectorAll('main h2'))
  .filter(h => h.getClientRects().length)
  .map(h => {
    const copy = h.cloneNode(true);
    copy.querySelectorAll('.headerlink').forEach(e => e.remove());
    copy.querySelectorAll('mjx-container').forEach(m => {
      const mml = m.querySelector('mjx-assistive-mml math');
      if (mml) { m.replaceWith(mml); } else { m.remove(); }
    });
    copy.querySelectorAll('[id]').forEach(e => e.removeAttribute('id'));
    const section = h.closest('section[id]');
    return {text: copy.textContent.replace(/\\s+/g, ' ').trim(), html: copy.innerHTML.trim(),
            id: section ? section.id : ''};
  })"""


#: Chromium writes a named destination for each element that a link of the page points to;
#: a hidden link to every element with an id makes each one a destination, so that the
#: links between pages can point into the merged PDF.
TARGETS_JS = """() => {
  const box = document.createElement('div');
  box.setAttribute('aria-hidden', 'true');
  box.style.cssText = 'position:absolute;left:0;top:0;width:1px;height:1px;overflow:hidden;'
    + 'font-size:1px;color:transparent';
  document.querySelectorAll('main [id]').forEach(element => {
    const link = document.createElement('a');
    link.href = '#' + element.id;
    link.textContent = '\\u200b';
    box.appendChild(link);
  });
  document.body.appendChild(box);
}"""


def _squash(text):
    return re.sub(r"\W+", "", text).lower()


def _outline_pages(reader):
    """``[(title, page index), ...]`` of the second-level entries (``h2``) of an outline."""
    entries = []

    def walk(items, depth):
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            elif depth == 1:
                entries.append((item.title, reader.get_destination_page_number(item)))

    walk(reader.outline, 0)
    return entries


def section_pages(sections, entries):
    """The page index of each section, matched in order to the outline's entries.

    Chromium's outline titles can lose a space at a line break or repeat themselves, so a
    section matches the next entry whose letters start with the section's.
    """
    pages, position, last = [], 0, 0
    for section in sections:
        key = _squash(section["text"])[:24]
        for index in range(position, len(entries)):
            if _squash(entries[index][0]).startswith(key):
                position, last = index + 1, entries[index][1]
                break
        pages.append(last)
    return pages


def print_page(browser, url, first_number, first_widget, book=""):
    """Print one page of the book; return a dict: title, pdf, pages, sections, report.

    Its pages are numbered from ``first_number`` and its widgets from ``first_widget``.
    """
    from pypdf import PdfReader

    context = browser.new_context(viewport=VIEWPORT, color_scheme="light")
    try:
        page = context.new_page()
        response = page.goto(url, wait_until="networkidle")
        if response is None or response.status != 200:
            raise RuntimeError(f"{url}: HTTP {response and response.status}")
        _settle(page)
        title = page.evaluate(
            "(document.querySelector('main h1') || document.querySelector('h1') || {})"
            ".innerText || document.title"
        )
        title = " ".join(title.replace("#", "").split())
        if title.casefold() == book.casefold():
            book = ""
        report = prepare(page, first_widget)
        sections = page.evaluate(SECTIONS_JS)
        page.evaluate(TARGETS_JS)
        page.add_style_tag(content=page_css(title, first_number, book))
        pdf = page.pdf(print_background=True, prefer_css_page_size=True, outline=True, tagged=True)
        reader = PdfReader(io.BytesIO(pdf))
        pages = section_pages(sections, _outline_pages(reader))
        targets = {
            str(name).lstrip("/"): (reader.get_destination_page_number(dest), dest.top)
            for name, dest in reader.named_destinations.items()
        }
        return {
            "title": title,
            "pdf": pdf,
            "pages": len(reader.pages),
            "sections": [
                dict(section, page=index) for section, index in zip(sections, pages, strict=True)
            ],
            "report": report,
            "targets": targets,
        }
    finally:
        context.close()


def _goto(writer, index, top):
    """A ``/XYZ`` destination: page ``index`` of ``writer``, at ``top`` (or its top)."""
    from pypdf.generic import ArrayObject, FloatObject, NameObject, NullObject

    return ArrayObject(
        [
            writer.pages[index].indirect_reference,
            NameObject("/XYZ"),
            NullObject(),
            NullObject() if top is None else FloatObject(top),
            NullObject(),
        ]
    )


def resolve_links(writer, chapters, base, web):
    """Point every link of the merged PDF at its target: a page of the PDF, or the web.

    ``chapters`` is ``[(page path, first page index in writer, {id: (page, top)})]``. A link
    within a page (a named destination) and a link to another page of the book (a URL on
    the local server ``base``) become explicit destinations in the PDF (the same names,
    ``#exercises`` say, occur in several pages, so names cannot be merged); a link to any
    other file of the site goes to the published book ``web``. Returns the counts.
    """
    from urllib.parse import urldefrag

    from pypdf.generic import NameObject, TextStringObject

    by_path = {f"{path}.html": (first, targets) for path, first, targets in chapters}
    counts = {"internal": 0, "web": 0}
    bounds = [first for _, first, _ in chapters] + [len(writer.pages)]
    for number, (_, first, targets) in enumerate(chapters):
        for index in range(first, bounds[number + 1]):
            for annotation in writer.pages[index].get("/Annots") or []:
                link = annotation.get_object()
                action = link.get("/A")
                action = action.get_object() if action is not None else None
                name = link.get("/Dest")
                if name is None and action is not None and action.get("/S") == "/GoTo":
                    name = action.get("/D")
                if isinstance(name, str) and name.lstrip("/") in targets:
                    page, top = targets[name.lstrip("/")]
                    link[NameObject("/Dest")] = _goto(writer, first + page, top)
                    link.pop("/A", None)
                    counts["internal"] += 1
                    continue
                uri = action.get("/URI") if action is not None else None
                if not (isinstance(uri, str) and uri.startswith(base + "/")):
                    continue
                path, fragment = urldefrag(uri[len(base) + 1 :])
                if path in by_path:
                    start, its_targets = by_path[path]
                    page, top = its_targets.get(fragment, (0, None))
                    link[NameObject("/Dest")] = _goto(writer, start + page, top)
                    link.pop("/A", None)
                    counts["internal"] += 1
                else:
                    action[NameObject("/URI")] = TextStringObject(web + uri[len(base) + 1 :])
                    counts["web"] += 1
    return counts


FRONT_CSS = """
@page { size: A4; margin: MARGINS;
  @bottom-center { content: counter(page, lower-roman); font: 9pt/1 system-ui, sans-serif;
                   color: #222; vertical-align: top; padding-top: 4mm; } }
@page :first { @bottom-center { content: none; } }
body { font: 11pt/1.4 system-ui, "DejaVu Sans", sans-serif; color: #222; margin: 0; }
.cover { height: PAGE_HEIGHTpx; display: flex; flex-direction: column;
         justify-content: space-between; break-after: page; }
.cover h1 { font-size: 30pt; line-height: 1.15; margin: 40mm 0 6mm; font-weight: 700; }
.cover .subtitle { font-size: 13pt; color: #444; max-width: 140mm; }
.cover .facts { font-size: 10pt; color: #333; border-top: 0.6pt solid #999; padding-top: 4mm; }
.cover .facts p { margin: 1.5mm 0; }
h2.contents { font-size: 20pt; margin: 0 0 8mm; }
.part { font-size: 9pt; text-transform: uppercase; letter-spacing: 0.06em; color: #555;
        margin: 6mm 0 1mm; break-after: avoid; }
ol { list-style: none; margin: 0; padding: 0; }
li.chapter { margin: 2.5mm 0 0; break-inside: avoid; }
li.chapter > ol { margin: 0.5mm 0 0 7mm; font-size: 9.5pt; }
.row { display: flex; align-items: baseline; gap: 2mm; color: inherit; text-decoration: none; }
.chapter > .row { font-weight: 600; }
.row .dots { flex: 1 1 auto; border-bottom: 0.8pt dotted #999; min-width: 8mm; }
.row .n { font-variant-numeric: tabular-nums; }
"""


def _toc_row(title_html, number, href=None):
    """One line of the table of contents: title, dotted leader, page number."""
    inner = (
        f'<span class="t">{title_html}</span><span class="dots"></span>'
        f'<span class="n">{number}</span>'
    )
    if href:
        return f'<a class="row" href="{html_lib.escape(href)}">{inner}</a>'
    return f'<div class="row">{inner}</div>'


def front_matter_html(chapters, root=ROOT, date=None):
    """The cover and the table of contents as one HTML document.

    ``chapters`` is ``[{"part", "title", "first", "href", "sections": [(html, page, href)]}]``
    with the printed page numbers (a section's title is HTML: it may hold code and MathML);
    each entry links to ``href`` when it is given (:func:`resolve_links` then points the link
    at the page).
    """
    esc = html_lib.escape
    config = _config(root)
    title = config.get("title", "")
    author = config.get("author", "")
    url = config.get("repository", {}).get("url", "")
    rows = []
    part = None
    for chapter in chapters:
        if chapter["part"] != part and chapter["part"]:
            rows.append(f'<li class="part">{esc(chapter["part"])}</li>')
        part = chapter["part"]
        sections = "".join(
            f'<li class="section">{_toc_row(name, number, *link)}</li>'
            for name, number, *link in chapter["sections"]
        )
        row = _toc_row(esc(chapter["title"]), chapter["first"], chapter.get("href"))
        rows.append(
            f'<li class="chapter">{row}' + (f"<ol>{sections}</ol>" if sections else "") + "</li>"
        )
    margins = " ".join(f"{MARGIN_MM[side]}mm" for side in ("top", "right", "bottom", "left"))
    css = FRONT_CSS.replace("MARGINS", margins).replace("PAGE_HEIGHT", str(PAGE_HEIGHT_PX - 2))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{esc(title)}</title>
<style>{css}</style></head><body>
<section class="cover">
  <div>
    <h1>{esc(title)}</h1>
    <p class="subtitle">A course on convolutional networks: sections 9.1–9.4 of Goodfellow,
    Bengio and Courville's <i>Deep Learning</i>, every figure and number recomputed with the
    Python package <code>cnncourse</code> and checked.</p>
  </div>
  <div class="facts">
    <p>{esc(author)}</p>
    <p>Version {esc(book_version(root))} · printed {esc(date or build_date())}</p>
    <p>{esc(book_licence(root))}</p>
    <p>Web version (interactive): {esc(web_address(root))}<br>Source: {esc(url)}</p>
  </div>
</section>
<h2 class="contents">Contents</h2>
<ol class="toc">{"".join(rows)}</ol>
</body></html>"""


def print_front_matter(browser, document):
    """The front matter's PDF bytes."""
    context = browser.new_context(viewport=VIEWPORT, color_scheme="light")
    try:
        page = context.new_page()
        page.set_content(document, wait_until="load")
        page.emulate_media(media="print", color_scheme="light")
        return page.pdf(print_background=True, prefer_css_page_size=True)
    finally:
        context.close()


def build_pdf(html=ROOT / "_build" / "html", out=None, root=ROOT, log=print):
    """Print every page of the book in ``html`` and merge them into ``out``; return ``out``."""
    from pypdf import PdfReader, PdfWriter

    html = Path(html)
    out = Path(out) if out else html / "cnncourse.pdf"
    parts = toc_parts(root)
    missing = [page for _, page in parts if not (html / f"{page}.html").exists()]
    if missing:
        raise SystemExit(f"{html} lacks {missing}: build the book first (make book)")
    book = book_title(root)
    printed = []
    with serve(html) as base, chromium() as browser:
        number, widget = 1, 1
        for part, page in parts:
            done = print_page(browser, f"{base}/{page}.html", number, widget, book)
            done.update(part=part, first=number)
            report = done["report"]
            log(
                f"{page}: pages {number}-{number + done['pages'] - 1}, {done['title']!r}, "
                f"{len(done['sections'])} sections, {len(report['widgets'])} widgets, "
                f"{len(report['zoomed'])} zoomed, {len(report['tall'])} tall blocks"
            )
            for item in report["widgets"]:
                log(f"  widget {item}")
            for item in report["zoomed"]:
                log(f"  zoomed {item}")
            for item in report["tall"]:
                log(f"  taller than a page: {item}")
            printed.append(done)
            number += done["pages"]
            widget += len(report["widgets"])
        chapters = [
            {
                "part": done["part"],
                "title": done["title"],
                "first": done["first"],
                "href": f"{base}/{page}.html",
                "sections": [
                    (s["html"], done["first"] + s["page"], f"{base}/{page}.html#{s['id']}")
                    for s in done["sections"]
                ],
            }
            for (_, page), done in zip(parts, printed, strict=True)
        ]
        front = PdfReader(io.BytesIO(print_front_matter(browser, front_matter_html(chapters))))

    writer = PdfWriter()
    writer.append(front, import_outline=False)
    start = len(front.pages)
    placed = []
    for (_, page), done in zip(parts, printed, strict=True):
        first_index = len(writer.pages)
        placed.append((page, first_index, done["targets"]))
        writer.append(PdfReader(io.BytesIO(done["pdf"])), import_outline=False)
        chapter = writer.add_outline_item(done["title"], first_index)
        for section in done["sections"]:
            writer.add_outline_item(section["text"], first_index + section["page"], parent=chapter)
    # the table of contents' lines link to the chapters and sections too
    links = resolve_links(writer, [("", 0, {}), *placed], base, web_address(root))
    log(f"links: {links['internal']} within the PDF, {links['web']} to the web version")
    writer.set_page_label(0, start - 1, style="/r")
    writer.set_page_label(start, len(writer.pages) - 1, style="/D", start=1)
    writer.add_metadata(
        {"/Title": book, "/Author": _config(root).get("author", ""), "/Creator": "cnncourse"}
    )
    writer.page_mode = "/UseOutlines"
    log(f"{start} front-matter pages + {number - 1} numbered pages")
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
