"""``make pdf``: the whole book in one PDF, printed by the Chromium the browser tests use.

``tools/pdf.py`` prints every page of the built book and merges them behind a cover and a
table of contents. Checked here, on the PDF it writes:

* one bookmark per page of ``_toc.yml`` in its order, every chapter's title in the text, no
  folded code's toggle, no maths left as TeX source;
* a cover with the book's title, version, licences and date;
* every content page numbered in its bottom margin, 1, 2, 3, ... in order (the PDF's page
  labels agree), and a running head with its chapter's title on every page but a chapter's
  first;
* a table of contents listing every chapter and every section (the ``h2`` headings of the
  built pages) with the page number where the PDF's text of that page holds the heading;
* every link either inside the PDF (to an explicit page) or to the web, none to the local
  server the pages were printed from;
* every widget printed as a grid of its key frames (first to last) on one page: a page
  never starts inside a widget;
* wording true on paper (no "click", no sliders that "work in the static pages"), and, in
  the pages as printed, no chevron, slider, button or screen-only sentence left visible,
  and no formula or table reaching past the printed column.
"""

import html
import json
import re
import subprocess
import sys
import unicodedata

import pytest
from book_pages import ROOT, source_of, toc_files

sys.path.insert(0, str(ROOT / "tools"))
import pdf as pdf_tool  # noqa: E402

HTML = ROOT / "_build" / "html"
MM = 72 / 25.4  # PDF points per millimetre
#: Interactive chrome that must not print: toggle chevrons, buttons, slider handles, the
#: folded cells' toggle lines, a closed dropdown (its content would be lost on paper),
#: screen-only sentences.
CHROME = (
    ".toggle-button, .tb-icon, .sd-summary-state-marker, button, input[type=range], "
    ".dropdown-toggle, details.hide > summary, details:not([open]), .cc-screen-only, "
    ".headerlink"
)
#: Stands for a formula in a heading (its TeX source is not what the PDF prints).
FORMULA = "\N{OBJECT REPLACEMENT CHARACTER}"
#: Phrases that are true on a screen only.
SCREEN_ONLY = (
    "static pages of this site",
    "work in this static page",
    "click",
    "drag the slider",
    "move the slider",
    "moving the shift slider",
    "set the explorer's sliders",
    "open one with the toggle",
)


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
    text = unicodedata.normalize("NFKC", text).replace("\u00ad", "")
    return " ".join(text.replace("\u2019", "'").split())


def _sections(page):
    """The ``h2`` headings of a built page, as text, each formula replaced by ``FORMULA``."""
    text = (HTML / f"{page}.html").read_text(encoding="utf-8")
    article = text[text.find("<article") :]
    headings = []
    for inner in re.findall(r"<h2>(.*?)</h2>", article, re.S):
        inner = re.sub(r'<a class="headerlink".*?</a>', "", inner, flags=re.S)
        inner = re.sub(r'<span class="math[^"]*">.*?</span>', FORMULA, inner, flags=re.S)
        headings.append(_words(html.unescape(re.sub(r"<[^>]+>", "", inner))))
    return headings


def _pattern(heading):
    """A regular expression for ``heading`` in a PDF's text.

    Between words any whitespace or none (text extraction may drop a space where a line
    broke); a formula (``FORMULA``) matches any short text.
    """
    words = heading.replace(FORMULA, f" {FORMULA} ").split()
    return r"\s*".join(".{0,30}?" if word == FORMULA else re.escape(word) for word in words)


def _bands(page):
    """``(head, foot)``: the text in a page's top and bottom margins."""
    height = float(page.mediabox.height)
    head, foot = [], []

    def visit(text, cm, tm, font, size):
        y = cm[5] + tm[5] * cm[3]
        if y > height - pdf_tool.MARGIN_MM["top"] * MM:
            head.append(text)
        elif y < pdf_tool.MARGIN_MM["bottom"] * MM:
            foot.append(text)

    page.extract_text(visitor_text=visit)
    return _words(" ".join(head)), _words(" ".join(foot))


@pytest.fixture(scope="module")
def book_pdf(built_book, tmp_path_factory):
    out = tmp_path_factory.mktemp("pdf") / "cnncourse.pdf"
    # As `make pdf` runs it, in its own process (its own Playwright, beside the tests' one).
    command = [
        sys.executable,
        str(ROOT / "tools" / "pdf.py"),
        "--html",
        str(HTML),
        "--out",
        str(out),
    ]
    done = subprocess.run(command, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    from pypdf import PdfReader

    return PdfReader(out)


@pytest.fixture(scope="module")
def texts(book_pdf):
    """Each page's text, words collapsed."""
    return [_words(page.extract_text()) for page in book_pdf.pages]


@pytest.fixture(scope="module")
def front(book_pdf):
    """How many pages come before page 1 (the cover and the table of contents)."""
    labels = list(book_pdf.page_labels)
    assert "1" in labels, f"no page labelled 1: {labels[:8]}"
    return labels.index("1")


@pytest.mark.book
@pytest.mark.browser
def test_pdf_has_every_chapter(book_pdf, texts):
    assert len(book_pdf.pages) > 0
    text = " ".join(texts)
    missing = [page for page in toc_files() if _words(_title(page)) not in text]
    assert missing == [], f"chapter titles missing from the PDF: {missing}"
    bookmarks = [_words(item.title) for item in book_pdf.outline if not isinstance(item, list)]
    assert bookmarks == [_words(_title(page)) for page in toc_files()]


@pytest.mark.book
@pytest.mark.browser
def test_pdf_folds_code_and_renders_maths(texts):
    text = " ".join(texts)
    assert "Show code cell" not in text and "Hide code cell" not in text
    assert "\\tag{" not in text and "$$" not in text and "\\begin{" not in text


@pytest.mark.book
@pytest.mark.browser
def test_cover_has_title_version_licence_and_date(texts):
    cover = texts[0]
    assert _words(pdf_tool.book_title()) in cover
    assert f"Version {pdf_tool.book_version()}" in cover
    assert "MIT licence" in cover and "CC BY 4.0" in cover
    assert re.search(r"\b20\d\d-\d\d-\d\d\b", cover)


@pytest.mark.book
@pytest.mark.browser
def test_content_pages_are_numbered_with_running_heads(book_pdf, front):
    """Page k after the front matter prints k in its bottom margin; heads name the chapter."""
    pages = book_pdf.pages
    labels = list(book_pdf.page_labels)
    starts = {
        book_pdf.get_destination_page_number(item): _words(item.title)
        for item in book_pdf.outline
        if not isinstance(item, list)
    }
    assert min(starts) == front, "the first chapter starts on page 1"
    wrong, heads = [], []
    chapter = None
    for index in range(front, len(pages)):
        number = str(index - front + 1)
        head, foot = _bands(pages[index])
        # (a stretched bracket's pieces can read as lying in the margin: numbers only)
        foot = " ".join(word for word in foot.split() if word.isdigit())
        if foot != number or labels[index] != number:
            wrong.append((index, foot, labels[index]))
        if index in starts:
            chapter = starts[index]
        elif chapter not in head:
            heads.append((index, head))
    assert wrong == [], f"(page, printed number, label) that break the sequence: {wrong[:10]}"
    assert heads == [], f"pages whose running head lacks their chapter: {heads[:10]}"
    assert all(_bands(pages[index])[1] != "1" for index in range(front))


@pytest.mark.book
@pytest.mark.browser
def test_table_of_contents_lists_every_chapter_and_section(book_pdf, texts, front):
    """Each chapter and ``h2`` section, in order, with the page whose text has its heading."""
    contents = " ".join(texts[1:front])
    assert contents.startswith("Contents") or " Contents " in f" {contents}"
    labels = list(book_pdf.page_labels)
    position, problems = 0, []
    for page in toc_files():
        for heading in [_words(_title(page)), *_sections(page)]:
            found = re.compile(_pattern(heading) + r"\s+(\d+)\b").search(contents, position)
            if not found:
                problems.append(f"{page}: {heading!r} not listed (after position {position})")
                continue
            position = found.end()
            index = labels.index(found.group(1))
            on_page = re.compile(_pattern(heading), re.I).search(texts[index])
            if not on_page:
                problems.append(f"{page}: {heading!r} listed on p. {found.group(1)}, not there")
    assert problems == [], "\n".join(problems)


@pytest.mark.book
@pytest.mark.browser
def test_no_page_starts_inside_a_widget(texts):
    """Every widget's printed frames, first to last, are on one page.

    Each widget of the built pages prints as a grid whose frames are captioned
    ``Widget N, frame i of n``; its first frame (i = 1) and its last (i = n) are shown, and
    all its captions lie on a single page.
    """
    expected = sum(
        (HTML / f"{page}.html").read_text(encoding="utf-8").count("data-cc-widget=")
        for page in toc_files()
    )
    assert expected > 0
    caption = re.compile(r"Widget (\d+), frame (\d+) of (\d+)")
    pages_of, frames_of = {}, {}
    for index, text in enumerate(texts):
        for widget, frame, count in caption.findall(text):
            pages_of.setdefault(int(widget), set()).add(index)
            frames_of.setdefault(int(widget), set()).add((int(frame), int(count)))
    assert sorted(pages_of) == list(range(1, expected + 1)), "every widget printed, in order"
    split = {widget: sorted(pages) for widget, pages in pages_of.items() if len(pages) > 1}
    assert split == {}, f"widgets whose frames span pages: {split}"
    for widget, frames in frames_of.items():
        shown = sorted(frame for frame, _ in frames)
        (count,) = {count for _, count in frames}
        assert shown[0] == 1 and shown[-1] == count and len(shown) >= min(2, count), widget


@pytest.mark.book
@pytest.mark.browser
def test_pdf_wording_is_true_on_paper(texts):
    text = " ".join(texts).lower()
    found = [phrase for phrase in SCREEN_ONLY if phrase in text]
    assert found == [], f"screen-only wording printed: {found}"
    # the printed twin of the introduction's sentence about sliders is there instead
    assert "on paper each is printed as a few of its frames" in text


@pytest.mark.book
@pytest.mark.browser
def test_links_lead_into_the_pdf_or_to_the_web(book_pdf, front):
    """No link points at the print server; cross-references jump to a page of the PDF."""
    pages = {page.indirect_reference.idnum: index for index, page in enumerate(book_pdf.pages)}
    local, named, inside = [], [], 0
    for index, page in enumerate(book_pdf.pages):
        for annotation in page.get("/Annots") or []:
            link = annotation.get_object()
            action = link.get("/A")
            uri = str(action.get_object().get("/URI", "")) if action is not None else ""
            if "127.0.0.1" in uri or "localhost" in uri:
                local.append((index, uri))
            target = link.get("/Dest")
            if isinstance(target, str):
                named.append((index, target))
            elif target is not None:
                assert pages[target[0].idnum] >= front, (index, target)
                inside += 1
    assert local == [], f"links to the print server: {local[:5]}"
    assert named == [], f"links by name (names repeat across pages): {named[:5]}"
    assert inside > 100, "citations, glossary terms and figure references link inside"


#: Formulas and tables that reach past their column or their box (paper cannot scroll).
OVERFLOWING = """() => {
  const main = document.querySelector('main').getBoundingClientRect();
  const out = [];
  document.querySelectorAll('mjx-container, table').forEach(box => {
    const display = box.tagName !== 'MJX-CONTAINER' || box.getAttribute('display') === 'true';
    const inner = box.tagName === 'MJX-CONTAINER' && display ? box.querySelector('mjx-math') : box;
    const rect = (inner || box).getBoundingClientRect();
    if (!rect.width) { return; }
    let right = main.right;
    for (let node = box.parentElement; node && node !== document.body; node = node.parentElement) {
      if (getComputedStyle(node).overflowX !== 'visible') {
        right = Math.min(right, node.getBoundingClientRect().right);
      }
    }
    if (rect.right > right + 1) {
      out.push(box.tagName.toLowerCase() + ' ' + Math.round(rect.right - right) + ' px past: '
               + box.textContent.replace(/\\s+/g, ' ').slice(0, 50));
    }
  });
  return out;
}"""


@pytest.mark.book
@pytest.mark.browser
def test_printed_pages_show_no_chrome_and_clip_nothing(built_book, browser):
    """Each page made ready for paper as tools/pdf.py does: nothing clickable, nothing cut."""
    shown, clipped = {}, {}
    with pdf_tool.serve(HTML) as base:
        for page_name in toc_files():
            context = browser.new_context(viewport=pdf_tool.VIEWPORT)
            try:
                page = context.new_page()
                page.goto(f"{base}/{page_name}.html", wait_until="networkidle")
                pdf_tool._settle(page)
                pdf_tool.prepare(page, 1)
                visible = page.evaluate(
                    """(selector) => Array.from(document.querySelectorAll(
                        'main ' + selector.split(', ').join(', main ')))
                      .filter(e => e.getClientRects().length
                                   && getComputedStyle(e).visibility !== 'hidden')
                      .map(e => e.tagName.toLowerCase() + '.' + (e.getAttribute('class') || ''))""",
                    CHROME,
                )
                past = page.evaluate(OVERFLOWING)
            finally:
                context.close()
            if visible:
                shown[page_name] = sorted(set(visible))
            if past:
                clipped[page_name] = past
    assert shown == {}, f"interactive chrome left in print: {shown}"
    assert clipped == {}, f"formulas or tables past the printed column: {clipped}"


def test_toc_pages_reads_parts_in_order(tmp_path):
    """The PDF's page order on a table of contents whose order is known."""
    (tmp_path / "_toc.yml").write_text(
        "format: jb-book\nroot: intro\nparts:\n"
        "  - caption: One\n    chapters:\n      - file: b/first\n      - file: a/second\n"
        "  - caption: Two\n    chapters:\n      - file: c/third\n"
    )
    assert pdf_tool.toc_pages(tmp_path) == ["intro", "b/first", "a/second", "c/third"]
    assert pdf_tool.toc_parts(tmp_path)[:2] == [(None, "intro"), ("One", "b/first")]


def test_section_pages_survive_chromiums_outline_titles():
    """Chromium's outline may drop a space at a line break or repeat a title."""
    sections = [{"text": "Priors, from weak to strong"}, {"text": "A dense layer"}]
    entries = [("Priors, from weak tostrong", 0), ("A dense layerA dense layer", 3)]
    assert pdf_tool.section_pages(sections, entries) == [0, 3]
    # a heading missing from the outline keeps the page of the one before it
    assert pdf_tool.section_pages([*sections, {"text": "Gone"}], entries) == [0, 3, 3]


def test_page_css_numbers_from_the_given_page():
    css = pdf_tool.page_css('A "quoted" title', 37, "Book")
    assert "counter-reset: page 36" in css and "counter(page)" in css
    assert '"A \\"quoted\\" title"' in css


def test_front_matter_lists_sections_with_pages(tmp_path):
    chapters = [
        {"part": None, "title": "Intro", "first": 1, "sections": [("Why", 2)]},
        {"part": "Part A", "title": "Ch <1>", "first": 5, "sections": [("<code>x</code>", 7)]},
    ]
    document = pdf_tool.front_matter_html(chapters, date="2026-01-02")
    assert "Ch &lt;1&gt;" in document and "<code>x</code>" in document
    assert document.index("Part A") < document.index("Ch &lt;1&gt;")
    assert f"Version {pdf_tool.book_version()}" in document and "2026-01-02" in document
