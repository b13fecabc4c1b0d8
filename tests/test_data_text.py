"""TextDataset on real texts: Keras TextVectorization, .txt folders in tmp_path, a small model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import dl_notebook as dn
from dl_notebook.data.text import TextDataset

REVIEWS = ["the film was good", "a bad bad plot", "good acting and a good story",
           "the ending was bad"]
SENTIMENT = ["pos", "neg", "pos", "neg"]


@pytest.fixture(scope="module")
def reviews():
    return TextDataset.from_texts(REVIEWS, SENTIMENT, sequence_length=6)


def _ids(ds, *words):
    return [ds.vocabulary.index(w) for w in words]


# ----------------------------------------------------------------- vocabulary and ids
def test_vocabulary_is_padding_oov_then_words_by_frequency(reviews):
    vocab = reviews.vocabulary
    assert vocab[:2] == ["", "[UNK]"]
    assert all(isinstance(token, str) for token in vocab)
    # "good", "bad" (3 each) and "a", "the", "was" (2 each) come before single words.
    assert set(vocab[2:4]) == {"good", "bad"} and set(vocab[4:7]) == {"a", "the", "was"}
    words = {w for text in REVIEWS for w in text.split()}
    assert set(vocab[2:]) == words and reviews.vocabulary_size == len(words) + 2


def test_max_tokens_caps_the_vocabulary():
    ds = TextDataset.from_texts(REVIEWS, SENTIMENT, max_tokens=4, sequence_length=6)
    assert ds.vocabulary_size == 4 and ds.vocabulary[:2] == ["", "[UNK]"]
    assert set(ds.vocabulary[2:]) == {"good", "bad"}
    x, _ = ds.to_numpy()
    assert x.max() <= 3


def test_padding_and_truncation_to_sequence_length(reviews):
    x, y = reviews.to_numpy()
    assert x.shape == (4, 6) and x.dtype == np.int32 and y.dtype == np.int32
    assert x[0].tolist() == _ids(reviews, "the", "film", "was", "good") + [0, 0]
    short = TextDataset.from_texts(REVIEWS, SENTIMENT, sequence_length=2)
    assert short.to_numpy()[0][2].tolist() == _ids(short, "good", "acting")
    assert short.input_shape == (2,)


def test_unknown_words_get_the_oov_id_and_standardize_applies(reviews):
    ids = reviews.encode(["GOOD, unseen words!", ""])
    assert ids.dtype == np.int32 and ids.shape == (2, 6)
    assert ids[0].tolist() == _ids(reviews, "good") + [1, 1, 0, 0, 0]
    assert ids[1].tolist() == [0] * 6
    assert reviews.encode([]).shape == (0, 6)


def test_encode_matches_to_numpy_and_is_shared_by_subsets(reviews):
    x, _ = reviews.to_numpy()
    assert np.array_equal(reviews.encode(REVIEWS), x)
    part = reviews.subset([3, 1])
    assert part.vectorizer is reviews.vectorizer and part.vocabulary == reviews.vocabulary
    assert part.texts == [REVIEWS[3], REVIEWS[1]] and part.labels.tolist() == [0, 0]
    assert np.array_equal(part.to_numpy()[0], x[[3, 1]])
    new = ["bad story", "good film"]
    assert np.array_equal(part.encode(new), reviews.encode(new))
    mask = reviews.subset(np.array([True, False, True, False]))
    assert mask.labels.tolist() == [1, 1] and mask.class_names == reviews.class_names


def test_subset_made_before_any_encoding_agrees():
    ds = TextDataset.from_texts(REVIEWS, SENTIMENT, sequence_length=6)
    part = ds.subset([2])  # nothing encoded yet
    assert np.array_equal(part.to_numpy()[0], ds.to_numpy()[0][[2]])


def test_ngrams_add_pair_tokens():
    ds = TextDataset.from_texts(["new york", "old york"], [0, 1], ngrams=2, sequence_length=4)
    assert "new york" in ds.vocabulary
    assert ds.encode(["new york"])[0].tolist()[:3] == _ids(ds, "new", "york", "new york")


def test_vectorizer_runs_inside_a_model_on_raw_strings(reviews):
    import keras

    model = keras.Sequential([reviews.vectorizer])
    out = np.asarray(model(np.array(["the film was good"])))
    assert out.tolist() == reviews.encode(["the film was good"]).tolist()


# ----------------------------------------------------------------- protocol
def test_protocol_attributes_repr_and_label_freq(reviews):
    assert len(reviews) == 4 and reviews.task == "classification"
    assert reviews.class_names == ["neg", "pos"] and reviews.labels.tolist() == [1, 0, 1, 0]
    assert repr(reviews) == (f"TextDataset(4 texts, 2 classes, vocabulary "
                             f"{reviews.vocabulary_size}, sequence_length=6)")
    freq = reviews.label_freq()
    assert freq.columns.tolist() == ["class", "count", "percent"]
    assert freq["count"].tolist() == [2, 2] and freq["percent"].tolist() == [50.0, 50.0]


def test_splits_work_and_share_the_vocabulary():
    texts = [f"text number {i} {'good' if i % 2 else 'bad'}" for i in range(20)]
    ds = TextDataset.from_texts(texts, [i % 2 for i in range(20)], sequence_length=5)
    train, test = dn.two_way_split(ds, test_rate=20, seed=0)
    assert (len(train), len(test)) == (16, 4)
    assert train.vectorizer is test.vectorizer is ds.vectorizer
    assert isinstance(test, TextDataset)


def test_to_tf_dataset_dtypes_shapes_and_shuffle(reviews):
    batches = list(reviews.to_tf_dataset(batch_size=3))
    assert [tuple(x.shape) for x, _ in batches] == [(3, 6), (1, 6)]
    assert all(x.dtype.name == "int32" and y.dtype.name == "int32" for x, y in batches)
    x = np.concatenate([b[0].numpy() for b in batches])
    assert np.array_equal(x, reviews.to_numpy()[0])
    spec = reviews.to_tf_dataset().element_spec
    assert spec[0].shape.as_list() == [None, 6] and spec[1].shape.as_list() == [None]

    def order(seed):
        ds = reviews.to_tf_dataset(batch_size=4, shuffle=True, seed=seed)
        return next(iter(ds))[0].numpy().tolist()

    assert order(3) == order(3)
    assert sorted(order(3)) == sorted(reviews.to_numpy()[0].tolist())


# ----------------------------------------------------------------- constructors
def test_from_dataframe_reads_columns():
    df = pd.DataFrame({"review": REVIEWS, "stars": [5, 1, 4, 2], "mood": SENTIMENT})
    ds = TextDataset.from_dataframe(df, "review", "mood", sequence_length=6)
    assert ds.texts == REVIEWS and ds.class_names == ["neg", "pos"]
    ints = TextDataset.from_dataframe(df, "review", "stars", sequence_length=6)
    assert ints.class_names == ["0", "1", "2", "3", "4", "5"]
    ordered = TextDataset.from_dataframe(df, "review", "mood", class_names=["pos", "neg"])
    assert ordered.labels.tolist() == [0, 1, 0, 1]


def test_from_folder_skips_bad_encoding_hidden_and_loose_files(tmp_path, capsys):
    (tmp_path / "pos").mkdir()
    (tmp_path / "neg" / "deeper").mkdir(parents=True)
    (tmp_path / "pos" / "a.txt").write_text("a good film", encoding="utf-8")
    (tmp_path / "pos" / "B.TXT").write_text("\ufeffgood good", encoding="utf-8")
    (tmp_path / "pos" / ".hidden.txt").write_text("bad", encoding="utf-8")
    (tmp_path / "pos" / "notes.md").write_text("bad", encoding="utf-8")
    (tmp_path / "neg" / "c.txt").write_text("a bad film", encoding="utf-8")
    (tmp_path / "neg" / "deeper" / "d.txt").write_text("très bad", encoding="utf-8")
    (tmp_path / "neg" / "latin.txt").write_bytes("très mauvais".encode("latin-1"))
    (tmp_path / "loose.txt").write_text("good", encoding="utf-8")
    ds = TextDataset.from_folder(tmp_path, sequence_length=4)
    out = capsys.readouterr().out
    assert out == "Loaded 4 texts in 2 classes; skipped 2 unreadable files (see .skipped).\n"
    assert ds.class_names == ["neg", "pos"]
    assert sorted(zip(ds.texts, ds.labels.tolist())) == [
        ("a bad film", 0), ("a good film", 1), ("good good", 1), ("très bad", 0)]
    skipped = {path.rsplit("/", 1)[-1]: reason for path, reason in ds.skipped}
    assert skipped == {"latin.txt": "not utf-8 text", "loose.txt": "not inside a class folder"}
    assert "très" in ds.vocabulary and "[UNK]" in ds.vocabulary
    latin = TextDataset.from_folder(tmp_path, encoding="latin-1", verbose=False)
    assert len(latin) == 5 and capsys.readouterr().out == ""


# ----------------------------------------------------------------- mistakes
@pytest.mark.parametrize("kwargs,fragment", [
    ({"max_tokens": 0}, "max_tokens must be an integer of at least 3"),
    ({"max_tokens": 2.5}, "max_tokens must be an integer"),
    ({"sequence_length": 0}, "sequence_length must be a positive integer"),
    ({"sequence_length": None}, "sequence_length must be a positive integer"),
    ({"standardize": "upper"}, "standardize must be one of"),
    ({"split": "comma"}, "split must be 'whitespace'"),
    ({"ngrams": 0}, "ngrams must be None"),
])
def test_bad_settings_raise_one_sentence(kwargs, fragment):
    with pytest.raises(dn.InvalidArgumentError, match=fragment) as info:
        TextDataset.from_texts(REVIEWS, SENTIMENT, **kwargs)
    assert str(info.value).count(". ") == 0 and str(info.value).endswith(".")


def test_bad_inputs_raise_clear_errors(reviews, tmp_path):
    err = dn.InvalidArgumentError
    with pytest.raises(err, match="texts is empty"):
        TextDataset.from_texts([], [])
    with pytest.raises(err, match="Got 4 texts but 3 labels"):
        TextDataset.from_texts(REVIEWS, SENTIMENT[:3])
    with pytest.raises(err, match=r"Only one class \('pos'\)"):
        TextDataset.from_texts(REVIEWS, ["pos"] * 4)
    with pytest.raises(err, match="not a single string"):
        TextDataset.from_texts("good film", ["pos"])
    with pytest.raises(err, match="Item 1 of texts is int"):
        TextDataset.from_texts(["a", 3], [0, 1])
    with pytest.raises(err, match="Label 'x' is not in class_names"):
        TextDataset.from_texts(["a", "b"], ["x", "y"], class_names=["y", "z"])
    with pytest.raises(err, match="batch_size must be a positive integer"):
        reviews.to_tf_dataset(batch_size=0)
    with pytest.raises(err, match="Indices must lie in 0..3"):
        reviews.subset([4])
    with pytest.raises(err, match="does not exist"):
        TextDataset.from_folder(tmp_path / "nowhere")
    (tmp_path / "only").mkdir()
    (tmp_path / "only" / "a.txt").write_text("x")
    with pytest.raises(err, match="Only one class"):
        TextDataset.from_folder(tmp_path, verbose=False)
    empty = tmp_path / "empty"
    (empty / "a").mkdir(parents=True)
    with pytest.raises(err, match="no readable .txt files"):
        TextDataset.from_folder(empty)


def test_dataframe_mistakes_suggest_columns():
    df = pd.DataFrame({"review": ["a", "b", None], "label": ["x", "y", "x"]})
    with pytest.raises(dn.InvalidArgumentError,
                       match=r"no column 'reviews'; did you mean 'review'\?"):
        TextDataset.from_dataframe(df, "reviews", "label")
    with pytest.raises(dn.InvalidArgumentError, match=r"no column 'zzz'; use one of"):
        TextDataset.from_dataframe(df, "review", "zzz")
    with pytest.raises(dn.InvalidArgumentError, match=r"Row 2 has no 'review'.*dropna"):
        TextDataset.from_dataframe(df, "review", "label")


# ----------------------------------------------------------------- a real model
def test_embedding_model_learns_good_versus_bad():
    import keras

    rng = np.random.default_rng(0)
    filler = "the a movie plot actor scene story was is very quite and it this".split()
    texts, labels = [], []
    for i in range(160):
        label = i % 2
        words = list(rng.choice(filler, size=int(rng.integers(4, 9))))
        for _ in range(int(rng.integers(1, 3))):
            words.insert(int(rng.integers(0, len(words) + 1)),
                         str(rng.choice(["good", "great", "fine"] if label else
                                        ["bad", "awful", "poor"])))
        texts.append(" ".join(words))
        labels.append("positive" if label else "negative")
    ds = TextDataset.from_texts(texts, labels, max_tokens=100, sequence_length=12)

    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input(shape=ds.input_shape, dtype="int32"),
        keras.layers.Embedding(ds.vocabulary_size, 8),
        keras.layers.GlobalAveragePooling1D(),
        keras.layers.Dense(len(ds.class_names), activation="softmax"),
    ])
    model.compile(optimizer=keras.optimizers.Adam(0.05),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(ds.to_tf_dataset(batch_size=16, shuffle=True, seed=0), epochs=8, verbose=0,
              shuffle=False)
    _, accuracy = model.evaluate(ds.to_tf_dataset(batch_size=64), verbose=0)
    assert accuracy > 0.9



def test_seeded_fit_on_a_dataset_never_encoded_trains():
    # The token ids are first asked for inside the traced per-epoch stream of a seeded
    # fit; they must still be encoded eagerly (no symbolic tensor to numpy).
    ds = TextDataset.from_texts(REVIEWS * 4, SENTIMENT * 4, sequence_length=6)
    assert ds._ids is None
    net = dn.Sequential(layers=[dn.layers.InputLayer(shape=ds.input_shape),
                                dn.layers.Embedding(ds.vocabulary_size, 4),
                                dn.layers.Flatten(), dn.layers.OutputLayer(2)])
    hist = net.fit(ds, epochs=2, batch_size=4, seed=3, live=False)
    assert hist.status == dn.RunStatus.COMPLETED, hist.error
    assert len(hist.frame) == 2 and np.isfinite(hist.frame["loss"]).all()
    np.testing.assert_array_equal(ds._ids, ds.encode(REVIEWS * 4))
