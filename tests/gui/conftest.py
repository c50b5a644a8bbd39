"""GUI test fixtures: a private QSettings folder, and windows that leave no thread behind."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QCoreApplication, QSettings


@pytest.fixture(autouse=True)
def private_settings(tmp_path_factory, monkeypatch):
    """Point QSettings (and QStandardPaths) at a temporary folder: tests never touch the user's."""
    folder = tmp_path_factory.mktemp("qsettings")
    QCoreApplication.setOrganizationName("Backprop Lab Tests")
    QCoreApplication.setApplicationName("Backprop Lab Tests")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    for scope in (QSettings.Scope.UserScope, QSettings.Scope.SystemScope):
        QSettings.setPath(QSettings.Format.IniFormat, scope, str(folder))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(folder))
    monkeypatch.setenv("XDG_DATA_HOME", str(folder / "data"))
    return folder


@pytest.fixture(autouse=True)
def no_modal_dialogs(monkeypatch):
    """A modal dialog would wait forever for a click no test makes: fail instead of hanging.

    Tests that exercise a dialog replace the window's hook for it (for example
    ``data_tools.run_dialog``) or monkeypatch the call themselves.
    """
    from PySide6.QtWidgets import QDialog, QFileDialog, QInputDialog, QMessageBox

    def refuse(*args, **kwargs):
        raise AssertionError(f"a modal dialog was opened in a test: {args[:2]!r}")

    monkeypatch.setattr(QDialog, "exec", refuse)
    monkeypatch.setattr(QMessageBox, "exec", refuse)
    for name in ("question", "warning", "critical", "information"):
        monkeypatch.setattr(QMessageBox, name, refuse)
    for name in ("getDouble", "getInt", "getText", "getItem"):
        monkeypatch.setattr(QInputDialog, name, refuse)
    for name in ("getOpenFileName", "getSaveFileName", "getExistingDirectory"):
        monkeypatch.setattr(QFileDialog, name, refuse)


@pytest.fixture
def controller(qtbot):
    """A TrainingController on the seed example; its thread is joined afterwards."""
    from backprop_lab.gui.training import TrainingController

    ctrl = TrainingController()
    yield ctrl
    assert ctrl.shutdown(), "the training thread did not stop"
    assert not ctrl.thread_is_alive()


@pytest.fixture
def main_window(qtbot):
    """The main window on the seed example; closed afterwards, with no thread left alive."""
    from backprop_lab.gui.main_window import MainWindow

    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    yield window
    window.close()
    assert not window.controller.thread_is_alive(), "closing left the training thread running"
