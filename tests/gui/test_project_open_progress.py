"""Opening a large project: read and checked off the GUI thread, with progress and Cancel.

A file over OFF_THREAD_BYTES is parsed and built into a Session on the background
thread while the window's event loop keeps running; after a second a dialog with a
busy bar and Cancel appears. Cancel leaves the session byte for byte as it was.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QPushButton
from waiting import event_loop_turn

from backprop_lab.core import Network, Project
from backprop_lab.core.data import Dataset
from backprop_lab.core.project_file import save_project, serialise_project_bytes
from backprop_lab.gui import project_io
from backprop_lab.gui.load_progress import BackgroundLoad, LoadCancelledByUser
from backprop_lab.gui.training.background import shared_pool


def press_cancel(dialog) -> None:
    """Click the progress dialog's Cancel button, as the user does."""
    dialog.findChild(QPushButton).click()


def session_bytes(window) -> bytes:
    return serialise_project_bytes(window.project())


@pytest.fixture
def big_project(tmp_path):
    """A project file well over OFF_THREAD_BYTES: 20,000 samples, 200,000 epochs."""
    rng = np.random.default_rng(3)
    inputs = rng.uniform(-1, 1, size=(20_000, 2))
    data = Dataset(inputs, (inputs[:, :1] > 0).astype(float), ("x1", "x2"), ("t",))
    net = Network([2, 8, 1], "tanh", init="xavier", seed=1)
    epochs = 200_000
    history = {
        "epoch": np.arange(1, epochs + 1),
        "train_loss": rng.uniform(size=epochs),
        "test_loss": np.full(epochs, np.nan),
    }
    path = tmp_path / "big.bplab"
    save_project(
        path, Project(net, net.copy(), data, None, {"learning_rate": 0.5}, epochs, history)
    )
    assert path.stat().st_size >= project_io.OFF_THREAD_BYTES
    return path


def shown_at_once(monkeypatch, cancel: bool = False, at_once: bool = True) -> list:
    """Make the open's progress dialog appear at once (and press its Cancel); returns
    the progress objects the window made."""
    made: list[BackgroundLoad] = []

    class AtOnce(BackgroundLoad):
        def __init__(self, parent, label, inline=False):
            if at_once:
                super().__init__(parent, label, after_seconds=0.0, inline=inline)
            else:
                super().__init__(parent, label, inline=inline)
            made.append(self)

        def _show(self, on_cancel) -> None:
            super()._show(on_cancel)
            if cancel and on_cancel is not None:
                QTimer.singleShot(0, lambda: press_cancel(self.dialog))

    monkeypatch.setattr(project_io, "BackgroundLoad", AtOnce)
    return made


def test_a_large_project_opens_off_the_gui_thread_with_progress(
    qtbot, main_window, big_project, monkeypatch
):
    made = shown_at_once(monkeypatch)
    threads = []
    original = project_io._read_and_check

    def read_and_check(path):
        threads.append(threading.current_thread())
        return original(path)

    monkeypatch.setattr(project_io, "_read_and_check", read_and_check)
    assert main_window.open_project_from(big_project, show_errors=False, ask_to_save=False)
    assert threads and threads[0] is not threading.main_thread()
    assert made and not made[0].inline and made[0].was_shown
    assert made[0].dialog is None  # closed when done
    assert main_window.session.epoch == 200_000
    assert main_window.session.train.n_samples == 20_000
    assert main_window.data_tools.plot.train_scatter.item_count() == 2
    assert "Opened big.bplab" in main_window.statusBar().currentMessage()


def test_cancel_while_opening_changes_nothing(qtbot, main_window, big_project, monkeypatch):
    before = session_bytes(main_window)
    made = shown_at_once(monkeypatch, cancel=True)
    release = threading.Event()
    original = project_io._read_and_check

    def slow_read_and_check(path):  # still reading when the user presses Cancel
        release.wait(30)
        return original(path)

    monkeypatch.setattr(project_io, "_read_and_check", slow_read_and_check)
    try:
        assert not main_window.open_project_from(big_project, show_errors=False, ask_to_save=False)
    finally:
        release.set()
    assert made and made[0].was_shown and made[0].dialog is None
    assert "cancelled" in main_window.statusBar().currentMessage()
    assert session_bytes(main_window) == before
    # The abandoned load still ends on its thread; its result is dropped.
    qtbot.waitUntil(lambda: shared_pool().activeThreadCount() == 0, timeout=60_000)
    event_loop_turn(qtbot)
    assert session_bytes(main_window) == before


def test_a_small_project_opens_on_the_gui_thread_without_a_dialog(
    qtbot, main_window, tmp_path, monkeypatch
):
    made = shown_at_once(monkeypatch, at_once=False)
    path = tmp_path / "small.bplab"
    save_project(path, main_window.project())
    assert main_window.open_project_from(path, show_errors=False, ask_to_save=False)
    assert made and made[0].inline and not made[0].was_shown


def test_the_event_loop_runs_while_the_loader_works(qtbot):
    """The loader waits for a zero-delay timer of the GUI thread: it can only return
    when the event loop keeps running during the load."""
    ticked = threading.Event()
    QTimer.singleShot(0, ticked.set)

    def loader():
        if not ticked.wait(20):
            raise TimeoutError("the GUI's event loop did not run during the load")
        return 42

    assert BackgroundLoad(None, "Loading…").run(loader) == 42
    with pytest.raises(ValueError, match="bad file"):
        BackgroundLoad(None, "Loading…").run(lambda: (_ for _ in ()).throw(ValueError("bad file")))
    load = BackgroundLoad(None, "Loading…", after_seconds=0.0)
    release = threading.Event()

    def press_cancel_when_shown():
        if load.dialog is None:
            QTimer.singleShot(0, press_cancel_when_shown)
        else:
            press_cancel(load.dialog)

    QTimer.singleShot(0, press_cancel_when_shown)
    with pytest.raises(LoadCancelledByUser):
        try:
            load.run(release.wait, 20)
        finally:
            release.set()
            load.close()
