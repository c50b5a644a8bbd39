"""The loss landscape panel: E over two chosen weights, the path taken, the next step.

The top plot is a heatmap of the loss over a grid of values of two weights
(or biases) with every other parameter held at its current value, the path
gradient descent has taken in those two coordinates, the current point and
the gradient-descent step ``-η ∂E/∂w`` as an arrow, to scale. The bottom plot
is the loss along the negative gradient of all parameters, ``E(θ - η ∇E)``
for step sizes η from 0 to three learning rates, with the point the next
full-batch step lands on: a learning rate past the lowest point overshoots.

The numbers come from :mod:`backprop_lab.core.landscape`, computed on a
background thread (:class:`~backprop_lab.gui.training.background.BackgroundRunner`,
latest wins) whenever a new snapshot arrives while the panel is on screen.
Two edges clicked in the network view become the two weights.
"""

from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QGridLayout,
    QLabel,
    QSizePolicy,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from backprop_lab.core.landscape import (
    GradientSlice,
    Landscape,
    default_span,
    gradient_slice,
    loss_landscape,
)
from backprop_lab.core.network import Network
from backprop_lab.core.optimizers import check_schedule, learning_rate_at
from backprop_lab.core.snapshot import NetworkSnapshot, ParameterRef
from backprop_lab.gui.colors import SEQUENTIAL_COLOURS, SEQUENTIAL_POSITIONS
from backprop_lab.gui.filling import FillingGraphicsLayoutWidget
from backprop_lab.gui.steady import call_when_shown, is_shown
from backprop_lab.gui.training.background import BackgroundRunner

#: Most points of the path kept (older ones are thinned to every other one).
MAX_PATH_POINTS = 2000
#: The grid is re-centred when the current point leaves this share of its half-width.
RECENTRE_FRACTION = 0.6
#: Pixels across the drawn heatmap (a coarser grid is interpolated between its points).
DISPLAY_PIXELS = 180
#: Shortest time between two pictures while training runs (seconds).
MIN_INTERVAL_S = 0.1
#: Colours by log10(E) once the largest loss on the grid is this many times the smallest.
LOG_COLOUR_RATIO = 30.0

_COLOUR_MAP = pg.ColorMap(SEQUENTIAL_POSITIONS, SEQUENTIAL_COLOURS.astype(np.ubyte))
_PATH_PEN = pg.mkPen((255, 255, 255), width=2)
_PATH_SHADOW = pg.mkPen((0, 0, 0, 150), width=4)
_STEP_COLOUR = (220, 40, 40)


@dataclass(frozen=True)
class LandscapeView:
    """One computed picture: the 2-D landscape, the slice, and what they cost."""

    landscape: Landscape
    slice: GradientSlice
    seconds: float
    epoch: int
    generation: int


def compute_view(
    net: Network,
    X,
    T,
    loss: str,
    ref_a: ParameterRef,
    ref_b: ParameterRef,
    learning_rate: float,
    span: float,
    center: tuple[float, float],
    l1: float = 0.0,
    l2: float = 0.0,
    epoch: int = 0,
    generation: int = 0,
) -> LandscapeView:
    """Everything the panel draws, from immutable inputs (runs off the GUI thread)."""
    start = time.perf_counter()
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        landscape = loss_landscape(
            net, X, T, loss, ref_a, ref_b, learning_rate, span=span, center=center, l1=l1, l2=l2
        )
        slice_ = gradient_slice(net, X, T, loss, learning_rate, l1=l1, l2=l2)
    return LandscapeView(landscape, slice_, time.perf_counter() - start, epoch, generation)


def upsample(values: np.ndarray, factor: int) -> np.ndarray:
    """Bilinear interpolation between grid points, ``factor`` pixels per grid step.

    Only for drawing: the grid points keep their computed values, the pixels
    between them blend their neighbours instead of showing blocks.
    """
    if factor <= 1:
        return values
    rows, cols = values.shape
    y = np.linspace(0, rows - 1, (rows - 1) * factor + 1)
    x = np.linspace(0, cols - 1, (cols - 1) * factor + 1)
    y0 = np.minimum(np.floor(y).astype(int), rows - 2)
    x0 = np.minimum(np.floor(x).astype(int), cols - 2)
    fy = (y - y0)[:, None]
    fx = (x - x0)[None, :]
    a = values[y0][:, x0]
    b = values[y0][:, x0 + 1]
    c = values[y0 + 1][:, x0]
    d = values[y0 + 1][:, x0 + 1]
    return (a * (1 - fx) + b * fx) * (1 - fy) + (c * (1 - fx) + d * fx) * fy


#: The choosers list at most about this many parameters: a 256-wide network has
#: 459,520 weights, and two combo boxes of every one took 500 MB and a minute to
#: fill. Beyond it each layer lists its first weights; any other parameter (one
#: clicked in the network view or the weight table) is added when it is chosen.
MAX_LISTED_PARAMETERS = 2_000


def parameter_refs(layer_sizes, has_bias: bool, limit: int | None = None) -> list[ParameterRef]:
    """Every weight, then (per layer) every bias, in the network's order; with
    ``limit``, of each layer's weights only the first ``limit / layers``."""
    layers = len(layer_sizes) - 1
    per_layer = None if limit is None else max(2, limit // max(layers, 1))
    refs = []
    for l in range(layers):
        weights = (
            ParameterRef(l, i, j) for j in range(layer_sizes[l + 1]) for i in range(layer_sizes[l])
        )
        refs.extend(weights if per_layer is None else itertools.islice(weights, per_layer))
        if has_bias:
            refs.extend(ParameterRef(l, None, j) for j in range(layer_sizes[l + 1]))
    return refs


def is_parameter(ref, layer_sizes, has_bias: bool) -> bool:
    """Whether ``ref`` names a weight or bias of a network of ``layer_sizes``."""
    if not isinstance(ref, ParameterRef) or not 0 <= ref.layer < len(layer_sizes) - 1:
        return False
    if not 0 <= ref.target < layer_sizes[ref.layer + 1]:
        return False
    if ref.source is None:
        return has_bias
    return 0 <= ref.source < layer_sizes[ref.layer]


def _describe(ref: ParameterRef) -> str:
    if ref.source is None:
        return f"{ref.name}: bias of unit {ref.target + 1} in layer {ref.layer + 1}"
    below = "input" if ref.layer == 0 else f"unit {ref.source + 1} of layer {ref.layer}"
    if ref.layer == 0:
        below = f"input {ref.source + 1}"
    return f"{ref.name}: from {below} to unit {ref.target + 1} of layer {ref.layer + 1}"


class LandscapePanel(QWidget):
    """The loss landscape over two parameters, with the path and the next step.

    Signals
    -------
    view_shown(object)
        A :class:`LandscapeView` was drawn (tests wait on it).
    """

    view_shown = Signal(object)

    def __init__(self, controller, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.runner = BackgroundRunner(self)
        self.runner.finished.connect(self._show_view)
        self.runner.failed.connect(self._show_failure)
        self._refs: list[ParameterRef] = []
        self._ref_index: dict[ParameterRef, int] = {}
        self._has_bias = False
        self._layer_sizes: tuple[int, ...] = ()
        #: A new network whose parameters are not listed in the choosers yet: filled
        #: when the panel is shown or asked for its choice (4,000 entries and their
        #: tooltips take most of a second for 2-256x8-1; the panel is usually a tab
        #: behind the data plot).
        self._choices_for: NetworkSnapshot | None = None
        self._path: list[tuple[int, tuple, tuple | None]] = []  # (epoch, weights, biases)
        self._center: tuple[float, float] | None = None
        self._span: float | None = None
        self._view: LandscapeView | None = None
        self._pending = False
        self._generation = 0
        self.draw_count = 0
        self._plain_step = True
        self._last_submit = -math.inf
        self._throttle = QTimer(self)
        self._throttle.setSingleShot(True)
        self._throttle.timeout.connect(self.request)

        self.combo_a = QComboBox()
        self.combo_b = QComboBox()
        for combo, axis in ((self.combo_a, "x"), (self.combo_b, "y")):
            combo.setToolTip(
                f"The weight on the {axis} axis. Clicking an edge in the network view "
                "makes it the x weight (the x weight before it moves to y)."
            )
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
            combo.currentIndexChanged.connect(self._on_choice_changed)
        self.span_spin = QDoubleSpinBox()
        self.span_spin.setRange(0.001, 1e6)
        self.span_spin.setDecimals(3)
        self.span_spin.setPrefix("± ")
        self.span_spin.setToolTip("Half-width of the grid around the weights' values")
        self.span_spin.setKeyboardTracking(False)
        self.span_spin.valueChanged.connect(self._on_span_changed)
        self.auto_span = QCheckBox("auto")
        self.auto_span.setChecked(True)
        self.auto_span.setToolTip("Choose the grid's size from the weights and the step")
        self.auto_span.toggled.connect(self._on_auto_toggled)

        self.note = QLabel(
            "Every other weight and bias is held at its current value: a 2-D slice "
            "through the loss surface."
        )
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: #555555;")

        pg.setConfigOptions(antialias=True)
        self.graphics = FillingGraphicsLayoutWidget()  # prefers its minimum size
        self.graphics.setBackground("w")
        self.graphics.setMinimumSize(220, 170)
        self.plot = self.graphics.addPlot(row=0, col=0)
        self.plot.hideButtons()
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(False, False)
        self.plot.getViewBox().setAspectLocked(True)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setColorMap(_COLOUR_MAP)
        self.image.setZValue(-10)
        self.plot.addItem(self.image)
        self.colour_bar = pg.ColorBarItem(
            values=(0.0, 1.0), colorMap=_COLOUR_MAP, interactive=False, width=14, label="E"
        )
        self.colour_bar.setImageItem(self.image)
        self.colour_bar.axis.enableAutoSIPrefix(False)
        self.graphics.addItem(self.colour_bar, row=0, col=1)
        self.path_shadow = pg.PlotDataItem(pen=_PATH_SHADOW)
        self.path_line = pg.PlotDataItem(pen=_PATH_PEN)
        self.path_start = pg.ScatterPlotItem(
            size=8, symbol="s", brush=pg.mkBrush(255, 255, 255), pen=pg.mkPen("k")
        )
        self.current_point = pg.ScatterPlotItem(
            size=11, brush=pg.mkBrush(255, 255, 255), pen=pg.mkPen("k", width=1.5)
        )
        self.step_line = pg.PlotDataItem(pen=pg.mkPen(_STEP_COLOUR, width=3))
        self.step_head = pg.ArrowItem(
            headLen=12, tipAngle=35, brush=pg.mkBrush(*_STEP_COLOUR), pen=pg.mkPen(_STEP_COLOUR)
        )
        for item in (
            self.path_shadow,
            self.path_line,
            self.path_start,
            self.step_line,
            self.step_head,
            self.current_point,
        ):
            self.plot.addItem(item)

        self.slice_graphics = FillingGraphicsLayoutWidget()
        self.slice_graphics.setBackground("w")
        self.slice_graphics.setMinimumSize(220, 110)
        self.slice_plot = self.slice_graphics.addPlot()
        self.slice_plot.hideButtons()
        self.slice_plot.setMenuEnabled(False)
        self.slice_plot.setMouseEnabled(False, False)
        # Short enough for the plot's 220 px minimum (the longer one was cut off).
        self.slice_plot.setLabel("bottom", "step size η along −∇E")
        self.slice_plot.setLabel("left", "E")
        self.slice_plot.showGrid(x=True, y=True, alpha=0.2)
        self.slice_curve = pg.PlotDataItem(pen=pg.mkPen((40, 40, 40), width=2))
        self.slice_lr_line = pg.InfiniteLine(
            angle=90, pen=pg.mkPen(_STEP_COLOUR, width=1, style=Qt.PenStyle.DashLine)
        )
        self.slice_best = pg.ScatterPlotItem(
            size=8, symbol="t1", brush=pg.mkBrush(30, 120, 60), pen=pg.mkPen(None)
        )
        self.slice_now = pg.ScatterPlotItem(
            size=10, brush=pg.mkBrush(255, 255, 255), pen=pg.mkPen("k", width=1.5)
        )
        self.slice_step = pg.ScatterPlotItem(
            size=12, brush=pg.mkBrush(*_STEP_COLOUR), pen=pg.mkPen("k", width=1)
        )
        for plot in (self.plot, self.slice_plot):
            for side in ("left", "bottom"):
                plot.getAxis(side).enableAutoSIPrefix(False)
        for item in (
            self.slice_curve,
            self.slice_lr_line,
            self.slice_best,
            self.slice_now,
            self.slice_step,
        ):
            self.slice_plot.addItem(item)

        self.readout = QLabel()
        self.readout.setTextFormat(Qt.TextFormat.RichText)
        self.readout.setWordWrap(True)
        self.readout.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.readout.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self.slice_readout = QLabel()
        self.slice_readout.setWordWrap(True)

        choose = QGridLayout()
        choose.setContentsMargins(0, 0, 0, 0)
        choose.addWidget(QLabel("x:"), 0, 0)
        choose.addWidget(self.combo_a, 0, 1)
        choose.addWidget(QLabel("y:"), 1, 0)
        choose.addWidget(self.combo_b, 1, 1)
        choose.addWidget(QLabel("grid"), 0, 2, Qt.AlignmentFlag.AlignRight)
        choose.addWidget(self.span_spin, 0, 3)
        choose.addWidget(self.auto_span, 1, 3)
        choose.setColumnStretch(1, 1)

        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(self.graphics, 1)
        top_layout.addWidget(self.readout)
        bottom = QWidget()
        bottom_layout = QVBoxLayout(bottom)
        bottom_layout.setContentsMargins(0, 0, 0, 0)
        bottom_layout.addWidget(self.slice_graphics, 1)
        bottom_layout.addWidget(self.slice_readout)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(top)
        self.splitter.addWidget(bottom)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setChildrenCollapsible(False)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(choose)
        layout.addWidget(self.note)
        layout.addWidget(self.splitter, 1)

        controller.snapshot_ready.connect(self._on_snapshot)
        controller.network_reset.connect(self._on_network_reset)
        controller.settings_changed.connect(lambda *_: self.request())
        controller.data_changed.connect(lambda *_: self.request())
        call_when_shown(self, self._on_shown)
        self._on_network_reset(controller.current_snapshot())

    def resizeEvent(self, event) -> None:
        """Side by side when the panel is wide (undocked, a wide dock), else stacked."""
        super().resizeEvent(event)
        wide = self.width() > 1.5 * self.height() and self.width() > 640
        orientation = Qt.Orientation.Horizontal if wide else Qt.Orientation.Vertical
        if self.splitter.orientation() != orientation:
            self.splitter.setOrientation(orientation)
        self._fit_readouts()

    def _fit_readouts(self) -> None:
        """The readouts keep the height of their wrapped lines: in the splitter's panes
        (no height-for-width there) a short dock squeezed them to one line."""
        for label in (self.readout, self.slice_readout):
            width = label.width() if label.width() > 50 else max(self.width() - 8, 200)
            needed = label.heightForWidth(width) if label.text() else 0
            if needed > 0 and label.minimumHeight() != needed:
                label.setMinimumHeight(needed)

    # ------------------------------------------------------------- choices
    def refs(self) -> tuple[ParameterRef | None, ParameterRef | None]:
        """The parameters on the x and y axes."""
        self._ensure_choices()
        return self.combo_a.currentData(), self.combo_b.currentData()

    def _ensure_choices(self) -> None:
        """List the new network's parameters in the choosers, if that is still to do."""
        snapshot = self._choices_for
        if snapshot is not None:
            self._choices_for = None
            self._fill_choices(snapshot)

    def set_refs(self, ref_a: ParameterRef, ref_b: ParameterRef) -> None:
        """Choose the two parameters (x, y); ValueError for unknown or equal ones."""
        if ref_a == ref_b:
            raise ValueError("choose two different parameters")
        self._ensure_choices()
        for ref in (ref_a, ref_b):
            if not self._is_parameter(ref):
                raise ValueError(f"{ref.name} is not a parameter of this network")
        for combo, ref in ((self.combo_a, ref_a), (self.combo_b, ref_b)):
            combo.blockSignals(True)
            combo.setCurrentIndex(self._index_of(ref))
            combo.blockSignals(False)
        self._on_choice_changed()

    def _is_parameter(self, ref) -> bool:
        self._ensure_choices()
        return bool(self._refs) and is_parameter(ref, self._layer_sizes, self._has_bias)

    def _index_of(self, ref: ParameterRef) -> int:
        """The choosers' index of ``ref``, added to both when not listed yet."""
        index = self._ref_index.get(ref)
        if index is None:
            index = len(self._refs)
            self._refs.append(ref)
            self._ref_index[ref] = index
            for combo in (self.combo_a, self.combo_b):
                blocked = combo.blockSignals(True)
                combo.addItem(ref.name, ref)
                combo.setItemData(combo.count() - 1, _describe(ref), Qt.ItemDataRole.ToolTipRole)
                combo.blockSignals(blocked)
        return index

    def select_parameter(self, ref: ParameterRef | None) -> None:
        """A parameter clicked elsewhere: it goes on x, the previous x on y."""
        if ref is None or not self._is_parameter(ref):
            return
        ref_a, _ = self.refs()
        if ref == ref_a:
            return
        self.set_refs(ref, ref_a)

    def _fill_choices(self, snapshot: NetworkSnapshot) -> None:
        old_a, old_b = self.combo_a.currentData(), self.combo_b.currentData()
        self._layer_sizes = tuple(snapshot.layer_sizes)
        self._has_bias = snapshot.biases is not None
        self._refs = parameter_refs(
            snapshot.layer_sizes, self._has_bias, limit=MAX_LISTED_PARAMETERS
        )
        self._ref_index = {ref: k for k, ref in enumerate(self._refs)}
        for combo in (self.combo_a, self.combo_b):
            combo.blockSignals(True)
            combo.clear()
            for ref in self._refs:
                combo.addItem(ref.name, ref)
                combo.setItemData(combo.count() - 1, _describe(ref), Qt.ItemDataRole.ToolTipRole)
            combo.blockSignals(False)
        if self._is_parameter(old_a) and self._is_parameter(old_b) and old_a != old_b:
            default = (old_a, old_b)
        else:
            # The first weight into the first hidden unit, and the first weight
            # into the output: two layers, so the path bends.
            last = len(snapshot.layer_sizes) - 2
            default = (ParameterRef(0, 0, 0), ParameterRef(last, 0, 0))
            if default[0] == default[1]:
                default = (self._refs[0], self._refs[1])
        for combo, ref in zip((self.combo_a, self.combo_b), default):
            index = self._index_of(ref)
            combo.blockSignals(True)
            combo.setCurrentIndex(index)
            combo.blockSignals(False)

    def _on_choice_changed(self, *_args) -> None:
        ref_a, ref_b = self.refs()
        if ref_a is not None and ref_a == ref_b:
            # keep them different: move y to the next parameter
            index = (self.combo_b.currentIndex() + 1) % max(1, self.combo_b.count())
            self.combo_b.blockSignals(True)
            self.combo_b.setCurrentIndex(index)
            self.combo_b.blockSignals(False)
        self._center = None
        if self.auto_span.isChecked():
            self._span = None
        self.request()

    def _on_span_changed(self, value: float) -> None:
        if self.span_spin.signalsBlocked():
            return
        self.auto_span.blockSignals(True)
        self.auto_span.setChecked(False)
        self.auto_span.blockSignals(False)
        self._span = float(value)
        self._center = None
        self.request()

    def _on_auto_toggled(self, checked: bool) -> None:
        if checked:
            self._span = None
            self._center = None
            self.request()

    # ------------------------------------------------------------ training
    def _on_network_reset(self, snapshot: NetworkSnapshot) -> None:
        self._generation += 1
        if self._choices_for is not None:
            self._choices_for = snapshot  # still to list: for this network now
        elif tuple(snapshot.layer_sizes) != self._layer_sizes or not self._refs:
            if is_shown(self):
                self._fill_choices(snapshot)
            else:
                self._choices_for = snapshot
                self._layer_sizes = tuple(snapshot.layer_sizes)
        self._path = []
        self._center = None
        if self.auto_span.isChecked():
            self._span = None
        self._record(snapshot)
        self.request()

    def _on_snapshot(self, snapshot: NetworkSnapshot) -> None:
        if tuple(snapshot.layer_sizes) != self._layer_sizes:
            self._on_network_reset(snapshot)
            return
        self._record(snapshot)
        self.request()

    def _record(self, snapshot: NetworkSnapshot) -> None:
        # Rewound to an earlier epoch: the path ends there.
        while self._path and self._path[-1][0] > snapshot.epoch:
            self._path.pop()
        if self._path and self._path[-1][0] == snapshot.epoch:
            self._path[-1] = (snapshot.epoch, snapshot.weights, snapshot.biases)
        else:
            self._path.append((snapshot.epoch, snapshot.weights, snapshot.biases))
        if len(self._path) > MAX_PATH_POINTS:
            self._path = self._path[:1] + self._path[1:-1][::2] + self._path[-1:]

    def path(self) -> np.ndarray:
        """(points, 2) values of the two parameters along the path taken so far."""
        ref_a, ref_b = self.refs()
        if ref_a is None or ref_b is None:
            return np.zeros((0, 2))
        return np.array(
            [(ref_a.value_in(w, b), ref_b.value_in(w, b)) for _e, w, b in self._path],
            dtype=np.float64,
        ).reshape(-1, 2)

    # ------------------------------------------------------------ computing
    def _on_shown(self) -> None:
        if is_shown(self):
            self._ensure_choices()
        if is_shown(self) and self._pending:
            self.request()

    def request(self) -> bool:
        """Compute a new picture for the shown snapshot (off the GUI thread); False if hidden."""
        if not is_shown(self):
            self._pending = True
            return False
        self._pending = False
        ref_a, ref_b = self.refs()
        if ref_a is None or ref_b is None:
            return False
        snapshot = self.controller.current_snapshot()
        settings = self.controller.settings()
        train, _test = self.controller.dataset()
        initial = self.controller.initial_network()
        net = Network.from_arrays(
            snapshot.weights,
            snapshot.biases,
            list(snapshot.activations),
            initial.features,
            initial.n_inputs if initial.features else None,
        )
        X = np.asarray(train.inputs, dtype=np.float64)
        T = np.asarray(train.targets, dtype=np.float64).reshape(X.shape[0], -1)
        # η of the next epoch, after the learning-rate schedule
        typed = self.controller.typed_settings()
        lr = learning_rate_at(
            typed.lr_schedule,
            check_schedule(typed.lr_schedule, typed.schedule_params),
            float(typed.learning_rate),
            snapshot.epoch,
        )
        self._plain_step = (settings.get("optimizer") or "sgd") == "sgd" and (
            settings.get("batch_size") is None or settings["batch_size"] >= X.shape[0]
        )
        value_a = ref_a.value_in(net.weights, net.biases)
        value_b = ref_b.value_in(net.weights, net.biases)
        if self._span is None:
            self._auto_span(net, snapshot, ref_a, ref_b, lr)
        span = self._span
        if self._center is not None:
            # Keep the grid still while the point moves inside its middle.
            if max(abs(value_a - self._center[0]), abs(value_b - self._center[1])) > (
                RECENTRE_FRACTION * span
            ):
                self._center = None
                if self.auto_span.isChecked():  # the weights have grown: widen the grid
                    span = self._auto_span(net, snapshot, ref_a, ref_b, lr, at_least=span)
        if self._center is None:
            self._center = (value_a, value_b)
        now = time.monotonic()
        wait_s = MIN_INTERVAL_S - (now - self._last_submit)
        if wait_s > 0 and self.controller.is_running:
            # At most ~10 pictures a second while training runs; the last one always comes.
            if not self._throttle.isActive():
                self._throttle.start(max(1, int(wait_s * 1000)))
            return True
        self._last_submit = now
        self.runner.submit(
            compute_view,
            net,
            X,
            T,
            str(settings["loss"]),
            ref_a,
            ref_b,
            lr,
            span,
            self._center,
            float(settings.get("l1", 0.0) or 0.0),
            float(settings.get("l2", 0.0) or 0.0),
            snapshot.epoch,
            self._generation,
        )
        return True

    def _auto_span(self, net, snapshot, ref_a, ref_b, lr: float, at_least: float = 0.0) -> float:
        grads = snapshot.weight_gradients, snapshot.bias_gradients
        step = (lr * ref_a.value_in(*grads), lr * ref_b.value_in(*grads))
        self._span = max(at_least, default_span(net, ref_a, ref_b, step))
        self.span_spin.blockSignals(True)
        self.span_spin.setValue(self._span)
        self.span_spin.blockSignals(False)
        return self._span

    def wait(self, timeout_ms: int = 5000) -> bool:
        """Block until the running computation has returned (tests, shutdown)."""
        return self.runner.wait(timeout_ms)

    def shutdown(self) -> None:
        """Stop computing (the window is closing)."""
        self._throttle.stop()
        self.runner.shutdown()

    # -------------------------------------------------------------- drawing
    def view(self) -> LandscapeView | None:
        """The picture shown last."""
        return self._view

    def _show_failure(self, text: str) -> None:
        self.readout.setText(
            "The landscape could not be computed: " + text.strip().splitlines()[-1]
        )

    def _show_view(self, view: LandscapeView) -> None:
        self._view = view
        L, S = view.landscape, view.slice
        ref_a, ref_b = L.ref_a, L.ref_b
        values = L.loss
        finite = values[np.isfinite(values)]
        if finite.size:
            low, high = float(finite.min()), float(finite.max())
        else:
            low, high = 0.0, 1.0
        use_log = low > 0 and high / low > LOG_COLOUR_RATIO
        if use_log:
            shown = np.log10(np.clip(values, low, None))
            bar = (math.log10(low), math.log10(high))
            self.colour_bar.getAxis("left").setLabel("log₁₀ E")
        else:
            shown = values
            bar = (low, high if high > low else low + 1e-12)
            self.colour_bar.getAxis("left").setLabel("E" + (" + penalty" if L.penalised else ""))
        shown = np.where(np.isfinite(shown), shown, bar[1])
        factor = max(1, math.ceil(DISPLAY_PIXELS / max(2, len(L.values_a))))
        smooth = upsample(shown, factor)
        self.image.setImage(smooth, autoLevels=False)
        self.colour_bar.setLevels(bar)
        xs, ys = L.values_a, L.values_b
        dx = (xs[-1] - xs[0]) / max(1, smooth.shape[1] - 1)
        dy = (ys[-1] - ys[0]) / max(1, smooth.shape[0] - 1)
        self.image.setRect(
            xs[0] - dx / 2, ys[0] - dy / 2, dx * smooth.shape[1], dy * smooth.shape[0]
        )
        self.plot.setXRange(xs[0] - dx / 2, xs[-1] + dx / 2, padding=0)
        self.plot.setYRange(ys[0] - dy / 2, ys[-1] + dy / 2, padding=0)
        self.plot.setLabel("bottom", ref_a.name)
        self.plot.setLabel("left", ref_b.name)

        path = self.path()
        if len(path):
            self.path_line.setData(path[:, 0], path[:, 1])
            self.path_shadow.setData(path[:, 0], path[:, 1])
            self.path_start.setData([path[0, 0]], [path[0, 1]])
        else:
            for item in (self.path_line, self.path_shadow):
                item.setData([], [])
            self.path_start.setData([], [])
        cx, cy = L.center
        sx, sy = L.step
        self.current_point.setData([cx], [cy])
        self.step_line.setData([cx, cx + sx], [cy, cy + sy])
        length = math.hypot(sx, sy)
        if length > 0 and math.isfinite(length):
            # ArrowItem points left at angle 0 and turns clockwise on screen (y down);
            # the plot's y axis points up and its aspect is locked.
            self.step_head.setStyle(angle=math.degrees(math.atan2(sy, -sx)))
            self.step_head.setPos(cx + sx, cy + sy)
            self.step_head.setVisible(True)
        else:
            self.step_head.setVisible(False)

        ga, gb = L.gradient
        penalty = " + penalty" if L.penalised else ""
        self.readout.setText(
            f"E{penalty} = {L.current_loss:.6g} (epoch {view.epoch}); "
            f"∂E/∂{ref_a.name} = {ga:.3g}, ∂E/∂{ref_b.name} = {gb:.3g}.<br>"
            f"<span style='color:#dc2828'>Arrow</span>: the step −η·∂E/∂w = "
            f"({sx:.3g}, {sy:.3g}), η = {L.learning_rate:g}, to scale; white: the path."
        )
        self._fit_readouts()
        self.readout.setToolTip(
            f"{ref_a.name} = {cx:.6g}, {ref_b.name} = {cy:.6g}; grid "
            f"{L.resolution[0]} × {L.resolution[1]}, computed in {view.seconds * 1000:.1f} ms"
        )

        self.slice_curve.setData(S.etas, S.loss)
        self.slice_lr_line.setValue(S.learning_rate)
        self.slice_now.setData([0.0], [S.current_loss])
        self.slice_step.setData([S.learning_rate], [S.step_loss])
        self.slice_best.setData([S.best_eta], [float(np.nanmin(S.loss))])
        finite_slice = S.loss[np.isfinite(S.loss)]
        if finite_slice.size:
            lo, hi = float(finite_slice.min()), float(finite_slice.max())
            pad = 0.08 * (hi - lo) if hi > lo else max(abs(hi) * 0.1, 1e-9)
            self.slice_plot.setYRange(lo - pad, hi + pad, padding=0)
        self.slice_plot.setXRange(0.0, float(S.etas[-1]), padding=0.02)
        if S.climbs:
            verdict = (
                f"η = {S.learning_rate:g} is too large: the step jumps past the valley and "
                f"lands higher (E {S.current_loss:.6g} → {S.step_loss:.6g}); the lowest point "
                f"on this line is near η = {S.best_eta:.3g}."
            )
        elif S.overshoots:
            verdict = (
                f"η = {S.learning_rate:g} overshoots: the step lands past the lowest point "
                f"(near η = {S.best_eta:.3g}), but still lower (E {S.current_loss:.6g} → "
                f"{S.step_loss:.6g})."
            )
        else:
            verdict = (
                f"The next full-batch step (η = {S.learning_rate:g}, red dot) goes downhill: "
                f"E {S.current_loss:.6g} → {S.step_loss:.6g}."
            )
        if not self._plain_step:
            verdict += (
                " (The dot is a plain full-batch gradient step; this session's optimiser "
                "or minibatches step differently.)"
            )
        self.slice_readout.setText(verdict)
        self._fit_readouts()
        self.draw_count += 1
        self.view_shown.emit(view)


def install_landscape_panel(window) -> LandscapePanel:
    """Add the Loss landscape dock to ``window`` (a PanelHost) and follow its edge clicks."""
    panel = LandscapePanel(window.controller)
    window.add_panel_dock("landscape", "Loss landscape", panel)
    window.network_view.parameter_selected.connect(panel.select_parameter)
    return panel
