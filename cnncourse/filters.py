"""Kernels and test patterns: oriented (Gabor) filters, edges, bars.

Gabor kernels model the V1 *simple cells* of the introduction: each responds most to an edge
or grating at its own orientation :cite:p:`hubel1962receptive`.
"""

import numpy as np

from . import _args

#: Small named kernels used across the chapters (cross-correlation kernels).
KERNELS = {
    "edge": np.array([[-1.0, 1.0]]),
    "blur": np.full((3, 3), 1.0 / 9.0),
    "vertical edge (Sobel)": np.array([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]]),
}


def gabor_kernel(theta, size=15, wavelength=6.0, sigma=3.0):
    """A real Gabor kernel: a cosine grating under a Gaussian envelope, zero mean.

    .. math::

        \\begin{aligned}
        g(u, v) &= \\exp\\!\\Big(-\\frac{u^2 + v^2}{2\\sigma^2}\\Big)
                  \\cos\\!\\Big(\\frac{2\\pi u'}{\\lambda}\\Big),\\\\
        u' &= u\\cos\\theta + v\\sin\\theta
        \\end{aligned}

    Parameters
    ----------
    theta : float
        Orientation of the grating's normal, in radians (0: vertical stripes).
    size : int
        Side of the square kernel (odd).
    wavelength, sigma : float
        Period of the grating and width of the envelope, in pixels.

    Returns
    -------
    numpy.ndarray, shape (size, size)
        Zero mean, unit L2 norm.

    Examples
    --------
    >>> k = gabor_kernel(0.0)
    >>> k.shape, bool(abs(k.sum()) < 1e-12), round(float(np.linalg.norm(k)), 12)
    ((15, 15), True, 1.0)
    """
    if not _args.is_int(size):
        raise TypeError(f"`size` must be an odd positive integer, got {size!r}")
    if size < 1 or size % 2 == 0:
        raise ValueError(
            f"`size` must be an odd positive integer, so that the kernel has a centre pixel, "
            f"got {size}"
        )
    half = (size - 1) // 2
    v, u = np.mgrid[-half : half + 1, -half : half + 1]
    along = u * np.cos(theta) + v * np.sin(theta)
    kernel = np.exp(-(u**2 + v**2) / (2 * sigma**2)) * np.cos(2 * np.pi * along / wavelength)
    kernel -= kernel.mean()
    return kernel / np.linalg.norm(kernel)


def grating(theta, shape=(48, 48), wavelength=6.0, phase=0.0):
    """A sinusoidal grating at orientation ``theta`` (the stimulus of a V1 experiment)."""
    v, u = np.mgrid[0 : shape[0], 0 : shape[1]]
    along = u * np.cos(theta) + v * np.sin(theta)
    return np.cos(2 * np.pi * along / wavelength + phase)


def bar(theta, shape=(21, 21), length=15, width=2.0):
    """A bright line segment through the centre at angle ``theta`` (radians from horizontal)."""
    v, u = np.mgrid[0 : shape[0], 0 : shape[1]]
    cv, cu = (shape[0] - 1) / 2, (shape[1] - 1) / 2
    du, dv = u - cu, v - cv
    along = du * np.cos(theta) - dv * np.sin(theta)
    across = du * np.sin(theta) + dv * np.cos(theta)
    inside = (np.abs(across) <= width / 2) & (np.abs(along) <= length / 2)
    return inside.astype(float)
