"""The layer statistics panel: vanishing and exploding gradients, and what initialisation does.

Three plots, one colour per layer (layer 1 is ``W1``'s, the first after the
inputs; the colours run from dark purple at the input side to yellow at the
output, so they never read as weight signs):

* **Activations h(a)** over epochs: each layer's mean, with a band over the
  middle 80 % of its values (10th to 90th percentile over samples and units).
* **Gradient per unit** over epochs, on a log scale: the mean over a layer's
  units of ``||dE/dW[:, j]||`` (the gradient of the weights coming into unit
  ``j``), with a band from the smallest to the largest unit (units with no
  gradient at all, which a log scale cannot draw, are counted in the legend
  instead). Lines that sit decades apart are vanishing (or exploding) gradients.
* **Weights at the shown epoch**: each layer's weight distribution as a
  histogram on shared bins (biases left out).

The epochs are those the session keeps for rewinding (every epoch for short
runs, every k-th for long ones: ``session.rewind``). The statistics come from
the snapshots themselves (their activations and their gradients on the whole
training set), so the panel adds no training work. While the panel cannot be
seen it does nothing at all: the session's events only mark it stale, and it
catches up when shown. It follows Reset, Open example and new architectures
(the session's "network" event: the kept epochs start again), and Rewind (its
"shown" event: the histogram shows the rewound epoch, a line marks it in the
other two plots).
"""

from __future__ import annotations

import dataclasses
import math
import re
import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QBoxLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from ..core.layer_stats import (
    LayerStats,
    LayerStatsSeries,
    WeightHistograms,
    network_layer_stats,
    snapshot_layer_stats,
    weight_histograms,
)
from . import load_progress
from .colors import sequential_rgba
from .filling import FillingPlotWidget
from .steady import LiveLabel, call_when_shown, is_shown
from .training.background import BackgroundRunner

#: The most redraws a second while snapshots stream in.
UPDATES_PER_SECOND = 5.0
#: The most time one catch-up spends recomputing kept epochs before it draws what it has.
CATCH_UP_SECONDS = 0.05
#: Wider than this many times its height, the three plots sit side by side.
ROW_ASPECT = 1.6


def stats_of(snapshot, inputs, targets) -> LayerStats:
    """One snapshot's statistics: from its own activations and gradients when it kept
    them, else one forward and backward pass over ``inputs`` (a weights-only kept
    epoch). Touches no widget: the panel calls it on the background thread too."""
    with np.errstate(all="ignore"):
        if snapshot.activations_values is not None and snapshot.weight_gradients is not None:
            return snapshot_layer_stats(snapshot)
        net = snapshot.network()  # with its feature inputs, if any
        return network_layer_stats(net, inputs, targets, snapshot.loss_name, epoch=snapshot.epoch)


def layer_names(layer_sizes) -> list[str]:
    """``["hidden 1", ..., "outputs"]``: the layers after the input, as the network view says."""
    n = len(layer_sizes) - 1
    return [f"hidden {i + 1}" for i in range(n - 1)] + ["outputs"]


def layer_colours(n_layers: int) -> list[tuple[int, int, int]]:
    """One colour per layer, dark purple (layer 1) to yellow (the outputs), never too light."""
    if n_layers <= 0:
        return []
    positions = np.linspace(0.0, 0.85, n_layers) if n_layers > 1 else np.array([0.0])
    rgba = sequential_rgba(positions, 0.0, 1.0)
    return [tuple(int(c) for c in row[:3]) for row in rgba]


def _log_safe(values: np.ndarray) -> np.ndarray:
    """Values a log axis can draw: 0 (no gradient) is left out (NaN), infinity at 1e300."""
    values = np.array(values, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        values[~(values > 0)] = np.nan
    return np.minimum(values, 1e300)


def _plot(title: str, left: str, bottom: str) -> pg.PlotWidget:
    widget = FillingPlotWidget(background="w")  # prefers its minimum: no needless scroll
    widget.setMinimumSize(80, 80)  # three side by side must not widen the window
    item = widget.getPlotItem()
    item.hideButtons()
    item.setMenuEnabled(False)
    item.setTitle(title, size="9pt", color="#333333")
    item.setLabel("left", left)
    item.setLabel("bottom", bottom)
    item.showGrid(x=True, y=True, alpha=0.15)
    for name in ("left", "bottom"):
        axis = item.getAxis(name)
        axis.enableAutoSIPrefix(False)  # pyqtgraph would write 0.5 as 500 "(x0.001)"
        axis.setPen(pg.mkPen(90, 90, 90))
        axis.setTextPen(pg.mkPen(60, 60, 60))
    return widget


class LayerStatsPanel(QWidget):
    """Per-layer activation and gradient statistics over epochs, and weight histograms.

    Parameters
    ----------
    session
        The :class:`~backprop_lab.core.session.Session` (``rewind``,
        ``shown_snapshot``, ``is_live``, ``dataset``, ``events``).
    """

    def __init__(self, session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        #: Statistics by epoch, of the current network and data (cleared when they change).
        self._cache: dict[int, LayerStats] = {}
        self._series: LayerStatsSeries | None = None
        self._histograms: WeightHistograms | None = None
        self._shown_snapshot = None  # a rewound snapshot, or None for the latest
        self._stale = True
        self._last_refresh = -math.inf
        #: How many times the statistics were brought up to date (tests: nothing while hidden).
        self.refresh_count = 0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._refresh_if_shown)
        # A big network's epoch (load_progress.OFF_THREAD_WORK) is computed off the GUI
        # thread, one at a time: (data generation, epoch, snapshot) of the one on its way.
        self._runner = BackgroundRunner(self)
        self._runner.finished.connect(self._on_computed)
        self._runner.failed.connect(self._on_failed)
        self._computing: tuple | None = None
        #: Epochs whose statistics could not be computed (not asked for again).
        self._failed: set[int] = set()
        self._data_generation = 0

        self.heading = LiveLabel(sample="Epoch 8,888,888 (rewound), 888 kept, computing…")
        self.heading.setMinimumWidth(60)
        self.legend = QLabel()
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        self.legend.setWordWrap(True)
        self.activation_plot = _plot("h(a): mean, 10–90 %", "", "epoch")
        self.activation_plot.setToolTip(
            "Each layer's activations h(a) over all training samples and units: the line is "
            "their mean, the band holds the middle 80 % of them (10th to 90th percentile)."
        )
        self.gradient_plot = _plot("‖∂E/∂W‖ per unit", "", "epoch")
        self.gradient_plot.setToolTip(
            "For each unit, the length of the gradient of the weights coming into it, on a log "
            "scale: the line is the mean over the layer's units, the band runs from the "
            "smallest to the largest (units with no gradient at all are counted in the legend). "
            "Lines decades apart: vanishing or exploding gradients."
        )
        self.gradient_plot.getPlotItem().setLogMode(x=False, y=True)
        self.histogram_plot = _plot("Weights", "count", "w")
        self.histogram_plot.setToolTip(
            "Each layer's weights (biases left out) at the shown epoch, counted on shared bins: "
            "what the initialisation drew, and how training moved them."
        )
        self.plots_layout = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self.plots_layout.setContentsMargins(0, 0, 0, 0)
        self.plots_layout.setSpacing(4)
        for widget in (self.activation_plot, self.gradient_plot, self.histogram_plot):
            self.plots_layout.addWidget(widget, 1)
        self._markers = []
        for widget in (self.activation_plot, self.gradient_plot):
            marker = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen(90, 90, 90, width=1))
            marker.setZValue(20)
            marker.setVisible(False)
            widget.getPlotItem().addItem(marker, ignoreBounds=True)
            self._markers.append(marker)
        self._curves: dict[str, list] = {"activation": [], "gradient": [], "histogram": []}

        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.heading)
        top.addWidget(self.legend, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.setSpacing(2)
        layout.addLayout(top)
        layout.addLayout(self.plots_layout, 1)
        self.setToolTip(
            "Per layer (1 = the layer after the inputs, W1's): activations and the gradient "
            "of each unit's incoming weights over the epochs kept by Rewind, and the weights "
            "at the shown epoch. Gradient lines decades apart: vanishing or exploding gradients."
        )

        events = session.events
        callbacks = (
            (events.weights, events.weights.connect(self._on_weights)),
            (events.network, events.network.connect(self._on_network)),
            (events.data, events.data.connect(self._on_data)),
            (events.shown, events.shown.connect(self._on_shown_state)),
        )
        # The session may outlive the panel: let go of it when the panel goes.
        self.destroyed.connect(lambda *_: [event.disconnect(cb) for event, cb in callbacks])
        call_when_shown(self, self._on_shown)

    # ------------------------------------------------------------------ API
    def history(self):
        """The session's kept snapshots (a SnapshotHistory) the epochs come from."""
        return self._session.rewind

    def series(self) -> LayerStatsSeries | None:
        """The statistics as drawn (brought up to date first if stale)."""
        self.flush()
        return self._series

    def histograms(self) -> WeightHistograms | None:
        """The histograms as drawn (of the shown epoch)."""
        self.flush()
        return self._histograms

    def shown_epoch(self) -> int | None:
        """The epoch the histogram shows (the rewound one, else the latest)."""
        snapshot = self._displayed_snapshot()
        return None if snapshot is None else int(snapshot.epoch)

    def legend_text(self) -> str:
        """The legend as plain text: ``"Layer ■ 1 hidden 1 ■ 2 outputs"``."""
        return re.sub(r"<[^>]+>", "", self.legend.text()).replace("&nbsp;", " ")

    def is_stale(self) -> bool:
        return self._stale

    def drawn_series(self) -> LayerStatsSeries | None:
        """The statistics drawn now (not brought up to date first)."""
        return self._series

    def is_computing(self) -> bool:
        """True while a big network's epoch is computed off the GUI thread."""
        return self._computing is not None

    def flush(self) -> None:
        """Bring the statistics and plots up to date now, shown or not (every epoch
        computed here, big or not)."""
        if self._stale or self._computing is not None:
            self._refresh(here=True)

    def set_vertical(self, vertical: bool) -> None:
        """Stack the three plots (True) or put them side by side."""
        self.plots_layout.setDirection(
            QBoxLayout.Direction.TopToBottom if vertical else QBoxLayout.Direction.LeftToRight
        )

    # ------------------------------------------------------------ reactions
    def _on_weights(self, snapshot) -> None:
        # New live weights at this epoch (training, an edit, an undone divergence):
        # what was computed for it or later epochs is of other weights.
        epoch = int(snapshot.epoch)
        for stale in [e for e in self._cache if e >= epoch]:
            del self._cache[stale]
        if (
            is_shown(self)
            and snapshot.activations_values is not None
            and snapshot.keeps_every_sample
            and not self._is_big(snapshot)  # a big one is computed off the GUI thread
        ):
            with np.errstate(all="ignore"):
                self._cache[epoch] = snapshot_layer_stats(snapshot)  # no pass needed
        self._mark_stale()

    def _on_data(self, _data) -> None:
        self._forget_computing()
        self._cache.clear()  # the same weights give other activations and gradients
        self._mark_stale()

    def _on_network(self, _snapshot) -> None:
        self._forget_computing()
        self._shown_snapshot = None
        self._cache.clear()
        self._mark_stale(now=True)

    def _on_shown_state(self, snapshot) -> None:
        shown = None if self._session.is_live else snapshot
        if shown is not self._shown_snapshot:
            self._shown_snapshot = shown
            self._mark_stale(now=True)

    def _on_shown(self) -> None:
        if self._stale:
            QTimer.singleShot(0, self._refresh_if_shown)

    def _mark_stale(self, now: bool = False) -> None:
        self._stale = True
        if not is_shown(self):
            return  # nothing at all while it cannot be seen
        wait = 0.0 if now else self._last_refresh + 1.0 / UPDATES_PER_SECOND - time.perf_counter()
        if wait <= 0 and not self._timer.isActive():
            self._refresh()
        elif not self._timer.isActive() or now:
            self._timer.start(max(0, math.ceil(wait * 1000)))

    def _refresh_if_shown(self) -> None:
        if self._stale and is_shown(self):
            self._refresh()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        size = event.size()
        self.set_vertical(size.width() < ROW_ASPECT * size.height())

    # ------------------------------------------------------------ computing
    def _displayed_snapshot(self):
        if self._shown_snapshot is not None:
            return self._shown_snapshot
        latest = self.history().latest
        return latest if latest is not None else self._session.live_snapshot

    def _stats_of(self, snapshot) -> LayerStats:
        train, _test = self._session.dataset()
        return stats_of(snapshot, train.inputs, train.targets)

    def _is_big(self, snapshot) -> bool:
        """Whether this snapshot's statistics are computed off the GUI thread."""
        train, _test = self._session.dataset()
        work = load_progress.snapshot_work(snapshot.layer_sizes, train)
        return work >= load_progress.OFF_THREAD_WORK

    def _compute_off_thread(self, epoch: int, snapshot) -> None:
        """Start computing ``epoch`` on the background thread (one at a time)."""
        if self._computing is not None:
            return  # the next one when this one has arrived
        train, _test = self._session.dataset()
        self._computing = (self._data_generation, epoch, snapshot)
        # A kept snapshot and the data's arrays: nothing another thread changes.
        self._runner.submit(stats_of, snapshot, train.inputs, train.targets)

    def _forget_computing(self) -> None:
        """The network or data changed: what is on its way is of other ones."""
        self._data_generation += 1
        self._computing = None
        self._failed.clear()
        self._runner.cancel()

    def _on_failed(self, _traceback: str) -> None:
        computing, self._computing = self._computing, None
        if computing is not None:
            self._failed.add(computing[1])
            self._mark_stale(now=True)

    def _on_computed(self, stats: LayerStats) -> None:
        computing, self._computing = self._computing, None
        if computing is None:
            return
        generation, epoch, snapshot = computing
        # Kept only if it is still the statistics of that epoch's weights on this data.
        if generation == self._data_generation and self.history().at_or_before(epoch) is snapshot:
            self._cache[epoch] = stats
        self._mark_stale(now=True)

    def _refresh(self, here: bool = False) -> None:
        self._timer.stop()
        self._stale = False
        self.refresh_count += 1
        history = self.history()
        latest = self._displayed_snapshot()
        layer_sizes = tuple(latest.layer_sizes) if latest is not None else ()
        kept: dict[int, LayerStats] = {}
        started = time.perf_counter()
        for epoch in history.epochs():
            stats = self._cache.get(epoch)
            if stats is None:
                if not here and time.perf_counter() - started > CATCH_UP_SECONDS:
                    self._stale = True  # the rest in the next turn of the event loop
                    continue
                # A kept epoch holds its weights only: one forward and backward pass.
                snapshot = history.at_or_before(epoch)
                if snapshot is None or tuple(snapshot.layer_sizes) != layer_sizes:
                    continue  # another architecture's epochs (before a reset)
                if not here and epoch in self._failed:
                    continue
                if not here and self._is_big(snapshot):
                    # Seconds for the largest networks: drawn when it arrives.
                    self._compute_off_thread(epoch, snapshot)
                    continue
                stats = self._stats_of(snapshot)
            if stats.n_layers == len(layer_sizes) - 1:
                kept[epoch] = stats
        self._cache = kept
        series = LayerStatsSeries.from_stats(kept.values())
        if not kept and layer_sizes:
            # Nothing arrived yet (a big network's epochs are on their way): empty
            # curves for every layer.
            width = np.zeros((0, len(layer_sizes) - 1))
            series = dataclasses.replace(
                series,
                **{f.name: width for f in dataclasses.fields(series) if f.name != "epochs"},
            )
        self._series = series
        shown = self._displayed_snapshot()
        self._histograms = weight_histograms(shown.weights) if shown is not None else None
        self._last_refresh = time.perf_counter()
        self._draw(layer_sizes, shown)
        if self._stale:
            self._timer.start(0)

    # -------------------------------------------------------------- drawing
    def _ensure_curves(self, n_layers: int) -> None:
        if len(self._curves["activation"]) == n_layers:
            return
        for kind, widget in (
            ("activation", self.activation_plot),
            ("gradient", self.gradient_plot),
            ("histogram", self.histogram_plot),
        ):
            item = widget.getPlotItem()
            for parts in self._curves[kind]:
                for part in parts:
                    item.removeItem(part)
            self._curves[kind] = []
        colours = layer_colours(n_layers)
        for layer, colour in enumerate(colours):
            pen = pg.mkPen(*colour, width=2)
            edge = pg.mkPen(*colour, 60, width=0)
            for kind, widget in (
                ("activation", self.activation_plot),
                ("gradient", self.gradient_plot),
            ):
                item = widget.getPlotItem()
                low = pg.PlotDataItem(pen=edge)
                high = pg.PlotDataItem(pen=edge)
                band = pg.FillBetweenItem(low, high, brush=pg.mkBrush(*colour, 40))
                mean = pg.PlotDataItem(pen=pen)
                mean.setZValue(10 + layer)
                for part in (low, high, band, mean):
                    item.addItem(part)
                self._curves[kind].append((low, high, band, mean))
            bars = pg.PlotDataItem(stepMode="center", pen=pen)
            self.histogram_plot.getPlotItem().addItem(bars)
            self._curves["histogram"].append((bars,))

    def _zero_gradient_units(self) -> list[int]:
        """Per layer, the units without any gradient at the shown epoch."""
        shown = self._displayed_snapshot()
        if shown is None:
            return []
        stats = self._cache.get(int(shown.epoch))
        if stats is None:
            if self._is_big(shown):
                # Counted once its epoch has arrived from the background thread.
                return [0] * (len(shown.layer_sizes) - 1)
            stats = self._stats_of(shown)
        return [int(n) for n in stats.zero_gradient_units]

    def _draw(self, layer_sizes, shown) -> None:
        series = self._series
        n_layers = len(layer_sizes) - 1 if layer_sizes else 0
        self._ensure_curves(n_layers)
        names = layer_names(layer_sizes) if layer_sizes else []
        colours = layer_colours(n_layers)
        dead = self._zero_gradient_units()
        entries = []
        for i, colour in enumerate(colours):
            text = f"■ {i + 1}" + (" outputs" if i == len(names) - 1 else "")
            if dead[i]:
                text += f" ({dead[i]} without gradient)"
            entries.append(f'<span style="color: rgb{colour}">{text.replace(" ", "&nbsp;")}</span>')
        self.legend.setText("Layer " + " ".join(entries))
        self.legend.setToolTip(
            "Layer 1 is the first after the inputs (its weights are W1): "
            + ", ".join(f"{i + 1} = {name}" for i, name in enumerate(names))
            + ". Units without gradient get no update at all (a dead ReLU, a step unit)."
        )
        epochs = series.epochs.astype(np.float64) if series is not None else np.zeros(0)
        for layer in range(n_layers):
            low, high, _band, mean = self._curves["activation"][layer]
            mean.setData(epochs, series.activation_mean[:, layer])
            low.setData(epochs, series.activation_p10[:, layer])
            high.setData(epochs, series.activation_p90[:, layer])
            low, high, _band, mean = self._curves["gradient"][layer]
            mean.setData(epochs, _log_safe(series.gradient_norm_mean[:, layer]))
            low.setData(epochs, _log_safe(series.gradient_norm_min_nonzero[:, layer]))
            high.setData(epochs, _log_safe(series.gradient_norm_max[:, layer]))
        hist = self._histograms
        if hist is not None:
            for layer in range(min(n_layers, hist.counts.shape[0])):
                (bars,) = self._curves["histogram"][layer]
                bars.setData(hist.edges, hist.counts[layer].astype(np.float64))
        rewound = self._shown_snapshot is not None
        for marker in self._markers:
            marker.setVisible(rewound)
            if rewound:
                marker.setValue(float(shown.epoch))
        epoch = int(shown.epoch) if shown is not None else 0
        kept = int(series.epochs.size) if series is not None else 0
        computing = ", computing…" if self._computing is not None else ""
        self.heading.setText(
            f"Epoch {epoch:,}{' (rewound)' if rewound else ''}, {kept:,} kept{computing}"
        )
        self.heading.setToolTip(
            f"The weights are those of epoch {epoch:,}; the curves run over the {kept:,} "
            "epochs the Rewind panel keeps (every epoch for short runs, every k-th for long ones)."
        )
        self.histogram_plot.getPlotItem().setTitle(
            f"Weights, epoch {epoch:,}", size="9pt", color="#333333"
        )


def install_layer_stats(window) -> LayerStatsPanel:
    """Add the layer statistics panel to ``window`` (a :class:`~.window_host.PanelHost`)."""
    panel = LayerStatsPanel(window.controller.session)
    window.add_panel_dock("layer_stats", "Layer statistics", panel)
    return panel
