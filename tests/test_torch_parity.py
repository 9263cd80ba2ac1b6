"""The same signatures as ``torch.nn.functional``: what torch accepts, cnncourse accepts.

A differential fuzz of acceptance and answers. Each call is made three times: by
``torch.nn.functional`` on float64 tensors (the reference), and by cnncourse on NumPy arrays
and on torch tensors. If torch answers, both cnncourse backends answer the same (shape,
values within 1e-12, indices exactly); if torch refuses, both refuse with a ``ValueError`` or
``TypeError`` that names an argument, in the same words.

The arguments come in every form torch takes: ints, tuples, lists, one-element sequences,
NumPy integers, ``None`` and ``()`` for a stride, positional or keyword, with now and then a
wrong value, length or type; inputs may be unbatched, an empty batch, or have no channels or
an empty axis. Where torch answers and cnncourse refuses on purpose, :data:`DELIBERATE` says
why (type-exact checks: ``stride=True``, ``ceil_mode=1``, ``return_indices="yes"``; torch
skipping its checks on empty inputs), and cnncourse must still refuse alike on both backends.
:data:`CASES` keeps each difference the fuzz found as a fixed example.
"""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import cnncourse as cc

torch = pytest.importorskip("torch")
F = torch.nn.functional

#: The spatial dimensions of each function.
SPATIAL = {
    "conv1d": 1, "conv2d": 2, "unfold": 2,
    "max_pool1d": 1, "max_pool2d": 2, "avg_pool1d": 1, "avg_pool2d": 2,
    "lp_pool1d": 1, "lp_pool2d": 2,
    "adaptive_max_pool1d": 1, "adaptive_max_pool2d": 2,
    "adaptive_avg_pool1d": 1, "adaptive_avg_pool2d": 2,
}  # fmt: skip

#: The arguments after the arrays, in torch's order.
PARAMETERS = {
    "conv1d": ("stride", "padding", "dilation", "groups"),
    "conv2d": ("stride", "padding", "dilation", "groups"),
    "unfold": ("kernel_size", "dilation", "padding", "stride"),
    "max_pool1d": ("kernel_size", "stride", "padding", "dilation", "ceil_mode", "return_indices"),
    "max_pool2d": ("kernel_size", "stride", "padding", "dilation", "ceil_mode", "return_indices"),
    "avg_pool1d": ("kernel_size", "stride", "padding", "ceil_mode", "count_include_pad"),
    "avg_pool2d": (
        "kernel_size", "stride", "padding", "ceil_mode", "count_include_pad", "divisor_override",
    ),
    "lp_pool1d": ("norm_type", "kernel_size", "stride", "ceil_mode"),
    "lp_pool2d": ("norm_type", "kernel_size", "stride", "ceil_mode"),
    "adaptive_max_pool1d": ("output_size", "return_indices"),
    "adaptive_max_pool2d": ("output_size", "return_indices"),
    "adaptive_avg_pool1d": ("output_size",),
    "adaptive_avg_pool2d": ("output_size",),
}  # fmt: skip


# --------------------------------------------------------------------------- the comparison


def _to_numpy(value):
    return value.detach().numpy() if isinstance(value, torch.Tensor) else np.asarray(value)


def _call(function, arrays, args, kwargs, tensors):
    """``function(*arrays, *args, **kwargs)``, the arrays as tensors if ``tensors``."""
    if tensors:
        arrays = [None if a is None else torch.from_numpy(a) for a in arrays]
    try:
        return function(*arrays, *args, **kwargs), None
    except Exception as error:  # noqa: BLE001 - torch refuses with many types
        return None, error


def _same_answer(ours, theirs, label):
    if isinstance(theirs, tuple):
        assert isinstance(ours, tuple) and len(ours) == len(theirs), label
        values, indices = _to_numpy(ours[0]), _to_numpy(ours[1])
        np.testing.assert_array_equal(indices, _to_numpy(theirs[1]), err_msg=label)
        assert indices.dtype == np.int64, label
        ours, theirs = values, theirs[0]
    ours, theirs = _to_numpy(ours), _to_numpy(theirs)
    assert ours.shape == theirs.shape, f"{label}: shape {ours.shape} != torch {theirs.shape}"
    assert ours.dtype == theirs.dtype, f"{label}: dtype {ours.dtype} != torch {theirs.dtype}"
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12, err_msg=label)


def _output_size(args, kwargs):
    return kwargs["output_size"] if "output_size" in kwargs else args[0]


def _for_torch(name, args, kwargs):
    """The call torch is asked: a NumPy integer ``output_size`` of a 2-D adaptive pooling
    as an ``int`` (torch's Python wrapper calls ``len`` on it and fails; cnncourse takes a
    NumPy integer wherever it takes an int, see :data:`DELIBERATE`)."""
    if not name.startswith("adaptive") or not name.endswith("2d"):
        return args, kwargs
    size = _output_size(args, kwargs)
    if not isinstance(size, np.integer):
        return args, kwargs
    if "output_size" in kwargs:
        return args, {**kwargs, "output_size": int(size)}
    return (int(size), *args[1:]), kwargs


INTEGERS = ("kernel_size", "stride", "padding", "dilation", "groups", "output_size",
            "divisor_override")  # fmt: skip
FLAGS = ("ceil_mode", "return_indices", "count_include_pad")


def _not_type_exact(name, args, kwargs):
    """True if an integer argument holds a bool or a float, or a flag is not a bool."""
    values = {**dict(zip(PARAMETERS[name], args, strict=False)), **kwargs}
    for parameter, value in values.items():
        items = value if isinstance(value, tuple | list) else [value]
        if parameter in INTEGERS and any(isinstance(v, bool | float) for v in items):
            return True
        if parameter in FLAGS and not isinstance(value, bool):
            return True
    return isinstance(values.get("norm_type"), bool)


def deliberate_refusal(name, arrays, args, kwargs):
    """Why cnncourse refuses a call that torch answers, or ``None`` (it must answer)."""
    x, n = arrays[0], SPATIAL[name]
    if _not_type_exact(name, args, kwargs):
        return DELIBERATE["type-exact"]
    if name.startswith("conv") and x.shape[-n - 1] == 0:
        return DELIBERATE["conv zero channels"]
    if name.startswith("adaptive_avg") and 0 in x.shape[-n:]:
        return DELIBERATE["average of nothing"]
    if x.ndim == n + 2 and x.shape[0] == 0:
        one = np.zeros((1, *x.shape[1:]))
        _, refusal = _call(getattr(F, name), [one, *arrays[1:]], args, kwargs, tensors=True)
        if refusal is not None:
            return DELIBERATE["empty batch"]
    return None


#: Where cnncourse and torch differ on purpose (beyond the type-exact checks).
DELIBERATE = {
    "type-exact": "a bool or a float for an integer, or a non-bool flag: torch takes some "
    "(`return_indices='yes'`, `ceil_mode=1` in some functions); cnncourse never does",
    "conv zero channels": "an input with no channels: torch answers with no output channels "
    "whatever the weight says; cnncourse refuses",
    "average of nothing": "adaptive average pooling to size 1 of an input with an empty "
    "spatial axis: torch answers NaN (its shortcut skips its own check); cnncourse refuses",
    "empty batch": "an empty batch: torch skips its argument checks, cnncourse does not",
    "numpy output_size": "a NumPy integer `output_size` of a 2-D adaptive pooling: torch's "
    "wrapper fails on it; cnncourse takes it as the int it is",
}


def _refused_alike(label, numpy_error, torch_error):
    for error in (numpy_error, torch_error):
        assert error is not None, f"{label}: cnncourse answers"
        assert isinstance(error, ValueError | TypeError), f"{label}: {error!r}"
        assert "`" in str(error), f"{label}: the message names no argument: {error}"
    assert type(numpy_error) is type(torch_error), label
    assert str(numpy_error) == str(torch_error), label


def check_parity(name, arrays, args=(), kwargs=None):
    """Call ``name`` through torch and both cnncourse backends; they must agree.

    ``arrays`` are float64 NumPy arrays (or ``None``), passed first; ``args`` then
    ``kwargs`` follow. Returns ``"answered"``, ``"refused"`` or ``"deliberate"``.
    """
    kwargs = kwargs or {}
    label = f"{name}(shapes {[None if a is None else a.shape for a in arrays]}, {args}, {kwargs})"
    torch_args, torch_kwargs = _for_torch(name, args, kwargs)
    expected, refusal = _call(getattr(F, name), arrays, torch_args, torch_kwargs, tensors=True)
    from_numpy, numpy_error = _call(getattr(cc, name), arrays, args, kwargs, tensors=False)
    from_torch, torch_error = _call(getattr(cc, name), arrays, args, kwargs, tensors=True)
    if refusal is not None:
        _refused_alike(f"{label}: torch refuses ({refusal!r})", numpy_error, torch_error)
        return "refused"
    reason = deliberate_refusal(name, arrays, torch_args, torch_kwargs)
    if reason is not None:
        _refused_alike(f"{label} ({reason})", numpy_error, torch_error)
        return "deliberate"
    assert numpy_error is None, f"{label}: torch answers, NumPy backend: {numpy_error!r}"
    assert torch_error is None, f"{label}: torch answers, torch backend: {torch_error!r}"
    _same_answer(from_numpy, expected, label + " [numpy]")
    _same_answer(from_torch, expected, label + " [torch]")
    return "answered"


# --------------------------------------------------------------------------- argument forms


def _int(draw, low, high):
    """An integer as an ``int`` or a NumPy integer; rarely a bool or a float (type-exact)."""
    value = draw(st.integers(low, high))
    kind = draw(st.sampled_from([int] * 12 + [np.int64] * 4 + [np.int32] * 3 + [bool, float]))
    return kind(value) if kind is not bool else value > 0


def _flag(draw):
    """A flag: ``True`` or ``False``, rarely an int, a string or ``None`` (type-exact)."""
    return draw(st.sampled_from([False, True] * 8 + [1, 0, "yes", None]))


def per_axis(draw, n, low, high, one=True):
    """A per-axis argument in one of the forms torch reads, now and then a wrong one.

    About one draw in seven goes one below ``low`` or has a wrong length; one-element
    sequences are rarer unless ``one``.
    """
    ones = ["one", "one-list"] * (5 if one else 1)
    form = draw(st.sampled_from(["int", "tuple", "list"] * 5 + ones + ["empty", "long"]))
    low -= draw(st.sampled_from([0] * 11 + [1]))
    if form == "int":
        return _int(draw, low, high)
    length = {"one": 1, "one-list": 1, "empty": 0, "long": n + 1}.get(form, n)
    values = [_int(draw, low, high) for _ in range(length)]
    return list(values) if form in ("list", "one-list") else tuple(values)


def _input(draw, n, channels=None):
    """An input shape: unbatched or a batch of 0 to 2; channels and sizes possibly zero."""
    batch = draw(st.sampled_from([(), (), (), (1,), (2,), (2,), (2,), (0,)]))
    if channels is None:
        channels = draw(st.sampled_from([1, 1, 2, 2, 3] * 2 + [0]))
    sizes = tuple(draw(st.sampled_from([*range(1, 10), *range(2, 8), 0])) for _ in range(n))
    return (*batch, channels, *sizes)


def _arrays(draw, shapes):
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return [None if shape is None else rng.standard_normal(shape) for shape in shapes]


def _split(draw, name, values, keep=()):
    """The drawn values as positional arguments up to a drawn cut, the rest as keywords.

    A keyword argument may be left out (torch's default), unless it is required or in
    ``keep``.
    """
    names = PARAMETERS[name]
    cut = draw(st.integers(0, len(names)))
    args = tuple(values[p] for p in names[:cut])
    kept = (*REQUIRED, *keep)
    kwargs = {p: values[p] for p in names[cut:] if p in kept or draw(st.booleans())}
    return args, kwargs


REQUIRED = ("kernel_size", "norm_type", "output_size")


@st.composite
def conv_calls(draw, name):
    n = SPATIAL[name]
    groups = _int(draw, 0, 3) if draw(st.integers(0, 9)) == 9 else _int(draw, 1, 3)
    g = max(1, int(groups))
    in_per_group = draw(st.sampled_from([1, 1, 2] * 4 + [0]))
    channels = g * in_per_group + (1 if draw(st.integers(0, 19)) == 19 else 0)
    out_channels = g * draw(st.sampled_from([1, 1, 2] * 4 + [0]))
    out_channels += 1 if draw(st.integers(0, 19)) == 19 else 0
    kernel = tuple(draw(st.sampled_from([1, 2, 3, 4, 5] * 3 + [0])) for _ in range(n))
    bias = draw(st.sampled_from(["none"] * 3 + ["right"] * 4 + ["long", "2-D"]))
    bias_shape = {"none": None, "right": (out_channels,), "long": (out_channels + 1,),
                  "2-D": (out_channels, 1)}[bias]  # fmt: skip
    shapes = [_input(draw, n, channels), (out_channels, in_per_group, *kernel), bias_shape]
    padding = draw(st.sampled_from(["same", "valid", "axes"] * 4 + ["same", "full", "Same"]))
    values = {
        "stride": _stride(draw, n) if draw(st.integers(0, 9)) == 9 else per_axis(draw, n, 1, 3),
        "padding": per_axis(draw, n, 0, 4) if padding == "axes" else padding,
        "dilation": per_axis(draw, n, 1, 3),
        "groups": groups,
    }
    if padding == "same" and draw(st.booleans()):
        values["stride"] = draw(st.sampled_from([1, (1, 1)[:n], [1]]))
    arrays = _arrays(draw, shapes)
    args, kwargs = _split(draw, name, values, keep=("groups",) if g > 1 else ())
    if arrays[2] is None and not args and draw(st.booleans()):
        arrays = arrays[:2]  # the bias left out
    return arrays, args, kwargs


def _stride(draw, n):
    """A pooling's stride: ``None``, ``()``, ``[]`` (the kernel size) or per axis."""
    form = draw(st.sampled_from(["none", "empty", "empty-list", "axes", "axes", "axes"]))
    if form == "axes":
        return per_axis(draw, n, 1, 3)
    return {"none": None, "empty": (), "empty-list": []}[form]


@st.composite
def pool_calls(draw, name):
    n = SPATIAL[name]
    arrays = _arrays(draw, [_input(draw, n)])
    values = {
        "kernel_size": (
            _int(draw, 1, 5)
            if name == "lp_pool1d" and draw(st.integers(0, 3)) < 3
            else per_axis(draw, n, 1, 5, one=not name.startswith("lp"))
        ),  # fmt: skip
        "stride": _stride(draw, n),
        "padding": per_axis(draw, n, 0, draw(st.sampled_from([1, 1, 2]))),
        "dilation": per_axis(draw, n, 1, 3),
        "ceil_mode": _flag(draw),
        "return_indices": _flag(draw),
        "count_include_pad": _flag(draw),
        "divisor_override": draw(st.sampled_from([None, None, 1, 2, 3, -2, 0, np.int64(5)])),
        "norm_type": draw(
            st.sampled_from(
                [1, 2, 3, 1.5, 2.0, np.float64(2.5), 0.5, -1, -2.0, math.inf, -math.inf, 0, 0.0]
            )  # fmt: skip
        ),
    }
    if name.startswith("lp_pool"):
        arrays = [np.abs(arrays[0]) if draw(st.booleans()) else arrays[0]]
    return arrays, *_split(draw, name, values)


@st.composite
def unfold_calls(draw):
    arrays = _arrays(draw, [_input(draw, 2)])
    values = {
        "kernel_size": per_axis(draw, 2, 1, 4, one=False),
        "dilation": per_axis(draw, 2, 1, 3, one=False),
        "padding": per_axis(draw, 2, 0, 3, one=False),
        "stride": (
            _stride(draw, 2) if draw(st.integers(0, 9)) == 9 else per_axis(draw, 2, 1, 3, one=False)
        ),
    }
    return arrays, *_split(draw, "unfold", values)


@st.composite
def adaptive_calls(draw, name):
    n = SPATIAL[name]
    arrays = _arrays(draw, [_input(draw, n)])
    form = draw(st.sampled_from(["axes", "axes", "none", "none-in"]))
    if form == "axes":
        size = per_axis(draw, n, 0, 8)
    elif form == "none":
        size = None
    else:
        size = [_int(draw, 0, 8) for _ in range(n)]
        size[draw(st.integers(0, n - 1))] = None
        size = tuple(size)
    values = {"output_size": size, "return_indices": _flag(draw)}
    return arrays, *_split(draw, name, values)


def calls(name):
    if name.startswith("conv"):
        return conv_calls(name)
    if name == "unfold":
        return unfold_calls()
    if name.startswith("adaptive"):
        return adaptive_calls(name)
    return pool_calls(name)


@pytest.mark.parametrize("name", sorted(SPATIAL))
@given(data=st.data())
def test_accepts_and_answers_as_torch(name, data):
    arrays, args, kwargs = data.draw(calls(name))
    check_parity(name, arrays, args, kwargs)


# --------------------------------------------------------------------------- found by the fuzz

#: (id, function, array shapes, args, kwargs, what must happen): each a difference the fuzz
#: found (fixed), or a deliberate one.
CASES = [
    # torch answers, cnncourse refused before
    ("ceil_mode overhang avg", "avg_pool2d", [(2, 1, 4, 6)], (5,), {"ceil_mode": True,
     "divisor_override": 1}, "answered"),
    ("ceil_mode overhang avg1d", "avg_pool1d", [(1, 1)], ((2,),), {"ceil_mode": True,
     "count_include_pad": False}, "answered"),
    ("ceil_mode overhang max indices", "max_pool1d", [(1, 2, 7)], (8, 2),
     {"ceil_mode": True, "return_indices": True}, "answered"),
    ("ceil_mode overhang padded", "max_pool2d", [(1, 3, 3)], (6, 3, 1), {"ceil_mode": True},
     "answered"),
    ("lp inf", "lp_pool2d", [(2, 5, 7)], (math.inf, 2), {"ceil_mode": True}, "answered"),
    ("lp -inf", "lp_pool2d", [(2, 5, 7)], (-math.inf, (2, 3)), {}, "answered"),
    ("lp negative", "lp_pool1d", [(2, 3, 7)], (-2, 3), {"stride": 2}, "answered"),
    ("lp1d inf one-element kernel", "lp_pool1d", [(2, 6)], (math.inf, (4,)), {}, "answered"),
    ("adaptive size 0", "adaptive_max_pool2d", [(2, 3, 5, 6)], ((0, 3), True), {}, "answered"),
    ("adaptive1d size 0", "adaptive_avg_pool1d", [(2, 5)], (0,), {}, "answered"),
    ("adaptive max unbatched no channels", "adaptive_max_pool1d", [(0, 6)], (2,), {},
     "answered"),
    ("adaptive avg no channels", "adaptive_avg_pool2d", [(2, 0, 6, 6)], (3,), {}, "answered"),
    ("adaptive None in a pair", "adaptive_max_pool2d", [(0, 6, 5)], ((None, 2), True), {},
     "answered"),
    # torch refuses, cnncourse answered before
    ("lp1d one-element kernel", "lp_pool1d", [(2, 6)], (2, (3,)), {}, "refused"),
    ("lp2d one-element kernel", "lp_pool2d", [(2, 6, 6)], (2, [3]), {}, "refused"),
    ("adaptive None alone", "adaptive_max_pool2d", [(2, 5, 6)], (None,), {}, "refused"),
    ("adaptive1d None", "adaptive_avg_pool1d", [(2, 5)], ((None,),), {}, "refused"),
    ("unfold no channels", "unfold", [(2, 0, 7, 5)], ((3, 4),), {}, "refused"),
    ("unfold unbatched no channels", "unfold", [(0, 7, 7)], (4,), {}, "refused"),
    ("conv empty height, padded", "conv2d", [(2, 4, 0, 6), (2, 4, 1, 1)], (None, 1, 1), {},
     "refused"),
    # forms that always worked, kept as examples of what torch takes
    ("same, even kernel, dilated", "conv2d", [(2, 3, 7, 6), (2, 3, 2, 4), (2,)], (),
     {"padding": "same", "dilation": (3, 1)}, "answered"),
    ("same, one-element stride", "conv1d", [(3, 8), (2, 3, 4)], (None, [1], "same"), {},
     "answered"),
    ("padding beyond half the kernel", "conv2d", [(2, 3, 3), (2, 2, 2, 2)], (None, 1, 5), {},
     "answered"),
    ("empty batch", "conv2d", [(0, 4, 6, 6), (2, 4, 3, 3)], (), {}, "answered"),
    ("kernel beyond the input, padded", "max_pool2d", [(2, 3, 3)], (4,), {"padding": 2},
     "answered"),
    ("numpy integers", "max_pool2d", [(2, 6, 7)], ((np.int32(3), np.int64(2)), None,
     np.int64(1)), {"dilation": [np.int64(2)]}, "answered"),
    ("stride ()", "avg_pool2d", [(2, 7, 7)], (2, ()), {}, "answered"),
    # deliberate differences
    ("conv zero channels", "conv2d", [(2, 0, 6, 6), (2, 0, 3, 3)], (), {}, "deliberate"),
    ("average of nothing", "adaptive_avg_pool2d", [(2, 1, 0, 5)], (1,), {}, "deliberate"),
    ("empty batch, bad dilation", "conv2d", [(0, 1, 7, 1), (1, 1, 4, 1)], (None, 1, "same"),
     {"dilation": (3, 0)}, "deliberate"),
    ("return_indices 'yes'", "max_pool2d", [(2, 3, 6, 6)], (2,), {"return_indices": "yes"},
     "deliberate"),
    ("numpy output_size", "adaptive_avg_pool2d", [(1, 9, 2)], (np.int64(8),), {}, "answered"),
]  # fmt: skip


@pytest.mark.parametrize(
    "name, shapes, args, kwargs, outcome", [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_found_by_the_fuzz(name, shapes, args, kwargs, outcome):
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(shape) for shape in shapes]
    assert check_parity(name, arrays, args, kwargs) == outcome
