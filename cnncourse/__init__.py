"""cnncourse: convolution and pooling for a course on convolutional networks.

One API, two backends: pass NumPy arrays and the readable NumPy code runs; pass
``torch.Tensor`` objects and the same function runs in torch, on the tensor's device,
differentiably. ``import cnncourse`` imports neither torch nor ipywidgets.

Signal level (§9.1): :func:`convolve`, :func:`correlate`, :func:`flip`, :func:`conv_matrix`,
:func:`conv_cost`, :func:`symbol_array`.

Layers, (N, C, H, W) layout, as ``torch.nn.functional``: :func:`conv1d`, :func:`conv2d`,
:func:`unfold`, :func:`max_pool1d`, :func:`max_pool2d`, :func:`avg_pool1d`, :func:`avg_pool2d`,
:func:`lp_pool1d`, :func:`lp_pool2d`, :func:`adaptive_max_pool2d`, :func:`adaptive_avg_pool2d`,
:func:`global_max_pool2d`, :func:`global_avg_pool2d`, :func:`channel_max_pool`.
"""

from . import conv as _conv
from . import pool as _pool
from . import signal as _signal
from ._dispatch import dual_backend
from .conv import conv_output_size, receptive_field
from .pool import adaptive_windows
from .signal import ConvCost, conv_cost, conv_matrix, symbol_array
from .views import windows

__version__ = "0.1.0"

flip = dual_backend(_signal.flip)
convolve = dual_backend(_signal.convolve)
correlate = dual_backend(_signal.correlate)

conv1d = dual_backend(_conv.conv1d)
conv2d = dual_backend(_conv.conv2d)
unfold = dual_backend(_conv.unfold)

max_pool1d = dual_backend(_pool.max_pool1d)
max_pool2d = dual_backend(_pool.max_pool2d)
avg_pool1d = dual_backend(_pool.avg_pool1d)
avg_pool2d = dual_backend(_pool.avg_pool2d)
lp_pool1d = dual_backend(_pool.lp_pool1d)
lp_pool2d = dual_backend(_pool.lp_pool2d)
adaptive_max_pool2d = dual_backend(_pool.adaptive_max_pool2d)
adaptive_avg_pool2d = dual_backend(_pool.adaptive_avg_pool2d)
global_max_pool2d = dual_backend(_pool.global_max_pool2d)
global_avg_pool2d = dual_backend(_pool.global_avg_pool2d)
channel_max_pool = dual_backend(_pool.channel_max_pool)

#: The functions that have a torch twin in :mod:`cnncourse.torch_ops`.
DUAL_BACKEND = (
    "flip", "convolve", "correlate",
    "conv1d", "conv2d", "unfold",
    "max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d", "lp_pool1d", "lp_pool2d",
    "adaptive_max_pool2d", "adaptive_avg_pool2d", "global_max_pool2d", "global_avg_pool2d",
    "channel_max_pool",
)  # fmt: skip


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
    "ConvCost",
    "adaptive_windows",
    "conv_cost",
    "conv_matrix",
    "conv_output_size",
    "device",
    "receptive_field",
    "symbol_array",
    "windows",
]
