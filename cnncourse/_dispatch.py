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
    signature = inspect.signature(numpy_function)
    array_names = [name for name in signature.parameters if name in ARRAY_PARAMETERS]

    @functools.wraps(numpy_function)
    def public(*args, **kwargs):
        bound = signature.bind(*args, **kwargs)
        arrays = {name: bound.arguments.get(name) for name in array_names}
        if _args.check_same_kind(**arrays) == "torch":
            from . import torch_ops

            return getattr(torch_ops, numpy_function.__name__)(*args, **kwargs)
        for name, value in arrays.items():
            if value is not None:
                bound.arguments[name] = np.asarray(value)
        return numpy_function(*bound.args, **bound.kwargs)

    public.numpy_function = numpy_function
    return public
