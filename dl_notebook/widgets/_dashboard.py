"""What the live views of a run share: shown once, displayed as their widget, a status line.

:class:`~dl_notebook.widgets.live.LiveDashboard` (a ``fit``) and
:class:`~dl_notebook.widgets.tune.TuneDashboard` (a search) hold an ipywidgets
container ``widget`` around an anywidget ``chart`` whose ``status`` and
``status_kind`` traits are the status line.

Example:
    >>> import ipywidgets
    >>> class View(DashboardView):
    ...     def __init__(self):
    ...         self.chart = ipywidgets.HTML()
    ...         self.widget, self._shown = ipywidgets.VBox([self.chart]), False
    >>> view = View()
    >>> view._shown = True  # as an app that places view.widget in its own layout
    >>> view.show() is view  # so show() displays nothing
    True
    >>> "application/vnd.jupyter.widget-view+json" in view._repr_mimebundle_()
    True
"""

from __future__ import annotations

__all__ = ["DashboardView"]


class DashboardView:
    """Displays ``self.widget`` once and sets the status line of ``self.chart``.

    A subclass sets ``widget``, ``chart`` and ``_shown`` (True where nothing should be
    displayed by :meth:`show`, as when an app places ``widget`` in its own layout).
    """

    def show(self):
        """Display the view in the current output (once; later calls do nothing).

        Outside IPython (a script, a test) there is nowhere to display it: nothing happens.
        """
        if not self._shown:
            from IPython import get_ipython
            from IPython.display import display

            if get_ipython() is not None:
                display(self.widget)
            self._shown = True
        return self

    def _repr_mimebundle_(self, **kwargs):
        self._shown = True
        return self.widget._repr_mimebundle_(**kwargs)

    def _set_status(self, text: str, kind: str) -> None:
        self.chart.status = text
        self.chart.status_kind = kind
