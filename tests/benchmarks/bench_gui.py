"""GUI speed and responsiveness, side by side, offscreen. Run by hand:

    python tests/benchmarks/bench_gui.py

1. epochs/s of the seed example through the worker with the network view and
   the loss plot live, against a core Trainer alone (target >= 0.5x);
2. lateness of a 10 ms QTimer in the GUI thread while training at full speed
   (target p99 < 50 ms);
3. redraw time of the network view for a 2-16-16-16-1 network (target <= 16 ms);
4. memory growth over 200,000 epochs through the worker (target < 50 MB).

The QApplication is made by the app's own ``_make_application``, so the event
dispatcher and environment measured are the ones backprop-lab runs with.

Options (for tuning; the defaults are what the targets are about):
``--emits-per-second N`` overrides ``training.EMITS_PER_SECOND`` (snapshots a
second while running); ``--seconds S`` how long the run measures (4);
``--memory-epochs N`` the epochs of the memory measure (200,000; 0 skips it).
"""

from __future__ import annotations

import argparse
import os
import time

os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np
from PySide6.QtCore import QElapsedTimer, QEventLoop, QTimer
from PySide6.QtWidgets import QApplication

from backprop_lab.core import Network, Trainer, seed_example, take_snapshot
from backprop_lab.core.presets import seed_inputs


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def spin_until(app, predicate, timeout_s: float, poll_ms: int = 5) -> None:
    """Run a real event loop (as the app does) until ``predicate()`` or the timeout."""
    loop = QEventLoop()
    deadline = time.perf_counter() + timeout_s

    def check():
        if predicate() or time.perf_counter() > deadline:
            loop.quit()

    poll = QTimer()
    poll.timeout.connect(check)
    poll.start(poll_ms)
    loop.exec()
    poll.stop()


def spin_for(seconds: float) -> None:
    """Run a real event loop for ``seconds``, woken by nothing but the app's own events.

    (A polling timer would wake the GUI thread hundreds of times a second, which
    the app itself never does, and each wake-up makes the worker step aside.)
    """
    loop = QEventLoop()
    QTimer.singleShot(max(1, round(seconds * 1000)), loop.quit)
    loop.exec()


def core_epochs_per_second(seconds: float = 2.0) -> float:
    trainer = Trainer(**seed_example())
    start = time.perf_counter()
    n = 0
    while time.perf_counter() - start < seconds:
        trainer.step(200)
        n += 200
    return n / (time.perf_counter() - start)


def worker_run(app, window, seconds: float, timer_lateness: list[float] | None = None) -> float:
    controller = window.controller
    controller.reset()
    timer = None
    if timer_lateness is not None:
        clock = QElapsedTimer()
        clock.start()
        last = [clock.nsecsElapsed()]

        def tick():
            now = clock.nsecsElapsed()
            timer_lateness.append(max(0.0, (now - last[0]) / 1e6 - 10.0))
            last[0] = now

        timer = QTimer()
        timer.setTimerType(__import__("PySide6.QtCore").QtCore.Qt.TimerType.PreciseTimer)
        timer.timeout.connect(tick)
        timer.start(10)
    start = time.perf_counter()
    controller.run()
    spin_for(seconds)
    controller.pause()
    spin_until(app, lambda: not controller.is_running, 5)
    elapsed = time.perf_counter() - start
    app.processEvents()
    if timer is not None:
        timer.stop()
    return controller.current_snapshot().epoch / elapsed


def redraw_ms(app, window) -> float:
    X, T = seed_inputs()
    net = Network([2, 16, 16, 16, 1], "tanh", init="xavier", bias=True, seed=1)
    trainer = Trainer(net, X, T, learning_rate=0.1)
    view = window.network_view
    snapshots = []
    for _ in range(20):
        trainer.step(1)
        snapshots.append(take_snapshot(trainer))
    view.set_snapshot(snapshots[0])
    view.repaint()
    times = []
    for snapshot in snapshots[1:]:
        t0 = time.perf_counter()
        view.set_snapshot(snapshot)
        view.graphics_view().viewport().repaint()
        app.processEvents()
        times.append((time.perf_counter() - t0) * 1000)
    return float(np.median(times))


def memory_growth(app, window, epochs: int = 200_000) -> tuple[float, float]:
    controller = window.controller
    controller.reset()
    app.processEvents()
    before = rss_mb()
    start = time.perf_counter()
    controller.step(epochs)
    spin_until(
        app,
        lambda: controller.current_snapshot().epoch >= epochs and not controller.is_running,
        timeout_s=1800,
    )
    app.processEvents()
    return rss_mb() - before, time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--emits-per-second", type=float, default=None)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--memory-epochs", type=int, default=200_000)
    args = parser.parse_args(argv)
    from backprop_lab.gui.training import worker as training

    if args.emits_per_second is not None:
        training.EMITS_PER_SECOND = args.emits_per_second
    # The application exactly as backprop-lab makes it (environment, event dispatcher,
    # names), so what is measured here is what the app runs.
    from backprop_lab.gui.app import _make_application

    app = QApplication.instance() or _make_application(offscreen=True)
    from backprop_lab.gui.main_window import MainWindow

    window = MainWindow(restore_settings=False)
    window.resize(1440, 900)
    window.show()
    app.processEvents()

    core = core_epochs_per_second()
    lateness: list[float] = []
    gui = worker_run(app, window, seconds=args.seconds, timer_lateness=lateness)
    core_after = core_epochs_per_second()
    core_mean = (core + core_after) / 2
    p99 = float(np.percentile(lateness, 99)) if lateness else float("nan")
    redraw = redraw_ms(app, window)
    if args.memory_epochs > 0:
        growth, seconds = memory_growth(app, window, epochs=args.memory_epochs)
    else:
        growth, seconds = float("nan"), 0.0
    window.close()

    rows = [
        ("epochs/s, core alone", f"{core_mean:,.0f}", "", ""),
        ("epochs/s, worker + view + plot", f"{gui:,.0f}", f"{gui / core_mean:.2f}x", ">= 0.5x"),
        ("10 ms timer lateness p99 (ms)", f"{p99:.1f}", f"{p99 / 50:.2f} of target", "< 50"),
        (
            "redraw 2-16-16-16-1 median (ms)",
            f"{redraw:.1f}",
            f"{redraw / 16:.2f} of target",
            "<= 16",
        ),
        (
            f"memory growth {args.memory_epochs:,} epochs ({seconds:.0f} s)",
            f"{growth:.1f} MB",
            f"{growth / 50:.2f} of target",
            "< 50 MB",
        ),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"snapshots a second while running: {training.EMITS_PER_SECOND:g}")
    print(f"{'measure':<{width}}  {'value':>12}  {'ratio':>16}  target")
    for name, value, ratio, target in rows:
        print(f"{name:<{width}}  {value:>12}  {ratio:>16}  {target}")
    memory_ok = growth < 50 if args.memory_epochs > 0 else True
    ok = gui / core_mean >= 0.5 and p99 < 50 and redraw <= 16 and memory_ok
    print("all targets met" if ok else "some targets missed")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
