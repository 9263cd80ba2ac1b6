"""The arithmetic explorer's geometry against torch (its picture is tested in test_book.py)."""

import itertools
import json
import re

import numpy as np
import pytest

from cnncourse.explorer import RANGES, arithmetic_explorer, arithmetic_geometry

torch = pytest.importorskip("torch")


def _torch_window(size, kernel_size, stride, padding, dilation, cell):
    """Padded input cells that output ``cell`` depends on: the nonzero gradient entries."""
    padded = torch.zeros(1, 1, size + 2 * padding, size + 2 * padding, dtype=torch.float64)
    padded.requires_grad_(True)
    weight = torch.ones(1, 1, kernel_size, kernel_size, dtype=torch.float64)
    out = torch.nn.functional.conv2d(padded, weight, stride=stride, dilation=dilation)
    out[0, 0, cell[0], cell[1]].backward()
    rows, cols = np.nonzero(padded.grad[0, 0].numpy())
    return out.shape[-1], sorted(zip(rows.tolist(), cols.tolist(), strict=True))


def test_geometry_matches_torch_on_random_settings():
    rng = np.random.default_rng(0)
    checked = invalid = 0
    for _ in range(300):
        n, k, s, p, d = (
            int(rng.integers(RANGES[name][1], RANGES[name][2] + 1)) for name in "nkspd"
        )
        cell = (int(rng.integers(0, 5)), int(rng.integers(0, 5)))
        got = arithmetic_geometry(n, k, s, p, d, cell)
        if d * (k - 1) + 1 > n + 2 * p:
            invalid += 1
            assert got["n_out"] is None and "larger than the padded input" in got["error"]
            with pytest.raises(RuntimeError):
                torch.nn.functional.conv2d(
                    torch.zeros(1, 1, n, n), torch.zeros(1, 1, k, k), padding=p, dilation=d
                )
            continue
        clipped = tuple(min(c, got["n_out"] - 1) for c in cell)
        n_out, window = _torch_window(n, k, s, p, d, clipped)
        assert got["n_out"] == n_out and got["cell"] == clipped
        assert got["window"] == window, (n, k, s, p, d, cell)
        inside = [(r, c) for r, c in window if p <= r < p + n and p <= c < p + n]
        assert got["on_padding"] == len(window) - len(inside)
        assert f"reads {len(inside)} input cell" in got["caption"]
        checked += 1
    assert checked > 100 and invalid > 5


def test_geometry_of_a_documented_case():
    # n5 k3 s2 p1: outputs 0, 1, 2 start at padded cells 0, 2, 4.
    got = arithmetic_geometry(5, 3, 2, 1, 1, (1, 2))
    assert got["n_out"] == 3 and got["padded"] == 7
    assert got["window"] == [(r, c) for r in (2, 3, 4) for c in (4, 5, 6)]
    # Padded column 6 is padding: 3 of the 9 taps read a padding zero.
    assert got["on_padding"] == 3
    assert got["caption"] == (
        "n5 k3 s2 p1 d1: output cell (1, 2) reads 6 input cells (orange) "
        "and 3 padding zeros (hatched)."
    )


def test_caption_counts_padding_taps_in_the_singular_too():
    got = arithmetic_geometry(3, 3, 1, 2, 1, (0, 0))  # a corner: one tap on the input
    assert got["on_padding"] == 8
    assert "reads 1 input cell (orange) and 8 padding zeros" in got["caption"]
    assert "no output" in arithmetic_geometry(2, 5, 1, 0, 2)["caption"]


def test_explorer_html_carries_its_script_and_start():
    html = arithmetic_explorer(size=7, padding=2)._repr_html_()
    assert "window.cnncourseArithmetic" in html and 'class="cc-arith"' in html
    config = json.loads(re.search(r'data-config="([^"]*)"', html).group(1).replace("&quot;", '"'))
    assert config["initial"] == {"n": 7, "k": 3, "s": 1, "p": 2, "d": 1}
    assert config["ranges"]["p"] == [0, 3]


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"size": 10}, ValueError, "`size` must be from 1 to 9"),
        ({"padding": -1}, ValueError, "`padding` must be from 0 to 3"),
        ({"stride": 1.5}, TypeError, "`stride` must be an int, got float"),
    ],
)
def test_explorer_rejects_bad_starts(kwargs, error, words):
    with pytest.raises(error, match=re.escape(words)):
        arithmetic_explorer(**kwargs)


def _brute_force_unread(size, kernel_size, stride, padding, dilation):
    """Input cells (padded coordinates) that no output of torch's conv2d depends on."""
    x = torch.zeros(1, 1, size, size, dtype=torch.float64, requires_grad=True)
    weight = torch.ones(1, 1, kernel_size, kernel_size, dtype=torch.float64)
    out = torch.nn.functional.conv2d(x, weight, stride=stride, padding=padding, dilation=dilation)
    out.sum().backward()
    rows, cols = np.nonzero(x.grad[0, 0].numpy() == 0)
    return sorted(
        (r + padding, c + padding) for r, c in zip(rows.tolist(), cols.tolist(), strict=True)
    )


def test_unread_cells_match_a_brute_force_count():
    counted = 0
    for n, k, s, p, d in itertools.product(
        range(1, 10), range(1, 6), range(1, 4), range(4), (1, 2)
    ):
        if d * (k - 1) + 1 > n + 2 * p:
            continue
        got = arithmetic_geometry(n, k, s, p, d)
        assert got["unread"] == _brute_force_unread(n, k, s, p, d), (n, k, s, p, d)
        assert ("No output reads" in got["caption"]) == bool(got["unread"])
        counted += bool(got["unread"])
    assert counted > 50


def test_stride_two_never_reads_the_last_cell():
    # n6 k3 s2 p0: outputs read cells 0-2 and 2-4; row 5 and column 5 (11 cells) are skipped.
    got = arithmetic_geometry(6, 3, 2, 0)
    assert got["n_out"] == 2
    assert got["unread"] == sorted({(r, 5) for r in range(6)} | {(5, c) for c in range(6)})
    assert got["caption"].endswith("No output reads 11 input cells (crossed out).")
    assert arithmetic_geometry(5, 3, 2, 0)["unread"] == []  # 5 cells: windows 0-2, 2-4
