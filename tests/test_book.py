"""The book: it builds without a warning, and every page works in a real browser.

The build runs once per session (``built_book``). The browser tests open every page of the
table of contents in headless Chromium (Debian's ``chromium``, driven by Playwright with
``executable_path``), served from 127.0.0.1, and check what a reader would notice: the page
loads, nothing is fetched from another host, the maths is typeset, the images load, the
widgets respond without a kernel, and a phone-width screen does not scroll sideways.
Screenshots land in ``_build/screenshots/``.
"""

import functools
import http.server
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from book_pages import ROOT, toc_files

HTML = ROOT / "_build" / "html"
SHOTS = ROOT / "_build" / "screenshots"
CHROMIUM = os.environ.get("CNNCOURSE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
INSTALL_HINT = (
    f"Chromium not found at {CHROMIUM}. Install Debian's package with\n"
    "    sudo apt-get update && sudo apt-get install -y chromium\n"
    "(or set CNNCOURSE_CHROMIUM to a Chromium binary). Never `playwright install`."
)
PAGES = toc_files()


@pytest.fixture(scope="session")
def built_book():
    """Build the book once (warnings are errors) and return the build's log."""
    env = dict(os.environ, CNNCOURSE_WIDGETS="static")
    env.pop("MPLBACKEND", None)  # a non-inline backend would keep figures out of the pages
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    command = [str(jupyter_book), "build", str(ROOT), "--builder", "html", "-W", "-n"]
    result = subprocess.run(
        [*command, "--keep-going"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    log = result.stdout + result.stderr
    assert result.returncode == 0, f"`{' '.join(command)}` failed:\n{log[-6000:]}"
    return log


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


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists() and shutil.which(CHROMIUM) is None:
        pytest.fail(INSTALL_HINT)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class PageVisit:
    """Open one page and record what a reader's browser did."""

    def __init__(self, browser, url, *, width=1280, height=900, color_scheme="light"):
        self.context = browser.new_context(
            viewport={"width": width, "height": height}, color_scheme=color_scheme
        )
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
            self.page.wait_for_selector("mjx-container", timeout=30000)
        return has_maths

    def broken_images(self):
        return self.page.evaluate(
            """() => Array.from(document.images)
                 .filter(img => img.offsetParent !== null)
                 .filter(img => !img.complete || img.naturalWidth === 0)
                 .map(img => img.src.slice(0, 80))"""
        )

    def close(self):
        self.context.close()


def _shot_name(page, suffix):
    return SHOTS / f"{page.replace('/', '_')}-{suffix}.png"


@pytest.mark.browser
@pytest.mark.parametrize("page", PAGES)
def test_page_in_browser(browser, server, page):
    SHOTS.mkdir(parents=True, exist_ok=True)
    visit = PageVisit(browser, f"{server}/{page}.html")
    try:
        assert visit.response.status == 200
        has_maths = visit.wait_for_maths()
        if has_maths:
            unrendered = visit.page.evaluate(
                "Array.from(document.querySelectorAll('mjx-merror')).length"
            )
            assert unrendered == 0, f"{page}: {unrendered} maths errors"
        assert visit.broken_images() == [], f"{page}: images failed to load"
        visit.page.screenshot(path=_shot_name(page, "light"), full_page=True)
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
    finally:
        dark.close()
    phone = PageVisit(browser, f"{server}/{page}.html", width=390, height=844)
    try:
        phone.wait_for_maths()
        overflow = phone.page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        phone.page.screenshot(path=_shot_name(page, "phone"))
        assert overflow <= 1, f"{page}: the page scrolls sideways by {overflow}px on a phone"
    finally:
        phone.close()


def _widget_boxes(page):
    """The outermost widget boxes of a page that hold a slider."""
    outermost = ".cell_output .widget-vbox:not(.widget-vbox .widget-vbox)"
    return page.locator(outermost).filter(has=page.locator(".noUi-handle"))


@pytest.mark.browser
@pytest.mark.parametrize("page", PAGES)
def test_widgets_respond_without_kernel(browser, server, page):
    """Every embedded widget renders, and moving its slider changes its picture."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    visit = PageVisit(browser, f"{server}/{page}.html")
    try:
        views = visit.page.evaluate(
            "document.querySelectorAll('script[type=\"application/vnd.jupyter.widget-view+json\"]')"
            ".length"
        )
        if views == 0:
            return
        visit.page.wait_for_selector(".noUi-handle", timeout=30000)
        boxes = _widget_boxes(visit.page)
        handles_per_box = []
        for index in range(boxes.count()):
            box = boxes.nth(index)
            box.scroll_into_view_if_needed()
            # Nested widgets show one inner slider per outer position: move the inner
            # (last) slider first, then the outer ones, each time the visible one.
            handles = box.locator(".noUi-handle:visible")
            handles_per_box.append(handles.count())
            for slider in reversed(range(handles.count())):
                # Compare the picture only: the slider itself always moves.
                before = box.locator(".widget-image:visible").first.screenshot()
                handles.nth(slider).focus()
                visit.page.keyboard.press("End")
                visit.page.wait_for_timeout(400)
                after = box.locator(".widget-image:visible").first.screenshot()
                name = f"widget{index}-slider{slider}-moved"
                (SHOTS / f"{page.replace('/', '_')}-{name}.png").write_bytes(box.screenshot())
                assert before != after, f"{page}: widget {index}, slider {slider} did not respond"
        assert len(handles_per_box) >= 1, f"{page}: {views} widget outputs, none rendered"
        assert visit.console_errors == [], f"{page}: console errors {visit.console_errors}"
    finally:
        visit.close()


def test_api_page_lists_every_public_name(built_book):
    import cnncourse

    html = (HTML / "book" / "api.html").read_text()
    missing = [name for name in cnncourse.__all__ if f'id="cnncourse.{name}"' not in html]
    assert missing == [], f"the API reference lacks {missing}"


def test_launch_buttons_point_at_the_notebooks(built_book):
    from book_pages import notebooks

    for notebook in notebooks():
        page = notebook.relative_to(ROOT).with_suffix(".html")
        html = (HTML / page).read_text()
        path = notebook.relative_to(ROOT).as_posix()
        assert f"colab.research.google.com/github/cnncourse/cnncourse/blob/main/{path}" in html
        assert "mybinder.org/v2/gh/cnncourse/cnncourse/main?urlpath=" in html
        assert path.replace("/", "%2F") in html or path in html


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
