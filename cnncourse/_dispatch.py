"""One public function, two backends: NumPy arrays go to the NumPy code, tensors to torch.

A public function such as :func:`cnncourse.conv2d` does three things, in this order:

1. :func:`dual_backend` (its decorator) looks at the array arguments once: ``None`` where an
   array is required and a mix of tensors and NumPy arrays are refused, with the same words
   for both backends; array-likes (lists, NumPy scalars) become NumPy arrays (ragged lists
   are refused by name; big-endian arrays become native ones).
2. The function's body checks every other argument once, with :mod:`cnncourse._args`, and
   turns it into parsed values (a :class:`cnncourse.geometry.Geometry`, a tuple of sizes).
3. :func:`backend_of` returns the input's backend, and the body calls its operation with
   those checked values: ``backend_of(input).conv(input, weight, bias, geom, groups, 2)``.

A backend is an object whose methods are the operations of the :class:`Backend` protocol
(:mod:`cnncourse._backend`): one instance of
:class:`cnncourse.numpy_backend.NumpyBackend` (the code the chapters study) and one of
:class:`cnncourse.torch_ops.TorchBackend` (``torch.nn.functional`` where it has the
operation). Both classes subclass :class:`Backend` and define each of its methods with its
signature (a test holds them to it); each method calls the function of the same name in
its module, where the computation is written, and neither checks again.

The decorated function is the public one (``cnncourse.conv.conv2d is cnncourse.conv2d``), so
the signature and docstring a reader sees are written once.

A small layer's warm call costs more in these steps than in arithmetic (a 28 x 28 image and a
3 x 3 kernel: 6,084 multiply-adds, a few microseconds of Python). So :func:`cnncourse.conv2d`
and :func:`cnncourse.conv1d` remember, per exact configuration, what the NumPy backend
prepared for it (:func:`cnncourse.numpy_backend.prepared_conv`), and a later call of that
configuration goes straight there: the checks would pass again, and the algorithm does not
depend on the data (see :func:`dual_backend`'s ``prepare``).
"""

import functools
import inspect

import numpy as np

from . import _args
from ._backend import Backend
from .numpy_backend import NumpyBackend

ARRAY_PARAMETERS = ("input", "weight", "bias", "x", "w")

#: The names of the public functions that run on both backends, in the order they were defined.
DUAL_BACKEND = []


def dual_backend(public_function=None, *, prepare=None):
    """Decide a call's backend once: refuse missing or mixed arrays, make array-likes NumPy.

    The array arguments (:data:`ARRAY_PARAMETERS`) lead every signature, so the positional
    ones are the first few.

    ``prepare`` (for a function whose warm call on a small input costs more in Python than
    in arithmetic: :func:`cnncourse.conv2d`, :func:`cnncourse.conv1d`): called with the
    arguments of a call that has just succeeded, its arrays given by position (native NumPy
    arrays, or torch tensors), it returns a function of the array arguments that gives the
    same answer for any arrays of the same kinds, shapes and dtypes with the same other
    arguments, or None where there is none. The call is remembered under its exact key
    (:func:`cnncourse._args.exact_key`: each argument's type and value, each array's shape
    and dtype; a ``numpy.ndarray`` alone has a key of two items whose first is a tuple, a
    tensor's starts with its type). A later call with that key is, argument for argument,
    of the same types and values, its arrays of the same kinds, shapes and dtypes: it would
    pass the same checks, so it skips them and runs the prepared function, which may still
    answer None (then the call runs in full).
    """
    if public_function is None:
        return functools.partial(dual_backend, prepare=prepare)
    signature = inspect.signature(public_function)
    parameters = list(signature.parameters)
    array_names = [name for name in parameters if name in ARRAY_PARAMETERS]
    required = [n for n in array_names if signature.parameters[n].default is inspect._empty]
    assert parameters[: len(array_names)] == array_names, public_function.__name__
    assert array_names[: len(required)] == required, public_function.__name__
    n_arrays, n_required, by_name = len(array_names), len(required), frozenset(array_names)

    prepared = {}  # exact key of a common call -> its prepared function, or None

    @functools.wraps(public_function)
    def public(*args, **kwargs):
        call = None
        if prepare is not None and args and _is_array(args[0]):  # a configuration seen before?
            try:
                key = _args.exact_key(args, kwargs)
                call = prepared.get(key, UNPREPARED)
            except TypeError:  # an unhashable argument: no key
                call = None
            if call is not None and call is not UNPREPARED:
                answer = call(*args[:n_arrays])
                if answer is not None:
                    return answer
        # The common call, decided in a few operations: every array given by position, the
        # required ones native NumPy arrays, the optional ones that or None. The general
        # route below would pass such a call on unchanged.
        if len(args) >= n_required and (not kwargs or by_name.isdisjoint(kwargs)):
            if _args.native_numpy(args[:n_arrays], n_required):
                answer = public_function(*args, **kwargs)
                if call is UNPREPARED:  # (only a function with ``prepare`` looks)
                    remember(key, args, kwargs)
                return answer
        arrays = dict(zip(array_names, args, strict=False))
        if kwargs:
            arrays.update((name, kwargs[name]) for name in array_names if name in kwargs)
        for name in required:
            if arrays.get(name, np) is None:
                _args.check_array(None, name)
        as_given = all(
            a is None or (type(a) is np.ndarray and a.dtype.isnative) for a in arrays.values()
        )
        kind = _args.check_same_kind(**arrays)
        if kind == "numpy" and not as_given:
            args = [
                _args.as_array(value, array_names[index])
                if index < len(array_names) and value is not None
                else value
                for index, value in enumerate(args)
            ]
            for name in array_names:
                if kwargs.get(name) is not None:
                    kwargs[name] = _args.as_array(kwargs[name], name)
        answer = public_function(*args, **kwargs)
        if call is UNPREPARED and kind == "torch" and by_name.isdisjoint(kwargs):
            remember(key, args, kwargs)  # tensors by position, as given
        return answer

    def remember(key, args, kwargs):
        """Keep the prepared function (or None) of a common call that has succeeded."""
        if len(prepared) >= PREPARED_CACHE_SIZE:
            prepared.clear()
        prepared[key] = public.prepare(*args, **kwargs)

    public.prepare, public.prepared_calls = prepare, prepared
    DUAL_BACKEND.append(public_function.__name__)
    return public


def _is_array(value):
    """Whether ``value`` is an array of some kind (a NumPy array, a torch tensor: it has a
    dtype): a call whose first argument is one may have a prepared function. (A list's key
    would walk the whole list.)"""
    return type(value) is np.ndarray or hasattr(value, "dtype")


#: How many configurations a function with ``prepare`` remembers (:func:`dual_backend`).
PREPARED_CACHE_SIZE = 256

#: What a configuration never called before finds among the prepared calls.
UNPREPARED = object()


#: The NumPy backend, the one instance every call on a NumPy array uses.
NUMPY = NumpyBackend()

#: The torch backend's instance, made once a tensor has come in (importing it imports torch).
_torch = None


def backend_of(array) -> Backend:
    """The backend that runs a checked call on ``array``: the one
    :class:`cnncourse.torch_ops.TorchBackend` for a torch tensor (made, and torch imported,
    the first time a tensor comes in), else the one
    :class:`cnncourse.numpy_backend.NumpyBackend` (:data:`NUMPY`)."""
    global _torch
    if type(array) is np.ndarray or not _args.is_torch_tensor(array):
        return NUMPY
    if _torch is None:
        from .torch_ops import TorchBackend

        _torch = TorchBackend()
    return _torch
