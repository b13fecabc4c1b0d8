"""Helpers shared by the model tests: small networks, Keras graph edges, state snapshots."""

from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

import dl_notebook as dn  # noqa: E402

L = dn.layers


def keras_edges(model):
    """``(source, destination)`` layer-name pairs read from Keras' own graph record."""
    edges = []
    for layer in model.layers:
        for node in layer._inbound_nodes:
            for tensor in node.input_tensors:
                edges.append((tensor._keras_history[0].name, layer.name))
    return list(dict.fromkeys(edges))


def assert_one_sentence(err, *words, end="."):
    """The error message is one line, ends with *end* (a full stop) and names *words*."""
    msg = str(err)
    assert msg.strip() and "\n" not in msg, msg
    assert msg.endswith(end), msg
    for word in words:
        assert word in msg, f"{word!r} not in {msg!r}"


def snapshot(net):
    """Everything a failed edit must leave as it was."""
    return {
        "layer_names": net.layer_names,
        "edges": net.edges,
        "inputs": {spec.name: spec.inputs for spec in net},
        "shapes": {spec.name: spec.output_shape for spec in net},
        "keras": {spec.name: [id(k) for k in spec.keras_layers] for spec in net},
        "params": net.count_params(),
        "outputs": net.output_names,
    }


def assert_unchanged(net, before):
    assert snapshot(net) == before
    model = net.to_keras()
    assert model.count_params() == before["params"]
    ins = [np.zeros((1,) + tuple(t.shape[1:]), dtype=t.dtype) for t in model.inputs]
    model.predict(ins[0] if len(ins) == 1 else ins, verbose=0)


def dense_chain(*sizes, width=8, kind=dn.Sequential):
    """input1 (width,) -> fc1 -> fc2 -> ... with the given unit counts."""
    net = kind()
    net.add(L.InputLayer(shape=(width,)))
    for n in sizes:
        net.add(L.Dense(n), **({} if kind is dn.Sequential else {"inputs": net.layer_names[-1]}))
    return net


def branching_net():
    """x -> a -> b ; x -> c ; concat(b, c) -> out: a Network with a branch and a join."""
    net = dn.Network(name="branchy")
    net.add(L.InputLayer(shape=(8,), name="x"))
    net.add(L.Dense(6, name="a"), inputs="x")
    net.add(L.Dense(5, name="b"), inputs="a")
    net.add(L.Dense(4, name="c"), inputs="x")
    net.add(L.Concat(name="cat"), inputs=["b", "c"])
    net.add(L.OutputLayer(3, name="out"))
    return net


def digits(n=None):
    """sklearn's handwritten digits as (N, 8, 8, 1) float32 images in [0, 16] and int labels."""
    from sklearn.datasets import load_digits

    data = load_digits()
    x = data.images.astype("float32")[..., None]
    y = data.target.astype("int32")
    return (x[:n], y[:n]) if n else (x, y)
