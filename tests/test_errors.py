"""Bad input gets a clear error, the same from both backends.

Each case runs once with NumPy arrays and once with torch tensors; both must raise the
same exception type with the same message, which must match the expected words.
"""

import numpy as np
import pytest

import cnncourse as cc

torch = pytest.importorskip("torch")

rng = np.random.default_rng(0)
X = rng.standard_normal((2, 4, 8, 8))
W = rng.standard_normal((6, 4, 3, 3))
X1 = rng.standard_normal((2, 4, 10))
W1 = rng.standard_normal((6, 4, 3))

# (id, function, positional args, keyword args, exception, pattern)
CASES = [
    ("input rank", cc.conv2d, (X[0, 0], W), {}, ValueError,
     r"`input` must be 3-D or 4-D \(C, H, W\) or \(N, C, H, W\), got shape \(8, 8\)"),
    ("weight rank", cc.conv2d, (X, W[0]), {}, ValueError,
     r"`weight` must be 4-D \(C_out, C_in / groups, kH, kW\), got shape \(4, 3, 3\)"),
    ("conv1d rank", cc.conv1d, (X, W1), {}, ValueError, r"`input` must be 2-D or 3-D"),
    ("channel mismatch", cc.conv2d, (X[:, :3], W), {}, ValueError,
     r"`weight` expects 4 input channels \(4 per group x 1 groups\), but `input` has 3"),
    ("groups divide", cc.conv2d, (X, W[:, :1]), {"groups": 3}, ValueError,
     r"`groups`=3 must divide both the input channels \(4\) and the output channels"),
    ("groups type", cc.conv2d, (X, W), {"groups": 0}, ValueError,
     r"`groups` must be a positive integer, got 0"),
    ("bias length", cc.conv2d, (X, W, np.zeros(5)), {}, ValueError,
     r"`bias` must have shape \(6,\), got \(5,\)"),
    ("stride zero", cc.conv2d, (X, W), {"stride": 0}, ValueError,
     r"`stride` must be a positive integer or a sequence of 2 of them, got 0"),
    ("stride float", cc.conv2d, (X, W), {"stride": 1.5}, TypeError,
     r"`stride` must be a positive integer or a sequence of 2 of them, got 1.5 \(float\)"),
    ("stride 1.0", cc.conv2d, (X, W), {"stride": 1.0}, TypeError,
     r"`stride` must be a positive integer .*got 1.0 \(float\)"),
    ("stride True", cc.conv2d, (X, W), {"stride": True}, TypeError,
     r"`stride` must be a positive integer .*got True \(bool\)"),
    ("stride bool in tuple", cc.conv2d, (X, W), {"stride": (1, True)}, TypeError,
     r"`stride` must be a positive integer .*got \(1, True\)"),
    ("stride string", cc.conv2d, (X, W), {"stride": "1"}, TypeError,
     r"`stride` must be a positive integer .*got '1' \(str\)"),
    ("stride three", cc.conv2d, (X, W), {"stride": (1, 1, 1)}, ValueError,
     r"`stride` must be a positive integer or a sequence of 2 of them, got \(1, 1, 1\)"),
    ("padding True", cc.conv2d, (X, W), {"padding": True}, TypeError,
     r"`padding` must be a non-negative integer, a sequence of 2 of them, 'valid' or 'same', "
     r"got True"),
    ("groups 1.0", cc.conv2d, (X, W), {"groups": 1.0}, TypeError,
     r"`groups` must be a positive integer, got 1.0 \(float\)"),
    ("groups True", cc.conv2d, (X, W), {"groups": True}, TypeError,
     r"`groups` must be a positive integer, got True \(bool\)"),
    ("no output channels", cc.conv2d, (X, W[:0]), {}, ValueError,
     r"`weight` must have at least one output channel, got shape \(0, 4, 3, 3\)"),
    ("input None", cc.conv2d, (None, W), {}, TypeError,
     r"`input` must be an array \(numpy.ndarray or torch.Tensor\), got NoneType"),
    ("weight None", cc.conv2d, (X, None), {}, TypeError,
     r"`weight` must be an array \(numpy.ndarray or torch.Tensor\), got NoneType"),
    ("pool input None", cc.max_pool2d, (None, 2), {}, TypeError, r"`input` must be an array"),
    ("signal None", cc.convolve, (X1[0, 0], None), {}, TypeError, r"`w` must be an array"),
    ("ceil_mode string", cc.max_pool2d, (X, 2), {"ceil_mode": "False"}, TypeError,
     r"`ceil_mode` must be True or False, got 'False' \(str\)"),
    ("ceil_mode int", cc.avg_pool2d, (X, 2), {"ceil_mode": 1}, TypeError,
     r"`ceil_mode` must be True or False, got 1 \(int\)"),
    ("count_include_pad string", cc.avg_pool2d, (X, 2), {"count_include_pad": "no"}, TypeError,
     r"`count_include_pad` must be True or False, got 'no' \(str\)"),
    ("return_indices string", cc.max_pool2d, (X, 2), {"return_indices": "yes"}, TypeError,
     r"`return_indices` must be True or False, got 'yes' \(str\)"),
    ("adaptive return_indices", cc.adaptive_max_pool2d, (X, 2), {"return_indices": 1},
     TypeError, r"`return_indices` must be True or False, got 1 \(int\)"),
    ("kernel_size float", cc.max_pool2d, (X, 2.0), {}, TypeError,
     r"`kernel_size` must be a positive integer .*got 2.0 \(float\)"),
    ("divisor float", cc.avg_pool2d, (X, 2), {"divisor_override": 2.0}, TypeError,
     r"`divisor_override` must be a nonzero integer, got 2.0 \(float\)"),
    ("pool zero channels", cc.max_pool2d, (X[:, :0], 2), {}, ValueError,
     r"`input` must have non-empty channel and spatial dimensions, got shape \(2, 0, 8, 8\)"),
    ("lp integer input", cc.lp_pool2d, (X.astype(np.int64), 2, 2), {}, TypeError,
     r"`input` must have a floating dtype"),
    ("lp1d integer input", cc.lp_pool1d, (X1.astype(np.int32), 2, 2), {}, TypeError,
     r"`input` must have a floating dtype"),
    ("adaptive one-element", cc.adaptive_avg_pool2d, (X, (3,)), {}, ValueError,
     r"`output_size` must be a non-negative integer or a sequence of 2 of them \(None keeps "
     r"an axis\), got \(3,\)"),
    ("adaptive float", cc.adaptive_avg_pool1d, (X1, 2.0), {}, TypeError,
     r"`output_size` must be a non-negative integer, got 2.0 \(float\)"),
    ("adaptive None alone", cc.adaptive_max_pool2d, (X, None), {}, TypeError,
     r"`output_size` must be a non-negative integer or a sequence of 2 of them \(None keeps "
     r"an axis\), got None \(NoneType\)"),
    ("adaptive1d None", cc.adaptive_avg_pool1d, (X1, (None,)), {}, TypeError,
     r"`output_size` must be a non-negative integer, got \(None,\)"),
    ("adaptive max no channels", cc.adaptive_max_pool2d, (X[:, :0], 2), {}, ValueError,
     r"`input` must have non-empty dimensions after the first, got shape \(2, 0, 8, 8\)"),
    ("adaptive avg empty width", cc.adaptive_avg_pool2d, (X[:, :, :, :0], 1), {}, ValueError,
     r"`input` must have non-empty spatial dimensions, got shape \(2, 4, 8, 0\)"),
    ("lp1d kernel tuple", cc.lp_pool1d, (X1, 2, (3,)), {}, TypeError,
     r"`kernel_size` must be a positive integer, got \(3,\) \(tuple\)"),
    ("lp2d kernel one-element", cc.lp_pool2d, (X, 2, [3]), {}, ValueError,
     r"`kernel_size` must be a positive integer or a sequence of 2 of them, got \[3\]"),
    ("lp too large", cc.lp_pool2d, (X, 2, 9), {}, ValueError,
     r"pooling window extent 9 .* along height \(check `kernel_size`\)"),
    ("ceil overhang too large", cc.max_pool1d, (X1, 12), {"stride": 2, "ceil_mode": True},
     ValueError, r"pooling window extent 12 \(kernel 12, dilation 1\) is larger than the padded "
     r"input \(10 \+ 0 \+ 0 = 10\) plus the overhang of `ceil_mode` \(1\) along length"),
    ("unfold no channels", cc.unfold, (X[:, :0], 2), {}, ValueError,
     r"`input` must have non-empty channel and spatial dimensions, got shape \(2, 0, 8, 8\)"),
    ("conv empty height", cc.conv2d, (X[:, :, :0], W[:, :, :1, :1]), {"padding": 1}, ValueError,
     r"`input` must have non-empty spatial dimensions, got shape \(2, 4, 0, 8\)"),
    ("dilation numpy zero", cc.max_pool2d, (X, 2), {"dilation": np.int64(0)}, ValueError,
     r"`dilation` must be a positive integer or a sequence of 2 of them, got np.int64\(0\)"),
    ("stride numpy zero", cc.conv2d, (X, W), {"stride": (np.int32(0), 1)}, ValueError,
     r"`stride` must be a positive integer .*got \(np.int32\(0\), 1\)"),
    ("pool_size float", cc.channel_max_pool, (X, 2.0), {}, TypeError,
     r"`pool_size` must be a positive integer, got 2.0 \(float\)"),
    ("norm_type bool", cc.lp_pool2d, (X, True, 2), {}, TypeError,
     r"`norm_type` must be a real number, got True \(bool\)"),
    ("dilation negative", cc.conv2d, (X, W), {"dilation": (1, -1)}, ValueError,
     r"`dilation` must be a positive integer"),
    ("padding negative", cc.conv2d, (X, W), {"padding": -1}, ValueError,
     r"`padding` must be a non-negative integer, a sequence of 2 of them, 'valid' or 'same', "
     r"got -1"),
    ("padding string", cc.conv2d, (X, W), {"padding": "full"}, ValueError,
     r"`padding` must be one of \('valid', 'same'\) when given as a string, got 'full'"),
    ("same with stride", cc.conv2d, (X, W), {"padding": "same", "stride": 2}, ValueError,
     r"`padding`='same' needs stride 1, got stride \(2, 2\)"),
    ("kernel too large", cc.conv2d, (X, np.zeros((6, 4, 9, 3))), {}, ValueError,
     r"kernel extent 9 \(kernel 9, dilation 1\) is larger than the padded input "
     r"\(8 \+ 0 \+ 0 = 8\) along height \(check the kernel of `weight`, `dilation` and "
     r"`padding`\)"),
    ("dilated too large", cc.conv1d, (X1, W1), {"dilation": 5}, ValueError,
     r"kernel extent 11 .* along length"),
    ("dtype mismatch", cc.conv2d, (X, W.astype(np.float32)), {}, TypeError,
     r"`weight` has dtype float32 but `input` has dtype float64"),
    ("integer input", cc.conv2d, (X.astype(np.int64), W.astype(np.int64)), {}, TypeError,
     r"`input` must have a floating dtype \(float16, bfloat16, float32, float64\), got int64"),
    ("empty channels", cc.conv2d, (X[:, :0], W[:, :0]), {}, ValueError,
     r"`input` has an empty channel dimension"),
    ("pool padding", cc.max_pool2d, (X, 3), {"padding": 2}, ValueError,
     r"`padding` must be at most half of `kernel_size`, got padding 2 for kernel 3 along height"),
    ("pool kernel", cc.max_pool2d, (X, 0), {}, ValueError,
     r"`kernel_size` must be a positive integer or a sequence of 2 of them, got 0"),
    ("pool too large", cc.max_pool2d, (X, 9), {}, ValueError,
     r"pooling window extent 9 .* along height \(check `kernel_size`, `dilation` and "
     r"`padding`\)"),
    ("avg pool stride", cc.avg_pool2d, (X, 2), {"stride": -1}, ValueError,
     r"`stride` must be a positive integer"),
    ("pool1d rank", cc.max_pool1d, (X, 2), {}, ValueError, r"`input` must be 2-D or 3-D"),
    ("adaptive size", cc.adaptive_avg_pool2d, (X, -1), {}, ValueError,
     r"`output_size` must be a non-negative integer or a sequence of 2 of them \(None keeps "
     r"an axis\), got -1"),
    ("adaptive max size", cc.adaptive_max_pool2d, (X, (3, -1)), {}, ValueError,
     r"`output_size` must be a non-negative integer"),
    ("lp norm", cc.lp_pool2d, (X, 0, 2), {}, ValueError,
     r"`norm_type` must be a nonzero real number, got 0"),
    ("maxout divide", cc.channel_max_pool, (X, 3), {}, ValueError,
     r"`pool_size`=3 must divide the number of channels of `input` \(4\)"),
    ("signal mode", cc.convolve, (X1[0, 0], W1[0, 0]), {"mode": "circular"}, ValueError,
     r"`mode` must be one of \('full', 'same', 'valid'\), got 'circular'"),
    ("signal rank", cc.correlate, (X1[0, 0], W1[0]), {}, ValueError,
     r"`w` must have as many dimensions as `x` \(1\), got shape \(4, 3\)"),
    ("signal 3d", cc.convolve, (X1, W1), {}, ValueError, r"`x` must be 1-D or 2-D"),
    ("unfold one-element kernel", cc.unfold, (X, (3,)), {}, ValueError,
     r"`kernel_size` must be a positive integer or a sequence of 2 of them, got \(3,\)"),
    ("unfold same", cc.unfold, (X, 3), {"padding": "same"}, TypeError,
     r"`padding` must be a non-negative integer or a sequence of 2 of them, got 'same'"),
    ("unfold rank", cc.unfold, (X[0, 0], 3), {}, ValueError,
     r"`input` must be 3-D or 4-D \(C, H, W\) or \(N, C, H, W\)"),
    ("signal empty", cc.convolve, (X1[0, 0, :0], W1[0, 0]), {}, ValueError,
     r"`x` and `w` must not be empty"),
    # issue 24, item 10: sizes beyond torch's int64 arguments, named on both backends
    ("padding 10**30", cc.conv2d, (X, W), {"padding": 10**30}, ValueError,
     r"`padding` must be at most 2\*\*63 - 1 in size \(torch's int64 limit\), got 10{30}"),
    ("padding huge output", cc.conv2d, (X, W), {"padding": 2**40}, ValueError,
     r"`padding` 1099511627776 makes an output of 5.8e\+25 elements, more than any array"),
    ("pool padding 10**30", cc.max_pool2d, (X, 2), {"padding": 10**30}, ValueError,
     r"`padding` must be at most 2\*\*63 - 1 in size"),
    ("stride 10**30", cc.max_pool2d, (X, 2), {"stride": 10**30}, ValueError,
     r"`stride` must be at most 2\*\*63 - 1 in size"),
    ("dilation 10**30", cc.conv1d, (X1, W1), {"dilation": 10**30}, ValueError,
     r"`dilation` must be at most 2\*\*63 - 1 in size"),
    ("norm_type 10**400", cc.lp_pool2d, (X, 10**400, 2), {}, ValueError,
     r"`norm_type` must be a real number a float can hold \(or inf\), got an integer of 401"),
    ("divisor_override 2**70", cc.avg_pool2d, (X, 2), {"divisor_override": 2**70}, ValueError,
     r"`divisor_override` must be at most 2\*\*63 - 1 in size .*got 1180591620717411303424"),
]  # fmt: skip


def _tensors(args):
    return tuple(torch.from_numpy(a) if isinstance(a, np.ndarray) else a for a in args)


@pytest.mark.parametrize(
    "function, args, kwargs, error, pattern",
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_same_clear_error_from_both_backends(function, args, kwargs, error, pattern):
    with pytest.raises(error, match=pattern) as from_numpy:
        function(*args, **kwargs)
    with pytest.raises(error, match=pattern) as from_torch:
        function(*_tensors(args), **kwargs)
    assert str(from_numpy.value) == str(from_torch.value)


# Valid calls made before each case: a check must not remember them (1 == 1.0 == True).
VALID_FIRST = [
    (cc.conv2d, (X, W), {"stride": 1, "padding": 0, "groups": 1, "dilation": 1}),
    (cc.conv2d, (X, W), {"stride": (1, 1), "padding": (0, 0)}),
    (cc.max_pool2d, (X, 2), {"ceil_mode": False, "stride": 2}),
    (cc.max_pool2d, (X, 2), {"ceil_mode": True, "return_indices": True}),
    (cc.max_pool2d, (X, 2), {"dilation": np.int64(1), "stride": np.int32(2)}),
    (cc.conv2d, (X, W), {"stride": (np.int32(2), 1)}),
    (cc.avg_pool2d, (X, 2), {"count_include_pad": True, "divisor_override": 2}),
    (cc.adaptive_max_pool2d, (X, 2), {}),
    (cc.adaptive_avg_pool1d, (X1, 2), {}),
    (cc.lp_pool2d, (X, 1, 2), {}),
    (cc.channel_max_pool, (X, 2), {}),
]


@pytest.mark.parametrize(
    "function, args, kwargs, error, pattern",
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_errors_do_not_depend_on_earlier_calls(function, args, kwargs, error, pattern):
    for backend in (lambda a: a, _tensors):
        with pytest.raises(error, match=pattern):
            function(*backend(args), **kwargs)
        for valid, valid_args, valid_kwargs in VALID_FIRST:
            valid(*backend(valid_args), **valid_kwargs)
        with pytest.raises(error, match=pattern):
            function(*backend(args), **kwargs)


@pytest.mark.parametrize("integer", [np.int64, np.int32, np.uint8, int])
def test_answers_do_not_depend_on_earlier_calls(integer):
    """Arguments that differ only in value never share a remembered check (NumPy scalars
    have a shape and a dtype, like arrays, but their value counts)."""
    for first, second in [(1, 2), (2, 1), (3, 2)]:
        for backend in (lambda a: a, _tensors):
            x, w = backend((X, W))
            cc.conv2d(x, w, stride=integer(first))
            expected = torch.nn.functional.conv2d(
                torch.from_numpy(X), torch.from_numpy(W), stride=second
            )
            assert tuple(cc.conv2d(x, w, stride=integer(second)).shape) == expected.shape
            cc.max_pool2d(x, integer(first))
            expected = torch.nn.functional.max_pool2d(torch.from_numpy(X), second)
            assert tuple(cc.max_pool2d(x, integer(second)).shape) == expected.shape
            cc.adaptive_avg_pool2d(x, (integer(first), 3))
            assert cc.adaptive_avg_pool2d(x, (integer(second), 3)).shape[-2:] == (second, 3)


def test_mixing_torch_and_numpy_is_refused():
    with pytest.raises(TypeError, match=r"`weight` is a numpy.ndarray but `input` is a torch"):
        cc.conv2d(torch.from_numpy(X), W)
    with pytest.raises(TypeError, match=r"`input` is a numpy.ndarray but `weight` is a torch"):
        cc.conv2d(X, torch.from_numpy(W))
    with pytest.raises(TypeError, match=r"`x` is a numpy.ndarray but `w` is a torch.Tensor"):
        cc.convolve(X1[0, 0], torch.from_numpy(W1[0, 0]))


def test_non_numeric_input_is_refused():
    with pytest.raises(TypeError, match=r"`x` must hold numbers or symbols \(object dtype\), got"):
        cc.convolve(np.array(["a", "b"]), np.array([1.0]))
    with pytest.raises(TypeError, match=r"`input` must have a floating dtype"):
        cc.max_pool2d(np.array([[["a"]]]), 1)


@pytest.mark.parametrize(
    "call",
    [
        lambda: cc.conv2d([[[[1.0, 2.0], [3.0]]]], W[:1, :1]),
        lambda: cc.max_pool2d([[[[1.0, 2.0], [3.0]]]], 1),
        lambda: cc.convolve([1.0, [2.0, 3.0]], [1.0]),
        lambda: cc.conv_algorithm([[[[1.0, 2.0], [3.0]]]], W[:1, :1]),
    ],
)
def test_ragged_lists_are_refused_by_name(call):
    """Issue 24, item 10: NumPy's "inhomogeneous shape" now says which argument."""
    with pytest.raises(ValueError, match=r"^`(input|x)` must be an array or a rectangular"):
        call()


def test_big_endian_arrays_give_the_native_answer():
    """Issue 24, item 10: a big-endian float array (from a file) was told it is not a float."""
    calls = [
        lambda x, w: cc.conv2d(x, w),
        lambda x, w: cc.max_pool2d(x, 2),
        lambda x, w: cc.unfold(x, 2),
        lambda x, w: cc.convolve(x[0, 0, 0], w[0, 0, 0]),
        lambda x, w: cc.conv_algorithm(x, w),
    ]
    big_x, big_w = X.astype(">f8"), W.astype(">f8")
    for call in calls:
        ours, native = call(big_x, big_w), call(X, W)
        if isinstance(native, str):
            assert ours == native
        else:
            assert ours.dtype == native.dtype and ours.dtype.isnative
            np.testing.assert_array_equal(ours, native)


@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "bool", "complex128"])
def test_unfold_of_any_dtype_on_both_backends(dtype):
    """Issue 24, item 10: torch's F.unfold has no integer version; both backends answer."""
    x = rng.integers(0, 5, (2, 3, 7, 6)).astype(dtype)
    kwargs = dict(kernel_size=(2, 3), dilation=(2, 1), padding=(1, 2), stride=(1, 2))
    ours = cc.unfold(x, **kwargs)
    theirs = cc.unfold(torch.from_numpy(x), **kwargs)
    reference = torch.nn.functional.unfold(torch.from_numpy(x.real.astype(np.float64)), **kwargs)
    assert ours.dtype == x.dtype and str(theirs.dtype) == f"torch.{x.dtype}"
    np.testing.assert_array_equal(ours.real, reference.numpy())
    np.testing.assert_array_equal(theirs.numpy(), ours)
    np.testing.assert_array_equal(cc.unfold(torch.from_numpy(x[0]), **kwargs).numpy(), ours[0])


# --------------------------------------------------------------------------- NumPy-only helpers

HELPER_CASES = [
    ("receptive negative kernel", lambda: cc.receptive_field([3, -1]), ValueError,
     r"`kernel_sizes` must be a sequence of positive integers, got \[3, -1\]"),
    ("receptive zero stride", lambda: cc.receptive_field([3, 3], strides=[1, 0]), ValueError,
     r"`strides` must be a sequence of positive integers, got \[1, 0\]"),
    ("receptive lengths", lambda: cc.receptive_field([3, 3], strides=[1]), ValueError,
     r"`strides` must have one entry per layer \(2, as `kernel_sizes`\), got 1"),
    ("receptive float", lambda: cc.receptive_field([3.0, 3]), TypeError,
     r"`kernel_sizes` must be a sequence of positive integers"),
    ("receptive dilations", lambda: cc.receptive_field([3], dilations=[1, 1]), ValueError,
     r"`dilations` must have one entry per layer \(1, as `kernel_sizes`\), got 2"),
    ("adaptive_windows negative", lambda: cc.adaptive_windows(8, -2), ValueError,
     r"`output_size` must be a positive integer, got -2"),
    ("adaptive_windows size", lambda: cc.adaptive_windows(0, 2), ValueError,
     r"`size` must be a positive integer, got 0"),
    ("windows too large", lambda: cc.windows(np.zeros((4, 4)), (5, 2)), ValueError,
     r"window extent 5 \(kernel 5, dilation 1\) is larger than the padded input "
     r"\(4 \+ 0 \+ 0 = 4\) along height"),
    ("windows zero", lambda: cc.windows(np.zeros((4, 4)), (0, 2)), ValueError,
     r"`kernel_size` must be a positive integer or a sequence of 2 of them, got \(0, 2\)"),
    ("windows 1-D", lambda: cc.windows(np.zeros(4), (2, 2)), ValueError,
     r"`x` must have at least 2 dimensions \(..., H, W\), got shape \(4,\)"),
    ("windows None", lambda: cc.windows(None, 2), TypeError, r"`x` must be an array"),
    ("conv_matrix input_shape", lambda: cc.conv_matrix([1.0, 2.0], (3, 4)), ValueError,
     r"`w` must have as many dimensions as `input_shape` \(2\), got shape \(2,\)"),
    ("conv_matrix empty", lambda: cc.conv_matrix([1.0, 2.0], 0), ValueError,
     r"`input_shape` and `w` must not be empty, got shapes \(0,\) and \(2,\)"),
    ("conv_matrix string", lambda: cc.conv_matrix([1.0], "4"), TypeError,
     r"`input_shape` must be an int or a sequence of ints, got '4' \(str\)"),
    ("conv_matrix flip", lambda: cc.conv_matrix([1.0], 4, flip="no"), TypeError,
     r"`flip` must be True or False, got 'no' \(str\)"),
    ("conv_matrix too dense", lambda: cc.conv_matrix(np.ones((3, 3)), (10**5, 10**5)),
     ValueError, r"pass `sparse=True`"),
    ("conv_cost kernel", lambda: cc.conv_cost((4, 4), (5,)), ValueError,
     r"`kernel_shape` must have as many dimensions as `input_shape` \(2\)"),
    ("conv_cost negative", lambda: cc.conv_cost((4, -4), (2, 2)), ValueError,
     r"`input_shape` must not have negative sizes, got \(4, -4\)"),
    ("conv_output_size bool", lambda: cc.conv_output_size(8, 3, ceil_mode="yes"), TypeError,
     r"`ceil_mode` must be True or False, got 'yes' \(str\)"),
    ("conv_output_size float", lambda: cc.conv_output_size(8.0, 3), TypeError,
     r"`size` must be a positive integer, got 8.0 \(float\)"),
]  # fmt: skip


@pytest.mark.parametrize(
    "call, error, pattern", [c[1:] for c in HELPER_CASES], ids=[c[0] for c in HELPER_CASES]
)
def test_helpers_refuse_bad_arguments(call, error, pattern):
    with pytest.raises(error, match=pattern):
        call()


def test_gabor_kernel_refuses_an_even_size():
    from cnncourse.filters import gabor_kernel

    with pytest.raises(ValueError, match=r"`size` must be an odd positive integer, so that the"):
        gabor_kernel(0.0, size=14)
    kernel = gabor_kernel(0.0, size=15)
    np.testing.assert_allclose(kernel, kernel[::-1, ::-1], atol=1e-12)  # centred: symmetric


def test_conv_cost_of_a_huge_image_is_arithmetic():
    """10^6 x 10^6 pixels: counted, not allocated; the counts agree with the matrix's."""
    cost = cc.conv_cost((10**6, 10**6), (3, 3))
    assert cost.output_shape == (999_998, 999_998)
    assert cost.sparse_nonzeros == cost.multiply_adds == 999_998**2 * 9
    for shape, kernel, mode in [((7, 5), (3, 2), "full"), ((6,), (4,), "same"), ((6, 9), (5, 2),
                                "valid"), ((3,), (5,), "valid")]:  # fmt: skip
        matrix = cc.conv_matrix(np.ones(kernel), shape, mode, sparse=True)
        assert cc.conv_cost(shape, kernel, mode).sparse_nonzeros == matrix.nnz
