"""The live loss plot: training and test loss of every epoch, drawn with pyqtgraph.

Every epoch's loss is kept, however long training runs, in three chunked
columns (``int64`` epochs, ``float64`` training and test losses; see
:mod:`backprop_lab.core.loss_history`). That costs 24 bytes an epoch: about 25
MB for a million epochs, and at most one chunk (1.5 MB) more.

Drawing costs the same for ten epochs or ten million. A min/max pyramid
(:class:`MinMaxPyramid`: the minimum and maximum of every block of 8, 64, 512, ...
epochs, kept up to date as epochs arrive, about 30% more memory) turns the
visible epochs into about two points a pixel column in time that does not grow
with the history, and every bucket keeps its exact minimum and maximum, so
spikes never disappear from the picture. pyqtgraph is only ever handed those
points. The view follows the data with some headroom, so the axes (the costly
part of a repaint) are only laid out again when the data outgrows them.

Data intake is separate from repainting: :meth:`LossPlot.append` only stores
the numbers; a coalescing timer repaints at most about 30 times a second, less
when repaints are slow (the next waits at least four times as long as the last
took, so the plot never keeps the GUI thread more than about a fifth busy), and
never while the plot is hidden (it catches up when shown).
"""

from __future__ import annotations

import contextlib
import importlib
import math
import time
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyqtgraph as pg
import pyqtgraph.exporters
from PySide6.QtCore import QEvent, QPointF, Qt, QTimer
from PySide6.QtGui import QColor, QFontMetricsF, QPainter, QPalette, QPicture
from PySide6.QtWidgets import (
    QCheckBox,
    QGridLayout,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from backprop_lab.core.loss_history import (  # noqa: F401 - also importable from here
    CSV_CHUNK_ROWS,
    INITIAL_CAPACITY,
    PYRAMID_FACTOR,
    DecimationCache,
    LossHistory,
    MinMaxPyramid,
    _GrowingArray,
    decimated,
)
from backprop_lab.core.loss_history import validated_history as _validated

from .steady import LiveLabel

#: The old name of :class:`~backprop_lab.core.loss_history.LossHistory`.
_LossHistory = LossHistory

#: Okabe-Ito blue and vermillion: distinct for every common colour-vision deficiency,
#: and the test curve is also dashed so the two never depend on colour alone.
TRAIN_COLOUR = "#0072B2"
TEST_COLOUR = "#D55E00"
#: Smallest repaint interval (ms): about 30 repaints a second at most.
REPAINT_INTERVAL_MS = 33
#: Largest repaint interval (ms), however slow a repaint was.
MAX_REPAINT_INTERVAL_MS = 1000
#: The next repaint waits at least this many times as long as the last one took.
REPAINT_COST_MULTIPLE = 4.0
#: Headroom added when the followed range grows (fraction of the data's span) ...
FOLLOW_HEADROOM = 0.25
#: ... and the range is also renewed when the data shrinks below this fraction of it.
FOLLOW_MIN_FILL = 0.5
#: The largest |loss| handed to pyqtgraph: a diverging run can store losses near the
#: float64 limit, and a view range around them overflows (its span, its headroom).
#: Only the drawing is clipped; the stored history keeps every value as it was.
DISPLAY_LIMIT = 1e300


def displayable(values: np.ndarray) -> np.ndarray:
    """``values`` clipped to ±:data:`DISPLAY_LIMIT` for drawing (NaN stays NaN, a gap)."""
    values = np.asarray(values, dtype=np.float64)
    if values.size and not (np.abs(values) <= DISPLAY_LIMIT).all():
        with np.errstate(invalid="ignore"):
            values = np.clip(values, -DISPLAY_LIMIT, DISPLAY_LIMIT)
    return values


def next_repaint_interval_ms(cost_seconds: float) -> int:
    """How long to wait before the next repaint after one that took ``cost_seconds``.

    At least :data:`REPAINT_COST_MULTIPLE` times the cost (so repainting keeps
    the GUI thread at most about a fifth busy), never under
    :data:`REPAINT_INTERVAL_MS` nor over :data:`MAX_REPAINT_INTERVAL_MS`.
    """
    wait = REPAINT_COST_MULTIPLE * max(0.0, cost_seconds) * 1000.0
    return int(min(MAX_REPAINT_INTERVAL_MS, max(REPAINT_INTERVAL_MS, math.ceil(wait))))


class _FollowingViewBox(pg.ViewBox):
    """A ViewBox whose automatic range follows the data with headroom.

    pyqtgraph's auto range fits the data exactly, so a growing curve changes the
    range, and re-lays out and repaints both axes, on every frame. Here the
    range is held while the data stays inside it and fills at least
    :data:`FOLLOW_MIN_FILL` of it; when it is outgrown, the new range has
    :data:`FOLLOW_HEADROOM` to spare (to the right on the epoch axis, both ways
    on the loss axis). Panning or zooming by hand turns following off, as in
    pyqtgraph; "View All" and a double-click fit the data and follow it again.
    """

    def __init__(self) -> None:
        super().__init__()
        self._held: list[list[float] | None] = [None, None]
        #: What the range was last fitted for (see updateAutoRange).
        self._fitted: tuple | None = None
        self._fitted_range: list | None = None
        #: The curves whose data the range follows (set by the LossPlot).
        self.followed_curves: list[pg.PlotDataItem] = []

    def forget_held_range(self) -> None:
        self._held = [None, None]
        self._fitted = None

    def updateAutoRange(self) -> None:
        """Fit the automatic range, unless nothing it depends on changed since the last
        fit: the followed range held, the view's size (the padding) and range, the
        auto-range settings (most new data stays inside the held range)."""
        state = self.state
        if any(state["autoVisibleOnly"]):
            super().updateAutoRange()
            return
        key = (
            [tuple(b) if b is not None else None for b in self.childrenBounds()],
            self.width(),
            self.height(),
            tuple(state["autoRange"]),
            tuple(state["autoPan"]),
            tuple(state["logMode"]),
        )
        if key == getattr(self, "_fitted", None) and self.viewRange() == self._fitted_range:
            self._autoRangeNeedsUpdate = False
            return
        super().updateAutoRange()
        self._fitted = key
        self._fitted_range = self.viewRange()

    def childrenBounds(self, frac=None, orthoRange=(None, None), items=None):
        if items is not None or not self.followed_curves:
            return super().childrenBounds(frac=frac, orthoRange=orthoRange, items=items)
        # The data's own bounds (pyqtgraph adds the pen's width in data units, which
        # changes with the range itself), from the few points the curves were given.
        bounds: list[list[float] | None] = []
        for axis in (0, 1):
            lows, highs = [], []
            for curve in self.followed_curves:
                if curve.isVisible():
                    low, high = curve.dataBounds(axis)
                    if low is not None and high is not None:
                        lows.append(low)
                        highs.append(high)
            data_range = [min(lows), max(highs)] if lows else None
            bounds.append(self._steady(axis, data_range))
        return bounds

    def _steady(self, axis: int, data_range):
        if data_range is None:
            self._held[axis] = None
            return None
        low, high = float(data_range[0]), float(data_range[1])
        if not (math.isfinite(low) and math.isfinite(high)):
            return data_range
        held = self._held[axis]
        if held is not None and held[0] <= low and high <= held[1]:
            if high - low >= FOLLOW_MIN_FILL * (held[1] - held[0]):
                return list(held)
        span = high - low
        if span <= 0:
            span = abs(high) if high else 1.0
        headroom = FOLLOW_HEADROOM * span
        new = [low, high + headroom] if axis == 0 else [low - headroom / 2, high + headroom / 2]
        self._held[axis] = new
        return list(new)

    def autoRange(self, padding=None, items=None, item=None):
        """Fit the data (the menu's "View All") and follow it from now on."""
        self.forget_held_range()
        super().autoRange(padding=padding, items=items, item=item)
        self.enableAutoRange()

    def mouseClickEvent(self, event) -> None:
        if event.double() and event.button() == Qt.MouseButton.LeftButton:
            self.autoRange()
            event.accept()
            return
        super().mouseClickEvent(event)


class AxisGrid:
    """Grid lines at the axes' major (level 0) and minor (level 1) ticks, as two curves.

    pyqtgraph's own grid (``PlotItem.showGrid``) is drawn by the axes across the
    whole view, so every repaint of the data area replays both axes with their
    text, most of a repaint's cost (about 5 of 7 ms in the loss plot). Here the
    grid is two curves of line pairs (well under a millisecond), redrawn only
    when the range or the size of the view changes.

    Parameters
    ----------
    plot_item
        The plot whose axes' ticks the grid follows.
    z_value
        Where the lines sit among the plot's items (below the curves and points).
    alphas
        Opacity (0-255) of the major and minor lines, over the text colour.
    """

    def __init__(
        self, plot_item: pg.PlotItem, z_value: float = -10.0, alphas: tuple[int, int] = (64, 28)
    ) -> None:
        self.plot_item = plot_item
        self.view_box = plot_item.getViewBox()
        self.alphas = alphas
        self.lines = {level: pg.PlotCurveItem(connect="pairs", antialias=False) for level in (0, 1)}
        for curve in self.lines.values():
            curve.setZValue(z_value)
            plot_item.addItem(curve, ignoreBounds=True)
        self.view_box.sigRangeChanged.connect(self.update)
        self.view_box.sigResized.connect(self.update)

    def set_colour(self, text: QColor, background: QColor | None = None) -> None:
        """Draw the lines in ``text`` (the theme's text colour) at the grid's opacities.

        Given the ``background``, the lines are drawn in the opaque colour the
        translucent one would give over it: it looks the same over the plain
        background and needs no blending, the costly part of drawing long lines.
        """
        for level, alpha in zip((0, 1), self.alphas, strict=True):
            if background is None:
                colour = QColor(text)
                colour.setAlpha(alpha)
            else:
                mix = alpha / 255.0
                colour = QColor(
                    *(
                        round(mix * t + (1.0 - mix) * b)
                        for t, b in (
                            (text.red(), background.red()),
                            (text.green(), background.green()),
                            (text.blue(), background.blue()),
                        )
                    )
                )
            self.lines[level].setPen(pg.mkPen(colour, width=1))

    def update(self, *_args) -> None:
        """Put the lines at the axes' tick values for the current range."""
        (x_low, x_high), (y_low, y_high) = self.view_box.viewRange()
        width, height = self.view_box.width(), self.view_box.height()
        lines: dict[int, tuple[list[float], list[float]]] = {0: ([], []), 1: ([], [])}
        for name, low, high, pixels in (
            ("bottom", x_low, x_high, width),
            ("left", y_low, y_high, height),
        ):
            if not (math.isfinite(low) and math.isfinite(high)) or high <= low or pixels < 2:
                continue
            levels = self.plot_item.getAxis(name).tickValues(low, high, pixels)
            for level, (_spacing, values) in enumerate(levels[:2]):
                xs, ys = lines[level]
                for value in values:
                    if name == "bottom":
                        xs += [value, value]
                        ys += [y_low, y_high]
                    else:
                        xs += [x_low, x_high]
                        ys += [value, value]
        for level, (xs, ys) in lines.items():
            self.lines[level].setData(np.array(xs, dtype=float), np.array(ys, dtype=float))

    def values(self, axis: str, level: int = 0) -> list[float]:
        """Where the lines of ``axis`` ("bottom" or "left") are, in view coordinates."""
        xs, ys = self.lines[level].getData()
        if xs is None:
            return []
        if axis == "bottom":
            return sorted({float(x) for x, y0 in zip(xs[0::2], xs[1::2], strict=True) if x == y0})
        return sorted({float(y) for y, y1 in zip(ys[0::2], ys[1::2], strict=True) if y == y1})


class LogSafeAxis(pg.AxisItem):
    """An axis whose tick labels never overlap, also on a log scale.

    pyqtgraph labels every minor tick of a log axis (0.09, 0.08, 0.07 ... drawn on
    top of each other); here a label is left out (its tick and grid line stay)
    where it would come closer than a text height to a label already placed,
    major ticks placed first.
    """

    def __init__(self, orientation: str, **kwargs) -> None:
        super().__init__(orientation, **kwargs)
        self._span: tuple[float, float, float] | None = None
        self._placed: list[float] = []

    def tickValues(self, minVal, maxVal, size):
        self._span = (float(minVal), float(maxVal), float(size))
        self._placed = []
        return super().tickValues(minVal, maxVal, size)

    def _min_gap_pixels(self) -> float:
        font = self.style.get("tickFont") or self.font()
        metrics = QFontMetricsF(font)
        if self.orientation in ("left", "right"):
            return metrics.height() + 2.0
        return metrics.horizontalAdvance("0.0000") + 6.0

    def tickStrings(self, values, scale, spacing):
        strings = super().tickStrings(values, scale, spacing)
        if self._span is None:
            return strings
        low, high, size = self._span
        if not (high > low and size > 0):
            return strings
        per_unit = size / (high - low)
        gap = self._min_gap_pixels()
        kept = []
        for value, text in zip(values, strings):
            position = (float(value) * (scale or 1.0) - low) * per_unit
            if any(abs(position - p) < gap for p in self._placed):
                kept.append("")
                continue
            self._placed.append(position)
            kept.append(text)
        return kept


class TimedPlotWidget(pg.PlotWidget):
    """A PlotWidget that notes how long its last paint took and counts its paints."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.last_paint_seconds = 0.0
        #: Paints so far (one per batch of new data is what the loss plot costs).
        self.paint_count = 0

    def paintEvent(self, event) -> None:
        start = time.perf_counter()
        super().paintEvent(event)
        self.paint_count += 1
        self.last_paint_seconds = time.perf_counter() - start


def _close_path_data(data: str) -> str:
    """Rewrite each "Z" (close path) in SVG path data as a line back to the subpath's start."""
    out: list[str] = []
    start: str | None = None
    for token in data.split():
        closes = token[-1] in "Zz"
        if closes:
            token = token[:-1]
        if token:
            if token[0] == "M":
                start = token[1:]
            out.append(token)
        if closes and start is not None:
            out.append("L" + start)
    return " ".join(out)


@contextlib.contextmanager
def _svg_paths_closed_explicitly():
    """Work around pyqtgraph issue #3495 while an SVGExporter runs.

    Qt >= 6.8 ends closed paths with "Z", which pyqtgraph 0.14's SVG exporter
    cannot parse (it expects "x,y" after every space). For the duration of one
    export, its coordinate correction first rewrites "Z" as an explicit line
    back to the start point, which draws the same outline.
    """
    module = importlib.import_module("pyqtgraph.exporters.SVGExporter")
    original = module.correctCoordinates

    def correct_coordinates(node, defs, item, options):
        for path in node.getElementsByTagName("path"):
            data = path.getAttribute("d")
            if "Z" in data or "z" in data:
                path.setAttribute("d", _close_path_data(data))
        return original(node, defs, item, options)

    module.correctCoordinates = correct_coordinates
    try:
        yield
    finally:
        module.correctCoordinates = original


def _format_loss(value: float) -> str:
    return f"{value:.6g}" if math.isfinite(value) else str(value)


#: Below this axis height (pixels) the legend is one row (training, test side by side).
SHORT_PLOT_HEIGHT = 150


def _short_loss(value: float) -> str:
    return f"{value:.4g}" if math.isfinite(value) else str(value)


class LossReadout(LiveLabel):
    """The loss readout: the longest of its forms that fits its width.

    A short loss panel (a 1280 x 720 window) shows "epoch 1,500  train 0.05407 ..."
    instead of an elided "latest: epoch 1,500 (before its update) … test 0.05…";
    the whole text is then its tooltip. :meth:`text` is always the longest form.
    """

    def __init__(self, text: str = "", sample: str = "", parent: QWidget | None = None) -> None:
        self._forms: tuple[str, ...] = (text,)
        super().__init__(text, sample, parent)

    def set_forms(self, forms: list[str]) -> None:
        """Show the first of ``forms`` (longest first) that fits."""
        forms = tuple(forms) or ("",)
        if forms == self._forms:
            return
        self._forms = forms
        self.setText(forms[0])
        self._update_tooltip()
        self.update()

    def setText(self, text: str) -> None:
        if str(text) != (self._forms[0] if self._forms else ""):
            self._forms = (str(text),)
        super().setText(text)

    def shown_text(self) -> str:
        """The form on screen."""
        room = self.contentsRect().width()
        metrics = self.fontMetrics()
        for form in self._forms:
            if metrics.horizontalAdvance(form) <= room:
                return form
        return self._forms[-1]

    def is_elided(self) -> bool:
        return self.fontMetrics().horizontalAdvance(self.shown_text()) > self.contentsRect().width()

    def _tooltip_now(self) -> str:
        forms = getattr(self, "_forms", ())
        shortened = bool(forms) and self.shown_text() != forms[0]
        return self.text() if shortened else self._tooltip

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        rect = self.contentsRect()
        painter.setPen(self.palette().color(self.foregroundRole()))
        text = self.fontMetrics().elidedText(
            self.shown_text(), Qt.TextElideMode.ElideRight, rect.width()
        )
        painter.drawText(rect, int(self._alignment), text)
        painter.end()


class LossPlot(QWidget):
    """Training and test loss per epoch, live, with a log-scale toggle and a hover readout.

    Parameters
    ----------
    loss_name
        The loss's name, shown on the y axis as ``"loss (<name>)"``.
    parent
        The parent widget.
    """

    def __init__(self, loss_name: str = "half_sse", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._history = _LossHistory()
        self._dirty = False
        self._loss_name = loss_name
        self._marker_epoch: int | None = None
        self._marker_losses: tuple[float, float | None] | None = None
        self._hovered_index: int | None = None

        self._repaint_timer = QTimer(self)
        self._repaint_timer.setSingleShot(True)
        self._repaint_timer.setInterval(REPAINT_INTERVAL_MS)
        self._repaint_timer.timeout.connect(self._repaint_if_visible)

        self.log_checkbox = QCheckBox("Log scale")
        self.log_checkbox.setToolTip("Show the loss on a logarithmic axis")
        self.log_checkbox.toggled.connect(self.set_log_y)
        # Its text changes with every repaint: a LiveLabel only repaints itself, where a
        # QLabel would re-lay out the window up to the main window's docks.
        self.readout_label = LossReadout(
            sample="latest: epoch 8,888,888 (before its update)   "
            "training 0.0888888   test 0.0888888"
        )
        self.readout_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.readout_label.setToolTip("Hover the plot to read the losses of an epoch")

        self.view_box = _FollowingViewBox()
        self.plot_widget = TimedPlotWidget(
            viewBox=self.view_box,
            axisItems={"left": LogSafeAxis("left"), "bottom": LogSafeAxis("bottom")},
        )
        self.plot_item: pg.PlotItem = self.plot_widget.getPlotItem()
        # The grid is drawn here, not by the axes (see AxisGrid).
        self.grid = AxisGrid(self.plot_item)
        self.grid_lines = self.grid.lines
        self.plot_item.setMenuEnabled(True)
        self.plot_item.setLabel("bottom", "epoch")
        for name in ("left", "bottom"):
            # Plain numbers on the axes: "loss (half_sse) (x0.001)" confuses more than it helps.
            self.plot_item.getAxis(name).enableAutoSIPrefix(False)
        self.legend = self.plot_item.addLegend(offset=(-10, 10))
        self.plot_item.hideButtons()
        # The curves get only what is visible, already reduced to about two points a
        # pixel column (see flush), so pyqtgraph has neither to clip nor downsample.
        self.view_box.sigXRangeChanged.connect(self._on_x_range_changed)
        self._last_cost_seconds = 0.0
        # Only the new buckets of a growing history are reduced (see DecimationCache).
        self._train_decimation = DecimationCache()
        self._test_decimation = DecimationCache()
        self._test_curve_empty = True

        self.train_curve = self._make_curve(TRAIN_COLOUR, Qt.PenStyle.SolidLine)
        self.test_curve = self._make_curve(TEST_COLOUR, Qt.PenStyle.DashLine)
        self.view_box.followed_curves = [self.train_curve, self.test_curve]
        self.plot_item.addItem(self.train_curve)
        self.plot_item.addItem(self.test_curve)
        self.legend.addItem(self.train_curve, "training")
        self.test_curve.setVisible(False)

        self.marker_line = pg.InfiniteLine(
            angle=90,
            movable=False,
            pen=pg.mkPen("#7f7f7f", width=1.5, style=Qt.PenStyle.DashDotLine),
            label="epoch",
            labelOpts={"position": 0.95, "color": "#7f7f7f"},
        )
        self.marker_line.setZValue(5)
        self.marker_line.setVisible(False)
        self.plot_item.addItem(self.marker_line, ignoreBounds=True)

        self.hover_line = pg.InfiniteLine(
            angle=90, movable=False, pen=pg.mkPen("#9a9a9a", width=1, style=Qt.PenStyle.DotLine)
        )
        self.hover_line.setVisible(False)
        self.plot_item.addItem(self.hover_line, ignoreBounds=True)
        self.hover_points = pg.PlotDataItem(
            symbol="o",
            symbolSize=7,
            pen=None,
            symbolPen=pg.mkPen("k"),
            symbolBrush=pg.mkBrush(TRAIN_COLOUR),
        )
        self.hover_points.setZValue(10)
        self.hover_points.setVisible(False)
        self.plot_item.addItem(self.hover_points, ignoreBounds=True)
        self.plot_widget.scene().sigMouseMoved.connect(self._on_mouse_moved)

        # The readout beside the check box, or on a line of its own under it when even
        # its short form does not fit there (a narrow column in presentation mode).
        self._top_row = QGridLayout()
        self._top_row.setContentsMargins(4, 2, 4, 0)
        self._top_row.setHorizontalSpacing(12)
        self._top_row.setVerticalSpacing(0)
        self._top_row.addWidget(self.log_checkbox, 0, 0)
        self._top_row.addWidget(self.readout_label, 0, 1)
        self._top_row.setColumnStretch(1, 1)
        self._readout_below = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(self._top_row)
        layout.addWidget(self.plot_widget, 1)

        self.plot_item.getAxis("left").geometryChanged.connect(self._fit_axis_label)
        self.set_loss_name(loss_name)
        self._apply_palette()
        self._update_readout()

    @staticmethod
    def _make_curve(colour: str, style: Qt.PenStyle) -> pg.PlotDataItem:
        return pg.PlotDataItem(pen=pg.mkPen(colour, width=2, style=style), connect="finite")

    def set_line_factor(self, factor: float) -> None:
        """Presentation mode: curves ``factor`` times their normal width (1: normal)."""
        for curve, colour, style in (
            (self.train_curve, TRAIN_COLOUR, Qt.PenStyle.SolidLine),
            (self.test_curve, TEST_COLOUR, Qt.PenStyle.DashLine),
        ):
            curve.setPen(pg.mkPen(colour, width=2 * factor, style=style))

    # ------------------------------------------------------------------ data
    def append(
        self,
        epochs: npt.ArrayLike,
        train_loss: npt.ArrayLike,
        test_loss: npt.ArrayLike | None = None,
    ) -> None:
        """Store the losses of some epochs; the plot repaints soon (at most ~30 Hz).

        Parameters
        ----------
        epochs
            1-D, whole numbers, strictly increasing.
        train_loss, test_loss
            1-D, one value per epoch; ``test_loss`` NaN (or None) where there is
            no test set.

        If the first epoch is not after the last one stored (training was
        reset or rewound), the stored epochs from that epoch on are dropped
        first, so the curve always shows one history.

        Raises
        ------
        ValueError
            For arrays of the wrong shape or epochs that are not increasing
            whole numbers; nothing is stored then.
        """
        epoch_values, train, test = _validated(epochs, train_loss, test_loss)
        if epoch_values.size == 0:
            return
        history = self._history
        if history.count and epoch_values[0] <= history.epochs[history.count - 1]:
            history.truncate_before(int(epoch_values[0]))
        history.extend(epoch_values, train, test)
        self._schedule_repaint()

    def set_history(
        self,
        epochs: npt.ArrayLike,
        train_loss: npt.ArrayLike,
        test_loss: npt.ArrayLike | None = None,
    ) -> None:
        """Replace the whole history (e.g. after opening a project file).

        Raises
        ------
        ValueError
            As :meth:`append`; the previous history stays then.
        """
        epoch_values, train, test = _validated(epochs, train_loss, test_loss)
        self._history.clear()
        self._history.extend(epoch_values, train, test)
        self._hovered_index = None
        self._follow_data()
        self._schedule_repaint()

    def use_history(self, history: LossHistory) -> None:
        """Draw ``history`` (the session's) from now on; the plot never changes it
        itself then, the owner calls :meth:`history_changed` after each change."""
        self._history = history
        self.history_changed("replace")

    def history_changed(self, kind: str = "append") -> None:
        """The history drawn changed: ``"append"`` (more epochs), ``"truncate"`` or
        ``"replace"`` (a new history: the view fits it again)."""
        if kind != "append":
            self._hovered_index = None
            # The curves get the new history at once: the view's automatic range is
            # computed from what they hold, and the old curves would keep the old range.
            self._dirty = True
            self.flush()
            self._follow_data()
        self._schedule_repaint()

    def clear(self) -> None:
        """Forget every epoch (training was reset)."""
        self._history.clear()
        self._hovered_index = None
        self._follow_data()
        self._schedule_repaint()

    def _follow_data(self) -> None:
        """Fit the view to the data again and follow it (a new history).

        An empty history gets a small default range: the axes of the history
        before (a reset's 1e+300, another example's 25,000 epochs) never stay.
        """
        self.view_box.forget_held_range()
        if self._history.count == 0:
            self.view_box.setRange(xRange=(0, 10), yRange=(0, 1), padding=0, disableAutoRange=False)
        self.view_box.enableAutoRange()

    def history(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Copies of (epochs int64, training losses, test losses with NaN for none)."""
        return self._history.arrays()

    def point_count(self) -> int:
        """How many epochs are stored."""
        return self._history.count

    def memory_bytes(self) -> int:
        """Bytes held by the history buffers and their min/max pyramids (capacity, not fill).

        About 24 bytes an epoch for the history and 2.3 more a loss curve for its
        pyramid; at most one chunk (1.5 MB) more, or twice a short history.
        """
        return self._history.nbytes()

    def has_test_loss(self) -> bool:
        """True when at least one stored epoch has a test loss."""
        return self._history.has_test

    # ------------------------------------------------------------ settings
    def set_loss_name(self, name: str) -> None:
        """Name the loss on the y axis: ``"loss (<name>)"`` (shorter on a short axis)."""
        self._loss_name = name
        self._fit_axis_label()

    def axis_label_forms(self) -> list[str]:
        """The y axis's label, longest first: "loss (<name>)", "<name>", "loss"."""
        return [f"loss ({self._loss_name})", self._loss_name, "loss"]

    def _fit_axis_label(self, *_args) -> None:
        """The longest axis label that fits the axis's height; with only "loss" left,
        the legend names the loss ("training (cross_entropy)")."""
        axis = self.plot_item.getAxis("left")
        forms = self.axis_label_forms()
        room = axis.size().height()
        label = axis.label
        metrics = QFontMetricsF(label.font())
        margin = 2 * label.document().documentMargin()
        chosen = forms[-1]
        for form in forms:
            if room <= 0 or metrics.horizontalAdvance(form + " ") + margin <= room:
                chosen = form
                break
        if axis.labelText != chosen:
            self.plot_item.setLabel("left", chosen)
        self._name_in_legend = chosen == forms[-1]
        # A short plot: the legend on one row, so it covers less of the curves.
        columns = 2 if 0 < room < SHORT_PLOT_HEIGHT else 1
        if self.legend.columnCount != columns:
            self.legend.setColumnCount(columns)
        self._name_legend()

    def _name_legend(self) -> None:
        suffix = f" ({self._loss_name})" if getattr(self, "_name_in_legend", False) else ""
        # The training entry names the loss (the test curve is the same loss).
        names = {id(self.train_curve): "training" + suffix, id(self.test_curve): "test"}
        colour = self.palette().color(QPalette.ColorRole.Text)
        for sample, label in self.legend.items:
            text = names.get(id(sample.item))
            if text is not None and label.text != text:
                label.setText(text, color=colour)

    def loss_name(self) -> str:
        return self._loss_name

    def set_log_y(self, enabled: bool) -> None:
        """Show the loss on a log10 axis; losses <= 0 are left out of the log view."""
        enabled = bool(enabled)
        if self.log_checkbox.isChecked() != enabled:
            self.log_checkbox.setChecked(enabled)  # re-enters through toggled
            return
        # pyqtgraph maps values <= 0 to NaN (a gap) in log mode, without warnings.
        self.plot_item.setLogMode(x=False, y=enabled)
        self._update_hover_points()
        self.view_box.forget_held_range()
        self.plot_item.enableAutoRange(axis="y")

    def log_y(self) -> bool:
        """Whether the y axis is logarithmic."""
        return self.log_checkbox.isChecked()

    def set_marker(
        self, epoch: int | None, losses: tuple[float, float | None] | None = None
    ) -> None:
        """Draw a vertical line at ``epoch`` (e.g. the rewound epoch); None hides it.

        With ``losses`` (training, test or None: the shown network's), the readout
        says them while the mouse is not over the plot.
        """
        self._marker_epoch = None if epoch is None else int(epoch)
        self._marker_losses = None if epoch is None else losses
        self._update_readout()
        if self._marker_epoch is None:
            self.marker_line.setVisible(False)
        else:
            # Visible first: a hidden line's label does not update its text.
            self.marker_line.setVisible(True)
            self.marker_line.setValue(self._marker_epoch)
            self.marker_line.label.setFormat(f"epoch {self._marker_epoch:,}")

    def marker(self) -> int | None:
        return self._marker_epoch

    # ------------------------------------------------------------ repaint
    def _schedule_repaint(self) -> None:
        self._dirty = True
        if self.isVisible() and not self._repaint_timer.isActive():
            cost = self._last_cost_seconds + self.plot_widget.last_paint_seconds
            self._repaint_timer.start(next_repaint_interval_ms(cost))

    def repaint_interval_ms(self) -> int:
        """How long the plot now waits between repaints (longer when repaints are slow)."""
        return next_repaint_interval_ms(
            self._last_cost_seconds + self.plot_widget.last_paint_seconds
        )

    def _on_x_range_changed(self, *_args) -> None:
        # Zoomed or panned by hand: the visible epochs changed, so did what to draw.
        if not self.view_box.autoRangeEnabled()[0] and self._history.count:
            self._schedule_repaint()

    def _visible_slice(self) -> tuple[int, int]:
        """Indices [start, stop) of the stored epochs in view, one more on each side."""
        count = self._history.count
        if self.view_box.autoRangeEnabled()[0]:
            return 0, count
        low, high = self.view_box.viewRange()[0]
        epochs = self._history.epochs
        start = epochs.searchsorted(low, side="left") - 1
        stop = epochs.searchsorted(high, side="right") + 1
        return max(0, start), min(count, stop)

    def drawn_bucket_count(self) -> int:
        """Buckets the visible epochs are reduced to: one a pixel column of the plot."""
        return max(100, int(self.view_box.width()))

    def _repaint_if_visible(self) -> None:
        if self.isVisible():
            self.flush()

    def flush(self) -> None:
        """Repaint now if data arrived since the last repaint (used before exports).

        The view's automatic range is brought up to date here too, so the repaint
        that follows draws the new data in its final range once (pyqtgraph would
        fit the range while painting and then paint everything again).
        """
        if not self._dirty:
            return
        started = time.perf_counter()
        self._dirty = False
        self._repaint_timer.stop()
        h = self._history
        epochs, train, test = h.epochs, h.train, h.test
        if h.count == 0:
            self.train_curve.setData([], [])
            self._set_test_data(None)
        else:
            start, stop = self._visible_slice()
            buckets = self.drawn_bucket_count()
            x, y = decimated(
                h.train_pyramid, epochs, train, start, stop, buckets, self._train_decimation
            )
            self.train_curve.setData(x, displayable(y))
            if h.has_test:
                x, y = decimated(
                    h.test_pyramid, epochs, test, start, stop, buckets, self._test_decimation
                )
                self._set_test_data(x, displayable(y))
            else:
                self._set_test_data(None)
        self._show_test_curve(self._history.has_test)
        if self._hovered_index is not None and self._hovered_index >= self._history.count:
            self._hovered_index = None
        self._update_hover_points()
        self._update_readout()
        self._settle_range()
        self._last_cost_seconds = time.perf_counter() - started

    def _settle_range(self) -> None:
        """Fit the automatic range to the new data and move the curves there now.

        pyqtgraph does both while painting (``ViewBox.prepareForPaint``): the
        curves' new transform then marks them changed again, and the plot is
        painted a second time right after, whenever the range changed.
        """
        view_box = self.view_box
        # An axis lays out its tick labels when it paints, and widens or narrows to fit
        # them: the plot is then laid out, its range padded anew for the new size, and
        # painted again. Here the axes' labels are laid out first (twice at most: the
        # new size rarely changes the labels' width again).
        for _ in range(2):
            if getattr(view_box, "_autoRangeNeedsUpdate", False):
                view_box.updateAutoRange()
            if not self._lay_out_axes():
                break
            self.plot_item.layout.activate()
        view_box.updateMatrix()

    def _lay_out_axes(self) -> bool:
        """Lay out the axes' tick labels now (what their next paint would do); True
        when an axis changed its size for them."""
        resized = False
        for name in ("left", "bottom"):
            axis = self.plot_item.getAxis(name)
            if axis.picture is None and axis.isVisible():
                size = axis.size()
                picture = QPicture()
                painter = QPainter(picture)
                try:
                    axis.paint(painter, None, None)
                finally:
                    painter.end()
                wanted = axis.minimumSize()  # what the labels need (pyqtgraph sets it)
                if name == "left":
                    resized = resized or wanted.width() != size.width()
                else:
                    resized = resized or wanted.height() != size.height()
        return resized

    def _set_test_data(self, x, y=None) -> None:
        """The test curve's points; None: none (set only once while there are none)."""
        if x is None:
            if not self._test_curve_empty:
                self.test_curve.setData([], [])
                self._test_curve_empty = True
            return
        self.test_curve.setData(x, y)
        self._test_curve_empty = False

    def set_penalty_curve(self, epochs: npt.ArrayLike, values: npt.ArrayLike) -> None:
        """Draw the L1/L2 penalty R(w) as its own curve (no epochs: none, and no legend entry).

        The training curve stays the data loss; the penalty is what regularisation
        adds to what the optimiser minimises (see gui/penalty_curve.py).
        """
        curve = getattr(self, "penalty_curve", None)
        if curve is None:
            curve = self.penalty_curve = self._make_curve("#6a3d9a", Qt.PenStyle.DotLine)
            self.plot_item.addItem(curve)
            curve.setVisible(False)
            self.view_box.followed_curves.append(curve)  # the range includes it when shown
        x = np.asarray(epochs, dtype=np.float64)
        y = np.asarray(values, dtype=np.float64)
        shown = x.size > 0
        if shown:
            curve.setData(x, displayable(y))
        else:
            curve.setData([], [])
        if shown != curve.isVisible():
            curve.setVisible(shown)
            if shown:
                self.legend.addItem(curve, "penalty")
            else:
                self.legend.removeItem(curve)

    def grid_values(self, axis: str, level: int = 0) -> list[float]:
        """Where the grid lines of ``axis`` ("bottom" or "left") are, in view coordinates."""
        return self.grid.values(axis, level)

    def _show_test_curve(self, visible: bool) -> None:
        if visible == self.test_curve.isVisible():
            return
        self.test_curve.setVisible(visible)
        if visible:
            self.legend.addItem(self.test_curve, "test")
            self._name_legend()
        else:
            self.legend.removeItem(self.test_curve)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit_log_checkbox()

    def _fit_log_checkbox(self) -> None:
        """The readout's short form beside the check box, else on a line under it."""
        needed = self.readout_label.fontMetrics().horizontalAdvance("train 0.0888  test 0.0888")
        room = self.width() - self.log_checkbox.sizeHint().width() - 12 - 8
        below = room < needed
        if below == self._readout_below:
            return
        self._readout_below = below
        self._top_row.removeWidget(self.readout_label)
        if below:
            self._top_row.addWidget(self.readout_label, 1, 0, 1, 2)
        else:
            self._top_row.addWidget(self.readout_label, 0, 1)

    def readout_is_below(self) -> bool:
        """True when the readout has a line of its own (the panel is narrow)."""
        return self._readout_below

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._dirty:
            self._repaint_timer.start()

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._apply_palette()
        elif event.type() == QEvent.Type.FontChange:
            self._fit_log_checkbox()

    def _apply_palette(self) -> None:
        """Follow the light or dark system theme."""
        palette = self.palette()
        background = palette.color(QPalette.ColorRole.Base)
        text = palette.color(QPalette.ColorRole.Text)
        self.plot_widget.setBackground(background)
        self.grid.set_colour(text, background)
        for name in ("left", "bottom"):
            axis = self.plot_item.getAxis(name)
            axis.setPen(pg.mkPen(text))
            axis.setTextPen(pg.mkPen(text))
        self.legend.setLabelTextColor(text)
        for _sample, label in self.legend.items:
            label.setText(label.text, color=text)
        legend_background = QColor(background)
        legend_background.setAlpha(200)
        self.legend.setBrush(pg.mkBrush(legend_background))
        self.legend.setPen(pg.mkPen(QColor(text.red(), text.green(), text.blue(), 80)))

    # --------------------------------------------------------------- hover
    def _on_mouse_moved(self, scene_pos: QPointF) -> None:
        """Show the losses of the epoch nearest the mouse (scene coordinates)."""
        view_box = self.plot_item.getViewBox()
        count = self._history.count
        if count == 0 or not view_box.sceneBoundingRect().contains(scene_pos):
            self._hovered_index = None
        else:
            x = view_box.mapSceneToView(scene_pos).x()
            self._hovered_index = self.nearest_index(x)
        self._update_hover_points()
        self._update_readout()

    def leaveEvent(self, event) -> None:
        super().leaveEvent(event)
        self._hovered_index = None
        self._update_hover_points()
        self._update_readout()

    def nearest_index(self, epoch: float) -> int | None:
        """Index into :meth:`history` of the stored epoch nearest ``epoch`` (None if empty)."""
        count = self._history.count
        if count == 0 or not math.isfinite(epoch):
            return None
        epochs = self._history.epochs
        right = epochs.searchsorted(epoch, side="left")
        if right >= count:
            return count - 1
        if right == 0:
            return 0
        return right if epochs[right] - epoch < epoch - epochs[right - 1] else right - 1

    def _update_hover_points(self) -> None:
        index = self._hovered_index
        if index is None:
            if self.hover_line.isVisible() or self.hover_points.isVisible():
                self.hover_line.setVisible(False)
                self.hover_points.setVisible(False)
            return
        h = self._history
        epoch = float(h.epochs[index])
        self.hover_line.setValue(epoch)
        self.hover_line.setVisible(True)
        ys = [h.train[index], h.test[index]] if h.has_test else [h.train[index]]
        brushes = [pg.mkBrush(TRAIN_COLOUR), pg.mkBrush(TEST_COLOUR)][: len(ys)]
        self.hover_points.setData([epoch] * len(ys), displayable(ys), symbolBrush=brushes)
        self.hover_points.setVisible(True)

    def _update_readout(self) -> None:
        self.readout_label.set_forms(self.readout_forms())

    def readout_text(self) -> str:
        """What the readout says: the hovered epoch's losses, else the latest epoch's."""
        return self.readout_forms()[0]

    def readout_forms(self) -> list[str]:
        """The readout's text, longest first, then shorter forms for a narrow panel."""
        h = self._history
        if self._hovered_index is None and self._marker_losses is not None:
            train, test = self._marker_losses
            epoch = f"epoch {self._marker_epoch:,}"
            head, when = "rewound: ", " (after its update)"
        elif h.count == 0:
            return ["No epochs trained yet", "No epochs yet"]
        else:
            index = self._hovered_index
            head = ""
            if index is None:
                index = h.count - 1
                head = "latest: "
            epoch = f"epoch {int(h.epochs[index]):,}"
            when = " (before its update)"
            train = float(h.train[index])
            test = float(h.test[index]) if h.has_test else None
        long = [f"training {_format_loss(train)}"]
        short = [f"train {_short_loss(train)}"]
        if test is not None:
            long.append(f"test {_format_loss(test)}")
            short.append(f"test {_short_loss(test)}")
        shortest = [f"train {train:.3g}"] + ([] if test is None else [f"test {test:.3g}"])
        return [
            "   ".join([f"{head}{epoch}{when}", *long]),
            "   ".join([f"{head}{epoch}", *long]),
            "   ".join([epoch, *long]),
            "  ".join([epoch, *short]),
            "  ".join(short),
            "  ".join(shortest),
        ]

    def hovered_epoch(self) -> int | None:
        """The epoch the hover readout shows, or None when the mouse is not over the data."""
        if self._hovered_index is None:
            return None
        return int(self._history.epochs[self._hovered_index])

    # -------------------------------------------------------------- export
    def export_csv(self, path: str | Path) -> None:
        """Write the history drawn as CSV (see :meth:`LossHistory.write_csv`)."""
        self._history.write_csv(path)

    def export_image(self, path: str | Path, width: int | None = None) -> None:
        """Save the plot as PNG (``.png``) or SVG (``.svg``), chosen by the file's extension.

        Raises
        ------
        ValueError
            For another extension.
        OSError
            When the file cannot be written.
        """
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix not in (".png", ".svg"):
            raise ValueError(
                f"export the loss plot as .png or .svg, not {path.suffix or path.name!r}"
            )
        self._dirty = True
        self.flush()
        if suffix == ".svg":
            with _svg_paths_closed_explicitly():
                pyqtgraph.exporters.SVGExporter(self.plot_item).export(str(path))
            return
        exporter = pyqtgraph.exporters.ImageExporter(self.plot_item)
        current_width = int(exporter.parameters()["width"])
        exporter.parameters()["width"] = int(width) if width else max(800, current_width)
        if not exporter.export(str(path)):
            raise OSError(f"could not write the image {str(path)!r}")

    def _background(self) -> QColor:
        return self.palette().color(QPalette.ColorRole.Base)
