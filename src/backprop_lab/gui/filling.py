"""Plot widgets that take the room their dock gives them and ask for no more.

A panel in a dock's scroll area (:func:`backprop_lab.gui.dialogs.scrolled`) that
holds a word-wrapped label is made as tall as its layout's *preferred* height for
the dock's width (Qt's height-for-width). A pyqtgraph plot prefers about 640×480,
so the panel grew taller than the dock and the plot's x axis hid behind a scroll
bar although the dock had room for the whole panel at its minimum size. These
prefer their minimum size instead: a stretch factor still hands them every spare
pixel, and the scroll bar appears only when the dock is smaller than the minimum.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QSize
from PySide6.QtWidgets import QStackedWidget


def _small_hint(widget) -> QSize:
    return widget.minimumSize().expandedTo(widget.minimumSizeHint())


class FillingStack(QStackedWidget):
    """A QStackedWidget (a plot, or a message in its place) that prefers its minimum."""

    def sizeHint(self) -> QSize:
        return _small_hint(self)


class FillingPlotWidget(pg.PlotWidget):
    """A pyqtgraph PlotWidget that prefers its minimum size."""

    def sizeHint(self) -> QSize:
        return _small_hint(self)


class FillingGraphicsLayoutWidget(pg.GraphicsLayoutWidget):
    """A pyqtgraph GraphicsLayoutWidget that prefers its minimum size."""

    def sizeHint(self) -> QSize:
        return _small_hint(self)
