"""Small data the chapters use: shipped with the package or with one of its dependencies.

Nothing here touches the network: the photo comes with matplotlib, the digits with
scikit-learn, and the tables are copied from the sources named in each docstring.
"""

from dataclasses import dataclass

import numpy as np

from ._optional import require


@dataclass(frozen=True)
class ILSVRCEntry:
    """One row of the ILSVRC 2012 classification results (top-5 error)."""

    team: str
    error: float
    description: str


def ilsvrc2012():
    """The top of the ILSVRC 2012 classification results (task 1, top-5 error).

    Source: the challenge's published results page, as quoted on slide 2 of the course deck;
    SuperVision is the convolutional network of :cite:t:`krizhevsky2012imagenet`.

    Returns
    -------
    list of ILSVRCEntry, best first

    Examples
    --------
    >>> rows = ilsvrc2012()
    >>> rows[0].team, rows[0].error
    ('SuperVision', 0.15315)
    """
    return [
        ILSVRCEntry("SuperVision", 0.15315, "extra training data from ImageNet Fall 2011"),
        ILSVRCEntry("SuperVision", 0.16422, "only the supplied training data"),
        ILSVRCEntry("ISI", 0.26172, "weighted sum of scores, SIFT+FV, LBP+FV, GIST+FV, CSIFT+FV"),
        ILSVRCEntry("ISI", 0.26602, "weighted sum of scores from classifiers using each FV"),
        ILSVRCEntry("ISI", 0.26646, "naive sum of scores from classifiers using each FV"),
        ILSVRCEntry("ISI", 0.26952, "naive sum of scores, SIFT+FV, LBP+FV, GIST+FV, CSIFT+FV"),
        ILSVRCEntry("OXFORD_VGG", 0.26979, "mixed selection of high-level SVM and baseline scores"),
    ]


def pooling_example():
    """The 5 x 5 detector-stage output of the max-pooling example (slide 29).

    Examples
    --------
    >>> float(pooling_example()[2, 1])
    235.0
    """
    return np.array(
        [
            [210, 196, 203, 195, 184],
            [207, 213, 203, 183, 175],
            [149, 235, 198, 177, 185],
            [193, 210, 218, 200, 201],
            [70, 134, 208, 222, 199],
        ],
        dtype=np.float64,
    )


def photo(shape=None, gray=True):
    """A real photograph: Grace Hopper, as shipped in matplotlib's sample data.

    The original is 512 pixels wide and 600 high. Asked for another shape, the photo is first
    cropped about its centre to the target's aspect ratio (width / height), then resized, so
    that nothing is stretched.

    Parameters
    ----------
    shape : (height, width), optional
        Crop to this aspect ratio, then resize to this shape (bilinear); default the original
        600 x 512.
    gray : bool
        Return luminance (H, W) instead of RGB (H, W, 3).

    Returns
    -------
    numpy.ndarray of float64 in [0, 1]

    Examples
    --------
    >>> photo((280, 320)).shape
    (280, 320)
    """
    cbook = require("matplotlib.cbook", "book", "cnncourse.data.photo")
    Image = require("PIL.Image", "book", "cnncourse.data.photo")

    with cbook.get_sample_data("grace_hopper.jpg") as file:
        image = Image.open(file)
        image.load()
    if gray:
        image = image.convert("L")
    if shape is not None:
        height, width = (int(n) for n in shape)
        if height < 1 or width < 1:
            raise ValueError(f"`shape` must be two positive integers, got {tuple(shape)}")
        image = image.crop(_centre_crop_box(image.width, image.height, width / height))
        image = image.resize((width, height), Image.Resampling.BILINEAR)
    return np.asarray(image, dtype=np.float64) / 255.0


def _centre_crop_box(width, height, aspect):
    """The largest centred box of ``aspect`` (width / height): (left, top, right, bottom)."""
    if width / height > aspect:  # too wide: trim the sides
        kept = round(height * aspect)
        left = (width - kept) // 2
        return left, 0, left + kept, height
    kept = round(width / aspect)  # too tall: trim top and bottom
    top = (height - kept) // 2
    return 0, top, width, top + kept


def digits():
    """The UCI handwritten digits (1,797 images of 8 x 8 pixels), bundled with scikit-learn.

    Returns
    -------
    images : numpy.ndarray, shape (1797, 8, 8), float32 in [0, 1]
    labels : numpy.ndarray, shape (1797,), int64
    """
    datasets = require("sklearn.datasets", "book", "cnncourse.data.digits")
    bunch = datasets.load_digits()
    return (bunch.images / 16.0).astype(np.float32), bunch.target.astype(np.int64)
