"""The appendix's machinery: GEMM shapes and reuse, its tables, sentences and figures.

Timings are never checked here, only what is computed from them: the functions that turn
rows into tables are fed made-up rows.
"""

import math

import numpy as np
import pytest

import cnncourse as cc
from cnncourse import bench
from cnncourse import figures_performance as fp

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.text import Text  # noqa: E402

GEMM_CASES = [c for c in bench.GRID if c.op == "conv2d" and c.algorithm() != "fft"]
SMALL = bench.Case("small 2x3x9x8 -> 4, 3x2", "conv2d", (2, 3, 9, 8), (4, 3, 3, 2), {"padding": 1})


def fake_rows():
    """One made-up :func:`bench.run_grid` row per grid case: NumPy 2 ms, torch 1 ms, F 1 ms."""
    return [
        {"case": c.name, "op": c.op, "algorithm": c.algorithm(), "flops": 10**9,
         "numpy": 0.002, "torch": 0.001, "F": 0.001, "numpy_peak_bytes": 3 * 2**20}
        for c in bench.GRID
    ]  # fmt: skip


def fake_profiles():
    with cc.use_algorithm("shifted-gemm"):  # as the appendix profiles them
        return [
            {"case": c.name, "blocks": bench.gemm_blocks(c), "flops": 10**9, "numpy": 0.004,
             "gemm": 0.001, "F": 0.001}
            for c in GEMM_CASES
        ]  # fmt: skip


def test_work_per_load_counts_each_entry_once_per_use():
    assert bench.gemm_work_per_load(1024, 1024, 1024) == pytest.approx(2 * 1024 / 3)
    m, k, n = 16, 27, 65470
    # a brute-force count: every multiply-add reads one entry of A and one of B
    assert bench.gemm_work_per_load(m, k, n) == 2 * m * k * n / (m * k + k * n + m * n)
    assert round(bench.gemm_work_per_load(m, k, n)) == 20  # thin: memory bound
    assert bench.gemm_work_per_load(2, 3, 4) == bench.gemm_work_per_load(4, 3, 2)


@pytest.mark.parametrize("case", [*GEMM_CASES, *bench.size_sweep((8, 64)), SMALL], ids=str)
def test_gemm_blocks_are_the_products_the_backend_runs(case, monkeypatch):
    calls = []
    matmul = np.matmul

    def recording(a, b, *args, **kwargs):
        # a batched product (a block of images) runs one BLAS product per image
        calls.extend([(a.shape[-2], a.shape[-1], b.shape[-1])] * (len(b) if b.ndim == 3 else 1))
        return matmul(a, b, *args, **kwargs)

    x, w = case.arrays(np.float32, np.random.default_rng(0))
    with cc.use_algorithm("shifted-gemm"):  # as the appendix profiles them
        monkeypatch.setattr(np, "matmul", recording)
        cc.conv2d(x, w, **case.kwargs)
        monkeypatch.undo()
        assert calls == bench.gemm_blocks(case)


def test_gemm_blocks_refuse_what_runs_no_product():
    with pytest.raises(ValueError, match="fft"):
        bench.gemm_blocks(next(c for c in bench.GRID if "31x31" in c.name))
    with pytest.raises(ValueError):
        bench.gemm_blocks(next(c for c in bench.GRID if c.op == "max_pool2d"))


def test_time_gemm_blocks_reports_the_three_times():
    result = bench.time_gemm_blocks(SMALL, repeat=1, min_seconds=0)
    assert result["blocks"] == bench.gemm_blocks(SMALL)
    assert result["flops"] == sum(2 * m * k * n for m, k, n in result["blocks"])
    assert result["numpy"] > 0 and result["gemm"] > 0 and result["F"] > 0


def test_time_gemm_blocks_runs_the_rule_once_not_per_timed_call(monkeypatch):
    """The whole call's algorithm is worked out before the clock starts: the rule builds new
    arrays and checks their data (18 ms on the 64-channel layer), which per call had made
    NumPy's time 2.6 to 4.3 times too long."""
    ruled = []
    algorithm = bench.Case.algorithm
    monkeypatch.setattr(bench.Case, "algorithm", lambda *a: ruled.append(a) or algorithm(*a))
    counts = []
    for repeat in (5, 20):
        ruled.clear()
        bench.time_gemm_blocks(SMALL, repeat=repeat, min_seconds=0)
        counts.append(len(ruled))
    assert counts[0] == counts[1] <= 4  # set up before timing, however many calls are timed


def test_reference_rate_is_a_positive_rate(monkeypatch):
    clock = iter(range(1000))  # every product "takes" one second on this clock
    monkeypatch.setattr(bench.time, "perf_counter", lambda: next(clock))
    assert bench.reference_gemm_rate(size=8, repeat=2, min_seconds=0) == 2 * 8**3 / 1e9


def test_edge_detection_times_one_list_per_method():
    times = bench.edge_detection_times([4, 8, 16], dense_up_to=8, repeat=1, min_seconds=0)
    assert list(times) == ["convolution", "sparse matrix", "dense matrix"]
    assert all(len(t) == 3 for t in times.values())
    assert math.isnan(times["dense matrix"][2]) and times["dense matrix"][1] > 0


def test_tables_have_a_cell_per_column_and_few_columns():
    rows, profiles = fake_rows(), fake_profiles()
    algorithm_rows = [{"case": "a", "chosen": "fft", "im2col": 2.0, "shifted-gemm": 3.0,
                       "fft": 1.0, "winograd": 4.0, "winograd4": 3.0}]  # fmt: skip
    tables = [
        fp.time_table(rows),
        fp.rate_table(rows, peak=100.0),
        fp.gemm_table(profiles, peak=100.0, rows=rows),
        fp.algorithm_table(algorithm_rows, ("im2col", "shifted-gemm", "fft", "winograd4")),
        fp.sweep_table(rows[:3], [8, 16, 32]),
        fp.growth_table([1, 2], {"a": [1.0, 3.0]}, small=1, large=2)[1],
        fp.winograd_error_table(fake_error_rows()),
        fp.winograd_sweep_table(fake_sweep_rows()),
    ]
    for header, body in tables:
        assert len(header) <= 6  # narrow enough for the page at 1280 px
        assert all(len(row) == len(header) for row in body)
    header, body = fp.rate_table(rows, peak=100.0)
    assert body[0][4] == "3"  # MiB
    fft_row = next(row for row in body if row[1].startswith("fft"))
    assert "effective" in fft_row[1]
    rows[3]["algorithm"] = "winograd4"  # Winograd's rate is effective too
    assert fp.rate_table(rows, peak=100.0)[1][3][1] == "winograd4 (effective)"
    assert fp.rate_table(rows, peak=100.0)[1][2][1] == rows[2]["algorithm"]
    assert fp.algorithm_table(algorithm_rows, cc.ALGORITHMS)[1][0][-1] == "fft (1.00)"
    # every algorithm timed gets a column; "depthwise", timed on no case here, none
    header = fp.algorithm_table(algorithm_rows, cc.ALGORITHMS)[0]
    assert header[1:-1] == [f"{name} ms" for name in cc.ALGORITHMS if name != "depthwise"]


def test_rates_are_operations_over_time():
    rows = fake_rows()
    _, body = fp.rate_table(rows, peak=250.0)
    assert body[0][2] == "500.0 (200%)"  # 10^9 operations in 2 ms, twice the reference
    assert body[0][3] == "1000.0 (400%)"
    profiles = fake_profiles()
    for p in profiles:
        p["flops"] = 2 * 10**9  # the products' own count: not the page's count
    _, body = fp.gemm_table(profiles, peak=500.0, rows=rows)
    # the direct sum's 10^9 operations in 1 ms, whatever the products' own count
    assert body[0][3] == "25%" and body[0][4] == "1000 (200%)"
    big = next(row for row in body if row[0] == fp.short("8x64x56x56 -> 64, 3x3"))
    assert big[1] == "64 × 576 × ≤ 7,281, 4 blocks" and big[2] == "114"


def test_sentences_quote_the_rows():
    rows, profiles = fake_rows(), fake_profiles()
    text = fp.comparison_markdown(rows)  # NumPy 2 ms against 1 ms for torch and F
    assert "NumPy was clearly faster" not in text and "(a tie)" not in text
    assert text.count("; ") == len(rows) - 1
    rows[0]["numpy"] = 0.00108  # 8% over torch: a tie
    rows[1]["numpy"], rows[1]["F"] = 0.0005, 0.0008  # under both by over 15%
    text = fp.comparison_markdown(rows)
    assert f"faster than both torch columns on: {fp.short(rows[1]['case'])}." in text
    assert f"(a tie): {fp.short(rows[0]['case'])}." in text
    rows[2]["F"] = 0.0019  # over torch by 100%, but within 15% of F: a tie
    assert fp.short(rows[2]["case"]) in fp.comparison_markdown(rows).split("(a tie)")[1]
    rows = fake_rows()
    why = fp.why_markdown(rows, profiles, peak=100.0)
    assert (
        "(the algorithm the time table ran there: shifted-gemm): the matrix products alone "
        "took 25% of NumPy's call, at 1000% of the reference rate; torch's whole "
        "convolution took 1.00 times the products' time (the same as the products alone, "
        "within the noise) and 0.25 times NumPy's whole call." in why
    )
    assert " ms" not in why  # ratios within one measurement, no times of it
    assert "10000.00 µs at the reference rate" in why  # 10^9 operations at 10^11 per second
    assert "busy" not in why
    wide = next(p for p in profiles if p["case"].startswith("8x64"))
    wide["F"] = 0.0005  # torch 0.5 ms against products of 1 ms, in the same measurement
    assert "took 0.50 times the products' time (less than the products alone)" in (
        fp.why_markdown(rows, profiles, peak=100.0)
    )
    rows[3]["torch"] = 0.0001  # the time table's torch: not what the bullets compare
    assert "took 0.50 times the products' time" in fp.why_markdown(rows, profiles, peak=100.0)
    wide["F"] = 0.00105  # 5% over: within the noise, not "more"
    assert "more than the products" not in fp.why_markdown(rows, profiles, peak=100.0)
    wide["F"] = 0.001
    profiles[0]["gemm"] = 2 * profiles[0]["numpy"]  # the products slower than the whole call
    assert "this machine was busy" in fp.why_markdown(rows, profiles, peak=100.0)
    assert fp.fastest_rate_markdown(rows, peak=100.0).count("GFLOP/s") == 2
    sweep = [dict(rows[0], numpy=0.001, torch=0.001), dict(rows[0], numpy=0.1, torch=0.05)]
    sentence = fp.sweep_markdown(sweep, [8, 128], rows[3])
    assert "NumPy's time grew 100× and torch's grew 50×" in sentence and "256×" in sentence
    sweep[1]["torch"] = 0.0035
    sentence = fp.sweep_markdown(sweep, [8, 128], rows[3])
    assert "torch's grew 3.5×" in sentence
    # 100x and 3.5x for 256x the pixels: both under half, fixed costs at n = 8
    assert "NumPy's and torch's grew by less than half as much as the pixels" in sentence
    assert "1.00 at n = 8 (a tie)" in sentence and "28.57 at n = 128 (torch was faster)" in sentence
    sweep[1]["torch"] = 0.0001  # a time that shrank
    assert "torch's fell to 0.1 of its value" in fp.sweep_markdown(sweep, [8, 128], rows[3])
    sweep[1].update(numpy=0.2, torch=0.2)  # 200x for 256x: mostly arithmetic
    assert "arithmetic dominated" in fp.sweep_markdown(sweep, [8, 128], rows[3])


def test_ratio_text_keeps_two_significant_digits():
    assert fp.ratio_text(0.00083) == "0.00083" and fp.ratio_text(0.054) == "0.054"
    assert fp.ratio_text(1.234) == "1.23" and fp.ratio_text(0.1) == "0.10"
    rows = fake_rows()
    rows[1]["numpy"] = rows[1]["torch"] / 1200
    assert fp.time_table(rows)[1][1][4] == "0.00083"


def test_fastest_rate_counts_every_torch_convolution():
    rows = fake_rows()
    wide = next(r for r in rows if r["case"].startswith("8x64"))
    wide["algorithm"], wide["torch"] = "winograd4", 0.0001  # torch's fastest: a direct rate
    text = fp.fastest_rate_markdown(rows, peak=100.0)
    assert "torch 10000 GFLOP/s (10000%, 64 ch, 56²)" in text
    assert "NumPy 500 GFLOP/s" in text and "for NumPy the cases it runs by" in text


def test_torch_wins_and_interference_sentences():
    rows = fake_rows()  # NumPy 2 ms, torch and F 1 ms
    count = sum(r["op"] == "conv2d" for r in rows)
    assert f"clearly faster than NumPy on {count} of the {count} convolutions" in (
        fp.torch_wins_markdown(rows)
    )
    for r in rows:
        r["F"] = 0.0019  # within the noise of NumPy's time: not a win
    assert f"on 0 of the {count} convolutions." in fp.torch_wins_markdown(rows)
    result = {"alone": 1e-5, "after": 6.6e-3, "blas_threads": 2, "torch_threads": 2}
    text = fp.interference_markdown(result)
    assert "0.010 ms in a block" in text and "6.600 ms right after" in text
    assert text.endswith("660 times as long.")
    result["after"] = 1.1e-5
    assert "no slower beyond the noise" in fp.interference_markdown(result)
    assert "busy" not in fp.interference_markdown(result)
    result.update(alone=7e-3, after=1.2e-2)  # other processes held the cores
    assert "2 times as long. Alone it should take microseconds" in fp.interference_markdown(result)


def test_roofline_sentence_names_the_sides_and_the_points_above():
    rows, profiles = fake_rows(), fake_profiles()  # rates 1000 GFLOP/s
    text = fp.roofline_markdown(profiles, rows, peak=100.0, bandwidth=40.0)  # corner 10
    assert "corner lies at 10 operations" in text and "ran faster than the reference" in text
    assert "every product lies right of it" not in text  # MNIST's and Fig 9.6's are thin
    assert "faster than main memory could feed them" in text  # 1000 > 40 x / 4 for x < 100
    text = fp.roofline_markdown(profiles, rows, peak=1e5, bandwidth=4e6)  # corner 0.1
    assert "every product lies right of it" in text and "No product ran faster" in text
    assert "main memory" not in text  # 4e6 x / 4 is far above every rate


def test_ties_are_decided_as_printed():
    assert fp.relation(1.1498) == fp.relation(1.1502) == "tie"  # both print 1.15
    assert fp.relation(1.156) == "more" and fp.relation(0.8696) == "tie"


def test_gemm_shape_table_of_the_64_channel_layer():
    _, body = fp.gemm_shape_table(64, 576, 3136, matrix_size=1806336, input_size=200704)
    assert [value for _, value in body] == [
        "64 × 576 × 3136", "231 million", "113", "1,806,336 numbers (9× the input)"
    ]  # fmt: skip


def test_im2col_table_rows_are_kernel_taps():
    columns = cc.unfold(np.arange(12.0).reshape(1, 1, 3, 4), 2)[0]
    header, body = fp.im2col_table(columns, np.array([[1.0, 2.0], [3.0, 4.0]]), out_w=3)
    assert header[1:] == ["S(0, 0)", "S(0, 1)", "S(0, 2)", "S(1, 0)", "S(1, 1)", "S(1, 2)"]
    assert body[1] == ("(0, 1), K = 2", "1", "2", "3", "5", "6", "7")


def test_figures_draw_every_case_and_the_reference_rate():
    rows = fake_rows()
    fig = fp.draw_times(rows)
    assert len(fig.axes[0].patches) == 2 * len(rows)
    fig = fp.draw_rates(rows, peak=123.0)
    conv = [r for r in rows if r["op"] == "conv2d"]
    assert len(fig.axes[0].patches) == 2 * len(conv)
    assert any(list(line.get_ydata()) == [123.0, 123.0] for line in fig.axes[0].lines)
    fig = fp.draw_sweep(rows[:3], [8, 16, 32], peak=123.0)
    labels = [line.get_label() for line in fig.axes[0].lines]
    assert "∝ pixels (n²)" in labels
    dotted = next(line for line in fig.axes[0].lines if line.get_label() == "∝ pixels (n²)")
    assert dotted.get_ydata()[-1] == pytest.approx(rows[2]["numpy"] * 1e3)
    fig = fp.draw_edge_times([16, 32], {"a": [1e-6, 2e-6], "b": [1e-6, np.nan]})
    assert len(fig.axes[0].lines) == 2
    plt.close("all")


def fake_error_rows():
    """Made-up :func:`bench.winograd_errors` rows: plain data, then a spike."""
    return [
        {"case": "layer", "spoiler": "none", "dtype": "float32", "shifted-gemm": 1.4,
         "winograd": 1.1, "winograd4": 24.6, "relative4": 6.3e-6, "of_bound": 0.003,
         "allowed": True, "chosen": "winograd4"},
        {"case": "layer", "spoiler": "spike", "dtype": "float64", "shifted-gemm": 1.0,
         "winograd": 25726.9, "winograd4": 4.5e7, "relative4": 1e-14, "of_bound": 0.33,
         "allowed": False, "chosen": "shifted-gemm"},
    ]  # fmt: skip


def fake_sweep_rows():
    """Made-up :func:`bench.winograd_sweep` rows: Winograd slower at 16 channels, faster at 64."""
    return [
        {"channels": 16, "side": 28, "shifted-gemm": 0.002, "winograd": 0.003,
         "winograd4": 0.0025, "chosen": "shifted-gemm"},
        {"channels": 64, "side": 28, "shifted-gemm": 0.02, "winograd": 0.015,
         "winograd4": 0.012, "chosen": "winograd4"},
        {"channels": 16, "side": 56, "shifted-gemm": 0.008, "winograd": 0.012,
         "winograd4": 0.01, "chosen": "shifted-gemm"},
        {"channels": 64, "side": 56, "shifted-gemm": 0.08, "winograd": 0.06,
         "winograd4": 0.048, "chosen": "winograd4"},
    ]  # fmt: skip


def test_winograd_tables_quote_the_rows():
    header, body = fp.winograd_error_table(fake_error_rows())
    assert header[3:] == ["F(2×2,3×3)", "F(4×4,3×3)", "F(4×4,3×3) ÷ max|y|"]  # the 2-D names
    assert body[0] == ("layer", "float32", "1.4", "1.1", "24.6", "6.3e-06")
    assert body[1][0] == "layer (spike)" and body[1][3] == "2.57e+04" and body[1][4] == "4.5e+07"
    header, body = fp.winograd_sweep_table(fake_sweep_rows())
    assert body[1] == ("28", "64", "20.00", "0.75", "0.60", "F(4×4,3×3)")


def test_winograd_sweep_figure_draws_the_ratio():
    fig = fp.draw_winograd_sweep(fake_sweep_rows())
    (f4, f2, *_) = fig.axes[0].get_lines()
    np.testing.assert_allclose(f4.get_ydata(), [1.25, 0.6])
    np.testing.assert_allclose(f2.get_ydata(), [1.5, 0.75])
    assert len(fig.axes[0].get_legend().get_texts()) == 4
    plt.close(fig)


def test_winograd_errors_and_sweep_on_a_small_layer():
    """The bench functions on a layer small enough for a test (times: only positive)."""
    case = bench.Case("tiny", "conv2d", (2, 4, 10, 9), (3, 4, 3, 3), {"padding": 1})
    rows = bench.winograd_errors([case], spoilers=bench.SPOILERS)
    assert len(rows) == 2 * len(bench.SPOILERS)
    assert all(r["of_bound"] <= 1 for r in rows)
    assert all(r["winograd4"] > 0 and 0 < r["relative4"] < 1e-4 for r in rows)
    assert [r["allowed"] for r in rows if r["spoiler"] == "spike"] == [False, False]
    # computed past the check: conv2d itself refuses Winograd on such data
    assert all(r["chosen"] == "shifted-gemm" for r in rows if r["spoiler"] == "spike")
    rows = bench.winograd_sweep(channels=(4,), sides=(8, 9), batch=1, repeat=1, min_seconds=0)
    assert [r["side"] for r in rows] == [8, 9]
    names = ("shifted-gemm", "winograd", "winograd4")
    assert all(r[n] > 0 for r in rows for n in names) and rows[0]["chosen"] == "shifted-gemm"
    with pytest.raises(ValueError, match="spoiler"):
        bench.winograd_errors([case], spoilers=("bad",))


def test_relation_counts_small_differences_as_ties():
    assert fp.relation(1.0) == fp.relation(1.14) == fp.relation(1 / 1.14) == "tie"
    assert fp.relation(1.2) == "more" and fp.relation(0.8) == "less"
    assert fp.relation(1.2, band=0.25) == "tie"


def test_short_names_are_short_and_distinct():
    names = [c.name for c in bench.GRID] + ["1x1x256x256, 31x31 kernel"]
    shorts = [fp.short(name) for name in names]
    assert len(set(shorts)) == len(shorts) and max(map(len, shorts)) <= 18
    assert all("->" not in s for s in shorts) and fp.short("other") == "other"


def test_growth_table_keeps_small_factors():
    _, (_, body) = fp.growth_table([1, 2], {"a": [1.0, 1.4], "b": [1.0, 30.0]}, 1, 2)
    assert body[0][1:] == ("1.4×", "30×")


def _labels_apart(fig, count):
    """The point labels of a roofline: one per point, inside the axes, none overlapping
    another or the legend (which sits under the axes)."""
    ax = fig.axes[0]
    fig.canvas.draw()  # places the annotations' texts
    renderer = fig.canvas.get_renderer()
    boxes = [Text.get_window_extent(text, renderer) for text in ax.texts]  # the text alone
    assert len(boxes) == count
    inside = ax.get_window_extent(renderer)
    legend = ax.get_legend().get_window_extent(renderer)
    for i, box in enumerate(boxes):
        assert inside.x0 <= box.x0 and box.x1 <= inside.x1, ax.texts[i].get_text()
        assert inside.y0 <= box.y0 and box.y1 <= inside.y1, ax.texts[i].get_text()
        assert not box.overlaps(legend)
        assert not any(box.overlaps(other) for other in boxes[i + 1 :]), ax.texts[i].get_text()


def test_place_labels_keeps_crowded_labels_apart():
    fig, ax = plt.subplots(figsize=(3.3, 3))
    xy = np.array([[100.0, 200.0], [110.0, 215.0], [20.0, 110.0], [37.0, 95.0]])
    ax.scatter(*xy.T)
    ax.set_xscale("log"), ax.set_yscale("log")
    ax.set_xlim(1, 1000), ax.set_ylim(10, 1000)
    fig.tight_layout()
    labels = fp.place_labels(ax, xy, ["64 ch, 56²", "strided 3x3/2", "CIFAR", "Fig 9.11"], 7)
    fig.canvas.draw()  # places the annotations' texts
    renderer = fig.canvas.get_renderer()
    boxes = [Text.get_window_extent(label, renderer) for label in labels]  # without leaders
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])
    plt.close(fig)


def test_draw_roofline(tmp_path):
    rows, profiles = fake_rows(), fake_profiles()
    fig = fp.draw_roofline(profiles, rows, peak=100.0, bandwidth=20.0)
    ax = fig.axes[0]
    roof = ax.lines[0]
    x, y = roof.get_data()
    assert np.allclose(y, np.minimum(100.0, 20.0 * x / 4))  # min(peak, bandwidth x / 4)
    points = ax.collections[0].get_offsets()
    assert len(points) == len(profiles) and np.allclose(points[:, 1], 1000.0)
    assert ax.get_ylim()[1] >= 1000.0  # rates above the reference rate stay in view
    fig.savefig(tmp_path / "roofline.png")
    _labels_apart(fig, len(profiles))
    plt.close(fig)
    narrow = fig.narrow_drawing()  # the phone's drawing: its own labels, apart too
    assert narrow.get_figwidth() < fig.get_figwidth()
    _labels_apart(narrow, len(profiles))
    plt.close(narrow)
