"""Recurrent networks for text (DLPy ``TextClassification``, ``TextGeneration``, ``SequenceLabeling``).

Each builder returns an editable ``dn.Sequential``: an ``InputLayer`` of
integer token ids, an ``Embedding``, ``n_blocks`` recurrent layers
(``rnn1``, ``rnn2``, …) and a softmax ``OutputLayer``. Token ids come
from a :class:`~dl_notebook.data.TextDataset` (id 0 is padding, masked by
the embedding) or, for :func:`TextGeneration`, from the network's own
character table (:class:`TextGenerator`).

The helpers :func:`check_count`, :func:`check_choice`, :func:`check_rate` and
:func:`recurrent_stack` are shared with the time-series forecaster.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..errors import InvalidArgumentError
from ..model import Sequential
from ..model import layers as L
from ._zoo import application

__all__ = ["SequenceLabeling", "TextClassification", "TextGeneration", "TextGenerator"]

RNN_TYPES = ("gru", "lstm", "rnn")


def check_count(value, what, where, minimum=1, allow_none=False):
    """*value* as an int of at least *minimum* (or None when allowed), else a one-sentence error."""
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        extra = " or None" if allow_none else ""
        raise InvalidArgumentError(
            f"{where}: {what} must be an integer of at least {minimum}{extra}; got {value!r}."
        )
    return int(value)


def check_choice(value, what, where, choices):
    """*value* (a word, any case) if it is one of *choices*, else a one-sentence error."""
    word = value.lower() if isinstance(value, str) else value
    if word not in choices:
        raise InvalidArgumentError(
            f"{where}: {what} must be one of {', '.join(map(repr, choices))}; got {value!r}."
        )
    return word


def check_rate(value, where):
    """A dropout rate in [0, 1) as a float, else a one-sentence error."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 <= value < 1:
        raise InvalidArgumentError(f"{where}: dropout must be a number in [0, 1); got {value!r}.")
    return float(value)


def recurrent_stack(neurons, n_blocks, rnn_type, *, bidirectional, sequences, where):
    """``n_blocks`` recurrent layers ``rnn1``, ``rnn2``, …; all but the last return every step.

    Args:
        neurons: units of each layer (each direction).
        n_blocks: number of layers.
        rnn_type: ``"gru"``, ``"lstm"`` or ``"rnn"``.
        bidirectional: read the sequence both ways in every layer.
        sequences: whether the last layer also returns every step.
        where: the builder's name, for messages.

    Example:
        >>> from dl_notebook.applications.text import recurrent_stack
        >>> [(r.name, r.output_type) for r in recurrent_stack(8, 2, "gru", bidirectional=True,
        ...                                                    sequences=False, where="demo")]
        [('rnn1', 'samelength'), ('rnn2', 'encoding')]
    """
    neurons = check_count(neurons, "neurons", where)
    n_blocks = check_count(n_blocks, "n_blocks", where)
    rnn_type = check_choice(rnn_type, "rnn_type", where, RNN_TYPES)
    return [L.Recurrent(neurons, rnn_type=rnn_type, bidirectional=bool(bidirectional),
                        output_type="samelength" if sequences or i < n_blocks else "encoding",
                        name=f"rnn{i}")
            for i in range(1, n_blocks + 1)]


def _token_layers(vocab_size, seq_len, embedding_dim, where):
    vocab_size = check_count(vocab_size, "vocab_size", where, minimum=2)
    seq_len = check_count(seq_len, "seq_len", where, allow_none=True)
    embedding_dim = check_count(embedding_dim, "embedding_dim", where)
    return [L.InputLayer(shape=(seq_len,), dtype="int32", name="input1"),
            L.Embedding(vocab_size, embedding_dim, mask_zero=True, name="embedding1")]


def _head(dropout, where):
    dropout = check_rate(dropout, where)
    return [L.Dropout(dropout, name="dropout1")] if dropout else []


@application("text_classification", title="Text classifier (RNN)", task="text")
def TextClassification(n_classes, vocab_size, seq_len=None, *, embedding_dim=32, neurons=10,
                       n_blocks=3, rnn_type="gru", bidirectional=True, dropout=0.2,
                       name="text_classifier"):
    """A text classifier: embedding, stacked (bi)directional recurrent layers and a softmax.

    As DLPy's ``TextClassification``: ``n_blocks`` recurrent layers of
    ``neurons`` units each (``rnn1`` … ``rnnN``, bidirectional by default);
    all but the last return every step, the last one its final state,
    which a softmax ``OutputLayer`` (``output1``) classifies. Token ids come
    first through ``embedding1``, which masks the padding id 0, so padded
    texts of a :class:`~dl_notebook.data.TextDataset` train as they are.

    Args:
        n_classes: number of classes.
        vocab_size: token ids, padding and unknown included
            (``TextDataset.vocabulary_size``).
        seq_len: tokens per text (``TextDataset.sequence_length``), or None
            for texts of any length.
        embedding_dim: size of each token's vector.
        neurons: units of each recurrent layer (each direction).
        n_blocks: number of recurrent layers.
        rnn_type: ``"gru"``, ``"lstm"`` or ``"rnn"``.
        bidirectional: read the texts both ways.
        dropout: rate of a ``Dropout`` layer (``dropout1``) before the output; 0 for none.
        name: the network's name.

    Returns:
        A new ``dn.Sequential`` (untrained).

    Example:
        >>> import dl_notebook as dn
        >>> net = dn.applications.TextClassification(3, vocab_size=100, seq_len=12, n_blocks=2)
        >>> net.layer_names
        ['input1', 'embedding1', 'rnn1', 'rnn2', 'dropout1', 'output1']
        >>> net["rnn1"].output_shape, net["output1"].output_shape
        ((None, 12, 20), (None, 3))
    """
    where = "TextClassification"
    n_classes = check_count(n_classes, "n_classes", where, minimum=2)
    layers = _token_layers(vocab_size, seq_len, embedding_dim, where)
    layers += recurrent_stack(neurons, n_blocks, rnn_type, bidirectional=bidirectional,
                              sequences=False, where=where)
    layers += _head(dropout, where)
    layers.append(L.OutputLayer(n_classes, act="softmax", name="output1"))
    return Sequential(name=name, layers=layers)


@application("sequence_labeling", title="Sequence labeller (RNN)", task="text")
def SequenceLabeling(n_tags, vocab_size, seq_len=None, *, embedding_dim=32, neurons=10,
                     n_blocks=3, rnn_type="gru", bidirectional=True, dropout=0.0,
                     name="sequence_labeling_model"):
    """One label per token: recurrent layers that return every step and a softmax per step.

    As DLPy's ``SequenceLabeling`` (part-of-speech tags, named entities):
    ``n_blocks`` recurrent layers (``rnn1`` … ``rnnN``) all return one
    output per token, and ``output1`` applies the same softmax over
    ``n_tags`` to each step. Padding (id 0) is masked, so padded steps
    count neither in the loss nor in the accuracy. Train it on token ids
    ``(N, steps)`` and tag ids ``(N, steps)``: ``fit`` reads integer labels
    with one axis fewer than the output as one class per token.

    Args:
        n_tags: number of tags (classes per token).
        vocab_size: token ids, padding included.
        seq_len: tokens per sequence, or None for any length.
        embedding_dim, neurons, n_blocks, rnn_type, bidirectional, dropout,
            name: as :func:`TextClassification`.

    Returns:
        A new ``dn.Sequential`` (untrained).

    Example:
        >>> import dl_notebook as dn
        >>> net = dn.applications.SequenceLabeling(5, vocab_size=50, seq_len=9, n_blocks=1)
        >>> net.layer_names, net["output1"].output_shape
        (['input1', 'embedding1', 'rnn1', 'output1'], (None, 9, 5))
    """
    where = "SequenceLabeling"
    n_tags = check_count(n_tags, "n_tags", where, minimum=2)
    layers = _token_layers(vocab_size, seq_len, embedding_dim, where)
    layers += recurrent_stack(neurons, n_blocks, rnn_type, bidirectional=bidirectional,
                              sequences=True, where=where)
    layers += _head(dropout, where)
    layers.append(L.OutputLayer(n_tags, act="softmax", name="output1"))
    return Sequential(name=name, layers=layers)


def _characters(characters, where):
    """The sorted distinct characters of a text or list, or ``chr(0)…chr(n-1)`` for a count."""
    if isinstance(characters, numbers.Integral) and not isinstance(characters, bool):
        return "".join(chr(i) for i in range(check_count(characters, "vocab_size", where, 2)))
    if isinstance(characters, (list, tuple)) and all(
            isinstance(c, str) and len(c) == 1 for c in characters):
        characters = "".join(characters)
    if not isinstance(characters, str):
        raise InvalidArgumentError(
            f"{where}: give the characters as a text (its distinct characters), a list of "
            f"characters or a vocabulary size; got {type(characters).__name__}."
        )
    characters = "".join(sorted(set(characters)))
    if len(characters) < 2:
        raise InvalidArgumentError(
            f"{where}: the vocabulary needs at least two distinct characters; got "
            f"{characters!r}."
        )
    return characters


class TextGenerator(Sequential):
    """A character-level network that predicts the next character (from :func:`TextGeneration`).

    It is a ``dn.Sequential`` that also knows its characters: character
    ``characters[i]`` has id ``i``. :meth:`windows` cuts a text into
    training pairs, ``fit`` trains on them, :meth:`generate` writes.

    Attributes:
        characters: the vocabulary, one character per id.
        seq_len: characters of context each prediction reads.
    """

    def __init__(self, name=None, layers=None, *, characters, seq_len):
        super().__init__(name=name, layers=layers)
        self.characters = characters
        self.seq_len = seq_len
        self._ids = {c: i for i, c in enumerate(characters)}
        self._predict = None  # (keras model, compiled function) of the last generate

    def encode(self, text) -> np.ndarray:
        """The ids of the characters of *text* (int32), or an error naming unknown characters.

        Example:
            >>> import dl_notebook as dn
            >>> gen = dn.applications.TextGeneration("abc", seq_len=2)
            >>> gen.encode("cab").tolist(), gen.decode([2, 0, 1])
            ([2, 0, 1], 'cab')
        """
        if not isinstance(text, str):
            raise InvalidArgumentError(f"The text must be a string; got {type(text).__name__}.")
        unknown = sorted(set(text) - self._ids.keys())
        if unknown:
            raise InvalidArgumentError(
                f"The text holds characters the network does not know ({''.join(unknown)!r}); "
                f"its characters are {self.characters!r}."
            )
        return np.fromiter((self._ids[c] for c in text), dtype=np.int32, count=len(text))

    def decode(self, ids) -> str:
        """The text of a sequence of character ids."""
        return "".join(self.characters[int(i)] for i in ids)

    def windows(self, text, stride=1):
        """Training pairs from *text*: every ``seq_len`` characters and the character after them.

        Args:
            text: the text to learn (only characters the network knows).
            stride: characters between the starts of consecutive windows.

        Returns:
            ``(x, y)``: int32 ids ``(N, seq_len)`` and the next character's id ``(N,)``.

        Example:
            >>> import dl_notebook as dn
            >>> gen = dn.applications.TextGeneration("abcd", seq_len=3)
            >>> x, y = gen.windows("abcdab")
            >>> x.tolist(), y.tolist()
            ([[0, 1, 2], [1, 2, 3], [2, 3, 0]], [3, 0, 1])
        """
        ids = self.encode(text)
        stride = check_count(stride, "stride", "windows")
        if len(ids) <= self.seq_len:
            raise InvalidArgumentError(
                f"windows: the text has {len(ids)} characters; it needs more than seq_len "
                f"({self.seq_len})."
            )
        x = np.lib.stride_tricks.sliding_window_view(ids[:-1], self.seq_len)[::stride]
        return np.ascontiguousarray(x), ids[self.seq_len:][::stride].copy()

    def _probabilities(self, context):
        """Next-character probabilities after the id sequence *context* (float64)."""
        import tensorflow as tf

        model = self.to_keras()
        if self._predict is None or self._predict[0] is not model:
            fn = tf.function(lambda x: model(x, training=False), reduce_retracing=True)
            self._predict = (model, fn)
        out = self._predict[1](tf.constant(np.asarray(context, np.int32)[None, :]))
        return np.asarray(out, dtype=np.float64)[0]

    def generate(self, seed_text, n, temperature=1.0, seed=None) -> str:
        """Write *n* characters after *seed_text*, one at a time, by sampling the network.

        Each step reads the last ``seq_len`` characters (fewer at first), and
        draws the next one from the predicted probabilities sharpened
        (``temperature`` below 1) or flattened (above 1).

        Args:
            seed_text: the start (at least one known character).
            n: how many characters to write.
            temperature: a positive number; small values pick the likeliest characters.
            seed: seed of the draw (the same seed gives the same text).

        Returns:
            The *n* new characters (without *seed_text*).

        Example:
            >>> import dl_notebook as dn
            >>> gen = dn.applications.TextGeneration("ab", seq_len=4)
            >>> text = gen.generate("ab", 5, seed=0)
            >>> len(text), set(text) <= {"a", "b"}
            (5, True)
        """
        context = list(self.encode(seed_text))
        if not context:
            raise InvalidArgumentError("generate: seed_text must hold at least one character.")
        n = check_count(n, "n", "generate", minimum=0)
        if (isinstance(temperature, bool) or not isinstance(temperature, numbers.Real)
                or not temperature > 0):
            raise InvalidArgumentError(
                f"generate: temperature must be a positive number; got {temperature!r}."
            )
        rng = np.random.default_rng(check_count(seed, "seed", "generate", 0, allow_none=True))
        written = []
        for _ in range(n):
            p = self._probabilities(context[-self.seq_len:])
            logits = np.log(np.maximum(p, 1e-12)) / float(temperature)
            p = np.exp(logits - logits.max())
            written.append(int(rng.choice(len(p), p=p / p.sum())))
            context.append(written[-1])
        return self.decode(written)


@application("text_generation", title="Character-level text generator (RNN)", task="text")
def TextGeneration(characters, seq_len=40, *, embedding_dim=16, neurons=64, n_blocks=1,
                   rnn_type="gru", dropout=0.0, name="text_generator") -> TextGenerator:
    """A character-level generator: recurrent layers that predict the next character.

    The network reads ids of up to ``seq_len`` characters (``input1``,
    ``embedding1``), passes them through ``n_blocks`` recurrent layers
    (``rnn1`` … ``rnnN``) and gives the probability of each character to
    come next (``output1``). The returned :class:`TextGenerator` knows its
    characters: train it on ``gen.windows(text)`` and then call
    ``gen.generate(seed_text, n)``.

    Args:
        characters: the vocabulary: a text (its distinct characters, so the
            training text itself will do), a list of characters, or a
            vocabulary size n (the characters ``chr(0)`` … ``chr(n - 1)``,
            e.g. 128 for ASCII).
        seq_len: characters of context per prediction.
        embedding_dim: size of each character's vector.
        neurons: units of each recurrent layer.
        n_blocks: number of recurrent layers.
        rnn_type: ``"gru"``, ``"lstm"`` or ``"rnn"``.
        dropout: rate of a ``Dropout`` layer (``dropout1``) before the output.
        name: the network's name.

    Returns:
        A new :class:`TextGenerator` (untrained).

    Example:
        >>> import dl_notebook as dn
        >>> text = "to be or not to be " * 20
        >>> gen = dn.applications.TextGeneration(text, seq_len=10, neurons=16)
        >>> gen.characters, gen.layer_names
        (' benort', ['input1', 'embedding1', 'rnn1', 'output1'])
        >>> x, y = gen.windows(text)  # then: gen.fit((x, y), epochs=...)
        >>> x.shape, y.shape
        ((370, 10), (370,))
        >>> len(gen.generate("to be", 12, seed=0))
        12
    """
    where = "TextGeneration"
    characters = _characters(characters, where)
    seq_len = check_count(seq_len, "seq_len", where)
    layers = [L.InputLayer(shape=(None,), dtype="int32", name="input1"),
              L.Embedding(len(characters), check_count(embedding_dim, "embedding_dim", where),
                          name="embedding1")]
    layers += recurrent_stack(neurons, n_blocks, rnn_type, bidirectional=False, sequences=False,
                              where=where)
    layers += _head(dropout, where)
    layers.append(L.OutputLayer(len(characters), act="softmax", name="output1"))
    return TextGenerator(name=name, layers=layers, characters=characters, seq_len=seq_len)
