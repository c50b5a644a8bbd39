"""GUI speed, responsiveness and memory, side by side in one run, offscreen. Run by hand:

    python tests/benchmarks/bench_gui.py            # everything (about 4 minutes)
    python tests/benchmarks/bench_gui.py --rss-seconds 20   # a shorter memory run

Each row is measured in this one process, next to the core alone on the same
machine in the same minute, and reported as a ratio:

1. epochs/s through the window (1440x900, every view live) against a core Trainer
   alone, for the seed's 2-3-3-1 net (target >= 0.8x) and for a 2-64-64-1 tanh
   net on 1,000 points, cross-entropy at 0.5, so that it learns (target >= 0.7x);
   with the lateness (p99) of a 10 ms timer
   in the GUI thread while each trains (target < 30 ms), the share of time the
   GUI thread was busy, the CPU time of its longest stretches of work (what the
   lateness would be on an idle machine: not counting other processes) and the
   snapshots a second the window received;
2. the headless path (``--epochs``: ``train_through_worker`` on a window never
   shown) against the core (target >= 0.9x);
3. the network view's draw time for 2-16-16-16-1 and 2-64-64-1 (target <= 8 ms);
4. RSS after a full-speed run of 2-64-64-64-1 on 2,000 points through the window
   (3 minutes by default; target < 1 GB; ``--rss-hidden`` and ``--rss-samples``
   choose another network and data; ``--largest`` the largest the app allows;
   ``--rss-seconds 600`` a 10-minute run), with the process's peak RSS, the
   window's RSS before the case is opened, and the highest RSS in each sixth
   of the run (sampled once a second: growth shows, not only the end).

The QApplication is made by the app's own ``_make_application``, so the event
dispatcher and environment measured are the ones backprop-lab runs with. The
core is measured with one BLAS thread, as the worker trains, in a fresh process
started right before and right after each run (the mean of both is the
reference), so nothing the app does in the background can slow the reference.
"""

from __future__ import annotations

import argparse
import os
import time

os.environ["QT_QPA_PLATFORM"] = "offscreen"

import numpy as np
from PySide6.QtCore import QAbstractEventDispatcher, QElapsedTimer, QEventLoop, Qt, QThread, QTimer
from PySide6.QtWidgets import QApplication
from threadpoolctl import threadpool_limits

from backprop_lab.core import Network, Trainer, seed_example, take_snapshot
from backprop_lab.core.datasets import make_dataset


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_rss_mb() -> float:
    """The most RSS this process has had (VmHWM)."""
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def spin_for(seconds: float) -> None:
    """Run a real event loop for ``seconds``, woken by nothing but the app's own events."""
    loop = QEventLoop()
    QTimer.singleShot(max(1, round(seconds * 1000)), loop.quit)
    loop.exec()


def wait_until_paused(controller, timeout_s: float = 10.0) -> None:
    """Run the event loop until the controller reports that training stopped: ended
    by its signal, so no poll interval is counted as training time."""
    if not controller.is_running:
        return
    loop = QEventLoop()

    def check(*_args) -> None:
        if not controller.is_running:
            loop.quit()

    controller.state_changed.connect(check)
    QTimer.singleShot(max(1, round(timeout_s * 1000)), loop.quit)
    if controller.is_running:
        loop.exec()
    controller.state_changed.disconnect(check)


def spin_until(predicate, timeout_s: float) -> None:
    loop = QEventLoop()
    deadline = time.perf_counter() + timeout_s

    def check():
        if predicate() or time.perf_counter() > deadline:
            loop.quit()

    poll = QTimer()
    poll.timeout.connect(check)
    poll.start(20)
    loop.exec()
    poll.stop()


# ------------------------------------------------------------------ the cases
def seed_case():
    example = seed_example()
    return "seed 2-3-3-1", example


def wide_case(hidden=(64, 64), n_samples=1000):
    data = make_dataset("circles", n_samples=n_samples, seed=0)
    X = np.asarray(data.inputs, dtype=np.float64)
    T = np.asarray(data.targets, dtype=np.float64).reshape(len(X), -1)
    sizes = "-".join(str(s) for s in (2, *hidden, 1))
    net = Network([2, *hidden, 1], ["tanh"] * len(hidden) + ["sigmoid"], init="xavier", bias=True)
    # Cross-entropy at 0.5 learns circles within a few hundred epochs and goes on
    # changing; half-SSE at 0.1 (a sum over 1,000 points) saturated within a few
    # epochs, so the window drew a network that never changed.
    example = {"net": net, "X": X, "T": T, "learning_rate": 0.5, "loss": "cross_entropy"}
    return f"{sizes} tanh, {n_samples:,} points", example, data


def core_epochs_per_second(example: dict, seconds: float) -> float:
    trainer = Trainer(**{**example, "net": example["net"].copy()})
    with threadpool_limits(limits=1), np.errstate(all="ignore"):
        trainer.step(2)
        start = time.perf_counter()
        n = 0
        chunk = 1
        while time.perf_counter() - start < seconds:
            trainer.step(chunk)
            n += chunk
            chunk = min(chunk * 2, 500)
        return n / (time.perf_counter() - start)


def core_in_subprocess(hidden: tuple[int, ...] | None, n_samples: int, seconds: float) -> float:
    """The core alone, in a fresh process: nothing of the app (its threads, its BLAS
    settings, what its views compute in the background) can slow it down."""
    import subprocess
    import sys

    case = "seed_case()[1]" if hidden is None else f"wide_case({hidden!r}, {n_samples})[1]"
    here = os.path.dirname(os.path.abspath(__file__))
    code = (
        f"import sys; sys.path.insert(0, {here!r}); import bench_gui as b; "
        f"print(b.core_epochs_per_second(b.{case}, {seconds}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


class CoreProcess:
    """The core alone in a fresh process that stays warm: each :meth:`measure` trains
    for that many seconds and returns epochs/s. The bench takes turns with it
    (core, window, core, window, ...), so both see the same minute of a shared
    machine, and the GUI process is idle while the core runs."""

    def __init__(self, hidden: tuple[int, ...] | None, n_samples: int) -> None:
        import subprocess
        import sys

        case = "seed_case()[1]" if hidden is None else f"wide_case({hidden!r}, {n_samples})[1]"
        here = os.path.dirname(os.path.abspath(__file__))
        code = (
            f"import sys; sys.path.insert(0, {here!r}); import bench_gui as b; "
            f"b.serve_core(b.{case})"
        )
        self._process = subprocess.Popen(
            [sys.executable, "-c", code],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.measure(0.3)  # imports and the first epochs

    def measure(self, seconds: float) -> float:
        """Epochs/s of the core alone for ``seconds``; :attr:`cpu_rate` per CPU second
        and :attr:`waited`, the share of the time it was ready to run but had no CPU."""
        self._process.stdin.write(f"{seconds}\n")
        self._process.stdin.flush()
        values = [float(v) for v in self._process.stdout.readline().split()]
        rate, self.cpu_rate, self.waited = values
        return rate

    def close(self) -> None:
        self._process.stdin.close()
        self._process.wait(10)


def serve_core(example: dict) -> None:
    """In the core's process: answer each line (seconds) with the epochs/s trained in it."""
    import sys

    trainer = Trainer(**{**example, "net": example["net"].copy()})
    with threadpool_limits(limits=1), np.errstate(all="ignore"):
        trainer.step(2)
        for line in sys.stdin:
            seconds = float(line)
            start, (ran, waited) = time.perf_counter(), schedstat("/proc/thread-self")
            n, chunk = 0, 1
            while time.perf_counter() - start < seconds:
                trainer.step(chunk)
                n += chunk
                chunk = min(chunk * 2, 500)
            wall = time.perf_counter() - start
            ran_after, waited_after = schedstat("/proc/thread-self")
            ran, waited = ran_after - ran, waited_after - waited
            print(n / wall, n / max(ran, 1e-9), waited / wall, flush=True)


def schedstat(task: str) -> tuple[float, float]:
    """(seconds run on a CPU, seconds ready to run but waiting for one) of a thread."""
    with open(f"{task}/schedstat") as handle:
        ran, waited, _slices = (int(v) for v in handle.read().split())
    return ran / 1e9, waited / 1e9


def open_case_in(window, case) -> None:
    """Put a wide case's data and network into the window's controller."""
    _name, example, data = case
    controller = window.controller
    controller.set_data(data)
    hidden = example["net"].layer_sizes[1:-1]
    controller.set_architecture(
        hidden, list(example["net"].activations), bias=True, init="xavier", init_seed=0
    )
    controller.set_loss(example["loss"])
    controller.set_learning_rate(example["learning_rate"])


class BusyMeter:
    """The share of wall time the GUI thread spends between awake and aboutToBlock."""

    def __init__(self) -> None:
        self.busy = 0.0
        #: Whether stretches are counted now (False between the window's turns).
        self.counting = True
        #: CPU time of the GUI thread (ms) of every stretch between awake and
        #: aboutToBlock: how long it works in one go, whatever else runs on the machine.
        self.block_cpu_ms: list[float] = []
        self._cpu_since = 0.0
        self._since: float | None = None
        self._dispatcher = QAbstractEventDispatcher.instance(QThread.currentThread())
        self._dispatcher.awake.connect(self._awake)
        self._dispatcher.aboutToBlock.connect(self._block)

    def _awake(self) -> None:
        if self._since is None:
            self._since = time.perf_counter()
            self._cpu_since = time.thread_time()

    def _block(self) -> None:
        if self._since is not None:
            if self.counting:
                self.busy += time.perf_counter() - self._since
                self.block_cpu_ms.append((time.thread_time() - self._cpu_since) * 1000)
            self._since = None

    def start_counting(self) -> None:
        """Count from now (a stretch already under way starts now)."""
        self.counting = True
        if self._since is not None:
            self._since = time.perf_counter()
            self._cpu_since = time.thread_time()

    def close(self) -> None:
        self._dispatcher.awake.disconnect(self._awake)
        self._dispatcher.aboutToBlock.disconnect(self._block)


def window_run(window, seconds: float, core: CoreProcess | None = None, turns: int = 1) -> dict:
    """Run at full speed for ``seconds`` with a 10 ms timer ticking in the GUI thread.

    With ``core``: in ``turns`` turns, each the core alone for ``seconds / turns``
    and then the window as long (the timer, the busy meter and the clock only
    count the window's turns); ``core`` in the result is the core's mean rate.
    """
    controller = window.controller
    snapshots = []
    controller.snapshot_ready.connect(snapshots.append)
    lateness: list[float] = []
    clock = QElapsedTimer()
    clock.start()
    last = [clock.nsecsElapsed()]
    counting = [False]

    def tick():
        now = clock.nsecsElapsed()
        if counting[0]:
            lateness.append(max(0.0, (now - last[0]) / 1e6 - 10.0))
        last[0] = now

    timer = QTimer()
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.timeout.connect(tick)
    spin_for(0.3)
    meter = BusyMeter()
    meter.counting = False
    first_epoch = controller.current_snapshot().epoch
    timer.start(10)
    elapsed = 0.0
    core_rates = []
    worker_ran = worker_waited = 0.0
    core_waited, core_cpu_rates = [], []
    for _turn in range(turns):
        if core is not None:
            core_rates.append(core.measure(seconds / turns))
            core_cpu_rates.append(core.cpu_rate)
            core_waited.append(core.waited)
        ran_before, waited_before = training_thread_times()
        counting[0] = True
        meter.start_counting()
        last[0] = clock.nsecsElapsed()
        start = time.perf_counter()
        controller.run()
        spin_for(seconds / turns)
        controller.pause()
        wait_until_paused(controller)
        elapsed += time.perf_counter() - start
        counting[0] = meter.counting = False
        ran_after, waited_after = training_thread_times()
        worker_ran += ran_after - ran_before
        worker_waited += waited_after - waited_before
    timer.stop()
    meter.close()
    controller.snapshot_ready.disconnect(snapshots.append)
    epochs = controller.current_snapshot().epoch - first_epoch
    return {
        "epochs_per_second": epochs / elapsed,
        "core": float(np.mean(core_rates)) if core_rates else float("nan"),
        "per_cpu": epochs / worker_ran if worker_ran > 0 else float("nan"),
        "core_per_cpu": float(np.mean(core_cpu_rates)) if core_cpu_rates else float("nan"),
        "p99": float(np.percentile(lateness, 99)) if lateness else float("nan"),
        "busy": meter.busy / elapsed,
        "worker_ran": worker_ran / elapsed,
        "worker_waited": worker_waited / elapsed,
        "core_waited": float(np.mean(core_waited)) if core_waited else float("nan"),
        "snapshots_per_second": len(snapshots) / elapsed,
        "block_cpu_p99": float(np.percentile(meter.block_cpu_ms, 99))
        if meter.block_cpu_ms
        else float("nan"),
        "block_cpu_max": max(meter.block_cpu_ms, default=float("nan")),
    }


def training_thread_times() -> tuple[float, float]:
    """(run, waiting for a CPU) seconds of the training workers' threads (named after
    their QThread), summed: the windows of earlier cases may keep an idle one."""
    ran = waited = 0.0
    for task in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{task}/comm") as handle:
                name = handle.read().strip()
            if name.startswith("backprop-lab tr"):
                task_ran, task_waited = schedstat(f"/proc/self/task/{task}")
                ran, waited = ran + task_ran, waited + task_waited
        except OSError:
            continue
    return ran, waited


def headless_epochs_per_second(window, epochs: int) -> float:
    """One ``--epochs`` run from epoch 0: the window reset and settled first, as
    ``backprop-lab --epochs`` finds a new window (``finish_window_setup``)."""
    from backprop_lab.gui.app import finish_window_setup, train_through_worker

    window.controller.reset()
    finish_window_setup()
    start = time.perf_counter()
    if not train_through_worker(window, epochs, timeout_s=600):
        return float("nan")
    return epochs / (time.perf_counter() - start)


def draw_ms(app, window, hidden) -> float:
    X = np.asarray(make_dataset("circles", n_samples=200, seed=0).inputs)
    T = (X[:, :1] > 0).astype(float)
    net = Network([2, *hidden, 1], "tanh", init="xavier", bias=True, seed=1)
    trainer = Trainer(net, X, T, learning_rate=0.1)
    view = window.network_view
    snapshots = []
    for _ in range(25):
        trainer.step(1)
        snapshots.append(take_snapshot(trainer))
    view.set_snapshot(snapshots[0])
    view.graphics_view().viewport().repaint()
    app.processEvents()
    times, cpu = [], []
    for snapshot in snapshots[1:]:
        t0, c0 = time.perf_counter(), time.thread_time()
        view.set_snapshot(snapshot)
        view.graphics_view().viewport().repaint()
        app.processEvents()
        times.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.thread_time() - c0) * 1000)
    return float(np.median(times)), float(np.median(cpu))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="each window run (5)")
    parser.add_argument(
        "--rss-seconds", type=float, default=180.0, help="the memory run (180; 0 skips it)"
    )
    parser.add_argument(
        "--headless-epochs",
        type=int,
        default=60_000,
        help="epochs of each headless run (60,000; --turns runs, in turns with the core)",
    )
    parser.add_argument(
        "--turns",
        type=int,
        default=5,
        help="the window and headless runs take this many turns with the core (5)",
    )
    parser.add_argument(
        "--only",
        choices=("window", "headless", "draw", "rss"),
        action="append",
        help="run only these parts (repeatable); default: all",
    )
    parser.add_argument(
        "--rss-hidden",
        default="64,64,64",
        help="hidden layer sizes of the memory run (64,64,64; the largest allowed: "
        "256,256,256,256,256,256,256,256)",
    )
    parser.add_argument("--rss-samples", type=int, default=2000, help="points of the memory run")
    parser.add_argument(
        "--largest",
        action="store_true",
        help="the memory run on the largest network and data the app allows "
        "(core.limits: MAX_HIDDEN_LAYERS x MAX_LAYER_SIZE, MAX_SAMPLES points)",
    )
    args = parser.parse_args(argv)
    if args.largest:
        from backprop_lab.core.limits import MAX_HIDDEN_LAYERS, MAX_LAYER_SIZE, MAX_SAMPLES

        args.rss_hidden = ",".join([str(MAX_LAYER_SIZE)] * MAX_HIDDEN_LAYERS)
        args.rss_samples = MAX_SAMPLES
    parts = set(args.only or ("window", "headless", "draw", "rss"))

    from backprop_lab.gui.app import _make_application

    app = QApplication.instance() or _make_application(offscreen=True)
    from backprop_lab.gui.main_window import MainWindow

    rows: list[tuple[str, str, str, str, bool | None]] = []

    def row(name, value, ratio="", target="", ok=None):
        rows.append((name, value, ratio, target, ok))
        print(f"  {name}: {value} {ratio}", flush=True)

    # 1. window vs core: the seed, then 2-64-64-1 on 1,000 points
    cases = ((seed_case(), 0.8), (wide_case(), 0.7)) if "window" in parts else ()
    for case, target in cases:
        name, example = case[0], case[1]
        window = MainWindow(restore_settings=False)
        window.resize(1440, 900)
        window.show()
        spin_for(0.5)
        if len(case) == 3:
            open_case_in(window, case)
            spin_for(0.3)
        hidden = None if len(case) == 2 else tuple(example["net"].layer_sizes[1:-1])
        core_process = CoreProcess(hidden, 1000)
        result = window_run(window, args.seconds, core_process, args.turns)
        core_process.close()
        core = result["core"]
        ratio = result["epochs_per_second"] / core
        row(f"{name}: core alone, epochs/s (in turns with the window)", f"{core:,.0f}")
        row(
            f"{name}: window, epochs/s",
            f"{result['epochs_per_second']:,.0f}",
            f"{ratio:.2f}x",
            f">= {target}x",
            ratio >= target,
        )
        row(
            f"{name}: 10 ms timer lateness p99 (ms)",
            f"{result['p99']:.1f}",
            "",
            "< 30",
            result["p99"] < 30,
        )
        row(f"{name}: GUI thread busy while training", f"{result['busy']:.0%}", "", "~25%")
        row(
            f"{name}: GUI thread CPU per busy stretch, p99 / max (ms)",
            f"{result['block_cpu_p99']:.1f} / {result['block_cpu_max']:.1f}",
        )
        row(f"{name}: snapshots drawn a second", f"{result['snapshots_per_second']:.1f}")
        row(
            f"{name}:   per CPU second: training thread vs the core's process",
            f"{result['per_cpu']:,.0f}",
            f"{result['per_cpu'] / result['core_per_cpu']:.2f}x",
            f"(core {result['core_per_cpu']:,.0f})",
        )
        row(
            f"{name}: training thread ran / waited for a CPU (share of the run)",
            f"{result['worker_ran']:.0%} / {result['worker_waited']:.0%}",
            "",
            f"(the core waited {result['core_waited']:.0%} of its turns)",
        )
        window.close()
        window.deleteLater()
        spin_for(0.2)

    # 2. headless --epochs vs core (the seed)
    if "headless" in parts:
        headless_row(MainWindow, args, row)

    # 3. network view draw time
    if "draw" in parts:
        draw_rows(app, MainWindow, row)

    # 4. RSS after a full-speed run of 2-64-64-64-1 on 2,000 points
    if "rss" in parts and args.rss_seconds > 0:
        rss_row(MainWindow, args, row)
    return report(rows)


def headless_row(MainWindow, args, row) -> None:
    """``--epochs`` through the worker of a window never shown, in turns with the core.

    Each turn is a whole ``--epochs N`` run (N = ``--headless-epochs``), as a user
    runs it: the window's start-up events are handled first, as ``backprop-lab``
    does (reported on a row of their own), and the fixed cost of one call (a
    1-epoch run) is reported too.
    """
    from backprop_lab.gui.app import finish_window_setup, train_through_worker

    window = MainWindow(restore_settings=False)
    start, cpu_start = time.perf_counter(), time.thread_time()
    finish_window_setup()
    setup_ms = (time.perf_counter() - start) * 1000
    setup_cpu_ms = (time.thread_time() - cpu_start) * 1000
    one_epoch_ms = []
    for _ in range(5):
        window.controller.reset()
        finish_window_setup()
        start = time.perf_counter()
        train_through_worker(window, 1)
        one_epoch_ms.append((time.perf_counter() - start) * 1000)
    core = CoreProcess(None, 0)
    turns = max(1, args.turns)
    per_turn = max(1, args.headless_epochs)
    core_rates, core_cpu_rates, core_waited = [], [], []
    epochs = seconds = cpu = waited = 0.0
    for _turn in range(turns):
        ran_before, waited_before = training_thread_times()
        rate = headless_epochs_per_second(window, per_turn)
        ran_after, waited_after = training_thread_times()
        if rate != rate:
            break
        # Training time only (resetting the window between runs is the bench's own).
        took = per_turn / rate
        cpu += ran_after - ran_before
        waited += waited_after - waited_before
        epochs += per_turn
        seconds += took
        core_rates.append(core.measure(took))
        core_cpu_rates.append(core.cpu_rate)
        core_waited.append(core.waited)
    core.close()
    headless = epochs / seconds
    core_rate = float(np.mean(core_rates))
    row("headless --epochs (seed): core alone, epochs/s (in turns)", f"{core_rate:,.0f}")
    row(
        "  the new window's start-up events, handled before training (ms, GUI CPU ms)",
        f"{setup_ms:.0f} ({setup_cpu_ms:.0f})",
    )
    row(
        "  one --epochs 1 run, median (ms): the fixed cost of a run",
        f"{np.median(one_epoch_ms):.1f}",
    )
    row(
        f"headless --epochs {per_turn:,} (seed, {turns} runs), epochs/s",
        f"{headless:,.0f}",
        f"{headless / core_rate:.2f}x",
        ">= 0.9x",
        headless / core_rate >= 0.9,
    )
    per_cpu = epochs / cpu if cpu > 0 else float("nan")
    core_per_cpu = float(np.mean(core_cpu_rates))
    row(
        "  per CPU second: training thread vs the core's process",
        f"{per_cpu:,.0f}",
        f"{per_cpu / core_per_cpu:.2f}x",
        f"(core {core_per_cpu:,.0f})",
    )
    row(
        "  waited for a CPU while ready to run: training thread / the core",
        f"{waited / seconds:.0%} / {float(np.mean(core_waited)):.0%}",
        "",
        "(other processes on the machine)",
    )
    window.close()
    window.deleteLater()
    spin_for(0.2)


def draw_rows(app, MainWindow, row) -> None:
    window = MainWindow(restore_settings=False)
    window.resize(1440, 900)
    window.show()
    spin_for(0.5)
    for hidden in ((16, 16, 16), (64, 64)):
        ms, cpu = draw_ms(app, window, hidden)
        sizes = "-".join(str(s) for s in (2, *hidden, 1))
        row(f"network view draw {sizes}, median (ms)", f"{ms:.1f}", "", "<= 8", ms <= 8)
        row("  the same, GUI-thread CPU time (ms)", f"{cpu:.1f}", "", "<= 8", cpu <= 8)
    window.close()
    window.deleteLater()
    spin_for(0.2)


def rss_row(MainWindow, args, row) -> None:
    hidden = tuple(int(size) for size in args.rss_hidden.split(","))
    case = wide_case(hidden=hidden, n_samples=args.rss_samples)
    window = MainWindow(restore_settings=False)
    window.resize(1440, 900)
    window.show()
    spin_for(0.5)
    empty = rss_mb()
    open_case_in(window, case)
    before = rss_mb()
    controller = window.controller
    # RSS once a second while training: the growth over the run, not only its end.
    samples: list[tuple[float, float]] = []
    start = time.perf_counter()
    sampler = QTimer()
    sampler.timeout.connect(lambda: samples.append((time.perf_counter() - start, rss_mb())))
    sampler.start(1000)
    controller.run()
    spin_for(args.rss_seconds)
    controller.pause()
    spin_until(lambda: not controller.is_running, 10)
    sampler.stop()
    spin_for(0.5)
    after = rss_mb()
    epochs = controller.current_snapshot().epoch
    peak = peak_rss_mb()
    row(f"  RSS of the window before opening {case[0]}", f"{empty:,.0f} MB")
    if samples:
        # The highest RSS in each sixth of the run (time in s: MB).
        step = max(1, len(samples) // 6)
        parts = [
            max(samples[k : k + step], key=lambda s: s[1]) for k in range(0, len(samples), step)
        ]
        row(
            "  RSS while training, max per stretch (s: MB)",
            ", ".join(f"{t:.0f}: {mb:,.0f}" for t, mb in parts),
        )
    row(
        f"RSS after {args.rss_seconds:.0f} s of {case[0]} ({epochs:,} epochs)",
        f"{after:,.0f} MB",
        f"(+{after - before:,.0f} MB)",
        "< 1024 MB",
        after < 1024,
    )
    row(
        f"  peak RSS of the process (VmHWM), {case[0]}",
        f"{peak:,.0f} MB",
        f"(start {before:,.0f} MB)",
        "< 1024 MB",
        peak < 1024,
    )
    window.close()
    window.deleteLater()
    spin_for(0.5)


def report(rows) -> int:
    print()
    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}}  {'value':>12}  {'ratio':>12}  target")
    for name, value, ratio, target, ok in rows:
        mark = "" if ok is None else ("  ok" if ok else "  MISSED")
        print(f"{name:<{width}}  {value:>12}  {ratio:>12}  {target}{mark}")
    missed = [r for r in rows if r[4] is False]
    print("all targets met" if not missed else f"{len(missed)} target(s) missed")
    return 0 if not missed else 1


if __name__ == "__main__":
    raise SystemExit(main())
