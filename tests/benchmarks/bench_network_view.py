"""Network view draw time (issue 11's budget: 2-64-64-1 in <= 8 ms), side by side.

Run: ``python tests/benchmarks/bench_network_view.py`` (offscreen). For each network
it times a full redraw (a new snapshot: colours regrouped, the picture repainted
into the view's cache) in a 900 x 560 view as CPU time of the GUI thread (other
processes on the machine do not count), the median of 30, and prints the ratio to
the 8 ms budget. Two runs in a row show the spread.
"""

from __future__ import annotations

import os
import statistics
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
from PySide6.QtWidgets import QApplication

from backprop_lab.core import Network, Trainer, take_snapshot
from backprop_lab.gui.network_view import NetworkView

BUDGET_MS = 8.0
SHAPES = ((2, 3, 3, 1), (2, 16, 16, 1), (2, 16, 16, 16, 1), (2, 64, 64, 1))


def time_shape(app, sizes, runs: int = 30, maps: bool = False) -> float:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, sizes[0]))
    T = (X[:, :1] > 0).astype(float)
    trainer = Trainer(Network(list(sizes), "tanh"), X, T, learning_rate=0.1)
    view = NetworkView()
    view.resize(900, 560)
    view.show()
    app.processEvents()
    snapshots = []
    for _ in range(runs + 2):
        trainer.step(1)
        snapshots.append(take_snapshot(trainer))
    graphics = view.graphics_view()
    times = []
    for snapshot in snapshots:
        start = time.thread_time()
        view.set_snapshot(snapshot)
        graphics.viewport().repaint()
        times.append((time.thread_time() - start) * 1000)
    view.close()
    return statistics.median(times[2:])


def main() -> int:
    app = QApplication.instance() or QApplication(sys.argv)
    for run in (1, 2):
        for sizes in SHAPES:
            ms = time_shape(app, sizes)
            shape = "-".join(map(str, sizes))
            ratio = ms / BUDGET_MS
            print(f"run {run}  {shape:>14}: {ms:6.2f} ms  ({ratio:.2f} of the 8 ms budget)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
