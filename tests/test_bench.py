"""The benchmark runs, counts operations right, and its GPU path checks the GPU results.

These tests check what the benchmark reports, never how fast anything is.
"""

import dataclasses

import numpy as np
import pytest

import cnncourse as cc
from cnncourse import bench

torch = pytest.importorskip("torch")

SMALL = bench.Case("small 2x3x9x8 -> 4, 3x2", "conv2d", (2, 3, 9, 8), (4, 3, 3, 2), {"padding": 1})


def test_flops_count_two_per_multiply_add():
    # output 2 x 4 x 9 x 9, each a sum over 3 x 3 x 2 = 18 products
    assert SMALL.flops() == 2 * 4 * 9 * 9 * 18 * 2
    pool = bench.Case("pool", "max_pool2d", (2, 3, 8, 8), None, {"kernel_size": 2, "stride": 2})
    assert pool.flops() == 2 * 3 * 4 * 4 * 4


def test_every_grid_case_runs_on_both_backends():
    """Each case on one image (at most 96 x 96): both backends give torch's float64 answer."""
    F = torch.nn.functional
    rng = np.random.default_rng(0)
    for case in bench.GRID:
        channels, *sides = case.input_shape[1:]
        shape = (1, channels, *(min(side, 96) for side in sides))
        one_image = dataclasses.replace(case, input_shape=shape)
        x, w = one_image.arrays(np.float32, rng)
        assert x.dtype == np.float32 and (w is None or w.dtype == np.float32)
        arrays = (x,) if w is None else (x, w)
        tensors = [torch.from_numpy(a) for a in arrays]
        reference = getattr(F, case.op)(*[t.double() for t in tensors], **case.kwargs).numpy()
        scale = np.abs(reference).max()
        for ours in (getattr(cc, case.op)(*arrays, **case.kwargs),
                     getattr(cc, case.op)(*tensors, **case.kwargs).numpy()):  # fmt: skip
            assert ours.dtype == np.float32, case.name
            np.testing.assert_allclose(ours, reference, rtol=1e-4, atol=1e-5 * scale,
                                       err_msg=case.name)  # fmt: skip


def test_the_grid_runs_every_algorithm(monkeypatch):
    """The grid's convolutions reach each algorithm (the rule's choice, one BLAS thread),
    pooling none; with two threads F(4, 3) gives way to the shifted GEMM."""
    from cnncourse import _conv_algorithms

    monkeypatch.setattr(_conv_algorithms, "blas_threads", lambda: 1)
    chosen = {case.algorithm() for case in bench.GRID if case.op == "conv2d"}
    # F(2, 3): forced only; depthwise: the grid has no grouped layer
    assert chosen == set(cc.ALGORITHMS) - {"winograd", "depthwise"}
    assert {case.algorithm() for case in bench.GRID if case.op != "conv2d"} == {"-"}
    monkeypatch.setattr(_conv_algorithms, "blas_threads", lambda: 2)
    chosen = {case.algorithm() for case in bench.GRID if case.op == "conv2d"}
    assert chosen == set(cc.ALGORITHMS) - {"winograd", "winograd4", "depthwise"}


def test_run_grid_and_algorithm_comparison_report_every_key():
    rows = bench.run_grid([SMALL], repeat=1)
    assert set(rows[0]) >= {"case", "op", "algorithm", "flops", "numpy", "torch", "F"}
    assert rows[0]["numpy_peak_bytes"] >= 2 * 4 * 9 * 9 * 4  # at least the float32 output
    (row,) = bench.compare_algorithms([SMALL], repeat=1)
    assert row["chosen"] == "shifted-gemm"
    assert all(row[name] > 0 for name in cc.ALGORITHMS if name != "depthwise")
    assert "depthwise" not in row  # not a grouped layer: not timed
    depthwise = bench.Case("depthwise 2x3x9x8, 3x3", "conv2d", (2, 3, 9, 8), (6, 1, 3, 3),
                           {"padding": 1, "groups": 3})  # fmt: skip
    (row,) = bench.compare_algorithms([depthwise], repeat=1)
    assert row["chosen"] == "depthwise" and all(row[name] > 0 for name in cc.ALGORITHMS)


def test_command_line_prints_a_row_per_case(capsys):
    bench.main(["--only", "MNIST", "--repeat", "1", "--algorithm", "im2col"])
    out = capsys.readouterr().out.splitlines()
    assert out[-1].startswith("MNIST-size") and "im2col" in out[-1]
    assert "GEMM rate" in out[1]


@pytest.mark.cuda
def test_gpu_timing_checks_against_the_cpu():
    # float64: in float32 cuDNN may use TF32 tensor cores, about 1e-3 from the CPU result
    row = bench.run_case(SMALL, np.dtype(np.float64), repeat=1, devices=("cpu", "cuda"))
    assert row["cuda"] > 0 and row["F_cuda"] > 0
    assert row["cuda_error"] < 1e-10


def test_size_sweep_grows_only_the_image():
    cases = bench.size_sweep(sides=(8, 32), batch=2, channels=4)
    assert [case.input_shape for case in cases] == [(2, 4, 8, 8), (2, 4, 32, 32)]
    assert all(case.weight_shape == (4, 4, 3, 3) for case in cases)
    # "same" padding: the output has the input's size, 2 * 9 * 4 operations per output value
    assert cases[1].flops() == 2 * 4 * 32 * 32 * (2 * 9 * 4)


def test_gpu_script_skips_cleanly_without_a_gpu(tmp_path):
    import subprocess
    from pathlib import Path

    if torch.cuda.is_available():
        pytest.skip("a GPU is present: the script would run the GPU checks")
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run(
        ["bash", "tools/gpu_check.sh", str(tmp_path / "out")],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "the GPU checks are skipped" in done.stdout


def test_min_seconds_reaches_every_timed_call(monkeypatch):
    seen = []
    real = bench._block

    def recording(function, repeat, min_seconds):
        seen.append(min_seconds)
        return real(function, repeat, min_seconds)

    monkeypatch.setattr(bench, "_block", recording)
    monkeypatch.setattr(bench, "REST_SECONDS", 0.0)
    bench.run_grid([SMALL], repeat=1, min_seconds=0.5)
    # numpy, torch and F, two blocks each of half the time
    assert seen == [0.25] * 6
    seen.clear()
    bench.compare_algorithms([SMALL], repeat=1, min_seconds=0.0)
    # one per algorithm (but the depthwise one: not a grouped layer)
    assert seen == [0.0] * (len(cc.ALGORITHMS) - 1)


def test_in_blocks_times_each_function_apart_and_rests_before_torch(monkeypatch):
    """Blocks A B C C B A; a rest before a torch block that follows a NumPy one only."""
    events = []
    monkeypatch.setattr(bench.time, "sleep", lambda seconds: events.append("rest"))
    functions = [lambda name=name: events.append(name) for name in "abc"]
    medians = bench.in_blocks(functions, repeat=4, min_seconds=0.0, torch_calls=(1, 2))
    # each block: one warm-up call, then ceil(4 / 2) = 2 timed calls
    blocks = ["a"] * 3 + ["rest"] + ["b"] * 3 + ["c"] * 6 + ["b"] * 3 + ["a"] * 3
    assert events == blocks and len(medians) == 3 and all(m >= 0 for m in medians)


def test_after_product_times_reports_both_medians():
    result = bench.after_product_times(size=64, repeat=2)
    assert result["alone"] > 0 and result["after"] > 0
    assert result["blas_threads"] >= 1 and result["torch_threads"] >= 1


def test_command_line_refuses_zero_repeats(capsys):
    for text in ("0", "-2", "two"):
        with pytest.raises(SystemExit) as stop:
            bench.main(["--repeat", text])
        assert stop.value.code == 2
        assert "--repeat: must be a positive integer" in capsys.readouterr().err


def test_command_line_survives_a_closed_pipe():
    """``python -m cnncourse.bench | head -1``: no traceback when the reader leaves."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    command = [sys.executable, "-m", "cnncourse.bench", "--only", "MNIST", "--repeat", "1"]
    process = subprocess.Popen(
        command, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    process.stdout.readline()
    process.stdout.close()  # the reader leaves after one line
    _, error = process.communicate(timeout=300)
    assert "Traceback" not in error and "BrokenPipeError" not in error, error


def test_memory_bandwidth_counts_read_and_write(monkeypatch):
    clock = iter(range(1000))  # every copy "takes" one second on this clock
    monkeypatch.setattr(bench.time, "perf_counter", lambda: next(clock))
    rate = bench.memory_bandwidth(megabytes=1, repeat=2, min_seconds=0)
    assert rate == 2 * 2**20 / 1e9
