"""LeNet-5 (DLPy ``applications.LeNet5``) as an editable ``dn.Sequential``."""

from __future__ import annotations

from ..model import Sequential
from ..model import layers as L
from ._checks import check_image_shape, check_n_classes
from ._zoo import Recipe, application

__all__ = ["LeNet5"]


@application("lenet5", title="LeNet-5", min_size=1, native_shape=(32, 32, 1),
             recipe=Recipe(solver="adam", learning_rate=1e-3, epochs=5, batch_size=32))
def LeNet5(n_classes=10, input_shape=(32, 32, 1), name="lenet5", *, scale=1.0 / 255,
           padding="same"):
    """LeNet-5: two convolution + max-pooling stages and three fully connected layers.

    The layers are those of DLPy's ``LeNet5``: a 5×5 convolution with 6
    filters (``conv1``), 2×2 max pooling (``pool1``), a 5×5 convolution with
    16 filters (``conv2``), 2×2 max pooling (``pool2``), dense layers of 120
    (``fc1``) and 84 (``fc2``) ReLU units and a softmax output
    (``output1``). As in DLPy the convolutions pad with ``"same"`` by
    default, so any image size works; ``padding="valid"`` gives the 1998
    paper's shapes (32×32 → 28 → 14 → 10 → 5) and needs inputs of at
    least 13×13. The input layer multiplies pixels by ``scale`` (1/255:
    0..255 images become 0..1).

    Args:
        n_classes: number of classes (units of the output layer).
        input_shape: ``(height, width, channels)`` of the images.
        name: the network's name.
        scale: factor the input layer applies to the pixels; None for none.
        padding: ``"same"`` (DLPy) or ``"valid"`` for both convolutions.

    Returns:
        A new ``dn.Sequential`` (untrained).

    Example:
        >>> import dl_notebook as dn
        >>> net = dn.applications.LeNet5(n_classes=10, input_shape=(32, 32, 1))
        >>> net.layer_names
        ['input1', 'conv1', 'pool1', 'conv2', 'pool2', 'fc1', 'fc2', 'output1']
        >>> net["pool2"].output_shape, net.count_params()
        ((None, 8, 8, 16), 136586)
    """
    where = "LeNet5"
    n_classes = check_n_classes(n_classes, where)
    input_shape = check_image_shape(input_shape, where)
    return Sequential(name=name, layers=[
        L.InputLayer(shape=input_shape, scale=scale, name="input1"),
        L.Conv2d(6, 5, act="relu", padding=padding, name="conv1"),
        L.Pooling(2, pool="max", name="pool1"),
        L.Conv2d(16, 5, act="relu", padding=padding, name="conv2"),
        L.Pooling(2, pool="max", name="pool2"),
        L.Dense(120, act="relu", name="fc1"),
        L.Dense(84, act="relu", name="fc2"),
        L.OutputLayer(n_classes, act="softmax", name="output1"),
    ])
