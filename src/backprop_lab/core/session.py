"""The session: everything a project file holds, in one Qt-free object every view reads.

A :class:`Session` owns the network's architecture (in its typed
:class:`~backprop_lab.core.settings.TrainingSettings`), the initial weights and
the live weights (a :class:`~backprop_lab.core.snapshot.NetworkSnapshot`), the
training and test data, the mistakes-lab switches, the loss of every epoch (a
:class:`~backprop_lab.core.loss_history.LossHistory`), the snapshots kept for
rewinding, the modified flag and **the shown state**: live, or a rewound epoch.
Nothing else keeps a copy: the GUI's views draw :attr:`Session.shown_snapshot`,
the project file and autosave write :meth:`Session.to_project`.

Every change is checked first and applied whole (a bad value raises
``ValueError`` and leaves the session as it was), then announced on one of the
:class:`SessionEvents`, so a view refreshes exactly what it shows:

========== ===================================================================
data       the training/test data changed (same network width)
network    the network was replaced (reset, re-initialise, new architecture,
           data of a new width, a loaded project): weights, history and rewind
           all start again; the argument is the new shown snapshot
weights    the live weights changed within the same network (training, an edit)
settings   a training setting or a mistakes switch changed
shown      the snapshot the views draw changed (new live weights while live,
           a rewind, back to live); the argument is the snapshot to draw
history    the loss history changed: ``"append"``, ``"truncate"`` or ``"replace"``
modified   the modified flag changed (True/False)
changed    anything a project file holds changed (what: "data", "network",
           "weights", "settings", "training"): schedule an autosave on this
========== ===================================================================

Events are plain callbacks run synchronously in the thread that made the change
(the GUI thread); the module imports NumPy and the standard library only.

>>> s = Session.seed_example()
>>> s.epoch, s.settings.learning_rate, s.is_live
(0, 1.0, True)
>>> seen = []
>>> _ = s.events.settings.connect(lambda settings: seen.append(settings.learning_rate))
>>> s.set_settings(s.settings.replace(learning_rate=0.5))
>>> seen, s.modified
([0.5], True)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from .data import Dataset
from .history import SnapshotHistory
from .loss_history import LossHistory
from .network import NO_MISTAKES, Mistakes, Network
from .project_file import Project
from .settings import SettingsError, TrainingSettings, check_epoch, check_loss_fits_output
from .snapshot import NetworkSnapshot, ParameterRef, take_snapshot
from .trainer import Trainer

Array = npt.NDArray[np.float64]

#: Snapshots kept for rewinding (thinned to every k-th epoch beyond this).
REWIND_CAPACITY = 500


class PreparedNetwork:
    """A new initial network and its first snapshot, made by :meth:`Session.prepare_network`
    for :meth:`Session.set_architecture`, possibly on another thread.

    It records what the snapshot was computed from (the settings, the data objects and
    the mistakes); a session whose data or mistakes changed in the meantime computes
    the snapshot again instead of using it.
    """

    __slots__ = ("initial", "mistakes", "settings", "snapshot", "test", "train")

    def __init__(self, settings, initial, snapshot, train, test, mistakes) -> None:
        self.settings = settings
        self.initial = initial
        self.snapshot = snapshot
        self.train, self.test = train, test
        self.mistakes = mistakes

    def fits(self, settings, train, test, mistakes, exact: bool = True) -> bool:
        """Whether it was made for these data objects and mistakes, and for exactly these
        settings (``exact``) or for settings that give the same snapshot (the same loss
        and penalties: the learning rate or the optimiser play no part at epoch 0)."""
        if not (self.train is train and self.test is test and self.mistakes == mistakes):
            return False
        if exact:
            return self.settings == settings
        return all(getattr(self.settings, f) == getattr(settings, f) for f in ("loss", "l1", "l2"))


class Event:
    """A tiny observer: ``connect(callback)``, ``disconnect(callback)``, ``emit(*args)``.

    Callbacks run in the order they were connected. One that raises does not
    stop the others; the first error is raised again once all have run.
    """

    __slots__ = ("_callbacks", "name")

    def __init__(self, name: str = "") -> None:
        self.name = name
        self._callbacks: list[Callable[..., Any]] = []

    def connect(self, callback: Callable[..., Any]) -> Callable[..., Any]:
        """Call ``callback`` on every emit; returns it (usable as a decorator)."""
        self._callbacks.append(callback)
        return callback

    def disconnect(self, callback: Callable[..., Any]) -> None:
        """Stop calling ``callback`` (no error when it was not connected)."""
        try:
            self._callbacks.remove(callback)
        except ValueError:
            pass

    def emit(self, *args: Any) -> None:
        error: BaseException | None = None
        for callback in list(self._callbacks):
            try:
                callback(*args)
            except Exception as exc:  # every listener hears it; the first error is kept
                if error is None:
                    error = exc
        if error is not None:
            raise error

    def __len__(self) -> int:
        return len(self._callbacks)


class SessionEvents:
    """The events of one :class:`Session` (see the module's table)."""

    NAMES = ("data", "network", "weights", "settings", "shown", "history", "modified", "changed")

    def __init__(self) -> None:
        for name in self.NAMES:
            setattr(self, name, Event(name))

    data: Event
    network: Event
    weights: Event
    settings: Event
    shown: Event
    history: Event
    modified: Event
    changed: Event


def dataset_arrays(dataset: Dataset) -> tuple[Array, Array]:
    """(X, T) of ``dataset`` as 2-D float64 arrays."""
    X = np.asarray(dataset.inputs, dtype=np.float64)
    T = np.asarray(dataset.targets, dtype=np.float64)
    if X.ndim == 1:
        X = X.reshape(-1, 1)
    if T.ndim == 1:
        T = T.reshape(-1, 1)
    return X, T


def check_data(train: Dataset, test: Dataset | None) -> Dataset | None:
    """Check that ``train`` (and ``test``) can be trained on together; returns the test
    set to keep (None for an empty one). ValueError names what is wrong.

    A :class:`Dataset` already holds only finite numbers with as many target rows
    as input rows (it checks that when it is made); what is left is what the two
    sets need of each other.
    """
    if not isinstance(train, Dataset):
        raise ValueError(f"the training data must be a Dataset, got {type(train).__name__}")
    if len(train.inputs) == 0:
        raise ValueError("the training data needs at least one sample")
    if test is None:
        return None
    if not isinstance(test, Dataset):
        raise ValueError(f"the test data must be a Dataset, got {type(test).__name__}")
    if len(test.inputs) == 0:
        return None
    if (test.n_inputs, test.n_outputs) != (train.n_inputs, train.n_outputs):
        raise ValueError("the test set needs the same columns as the training set")
    return test


def _mistakes_to_dict(mistakes: Mistakes) -> dict[str, bool]:
    return {
        "derivative_of_pre_activation": mistakes.derivative_of_pre_activation,
        "pre_activation_in_update": mistakes.pre_activation_in_update,
    }


def mistakes_from_dict(data: Any) -> Mistakes:
    """The mistakes-lab switches of a project file (absent: none); ValueError if bad."""
    if data is None:
        return NO_MISTAKES
    if not isinstance(data, dict) or set(data) - set(_mistakes_to_dict(NO_MISTAKES)):
        raise ValueError(f"the mistakes entry is not understood: {data!r}")
    if not all(isinstance(value, bool) for value in data.values()):
        raise ValueError("the mistakes entry must hold true/false switches")
    return Mistakes(**data)


mistakes_to_dict = _mistakes_to_dict


class Session:
    """One student's session: network, data, settings, progress and what is shown.

    Make one with :meth:`seed_example`, :meth:`from_project` or the
    constructor; see the module docstring for the events.

    Parameters
    ----------
    train, test
        The data (test may be None).
    settings
        The typed settings; the architecture fields must match ``initial_network``
        when it is given (they are taken from it otherwise).
    initial_network
        The weights Reset returns to; built from ``settings`` when None.
    network
        The live weights (a copy of ``initial_network`` when None).
    epoch
        Epochs trained so far.
    mistakes
        The mistakes-lab switches.
    history
        The loss history (epochs after ``epoch`` are dropped).
    """

    def __init__(
        self,
        train: Dataset,
        test: Dataset | None = None,
        settings: TrainingSettings | None = None,
        initial_network: Network | None = None,
        network: Network | None = None,
        epoch: int = 0,
        mistakes: Mistakes = NO_MISTAKES,
        history: LossHistory | None = None,
    ) -> None:
        settings = TrainingSettings() if settings is None else settings
        if not isinstance(settings, TrainingSettings):
            raise SettingsError("settings must be a TrainingSettings")
        if not isinstance(mistakes, Mistakes):
            raise ValueError("expected a core.network.Mistakes value")
        test = check_data(train, test)
        X, T = dataset_arrays(train)
        if initial_network is None:
            initial_network = settings.build_network(X.shape[1], T.shape[1])
        else:
            settings = settings.with_network(initial_network)
            initial_network = initial_network.copy()
        check_loss_fits_output(settings.loss, initial_network.activations[-1])
        if (X.shape[1], T.shape[1]) != (
            initial_network.n_inputs,
            initial_network.layer_sizes[-1],
        ):
            raise ValueError("the data does not fit the network's input and output layers")
        if network is None:
            network = initial_network.copy()
        elif (
            list(network.layer_sizes) != list(initial_network.layer_sizes)
            or list(network.activations) != list(initial_network.activations)
            or network.has_bias != initial_network.has_bias
        ):
            raise ValueError("the current and initial networks have different layers")
        epoch = check_epoch(epoch)
        self.events = SessionEvents()
        self._settings = settings
        self._train, self._test = train, test
        self._initial = initial_network
        self._mistakes = mistakes
        self._modified = False
        trainer = self.make_trainer(network.copy())
        trainer.epoch = epoch
        self._live = take_snapshot(trainer)
        #: The epoch-0 snapshot of the initial network and what it was computed from
        #: (a PreparedNetwork), for Reset without computing it again; None: not known.
        self._first: PreparedNetwork | None = None
        self._shown: NetworkSnapshot | None = None  # None: live
        self.history = LossHistory() if history is None else history.copy()
        self.history.truncate_after(epoch)
        self.rewind = SnapshotHistory(REWIND_CAPACITY)
        self.rewind.add(self._live)

    # ------------------------------------------------------------ making
    @classmethod
    def seed_example(cls) -> Session:
        """The seed post's example: 2-3-3-1 sigmoid, every weight 0.1, its 3 samples."""
        from .datasets import seed_dataset

        return cls(seed_dataset(), None, TrainingSettings())

    @classmethod
    def from_project(cls, project: Project) -> Session:
        """A new session holding ``project`` (checked whole; ValueError if it cannot work)."""
        settings_dict = project.settings if isinstance(project.settings, dict) else {}
        mistakes = mistakes_from_dict(settings_dict.get("mistakes"))
        settings = TrainingSettings.from_dict(settings_dict)
        history = LossHistory()
        loss = project.loss_history
        history.replace(loss["epoch"], loss["train_loss"], loss["test_loss"])
        return cls(
            project.train,
            project.test,
            settings,
            initial_network=project.initial_network,
            network=project.network,
            epoch=project.epoch,
            mistakes=mistakes,
            history=history,
        )

    def copy(self) -> Session:
        """A new session holding what this one holds (live network, data, settings,
        history up to the live epoch), showing the live network, with no listeners.

        Cheap, unlike ``Session.from_project(session.to_project())``, which computes
        the first snapshot again (14 s for 2-256x8-1 on 20,000 samples): the snapshot
        and the data are immutable and shared, the rest is copied. Opening a project
        keeps one to put back should taking the new one over fail.
        """
        other = Session.__new__(Session)
        other.events = SessionEvents()
        other._take_state_of(self)
        other._modified = self._modified
        other.history = self.history.copy()
        other.history.truncate_after(self._live.epoch)
        other.rewind = SnapshotHistory(REWIND_CAPACITY)
        other.rewind.add(other._live)
        return other

    def project_parts(self) -> dict[str, Any]:
        """Copies of everything :meth:`to_project` needs, made fast: ``Project(**parts)``.

        For autosave: the copies are made on the thread that owns the session
        (a few milliseconds even for a million epochs), the checking and
        serialising of the :class:`Project` can then run on another thread.
        """
        # Epochs increase strictly: the ones up to the live epoch are a prefix.
        keep = self.history.epochs.searchsorted(self._live.epoch, side="right")
        epochs, train, test = self.history.arrays(keep)
        return {
            "network": self.network(),
            "initial_network": self.initial_network(),
            "train": self._train,  # immutable (read-only arrays)
            "test": self._test,
            "settings": {
                **self._settings.to_dict(),
                "mistakes": _mistakes_to_dict(self._mistakes),
            },
            "epoch": self._live.epoch,
            "loss_history": {
                "epoch": epochs,
                "train_loss": train,
                "test_loss": test,
            },
        }

    def to_project(self) -> Project:
        """An immutable copy of the session as a :class:`Project` (the live weights).

        Safe to hand to another thread (autosave): it shares no array with the
        session, and the session never changes it.
        """
        return Project(**self.project_parts())

    def _take_state_of(self, other: Session) -> None:
        """``other``'s settings, data, networks and mistakes, shared where immutable
        (used by :meth:`copy` and :meth:`replace_with`; the history is theirs)."""
        self._settings = other._settings
        self._train, self._test = other._train, other._test
        self._initial = other._initial.copy()
        self._mistakes = other._mistakes
        self._live = other._live
        self._first = other._first
        self._shown = None

    def replace_with(self, other: Session) -> None:
        """Take over everything ``other`` holds (opening a project, an example, New)."""
        self._take_state_of(other)
        # In place: the loss plot draws this very history object.
        self.history.replace_from(other.history)
        self.rewind.clear()
        self.rewind.add(self._live)
        self.events.settings.emit(self._settings)
        self.events.data.emit((self._train, self._test))
        self.events.history.emit("replace")
        self.events.network.emit(self._live)
        self._changed("network")

    # ----------------------------------------------------------- reading
    @property
    def settings(self) -> TrainingSettings:
        return self._settings

    @property
    def train(self) -> Dataset:
        return self._train

    @property
    def test(self) -> Dataset | None:
        return self._test

    def dataset(self) -> tuple[Dataset, Dataset | None]:
        """(training data, test data or None)."""
        return self._train, self._test

    @property
    def mistakes(self) -> Mistakes:
        return self._mistakes

    @property
    def epoch(self) -> int:
        """Epochs trained so far (of the live network)."""
        return self._live.epoch

    @property
    def live_snapshot(self) -> NetworkSnapshot:
        """The latest trained state (also while rewound)."""
        return self._live

    @property
    def shown_snapshot(self) -> NetworkSnapshot:
        """What every view draws: the live snapshot, or the rewound one."""
        return self._live if self._shown is None else self._shown

    @property
    def shown_epoch(self) -> int:
        return self.shown_snapshot.epoch

    @property
    def is_live(self) -> bool:
        return self._shown is None

    @property
    def modified(self) -> bool:
        """Whether the session differs from what was opened or last saved."""
        return self._modified

    def initial_network(self) -> Network:
        """A copy of the network Reset returns to."""
        return self._initial.copy()

    def network(self, snapshot: NetworkSnapshot | None = None) -> Network:
        """The live network (or ``snapshot``'s) as a new :class:`Network`."""
        snap = self._live if snapshot is None else snapshot
        net = Network.from_arrays(
            [np.array(w) for w in snap.weights],
            None if snap.biases is None else [np.array(b) for b in snap.biases],
            list(snap.activations),
            snap.features,
            None if snap.features is None else snap.n_inputs,
        )
        net.init = self._initial.init
        net.init_value = self._initial.init_value
        net.seed = self._initial.seed
        return net

    def make_trainer(self, network: Network | None = None) -> Trainer:
        """A core Trainer on this session's data, settings and mistakes."""
        net = self.network() if network is None else network
        X, T = dataset_arrays(self._train)
        Xt = Tt = None
        if self._test is not None:
            Xt, Tt = dataset_arrays(self._test)
        trainer = Trainer(
            net,
            X,
            T,
            X_test=Xt,
            T_test=Tt,
            mistakes=self._mistakes,
            **self._settings.trainer_options(),
        )
        trainer.epoch = self._live.epoch if network is None else 0
        return trainer

    # ----------------------------------------------------------- changes
    def _changed(self, what: str) -> None:
        if not self._modified:
            self._modified = True
            self.events.modified.emit(True)
        self.events.changed.emit(what)

    def mark_saved(self) -> None:
        """The session is now what a file holds (after a save or an open)."""
        if self._modified:
            self._modified = False
            self.events.modified.emit(False)

    def mark_modified(self) -> None:
        """Mark the session as changed (e.g. restored from an autosave)."""
        self._changed("session")

    def _snapshot_of(self, network: Network, epoch: int) -> NetworkSnapshot:
        trainer = self.make_trainer(network)
        trainer.epoch = epoch
        return take_snapshot(trainer)

    def _new_network(self, initial: Network, epoch: int = 0, snapshot=None) -> None:
        """Start again on ``initial``: weights, history and rewind (already checked);
        ``snapshot``: its snapshot at ``epoch``, when already computed."""
        self._initial = initial
        if snapshot is None:
            snapshot = self._snapshot_of(initial.copy(), epoch)
        self._live = snapshot
        if epoch == 0:
            self._first = PreparedNetwork(
                self._settings, None, snapshot, self._train, self._test, self._mistakes
            )
        self._shown = None
        self.history.clear()
        self.rewind.clear()
        self.rewind.add(self._live)
        self.events.history.emit("replace")
        self.events.network.emit(self._live)
        self._changed("network")

    def set_settings(self, settings: TrainingSettings) -> None:
        """New training settings for the same network (learning rate, loss, speed, ...).

        A change of the architecture fields goes through :meth:`set_architecture`.
        """
        if not isinstance(settings, TrainingSettings):
            raise SettingsError("settings must be a TrainingSettings")
        architecture = (
            "hidden_layer_sizes",
            "activations",
            "bias",
            "init",
            "init_value",
            "features",
        )
        if any(getattr(settings, f) != getattr(self._settings, f) for f in architecture):
            raise SettingsError("a new architecture or initialisation needs set_architecture")
        check_loss_fits_output(settings.loss, self._live.activations[-1])
        if settings == self._settings:
            return
        loss_changed = settings.loss != self._settings.loss
        self._settings = settings
        if loss_changed:  # the gradients and the loss shown are the new loss's
            self._refresh_live()
        self.events.settings.emit(settings)
        self._changed("settings")

    def prepare_network(self, settings: TrainingSettings) -> PreparedNetwork:
        """The network ``settings`` describe and its first snapshot, for
        :meth:`set_architecture`; changes nothing.

        Safe to call on another thread while the session stays as it is: it reads only
        the data, the mistakes and ``settings`` (all immutable). The snapshot is a
        forward and backward pass over the training data (seconds for the largest
        networks), which is why the window runs it off the GUI thread.
        """
        if not isinstance(settings, TrainingSettings):
            raise SettingsError("settings must be a TrainingSettings")
        data = (self._train, self._test, self._mistakes)  # read once: the same throughout
        X, T = dataset_arrays(data[0])
        initial = settings.build_network(X.shape[1], T.shape[1])
        check_loss_fits_output(settings.loss, initial.activations[-1])
        return self._prepare(settings, initial, *data)

    def prepare_reset(self) -> PreparedNetwork:
        """The initial network's snapshot at epoch 0, for :meth:`reset`; changes nothing.

        Like :meth:`prepare_network`, safe to call on another thread: it reads the
        initial network (never changed in place: replaced whole), the data, the
        mistakes and the settings.
        """
        first, initial, settings = self._first, self._initial, self._settings
        data = (self._train, self._test, self._mistakes)
        if first is not None and first.fits(settings, *data, exact=False):
            return PreparedNetwork(
                first.settings, initial, first.snapshot, first.train, first.test, first.mistakes
            )
        return self._prepare(settings, initial, *data)

    @staticmethod
    def _prepare(settings, initial, train, test, mistakes) -> PreparedNetwork:
        X, T = dataset_arrays(train)
        Xt = Tt = None
        if test is not None:
            Xt, Tt = dataset_arrays(test)
        trainer = Trainer(
            initial.copy(),
            X,
            T,
            X_test=Xt,
            T_test=Tt,
            mistakes=mistakes,
            **settings.trainer_options(),
        )
        trainer.epoch = 0
        snapshot = take_snapshot(trainer)
        return PreparedNetwork(settings, initial, snapshot, train, test, mistakes)

    def set_architecture(
        self, settings: TrainingSettings, prepared: PreparedNetwork | None = None
    ) -> Network:
        """A new network from ``settings`` (architecture and initialisation); restarts
        training at epoch 0. Returns the new initial network.

        ``prepared``: what :meth:`prepare_network` made for these settings (used when it
        still fits the data and mistakes; computed again otherwise)."""
        if not isinstance(settings, TrainingSettings):
            raise SettingsError("settings must be a TrainingSettings")
        if prepared is None or not prepared.fits(settings, self._train, self._test, self._mistakes):
            prepared = self.prepare_network(settings)
        self._settings = settings
        self.events.settings.emit(settings)
        self._new_network(prepared.initial.copy(), snapshot=prepared.snapshot)
        return prepared.initial.copy()

    def reset(self, prepared: PreparedNetwork | None = None) -> None:
        """Back to exactly the initial weights, epoch 0.

        ``prepared``: what :meth:`prepare_reset` made (used when it is still of this
        initial network, data and mistakes). Without it, the first snapshot of a
        network not trained since it was made is used again."""
        if prepared is None or prepared.initial is not self._initial:
            prepared = self._first
        reuse = prepared is not None and prepared.fits(
            self._settings, self._train, self._test, self._mistakes, exact=False
        )
        self._new_network(self._initial, snapshot=prepared.snapshot if reuse else None)

    def reinitialise(self, seed: int, prepared: PreparedNetwork | None = None) -> Network:
        """New initial weights from ``seed`` (same architecture); epoch 0.

        ``prepared``: what :meth:`prepare_network` made for these settings with this seed."""
        return self.set_architecture(self._settings.replace(init_seed=seed), prepared)

    def set_data(self, train: Dataset, test: Dataset | None = None) -> bool:
        """New data; True when the network had to be rebuilt for its width (restart)."""
        test = check_data(train, test)
        X, T = dataset_arrays(train)
        rebuild = (X.shape[1], T.shape[1]) != (
            self._initial.n_inputs,
            self._initial.layer_sizes[-1],
        )
        if rebuild:
            initial = self._settings.build_network(X.shape[1], T.shape[1])
            old = (self._train, self._test)
            self._train, self._test = train, test
            try:
                self.make_trainer(initial.copy())  # the data must suit the loss (targets)
            except ValueError:
                self._train, self._test = old
                raise
            self.events.data.emit((train, test))
            self._new_network(initial)
            self._changed("data")
            return True
        old = (self._train, self._test)
        self._train, self._test = train, test
        try:
            self._refresh_live()
        except ValueError:
            self._train, self._test = old
            raise
        self.events.data.emit((train, test))
        self._emit_weights()
        self._changed("data")
        return False

    def set_mistakes(self, mistakes: Mistakes) -> None:
        """Inject (or remove) classic backpropagation mistakes."""
        if not isinstance(mistakes, Mistakes):
            raise ValueError("expected a core.network.Mistakes value")
        if mistakes == self._mistakes:
            return
        self._mistakes = mistakes
        self._refresh_live()
        self.events.settings.emit(self._settings)
        self._emit_weights()
        self._changed("settings")

    def set_weights(self, weights: Sequence[npt.ArrayLike], biases=None) -> NetworkSnapshot:
        """Replace every live weight (and bias); the epoch stays. Returns the new snapshot."""
        current = self._live
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
        elif current.biases is not None:
            bs = [np.array(b) for b in current.biases]
        net = Network.from_arrays(
            ws,
            bs,
            list(current.activations),
            current.features,
            None if current.features is None else current.n_inputs,
        )
        self._live = self._snapshot_of(net, current.epoch)
        self.rewind.add(self._live)
        self._emit_weights()
        self._changed("weights")
        return self._live

    def check_parameter(self, ref: ParameterRef, value: float) -> float:
        """``value`` as a float if ``ref`` exists in the network and ``value`` is finite."""
        value = float(value)
        if not math.isfinite(value):
            raise ValueError(f"{ref.name} must be a finite number, got {value}")
        sizes = self._live.layer_sizes
        if not 0 <= ref.layer < len(sizes) - 1:
            raise ValueError(f"there is no layer {ref.layer + 1} in this network")
        if not 0 <= ref.target < sizes[ref.layer + 1]:
            raise ValueError(f"{ref.name} does not exist in this network")
        if ref.source is None:
            if self._live.biases is None:
                raise ValueError("this network has no biases; switch bias on first")
        elif not 0 <= ref.source < sizes[ref.layer]:
            raise ValueError(f"{ref.name} does not exist in this network")
        return value

    def set_parameter(self, ref: ParameterRef, value: float) -> NetworkSnapshot:
        """Set one live weight or bias."""
        value = self.check_parameter(ref, value)
        weights = [np.array(w) for w in self._live.weights]
        biases = None if self._live.biases is None else [np.array(b) for b in self._live.biases]
        if ref.source is None:
            biases[ref.layer][ref.target] = value
        else:
            weights[ref.layer][ref.source, ref.target] = value
        return self.set_weights(weights, biases)

    def _refresh_live(self) -> None:
        """Recompute the live snapshot's gradients and activations (same weights)."""
        self._live = self._snapshot_of(self.network(), self._live.epoch)

    def _emit_weights(self) -> None:
        self.events.weights.emit(self._live)
        if self._shown is None:
            self.events.shown.emit(self._live)

    # ---------------------------------------------------------- training
    def record_progress(
        self,
        epochs: npt.ArrayLike | None = None,
        train_loss: npt.ArrayLike | None = None,
        test_loss: npt.ArrayLike | None = None,
        snapshot: NetworkSnapshot | None = None,
    ) -> None:
        """What the training worker reports: the losses of epochs trained (every
        one) and, now and then, a snapshot of the live network."""
        if epochs is not None and np.size(epochs):
            dropped = self.history.append(epochs, train_loss, test_loss)
            self.events.history.emit("replace" if dropped else "append")
        if snapshot is not None:
            self._live = snapshot
            self.rewind.add(snapshot)
            self._emit_weights()
        if (epochs is not None and np.size(epochs)) or snapshot is not None:
            self._changed("training")

    def forget_after(self, epoch: int) -> None:
        """Training went back to ``epoch`` (a divergence was undone): drop later losses."""
        if self.history.truncate_after(epoch):
            self.events.history.emit("truncate")

    # ------------------------------------------------------------ rewind
    def set_rewind_capacity(self, capacity: int) -> None:
        """Keep at most ``capacity`` snapshots for rewinding (starts again from now)."""
        self.show_live()
        self.rewind = SnapshotHistory(capacity)
        self.rewind.add(self._live)

    def show_epoch(self, epoch: int) -> NetworkSnapshot:
        """Show the kept snapshot at ``epoch`` or the nearest earlier one (live when
        ``epoch`` is the newest). Every view follows. Returns what is shown."""
        latest = self.rewind.latest
        if latest is None or epoch >= latest.epoch:
            self.show_live()
            return self._live
        snapshot = self.rewind.at_or_before(epoch)
        if snapshot is None:
            raise ValueError(f"no snapshot is kept at or before epoch {epoch}")
        if snapshot is not self._shown:
            self._shown = snapshot
            self.events.shown.emit(snapshot)
        return snapshot

    def show_live(self) -> None:
        """Show the live network again."""
        if self._shown is not None:
            self._shown = None
            self.events.shown.emit(self._live)
