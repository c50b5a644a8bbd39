"""Rewind: a timeline over the epochs trained so far that shows the network at any past epoch.

Snapshots are kept in a :class:`~backprop_lab.core.history.SnapshotHistory`,
bounded in memory (for long runs only every k-th epoch is kept, and the label
says so). While rewound, new snapshots are stored but the views keep showing
the chosen epoch until Live is pressed.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from backprop_lab.core.history import SnapshotHistory
from backprop_lab.gui.steady import LiveLabel


class RewindPanel(QWidget):
    """A slider over the epochs, a Live button and a line saying what is kept.

    Parameters
    ----------
    controller
        The training controller (snapshots arrive through its signals).
    network_view, weight_table
        Views given the stored snapshot (``set_snapshot``), or None.
    loss_plot
        Gets ``set_marker(epoch)`` while rewound and ``set_marker(None)`` when live.
    capacity
        The most snapshots kept (see :class:`SnapshotHistory`).

    Signals
    -------
    rewound(object)
        The stored snapshot now shown, or None when back to live.
    """

    rewound = Signal(object)

    def __init__(
        self,
        controller,
        network_view=None,
        weight_table=None,
        loss_plot=None,
        capacity: int = 500,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._controller = controller
        self._network_view = network_view
        self._weight_table = weight_table
        self._loss_plot = loss_plot
        self.history = SnapshotHistory(capacity)
        self._shown = None  # the stored snapshot shown while rewound, None when live
        self._slider = QSlider(Qt.Orientation.Horizontal)
        self._slider.setToolTip("Drag to see the network at an earlier epoch")
        self._slider.setTracking(True)
        self._live_button = QPushButton("Live")
        self._live_button.setToolTip("Back to the network as it is now")
        self._live_button.clicked.connect(self.go_live)
        # Both lines change with every snapshot: LiveLabels repaint without re-laying
        # out the window (a QLabel would), and elide with a tooltip when narrow.
        self._position = LiveLabel(sample="Live: epoch 8,888,888")
        self._stride = LiveLabel(sample="Every epoch shown is kept (888 snapshots).")
        row = QHBoxLayout()
        row.addWidget(QLabel("Epoch:"))
        row.addWidget(self._slider, 1)
        row.addWidget(self._live_button)
        labels = QHBoxLayout()
        labels.addWidget(self._position, 1)
        labels.addWidget(self._stride, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.addLayout(row)
        layout.addLayout(labels)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self._slider.valueChanged.connect(self._slider_moved)
        controller.snapshot_ready.connect(self._on_snapshot)
        controller.network_reset.connect(self._on_reset)
        self.history.add(controller.current_snapshot())
        self._update_controls()

    # ----------------------------------------------------------------- API
    def is_live(self) -> bool:
        return self._shown is None

    def shown_snapshot(self):
        """The stored snapshot shown while rewound (None when live)."""
        return self._shown

    def show_epoch(self, epoch: int) -> None:
        """Show the stored snapshot at ``epoch`` or the nearest earlier one."""
        latest = self.history.latest
        if latest is not None and epoch >= latest.epoch:
            self.go_live()
            return
        snapshot = self.history.at_or_before(epoch)
        if snapshot is None:
            raise ValueError(f"no snapshot is stored at or before epoch {epoch}")
        self._shown = snapshot
        self._display(snapshot)
        if self._loss_plot is not None:
            self._loss_plot.set_marker(snapshot.epoch)
        self._update_controls(requested=epoch)
        self.rewound.emit(snapshot)

    def go_live(self) -> None:
        """Show the network as it is now again."""
        was_rewound = self._shown is not None
        self._shown = None
        if was_rewound:
            self._display(self._controller.current_snapshot())
        if self._loss_plot is not None:
            self._loss_plot.set_marker(None)
        self._update_controls()
        if was_rewound:
            self.rewound.emit(None)

    def slider(self) -> QSlider:
        return self._slider

    def position_text(self) -> str:
        return self._position.text()

    def stride_text(self) -> str:
        return self._stride.text()

    # ------------------------------------------------------------ internals
    def _display(self, snapshot) -> None:
        for view in (self._network_view, self._weight_table):
            if view is not None:
                view.set_snapshot(snapshot)

    def _on_snapshot(self, snapshot) -> None:
        self.history.add(snapshot)
        if self._shown is not None:
            # Other views showed the live snapshot just now; put the past one back.
            self._display(self._shown)
        self._update_controls()

    def _on_reset(self, snapshot) -> None:
        self.history.clear()
        self.history.add(snapshot)
        if self._shown is not None:
            self._shown = None
            if self._loss_plot is not None:
                self._loss_plot.set_marker(None)
            self.rewound.emit(None)
        self._update_controls()

    def _slider_moved(self, value: int) -> None:
        if self._slider.signalsBlocked():
            return
        self.show_epoch(value)

    def _update_controls(self, requested: int | None = None) -> None:
        epochs = self.history.epochs()
        first = epochs[0] if epochs else 0
        last = epochs[-1] if epochs else 0
        self._slider.blockSignals(True)
        self._slider.setRange(first, last)
        if self._shown is None:
            self._slider.setValue(last)
        elif requested is not None:
            self._slider.setValue(requested)
        self._slider.blockSignals(False)
        self._slider.setEnabled(last > first)
        self._live_button.setEnabled(self._shown is not None)
        if self._shown is None:
            self._position.setText(f"Live: epoch {last}")
        else:
            shown = self._shown.epoch
            text = f"Showing epoch {shown} (rewound; training continues to be recorded)"
            if requested is not None and requested != shown:
                text = f"Showing epoch {shown}, the nearest kept at or before {requested} (rewound)"
            self._position.setText(text)
        self._stride.setText(self.history.describe().capitalize() + ".")
