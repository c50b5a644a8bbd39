"""Find clipped text in a window: labels (also the app's LiveLabels), buttons, tab
titles (elided, or hidden behind the tab bar's scroll arrows), table headers and cells,
and pyqtgraph axis labels longer than their axis."""

from __future__ import annotations

from PySide6.QtGui import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QDockWidget,
    QGraphicsView,
    QHeaderView,
    QLabel,
    QScrollArea,
    QTabBar,
    QTableView,
    QToolButton,
    QWidget,
)

from backprop_lab.gui.steady import LiveLabel

SLACK = 1  # pixels of rounding


def _shown(widget: QWidget) -> bool:
    return widget.isVisible() and widget.width() > 0 and widget.height() > 0


def _visible_in_window(widget: QWidget) -> bool:
    """Not inside a hidden (tabbed away) dock or scrolled off entirely."""
    if isinstance(widget, QAbstractScrollArea):
        # Its viewport covers it whole: the view's own visible region is empty.
        widget = widget.viewport()
    return _shown(widget) and _region_visible(widget)


def _region_visible(widget: QWidget, depth: int = 3) -> bool:
    """Some of it is on screen (itself, or the children that cover it whole)."""
    if not widget.visibleRegion().isEmpty():
        return True
    if depth == 0:
        return False
    return any(
        child.isVisible() and _region_visible(child, depth - 1)
        for child in widget.findChildren(QWidget, options=Qt.FindChildOption.FindDirectChildrenOnly)
    )


#: Panels that may scroll sideways in a narrow dock column (a 1280 x 720 window's
#: 352 px): the chain rule's equations by design (a long product stays on one line);
#: Practice still needs ~360 px (issue 12's remainder).
KNOWN_SIDEWAYS = frozenset({"Chain rule", "Practice"})


def clipped_texts(window: QWidget, allow_sideways: frozenset[str] = frozenset()) -> list[str]:
    """One line per text that is elided or wider than its widget, and per dock panel
    that scrolls sideways (except the panels named in ``allow_sideways``)."""
    problems: list[str] = []
    for label in window.findChildren(QLabel):
        if not _visible_in_window(label) or not label.text():
            continue
        if label.textFormat() == Qt.TextFormat.RichText or Qt.mightBeRichText(label.text()):
            if label.wordWrap() and label.hasHeightForWidth():
                needed = label.heightForWidth(label.width())
                if needed > label.height() + SLACK:
                    problems.append(
                        f"label {label.text()[:40]!r}: {needed} > {label.height()} tall"
                    )
            continue
        if label.wordWrap():
            needed = label.heightForWidth(label.width())
            if needed > label.height() + SLACK:
                problems.append(f"label {label.text()[:40]!r}: {needed} px tall > {label.height()}")
            continue
        width = label.fontMetrics().horizontalAdvance(label.text().split("\n")[0])
        room = label.contentsRect().width()
        if width > room + SLACK:
            problems.append(f"label {label.text()[:40]!r}: {width} px wide > {room}")
    for button in window.findChildren(QAbstractButton):
        if not _visible_in_window(button) or not button.text():
            continue
        needed = button.sizeHint().width()
        if needed > button.width() + SLACK:
            problems.append(f"button {button.text()!r}: needs {needed} px, has {button.width()}")
    for bar in window.findChildren(QTabBar):
        if not _visible_in_window(bar):
            continue
        metrics = bar.fontMetrics()
        for index in range(bar.count()):
            text = bar.tabText(index)
            rect = bar.tabRect(index)
            if bar.elideMode() != Qt.TextElideMode.ElideNone and (
                metrics.horizontalAdvance(text) + 8 > rect.width()
            ):
                problems.append(f"tab {text!r}: elided ({rect.width()} px)")
            if rect.left() < -SLACK or rect.right() > bar.width() + SLACK:
                problems.append(
                    f"tab {text!r}: behind the scroll arrows (x {rect.left()}..{rect.right()}"
                    f" of a {bar.width()} px bar)"
                )
        arrows = [b for b in bar.findChildren(QToolButton) if b.isVisible()]
        if arrows and bar.count():
            problems.append(
                f"tab bar {bar.tabText(0)!r}…: scroll arrows shown ({bar.count()} tabs,"
                f" {bar.width()} px)"
            )
    for area in window.findChildren(QScrollArea):
        # A dock panel wider than its dock: what is right of the edge needs scrolling.
        if (
            _visible_in_window(area)
            and area.horizontalScrollBar().isVisible()
            and _panel_name(area) not in allow_sideways
        ):
            inner = area.widget()
            needed = inner.minimumSizeHint().width() if inner is not None else 0
            problems.append(
                f"panel {_panel_name(area)!r}: scrolls sideways ({needed} px in"
                f" {area.viewport().width()})"
            )
    for live in window.findChildren(LiveLabel):
        if _visible_in_window(live) and live.text() and live.is_elided():
            problems.append(f"live label {live.text()[:40]!r}: elided ({live.width()} px)")
    for view in window.findChildren(QGraphicsView):
        if _visible_in_window(view):
            problems.extend(axis_label_problems(view))
    for header in window.findChildren(QHeaderView):
        if not _visible_in_window(header):
            continue
        model = header.model()
        if model is None:
            continue
        for index in range(header.count()):
            if header.isSectionHidden(index) or header.sectionSize(index) <= 0:
                continue
            text = model.headerData(index, header.orientation(), Qt.ItemDataRole.DisplayRole)
            if text is None or header.sectionViewportPosition(index) > header.width():
                continue
            needed = header.sectionSizeFromContents(index)
            size = header.sectionSize(index)
            extent = (
                needed.width()
                if header.orientation() == Qt.Orientation.Horizontal
                else (needed.height())
            )
            if extent > size + SLACK and header.orientation() == Qt.Orientation.Horizontal:
                problems.append(f"header {str(text)[:30]!r}: needs {extent} px, has {size}")
    for table in window.findChildren(QTableView):
        if not _visible_in_window(table) or table.model() is None:
            continue
        model = table.model()
        viewport = table.viewport().rect()
        for row in range(min(model.rowCount(), 40)):
            for column in range(min(model.columnCount(), 40)):
                index = model.index(row, column)
                rect = table.visualRect(index)
                if not rect.intersects(viewport) or table.isColumnHidden(column):
                    continue
                text = model.data(index, Qt.ItemDataRole.DisplayRole)
                if text is None or str(text) == "":
                    continue
                needed = table.fontMetrics().horizontalAdvance(str(text).split("\n")[0]) + 6
                if needed > rect.width() + SLACK:
                    problems.append(
                        f"cell {str(text)[:30]!r}: needs {needed} px, has {rect.width()}"
                    )
    return problems


def _panel_name(widget: QWidget) -> str:
    while widget is not None and not isinstance(widget, QDockWidget):
        widget = widget.parentWidget()
    return widget.windowTitle() if widget is not None else "?"


def axis_label_problems(view: QGraphicsView) -> list[str]:
    """pyqtgraph axis labels in ``view`` longer than their axis (cut off on screen)."""
    import pyqtgraph as pg

    problems = []
    scene = view.scene()
    if scene is None:
        return problems
    for item in scene.items():
        if not isinstance(item, pg.AxisItem) or not item.isVisible():
            continue
        label = item.label
        if not item.labelText or not label.isVisible():
            continue
        text = label.toPlainText()
        needed = label.boundingRect().width()  # along the axis (left/right labels turn)
        size = item.size()
        room = size.height() if item.orientation in ("left", "right") else size.width()
        if needed > room + SLACK:
            problems.append(
                f"axis label {text[:40]!r} ({item.orientation}): {needed:.0f} px > {room:.0f}"
            )
    return problems


def docks_by_tab_group(window) -> list[QDockWidget]:
    return [d for d in window.findChildren(QDockWidget) if not d.isFloating()]
