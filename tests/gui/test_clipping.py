"""Nothing clipped at any classroom size: every label, button, tab, header and table cell
shown with each dock raised fits its widget (offscreen, at the issue's window sizes)."""

from __future__ import annotations

import pytest
from clipping import clipped_texts
from PySide6.QtWidgets import QApplication, QLabel, QPushButton, QVBoxLayout, QWidget

from backprop_lab.core.snapshot import ParameterRef

#: The window sizes (logical pixels): 1280x720, 1366x768, 1440x900, 1920x1080, and
#: 2560x1440 at device pixel ratio 2, which lays out as 1280x720.
SIZES = [(1280, 720), (1366, 768), (1440, 900), (1920, 1080)]


def _settle(qtbot, window):
    window.layout().activate()
    QApplication.processEvents()
    qtbot.wait(20)


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
    holder.show()
    qtbot.waitExposed(holder)
    problems = clipped_texts(holder)
    assert any("button" in p for p in problems)
    assert any("label" in p for p in problems)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_nothing_is_clipped_with_any_dock_raised(qtbot, main_window, size):
    window = main_window
    window.controller.step(5)
    qtbot.waitUntil(lambda: window.controller.current_snapshot().epoch == 5, timeout=5000)
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
        for problem in clipped_texts(window):
            problems.setdefault(problem, name)
    assert not problems, "\n".join(f"[{dock} raised] {p}" for p, dock in problems.items())
