"""One public function, two backends: NumPy arrays go to the NumPy code, tensors to torch.

The public function keeps the NumPy function's name, signature and docstring (the NumPy code
is the definition readers study). When any array argument is a ``torch.Tensor`` the call goes
to the function of the same name in :mod:`cnncourse.torch_ops`, imported only then.
"""

import functools
import inspect

import numpy as np

from . import _args

ARRAY_PARAMETERS = ("input", "weight", "bias", "x", "w")


def dual_backend(numpy_function):
    """Wrap ``numpy_function`` so that torch tensors are sent to its torch twin."""
    parameters = list(inspect.signature(numpy_function).parameters)
    array_names = [name for name in parameters if name in ARRAY_PARAMETERS]
    # The array arguments lead every signature, so positional ones are the first few.
    assert parameters[: len(array_names)] == array_names, numpy_function.__name__

    torch_twin = []

    def set_twin():
        from . import torch_ops  # imports torch, the first time a tensor comes in

        torch_twin.append(getattr(torch_ops, numpy_function.__name__))

    @functools.wraps(numpy_function)
    def public(*args, **kwargs):
        arrays = dict(zip(array_names, args, strict=False))
        for name in array_names:
            if name in kwargs:
                arrays[name] = kwargs[name]
        if _args.check_same_kind(**arrays) == "torch":
            if not torch_twin:
                set_twin()
            return torch_twin[0](*args, **kwargs)
        positional = [
            np.asarray(value) if index < len(array_names) and value is not None else value
            for index, value in enumerate(args)
        ]
        for name in array_names:
            if kwargs.get(name) is not None:
                kwargs[name] = np.asarray(kwargs[name])
        return numpy_function(*positional, **kwargs)

    public.numpy_function = numpy_function
    return public
