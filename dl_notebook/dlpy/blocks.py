"""DLPy's ``dlpy.blocks``: groups of layers that a model adds in one call.

``model.add(ResBlockBN(n_filters=(16, 16)))`` adds the block's layers after
the model's last layer (or after ``inputs=``), named as DLPy names them
(``R1C1``, ``R1B1``, ``Res1`` for the first residual block), and joined to
the block's input where DLPy joins them. Each layer is a core layer spec
made by :mod:`dl_notebook.dlpy.layers`.
"""

from __future__ import annotations

from ..errors import InvalidArgumentError
from . import layers as L

__all__ = ["Bidirectional", "DenseNetBlock", "ResBlock", "ResBlockBN", "ResBlock_Caffe"]


class Block:
    """A group of layers added to a model in one call (DLPy's blocks).

    Each subclass counts its instances, as DLPy does, so the layers of the
    *k*-th block of a kind are named with *k*.
    """

    type = "block"
    number_of_instances = 0

    def __init__(self):
        type(self).number_of_instances += 1
        self.block_num = type(self).number_of_instances

    def add_to(self, net, source) -> str:
        """Add the block's layers to *net* after the layer named *source*; return the last name."""
        raise NotImplementedError

    @staticmethod
    def _add(net, layer, *sources) -> str:
        net.add(layer, inputs=list(sources))
        return layer.name


def _per_filter(value, n, what):
    """One value per convolution; one stride is the first convolution's (DLPy's rule)."""
    values = [value] if isinstance(value, int) else list(value)
    if len(values) == 1:
        values = values + [1] * (n - 1) if what == "strides" else values * n
    if len(values) != n:
        raise InvalidArgumentError(f"The length of {what} must equal the length of n_filters ({n}).")
    return values


class ResBlock(Block):
    """A residual block: convolutions, then their sum with the block's input (DLPy ``ResBlock``).

    Args:
        kernel_sizes: the convolutions' square kernel sizes (one for all, or one each).
        n_filters: filters of each convolution.
        strides: stride of each convolution (one int: the first's, the others 1).
        batch_norm_first: used by :class:`ResBlockBN` and :class:`ResBlock_Caffe`.
        conv_short_cut: used by :class:`ResBlock_Caffe`.

    Example:
        >>> from dl_notebook import dlpy
        >>> from dl_notebook.dlpy.blocks import ResBlock
        >>> from dl_notebook.dlpy.layers import InputLayer
        >>> model = dlpy.Sequential(None, [InputLayer(4, 8, 8)])
        >>> ResBlock.number_of_instances = 0
        >>> model.add(ResBlock(kernel_sizes=3, n_filters=(8, 4)))
        >>> model.layer_names, model["Res1"].inputs
        (['input1', 'R1C1', 'R1C2', 'Res1'], ['R1C2', 'input1'])
    """

    def __init__(self, kernel_sizes=3, n_filters=(16, 16), strides=None, batch_norm_first=False,
                 conv_short_cut=False):
        super().__init__()
        n = len(n_filters)
        self.n_filters = list(n_filters)
        self.kernel_sizes = _per_filter(kernel_sizes, n, "kernel_sizes")
        self.strides = _per_filter([1] * n if strides is None else strides, n, "strides")
        self.batch_norm_first = batch_norm_first
        self.conv_short_cut = conv_short_cut

    def _convs(self):
        return zip(self.n_filters, self.kernel_sizes, self.strides)

    def add_to(self, net, source):
        """Add the block after *source*; return the name of its last layer."""
        b, x = self.block_num, source
        for i, (n, k, s) in enumerate(self._convs(), 1):
            x = self._add(net, L.Conv2d(n, k, stride=s, name=f"R{b}C{i}"), x)
        return self._add(net, L.Res(act="identity", name=f"Res{b}"), x, source)


class ResBlockBN(ResBlock):
    """A residual block with batch normalisation (DLPy ``ResBlockBN``).

    ``batch_norm_first=True`` (DLPy's default): BN with ReLU, then the
    convolution, for each convolution; else the convolution, then BN with
    ReLU. The sum with the block's input has no activation.

    Args:
        kernel_sizes, n_filters, strides: as :class:`ResBlock`.
        batch_norm_first: where the batch normalisation goes.

    Example:
        >>> from dl_notebook import dlpy
        >>> from dl_notebook.dlpy.blocks import ResBlockBN
        >>> from dl_notebook.dlpy.layers import InputLayer
        >>> ResBlockBN.number_of_instances = 0
        >>> model = dlpy.Sequential(None, [InputLayer(4, 8, 8), ResBlockBN(n_filters=(4, 4))])
        >>> model.layer_names[1:]
        ['R1B1', 'R1C1', 'R1B2', 'R1C2', 'Res1']
    """

    def __init__(self, kernel_sizes=3, n_filters=(16, 16), strides=None, batch_norm_first=True):
        super().__init__(kernel_sizes, n_filters, strides, batch_norm_first)

    def add_to(self, net, source):
        """Add the block after *source*; return the name of its last layer."""
        b, x = self.block_num, source
        for i, (n, k, s) in enumerate(self._convs(), 1):
            conv = L.Conv2d(n, k, stride=s, act="identity", include_bias=False, name=f"R{b}C{i}")
            bn = L.BN(act="relu", name=f"R{b}B{i}")
            for layer in (bn, conv) if self.batch_norm_first else (conv, bn):
                x = self._add(net, layer, x)
        return self._add(net, L.Res(act="identity", name=f"Res{b}"), x, source)


class ResBlock_Caffe(ResBlock):  # noqa: N801 (DLPy's name)
    """A residual block as Caffe's ResNets have it (DLPy ``ResBlock_Caffe``).

    Each convolution (no bias) is followed by BN with ReLU and the sum has a
    ReLU, as DLPy builds it; ``conv_short_cut=True`` puts a 1×1 convolution
    and BN (``R<k>C0``, ``R<k>B0``) on the short cut, for a block that
    changes the number of channels or the size. ``batch_norm_first=True``
    is the pre-activation form: BN with ReLU before each convolution (and
    the short-cut convolution), and a sum without activation.

    Args:
        kernel_sizes, n_filters, strides: as :class:`ResBlock`.
        batch_norm_first: the pre-activation form.
        conv_short_cut: a convolution on the short cut.

    Example:
        >>> from dl_notebook import dlpy
        >>> from dl_notebook.dlpy.blocks import ResBlock_Caffe
        >>> from dl_notebook.dlpy.layers import InputLayer
        >>> ResBlock_Caffe.number_of_instances = 0
        >>> block = ResBlock_Caffe(kernel_sizes=(1, 3), n_filters=(4, 8), strides=2,
        ...                        conv_short_cut=True)
        >>> model = dlpy.Sequential(None, [InputLayer(4, 8, 8), block])
        >>> model["Res1"].inputs, model["Res1"].output_shape
        (['R1B2', 'R1B0'], (None, 4, 4, 8))
    """

    def add_to(self, net, source):
        """Add the block after *source*; return the name of its last layer."""
        b, first = self.block_num, self.batch_norm_first

        def conv(n, k, s, i):
            return L.Conv2d(n, k, stride=s, act="identity", include_bias=False, name=f"R{b}C{i}")

        def bn(i):
            return L.BN(act="relu" if first or i else "identity", name=f"R{b}B{i}")

        short = source
        if self.conv_short_cut:
            pair = (bn(0), conv(self.n_filters[-1], 1, self.strides[0], 0))
            for layer in pair if first else pair[::-1]:
                short = self._add(net, layer, short)
        x = source
        for i, (n, k, s) in enumerate(self._convs(), 1):
            for layer in (bn(i), conv(n, k, s, i)) if first else (conv(n, k, s, i), bn(i)):
                x = self._add(net, layer, x)
        res = L.Res(act="identity" if first else "relu", name=f"Res{b}")
        return self._add(net, res, x, short)


class DenseNetBlock(Block):
    """A dense block: cells of BN, convolution and concatenation (DLPy ``DenseNetBlock``).

    Each cell is BN with ReLU, a convolution of *n_filter* filters (ReLU, no
    bias) and the concatenation of its output with the cell's input, so the
    channels grow by *n_filter* per cell.

    Args:
        n_cells: how many cells.
        kernel_size: the convolutions' kernel size.
        n_filter: filters each cell adds.
        stride: the convolutions' stride (1 keeps the size the concatenation needs).

    Example:
        >>> from dl_notebook import dlpy
        >>> from dl_notebook.dlpy.blocks import DenseNetBlock
        >>> from dl_notebook.dlpy.layers import InputLayer
        >>> DenseNetBlock.number_of_instances = 0
        >>> model = dlpy.Sequential(None, [InputLayer(4, 8, 8), DenseNetBlock(n_cells=2, n_filter=3)])
        >>> model.layer_names[-1], model["D1Concat2"].output_shape
        ('D1Concat2', (None, 8, 8, 10))
    """

    def __init__(self, n_cells=4, kernel_size=3, n_filter=12, stride=1):
        super().__init__()
        self.n_cells, self.kernel_size = n_cells, kernel_size
        self.n_filter, self.stride = n_filter, stride

    def add_to(self, net, source):
        """Add the block after *source*; return the name of its last layer."""
        b, x = self.block_num, source
        for i in range(1, self.n_cells + 1):
            y = self._add(net, L.BN(act="relu", name=f"D{b}B{i}"), x)
            y = self._add(net, L.Conv2d(self.n_filter, self.kernel_size, stride=self.stride,
                                        include_bias=False, name=f"D{b}C{i}"), y)
            x = self._add(net, L.Concat(act="identity", name=f"D{b}Concat{i}"), y, x)
        return x


class Bidirectional(Block):
    """Bidirectional recurrent layers (DLPy ``Bidirectional``).

    Each of *n_blocks* blocks is a pair of recurrent layers, one reading the
    sequence backwards (``<name>0B<k>``) and one forwards (``<name>1B<k>``),
    both fed by the previous pair; here a pair's outputs are joined along
    the features (``<name>B<k>_concat``) so that the next layer reads one input.

    Args:
        n: units of each recurrent layer (one for all blocks, or one per block).
        n_blocks: how many pairs.
        rnn_type: ``'RNN'``, ``'LSTM'`` or ``'GRU'``.
        output_type: ``'SAMELENGTH'`` (every step) or ``'ENCODING'`` (the last
            state; then only the last block may use it).
        dropout: the recurrent layers' dropout.
        max_output_length: accepted; DLPy's ``ARBITRARYLENGTH`` output is not supported.
        src_layers: the layer(s) the block reads (default: the model's last layer).
        name: the layers' name prefix (default ``'RNN'``).

    Example:
        >>> import dl_notebook as dn
        >>> from dl_notebook import dlpy
        >>> from dl_notebook.dlpy.blocks import Bidirectional
        >>> model = dlpy.Model(None)
        >>> model.add(dn.layers.InputLayer(shape=(5, 2), name="seq"))
        >>> model.add(Bidirectional(n=4, n_blocks=2, name="bi"))
        >>> model.layer_names[1:4], model.output_names
        (['bi0B1', 'bi1B1', 'biB1_concat'], ['biB2_concat'])
    """

    def __init__(self, n, n_blocks=1, rnn_type="gru", output_type="samelength", dropout=0.2,
                 max_output_length=None, src_layers=None, name=None):
        super().__init__()
        self.n = [n] * n_blocks if isinstance(n, int) else list(n)
        if n_blocks < 1 or len(self.n) != n_blocks:
            raise InvalidArgumentError(
                f"Bidirectional: give n as one int or one per block ({n_blocks} blocks)."
            )
        self.n_blocks, self.rnn_type, self.output_type = n_blocks, rnn_type, output_type
        self.dropout, self.max_output_length = dropout, max_output_length
        self.src_layers, self.name = src_layers, name

    def add_to(self, net, source):
        """Add the block after *source*; return the name of its last layer."""
        prefix = self.name or "RNN"
        first = 1 if self.name else self.block_num
        if self.src_layers:
            sources = [getattr(s, "name", s) for s in self.src_layers]
            source = sources[0] if len(sources) == 1 else self._add(
                net, L.Concat(act="identity", name=f"{prefix}_input"), *sources)
        x = source
        for k, n in enumerate(self.n, first):
            pair = [self._add(net, L.Recurrent(n, rnn_type=self.rnn_type,
                                               output_type=self.output_type,
                                               reversed_=direction == 0, dropout=self.dropout,
                                               name=f"{prefix}{direction}B{k}"), x)
                    for direction in (0, 1)]
            x = self._add(net, L.Concat(act="identity", name=f"{prefix}B{k}_concat"), *pair)
        return x
