"""The backend contract: the operations that the NumPy and the torch backend both provide.

:class:`Backend` lists them, with their signatures. Each backend is a class that subclasses
it and defines every one of its methods: :class:`cnncourse.numpy_backend.NumpyBackend` and
:class:`cnncourse.torch_ops.TorchBackend`, whose methods each call the function of the same
name in their module, where the computation is written (a test holds both classes to this
list and these signatures). :func:`cnncourse._dispatch.backend_of` returns the one shared
instance of the input's backend.
"""

from typing import Protocol


class Backend(Protocol):
    """The operations a backend provides, on arrays of its kind, with checked arguments.

    ``geom`` is the layer's :class:`cnncourse.geometry.Geometry`, ``n`` its number of spatial
    axes (1 or 2), ``size`` a tuple of ``n`` output sizes; the flags are plain bools.
    ``prepared_conv`` returns, for a configuration that has just run, a function
    ``call(input, weight, bias=None)`` that computes :meth:`conv` for arrays of the same
    shapes and dtypes without the checks (or answers None where it cannot), or None.
    """

    def flip(self, w): ...

    def convolve(self, x, w, mode): ...

    def correlate(self, x, w, mode): ...

    def unfold(self, input, geom): ...

    def conv(self, input, weight, bias, geom, groups, n): ...

    def prepared_conv(self, input, weight, geom, groups, n): ...

    def max_pool(self, input, geom, ceil_mode, return_indices, n): ...

    def avg_pool(self, input, geom, ceil_mode, count_include_pad, divisor_override, n): ...

    def lp_pool(self, input, p, geom, ceil_mode, n): ...

    def adaptive_max_pool(self, input, size, return_indices, n): ...

    def adaptive_avg_pool(self, input, size, n): ...

    def global_max_pool(self, input): ...

    def global_avg_pool(self, input): ...

    def channel_max_pool(self, input, k): ...
