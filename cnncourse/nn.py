"""Torch modules the chapters train and inspect, built on ``cnncourse``'s torch backend.

Importing this module imports torch. The layers call the same public functions readers use
(:func:`cnncourse.conv2d`, :func:`cnncourse.max_pool2d`, ...), so the networks of Fig 9.11 run
the code the book explains, on any device.
"""

import math
from collections import OrderedDict

import numpy as np

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
      feature map (16,384 units, for the default ``width``). The two poolings keep
      ``floor(floor(H / 4) / 4) = floor(H / 16)`` rows and ``floor(W / 16)`` columns, and
      the dense layer checks only the number of values it receives: it accepts every input
      with ``floor(H / 16) * floor(W / 16) = 256`` (256 x 256 to 271 x 271, but also
      128 x 512 or 64 x 1024, whose 8 x 32 or 4 x 64 grid it reads as if it were 16 x 16);
      any other size stops with torch's ``RuntimeError`` on the matrix product.
    * ``"grid"``: pooling to a 3 x 3 grid (576 units) before the dense layer: any size of
      at least 4 x 4 (the first pooling needs a 4 x 4 input).
    * ``"fully convolutional"``: a convolution to ``num_classes`` maps, then global average
      pooling: any size of at least 16 x 16 (the second pooling needs a 4 x 4 map).

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


def input_gradient(layers, input_length, output_index=None):
    """Gradient of one output of a stack of 1-D layers with respect to the input.

    With every weight equal to one, :math:`\\partial y_u / \\partial x_j` counts the paths
    from input :math:`j` up to output :math:`u` through the stack: it is nonzero exactly on
    the output's receptive field, and its profile across the field is what Luo et al. (2016)
    call the *effective* receptive field (for a stack of equal kernels, the kernel convolved
    with itself once per layer: near-Gaussian as the stack deepens).

    Parameters
    ----------
    layers : list of dict
        Each ``{"kernel_size": k, "stride": s, "padding": p, "dilation": d}`` (missing
        stride and dilation default to 1, padding to 0).
    input_length : int
    output_index : int, optional
        Default: the middle output of the last layer.

    Returns
    -------
    numpy.ndarray of float, shape (input_length,)
    """
    x = torch.ones(1, 1, input_length, dtype=torch.float64, requires_grad=True)
    y = x
    for layer in layers:
        w = torch.ones(1, 1, layer["kernel_size"], dtype=torch.float64)
        y = cc.conv1d(
            y,
            w,
            stride=layer.get("stride", 1),
            padding=layer.get("padding", 0),
            dilation=layer.get("dilation", 1),
        )
    index = y.shape[-1] // 2 if output_index is None else output_index
    y[0, 0, index].backward()
    return x.grad[0, 0].numpy()


def receptive_field_by_gradient(layers, input_length, output_index=None):
    """Which inputs affect one output of a stack of 1-D layers, found by back-propagation.

    The gradient of output ``output_index`` with respect to the input
    (:func:`input_gradient`) is nonzero exactly on the output's receptive field (with
    weights of one, nothing cancels).

    Parameters
    ----------
    layers : list of dict
        Each ``{"kernel_size": k, "stride": s, "padding": p, "dilation": d}`` (missing
        stride and dilation default to 1, padding to 0).
    input_length : int
    output_index : int, optional
        Default: the middle output of the last layer.

    Returns
    -------
    numpy.ndarray of int
        The input indices in the receptive field.
    """
    return np.flatnonzero(input_gradient(layers, input_length, output_index))


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


def _stacked(tensors):
    return nn.Parameter(torch.stack([t.detach().clone() for t in tensors]))


class MLPStack(nn.Module):
    """``G`` independent :class:`MLP` classifiers evaluated, and trained, as one module.

    Model ``g`` computes :math:`\\mathrm{logits}_g = V_g\\, \\mathrm{relu}(U_g x_g + a_g) + b_g`
    on its own input :math:`x_g`; the ``G`` weight matrices are stacked on a leading axis and
    multiplied in one batched product, so one optimiser step updates all ``G`` models.

    Parameters
    ----------
    models : list of MLP
        The models to stack (their current weights are copied).

    Notes
    -----
    Input shape ``(N, G, H, W)``: channel ``g`` is model ``g``'s image. Output ``(N, G, classes)``.
    """

    def __init__(self, models):
        super().__init__()
        first = [m.layers[1] for m in models]
        last = [m.layers[3] for m in models]
        self.hidden_weight = _stacked([layer.weight for layer in first])  # (G, hidden, pixels)
        self.hidden_bias = _stacked([layer.bias for layer in first])  # (G, hidden)
        self.out_weight = _stacked([layer.weight for layer in last])  # (G, classes, hidden)
        self.out_bias = _stacked([layer.bias for layer in last])  # (G, classes)

    def forward(self, x):
        x = x.flatten(start_dim=2)  # (N, G, pixels)
        hidden = torch.relu(torch.einsum("ngi,ghi->ngh", x, self.hidden_weight) + self.hidden_bias)
        return torch.einsum("ngh,gch->ngc", hidden, self.out_weight) + self.out_bias


class SmallCNNStack(nn.Module):
    """``G`` independent :class:`SmallCNN` classifiers run as one network with grouped convolutions.

    With ``groups=G`` a convolution splits its input and output channels into ``G`` blocks and
    connects block ``g`` of the output only to block ``g`` of the input: ``G`` separate
    convolutions in one call. The weights of model ``g`` sit in block ``g``, so the stack
    computes exactly what the ``G`` models compute one by one.

    Parameters
    ----------
    models : list of SmallCNN
        The models to stack (their current weights are copied).

    Notes
    -----
    Input shape ``(N, G, 8, 8)``: channel ``g`` is model ``g``'s image. Output ``(N, G, classes)``.
    """

    def __init__(self, models):
        super().__init__()
        self.groups = len(models)
        conv1 = [m.layers[0] for m in models]
        conv2 = [m.layers[3] for m in models]
        dense = [m.layers[7] for m in models]
        self.conv1_weight = nn.Parameter(torch.cat([c.weight.detach() for c in conv1]))
        self.conv1_bias = nn.Parameter(torch.cat([c.bias.detach() for c in conv1]))
        self.conv2_weight = nn.Parameter(torch.cat([c.weight.detach() for c in conv2]))
        self.conv2_bias = nn.Parameter(torch.cat([c.bias.detach() for c in conv2]))
        self.dense_weight = _stacked([layer.weight for layer in dense])  # (G, classes, features)
        self.dense_bias = _stacked([layer.bias for layer in dense])  # (G, classes)

    def forward(self, x):
        g = self.groups
        x = cc.conv2d(x, self.conv1_weight, self.conv1_bias, padding=1, groups=g)
        x = cc.max_pool2d(torch.relu(x), 2)
        x = cc.conv2d(x, self.conv2_weight, self.conv2_bias, padding=1, groups=g)
        x = cc.max_pool2d(torch.relu(x), 2)
        features = x.reshape(len(x), g, -1)  # block g of the channels, flattened as Flatten does
        return torch.einsum("ngf,gcf->ngc", features, self.dense_weight) + self.dense_bias


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
    accuracies = train_stack(
        model, images[None], labels, test_images[None], test_labels,
        epochs=epochs, lr=lr, batch_size=batch_size, seeds=[seed], device=device, stacked=False,
    )  # fmt: skip
    return float(accuracies[0])


def _group_logits(model, inputs, stacked):
    """Logits ``(B, G, classes)`` for inputs ``(B, G, H, W)``; one model sees ``G = 1`` channel."""
    logits = model(inputs)
    return logits if stacked else logits[:, None]


def train_stack(
    model,
    images,
    labels,
    test_images,
    test_labels,
    epochs=40,
    lr=3e-3,
    batch_size=64,
    seeds=(0,),
    device=None,
    stacked=True,
):
    """Train ``G`` classifiers at once with Adam on cross-entropy; return their test accuracies.

    Model ``g`` sees the images ``images[g]`` in the order drawn by a generator seeded with
    ``seeds[g]`` (the order :func:`train_classifier` uses for that seed). The loss is the sum
    of the ``G`` models' mean cross-entropies, so each model's gradient is its own loss's
    gradient; Adam works element by element, so the stack takes the steps the ``G`` models
    would take trained one at a time (the same, up to floating-point rounding).

    Parameters
    ----------
    model : MLPStack or SmallCNNStack (or one model, with ``stacked=False``)
    images, test_images : numpy.ndarray, shape (G, N, 8, 8)
        One set of images per model (e.g. original and permuted pixels).
    labels, test_labels : numpy.ndarray of int, shape (N,)
    epochs, lr, batch_size
    seeds : sequence of int, length G
    device : str, optional
        Default :func:`cnncourse.device`.
    stacked : bool
        ``False`` for a single unstacked model (``G = 1``), as :func:`train_classifier` uses.

    Returns
    -------
    numpy.ndarray, shape (G,)
        Fraction of test images each model classifies correctly.
    """
    if len(images) != len(seeds) or len(test_images) != len(seeds):
        raise ValueError(
            f"`images` and `test_images` must hold one image set per seed ({len(seeds)}), "
            f"got {len(images)} and {len(test_images)}"
        )
    device = device or cc.device()
    threads = torch.get_num_threads()
    if torch.device(device).type == "cpu":
        # Tiny matrices: waking a second thread costs more than it saves, and on a busy
        # machine a thread that waits for a descheduled partner spins for nothing.
        torch.set_num_threads(1)
    try:
        return _train_stack(model, images, labels, test_images, test_labels, epochs, lr,
                            batch_size, seeds, device, stacked)  # fmt: skip
    finally:
        torch.set_num_threads(threads)


def _train_stack(
    model, images, labels, test_images, test_labels, epochs, lr, batch_size, seeds, device, stacked
):
    """The training loop of :func:`train_stack`, with its arguments checked."""
    generators = [torch.Generator().manual_seed(seed) for seed in seeds]
    model = model.to(device)
    x = torch.as_tensor(images, dtype=torch.float32, device=device)  # (G, N, 8, 8)
    y = torch.as_tensor(labels, device=device)
    groups = torch.arange(len(seeds), device=device)[:, None]
    optimiser = torch.optim.Adam(model.parameters(), lr=lr)
    for _ in range(epochs):
        orders = torch.stack([torch.randperm(x.shape[1], generator=g) for g in generators])
        orders = orders.to(device)
        for start in range(0, x.shape[1], batch_size):
            batch = orders[:, start : start + batch_size]  # (G, B): model g's examples
            logits = _group_logits(model, x[groups, batch].transpose(0, 1), stacked)
            targets = y[batch].T  # (B, G)
            loss = nn.functional.cross_entropy(
                logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), reduction="sum"
            ) / len(targets)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
    with torch.no_grad():
        test_x = torch.as_tensor(test_images, dtype=torch.float32, device=device)
        logits = _group_logits(model, test_x.transpose(0, 1), stacked)
        predicted = logits.argmax(dim=-1).cpu().numpy()  # (N, G)
    return (predicted == np.asarray(test_labels)[:, None]).mean(axis=0)
