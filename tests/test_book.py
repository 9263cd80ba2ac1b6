"""The book: it builds without a warning, and every page works in a real browser.

The build runs once per session (``built_book``). The browser tests open every page of the
table of contents in headless Chromium (Debian's ``chromium``, driven by Playwright with
``executable_path``), served from 127.0.0.1, and check what a reader would notice: the page
loads, nothing is fetched from another host, the maths is typeset, the images load, the
widgets respond without a kernel, and a phone-width screen does not scroll sideways.
Each page must stay within a byte budget (decoded bytes from Resource Timing: 2 MB before
scrolling, 5 MB after scrolling to the bottom, at 1280 and at 390 px) and pass axe-core
(pinned in ``tools/assets.json``, injected inline) without a violation of any impact, light and
dark, at 1280 and 390 px. At both widths, light and dark, nothing is wider than the content
column (wide equations and tables scroll inside their own box) and every widget frame is
shown whole, at 0.9 or more of its drawn size, with no sideways scrolling (a phone gets
each frame's phone-width variant, and each static figure with a phone layout shows that
layout, inside its output box, while 1280 px shows the wide figure). Widget sliders are
moved by keyboard; the arithmetic explorer is checked against
``cnncourse.explorer.arithmetic_geometry`` on every setting. Screenshots (among them every
widget's first and last frame at 390 px, ``*-widgetN-phone-start.png`` and ``*-end.png``)
and the measured bytes (``bytes.json``) land in ``_build/screenshots/``.
"""

import functools
import http.server
import json
import threading

import pytest
from book_pages import ROOT, toc_files

HTML = ROOT / "_build" / "html"
SHOTS = ROOT / "_build" / "screenshots"
PAGES = toc_files()
AXE = ROOT / "_assets" / "vendor" / "axe.min.js"
#: Decoded bytes a page may receive (Resource Timing) before the reader scrolls, and in all
#: once the reader has scrolled to the bottom (lazy frames and fonts included).
BUDGET_BEFORE_SCROLLING = 2_000_000
BUDGET_AFTER_SCROLLING = 5_000_000


def test_book_builds_without_warnings(built_book):
    assert "build succeeded" in built_book
    assert (HTML / "index.html").exists()
    for page in PAGES:
        assert (HTML / f"{page}.html").exists(), f"{page} is in _toc.yml but was not built"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def server(built_book):
    """Serve ``_build/html`` on 127.0.0.1 and return its base URL."""
    handler = functools.partial(_QuietHandler, directory=str(HTML))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


class PageVisit:
    """Open one page and record what a reader's browser did."""

    def __init__(self, browser, url, *, width=1280, height=900, color_scheme="light"):
        self.context = browser.new_context(
            viewport={"width": width, "height": height}, color_scheme=color_scheme
        )
        # Keep every Resource Timing entry (the default buffer holds 250).
        self.context.add_init_script("performance.setResourceTimingBufferSize(100000)")
        self.page = self.context.new_page()
        self.console_errors = []
        self.outside_requests = []
        self.page.on("console", self._on_console)
        self.page.on("pageerror", lambda error: self.console_errors.append(str(error)))
        self.page.on("request", self._on_request)
        self.response = self.page.goto(url, wait_until="networkidle")

    def _on_console(self, message):
        if message.type == "error":
            self.console_errors.append(message.text)

    def _on_request(self, request):
        url = request.url
        if not url.startswith(("http://127.0.0.1", "data:", "blob:", "about:")):
            self.outside_requests.append(url)

    def wait_for_maths(self):
        """Wait until MathJax has typeset every maths element (if there are any)."""
        has_maths = self.page.evaluate("document.querySelectorAll('.math').length > 0")
        if has_maths:
            self.page.wait_for_function(
                "window.MathJax && MathJax.startup && MathJax.startup.promise", timeout=30000
            )
            self.page.evaluate("MathJax.startup.promise")
            # the book typesets lazily: typeset every formula, so that all of them are checked
            self.page.evaluate(
                "() => MathJax.startup.document.lazyTypesetAll"
                " ? MathJax.startup.document.lazyTypesetAll() : null"
            )
            self.page.wait_for_selector("mjx-container", state="attached", timeout=30000)
        return has_maths

    def received_bytes(self):
        """Decoded bytes of the page and of every resource it fetched (Resource Timing)."""
        return self.page.evaluate(
            """() => performance.getEntriesByType('navigation')
                 .concat(performance.getEntriesByType('resource'))
                 .reduce((sum, entry) => sum + (entry.decodedBodySize || 0), 0)"""
        )

    def largest_resources(self, count=6):
        return self.page.evaluate(
            """(count) => performance.getEntriesByType('resource')
                 .map(e => [e.decodedBodySize, e.name.replace(/^https?:\\/\\/[^/]+/, '')])
                 .sort((a, b) => b[0] - a[0]).slice(0, count)""",
            count,
        )

    def scroll_to_bottom(self):
        """Scroll down a screen at a time (lazy content loads), then wait for the network."""
        self.page.evaluate(
            """async () => {
                 const pause = () => new Promise(done => setTimeout(done, 120));
                 for (let y = 0; y < document.documentElement.scrollHeight;
                      y += window.innerHeight * 0.8) {
                   window.scrollTo(0, y);
                   await pause();
                 }
                 window.scrollTo(0, document.documentElement.scrollHeight);
                 await pause();
               }"""
        )
        self.page.wait_for_load_state("networkidle")
        self.page.wait_for_function(
            """Array.from(document.images)
                 .filter(i => i.getAttribute('src') && i.offsetParent !== null)
                 .every(i => i.complete)""",
            timeout=30000,
        )

    def broken_images(self):
        return self.page.evaluate(
            """() => Array.from(document.images)
                 .filter(img => img.offsetParent !== null)
                 .filter(img => !img.complete || img.naturalWidth === 0)
                 .map(img => (img.getAttribute('src') || '(no src)').slice(0, 80))"""
        )

    def axe_violations(self):
        """axe-core violations of any impact: ``[(rule, impact, count, example)]``."""
        if not AXE.exists():
            pytest.fail(f"{AXE} is missing: run `python tools/fetch_assets.py`")
        # Injected as an inline script: the page itself never requests axe.
        self.page.add_script_tag(content=AXE.read_text())
        found = self.page.evaluate(
            """async () => {
                 // label-content-name-mismatch is experimental (off by default): turn it on.
                 const result = await axe.run(document, {
                   resultTypes: ['violations'],
                   rules: {'label-content-name-mismatch': {enabled: true}},
                 });
                 return result.violations
                   .map(v => [v.id, v.impact, v.nodes.length,
                              v.nodes[0].target.join(' ') + ' :: ' +
                              v.nodes[0].failureSummary.slice(0, 300)]);
               }"""
        )
        return [tuple(item) for item in found]

    def close(self):
        self.context.close()


def _shot_name(page, suffix):
    return SHOTS / f"{page.replace('/', '_')}-{suffix}.png"


def _record_bytes(page, key, value):
    """Keep the measured bytes in ``_build/screenshots/bytes.json`` (for the notes)."""
    path = SHOTS / "bytes.json"
    table = json.loads(path.read_text()) if path.exists() else {}
    table.setdefault(page, {})[key] = value
    path.write_text(json.dumps(table, indent=1, sort_keys=True))


def _check_byte_budgets(visit, page, device):
    """The bytes a loaded ``visit`` received, before and after scrolling to the bottom, within
    the budgets; recorded in ``bytes.json`` (``device``: ``"desktop"`` or ``"phone"``)."""
    prefix = "" if device == "desktop" else f"{device}_"
    visit.page.wait_for_load_state("networkidle")
    for moment, budget in (("before", BUDGET_BEFORE_SCROLLING), ("after", BUDGET_AFTER_SCROLLING)):
        if moment == "after":
            visit.scroll_to_bottom()
        received = visit.received_bytes()
        _record_bytes(page, f"{prefix}{moment}_scrolling", received)
        assert received <= budget, (
            f"{page}: {received / 1e6:.2f} MB {moment} scrolling ({device}), budget "
            f"{budget / 1e6:.1f} MB; largest {visit.largest_resources()}"
        )


@pytest.mark.browser
@pytest.mark.parametrize("page", PAGES)
def test_page_in_browser(browser, server, page):
    """The page loads within budget, has no broken maths or images, and passes axe-core."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    visit = PageVisit(browser, f"{server}/{page}.html")
    try:
        assert visit.response.status == 200
        has_maths = visit.wait_for_maths()
        _check_byte_budgets(visit, page, "desktop")
        if has_maths:
            unrendered = visit.page.evaluate(
                "Array.from(document.querySelectorAll('mjx-merror')).length"
            )
            assert unrendered == 0, f"{page}: {unrendered} maths errors"
        assert visit.broken_images() == [], f"{page}: images failed to load"
        raw_tables = visit.page.evaluate(
            """() => Array.from(document.querySelectorAll('main p, main .output'))
                 .map(e => e.innerText)
                 .filter(t => /^\\s*\\|.*\\|\\s*$/m.test(t) && /\\|\\s*:?-{3,}/.test(t))
                 .map(t => t.slice(0, 80))"""
        )
        assert raw_tables == [], f"{page}: Markdown tables shown as raw text: {raw_tables}"
        visit.page.evaluate("window.scrollTo(0, 0)")
        visit.page.screenshot(path=_shot_name(page, "light"), full_page=True)
        violations = visit.axe_violations()
        assert violations == [], f"{page}: axe-core (light) found {violations}"
        assert visit.console_errors == [], f"{page}: console errors {visit.console_errors}"
        assert visit.outside_requests == [], f"{page}: requests leave 127.0.0.1"
    finally:
        visit.close()


@pytest.mark.browser
@pytest.mark.parametrize("page", PAGES)
def test_page_dark_and_phone(browser, server, page):
    SHOTS.mkdir(parents=True, exist_ok=True)
    dark = PageVisit(browser, f"{server}/{page}.html", color_scheme="dark")
    try:
        dark.wait_for_maths()
        theme = dark.page.evaluate("document.documentElement.dataset.theme")
        assert theme == "dark", f"{page}: dark preference gave theme {theme!r}"
        dark.page.screenshot(path=_shot_name(page, "dark"))
        dark.scroll_to_bottom()
        phone_files = dark.page.evaluate(
            """() => Array.from(document.querySelectorAll('picture.cc-figure-picture img'))
                 .map(img => img.currentSrc).filter(url => url.endsWith('-phone.png'))"""
        )
        assert phone_files == [], f"{page}: phone layouts shown at 1280 px: {phone_files}"
        violations = dark.axe_violations()
        assert violations == [], f"{page}: axe-core (dark) found {violations}"
    finally:
        dark.close()
    phone = PageVisit(browser, f"{server}/{page}.html", width=390, height=844)
    try:
        phone.wait_for_maths()
        _check_byte_budgets(phone, page, "phone")
        # A figure with a phone layout shows that layout (and only it is fetched), whole.
        misfits = phone.page.evaluate(FIGURE_FIT)
        assert misfits == [], f"{page}: figures not shown in their phone layout: {misfits}"
        overflow = phone.page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        phone.page.evaluate("window.scrollTo(0, 0)")
        phone.page.screenshot(path=_shot_name(page, "phone"))
        assert overflow <= 1, f"{page}: the page scrolls sideways by {overflow}px on a phone"
        # A printed result wraps: no line of a cell's text output hides past its box's edge.
        clipped = phone.page.evaluate(
            """() => Array.from(document.querySelectorAll('.cell_output pre'))
                 .filter(e => e.offsetParent !== null && e.scrollWidth > e.clientWidth + 1)
                 .map(e => e.innerText.slice(0, 60))"""
        )
        assert clipped == [], f"{page}: printed lines clipped on a phone: {clipped}"
        # Wide equations and tables scroll inside their own box; nothing sticks out of it.
        sticking_out = phone.page.evaluate(
            """() => Array.from(document.querySelectorAll(
                   '.cc-slider, .cc-arith-row, mjx-container[display="true"], table'))
                 .filter(e => e.offsetParent !== null)
                 .filter(e => {
                   // The box that shows it: itself, or the nearest ancestor that scrolls.
                   let shown = e;
                   for (let a = e; a && a !== document.body; a = a.parentElement) {
                     if (['auto', 'scroll', 'hidden'].includes(getComputedStyle(a).overflowX)) {
                       shown = a;
                       break;
                     }
                   }
                   const box = shown.getBoundingClientRect();
                   return box.right > document.documentElement.clientWidth + 1;
                 })
                 .map(e => e.className || e.tagName)"""
        )
        assert sticking_out == [], f"{page}: wider than a 390 px phone: {sticking_out}"
    finally:
        phone.close()


#: Static figures served in a phone layout (``_ext/book_images.py``) that a 390 px phone does
#: not show from their phone source, or shows wider than the cell's output box.
FIGURE_FIT = """() => Array.from(document.querySelectorAll('picture.cc-figure-picture'))
  .filter(p => p.offsetParent !== null)
  .map(p => [p.querySelector('img'), p.querySelector('source')])
  .map(([img, source]) => {
    const name = img.getAttribute('src').split('/').pop();
    const phone = source.getAttribute('srcset').split('/').pop();
    const box = img.closest('.cell_output') || img.parentElement.parentElement;
    if (!img.complete || !img.currentSrc.endsWith(phone)) {
      return `${name}: shows ${img.currentSrc.split('/').pop()}, not ${phone}`;
    }
    const shown = img.getBoundingClientRect();
    if (shown.right > box.getBoundingClientRect().right + 1) {
      return `${name}: ${shown.width.toFixed(0)} px, past its output box`;
    }
    return '';
  }).filter(p => p)"""

#: Problems of the widget frames shown inside ``root`` (a widget, or the page): a frame
#: shown at under 0.9 of its intended size (the ``width`` its ``<img>`` or, for a phone's
#: variant, its ``<source>`` states: the drawn size in CSS px), reaching past its widget's
#: box, or inside a box that must be scrolled sideways to see it whole.
FRAME_FIT = """root => Array.from(root.querySelectorAll('img.cc-frame'))
  .filter(img => img.offsetParent !== null)
  .map(img => {
    const source = img.parentElement.tagName === 'PICTURE'
      ? img.parentElement.querySelector('source') : null;
    const narrow = source && img.currentSrc
      && img.currentSrc.endsWith(source.dataset.srcset.split('/').pop());
    const intended = +(narrow ? source : img).getAttribute('width');
    const box = img.getBoundingClientRect();
    const widget = img.closest('[data-cc-widget]').getBoundingClientRect();
    const name = (narrow ? 'phone ' : '') + (img.currentSrc || img.dataset.src).split('/').pop();
    const problems = [];
    if (box.width < 0.9 * intended) {
      problems.push(`shown at ${(box.width / intended).toFixed(2)} of ${intended} px`);
    }
    if (box.right > widget.right + 1 || box.left < widget.left - 1) {
      problems.push('past its widget');
    }
    for (let a = img.parentElement; a && a !== document.body; a = a.parentElement) {
      if (a.scrollWidth > a.clientWidth + 1
          && ['auto', 'scroll', 'hidden'].includes(getComputedStyle(a).overflowX)) {
        problems.push(`scrolls sideways in ${a.className || a.tagName}`);
        break;
      }
    }
    return problems.length ? `${name}: ${problems.join(', ')}` : '';
  }).filter(p => p)"""

#: Elements wider than the page's content column (a widget, a frame, a figure), or whose
#: scrolling box is (a display equation, a table: they may scroll inside their own box).
PAST_THE_COLUMN = """() => {
  const article = document.querySelector('main .bd-article') || document.querySelector('main');
  const column = article.getBoundingClientRect();
  const right = Math.min(column.right, document.documentElement.clientWidth);
  return Array.from(document.querySelectorAll(
      '.cc-widget, img.cc-frame, .cell_output img, .cc-slider, .cc-arith-row, '
      + 'mjx-container[display="true"], table'))
    .filter(e => e.offsetParent !== null && article.contains(e))
    .filter(e => {
      let shown = e;
      for (let a = e.parentElement; a && a !== article; a = a.parentElement) {
        if (['auto', 'scroll', 'hidden'].includes(getComputedStyle(a).overflowX)) {
          shown = a;
          break;
        }
      }
      return shown.getBoundingClientRect().right > right + 1;
    })
    .map(e => `${e.tagName.toLowerCase()}.${e.className || ''}`.slice(0, 60));
}"""


@pytest.mark.browser
@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("page", PAGES)
def test_everything_fits_its_column(browser, server, page, scheme, width):
    """At 390 and 1280 px, light and dark: nothing is wider than the content column (wide
    equations and tables scroll in their own box), and every widget frame is shown whole, at
    0.9 or more of its drawn size, without scrolling sideways."""
    visit = PageVisit(
        browser, f"{server}/{page}.html", width=width, height=844, color_scheme=scheme
    )
    try:
        visit.wait_for_maths()
        visit.scroll_to_bottom()
        past = visit.page.evaluate(PAST_THE_COLUMN)
        assert past == [], f"{page} at {width} px ({scheme}): wider than the column: {past}"
        frames = visit.page.evaluate(FRAME_FIT, visit.page.locator("body").element_handle())
        assert frames == [], f"{page} at {width} px ({scheme}): widget frames {frames}"
    finally:
        visit.close()


def _frame_of(box):
    """The ``src`` of the frame a widget shows."""
    return box.evaluate(
        """w => Array.from(w.querySelectorAll('img.cc-frame'))
             .filter(i => i.offsetParent !== null).map(i => i.getAttribute('src')).join(' ')"""
    )


def _shown_sliders(box):
    return box.locator("input.cc-range:visible")


def _check_readouts(page, box):
    """Every shown slider: a label, aria-valuetext equal to its readout, no 'nan'."""
    problems = box.evaluate(
        """w => Array.from(w.querySelectorAll('input.cc-range'))
             .filter(s => s.offsetParent !== null)
             .map(s => {
               const out = s.parentElement.querySelector('output');
               const label = s.labels.length ? s.labels[0].textContent.trim() : '';
               const text = out ? out.textContent : '';
               const problems = [];
               if (!label) problems.push('no label');
               if (s.getAttribute('aria-valuetext') !== text) problems.push('valuetext');
               return problems.join(',');
             }).filter(p => p)"""
    )
    assert problems == [], f"{page}: slider problems {problems}"
    text = box.inner_text()
    assert "nan" not in text.lower().split(), f"{page}: a widget shows 'nan'"
    alts = box.evaluate(
        """w => Array.from(w.querySelectorAll('img.cc-frame'))
             .filter(i => i.offsetParent !== null).map(i => i.alt)"""
    )
    assert alts and all(alts), f"{page}: a shown frame has no alt text"
    return alts


#: The pages with interactive figures (sliders over precomputed frames).
WIDGET_PAGES = ["book/convolution", "book/motivation", "book/pooling", "book/prior"]


@pytest.mark.parametrize("page", PAGES)
def test_widgets_only_where_expected_and_none_left_to_the_renderer(built_book, page):
    """Every widget became light HTML, and widgets appear on exactly the pages listed."""
    html = (HTML / f"{page}.html").read_text()
    assert "application/vnd.jupyter.widget-view+json" not in html, (
        f"{page}: a widget was left to the 3.6 MB widget renderer (see the build log)"
    )
    assert ("data-cc-widget" in html) == (page in WIDGET_PAGES), page


@pytest.mark.browser
@pytest.mark.parametrize("page", WIDGET_PAGES)
def test_widgets_respond_without_kernel(browser, server, page):
    """Each widget's sliders work by keyboard, change the frame and its alt text, keep the
    other sliders' values, and never show 'nan'; screenshots before and after each move."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for scheme, width in (("light", 1280), ("dark", 1280), ("phone", 390)):
        visit = PageVisit(
            browser,
            f"{server}/{page}.html",
            width=width,
            height=900,
            color_scheme="dark" if scheme == "dark" else "light",
        )
        try:
            boxes = visit.page.locator("[data-cc-widget]")
            assert boxes.count() >= 1
            for index in range(boxes.count()):
                box = boxes.nth(index)
                box.scroll_into_view_if_needed()
                visit.page.wait_for_function(
                    """w => Array.from(w.querySelectorAll('img.cc-frame'))
                         .filter(i => i.offsetParent !== null)
                         .every(i => i.complete && i.naturalWidth > 0)""",
                    arg=box.element_handle(),
                    timeout=10000,
                )
                name = f"{page.replace('/', '_')}-widget{index}-{scheme}"
                box.screenshot(path=SHOTS / f"{name}-start.png")
                if scheme == "phone":
                    # A frame with a phone-width variant shows that variant, whole.
                    misfits = box.evaluate(
                        """w => Array.from(w.querySelectorAll('picture.cc-picture'))
                             .filter(p => p.offsetParent !== null)
                             .map(p => [p.querySelector('img'), p.querySelector('source')])
                             .filter(([img, source]) =>
                               !img.currentSrc.endsWith(source.dataset.srcset.split('/').pop())
                               || img.getBoundingClientRect().width > w.clientWidth + 1)
                             .map(([img]) => img.currentSrc.split('/').pop())"""
                    )
                    assert misfits == [], f"{page}: widget {index} frames not fitted: {misfits}"
                    # the last frame (every slider at its end) is fitted and looked at too
                    sliders = _shown_sliders(box)
                    for slider in range(sliders.count()):
                        sliders.nth(slider).focus()
                        visit.page.keyboard.press("End")
                    visit.page.wait_for_timeout(300)
                    problems = visit.page.evaluate(FRAME_FIT, box.element_handle())
                    assert problems == [], f"{page}: widget {index}, last frame: {problems}"
                    box.screenshot(path=SHOTS / f"{name}-end.png")
                    continue  # the phone screenshots are for looking; light moves the sliders
                sliders = _shown_sliders(box)
                count = sliders.count()
                # The last slider first (the inner one), then the outer ones.
                for slider in reversed(range(count)):
                    alts = _check_readouts(page, box)
                    before = _frame_of(box)
                    inner_before = sliders.nth(count - 1).get_attribute("aria-valuetext")
                    sliders.nth(slider).focus()
                    visit.page.keyboard.press("End")
                    visit.page.wait_for_timeout(150)
                    assert _frame_of(box) != before, (
                        f"{page}: widget {index}, slider {slider} did not change the frame"
                    )
                    assert _check_readouts(page, box) != alts, (
                        f"{page}: widget {index}: the alt text did not follow slider {slider}"
                    )
                    if slider < count - 1:
                        inner_after = sliders.nth(count - 1).get_attribute("aria-valuetext")
                        assert inner_after == inner_before, (
                            f"{page}: widget {index}: moving slider {slider} reset the last "
                            f"slider from {inner_before!r} to {inner_after!r}"
                        )
                    visit.page.keyboard.press("ArrowLeft")
                    visit.page.wait_for_timeout(100)
                    box.screenshot(path=SHOTS / f"{name}-slider{slider}-moved.png")
            assert visit.console_errors == [], f"{page}: console errors {visit.console_errors}"
        finally:
            visit.close()


def _explorer_state(box):
    return box.evaluate(
        """e => ({formula: e.querySelector('.cc-arith-formula').textContent,
                 drawing: e.querySelector('.cc-arith-drawing').innerHTML,
                 error: e.querySelector('.cc-arith-error').hidden ? ''
                        : e.querySelector('.cc-arith-error').textContent,
                 setting: e.dataset.setting})"""
    )


def _set_explorer(visit, box, values):
    """Move the explorer's sliders to ``values`` ({"n": 5, ...}) with the keyboard."""
    for name, value in values.items():
        slider = box.locator(f"input[data-name='{name}']")
        slider.focus()
        visit.page.keyboard.press("Home")
        for _ in range(value - int(slider.get_attribute("min"))):
            visit.page.keyboard.press("ArrowRight")
        assert int(slider.input_value()) == value


@pytest.mark.browser
def test_arithmetic_explorer(browser, server):
    """The free explorer: every slider redraws, the browser's arithmetic is the library's,
    and a setting with no output says so."""
    from cnncourse.explorer import RANGES, arithmetic_geometry

    page = "book/convolution"
    visit = PageVisit(browser, f"{server}/{page}.html")
    try:
        box = visit.page.locator(".cc-arith")
        assert box.count() == 1, f"{page} has {box.count()} arithmetic explorers"
        box.scroll_into_view_if_needed()
        # The browser's geometry equals cnncourse's on every setting (and two output cells).
        settings = [
            dict(n=n, k=k, s=s, p=p, d=d)
            for n in range(1, 10)
            for k in range(1, 6)
            for s in range(1, 4)
            for p in range(0, 4)
            for d in range(1, 4)
        ]
        for cell in ((0, 0), (2, 3)):
            found = visit.page.evaluate(
                """([settings, cell]) => settings.map(v => {
                     const g = window.cnncourseArithmetic.compute(v, cell);
                     return [g.nOut, g.error, g.cell, g.window, g.onPadding, g.caption,
                             g.unread];
                   })""",
                [settings, list(cell)],
            )
            for v, got in zip(settings, found, strict=True):
                n_out, error, chosen, window, on_padding, caption, unread = got
                want = arithmetic_geometry(v["n"], v["k"], v["s"], v["p"], v["d"], cell)
                assert n_out == want["n_out"] and error == want["error"], v
                assert (tuple(chosen) if chosen else None) == want["cell"], v
                assert [tuple(rc) for rc in window] == want["window"], v
                assert on_padding == want["on_padding"] and caption == want["caption"], v
                assert [tuple(rc) for rc in unread] == want["unread"], v
        # Each slider, moved by the keyboard, changes the formula and the drawing.
        start = _explorer_state(box)
        assert start["error"] == ""
        # The caption counts the taps on padding zeros, which are drawn hatched.
        want = arithmetic_geometry(5, 3, 2, 1, 1)
        assert box.locator("figcaption").inner_text() == want["caption"]
        hatched = box.locator("svg[data-part='input'] rect[fill^='url(#']")
        assert hatched.count() == want["on_padding"] == 5
        for name in ["cell", *RANGES]:  # the cell first, while the output has 3 x 3 cells
            before = _explorer_state(box)
            slider = box.locator(f"input[data-name='{name}']")
            slider.focus()
            visit.page.keyboard.press("ArrowRight" if name != "n" else "ArrowLeft")
            after = _explorer_state(box)
            assert after["drawing"] != before["drawing"], f"slider {name} did not redraw"
            if name != "cell":
                assert after["formula"] != before["formula"], f"slider {name}: same formula"
            readout = box.locator(f"output[for='{slider.get_attribute('id')}']").inner_text()
            assert slider.get_attribute("aria-valuetext") == readout
            box.screenshot(path=SHOTS / f"{page.replace('/', '_')}-explorer-{name}.png")
        # No output: a kernel wider than the padded input.
        _set_explorer(visit, box, {"n": 2, "k": 5, "s": 1, "p": 0, "d": 2})
        state = _explorer_state(box)
        want = arithmetic_geometry(2, 5, 1, 0, 2)["error"]
        assert state["error"] == f"ValueError: {want}"
        assert visit.page.locator(".cc-arith-error").is_visible()
        assert "no output" in state["formula"]
        assert box.locator("svg[data-part='output']").count() == 0
        assert box.locator("svg[data-part='kernel']").count() == 1
        box.screenshot(path=SHOTS / f"{page.replace('/', '_')}-explorer-invalid.png")
        # n6 k3 s2 p0: no output reads row or column 5, 11 cells drawn crossed out.
        _set_explorer(visit, box, {"n": 6, "k": 3, "s": 2, "p": 0, "d": 1})
        assert box.locator("svg[data-part='input'] rect[data-unread]").count() == 11
        assert "No output reads 11 input cells" in box.locator("figcaption").inner_text()
        # Back to a valid setting: the output and its formula return.
        _set_explorer(visit, box, {"n": 7, "k": 3, "s": 2, "p": 1, "d": 1})
        state = _explorer_state(box)
        assert state["error"] == "" and state["formula"].endswith("= 4")
        assert box.locator("svg[data-part='output']").count() == 1
        assert visit.console_errors == [], f"console errors {visit.console_errors}"
    finally:
        visit.close()


def test_api_page_lists_every_public_name(built_book):
    import cnncourse

    html = (HTML / "book" / "api.html").read_text()
    documented = ['id="cnncourse.{name}"', 'id="module-cnncourse.{name}"']  # objects, modules
    missing = [
        name
        for name in cnncourse.__all__
        if not any(anchor.format(name=name) in html for anchor in documented)
    ]
    assert missing == [], f"the API reference lacks {missing}"


def test_chapters_cite_link_glossary_and_have_exercises(built_book):
    for page in ["book/convolution", "book/motivation", "book/pooling", "book/prior"]:
        html = (HTML / f"{page}.html").read_text()
        assert 'href="glossary.html#term-' in html, f"{page} links no glossary term"
        assert 'href="bibliography.html#id' in html or "bibliography.html#" in html, page
        assert html.count('class="exercise admonition') >= 2, f"{page} has fewer than 2 exercises"
        assert 'class="solution dropdown admonition' in html, f"{page} has no solutions"


def test_every_captioned_figure_is_in_its_page(built_book):
    """Each cell with a figure caption produced an image inside a numbered <figure>."""
    import json

    from book_pages import notebooks

    for notebook in notebooks():
        cells = json.loads(notebook.read_text())["cells"]
        names = [
            cell["metadata"]["mystnb"]["figure"]["name"]
            for cell in cells
            if "figure" in cell.get("metadata", {}).get("mystnb", {})
        ]
        html = (HTML / notebook.relative_to(ROOT).with_suffix(".html")).read_text()
        for name in names:
            start = html.find(f'id="{name}"')
            assert start >= 0, f"{notebook.name}: figure {name} is not in the page"
            figure = html[start : html.find("</figure>", start)]
            assert "<img" in figure, f"{notebook.name}: figure {name} has no image"


def test_heads_describe_the_page_and_load_search_only_where_used(built_book):
    """Each page has a meta description; only search.html loads the search index; a favicon.ico."""
    import re

    for page in PAGES:
        html = (HTML / f"{page}.html").read_text()
        match = re.search(r'<meta name="description" content="([^"]*)"', html)
        assert match and 40 <= len(match.group(1)) <= 160, f"{page}: description {match}"
        assert "searchindex.js" not in html, f"{page} loads the search index"
    search = (HTML / "search.html").read_text()
    assert "searchindex.js" in search and "searchtools.js" in search
    assert (HTML / "favicon.ico").read_bytes()[:4] == b"\x00\x00\x01\x00"  # an ICO file


@pytest.mark.browser
def test_search_from_a_page_finds_a_term(browser, server):
    """Without the search scripts on the page, its search field still leads to results."""
    visit = PageVisit(browser, f"{server}/book/pooling.html")
    try:
        visit.page.keyboard.press("Control+k")
        field = visit.page.locator("form.bd-search input[name='q']:visible").first
        field.fill("equivariance")
        field.press("Enter")
        visit.page.wait_for_url("**/search.html?q=equivariance*")
        visit.page.wait_for_selector("#search-results li", timeout=30_000)
        found = visit.page.locator("#search-results li a").all_inner_texts()
        assert any("Motivation" in text or "9.2" in text for text in found), found
    finally:
        visit.close()


@pytest.mark.browser
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_search_results_pass_axe(browser, server, scheme):
    """The search page with its results, whose searched words are highlighted, passes axe-core
    (in dark mode the theme's highlight once had a contrast of 2.06:1)."""
    visit = PageVisit(browser, f"{server}/search.html?q=convolution", color_scheme=scheme)
    try:
        visit.page.wait_for_selector("#search-results li", timeout=30_000)
        visit.page.wait_for_selector("#search-results span.highlighted", timeout=30_000)
        violations = visit.axe_violations()
        assert violations == [], f"search results ({scheme}): axe-core found {violations}"
    finally:
        visit.close()
