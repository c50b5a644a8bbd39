"""Playground's two view toggles in the View menu: discretize output, show test data.

The data plot has the same two as check boxes above the plot; the menu entries
and the boxes always agree (each follows the other's signal).
"""

from __future__ import annotations

from PySide6.QtGui import QAction

from .window_host import PanelHost


def install_view_toggles(window: PanelHost, plot) -> tuple[QAction, QAction]:
    """Add View ▸ Discretize output and View ▸ Show test data for ``plot`` (a DataPlot)."""
    view = window.menu("view")
    view.addSeparator()
    discretize = view.addAction("&Discretize output")
    discretize.setCheckable(True)
    discretize.setChecked(plot.discretize())
    discretize.setStatusTip(
        "Data plot: colour the background by the class the network picks, not how sure it is"
    )
    discretize.toggled.connect(plot.set_discretize)
    plot.discretize_changed.connect(discretize.setChecked)
    show_test = view.addAction("Show &test data")
    show_test.setCheckable(True)
    show_test.setChecked(plot.show_test())
    show_test.setStatusTip("Data plot: draw the test samples (hollow squares)")
    show_test.toggled.connect(plot.set_show_test)
    plot.show_test_changed.connect(show_test.setChecked)
    return discretize, show_test
