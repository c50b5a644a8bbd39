"""The live loss plot: training and test loss of every epoch, drawn with pyqtgraph.

Every epoch's loss is kept, however long training runs, in three growing NumPy
buffers (``int64`` epochs, ``float64`` training and test losses). That costs 24
bytes an epoch: about 25 MB for a million epochs, at most twice that right after
a buffer has doubled. Drawing stays fast because pyqtgraph only draws what is in
view (``setClipToView``) and reduces it to about two points a pixel column with
min/max "peak" downsampling, so spikes never disappear from the picture.

Data intake is separate from repainting: :meth:`LossPlot.append` only stores
the numbers; a coalescing timer repaints at most about 30 times a second, and
never while the plot is hidden (it catches up when shown).
"""

from __future__ import annotations

import contextlib
import importlib
import math
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyqtgraph as pg
import pyqtgraph.exporters
from PySide6.QtCore import QEvent, QPointF, Qt, QTimer
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

#: Okabe-Ito blue and vermillion: distinct for every common colour-vision deficiency,
#: and the test curve is also dashed so the two never depend on colour alone.
TRAIN_COLOUR = "#0072B2"
TEST_COLOUR = "#D55E00"
#: Smallest repaint interval (ms): about 30 repaints a second at most.
REPAINT_INTERVAL_MS = 33
#: Capacity of a fresh history buffer (epochs); it doubles as needed.
INITIAL_CAPACITY = 1024
#: Rows formatted at a time by :meth:`LossPlot.export_csv`.
CSV_CHUNK_ROWS = 65536


class _LossHistory:
    """Epochs and losses in amortised-doubling NumPy buffers; views of the filled part."""

    def __init__(self) -> None:
        self._allocate(INITIAL_CAPACITY)
        self.count = 0
        self.has_test = False

    def _allocate(self, capacity: int) -> None:
        self.epochs = np.zeros(capacity, dtype=np.int64)
        self.train = np.zeros(capacity, dtype=np.float64)
        self.test = np.zeros(capacity, dtype=np.float64)

    def clear(self) -> None:
        self._allocate(INITIAL_CAPACITY)
        self.count = 0
        self.has_test = False

    @property
    def capacity(self) -> int:
        return self.epochs.shape[0]

    def truncate_before(self, epoch: int) -> None:
        """Forget every stored epoch >= ``epoch`` (training went back in time)."""
        keep = int(np.searchsorted(self.epochs[: self.count], epoch, side="left"))
        if keep < self.count:
            self.count = keep
            self.has_test = bool(np.isfinite(self.test[:keep]).any())

    def extend(self, epochs: np.ndarray, train: np.ndarray, test: np.ndarray) -> None:
        needed = self.count + epochs.shape[0]
        if needed > self.capacity:
            capacity = max(2 * self.capacity, needed)
            old = (self.epochs, self.train, self.test)
            self._allocate(capacity)
            for new, previous in zip((self.epochs, self.train, self.test), old, strict=True):
                new[: self.count] = previous[: self.count]
        start, stop = self.count, needed
        self.epochs[start:stop] = epochs
        self.train[start:stop] = train
        self.test[start:stop] = test
        self.count = needed
        if not self.has_test and np.isfinite(test).any():
            self.has_test = True

    def views(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        n = self.count
        return self.epochs[:n], self.train[:n], self.test[:n]


def _validated(
    epochs: npt.ArrayLike, train_loss: npt.ArrayLike, test_loss: npt.ArrayLike | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Check and convert one batch of epochs and losses; raise ValueError with the reason."""
    epoch_values = np.asarray(epochs)
    train = np.asarray(train_loss, dtype=np.float64)
    if epoch_values.ndim != 1 or train.ndim != 1:
        raise ValueError("epochs and losses must be 1-D arrays")
    if epoch_values.shape != train.shape:
        raise ValueError(f"got {epoch_values.shape[0]} epochs but {train.shape[0]} training losses")
    if test_loss is None:
        test = np.full(train.shape, np.nan)
    else:
        test = np.asarray(test_loss, dtype=np.float64)
        if test.shape != train.shape:
            raise ValueError(
                f"got {train.shape[0]} training losses but {np.shape(test)[0] if test.ndim else 0}"
                " test losses"
            )
    if epoch_values.size and not np.issubdtype(epoch_values.dtype, np.integer):
        as_float = np.asarray(epoch_values, dtype=np.float64)
        if not np.all(np.isfinite(as_float)) or np.any(as_float != np.round(as_float)):
            raise ValueError("epochs must be whole numbers")
        epoch_values = as_float
    epoch_values = epoch_values.astype(np.int64)
    if epoch_values.size > 1 and np.any(np.diff(epoch_values) <= 0):
        raise ValueError("epochs must be strictly increasing")
    return epoch_values, train, test


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
        self._hovered_index: int | None = None

        self._repaint_timer = QTimer(self)
        self._repaint_timer.setSingleShot(True)
        self._repaint_timer.setInterval(REPAINT_INTERVAL_MS)
        self._repaint_timer.timeout.connect(self._repaint_if_visible)

        self.log_checkbox = QCheckBox("Log scale")
        self.log_checkbox.setToolTip("Show the loss on a logarithmic axis")
        self.log_checkbox.toggled.connect(self.set_log_y)
        self.readout_label = QLabel()
        self.readout_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.readout_label.setToolTip("Hover the plot to read the losses of an epoch")

        self.plot_widget = pg.PlotWidget()
        self.plot_item: pg.PlotItem = self.plot_widget.getPlotItem()
        self.plot_item.showGrid(x=True, y=True, alpha=0.25)
        self.plot_item.setMenuEnabled(True)
        self.plot_item.setLabel("bottom", "epoch")
        for name in ("left", "bottom"):
            # Plain numbers on the axes: "loss (half_sse) (x0.001)" confuses more than it helps.
            self.plot_item.getAxis(name).enableAutoSIPrefix(False)
        self.legend = self.plot_item.addLegend(offset=(-10, 10))
        self.plot_item.hideButtons()
        # Set on the PlotItem: it overrides these options of every curve added to it.
        self.plot_item.setDownsampling(auto=True, mode="peak")
        self.plot_item.setClipToView(True)

        self.train_curve = self._make_curve(TRAIN_COLOUR, Qt.PenStyle.SolidLine)
        self.test_curve = self._make_curve(TEST_COLOUR, Qt.PenStyle.DashLine)
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

        top = QHBoxLayout()
        top.setContentsMargins(4, 2, 4, 0)
        top.addWidget(self.log_checkbox)
        top.addSpacing(12)
        top.addWidget(self.readout_label, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(top)
        layout.addWidget(self.plot_widget, 1)

        self.set_loss_name(loss_name)
        self._apply_palette()
        self._update_readout()

    @staticmethod
    def _make_curve(colour: str, style: Qt.PenStyle) -> pg.PlotDataItem:
        curve = pg.PlotDataItem(pen=pg.mkPen(colour, width=2, style=style), connect="finite")
        curve.setDownsampling(auto=True, method="peak")
        curve.setClipToView(True)
        return curve

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
        self._schedule_repaint()

    def clear(self) -> None:
        """Forget every epoch (training was reset)."""
        self._history.clear()
        self._hovered_index = None
        self._schedule_repaint()

    def history(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Copies of (epochs int64, training losses, test losses with NaN for none)."""
        return tuple(a.copy() for a in self._history.views())

    def point_count(self) -> int:
        """How many epochs are stored."""
        return self._history.count

    def memory_bytes(self) -> int:
        """Bytes held by the history buffers (their capacity, not just the filled part)."""
        h = self._history
        return h.epochs.nbytes + h.train.nbytes + h.test.nbytes

    def has_test_loss(self) -> bool:
        """True when at least one stored epoch has a test loss."""
        return self._history.has_test

    # ------------------------------------------------------------ settings
    def set_loss_name(self, name: str) -> None:
        """Name the loss on the y axis: ``"loss (<name>)"``."""
        self._loss_name = name
        self.plot_item.setLabel("left", f"loss ({name})")

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
        self.plot_item.enableAutoRange(axis="y")

    def log_y(self) -> bool:
        """Whether the y axis is logarithmic."""
        return self.log_checkbox.isChecked()

    def set_marker(self, epoch: int | None) -> None:
        """Draw a vertical line at ``epoch`` (e.g. the rewind slider's position); None hides it."""
        self._marker_epoch = None if epoch is None else int(epoch)
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
            self._repaint_timer.start()

    def _repaint_if_visible(self) -> None:
        if self.isVisible():
            self.flush()

    def flush(self) -> None:
        """Repaint now if data arrived since the last repaint (used before exports)."""
        if not self._dirty:
            return
        self._dirty = False
        self._repaint_timer.stop()
        epochs, train, test = self._history.views()
        if epochs.size == 0:
            self.train_curve.setData([], [])
            self.test_curve.setData([], [])
        else:
            # Views into the buffers: no copy; pyqtgraph clips to the view and downsamples.
            self.train_curve.setData(epochs, train, skipFiniteCheck=False)
            if self._history.has_test:
                self.test_curve.setData(epochs, test, skipFiniteCheck=False)
            else:
                self.test_curve.setData([], [])
        self._show_test_curve(self._history.has_test)
        if self._hovered_index is not None and self._hovered_index >= self._history.count:
            self._hovered_index = None
        self._update_hover_points()
        self._update_readout()

    def _show_test_curve(self, visible: bool) -> None:
        if visible == self.test_curve.isVisible():
            return
        self.test_curve.setVisible(visible)
        if visible:
            self.legend.addItem(self.test_curve, "test")
        else:
            self.legend.removeItem(self.test_curve)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._dirty:
            self._repaint_timer.start()

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._apply_palette()

    def _apply_palette(self) -> None:
        """Follow the light or dark system theme."""
        palette = self.palette()
        background = palette.color(QPalette.ColorRole.Base)
        text = palette.color(QPalette.ColorRole.Text)
        self.plot_widget.setBackground(background)
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
        epochs = self._history.epochs[:count]
        right = int(np.searchsorted(epochs, epoch, side="left"))
        if right >= count:
            return count - 1
        if right == 0:
            return 0
        return right if epochs[right] - epoch < epoch - epochs[right - 1] else right - 1

    def _update_hover_points(self) -> None:
        index = self._hovered_index
        if index is None:
            self.hover_line.setVisible(False)
            self.hover_points.setVisible(False)
            return
        h = self._history
        epoch = float(h.epochs[index])
        self.hover_line.setValue(epoch)
        self.hover_line.setVisible(True)
        ys = [h.train[index], h.test[index]] if h.has_test else [h.train[index]]
        brushes = [pg.mkBrush(TRAIN_COLOUR), pg.mkBrush(TEST_COLOUR)][: len(ys)]
        self.hover_points.setData([epoch] * len(ys), ys, symbolBrush=brushes)
        self.hover_points.setVisible(True)

    def _update_readout(self) -> None:
        self.readout_label.setText(self.readout_text())

    def readout_text(self) -> str:
        """What the readout says: the hovered epoch's losses, else the latest epoch's."""
        h = self._history
        if h.count == 0:
            return "No epochs trained yet"
        index = self._hovered_index
        prefix = ""
        if index is None:
            index = h.count - 1
            prefix = "latest: "
        parts = [
            f"{prefix}epoch {int(h.epochs[index]):,}",
            f"training {_format_loss(h.train[index])}",
        ]
        if h.has_test:
            parts.append(f"test {_format_loss(h.test[index])}")
        return "   ".join(parts)

    def hovered_epoch(self) -> int | None:
        """The epoch the hover readout shows, or None when the mouse is not over the data."""
        if self._hovered_index is None:
            return None
        return int(self._history.epochs[self._hovered_index])

    # -------------------------------------------------------------- export
    def export_csv(self, path: str | Path) -> None:
        """Write ``epoch,train_loss,test_loss``, one row an epoch, floats exactly (repr).

        The test cell is empty where there is no test loss.
        """
        epochs, train, test = self._history.views()
        with open(path, "w", newline="", encoding="utf-8") as handle:
            handle.write("epoch,train_loss,test_loss\n")
            # repr() is the shortest text that reads back as the same float; chunks keep
            # the temporary strings small for a million epochs.
            for start in range(0, epochs.shape[0], CSV_CHUNK_ROWS):
                stop = start + CSV_CHUNK_ROWS
                rows = zip(
                    epochs[start:stop].tolist(),
                    train[start:stop].tolist(),
                    test[start:stop].tolist(),
                    strict=True,
                )
                handle.write(
                    "".join(
                        f"{epoch},{loss!r},{'' if math.isnan(test_value) else repr(test_value)}\n"
                        for epoch, loss, test_value in rows
                    )
                )

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
