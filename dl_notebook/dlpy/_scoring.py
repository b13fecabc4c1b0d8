"""DLPy's habits of a model that keeps its results: evaluate, predict, plots, deployment.

DLPy models remember their last scored run (``valid_res``,
``valid_conf_mat``, ``valid_score``, ``valid_res_tbl``) and draw from it
(``plot_evaluate_res``, ``heat_map_analysis``); :class:`ScoringMixin` holds
those methods for :class:`~dl_notebook.dlpy.network.Network`, each
delegating to the core :class:`dl_notebook.Network` that follows it in the
class order.
"""

from __future__ import annotations

import numpy as np

from ..errors import InvalidArgumentError
from ._data import arrays, core_data, target_name
from ._results import FeatureMaps, Results, regression_tables, scored_tables

__all__ = ["ScoringMixin"]


def _regression(data) -> bool:
    if getattr(data, "task", None) is not None:
        return data.task == "regression"
    return isinstance(data, tuple) and np.asarray(data[1]).dtype.kind == "f"


class ScoringMixin:
    """Scoring, result plots and file output of a DLPy model, over the core network's methods.

    Mixed into :class:`~dl_notebook.dlpy.network.Network` before the core
    ``Network``, so ``super()`` reaches the core's ``evaluate``, ``predict``,
    ``get_features`` and ``load_weights``.
    """

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


