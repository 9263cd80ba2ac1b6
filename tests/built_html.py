"""The built book for tests that read it: reuse ``_build/html`` when it is newer than every
source, else build it (the same command as ``make book``)."""

import os
import subprocess
import sys
from pathlib import Path

from book_pages import ROOT

HTML = ROOT / "_build" / "html"
SOURCES = ("_config.yml", "_toc.yml", "book", "cnncourse", "_ext", "_assets")


def _newest_source():
    newest = 0.0
    for name in SOURCES:
        path = ROOT / name
        paths = [path] if path.is_file() else path.rglob("*")
        for item in paths:
            if "vendor" in item.parts or "__pycache__" in item.parts or not item.is_file():
                continue
            newest = max(newest, item.stat().st_mtime)
    return newest


def fresh_html():
    """``_build/html``, built now if missing or older than a source (Sphinx writes
    ``.buildinfo`` at the end of every build)."""
    stamp = HTML / ".buildinfo"
    if stamp.exists() and stamp.stat().st_mtime >= _newest_source():
        return HTML
    env = dict(os.environ, CNNCOURSE_WIDGETS="static")
    env.pop("MPLBACKEND", None)
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    command = [str(jupyter_book), "build", str(ROOT), "--builder", "html", "-W", "-n"]
    result = subprocess.run(
        [*command, "--keep-going"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    log = result.stdout + result.stderr
    assert result.returncode == 0, f"`{' '.join(command)}` failed:\n{log[-6000:]}"
    return HTML
