"""DagView on real keras.applications models (slow: builds large models)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

import dl_notebook as dn
from dl_notebook.graph import DagView


@pytest.mark.slow
@pytest.mark.parametrize(
    "builder, groups",
    [
        (
            "ResNet50",
            [
                "conv2_block1",
                "conv2_block2 … conv2_block3 ×2",
                "conv3_block1",
                "conv3_block2 … conv3_block4 ×3",
                "conv4_block1",
                "conv4_block2 … conv4_block6 ×5",
                "conv5_block1",
                "conv5_block2 … conv5_block3 ×2",
            ],
        ),
        (
            "InceptionV3",
            ["mixed0 … mixed2 ×3", "mixed3", "mixed4 … mixed7 ×4", "mixed8", "mixed9 … mixed10 ×2"],
        ),
        (
            "DenseNet121",
            [
                "conv2_block1 … conv2_block6 ×6",
                "conv3_block1 … conv3_block12 ×12",
                "conv4_block1 … conv4_block24 ×24",
                "conv5_block1 … conv5_block16 ×16",
            ],
        ),
    ],
)
def test_keras_applications(builder, groups):
    import keras

    model = getattr(keras.applications, builder)(weights=None)
    net = dn.Network.from_keras(model)
    dag = net.to_dag()
    assert net.plot_network().svg == DagView.from_dag(dag).svg
    assert len(dag.nodes) == len(model.layers)
    view = DagView.from_dag(dag)
    assert [g.label for g in view.groups] == groups
    root = ET.fromstring(view.svg)
    assert float(root.get("height")) <= 3000
    assert len(view.layout.boxes) <= 40
    assert sum(n.params for n in dag.nodes) == model.count_params()
    full = DagView.from_dag(dag, expand=True)
    nodes = [
        g
        for g in ET.fromstring(full.svg).iter("{http://www.w3.org/2000/svg}g")
        if g.get("class") == "node"
    ]
    assert len(nodes) == len(model.layers)
    data = view.to_json()
    assert len(data["nodes"]) == len(model.layers)
    assert len(data["edges"]) == len(dag.edges)
