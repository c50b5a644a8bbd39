"""Widgets and helpers that keep live updates cheap for the GUI thread.

Two costs dominate a window that redraws thirty times a second:

* **Re-layout.** ``QLabel.setText`` calls ``updateGeometry()``, and every
  layout that activates calls ``updateGeometry()`` on its widget in turn, so one
  changing number re-lays out every layout up to the main window (its docks,
  their title bars, their style icons). Qt stops that chain at a widget whose
  minimum and maximum sizes are equal. :func:`fix_label_size` gives a
  :class:`QLabel` such a size from the widest text it will show;
  :class:`LiveLabel` is a one-line text whose size never depends on its text,
  so changing it only repaints the label.
* **Hidden work.** A dock tabbed behind another is moved off screen, not
  hidden: ``isVisible()`` stays True. :func:`is_shown` tells whether a widget
  can be seen at all, and :func:`call_when_shown` runs a catch-up when it can
  again (shown, or its dock's tab brought to the front).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from PySide6.QtCore import QEvent, QObject, QSize, Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QDockWidget, QLabel, QSizePolicy, QWidget


def is_shown(widget: QWidget) -> bool:
    """True when ``widget`` is visible and not off screen (e.g. a dock tabbed behind another)."""
    return widget.isVisible() and not widget.visibleRegion().isEmpty()


class _ShownWatcher(QObject):
    """Calls back when the widget is shown or a dock it sits in comes to the front."""

    def __init__(self, widget: QWidget, callback: Callable[[], None]) -> None:
        super().__init__(widget)
        self._widget = widget
        self._callback = callback
        self._docks: list[QDockWidget] = []
        widget.installEventFilter(self)
        self._watch_docks()

    def _watch_docks(self) -> None:
        parent = self._widget.parentWidget()
        docks = []
        while parent is not None:
            if isinstance(parent, QDockWidget):
                docks.append(parent)
            parent = parent.parentWidget()
        for dock in docks:
            if dock not in self._docks:
                dock.visibilityChanged.connect(self._on_dock_visibility)
                self._docks.append(dock)

    def _on_dock_visibility(self, visible: bool) -> None:
        if visible:
            self._callback()

    def eventFilter(self, watched, event) -> bool:
        kind = event.type()
        if kind == QEvent.Type.Show:
            self._watch_docks()
            self._callback()
        elif kind == QEvent.Type.ParentChange:
            self._watch_docks()
        return False


def call_when_shown(widget: QWidget, callback: Callable[[], None]) -> None:
    """Run ``callback`` whenever ``widget`` is shown or its dock's tab is brought to the front.

    The callback should check :func:`is_shown` itself: a dock's visibility
    signal may come just before its contents are placed on screen.
    """
    _ShownWatcher(widget, callback)


def text_width(widget: QWidget, texts: Iterable[str]) -> int:
    """Pixels the widest of ``texts`` needs in ``widget``'s font."""
    metrics = widget.fontMetrics()
    return max((metrics.horizontalAdvance(text) for text in texts), default=0)


def fix_label_size(label: QLabel, widest_texts: Iterable[str]) -> None:
    """Give ``label`` a fixed size that fits each of ``widest_texts`` on one line.

    A label of fixed size does not re-lay out its parents when its text
    changes. Call again after a font change. Pass every shape of text the
    label can show (e.g. ``"8,888,888,888"`` and ``"-8.88888e-308"``).
    """
    texts = list(widest_texts)
    margins = label.contentsMargins()
    width = text_width(label, texts) + margins.left() + margins.right() + 2 * label.margin() + 2
    height = label.fontMetrics().height() + margins.top() + margins.bottom() + 2 * label.margin()
    label.setFixedSize(width, height)


class LiveLabel(QWidget):
    """One line of text that changes often without re-laying out the window.

    Its size hint comes from ``sample`` (the width it would like), never from
    the text shown, so :meth:`setText` only repaints it. Text that does not fit
    is elided, and the whole text is then its tooltip.

    Parameters
    ----------
    text
        The text shown first.
    sample
        A typical widest text, for the size hint.
    """

    def __init__(self, text: str = "", sample: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._text = ""
        self._sample = sample
        self._tooltip = ""
        self._alignment = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        # Opaque (its parent's background colour): a new text repaints the label
        # alone, not the widgets behind it.
        self.setAutoFillBackground(True)
        self.setText(text)

    def text(self) -> str:
        """The whole text (also when elided on screen)."""
        return self._text

    def setText(self, text: str) -> None:
        """Show ``text``; repaints only when it changed."""
        text = str(text)
        if text == self._text:
            return
        self._text = text
        self.setAccessibleName(text)
        self._update_tooltip()
        self.update()

    def setAlignment(self, alignment: Qt.AlignmentFlag) -> None:
        self._alignment = alignment
        self.update()

    def setToolTip(self, text: str) -> None:
        """A tooltip shown while the text fits (the whole text is shown when it does not)."""
        self._tooltip = text
        self._update_tooltip()

    def is_elided(self) -> bool:
        """True when the text is too wide for the label and shown shortened."""
        return self.fontMetrics().horizontalAdvance(self._text) > self.contentsRect().width()

    def _update_tooltip(self) -> None:
        # Worked out when asked for (a tooltip event or toolTip()), not on every
        # new text: measuring the text and setting the tooltip cost the GUI thread
        # about 0.1 ms a label a snapshot while training.
        self._tooltip_stale = True

    def _tooltip_now(self) -> str:
        """The tooltip for the text shown now: the whole text when it is elided."""
        return self._text if self.is_elided() else self._tooltip

    def _refresh_tooltip(self) -> None:
        if getattr(self, "_tooltip_stale", True):
            self._tooltip_stale = False
            QWidget.setToolTip(self, self._tooltip_now())

    def toolTip(self) -> str:
        """The tooltip as it would show now."""
        self._refresh_tooltip()
        return QWidget.toolTip(self)

    def event(self, event) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            self._refresh_tooltip()
        return super().event(event)

    def sizeHint(self) -> QSize:
        metrics = self.fontMetrics()
        margins = self.contentsMargins()
        return QSize(
            metrics.horizontalAdvance(self._sample) + margins.left() + margins.right() + 2,
            metrics.height() + margins.top() + margins.bottom(),
        )

    def minimumSizeHint(self) -> QSize:
        metrics = self.fontMetrics()
        margins = self.contentsMargins()
        return QSize(
            metrics.horizontalAdvance("…") * 4 + margins.left() + margins.right(),
            metrics.height() + margins.top() + margins.bottom(),
        )

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._update_tooltip()

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self.updateGeometry()

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        rect = self.contentsRect()
        painter.setPen(self.palette().color(self.foregroundRole()))
        text = self.fontMetrics().elidedText(self._text, Qt.TextElideMode.ElideRight, rect.width())
        painter.drawText(rect, int(self._alignment), text)
        painter.end()


__all__ = ["LiveLabel", "call_when_shown", "fix_label_size", "is_shown", "text_width"]
