"""Train and inspect: a complete training dashboard for workshops, with no code visible.

:class:`TrainInspectApp` composes standard ipywidgets over the public API: pick a
dataset (the bundled digits, or a folder under the data root), an architecture (an
image classifier of ``dn.applications`` registered with a training recipe that
takes the chosen image size, or the network of a
:class:`~dl_notebook.widgets.builder.ModelBuilder`) and the hyperparameters, press
Train and watch the live charts; Stop ends the run after the current batch. The
trained network is then evaluated on the test split and its clickable confusion
matrix opens the image browser, where a toggle overlays Grad-CAM heatmaps.

Training runs in a background thread started by the Train button, so the kernel
stays free for the Stop button and the chart updates. Every error, a
``dl_notebook`` one or any other, is shown as one line in the status line, never as
a traceback: the dashboard is meant for Voila pages that students use.
"""

from __future__ import annotations

import importlib.util
import threading
from pathlib import Path

import ipywidgets as W

from dl_notebook.applications import catalog, dashboard_choices
from dl_notebook.errors import InvalidArgumentError
from dl_notebook.train.status import RunStatus
from dl_notebook.widgets._data_root import default_data_root, resolve_inside
from dl_notebook.widgets._folder_choice import DIGITS, OTHER, FolderChoice
from dl_notebook.widgets._status_line import StatusLine
from dl_notebook.widgets._training_run import SOLVERS, load_splits, make_solver, one_line

__all__ = ["TrainInspectApp"]

BUILDER = "builder"  # the architecture picker's value for the model builder's network
FALLBACK = "lenet5"  # the architecture chosen when the one picked no longer fits
SIZES = (16, 24, 28, 32, 48, 64, 96, 128, 224)
BATCH_SIZES = (8, 16, 32, 64, 128, 256)
LEARNING_RATES = (1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1)
_STYLE = {"description_width": "110px"}


def _builder_class():
    if importlib.util.find_spec("dl_notebook.widgets.builder") is None:
        return None
    try:
        from dl_notebook.widgets.builder import ModelBuilder
    except Exception:  # the builder view is optional: the option is hidden without it
        return None
    return ModelBuilder


class TrainInspectApp(FolderChoice):
    """The *Train and inspect* dashboard: data, architecture, Train/Stop, live charts, results.

    Args:
        data_root: the only folder datasets are read from (paths outside it are
            refused, symbolic links included); ``$DL_NOTEBOOK_DATA_ROOT`` or the
            checkout's ``data/`` folder when None. The bundled digits are written
            to ``data_root/digits`` (32×32 PNGs) on first use.
        builder: a ``ModelBuilder`` whose network the "From the model builder"
            choice trains; one is made on first use when None (the choice is
            hidden when the builder widget is not installed).
        image_size, valid_rate, test_rate, seed: initial data settings (image
            side in pixels; validation and test percentages; split seed).
        architecture: the key of an image classifier the dashboards offer (one
            registered with a ``Recipe``, see ``dn.applications.dashboard_choices``)
            that takes images of *image_size* (``"lenet5"``, ``"small_cnn"``), or
            ``"builder"``; LeNet-5 when it does not fit.
        epochs, batch_size, solver, learning_rate: initial training settings.
            Choosing another architecture sets them to its recipe, unless they
            were changed from the recipe of the one chosen before.

    Attributes:
        widget: the ipywidgets box to display (the app displays as it).
        live: the :class:`~dl_notebook.widgets.live.LiveDashboard` of the runs.
        network, history, result, confusion: the last run's network, its
            ``TrainingHistory``, its ``EvaluationResult`` on the test split and the
            ``ConfusionMatrixWidget`` shown (None until a run gets there).

    Example:
        >>> import tempfile
        >>> from dl_notebook.widgets.train_inspect import TrainInspectApp
        >>> app = TrainInspectApp(data_root=tempfile.mkdtemp(), image_size=16, epochs=2)
        >>> app.use_folder("/")
        >>> app.status_kind, "outside the data root" in app.status_text
        ('error', True)
    """

    def __init__(self, data_root=None, *, builder=None, image_size=32, valid_rate=15,
                 test_rate=20, seed=123, architecture="lenet5", epochs=5, batch_size=32,
                 solver="adam", learning_rate=1e-3):
        from dl_notebook.widgets.live import LiveDashboard

        self.data_root = Path(data_root if data_root is not None else default_data_root())
        self.data_root = self.data_root.expanduser().resolve()
        self.network = self.history = self.result = self.confusion = self.splits = None
        self.last_error = None
        self._builder = builder
        self._stop_event = threading.Event()
        self._thread = None
        self._cache = {}
        # shown inside this app, whose own Stop button is the page's one Stop
        self.live = LiveDashboard(title="Training", auto_show=False, stop_button=False)
        self._build_controls(image_size, valid_rate, test_rate, seed, architecture, epochs,
                             batch_size, solver, learning_rate)
        self._layout()
        self._say("Pick a dataset and an architecture, then press Train.", "idle")
        if self.architecture.value == BUILDER:
            self._handle(self._show_builder)

    # ------------------------------------------------------------------ widgets
    def _build_controls(self, image_size, valid_rate, test_rate, seed, architecture, epochs,
                        batch_size, solver, learning_rate):
        def ctl(widget, css):
            widget.add_class(f"dln-ti-{css}")
            return widget

        def opts():  # one Layout per widget: showing or hiding one must not move the others
            return dict(style=_STYLE, layout=W.Layout(width="320px"))

        self.dataset = ctl(W.Dropdown(options=self._dataset_options(), value=DIGITS,
                                      description="Dataset", **opts()), "dataset")
        self.path = ctl(W.Text(placeholder="a folder inside the data root",
                               description="Folder", continuous_update=False, **opts()), "path")
        self.image_size = ctl(W.Dropdown(options=SIZES, value=self._pick(image_size, SIZES),
                                         description="Image size", **opts()), "size")
        self.color_mode = ctl(W.Dropdown(options=(("Grayscale", "grayscale"), ("RGB", "rgb")),
                                         value="grayscale", description="Colours", **opts()),
                              "color")
        self.valid_rate = ctl(W.IntSlider(value=valid_rate, min=0, max=40,
                                          description="Validation %", **opts()), "valid")
        self.test_rate = ctl(W.IntSlider(value=test_rate, min=5, max=50,
                                         description="Test %", **opts()), "test")
        self.seed = ctl(W.BoundedIntText(value=seed, min=0, max=2**31 - 2,
                                         description="Seed", **opts()), "seed")
        archs = self._architecture_options()
        self.architecture = ctl(W.Dropdown(options=archs, value=self._fitting_value(
            architecture, archs), description="Architecture", **opts()), "arch")
        self.epochs = ctl(W.BoundedIntText(value=epochs, min=1, max=1000,
                                           description="Epochs", **opts()), "epochs")
        self.batch_size = ctl(W.Dropdown(options=BATCH_SIZES,
                                         value=self._pick(batch_size, BATCH_SIZES),
                                         description="Batch size", **opts()), "batch")
        self.solver = ctl(W.Dropdown(
            options=SOLVERS, value=solver if solver in dict(SOLVERS).values() else "adam",
            description="Solver", **opts()), "solver")
        self.learning_rate = ctl(W.Dropdown(options=[(f"{r:g}", r) for r in LEARNING_RATES],
                                            value=self._pick(learning_rate, LEARNING_RATES),
                                            description="Learning rate", **opts()), "lr")
        self.train_button = ctl(W.Button(description="Train", button_style="primary",
                                         icon="play"), "train")
        self.stop_button = ctl(W.Button(description="Stop", button_style="warning", icon="stop",
                                        disabled=True), "stop")
        self.status = ctl(StatusLine(), "status")
        self.accuracy = ctl(W.HTML(), "accuracy")
        self.results = ctl(W.VBox([]), "results")
        self.builder_box = ctl(W.VBox([], layout=W.Layout(display="none")), "builder")
        self._inputs = (self.dataset, self.path, self.image_size, self.color_mode,
                        self.valid_rate, self.test_rate, self.seed, self.architecture,
                        self.epochs, self.batch_size, self.solver, self.learning_rate)
        self.dataset.observe(lambda change: self._handle(self._on_dataset, change), "value")
        self.path.observe(lambda change: self._handle(self._on_path, change), "value")
        self.architecture.observe(lambda change: self._handle(self._on_architecture, change),
                                  "value")
        for control in (self.image_size, self.color_mode):
            control.observe(lambda _: self._handle(self._on_input_shape), "value")
        self.train_button.on_click(lambda _: self._handle(self.train))
        self.stop_button.on_click(lambda _: self._handle(self.stop))
        self.path.layout.display = "none"

    def _layout(self):
        def column(title, *children):
            head = W.HTML(f"<b>{title}</b>")
            return W.VBox([head, *children], layout=W.Layout(margin="0 24px 8px 0"))

        columns = W.HBox([
            column("Data", self.dataset, self.path, self.image_size, self.color_mode,
                   self.valid_rate, self.test_rate, self.seed),
            column("Model and training", self.architecture, self.epochs, self.batch_size,
                   self.solver, self.learning_rate),
        ], layout=W.Layout(flex_flow="row wrap"))
        buttons = W.HBox([self.train_button, self.stop_button])
        self.widget = W.VBox([columns, self.builder_box, buttons, self.status, self.live.widget,
                              self.accuracy, self.results], layout=W.Layout(width="100%"))
        self.widget.add_class("dln-train-inspect")

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    @staticmethod
    def _pick(value, choices):
        return value if value in choices else min(choices, key=lambda c: abs(c - value))

    def _architecture_options(self):
        """The image classifiers with a recipe that take the chosen images, then the builder."""
        options = [(entry.title, key)
                   for key, entry in dashboard_choices(self._input_shape()).items()]
        if self._builder is not None or _builder_class() is not None:
            options.append(("From the model builder", BUILDER))
        return options

    @staticmethod
    def _fitting_value(value, options):
        values = [v for _, v in options]
        return value if value in values else FALLBACK if FALLBACK in values else values[0]

    # ------------------------------------------------------------------ status
    @property
    def status_text(self) -> str:
        """The status line's message."""
        return self.status.text

    @property
    def status_kind(self) -> str:
        """The status line's kind: idle, running, finished, stopped or error."""
        return self.status.kind

    def _say(self, text: str, kind: str = "info") -> None:
        self.status.say(text, kind)

    def _handle(self, action, *args):
        """Run a widget handler; any error becomes the status line (never a traceback)."""
        return self.status.guard(action, *args)

    # ------------------------------------------------------------------ events
    def _on_input_shape(self):
        """Offer the architectures that take the new image size; keep the choice if it fits."""
        old, titles = self.architecture.value, {v: t for t, v in self.architecture.options}
        options = self._architecture_options()
        if options != list(self.architecture.options):
            self.architecture.options = options  # this selects the first one for a moment
            self.architecture.value = self._fitting_value(old, options)
        if self.architecture.value != old:
            size, new = self.image_size.value, self.architecture.label
            self._say(f"{titles[old]} does not take {size}×{size} images; {new} is selected "
                      f"instead.", "idle")
        if self._builder is not None:
            self._builder.input_shape = self._input_shape()

    def _on_architecture(self, change):
        if change["new"] == BUILDER:
            self._show_builder()
        else:
            self.builder_box.layout.display = "none"
        self._follow_recipe(change["old"], change["new"])

    def _training_settings(self) -> dict:
        return dict(solver=self.solver.value, learning_rate=self.learning_rate.value,
                    epochs=self.epochs.value, batch_size=self.batch_size.value)

    def _follow_recipe(self, old, new) -> None:
        """Set the training controls to *new*'s recipe when they still hold *old*'s."""
        recipes = {k: e.recipe for k, e in catalog().items() if e.recipe is not None}
        if new not in recipes:
            return
        if old in recipes and self._training_settings() != recipes[old].as_settings():
            return  # the student changed them: keep their settings
        recipe = recipes[new]
        self.solver.value = recipe.solver
        self.learning_rate.value = self._pick(recipe.learning_rate, LEARNING_RATES)
        self.epochs.value = recipe.epochs
        self.batch_size.value = self._pick(recipe.batch_size, BATCH_SIZES)

    def _show_builder(self):
        if self._builder is None:
            cls = _builder_class()
            if cls is None:
                raise InvalidArgumentError("The model builder is not installed; pick LeNet-5.")
            from dl_notebook.applications import LeNet5

            start = LeNet5(self._n_classes_guess(), self._input_shape(), name="my_model")
            self._builder = cls(start, input_shape=self._input_shape(), title="Model builder")
        self.builder_box.children = [self._builder]
        self.builder_box.layout.display = None

    @property
    def builder(self):
        """The ``ModelBuilder`` of the "From the model builder" choice (None until made)."""
        return self._builder

    def _input_shape(self):
        channels = 1 if self.color_mode.value == "grayscale" else 3
        return (self.image_size.value, self.image_size.value, channels)

    # ------------------------------------------------------------------ public API
    @property
    def running(self) -> bool:
        """True while a run (loading, training or evaluating) is going."""
        return self._thread is not None and self._thread.is_alive()

    def train(self) -> bool:
        """Start a run with the current settings, in a background thread (the Train button).

        Settings are checked first; a problem goes to the status line and nothing
        starts. Returns True when a run started.
        """
        if self.running:
            self._say("A run is going; press Stop first.", "error")
            return False
        settings = self._handle(self._settings)
        if settings is None:
            return False
        self._stop_event.clear()
        self.network = self.history = self.result = self.confusion = self.splits = None
        self.accuracy.value, self.results.children = "", ()
        self._set_busy(True)
        self._say("Loading the data…", "running")
        self._thread = threading.Thread(target=self._run, args=(settings,), daemon=True,
                                        name="train-inspect")
        self._thread.start()
        return True

    def stop(self) -> None:
        """Stop the run after the current batch (the Stop button); the result is still shown."""
        if not self.running:
            return
        self._stop_event.set()
        self.live.click_stop()
        self._say("Stopping…", "running")

    def wait(self, timeout=None) -> bool:
        """Wait for the current run to end; True when no run is going any more."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
        return not self.running

    # ------------------------------------------------------------------ a run
    def _settings(self) -> dict:
        if self.valid_rate.value + self.test_rate.value > 80:
            raise InvalidArgumentError(
                "Validation % and test % add up to more than 80; leave at least 20% to train on."
            )
        if self.dataset.value == DIGITS:
            folder = None
        elif self.dataset.value == OTHER:
            folder = self._check_path()
        else:
            folder = resolve_inside(self.dataset.value, self.data_root)
        return dict(folder=folder, size=self.image_size.value, color=self.color_mode.value,
                    valid=self.valid_rate.value, test=self.test_rate.value, seed=self.seed.value,
                    arch=self.architecture.value, epochs=self.epochs.value,
                    batch_size=self.batch_size.value, solver=self.solver.value,
                    lr=self.learning_rate.value)

    def _set_busy(self, busy: bool) -> None:
        for widget in self._inputs:
            widget.disabled = busy
        self.train_button.disabled = busy
        self.stop_button.disabled = not busy

    def make_network(self, n_classes, settings=None):
        """The untrained network Train makes for *n_classes* classes (with the controls' settings)."""
        s = settings or dict(arch=self.architecture.value, size=self.image_size.value,
                             color=self.color_mode.value)
        if s["arch"] == BUILDER:
            if self._builder is None:
                self._show_builder()
            return self._builder.network
        from dl_notebook.magics.zoo import build_ready

        shape = (s["size"], s["size"], 1 if s["color"] == "grayscale" else 3)
        return build_ready(s["arch"], n_classes=n_classes, input_shape=shape, include_top=True)

    def _run(self, s) -> None:
        try:
            self.splits = train, valid, test = load_splits(s, self.data_root, self._cache)
            if self._stop_event.is_set():
                self._say("Stopped before training started.", "stopped")
                return
            net = self.network = self.make_network(len(train.class_names), s)
            self.live.chart.title = f"{net.name}: {len(train)} training images"
            self._say(f"Training {net.name} for {s['epochs']} epochs…", "running")
            self.history = net.fit(train, valid_data=valid, epochs=s["epochs"],
                                   batch_size=s["batch_size"], solver=make_solver(s),
                                   live=self.live, stop_event=self._stop_event,
                                   seed=s["seed"], background=False)
            done, reason = len(self.history), self.history.stop_reason
            stopped = self.history.status is RunStatus.STOPPED
            ended = f"Trained {done} epoch{'s' * (done != 1)}" + (f" ({reason})" if reason else "")
            if stopped:
                ended = f"Stopped in epoch {done} of {s['epochs']}"
            self._say(f"{ended}; evaluating on the test split…", "running")
            self._inspect(net, test, ended, "stopped" if stopped else "finished")
        except Exception as err:  # noqa: BLE001 - students see one line, never a traceback
            self.last_error = err
            self._say(one_line(err), "error")
        finally:
            self._set_busy(False)

    def _inspect(self, net, test, ended, kind) -> None:
        self.result = result = net.evaluate(test)
        accuracy = f"{100 * result.accuracy:.1f}%"
        self.accuracy.value = (f'<div class="dln-ti-score">Test accuracy: <b>{accuracy}</b> on '
                               f"{len(result)} images. Click a cell of the matrix to see its "
                               f"images, or a class or “All misclassified” to see more.</div>")
        self.confusion = result.confusion_matrix().widget()
        self.results.children = (self.confusion,)
        self._say(f"{ended}; test accuracy {accuracy}.", kind)
