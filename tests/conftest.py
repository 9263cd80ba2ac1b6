"""Shared pytest configuration: paths, the built book, markers, the one cell timeout, CUDA skips."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
from chromium import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

# Property-based tests: a quick profile by default, a thorough one with HYPOTHESIS_PROFILE=ci.
settings.register_profile(
    "dev", max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "ci", max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

NBVAL_DEFAULT_TIMEOUT = 2000  # nbval's own default: replaced by the book's setting


def book_cell_timeout():
    """The cell timeout of ``_config.yml`` (``execute.timeout``), in seconds."""
    settings = yaml.safe_load((ROOT / "_config.yml").read_text())
    return int(settings["execute"]["timeout"])


@pytest.fixture(scope="session")
def built_book():
    """Build the book once per session (as ``make book`` does, warnings are errors); its log.

    Every test that reads ``_build/html`` asks for this fixture, and is marked ``book``.
    """
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


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium (Debian's, never a downloaded one) for every browser test.

    Playwright's sync API allows one instance per process, so the book, Jupyter and PDF
    tests share this one.
    """
    if not Path(CHROMIUM).exists() and shutil.which(CHROMIUM) is None:
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: `make test` installs it where it can, or run "
            "sudo apt-get update && sudo apt-get install -y chromium "
            "(or set CNNCOURSE_CHROMIUM). Never `playwright install`."
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def pytest_configure(config):
    """nbval uses the book build's cell timeout unless the command line names another."""
    if getattr(config.option, "nbval_cell_timeout", None) == NBVAL_DEFAULT_TIMEOUT:
        config.option.nbval_cell_timeout = book_cell_timeout()


def pytest_collection_modifyitems(config, items):
    """Mark the tiers, and skip tests marked ``cuda`` cleanly when no CUDA device is present.

    A test that needs the built book (the ``built_book`` fixture, directly or through the
    server) is marked ``book``; an executed notebook cell (nbval) is marked ``notebook``.
    ``make check`` deselects both and ``browser``.
    """
    for item in items:
        if "built_book" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.book)
        if item.__class__.__module__.startswith("nbval"):
            item.add_marker(pytest.mark.notebook)
    try:
        import torch

        has_cuda = torch.cuda.is_available()
    except ImportError:
        has_cuda = False
    if has_cuda:
        return
    skip = pytest.mark.skip(reason="no CUDA device on this machine")
    for item in items:
        if "cuda" in item.keywords:
            item.add_marker(skip)
