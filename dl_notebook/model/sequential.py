"""A Network that connects each new layer to the last one."""

from __future__ import annotations

from ..errors import InvalidArgumentError
from .network import Network

__all__ = ["Sequential"]


class Sequential(Network):
    """A network built layer after layer (DLPy ``Sequential``).

    ``add(layer)`` connects the new layer to the last layer; ``inputs=``
    still makes branches, so a Sequential can grow residual connections.

    The name comes first, as in ``keras.Sequential`` and ``dn.Network``:
    ``dn.Sequential("lenet")``. A list given first is read as *layers*.

    Args:
        name: the network's name.
        layers: layers to add in order.

    Example:
        >>> import dl_notebook as dn
        >>> net = dn.Sequential(name="lenet")
        >>> net.add(dn.layers.InputLayer(shape=(32, 32, 1)))
        >>> net.add(dn.layers.Conv2d(6, 5, act="relu", name="conv1"))
        >>> net.add(dn.layers.Pooling(2, pool="max"))
        >>> net.add(dn.layers.Dense(84, act="relu"))
        >>> net.add(dn.layers.OutputLayer(10, act="softmax"))
        >>> net.layer_names
        ['input1', 'conv1', 'pool1', 'fc1', 'output1']
        >>> dn.Sequential("tiny", [dn.layers.InputLayer(shape=(4,))]).name
        'tiny'
    """

    _chains = True

    def __init__(self, name=None, layers=None):
        if isinstance(name, (list, tuple)):  # Sequential([...]) as before: the layers
            if layers is not None:
                raise InvalidArgumentError(
                    "Sequential got its layers twice (a list first and layers=); "
                    "write Sequential(name, layers=[...])."
                )
            name, layers = None, name
        super().__init__(name=name, layers=layers)
