"""Live labels repaint without re-laying out the window; shown means on screen."""

from PySide6.QtCore import QEvent, QObject, QPoint, Qt
from PySide6.QtGui import QHelpEvent
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QLabel,
    QMainWindow,
    QVBoxLayout,
    QWidget,
)
from waiting import process_events

from backprop_lab.gui.steady import LiveLabel, call_when_shown, fix_label_size, is_shown


class _LayoutRequests(QObject):
    """Counts the layout requests a widget receives."""

    def __init__(self, widget: QWidget) -> None:
        super().__init__(widget)
        self.count = 0
        widget.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.Type.LayoutRequest:
            self.count += 1
        return False


def _window_with(qtbot, label: QWidget) -> tuple[QWidget, _LayoutRequests]:
    window = QWidget()
    layout = QVBoxLayout(window)
    layout.addWidget(label)
    layout.addWidget(QLabel("a neighbour"))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    requests = _LayoutRequests(window)
    process_events()  # the first layout after showing is not what is measured
    requests.count = 0
    return window, requests


def _set_texts(qtbot, label, texts) -> None:
    for text in texts:
        label.setText(text)
        process_events()  # let posted layout requests arrive


def test_a_plain_label_re_lays_out_its_window_a_fixed_one_does_not(qtbot):
    plain = QLabel("0")
    _window, requests = _window_with(qtbot, plain)
    _set_texts(qtbot, plain, ["1", "22", "333"])
    assert requests.count > 0  # what the fix is for: the test would pass without it otherwise

    fixed = QLabel("0")
    fix_label_size(fixed, ["8,888,888,888"])
    _window, requests = _window_with(qtbot, fixed)
    _set_texts(qtbot, fixed, ["1", "22", "8,888,888,888"])
    assert requests.count == 0
    assert fixed.width() >= fixed.fontMetrics().horizontalAdvance("8,888,888,888")


def test_live_label_repaints_without_layout_and_elides_with_a_tooltip(qtbot):
    label = LiveLabel("Live: epoch 0", sample="Live: epoch 8,888,888")
    window, requests = _window_with(qtbot, label)
    _set_texts(qtbot, label, [f"Live: epoch {n:,}" for n in (1, 250, 1_000_000)])
    assert requests.count == 0
    assert label.text() == "Live: epoch 1,000,000"
    assert not label.is_elided()
    label.setToolTip("what this line says")
    assert label.toolTip() == "what this line says"
    window.resize(60, window.height())
    qtbot.waitUntil(lambda: label.width() < 100, timeout=1000)
    long_text = "Showing epoch 12, the nearest kept at or before 15 (rewound)"
    label.setText(long_text)
    assert label.is_elided() and label.toolTip() == long_text
    assert label.sizeHint().width() >= label.fontMetrics().horizontalAdvance("Live: epoch 8")


def test_is_shown_is_false_for_a_tabbed_away_dock_and_the_callback_runs_when_raised(qtbot):
    window = QMainWindow()
    qtbot.addWidget(window)
    first, second = QDockWidget("First", window), QDockWidget("Second", window)
    panel = QLabel("panel in the first dock")
    first.setWidget(panel)
    second.setWidget(QLabel("panel in the second dock"))
    window.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, first)
    window.tabifyDockWidget(first, second)
    calls = []
    call_when_shown(panel, lambda: calls.append(is_shown(panel)))
    window.show()
    qtbot.waitExposed(window)
    second.raise_()
    qtbot.waitUntil(lambda: not is_shown(panel), timeout=1000)
    assert panel.isVisible()
    calls.clear()
    first.raise_()
    qtbot.waitUntil(lambda: is_shown(panel), timeout=1000)
    assert calls  # told when its tab came to the front


def test_live_label_tooltip_is_worked_out_when_a_tooltip_is_asked_for(qtbot):
    label = LiveLabel("short", sample="Live: epoch 8,888,888")
    window, _requests = _window_with(qtbot, label)
    label.setToolTip("what this line says")
    window.resize(60, window.height())
    qtbot.waitUntil(lambda: label.width() < 100, timeout=1000)
    long_text = "Showing epoch 12, the nearest kept at or before 15 (rewound)"
    label.setText(long_text)
    # What Qt shows on hover: the tooltip event brings it up to date first.
    QApplication.sendEvent(label, QHelpEvent(QEvent.Type.ToolTip, QPoint(2, 2), QPoint(2, 2)))
    assert QWidget.toolTip(label) == long_text
    label.setText("short")
    QApplication.sendEvent(label, QHelpEvent(QEvent.Type.ToolTip, QPoint(2, 2), QPoint(2, 2)))
    assert QWidget.toolTip(label) == "what this line says"
