"""Packaging promises: light import, extras that cover the book, one repository setting,
an environment.yml in step with pyproject and constraints, an sdist whose tests run, and a
NumPy-only install that computes and names the extra for everything else."""

import ast
import importlib.metadata
import json
import subprocess
import sys
import tarfile
import tomllib
import venv

import pytest
import yaml
from book_pages import ROOT, notebooks
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

sys.path.insert(0, str(ROOT / "tools"))
import install_cells  # noqa: E402

# conda-forge spells a few packages differently from PyPI.
CONDA_NAMES = {"torch": "pytorch", "build": "python-build", "playwright": "playwright-python"}
BUILD_TOOLS = {"jupyter-book", "pytest", "playwright", "ruff", "nbval", "hypothesis", "build"}


def _name(requirement):
    return install_cells.requirement_name(requirement)


def _project():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def _extras():
    return _project()["optional-dependencies"]


def _own(requirements):
    """The requirements of an extra, without the extras of cnncourse it includes."""
    return [r for r in requirements if _name(r) != "cnncourse"]


def _pins():
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            name, version = line.split("==")
            pins[name.lower().replace("_", "-")] = version
    return pins


def _config():
    return yaml.safe_load((ROOT / "_config.yml").read_text())


def _python_versions():
    """The supported Python versions: the ``3.X`` classifiers of pyproject.toml, in order."""
    prefix = "Programming Language :: Python :: 3."
    minors = sorted(
        int(c[len(prefix) :]) for c in _project()["classifiers"] if c.startswith(prefix)
    )
    return [f"3.{minor}" for minor in minors]


def _oldest_python():
    return _python_versions()[0]


def test_python_range_is_stated_once():
    """requires-python's lower bound is the oldest classifier; the classifiers are consecutive;
    the README names the range once, in the same words; the interpreter here is in range."""
    versions = _python_versions()
    minors = [int(v.split(".")[1]) for v in versions]
    assert minors == list(range(minors[0], minors[-1] + 1))
    assert _project()["requires-python"] == f">={versions[0]}"
    readme = (ROOT / "README.md").read_text()
    assert readme.count(f"Python {versions[0]} to {versions[-1]}") == 1
    assert f"{sys.version_info.major}.{sys.version_info.minor}" in versions


def test_import_is_light():
    """``import cnncourse`` must not import torch, ipywidgets, sympy, matplotlib or scipy."""
    heavy = ("torch", "ipywidgets", "sympy", "matplotlib", "scipy")
    code = f"import sys, cnncourse; print(sorted(m for m in {heavy} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_extras_are_layered():
    """NumPy is the one requirement; book ⊃ torch; jupyter = book + interfaces; all = both."""
    extras = _extras()
    assert [_name(r) for r in _project()["dependencies"]] == ["numpy"]
    assert {_name(r) for r in extras["torch"]} <= {_name(r) for r in extras["book"]}
    assert "cnncourse[book]" in extras["jupyter"]
    assert {_name(r) for r in _own(extras["jupyter"])} == {
        "jupyterlab",
        "jupyterlab-myst",
        "notebook",
    }
    assert extras["all"] == ["cnncourse[jupyter,dev]"]
    runtime = {_name(r) for r in extras["book"] + extras["jupyter"]}
    assert runtime & BUILD_TOOLS == set(), "the reader's extras carry the build toolchain"
    assert BUILD_TOOLS <= {_name(r) for r in extras["dev"]}


def _conda_specs(path):
    """The conda package specs of an environment file (not python, pip or the pip section)."""
    if not (ROOT / path).exists():  # binder/ is not in the sdist (MANIFEST.in)
        pytest.skip(f"{path} is not in this tree")
    environment = yaml.safe_load((ROOT / path).read_text())
    specs = [d for d in environment["dependencies"] if isinstance(d, str)]
    return [d for d in specs if _name(d) not in ("python", "pip")]


def _conda_wanted(*extras):
    wanted = _project()["dependencies"] + sum((_own(_extras()[e]) for e in extras), [])
    return {CONDA_NAMES.get(_name(r), _name(r)) for r in wanted}


def test_environment_yml_is_the_complete_environment():
    """environment.yml = everything [all] installs: the package, [book], [jupyter] and the
    build and test toolchain (jupyter-book, nbval, pytest, ...), so conda users can build
    and test; the package itself from the pip section."""
    conda = {_name(d) for d in _conda_specs("environment.yml")}
    assert conda == _conda_wanted("book", "jupyter", "dev")
    assert {CONDA_NAMES.get(t, t) for t in BUILD_TOOLS} <= conda
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in environment["dependencies"] if isinstance(d, dict))
    assert pip_section in (["."], ["-e ."]), "environment.yml must install the package itself"


def test_binder_environment_is_the_reader_extra():
    """binder/environment.yml = the package + [book] + [jupyter], no toolchain; postBuild
    installs the package itself from the repository."""
    conda = {_name(d) for d in _conda_specs("binder/environment.yml")}
    assert conda == _conda_wanted("book", "jupyter")
    assert "jupyterlab-myst" in conda
    assert conda & {CONDA_NAMES.get(t, t) for t in BUILD_TOOLS} == set()
    post_build = ROOT / "binder" / "postBuild"
    assert "pip install --no-deps -e ." in post_build.read_text()


@pytest.mark.parametrize("path", ["environment.yml", "binder/environment.yml"])
def test_environment_yml_admits_the_pinned_versions(path):
    """Every range in the conda environments admits the version the book is tested with,
    and both use the Python version CI tests the pins with first."""
    pins = _pins()
    pypi_names = {conda: pypi for pypi, conda in CONDA_NAMES.items()}
    for spec in _conda_specs(path):
        name = pypi_names.get(_name(spec), _name(spec))
        ranges = SpecifierSet(spec[len(_name(spec)) :].strip())
        assert pins[name].split("+")[0] in ranges, f"{spec} excludes the pinned {pins[name]}"
    environment = yaml.safe_load((ROOT / path).read_text())
    assert f"python={_oldest_python()}" in environment["dependencies"]


def test_constraints_pin_the_build():
    pins = _pins()
    assert pins["jupyter-book"] == "1.0.4.post1"
    assert pins["torch"] == "2.13.0"
    every = _project()["dependencies"] + sum(_extras().values(), [])
    unpinned = {_name(r).replace("_", "-") for r in every if _name(r) != "cnncourse"} - set(pins)
    assert unpinned == set(), f"constraints.txt lacks pins for {unpinned}"


def test_notebooks_are_committed_without_outputs():
    for path in notebooks():
        notebook = json.loads(path.read_text())
        for index, cell in enumerate(notebook["cells"]):
            if cell["cell_type"] != "code":
                continue
            assert cell.get("outputs", []) == [], f"{path.name} cell {index} has outputs"
            assert cell.get("execution_count") is None, f"{path.name} cell {index} was run"


# --- one repository setting -------------------------------------------------------------


def _repository_url():
    return _config()["repository"]["url"].rstrip("/")


def _text_files():
    skip = {".venv", "_build", "node_modules", ".git", "vendor", "__pycache__", "dist", "build"}
    skip.add("work")  # the learner's copy of book/
    suffixes = {".py", ".md", ".yml", ".yaml", ".toml", ".txt", ".cfg", ".ipynb", ".js", ".css"}
    suffixes.add(".cff")  # CITATION.cff
    for path in sorted(ROOT.rglob("*")):
        parts = set(path.relative_to(ROOT).parts)
        if parts & skip or any(p.endswith(".egg-info") for p in parts) or not path.is_file():
            continue
        if path.suffix in suffixes or path.name in ("Makefile", "run", "postBuild"):
            yield path


def test_repository_url_is_written_once():
    """The URL is in ``_config.yml`` once; elsewhere only in the generated install cells."""
    url = _repository_url()
    found = {}
    for path in _text_files():
        count = path.read_text(encoding="utf-8", errors="replace").count(url)
        if count and path.suffix != ".ipynb":
            found[str(path.relative_to(ROOT))] = count
    assert found == {"_config.yml": 1}, f"the repository URL is written in {found}"


def test_install_cells_are_current():
    """Every notebook starts with the cell tools/install_cells.py writes from _config.yml."""
    stale = [str(p.relative_to(ROOT)) for p in install_cells.stale()]
    assert stale == [], f"stale install cells in {stale}: run python tools/install_cells.py"


def test_install_cell_installs_from_the_configured_repository():
    url = _repository_url()
    branch = _config()["repository"].get("branch", "main")
    source = install_cells.cell_source()
    assert f'source = "cnncourse[book] @ git+{url}@{branch}"' in source
    assert '[sys.executable, "-m", "pip", "install", "--quiet", *wanted]' in source


def _third_party_imports(source):
    """Top-level names of the modules a piece of Python imports (magics dropped)."""
    lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
    tree = ast.parse("\n".join(lines))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names - set(sys.stdlib_module_names) - {"cnncourse", "__future__"}


def _requirement_closure(requirements):
    """Distributions installed by ``requirements``, following their own requirements."""
    seen, todo = set(), [Requirement(r) for r in requirements]
    while todo:
        requirement = todo.pop()
        name = requirement.name.lower().replace("_", "-")
        if name in seen:
            continue
        seen.add(name)
        for line in importlib.metadata.requires(requirement.name) or []:
            child = Requirement(line)
            if child.marker is None or child.marker.evaluate({"extra": ""}):
                todo.append(child)
    return seen


def test_install_cell_extra_covers_every_import():
    """What the notebooks and the package import is installed by cnncourse[book]."""
    imports = set()
    for path in notebooks():
        cells = json.loads(path.read_text())["cells"]
        for cell in cells:
            if cell["cell_type"] == "code":
                imports |= _third_party_imports("".join(cell["source"]))
    for path in (ROOT / "cnncourse").glob("*.py"):
        imports |= _third_party_imports(path.read_text())
    installed = _requirement_closure(_project()["dependencies"] + _extras()["book"])
    providers = importlib.metadata.packages_distributions()
    uncovered = {
        module: providers.get(module)
        for module in sorted(imports)
        if not {d.lower().replace("_", "-") for d in providers.get(module, [])} & installed
    }
    assert uncovered == {}, f"cnncourse[book] does not install {uncovered}"


# The install cell in three states of a fresh virtual environment (no packages at all), run by
# that environment's Python as a plain script. `python -m pip` finds a fake pip first on
# PYTHONPATH: it records its arguments, and "installs" by writing stub modules into a folder
# on the path (FAKE_PIP_PROVIDES), or fails the way pip does (FAKE_PIP_FAIL). No network.

FAKE_PIP = r"""
import json, os, pathlib, sys
site = pathlib.Path(os.environ["FAKE_SITE"])
with open(os.environ["FAKE_PIP_LOG"], "a") as log:
    log.write(json.dumps(sys.argv[1:]) + "\n")
if os.environ.get("FAKE_PIP_FAIL"):
    print("ERROR: Could not find a version that satisfies the requirement", file=sys.stderr)
    sys.exit(1)
for name in filter(None, os.environ.get("FAKE_PIP_PROVIDES", "").split(",")):
    (site / name).mkdir(exist_ok=True)
    (site / name / "__init__.py").write_text(f"__version__ = {os.environ['VERSION']!r}\n")
"""


@pytest.fixture(scope="module")
def bare_venv(tmp_path_factory):
    """A virtual environment with nothing installed, not even pip."""
    path = tmp_path_factory.mktemp("bare") / "venv"
    venv.create(path, with_pip=False)
    return path / "bin" / "python"


def _run_install_cell(bare_venv, tmp_path, present=(), provides=(), fail=False, version=None):
    """Run the cell in ``bare_venv`` with stub modules ``present``; return (result, pip calls)."""
    fake, site = tmp_path / "fake", tmp_path / "site"
    (fake / "pip").mkdir(parents=True)
    (fake / "pip" / "__main__.py").write_text(FAKE_PIP)
    site.mkdir()
    version = version or install_cells.package_version()
    for name in present:
        (site / name).mkdir()
        (site / name / "__init__.py").write_text(f"__version__ = {version!r}\n")
    log = tmp_path / "pip.log"
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": f"{fake}:{site}",
        "FAKE_SITE": str(site),
        "FAKE_PIP_LOG": str(log),
        "FAKE_PIP_PROVIDES": ",".join(provides),
        "VERSION": install_cells.package_version(),
    }
    if fail:
        env["FAKE_PIP_FAIL"] = "1"
    script = tmp_path / "cell.py"
    script.write_text(install_cells.cell_source())
    result = subprocess.run(
        [str(bare_venv), str(script)], capture_output=True, text=True, env=env, cwd=tmp_path
    )
    calls = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    return result, calls


NEEDED = install_cells.extra_needs()


def test_install_cell_does_nothing_when_installed(bare_venv, tmp_path):
    result, calls = _run_install_cell(bare_venv, tmp_path, present=["cnncourse", *NEEDED])
    assert calls == [] and result.returncode == 0, result.stderr
    printed = result.stdout.strip().splitlines()
    assert len(printed) == 1 and printed[0].startswith("cnncourse 0.") and "installed" in printed[0]


def test_install_cell_installs_cnncourse_when_absent(bare_venv, tmp_path):
    """No cnncourse: pip installs cnncourse[book] from the configured repository, once."""
    provides = ["cnncourse", *NEEDED]
    result, calls = _run_install_cell(bare_venv, tmp_path, provides=provides)
    requirement = install_cells.install_requirement()
    assert calls == [["install", "--quiet", requirement]]
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].startswith(f"Installed {requirement};")


def test_install_cell_adds_only_the_missing_package(bare_venv, tmp_path):
    """cnncourse present, torch missing: pip installs torch's requirement, not cnncourse."""
    present = ["cnncourse", *(name for name in NEEDED if name != "torch")]
    result, calls = _run_install_cell(bare_venv, tmp_path, present=present, provides=["torch"])
    assert calls == [["install", "--quiet", NEEDED["torch"]]]
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].startswith(f"Installed {NEEDED['torch']};")


def test_install_cell_reports_a_failing_pip(bare_venv, tmp_path):
    """pip fails: pip's message, then an error naming what failed and the command to run."""
    present = ["cnncourse", *(name for name in NEEDED if name != "torch")]
    result, calls = _run_install_cell(bare_venv, tmp_path, present=present, fail=True)
    assert calls == [["install", "--quiet", NEEDED["torch"]]]
    assert result.returncode != 0 and "Installed" not in result.stdout
    assert "Could not find a version" in result.stdout
    message = result.stderr.strip().splitlines()[-1]
    assert message.startswith("RuntimeError: pip could not install torch>=2.1 (exit code 1")
    assert f'-m pip install "{NEEDED["torch"]}"` in a terminal' in message


def test_install_cell_checks_the_import_after_pip(bare_venv, tmp_path):
    """pip exits 0 but torch is still not importable (another environment): an error."""
    present = ["cnncourse", *(name for name in NEEDED if name != "torch")]
    result, _ = _run_install_cell(bare_venv, tmp_path, present=present)
    assert result.returncode != 0 and "Installed" not in result.stdout
    assert "(exit code 0; still missing: torch)" in result.stderr


def test_install_cell_installs_over_an_incompatible_version(bare_venv, tmp_path):
    present = ["cnncourse", *NEEDED]
    result, calls = _run_install_cell(
        bare_venv, tmp_path, present=present, provides=["cnncourse"], version="0.0.9"
    )
    assert calls == [["install", "--quiet", install_cells.install_requirement()]]


# --- sdist and wheel metadata -----------------------------------------------------------


@pytest.fixture(scope="module")
def sdist(tmp_path_factory):
    """Build the sdist once (setuptools from this environment, no network)."""
    out = tmp_path_factory.mktemp("dist")
    command = [sys.executable, "-m", "build", "--sdist", "--no-isolation", "-o", str(out), "."]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    (path,) = out.glob("cnncourse-*.tar.gz")
    return path


def test_sdist_carries_what_its_tests_need(sdist):
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    needed = {
        "LICENSE",
        "README.md",
        "pyproject.toml",
        "setup.py",
        "_config.yml",
        "_toc.yml",
        "constraints.txt",
        "environment.yml",
        "tests/conftest.py",
        "tests/book_pages.py",
        "tools/install_cells.py",
        "cnncourse/__init__.py",
    }
    needed |= {str(p.relative_to(ROOT)) for p in (ROOT / "tests").glob("*.py")}
    needed |= {str(p.relative_to(ROOT)) for p in notebooks()}
    assert needed - names == set()


def test_sdist_metadata(sdist):
    with tarfile.open(sdist) as archive:
        member = next(
            m for m in archive.getmembers() if m.name.count("/") == 1 and "PKG-INFO" in m.name
        )
        info = archive.extractfile(member).read().decode()
    url = _repository_url()
    assert "License-Expression: MIT" in info
    assert "License-File: LICENSE" in info
    assert f"Project-URL: Source, {url}" in info
    assert f"Project-URL: Issues, {url}/issues" in info
    assert "Keywords: " in info and "Classifier: Intended Audience :: Education" in info
    assert "Provides-Extra: book" in info and "Provides-Extra: jupyter" in info
    assert "License :: " not in info, "the licence is an SPDX expression, not a classifier"
    assert "Typing :: Typed" not in info, "no py.typed marker ships, so do not declare one"
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")


@pytest.mark.book
def test_sdist_tests_run(sdist, tmp_path):
    """Unpacked, the sdist runs its own package tests against its own sources."""
    with tarfile.open(sdist) as archive:
        archive.extractall(tmp_path, filter="data")
    (root,) = tmp_path.iterdir()
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    command += ["cnncourse/pool.py", "tests/test_packaging.py", "-m", "not book"]
    command += ["-k", "pool or import_is_light or extras or environment or constraints"]
    env = {"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"}
    result = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-4000:]
    assert " passed" in result.stdout.splitlines()[-1]
    code = "import cnncourse, pathlib; print(pathlib.Path(cnncourse.__file__).parent.parent)"
    where = subprocess.run(
        [sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True
    )
    assert where.stdout.strip() == str(root)


# --- NumPy only ---------------------------------------------------------------------------

NUMPY_ONLY = r"""
import importlib
import json

import numpy as np

import cnncourse as cc

problems = []


def check(what, ok):
    if not ok:
        problems.append(what)


def attempt(what, call):
    try:
        call()
    except Exception as error:
        problems.append(f"{what}: {type(error).__name__}: {error}")


rng = np.random.default_rng(0)
x = rng.standard_normal((1, 2, 12, 12))


def small_conv():
    w = rng.standard_normal((3, 2, 3, 3))
    padded = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    loops = np.zeros((1, 3, 12, 12))
    for o in range(3):
        for i in range(12):
            for j in range(12):
                loops[0, o, i, j] = np.sum(padded[0, :, i : i + 3, j : j + 3] * w[o])
    check("conv2d 3x3 against loops", np.allclose(cc.conv2d(x, w, padding=1), loops))


def large_kernel_conv():  # >= 100 taps: the size the FFT algorithm is chosen for
    big = rng.standard_normal((1, 2, 11, 11))
    sums = [[np.sum(x[0, :, i : i + 11, j : j + 11] * big[0]) for j in range(2)] for i in range(2)]
    check("conv2d 11x11 against sums", np.allclose(cc.conv2d(x, big), np.array(sums)))


def pooling():
    blocks = x.reshape(1, 2, 6, 2, 6, 2)
    check("max_pool2d", np.allclose(cc.max_pool2d(x, 2), blocks.max(axis=(3, 5))))
    check("avg_pool2d", np.allclose(cc.avg_pool2d(x, 2), blocks.mean(axis=(3, 5))))


def signal():
    s, k = [1.0, 2.0, 3.0], [0.0, 1.0, 0.5]
    check("convolve", np.allclose(cc.convolve(s, k), np.convolve(s, k)))


for name, call in [("small conv", small_conv), ("large conv", large_kernel_conv),
                   ("pooling", pooling), ("signal", signal)]:
    attempt(name, call)


def needs_extra(what, extras, call):
    try:
        call()
    except ImportError as error:
        if not any(f"cnncourse[{extra}]" in str(error) for extra in extras):
            problems.append(f"{what}: the ImportError names no extra: {error}")
        return
    except Exception as error:
        problems.append(f"{what}: {type(error).__name__} instead of ImportError: {error}")
        return
    problems.append(f"{what} ran without its extra")


def module(name):
    return lambda: importlib.import_module(name)


needs_extra("cnncourse.nn", ["torch", "book"], module("cnncourse.nn"))
needs_extra("cnncourse.torch_ops", ["torch", "book"], module("cnncourse.torch_ops"))
for name in ("plotting", "widgets", "data"):
    importlib.import_module(f"cnncourse.{name}")
needs_extra("data.digits", ["book"], lambda: cc.data.digits())
needs_extra("data.photo", ["book"], lambda: cc.data.photo())
needs_extra("plotting.new_axes", ["book"], lambda: cc.plotting.new_axes())
needs_extra("widgets.scrubber", ["book"], lambda: cc.widgets.scrubber(lambda t: None, [0, 1]))
needs_extra("conv_matrix sparse", ["book"], lambda: cc.conv_matrix(np.ones(2), (4,), sparse=True))
print(json.dumps(problems))
"""


@pytest.mark.book
def test_numpy_only_install(tmp_path):
    """``pip install --no-deps .`` + NumPy, in a fresh venv: conv and pooling compute, and
    every optional part raises an ImportError that names the extra to install."""
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = str(env_dir / "bin" / "python")
    numpy = f"numpy=={_pins()['numpy']}"
    for args in (["--no-deps", str(ROOT)], [numpy]):
        result = subprocess.run(
            [python, "-m", "pip", "install", "--quiet", *args], capture_output=True, text=True
        )
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    listed = subprocess.run([python, "-m", "pip", "list", "--format=json"], capture_output=True)
    assert {p["name"].lower() for p in json.loads(listed.stdout)} <= {
        "numpy",
        "cnncourse",
        "pip",
        "setuptools",
    }
    result = subprocess.run(
        [python, "-c", NUMPY_ONLY], capture_output=True, text=True, cwd=tmp_path
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    problems = json.loads(result.stdout.strip().splitlines()[-1])
    assert problems == [], "\n".join(problems)
