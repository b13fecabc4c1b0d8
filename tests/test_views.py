"""Which widget shows a core object: a missing widget library means no view; other errors surface."""

import sys

import pytest

import dl_notebook as dn
from dl_notebook import _views


def _module(tmp_path, monkeypatch, name, source):
    (tmp_path / f"{name}.py").write_text(source)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, name, raising=False)


def test_a_missing_widget_library_means_no_view(tmp_path, monkeypatch):
    _module(tmp_path, monkeypatch, "view_without_anywidget",
            "raise ModuleNotFoundError(\"No module named 'anywidget'\", name='anywidget')\n")
    _views.register_view("test-missing-lib", "view_without_anywidget:View")
    assert _views.view_class("test-missing-lib") is None


def test_any_other_import_error_in_a_view_module_surfaces(tmp_path, monkeypatch):
    _module(tmp_path, monkeypatch, "view_with_a_bug", "from json import no_such_name\n")
    _views.register_view("test-bug", "view_with_a_bug:View")
    with pytest.raises(ImportError, match="no_such_name"):
        _views.view_class("test-bug")


def test_a_missing_class_surfaces(tmp_path, monkeypatch):
    _module(tmp_path, monkeypatch, "view_without_class", "X = 1\n")
    _views.register_view("test-no-class", "view_without_class:View")
    with pytest.raises(AttributeError):
        _views.view_class("test-no-class")


def test_the_registered_views_import():
    for kind in ("live", "confusion", "browser"):
        assert _views.view_class(kind) is not None


def test_dir_lists_the_lazily_imported_names():
    names = dir(dn)
    assert {"explain", "applications", "solvers", "schedules", "lr_find", "Network"} <= set(names)
