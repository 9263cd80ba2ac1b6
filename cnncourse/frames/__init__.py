"""The frame functions of the book's interactive figures: compute, then draw.

Each figure has a pure computation (arrays in, arrays out; tested, and asserted in the
chapters) and a drawing function that turns one state into a matplotlib figure. The
wiring to sliders lives in :mod:`cnncourse.widgets`. One module per chapter:
``frames.convolution`` (§9.1), ``frames.motivation`` (§9.2), ``frames.pooling`` (§9.3),
``frames.prior`` (§9.4); this package re-exports their public names.
"""

# ruff: noqa: F401  (re-exports)
from .convolution import (
    channel_terms,
    draw_channels_figure,
    draw_figure_9_1_frame,
    draw_flip_2d_frame,
    draw_flip_frame,
    expression_text,
    flip_2d_progress,
    flip_2d_terms,
    flip_axis_limits,
    flip_shift_terms,
    flipped_kernel_curve,
    valid_window,
    window_cells,
)
from .motivation import (
    TRANSFORMS,
    draw_equivariance_frame,
    draw_receptive_field,
    equivariance_gap,
    feature_map,
    layer_lengths,
    receptive_field_cone,
    receptive_field_span,
    rotate_image,
    scale_image,
    shift_image,
    unit_centres,
)
from .pooling import (
    draw_pooling_frame,
    draw_pooling_window_frame,
    expected_shift_changes,
    pooled_change_up_to_shift,
    pooling_shift_changes,
)
from .prior import (
    draw_prior_frame,
)
