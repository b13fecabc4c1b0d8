"""Shape inference, Keras graph building and all-or-nothing edits for a Network.

Each placed layer spec holds its Keras layers, the input shapes they were
built for, its output shape and, while its part of the graph is unchanged,
its output ``KerasTensor``. An edit marks the layers it touched as dirty;
:func:`propagate` then walks the layers after them in topological order:

* a layer whose input shapes did not change keeps its Keras layers (so its
  trained weights) and its output shape; only its tensor is dropped;
* a layer whose input shapes changed is called symbolically to learn its
  new output shape; it keeps its Keras layers when they accept the new
  shapes and gets fresh ones when they do not.

Tensors are rebuilt lazily by :func:`build_tensors` when a Keras model is
asked for, so a chain of edits costs one symbolic call per changed layer.
"""

from __future__ import annotations

from contextlib import contextmanager

from .._keras import keras
from ..errors import DLError, NetworkEditError, ShapeError
from . import memory
from .layers.base import fmt_shape


def _shapes_text(in_shapes):
    return " and ".join(fmt_shape(s) for s in in_shapes) or "no input"


def _call(spec, layers, tensors, in_shapes):
    try:
        out, trace = spec.run(layers, tensors)
    except DLError:
        raise
    except Exception as err:  # Keras' own shape checks
        reason = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise ShapeError(
            f"{spec._where()} cannot take input of shape {_shapes_text(in_shapes)} ({reason}); "
            f"check the layers before it."
        ) from err
    return out, trace


def _keras_state():
    """Where Keras keeps the variables made in a StatelessScope until they are allocated."""
    try:
        from keras.src.backend.common import global_state
    except ImportError:  # another Keras layout: weights are allocated as they are made
        return None
    return global_state


def _pending(state):
    return state.get_global_attribute("uninitialized_variables", [], set_to_default=True)


def _call_deferred(spec, layers, tensors, in_shapes):
    """Call fresh *layers* with their weights deferred; allocate them only when they fit.

    Inside a ``keras.StatelessScope`` Keras creates variables with their
    shapes and initializers but no memory. Their size is checked against
    :func:`memory.layer_budget` first: too large, and the edit is refused
    before a byte is allocated; else they are initialized as Keras would
    have done. A layer that cannot be built that way (it makes a variable
    from a value) is made again and built the usual way.
    """
    state = _keras_state()
    if state is None:
        return layers, _call(spec, layers, tensors, in_shapes)
    before = list(_pending(state))
    known = {id(v) for v in before}
    try:
        with keras().StatelessScope(initialize_variables=False):
            result = _call(spec, layers, tensors, in_shapes)
    except ShapeError as err:
        if "stateless scope" not in str(err.__cause__):
            raise
        result = None
    finally:
        new = [v for v in _pending(state) if id(v) not in known]
        state.set_global_attribute("uninitialized_variables", before)
    if result is None:  # the layer makes a variable from a value: build it the usual way
        layers = spec.make_layers(in_shapes, True)
        return layers, _call(spec, layers, tensors, in_shapes)
    nbytes = memory.check_weights(spec._where(), new)
    try:
        for variable in new:
            variable._deferred_initialize()
    except Exception as err:  # MemoryError, TensorFlow's ResourceExhaustedError
        raise NetworkEditError(
            f"{spec._where()} could not allocate its {memory.fmt_bytes(nbytes)} of weights "
            f"({type(err).__name__}); make it smaller or free memory."
        ) from err
    return layers, result


def place(net, spec):
    """Make (or fit) the Keras layers of *spec* for its inputs and learn its output shape.

    A spec that already has Keras layers keeps them when they still accept
    the new input shapes (a convolution after a new pooling layer keeps its
    kernels); else it gets fresh ones. Calls the layers on the inputs'
    tensors when all of them are current, so the tensor is ready for
    ``to_keras``; else on placeholders.
    """
    k = keras()
    sources = [net._specs[name] for name in spec._inputs]
    in_shapes = [s._shape for s in sources]
    spec.check(in_shapes)
    live = all(s._tensor is not None for s in sources)
    if live:
        tensors = [s._tensor for s in sources]
    else:
        tensors = [k.KerasTensor(s._shape, dtype=s._dtype) for s in sources]
    layers = spec._layers
    result = None
    if layers is not None and [len(s) for s in in_shapes] == [len(s) for s in spec._in_shapes]:
        try:
            result = spec.run(layers, tensors)
        except Exception:  # built for other sizes: fresh layers below
            result = None
    if result is None:
        frozen = spec._layers is not None and not spec.trainable
        layers = spec.make_layers(in_shapes, spec._layers is not None)
        layers, result = _call_deferred(spec, layers, tensors, in_shapes)
        for layer in layers if frozen else []:
            layer.trainable = False
    out, trace = result
    if isinstance(out, (list, tuple)):
        raise ShapeError(f"{spec._where()} returns several tensors; networks take one per layer.")
    spec._layers = layers
    spec._in_shapes = in_shapes
    spec._shape = tuple(out.shape)
    spec._dtype = out.dtype
    spec._trace = trace
    spec._tensor = out if live else None


def propagate(net, dirty):
    """Bring shapes up to date after an edit that touched the layers in *dirty*."""
    dirty = set(dirty)
    if not dirty:
        return
    pos = {name: i for i, name in enumerate(net._order)}
    first = min(pos[name] for name in dirty)
    changed = set()  # layers whose output tensor is no longer current
    for name in net._order[first:]:
        spec = net._specs[name]
        inputs = spec._inputs
        if name not in dirty and not any(i in changed for i in inputs):
            continue
        changed.add(name)
        spec._tensor = None
        in_shapes = [net._specs[i]._shape for i in inputs]
        if spec._layers is not None and in_shapes == spec._in_shapes:
            continue
        place(net, spec)


def build_tensors(net):
    """Rebuild the output tensors that edits dropped; return the model inputs and outputs."""
    for name in net._order:
        spec = net._specs[name]
        if spec._tensor is None:
            tensors = [net._specs[i]._tensor for i in spec._inputs]
            spec._tensor, spec._trace = spec.run(spec._layers, tensors)
    inputs = [net._specs[name]._model_input for name in net.input_names]
    outputs = [net._specs[name]._tensor for name in net.output_names]
    return inputs, outputs


def _check_keras_names(net):
    """Keras needs unique layer names: a helper layer (``fc1_flatten``) may not clash."""
    owners = {}
    for spec in net._specs.values():
        for layer in spec._layers or []:
            other = owners.setdefault(layer.name, (spec.name, id(layer)))
            if other[1] != id(layer):
                raise NetworkEditError(
                    f"Layers {other[0]!r} and {spec.name!r} would both make a Keras layer named "
                    f"{layer.name!r}; rename one of them."
                )


@contextmanager
def transaction(net):
    """Undo every change to *net* when the block raises: edits are all or nothing.

    The block holds the network's lease: it waits while a ``fit`` in another
    thread runs, and no ``fit`` starts until it ends. A transaction inside
    another one is part of it: the outer one undoes both.
    """
    with net.lease.hold():
        if net._in_transaction:  # inside a larger edit (net.atomic()): that one undoes this too
            yield
            return
        order = list(net._order)
        specs = dict(net._specs)
        states = {name: dict(vars(spec), _inputs=list(spec._inputs))
                  for name, spec in specs.items()}
        net._in_transaction = True
        try:
            yield
            _check_keras_names(net)
        except BaseException:
            for spec in net._specs.values():
                if spec._network is net and spec.name not in states:
                    spec._network = None
            net._order, net._specs = order, specs
            for name, spec in specs.items():
                spec.__dict__.clear()
                spec.__dict__.update(states[name])
            raise
        finally:
            net._in_transaction = False
        net._version += 1
