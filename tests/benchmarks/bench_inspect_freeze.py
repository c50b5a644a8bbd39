"""Benchmark: how long the GUI thread freezes while the largest step is explained.

Opens the largest project the limits allow (2-256x8-1 tanh on MAX_SAMPLES samples, see
``bench_open_largest.py``) in a shown MainWindow and, interleaved per turn, with the
off-thread path off (``load_progress.OFF_THREAD_WORK`` = inf: everything on the GUI
thread, as before) and on (the default):

* **phases**: Step phase (the worker explains the next step; the GUI waits for it);
* **chain**: the chain rule of w(1) 0->0 until its numbers are shown;
* **stats**: the Layer statistics panel computing its kept epochs from nothing.

Reported per case: the wall time until the result is shown, the GUI thread's longest
freeze (largest lateness of a 10 ms QTimer) and the GUI thread's CPU time meanwhile.

    python tests/benchmarks/bench_inspect_freeze.py [--runs N]
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

sys.path.insert(0, str(Path(__file__).parent))

from bench_open_largest import FreezeMeter, largest_project


def wait(app, condition, timeout: float = 600.0) -> None:
    from PySide6.QtCore import QEventLoop

    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise TimeoutError("the result never arrived")
        # Blocks until an event arrives (the meter's 10 ms timer at the latest).
        app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents)


def measure(app, meter, start, done) -> str:
    meter.begin()
    wall, cpu = time.perf_counter(), time.thread_time()
    start()
    wait(app, done)
    wall, cpu = time.perf_counter() - wall, time.thread_time() - cpu
    meter.end()
    return f"{wall:6.2f} s, longest freeze {meter.worst:5.2f} s, GUI CPU {cpu:5.2f} s"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()

    from PySide6.QtWidgets import QApplication

    from backprop_lab.core.project_file import save_project
    from backprop_lab.core.snapshot import ParameterRef
    from backprop_lab.gui import load_progress
    from backprop_lab.gui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    default = load_progress.OFF_THREAD_WORK
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "largest.bplab"
        save_project(path, largest_project(10, smooth=True))
        window = MainWindow(restore_settings=False)
        window.resize(1280, 720)
        window.show()
        assert window.open_project_from(path, show_errors=False, ask_to_save=False)
        app.processEvents()
        inspector = window.inspector
        stepper, chain, stats = inspector.phase_stepper, inspector.chain_rule, window.layer_stats
        meter = FreezeMeter()
        for run in range(1, args.runs + 1):
            for mode, threshold in (("GUI thread", math.inf), ("off-thread", default)):
                load_progress.OFF_THREAD_WORK = threshold
                print(f"run {run} {mode} (load {os.getloadavg()[0]:.1f})", flush=True)

                stepper.cancel()
                line = measure(
                    app, meter, stepper.step_phase, lambda: stepper.current_phase() is not None
                )
                print(f"  phases {line}", flush=True)
                stepper.cancel()

                dock = inspector.docks["chain_rule"]
                dock.show()
                dock.raise_()
                chain.show_parameter(None)
                line = measure(
                    app,
                    meter,
                    lambda: chain.show_parameter(ParameterRef(1, 0, 0)),
                    lambda: chain.terms() is not None and not chain.is_computing(),
                )
                print(f"  chain  {line}", flush=True)

                dock = window.docks["layer_stats"]
                dock.show()
                dock.raise_()
                app.processEvents()

                def recompute():
                    stats._cache.clear()
                    stats._mark_stale(now=True)

                line = measure(
                    app,
                    meter,
                    recompute,
                    lambda: (
                        not stats.is_stale()
                        and not stats.is_computing()
                        and stats.drawn_series() is not None
                        and len(stats.drawn_series().epochs) == len(stats.history().epochs())
                    ),
                )
                print(f"  stats  {line}", flush=True)
        load_progress.OFF_THREAD_WORK = default
        window.set_modified(False)
        window.close()
    print(f"load average {os.getloadavg()[0]:.1f}", flush=True)


if __name__ == "__main__":
    main()
