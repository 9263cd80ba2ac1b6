"""The README's way into Jupyter works: ``make jupyter`` opens JupyterLab on the learner's
copy of the chapters, a chapter runs, a widget redraws live with a kernel, MyST exercises
render as admonitions with their solutions folded, and the tracked ``book/`` is untouched.

Starts JupyterLab the README's way, ``make jupyter`` with ``JUPYTER_ARGS`` (``--no-browser``,
127.0.0.1, a port and a token; as root make adds ``--allow-root`` itself), with the learner's
copy ``WORK`` in a temporary folder, opens a chapter in headless Chromium, runs all cells,
checks that every code cell ran without an error, then moves the first slider of a widget and
waits until its picture changes: in JupyterLab the widget is live (``CNNCOURSE_WIDGETS`` is not
``static``), so the new picture is drawn by the kernel. It then saves the notebook (into the
copy) and checks that no file of ``book/`` changed.
"""

import hashlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from book_pages import ROOT, notebooks

SHOTS = ROOT / "_build" / "screenshots"
#: The chapter opened by default; any chapter with a widget works.
PREFERRED = os.environ.get("CNNCOURSE_JUPYTER_CHAPTER", "book/pooling.ipynb")
RUN_TIMEOUT_MS = 240_000


def _widget_chapter():
    """The preferred chapter if it has a widget, else the first chapter that has one."""
    with_widgets = [
        path
        for path in notebooks()
        if any(
            "scrubber(" in "".join(c["source"]) or "explorer(" in "".join(c["source"])
            for c in json.loads(path.read_text())["cells"]
            if c["cell_type"] == "code"
        )
    ]
    assert with_widgets, "no chapter has a widget"
    preferred = [p for p in with_widgets if p.relative_to(ROOT).as_posix() == PREFERRED]
    return (preferred or with_widgets)[0]


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _book_digests():
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in (ROOT / "book").iterdir()}


@pytest.fixture(scope="module")
def jupyterlab(tmp_path_factory):
    """JupyterLab started by ``make jupyter`` on a fresh learner's copy of book/: yields
    (url of the chapter's notebook, its name, the copy's folder, book/'s digests before)."""
    if shutil.which("make") is None:
        pytest.skip("needs make")
    tmp_path = tmp_path_factory.mktemp("jupyter")
    chapter = _widget_chapter()
    work = tmp_path / "work"
    before = _book_digests()
    port, token = _free_port(), secrets.token_hex(16)
    env = dict(os.environ)
    env.pop("CNNCOURSE_WIDGETS", None)  # live widgets: the kernel draws every frame
    env.pop("MPLBACKEND", None)
    env.update(
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
        JUPYTER_CONFIG_DIR=str(tmp_path / "config"),
        JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
        IPYTHONDIR=str(tmp_path / "ipython"),
    )
    stamp = tmp_path / "installed"  # this environment is set up: make installs nothing
    stamp.touch()
    arguments = [
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        f"--IdentityProvider.token={token}",
        "--LabApp.expose_app_in_browser=True",
    ]
    command = [
        "make",
        "-s",
        "--no-print-directory",
        "-C",
        str(ROOT),
        "jupyter",
        f"BIN={Path(sys.executable).parent}",
        f"STAMP={stamp}",
        f"WORK={work}",
        f"JUPYTER_PATH={Path(sys.prefix) / 'share' / 'jupyter'}",
        f"JUPYTER_ARGS={' '.join(arguments)}",
    ]
    log_path = tmp_path / "jupyterlab.log"
    log = log_path.open("w")
    server = subprocess.Popen(
        command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=5):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    pytest.fail(f"make jupyter did not start:\n{log_path.read_text()[-3000:]}")
                time.sleep(0.5)
        url = f"{base}/lab/tree/{chapter.name}?token={token}"
        yield url, chapter.name, work, before
    finally:
        os.killpg(server.pid, signal.SIGTERM)  # make and the jupyter lab it started
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        log.close()


# The notebook's model, read through the app JupyterLab exposes as ``window.jupyterapp``.
RUN_STATE = """() => {
    const panel = window.jupyterapp.shell.currentWidget;
    const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
    const cells = panel.content.model.cells;
    let pending = 0, errors = [];
    for (let i = 0; i < cells.length; i++) {
        const cell = cells.get(i);
        if (cell.type !== 'code') continue;
        if (cell.executionCount === null) pending += 1;
        for (const output of cell.outputs.toJSON()) {
            if (output.output_type === 'error') {
                errors.push(i + ': ' + output.ename + ': ' + output.evalue);
            }
        }
    }
    return {pending, errors, status: kernel ? kernel.status : 'none'};
}"""


@pytest.mark.browser
def test_jupyterlab_runs_a_chapter_and_its_widget_redraws(jupyterlab, browser):
    url, name, work, _ = jupyterlab
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    try:
        page.goto(url, wait_until="domcontentloaded")
        page.wait_for_function(
            "() => window.jupyterapp && window.jupyterapp.shell.currentWidget"
            " && window.jupyterapp.shell.currentWidget.sessionContext"
            " && window.jupyterapp.shell.currentWidget.sessionContext.session"
            " && window.jupyterapp.shell.currentWidget.sessionContext.session.kernel"
            " && window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.status"
            " === 'idle'",
            timeout=120_000,
        )
        page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
        page.wait_for_function(
            f"() => {{ const s = ({RUN_STATE})(); "
            "return s.errors.length > 0 || (s.pending === 0 && s.status === 'idle'); }",
            timeout=RUN_TIMEOUT_MS,
            polling=500,
        )
        state = page.evaluate(RUN_STATE)
        assert state["errors"] == [], f"{name}: cells raised {state['errors']}"
        assert state["pending"] == 0

        box = (
            page.locator(".jp-OutputArea-output .widget-vbox")
            .filter(has=page.locator(".noUi-handle"))
            .filter(has=page.locator("img"))
            .first
        )
        box.scroll_into_view_if_needed()
        picture = box.locator("img").first
        handle = box.locator(".noUi-handle").first
        before = picture.get_attribute("src")
        shot_before = picture.screenshot()
        handle.focus()
        page.keyboard.press("End")
        page.wait_for_function(
            "([img, src]) => img.getAttribute('src') !== src",
            arg=[picture.element_handle(), before],
            timeout=60_000,
        )
        page.wait_for_timeout(300)
        shot_after = picture.screenshot()
        (SHOTS / f"jupyterlab-{Path(name).stem}-widget-moved.png").write_bytes(box.screenshot())
        assert shot_before != shot_after, f"{name}: the picture did not change"
        page.evaluate("window.jupyterapp.commands.execute('docmanager:save')")
        page.wait_for_function(
            "() => !window.jupyterapp.shell.currentWidget.context.model.dirty", timeout=30_000
        )
    finally:
        context.close()
    saved = json.loads((work / name).read_text())
    assert any(c.get("outputs") for c in saved["cells"]), "the run was not saved in the copy"


#: What jupyterlab-myst draws: an exercise is an <aside> admonition; a solution marked
#: ``:class: dropdown`` is a <details> (folded until its <summary> is clicked).
MYST_STATE = """() => {
    const panel = window.jupyterapp.shell.currentWidget;
    const root = panel.content.node;
    const rendered = [...root.querySelectorAll('.jp-RenderedMarkdown')];
    const raw = rendered.map(n => n.textContent)
        .filter(t => /\\{(exercise|solution-start|solution-end|cite[:a-z]*|term)\\}/.test(t));
    const exercises = [...root.querySelectorAll('aside.myst-exercise')]
        .filter(n => n.textContent.includes('Exercise'));
    const solutions = [...root.querySelectorAll('details.myst-exercise')];
    return {
        markdown: rendered.length, raw: raw.length, exercises: exercises.length,
        solutions: solutions.length, open: solutions.filter(d => d.open).length,
    };
}"""


@pytest.mark.browser
def test_jupyterlab_renders_exercises_with_folded_solutions(jupyterlab, browser):
    url, name, _, _ = jupyterlab
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    try:
        page.goto(url, wait_until="domcontentloaded")
        page.wait_for_function(
            "() => window.jupyterapp && window.jupyterapp.shell.currentWidget"
            " && window.jupyterapp.shell.currentWidget.content"
            " && window.jupyterapp.shell.currentWidget.content.node"
            ".querySelector('aside.myst-exercise')",
            timeout=120_000,
        )
        page.wait_for_timeout(1000)
        state = page.evaluate(MYST_STATE)
        assert state["raw"] == 0, f"{name}: MyST markup shown as text in {state['raw']} cells"
        assert state["exercises"] >= 1 and state["solutions"] >= 1, state
        assert state["open"] == 0, f"{name}: {state['open']} solutions are unfolded"
        # Scrolled by the page itself: JupyterLab's windowed notebook may re-attach a cell's
        # nodes while it settles, which Playwright's own scrolling reports as detached.
        page.evaluate("() => document.querySelector('details.myst-exercise').scrollIntoView()")
        page.wait_for_timeout(500)
        solution = page.locator("details.myst-exercise").first
        body = solution.locator(":scope > :not(summary)").first
        assert not body.is_visible(), "a folded solution's text is visible"
        solution.locator("summary").first.click()
        body.wait_for(state="visible", timeout=10_000)
        (SHOTS / f"jupyterlab-{Path(name).stem}-solution.png").write_bytes(solution.screenshot())
    finally:
        context.close()


@pytest.mark.browser
def test_jupyterlab_leaves_book_unchanged(jupyterlab):
    """After the runs above (and a save), every file of the tracked book/ is as it was."""
    _, _, work, before = jupyterlab
    assert _book_digests() == before
    assert set(before) <= {p.name for p in work.iterdir()}, "the copy lacks a file of book/"
