"""Hypothesis building blocks shared by the property-based tests."""

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
