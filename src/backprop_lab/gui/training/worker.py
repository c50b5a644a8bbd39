"""The training worker: a ``QObject`` in its own ``QThread`` that owns the core Trainer.

* :class:`TrainingWorker` is moved to a ``QThread``. Its :meth:`~TrainingWorker.run`
  loop owns the core :class:`~backprop_lab.core.Trainer` and is the only code that
  touches the trainer's arrays while the thread lives.
* While the loop runs, that thread's event loop is blocked, so every request from
  the GUI is a typed command (one frozen dataclass per request, below) put on a
  queue with :meth:`~TrainingWorker.send` and read at an epoch boundary. Paused
  means blocking on a :class:`threading.Event` (no polling).
* The worker is in exactly one :class:`WorkerState` at a time.
* It never waits for the GUI thread for more than a few milliseconds. It trains
  in calls into the core that end at the first epoch boundary where something
  has to happen (a command arrived, a snapshot is due, the target loss was
  reached), so Pause, Step and every setting take effect exactly at the next
  epoch boundary.
* Snapshots are paced by what they cost: the GUI thread measures how long it is
  busy per snapshot (:class:`GuiLoadMeter`), and the worker spaces them so the
  GUI is busy at most :data:`GUI_BUSY_BUDGET` of the time and making them costs
  the worker at most :data:`SNAPSHOT_COST_BUDGET` of its own. Each emit carries
  the losses of *every* epoch since the previous one (the plot loses no point)
  and one immutable :class:`~backprop_lab.core.NetworkSnapshot` (the views draw
  only the latest state). A new snapshot is only made once the GUI has drawn the
  previous one, so a slow redraw can never flood the GUI thread's event queue.
  One final emit follows every pause, stop and step.
* While the GUI thread is busy (a redraw, an input event) the worker waits for
  it at the next epoch boundary, within :data:`STEP_ASIDE_SHARE` of its time:
  the two would otherwise compete for the GIL and the cores, and every redraw
  would take two or three times its CPU time.
"""

from __future__ import annotations

import enum
import gc
import math
import queue
import sys
import threading
import time
import traceback
from concurrent.futures import Future
from dataclasses import dataclass
from time import perf_counter

import numpy as np
import numpy.typing as npt
from PySide6.QtCore import QAbstractEventDispatcher, QObject, QThread, QTimer, Signal, Slot
from PySide6.QtGui import QGuiApplication
from threadpoolctl import ThreadpoolController

from backprop_lab.core import Divergence, Mistakes, ParameterRef, Trainer, take_snapshot
from backprop_lab.core.inspect import explain_next_step

Array = npt.NDArray[np.float64]

#: Snapshots per second the worker sends at most while training.
MAX_SNAPSHOTS_PER_SECOND = 30.0
#: ... and at least (however slowly the views draw) ...
MIN_SNAPSHOTS_PER_SECOND = 1.0
#: ... unless making one takes the worker so long that it would exceed its share
#: (:data:`SNAPSHOT_COST_BUDGET`); then at least one in this many seconds.
MAX_SNAPSHOT_INTERVAL_SECONDS = 5.0
#: The share of the GUI thread's time the views may spend on training's snapshots:
#: the worker spaces its snapshots so that the GUI's measured busy time per snapshot
#: is at most this share of the time between two (fewer, richer snapshots when
#: drawing is slow: every snapshot still carries every epoch's loss since the last).
GUI_BUSY_BUDGET = 0.25
#: The share of the worker's own time that making snapshots may take (a snapshot is
#: one more forward and backward pass over the training data).
SNAPSHOT_COST_BUDGET = 0.1
#: After sending a snapshot the worker waits at most this long for the GUI to draw it.
#: While the worker trains a small network it holds the GIL nearly all the time, and
#: every call the GUI makes into Qt gives the GIL up and waits up to a switch interval
#: to get it back: a redraw that takes 5 ms alone takes several times longer next to
#: it. Stepping aside for the first few ms of each frame lets the GUI draw at full
#: speed; a large network's epochs release the GIL in NumPy and lose nothing here.
GUI_YIELD_SECONDS = 0.005
#: In a window, the first snapshot after Run or Step comes after the usual interval
#: between snapshots, but at most this long (seconds) after the click.
FIRST_SNAPSHOT_MAX_SECONDS = 0.2
#: When a snapshot is due but the GUI has not drawn the last one yet, the worker
#: trains on and looks again this much later (it never waits for the GUI).
GUI_RECHECK_SECONDS = 0.004
#: The most epochs one call into the core trains. A call also ends at the next epoch
#: boundary when a command arrives, a snapshot is due or a target loss is reached.
MAX_EPOCHS_PER_CALL = 100_000
#: The interpreter's thread switch interval while training runs (Python's default
#: is 5 ms). The GUI thread needs the GIL to do anything; a shorter interval lets it
#: take the GIL from a training worker within this long, instead of 5 ms for every
#: wake-up of the GUI (a timer, a repaint, an input event). Restored when training
#: stops.
GIL_SWITCH_INTERVAL_SECONDS = 0.0005
#: While the GUI thread is busy (between its dispatcher's ``awake`` and ``aboutToBlock``)
#: the worker waits for it at the next epoch boundary, for at most this share of its
#: time. Otherwise both compete: every call the GUI makes into Qt gives the GIL up
#: and waits to get it back (a small network's epochs hold it nearly all the time),
#: and a large network's epochs take the core the GUI could use. Measured in turns
#: with and without, 3 runs each, load 3.5-4.3: the seed's redraw of 14 ms CPU took
#: 25-30 ms wall; 2-64-64-1 on 1,000 points: GUI CPU per stretch p99 17-21 ms
#: instead of 20-42, a 10 ms timer's p99 lateness 14-40 ms instead of 34-80.
STEP_ASIDE_SHARE = 0.2
#: While the worker steps aside, the time the GUI spends on snapshots is time the
#: worker does not train (one for one), so snapshots are spaced for a smaller share
#: of the GUI's time than :data:`GUI_BUSY_BUDGET`: :data:`STEP_ASIDE_LEAN_BUDGET`
#: as long as the views still get :data:`STEP_ASIDE_FRAMES_PER_SECOND` a second,
#: up to this share to keep that rate (views slower to draw get fewer).
STEP_ASIDE_GUI_BUDGET = 0.12
#: ... the share while the views are quick to draw: the seed net's snapshot takes
#: the GUI about 10 ms, so about 8 a second (12 at 0.12, the worker 4 % slower).
STEP_ASIDE_LEAN_BUDGET = 0.08
#: ... the frame rate below which the share grows from the lean one up to
#: :data:`STEP_ASIDE_GUI_BUDGET`.
STEP_ASIDE_FRAMES_PER_SECOND = 6.0
#: ... and never more than this long in one go (seconds): the share accrues up to this.
STEP_ASIDE_MAX_SECONDS = 0.03


@dataclass(frozen=True)
class EpochBatch:
    """The losses of consecutive epochs, as the worker sends them.

    Attributes
    ----------
    epochs
        Epoch numbers (1 for the first epoch trained), int64.
    train_loss
        Training loss of each epoch.
    test_loss
        Test loss of each epoch, NaN when there is no test set.
    """

    epochs: npt.NDArray[np.int64]
    train_loss: Array
    test_loss: Array

    def __len__(self) -> int:
        return int(self.epochs.shape[0])


# ------------------------------------------------------------------ commands
# What the controller can ask of the worker. Each is applied at the next epoch
# boundary, in the order sent.
@dataclass(frozen=True, slots=True)
class Quit:
    """End the run loop (the thread then finishes)."""


@dataclass(frozen=True, slots=True)
class Run:
    """Train continuously until Pause, a stop condition or a divergence."""


@dataclass(frozen=True, slots=True)
class Pause:
    """Stop after the current epoch; one final snapshot follows."""


@dataclass(frozen=True, slots=True)
class Step:
    """Train ``epochs`` more epochs, then pause (ignored while running)."""

    epochs: int


@dataclass(frozen=True, slots=True, eq=False)
class Replace:
    """Train ``trainer`` from now on; what is emitted carries ``generation``."""

    trainer: Trainer
    generation: int


@dataclass(frozen=True, slots=True)
class SetLearningRate:
    learning_rate: float


@dataclass(frozen=True, slots=True)
class SetMomentum:
    momentum: float


@dataclass(frozen=True, slots=True)
class SetOptimization:
    """The optimiser with its hyperparameters (incl. momentum), the learning-rate
    schedule and L1/L2, from the next update; the optimiser's state is kept
    unless the optimiser itself changes."""

    optimizer: str
    hyperparameters: tuple[tuple[str, float], ...]
    schedule: str
    schedule_params: tuple[tuple[str, float], ...]
    l1: float
    l2: float


@dataclass(frozen=True, slots=True)
class SetBatchSize:
    batch_size: int | None


@dataclass(frozen=True, slots=True)
class SetLoss:
    loss: str


@dataclass(frozen=True, slots=True)
class SetMistakes:
    mistakes: Mistakes


@dataclass(frozen=True, slots=True)
class SetSpeed:
    """At most ``epochs_per_second`` (None: as fast as possible)."""

    epochs_per_second: float | None


@dataclass(frozen=True, slots=True)
class SetStopConditions:
    max_epochs: int | None
    target_loss: float | None


@dataclass(frozen=True, slots=True, eq=False)
class SetData:
    """New training (and test) arrays of the same widths."""

    X: Array
    T: Array
    X_test: Array | None
    T_test: Array | None


@dataclass(frozen=True, slots=True)
class SetParameter:
    """One weight or bias (the controller checked that it exists)."""

    ref: ParameterRef
    value: float


@dataclass(frozen=True, slots=True, eq=False)
class SetParameters:
    """Every weight (and bias) at once."""

    weights: tuple[Array, ...]
    biases: tuple[Array, ...] | None


@dataclass(frozen=True)
class ExplainNext:
    """Explain exactly what the next Step of this trainer does (nothing is changed).

    The answer (a :class:`~backprop_lab.core.inspect.StepExplanation`, or the
    exception) goes into ``reply``, a :class:`concurrent.futures.Future`: the
    optimiser's state and the shuffling live here, in the worker's trainer.
    """

    reply: Future


Command = (
    Quit
    | Run
    | Pause
    | Step
    | Replace
    | SetLearningRate
    | SetMomentum
    | SetOptimization
    | SetBatchSize
    | SetLoss
    | SetMistakes
    | SetSpeed
    | SetStopConditions
    | SetData
    | SetParameter
    | SetParameters
    | ExplainNext
)


class WorkerState(enum.Enum):
    """What the worker is doing."""

    #: Waiting for a command.
    PAUSED = "paused"
    #: Training until Pause, a stop condition or a divergence.
    RUNNING = "running"
    #: Training the epochs a Step asked for, then pausing.
    STEPPING = "stepping"
    #: Quit was received; the loop ends.
    QUIT = "quit"


class _TrainingSettings:
    """Process-wide settings for training, made when it starts and restored when it stops.

    * the interpreter's thread switch interval, shortened to
      :data:`GIL_SWITCH_INTERVAL_SECONDS` (see there);
    * one BLAS thread: a small network's matrices are far too small to share out,
      and the GUI thread has the other core (2-64-64-1 on 1,000 points trained at
      21 epochs/s with OpenBLAS's default threads on 2 cores, 391 with one).
    """

    def __init__(self) -> None:
        self._saved_interval: float | None = None
        self._blas: ThreadpoolController | None = None
        self._blas_limit = None

    def apply(self) -> None:
        if self._saved_interval is None:
            self._saved_interval = sys.getswitchinterval()
            if self._saved_interval > GIL_SWITCH_INTERVAL_SECONDS:
                sys.setswitchinterval(GIL_SWITCH_INTERVAL_SECONDS)
        if self._blas_limit is None:
            if self._blas is None:
                self._blas = ThreadpoolController()
            self._blas_limit = self._blas.limit(limits=1)

    def restore(self) -> None:
        if self._saved_interval is not None:
            sys.setswitchinterval(self._saved_interval)
            self._saved_interval = None
        if self._blas_limit is not None:
            self._blas_limit.restore_original_limits()
            self._blas_limit = None


# -------------------------------------------------------------------- worker
class TrainingWorker(QObject):
    """Trains in its own thread; talk to it only through :meth:`send`.

    Signals carry the *generation* of the trainer they describe so the
    controller can drop what belongs to a network that has been replaced.
    """

    #: (generation, EpochBatch or None, NetworkSnapshot or None)
    progressed = Signal(object)
    #: (generation, "running" | "paused")
    state_changed = Signal(object)
    #: (generation, Divergence)
    diverged = Signal(object)
    #: (generation, message)
    stop_condition_reached = Signal(object)
    #: (generation, traceback text): an unexpected error; the worker paused.
    failed = Signal(object)
    #: the run loop returned
    finished = Signal()

    def __init__(self, trainer: Trainer, generation: int = 0) -> None:
        super().__init__()
        self._trainer = trainer
        self._generation = generation
        self._commands: queue.SimpleQueue[Command] = queue.SimpleQueue()
        self._wake = threading.Event()
        #: True from a :meth:`send` until the run loop takes the commands: the one
        #: attribute the core's per-epoch callback reads (see :meth:`_at_boundary`).
        self._commands_waiting = False
        self._state = WorkerState.PAUSED
        #: Epochs a Step still has to train (only while STEPPING).
        self._steps_left = 0
        self._epochs_per_second: float | None = None
        self._max_epochs: int | None = None
        self._target_loss: float | None = None
        self._pending_epochs: list[int] = []
        self._pending_train: list[float] = []
        self._pending_test: list[float] = []
        #: When the next snapshot is due (perf_counter seconds).
        self._next_emit = 0.0
        self._next_epoch_time = 0.0
        self._process_settings = _TrainingSettings()
        # Set by the GUI thread once it has drawn the last snapshot. Until then no
        # new snapshot is made (back-pressure for slow redraws); the worker trains
        # on meanwhile and never waits for it.
        self.gui_ready = threading.Event()
        self.gui_ready.set()
        #: Clear while the GUI thread is busy (set by GuiLoadMeter from its event
        #: dispatcher's awake / aboutToBlock); the worker waits for it at an epoch
        #: boundary, within STEP_ASIDE_SHARE of its time.
        self.gui_idle = threading.Event()
        self.gui_idle.set()
        #: Seconds of stepping aside the worker may still spend (accrues at
        #: STEP_ASIDE_SHARE of the time, up to STEP_ASIDE_MAX_SECONDS).
        self._aside_credit = 0.0
        self._aside_since = time.perf_counter()
        #: Whether this call into the core ends when the GUI thread wakes up.
        self._aside = False
        #: Seconds the GUI thread was busy per snapshot, as the controller measures
        #: it (a running average; written by the GUI thread).
        self._gui_seconds_per_snapshot = 0.005
        #: Seconds a snapshot costs this worker: making it and waiting for the GUI
        #: to draw it (a running average).
        self._snapshot_seconds = 0.0
        #: False while no window is on screen (the headless paths): then nobody
        #: sees a snapshot, and the worker sends the fewest and never waits.
        self._watched = True

    @property
    def state(self) -> WorkerState:
        """The worker's state (read from any thread; it may change at once)."""
        return self._state

    # -------------------------------------------------------- GUI thread side
    def send(self, command: Command) -> None:
        """Queue a command for the next epoch boundary (thread-safe)."""
        self._commands.put(command)
        self._commands_waiting = True
        self._wake.set()
        # A worker waiting for the GUI at an epoch boundary (see _step_aside) takes
        # the command at that boundary, not one epoch later.
        self.gui_idle.set()

    def set_watched(self, watched: bool) -> None:
        """Whether a window is on screen (thread-safe): unwatched, the worker sends
        the fewest snapshots and never waits for the GUI thread (the headless paths).

        Told when training is asked for (:meth:`GuiLoadMeter.training_starts`) and
        with every snapshot's cost (:meth:`report_gui_cost`), so a headless Step is
        paced as such from its first epoch.
        """
        self._watched = bool(watched)

    # ----------------------------------------------------- worker thread side
    def _set_state(self, state: WorkerState) -> None:
        self._state = state
        if state in (WorkerState.RUNNING, WorkerState.STEPPING):
            self._process_settings.apply()
        else:
            self._process_settings.restore()
        if state is not WorkerState.STEPPING:
            self._steps_left = 0

    @property
    def _training(self) -> bool:
        return self._state in (WorkerState.RUNNING, WorkerState.STEPPING)

    @Slot()
    def run(self) -> None:
        """The training loop: runs until a :class:`Quit` command."""
        try:
            with np.errstate(all="ignore"):
                while self._state is not WorkerState.QUIT:
                    try:
                        if not self._training:
                            self._wake.wait()
                        if self._wake.is_set():
                            self._wake.clear()
                            self._commands_waiting = False
                            self._drain_commands()
                        if self._training:
                            self._train_one_epoch()
                    except Exception:
                        self._set_state(WorkerState.PAUSED)
                        self.failed.emit((self._generation, traceback.format_exc()))
                        self.state_changed.emit((self._generation, "paused"))
        finally:
            self._process_settings.restore()
        self.finished.emit()

    def _drain_commands(self) -> None:
        while self._state is not WorkerState.QUIT:
            try:
                command = self._commands.get_nowait()
            except queue.Empty:
                return
            self._apply(command)

    def _apply(self, command: Command) -> None:
        trainer = self._trainer
        match command:
            case Quit():
                self._set_state(WorkerState.QUIT)
            case Run():
                if self._state is not WorkerState.RUNNING:
                    self._set_state(WorkerState.RUNNING)
                    self._next_epoch_time = time.perf_counter()
                    self._next_emit = self._next_epoch_time + self._first_snapshot_delay()
                    self.state_changed.emit((self._generation, "running"))
            case Pause():
                if not self._undo_non_finite():
                    self._stop("paused")
            case Step(epochs):
                if self._state is not WorkerState.RUNNING:
                    self._set_state(WorkerState.STEPPING)
                    self._steps_left += int(epochs)
                    self._next_epoch_time = time.perf_counter()
                    self._next_emit = self._next_epoch_time + self._first_snapshot_delay()
                    if self._steps_left > 1:
                        self.state_changed.emit((self._generation, "running"))
            case Replace(new_trainer, generation):
                self._stop("paused")
                self._trainer = new_trainer
                self._generation = generation
                self._clear_pending()
            case SetLearningRate(learning_rate):
                trainer.learning_rate = learning_rate
            case SetMomentum(momentum):
                trainer.momentum = momentum
                trainer.reset_momentum()
            case SetOptimization(optimizer, hyper, schedule, schedule_params, l1, l2):
                trainer.set_optimizer(optimizer, **dict(hyper))
                trainer.set_schedule(schedule, dict(schedule_params))
                trainer.l1, trainer.l2 = l1, l2
                self._emit(force_snapshot=True)
            case SetBatchSize(batch_size):
                trainer.batch_size = batch_size
            case SetLoss(loss):
                trainer.loss = loss
                self._emit(force_snapshot=True)
            case SetMistakes(mistakes):
                trainer.mistakes = mistakes
                self._emit(force_snapshot=True)
            case SetSpeed(epochs_per_second):
                self._epochs_per_second = epochs_per_second
                self._next_epoch_time = time.perf_counter()
            case SetStopConditions(max_epochs, target_loss):
                self._max_epochs, self._target_loss = max_epochs, target_loss
            case SetData(X, T, X_test, T_test):
                trainer.set_data(X, T, X_test, T_test)
                self._emit(force_snapshot=True)
            case SetParameter(ref, value):
                net = trainer.net
                if ref.source is None:
                    biases = [b.copy() for b in net.biases]
                    biases[ref.layer][ref.target] = value
                    net.biases = biases
                else:
                    weights = [w.copy() for w in net.weights]
                    weights[ref.layer][ref.source, ref.target] = value
                    net.weights = weights
                trainer.forget_last_update()
                self._emit(force_snapshot=True)
            case SetParameters(weights, biases):
                trainer.net.weights = [np.array(w, dtype=np.float64) for w in weights]
                if biases is not None:
                    trainer.net.biases = [np.array(b, dtype=np.float64) for b in biases]
                trainer.forget_last_update()
                self._emit(force_snapshot=True)
            case ExplainNext(reply):
                if reply.set_running_or_notify_cancel():
                    try:
                        reply.set_result(explain_next_step(trainer))
                    except Exception as exc:  # the GUI shows why
                        reply.set_exception(exc)
            case _:  # pragma: no cover - a programming error in the controller
                raise TypeError(f"unknown worker command {command!r}")

    def _stop(self, state: str) -> None:
        was_busy = self._state is WorkerState.RUNNING or self._steps_left > 1
        self._set_state(WorkerState.PAUSED)
        self._emit(force_snapshot=True)
        if was_busy:
            self.state_changed.emit((self._generation, state))

    def _undo_non_finite(self) -> bool:
        """Training stops here: if these weights have no finite loss, go back (a divergence).

        While running, the next epoch finds out; a Step or a pause would
        otherwise leave the student looking at weights whose loss is inf or
        NaN. One core step from them detects it and restores the last finite
        weights, exactly as during a run. True when it diverged.
        """
        trainer = self._trainer
        if math.isfinite(trainer.train_loss()):
            return False
        records = trainer.step(1)
        divergence: Divergence | None = trainer.divergence
        if divergence is None:  # pragma: no cover - a non-finite loss always diverges
            self._add_pending(records)
            return False
        self._drop_pending_after(trainer.epoch)
        self._stop("paused")
        self.diverged.emit((self._generation, divergence))
        return True

    def _add_pending(self, records) -> None:
        # Three list comprehensions: a quarter faster than appending in one loop.
        nan = math.nan
        self._pending_epochs.extend([record.epoch for record in records])
        self._pending_train.extend([record.train_loss for record in records])
        self._pending_test.extend(
            [nan if record.test_loss is None else record.test_loss for record in records]
        )

    def _drop_pending_after(self, epoch: int) -> None:
        while self._pending_epochs and self._pending_epochs[-1] > epoch:
            self._pending_epochs.pop()
            self._pending_train.pop()
            self._pending_test.pop()

    def _clear_pending(self) -> None:
        self._pending_epochs.clear()
        self._pending_train.clear()
        self._pending_test.clear()

    # ------------------------------------------------------------ pacing
    def report_gui_cost(
        self, busy_seconds: float, period_seconds: float, watched: bool = True
    ) -> None:
        """The GUI thread was busy ``busy_seconds`` of ``period_seconds`` since the last snapshot.

        Called from the GUI thread for every snapshot it receives; the worker
        spaces its snapshots so that this stays within :data:`GUI_BUSY_BUDGET`.
        Periods much longer than the slowest snapshot rate (training had paused)
        say nothing about drawing and are ignored. ``watched``: whether any
        window is on screen.
        """
        self._watched = bool(watched)
        if not 0.0 < period_seconds <= 2.0 / MIN_SNAPSHOTS_PER_SECOND:
            return
        busy = min(max(busy_seconds, 0.0), period_seconds)
        self._gui_seconds_per_snapshot += 0.5 * (busy - self._gui_seconds_per_snapshot)

    def _first_snapshot_delay(self) -> float:
        """Seconds from Run or Step to the first snapshot: the usual interval (the
        GUI is still handling the click then, and a snapshot sooner than the budget
        allows is one more in every run), but in a window at most
        :data:`FIRST_SNAPSHOT_MAX_SECONDS`, so the student sees it start."""
        if not self._watched:
            return self.snapshot_interval()
        return min(self.snapshot_interval(), FIRST_SNAPSHOT_MAX_SECONDS)

    def snapshot_interval(self) -> float:
        """Seconds between two snapshots while training, from their measured costs."""
        if not self._watched:
            return 1.0 / MIN_SNAPSHOTS_PER_SECOND
        drawing = self._gui_seconds_per_snapshot
        if self._steps_aside():
            # The lean share, unless that leaves fewer than STEP_ASIDE_FRAMES_PER_SECOND;
            # then up to STEP_ASIDE_GUI_BUDGET to keep that rate.
            gui_interval = max(
                drawing / STEP_ASIDE_GUI_BUDGET,
                min(drawing / STEP_ASIDE_LEAN_BUDGET, 1.0 / STEP_ASIDE_FRAMES_PER_SECOND),
            )
        else:
            gui_interval = drawing / GUI_BUSY_BUDGET
        # However slowly the views draw, one a second; but a network whose snapshot
        # takes seconds (the largest on the most data) gets fewer, so that making
        # them never takes more than its share of training.
        return max(
            1.0 / MAX_SNAPSHOTS_PER_SECOND,
            min(gui_interval, 1.0 / MIN_SNAPSHOTS_PER_SECOND),
            min(self._snapshot_seconds / SNAPSHOT_COST_BUDGET, MAX_SNAPSHOT_INTERVAL_SECONDS),
        )

    def _at_boundary(self, record) -> bool:
        """Called by the core after every epoch: True ends the call at this boundary.

        The plain case (no target loss, not stepping aside): one attribute and the
        clock. It runs once per epoch, so it is kept to the least (a seed epoch
        takes about 27 us; this took 0.23 us with every check, now 0.15 us).
        """
        return self._commands_waiting or perf_counter() >= self._next_emit

    def _at_boundary_checked(self, record) -> bool:
        """:meth:`_at_boundary` while stepping aside (the GUI woke up) or with a
        target loss (it was reached)."""
        return (
            self._commands_waiting
            or perf_counter() >= self._next_emit
            or (self._aside and not self.gui_idle.is_set())
            or (self._target_loss is not None and record.train_loss <= self._target_loss)
        )

    def _epochs_this_call(self) -> int:
        """The most epochs the next call into the core may train.

        One with a speed cap (the worker paces every epoch); else never past a
        Step's last epoch or the maximum number of epochs. The call ends earlier,
        at the first epoch boundary where a command has arrived, a snapshot is due
        or the target loss is reached (see :meth:`_at_boundary`).
        """
        if self._epochs_per_second is not None:
            return 1
        epochs = MAX_EPOCHS_PER_CALL
        if self._state is WorkerState.STEPPING:
            epochs = min(epochs, self._steps_left)
        if self._max_epochs is not None:
            epochs = min(epochs, max(1, self._max_epochs - self._trainer.epoch))
        return max(1, epochs)

    def _steps_aside(self) -> bool:
        """Whether this worker waits for a busy GUI thread: a window is shown and it
        trains as fast as it can (with a speed cap it sleeps between epochs anyway)."""
        return self._watched and self._epochs_per_second is None

    def _step_aside(self) -> bool:
        """While the GUI thread is busy, wait for it (within the share); True when a
        command arrived meanwhile (it is applied at this epoch boundary)."""
        now = time.perf_counter()
        self._aside_credit = min(
            STEP_ASIDE_MAX_SECONDS,
            self._aside_credit + (now - self._aside_since) * STEP_ASIDE_SHARE,
        )
        self._aside_since = now
        self._aside = self._steps_aside() and self._aside_credit > 0.0
        if not self._aside or self.gui_idle.is_set() or self._wake.is_set():
            return False
        self.gui_idle.wait(self._aside_credit)
        waited = time.perf_counter() - now
        self._aside_credit -= waited
        self._aside = self._aside_credit > 0.0
        return self._wake.is_set()

    def _train_one_epoch(self) -> None:
        """Train up to the next epoch boundary where something has to happen."""
        trainer = self._trainer
        if self._epochs_per_second is not None:
            self._aside = False
            delay = self._next_epoch_time - time.perf_counter()
            if delay > 0:
                # Sleep, but wake at once for a command (pause, quit, ...).
                if self._wake.wait(delay):
                    return
            self._next_epoch_time = max(
                self._next_epoch_time + 1.0 / self._epochs_per_second,
                time.perf_counter() - 0.25,
            )
        elif self._step_aside():
            return  # a command arrived while waiting: the run loop applies it first
        until = (
            self._at_boundary
            if self._target_loss is None and not self._aside
            else self._at_boundary_checked
        )
        records = trainer.step(self._epochs_this_call(), until=until)
        self._add_pending(records)
        divergence: Divergence | None = trainer.divergence
        if divergence is not None or not records:
            if divergence is not None:
                # Full-batch training undid the last epoch: its loss must not be sent.
                self._drop_pending_after(trainer.epoch)
            self._stop("paused")
            if divergence is not None:
                self.diverged.emit((self._generation, divergence))
            return
        record = records[-1]
        stop_message = None
        if self._max_epochs is not None and record.epoch >= self._max_epochs:
            stop_message = f"Stopped: reached the maximum of {self._max_epochs} epochs."
        elif self._target_loss is not None and record.train_loss <= self._target_loss:
            stop_message = (
                f"Stopped: the training loss {record.train_loss:.6g} reached the target "
                f"{self._target_loss:g} at epoch {record.epoch}."
            )
        if stop_message is not None and (
            self._state is WorkerState.RUNNING or self._steps_left > len(records)
        ):
            self._stop("paused")
            self.stop_condition_reached.emit((self._generation, stop_message))
            return
        if self._state is WorkerState.STEPPING:
            self._steps_left -= len(records)
            if self._steps_left <= 0:
                self._set_state(WorkerState.PAUSED)
                if self._undo_non_finite():
                    self.state_changed.emit((self._generation, "paused"))
                    return
                self._emit(force_snapshot=True)
                self.state_changed.emit((self._generation, "paused"))
                return
        now = time.perf_counter()
        if now >= self._next_emit:
            if self.gui_ready.is_set():
                started = time.perf_counter()
                self._emit(force_snapshot=False)
                if self._watched and not self.gui_ready.is_set():
                    self.gui_ready.wait(GUI_YIELD_SECONDS)
                cost = time.perf_counter() - started
                self._snapshot_seconds += 0.3 * (cost - self._snapshot_seconds)
                self._next_emit = time.perf_counter() + self.snapshot_interval()
            else:
                self._next_emit = now + GUI_RECHECK_SECONDS

    def _emit(self, force_snapshot: bool) -> None:
        """Send the losses of every epoch since the last emit, with a snapshot when allowed."""
        batch = None
        if self._pending_epochs:
            batch = EpochBatch(
                np.array(self._pending_epochs, dtype=np.int64),
                np.array(self._pending_train, dtype=np.float64),
                np.array(self._pending_test, dtype=np.float64),
            )
            self._clear_pending()
        snapshot = None
        if force_snapshot or self.gui_ready.is_set():
            snapshot = take_snapshot(self._trainer)
            self.gui_ready.clear()
        self._next_emit = time.perf_counter() + self.snapshot_interval()
        if batch is None and snapshot is None:
            return
        self.progressed.emit((self._generation, batch, snapshot))


# ------------------------------------------------------- garbage collection
# Python's cyclic garbage collector runs in whichever thread happens to allocate
# when its thresholds are reached. Run in the training thread (which allocates
# all the time), it may free a cycle holding Qt widgets and destroy them there:
# a QObject destroyed outside its own thread deadlocks against the GUI thread
# (both wait for the other's lock: Qt's, and the GIL). So while a training worker
# lives, automatic collection is off and the GUI thread collects instead, by the
# same thresholds, whenever it is about to sleep (see GuiLoadMeter).
_gc_lock = threading.Lock()
_gc_holders = 0
_gc_was_enabled = True


def _hold_garbage_collection() -> None:
    global _gc_holders, _gc_was_enabled
    with _gc_lock:
        if _gc_holders == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_holders += 1


def _release_garbage_collection() -> None:
    global _gc_holders, _frozen
    with _gc_lock:
        _gc_holders = max(0, _gc_holders - 1)
        if _gc_holders == 0:
            gc.unfreeze()  # what collect_garbage_if_due froze is collected as before
            _frozen = False
            if _gc_was_enabled:
                gc.enable()


#: While training, the GUI thread collects the oldest generation at most this often
#: (seconds). Python itself makes full collections rare (only once the objects that
#: survived since the last one are a quarter of all), which the thresholds alone
#: do not: with the worker allocating, they came every second or so.
FULL_COLLECTION_SECONDS = 30.0
#: A full collection walks every object of the app: 40-250 ms of the GUI thread.
#: When training starts, every object alive is frozen (``gc.freeze``, which costs
#: nothing), and so are the survivors of each full collection while training, so
#: those walk only what was made since. The frozen objects are collected too (a
#: thorough collection) once training stops (they are unfrozen then), and while
#: training at most this often (seconds).
THOROUGH_COLLECTION_SECONDS = 600.0
_last_full_collection = -math.inf
_last_thorough_collection = -math.inf
#: Whether collect_garbage_if_due froze the objects alive (while training).
_frozen = False


def collect_garbage_if_due(training: bool = False) -> None:
    """In the GUI thread: collect the generations whose thresholds are reached (as Python
    would), the oldest at most every FULL_COLLECTION_SECONDS; while ``training``, what
    was alive when it started or survived a full collection since only every
    THOROUGH_COLLECTION_SECONDS."""
    global _last_full_collection, _last_thorough_collection, _frozen
    if gc.isenabled():
        return
    if training and not _frozen:
        gc.freeze()
        _frozen = True
        _last_thorough_collection = time.monotonic()
    elif _frozen and not training:
        gc.unfreeze()  # training stopped: collection as before (the next full one is whole)
        _frozen = False
    threshold0, threshold1, threshold2 = gc.get_threshold()
    count0, count1, count2 = gc.get_count()
    if threshold0 <= 0 or count0 < threshold0:
        return
    generation = 0
    if count1 >= threshold1:
        generation = 2 if count2 >= threshold2 else 1
    if generation == 2:
        now = time.monotonic()
        if now - _last_full_collection < FULL_COLLECTION_SECONDS:
            generation = 1
        else:
            _last_full_collection = now
            if not training or now - _last_thorough_collection >= THOROUGH_COLLECTION_SECONDS:
                _last_thorough_collection = now
                gc.unfreeze()
                _frozen = False
    gc.collect(generation)
    if generation == 2 and training:
        gc.freeze()
        _frozen = True


# ------------------------------------------------------------ the GUI side
def _window_on_screen() -> bool:
    """Whether any window of the app is shown (False on the headless paths)."""
    return any(window.isVisible() for window in QGuiApplication.topLevelWindows())


class GuiLoadMeter(QObject):
    """Measures how busy the GUI thread is per snapshot and tells the worker.

    Lives in the GUI thread. The GUI thread is busy from its event dispatcher's
    ``awake`` (or the arrival of a snapshot, whichever is first) until its next
    ``aboutToBlock``; the busy time between two snapshots is reported to the
    worker with :meth:`TrainingWorker.report_gui_cost`. Once the GUI thread is
    about to sleep after a snapshot (everything that snapshot caused is drawn),
    the worker may make the next one (:attr:`TrainingWorker.gui_ready`).
    """

    def __init__(self, worker: TrainingWorker, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._worker = worker
        self._busy = 0.0
        self._busy_since: float | None = None
        self._last_snapshot: float | None = None
        self._drawing = False
        self._dispatcher = QAbstractEventDispatcher.instance(QThread.currentThread())
        if self._dispatcher is not None:
            self._dispatcher.awake.connect(self._awake)
            self._dispatcher.aboutToBlock.connect(self._about_to_block)
        _hold_garbage_collection()
        self._holds_gc = True

    def _awake(self) -> None:
        self._worker.gui_idle.clear()
        if self._busy_since is None:
            self._busy_since = time.perf_counter()

    def _about_to_block(self) -> None:
        self._worker.gui_idle.set()
        if self._busy_since is not None:
            self._busy += time.perf_counter() - self._busy_since
            self._busy_since = None
        if self._drawing:
            self._drawing = False
            self._worker.gui_ready.set()
        collect_garbage_if_due(self._worker.state is not WorkerState.PAUSED)

    def training_starts(self) -> None:
        """Run or Step was asked for (call before sending it): tell the worker whether
        a window is on screen, and measure the GUI's cost per snapshot from this
        run's first snapshot on (what the GUI did while paused, and handling the
        click, say nothing about drawing a snapshot)."""
        self._worker.set_watched(_window_on_screen())
        self._last_snapshot = None

    def snapshot_arrived(self) -> None:
        """A snapshot is about to be handed to the views (call before emitting it)."""
        now = time.perf_counter()
        busy = self._busy + (now - self._busy_since if self._busy_since is not None else 0.0)
        if self._worker.state is WorkerState.PAUSED:
            # The last snapshot of a run (Pause, a stop, the end of a Step): the time
            # since the one before includes handling the pause, not only drawing.
            self._last_snapshot = None
        elif self._last_snapshot is not None:
            self._worker.report_gui_cost(busy, now - self._last_snapshot, _window_on_screen())
            self._last_snapshot = now
        else:
            self._last_snapshot = now
        self._busy = 0.0
        self._busy_since = now
        self._drawing = True

    def snapshot_handled(self) -> None:
        """The views were given the snapshot; their queued repaints follow."""
        # A fallback for event loops that never block (processEvents in a loop):
        # ready once the events queued now have been handled.
        QTimer.singleShot(0, self._worker.gui_ready.set)

    def stop(self) -> None:
        """Stop listening to the event dispatcher (before the controller shuts down)."""
        if self._dispatcher is not None:
            self._dispatcher.awake.disconnect(self._awake)
            self._dispatcher.aboutToBlock.disconnect(self._about_to_block)
            self._dispatcher = None
        self._worker.gui_ready.set()
        self._worker.gui_idle.set()

    def release_garbage_collection(self) -> None:
        """Once the worker's thread has ended: automatic garbage collection as before."""
        if self._holds_gc:
            self._holds_gc = False
            _release_garbage_collection()
