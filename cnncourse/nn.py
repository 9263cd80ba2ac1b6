"""Torch modules the chapters train and inspect, built on ``cnncourse``'s torch backend.

Importing this module imports torch. The layers call the same public functions readers use
(:func:`cnncourse.conv2d`, :func:`cnncourse.max_pool2d`, ...), so the networks of Fig 9.11 run
the code the book explains, on any device.
"""

import math
from collections import OrderedDict

from cnncourse._optional import require

torch = require("torch", "torch", "cnncourse.nn")  # an ImportError naming the extra if missing
nn = torch.nn

import cnncourse as cc  # noqa: E402


class Conv2d(nn.Module):
    """Convolution layer (cross-correlation) with learned kernels and biases.

    Parameters
    ----------
    in_channels, out_channels : int
    kernel_size : int
    stride : int
    padding : int or {"valid", "same"}
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0):
        super().__init__()
        self.stride, self.padding = stride, padding
        self.weight = nn.Parameter(torch.empty(out_channels, in_channels, kernel_size, kernel_size))
        self.bias = nn.Parameter(torch.empty(out_channels))
        bound = 1 / math.sqrt(in_channels * kernel_size * kernel_size)
        nn.init.uniform_(self.weight, -bound, bound)  # the default of torch.nn.Conv2d
        nn.init.uniform_(self.bias, -bound, bound)

    def forward(self, x):
        return cc.conv2d(x, self.weight, self.bias, stride=self.stride, padding=self.padding)


class MaxPool2d(nn.Module):
    """Max pooling over ``kernel_size`` windows with ``stride`` (default: the kernel size)."""

    def __init__(self, kernel_size, stride=None):
        super().__init__()
        self.kernel_size, self.stride = kernel_size, stride

    def forward(self, x):
        return cc.max_pool2d(x, self.kernel_size, self.stride)


class AdaptiveMaxPool2d(nn.Module):
    """Max pooling to a fixed grid, whatever the input size (Fig 9.11, centre)."""

    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def forward(self, x):
        return cc.adaptive_max_pool2d(x, self.output_size)


class GlobalAvgPool2d(nn.Module):
    """Average over all positions (Fig 9.11, right)."""

    def forward(self, x):
        return cc.global_avg_pool2d(x)


class Maxout(nn.Module):
    """Cross-channel max pooling over groups of ``pool_size`` channels (Fig 9.9)."""

    def __init__(self, pool_size):
        super().__init__()
        self.pool_size = pool_size

    def forward(self, x):
        return cc.channel_max_pool(x, self.pool_size)


def _feature_stages(in_channels=3, width=64):
    """The stages the three networks of Fig 9.11 share."""
    return [
        ("convolution + ReLU", nn.Sequential(Conv2d(in_channels, width, 3, padding=1), nn.ReLU())),
        ("pooling with stride 4", MaxPool2d(4)),
        ("convolution + ReLU (2)", nn.Sequential(Conv2d(width, width, 3, padding=1), nn.ReLU())),
    ]


def fig_9_11_networks(num_classes=1000, width=64, in_channels=3):
    """The three classification networks of Fig 9.11, as ``nn.Sequential`` with named stages.

    * ``"strided"``: pooling with stride 4 twice, then a dense layer on the 16 x 16 x 64
      feature map (16,384 units): only accepts 256 x 256 inputs.
    * ``"grid"``: pooling to a 3 x 3 grid (576 units) before the dense layer: any size.
    * ``"fully convolutional"``: a convolution to ``num_classes`` maps, then global average
      pooling: any size.

    Returns
    -------
    dict of str -> torch.nn.Sequential
        Each ends with a softmax, so outputs are class probabilities.
    """
    strided = OrderedDict(_feature_stages(in_channels, width))
    strided["pooling with stride 4 (2)"] = MaxPool2d(4)
    strided["reshape to vector"] = nn.Flatten()
    strided["matrix multiply"] = nn.Linear(16 * 16 * width, num_classes)
    strided["softmax"] = nn.Softmax(dim=1)

    grid = OrderedDict(_feature_stages(in_channels, width))
    grid["pooling to 3x3 grid"] = AdaptiveMaxPool2d(3)
    grid["reshape to vector"] = nn.Flatten()
    grid["matrix multiply"] = nn.Linear(3 * 3 * width, num_classes)
    grid["softmax"] = nn.Softmax(dim=1)

    convolutional = OrderedDict(_feature_stages(in_channels, width))
    convolutional["pooling with stride 4 (2)"] = MaxPool2d(4)
    convolutional["convolution"] = Conv2d(width, num_classes, 1)
    convolutional["average pooling"] = GlobalAvgPool2d()
    convolutional["reshape to vector"] = nn.Flatten()
    convolutional["softmax"] = nn.Softmax(dim=1)
    return {
        "strided": nn.Sequential(strided),
        "grid": nn.Sequential(grid),
        "fully convolutional": nn.Sequential(convolutional),
    }


def trace_shapes(model, x):
    """Run ``model`` stage by stage and record each stage's output shape (batch dropped).

    Returns
    -------
    list of (str, tuple)
        ``("input", shape)`` first, then one entry per named stage.
    """
    shapes = [("input", tuple(x.shape[1:]))]
    for name, stage in model.named_children():
        x = stage(x)
        shapes.append((name, tuple(x.shape[1:])))
    return shapes


def receptive_field_by_gradient(layers, input_length, output_index=None):
    """Which inputs affect one output of a stack of 1-D layers, found by back-propagation.

    The gradient of output ``output_index`` with respect to the input is nonzero exactly on
    the output's receptive field (with weights of one, nothing cancels).

    Parameters
    ----------
    layers : list of dict
        Each ``{"kernel_size": k, "stride": s, "dilation": d}`` (missing keys default to 1).
    input_length : int
    output_index : int, optional
        Default: the middle output of the last layer.

    Returns
    -------
    numpy.ndarray of int
        The input indices in the receptive field.
    """
    x = torch.ones(1, 1, input_length, dtype=torch.float64, requires_grad=True)
    y = x
    for layer in layers:
        k = layer["kernel_size"]
        w = torch.ones(1, 1, k, dtype=torch.float64)
        y = cc.conv1d(y, w, stride=layer.get("stride", 1), dilation=layer.get("dilation", 1))
    index = y.shape[-1] // 2 if output_index is None else output_index
    y[0, 0, index].backward()
    return torch.nonzero(x.grad[0, 0]).flatten().numpy()


class MLP(nn.Module):
    """A fully connected classifier for small images: flatten, hidden ReLU layer, linear."""

    def __init__(self, in_pixels=64, hidden=128, num_classes=10):
        super().__init__()
        self.layers = nn.Sequential(
            nn.Flatten(), nn.Linear(in_pixels, hidden), nn.ReLU(), nn.Linear(hidden, num_classes)
        )

    def forward(self, x):
        return self.layers(x)


class SmallCNN(nn.Module):
    """A small convolutional classifier for 8 x 8 digits: two 3 x 3 convolutions and pooling."""

    def __init__(self, channels=16, num_classes=10):
        super().__init__()
        self.layers = nn.Sequential(
            Conv2d(1, channels, 3, padding=1), nn.ReLU(), MaxPool2d(2),
            Conv2d(channels, 2 * channels, 3, padding=1), nn.ReLU(), MaxPool2d(2),
            nn.Flatten(), nn.Linear(2 * channels * 2 * 2, num_classes),
        )  # fmt: skip

    def forward(self, x):
        return self.layers(x)


def train_classifier(
    model,
    images,
    labels,
    test_images,
    test_labels,
    epochs=40,
    lr=3e-3,
    batch_size=64,
    seed=0,
    device=None,
):
    """Train ``model`` with Adam on cross-entropy; return its test accuracy.

    Parameters
    ----------
    model : torch.nn.Module
    images, test_images : numpy.ndarray, shape (N, 8, 8)
    labels, test_labels : numpy.ndarray of int
    epochs, lr, batch_size, seed
    device : str, optional
        Default :func:`cnncourse.device`.

    Returns
    -------
    float
        Fraction of test images classified correctly.
    """
    device = device or cc.device()
    generator = torch.Generator().manual_seed(seed)
    model = model.to(device)
    x = torch.as_tensor(images, dtype=torch.float32, device=device)[:, None]
    y = torch.as_tensor(labels, device=device)
    optimiser = torch.optim.Adam(model.parameters(), lr=lr)
    loss_function = nn.CrossEntropyLoss()
    for _ in range(epochs):
        order = torch.randperm(len(x), generator=generator).to(device)
        for start in range(0, len(x), batch_size):
            batch = order[start : start + batch_size]
            optimiser.zero_grad()
            loss_function(model(x[batch]), y[batch]).backward()
            optimiser.step()
    with torch.no_grad():
        test_x = torch.as_tensor(test_images, dtype=torch.float32, device=device)[:, None]
        predicted = model(test_x).argmax(dim=1).cpu().numpy()
    return float((predicted == test_labels).mean())
