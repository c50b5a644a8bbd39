"""Nothing clipped at any classroom size: every label (the loss readout too), button, tab
(none behind the tab bar's scroll arrows), header, table cell and plot axis label shown
with each dock raised fits its widget (offscreen, at the issue's window sizes)."""

from __future__ import annotations

import pyqtgraph as pg
import pytest
from clipping import KNOWN_SIDEWAYS, clipped_texts
from PySide6.QtCore import Qt
from PySide6.QtGui import QWindowStateChangeEvent
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QPushButton,
    QTabBar,
    QVBoxLayout,
    QWidget,
)
from waiting import event_loop_turn

from backprop_lab.core.snapshot import ParameterRef
from backprop_lab.gui.dialogs import scrolled
from backprop_lab.gui.steady import LiveLabel

#: The window sizes (logical pixels): 1280x720, 1366x768, 1440x900, 1920x1080, and
#: 2560x1440 at device pixel ratio 2, which lays out as 1280x720.
SIZES = [(1280, 720), (1366, 768), (1440, 900), (1920, 1080)]


def _settle(qtbot, window):
    window.layout().activate()
    QApplication.processEvents()
    event_loop_turn(qtbot)  # what the layout posted (resizes, deferred sizing) handled


def test_the_checker_finds_clipped_text(qtbot):
    holder = QWidget()
    qtbot.addWidget(holder)
    layout = QVBoxLayout(holder)
    button = QPushButton("Run the whole gradient check now")
    button.setFixedWidth(40)
    label = QLabel("a label much wider than its room")
    label.setFixedWidth(30)
    layout.addWidget(button)
    layout.addWidget(label)
    live = LiveLabel("latest: epoch 1,500 (before its update)   training 0.0540723")
    live.setFixedWidth(60)
    tabs = QTabBar()
    tabs.setFixedWidth(120)
    tabs.setUsesScrollButtons(True)
    tabs.setElideMode(Qt.TextElideMode.ElideNone)
    for title in ("Step phases", "Chain rule", "Gradient check", "Rewind"):
        tabs.addTab(title)
    plot = pg.PlotWidget()
    plot.setFixedSize(300, 90)
    plot.getPlotItem().setLabel("left", "loss (cross_entropy), a long axis label")
    wide = QWidget()
    wide.setMinimumSize(400, 20)
    area = scrolled(wide)
    area.setFixedSize(200, 80)
    for widget in (live, tabs, plot, area):
        layout.addWidget(widget)
    holder.show()
    qtbot.waitExposed(holder)
    qtbot.waitUntil(area.horizontalScrollBar().isVisible, timeout=2000)
    problems = clipped_texts(holder)
    assert any(p.startswith("button") for p in problems)
    assert any(p.startswith("label") for p in problems)
    assert any(p.startswith("live label 'latest: epoch 1,500") for p in problems)
    assert any(p.startswith("tab 'Rewind': behind the scroll arrows") for p in problems)
    assert any(p.startswith("axis label 'loss (cross_entropy)") for p in problems)
    assert any(p.startswith("panel '?': scrolls sideways") for p in problems)


@pytest.mark.parametrize("example", ["seed", "circles"])
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_nothing_is_clipped_with_any_dock_raised(qtbot, main_window, size, example):
    """Also the loss readout and the loss axis's label: circles has a test set and the
    longest loss name (cross_entropy)."""
    window = main_window
    if example != "seed":
        assert window.open_example(example)
        qtbot.waitUntil(lambda: window.controller.current_snapshot().epoch == 0, timeout=5000)
    # Four-digit epochs and losses below 0.1: the readout's long form.
    epochs = 5 if example == "seed" else 1500
    window.controller.step(epochs)
    qtbot.waitUntil(lambda: window.controller.current_snapshot().epoch == epochs, timeout=20000)
    window.inspector.gradient_check.run_check()
    window.network_view.select(ParameterRef(1, 0, 0))
    window.resize(*size)
    qtbot.waitUntil(lambda: window.width() == size[0], timeout=2000)
    window.size_docks()
    _settle(qtbot, window)
    problems = {}
    for name, dock in window.docks.items():
        dock.raise_()
        _settle(qtbot, window)
        for problem in clipped_texts(window, KNOWN_SIDEWAYS):
            problems.setdefault(problem, name)
    assert not problems, "\n".join(f"[{dock} raised] {p}" for p, dock in problems.items())


def test_maximising_gives_the_extra_room_to_the_network(qtbot, main_window):
    """From 1280 x 720 to a 1920 x 1080 maximised window: the side columns grow by at
    most their default share, the network (centre) gets most of the new width."""
    window = main_window
    window.resize(1280, 720)
    qtbot.waitUntil(lambda: window.width() == 1280, timeout=2000)
    window.size_docks()
    _settle(qtbot, window)
    before = window.network_view.width()
    assert before >= 580, "the network has too little room at 1280 x 720"
    window.resize(1920, 1080)
    qtbot.waitUntil(lambda: window.width() == 1920, timeout=2000)
    # What maximising (a window state change) does: the default column widths for the size.
    QApplication.sendEvent(window, QWindowStateChangeEvent(Qt.WindowState.WindowNoState))
    qtbot.waitUntil(lambda: window.network_view.width() - before >= 0.7 * 640, timeout=2000)
    for name in ("controls", "weights"):
        assert window.docks[name].width() <= 470
