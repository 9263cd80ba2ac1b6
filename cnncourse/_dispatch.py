"""One public function, two backends: NumPy arrays go to the NumPy code, tensors to torch.

A public function such as :func:`cnncourse.conv2d` does three things, in this order:

1. :func:`dual_backend` (its decorator) looks at the array arguments once: ``None`` where an
   array is required and a mix of tensors and NumPy arrays are refused, with the same words
   for both backends; array-likes (lists, NumPy scalars) become NumPy arrays (ragged lists
   are refused by name; big-endian arrays become native ones).
2. The function's body checks every other argument once, with :mod:`cnncourse._args`, and
   turns it into parsed values (a :class:`cnncourse.geometry.Geometry`, a tuple of sizes).
3. :func:`on_backend` hands those checked values to the implementation for the input's
   kind: the private NumPy function named in the body (``_conv``, the code readers study)
   or its torch twin in :mod:`cnncourse.torch_ops` (``conv``), which do not check again.

The decorated function is the public one (``cnncourse.conv.conv2d is cnncourse.conv2d``), so
the signature and docstring a reader sees are written once.
"""

import functools
import inspect

import numpy as np

from . import _args

ARRAY_PARAMETERS = ("input", "weight", "bias", "x", "w")

#: The names of the public functions that run on both backends, in the order they were defined.
DUAL_BACKEND = []


def dual_backend(public_function):
    """Decide a call's backend once: refuse missing or mixed arrays, make array-likes NumPy.

    The array arguments (:data:`ARRAY_PARAMETERS`) lead every signature, so the positional
    ones are the first few.
    """
    signature = inspect.signature(public_function)
    parameters = list(signature.parameters)
    array_names = [name for name in parameters if name in ARRAY_PARAMETERS]
    required = [n for n in array_names if signature.parameters[n].default is inspect._empty]
    assert parameters[: len(array_names)] == array_names, public_function.__name__

    @functools.wraps(public_function)
    def public(*args, **kwargs):
        arrays = dict(zip(array_names, args, strict=False))
        if kwargs:
            arrays.update((name, kwargs[name]) for name in array_names if name in kwargs)
        for name in required:
            if arrays.get(name, np) is None:
                _args.check_array(None, name)
        as_given = all(
            a is None or (type(a) is np.ndarray and a.dtype.isnative) for a in arrays.values()
        )
        if _args.check_same_kind(**arrays) == "numpy" and not as_given:
            args = [
                _args.as_array(value, array_names[index])
                if index < len(array_names) and value is not None
                else value
                for index, value in enumerate(args)
            ]
            for name in array_names:
                if kwargs.get(name) is not None:
                    kwargs[name] = _args.as_array(kwargs[name], name)
        return public_function(*args, **kwargs)

    DUAL_BACKEND.append(public_function.__name__)
    return public


#: The torch twin of each NumPy implementation met so far.
TORCH_TWINS = {}


def on_backend(numpy_implementation, array):
    """The implementation that runs a checked call on ``array``'s backend.

    ``numpy_implementation`` (a private function, ``_conv``) for a NumPy array; for a torch
    tensor, the function of the same name without the underscore in
    :mod:`cnncourse.torch_ops` (``conv``), imported, with torch, the first time a tensor
    comes in.
    """
    if not _args.is_torch_tensor(array):
        return numpy_implementation
    twin = TORCH_TWINS.get(numpy_implementation)
    if twin is None:
        from . import torch_ops

        twin = getattr(torch_ops, numpy_implementation.__name__.removeprefix("_"))
        TORCH_TWINS[numpy_implementation] = twin
    return twin
