"""Time the benchmark cases on two versions of ``cnncourse``, side by side, in one run.

Each version's own ``python -m cnncourse.bench`` is not a fair comparison: its timing code,
case setup and what it runs before a case (a 2048^3 GEMM, other cases) differ between
versions, and the process history changes the timings (see "Allocator state" below). This
tool times both versions with *one* harness:

* A worker process per version and round, ``PYTHONPATH=<tree>``, imports ``cnncourse`` from
  that tree (checked: ``cnncourse.__file__`` must lie in it). The case list is the union of
  both trees' ``cnncourse.bench.GRID`` (this checkout's, :func:`own_grid`, if neither has one).
* Both workers build the same inputs (``numpy.random.default_rng(0)``, as ``Case.arrays`` in
  the bench; a hash of the inputs is compared) and time the public function with the same
  code (a warm-up call, then the median of at least ``--repeat`` calls lasting at least
  ``--min-seconds``, :func:`time_pair`). Backends: ``numpy`` (``cnncourse`` on arrays),
  ``torch`` (``cnncourse`` on CPU tensors) and ``F`` (``torch.nn.functional`` called
  directly: the same code in both versions, so its ratio is a control that should be 1).
* The two workers take turns, a few calls at a time (``--chunk-seconds``, ~10 ms: before,
  after, before, after, ...; who starts flips every round), each call timed on its own, so
  that load from other processes on the machine hits both alike. New workers every round;
  each case's result per round and version is the median of its calls; the table gives the
  median over rounds and the per-round ratios after / before.
* The outputs of the first round are compared between versions (``allclose``, float32
  tolerances scaled by the output's size): the same work is timed.
* Threads: ``--threads N`` (default 1) sets ``OMP_NUM_THREADS``, ``OPENBLAS_NUM_THREADS``,
  ``MKL_NUM_THREADS`` and ``torch.set_num_threads`` in both workers, and makes
  ``os.cpu_count()`` answer N there, so that SciPy's ``workers=-1`` FFTs use N threads too.

Allocator state
    glibc's ``malloc`` hands out blocks over a threshold (128 KiB at start) by ``mmap``, and
    raises the threshold to the size of each such block freed (up to 32 MiB). Before that
    happens every call's temporaries are fresh pages, and each page costs a fault on first
    touch; afterwards they are reused. The same call can thus differ by 2x depending on what
    the process did before (the bench's GEMM of 16 MiB matrices raises it). ``--malloc warm``
    (the default) allocates and frees 30 MiB in each worker first, so both versions start in
    the state the bench leaves; ``--malloc fresh`` does not.

Report: per case and backend, the median over rounds of each version's time, the median and
range of the per-round ratios after / before, and the algorithm each version picks (where it
says). Usage::

    python tools/bench_compare.py --before c668a54 --after . --rounds 8 --threads 1

``--before``/``--after`` take a directory holding ``cnncourse/`` or a git revision of this
repository (exported with ``git archive`` into a temporary directory).
"""

import argparse
import hashlib
import io
import json
import math
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BACKENDS = ("numpy", "torch", "F")

# ---------------------------------------------------------------- worker (one version)


def _case_key(case):
    """What makes two cases the same work: operation, shapes, arguments (not the name)."""
    return json.dumps([case["op"], case["input_shape"], case["weight_shape"], case["kwargs"]])


def _tuples(kwargs):
    """JSON turns tuples into lists; give the functions back the tuples they were given."""
    return {k: tuple(v) if isinstance(v, list) else v for k, v in kwargs.items()}


def _grid_of_tree():
    """The cases of this tree's ``cnncourse.bench.GRID`` as dicts ([] if there is none)."""
    try:
        from cnncourse import bench
    except Exception:  # an old tree without the module, or one that cannot import it
        return []
    return [
        {
            "name": c.name,
            "op": c.op,
            "input_shape": list(c.input_shape),
            "weight_shape": None if c.weight_shape is None else list(c.weight_shape),
            "kwargs": dict(c.kwargs),
        }
        for c in getattr(bench, "GRID", [])
    ]


def _algorithm(cc, case, x, w):
    """The NumPy convolution algorithm this version picks, by its public or old private API."""
    if case["op"] != "conv2d":
        return "-"
    kwargs = _tuples(case["kwargs"])
    try:
        return cc.conv_algorithm(x, w, **kwargs)
    except AttributeError:
        pass
    try:  # before cnncourse.conv_algorithm existed: the rule took shapes only
        from cnncourse._conv_algorithms import choose

        stride = kwargs.get("stride", 1)
        stride = (stride, stride) if isinstance(stride, int) else tuple(stride)
        return choose(tuple(case["weight_shape"]), stride)
    except Exception:
        return "?"


class Worker:
    """The worker's state: the library, the arrays of the current case."""

    def __init__(self, options):
        import numpy as np

        import cnncourse as cc

        self.np, self.cc, self.options = np, cc, options
        self.torch = None
        if any(b != "numpy" for b in options["backends"]):
            import torch

            torch.set_num_threads(options["threads"])
            self.torch = torch
        self.key, self.arrays = None, None

    def info(self):
        import numpy as np
        import scipy
        import scipy.fft._pocketfft.helper as pocketfft

        try:
            from threadpoolctl import threadpool_info

            blas = sorted({f"{p['internal_api']}:{p['num_threads']}" for p in threadpool_info()})
        except ImportError:
            blas = ["?"]
        return {
            "file": os.path.realpath(self.cc.__file__),
            "version": getattr(self.cc, "__version__", "?"),
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "torch": None if self.torch is None else self.torch.__version__,
            "torch_threads": None if self.torch is None else self.torch.get_num_threads(),
            "fft_workers": pocketfft._cpu_count,
            "blas_threads": blas,
            "grid": _grid_of_tree(),
        }

    def _case_arrays(self, case):
        """The case's inputs, as ``Case.arrays`` builds them (cached for the case's backends)."""
        if self.key != _case_key(case):
            np = self.np
            rng = np.random.default_rng(0)
            dtype = np.dtype(self.options["dtype"])
            x = rng.standard_normal(case["input_shape"]).astype(dtype)
            w = None
            if case["weight_shape"] is not None:
                w = rng.standard_normal(case["weight_shape"]).astype(dtype)
            digest = hashlib.sha1(x.tobytes())
            if w is not None:
                digest.update(w.tobytes())
            self.key, self.arrays = _case_key(case), (x, w, digest.hexdigest()[:12])
        return self.arrays

    def prepare(self, case, backend, save):
        """Build the case's call on ``backend`` and make it once (a warm-up, timed)."""
        x, w, digest = self._case_arrays(case)
        kwargs = _tuples(case["kwargs"])
        algorithm = _algorithm(self.cc, case, x, w) if backend == "numpy" else ""
        if backend == "numpy":
            function = getattr(self.cc, case["op"])
        else:
            x, w = self.torch.from_numpy(x), None if w is None else self.torch.from_numpy(w)
            module = self.cc if backend == "torch" else self.torch.nn.functional
            function = getattr(module, case["op"])
        args = (x,) if w is None else (x, w)
        self.call = lambda: function(*args, **kwargs)
        started = time.perf_counter()
        out = self.call()
        first = time.perf_counter() - started
        if save:
            self.np.save(save, out if backend == "numpy" else out.numpy())
        return {"first": first, "inputs": digest, "algorithm": algorithm}

    def calls(self, count):
        """Wall times of ``count`` calls of the prepared call, each timed on its own."""
        times = []
        for _ in range(count):
            t0 = time.perf_counter()
            self.call()
            times.append(time.perf_counter() - t0)
        return {"times": times}


def worker_main(options):
    """Answer one JSON request per line of stdin with one JSON line on stdout."""
    protocol = os.fdopen(os.dup(sys.stdout.fileno()), "w", buffering=1)
    sys.stdout = sys.stderr  # stray prints from the library must not break the protocol
    if options["malloc"] == "warm":
        block = bytearray(30 * 2**20)  # mmap'd, touched, freed: raises malloc's threshold
        del block
    worker = Worker(options)
    for line in sys.stdin:
        request = json.loads(line)
        try:
            if request["cmd"] == "info":
                answer = worker.info()
            elif request["cmd"] == "prepare":
                answer = worker.prepare(request["case"], request["backend"], request.get("save"))
            elif request["cmd"] == "calls":
                answer = worker.calls(request["count"])
            else:
                return 0
        except Exception as error:  # one case failing in one version is a result
            answer = {"error": f"{type(error).__name__}: {error}"}
        protocol.write(json.dumps(answer) + "\n")
    return 0


# ---------------------------------------------------------------- driver (both versions)


def resolve_tree(spec, scratch):
    """A directory holding ``cnncourse/``: ``spec`` itself, or git revision ``spec`` exported."""
    path = Path(spec)
    if (path / "cnncourse" / "__init__.py").is_file():
        return path.resolve(), spec
    revision = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", f"{spec}^{{commit}}"],
        capture_output=True,
        text=True,
    )
    if revision.returncode != 0:
        raise SystemExit(
            f"--before/--after: {spec!r} is neither a tree with cnncourse/ nor a revision"
        )
    commit = revision.stdout.strip()
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", commit, "cnncourse"], capture_output=True, check=True
    )
    target = Path(scratch) / commit
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(target, filter="data")
    return target.resolve(), commit


def describe(tree, label):
    """The commit of a tree that is a git checkout (with '+dirty'), else the given label."""
    head = subprocess.run(
        ["git", "-C", str(tree), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    )
    if head.returncode != 0 or Path(tree, ".git").exists() is False:
        return label
    dirty = subprocess.run(
        ["git", "-C", str(tree), "status", "--porcelain", "cnncourse"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    return head.stdout.strip() + ("+dirty" if dirty else "")


class Client:
    """A worker process for one tree."""

    def __init__(self, tree, options, python):
        env = dict(os.environ, PYTHONPATH=str(tree))
        for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            env[name] = str(options["threads"])
        code = (
            "import os, sys, json; n = json.loads(sys.argv[1])['threads']; "
            "os.cpu_count = lambda: n; "  # before SciPy reads it: workers=-1 means n threads
            f"sys.path.insert(0, {str(ROOT / 'tools')!r}); import bench_compare; "
            "sys.exit(bench_compare.worker_main(json.loads(sys.argv[1])))"
        )
        self.process = subprocess.Popen(
            [python, "-c", code, json.dumps(options)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
            cwd=tempfile.gettempdir(),
        )

    def ask(self, **request):
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise SystemExit(f"worker died on {request}")
        return json.loads(line)

    def close(self):
        self.process.stdin.write(json.dumps({"cmd": "quit"}) + "\n")
        self.process.stdin.close()
        self.process.wait(timeout=60)


def time_pair(clients, order, case, backend, saves, args):
    """Time one case on one backend in both workers, taking turns chunk by chunk.

    Each worker makes the call once (a warm-up); then the two run ``chunk`` calls each in
    turn, every call timed on its own, until each has made at least ``args.repeat`` calls
    lasting at least ``args.min_seconds``: load on the machine meets both within
    milliseconds. Returns per version the median call time (or the error).
    """
    answers = {}
    for version in order:
        answers[version] = clients[version].ask(
            cmd="prepare", case=case, backend=backend, save=saves.get(version)
        )
    running = [v for v in order if "error" not in answers[v]]
    if not running:
        return answers
    first = max(answers[v]["first"] for v in running)
    chunk = max(1, min(1000, int(args.chunk_seconds / max(first, 1e-7))))
    times = {v: [] for v in running}

    def enough(version):
        calls = times[version]
        return len(calls) >= args.repeat and sum(calls) >= args.min_seconds

    while not all(enough(v) for v in running) and len(times[running[0]]) < args.max_calls:
        for version in running:
            answer = clients[version].ask(cmd="calls", count=chunk)
            if "error" in answer:
                raise SystemExit(f"{version}: {case['name']} {backend}: {answer['error']}")
            times[version] += answer["times"]
    for version in running:
        answers[version]["seconds"] = statistics.median(times[version])
    time.sleep(args.rest)
    return answers


def union_grid(grids):
    """The cases of all grids, each once (same operation, shapes and arguments)."""
    cases = {}
    for grid in grids:
        for case in grid:
            cases.setdefault(_case_key(case), case)
    if not cases:
        for case in own_grid():
            cases.setdefault(_case_key(case), case)
    return list(cases.values())


def own_grid():
    """The cases of this checkout's ``cnncourse.bench.GRID``, read in a fresh interpreter.

    For two trees from before the benchmark existed: no copy of the grid is kept here.
    """
    code = (
        f"import sys, json; sys.path.insert(0, {str(ROOT / 'tools')!r}); "
        "import bench_compare; print(json.dumps(bench_compare._grid_of_tree()))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        capture_output=True,
        text=True,
        check=True,
        cwd=tempfile.gettempdir(),
    )
    return json.loads(done.stdout)


def compare_outputs(first, second):
    """Largest difference of two saved outputs relative to the first's largest magnitude."""
    import numpy as np

    a, b = np.load(first), np.load(second)
    if a.shape != b.shape:
        return math.inf
    scale = max(float(np.abs(a).max(initial=0)), 1e-30)
    return float(np.abs(a.astype(np.float64) - b).max(initial=0)) / scale


def run(args):
    """Time every case on both trees (exports and saved outputs in a temporary directory)."""
    with tempfile.TemporaryDirectory(prefix="bench_compare_") as scratch:
        return _run(args, scratch)


def _run(args, scratch):
    options = {
        "threads": args.threads,
        "malloc": args.malloc,
        "dtype": args.dtype,
        "repeat": args.repeat,
        "min_seconds": args.min_seconds,
        "backends": args.backends,
        "chunk_seconds": args.chunk_seconds,
    }
    trees = {}
    for version, spec in (("before", args.before), ("after", args.after)):
        tree, label = resolve_tree(spec, scratch)
        trees[version] = {"tree": str(tree), "label": describe(tree, label)}
    results, algorithms, inputs, errors, infos = {}, {}, {}, {}, {}
    cases, differences = None, {}
    load_start = os.getloadavg()
    for round_ in range(args.rounds):
        order = ("before", "after") if round_ % 2 == 0 else ("after", "before")
        clients = {v: Client(trees[v]["tree"], options, args.python) for v in order}
        for version, client in clients.items():
            info = client.ask(cmd="info")
            if not info["file"].startswith(trees[version]["tree"] + os.sep):
                raise SystemExit(f"{version}: imported {info['file']}, not from {trees[version]}")
            infos[version] = info
        if cases is None:
            cases = union_grid(infos[v]["grid"] for v in ("before", "after"))
            cases = [c for c in cases if args.only in c["name"]]
        for case in cases:
            for backend in args.backends:
                key = (case["name"], backend)
                saves = {}
                if round_ == 0:
                    saves = {v: os.path.join(scratch, f"{v}-{len(differences)}.npy") for v in order}
                    differences[key] = saves
                answers = time_pair(clients, order, case, backend, saves, args)
                for version, answer in answers.items():
                    if "error" in answer:
                        errors[key + (version,)] = answer["error"]
                        continue
                    results.setdefault(key, {}).setdefault(version, []).append(answer["seconds"])
                    algorithms[key + (version,)] = answer["algorithm"]
                    inputs.setdefault(key, set()).add(answer["inputs"])
        for client in clients.values():
            client.close()
        print(f"round {round_ + 1}/{args.rounds} done", file=sys.stderr, flush=True)
    for key, saved in differences.items():
        paths = [saved[v] for v in ("before", "after")]
        differences[key] = compare_outputs(*paths) if all(map(os.path.exists, paths)) else None
    report = {
        "trees": trees,
        "options": options,
        "rounds": args.rounds,
        "load_start": load_start,
        "load_end": os.getloadavg(),
        "workers": {v: {k: i[k] for k in i if k != "grid"} for v, i in infos.items()},
        "rows": [],
    }
    for case in cases:
        for backend in args.backends:
            key = (case["name"], backend)
            times = results.get(key, {})
            row = {"case": case["name"], "backend": backend}
            row["algorithm"] = [algorithms.get(key + (v,), "") for v in ("before", "after")]
            row["errors"] = {
                v: errors[key + (v,)] for v in ("before", "after") if key + (v,) in errors
            }
            row["same_inputs"] = len(inputs.get(key, ())) == 1
            row["output_difference"] = differences.get(key)
            if len(times.get("before", [])) == len(times.get("after", [])) == args.rounds:
                ratios = [a / b for a, b in zip(times["after"], times["before"], strict=True)]
                row.update(
                    before=times["before"],
                    after=times["after"],
                    ratio=statistics.median(ratios),
                    ratio_range=[min(ratios), max(ratios)],
                )
            report["rows"].append(row)
    return report


def format_report(report):
    """The report as Markdown: a header of what ran where, then one table row per timing."""
    options, trees, workers = report["options"], report["trees"], report["workers"]
    lines = [
        f"before: {trees['before']['label']} ({trees['before']['tree']})",
        f"after:  {trees['after']['label']} ({trees['after']['tree']})",
    ]
    for version, info in workers.items():
        lines.append(
            f"{version} worker: {info['file']}, numpy {info['numpy']}, scipy {info['scipy']}, "
            f"torch {info['torch']} ({info['torch_threads']} threads), FFT workers "
            f"{info['fft_workers']}, BLAS {','.join(info['blas_threads'])}"
        )
    lines.append(
        f"threads {options['threads']}, malloc {options['malloc']}, dtype {options['dtype']}, "
        f"{report['rounds']} rounds, per timing the median of >= {options['repeat']} calls and "
        f">= {options['min_seconds']} s per version, in turns of ~{options['chunk_seconds']} s; "
        "load average "
        f"{report['load_start'][0]:.2f} at start, {report['load_end'][0]:.2f} at end"
    )
    lines += [
        "",
        "| case | backend | algorithm before → after | before ms (min–max) | after ms (min–max)"
        " | after/before (min–max) | output diff |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in report["rows"]:
        algorithm = " → ".join(row["algorithm"]) if row["backend"] == "numpy" else ""
        diff = "" if row["output_difference"] is None else f"{row['output_difference']:.1e}"
        if not row["same_inputs"]:
            diff += " INPUTS DIFFER"
        if "ratio" not in row:
            lines.append(
                f"| {row['case']} | {row['backend']} | {algorithm} | | | {row['errors']} | |"
            )
            continue
        cells = []
        for version in ("before", "after"):
            ms = [t * 1e3 for t in row[version]]
            cells.append(f"{statistics.median(ms):.3g} ({min(ms):.3g}–{max(ms):.3g})")
        low, high = row["ratio_range"]
        lines.append(
            f"| {row['case']} | {row['backend']} | {algorithm} | {cells[0]} | {cells[1]} "
            f"| **{row['ratio']:.2f}** ({low:.2f}–{high:.2f}) | {diff} |"
        )
    for backend in BACKENDS:
        ratios = [r["ratio"] for r in report["rows"] if r["backend"] == backend and "ratio" in r]
        if ratios:
            mean = math.exp(statistics.fmean(math.log(r) for r in ratios))
            lines.append(f"geometric mean after/before, {backend}: {mean:.2f}")
    return "\n".join(lines)


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python tools/bench_compare.py", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--before", default="c668a54", help="tree or git revision (c668a54)")
    parser.add_argument("--after", default=str(ROOT), help="tree or git revision (this tree)")
    parser.add_argument("--rounds", type=int, default=6, help="worker pairs, order alternating")
    parser.add_argument("--threads", type=int, default=1, help="BLAS/OpenMP/torch/FFT threads")
    parser.add_argument("--malloc", choices=["warm", "fresh"], default="warm")
    parser.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    parser.add_argument("--repeat", type=int, default=5, help="minimum timed calls")
    parser.add_argument("--min-seconds", type=float, default=0.2, help="minimum time per timing")
    parser.add_argument("--rest", type=float, default=0.05, help="pause between timings (s)")
    parser.add_argument(
        "--chunk-seconds", type=float, default=0.01, help="about how long each turn lasts"
    )
    parser.add_argument("--max-calls", type=int, default=20000, help="per timing and version")
    parser.add_argument("--only", default="", help="the cases whose name contains this")
    parser.add_argument(
        "--backends",
        type=lambda text: text.split(","),
        default=list(BACKENDS),
        help="comma-separated, of numpy,torch,F (default all)",
    )
    parser.add_argument("--python", default=sys.executable, help="interpreter of the workers")
    parser.add_argument("--json", help="also write the raw results to this file")
    args = parser.parse_args(argv)
    for name in ("rounds", "threads", "repeat"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be at least 1, got {getattr(args, name)}")
    if not set(args.backends) <= set(BACKENDS):
        parser.error(f"--backends must be of {','.join(BACKENDS)}, got {args.backends}")
    return args


def main(argv=None):
    args = parse_args(argv)
    report = run(args)
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1))
    print(format_report(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
