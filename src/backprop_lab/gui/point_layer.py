"""Samples drawn as arrays: one scatter item per colour, each with one pen and one brush.

pyqtgraph's ScatterPlotItem keys its symbol cache by the pen and brush
*objects*: one ``mkBrush`` per point makes it render one symbol per point
(20,000 rows took about 2.5 s to draw, most of an import's time). A
:class:`PointLayer` groups the points by colour instead and hands each group
to its own item as two NumPy coordinate arrays with a single pen and brush, so
drawing costs a few symbols and a vectorised copy however many samples there
are.

Colours are RGBA rows (uint8); a caller with continuous colours (regression
targets) quantises them first (:func:`quantise_positions`), so the number of
items stays small.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt
import pyqtgraph as pg

#: Levels a continuous colour position (−1 … 1) is rounded to before grouping.
COLOUR_LEVELS = 129


def quantise_positions(position: npt.ArrayLike, levels: int = COLOUR_LEVELS) -> np.ndarray:
    """``position`` (−1 … 1; non-finite stays non-finite) rounded to ``levels`` steps.

    With 129 levels two neighbouring shades of the diverging map differ by at most
    5 of 255 in a channel, and a point's shade is at most 3 from its exact one: not
    visible. The points fall into at most ``levels`` groups.
    """
    values = np.asarray(position, dtype=np.float64)
    half = (levels - 1) / 2
    with np.errstate(invalid="ignore"):
        rounded = np.round(np.clip(values, -1.0, 1.0) * half) / half
    return np.where(np.isfinite(values), rounded, values)


class _PassiveScatter(pg.ScatterPlotItem):
    """A scatter that lets clicks through to the view box (which edits the points)."""

    def mouseClickEvent(self, ev) -> None:
        ev.ignore()


class PointLayer:
    """The points of one data set in a plot, one :class:`pg.ScatterPlotItem` per colour.

    Parameters
    ----------
    plot_item
        The plot (anything with ``addItem``/``removeItem``) the items go into.
    symbol, size
        The pyqtgraph symbol ("o", "s", ...) and its size in pixels.
    style
        ``style(rgba) -> (pen, brush)`` for the points of one colour.
    z_value
        The items' stacking order in the plot.
    passive
        True: clicks go through to the view box (the data plot edits points there).
    """

    def __init__(
        self,
        plot_item,
        symbol: str,
        size: float,
        style: Callable[[tuple[int, int, int, int]], tuple],
        z_value: float = 0.0,
        passive: bool = True,
    ) -> None:
        self._plot_item = plot_item
        self._symbol = symbol
        self._size = float(size)
        self._style = style
        self._z = float(z_value)
        self._passive = passive
        self._visible = True
        self.items: list[pg.ScatterPlotItem] = []
        self._positions = np.zeros((0, 2))
        self._colours = np.zeros((0, 4), dtype=np.uint8)
        # Grouping of the current colours: row order sorted by colour, and where
        # each colour's run starts and ends in it.
        self._order = np.zeros(0, dtype=np.intp)
        self._bounds: list[tuple[int, int]] = []

    # ---------------------------------------------------------------- data
    def set_points(self, positions: npt.ArrayLike, colours: npt.ArrayLike) -> None:
        """Draw the points at ``positions`` (n, 2) in ``colours`` (n, 4 RGBA uint8)."""
        positions = np.asarray(positions, dtype=np.float64).reshape(-1, 2)
        colours = np.ascontiguousarray(colours, dtype=np.uint8).reshape(-1, 4)
        if len(colours) != len(positions):
            raise ValueError(f"{len(positions)} positions but {len(colours)} colours")
        self._colours = colours
        keys = colours.view(np.uint32).ravel()
        unique, inverse = np.unique(keys, return_inverse=True)
        self._order = np.argsort(inverse, kind="stable")
        counts = np.bincount(inverse.ravel(), minlength=len(unique))
        ends = np.cumsum(counts)
        self._bounds = [(int(e - c), int(e)) for e, c in zip(ends, counts, strict=True)]
        while len(self.items) < len(unique):
            item = (_PassiveScatter if self._passive else pg.ScatterPlotItem)(
                symbol=self._symbol, size=self._size, pxMode=True
            )
            item.setZValue(self._z)
            item.setVisible(self._visible)
            self._plot_item.addItem(item)
            self.items.append(item)
        while len(self.items) > len(unique):
            self._plot_item.removeItem(self.items.pop())
        for item, key in zip(self.items, unique, strict=True):
            rgba = tuple(int(c) for c in np.array([key], dtype=np.uint32).view(np.uint8))
            pen, brush = self._style(rgba)
            item.setPen(pen)
            item.setBrush(brush)
        self.set_positions(positions)

    def set_positions(self, positions: npt.ArrayLike) -> None:
        """Move the points (same number, same colours), e.g. while one is dragged."""
        positions = np.asarray(positions, dtype=np.float64).reshape(-1, 2)
        if len(positions) != len(self._colours):
            raise ValueError(f"{len(positions)} positions for {len(self._colours)} points")
        self._positions = positions
        for item, (start, stop) in zip(self.items, self._bounds, strict=True):
            rows = self._order[start:stop]
            item.setData(x=positions[rows, 0], y=positions[rows, 1])

    def clear(self) -> None:
        """No points."""
        self.set_points(np.zeros((0, 2)), np.zeros((0, 4), dtype=np.uint8))

    # ----------------------------------------------------------- appearance
    def set_size(self, size: float) -> None:
        self._size = float(size)
        for item in self.items:
            item.setSize(self._size)

    def size(self) -> float:
        return self._size

    def setVisible(self, visible: bool) -> None:
        self._visible = bool(visible)
        for item in self.items:
            item.setVisible(self._visible)

    def isVisible(self) -> bool:
        """Whether the points are drawn (every item visible)."""
        return self._visible and all(item.isVisible() for item in self.items)

    def zValue(self) -> float:
        return self._z

    # -------------------------------------------------------------- queries
    def __len__(self) -> int:
        return len(self._positions)

    def positions(self) -> np.ndarray:
        """(n, 2) positions in row order, as drawn."""
        return self._positions.copy()

    def colours(self) -> np.ndarray:
        """(n, 4) RGBA per point in row order, as drawn."""
        return self._colours.copy()

    def drawn_colours(self, part: str = "brush") -> np.ndarray:
        """(n, 4) RGBA per point in row order, read back from the items' ``part``
        ("brush": the fill, "pen": the outline) -- what is really on screen."""
        out = np.zeros((len(self._positions), 4), dtype=np.uint8)
        for item, (start, stop) in zip(self.items, self._bounds, strict=True):
            colour = item.opts[part].color()
            out[self._order[start:stop]] = (
                colour.red(),
                colour.green(),
                colour.blue(),
                colour.alpha(),
            )
        return out

    def item_count(self) -> int:
        """How many scatter items draw the points (one per colour)."""
        return len(self.items)
