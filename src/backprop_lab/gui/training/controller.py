"""The GUI's handle on training: :class:`TrainingController` lives in the GUI thread.

Widgets call its methods and listen to its signals; it validates every request
synchronously (raising ``ValueError`` and changing nothing on bad input) and
forwards it to the :class:`~backprop_lab.gui.training.worker.TrainingWorker` as a
typed command. Requests that replace the network (reset, re-initialise, a new
architecture, data of a new width, an opened project) build the new trainer in
the GUI thread, bump a *generation* number and emit :attr:`network_reset` at
once; anything the worker emitted for an older generation is dropped, so no
widget ever draws the weights of a network other than the one shown.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from PySide6.QtCore import QObject, QThread, Signal, Slot

from backprop_lab.core import (
    HIDDEN_ACTIVATIONS,
    INIT_SCHEMES,
    LOSSES,
    NO_MISTAKES,
    OUTPUT_ACTIVATIONS,
    Mistakes,
    Network,
    NetworkSnapshot,
    ParameterRef,
    Trainer,
    take_snapshot,
)
from backprop_lab.core.datasets import seed_dataset
from backprop_lab.core.limits import MAX_HIDDEN_LAYERS, MAX_LAYER_SIZE
from backprop_lab.core.presets import Preset

from .worker import (
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
    SetMomentum,
    SetParameter,
    SetParameters,
    SetSpeed,
    SetStopConditions,
    Step,
    TrainingWorker,
)

Array = npt.NDArray[np.float64]


def default_settings() -> dict[str, Any]:
    """The settings of the seed example: 2-3-3-1 sigmoid, no bias, all weights 0.1, lr 1."""
    return {
        "hidden_layer_sizes": [3, 3],
        "activations": ["sigmoid", "sigmoid", "sigmoid"],
        "bias": False,
        "init": "constant",
        "init_value": 0.1,
        "init_seed": 0,
        "learning_rate": 1.0,
        "loss": "half_sse",
        "batch_size": None,
        "momentum": 0.0,
        "epochs_per_second": None,
        "max_epochs": None,
        "target_loss": None,
    }


def _seed_datasets():
    """The seed post's three samples (no test set)."""
    return seed_dataset(), None


# ---------------------------------------------------------------- validation
def _check_learning_rate(value: float) -> float:
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"the learning rate must be a number, got {value!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"the learning rate must be a number greater than 0, got {value:g}")
    return value


def _check_momentum(value: float) -> float:
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"momentum must be a number, got {value!r}") from None
    if not (0.0 <= value < 1.0):
        raise ValueError(f"momentum must be at least 0 and below 1, got {value:g}")
    return value


def _check_batch_size(value: int | None) -> int | None:
    if value is None:
        return None
    if isinstance(value, float) and not value.is_integer():
        raise ValueError(f"the batch size must be a whole number, got {value}")
    try:
        value = int(value)
    except (TypeError, ValueError):
        raise ValueError(f"the batch size must be a whole number, got {value!r}") from None
    if value < 1:
        raise ValueError(f"the batch size must be at least 1 (or full batch), got {value}")
    return value


def _check_speed(value: float | None) -> float | None:
    if value is None:
        return None
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise ValueError(
            f"the speed must be a number of epochs per second, got {value!r}"
        ) from None
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"the speed must be more than 0 epochs per second, got {value:g}")
    return value


def _check_stop_conditions(
    max_epochs: int | None, target_loss: float | None
) -> tuple[int | None, float | None]:
    if max_epochs is not None:
        if isinstance(max_epochs, float) and not max_epochs.is_integer():
            raise ValueError(f"the maximum number of epochs must be whole, got {max_epochs}")
        max_epochs = int(max_epochs)
        if max_epochs < 1:
            raise ValueError(f"the maximum number of epochs must be at least 1, got {max_epochs}")
    if target_loss is not None:
        target_loss = float(target_loss)
        if not math.isfinite(target_loss) or target_loss < 0:
            raise ValueError(f"the target loss must be a number of at least 0, got {target_loss:g}")
    return max_epochs, target_loss


def build_network(n_inputs: int, n_outputs: int, settings: dict[str, Any]) -> Network:
    """Build the network the architecture settings describe; ValueError when they cannot work."""
    hidden = [int(s) for s in settings["hidden_layer_sizes"]]
    if len(hidden) > MAX_HIDDEN_LAYERS:
        raise ValueError(f"at most {MAX_HIDDEN_LAYERS} hidden layers, got {len(hidden)}")
    for size in hidden:
        if not 1 <= size <= MAX_LAYER_SIZE:
            raise ValueError(f"a hidden layer needs 1 to {MAX_LAYER_SIZE} units, got {size}")
    activations = settings["activations"]
    if isinstance(activations, str):
        activations = [activations] * (len(hidden) + 1)
    activations = list(activations)
    if len(activations) != len(hidden) + 1:
        raise ValueError(
            f"need {len(hidden) + 1} activations (one per hidden layer and one for the output), "
            f"got {len(activations)}"
        )
    for i, name in enumerate(activations):
        allowed = OUTPUT_ACTIVATIONS if i == len(hidden) else HIDDEN_ACTIVATIONS
        if name not in allowed:
            where = "the output layer" if i == len(hidden) else f"hidden layer {i + 1}"
            raise ValueError(f"{name!r} cannot be used on {where}; choose one of {allowed}")
    if settings["init"] not in INIT_SCHEMES:
        raise ValueError(
            f"unknown initialisation {settings['init']!r}; choose one of {', '.join(INIT_SCHEMES)}"
        )
    init_value = float(settings.get("init_value", 0.1))
    if not math.isfinite(init_value):
        raise ValueError("the initial weight value must be a finite number")
    seed = settings.get("init_seed")
    if seed is not None:
        seed = int(seed)
        if seed < 0:
            raise ValueError(f"the initialisation seed must be 0 or more, got {seed}")
    return Network(
        [n_inputs, *hidden, n_outputs],
        activations,
        init=settings["init"],
        bias=bool(settings["bias"]),
        seed=seed,
        init_value=init_value,
    )


def _dataset_arrays(dataset) -> tuple[Array, Array]:
    X = np.asarray(dataset.inputs, dtype=np.float64)
    T = np.asarray(dataset.targets, dtype=np.float64)
    if X.ndim == 1:
        X = X.reshape(-1, 1)
    if T.ndim == 1:
        T = T.reshape(-1, 1)
    return X, T


# ---------------------------------------------------------------- controller
class TrainingController(QObject):
    """The GUI's handle on training: validates requests, forwards them, re-emits results.

    Opens on the seed example (2-3-3-1 sigmoid, no bias, all weights 0.1,
    learning rate 1, E = 1/2 Σ (t − P)²).
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

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._settings = default_settings()
        self._train, self._test = _seed_datasets()
        X, T = _dataset_arrays(self._train)
        self._initial_network = build_network(X.shape[1], T.shape[1], self._settings)
        self._mistakes: Mistakes = NO_MISTAKES
        self._generation = 0
        self._running = False
        self._worker_state = "paused"
        trainer = self._new_trainer(self._initial_network.copy())
        self._snapshot = take_snapshot(trainer)
        self._thread = QThread()
        self._thread.setObjectName("backprop-lab training")
        self._worker = TrainingWorker(trainer, self._generation)
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
        self._thread.start()

    # --------------------------------------------------------------- helpers
    def _new_trainer(self, net: Network) -> Trainer:
        X, T = _dataset_arrays(self._train)
        Xt = Tt = None
        if self._test is not None and len(_dataset_arrays(self._test)[0]):
            Xt, Tt = _dataset_arrays(self._test)
        seed = self._settings.get("init_seed")
        return Trainer(
            net,
            X,
            T,
            learning_rate=self._settings["learning_rate"],
            loss=self._settings["loss"],
            batch_size=self._settings["batch_size"],
            momentum=self._settings["momentum"],
            seed=0 if seed is None else int(seed),
            X_test=Xt,
            T_test=Tt,
            mistakes=self._mistakes,
        )

    def _replace(self, trainer: Trainer) -> None:
        """Hand the worker a new trainer and tell every listener at once."""
        self._generation += 1
        self._running = False
        self._snapshot = take_snapshot(trainer)
        self._worker.gui_ready.set()
        self._worker.send(Replace(trainer, self._generation))
        if self._worker_state != "paused":
            self._worker_state = "paused"
            self.state_changed.emit("paused")
        self.network_reset.emit(self._snapshot)
        self.session_changed.emit("network")

    def _require_alive(self) -> None:
        if self._shut_down:
            raise RuntimeError("training has been shut down")

    # ---------------------------------------------------------- worker slots
    @Slot(object)
    def _on_progressed(self, payload) -> None:
        generation, batch, snapshot = payload
        try:
            if generation != self._generation:
                return
            if batch is not None:
                self.epochs_trained.emit(batch)
                self.session_changed.emit("training")
            if snapshot is not None:
                self._gui_load.snapshot_arrived()
                self._snapshot = snapshot
                self.snapshot_ready.emit(snapshot)
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
        self._worker.send(Step(epochs))
        return True

    def run(self) -> None:
        """Train continuously until pause(), a stop condition or divergence."""
        self._require_alive()
        self._running = True
        self._worker.send(Run())

    def pause(self) -> None:
        """Stop at the next epoch boundary (one final snapshot follows)."""
        self._require_alive()
        self._running = False
        self._worker.send(Pause())

    def reset(self) -> None:
        """Back to exactly the initial weights, epoch 0."""
        self._require_alive()
        self._replace(self._new_trainer(self._initial_network.copy()))

    def reinitialise(self, seed: int | None = None) -> int:
        """New initial weights from ``seed`` (a random one when None); returns the seed used."""
        self._require_alive()
        if seed is None:
            seed = random.randrange(0, 2**31 - 1)
        seed = int(seed)
        if seed < 0:
            raise ValueError(f"the initialisation seed must be 0 or more, got {seed}")
        settings = {**self._settings, "init_seed": seed}
        X, T = _dataset_arrays(self._train)
        net = build_network(X.shape[1], T.shape[1], settings)
        self._settings = settings
        self._initial_network = net
        self._replace(self._new_trainer(net.copy()))
        self.settings_changed.emit(self.settings())
        return seed

    def _set(self, key: str, value: Any, command: type) -> None:
        self._settings[key] = value
        self._worker.send(command(value))
        self.settings_changed.emit(self.settings())
        self.session_changed.emit("settings")

    def set_learning_rate(self, learning_rate: float) -> None:
        """Applies from the next epoch, also while running."""
        self._set("learning_rate", _check_learning_rate(learning_rate), SetLearningRate)

    def set_momentum(self, momentum: float) -> None:
        """Classical momentum in [0, 1)."""
        self._set("momentum", _check_momentum(momentum), SetMomentum)

    def set_batch_size(self, batch_size: int | None) -> None:
        """None for full batch, 1 for online learning, k for minibatches."""
        self._set("batch_size", _check_batch_size(batch_size), SetBatchSize)

    def set_loss(self, loss: str) -> None:
        """``"half_sse"``, ``"mse"`` or ``"cross_entropy"``."""
        if loss not in LOSSES:
            raise ValueError(f"unknown loss {loss!r}; choose one of {', '.join(LOSSES)}")
        output = self._snapshot.activations[-1]
        if loss == "cross_entropy" and output not in ("sigmoid", "softmax"):
            raise ValueError("cross-entropy needs a sigmoid or softmax output layer")
        self._set("loss", loss, SetLoss)

    def set_speed(self, epochs_per_second: float | None) -> None:
        """Cap the speed at ``epochs_per_second``, or None for as fast as possible."""
        self._set("epochs_per_second", _check_speed(epochs_per_second), SetSpeed)

    def set_stop_conditions(self, max_epochs: int | None, target_loss: float | None) -> None:
        """Pause when the epoch reaches ``max_epochs`` or the loss reaches ``target_loss``."""
        max_epochs, target_loss = _check_stop_conditions(max_epochs, target_loss)
        self._settings["max_epochs"] = max_epochs
        self._settings["target_loss"] = target_loss
        self._worker.send(SetStopConditions(max_epochs, target_loss))
        self.settings_changed.emit(self.settings())
        self.session_changed.emit("settings")

    def set_architecture(
        self,
        hidden_layer_sizes: Sequence[int],
        activations: str | Sequence[str],
        bias: bool,
        init: str,
        init_seed: int | None = 0,
        init_value: float | None = None,
    ) -> None:
        """A new network (hidden layers, activations, bias, initialisation); resets training."""
        self._require_alive()
        settings = {
            **self._settings,
            "hidden_layer_sizes": [int(s) for s in hidden_layer_sizes],
            "activations": (
                [activations] * (len(hidden_layer_sizes) + 1)
                if isinstance(activations, str)
                else list(activations)
            ),
            "bias": bool(bias),
            "init": init,
            "init_seed": init_seed,
        }
        if init_value is not None:
            settings["init_value"] = float(init_value)
        X, T = _dataset_arrays(self._train)
        net = build_network(X.shape[1], T.shape[1], settings)
        if settings["loss"] == "cross_entropy" and net.activations[-1] not in (
            "sigmoid",
            "softmax",
        ):
            raise ValueError("cross-entropy needs a sigmoid or softmax output layer")
        previous = self._settings
        self._settings = settings
        try:
            trainer = self._new_trainer(net.copy())
        except ValueError:
            self._settings = previous
            raise
        self._initial_network = net
        self._replace(trainer)
        self.settings_changed.emit(self.settings())

    def set_data(self, train, test=None) -> bool:
        """New training (and test) data, applied between epochs.

        Returns True when the network had to be rebuilt (the number of inputs
        or outputs changed), which also resets training.
        """
        self._require_alive()
        X, T = _dataset_arrays(train)
        if X.shape[0] == 0:
            raise ValueError("the training data needs at least one sample")
        if X.shape[0] != T.shape[0]:
            raise ValueError(f"{X.shape[0]} input rows but {T.shape[0]} target rows")
        if X.shape[1] == 0 or T.shape[1] == 0:
            raise ValueError("the data needs at least one input column and one target column")
        if not (np.all(np.isfinite(X)) and np.all(np.isfinite(T))):
            raise ValueError("the training data must be finite numbers")
        Xt = Tt = None
        if test is not None:
            Xt, Tt = _dataset_arrays(test)
            if Xt.shape[0] and (Xt.shape[1] != X.shape[1] or Tt.shape[1] != T.shape[1]):
                raise ValueError("the test set needs the same columns as the training set")
            if not (np.all(np.isfinite(Xt)) and np.all(np.isfinite(Tt))):
                raise ValueError("the test data must be finite numbers")
            if Xt.shape[0] == 0:
                Xt = Tt = None
        rebuild = (X.shape[1], T.shape[1]) != (
            self._initial_network.layer_sizes[0],
            self._initial_network.layer_sizes[-1],
        )
        if rebuild:
            net = build_network(X.shape[1], T.shape[1], self._settings)
            old = (self._train, self._test)
            self._train, self._test = train, test
            try:
                trainer = self._new_trainer(net.copy())
            except ValueError:
                self._train, self._test = old
                raise
            self._initial_network = net
            self._replace(trainer)
        else:
            self._train, self._test = train, test
            self._worker.send(SetData(X, T, Xt, Tt))
        self.data_changed.emit((train, test))
        self.session_changed.emit("data")
        return rebuild

    def _check_paused(self, what: str) -> None:
        self._require_alive()
        if self.is_running:
            raise ValueError(f"pause training before {what}")

    def set_parameter(self, ref: ParameterRef, value: float) -> None:
        """Set one weight or bias (only while paused); a snapshot follows."""
        self._check_paused("editing a weight")
        value = float(value)
        if not math.isfinite(value):
            raise ValueError(f"{ref.name} must be a finite number, got {value}")
        sizes = self._snapshot.layer_sizes
        if not 0 <= ref.layer < len(sizes) - 1:
            raise ValueError(f"there is no layer {ref.layer + 1} in this network")
        if not 0 <= ref.target < sizes[ref.layer + 1]:
            raise ValueError(f"{ref.name} does not exist in this network")
        if ref.source is None:
            if self._snapshot.biases is None:
                raise ValueError("this network has no biases; switch bias on first")
        elif not 0 <= ref.source < sizes[ref.layer]:
            raise ValueError(f"{ref.name} does not exist in this network")
        self._worker.send(SetParameter(ref, value))
        self.session_changed.emit("weights")

    def set_parameters(self, weights: Sequence[npt.ArrayLike], biases=None) -> None:
        """Replace every weight (and bias) at once (only while paused)."""
        self._check_paused("editing weights")
        current = self._snapshot
        ws = [np.array(w, dtype=np.float64) for w in weights]
        if [w.shape for w in ws] != [w.shape for w in current.weights]:
            raise ValueError("the weight matrices do not fit this network's layers")
        if not all(np.all(np.isfinite(w)) for w in ws):
            raise ValueError("weights must be finite numbers")
        bs = None
        if biases is not None:
            if current.biases is None:
                raise ValueError("this network has no biases")
            bs = [np.array(b, dtype=np.float64).reshape(-1) for b in biases]
            if [b.shape for b in bs] != [b.shape for b in current.biases]:
                raise ValueError("the bias vectors do not fit this network's layers")
            if not all(np.all(np.isfinite(b)) for b in bs):
                raise ValueError("biases must be finite numbers")
        self._worker.send(SetParameters(tuple(ws), None if bs is None else tuple(bs)))
        self.session_changed.emit("weights")

    def set_mistakes(self, mistakes: Mistakes) -> None:
        """Inject (or remove) classic backpropagation mistakes."""
        if not isinstance(mistakes, Mistakes):
            raise ValueError("expected a core.network.Mistakes value")
        self._mistakes = mistakes
        self._worker.send(SetMistakes(mistakes))
        self.session_changed.emit("settings")
        # Panels showing the switches (the mistakes lab) follow settings_changed.
        self.settings_changed.emit(self.settings())

    def mistakes(self) -> Mistakes:
        """The mistakes currently injected."""
        return self._mistakes

    def load_session(
        self,
        network: Network,
        initial_network: Network,
        train,
        test,
        settings: dict[str, Any],
        epoch: int,
    ) -> None:
        """Replace the whole session (from a project file); ValueError leaves it untouched."""
        self._require_alive()
        merged = {**default_settings(), **{k: v for k, v in settings.items() if k != "mistakes"}}
        merged["learning_rate"] = _check_learning_rate(merged["learning_rate"])
        merged["momentum"] = _check_momentum(merged["momentum"])
        merged["batch_size"] = _check_batch_size(merged["batch_size"])
        merged["epochs_per_second"] = _check_speed(merged["epochs_per_second"])
        merged["max_epochs"], merged["target_loss"] = _check_stop_conditions(
            merged["max_epochs"], merged["target_loss"]
        )
        if merged["loss"] not in LOSSES:
            raise ValueError(f"unknown loss {merged['loss']!r}")
        if network.layer_sizes != initial_network.layer_sizes:
            raise ValueError("the current and initial networks have different layers")
        merged["hidden_layer_sizes"] = list(network.layer_sizes[1:-1])
        merged["activations"] = list(network.activations)
        merged["bias"] = network.has_bias
        X, T = _dataset_arrays(train)
        if (X.shape[1], T.shape[1]) != (network.layer_sizes[0], network.layer_sizes[-1]):
            raise ValueError("the data does not fit the network's input and output layers")
        old = (self._settings, self._train, self._test)
        self._settings, self._train, self._test = merged, train, test
        try:
            trainer = self._new_trainer(network.copy())
            trainer.epoch = int(epoch)
        except ValueError:
            self._settings, self._train, self._test = old
            raise
        self._initial_network = initial_network.copy()
        self._worker.send(SetSpeed(merged["epochs_per_second"]))
        self._worker.send(SetStopConditions(merged["max_epochs"], merged["target_loss"]))
        self._replace(trainer)
        self.settings_changed.emit(self.settings())
        self.data_changed.emit((train, test))

    def apply_preset(self, preset: Preset, data_seed: int = 0) -> None:
        """Open an example: its data, its network and its settings; resets training."""
        train, test = preset.datasets(data_seed)
        network = preset.network(train.n_inputs, train.n_outputs)
        settings = {**self._settings, **preset.settings()}
        self.load_session(network, network, train, test, settings, epoch=0)

    # -------------------------------------------------------------- queries
    def current_snapshot(self) -> NetworkSnapshot:
        """The latest snapshot of the network shown."""
        return self._snapshot

    def current_network(self) -> Network:
        """A Network with the weights of the latest snapshot (for saving)."""
        snap = self._snapshot
        net = Network.from_arrays(snap.weights, snap.biases, list(snap.activations))
        net.init = self._initial_network.init
        net.init_value = self._initial_network.init_value
        net.seed = self._initial_network.seed
        return net

    def initial_network(self) -> Network:
        """A copy of the network Reset returns to."""
        return self._initial_network.copy()

    def dataset(self):
        """(train Dataset, test Dataset or None)."""
        return self._train, self._test

    def settings(self) -> dict[str, Any]:
        """A copy of every training and architecture setting."""
        out = dict(self._settings)
        out["hidden_layer_sizes"] = list(out["hidden_layer_sizes"])
        out["activations"] = list(out["activations"])
        return out

    def generation(self) -> int:
        """Bumped every time the network is replaced (reset, new architecture, ...)."""
        return self._generation

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        """Stop the worker and join its thread; True when the thread ended."""
        if self._shut_down:
            return True
        self._shut_down = True
        self._running = False
        self._gui_load.stop()
        self._worker.send(Quit())
        self._thread.quit()
        finished = self._thread.wait(timeout_ms)
        return bool(finished)

    def thread_is_alive(self) -> bool:
        """Whether the training thread is still running (False after shutdown)."""
        return self._thread.isRunning()
