"""A layout per expansion state: ``DagView.layout_with`` and the ``group_layouts`` it sends.

The interactive view opens one group at a time; each layout it switches to comes from the
same engine as the notebook's SVG drawing, with that group drawn layer by layer and every
other group still one box.
"""

from __future__ import annotations

import json

import pytest
from test_graph_view import densenet_dag, inception_dag, resnet_dag

from dl_notebook.errors import InvalidArgumentError
from dl_notebook.graph import DagView

DAGS = {"resnet": resnet_dag, "densenet": densenet_dag, "inception": inception_dag}


def box_ids(layout):
    return set(layout.boxes)


def overlaps(layout):
    """Pairs of boxes of *layout* that overlap."""
    items = sorted(layout.boxes.items(), key=lambda kv: kv[1][1])
    found = []
    for i, (a, (ax, ay, aw, ah)) in enumerate(items):
        for b, (bx, by, bw, _bh) in items[i + 1 :]:
            if by >= ay + ah:
                break
            if ax < bx + bw and bx < ax + aw:
                found.append((a, b))
    return found


def drawn_pairs(dag, groups, open_id):
    """The (source, target) boxes an edge joins when only group *open_id* is open."""
    box = {name: g.id for g in groups if g.id != open_id for name in g.members}
    pairs = {(box.get(s, s), box.get(t, t)) for s, t in dag.edges}
    return {p for p in pairs if p[0] != p[1]}


@pytest.mark.parametrize("name", sorted(DAGS))
def test_opening_one_group_draws_its_layers_and_keeps_the_others_closed(name):
    dag = DAGS[name]()
    view = DagView.from_dag(dag)
    assert len(view.groups) >= 4
    grouped = box_ids(view.layout)
    for group in view.groups:
        layout = view.layout_with([group.id])
        assert box_ids(layout) == (grouped - {group.id}) | set(group.members)
        others = {g.id for g in view.groups} - {group.id}
        assert others <= box_ids(layout), "the other groups stay one box each"
        edges = [(s, t) for s, t, _ in layout.edges]
        assert len(edges) == len(set(edges))
        assert set(edges) == drawn_pairs(dag, view.groups, group.id)
        assert overlaps(layout) == []
        assert layout.direction == view.layout.direction


def test_every_group_open_is_the_expanded_drawing_and_none_open_is_the_grouped_one():
    dag = resnet_dag()
    view = DagView.from_dag(dag)
    every = [g.id for g in view.groups]
    expanded = DagView.from_dag(dag, expand=True)
    assert view.layout_with(every).boxes == expanded.layout.boxes
    assert view.layout_with(every).edges == expanded.layout.edges
    assert view.layout_with() is view.layout
    assert view.layout_with(reversed(every)) is view.layout_with(every)  # computed once
    lr = DagView.from_dag(dag, direction="LR")
    assert lr.layout_with(every[:1]).direction == "LR"


def test_unknown_groups_are_refused_in_one_sentence():
    view = DagView.from_dag(resnet_dag())
    with pytest.raises(InvalidArgumentError, match="'group/99' is not a group of this view"):
        view.layout_with(["group/1", "group/99"])
    flat = DagView.from_dag(resnet_dag(), expand=True)
    with pytest.raises(InvalidArgumentError, match="its groups are none"):
        flat.layout_with(["group/1"])


def test_json_sends_one_layout_per_group_with_that_group_open():
    dag = resnet_dag()
    view = DagView.from_dag(dag)
    data = json.loads(json.dumps(view.to_json()))
    ids = [g["id"] for g in data["groups"]]
    assert list(data["group_layouts"]) == ids
    assert data["layout"]["open"] == [] and not data["layout"]["expanded"]
    assert data["expanded_layout"]["open"] == ids and data["expanded_layout"]["expanded"]
    members = {g["id"]: set(g["members"]) for g in data["groups"]}
    for gid, layout in data["group_layouts"].items():
        assert layout["open"] == [gid] and not layout["expanded"]
        drawn = {b["id"] for b in layout["boxes"]}
        assert members[gid] <= drawn
        assert (set(ids) - {gid}) <= drawn
        assert all(not (members[other] & drawn) for other in set(ids) - {gid})
        expected = view.layout_with([gid]).boxes
        assert {b["id"]: (b["x"], b["y"], b["w"], b["h"]) for b in layout["boxes"]} == {
            k: tuple(v) for k, v in expected.items()
        }


def test_a_single_group_sends_no_group_layouts():
    # one group: opening it draws every layer, which expanded_layout already holds
    two = DagView.from_dag(resnet_dag(stages=(3,))).to_json()
    assert len(two["groups"]) == 2  # the projection block, then the two identical ones
    assert sorted(two["group_layouts"]) == ["group/1", "group/2"]
    one = DagView.from_dag(resnet_dag(stages=(1,))).to_json()
    assert len(one["groups"]) == 1
    assert "group_layouts" not in one and one["expanded_layout"]["open"] == ["group/1"]
