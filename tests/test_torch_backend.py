"""The torch backend: one public function per name, checked once, differentiable, any device."""

import ast
import inspect
import sys
import textwrap

import numpy as np
import pytest

import cnncourse as cc
from cnncourse import _args, _backend, _dispatch, conv, numpy_backend, pool, signal

torch = pytest.importorskip("torch")
from cnncourse import torch_ops  # noqa: E402

F = torch.nn.functional

NUMPY_MODULES = (signal, conv, pool)

#: One valid call per dual-backend function: the array shapes, then the other arguments.
CALLS = {
    "unfold": ([(1, 2, 5, 6)], (2,)),
    "conv2d": ([(1, 2, 5, 6), (3, 2, 2, 3)], ()),
    "conv1d": ([(2, 2, 7), (2, 2, 3)], ()),
    "max_pool2d": ([(1, 2, 6, 6)], (2,)),
    "max_pool1d": ([(1, 2, 6)], (2,)),
    "avg_pool2d": ([(1, 2, 6, 6)], (2,)),
    "avg_pool1d": ([(1, 2, 6)], (2,)),
    "lp_pool2d": ([(1, 2, 6, 6)], (2.0, 2)),
    "lp_pool1d": ([(1, 2, 6)], (2.0, 2)),
    "adaptive_max_pool2d": ([(1, 2, 6, 6)], (3,)),
    "adaptive_max_pool1d": ([(1, 2, 6)], (3,)),
    "adaptive_avg_pool2d": ([(1, 2, 6, 6)], (3,)),
    "adaptive_avg_pool1d": ([(1, 2, 6)], (3,)),
    "global_max_pool2d": ([(1, 2, 6, 6)], ()),
    "global_avg_pool2d": ([(1, 2, 6, 6)], ()),
    "channel_max_pool": ([(1, 4, 3, 3)], (2,)),
    "flip": ([(3, 4)], ()),
    "convolve": ([(6,), (3,)], ()),
    "correlate": ([(4, 5), (2, 2)], ()),
}


def _numpy_function(name):
    return next(getattr(m, name) for m in NUMPY_MODULES if hasattr(m, name))


def _arrays(name, backend):
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(shape) for shape in CALLS[name][0]]
    return arrays if backend == "numpy" else [torch.from_numpy(a) for a in arrays]


def test_every_dual_backend_function_has_a_call():
    assert set(CALLS) == set(cc.DUAL_BACKEND)


def test_public_functions_are_the_decorated_definitions():
    """One public face: ``cc.conv2d`` is ``cnncourse.conv.conv2d``, for every dual name."""
    for name in cc.DUAL_BACKEND:
        assert getattr(cc, name) is _numpy_function(name), name
    assert set(cc.DUAL_BACKEND) <= set(cc.__all__)


@pytest.mark.parametrize("backend", ["numpy", "torch"])
@pytest.mark.parametrize("name", sorted(CALLS))
def test_each_call_is_checked_once_and_answered_on_its_backend(name, backend, monkeypatch):
    """Every check of :mod:`cnncourse._args` that a call runs, it runs once, on both backends.

    Each public function of ``_args`` is replaced by a counting wrapper; a check called by
    another check (``avg_pool_args`` calls ``pool_args``) is part of it and not counted.
    """
    counts, running = {}, []

    def counting(check_name, check):
        def counted(*args, **kwargs):
            if not running:
                counts[check_name] = counts.get(check_name, 0) + 1
            running.append(check_name)
            try:
                return check(*args, **kwargs)
            finally:
                running.pop()

        return counted

    for check_name, check in inspect.getmembers(_args, inspect.isfunction):
        if check.__module__ == _args.__name__ and not check_name.startswith("_"):
            monkeypatch.setattr(_args, check_name, counting(check_name, check))
    public = getattr(cc, name)
    if getattr(public, "prepare", None) is not None:
        # A configuration's first call: checked in full, then prepared for the next one
        # (whose answer skips the checks). The preparation reads the geometry the call's
        # checks cached; it is not a second check.
        public.prepared_calls.clear()
        monkeypatch.setattr(public, "prepare", counting("prepare", public.prepare))
    arrays, others = _arrays(name, backend), CALLS[name][1]
    result = getattr(cc, name)(*arrays, *others)
    result = result[0] if isinstance(result, tuple) else result
    assert isinstance(result, np.ndarray if backend == "numpy" else torch.Tensor)
    # the dispatcher decided the backend (native NumPy arrays alone: by native_numpy)
    assert {"check_same_kind", "native_numpy"} & set(counts), counts
    assert len(counts) >= 2 or name == "flip", counts  # and the body checked the rest
    assert set(counts.values()) == {1}, counts


def _names_read(function):
    tree = ast.parse(inspect.getsource(function))
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}


#: The operations of the backend contract, in the order the protocol lists them.
OPERATIONS = [name for name in vars(_backend.Backend) if not name.startswith("_")]

#: The two backend classes, each held to the protocol.
BACKENDS = (numpy_backend.NumpyBackend, torch_ops.TorchBackend)


def _public_functions(module):
    return {
        name
        for name, function in inspect.getmembers(module, inspect.isfunction)
        if function.__module__ == module.__name__ and not name.startswith("_")
    }


def _methods(cls):
    return {
        name
        for name, value in vars(cls).items()
        if inspect.isfunction(value) and not name.startswith("_")
    }


def test_both_backends_are_the_protocol():
    """Both backend classes subclass the protocol and define each of its operations, with
    its signature, as a method of their own; each method calls its module's function of the
    same name, with the same arguments in the same order.

    An operation added to one backend (or to the protocol) without the other fails here, and
    so does a method inherited from the protocol (whose body is ``...``). The NumPy backend
    also has ``plan`` (:func:`cnncourse.numpy_backend.plan`), the convolution plan that
    :func:`cnncourse.conv_algorithm` reports (torch chooses its own).
    """
    assert len(OPERATIONS) == 14
    assert _dispatch.Backend is _backend.Backend
    assert _public_functions(numpy_backend) == set(OPERATIONS) | {"plan"}
    assert _public_functions(torch_ops) == set(OPERATIONS)
    for cls in BACKENDS:
        assert _backend.Backend in cls.__bases__, cls  # subclasses it: says so in its code
        assert not getattr(cls, "_is_protocol", False), cls  # and is a class that can be made
        own = {"plan"} if cls is numpy_backend.NumpyBackend else set()
        assert _methods(cls) == set(OPERATIONS) | own, cls.__name__
        module = sys.modules[cls.__module__]
        for name in OPERATIONS + sorted(own):
            method = vars(cls)[name]
            if name in OPERATIONS:
                expected = inspect.signature(getattr(_backend.Backend, name))
                assert inspect.signature(method) == expected, (cls.__name__, name)
            parameters = list(inspect.signature(method).parameters)[1:]
            assert list(inspect.signature(getattr(module, name)).parameters) == parameters
            # the body is one line: ``return name(the same parameters)``
            (statement,) = ast.parse(textwrap.dedent(inspect.getsource(method))).body[0].body
            call = statement.value
            assert isinstance(statement, ast.Return) and call.func.id == name, (cls, name)
            assert [arg.id for arg in call.args] == parameters and not call.keywords


def test_backend_of():
    """One shared instance of each backend class, whatever the array."""
    numpy = _dispatch.backend_of(np.zeros(3))
    assert type(numpy) is numpy_backend.NumpyBackend and numpy is _dispatch.NUMPY
    assert _dispatch.backend_of(np.zeros((2, 2), np.float32)) is numpy
    tensor = _dispatch.backend_of(torch.zeros(3))
    assert type(tensor) is torch_ops.TorchBackend
    assert _dispatch.backend_of(torch.zeros(2, dtype=torch.float64)) is tensor


def test_implementations_do_not_check_again():
    """The operations the backends run never call a check of :mod:`cnncourse._args`.

    (A NumPy helper may still refuse a work array too large for memory: that is a limit of
    the NumPy algorithm, not an argument check.)
    """
    for name in OPERATIONS:
        assert "_args" not in _names_read(getattr(numpy_backend, name)), name
    assert "_args" not in vars(torch_ops)


def _torch_signature(function):
    """``[(name, default), ...]`` of a ``torch.nn.functional`` function.

    Builtins have no signature: their docstring's first line has it
    (``conv2d(input, weight, bias=None, ...) -> Tensor``); ``boolean_dispatch`` wrappers
    (``return_indices``) take the signature of their ``*_with_indices`` branch.
    """
    try:
        signature = inspect.signature(function)
        if list(signature.parameters) == ["args", "kwargs"]:
            signature = inspect.signature(getattr(F, function.__name__ + "_with_indices"))
        return [(p.name, p.default) for p in signature.parameters.values()]
    except ValueError:
        head = function.__doc__.strip().splitlines()[0]
        inside = head[head.index("(") + 1 : head.index(")")]
        pairs = []
        for part in inside.split(","):
            name, _, default = part.strip().partition("=")
            pairs.append((name, ast.literal_eval(default) if default else inspect._empty))
        return pairs


@pytest.mark.parametrize(
    "name",
    ["conv1d", "conv2d", "unfold", "max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d",
     "lp_pool1d", "lp_pool2d", "adaptive_max_pool1d", "adaptive_max_pool2d",
     "adaptive_avg_pool1d", "adaptive_avg_pool2d"],
)  # fmt: skip
def test_layer_signatures_are_torch_functional_signatures(name):
    """The same parameters in the same order with the same defaults as torch's namesake."""
    ours = [(p.name, p.default) for p in inspect.signature(getattr(cc, name)).parameters.values()]
    assert ours == _torch_signature(getattr(F, name))


def test_tensor_in_tensor_out_and_grad():
    x = torch.randn(2, 3, 9, 9, dtype=torch.float64, requires_grad=True)
    w = torch.randn(4, 3, 3, 3, dtype=torch.float64, requires_grad=True)
    y = cc.max_pool2d(cc.conv2d(x, w, padding="same"), 2)
    assert isinstance(y, torch.Tensor) and y.shape == (2, 4, 4, 4)
    y.sum().backward()
    assert x.grad is not None and w.grad is not None


@pytest.mark.parametrize(
    "function, args",
    [
        (cc.conv2d, ((1, 2, 5, 6), (3, 2, 2, 3))),
        (cc.conv1d, ((2, 2, 7), (2, 1, 3))),
        (cc.convolve, ((6,), (3,))),
        (cc.correlate, ((4, 5), (2, 2))),
    ],
)
def test_gradcheck(function, args):
    generator = torch.Generator().manual_seed(0)
    tensors = [
        torch.randn(shape, dtype=torch.float64, generator=generator, requires_grad=True)
        for shape in args
    ]
    kwargs = {"groups": 2} if function is cc.conv1d else {}
    assert torch.autograd.gradcheck(lambda *t: function(*t, **kwargs), tensors)


def test_pooling_gradcheck():
    x = torch.randn(1, 2, 6, 7, dtype=torch.float64, requires_grad=True)
    for fn in (
        lambda t: cc.avg_pool2d(t, 3, 2, 1, ceil_mode=True),
        lambda t: cc.lp_pool2d(t.abs() + 0.1, 2.0, 2),
        lambda t: cc.adaptive_avg_pool2d(t, 3),
        lambda t: cc.channel_max_pool(t, 2),
    ):
        assert torch.autograd.gradcheck(fn, (x,))


def test_signal_ops_on_tensors_match_numpy():
    rng = np.random.default_rng(3)
    for x_shape, w_shape in [((9,), (4,)), ((3,), (5,)), ((6, 7), (3, 2)), ((2, 2), (3, 3))]:
        x, w = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
        for mode in ("full", "same", "valid"):
            for name in ("convolve", "correlate"):
                ours = getattr(cc, name)(torch.from_numpy(x), torch.from_numpy(w), mode)
                np.testing.assert_allclose(ours.numpy(), getattr(cc, name)(x, w, mode), atol=1e-12)


def test_device_names_a_usable_device():
    assert cc.device() == ("cuda" if torch.cuda.is_available() else "cpu")
    x = torch.ones(1, 1, 4, 4, device=cc.device())
    assert cc.max_pool2d(x, 2).device.type == cc.device()


@pytest.mark.cuda
def test_cuda_matches_cpu():
    rng = np.random.default_rng(4)
    x = torch.from_numpy(rng.standard_normal((4, 6, 17, 19)))
    w = torch.from_numpy(rng.standard_normal((8, 3, 3, 3)))
    cpu = cc.conv2d(x, w, padding=1, groups=2, dilation=2)
    gpu = cc.conv2d(x.cuda(), w.cuda(), padding=1, groups=2, dilation=2)
    assert gpu.device.type == "cuda"
    np.testing.assert_allclose(gpu.cpu().numpy(), cpu.numpy(), rtol=1e-10, atol=1e-10)
    for name, args in [
        ("max_pool2d", (3, 2, 1)),
        ("avg_pool2d", (3, 2, 1)),
        ("adaptive_avg_pool2d", (3,)),
        ("channel_max_pool", (2,)),
    ]:
        on_cpu = getattr(cc, name)(x, *args)
        on_gpu = getattr(cc, name)(x.cuda(), *args)
        np.testing.assert_allclose(on_gpu.cpu().numpy(), on_cpu.numpy(), rtol=1e-10, atol=1e-12)
