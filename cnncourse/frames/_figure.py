"""The one figure factory the frames share."""

from .._optional import require


def _figure(rows, cols, figsize):
    plt = require("matplotlib.pyplot", "book", "cnncourse.frames")

    fig, axes = plt.subplots(rows, cols, figsize=figsize, facecolor="white", squeeze=False)
    return fig, axes
