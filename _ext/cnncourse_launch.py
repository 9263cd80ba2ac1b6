"""Sphinx glue for the ways into the book: one repository setting, install cells, the PDF.

* **One repository setting.** ``_config.yml``'s ``repository: url:`` is the only place the
  repository is written. Jupyter Book turns it (with ``launch_buttons:`` and ``html:``) into
  the theme's options, but a ``sphinx: config: html_theme_options:`` block replaces those
  options wholesale and silently drops, for instance, the issues button. This extension warns
  (an error under ``-W``) when the theme's repository URL or buttons differ from ``_config.yml``.
* **Install cells.** Every notebook's first code cell is written by ``tools/install_cells.py``
  from ``_config.yml`` and ``pyproject.toml``; the build warns about each stale one.
* **The PDF.** When the build is asked for it (``CNNCOURSE_PDF=cnncourse.pdf``, as
  ``make pdf`` does, or ``cnncourse_pdf`` in ``sphinx: config:``), the download menu of every
  page gets a "Book (.pdf)" entry linking that file at the root of the built HTML, where
  ``tools/pdf.py`` writes it. Without it no link is added, so no page links a missing file.
"""

import importlib.util
import os
from pathlib import Path

import yaml
from sphinx.util import logging

LOGGER = logging.getLogger(__name__)

#: ``html:`` keys of ``_config.yml`` that Jupyter Book passes to the theme unchanged.
BUTTONS = ("use_repository_button", "use_issues_button", "use_edit_page_button")


def _book_config(srcdir):
    path = Path(srcdir) / "_config.yml"
    if not path.exists():
        return {}
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def _check_theme_options(app, config):
    """Warn when the theme's options no longer say what ``_config.yml`` says."""
    book = _book_config(app.srcdir)
    options = config.html_theme_options or {}
    url = (book.get("repository") or {}).get("url")
    if url and options.get("repository_url") != url:
        LOGGER.warning(
            "html_theme_options.repository_url is %r but _config.yml's repository.url is %r: "
            "remove the repository settings from `sphinx: config: html_theme_options`",
            options.get("repository_url"),
            url,
            type="cnncourse",
            subtype="repository",
        )
    html = book.get("html") or {}
    for button in BUTTONS:
        if button in html and bool(options.get(button)) != bool(html[button]):
            LOGGER.warning(
                "_config.yml sets html.%s: %s but the theme gets %r: "
                "`sphinx: config: html_theme_options` replaces Jupyter Book's theme options",
                button,
                html[button],
                options.get(button),
                type="cnncourse",
                subtype="repository",
            )


def _install_cells_module(srcdir):
    path = Path(srcdir) / "tools" / "install_cells.py"
    if not path.exists():
        return None
    spec = importlib.util.spec_from_file_location("cnncourse_install_cells", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _check_install_cells(app):
    module = _install_cells_module(app.srcdir)
    if module is None:
        return
    for path in module.stale(Path(app.srcdir)):
        LOGGER.warning(
            "the install cell of %s is stale (repository, extra or version changed): "
            "run python tools/install_cells.py",
            path.relative_to(app.srcdir),
            type="cnncourse",
            subtype="install-cell",
        )


def _add_pdf_link(app, pagename, templatename, context, doctree):
    """Add the whole book's PDF to the page's download menu (after the theme built it)."""
    pdf = app.config.cnncourse_pdf
    if not pdf:
        return
    for button in context.get("header_buttons", []):
        if button.get("label") == "download-buttons":
            button["buttons"].append(
                {
                    "type": "link",
                    "url": context["pathto"](pdf, 1),
                    "text": "Book (.pdf)",
                    "tooltip": "Download the whole book as one PDF",
                    "icon": "fas fa-book",
                    "label": "download-book-pdf-button",
                }
            )


def setup(app):
    app.add_config_value("cnncourse_pdf", os.environ.get("CNNCOURSE_PDF", ""), "html")
    app.connect("config-inited", _check_theme_options)
    app.connect("builder-inited", _check_install_cells)
    # sphinx-book-theme fills the header buttons at priority 501.
    app.connect("html-page-context", _add_pdf_link, priority=600)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
