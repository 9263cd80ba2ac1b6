"""Winograd's minimal filtering F(2 x 2, 3 x 3) (Lavin & Gray 2016): 3 x 3 kernels, stride 1.

In one dimension, two outputs of a 3-tap correlation, :math:`y_i = \\sum_a d_{i+a} g_a`
(:math:`i = 0, 1`), need 6 multiplications done directly, but only 4 as

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
:math:`Y = A^T [(G g G^T) \\odot (B^T d B)] A`, with 16 multiplications instead of 36. Over
channels the element-wise product becomes a sum, so the 16 products of a layer are 16 matrix
products, one batched GEMM:

.. math::

    M[\\xi, o, t] = \\sum_c U[\\xi, o, c]\\, V[\\xi, c, t],
    \\qquad U = G g G^T, \\quad V = B^T d B,

over the 16 positions :math:`\\xi` of a transformed tile and the tiles :math:`t`. The input
and output transforms are additions only (:math:`B` and :math:`A` hold 0 and ±1), done as a
few whole-array passes over strided views of the padded images.

**Error bound.** Every step is a sum of a few terms, so in floating point (unit roundoff
:math:`u`, :math:`\\gamma_k = k u / (1 - k u)`) each output differs from the exact one by

.. math::

    |\\hat y - y| \\le \\gamma_{C + 12}\\, \\sum_c \\sum_{a, b, p, q}
    K_{i a p} K_{j b q}\\, |w_{o c a b}|\\, |x_{c p q}|,
    \\qquad K_{i a p} = \\sum_r |A_{r i}|\\,|G_{r a}|\\,|B^T_{r p}|,

(:func:`error_bound`: 4 roundings in :math:`V`, 4 in :math:`U`, 1 product, :math:`C - 1` in the
channel sum, 4 in the output transform; :math:`p, q` run over the output's own 3 x 3 window).
Since :math:`\\sum_p K_{i a p} \\le 4`, the right-hand side is at most
:math:`16\\, \\gamma_{C + 12} \\sum_c \\max_\\text{window} |x_c| \\sum_{a b} |w_{o c a b}|`:
like a direct sum's :math:`\\gamma_{9 C} \\sum |x| |w|`, as long as a window's values are of
about the same size. Where they are not (a large value next to small ones, NaN, infinity,
overflow), :func:`cnncourse._conv_algorithms.choose` uses a direct method
(:func:`cnncourse._conv_algorithms.winograd_is_exact`, a check like the FFT path's).
"""

import math

import numpy as np

from ._workspace import scratch

#: The transforms of F(2, 3): data ``B^T`` (4 x 4), kernel ``G`` (4 x 3), output ``A^T`` (2 x 4).
BT = np.array([[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]], dtype=float)
G = np.array([[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]])
AT = np.array([[1, 1, 1, 0], [0, 1, -1, -1]], dtype=float)

#: The automatic choice would take Winograd for at least this many input and output
#: channels and output tiles (2 x 2 outputs each). ``None``: never. Timed through
#: ``conv2d`` in separate processes (``tools/bench_compare.py``), it was no faster than the
#: shifted GEMM on any layer tried (8 x 64 x 56 x 56 -> 64: 1.08x its time; 128 channels
#: at 28 x 28 and 56 x 56: 1.05 to 1.1x), so it runs only when forced.
WINOGRAD_MIN_CHANNELS = None
WINOGRAD_MIN_TILES = 4096

#: Largest temporaries (transformed tiles and their products), in bytes, built at once.
BLOCK_BYTES = 2 * 2**20


def supports(weight_shape, stride, dilation):
    """Whether :func:`winograd` computes this layer itself: stride 1, kernels up to 3 x 3.

    Smaller kernels are padded with zero taps; a dilated kernel runs on interleaved
    sub-images (every ``d``-th row and column), where it is a dense one.
    """
    return max(stride) == 1 and max(weight_shape[2:]) <= 3


def kernel_transform(weight):
    """``U[r s, o, c] = (G w[o, c] G^T)[r, s]``: shape (16, C_out, C_in), in ``weight``'s dtype."""
    g = G.astype(weight.dtype)
    u = np.einsum("ra,ocab,sb->rsoc", g, weight, g, optimize=True)
    return np.ascontiguousarray(u.reshape(16, *weight.shape[:2]))


def winograd(x, weight, stride, pads, dilation, groups):
    """Correlate (stride 1, kernels up to 3 x 3) by F(2 x 2, 3 x 3) tiles.

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
        return _dense(x, pads, kernel_transform(weight), (ho, wo))
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
        u = kernel_transform(extended[g * outputs : (g + 1) * outputs])
        for rh in range(min(dh, ho)):
            for rw in range(min(dw, wo)):
                sub = padded[:, g * per_group : (g + 1) * per_group, rh::dh, rw::dw]
                size = (len(range(rh, ho, dh)), len(range(rw, wo, dw)))
                y = _dense(sub, ((0, 3 - kh), (0, 3 - kw)), u, size)
                out[:, g * outputs : (g + 1) * outputs, rh::dh, rw::dw] = y
    return out


def _dense(x, pads, u, size):
    """F(2 x 2, 3 x 3) of ``x`` (N, C, H, W) padded by ``pads``, transformed kernels ``u``.

    Returns the (N, C_out, H_out, W_out) answer, ``size = (H_out, W_out)``, as a view of
    whole 2 x 2 output tiles. Works a block of images and of tile rows at a time.
    """
    n, c = x.shape[:2]
    out_channels = u.shape[1]
    ho, wo = size
    th, tw = -(-ho // 2), -(-wo // 2)  # tiles per column and row
    y = np.empty((n, out_channels, 2 * th, 2 * tw), dtype=u.dtype)
    if n == 0:
        return y[:, :, :ho, :wo]
    item = u.dtype.itemsize
    per_tile = 16 * (c + out_channels) * item + 4 * c * 2 * item  # V, M, and row transforms
    tiles = max(1, BLOCK_BYTES // per_tile)
    rows = max(1, min(th, tiles // tw))  # tile rows per block
    images = max(1, min(n, tiles // (th * tw))) if rows == th else 1
    hb, wb = 2 * th + 2, 2 * tw + 2
    for n0 in range(0, n, images):
        n1 = min(n, n0 + images)
        image = _tile_ready(x[n0:n1], pads, (hb, wb), u.dtype)  # (C, nb, hb, wb)
        tiles_out = y[n0:n1].reshape(n1 - n0, out_channels, th, 2, tw, 2)
        for i0 in range(0, th, rows):
            i1 = min(th, i0 + rows)
            v = _input_transform(image, i0, i1, tw)  # (16, C, nb rb tw)
            m = scratch("winograd products", (16, out_channels, v.shape[2]), u.dtype)
            np.matmul(u, v, out=m)
            _output_transform(m, tiles_out[:, :, i0:i1], (n1 - n0, i1 - i0, tw))
    return y[:, :, :ho, :wo]


def _tile_ready(x, pads, shape, dtype):
    """``x`` (N, C, H, W) padded by ``pads``, zeros up to ``shape``, columns deinterleaved.

    Returns ``image`` (C, N, H_b, 2, W_b / 2) with ``image[c, n, r, k, j] = x_pad[n, c, r,
    2 j + k]``: the transforms then read whole contiguous rows instead of every other value.
    """
    (top, bottom), (left, right) = pads
    n, c, h, w = x.shape
    hb, wb = shape
    image = scratch("winograd input", (c, n, hb, 2, wb // 2), dtype)
    image[:, :, :top] = 0
    image[:, :, top + h :] = 0
    source = x.transpose(1, 0, 2, 3)
    for k in range(2):  # columns 2 j + k of the padded image: x's columns from 2 j + k - left
        first = (left - k + 1) // 2  # the first j whose column is a real one
        start = 2 * first + k - left
        count = len(range(start, w, 2))
        rows = image[:, :, top : top + h, k]
        rows[..., :first] = 0
        rows[..., first : first + count] = source[..., start::2]
        rows[..., first + count :] = 0
    return image


def _input_transform(image, i0, i1, tw):
    """``V = B^T d B`` of the tiles in tile rows ``[i0, i1)``: (16, C, N_b (i1 - i0) tw).

    Tile ``(i, j)`` starts at row ``2 i``, column ``2 j``; ``B^T`` combines its rows
    (``d0 - d2, d1 + d2, d2 - d1, d1 - d3``), then ``B`` its columns likewise (columns
    ``2 j, 2 j + 1, 2 j + 2, 2 j + 3`` are ``image[..., 0, j], image[..., 1, j]``, and the
    same at ``j + 1``).
    """
    c, nb = image.shape[:2]
    rb = i1 - i0
    r = [image[:, :, 2 * i0 + k : 2 * i1 + k : 2] for k in range(4)]  # (C, nb, rb, 2, wb/2)
    t = scratch("winograd rows", (4, *r[0].shape), image.dtype)
    np.subtract(r[0], r[2], out=t[0])
    np.add(r[1], r[2], out=t[1])
    np.subtract(r[2], r[1], out=t[2])
    np.subtract(r[1], r[3], out=t[3])
    v = scratch("winograd tiles", (4, 4, c, nb, rb, tw), image.dtype)
    q = [t[..., k % 2, k // 2 : k // 2 + tw] for k in range(4)]  # (4, C, nb, rb, tw)
    np.subtract(q[0], q[2], out=v[:, 0])
    np.add(q[1], q[2], out=v[:, 1])
    np.subtract(q[2], q[1], out=v[:, 2])
    np.subtract(q[1], q[3], out=v[:, 3])
    return v.reshape(16, c, nb * rb * tw)


def _output_transform(m, target, shape):
    """``Y = A^T M A`` into ``target`` (N_b, C_out, rb, 2, tw, 2), a view of the output.

    ``A^T`` keeps ``m0 + m1 + m2`` and ``m1 - m2 - m3`` of the rows, then of the columns.
    """
    nb, rb, tw = shape
    out_channels = m.shape[1]
    m = m.reshape(4, 4, out_channels, nb, rb, tw)
    z = scratch("winograd output rows", (2, 4, out_channels, nb, rb, tw), m.dtype)
    np.add(m[0], m[1], out=z[0])
    z[0] += m[2]
    np.subtract(m[1], m[2], out=z[1])
    z[1] -= m[3]
    first = target[:, :, :, :, :, 0].transpose(3, 1, 0, 2, 4)  # (2, C_out, nb, rb, tw)
    second = target[:, :, :, :, :, 1].transpose(3, 1, 0, 2, 4)
    np.add(z[:, 0], z[:, 1], out=first)
    first += z[:, 2]
    np.subtract(z[:, 1], z[:, 2], out=second)
    second -= z[:, 3]


def error_bound(x, weight, pads, eps=None):
    """The bound of the module docstring on ``|winograd - exact|``, per output (float64).

    ``x`` (N, C, H, W), ``weight`` (C_out, C, 3, 3), stride 1, no groups or dilation. It is
    F(2 x 2, 3 x 3) itself run with ``|A|, |G|, |B|`` on ``|x|, |w|``, times
    :math:`\\gamma_{C + 12}` of ``eps`` (default: the dtype's machine epsilon).
    """
    eps = np.finfo(x.dtype).eps if eps is None else eps
    xa, wa = np.abs(x).astype(np.float64), np.abs(weight).astype(np.float64)
    (top, bottom), (left, right) = pads
    xa = np.pad(xa, ((0, 0), (0, 0), (top, bottom), (left, right)))
    ho, wo = xa.shape[2] - 2, xa.shape[3] - 2
    th, tw = -(-ho // 2), -(-wo // 2)
    xa = np.pad(xa, ((0, 0), (0, 0), (0, 2 * th + 2 - xa.shape[2]), (0, 2 * tw + 2 - xa.shape[3])))
    tiles = np.lib.stride_tricks.sliding_window_view(xa, (4, 4), axis=(2, 3))[:, :, ::2, ::2]
    bt, g, at = np.abs(BT), np.abs(G), np.abs(AT)
    v = np.einsum("rp,ncijpq,sq->rsncij", bt, tiles, bt)
    u = np.einsum("ra,ocab,sb->rsoc", g, wa, g)
    m = np.einsum("rsoc,rsncij->rsnoij", u, v)
    y = np.einsum("ur,rsnoij,vs->noiujv", at, m, at)
    y = y.reshape(x.shape[0], weight.shape[0], 2 * th, 2 * tw)
    k = weight.shape[1] + 12
    gamma = k * eps / 2 / (1 - k * eps / 2)
    return gamma * y[:, :, :ho, :wo]


def flops(x_shape, weight_shape):
    """Multiplications of the batched GEMM: 16 per tile, output and input channel."""
    n, c, h, w = x_shape
    tiles = math.ceil((h - 2) / 2) * math.ceil((w - 2) / 2)
    return 16 * n * tiles * weight_shape[0] * c
