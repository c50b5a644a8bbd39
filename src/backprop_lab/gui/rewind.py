"""Rewind: a timeline over the epochs trained so far that shows the network at any past epoch.

The snapshots are kept by the :class:`~backprop_lab.core.session.Session`
(``session.rewind``, a :class:`~backprop_lab.core.history.SnapshotHistory`,
bounded in bytes: weights only, the rest recomputed when an epoch is shown;
for long runs only every k-th epoch is kept, and the label says so and states
the memory used and its cap). Rewinding changes the session's *shown state* in one place; every
view draws it (the network view, the tables, the status bar, the loss readout,
the data plot, the inspector panels). While rewound, training goes on being
recorded, but the views keep the chosen epoch until Live is pressed.
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

from backprop_lab.gui.steady import LiveLabel, call_when_shown, is_shown


class RewindPanel(QWidget):
    """A slider over the epochs, a Live button and a line saying what is kept.

    Parameters
    ----------
    controller
        The training controller; the panel reads and changes ``controller.session``.
    network_view, weight_table
        Not used (kept for old callers): every view follows the session itself.
    loss_plot
        For a panel used on its own: gets ``set_marker(epoch, losses)`` while
        rewound and ``set_marker(None)`` when live (the main window does this
        for its own loss plot).
    capacity
        The most snapshots the session keeps (None: the session's default).

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
        capacity: int | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._controller = controller
        self._session = controller.session
        self._loss_plot = loss_plot
        if capacity is not None:
            self._session.set_rewind_capacity(capacity)
        self._was_live = self._session.is_live
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
        self._memory = LiveLabel(sample="Memory: 88.8 MB of at most 200 MB.")
        row = QHBoxLayout()
        row.addWidget(QLabel("Epoch:"))
        row.addWidget(self._slider, 1)
        row.addWidget(self._live_button)
        # One line each: the second states what is kept and the memory cap.
        labels = QVBoxLayout()
        labels.setSpacing(0)
        labels.addWidget(self._position)
        labels.addWidget(self._stride)
        labels.addWidget(self._memory)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.addLayout(row)
        layout.addLayout(labels)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self._slider.valueChanged.connect(self._slider_moved)
        events = self._session.events
        events.shown.connect(self._on_shown)
        events.weights.connect(self._on_weights)
        events.network.connect(self._on_network)
        # Out of sight (its dock tabbed away, as at first), the controls catch up
        # when shown or read, not at every snapshot.
        self._stale = False
        call_when_shown(self, self._catch_up)
        self._update_controls()

    # ----------------------------------------------------------------- API
    @property
    def history(self):
        """The session's kept snapshots (a SnapshotHistory)."""
        return self._session.rewind

    def is_live(self) -> bool:
        return self._session.is_live

    def shown_snapshot(self):
        """The stored snapshot shown while rewound (None when live)."""
        return None if self._session.is_live else self._session.shown_snapshot

    def show_epoch(self, epoch: int) -> None:
        """Show the stored snapshot at ``epoch`` or the nearest earlier one (every view)."""
        self._requested = int(epoch)
        try:
            self._session.show_epoch(epoch)
        finally:
            self._requested = None

    def go_live(self) -> None:
        """Show the network as it is now again."""
        self._session.show_live()

    def slider(self) -> QSlider:
        self._catch_up()
        return self._slider

    def position_text(self) -> str:
        self._catch_up()
        return self._position.text()

    def stride_text(self) -> str:
        self._catch_up()
        return self._stride.text()

    def memory_text(self) -> str:
        """The line stating the memory the kept epochs take and its cap."""
        self._catch_up()
        return self._memory.text()

    # ------------------------------------------------------------ internals
    _requested: int | None = None

    def _on_shown(self, snapshot) -> None:
        live = self._session.is_live
        if self._loss_plot is not None:
            if live:
                self._loss_plot.set_marker(None)
            else:
                self._loss_plot.set_marker(
                    snapshot.epoch, (snapshot.train_loss, snapshot.test_loss)
                )
        self._update_controls(requested=self._requested)
        if not live:
            self._was_live = False
            self.rewound.emit(snapshot)
        elif not self._was_live:
            self._was_live = True
            self.rewound.emit(None)

    def _on_weights(self, _snapshot) -> None:
        # While live the session reports the new snapshot as shown right after: the
        # controls are brought up to date once, then.
        if not self._session.is_live:
            self._update_controls()

    def _catch_up(self) -> None:
        if self._stale:
            self._update_controls(force=True)

    def _on_network(self, _snapshot) -> None:
        if self._loss_plot is not None:
            self._loss_plot.set_marker(None)
        self._update_controls()
        if not self._was_live:
            self._was_live = True
            self.rewound.emit(None)

    def _slider_moved(self, value: int) -> None:
        if self._slider.signalsBlocked():
            return
        self.show_epoch(value)

    def _update_controls(self, requested: int | None = None, force: bool = False) -> None:
        if requested is None and not force and not is_shown(self):
            self._stale = True
            return
        self._stale = False
        history = self.history
        first = history.first_epoch() or 0
        last = history.latest.epoch if history.latest is not None else 0
        self._slider.blockSignals(True)
        self._slider.setRange(first, last)
        if self._session.is_live:
            self._slider.setValue(last)
        elif requested is not None:
            self._slider.setValue(requested)
        self._slider.blockSignals(False)
        self._slider.setEnabled(last > first)
        live = self._session.is_live
        self._live_button.setEnabled(not live)
        if live:
            self._position.setText(f"Live: epoch {last}")
        else:
            shown = self._session.shown_epoch
            text = f"Showing epoch {shown} (rewound; training continues to be recorded)"
            if requested is not None and requested != shown:
                text = f"Showing epoch {shown}, the nearest kept at or before {requested} (rewound)"
            self._position.setText(text)
        self._stride.setText(self.history.describe().capitalize() + ".")
        self._memory.setText(self.history.describe_memory() + ".")
