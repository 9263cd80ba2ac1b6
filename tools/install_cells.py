"""Write, or check, the install cell at the top of every chapter notebook.

A notebook opened on its own (Colab, Binder without the environment, a download) must install
``cnncourse`` before its first ``import cnncourse``. Its first code cell does that, and is
*derived*, never written by hand:

* the repository and branch come from ``_config.yml`` (``repository: url:`` and ``branch:``),
  the book's one repository setting, so a fork changes one line;
* the extra comes from ``pyproject.toml`` (:data:`EXTRA`, the packages the chapters and the
  package functions they call import; ``tests/test_packaging.py`` checks that it covers them);
* the compatible versions come from ``cnncourse.__version__`` (same major and minor).

The cell does nothing when ``cnncourse`` is importable at a compatible version and every
package of the extra is importable, and says so in one line. Otherwise it installs what is
missing, with this kernel's own pip (``sys.executable -m pip``): ``cnncourse[book]`` from the
repository when ``cnncourse`` is absent or of another minor version, else only the packages of
the extra that are missing. It then checks pip's exit code and imports again; on a failure it
shows pip's last lines and raises an error naming what failed and the command to run, so it
never says "Installed" after a failure (``tests/test_packaging.py`` runs it against a fake
pip in a fresh virtual environment).

Usage::

    python tools/install_cells.py           # rewrite the cells that differ, list them
    python tools/install_cells.py --check   # exit 1 and list the notebooks whose cell is stale

The book's Sphinx extension ``_ext/cnncourse_launch.py`` runs the check at every build.
"""

import argparse
import ast
import json
import re
import secrets
import sys
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent

#: The extra a notebook installs.
EXTRA = "book"

#: Import names of distributions whose import name is not their distribution name.
IMPORT_NAMES = {"scikit-learn": "sklearn", "pillow": "PIL", "pyyaml": "yaml"}

#: The tag that folds the cell in the rendered book.
TAGS = ["hide-cell"]

MARKER = "Written by tools/install_cells.py"

TEMPLATE = """\
# Opened on its own (Colab, a download)? This cell installs what the page needs.
# {marker} from _config.yml and pyproject.toml: do not edit.
import importlib.util
import subprocess
import sys

try:
    import cnncourse

    ready = cnncourse.__version__.split(".")[:2] == {major_minor}
except ImportError:
    ready = False
needed = {needed}
missing = [name for name in needed if importlib.util.find_spec(name) is None]
if ready and not missing:
    print(f"cnncourse {{cnncourse.__version__}} and {{', '.join(needed)}} are installed.")
else:
    # cnncourse itself when it is absent or of another version (its [{extra}] extra brings
    # the rest), otherwise only the packages that are missing
    source = "{requirement}"
    wanted = [needed[name] for name in missing] if ready else [source]
    pip = [sys.executable, "-m", "pip", "install", "--quiet", *wanted]
    done = subprocess.run(pip, capture_output=True, text=True)
    importlib.invalidate_caches()
    checked = missing if ready else ["cnncourse", *needed]
    absent = [name for name in checked if importlib.util.find_spec(name) is None]
    if done.returncode != 0 or absent:
        print(*(done.stdout + done.stderr).strip().splitlines()[-15:], sep="\\n")
        command = "pip install " + " ".join(f'"{{r}}"' for r in wanted)
        raise RuntimeError(
            f"pip could not install {{', '.join(wanted)}} (exit code {{done.returncode}}"
            + (f"; still missing: {{', '.join(absent)}})" if absent else ")")
            + f". Run `{{sys.executable}} -m {{command}}` in a terminal, or `%{{command}}` in a"
            " cell, then restart the kernel."
        )
    print(f"Installed {{', '.join(wanted)}}; restart the kernel if an old cnncourse was loaded.")"""


def repository(root=ROOT):
    """``(url, branch)`` of the ``repository:`` section of ``_config.yml``."""
    config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))
    section = config.get("repository") or {}
    url = section.get("url")
    if not url:
        raise ValueError("_config.yml has no `repository: url:`; the install cells need it")
    return url.rstrip("/"), section.get("branch", "main")


def requirement_name(requirement):
    """The distribution name of a requirement string, lower case (``"torch>=2" -> "torch"``)."""
    return re.split(r"[<>=!~ \[;@]", requirement.strip(), maxsplit=1)[0].lower()


def extra_requirements(extra=EXTRA, root=ROOT):
    """The requirement strings of one extra of ``pyproject.toml``."""
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = project["optional-dependencies"]
    if extra not in extras:
        raise ValueError(f"pyproject.toml has no extra {extra!r}; it has {sorted(extras)}")
    return extras[extra]


def extra_modules(extra=EXTRA, root=ROOT):
    """The import names of the distributions an extra installs, in pyproject's order."""
    names = [requirement_name(r) for r in extra_requirements(extra, root)]
    return [IMPORT_NAMES.get(name, name.replace("-", "_")) for name in names]


def package_version(root=ROOT):
    """``cnncourse.__version__``, read from the source without importing it."""
    tree = ast.parse((root / "cnncourse" / "__init__.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__version__" for t in node.targets
        ):
            return ast.literal_eval(node.value)
    raise ValueError("cnncourse/__init__.py does not set __version__")


def install_requirement(root=ROOT, extra=EXTRA):
    """The pip requirement the cell installs, e.g. ``cnncourse[book] @ git+URL@main``."""
    url, branch = repository(root)
    return f"cnncourse[{extra}] @ git+{url}@{branch}"


def extra_needs(extra=EXTRA, root=ROOT):
    """``{import name: requirement}`` of an extra, e.g. ``{"sklearn": "scikit-learn>=1.3"}``."""
    return dict(zip(extra_modules(extra, root), extra_requirements(extra, root), strict=True))


def cell_source(root=ROOT, extra=EXTRA):
    """The full source of the install cell."""
    needs = extra_needs(extra, root)
    lines = [f"    {json.dumps(name)}: {json.dumps(req)}," for name, req in needs.items()]
    return TEMPLATE.format(
        marker=MARKER,
        major_minor=json.dumps(package_version(root).split(".")[:2]),
        needed="{\n" + "\n".join(lines) + "\n}",
        requirement=install_requirement(root, extra),
        extra=extra,
    )


def notebooks(root=ROOT):
    """The notebooks of ``_toc.yml``, in its order."""
    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    pages = [toc["root"]]
    for part in toc.get("parts", []):
        pages.extend(chapter["file"] for chapter in part["chapters"])
    return [root / f"{page}.ipynb" for page in pages if (root / f"{page}.ipynb").exists()]


def _is_install_cell(cell):
    source = "".join(cell["source"])
    written = MARKER in source or "pip install" in source
    return cell["cell_type"] == "code" and written and "cnncourse" in source


def updated(notebook, source):
    """The notebook (a dict) with its install cell set to ``source``; ``None`` if unchanged."""
    cells = notebook["cells"]
    first = next((i for i, c in enumerate(cells) if c["cell_type"] == "code"), len(cells))
    if first < len(cells) and _is_install_cell(cells[first]):
        cell = cells[first]
        tags = cell.get("metadata", {}).get("tags", [])
        if "".join(cell["source"]) == source and all(tag in tags for tag in TAGS):
            return None
        cell["source"] = source.splitlines(keepends=True)
        cell.setdefault("metadata", {})["tags"] = [*tags, *(t for t in TAGS if t not in tags)]
        return notebook
    cell = {
        "cell_type": "code",
        "execution_count": None,
        "id": secrets.token_hex(4),
        "metadata": {"tags": list(TAGS)},
        "outputs": [],
        "source": source.splitlines(keepends=True),
    }
    cells.insert(first, cell)
    return notebook


def stale(root=ROOT):
    """The notebooks whose install cell differs from :func:`cell_source`."""
    source = cell_source(root)
    out = []
    for path in notebooks(root):
        if updated(json.loads(path.read_text(encoding="utf-8")), source) is not None:
            out.append(path)
    return out


def write(root=ROOT):
    """Rewrite the install cell of every notebook that differs; return their paths."""
    source = cell_source(root)
    changed = []
    for path in notebooks(root):
        notebook = updated(json.loads(path.read_text(encoding="utf-8")), source)
        if notebook is not None:
            text = json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"
            path.write_text(text, encoding="utf-8")
            changed.append(path)
    return changed


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if stale")
    args = parser.parse_args(argv)
    if args.check:
        paths = stale()
        for path in paths:
            print(f"stale install cell: {path.relative_to(ROOT)}")
        if paths:
            print("run: python tools/install_cells.py")
        return 1 if paths else 0
    for path in write():
        print(f"rewrote the install cell of {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
