"""The data plot: the samples, and what the network makes of the input space.

* 2 inputs: a scatter of the samples over the plane, coloured by target (class
  0 orange, class 1 blue for classification; the diverging map for regression),
  training points filled circles, test points hollow squares. Behind them the
  network's output over the plane (the decision map), computed in one
  vectorised pass (:func:`~backprop_lab.core.boundary.decision_map`).
* 1 input: the samples as (x, target) and the network's fitted curve.
* Any other number of inputs: a message saying the plot needs 1 or 2.

The points are drawn as arrays, one scatter item per colour with a single pen
and brush (:class:`~backprop_lab.gui.point_layer.PointLayer`), not one symbol
per point: 20,000 samples draw in a few hundredths of a second.

Editing with the mouse (training points only): click adds a point with the
chosen class or target value, Shift-click or right-click removes the nearest
point, dragging a point moves it. The plot does not change the data itself: it
emits :attr:`DataPlot.point_added`, :attr:`DataPlot.point_removed` and
:attr:`DataPlot.point_moved`, and the data panel turns them into undoable edits
and sends the new data back with :meth:`DataPlot.set_data`.

While training streams snapshots, the map and the curve are drawn from the
latest one at most :data:`MAP_UPDATES_PER_SECOND` times a second, less when
drawing is slow (the next waits at least :data:`MAP_COST_MULTIPLE` times as long
as the last took), and not at all while the plot cannot be seen (hidden, or its
dock tabbed behind another): it catches up when shown. Queries
(:meth:`DataPlot.heatmap_values`, :meth:`DataPlot.curve_values`) first draw
whatever is pending, so they always describe the latest network.
"""

from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from ..core.boundary import decision_map, fitted_curve, grid_for
from ..core.data import Dataset
from ..core.network import Network
from . import class_colours
from .colors import ANCHOR_COLOURS, diverging_rgba
from .filling import FillingStack
from .flow_layout import FlowLayout
from .loss_plot import AxisGrid, TimedPlotWidget
from .point_layer import PointLayer, quantise_positions
from .steady import call_when_shown, is_shown
from .training.background import BackgroundRunner

#: Grid points per axis of the decision map.
MAP_RESOLUTION = 100
#: How far (in pixels) a click may be from a point to remove or drag it.
PICK_RADIUS_PX = 12.0
#: Diameter of a data point in pixels (presentation mode scales it).
POINT_SIZE = 9
#: The outline of a training point (filled circle); a test point's outline is its colour.
TRAIN_OUTLINE = (40, 40, 40)
#: The fill of a test point (hollow square), a little translucent over the map.
TEST_FILL = (255, 255, 255, 200)
#: 2-D data is shown 1:1 unless one input's range is this many times the other's.
MAX_LOCKED_ASPECT = 4.0
#: How much of the map colour is mixed into white (keeps the points readable).
MAP_STRENGTH = 0.55
#: Values and colour levels beyond this go to the image scaled to the colour range:
#: pyqtgraph maps images through float32, where 1e150 overflows.
IMAGE_SAFE_LIMIT = 1e30
#: The most times a second the map (or curve) is redrawn while snapshots stream in.
MAP_UPDATES_PER_SECOND = 10.0
#: The next redraw waits at least this many times as long as the last one took ...
MAP_COST_MULTIPLE = 4.0
#: ... and at least this many times as long as its map took off the GUI thread ...
BACKGROUND_COST_MULTIPLE = 2.0
#: ... but never longer than this (seconds).
MAX_MAP_INTERVAL_SECONDS = 1.0


def _map_lookup_table() -> np.ndarray:
    """256 colours from orange (low) through white-ish grey to blue (high), lightened."""
    rgba = diverging_rgba(np.linspace(-1.0, 1.0, 256), 1.0).astype(np.float64)
    rgba[:, :3] = 255.0 - MAP_STRENGTH * (255.0 - rgba[:, :3])
    return rgba.astype(np.uint8)


def _image_and_levels(
    values: np.ndarray, centre: float, half: float
) -> tuple[np.ndarray, tuple[float, float]]:
    """What to hand pyqtgraph for ``values`` coloured over ``centre`` ± ``half``.

    The values themselves when they and the levels are safely inside float32;
    otherwise (a diverging regression, targets of 1e150) the same picture from
    ``(values - centre) / half``, clipped a little beyond the colour range.
    """
    with np.errstate(invalid="ignore"):
        biggest = float(np.nanmax(np.abs(values), initial=0.0))
    if biggest <= IMAGE_SAFE_LIMIT and abs(centre) + half <= IMAGE_SAFE_LIMIT:
        return values, (centre - half, centre + half)
    with np.errstate(over="ignore", invalid="ignore"):
        scaled = np.clip((values - centre) / half, -2.0, 2.0)
    return scaled, (-1.0, 1.0)


_MAP_LOOKUP_TABLE = _map_lookup_table()


#: A decision map needing more multiply-adds than this is computed off the GUI
#: thread while snapshots stream in (2-8-8-1 on the 100 x 100 grid: about 0.9 M,
#: drawn at once; 2-64-64-1: 43 M, about 13 ms).
MAP_SYNC_MULTIPLY_ADDS = 4_000_000


def map_multiply_adds(net: Network, grid) -> int:
    """Multiply-adds of one decision map of ``net`` over ``grid``."""
    sizes = net.layer_sizes
    per_point = sum(a * b for a, b in itertools.pairwise(sizes))
    return int(per_point * grid.points.shape[0])


@dataclass(frozen=True)
class MapPicture:
    """A computed decision map: the values, and the image and levels to show them."""

    job_key: tuple
    grid: object
    values: np.ndarray
    image: np.ndarray
    #: The colour levels of a one-output map; None: ``image`` is RGBA already.
    levels: tuple[float, float] | None
    seconds: float


def _job_key(job: tuple) -> tuple:
    net, grid, multiclass, output, discretized, centre, half = job
    return (id(net), id(grid), multiclass, output, discretized, centre, half)


def compute_map(
    net: Network,
    grid,
    multiclass: bool,
    output: int,
    discretized: bool,
    centre: float,
    half: float,
) -> MapPicture:
    """The decision map of ``net`` over ``grid`` as the plot shows it (a pure function:
    run on the GUI thread or a background thread alike)."""
    started = time.perf_counter()
    key = _job_key((net, grid, multiclass, output, discretized, centre, half))
    if multiclass:
        values = decision_map(net, grid)  # every class's output
        image = class_colours.class_map_rgba(values, discrete=discretized)
        return MapPicture(key, grid, values, image, None, time.perf_counter() - started)
    values = decision_map(net, grid)[:, :, output]
    if discretized:
        values = (values >= 0.5).astype(values.dtype)  # the picked class, 0 or 1
    image, levels = _image_and_levels(values, centre, half)
    return MapPicture(key, grid, values, image, levels, time.perf_counter() - started)


class _EditingViewBox(pg.ViewBox):
    """A ViewBox that turns clicks and drags into point edits (see :class:`DataPlot`)."""

    def __init__(self, plot: DataPlot) -> None:
        super().__init__(enableMenu=False)
        self._plot = plot
        self._dragged: int | None = None

    def mouseClickEvent(self, ev) -> None:
        if not self._plot.editing_enabled():
            super().mouseClickEvent(ev)
            return
        point = self.mapSceneToView(ev.scenePos())
        shift = bool(ev.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        if ev.button() == Qt.MouseButton.RightButton or (
            ev.button() == Qt.MouseButton.LeftButton and shift
        ):
            ev.accept()
            self._plot._remove_near(ev.scenePos())
        elif ev.button() == Qt.MouseButton.LeftButton:
            ev.accept()
            self._plot._add_at(point.x(), point.y())
        else:
            super().mouseClickEvent(ev)

    def mouseDragEvent(self, ev, axis=None) -> None:
        if ev.button() != Qt.MouseButton.LeftButton or not self._plot.editing_enabled():
            super().mouseDragEvent(ev, axis)
            return
        if ev.isStart():
            self._dragged = self._plot._nearest_training_point(ev.buttonDownScenePos())
        if self._dragged is None:
            super().mouseDragEvent(ev, axis)
            return
        ev.accept()
        point = self.mapSceneToView(ev.scenePos())
        self._plot._drag_to(self._dragged, point.x(), point.y(), finished=ev.isFinish())
        if ev.isFinish():
            self._dragged = None


class DataPlot(QWidget):
    """Scatter of the data with the network's decision map (2 inputs) or fitted curve (1 input).

    Parameters
    ----------
    train, test
        The data to show (test may be None).

    Signals
    -------
    point_added(ndarray)
        A click asked for a new training sample; the payload is the full row,
        inputs then targets.
    point_removed(int)
        Shift-click or right-click asked to remove training sample ``index``.
    point_moved(int, ndarray)
        A drag moved training sample ``index``; the payload is its new full row.
    """

    point_added = Signal(object)
    point_removed = Signal(int)
    point_moved = Signal(int, object)
    #: Playground's toggles changed (the View menu follows).
    discretize_changed = Signal(bool)
    show_test_changed = Signal(bool)

    def __init__(
        self, train: Dataset, test: Dataset | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._train = train
        self._test = test
        self._net: Network | None = None
        self._grid = None
        self._map_values: np.ndarray | None = None
        self._curve_values: tuple[np.ndarray, np.ndarray] | None = None
        self._pending_render = False
        self._drag_positions: np.ndarray | None = None
        self._last_render = -math.inf
        self._last_network_render = -math.inf
        self._last_render_cost = 0.0
        self.render_count = 0
        self._render_timer = QTimer(self)
        self._render_timer.setSingleShot(True)
        self._render_timer.timeout.connect(self._render_if_shown)
        #: Maps too costly for a frame are computed here (latest wins).
        self._map_runner = BackgroundRunner(self)
        self._map_runner.finished.connect(self._map_computed)
        self._map_job: tuple | None = None
        self._last_map_compute = 0.0

        self.view_box = _EditingViewBox(self)
        self.plot_widget = TimedPlotWidget(viewBox=self.view_box, background="w")
        self.plot_widget.setMinimumSize(200, 160)
        self.plot_item = self.plot_widget.getPlotItem()
        # Its own grid, not the axes' (see AxisGrid): above the map, below the points.
        self.grid = AxisGrid(self.plot_item, z_value=-5, alphas=(48, 20))
        # Translucent, not pre-mixed for a white background: over the coloured decision
        # map, opaque near-white lines read as stripes across it. Theme colours below.
        self.grid.set_colour(pg.mkColor(0, 0, 0), None)
        self._apply_palette()
        self.plot_item.hideButtons()
        for name in ("left", "bottom"):  # no "x2 (x0.001)" with ticks of 500 for inputs below 1
            self.plot_item.getAxis(name).enableAutoSIPrefix(False)
        self.map_image = pg.ImageItem(axisOrder="row-major")
        self.map_image.setLookupTable(_MAP_LOOKUP_TABLE)
        self.map_image.setZValue(-10)
        self.plot_item.addItem(self.map_image)
        self.fitted_curve_item = pg.PlotDataItem(pen=pg.mkPen((24, 82, 168), width=2.5))
        self.plot_item.addItem(self.fitted_curve_item)
        # The points as arrays, one scatter item per colour (see point_layer): test
        # squares below training circles, both above the grid.
        train_outline = pg.mkPen(TRAIN_OUTLINE, width=1)
        test_fill = pg.mkBrush(*TEST_FILL)
        self.test_scatter = PointLayer(
            self.plot_item,
            "s",
            POINT_SIZE,
            lambda rgba: (pg.mkPen(rgba, width=2), test_fill),
            z_value=0.0,
        )
        self.train_scatter = PointLayer(
            self.plot_item,
            "o",
            POINT_SIZE,
            lambda rgba: (train_outline, pg.mkBrush(rgba)),
            z_value=1.0,
        )

        self.message = QLabel()
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        self.stack = FillingStack()  # prefers its minimum: the axis stays in the dock
        self.stack.addWidget(self.plot_widget)
        self.stack.addWidget(self.message)

        self.output_combo = QComboBox()
        self.output_combo.setToolTip("Which output (target column) the colours and curve show")
        self.output_combo.currentIndexChanged.connect(lambda _i: self._refresh_everything())
        self.output_label = QLabel("Show:")
        self.class_combo = QComboBox()
        self.class_combo.setToolTip("The class of points added by clicking")
        self.target_spin = QDoubleSpinBox()
        self.target_spin.setDecimals(3)
        self.target_spin.setRange(-1e6, 1e6)
        self.target_spin.setSingleStep(0.1)
        self.target_spin.setValue(1.0)
        self.target_spin.setToolTip("The target value of points added by clicking")
        self.new_point_label = QLabel("New points:")
        self._discretize = False
        self._show_test = True
        self.discretize_box = QCheckBox("Discretize output")
        self.discretize_box.setToolTip(
            "Colour the background by the class the network picks (output ≥ 0.5, or the "
            "largest output), without the shades of how sure it is"
        )
        self.discretize_box.toggled.connect(self.set_discretize)
        self.show_test_box = QCheckBox("Show test data")
        self.show_test_box.setChecked(True)
        self.show_test_box.setToolTip("Show the test samples (hollow squares)")
        self.show_test_box.toggled.connect(self.set_show_test)
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color: #555555;")

        controls = QHBoxLayout()
        controls.setContentsMargins(0, 0, 0, 0)
        controls.addWidget(self.new_point_label)
        controls.addWidget(self.class_combo)
        controls.addWidget(self.target_spin)
        controls.addSpacing(12)
        controls.addWidget(self.output_label)
        controls.addWidget(self.output_combo)
        controls.addStretch(1)
        # Playground's toggles in a row of their own: the column is narrow.
        # Wrapped onto two rows in a narrow column (presentation mode's larger font).
        toggles = FlowLayout(spacing=12)
        toggles.addWidget(self.discretize_box)
        toggles.addWidget(self.show_test_box)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(controls)
        layout.addWidget(self.stack, 1)
        layout.addLayout(toggles)
        layout.addWidget(self.hint)
        self.set_data(train, test)
        call_when_shown(self, self._on_shown)

    # ------------------------------------------------------------------ state
    def dataset(self) -> tuple[Dataset, Dataset | None]:
        return self._train, self._test

    def mode(self) -> str:
        """``"plane"`` (2 inputs), ``"curve"`` (1 input) or ``"none"``."""
        n_inputs = self._train.n_inputs
        return {2: "plane", 1: "curve"}.get(n_inputs, "none")

    def output_index(self) -> int:
        return max(0, self.output_combo.currentIndex())

    def editing_enabled(self) -> bool:
        """Mouse edits work on 2-input data, and on 1-input data with one target."""
        return self.mode() == "plane" or (self.mode() == "curve" and self._train.n_outputs == 1)

    def is_classification(self) -> bool:
        return self._train.task == "classification"

    def is_multiclass(self) -> bool:
        """One 0/1 target column per class: points and map in one colour per class."""
        return class_colours.is_multiclass(self._train)

    def new_point_targets(self) -> np.ndarray:
        """The target row a click adds (class or value from the selector, other outputs 0)."""
        targets = np.zeros(self._train.n_outputs)
        if self.is_multiclass():
            targets[int(self.class_combo.currentData())] = 1.0  # one-hot
            return targets
        value = (
            float(self.class_combo.currentData())
            if self.is_classification()
            else self.target_spin.value()
        )
        targets[self.output_index()] = value
        return targets

    def discretize(self) -> bool:
        """True when the map shows the picked class only (Playground's "discretize output")."""
        return self._discretize

    def set_discretize(self, on: bool) -> None:
        """Show the class the network picks at every point, not how sure it is."""
        on = bool(on)
        if on != self.discretize_box.isChecked():
            self.discretize_box.setChecked(on)  # comes back here through toggled
            return
        if on == self._discretize:
            return
        self._discretize = on
        self._render_network()
        self.discretize_changed.emit(on)

    def show_test(self) -> bool:
        """True when the test samples are drawn."""
        return self._show_test

    def set_show_test(self, on: bool) -> None:
        """Show or hide the test samples (they stay in the data and the test loss)."""
        on = bool(on)
        if on != self.show_test_box.isChecked():
            self.show_test_box.setChecked(on)
            return
        if on == self._show_test:
            return
        self._show_test = on
        self.test_scatter.setVisible(on)
        self.show_test_changed.emit(on)

    def _discretized(self) -> bool:
        return self._discretize and self.is_classification()

    def heatmap_values(self) -> np.ndarray | None:
        """The values shown as the decision map (what is passed to the image), or None.

        Draws a pending map first, so this is always the latest network's.
        """
        self.flush()
        return self._map_values

    def curve_values(self) -> tuple[np.ndarray, np.ndarray] | None:
        """``(xs, outputs)`` of the fitted curve as drawn, or None (drawn first if pending)."""
        self.flush()
        return self._curve_values

    def render_pending(self) -> bool:
        """True when the network changed since the map or curve was last drawn."""
        return self._pending_render

    def flush(self) -> None:
        """Draw the latest network's map or curve now if it is pending (shown or not)."""
        if self._pending_render:
            self._render_network()

    # ------------------------------------------------------------------- data
    def set_data(self, train: Dataset, test: Dataset | None = None) -> None:
        """Show new data; the map's grid follows the data's range."""
        columns_changed = (
            self._train.n_inputs != train.n_inputs
            or self._train.target_names != train.target_names
            or self.output_combo.count() == 0
        )
        self._train, self._test = train, test
        self._drag_positions = None
        if self._net is not None and self._net.n_inputs != train.n_inputs:
            self._net = None
        if columns_changed:
            self.output_combo.blockSignals(True)
            self.output_combo.clear()
            self.output_combo.addItems(list(train.target_names))
            self.output_combo.blockSignals(False)
        self._fill_class_combo()
        multiple_outputs = train.n_outputs > 1 and not self.is_multiclass()
        self.output_combo.setVisible(multiple_outputs)
        self.output_label.setVisible(multiple_outputs)
        classification = self.is_classification()
        self.class_combo.setVisible(classification)
        self.discretize_box.setEnabled(classification)
        self.show_test_box.setEnabled(test is not None and test.n_samples > 0)
        self.target_spin.setVisible(not classification and self.mode() == "plane")
        self.new_point_label.setVisible(self.mode() == "plane")
        self._update_grid()
        # New columns, or data that is mostly outside what the plot shows (an import,
        # another example): show all of it. An edit keeps the user's zoom.
        self._refresh_everything(autorange=columns_changed or self._mostly_out_of_view())

    def _fill_class_combo(self) -> None:
        if self.is_multiclass():
            names = self._train.target_names
            items = [
                (f"{name} ({class_colours.CLASS_COLOUR_NAMES[i % 6]})", i)
                for i, name in enumerate(names)
            ]
        else:
            items = [("class 0 (orange)", 0.0), ("class 1 (blue)", 1.0)]
        if [self.class_combo.itemText(i) for i in range(self.class_combo.count())] == [
            text for text, _ in items
        ]:
            return
        self.class_combo.clear()
        for text, data in items:
            self.class_combo.addItem(text, data)

    def set_snapshot(self, snapshot, deferred: bool = False) -> None:
        """Follow a :class:`~backprop_lab.core.snapshot.NetworkSnapshot` (live while training)."""
        self.set_network(snapshot.network(), deferred)

    def set_network(self, net: Network | None, deferred: bool = False) -> None:
        """Draw ``net``'s decision map or fitted curve (None clears it).

        Drawn at once when the last drawing was long enough ago, else by a timer
        (see the module's notes); not while the plot cannot be seen. ``deferred``:
        only store it (queries draw what is pending first); :meth:`catch_up`, run by
        the caller in a later event-loop turn, draws it.
        """
        if net is not None and net.n_inputs != self._train.n_inputs:  # data columns
            net = None  # a snapshot from before the data changed the input count
        self._net = net
        self._pending_render = True
        if not deferred:
            self._schedule_render()

    def catch_up(self) -> None:
        """Draw what a deferred :meth:`set_network` stored (paced, only when shown)."""
        if self._pending_render:
            self._schedule_render()

    def next_render_interval(self) -> float:
        """Seconds the next redraw waits after the last (longer when drawing is slow)."""
        cost = self._last_render_cost + self.plot_widget.last_paint_seconds
        # A map computed off the GUI thread still takes a core from training.
        background = BACKGROUND_COST_MULTIPLE * self._last_map_compute
        return min(
            MAX_MAP_INTERVAL_SECONDS,
            max(1.0 / MAP_UPDATES_PER_SECOND, MAP_COST_MULTIPLE * cost, background),
        )

    def _schedule_render(self) -> None:
        if not is_shown(self) or self._render_timer.isActive():
            return
        # Paced against the last drawing of a *new network* (snapshots streaming
        # in); a data edit's drawing does not delay the next network.
        wait = self._last_network_render + self.next_render_interval() - time.perf_counter()
        if wait <= 0:
            self._render_network(wait=False)
            self._last_network_render = self._last_render
        else:
            self._render_timer.start(max(1, math.ceil(wait * 1000)))

    def _render_if_shown(self) -> None:
        if self._pending_render and is_shown(self):
            self._render_network(wait=False)
            self._last_network_render = self._last_render

    def _on_shown(self) -> None:
        # Shown again (or its dock's tab came to the front): draw what is pending,
        # once Qt has placed the plot on screen.
        if self._pending_render:
            QTimer.singleShot(0, self._render_if_shown)

    def _update_grid(self) -> None:
        if self.mode() != "plane":
            self._grid = None
            return
        inputs = self._train.inputs
        if self._test is not None and self._test.n_samples:
            inputs = np.vstack([inputs, self._test.inputs])
        self._grid = grid_for(inputs, resolution=MAP_RESOLUTION) if len(inputs) else None

    def _colour_range(self) -> tuple[float, float]:
        """(centre, half-width) mapping targets and outputs to colours."""
        if self.is_classification():
            return 0.5, 0.5
        column = self._train.targets[:, self.output_index()]
        if self._test is not None and self._test.n_samples:
            column = np.concatenate([column, self._test.targets[:, self.output_index()]])
        if column.size == 0:
            return 0.0, 1.0
        low, high = float(column.min()), float(column.max())
        half = (high - low) / 2
        return (low + high) / 2, (half if half > 0 else max(1.0, abs(low)))

    # -------------------------------------------------------------- rendering
    def _refresh_everything(self, autorange: bool = False) -> None:
        mode = self.mode()
        if mode == "none":
            self.message.setText(
                f"The data plot needs 1 or 2 inputs; this data set has "
                f"{self._train.n_inputs}. Edit the data in the table."
            )
            self.stack.setCurrentWidget(self.message)
            self.hint.setText("")
            return
        self.stack.setCurrentWidget(self.plot_widget)
        names = self._train.input_names
        out = self._train.target_names[self.output_index()]
        if mode == "plane":
            self.plot_item.setLabel("bottom", names[0])
            self.plot_item.setLabel("left", names[1])
            background = (
                "the class the network finds most likely, paler where it is unsure"
                if self.is_multiclass()
                else f"the network's {out}"
            )
            self.hint.setText(
                "Click: add a point · Shift-click or right-click: remove the nearest · "
                "drag a point: move it. Filled circles train, hollow squares test. "
                f"Background: {background}."
            )
        else:
            self.plot_item.setLabel("bottom", names[0])
            self.plot_item.setLabel("left", out)
            self.hint.setText(
                (
                    "Click: add a point · Shift-click or right-click: remove the nearest · "
                    "drag a point: move it. "
                    if self.editing_enabled()
                    else ""
                )
                + "Line: the network's output. Filled circles train, hollow squares test."
            )
        self._draw_points()
        self._render_network()
        if autorange:
            self._auto_range()

    def _auto_range(self) -> None:
        if self.mode() == "plane" and self._grid is not None:
            x0, x1, y0, y1 = self._grid.bounds
            # 1:1 for 2-D data, so a circle looks like a circle; not when the two
            # inputs' ranges differ so much that one axis would be a sliver.
            spans = (x1 - x0, y1 - y0)
            comparable = min(spans) > 0 and max(spans) / min(spans) <= MAX_LOCKED_ASPECT
            self.view_box.setAspectLocked(comparable, ratio=1.0)
            self.view_box.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)
        else:
            self.view_box.setAspectLocked(False)
            self.view_box.autoRange()

    def aspect_locked(self) -> bool:
        """Whether the plot shows its two inputs at 1:1."""
        return bool(self.view_box.state["aspectLocked"])

    def _mostly_out_of_view(self) -> bool:
        """True when fewer than half of the samples lie inside the plot's current range."""
        if self.mode() == "none":
            return False
        positions = np.vstack(
            [self._point_positions(self._train), self._point_positions(self._test)]
        )
        if not len(positions):
            return False
        (x0, x1), (y0, y1) = self.view_box.viewRange()
        with np.errstate(invalid="ignore"):
            inside = (
                (positions[:, 0] >= x0)
                & (positions[:, 0] <= x1)
                & (positions[:, 1] >= y0)
                & (positions[:, 1] <= y1)
            )
        return 2 * int(inside.sum()) < len(positions)

    def _point_positions(self, dataset: Dataset | None) -> np.ndarray:
        if dataset is None or dataset.n_samples == 0:
            return np.zeros((0, 2))
        if self.mode() == "plane":
            return np.asarray(dataset.inputs[:, :2])
        return np.column_stack([dataset.inputs[:, 0], dataset.targets[:, self.output_index()]])

    def point_colours(self, dataset: Dataset) -> np.ndarray:
        """RGBA (n, 4) uint8 of each sample's point: its class, or its target's shade.

        Regression shades are rounded to :data:`~backprop_lab.gui.point_layer.COLOUR_LEVELS`
        steps of the diverging map (no visible difference), so the points fall into a few
        colour groups, each drawn as one array.
        """
        if self.is_multiclass():
            return class_colours.class_rgba(dataset.targets)
        values = dataset.targets[:, self.output_index()]
        if self.is_classification():
            deep = ANCHOR_COLOURS[[0, -1]].astype(np.uint8)  # deep orange, deep blue
            rgba = np.full((len(values), 4), 255, dtype=np.uint8)
            with np.errstate(invalid="ignore"):
                rgba[:, :3] = np.where((values >= 0.5)[:, None], deep[1], deep[0])
            return rgba
        centre, half = self._colour_range()
        with np.errstate(over="ignore", invalid="ignore"):
            position = quantise_positions((values - centre) / half)
        return diverging_rgba(position, 1.0)

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._apply_palette()

    def _apply_palette(self) -> None:
        """Follow the light or dark theme: the frame, axes and grid (the map keeps its
        colours, the points their outlines)."""
        palette = self.palette()
        background = palette.color(QPalette.ColorRole.Base)
        text = palette.color(QPalette.ColorRole.Text)
        self.plot_widget.setBackground(background)
        self.grid.set_colour(text, None)
        for name in ("left", "bottom"):
            axis = self.plot_item.getAxis(name)
            axis.setPen(pg.mkPen(text))
            axis.setTextPen(pg.mkPen(text))

    def set_line_factor(self, factor: float) -> None:
        """Presentation mode: points and the fitted curve ``factor`` times larger (1: normal)."""
        self._line_factor = float(factor)
        self.fitted_curve_item.setPen(pg.mkPen((24, 82, 168), width=2.5 * factor))
        size = POINT_SIZE * factor
        self.train_scatter.set_size(size)
        self.test_scatter.set_size(size)

    def _draw_points(self) -> None:
        train_positions = (
            self._drag_positions
            if self._drag_positions is not None
            else self._point_positions(self._train)
        )
        if len(train_positions):
            self.train_scatter.set_points(train_positions, self.point_colours(self._train))
        else:
            self.train_scatter.clear()
        test_positions = self._point_positions(self._test)
        if len(test_positions):
            self.test_scatter.set_points(test_positions, self.point_colours(self._test))
        else:
            self.test_scatter.clear()

    def _render_network(self, wait: bool = True) -> None:
        """Draw the latest network's map or curve.

        A map that costs more than :data:`MAP_SYNC_MULTIPLY_ADDS` is computed off
        the GUI thread (``wait=False``, while snapshots stream in); the image is
        set when it arrives, unless the network, the data or a display option
        changed meanwhile (then the newer drawing wins). Everything else, and
        every query, draws at once.
        """
        started = time.perf_counter()
        self._render_timer.stop()
        net = self._net
        mode = self.mode()
        job = self._current_job()
        if job is not None:
            if not wait and map_multiply_adds(net, self._grid) > MAP_SYNC_MULTIPLY_ADDS:
                self._map_job = job
                self._map_runner.submit(compute_map, *job)
                self._last_render = time.perf_counter()
                self._last_render_cost = self._last_render - started
                return
        self._map_job = None
        self._map_runner.cancel()  # whatever is in flight is older than this
        self._pending_render = False
        self.render_count += 1
        if job is not None:
            self._show_map(compute_map(*job))
        else:
            self._map_values = None
            self.map_image.setVisible(False)
        if mode == "curve" and net is not None:
            xs = self._train.inputs[:, 0]
            if self._test is not None and self._test.n_samples:
                xs = np.concatenate([xs, self._test.inputs[:, 0]])
            low, high = float(xs.min()), float(xs.max())
            pad = 0.05 * (high - low) if high > low else 1.0
            curve_x, outputs = fitted_curve(net, (low - pad, high + pad), n=200)
            self._curve_values = (curve_x, outputs)
            self.fitted_curve_item.setData(curve_x, outputs[:, self.output_index()])
            self.fitted_curve_item.setVisible(True)
        else:
            self._curve_values = None
            self.fitted_curve_item.setVisible(False)
        self._last_render = time.perf_counter()
        self._last_render_cost = self._last_render - started

    def _current_job(self) -> tuple | None:
        """The arguments of :func:`compute_map` for what the plot should show now."""
        net = self._net
        if self.mode() != "plane" or net is None or self._grid is None:
            return None
        multiclass = self.is_multiclass() and net.layer_sizes[-1] == self._train.n_outputs
        centre, half = self._colour_range()
        return (net, self._grid, multiclass, self.output_index(), self._discretized(), centre, half)

    def _map_computed(self, result: MapPicture) -> None:
        """A map computed off the GUI thread arrived: show it unless it is out of date."""
        started = time.perf_counter()
        job, self._map_job = self._map_job, None
        current = self._current_job()
        if job is None or current is None or result.job_key != _job_key(job):
            return
        if _job_key(current)[1:] != result.job_key[1:]:
            return  # the data or a display option changed since: never show it
        self.render_count += 1
        if current[0] is job[0]:
            self._pending_render = False
        # else a newer network came meanwhile: shown next (still pending), this one
        # is newer than what was on screen.
        self._show_map(result)
        self._last_map_compute = result.seconds
        self._last_render_cost += time.perf_counter() - started

    def _show_map(self, picture: MapPicture) -> None:
        grid = picture.grid
        self._map_values = picture.values
        if picture.levels is None:
            self.map_image.setLookupTable(None)
            self.map_image.setImage(picture.image, levels=None)
        else:
            self.map_image.setLookupTable(_MAP_LOOKUP_TABLE)
            self.map_image.setImage(picture.image, levels=picture.levels)
        step_x = grid.xs[1] - grid.xs[0]
        step_y = grid.ys[1] - grid.ys[0]
        # Pixel (i, j) is centred on grid point (xs[j], ys[i]).
        self.map_image.setRect(
            QRectF(
                grid.xs[0] - step_x / 2,
                grid.ys[0] - step_y / 2,
                step_x * grid.xs.size,
                step_y * grid.ys.size,
            )
        )
        self.map_image.setVisible(True)

    # ------------------------------------------------------------- mouse edits
    def _row_at(self, x: float, y: float) -> np.ndarray:
        """The data row a click at plot coordinates (x, y) adds: inputs, then targets."""
        if self.mode() == "plane":
            return np.concatenate([[x, y], self.new_point_targets()])
        return np.array([x, y])  # 1 input, 1 target: the plot's y is the target

    def _add_at(self, x: float, y: float) -> None:
        self.point_added.emit(self._row_at(x, y))

    def _nearest_training_point(self, scene_pos) -> int | None:
        positions = self._point_positions(self._train)
        if not len(positions):
            return None
        # Every point to scene pixels at once (the view's transform is affine).
        t = self.view_box.childGroup.sceneTransform()
        with np.errstate(over="ignore", invalid="ignore"):
            scene_x = t.m11() * positions[:, 0] + t.m21() * positions[:, 1] + t.dx()
            scene_y = t.m12() * positions[:, 0] + t.m22() * positions[:, 1] + t.dy()
            distances = np.hypot(scene_x - scene_pos.x(), scene_y - scene_pos.y())
        if not np.isfinite(distances).any():
            return None
        distances = np.where(np.isfinite(distances), distances, np.inf)
        index = int(np.argmin(distances))
        return index if distances[index] <= PICK_RADIUS_PX else None

    def _remove_near(self, scene_pos) -> None:
        index = self._nearest_training_point(scene_pos)
        if index is None:
            self.hint.setText("No training point near the click to remove (test points stay).")
            return
        self.point_removed.emit(index)

    def _drag_to(self, index: int, x: float, y: float, finished: bool) -> None:
        if self._drag_positions is None:
            self._drag_positions = self._point_positions(self._train).copy()
        self._drag_positions[index] = (x, y)
        self.train_scatter.set_positions(self._drag_positions)  # same points, one moved
        if finished:
            self._drag_positions = None
            row = np.concatenate([self._train.inputs[index], self._train.targets[index]])
            # Plane: (x, y) are the two inputs; curve: the input and the (only) target.
            row[0], row[1] = x, y
            self.point_moved.emit(index, row)
            self._draw_points()
