"""DLPy's base network: the stand-in CAS connection and the model state kept between calls.

DLPy talks to a SAS Viya server through a CAS connection (``swat.CAS``);
here everything runs in the Python process, so :func:`connect` returns a
:class:`Connection` that every DLPy-style call accepts and ignores.
:class:`Network` is DLPy's ``dlpy.network.Network``: a core
:class:`dl_notebook.Network` that also remembers its last results
(``training_history``, ``valid_conf_mat``, …) as DLPy models do.
"""

from __future__ import annotations

import numpy as np

from ..errors import InvalidArgumentError
from ..model.layers.base import check_name
from ..model.network import Network as CoreNetwork
from ._data import arrays, core_data, table_name, target_name
from ._inferred import hold, source_name
from ._results import FeatureMaps, Results, regression_tables, scored_tables

__all__ = ["Connection", "connect", "Network"]


def _regression(data) -> bool:
    if getattr(data, "task", None) is not None:
        return data.task == "regression"
    return isinstance(data, tuple) and np.asarray(data[1]).dtype.kind == "f"


class Connection:
    """What ``swat.CAS(...)`` returns in DLPy: here a placeholder that holds nothing.

    Every DLPy-style function and class of :mod:`dl_notebook.dlpy` that
    takes a connection as its first argument accepts one of these (or any
    object, or None) and ignores it.

    Args:
        args, kwargs: the host, port and credentials DLPy would pass; kept
            only for ``repr``.

    Example:
        >>> from dl_notebook import dlpy
        >>> s = dlpy.connect("cas.example.com", 5570)
        >>> s
        Connection(local)
    """

    def __init__(self, *args, **kwargs):
        self.args = args
        self.kwargs = kwargs

    def __repr__(self):
        return "Connection(local)"


def connect(*args, **kwargs) -> Connection:
    """Return a :class:`Connection` (DLPy's ``s = swat.CAS(host, port)``).

    Args:
        args, kwargs: accepted and ignored (host, port, user names …).

    Example:
        >>> from dl_notebook import dlpy
        >>> isinstance(dlpy.connect(), dlpy.Connection)
        True
    """
    return Connection(*args, **kwargs)


class Network(CoreNetwork):
    """DLPy's ``Network``: a core network that takes DLPy's ``conn`` and ``model_table``.

    Args:
        conn: a :class:`Connection` (or anything); ignored.
        model_table: the model's name (DLPy names the CAS table that holds
            the model; here it names the network).
        name: the same as *model_table* (core spelling).
        layers: layers to add one after the other.

    Example:
        >>> from dl_notebook import dlpy
        >>> dlpy.network.Network(dlpy.connect(), model_table="SIMPLE").name
        'SIMPLE'
    """

    def __init__(self, conn=None, model_table=None, *, name=None, layers=None):
        if model_table is not None and name is not None and model_table != name:
            raise InvalidArgumentError("Give the model's name once: model_table= or name=.")
        super().__init__(name=table_name(model_table) or name, layers=layers)
        self.conn = conn
        self.training_history = None
        self.valid_conf_mat = None
        self.valid_score = None
        self.valid_res_tbl = None
        self.valid_res = None
        self.score_res = None
        self.pending_layers = []  # layers waiting for the first fit's data (see _inferred)

    def add(self, layer, inputs=None) -> None:
        """Add *layer*; a DLPy layer's ``src_layers=[...]`` (layers already added) are its inputs.

        A block of :mod:`dl_notebook.dlpy.blocks` adds its layers after
        *inputs* (default: the last layer).

        Example:
            >>> from dl_notebook import dlpy
            >>> from dl_notebook.dlpy.layers import InputLayer, Dense, Res
            >>> model = dlpy.Model(None)
            >>> x = InputLayer(1, 4, 4, name="x"); model.add(x)
            >>> a = Dense(8, name="a", src_layers=[x]); model.add(a)
            >>> b = Dense(8, name="b", src_layers=[x]); model.add(b)
            >>> model.add(Res(src_layers=[a, b]))
            >>> model.edges[-2:]
            [('a', 'res1'), ('b', 'res1')]
        """
        from .blocks import Block

        if hold(self, layer, inputs):  # its size (or a layer before it) comes from the data
            return
        if isinstance(layer, Block):  # DLPy's blocks add their layers after one source
            sources = self._default_inputs(None) if inputs is None else self._names(inputs)
            if len(sources) != 1:
                raise InvalidArgumentError("A block reads one layer; give inputs= one name.")
            layer.add_to(self, sources[0])
            return
        sources = getattr(layer, "_src_layers", None)
        if inputs is None and sources:
            inputs = [source_name(src) for src in sources]
        super().add(layer, inputs=inputs)

    @property
    def layers(self) -> list:
        """The layers in order (DLPy's ``model.layers``), waiting ones included."""
        return list(self) + [layer for layer, _ in self.pending_layers]

    @property
    def model_table(self) -> dict:
        """DLPy's model table description: ``{'name': <the network's name>}``."""
        return {"name": self.name}

    @classmethod
    def from_network(cls, net, conn=None, model_table=None):
        """Take over a built core network, with its layers and weights, as this class.

        The layers (and their Keras layers, weights included) move to the
        new model; *net* is left empty.

        Args:
            net: a built :class:`dl_notebook.Network` (a zoo network, say).
            conn: ignored.
            model_table: a new name; default *net*'s name.

        Example:
            >>> import dl_notebook as dn
            >>> from dl_notebook import dlpy
            >>> net = dn.Sequential("tiny", [dn.layers.InputLayer(shape=(4,)),
            ...                              dn.layers.OutputLayer(2)])
            >>> model = dlpy.Model.from_network(net)
            >>> model.name, model.layer_names, len(net)
            ('tiny', ['input1', 'output1'], 0)
        """
        if not isinstance(net, CoreNetwork):
            raise InvalidArgumentError(
                f"from_network takes a dl_notebook Network; got {type(net).__name__}."
            )
        model = cls(conn, model_table=check_name(model_table) or net.name)
        model._take_over(net)
        return model

    def _take_over(self, net) -> None:
        """Move the layers of the core network *net* (weights included) into this empty one."""
        model = self
        with net.lease.hold():
            model._specs, model._order = net._specs, net._order
            model._output_order = list(net._output_order)
            for spec in model._specs.values():
                spec._network = model
            net._specs, net._order, net._output_order = {}, [], []
            net._model, net._model_version = None, -1
            net._version += 1
            model._version += 1
        # The Keras model is rebuilt on demand from the same Keras layers (weights kept).

    def to_functional_model(self, stop_layers=None):
        """A copy of this model as a functional ``Model`` (DLPy ``to_functional_model``).

        The copy has the same layers, edges and weights, in new layer
        objects, so training one leaves the other as it was.

        Args:
            stop_layers: a layer or layers (objects or names) where the copy
                stops: they and every layer after them are left out (DLPy's
                way to take a network's feature extractor).

        Returns:
            A :class:`~dl_notebook.dlpy.model.Model`.

        Example:
            >>> from dl_notebook import dlpy
            >>> from dl_notebook.dlpy.layers import Dense, InputLayer, OutputLayer
            >>> seq = dlpy.Sequential(None, [InputLayer(4), Dense(3), OutputLayer(n=2)], "s")
            >>> seq.to_functional_model(stop_layers="output1").layer_names
            ['input1', 'fc1']
        """
        from ..model.layers.keras_layer import KerasLayer
        from .model import Model

        stops = stop_layers if isinstance(stop_layers, (list, tuple, set)) else [stop_layers]
        stops = {getattr(layer, "name", layer) for layer in stops if layer is not None}
        model = Model(self.conn, model_table=self.name)
        for name in self.layer_names:
            spec = self[name]
            if name in stops or any(src not in model for src in spec.inputs):
                continue
            if isinstance(spec, KerasLayer):
                source = spec.keras_layer
                copy = type(source).from_config(source.get_config())
            else:
                copy = type(spec)(**spec.arguments(), name=name)
            model.add(copy, inputs=spec.inputs or None)
            model[name].set_weights(spec.get_weights())
        return model

    # -- DLPy's habits: results kept on the model ----------------------------------------
    def compile(self):
        """Check the graph by building its Keras model (DLPy ``compile``; nothing else to do)."""
        self.to_keras()

    def evaluate(self, data, text_parms=None, layer_out=None, layers=None, gpu=None,
                 buffer_size=None, mini_batch_buf_size=None, use_best_weights=False,
                 n_threads=None, layer_image_type=None, log_level=0, *, batch_size=256,
                 class_names=None):
        """Score labelled *data* (DLPy ``evaluate``) and keep the results on the model.

        Sets ``valid_res`` (the core ``EvaluationResult``), ``valid_conf_mat``
        (true classes by rows, predicted by columns), ``valid_score`` (DLPy's
        ``ScoreInfo``) and ``valid_res_tbl`` (one row per example: the target,
        ``I_<target>`` the predicted class and ``P_<target><class>`` each
        probability). Returns ``{'ScoreInfo': …}``. The CAS settings are ignored.

        Args:
            data: a dataset, an ``ImageTable``, ``(x, y)`` arrays or a DataFrame.
            batch_size, class_names: as the core ``Network.evaluate``.

        Example:
            >>> import numpy as np
            >>> from dl_notebook import dlpy
            >>> from dl_notebook.dlpy.layers import InputLayer, OutputLayer
            >>> model = dlpy.Sequential(None, layers=[InputLayer(1, 2, 1), OutputLayer(n=2)])
            >>> _ = model.evaluate((np.zeros((3, 1, 2, 1), "float32"), np.array([0, 1, 1])))
            >>> list(model.valid_res_tbl.columns)
            ['_label_', 'I__label_', 'P__label_0', 'P__label_1']
        """
        target = getattr(self, "_target", None) or target_name(data)
        like = getattr(self, "_train_like", None)
        core = core_data(data, target=None if target == "_label_" else target, like=like,
                         texts=getattr(self, "_texts", None))
        if _regression(core):  # DLPy's _DL_Pred_ column and mean squared error
            x, y = arrays(core)
            predicted = super().predict(x, batch_size=batch_size)["predicted"]
            self.valid_res, self.valid_conf_mat = None, None
            self.valid_res_tbl, self.valid_score = regression_tables(y, predicted, target)
            return Results(ScoreInfo=self.valid_score)
        if class_names is None and isinstance(core, tuple):  # rows encoded like the training data
            class_names = getattr(like, "class_names", None)
        res = super().evaluate(core, batch_size=batch_size, class_names=class_names)
        self.valid_res = res
        self.valid_res_tbl, self.valid_conf_mat, self.valid_score = scored_tables(
            res, target, getattr(core, "paths", None))
        return Results(ScoreInfo=self.valid_score)

    def predict(self, data, text_parms=None, layer_out=None, layers=None, gpu=None,
                buffer_size=10, mini_batch_buf_size=None, top_probs=None, use_best_weights=False,
                n_threads=None, layer_image_type=None, log_level=0):
        """Score *data* (DLPy ``predict``): labelled data as :meth:`evaluate`, else the core ``predict``.

        Unlabelled data (an array of inputs) gives ``valid_res_tbl`` from
        :meth:`dl_notebook.Network.predict` (one row per example).
        """
        core = getattr(data, "dataset", data)
        if isinstance(core, np.ndarray):
            self.valid_res_tbl = super().predict(core)
            return Results(ScoreInfo=None)
        return self.evaluate(data)

    def _result(self):
        if self.valid_res is None:
            raise InvalidArgumentError("No scored data yet; call model.evaluate(data) first.")
        return self.valid_res

    def plot_evaluate_res(self, cas_table=None, img_type="A", image_id=None, filename=None,
                          n_images=5, target="_label_", predicted_class=None, label_class=None,
                          randomize=False, seed=-1):
        """Images of the last evaluation with their labels and top predictions (DLPy).

        ``img_type``: ``'A'`` all, ``'C'`` correct, ``'M'`` misclassified.
        *cas_table* (other data) is evaluated first; ``image_id`` /
        ``filename`` are not used. Delegates to the core
        ``EvaluationResult.plot_evaluate_res``.
        """
        if cas_table is not None:
            self.evaluate(cas_table)
        return self._result().plot_evaluate_res(
            img_type=img_type, n_images=n_images, predicted_class=predicted_class,
            label_class=label_class, randomize=randomize, seed=None if seed == -1 else seed)

    def heat_map_analysis(self, data=None, mask_width=None, mask_height=None, step_size=None,
                          display=True, img_type="A", image_id=None, filename=None, inputs=None,
                          target="_label_", max_display=5, **kwargs):
        """Occlusion heat maps of evaluated images, as DLPy draws them.

        Args:
            data: data to evaluate first (default: the last evaluation).
            mask_width, mask_height, step_size: the occluding patch and its
                stride in pixels (one size: the larger of width and height).
            img_type, max_display: which images (``'A'``, ``'C'``, ``'M'``) and how many.
            display, image_id, filename, inputs, target: accepted; not used.
            kwargs: passed to the core ``EvaluationResult.heat_map_analysis``.
        """
        if data is not None:
            self.evaluate(data)
        options = dict(kwargs)
        options.setdefault("method", "occlusion")
        if options["method"] == "occlusion":
            sizes = [v for v in (mask_width, mask_height) if v is not None]
            if sizes:
                options["mask_size"] = max(sizes)
            if step_size is not None:
                options["step"] = step_size
        return self._result().heat_map_analysis(img_type=img_type, n_images=max_display,
                                                **options)

    def plot_training_history(self, items=("Loss", "FitError"), fig_size=(12, 5),
                              tick_frequency=1):
        """Plot columns of ``training_history`` against the epoch (DLPy).

        Returns a figure display (``.figure_``, ``.ax_``).
        """
        if self.training_history is None:
            raise InvalidArgumentError("No training history yet; call model.fit(...) first.")
        missing = [item for item in items if item not in self.training_history]
        if missing:
            raise InvalidArgumentError(
                f"training_history has no column {missing[0]!r}; it has "
                f"{', '.join(self.training_history.columns)}."
            )
        from matplotlib.figure import Figure

        from .._display import FigureDisplay

        fig = Figure(figsize=fig_size)
        ax = fig.subplots()
        for item in items:
            ax.plot(self.training_history["Epoch"], self.training_history[item], label=item)
        ax.set_xticks(self.training_history["Epoch"][::tick_frequency])
        ax.set_xlabel("Epoch")
        ax.legend()
        return FigureDisplay(fig, ax)

    def get_feature_maps(self, data, label=None, idx=0, image_id=None, **kwargs):
        """Keep the activations of image *idx* of *data* (DLPy); ``feature_maps.display(layer_id)``.

        Args:
            data: a dataset, ``ImageTable`` or ``(x, y)`` arrays.
            label: take the *idx*-th image of this class instead.
            idx: which image.
            image_id: not used (DLPy's CAS image id).
        """
        x, y = arrays(core_data(data))
        if label is not None:
            names = list(getattr(getattr(data, "dataset", data), "class_names", []) or [])
            wanted = names.index(label) if label in names else label
            x = x[np.asarray(y) == wanted]
        if not 0 <= idx < len(x):
            raise InvalidArgumentError(f"idx {idx} is outside the {len(x)} images chosen.")
        self.feature_maps = FeatureMaps(self, x[idx])
        return self.feature_maps

    def get_features(self, data, dense_layer, target="_label_", **kwargs):
        """The activations of layer *dense_layer* for every example, as ``(X, y)`` (DLPy)."""
        return super().get_features(core_data(data), dense_layer)

    def deploy(self, path, output_format="astore", model_weights=None, layers=None, **kwargs):
        """Write the model to the folder *path* (DLPy ``deploy``): ``output_format='onnx'`` only.

        Returns the file written (``<path>/<name>.onnx``).
        """
        import os

        fmt = str(output_format).lower()
        if fmt != "onnx":
            raise InvalidArgumentError(
                f"output_format {output_format!r} is a SAS-only format (astore and castable need "
                f"a CAS server); use output_format='onnx'."
            )
        os.makedirs(path, exist_ok=True)
        return self.export(os.path.join(path, f"{self.name}.onnx"), format="onnx")

    def save_to_onnx(self, path, model_weights=None):
        """Write the model as an ONNX file at *path* (DLPy ``save_to_onnx``)."""
        return self.export(path, format="onnx")

    def load_weights(self, path, labels=False, data_spec=None, label_file_name=None,
                     label_length=None, use_gpu=False, embedding_dim=None, **kwargs):
        """Load a Keras weight file (``.weights.h5``, ``.keras``, legacy HDF5) by layer name.

        DLPy's CAS-table options (``labels``, ``data_spec``, …) are not used;
        other keywords go to the core ``Network.load_weights``.
        """
        return super().load_weights(path, **kwargs)

    def save_weights_csv(self, filename):
        """Refused: weights go to Keras files here (``model.save_weights(path)``)."""
        raise InvalidArgumentError(
            "save_weights_csv writes a CAS weight table, which does not exist here; use "
            "model.save_weights('model.weights.h5')."
        )


