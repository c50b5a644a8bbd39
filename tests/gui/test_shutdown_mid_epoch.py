"""Closing while an epoch runs longer than the shutdown's wait: a clean exit, not a crash.

One epoch of the largest network on the largest data, with its snapshot, takes
seconds. A QThread destroyed while it still runs aborts the process (Qt 6), so
shutdown must go on waiting for that epoch, however long the timed wait was.
"""

from __future__ import annotations

import threading

from backprop_lab.core.trainer import Trainer


def slow_epochs(monkeypatch, release: threading.Event, started: threading.Event) -> None:
    """Every Trainer.step waits for ``release`` first: an epoch that lasts as long as
    the test wants (released from another thread, so the GUI thread may block)."""
    original = Trainer.step

    def step(self, *args, **kwargs):
        started.set()
        release.wait(30)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Trainer, "step", step)


def test_shutdown_waits_for_an_epoch_longer_than_its_timeout(qtbot, monkeypatch):
    from backprop_lab.gui.training import TrainingController

    release, started = threading.Event(), threading.Event()
    slow_epochs(monkeypatch, release, started)
    ctrl = TrainingController()
    ctrl.step(1)
    assert started.wait(30), "the worker never began its epoch"
    # The epoch ends 0.5 s from now, long after shutdown's 20 ms wait.
    threading.Timer(0.5, release.set).start()
    assert not ctrl.shutdown(timeout_ms=20)  # it did not end within the timeout...
    assert not ctrl.thread_is_alive()  # ...but it had ended when shutdown returned
    assert release.is_set()


def test_closing_the_window_mid_epoch_hides_it_and_joins_the_thread(qtbot, monkeypatch):
    from backprop_lab.gui.main_window import MainWindow

    release, started = threading.Event(), threading.Event()
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    slow_epochs(monkeypatch, release, started)
    window.controller.step(1)
    assert started.wait(30), "the worker never began its epoch"
    hidden_while_waiting = []
    original_shutdown = window.controller.shutdown

    def shutdown(timeout_ms: int = 5000) -> bool:
        hidden_while_waiting.append(not window.isVisible())
        threading.Timer(0.3, release.set).start()
        return original_shutdown(timeout_ms=20)

    monkeypatch.setattr(window.controller, "shutdown", shutdown)
    monkeypatch.setattr(window, "maybe_save", lambda reason: True)
    window.close()
    assert hidden_while_waiting == [True]
    assert not window.controller.thread_is_alive()
