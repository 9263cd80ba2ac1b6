"""Argument checks, run once per call by the public functions, before the backend runs.

Every check here looks only at shapes, dtypes and plain Python values, never at the data,
so NumPy arrays and torch tensors pass the same checks and bad input gets the same words:
a ``TypeError`` or ``ValueError`` that names the argument, what was expected and what came in.

Checks are type-exact: an integer argument is an ``int`` or NumPy integer (never ``True``
or ``1.0``), a flag is ``True`` or ``False`` (never a string). Their answers do not depend on
earlier calls: a layer's checks are cached (:func:`exact_cache`) under keys that tell each
argument's type apart as well as its value, so ``stride=1`` and ``stride=True`` never share
an entry.
A layer's checked geometry comes back as one :class:`cnncourse.geometry.Geometry`; the size
arithmetic itself lives in :mod:`cnncourse.geometry`.
"""

import functools
import math
import numbers
import sys

import numpy as np

from . import geometry

FLOAT_DTYPES = ("float16", "bfloat16", "float32", "float64")
PADDING_STRINGS = ("valid", "same")
SIGNAL_MODES = ("full", "same", "valid")

#: The NumPy backend refuses a padded work array above this many elements when it is also
#: more than :data:`WORK_RATIO` times the larger of the input and the output.
MAX_WORK_ELEMENTS = 2**27
WORK_RATIO = 64

#: How many argument configurations :func:`exact_cache` remembers per check.
CACHE_SIZE = 1024


# --------------------------------------------------------------------------- arrays


def is_torch_tensor(value):
    """True for a ``torch.Tensor``, decided without importing torch.

    If torch has not been imported, no tensor can exist.
    """
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(value, torch.Tensor)


def dtype_name(array):
    """The dtype of a NumPy array or torch tensor as a plain name, e.g. ``"float32"``."""
    return _name_of_dtype(array.dtype)


@functools.lru_cache(maxsize=64)
def _name_of_dtype(dtype):
    # Cached: ``str(dtype)`` costs microseconds, a noticeable part of a small layer's call.
    return str(dtype).replace("torch.", "")


def kind_of(value):
    """A short description of what ``value`` is, for error messages."""
    if is_torch_tensor(value):
        return "torch.Tensor"
    return f"{type(value).__module__}.{type(value).__name__}".replace("builtins.", "")


def native_numpy(values, required):
    """True if ``values`` are native-byte-order NumPy arrays (exactly ``numpy.ndarray``),
    each of them after the first ``required`` possibly ``None``: then no tensor is among
    them and none needs converting (the dispatcher's common call, decided in a few steps)."""
    for value in values[:required]:
        if type(value) is not np.ndarray or not value.dtype.isnative:
            return False
    for value in values[required:]:
        if value is not None and (type(value) is not np.ndarray or not value.dtype.isnative):
            return False
    return True


def check_same_kind(**arrays):
    """Refuse a mix of torch tensors and NumPy arrays among ``arrays`` (``None`` ignored).

    Returns ``"torch"`` if any is a tensor, else ``"numpy"``.
    """
    if "torch" not in sys.modules:  # no tensor can exist
        return "numpy"
    tensors, others = [], []
    for name, value in arrays.items():
        if value is None:
            continue
        if is_torch_tensor(value):
            tensors.append(name)
        else:
            others.append(name)
    if tensors and others:
        raise TypeError(
            f"`{others[0]}` is a {kind_of(arrays[others[0]])} but `{tensors[0]}` is a "
            "torch.Tensor; pass all arrays as torch tensors or all as NumPy arrays"
        )
    return "torch" if tensors else "numpy"


def as_array(value, name):
    """``value`` as a NumPy array in native byte order, or a ``ValueError`` naming ``name``.

    A ragged nested list is refused with the argument's name; a big-endian array (from a
    file, say) is converted, so that both byte orders give the same answers (torch tensors
    have none).
    """
    try:
        array = np.asarray(value)
    except ValueError as error:
        raise ValueError(
            f"`{name}` must be an array or a rectangular nested sequence (every row of one "
            f"length), got a ragged one ({error})"
        ) from None
    if not array.dtype.isnative:
        array = array.astype(array.dtype.newbyteorder("="))
    return array


def check_floating(array, name):
    """Require a floating dtype (the layer-level ops compute in floating point)."""
    found = dtype_name(array)
    if found not in FLOAT_DTYPES:
        raise TypeError(
            f"`{name}` must have a floating dtype ({', '.join(FLOAT_DTYPES)}), got {found}"
        )


def check_numeric(array, name, allow_object=False):
    """Require numbers (bool, int, float, complex), or Python objects if ``allow_object``."""
    found = dtype_name(array)
    numeric = found == "bool" or found.startswith(("int", "uint", "float", "bfloat", "complex"))
    if numeric or (allow_object and found == "object"):
        return
    expected = "numbers or symbols (object dtype)" if allow_object else "numbers"
    raise TypeError(f"`{name}` must hold {expected}, got dtype {found}")


def check_same_dtype(first, first_name, second, second_name):
    """Require two arrays to share a dtype."""
    if second is None:
        return
    a, b = dtype_name(first), dtype_name(second)
    if a != b:
        raise TypeError(
            f"`{second_name}` has dtype {b} but `{first_name}` has dtype {a}; "
            "cast one of them so that they match"
        )


def check_ndim(array, name, allowed, layout):
    """Require ``array.ndim`` to be one of ``allowed``; ``layout`` names the axes."""
    if array.ndim not in allowed:
        ranks = " or ".join(f"{n}-D" for n in allowed)
        raise ValueError(f"`{name}` must be {ranks} {layout}, got shape {tuple(array.shape)}")


def check_array(value, name):
    """Require an array (NumPy or torch), not ``None`` or a scalar."""
    if value is None or not hasattr(value, "shape") or not hasattr(value, "dtype"):
        raise TypeError(
            f"`{name}` must be an array (numpy.ndarray or torch.Tensor), got {kind_of(value)}"
        )


def check_not_empty(array, name, first_axis, what="channel and spatial dimensions"):
    """Require every axis from ``first_axis`` on to be non-empty (torch's rule for layers).

    ``what`` describes those axes, for the message.
    """
    shape = tuple(array.shape)
    if 0 in shape[first_axis:]:
        raise ValueError(f"`{name}` must have non-empty {what}, got shape {shape}")


#: Argument types whose value is its own cache key (with the type beside it).
PLAIN_TYPES = frozenset({int, float, bool, str, type(None)})


def _exact_key(value):
    """A cache key that tells ``1``, ``1.0``, ``True`` and ``np.int64(1)`` apart.

    NumPy scalars keep their value (``np.int64(0)`` and ``np.int64(2)`` differ); arrays
    become their type, shape and dtype (the checks read nothing else of them).
    """
    kind = type(value)
    if kind in PLAIN_TYPES:  # the common case first: a layer call is mostly plain ints
        return kind, value
    if kind is np.ndarray:
        return kind, value.shape, value.dtype
    if kind is tuple or kind is list:
        return kind, tuple([_exact_key(item) for item in value])
    if hasattr(value, "dtype") and hasattr(value, "shape"):  # an array: what checks read
        if isinstance(value, np.generic):  # a NumPy scalar has a shape too: keep its value
            return kind, value
        return kind, tuple(value.shape), value.dtype
    return kind, value


def exact_key(args, kwargs=None):
    """The cache key of a call's arguments (:func:`_exact_key` of each, in a few steps).

    A plain int or None stands for itself (no other key equals it); a NumPy array is its
    shape and dtype (no other key's first item is a tuple); the rest is tagged with its
    type. Keyword arguments follow as ``(name, key)`` pairs, in the order given (the same
    call with its keywords in another order has another key). Raises ``TypeError`` for an
    unhashable argument, when the key is hashed.
    """
    key = tuple([v if type(v) is int or v is None else (v.shape, v.dtype)
                 if type(v) is np.ndarray else _exact_key(v) for v in args])  # fmt: skip
    if kwargs:
        key += tuple([(name, v if type(v) is int or v is None else _exact_key(v))
                      for name, v in kwargs.items()])  # fmt: skip
    return key


def exact_cache(check):
    """Remember what ``check`` returned for arguments of exactly these types and values.

    A layer called again with the same configuration (every training step) skips its
    checks. The key tells each argument's type apart as well as its value (a plain ``int``
    or ``None`` stands for itself, an array is its shape and dtype, anything else is tagged
    with its type), so that a call with ``stride=1`` says nothing about ``stride=True`` or
    ``stride=1.0``; errors are never remembered, and unhashable arguments are checked afresh
    every time.
    """
    results = {}

    @functools.wraps(check)
    def cached(*args):
        try:
            key = exact_key(args)
            return results[key]
        except TypeError:  # unhashable: no cache
            return check(*args)
        except KeyError:
            pass
        result = check(*args)
        if len(results) >= CACHE_SIZE:
            results.clear()
        results[key] = result
        return result

    cached.cache_clear = results.clear
    return cached


# --------------------------------------------------------------------------- plain values


def is_int(value):
    """True for an ``int`` or NumPy integer, never a ``bool`` (nor a float equal to an int)."""
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def _described(value):
    """``value`` and its type, for messages: ``1.0 (float)``, ``'no' (str)``."""
    return f"{value!r} ({type(value).__name__})"


def flag(value, name):
    """A yes/no argument: exactly ``True`` or ``False`` (a NumPy bool too); strings refused."""
    if not isinstance(value, bool | np.bool_):
        raise TypeError(f"`{name}` must be True or False, got {_described(value)}")
    return bool(value)


def int_tuple(value, name, n, minimum, what, one_for_all=True):
    """Turn an int or a sequence of ints into a tuple of ``n``, checking ``>= minimum``.

    As in ``torch.nn.functional``'s layers, a one-element sequence stands for all ``n`` axes
    (unless ``one_for_all`` is false: ``unfold`` wants a pair, as torch's does). An int
    is an ``int`` or NumPy integer; ``True`` and ``1.0`` are refused (``TypeError``), as are
    strings and other non-sequences.

    Parameters
    ----------
    value : int or sequence of int
    name : str
        The argument's name, for messages.
    n : int
        How many spatial dimensions.
    minimum : int
        The smallest allowed value (1 for sizes and steps, 0 for padding).
    what : str
        How to describe an allowed value, e.g. ``"a positive integer"``.
    one_for_all : bool
        Whether a one-element sequence is repeated for every axis.
    """
    pairs = "" if n == 1 else f" or a sequence of {n} of them"
    expected = f"`{name}` must be {what}{pairs}"
    if is_int(value):
        items = (value,) * n
    elif isinstance(value, tuple | list):
        items = tuple(value) * n if len(value) == 1 and one_for_all else tuple(value)
    else:
        raise TypeError(f"{expected}, got {_described(value)}")
    if not all(is_int(item) for item in items):
        raise TypeError(f"{expected}, got {value!r}")
    if len(items) != n or not all(item >= minimum for item in items):
        raise ValueError(f"{expected}, got {value!r}")
    check_int64(items, name)
    return tuple(int(item) for item in items)


#: The largest integer argument: torch's (int64) limit, on both backends.
MAX_INT = 2**63 - 1


def check_int64(values, name):
    """Refuse integers beyond torch's int64 arguments, naming the argument."""
    if any(abs(v) > MAX_INT for v in values):
        raise ValueError(
            f"`{name}` must be at most 2**63 - 1 in size (torch's int64 limit), "
            f"got {values[0] if len(set(values)) == 1 else tuple(values)!r}"
        )


def positive(value, name, n, one_for_all=True):
    """A size, stride or dilation: positive integers."""
    return int_tuple(value, name, n, 1, "a positive integer", one_for_all)


def non_negative(value, name, n, one_for_all=True):
    """A padding: non-negative integers."""
    return int_tuple(value, name, n, 0, "a non-negative integer", one_for_all)


# --------------------------------------------------------------------------- sizes


def check_fits(size, kernel_size, padding, dilation, axis, name="kernel",
               blame="`kernel_size`, `dilation` and `padding`", ceil_stride=None):  # fmt: skip
    """Require the dilated kernel to fit inside the padded input along one axis.

    ``padding`` is a ``(before, after)`` pair; ``blame`` names the arguments to check, for
    the message. With ``ceil_stride`` (pooling's ``ceil_mode``, the stride), the window may
    overhang the padded input by less than the stride, as torch allows: the output then
    still has one window, which starts inside.
    """
    before, after = padding
    extent = geometry.span(kernel_size, dilation)
    padded = size + before + after
    overhang = 0 if ceil_stride is None else ceil_stride - 1
    if extent > padded + overhang:
        allowed = "" if ceil_stride is None else f" plus the overhang of `ceil_mode` ({overhang})"
        raise ValueError(
            f"{name} extent {extent} (kernel {kernel_size}, dilation {dilation}) is larger "
            f"than the padded input ({size} + {before} + {after} = {padded}){allowed} along "
            f"{axis} (check {blame})"
        )


def check_work_size(input_shape, pads, output_elements):
    """Refuse a convolution whose padded work array would dwarf its input and answer.

    The NumPy backend pads its input before it takes windows. Padding that only dead taps
    reached is dropped first; if what is left still makes a work array above
    :data:`MAX_WORK_ELEMENTS` elements and :data:`WORK_RATIO` times the input and output,
    the call is refused rather than left to exhaust memory.
    """
    n_spatial = len(pads)
    sizes = input_shape[-n_spatial:]
    padded_sizes = [n + before + after for n, (before, after) in zip(sizes, pads, strict=True)]
    padded = math.prod(input_shape[:-n_spatial]) * math.prod(padded_sizes)
    needed = max(math.prod(input_shape), output_elements)
    if padded > MAX_WORK_ELEMENTS and padded > WORK_RATIO * needed:
        raise ValueError(
            f"`padding` would make a work array of {padded:,} elements for an input of "
            f"{math.prod(input_shape):,} and an output of {output_elements:,} elements; "
            "reduce `padding` (the torch backend computes such calls)"
        )


AXIS_NAMES = {1: ("length",), 2: ("height", "width")}


# --------------------------------------------------------------------------- layers


def _layer_input(input, n, floating=True):
    letters = "L" if n == 1 else "H, W"
    check_ndim(input, "input", (n + 1, n + 2), f"(C, {letters}) or (N, C, {letters})")
    if floating:
        check_floating(input, "input")


@exact_cache
def conv_args(input, weight, bias, stride, padding, dilation, groups, n):
    """Validate a convolution's arguments; return its :class:`~cnncourse.geometry.Geometry`.

    ``padding`` comes back as ``(before, after)`` pairs per axis, since ``"same"`` with an
    even kernel pads one more on the right, as torch does.
    """
    _layer_input(input, n)
    kernel_letters = "k" if n == 1 else "kH, kW"
    check_ndim(weight, "weight", (n + 2,), f"(C_out, C_in / groups, {kernel_letters})")
    check_same_dtype(input, "input", weight, "weight")
    check_same_dtype(input, "input", bias, "bias")
    if not is_int(groups):
        raise TypeError(f"`groups` must be a positive integer, got {_described(groups)}")
    if groups < 1:
        raise ValueError(f"`groups` must be a positive integer, got {groups!r}")
    channels = input.shape[-n - 1]
    if channels == 0:
        raise ValueError(f"`input` has an empty channel dimension (shape {tuple(input.shape)})")
    out_channels, per_group = weight.shape[0], weight.shape[1]
    if out_channels == 0:
        raise ValueError(
            f"`weight` must have at least one output channel, got shape {tuple(weight.shape)}"
        )
    if channels % groups or out_channels % groups:
        raise ValueError(
            f"`groups`={groups} must divide both the input channels ({channels}) "
            f"and the output channels of `weight` ({out_channels})"
        )
    if per_group * groups != channels:
        raise ValueError(
            f"`weight` expects {per_group * groups} input channels "
            f"({per_group} per group x {groups} groups), but `input` has {channels}"
        )
    if bias is not None and tuple(bias.shape) != (out_channels,):
        raise ValueError(f"`bias` must have shape ({out_channels},), got {tuple(bias.shape)}")
    stride = positive(stride, "stride", n)
    dilation = positive(dilation, "dilation", n)
    kernel = tuple(int(k) for k in weight.shape[2:])
    if 0 in kernel:
        raise ValueError(f"`weight` has an empty kernel, shape {tuple(weight.shape)}")
    if 0 in input.shape[-n:]:
        raise ValueError(
            f"`input` must have non-empty spatial dimensions, got shape {tuple(input.shape)}"
        )
    pads = conv_padding(padding, stride, dilation, kernel, n)
    for axis, size in enumerate(input.shape[-n:]):
        check_fits(size, kernel[axis], pads[axis], dilation[axis], AXIS_NAMES[n][axis],
                   blame="the kernel of `weight`, `dilation` and `padding`")  # fmt: skip
    shape = geometry.Geometry(kernel, stride, pads, dilation)
    outputs = math.prod(input.shape[:-n]) // channels * out_channels
    outputs *= math.prod(shape.output_shape(input.shape[-n:]))
    if outputs > MAX_INT // 16:
        raise ValueError(
            f"`padding` {padding!r} makes an output of {outputs:.3g} elements, more than any "
            "array can hold; reduce `padding`"
        )
    return shape


def conv_padding(padding, stride, dilation, kernel, n):
    """Resolve ``padding`` (int, ints, ``"valid"`` or ``"same"``) to ``(before, after)`` pairs."""
    if isinstance(padding, str):
        if padding not in PADDING_STRINGS:
            raise ValueError(
                f"`padding` must be one of {PADDING_STRINGS} when given as a string, "
                f"got {padding!r}"
            )
        if padding == "valid":
            return tuple((0, 0) for _ in range(n))
        if any(s != 1 for s in stride):
            raise ValueError(f"`padding`='same' needs stride 1, got stride {stride}")
        return tuple(geometry.same_padding(k, d) for k, d in zip(kernel, dilation, strict=True))
    try:
        symmetric = non_negative(padding, "padding", n)
    except (TypeError, ValueError) as error:
        if "int64" in str(error):
            raise
        raise type(error)(
            f"`padding` must be a non-negative integer, a sequence of {n} of them, "
            f"'valid' or 'same', got {padding!r}"
        ) from None
    return tuple((p, p) for p in symmetric)


@exact_cache
def pool_args(input, kernel_size, stride, padding, dilation, ceil_mode, n,
              blame="`kernel_size`, `dilation` and `padding`"):  # fmt: skip
    """Validate a pooling's arguments; return its :class:`~cnncourse.geometry.Geometry`.

    ``stride=None`` (or an empty sequence) means ``stride = kernel_size``. Padding may be at
    most half the kernel, as in torch, so that every window holds at least one real input.
    With ``ceil_mode`` a window may overhang the padded input by less than a stride, as long
    as one window starts inside (torch's rule). ``blame`` names the size arguments.
    """
    _layer_input(input, n)
    check_not_empty(input, "input", input.ndim - n - 1)
    kernel = positive(kernel_size, "kernel_size", n)
    no_stride = stride is None or (isinstance(stride, tuple | list) and len(stride) == 0)
    stride = kernel if no_stride else positive(stride, "stride", n)
    dilation = positive(dilation, "dilation", n)
    ceil_mode = flag(ceil_mode, "ceil_mode")
    pads = non_negative(padding, "padding", n)
    for axis in range(n):
        if pads[axis] > kernel[axis] // 2:
            raise ValueError(
                f"`padding` must be at most half of `kernel_size`, got padding {pads[axis]} "
                f"for kernel {kernel[axis]} along {AXIS_NAMES[n][axis]}"
            )
        check_fits(
            input.shape[-n + axis],
            kernel[axis],
            (pads[axis], pads[axis]),
            dilation[axis],
            AXIS_NAMES[n][axis],
            name="pooling window",
            blame=blame,
            ceil_stride=stride[axis] if ceil_mode else None,
        )
    return geometry.Geometry(kernel, stride, tuple((p, p) for p in pads), dilation)


@exact_cache
def avg_pool_args(input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                  divisor_override, n):  # fmt: skip
    """Validate an average pooling; return its :class:`~cnncourse.geometry.Geometry`."""
    shape = pool_args(
        input, kernel_size, stride, padding, 1, ceil_mode, n, "`kernel_size` and `padding`"
    )
    flag(count_include_pad, "count_include_pad")
    check_divisor_override(divisor_override)
    return shape


@exact_cache
def unfold_args(input, kernel_size, dilation, padding, stride):
    """Validate the arguments of ``unfold``; return its :class:`~cnncourse.geometry.Geometry`.

    As torch's ``unfold``: the input may be unbatched (but not empty, except its batch),
    each size is an int or a pair (a one-element sequence is refused), and padding is
    symmetric (no ``"same"``).
    """
    check_ndim(input, "input", (3, 4), "(C, H, W) or (N, C, H, W)")
    check_numeric(input, "input")
    check_not_empty(input, "input", input.ndim - 3)
    kernel = positive(kernel_size, "kernel_size", 2, one_for_all=False)
    dilation = positive(dilation, "dilation", 2, one_for_all=False)
    stride = positive(stride, "stride", 2, one_for_all=False)
    pads = non_negative(padding, "padding", 2, one_for_all=False)
    for axis in range(2):
        check_fits(
            input.shape[-2 + axis], kernel[axis], (pads[axis], pads[axis]), dilation[axis],
            AXIS_NAMES[2][axis],
        )  # fmt: skip
    return geometry.Geometry(kernel, stride, tuple((p, p) for p in pads), dilation)


def check_divisor_override(divisor_override):
    """``divisor_override`` of average pooling: ``None`` or a nonzero integer."""
    if divisor_override is None:
        return
    if not is_int(divisor_override):
        raise TypeError(
            f"`divisor_override` must be a nonzero integer, got {_described(divisor_override)}"
        )
    if divisor_override == 0:
        raise ValueError(f"`divisor_override` must be a nonzero integer, got {divisor_override!r}")
    check_int64((divisor_override,), "divisor_override")


#: Which axes of its input an adaptive pooling requires non-empty, as torch does: every
#: axis after the first for adaptive max pooling (an unbatched input may have no channels),
#: the spatial axes for adaptive average pooling, channels and space for the global pools.
NON_EMPTY = {
    "max": (lambda ndim, n: 1, "dimensions after the first"),
    "avg": (lambda ndim, n: ndim - n, "spatial dimensions"),
    "global": (lambda ndim, n: ndim - n - 1, "channel and spatial dimensions"),
}


@exact_cache
def adaptive_args(input, output_size, n=2, kind="global"):
    """Validate an adaptive pooling; return the output size as a tuple of ints.

    As torch: an output size may be 0 (an empty answer); for 2-D, ``None`` in a pair keeps
    that axis's input size (``None`` alone is refused, as is any ``None`` in 1-D). ``kind``
    (``"max"``, ``"avg"`` or ``"global"``) says which axes must be non-empty
    (:data:`NON_EMPTY`).
    """
    _layer_input(input, n)
    first_axis, what = NON_EMPTY[kind]
    check_not_empty(input, "input", first_axis(input.ndim, n), what)
    spatial = tuple(input.shape[-n:])
    pairs = "" if n == 1 else f" or a sequence of {n} of them (None keeps an axis)"
    expected = f"`output_size` must be a non-negative integer{pairs}"
    if is_int(output_size):
        sizes = (output_size,) * n
    elif isinstance(output_size, tuple | list):
        sizes = tuple(output_size)
    else:
        raise TypeError(f"{expected}, got {_described(output_size)}")
    if len(sizes) == n and n > 1:
        sizes = tuple(spatial[i] if s is None else s for i, s in enumerate(sizes))
    if not all(is_int(s) for s in sizes):
        raise TypeError(f"{expected}, got {output_size!r}")
    if len(sizes) != n or not all(s >= 0 for s in sizes):
        raise ValueError(f"{expected}, got {output_size!r}")
    return tuple(int(s) for s in sizes)


@exact_cache
def channel_pool_args(input, pool_size):
    """Validate a cross-channel (maxout) pooling; return the pool size."""
    check_ndim(input, "input", (3, 4), "(C, H, W) or (N, C, H, W)")
    check_floating(input, "input")
    if not is_int(pool_size):
        raise TypeError(f"`pool_size` must be a positive integer, got {_described(pool_size)}")
    if pool_size < 1:
        raise ValueError(f"`pool_size` must be a positive integer, got {pool_size!r}")
    channels = input.shape[-3]
    if channels % pool_size:
        raise ValueError(
            f"`pool_size`={pool_size} must divide the number of channels of `input` ({channels})"
        )
    return int(pool_size)


def lp_norm_type(norm_type):
    """Validate the exponent of Lp pooling: any real number but 0, as torch.

    ``inf`` gives the maximum of ``|x|`` over each window and ``-inf`` the minimum; a
    negative exponent the power mean of that order (zeros give infinities, as in torch).
    """
    if isinstance(norm_type, bool | np.bool_) or not isinstance(norm_type, numbers.Real):
        raise TypeError(f"`norm_type` must be a real number, got {_described(norm_type)}")
    if norm_type == 0:
        raise ValueError(f"`norm_type` must be a nonzero real number, got {norm_type!r}")
    try:
        return float(norm_type)
    except OverflowError:
        raise ValueError(
            "`norm_type` must be a real number a float can hold (or inf), got an integer "
            f"of {len(str(abs(norm_type)))} digits"
        ) from None


@exact_cache
def lp_pool_args(input, norm_type, kernel_size, stride, ceil_mode, n):
    """Validate an Lp pooling; return ``(p, geometry)``.

    As torch's: no padding or dilation, and ``kernel_size`` is an int in 1-D (or, for an
    infinite ``norm_type``, anything :func:`max_pool1d` takes), an int or a pair in 2-D (a
    one-element sequence is refused, as torch's ``lp_pool*d`` refuses it).
    """
    p = lp_norm_type(norm_type)
    if n == 1 and not is_int(kernel_size) and not math.isinf(p):  # torch: max_pool1d for inf
        raise TypeError(f"`kernel_size` must be a positive integer, got {_described(kernel_size)}")
    if n == 2:
        positive(kernel_size, "kernel_size", n, one_for_all=False)
    shape = pool_args(input, kernel_size, stride, 0, 1, ceil_mode, n, "`kernel_size`")
    return p, shape


# --------------------------------------------------------------------------- signals


def signal_args(x, w, mode):
    """Validate the arguments of ``convolve``/``correlate`` (arrays of one kind already)."""
    check_numeric(x, "x", allow_object=True)
    check_numeric(w, "w", allow_object=True)
    signal_shapes(tuple(x.shape), tuple(w.shape), mode)


#: Dense matrices of :func:`cnncourse.conv_matrix` above this many entries are refused.
MAX_DENSE_ENTRIES = 2**28


def check_dense_size(rows, columns):
    """Refuse a dense ``rows x columns`` matrix too large to allocate sensibly."""
    if rows * columns > MAX_DENSE_ENTRIES:
        raise ValueError(
            f"a dense {rows:,} x {columns:,} matrix has {rows * columns:,} entries, more than "
            f"{MAX_DENSE_ENTRIES:,}; pass `sparse=True` for a scipy sparse matrix"
        )


def shape_tuple(value, name):
    """A shape given as an int or a sequence of ints: a tuple of non-negative ints."""
    if is_int(value):
        value = (value,)
    if not isinstance(value, tuple | list) or not all(is_int(n) for n in value):
        raise TypeError(f"`{name}` must be an int or a sequence of ints, got {_described(value)}")
    if any(n < 0 for n in value):
        raise ValueError(f"`{name}` must not have negative sizes, got {tuple(value)}")
    return tuple(int(n) for n in value)


def signal_shapes(x_shape, w_shape, mode, x_name="x", w_name="w"):
    """Check the shapes of a signal-level convolution by arithmetic alone (no arrays).

    ``x_name`` and ``w_name`` say which arguments the shapes came from, for messages.
    """
    if not isinstance(mode, str) or mode not in SIGNAL_MODES:
        raise ValueError(f"`mode` must be one of {SIGNAL_MODES}, got {mode!r}")
    if len(x_shape) not in (1, 2):
        raise ValueError(
            f"`{x_name}` must be 1-D or 2-D (a signal or an image), got shape {x_shape}"
        )
    if len(w_shape) != len(x_shape):
        raise ValueError(
            f"`{w_name}` must have as many dimensions as `{x_name}` ({len(x_shape)}), "
            f"got shape {w_shape}"
        )
    if 0 in x_shape or 0 in w_shape:
        raise ValueError(
            f"`{x_name}` and `{w_name}` must not be empty, got shapes {x_shape} and {w_shape}"
        )
    if mode == "valid":
        x_bigger = all(a >= b for a, b in zip(x_shape, w_shape, strict=True))
        w_bigger = all(a <= b for a, b in zip(x_shape, w_shape, strict=True))
        if not (x_bigger or w_bigger):
            raise ValueError(
                f"mode 'valid' needs one of `{x_name}` and `{w_name}` to be at least as large "
                f"as the other along every axis, got shapes {x_shape} and {w_shape}"
            )
