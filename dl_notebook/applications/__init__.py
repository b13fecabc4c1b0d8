"""Ready-made networks (DLPy ``applications``), each returned as an editable ``dn.Sequential``.

Every function builds a fresh network from dl_notebook layers with
explicit layer names, so the result can be edited by name (``insert``,
``remove``, ``switch``) before or after training, like any network a
user builds by hand. Nothing here downloads weights.

Example:
    >>> import dl_notebook as dn
    >>> net = dn.applications.LeNet5(n_classes=10, input_shape=(32, 32, 1))
    >>> net.insert(dn.layers.BN(name="bn1"), after="conv1")
    >>> net.layer_names[:3]
    ['input1', 'conv1', 'bn1']
"""

from __future__ import annotations

from .lenet import LeNet5
from .small_cnn import SmallCNN

__all__ = ["LeNet5", "SmallCNN"]
