"""Tables, figures and live sentences of the appendix "How fast is it?".

The appendix times the NumPy backend against torch (:mod:`cnncourse.bench`); these
functions turn the rows that the benchmark returns into what the page shows. A table is
returned as ``(header, rows)`` for :func:`cnncourse.tables.show_table`, a figure as a
:class:`matplotlib.figure.Figure`, a sentence as Markdown text. Nothing here measures
anything, so every function can be tested on made-up rows.

Rates are in GFLOP/s, :math:`10^9` floating-point operations per second, counting two per
multiply-add of the direct sum (:meth:`cnncourse.bench.Case.flops`); ``peak`` is the
*reference rate*, the float32 GEMM rate of NumPy's BLAS measured on the same machine
(:func:`cnncourse.bench.gemm_rate`): a measured rate, not the processor's peak.
"""

import numpy as np

from .frames._figure import _figure as frame_figure
from .plotting import COLORS

BACKENDS = (("numpy", "cnncourse, NumPy", "input"), ("torch", "cnncourse, torch (CPU)", "kernel"))

#: Ratios within this fraction of 1 are ties: timing noise on a shared machine.
NOISE = 0.15

#: Algorithms whose rate on the page is *effective*: the direct sum's operation count over
#: the time, although they do fewer operations (the FFT far fewer, Winograd's element-wise
#: products a quarter or 16/36 of the direct sum's multiplications). Such a rate is the
#: rate a direct method would need to keep up, not the rate of the arithmetic done.
EFFECTIVE = {"fft": "FFT", "winograd": "Winograd", "winograd4": "Winograd"}

SHORT_NAMES = {
    "Fig 9.6 edge, 1x1x280x320, k 1x2": "Fig 9.6 edge, 1x2",
    "MNIST-size 1x1x28x28, 3x3": "MNIST 28², 3x3",
    "CIFAR batch 64x3x32x32 -> 16, 3x3": "CIFAR 64 × 3 ch",
    "8x64x56x56 -> 64, 3x3": "64 ch, 56²",
    "Fig 9.11 layer 1, 1x3x256x256 -> 64": "Fig 9.11 layer 1",
    "strided 8x32x56x56 -> 64, 3x3/2": "strided 3x3/2",
    "1x1x512x512, 31x31 kernel": "31x31 kernel",
    "1x1x256x256, 31x31 kernel": "31x31, 256²",
    "max pool 64x64x56x56, 2x2/2": "max pool 2x2/2",
    "max pool 64x64x56x56, 3x3/2": "max pool 3x3/2",
    "avg pool 64x64x56x56, 2x2/2": "avg pool 2x2/2",
    "avg pool 64x64x56x56, 3x3/2": "avg pool 3x3/2",
}


def short(name):
    """A case's name short enough for a table column on a phone (the name if unknown)."""
    return SHORT_NAMES.get(name, name)


def relation(ratio, band=NOISE):
    """``"less"``, ``"more"`` or ``"tie"``: a ratio of two times against 1, with ties.

    A ratio within ``band`` of 1 (:math:`1/(1 + b) \\le r \\le 1 + b`) is a tie:
    timing noise on a shared machine, not a finding. The ratio is compared as the page
    prints it, to two decimals, so that a printed 1.15 is a tie whatever its third digit.
    """
    ratio = round(ratio, 2)
    if ratio < 1 / (1 + band):
        return "less"
    if ratio > 1 + band:
        return "more"
    return "tie"


def ratio_text(ratio):
    """A ratio of two times for a table: two decimals, or two significant digits below 0.1
    (a 1,200-fold gap reads ``0.00083``, not ``0.00``)."""
    return f"{ratio:.2f}" if ratio >= 0.1 else f"{ratio:.2g}"


def _rate(row, backend):
    """GFLOP/s of ``row`` (a :func:`cnncourse.bench.run_grid` row) on ``backend``."""
    return row["flops"] / row[backend] / 1e9


def _figure(figsize, cols=1):
    """One row of ``cols`` panels from the frames' figure factory: an Axes, or a tuple."""
    fig, axes = frame_figure(1, cols, figsize)
    return fig, (axes[0, 0] if cols == 1 else tuple(axes[0]))


def im2col_table(columns, kernel, out_w):
    """The window matrix of a one-channel im2col, one row per kernel tap.

    Row ``(m, n)`` holds :math:`I(i + m, j + n)` for every output position :math:`(i, j)`
    (one column each, row-major), next to the kernel value :math:`K(m, n)` it multiplies.

    Parameters
    ----------
    columns : ndarray, shape (kH kW, H_out W_out)
    kernel : ndarray, shape (kH, kW)
    out_w : int
        Output width, to name the columns ``S(i, j)``.
    """
    kh, kw = kernel.shape
    header = ["tap (m, n)"]
    header += [f"S({p // out_w}, {p % out_w})" for p in range(columns.shape[1])]
    rows = [
        (f"({m}, {n}), K = {kernel[m, n]:g}", *(f"{v:g}" for v in columns[kw * m + n]))
        for m in range(kh)
        for n in range(kw)
    ]
    return header, rows


def gemm_shape_table(m, k, n, matrix_size, input_size):
    """A convolution's GEMM for one image: its shape, operations, reuse and im2col size.

    Rows: ``m × k × n``; :math:`2mkn` in millions; operations per number moved
    (:func:`cnncourse.bench.gemm_work_per_load`); the im2col matrix's ``matrix_size``
    against the ``input_size`` of the image.
    """
    from .bench import gemm_work_per_load

    return ["", "value"], [
        ("GEMM shape m × k × n", f"{m} × {k} × {n}"),
        ("operations per image (2mkn)", f"{2 * m * k * n / 1e6:.0f} million"),
        ("operations per number moved", f"{gemm_work_per_load(m, k, n):.0f}"),
        (
            "im2col matrix per image",
            f"{matrix_size:,} numbers ({matrix_size / input_size:.0f}× the input)",
        ),
    ]


def time_table(rows):
    """Times of every benchmark case: NumPy, torch backend, torch called directly, ratio."""
    header = ["case", "NumPy ms", "torch ms", "F ms", "NumPy ÷ torch"]
    body = [
        (
            short(row["case"]),
            f"{row['numpy'] * 1e3:.3f}",
            f"{row['torch'] * 1e3:.3f}",
            f"{row['F'] * 1e3:.3f}",
            ratio_text(row["numpy"] / row["torch"]),
        )
        for row in rows
    ]
    return header, body


def rate_table(rows, peak):
    """Algorithm, GFLOP/s of both backends (with the fraction of ``peak``), NumPy's memory.

    A rate is the case's operation count over its time; for the FFT and Winograd
    (:data:`EFFECTIVE`) it is an *effective* rate, marked so: the direct sum's count, not
    the algorithm's own, over the time. ``NumPy MiB`` is the most memory NumPy held during
    one call (:func:`cnncourse.bench.peak_extra_memory`).
    """
    header = ["case", "NumPy algorithm", "NumPy GFLOP/s", "torch GFLOP/s", "NumPy MiB"]
    body = [
        (
            short(row["case"]),
            row["algorithm"] + (" (effective)" if row["algorithm"] in EFFECTIVE else ""),
            f"{_rate(row, 'numpy'):.1f} ({_rate(row, 'numpy') / peak:.0%})",
            f"{_rate(row, 'torch'):.1f} ({_rate(row, 'torch') / peak:.0%})",
            f"{row['numpy_peak_bytes'] / 2**20:.0f}",
        )
        for row in rows
    ]
    return header, body


def comparison_markdown(rows, band=NOISE):
    """Up to three sentences: where NumPy was clearly faster, clearly slower, or tied.

    NumPy is compared with both torch columns: ``torch`` (cnncourse's torch backend) and
    ``F`` (``torch.nn.functional`` called directly). It is *clearly faster* when its time is
    under both by more than ``band`` (:func:`relation`), *clearly slower* when over both;
    everything else, within the noise of at least one of the two, is a tie.
    """

    def verdict(row):
        found = {relation(row["numpy"] / row[b], band) for b in ("torch", "F")}
        return found.pop() if len(found) == 1 else "tie"

    groups = {"less": [], "more": [], "tie": []}
    for row in rows:
        groups[verdict(row)].append(short(row["case"]))
    words = {
        "less": "NumPy was clearly faster than both torch columns on",
        "more": "Both torch columns were clearly faster than NumPy on",
        "tie": "Within the noise of at least one torch column (a tie)",
    }
    sentences = [f"{words[key]}: {'; '.join(names)}." for key, names in groups.items() if names]
    return f"In this run, counting differences under {band:.0%} as ties: " + " ".join(sentences)


def fastest_rate_markdown(rows, peak):
    """One sentence: the fastest convolution rate of each backend, as a fraction of ``peak``.

    For NumPy the cases it runs by the FFT or Winograd are left out: its rate there is
    effective (:data:`EFFECTIVE`), not a count of what it computed. torch computes every
    case directly, so all of its convolutions count.
    """
    convolutions = [r for r in rows if r["op"] == "conv2d"]
    direct = [r for r in convolutions if r["algorithm"] not in EFFECTIVE]
    parts = []
    for backend, label, among in (("torch", "torch", convolutions), ("numpy", "NumPy", direct)):
        best = max(among, key=lambda r: _rate(r, backend))
        rate = _rate(best, backend)
        parts.append(f"{label} {rate:.0f} GFLOP/s ({rate / peak:.0%}, {short(best['case'])})")
    left_out = sorted({EFFECTIVE[r["algorithm"]] for r in rows if r["algorithm"] in EFFECTIVE})
    ways = {"FFT": "the FFT", "Winograd": "Winograd's algorithm"}
    aside = (
        f" (for NumPy the cases it runs by {' or '.join(ways[w] for w in left_out)} left "
        "out: its rates there are effective)"
        if left_out
        else ""
    )
    return (
        f"Fastest convolution in this run{aside}, against the reference rate: "
        + "; ".join(parts)
        + "."
    )


def _paired_bars(ax, labels, series, narrow):
    """Bars of each backend's ``series`` side by side per label: vertical, or for a phone
    (``narrow``) horizontal with the labels on the left, first case on top."""
    positions = np.arange(len(labels))
    for offset, (backend, label, color) in zip((-0.2, 0.2), BACKENDS, strict=True):
        if narrow:
            ax.barh(positions + offset, series[backend], 0.4, label=label, color=COLORS[color])
        else:
            ax.bar(positions + offset, series[backend], 0.4, label=label, color=COLORS[color])
    if narrow:
        from matplotlib.ticker import NullFormatter

        ax.set_yticks(positions, labels, fontsize=9)
        ax.invert_yaxis()
        ax.set_xscale("log")
        ax.set_xlim(left=min(min(values) for values in series.values()) / 3)
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.tick_params(labelsize=9)
        ax.legend(fontsize=9, loc="lower left", bbox_to_anchor=(0, 1), frameon=False)
    return positions


def _phone_layout(fig, draw, *args):
    """``fig``, offering ``draw(*args, narrow=True)`` as its phone layout."""
    from .layout import offer_narrow

    return offer_narrow(fig, draw, *args, narrow=True)


def draw_times(rows, narrow=False):
    """Paired bars of milliseconds per call (log scale), NumPy / torch written above each.

    ``narrow``: the phone layout (horizontal bars, short case names), which the wide figure
    offers (:func:`cnncourse.layout.offer_narrow`).
    """
    fig, ax = _figure((4.4, 0.36 * len(rows) + 1.3) if narrow else (9, 4))
    series = {backend: [r[backend] * 1e3 for r in rows] for backend, _, _ in BACKENDS}
    labels = [short(r["case"]) if narrow else r["case"] for r in rows]
    positions = _paired_bars(ax, labels, series, narrow)
    top = max(max(r["numpy"], r["torch"]) for r in rows) * 1e3 * 4
    for p, r in zip(positions, rows, strict=True):
        end = max(r["numpy"], r["torch"]) * 1e3 * 1.15
        ratio = ratio_text(r["numpy"] / r["torch"])
        if narrow:
            ax.text(end, p, ratio, va="center", fontsize=9)
        else:
            ax.text(p, end, ratio, ha="center", fontsize=9)
    if narrow:
        ax.set_xlim(right=top * 2)
        ax.set_xlabel("milliseconds (NumPy / torch written after the bars)", fontsize=9)
        ax.grid(alpha=0.3, axis="x")
        fig.tight_layout()
        return fig
    ax.set_yscale("log")
    ax.set_ylim(top=top)
    ax.set_ylabel("milliseconds")
    ax.set_xticks(positions, labels, rotation=35, ha="right", fontsize=9)
    ax.legend(fontsize=9)
    ax.grid(alpha=0.3, axis="y")
    fig.tight_layout()
    return _phone_layout(fig, draw_times, rows)


def draw_rates(rows, peak, narrow=False):
    """Paired bars of GFLOP/s of the convolution cases, with the reference rate dashed.

    ``narrow``: the phone layout (horizontal bars, short case names), which the wide figure
    offers (:func:`cnncourse.layout.offer_narrow`).
    """
    conv_rows = [r for r in rows if r["op"] == "conv2d"]
    fig, ax = _figure((3.9, 0.36 * len(conv_rows) + 2.0) if narrow else (9, 3.8))
    series = {backend: [_rate(r, backend) for r in conv_rows] for backend, _, _ in BACKENDS}

    def marked(r):  # on a phone "(effective)" alone, to leave the bars room
        if r["algorithm"] not in EFFECTIVE:
            return ""
        return " (effective)" if narrow else f" ({EFFECTIVE[r['algorithm']]}: effective)"

    labels = [(short(r["case"]) if narrow else r["case"]) + marked(r) for r in conv_rows]
    positions = _paired_bars(ax, labels, series, narrow)
    top = max(peak, *(_rate(r, "torch") for r in conv_rows)) * 3
    reference = "reference: NumPy's float32 GEMM, 1024²"

    def fraction(g):
        return g / peak

    def rate(f):
        return f * peak

    if narrow:
        from matplotlib.ticker import NullFormatter

        ax.axvline(peak, color="0.3", linestyle="--", linewidth=1)
        ax.set_xlim(min(ax.get_xlim()[0], peak / 2), top)
        ax.set_xlabel(f"GFLOP/s\n(dashed: {reference})", fontsize=9)
        ax.grid(alpha=0.3, axis="x")
        secondary = ax.secondary_xaxis("top", functions=(fraction, rate))
        secondary.tick_params(labelsize=9)
        secondary.xaxis.set_minor_formatter(NullFormatter())
        secondary.set_xlabel("fraction of the reference rate", fontsize=9)
        ax.legend(fontsize=9, loc="lower left", bbox_to_anchor=(0, 1.25), frameon=False)
        fig.tight_layout()
        return fig
    ax.axhline(peak, color="0.3", linestyle="--", linewidth=1)
    ax.text(len(conv_rows) - 0.5, peak * 1.1, reference, ha="right", fontsize=9)
    ax.set_yscale("log")
    ax.set_ylim(top=top)
    ax.set_ylabel("GFLOP/s")
    ax.set_xticks(positions, labels, rotation=25, ha="right", fontsize=9)
    secondary = ax.secondary_yaxis("right", functions=(fraction, rate))
    secondary.set_ylabel("fraction of the reference rate")
    ax.legend(fontsize=9, loc="upper left")
    ax.grid(alpha=0.3, axis="y")
    fig.tight_layout()
    return _phone_layout(fig, draw_rates, rows, peak)


def _products(blocks):
    """``m × k × n`` of a list of ``(m, k, n)`` blocks: ``64 × 576 × ≤ 7,281, 4 blocks``."""
    m, k = blocks[0][:2]
    widest = max(n for _, _, n in blocks)
    bound = "≤ " if min(n for _, _, n in blocks) < widest else ""
    count = f", {len(blocks)} blocks" if len(blocks) > 1 else ""
    return f"{m} × {k} × {bound}{widest:,}{count}"


def gemm_table(profiles, peak, rows):
    """The matrix products of each NumPy convolution: shapes, reuse, share of time, rate.

    Parameters
    ----------
    profiles : list of dict
        :func:`cnncourse.bench.time_gemm_blocks` results.
    peak : float
        The reference rate, GFLOP/s.
    rows : list of dict
        :func:`cnncourse.bench.run_grid` rows, for each case's operation count.

    Columns: the products' shapes (and how many blocks), their operations per number moved
    (:func:`cnncourse.bench.gemm_work_per_load` of the widest block), the share of the whole
    NumPy call that the products alone take, and their GFLOP/s with the fraction of
    ``peak``. The rate counts the operations of the direct sum (the case's ``flops``), as
    everywhere on the page, not the products' own, which include the discarded columns.
    """
    from .bench import gemm_work_per_load

    flops = {r["case"]: r["flops"] for r in rows}
    header = ["case", "products m × k × n", "ops per number",
              "share of time", "GFLOP/s"]  # fmt: skip
    body = []
    for p in profiles:
        widest = max(p["blocks"], key=lambda b: b[2])
        rate = flops[p["case"]] / p["gemm"] / 1e9
        body.append(
            (
                short(p["case"]),
                _products(p["blocks"]),
                f"{gemm_work_per_load(*widest):.0f}",
                f"{p['gemm'] / p['numpy']:.0%}",
                f"{rate:.0f} ({rate / peak:.0%})",
            )
        )
    return header, body


def why_markdown(rows, profiles, peak):
    """Bullets that quote this run's numbers for the appendix's explanations.

    The GEMM bullets quote only ratios within one measurement, ``profiles``
    (:func:`cnncourse.bench.time_gemm_blocks`: the whole NumPy call, the GEMM algorithm
    forced where the rule picks Winograd, its matrix products alone, and
    ``torch.nn.functional``'s call, timed in turn): the share of the call the products
    take, their rate against ``peak``, and torch's time over the products' and over the
    call's. No time of ``profiles`` is quoted: ``rows`` timed the same calls separately,
    and on a busy machine the two can differ several times. One bullet each for the
    64-channel layer, the CIFAR batch and the strided layer; then, from ``rows`` (the time
    table's measurement), the MNIST-size input (its time against what its arithmetic would
    take at ``peak``) and pooling (NumPy / torch); and a warning when the products alone
    took longer than the whole call, which only a busy machine does. A time compared with
    another is called less or more only outside the noise band (:func:`relation`).
    """
    by_case = {r["case"]: r for r in rows}
    by_profile = {p["case"]: p for p in profiles}

    def products_against_torch(name, label):
        row, p = by_case[name], by_profile[name]
        rate = row["flops"] / p["gemm"] / 1e9
        found = relation(p["F"] / p["gemm"])
        compared = {
            "less": "less than the products alone",
            "more": "more than the products alone",
            "tie": "the same as the products alone, within the noise",
        }[found]
        return (
            f"- {label}: the matrix products alone took {p['gemm'] / p['numpy']:.0%} of "
            f"NumPy's call, at {rate / peak:.0%} of the reference rate; torch's whole "
            f"convolution took {p['F'] / p['gemm']:.2f} times the products' time ({compared}) "
            f"and {p['F'] / p['numpy']:.2f} times NumPy's whole call."
        )

    wide = by_case["8x64x56x56 -> 64, 3x3"]["algorithm"]  # the rule's choice in the time table
    lines = [
        products_against_torch(
            "8x64x56x56 -> 64, 3x3",
            "64-channel layer, the shifted GEMM forced (the algorithm the time table ran "
            f"there: {wide})",
        ),
        products_against_torch("CIFAR batch 64x3x32x32 -> 16, 3x3", "CIFAR batch"),
        products_against_torch("strided 8x32x56x56 -> 64, 3x3/2", "strided layer"),
    ]
    tiny = by_case["MNIST-size 1x1x28x28, 3x3"]
    arithmetic = tiny["flops"] / (peak * 1e9)
    lines.append(
        f"- MNIST-size input: {tiny['flops']:,} operations, "
        f"{arithmetic * 1e6:.2f} µs at the reference rate; in the time table NumPy took "
        f"{tiny['numpy'] * 1e6:.0f} µs, torch {tiny['torch'] * 1e6:.0f} µs, torch.nn.functional "
        f"alone {tiny['F'] * 1e6:.0f} µs: nearly all of it fixed per-call costs. "
        "NumPy's warm call runs what its first call prepared: the checks' verdict and the "
        "algorithm's plan are remembered for this configuration (the types and values of "
        "the arguments, the arrays' shapes and dtypes), which leaves four NumPy steps (a "
        "strided view of the image, one copy, one product, a view of the answer)."
    )
    for kind in ("max", "avg"):
        ratios = [r["numpy"] / r["torch"] for r in rows if r["op"] == f"{kind}_pool2d"]
        lines.append(
            f"- {kind} pooling (the time table's): NumPy / torch = "
            f"{' and '.join(ratio_text(x) for x in ratios)}."
        )
    if any(p["gemm"] > p["numpy"] for p in profiles):
        lines.append(
            "- A share above 100% (the products alone slower than the whole call) means "
            "other processes slowed one of the two timings: this machine was busy."
        )
    return "\n".join(lines)


def algorithm_table(algorithm_rows, names):
    """Each NumPy algorithm forced on each case, and how the rule's choice compares.

    The last column names the rule's choice with its time over the fastest's (1.00: the
    rule picked the fastest). An algorithm timed on no case has no column; one timed on
    some cases only shows "–" on the others.
    """
    names = [name for name in names if any(name in r for r in algorithm_rows)]  # that ran
    header = ["case", *(f"{name} ms" for name in names), "chosen (÷ fastest)"]
    body = []
    for r in algorithm_rows:
        fastest = min(r[name] for name in names if name in r)
        body.append(
            (
                short(r["case"]),
                *(f"{r[name] * 1e3:.3f}" if name in r else "–" for name in names),
                f"{r['chosen']} ({r[r['chosen']] / fastest:.2f})",
            )
        )
    return header, body


def sweep_table(sweep, sides):
    """Times of one layer at growing image sides: NumPy, torch, and their ratio."""
    return (
        ["image side n", *(str(side) for side in sides)],
        [
            ("NumPy ms", *(f"{r['numpy'] * 1e3:.2f}" for r in sweep)),
            ("torch ms", *(f"{r['torch'] * 1e3:.2f}" for r in sweep)),
            ("NumPy / torch", *(ratio_text(r["numpy"] / r["torch"]) for r in sweep)),
        ],
    )


def _factor(x):
    """A growth factor for prose: whole numbers from 10 on, two significant digits below."""
    return f"{x:.0f}" if x >= 10 else f"{x:.2g}"


def _grew(x):
    """``grew 3.1×``, or for a time that shrank ``fell to 0.1 of its value``."""
    if x >= 1:
        return f"grew {_factor(x)}×"
    return f"fell to {x:.2g} of its value"


def sweep_markdown(sweep, sides, wide_row):
    """Three sentences: how each backend's time grew against the pixels, what that says of
    fixed costs, and NumPy / torch at both ends and on ``wide_row`` (a wider grid layer).

    A time that grew by less than half the growth of the pixels is said to have been partly
    a fixed cost at the smallest side; one that grew by more than that, mostly arithmetic.
    """
    pixels = (sides[-1] / sides[0]) ** 2
    grew = {b: sweep[-1][b] / sweep[0][b] for b in ("numpy", "torch")}
    first, last = (r["numpy"] / r["torch"] for r in (sweep[0], sweep[-1]))
    wide = wide_row["numpy"] / wide_row["torch"]
    fixed = [label for b, label in (("numpy", "NumPy's"), ("torch", "torch's"))
             if grew[b] < pixels / 2]  # fmt: skip
    if fixed:
        verdict = (
            f"{' and '.join(fixed)} grew by less than half as much as the pixels: "
            f"at n = {sides[0]} fixed per-call costs were a large part of "
            + ("them" if len(fixed) == 2 else "it")
            + "."
        )
    else:
        verdict = (
            "Both grew by at least half as much as the pixels: arithmetic dominated throughout."
        )
    faster = {"less": "NumPy was faster", "more": "torch was faster", "tie": "a tie"}
    return (
        f"In this run, from n = {sides[0]} to n = {sides[-1]} ({pixels:.0f}× the pixels) "
        f"NumPy's time {_grew(grew['numpy'])} and torch's {_grew(grew['torch'])}. "
        f"{verdict} NumPy / torch is {ratio_text(first)} at n = {sides[0]} "
        f"({faster[relation(first)]}) and {ratio_text(last)} at n = {sides[-1]} "
        f"({faster[relation(last)]}); on the 64-channel layer of the grid "
        f"({short(wide_row['case'])}) it is {ratio_text(wide)} ({faster[relation(wide)]})."
    )


def draw_sweep(sweep, sides, peak):
    """Time per call (left) and GFLOP/s (right) of one layer against the image side.

    A dotted line on the left grows in proportion to the pixels, through NumPy's time at
    the largest side: a time that climbs less steeply than it is partly a fixed cost.
    """
    fig, (ax_time, ax_rate) = _figure((9, 3.6), cols=2)
    sides = np.asarray(sides, dtype=float)
    for backend, label, color in BACKENDS:
        seconds = np.array([r[backend] for r in sweep])
        rates = np.array([r["flops"] for r in sweep]) / seconds / 1e9
        ax_time.plot(sides, seconds * 1e3, marker="o", label=label, color=COLORS[color])
        ax_rate.plot(sides, rates, marker="o", label=label, color=COLORS[color])
    last = sweep[-1]["numpy"] * 1e3
    ax_time.plot(sides, last * (sides / sides[-1]) ** 2, ":", color="0.4",
                 label="∝ pixels (n²)")  # fmt: skip
    ax_rate.axhline(peak, color="0.3", linestyle="--", linewidth=1, label="reference rate")
    for ax, ylabel in [(ax_time, "milliseconds"), (ax_rate, "GFLOP/s")]:
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel("image side n (pixels)")
        ax.set_ylabel(ylabel)
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=9)
    fig.tight_layout()
    return fig


def growth_table(sizes, times, small, large):
    """How much each method's time grew from side ``small`` to side ``large``."""
    growth = {name: t[sizes.index(large)] / t[sizes.index(small)] for name, t in times.items()}
    pixels = (large / small) ** 2
    header = [f"n = {small} → {large} ({pixels:.0f}× the pixels)", *growth]
    return growth, (header, [("time grew by", *(f"{_factor(g)}×" for g in growth.values()))])


def draw_edge_times(sizes, times):
    """Microseconds of each way of computing the edge detector, against the image side."""
    fig, ax = _figure((6.4, 3.8))
    for name, seconds in times.items():
        ax.plot(sizes, np.array(seconds) * 1e6, marker="o", label=name)
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("image side n (pixels)")
    ax.set_ylabel("microseconds")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3, which="both")
    fig.tight_layout()
    return fig


def winograd_error_table(error_rows):
    """Errors of :func:`cnncourse.bench.winograd_errors` rows, in units of eps Σ|x||w|.

    One row per (case, spoiled input, dtype): the shifted GEMM's, F(2 × 2, 3 × 3)'s and
    F(4 × 4, 3 × 3)'s largest error over a direct sum's scale, and F(4 × 4, 3 × 3)'s largest
    error relative to the largest output.
    """
    f2, f4 = WINOGRAD_LABELS["winograd"], WINOGRAD_LABELS["winograd4"]
    header = ["case (input)", "dtype", "shifted GEMM", f2, f4, f"{f4} ÷ max|y|"]
    body = []
    for r in error_rows:
        name = short(r["case"])
        label = name if r["spoiler"] == "none" else f"{name} ({r['spoiler']})"
        body.append(
            (
                label,
                r["dtype"],
                f"{r['shifted-gemm']:.2g}",
                f"{r['winograd']:.3g}",
                f"{r['winograd4']:.3g}",
                f"{r['relative4']:.1e}",
            )
        )
    return header, body


#: The names the appendix gives the algorithms of :func:`cnncourse.bench.winograd_sweep`:
#: the 2-D Winograds, F(2 × 2, 3 × 3) and F(4 × 4, 3 × 3) (the 1-D ones are F(2, 3), F(4, 3)).
WINOGRAD_LABELS = {
    "shifted-gemm": "shifted GEMM",
    "winograd": "F(2×2,3×3)",
    "winograd4": "F(4×4,3×3)",
}


def winograd_sweep_table(sweep_rows):
    """Both Winograds against the shifted GEMM as channels grow (:func:`bench.winograd_sweep`)."""
    f2, f4 = WINOGRAD_LABELS["winograd"], WINOGRAD_LABELS["winograd4"]
    header = ["side", "channels", "shifted GEMM ms", f"{f2} ÷ shifted", f"{f4} ÷ shifted",
              "the rule picks"]  # fmt: skip
    body = [
        (
            str(r["side"]),
            str(r["channels"]),
            f"{r['shifted-gemm'] * 1e3:.2f}",
            f"{r['winograd'] / r['shifted-gemm']:.2f}",
            f"{r['winograd4'] / r['shifted-gemm']:.2f}",
            WINOGRAD_LABELS.get(r["chosen"], r["chosen"]),
        )
        for r in sweep_rows
    ]
    return header, body


def draw_winograd_sweep(sweep_rows):
    """Each Winograd's time over the shifted GEMM's against the channel count (below 1: faster).

    One colour per image side, F(4 × 4, 3 × 3) solid and F(2 × 2, 3 × 3) dashed; a grey line
    at 1, and dotted the share of the multiplications each keeps, 16/36 and 36/144 (the GEMM
    alone), labelled at the fewest channels, where the ratios lie far above them; the legend
    sits under the axes, off the data.
    """
    fig, ax = _figure((5.8, 3.4))
    sides = sorted({r["side"] for r in sweep_rows})
    colors = [COLORS["kernel"], COLORS["input"], COLORS["output"]]
    for side, color in zip(sides, colors, strict=False):
        rows = [r for r in sweep_rows if r["side"] == side]
        channels = np.array([r["channels"] for r in rows], dtype=float)
        for name, style in (("winograd4", "-"), ("winograd", "--")):
            ratio = [r[name] / r["shifted-gemm"] for r in rows]
            ax.plot(channels, ratio, style, marker="o", color=color,
                    label=f"{WINOGRAD_LABELS[name]}, {side} × {side}")  # fmt: skip
    ax.axhline(1.0, color="0.3", linewidth=1)
    for share, text, above in ((16 / 36, "16/36", True), (36 / 144, "36/144", False)):
        ax.axhline(share, color="0.5", linestyle=":", linewidth=1)
        ax.annotate(f"multiplications {text}", (channels[0], share),
                    xytext=(2, 2 if above else -9), textcoords="offset points",
                    ha="left", fontsize=9, color="0.35")  # fmt: skip
    ax.set_xscale("log", base=2)
    ax.set_xticks(channels, [str(int(c)) for c in channels])
    top = max(r[n] / r["shifted-gemm"] for r in sweep_rows for n in ("winograd", "winograd4"))
    ax.set_ylim(0, max(2.0, top * 1.1))
    ax.set_xlabel("channels in = channels out (3 × 3 kernel, padding 1)")
    ax.set_ylabel("time ÷ shifted GEMM's")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=9, ncol=2, loc="upper center", bbox_to_anchor=(0.5, -0.2), frameon=False)
    fig.tight_layout()
    return fig


#: Where :func:`place_labels` tries a point's label, in order of preference: offsets in
#: points from the point and the label's alignment (right of, left of, above, below).
LABEL_SPOTS = tuple(
    (dx * scale, dy * scale, ha, va)
    for scale in (1, 2, 3.5)
    for dx, dy, ha, va in (
        (5, 3, "left", "bottom"),
        (5, -3, "left", "top"),
        (-5, 3, "right", "bottom"),
        (-5, -3, "right", "top"),
        (7, 0, "left", "center"),
        (-7, 0, "right", "center"),
        (0, 7, "center", "bottom"),
        (0, -7, "center", "top"),
    )
)


def _gap(box, point):
    """Distance in pixels from ``point`` (x, y) to the nearest point of ``box`` (a Bbox)."""
    dx = max(box.x0 - point[0], 0.0, point[0] - box.x1)
    dy = max(box.y0 - point[1], 0.0, point[1] - box.y1)
    return float(np.hypot(dx, dy))


def place_labels(ax, xy, texts, fontsize, avoid=()):
    """Label each point of ``xy`` (data coordinates) with its text, without overlaps.

    Greedy: the points are labelled from left to right, each at the first spot of
    :data:`LABEL_SPOTS` whose text box stays inside the axes and overlaps no label placed
    before (nor comes within 3 points of one), overlaps no point (a marker's box), lies no
    nearer another point than its own, and covers as few samples of the ``avoid`` lines as
    possible; when every spot breaks a rule, the spot with the least cost (an overlap with
    a label 1000, with a marker 300, a nearer point 150, a line sample 5). Labels sit on a
    light backing, so that a line under one does not hide it, and one placed farther than
    the nearest spots gets a thin line leading to its point. Call it once
    the figure's layout is final (the boxes are measured in display pixels).

    Returns
    -------
    list of matplotlib.text.Annotation
    """
    from matplotlib.transforms import Bbox

    fig = ax.figure
    renderer = fig.canvas.get_renderer()
    inside = ax.get_window_extent(renderer)
    centres = ax.transData.transform(np.asarray(xy, dtype=float))
    radius = 4 * fig.dpi / 72  # a marker's half-width, in pixels
    margin = 3 * fig.dpi / 72  # the least gap between two labels
    backing = {"facecolor": "white", "alpha": 0.75, "edgecolor": "none", "pad": 0.4}
    markers = [Bbox.from_extents(x - radius, y - radius, x + radius, y + radius)
               for x, y in centres]  # fmt: skip
    samples = [np.empty((0, 2))]
    for line in avoid:  # the line's vertices in pixels, filled in every 2 pixels or closer
        path = line.get_transform().transform(np.column_stack(line.get_data()))
        for start, end in zip(path[:-1], path[1:], strict=True):
            count = max(2, int(np.hypot(*(end - start)) / 2) + 1)
            samples.append(start + np.linspace(0, 1, count)[:, None] * (end - start))
    samples = np.concatenate(samples)
    placed, labels = [], []
    for i in np.argsort(centres[:, 0], kind="stable"):
        label = ax.annotate(texts[i], xy[i], xytext=(0, 0), textcoords="offset points",
                            fontsize=fontsize, bbox=backing)  # fmt: skip
        best = None
        for rank, (dx, dy, ha, va) in enumerate(LABEL_SPOTS):
            label.set_position((dx, dy))
            label.set_horizontalalignment(ha)
            label.set_verticalalignment(va)
            box = label.get_window_extent(renderer)
            cost = rank * 0.01
            cost += 1000 * (
                not (inside.contains(box.x0, box.y0) and inside.contains(box.x1, box.y1))
            )
            cost += 1000 * sum(box.overlaps(other) for other in placed)
            cost += 300 * sum(box.overlaps(marker) for marker in markers)
            gaps = [_gap(box, centre) for centre in centres]
            cost += 150 * (min(gaps) < gaps[i])  # nearer another point than its own
            cost += 5 * np.count_nonzero(
                (samples[:, 0] > box.x0) & (samples[:, 0] < box.x1)
                & (samples[:, 1] > box.y0) & (samples[:, 1] < box.y1)
            )  # fmt: skip
            if best is None or cost < best[0]:
                best = (cost, dx, dy, ha, va, box)
            if cost < 1:
                break
        _, dx, dy, ha, va, box = best
        label.remove()  # drawn again where it goes, with a leading line if moved away
        far = np.hypot(dx, dy) > 9
        leader = {"arrowstyle": "-", "color": "0.45", "linewidth": 0.6, "shrinkA": 0,
                  "shrinkB": 3}  # fmt: skip
        label = ax.annotate(texts[i], xy[i], xytext=(dx, dy), textcoords="offset points",
                            ha=ha, va=va, fontsize=fontsize, bbox=backing,
                            arrowprops=leader if far else None)  # fmt: skip
        placed.append(box.padded(margin))  # a gap between two labels
        labels.append(label)
    return labels


def draw_roofline(profiles, rows, peak, bandwidth, narrow=False):
    """A roofline: the products' GFLOP/s against their operations per number moved.

    The roof (solid) is :math:`\\min(P, \\beta x / 4)`; the reference rate :math:`P` is
    drawn dashed only left of the corner, where it lies above the roof (right of it the roof
    is :math:`P`). With :math:`P` the reference rate
    ``peak``, :math:`\\beta` the measured memory ``bandwidth`` in GB/s, :math:`x` the
    operations per number moved (:func:`cnncourse.bench.gemm_work_per_load` of the widest
    block) and 4 bytes per float32 number. The rates count the direct sum's operations
    (each case's ``flops`` in ``rows``) over the products' time alone. Each point is named
    by :func:`place_labels` (no two labels overlap), the legend sits under the axes.

    ``narrow``: the phone layout (a narrower, taller figure, the legend in one column),
    which the wide figure offers (:func:`cnncourse.layout.offer_narrow`).
    """
    from .bench import gemm_work_per_load

    flops = {r["case"]: r["flops"] for r in rows}
    fig, ax = _figure((3.3, 4.7) if narrow else (6.4, 4.4))
    reuse = np.array([gemm_work_per_load(*max(p["blocks"], key=lambda b: b[2])) for p in profiles])
    rates = np.array([flops[p["case"]] / p["gemm"] / 1e9 for p in profiles])
    x = np.geomspace(1, max(1000.0, reuse.max() * 2), 200)
    roof = ax.plot(x, np.minimum(peak, bandwidth * x / 4), color="0.3", linewidth=1.5,
                   label="roof: min(reference, bandwidth × x / 4 B)")  # fmt: skip
    memory = ax.plot(x, bandwidth * x / 4, ":", color="0.5", linewidth=1,
                     label=f"memory: {bandwidth:.0f} GB/s")  # fmt: skip
    corner = peak / (bandwidth / 4)
    reference = ax.plot([x[0], corner], [peak, peak], "--", color="0.3", linewidth=1,
                        label=f"reference rate: {peak:.0f} GFLOP/s")  # fmt: skip
    ax.scatter(reuse, rates, color=COLORS["input"], zorder=3, label="NumPy's products")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(x[0] / 1.5, x[-1] * 1.5)
    ax.set_ylim(bottom=min(rates.min(), bandwidth / 4) / 2, top=max(peak, rates.max()) * 3)
    ax.set_xlabel("operations per number moved", fontsize=9)
    ax.set_ylabel("GFLOP/s", fontsize=9)
    ax.tick_params(labelsize=9)
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=7 if narrow else 8, loc="upper center", bbox_to_anchor=(0.5, -0.16),
              ncol=1 if narrow else 2, frameon=False)  # fmt: skip
    fig.tight_layout()
    names = [short(p["case"]) for p in profiles]
    place_labels(ax, np.column_stack([reuse, rates]), names, fontsize=7,
                 avoid=[*roof, *memory, *reference])  # fmt: skip
    return fig if narrow else _phone_layout(fig, draw_roofline, profiles, rows, peak, bandwidth)


#: A 28 x 28 convolution timed alone for longer than this (seconds) waited for cores.
BUSY_SECONDS = 1e-3


def interference_markdown(result):
    """One sentence on :func:`cnncourse.bench.after_product_times`' ``result``: torch's
    28 x 28 call on its own and right after a NumPy product, and whether that differed
    beyond the noise (:func:`relation`)."""
    alone, after = result["alone"], result["after"]
    found = relation(after / alone)
    threads = f"{result['blas_threads']} BLAS and {result['torch_threads']} torch threads"
    head = (
        f"Here ({threads}) torch's 28 × 28 convolution took {alone * 1e3:.3f} ms in a block "
        f"of its own calls and {after * 1e3:.3f} ms right after a 512 × 512 product"
    )
    busy = (
        " Alone it should take microseconds (12,168 operations): over a millisecond means "
        "its threads waited for cores even alone, so other processes were busy."
        if alone > BUSY_SECONDS
        else ""
    )
    if found == "more":
        return f"{head}: {after / alone:.0f} times as long.{busy}"
    return f"{head}: no slower beyond the noise on this machine.{busy}"


def torch_wins_markdown(rows, band=NOISE):
    """One sentence: on how many convolutions torch (both columns) was clearly faster than
    NumPy in this run, and on which (:func:`comparison_markdown`'s verdict)."""
    convolutions = [r for r in rows if r["op"] == "conv2d"]
    won = [
        short(r["case"])
        for r in convolutions
        if all(relation(r["numpy"] / r[b], band) == "more" for b in ("torch", "F"))
    ]
    named = f": {'; '.join(won)}" if won else ""
    return (
        f"In this run torch was clearly faster than NumPy on {len(won)} of the "
        f"{len(convolutions)} convolutions{named}."
    )


def roofline_markdown(profiles, rows, peak, bandwidth):
    """Where the roof's corner lies, which products sit left of it (the memory side), which
    rose above the reference rate ``peak`` (not a ceiling: a measured rate) and which above
    the memory line ``bandwidth x / 4`` (their blocks were in the caches).
    """
    from .bench import gemm_work_per_load

    flops = {r["case"]: r["flops"] for r in rows}
    corner = peak / (bandwidth / 4)
    left, above, cached = [], [], []
    for p in profiles:
        reuse = gemm_work_per_load(*max(p["blocks"], key=lambda b: b[2]))
        rate = flops[p["case"]] / p["gemm"] / 1e9
        if reuse < corner:
            left.append(short(p["case"]))
        if rate > peak:
            above.append(short(p["case"]))
        if rate > bandwidth * reuse / 4:
            cached.append(short(p["case"]))
    side = (
        f"the products of {'; '.join(left)} lie left of it, on the memory side, the others "
        "right of it"
        if left
        else "every product lies right of it, on the arithmetic side"
    )
    rose = (
        f" The products of {'; '.join(above)} ran faster than the reference rate, which is "
        "what BLAS reached on 1024 × 1024 matrices, not a ceiling."
        if above
        else " No product ran faster than the reference rate."
    )
    fed = (
        f" The products of {'; '.join(cached)} ran faster than main memory could feed them "
        "(above the sloped line): their blocks were read from the caches."
        if cached
        else ""
    )
    return (
        f"In this run the corner lies at {corner:.0f} operations per number moved: "
        f"{side}.{rose}{fed}"
    )
