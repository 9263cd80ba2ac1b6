"""Argument handling shared by the NumPy and torch backends.

Every check here looks only at shapes, dtypes and plain Python values, never at the data,
so both backends call the same functions and reject bad input with the same words:
a ``TypeError`` or ``ValueError`` that names the argument, what was expected and what came in.

It also holds the output-size arithmetic of convolution and pooling,

.. math::

    H_\\text{out} = \\left\\lfloor \\frac{H + 2p - d(k - 1) - 1}{s} \\right\\rfloor + 1,

which the chapters print and both backends use.
"""

import functools
import math
import numbers
import sys
from typing import NamedTuple

FLOAT_DTYPES = ("float16", "bfloat16", "float32", "float64")
PADDING_STRINGS = ("valid", "same")
SIGNAL_MODES = ("full", "same", "valid")


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


class ArraySpec(NamedTuple):
    """What the checks need to know of an array: its shape and dtype name (hashable)."""

    shape: tuple
    dtype: str

    @property
    def ndim(self):
        return len(self.shape)


def spec_of(array):
    """The :class:`ArraySpec` of a NumPy array or torch tensor (``None`` stays ``None``)."""
    if array is None:
        return None
    return ArraySpec(tuple(array.shape), dtype_name(array))


def memoized(function):
    """Cache a check whose arguments are specs and plain values.

    The checks depend only on shapes, dtypes and the other arguments, so a layer called again
    with the same configuration (every training step) skips them. Unhashable arguments
    (say a list for ``stride``) are checked without the cache.
    """
    cached = functools.lru_cache(maxsize=4096)(function)

    @functools.wraps(function)
    def check(*args):
        try:
            return cached(*args)
        except TypeError as error:
            if "unhashable" not in str(error):
                raise
            return function(*args)

    return check


# --------------------------------------------------------------------------- integers


def _is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def int_tuple(value, name, n, minimum, what):
    """Turn an int or a length-``n`` sequence of ints into a tuple, checking ``>= minimum``.

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
    """
    items = (value,) * n if _is_int(value) else value
    try:
        items = tuple(items)
    except TypeError:
        items = None
    if items is None or len(items) != n or not all(_is_int(v) and v >= minimum for v in items):
        pairs = "" if n == 1 else f" or a sequence of {n} of them"
        raise ValueError(f"`{name}` must be {what}{pairs}, got {value!r}")
    return tuple(int(v) for v in items)


def positive(value, name, n):
    """A size, stride or dilation: positive integers."""
    return int_tuple(value, name, n, 1, "a positive integer")


def non_negative(value, name, n):
    """A padding: non-negative integers."""
    return int_tuple(value, name, n, 0, "a non-negative integer")


# --------------------------------------------------------------------------- sizes


def output_size(size, kernel_size, stride=1, padding=0, dilation=1, ceil_mode=False):
    """Length of a convolution or pooling output along one axis.

    .. math::

        n_\\text{out} = \\left\\lfloor \\frac{n + 2p - d(k-1) - 1}{s} \\right\\rfloor + 1

    With ``ceil_mode`` the floor becomes a ceiling, except that the last window must start
    inside the input or its left padding (the rule of ``torch.nn.functional``).

    Parameters
    ----------
    size : int
        Input length ``n``.
    kernel_size, stride, padding, dilation : int
        ``k``, ``s``, ``p``, ``d``.
    ceil_mode : bool

    Returns
    -------
    int

    Examples
    --------
    >>> output_size(5, 3)              # Fig 9.8: width 3, stride 1
    3
    >>> output_size(6, 3, stride=2)    # Fig 9.10: width 3, stride 2
    2
    >>> output_size(6, 3, stride=2, ceil_mode=True)
    3
    """
    span = size + 2 * padding - dilation * (kernel_size - 1) - 1
    if ceil_mode:
        count = -(-span // stride) + 1
        if (count - 1) * stride >= size + padding:
            count -= 1
        return count
    return span // stride + 1


def check_fits(size, kernel_size, padding, dilation, axis, name="kernel"):
    """Require the dilated kernel to fit inside the padded input along one axis.

    ``padding`` is ``(before, after)``, or one int for the same padding on both sides.
    """
    before, after = (padding, padding) if _is_int(padding) else padding
    span = dilation * (kernel_size - 1) + 1
    padded = size + before + after
    if span > padded:
        raise ValueError(
            f"{name} extent {span} (kernel {kernel_size}, dilation {dilation}) is larger than "
            f"the padded input ({size} + {before} + {after} = {padded}) along {axis}"
        )


AXIS_NAMES = {1: ("length",), 2: ("height", "width")}


# --------------------------------------------------------------------------- layers


def conv_args(input, weight, bias, stride, padding, dilation, groups, n):
    """Validate a convolution's arguments; return ``(stride, padding, dilation)`` tuples.

    ``padding`` comes back as ``(before, after)`` pairs per axis, since ``"same"`` with an
    even kernel pads one more on the right, as torch does.
    """
    check_same_kind(input=input, weight=weight, bias=bias)
    return _conv_spec_args(
        spec_of(input), spec_of(weight), spec_of(bias), stride, padding, dilation, groups, n
    )


@memoized
def _conv_spec_args(input, weight, bias, stride, padding, dilation, groups, n):
    letters = "L" if n == 1 else "H, W"
    check_ndim(input, "input", (n + 1, n + 2), f"(C, {letters}) or (N, C, {letters})")
    kernel_letters = "k" if n == 1 else "kH, kW"
    check_ndim(weight, "weight", (n + 2,), f"(C_out, C_in / groups, {kernel_letters})")
    check_floating(input, "input")
    check_same_dtype(input, "input", weight, "weight")
    check_same_dtype(input, "input", bias, "bias")
    if not _is_int(groups) or groups < 1:
        raise ValueError(f"`groups` must be a positive integer, got {groups!r}")
    channels = input.shape[-n - 1]
    if channels == 0:
        raise ValueError(f"`input` has an empty channel dimension (shape {tuple(input.shape)})")
    out_channels, per_group = weight.shape[0], weight.shape[1]
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
    kernel = tuple(weight.shape[2:])
    if 0 in kernel:
        raise ValueError(f"`weight` has an empty kernel, shape {tuple(weight.shape)}")
    pads = conv_padding(padding, stride, dilation, kernel, n)
    for axis, size in enumerate(input.shape[-n:]):
        check_fits(size, kernel[axis], pads[axis], dilation[axis], AXIS_NAMES[n][axis])
    return stride, pads, dilation


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
        pads = []
        for k, d in zip(kernel, dilation, strict=True):
            total = d * (k - 1)
            pads.append((total // 2, total - total // 2))
        return tuple(pads)
    try:
        symmetric = non_negative(padding, "padding", n)
    except ValueError:
        raise ValueError(
            f"`padding` must be a non-negative integer, a sequence of {n} of them, "
            f"'valid' or 'same', got {padding!r}"
        ) from None
    return tuple((p, p) for p in symmetric)


def pool_args(input, kernel_size, stride, padding, dilation, n):
    """Validate a pooling's arguments; return ``(kernel, stride, padding, dilation)`` tuples.

    ``stride=None`` means ``stride = kernel_size``. Padding may be at most half the kernel,
    as in torch, so that every window holds at least one real input value.
    """
    return _pool_spec_args(spec_of(input), kernel_size, stride, padding, dilation, n)


@memoized
def _pool_spec_args(input, kernel_size, stride, padding, dilation, n):
    letters = "L" if n == 1 else "H, W"
    check_ndim(input, "input", (n + 1, n + 2), f"(C, {letters}) or (N, C, {letters})")
    check_floating(input, "input")
    kernel = positive(kernel_size, "kernel_size", n)
    stride = kernel if stride is None else positive(stride, "stride", n)
    dilation = positive(dilation, "dilation", n)
    try:
        pad = non_negative(padding, "padding", n)
    except ValueError:
        raise ValueError(
            f"`padding` must be a non-negative integer or a sequence of {n} of them, "
            f"got {padding!r}"
        ) from None
    for axis in range(n):
        if pad[axis] > kernel[axis] // 2:
            raise ValueError(
                f"`padding` must be at most half of `kernel_size`, got padding {pad[axis]} "
                f"for kernel {kernel[axis]} along {AXIS_NAMES[n][axis]}"
            )
        check_fits(
            input.shape[-n + axis],
            kernel[axis],
            pad[axis],
            dilation[axis],
            AXIS_NAMES[n][axis],
            name="pooling window",
        )
    return kernel, stride, pad, dilation


def unfold_args(input, kernel_size, dilation, padding, stride):
    """Validate the arguments of ``unfold``; return ``(kernel, dilation, stride, pads)``."""
    check_ndim(input, "input", (4,), "(N, C, H, W)")
    check_numeric(input, "input")
    kernel = positive(kernel_size, "kernel_size", 2)
    dilation = positive(dilation, "dilation", 2)
    stride = positive(stride, "stride", 2)
    pads = conv_padding(padding, stride, dilation, kernel, 2)
    for axis in range(2):
        check_fits(
            input.shape[2 + axis], kernel[axis], pads[axis], dilation[axis], AXIS_NAMES[2][axis]
        )
    return kernel, dilation, stride, pads


def check_divisor_override(divisor_override):
    """``divisor_override`` of average pooling: ``None`` or a nonzero integer."""
    if divisor_override is None:
        return
    if (
        isinstance(divisor_override, bool)
        or not isinstance(divisor_override, int)
        or (divisor_override == 0)
    ):
        raise ValueError(f"`divisor_override` must be a nonzero integer, got {divisor_override!r}")


def adaptive_args(input, output_size, n=2):
    """Validate an adaptive pooling; return the output size as a tuple of ints.

    ``None`` in ``output_size`` keeps that axis's input size, as in torch.
    """
    check_ndim(input, "input", (n + 1, n + 2), "(C, H, W) or (N, C, H, W)")
    check_floating(input, "input")
    sizes = (output_size,) * n if _is_int(output_size) or output_size is None else output_size
    try:
        sizes = tuple(sizes)
    except TypeError:
        sizes = ()
    spatial = tuple(input.shape[-n:])
    if len(sizes) == n:
        sizes = tuple(spatial[i] if s is None else s for i, s in enumerate(sizes))
    if len(sizes) != n or not all(_is_int(s) and s > 0 for s in sizes):
        raise ValueError(
            f"`output_size` must be a positive integer or a sequence of {n} of them, "
            f"got {output_size!r}"
        )
    if 0 in spatial:
        raise ValueError(f"`input` has an empty spatial dimension, shape {tuple(input.shape)}")
    return tuple(int(s) for s in sizes)


def channel_pool_args(input, pool_size):
    """Validate a cross-channel (maxout) pooling; return the pool size."""
    check_ndim(input, "input", (3, 4), "(C, H, W) or (N, C, H, W)")
    check_floating(input, "input")
    if not _is_int(pool_size) or pool_size < 1:
        raise ValueError(f"`pool_size` must be a positive integer, got {pool_size!r}")
    channels = input.shape[-3]
    if channels % pool_size:
        raise ValueError(
            f"`pool_size`={pool_size} must divide the number of channels of `input` ({channels})"
        )
    return int(pool_size)


def lp_norm_type(norm_type):
    """Validate the exponent of Lp pooling."""
    if isinstance(norm_type, bool) or not isinstance(norm_type, numbers.Real):
        raise TypeError(f"`norm_type` must be a real number, got {norm_type!r}")
    if not (norm_type > 0 and math.isfinite(norm_type)):
        raise ValueError(f"`norm_type` must be a positive finite number, got {norm_type!r}")
    return float(norm_type)


# --------------------------------------------------------------------------- signals


def signal_args(x, w, mode):
    """Validate the arguments of ``convolve``/``correlate``; return the kind of arrays."""
    kind = check_same_kind(x=x, w=w)
    if mode not in SIGNAL_MODES:
        raise ValueError(f"`mode` must be one of {SIGNAL_MODES}, got {mode!r}")
    check_ndim(x, "x", (1, 2), "(a signal or an image)")
    if w.ndim != x.ndim:
        raise ValueError(
            f"`w` must have as many dimensions as `x` ({x.ndim}), got shape {tuple(w.shape)}"
        )
    check_numeric(x, "x", allow_object=True)
    check_numeric(w, "w", allow_object=True)
    if 0 in tuple(x.shape) or 0 in tuple(w.shape):
        raise ValueError(
            f"`x` and `w` must not be empty, got shapes {tuple(x.shape)} and {tuple(w.shape)}"
        )
    if mode == "valid":
        x_bigger = all(a >= b for a, b in zip(x.shape, w.shape, strict=True))
        w_bigger = all(a <= b for a, b in zip(x.shape, w.shape, strict=True))
        if not (x_bigger or w_bigger):
            raise ValueError(
                "mode 'valid' needs one of `x` and `w` to be at least as large as the other "
                f"along every axis, got shapes {tuple(x.shape)} and {tuple(w.shape)}"
            )
    return kind
