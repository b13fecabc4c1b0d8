"""DLPy's ``dlpy.model``: the stateful ``Model``, its training settings and solvers.

``Model.fit`` takes DLPy's arguments and calls the core ``Network.fit`` once,
in the foreground; the epoch table it keeps (``training_history``) has
DLPy's ``OptIterHistory`` columns: Epoch (from 0), LearningRate (the rate the
epoch started with), Loss, FitError (misclassification, or the mean absolute
error of a regression) and, with ``valid_table``, ValidLoss and ValidError.
"""

from __future__ import annotations

import math

from ..errors import InvalidArgumentError
from ..model import layers as core_layers
from . import _data, _results
from ._functional import add_graph
from ._ignored import given, warn_ignored
from ._inferred import build_pending
from ._solvers import (
    AdamSolver,
    DataSpec,
    Gpu,
    LBFGSolver,
    MomentumSolver,
    NatGradSolver,
    Optimizer,
    Sequence,
    TextParms,
    VanillaSolver,
)
from .network import Network

__all__ = ["Model", "Optimizer", "VanillaSolver", "MomentumSolver", "AdamSolver", "LBFGSolver",
           "NatGradSolver", "Gpu", "Sequence", "TextParms", "DataSpec"]


class Model(Network):
    """DLPy's ``Model``: a network that trains, scores and keeps its results.

    A :class:`dl_notebook.Network` underneath, so every core method works.
    Built layer by layer (``model.add``) or, DLPy's functional API, from
    the tensors of layers called on each other: ``Model(conn, inputs=x,
    outputs=y)``.

    Args:
        conn: a :class:`~dl_notebook.dlpy.Connection` (or anything); ignored.
        inputs, outputs: the input and output tensors (or lists of them)
            of a functional model; the layers between them are added.
        model_table: the model's name.
        model_weights: a Keras weight file to load.

    Example:
        >>> from dl_notebook import dlpy
        >>> from dl_notebook.dlpy.layers import Conv2d, Input, OutputLayer, Res
        >>> x = Input(1, 8, 8, name="x")
        >>> y = Conv2d(1, 3, name="c")(x)
        >>> out = OutputLayer(n=2, name="out")(Res(name="sum")([x, y]))
        >>> model = dlpy.Model(dlpy.connect(), inputs=x, outputs=out, model_table="m")
        >>> model.compile()
        >>> model.name, model.edges
        ('m', [('x', 'c'), ('x', 'sum'), ('c', 'sum'), ('sum', 'out')])
    """

    def __init__(self, conn=None, inputs=None, outputs=None, model_table=None,
                 model_weights=None, *, name=None, layers=None):
        super().__init__(conn, model_table=model_table, name=name, layers=layers)
        if inputs is not None or outputs is not None:
            if inputs is None or outputs is None:
                raise InvalidArgumentError("Model: give both inputs= and outputs= (tensors).")
            add_graph(self, inputs, outputs)
        if model_weights is not None:
            self.load_weights(model_weights)

    @classmethod
    def from_keras_model(cls, conn, keras_model, output_model_table=None, offsets=None,
                         std=None, scale=1.0, max_num_frames=-1, include_weights=False,
                         input_weights_file=None, verbose=False):
        """A model from a Keras model (DLPy ``from_keras_model``); returns ``(model, False)``.

        The layers are the Keras model's own (``Network.from_keras``): its
        weights come along whatever *include_weights* says, and
        *input_weights_file* (with ``include_weights=True``) is loaded on
        top. *scale*, *offsets* and *std* normalise the input in a new input
        layer, ``(x * scale - offsets) / std``. The second value is DLPy's
        ``use_gpu``, always False here.

        Args:
            conn: ignored.
            keras_model: a Sequential or functional Keras model.
            output_model_table: the model's name (default the Keras model's).
            offsets, std, scale: the input normalisation.
            include_weights, input_weights_file: load a Keras weight file.
            max_num_frames, verbose: accepted; not used.

        Example:
            >>> import keras
            >>> from dl_notebook.dlpy import Model
            >>> x = keras.Input((4,), name="x")
            >>> km = keras.Model(x, keras.layers.Dense(2, name="d")(x), name="km")
            >>> model, use_gpu = Model.from_keras_model(None, km, scale=0.5)
            >>> model.name, model.layer_names, model["x"].scale, use_gpu
            ('km', ['x', 'd'], 0.5, False)
        """
        name = _data.table_name(output_model_table, what="output_model_table") or keras_model.name
        if isinstance(std, str):  # DLPy's 'STD' / 'MIDRANGE' of a CAS table: not applied here
            warn_ignored("from_keras_model", given(std=std))
            std = None
        if scale == 1 and offsets is None and std is None:
            model = cls.from_keras(keras_model, name=name)
        else:
            if len(keras_model.inputs) != 1:
                raise InvalidArgumentError(
                    "from_keras_model: scale, offsets and std need a Keras model with one input."
                )
            first = keras_model.layers[0] if keras_model.layers else None
            input_name = first.name if type(first).__name__ == "InputLayer" else None
            model = cls(conn, model_table=name)
            model.add(core_layers.InputLayer(
                shape=tuple(keras_model.inputs[0].shape[1:]), name=input_name,
                scale=None if scale == 1 else scale, offsets=offsets, std=std))
            model.add(keras_model)
        model.conn = conn
        if include_weights and input_weights_file is not None:
            model.load_weights(input_weights_file)
        return model, False

    @classmethod
    def from_onnx_model(cls, conn, onnx_model, output_model_table=None, offsets=None,
                        scale=None, std=None, norm_stds=None, output_layer=None):
        """A model from an ONNX model (DLPy ``from_onnx_model``), over ``dn.Network.from_onnx``.

        See :func:`dl_notebook.dlpy.model_conversion.load_onnx_model`: *onnx_model*
        is an ``onnx.ModelProto`` or a path, *offsets* / *scale* / *norm_stds*
        normalise the input, *output_layer* is added after the last layer.
        """
        from .model_conversion import load_onnx_model

        return load_onnx_model(conn, onnx_model, output_model_table, offsets, scale, std,
                               norm_stds, output_layer)

    @classmethod
    def from_caffe_model(cls, conn, input_network_file, output_model_table=None,
                         model_weights_file=None, **kwargs):
        """Refused: no Caffe reader here; convert the model to ONNX and use :meth:`from_onnx_model`."""
        from .model_conversion import caffe_to_sas

        caffe_to_sas()

    def fit(self, data, inputs=None, target=None, data_specs=None, mini_batch_size=1,
            max_epochs=5, log_level=3, lr=0.01, optimizer=None, nominals=None, texts=None,
            target_sequence=None, sequence=None, text_parms=None, valid_table=None,
            valid_freq=1, gpu=None, attributes=None, weight=None, seed=0, record_seed=0,
            missing="mean", target_missing="mean", repeat_weight_table=False,
            force_equal_padding=None, save_best_weights=False, n_threads=None,
            target_order="ascending", train_from_scratch=None):
        """Train the model (DLPy ``fit``), in the foreground; returns ``{'OptIterHistory': df}``.

        Args:
            data: a dl_notebook dataset, an ``ImageTable``, ``(x, y)`` arrays
                or a DataFrame (with ``inputs`` / ``target`` / ``nominals``,
                or ``texts`` and ``target`` for text).
            inputs, target, nominals, texts, missing: the DataFrame's columns
                and how missing inputs are filled.
            mini_batch_size, max_epochs, lr, log_level, seed: used when
                *optimizer* is None (as in DLPy); ``log_level=0`` is silent.
            optimizer: a :class:`Optimizer` (its settings win, as in DLPy).
            valid_table: validation data in the same forms.
            save_best_weights: end with the weights of the epoch with the lowest loss.
            data_specs, target_sequence, sequence, text_parms, valid_freq,
            gpu, attributes, weight, record_seed, target_missing,
            repeat_weight_table, force_equal_padding, n_threads, target_order,
            train_from_scratch:
                CAS server settings, accepted; those given are named in one
                warning, since they have no effect here.

        Example:
            >>> import numpy as np
            >>> from dl_notebook import dlpy
            >>> from dl_notebook.dlpy.layers import InputLayer, OutputLayer
            >>> model = dlpy.Sequential(dlpy.connect(), layers=[InputLayer(1, 2, 1), OutputLayer(n=2)])
            >>> x = np.eye(2, dtype="float32").reshape(2, 1, 2, 1)
            >>> res = model.fit((x, np.array([0, 1])), max_epochs=2, log_level=0)
            >>> list(model.training_history.columns)
            ['Epoch', 'LearningRate', 'Loss', 'FitError']
        """
        warn_ignored("Model.fit", given(
            data_specs=data_specs, target_sequence=target_sequence, sequence=sequence,
            text_parms=text_parms, gpu=gpu, attributes=attributes, weight=weight,
            record_seed=record_seed, repeat_weight_table=repeat_weight_table,
            force_equal_padding=force_equal_padding, n_threads=n_threads,
            valid_freq=None if valid_freq == 1 else valid_freq,
            target_order=None if target_order == "ascending" else target_order,
            train_from_scratch=train_from_scratch))
        if optimizer is None:
            optimizer = Optimizer(VanillaSolver(learning_rate=lr), mini_batch_size=mini_batch_size,
                                  max_epochs=max_epochs, log_level=log_level, seed=seed)
        elif not isinstance(optimizer, Optimizer):
            raise InvalidArgumentError(
                f"optimizer must be a dl_notebook.dlpy.model.Optimizer; got "
                f"{type(optimizer).__name__}."
            )
        train = _data.core_data(data, inputs, target, nominals, texts, missing, "data")
        valid = None if valid_table is None else _data.core_data(
            valid_table, inputs, target, nominals, texts, missing, "valid_table", like=train)
        build_pending(self, train)  # InputLayer(std='STD'), OutputLayer() without n
        self._target, self._texts = _data.target_name(data, target), texts
        self._train_like = train  # a DataFrame scored later is encoded as this data
        steps = math.ceil(_data.size(train) / optimizer.mini_batch_size)
        recorder = _results.RateRecorder()
        callbacks = [recorder, *optimizer.algorithm.scheduler().callbacks()]
        hist = super().fit(train, valid, optimizer=optimizer.to_core(steps, save_best_weights),
                           callbacks=callbacks, live=False if optimizer.log_level == 0 else None,
                           background=False)
        self.history = hist
        self.training_history = _results.history_table(hist.frame, recorder.epoch_rates)
        self.batch_learning_rates = recorder.batch_rates
        return _results.Results(OptIterHistory=self.training_history)
