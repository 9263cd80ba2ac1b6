"""Shared pytest configuration: paths, markers, the one cell timeout, CUDA skips."""

from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
NBVAL_DEFAULT_TIMEOUT = 2000  # nbval's own default: replaced by the book's setting


def book_cell_timeout():
    """The cell timeout of ``_config.yml`` (``execute.timeout``), in seconds."""
    settings = yaml.safe_load((ROOT / "_config.yml").read_text())
    return int(settings["execute"]["timeout"])


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
