"""The GitHub workflows: valid YAML; CI tests the oldest and newest supported Python with
torch's CPU build and pip's cache, once per commit; Pages builds the book and PDF, uploads
them on pull requests and deploys them from the default branch; the README names the Pages
address that follows from ``repository:`` in _config.yml."""

import re
import tomllib

import yaml
from book_pages import ROOT

WORKFLOWS = ROOT / ".github" / "workflows"


def _workflow(name):
    workflow = yaml.safe_load((WORKFLOWS / name).read_text())
    workflow["on"] = workflow.pop(True, workflow.get("on"))  # YAML 1.1 reads `on:` as True
    return workflow


def _steps(job):
    return job["steps"]


def _uses(job):
    return [step["uses"].split("@")[0] for step in _steps(job) if "uses" in step]


def _python_versions():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    prefix = "Programming Language :: Python :: 3."
    minors = sorted(int(c[len(prefix) :]) for c in project["classifiers"] if c.startswith(prefix))
    return [f"3.{minor}" for minor in minors]


def _setup_python(job):
    return next(s for s in _steps(job) if s.get("uses", "").startswith("actions/setup-python"))


ONCE = "github.event.pull_request.head.repo.full_name != github.repository"


def test_ci_tests_oldest_and_newest_python_with_cpu_torch_and_a_pip_cache():
    workflow = _workflow("ci.yml")
    assert {"push", "pull_request"} <= set(workflow["on"])
    (job,) = workflow["jobs"].values()
    assert ONCE in job["if"], "a same-repository pull request would run CI a second time"
    versions = _python_versions()
    assert job["strategy"]["matrix"]["python-version"] == [versions[0], versions[-1]]
    setup = _setup_python(job)
    assert setup["with"]["python-version"] == "${{ matrix.python-version }}"
    assert setup["with"]["cache"] == "pip"
    (run,) = [s for s in _steps(job) if s.get("run") == "bash .ci/run"]
    assert run["env"]["TORCH_INDEX"] == "cpu"


def test_pages_builds_the_book_and_pdf_and_deploys_from_the_default_branch():
    workflow = _workflow("pages.yml")
    assert {"push", "pull_request"} <= set(workflow["on"])
    build, deploy = workflow["jobs"]["build"], workflow["jobs"]["deploy"]
    (make,) = [s for s in _steps(build) if s.get("run") == "make pdf"]
    assert make["env"]["TORCH_INDEX"] == "cpu"
    assert _setup_python(build)["with"]["cache"] == "pip"
    default = "github.ref == format('refs/heads/{0}', github.event.repository.default_branch)"
    uploads = {s["uses"].split("@")[0]: s for s in _steps(build) if "upload" in s.get("uses", "")}
    assert uploads["actions/upload-pages-artifact"]["if"] == default
    assert uploads["actions/upload-artifact"]["if"] == default.replace("==", "!=")
    assert {s["with"]["path"] for s in uploads.values()} == {"_build/html"}
    assert deploy["needs"] == "build" and default in deploy["if"]
    assert "github.event_name != 'pull_request'" in deploy["if"]
    assert _uses(deploy) == ["actions/deploy-pages"]
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["environment"]["name"] == "github-pages"


def pages_address():
    """``https://OWNER.github.io/NAME/`` of the repository named in _config.yml."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    url = config["repository"]["url"].rstrip("/")
    owner, name = re.fullmatch(r"https://github\.com/([^/]+)/([^/]+)", url).groups()
    return f"https://{owner.lower()}.github.io/{name}/"


def test_readme_names_the_pages_address():
    readme = (ROOT / "README.md").read_text()
    assert pages_address() in readme
    assert f"{pages_address()}cnncourse.pdf" in readme
