"""``python -m cnncourse.bench`` without torch answers in one line that names the extra to
install, never with a traceback (the bench times NumPy next to torch, so it needs torch)."""

import os
import subprocess
import sys

from book_pages import ROOT


def test_bench_without_torch_answers_in_one_line(tmp_path):
    # A torch that cannot be imported, first on the path: what a NumPy-only install looks like.
    (tmp_path / "torch").mkdir()
    (tmp_path / "torch" / "__init__.py").write_text(
        "raise ModuleNotFoundError(\"No module named 'torch'\", name='torch')\n"
    )
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), str(ROOT)]))
    command = [sys.executable, "-m", "cnncourse.bench", "--repeat", "1"]
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=tmp_path)
    assert done.returncode == 1
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("python -m cnncourse.bench needs torch")
    assert line.endswith('pip install "cnncourse[torch]"')
