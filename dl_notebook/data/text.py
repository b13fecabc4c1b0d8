"""TextDataset: labelled texts from a folder tree, a table or lists, tokenised for Keras.

The text counterpart of :class:`~dl_notebook.data.ImageDataset`. A dataset
keeps the raw texts, integer labels and a Keras ``TextVectorization`` layer
adapted on the texts it was made from; every subset shares that layer, so
token ids mean the same word everywhere. Id 0 is padding and id 1 stands
for words outside the vocabulary, as in Keras.
"""

from __future__ import annotations

import difflib
import os

import numpy as np

from .._keras import keras
from ..errors import InvalidArgumentError
from ._base import Dataset, check_batch_size, check_class_folder, ready
from ._labels import encode_labels

__all__ = ["TextDataset"]

TEXT_EXTENSIONS = (".txt",)
_STANDARDIZE = ("lower_and_strip_punctuation", "lower", "strip_punctuation")
_SPLIT = ("whitespace", "character")
_CHUNK = 4096


def _is_int(value):
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _check_settings(max_tokens, sequence_length, standardize, split, ngrams):
    """Validate the tokenisation options before Keras sees them; return ngrams normalised."""
    if max_tokens is not None and (not _is_int(max_tokens) or max_tokens < 3):
        raise InvalidArgumentError(
            "max_tokens must be an integer of at least 3 (padding, out-of-vocabulary and one "
            f"word) or None for no limit; got {max_tokens!r}."
        )
    if not _is_int(sequence_length) or sequence_length < 1:
        raise InvalidArgumentError(
            f"sequence_length must be a positive integer (tokens per text); got "
            f"{sequence_length!r}."
        )
    if not (standardize is None or callable(standardize) or standardize in _STANDARDIZE):
        raise InvalidArgumentError(
            f"standardize must be one of {list(_STANDARDIZE)}, None or a function; got "
            f"{standardize!r}."
        )
    if not (split is None or callable(split) or split in _SPLIT):
        raise InvalidArgumentError(
            f"split must be 'whitespace', 'character', None or a function; got {split!r}."
        )
    if ngrams is None:
        return None
    if _is_int(ngrams) and ngrams >= 1:
        return int(ngrams)
    if (isinstance(ngrams, (tuple, list)) and ngrams
            and all(_is_int(n) and n >= 1 for n in ngrams)):
        return tuple(int(n) for n in ngrams)
    raise InvalidArgumentError(
        f"ngrams must be None, a positive integer such as 2, or a tuple such as (1, 2); got "
        f"{ngrams!r}."
    )


def _check_texts(texts, where):
    """A list of str from *texts*; anything else is a user mistake."""
    if isinstance(texts, (str, bytes)):
        raise InvalidArgumentError(
            f"{where} must be a list of texts, not a single string; wrap it as [text]."
        )
    try:
        texts = list(texts)
    except TypeError:
        raise InvalidArgumentError(
            f"{where} must be a list of strings; got {type(texts).__name__}."
        ) from None
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            raise InvalidArgumentError(
                f"Item {i} of {where} is {type(text).__name__} ({text!r}), not a string; "
                "convert or drop it."
            )
    return texts


def _walk_texts(root):
    """Text files under *root*, sorted, skipping hidden files and folders."""
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found.extend(os.path.join(folder, f) for f in sorted(files)
                     if not f.startswith(".") and f.lower().endswith(TEXT_EXTENSIONS))
    return found


def _read_text(path, encoding):
    """``(text, None)`` or ``(None, reason)`` for the file at *path*."""
    try:
        with open(path, encoding=encoding) as f:
            text = f.read()
    except UnicodeDecodeError:
        return None, f"not {encoding} text"
    except OSError as err:
        return None, err.strerror or type(err).__name__
    return text.removeprefix("\ufeff"), None


class TextDataset(Dataset):
    """Labelled texts with a fitted Keras ``TextVectorization`` (int token ids).

    Make one with :meth:`from_texts`, :meth:`from_dataframe` or
    :meth:`from_folder` (one sub-folder of ``.txt`` files per class). The
    vectorizer is adapted on the given texts: it keeps the ``max_tokens``
    most frequent tokens (padding and out-of-vocabulary included) and turns
    each text into ``sequence_length`` ids, padded with 0 or truncated at
    the end. :meth:`subset` shares the fitted vectorizer, so a training and
    a test part speak the same vocabulary.

    Example:
        >>> from dl_notebook.data.text import TextDataset
        >>> ds = TextDataset.from_texts(["good film", "bad film", "good plot"],
        ...                             ["pos", "neg", "pos"], sequence_length=4)
        >>> ds.class_names, ds.labels.tolist(), ds.input_shape
        (['neg', 'pos'], [1, 0, 1], (4,))
        >>> ds.vocabulary[:2]
        ['', '[UNK]']
        >>> ds.encode(["good film"]).tolist() == [[ds.vocabulary.index("good"),
        ...                                        ds.vocabulary.index("film"), 0, 0]]
        True
    """

    task = "classification"

    item = "text"

    def __init__(self, *, texts, labels, class_names, vectorizer, settings, ids=None,
                 skipped=None):
        self._texts = list(texts)
        self._labels = np.asarray(labels, dtype=np.int64)
        self.class_names = list(class_names)
        self._vectorizer = vectorizer
        self._settings = dict(settings)
        self._ids = ids
        self.skipped = list(skipped or [])

    # ----------------------------------------------------------------- constructors
    @classmethod
    def from_texts(cls, texts, labels, class_names=None, max_tokens=20000, sequence_length=200,
                   standardize="lower_and_strip_punctuation", split="whitespace", ngrams=None):
        """Make a dataset from a list of texts and one label per text.

        Args:
            texts: the texts (strings).
            labels: one class name or integer label per text.
            class_names: order of the classes (default: sorted string labels,
                or ``"0"``, ``"1"``, ... for integer labels).
            max_tokens: vocabulary size, padding and out-of-vocabulary
                included; None keeps every token.
            sequence_length: token ids per text (shorter texts are padded
                with 0, longer ones cut).
            standardize: ``"lower_and_strip_punctuation"``, ``"lower"``,
                ``"strip_punctuation"``, None or a function on string tensors.
            split: ``"whitespace"``, ``"character"``, None or a function.
            ngrams: None, an integer n (all 1..n-grams) or a tuple of sizes.

        Example:
            >>> from dl_notebook.data.text import TextDataset
            >>> ds = TextDataset.from_texts(["a b", "b c", "c d"], [0, 1, 1])
            >>> len(ds), ds.class_names
            (3, ['0', '1'])
        """
        texts = _check_texts(texts, "texts")
        if not texts:
            raise InvalidArgumentError("texts is empty; give at least one text per class.")
        if isinstance(labels, str):
            labels = [labels]
        labels = np.asarray(list(labels)).reshape(-1)
        if len(labels) != len(texts):
            raise InvalidArgumentError(
                f"Got {len(texts)} texts but {len(labels)} labels; give one label per text."
            )
        return cls._build(texts, labels, class_names, max_tokens, sequence_length, standardize,
                          split, ngrams, skipped=[], where="the labels")

    @classmethod
    def from_dataframe(cls, df, text_col, label_col, max_tokens=20000, sequence_length=200,
                       standardize="lower_and_strip_punctuation", split="whitespace",
                       ngrams=None, *, class_names=None):
        """Make a dataset from a pandas DataFrame with a text column and a label column.

        Args:
            df: the table, one row per text.
            text_col: column with the texts.
            label_col: column with class names or integer labels.
            max_tokens, sequence_length, standardize, split, ngrams,
                class_names: as :meth:`from_texts`.

        Example:
            >>> import pandas as pd
            >>> from dl_notebook.data.text import TextDataset
            >>> df = pd.DataFrame({"review": ["fine", "awful", "great"],
            ...                    "label": ["pos", "neg", "pos"]})
            >>> TextDataset.from_dataframe(df, "review", "label", sequence_length=8)
            TextDataset(3 texts, 2 classes, vocabulary 5, sequence_length=8)
        """
        columns = [str(c) for c in df.columns]
        for col in (text_col, label_col):
            if col not in df.columns:
                close = difflib.get_close_matches(str(col), columns, n=3)
                hint = (f"did you mean {' or '.join(repr(c) for c in close)}?" if close
                        else f"use one of {columns}.")
                raise InvalidArgumentError(f"The table has no column {col!r}; {hint}")
        missing = df[text_col].isna() | df[label_col].isna()
        if missing.any():
            row = df.index[np.flatnonzero(missing.to_numpy())[0]]
            raise InvalidArgumentError(
                f"Row {row!r} has no {text_col!r} or no {label_col!r} ({int(missing.sum())} "
                "such rows); drop them with df.dropna() or fill them."
            )
        return cls.from_texts(_check_texts(df[text_col], f"column {text_col!r}"),
                              df[label_col].to_numpy(), class_names=class_names,
                              max_tokens=max_tokens, sequence_length=sequence_length,
                              standardize=standardize, split=split, ngrams=ngrams)

    @classmethod
    def from_folder(cls, path, max_tokens=20000, sequence_length=200,
                    standardize="lower_and_strip_punctuation", split="whitespace", ngrams=None,
                    *, encoding="utf-8", verbose=True):
        """Load ``.txt`` files from a folder tree whose sub-folder names are the class names.

        Files ending in ``.txt`` (any letter case) are found recursively
        inside each class sub-folder; hidden files and folders are ignored.
        Files that cannot be decoded with *encoding* are skipped and listed
        in ``ds.skipped`` as ``(path, reason)``; one summary line is printed.

        Args:
            path: the root folder.
            max_tokens, sequence_length, standardize, split, ngrams: as
                :meth:`from_texts`.
            encoding: the files' text encoding.
            verbose: print the summary line.

        Example:
            >>> import tempfile, os
            >>> from dl_notebook.data.text import TextDataset
            >>> root = tempfile.mkdtemp()
            >>> for cls, words in (("neg", "dull slow"), ("pos", "sharp funny")):
            ...     os.makedirs(os.path.join(root, cls))
            ...     for i in range(2):
            ...         with open(os.path.join(root, cls, f"{i}.txt"), "w") as f:
            ...             _ = f.write(words)
            >>> ds = TextDataset.from_folder(root, sequence_length=3)
            Loaded 4 texts in 2 classes.
        """
        root = check_class_folder(path, ".txt files")
        texts, labels, skipped = [], [], []
        for file in _walk_texts(root):
            parents = os.path.relpath(file, root).split(os.sep)[:-1]
            if not parents:
                skipped.append((file, "not inside a class folder"))
                continue
            text, reason = _read_text(file, encoding)
            if text is None:
                skipped.append((file, reason))
                continue
            texts.append(text)
            labels.append(parents[0])
        if not texts:
            raise InvalidArgumentError(
                f"Folder {root!r} has no readable .txt files in class sub-folders; put the "
                "texts of each class in a sub-folder named after it."
            )
        ds = cls._build(texts, np.asarray(labels), None, max_tokens, sequence_length,
                        standardize, split, ngrams, skipped=skipped, where=repr(root))
        if verbose:
            print(ds._load_message())
        return ds

    @classmethod
    def _build(cls, texts, labels, class_names, max_tokens, sequence_length, standardize, split,
               ngrams, skipped, where):
        ngrams = _check_settings(max_tokens, sequence_length, standardize, split, ngrams)
        int_labels, class_names = encode_labels(labels, class_names)
        if len(class_names) < 2:
            raise InvalidArgumentError(
                f"Only one class ({class_names[0]!r}) found in {where}; a classifier needs at "
                "least two, one label (or sub-folder) per class."
            )
        settings = dict(max_tokens=max_tokens, sequence_length=int(sequence_length),
                        standardize=standardize, split=split, ngrams=ngrams)
        layer = keras().layers.TextVectorization(output_mode="int",
                                                 output_sequence_length=int(sequence_length),
                                                 max_tokens=max_tokens, standardize=standardize,
                                                 split=split, ngrams=ngrams)
        layer.adapt(np.asarray(texts, dtype=object), batch_size=_CHUNK)
        return cls(texts=texts, labels=int_labels, class_names=class_names, vectorizer=layer,
                   settings=settings, skipped=skipped)

    # ----------------------------------------------------------------- basics
    def __repr__(self):
        return (f"TextDataset({len(self):,} texts, {len(self.class_names)} classes, "
                f"vocabulary {self.vocabulary_size:,}, "
                f"sequence_length={self.sequence_length})")

    @property
    def texts(self):
        """The raw texts, in dataset order."""
        return list(self._texts)

    @property
    def sequence_length(self) -> int:
        """Token ids per text."""
        return self._settings["sequence_length"]

    @property
    def input_shape(self):
        """Shape of one item without the batch axis: ``(sequence_length,)``."""
        return (self.sequence_length,)

    @property
    def vectorizer(self):
        """The fitted Keras ``TextVectorization`` layer (strings in, int ids out).

        Put it first in a model to feed it raw strings; it is shared by
        every subset of this dataset.
        """
        return self._vectorizer

    @property
    def vocabulary(self):
        """The fitted vocabulary as a list: ``""`` (padding, id 0), ``"[UNK]"`` (id 1), words."""
        return [str(token) for token in self._vectorizer.get_vocabulary()]

    @property
    def vocabulary_size(self) -> int:
        """Number of token ids (padding and out-of-vocabulary included): an Embedding's input_dim."""
        return int(self._vectorizer.vocabulary_size())

    def encode(self, texts):
        """Token ids of new texts with this dataset's vocabulary, as int32 ``N×sequence_length``.

        Example:
            >>> from dl_notebook.data.text import TextDataset
            >>> ds = TextDataset.from_texts(["red red red blue", "blue"], ["x", "y"],
            ...                             sequence_length=5)
            >>> ds.encode(["Red, green!"]).tolist()
            [[2, 1, 0, 0, 0]]
        """
        import tensorflow as tf

        texts = _check_texts(texts, "texts")
        if not texts:
            return np.zeros((0, self.sequence_length), np.int32)
        parts = [self._vectorizer(tf.constant(texts[i:i + _CHUNK], dtype=tf.string))
                 for i in range(0, len(texts), _CHUNK)]
        return np.concatenate([np.asarray(p) for p in parts]).astype(np.int32)

    def _token_ids(self):
        if self._ids is None:
            import tensorflow as tf

            with tf.init_scope():  # also when first asked while a tf.function is traced
                self._ids = self.encode(self._texts)
        return self._ids

    def subset(self, indices):
        """A dataset holding only the texts at *indices* (or a boolean mask), same vocabulary.

        Example:
            >>> from dl_notebook.data.text import TextDataset
            >>> ds = TextDataset.from_texts(["a", "b", "c", "d"], [0, 1, 1, 0])
            >>> part = ds.subset([1, 2])
            >>> part.labels.tolist(), part.vectorizer is ds.vectorizer
            ([1, 1], True)
        """
        idx = self._indices(indices)
        return type(self)(texts=[self._texts[i] for i in idx], labels=self._labels[idx],
                          class_names=self.class_names, vectorizer=self._vectorizer,
                          settings=self._settings,
                          ids=None if self._ids is None else self._ids[idx])

    # ----------------------------------------------------------------- outputs
    def to_tf_dataset(self, batch_size=32, shuffle=False, seed=None):
        """A batched ``tf.data.Dataset`` of ``(token ids int32 N×sequence_length, labels int32)``.

        Args:
            batch_size: texts per batch.
            shuffle: shuffle the texts (again every epoch).
            seed: seed for shuffling.

        Example:
            >>> from dl_notebook.data.text import TextDataset
            >>> ds = TextDataset.from_texts(["a b", "c", "d e f"], [0, 1, 0], sequence_length=6)
            >>> x, y = next(iter(ds.to_tf_dataset(batch_size=2)))
            >>> tuple(x.shape), x.dtype.name, y.dtype.name
            ((2, 6), 'int32', 'int32')
        """
        import tensorflow as tf

        check_batch_size(batch_size)
        ds = tf.data.Dataset.from_tensor_slices((self._token_ids(),
                                                 self._labels.astype(np.int32)))
        if shuffle:
            ds = ds.shuffle(max(1, len(self)), seed=seed, reshuffle_each_iteration=True)
        return ready(ds.batch(int(batch_size)))

    def to_numpy(self):
        """All token ids and labels as numpy arrays ``(x int32 N×sequence_length, y int32)``.

        Example:
            >>> from dl_notebook.data.text import TextDataset
            >>> x, y = TextDataset.from_texts(["a", "b"], [0, 1], sequence_length=3).to_numpy()
            >>> x.shape, y.tolist()
            ((2, 3), [0, 1])
        """
        return self._token_ids().copy(), self._labels.astype(np.int32)
