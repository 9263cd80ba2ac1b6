"""Winograd's minimal filtering F(2 x 2, 3 x 3) and F(4 x 4, 3 x 3) (Lavin & Gray 2016).

3 x 3 kernels, stride 1. In one dimension, two outputs of a 3-tap correlation,
:math:`y_i = \\sum_a d_{i+a} g_a` (:math:`i = 0, 1`), need 6 multiplications done directly,
but only 4 as

.. math::

    y = A^T \\left[ (G g) \\odot (B^T d) \\right],
    \\quad
    B^T = \\begin{pmatrix} 1 & 0 & -1 & 0 \\\\ 0 & 1 & 1 & 0 \\\\ 0 & -1 & 1 & 0 \\\\
    0 & 1 & 0 & -1 \\end{pmatrix},
    \\quad
    G = \\begin{pmatrix} 1 & 0 & 0 \\\\ \\tfrac12 & \\tfrac12 & \\tfrac12 \\\\
    \\tfrac12 & -\\tfrac12 & \\tfrac12 \\\\ 0 & 0 & 1 \\end{pmatrix},
    \\quad
    A^T = \\begin{pmatrix} 1 & 1 & 1 & 0 \\\\ 0 & 1 & -1 & -1 \\end{pmatrix},

for a tile :math:`d` of 4 inputs. Nested, a 4 x 4 input tile gives a 2 x 2 output tile,
:math:`Y = A^T [(G g G^T) \\odot (B^T d B)] A`, with 16 multiplications instead of 36.
F(4, 3) (:data:`BT4`, :data:`G4`, :data:`AT4`: the polynomial points 0, ±1, ±2 and
infinity) gets 4 outputs from a tile of 6 inputs with 6 multiplications instead of 12;
nested, a 6 x 6 tile gives 4 x 4 outputs with 36 instead of 144. Over channels the
element-wise product becomes a sum, so the :math:`t^2` products (:math:`t = m + 2`) of a
layer are :math:`t^2` matrix products, one batched GEMM:

.. math::

    M[\\xi, o, \\tau] = \\sum_c U[\\xi, o, c]\\, V[\\xi, c, \\tau],
    \\qquad U = G g G^T, \\quad V = B^T d B,

over the positions :math:`\\xi` of a transformed tile and the tiles :math:`\\tau`. The input
and output transforms are small GEMMs too: :math:`B^T` (:math:`t \\times t`) times the
gathered tiles viewed as :math:`t` long rows, along the rows of every tile and then along
its columns, a block of tiles at a time.

**Error bound.** Every step is a short sum, so in floating point (unit roundoff :math:`u`,
:math:`\\gamma_k = k u / (1 - k u)`) each output differs from the exact one by at most

.. math::

    |\\hat y - y| \\le \\gamma_{C + k_m}\\, \\sum_c \\sum_{a, b, p, q}
    K_{i a p} K_{j b q}\\, |w_{o c a b}|\\, |x_{c p q}|,
    \\qquad K_{i a p} = \\sum_r |A_{r i}|\\,|G_{r a}|\\,|B^T_{r p}|

(:func:`error_bound`; :math:`p, q` run over the tile). :math:`k_m`
(:data:`EXTRA_ROUNDINGS`) counts the roundings besides the channel sum's :math:`C - 1`; a
sum of :math:`n` non-zero terms rounds :math:`n - 1` times, a product by 0, ±1, 2, 4, 8 or
1/2 not at all, any other product once. F(2, 3): 2 in :math:`V` (2 terms a row of
:math:`B^T`, rows then columns), 4 in :math:`U` (3 terms a row of :math:`G`), 1 product, 4
in the output transform: 11, stated as 12. F(4, 3): 6 in :math:`V` (up to 4 terms, or 3
with a product by 5), 8 in :math:`U` (the entries 1/6, 1/12, 1/24 of :math:`G` are rounded
themselves, then 3 products are summed, each way), 1 product, 8 in the output transform (up
to 5 terms): 23, stated as 24. Since :math:`\\sum_p K_{i a p} \\le s_m` (:math:`s_2 = 4`,
:math:`s_4 = 88/3 \\approx 29.3`, for the last output and tap), the right-hand side is at
most :math:`\\kappa_m \\gamma_{C + k_m} \\max |x| \\sum |w|` with
:math:`\\kappa_m = s_m^2` (:data:`KAPPA`: 16 and 860): F(2, 3)'s is like a direct sum's
:math:`\\gamma_{9 C} \\sum |x| |w|` as long as a window's values are of about the same
size; F(4, 3)'s larger constants (up to 8 in :math:`A^T`, 5 in :math:`B^T`, 1/24 in
:math:`G`) make it about 50 times F(2, 3)'s. Where values are not of about the same size (a
large value next to small ones, NaN, infinity, overflow),
:func:`cnncourse._conv_algorithms.choose` uses a direct method
(:func:`cnncourse._conv_algorithms.winograd_is_exact`, a check like the FFT path's).
"""

import math
import os

import numpy as np

from ._workspace import scratch

#: The transforms of F(2, 3): data ``B^T`` (4 x 4), kernel ``G`` (4 x 3), output ``A^T`` (2 x 4).
BT = np.array([[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]], dtype=float)
G = np.array([[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]])
AT = np.array([[1, 1, 1, 0], [0, 1, -1, -1]], dtype=float)

#: The transforms of F(4, 3) (Lavin & Gray 2016, points 0, ±1, ±2 and infinity): data
#: ``B^T`` (6 x 6), kernel ``G`` (6 x 3), output ``A^T`` (4 x 6).
BT4 = np.array(
    [
        [4, 0, -5, 0, 1, 0],
        [0, -4, -4, 1, 1, 0],
        [0, 4, -4, -1, 1, 0],
        [0, -2, -1, 2, 1, 0],
        [0, 2, -1, -2, 1, 0],
        [0, 4, 0, -5, 0, 1],
    ],
    dtype=float,
)
G4 = np.array(
    [
        [1 / 4, 0, 0],
        [-1 / 6, -1 / 6, -1 / 6],
        [-1 / 6, 1 / 6, -1 / 6],
        [1 / 24, 1 / 12, 1 / 6],
        [1 / 24, -1 / 12, 1 / 6],
        [0, 0, 1],
    ]
)
AT4 = np.array(
    [[1, 1, 1, 1, 1, 0], [0, 1, -1, 2, -2, 0], [0, 1, 1, 4, 4, 0], [0, 1, -1, 8, -8, 1]],
    dtype=float,
)

#: ``m`` (outputs per tile side) -> ``(B^T, G, A^T)``.
TRANSFORMS = {2: (BT, G, AT), 4: (BT4, G4, AT4)}

#: Roundings on the way to one output besides the channel sum's ``C - 1``, per tile side
#: ``m`` (counted in the module docstring): 12 for F(2, 3), 24 for F(4, 3).
EXTRA_ROUNDINGS = {2: 12, 4: 24}


def _kappa(m):
    """``max_{i, a} (sum_p K[i, a, p])^2``, ``K[i, a, p] = sum_r |A_ri| |G_ra| |B^T_rp|``.

    The bound's simple form (module docstring) for tile side ``m``.
    """
    bt, g, at = (np.abs(a) for a in TRANSFORMS[m])
    return float(np.einsum("ri,ra,rp->iap", at.T, g, bt).sum(axis=2).max() ** 2)


#: The constant of the bound's simple form, per tile side ``m`` (:func:`error_bound`):
#: 16 for F(2, 3), (88/3)^2 = 860.4 for F(4, 3).
KAPPA = {m: _kappa(m) for m in TRANSFORMS}

#: Largest temporaries (transformed tiles and their products), in bytes, built at once.
BLOCK_BYTES = 2 * 2**20


def supports(weight_shape, stride, dilation):
    """Whether :func:`winograd` computes this layer itself: stride 1, kernels up to 3 x 3.

    Smaller kernels are padded with zero taps; a dilated kernel runs on interleaved
    sub-images (every ``d``-th row and column), where it is a dense one.
    """
    return max(stride) == 1 and max(weight_shape[2:]) <= 3


def kernel_transform(weight, m=2):
    """``U[r s, o, c] = (G w[o, c] G^T)[r, s]``: shape ((m + 2)^2, C_out, C_in).

    In ``weight``'s dtype (``G`` of F(4, 3) holds 1/6, 1/12, 1/24, rounded to it: the
    module docstring counts those roundings).
    """
    return _kernel_transform(weight, TRANSFORMS[m][1], weight.dtype)


def _kernel_transform(weight, g, dtype):
    """``g w g^T`` of every kernel, in ``dtype``, as ((m + 2)^2, C_out, C_in).

    One GEMM along the kernels' columns, one batch of small ones along their rows, written
    into a work array in the GEMM's layout.
    """
    t = g.shape[0]
    out_channels, in_channels, kh, kw = weight.shape
    g = g.astype(dtype)
    right = weight.astype(dtype, copy=False).reshape(-1, kw) @ g.T  # (O C kH, t)
    both = np.matmul(g, right.reshape(out_channels * in_channels, kh, t))  # (O C, t, t)
    u = np.empty((t, t, out_channels, in_channels), dtype=dtype)
    u[...] = both.reshape(out_channels, in_channels, t, t).transpose(2, 3, 0, 1)
    return u.reshape(t * t, out_channels, in_channels)


def winograd(x, weight, stride, pads, dilation, groups, m=2):
    """Correlate (stride 1, kernels up to 3 x 3) by F(m x m, 3 x 3) tiles, ``m`` 2 or 4.

    Same arguments as the other algorithms of :mod:`cnncourse._conv_algorithms`; ``x`` is
    unpadded, ``pads`` its zero padding.
    """
    if not supports(weight.shape, stride, dilation):
        raise ValueError("winograd: stride 1 and kernels up to 3 x 3 only")
    n, c, h, w = x.shape
    out_channels, per_group, kh, kw = weight.shape
    (top, bottom), (left, right) = pads
    (dh, dw) = dilation
    hp, wp = h + top + bottom, w + left + right
    ho, wo = hp - dh * (kh - 1), wp - dw * (kw - 1)
    if groups == 1 and dilation == (1, 1) and (kh, kw) == (3, 3):
        return _dense(x, pads, kernel_transform(weight, m), (ho, wo), m)
    # The general case: a dense 3 x 3 correlation per group and interleaved sub-image.
    out = np.empty((n, out_channels, ho, wo), dtype=weight.dtype)
    if n == 0:
        return out
    padded = np.zeros((n, c, hp, wp), dtype=x.dtype)
    padded[:, :, top : top + h, left : left + w] = x
    extended = np.zeros((out_channels, per_group, 3, 3), dtype=weight.dtype)
    extended[:, :, :kh, :kw] = weight  # zero taps read zeros added below and right
    outputs = out_channels // groups
    for g in range(groups):
        u = kernel_transform(extended[g * outputs : (g + 1) * outputs], m)
        for rh in range(min(dh, ho)):
            for rw in range(min(dw, wo)):
                sub = padded[:, g * per_group : (g + 1) * per_group, rh::dh, rw::dw]
                size = (len(range(rh, ho, dh)), len(range(rw, wo, dw)))
                y = _dense(sub, ((0, 3 - kh), (0, 3 - kw)), u, size, m)
                out[:, g * outputs : (g + 1) * outputs, rh::dh, rw::dw] = y
    return out


def winograd4(x, weight, stride, pads, dilation, groups):
    """:func:`winograd` with F(4 x 4, 3 x 3) tiles: 36 products per 16 outputs."""
    return winograd(x, weight, stride, pads, dilation, groups, m=4)


def _dense(x, pads, u, size, m=2, transforms=None):
    """F(m x m, 3 x 3) of ``x`` (N, C, H, W) padded by ``pads``, transformed kernels ``u``.

    Returns the (N, C_out, H_out, W_out) answer, ``size = (H_out, W_out)``, as a view of
    whole m x m output tiles (``transforms``: other ``(B^T, G, A^T)`` than F(m, 3)'s, for
    :func:`error_bound`). Works a block of images and of tile rows at a time:

    1. gather the block's (m + 2) x (m + 2) input tiles, ``D[p, q, c, tile]`` (one copy);
    2. ``V = B^T D B`` as two small GEMMs, ``B^T`` (m + 2 rows) times ``D`` viewed as
       (m + 2) long rows, first along ``p``, then along ``q``;
    3. ``M[xi] = U[xi] V[xi]`` for the (m + 2)^2 positions ``xi``: one batched GEMM over
       the channels;
    4. ``Y = A^T M A`` as two small GEMMs likewise, and one copy into the output.
    """
    n, c = x.shape[:2]
    out_channels = u.shape[1]
    ho, wo = size
    th, tw = -(-ho // m), -(-wo // m)  # tiles per column and row
    y = np.empty((n, out_channels, m * th, m * tw), dtype=u.dtype)
    if n == 0:
        return y[:, :, :ho, :wo]
    bt, _, at = (np.ascontiguousarray(a, dtype=u.dtype) for a in transforms or TRANSFORMS[m])
    t = m + 2  # a tile's side
    wide = max(c, out_channels)
    per_tile = (2 * t * t * wide + t * t * out_channels) * u.dtype.itemsize
    tiles = max(1, BLOCK_BYTES // per_tile)
    rows = max(1, min(th, tiles // tw))  # tile rows per block
    images = max(1, min(n, tiles // (th * tw))) if rows == th else 1
    for n0 in range(0, n, images):
        n1 = min(n, n0 + images)
        image = _padded_block(x[n0:n1], pads, (m * th + 2, m * tw + 2), u.dtype)
        tiles_out = y[n0:n1].reshape(n1 - n0, out_channels, th, m, tw, m)
        for i0 in range(0, th, rows):
            i1 = min(th, i0 + rows)
            count = (n1 - n0) * (i1 - i0) * tw
            v = _input_transform(image, i0, i1, tw, bt)  # (t^2, C, count)
            products = scratch("winograd products", (t * t, out_channels, count), u.dtype)
            np.matmul(u, v, out=products)
            _output_transform(products, at, tiles_out[:, :, i0:i1])
    return y[:, :, :ho, :wo]


_blas = {}


def blas_threads():
    """The number of threads NumPy's BLAS may use now (the rule's thread count).

    Read from the BLAS library itself through ``threadpoolctl`` (0.3 us a call once the
    library is found; the first call looks it up, about 0.1 ms), so that a
    ``threadpool_limits`` block is seen at once, with nothing cached to go stale. Without
    ``threadpoolctl`` nothing changes the count while the program runs: it is then the
    count OpenBLAS starts with, from ``OPENBLAS_NUM_THREADS``, ``GOTO_NUM_THREADS`` or
    ``OMP_NUM_THREADS``, else the cores this process may run on.
    """
    query = _blas.get("query")
    if query is None:
        query = _blas["query"] = _blas_query()
    return max(1, int(query() or 1))


def _blas_query():
    """A function of no arguments returning the thread count of NumPy's BLAS."""
    try:
        import threadpoolctl
    except ImportError:
        threadpoolctl = None
    if threadpoolctl is not None:
        controllers = [
            lib
            for lib in threadpoolctl.ThreadpoolController().lib_controllers
            if lib.user_api == "blas"
        ]
        home = os.path.dirname(np.__file__)  # numpy/: wheels keep their BLAS in numpy.libs/
        own = [lib for lib in controllers if lib.filepath.startswith(home)]
        if own or controllers:
            return (own or controllers)[0].get_num_threads
    for name in ("OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS"):
        value = os.environ.get(name, "").split(",")[0].strip()
        if value.isdigit() and int(value) > 0:
            return lambda count=int(value): count
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return lambda count=cores or 1: count


def _padded_block(x, pads, shape, dtype):
    """``x`` (N, C, H, W) padded by ``pads`` and zeros up to ``shape``, as (C, N, H_b, W_b)."""
    (top, _), (left, _) = pads
    n, c, h, w = x.shape
    hb, wb = shape
    image = scratch("winograd input", (c, n, hb, wb), dtype)
    image[:, :, :top] = 0
    image[:, :, top + h :] = 0
    image[:, :, top : top + h, :left] = 0
    image[:, :, top : top + h, left + w :] = 0
    image[:, :, top : top + h, left : left + w] = x.transpose(1, 0, 2, 3)
    return image


def _input_transform(image, i0, i1, tw, bt):
    """``V = B^T d B`` of the tiles in tile rows ``[i0, i1)``: ((m + 2)^2, C, N_b (i1 - i0) tw).

    Tile ``(i, j)`` covers rows ``m i .. m i + m + 1`` and the same columns of ``image``
    (C, N_b, H_b, W_b). Its values are gathered as ``d[p, q, c, n, i, j]`` in one copy, so
    that ``B^T`` is applied to every tile at once as a GEMM with ``m + 2`` long rows (along
    ``p``), then along ``q`` (a batch of ``m + 2`` such GEMMs).
    """
    t = bt.shape[0]
    m = t - 2
    c, nb, _, width = image.shape
    rb = i1 - i0
    item = image.itemsize
    sc, sn, sr = (s // item for s in image.strides[:3])
    first = image.reshape(-1)[i0 * m * sr :]
    view = np.lib.stride_tricks.as_strided(
        first,
        shape=(t, t, c, nb, rb, tw),
        strides=tuple(item * s for s in (sr, 1, sc, sn, m * sr, m)),
        writeable=False,
    )
    count = nb * rb * tw
    d = scratch("winograd tiles", (t, t, c, count), image.dtype)
    d.reshape(t, t, c, nb, rb, tw)[...] = view
    rows = scratch("winograd rows", (t, t, c, count), image.dtype)
    np.matmul(bt, d.reshape(t, -1), out=rows.reshape(t, -1))  # along p
    np.matmul(bt, rows.reshape(t, t, -1), out=d.reshape(t, t, -1))  # along q, per p
    return d.reshape(t * t, c, count)


def _output_transform(products, at, target):
    """``Y = A^T M A`` of ``products`` ((m + 2)^2, C_out, tiles) into ``target``.

    ``target`` (N_b, C_out, rb, m, tw, m) is a view of the output. ``A^T`` is applied
    along the rows of every tile at once (one GEMM), then along the columns (a batch), and
    the m x m tiles are copied into place.
    """
    m, t = at.shape
    count = products.shape[2]
    out_channels = products.shape[1]
    rows = scratch("winograd output rows", (m, t, out_channels * count), products.dtype)
    np.matmul(at, products.reshape(t, -1), out=rows.reshape(m, -1))
    # along the columns, with the tile's column last: each output row is then one run
    tiles = scratch("winograd output tiles", (m, out_channels * count, m), products.dtype)
    np.matmul(rows.transpose(0, 2, 1), at.T, out=tiles)
    nb, _, rb, _, tw, _ = target.shape
    target.transpose(3, 1, 0, 2, 4, 5)[...] = tiles.reshape(m, out_channels, nb, rb, tw, m)


def error_bound(x, weight, pads, eps=None, m=2):
    """The bound of the module docstring on ``|winograd - exact|``, per output (float64).

    ``x`` (N, C, H, W), ``weight`` (C_out, C, 3, 3), stride 1, no groups or dilation. It is
    F(m x m, 3 x 3) itself run in float64 with ``|A|, |G|, |B|`` on ``|x|, |w|``, times
    :math:`\\gamma_{C + k}` of ``eps`` (default: the dtype's machine epsilon; ``k``:
    :data:`EXTRA_ROUNDINGS`). (Its own rounding, relative :math:`\\gamma` of float64 on a
    sum of positive terms, is far below the margin.)
    """
    eps = np.finfo(x.dtype).eps if eps is None else eps
    absolute = tuple(np.abs(a) for a in TRANSFORMS[m])
    xa, wa = np.abs(x).astype(np.float64), np.abs(weight).astype(np.float64)
    u = _kernel_transform(wa, absolute[1], np.float64)
    (top, bottom), (left, right) = pads
    size = (x.shape[2] + top + bottom - 2, x.shape[3] + left + right - 2)
    y = _dense(xa, pads, u, size, m, absolute)
    k = weight.shape[1] + EXTRA_ROUNDINGS[m]
    gamma = k * eps / 2 / (1 - k * eps / 2)
    return gamma * y


def flops(x_shape, weight_shape, m=2):
    """Multiplications of the batched GEMM: (m + 2)^2 per tile, output and input channel."""
    n, c, h, w = x_shape
    tiles = math.ceil((h - 2) / m) * math.ceil((w - 2) / m)
    return (m + 2) ** 2 * n * tiles * weight_shape[0] * c
