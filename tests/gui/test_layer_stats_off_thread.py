"""A big network's layer statistics are computed off the GUI thread.

Above ``load_progress.OFF_THREAD_WORK`` (forced to 0 here) each kept epoch's pass
runs on the background thread, one at a time, and is drawn when it arrives. The
background thread is held until the test lets it go, so what the panel shows
meanwhile is seen deterministically; no timing, no sleeps.
"""

from __future__ import annotations

import dataclasses
import threading

import numpy as np
from PySide6.QtWidgets import QApplication

from backprop_lab.core.layer_stats import LayerStatsSeries
from backprop_lab.gui import layer_stats_panel as panel_module
from backprop_lab.gui import load_progress
from backprop_lab.gui.steady import is_shown

TIMEOUT = 10_000


class Gate:
    """Holds the background thread's statistics until :meth:`open` (or 20 s)."""

    def __init__(self, monkeypatch) -> None:
        self.opened = threading.Event()
        self.started = threading.Event()
        real = panel_module.stats_of

        def held(snapshot, inputs, targets):
            if threading.current_thread() is not threading.main_thread():
                self.started.set()
                self.opened.wait(20)
            return real(snapshot, inputs, targets)

        monkeypatch.setattr(panel_module, "stats_of", held)

    def open(self) -> None:
        self.opened.set()


def show_panel(qtbot, window):
    dock = window.docks["layer_stats"]
    dock.show()
    dock.raise_()
    qtbot.waitUntil(lambda: is_shown(window.layer_stats), timeout=TIMEOUT)
    QApplication.processEvents()
    return window.layer_stats


def expected_series(window) -> LayerStatsSeries:
    """The statistics of every kept epoch, computed here from the core."""
    session = window.controller.session
    train, _ = session.dataset()
    history = session.rewind
    sizes = tuple(session.live_snapshot.layer_sizes)
    stats = []
    for epoch in history.epochs():
        snapshot = history.at_or_before(epoch)
        if tuple(snapshot.layer_sizes) == sizes:
            stats.append(panel_module.stats_of(snapshot, train.inputs, train.targets))
    return LayerStatsSeries.from_stats(stats)


def same_series(a: LayerStatsSeries, b: LayerStatsSeries) -> None:
    for field in dataclasses.fields(LayerStatsSeries):
        x, y = getattr(a, field.name), getattr(b, field.name)
        assert np.array_equal(np.asarray(x), np.asarray(y), equal_nan=True), field.name


def train(qtbot, window, key, epochs):
    window.example_actions[key].trigger()
    controller = window.controller
    controller.step(epochs)
    qtbot.waitUntil(lambda: controller.live_snapshot().epoch == epochs, timeout=TIMEOUT)
    QApplication.processEvents()


def wait_every_kept_epoch_drawn(qtbot, panel, kept: int) -> None:
    qtbot.waitUntil(
        lambda: (
            not panel.is_computing()
            and panel.drawn_series() is not None
            and len(panel.drawn_series().epochs) == kept
        ),
        timeout=TIMEOUT,
    )


def test_each_epoch_arrives_from_the_background_and_equals_the_core(
    qtbot, main_window, monkeypatch
):
    monkeypatch.setattr(load_progress, "OFF_THREAD_WORK", 0)
    gate = Gate(monkeypatch)
    train(qtbot, main_window, "spirals", 3)
    panel = show_panel(qtbot, main_window)
    qtbot.waitUntil(gate.started.is_set, timeout=TIMEOUT)
    # The pass is held on the background thread and the GUI thread is here: the panel
    # is drawn without the epoch on its way.
    assert panel.is_computing()
    drawn = panel.drawn_series()
    kept = len(main_window.controller.session.rewind.epochs())
    assert drawn is None or len(drawn.epochs) < kept
    assert panel.heading.text().endswith("computing…")
    gate.open()
    wait_every_kept_epoch_drawn(qtbot, panel, kept)
    same_series(panel.drawn_series(), expected_series(main_window))
    assert panel.heading.text().endswith(f"{kept} kept")


def test_statistics_on_their_way_for_a_replaced_network_are_dropped(
    qtbot, main_window, monkeypatch
):
    monkeypatch.setattr(load_progress, "OFF_THREAD_WORK", 0)
    gate = Gate(monkeypatch)
    train(qtbot, main_window, "spirals", 2)
    panel = show_panel(qtbot, main_window)
    qtbot.waitUntil(gate.started.is_set, timeout=TIMEOUT)
    assert panel.is_computing()
    train(qtbot, main_window, "xor", 2)  # meanwhile: another network and its data
    gate.open()
    kept = len(main_window.controller.session.rewind.epochs())
    wait_every_kept_epoch_drawn(qtbot, panel, kept)
    same_series(panel.drawn_series(), expected_series(main_window))


def test_flush_computes_everything_here(qtbot, main_window, monkeypatch):
    monkeypatch.setattr(load_progress, "OFF_THREAD_WORK", 0)
    gate = Gate(monkeypatch)
    train(qtbot, main_window, "spirals", 2)
    panel = show_panel(qtbot, main_window)
    same_series(panel.series(), expected_series(main_window))  # flush: here, at once
    gate.open()
