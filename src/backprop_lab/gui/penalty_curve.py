"""The regularisation penalty over epochs, as its own curve on the loss plot.

With L1 or L2 on, the optimiser minimises the data loss plus the penalty
``R = l1·Σ|w| + (l2/2)·Σw²``; the loss plot's training curve stays the data
loss, and this adds R of the weights of every snapshot the session receives
(the worker sends several a second while training runs, so the curve is
sampled, not one point per epoch). It starts again with a new network, drops
points after an undone or edited epoch, and disappears when L1 and L2 are 0.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, QTimer

#: The most redraws of the penalty curve a second.
UPDATES_PER_SECOND = 5.0


class PenaltyCurve(QObject):
    """Collects (epoch, penalty) from the session's snapshots and draws them."""

    def __init__(self, session, loss_plot, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._plot = loss_plot
        self._epochs: list[int] = []
        self._values: list[float] = []
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(int(1000 / UPDATES_PER_SECOND))
        self._timer.timeout.connect(self.draw)
        events = session.events
        callbacks = (
            (events.weights, events.weights.connect(self._on_weights)),
            (events.network, events.network.connect(self._on_network)),
            (events.settings, events.settings.connect(self._on_settings)),
        )
        self.destroyed.connect(lambda *_: [event.disconnect(cb) for event, cb in callbacks])
        self._on_network(session.live_snapshot)

    def points(self) -> tuple[np.ndarray, np.ndarray]:
        """The epochs and penalties drawn (empty without regularisation)."""
        if not self._regularised():
            return np.zeros(0), np.zeros(0)
        return np.array(self._epochs, dtype=np.float64), np.array(self._values)

    def _regularised(self) -> bool:
        settings = self._session.settings
        return bool(settings.l1 or settings.l2)

    def _add(self, snapshot) -> None:
        epoch = int(snapshot.epoch)
        while self._epochs and self._epochs[-1] >= epoch:  # an edit, or an undone epoch
            self._epochs.pop()
            self._values.pop()
        self._epochs.append(epoch)
        self._values.append(float(snapshot.penalty))

    def _on_weights(self, snapshot) -> None:
        if self._regularised():
            self._add(snapshot)
            if not self._timer.isActive():
                self._timer.start()

    def _on_network(self, snapshot) -> None:
        self._epochs.clear()
        self._values.clear()
        if self._regularised():
            self._add(snapshot)
        self.draw()

    def _on_settings(self, _settings) -> None:
        if not self._regularised():
            self._epochs.clear()
            self._values.clear()
        self.draw()

    def draw(self) -> None:
        self._timer.stop()
        self._plot.set_penalty_curve(*self.points())


def install_penalty_curve(window) -> PenaltyCurve:
    """Draw the penalty on ``window.loss_plot`` (a :class:`~.window_host.PanelHost`)."""
    return PenaltyCurve(window.controller.session, window.loss_plot, window)
