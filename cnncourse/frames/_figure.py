"""The one figure factory the frames share."""


def _figure(rows, cols, figsize):
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(rows, cols, figsize=figsize, facecolor="white", squeeze=False)
    return fig, axes
