"""Tests of dl_notebook.graph on synthetic DAGs: grouping, layout, SVG, JSON."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import pytest

from dl_notebook.errors import DLError
from dl_notebook.graph import MIME_TYPE, Dag, DagNode, DagView
from dl_notebook.graph.grouping import find_groups

SVG_NS = "{http://www.w3.org/2000/svg}"


# --------------------------------------------------------------------------- generators


class _Builder:
    def __init__(self, name):
        self.name = name
        self.nodes: list[DagNode] = []
        self.edges: list[tuple[str, str]] = []

    def add(self, name, type_, kind, inputs=(), shape=(8, 8, 16), params=0):
        self.nodes.append(DagNode(name, type_, kind, shape, params))
        self.edges.extend((src, name) for src in inputs)
        return name

    def conv_bn_relu(self, prefix, x, filters=16):
        x = self.add(f"{prefix}_conv", "Conv2D", "conv", [x], (8, 8, filters), 9 * filters)
        x = self.add(
            f"{prefix}_bn", "BatchNormalization", "norm", [x], (8, 8, filters), 4 * filters
        )
        return self.add(f"{prefix}_relu", "Activation", "activation", [x], (8, 8, filters))

    def stem(self):
        x = self.add("input_1", "InputLayer", "input", shape=(224, 224, 3))
        x = self.conv_bn_relu("conv1", x)
        return self.add("pool1", "MaxPooling2D", "pool", [x])

    def head(self, x, classes=10):
        x = self.add("avg_pool", "GlobalAveragePooling2D", "pool", [x], (64,))
        return self.add("predictions", "Dense", "output", [x], (classes,), 650)

    def dag(self):
        return Dag(self.name, self.nodes, self.edges)


def chain_dag(n=12):
    b = _Builder("chain")
    x = b.add("x", "InputLayer", "input", shape=(32,))
    for i in range(n - 1):
        x = b.add(f"dense_{i}", "Dense", "dense", [x], (32,), 1056)
    return b.dag()


def resnet_dag(stages=(3, 8, 36, 3), name="resnet152_like"):
    """Bottleneck ResNet: per stage one projection block, then identical blocks."""
    b = _Builder(name)
    x = b.stem()
    for s, blocks in enumerate(stages):
        for k in range(blocks):
            p = f"conv{s + 2}_block{k + 1}"
            y = b.conv_bn_relu(f"{p}_1", x)
            y = b.conv_bn_relu(f"{p}_2", y)
            y = b.add(f"{p}_3_conv", "Conv2D", "conv", [y], params=64)
            y = b.add(f"{p}_3_bn", "BatchNormalization", "norm", [y])
            short = x
            if k == 0:
                short = b.add(f"{p}_0_conv", "Conv2D", "conv", [x], params=64)
                short = b.add(f"{p}_0_bn", "BatchNormalization", "norm", [short])
            y = b.add(f"{p}_add", "Add", "merge", [short, y])
            x = b.add(f"{p}_out", "Activation", "activation", [y])
    b.head(x)
    return b.dag()


def densenet_dag(blocks=(6, 12, 24, 16)):
    b = _Builder("densenet121_like")
    x = b.stem()
    for s, layers in enumerate(blocks):
        for k in range(layers):
            p = f"conv{s + 2}_block{k + 1}"
            y = b.add(f"{p}_0_bn", "BatchNormalization", "norm", [x])
            y = b.add(f"{p}_0_relu", "Activation", "activation", [y])
            y = b.add(f"{p}_1_conv", "Conv2D", "conv", [y], params=10)
            y = b.add(f"{p}_1_bn", "BatchNormalization", "norm", [y])
            y = b.add(f"{p}_1_relu", "Activation", "activation", [y])
            y = b.add(f"{p}_2_conv", "Conv2D", "conv", [y], params=10)
            x = b.add(f"{p}_concat", "Concatenate", "merge", [x, y])
        if s < len(blocks) - 1:
            t = f"pool{s + 2}"
            x = b.add(f"{t}_bn", "BatchNormalization", "norm", [x])
            x = b.add(f"{t}_relu", "Activation", "activation", [x])
            x = b.add(f"{t}_conv", "Conv2D", "conv", [x], params=10)
            x = b.add(f"{t}_pool", "AveragePooling2D", "pool", [x])
    b.head(x)
    return b.dag()


def inception_dag(plan=(("a", 3), ("r", 1), ("b", 4), ("r", 1), ("c", 2))):
    """Inception-like: 4-branch modules with Keras-style automatic names."""
    b = _Builder("inception_like")
    counter = {"conv": 0}
    x = b.stem()

    def cbr(inp):
        counter["conv"] += 1
        k = counter["conv"]
        y = b.add(f"conv2d_{k}", "Conv2D", "conv", [inp], params=20)
        y = b.add(f"batch_normalization_{k}", "BatchNormalization", "norm", [y])
        return b.add(f"activation_{k}", "Activation", "activation", [y])

    module = 0
    for style, count in plan:
        for _ in range(count):
            lengths = {"a": (1, 2, 3), "r": (1, 3), "b": (1, 3, 5), "c": (1, 2, 2)}[style]
            ends = []
            for length in lengths:
                y = x
                for _ in range(length):
                    y = cbr(y)
                ends.append(y)
            if style != "r":
                pool = b.add(f"average_pooling2d_{module}", "AveragePooling2D", "pool", [x])
                ends.append(cbr(pool))
            else:
                ends.append(b.add(f"max_pooling2d_{module}", "MaxPooling2D", "pool", [x]))
            x = b.add(f"mixed{module}", "Concatenate", "merge", ends)
            module += 1
    b.head(x)
    return b.dag()


def multi_input_dag():
    b = _Builder("two_inputs")
    img = b.add("image", "InputLayer", "input", shape=(32, 32, 3))
    x = img
    for k in range(4):
        p = f"block{k}"
        y = b.conv_bn_relu(f"{p}_a", x)
        y = b.add(f"{p}_b_conv", "Conv2D", "conv", [y], params=9)
        x = b.add(f"{p}_add", "Add", "merge", [x, y])
    x = b.add("flatten", "Flatten", "reshape", [x], (1024,))
    meta = b.add("meta", "InputLayer", "input", shape=(5,))
    m = b.add("meta_dense", "Dense", "dense", [meta], (16,), 96)
    x = b.add("concat", "Concatenate", "merge", [x, m], (1040,))
    b.add("out", "Dense", "output", [x], (2,), 2082)
    # inputs listed first, as a model's inputs usually are
    b.nodes.insert(1, b.nodes.pop(next(i for i, n in enumerate(b.nodes) if n.name == "meta")))
    return b.dag()


def multi_output_dag():
    b = _Builder("two_outputs")
    x = b.add("x", "InputLayer", "input", shape=(16, 16, 3))
    for k in range(5):
        p = f"res{k}"
        y = b.conv_bn_relu(f"{p}_a", x)
        y = b.add(f"{p}_b_conv", "Conv2D", "conv", [y], params=9)
        x = b.add(f"{p}_add", "Add", "merge", [x, y])
        if k == 2:
            aux = b.add("aux_pool", "GlobalAveragePooling2D", "pool", [x], (16,))
            b.add("aux_out", "Dense", "output", [aux], (3,), 51)
    c = b.add("class_pool", "GlobalAveragePooling2D", "pool", [x], (16,))
    b.add("class_out", "Dense", "output", [c], (10,), 170)
    r = b.add("box_flat", "Flatten", "reshape", [x], (4096,))
    b.add("box_out", "Dense", "output", [r], (4,), 16388)
    return b.dag()


ALL = {
    "chain": chain_dag,
    "resnet": resnet_dag,
    "densenet": densenet_dag,
    "inception": inception_dag,
    "multi_input": multi_input_dag,
    "multi_output": multi_output_dag,
}


# --------------------------------------------------------------------------- helpers


def svg_nodes(view):
    root = ET.fromstring(view.svg)
    return root, [g for g in root.iter(f"{SVG_NS}g") if "node" in g.get("class", "").split()]


def svg_height(view):
    return float(ET.fromstring(view.svg).get("height"))


def drawn_edges(dag, view):
    box = {name: g.id for g in view.groups for name in g.members}
    pairs = {(box.get(s, s), box.get(t, t)) for s, t in dag.edges}
    return {p for p in pairs if p[0] != p[1]}


# --------------------------------------------------------------------------- tests


@pytest.mark.parametrize("name", sorted(ALL))
@pytest.mark.parametrize("expand", [False, True])
def test_svg_parses_with_one_node_group_per_box(name, expand):
    dag = ALL[name]()
    view = DagView.from_dag(dag, expand=expand)
    root, nodes = svg_nodes(view)
    assert root.tag == f"{SVG_NS}svg"
    assert root.get("viewBox") and float(root.get("width")) > 0
    assert len(nodes) == len(view.layout.boxes)
    assert {g.get("data-name") for g in nodes} == set(view.layout.boxes)
    if expand:
        assert len(nodes) == len(dag.nodes) and not view.groups
    for g in nodes:
        if "group" in g.get("class").split():
            assert int(g.get("data-members")) > 1


@pytest.mark.parametrize("name", sorted(ALL))
@pytest.mark.parametrize("expand", [False, True])
def test_every_edge_between_boxes_is_drawn_once(name, expand):
    dag = ALL[name]()
    view = DagView.from_dag(dag, expand=expand)
    root = ET.fromstring(view.svg)
    paths = [
        (p.get("data-source"), p.get("data-target"))
        for p in root.iter(f"{SVG_NS}path")
        if p.get("class") == "edge"
    ]
    assert len(paths) == len(set(paths))
    assert set(paths) == drawn_edges(dag, view)
    for s, t, points in view.layout.edges:
        assert len(points) >= 2
        sx, sy, sw, sh = view.layout.boxes[s]
        tx, ty, tw, th = view.layout.boxes[t]
        assert points[0][1] == pytest.approx(sy + sh, abs=0.2)
        assert points[-1][1] == pytest.approx(ty, abs=0.2)


@pytest.mark.parametrize("name", sorted(ALL))
@pytest.mark.parametrize("expand", [False, True])
def test_boxes_do_not_overlap(name, expand):
    view = DagView.from_dag(ALL[name](), expand=expand)
    boxes = sorted(view.layout.boxes.values())
    for i, (x1, y1, w1, h1) in enumerate(boxes):
        for x2, y2, _, h2 in boxes[i + 1 :]:
            if x2 >= x1 + w1:
                break
            assert y2 >= y1 + h1 or y1 >= y2 + h2, "two boxes overlap"


def test_resnet152_like_collapses_repeated_blocks():
    dag = resnet_dag()
    view = DagView.from_dag(dag)
    labels = [g.label for g in view.groups]
    assert "conv2_block1" in labels
    assert "conv3_block2 … conv3_block8 ×7" in labels
    assert "conv4_block2 … conv4_block36 ×35" in labels
    assert len(view.layout.boxes) <= 30
    assert svg_height(view) <= 3000
    big = next(g for g in view.groups if g.repeat == 35)
    assert len(big.units[0]) == 10 and big.units[0][-1] == "conv4_block2_out"
    assert big.params == sum(n.params for n in dag.nodes if n.name in set(big.members))


def test_densenet_and_inception_like_stay_short():
    dense = DagView.from_dag(densenet_dag())
    assert [g.repeat for g in dense.groups] == [6, 12, 24, 16]
    assert dense.groups[0].label == "conv2_block1 … conv2_block6 ×6"
    assert len(dense.layout.boxes) <= 30 and svg_height(dense) <= 3000
    inc = DagView.from_dag(inception_dag())
    assert [g.label for g in inc.groups] == [
        "mixed0 … mixed2 ×3",
        "mixed3",
        "mixed4 … mixed7 ×4",
        "mixed8",
        "mixed9 … mixed10 ×2",
    ]
    assert svg_height(inc) <= 3000


def test_grouping_is_structural_not_by_name():
    dag = resnet_dag((2, 3))
    renamed = {n.name: f"n{i}" for i, n in enumerate(dag.nodes)}
    anon = Dag(
        "anon",
        [DagNode(renamed[n.name], n.type, n.kind, n.shape, n.params) for n in dag.nodes],
        [(renamed[s], renamed[t]) for s, t in dag.edges],
    )
    a, b = find_groups(dag), find_groups(anon)
    assert [g.repeat for g in a] == [g.repeat for g in b] == [1, 1, 1, 2]
    assert [[renamed[m] for m in g.members] for g in a] == [list(g.members) for g in b]


def test_groups_partition_their_members():
    for make in ALL.values():
        dag = make()
        seen = set()
        for g in find_groups(dag):
            assert not seen & set(g.members)
            seen |= set(g.members)
            assert all(len(u) == len(g.units[0]) for u in g.units)
        assert seen <= {n.name for n in dag.nodes}


def test_multi_input_keeps_second_input_beside_its_consumer():
    dag = multi_input_dag()
    view = DagView.from_dag(dag)
    assert [g.repeat for g in view.groups] == [4]
    boxes = view.layout.boxes
    assert boxes["meta"][1] > boxes["image"][1]
    assert boxes["meta_dense"][1] < boxes["concat"][1]
    assert "meta" not in view.groups[0].members


def test_multi_output_leaves_heads_ungrouped():
    dag = multi_output_dag()
    view = DagView.from_dag(dag)
    grouped = {m for g in view.groups for m in g.members}
    for name in ("aux_out", "class_out", "box_out", "aux_pool"):
        assert name not in grouped and name in view.layout.boxes
    assert view.groups, "the residual trunk before the heads is still grouped"


def test_json_holds_every_layer_and_round_trips():
    for make in ALL.values():
        dag = make()
        view = DagView.from_dag(dag)
        data = view.to_json()
        assert json.loads(json.dumps(data)) == data
        assert data["version"] == 1 and data["name"] == dag.name
        assert [n["name"] for n in data["nodes"]] == [n.name for n in dag.nodes]
        assert [tuple(e) for e in data["edges"]] == list(dag.edges)
        gids = {g["id"] for g in data["groups"]}
        for node in data["nodes"]:
            assert node["group"] is None or node["group"] in gids
            assert set(node) == {"id", "name", "type", "kind", "shape", "params", "group", "scope"}
        for g in data["groups"]:
            assert {n["name"] for n in data["nodes"] if n["group"] == g["id"]} == set(g["members"])
        lay = data["layout"]
        assert {b["id"] for b in lay["boxes"]} == set(view.layout.boxes)
        assert len(lay["edges"]) == len(view.layout.edges)
        assert lay["expanded"] is (not data["groups"])


def test_layout_and_svg_are_deterministic():
    a, b = DagView.from_dag(inception_dag()), DagView.from_dag(inception_dag())
    assert a.svg == b.svg and a.to_json() == b.to_json()


def test_text_is_escaped():
    dag = Dag(
        'a<b> & "c"',
        [
            DagNode("in<&>", "Input", "input", (3,), 0),
            DagNode('d"\x01', "My<Layer>", "dense", (None, 4), 16),
        ],
        [("in<&>", 'd"\x01')],
    )
    view = DagView.from_dag(dag, show_shapes=True)
    root, nodes = svg_nodes(view)
    assert {g.get("data-name") for g in nodes} == {"in<&>", 'd"'}
    assert "My<Layer> · ?×4" in "".join(root.itertext())


def test_mimebundle_repr_and_save(tmp_path):
    view = DagView.from_dag(resnet_dag((1, 2)))
    bundle = view._repr_mimebundle_()
    assert set(bundle) == {"image/svg+xml", "text/html", "text/plain", MIME_TYPE}
    assert view.svg in bundle["text/html"]
    assert bundle["image/svg+xml"] == view._repr_svg_() == view.svg
    assert bundle["text/plain"].startswith("<DagView 'resnet152_like'")
    assert set(view._repr_mimebundle_(include={MIME_TYPE})) == {MIME_TYPE}
    assert MIME_TYPE not in view._repr_mimebundle_(exclude={MIME_TYPE})
    svg_path = view.save(tmp_path / "net.svg")
    ET.parse(svg_path)
    json_path = view.save(str(tmp_path / "net.json"))
    assert json.loads(json_path.read_text())["name"] == "resnet152_like"
    with pytest.raises(DLError, match=r"\.svg or \.json"):
        view.save(tmp_path / "net.png")


def test_show_shapes_labels_every_edge():
    view = DagView.from_dag(inception_dag(), show_shapes=True)
    root = ET.fromstring(view.svg)
    labels = [t for t in root.iter(f"{SVG_NS}text") if t.get("class") == "edge-label"]
    assert len(labels) == len(view.layout.edges)
    assert any(t.text == "8×8×16" for t in labels)


def test_legend_lists_kinds_present():
    root = ET.fromstring(DagView.from_dag(chain_dag(), expand=True).svg)
    kinds = [g.get("data-kind") for g in root.iter(f"{SVG_NS}g") if g.get("class") == "legend-item"]
    assert kinds == ["input", "dense"]
    title = "".join(
        next(g for g in root.iter(f"{SVG_NS}g") if g.get("class") == "title").itertext()
    )
    assert "chain" in title and "12 layers" in title and "11,616 params" in title


def test_left_to_right_direction():
    view = DagView.from_dag(chain_dag(6), direction="LR")
    xs = [view.layout.boxes[n.name][0] for n in view.dag.nodes]
    assert xs == sorted(xs) and len(set(xs)) == 6
    assert view.layout.width > view.layout.height
    with pytest.raises(DLError):
        DagView.from_dag(chain_dag(), direction="up")


def test_chains_are_straight():
    view = DagView.from_dag(resnet_dag((1, 3)), expand=True)
    centres = [view.layout.boxes[f"conv3_block2_{k}"] for k in ("1_conv", "1_bn", "2_relu", "3_bn")]
    assert len({round(x + w / 2) for x, _, w, _ in centres}) == 1


@pytest.mark.parametrize(
    "nodes, edges, message",
    [
        ([("a", ()), ("a", ())], [], "two nodes named 'a'"),
        ([("a", ())], [("a", "b")], "'b', which is not a node"),
        ([("a", ()), ("b", ())], [("a", "b"), ("b", "a")], "cycle"),
    ],
)
def test_bad_dags_raise_clear_errors(nodes, edges, message):
    dag = Dag("bad", [DagNode(n, "T", "other", s, 0) for n, s in nodes], edges)
    with pytest.raises(DLError, match=re.escape(message)):
        DagView.from_dag(dag)


def test_long_plain_chains_collapse_when_needed():
    b = _Builder("mlp")
    x = b.add("x", "InputLayer", "input", shape=(16,))
    for i in range(60):
        x = b.add(f"dense_{i}", "Dense", "dense", [x], (16,), 272)
        x = b.add(f"dropout_{i}", "Dropout", "dropout", [x], (16,))
    view = DagView.from_dag(b.dag())
    assert len(view.layout.boxes) < 10
    assert DagView.from_dag(chain_dag(30)).groups == []  # short nets stay as they are


def test_empty_dag():
    view = DagView.from_dag(Dag("empty", [], []))
    ET.fromstring(view.svg)
    assert view.to_json()["nodes"] == []


def test_large_graph_expanded_and_grouped():
    dag = resnet_dag()  # 520 layers; speed is measured by benchmarks/bench_graph.py
    assert len(dag.nodes) > 500
    expanded = DagView.from_dag(dag, expand=True)
    grouped = DagView.from_dag(dag)
    assert len(expanded.layout.boxes) == len(dag.nodes)
    assert len(grouped.layout.boxes) < len(dag.nodes) // 10


def random_dag(seed, size=40):
    import random

    rng = random.Random(seed)
    kinds = ["conv", "pool", "dense", "norm", "merge", "activation", "other"]
    names = [f"n{i}" for i in range(size)]
    edges = []
    for j in range(1, size):
        if rng.random() < 0.1:
            continue  # another source
        for i in rng.sample(range(j), k=min(j, rng.choice([1, 1, 1, 2, 3]))):
            if rng.random() < 0.7 or j - i == 1:
                edges.append((names[i], names[j]))
    nodes = [
        DagNode(n, "T" + str(rng.randrange(3)), rng.choice(kinds), (rng.randrange(1, 9),), 1)
        for n in names
    ]
    return Dag(f"random{seed}", nodes, edges)


@pytest.mark.parametrize("seed", range(40))
def test_random_dags_draw_every_edge_without_overlap(seed):
    dag = random_dag(seed, size=10 + seed * 3)
    for expand in (False, True):
        view = DagView.from_dag(dag, expand=expand, direction="LR" if seed % 5 == 0 else "TB")
        root, nodes = svg_nodes(view)
        assert len(nodes) == len(view.layout.boxes)
        assert {(s, t) for s, t, _ in view.layout.edges} == drawn_edges(dag, view)
        boxes = list(view.layout.boxes.values())
        for i, (x1, y1, w1, h1) in enumerate(boxes):
            for x2, y2, w2, h2 in boxes[i + 1 :]:
                apart = x2 >= x1 + w1 or x1 >= x2 + w2 or y2 >= y1 + h1 or y1 >= y2 + h2
                assert apart, "two boxes overlap"
        members = [m for g in view.groups for m in g.members]
        assert len(members) == len(set(members))
