"""The pages of the book's table of contents, read from ``_toc.yml``."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def toc_files():
    """Every ``file:`` entry of ``_toc.yml`` (root first), as paths without suffix."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files.extend(chapter["file"] for chapter in part["chapters"])
    return files


def source_of(page):
    """The source file (``.ipynb`` or ``.md``) of a table-of-contents entry."""
    for suffix in (".ipynb", ".md"):
        path = ROOT / f"{page}{suffix}"
        if path.exists():
            return path
    raise FileNotFoundError(f"no .ipynb or .md source for table-of-contents entry {page!r}")


def notebooks():
    """The notebook sources in the table of contents."""
    return [source_of(page) for page in toc_files() if source_of(page).suffix == ".ipynb"]
