"""Editing a Network by name: add, insert, remove, pop, switch, rename, freeze; all or nothing."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from _nets import L, assert_one_sentence, assert_unchanged, branching_net, dense_chain, snapshot
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dl_notebook as dn

# -- reading -------------------------------------------------------------------------------


def test_reading_a_network():
    net = branching_net()
    assert net.layer_names == ["x", "a", "b", "c", "cat", "out"]
    assert net.edges == [("x", "a"), ("a", "b"), ("x", "c"), ("b", "cat"), ("c", "cat"),
                         ("cat", "out")]
    assert net.input_names == ["x"]
    assert net.output_names == ["out"]
    assert net.consumers("x") == ["a", "c"]
    assert net.consumers("out") == []
    assert net["cat"].inputs == ["b", "c"]
    assert net[0] is net["x"] and net[-1] is net["out"]
    assert "cat" in net and "nope" not in net
    assert len(net) == 6
    assert [spec.name for spec in net] == net.layer_names
    assert net.count_params() == net.to_keras().count_params()


def test_unknown_name_raises_layer_not_found_with_suggestion():
    net = branching_net()
    for call in (lambda: net["cta"], lambda: net.remove("cta"), lambda: net.consumers("cta"),
                 lambda: net.insert(L.BN(), after="cta")):
        with pytest.raises(dn.LayerNotFoundError) as info:
            call()
        assert isinstance(info.value, KeyError) and isinstance(info.value, dn.DLError)
        assert_one_sentence(info.value, "'cta'", "did you mean 'cat'", end="?")
    with pytest.raises(KeyError):
        net[17]
    with pytest.raises(dn.LayerNotFoundError) as info:
        net["zzzzzz"]
    assert_one_sentence(info.value, "layer_names")
    with pytest.raises(dn.LayerNotFoundError) as info:
        dn.Sequential()["x"]
    assert_one_sentence(info.value, "no layers yet")


# -- add -----------------------------------------------------------------------------------


def test_add_names_layers_automatically():
    net = dn.Sequential()
    net.add(L.InputLayer(shape=(8, 8, 1)))
    net.add(L.Conv2d(4, 3))
    net.add(L.Conv2d(4, 3))
    net.add(L.Pooling(2))
    net.add(L.Conv2d(4, 3))
    net.add(L.Dense(8))
    net.add(L.OutputLayer(2))
    assert net.layer_names == ["input1", "conv1", "conv2", "pool1", "conv3", "fc1", "output1"]
    assert [k.name for k in net.to_keras().layers][:3] == ["input1", "conv1", "conv2"]


def test_add_rejects_duplicate_names():
    net = dense_chain(4)
    before = snapshot(net)
    with pytest.raises(dn.NetworkEditError) as info:
        net.add(L.Dense(3, name="fc1"))
    assert_one_sentence(info.value, "'fc1'")
    assert_unchanged(net, before)


def test_add_layer_from_another_network_is_rejected():
    net = dense_chain(4)
    other = dn.Sequential(layers=[L.InputLayer(shape=(4,))])
    with pytest.raises(dn.NetworkEditError) as info:
        other.add(net["fc1"])
    assert_one_sentence(info.value, "'fc1'")
    with pytest.raises(dn.InvalidArgumentError):
        other.add("not a layer")


def test_add_raw_keras_layer_keeps_its_name_and_is_uniquified():
    net = dense_chain(4)
    net.add(keras.layers.Dense(3, name="k"))
    net.add(keras.layers.Dense(3, name="k"))
    net.add(keras.layers.Dropout(0.1))
    assert net.layer_names[:4] == ["input1", "fc1", "k", "k_1"]
    assert isinstance(net["k"], L.KerasLayer) and net["k"].type_name == "Dense"
    model = net.to_keras()
    names = [layer.name for layer in model.layers]
    assert names[:4] == ["input1", "fc1", "k", "k_1"]
    assert len(set(names)) == len(names)
    assert net.edges[:3] == [("input1", "fc1"), ("fc1", "k"), ("k", "k_1")]


def test_add_inputs_by_name_and_list():
    net = dn.Network()
    net.add(L.InputLayer(shape=(4,), name="x"))
    net.add(L.Dense(3, name="a"), inputs="x")
    net.add(L.Dense(3, name="b"), inputs=["x"])
    net.add(L.Res(name="sum"), inputs=["a", "b"])
    net.add(L.Dense(2, name="fin"), inputs=0)  # an index in layer_names works too
    assert net.edges == [("x", "a"), ("x", "b"), ("a", "sum"), ("b", "sum"), ("x", "fin")]


def test_network_needs_inputs_with_several_open_ends():
    net = dn.Network()
    net.add(L.InputLayer(shape=(4,), name="x"))
    net.add(L.Dense(3, name="a"))  # one open end: x
    net.add(L.Dense(3, name="b"), inputs="x")
    before = snapshot(net)
    with pytest.raises(dn.NetworkEditError) as info:
        net.add(L.Dense(2))
    assert_one_sentence(info.value, "inputs=", "a", "b")
    assert_unchanged(net, before)
    with pytest.raises(dn.NetworkEditError):
        dn.Network().add(L.Dense(2))  # no input layer yet
    with pytest.raises(dn.NetworkEditError):
        net.add(L.InputLayer(shape=(2,)), inputs="x")


def test_sequential_chains_to_last_layer():
    net = dn.Sequential()
    net.add(L.InputLayer(shape=(4,), name="x"))
    net.add(L.Dense(3, name="a"))
    net.add(L.Dense(3, name="b"), inputs="x")  # a branch
    net.add(L.Dense(2, name="c"))  # follows b, the last layer
    assert net.edges == [("x", "a"), ("x", "b"), ("b", "c")]
    assert net.output_names == ["a", "c"]


# -- insert --------------------------------------------------------------------------------


def test_insert_after_rewires_all_readers():
    net = branching_net()
    net.insert(L.BN(name="bn"), after="x")  # x feeds a and c
    assert net.consumers("x") == ["bn"]
    assert sorted(net.consumers("bn")) == ["a", "c"]
    assert net.layer_names.index("bn") == 1
    assert net.count_params() == net.to_keras().count_params()


def test_insert_after_branch_point_with_two_readers():
    net = dn.Network()
    net.add(L.InputLayer(shape=(6,), name="x"))
    net.add(L.Dense(4, name="a"), inputs="x")
    net.add(L.Dense(3, name="b"), inputs="a")
    net.add(L.Dense(3, name="c"), inputs="a")
    net.insert(L.Dropout(0.2, name="d"), after="a")
    assert net.edges == [("x", "a"), ("a", "d"), ("d", "b"), ("d", "c")]
    model = net.to_keras()
    assert [t.shape[-1] for t in model.outputs] == [3, 3]


def test_insert_before_single_input():
    net = dense_chain(4, 3)
    net.insert(L.Dropout(0.5, name="d"), before="fc2")
    assert net.edges == [("input1", "fc1"), ("fc1", "d"), ("d", "fc2")]
    assert net.layer_names == ["input1", "fc1", "d", "fc2"]


def test_insert_before_an_input_layer_raises():
    net = dense_chain(4)
    with pytest.raises(dn.NetworkEditError) as info:
        net.insert(L.Dense(3), before="input1")
    assert_one_sentence(info.value, "'input1'", "after")


def test_insert_needs_one_anchor():
    net = dense_chain(4)
    with pytest.raises(dn.InvalidArgumentError) as info:
        net.insert(L.Dense(3))
    assert_one_sentence(info.value, "after=", "before=")
    with pytest.raises(dn.InvalidArgumentError):
        net.insert(L.Dense(3), after="fc1", before="fc1")


def _join_net(join):
    net = dn.Network()
    net.add(L.InputLayer(shape=(8,), name="x"))
    net.add(L.Dense(4, name="a"), inputs="x")
    net.add(L.Dense(4, name="b"), inputs="x")
    net.add(join, inputs=["a", "b"])
    net.add(L.OutputLayer(2, name="out"))
    return net


def test_insert_dense_before_multi_input_anchor_raises():
    net = _join_net(L.Concat(name="cat"))
    before = snapshot(net)
    with pytest.raises(dn.NetworkEditError) as info:
        net.insert(L.Dense(3, name="d"), before="cat")
    assert_one_sentence(info.value, "'cat'", "a, b")
    assert_unchanged(net, before)


def test_insert_concat_before_join_fails_cleanly():
    net = _join_net(L.Concat(name="cat"))
    before = snapshot(net)
    with pytest.raises(dn.DLError):  # cat would be left with a single input
        net.insert(L.Concat(name="cat0"), before="cat")
    assert "cat0" not in net
    assert_unchanged(net, before)


def test_insert_before_join_leaving_it_one_input_is_a_network_edit_error():
    net = _join_net(L.Concat(name="cat"))
    before = snapshot(net)
    with pytest.raises(dn.NetworkEditError) as info:
        net.insert(L.Concat(name="cat0"), before="cat")
    assert_one_sentence(info.value, "'cat'", "input")
    assert_unchanged(net, before)


# -- remove and pop -----------------------------------------------------------------------


def test_remove_splices_readers_to_input():
    net = branching_net()
    net.remove("a")
    assert net.edges == [("x", "b"), ("x", "c"), ("b", "cat"), ("c", "cat"), ("cat", "out")]
    assert net["b"].inputs == ["x"]
    assert "a" not in net
    assert net.count_params() == net.to_keras().count_params()


def test_remove_sink():
    net = branching_net()
    net.remove("out")
    assert net.output_names == ["cat"]
    assert net.to_keras().outputs[0].shape[-1] == 9


def test_remove_by_index():
    net = dense_chain(4, 3)
    net.remove(1)
    assert net.layer_names == ["input1", "fc2"]


def test_remove_multi_input_needs_reconnect_to():
    net = branching_net()
    before = snapshot(net)
    with pytest.raises(dn.NetworkEditError) as info:
        net.remove("cat")
    assert_one_sentence(info.value, "'cat'", "reconnect_to")
    assert_unchanged(net, before)
    with pytest.raises(dn.NetworkEditError) as info:
        net.remove("cat", reconnect_to="a")
    assert_one_sentence(info.value, "'a'")
    assert_unchanged(net, before)
    net.remove("cat", reconnect_to="c")
    assert net["out"].inputs == ["c"]
    assert net.output_names == ["b", "out"]
    assert len(net.to_keras().outputs) == 2


def test_remove_input_layer_with_readers_raises():
    net = branching_net()
    before = snapshot(net)
    with pytest.raises(dn.NetworkEditError) as info:
        net.remove("x")
    assert_one_sentence(info.value, "'x'", "a, c")
    assert_unchanged(net, before)


def test_pop_returns_the_spec_and_it_can_be_reused():
    net = dense_chain(4, 3)
    spec = net.pop()
    assert spec.name == "fc2" and net.layer_names == ["input1", "fc1"]
    assert net.output_names == ["fc1"]
    other = dn.Sequential(layers=[L.InputLayer(shape=(6,))])
    other.add(spec)
    assert other.layer_names == ["input1", "fc2"]
    assert other["fc2"] is spec and spec.output_shape == (None, 3)
    assert spec.keras_layer.kernel.shape == (6, 3)  # rebuilt for its new input
    assert other.to_keras().count_params() == 6 * 3 + 3
    with pytest.raises(dn.NetworkEditError):
        dn.Sequential().pop()


# -- switch ---------------------------------------------------------------------------------


def _chain5():
    net = dn.Sequential()
    net.add(L.InputLayer(shape=(8,), name="x"))
    for name in "abcd":
        net.add(L.Dense(4, name=name))
    return net


def test_switch_adjacent():
    net = _chain5()
    net.switch("a", "b")
    assert net.edges == [("x", "b"), ("b", "a"), ("a", "c"), ("c", "d")]
    assert net.layer_names == ["x", "b", "a", "c", "d"]
    assert net.count_params() == net.to_keras().count_params()


def test_switch_non_adjacent():
    net = _chain5()
    net.switch("d", "b")
    assert net.edges == [("x", "a"), ("a", "d"), ("d", "c"), ("c", "b")]
    assert net.layer_names == ["x", "a", "d", "c", "b"]
    assert net.to_keras().count_params() == net.count_params()


def test_switch_changes_input_sizes_and_refreshes_only_those():
    net = dn.Sequential()
    net.add(L.InputLayer(shape=(8,), name="x"))
    net.add(L.Dense(4, name="a"))
    net.add(L.Dropout(0.5, name="d"))
    net.add(L.Dense(3, name="b"))
    kernel_b = net["b"].keras_layer
    net.switch("a", "d")
    assert net.edges == [("x", "d"), ("d", "a"), ("a", "b")]
    assert net["b"].keras_layer is kernel_b  # still reads 4 values
    net.switch("a", "b")
    assert net["a"].output_shape == (None, 4) and net["b"].output_shape == (None, 3)
    assert net["b"].keras_layer.kernel.shape == (8, 3)
    assert net["a"].keras_layer.kernel.shape == (3, 4)


def test_switch_input_with_non_input_raises():
    net = _chain5()
    before = snapshot(net)
    with pytest.raises(dn.NetworkEditError) as info:
        net.switch("x", "b")
    assert_one_sentence(info.value, "'x'", "'b'", "input")
    assert_unchanged(net, before)


# -- rename ---------------------------------------------------------------------------------


def test_rename_updates_edges_outputs_and_keras_names():
    net = dn.Sequential()
    net.add(L.InputLayer(shape=(6, 6, 1)))
    net.add(L.Conv2d(4, 3, dropout=0.1))
    net.add(L.Dense(5))
    net.add(L.OutputLayer(2))
    net.to_keras()
    net.rename("fc1", "hidden")
    net.rename("output1", "probs")
    net.rename("conv1", "features")
    assert net.layer_names == ["input1", "features", "hidden", "probs"]
    assert net.edges == [("input1", "features"), ("features", "hidden"), ("hidden", "probs")]
    assert net.output_names == ["probs"]
    assert net.consumers("features") == ["hidden"]
    names = [layer.name for layer in net.to_keras().layers]
    assert names == ["input1", "features", "features_dropout", "hidden_flatten", "hidden", "probs"]
    assert net["hidden"].keras_layer.name == "hidden"


def test_rename_to_taken_name_raises():
    net = dense_chain(4, 3)
    before = snapshot(net)
    with pytest.raises(dn.NetworkEditError) as info:
        net.rename("fc1", "fc2")
    assert_one_sentence(info.value, "'fc1'", "'fc2'")
    assert_unchanged(net, before)
    with pytest.raises(dn.InvalidArgumentError):
        net.rename("fc1", "a/b")


def test_rename_input_layer_renames_model_input():
    net = dense_chain(4)
    net.to_keras()
    net.rename("input1", "pixels")
    model = net.to_keras()
    assert model.layers[0].name == "pixels"
    assert model.inputs[0].name == "pixels"
    assert net.edges == [("pixels", "fc1")]
    assert model.predict(np.ones((1, 8)), verbose=0).shape == (1, 4)


# -- freeze ---------------------------------------------------------------------------------


def test_freeze_names_and_unfreeze():
    net = branching_net()
    assert len(net.to_keras().trainable_weights) == 8
    net.freeze(["a", "out"])
    assert [s.name for s in net if not s.trainable] == ["a", "out"]
    assert len(net.to_keras().trainable_weights) == 4
    net.unfreeze("a")
    assert len(net.to_keras().trainable_weights) == 6
    net.unfreeze()
    assert len(net.to_keras().trainable_weights) == 8
    net.freeze()
    assert net.to_keras().trainable_weights == []
    assert net.summary().attrs["trainable_params"] == 0


def test_freeze_up_to_freezes_ancestors_only():
    net = branching_net()
    net.freeze(up_to="b")
    frozen = [s.name for s in net if not s.trainable]
    assert frozen == ["a", "b"]  # not c, which is on the other branch
    model = net.to_keras()
    assert len(model.trainable_weights) == 4
    assert model.get_layer("c").trainable and not model.get_layer("b").trainable
    net.unfreeze(up_to="b")
    assert all(s.trainable for s in net)
    with pytest.raises(dn.InvalidArgumentError):
        net.freeze(["a"], up_to="b")


def test_freeze_survives_an_edit_that_refreshes_weights():
    net = dn.Sequential(layers=[L.InputLayer(shape=(8, 8, 1)), L.Conv2d(4, 3, name="c"),
                                L.Dense(5, name="fc"), L.OutputLayer(2, name="out")])
    net.freeze("fc")
    net.insert(L.Pooling(2, name="p"), after="c")  # fc's input size changes
    assert not net["fc"].trainable
    assert len(net.to_keras().trainable_weights) == 4


@pytest.mark.parametrize("edit", ["rename", "add"])
def test_name_of_a_helper_keras_layer_is_rejected(edit):
    net = dn.Sequential(layers=[L.InputLayer(shape=(8, 8, 1)),
                                L.Conv2d(4, 3, dropout=0.1, name="c"), L.Dense(5, name="fc")])
    before = snapshot(net)
    with pytest.raises(dn.NetworkEditError):
        if edit == "rename":
            net.rename("fc", "c_dropout")
        else:
            net.add(L.Dense(3, name="fc_flatten"))
    assert_unchanged(net, before)


# -- failed edits change nothing -----------------------------------------------------------


def _res_block():
    net = dn.Network()
    net.add(L.InputLayer(shape=(8, 8, 4), name="x"))
    net.add(L.Conv2d(4, 3, name="c1"), inputs="x")
    net.add(L.Conv2d(4, 3, name="c2"), inputs="c1")
    net.add(L.Res(name="sum"), inputs=["c2", "x"])
    net.add(L.OutputLayer(3, name="out"))
    return net


def test_failed_insert_that_breaks_a_later_res_changes_nothing():
    net = _res_block()
    net.to_keras()
    before = snapshot(net)
    with pytest.raises(dn.ShapeError) as info:
        net.insert(L.Conv2d(8, 1, name="wide"), after="c2")
    assert_one_sentence(info.value, "'sum'", "(8, 8, 8)", "(8, 8, 4)")
    assert "wide" not in net
    assert_unchanged(net, before)
    net.insert(L.Conv2d(4, 1, name="same"), after="c2")  # the network still edits fine
    assert net["sum"].inputs == ["same", "x"]


def test_failed_add_kernel_larger_than_input():
    net = dn.Sequential(layers=[L.InputLayer(shape=(3, 3, 1))])
    before = snapshot(net)
    with pytest.raises(dn.ShapeError) as info:
        net.add(L.Conv2d(4, 5, padding="valid", name="big"))
    assert_one_sentence(info.value, "'big'", "5×5", "(3, 3, 1)")
    assert_unchanged(net, before)
    net.add(L.Conv2d(4, 5, name="big"))  # same name is free again; "same" padding fits
    assert net["big"].output_shape == (None, 3, 3, 4)


def test_failed_concat_of_mismatched_shapes():
    net = dn.Network()
    net.add(L.InputLayer(shape=(8, 8, 3), name="x"))
    net.add(L.Pooling(2, name="p"), inputs="x")
    before = snapshot(net)
    with pytest.raises(dn.ShapeError) as info:
        net.add(L.Concat(name="cat"), inputs=["p", "x"])
    assert_one_sentence(info.value, "'cat'", "(4, 4, 3)", "(8, 8, 3)")
    assert_unchanged(net, before)


def test_failed_reshape_with_wrong_number_of_values():
    net = dense_chain(12)
    before = snapshot(net)
    with pytest.raises(dn.ShapeError) as info:
        net.add(L.Reshape((5, 2), name="r"))
    assert_one_sentence(info.value, "'r'", "12")
    assert_unchanged(net, before)


def test_failed_remove_and_switch_change_nothing():
    net = dn.Network()
    net.add(L.InputLayer(shape=(8, 8, 4), name="x"))
    net.add(L.Conv2d(8, 1, name="wide"), inputs="x")
    net.add(L.Conv2d(4, 3, name="narrow"), inputs="wide")
    net.add(L.Res(name="sum"), inputs=["narrow", "x"])
    net.add(L.OutputLayer(3, name="out"))
    net.to_keras()
    before = snapshot(net)
    with pytest.raises(dn.ShapeError):
        net.remove("narrow")  # sum would add 8 channels to 4
    assert_unchanged(net, before)
    with pytest.raises(dn.ShapeError):
        net.switch("wide", "out")  # a convolution after a flat output cannot work
    assert_unchanged(net, before)


def test_failed_edit_keeps_cached_model():
    net = _res_block()
    model = net.to_keras()
    with pytest.raises(dn.ShapeError):
        net.insert(L.Conv2d(8, 1), after="c2")
    assert net.to_keras() is model


# -- property: random valid edits keep the network consistent --------------------------


def _check_consistent(net):
    names = net.layer_names
    assert set(names) == {spec.name for spec in net}
    derived = {(src, dst) for src in names for dst in net.consumers(src)}
    assert set(net.edges) == derived
    assert len(net.edges) == len(derived)
    pos = {n: i for i, n in enumerate(names)}
    assert all(pos[src] < pos[dst] for src, dst in net.edges)
    model = net.to_keras()
    assert net.count_params() == model.count_params()
    assert [layer.name for layer in model.layers if layer.name in net] == [
        n for n in names if n in {layer.name for layer in model.layers}]


_NEW_LAYER = st.one_of(
    st.builds(lambda n: L.Dense(n, act="relu"), st.integers(1, 6)),
    st.builds(lambda r: L.Dropout(r), st.sampled_from([0.1, 0.5])),
    st.just("bn"),
)
_EDIT = st.tuples(st.sampled_from(["add", "insert", "remove", "switch"]), _NEW_LAYER,
                  st.integers(0, 1000), st.integers(0, 1000))


@settings(max_examples=25, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_EDIT, min_size=1, max_size=6), st.lists(st.integers(1, 6), min_size=1,
                                                            max_size=3))
def test_random_valid_edits_keep_network_consistent(edits, sizes):
    net = dense_chain(*sizes, width=5)
    for op, layer, i, j in edits:
        if layer == "bn":
            layer = L.BN()
        others = net.layer_names[1:]
        if op == "add":
            net.add(layer)
        elif op == "insert":
            net.insert(layer, after=net.layer_names[i % len(net)])
        elif op == "remove" and others:
            net.remove(others[i % len(others)])
        elif op == "switch" and len(others) >= 2:
            net.switch(others[i % len(others)], others[j % len(others)])
        _check_consistent(net)
