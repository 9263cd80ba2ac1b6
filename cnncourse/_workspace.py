"""Work arrays kept between calls, one of each kind per thread.

Memory fresh from the operating system costs a page fault per page on its first use, which
can double the time of a layer that works in a few MB of temporaries (measured: a strided
8x32x56x56 convolution, 5.4 ms with fresh temporaries, 2.6 ms with kept ones). The NumPy
convolutions therefore take their temporaries from :func:`scratch`.
"""

import math
import threading

import numpy as np

#: Work arrays of these sizes are kept: smaller ones are cheap to allocate, larger ones are
#: not worth holding on to.
SCRATCH_MIN_BYTES = 256 * 2**10
SCRATCH_BYTES = 64 * 2**20

_scratch = threading.local()


def scratch(name, shape, dtype):
    """A work array of this shape, kept for the next call (uninitialised, like ``np.empty``).

    Each thread keeps one array per ``name``, if its size lies between
    :data:`SCRATCH_MIN_BYTES` and :data:`SCRATCH_BYTES`; a later, larger request replaces
    it. Only temporaries may live here, never an array handed back to the caller.

    Parameters
    ----------
    name : str
    shape : tuple of int
    dtype : numpy.dtype
    """
    nbytes = math.prod(shape) * dtype.itemsize
    if not SCRATCH_MIN_BYTES <= nbytes <= SCRATCH_BYTES:
        return np.empty(shape, dtype=dtype)
    buffers = _scratch.__dict__.setdefault("buffers", {})
    if name not in buffers or buffers[name].nbytes < nbytes:
        buffers[name] = np.empty(nbytes, dtype=np.uint8)
    return buffers[name][:nbytes].view(dtype).reshape(shape)


def bordered(name, shape, dtype, pads):
    """:func:`scratch` whose last two axes have zero borders of ``pads`` ``((top, bottom),
    (left, right))``, zeroed only when the work array is new or was last bordered otherwise.

    The caller writes only the middle, ``array[..., top:H - bottom, left:W - right]``, so a
    kept array's borders stay zero between calls: a padded copy costs one write of the
    images, not five (the middle and four strips). ``name`` must not be used with
    :func:`scratch` directly.
    """
    array = scratch(name, shape, dtype)
    kept = None
    if SCRATCH_MIN_BYTES <= array.nbytes <= SCRATCH_BYTES:  # it lies in a kept buffer
        kept = _scratch.buffers[name]
    marks = _scratch.__dict__.setdefault("bordered", {})
    layout = (tuple(shape), np.dtype(dtype), pads)
    mark = marks.get(name)
    if kept is None or mark is None or mark[0] is not kept or mark[1] != layout:
        (top, bottom), (left, right) = pads
        height, width = array.shape[-2:]
        array[..., :top, :] = 0
        array[..., height - bottom :, :] = 0
        array[..., :, :left] = 0
        array[..., :, width - right :] = 0
        if kept is not None:
            marks[name] = (kept, layout)
    return array


def release_scratch():
    """Free this thread's work arrays (the benchmark does, before it measures memory)."""
    _scratch.__dict__.pop("buffers", None)
    _scratch.__dict__.pop("bordered", None)
