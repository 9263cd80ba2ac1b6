"""cnncourse: convolution and pooling for a course on convolutional networks.

One API, two backends: pass NumPy arrays and the readable NumPy code runs; pass
``torch.Tensor`` objects and the same function runs in torch, on the tensor's device,
differentiably. ``import cnncourse`` imports neither torch nor ipywidgets.

Signal level (§9.1): :func:`convolve`, :func:`correlate`, :func:`flip`, :func:`conv_matrix`,
:func:`conv_cost`, :func:`symbol_array`.

Layers, (N, C, H, W) layout, as ``torch.nn.functional``: :func:`conv1d`, :func:`conv2d`,
:func:`unfold`, :func:`max_pool1d`, :func:`max_pool2d`, :func:`avg_pool1d`, :func:`avg_pool2d`,
:func:`lp_pool1d`, :func:`lp_pool2d`, :func:`adaptive_max_pool1d`, :func:`adaptive_max_pool2d`,
:func:`adaptive_avg_pool1d`, :func:`adaptive_avg_pool2d`,
:func:`global_max_pool2d`, :func:`global_avg_pool2d`, :func:`channel_max_pool`.
"""

# ruff: noqa: F401  (the dual-backend names reach __all__ through DUAL_BACKEND)
from . import geometry
from ._dispatch import DUAL_BACKEND as _DUAL_BACKEND
from .conv import (
    ALGORITHMS,
    conv1d,
    conv2d,
    conv2d_reference,
    conv_algorithm,
    conv_output_size,
    receptive_field,
    unfold,
    use_algorithm,
)
from .pool import (
    adaptive_avg_pool1d,
    adaptive_avg_pool2d,
    adaptive_max_pool1d,
    adaptive_max_pool2d,
    adaptive_windows,
    avg_pool1d,
    avg_pool2d,
    channel_max_pool,
    global_avg_pool2d,
    global_max_pool2d,
    lp_pool1d,
    lp_pool2d,
    max_pool1d,
    max_pool2d,
)
from .signal import ConvCost, conv_cost, conv_matrix, convolve, correlate, flip, symbol_array
from .views import windows

__version__ = "0.1.0"

#: The functions that run on NumPy arrays and, through their twins in
#: :mod:`cnncourse.torch_ops`, on torch tensors (collected by
#: :func:`cnncourse._dispatch.dual_backend`).
DUAL_BACKEND = tuple(_DUAL_BACKEND)


def device():
    """``"cuda"`` when torch sees a CUDA GPU, else ``"cpu"`` (also when torch is missing).

    Examples
    --------
    >>> device() in ("cuda", "cpu")
    True
    """
    try:
        import torch
    except ImportError:
        return "cpu"
    return "cuda" if torch.cuda.is_available() else "cpu"


__all__ = [
    *DUAL_BACKEND,
    "ALGORITHMS",
    "conv2d_reference",
    "conv_algorithm",
    "use_algorithm",
    "ConvCost",
    "adaptive_windows",
    "conv_cost",
    "conv_matrix",
    "conv_output_size",
    "device",
    "geometry",
    "receptive_field",
    "symbol_array",
    "windows",
]


def _phone_figures():
    """In the book's kernels (``CNNCOURSE_WIDGETS=static`` under IPython), give every figure
    output a phone layout (:func:`cnncourse.layout.register_phone_formatter`)."""
    import os
    import sys

    if os.environ.get("CNNCOURSE_WIDGETS") == "static" and "IPython" in sys.modules:
        from . import layout

        layout.register_phone_formatter()


_phone_figures()
