"""A missing optional dependency gets an ImportError that names the extra to install.

Each case runs in a fresh interpreter in which the dependency is made unimportable
(``sys.modules[name] = None``, which is what Python does for a module it cannot find).
"""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

CASES = [
    ("torch", "import cnncourse.nn", 'cnncourse.nn needs torch', "torch"),
    ("torch", "from cnncourse import bench; bench.main(['--repeat', '1'])",
     "python -m cnncourse.bench needs torch", "torch"),
    ("sklearn", "from cnncourse import data; data.digits()",
     "cnncourse.data.digits needs sklearn.datasets", "book"),
    ("scipy.ndimage", "from cnncourse import frames; frames.rotate_image([[1.0]], 30)",
     "cnncourse.frames.motivation needs scipy.ndimage", "book"),
    ("matplotlib", "from cnncourse import frames; frames.draw_flip_frame([1.0], [1.0], 0)",
     "cnncourse.frames.convolution needs matplotlib", "book"),
]  # fmt: skip


@pytest.mark.parametrize("missing, code, words, extra", CASES, ids=[c[1] for c in CASES])
def test_missing_dependency_names_the_extra(missing, code, words, extra):
    program = (
        "import sys\n"
        f"sys.modules[{missing!r}] = None\n"
        "try:\n"
        f"    {code}\n"
        "except ImportError as error:\n"
        "    print(type(error).__name__, error)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", program], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert words in done.stdout, done.stdout
    assert f'pip install "cnncourse[{extra}]"' in done.stdout, done.stdout


def test_the_package_imports_without_torch():
    program = "import sys; sys.modules['torch'] = None; import cnncourse as cc; print(cc.conv2d)"
    done = subprocess.run(
        [sys.executable, "-c", program], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
