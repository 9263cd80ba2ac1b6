"""The Makefile's settings reach the commands they are for (``make -n``, nothing installed),
and ``make jupyter``'s learner copy of book/ is made once and never overwritten."""

import os
import shutil
import subprocess

import pytest
from book_pages import ROOT

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")


def _dry_run(*args):
    """The commands ``make -n -B ARGS`` would run (every target out of date), one per line."""
    result = subprocess.run(
        ["make", "-n", "-B", "-C", str(ROOT), "--no-print-directory", *args],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def _jupyter_line(*args):
    (line,) = [line for line in _dry_run("jupyter", *args) if "jupyter lab" in line]
    return line


def test_jupyter_args_reach_jupyter_lab():
    line = _jupyter_line("JUPYTER_ARGS=--no-browser --port=8890 --IdentityProvider.token=t")
    assert line.endswith(" --no-browser --port=8890 --IdentityProvider.token=t work/")
    root = os.geteuid() == 0  # as root (containers, CI) the command carries --allow-root
    assert ("jupyter lab --allow-root --no-browser" in line) == root


def test_jupyter_allows_root_only_as_root():
    assert " --allow-root --no-browser " in _jupyter_line("USER_ID=0", "JUPYTER_ARGS=--no-browser")
    assert "--allow-root" not in _jupyter_line("USER_ID=1000")


def _pip_install_line(*args):
    (line,) = [line for line in _dry_run(".venv/.installed", *args) if '-e ".[all]"' in line]
    return line


def test_torch_index_reaches_pip():
    cpu = "--extra-index-url https://download.pytorch.org/whl/cpu -c constraints.txt"
    assert cpu in _pip_install_line("TORCH_INDEX=cpu")
    url = "https://example.org/whl/rocm"
    assert f"--extra-index-url {url} " in _pip_install_line(f"TORCH_INDEX={url}")
    assert "--extra-index-url" not in _pip_install_line()


def test_learner_copy_is_made_once_and_never_overwritten(tmp_path):
    """``make work`` copies book/ into work/; a second run keeps the learner's edits, adds
    what is new in book/, and book/ itself is never written."""
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    book = tmp_path / "book"
    book.mkdir()
    (book / "a.ipynb").write_text("committed a")
    (book / "b.md").write_text("committed b")

    def make_work():
        command = ["make", "-s", "-C", str(tmp_path), "--no-print-directory", "work"]
        subprocess.run(command, check=True, capture_output=True)

    make_work()
    work = tmp_path / "work"
    assert sorted(p.name for p in work.iterdir()) == ["a.ipynb", "b.md"]
    assert (work / "a.ipynb").read_text() == "committed a"
    (work / "a.ipynb").write_text("the learner's run")
    (book / "a.ipynb").write_text("committed a, changed upstream")
    (book / "c.ipynb").write_text("a new chapter")
    make_work()
    assert (work / "a.ipynb").read_text() == "the learner's run"
    assert (work / "c.ipynb").read_text() == "a new chapter"
    assert (book / "a.ipynb").read_text() == "committed a, changed upstream"


def test_learner_copy_is_git_ignored():
    result = subprocess.run(
        ["git", "-C", str(ROOT), "check-ignore", "-q", "work/intro.ipynb"], capture_output=True
    )
    if result.returncode == 128:
        pytest.skip("not a git checkout (an unpacked sdist)")
    assert result.returncode == 0, "work/ is not git-ignored"
