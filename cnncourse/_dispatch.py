"""One public function, two backends: NumPy arrays go to the NumPy code, tensors to torch.

:func:`dual_backend` decorates each public NumPy function where it is defined, so
``cnncourse.conv.conv2d is cnncourse.conv2d``. The decorated function keeps its name,
signature and docstring (the NumPy code is the definition readers study). The backend is
decided once, here: when any array argument is a ``torch.Tensor`` the call goes to the
function of the same name in :mod:`cnncourse.torch_ops` (imported only then); otherwise the
arrays are made NumPy arrays and the NumPy body runs. A required array that is ``None`` is
refused here, with the same words for both backends.
"""

import functools
import inspect

import numpy as np

from . import _args

ARRAY_PARAMETERS = ("input", "weight", "bias", "x", "w")

#: The names of the functions that have a torch twin, in the order they were defined.
DUAL_BACKEND = []


def dual_backend(numpy_function):
    """Wrap ``numpy_function`` so that torch tensors are sent to its torch twin."""
    signature = inspect.signature(numpy_function)
    parameters = list(signature.parameters)
    array_names = [name for name in parameters if name in ARRAY_PARAMETERS]
    required = [n for n in array_names if signature.parameters[n].default is inspect._empty]
    # The array arguments lead every signature, so positional ones are the first few.
    assert parameters[: len(array_names)] == array_names, numpy_function.__name__
    torch_twin = []

    def twin():
        if not torch_twin:
            from . import torch_ops  # imports torch, the first time a tensor comes in

            torch_twin.append(getattr(torch_ops, numpy_function.__name__))
        return torch_twin[0]

    @functools.wraps(numpy_function)
    def public(*args, **kwargs):
        arrays = dict(zip(array_names, args, strict=False))
        for name in array_names:
            if name in kwargs:
                arrays[name] = kwargs[name]
        for name in required:
            if arrays.get(name, np) is None:
                _args.check_array(None, name)
        if _args.check_same_kind(**arrays) == "torch":
            return twin()(*args, **kwargs)
        positional = [
            np.asarray(value) if index < len(array_names) and value is not None else value
            for index, value in enumerate(args)
        ]
        for name in array_names:
            if kwargs.get(name) is not None:
                kwargs[name] = np.asarray(kwargs[name])
        return numpy_function(*positional, **kwargs)

    public.numpy_function = numpy_function
    DUAL_BACKEND.append(numpy_function.__name__)
    return public
