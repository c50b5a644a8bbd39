"""The GUI's handle on training: :class:`TrainingController` lives in the GUI thread.

The controller is a thin adapter between the :class:`~backprop_lab.core.session.Session`
(the one truth: data, settings, weights, history, what is shown) and the
:class:`~backprop_lab.gui.training.worker.TrainingWorker`. Widgets call its methods;
each changes the session, which checks it (raising ``ValueError`` and changing
nothing on bad input) and announces it. The controller mirrors those events to
the worker as typed commands and puts what the worker reports back into the
session. Requests that replace the network (reset, re-initialise, a new
architecture, data of a new width, an opened project) hand the worker a new
trainer under a new *generation* number at once; anything the worker emitted for
an older generation is dropped, so no widget ever draws the weights of a network
other than the one shown. See docs/architecture.md.
"""

from __future__ import annotations

import dataclasses
import random
import sys
from collections.abc import Sequence
from concurrent.futures import Future
from typing import Any

import numpy as np
import numpy.typing as npt
from PySide6.QtCore import QObject, QThread, Signal, Slot

from backprop_lab.core import Mistakes, Network, NetworkSnapshot, ParameterRef
from backprop_lab.core.limits import (  # noqa: F401 - re-exported by gui.training
    MAX_HIDDEN_LAYERS,
    MAX_LAYER_SIZE,
    MAX_SEED,
)
from backprop_lab.core.presets import Preset
from backprop_lab.core.project_file import Project
from backprop_lab.core.session import (
    PreparedNetwork,
    Session,
    dataset_arrays,
    mistakes_from_dict,
)
from backprop_lab.core.settings import TrainingSettings

from .worker import (
    ExplainNext,
    GuiLoadMeter,
    Pause,
    Quit,
    Replace,
    Run,
    SetBatchSize,
    SetData,
    SetLearningRate,
    SetLoss,
    SetMistakes,
    SetOptimization,
    SetParameters,
    SetSpeed,
    SetStopConditions,
    Step,
    TrainingWorker,
)

Array = npt.NDArray[np.float64]


def default_settings() -> dict[str, Any]:
    """The settings of the seed example: 2-3-3-1 sigmoid, no bias, all weights 0.1, lr 1."""
    return TrainingSettings().to_dict()


def build_network(n_inputs: int, n_outputs: int, settings: dict[str, Any]) -> Network:
    """Build the network the architecture settings describe; ValueError when they cannot work.

    The settings are checked by :class:`~backprop_lab.core.settings.TrainingSettings`
    (the one place every setting is checked).
    """
    return TrainingSettings.from_dict(settings).build_network(n_inputs, n_outputs)


_dataset_arrays = dataset_arrays


# ---------------------------------------------------------------- controller
#: Settings that never reach the worker as a command of their own: a change of
#: them comes with a new network (the session's "network" event, a Replace).
#: Settings the worker applies in place with one SetOptimization command.
_OPTIMIZATION_FIELDS = (
    "optimizer",
    "momentum",
    "beta1",
    "beta2",
    "rho",
    "epsilon",
    "lr_schedule",
    "lr_drop",
    "lr_every",
    "lr_decay",
    "l1",
    "l2",
)


def _optimization(s: TrainingSettings) -> SetOptimization:
    options = s.trainer_options()
    hyper = tuple((k, options[k]) for k in ("momentum", "beta1", "beta2", "rho", "epsilon"))
    return SetOptimization(
        s.optimizer,
        hyper,
        s.lr_schedule,
        tuple(sorted(s.schedule_params.items())),
        s.l1,
        s.l2,
    )


_ARCHITECTURE_FIELDS = frozenset(
    {"hidden_layer_sizes", "activations", "bias", "init", "init_value", "init_seed", "features"}
)


class TrainingController(QObject):
    """The GUI's handle on training: a thin adapter between the Session and the worker.

    Every request changes the :class:`~backprop_lab.core.session.Session`
    (which checks it and raises ``ValueError`` changing nothing when it is bad);
    the session's events are mirrored to the worker as typed commands, and what
    the worker reports (losses, snapshots, divergence) goes back into the
    session. The Qt signals below re-emit the session's events for widgets.

    Opens on the seed example (2-3-3-1 sigmoid, no bias, all weights 0.1,
    learning rate 1, E = 1/2 Σ (t − P)²).

    Signals
    -------
    snapshot_ready(NetworkSnapshot)
        The snapshot every view draws changed: the live one while live, the
        rewound one while rewound (the session's "shown" event).
    network_reset(NetworkSnapshot)
        The network was replaced (reset, re-initialise, a new architecture, data
        of a new width, an opened project): the new shown snapshot.
    epochs_trained(EpochBatch)
        The losses of epochs just trained (already in ``session.history``).
    history_changed(str)
        ``session.history`` changed: "append", "truncate" or "replace".
    settings_changed(dict), data_changed((train, test)), session_changed(str)
        As the session's "settings", "data" and "changed" events.
    """

    snapshot_ready = Signal(object)
    epochs_trained = Signal(object)
    state_changed = Signal(str)
    network_reset = Signal(object)
    diverged = Signal(object)
    stop_condition_reached = Signal(str)
    settings_changed = Signal(object)
    #: (train Dataset, test Dataset or None) after set_data was accepted.
    data_changed = Signal(object)
    #: traceback text of an unexpected error inside the worker (it paused).
    error_occurred = Signal(str)
    #: The session now differs from what was opened or saved: "training", "data",
    #: "settings", "weights" or "network" (reset, re-initialise, new architecture).
    #: Also emitted by load_session ("network"); a window that just opened a file
    #: clears its modified flag after the call.
    session_changed = Signal(str)
    #: The loss history changed: "append", "truncate" or "replace".
    history_changed = Signal(str)
    #: The session's modified flag changed.
    modified_changed = Signal(bool)
    #: Every new live snapshot (training, an edit), also while rewound.
    live_snapshot_ready = Signal(object)

    def __init__(self, parent: QObject | None = None, session: Session | None = None) -> None:
        super().__init__(parent)
        self.session = Session.seed_example() if session is None else session
        self._generation = 0
        self._running = False
        self._worker_state = "paused"
        #: While the worker's report goes into the session: its events are not sent back.
        self._recording = False
        #: Snapshots the worker still owes for changes the session made itself (an
        #: edit, new data, mistakes, a loss): the session has already drawn them.
        self._echoes = 0
        #: What the worker's trainer was last told (settings and mistakes).
        self._synced_settings = self.session.settings
        self._synced_mistakes = self.session.mistakes
        trainer = self.session.make_trainer()
        self._thread = QThread()
        self._thread.setObjectName("backprop-lab training")
        self._worker = TrainingWorker(trainer, self._generation)
        self._sync_run_settings(self.session.settings)
        self._worker.moveToThread(self._thread)
        self._thread.started.connect(self._worker.run)
        self._worker.finished.connect(self._thread.quit)
        self._worker.progressed.connect(self._on_progressed)
        self._worker.state_changed.connect(self._on_state_changed)
        self._worker.diverged.connect(self._on_diverged)
        self._worker.stop_condition_reached.connect(self._on_stop_condition)
        self._worker.failed.connect(self._on_failed)
        self._shut_down = False
        self._gui_load = GuiLoadMeter(self._worker, self)
        events = self.session.events
        # The controller listens first: the worker is in step before any view redraws.
        events.network.connect(self._on_session_network)
        events.data.connect(self._on_session_data)
        events.settings.connect(self._on_session_settings)
        events.weights.connect(self._on_session_weights)
        events.shown.connect(self.snapshot_ready.emit)
        events.weights.connect(self.live_snapshot_ready.emit)
        events.history.connect(self.history_changed.emit)
        events.changed.connect(self.session_changed.emit)
        events.modified.connect(self.modified_changed.emit)
        self._thread.start()

    # ------------------------------------------------- session -> worker
    def _on_session_network(self, snapshot: NetworkSnapshot) -> None:
        """A new network: a new trainer for the worker, a new generation, then the views."""
        self._generation += 1
        self._running = False
        self._echoes = 0
        self._synced_settings = self.session.settings
        self._synced_mistakes = self.session.mistakes
        self._worker.gui_ready.set()
        self._worker.send(Replace(self.session.make_trainer(), self._generation))
        self._sync_run_settings(self.session.settings)
        if self._worker_state != "paused":
            self._worker_state = "paused"
            self.state_changed.emit("paused")
        self.network_reset.emit(self.session.shown_snapshot)

    def _sync_run_settings(self, settings: TrainingSettings) -> None:
        self._worker.send(SetSpeed(settings.epochs_per_second))
        self._worker.send(SetStopConditions(settings.max_epochs, settings.target_loss))

    def _on_session_data(self, data) -> None:
        train, test = data
        if train.n_inputs == self._synced_width()[0] and train.n_outputs == self._synced_width()[1]:
            X, T = dataset_arrays(train)
            Xt = Tt = None
            if test is not None:
                Xt, Tt = dataset_arrays(test)
            self._send_echoing(SetData(X, T, Xt, Tt))
        self.data_changed.emit(data)

    def _synced_width(self) -> tuple[int, int]:
        snapshot = self.session.live_snapshot
        return snapshot.n_inputs, snapshot.layer_sizes[-1]

    def _on_session_settings(self, settings: TrainingSettings) -> None:
        old = self._synced_settings
        commands = {
            "learning_rate": lambda s: SetLearningRate(s.learning_rate),
            **{name: _optimization for name in _OPTIMIZATION_FIELDS},
            "batch_size": lambda s: SetBatchSize(s.batch_size),
            "loss": lambda s: SetLoss(s.loss),
            "epochs_per_second": lambda s: SetSpeed(s.epochs_per_second),
            "max_epochs": lambda s: SetStopConditions(s.max_epochs, s.target_loss),
            "target_loss": lambda s: SetStopConditions(s.max_epochs, s.target_loss),
        }
        changed = [
            f.name
            for f in dataclasses.fields(settings)
            if getattr(settings, f.name) != getattr(old, f.name)
        ]
        sent: set[type] = set()
        others = []
        for name in changed:
            make = commands.get(name)
            if make is not None:
                command = make(settings)
                if type(command) not in sent:
                    if isinstance(command, SetLoss):
                        self._send_echoing(command)
                    else:
                        self._worker.send(command)
                    sent.add(type(command))
            elif name not in _ARCHITECTURE_FIELDS:
                others.append(name)
        if self.session.mistakes != self._synced_mistakes:
            self._send_echoing(SetMistakes(self.session.mistakes))
            self._synced_mistakes = self.session.mistakes
        self._synced_settings = settings
        if others:
            # A setting without a worker command of its own: the worker trains a
            # trainer built from the session from the next epoch on.
            self._worker.send(Replace(self.session.make_trainer(), self._generation))
        self.settings_changed.emit(self.settings())

    def _on_session_weights(self, snapshot: NetworkSnapshot) -> None:
        if self._recording:
            return  # the worker's own weights
        self._send_echoing(
            SetParameters(
                tuple(np.array(w) for w in snapshot.weights),
                None if snapshot.biases is None else tuple(np.array(b) for b in snapshot.biases),
            )
        )

    def _send_echoing(self, command) -> None:
        """Send a command after which the worker sends one snapshot of what the
        session already shows: that snapshot is not drawn again."""
        self._echoes += 1
        self._worker.send(command)

    def _require_alive(self) -> None:
        if self._shut_down:
            raise RuntimeError("training has been shut down")

    # ------------------------------------------------- worker -> session
    @Slot(object)
    def _on_progressed(self, payload) -> None:
        generation, batch, snapshot = payload
        try:
            if generation != self._generation:
                return
            if snapshot is not None:
                self._gui_load.snapshot_arrived()
            if snapshot is not None and self._echoes > 0:
                # The session made this change itself and drew it already (while
                # running, this skips one frame at most).
                self._echoes -= 1
                snapshot_to_record = None
            else:
                snapshot_to_record = snapshot
            self._recording = True
            try:
                if batch is not None:
                    self.session.record_progress(
                        batch.epochs, batch.train_loss, batch.test_loss, snapshot_to_record
                    )
                    self.epochs_trained.emit(batch)
                elif snapshot_to_record is not None:
                    self.session.record_progress(snapshot=snapshot_to_record)
            finally:
                self._recording = False
        finally:
            if snapshot is not None:
                self._gui_load.snapshot_handled()

    @Slot(object)
    def _on_state_changed(self, payload) -> None:
        generation, state = payload
        if generation != self._generation:
            return
        self._running = state == "running"
        if state != self._worker_state:
            self._worker_state = state
            self.state_changed.emit(state)

    @Slot(object)
    def _on_diverged(self, payload) -> None:
        generation, divergence = payload
        if generation == self._generation:
            self._running = False
            # The epoch whose update made the loss explode was undone: its loss goes too.
            self.session.forget_after(self.session.epoch)
            self.diverged.emit(divergence)

    @Slot(object)
    def _on_stop_condition(self, payload) -> None:
        generation, message = payload
        if generation == self._generation:
            self._running = False
            self.stop_condition_reached.emit(message)

    @Slot(object)
    def _on_failed(self, payload) -> None:
        _generation, text = payload
        self._running = False
        self.error_occurred.emit(text)

    # ------------------------------------------------------------- commands
    @property
    def is_running(self) -> bool:
        """True between run() and the pause (or stop) that ends it."""
        return self._running or self._worker_state == "running"

    def step(self, epochs: int = 1) -> bool:
        """Train ``epochs`` more epochs, then pause. Ignored (False) while running."""
        self._require_alive()
        if isinstance(epochs, float) and not epochs.is_integer():
            raise ValueError(f"the number of epochs must be whole, got {epochs}")
        epochs = int(epochs)
        if epochs < 1:
            raise ValueError(f"step at least 1 epoch, got {epochs}")
        if self.is_running:
            return False
        self._gui_load.training_starts()
        self._worker.send(Step(epochs))
        return True

    def run(self) -> None:
        """Train continuously until pause(), a stop condition or divergence."""
        self._require_alive()
        if not self.is_running:
            self._gui_load.training_starts()
        self._running = True
        self._worker.send(Run())

    def pause(self) -> None:
        """Stop at the next epoch boundary (one final snapshot follows)."""
        self._require_alive()
        self._running = False
        self._worker.send(Pause())

    def reset(self, prepared: PreparedNetwork | None = None) -> None:
        """Back to exactly the initial weights, epoch 0 (``prepared``: from
        ``session.prepare_reset()``, e.g. off the GUI thread)."""
        self._require_alive()
        self.session.reset(prepared)

    def reinitialise(self, seed: int | None = None, prepared: PreparedNetwork | None = None) -> int:
        """New initial weights from ``seed`` (a random one when None); returns the seed used.

        ``prepared``: from ``session.prepare_network`` for the settings with this seed."""
        self._require_alive()
        if seed is None:
            seed = random.randrange(0, MAX_SEED)
        self.session.reinitialise(seed, prepared)
        return self.session.settings.init_seed

    def update_settings(self, **changes: Any) -> None:
        """Change training settings (not the architecture); SettingsError if bad."""
        self._require_alive()
        self.session.set_settings(self.session.settings.replace(**changes))

    def set_learning_rate(self, learning_rate: float) -> None:
        """Applies from the next epoch, also while running."""
        self.update_settings(learning_rate=learning_rate)

    def set_momentum(self, momentum: float) -> None:
        """μ of momentum and Nesterov, in [0, MAX_MOMENTUM].

        On plain SGD a μ > 0 asks for classical momentum, as this call did before
        optimisers existed (``update_settings(momentum=...)`` only stores μ).
        """
        changes: dict[str, Any] = {"momentum": momentum}
        try:
            wants_momentum = float(momentum) > 0.0
        except (TypeError, ValueError):
            wants_momentum = False  # refused with its message below
        if wants_momentum and self.session.settings.optimizer == "sgd":
            changes["optimizer"] = "momentum"
        self.update_settings(**changes)

    def set_batch_size(self, batch_size: int | None) -> None:
        """None for full batch, 1 for online learning, k for minibatches."""
        self.update_settings(batch_size=batch_size)

    def set_loss(self, loss: str) -> None:
        """``"half_sse"``, ``"mse"`` or ``"cross_entropy"``."""
        self.update_settings(loss=loss)

    def set_speed(self, epochs_per_second: float | None) -> None:
        """Cap the speed at ``epochs_per_second``, or None for as fast as possible."""
        self.update_settings(epochs_per_second=epochs_per_second)

    def set_stop_conditions(self, max_epochs: int | None, target_loss: float | None) -> None:
        """Pause when the epoch reaches ``max_epochs`` or the loss reaches ``target_loss``."""
        self.update_settings(max_epochs=max_epochs, target_loss=target_loss)

    def set_architecture(
        self,
        hidden_layer_sizes: Sequence[int],
        activations: str | Sequence[str],
        bias: bool,
        init: str,
        init_seed: int | None = 0,
        init_value: float | None = None,
        features: Any = "keep",
        prepared: PreparedNetwork | None = None,
    ) -> None:
        """A new network (hidden layers, activations, bias, initialisation); resets training.

        ``features``: the feature inputs (names such as ``"x1_sq"``), None for the
        data's own columns, or ``"keep"`` (the default) for the current ones.
        ``prepared``: the network and first snapshot ``session.prepare_network`` made
        for :meth:`architecture_settings` of the same arguments (e.g. off the GUI thread).
        """
        self._require_alive()
        settings = self.architecture_settings(
            hidden_layer_sizes, activations, bias, init, init_seed, init_value, features
        )
        self.session.set_architecture(settings, prepared)

    def architecture_settings(
        self,
        hidden_layer_sizes: Sequence[int],
        activations: str | Sequence[str],
        bias: bool,
        init: str,
        init_seed: int | None = 0,
        init_value: float | None = None,
        features: Any = "keep",
    ) -> TrainingSettings:
        """The settings :meth:`set_architecture` would give the session (ValueError if bad)."""
        changes: dict[str, Any] = {
            "hidden_layer_sizes": tuple(hidden_layer_sizes),
            "activations": activations,
            "bias": bias,
            "init": init,
            "init_seed": init_seed,
        }
        if init_value is not None:
            changes["init_value"] = init_value
        if not (isinstance(features, str) and features == "keep"):
            changes["features"] = None if features is None else tuple(features)
        return self.session.settings.replace(**changes)

    def set_data(self, train, test=None) -> bool:
        """New training (and test) data, applied between epochs.

        Returns True when the network had to be rebuilt (the number of inputs
        or outputs changed), which also resets training.
        """
        self._require_alive()
        return self.session.set_data(train, test)

    def _check_paused(self, what: str) -> None:
        self._require_alive()
        if self.is_running:
            raise ValueError(f"pause training before {what}")

    def set_parameter(self, ref: ParameterRef, value: float) -> None:
        """Set one weight or bias (only while paused); a snapshot follows."""
        self._check_paused("editing a weight")
        self.session.set_parameter(ref, value)

    def set_parameters(self, weights: Sequence[npt.ArrayLike], biases=None) -> None:
        """Replace every weight (and bias) at once (only while paused)."""
        self._check_paused("editing weights")
        self.session.set_weights(weights, biases)

    def set_mistakes(self, mistakes: Mistakes) -> None:
        """Inject (or remove) classic backpropagation mistakes."""
        self._require_alive()
        self.session.set_mistakes(mistakes)

    def mistakes(self) -> Mistakes:
        """The mistakes currently injected."""
        return self.session.mistakes

    def load_project(self, project: Project) -> None:
        """Replace the whole session by ``project`` (checked whole first: ValueError
        leaves the session exactly as it was)."""
        self._require_alive()
        self.session.replace_with(Session.from_project(project))

    def load_session(
        self,
        network: Network,
        initial_network: Network,
        train,
        test,
        settings: dict[str, Any],
        epoch: int,
    ) -> None:
        """Replace the whole session (its loss history starts empty); ValueError leaves
        it untouched."""
        self._require_alive()
        if network.layer_sizes != initial_network.layer_sizes:
            raise ValueError("the current and initial networks have different layers")
        mistakes = (
            mistakes_from_dict(settings.get("mistakes"))
            if "mistakes" in settings
            else (self.session.mistakes)
        )
        typed = TrainingSettings.from_dict(settings).with_network(initial_network)
        new = Session(
            train,
            test,
            typed,
            initial_network=initial_network,
            network=network,
            epoch=epoch,
            mistakes=mistakes,
        )
        self.session.replace_with(new)

    def apply_preset(self, preset: Preset, data_seed: int = 0) -> None:
        """Open an example: its data, its network and its settings; resets training."""
        train, test = preset.datasets(data_seed)
        network = preset.network(train.n_inputs, train.n_outputs)
        settings = {**self.settings(), **preset.settings()}
        self.load_session(network, network, train, test, settings, epoch=0)

    # --------------------------------------------------------------- rewind
    def show_epoch(self, epoch: int) -> NetworkSnapshot:
        """Show the network at ``epoch`` (the nearest kept at or before it) in every view."""
        return self.session.show_epoch(epoch)

    def go_live(self) -> None:
        """Every view shows the live network again."""
        self.session.show_live()

    # -------------------------------------------------------------- queries
    def current_snapshot(self) -> NetworkSnapshot:
        """The snapshot every view draws: the live one, or the rewound one while rewound."""
        return self.session.shown_snapshot

    def live_snapshot(self) -> NetworkSnapshot:
        """The latest trained state (also while rewound)."""
        return self.session.live_snapshot

    def current_network(self) -> Network:
        """A Network with the live weights (for saving)."""
        return self.session.network()

    def initial_network(self) -> Network:
        """A copy of the network Reset returns to."""
        return self.session.initial_network()

    def dataset(self):
        """(train Dataset, test Dataset or None)."""
        return self.session.dataset()

    def settings(self) -> dict[str, Any]:
        """A copy of every training and architecture setting (plain values)."""
        return self.session.settings.to_dict()

    def typed_settings(self) -> TrainingSettings:
        """The settings as the typed, checked :class:`TrainingSettings`."""
        return self.session.settings

    def generation(self) -> int:
        """Bumped every time the network is replaced (reset, new architecture, ...)."""
        return self._generation

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        """Stop the worker and join its thread; True when it ended within ``timeout_ms``.

        The worker stops at its next epoch boundary. One epoch of a big network on
        big data, with its snapshot, can take longer than ``timeout_ms``; the thread
        is then still waited for until that epoch ends (a line on stderr says so),
        because a QThread destroyed while it runs aborts the whole process: closing
        the window mid-epoch would end in a crash instead of a clean exit.
        """
        if self._shut_down:
            return True
        self._shut_down = True
        self._running = False
        self._gui_load.stop()
        self._worker.send(Quit())
        self._thread.quit()
        finished = bool(self._thread.wait(timeout_ms))
        if not finished:
            print(
                "Backprop Lab: waiting for the current training epoch to end…",
                file=sys.stderr,
                flush=True,
            )
            self._thread.wait()
        self._gui_load.release_garbage_collection()
        return finished

    def explain_next_step(self, timeout: float = 10.0):
        """What the next Step will do, number by number (a StepExplanation).

        Asked of the worker's own trainer, so the optimiser's state (velocity,
        Adam's m and v), the learning-rate schedule and the minibatch shuffling
        are exactly those the next Step uses. Raises ``ValueError`` when there is
        no live trainer to ask, ``TimeoutError`` when it does not answer.
        """
        return self.request_next_step_explanation().result(timeout)

    def request_next_step_explanation(self) -> Future:
        """Ask the worker what the next Step will do, without waiting for the answer.

        The returned :class:`concurrent.futures.Future` gets the StepExplanation
        (or the exception) on the worker thread, once the worker has handled every
        command sent before: a view that must not block (the largest networks take
        seconds) waits for it off the GUI thread. Raises ``ValueError`` when there
        is no live trainer to ask.
        """
        self._require_alive()
        reply: Future = Future()
        self._worker.send(ExplainNext(reply))
        return reply

    def thread_is_alive(self) -> bool:
        """Whether the training thread is still running (False after shutdown)."""
        return self._thread.isRunning()
