"""Choosing a ready network in the widgets: the image classifiers that take an input shape.

:func:`ready_choices` is what the Train and inspect dashboard's architecture
list and the model builder's "Start from" list offer: the image classifiers
of ``dn.applications`` (its registry, ``fitting``) that take images of a
shape. :class:`ReadyStartForm` is the builder's "Start from a ready network"
form.

Example:
    >>> from dl_notebook.widgets._ready_start import ready_choices
    >>> ("LeNet-5", "lenet5") in ready_choices((28, 28, 1)), ready_choices((4,))
    (True, [])
"""

from __future__ import annotations

import ipywidgets

from dl_notebook.applications import fitting
from dl_notebook.errors import InvalidArgumentError
from dl_notebook.widgets._layer_form import STYLE

__all__ = ["ReadyStartForm", "ready_choices"]


def ready_choices(input_shape) -> list[tuple[str, str]]:
    """``(title, key)`` of each image classifier that takes *input_shape* ``(h, w, c)``.

    A shape that is not an image's (not three sizes) takes none.

    Args:
        input_shape: ``(height, width, channels)`` of the images.

    Example:
        >>> from dl_notebook.widgets._ready_start import ready_choices
        >>> ("Small CNN", "small_cnn") in ready_choices((8, 8, 3))
        True
    """
    if input_shape is None or len(input_shape) != 3:
        return []
    return [(entry.title, key) for key, entry in fitting(tuple(input_shape)).items()]


class ReadyStartForm(ipywidgets.VBox):
    """A ready network to start from: which one, how many classes, and a Start button.

    Args:
        input_shape: the input shape the ready network takes (its choices fit it).
        n_classes: the number of classes the form starts at.

    Attributes:
        choice: the dropdown of ready networks (value: a registry key).
        classes: the number of classes of the new network.
        button: the button that starts from the chosen network.

    Example:
        >>> from dl_notebook.widgets._ready_start import ReadyStartForm
        >>> form = ReadyStartForm((16, 16, 1), n_classes=3)
        >>> form.choice.value = "small_cnn"
        >>> form.build().layer_names[-1], form.layout.display
        ('output1', 'flex')
        >>> form.input_shape = (8,)
        >>> form.choice.options, form.layout.display
        ((), 'none')
    """

    def __init__(self, input_shape, n_classes=10, **kwargs):
        self.choice = ipywidgets.Dropdown(description="Network", style=STYLE)
        self.classes = ipywidgets.BoundedIntText(value=max(2, int(n_classes)), min=2,
                                                 max=100_000, description="Classes", style=STYLE)
        self.button = ipywidgets.Button(description="Start from it", icon="refresh")
        for widget, css in ((self.choice, "start"), (self.classes, "classes"),
                            (self.button, "start-button")):
            widget.add_class(f"dln-builder-{css}")
        super().__init__([ipywidgets.HTML("<b>Start from a ready network</b>"), self.choice,
                          self.classes, self.button], **kwargs)
        self.input_shape = input_shape

    @property
    def input_shape(self) -> tuple:
        """The input shape the offered networks take; setting it offers those that take it."""
        return self._input_shape

    @input_shape.setter
    def input_shape(self, shape):
        self._input_shape = tuple(shape)
        keep = self.choice.value
        options = ready_choices(self._input_shape)
        self.choice.options = options
        if keep in dict(options).values():
            self.choice.value = keep
        self.layout.display = "flex" if options else "none"

    def build(self):
        """The chosen network, new, for the form's classes and input shape."""
        from dl_notebook.magics.zoo import build_ready

        if self.choice.value is None:
            raise InvalidArgumentError(
                f"No ready network takes inputs of shape {self._input_shape}."
            )
        return build_ready(self.choice.value, n_classes=self.classes.value,
                           input_shape=self._input_shape, include_top=True)
