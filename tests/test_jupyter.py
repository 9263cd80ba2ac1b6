"""The README's way into Jupyter works: JupyterLab opens a chapter, runs it, and a widget
redraws live with a kernel.

Starts ``jupyter lab`` from this environment on 127.0.0.1 with a token, on a copy of one
chapter (so nothing is written into ``book/``), opens it in headless Chromium, runs all cells,
checks that every code cell ran without an error, then moves the first slider of a widget and
waits until its picture changes: in JupyterLab the widget is live (``CNNCOURSE_WIDGETS`` is not
``static``), so the new picture is drawn by the kernel.
"""

import json
import os
import secrets
import shutil
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


@pytest.fixture
def jupyterlab(tmp_path):
    """A JupyterLab server on a copy of one chapter: yields (url of the notebook, its name)."""
    chapter = _widget_chapter()
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy(chapter, work / chapter.name)
    port, token = _free_port(), secrets.token_hex(16)
    env = dict(os.environ)
    env.pop("CNNCOURSE_WIDGETS", None)  # live widgets: the kernel draws every frame
    env.pop("MPLBACKEND", None)
    env.update(
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
        JUPYTER_PATH=str(Path(sys.prefix) / "share" / "jupyter"),
        JUPYTER_CONFIG_DIR=str(tmp_path / "config"),
        JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
        IPYTHONDIR=str(tmp_path / "ipython"),
    )
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={work}",
        "--LabApp.expose_app_in_browser=True",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")  # CI runs as root
    log = (tmp_path / "jupyterlab.log").open("w")
    server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
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
                    text = (tmp_path / "jupyterlab.log").read_text()
                    pytest.fail(f"JupyterLab did not start:\n{text[-3000:]}")
                time.sleep(0.5)
        yield f"{base}/lab/tree/{chapter.name}?token={token}", chapter.name
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
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
    url, name = jupyterlab
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
    finally:
        context.close()
