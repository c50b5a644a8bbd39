"""A plot panel fills its dock: its x axis never hides behind a needless scroll bar.

A panel in a dock's scroll area that holds a word-wrapped label is made as tall as
its layout's preferred height for the width; a plot preferring pyqtgraph's ~480 px
made the data plot's panel 590 px tall in a 290–485 px dock at every screen size,
so the data plot showed no x axis, and the layer statistics and loss landscape
scrolled likewise. Scrolling is right only when the dock is below the panel's minimum.
"""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication, QScrollArea

PLOT_DOCKS = ("data_plot", "layer_stats", "landscape")


def _plots(panel):
    import pyqtgraph as pg

    return [w for w in panel.findChildren(pg.GraphicsView) if w.isVisibleTo(panel)]


def _problem(name, area, size):
    """Why the panel scrolls for nothing, or None when it does not."""
    panel = area.widget()
    plots = _plots(panel)
    if not plots:
        return f"{name}: no plot found"
    if panel.height() <= area.viewport().height():
        return None  # it fits: no scroll bar
    # Taller than its dock: right only when the plots already gave up all they can.
    for plot in plots:
        if plot.height() > plot.minimumHeight() + 1:
            return (
                f"{name} at {size}: the panel is {panel.height()} px tall in a "
                f"{area.viewport().height()} px dock, yet a plot in it is {plot.height()} px "
                f"tall against its {plot.minimumHeight()} px minimum: its axis scrolls away "
                "for nothing"
            )
    return None


@pytest.mark.parametrize("size", [(1280, 720), (1440, 900), (1920, 1080)])
def test_plot_panels_scroll_only_when_their_plots_are_at_their_minimum(qtbot, main_window, size):
    window = main_window
    window.resize(*size)
    qtbot.waitUntil(lambda: window.size().toTuple() == size)
    for name in PLOT_DOCKS:
        dock = window.docks[name]
        area = dock.widget()
        assert isinstance(area, QScrollArea), f"{name}: expected its panel in a scroll area"
        dock.show()
        dock.raise_()
        qtbot.waitUntil(lambda d=dock: d.isVisible() and d.widget().viewport().height() > 0)
        QApplication.processEvents()
        # The layout settles over a few events (a scroll bar shown, then the panel resized).
        try:
            qtbot.waitUntil(lambda n=name, a=area: _problem(n, a, size) is None, timeout=2000)
        except qtbot.TimeoutError:
            pass
        problem = _problem(name, area, size)
        assert problem is None, problem
