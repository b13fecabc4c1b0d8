"""dn.applications for text, time series, tables and autoencoders: shapes, learning, mistakes.

Each network trains for real on small generated (or scikit-learn's bundled) data and
is held to a baseline: chance for the classifiers, the last value for the forecaster,
the untrained network for the autoencoder.
"""

from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import dl_notebook as dn  # noqa: E402
from dl_notebook.applications import catalog  # noqa: E402
from dl_notebook.applications.autoencoder import show_reconstructions  # noqa: E402
from dl_notebook.applications.text import TextGenerator  # noqa: E402
from dl_notebook.data import TabularDataset, TextDataset, TimeSeriesDataset, two_way_split  # noqa: E402
from dl_notebook.errors import InvalidArgumentError  # noqa: E402

A = dn.applications


def _colour_texts(n=240, seed=0):
    """Texts of filler words with two words naming their class's colour family."""
    rng = np.random.default_rng(seed)
    filler = "the a of and to in is it that was for on with as".split()
    families = [["red", "crimson", "scarlet"], ["green", "olive", "lime"],
                ["blue", "navy", "azure"]]
    texts, labels = [], []
    for i in range(n):
        words = list(rng.choice(filler, size=int(rng.integers(4, 9))))
        for _ in range(2):
            words.insert(int(rng.integers(0, len(words) + 1)),
                         str(rng.choice(families[i % 3])))
        texts.append(" ".join(words))
        labels.append(["reds", "greens", "blues"][i % 3])
    return texts, labels


# ----------------------------------------------------------------- registry and shapes
def test_the_builders_are_registered_with_their_tasks():
    tasks = {key: entry.task for key, entry in catalog().items()}
    assert tasks["text_classification"] == tasks["text_generation"] == "text"
    assert tasks["sequence_labeling"] == "text"
    assert tasks["time_series_forecaster"] == "sequence"
    assert tasks["mlp"] == "tabular" and tasks["autoencoder"] == "autoencoder"
    assert catalog()["mlp"].function is A.MLP


def test_text_classifier_layers_follow_dlpy_and_run_on_token_ids():
    net = A.TextClassification(3, vocab_size=40, seq_len=10, embedding_dim=8, neurons=6,
                               rnn_type="lstm")
    assert isinstance(net, dn.Sequential) and net.name == "text_classifier"
    assert net.layer_names == ["input1", "embedding1", "rnn1", "rnn2", "rnn3", "dropout1",
                               "output1"]  # DLPy's default: three blocks
    assert [net[f"rnn{i}"].output_type for i in (1, 2, 3)] == ["samelength"] * 2 + ["encoding"]
    assert all(net[f"rnn{i}"].bidirectional and net[f"rnn{i}"].rnn_type == "lstm"
               for i in (1, 2, 3))
    assert net["embedding1"].mask_zero
    x = np.random.default_rng(0).integers(0, 40, (4, 10)).astype("int32")
    proba = np.asarray(net.to_keras()(x))
    assert proba.shape == (4, 3) and np.allclose(proba.sum(axis=1), 1, atol=1e-5)
    free = A.TextClassification(2, 40, rnn_type="rnn", bidirectional=False, dropout=0,
                                n_blocks=1)
    assert free["input1"].output_shape == (None, None)
    assert "dropout1" not in free.layer_names and not free["rnn1"].bidirectional
    assert free.to_keras()(x[:, :7]).shape == (4, 2)  # any text length


def test_a_padded_step_does_not_change_the_prediction():
    net = A.TextClassification(2, 20, seq_len=None, neurons=4, n_blocks=2)
    x = np.array([[5, 6, 7]], "int32")
    padded = np.array([[5, 6, 7, 0, 0]], "int32")
    model = net.to_keras()
    assert np.allclose(model(x), model(padded), atol=1e-6)  # id 0 is masked


def test_sequence_labeling_gives_one_distribution_per_token():
    net = A.SequenceLabeling(4, vocab_size=30, seq_len=6, n_blocks=2, neurons=5)
    assert net.layer_names == ["input1", "embedding1", "rnn1", "rnn2", "output1"]
    assert all(net[f"rnn{i}"].output_type == "samelength" for i in (1, 2))
    x = np.random.default_rng(1).integers(1, 30, (3, 6)).astype("int32")
    proba = np.asarray(net.to_keras()(x))
    assert proba.shape == (3, 6, 4) and np.allclose(proba.sum(axis=-1), 1, atol=1e-5)


def test_forecaster_outputs_horizon_values_per_window():
    net = A.TimeSeriesForecaster(n_features=3, window=12, horizon=4, rnn_type="gru",
                                 n_blocks=2, neurons=8, dropout=0.1)
    assert net.layer_names == ["input1", "rnn1", "rnn2", "dropout1", "output1"]
    assert net["output1"].act is None and net["output1"].error == "mse"
    assert net.to_keras()(np.zeros((5, 12, 3), "float32")).shape == (5, 4)


def test_autoencoders_rebuild_the_input_shape():
    for shape, kind in (((8, 8, 1), "dense"), ((8, 8, 1), "conv"), ((16, 12, 3), "conv"),
                        ((20,), "dense")):
        net = A.Autoencoder(shape, kind=kind, code_size=5)
        assert net["code"].output_shape == (None, 5)
        assert net["output1"].output_shape == (None, *shape)
        x = np.random.default_rng(0).random((2, *shape)).astype("float32")
        assert net.to_keras()(x).shape == (2, *shape)


# ----------------------------------------------------------------- learning
def test_text_classifier_beats_chance_on_held_out_texts():
    texts, labels = _colour_texts(180)
    ds = TextDataset.from_texts(texts, labels, sequence_length=12)
    train, test = two_way_split(ds, test_rate=25, seed=0)
    net = A.TextClassification(len(ds.class_names), ds.vocabulary_size, ds.sequence_length,
                               embedding_dim=16, neurons=16, n_blocks=1)
    net.fit(train, epochs=5, seed=0, live=False, solver=dn.solvers.Adam(0.01))
    result = net.evaluate(test)
    assert result.accuracy > 0.8  # chance is 1/3


def test_sequence_labeller_learns_a_tag_per_token():
    rng = np.random.default_rng(0)
    x = rng.integers(1, 21, (300, 8)).astype("int32")
    tags = (x > 10).astype("int32") + (np.roll(x, 1, axis=1) > 15)  # needs the previous token
    tags[:, 0] = (x[:, 0] > 10)
    net = A.SequenceLabeling(3, vocab_size=21, seq_len=8, embedding_dim=8, neurons=16,
                             n_blocks=1)
    net.fit((x[:240], tags[:240]), epochs=6, seed=0, live=False,  # tag ids: sparse loss inferred
            solver=dn.solvers.Adam(0.02))
    predicted = np.asarray(net.to_keras()(x[240:])).argmax(axis=-1)
    assert (predicted == tags[240:]).mean() > 0.9


def test_forecaster_beats_the_last_value_on_held_out_windows():
    t = np.arange(700)
    rng = np.random.default_rng(0)
    series = np.sin(2 * np.pi * t / 25) + 0.5 * np.sin(2 * np.pi * t / 9)
    series = series + 0.05 * rng.normal(size=t.size)
    ds = TimeSeriesDataset.from_arrays(series, 0, sequence_length=16, horizon=1)
    train, test = two_way_split(ds, test_rate=25)
    net = A.TimeSeriesForecaster(n_features=1, window=16, neurons=16)
    net.fit(train, epochs=8, seed=0, live=False, solver=dn.solvers.Adam(0.02))
    x, y = test.to_numpy()
    predicted = np.asarray(net.to_keras()(x))[:, 0]
    stats = ds.preprocessing
    last = x[:, -1, 0] * stats["stds"]["x0"] + stats["means"]["x0"]  # back to the series' units
    model_mse, naive_mse = np.mean((predicted - y) ** 2), np.mean((last - y) ** 2)
    assert model_mse < 0.3 * naive_mse


def test_forecaster_learns_several_steps_at_once():
    t = np.arange(500, dtype="float32")
    series = np.sin(2 * np.pi * t / 20)
    windows = np.lib.stride_tricks.sliding_window_view(series, 12 + 3)
    x, y = windows[:, :12, None], windows[:, 12:]
    net = A.TimeSeriesForecaster(1, 12, horizon=3, rnn_type="gru", neurons=16)
    hist = net.fit((x[:400], y[:400]), epochs=6, seed=0, live=False,
                   solver=dn.solvers.Adam(0.01))
    predicted = np.asarray(net.to_keras()(x[400:]))
    assert predicted.shape == (len(x) - 400, 3)
    assert np.mean((predicted - y[400:]) ** 2) < 0.1 * np.var(y)
    assert hist.frame["loss"].iloc[-1] < hist.frame["loss"].iloc[0]


def test_mlp_learns_iris_and_a_regression():
    from sklearn.datasets import load_iris

    table = TabularDataset.from_dataframe(load_iris(as_frame=True).frame, target="target")
    train, test = two_way_split(table, test_rate=30, seed=0)
    net = A.MLP(table.input_shape[0], len(table.class_names), hidden=(16,))
    net.fit(train, epochs=25, batch_size=16, seed=0, live=False, solver=dn.solvers.Adam(0.01))
    assert net.evaluate(test).accuracy > 0.85  # chance is 1/3

    rng = np.random.default_rng(0)
    df = pd.DataFrame(rng.normal(size=(200, 3)), columns=["a", "b", "c"])
    df["y"] = 2 * df["a"] - df["b"] * df["c"]
    rows = TabularDataset.from_dataframe(df, target="y")
    reg = A.MLP(3, 1, task="regression", hidden=(32, 32))
    hist = reg.fit(rows, epochs=15, seed=0, live=False, solver=dn.solvers.Adam(0.01))
    assert hist.frame["loss"].iloc[-1] < 0.2 * np.var(df["y"])


def test_autoencoders_reconstruct_digits_better_after_training():
    from sklearn.datasets import load_digits

    x = (load_digits().images / 16.0).astype("float32")[..., None]
    train, test = x[:600], x[1500:]
    for kind in ("dense", "conv"):
        net = A.Autoencoder((8, 8, 1), kind=kind, code_size=12)
        before = np.mean((np.asarray(net.to_keras()(test)) - test) ** 2)
        hist = net.fit((train, train), epochs=4, seed=0, live=False,
                       solver=dn.solvers.Adam(0.005))
        after = np.mean((np.asarray(net.to_keras()(test)) - test) ** 2)
        assert hist.frame["loss"].is_monotonic_decreasing, kind
        assert after < 0.5 * before, kind


def test_show_reconstructions_draws_inputs_above_outputs():
    from sklearn.datasets import load_digits

    x = (load_digits().images[:10] / 16.0).astype("float32")
    net = A.Autoencoder((8, 8, 1), code_size=4)
    shown = show_reconstructions(net, x, n=6)  # (N, H, W) images for an (H, W, 1) input
    assert shown.ax_.shape == (2, 6)
    assert shown._repr_png_()[:4] == b"\x89PNG"
    top, bottom = shown.ax_[0, 0].images[0].get_array(), shown.ax_[1, 0].images[0].get_array()
    assert np.allclose(top, x[0])
    expected = np.asarray(net.to_keras()(x[:1, ..., None]))[0, ..., 0]
    assert np.allclose(bottom, expected, atol=1e-5)
    assert shown.ax_[1, 0].get_title().startswith("mse ")
    flat = A.Autoencoder(64, code_size=4, hidden=())
    assert show_reconstructions(flat, x.reshape(10, 64), n=3,
                                image_shape=(8, 8)).ax_.shape == (2, 3)
    with pytest.raises(InvalidArgumentError, match="image_shape"):
        show_reconstructions(flat, x.reshape(10, 64), n=3)


def test_text_generator_continues_a_repetitive_text():
    text = "the cat sat on the mat. " * 40
    gen = A.TextGeneration(text, seq_len=12, neurons=48)
    assert isinstance(gen, TextGenerator) and isinstance(gen, dn.Network)
    assert gen.characters == "".join(sorted(set(text)))
    x, y = gen.windows(text)
    assert x.shape == (len(text) - 12, 12) and gen.decode(x[3]) == text[3:15]
    assert gen.decode(y[:3]) == text[12:15]
    gen.fit((x, y), epochs=10, seed=0, live=False, solver=dn.solvers.Adam(0.01))
    written = gen.generate("the cat sat ", 24, temperature=0.3, seed=0)
    assert len(written) == 24 and set(written) <= set(gen.characters)
    expected = "on the mat. the cat sat "
    assert sum(a == b for a, b in zip(written, expected)) >= 20, written
    assert gen.generate("the", 10, seed=3) == gen.generate("the", 10, seed=3)


def test_text_generator_vocabulary_forms():
    ascii_gen = A.TextGeneration(128, seq_len=5, neurons=4)
    assert len(ascii_gen.characters) == 128 and ascii_gen["output1"].n == 128
    written = ascii_gen.generate("Hi", 7, temperature=2.0, seed=1)
    assert len(written) == 7 and all(ord(c) < 128 for c in written)
    assert A.TextGeneration(["b", "a", "b"], seq_len=3).characters == "ab"


# ----------------------------------------------------------------- mistakes
@pytest.mark.parametrize("call, words", [
    (lambda: A.TextClassification(1, 100), "n_classes"),
    (lambda: A.TextClassification(2, 100, rnn_type="transformer"), "rnn_type"),
    (lambda: A.TextClassification(2, 100, n_blocks=0), "n_blocks"),
    (lambda: A.TextClassification(2, 100, dropout=1.5), "dropout"),
    (lambda: A.TextClassification(2, 1.5), "vocab_size"),
    (lambda: A.SequenceLabeling(3, 50, seq_len=0), "seq_len"),
    (lambda: A.TimeSeriesForecaster(0, 10), "n_features"),
    (lambda: A.TimeSeriesForecaster(1, 10, horizon=0), "horizon"),
    (lambda: A.TimeSeriesForecaster(1, 10, neurons=-3), "neurons"),
    (lambda: A.MLP(4, 3, task="clustering"), "task"),
    (lambda: A.MLP(4, 1), "n_outputs"),
    (lambda: A.MLP(4, 3, n_classes=3), "once"),
    (lambda: A.MLP(4, hidden=(8, 0), n_classes=3), "hidden"),
    (lambda: A.Autoencoder((8, 8, 1), kind="sparse"), "kind"),
    (lambda: A.Autoencoder((7, 7, 1), kind="conv"), "multiples of 4"),
    (lambda: A.Autoencoder((64,), kind="conv"), "images"),
    (lambda: A.Autoencoder((8, -8)), "input_shape"),
    (lambda: A.TextGeneration("a", seq_len=4), "two distinct"),
    (lambda: A.TextGeneration(3.5), "characters"),
    (lambda: A.TextGeneration("abc", seq_len=0), "seq_len"),
])
def test_bad_arguments_raise_one_sentence(call, words):
    with pytest.raises(dn.DLError, match=words) as info:
        call()
    assert isinstance(info.value, (InvalidArgumentError, dn.ShapeError))
    assert str(info.value).replace("e.g. ", "").count(". ") == 0  # one sentence


def test_generator_refuses_unknown_characters_and_bad_settings():
    gen = A.TextGeneration("abc", seq_len=3)
    with pytest.raises(InvalidArgumentError, match="'xz'"):
        gen.generate("axz", 3)
    with pytest.raises(InvalidArgumentError, match="temperature"):
        gen.generate("ab", 3, temperature=0)
    with pytest.raises(InvalidArgumentError, match="at least one"):
        gen.generate("", 3)
    with pytest.raises(InvalidArgumentError, match="more than seq_len"):
        gen.windows("abc")


def test_one_label_per_example_for_several_outputs_is_refused():
    net = A.TimeSeriesForecaster(n_features=1, window=6, horizon=3, neurons=4)
    x = np.zeros((8, 6, 1), "float32")
    with pytest.raises(dn.DLError, match="one value per example"):
        net.fit((x, np.zeros(8, "float32")), epochs=1, live=False)
