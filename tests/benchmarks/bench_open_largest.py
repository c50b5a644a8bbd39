"""Benchmark: opening the largest project the limits allow, in a whole window.

The project is 2-256x8-1 tanh (every hidden layer MAX_LAYER_SIZE units, MAX_HIDDEN_LAYERS
of them: 460k weights), MAX_SAMPLES training and MAX_SAMPLES test samples and a loss
history of ``epochs`` epochs (1,000,000 by default: a 32 MB file; uniform noise, the loss
plot's worst case, or with ``--smooth`` a falling training curve). It is written once
to a temporary folder, then opened through File > Open's code path in a shown
MainWindow (offscreen unless QT_QPA_PLATFORM says otherwise), twice.

Reported per run:

* the total time until the window has drawn the new session (a grab);
* the GUI thread's longest freeze: the largest lateness of a 10 ms QTimer that runs
  the whole time (a frozen GUI thread cannot fire it; the progress dialog cannot
  repaint either), and the GUI thread's CPU time in it (on the shared machine the
  wall clock is partly the other processes);
* peak RSS (the process's high-water mark; the window alone is printed first);
* every freeze over 0.2 s and when it began (the one at the end is the views taking
  over the new session: it cannot be cancelled).

``--reset`` also measures Reset of the opened project; ``--settings`` applying that
architecture from Network settings on the seed example's window with the same data
(the other ways a network this size comes in). ``--profile`` prints cProfile's 45
costliest calls of the GUI thread for run 1. Run it offscreen, or on a display with
``QT_QPA_PLATFORM=xcb`` for a real window.

    python tests/benchmarks/bench_open_largest.py [--epochs N] [--runs N] [--smooth]
        [--reset] [--settings] [--profile] [--keep PATH]
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import resource
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def largest_project(epochs: int, smooth: bool = False):
    from backprop_lab.core import Network, Project
    from backprop_lab.core.data import Dataset
    from backprop_lab.core.limits import MAX_HIDDEN_LAYERS, MAX_LAYER_SIZE, MAX_SAMPLES

    rng = np.random.default_rng(0)

    def data(n: int) -> Dataset:
        x = rng.uniform(-1, 1, size=(n, 2))
        t = (x[:, :1] * x[:, 1:] > 0).astype(float)
        return Dataset(x, t, ("x1", "x2"), ("t",), "classification")

    sizes = [2] + [MAX_LAYER_SIZE] * MAX_HIDDEN_LAYERS + [1]
    net = Network(sizes, "tanh", init="xavier", seed=1)
    if smooth:  # a training curve: falling, with a little noise
        decay = 0.05 + 0.2 * np.exp(-np.arange(epochs) / (epochs / 8))
        train = decay * (1 + 0.02 * rng.standard_normal(epochs))
        test = 1.1 * decay * (1 + 0.02 * rng.standard_normal(epochs))
    else:  # the worst case for the loss plot: every pixel column spans the whole range
        train, test = rng.uniform(size=epochs), rng.uniform(size=epochs)
    history = {"epoch": np.arange(1, epochs + 1), "train_loss": train, "test_loss": test}
    settings = {
        "learning_rate": 0.1,
        "hidden_layer_sizes": [MAX_LAYER_SIZE] * MAX_HIDDEN_LAYERS,
        "activations": "tanh",
        "loss": "mse",
    }
    return Project(net, net.copy(), data(MAX_SAMPLES), data(MAX_SAMPLES), settings, epochs, history)


class FreezeMeter:
    """A 10 ms repeating QTimer; its largest lateness is the longest GUI freeze."""

    def __init__(self) -> None:
        from PySide6.QtCore import QTimer

        self.timer = QTimer()
        self.timer.setInterval(10)
        self.timer.timeout.connect(self._tick)
        self.last = time.perf_counter()
        self.last_cpu = time.thread_time()
        self.worst = 0.0
        self.worst_at = 0.0
        #: The GUI thread's CPU time during the longest freeze (the wall clock of a
        #: freeze on the shared machine is partly the other processes).
        self.worst_cpu = 0.0
        self.start = self.last
        self.freezes: list[tuple[float, float]] = []  # (at, length) of every one over 0.2 s

    def begin(self) -> None:
        self.start = self.last = time.perf_counter()
        self.last_cpu = time.thread_time()
        self.worst = self.worst_cpu = 0.0
        self.freezes = []
        self.timer.start()

    def _tick(self) -> None:
        now, cpu = time.perf_counter(), time.thread_time()
        late = now - self.last
        if late > 0.2:
            self.freezes.append((self.last - self.start, late))
        if late > self.worst:
            self.worst, self.worst_at = late, self.last - self.start
            self.worst_cpu = cpu - self.last_cpu
        self.last, self.last_cpu = now, cpu

    def end(self) -> None:
        self._tick()
        self.timer.stop()


def open_run(app, path: Path, profile: bool, reset: bool = False) -> str:
    from backprop_lab.gui.main_window import MainWindow

    window = MainWindow(restore_settings=False)
    window.resize(1280, 720)
    window.show()
    app.processEvents()
    alone = current_rss_mb()
    meter = FreezeMeter()
    profiler = cProfile.Profile() if profile else None
    meter.begin()
    start = time.perf_counter()
    if profiler:
        profiler.enable()
    ok = window.open_project_from(path, show_errors=False, ask_to_save=False)
    app.processEvents()
    window.grab()
    if profiler:
        profiler.disable()
    total = time.perf_counter() - start
    meter.end()
    long = ", ".join(f"{length:.1f} s at {at:.1f} s" for at, length in meter.freezes[:8])
    line = (
        f"open: ok={ok} total {total:.1f} s, longest GUI freeze {meter.worst:.2f} s"
        f" ({meter.worst_cpu:.2f} s of GUI-thread CPU, at {meter.worst_at:.1f} s),"
        f" RSS now {current_rss_mb():.0f} MB, peak"
        f" {peak_rss_mb():.0f} MB (window alone {alone:.0f} MB); freezes > 0.2 s: {long or 'none'}"
    )
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
    if reset:  # Reset of the opened project (epoch 1,000,000 -> 0)
        meter.begin()
        start = time.perf_counter()
        window.training_actions.reset.trigger()
        app.processEvents()
        window.grab()
        total = time.perf_counter() - start
        meter.end()
        line += (
            f"\n      reset: epoch {window.controller.current_snapshot().epoch} in {total:.1f} s,"
            f" longest GUI freeze {meter.worst:.2f} s ({meter.worst_cpu:.2f} s of GUI-thread CPU)"
        )
    window.set_modified(False)
    window.close()
    window.deleteLater()
    app.processEvents()
    return line


def settings_run(app, project, profile: bool) -> str:
    """Apply 2-256x8-1 from Network settings on a window holding the project's data."""
    from backprop_lab.gui.main_window import MainWindow

    window = MainWindow(restore_settings=False)
    window.resize(1280, 720)
    window.show()
    app.processEvents()
    window.controller.set_data(project.train, project.test)
    app.processEvents()
    panel = window.settings_panel
    meter = FreezeMeter()
    profiler = cProfile.Profile() if profile else None
    hidden = project.settings["hidden_layer_sizes"]
    panel.layer_count_box.setValue(len(hidden))
    for (_label, size, _activation), units in zip(panel._layer_rows, hidden, strict=True):
        size.setValue(units)
    meter.begin()
    start = time.perf_counter()
    if profiler:
        profiler.enable()
    panel.apply_button.click()
    app.processEvents()
    window.grab()
    if profiler:
        profiler.disable()
    total = time.perf_counter() - start
    meter.end()
    sizes = window.controller.live_snapshot().layer_sizes
    line = (
        f"settings: layers {list(sizes)} total {total:.1f} s, longest GUI freeze"
        f" {meter.worst:.2f} s ({meter.worst_cpu:.2f} s of GUI-thread CPU),"
        f" peak RSS {peak_rss_mb():.0f} MB"
    )
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
    window.set_modified(False)
    window.close()
    window.deleteLater()
    app.processEvents()
    return line


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--settings", action="store_true")
    parser.add_argument("--reset", action="store_true", help="also Reset after opening")
    parser.add_argument("--keep", help="write the project here and keep it")
    parser.add_argument(
        "--smooth", action="store_true", help="a falling loss history (default: uniform noise)"
    )
    args = parser.parse_args()

    from PySide6.QtWidgets import QApplication

    from backprop_lab.core.project_file import save_project

    app = QApplication.instance() or QApplication(sys.argv[:1])
    print(f"load average {os.getloadavg()[0]:.1f}", flush=True)
    project = largest_project(args.epochs, args.smooth)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(args.keep) if args.keep else Path(folder) / "largest.bplab"
        save_project(path, project)
        print(f"{path.name}: {path.stat().st_size / 1e6:.1f} MB", flush=True)
        for run in range(1, args.runs + 1):
            line = open_run(app, path, args.profile and run == 1, args.reset)
            print(f"run {run} {line}", flush=True)
            if args.settings:
                line = settings_run(app, project, args.profile and run == 1)
                print(f"run {run} {line}", flush=True)
        print(f"load average {os.getloadavg()[0]:.1f}", flush=True)


if __name__ == "__main__":
    main()
