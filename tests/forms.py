"""Hypothesis building blocks, spies and measures shared by the tests."""

import contextlib
import tracemalloc

from hypothesis import strategies as st

#: The forms torch accepts for a per-axis argument: 3, (3, 2), and a one-element (3,).
FORMS = ("int", "tuple", "one")


def per_axis(draw, low, highs, forms=FORMS):
    """A per-axis argument in a drawn form, and its value on each axis.

    ``highs`` bounds each axis (``low`` to ``highs[i]``, inclusive); an ``int`` or a
    one-element tuple is one value for every axis, at most the smallest bound.
    """
    form = draw(st.sampled_from(forms))
    if form == "tuple":
        values = tuple(draw(st.integers(low, high)) for high in highs)
        return values, values
    value = draw(st.integers(low, min(highs)))
    return (value if form == "int" else (value,)), (value,) * len(highs)


@contextlib.contextmanager
def algorithms_run():
    """Inside the block, the list of the NumPy convolution algorithms that ran (in order):
    each of ``_conv_algorithms.ALGORITHMS`` is wrapped by a spy for the block's duration, and
    so is a small layer's prepared shifted GEMM (``"shifted-gemm"`` when it answers)."""
    from unittest import mock

    from cnncourse import _conv_algorithms

    ran = []
    with contextlib.ExitStack() as stack:
        for name in _conv_algorithms.ALGORITHMS:
            attribute = name.replace("-", "_")
            original = getattr(_conv_algorithms, attribute)

            def spy(*args, _name=name, _original=original, **kwargs):
                ran.append(_name)
                return _original(*args, **kwargs)

            stack.enter_context(mock.patch.object(_conv_algorithms, attribute, spy))
        prepared = _conv_algorithms.PreparedShiftedGemm.__call__

        def prepared_spy(self, *args, **kwargs):  # a small layer's prepared shifted GEMM
            answer = prepared(self, *args, **kwargs)
            if answer is not None:
                ran.append("shifted-gemm")
            return answer

        stack.enter_context(
            mock.patch.object(_conv_algorithms.PreparedShiftedGemm, "__call__", prepared_spy)
        )
        yield ran


def peak_bytes(call):
    """``call()`` and the peak of memory traced during it (Python objects and NumPy arrays)."""
    tracemalloc.start()
    try:
        result = call()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak
