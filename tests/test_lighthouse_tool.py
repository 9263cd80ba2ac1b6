"""``make lighthouse``: the pinned Lighthouse and the floor its run enforces (no browser here)."""

import json
import sys

from book_pages import ROOT

sys.path.insert(0, str(ROOT / "tools"))
import lighthouse as lighthouse_tool  # noqa: E402

FOLDER = ROOT / "tools" / "lighthouse"


def test_lighthouse_is_pinned_to_one_version_in_package_and_lock():
    wanted = json.loads((FOLDER / "package.json").read_text())["dependencies"]["lighthouse"]
    lock = json.loads((FOLDER / "package-lock.json").read_text())
    assert wanted[0].isdigit(), f"pin an exact version, not the range {wanted!r}"
    assert lock["packages"]["node_modules/lighthouse"]["version"] == wanted


def test_the_makefile_installs_from_the_lock_and_runs_the_tool():
    makefile = (ROOT / "Makefile").read_text()
    recipe = makefile.split("\nlighthouse:", 1)[1].split("\n\n", 1)[0]
    assert "npm install --prefix tools/lighthouse" in recipe
    assert "tools/lighthouse.py" in recipe and "--desktop" in recipe


def test_floor_fails_slow_or_inaccessible_pages_only():
    good = {"performance": 80, "accessibility": 100}
    assert lighthouse_tool.below_floor(good, 80) == []
    slow = {"performance": 79, "accessibility": 100}
    assert lighthouse_tool.below_floor(slow, 80) == ["performance 79 < 80"]
    inaccessible = {"performance": 95, "accessibility": 98}
    assert lighthouse_tool.below_floor(inaccessible, 80) == ["accessibility 98 < 100"]
