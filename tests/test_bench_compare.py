"""tools/bench_compare.py: one harness times both trees and says which tree each worker ran."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import bench_compare  # noqa: E402


def test_compares_a_tree_with_itself(tmp_path):
    """Both workers import the tree they are given; one row per case, ratio and output check."""
    report_file = tmp_path / "report.json"
    command = [
        sys.executable,
        str(ROOT / "tools" / "bench_compare.py"),
        *("--before", str(ROOT), "--after", str(ROOT)),
        *("--only", "MNIST", "--backends", "numpy", "--rounds", "2"),
        *("--min-seconds", "0.01", "--json", str(report_file)),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)
    report = json.loads(report_file.read_text())
    for version in ("before", "after"):
        assert report["workers"][version]["file"] == str(ROOT / "cnncourse" / "__init__.py")
        assert report["workers"][version]["fft_workers"] == 1  # --threads 1 is the default
    (row,) = report["rows"]
    assert row["case"].startswith("MNIST") and row["backend"] == "numpy"
    assert len(row["before"]) == len(row["after"]) == 2
    assert row["ratio_range"][0] <= row["ratio"] <= row["ratio_range"][1]
    assert row["same_inputs"] and row["output_difference"] == 0.0
    assert row["algorithm"] == ["shifted-gemm", "shifted-gemm"]
    table = [line for line in result.stdout.splitlines() if line.startswith("| MNIST")]
    assert len(table) == 1 and f"**{row['ratio']:.2f}**" in table[0]


def test_refuses_a_tree_without_the_package(tmp_path):
    command = [sys.executable, str(ROOT / "tools" / "bench_compare.py"), "--before", "no/such/tree"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and "'no/such/tree'" in result.stderr


def test_trees_without_a_grid_take_this_checkouts():
    """No copy of the grid: two trees without ``bench.GRID`` are timed on this one's cases."""
    from cnncourse import bench

    cases = bench_compare.union_grid([[], []])
    assert [c["name"] for c in cases] == [c.name for c in bench.GRID]
    assert cases[3]["kwargs"] == dict(bench.GRID[3].kwargs)
    assert not hasattr(bench_compare, "FALLBACK_GRID")
